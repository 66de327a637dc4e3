//! What went wrong talking to Proxmox: one error type for every call, whose
//! messages name the URL and say what to check, and never contain the token
//! secret. The power logic reads [`ProxmoxError::host_unreachable`] as "the
//! host is off".

use std::time::Duration;

use super::Upid;

/// What went wrong talking to Proxmox. Messages name the URL and say what to
/// check; they never contain the token secret.
#[derive(Debug, thiserror::Error)]
pub enum ProxmoxError {
    #[error("invalid proxmox url `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("invalid proxmox node name `{node}`: use the node's name as shown in the web ui, e.g. `pve`")]
    InvalidNode { node: String },
    #[error(
        "invalid proxmox api token id `{token_id}`: expected USER@REALM!TOKENID, \
         e.g. `cubeguardian@pve!bot`"
    )]
    InvalidTokenId { token_id: String },
    #[error("the proxmox_token_secret credential contains characters that cannot be sent in an http header")]
    InvalidTokenSecret,
    #[error("invalid proxmox ca certificate (ca_file): {reason}")]
    InvalidCa { reason: String },
    #[error("cannot set up the https client for {url}: {reason}")]
    ClientSetup { url: String, reason: String },
    #[error("proxmox at {url} is unreachable (the host is probably off): {detail}")]
    Unreachable { url: String, detail: String },
    #[error("proxmox at {url} did not answer within {}", humanize(*.timeout))]
    Timeout { url: String, timeout: Duration },
    #[error(
        "tls handshake with {url} failed: {detail}; pin the proxmox ca (ca_file) or the \
         certificate's sha-256 fingerprint"
    )]
    Tls { url: String, detail: String },
    #[error(
        "{url}: the API token was refused (http {status}): check token_id and the \
         proxmox_token_secret credential"
    )]
    Unauthorized { url: String, status: u16 },
    #[error(
        "{url}: the token lacks a privilege (http 403: {message}): the bot needs \
         VM.PowerMgmt on the container and Sys.PowerMgmt on the node (with privilege \
         separation, grant them to the token as well as the user)"
    )]
    Forbidden { url: String, message: String },
    #[error("{url}: proxmox answered http {status}: {message}")]
    Server {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: unexpected response from proxmox: {reason}")]
    BadResponse { url: String, reason: String },
    #[error("{url}: http exchange with proxmox failed: {detail}")]
    Transport { url: String, detail: String },
    #[error("invalid proxmox task id `{value}`: a UPID looks like `UPID:pve:…`")]
    InvalidUpid { value: String },
    #[error("proxmox task {upid} failed: {exit_status}")]
    TaskFailed { upid: Upid, exit_status: String },
    #[error("proxmox task {upid} still running after {}", humanize(*.timeout))]
    TaskTimeout { upid: Upid, timeout: Duration },
}

impl ProxmoxError {
    /// True when Proxmox could not be reached at all (refused, reset, no
    /// route, no answer in time): the power logic reads this as "the host is
    /// off". TLS and HTTP errors mean something answered, so they are false.
    pub fn host_unreachable(&self) -> bool {
        matches!(
            self,
            ProxmoxError::Unreachable { .. } | ProxmoxError::Timeout { .. }
        )
    }
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}
