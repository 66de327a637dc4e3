//! The typo measures of the lexicon: the edit budget, and bounded edit distances that
//! stop as soon as a word is out of it.

use super::MAX_WORD_BYTES;

/// The edit budget for two words whose shorter one has `len` bytes.
pub(crate) fn edit_budget(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The typo distance between a typed word and a lexicon word, if within budget: same
/// first letter, and the budget of [`edit_budget`] (4-letter words: a swap only).
pub(crate) fn typo_distance(typed: &[u8], known: &[u8]) -> Option<u8> {
    if typed.first() != known.first() {
        return None;
    }
    let shorter = typed.len().min(known.len());
    let budget = edit_budget(shorter);
    if budget == 0 || typed.len().abs_diff(known.len()) > usize::from(budget) {
        return None;
    }
    if shorter == 4 {
        return is_adjacent_swap(typed, known).then_some(1);
    }
    bounded_osa(typed, known, budget)
}

/// Whether one word is the other with one letter of a double typed once or twice
/// ("allumme" / "allume", "redemarer" / "redemarrer"): the commonest typo.
pub(super) fn is_doubling_typo(a: &[u8], b: &[u8]) -> bool {
    let (long, short) = if a.len() == b.len() + 1 {
        (a, b)
    } else if b.len() == a.len() + 1 {
        (b, a)
    } else {
        return false;
    };
    let i = long
        .iter()
        .zip(short)
        .position(|(x, y)| x != y)
        .unwrap_or(short.len());
    long[i + 1..] == short[i..]
        && ((i > 0 && long[i] == long[i - 1]) || (i + 1 < long.len() && long[i] == long[i + 1]))
}

/// Whether `a` becomes `b` by swapping exactly one pair of neighbouring letters.
fn is_adjacent_swap(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return false;
    };
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions,
/// no substring edited twice), or `None` as soon as it must exceed `budget`; both words
/// must be at most [`MAX_WORD_BYTES`] long. The typo scan runs this on every candidate
/// that passes the letter-set filter, so the budgets it uses (up to 2) are answered by
/// direct comparisons, larger ones by the table.
pub(crate) fn bounded_osa(a: &[u8], b: &[u8], budget: u8) -> Option<u8> {
    if a.len() > MAX_WORD_BYTES || b.len() > MAX_WORD_BYTES {
        return None;
    }
    match budget {
        0 => (a == b).then_some(0),
        1 => within_one_edit(a, b),
        2 => within_two_edits(a, b),
        _ => banded_osa(a, b, budget),
    }
}

/// [`bounded_osa`] by its table, for budgets beyond 2 (never those of typo matching,
/// which [`within_two_edits`] answers without one). Out of line: its three rows on the
/// stack made every typo candidate's call pay for them.
///
/// Only the diagonal band of the table is computed: a cell `|i - j|` away from the
/// diagonal costs at least that many edits, so outside the band every cell exceeds
/// `budget`. All cells are capped at `budget + 1` ("too far"), which keeps every value
/// within budget exact and every other one beyond it: the answer is the full table's.
#[inline(never)]
fn banded_osa(a: &[u8], b: &[u8], budget: u8) -> Option<u8> {
    // A common prefix or suffix costs no edit (an edit or swap across its edge only
    // trades equal letters): the table covers what lies between, a few letters of each.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    // No distance between such words exceeds their length: a larger budget changes nothing.
    let budget = budget.min(MAX_WORD_BYTES as u8);
    let far = budget + 1;
    let band = usize::from(budget);
    let width = b.len() + 1;
    let mut prev2 = [far; MAX_WORD_BYTES + 1];
    let mut prev = [far; MAX_WORD_BYTES + 1];
    for (j, cell) in prev.iter_mut().enumerate().take(width) {
        *cell = (j as u8).min(far);
    }
    for i in 1..=a.len() {
        let mut cur = [far; MAX_WORD_BYTES + 1];
        cur[0] = (i as u8).min(far);
        let mut row_min = cur[0];
        for j in i.saturating_sub(band).max(1)..=(i + band).min(width - 1) {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            let d = d.min(far);
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > budget {
            return None;
        }
        prev2 = prev;
        prev = cur;
    }
    let d = prev[width - 1];
    (d <= budget).then_some(d)
}

/// [`bounded_osa`] with a budget of 2 (every typo candidate of 8 letters or more) without
/// a table: past the common prefix (which costs nothing, as in the table), the first
/// letters differ, so the first edit is there — a substitution, a deletion, an insertion
/// or a swap — and what it leaves must be within one edit. These are the table's own
/// recurrences read from the front, so the answer is the table's.
fn within_two_edits(a: &[u8], b: &[u8]) -> Option<u8> {
    if let Some(d) = within_one_edit(a, b) {
        return Some(d);
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[p..], &b[p..]);
    let one = |x: &[u8], y: &[u8]| within_one_edit(x, y).is_some();
    let (Some(((&a0, a1), a_rest)), Some(((&b0, b1), b_rest))) = (
        a.split_first().map(|(f, r)| ((f, r.first()), r)),
        b.split_first().map(|(f, r)| ((f, r.first()), r)),
    ) else {
        // One word is a prefix of the other: only the other's extra letters are left.
        return (a.len().max(b.len()) == 2).then_some(2);
    };
    let two = one(a_rest, b_rest)
        || one(a_rest, b)
        || one(a, b_rest)
        || (a1 == Some(&b0) && b1 == Some(&a0) && one(&a_rest[1..], &b_rest[1..]));
    two.then_some(2)
}

/// [`bounded_osa`] with a budget of 1 (every 5- to 7-letter typo candidate) in one pass
/// instead of a table: past the common prefix, what is left of both words must be the
/// same but for one substituted, inserted or deleted letter, or one swapped pair.
fn within_one_edit(a: &[u8], b: &[u8]) -> Option<u8> {
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len() {
        if p == a.len() {
            return Some(0);
        }
        let substituted = same_bytes(&a[p + 1..], &b[p + 1..]);
        let swapped = p + 1 < a.len()
            && a[p] == b[p + 1]
            && a[p + 1] == b[p]
            && same_bytes(&a[p + 2..], &b[p + 2..]);
        (substituted || swapped).then_some(1)
    } else if a.len() == b.len() + 1 {
        same_bytes(&a[p + 1..], &b[p..]).then_some(1)
    } else if b.len() == a.len() + 1 {
        same_bytes(&b[p + 1..], &a[p..]).then_some(1)
    } else {
        None
    }
}

/// `a == b` for words of a few letters, without the general comparison's call to the C
/// library (most of an exact look-up's cost when it found its word, and of the typo
/// checks' comparisons of what follows an edit).
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}
