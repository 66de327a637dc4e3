//! How often Minecraft may be restarted ([`RestartPolicy`]): the pure core
//! of the [restart service](super), no I/O, times given by the caller.
//!
//! The policy counts *restarts that happened*, not requests: asking and then
//! pressing Cancel costs nothing. Request spam is the rate limiter's job.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Why a restart is not allowed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This user restarted less than the cooldown ago.
    Cooldown { remaining: Duration },
    /// Everyone together reached the daily cap.
    DailyCap { count: u32 },
}

impl Refusal {
    /// How long until a restart can be allowed again; `until_tomorrow`
    /// is the time left until local midnight, when the daily cap resets.
    pub fn wait(self, until_tomorrow: Duration) -> Duration {
        match self {
            Refusal::Cooldown { remaining } => remaining,
            Refusal::DailyCap { .. } => until_tomorrow,
        }
    }
}

/// What to tell a player whose restart request the rate limiter refused
/// with `limiter_wait`, when the restart policy says `policy`: the policy's
/// refusal if it makes them wait longer, `None` to tell the limiter's.
/// Told "wait 4 s" during a 10-minute cooldown, a player would come back
/// only to be told "wait 9 minutes": the longer wait is the true one.
pub fn longer_refusal(
    limiter_wait: Duration,
    policy: Result<(), Refusal>,
    until_tomorrow: Duration,
) -> Option<Refusal> {
    let refusal = policy.err()?;
    (refusal.wait(until_tomorrow) > limiter_wait).then_some(refusal)
}

/// Per-user cooldown and daily cap on restarts. Days are local day numbers
/// (see [`crate::time::Zone::day`]), given by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    #[serde(skip)]
    limits: Limits,
    /// When each user last restarted (only entries younger than the
    /// cooldown matter; older ones are dropped when recording).
    last: HashMap<u64, Timestamp>,
    /// The local day of `count`, and how many restarts happened that day.
    day: u32,
    count: u32,
}

/// The policy's settings (from `[restart]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub cooldown: Duration,
    pub per_day: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cooldown: Duration::from_secs(600),
            per_day: 5,
        }
    }
}

impl RestartPolicy {
    pub fn new(limits: Limits) -> Self {
        RestartPolicy {
            limits,
            ..RestartPolicy::default()
        }
    }

    /// A policy restored from the store, with today's settings.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Whether `user` may restart at `now`, local day `today`.
    pub fn check(&self, user: u64, now: Timestamp, today: u32) -> Result<(), Refusal> {
        if let Some(last) = self.last.get(&user) {
            let next = last.after(self.limits.cooldown);
            if now < next {
                return Err(Refusal::Cooldown {
                    remaining: now.until(next),
                });
            }
        }
        if self.day == today && self.count >= self.limits.per_day {
            return Err(Refusal::DailyCap { count: self.count });
        }
        Ok(())
    }

    /// Records a restart by `user` at `now`, local day `today`.
    pub fn record(&mut self, user: u64, now: Timestamp, today: u32) {
        let cooldown = self.limits.cooldown;
        self.last.retain(|_, at| at.after(cooldown) > now);
        self.last.insert(user, now);
        if self.day != today {
            self.day = today;
            self.count = 0;
        }
        self.count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;
    const DAY_MS: u64 = 24 * 60 * MIN;

    fn day(t: Timestamp) -> u32 {
        (t.0 / DAY_MS) as u32
    }

    fn policy() -> RestartPolicy {
        RestartPolicy::new(Limits::default())
    }

    #[test]
    fn cooldown_is_per_user_and_counts_down() {
        let mut p = policy();
        let t0 = Timestamp(10 * DAY_MS);
        assert_eq!(p.check(1, t0, day(t0)), Ok(()));
        p.record(1, t0, day(t0));
        assert_eq!(
            p.check(1, Timestamp(t0.0 + 3 * MIN), day(Timestamp(t0.0 + 3 * MIN))),
            Err(Refusal::Cooldown {
                remaining: Duration::from_secs(7 * 60)
            })
        );
        assert_eq!(
            p.check(2, Timestamp(t0.0 + 3 * MIN), day(Timestamp(t0.0 + 3 * MIN))),
            Ok(())
        );
        assert_eq!(
            p.check(
                1,
                Timestamp(t0.0 + 10 * MIN),
                day(Timestamp(t0.0 + 10 * MIN))
            ),
            Ok(())
        );
    }

    #[test]
    fn daily_cap_counts_everyone_and_resets_the_next_day() {
        let mut p = policy();
        let t0 = Timestamp(10 * DAY_MS);
        for user in 0..5 {
            p.record(
                user,
                Timestamp(t0.0 + user * MIN),
                day(Timestamp(t0.0 + user * MIN)),
            );
        }
        assert_eq!(
            p.check(
                9,
                Timestamp(t0.0 + 60 * MIN),
                day(Timestamp(t0.0 + 60 * MIN))
            ),
            Err(Refusal::DailyCap { count: 5 })
        );
        assert_eq!(
            p.check(9, Timestamp(11 * DAY_MS), day(Timestamp(11 * DAY_MS))),
            Ok(())
        );
        p.record(9, Timestamp(11 * DAY_MS), day(Timestamp(11 * DAY_MS)));
        assert_eq!(p.count, 1);
    }

    #[test]
    fn old_entries_are_dropped_and_the_policy_round_trips() {
        let mut p = policy();
        p.record(1, Timestamp(0), day(Timestamp(0)));
        p.record(2, Timestamp(20 * MIN), day(Timestamp(20 * MIN)));
        assert_eq!(p.last.len(), 1, "user 1's cooldown is over");
        let json = serde_json::to_string(&p).unwrap();
        let back: RestartPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back.with_limits(Limits::default()), p);
    }

    #[test]
    fn a_refused_restart_is_told_the_longer_wait() {
        const HOUR: Duration = Duration::from_secs(3600);
        let cooldown = Refusal::Cooldown {
            remaining: Duration::from_secs(540),
        };
        // Within the limiter's spacing during the cooldown: the cooldown.
        assert_eq!(
            longer_refusal(Duration::from_secs(4), Err(cooldown), HOUR),
            Some(cooldown)
        );
        // A ban longer than the cooldown: the ban.
        assert_eq!(
            longer_refusal(Duration::from_secs(3600), Err(cooldown), HOUR),
            None
        );
        // Nothing in the policy's way: the limiter's answer.
        assert_eq!(longer_refusal(Duration::from_secs(4), Ok(()), HOUR), None);
        // The daily cap lasts until midnight.
        let cap = Refusal::DailyCap { count: 5 };
        assert_eq!(
            longer_refusal(Duration::from_secs(4), Err(cap), HOUR),
            Some(cap)
        );
        assert_eq!(longer_refusal(2 * HOUR, Err(cap), HOUR), None);
    }
}
