//! The real server's version and favicon as it last showed them, so the
//! server list looks like the real server even while the host is off.
//! Read from the upstream while it is up (at once, then every
//! [`REFRESH_EVERY`]), kept in memory and in the store (a few kilobytes,
//! written only when it changed), so a restarted appliance still shows it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::power::driver::PowerView;
use crate::power::machine::StateKind;
use crate::store::Store;

/// The store record.
const RECORD: &str = "front_door_status";

/// How often the status is read again while the server runs: a version
/// or icon change shows within this, and a ping every few minutes is
/// nothing to a server.
pub const REFRESH_EVERY: Duration = Duration::from_secs(300);

/// What is shown of the real server while it sleeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The `version` object of its status (`name` and `protocol`), as is.
    pub version: serde_json::Value,
    /// Its `favicon` (a `data:image/png;base64,…` URL), if it has one.
    pub favicon: Option<String>,
    pub max_players: u32,
}

impl Remembered {
    /// Takes what is shown from a status JSON; `None` if it has no
    /// version object.
    pub fn from_status(json: &str) -> Option<Remembered> {
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let version = value.get("version").filter(|v| v.is_object())?.clone();
        let favicon = value
            .get("favicon")
            .and_then(|f| f.as_str())
            .filter(|f| f.starts_with("data:image/"))
            .map(str::to_owned);
        let max_players = value
            .pointer("/players/max")
            .and_then(serde_json::Value::as_u64)
            .and_then(|max| u32::try_from(max).ok())
            .unwrap_or(0);
        Some(Remembered {
            version,
            favicon,
            max_players,
        })
    }
}

/// What the store holds, if anything readable.
pub async fn load(store: &Arc<Store>) -> Option<Remembered> {
    let store = Arc::clone(store);
    match tokio::task::spawn_blocking(move || store.load::<Remembered>(RECORD)).await {
        Ok(Ok(remembered)) => remembered,
        Ok(Err(e)) => {
            log::warn!("front door: the remembered server status is unreadable: {e:#}");
            None
        }
        Err(e) => {
            log::warn!("front door: loading the remembered server status failed: {e}");
            None
        }
    }
}

/// What the refresh task reads and where it keeps what it saw.
pub(super) struct Upstream {
    pub address: String,
    pub timeout: Duration,
    pub view: watch::Receiver<PowerView>,
    pub store: Arc<Store>,
    /// Shared with the connections, which show it.
    pub remembered: Arc<Mutex<Option<Remembered>>>,
}

/// Reads the upstream's status whenever the server is up, until
/// `shutdown`.
pub(super) async fn refresh(upstream: Upstream, shutdown: CancellationToken) {
    let mut view = upstream.view.clone();
    // When to read next while the server is up; `None` while it is not.
    // The view changes at every probe: only entering "up" and this time
    // make a read, so the upstream sees one ping per REFRESH_EVERY.
    let mut next: Option<Instant> = None;
    loop {
        let up = matches!(
            view.borrow_and_update().state.kind(),
            StateKind::Operational | StateKind::ShutdownTimer
        );
        if !up {
            next = None;
        } else if next.is_none_or(|at| Instant::now() >= at) {
            remember(&upstream).await;
            next = Some(Instant::now() + REFRESH_EVERY);
        }
        let pause = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = pause => {}
            changed = view.changed() => if changed.is_err() { return },
        }
    }
}

async fn remember(upstream: &Upstream) {
    let json = match crate::peers::minecraft::status_json(&upstream.address, upstream.timeout).await
    {
        Ok(json) => json,
        Err(e) => {
            log::debug!("front door: cannot read the server's status to remember it: {e}");
            return;
        }
    };
    let Some(seen) = Remembered::from_status(&json) else {
        return;
    };
    let changed = {
        let mut remembered = upstream
            .remembered
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let changed = remembered.as_ref() != Some(&seen);
        *remembered = Some(seen.clone());
        changed
    };
    if changed {
        let store = Arc::clone(&upstream.store);
        match tokio::task::spawn_blocking(move || store.save(RECORD, &seen)).await {
            Ok(Ok(())) => log::info!("front door: remembered the server's version and icon"),
            Ok(Err(e)) => log::warn!("front door: cannot save the server's status: {e:#}"),
            Err(e) => log::warn!("front door: saving the server's status failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_icon_and_max_are_taken_from_a_status() {
        let json = r#"{"version":{"name":"Paper 1.20.4","protocol":765},
            "players":{"max":12,"online":3},"description":"hi",
            "favicon":"data:image/png;base64,AAAA"}"#;
        let seen = Remembered::from_status(json).unwrap();
        assert_eq!(seen.version["protocol"], 765);
        assert_eq!(seen.favicon.as_deref(), Some("data:image/png;base64,AAAA"));
        assert_eq!(seen.max_players, 12);
    }

    #[test]
    fn a_status_without_version_or_with_a_strange_icon() {
        assert_eq!(Remembered::from_status(r#"{"players":{}}"#), None);
        assert_eq!(Remembered::from_status("not json"), None);
        let odd = r#"{"version":{"name":"x","protocol":1},"favicon":"http://evil"}"#;
        let seen = Remembered::from_status(odd).unwrap();
        assert_eq!(seen.favicon, None);
        assert_eq!(seen.max_players, 0);
    }
}
