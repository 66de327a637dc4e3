//! Tests of [`super`]: exact and typo-tolerant look-ups and their fences.

use super::*;
use Act::{Restart, Wake};
use Form::{Base, Future, Infinitive, Past};
use Lex::*;

fn lex() -> Lexicon {
    Lexicon::new()
}

fn class(l: &Lexicon, w: &str) -> Option<Lex> {
    l.lookup(w.as_bytes()).map(|h| h.lex)
}

#[test]
fn osa_distance() {
    assert_eq!(bounded_osa(b"restat", b"restart", 2), Some(1));
    assert_eq!(bounded_osa(b"relenser", b"relancer", 2), Some(2));
    assert_eq!(bounded_osa(b"hepl", b"help", 1), Some(1));
    assert_eq!(bounded_osa(b"rester", b"restart", 1), None);
    assert_eq!(bounded_osa(b"abc", b"abc", 0), Some(0));
    assert_eq!(bounded_osa(b"", b"ab", 2), Some(2));
}

/// The banded computation answers exactly as the whole table would, on every pair of
/// words up to 6 letters over a 3-letter alphabet (where edits and swaps are dense).
#[test]
fn banded_osa_matches_the_full_table() {
    fn full(a: &[u8], b: &[u8]) -> u8 {
        let mut d = vec![vec![0u8; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i as u8;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j as u8;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = u8::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[a.len()][b.len()]
    }
    let mut words: Vec<Vec<u8>> = vec![Vec::new()];
    let mut last = vec![Vec::new()];
    for _ in 0..6 {
        last = last
            .iter()
            .flat_map(|w: &Vec<u8>| b"abc".map(|c| [w.as_slice(), &[c]].concat()))
            .collect();
        words.extend(last.iter().cloned());
    }
    for a in words.iter().step_by(3) {
        for b in &words {
            let d = full(a, b);
            for budget in 0..4 {
                assert_eq!(
                    bounded_osa(a, b, budget),
                    (d <= budget).then_some(d),
                    "{a:?} {b:?} {budget}"
                );
            }
        }
    }
    assert_eq!(bounded_osa(b"abc", b"abd", u8::MAX), Some(1));
}

#[test]
fn budget_grows_with_length() {
    assert_eq!(typo_distance(b"rebout", b"reboot"), Some(1));
    assert_eq!(typo_distance(b"redemarer", b"redemarrer"), Some(1));
    assert_eq!(typo_distance(b"relenser", b"relancer"), Some(2));
    assert_eq!(typo_distance(b"aid", b"aide"), None);
    assert_eq!(typo_distance(b"hlep", b"help"), Some(1));
    assert_eq!(
        typo_distance(b"helo", b"help"),
        None,
        "4 letters: swaps only"
    );
    assert_eq!(typo_distance(b"estart", b"restart"), None, "first letter");
}

#[test]
fn exact_words_and_inflections() {
    let l = lex();
    assert_eq!(class(&l, "redemarre"), Some(Action(Restart, Base)));
    assert_eq!(class(&l, "redemarrer"), Some(Action(Restart, Infinitive)));
    assert_eq!(class(&l, "relancera"), Some(Action(Restart, Future)));
    assert_eq!(class(&l, "restarted"), Some(Action(Restart, Past)));
    assert_eq!(class(&l, "demarre"), Some(Action(Wake, Base)));
    assert_eq!(class(&l, "start"), Some(Action(Wake, Base)));
    assert_eq!(class(&l, "pas"), Some(Negation));
    assert_eq!(class(&l, "dont"), Some(Negation));
    assert_eq!(class(&l, "20h"), Some(Time));
    assert_eq!(class(&l, "3"), Some(Number));
}

#[test]
fn typos_of_command_words() {
    let l = lex();
    for w in [
        "restat",
        "rebout",
        "relenser",
        "redemarer",
        "redemarree",
        "rstart",
    ] {
        let hit = l.lookup(w.as_bytes());
        assert!(
            matches!(
                hit,
                Some(Hit {
                    lex: Action(..),
                    ..
                })
            ),
            "{w}: {hit:?}"
        );
    }
    assert_eq!(class(&l, "restat"), Some(Action(Restart, Base)));
    assert!(matches!(class(&l, "demarer"), Some(Action(Wake, _))));
}

#[test]
fn ordinary_words_are_not_bent_into_commands() {
    let l = lex();
    for w in [
        "rester", "restant", "demander", "relacher", "allure", "lunch", "smart",
    ] {
        let hit = l.lookup(w.as_bytes()).map(|h| h.lex);
        assert!(!matches!(hit, Some(Action(..))), "{w}: {hit:?}");
    }
    // Short words are never matched approximately.
    assert_eq!(class(&l, "bot"), Some(Bot));
    assert_eq!(class(&l, "boat"), None);
}

#[test]
fn doubled_letters_are_the_likeliest_typo() {
    assert!(is_doubling_typo(b"allumme", b"allume"));
    assert!(is_doubling_typo(b"redemarrer", b"redemarer"));
    assert!(!is_doubling_typo(b"allumme", b"allumee"));
    assert_eq!(class(&lex(), "allumme"), Some(Action(Wake, Base)));
}

#[test]
fn ties_go_to_the_less_harmful_meaning() {
    let l = lex();
    // One edit from both "redemarrer" (restart) and "demarrer" (wake).
    assert_eq!(typo_distance(b"rdemarrer", b"redemarrer"), Some(1));
    assert_eq!(
        typo_distance(b"rdemarrer", b"demarrer"),
        None,
        "first letter"
    );
    // "restartd" is one edit from "restarted" (past) and "restarter" (order).
    assert_eq!(class(&l, "restartd"), Some(Action(Restart, Past)));
}

#[test]
fn words_are_unique_and_sorted() {
    let l = lex();
    let words: Vec<&[u8]> = l.words().map(|(w, _)| w).collect();
    assert!(words.windows(2).all(|p| p[0] < p[1]));
    assert!(words.len() > 500);
}

/// The letter-set filter in front of the typo scan must never reject a word within
/// budget: every one-, two- and swap-edit variant of every typo-matchable word, checked
/// against the distance itself.
#[test]
fn letter_set_filter_never_rejects_a_match() {
    let l = lex();
    let mut checked = 0;
    for (known, lex) in l.words() {
        if !lex.fuzzy() || known.len() < 4 || known.len() > 12 {
            continue;
        }
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for i in 1..known.len() {
            let mut deleted = known.to_vec();
            deleted.remove(i);
            variants.push(deleted.clone());
            if i + 1 < deleted.len() {
                let mut twice = deleted.clone();
                twice.remove(i);
                variants.push(twice);
                let mut swapped = deleted.clone();
                swapped.swap(i, i + 1);
                variants.push(swapped);
            }
            let mut swapped = known.to_vec();
            swapped.swap(i - 1, i);
            variants.push(swapped);
            for c in [b'x', b'e', b'\''] {
                let mut changed = known.to_vec();
                changed[i] = c;
                variants.push(changed.clone());
                changed.insert(i, c);
                variants.push(changed.clone());
                changed.insert(i, c);
                variants.push(changed);
                let mut inserted = known.to_vec();
                inserted.insert(i, c);
                variants.push(inserted.clone());
                inserted.insert(1, b'z');
                variants.push(inserted);
            }
        }
        for typed in &variants {
            if typo_distance(typed, known).is_none() {
                continue;
            }
            let budget = edit_budget(typed.len().min(known.len()));
            let (lost, gained) = letter_budgets(typed.len(), known.len(), budget);
            let (a, b) = (letter_set(typed), letter_set(known));
            assert!(
                (a & !b).count_ones() <= u32::from(lost)
                    && (b & !a).count_ones() <= u32::from(gained),
                "{:?} vs {:?}",
                String::from_utf8_lossy(typed),
                String::from_utf8_lossy(known)
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn bit_budget_counts_as_a_population_count_does() {
    for set in [0u32, 1, 2, 3, 0x8000_0000, 0x8000_0001, 0b1011, u32::MAX] {
        for n in 0..4 {
            assert_eq!(
                at_most_bits(set, n),
                set.count_ones() <= u32::from(n),
                "{set:#x} {n}"
            );
        }
    }
}

#[test]
fn the_bot_words_are_those_classed_bot() {
    let l = lex();
    for (w, _) in l.words() {
        assert_eq!(l.is_bot_word(w), l.exact(w) == Some(Bot), "{w:?}");
    }
    assert!(l.is_bot_word(b"bot"));
    assert!(!l.is_bot_word(b"bots"));
}

/// Every word fits a [`WordKey`] (a longer one would be found by no exact look-up), and a
/// key read in place ignores what follows the word.
#[test]
fn every_word_has_a_key() {
    let l = Lexicon::new();
    for (w, lex) in l.words() {
        let key = WordKey::of(w);
        assert!(key.is_some(), "{w:?}");
        let mut window = [b'x'; 16];
        window[..w.len()].copy_from_slice(w);
        assert_eq!(WordKey::of_window(&window, w.len()), key, "{w:?}");
        assert_eq!(l.exact(w), Some(lex), "{w:?}");
    }
    assert_eq!(WordKey::of(b"abcdefghijklmnop"), None);
    assert_ne!(WordKey::of(b"ab"), WordKey::of(b"abc"));
    assert_eq!(l.exact(b"bots"), None);
}
