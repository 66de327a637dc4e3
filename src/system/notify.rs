//! systemd notifications (`sd_notify`): `READY=1`, `STATUS=`, `WATCHDOG=1`,
//! `RELOADING=1`, `STOPPING=1`.
//!
//! Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing, so the
//! same binary runs in a terminal. A failed notification is logged and
//! otherwise ignored: systemd being unreachable must not stop the bot.

use std::time::Duration;

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        log::warn!("cannot notify systemd: {e}");
    }
}

/// Startup is finished: the store is open and every task runs (Discord
/// may still be connecting).
pub fn ready() {
    send(&[NotifyState::Ready]);
}

/// The one-line status shown by `systemctl status`.
pub fn status(line: &str) {
    send(&[NotifyState::Status(line)]);
}

/// The main loop is alive.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// The configuration is being re-read (SIGHUP). systemd 253+ wants the
/// monotonic time next to `RELOADING=1`.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(e) => {
            log::warn!("cannot read the monotonic clock for RELOADING=1: {e}");
            send(&[NotifyState::Reloading]);
        }
    }
}

/// A reload finished.
pub fn reloaded() {
    send(&[NotifyState::Ready]);
}

/// A clean shutdown began.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// How often to send `WATCHDOG=1`: half of `WatchdogSec=` as systemd
/// recommends, or `None` when the watchdog is off.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}
