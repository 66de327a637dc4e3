//! Stage 5 of the pipeline: is the message spoken *to* the bot?
//!
//! Owns the strict rule of public channels (SPEC §3): a command counts only when the bot
//! is addressed — by a real mention anywhere, or by its name or the word "bot" used as a
//! vocative: at the start of a clause, possibly after a greeting ("salut bot, …"), or as
//! the last word ("relance minecraft CubeGuardian"). "le bot devrait…" is talk *about* the
//! bot (a determiner precedes it), and a message that opens on, or mentions, another
//! member without mentioning the bot is for them.
//!
//! Vocatives and bot mentions are then marked as skipped, so that the rules read
//! "<@bot> redémarre le serveur" exactly like "redémarre le serveur".

use crate::lexicon::Lex;
use crate::tag::{Ref, Tagged};
use crate::token::TokenKind;

/// How the bot was addressed; the stronger, the more confident the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressKind {
    /// Not addressed.
    No,
    /// A private message: always for the bot.
    Dm,
    /// A real `<@id>` mention.
    Mention,
    /// The bot's name as a vocative.
    Name,
    /// The word "bot" as a vocative.
    BotWord,
}

impl AddressKind {
    /// How much an address of this kind supports acting on the message.
    pub(crate) fn weight(self) -> f32 {
        match self {
            AddressKind::No => 0.0,
            AddressKind::Mention => 1.0,
            AddressKind::Dm | AddressKind::Name => 0.95,
            AddressKind::BotWord => 0.9,
        }
    }
}

/// Decides who the message is for, and marks vocatives and bot mentions as skipped.
pub(crate) fn resolve(t: &mut Tagged<'_>, dm: bool) -> AddressKind {
    let n = t.len();
    let mut bot_mention = false;
    let mut other_mention = false;
    for s in t.slots_mut().iter_mut() {
        match s.refers {
            Ref::BotMention => {
                bot_mention = true;
                s.skip = true;
            }
            Ref::OtherMention => other_mention = true,
            _ => {}
        }
    }

    // The first name-like thing of the message tells who it opens on.
    let opener = t
        .slots()
        .iter()
        .find(|s| !is_filler(s.kind, s.lex))
        .map(|s| s.refers);
    let opens_on_other = matches!(opener, Some(Ref::OtherMention | Ref::OtherAt));
    // "<@other> oui je gère. <@bot> relance le serveur", "…, et <@other> est bloqué.
    // CubeGuardian, relance": in a sentence of its own after the last one that speaks to
    // or of someone else, the bot may be called.
    // (Looked for only in a message that speaks to or of someone else.)
    let called_after = |t: &Tagged<'_>| {
        let last_other = t
            .slots()
            .iter()
            .rposition(|s| matches!(s.refers, Ref::OtherMention | Ref::OtherAt))
            .unwrap_or(0);
        let next_sentence = t
            .slots()
            .iter()
            .skip(last_other)
            .position(|s| matches!(s.kind, TokenKind::Stop | TokenKind::Question))
            .map_or(n, |k| last_other + k);
        t.slots()
            .iter()
            .skip(next_sentence)
            .any(|s| s.refers.is_bot() && s.skip)
    };

    // Vocatives at clause starts.
    let mut vocative: Option<Ref> = None;
    let mut i = 0;
    while i < n {
        let clause_start = i == 0 || is_punct(t.slots()[i - 1].kind);
        if clause_start {
            let mut j = i;
            while j < n
                && (is_filler(t.slots()[j].kind, t.slots()[j].lex)
                    || is_interjection(t.text(j), t.slots()[j].kind))
                && !is_punct(t.slots()[j].kind)
            {
                j += 1;
            }
            // "yo le bot", "vas-y le bot": after a call, "le bot" is a vocative; at the very
            // start ("le bot a tout relancé") it is the subject, talk about the bot.
            if j > i && j + 1 < n && t.text(j) == b"le" && t.slots()[j + 1].refers == Ref::BotWord {
                t.slots_mut()[j].skip = true;
                j += 1;
            }
            while j < n && t.slots()[j].refers.is_bot() {
                let r = t.slots()[j].refers;
                vocative = Some(stronger(vocative, r));
                t.slots_mut()[j].skip = true;
                j += 1;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }

    // A vocative as the last word of the message or of a clause ("relance le serveur stp
    // le bot, je tombe à travers le sol"), before any closing politeness or punctuation.
    if !t.truncated() {
        vocative = closing_vocative(t, n, vocative);
        for e in 0..n {
            if is_punct(t.slots()[e].kind) {
                vocative = closing_vocative(t, e, vocative);
            }
        }
    }

    if dm {
        return AddressKind::Dm;
    }
    if (opens_on_other || other_mention) && called_after(t) {
        return if bot_mention {
            AddressKind::Mention
        } else {
            match vocative {
                Some(Ref::BotWord) => AddressKind::BotWord,
                _ => AddressKind::Name,
            }
        };
    }
    if (other_mention && !bot_mention) || opens_on_other {
        return AddressKind::No;
    }
    if bot_mention {
        return AddressKind::Mention;
    }
    match vocative {
        Some(Ref::BotName | Ref::BotMention) => AddressKind::Name,
        Some(Ref::BotWord) => AddressKind::BotWord,
        _ => AddressKind::No,
    }
}

/// The bot's name or "bot" ending the text before token `end` (past closing politeness and
/// punctuation) when it is a vocative, not an object ("redémarre le bot"): marks it
/// skipped and returns the strongest vocative seen.
fn closing_vocative(t: &mut Tagged<'_>, end: usize, mut vocative: Option<Ref>) -> Option<Ref> {
    let mut j = end;
    while j > 0 {
        let s = &t.slots()[j - 1];
        if is_punct(s.kind) || matches!(s.lex, Some(Lex::Polite | Lex::Thanks)) {
            j -= 1;
        } else {
            break;
        }
    }
    let end = j;
    while j > 0 && t.slots()[j - 1].refers.is_bot() && t.slots()[j - 1].refers != Ref::BotMention {
        j -= 1;
    }
    let after_determiner = j > 0
        && matches!(
            t.slots()[j - 1].lex,
            Some(Lex::Determiner | Lex::Preposition | Lex::Purpose | Lex::In | Lex::To | Lex::AuxA)
        );
    // "… stp le bot": a final "le bot" calls the bot, unless it is the object of the
    // word before ("redémarre le bot", "demande au bot").
    let called_le_bot = after_determiner
        && j >= 2
        && j < end
        && t.text(j - 1) == b"le"
        && t.slots()[j].refers == Ref::BotWord
        && !matches!(
            t.slots()[j - 2].lex,
            Some(
                Lex::Action(..)
                    | Lex::Phrasal(_)
                    | Lex::Help(_)
                    | Lex::Preposition
                    | Lex::Purpose
                    | Lex::In
                    | Lex::To
                    | Lex::Modal(..)
                    | Lex::Do
                    | Lex::Copula
                    | Lex::PastAux
                    | Lex::AuxA
                    | Lex::Determiner
            )
        )
        && t.slots()[j - 2].kind == TokenKind::Word
        || (after_determiner && j >= 2 && j < end && is_punct(t.slots()[j - 2].kind))
        // "le bot, relance le serv": opening the message and closed by punctuation, "le
        // bot" is called, not the subject of a verb.
        || (after_determiner
            && j == 1
            && j < end
            && t.text(0) == b"le"
            && t.slots()[1].refers == Ref::BotWord
            && end < t.len()
            && is_punct(t.slots()[end].kind));
    if called_le_bot {
        t.slots_mut()[j - 1].skip = true;
    }
    if j < end && (!after_determiner || called_le_bot) {
        for k in j..end {
            let r = t.slots()[k].refers;
            vocative = Some(stronger(vocative, r));
            t.slots_mut()[k].skip = true;
        }
    }
    vocative
}

/// The stronger of two references to the bot (its name beats the word "bot").
fn stronger(current: Option<Ref>, new: Ref) -> Ref {
    match (current, new) {
        (Some(Ref::BotName | Ref::BotMention), _) => Ref::BotName,
        (_, r) => r,
    }
}

fn is_punct(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Question | TokenKind::Stop | TokenKind::Comma
    )
}

/// Calls and fillers that open a sentence before a vocative ("yo", "vas-y", "allez", "dis",
/// "ok", "bon"): they carry no content.
fn is_interjection(word: &[u8], kind: TokenKind) -> bool {
    kind == TokenKind::Word
        && matches!(
            word,
            b"yo"
                | b"oi"
                | b"wesh"
                | b"eh"
                | b"he"
                | b"hey"
                | b"oh"
                | b"o"
                | b"dis"
                | b"allez"
                | b"allo"
                | b"ok"
                | b"okay"
                | b"vas"
                | b"y"
                | b"vasy"
                | b"bon"
                | b"ben"
                | b"alors"
                | b"hello"
                | b"hi"
                | b"coucou"
                | b"salut"
                | b"bonsoir"
                | b"bonjour"
                | b"hola"
                | b"aller"
                | b"ah"
                | b"tiens"
                | b"ecoute"
                | b"go"
        )
}

/// Punctuation, greetings and politeness, which may precede a vocative.
fn is_filler(kind: TokenKind, lex: Option<Lex>) -> bool {
    is_punct(kind)
        || matches!(
            lex,
            Some(Lex::Greeting | Lex::Polite | Lex::Thanks | Lex::Re)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::normalize::Normalized;
    use crate::token::Tokens;

    fn address(text: &str, dm: bool) -> (AddressKind, Vec<bool>) {
        let lexicon = Lexicon::new();
        let norm = Normalized::new(text);
        let tokens = Tokens::new(&norm);
        let mut t = Tagged::new(&norm, &tokens, &lexicon, 1, "CubeGuardian");
        let kind = resolve(&mut t, dm);
        (kind, t.slots().iter().map(|s| s.skip).collect())
    }

    fn kind(text: &str) -> AddressKind {
        address(text, false).0
    }

    #[test]
    fn real_mentions_address_the_bot_anywhere() {
        assert_eq!(kind("<@1> redémarre"), AddressKind::Mention);
        assert_eq!(kind("redémarre stp <@!1>"), AddressKind::Mention);
        assert_eq!(kind("<@1> dis à <@2> de venir"), AddressKind::Mention);
    }

    #[test]
    fn a_vocative_may_close_any_clause() {
        for text in [
            "relance le serveur stp le bot, je tombe à travers le sol",
            "reboot le serv stp CubeGuardian, merci, les pistons collent",
            "tu sais faire quoi CubeGuardian ? à part nous surveiller",
            "le bot, relance le serv svp",
            "oi bot restart minecraft",
        ] {
            assert_ne!(kind(text), AddressKind::No, "{text:?}");
        }
        for text in [
            "le bot a encore tout relancé, il bug",
            "redémarre le bot, il bug",
            "demande au bot, il sait",
        ] {
            assert_eq!(kind(text), AddressKind::No, "{text:?}");
        }
    }

    #[test]
    fn other_members_take_the_message() {
        assert_eq!(kind("<@2> tu peux redémarrer ?"), AddressKind::No);
        assert_eq!(kind("bot redémarre, <@2> regarde"), AddressKind::No);
        assert_eq!(kind("<@2> <@1> redémarre"), AddressKind::No);
        assert_eq!(kind("@Jean tu peux redémarrer ?"), AddressKind::No);
    }

    #[test]
    fn vocatives_at_clause_starts_and_at_the_end() {
        assert_eq!(kind("bot restart minecraft"), AddressKind::BotWord);
        assert_eq!(kind("hey bot, redémarre"), AddressKind::BotWord);
        assert_eq!(kind("Salut CubeGuardian, relance"), AddressKind::Name);
        assert_eq!(kind("@CubeGuardian reboot"), AddressKind::Name);
        assert_eq!(kind("il lag. bot, relance"), AddressKind::BotWord);
        assert_eq!(kind("relance minecraft CubeGuardian"), AddressKind::Name);
        assert_eq!(
            kind("relance le serveur, bot, merci !"),
            AddressKind::BotWord
        );
    }

    #[test]
    fn talk_about_the_bot_is_not_an_address() {
        assert_eq!(kind("le bot devrait redémarrer"), AddressKind::No);
        assert_eq!(kind("redémarre le bot"), AddressKind::No);
        assert_eq!(kind("demande au bot"), AddressKind::No);
        assert_eq!(
            kind("il faudrait que CubeGuardian redémarre"),
            AddressKind::No
        );
        assert_eq!(kind("il faudrait redémarrer"), AddressKind::No);
    }

    #[test]
    fn private_messages_are_always_addressed() {
        assert_eq!(address("merci", true).0, AddressKind::Dm);
        assert_eq!(address("<@2> salut", true).0, AddressKind::Dm);
    }

    #[test]
    fn vocatives_are_skipped_for_the_rules() {
        let (_, skip) = address("hey bot, redémarre", false);
        assert_eq!(skip, [false, true, false, false]);
    }

    #[test]
    fn le_bot_after_a_call_is_a_vocative() {
        assert_eq!(kind("yo le bot relance le serv"), AddressKind::BotWord);
        assert_eq!(kind("vas-y le bot, allume mc"), AddressKind::BotWord);
        assert_eq!(kind("relance le serveur stp le bot"), AddressKind::BotWord);
        assert_eq!(kind("relance le serveur, le bot"), AddressKind::BotWord);
        // The subject or the object of a verb is talk about the bot.
        assert_eq!(kind("le bot a tout relancé"), AddressKind::No);
        assert_eq!(kind("redémarre le bot"), AddressKind::No);
        assert_eq!(kind("demande au bot"), AddressKind::No);
    }

    #[test]
    fn the_bot_called_after_a_sentence_for_someone_else() {
        assert_eq!(
            kind("<@2> attends deux minutes. <@1> redémarre le serveur"),
            AddressKind::Mention
        );
        assert_eq!(
            kind("<@2> ok je regarde. CubeGuardian, relance mc"),
            AddressKind::Name
        );
        // Or after a sentence about someone else.
        assert_eq!(
            kind("ça lag, et <@2> est bloqué dans un mur. CubeGuardian, relance le serveur"),
            AddressKind::Name
        );
        assert_eq!(
            kind("<@2> t'as vu ? bot relance mc stp"),
            AddressKind::BotWord
        );
        // In the same sentence, the message stays for the other member, and a later one
        // that speaks to someone else takes it back.
        assert_eq!(kind("<@2> bot restart minecraft"), AddressKind::No);
        assert_eq!(kind("bot relance mc <@2>"), AddressKind::No);
        assert_eq!(kind("bot relance mc. <@2> tu vois ?"), AddressKind::No);
        assert_eq!(
            kind("<@2> ok. CubeGuardian relance, <@3> tu me dis"),
            AddressKind::No
        );
    }
}
