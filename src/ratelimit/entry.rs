//! The per-user record: hot buckets, daily quota, violations, escalation
//! level and ban, as the rules work on it (56 bytes; the table stores it
//! packed, see [`super::table`]).
//!
//! User-level times are Unix seconds in a `u32` (good until 2106): ban ends,
//! streaks and decay periods are counted in seconds and minutes, and seconds
//! survive a restart unchanged. Bucket times are wrapping milliseconds (see
//! [`super::bucket`]). Everything that depends on time passing (ban expiry,
//! streak expiry, level decay, a new day's quota, idle buckets) is applied
//! lazily when the user is next seen, so no timer ever walks the table.

use super::bucket::{tick, Slots, Tick};
use super::policy::{CommandId, Policy};
use super::{BanReason, Notice};
use crate::time::Timestamp;

/// "Now" in every unit the records use, computed once per operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub ms: u64,
    pub s: u32,
    pub tick: Tick,
    /// The limiter's current local day (never goes backwards).
    pub day: u32,
    pub next_day_ms: u64,
}

impl Now {
    pub fn new(time: Timestamp, day: u32, next_day: Timestamp) -> Now {
        Now {
            ms: time.0,
            s: u32::try_from(time.0 / 1000).unwrap_or(u32::MAX),
            tick: tick(time.0),
            day,
            next_day_ms: next_day.0,
        }
    }

    /// Milliseconds until the next local day starts.
    pub fn until_next_day(&self) -> u64 {
        self.next_day_ms.saturating_sub(self.ms)
    }

    /// The day as stored in a record: its low 16 bits, which only need to
    /// differ from one day to the next.
    pub fn day16(&self) -> u16 {
        self.day as u16
    }
}

/// Unix seconds at or after `ms`: a ban never ends earlier than asked.
pub(crate) fn ceil_secs(ms: u64) -> u32 {
    u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX)
}

/// Unix milliseconds of a Unix second.
pub(crate) fn secs_ms(s: u32) -> u64 {
    u64::from(s) * 1000
}

/// Buckets of a user unseen for this long are idle whatever the rule (no
/// rule spans more than a day), and their 32-bit ticks could no longer be
/// compared reliably after 24 days: they are dropped instead of read.
pub(crate) const STALE_S: u32 = 7 * 86_400;

/// Flag: the current ban was placed by an admin.
pub(crate) const MANUAL: u8 = 1;
/// Flag: the user has been told about the current ban.
pub(crate) const BAN_NOTIFIED: u8 = 2;
/// Flag: the user has been told (by message) about the current violation
/// streak. Not persisted: after a restart a streak may be told once more.
pub(crate) const STREAK_NOTIFIED: u8 = 4;

/// How much a record is worth keeping when the table is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// Only buckets and quota: evicted first, least recently seen first.
    Plain,
    /// A violation streak or an escalation level: evicted only when no
    /// plain record is left (losing it is no worse than a fresh account).
    History,
    /// An active ban: never evicted.
    Banned,
}

/// One tracked user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserEntry {
    /// Unix seconds of the last check or admin action: the LRU key.
    pub last_seen: u32,
    /// Unix seconds at which the ban ends; 0 when there is none.
    pub ban_until: u32,
    /// Unix seconds of the last violation, or of the end of the last ban:
    /// where the violation streak and the quiet period are measured from.
    pub last_offense: u32,
    /// Low 16 bits of the local day `quota_used` counts for.
    pub quota_day: u16,
    pub quota_used: u16,
    /// Violations in the current streak.
    pub violations: u8,
    /// Escalation level: bans so far, minus decays (0 = clean record).
    pub level: u8,
    pub flags: u8,
    pub slots: Slots,
}

/// What a refusal did to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// Counted in the current streak.
    Counted,
    /// It completed a streak: the user is now banned.
    Banned { until_s: u32, level: u8 },
}

impl UserEntry {
    pub fn new(now: &Now) -> UserEntry {
        UserEntry {
            last_seen: now.s,
            ban_until: 0,
            last_offense: 0,
            quota_day: now.day16(),
            quota_used: 0,
            violations: 0,
            level: 0,
            flags: 0,
            slots: Slots::new(),
        }
    }

    pub fn banned(&self, now_s: u32) -> bool {
        self.ban_until > now_s
    }

    pub fn ban_reason(&self) -> BanReason {
        if self.flags & MANUAL != 0 {
            BanReason::Manual
        } else {
            BanReason::Automatic { level: self.level }
        }
    }

    pub fn streak_alive(&self, policy: &Policy, now_s: u32) -> bool {
        self.violations > 0 && now_s.saturating_sub(self.last_offense) <= policy.violation_window_s
    }

    /// The escalation level and quiet-period start after the decays due by
    /// `now_s`, without changing the record.
    pub fn decayed(&self, policy: &Policy, now_s: u32) -> (u8, u32) {
        if self.level == 0 || self.banned(now_s) || self.streak_alive(policy, now_s) {
            return (self.level, self.last_offense);
        }
        let periods = now_s.saturating_sub(self.last_offense) / policy.decay_after_s.max(1);
        if periods == 0 {
            return (self.level, self.last_offense);
        }
        let level = self
            .level
            .saturating_sub(u8::try_from(periods).unwrap_or(u8::MAX));
        let since = self
            .last_offense
            .saturating_add(periods.saturating_mul(policy.decay_after_s));
        (level, since)
    }

    /// How precious the record is at `now_s` (see [`Tier`]).
    pub fn tier(&self, policy: &Policy, now_s: u32) -> Tier {
        if self.banned(now_s) {
            Tier::Banned
        } else if self.streak_alive(policy, now_s) || self.decayed(policy, now_s).0 > 0 {
            Tier::History
        } else {
            Tier::Plain
        }
    }

    /// Whether the buckets may still be read (see [`STALE_S`]).
    fn buckets_fresh(&self, now_s: u32) -> bool {
        now_s.abs_diff(self.last_seen) < STALE_S
    }

    /// Brings the lazily kept state up to `now` and marks the user as seen.
    /// Returns true when an admin's ban just expired, so the caller can drop
    /// its note.
    pub fn refresh(&mut self, policy: &Policy, now: &Now) -> bool {
        if self.buckets_fresh(now.s) {
            self.slots
                .tidy(|c| policy.rule(CommandId(c)).bucket, now.tick);
        } else {
            self.slots.clear();
        }
        let mut manual_ban_ended = false;
        if self.ban_until != 0 && !self.banned(now.s) {
            manual_ban_ended = self.flags & MANUAL != 0;
            self.ban_until = 0;
            self.flags = 0;
        }
        if self.violations > 0 && !self.streak_alive(policy, now.s) {
            self.violations = 0;
            self.flags &= !STREAK_NOTIFIED;
        }
        (self.level, self.last_offense) = self.decayed(policy, now.s);
        if self.quota_day != now.day16() {
            self.quota_day = now.day16();
            self.quota_used = 0;
        }
        self.last_seen = now.s;
        manual_ban_ended
    }

    /// Records a refusal (the record must be refreshed and not banned).
    pub fn violate(&mut self, policy: &Policy, now: &Now) -> Violation {
        self.violations = self.violations.saturating_add(1);
        self.last_offense = now.s;
        if self.violations < policy.violations_before_ban {
            return Violation::Counted;
        }
        let step_ms = secs_ms(policy.ban_step_s(self.level));
        let until_s = ceil_secs(now.ms.saturating_add(step_ms));
        self.level = self.level.saturating_add(1).min(policy.max_level());
        self.violations = 0;
        self.ban_until = until_s;
        self.last_offense = until_s;
        // Not told yet: the caller tells it (see `tell`).
        self.flags = 0;
        Violation::Banned {
            until_s,
            level: self.level,
        }
    }

    /// Whether to tell the user about what `flag` marks (the streak or the
    /// ban) through `notice`; marks it told when that uses up the notice.
    pub fn tell(&mut self, flag: u8, notice: Notice) -> bool {
        match notice {
            Notice::EveryTime => true,
            Notice::OncePerStreak => {
                let first = self.flags & flag == 0;
                self.flags |= flag;
                first
            }
        }
    }

    /// Places an admin's ban ending at `until_s` (not yet told to the user).
    pub fn ban_manually(&mut self, until_s: u32) {
        self.ban_until = until_s;
        self.flags = MANUAL;
        self.violations = 0;
        self.last_offense = self.last_offense.max(until_s);
    }

    /// Lifts a ban and forgives the current streak; the escalation level
    /// stays and starts decaying now.
    pub fn unban(&mut self, now_s: u32) {
        self.ban_until = 0;
        self.flags = 0;
        self.violations = 0;
        self.last_offense = self.last_offense.min(now_s);
    }

    /// Uses counted today toward the quota, as of `now`.
    pub fn quota_used_on(&self, day16: u16) -> u16 {
        if self.quota_day == day16 {
            self.quota_used
        } else {
            0
        }
    }

    /// Whether cleanup may drop the record: nothing in it differs from a
    /// user never seen, and the user has been away long enough.
    pub fn forgettable(&self, policy: &Policy, now: &Now) -> bool {
        self.tier(policy, now.s) == Tier::Plain
            && now.s.saturating_sub(self.last_seen) >= policy.cleanup_idle_s
            && self.quota_used_on(now.day16()) == 0
            && (!self.buckets_fresh(now.s)
                || self
                    .slots
                    .all_idle(|c| policy.rule(CommandId(c)).bucket, now.tick))
    }

    /// Buckets worth showing (not idle) as of `now`.
    pub fn hot_buckets<'a>(
        &'a self,
        policy: &'a Policy,
        now: &'a Now,
    ) -> impl Iterator<Item = (u8, super::bucket::Bucket)> + 'a {
        let fresh = self.buckets_fresh(now.s);
        self.slots.iter().filter(move |(c, b)| {
            fresh && b.idle_in(&policy.rule(CommandId(*c)).bucket, now.tick) > 0
        })
    }
}
