//! `cubeguardian digest` while the appliance is stopped: reads the
//! database directly. (While it runs, it holds the database, and the CLI
//! asks it over its admin endpoint instead; see the binary.)

use std::sync::Arc;

use super::archive::Archive;
use super::channels::Channels;
use super::listing::{self, Query};
use super::service::{Builder, DigestSettings};
use crate::config::{Config, DigestConfig};
use crate::store::{Store, StoreError};
use crate::time::Clock;

/// Why the database could not answer.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Digest(#[from] super::service::DigestError),
    #[error("no digest has been started yet in {0}: the appliance has not run with [digest]")]
    NeverStarted(String),
}

/// Answers `query` from the database in the state directory. `Ok(None)`:
/// the digest asked for does not exist. Fails with
/// [`StoreError::AlreadyOpen`] while the appliance runs.
pub async fn answer(
    config: &Config,
    digest: &DigestConfig,
    query: Query,
) -> Result<Option<String>, OfflineError> {
    let store = Arc::new(Store::open(&config.state.resolved_dir())?);
    let archive = Archive::new(Arc::clone(&store));
    let zone = digest.zone.clone();
    match query {
        Query::List => Ok(Some(listing::list(&archive.digests()?, &zone))),
        Query::Show(id) => Ok(archive.digest(id)?.map(|r| listing::show(&r, &zone))),
        Query::Preview => {
            let state = archive
                .state()?
                .ok_or_else(|| OfflineError::NeverStarted(store.path().display().to_string()))?;
            let channels = Channels::new(
                digest.excluded_channels.clone(),
                digest.important_channels.clone(),
                digest.include_private.clone(),
                archive.directory()?.unwrap_or_default(),
                state.overrides.clone(),
            );
            let builder = Builder {
                archive,
                channels: Arc::new(channels),
                settings: std::sync::RwLock::new(DigestSettings::from_config(config, digest)),
                // This CLI is its own short process, without the appliance's clock.
                clock: Clock::new(),
            };
            let rendered = builder.preview(state.window_start()).await?;
            Ok(Some(listing::preview(&rendered.subject, &rendered.text)))
        }
    }
}
