//! Time, as the whole appliance counts it: one type for a moment
//! ([`Timestamp`]), one source of "now" ([`Clock`], built once in
//! [`crate::app`] and passed down), and the appliance's time zone
//! ([`Zone`]) for everything that resets at local midnight, with the
//! local clock arithmetic ([`calendar`]: next HH:MM, the weekend pause).
//!
//! A moment is wall-clock milliseconds since the Unix epoch, not a monotonic
//! instant: deadlines, bans and digest windows are persisted, and must mean
//! the same moment after a restart. The pure cores (the power machine, the
//! rate limiter, the digest) take a `Timestamp` as input and never read a
//! clock themselves.

pub mod calendar;
mod zone;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use zone::Zone;

/// Milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The moment `d` after this one (saturating: a deadline cannot wrap).
    pub fn after(self, d: Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }

    /// How long from `self` until `later` (zero if `later` is not later).
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(later.0.saturating_sub(self.0))
    }

    /// The same moment as the signed milliseconds Discord, jiff and the
    /// digest's archive count in (saturating far in the future).
    pub fn as_millis_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    /// A moment from signed milliseconds; one before 1970 (which only a
    /// corrupt record can hold) is the epoch itself.
    pub fn from_millis_i64(ms: i64) -> Timestamp {
        Timestamp(u64::try_from(ms).unwrap_or(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // humantime formats years up to 9999 and fails beyond.
        const YEAR_10000_MS: u64 = 253_402_300_800_000;
        if self.0 >= YEAR_10000_MS {
            return write!(f, "{} ms after the Unix epoch", self.0);
        }
        let t = UNIX_EPOCH + Duration::from_millis(self.0);
        write!(f, "{}", humantime::format_rfc3339_seconds(t))
    }
}

/// Wall-clock time that follows tokio's clock, so tests that pause tokio's
/// time (`tokio::time::pause`) move it too, while deadlines stay comparable
/// across restarts.
///
/// It reads the system clock once, when built, and then adds tokio's
/// elapsed time: build it once per process ([`crate::app`] does) and pass
/// copies down, so every part of the appliance agrees on "now".
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    wall: SystemTime,
    mono: Instant,
}

impl Clock {
    pub fn new() -> Self {
        Clock {
            wall: SystemTime::now(),
            mono: Instant::now(),
        }
    }

    pub fn now(&self) -> Timestamp {
        let now = self.wall + self.mono.elapsed();
        let ms = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        Timestamp(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The tokio instant at which wall-clock `at` happens.
    pub fn instant_at(&self, at: Timestamp) -> Instant {
        Instant::now() + self.now().until(at)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(
            Timestamp(u64::MAX - 1).after(Duration::from_secs(1)),
            Timestamp(u64::MAX)
        );
        assert_eq!(Timestamp(10).until(Timestamp(5)), Duration::ZERO);
        assert_eq!(Timestamp::from_millis_i64(-5), Timestamp(0));
        assert_eq!(Timestamp(u64::MAX).as_millis_i64(), i64::MAX);
    }

    #[test]
    fn display_is_rfc3339_or_plain_milliseconds() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(u64::MAX).to_string(),
            format!("{} ms after the Unix epoch", u64::MAX)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_follows_paused_tokio_time() {
        let clock = Clock::new();
        let before = clock.now();
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(before.until(clock.now()), Duration::from_secs(3600));
    }
}
