//! The outside systems CubeGuardian talks to, one module per system. Each
//! owns its wire protocol, its deadlines and an error type that says what to
//! check; nothing here decides policy (the power, restart and digest
//! services do), so every module can be tested against a real local server.
//!
//! - [`proxmox`]: the Proxmox VE HTTPS API (probe, reboot the container,
//!   follow its task, shut the node down), with its certificate pinning.
//! - [`minecraft`]: the Minecraft protocol codec and the Server List Ping
//!   client that tells whether the game is up and who plays.
//! - [`smtp`]: sending one mail over SMTP (the digest's), its URL syntax and
//!   the sorting of failures into transient and permanent.
//! - [`wol`]: Wake-on-LAN magic packets.
//! - [`ssh`]: the shutdown command for hosts that are not Proxmox nodes.
//! - [`address`]: the one `host:port` parser every endpoint uses.
//! - [`failure`]: walking an error's causes, shared by the clients that
//!   classify transport failures.

pub mod address;
pub mod failure;
pub mod minecraft;
pub mod proxmox;
pub mod smtp;
pub mod ssh;
pub mod wol;
