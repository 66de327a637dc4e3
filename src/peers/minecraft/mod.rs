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
//! - [`serving`]: the server's side of the same packets, pure: what a
//!   client sends first (handshake, legacy ping, login start) and the
//!   answers the front door ([`crate::front_door`]) gives while the real
//!   server sleeps.
//! - [`encryption`]: the login's encryption step, server side, pure:
//!   the request and response packets, the ephemeral RSA key, the
//!   AES-CFB8 stream and the server hash of online mode.
//! - [`session`]: the session server's `hasJoined`, which tells whether
//!   an account really joined us (online mode's proof).
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
pub mod encryption;
pub mod serving;
pub mod session;
pub mod status;

pub use client::{ping, status_json};

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

/// Whether `name` can be a Minecraft Java user name: 1 to 16 ASCII
/// letters, digits or underscores.
pub fn is_player_name(name: &str) -> bool {
    (1..=16).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Helpers the unit tests of the codec, the status packets and the client share.
#[cfg(test)]
mod testing {
    use super::codec::write_varint;

    /// `value` as a VarInt.
    pub fn varint(value: i32) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, value);
        out
    }

    /// A small deterministic generator (xorshift64*), so the random-input
    /// test needs no extra dependency and always replays the same inputs.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        pub fn bytes(&mut self, max_len: usize) -> Vec<u8> {
            let len = (self.next() as usize) % (max_len + 1);
            (0..len).map(|_| self.next() as u8).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_names_follow_the_game_rules() {
        for good in ["Steve", "a", "_x_", "Notch1234567890_"] {
            assert!(is_player_name(good), "{good}");
        }
        for bad in ["", "seventeen_chars_x", "with space", "é", "a-b"] {
            assert!(!is_player_name(bad), "{bad}");
        }
    }
}
