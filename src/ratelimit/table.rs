//! The user table: a hash map from user id to [`UserEntry`] with a small
//! fast hasher, and the eviction sweep that keeps it under
//! `max_tracked_users`.
//!
//! # Hasher
//!
//! Keys are Discord snowflakes, assigned by Discord and not chosen by the
//! people sending commands, so a hash-flooding attack would need control
//! over ids that nobody outside Discord has. A keyed, DoS-resistant hasher
//! (std's SipHash) buys nothing here and costs about as much as the rest of
//! a check; [`SnowflakeHasher`] runs the id through a 64-bit finalizer
//! (xor-shift-multiply, as in MurmurHash3), which spreads the snowflake's
//! timestamp and counter bits over the whole word. The benchmark measures
//! both.
//!
//! # Eviction
//!
//! When a new user arrives at a full table, one sweep frees a batch of
//! 1/[`EVICTION_BATCH_DIVISOR`] of the table: plain records (buckets and
//! quota only) least recently seen first, then, only if there are none
//! left, records with a violation streak or an escalation level. Active bans
//! are never evicted: a raid of fresh accounts can push out only what a
//! fresh account is worth. If every record is an active ban, nothing is
//! evicted and the caller refuses the newcomer. The sweep is three passes
//! over the table without allocating (statistics, a 64-bin histogram of
//! last-seen times to find the cut-off, removal), and since it frees a
//! batch it runs once per n/16 newcomers: constant amortized cost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::entry::{Now, Tier, UserEntry, MANUAL};
use super::policy::Policy;
use super::UserId;

/// The user table's hasher (see the module docs for why not SipHash);
/// public so benchmarks and other id-keyed maps can use it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SnowflakeHasher {
    state: u64,
}

impl Hasher for SnowflakeHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used for `u64` keys; a plain FNV-1a fold keeps other key types
        // working.
        for &b in bytes {
            self.state = (self.state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.state = self.state.rotate_left(29) ^ n;
    }

    fn finish(&self) -> u64 {
        let mut k = self.state;
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }
}

/// A map keyed by user id with [`SnowflakeHasher`].
pub type UserMap<V> = HashMap<UserId, V, BuildHasherDefault<SnowflakeHasher>>;

/// A sweep frees this fraction of the table: small enough that little
/// history is lost at once, large enough that the O(n) sweep is paid once
/// per n/16 newcomers.
pub(crate) const EVICTION_BATCH_DIVISOR: usize = 16;

/// Resolution of the last-seen histogram that finds the eviction cut-off.
const BINS: usize = 64;

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sweep {
    pub evicted: usize,
    /// When the earliest active ban ends (Unix seconds), for a table that
    /// turned out to hold nothing but bans.
    pub earliest_ban_end: Option<u32>,
}

/// Last-seen range and count of one tier.
#[derive(Debug, Clone, Copy)]
struct Range {
    count: usize,
    min: u32,
    max: u32,
}

impl Range {
    const EMPTY: Range = Range {
        count: 0,
        min: u32::MAX,
        max: 0,
    };

    fn add(&mut self, seen: u32) {
        self.count += 1;
        self.min = self.min.min(seen);
        self.max = self.max.max(seen);
    }

    fn bin(&self, seen: u32) -> usize {
        let span = u64::from(self.max - self.min) + 1;
        (u64::from(seen.saturating_sub(self.min)) * BINS as u64 / span) as usize
    }
}

/// Which records of one tier to evict.
#[derive(Debug, Clone, Copy)]
enum Plan {
    Keep,
    All,
    /// Every record in a bin below `bin`, and `left` more from `bin`.
    Cut {
        range: Range,
        bin: usize,
        left: usize,
    },
}

impl Plan {
    fn new(range: Range, take: usize, histogram: &[usize; BINS]) -> Plan {
        if take == 0 {
            return Plan::Keep;
        }
        if take >= range.count {
            return Plan::All;
        }
        let mut below = 0;
        for (bin, &n) in histogram.iter().enumerate() {
            if below + n >= take {
                return Plan::Cut {
                    range,
                    bin,
                    left: take - below,
                };
            }
            below += n;
        }
        Plan::All
    }

    fn needs_histogram(take: usize, range: &Range) -> bool {
        take > 0 && take < range.count
    }

    fn evict(&mut self, seen: u32) -> bool {
        match self {
            Plan::Keep => false,
            Plan::All => true,
            Plan::Cut { range, bin, left } => {
                let b = range.bin(seen);
                if b < *bin {
                    true
                } else if b == *bin && *left > 0 {
                    *left -= 1;
                    true
                } else {
                    false
                }
            }
        }
    }
}

/// Evicts up to `want` records, least valuable first (see the module docs).
/// Also drops the admin notes of evicted records.
pub(crate) fn evict(
    users: &mut UserMap<UserEntry>,
    notes: &mut UserMap<Box<str>>,
    policy: &Policy,
    now: &Now,
    want: usize,
) -> Sweep {
    let mut plain = Range::EMPTY;
    let mut history = Range::EMPTY;
    let mut earliest_ban_end: Option<u32> = None;
    for entry in users.values() {
        match entry.tier(policy, now.s) {
            Tier::Plain => plain.add(entry.last_seen),
            Tier::History => history.add(entry.last_seen),
            Tier::Banned => {
                earliest_ban_end =
                    Some(earliest_ban_end.map_or(entry.ban_until, |e| e.min(entry.ban_until)));
            }
        }
    }
    let take_plain = want.min(plain.count);
    let take_history = (want - take_plain).min(history.count);
    if take_plain + take_history == 0 {
        return Sweep {
            evicted: 0,
            earliest_ban_end,
        };
    }

    let mut plain_hist = [0usize; BINS];
    let mut history_hist = [0usize; BINS];
    let plain_cut = Plan::needs_histogram(take_plain, &plain);
    let history_cut = Plan::needs_histogram(take_history, &history);
    if plain_cut || history_cut {
        for entry in users.values() {
            match entry.tier(policy, now.s) {
                Tier::Plain if plain_cut => plain_hist[plain.bin(entry.last_seen)] += 1,
                Tier::History if history_cut => history_hist[history.bin(entry.last_seen)] += 1,
                _ => {}
            }
        }
    }
    let mut plain_plan = Plan::new(plain, take_plain, &plain_hist);
    let mut history_plan = Plan::new(history, take_history, &history_hist);

    let before = users.len();
    users.retain(|id, entry| {
        let evict = match entry.tier(policy, now.s) {
            Tier::Plain => plain_plan.evict(entry.last_seen),
            Tier::History => history_plan.evict(entry.last_seen),
            Tier::Banned => false,
        };
        if evict && entry.flags & MANUAL != 0 {
            notes.remove(id);
        }
        !evict
    });
    Sweep {
        evicted: before - users.len(),
        earliest_ban_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn hasher_spreads_consecutive_snowflakes() {
        // Snowflakes minted in the same millisecond differ only in their low
        // bits; their hashes must differ in the high bits hashbrown uses for
        // its control bytes and in the low bits it uses for the bucket index.
        let build = BuildHasherDefault::<SnowflakeHasher>::default();
        let base: u64 = 1_234_567_890_123_456_789 & !0xfff;
        let mut top = std::collections::HashSet::new();
        let mut low = std::collections::HashSet::new();
        for i in 0..4096u64 {
            let h = build.hash_one(UserId(base + i));
            top.insert(h >> 57);
            low.insert(h & 0xfff);
        }
        assert_eq!(top.len(), 128);
        assert!(low.len() > 2400, "{} distinct low parts", low.len());
    }
}
