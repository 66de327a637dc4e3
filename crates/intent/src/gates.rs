//! Stage 6b of the pipeline: the safety gates in front of the learned model.
//!
//! Owns what no weight may override. A restart is refused when the grammar read it as
//! negated or withdrawn, when no restart word names it, when every restart word is quoted
//! (inline code, spoiler, quotes, struck out) or reported ("relancez-le qu'ils disent"),
//! spoken of ("ton reboot"), about another object ("relance la musique"), withheld by its
//! sentence (a condition, another member, the speaker, a habit: see [`crate::clause`]), or
//! only asked about ("comment je te demande de relancer ?"), or spoken of in another way
//! (what was done, a pasted line, an example: see `spoken_of`); a wake is refused when every
//! wake word is quoted or about another object ("lance la partie"), withheld by its
//! sentence ("si jamais je suis pas là samedi, démarre le serveur", "every weekday at 5"),
//! or folded into a restart ("re-démarre"). The learned stage (`model`) reads the same
//! object classes and quotes as features, hence they live here, below it.

mod spoken_of;

use crate::clause;
use crate::lexicon::{Act, Form, Lex, Obj};
use crate::normalize::{Normalized, MARKUP_BYTES};
use crate::rules::{is_possessive, Evidence};
use crate::tag::{Ref, Tagged};
use crate::token::TokenKind;
use spoken_of::{deliberates, done, object_asked, pasted, takes_time_to};

/// What the safety stages allow, as [`super::decide`] takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Gates {
    /// No weight may make the message a restart.
    pub(crate) restart_blocked: bool,
    /// No weight may make the message a wake.
    pub(crate) wake_blocked: bool,
}

// `quoted` skips what the table does not hold: its four marks must be in it.
const _: () = assert!(
    MARKUP_BYTES[b'`' as usize]
        && MARKUP_BYTES[b'"' as usize]
        && MARKUP_BYTES[b'|' as usize]
        && MARKUP_BYTES[b'~' as usize]
);

/// What follows an action word, as a class: `E` nothing (end, punctuation, politeness),
/// `S` the server or a pronoun for it, `F` another thing the lexicon knows (a PC, the bot
/// itself, another member, "mon jeu": a possessive makes it someone's own), `D` a noun
/// phrase the lexicon does not know ("le débat"), `X` the server of something else ("le
/// serveur Discord", "le serveur de Kevin"), `Y` the server then an unknown word, `U` a
/// bare unknown word, `O` any other word.
pub(crate) fn object_class(t: &Tagged<'_>, i: usize) -> u8 {
    let slots = t.slots();
    let n = slots.len();
    let mut determiner = false;
    let mut possessive = false;
    let mut j = i + 1;
    while j < n {
        let s = &slots[j];
        let pronoun_le = determiner && is_le(t.text(j - 1));
        if s.kind != TokenKind::Word && !matches!(s.kind, TokenKind::Mention) {
            // "redémarre-le.": the article was the pronoun.
            return if pronoun_le {
                antecedent(t, i)
            } else {
                clitic_before(t, i)
            };
        }
        if determiner && matches!(s.lex, Some(Lex::Determiner | Lex::Preposition)) && {
            // "relance le son stp", "relance le dé": after an article, a word read as
            // an article or a preposition that ends the phrase is the noun itself.
            let next = slots.get(j + 1);
            next.is_none_or(|x| {
                x.kind != TokenKind::Word
                    || matches!(
                        x.lex,
                        Some(Lex::Polite | Lex::Thanks | Lex::Adverb | Lex::Conj)
                    )
            })
        } {
            return b'D';
        }
        if pronoun_le
            && (s.refers.is_bot()
                || matches!(
                    s.lex,
                    Some(Lex::Determiner | Lex::Polite | Lex::Thanks | Lex::Adverb)
                )
                || t.text(j) == b"voir")
        {
            // "reboot-le CubeGuardian", "relance-le une fois", "relance-le stp", and the
            // Belgian and Québec "relance-le voir" ("go on, restart it").
            return antecedent(t, i);
        }
        // "relance voir le serveur", "relance un peu le serveur": a particle or a softener
        // between the verb and its object.
        if !determiner && j == i + 1 && t.text(j) == b"voir" {
            j += 1;
            continue;
        }
        if !determiner
            && t.text(j) == b"un"
            && slots.get(j + 1).is_some_and(|x| x.kind == TokenKind::Word)
            && t.text(j + 1) == b"peu"
        {
            j += 2;
            continue;
        }
        // "relances-en un autre", "restart another one": one more of the same.
        if !determiner
            && matches!(t.text(j), b"un" | b"une" | b"another")
            && slots.get(j + 1).is_some_and(|x| x.kind == TokenKind::Word)
            && matches!(t.text(j + 1), b"autre" | b"one")
            && slots.get(j + 2).is_none_or(|x| {
                x.kind != TokenKind::Word
                    || matches!(x.lex, Some(Lex::Polite | Lex::Thanks | Lex::Adverb))
            })
        {
            return b'S';
        }
        if s.refers.is_bot() && !determiner {
            j += 1;
            continue;
        }
        if matches!(s.refers, Ref::OtherMention | Ref::OtherAt) {
            return b'F';
        }
        // "réveille-moi quand…", "wake me up at 7": the speaker is the object, where
        // "relance-moi le serveur" asks for the server on the speaker's behalf.
        if j == i + 1 && matches!(t.text(j), b"moi" | b"me") && !names_object_next(t, j) {
            return b'F';
        }
        match s.lex {
            Some(Lex::Determiner) => {
                determiner = true;
                possessive |= is_possessive(t.text(j));
            }
            // "redémarre le monde", "relance notre monde": the world, not "tout le monde".
            Some(Lex::Presence)
                if determiner && t.text(j) == b"monde" && !(j >= 2 && t.text(j - 2) == b"tout") =>
            {
                return b'F'
            }
            // "reboot 2020 pls": a year is restarted in jest only.
            Some(Lex::Number) if is_year(t.text(j)) => return b'F',
            Some(Lex::Subject(_) | Lex::Clitic) if !determiner => {}
            Some(Lex::Object(Obj::Server)) if possessive => return b'F',
            Some(Lex::Object(Obj::Server)) => return server_noun(t, j),
            Some(Lex::Object(Obj::Pronoun)) => return antecedent(t, i),
            Some(Lex::Object(_)) => return b'F',
            Some(Lex::Bot) => return b'F',
            // "relance juste le plugin", "relance maintenant le serveur": the object may
            // follow an adverb.
            Some(Lex::Adverb) if !determiner => {}
            Some(Lex::Polite | Lex::Thanks | Lex::Adverb | Lex::Time | Lex::Evening) => {
                return b'E'
            }
            None if s.refers.is_bot() => return b'F',
            // "restart the game server", "the survival server": an English noun before
            // "server" says which of ours, as "le serveur survie" does after it.
            None if determiner
                && slots.get(j + 1).is_some_and(|x| {
                    x.kind == TokenKind::Word && x.lex == Some(Lex::Object(Obj::Server))
                }) =>
            {
                return b'Y'
            }
            None if determiner => return b'D',
            None => return b'U',
            Some(_) => return b'O',
        }
        j += 1;
    }
    // "…, relance-le": the article ending the message was the pronoun.
    let pronoun_last = determiner && is_le(t.text(n - 1));
    if pronoun_last && antecedent(t, i) == b'F' {
        return b'F';
    }
    clitic_before(t, i)
}

/// The class of the server noun at `j`: `X` for another one ("le serveur Discord", "le
/// serveur de Kevin", "the server on Nico's host"), `Y` when an unknown word follows that
/// may say which of ours ("le serveur survie"), else `S`.
fn server_noun(t: &Tagged<'_>, j: usize) -> u8 {
    let slots = t.slots();
    // "le serveur Discord", "le serveur de Kevin": a server, but another one.
    let word = |k: usize| slots.get(k).filter(|x| x.kind == TokenKind::Word);
    // "le serveur de <@2>": another member's, called by a mention.
    let foreign = |k: usize| {
        word(k).is_some_and(|x| {
            matches!(x.lex, None | Some(Lex::Object(Obj::Foreign))) || x.refers != Ref::No
        }) || slots
            .get(k)
            .is_some_and(|x| matches!(x.refers, Ref::OtherMention | Ref::OtherAt))
    };
    // "la machine à café": "à" as well as "de", "of"; "de suite" ("at once") is
    // no complement.
    let of = word(j + 1).is_some()
        && matches!(t.text(j + 1), b"de" | b"d" | b"of" | b"a")
        && !(word(j + 2).is_some() && t.text(j + 2) == b"suite");
    // "le serveur de mon frère": someone's own, where "notre" is not.
    let someones = |k: usize| word(k).is_some() && is_possessive(t.text(k));
    // "the server on Nico's host", "le serveur chez Kevin": hosted by someone
    // else ("chez nous" is ours).
    let hosted = word(j + 2).is_some()
        && match t.text(j + 1) {
            b"on" | b"at" => {
                word(j + 3).is_some() && t.text(j + 3) == b"s"
                    || matches!(slots[j + 2].refers, Ref::OtherMention | Ref::OtherAt)
            }
            b"chez" => !matches!(t.text(j + 2), b"nous" | b"toi" | b"vous"),
            _ => false,
        };
    // "le serveur Minecraft de mon cousin": the complement after the server's kind.
    if word(j + 1).is_some_and(|x| x.lex == Some(Lex::Object(Obj::Server)))
        && word(j + 2).is_some()
        && matches!(t.text(j + 2), b"de" | b"d" | b"of" | b"chez")
    {
        return server_noun(t, j + 1);
    }
    match word(j + 1) {
        _ if hosted => b'X',
        Some(x) if x.lex == Some(Lex::Object(Obj::Foreign)) => b'X',
        _ if of && (foreign(j + 2) || someones(j + 2)) => b'X',
        Some(x) if x.lex.is_none() => b'Y',
        _ => b'S',
    }
}

/// The class of an action with nothing after it: `F` when an object pronoun before the verb
/// stands for another thing ("le monde a planté, tu peux le relancer ?"), else `E`.
fn clitic_before(t: &Tagged<'_>, i: usize) -> u8 {
    let verb = !matches!(t.slots()[i].lex, Some(Lex::Action(_, Form::Noun)));
    let pronoun = i >= 1 && is_le(t.text(i - 1));
    if verb && pronoun && antecedent(t, i - 1) == b'F' {
        b'F'
    } else {
        b'E'
    }
}

/// What a pronoun object of the action at `i` stands for ("le monde est buggé,
/// relance-le", "the world froze, restart it"): the nearest object noun before the action,
/// `F` if it is another thing (the map, the world, someone's own server or one hosted
/// elsewhere, the music bot), else `S`, as when no noun came before ("relance-le stp"
/// speaks of the server the channel is about).
///
/// In the order's sentence any object noun counts. An earlier sentence counts only when
/// it says its thing broke ("le vote a bugué. relance-le stp", "the mod menu crashed.
/// restart it?"): in "le vote est fini, c'est oui. redémarre-le" the pronoun speaks of
/// the server.
fn antecedent(t: &Tagged<'_>, i: usize) -> u8 {
    let slots = t.slots();
    let unknown = |k: usize| {
        slots
            .get(k)
            .is_some_and(|x| x.kind == TokenKind::Word && x.lex.is_none() && x.refers == Ref::No)
    };
    let mut own_sentence = true;
    // Where the sentence being read ends (for an earlier one, the breakdown is looked
    // for up to there).
    let mut sentence_end = i;
    for k in (0..i).rev() {
        if matches!(slots[k].kind, TokenKind::Stop | TokenKind::Question) {
            own_sentence = false;
            sentence_end = k;
            continue;
        }
        let determiner = k >= 1 && slots[k - 1].lex == Some(Lex::Determiner);
        // "le serveur a planté pendant la partie de bed wars, relance-le": a noun in a
        // complement is not what the pronoun stands for.
        if complement(t, k) {
            continue;
        }
        let another = match slots[k].lex {
            Some(Lex::Object(Obj::Server)) if determiner && is_possessive(t.text(k - 1)) => true,
            // (Not "the server a kick": English "a" is no French "à" here.)
            Some(Lex::Object(Obj::Server)) => {
                server_noun(t, k) == b'X' && !(k + 1 < t.len() && t.text(k + 1) == b"a")
            }
            Some(Lex::Object(Obj::Foreign)) => true,
            // "le bot musique est planté, relance-le", "the music bot froze, restart it":
            // a bot named by what it is for, after an article: "eh bot pfff" calls this one.
            Some(Lex::Bot) if determiner && unknown(k + 1) => true,
            Some(Lex::Bot)
                if k >= 2 && unknown(k - 1) && slots[k - 2].lex == Some(Lex::Determiner) =>
            {
                true
            }
            Some(Lex::Presence)
                if determiner && t.text(k) == b"monde" && !(k >= 2 && t.text(k - 2) == b"tout") =>
            {
                true
            }
            _ => continue,
        };
        // The nearest noun decides: another thing named in an earlier sentence that did not
        // break is not what is restarted, and nothing before it is either.
        let stands_for_it = own_sentence || (k + 1..sentence_end).any(|m| broke(t.text(m)));
        return if another && stands_for_it { b'F' } else { b'S' };
    }
    b'S'
}

/// Whether the noun at `k` is inside a complement ("pendant la partie", "de la map", "du
/// pvp", "during the match", "on the map").
fn complement(t: &Tagged<'_>, k: usize) -> bool {
    let slots = t.slots();
    let preposition = |m: usize| {
        slots[m].kind == TokenKind::Word
            && (matches!(
                slots[m].lex,
                Some(Lex::Preposition | Lex::In | Lex::Subord | Lex::AuxA)
            ) || matches!(
                t.text(m),
                b"de"
                    | b"d"
                    | b"du"
                    | b"des"
                    | b"pendant"
                    | b"during"
                    | b"on"
                    | b"at"
                    | b"par"
                    | b"pour"
                    | b"for"
                    | b"from"
                    | b"a"
                    | b"au"
                    | b"aux"
            ))
    };
    k >= 1
        && (matches!(t.text(k - 1), b"du" | b"des" | b"d" | b"au" | b"aux")
            || (k >= 2 && slots[k - 1].lex == Some(Lex::Determiner) && preposition(k - 2)))
}

/// Whether `w` says that something broke down: crashed, froze, hangs, lags.
fn broke(w: &[u8]) -> bool {
    const STEMS: [&[u8]; 16] = [
        b"plant", b"bug", b"crash", b"freez", b"froze", b"gel", b"fige", b"lag", b"bloqu",
        b"stuck", b"broke", b"cass", b"arret", b"mort", b"dead", b"hang",
    ];
    STEMS.iter().any(|stem| w.starts_with(stem))
}

/// Whether `w` is "le", "la", "l'" or "les": an article, or an object pronoun after or
/// before a verb ("relance-le", "tu peux le relancer").
fn is_le(w: &[u8]) -> bool {
    matches!(w, b"le" | b"la" | b"l" | b"les")
}

/// Whether the word after `j` starts the action's object ("relance-moi le serveur",
/// "restart me the server").
fn names_object_next(t: &Tagged<'_>, j: usize) -> bool {
    t.slots().get(j + 1).is_some_and(|x| {
        x.kind == TokenKind::Word
            && matches!(
                x.lex,
                Some(Lex::Determiner | Lex::Object(Obj::Server | Obj::Pronoun))
            )
    })
}

/// A four-digit number from 1900 to 2099.
fn is_year(w: &[u8]) -> bool {
    w.len() == 4
        && (w.starts_with(b"19") || w.starts_with(b"20"))
        && w.iter().all(u8::is_ascii_digit)
}

/// Whether byte `pos` of the normalised text lies inside inline code, a spoiler, double
/// quotes or struck-out text (`~~relance~~`): words there are shown, quoted or taken
/// back, not asked.
pub(crate) fn quoted(norm: &Normalized, pos: usize) -> bool {
    if !norm.any_markup() {
        return false;
    }
    let bytes = norm.as_bytes();
    let before = &bytes[..pos.min(bytes.len())];
    // One pass for the four counts (it runs for every action word); "||" pairs overlap as
    // windows of two do ("|||" holds two), and normalisation folded "~~" to one '~'.
    let (mut ticks, mut quotes, mut spoilers, mut strikes) = (0usize, 0usize, 0usize, 0usize);
    for (i, &b) in before.iter().enumerate() {
        // Letters and spaces, nearly every byte, skipped by one look-up (as in `features`).
        if !MARKUP_BYTES[usize::from(b)] {
            continue;
        }
        match b {
            b'`' => ticks += 1,
            b'"' => quotes += 1,
            b'|' if before.get(i + 1) == Some(&b'|') => spoilers += 1,
            b'~' => strikes += 1,
            _ => {}
        }
    }
    ticks % 2 == 1 || quotes % 2 == 1 || spoilers % 2 == 1 || strikes % 2 == 1
}

/// The grammar's safety gate on an action, beyond negation: every word of that action in
/// the message is quoted (`` `relance le serveur` ``, `||reboot||`, "« relance » qu'ils
/// disent") or has an object that is not the server ("relance la musique", "reboot mon
/// pc"). Then no weight can make the message a restart.
#[cfg(test)]
fn not_asked(norm: &Normalized, t: &Tagged<'_>, act: Act) -> bool {
    let mut words = words_of(t, act).peekable();
    words.peek().is_some() && words.all(|(i, form)| word_not_asked(norm, t, i, form))
}

/// The tokens of the words of `act`, with their form.
fn words_of<'a>(t: &'a Tagged<'_>, act: Act) -> impl Iterator<Item = (usize, Form)> + 'a {
    t.slots()
        .iter()
        .enumerate()
        .filter_map(move |(i, s)| match s.lex {
            Some(Lex::Action(a, form)) if a == act => Some((i, form)),
            _ => None,
        })
}

/// Whether the message has words of `act` and each is either not asked ([`word_not_asked`])
/// or withheld by its sentence (the readings of [`clause`]): "tu redémarres plus vite le
/// serveur que ma mère relance la machine à laver" compares the first and names another
/// object for the second.
fn every_word_blocked(norm: &Normalized, t: &Tagged<'_>, act: Act) -> bool {
    let mut any = false;
    // Worked out for the first word that is asked, if any: most gated words are not.
    let mut withholding = None;
    for (i, form) in words_of(t, act) {
        any = true;
        if word_not_asked(norm, t, i, form) {
            continue;
        }
        let w = withholding.get_or_insert_with(|| clause::Withholding::of(t));
        if !w.withholds(t, i) {
            return false;
        }
    }
    any
}

/// Whether the word of an action at `i` is not asked: quoted, a reminder's heading, a
/// restart spoken of, or with an object that is not the server.
fn word_not_asked(norm: &Normalized, t: &Tagged<'_>, i: usize, form: Form) -> bool {
    // "petite relance : la réunion c'est ce soir": a reminder's heading, the other sense
    // of "relance".
    if reminder(t, i)
        || pasted(norm.as_bytes(), usize::from(t.slots()[i].start))
        || object_asked(t, i)
        || takes_time_to(t, i)
        || done(t, i, form)
        || deliberates(t, i, form)
    {
        return true;
    }
    // "mais là relance-le" folds to "la relance le": a verb, since its object pronoun
    // follows; a noun would take "du serveur".
    let after_article = i > 0
        && t.slots()[i - 1].lex == Some(Lex::Determiner)
        && !(form != Form::Noun
            && i + 1 < t.len()
            && is_le(t.text(i + 1))
            && object_class(t, i) == b'S');
    let shown = quoted(norm, usize::from(t.slots()[i].start));
    if (form == Form::Noun || after_article) && !shown {
        // "ton reboot m'a kick", "on s'en fiche du restart": a restart spoken of, not
        // asked for; "la map a planté, tu peux la relancer": the article was a pronoun,
        // and it stands for another thing. "une relance une fois": a noun has no object
        // to check.
        return named_one(t, i, form) || form != Form::Noun && clitic_before(t, i) == b'F';
    }
    shown || matches!(object_class(t, i), b'F' | b'D' | b'X')
}

/// Whether the word at `i` is the noun "relance" (after an article or an adjective)
/// heading what follows a colon.
fn reminder(t: &Tagged<'_>, i: usize) -> bool {
    matches!(t.text(i), b"relance" | b"relances")
        && i >= 1
        && matches!(t.slots()[i - 1].lex, Some(Lex::Adjective | Lex::Determiner))
        && i + 2 < t.len()
        && t.text(i + 1) == b":"
        && t.slots()[i + 2].kind == TokenKind::Word
}

/// Whether the noun at `i` follows a definite, demonstrative or possessive determiner
/// (possibly past an adjective: "ton petit reboot"): a particular restart talked about,
/// where a request says "un reboot", "une petite relance" or just "reboot ?".
fn named_one(t: &Tagged<'_>, i: usize, form: Form) -> bool {
    if form == Form::Infinitive {
        // "tu peux le relancer": "le" is the object pronoun of a verb.
        return false;
    }
    if form != Form::Noun && i >= 2 && is_le(t.text(i - 1)) {
        // "tu le reboot ?", "fais-le restart": a pronoun after a subject or a verb.
        let before = &t.slots()[i - 2];
        if matches!(
            before.lex,
            Some(Lex::Subject(_) | Lex::Modal(..) | Lex::Clitic | Lex::Action(..) | Lex::Do)
        ) || matches!(t.text(i - 2), b"fais" | b"fait" | b"faire")
        {
            return false;
        }
    }
    let mut j = i;
    while j > 0 {
        j -= 1;
        let s = &t.slots()[j];
        if s.kind != TokenKind::Word {
            return false;
        }
        // "merci de procéder au redémarrage", "hit the restart": the restart as the thing
        // to do, asked for by a verb of doing.
        if j > 0 && doing_verb(t.text(j - 1)) && t.slots()[j - 1].kind == TokenKind::Word {
            return false;
        }
        match t.text(j) {
            b"petit" | b"petite" | b"ptit" | b"ptite" | b"gros" | b"bon" | b"little" | b"quick"
            | b"dernier" | b"last" => continue,
            w => {
                return is_possessive(w)
                    || matches!(
                        w,
                        b"le"
                            | b"la"
                            | b"l"
                            | b"les"
                            | b"du"
                            | b"des"
                            | b"au"
                            | b"aux"
                            | b"notre"
                            | b"votre"
                            | b"nos"
                            | b"vos"
                            | b"leur"
                            | b"leurs"
                            | b"ce"
                            | b"cet"
                            | b"cette"
                            | b"ces"
                            | b"the"
                            | b"this"
                            | b"that"
                            | b"our"
                    )
            }
        }
    }
    false
}

/// Verbs that ask for the noun after them to be done, in the forms of a request
/// (imperative or infinitive: "fais", "procéder", "hit"; not "fait", "did").
fn doing_verb(w: &[u8]) -> bool {
    matches!(
        w,
        b"proceder"
            | b"procede"
            | b"procedez"
            | b"fais"
            | b"faites"
            | b"faire"
            | b"hit"
            | b"do"
            | b"run"
            | b"trigger"
    )
}

/// All the safety gates on restarts. Beyond quotes and objects ([`not_asked`]):
/// the grammar's negation veto, and a message whose only order is a wake verb ("allume le
/// serveur") is never a restart, even if its other words sound like one. (The grammar's
/// "talk" readings are not a gate: it reads any sentence with a word it does not know
/// before the verb as talk, which is most requests in regional or SMS French; the model
/// weighs them instead.)
pub(crate) fn restart_blocked(norm: &Normalized, t: &Tagged<'_>, ev: &Evidence) -> bool {
    // No restart word at all (or only wake words: "allume le serveur"): whatever the
    // n-grams suggest, nothing names a restart. "re-démarre" is a wake word that the
    // grammar folds into a restart order, hence its score counts as a word (and is read
    // first: it spares the scan most restart orders).
    let no_restart_word = ev.scores[0] == 0.0 && !has_word(t, Act::Restart);
    // A question about how to ask for a restart, and no order anywhere: help, whatever
    // story comes before it.
    let how_to_only = ev.restart_how_to && ev.scores[0] == 0.0;
    // The scan of every byte for reported speech last: the other gates settle most
    // messages on a few tokens.
    ev.restart_vetoed
        || ev.restart_delayed_only
        || no_restart_word
        || how_to_only
        || every_word_blocked(norm, t, Act::Restart)
        || reported(norm.as_bytes())
}

/// Which of [`restart_blocked`]'s reasons hold, for the development aid `explain`.
#[cfg(test)]
pub(crate) fn restart_reasons(norm: &Normalized, t: &Tagged<'_>, ev: &Evidence) -> String {
    let reasons = [
        ("vetoed", ev.restart_vetoed),
        ("put off", ev.restart_delayed_only),
        (
            "no restart word",
            ev.scores[0] == 0.0 && !has_word(t, Act::Restart),
        ),
        ("how to", ev.restart_how_to && ev.scores[0] == 0.0),
        ("not asked", not_asked(norm, t, Act::Restart)),
        ("reported", reported(norm.as_bytes())),
    ];
    let named: Vec<&str> = reasons.iter().filter(|r| r.1).map(|r| r.0).collect();
    format!(
        "{} | clause {}",
        named.join(", "),
        clause::withheld_by(t, Act::Restart)
    )
}

/// Words that make the order beside them someone else's, repeated or mocked ("relancez-le
/// qu'ils disent", "*redémarre* qu'il dit", "reboot, comme si c'était si simple"): the
/// message comments on a request, it does not make one.
const REPORTED_SPEECH: [&[u8]; 18] = [
    b"qu'il dit",
    b"qu'il disait",
    b"qu'ils disaient",
    b"qu'elle disait",
    b"qu'on disait",
    b"qu'ils disent",
    b"qu'elle dit",
    b"qu'elles disent",
    b"qu'on dit",
    b"qu'il a dit",
    b"qu'ils ont dit",
    b"qu'on me dit",
    b"comme si c'etait",
    b"comme si ca",
    b"they say",
    b"they said",
    b"he said",
    b"she said",
];

// `reported` compares the second byte of each phrase before the whole of it.
const _: () = {
    let mut k = 0;
    while k < REPORTED_SPEECH.len() {
        assert!(REPORTED_SPEECH[k].len() >= 2);
        k += 1;
    }
};

/// Per byte, for [`reported`]: bit 0, a [`REPORTED_SPEECH`] phrase starts with it; bit 1,
/// it is an ASCII letter or digit. One look-up a byte answers both of the scan's
/// questions.
const REPORTED_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = 2;
        }
        b += 1;
    }
    let mut k = 0;
    while k < REPORTED_SPEECH.len() {
        table[REPORTED_SPEECH[k][0] as usize] |= 1;
        k += 1;
    }
    table
};

/// Whether the normalised text reports or mocks someone's words ([`REPORTED_SPEECH`]).
fn reported(bytes: &[u8]) -> bool {
    // Both tests of a byte (a phrase's first letter, at the start of a word) are made
    // before the one branch: apart, each was taken at random on common letters and spaces,
    // and mispredicted.
    let mut after_alphanumeric = 0;
    (0..bytes.len()).any(|i| {
        let class = REPORTED_BYTES[usize::from(bytes[i])];
        let candidate = class & !after_alphanumeric & 1 != 0;
        after_alphanumeric = class >> 1;
        // A phrase's second byte before the whole of it: the candidates are common word
        // starts ("c'est", "stp", "the", "tu"), and the second byte rules out nearly all.
        candidate && {
            let rest = &bytes[i..];
            let second = rest.get(1).copied().unwrap_or(0);
            REPORTED_SPEECH
                .iter()
                .any(|m| m[1] == second && rest.starts_with(m))
        }
    })
}

/// The gate on wakes: every wake word is quoted or has an object that is not the server
/// ("lance la partie", "allume la lumière", "réveille ton frère"), or the grammar read the
/// wake word as the second half of a restart ("re-démarre", "re start": no wake is asked).
/// Then no weight can make the message a wake.
pub(crate) fn wake_blocked(norm: &Normalized, t: &Tagged<'_>, ev: &Evidence) -> bool {
    // The scores first: they spare most messages the scan for a restart word.
    let folded_restart = ev.scores[0] > 0.0 && ev.scores[1] == 0.0 && !has_word(t, Act::Restart);
    folded_restart || ev.wake_delayed_only || every_word_blocked(norm, t, Act::Wake)
}

/// Whether the lexicon found a word of `act` in the message (before the grammar folds
/// "re-démarre" into a restart).
fn has_word(t: &Tagged<'_>, act: Act) -> bool {
    t.slots()
        .iter()
        .any(|s| matches!(s.lex, Some(Lex::Action(a, _)) if a == act))
}

#[cfg(test)]
mod tests;
