//! End to end: the MJs' hands on the game's clock, through the real binary and the Discord
//! stand-in — a one-charge seer opened, closed and refused a second opening by number
//! (`/open action`, `/close action`), a vote opened with a chain hour, an MJ command
//! programmed with `/planif` that runs (after a restart of the binary) as its MJ with its
//! answer in `logs`, a `/delay` cancelled with `/cancel` that never runs, `/taches` in words,
//! and the mayor's Discord role given by the election and moved with `/joueur … maire`.
//!
//! The catalogue is the built-in one with a one-charge seer added (written to a temporary
//! file and given as `[game] catalogue`); the weekend pause is moved three days away, so the
//! programmed task never falls in it whatever day the test runs, and the game's zone is chosen
//! so its local time is near 14:00, where no launch task falls due while the test runs.

use crate::support;

use std::time::Duration;

use support::appliance::*;

use super::game_season_e2e::{
    act, action_number, bin, channel_id, confirmed, message_in, press, quiet_game_clock, role_id,
    slash, text, vote,
};

const MJ: u64 = ADMIN;

/// A seer with one vision in the season: the action the MJ opens by hand.
const ONE_CHARGE_SEER: &str = r#"

[[role]]
slug = "voyante-novice"
article = "la"
name = "Voyante novice"
camp = "village"
short = "Une seule vision dans la partie."
actions = ["vision"]

[[action]]
slug = "vision"
trigger_debut = "temporel"
trigger_fin = "temporel"
heure_debut = "19:00"
heure_fin = "09:00"
base_charges = 1
decision_format = "Voir le rôle de {cible}"
[[action.ciblage]]
slug = "cible"
type = "vivant"
prompt = "Quel joueur veux-tu sonder ?"
"#;

/// The task `/planif` or `/delay` answered with: "Tâche 12 prévue …".
fn task_id(answer: &str) -> String {
    answer
        .strip_prefix("Tâche ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("not a scheduled task: {answer}"))
        .to_owned()
}

/// Programs a command with `/planif` or `/delay` and returns its task's id.
async fn programmed(
    app: &Appliance,
    user: u64,
    how: &str,
    when: (&str, &str),
    command: &str,
) -> String {
    task_id(&text(
        &slash(app, user, how, &[when, ("commande", command)]).await,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mjs_open_actions_by_hand_and_program_their_commands() {
    let files = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/game/catalogue.toml"
    ))
    .unwrap();
    let catalogue = files.path().join("catalogue.toml");
    std::fs::write(&catalogue, builtin + ONE_CHARGE_SEER).unwrap();
    let (clock, zone) = quiet_game_clock();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: format!(
                "[game]\nenabled = true\nmj_role = {STAFF_ROLE}\ncatalogue = {:?}\n{clock}\n\
                 [ratelimit]\nexempt_roles = [\"{STAFF_ROLE}\"]\n",
                catalogue.display().to_string()
            ),
            ..Options::default()
        },
    )
    .await;
    app.discord.set_member_roles(MJ, [STAFF_ROLE]).await;
    app.spawn_ready().await;
    app.log
        .wait("game commands registered", |l| {
            l.contains("slash commands registered")
        })
        .await;
    for (user, name) in [(ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")] {
        let answer = confirmed(&app, user, "inscription", &[("nom", name)]).await;
        assert!(answer.contains("Inscription faite"), "{name}: {answer}");
    }
    for (field, value) in [("role", "voyante-novice"), ("flags", "role_actif=oui")] {
        let done = slash(
            &app,
            MJ,
            "joueur",
            &[("joueur", "carol"), ("champ", field), ("valeur", value)],
        )
        .await;
        assert_eq!(text(&done), "Fait.", "/joueur carol {field} {value}");
    }
    assert_eq!(confirmed(&app, MJ, "cparti", &[]).await, "Fait.");

    // The MJ finds the seer's number, opens it by hand: Carol gets her
    // button as with a scheduled opening.
    let listed = slash(
        &app,
        MJ,
        "joueur",
        &[("joueur", "carol"), ("champ", "actions")],
    )
    .await;
    let listing = text(&listed);
    assert!(listing.contains("charges : 1"), "{listing}");
    let vision = listing
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no action number in {listing:?}"))
        .to_owned();
    let open_it = [("vote", "action"), ("heure", vision.as_str())];
    assert_eq!(text(&slash(&app, MJ, "open", &open_it).await), "Fait.");
    let carol = channel_id(&app, "conv-bot-carol");
    let opened = message_in(&app, carol, "Action ouverte : vision").await;
    assert!(opened.custom_ids().contains(&"game:how:action".to_owned()));
    assert_eq!(
        action_number(&act(&app, CAROL, &[]).await, "vision"),
        vision
    );
    let seen = act(&app, CAROL, &[("numero", &vision), ("cible", "alice")]).await;
    assert_eq!(seen, "Fait.");
    let close_it = [("vote", "action"), ("heure", vision.as_str())];
    assert_eq!(text(&slash(&app, MJ, "close", &close_it).await), "Fait.");
    message_in(&app, carol, "Action vision close").await;

    // Its one charge spent, it is archived: opening it again is skipped
    // (the MJ and Carol are told why), and she cannot use it.
    let again = text(&slash(&app, MJ, "open", &open_it).await);
    assert!(
        again.starts_with("Fait. Non ouvertes : vision") && again.contains("archivée"),
        "{again}"
    );
    message_in(
        &app,
        carol,
        "Action vision non ouverte (plus de charges, archivée)",
    )
    .await;
    assert!(act(&app, CAROL, &[])
        .await
        .contains("Aucune action ouverte"));
    let refused = act(&app, CAROL, &[("numero", &vision), ("cible", "bob")]).await;
    assert!(refused.starts_with("Refusé"), "{refused}");
    let listed = slash(
        &app,
        MJ,
        "joueur",
        &[("joueur", "carol"), ("champ", "actions")],
    )
    .await;
    assert!(text(&listed).contains("charges : 0"), "{}", text(&listed));
    assert!(text(&listed).contains("archivée"), "{}", text(&listed));
    // By hour, nothing closes at 03:33 in this catalogue.
    let none = slash(&app, MJ, "close", &[("vote", "action"), ("heure", "03:33")]).await;
    assert_eq!(text(&none), "Aucune action concernée.");

    // A vote with a closing and a chain hour: its close will reopen it.
    let chained = slash(
        &app,
        MJ,
        "open",
        &[("vote", "cond"), ("heure", "23:59"), ("chaine", "10:00")],
    )
    .await;
    assert_eq!(text(&chained), "Fait.");
    // The launch numbered the vote uses after the seer's power, Alice's
    // pyre vote first: open now, but a vote is not a power to close alone.
    let alices_vote = (vision.parse::<u32>().unwrap() + 1).to_string();
    let vote_use = slash(
        &app,
        MJ,
        "close",
        &[("vote", "action"), ("heure", &alices_vote)],
    )
    .await;
    assert_eq!(text(&vote_use), "Aucune action concernée.");
    let chain_alone = slash(&app, MJ, "open", &[("vote", "loups"), ("chaine", "19:00")]).await;
    assert!(
        text(&chain_alone).contains("Utilisation"),
        "{}",
        text(&chain_alone)
    );

    // Programmed: a message to the living in 20 s (its date given, so a
    // slow start is refused rather than moved to tomorrow), and a post
    // in 10 s, cancelled.
    let at = jiff::Timestamp::now()
        .checked_add(jiff::Span::new().seconds(20))
        .unwrap()
        .to_zoned(zone)
        .strftime("%d/%m/%Y-%H:%M:%S")
        .to_string();
    let planned_id = programmed(
        &app,
        MJ,
        "planif",
        ("quand", &at),
        "!send vivants Bonne nuit {nom}",
    )
    .await;
    let delayed_id = programmed(
        &app,
        MJ,
        "delay",
        ("duree", "10s"),
        "post annonces Jamais publié",
    )
    .await;
    let listed = text(&slash(&app, MJ, "taches", &[]).await);
    for want in [
        format!("`{planned_id}`"),
        "`!send vivants Bonne nuit {nom}` (prévue par".to_owned(),
        "`!post annonces Jamais publié`".to_owned(),
        "fermer le vote cond, chaîné chaque jour à 10:00".to_owned(),
        "ouvrir l'action vision".to_owned(),
    ] {
        assert!(listed.contains(&want), "{want:?} not in {listed}");
    }
    let cancelled = slash(
        &app,
        MJ,
        "cancel",
        &[("ids", &format!("{delayed_id}, 999999"))],
    )
    .await;
    assert_eq!(
        text(&cancelled),
        format!("Tâches annulées : {delayed_id}. Pas de tâche de la partie : 999999.")
    );
    let listed = text(&slash(&app, MJ, "taches", &[]).await);
    assert!(!listed.contains("Jamais publié"), "{listed}");
    // Only the game's commands, never a launch, an end or arbitrary code.
    let refused = slash(&app, MJ, "delay", &[("duree", "1h"), ("commande", "cfini")]).await;
    assert!(
        text(&refused).contains("ne peut pas être programmée"),
        "{}",
        text(&refused)
    );

    // The appliance restarts before it is due: the task is kept and runs,
    // as the MJ who programmed it, its trace and answer in logs.
    app.kill_bot().await;
    app.spawn_ready().await;
    let alice = channel_id(&app, "conv-bot-alice");
    let logs = channel_id(&app, "logs");
    app.discord
        .wait_for_message(
            |m| m.channel_id == alice && m.content == "Bonne nuit Alice",
            Duration::from_secs(90),
        )
        .await
        .expect("the programmed /send never ran");
    message_in(&app, channel_id(&app, "conv-bot-bob"), "Bonne nuit Bob").await;
    message_in(&app, logs, &format!("Tâche {planned_id} (prévue par")).await;
    message_in(&app, logs, &format!("↳ tâche {planned_id} : Fait.")).await;
    // The cancelled post, due before it, never ran.
    let annonces = channel_id(&app, "annonces");
    assert!(!app
        .discord
        .messages()
        .iter()
        .any(|m| m.channel_id == annonces && m.content.contains("Jamais publié")));

    // A task does not outlive its MJ's role: Dave programs a post, loses
    // the role before it is due, and it is not run.
    app.discord.set_member_roles(DAVE, [STAFF_ROLE]).await;
    let dave_id = programmed(
        &app,
        DAVE,
        "delay",
        ("duree", "3s"),
        "post annonces Posté par un ex-MJ",
    )
    .await;
    app.discord.set_member_roles(DAVE, []).await;
    message_in(
        &app,
        logs,
        &format!("Tâche {dave_id} non exécutée : dave n'est plus MJ."),
    )
    .await;
    assert!(!app
        .discord
        .messages()
        .iter()
        .any(|m| m.channel_id == annonces && m.content.contains("Posté par un ex-MJ")));

    // The mayor: elected, confirmed by the MJ, given the Discord role;
    // then the MJs move it by hand.
    let maire = role_id(&app, "Maire");
    assert_eq!(
        text(&slash(&app, MJ, "open", &[("vote", "maire")]).await),
        "Fait."
    );
    assert_eq!(text(&slash(&app, ALICE, "candid", &[]).await), "Fait.");
    assert!(vote(&app, BOB, "votemaire", "alice")
        .await
        .contains("Vote enregistré : Alice"));
    assert_eq!(
        text(&slash(&app, MJ, "close", &[("vote", "maire")]).await),
        "Fait."
    );
    assert_eq!(
        text(&slash(&app, MJ, "plot", &[("vote", "maire")]).await),
        "Fait."
    );
    let resolution = channel_id(&app, "résolution");
    let tally = message_in(&app, resolution, "En tête : Alice").await;
    let confirm = tally
        .buttons()
        .into_iter()
        .find(|b| b.label.as_deref() == Some("✅ Alice"))
        .and_then(|b| b.custom_id)
        .expect("a button for Alice");
    assert_eq!(
        text(&press(&app, MJ, resolution, tally.id, &confirm).await),
        "Fait."
    );
    message_in(&app, annonces, "Le nouveau maire est Alice").await;
    let has = |user: u64| {
        app.discord
            .member_state(user)
            .is_some_and(|m| m.roles.contains(&maire))
    };
    support::appliance::wait_until("Alice is given the Maire role", || has(ALICE)).await;
    let moved = slash(
        &app,
        MJ,
        "joueur",
        &[("joueur", "bob"), ("champ", "maire"), ("valeur", "oui")],
    )
    .await;
    assert_eq!(text(&moved), "Fait.");
    support::appliance::wait_until("the role moved to Bob", || has(BOB) && !has(ALICE)).await;
    let dropped = slash(
        &app,
        MJ,
        "joueur",
        &[("joueur", "bob"), ("champ", "maire"), ("valeur", "non")],
    )
    .await;
    assert_eq!(text(&dropped), "Fait.");
    support::appliance::wait_until("nobody is mayor", || !has(BOB) && !has(ALICE)).await;

    // Nothing the game posted pinged anyone.
    for m in app.discord.messages() {
        assert!(
            !m.content.contains("@everyone") && !m.content.contains("@here"),
            "{}",
            m.content
        );
    }
}
