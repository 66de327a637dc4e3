//! The CLI's client for the running service: while the service runs, it
//! holds the database, so `cubeguardian digest` asks it over the admin
//! endpoint (`[admin] listen`, with the admin token) instead of reading the
//! database itself.
//!
//! Failures are decided on what reqwest and the HTTP status say (timed out,
//! could not connect, refused the token, answered something else), never on
//! an error's text; each becomes an [`AskError`] whose message says what to
//! check.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::StatusCode;

use crate::digest::listing::Query;
use crate::system::secret::SecretSource;

/// Where the admin token is looked for when neither systemd's credentials
/// nor `CUBEGUARDIAN_ADMIN_TOKEN` provide it: the unit's `LoadCredential=`
/// source, readable by root.
pub const ADMIN_TOKEN_FILE: &str = "/etc/cubeguardian/credentials/admin_token";

/// How long the CLI waits to connect to the running service: it is on this
/// machine, so a connection comes at once or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the CLI waits for the service's whole answer: the service
/// answers within its `ACTION_WAIT` even when the query runs on; past that
/// (and a margin) it is stuck, and waiting longer helps no one.
pub const ASK_TIMEOUT: Duration = Duration::from_secs(crate::web::ACTION_WAIT.as_secs() + 5);

/// Why the running service could not answer the CLI's question.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error(
        "the service is running and holds the database, and the admin token to ask it \
         is not available (CUBEGUARDIAN_ADMIN_TOKEN, or {ADMIN_TOKEN_FILE}: {cause}); \
         run as root, or stop the service"
    )]
    NoToken { cause: std::io::Error },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(reqwest::Error),
    #[error(
        "the service holds the database, and it did not answer at {addr} within {} s \
         ({url}); check it with `systemctl status cubeguardian`",
        ASK_TIMEOUT.as_secs()
    )]
    Timeout { addr: SocketAddr, url: String },
    /// Nothing listens at the address (the service is stopping, or
    /// `[admin] listen` differs from the running service's).
    #[error("the service holds the database, and asking it at {url} failed: {cause}")]
    Unreachable { url: String, cause: reqwest::Error },
    #[error("the service holds the database, and asking it at {url} failed: {cause}")]
    Transport { url: String, cause: reqwest::Error },
    #[error("{url} refused the admin token: {text}")]
    Refused { url: String, text: String },
    #[error("{url} answered {status}: {text}")]
    Answered {
        url: String,
        status: StatusCode,
        text: String,
    },
}

/// The admin token: from systemd's credentials or the environment, else
/// from [`ADMIN_TOKEN_FILE`].
pub fn admin_token(secrets: &SecretSource) -> Result<String, AskError> {
    match secrets.load("admin_token") {
        Ok(token) => Ok(token.expose().to_owned()),
        Err(_) => std::fs::read_to_string(ADMIN_TOKEN_FILE)
            .map(|t| t.trim().to_owned())
            .map_err(|cause| AskError::NoToken { cause }),
    }
}

/// Asks the service listening at `listen` (an unspecified address means
/// this machine) for `query`: `Ok(None)` when there is no such digest.
pub async fn ask(
    listen: SocketAddr,
    token: &str,
    query: Query,
) -> Result<Option<String>, AskError> {
    let addr = reachable(listen);
    let (action, body) = match query {
        Query::Preview => ("digest-preview", String::new()),
        Query::List => ("digest-list", String::new()),
        Query::Show(id) => ("digest-show", format!("id={id}")),
    };
    let url = format!("http://{addr}/action/{action}");
    // The service is on this machine: a proxy from the environment could
    // only get in the way (and see the token).
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ASK_TIMEOUT)
        .build()
        .map_err(AskError::Setup)?;
    let failed = |cause: reqwest::Error| transport_error(cause, addr, &url);
    let response = client
        .post(&url)
        .bearer_auth(token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(failed)?;
    let status = response.status();
    let text = response.text().await.map_err(failed)?;
    answer(status, text, url)
}

/// Where to reach a service listening on `listen`: an unspecified address
/// (`0.0.0.0`, `::`) listens on loopback too.
fn reachable(mut listen: SocketAddr) -> SocketAddr {
    if listen.ip().is_unspecified() {
        listen.set_ip(if listen.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        });
    }
    listen
}

/// Sorts a failed exchange by what reqwest says happened.
fn transport_error(cause: reqwest::Error, addr: SocketAddr, url: &str) -> AskError {
    let url = url.to_owned();
    if cause.is_timeout() {
        AskError::Timeout { addr, url }
    } else if cause.is_connect() {
        AskError::Unreachable { url, cause }
    } else {
        AskError::Transport { url, cause }
    }
}

/// Reads the service's answer by its status.
fn answer(status: StatusCode, text: String, url: String) -> Result<Option<String>, AskError> {
    match status {
        StatusCode::OK => Ok(Some(text)),
        // The one thing a digest query can miss: the digest asked for (a
        // disabled admin page answers 503, a refusal 409).
        StatusCode::NOT_FOUND => Ok(None),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(AskError::Refused {
            url,
            text: text.trim().to_owned(),
        }),
        _ => Err(AskError::Answered {
            url,
            status,
            text: text.trim().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:8080/action/digest-show";

    #[test]
    fn answers_are_read_by_their_status() {
        let read = |status, text: &str| answer(status, text.to_owned(), URL.to_owned());
        assert_eq!(
            read(StatusCode::OK, "digest #1").unwrap(),
            Some("digest #1".into())
        );
        assert_eq!(
            read(StatusCode::NOT_FOUND, "Aucun résumé n° 9.").unwrap(),
            None
        );
        let disabled = read(StatusCode::SERVICE_UNAVAILABLE, "Admin page disabled");
        assert!(
            matches!(disabled, Err(AskError::Answered { .. })),
            "{disabled:?}"
        );
        let refused = read(StatusCode::UNAUTHORIZED, "bad token\n").unwrap_err();
        assert!(matches!(refused, AskError::Refused { .. }), "{refused:?}");
        assert_eq!(
            refused.to_string(),
            format!("{URL} refused the admin token: bad token")
        );
        let other = read(StatusCode::CONFLICT, "digest: the store is busy").unwrap_err();
        assert_eq!(
            other.to_string(),
            format!("{URL} answered 409 Conflict: digest: the store is busy")
        );
    }

    #[test]
    fn an_unspecified_listen_address_is_reached_on_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(reachable(v4), "127.0.0.1:8080".parse().unwrap());
        let v6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(reachable(v6), "[::1]:8080".parse().unwrap());
        let lan: SocketAddr = "127.0.0.2:8080".parse().unwrap();
        assert_eq!(reachable(lan), lan);
    }

    #[tokio::test]
    async fn nobody_listening_is_a_typed_connect_failure() {
        // A port that was just free: bound, then released.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let error = ask(addr, "token", Query::List).await.unwrap_err();
        assert!(matches!(error, AskError::Unreachable { .. }), "{error:?}");
        assert!(
            error.to_string().starts_with(&format!(
                "the service holds the database, and asking it at http://{addr}/action/digest-list failed: "
            )),
            "{error}"
        );
    }
}
