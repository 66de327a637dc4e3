//! Readings of an action word that speak of a restart rather than ask for one: what was
//! done ("le serv a relancé"), what the speaker wonders whether to ask ("should I ask you
//! to restart it?"), how long a restart takes, a question word for its object, and a line
//! pasted rather than said (a log, a script, an example). Each makes the word "not
//! asked" for the gates.

use crate::lexicon::{Form, Lex};
use crate::tag::Tagged;
use crate::token::{self, TokenKind};

/// Whether the action at `i` says what was done: a participle after an auxiliary ("le
/// serv a relancé en 10 sec", "t'as redémarré ?", "it has restarted", "was rebooted",
/// "le serv est reparti"), what was owed ("il fallait relancer"), or the recent past
/// ("CubeGuardian vient de redémarrer le serveur").
pub(super) fn done(t: &Tagged<'_>, i: usize, form: Form) -> bool {
    if i == 0 {
        return false;
    }
    let participle =
        form == Form::Past || (t.slots()[i].participle && matches!(form, Form::Base | Form::Noun));
    let before = &t.slots()[i - 1];
    let auxiliary = before.kind == TokenKind::Word
        && matches!(
            before.lex,
            Some(Lex::PastAux | Lex::HaveAux | Lex::AuxA | Lex::AuxAs | Lex::Copula)
        );
    // "il fallait relancer": what should have been done.
    let owed = form == Form::Infinitive && matches!(t.text(i - 1), b"fallait" | b"fallu");
    let recent = i >= 2
        && matches!(t.text(i - 1), b"de" | b"d")
        && matches!(
            t.text(i - 2),
            b"vient" | b"viens" | b"venait" | b"venais" | b"venez" | b"venons" | b"viennent"
        );
    // "t'as relancé il y a une heure, refais-le": what was done, asked again.
    let redo = || {
        (0..t.len()).any(|k| {
            let w = t.text(k);
            w.starts_with(b"refai") || w.starts_with(b"refer") || w == b"redo"
        })
    };
    (participle && auxiliary || recent || owed) && !redo()
}

/// Whether the action at `i` is what the speaker wonders whether to ask for ("est-ce que
/// je devrais te demander de relancer ?", "should I ask you to restart the server?"),
/// where "can I ask you to restart it?" asks.
pub(super) fn deliberates(t: &Tagged<'_>, i: usize, form: Form) -> bool {
    // What is asked for is an infinitive ("demander de relancer") or follows "to".
    if !(form == Form::Infinitive || i >= 1 && t.text(i - 1) == b"to") {
        return false;
    }
    let sentence = (0..i)
        .rev()
        .take_while(|&k| !matches!(t.slots()[k].kind, TokenKind::Stop | TokenKind::Question))
        .take(8);
    let mut asks = false;
    for k in sentence {
        match t.text(k) {
            b"demander" | b"ask" | b"dire" | b"tell" => asks = true,
            b"devrais" | b"dois" | b"should" | b"faudrait" | b"faut" | b"devrait" if asks => {
                return k + 1 < i && matches!(t.text(k + 1), b"je" | b"i" | b"t" | b"il")
                    || k >= 1 && matches!(t.text(k - 1), b"je" | b"j" | b"i" | b"on");
            }
            _ => {}
        }
    }
    false
}

/// Whether the action at `i` takes a question word for its object ("restart what, my
/// will to live?", "relancer quoi ?"): a rhetorical or a puzzled question, no order.
pub(super) fn object_asked(t: &Tagged<'_>, i: usize) -> bool {
    t.slots()
        .get(i + 1)
        .is_some_and(|x| x.kind == TokenKind::Word && x.lex == Some(Lex::What))
}

/// Whether the infinitive at `i` says what something takes time to do ("le serv met 5 min
/// à redémarrer", "it takes ages to restart", "c'est long à relancer"): talk about
/// restarting, where "t'as 5 min pour relancer ?" asks.
pub(super) fn takes_time_to(t: &Tagged<'_>, i: usize) -> bool {
    if i < 2 || !matches!(t.text(i - 1), b"a" | b"to" | b"pour") {
        return false;
    }
    (i.saturating_sub(5)..i - 1).any(|k| {
        t.slots()[k].kind == TokenKind::Word
            && matches!(
                t.text(k),
                b"met"
                    | b"mets"
                    | b"mettre"
                    | b"prend"
                    | b"prends"
                    | b"prendre"
                    | b"takes"
                    | b"take"
                    | b"took"
                    | b"ages"
                    | b"forever"
                    | b"long"
                    | b"longtemps"
                    | b"lent"
                    | b"slow"
            )
    })
}

/// Whether byte `pos` lies on a line pasted rather than said: after a log line's level
/// ("[12:03:44 INFO]: Server restart requested by CubeGuardian") or after a speaker's name
/// in a script of two lines or more ("me: the server lags\nyou: restart").
pub(super) fn pasted(bytes: &[u8], pos: usize) -> bool {
    let pos = pos.min(bytes.len());
    // Most messages have no colon before the word at all: one search says so.
    if !bytes[..pos].contains(&b':') {
        return false;
    }
    let line_start = bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |k| k + 1);
    let line = &bytes[line_start..pos];
    if !line.contains(&b':') {
        return false;
    }
    // The log's message runs to the end of its sentence.
    const LEVELS: [&[u8]; 4] = [b"info]", b"warn]", b"error]", b"debug]"];
    let logged = line.contains(&b']')
        && LEVELS.iter().any(|level| {
            line.windows(level.len())
                .rposition(|w| w == *level)
                .is_some_and(|at| !line[at..].windows(2).any(|w| w == b". "))
        });
    logged
        || example(line)
        || speaker(line) && bytes.split(|&b| b == b'\n').filter(|l| speaker(l)).count() >= 2
}

/// Whether `line` opens on an example's label and a colon ("for example: restart the
/// server", "exemple : relance le serveur"), after a mention if any.
fn example(line: &[u8]) -> bool {
    const LABELS: [&[u8]; 6] = [
        b"for example",
        b"par exemple",
        b"exemple",
        b"example",
        b"e.g.",
        b"eg",
    ];
    labelled(line, &LABELS)
}

/// Whether `line` opens on a speaker's name and a colon, as the lines of a script or a
/// meme do ("me: …", "you: …", "moi : …"), after a mention if any.
fn speaker(line: &[u8]) -> bool {
    const SPEAKERS: [&[u8]; 14] = [
        b"me",
        b"you",
        b"moi",
        b"toi",
        b"bot",
        b"him",
        b"her",
        b"lui",
        b"elle",
        b"nobody",
        b"personne",
        b"admin",
        b"everyone",
        b"players",
    ];
    labelled(line, &SPEAKERS)
}

/// Whether `line`, past a mention if any, opens on one of `labels` and a colon.
fn labelled(line: &[u8], labels: &[&[u8]]) -> bool {
    let line = token::after_mention(line).unwrap_or(line.trim_ascii_start());
    labels.iter().any(|label| {
        line.starts_with(label) && line[label.len()..].trim_ascii_start().starts_with(b":")
    })
}
