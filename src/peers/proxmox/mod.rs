//! Client for the Proxmox VE HTTP API: what the bot asks the hypervisor.
//!
//! It owns the connection to `https://<host>:8006/api2/json` — API-token
//! authentication, trust in Proxmox's self-signed certificate (a pinned CA, a
//! pinned certificate fingerprint, or, only when explicitly asked for, no
//! verification), and turning every transport or HTTP failure into a
//! [`ProxmoxError`] that says what to fix. The power logic uses it to probe
//! the host and the game container, to reboot the container and follow the
//! resulting task, and to shut the node down; it treats
//! [`ProxmoxError::host_unreachable`] as "the host is off".
//!
//! # Layout
//!
//! - [`client`]: the settings, the HTTPS client, its calls and the
//!   classification of every failure into a [`ProxmoxError`].
//! - [`tls`]: how the server certificate is trusted (CA, fingerprint pin or
//!   nothing), and what a refused certificate means for the configuration.
//! - [`task`]: Proxmox's asynchronous tasks (UPIDs), their status and the
//!   wait until one ends.
//! - [`error`]: the error every call returns.

pub mod client;
pub mod error;
pub mod task;
pub mod tls;

pub use client::{
    ContainerState, ContainerStatus, NodeStatus, ProxmoxClient, ProxmoxSettings, Version,
    API_PREFIX,
};
pub use error::ProxmoxError;
pub use task::{TaskStatus, Upid};
pub use tls::{format_fingerprint, parse_fingerprint, FingerprintError, TlsTrust};

/// Cuts text to `max` characters, marking the cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
