//! "Come back in ~N s": how long a boot takes, from the boots the power
//! driver's history remembers (the median, so one slow boot after an
//! update does not set the figure), else the startup timeout.

use std::time::Duration;

use crate::power::machine::{StateKind, Transition};
use crate::time::Timestamp;

/// The median duration from a wake (`→ startup_requested`) to Minecraft
/// answering (`startup_monitoring → operational`) in `history`, or
/// `fallback` when it holds no complete boot.
pub fn boot_duration(history: &[(Timestamp, Transition)], fallback: Duration) -> Duration {
    let mut boots = Vec::new();
    let mut woke_at = None;
    for (at, t) in history {
        match (t.from, t.to) {
            (_, StateKind::StartupRequested) => woke_at = Some(*at),
            (StateKind::StartupMonitoring, StateKind::Operational) => {
                if let Some(start) = woke_at.take() {
                    boots.push(start.until(*at));
                }
            }
            // A boot that failed or was reconciled away is not a duration.
            (_, StateKind::Error | StateKind::Idle | StateKind::Maintenance) => woke_at = None,
            _ => {}
        }
    }
    if boots.is_empty() {
        return fallback;
    }
    boots.sort();
    boots[boots.len() / 2]
}

/// What is left of a boot that started at `since`, as players read it: at
/// least 10 s, so a boot slower than usual does not count down to "~0 s"
/// and stay there.
pub fn remaining(boot: Duration, since: Timestamp, now: Timestamp) -> Duration {
    boot.saturating_sub(since.until(now))
        .max(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use StateKind::*;

    fn t(from: StateKind, to: StateKind) -> Transition {
        Transition {
            from,
            to,
            reconciled: false,
            admin: false,
        }
    }

    fn at(s: u64) -> Timestamp {
        Timestamp(1_700_000_000_000 + s * 1000)
    }

    fn boot(start: u64, secs: u64) -> Vec<(Timestamp, Transition)> {
        vec![
            (at(start), t(Idle, StartupRequested)),
            (at(start + 1), t(StartupRequested, StartupMonitoring)),
            (at(start + secs), t(StartupMonitoring, Operational)),
        ]
    }

    #[test]
    fn no_boot_in_history_gives_the_fallback() {
        let fallback = Duration::from_secs(600);
        assert_eq!(boot_duration(&[], fallback), fallback);
        let failed = vec![
            (at(0), t(Idle, StartupRequested)),
            (at(9), t(StartupMonitoring, Error)),
            (at(20), t(Error, Idle)),
        ];
        assert_eq!(boot_duration(&failed, fallback), fallback);
    }

    #[test]
    fn the_median_boot_is_the_estimate() {
        let mut history = boot(0, 90);
        history.extend(boot(1000, 300));
        history.extend(boot(2000, 80));
        assert_eq!(
            boot_duration(&history, Duration::ZERO),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn remaining_counts_down_but_not_below_ten_seconds() {
        let boot = Duration::from_secs(90);
        assert_eq!(remaining(boot, at(0), at(30)), Duration::from_secs(60));
        assert_eq!(remaining(boot, at(0), at(300)), Duration::from_secs(10));
    }
}
