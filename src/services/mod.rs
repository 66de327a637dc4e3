//! Services: each owns one action's policy and effects — what must hold
//! before it happens, doing it, and what it answers (a typed result). The
//! front doors (Discord and the admin page) are thin callers that turn
//! those answers into their own words; an action both perform lives here
//! once. Services depend on the cores (the power machine, the restart
//! policy, the rate limiter) and on the peers (Proxmox, Minecraft), never
//! on a front door.

pub mod power;
pub mod restart;

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether requests in plain words ("@CubeGuardian redémarre le serveur")
/// are acted on: a switch the admin page flips and Discord reads. Slash and
/// `!` commands always work.
#[derive(Debug)]
pub struct PlainWords(AtomicBool);

impl Default for PlainWords {
    /// On, as the appliance starts.
    fn default() -> Self {
        PlainWords(AtomicBool::new(true))
    }
}

impl PlainWords {
    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::Relaxed);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
