//! The phrases that take back an order ("jk", "laisse tomber") or mock it ("what could go
//! wrong", "et pourquoi pas…"), looked for from their first word, which
//! [`super::Cue`] lists.

use super::{cue, Cue};
use crate::tag::Tagged;

/// Phrases that take back what came before them.
pub(super) const TAKEN_BACK: [&[&[u8]]; 17] = [
    &[b"jk"],
    &[b"jks"],
    &[b"nvm"],
    &[b"nevermind"],
    &[b"never", b"mind"],
    &[b"just", b"kidding"],
    &[b"je", b"rigole"],
    &[b"je", b"plaisante"],
    &[b"je", b"blague"],
    &[b"laisse", b"tomber"],
    &[b"laissez", b"tomber"],
    &[b"forget", b"it"],
    &[b"oublie", b"ca"],
    &[b"en", b"fait", b"non"],
    &[b"actually", b"no"],
    &[b"non", b"c", b"est", b"bon"],
    &[b"wait", b"no"],
];

/// Where the last phrase taking back what came before it starts ("reboot mc\n\njk, it's
/// fine", "relance… laisse tomber, c'est revenu").
pub(super) fn last_taking_back(t: &Tagged<'_>) -> Option<usize> {
    (0..t.len())
        .rev()
        .find(|&j| cue(t.text(j)) == Some(Cue::TakeBack) && any_phrase_at(t, j, &TAKEN_BACK))
}

/// Whether one of `phrases` starts at token `j`: each phrase's first word is compared here,
/// before the call for the whole of it, since a cue word starts one or two of them at most.
pub(super) fn any_phrase_at(t: &Tagged<'_>, j: usize, phrases: &[&[&[u8]]]) -> bool {
    let w = t.text(j);
    phrases
        .iter()
        .any(|p| p.first() == Some(&w) && t.phrase_at(j, p))
}

/// Phrases that turn an order into mockery.
pub(super) const MOCKERY: [&[&[u8]]; 18] = [
    &[b"what", b"could", b"go", b"wrong"],
    &[b"great", b"idea"],
    &[b"brilliant", b"idea"],
    &[b"oh", b"sure"],
    &[b"yeah", b"right"],
    &[b"mais", b"bien", b"sur"],
    &[b"c", b"est", b"ca", b"oui"],
    &[b"quelle", b"bonne", b"idee"],
    &[b"super", b"idee"],
    &[b"on", b"n", b"avait", b"que"],
    &[b"on", b"avait", b"que"],
    // "un reboot ? et pourquoi pas un exorcisme pendant qu'on y est": where "pourquoi pas,
    // relance" alone agrees.
    &[b"et", b"pourquoi", b"pas"],
    &[b"pendant", b"qu", b"on", b"y", b"est"],
    &[b"this", b"economy"],
    // "restart it? lmao sure and while ur at it delete the world too".
    &[b"while", b"ur", b"at", b"it"],
    &[b"while", b"you", b"re", b"at", b"it"],
    &[b"while", b"youre", b"at", b"it"],
    &[b"while", b"u", b"re", b"at", b"it"],
];

/// The message mocks an order rather than giving it.
pub(super) fn mocked(t: &Tagged<'_>) -> bool {
    (0..t.len()).any(|j| cue(t.text(j)) == Some(Cue::Mock) && any_phrase_at(t, j, &MOCKERY))
}
