//! Online mode: a login that may wake the host proves its account first.
//! After the claimed name passed the cheap checks (the power state, the
//! allowed players and the links), the front door does what an online-mode server does
//! — Encryption Request, Encryption Response, then the session server's
//! `hasJoined` — and only a name the session server vouches for goes on
//! to the wake. The answer, whatever it is, travels in the encrypted
//! stream the client switched to.
//!
//! The bytes are [`crate::peers::minecraft::encryption`]'s and the HTTP
//! call [`crate::peers::minecraft::session`]'s; this only sequences them.
//!
//! Cost: nothing until the first online login, which makes the key (in a
//! blocking thread) and the HTTP client, kept for the process's life.
//! Every RSA operation (the key, then two decryptions per login) runs in
//! a blocking thread holding the one [`Online::crypto`] permit, so at most
//! one core ever does RSA, and only for connections that hold a slot
//! ([`super::limits`]), claimed an allowed or linked name while the host
//! sleeps (or a name with a pending `/link`, in any state) and answered
//! within the login deadline.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;

use super::wire::{by, write, Failure, Reader};
use crate::messages::Messages;
use crate::messages::Text;
use crate::peers::minecraft::encryption::{self, Encryptor, ServerKey};
use crate::peers::minecraft::serving;
use crate::peers::minecraft::session::SessionServer;

/// What online logins share, made on the first one.
pub(super) struct Online {
    session_server: String,
    ready: OnceCell<Arc<Ready>>,
    /// One permit: RSA work never takes more than one core, whatever the
    /// number of logins at once.
    crypto: Semaphore,
}

struct Ready {
    key: ServerKey,
    session: SessionServer,
}

impl Online {
    pub fn new(session_server: String) -> Online {
        Online {
            session_server,
            ready: OnceCell::new(),
            crypto: Semaphore::new(1),
        }
    }

    /// The key and the session client, made once.
    async fn ready(&self) -> Result<Arc<Ready>, String> {
        self.ready
            .get_or_try_init(|| async {
                let started = Instant::now();
                let key = self
                    .blocking(ServerKey::generate)
                    .await?
                    .map_err(|e| e.to_string())?;
                let session =
                    SessionServer::new(&self.session_server).map_err(|e| e.to_string())?;
                log::info!(
                    "front door: online mode ready (an ephemeral login key was made in {} ms)",
                    started.elapsed().as_millis()
                );
                Ok(Arc::new(Ready { key, session }))
            })
            .await
            .cloned()
    }

    /// Runs `work` (RSA, CPU-bound) in a blocking thread, one at a time.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self
            .crypto
            .acquire()
            .await
            .map_err(|_| "the crypto permit is closed".to_owned())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| format!("the crypto thread failed: {e}"))
    }
}

/// What the encryption step needs from the connection.
pub(super) struct Proof<'a> {
    pub online: &'a Online,
    pub messages: &'a Messages,
    /// The client's protocol version, from its handshake.
    pub protocol: i32,
    pub deadline: Instant,
}

/// Verifies `claimed` (already admitted by name) through the encryption
/// step and the session server; `then` says what the name the session
/// server vouches for gets (the connection confirms its pending `/link` or
/// wakes the host); the client is told, in the encrypted stream, all by
/// the deadline.
pub(super) async fn login<F, A>(
    stream: &mut TcpStream,
    reader: &mut Reader,
    proof: Proof<'_>,
    claimed: &str,
    then: F,
) -> Result<(), Failure>
where
    F: FnOnce(String) -> A,
    A: std::future::Future<Output = String>,
{
    let Proof {
        online,
        messages,
        protocol,
        deadline,
    } = proof;
    let cannot_verify = || messages.render(Text::FrontDoorCannotVerify, &[]);
    let plain_refusal = |reason: String| serving::login_disconnect(&reason);

    let ready = match by(deadline, async { Ok(online.ready().await) }).await? {
        Ok(ready) => ready,
        Err(e) => {
            log::warn!("front door: online mode unavailable: {e}");
            return by(deadline, write(stream, &plain_refusal(cannot_verify()))).await;
        }
    };
    let token = match encryption::verify_token() {
        Ok(token) => token,
        Err(e) => {
            log::warn!("front door: online mode unavailable: {e}");
            return by(deadline, write(stream, &plain_refusal(cannot_verify()))).await;
        }
    };
    let request = encryption::encryption_request(protocol, ready.key.public_der(), &token);
    by(deadline, write(stream, &request)).await?;
    let body = by(deadline, reader.packet(stream)).await?;
    let response = encryption::decode_encryption_response(&body, protocol)?;

    let opening = Arc::clone(&ready);
    let opened = by(deadline, async {
        Ok(online
            .blocking(move || opening.key.open(&response, &token))
            .await)
    })
    .await?;
    let (secret, checked) = match opened {
        Ok(Ok(opened)) => opened,
        // The client now encrypts with a secret we cannot read: nothing
        // more can be said to it.
        Ok(Err(e)) => {
            log::debug!("front door: {claimed:?}'s encryption response: {e}");
            return Err(Failure::Closed);
        }
        Err(e) => {
            log::warn!("front door: online mode unavailable: {e}");
            return Err(Failure::Closed);
        }
    };
    let mut encryptor = Encryptor::new(&secret);

    let reason = match checked {
        Err(e) => {
            log::info!("front door: {claimed:?} tried to log in but is not verified: {e}");
            messages.render(Text::FrontDoorUnverified, &[("player", claimed)])
        }
        Ok(()) => {
            let hash = encryption::server_hash("", &secret, ready.key.public_der());
            let left = deadline.saturating_duration_since(Instant::now());
            match ready.session.has_joined(claimed, &hash, left).await {
                Ok(Some(profile)) => then(profile.name).await,
                Ok(None) => {
                    log::info!(
                        "front door: {claimed:?} tried to log in but the session server says \
                         that account did not join"
                    );
                    messages.render(Text::FrontDoorUnverified, &[("player", claimed)])
                }
                Err(e) => {
                    log::info!("front door: cannot verify {claimed:?}: {e}");
                    cannot_verify()
                }
            }
        }
    };
    let mut answer = serving::login_disconnect(&reason);
    encryptor.encrypt(&mut answer);
    // The session check may have used the whole deadline: the answer
    // still gets a moment of its own to leave.
    let send_by = deadline.max(Instant::now() + ANSWER_TIME);
    by(send_by, write(stream, &answer)).await
}

/// How long the final answer may take to send once the checks are done.
const ANSWER_TIME: std::time::Duration = std::time::Duration::from_secs(1);
