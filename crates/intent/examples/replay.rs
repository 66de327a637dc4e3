//! Replays the development corpora, and deterministic mutations of their lines, through
//! the recogniser: a reference for changes that must not alter behaviour, and a small
//! driver for profilers.
//!
//! `cargo run --release -p cubeguardian-intent --example replay > before.txt` prints one
//! line per parsed message (channel, intent, confidence bits, addressed, text), so that
//! two builds compare with `cmp`. `... --example replay -- loop N` parses the original
//! and development corpora N times and prints only their rate, for `perf` or
//! `valgrind --tool=cachegrind` (instructions per message = total / (N × messages)).
//!
//! Only the development split is read: the held-out and blind files stay unseen.

use cubeguardian_intent::{corpus_line, Addressee, Channel, Recognizer};

const BOT: Addressee<'static> = Addressee {
    bot_id: 1,
    bot_name: "CubeGuardian",
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

/// The messages of one corpus file with their labelled channel, read as the accuracy test
/// reads them.
fn load(file: &str) -> Vec<(Channel, String)> {
    let data = std::fs::read_to_string(format!("{DIR}{file}")).unwrap_or_default();
    data.lines()
        .filter_map(corpus_line::parse)
        .map(|(channel, _, text)| (channel, text))
        .collect()
}

/// xorshift64*: deterministic, so that every build sees the same mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutated message built from corpus lines: typos, truncations, case and accent
/// changes, concatenations, added mentions and noise.
fn mutate(lines: &[String], rng: &mut Rng) -> String {
    let base = &lines[rng.below(lines.len())];
    let mut chars: Vec<char> = base.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let n = chars.len();
        match rng.below(12) {
            0 => chars.truncate(rng.below(n + 1)),
            1 => chars = chars.iter().flat_map(|c| c.to_uppercase()).collect(),
            2 => {
                let accented: &[(char, char)] = &[
                    ('e', 'é'),
                    ('a', 'à'),
                    ('e', 'è'),
                    ('u', 'ù'),
                    ('i', 'î'),
                    ('c', 'ç'),
                ];
                let (from, to) = accented[rng.below(accented.len())];
                for c in chars.iter_mut().filter(|c| **c == from) {
                    *c = to;
                }
            }
            3 => {
                for c in &mut chars {
                    *c = match *c {
                        'é' | 'è' | 'ê' => 'e',
                        'à' | 'â' => 'a',
                        'ç' => 'c',
                        'î' => 'i',
                        'ô' => 'o',
                        'ù' | 'û' => 'u',
                        c => c,
                    };
                }
            }
            4 if n >= 2 => {
                let i = rng.below(n - 1);
                chars.swap(i, i + 1);
            }
            5 if n > 0 => {
                chars.remove(rng.below(n));
            }
            6 => {
                let i = rng.below(n + 1);
                let c = b"abcdefghijklmnopqrstuvwxyz ,.?!'-"[rng.below(33)] as char;
                chars.insert(i, c);
            }
            7 if n > 0 => {
                let i = rng.below(n);
                let c = chars[i];
                for _ in 0..1 + rng.below(4) {
                    chars.insert(i, c);
                }
            }
            8 => {
                let other = &lines[rng.below(lines.len())];
                let sep = [" ", ". ", ", ", "\n", " et ", " "][rng.below(6)];
                chars.extend(sep.chars().chain(other.chars()));
            }
            9 => {
                let prefix =
                    ["<@1> ", "<@!1> ", "<@2> ", "bot ", "CubeGuardian, ", "hey "][rng.below(6)];
                chars.splice(0..0, prefix.chars());
            }
            10 => {
                let noise = [" 🔥", " stp", " !!!", " ?", " :)", " <@2>", "\u{301}"][rng.below(7)];
                chars.extend(noise.chars());
            }
            _ => {
                let words: Vec<String> = chars
                    .iter()
                    .collect::<String>()
                    .split(' ')
                    .map(str::to_string)
                    .collect();
                let k = rng.below(words.len());
                chars = words
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != k)
                    .map(|(_, w)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .collect();
            }
        }
    }
    chars.into_iter().collect()
}

fn main() {
    let recognizer = Recognizer::new();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("loop") {
        let rounds: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
        let mut lines = load("intents.tsv");
        lines.extend(load("intents-dev.tsv"));
        let mut restarts = 0usize;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            for (channel, text) in &lines {
                let parsed = recognizer.parse(std::hint::black_box(text), *channel, &BOT);
                restarts += usize::from(parsed.intent == cubeguardian_intent::Intent::Restart);
            }
        }
        let elapsed = started.elapsed();
        let messages = rounds * lines.len();
        println!(
            "{messages} messages, {restarts} restarts, {:.0} messages/s",
            messages as f64 / elapsed.as_secs_f64()
        );
        return;
    }
    let mut lines = Vec::new();
    for file in [
        "intents.tsv",
        "intents-dev.tsv",
        "intents-written.tsv",
        "intents-community.tsv",
    ] {
        lines.extend(load(file).into_iter().map(|(_, text)| text));
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mutated: Vec<String> = (0..20_000).map(|_| mutate(&lines, &mut rng)).collect();
    for text in lines.iter().chain(&mutated) {
        for channel in [Channel::Guild, Channel::Dm] {
            let p = recognizer.parse(text, channel, &BOT);
            println!(
                "{channel:?} {:?} {:08x} {} {text:?}",
                p.intent,
                p.confidence.to_bits(),
                p.addressed
            );
        }
    }
}
