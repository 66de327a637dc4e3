//! Minecraft: the Java-edition protocol and the Server List Ping client.
//!
//! The ping asks a server (1.7+) for its version, player counts and MOTD,
//! and measures its latency. This is how the power controller knows the game
//! is really up and whether anyone is still playing — a bare TCP connect says
//! neither.
//!
//! # Layout
//!
//! - [`codec`]: the protocol's framing, pure and reusable by anything that
//!   speaks Minecraft (VarInts, length-prefixed packets, packet ids, strings
//!   read with a cap).
//! - [`status`]: the Server List Ping packets and the status JSON, pure
//!   (unit-tested and fed random bytes).
//! - [`client`]: [`ping`], the thin shell that drives them over one TCP
//!   connection, with a single deadline covering the whole exchange.
//!
//! Everything from the network is untrusted: lengths are capped before any
//! allocation, and malformed answers become [`MinecraftError::Protocol`].

use std::io;
use std::time::Duration;

use crate::peers::address::AddressError;

pub mod client;
pub mod codec;
pub mod status;

pub use client::ping;

/// The port a Minecraft server listens on unless the address says otherwise.
pub const DEFAULT_PORT: u16 = 25565;

/// What a server told us about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// The version name, e.g. "1.21.1" or "Paper 1.21.1".
    pub version: String,
    /// The protocol number of that version (767 for 1.21.1).
    pub protocol: i32,
    pub players_online: u32,
    pub players_max: u32,
    /// The MOTD flattened to plain text, `§` formatting codes removed.
    pub description: String,
    /// Round trip of the ping/pong packets (or of the status request, if the
    /// server closed the connection instead of answering the ping).
    pub latency: Duration,
}

/// Why a server could not be pinged. Every variant names the address as it
/// was configured, so a log line or an admin alert says which server failed.
#[derive(Debug, thiserror::Error)]
pub enum MinecraftError {
    #[error("invalid minecraft server address `{address}`: {reason}")]
    InvalidAddress {
        address: String,
        reason: AddressError,
    },
    #[error("minecraft server {address} is unreachable")]
    Unreachable {
        address: String,
        #[source]
        source: io::Error,
    },
    #[error("minecraft server {address} did not answer within {timeout:?}")]
    Timeout { address: String, timeout: Duration },
    #[error("minecraft server {address} sent an invalid status answer: {detail}")]
    Protocol { address: String, detail: String },
}
