//! Local stand-ins for everything CubeGuardian talks to, shared by the
//! integration tests and the demo example. Each speaks the real protocol on
//! 127.0.0.1 only.
#![allow(dead_code)]

pub mod appliance;
pub mod discord;
pub mod front_door;
pub mod minecraft;
pub mod prometheus;
pub mod proxmox;
pub mod session;
pub mod smtp;
pub mod sshd;
pub mod wol;
