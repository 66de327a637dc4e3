//! The typo guard checked against real dictionaries (ignored by default: it needs Debian's word lists).

use super::*;
use crate::normalize::Normalized;

const DICTIONARIES: &[&str] = &["/usr/share/dict/french", "/usr/share/dict/american-english"];

/// Rare dictionary words that are also typos the spec wants recognised.
const TOLERATED: &[&str] = &["restat", "rebout"];

#[test]
#[ignore = "needs /usr/share/dict/{french,american-english} (Debian wfrench, wamerican)"]
fn dictionary_words_never_become_commands() {
    let lexicon = Lexicon::new();
    let mut bent: Vec<String> = Vec::new();
    let mut restarts: Vec<String> = Vec::new();
    for path in DICTIONARIES {
        let words = std::fs::read_to_string(path).unwrap();
        for word in words.lines() {
            if !word.chars().next().is_some_and(char::is_lowercase)
                || !word.chars().all(char::is_alphabetic)
            {
                continue;
            }
            let norm = Normalized::new(word);
            let folded = String::from_utf8_lossy(norm.as_bytes()).into_owned();
            let Some(hit) = lexicon.lookup(folded.as_bytes()) else {
                continue;
            };
            if hit.distance == 0 {
                continue;
            }
            // Tab-separated for the frequency filter described in `known_words`.
            bent.push(format!("{folded}\t{word}\t{path}\t{:?}", hit.lex));
            let orders_restart = matches!(
                hit.lex,
                Lex::Action(Act::Restart, Form::Base | Form::Infinitive | Form::Noun)
            );
            if orders_restart && !TOLERATED.contains(&folded.as_str()) {
                restarts.push(format!("{folded} ({word}) -> {:?}", hit.lex));
            }
        }
    }
    bent.sort();
    bent.dedup();
    for b in &bent {
        println!("BENT {b}");
    }
    restarts.sort();
    restarts.dedup();
    assert!(
        restarts.is_empty(),
        "{} dictionary words read as restart orders:\n{}",
        restarts.len(),
        restarts.join("\n")
    );
}
