//! Scores the recogniser as built on one labelled file: right answers per class and false
//! restarts, and with `SHOW_MISSES=1` every miss.
//!
//! `cargo run --release -p cubeguardian-intent --example score -- <file.tsv>` is how a new
//! writer's lines are scored before they are tuned on (the first, honest figure of a new
//! file), and how a build scores them once they are left out of its training. It takes
//! any path: point it at the blind or held-out split only in the rare, counted scorings
//! that `tests/data/README.md` records, since `SHOW_MISSES` would print their lines.

use cubeguardian_intent::{corpus_line, Addressee, Intent, Recognizer};

const BOT: Addressee<'static> = Addressee {
    bot_id: 1,
    bot_name: "CubeGuardian",
};

fn main() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: score <labelled file.tsv>")?;
    let data = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let show = std::env::var_os("SHOW_MISSES").is_some();
    let recognizer = Recognizer::new();
    let mut right = [0usize; 5];
    let mut total = [0usize; 5];
    let mut false_restarts = 0;
    let mut section = String::new();
    for (n, line) in data.lines().enumerate() {
        if let Some(name) = line.strip_prefix("# @section ") {
            section = name.trim().to_owned();
        }
        let Some((channel, expected, text)) = corpus_line::parse(line) else {
            continue;
        };
        let Some(class) = corpus_line::intent(expected) else {
            return Err(format!("{path}:{}: unknown label {expected:?}", n + 1));
        };
        let k = Intent::ALL.iter().position(|c| *c == class).unwrap_or(4);
        let got = recognizer.parse(&text, channel, &BOT);
        total[k] += 1;
        if got.intent == class {
            right[k] += 1;
        } else {
            if got.intent == Intent::Restart {
                false_restarts += 1;
            }
            if show {
                println!(
                    "  miss [{section}] {class:?} -> {:?} ({:.2}): {text:?}",
                    got.intent, got.confidence
                );
            }
        }
    }
    let ok: usize = right.iter().sum();
    let all: usize = total.iter().sum();
    println!(
        "{path}: {ok}/{all} = {:.1} %, {false_restarts} false restarts; right per class \
         (restart, wake, status, help, none) {right:?} of {total:?}",
        100.0 * ok as f64 / all.max(1) as f64
    );
    Ok(())
}
