//! The user table: the compact per-user records in one open-addressing
//! array keyed by user id, and the eviction sweep that keeps them under
//! `max_tracked_users`. (Over 800 lines with its tests: the array, its
//! probing and the sweep all work on the slot layout kept private here.)
//!
//! # Layout
//!
//! Almost every tracked user is someone who ran one command lately and
//! nothing else: no ban, no violation, one hot bucket. The table stores
//! that common case inline in a 20-byte [`Compact`] record (last seen,
//! today's quota, one bucket) next to its 8-byte id, in a 32-byte slot,
//! two to a 64-byte cache line, so a slot never straddles two. Everything
//! else (a ban, a violation streak, an escalation level, more than one hot
//! command) lives in a [`Spill`] record in a second map, looked up only
//! when the compact record says there is one. The limiter's common check
//! works on the compact record in place ([`Table::plain_mut`]); the other
//! rules work on the unpacked [`UserEntry`] ([`Table::entry`],
//! [`Table::store`]).
//!
//! The slots form one array searched by linear probing: the id in the slot
//! is its own tag, so finding a user reads one cache line (two when the
//! probe runs on), where a Swiss table reads its control bytes first and
//! then the slot. Probes start at the first slot of a 64-byte line, so the
//! first read brings two slots. The array is at most 7/8 full and never
//! grows past room for `max_tracked_users`, so a full table costs
//! 32 × 8/7 ≈ 37 bytes a user, spill map empty (`benches/ratelimit.rs` measures it). Removal
//! shifts the rest of the probe run back instead of leaving tombstones, so
//! churn neither lengthens probes nor grows the array.
//!
//! # Hashes
//!
//! Keys are Discord snowflakes, assigned by Discord and not chosen by the
//! people sending commands, so a hash-flooding attack would need control
//! over ids that nobody outside Discord has; and the table never holds more
//! than `max_tracked_users`, which bounds the worst case anyway. A keyed,
//! DoS-resistant hasher (std's SipHash) buys nothing here and costs about as
//! much as the rest of a check. The array's probe starts at a
//! multiplicative (Fibonacci) hash of the id folded on itself, which spreads
//! ids minted in a burst (consecutive counters, or timestamps a millisecond
//! apart: arithmetic sequences) evenly, scaled to the array by a multiply.
//! Other id-keyed maps (the spill records, admins' notes) use
//! [`SnowflakeHasher`], a 64-bit finalizer (xor-shift-multiply, as in
//! MurmurHash3); the benchmark measures it against SipHash.
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
use std::hash::BuildHasherDefault;

use crate::snowflake::SnowflakeHasher;

use super::bucket::{Bucket, Slots, Tick, EMPTY};
use super::entry::{Now, Tier, UserEntry, MANUAL};
use super::policy::Policy;
use super::UserId;

/// A map keyed by user id with [`SnowflakeHasher`].
pub type UserMap<V> = HashMap<UserId, V, BuildHasherDefault<SnowflakeHasher>>;

/// The part of a record every tracked user has (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Compact {
    /// [`UserEntry::last_seen`].
    pub last_seen: u32,
    /// The first hot bucket, if `command` is not [`EMPTY`].
    pub tat: Tick,
    pub last: Tick,
    pub quota_day: u16,
    pub quota_used: u16,
    pub command: u8,
    /// Whether the rest of the record is in the spill map.
    pub spilled: bool,
    /// Whether the slot holding the record is in use.
    occupied: bool,
}

impl Compact {
    /// The first hot bucket (meaningless when `command` is [`EMPTY`]).
    pub fn bucket(&self) -> Bucket {
        Bucket {
            tat: self.tat,
            last: self.last,
        }
    }

    pub fn set_bucket(&mut self, command: u8, bucket: Bucket) {
        self.command = command;
        self.tat = bucket.tat;
        self.last = bucket.last;
    }
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

/// One place in the open-addressing array: a user id and its compact
/// record, half a cache line ([`Line`]), so that finding a user usually
/// costs one cache miss, not two.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    id: u64,
    record: Compact,
}

const VACANT: Slot = Slot {
    id: 0,
    record: Compact {
        last_seen: 0,
        tat: 0,
        last: 0,
        quota_day: 0,
        quota_used: 0,
        command: EMPTY,
        spilled: false,
        occupied: false,
    },
};

/// Two slots to a 64-byte cache line, aligned so: a probe starts at the
/// first slot of a line, so its first read brings in both.
const LINE_SLOTS: usize = 2;

#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Line([Slot; LINE_SLOTS]);

/// The slot array, indexed by slot, stored by cache line.
#[derive(Debug, Default)]
struct Array(Vec<Line>);

impl Array {
    /// `slots` vacant slots (a multiple of [`LINE_SLOTS`]).
    fn vacant(slots: usize) -> Array {
        Array(vec![Line([VACANT; LINE_SLOTS]); slots / LINE_SLOTS])
    }

    fn len(&self) -> usize {
        self.0.len() * LINE_SLOTS
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.0.iter().flat_map(|line| line.0.iter())
    }

    fn fill_vacant(&mut self) {
        self.0.fill(Line([VACANT; LINE_SLOTS]));
    }
}

impl std::ops::Index<usize> for Array {
    type Output = Slot;

    #[inline]
    fn index(&self, i: usize) -> &Slot {
        &self.0[i / LINE_SLOTS].0[i % LINE_SLOTS]
    }
}

impl std::ops::IndexMut<usize> for Array {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Slot {
        &mut self.0[i / LINE_SLOTS].0[i % LINE_SLOTS]
    }
}

/// How full the slot array may get, as a fraction: with probes starting
/// at a line's first slot, a known user is in the first line read for
/// most lookups even when the array is nearly full, and a table at its
/// limit costs 32 × 8/7 ≈ 37 bytes a user (hashbrown's load factor).
const MAX_LOAD: (usize, usize) = (7, 8);

/// The smallest slot array allocated (below it, growing costs more than
/// the memory saved).
const MIN_SLOTS: usize = 16;

/// Users an array of `slots` slots holds within [`MAX_LOAD`].
fn holds(slots: usize) -> usize {
    slots / MAX_LOAD.1 * MAX_LOAD.0 + slots % MAX_LOAD.1 * MAX_LOAD.0 / MAX_LOAD.1
}

/// The fewest slots that hold `users` within [`MAX_LOAD`] (and always
/// leave one vacant, which ends every probe).
fn slots_for(users: usize) -> usize {
    if users == 0 {
        return 0;
    }
    users
        .saturating_mul(MAX_LOAD.1)
        .div_ceil(MAX_LOAD.0)
        .saturating_add(1)
        .next_multiple_of(LINE_SLOTS)
}

/// Where a user id's probe starts in an array of `slots` slots: the first
/// slot of a cache line picked by a multiplicative (Fibonacci) hash,
/// scaled to the array by a multiply instead of a division (see the
/// module docs for why no keyed hasher).
#[inline]
fn home(id: u64, slots: usize) -> usize {
    let h = (id ^ (id >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let lines = (slots / LINE_SLOTS) as u128;
    ((u128::from(h) * lines) >> 64) as usize * LINE_SLOTS
}

/// The tracked users (see the module docs for the layout).
#[derive(Debug)]
pub(crate) struct Table {
    slots: Array,
    len: usize,
    /// The most users the limiter keeps (`max_tracked_users`): the array
    /// never grows past room for them.
    limit: usize,
    spill: UserMap<Spill>,
}

impl Default for Table {
    fn default() -> Table {
        Table::new(usize::MAX)
    }
}

#[inline]
fn unpack(spill: &UserMap<Spill>, id: UserId, c: &Compact) -> UserEntry {
    let mut slots = Slots::new();
    let mut next = 0;
    if c.command != EMPTY {
        slots.set(0, c.command, c.bucket());
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
#[inline]
pub(super) fn compact_of(entry: &UserEntry) -> Compact {
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
        occupied: true,
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

/// A tracked user's place in the table, valid until the table next
/// changes shape (an insertion or a removal).
#[derive(Debug, Clone, Copy)]
pub(crate) struct At(usize);

impl Table {
    /// An empty table for at most `limit` users (it allocates nothing
    /// until the first one).
    pub fn new(limit: usize) -> Table {
        Table {
            slots: Array::default(),
            len: 0,
            limit,
            spill: UserMap::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Records the table has room for without reallocating.
    pub fn capacity(&self) -> usize {
        holds(self.slots.len())
    }

    #[inline]
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() {
            0
        } else {
            i + 1
        }
    }

    /// Where `id` is, or else the vacant slot that ends its probe (the
    /// array must not be empty).
    #[inline]
    fn probe(&self, id: u64) -> Result<usize, usize> {
        let mut i = home(id, self.slots.len());
        loop {
            let slot = &self.slots[i];
            if !slot.record.occupied {
                return Err(i);
            }
            if slot.id == id {
                return Ok(i);
            }
            i = self.next(i);
        }
    }

    fn find(&self, id: UserId) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(id.0).ok()
    }

    pub fn contains(&self, id: UserId) -> bool {
        self.find(id).is_some()
    }

    /// A copy of `id`'s record, unpacked.
    pub fn get(&self, id: UserId) -> Option<UserEntry> {
        self.find(id).map(|i| self.entry(At(i)))
    }

    /// `id`'s place, after storing `new()` there if it was not tracked: the
    /// one probe of a check.
    #[inline]
    pub fn locate(&mut self, id: UserId, new: impl FnOnce() -> UserEntry) -> At {
        let vacant = match (!self.slots.is_empty()).then(|| self.probe(id.0)) {
            Some(Ok(i)) => return At(i),
            Some(Err(i)) if self.len < holds(self.slots.len()) => i,
            _ => {
                self.grow();
                let (Ok(i) | Err(i)) = self.probe(id.0);
                i
            }
        };
        self.len += 1;
        self.slots[vacant] = Slot {
            id: id.0,
            record: VACANT.record,
        };
        self.store(At(vacant), &new());
        At(vacant)
    }

    /// The compact record at `at`, if it is the whole record (nothing
    /// spilled): the rules may then work on it in place.
    #[inline]
    pub fn plain_mut(&mut self, at: At) -> Option<&mut Compact> {
        let record = &mut self.slots[at.0].record;
        (!record.spilled).then_some(record)
    }

    /// The record at `at`, unpacked.
    pub fn entry(&self, at: At) -> UserEntry {
        let slot = &self.slots[at.0];
        unpack(&self.spill, UserId(slot.id), &slot.record)
    }

    /// Stores `entry` as the record at `at`.
    pub fn store(&mut self, at: At, entry: &UserEntry) {
        let slot = &mut self.slots[at.0];
        let id = UserId(slot.id);
        let was_spilled = slot.record.spilled;
        slot.record = compact_of(entry);
        if slot.record.spilled {
            self.spill.insert(id, spill_of(entry));
        } else if was_spilled {
            self.spill.remove(&id);
        }
    }

    /// Stores `entry` as `id`'s record.
    pub fn put(&mut self, id: UserId, entry: &UserEntry) {
        let at = self.locate(id, || *entry);
        self.store(at, entry);
    }

    /// Forgets `id`; returns whether it was tracked.
    pub fn remove(&mut self, id: UserId) -> bool {
        let Some(i) = self.find(id) else {
            return false;
        };
        if self.slots[i].record.spilled {
            self.spill.remove(&id);
        }
        self.vacate(i);
        true
    }

    /// Empties slot `hole` and closes the gap (backward-shift deletion):
    /// each later record of the run moves back into the hole unless that
    /// would put it before its home. No tombstones, so churn never
    /// lengthens probes or grows the array.
    fn vacate(&mut self, mut hole: usize) {
        let mut j = hole;
        loop {
            j = self.next(j);
            let slot = self.slots[j];
            if !slot.record.occupied {
                break;
            }
            let home = home(slot.id, self.slots.len());
            // Whether `home` lies cyclically in (hole, j]: then the record
            // must stay where it is.
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = slot;
                hole = j;
            }
        }
        self.slots[hole] = VACANT;
        self.len -= 1;
    }

    /// Moves every record into a new array of `slots` slots.
    fn rebuild(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, Array::vacant(slots));
        for slot in old.iter().filter(|s| s.record.occupied) {
            let (Ok(i) | Err(i)) = self.probe(slot.id);
            self.slots[i] = *slot;
        }
    }

    /// Makes room for one more user: doubles the array, but never past
    /// room for `limit` users.
    fn grow(&mut self) {
        let slots = self
            .slots
            .len()
            .saturating_mul(2)
            .max(MIN_SLOTS)
            .min(slots_for(self.limit))
            .max(slots_for(self.len + 1));
        self.rebuild(slots);
    }

    /// Every record, unpacked, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, UserEntry)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.record.occupied)
            .map(|s| (UserId(s.id), unpack(&self.spill, UserId(s.id), &s.record)))
    }

    /// Keeps the records for which `keep` says true; calls it once per
    /// record.
    pub fn retain(&mut self, mut keep: impl FnMut(UserId, &UserEntry) -> bool) {
        // The walk starts after a vacant slot, which stays vacant: a record
        // that a removal moves back into the current slot comes from further
        // along the same run, where the walk has not been yet.
        let Some(start) = self.slots.iter().position(|s| !s.record.occupied) else {
            return;
        };
        let mut i = start;
        for _ in 1..self.slots.len() {
            i = self.next(i);
            while self.slots[i].record.occupied {
                let slot = self.slots[i];
                let id = UserId(slot.id);
                if keep(id, &unpack(&self.spill, id, &slot.record)) {
                    break;
                }
                if slot.record.spilled {
                    self.spill.remove(&id);
                }
                self.vacate(i);
            }
        }
    }

    pub fn clear(&mut self) {
        self.slots.fill_vacant();
        self.len = 0;
        self.spill.clear();
    }

    /// Gives memory back down to room for `min` records (and the spill
    /// map down to what it holds).
    pub fn shrink_to(&mut self, min: usize) {
        let slots = slots_for(self.len.max(min));
        if slots < self.slots.len() {
            self.rebuild(slots);
        }
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
    use proptest::prelude::*;
    use std::hash::BuildHasher;

    #[test]
    fn record_is_compact_and_slots_are_cache_line_aligned() {
        assert_eq!(std::mem::size_of::<Compact>(), 20);
        assert_eq!(std::mem::size_of::<Slot>(), 32);
        assert_eq!(std::mem::align_of::<Slot>(), 32);
        let mut table = Table::new(1000);
        table.put(UserId(1), &plain(1));
        assert_eq!(table.slots.0.as_ptr() as usize % 64, 0);
    }

    #[test]
    fn array_never_grows_past_room_for_the_limit() {
        let mut table = Table::new(10_000);
        for id in 0..10_000u64 {
            table.put(UserId((id * 7_919) << 22), &plain(id as u32));
        }
        assert_eq!(table.len(), 10_000);
        assert_eq!(table.slots.len(), slots_for(10_000));
        assert!(table.capacity() >= 10_000);
        // 37 bytes a user at the limit (see `MAX_LOAD`).
        assert!(table.slots.len() * 32 <= 10_000 * 37);
    }

    #[test]
    fn home_spreads_consecutive_snowflakes() {
        // Accounts created in a burst: consecutive increments, and ids one
        // millisecond apart. Their probes must start in most of the lines
        // (random ones would leave 1 in 6 lines unused).
        let slots = slots_for(4096);
        let lines = slots / LINE_SLOTS;
        let base: u64 = 1_234_567_890_123_456_789 & !0xfff;
        let burst: std::collections::HashSet<usize> =
            (0..4096u64).map(|i| home(base + i, slots)).collect();
        let by_ms: std::collections::HashSet<usize> = (0..4096u64)
            .map(|i| home(base + (i << 22), slots))
            .collect();
        assert!(
            burst.len() * 5 > lines * 4,
            "{} of {lines} lines",
            burst.len()
        );
        assert!(
            by_ms.len() * 5 > lines * 4,
            "{} of {lines} lines",
            by_ms.len()
        );
        assert!(burst
            .iter()
            .chain(&by_ms)
            .all(|h| h % LINE_SLOTS == 0 && *h < slots));
    }

    fn plain(last_seen: u32) -> UserEntry {
        let mut entry = UserEntry::new(&Now::new(
            crate::time::Timestamp(0),
            0,
            crate::time::Timestamp(0),
        ));
        entry.last_seen = last_seen;
        entry
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u64, u32, bool),
        Remove(u64),
        Retain(u32),
        Shrink,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct ids over a small array, so that probe runs are long,
        // wrap around the end, and removals shift records back.
        let id = 0u64..48;
        prop_oneof![
            6 => (id.clone(), any::<u32>(), any::<bool>()).prop_map(|(i, s, b)| Op::Put(i, s, b)),
            3 => id.prop_map(Op::Remove),
            1 => (0u32..4).prop_map(Op::Retain),
            1 => Just(Op::Shrink),
        ]
    }

    proptest! {
        /// Whatever the sequence of stores, removals, sweeps and shrinks,
        /// the table holds exactly what a plain map would, spilled parts
        /// included, and every record is reachable by its probe.
        #[test]
        fn table_agrees_with_a_map(
            limit in 1usize..64,
            ops in proptest::collection::vec(op(), 1..300),
        ) {
            let mut table = Table::new(limit);
            let mut model: std::collections::BTreeMap<u64, UserEntry> = Default::default();
            for op in ops {
                match op {
                    Op::Put(id, seen, banned) => {
                        let mut entry = plain(seen);
                        if banned {
                            entry.ban_until = seen | 1;
                        }
                        table.put(UserId(id), &entry);
                        model.insert(id, entry);
                    }
                    Op::Remove(id) => {
                        prop_assert_eq!(table.remove(UserId(id)), model.remove(&id).is_some());
                    }
                    Op::Retain(m) => {
                        // Each record is shown to `keep` exactly once.
                        let mut shown = Vec::new();
                        table.retain(|id, e| {
                            shown.push(id.0);
                            e.last_seen % 4 != m
                        });
                        shown.sort_unstable();
                        prop_assert_eq!(shown, model.keys().copied().collect::<Vec<_>>());
                        model.retain(|_, e| e.last_seen % 4 != m);
                    }
                    Op::Shrink => table.shrink_to(0),
                }
                prop_assert_eq!(table.len(), model.len());
                prop_assert!(table.len() < table.slots.len() || table.slots.is_empty());
                prop_assert_eq!(table.spill.len(), model.values().filter(|e| e.ban_until != 0).count());
                let mut listed: Vec<(u64, u32, u32)> = table
                    .iter()
                    .map(|(id, e)| (id.0, e.last_seen, e.ban_until))
                    .collect();
                listed.sort_unstable();
                let expected: Vec<(u64, u32, u32)> =
                    model.iter().map(|(id, e)| (*id, e.last_seen, e.ban_until)).collect();
                prop_assert_eq!(listed, expected);
                for (id, e) in &model {
                    let got = table.get(UserId(*id));
                    prop_assert_eq!(got.map(|g| (g.last_seen, g.ban_until)), Some((e.last_seen, e.ban_until)));
                }
            }
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
