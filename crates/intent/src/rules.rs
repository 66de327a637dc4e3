//! Stage 6 of the pipeline: from tagged words to an intent.
//!
//! Owns the grammar that separates an order from talk about an action:
//! - idioms are folded first ("re-démarre" is a restart, "turn on" a wake, "pas de souci"
//!   no negation, "ce soir" a delay, "s'il te plaît" politeness);
//! - the message is cut into clauses at punctuation; for every action verb, the words
//!   before it give its subject, modal, negation and tense, the words after it its object
//!   and a trailing negation;
//! - an order is an imperative, an infinitive or a noun with no subject ("redémarre",
//!   "un reboot stp"), a request to the bot ("tu peux…", "can you…", "je voudrais…",
//!   "il faut…"); a negated, past, future, delayed, habitual, reported or third-person
//!   action is not, nor one whose phrase is the subject of another verb ("relancer
//!   maintenant ce serait une mauvaise idée");
//! - the grammar must account for every word before the verb: an unknown word there
//!   ("every restart…", "il paraît que…") means the sentence is not a request frame it
//!   knows, and nothing is ordered — missing a request costs a retype, a false restart
//!   kicks everyone out;
//! - a state after a copula or in a question is a `status` question ("le serveur est
//!   allumé ?"), "how"/"what can you do"/"aide" are `help`.
//!
//! One negated restart anywhere in a message vetoes restarting, and a later "non",
//! "laisse tomber" or "plus tard" withdraws what came before.
//!
//! Over 800 lines because the grammar is one ordered pass over one working state
//! ([`Work`]): every rule reads and marks the same per-token arrays, and the order in
//! which they run is the grammar itself. Cut into files, that order would have to be
//! read across them; its tests are apart, in `rules/tests.rs`.

use crate::lexicon::{self, Act, Form, Lex, Modal, Obj, Person};
use crate::tag::{Ref, Slot, Tagged};
use crate::token::{TokenKind, MAX_TOKENS};
use crate::Intent;

/// What the rules concluded, before the address is taken into account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) intent: Intent,
    /// Strength of the evidence for `intent` (for `None`: how sure nothing was asked).
    pub(crate) score: f32,
    /// What the grammar saw, for the learned stage (`model`) and its safety gates.
    pub(crate) evidence: Evidence,
}

/// The grammar's findings behind a verdict, whatever the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Evidence {
    /// Best order strength per intent: restart, wake, status, help.
    pub(crate) scores: [f32; 4],
    /// A restart was negated, blocked or withdrawn ("ne relance pas", "… non laisse").
    pub(crate) restart_vetoed: bool,
    /// A restart word was read as talk — past, future, someone else's, another object —
    /// and never as an order.
    pub(crate) restart_talk_only: bool,
    /// Some action word was read as talk or negated.
    pub(crate) talk_seen: bool,
    /// A restart word was read in a question about how to ask for one ("comment je te
    /// demande de relancer ?", "how do I restart it?").
    pub(crate) restart_how_to: bool,
    /// Every restart word was put off to a later time ("restart the server tomorrow
    /// morning pls"): the bot restarts now or not at all, and never schedules.
    pub(crate) restart_delayed_only: bool,
    /// The same of wake words ("dans une heure, allume le serveur").
    pub(crate) wake_delayed_only: bool,
}

/// What one action word amounts to in its clause.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    /// An order, with its strength.
    Order(f32),
    /// Negated or blocked ("ne redémarre pas", "arrête de…").
    Negated,
    /// A question or statement about the server's state ("est allumé ?").
    State,
    /// A question about how to do it ("comment on redémarre ?").
    HowTo,
    /// Put off to a later time ("relance-le demain", "restart it tomorrow morning").
    Delayed,
    /// Anything else: past, future, someone else, another object.
    Talk,
}

/// Per-message working copy of the word classes, after idioms are folded.
struct Work<'t> {
    slots: &'t [Slot],
    tagged: &'t Tagged<'t>,
    /// Only the first `slots.len()` entries are this message's.
    lex: &'t mut [Option<Lex>; MAX_TOKENS],
    role: &'t mut [Role; MAX_TOKENS],
}

/// Room for [`Work`]'s arrays (640 bytes), kept by the caller and overwritten by each
/// message, as the tag slots are: filled anew for each message, they were copied from a
/// blank template every time, for the few entries a message uses.
pub(crate) struct WorkBuf {
    lex: [Option<Lex>; MAX_TOKENS],
    role: [Role; MAX_TOKENS],
}

impl WorkBuf {
    pub(crate) const fn empty() -> Self {
        WorkBuf {
            lex: [None; MAX_TOKENS],
            role: [Role::Other; MAX_TOKENS],
        }
    }
}

/// What a token is to the grammar's scans, decided once per token in [`Work::new`] (and
/// when an idiom swallows a word): the scans ask it of every token they pass, several
/// times per action word, where it took the token's skip flag, kind and reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A word of the content ([`Work::is_content`]).
    Content,
    /// Another member's mention: content too, a third person (told apart here, so that
    /// [`Work::content`] needs not read the token's kind).
    Mention,
    /// Clause punctuation ([`Work::is_punct`]).
    Punct,
    /// Skipped (the address, a word an idiom swallowed) or a mention of the bot.
    Other,
}

/// One clause: a token range and whether its sentence asks a question.
#[derive(Debug, Clone, Copy)]
struct Clause {
    start: usize,
    end: usize,
    question: bool,
}

/// Reads the intent of an addressed message.
#[cfg(test)]
pub(crate) fn decide(t: &Tagged<'_>) -> Verdict {
    decide_in(t, &mut WorkBuf::empty())
}

/// [`decide`] in the working arrays `buf`, which it overwrites.
pub(crate) fn decide_in(t: &Tagged<'_>, buf: &mut WorkBuf) -> Verdict {
    let mut w = Work::new(t, buf);
    w.fold_idioms();

    let mut restart: f32 = 0.0;
    let mut wake: f32 = 0.0;
    let mut status: f32 = 0.0;
    let mut help: f32 = 0.0;
    let mut restart_vetoed = false;
    // Where the last refusal or withdrawal of a restart is.
    let mut vetoed_at: Option<usize> = None;
    let mut talk_seen = false;
    let mut restart_talk = false;
    let mut restart_how_to = false;
    let mut restart_delayed = false;
    let mut wake_delayed = false;

    // Most messages hold no word that a status or a help question needs: then no clause
    // is read for one.
    let may_ask_status = w.may_ask_status();
    let may_ask_help = w.may_ask_help();

    let mut start = 0;
    let n = w.slots.len();
    while start < n {
        let (clause, next) = w.next_clause(start);
        start = next;
        if w.retracts(clause) {
            // "redémarre ? non, laisse tomber": what came before is withdrawn — only that:
            // in "vous êtes combien ce soir ? et sinon relance le serv", the order comes
            // after the deferral word, and stands.
            if restart > 0.0 || restart_talk {
                restart_vetoed = true;
                vetoed_at = Some(clause.start);
            }
            wake = 0.0;
            talk_seen = true;
        }
        let mut ordered = false;
        for p in clause.start..clause.end {
            let Some(Lex::Action(act, form)) = w.content(p) else {
                continue;
            };
            let form = if w.slots[p].participle && matches!(form, Form::Base | Form::Noun) {
                Form::Past
            } else {
                form
            };
            match w.read_action(clause, p, form) {
                Reading::Order(score) if !ordered => {
                    ordered = true;
                    let score = score * similarity(w.slots[p].distance);
                    match act {
                        Act::Restart => {
                            restart = restart.max(score);
                            // A refusal withdraws what came before it, not an order given
                            // in a later sentence: "on avait dit pas de relance avant
                            // dimanche, mais là c'est injouable. relance le serveur" (where
                            // "ne relance pas le serveur, relance le plugin" stays refused).
                            if vetoed_at.is_some_and(|v| {
                                (v..p).any(|k| {
                                    matches!(w.slots[k].kind, TokenKind::Stop | TokenKind::Question)
                                })
                            }) {
                                restart_vetoed = false;
                                vetoed_at = None;
                            }
                        }
                        Act::Wake => wake = wake.max(score),
                    }
                }
                Reading::Order(_) => {}
                Reading::Negated => {
                    talk_seen = true;
                    if act == Act::Restart {
                        restart_vetoed = true;
                        vetoed_at = Some(p);
                    }
                }
                Reading::State => status = status.max(0.85),
                Reading::HowTo => {
                    help = help.max(0.85);
                    restart_how_to |= act == Act::Restart;
                }
                Reading::Talk => {
                    talk_seen = true;
                    restart_talk |= act == Act::Restart;
                }
                Reading::Delayed => {
                    talk_seen = true;
                    restart_talk |= act == Act::Restart;
                    match act {
                        Act::Restart => restart_delayed = true,
                        Act::Wake => wake_delayed = true,
                    }
                }
            }
        }
        if !ordered {
            if may_ask_status {
                status = status.max(w.read_status(clause));
            }
            if may_ask_help {
                help = help.max(w.read_help(clause));
            }
        }
    }

    // A bare "<@bot> ?": the player wonders what the bot does.
    if !(0..n).any(|i| {
        w.is_content(i) && !matches!(w.lex[i], Some(Lex::Greeting | Lex::Polite | Lex::Thanks))
    }) && w.slots.iter().any(|s| s.kind == TokenKind::Question)
    {
        help = help.max(0.6);
    }

    let evidence = Evidence {
        scores: [restart, wake, status, help],
        restart_vetoed,
        restart_talk_only: restart_talk && restart == 0.0,
        talk_seen,
        restart_how_to,
        restart_delayed_only: restart_delayed && restart == 0.0,
        wake_delayed_only: wake_delayed && wake == 0.0,
    };
    let verdict = |intent, score| Verdict {
        intent,
        score,
        evidence,
    };
    if restart > 0.0 && !restart_vetoed {
        verdict(Intent::Restart, restart)
    } else if wake > 0.0 {
        verdict(Intent::Wake, wake)
    } else if status > 0.0 && status >= help {
        verdict(Intent::Status, status)
    } else if help > 0.0 {
        verdict(Intent::Help, help)
    } else if talk_seen || restart > 0.0 {
        verdict(Intent::None, 0.8)
    } else {
        verdict(Intent::None, 0.9)
    }
}

/// Whether a word after an action is a finite verb that makes the action phrase its
/// subject ("relancer … ce serait une mauvaise idée", "the restart was long").
fn is_finite_verb(lex: Option<Lex>) -> bool {
    matches!(
        lex,
        Some(Lex::Copula | Lex::PastAux | Lex::HaveAux | Lex::Modal(_, Person::Third))
    )
}

/// Possessive determiners: "*ton* cerveau", "*their* server" belong to
/// someone, so they are not the bot's server. The grammar and the learned
/// stage's object gate must agree on this list.
pub(super) fn is_possessive(word: &[u8]) -> bool {
    matches!(
        word,
        b"mon"
            | b"ma"
            | b"mes"
            | b"ton"
            | b"ta"
            | b"tes"
            | b"son"
            | b"sa"
            | b"ses"
            | b"my"
            | b"your"
            | b"his"
            | b"her"
            | b"their"
    )
}

/// Words that measure a delay ("dans une *heure*", "in a few *minutes*").
fn is_time_unit(word: &[u8]) -> bool {
    matches!(
        word,
        b"h" | b"heure"
            | b"heures"
            | b"min"
            | b"mins"
            | b"mn"
            | b"minute"
            | b"minutes"
            | b"sec"
            | b"seconde"
            | b"secondes"
            | b"second"
            | b"seconds"
            | b"hour"
            | b"hours"
            | b"jour"
            | b"jours"
            | b"day"
            | b"days"
            | b"semaine"
            | b"week"
    )
}

/// How much a typo weakens the evidence of a word.
fn similarity(distance: u8) -> f32 {
    match distance {
        0 => 1.0,
        1 => 0.92,
        _ => 0.85,
    }
}

impl<'t> Work<'t> {
    fn new(t: &'t Tagged<'t>, buf: &'t mut WorkBuf) -> Self {
        let mut w = Work {
            slots: t.slots(),
            tagged: t,
            lex: &mut buf.lex,
            role: &mut buf.role,
        };
        let Work {
            slots, lex, role, ..
        } = &mut w;
        for (i, s) in slots.iter().enumerate() {
            lex[i] = s.lex;
            role[i] = match s.kind {
                TokenKind::Question | TokenKind::Stop | TokenKind::Comma => Role::Punct,
                TokenKind::Word if !s.skip => Role::Content,
                TokenKind::Mention if !s.skip && s.refers == Ref::OtherMention => Role::Mention,
                _ => Role::Other,
            };
            if s.kind == TokenKind::Word && !s.skip {
                // Mentions of others and "bot" used as a noun act as third persons.
                match s.refers {
                    Ref::OtherAt | Ref::BotName => lex[i] = Some(Lex::Subject(Person::Third)),
                    _ => {}
                }
            }
        }
        w
    }

    /// The class of token `i` if it is a word of the content (not skipped, not punctuation).
    #[inline]
    fn content(&self, i: usize) -> Option<Lex> {
        match self.role[i] {
            Role::Content => self.lex[i],
            Role::Mention => Some(Lex::Subject(Person::Third)),
            Role::Punct | Role::Other => None,
        }
    }

    /// Whether token `i` takes part in the content (a word or another member's mention).
    #[inline]
    fn is_content(&self, i: usize) -> bool {
        matches!(self.role[i], Role::Content | Role::Mention)
    }

    #[inline]
    fn is_punct(&self, i: usize) -> bool {
        self.role[i] == Role::Punct
    }

    #[inline]
    fn text(&self, i: usize) -> &[u8] {
        self.tagged.text(i)
    }

    /// The next content token after `i`, within the same clause.
    #[inline]
    fn next_content(&self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        while j < self.slots.len() && !self.is_punct(j) {
            if self.is_content(j) {
                return Some(j);
            }
            j += 1;
        }
        None
    }

    /// The previous content token before `i`, within the same clause.
    #[inline]
    fn prev_content(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while j > 0 {
            j -= 1;
            if self.is_punct(j) {
                return None;
            }
            if self.is_content(j) {
                return Some(j);
            }
        }
        None
    }

    /// Rewrites multi-word idioms into the classes the rules reason with.
    fn fold_idioms(&mut self) {
        let n = self.slots.len();
        for i in 0..n {
            if !self.is_content(i) {
                continue;
            }
            if let Some(len) = self.connector(i) {
                for k in i..i + len {
                    self.role[k] = Role::Other;
                }
                continue;
            }
            // Looked for only by the arms that read it: most words take none of them.
            let next = || self.next_content(i);
            let next_lex = || next().and_then(|j| self.lex[j]);
            match self.lex[i] {
                // "toi, relance le serveur": the bot singled out, as by its name.
                Some(Lex::Object(Obj::SelfRef))
                    if self.text(i) == b"toi"
                        && self.prev_content(i).is_none()
                        && matches!(next_lex(), Some(Lex::Action(..))) =>
                {
                    self.role[i] = Role::Other;
                }
                // "re-démarre", "re start": a restart. After an apostrophe ("we're"): a copula.
                Some(Lex::Re) => {
                    if self.slots[i].after_apostrophe {
                        self.lex[i] = Some(Lex::Copula);
                    } else if let (Some(j), Some(Lex::Action(Act::Wake, f))) = (next(), next_lex())
                    {
                        self.lex[j] = Some(Lex::Action(Act::Restart, f));
                        self.role[i] = Role::Other;
                    } else {
                        self.lex[i] = Some(Lex::Greeting);
                    }
                }
                // "turn on", "power the server on", "wake up", "start up".
                Some(Lex::Phrasal(f)) => {
                    self.lex[i] = None;
                    let mut j = i;
                    for _ in 0..4 {
                        let Some(k) = self.next_content(j) else { break };
                        if matches!(self.lex[k], Some(Lex::On | Lex::Up)) {
                            self.lex[i] = Some(Lex::Action(Act::Wake, f));
                            self.role[k] = Role::Other;
                            break;
                        }
                        j = k;
                    }
                }
                Some(Lex::Action(Act::Wake, _)) => {
                    let next = next();
                    if let (Some(j), Some(Lex::Up)) = (next, next.and_then(|j| self.lex[j])) {
                        self.role[j] = Role::Other;
                    }
                    // "lance un redémarrage": the noun carries the action, the verb is light.
                    let noun = next
                        .filter(|&j| matches!(self.lex[j], Some(Lex::Determiner | Lex::AuxA)))
                        .and_then(|j| self.next_content(j));
                    if noun.is_some_and(|k| {
                        matches!(
                            self.lex[k],
                            Some(Lex::Action(Act::Restart, Form::Noun | Form::Base))
                        )
                    }) {
                        self.lex[i] = Some(Lex::Do);
                    }
                }
                // "have to", "has to": obligation; otherwise a past auxiliary.
                Some(Lex::HaveAux) => {
                    if let (Some(j), Some(Lex::To)) = (next(), next_lex()) {
                        self.lex[i] = Some(Lex::Modal(Modal::Obligation, Person::Third));
                        self.role[j] = Role::Other;
                    } else {
                        self.lex[i] = Some(Lex::PastAux);
                    }
                }
                // "allumé ou pas ?", "up or not?": an alternative, not a negation.
                Some(Lex::Negation)
                    if self
                        .prev_content(i)
                        .is_some_and(|p| matches!(self.text(p), b"ou" | b"or")) =>
                {
                    self.lex[i] = Some(Lex::Alternative);
                }
                // "arrête de rire", "stop laughing": another activity is stopped, nothing
                // of the bot's.
                Some(Lex::Blocker) if self.stops_something_else(i) => {
                    self.lex[i] = Some(Lex::Known);
                }
                // "pas de souci", "no worries", "pas urgent": nothing is negated.
                Some(Lex::Negation) => {
                    let mut j = next();
                    if let Some(k) = j {
                        if self.lex[k] == Some(Lex::Determiner)
                            && matches!(self.text(k), b"de" | b"d")
                        {
                            j = self.next_content(k);
                        }
                    }
                    if j.is_some_and(|k| self.lex[k] == Some(Lex::NoProblem)) {
                        self.lex[i] = Some(Lex::Adverb);
                    }
                }
                // "s'il te plaît", "s'il vous plaît"; "let's"; English "it's", "what's".
                Some(Lex::Copula) if self.text(i) == b"s" => {
                    if next().is_some_and(|j| self.text(j) == b"il") {
                        let mut j = next();
                        for _ in 0..3 {
                            let Some(k) = j else { break };
                            let t = self.text(k);
                            if matches!(t, b"il" | b"te" | b"vous" | b"plait" | b"plais") {
                                self.lex[k] = Some(Lex::Polite);
                                j = self.next_content(k);
                            } else {
                                break;
                            }
                        }
                        self.lex[i] = Some(Lex::Polite);
                    } else if self.prev_content(i).is_some_and(|p| self.text(p) == b"let") {
                        self.lex[i] = Some(Lex::Polite);
                    }
                }
                // "est-ce que": a question marker, not a copula.
                Some(Lex::Copula)
                    if self.text(i) == b"est" && next().is_some_and(|j| self.text(j) == b"ce") =>
                {
                    let next = next();
                    self.lex[i] = Some(Lex::Que);
                    if let Some(j) = next {
                        self.lex[j] = Some(Lex::Que);
                    }
                }
                Some(Lex::Let) => self.lex[i] = Some(Lex::Polite),
                // "laisse tomber", and "laisse" alone in its clause ("non laisse", "laisse,
                // ça remarche"): never mind.
                Some(Lex::Known)
                    if matches!(self.text(i), b"laisse" | b"laissez")
                        && next().is_none_or(|j| self.text(j) == b"tomber") =>
                {
                    self.lex[i] = Some(Lex::Blocker);
                }
                // "il faut", "il faudrait": impersonal.
                Some(Lex::Subject(Person::Third))
                    if self.text(i) == b"il"
                        && matches!(next_lex(), Some(Lex::Modal(_, Person::Impersonal))) =>
                {
                    self.lex[i] = Some(Lex::Subject(Person::Impersonal));
                }
                // "i'm": English copula; the French "m'" (me) is a plain clitic.
                Some(Lex::Subject(Person::First))
                    if self.text(i) == b"i" && next().is_some_and(|j| self.text(j) == b"m") =>
                {
                    if let Some(j) = next() {
                        self.lex[j] = Some(Lex::Copula);
                    }
                }
                // "vas-y": an interjection.
                Some(Lex::Modal(Modal::Future, Person::Second))
                    if next_lex() == Some(Lex::Existential) =>
                {
                    let next = next();
                    self.lex[i] = Some(Lex::Greeting);
                    if let Some(j) = next {
                        self.lex[j] = Some(Lex::Greeting);
                    }
                }
                // "tous les soirs", "toutes les 5 minutes": a habit.
                // (The word first: this arm is tried on every word no arm above took, and
                // the next word is looked for only after it.)
                Some(_) | None
                    if matches!(self.text(i), b"tous" | b"toutes")
                        && matches!(next_lex(), Some(Lex::Determiner))
                        && next().and_then(|j| self.next_content(j)).is_some_and(|k| {
                            let unit = |t: &[u8]| {
                                matches!(
                                    t,
                                    b"soirs"
                                        | b"jours"
                                        | b"nuits"
                                        | b"matins"
                                        | b"semaines"
                                        | b"heures"
                                        | b"minutes"
                                        | b"min"
                                        | b"fois"
                                )
                            };
                            unit(self.text(k))
                                || self.next_content(k).is_some_and(|m| unit(self.text(m)))
                        }) =>
                {
                    self.lex[i] = Some(Lex::Habit);
                }
                // "il y a 5 min": ago.
                Some(Lex::Existential) => {
                    if let (Some(j), Some(Lex::AuxA)) = (next(), next_lex()) {
                        if let Some(k) = self.next_content(j) {
                            if matches!(self.lex[k], Some(Lex::Number | Lex::Time)) {
                                self.lex[k] = Some(Lex::PastTime);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // Second pass: times and evenings depend on the word before them.
        // Whether any word is "in"/"dans" at all: this pass makes none, and without one
        // the delay arm below, tried on nearly every word, needs no look back.
        let any_in = self.lex[..n].contains(&Some(Lex::In));
        for i in 0..n {
            if !self.is_content(i) {
                continue;
            }
            // Looked for only by the arms that read it: most words take none of them.
            let prev = || self.prev_content(i);
            let prev_lex = || prev().and_then(|p| self.lex[p]);
            let prev_text = || prev().map(|p| self.text(p)).unwrap_or(b"");
            match self.lex[i] {
                Some(Lex::Evening) => {
                    let delayed = matches!(prev_text(), b"ce" | b"cette")
                        || prev_lex() == Some(Lex::Deferral);
                    self.lex[i] = delayed.then_some(Lex::Deferral);
                }
                Some(Lex::Number) if prev_lex() == Some(Lex::In) => {
                    self.lex[i] = Some(Lex::Deferral);
                }
                // "à 00:00", "at 21:30": a clock time, as "à 21h" is.
                Some(Lex::Number)
                    if self.clock(i)
                        && (prev_lex() == Some(Lex::AuxA)
                            || matches!(prev_text(), b"vers" | b"at")) =>
                {
                    self.lex[i] = Some(Lex::Deferral);
                }
                // "dans une heure", "in a few minutes": a delay spelled out.
                // (The rare "in" first: the unit's word list is the dearer test.)
                _ if any_in
                    && [prev(), prev().and_then(|p| self.prev_content(p))]
                        .into_iter()
                        .flatten()
                        .any(|p| self.lex[p] == Some(Lex::In))
                    && is_time_unit(self.text(i)) =>
                {
                    self.lex[i] = Some(Lex::Deferral);
                }
                Some(Lex::Time)
                    if matches!(prev_lex(), Some(Lex::In | Lex::AuxA))
                        || matches!(prev_text(), b"vers" | b"at") =>
                {
                    self.lex[i] = Some(Lex::Deferral);
                }
                Some(Lex::Train) if prev_text() != b"en" => self.lex[i] = None,
                // "un de ces jours", "one of these days": some day, not now.
                None if matches!(self.text(i), b"jours" | b"days")
                    && i >= 2
                    && matches!(
                        (self.text(i - 2), self.text(i - 1)),
                        (b"de", b"ces") | (b"of", b"these")
                    ) =>
                {
                    self.lex[i] = Some(Lex::Deferral);
                }
                // Québec "en fin de semaine": the weekend, as "weekend" is.
                None if self.text(i) == b"fin"
                    && self.tagged.phrase_at(i + 1, &[b"de", b"semaine"]) =>
                {
                    self.lex[i] = Some(Lex::Deferral);
                }
                // "relance avant que je devienne fou", "before I lose it": a deadline that
                // hurries the order, where "avant ce soir" and "before that" put it off.
                Some(Lex::Deferral) if self.hurries(i) => self.lex[i] = Some(Lex::Adverb),
                // "plus": "ne redémarre plus", "plus besoin de…" negate; "de plus en plus",
                // "le plus vite possible", "plus tard" compare.
                Some(Lex::NegAfter) => {
                    let next_text = self.next_content(i).map(|j| self.text(j)).unwrap_or(b"");
                    let next_lex = self.next_content(i).and_then(|j| self.lex[j]);
                    let comparative =
                        matches!(prev_text(), b"le" | b"la" | b"les" | b"de" | b"en" | b"un")
                            || matches!(
                                next_text,
                                b"vite"
                                    | b"rapidement"
                                    | b"tot"
                                    | b"souvent"
                                    | b"fort"
                                    | b"loin"
                                    | b"que"
                            )
                            || next_lex == Some(Lex::Deferral);
                    self.lex[i] = Some(if comparative {
                        Lex::Adverb
                    } else {
                        Lex::Negation
                    });
                }
                _ => {}
            }
        }
    }

    /// Whether the action noun at `p` is the subject of a wish in the conditional ("un
    /// reboot serait pas de refus", "une relance serait la bienvenue", "a restart would be
    /// great"): a request, where "le reboot était long" speaks of one.
    fn welcomed(&self, p: usize) -> bool {
        let Some(mut k) = self.next_content(p) else {
            return false;
        };
        // "un restart ce serait top", "a restart, that would be great".
        if matches!(self.text(k), b"ce" | b"ca" | b"that") {
            let Some(next) = self.next_content(k) else {
                return false;
            };
            k = next;
        }
        if !matches!(self.text(k), b"serait" | b"would" | b"ferait") {
            return false;
        }
        let mut j = k;
        for _ in 0..4 {
            let Some(q) = self.next_content(j) else {
                return false;
            };
            if matches!(
                self.text(q),
                b"great"
                    | b"nice"
                    | b"cool"
                    | b"awesome"
                    | b"appreciated"
                    | b"welcome"
                    | b"perfect"
                    | b"amazing"
                    | b"lovely"
                    | b"helpful"
                    | b"help"
                    | b"top"
                    | b"bien"
                    | b"bienvenu"
                    | b"bienvenue"
                    | b"genial"
                    | b"parfait"
                    | b"sympa"
                    | b"super"
                    | b"apprecie"
                    | b"appreciee"
                    | b"refus"
                    | b"utile"
                    | b"ideal"
                    | b"nickel"
                    | b"plaisir"
            ) {
                return true;
            }
            j = q;
        }
        false
    }

    /// How many words a discourse connector of several words starting at `i` spans ("du
    /// coup", "en tout cas", "en attendant", "by the way"): they tie a request to what came
    /// before and ask nothing, but each word alone means something else ("un coup de
    /// main", "en attendant le reboot").
    fn connector(&self, i: usize) -> Option<usize> {
        // Matched on the first word (compiled to a length and byte test) before any phrase
        // is compared: this runs for every word of every message.
        let phrases: &[&[&[u8]]] = match self.text(i) {
            b"du" => &[&[b"coup"]],
            b"en" => &[&[b"tout", b"cas"], &[b"attendant"]],
            b"dans" => &[&[b"tous", b"les", b"cas"]],
            b"de" => &[&[b"toute", b"facon"]],
            b"by" => &[&[b"the", b"way"]],
            b"in" => &[&[b"the", b"meantime"]],
            // "just in case, reboot it", "relance-le, au cas où": a precaution taken now;
            // "in case it freezes", "au cas où ça plante" open a condition (below).
            b"just" => &[&[b"in", b"case"]],
            b"au" => &[&[b"cas", b"ou"]],
            _ => return None,
        };
        let rest = phrases.iter().find(|rest| {
            i + rest.len() < self.slots.len()
                && rest
                    .iter()
                    .enumerate()
                    .all(|(k, word)| self.is_content(i + 1 + k) && self.text(i + 1 + k) == *word)
        })?;
        // "en attendant le reboot", "un coup de main": the phrase goes on, it is no
        // connector.
        let after = self.next_content(i + rest.len());
        if after.is_some_and(|j| {
            matches!(self.lex[j], Some(Lex::Determiner | Lex::Preposition))
                || matches!(self.text(j), b"de" | b"d" | b"que" | b"qu")
                || (matches!(self.text(i), b"just" | b"au")
                    && (matches!(self.lex[j], Some(Lex::Subject(_) | Lex::On))
                        || matches!(self.text(j), b"ca" | b"it" | b"there" | b"y")))
        }) {
            return None;
        }
        Some(1 + rest.len())
    }

    /// Whether a word before token `end` asks for now: "now", "maintenant", "mtn",
    /// "direct", "asap", "tout de suite", "right away".
    fn now_before(&self, end: usize) -> bool {
        (0..end.min(self.slots.len())).any(|k| {
            self.is_content(k)
                && (matches!(
                    self.text(k),
                    b"now" | b"maintenant" | b"mtn" | b"direct" | b"asap" | b"immediatement"
                ) || self.tagged.phrase_at(k, &[b"tout", b"de", b"suite"])
                    || self.tagged.phrase_at(k, &[b"right", b"away"]))
        })
    }

    /// Whether a clause withdraws what was said before it: it has no action of its own
    /// and opens on a "no" ("non", "no", "pas maintenant") or holds a blocker ("laisse
    /// tomber", "annule", "never mind") or a deferral that speaks of the order ("plutôt ce
    /// soir", "on le fera après").
    fn retracts(&self, c: Clause) -> bool {
        let mut first = true;
        let mut retract = false;
        // A clause with a subject of its own says something else: "c'est de la bouette ce
        // soir", "on se retrouve dans 5 minutes au spawn", "pis après je vous montre ma
        // maison" put off nothing…
        let mut subject = false;
        let mut deferral = false;
        // …unless it takes the order back with a pronoun: "on le fera après", "I'll do it
        // later" (but "le débat, on le fera après" speaks of the debate).
        let mut opens_on_noun = false;
        let mut takes_it_back = false;
        for i in c.start..c.end {
            // "ça peut attendre", "on peut attendre": the order waits (but "on est six à
            // attendre" waits for it, and "la musique peut attendre" is something else).
            if self.text(i) == b"attendre" && self.after_modal(i) && !opens_on_noun {
                retract = true;
            }
            let Some(lex) = self.content(i) else { continue };
            match lex {
                Lex::Action(..) => return false,
                Lex::Subject(_) | Lex::Copula | Lex::Existential if !deferral => subject = true,
                // Only a pronoun after the deferral: "plus tard c'est mieux" still defers.
                Lex::Subject(_) => subject = true,
                // French "on" ("we"), not English "later on", "on the server".
                Lex::On if self.french_on(i) => subject = true,
                Lex::Determiner if first => opens_on_noun = true,
                Lex::Determiner | Lex::Object(_) if subject && self.resumes(i) => {
                    takes_it_back = !opens_on_noun
                }
                // "la pluie s'arrête": a reflexive verb, something stops by itself.
                Lex::Blocker if self.reflexive(i) => {}
                // "the music bot can wait (till later)": a thing named first waits, not
                // the order.
                Lex::Blocker if opens_on_noun && self.after_modal(i) => subject = true,
                // "le reboot ? plus tard": withdrawn for now.
                Lex::Blocker => retract = true,
                Lex::Deferral => deferral = true,
                Lex::Negation
                    if first
                        && matches!(
                            self.text(i),
                            b"non" | b"nan" | b"nn" | b"no" | b"nope" | b"nah" | b"pas" | b"not"
                        ) =>
                {
                    if matches!(self.text(i), b"pas" | b"not") && self.contrasts(i) {
                        // "relance le serveur, pas la musique": the order stands, another
                        // object is set aside.
                        return false;
                    }
                    // "restart it now, not tonight": the order stands, a later time is
                    // set aside (where "un restart maintenant ? non merci" declines).
                    if self.now_before(c.start)
                        && (i + 1..c.end).any(|k| self.lex[k] == Some(Lex::Deferral))
                    {
                        return false;
                    }
                    retract = true
                }
                _ => {}
            }
            if !matches!(lex, Lex::Greeting | Lex::Polite) {
                first = false;
            }
        }
        retract || (deferral && (!subject || takes_it_back))
    }

    /// Whether the "on" at `i` is the French pronoun: its verb or object pronoun follows
    /// ("on se retrouve", "on le fera", "on a un raid"), where English "on" ends the clause
    /// ("later on") or opens a noun phrase ("on the server"; "on a" is French far more
    /// often than "on a server").
    fn french_on(&self, i: usize) -> bool {
        self.next_content(i).is_some_and(|j| {
            !matches!(
                self.text(j),
                b"the" | b"an" | b"my" | b"your" | b"our" | b"this" | b"that" | b"it" | b"second"
            )
        })
    }

    /// Whether the word at `i` is an object pronoun standing for something said before:
    /// French "le"/"la" right after its subject ("on le fera"), English "it" after a verb
    /// ("I'll do it").
    fn resumes(&self, i: usize) -> bool {
        match self.text(i) {
            b"le" | b"la" | b"l" => self
                .prev_content(i)
                .is_some_and(|j| matches!(self.lex[j], Some(Lex::Subject(_) | Lex::On))),
            b"it" => true,
            _ => false,
        }
    }

    /// Whether the number at `i` is the hours of a clock time: a colon, then the minutes.
    fn clock(&self, i: usize) -> bool {
        i + 2 < self.slots.len()
            && self.text(i + 1) == b":"
            && self.lex[i + 2] == Some(Lex::Number)
            && self.text(i + 2).len() == 2
    }

    /// Whether the delay word at `k` puts the order off to a later time ("demain", "in an
    /// hour", "ce soir"), rather than setting a deadline ("avant le raid", "before 9") or a
    /// purpose ("pour ce soir", "for tonight"), both of which ask it now.
    fn puts_off(&self, k: usize) -> bool {
        if matches!(
            self.text(k),
            b"avant" | b"before" | b"apres" | b"after" | b"yet"
        ) {
            return false;
        }
        let mut p = self.prev_content(k);
        if let Some(q) = p.filter(|&q| matches!(self.text(q), b"ce" | b"cette" | b"this")) {
            p = self.prev_content(q);
        }
        // "pour ce soir" is a purpose; "avant dimanche", "before sunday" a deadline.
        !p.is_some_and(|q| matches!(self.text(q), b"pour" | b"for" | b"avant" | b"before"))
    }

    /// Whether the "avant"/"before" at `i` opens a clause of its own ("avant que tout le
    /// monde parte", "before everyone leaves"): a deadline that hurries the order, where
    /// "mais avant, …" and "before that" put it off.
    fn hurries(&self, i: usize) -> bool {
        let next = || self.next_content(i).map(|j| self.text(j));
        match self.text(i) {
            b"avant" => matches!(next(), Some(b"que" | b"qu")),
            b"before" => next().is_some_and(|w| !matches!(w, b"that" | b"this" | b"then")),
            _ => false,
        }
    }

    /// Whether the subordinator at `i` opens a condition on the addressee's convenience
    /// before the action at `p`: "si tu peux", "if you could", "quand tu veux", "si t'as
    /// deux minutes", "when you're ready".
    fn convenience(&self, i: usize, p: usize) -> bool {
        let Some(subject) = self.next_content(i).filter(|&k| k < p) else {
            return false;
        };
        if !matches!(self.lex[subject], Some(Lex::Subject(Person::Second))) {
            return false;
        }
        let mut k = subject;
        for _ in 0..4 {
            let Some(next) = self.next_content(k).filter(|&n| n < p) else {
                return false;
            };
            k = next;
            if matches!(self.lex[k], Some(Lex::Modal(..))) || lexicon::convenience(self.text(k)) {
                return true;
            }
        }
        false
    }

    /// Whether the word at `i` follows the French reflexive "se" ("s'arrête").
    fn reflexive(&self, i: usize) -> bool {
        i > 0
            && matches!(self.text(i - 1), b"s" | b"se")
            && self.slots[i - 1].kind == TokenKind::Word
    }

    /// Whether the word at `i` follows a modal ("can wait", "peut attendre").
    fn after_modal(&self, i: usize) -> bool {
        self.prev_content(i)
            .is_some_and(|j| matches!(self.lex[j], Some(Lex::Modal(..))))
    }

    /// Whether the "pas"/"not" at `i` opens a noun phrase ("pas la musique", "not my
    /// router", "pas celui de TeamSpeak", "pas discord") or names another command ("not
    /// check it", "pas le statut"), setting it aside, rather than a time or a refusal ("pas
    /// maintenant", "not yet", "pas besoin").
    fn contrasts(&self, i: usize) -> bool {
        let Some(j) = self.next_content(i) else {
            return false;
        };
        let w = self.text(j);
        self.lex[j] == Some(Lex::Determiner)
            // "restart it, not check it", "I meant restart, not status": another command.
            || matches!(self.lex[j], Some(Lex::Help(_) | Lex::StatusNoun))
            || matches!(w, b"check" | b"verifier" | b"verifie")
            || is_possessive(w)
            || matches!(
                w,
                b"celui" | b"celle" | b"ceux" | b"discord" | b"teamspeak" | b"spotify"
            )
    }

    /// Whether the blocker at `i` stops another activity: "arrête de rire", "stop
    /// laughing" — a verb the lexicon does not know follows it ("cancel that", "wait
    /// what" still withdraw).
    fn stops_something_else(&self, i: usize) -> bool {
        let Some(j) = self.next_content(i) else {
            return false;
        };
        let unknown = |k: usize| {
            matches!(self.lex[k], None | Some(Lex::Known)) && self.slots[k].refers == Ref::No
        };
        match self.text(j) {
            b"de" | b"d" | b"to" => self.next_content(j).is_some_and(unknown),
            w => unknown(j) && w.ends_with(b"ing"),
        }
    }

    /// The clause starting at `start` and the index where the next one starts.
    fn next_clause(&self, start: usize) -> (Clause, usize) {
        let n = self.slots.len();
        let mut end = start;
        while end < n && !self.is_punct(end) {
            end += 1;
        }
        // A clause is a question when its sentence ends with '?'.
        let mut k = end;
        while k < n && self.slots[k].kind == TokenKind::Comma {
            k += 1;
            while k < n && !self.is_punct(k) {
                k += 1;
            }
        }
        let question = k < n && self.slots[k].kind == TokenKind::Question;
        (
            Clause {
                start,
                end,
                question,
            },
            end + 1,
        )
    }

    /// Reads the action word at `p` in its clause.
    fn read_action(&self, c: Clause, p: usize, form: Form) -> Reading {
        // Left context: who does what, how.
        let mut subject: Option<Person> = None;
        let mut server_subject = false;
        let mut modal: Option<(Modal, Person)> = None;
        let mut modal_at: Option<usize> = None;
        let mut negations = [0usize; 4];
        let mut negation_count = 0;
        let mut blocked = false;
        let mut past = false;
        let mut copula = false;
        let mut manner = false;
        let mut progressive = false;
        let mut delayed = false;
        // Delayed to a later time rather than before a deadline.
        let mut put_off = false;
        let mut to_infinitive = false;
        let mut purpose = false;
        let mut opinion = false;
        let mut subordinate = false;
        let mut asks_info = false;
        let mut habit = false;
        let mut pronoun_subject = false;
        let mut unexplained = false;
        let mut subject_is_pronoun = false;
        let mut polite = false;
        let mut prev: Option<Lex> = None;
        for i in c.start..p {
            let Some(lex) = self.content(i) else {
                // "mon pote a…", "le mec veut…": a noun subject (third person).
                let after_determiner = matches!(prev, Some(Lex::Determiner));
                let before_verb = self.next_content(i).is_some_and(|j| {
                    j != p
                        && matches!(
                            self.lex[j],
                            Some(
                                Lex::Modal(..)
                                    | Lex::PastAux
                                    | Lex::AuxA
                                    | Lex::AuxAs
                                    | Lex::Copula
                            )
                        )
                });
                if self.is_content(i) && after_determiner && before_verb {
                    subject = Some(Person::Third);
                    subject_is_pronoun = false;
                    server_subject = false;
                }
                // A word the grammar cannot place before the verb ("every restart…",
                // "il paraît que…"): not a recognisable request frame.
                if self.is_content(i) {
                    unexplained = true;
                }
                prev = None;
                if self.is_content(i) {
                    // An unknown word between a copula and the verb ends the copula's reach,
                    // and between a pronoun and the verb shows the pronoun is not its subject.
                    copula = false;
                    if pronoun_subject {
                        server_subject = false;
                    }
                }
                continue;
            };
            // "ça redémarre ?" is about the server; "ça sert à quoi de redémarrer ?" is not.
            if pronoun_subject
                && !matches!(
                    lex,
                    Lex::Modal(..)
                        | Lex::Copula
                        | Lex::PastAux
                        | Lex::AuxA
                        | Lex::AuxAs
                        | Lex::Negation
                        | Lex::NegAfter
                        | Lex::PastTime
                        | Lex::PastModal
                        | Lex::Determiner
                        | Lex::Object(Obj::Pronoun)
                )
            {
                server_subject = false;
                pronoun_subject = false;
            }
            match lex {
                Lex::Opinion => opinion = true,
                // "si tu peux relancer le serveur", "if you could restart it", "quand t'as
                // deux minutes relance": the addressee's convenience, a polite request.
                Lex::Subord if self.convenience(i, p) => polite = true,
                Lex::Subord => subordinate = true,
                Lex::Why | Lex::What | Lex::HowMany => asks_info = true,
                // "who asked you to reboot?": a question about someone, not a request.
                Lex::Qui if self.prev_content(i).is_none() => {
                    asks_info = true;
                    subject = Some(Person::Third);
                    subject_is_pronoun = false;
                }
                Lex::Polite => polite = true,
                Lex::RequestFrame => {
                    polite = true;
                    copula = false;
                }
                Lex::Habit => habit = true,
                Lex::Subject(person) => {
                    subject = Some(person);
                    subject_is_pronoun = false;
                    if person != Person::Third {
                        server_subject = false;
                    }
                }
                Lex::On => {
                    if !matches!(prev, Some(Lex::Copula)) {
                        subject = Some(Person::First);
                        subject_is_pronoun = false;
                    }
                }
                Lex::Qui | Lex::Presence | Lex::Bot => {
                    subject = Some(Person::Third);
                    subject_is_pronoun = false;
                    server_subject = false;
                    copula = false;
                }
                Lex::Object(Obj::Pronoun) => {
                    subject = Some(Person::Third);
                    server_subject = true;
                    pronoun_subject = true;
                    subject_is_pronoun = true;
                }
                // "mon pc redémarre tout seul": something else restarts.
                Lex::Object(Obj::Foreign | Obj::SelfRef)
                    if matches!(prev, Some(Lex::Determiner)) || self.next_content(i) == Some(p) =>
                {
                    subject = Some(Person::Third);
                    subject_is_pronoun = false;
                    server_subject = false;
                }
                Lex::Object(Obj::Server) => {
                    // "le serveur redémarre ?" has a subject; "mc restart stp" is telegraphic.
                    let determined = matches!(prev, Some(Lex::Determiner | Lex::AuxA));
                    let adjacent = self.next_content(i) == Some(p);
                    let after_preposition = matches!(
                        prev,
                        Some(Lex::Preposition | Lex::In | Lex::Purpose | Lex::To)
                    ) || self
                        .prev_content(i)
                        .and_then(|j| self.prev_content(j))
                        .is_some_and(|j| {
                            matches!(self.lex[j], Some(Lex::Preposition | Lex::In | Lex::Purpose))
                        });
                    if !after_preposition && (determined || !adjacent) {
                        subject = Some(Person::Third);
                        subject_is_pronoun = false;
                        server_subject = true;
                    }
                }
                Lex::Modal(kind, person) => {
                    modal = Some((kind, person));
                    modal_at = Some(i);
                    if kind == Modal::Need {
                        past = false;
                    }
                    if self.slots[i].participle {
                        // "demandé", "voulu": a past modal.
                        past = true;
                    }
                    copula = false;
                }
                Lex::Que => {
                    subject = None;
                    server_subject = false;
                    modal = None;
                    modal_at = None;
                    past = false;
                    copula = false;
                }
                Lex::Negation => {
                    if negation_count < negations.len() {
                        negations[negation_count] = i;
                        negation_count += 1;
                    } else {
                        blocked = true;
                    }
                }
                Lex::Blocker => blocked = true,
                Lex::Conj => {
                    negation_count = 0;
                    blocked = false;
                    copula = false;
                }
                Lex::PastAux | Lex::PastTime | Lex::PastModal => past = true,
                Lex::AuxAs => {
                    if matches!(prev, Some(Lex::Subject(Person::Second))) {
                        past = true;
                    }
                    copula = false;
                }
                Lex::AuxA => {
                    let next = self.next_content(i);
                    // English article: "a restart please", "needs a reboot".
                    let article = self.prev_content(i).is_none()
                        || matches!(
                            prev,
                            Some(
                                Lex::Modal(Modal::Need | Modal::Desire, _)
                                    | Lex::Polite
                                    | Lex::Do
                                    | Lex::Preposition
                                    | Lex::Adjective
                            )
                        );
                    if article {
                    } else if next == Some(p) {
                        if form == Form::Infinitive {
                            to_infinitive = true;
                        } else {
                            past = true;
                        }
                    } else if next.is_some_and(|j| {
                        self.slots[j].participle
                            || matches!(
                                self.lex[j],
                                Some(Lex::PastTime | Lex::PastModal | Lex::Negation)
                            )
                    }) {
                        past = true;
                    }
                }
                Lex::Copula => copula = true,
                Lex::Manner => manner = true,
                Lex::Train => progressive = true,
                Lex::Deferral => {
                    delayed = true;
                    put_off |= self.puts_off(i);
                }
                Lex::Purpose => {
                    let mut j = self.next_content(i);
                    while let Some(k) = j {
                        if k == p || self.lex[k] != Some(Lex::Determiner) {
                            break;
                        }
                        j = self.next_content(k);
                    }
                    if j == Some(p) {
                        purpose = true;
                    }
                }
                Lex::Determiner
                | Lex::Object(_)
                | Lex::Up
                | Lex::NegAfter
                | Lex::Adverb
                | Lex::Adjective
                | Lex::Clitic
                | Lex::Greeting
                | Lex::Thanks
                | Lex::Do
                | Lex::To
                | Lex::Existential => {}
                _ => copula = false,
            }
            prev = Some(lex);
        }

        // "the restart broke my base", "ton reboot a tout cassé": an action noun after a
        // definite or possessive determiner, followed by more than its complements, is the
        // subject of another verb.
        let noun_like = form == Form::Noun
            || (form == Form::Base && !matches!(self.text(p).last(), Some(b'e' | b's' | b'z')));
        let definite_noun = noun_like
            && self.prev_content(p).is_some_and(|q| {
                self.lex[q] == Some(Lex::Determiner)
                    && !matches!(
                        self.text(q),
                        b"un" | b"une" | b"an" | b"de" | b"d" | b"du" | b"des"
                    )
            });

        // Right context: object, trailing negation, time.
        let mut object: Option<Obj> = None;
        let mut trailing_negation = false;
        let mut noun_is_subject = false;
        let mut counted = 0;
        let mut j = p;
        let mut new_subject = false;
        let welcomed = matches!(form, Form::Noun | Form::Base)
            && !definite_noun
            && self.prev_content(p).is_some_and(|q| {
                // English "a" is read as French "a" (has) until here.
                matches!(
                    self.lex[q],
                    Some(Lex::Determiner | Lex::Adjective | Lex::AuxA)
                )
            })
            && self.welcomed(p);
        while let Some(k) = self.next_content(j) {
            j = k;
            let lex = self.content(k);
            // A new subject starts another clause: "redémarre mc stp il crash".
            if matches!(
                lex,
                Some(
                    Lex::Subject(_)
                        | Lex::On
                        | Lex::Qui
                        | Lex::Que
                        | Lex::Subord
                        | Lex::Conj
                        | Lex::Polite
                        | Lex::Thanks
                )
            ) || self.slots[k].refers == Ref::OtherMention
                || (lex == Some(Lex::PastAux) && self.text(k) == b"g")
            {
                new_subject = true;
            }
            // "redémarre ton cerveau", "restart your brain": something that is not the server.
            if object.is_none()
                && lex.is_none()
                && self
                    .prev_content(k)
                    .is_some_and(|q| is_possessive(self.text(q)))
            {
                object = Some(Obj::Foreign);
            }
            // "relancer maintenant ce serait une mauvaise idée": the action phrase is the
            // subject of a later verb.
            if !new_subject && is_finite_verb(lex) {
                noun_is_subject = true;
            }
            let clitic = matches!(lex, Some(Lex::Object(Obj::Pronoun)))
                || (lex == Some(Lex::Determiner)
                    && matches!(self.text(k), b"le" | b"la" | b"les" | b"l"));
            if !clitic {
                counted += 1;
            }
            // SMS "g" stands for the two words "j'ai", subject included (it opens a clause
            // above): "relance g plus de tps" is no more negated than "relance j'ai plus
            // de temps".
            if lex == Some(Lex::PastAux) && self.text(k) == b"g" {
                counted += 1;
            }
            if definite_noun
                && !matches!(
                    lex,
                    Some(
                        Lex::Determiner
                            | Lex::Preposition
                            | Lex::In
                            | Lex::Object(Obj::Server | Obj::Pronoun)
                            | Lex::Polite
                            | Lex::Thanks
                            | Lex::Greeting
                            | Lex::Number
                            | Lex::Deferral
                    )
                )
            {
                noun_is_subject = true;
            }
            if lex == Some(Lex::Polite) {
                polite = true;
            }
            match lex {
                Some(Lex::Negation) if counted <= 2 => trailing_negation = true,
                Some(Lex::Blocker) => trailing_negation = true,
                Some(Lex::Habit | Lex::Alternative) => habit = true,
                Some(Lex::Deferral) => {
                    delayed = true;
                    put_off |= self.puts_off(k);
                }
                Some(Lex::PastTime) => past = true,
                Some(Lex::Object(o)) if object.is_none() && o != Obj::Pronoun => object = Some(o),
                Some(Lex::Bot) if object.is_none() => object = Some(Obj::SelfRef),
                // "le redémarrage est long", "la commande restart est cassée": the action
                // word is the subject of another verb.
                Some(Lex::Copula | Lex::PastAux | Lex::Modal(_, Person::Third))
                    if counted == 1 && matches!(form, Form::Noun | Form::Base) =>
                {
                    noun_is_subject = true;
                }
                // "relancer le serveur c'est ton taf": the action phrase is the subject.
                Some(Lex::Copula)
                    if self
                        .prev_content(k)
                        .is_some_and(|q| matches!(self.text(q), b"c" | b"ca")) =>
                {
                    noun_is_subject = true;
                }
                Some(Lex::AuxA) if counted == 1 && matches!(form, Form::Noun | Form::Base) => {
                    noun_is_subject = self
                        .prev_content(p)
                        .is_some_and(|q| self.lex[q] == Some(Lex::Determiner));
                }
                Some(Lex::Conj) => break,
                _ => {}
            }
        }

        // "tu (ne) peux pas relancer ?" is a polite request, not a negation.
        let polite_negative = c.question
            && subject == Some(Person::Second)
            && matches!(modal, Some((Modal::Ability, _)))
            && modal_at.is_some_and(|m| {
                negations[..negation_count]
                    .iter()
                    .all(|&q| self.next_content(q) == Some(m) || self.prev_content(q) == Some(m))
            });
        if blocked || trailing_negation || (negation_count > 0 && !polite_negative) {
            return Reading::Negated;
        }
        if manner {
            return Reading::HowTo;
        }
        if opinion || subordinate {
            return Reading::Talk;
        }
        if asks_info {
            // "à quelle heure tu redémarres ?", "pourquoi le serveur redémarre ?"
            return Reading::Talk;
        }
        if purpose {
            return if c.question {
                Reading::HowTo
            } else {
                Reading::Talk
            };
        }
        let modal_kind = modal.map(|(k, _)| k);
        let obliged = matches!(
            modal_kind,
            Some(Modal::Obligation | Modal::Need | Modal::Desire)
        );
        if copula && !obliged {
            return if subject == Some(Person::First) {
                Reading::Talk
            } else {
                Reading::State
            };
        }
        if progressive || form == Form::Gerund {
            return if c.question && subject != Some(Person::First) {
                Reading::State
            } else {
                Reading::Talk
            };
        }
        if past || form == Form::Past {
            let about_server = server_subject || subject.is_none();
            return if c.question && about_server {
                Reading::State
            } else {
                Reading::Talk
            };
        }
        if matches!(form, Form::Future | Form::Third) || to_infinitive || habit {
            return Reading::Talk;
        }
        if delayed {
            return if put_off {
                Reading::Delayed
            } else {
                Reading::Talk
            };
        }
        if matches!(object, Some(Obj::Foreign | Obj::SelfRef)) {
            return Reading::Talk;
        }
        if noun_is_subject && !welcomed {
            return if c.question {
                Reading::State
            } else {
                Reading::Talk
            };
        }
        if unexplained {
            return Reading::Talk;
        }
        if definite_noun && !polite && modal.is_none() && subject.is_none() {
            // "le reboot ?" names the restart; "le reboot stp" asks for it.
            return Reading::Talk;
        }

        let framed = polite && modal.is_none();
        let person = if framed && subject == Some(Person::Third) && subject_is_pronoun {
            // "ça te dérange de redémarrer ?": the frame, not "ça", asks.
            None
        } else {
            subject.or(modal.map(|(_, p)| p))
        };
        let strength = match (person, modal_kind) {
            (None, _) => Some(0.9),
            (Some(Person::Second), Some(Modal::Future)) => c.question.then_some(0.85),
            (Some(Person::Second), Some(_)) => Some(0.95),
            (Some(Person::Second), None) => Some(0.85),
            (
                Some(Person::First),
                Some(Modal::Desire | Modal::Need | Modal::Ability | Modal::Ask | Modal::Know),
            ) => Some(0.9),
            (Some(Person::First), _) => None,
            (Some(Person::Impersonal), Some(Modal::Obligation | Modal::Need | Modal::Desire)) => {
                Some(0.85)
            }
            (Some(Person::Impersonal), _) => None,
            (Some(Person::Third), Some(Modal::Obligation | Modal::Need | Modal::Desire))
                if server_subject =>
            {
                Some(0.85)
            }
            (Some(Person::Third), None) if server_subject && c.question => {
                return Reading::State;
            }
            (Some(Person::Third), _) => None,
        };
        match strength {
            Some(s) => {
                let bonus: f32 = if object == Some(Obj::Server) {
                    0.05
                } else {
                    0.0
                };
                Reading::Order((s + bonus).min(1.0))
            }
            None => Reading::Talk,
        }
    }

    /// Whether a word of the message is of a class without which [`Work::read_status`]
    /// finds nothing.
    fn may_ask_status(&self) -> bool {
        self.lex[..self.slots.len()].iter().any(|lex| {
            matches!(
                lex,
                Some(
                    Lex::StatusNoun
                        | Lex::State
                        | Lex::Work
                        | Lex::On
                        | Lex::Up
                        | Lex::Object(Obj::Server)
                        | Lex::Presence
                        | Lex::Qui
                )
            )
        })
    }

    /// Whether a word of the message is of a class without which [`Work::read_help`] finds
    /// nothing.
    fn may_ask_help(&self) -> bool {
        self.lex[..self.slots.len()]
            .iter()
            .any(|lex| matches!(lex, Some(Lex::Help(_) | Lex::Manner | Lex::What | Lex::Que)))
    }

    /// Status evidence in a clause that gave no order. (A class that can give some must be
    /// in [`Work::may_ask_status`].)
    fn read_status(&self, c: Clause) -> f32 {
        let mut score: f32 = 0.0;
        let mut copula = false;
        let mut existential = false;
        let mut counting = false;
        let mut who = false;
        let mut presence = false;
        let mut personal = false;
        let mut has_action = false;
        let mut manner = false;
        // Whether every word is the server, an article or politeness ("serveur ?", "mc ?"),
        // and whether the server is named at all: found in this pass, not in two more.
        let mut only_server_words = true;
        let mut on_server = false;
        for i in c.start..c.end {
            let Some(lex) = self.content(i) else {
                only_server_words &= !self.is_content(i);
                continue;
            };
            match lex {
                Lex::Object(Obj::Server) => on_server = true,
                Lex::Determiner | Lex::Greeting | Lex::Polite => {}
                _ => only_server_words = false,
            }
            // Read only by the arms that need it.
            let prev = || self.prev_content(i).and_then(|j| self.lex[j]);
            match lex {
                // "info" alone is vaguer than "status" ("info commandes" asks for help).
                Lex::StatusNoun if matches!(self.text(i), b"info" | b"infos") => {
                    score = score.max(0.7)
                }
                Lex::StatusNoun => score = score.max(0.9),
                Lex::Copula => copula = true,
                Lex::State => {
                    let after_server =
                        matches!(prev(), Some(Lex::Object(Obj::Server | Obj::Pronoun)));
                    if c.question || copula || after_server {
                        score = score.max(0.85);
                    }
                }
                Lex::Work if c.question || copula => score = score.max(0.8),
                Lex::On | Lex::Up => {
                    if matches!(
                        prev(),
                        Some(Lex::Copula | Lex::Object(Obj::Server | Obj::Pronoun) | Lex::Presence)
                    ) {
                        score = score.max(0.85);
                    }
                }
                Lex::Existential => existential = true,
                Lex::HowMany => counting = true,
                Lex::Qui => who = true,
                Lex::Presence => presence = true,
                Lex::Subject(Person::First | Person::Second) | Lex::Modal(..) => personal = true,
                Lex::Action(..) => has_action = true,
                Lex::Manner => manner = true,
                Lex::Subord => return 0.0,
                _ => {}
            }
        }
        if manner && !counting {
            // "comment ça marche ?" is a help question ("how many" is not).
            return 0.0;
        }
        // "serveur ?", "mc ?": how is it doing.
        if c.question && only_server_words && on_server {
            score = score.max(0.7);
        }
        let asks_presence = (existential && (presence || who))
            || (who && on_server && c.question && !has_action)
            || (counting && presence)
            || (who && presence)
            || (c.question && presence && !personal && !has_action);
        if asks_presence {
            score = score.max(0.8);
        }
        score
    }

    /// Help evidence in a clause that gave no order. (A class that can give some must be in
    /// [`Work::may_ask_help`].)
    fn read_help(&self, c: Clause) -> f32 {
        let mut score: f32 = 0.0;
        let mut negated = false;
        let mut manner = false;
        let mut what = false;
        let mut can = false;
        let mut doing = false;
        let mut using = false;
        let mut working = false;
        let mut acting = false;
        for i in c.start..c.end {
            let Some(lex) = self.content(i) else { continue };
            match lex {
                Lex::Help(form) if form != Form::Past => {
                    // "pas besoin d'aide" declines help; "je comprends pas, aide-moi" asks.
                    let mut j = i;
                    let mut declined = false;
                    for _ in 0..3 {
                        let Some(k) = self.prev_content(j) else { break };
                        declined |= matches!(self.lex[k], Some(Lex::Negation | Lex::Blocker));
                        j = k;
                    }
                    if declined {
                        negated = true;
                    } else {
                        score = score.max(0.9);
                    }
                }
                Lex::Manner => manner = true,
                Lex::What | Lex::Que => what = true,
                Lex::Modal(Modal::Know | Modal::Ability, _) => can = true,
                Lex::Do => doing = true,
                Lex::Use => using = true,
                Lex::Work => working = true,
                Lex::Action(..) => acting = true,
                _ => {}
            }
        }
        if manner && (working || using || acting || doing) {
            score = score.max(0.85);
        }
        if what && ((can && doing) || (using && !acting)) {
            score = score.max(0.85);
        }
        if negated && score < 0.85 {
            return 0.0;
        }
        score
    }
}

#[cfg(test)]
mod tests;
