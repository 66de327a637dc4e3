//! Measures the digest on a realistic load (scripts/measure-digest.sh runs
//! it): what capturing costs on disk, and what building a digest from
//! 100,000 stored messages costs in time and memory.
//!
//! Two steps, two processes, so the peak memory of the build is its own:
//!
//! ```text
//! cargo run --release --example digest_measure -- fill DIR 100000 20 8
//! cargo run --release --example digest_measure -- build DIR 20
//! ```
//!
//! `fill DIR N CHANNELS BATCH` stores N generated messages across CHANNELS
//! channels through the archive, BATCH changes per commit (the capture task
//! commits whatever arrived within half a second together; 1 is the worst
//! case of one message per commit), and reports the bytes written per
//! message (`wchar` and `write_bytes` of /proc/self/io) and the file size.
//! `trickle DIR SECONDS EVERY [INTERVAL]` runs the real capture task (its
//! group commits every INTERVAL seconds, the default `commit_interval` if
//! not given) fed one message every EVERY seconds for SECONDS, on a tokio
//! clock that skips the waits (the disk writes are real), and reports the
//! bytes that reached the block layer per message next to the size of
//! the message's record (key and value, as stored; the JSON record of
//! before issue 14 is shown too).
//! `build DIR CHANNELS` loads the whole window, summarises and renders it,
//! and reports the time of each step and the process's peak RSS (VmHWM).

use std::sync::Arc;
use std::time::Instant;

use cubeguardian::digest::archive::{snowflake_floor, snowflake_ms, stored_len, Archive, Change};
use cubeguardian::digest::model::{Attachment, CapturedMessage, Channel, DigestRequest};
use cubeguardian::digest::{render, summary};
use cubeguardian::messages::Language;
use cubeguardian::store::Store;
use cubeguardian::time::Timestamp;

/// 2026-11-20 08:00 UTC: the window's start.
const START_MS: i64 = 1_795_507_200_000;
const DAY_MS: i64 = 86_400_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("fill") if args.len() >= 2 => fill(&args[1], arg(2, 100_000), arg(3, 20), arg(4, 8)),
        Some("build") if args.len() >= 2 => build(&args[1], arg(2, 20)),
        Some("trickle") if args.len() >= 2 => trickle(
            &args[1],
            arg(2, 600),
            arg(3, 10),
            arg(4, cubeguardian::config::DEFAULT_COMMIT_INTERVAL.as_secs()),
        ),
        _ => {
            eprintln!(
                "usage: digest_measure fill DIR [N CHANNELS BATCH] | build DIR [CHANNELS] \
                 | trickle DIR [SECONDS EVERY INTERVAL]"
            );
            std::process::exit(2);
        }
    }
}

/// A cheap deterministic generator (no dependency, same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "salut",
    "le",
    "serveur",
    "ce",
    "soir",
    "on",
    "joue",
    "à",
    "Minecraft",
    "qui",
    "vient",
    "réunion",
    "demain",
    "merci",
    "pour",
    "l'info",
    "voilà",
    "le",
    "compte-rendu",
    "de",
    "l'assemblée",
    "générale",
    "je",
    "passe",
    "au",
    "local",
    "vers",
    "18h",
    "👍",
    "🎉",
];

fn message(rng: &mut Lcg, i: u64, n: u64, channels: u64, ids: &[u64]) -> CapturedMessage {
    let posted = START_MS + (i as i64 * DAY_MS / n as i64);
    let id = snowflake_floor(posted) | (i & 0x3f_ffff);
    let words = 3 + rng.below(40);
    let mut content = String::new();
    for w in 0..words {
        if w > 0 {
            content.push(' ');
        }
        content.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    if rng.below(10) == 0 {
        content.push_str(&format!(" https://example.org/page/{}", rng.below(500)));
    }
    let author = rng.below(150);
    CapturedMessage {
        id,
        channel_id: 10_000 + rng.below(channels),
        author_id: 1_000 + author,
        author_name: format!("membre{author}"),
        posted_ms: snowflake_ms(id),
        edited: rng.below(20) == 0,
        content,
        attachments: if rng.below(25) == 0 {
            vec![Attachment {
                name: "photo.jpg".into(),
                url: format!("https://cdn.discordapp.com/attachments/1/{id}/photo.jpg"),
            }]
        } else {
            Vec::new()
        },
        reply_to: (rng.below(5) == 0 && !ids.is_empty())
            .then(|| ids[ids.len() - 1 - rng.below(ids.len().min(50) as u64) as usize]),
        reactions: if rng.below(8) == 0 {
            rng.below(6) as u32
        } else {
            0
        },
    }
}

/// (`wchar`, `write_bytes`) of this process so far.
fn io() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("wchar:"), field("write_bytes:"))
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn fill(dir: &str, n: u64, channels: u64, batch: u64) {
    let store = Arc::new(Store::open(std::path::Path::new(dir)).expect("open the store"));
    let archive = Archive::new(Arc::clone(&store));
    let mut rng = Lcg(42);
    let mut ids = Vec::with_capacity(n as usize);
    let (wchar0, disk0) = io();
    let started = Instant::now();
    let mut pending = Vec::with_capacity(batch as usize);
    for i in 0..n {
        let m = message(&mut rng, i, n, channels, &ids);
        ids.push(m.id);
        pending.push(Change::Posted(m));
        if pending.len() as u64 >= batch {
            archive.apply(&pending).expect("store a batch");
            pending.clear();
        }
    }
    if !pending.is_empty() {
        archive.apply(&pending).expect("store the last batch");
    }
    let elapsed = started.elapsed();
    let (wchar1, disk1) = io();
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "fill: {n} messages, {channels} channels, {batch} per commit: {:.1} s ({:.0} messages/s)",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "fill: written per message: {:.0} B (write calls, wchar), {:.0} B (reached the block layer, write_bytes)",
        (wchar1 - wchar0) as f64 / n as f64,
        (disk1 - disk0) as f64 / n as f64
    );
    println!(
        "fill: database file {:.1} MiB ({:.0} B per message)",
        size as f64 / 1_048_576.0,
        size as f64 / n as f64
    );
}

fn trickle(dir: &str, seconds: u64, every: u64, interval: u64) {
    use std::time::Duration;
    let store = Arc::new(Store::open(std::path::Path::new(dir)).expect("open the store"));
    let archive = Archive::new(Arc::clone(&store));
    let metrics = Arc::new(cubeguardian::web::Metrics::new());
    let n = seconds / every.max(1);
    let mut rng = Lcg(42);
    let mut ids = Vec::new();
    let mut record_bytes = 0;
    let mut json_bytes = 0;
    let messages: Vec<Change> = (0..n)
        .map(|i| {
            let m = message(&mut rng, i, n, 20, &ids);
            ids.push(m.id);
            record_bytes += stored_len(&m);
            json_bytes += 8 + serde_json::to_vec(&m).map_or(0, |v| v.len());
            Change::Posted(m)
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let (wchar0, disk0) = io();
    runtime.block_on(async {
        let (queue, changes) = tokio::sync::mpsc::channel(cubeguardian::digest::capture::QUEUE);
        let shutdown = tokio_util::sync::CancellationToken::new();
        let task = tokio::spawn(cubeguardian::digest::capture::run(
            archive.clone(),
            changes,
            metrics,
            Duration::from_secs(interval),
            shutdown.clone(),
        ));
        for change in messages {
            queue.send(change).await.expect("the capture runs");
            tokio::time::sleep(Duration::from_secs(every)).await;
        }
        // The stop commits what is still staged (SIGTERM).
        shutdown.cancel();
        task.await.expect("the capture task");
    });
    let (wchar1, disk1) = io();
    let stored = archive.message_count().unwrap_or(0);
    let record = record_bytes as f64 / n.max(1) as f64;
    let json = json_bytes as f64 / n.max(1) as f64;
    let written = (disk1 - disk0) as f64 / n.max(1) as f64;
    println!(
        "trickle: {n} messages, one every {every} s for {seconds} s, commit_interval {interval} s: \
         {stored} stored"
    );
    println!(
        "trickle: written per message: {:.0} B (wchar), {written:.0} B (write_bytes); \
         record {record:.0} B; ratio {:.2} (to the {json:.0} B JSON record of before: {:.2})",
        (wchar1 - wchar0) as f64 / n.max(1) as f64,
        written / record,
        written / json
    );
}

fn build(dir: &str, channels: u64) {
    let before = peak_rss_kib();
    let store = Arc::new(Store::open(std::path::Path::new(dir)).expect("open the store"));
    let archive = Archive::new(store);
    let channels: Vec<Channel> = (0..channels)
        .map(|c| Channel {
            id: 10_000 + c,
            name: format!("salon-{c}"),
            important: c < 2,
        })
        .collect();
    let zone = jiff::tz::TimeZone::get("Europe/Brussels").unwrap_or(jiff::tz::TimeZone::UTC);
    let t0 = Instant::now();
    let messages = archive
        .messages_between(
            Timestamp::from_millis_i64(START_MS),
            Timestamp::from_millis_i64(START_MS + DAY_MS + 1),
        )
        .expect("read the window");
    let t1 = Instant::now();
    let after_load = peak_rss_kib();
    let request = DigestRequest {
        guild_id: 1,
        guild_name: "Le Cube",
        channels: &channels,
        messages: &messages,
        from: Timestamp::from_millis_i64(START_MS),
        to: Timestamp::from_millis_i64(START_MS + DAY_MS + 1),
        zone: &zone,
        language: Language::Fr,
        preamble: None,
    };
    let digest = summary::summarise(&request);
    let t2 = Instant::now();
    let mail = render::render_mail(&request, &digest);
    let t3 = Instant::now();
    println!(
        "build: {} messages: load {:.0} ms, summarise {:.0} ms, render {:.0} ms, total {:.0} ms",
        messages.len(),
        (t1 - t0).as_secs_f64() * 1000.0,
        (t2 - t1).as_secs_f64() * 1000.0,
        (t3 - t2).as_secs_f64() * 1000.0,
        (t3 - t0).as_secs_f64() * 1000.0
    );
    println!(
        "build: mail text {} KiB, html {} KiB; peak RSS {:.1} MiB (before opening the store {:.1} MiB, \
         after the load {:.1} MiB)",
        mail.text.len() / 1024,
        mail.html.len() / 1024,
        peak_rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0,
        after_load as f64 / 1024.0
    );
}
