//! The session server's `hasJoined`: online mode's proof. A client that
//! logs in to an online-mode server first tells the session server (with
//! its account's token) that it joins the server whose hash is this
//! login's ([`super::encryption::server_hash`]); the server then asks
//! whether that user name did. Only the account's owner can make the
//! answer yes, so a claimed name alone is worth nothing.
//!
//! Mojang's by default (`[front_door] session_server`); any server with
//! the same two endpoints works, such as the tests' stand-in.

use std::time::Duration;

use serde::Deserialize;

/// The most of an answer read: a profile is a few hundred bytes (its
/// properties carry the skin, a couple of KiB); more is not a profile.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why the session server gave no answer to go by. The player is told to
/// try again; the detail goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session server {url}: cannot make the HTTP client: {reason}")]
    ClientSetup { url: String, reason: String },
    #[error("session server {url} is unreachable")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("session server {url} did not answer within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    #[error("session server {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("session server {url} sent an answer that is not a profile: {detail}")]
    BadAnswer { url: String, detail: String },
}

/// The account the session server vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Profile {
    /// The account's UUID, without dashes.
    pub id: String,
    /// The account's current name, in its own case.
    pub name: String,
}

/// A client for one session server.
#[derive(Clone, Debug)]
pub struct SessionServer {
    http: reqwest::Client,
    /// Without a trailing `/`.
    base: String,
}

impl SessionServer {
    /// A client for `base` (`https://sessionserver.mojang.com`). Made on
    /// the first online login, not at start-up.
    pub fn new(base: &str) -> Result<SessionServer, SessionError> {
        let base = base.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .no_proxy()
            .user_agent(concat!("cubeguardian/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SessionError::ClientSetup {
                url: base.clone(),
                reason: e.to_string(),
            })?;
        Ok(SessionServer { http, base })
    }

    /// Whether `username` joined the server whose login hash is
    /// `server_hash`: the profile if it did, `None` if it did not (HTTP
    /// 204, or a 4xx: asked about someone it does not know), an error
    /// if it cannot say now (unreachable, too slow, 5xx, garbage).
    pub async fn has_joined(
        &self,
        username: &str,
        server_hash: &str,
        timeout: Duration,
    ) -> Result<Option<Profile>, SessionError> {
        let url = format!("{}/session/minecraft/hasJoined", self.base);
        let ask = async {
            let mut response = self
                .http
                .get(&url)
                .query(&[("username", username), ("serverId", server_hash)])
                .send()
                .await
                .map_err(|source| SessionError::Unreachable {
                    url: self.base.clone(),
                    source,
                })?;
            let status = response.status();
            if status == reqwest::StatusCode::NO_CONTENT
                || (status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS)
            {
                return Ok(None);
            }
            if status != reqwest::StatusCode::OK {
                return Err(SessionError::Status {
                    url: self.base.clone(),
                    status: status.as_u16(),
                });
            }
            let mut body = Vec::new();
            while let Some(chunk) =
                response
                    .chunk()
                    .await
                    .map_err(|source| SessionError::Unreachable {
                        url: self.base.clone(),
                        source,
                    })?
            {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(self.bad(format!("more than {MAX_ANSWER_BYTES} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            let profile: Profile =
                serde_json::from_slice(&body).map_err(|e| self.bad(e.to_string()))?;
            if !super::is_player_name(&profile.name) {
                return Err(self.bad(format!("{:?} is not a player name", profile.name)));
            }
            Ok(Some(profile))
        };
        tokio::time::timeout(timeout, ask)
            .await
            .unwrap_or_else(|_| {
                Err(SessionError::Timeout {
                    url: self.base.clone(),
                    timeout,
                })
            })
    }

    fn bad(&self, detail: String) -> SessionError {
        SessionError::BadAnswer {
            url: self.base.clone(),
            detail,
        }
    }
}
