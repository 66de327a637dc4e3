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
//!   is matched exactly and never bent into a command: see [`crate::intent::known_words`].
//!
//! When two meanings are equally close, the less harmful one wins (waking beats
//! restarting, a past or future form beats an order).
//!
//! The lexicon is built once by [`Lexicon::new`]; look-ups never allocate.

use crate::intent::known_words::KNOWN_WORDS;

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
    /// souci, problème, worries: "pas de souci" negates nothing.
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
}

struct Entry {
    word: Box<[u8]>,
    lex: Lex,
}

/// The prepared vocabulary. Cheap to share: look-ups take `&self`.
pub(crate) struct Lexicon {
    /// Sorted by word, one entry per word.
    entries: Vec<Entry>,
    /// Open-addressing hash index over `entries` (entry index + 1; 0 is empty): an exact
    /// look-up costs one hash and usually one comparison, where a binary search over a
    /// few thousand words cost a dozen (the commonest path, once per word).
    index: Box<[u16]>,
    /// For each ASCII letter and word length, the indices (ascending) of the
    /// typo-matchable entries: a typo look-up only visits lengths its budget can reach.
    fuzzy_by_first: Vec<Vec<u16>>,
}

/// Slot of `(letter, length)` in `Lexicon::fuzzy_by_first`.
fn fuzzy_slot(first: u8, len: usize) -> usize {
    usize::from(first - b'a') * (MAX_WORD_BYTES + 1) + len
}

/// The hash of the exact index (FNV-1a).
fn word_hash(word: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in word {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 15)) as usize
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
            })
            .collect();
        let mut fuzzy_by_first: Vec<Vec<u16>> = vec![Vec::new(); 26 * (MAX_WORD_BYTES + 1)];
        for (i, e) in entries.iter().enumerate() {
            let exact_only = EXACT_ONLY.contains(&e.word.as_ref());
            if e.lex.fuzzy()
                && !exact_only
                && (4..=MAX_WORD_BYTES).contains(&e.word.len())
                && e.word[0].is_ascii_lowercase()
            {
                fuzzy_by_first[fuzzy_slot(e.word[0], e.word.len())].push(i as u16);
            }
        }
        let size = (entries.len() * 2).next_power_of_two();
        let mut index = vec![0u16; size].into_boxed_slice();
        for (i, e) in entries.iter().enumerate() {
            let mut k = word_hash(&e.word) & (size - 1);
            while index[k] != 0 {
                k = (k + 1) & (size - 1);
            }
            index[k] = i as u16 + 1;
        }
        Lexicon {
            entries,
            index,
            fuzzy_by_first,
        }
    }

    /// Exact look-up.
    pub(crate) fn exact(&self, word: &[u8]) -> Option<Lex> {
        let mask = self.index.len() - 1;
        let mut k = word_hash(word) & mask;
        loop {
            let slot = self.index[k];
            if slot == 0 {
                return None;
            }
            let entry = &self.entries[usize::from(slot - 1)];
            if entry.word.as_ref() == word {
                return Some(entry.lex);
            }
            k = (k + 1) & mask;
        }
    }

    /// Classifies a word: exact match, else the closest typo-tolerant match within budget.
    pub(crate) fn lookup(&self, word: &[u8]) -> Option<Hit> {
        if word.is_empty() || word.len() > MAX_WORD_BYTES {
            return None;
        }
        if word[0].is_ascii_digit() {
            return Some(Hit {
                lex: number_class(word),
                distance: 0,
            });
        }
        if let Some(lex) = self.exact(word) {
            return Some(Hit { lex, distance: 0 });
        }
        if word.len() < 4 || !word[0].is_ascii_lowercase() {
            return None;
        }
        let mut best: Option<((u8, bool, u8, u16), Hit)> = None;
        // The budget is at most 2 edits: only lengths within 2 can match.
        let lengths = word.len().saturating_sub(2).max(4)..=(word.len() + 2).min(MAX_WORD_BYTES);
        let candidates = lengths.flat_map(|len| &self.fuzzy_by_first[fuzzy_slot(word[0], len)]);
        for &i in candidates {
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
                    },
                ));
            }
        }
        best.map(|(_, hit)| hit)
    }

    /// Iterates over every word with its class (for audits and tests).
    #[cfg(test)]
    pub(crate) fn words(&self) -> impl Iterator<Item = (&[u8], Lex)> {
        self.entries.iter().map(|e| (e.word.as_ref(), e.lex))
    }
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
fn is_doubling_typo(a: &[u8], b: &[u8]) -> bool {
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
/// no substring edited twice), or `None` as soon as it must exceed `budget`. Three rows on
/// the stack; both words must be at most [`MAX_WORD_BYTES`] long.
pub(crate) fn bounded_osa(a: &[u8], b: &[u8], budget: u8) -> Option<u8> {
    if a.len() > MAX_WORD_BYTES || b.len() > MAX_WORD_BYTES {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = [0u8; MAX_WORD_BYTES + 1];
    let mut prev = [0u8; MAX_WORD_BYTES + 1];
    let mut cur = [0u8; MAX_WORD_BYTES + 1];
    for (j, cell) in prev.iter_mut().enumerate().take(width) {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
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

/// Vocabulary words too close to ordinary ones to forgive typos in: "repartir" (restart)
/// sits among "répartir", "repartie", "repartez"…; "redem" is chat shorthand.
const EXACT_ONLY: &[&[u8]] = &[b"repartir", b"redem"];

use Act::{Restart, Wake};
use Form::{Base, Future, Gerund, Infinitive, Noun, Past, Third};

/// French first-group verb stems whose inflections are generated.
const FRENCH_ER_VERBS: &[(&str, Act)] = &[
    ("redemarr", Restart),
    ("relanc", Restart),
    ("reboot", Restart),
    ("restart", Restart),
    ("rallum", Wake),
    ("reallum", Wake),
    ("demarr", Wake),
    ("allum", Wake),
    ("lanc", Wake),
    ("reveill", Wake),
    ("boot", Wake),
];

/// French first-group endings and the form each gives. Participles typed without accent
/// ("redemarre") look like orders; the tokeniser's accent flag and the auxiliary rules
/// tell them apart.
const FRENCH_ER_ENDINGS: &[(&str, Form)] = &[
    ("e", Base),
    ("es", Base),
    ("ez", Base),
    ("ons", Base),
    ("er", Infinitive),
    ("erais", Base),
    ("erait", Base),
    ("eriez", Base),
    ("ent", Third),
    ("ee", Past),
    ("ees", Past),
    ("ais", Past),
    ("ait", Past),
    ("aient", Past),
    ("ions", Past),
    ("iez", Past),
    ("a", Past),
    ("ai", Past),
    ("as", Past),
    ("erent", Past),
    ("eraient", Third),
    ("erai", Future),
    ("eras", Future),
    ("era", Future),
    ("erons", Future),
    ("erez", Future),
    ("eront", Future),
    ("ant", Gerund),
];

/// English verbs: base, third person, past, gerund.
const ENGLISH_VERBS: &[(&str, &str, &str, &str, Act)] = &[
    ("restart", "restarts", "restarted", "restarting", Restart),
    ("reboot", "reboots", "rebooted", "rebooting", Restart),
    (
        "relaunch",
        "relaunches",
        "relaunched",
        "relaunching",
        Restart,
    ),
    ("start", "starts", "started", "starting", Wake),
    ("launch", "launches", "launched", "launching", Wake),
    ("wake", "wakes", "woke", "waking", Wake),
];

/// Nouns and irregular forms.
const OTHER_VERB_FORMS: &[(&str, Act, Form)] = &[
    ("redemarrage", Restart, Noun),
    ("redemarrages", Restart, Noun),
    ("relancement", Restart, Noun),
    ("repartir", Restart, Infinitive),
    ("redem", Restart, Base),
    // Chat shorthand, Québec and clipped spellings: known, so that the gates can check
    // their object (a restart needs a restart word, see `model::restart_blocked`).
    ("repars", Restart, Base),
    ("repart", Restart, Base),
    ("rdm", Restart, Base),
    ("rdmr", Restart, Base),
    ("rs", Restart, Base),
    ("reamorce", Restart, Base),
    ("reamorcer", Restart, Infinitive),
    ("refresh", Restart, Base),
    ("relaunch", Restart, Base),
    ("redemar", Restart, Base),
    ("relans", Restart, Base),
    ("relanse", Restart, Base),
    ("reebot", Restart, Base),
    ("woken", Wake, Past),
    ("demarrage", Wake, Noun),
    ("allumage", Wake, Noun),
    ("lancement", Wake, Noun),
    ("reveil", Wake, Noun),
    ("startup", Wake, Noun),
    ("wakeup", Wake, Noun),
];

use Lex::*;

/// The fixed vocabulary. Where a word appears twice, the first entry wins.
const WORDS: &[(&str, Lex)] = &[
    // Help.
    ("aide", Help(Base)),
    ("aides", Help(Base)),
    ("aidez", Help(Base)),
    ("aider", Help(Infinitive)),
    ("help", Help(Base)),
    ("helps", Help(Third)),
    ("helped", Help(Past)),
    ("commandes", Help(Noun)),
    ("commande", Help(Noun)),
    ("commands", Help(Noun)),
    ("command", Help(Noun)),
    ("cmd", Help(Noun)),
    ("cmds", Help(Noun)),
    ("manuel", Help(Noun)),
    ("manual", Help(Noun)),
    ("tuto", Help(Noun)),
    ("tutoriel", Help(Noun)),
    ("tutorial", Help(Noun)),
    ("emploi", Help(Noun)),
    ("fonctionnalites", Help(Noun)),
    ("features", Help(Noun)),
    // Status.
    ("status", StatusNoun),
    ("statut", StatusNoun),
    ("statuts", StatusNoun),
    ("etat", StatusNoun),
    ("state", StatusNoun),
    ("stats", StatusNoun),
    ("stat", StatusNoun),
    ("statistiques", StatusNoun),
    ("infos", StatusNoun),
    ("info", StatusNoun),
    ("uptime", StatusNoun),
    ("ping", StatusNoun),
    ("down", State),
    ("off", State),
    ("online", State),
    ("offline", State),
    ("ligne", State),
    ("eteint", State),
    ("eteinte", State),
    ("dispo", State),
    ("disponible", State),
    ("available", State),
    ("accessible", State),
    ("joignable", State),
    ("ouvert", State),
    ("vivant", State),
    ("alive", State),
    ("dead", State),
    ("mort", State),
    ("plante", State),
    ("crash", State),
    ("crashe", State),
    ("lag", State),
    ("lagge", State),
    ("marche", Work),
    ("marches", Work),
    ("marcher", Work),
    ("fonctionne", Work),
    ("fonctionner", Work),
    ("tourne", Work),
    ("tourner", Work),
    ("repond", Work),
    ("work", Work),
    ("works", Work),
    ("working", Work),
    ("running", Work),
    ("utiliser", Use),
    ("utilise", Use),
    ("use", Use),
    ("sers", Use),
    ("sert", Use),
    ("parle", Use),
    ("parler", Use),
    ("talk", Use),
    ("monde", Presence),
    ("joueurs", Presence),
    ("joueur", Presence),
    ("players", Presence),
    ("player", Presence),
    ("connectes", Presence),
    ("connecte", Presence),
    ("connected", Presence),
    ("co", Presence),
    ("joue", Presence),
    ("jouent", Presence),
    ("playing", Presence),
    ("gens", Presence),
    ("people", Presence),
    ("anyone", Presence),
    ("anybody", Presence),
    ("quelqu", Presence),
    ("quelquun", Presence),
    ("qqn", Presence),
    ("qq1", Presence),
    ("personne", Presence),
    ("personnes", Presence),
    ("joueuses", Presence),
    ("joueuse", Presence),
    ("connectee", Presence),
    ("connectees", Presence),
    ("online", State),
    // Objects.
    ("serveur", Object(Obj::Server)),
    ("serveurs", Object(Obj::Server)),
    ("serv", Object(Obj::Server)),
    ("srv", Object(Obj::Server)),
    ("server", Object(Obj::Server)),
    ("servers", Object(Obj::Server)),
    ("minecraft", Object(Obj::Server)),
    ("mc", Object(Obj::Server)),
    ("jeu", Object(Obj::Server)),
    ("lxc", Object(Obj::Server)),
    ("conteneur", Object(Obj::Server)),
    ("container", Object(Obj::Server)),
    ("machine", Object(Obj::Server)),
    ("proxmox", Object(Obj::Server)),
    ("pve", Object(Obj::Server)),
    ("host", Object(Obj::Server)),
    ("hote", Object(Obj::Server)),
    ("vm", Object(Obj::Server)),
    ("it", Object(Obj::Pronoun)),
    ("ca", Object(Obj::Pronoun)),
    ("cela", Object(Obj::Pronoun)),
    // "relance le truc", "restart the thing": a vague word for what everyone is on.
    ("truc", Object(Obj::Pronoun)),
    ("machin", Object(Obj::Pronoun)),
    ("bidule", Object(Obj::Pronoun)),
    ("thing", Object(Obj::Pronoun)),
    ("pc", Object(Obj::Foreign)),
    ("ordi", Object(Obj::Foreign)),
    ("ordinateur", Object(Obj::Foreign)),
    ("computer", Object(Obj::Foreign)),
    ("laptop", Object(Obj::Foreign)),
    ("mac", Object(Obj::Foreign)),
    ("tel", Object(Obj::Foreign)),
    ("telephone", Object(Obj::Foreign)),
    ("phone", Object(Obj::Foreign)),
    ("portable", Object(Obj::Foreign)),
    ("discord", Object(Obj::Foreign)),
    ("routeur", Object(Obj::Foreign)),
    ("router", Object(Obj::Foreign)),
    ("box", Object(Obj::Foreign)),
    ("modem", Object(Obj::Foreign)),
    ("wifi", Object(Obj::Foreign)),
    ("internet", Object(Obj::Foreign)),
    ("partie", Object(Obj::Foreign)),
    ("manche", Object(Obj::Foreign)),
    ("round", Object(Obj::Foreign)),
    ("match", Object(Obj::Foreign)),
    ("musique", Object(Obj::Foreign)),
    ("music", Object(Obj::Foreign)),
    ("video", Object(Obj::Foreign)),
    ("client", Object(Obj::Foreign)),
    ("launcher", Object(Obj::Foreign)),
    ("navigateur", Object(Obj::Foreign)),
    ("browser", Object(Obj::Foreign)),
    ("appli", Object(Obj::Foreign)),
    ("app", Object(Obj::Foreign)),
    ("windows", Object(Obj::Foreign)),
    // Other bots, other games' servers, media, things of the room, people: what "lance",
    // "relance", "réveille" often apply to in chat, and never the Minecraft server.
    ("mee6", Object(Obj::Foreign)),
    ("dyno", Object(Obj::Foreign)),
    ("rythm", Object(Obj::Foreign)),
    ("groovy", Object(Obj::Foreign)),
    ("hydra", Object(Obj::Foreign)),
    ("jockie", Object(Obj::Foreign)),
    ("carlbot", Object(Obj::Foreign)),
    ("probot", Object(Obj::Foreign)),
    ("tatsu", Object(Obj::Foreign)),
    ("yagpdb", Object(Obj::Foreign)),
    ("dankmemer", Object(Obj::Foreign)),
    ("terraria", Object(Obj::Foreign)),
    ("valheim", Object(Obj::Foreign)),
    ("ark", Object(Obj::Foreign)),
    ("factorio", Object(Obj::Foreign)),
    ("palworld", Object(Obj::Foreign)),
    ("satisfactory", Object(Obj::Foreign)),
    ("zomboid", Object(Obj::Foreign)),
    ("rust", Object(Obj::Foreign)),
    ("minetest", Object(Obj::Foreign)),
    ("starbound", Object(Obj::Foreign)),
    ("unturned", Object(Obj::Foreign)),
    ("gmod", Object(Obj::Foreign)),
    ("csgo", Object(Obj::Foreign)),
    ("fortnite", Object(Obj::Foreign)),
    ("roblox", Object(Obj::Foreign)),
    ("teamspeak", Object(Obj::Foreign)),
    ("mumble", Object(Obj::Foreign)),
    ("spotify", Object(Obj::Foreign)),
    ("youtube", Object(Obj::Foreign)),
    ("twitch", Object(Obj::Foreign)),
    ("stream", Object(Obj::Foreign)),
    ("playlist", Object(Obj::Foreign)),
    ("chanson", Object(Obj::Foreign)),
    ("song", Object(Obj::Foreign)),
    ("film", Object(Obj::Foreign)),
    ("serie", Object(Obj::Foreign)),
    ("tele", Object(Obj::Foreign)),
    ("tv", Object(Obj::Foreign)),
    ("radio", Object(Obj::Foreign)),
    ("lumiere", Object(Obj::Foreign)),
    ("light", Object(Obj::Foreign)),
    ("lights", Object(Obj::Foreign)),
    ("cam", Object(Obj::Foreign)),
    ("camera", Object(Obj::Foreign)),
    ("micro", Object(Obj::Foreign)),
    ("mic", Object(Obj::Foreign)),
    ("porte", Object(Obj::Foreign)),
    ("feu", Object(Obj::Foreign)),
    ("debat", Object(Obj::Foreign)),
    ("conversation", Object(Obj::Foreign)),
    ("discussion", Object(Obj::Foreign)),
    ("sujet", Object(Obj::Foreign)),
    ("vote", Object(Obj::Foreign)),
    ("sondage", Object(Obj::Foreign)),
    ("poll", Object(Obj::Foreign)),
    ("quiz", Object(Obj::Foreign)),
    ("timer", Object(Obj::Foreign)),
    ("chrono", Object(Obj::Foreign)),
    ("minuteur", Object(Obj::Foreign)),
    ("compteur", Object(Obj::Foreign)),
    ("tournoi", Object(Obj::Foreign)),
    ("tournament", Object(Obj::Foreign)),
    ("frere", Object(Obj::Foreign)),
    ("soeur", Object(Obj::Foreign)),
    ("cerveau", Object(Obj::Foreign)),
    ("tete", Object(Obj::Foreign)),
    ("brain", Object(Obj::Foreign)),
    ("brother", Object(Obj::Foreign)),
    ("sister", Object(Obj::Foreign)),
    ("pote", Object(Obj::Foreign)),
    ("cousin", Object(Obj::Foreign)),
    ("toi", Object(Obj::SelfRef)),
    ("yourself", Object(Obj::SelfRef)),
    // Negation and blocking.
    ("ne", Negation),
    ("n", Negation),
    ("pas", Negation),
    ("jamais", Negation),
    ("rien", Negation),
    ("aucun", Negation),
    ("aucune", Negation),
    ("sans", Negation),
    ("non", Negation),
    ("nan", Negation),
    ("nn", Negation),
    ("no", Negation),
    ("not", Negation),
    ("nope", Negation),
    ("never", Negation),
    ("dont", Negation),
    ("don't", Negation),
    ("doesnt", Negation),
    ("doesn't", Negation),
    ("didnt", Negation),
    ("didn't", Negation),
    ("cant", Negation),
    ("can't", Negation),
    ("cannot", Negation),
    ("wont", Negation),
    ("won't", Negation),
    ("shouldnt", Negation),
    ("shouldn't", Negation),
    ("mustnt", Negation),
    ("mustn't", Negation),
    ("nah", Negation),
    ("plus", NegAfter),
    ("arrete", Blocker),
    ("arretes", Blocker),
    ("arretez", Blocker),
    ("arreter", Blocker),
    ("stop", Blocker),
    ("stoppe", Blocker),
    ("stopper", Blocker),
    ("annule", Blocker),
    ("annules", Blocker),
    ("annulez", Blocker),
    ("annuler", Blocker),
    ("cancel", Blocker),
    ("abort", Blocker),
    ("evite", Blocker),
    ("evitez", Blocker),
    ("eviter", Blocker),
    ("inutile", Blocker),
    ("interdit", Blocker),
    ("interdiction", Blocker),
    ("interdis", Blocker),
    ("interdire", Blocker),
    ("forbidden", Blocker),
    ("attends", Blocker),
    ("attendez", Blocker),
    ("wait", Blocker),
    ("cancelled", Blocker),
    ("canceled", Blocker),
    ("oublie", Blocker),
    ("oubliez", Blocker),
    ("forget", Blocker),
    ("nevermind", Blocker),
    ("souci", NoProblem),
    ("soucis", NoProblem),
    ("probleme", NoProblem),
    ("problemes", NoProblem),
    ("prob", NoProblem),
    ("pb", NoProblem),
    ("grave", NoProblem),
    ("mal", NoProblem),
    ("problem", NoProblem),
    ("problems", NoProblem),
    ("worries", NoProblem),
    ("worry", NoProblem),
    // Tense.
    ("ai", PastAux),
    ("avons", PastAux),
    ("avez", PastAux),
    ("ont", PastAux),
    ("avais", PastAux),
    ("avait", PastAux),
    ("avions", PastAux),
    ("aviez", PastAux),
    ("avaient", PastAux),
    ("eu", PastAux),
    ("ete", PastAux),
    ("etait", PastAux),
    ("etais", PastAux),
    ("g", PastAux),
    ("did", PastAux),
    ("was", PastAux),
    ("were", PastAux),
    ("been", PastAux),
    ("ve", PastAux),
    ("have", HaveAux),
    ("has", HaveAux),
    ("had", HaveAux),
    ("as", AuxAs),
    ("a", AuxA),
    ("hier", PastTime),
    ("deja", PastTime),
    ("yesterday", PastTime),
    ("already", PastTime),
    ("ago", PastTime),
    ("earlier", PastTime),
    ("tantot", PastTime),
    ("pu", PastModal),
    ("voulu", PastModal),
    ("fallu", PastModal),
    ("tried", PastModal),
    ("est", Copula),
    ("es", Copula),
    ("sont", Copula),
    ("etes", Copula),
    ("suis", Copula),
    ("c", Copula),
    ("is", Copula),
    ("=", Copula),
    ("are", Copula),
    ("am", Copula),
    ("s", Copula),
    ("etre", Copula),
    ("serait", Copula),
    ("serais", Copula),
    ("be", Copula),
    // Subjects.
    ("je", Subject(Person::First)),
    ("j", Subject(Person::First)),
    ("i", Subject(Person::First)),
    ("nous", Subject(Person::First)),
    ("we", Subject(Person::First)),
    ("moi", Subject(Person::First)),
    ("tu", Subject(Person::Second)),
    ("t", Subject(Person::Second)),
    ("vous", Subject(Person::Second)),
    ("you", Subject(Person::Second)),
    ("u", Subject(Person::Second)),
    ("il", Subject(Person::Third)),
    ("ils", Subject(Person::Third)),
    ("elle", Subject(Person::Third)),
    ("elles", Subject(Person::Third)),
    ("he", Subject(Person::Third)),
    ("she", Subject(Person::Third)),
    ("they", Subject(Person::Third)),
    ("someone", Subject(Person::Third)),
    ("somebody", Subject(Person::Third)),
    ("admin", Subject(Person::Third)),
    ("admins", Subject(Person::Third)),
    ("on", On),
    ("up", Up),
    // Modals.
    ("peux", Modal(Modal::Ability, Person::Second)),
    ("pouvez", Modal(Modal::Ability, Person::Second)),
    ("pourrais", Modal(Modal::Ability, Person::Second)),
    ("pourriez", Modal(Modal::Ability, Person::Second)),
    ("pouvons", Modal(Modal::Ability, Person::First)),
    ("pourrions", Modal(Modal::Ability, Person::First)),
    ("peut", Modal(Modal::Ability, Person::Third)),
    ("peuvent", Modal(Modal::Ability, Person::Third)),
    ("pourraient", Modal(Modal::Ability, Person::Third)),
    ("savent", Modal(Modal::Know, Person::Third)),
    ("veulent", Modal(Modal::Desire, Person::Third)),
    ("doivent", Modal(Modal::Obligation, Person::Third)),
    ("pourrait", Modal(Modal::Ability, Person::Third)),
    ("pourra", Modal(Modal::Future, Person::Third)),
    ("can", Modal(Modal::Ability, Person::Third)),
    ("able", Modal(Modal::Ability, Person::Third)),
    ("capable", Modal(Modal::Ability, Person::Third)),
    ("could", Modal(Modal::Ability, Person::Third)),
    ("would", Modal(Modal::Ability, Person::Third)),
    ("sais", Modal(Modal::Know, Person::Second)),
    ("savez", Modal(Modal::Know, Person::Second)),
    ("sait", Modal(Modal::Know, Person::Third)),
    ("know", Modal(Modal::Know, Person::Third)),
    ("veux", Modal(Modal::Desire, Person::Second)),
    ("voulez", Modal(Modal::Desire, Person::Second)),
    ("voudrais", Modal(Modal::Desire, Person::Second)),
    ("voudriez", Modal(Modal::Desire, Person::Second)),
    ("aimerais", Modal(Modal::Desire, Person::Second)),
    ("aimerions", Modal(Modal::Desire, Person::First)),
    ("souhaite", Modal(Modal::Desire, Person::First)),
    ("souhaiterais", Modal(Modal::Desire, Person::First)),
    ("veut", Modal(Modal::Desire, Person::Third)),
    ("voudrait", Modal(Modal::Desire, Person::Third)),
    ("aimerait", Modal(Modal::Desire, Person::Third)),
    ("want", Modal(Modal::Desire, Person::Third)),
    ("wanna", Modal(Modal::Desire, Person::Third)),
    ("wants", Modal(Modal::Desire, Person::Third)),
    ("like", Modal(Modal::Desire, Person::Third)),
    ("besoin", Modal(Modal::Need, Person::Impersonal)),
    ("envie", Modal(Modal::Need, Person::Impersonal)),
    ("need", Modal(Modal::Need, Person::Impersonal)),
    ("needs", Modal(Modal::Need, Person::Third)),
    ("faut", Modal(Modal::Obligation, Person::Impersonal)),
    ("faudrait", Modal(Modal::Obligation, Person::Impersonal)),
    ("dois", Modal(Modal::Obligation, Person::Second)),
    ("devez", Modal(Modal::Obligation, Person::Second)),
    ("devrais", Modal(Modal::Obligation, Person::Second)),
    ("devriez", Modal(Modal::Obligation, Person::Second)),
    ("doit", Modal(Modal::Obligation, Person::Third)),
    ("devrait", Modal(Modal::Obligation, Person::Third)),
    ("devraient", Modal(Modal::Obligation, Person::Third)),
    ("should", Modal(Modal::Obligation, Person::Third)),
    ("must", Modal(Modal::Obligation, Person::Third)),
    ("faudra", Modal(Modal::Future, Person::Impersonal)),
    ("vais", Modal(Modal::Future, Person::First)),
    ("allons", Modal(Modal::Future, Person::First)),
    ("vas", Modal(Modal::Future, Person::Second)),
    ("va", Modal(Modal::Future, Person::Third)),
    ("vont", Modal(Modal::Future, Person::Third)),
    ("will", Modal(Modal::Future, Person::Third)),
    ("ll", Modal(Modal::Future, Person::Third)),
    ("gonna", Modal(Modal::Future, Person::Third)),
    ("going", Modal(Modal::Future, Person::Third)),
    ("shall", Modal(Modal::Future, Person::Third)),
    ("demande", Modal(Modal::Ask, Person::First)),
    ("demandes", Modal(Modal::Ask, Person::Second)),
    ("demandez", Modal(Modal::Ask, Person::Second)),
    ("demander", Modal(Modal::Ask, Person::Third)),
    ("ask", Modal(Modal::Ask, Person::Third)),
    ("asking", Modal(Modal::Ask, Person::First)),
    ("faire", Do),
    ("fais", Do),
    ("fait", Do),
    ("do", Do),
    ("does", Do),
    // Questions.
    ("comment", Manner),
    ("how", Manner),
    ("quoi", What),
    ("what", What),
    ("quel", What),
    ("quelle", What),
    ("quels", What),
    ("quelles", What),
    ("que", Que),
    ("qu", Que),
    ("qui", Qui),
    ("who", Qui),
    ("combien", HowMany),
    ("many", HowMany),
    ("y", Existential),
    ("ya", Existential),
    ("there", Existential),
    ("train", Train),
    // Determiners and prepositions.
    ("le", Determiner),
    ("la", Determiner),
    ("les", Determiner),
    ("l", Determiner),
    ("un", Determiner),
    ("une", Determiner),
    ("des", Determiner),
    ("du", Determiner),
    ("de", Determiner),
    ("d", Determiner),
    ("ce", Determiner),
    ("cet", Determiner),
    ("cette", Determiner),
    ("ces", Determiner),
    ("mon", Determiner),
    ("ma", Determiner),
    ("mes", Determiner),
    ("ton", Determiner),
    ("ta", Determiner),
    ("tes", Determiner),
    ("son", Determiner),
    ("sa", Determiner),
    ("ses", Determiner),
    ("notre", Determiner),
    ("votre", Determiner),
    ("nos", Determiner),
    ("vos", Determiner),
    ("leur", Determiner),
    ("au", Determiner),
    ("aux", Determiner),
    ("the", Determiner),
    ("an", Determiner),
    ("this", Determiner),
    ("that", Determiner),
    ("my", Determiner),
    ("your", Determiner),
    ("our", Determiner),
    ("their", Determiner),
    ("his", Determiner),
    ("her", Determiner),
    ("its", Determiner),
    ("avec", Preposition),
    ("par", Preposition),
    ("sur", Preposition),
    ("chez", Preposition),
    ("via", Preposition),
    ("vers", Preposition),
    ("contre", Preposition),
    ("with", Preposition),
    ("for", Preposition),
    ("by", Preposition),
    ("from", Preposition),
    ("of", Preposition),
    ("at", Preposition),
    ("about", Preposition),
    ("pour", Purpose),
    ("afin", Purpose),
    ("dans", In),
    ("in", In),
    ("to", To),
    ("en", Preposition),
    ("mais", Conj),
    ("but", Conj),
    ("puis", Conj),
    ("ensuite", Conj),
    ("then", Conj),
    ("plutot", Conj),
    ("instead", Conj),
    ("et", Conj),
    ("and", Conj),
    ("possible", RequestFrame),
    ("moyen", RequestFrame),
    ("gentil", RequestFrame),
    ("gentille", RequestFrame),
    ("derange", RequestFrame),
    ("mind", RequestFrame),
    ("bien", Adverb),
    ("juste", Adverb),
    ("vraiment", Adverb),
    ("encore", Adverb),
    ("simplement", Adverb),
    ("rapidement", Adverb),
    ("just", Adverb),
    ("really", Adverb),
    ("again", Adverb),
    ("quickly", Adverb),
    ("te", Clitic),
    ("me", Clitic),
    ("m", Clitic),
    ("lui", Clitic),
    ("se", Clitic),
    ("petit", Adjective),
    ("petite", Adjective),
    ("rapide", Adjective),
    ("nouveau", Adjective),
    ("nouvel", Adjective),
    ("gros", Adjective),
    ("quick", Adjective),
    ("small", Adjective),
    ("new", Adjective),
    ("full", Adjective),
    ("pourquoi", Why),
    ("why", Why),
    ("souvent", Habit),
    ("toujours", Habit),
    ("parfois", Habit),
    ("habitude", Habit),
    ("regulierement", Habit),
    ("often", Habit),
    ("chaque", Habit),
    ("seul", Habit),
    ("itself", Habit),
    ("every", Habit),
    ("each", Habit),
    ("automatiquement", Habit),
    ("automatically", Habit),
    ("auto", Habit),
    ("always", Habit),
    ("usually", Habit),
    ("sometimes", Habit),
    ("keep", Habit),
    ("keeps", Habit),
    ("disent", Opinion),
    ("dit", Opinion),
    ("disait", Opinion),
    ("raconte", Opinion),
    ("says", Opinion),
    ("said", Opinion),
    ("told", Opinion),
    ("parait", Opinion),
    ("apparently", Opinion),
    ("essaie", Opinion),
    ("essaye", Opinion),
    ("essayer", Opinion),
    ("tente", Opinion),
    ("try", Opinion),
    ("crois", Opinion),
    ("croit", Opinion),
    ("croyez", Opinion),
    ("pense", Opinion),
    ("penses", Opinion),
    ("pensez", Opinion),
    ("trouves", Opinion),
    ("think", Opinion),
    ("thinks", Opinion),
    ("believe", Opinion),
    ("guess", Opinion),
    ("quand", Subord),
    ("tant", Subord),
    ("lorsque", Subord),
    ("si", Subord),
    ("when", Subord),
    ("whenever", Subord),
    ("if", Subord),
    ("pendant", Subord),
    ("while", Subord),
    ("during", Subord),
    ("laisse", Known),
    ("laissez", Known),
    ("tomber", Known),
    // Greetings and politeness.
    ("hey", Greeting),
    ("hei", Greeting),
    ("hi", Greeting),
    ("hello", Greeting),
    ("helo", Greeting),
    ("hallo", Greeting),
    ("yo", Greeting),
    ("yop", Greeting),
    ("salut", Greeting),
    ("slt", Greeting),
    ("coucou", Greeting),
    ("cc", Greeting),
    ("bonjour", Greeting),
    ("bjr", Greeting),
    ("bonsoir", Greeting),
    ("bsr", Greeting),
    ("wesh", Greeting),
    ("hola", Greeting),
    ("allo", Greeting),
    ("ohe", Greeting),
    ("oh", Greeting),
    ("eh", Greeting),
    ("ah", Greeting),
    ("ok", Greeting),
    ("okay", Greeting),
    ("oki", Greeting),
    ("dis", Greeting),
    ("dites", Greeting),
    ("bon", Greeting),
    ("alors", Greeting),
    ("bref", Greeting),
    ("allez", Greeting),
    ("go", Greeting),
    ("hop", Greeting),
    ("psst", Greeting),
    ("ecoute", Greeting),
    ("listen", Greeting),
    ("ben", Greeting),
    ("bah", Greeting),
    ("euh", Greeting),
    ("heu", Greeting),
    ("hmm", Greeting),
    ("hum", Greeting),
    ("um", Greeting),
    ("uh", Greeting),
    ("donc", Greeting),
    ("enfin", Greeting),
    ("genre", Greeting),
    ("lol", Greeting),
    ("mdr", Greeting),
    ("ptdr", Greeting),
    ("xd", Greeting),
    ("re", Re),
    ("stp", Polite),
    ("svp", Polite),
    ("please", Polite),
    ("pls", Polite),
    ("plz", Polite),
    ("plse", Polite),
    ("plox", Polite),
    ("plait", Polite),
    ("plais", Polite),
    ("sil", Polite),
    ("vite", Adverb),
    ("maintenant", Adverb),
    ("now", Adverb),
    ("asap", Adverb),
    ("merci", Thanks),
    ("mrc", Thanks),
    ("thanks", Thanks),
    ("thank", Thanks),
    ("thx", Thanks),
    ("ty", Thanks),
    ("cimer", Thanks),
    ("let", Let),
    ("bot", Bot),
    // Time.
    ("demain", Deferral),
    ("tomorrow", Deferral),
    ("tonight", Deferral),
    ("later", Deferral),
    ("tard", Deferral),
    ("weekend", Deferral),
    ("avant", Deferral),
    ("apres", Deferral),
    ("before", Deferral),
    ("after", Deferral),
    ("yet", Deferral),
    ("soir", Evening),
    ("nuit", Evening),
    // Verbs that only pair with "on"/"up".
    ("turn", Phrasal(Base)),
    ("turns", Phrasal(Third)),
    ("turned", Phrasal(Past)),
    ("turning", Phrasal(Gerund)),
    ("switch", Phrasal(Base)),
    ("switched", Phrasal(Past)),
    ("switching", Phrasal(Gerund)),
    ("power", Phrasal(Base)),
    ("powered", Phrasal(Past)),
    ("powering", Phrasal(Gerund)),
    ("boot", Action(Wake, Base)),
    ("booted", Action(Wake, Past)),
    ("booting", Action(Wake, Gerund)),
    ("bring", Phrasal(Base)),
    ("fire", Phrasal(Base)),
    ("spin", Phrasal(Base)),
];

#[cfg(test)]
mod tests {
    use super::*;

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
}

/// Checks the typo guard against real dictionaries: no ordinary word may be bent into a
/// vocabulary word. Needs Debian's `wfrench` and `wamerican` word lists, so it is ignored
/// by default: `cargo test -- --ignored dictionary`.
#[cfg(test)]
mod audit {
    use super::*;
    use crate::intent::normalize::Normalized;

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
}
