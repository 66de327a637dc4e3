//! `cubeguardian digest --preview | --list | --show ID`: the digest from
//! the command line. With the service stopped it reads the database; while
//! the service runs (it holds the database's lock) it asks the service over
//! `[admin] listen` instead.

use std::path::Path;
use std::process::ExitCode;

use super::{load, service_client, EXIT_CONFIG};
use crate::config::Config;
use crate::digest::listing::Query;
use crate::digest::offline::{self, OfflineError};
use crate::store::StoreError;
use crate::system::secret::SecretSource;

/// Answers `query` on stdout.
pub fn digest(path: &Path, query: Query) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(digest) = &config.digest else {
        eprintln!(
            "error: {}: there is no [digest] section (or it has enabled = false)",
            path.display()
        );
        return ExitCode::from(EXIT_CONFIG);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let answer = runtime.block_on(async {
        match offline::answer(&config, digest, query).await {
            Err(OfflineError::Store(StoreError::AlreadyOpen { .. })) => {
                ask_running(&config, query).await
            }
            other => other.map_err(|e| format!("{:#}", anyhow::Error::from(e))),
        }
    });
    match answer {
        Ok(Some(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("error: there is no such digest (see `cubeguardian digest --list`)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Asks the running appliance, which holds the database, over its admin
/// endpoint.
async fn ask_running(config: &Config, query: Query) -> Result<Option<String>, String> {
    let token =
        service_client::admin_token(&SecretSource::from_process()).map_err(|e| e.to_string())?;
    service_client::ask(config.admin.listen, &token, query)
        .await
        .map_err(|e| e.to_string())
}
