//! The sentence around an order, read for what makes it no request *now*: a condition or a
//! moment it waits for ("s'il y a encore du lag tout à l'heure, redémarre", "restart it
//! when the event ends", "…mais seulement si tout le monde est d'accord"), an order given
//! to another member ("<@2> tu peux relancer le serveur ?") or said of the speaker ("je
//! relance le serveur dans 5 min"), a habit or a rule for later ("tous les dimanches",
//! "dorénavant…"), the addressee's doing said back as understood ("ok, tu relances le
//! conteneur, compris"), an infinitive commented on ("relancer pour un lag, franchement…"),
//! an order doubted ("tu vas vraiment relancer… ?"), an order taken back ("reboot mc — jk, it's fine") or mocked ("oh sure,
//! restart it again, what could go wrong").
//!
//! These are safety gates rather than model features: the hand-written development lines
//! of issue 13 showed the learned stage reading each of them as a restart when its section
//! was left out of training, and a wrong restart kicks every player out while a missed one
//! costs a retype. Each reading looks at a few tokens around the order and allocates
//! nothing.

mod phrases;

#[cfg(test)]
use crate::lexicon::Act;
use crate::lexicon::{self, Form, Lex, Obj, Person};
use crate::tag::{Ref, Tagged};
use crate::token::TokenKind;
use phrases::{last_taking_back, mocked};

/// Whether the message has words of `act` and every one is withheld by its sentence.
#[cfg(test)]
pub(crate) fn every_order_withheld(t: &Tagged<'_>, act: Act) -> bool {
    let is_order = |i: usize| matches!(t.slots()[i].lex, Some(Lex::Action(a, _)) if a == act);
    if !(0..t.len()).any(is_order) {
        return false;
    }
    let withholding = Withholding::of(t);
    (0..t.len())
        .filter(|&i| is_order(i))
        .all(|i| withholding.withholds(t, i))
}

/// What the readings need once per message: which cue words it holds, whether it mocks
/// the order, and where the last taking back is.
pub(crate) struct Withholding {
    cues: Cues,
    mocked: bool,
    taken_back_at: Option<usize>,
}

impl Withholding {
    pub(crate) fn of(t: &Tagged<'_>) -> Withholding {
        let cues = Cues::of(t);
        let mocked = cues.has(Cue::Mock) && mocked(t);
        // Whatever comes before the last taking back is taken back.
        let taken_back_at = if !mocked && cues.has(Cue::TakeBack) {
            last_taking_back(t)
        } else {
            None
        };
        Withholding {
            cues,
            mocked,
            taken_back_at,
        }
    }

    /// Whether the order at token `i` is withheld by its sentence.
    pub(crate) fn withholds(&self, t: &Tagged<'_>, i: usize) -> bool {
        self.reading(t, i).is_some()
    }

    /// The first reading that withholds the order at token `i`, by name (the development
    /// aid `explain` prints it).
    pub(crate) fn reading(&self, t: &Tagged<'_>, i: usize) -> Option<&'static str> {
        if self.mocked {
            return Some("mocked");
        }
        if self.taken_back_at.is_some_and(|k| k > i) {
            return Some("taken back");
        }
        // Found once for the readings that look at the order's sentence: each scanned for
        // it, and most orders pass every reading.
        let bounds = sentence(t, i);
        let cues = self.cues;
        let name = if conditional(t, i, bounds, cues) {
            "condition"
        } else if for_another_member(t, i, bounds) {
            "another member"
        } else if by_the_speaker(t, i) {
            "speaker"
        } else if cues.has(Cue::Frequency) && habitual(t, i, bounds) {
            "habit"
        } else if cues.has(Cue::Rule) && standing_rule(t, bounds) {
            "rule for later"
        } else if understood(t, i, bounds) {
            "understood"
        } else if commented(t, i, bounds) {
            "commented"
        } else if incredulous(t, i, bounds) {
            "doubted"
        } else if compared(t, i, bounds) {
            "compared"
        } else {
            return None;
        };
        Some(name)
    }
}

/// The words a reading needs before it can withhold anything, by reading. Each reading
/// scanned the sentence for its own words, and most orders pass every reading, so every
/// scan ran to its end: one look at each word of the message ([`Cues::of`]) tells which
/// readings can apply at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// The first word of a [`phrases::MOCKERY`] phrase.
    Mock,
    /// The first word of a [`phrases::TAKEN_BACK`] phrase.
    TakeBack,
    /// A word that starts a [`standing_rule`].
    Rule,
    /// A word that starts a frequency ([`frequency_at`]).
    Frequency,
    /// A word that starts a restriction ([`restricts`]).
    Restriction,
}

/// The cue word `w` is, if any. Every word the readings of [`Cue`] start on must be here,
/// or they would never run on it (the tests below keep the lists in step).
fn cue(w: &[u8]) -> Option<Cue> {
    Some(match w {
        b"what" | b"great" | b"brilliant" | b"oh" | b"yeah" | b"mais" | b"c" | b"quelle"
        | b"super" | b"on" | b"et" | b"pendant" | b"this" | b"while" => Cue::Mock,
        b"jk" | b"jks" | b"nvm" | b"nevermind" | b"never" | b"just" | b"je" | b"laisse"
        | b"laissez" | b"forget" | b"oublie" | b"en" | b"actually" | b"non" | b"wait" => {
            Cue::TakeBack
        }
        b"dorenavant" | b"desormais" | b"henceforth" | b"avenir" | b"from" | b"in" => Cue::Rule,
        b"every" | b"each" | b"chaque" | b"tous" | b"par" => Cue::Frequency,
        b"seulement" | b"only" | b"sauf" | b"unless" | b"provided" | b"condition" => {
            Cue::Restriction
        }
        _ => return None,
    })
}

/// The cues of a message, one bit per [`Cue`].
#[derive(Debug, Clone, Copy)]
struct Cues(u8);

impl Cues {
    fn of(t: &Tagged<'_>) -> Cues {
        let mut bits = 0;
        for k in 0..t.len() {
            if let Some(cue) = cue(t.text(k)) {
                bits |= 1 << cue as u8;
            }
        }
        Cues(bits)
    }

    fn has(self, cue: Cue) -> bool {
        self.0 & 1 << cue as u8 != 0
    }
}

/// Whether the sentence ending at token `end` (see [`sentence`]) is a question.
fn asked(t: &Tagged<'_>, end: usize) -> bool {
    end < t.len() && t.slots()[end].kind == TokenKind::Question
}

/// Whether the order sits in a question that doubts it ("tu vas **vraiment** relancer le
/// serveur pour 2 secondes de lag ?", "are you really restarting it?"): disbelief, not a
/// request.
fn incredulous(t: &Tagged<'_>, i: usize, (start, end): (usize, usize)) -> bool {
    asked(t, end)
        && (start..i)
            .rev()
            .filter(|&k| t.slots()[k].kind == TokenKind::Word)
            .take(2)
            .any(|k| {
                matches!(
                    t.text(k),
                    b"vraiment" | b"really" | b"seriously" | b"serieusement"
                )
            })
}

/// Whether the order is a bare infinitive that opens its sentence and is then commented on
/// ("relancer le serveur pour un lag, franchement…", "relancer, relancer, toujours
/// relancer, c'est lassant", "relancer le serveur pour régler le lag, c'est comme…"): the
/// action is the topic of a remark. A request in the infinitive is short ("<@1> redémarrer
/// le serveur minecraft"), polite ("redémarrer le serveur stp") or asked ("…, c'est
/// possible ?"): none of the development lines so read is one.
fn commented(t: &Tagged<'_>, i: usize, (_, end): (usize, usize)) -> bool {
    // "toujours relancer": a repetition's adverb before it.
    let opens = opens_clause(t, i)
        || i >= 1 && matches!(t.text(i - 1), b"toujours" | b"encore") && opens_clause(t, i - 1);
    if !matches!(t.slots()[i].lex, Some(Lex::Action(_, Form::Infinitive))) || !opens {
        return false;
    }
    let polite = (0..t.len()).any(|k| matches!(t.slots()[k].lex, Some(Lex::Polite)));
    !asked(t, end)
        && !polite
        && (i + 2..end).any(|k| {
            t.slots()[k - 1].kind == TokenKind::Comma
                && t.slots()[k].kind == TokenKind::Word
                && (t.phrase_at(k, &[b"c", b"est"])
                    || matches!(t.text(k), b"franchement" | b"honnetement" | b"serieux"))
        })
}

/// For each order word of `act`, the reading that withholds it (or `-`): the development
/// aid `explain` prints it to show which gate a miss went through.
#[cfg(test)]
pub(crate) fn withheld_by(t: &Tagged<'_>, act: Act) -> String {
    let withholding = Withholding::of(t);
    (0..t.len())
        .filter(|&i| matches!(t.slots()[i].lex, Some(Lex::Action(a, _)) if a == act))
        .map(|i| {
            let name = withholding.reading(t, i).unwrap_or("-");
            format!("{}:{name}", String::from_utf8_lossy(t.text(i)))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the order is the addressee's own doing, said back as understood: "ah d'accord,
/// tu redémarres le serveur, je comprends mieux", "ok so you restart the container, not
/// the whole machine. got it". "tu relances le serveur ?" stays a request: a question, and
/// nothing in the message says the speaker understood.
fn understood(t: &Tagged<'_>, i: usize, (_, end): (usize, usize)) -> bool {
    let addressee_does = addressee_does(t, i);
    // "t'as mal compris", "j'ai pas compris": misunderstood.
    let plainly = |k: usize| k == 0 || !matches!(t.text(k - 1), b"mal" | b"pas" | b"rien");
    addressee_does
        && !asked(t, end)
        // (On the first word: each phrase was read at every word.)
        && (0..t.len()).any(|k| match t.text(k) {
            b"compris" | b"comprends" | b"understood" => plainly(k),
            b"got" => t.phrase_at(k, &[b"got", b"it"]),
            b"i" => t.phrase_at(k, &[b"i", b"see"]),
            b"je" => t.phrase_at(k, &[b"je", b"vois"]),
            b"makes" => t.phrase_at(k, &[b"makes", b"sense"]),
            _ => false,
        })
}

/// Whether the addressee is the subject right before the order ("tu relances", "you
/// restart"), and not in a wish ("je veux que tu relances").
fn addressee_does(t: &Tagged<'_>, i: usize) -> bool {
    i >= 1
        && t.slots()[i - 1].kind == TokenKind::Word
        && matches!(t.slots()[i - 1].lex, Some(Lex::Subject(Person::Second)))
        && !(i >= 2 && matches!(t.text(i - 2), b"que" | b"qu" | b"want" | b"need"))
}

/// Whether the addressee's doing is compared ("tu redémarres plus vite le serveur que ma
/// mère relance la machine à laver", "you restart it faster than I blink"): a remark on
/// the bot, not an order.
fn compared(t: &Tagged<'_>, i: usize, (_, end): (usize, usize)) -> bool {
    addressee_does(t, i)
        && (i + 1..end).any(|k| {
            matches!(
                t.text(k),
                b"plus" | b"moins" | b"aussi" | b"faster" | b"slower" | b"more"
            ) && (k + 1..end).any(|m| matches!(t.text(m), b"que" | b"qu" | b"than"))
        })
}

/// Whether a frequency follows the order in its clause ("un redémarrage par jour, c'est
/// trop", "stop restarting the server every evening"), or opens a clause of its sentence
/// before it ("une fois par semaine, relance le serv", "every Sunday, restart it"): a
/// habit, not now (the development lines so read all ask nothing). One that does not open
/// its clause says how often something else happens ("ça lag trois fois par jour, relance").
fn habitual(t: &Tagged<'_>, i: usize, (start, _): (usize, usize)) -> bool {
    let mut k = i + 1;
    while k + 1 < t.len() && t.slots()[k].kind == TokenKind::Word {
        if frequency_at(t, k) {
            return true;
        }
        k += 1;
    }
    (start..i).any(|k| {
        // "une fois par semaine": the frequency's own "une fois" opens the clause.
        let opens = |j: usize| opens_clause(t, j);
        frequency_at(t, k)
            && (opens(k)
                || k >= 2 && t.text(k - 2) == b"une" && t.text(k - 1) == b"fois" && opens(k - 2)
                || k >= 2 && t.text(k - 2) == b"once" && t.text(k - 1) == b"a" && opens(k - 2))
    })
}

/// Whether a frequency starts at word `k`: "every day", "chaque dimanche", "tous les
/// soirs", "par semaine".
fn frequency_at(t: &Tagged<'_>, k: usize) -> bool {
    if k + 1 >= t.len() || t.slots()[k].kind != TokenKind::Word {
        return false;
    }
    let next = || t.slots()[k + 1].kind == TokenKind::Word;
    match t.text(k) {
        b"every" | b"each"
            if next()
                && matches!(
                    t.text(k + 1),
                    b"day"
                        | b"night"
                        | b"evening"
                        | b"morning"
                        | b"week"
                        | b"weekend"
                        | b"hour"
                        | b"minute"
                        | b"time"
                        | b"single"
                        | b"few"
                        | b"other"
                )
                || next() && is_day(t.text(k + 1)) =>
        {
            true
        }
        // "chaque dimanche", "tous les soirs", "tous les lundis".
        b"chaque"
            if next()
                && (is_day(t.text(k + 1))
                    || matches!(t.text(k + 1), b"soir" | b"jour" | b"semaine" | b"nuit")) =>
        {
            true
        }
        b"tous"
            if next()
                && t.text(k + 1) == b"les"
                && k + 2 < t.len()
                && t.slots()[k + 2].kind == TokenKind::Word
                && (is_day(t.text(k + 2).strip_suffix(b"s").unwrap_or(t.text(k + 2)))
                    || matches!(t.text(k + 2), b"soirs" | b"jours" | b"matins" | b"nuits")) =>
        {
            true
        }
        b"par"
            if next()
                && matches!(
                    t.text(k + 1),
                    b"jour" | b"soir" | b"semaine" | b"heure" | b"nuit" | b"mois"
                ) =>
        {
            true
        }
        _ => false,
    }
}

/// A day of the week, French or English ("every Sunday", "chaque dimanche").
fn is_day(w: &[u8]) -> bool {
    matches!(
        w,
        b"lundi"
            | b"mardi"
            | b"mercredi"
            | b"jeudi"
            | b"vendredi"
            | b"samedi"
            | b"dimanche"
            | b"monday"
            | b"tuesday"
            | b"wednesday"
            | b"thursday"
            | b"friday"
            | b"saturday"
            | b"sunday"
            | b"weekday"
            | b"weekend"
    )
}

/// Whether the order's sentence sets a rule for the future rather than asking now: "à
/// l'avenir, préviens avant de relancer", "dorénavant relance-le la nuit", "from now on,
/// restart requests go through the mods".
fn standing_rule(t: &Tagged<'_>, (start, end): (usize, usize)) -> bool {
    (start..end).any(|k| match t.text(k) {
        b"dorenavant" | b"desormais" | b"henceforth" => t.slots()[k].kind == TokenKind::Word,
        b"avenir" => k >= 2 && t.text(k - 1) == b"l" && t.text(k - 2) == b"a",
        b"from" => t.phrase_at(k, &[b"from", b"now", b"on"]),
        b"in" => t.phrase_at(k, &[b"in", b"the", b"future"]),
        _ => false,
    })
}

/// Whether the speaker is the subject of the order: "je relance le serveur dans 5 min",
/// "je vais le redémarrer", "I'll restart it", "j'ai relancé" say what the speaker does or
/// did, not what the bot should (none of the 109 development lines so read asks the bot
/// anything with that word).
fn by_the_speaker(t: &Tagged<'_>, i: usize) -> bool {
    let mut k = i;
    while k > 0 {
        k -= 1;
        let s = &t.slots()[k];
        if s.kind != TokenKind::Word {
            return false;
        }
        match t.text(k) {
            b"je" | b"j" | b"i" => return true,
            // Object pronouns, the auxiliaries of a near future or of the past ("j'ai déjà
            // relancé", "I've just restarted it").
            b"le" | b"la" | b"l" | b"les" | b"te" | b"vous" | b"vais" | b"ll" | b"will" | b"m"
            | b"am" | b"gonna" | b"going" | b"to" | b"ai" | b"avais" | b"ve" | b"have" | b"had"
            | b"just" | b"already" | b"deja" => {}
            _ => return false,
        }
    }
    false
}

/// The first and one-past-last token of the sentence holding token `i`: sentences end at
/// `.`, `!`, `;`, `?` and line breaks.
fn sentence(t: &Tagged<'_>, i: usize) -> (usize, usize) {
    let ends = |k: usize| matches!(t.slots()[k].kind, TokenKind::Stop | TokenKind::Question);
    let start = (0..i).rev().find(|&k| ends(k)).map_or(0, |k| k + 1);
    let end = (i + 1..t.len()).find(|&k| ends(k)).unwrap_or(t.len());
    (start, end)
}

/// Whether token `k` speaks to the addressee ("tu", "vous", "you", "te", "ton"…): a
/// condition on the bot's own convenience ("si tu peux", "when you get a chance") is
/// politeness, not a condition on the world.
fn second_person(t: &Tagged<'_>, k: usize) -> bool {
    matches!(t.slots()[k].lex, Some(Lex::Subject(Person::Second)))
        || matches!(
            t.text(k),
            b"te" | b"toi" | b"ton" | b"ta" | b"tes" | b"your" | b"u" | b"votre"
        )
}

/// Words that can follow a conditional "si": a subject or the start of a noun phrase
/// ("si ça lag", "si le serveur plante", "si jamais"); "si lent" is an adverb.
fn opens_a_clause(w: &[u8]) -> bool {
    matches!(
        w,
        b"il"
            | b"ils"
            | b"elle"
            | b"elles"
            | b"on"
            | b"ca"
            | b"c"
            | b"ce"
            | b"y"
            | b"jamais"
            | b"demain"
            | b"encore"
            | b"le"
            | b"la"
            | b"les"
            | b"l"
            | b"un"
            | b"une"
            | b"mon"
            | b"ma"
            | b"notre"
            | b"quelqu"
            | b"personne"
            | b"tout"
            | b"je"
            | b"j"
            | b"nous"
            | b"besoin"
            | b"t"
            | b"tu"
            | b"vous"
    )
}

/// If a condition or a moment starts at token `j`, how many tokens its subordinator
/// takes ("s'il" two, "dès que" two, "as soon as" three).
fn subordinator(t: &Tagged<'_>, j: usize) -> Option<usize> {
    if t.slots()[j].kind != TokenKind::Word {
        return None;
    }
    let next = |k: usize| {
        (j + k < t.len() && t.slots()[j + k].kind == TokenKind::Word).then(|| t.text(j + k))
    };
    match t.text(j) {
        // "s'il te plaît" is please; "s'il lag" a condition.
        b"s" if matches!(next(1), Some(b"il" | b"ils"))
            && !matches!(next(2), Some(b"te" | b"vous" | b"vou" | b"tplait")) =>
        {
            Some(2)
        }
        b"si" if next(1).is_some_and(opens_a_clause) => Some(1),
        // "relance-le quand même": "anyway", no condition.
        b"quand" if matches!(next(1), Some(b"meme")) => None,
        b"quand" | b"lorsque" | b"lorsqu" | b"if" | b"when" | b"whenever" | b"once" => Some(1),
        // "avant que" hurries ("relance avant que tout le monde parte"): not here.
        b"des" | b"apres" if matches!(next(1), Some(b"que" | b"qu")) => Some(2),
        b"une" if matches!(next(1), Some(b"fois")) && matches!(next(2), Some(b"que" | b"qu")) => {
            Some(3)
        }
        // "une fois l'event terminé, …": a participle clause; the Belgian "relance une fois"
        // has no noun phrase after it.
        b"une"
            if matches!(next(1), Some(b"fois"))
                && matches!(
                    next(2),
                    Some(b"le" | b"la" | b"l" | b"les" | b"tout" | b"tous")
                ) =>
        {
            Some(2)
        }
        // "une fois minuit passé, tu peux le rebooter": a participle clause.
        b"une"
            if matches!(next(1), Some(b"fois"))
                && next(2).is_some()
                && (j + 3 < t.len() && t.slots()[j + 3].participle
                    || matches!(
                        next(3),
                        Some(b"fini" | b"finie" | b"finis" | b"fait" | b"parti" | b"partis")
                    )) =>
        {
            Some(2)
        }
        // "après l'event, relance", "après minuit": a moment to wait for; "après le crash
        // de ce matin, relance" names what happened, and asks now.
        b"apres"
            if matches!(next(1), Some(b"minuit" | b"midi"))
                || matches!(
                    next(1),
                    Some(
                        b"le"
                            | b"la"
                            | b"l"
                            | b"les"
                            | b"ce"
                            | b"cet"
                            | b"cette"
                            | b"mon"
                            | b"ma"
                            | b"notre"
                            | b"ton"
                            | b"ta"
                            | b"son"
                            | b"sa"
                            | b"leur"
                    )
                ) && next(2).is_some_and(later_event) =>
        {
            Some(1)
        }
        b"as" if matches!(next(1), Some(b"soon")) && matches!(next(2), Some(b"as")) => Some(3),
        // "the moment it lags again, restart", "next time it crashes, reboot", "la
        // prochaine fois que ça plante, relance".
        b"the" if matches!(next(1), Some(b"moment")) => Some(2),
        b"next" if matches!(next(1), Some(b"time")) => Some(2),
        b"every" if matches!(next(1), Some(b"time")) => Some(2),
        b"la" if matches!(next(1), Some(b"prochaine")) && matches!(next(2), Some(b"fois")) => {
            Some(3)
        }
        b"chaque" if matches!(next(1), Some(b"fois")) => Some(2),
        // "in case it freezes tonight, reboot", "au cas où ça plante, relance": a
        // precaution for later; "just in case, reboot it" (no clause) is one taken now.
        b"in" if matches!(next(1), Some(b"case")) && subject_at(t, j + 2) => Some(2),
        b"au"
            if matches!(next(1), Some(b"cas"))
                && matches!(next(2), Some(b"ou"))
                && subject_at(t, j + 3) =>
        {
            Some(3)
        }
        // "after checking with everyone": what was done, not what to wait for.
        b"after" if next(1).is_some_and(|w| w.ends_with(b"ing")) => None,
        b"after" | b"until" | b"till" => Some(1),
        _ => None,
    }
}

/// Whether `w` names an event one waits for the end of ("après l'event", "après le raid").
fn later_event(w: &[u8]) -> bool {
    matches!(
        w,
        b"event"
            | b"events"
            | b"evenement"
            | b"raid"
            | b"partie"
            | b"match"
            | b"tournoi"
            | b"session"
            | b"soiree"
            | b"stream"
            | b"build"
            | b"backup"
            | b"sauvegarde"
            | b"boss"
            | b"donjon"
            | b"combat"
            | b"vote"
            | b"quete"
            | b"course"
            | b"reunion"
            | b"game"
            | b"cours"
            | b"diner"
            | b"souper"
            | b"repas"
            | b"ecole"
            | b"boulot"
            | b"taf"
            | b"travail"
    )
}

/// Whether token `k` can start a clause's subject: a subject pronoun, a determiner, "it",
/// "ça", or a word `opens_a_clause` lists.
fn subject_at(t: &Tagged<'_>, k: usize) -> bool {
    k < t.len()
        && t.slots()[k].kind == TokenKind::Word
        && (matches!(
            t.slots()[k].lex,
            Some(Lex::Subject(_) | Lex::Determiner | Lex::Object(Obj::Pronoun))
        ) || opens_a_clause(t.text(k)))
}

/// How many words open a restriction on what was said before them at token `k`, if any:
/// "seulement si", "only if", "unless", "sauf si", "à condition que", "provided".
fn restricts(t: &Tagged<'_>, k: usize) -> Option<usize> {
    let next = |w: &[&[u8]]| k + 1 < t.len() && w.contains(&t.text(k + 1));
    match t.text(k) {
        b"seulement" | b"only" if next(&[b"si", b"if"]) => Some(2),
        b"sauf" if next(&[b"si", b"s"]) => Some(2),
        b"unless" | b"provided" if t.slots()[k].kind == TokenKind::Word => Some(1),
        b"condition" if k >= 1 && t.text(k - 1) == b"a" && next(&[b"que", b"qu"]) => Some(2),
        _ => None,
    }
}

/// Whether the condition whose subordinator ends before token `from` is about the
/// addressee's convenience or asks for no delay ("si tu peux", "if possible", "dès que
/// possible", "as soon as you can"): then the order is asked now.
fn polite(t: &Tagged<'_>, from: usize, to: usize) -> bool {
    let to = to.min(t.len());
    // "si ce n'est pas trop demander", "if it's not too much trouble".
    if (from.max(1)..to).any(|k| {
        matches!(
            (t.text(k - 1), t.text(k)),
            (b"trop", b"demander") | (b"much", b"trouble")
        )
    }) {
        return true;
    }
    for k in (from..to).take(4) {
        // "si je te payais en diamants": the speaker's own doing, a bargain; the "te" after
        // it is an object, not the addressee's convenience.
        if matches!(t.text(k), b"je" | b"j" | b"i") {
            return false;
        }
        if second_person(t, k)
            || matches!(
                t.text(k),
                b"possible" | b"possibl" | b"needed" | b"necessaire" | b"ok" | b"okay"
            )
        {
            return true;
        }
    }
    false
}

/// Whether the order at `i` is the verb of the addressee's condition that opens before
/// it ("next time you restart it, warn us", "quand tu relances le serveur, ça déco tout
/// le monde"): a moment, where "if you could restart it" and "quand t'as deux minutes
/// relance" ask by a modal or the addressee's time.
fn wraps(t: &Tagged<'_>, from: usize, i: usize) -> bool {
    !(from..i).any(|k| {
        matches!(t.slots()[k].lex, Some(Lex::Modal(..))) || lexicon::convenience(t.text(k))
    })
}

/// A condition or a moment in the order's sentence: before the order anywhere in the
/// sentence ("s'il y a encore du lag, redémarre", "quand on aura fini le donjon, reboot"),
/// after it in the same clause ("restart it when the event ends"). Not a condition on the
/// addressee's convenience ("si tu peux", "when you get a chance").
fn conditional(t: &Tagged<'_>, i: usize, (start, end): (usize, usize), cues: Cues) -> bool {
    // "un redémarrage ce serait bien, mais seulement si tout le monde est d'accord",
    // "restart it, unless someone's in the end": a restriction reaches back over commas
    // (but "unless you're busy" is the bot's convenience: the addressee is its subject,
    // where in "seulement si l'admin te le dit" the "te" is another verb's object).
    let addressee_subject = |from: usize| {
        (from..end)
            .take(3)
            .any(|k| matches!(t.slots()[k].lex, Some(Lex::Subject(Person::Second))))
    };
    if cues.has(Cue::Restriction)
        && (i + 1..end).any(|k| restricts(t, k).is_some_and(|len| !addressee_subject(k + len)))
    {
        return true;
    }
    let clause_end = (i + 1..end)
        .find(|&k| t.slots()[k].kind == TokenKind::Comma)
        .unwrap_or(end);
    let mut j = start;
    while j < clause_end {
        if j == i {
            j += 1;
            continue;
        }
        if let Some(len) = subordinator(t, j).filter(|_| j > i || opens_clause(t, j)) {
            // The condition runs to the next comma or to the order.
            let stop = (j + len..end)
                .find(|&k| k == i || t.slots()[k].kind == TokenKind::Comma)
                .unwrap_or(end);
            if !polite(t, j + len, stop) || (stop == i && wraps(t, j + len, i)) {
                return true;
            }
            j += len;
            continue;
        }
        j += 1;
    }
    false
}

/// Whether token `j` opens its clause: only a call (of the bot or of anyone), greetings,
/// politeness and conjunctions come before it since the sentence's start or the last
/// comma. A subordinate clause that follows words of another clause belongs to it: in "ça
/// crash dès qu'on entre dans le nether, relance mc" it says when the crashes happen, not
/// when to restart. (The model's `opens_clause` asks it of an order, where another
/// member's mention before it does count: the order is then theirs.)
fn opens_clause(t: &Tagged<'_>, j: usize) -> bool {
    (0..j)
        .rev()
        .take_while(|&k| {
            !matches!(
                t.slots()[k].kind,
                TokenKind::Stop | TokenKind::Question | TokenKind::Comma
            )
        })
        .all(|k| {
            let s = &t.slots()[k];
            s.kind != TokenKind::Word
                || s.refers != Ref::No
                || matches!(
                    s.lex,
                    Some(Lex::Greeting | Lex::Polite | Lex::Conj | Lex::Thanks | Lex::Adverb)
                )
        })
}

/// The order follows a mention of another member spoken to, in the same sentence and with
/// no call of the bot in between ("<@1> salut ! <@2> tu peux relancer le serveur ?",
/// "<@2> relance le serv toi"): it is for that member. A mention that is the subject of
/// another verb ("<@2> dit que ça lag, relance") is not spoken to, so only a mention
/// followed by the order, a second person or a modal counts.
fn for_another_member(t: &Tagged<'_>, i: usize, (start, _): (usize, usize)) -> bool {
    let Some(m) = (start..i).rev().find(|&k| t.slots()[k].refers != Ref::No) else {
        return false;
    };
    if !matches!(t.slots()[m].refers, Ref::OtherMention | Ref::OtherAt) {
        return false;
    }
    let mut k = m + 1;
    while k < i && t.slots()[k].kind == TokenKind::Comma {
        k += 1;
    }
    k == i
        || second_person(t, k)
        || matches!(
            t.slots()[k].lex,
            Some(Lex::Modal(..) | Lex::Polite | Lex::Action(..))
        )
}

#[cfg(test)]
mod tests;
