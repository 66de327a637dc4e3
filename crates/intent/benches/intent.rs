//! Throughput and allocations of the intent recognizer over the labelled corpus.
//!
//! `cargo bench --bench intent` prints first the number of heap allocations per parsed
//! message (counted by a wrapping global allocator), then criterion measures the time to
//! parse every corpus line, reported as messages per second.

// A counting global allocator needs `unsafe impl GlobalAlloc`; the
// measurement, not the appliance, is what uses it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput};
use cubeguardian_intent::{corpus_line, Addressee, Channel, Recognizer};

/// Counts every allocation and reallocation, then defers to the system allocator.
struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same layout as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same layout as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const BOT: Addressee<'static> = Addressee {
    bot_id: 1,
    bot_name: "CubeGuardian",
};

/// How many messages `tests/data/intents.tsv` holds: they come first in [`corpus`].
const ORIGINAL_LINES: usize = 996;

/// The corpus messages (development and held-out files) with their channel, mentions and
/// line breaks substituted as in the accuracy test.
fn corpus() -> Vec<(Channel, String)> {
    let files = [
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/intents.tsv"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/intents-dev.tsv"
        )),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/intents-heldout.tsv"
        )),
    ];
    files
        .iter()
        .flat_map(|data| data.lines())
        .filter_map(corpus_line::parse)
        .map(|(channel, _, text)| (channel, text))
        .collect()
}

/// Counts the heap allocations made while parsing every corpus message once.
fn allocations_per_message(recognizer: &Recognizer, messages: &[(Channel, String)]) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for (channel, text) in messages {
        black_box(recognizer.parse(black_box(text), *channel, &BOT));
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    println!(
        "allocations per message: {:.3} ({allocations} over {} messages)",
        allocations as f64 / messages.len() as f64,
        messages.len()
    );
}

fn main() {
    let recognizer = Recognizer::new();
    let messages = corpus();
    allocations_per_message(&recognizer, &messages);

    let mut criterion = Criterion::default().configure_from_args();

    // Every corpus line in its labelled channel: throughput in messages per second.
    let mut group = criterion.benchmark_group("intent");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("parse_corpus", |b| {
        b.iter(|| {
            for (channel, text) in &messages {
                black_box(recognizer.parse(black_box(text), *channel, &BOT));
            }
        })
    });
    // The original corpus alone (short messages), as measured before issue 13.
    let original: Vec<(Channel, String)> = messages[..ORIGINAL_LINES.min(messages.len())].to_vec();
    group.throughput(Throughput::Elements(original.len() as u64));
    group.bench_function("parse_intents_tsv", |b| {
        b.iter(|| {
            for (channel, text) in &original {
                black_box(recognizer.parse(black_box(text), *channel, &BOT));
            }
        })
    });
    group.finish();

    // A 100 KB hostile message (zalgo and emoji): bounded by the analysis cap.
    let zalgo = "r\u{338}\u{322}e\u{335}s\u{337}t\u{338}a\u{334}r\u{335}t\u{336} 🔥 ";
    let hostile: String = zalgo.repeat(100_000 / zalgo.len());
    criterion.bench_function("intent/parse_hostile_100kb", |b| {
        b.iter(|| black_box(recognizer.parse(black_box(&hostile), Channel::Dm, &BOT)))
    });

    // Building the recognizer (once per process).
    criterion.bench_function("intent/build_recognizer", |b| b.iter(Recognizer::new));

    criterion.final_summary();
}
