//! Natural-language command recognition (SPEC §3): tells whether a chat message asks the
//! bot to restart Minecraft, wake the server, report its status or explain itself — and
//! above all when it does not.
//!
//! Pure logic, no I/O. Players write as they talk ("@CubeGuardian redémarre le serv stp",
//! "bot reboot mc", "le serveur est allumé ?"), with typos, without accents, in French or
//! English; conversation *about* restarting must never trigger one, because an unasked
//! restart kicks everyone out of the game.
//!
//! # Layout
//! The recognizer is a small pipeline; each stage is a module with its own tests:
//! 1. `normalize`: Unicode folding (NFKD, marks stripped, lowercase), letter-run
//!    collapse, length cap;
//! 2. `token`: words, Discord mentions, clause punctuation, apostrophes;
//! 3. `lexicon`: the vocabulary and typo-tolerant matching (bounded Damerau-Levenshtein,
//!    fenced by `known_words`);
//! 4. `tag`: classes and references to the bot or other members on every token;
//! 5. `address`: is the message spoken to the bot (mention, vocative, DM)?
//! 6. `rules`: subject, modal, negation, tense, object → intent and evidence; `clause`:
//!    the sentence around an order (a condition, another member spoken to, an order taken
//!    back or mocked), which withholds it;
//! 7. `model`: a linear model over hashed words, character n-grams and the grammar's
//!    findings, trained offline on the development corpus (`scripts/train-intent.sh`),
//!    which gives the final intent and a calibrated `confidence`. The safety stages keep
//!    the last word: nothing unaddressed is a command, and a restart the grammar read as
//!    negated, put off, quoted, withheld by its sentence (a condition, a schedule, an
//!    order taken back, mocked or given to someone else) or about another object is never
//!    one (`gates`). A restart it read only as talk (past, someone else's doing, a
//!    subordinate clause) is one of the model's features, not a gate: that reading is
//!    wrong too often on real requests (hundreds of the development lines) to veto them.
//!
//! Beside the pipeline, `answer` reads a typed reply to the bot's own yes/no question
//! ([`Recognizer::answer`]) from the same tagged words, and tells the grammar that a bare
//! "oui, redémarre-le" answers rather than asks. `corpus` holds the accuracy tests.
//!
//! [`Recognizer::parse`] runs them over fixed-size buffers on the stack: after
//! [`Recognizer::new`] has prepared the lexicon and decoded the weights, parsing
//! allocates nothing.

mod address;
mod answer;
mod clause;
mod gates;
mod known_words;
mod lexicon;
mod model;
mod normalize;
mod rules;
mod tag;
mod token;

use crate::address::AddressKind;
pub use crate::answer::Answer;
use crate::gates::Gates;
use crate::lexicon::Lexicon;
use crate::model::{Input, Model};
use crate::normalize::Normalized;
use crate::rules::WorkBuf;
use crate::tag::{BotName, NameReading, SlotBuf, Tagged};
use crate::token::Tokens;
use std::cell::RefCell;

/// Below this confidence a command is not acted on and [`Intent::None`] is returned:
/// every non-`None` intent carries at least this confidence.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// Below this confidence a restart is not confirmed with buttons straight away: the bot
/// first asks whether a restart is what the player wants ([`Parsed::asks_first`]). The
/// confidence is a calibrated probability, so at this level about one such restart in
/// ten would be a misunderstanding — too many to kick everyone out on.
pub const SURE_RESTART: f32 = 0.9;

/// Below this confidence no restart is returned at all. On cross-validation of the
/// development corpus, restarts between 0.5 and 0.8 were right only about half the time,
/// and a wrong restart kicks everyone out.
pub const MIN_RESTART_CONFIDENCE: f32 = 0.8;

/// What a message asks of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// Restart the Minecraft server ("redémarre", "relance", "restart", "reboot").
    Restart,
    /// Power the machine on ("démarre", "allume", "start", "wake up", "power on").
    Wake,
    /// Report whether the server is up and who plays ("le serveur est allumé ?").
    Status,
    /// Explain the commands ("aide", "help", "que sais-tu faire ?").
    Help,
    /// Nothing asked: conversation, thanks, negations, reports, or not for the bot.
    None,
}

impl Intent {
    /// Every intent, in the order of the model's weight rows and of every per-class count.
    pub const ALL: [Intent; 5] = [
        Intent::Restart,
        Intent::Wake,
        Intent::Status,
        Intent::Help,
        Intent::None,
    ];
}

/// Who the bot is, as needed to recognise that a message addresses it.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    /// The bot's user id, matched against `<@id>` and `<@!id>` mentions.
    pub bot_id: u64,
    /// The bot's name, recognised when typed as text ("CubeGuardian", "@CubeGuardian").
    pub bot_name: &'a str,
}

/// The recognizer's answer for one message.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Parsed {
    /// What is asked; [`Intent::None`] unless the message is addressed to the bot.
    pub intent: Intent,
    /// How sure the recognizer is of `intent`, in 0.0..=1.0; at least
    /// [`MIN_CONFIDENCE`] for any intent other than `None`.
    pub confidence: f32,
    /// Whether the message is spoken to the bot (always true in private messages).
    pub addressed: bool,
}

impl Parsed {
    /// Whether this is a restart the recogniser is not sure of (confidence below
    /// [`SURE_RESTART`]): the caller should ask "Tu veux que je redémarre le serveur ?"
    /// before offering the confirmation buttons.
    pub fn asks_first(&self) -> bool {
        self.intent == Intent::Restart && self.confidence < SURE_RESTART
    }
}

/// Where a message was posted: public channels demand an explicit address, private
/// messages do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A guild text channel: strict, the bot must be mentioned or called.
    Guild,
    /// A private message to the bot: permissive, everything is for the bot.
    Dm,
}

/// The intent recognizer. Build it once (the lexicon is prepared in [`Recognizer::new`])
/// and share it: `parse` takes `&self`, and the type is `Send + Sync`.
pub struct Recognizer {
    lexicon: Lexicon,
    /// The learned stage; `None` only if the embedded weights are malformed, and then the
    /// grammar decides alone (a test keeps the shipped weights valid).
    model: Option<Model>,
}

impl Recognizer {
    /// Prepares the lexicon (a few thousand words) and decodes the weights, once.
    pub fn new() -> Self {
        let lexicon = Lexicon::new();
        let mut model = Model::embedded();
        if let Some(model) = &mut model {
            model.know_words(lexicon.words());
        }
        Recognizer { lexicon, model }
    }

    /// Runs the stages up to the learned one and hands `f` what it looks at; `None` for a
    /// public message that does not address the bot (which nothing may turn into a
    /// command).
    fn analyse<R>(
        &self,
        text: &str,
        channel: Channel,
        bot: &Addressee<'_>,
        f: impl FnOnce(&Input<'_>) -> R,
    ) -> Option<R> {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.analyse_in(&mut scratch, text, channel, bot, f),
            // Only if `f` parsed another message on this thread: fresh buffers then.
            Err(_) => self.analyse_in(&mut Scratch::empty(), text, channel, bot, f),
        })
    }

    /// [`Recognizer::analyse`] with the text's buffers, which it overwrites.
    fn analyse_in<R>(
        &self,
        scratch: &mut Scratch,
        text: &str,
        channel: Channel,
        bot: &Addressee<'_>,
        f: impl FnOnce(&Input<'_>) -> R,
    ) -> Option<R> {
        let (mut tagged, work) = scratch.tag(&self.lexicon, text, channel, bot)?;
        let norm = tagged.norm();
        let address = address::resolve(&mut tagged, channel == Channel::Dm);
        if address == AddressKind::No {
            return None;
        }
        let verdict = rules::decide_in(&tagged, work);
        // A bare "oui, redémarre-le" answers a question (the confirmation flow takes it,
        // see `answer`): no new request.
        let answers = answer::bare_yes(&tagged, text);
        let restart_blocked = answers || gates::restart_blocked(norm, &tagged, &verdict.evidence);
        let wake_blocked = answers || gates::wake_blocked(norm, &tagged, &verdict.evidence);
        Some(f(&Input {
            norm,
            tagged: &tagged,
            address,
            evidence: verdict.evidence,
            rules_intent: verdict.intent,
            rules_score: verdict.score,
            restart_blocked,
            wake_blocked,
        }))
    }

    /// The yes or no that `text` answers, if it is nothing but an answer ("ok fais-le",
    /// "<@bot> vas-y", "non laisse tomber", "👍"). For a member the bot has just asked a
    /// yes/no question: their reply settles it, and is no new request. Allocates nothing.
    pub fn answer(&self, text: &str, bot: &Addressee<'_>) -> Option<Answer> {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.answer_in(&mut scratch, text, bot),
            Err(_) => self.answer_in(&mut Scratch::empty(), text, bot),
        })
    }

    fn answer_in(&self, scratch: &mut Scratch, text: &str, bot: &Addressee<'_>) -> Option<Answer> {
        // Read as a private message would be: every word is tagged.
        let (tagged, _) = scratch.tag(&self.lexicon, text, Channel::Dm, bot)?;
        answer::read(&tagged, text)
    }

    /// Recognises what `text` asks of `bot`. Never panics, allocates nothing, and looks
    /// at a bounded prefix of the text (see `normalize::MAX_ANALYSED_CHARS`).
    pub fn parse(&self, text: &str, channel: Channel, bot: &Addressee<'_>) -> Parsed {
        let decided = self.analyse(text, channel, bot, |input| match &self.model {
            Some(model) => decide(model.probabilities(input), input.gates()),
            None => grammar_only(input),
        });
        let Some((intent, confidence)) = decided else {
            // Strict mode: nothing said in public without an address is a command.
            return Parsed {
                intent: Intent::None,
                confidence: 0.95,
                addressed: false,
            };
        };
        Parsed {
            intent,
            confidence: confidence.clamp(0.0, 1.0),
            addressed: true,
        }
    }
}

/// The final choice from the model's probabilities, behind the safety gates: when they
/// forbid a restart (negated, withdrawn, quoted, or about another object) or a wake
/// (quoted, or about another object: "lance la partie"), whatever the weights say, its
/// probability goes to "nothing asked".
fn decide(mut p: [f32; 5], gates: Gates) -> (Intent, f32) {
    if gates.restart_blocked {
        p[4] += p[0];
        p[0] = 0.0;
    }
    if gates.wake_blocked {
        p[4] += p[1];
        p[1] = 0.0;
    }
    if !p.iter().all(|x| x.is_finite()) {
        return (Intent::None, 0.5);
    }
    let mut best = 4;
    for k in 0..5 {
        if p[k] > p[best] {
            best = k;
        }
    }
    match model::CLASSES[best] {
        Intent::None => (Intent::None, p[best]),
        Intent::Restart if p[best] < MIN_RESTART_CONFIDENCE => (Intent::None, 1.0 - p[best]),
        _ if p[best] < MIN_CONFIDENCE => (Intent::None, 1.0 - p[best]),
        intent => (intent, p[best]),
    }
}

/// The grammar's verdict alone, for a build whose weights could not be decoded.
fn grammar_only(input: &Input<'_>) -> (Intent, f32) {
    match input.rules_intent {
        Intent::None => (Intent::None, input.rules_score),
        Intent::Wake if input.wake_blocked => (Intent::None, input.rules_score),
        intent => {
            let confidence = input.rules_score * input.address.weight();
            if confidence >= MIN_CONFIDENCE {
                (intent, confidence)
            } else {
                (Intent::None, 1.0 - confidence)
            }
        }
    }
}

/// The buffers of one parse (the normalised text, its tokens, their tags and the grammar's
/// working arrays, 8 KiB), made once per thread and overwritten by every message: made
/// anew for each, zeroing them was a fifth of the instructions of parsing a message.
/// Constant-initialised and without a destructor, the thread-local allocates nothing and
/// is never torn down.
struct Scratch {
    norm: Normalized,
    tokens: Tokens,
    slots: SlotBuf,
    work: WorkBuf,
    name_reading: NameReading,
}

impl Scratch {
    /// Folds, splits and tags `text` in these buffers, which it overwrites, and hands back
    /// the grammar's working arrays. `None` for a public message no word of which could
    /// name the bot: its words need no look-up.
    fn tag(
        &mut self,
        lexicon: &Lexicon,
        text: &str,
        channel: Channel,
        bot: &Addressee<'_>,
    ) -> Option<(Tagged<'_>, &mut WorkBuf)> {
        let Scratch {
            norm,
            tokens,
            slots,
            work,
            name_reading,
        } = self;
        norm.fold(text);
        let norm = &*norm;
        tokens.split(norm);
        let mut name = BotName::new(bot.bot_name);
        name_reading.read(&mut name, lexicon);
        if channel == Channel::Guild
            && !tag::may_name_the_bot(norm, tokens, lexicon, bot.bot_id, &name)
        {
            return None;
        }
        let mut tagged = Tagged::empty(norm, slots);
        tagged.tag(tokens, lexicon, bot.bot_id, &name);
        Some((tagged, work))
    }

    const fn empty() -> Self {
        Scratch {
            norm: Normalized::empty(),
            tokens: Tokens::empty(),
            slots: SlotBuf::empty(),
            work: WorkBuf::empty(),
            name_reading: NameReading::empty(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch::empty())
    };
}

impl Default for Recognizer {
    fn default() -> Self {
        Self::new()
    }
}

/// The line format of the labelled corpus files (`tests/data/intents*.tsv`), read alike by
/// the accuracy test, the benchmark and the replay example. Not part of the recogniser's
/// interface.
#[doc(hidden)]
pub mod corpus_line {
    use super::Channel;

    /// A data line's place, label and text as the bot receives it; `None` for a comment,
    /// a blank line, or a line that is not `guild` or `dm`, a label and a text,
    /// tab-separated.
    pub fn parse(line: &str) -> Option<(Channel, &str, String)> {
        if line.starts_with('#') || line.trim().is_empty() {
            return None;
        }
        let mut fields = line.splitn(3, '\t');
        let channel = match fields.next()? {
            "guild" => Channel::Guild,
            "dm" => Channel::Dm,
            _ => return None,
        };
        let label = fields.next()?;
        Some((channel, label, message(fields.next()?)))
    }

    /// The intent a label names (`restart`, `wake`, `status`, `help`, `none`).
    pub fn intent(label: &str) -> Option<super::Intent> {
        use super::Intent;
        Some(match label {
            "restart" => Intent::Restart,
            "wake" => Intent::Wake,
            "status" => Intent::Status,
            "help" => Intent::Help,
            "none" => Intent::None,
            _ => return None,
        })
    }

    /// The text as the bot receives it: the placeholders `BOT` and `OTHER` become the ids
    /// 1 and 2 (so `<@BOT>` mentions the bot), `\n` a line break.
    fn message(text: &str) -> String {
        text.replace("BOT", "1")
            .replace("OTHER", "2")
            .replace("\\n", "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: Addressee<'static> = Addressee {
        bot_id: 1,
        bot_name: "CubeGuardian",
    };

    fn guild(text: &str) -> Parsed {
        Recognizer::new().parse(text, Channel::Guild, &BOT)
    }

    fn dm(text: &str) -> Parsed {
        Recognizer::new().parse(text, Channel::Dm, &BOT)
    }

    #[test]
    fn recognizer_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Recognizer>();
    }

    #[test]
    fn unaddressed_guild_messages_are_never_commands() {
        let p = guild("redémarre le serveur");
        assert_eq!(p.intent, Intent::None);
        assert!(!p.addressed);
        assert_eq!(guild("le serveur est allumé ?").intent, Intent::None);
    }

    #[test]
    fn addressed_and_private_commands() {
        let p = guild("<@1> redémarre le serveur");
        assert_eq!(p.intent, Intent::Restart);
        assert!(p.addressed);
        assert!(p.confidence >= MIN_CONFIDENCE && p.confidence <= 1.0);
        let p = dm("reboot le serveur stp");
        assert_eq!(p.intent, Intent::Restart);
        assert!(p.addressed);
        assert_eq!(dm("merci !").intent, Intent::None);
    }

    /// The early exit for public messages that never name the bot must agree with the
    /// address stage on every development message.
    #[test]
    fn early_exit_only_skips_messages_the_address_stage_rejects() {
        let r = Recognizer::new();
        let mut skipped = 0;
        for case in corpus::load()
            .iter()
            .filter(|c| c.split == corpus::Split::Dev && c.channel == Channel::Guild)
        {
            let norm = Normalized::new(&case.text);
            let tokens = Tokens::new(&norm);
            let name = BotName::new(BOT.bot_name);
            if tag::may_name_the_bot(&norm, &tokens, &r.lexicon, BOT.bot_id, &name) {
                continue;
            }
            skipped += 1;
            let mut tagged = Tagged::new(&norm, &tokens, &r.lexicon, BOT.bot_id, BOT.bot_name);
            assert_eq!(
                address::resolve(&mut tagged, false),
                AddressKind::No,
                "{:?}",
                case.text
            );
        }
        assert!(skipped > 500, "{skipped}");
        for text in [
            "Cube Guardian relance",
            "boooot relance",
            "cubeguardien relance",
        ] {
            let norm = Normalized::new(text);
            let tokens = Tokens::new(&norm);
            let name = BotName::new(BOT.bot_name);
            assert!(tag::may_name_the_bot(
                &norm, &tokens, &r.lexicon, BOT.bot_id, &name
            ));
        }
    }

    #[test]
    fn hostile_input_is_handled() {
        let r = Recognizer::new();
        let big = "redémarre ".repeat(20_000);
        for text in [
            big.as_str(),
            "\u{0}\u{1}\u{7f}<@<@!<@&<#<:a:",
            "r\u{338}\u{322}\u{335}\u{337}e\u{338}\u{334}start",
            "🔥🔥🔥 <@1> 🔥🔥🔥",
            "",
            "<@18446744073709551616> restart",
        ] {
            for ch in [Channel::Guild, Channel::Dm] {
                let p = r.parse(text, ch, &BOT);
                assert!((0.0..=1.0).contains(&p.confidence));
            }
        }
    }

    #[test]
    fn unsure_restarts_ask_first() {
        let parsed = |intent, confidence| Parsed {
            intent,
            confidence,
            addressed: true,
        };
        assert!(parsed(Intent::Restart, SURE_RESTART - 0.01).asks_first());
        assert!(!parsed(Intent::Restart, SURE_RESTART).asks_first());
        assert!(!parsed(Intent::Wake, 0.6).asks_first());
        // Returned restarts are never below the restart floor.
        for text in [
            "<@1> une petite relance ?",
            "<@1> relance",
            "<@1> reboot mc stp",
        ] {
            let p = guild(text);
            assert!(p.intent != Intent::Restart || p.confidence >= MIN_RESTART_CONFIDENCE);
        }
    }

    #[test]
    fn grammar_alone_when_the_weights_are_missing() {
        let r = Recognizer {
            lexicon: Lexicon::new(),
            model: None,
        };
        let p = r.parse("<@1> redémarre le serveur", Channel::Guild, &BOT);
        assert_eq!(p.intent, Intent::Restart);
        assert_eq!(
            r.parse("<@1> ne redémarre pas", Channel::Guild, &BOT)
                .intent,
            Intent::None
        );
    }

    #[test]
    fn serializes_lowercase() {
        let json = serde_json::to_string(&guild("<@1> aide")).unwrap();
        assert!(
            json.starts_with(r#"{"intent":"help","confidence":"#),
            "{json}"
        );
        assert!(json.ends_with(r#""addressed":true}"#), "{json}");
    }
}

/// Accuracy on the labelled corpora: the development, held-out and blind splits.
#[cfg(test)]
pub(crate) mod corpus;
