//! Token bucket arithmetic, and the few bucket slots each user carries.
//!
//! A bucket is kept in GCRA form: instead of a token count and a refill
//! time it stores one "theoretical arrival time" (`tat`). The bucket is full
//! when `tat <= now`; otherwise it is short of `(tat - now) / interval`
//! tokens. Taking a token moves `tat` one `interval` later. This is the same
//! continuous refill as a token bucket, in 4 bytes, with no division on the
//! hot path but one. A second timestamp (`last`) enforces `min_interval`.
//!
//! Times are 32-bit wrapping milliseconds ([`Tick`]): differences are read as
//! signed 32-bit numbers, exact as long as the times compared are within
//! ±24 days of each other. Limits are at most a day
//! ([`super::config::MAX_BUCKET_SPAN`]) and the user record throws away its
//! buckets when it was not seen for a week, so that always holds.

use std::time::Duration;

/// Wall-clock milliseconds modulo 2³² (see the module docs).
pub(crate) type Tick = u32;

/// The tick of a Unix millisecond time.
pub(crate) fn tick(unix_ms: u64) -> Tick {
    unix_ms as u32
}

/// `a - b` in milliseconds, for ticks less than 24 days apart.
fn ahead(a: Tick, b: Tick) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// The longest span a bucket rule is clamped to, whatever its input: far
/// inside the ±24 days ticks can compare.
const MAX_SPAN_MS: u64 = 2 * 86_400_000;

/// One command's bucket limits, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BucketRule {
    /// Time to earn one token: `per / capacity`, rounded up so that rounding
    /// never makes a limit looser than configured.
    pub interval: u32,
    /// Time to earn the whole capacity (`capacity * interval`).
    pub burst: u32,
    pub min_interval: u32,
}

impl BucketRule {
    pub fn new(capacity: u32, per: Duration, min_interval: Duration) -> BucketRule {
        let capacity = u64::from(capacity.max(1));
        let per_ms = u64::try_from(per.as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_SPAN_MS);
        let interval = per_ms.div_ceil(capacity).max(1);
        let burst = (interval * capacity).min(MAX_SPAN_MS + capacity);
        let min_ms = u64::try_from(min_interval.as_millis())
            .unwrap_or(u64::MAX)
            .min(MAX_SPAN_MS);
        BucketRule {
            interval: interval as u32,
            burst: burst as u32,
            min_interval: min_ms as u32,
        }
    }
}

/// One (user, command) bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Theoretical arrival time: the bucket is full from this tick on.
    pub tat: Tick,
    /// When the command was last allowed.
    pub last: Tick,
}

impl Bucket {
    /// A full bucket whose command was never used: the state a missing
    /// slot stands for. `last` is far enough back that no `min_interval`
    /// applies.
    pub fn full(now: Tick) -> Bucket {
        Bucket {
            tat: now,
            last: now.wrapping_sub(MAX_SPAN_MS as u32 + 1),
        }
    }

    /// How far behind a full bucket this one is, in milliseconds.
    fn debt(&self, rule: &BucketRule, now: Tick) -> u32 {
        ahead(self.tat, now).clamp(0, i64::from(rule.burst)) as u32
    }

    /// The bucket's content in milliseconds of refill: 0 when empty,
    /// `rule.burst` when full.
    pub fn fill(&self, rule: &BucketRule, now: Tick) -> u32 {
        rule.burst - self.debt(rule, now)
    }

    /// Whole tokens available now.
    pub fn tokens(&self, rule: &BucketRule, now: Tick) -> u32 {
        self.fill(rule, now) / rule.interval
    }

    /// Milliseconds until `min_interval` has passed since the last use.
    pub fn cooldown(&self, rule: &BucketRule, now: Tick) -> u32 {
        let since = ahead(now, self.last).max(0);
        (i64::from(rule.min_interval) - since).max(0) as u32
    }

    /// Milliseconds until one whole token is available.
    pub fn token_wait(&self, rule: &BucketRule, now: Tick) -> u32 {
        (self.debt(rule, now) + rule.interval).saturating_sub(rule.burst)
    }

    /// Takes one token. Callers check `token_wait` and `cooldown` first; if
    /// they did not, the bucket still never goes below empty.
    pub fn consume(&mut self, rule: &BucketRule, now: Tick) {
        let debt = (self.debt(rule, now) + rule.interval).min(rule.burst);
        self.tat = now.wrapping_add(debt);
        self.last = now;
    }

    /// Milliseconds until the bucket is full and out of cooldown, i.e. no
    /// different from a bucket that was never used.
    pub fn idle_in(&self, rule: &BucketRule, now: Tick) -> u32 {
        self.debt(rule, now).max(self.cooldown(rule, now))
    }

    /// Follows a wall clock that stepped back: if the last use is in the
    /// future, both times move back by the step, so the bucket keeps the
    /// content it had (no token gifted or lost).
    pub fn follow_clock(&mut self, now: Tick) {
        let step = ahead(self.last, now);
        if step > 0 {
            self.tat = self.tat.wrapping_sub(step as u32);
            self.last = now;
        }
    }
}

/// How many different commands a user can have "hot" (bucket not yet full
/// again, or cooling down) at once. A single use keeps a bucket hot for one
/// `interval` (2 s for the default entry), so four covers any human pace;
/// a user who has four hot commands and tries a fifth is told to wait until
/// one cools down, never given a fresh bucket for free.
pub(crate) const SLOTS: usize = 4;

/// Marks a free slot.
pub(crate) const EMPTY: u8 = u8::MAX;

/// A user's hot buckets, as parallel arrays so the record stays 36 bytes
/// with no padding. A command without a slot has a full bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slots {
    command: [u8; SLOTS],
    tat: [Tick; SLOTS],
    last: [Tick; SLOTS],
}

impl Slots {
    pub const fn new() -> Slots {
        Slots {
            command: [EMPTY; SLOTS],
            tat: [0; SLOTS],
            last: [0; SLOTS],
        }
    }

    pub fn clear(&mut self) {
        self.command = [EMPTY; SLOTS];
    }

    pub fn find(&self, command: u8) -> Option<usize> {
        self.command.iter().position(|&c| c == command)
    }

    pub fn free(&self) -> Option<usize> {
        self.find(EMPTY)
    }

    pub fn get(&self, i: usize) -> Bucket {
        Bucket {
            tat: self.tat[i],
            last: self.last[i],
        }
    }

    pub fn set(&mut self, i: usize, command: u8, bucket: Bucket) {
        self.command[i] = command;
        self.tat[i] = bucket.tat;
        self.last[i] = bucket.last;
    }

    /// The occupied slots as (command index, bucket).
    pub fn iter(&self) -> impl Iterator<Item = (u8, Bucket)> + '_ {
        (0..SLOTS)
            .filter(|&i| self.command[i] != EMPTY)
            .map(|i| (self.command[i], self.get(i)))
    }

    /// Follows a clock step back and frees the slots whose bucket is idle.
    pub fn tidy(&mut self, rule_of: impl Fn(u8) -> BucketRule, now: Tick) {
        for i in 0..SLOTS {
            let command = self.command[i];
            if command == EMPTY {
                continue;
            }
            let mut bucket = self.get(i);
            bucket.follow_clock(now);
            if bucket.idle_in(&rule_of(command), now) == 0 {
                self.command[i] = EMPTY;
            } else {
                self.set(i, command, bucket);
            }
        }
    }

    /// Whether every bucket is idle (the user could be forgotten).
    pub fn all_idle(&self, rule_of: impl Fn(u8) -> BucketRule, now: Tick) -> bool {
        self.iter().all(|(c, b)| b.idle_in(&rule_of(c), now) == 0)
    }

    /// Milliseconds until the first slot frees up.
    pub fn soonest_idle(&self, rule_of: impl Fn(u8) -> BucketRule, now: Tick) -> u32 {
        self.iter()
            .map(|(c, b)| b.idle_in(&rule_of(c), now))
            .min()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(capacity: u32, per_ms: u64, min_ms: u64) -> BucketRule {
        BucketRule::new(
            capacity,
            Duration::from_millis(per_ms),
            Duration::from_millis(min_ms),
        )
    }

    #[test]
    fn rule_rounds_the_interval_up() {
        let r = rule(7, 60_000, 0);
        assert_eq!(r.interval, 8572);
        assert_eq!(r.burst / r.interval, 7);
        assert!(u64::from(r.burst) >= 60_000);
    }

    #[test]
    fn full_bucket_has_capacity_and_no_cooldown() {
        let r = rule(3, 60_000, 5_000);
        let b = Bucket::full(1_000);
        assert_eq!(b.tokens(&r, 1_000), 3);
        assert_eq!(b.cooldown(&r, 1_000), 0);
        assert_eq!(b.idle_in(&r, 1_000), 0);
    }

    #[test]
    fn ticks_wrap_around_u32() {
        let r = rule(2, 10_000, 0);
        let start = u32::MAX - 3_000;
        let mut b = Bucket::full(start);
        b.consume(&r, start);
        b.consume(&r, start);
        assert_eq!(b.tokens(&r, start), 0);
        // 5 s later the tick has wrapped past zero; one token is back.
        let later = start.wrapping_add(5_000);
        assert!(later < start);
        assert_eq!(b.tokens(&r, later), 1);
        assert_eq!(b.tokens(&r, start.wrapping_add(10_000)), 2);
    }

    #[test]
    fn clock_step_back_keeps_the_content() {
        let r = rule(4, 40_000, 0);
        let mut b = Bucket::full(100_000);
        b.consume(&r, 100_000);
        b.consume(&r, 100_000);
        assert_eq!(b.fill(&r, 100_000), 20_000);
        b.follow_clock(40_000);
        assert_eq!(b.fill(&r, 40_000), 20_000);
        assert_eq!(b.last, 40_000);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Wait(u32),
        Take,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![(0u32..120_000).prop_map(Op::Wait), Just(Op::Take)]
    }

    proptest! {
        /// Whatever the sequence of waits and takes: the content stays within
        /// [0, capacity], a take is only granted with a whole token, and the
        /// bucket never refills beyond what the elapsed time earns.
        #[test]
        fn content_stays_in_bounds(
            capacity in 1u32..50,
            per_ms in 1u64..600_000,
            min_ms in 0u64..10_000,
            start in any::<u32>(),
            ops in proptest::collection::vec(op(), 1..200),
        ) {
            let r = rule(capacity, per_ms, min_ms);
            let mut now = start;
            let mut b = Bucket::full(now);
            for op in ops {
                match op {
                    Op::Wait(ms) => {
                        let before = b.fill(&r, now);
                        now = now.wrapping_add(ms);
                        let after = b.fill(&r, now);
                        prop_assert!(after >= before);
                        prop_assert!(after <= before.saturating_add(ms));
                    }
                    Op::Take => {
                        let tokens = b.tokens(&r, now);
                        if b.token_wait(&r, now) == 0 && b.cooldown(&r, now) == 0 {
                            prop_assert!(tokens >= 1);
                            let before = b.fill(&r, now);
                            b.consume(&r, now);
                            prop_assert_eq!(b.fill(&r, now), before - r.interval);
                            prop_assert_eq!(b.tokens(&r, now), tokens - 1);
                        }
                    }
                }
                prop_assert!(b.tokens(&r, now) <= capacity);
                prop_assert!(b.fill(&r, now) <= r.burst);
            }
        }

        /// Without consumption the token count never decreases as time goes
        /// on, and reaches the capacity once `per` has passed.
        #[test]
        fn tokens_are_monotone_in_time(
            capacity in 1u32..50,
            per_ms in 1u64..600_000,
            start in any::<u32>(),
            takes in 0u32..60,
            steps in proptest::collection::vec(0u32..30_000, 1..50),
        ) {
            let r = rule(capacity, per_ms, 0);
            let mut b = Bucket::full(start);
            for _ in 0..takes {
                b.consume(&r, start);
            }
            let mut now = start;
            let mut last = b.tokens(&r, now);
            for step in steps {
                now = now.wrapping_add(step);
                let tokens = b.tokens(&r, now);
                prop_assert!(tokens >= last);
                last = tokens;
            }
            prop_assert_eq!(b.tokens(&r, start.wrapping_add(r.burst)), capacity);
        }

        /// Whatever the state, waiting the advertised time makes the next
        /// take possible: `retry_after` never lies.
        #[test]
        fn advertised_wait_is_enough(
            capacity in 1u32..20,
            per_ms in 1u64..600_000,
            min_ms in 0u64..60_000,
            start in any::<u32>(),
            takes in 0u32..30,
        ) {
            let r = rule(capacity, per_ms, min_ms);
            let mut b = Bucket::full(start);
            for _ in 0..takes {
                b.consume(&r, start);
            }
            let wait = b.token_wait(&r, start).max(b.cooldown(&r, start));
            let then = start.wrapping_add(wait);
            prop_assert_eq!(b.token_wait(&r, then), 0);
            prop_assert_eq!(b.cooldown(&r, then), 0);
        }
    }
}
