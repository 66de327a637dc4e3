//! Stage 3 of the pipeline: what each word is.
//!
//! Owns the vocabulary (French and English command verbs with their inflections, objects,
//! negations, auxiliaries, pronouns, modals, greetings…) and the matching of a typed word
//! against it: an exact look-up first, then a bounded Damerau-Levenshtein match for typos.
//!
//! Typo tolerance is where false commands come from, so it is fenced in four ways:
//! - only content words are matched approximately (never "ne", "pas", "tu"…);
//! - the budget grows with length: words of 3 letters or fewer must be exact, 4-letter
//!   words only forgive a swap of two neighbours ("hlep"), 5 to 7 letters one edit
//!   ("restat", "rebout"), 8 and more two edits ("relenser");
//! - the first letter must be right (typos almost never hit it, and it keeps "start" from
//!   ever being close to "restart");
//! - a word that *is* an ordinary French or English word ("rester", "demander", "lunch")
//!   is matched exactly and never bent into a command: see [`crate::known_words`].
//!
//! When two meanings are equally close, the less harmful one wins (waking beats
//! restarting, a past or future form beats an order).
//!
//! The lexicon is built once by [`Lexicon::new`]; look-ups never allocate.

use crate::known_words::KNOWN_WORDS;

/// Longest word considered for matching; longer tokens are never command words.
pub(crate) const MAX_WORD_BYTES: usize = 32;

/// The two actions the bot can take on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    /// Restart Minecraft (redémarrer, relancer, restart, reboot).
    Restart,
    /// Power the machine on (démarrer, allumer, lancer, start, wake, boot).
    Wake,
}

/// The grammatical form of a verb, as far as orders are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// Imperative, present, bare English verb, conditional: can be an order.
    Base,
    /// French infinitive ("redémarrer"): an order on its own or after a modal.
    Infinitive,
    /// A noun ("redémarrage", "un reboot"): an order when asked for.
    Noun,
    /// Past participle or past tense ("redémarré", "restarted"): a report.
    Past,
    /// Gerund ("restarting", "redémarrant"): a description.
    Gerund,
    /// Future ("redémarrera"): not now.
    Future,
    /// English third person ("restarts"): a statement about someone else.
    Third,
}

/// Grammatical person of a subject, or the person a modal implies without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Person {
    /// je, i, nous, we: the speaker does it.
    First,
    /// tu, vous, you: the bot is asked.
    Second,
    /// il, quelqu'un, someone: somebody else.
    Third,
    /// il faut: it has to be done.
    Impersonal,
}

/// Modal verbs and expressions that frame an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modal {
    /// peux, pourrais, can, could.
    Ability,
    /// sais, know.
    Know,
    /// veux, voudrais, aimerais, want.
    Desire,
    /// besoin, envie, need: like desire, and "j'ai besoin" is no past tense.
    Need,
    /// faut, dois, devrais, should, must.
    Obligation,
    /// vais, vas, will, gonna: later, or the speaker's own plan.
    Future,
    /// demande, ask.
    Ask,
}

/// Things a verb can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    /// The Minecraft server or its machine.
    Server,
    /// it, ça: probably the server.
    Pronoun,
    /// Something else: a PC, Discord, a game round.
    Foreign,
    /// The bot itself ("redémarre-toi").
    SelfRef,
}

/// The class of a known word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lex {
    Action(Act, Form),
    /// turn, switch, power: wake when followed by "on"/"up".
    Phrasal(Form),
    /// "re": prefix of a wake verb ("re-démarre", "re start"), else a greeting.
    Re,
    Help(Form),
    /// status, statut, état, stats.
    StatusNoun,
    /// up, down, online, éteint, dispo, en ligne.
    State,
    /// marche, fonctionne, tourne, works, running: a state, or with "how" a help request.
    Work,
    /// utiliser, use, sers: with "how"/"what" a help request.
    Use,
    /// monde, joueurs, players, connectés: who is on the server.
    Presence,
    Object(Obj),
    /// ne, pas, jamais, no, not, don't.
    Negation,
    /// plus: a negation ("ne redémarre plus", "plus besoin") or a comparative ("plus
    /// vite"), told apart by its neighbours.
    NegAfter,
    /// arrête, stop, annule, cancel, évite: stops whatever follows.
    Blocker,
    /// souci, problème, worries, urgent, rush: "pas de souci", "pas urgent" negate nothing.
    NoProblem,
    /// ai, ont, avez, did, was, been: past tense.
    PastAux,
    /// have, has, had: past, or obligation before "to".
    HaveAux,
    /// as: past after "tu"/"t'".
    AuxAs,
    /// a: "has" (past) or "à" (to).
    AuxA,
    /// hier, déjà, yesterday, already, ago.
    PastTime,
    /// pu, voulu, fallu.
    PastModal,
    /// est, es, sont, c', is, are, 's.
    Copula,
    Subject(Person),
    /// on: "we", "is on", "turn on".
    On,
    /// up: a state, or a particle ("wake up").
    Up,
    /// A modal with the person it implies when no subject is written.
    Modal(Modal, Person),
    /// faire, fais, do, does.
    Do,
    /// comment, how.
    Manner,
    /// quoi, what, quel.
    What,
    /// que, qu'.
    Que,
    /// qui, who.
    Qui,
    /// combien, many.
    HowMany,
    /// y (il y a), there.
    Existential,
    /// train (en train de).
    Train,
    Determiner,
    Preposition,
    /// pour, afin: purpose ("pour redémarrer il faut…").
    Purpose,
    /// dans, in: before a number, a delay.
    In,
    /// to.
    To,
    /// mais, but, et, and, puis: a new coordinated clause (negation does not carry over).
    Conj,
    /// crois, pense, think: an opinion about an action, not a request for it.
    Opinion,
    /// quand, si, when, if: a subordinate clause sets a condition, it orders nothing.
    Subord,
    /// pourquoi, why: asks for a reason, orders nothing.
    Why,
    /// souvent, toujours, often, usually: a habit, not a request.
    Habit,
    /// "ou pas", "or not" (folded from two words): weighs an action, does not order it.
    Alternative,
    /// possible, moyen, gentil, mind: frames a polite request ("y a moyen de…").
    RequestFrame,
    /// petit, quick, nouveau: an adjective that may precede an action noun.
    Adjective,
    /// bien, juste, vraiment, just, really: an adverb that changes nothing here.
    Adverb,
    /// te, me, lui, se: an object pronoun before the verb ("tu peux me relancer…").
    Clitic,
    Greeting,
    Polite,
    Thanks,
    /// let ('s).
    Let,
    /// "bot".
    Bot,
    /// demain, tonight, later, tard.
    Deferral,
    /// soir, nuit: a deferral after "ce"/"cette"/"demain".
    Evening,
    /// A number.
    Number,
    /// A clock time or duration: 20h, 8pm, 5min.
    Time,
    /// An ordinary word with no role here; listed so typo matching never bends it.
    Known,
}

impl Lex {
    /// Whether typos of this word are recognised.
    fn fuzzy(self) -> bool {
        matches!(
            self,
            Lex::Action(..)
                | Lex::Help(_)
                | Lex::StatusNoun
                | Lex::State
                | Lex::Work
                | Lex::Presence
                | Lex::Object(Obj::Server)
                | Lex::Negation
                | Lex::Blocker
                | Lex::Modal(..)
                | Lex::Greeting
                | Lex::Polite
                | Lex::Deferral
        )
    }

    /// How harmful a wrong guess of this meaning is: ties in typo matching go to the
    /// lowest.
    fn risk(self) -> u8 {
        let orderable = |f: Form| matches!(f, Form::Base | Form::Infinitive | Form::Noun);
        match self {
            Lex::Action(Act::Restart, f) => 4 + u8::from(orderable(f)),
            Lex::Action(Act::Wake, f) => 2 + u8::from(orderable(f)),
            Lex::Help(_) | Lex::StatusNoun | Lex::State | Lex::Work | Lex::Presence => 1,
            _ => 0,
        }
    }
}

/// A word recognised in a message: its class and how many edits it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) lex: Lex,
    pub(crate) distance: u8,
    /// The entry an exact match is (see [`Lexicon::words`]), or [`NO_ENTRY`]: the learned
    /// stage sums a known word's own features in advance, once per entry.
    pub(crate) entry: u16,
    /// The learned stage's number for `lex` ([`lex_code`]), worked out once per entry
    /// when the vocabulary is built: computed per word, its `match` was a jump table
    /// whose target changes from word to word (about four mispredicted indirect
    /// branches a message).
    pub(crate) code: u8,
}

/// [`Hit::entry`] of a typo match or a number: no entry is the word as typed.
pub(crate) const NO_ENTRY: u16 = u16::MAX;

struct Entry {
    word: Box<[u8]>,
    lex: Lex,
    /// [`Hit::code`].
    code: u8,
}

/// The prepared vocabulary. Cheap to share: look-ups take `&self`.
pub(crate) struct Lexicon {
    /// Sorted by word, one entry per word.
    entries: Vec<Entry>,
    /// Open-addressing hash index over `entries` (entry index + 1; 0 is empty), by
    /// [`WordKey`]: an exact look-up costs one multiplication and usually one comparison
    /// of two integers, where a binary search over a few thousand words cost a dozen
    /// comparisons, and hashing the word byte by byte, then comparing it byte by byte,
    /// cost a hundred instructions a word (the commonest path, once per word).
    index: Box<[u16]>,
    /// Every entry's [`WordKey`], in the order of `entries`: what a probe compares, side
    /// by side in 48 KiB rather than behind each entry's pointer.
    keys: Box<[WordKey]>,
    /// For each ASCII letter and word length, the typo-matchable entries (indices
    /// ascending) with their [`letter_set`]: a typo look-up only visits lengths its budget
    /// can reach, and reads 4 bytes a candidate beside its index (not elsewhere in memory)
    /// to run the edit distance only on the few that can be within budget.
    fuzzy_by_first: Vec<Vec<(u16, u32)>>,
    /// The entries of class [`Lex::Bot`] ("bot"): whether a public message may call the
    /// bot is asked of each of its words, and one comparison answers it for most words
    /// where the exact index hashed each of them.
    bot_words: Vec<u16>,
    /// The lengths of the `bot_words`, a bit each (lengths from 63 on share the last):
    /// nearly every word is told apart by its length alone.
    bot_word_lengths: u64,
}

/// The set of letters of a word, as bits (`a`..`z`; any other byte shares six more bits
/// by its value). One edit adds at most one letter to the set and removes at most one, so
/// two words within `d` edits differ by at most `d` bits each way (fewer, when their
/// lengths differ or a swap is all that is allowed: see `typo_match`): a necessary condition
/// that rejects most typo candidates for the price of two popcounts, with exactly the
/// same results as running the edit distance on every one.
fn letter_set(word: &[u8]) -> u32 {
    word.iter().fold(0, |set, &b| {
        set | match b {
            b'a'..=b'z' => 1 << (b - b'a'),
            _ => 1 << (26 + b % 6),
        }
    })
}

/// For a typed word of `typed` bytes and a candidate of `known` within `budget` edits, how
/// many letters of the typed word the candidate may lack ([`letter_set`] bits), and how
/// many of its own the typed word may lack. Each edit costs one bit at most each way, but
/// a length difference is made of insertions (or deletions), which take nothing out (or
/// bring nothing in), so it leaves fewer edits for the other way; and 4-letter words
/// only forgive a swap, which keeps the letters.
fn letter_budgets(typed: usize, known: usize, budget: u8) -> (u8, u8) {
    if typed.min(known) == 4 {
        return (0, 0);
    }
    let longer = known.saturating_sub(typed).min(usize::from(budget)) as u8;
    let shorter = typed.saturating_sub(known).min(usize::from(budget)) as u8;
    (budget - longer, budget - shorter)
}

/// Whether `set` has at most `n` bits set: `count_ones() <= n` for the small budgets of
/// typo matching, without a population count (the portable x86-64 build has no
/// instruction for it and counts in a dozen, twice per typo candidate).
fn at_most_bits(set: u32, n: u8) -> bool {
    // Each step clears the lowest bit set. The budgets of typo matching (at most 2) are
    // spelled out: a loop of `n` steps cost a branch a step, per candidate.
    let one = set & set.wrapping_sub(1);
    let two = one & one.wrapping_sub(1);
    match n {
        0 => set == 0,
        1 => one == 0,
        2 => two == 0,
        _ => {
            let mut rest = two;
            for _ in 2..n {
                rest &= rest.wrapping_sub(1);
            }
            rest == 0
        }
    }
}

/// The bit of a word length in `Lexicon::bot_word_lengths`.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// Slot of `(letter, length)` in `Lexicon::fuzzy_by_first`.
fn fuzzy_slot(first: u8, len: usize) -> usize {
    usize::from(first - b'a') * (MAX_WORD_BYTES + 1) + len
}

impl Lexicon {
    /// Builds the vocabulary: fixed word lists plus generated verb inflections.
    pub(crate) fn new() -> Self {
        let mut raw: Vec<(String, Lex)> = Vec::with_capacity(2048);
        let mut add = |w: &str, lex: Lex| raw.push((w.to_string(), lex));
        for &(w, lex) in WORDS {
            add(w, lex);
        }
        for &(stem, act) in FRENCH_ER_VERBS {
            for &(suffix, form) in FRENCH_ER_ENDINGS {
                add(&format!("{stem}{suffix}"), Lex::Action(act, form));
            }
        }
        for &(base, third, past, gerund, act) in ENGLISH_VERBS {
            add(base, Lex::Action(act, Form::Base));
            add(third, Lex::Action(act, Form::Third));
            add(past, Lex::Action(act, Form::Past));
            add(gerund, Lex::Action(act, Form::Gerund));
        }
        for &(w, act, form) in OTHER_VERB_FORMS {
            add(w, Lex::Action(act, form));
        }
        for &w in KNOWN_WORDS {
            add(w, Lex::Known);
        }
        // First listed wins: stable sort, then keep the first of each word.
        raw.sort_by(|a, b| a.0.cmp(&b.0));
        raw.dedup_by(|later, first| later.0 == first.0);
        let entries: Vec<Entry> = raw
            .into_iter()
            .map(|(w, lex)| Entry {
                word: w.into_bytes().into_boxed_slice(),
                lex,
                code: lex_code(Some(lex)),
            })
            .collect();
        let mut fuzzy_by_first: Vec<Vec<(u16, u32)>> = vec![Vec::new(); 26 * (MAX_WORD_BYTES + 1)];
        for (i, e) in entries.iter().enumerate() {
            let exact_only = EXACT_ONLY.contains(&e.word.as_ref());
            if e.lex.fuzzy()
                && !exact_only
                && (4..=MAX_WORD_BYTES).contains(&e.word.len())
                && e.word[0].is_ascii_lowercase()
            {
                fuzzy_by_first[fuzzy_slot(e.word[0], e.word.len())]
                    .push((i as u16, letter_set(&e.word)));
            }
        }
        // Every word has a key (a test checks that every word is short enough): one
        // without would be found by no exact look-up.
        let keys: Box<[WordKey]> = entries
            .iter()
            .map(|e| WordKey::of(&e.word).unwrap_or(WordKey([0; 2])))
            .collect();
        let size = (entries.len() * 2).next_power_of_two();
        let mut index = vec![0u16; size].into_boxed_slice();
        for (i, key) in keys.iter().enumerate() {
            let mut k = key.slot(size - 1);
            while index[k] != 0 {
                k = (k + 1) & (size - 1);
            }
            index[k] = i as u16 + 1;
        }
        let bot_words: Vec<u16> = (0..entries.len())
            .filter(|&i| entries[i].lex == Lex::Bot)
            .map(|i| i as u16)
            .collect();
        let bot_word_lengths = bot_words.iter().fold(0, |set, &i| {
            set | length_bit(entries[usize::from(i)].word.len())
        });
        Lexicon {
            entries,
            index,
            keys,
            fuzzy_by_first,
            bot_words,
            bot_word_lengths,
        }
    }

    /// Exact look-up.
    #[cfg(test)]
    pub(crate) fn exact(&self, word: &[u8]) -> Option<Lex> {
        self.exact_entry(WordKey::of(word)?)
            .map(|i| self.entries[usize::from(i)].lex)
    }

    /// Exact look-up: the entry's index.
    #[inline]
    fn exact_entry(&self, key: WordKey) -> Option<u16> {
        let mask = self.index.len() - 1;
        let mut k = key.slot(mask);
        loop {
            let slot = *self.index.get(k)?;
            let i = slot.checked_sub(1)?;
            if self.keys.get(usize::from(i)) == Some(&key) {
                return Some(i);
            }
            k = (k + 1) & mask;
        }
    }

    /// Whether [`Lexicon::exact`] classes `word` as [`Lex::Bot`].
    pub(crate) fn is_bot_word(&self, word: &[u8]) -> bool {
        self.bot_word_lengths & length_bit(word.len()) != 0
            && self
                .bot_words
                .iter()
                .any(|&i| *self.entries[usize::from(i)].word == *word)
    }

    /// Classifies a word: exact match, else the closest typo-tolerant match within budget.
    #[inline]
    pub(crate) fn lookup(&self, word: &[u8]) -> Option<Hit> {
        self.lookup_in(word, None)
    }

    /// [`Lexicon::lookup`] of a word that is the first bytes of `window` if given (read in
    /// place with [`WordKey::of_window`] rather than byte by byte). Inlined: for most words
    /// an exact match is all of it, a few dozen instructions, and the typo matching its
    /// call keeps out of line spilled a dozen registers around it.
    #[inline(always)]
    pub(crate) fn lookup_in(&self, word: &[u8], window: Option<&[u8; 16]>) -> Option<Hit> {
        if word.is_empty() || word.len() > MAX_WORD_BYTES {
            return None;
        }
        if word[0].is_ascii_digit() {
            return Some(number_hit(word));
        }
        let key = match window {
            Some(window) => WordKey::of_window(window, word.len()),
            None => WordKey::of(word),
        };
        debug_assert_eq!(key, WordKey::of(word));
        if let Some(i) = key.and_then(|key| self.exact_entry(key)) {
            let entry = &self.entries[usize::from(i)];
            return Some(Hit {
                lex: entry.lex,
                distance: 0,
                entry: i,
                code: entry.code,
            });
        }
        self.typo_match(word)
    }

    /// The closest typo-tolerant match of a word that has no exact one.
    #[inline(never)]
    fn typo_match(&self, word: &[u8]) -> Option<Hit> {
        if word.len() < 4 || !word[0].is_ascii_lowercase() {
            return None;
        }

        let mut best: Option<((u8, bool, u8, u16), Hit)> = None;
        // The budget is at most 2 edits: only lengths within 2 can match.
        let lengths = word.len().saturating_sub(2).max(4)..=(word.len() + 2).min(MAX_WORD_BYTES);
        let typed = letter_set(word);
        for len in lengths {
            // The shorter word sets the budget (see `typo_distance`).
            let budget = edit_budget(len.min(word.len()));
            // (A 4-letter word only forgives a swap, which keeps the length: `typo_distance`
            // refuses every candidate of another length.)
            if len.abs_diff(word.len()) > usize::from(budget)
                || (len.min(word.len()) == 4 && len != word.len())
            {
                continue;
            }
            let (lost, gained) = letter_budgets(word.len(), len, budget);
            for &(i, known) in &self.fuzzy_by_first[fuzzy_slot(word[0], len)] {
                if !at_most_bits(typed & !known, lost) || !at_most_bits(known & !typed, gained) {
                    continue;
                }
                let entry = &self.entries[usize::from(i)];
                let Some(d) = typo_distance(word, &entry.word) else {
                    continue;
                };
                // Rank: fewer edits, then a doubled or dropped double letter ("allumme") over
                // other edits, then the less harmful meaning, then the first in the list.
                let rank = (d, !is_doubling_typo(word, &entry.word), entry.lex.risk(), i);
                if best.is_none_or(|(r, _)| rank < r) {
                    best = Some((
                        rank,
                        Hit {
                            lex: entry.lex,
                            distance: d,
                            entry: NO_ENTRY,
                            code: entry.code,
                        },
                    ));
                }
            }
        }
        best.map(|(_, hit)| hit)
    }

    /// Every word with its class, in the order of [`Hit::entry`].
    pub(crate) fn words(&self) -> impl Iterator<Item = (&[u8], Lex)> {
        self.entries.iter().map(|e| (e.word.as_ref(), e.lex))
    }
}

/// The hit of a digit-led word (see [`number_class`]). Out of line: few words are numbers.
#[inline(never)]
fn number_hit(word: &[u8]) -> Hit {
    let lex = number_class(word);
    Hit {
        lex,
        distance: 0,
        entry: NO_ENTRY,
        code: lex_code(Some(lex)),
    }
}

/// Whether `w` names the addressee's time or readiness ("si t'as deux minutes", "when you
/// get a chance", "quand t'es prêt"): a condition on their convenience, a polite one, for
/// the grammar (`rules`) and the sentence readings (`clause`) alike.
pub(crate) fn convenience(w: &[u8]) -> bool {
    matches!(
        w,
        b"min"
            | b"mins"
            | b"minute"
            | b"minutes"
            | b"moment"
            | b"sec"
            | b"secs"
            | b"seconde"
            | b"secondes"
            | b"chance"
            | b"temps"
            | b"instant"
            | b"time"
            | b"ready"
            | b"pret"
            | b"dispo"
    )
}

/// "20h", "8pm", "5min" are times; other digit-led words are numbers.
fn number_class(word: &[u8]) -> Lex {
    let digits = word.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &word[digits..];
    let is_time = matches!(
        unit,
        b"h" | b"pm" | b"am" | b"min" | b"mn" | b"m" | b"s" | b"sec" | b"minutes" | b"heures"
    ) || (unit.first() == Some(&b'h') && unit[1..].iter().all(u8::is_ascii_digit));
    if is_time {
        Lex::Time
    } else {
        Lex::Number
    }
}

mod distance;
mod key;
mod vocabulary;

#[cfg(test)]
use distance::bounded_osa;
use distance::is_doubling_typo;
pub(crate) use distance::{edit_budget, typo_distance};
pub(crate) use key::WordKey;

use vocabulary::{
    ENGLISH_VERBS, EXACT_ONLY, FRENCH_ER_ENDINGS, FRENCH_ER_VERBS, OTHER_VERB_FORMS, WORDS,
};

/// A stable number for a lexicon class (0: not in the lexicon): the learned stage's
/// feature for it (`model`), kept here so that each entry's is worked out once, at
/// start-up. Explicit, so that the embedded weights do not depend on how the compiler
/// numbers enum variants.
pub(crate) fn lex_code(lex: Option<Lex>) -> u8 {
    let Some(lex) = lex else { return 0 };
    match lex {
        Lex::Action(Act::Restart, f) => 10 + f as u8,
        Lex::Action(Act::Wake, f) => 20 + f as u8,
        Lex::Phrasal(f) => 30 + f as u8,
        Lex::Help(f) => 40 + f as u8,
        Lex::Modal(m, p) => 50 + 4 * m as u8 + p as u8,
        Lex::Subject(p) => 80 + p as u8,
        Lex::Object(o) => 85 + o as u8,
        Lex::Re => 90,
        Lex::StatusNoun => 91,
        Lex::State => 92,
        Lex::Work => 93,
        Lex::Use => 94,
        Lex::Presence => 95,
        Lex::Negation => 96,
        Lex::NegAfter => 97,
        Lex::Blocker => 98,
        Lex::NoProblem => 99,
        Lex::PastAux => 100,
        Lex::HaveAux => 101,
        Lex::AuxAs => 102,
        Lex::AuxA => 103,
        Lex::PastTime => 104,
        Lex::PastModal => 105,
        Lex::Copula => 106,
        Lex::On => 107,
        Lex::Up => 108,
        Lex::Do => 109,
        Lex::Manner => 110,
        Lex::What => 111,
        Lex::Que => 112,
        Lex::Qui => 113,
        Lex::HowMany => 114,
        Lex::Existential => 115,
        Lex::Train => 116,
        Lex::Determiner => 117,
        Lex::Preposition => 118,
        Lex::Purpose => 119,
        Lex::In => 120,
        Lex::To => 121,
        Lex::Conj => 122,
        Lex::Opinion => 123,
        Lex::Subord => 124,
        Lex::Why => 125,
        Lex::Habit => 126,
        Lex::Alternative => 127,
        Lex::RequestFrame => 128,
        Lex::Adjective => 129,
        Lex::Adverb => 130,
        Lex::Clitic => 131,
        Lex::Greeting => 132,
        Lex::Polite => 133,
        Lex::Thanks => 134,
        Lex::Let => 135,
        Lex::Bot => 136,
        Lex::Deferral => 137,
        Lex::Evening => 138,
        Lex::Number => 139,
        Lex::Time => 140,
        Lex::Known => 141,
    }
}

#[cfg(test)]
mod tests;

/// Checks the typo guard against real dictionaries: no ordinary word may be bent into a
/// vocabulary word. Needs Debian's `wfrench` and `wamerican` word lists, so it is ignored
/// by default: `cargo test -- --ignored dictionary`.
#[cfg(test)]
mod audit;
