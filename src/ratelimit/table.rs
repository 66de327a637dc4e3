//! The user table: the compact per-user records, keyed by user id with a
//! small fast hasher, and the eviction sweep that keeps them under
//! `max_tracked_users`.
//!
//! # Layout
//!
//! Almost every tracked user is someone who ran one command lately and
//! nothing else: no ban, no violation, one hot bucket. The table stores
//! that common case inline in a 20-byte [`Compact`] record (last seen,
//! today's quota, one bucket) next to its 8-byte key, 28 bytes a slot
//! with no padding: the key is kept as two `u32` halves so the pair is
//! aligned to 4, not 8 (a `u64` key would pad the pair to 32 bytes).
//! Everything else (a ban, a violation streak, an escalation level, more
//! than one hot command) lives in a [`Spill`] record in a second map,
//! looked up only when the compact record says there is one. The limiter's
//! rules work on the unpacked [`UserEntry`]; [`Table::update`] (a
//! check's one lookup), [`Table::get`] and [`Table::put`] convert. With hashbrown's load factor this is about 38
//! bytes per user at 100 000 users, map included, against 85 for the
//! 56-byte record kept whole (`benches/ratelimit.rs` measures it).
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
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::bucket::{Bucket, Slots, Tick, EMPTY};
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

/// A user id as the compact map keys it: two halves, so that the key and
/// its record pack into 28 bytes (see the module docs). Hashes exactly
/// like the [`UserId`] it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key([u32; 2]);

impl Key {
    fn new(id: UserId) -> Key {
        Key([id.0 as u32, (id.0 >> 32) as u32])
    }

    fn id(self) -> UserId {
        UserId(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32))
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.id().0);
    }
}

/// The part of a record every tracked user has (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Compact {
    /// [`UserEntry::last_seen`].
    last_seen: u32,
    /// The first hot bucket, if `command` is not [`EMPTY`].
    tat: Tick,
    last: Tick,
    quota_day: u16,
    quota_used: u16,
    command: u8,
    /// Whether the rest of the record is in the spill map.
    spilled: bool,
}

/// The rare rest of a record: ban, violations, escalation, and the hot
/// buckets after the first.
#[derive(Debug, Clone, Copy)]
struct Spill {
    ban_until: u32,
    last_offense: u32,
    violations: u8,
    level: u8,
    flags: u8,
    slots: Slots,
}

/// The tracked users (see the module docs for the layout).
#[derive(Debug, Default)]
pub(crate) struct Table {
    compact: HashMap<Key, Compact, BuildHasherDefault<SnowflakeHasher>>,
    spill: UserMap<Spill>,
}

#[inline]
fn unpack(spill: &UserMap<Spill>, id: UserId, c: &Compact) -> UserEntry {
    let mut slots = Slots::new();
    let mut next = 0;
    if c.command != EMPTY {
        slots.set(
            0,
            c.command,
            Bucket {
                tat: c.tat,
                last: c.last,
            },
        );
        next = 1;
    }
    let mut entry = UserEntry {
        last_seen: c.last_seen,
        ban_until: 0,
        last_offense: 0,
        quota_day: c.quota_day,
        quota_used: c.quota_used,
        violations: 0,
        level: 0,
        flags: 0,
        slots,
    };
    if c.spilled {
        if let Some(s) = spill.get(&id) {
            entry.ban_until = s.ban_until;
            entry.last_offense = s.last_offense;
            entry.violations = s.violations;
            entry.level = s.level;
            entry.flags = s.flags;
            for (command, bucket) in s.slots.iter() {
                entry.slots.set(next, command, bucket);
                next += 1;
            }
        }
    }
    entry
}

/// `entry`'s compact part, and whether the rest needs a spill record
/// ([`spill_of`]). The hot buckets keep their order but close up (a freed
/// first slot is filled by the next one), so a user with one hot command
/// never needs a spill record.
///
/// Split from [`spill_of`] so that the common check, which spills
/// nothing, writes 20 bytes in place and never builds the 48-byte spill
/// record at all.
#[inline]
fn compact_of(entry: &UserEntry) -> Compact {
    let mut hot = entry.slots.iter();
    let first = hot.next();
    let more = hot.next().is_some();
    let spilled = more
        || entry.ban_until != 0
        || entry.last_offense != 0
        || entry.violations != 0
        || entry.level != 0
        || entry.flags != 0;
    let (command, tat, last) = first.map_or((EMPTY, 0, 0), |(c, b)| (c, b.tat, b.last));
    Compact {
        last_seen: entry.last_seen,
        tat,
        last,
        quota_day: entry.quota_day,
        quota_used: entry.quota_used,
        command,
        spilled,
    }
}

/// The part of `entry` that does not fit its compact record (call only
/// when [`compact_of`] says `spilled`).
fn spill_of(entry: &UserEntry) -> Spill {
    let mut rest = Slots::new();
    for (i, (command, bucket)) in entry.slots.iter().skip(1).enumerate() {
        rest.set(i, command, bucket);
    }
    Spill {
        ban_until: entry.ban_until,
        last_offense: entry.last_offense,
        violations: entry.violations,
        level: entry.level,
        flags: entry.flags,
        slots: rest,
    }
}

impl Table {
    pub fn len(&self) -> usize {
        self.compact.len()
    }

    /// Records the table has room for without reallocating.
    pub fn capacity(&self) -> usize {
        self.compact.capacity()
    }

    pub fn contains(&self, id: UserId) -> bool {
        self.compact.contains_key(&Key::new(id))
    }

    /// A copy of `id`'s record, unpacked.
    pub fn get(&self, id: UserId) -> Option<UserEntry> {
        self.compact
            .get(&Key::new(id))
            .map(|c| unpack(&self.spill, id, c))
    }

    /// Runs `f` on `id`'s record (a new one from `new` if there is none)
    /// and stores the result, with one lookup: the hot path of a check.
    pub fn update<R>(
        &mut self,
        id: UserId,
        new: impl FnOnce() -> UserEntry,
        f: impl FnOnce(&mut UserEntry) -> R,
    ) -> R {
        use std::collections::hash_map::Entry;
        let (result, entry, spilled, was_spilled) = match self.compact.entry(Key::new(id)) {
            Entry::Occupied(mut slot) => {
                let record = slot.get_mut();
                let was_spilled = record.spilled;
                let mut entry = unpack(&self.spill, id, record);
                let result = f(&mut entry);
                *record = compact_of(&entry);
                (result, entry, record.spilled, was_spilled)
            }
            Entry::Vacant(slot) => {
                let mut entry = new();
                let result = f(&mut entry);
                let spilled = slot.insert(compact_of(&entry)).spilled;
                (result, entry, spilled, false)
            }
        };
        if spilled {
            self.spill.insert(id, spill_of(&entry));
        } else if was_spilled {
            self.spill.remove(&id);
        }
        result
    }

    /// Stores `entry` as `id`'s record.
    pub fn put(&mut self, id: UserId, entry: &UserEntry) {
        let compact = compact_of(entry);
        let spilled = compact.spilled;
        let old = self.compact.insert(Key::new(id), compact);
        if spilled {
            self.spill.insert(id, spill_of(entry));
        } else if old.is_some_and(|c| c.spilled) {
            self.spill.remove(&id);
        }
    }

    /// Forgets `id`; returns whether it was tracked.
    pub fn remove(&mut self, id: UserId) -> bool {
        match self.compact.remove(&Key::new(id)) {
            Some(c) => {
                if c.spilled {
                    self.spill.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Every record, unpacked, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, UserEntry)> + '_ {
        self.compact
            .iter()
            .map(|(k, c)| (k.id(), unpack(&self.spill, k.id(), c)))
    }

    /// Keeps the records for which `keep` says true.
    pub fn retain(&mut self, mut keep: impl FnMut(UserId, &UserEntry) -> bool) {
        let spill = &mut self.spill;
        self.compact.retain(|k, c| {
            let id = k.id();
            let kept = keep(id, &unpack(spill, id, c));
            if !kept && c.spilled {
                spill.remove(&id);
            }
            kept
        });
    }

    pub fn clear(&mut self) {
        self.compact.clear();
        self.spill.clear();
    }

    /// Gives memory back down to room for `min` records (and the spill
    /// map down to what it holds).
    pub fn shrink_to(&mut self, min: usize) {
        self.compact.shrink_to(min);
        self.spill.shrink_to(self.spill.len().saturating_mul(2));
    }
}

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
    users: &mut Table,
    notes: &mut UserMap<Box<str>>,
    policy: &Policy,
    now: &Now,
    want: usize,
) -> Sweep {
    let mut plain = Range::EMPTY;
    let mut history = Range::EMPTY;
    let mut earliest_ban_end: Option<u32> = None;
    for (_, entry) in users.iter() {
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
        for (_, entry) in users.iter() {
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
            notes.remove(&id);
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
    fn record_is_compact() {
        assert_eq!(std::mem::size_of::<Compact>(), 20);
        assert_eq!(std::mem::size_of::<(Key, Compact)>(), 28);
    }

    #[test]
    fn key_round_trips_and_hashes_like_the_id() {
        let build = BuildHasherDefault::<SnowflakeHasher>::default();
        for id in [
            0,
            1,
            u64::from(u32::MAX),
            u64::MAX,
            1_234_567_890_123_456_789,
        ] {
            let key = Key::new(UserId(id));
            assert_eq!(key.id(), UserId(id));
            assert_eq!(build.hash_one(key), build.hash_one(UserId(id)));
        }
    }

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
