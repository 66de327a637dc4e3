//! Tests of [`super`]: each gate on both sides, through the whole recogniser.

use super::*;
use crate::Intent;

fn parse(text: &str) -> crate::Parsed {
    let bot = crate::Addressee {
        bot_id: 1,
        bot_name: "CubeGuardian",
    };
    crate::Recognizer::new().parse(text, crate::Channel::Guild, &bot)
}

#[test]
fn quoted_restarts_are_never_orders() {
    for text in [
        "<@1> ~~relance le serveur~~ laisse, ça remarche",
        "<@1> `redémarre le serveur`",
        "<@1> la commande c'est `relance mc` ?",
        "<@1> ||reboot le serveur||",
        "<@1> « relance le serveur » qu'il dit",
    ] {
        assert_ne!(parse(text).intent, Intent::Restart, "{text}");
    }
    assert_eq!(parse("<@1> relance le serveur").intent, Intent::Restart);
}

#[test]
fn restarting_something_else_is_not_a_restart() {
    for text in [
        "<@1> relance la musique",
        "<@1> reboot mon pc",
        "<@1> redémarre le serveur Discord",
        "<@1> relance le serveur de Kevin",
        "<@1> restart <@2>",
        "<@1> relance le son stp",
        "<@1> relance le dé",
        "<@1> relance la machine à café",
        "<@1> redémarre le serveur de mon frère",
        "<@1> can you restart the server on Nico's host? the modpack one",
        "<@1> relance le serveur chez Kevin",
        "<@1> relance le serveur de <@2>",
        "<@1> le bot musique est planté, relance-le stp",
        "<@1> the music bot froze, restart it",
    ] {
        assert_ne!(parse(text).intent, Intent::Restart, "{text}");
    }
    // Idioms between the verb and its object, or after it, are no other object.
    for text in [
        "CubeGuardian redémarre le serveur de suite stp",
        "<@1> allez, relance un peu le serveur, c'est tout cassé",
        "CubeGuardian c'est tout bloqué sur le serv, relance-le voir",
        "<@1> relance voir le serveur",
        "CubeGuardian ça lag encore, relances-en un autre stp",
    ] {
        assert!(!blocked(text), "{text}");
    }
    assert!(blocked("<@1> relance une autre partie"));
    // A reminder's heading is the other sense of "relance".
    assert!(blocked(
        "<@1> petite relance : t'as vu mon message sur le build ?"
    ));
    assert!(!blocked("<@1> une petite relance stp : ça lag"));
    // The gate reads a pronoun or a noun right: these stay the model's to decide.
    assert!(!blocked("<@1> relance-le stp"));
    assert!(!blocked("<@1> une relance une fois"));
    assert!(!blocked("<@1> relance le serveur de jeu"));
    assert!(!blocked("<@1> relance le serveur de notre smp"));
    assert!(!blocked("<@1> reboot the smp"));
    assert!(blocked("<@1> relance le son stp"));
    assert!(blocked("<@1> relance le dé, il est tombé"));
    assert!(!blocked("<@1> relance-le stp"));
    assert!(blocked("<@1> relance le serveur de Kevin"));
    assert!(blocked("<@1> reboot mon pc"));
    assert!(!blocked("<@1> relance le serveur chez nous stp"));
    assert!(!blocked("<@1> relance le serveur, <@2> est bloqué"));
    assert!(gates("<@1> allume le serveur de <@2>").wake_blocked);
    assert!(!blocked("<@1> restart the server on proxmox"));
    assert!(!blocked("yo le bot, le serveur a planté, relance-le"));
}

/// A restart asked as a thing to do, a verb read as a noun after "là" (folded to "la"),
/// an English compound before "server" and Québec's "asteure" ("now") are not another
/// object; a restart spoken of still is.
#[test]
fn requests_the_object_check_used_to_refuse() {
    for text in [
        "<@1>, merci de procéder au redémarrage du serveur.",
        "<@1> hit the restart pls",
        "<@1> je sais que ça plante mais là relance-le stp",
        "<@1> restart the game server please",
        "<@1> le serveur est bloqué, relance-le asteure",
    ] {
        assert!(!blocked(text), "{text}");
    }
    for text in [
        "<@1> ton reboot m'a kick",
        "<@1> on s'en fiche du restart",
        "<@1> la relance du serveur a planté",
        "<@1> restart the discord server",
        "<@1> relance la partie",
    ] {
        assert!(blocked(text), "{text}");
    }
}

/// A question about how to ask for a restart is help, however long the story before it;
/// an order beside such a question stays the model's to read.
#[test]
fn asking_how_to_restart_is_no_restart() {
    assert!(blocked(
        "La dernière fois j'ai écrit un truc et t'as rien fait, et <@2> s'est moqué de moi. \
         <@1> comment je te demande de relancer le serv ?"
    ));
    assert!(blocked("<@1> how do I restart the server?"));
    assert!(!blocked(
        "<@1> relance le serveur stp. et comment on fait pour le relancer soi-même ?"
    ));
}

/// What the safety gates allow for this public message (addressed in every test).
fn gates(text: &str) -> Gates {
    let bot = crate::Addressee {
        bot_id: 1,
        bot_name: "CubeGuardian",
    };
    crate::Recognizer::new()
        .analyse(text, crate::Channel::Guild, &bot, |input| input.gates())
        .expect("the test message addresses the bot")
}

/// Whether the safety gates forbid a restart for this public message.
fn blocked(text: &str) -> bool {
    gates(text).restart_blocked
}

#[test]
fn waking_something_else_is_not_a_wake() {
    for text in [
        "<@1> lance la partie",
        "<@1> réveille ton frère",
        "<@1> allume la lumière",
        "<@1> démarre MEE6 svp",
        "<@1> `allume le serveur`",
    ] {
        assert_ne!(parse(text).intent, Intent::Wake, "{text}");
    }
    assert_eq!(parse("<@1> allume le serveur").intent, Intent::Wake);
    assert!(!gates("<@1> allume-le stp").wake_blocked);
    assert!(gates("<@1> lance la partie").wake_blocked);
}

#[test]
fn a_wake_order_is_never_a_restart() {
    let p = parse("<@1> on est 5 à attendre, allume notre serveur vite fait c'est injouable");
    assert_ne!(p.intent, Intent::Restart);
    assert!(blocked("<@1> allume le serveur"));
    // "re-démarre": a wake word the grammar folds into a restart.
    assert!(!blocked("<@1> re-démarre le serveur"));
}

/// Commentary that repeats or mocks an order is not one, whatever the weights say
/// (issue 13: "complaints and commentary that contain an imperative").
#[test]
fn reported_or_mocked_orders_are_not_restarts() {
    for text in [
        "<@1>\n*redémarre le serv mc* qu'il dit",
        "<@1> yo mdr redémarre le srv, comme si c'était si simple",
        "<@1> il plante tout le temps, relancez-le qu'ils disent…",
        "<@1> restart the server, they said, it'll be fine",
    ] {
        assert_ne!(parse(text).intent, Intent::Restart, "{text}");
    }
    assert!(reported(b"relance qu'il dit"));
    assert!(!reported(b"relance le serveur stp"));
}

/// What was done is reported, not asked, unless it is asked again.
#[test]
fn what_was_done_is_no_order() {
    for text in [
        "gg <@1> le serv a relancé en 10 sec",
        "<@1> t'as redémarré le serveur ?",
        "CubeGuardian vient de redémarrer le serveur, sauvegardez",
        "<@1> it has restarted already",
        "<@1> je savais qu'il fallait relancer. bon, il est reparti maintenant",
        "<@1> tkt pour le reboot, c'est moi qui l'ai fait. le serv est reparti",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> t'as relancé hier, mais là il faut le refaire, ça rame",
        "<@1> relance le serveur, il a planté",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// Wondering whether to ask for a restart asks for none.
#[test]
fn wondering_whether_to_ask_is_no_order() {
    for text in [
        "<@1> est-ce que je devrais te demander de relancer ?",
        "<@1> should I ask you to restart the server?",
        "<@1> faut-il te demander de relancer le serveur ?",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> can I ask you to restart the server?",
        "<@1> je peux te demander de relancer le serveur ?",
        "<@1> je te demande de relancer le serveur",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// A question word for the object, or the time a restart takes, asks for none.
#[test]
fn talk_about_a_restart_asks_for_none() {
    for text in [
        "<@1> restart what, my will to live?",
        "<@1> relancer quoi ?",
        "<@1> c koi qui fait que le serv met 5 min a redemarer ?",
        "<@1> it takes ages to restart, why?",
        "<@1> c'est long à relancer le serveur",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> relance le serveur, ça prendra 2 min",
        "<@1> restart the server, it only takes a minute",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// A pasted log line or a script's line shows an order, it does not give one.
#[test]
fn pasted_lines_are_not_orders() {
    for text in [
        "<@1> j'ai ça dans la console : [12:03:44 INFO]: Server restart requested by CubeGuardian",
        "<@1> me: the server lags\nyou: restart\nme: my dog died\nyou: restart",
        "<@1> moi : ça lag\ntoi : relance le serveur",
        "<@1> for example: restart the server",
        "<@1> exemple : relance le serveur",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> [WARN]: Can't keep up!\nrelance le serveur stp",
        "<@1> voilà le log : [12:03:44 INFO]: Done. relance le serveur quand même",
        "<@1> me: ça lag\nrelance le serveur",
        "<@1> note : relance le serveur",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// Mockery that names no stock phrase of sarcasm still mocks: "et pourquoi pas…",
/// "…pendant qu'on y est", "in this economy"; "pourquoi pas, relance" agrees.
#[test]
fn mocking_phrases_withhold_the_order() {
    for text in [
        "<@1> un reboot ? et pourquoi pas un exorcisme pendant qu'on y est",
        "<@1> relance le serveur pendant qu'on y est, et repeins la map aussi",
        "<@1> restart? in this economy?",
        "<@1> restart it? lmao sure and while ur at it delete the world too",
        "<@1> sure, restart it, and while you're at it delete the world",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> pourquoi pas, relance le serveur",
        "<@1> relance le serveur pendant que personne joue",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// "re-démarre" and "re start" are restarts: the wake word inside is not a wake.
#[test]
fn a_wake_word_folded_into_a_restart_is_not_a_wake() {
    for text in ["<@1> re-démarre le serveur", "<@1> re start le serveur"] {
        assert_ne!(parse(text).intent, Intent::Wake, "{text}");
    }
    assert_eq!(parse("<@1> démarre le serveur").intent, Intent::Wake);
}

/// The fourth writer's near-misses: the world or the map, a year, the speaker as the
/// object; each against a look-alike the gate must leave to the model.
#[test]
fn the_world_a_year_and_the_speaker_are_other_objects() {
    for text in [
        "<@1> restart the world pls, the nether is broken",
        "<@1> relance notre monde stp",
        "<@1> redémarre le monde, les chunks chargent plus",
        "<@1> relance la map stp",
        "<@1> reboot 2020 pls",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> redémarre le serveur, tout le monde est déco",
        "<@1> relance le serveur tout le monde attend",
        "<@1> relance-moi le serveur stp",
        "<@1> reboot le serv, 20 joueurs attendent",
    ] {
        assert!(!blocked(text), "{text}");
    }
    assert!(gates("<@1> réveille-moi quand le serveur sera revenu").wake_blocked);
    assert!(gates("<@1> wake me up at 7").wake_blocked);
    assert!(!gates("<@1> réveille-moi le serveur stp").wake_blocked);
}

/// A pronoun stands for the nearest object named before the order: the world or the map
/// makes it another object, the server or no noun at all leaves it the server.
#[test]
fn a_pronoun_stands_for_the_object_named_before_it() {
    for text in [
        "<@1> le monde est buggé, relance-le stp",
        "<@1> the world froze, restart it",
        "<@1> la map a planté, tu peux la relancer ?",
        "<@1> mon serveur perso plante, relance-le",
        "<@1> le serveur chez Kevin est planté, tu peux le relancer ?",
        // An earlier sentence counts when it says its thing broke.
        "<@1> le vote a bugué. relance-le stp",
        "<@1> le minuteur du pvp s'est arrêté. tu le relances ?",
        "<@1> la partie de UHC a planté. relance-la stp",
        "<@1> ta dernière réponse a bugué, tu peux la relancer ?",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> relance-le stp",
        "<@1> le serveur a planté, relance-le stp",
        "<@1> la map est cool mais le serveur lag, relance-le",
        "<@1> tout le monde attend, relance-le",
        "<@1> the server froze, restart it",
        "coucou <@1> le vote est fini, c'est oui. redemarre-le plz",
        "eh bot pfff relaunch-le ça rame de ouf",
        "<@1> le serveur a planté, tu peux le relancer ?",
        // A noun in a complement is not what the pronoun stands for.
        "<@1> le serveur a planté pendant la partie de bed wars, relance-le stp",
        "<@1> le serv a freeze pendant qu'on minait, tu peux le reboot ?",
        "<@1> give the server a kick and restart it, ping is 3000",
        "<@1> le jeu a planté. relance-le stp",
        "<@1> la map a planté. relance le serveur",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// An order put off to a later time is no order now: the bot restarts now or never, and
/// schedules nothing. A deadline that hurries it stays an order.
#[test]
fn an_order_put_off_is_no_order_now() {
    for text in [
        "<@1> restart the server tomorrow morning pls",
        "<@1> relance le serveur demain matin stp",
        "<@1> relance le serveur dans une heure",
        "<@1> relance le serveur à `00:00` stp",
        "<@1> restart the server at 21:30",
        "<@1> je vais te demander de repartir le serveur en fin de semaine",
        "<@1> reboot at midnight pls, less people on",
        "<@1> relance le serveur à minuit",
        "<@1> il faudrait relancer le serveur un de ces jours",
        "<@1> restart the server one of these days",
        // A moment to wait for.
        "<@1> après l'event, relance le serveur stp",
        "<@1> relance le serveur après le raid",
        "<@1> une fois minuit passé, tu peux le rebooter",
    ] {
        assert!(blocked(text), "{text}");
    }
    assert!(gates("<@1> allume le serveur demain matin").wake_blocked);
    for text in [
        "<@1> relance le serveur avant que je devienne fou",
        "<@1> restart the server now please",
        "<@1> relance le serveur, demain on a un event",
        "<@1> relance le serv vite avant le raid de 21h",
        "c'est le troisième soir que ça rame. mais pour ce soir <@1> relance le serveur stp",
        "<@1> après le crash de ce matin, relance le serveur stp",
    ] {
        assert!(!blocked(text), "{text}");
    }
    assert!(!gates("<@1> allume le serveur stp").wake_blocked);
}

/// Québec's "pantoute" ("not at all") negates as "pas" does; beside a complaint it leaves
/// the order alone.
#[test]
fn pantoute_negates() {
    assert!(blocked(
        "CubeGuardian pantoute besoin de redémarrer, ça va ben"
    ));
    assert!(!blocked(
        "<@1> ça marche pu pantoute, repars le serveur svp"
    ));
}

/// The addressee's doing said back as understood is no order; the same words asked are.
#[test]
fn an_order_said_back_as_understood_is_no_order() {
    for text in [
        "<@1> ah d'accord, tu redémarres le serveur, je comprends mieux",
        "ok <@1>, donc tu relances le conteneur et pas la machine entière, compris",
        "<@1> ok so you restart the container, not the whole machine. got it",
    ] {
        assert!(blocked(text), "{text}");
    }
    assert!(gates("<@1> ok j'ai compris, tu réveilles la machine").wake_blocked);
    // Compared, it is a remark on the bot too.
    assert!(blocked(
        "<@1> tu redémarres le serveur plus vite que ton ombre 😂"
    ));
    // Each restart word is either withheld or about another object: blocked as a whole.
    assert!(blocked(
        "<@1> tu redémarres plus vite le serveur que ma mère relance la machine à café"
    ));
    assert!(blocked(
        "<@1> you restart the server faster than I can blink"
    ));
    assert!(!blocked(
        "<@1> tu relances le serveur plus vite stp ? ça lag"
    ));
    for text in [
        "<@1> tu relances le serveur ?",
        "<@1> j'ai compris le problème, relance le serveur",
        "<@1> got it, you restart the server? thanks",
        "<@1> t'as mal compris, je veux que tu relances le serveur",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// An infinitive that opens its sentence and is then commented on is a remark; the same
/// infinitive alone, polite or asked is a request.
#[test]
fn an_infinitive_commented_on_is_a_remark() {
    for text in [
        "<@1> relancer, relancer, toujours relancer, c'est lassant",
        "<@1> redémarrer le serveur pour un lag, franchement...",
        "<@1> relancer le serveur pour régler le lag, c'est comme éteindre et rallumer sa box",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> redémarrer le serveur minecraft",
        "<@1> redémarrer le serveur stp, c'est injouable",
        "<@1> relancer le serveur, c'est possible ?",
        "<@1> relance le serveur, c'est injouable",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// An order doubted in a question is disbelief; "vraiment" elsewhere leaves it alone.
#[test]
fn an_order_doubted_is_no_order() {
    for text in [
        "<@1> tu vas **vraiment** relancer le serveur pour 2 secondes de lag ?",
        "<@1> are you really restarting the server again?",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> c'est vraiment plate, les mobs spawn pu, tu peux-tu relancer le serveur?",
        "<@1> it's really laggy, can you restart the server?",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// Conditions, standing rules and schedules the clause reading had missed; the order
/// beside a condition on the bot's convenience stands.
#[test]
fn restrictions_rules_and_schedules_withhold_the_order() {
    for text in [
        "<@1> un redémarrage ce serait bien, mais seulement si tout le monde est d'accord.",
        "<@1> restart it unless someone is in a raid",
        "<@1> the moment it lags again, restart",
        "<@1> in case it freezes during the night, go ahead and reboot",
        "<@1> au cas où ça replante cette nuit, relance le serveur",
        "<@1> la prochaine fois que ça plante, relance",
        "CubeGuardian une fois l'event terminé, tu pourras redémarrer le serv",
        "<@1> would it be possible to schedule a restart for every Sunday?",
        "<@1> relance le serveur tous les dimanches",
        "<@1> une fois par semaine, relance le serv, c'est tout ce que je demande",
        "<@1> every sunday, restart the server",
        "<@1> restart requests go through the mods from now on, FYI",
        "<@1> serait-il possible qu'à l'avenir tu préviennes avant de relancer ?",
        "<@1> dorénavant relance le serveur la nuit",
        "<@1> tu relancerais le serveur si je te payais en diamants ?",
    ] {
        assert!(blocked(text), "{text}");
    }
    for text in [
        "<@1> relance le serveur si tu peux",
        "<@1> relance le serveur si ça te dérange pas",
        "<@1> si ce n'est pas trop demander, un redémarrage du serveur ?",
        "<@1> restart the server unless you're busy",
        "<@1> restart the second server",
        "<@1> relance le serveur, on verra si ça règle le truc",
        "<@1> just in case, reboot the server",
        "<@1> relance le serveur une fois, ça lag",
        "<@1> relance le serveur, il est 00:30 et ça lag",
        "<@1> au cas où, relance le serveur",
        "<@1> ça lag trois fois par jour, relance le serveur",
    ] {
        assert!(!blocked(text), "{text}");
    }
}

/// A wake waits on a condition or a schedule as a restart does; asked now, it stands.
#[test]
fn conditions_and_schedules_withhold_a_wake() {
    for text in [
        "<@1> si jamais je suis pas là samedi, démarre le serveur pour les autres",
        "<@1> wake the server every weekday at 5pm",
        "<@1> quand on aura fini les devoirs, allume le serveur",
    ] {
        assert!(gates(text).wake_blocked, "{text}");
    }
    for text in [
        "<@1> allume le serveur stp",
        "<@1> allume le serveur quand tu peux",
    ] {
        assert!(!gates(text).wake_blocked, "{text}");
    }
}
