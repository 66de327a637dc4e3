//! The digest's speed: summarising and rendering a day of a busy guild
//! (100,000 messages across 20 channels), and loading it from the archive.
//! Memory and disk figures come from `scripts/measure-digest.sh`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use cubeguardian::digest::archive::{snowflake_floor, snowflake_ms, Archive, Change};
use cubeguardian::digest::model::{CapturedMessage, Channel, DigestRequest};
use cubeguardian::digest::{render, summary};
use cubeguardian::messages::Language;
use cubeguardian::store::Store;
use cubeguardian::time::Timestamp;

const START_MS: i64 = 1_795_507_200_000;
const DAY_MS: i64 = 86_400_000;
const N: i64 = 100_000;
const CHANNELS: u64 = 20;

/// A day of messages: authors, channels, replies, reactions and links
/// spread deterministically.
fn day() -> Vec<CapturedMessage> {
    (0..N)
        .map(|i| {
            let id = snowflake_floor(START_MS + i * DAY_MS / N) | (i as u64 & 0x3f_ffff);
            let k = i as u64;
            CapturedMessage {
                id,
                channel_id: 10_000 + k * 7 % CHANNELS,
                author_id: 1_000 + k * 13 % 150,
                author_name: format!("membre{}", k * 13 % 150),
                posted_ms: snowflake_ms(id),
                edited: false,
                content: if k.is_multiple_of(10) {
                    format!("voir https://example.org/page/{} pour la réunion", k % 500)
                } else {
                    "salut, on se retrouve ce soir sur le serveur ? 👍".to_owned()
                },
                attachments: Vec::new(),
                reply_to: None,
                reactions: k.is_multiple_of(8) as u32 * (k % 6) as u32,
            }
        })
        .collect()
}

fn channels() -> Vec<Channel> {
    (0..CHANNELS)
        .map(|c| Channel {
            id: 10_000 + c,
            name: format!("salon-{c}"),
            important: c < 2,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let messages = day();
    let channels = channels();
    let zone = jiff::tz::TimeZone::UTC;
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
    let mut group = c.benchmark_group("digest_100k_messages_20_channels");
    group.sample_size(10);
    group.bench_function("summarise_and_render_mail", |b| {
        b.iter(|| render::render_mail(&request, &summary::summarise(&request)))
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::new(Arc::new(Store::open(dir.path()).expect("store")));
    for chunk in messages.chunks(5_000) {
        let changes: Vec<Change> = chunk.iter().cloned().map(Change::Posted).collect();
        archive.apply(&changes).expect("fill the archive");
    }
    group.bench_function("load_window_from_archive", |b| {
        b.iter(|| {
            archive
                .messages_between(
                    Timestamp::from_millis_i64(START_MS),
                    Timestamp::from_millis_i64(START_MS + DAY_MS + 1),
                )
                .expect("read")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
