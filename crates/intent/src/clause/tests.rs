//! Tests of [`super`]: the readings on both sides, and the cue-word lists kept in step.

use super::phrases::{MOCKERY, TAKEN_BACK};
use super::*;
use crate::lexicon::Lexicon;
use crate::normalize::Normalized;
use crate::token::Tokens;

/// Whether the restart words of `text` (one in every case here) are withheld.
fn check(text: &str) -> bool {
    let lexicon = Lexicon::new();
    let norm = Normalized::new(text);
    let tokens = Tokens::new(&norm);
    let t = Tagged::new(&norm, &tokens, &lexicon, 1, "CubeGuardian");
    every_order_withheld(&t, Act::Restart)
}

#[test]
fn the_first_word_filters_let_every_phrase_through() {
    for p in TAKEN_BACK {
        assert_eq!(
            cue(p[0]),
            Some(Cue::TakeBack),
            "{:?}",
            String::from_utf8_lossy(p[0])
        );
    }
    for p in MOCKERY {
        assert_eq!(
            cue(p[0]),
            Some(Cue::Mock),
            "{:?}",
            String::from_utf8_lossy(p[0])
        );
    }
}

/// The cue words of the readings that match on their first word: a word added to one
/// of those `match`es must be added to [`cue`] too.
#[test]
fn every_reading_has_its_cue() {
    let cues: [(&[&[u8]], Cue); 3] = [
        (
            &[
                b"dorenavant",
                b"desormais",
                b"henceforth",
                b"avenir",
                b"from",
                b"in",
            ],
            Cue::Rule,
        ),
        (
            &[b"every", b"each", b"chaque", b"tous", b"par"],
            Cue::Frequency,
        ),
        (
            &[
                b"seulement",
                b"only",
                b"sauf",
                b"unless",
                b"provided",
                b"condition",
            ],
            Cue::Restriction,
        ),
    ];
    for (words, expected) in cues {
        for w in words {
            assert_eq!(cue(w), Some(expected), "{:?}", String::from_utf8_lossy(w));
        }
    }
    assert!(check("<@1> dorénavant relance-le la nuit"));
    assert!(check(
        "<@1> relance le serveur, mais seulement si tout le monde est d'accord"
    ));
    assert!(check("<@1> the server reboots every night"));
}

#[test]
fn conditions_and_moments_withhold_the_order() {
    for text in [
        "<@1> s'il y a encore du lag tout à l'heure, redémarre",
        "<@1> quand on aura fini le donjon du temple, reboot",
        "if it lags later tonight, reboot it",
        "<@1> restart it when the event ends at 10",
        "<@1> dès que le raid est fini relance le serveur",
        "<@1> si jamais ça plante, relance",
        "si demain ça rame, redémarre-le",
        "<@1> ok bon, quand le raid est fini relance le serveur",
        "<@1> after the event, restart mc",
        "<@1> once the backup is done, restart mc",
    ] {
        assert!(check(text), "{text:?}");
    }
}

#[test]
fn politeness_and_please_are_no_condition() {
    for text in [
        "<@1> relance le serveur s'il te plaît",
        "<@1> relance le serveur s'il vous plait",
        "<@1> si tu peux, relance le serveur",
        "<@1> relance le serveur quand tu peux",
        "<@1> restart the server if you can",
        "<@1> reboot mc when you get a chance",
        "<@1> relance dès que possible",
        "<@1> c'est si lent, relance le serveur",
        "<@1> relance le serveur stp, si ça lag encore demain je quitte",
        "<@1> restart the server as soon as possible",
        // A subordinate clause of another clause, and what was done.
        "<@1> long story short: ça crash dès qu'on entre dans le nether, relance mc",
        "<@1> ça lag quand on est plus de 5, relance le serveur",
        "<@1> after checking with everyone, we'd like a server restart please",
    ] {
        assert!(!check(text), "{text:?}");
    }
}

#[test]
fn a_habit_is_withheld() {
    for text in [
        "<@1> un redémarrage par jour, c'est beaucoup trop pour mes farms",
        "<@1> I would be most grateful if you stopped restarting the server every evening.",
        "<@1> the server reboots every night",
    ] {
        assert!(check(text), "{text:?}");
    }
    for text in [
        "<@1> relance le serveur, ça lag chaque soir",
        "<@1> restart the server every chunk is frozen",
    ] {
        assert!(!check(text), "{text:?}");
    }
}

#[test]
fn what_the_speaker_does_is_withheld() {
    for text in [
        "ok bot je relance le serveur minecraft dans 5 minutes",
        "<@1> je vais le redémarrer moi-même",
        "<@1> I'll restart it myself",
        "<@1> i'm gonna reboot the server",
        "j'ai relancé le serveur mc, bot",
    ] {
        assert!(check(text), "{text:?}");
    }
    for text in [
        "<@1> je veux que tu relances le serveur",
        "<@1> can i get a restart",
        "<@1> je relance pas, toi relance le serveur",
    ] {
        assert!(!check(text), "{text:?}");
    }
}

#[test]
fn orders_for_another_member_are_withheld() {
    assert!(check(
        "<@1> salut ! <@2> tu peux relancer le serveur depuis le panel ?"
    ));
    assert!(check("<@1>\n<@2> relance le serv toi, moi je peux pas"));
    assert!(!check("<@2> regarde, <@1> relance le serveur"));
    assert!(!check("<@1> <@2> dit que ça lag, relance le serveur"));
    assert!(!check("<@1> relance le serveur pour <@2>"));
}

#[test]
fn orders_taken_back_or_mocked_are_withheld() {
    assert!(check("<@1> reboot mc\n\njk, it's fine"));
    assert!(check(
        "<@1> relance le serveur... laisse tomber, c'est revenu"
    ));
    assert!(check("oh sure, restart it again, what could go wrong"));
    assert!(check(
        "<@1> sure, reboot it in the middle of the raid, great idea"
    ));
    assert!(check(
        "<@1> oh oui vas-y, redémarre, on n'avait que trois heures de farm à perdre"
    ));
    assert!(!check(
        "<@1> relance le serveur, j'ai oublié mon stuff dedans"
    ));
    assert!(!check("<@1> reboot mc stp mdr"));
}
