//! [`Limiter`]: the check every command goes through, the admin operations
//! behind `/ratelimit`, statistics and cleanup.
//!
//! The limiter is a plain value: the application keeps it behind a
//! `std::sync::Mutex` (a check takes well under a microsecond and never
//! awaits), calls [`Limiter::cleanup`] from a timer every few minutes, and
//! stores [`Limiter::snapshot`] when [`Limiter::take_dirty`] says something
//! worth keeping changed.
//!
//! Just over 800 lines: the check's fast path on the compact record
//! (`decide_plain`) stays beside the full rules it must agree with.

use std::time::Duration;

use super::bucket::Bucket;
use super::bucket::EMPTY;
use super::config::{RateLimitConfig, RateLimitConfigError, MAX_BAN};
use super::entry::{
    ceil_secs, secs_ms, Now, UserEntry, Violation, BAN_NOTIFIED, MANUAL, STALE_S, STREAK_NOTIFIED,
};
use super::policy::{CommandId, Policy};
use super::table::{evict, Compact, Table, UserMap, EVICTION_BATCH_DIVISOR};
use super::{
    BanReason, Caller, Decision, Moment, Notice, Privilege, RateLimitError, Reason, UserId,
};
use crate::time::Timestamp;

/// Under a raid that fills the table with bans, refused newcomers are not
/// tracked, so "tell each user once" cannot be kept per user; instead at
/// most one of them per minute is told, so the channel never floods.
const SATURATED_NOTICE_S: u32 = 60;

/// An admin's ban reason is kept up to this many characters: enough for a
/// sentence, and a bound on what a ban can cost in memory.
const MAX_NOTE_CHARS: usize = 200;

/// After cleanup, a table using less than a quarter of its allocation is
/// shrunk (memory comes back after a raid), unless it is this small anyway.
const SHRINK_MIN_CAPACITY: usize = 1024;

/// Running totals since start-up.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counters {
    pub checks: u64,
    pub refusals: u64,
    pub bans_issued: u64,
    pub evictions: u64,
    pub saturated: u64,
}

/// The rate limiter (see the module docs of [`crate::ratelimit`]).
#[derive(Debug)]
pub struct Limiter {
    pub(super) policy: Policy,
    pub(super) users: Table,
    /// Reasons given by admins for their bans, only while the ban lasts.
    pub(super) notes: UserMap<Box<str>>,
    /// The current local day (the largest seen: a clock stepping back over
    /// midnight does not reset quotas twice).
    pub(super) day: u32,
    /// Uses today per command index, all users together.
    pub(super) global_used: Vec<u32>,
    /// Unix seconds until which the table is known to hold only active bans
    /// (0: not known to be), so newcomers are refused without a new sweep.
    pub(super) saturated_until: u32,
    pub(super) saturated_notice_at: Option<u32>,
    pub(super) counters: Counters,
    pub(super) dirty: bool,
}

/// What `/ratelimit user` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserStats {
    /// Whether the limiter holds a record for the user at all.
    pub tracked: bool,
    pub ban: Option<BanInfo>,
    /// Bans in the user's recent history, minus decays; the next automatic
    /// ban uses `ban_steps[escalation_level]`.
    pub escalation_level: u8,
    /// Violations in the current streak.
    pub violations: u8,
    pub last_offense: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// Commands counted toward today's quota.
    pub daily_used: u32,
    /// The quota, if there is one.
    pub daily_quota: Option<u32>,
    /// Commands whose bucket is not back to full yet.
    pub commands: Vec<CommandUsage>,
}

/// An active ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanInfo {
    pub until: Timestamp,
    pub reason: BanReason,
    /// The admin's text, for manual bans.
    pub note: Option<String>,
}

/// One command's bucket for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandUsage {
    pub command: String,
    pub tokens: u32,
    pub capacity: u32,
    /// Time left before the command may be used again (`min_interval`).
    pub cooldown: Duration,
}

/// What `/ratelimit stats` and `/metrics` show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalStats {
    /// Checks since start-up.
    pub checks: u64,
    /// Refusals since start-up.
    pub refusals: u64,
    /// Users tracked now.
    pub active_entries: usize,
    /// Active bans now.
    pub bans: usize,
    /// Bans placed since start-up (automatic and manual).
    pub bans_issued: u64,
    /// Records evicted because the table was full, since start-up.
    pub evictions: u64,
    /// Newcomers refused because the table was full of bans, since start-up.
    pub saturated_refusals: u64,
    pub max_tracked_users: usize,
    /// Today's use of every command used today or capped.
    pub today: Vec<GlobalCounter>,
}

/// One command's use today by all users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalCounter {
    pub command: String,
    pub used: u32,
    pub cap: Option<u32>,
}

/// Severity order of refusal reasons when two limits give the same wait.
fn rank(reason: &Reason) -> u8 {
    match reason {
        Reason::BucketEmpty => 0,
        Reason::Cooldown => 1,
        Reason::DailyQuota => 2,
        Reason::GlobalCap => 3,
        Reason::Banned { .. } | Reason::Saturated => 4,
    }
}

/// Keeps the most binding limit: the longest wait, then the most severe.
fn worst(current: &mut Option<(Reason, u64)>, reason: Reason, wait_ms: u64) {
    let replace = match current {
        None => true,
        Some((r, w)) => (wait_ms, rank(&reason)) > (*w, rank(r)),
    };
    if replace {
        *current = Some((reason, wait_ms));
    }
}

pub(super) fn truncate_note(reason: &str) -> Box<str> {
    let reason = reason.trim();
    match reason.char_indices().nth(MAX_NOTE_CHARS) {
        Some((cut, _)) => reason[..cut].into(),
        None => reason.into(),
    }
}

impl Limiter {
    /// A limiter for a validated configuration.
    pub fn new(config: &RateLimitConfig) -> Result<Limiter, RateLimitConfigError> {
        let policy = Policy::compile(config)?;
        let commands = policy.rules.len();
        Ok(Limiter {
            users: Table::new(policy.max_tracked),
            policy,
            notes: UserMap::default(),
            day: 0,
            global_used: vec![0; commands],
            saturated_until: 0,
            saturated_notice_at: None,
            counters: Counters::default(),
            dirty: false,
        })
    }

    /// The id to check `name` under: its own entry if configured, the
    /// shared default entry otherwise. Resolve once per command at start-up.
    pub fn command(&self, name: &str) -> CommandId {
        self.policy
            .lookup(name)
            .unwrap_or_else(|| self.policy.default_command())
    }

    /// The configured name of `id` (`"default"` for the default entry).
    pub fn command_name(&self, id: CommandId) -> &str {
        &self.policy.rule(id).name
    }

    /// Users tracked now.
    pub fn tracked_users(&self) -> usize {
        self.users.len()
    }

    /// Records the user table has room for without reallocating: what its
    /// memory is proportional to.
    pub fn table_capacity(&self) -> usize {
        self.users.capacity()
    }

    /// Whether bans, violation levels or daily counters changed since the
    /// last call: the hint to store a new [`Limiter::snapshot`].
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Whether [`Limiter::take_dirty`] would say true, without resetting it
    /// (to wake the writer only when there is something to write).
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Moves to `at`'s local day if it is a new one, and converts `at`.
    pub(super) fn now(&mut self, at: Moment) -> Now {
        if at.day.0 > self.day {
            self.day = at.day.0;
            self.global_used.fill(0);
            self.dirty = true;
        }
        Now::new(at.time, self.day, at.next_day)
    }

    /// `at` converted without changing the limiter (for read-only views).
    fn peek_now(&self, at: Moment) -> Now {
        Now::new(at.time, self.day.max(at.day.0), at.next_day)
    }

    /// Decides whether `caller` may run `command` now, and counts it.
    ///
    /// In order: an admin running `ratelimit` always passes; exempt roles
    /// pass (their uses still count toward global caps, which are about the
    /// machine, not the user); a ban refuses at no further cost; then the
    /// command's cooldown and bucket, the user's daily quota and the
    /// command's global cap are all checked, and a refusal names the one
    /// with the longest wait. A refusal is a violation; enough of them in a
    /// streak ban the user. Takes one hash lookup and never allocates once
    /// the table has grown.
    pub fn check(&mut self, caller: Caller<'_>, command: CommandId, at: Moment) -> Decision {
        self.counters.checks += 1;
        let now = self.now(at);
        let ci = self.policy.index(command);
        let rule = &self.policy.rules[ci];
        if caller.privilege == Privilege::Admin
            && self.policy.ratelimit.map(|r| usize::from(r.0)) == Some(ci)
        {
            return Decision::Allowed {
                remaining: rule.capacity,
            };
        }
        if self.policy.is_exempt(caller.roles) {
            self.global_used[ci] = self.global_used[ci].saturating_add(1);
            self.dirty = true;
            return Decision::Allowed {
                remaining: rule.capacity,
            };
        }
        if self.users.len() >= self.policy.max_tracked
            && !self.users.contains(caller.user)
            && !self.make_room(&now)
        {
            return self.refuse_saturated(&now, caller.notice);
        }
        // The record is looked up once; the fast path borrows the fields it
        // needs next to it, and the rules work on an unpacked copy. (Moving
        // the table out of `self` and back instead cost a fifth of a check:
        // two 72-byte copies and a drop.)
        let at = self.users.locate(caller.user, || UserEntry::new(&now));
        let fast = self.users.plain_mut(at).and_then(|record| {
            Limiter::decide_plain(
                &self.policy,
                &mut self.global_used,
                &mut self.dirty,
                ci,
                &now,
                record,
            )
        });
        fast.unwrap_or_else(|| {
            let mut entry = self.users.entry(at);
            let decision = self.decide(caller, ci, &now, &mut entry);
            self.users.store(at, &entry);
            decision
        })
    }

    /// The common case of [`Limiter::decide`], worked out on the compact
    /// record in place: a user with no ban, streak or escalation and at
    /// most one hot bucket, whose command is allowed and leaves the record
    /// that small. Anything else (a refusal, a second hot command) returns
    /// `None` having changed nothing, and `decide` does it on the unpacked
    /// record. Unpacking and packing back cost more than the rules
    /// themselves, and almost every check is this case.
    #[inline]
    fn decide_plain(
        policy: &Policy,
        global_used: &mut [u32],
        dirty: &mut bool,
        ci: usize,
        now: &Now,
        record: &mut Compact,
    ) -> Option<Decision> {
        let rule = &policy.rules[ci];
        let cmd = ci as u8;
        // `UserEntry::refresh` for a record with one bucket slot.
        let mut hot = record.command;
        let mut bucket = record.bucket();
        if hot != EMPTY {
            if now.s.abs_diff(record.last_seen) < STALE_S {
                bucket.follow_clock(now.tick);
                if bucket.idle_in(&policy.rule(CommandId(hot)).bucket, now.tick) == 0 {
                    hot = EMPTY;
                }
            } else {
                hot = EMPTY;
            }
        }
        let mut bucket = if hot == cmd {
            bucket
        } else if hot == EMPTY {
            Bucket::full(now.tick)
        } else {
            return None;
        };
        if bucket.cooldown(&rule.bucket, now.tick) > 0
            || bucket.token_wait(&rule.bucket, now.tick) > 0
        {
            return None;
        }
        let day = now.day16();
        let mut quota_used = if record.quota_day == day {
            record.quota_used
        } else {
            0
        };
        let quota = policy.daily_quota;
        let counted = rule.counts_toward_quota && quota > 0;
        if counted && u32::from(quota_used) >= quota {
            return None;
        }
        if rule.global_cap.is_some_and(|cap| global_used[ci] >= cap) {
            return None;
        }

        bucket.consume(&rule.bucket, now.tick);
        let mut remaining = bucket.tokens(&rule.bucket, now.tick);
        if counted {
            quota_used = quota_used.saturating_add(1);
            remaining = remaining.min(quota.saturating_sub(u32::from(quota_used)));
            *dirty = true;
        }
        record.set_bucket(cmd, bucket);
        record.last_seen = now.s;
        record.quota_day = day;
        record.quota_used = quota_used;
        global_used[ci] = global_used[ci].saturating_add(1);
        if let Some(cap) = rule.global_cap {
            remaining = remaining.min(cap.saturating_sub(global_used[ci]));
            *dirty = true;
        }
        Some(Decision::Allowed { remaining })
    }

    /// The rules of [`Limiter::check`] for a tracked user, on the unpacked
    /// record (the caller stores it back).
    fn decide(
        &mut self,
        caller: Caller<'_>,
        ci: usize,
        now: &Now,
        entry: &mut UserEntry,
    ) -> Decision {
        let now = *now;
        let policy = &self.policy;
        let rule = &policy.rules[ci];
        if entry.refresh(policy, &now) {
            self.notes.remove(&caller.user);
        }

        if entry.banned(now.s) {
            self.counters.refusals += 1;
            let told = entry.flags & BAN_NOTIFIED != 0;
            let notify = entry.tell(BAN_NOTIFIED, caller.notice);
            if !told && entry.flags & BAN_NOTIFIED != 0 {
                self.dirty = true;
            }
            let until = secs_ms(entry.ban_until);
            return Decision::Refused {
                reason: Reason::Banned {
                    until: Timestamp(until),
                    reason: entry.ban_reason(),
                },
                retry_after: Duration::from_millis(until.saturating_sub(now.ms)),
                notify,
            };
        }

        let cmd = ci as u8;
        let slot = entry.slots.find(cmd);
        let bucket = slot.map_or(Bucket::full(now.tick), |i| entry.slots.get(i));
        let mut refusal: Option<(Reason, u64)> = None;
        let cooldown = bucket.cooldown(&rule.bucket, now.tick);
        if cooldown > 0 {
            worst(&mut refusal, Reason::Cooldown, u64::from(cooldown));
        }
        let token_wait = bucket.token_wait(&rule.bucket, now.tick);
        if token_wait > 0 {
            worst(&mut refusal, Reason::BucketEmpty, u64::from(token_wait));
        }
        let target = slot.or_else(|| entry.slots.free());
        if target.is_none() {
            let wait = entry
                .slots
                .soonest_idle(|c| policy.rule(CommandId(c)).bucket, now.tick);
            worst(&mut refusal, Reason::Cooldown, u64::from(wait.max(1)));
        }
        let quota = policy.daily_quota;
        let counted = rule.counts_toward_quota && quota > 0;
        if counted && u32::from(entry.quota_used) >= quota {
            worst(&mut refusal, Reason::DailyQuota, now.until_next_day());
        }
        if let Some(cap) = rule.global_cap {
            if self.global_used[ci] >= cap {
                worst(&mut refusal, Reason::GlobalCap, now.until_next_day());
            }
        }

        if let Some((reason, wait_ms)) = refusal {
            self.counters.refusals += 1;
            self.dirty = true;
            return match entry.violate(policy, &now) {
                Violation::Counted => Decision::Refused {
                    reason,
                    retry_after: Duration::from_millis(wait_ms),
                    notify: entry.tell(STREAK_NOTIFIED, caller.notice),
                },
                Violation::Banned { until_s, level } => {
                    self.counters.bans_issued += 1;
                    let until = secs_ms(until_s);
                    Decision::Refused {
                        reason: Reason::Banned {
                            until: Timestamp(until),
                            reason: BanReason::Automatic { level },
                        },
                        retry_after: Duration::from_millis(until.saturating_sub(now.ms)),
                        // Always true here: a new ban is not told yet.
                        notify: entry.tell(BAN_NOTIFIED, caller.notice),
                    }
                }
            };
        }

        let mut bucket = bucket;
        bucket.consume(&rule.bucket, now.tick);
        if let Some(i) = target {
            entry.slots.set(i, cmd, bucket);
        }
        let mut remaining = bucket.tokens(&rule.bucket, now.tick);
        if counted {
            entry.quota_used = entry.quota_used.saturating_add(1);
            remaining = remaining.min(quota.saturating_sub(u32::from(entry.quota_used)));
            self.dirty = true;
        }
        self.global_used[ci] = self.global_used[ci].saturating_add(1);
        if let Some(cap) = rule.global_cap {
            remaining = remaining.min(cap.saturating_sub(self.global_used[ci]));
            self.dirty = true;
        }
        Decision::Allowed { remaining }
    }

    /// Frees room for one newcomer; false if the table holds only bans.
    fn make_room(&mut self, now: &Now) -> bool {
        if self.saturated_until > now.s {
            return false;
        }
        let want = (self.policy.max_tracked / EVICTION_BATCH_DIVISOR).max(1);
        let sweep = evict(&mut self.users, &mut self.notes, &self.policy, now, want);
        self.counters.evictions += sweep.evicted as u64;
        if sweep.evicted == 0 {
            let until = sweep.earliest_ban_end.unwrap_or(0);
            self.saturated_until = until.max(now.s.saturating_add(1));
            return false;
        }
        self.saturated_until = 0;
        true
    }

    fn refuse_saturated(&mut self, now: &Now, notice: Notice) -> Decision {
        self.counters.refusals += 1;
        self.counters.saturated += 1;
        let due = self
            .saturated_notice_at
            .is_none_or(|t| now.s >= t.saturating_add(SATURATED_NOTICE_S));
        let notify = match notice {
            Notice::EveryTime => true,
            Notice::OncePerStreak => due,
        };
        if due && notice == Notice::OncePerStreak {
            self.saturated_notice_at = Some(now.s);
        }
        Decision::Refused {
            reason: Reason::Saturated,
            retry_after: Duration::from_millis(
                secs_ms(self.saturated_until)
                    .saturating_sub(now.ms)
                    .max(1000),
            ),
            notify,
        }
    }

    /// Bans `user` for `duration` (at most a year), replacing any current
    /// ban; `reason` is kept for `/ratelimit user` (trimmed to 200
    /// characters). Manual bans do not raise the escalation level. The user
    /// is told on their next command. Returns when the ban ends.
    pub fn ban(
        &mut self,
        user: UserId,
        duration: Duration,
        reason: &str,
        at: Moment,
    ) -> Result<Timestamp, RateLimitError> {
        if duration < Duration::from_secs(1) {
            return Err(RateLimitError::ZeroDuration { user: user.0 });
        }
        let now = self.now(at);
        let known = self.users.get(user);
        if known.is_none() && self.users.len() >= self.policy.max_tracked && !self.make_room(&now) {
            return Err(RateLimitError::Full {
                user: user.0,
                max: self.policy.max_tracked,
            });
        }
        let mut entry = known.unwrap_or_else(|| UserEntry::new(&now));
        entry.refresh(&self.policy, &now);
        let ms = u64::try_from(duration.min(MAX_BAN).as_millis()).unwrap_or(u64::MAX);
        let until_s = ceil_secs(now.ms.saturating_add(ms));
        entry.ban_manually(until_s);
        self.users.put(user, &entry);
        let note = truncate_note(reason);
        if note.is_empty() {
            self.notes.remove(&user);
        } else {
            self.notes.insert(user, note);
        }
        self.counters.bans_issued += 1;
        self.dirty = true;
        Ok(Timestamp(secs_ms(until_s)))
    }

    /// Lifts `user`'s ban and forgives their current violation streak (the
    /// escalation level stays, and decays from now). Returns whether a ban
    /// was active.
    pub fn unban(&mut self, user: UserId, at: Moment) -> bool {
        let now = self.now(at);
        self.notes.remove(&user);
        let Some(mut entry) = self.users.get(user) else {
            return false;
        };
        let was_banned = entry.banned(now.s);
        entry.unban(now.s);
        self.users.put(user, &entry);
        self.saturated_until = 0;
        self.dirty = true;
        was_banned
    }

    /// Forgets everything about `user`: buckets, quota, violations,
    /// escalation and ban. Returns whether the user was tracked.
    pub fn reset(&mut self, user: UserId) -> bool {
        self.notes.remove(&user);
        let was = self.users.remove(user);
        if was {
            self.saturated_until = 0;
            self.dirty = true;
        }
        was
    }

    /// What the limiter knows about `user` at `at`.
    pub fn user_stats(&self, user: UserId, at: Moment) -> UserStats {
        let now = self.peek_now(at);
        let daily_quota = (self.policy.daily_quota > 0).then_some(self.policy.daily_quota);
        let Some(entry) = self.users.get(user) else {
            return UserStats {
                tracked: false,
                ban: None,
                escalation_level: 0,
                violations: 0,
                last_offense: None,
                last_seen: None,
                daily_used: 0,
                daily_quota,
                commands: Vec::new(),
            };
        };
        let ban = entry.banned(now.s).then(|| BanInfo {
            until: Timestamp(secs_ms(entry.ban_until)),
            reason: entry.ban_reason(),
            note: if entry.flags & MANUAL != 0 {
                self.notes.get(&user).map(|n| n.to_string())
            } else {
                None
            },
        });
        let (level, _) = entry.decayed(&self.policy, now.s);
        let streak = entry.streak_alive(&self.policy, now.s);
        let commands = entry
            .hot_buckets(&self.policy, &now)
            .map(|(c, b)| {
                let rule = self.policy.rule(CommandId(c));
                CommandUsage {
                    command: rule.name.to_string(),
                    tokens: b.tokens(&rule.bucket, now.tick),
                    capacity: rule.capacity,
                    cooldown: Duration::from_millis(u64::from(b.cooldown(&rule.bucket, now.tick))),
                }
            })
            .collect();
        UserStats {
            tracked: true,
            ban,
            escalation_level: level,
            violations: if streak { entry.violations } else { 0 },
            last_offense: (entry.last_offense > 0).then(|| Timestamp(secs_ms(entry.last_offense))),
            last_seen: Some(Timestamp(secs_ms(entry.last_seen))),
            daily_used: u32::from(entry.quota_used_on(now.day16())),
            daily_quota,
            commands,
        }
    }

    /// Totals for `/ratelimit stats` and `/metrics` (counts active bans by
    /// walking the table: an admin request, not a hot path).
    pub fn stats(&self, at: Moment) -> GlobalStats {
        let now = self.peek_now(at);
        let bans = self.users.iter().filter(|(_, e)| e.banned(now.s)).count();
        let stale_day = now.day > self.day;
        let today = self
            .policy
            .rules
            .iter()
            .zip(&self.global_used)
            .filter_map(|(rule, &used)| {
                let used = if stale_day { 0 } else { used };
                (used > 0 || rule.global_cap.is_some()).then(|| GlobalCounter {
                    command: rule.name.to_string(),
                    used,
                    cap: rule.global_cap,
                })
            })
            .collect();
        GlobalStats {
            checks: self.counters.checks,
            refusals: self.counters.refusals,
            active_entries: self.users.len(),
            bans,
            bans_issued: self.counters.bans_issued,
            evictions: self.counters.evictions,
            saturated_refusals: self.counters.saturated,
            max_tracked_users: self.policy.max_tracked,
            today,
        }
    }

    /// Drops records that hold nothing a fresh record would not (buckets
    /// full, no ban, no streak, no escalation, no quota used today) once the
    /// user has been away for `cleanup_idle_after`, and gives memory back
    /// after a raid. Call it every few minutes; returns how many went.
    pub fn cleanup(&mut self, at: Moment) -> usize {
        let now = self.now(at);
        let before = self.users.len();
        let policy = &self.policy;
        self.users
            .retain(|_, entry| !entry.forgettable(policy, &now));
        let users = &self.users;
        self.notes.retain(|&id, _| {
            users
                .get(id)
                .is_some_and(|e| e.banned(now.s) && e.flags & MANUAL != 0)
        });
        let removed = before - self.users.len();
        if removed > 0 {
            self.saturated_until = 0;
        }
        let len = self.users.len();
        if self.users.capacity() > SHRINK_MIN_CAPACITY && self.users.capacity() / 4 > len {
            self.users.shrink_to(len.saturating_mul(2));
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::bucket::Slots;
    use crate::ratelimit::table::compact_of;
    use proptest::prelude::*;

    /// The built-in commands, with a daily quota and a small global cap so
    /// that every refusal reason can come up.
    fn limiter(daily_quota: u32, restart_cap: u32) -> Limiter {
        let mut config = RateLimitConfig {
            daily_quota,
            ..RateLimitConfig::default()
        };
        config
            .global_daily_caps
            .insert("restart".to_owned(), restart_cap);
        Limiter::new(&config).unwrap()
    }

    proptest! {
        /// Whatever the plain record, command, time and counters, the rules
        /// worked out on the compact record agree with the full rules on the
        /// unpacked one: same decision, same record, same counters; and
        /// when they leave the case to the full rules, they changed nothing
        /// and the full rules refuse or need more than the compact record.
        #[test]
        fn compact_rules_agree_with_the_full_rules(
            now_ms in 1_700_000_000_000u64..1_800_000_000_000,
            hot in proptest::option::of(0u8..16),
            tat_ms in -200_000i64..200_000,
            last_ms in -200_000i64..200_000,
            seen_ago_s in prop_oneof![0u32..600, 0u32..(10 * 86_400)],
            seen_ahead_s in prop_oneof![Just(0u32), 0u32..100],
            yesterday in any::<bool>(),
            quota_used in 0u16..5,
            daily_quota in 0u32..4,
            command in 0u8..16,
            cap in 1u32..3,
            global_used in 0u32..3,
        ) {
            let mut fast = limiter(daily_quota, cap);
            let mut full = limiter(daily_quota, cap);
            let at = Moment::utc(Timestamp(now_ms));
            let now = fast.now(at);
            full.now(at);
            // The new day marked both dirty; only the check's own changes count.
            fast.dirty = false;
            full.dirty = false;
            let commands = fast.policy.rules.len();
            let ci = usize::from(command) % commands;
            fast.global_used[ci] = global_used;
            full.global_used[ci] = global_used;

            let mut entry = UserEntry::new(&now);
            entry.last_seen = (now.s - seen_ago_s).saturating_add(seen_ahead_s);
            if yesterday {
                entry.quota_day = now.day16().wrapping_sub(1);
            }
            entry.quota_used = quota_used;
            entry.slots = Slots::new();
            if let Some(hot) = hot {
                let bucket = Bucket {
                    tat: now.tick.wrapping_add(tat_ms as u32),
                    last: now.tick.wrapping_add(last_ms as u32),
                };
                entry.slots.set(0, hot % commands as u8, bucket);
            }
            let before = compact_of(&entry);
            prop_assert!(!before.spilled);

            let mut record = before;
            let quick = Limiter::decide_plain(
                &fast.policy,
                &mut fast.global_used,
                &mut fast.dirty,
                ci,
                &now,
                &mut record,
            );
            let caller = Caller::member(UserId(42));
            let mut unpacked = entry;
            let decision = full.decide(caller, ci, &now, &mut unpacked);
            let after = compact_of(&unpacked);
            match quick {
                Some(quick) => {
                    prop_assert_eq!(quick, decision);
                    prop_assert_eq!(record, after);
                    prop_assert_eq!(&fast.global_used, &full.global_used);
                    prop_assert_eq!(fast.dirty, full.dirty);
                }
                None => {
                    prop_assert_eq!(record, before);
                    prop_assert_eq!(fast.global_used[ci], global_used);
                    prop_assert!(!fast.dirty);
                    prop_assert!(!decision.is_allowed() || after.spilled);
                }
            }
        }
    }
}
