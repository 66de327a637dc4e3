//! SSH command runner: powers off a host that is not managed through Proxmox
//! by running one command (typically `systemctl poweroff`) over SSH.
//!
//! Owns the host-key pinning and the one-shot session. The server's host key
//! must equal the configured one — there is no trust-on-first-use and no
//! `known_hosts` file — and a mismatch aborts the connection before the
//! client authenticates or sends anything. Authentication is by an
//! unencrypted private key file (ed25519 or ECDSA; RSA is not compiled in).

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use russh::{ChannelMsg, Disconnect};

/// The SSH port used when the configured address has none.
pub const DEFAULT_PORT: u16 = 22;

/// Most output kept from the command (stdout and stderr together). It only
/// ends up in a log line and an admin alert — a Discord message holds 2000
/// characters — so 4 KiB is plenty, and it bounds memory against a command
/// that prints without end.
pub const MAX_OUTPUT_BYTES: usize = 4096;

/// How often to probe a silent server (up to three unanswered probes). A
/// host that powers off may drop off the network without closing the TCP
/// connection; the probes notice that within about 20 s, which then counts as
/// "connection closed after the command started" instead of running into the
/// caller's timeout. Only useful if that timeout is longer than ~20 s.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// Appended to output cut at [`MAX_OUTPUT_BYTES`].
const TRUNCATED_MARKER: &str = "\n[output truncated]";

/// The one public key the SSH server must present. Parsed from an OpenSSH
/// public key line (`ssh-ed25519 AAAA… comment`, the content of the host's
/// `/etc/ssh/ssh_host_ed25519_key.pub`); displayed as its SHA-256
/// fingerprint, which is how `ssh` and `ssh-keygen -lf` show keys too.
#[derive(Clone, PartialEq, Eq)]
pub struct HostKey(PublicKey);

impl HostKey {
    /// The key's fingerprint in OpenSSH's notation, `SHA256:…`.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint(HashAlg::Sha256).to_string()
    }

    /// Whether `presented` is this key (the comment is not part of a key).
    fn matches(&self, presented: &PublicKey) -> bool {
        self.0.key_data() == presented.key_data()
    }

    /// The host-key algorithms to offer: only this key's, so that a server
    /// holding several host keys presents the one we know instead of, say,
    /// its ECDSA key when the config pins its ed25519 key.
    fn algorithms(&self) -> Vec<Algorithm> {
        match self.0.algorithm() {
            Algorithm::Rsa { .. } => vec![
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha512),
                },
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256),
                },
            ],
            other => vec![other],
        }
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

impl fmt::Debug for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostKey({} {})", self.0.algorithm(), self.fingerprint())
    }
}

/// Why a configured host key line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid SSH host key: {reason}; expected a public key line like `ssh-ed25519 AAAA… comment` \
     (the content of the host's /etc/ssh/ssh_host_ed25519_key.pub)"
)]
pub struct HostKeyError {
    pub reason: String,
}

impl FromStr for HostKey {
    type Err = HostKeyError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let line = line.trim();
        let error = |reason: &str| HostKeyError {
            reason: reason.to_owned(),
        };
        if line.is_empty() {
            return Err(error("it is empty"));
        }
        if line.starts_with("SHA256:") || line.starts_with("MD5:") {
            return Err(error(
                "this is a fingerprint, the whole public key is needed",
            ));
        }
        PublicKey::from_openssh(line)
            .map(HostKey)
            .map_err(|parse| error(&parse.to_string().to_lowercase()))
    }
}

/// Where to connect, as whom, and what to run.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// "host:port" (or "host", port 22; IPv6 as `[addr]:port`).
    pub address: String,
    pub user: String,
    /// OpenSSH private key file, unencrypted.
    pub key_file: PathBuf,
    pub host_key: HostKey,
    pub command: String,
    /// Bounds the whole session: connect, key exchange, auth and command.
    pub timeout: Duration,
}

/// How the command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// The command's exit status; `None` when the server accepted the command
    /// and then closed the connection without reporting one. That is the
    /// normal end of `systemctl poweroff`: the host stops sshd (or the whole
    /// network) before the command can exit, so a cut connection after the
    /// command was accepted means "it is shutting down", not failure.
    pub exit_status: Option<u32>,
    /// Stdout and stderr interleaved as they arrived, at most
    /// [`MAX_OUTPUT_BYTES`] (then marked as truncated), invalid UTF-8 replaced.
    pub output: String,
}

/// Why the command could not be run. Each variant names the host (or the key
/// file) and says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("cannot read SSH private key {path}")]
    KeyFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "SSH private key {path} is protected by a passphrase; cubeguardian needs an unencrypted \
         key (remove the passphrase with `ssh-keygen -p -f {path}`)"
    )]
    EncryptedKey { path: PathBuf },
    #[error("SSH private key {path} is not usable: {detail}")]
    InvalidKey { path: PathBuf, detail: String },
    #[error("invalid SSH address `{address}`: {reason}")]
    InvalidAddress {
        address: String,
        reason: crate::peers::address::AddressError,
    },
    #[error("ssh host {address} is unreachable")]
    Unreachable {
        address: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "ssh host {address} presented the host key {seen}, not the configured {expected}; \
         connection aborted before authenticating (if the host was reinstalled, configure its new key)"
    )]
    HostKeyMismatch {
        address: String,
        expected: String,
        seen: String,
    },
    #[error(
        "ssh host {address} refused key authentication for user `{user}` (is the public key in \
         that user's authorized_keys?)"
    )]
    AuthRejected { address: String, user: String },
    #[error("ssh host {address} refused to run the command")]
    CommandRefused { address: String },
    #[error("ssh host {address} did not complete the session within {timeout:?}")]
    Timeout { address: String, timeout: Duration },
    #[error("the command started on ssh host {address} but did not finish within {timeout:?}")]
    CommandTimeout { address: String, timeout: Duration },
    #[error("ssh session with {address} failed: {detail}")]
    Protocol { address: String, detail: String },
}

/// Connects to `target`, verifies its host key, authenticates with the key
/// file, runs the command and waits for it to end (or for the connection to
/// be cut, see [`CommandOutcome::exit_status`]).
pub async fn run_command(target: &SshTarget) -> Result<CommandOutcome, SshError> {
    // Key problems are config problems: report them without touching the network.
    let key = load_private_key(target).await?;
    let command_started = AtomicBool::new(false);
    match tokio::time::timeout(target.timeout, session(target, key, &command_started)).await {
        Ok(result) => result,
        Err(_elapsed) if command_started.load(Ordering::Relaxed) => Err(SshError::CommandTimeout {
            address: target.address.clone(),
            timeout: target.timeout,
        }),
        Err(_elapsed) => Err(SshError::Timeout {
            address: target.address.clone(),
            timeout: target.timeout,
        }),
    }
}

async fn load_private_key(target: &SshTarget) -> Result<PrivateKey, SshError> {
    let path = &target.key_file;
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|source| SshError::KeyFile {
            path: path.clone(),
            source,
        })?;
    let key = match russh::keys::decode_secret_key(&text, None) {
        Ok(key) => key,
        Err(russh::keys::Error::KeyIsEncrypted) => {
            return Err(SshError::EncryptedKey { path: path.clone() })
        }
        Err(error) => {
            return Err(SshError::InvalidKey {
                path: path.clone(),
                detail: error.to_string().to_lowercase(),
            })
        }
    };
    if key.algorithm().is_rsa() {
        return Err(SshError::InvalidKey {
            path: path.clone(),
            detail:
                "RSA keys are not supported; create an ed25519 key with `ssh-keygen -t ed25519`"
                    .to_owned(),
        });
    }
    Ok(key)
}

/// Checks the server's host key against the pinned one, remembering a key
/// that did not match so the error can show its fingerprint.
struct PinnedHostKey {
    expected: HostKey,
    rejected: Arc<Mutex<Option<PublicKey>>>,
}

impl client::Handler for PinnedHostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        presented: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = presented.public_key();
        if self.expected.matches(&key) {
            return Ok(true);
        }
        if let Ok(mut slot) = self.rejected.lock() {
            *slot = Some(key);
        }
        Ok(false)
    }
}

async fn session(
    target: &SshTarget,
    key: PrivateKey,
    command_started: &AtomicBool,
) -> Result<CommandOutcome, SshError> {
    let address = &target.address;
    let protocol = |error: russh::Error| SshError::Protocol {
        address: address.clone(),
        detail: error.to_string(),
    };
    let (host, port) =
        crate::peers::address::split_host_port(address, DEFAULT_PORT).map_err(|reason| {
            SshError::InvalidAddress {
                address: address.clone(),
                reason,
            }
        })?;

    let config = Arc::new(client::Config {
        preferred: russh::Preferred {
            key: Cow::Owned(target.host_key.algorithms()),
            ..Default::default()
        },
        keepalive_interval: Some(KEEPALIVE_INTERVAL),
        keepalive_max: 3,
        ..Default::default()
    });
    let rejected = Arc::new(Mutex::new(None));
    let handler = PinnedHostKey {
        expected: target.host_key.clone(),
        rejected: Arc::clone(&rejected),
    };

    let connected = client::connect(config, (host.as_str(), port), handler).await;
    let seen = rejected.lock().ok().and_then(|mut slot| slot.take());
    if let Some(seen) = seen {
        return Err(SshError::HostKeyMismatch {
            address: address.clone(),
            expected: target.host_key.fingerprint(),
            seen: seen.fingerprint(HashAlg::Sha256).to_string(),
        });
    }
    let mut handle = match connected {
        Ok(handle) => handle,
        Err(russh::Error::IO(source)) => {
            return Err(SshError::Unreachable {
                address: address.clone(),
                source,
            })
        }
        Err(russh::Error::NoCommonAlgo {
            kind: russh::AlgorithmKind::Key,
            ..
        }) => {
            return Err(SshError::Protocol {
                address: address.clone(),
                detail: format!(
                    "the server has no {} host key, which is the type configured",
                    target.host_key.0.algorithm()
                ),
            })
        }
        Err(error) => return Err(protocol(error)),
    };

    let auth = handle
        .authenticate_publickey(
            target.user.clone(),
            PrivateKeyWithHashAlg::new(Arc::new(key), None),
        )
        .await
        .map_err(protocol)?;
    if !auth.success() {
        return Err(SshError::AuthRejected {
            address: address.clone(),
            user: target.user.clone(),
        });
    }

    let mut channel = handle.channel_open_session().await.map_err(protocol)?;
    channel
        .exec(true, target.command.as_bytes())
        .await
        .map_err(protocol)?;

    let mut output = Output::default();
    let mut accepted = false;
    let mut exit_status = None;
    while let Some(message) = channel.wait().await {
        match message {
            ChannelMsg::Success => {
                accepted = true;
                command_started.store(true, Ordering::Relaxed);
            }
            ChannelMsg::Failure => {
                return Err(SshError::CommandRefused {
                    address: address.clone(),
                })
            }
            ChannelMsg::Data { data } => output.push(&data),
            ChannelMsg::ExtendedData { data, .. } => output.push(&data),
            ChannelMsg::ExitStatus {
                exit_status: status,
            } => exit_status = Some(status),
            ChannelMsg::ExitSignal { signal_name, .. } => {
                output.push(format!("\n[terminated by signal {signal_name:?}]").as_bytes())
            }
            _ => {}
        }
    }
    if !accepted && exit_status.is_none() {
        // Closed before the server even confirmed the command: we cannot
        // claim it ran.
        return Err(SshError::Protocol {
            address: address.clone(),
            detail: "the connection closed before the server accepted the command".to_owned(),
        });
    }
    if exit_status.is_none() {
        log::info!("ssh host {address} closed the connection while running the command (expected for a power-off)");
    }
    // Best effort: the server may already be gone (power-off), which is fine.
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    Ok(CommandOutcome {
        exit_status,
        output: output.finish(),
    })
}

/// Collects command output up to [`MAX_OUTPUT_BYTES`], dropping the rest.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Output {
    fn push(&mut self, data: &[u8]) {
        let room = MAX_OUTPUT_BYTES.saturating_sub(self.bytes.len());
        if data.len() > room {
            self.truncated = true;
        }
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.truncated {
            text.push_str(TRUNCATED_MARKER);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public key made with `ssh-keygen -t ed25519` for these tests, and
    /// the fingerprint `ssh-keygen -lf` prints for it.
    const ED25519_LINE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIE0vvcYU+5SAarEbAJxP6uAog3FIcfo/WgT0CFnWvyG cube@host";
    const ED25519_FINGERPRINT: &str = "SHA256:TABf92rnry+CjVnNu4w9KTl5rhWzd95I0R0XB83G/4E";

    #[test]
    fn host_key_parses_and_displays_its_fingerprint() {
        let key: HostKey = ED25519_LINE.parse().unwrap();
        let shown = key.to_string();
        assert_eq!(shown, ED25519_FINGERPRINT);
        // The comment is not part of the identity.
        let other_comment: HostKey = ED25519_LINE.replace("cube@host", "x").parse().unwrap();
        assert!(key.matches(&other_comment.0));
        assert_eq!(format!("{key:?}"), format!("HostKey(ssh-ed25519 {shown})"));
    }

    #[test]
    fn bad_host_key_lines_are_refused_with_a_hint() {
        for line in [
            "",
            "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "ssh-ed25519",
            "ssh-ed25519 not-base64!",
            "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
            "host.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIE0vvcYU+5SAarEbAJxP6uAog3FIcfo/WgT0CFnWvyG",
        ] {
            let error = line.parse::<HostKey>().unwrap_err();
            assert!(error.to_string().contains("ssh-ed25519 AAAA"), "{error}");
        }
        let fingerprint = "SHA256:x".parse::<HostKey>().unwrap_err();
        assert!(fingerprint.reason.contains("fingerprint"));
    }

    #[test]
    fn output_is_truncated_at_the_limit() {
        let mut output = Output::default();
        output.push(b"hello ");
        output.push(&vec![b'x'; MAX_OUTPUT_BYTES]);
        output.push(b"never seen");
        let text = output.finish();
        assert!(text.starts_with("hello x"));
        assert!(text.ends_with(TRUNCATED_MARKER));
        assert_eq!(text.len(), MAX_OUTPUT_BYTES + TRUNCATED_MARKER.len());

        let mut exact = Output::default();
        exact.push(&vec![b'y'; MAX_OUTPUT_BYTES]);
        assert!(!exact.finish().ends_with(TRUNCATED_MARKER));
    }
}
