//! A typed answer to the bot's own yes/no question ("Tu veux que je redémarre le serveur
//! ?", "Confirmer ?"): "oui", "ok fais-le", "<@bot> vas-y", "yes go ahead", "non laisse
//! tomber", "👍".
//!
//! Kept apart from the request grammar on purpose. A reply to the bot's question is not a
//! new request (issue 13: "ok fais-le" is an answer, handled by the confirmation flow), so
//! the caller asks this reader first, and only while a question of the bot waits for this
//! member in this channel. Outside that moment the same words mean nothing ("<@bot> ok
//! fais-le") or are a request of their own ("<@bot> oui, redémarre-le"), which is the
//! grammar's business.
//!
//! The reader is strict: every word must be an answer word, a polite word, the bot's name
//! or one of the few words that repeat what was asked ("redémarre-le", "restart it"). A
//! message with anything else ("oui mais attends 5 min", "non c'est bon il est revenu
//! mdr") is no answer, so the question stays open and the message goes on to the grammar.

use crate::lexicon::{Act, Form, Lex};
use crate::tag::{Ref, Tagged};
use crate::token::TokenKind;

/// A member's answer to a yes/no question of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

/// Longer than this, a message says more than yes or no.
const MAX_WORDS: usize = 8;

/// Word sequences that answer yes, longest first where one begins another. Normalised
/// spelling: lowercase, no accents, apostrophes and hyphens split words ("fais-le" is
/// "fais" "le", "d'accord" is "d" "accord").
const YES: &[&[&[u8]]] = &[
    &[b"pas", b"de", b"souci"],
    &[b"pas", b"de", b"soucis"],
    &[b"pas", b"de", b"probleme"],
    &[b"pas", b"de", b"pb"],
    &[b"no", b"problem"],
    &[b"no", b"worries"],
    &[b"bien", b"sur"],
    &[b"of", b"course"],
    &[b"d", b"accord"],
    &[b"go", b"ahead"],
    &[b"let", b"s", b"go"],
    &[b"lets", b"go"],
    &[b"do", b"it"],
    &[b"fais", b"le"],
    &[b"fait", b"le"],
    &[b"vas", b"y"],
    &[b"va", b"y"],
    &[b"allez", b"y"],
    &[b"c", b"est", b"ca"],
    &[b"oui"],
    &[b"ouais"],
    &[b"ouai"],
    &[b"ouaip"],
    &[b"ouep"],
    &[b"wi"],
    &[b"o"],
    &[b"yes"],
    &[b"yep"],
    &[b"yup"],
    &[b"yeah"],
    &[b"ya"],
    &[b"y"],
    &[b"ok"],
    &[b"okay"],
    &[b"oki"],
    &[b"okok"],
    &[b"k"],
    &[b"kk"],
    &[b"dac"],
    &[b"dacc"],
    &[b"daccord"],
    &[b"sure"],
    &[b"go"],
    &[b"vasy"],
    &[b"envoie"],
    &[b"envoye"],
    &[b"confirme"],
    &[b"confirmer"],
    &[b"confirm"],
    &[b"confirmed"],
    &[b"absolument"],
    &[b"carrement"],
    &[b"exactement"],
    &[b"exact"],
    &[b"evidemment"],
    &[b"affirmatif"],
    &[b"yessir"],
];

/// Word sequences that answer no, longest first where one begins another.
const NO: &[&[&[u8]]] = &[
    &[b"pas", b"maintenant"],
    &[b"pas", b"la", b"peine"],
    &[b"pas", b"besoin"],
    &[b"laisse", b"tomber"],
    &[b"laisse", b"faire"],
    &[b"oublie", b"ca"],
    &[b"oublie"],
    &[b"forget", b"it"],
    &[b"never", b"mind"],
    &[b"not", b"now"],
    &[b"no", b"thanks"],
    &[b"no", b"thank", b"you"],
    &[b"non"],
    &[b"nan"],
    &[b"nn"],
    &[b"no"],
    &[b"nope"],
    &[b"nah"],
    &[b"n"],
    &[b"annule"],
    &[b"annuler"],
    &[b"cancel"],
    &[b"stop"],
    &[b"nvm"],
    &[b"nevermind"],
    &[b"negatif"],
];

/// Words an answer may carry without saying more: politeness, softeners, and the object
/// of the question's verb ("oui, redémarre-le", "yes restart it"). The verb itself is any
/// restart word of the lexicon.
const AROUND: &[&[u8]] = &[
    b"stp",
    b"svp",
    b"steuplait",
    b"please",
    b"pls",
    b"plz",
    b"merci",
    b"thanks",
    b"thx",
    b"ty",
    b"bah",
    b"ben",
    b"bon",
    b"beh",
    b"euh",
    b"hmm",
    b"ah",
    b"oh",
    b"alors",
    b"bien",
    b"tres",
    b"je",
    b"s",
    b"il",
    b"te",
    b"plait",
    b"vous",
    b"finalement",
    b"en",
    b"fait",
    b"actually",
    b"le",
    b"la",
    b"it",
    b"y",
    b"mon",
    b"pote",
    b"chef",
    b"boss",
    b"mec",
    b"bro",
];

/// Words that negate what they stand by: an answer with one says no ("non, relance pas",
/// "don't"), and one that also says yes says nothing clear ("ok relance pas").
const NEGATIONS: &[&[u8]] = &[b"pas", b"ne", b"not", b"dont", b"don"];

/// Emoji that answer by themselves (the normaliser drops emoji, so they are read from the
/// text as typed).
const YES_EMOJI: &[char] = &['👍', '✅', '👌', '🆗', '✔'];
const NO_EMOJI: &[char] = &['👎', '❌', '🚫', '✖', '⛔'];

/// The answer `t` (the tagged words of `raw`) gives, if it is nothing but an answer.
pub(crate) fn read(t: &Tagged<'_>, raw: &str) -> Option<Answer> {
    let mut yes = false;
    let mut no = false;
    let mut negated = false;
    let mut words = 0;
    let mut i = 0;
    while i < t.len() {
        let slot = &t.slots()[i];
        match slot.kind {
            TokenKind::Word if slot.refers.is_bot() => i += 1,
            TokenKind::Mention if slot.refers == Ref::BotMention => i += 1,
            // Speaking to or of another member is more than an answer to the bot.
            TokenKind::Mention => return None,
            TokenKind::Word => {
                words += 1;
                if words > MAX_WORDS {
                    return None;
                }
                if let Some(n) = phrase(t, i, YES) {
                    yes = true;
                    i += n;
                } else if let Some(n) = phrase(t, i, NO) {
                    no = true;
                    i += n;
                } else if NEGATIONS.iter().any(|w| word_is(t, i, w)) {
                    // "relance pas": no; "ok relance pas": no answer at all.
                    negated = true;
                    i += 1;
                } else if matches!(
                    slot.lex,
                    Some(Lex::Action(Act::Restart, Form::Base | Form::Infinitive))
                ) || AROUND.iter().any(|w| word_is(t, i, w))
                {
                    i += 1;
                } else {
                    return None;
                }
            }
            // A question ("oui ?", "non ?") asks back rather than answers.
            TokenKind::Question => return None,
            TokenKind::Stop | TokenKind::Comma => i += 1,
        }
    }
    yes |= raw.chars().any(|c| YES_EMOJI.contains(&c));
    no |= raw.chars().any(|c| NO_EMOJI.contains(&c));
    match (yes, no || negated) {
        (true, false) => Some(Answer::Yes),
        (false, true) => Some(Answer::No),
        // "oui… non", "ok relance pas", or nothing that answers at all.
        _ => None,
    }
}

/// Whether `t` is nothing but a yes that says so in words ("<@bot> oui, redémarre-le",
/// "yes restart it", "ouais vas-y relance"): the reply to a question, which the question's
/// owner settles, and no new request. "ok go restart" and "vas-y relance" say no yes
/// and stay requests, as does a yes to a quoted message.
pub(crate) fn bare_yes(t: &Tagged<'_>, raw: &str) -> bool {
    // "> le serveur est mort ?\noui, relance-le": a yes to the quoted message, someone
    // else's, and the order after it stands.
    if raw.trim_start().starts_with('>') || raw.contains("\n>") {
        return false;
    }
    const YES_WORDS: [&[u8]; 11] = [
        b"oui", b"ouais", b"ouai", b"ouaip", b"ouep", b"wi", b"yes", b"yep", b"yup", b"yeah", b"ya",
    ];
    // A yes word first: most messages have none, and the reading is dearer. Every yes
    // word starts with 'o', 'w' or 'y', which rules out nearly every other word at once.
    (0..t.len()).any(|i| {
        t.slots()[i].kind == TokenKind::Word
            && matches!(t.text(i).first(), Some(b'o' | b'w' | b'y'))
            && YES_WORDS.iter().any(|w| word_is(t, i, w))
    }) && read(t, raw) == Some(Answer::Yes)
}

/// The length of the first of `phrases` that the words from `i` on spell.
fn phrase(t: &Tagged<'_>, i: usize, phrases: &[&[&[u8]]]) -> Option<usize> {
    phrases
        .iter()
        .find(|p| {
            i + p.len() <= t.len()
                && p.iter()
                    .enumerate()
                    .all(|(k, w)| t.slots()[i + k].kind == TokenKind::Word && word_is(t, i + k, w))
        })
        .map(|p| p.len())
}

/// Whether the word at `i` is `word`, letters repeated for emphasis or not ("ouiii",
/// "ouii", "okk", "nooon"): a repeated letter counts once on both sides, and an apostrophe
/// not at all. Looser than the lexicon's reading (`Tagged::tag` drops only runs of three
/// or more, which the normaliser marks), since a doubled letter is how chat stresses a
/// one-word answer.
#[inline]
fn word_is(t: &Tagged<'_>, i: usize, word: &[u8]) -> bool {
    let typed = t.text(i);
    // The first letters first: squeezing keeps them, and they tell most words apart.
    typed.first() == word.first() && squeeze(typed).eq(squeeze(word))
}

fn squeeze(word: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut last = None;
    word.iter()
        .copied()
        // "don't" is "dont", as the tagger reads it.
        .filter(|&b| b != b'\'')
        .filter(move |&b| last.replace(b) != Some(b))
}

#[cfg(test)]
mod tests {
    use super::Answer;
    use crate::{Addressee, Recognizer};

    fn answer(text: &str) -> Option<Answer> {
        thread_local! {
            static R: Recognizer = Recognizer::new();
        }
        let bot = Addressee {
            bot_id: 1,
            bot_name: "CubeGuardian",
        };
        R.with(|r| r.answer(text, &bot))
    }

    #[test]
    fn yes_in_many_words() {
        for text in [
            "oui",
            "Oui !",
            "ouiii",
            "ok fais-le",
            "ok, fais le",
            "vas-y",
            "oui vas-y stp",
            "<@1> oui",
            "<@!1> ok",
            "CubeGuardian, vas-y",
            "oui, redémarre-le",
            "ouais relance",
            "yes please",
            "yes, go ahead",
            "yep do it",
            "sure, restart it",
            "d'accord",
            "bien sûr",
            "pas de souci",
            "no problem",
            "go",
            "let's go",
            "confirme",
            "👍",
            "<@1> 👍",
            "ok 👌",
            "envoye",
            "bah oui",
            "je confirme",
            "oui s'il te plaît",
            "okkk",
            "ouii",
            "ouiiii stp",
        ] {
            assert_eq!(answer(text), Some(Answer::Yes), "{text}");
        }
    }

    #[test]
    fn no_in_many_words() {
        for text in [
            "non",
            "nan",
            "no",
            "nope",
            "non merci",
            "no thanks",
            "non laisse tomber",
            "laisse tomber",
            "annule",
            "cancel",
            "pas maintenant",
            "not now",
            "non, relance pas",
            "<@1> non",
            "forget it",
            "nvm",
            "❌",
            "bon non finalement",
            "nooon",
            "nonn",
            "relance pas",
            "don't",
        ] {
            assert_eq!(answer(text), Some(Answer::No), "{text}");
        }
    }

    #[test]
    fn more_than_an_answer_is_none() {
        for text in [
            // Says something else too: the question stays open.
            "oui mais attends 5 min",
            "non c'est bon il est revenu mdr",
            "ok je vais manger",
            "go farm",
            "relance la musique",
            "redémarre le serveur",
            // Both, or neither.
            "oui non",
            "👍👎",
            "merci",
            "",
            "<@1>",
            // Asks back.
            "oui ?",
            "non ?",
            // Speaks to someone else.
            "<@2> oui",
            "oui oui oui oui oui oui oui oui oui",
            // A yes that negates.
            "ok bot relance pas stp",
            "yes don't restart",
        ] {
            assert_eq!(answer(text), None, "{text}");
        }
    }

    #[test]
    fn no_problem_is_yes_and_never_no() {
        assert_eq!(answer("no problem"), Some(Answer::Yes));
        assert_eq!(answer("pas de problème"), Some(Answer::Yes));
        assert_eq!(answer("no"), Some(Answer::No));
    }
}
