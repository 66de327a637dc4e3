//! Rate limiter figures: the cost of one check on a limiter tracking 100 000
//! users, next to `governor`'s keyed limiter doing the same, and the memory
//! each tracked user costs (map overhead included), measured with a
//! counting global allocator.
//!
//! `cargo bench --bench ratelimit` prints the memory figures first, then
//! criterion's timings.

// A counting global allocator needs `unsafe impl GlobalAlloc`; the
// measurement, not the appliance, is what uses it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, RandomState};
use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use criterion::Criterion;
use cubeguardian::ratelimit::{Caller, Limiter, Moment, RateLimitConfig, SnowflakeHasher, UserId};
use cubeguardian::time::Timestamp;
use governor::{Quota, RateLimiter};

/// Counts the bytes currently allocated, so a structure's footprint is the
/// difference before and after building it.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicIsize = AtomicIsize::new(0);

fn grow(bytes: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    let now = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the new block arriving before the old one leaves, as a
        // moving realloc does.
        grow(new_size);
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Users in the timing benchmark.
const USERS: usize = 100_000;

/// 2025-01-01T00:00:00Z.
const START_MS: u64 = 1_735_689_600_000;

/// Realistic snowflakes: a millisecond timestamp since Discord's epoch in
/// the high bits, worker/process/increment in the low 22.
fn snowflakes(n: usize) -> Vec<UserId> {
    const DISCORD_EPOCH: u64 = 1_420_070_400_000;
    (0..n as u64)
        .map(|i| {
            UserId(((START_MS - DISCORD_EPOCH - 1_000_000_000 + i * 7_919) << 22) | (i & 0xfff))
        })
        .collect()
}

/// A configuration under which every benchmark check is allowed (each user
/// comes back every 100 s of simulated time), with room for everyone.
fn config(max_users: usize) -> RateLimitConfig {
    RateLimitConfig {
        daily_quota: 0,
        max_tracked_users: max_users as u32,
        ..RateLimitConfig::default()
    }
}

fn filled_limiter(users: &[UserId], max_users: usize) -> Limiter {
    let mut limiter = Limiter::new(&config(max_users)).unwrap();
    let command = limiter.command("status-page");
    for (i, &user) in users.iter().enumerate() {
        let at = Moment::utc(Timestamp(START_MS + i as u64));
        assert!(limiter
            .check(Caller::member(user), command, at)
            .is_allowed());
    }
    limiter
}

fn quota() -> Quota {
    Quota::per_minute(NonZeroU32::new(30).unwrap())
}

fn memory_report() {
    println!("bytes per tracked user (counting allocator, map overhead included):");
    for n in [1_000, 10_000, 100_000] {
        let users = snowflakes(n);
        let before = live();
        let limiter = filled_limiter(&users, n);
        let ours = (live() - before) as f64 / n as f64;
        assert_eq!(limiter.tracked_users(), n);
        drop(limiter);

        let before = live();
        let governor = RateLimiter::keyed(quota());
        for user in &users {
            assert!(governor.check_key(user).is_ok());
        }
        let theirs = (live() - before) as f64 / n as f64;
        drop(governor);
        println!(
            "  {n:>7} users: cubeguardian {ours:6.1} B/user, governor keyed {theirs:6.1} B/user \
             (ratio {:.2})",
            ours / theirs
        );
    }

    // The figures above are for a table at its limit (`max_tracked_users`
    // users), its largest; below the limit the array doubles as it grows,
    // so the cost per user depends on where between two sizes it stands.
    println!("bytes per tracked user below the limit (max_tracked_users 10× the users):");
    for n in [1_000, 10_000, 100_000] {
        let users = snowflakes(n);
        let before = live();
        let limiter = filled_limiter(&users, 10 * n);
        let ours = (live() - before) as f64 / n as f64;
        drop(limiter);
        println!("  {n:>7} users: cubeguardian {ours:6.1} B/user");
    }

    // Steady state: checks of known users must not allocate.
    let users = snowflakes(10_000);
    let mut limiter = filled_limiter(&users, 10_000);
    let command = limiter.command("status-page");
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for round in 1..=100u64 {
        for (i, &user) in users.iter().enumerate() {
            let at = Moment::utc(Timestamp(START_MS + round * 100_000 + i as u64));
            black_box(limiter.check(Caller::member(user), command, at));
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    println!("  allocations during 1 000 000 steady-state checks: {allocations}");
    assert_eq!(allocations, 0);
    drop(limiter);

    // A raid of a million fresh accounts against the default cap.
    let cap = 10_000;
    let raid = snowflakes(1_000_000);
    let before = live();
    let mut limiter = Limiter::new(&config(cap)).unwrap();
    let command = limiter.command("status-page");
    PEAK.store(live(), Ordering::Relaxed);
    for (i, &user) in raid.iter().enumerate() {
        let at = Moment::utc(Timestamp(START_MS + i as u64));
        limiter.check(Caller::member(user), command, at);
    }
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let end = live() - before;
    println!(
        "  flood of 1 000 000 users, cap {cap}: {} tracked; {} KiB at the end ({:.1} B per \
         tracked user), peak {} KiB",
        limiter.tracked_users(),
        end / 1024,
        end as f64 / cap as f64,
        peak / 1024,
    );
}

/// A quota no benchmark check exceeds, so governor always takes its
/// "allowed" path like ours does.
fn generous_quota() -> Quota {
    Quota::per_second(NonZeroU32::new(1_000_000).unwrap())
}

fn bench_checks(c: &mut Criterion) {
    let users = snowflakes(USERS);
    let mut limiter = filled_limiter(&users, 2 * USERS);
    let command = limiter.command("status-page");
    let governor = RateLimiter::keyed(generous_quota());
    for user in &users {
        assert!(governor.check_key(user).is_ok());
    }
    let mut now = START_MS + USERS as u64;

    // Every check hits a different one of the 100 000 users, uniformly: the
    // table does not fit the CPU caches, so this measures memory latency
    // as much as code.
    let mut group = c.benchmark_group("check_100k_users");
    let mut i = 0usize;
    group.bench_function("cubeguardian", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            now += 1;
            let at = Moment::utc(Timestamp(now));
            black_box(limiter.check(Caller::member(users[i]), command, at))
        })
    });
    let shared = Mutex::new(limiter);
    group.bench_function("cubeguardian_in_mutex", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            now += 1;
            let at = Moment::utc(Timestamp(now));
            let mut limiter = shared.lock().unwrap();
            black_box(limiter.check(Caller::member(users[i]), command, at))
        })
    });
    let mut limiter = shared.into_inner().unwrap();
    group.bench_function("governor_keyed", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            black_box(governor.check_key(&users[i]).is_ok())
        })
    });
    group.finish();

    // 1 000 active users among the 100 000 tracked (a raid's leftovers plus
    // the regulars): the hot records stay in cache, so this is the code's
    // own cost.
    const ACTIVE: usize = 1_000;
    let mut group = c.benchmark_group("check_1k_active_of_100k");
    group.bench_function("cubeguardian", |b| {
        b.iter(|| {
            i = (i + 1) % ACTIVE;
            now += 10;
            let at = Moment::utc(Timestamp(now));
            black_box(limiter.check(Caller::member(users[i]), command, at))
        })
    });
    group.bench_function("governor_keyed", |b| {
        b.iter(|| {
            i = (i + 1) % ACTIVE;
            black_box(governor.check_key(&users[i]).is_ok())
        })
    });
    group.finish();
    let stats = limiter.stats(Moment::utc(Timestamp(now)));
    assert_eq!(stats.refusals, 0, "every benchmark check must be allowed");

    // The hasher choice alone: a lookup in a 100 000-entry map of 56-byte
    // records, SipHash (std) against the snowflake finalizer.
    let mut group = c.benchmark_group("lookup_100k_users");
    let mut sip: HashMap<UserId, [u64; 7], RandomState> = HashMap::default();
    let mut fast: HashMap<UserId, [u64; 7], BuildHasherDefault<SnowflakeHasher>> =
        HashMap::default();
    for (n, user) in users.iter().enumerate() {
        sip.insert(*user, [n as u64; 7]);
        fast.insert(*user, [n as u64; 7]);
    }
    group.bench_function("siphash", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            black_box(sip.get_mut(&users[i]).map(|v| v[0] += 1))
        })
    });
    group.bench_function("snowflake_hasher", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            black_box(fast.get_mut(&users[i]).map(|v| v[0] += 1))
        })
    });
    group.finish();
}

fn main() {
    memory_report();
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_checks(&mut criterion);
    criterion.final_summary();
}
