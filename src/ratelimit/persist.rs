//! What of the limiter survives a restart: bans, violation streaks,
//! escalation levels and today's counters (SPEC §4: "bans and violation
//! history survive a restart"). Buckets do not: after a restart they start
//! full, which costs at most one burst per user.
//!
//! [`PersistedState`] is plain serde data with wall-clock times (Unix
//! milliseconds), so the application can store it in its database in any
//! serde format, self-describing or not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::entry::{ceil_secs, secs_ms, Tier, UserEntry, BAN_NOTIFIED, MANUAL};
use super::limiter::{truncate_note, Limiter};
use super::{LocalDay, Moment, UserId};
use crate::time::Timestamp;

/// The format version [`Limiter::snapshot`] writes and
/// [`Limiter::restore`] reads.
pub const PERSIST_VERSION: u32 = 1;

/// The limiter's durable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedState {
    pub version: u32,
    /// The local day the daily counters belong to.
    pub day: LocalDay,
    /// Uses of each command today, all users together, by command name.
    pub global_used: BTreeMap<String, u32>,
    /// Users with anything worth keeping, sorted by id.
    pub users: Vec<PersistedUser>,
}

/// One user's durable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedUser {
    pub user: UserId,
    pub ban: Option<PersistedBan>,
    pub level: u8,
    pub violations: u8,
    /// The last violation, or the end of the last ban.
    pub last_offense: Timestamp,
    /// Commands counted toward the quota on [`PersistedState::day`].
    pub daily_used: u32,
}

/// A ban as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedBan {
    pub until: Timestamp,
    pub manual: bool,
    /// Whether the user has been told.
    pub notified: bool,
    pub note: Option<String>,
}

/// How a restore went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreSummary {
    /// Users restored.
    pub restored: usize,
    /// Users left out: over `max_tracked_users` (least precious first), or
    /// with nothing left to remember (bans and streaks that ran out).
    pub dropped: usize,
}

/// A stored state this build cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "cannot restore the rate limiter's state: it has format version {found}, \
         this build reads version {expected} (bans start empty; the next snapshot \
         overwrites it)"
    )]
    Version { found: u32, expected: u32 },
}

impl Limiter {
    /// The durable state now (cheap enough to take every minute: a few
    /// dozen bytes per user with something to remember).
    pub fn snapshot(&self) -> PersistedState {
        let day16 = self.day as u16;
        let mut users: Vec<PersistedUser> = self
            .users
            .iter()
            .filter_map(|(user, e)| {
                let daily_used = u32::from(e.quota_used_on(day16));
                let keep = e.ban_until != 0 || e.level > 0 || e.violations > 0 || daily_used > 0;
                keep.then(|| PersistedUser {
                    user,
                    ban: (e.ban_until != 0).then(|| PersistedBan {
                        until: Timestamp(secs_ms(e.ban_until)),
                        manual: e.flags & MANUAL != 0,
                        notified: e.flags & BAN_NOTIFIED != 0,
                        note: self.notes.get(&user).map(|n| n.to_string()),
                    }),
                    level: e.level,
                    violations: e.violations,
                    last_offense: Timestamp(secs_ms(e.last_offense)),
                    daily_used,
                })
            })
            .collect();
        users.sort_unstable_by_key(|u| u.user);
        let global_used = self
            .policy
            .rules
            .iter()
            .zip(&self.global_used)
            .filter(|(_, &n)| n > 0)
            .map(|(rule, &n)| (rule.name.to_string(), n))
            .collect();
        PersistedState {
            version: PERSIST_VERSION,
            day: LocalDay(self.day),
            global_used,
            users,
        }
    }

    /// Replaces the limiter's state with `state` as of `at`: expired bans
    /// and streaks are dropped, decays due while the bot was down are
    /// applied, daily counters are kept only if `state` is from today. If
    /// `state` holds more users than `max_tracked_users`, bans are kept
    /// first, then histories, then quota counters. Buckets start full.
    pub fn restore(
        &mut self,
        state: PersistedState,
        at: Moment,
    ) -> Result<RestoreSummary, RestoreError> {
        if state.version != PERSIST_VERSION {
            return Err(RestoreError::Version {
                found: state.version,
                expected: PERSIST_VERSION,
            });
        }
        self.users.clear();
        self.notes.clear();
        self.global_used.fill(0);
        self.saturated_until = 0;
        self.day = self.day.max(state.day.0);
        let now = self.now(at);
        let same_day = state.day.0 == now.day;
        if same_day {
            for (name, n) in &state.global_used {
                let index = self
                    .policy
                    .rules
                    .iter()
                    .position(|rule| *rule.name == **name);
                if let Some(i) = index {
                    self.global_used[i] = *n;
                }
            }
        }

        let total = state.users.len();
        let mut candidates: Vec<(UserId, UserEntry, Option<String>)> =
            Vec::with_capacity(total.min(self.policy.max_tracked));
        for user in state.users {
            let mut entry = UserEntry::new(&now);
            entry.level = user.level.min(self.policy.max_level());
            entry.violations = user
                .violations
                .min(self.policy.violations_before_ban.saturating_sub(1));
            entry.last_offense = u32::try_from(user.last_offense.0 / 1000).unwrap_or(u32::MAX);
            let mut note = None;
            if let Some(ban) = user.ban {
                entry.ban_until = ceil_secs(ban.until.0);
                entry.flags = (if ban.manual { MANUAL } else { 0 })
                    | (if ban.notified { BAN_NOTIFIED } else { 0 });
                note = ban.note.filter(|_| ban.manual);
            }
            if same_day {
                entry.quota_used = u16::try_from(user.daily_used).unwrap_or(u16::MAX);
            }
            entry.refresh(&self.policy, &now);
            let worth = entry.tier(&self.policy, now.s) != Tier::Plain || entry.quota_used > 0;
            if worth {
                candidates.push((user.user, entry, note.filter(|_| entry.banned(now.s))));
            }
        }
        // Most precious first; the sort is stable, so duplicates keep their
        // stored order and the first of them wins below.
        candidates.sort_by_key(|(_, e, _)| std::cmp::Reverse(e.tier(&self.policy, now.s)));
        for (user, entry, note) in candidates {
            if self.users.len() >= self.policy.max_tracked {
                break;
            }
            if self.users.contains(user) {
                continue;
            }
            self.users.put(user, &entry);
            if let Some(note) = note {
                self.notes.insert(user, truncate_note(&note));
            }
        }
        self.dirty = false;
        Ok(RestoreSummary {
            restored: self.users.len(),
            dropped: total - self.users.len(),
        })
    }
}
