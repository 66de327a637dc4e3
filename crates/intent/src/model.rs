//! Stage 7 of the pipeline: a small learned model that weighs everything the earlier
//! stages saw, so that phrasings the grammar does not know still count.
//!
//! Owns the features and the weights. The grammar (`rules`) is exact on the phrasings it
//! knows and says nothing on the others ("repars le serveur", "une petite relance ?");
//! rules tuned message by message did not generalise (issue 13). So the final choice is a
//! multinomial logistic regression over hashed features — the words, their character
//! 3- and 4-grams, word pairs, lexicon classes, what follows an action word, Discord markup,
//! the address and the grammar's own findings — trained offline on the development corpus
//! (`scripts/train-intent.sh`), never on the held-out split. Its softmax, temperature-scaled
//! on cross-validation, is a calibrated probability: that is the `confidence` of
//! [`Parsed`](super::Parsed).
//!
//! The safety stages stay in front of it: an unaddressed message never reaches it, and
//! the gates of [`crate::gates`] refuse a restart or a wake that nothing may turn into one
//! (negated, withdrawn, quoted, reported, about another object…), whatever the weights say.
//!
//! Weights are embedded (`model.bin`, `include_bytes!`) and decoded once in
//! [`Model::embedded`]; scoring a message hashes its features into fixed buckets and adds
//! weight rows: nothing allocates.

use crate::address::AddressKind;
use crate::gates::{object_class, quoted, Gates};
use crate::lexicon::{lex_code, Act, Lex};
use crate::normalize::Normalized;
use crate::rules::Evidence;
use crate::tag::{Ref, Tagged};
use crate::token::{TokenKind, MAX_TOKENS};
use crate::Intent;

/// Number of hashed feature buckets: 2^14 rows of 5 `i16` weights embed 160 KiB, enough
/// that collisions cost nothing measurable on the corpus.
pub(crate) const BUCKETS: usize = 1 << 14;
/// The classes, in the order of a weight row.
pub(crate) const CLASSES: [Intent; 5] = Intent::ALL;
/// File tag and layout version of `model.bin`.
const MAGIC: &[u8; 8] = b"CGINT\x00\x00\x01";
/// Header: magic, bucket count (u32), temperature (f32), weight scale (f32).
const HEADER: usize = 8 + 4 + 4 + 4;

static EMBEDDED: &[u8] = include_bytes!("model.bin");

/// Decoded weights.
pub(crate) struct Model {
    /// Quantised weights as shipped: `i16` keeps the table in the L2 cache, where `f32`
    /// rows took twice the room and most of the scoring time went to cache misses.
    /// Exactly `BUCKETS` rows, so that indexing by a bucket needs no bounds check.
    rows: Box<[Row; BUCKETS]>,
    /// What one unit of `rows` weighs.
    scale: f32,
    /// Softmax temperature fitted on cross-validated predictions: it makes the
    /// probabilities calibrated rather than over-confident.
    temperature: f32,
    /// Per lexicon entry (`Slot::entry`), the features a word brings by itself, summed in
    /// advance: most words of a message are in the lexicon, and hashing their n-grams and
    /// adding a weight row for each was most of the scoring. Empty until
    /// [`Model::know_words`]; the sums are the same integers either way.
    known: Box<[KnownWord]>,
    /// The same for the symbols that stand for the other tokens (mentions of the bot or
    /// of others, punctuation: see [`token_text`]), by their class code from
    /// [`SYMBOLS_FROM`]: their word and class features (no n-grams: they are no words).
    /// Empty until [`Model::know_words`].
    symbols: Box<[KnownWord]>,
    /// The features of the address and of the grammar's findings (kinds 0 to 2), summed
    /// in advance for each of their few values: ten features a message, hashed one by
    /// one, were a tenth of the scoring. Empty until [`Model::know_words`].
    findings: Box<FindingSums>,
}

/// The sums of [`Model::findings`].
#[derive(Clone)]
struct FindingSums {
    /// By address and the grammar's intent (`5 * address + rules`): the bias (kind 0),
    /// the address (kind 1), the grammar's intent alone and with the address (kind 2).
    address_rules: [[i32; 5]; 25],
    /// By intent and strength level (`5 * intent + level`) of the grammar's scores.
    scores: [[i32; 5]; 20],
    /// By the grammar's flags.
    flags: [[i32; 5]; 8],
    /// Whether the sums were worked out (they are all zero until they are).
    ready: bool,
}

impl FindingSums {
    const EMPTY: FindingSums = FindingSums {
        address_rules: [[0; 5]; 25],
        scores: [[0; 5]; 20],
        flags: [[0; 5]; 8],
        ready: false,
    };
}

/// One bucket's weights, in the order of [`CLASSES`], padded to 16 bytes and aligned:
/// the file's 10-byte rows straddled two cache lines one time in seven, and most of the
/// scoring's time is waiting for rows.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Row([i16; 8]);

/// What an unchanging word contributes to the scores whatever surrounds it, and the
/// buckets of the features it is part of that hash its text: worked out once per entry,
/// where hashing them was a few dozen instructions per word and feature.
#[derive(Clone, Copy)]
struct KnownWord {
    /// The weight rows of its word feature, its class and its character n-grams, added.
    sums: [i32; 5],
    /// The start of the pair feature it opens (kind 5, the word, 0xff).
    next_pair: Fnv,
    /// The bucket of its feature as the message's first word (kind 10), and as its last
    /// (kind 11).
    first: u16,
    last: u16,
    /// The bucket of its feature after an action word (kind 12), by `Act`.
    after_action: [u16; 2],
}

impl Model {
    /// The weights shipped in the binary; `None` if the file is malformed (then the
    /// recogniser falls back to the grammar alone).
    pub(crate) fn embedded() -> Option<Model> {
        Model::decode(EMBEDDED)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Model> {
        let header = bytes.get(..HEADER)?;
        if &header[..8] != MAGIC {
            return None;
        }
        let word = |i: usize| [header[i], header[i + 1], header[i + 2], header[i + 3]];
        let buckets = u32::from_le_bytes(word(8)) as usize;
        let temperature = f32::from_le_bytes(word(12));
        let scale = f32::from_le_bytes(word(16));
        let body = bytes.get(HEADER..)?;
        if buckets != BUCKETS
            || body.len() != buckets * 5 * 2
            || !(temperature.is_finite() && temperature > 0.0)
            || !scale.is_finite()
        {
            return None;
        }
        let rows: Box<[Row]> = body
            .chunks_exact(10)
            .map(|row| {
                let mut r = Row([0; 8]);
                for (k, w) in r.0.iter_mut().take(5).enumerate() {
                    *w = i16::from_le_bytes([row[2 * k], row[2 * k + 1]]);
                }
                r
            })
            .collect();
        Some(Model {
            rows: rows.try_into().ok()?,
            scale,
            temperature,
            known: Box::new([]),
            symbols: Box::new([]),
            findings: Box::new(FindingSums::EMPTY),
        })
    }

    /// Sums in advance the features of every lexicon word (see [`Model::known`]), in the
    /// order of the lexicon's entries, and those of the symbols (see [`Model::symbols`])
    /// and of the findings (see [`Model::findings`]).
    pub(crate) fn know_words<'w>(&mut self, words: impl Iterator<Item = (&'w [u8], Lex)>) {
        let known: Vec<KnownWord> = words
            .map(|(w, lex)| {
                let mut sums = [0i32; 5];
                own_features(w, lex_code(Some(lex)), |b| self.add_row(&mut sums, b));
                self.known_word(w, sums)
            })
            .collect();
        self.known = known.into_boxed_slice();
        let symbols: Vec<KnownWord> = SYMBOLS
            .iter()
            .zip(SYMBOLS_FROM..)
            .map(|(&text, code)| {
                let mut sums = [0i32; 5];
                self.add_row(&mut sums, Fnv::new(4).bytes(text).bucket());
                self.add_row(&mut sums, Fnv::new(7).byte(code).bucket());
                self.known_word(text, sums)
            })
            .collect();
        self.symbols = symbols.into_boxed_slice();
        let mut findings = FindingSums::EMPTY;
        for address in 0..5u8 {
            for rules in 0..5u8 {
                let sums = &mut findings.address_rules[usize::from(5 * address + rules)];
                address_features(address, rules, |b| self.add_row(sums, b));
            }
        }
        for intent in 0..4u8 {
            for level in 0..5u8 {
                let sums = &mut findings.scores[usize::from(5 * intent + level)];
                self.add_row(sums, score_feature(intent, level));
            }
        }
        for flags in 0..8u8 {
            self.add_row(
                &mut findings.flags[usize::from(flags)],
                flags_feature(flags),
            );
        }
        findings.ready = true;
        *self.findings = findings;
    }

    /// What a token of text `w` whose own features sum to `sums` brings whatever surrounds
    /// it.
    fn known_word(&self, w: &[u8], sums: [i32; 5]) -> KnownWord {
        let mut next_pair = Fnv::new(5);
        next_pair.bytes(w).byte(0xff);
        // Buckets are below `BUCKETS`, 2^14.
        let bucket = |h: &Fnv| h.bucket() as u16;
        KnownWord {
            sums,
            next_pair,
            first: bucket(Fnv::new(10).bytes(w)),
            last: bucket(Fnv::new(11).bytes(w)),
            after_action: [Act::Restart, Act::Wake]
                .map(|act| bucket(Fnv::new(12).byte(act as u8).bytes(w))),
        }
    }

    /// Adds the weight row of bucket `b` to `sums`.
    #[inline(always)]
    fn add_row(&self, sums: &mut [i32; 5], b: u32) {
        // Buckets are below BUCKETS already: the mask only spares the bounds check.
        let row = &self.rows[b as usize & (BUCKETS - 1)].0;
        for k in 0..5 {
            sums[k] += i32::from(row[k]);
        }
    }

    /// Class probabilities, in the order of [`CLASSES`].
    pub(crate) fn probabilities(&self, input: &Input<'_>) -> [f32; 5] {
        // Integer sums: a message has at most a few ten thousand features, far from
        // overflowing an i32 with i16 weights.
        let mut scorer = Scorer {
            model: self,
            sums: [0; 5],
        };
        features_into(input, &mut scorer);
        softmax(scorer.sums.map(|x| x as f32 * self.scale), self.temperature)
    }
}

/// Where [`features_into`] sends the features of a message.
trait Sink {
    /// One feature's bucket.
    fn emit(&mut self, bucket: u32);

    /// What lexicon entry `entry` brings by itself (see [`own_features`]) when it is
    /// worked out in advance; `None`: its features must be hashed and emitted one by one.
    fn known(&self, entry: u16) -> Option<KnownWord> {
        let _ = entry;
        None
    }

    /// [`Sink::known`] for a token that is no word of its own, by its class code.
    fn symbol(&self, code: u8) -> Option<KnownWord> {
        let _ = code;
        None
    }

    /// Adds the sums of a word [`Sink::known`] gave.
    fn add_sums(&mut self, sums: &[i32; 5]) {
        let _ = sums;
    }

    /// Adds the features of the address and the grammar's findings (see
    /// [`Model::findings`]) when they are summed in advance; false: they must be emitted.
    fn findings(&mut self, address: u8, rules: u8, levels: [u8; 4], flags: u8) -> bool {
        let _ = (address, rules, levels, flags);
        false
    }
}

/// A closure taking every bucket (training, tests).
#[cfg(test)]
struct Emit<F>(F);

#[cfg(test)]
impl<F: FnMut(u32)> Sink for Emit<F> {
    #[inline(always)]
    fn emit(&mut self, bucket: u32) {
        (self.0)(bucket);
    }
}

/// Adds weight rows as features come.
struct Scorer<'m> {
    model: &'m Model,
    sums: [i32; 5],
}

impl Sink for Scorer<'_> {
    #[inline(always)]
    fn emit(&mut self, bucket: u32) {
        self.model.add_row(&mut self.sums, bucket);
    }

    #[inline(always)]
    fn known(&self, entry: u16) -> Option<KnownWord> {
        self.model.known.get(usize::from(entry)).copied()
    }

    #[inline(always)]
    fn symbol(&self, code: u8) -> Option<KnownWord> {
        let k = usize::from(code.checked_sub(SYMBOLS_FROM)?);
        self.model.symbols.get(k).copied()
    }

    #[inline(always)]
    fn add_sums(&mut self, sums: &[i32; 5]) {
        for (total, x) in self.sums.iter_mut().zip(sums) {
            *total += x;
        }
    }

    #[inline(always)]
    fn findings(&mut self, address: u8, rules: u8, levels: [u8; 4], flags: u8) -> bool {
        let findings = &*self.model.findings;
        if !findings.ready {
            return false;
        }
        // Every index is in range (address, rules and levels below 5, flags below 8): the
        // `get`s only spare the bounds checks their panics would need.
        let mut add = |sums: Option<&[i32; 5]>| {
            if let Some(sums) = sums {
                self.add_sums(sums);
            }
        };
        add(findings.address_rules.get(usize::from(5 * address + rules)));
        for (intent, level) in levels.into_iter().enumerate() {
            add(findings.scores.get(5 * intent + usize::from(level)));
        }
        add(findings.flags.get(usize::from(flags)));
        true
    }
}

/// Softmax of `logits / temperature`.
pub(crate) fn softmax(logits: [f32; 5], temperature: f32) -> [f32; 5] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p = logits.map(|l| ((l - max) / temperature).exp());
    let sum: f32 = p.iter().sum();
    for x in &mut p {
        *x /= sum;
    }
    p
}

/// What the model looks at: the analysed message and what the earlier stages decided.
pub(crate) struct Input<'a> {
    pub(crate) norm: &'a Normalized,
    pub(crate) tagged: &'a Tagged<'a>,
    pub(crate) address: AddressKind,
    pub(crate) evidence: Evidence,
    pub(crate) rules_intent: Intent,
    pub(crate) rules_score: f32,
    /// The safety gates forbid a restart (see [`crate::gates::restart_blocked`]).
    pub(crate) restart_blocked: bool,
    /// The gate forbids a wake: every wake word is quoted or about another object.
    pub(crate) wake_blocked: bool,
}

impl Input<'_> {
    pub(crate) fn gates(&self) -> Gates {
        Gates {
            restart_blocked: self.restart_blocked,
            wake_blocked: self.wake_blocked,
        }
    }
}

/// FNV-1a, 32 bits: the feature hash. Fixed here (not `std`'s hasher) because the
/// embedded weights depend on it.
#[derive(Clone, Copy)]
struct Fnv(u32);

impl Fnv {
    fn new(kind: u8) -> Fnv {
        let mut h = Fnv(0x811c_9dc5);
        h.byte(kind);
        h
    }

    fn byte(&mut self, b: u8) -> &mut Fnv {
        self.0 = (self.0 ^ u32::from(b)).wrapping_mul(0x0100_0193);
        self
    }

    fn bytes(&mut self, bs: &[u8]) -> &mut Fnv {
        for &b in bs {
            self.byte(b);
        }
        self
    }

    fn bucket(&self) -> u32 {
        // Final avalanche so that short keys spread over all buckets.
        let mut h = self.0;
        h ^= h >> 16;
        h = h.wrapping_mul(0x7feb_352d);
        h ^= h >> 15;
        h & (BUCKETS as u32 - 1)
    }
}

/// The texts [`token_text`] gives the tokens that are no words of their own, in the
/// order of their class codes from [`SYMBOLS_FROM`] (see [`context_code`]): the bot, another
/// member, `?`, `.`, `,`.
const SYMBOLS: [&[u8]; 5] = [b"@b", b"@o", b"?", b".", b","];
/// The class code of the first of [`SYMBOLS`].
const SYMBOLS_FROM: u8 = 200;

/// A token as the model sees it: its text, or a symbol for mentions and punctuation.
#[inline]
fn token_text<'a>(t: &'a Tagged<'_>, i: usize) -> &'a [u8] {
    let s = &t.slots()[i];
    // A plain word first, tested as such: a `match` on the pair was a jump table whose
    // target changed from token to token.
    if s.kind == TokenKind::Word && s.refers == Ref::No {
        return t.text(i);
    }
    match (s.kind, s.refers) {
        (_, r) if r.is_bot() => b"@b",
        (_, Ref::OtherMention | Ref::OtherAt) => b"@o",
        (TokenKind::Mention, _) => b"@o",
        (TokenKind::Question, _) => b"?",
        (TokenKind::Stop, _) => b".",
        (TokenKind::Comma, _) => b",",
        (TokenKind::Word, _) => t.text(i),
    }
}

/// A class code for a token in a context feature: its lexicon class, or what it is.
///
/// Tests and a table rather than a `match` on the kind, which compiled to a jump table
/// mispredicted from token to token.
#[inline]
fn context_code(t: &Tagged<'_>, i: usize) -> u8 {
    /// By `TokenKind` (the `Word` entry is not read).
    const NOT_WORD: [u8; 5] = [0, 201, 202, 203, 204];
    let s = &t.slots()[i];
    if s.refers.is_bot() {
        200
    } else if s.kind != TokenKind::Word {
        NOT_WORD[s.kind as usize]
    } else if s.refers != Ref::No {
        201
    } else if s.code == 0 {
        205
    } else {
        s.code
    }
}

/// Buckets in 0..1 of a grammar score, as a small code.
fn level(score: f32) -> u8 {
    match score {
        s if s <= 0.0 => 0,
        s if s < 0.6 => 1,
        s if s < 0.8 => 2,
        s if s < 0.9 => 3,
        _ => 4,
    }
}

/// Calls `emit` with the bucket of every feature of the message (a feature may repeat:
/// repetition counts).
#[cfg(test)]
pub(crate) fn features(input: &Input<'_>, emit: impl FnMut(u32)) {
    features_into(input, &mut Emit(emit));
}

/// [`features`] into a [`Sink`], which may take a known word's own features at once.
#[inline(always)]
fn features_into(input: &Input<'_>, sink: &mut impl Sink) {
    let t = input.tagged;
    let ev = &input.evidence;
    let address = match input.address {
        AddressKind::No => 0,
        AddressKind::Dm => 1,
        AddressKind::Mention => 2,
        AddressKind::Name => 3,
        AddressKind::BotWord => 4,
    };
    // The grammar's findings.
    let rules = CLASSES
        .iter()
        .position(|c| *c == input.rules_intent)
        .unwrap_or(4) as u8;
    let levels = ev.scores.map(level);
    let flags = u8::from(ev.restart_vetoed)
        | u8::from(ev.restart_talk_only) << 1
        | u8::from(ev.talk_seen) << 2;
    if !sink.findings(address, rules, levels, flags) {
        address_features(address, rules, |b| sink.emit(b));
        for (intent, level) in levels.into_iter().enumerate() {
            sink.emit(score_feature(intent as u8, level));
        }
        sink.emit(flags_feature(flags));
    }

    // Discord markup: quoted or hidden text is not asked.
    let marks = input.norm.marks();
    for k in 0..7 {
        if marks & 1 << k != 0 {
            sink.emit(Fnv::new(3).byte(k).bucket());
        }
    }

    // Words, word pairs, character n-grams, classes. (The sums do not depend on the order
    // of the features, so each word is hashed once for the word and pair features.)
    let n = t.len();
    // The pair feature's hash so far: kind 5, the previous token ("^" first), 0xff.
    let mut pair = Fnv::new(5);
    pair.bytes(b"^").byte(0xff);
    let mut prev_code = 255u8;
    let mut first = true;
    let mut last: &[u8] = b"";
    // The last word's bucket when it was worked out in advance.
    let mut last_bucket = None;
    // Every token's class code once: an action word reads its neighbours' again.
    let mut codes = [0u8; MAX_TOKENS];
    for (i, code) in codes.iter_mut().enumerate().take(n) {
        *code = context_code(t, i);
    }
    for i in 0..n {
        let w = token_text(t, i);
        let code = codes[i];
        let slot = &t.slots()[i];
        let own = slot.kind == TokenKind::Word && slot.refers == Ref::No;
        let known = if own {
            sink.known(slot.entry)
        } else {
            sink.symbol(code)
        };
        if let Some(known) = &known {
            // The word's own features are in (see `own_features`): only those that
            // depend on its neighbours are left.
            sink.add_sums(&known.sums);
            let mut pair_now = pair;
            pair_now.bytes(w);
            sink.emit(pair_now.bucket());
            pair = known.next_pair;
            sink.emit(Fnv::new(8).byte(prev_code).byte(code).bucket());
        } else {
            let (word, pair_now, next_pair) = word_and_pair(w, pair);
            sink.emit(word.bucket());
            sink.emit(pair_now.bucket());
            pair = next_pair;
            sink.emit(Fnv::new(7).byte(code).bucket());
            sink.emit(Fnv::new(8).byte(prev_code).byte(code).bucket());
        }
        if own {
            if first {
                sink.emit(match &known {
                    Some(known) => u32::from(known.first),
                    None => Fnv::new(10).bytes(w).bucket(),
                });
                first = false;
            }
            last = w;
            last_bucket = known.map(|known| u32::from(known.last));
            if known.is_none() {
                let window = input.norm.window24(usize::from(slot.start));
                char_ngrams_in(w, window, &mut |b| sink.emit(b));
            }
        }
        if let Some(Lex::Action(act, form)) = slot.lex {
            // What follows an action word: is its object the server?
            let a = act as u8;
            for (k, j) in (i + 1..n.min(i + 4)).enumerate() {
                sink.emit(Fnv::new(9).byte(a).byte(k as u8).byte(codes[j]).bucket());
                sink.emit(after_action(sink, t, j, act));
            }
            if i + 1 >= n {
                sink.emit(Fnv::new(9).byte(a).byte(9).bucket());
            }
            let object = object_class(t, i);
            let shown = u8::from(quoted(input.norm, usize::from(slot.start)));
            sink.emit(Fnv::new(14).byte(a).byte(object).byte(shown).bucket());
            // The shape of an order: the action opens its clause (after the address or
            // a "stp"), with its form and object. The talk around it changes none of
            // this, which is what tells a buried request.
            sink.emit(
                Fnv::new(15)
                    .byte(a)
                    .byte(form as u8)
                    .byte(u8::from(opens_clause(t, i)))
                    .byte(object)
                    .byte(shown)
                    .bucket(),
            );
            // What precedes it: subject, modal, negation.
            for &before in &codes[i.saturating_sub(3)..i] {
                sink.emit(Fnv::new(13).byte(a).byte(before).bucket());
            }
        }
        prev_code = code;
    }
    sink.emit(pair.byte(b'$').bucket());
    sink.emit(last_bucket.unwrap_or_else(|| Fnv::new(11).bytes(last).bucket()));
}

/// The bucket of the feature of token `j` after action word `act` (kind 12): worked out
/// in advance for a word of the lexicon.
#[inline(always)]
fn after_action(sink: &impl Sink, t: &Tagged<'_>, j: usize, act: Act) -> u32 {
    let s = &t.slots()[j];
    let known = if s.kind == TokenKind::Word && s.refers == Ref::No {
        sink.known(s.entry)
    } else {
        sink.symbol(context_code(t, j))
    };
    match known {
        Some(known) => u32::from(known.after_action[act as usize & 1]),
        None => Fnv::new(12)
            .byte(act as u8)
            .bytes(token_text(t, j))
            .bucket(),
    }
}

/// The bias (kind 0), and the features of the address and of the grammar's intent (kinds
/// 1 and 2), as codes: what [`FindingSums::address_rules`] sums.
fn address_features(address: u8, rules: u8, mut emit: impl FnMut(u32)) {
    emit(Fnv::new(0).bucket());
    emit(Fnv::new(1).byte(address).bucket());
    emit(Fnv::new(2).byte(b'v').byte(rules).bucket());
    emit(Fnv::new(2).byte(b'a').byte(rules).byte(address).bucket());
}

/// The feature of the grammar's score for an intent, as a [`level`] (kind 2).
fn score_feature(intent: u8, level: u8) -> u32 {
    Fnv::new(2).byte(b's').byte(intent).byte(level).bucket()
}

/// The feature of the grammar's flags (kind 2).
fn flags_feature(flags: u8) -> u32 {
    Fnv::new(2).byte(b'f').byte(flags).bucket()
}

/// Whether token `i` opens its clause: only the bot's address, a greeting, politeness,
/// an adverb or a conjunction stands between it and the start or the last punctuation.
/// (`clause::opens_clause` asks it of a condition, before which anyone may be called.)
fn opens_clause(t: &Tagged<'_>, i: usize) -> bool {
    for s in t.slots()[..i].iter().rev() {
        match s.kind {
            TokenKind::Comma | TokenKind::Stop | TokenKind::Question => return true,
            _ if s.refers.is_bot() => {}
            TokenKind::Word
                if matches!(
                    s.lex,
                    Some(
                        Lex::Greeting
                            | Lex::Polite
                            | Lex::Adverb
                            | Lex::Conj
                            | Lex::Bot
                            | Lex::Thanks
                    )
                ) => {}
            _ => return false,
        }
    }
    true
}

/// In one pass over `w`, the hashes of its word feature (kind 4), of its pair feature
/// (continuing `pair`, which holds the previous token) and of the next pair's start (kind
/// 5, `w`, 0xff): the same values as hashing each from scratch, with independent
/// multiplications side by side.
#[inline]
fn word_and_pair(w: &[u8], pair: Fnv) -> (Fnv, Fnv, Fnv) {
    let (mut word, mut pair, mut next) = (Fnv::new(4), pair, Fnv::new(5));
    for &b in w {
        word.byte(b);
        pair.byte(b);
        next.byte(b);
    }
    next.byte(0xff);
    (word, pair, next)
}

/// The features a word of the lexicon brings whatever surrounds it: the word (kind 4),
/// its class code (kind 7) and its character n-grams. [`features_into`] emits the same
/// ones, hashed on the way, for words not in the lexicon.
fn own_features(w: &[u8], code: u8, mut emit: impl FnMut(u32)) {
    emit(Fnv::new(4).bytes(w).bucket());
    emit(Fnv::new(7).byte(code).bucket());
    char_ngrams(w, &mut emit);
}

/// Character 3- and 4-grams of a word padded with spaces: they carry misspellings and
/// regional forms ("redemarr", "repars", "relanc") to what the corpus taught. (5-grams
/// added a third of the features, hence of the scoring time, for no gain on
/// leave-one-section-out.)
fn char_ngrams(w: &[u8], emit: &mut impl FnMut(u32)) {
    char_ngrams_in(w, None, emit);
}

/// [`char_ngrams`] of `w`, which `window` begins with when given (24 bytes of the text
/// from the word's start): the word is then padded by a copy of fixed length, where a
/// copy of its own length was a call to `memcpy`.
#[inline(always)]
fn char_ngrams_in(w: &[u8], window: Option<&[u8; NGRAM_MAX]>, emit: &mut impl FnMut(u32)) {
    let mut buf = [b' '; NGRAM_MAX + 2];
    let len = w.len().min(NGRAM_MAX);
    match window {
        Some(window) => {
            buf[1..=NGRAM_MAX].copy_from_slice(window);
            buf[len + 1] = b' ';
        }
        None => buf[1..=len].copy_from_slice(&w[..len]),
    }
    let padded = &buf[..len + 2];
    // One hash chain per start position, read out at lengths 3 and 4.
    for start in 0..padded.len() {
        let mut h = Fnv::new(6);
        for (k, &b) in padded[start..].iter().take(4).enumerate() {
            h.byte(b);
            if k >= 2 {
                emit(h.bucket());
            }
        }
    }
}

/// How much of a word [`char_ngrams`] reads.
const NGRAM_MAX: usize = 24;

/// Offline training on the development split (`scripts/train-intent.sh` runs it): never
/// reads the held-out split. Prints cross-validated figures, fits the temperature on the
/// cross-validated predictions, then trains on the whole split and writes `model.bin`.
#[cfg(test)]
mod train;

#[cfg(test)]
mod tests;
