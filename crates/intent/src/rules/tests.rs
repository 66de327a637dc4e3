//! Tests of [`super`]: each rule on its own phrasings.

use super::*;
use crate::lexicon::Lexicon;
use crate::normalize::Normalized;
use crate::token::Tokens;

/// Runs the rules on a message as if it were addressed to the bot.
fn read(text: &str) -> Intent {
    verdict(text).intent
}

fn verdict(text: &str) -> Verdict {
    let lexicon = Lexicon::new();
    let norm = Normalized::new(text);
    let tokens = Tokens::new(&norm);
    let mut t = Tagged::new(&norm, &tokens, &lexicon, 1, "CubeGuardian");
    crate::address::resolve(&mut t, true);
    decide(&t)
}

#[test]
fn orders() {
    for s in [
        "redémarre le serveur",
        "restart",
        "un petit reboot stp",
        "tu peux relancer mc ?",
        "peux-tu reboot le serveur ?",
        "can you restart the server?",
        "je voudrais que tu redémarres minecraft",
        "il faut redémarrer le serveur",
        "the server needs a restart",
        "mc restart pls",
        "re-démarre le serveur",
        "tu pourrais pas relancer le serveur ?",
        "redémarre le serveur, il crash",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
}

#[test]
fn negations_are_not_orders() {
    for s in [
        "ne redémarre pas",
        "pas de reboot",
        "don't restart",
        "no restart",
        "redémarre pas le serveur",
        "arrête de redémarrer le serveur",
        "tu peux pas redémarrer le serveur, on joue",
        "redémarre le serveur. non, ne redémarre pas",
    ] {
        assert_eq!(read(s), Intent::None, "{s}");
    }
    assert_eq!(read("pas de souci, redémarre le serveur"), Intent::Restart);
    assert_eq!(
        read("ne redémarre pas, allume juste le serveur"),
        Intent::Wake
    );
}

#[test]
fn reports_plans_and_other_people_are_not_orders() {
    for s in [
        "j'ai redémarré le serveur",
        "I restarted it",
        "je vais redémarrer mon pc",
        "quelqu'un peut relancer le serveur ?",
        "il va redémarrer",
        "redémarre le serveur ce soir",
        "redémarre le serveur dans 10 min",
        "redémarre ton pc",
        "redémarre le bot",
        "il y a 5 min j'ai relancé",
        "t'as relancé le serveur ?",
    ] {
        assert_eq!(read(s), Intent::None, "{s}");
    }
}

#[test]
fn unknown_words_before_the_verb_block_an_order() {
    assert_eq!(read("every restart takes forever"), Intent::None);
    assert_eq!(
        read("il paraît que tu sais redémarrer le serveur"),
        Intent::None
    );
    // Known request frames and fillers are accounted for.
    assert_eq!(read("euh tu veux bien relancer mc ?"), Intent::Restart);
    assert_eq!(
        read("ce serait possible de relancer le serveur ?"),
        Intent::Restart
    );
}

#[test]
fn later_clauses_can_withdraw_an_order() {
    assert_eq!(read("redémarre ? non, laisse tomber"), Intent::None);
    assert_eq!(read("le reboot ? plus tard"), Intent::None);
    assert_eq!(read("relance dans une heure"), Intent::None);
}

#[test]
fn a_refusal_withdraws_what_came_before_not_a_later_sentence() {
    assert!(
        !verdict("on avait dit pas de relance avant dimanche mais là c'est injouable. relance le serveur")
            .evidence
            .restart_vetoed
    );
    for s in [
        "ne relance pas le serveur, relance juste le plugin",
        "relance le serveur. non, ne relance pas",
        "ne redémarre pas, redémarre plutôt demain",
    ] {
        assert!(verdict(s).evidence.restart_vetoed, "{s}");
    }
}

#[test]
fn a_deferral_withdraws_only_what_came_before() {
    let after = verdict("vous êtes combien ce soir ? et sinon relance le serv stp");
    assert!(!after.evidence.restart_vetoed);
    assert_eq!(
        read("vous êtes combien ce soir ? relance le serv stp"),
        Intent::Restart
    );
    assert!(
        verdict("relance le serv ? non, plus tard")
            .evidence
            .restart_vetoed
    );
}

#[test]
fn action_phrases_that_are_subjects_are_not_orders() {
    assert_eq!(
        read("relancer maintenant ce serait une mauvaise idée"),
        Intent::None
    );
    assert_eq!(read("the restart broke my base"), Intent::None);
    assert_eq!(read("le restart était long"), Intent::None);
    // A new subject starts a new clause.
    assert_eq!(read("redemarre mc stp il crash"), Intent::Restart);
}

#[test]
fn habits_reports_and_other_objects_are_not_orders() {
    for s in [
        "tu redémarres souvent le serveur ?",
        "est-ce que tu redémarres le serveur tous les soirs ?",
        "mon pc redémarre tout seul",
        "redémarre ton cerveau",
        "ils disent qu'il faut redémarrer",
        "who asked you to reboot?",
    ] {
        assert_eq!(read(s), Intent::None, "{s}");
    }
}

#[test]
fn wake_is_not_restart() {
    for s in [
        "allume le serveur",
        "démarre mc",
        "wake up the server",
        "turn the server on",
    ] {
        assert_eq!(read(s), Intent::Wake, "{s}");
    }
}

#[test]
fn status_questions() {
    for s in [
        "le serveur est allumé ?",
        "is the server up?",
        "status",
        "il y a du monde sur minecraft ?",
        "le serveur a redémarré ?",
        "combien de joueurs ?",
        "est-ce que minecraft est lancé ?",
    ] {
        assert_eq!(read(s), Intent::Status, "{s}");
    }
}

#[test]
fn help_questions() {
    for s in [
        "aide",
        "que sais-tu faire ?",
        "what can you do?",
        "comment ça marche ?",
        "comment on redémarre le serveur ?",
    ] {
        assert_eq!(read(s), Intent::Help, "{s}");
    }
    assert_eq!(read("comment ça va ?"), Intent::None);
}

#[test]
fn a_contrast_keeps_the_order_a_refusal_withdraws_it() {
    for s in [
        "relance le serveur, pas la musique",
        "reboot the mc server, not my router",
        "redémarre le serv mc, pas celui de TeamSpeak",
    ] {
        assert!(!verdict(s).evidence.restart_vetoed, "{s}");
    }
    for s in [
        "relance le serveur, pas maintenant",
        "restart the server, not yet",
    ] {
        assert!(verdict(s).evidence.restart_vetoed, "{s}");
    }
}

/// A later clause withdraws an order only when it speaks of the order: one with a
/// subject of its own, a blocker of another activity or a "not urgent" says something
/// else (seen in the community lines of issue 13).
#[test]
fn a_later_clause_about_something_else_withdraws_nothing() {
    for s in [
        "relance le serveur, c'est de la bouette ce soir",
        "redémarre le serveur stp, on se retrouve dans 5 minutes au spawn",
        "redémarre le serveur, et <@2> arrête de rire stp",
        "restart the server, and stop laughing",
        "redémarre le serveur quand t'as un moment, pas urgent",
        "reboot it, no rush",
        // A deferral in a clause with a subject of its own, a reflexive "s'arrête", a
        // thing named first that "can wait".
        "repars le serveur stp, pis après je vous montre ma nouvelle maison",
        "relance le serv, le débat on le fera après",
        "redémarre le serveur, la pluie s'arrête plus",
        "reboot mc, the music bot can wait till later",
        "un reboot serait pas de refus",
        "fais repartir le serveur, on est six à attendre",
        "relance le serveur, la musique peut attendre",
        "un reboot, vite, avant que tout le monde parte",
        "reboot it before everyone leaves",
        "reboot vite fait stp, on a un raid dans 5 min",
        "I said restart the server, not check it",
        "I meant restart, not status, it's laggy",
    ] {
        assert!(!verdict(s).evidence.restart_vetoed, "{s}");
    }
    for s in [
        "relance le serveur, plutôt ce soir",
        "relance le serveur\narrête, c'est bon",
        "restart the server. cancel that",
        "relance le serveur, non attends",
        "reboot it, no",
        // The order itself taken back by a pronoun, or waiting.
        "relance le serv, on le fera après",
        "reboot mc... I'll do it later",
        "reboot mc, it can wait",
        "relance le serveur, ça peut attendre",
        "relance le serveur, plus tard c'est mieux",
        "reboot mc, actually later on",
        "reboot mc, on second thought later",
        "relance le serveur, mais avant, je sauvegarde",
        "relance le serveur... laisse, ça remarche",
        "relance le serveur, non laisse",
        "reboot it, but before that let me log out",
    ] {
        assert!(verdict(s).evidence.restart_vetoed, "{s}");
    }
}

#[test]
fn connectors_and_an_emphatic_toi_open_a_request() {
    for s in [
        "du coup relance le serv stp",
        "en tout cas redémarre le serveur",
        "en attendant tu peux relancer le serveur ?",
        "sinon relance le serv",
        "faque tu peux-tu repartir le serv ?",
        "anyway, restart the server",
        "toi relance le serveur",
        "j'ai demandé à MEE6 par erreur, toi relance le serveur",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
    // The same words, when the phrase goes on, are no connector.
    assert_eq!(read("merci du coup de main"), Intent::None);
    assert_eq!(read("du coup relance pas"), Intent::None);
}

#[test]
fn a_hurry_is_no_delay() {
    for s in [
        "relance le serveur avant que je devienne fou",
        "avant que tout le monde parte, relance le serveur",
        "restart the server rn before I lose it",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
    for s in [
        "relance le serveur avant ce soir",
        "restart it, but before that save",
    ] {
        assert_eq!(read(s), Intent::None, "{s}");
    }
}

#[test]
fn sms_and_clipped_spellings() {
    for s in [
        "relanc le serv vit on tombe dans le vide",
        "stp relance g plus de tps la",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
    // "g" is still a past auxiliary: "g relancé" reports.
    assert_eq!(read("g relancé le serv"), Intent::None);
}

#[test]
fn a_wished_for_restart_is_a_request() {
    for s in [
        "un reboot serait pas de refus",
        "une relance serait la bienvenue",
        "a restart would be great right about now",
        "un restart ce serait top là maintenant",
        "un redémarrage ferait du bien",
        "requesting a server restart",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
    for s in [
        "le reboot serait bien",
        "un reboot serait bien ce soir",
        "un reboot serait inutile",
        "a restart would break everything",
        "a restart would be great tonight",
        "un reboot par semaine serait bien",
        "I appreciate the restart",
    ] {
        assert_eq!(read(s), Intent::None, "{s}");
    }
}

#[test]
fn formal_frames_and_chat_articles() {
    for s in [
        "veuillez redémarrer le serveur.",
        "ça t'embêterait de relancer le serveur ?",
        "reboot ze serveur",
        "restart da server",
        "merci de bien vouloir relancer le serveur",
        "any chance of a reboot?",
    ] {
        assert_eq!(read(s), Intent::Restart, "{s}");
    }
    assert_eq!(read("veuillez ne pas redémarrer le serveur"), Intent::None);
    assert_eq!(read("no chance of a reboot tonight"), Intent::None);
}
