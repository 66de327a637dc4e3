//! End to end: a werewolf season played through the real binary and the Discord stand-in,
//! driven by the MJ's commands (no clock window waited for): 8 registrations (channels and
//! roles), roles given with `/joueur`, `/cparti`, the pyre vote opened, haros, votes (a blank
//! one confirmed, an ambiguous name, accents ignored), a tie, the binary killed with SIGKILL
//! mid-vote and restarted with nothing lost, `/close`, `/plot` with the MJ's pick, the death
//! announced with its permissions, refusals of a dead or out-of-window vote, the wolves'
//! vote, a boudoir with an invited member, and `/cfini`.

use crate::support;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::appliance::*;
use support::discord::{permissions, InteractionResponse, ResponseKind, SentMessage};

pub(super) fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

const MJ: u64 = ADMIN;
const ELODIE: u64 = 881;
const EMILE: u64 = 882;
const FANNY: u64 = 883;
const GASTON: u64 = 884;

const PLAYERS: [(u64, &str); 8] = [
    (ALICE, "Alice"),
    (BOB, "Bob"),
    (CAROL, "Carol"),
    (DAVE, "Dave"),
    (ELODIE, "Élodie"),
    (EMILE, "Émile"),
    (FANNY, "Fanny"),
    (GASTON, "Gaston"),
];

/// `timezone` and `pause` lines for a `[game]` section whose clock is far
/// from every hour the schedule and the catalogue use: local time near
/// 14:00 (the launch's 19:00 openings would otherwise race a test run at
/// 19:00), the weekend pause a minute long, three days away. Returns them
/// with the zone.
pub(super) fn quiet_game_clock() -> (String, jiff::tz::TimeZone) {
    let offset = 14
        - i32::from(
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .hour(),
        );
    let zone_name = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let zone = jiff::tz::TimeZone::get(&zone_name).expect("the tz database has Etc/GMT zones");
    let away = jiff::Timestamp::now()
        .to_zoned(zone.clone())
        .checked_add(jiff::Span::new().days(3))
        .expect("three days from now")
        .strftime("%a")
        .to_string()
        .to_lowercase();
    (
        format!("timezone = \"{zone_name}\"\npause = \"{away} 03:00 - {away} 03:01\"\n"),
        zone,
    )
}

pub(super) fn opts(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect(),
    )
}

pub(super) async fn slash(
    app: &Appliance,
    user: u64,
    name: &str,
    pairs: &[(&str, &str)],
) -> InteractionResponse {
    let handle = app
        .discord
        .slash_command(user, ANNOUNCE, name, opts(pairs))
        .await;
    app.discord
        .wait_for_interaction_response(|r| handle.matches(r), WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer to /{name} from {user}: {e:?}"))
}

pub(super) fn text(r: &InteractionResponse) -> String {
    r.content().unwrap_or_default().to_owned()
}

pub(super) fn custom_ids(r: &InteractionResponse) -> Vec<String> {
    r.components()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

pub(super) async fn press(
    app: &Appliance,
    user: u64,
    channel: u64,
    message: u64,
    id: &str,
) -> InteractionResponse {
    let handle = app.discord.press_button(user, channel, message, id).await;
    // The answer itself: a deferred press (registration) is acknowledged
    // first, with nothing to read, and answered by a follow-up.
    app.discord
        .wait_for_interaction_response(
            |r| handle.matches(r) && r.kind != ResponseKind::Callback(5),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no answer to the press on {id}: {e:?}"))
}

/// Runs a command that answers with a Yes/No, and presses Yes.
pub(super) async fn confirmed(
    app: &Appliance,
    user: u64,
    name: &str,
    pairs: &[(&str, &str)],
) -> String {
    let asked = slash(app, user, name, pairs).await;
    let yes = custom_ids(&asked)
        .into_iter()
        .find(|id| id != "game:no")
        .unwrap_or_else(|| panic!("no confirmation button on /{name}: {}", text(&asked)));
    text(&press(app, user, ANNOUNCE, 1, &yes).await)
}

/// A game channel (under a category: the fixture has its own `annonces`).
pub(super) fn channel_id(app: &Appliance, name: &str) -> u64 {
    app.discord
        .guild_channels()
        .into_iter()
        .find(|c| c.name == name && c.parent.is_some())
        .unwrap_or_else(|| panic!("no channel #{name}"))
        .id
}

pub(super) fn role_id(app: &Appliance, name: &str) -> u64 {
    app.discord
        .guild_roles()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no role {name}"))
        .id
}

pub(super) async fn message_in(app: &Appliance, channel: u64, what: &str) -> SentMessage {
    app.discord
        .wait_for_message(
            |m| m.channel_id == channel && m.content.contains(what),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no message {what:?} in channel {channel}: {e:?}"))
}

/// A vote. The `vote` and `kill` entries of the rate limiter want half a
/// second between two of a player's commands: waited for first.
pub(super) async fn vote(app: &Appliance, user: u64, command: &str, target: &str) -> String {
    tokio::time::sleep(Duration::from_millis(600)).await;
    text(&slash(app, user, command, &[("joueur", target)]).await)
}

/// `/action`, after the half second the `kill` entry wants between two.
pub(super) async fn act(app: &Appliance, user: u64, pairs: &[(&str, &str)]) -> String {
    tokio::time::sleep(Duration::from_millis(600)).await;
    text(&slash(app, user, "action", pairs).await)
}

/// The number `/action` lists for `slug`: "… rasage (12) …".
pub(super) fn action_number(listing: &str, slug: &str) -> String {
    let after = listing
        .split(&format!("{slug} ("))
        .nth(1)
        .unwrap_or_else(|| panic!("no {slug} in {listing:?}"));
    after.split(')').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_season_is_played_survives_a_crash_and_ends() {
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: format!(
                "[game]\nenabled = true\nmj_role = 445\n{}\n[ratelimit]\nexempt_roles = [\"445\"]\n",
                quiet_game_clock().0
            ),
            ..Options::default()
        },
    )
    .await;
    app.discord.set_member_roles(MJ, [STAFF_ROLE]).await;
    for (id, name) in [
        (ELODIE, "elodie"),
        (EMILE, "emile"),
        (FANNY, "fanny"),
        (GASTON, "gaston"),
    ] {
        app.discord.add_member(id, name, []).await;
    }
    app.spawn_ready().await;
    app.log
        .wait("game commands registered", |l| {
            l.contains("slash commands registered")
        })
        .await;
    // The game's commands joined the appliance's own in the same guild.
    let names = app.discord.command_names();
    for name in ["restart", "status", "inscription", "vote", "cparti", "plot"] {
        assert!(
            names.contains(&name.to_owned()),
            "/{name} missing: {names:?}"
        );
    }

    // Registration: rules accepted with the button, channel and role given.
    for (user, name) in PLAYERS {
        let answer = confirmed(&app, user, "inscription", &[("nom", name)]).await;
        assert!(answer.contains("Inscription faite"), "{name}: {answer}");
    }
    // Each registration acknowledged the press at once (the channel and
    // the role can outlast the 3 s Discord gives an answer), then answered
    // by a follow-up.
    let responses = app.discord.interaction_responses();
    let count = |kind: ResponseKind| responses.iter().filter(|r| r.kind == kind).count();
    assert_eq!(count(ResponseKind::Callback(5)), PLAYERS.len());
    assert!(count(ResponseKind::Followup) >= PLAYERS.len());
    let alive = role_id(&app, "Joueur en vie");
    for (user, name) in PLAYERS {
        let channel = channel_id(&app, &format!("conv-bot-{}", name.to_lowercase()));
        message_in(&app, channel, "Bienvenue").await;
        assert!(
            app.discord
                .member_state(user)
                .unwrap()
                .roles
                .contains(&alive),
            "{name} has no alive role"
        );
        assert_ne!(
            app.discord.permissions_in(channel, user) & permissions::SEND_MESSAGES,
            0
        );
    }
    // `join` allows one a second per player.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = slash(&app, ALICE, "inscription", &[]).await;
    assert!(text(&again).contains("déjà inscrit"), "{}", text(&again));

    // The `!` forms answer in the channel they were typed in.
    let alice_channel = channel_id(&app, "conv-bot-alice");
    let asked = app
        .discord
        .send_message(ALICE, alice_channel, "!vivants")
        .await;
    let living = app
        .discord
        .wait_for_message(|m| m.reply_to == Some(asked), WAIT)
        .await
        .unwrap();
    assert_eq!(living.channel_id, alice_channel);
    assert!(
        living.content.starts_with("En vie (8)"),
        "{}",
        living.content
    );

    // Typed in a shared channel, a private answer goes to the player's own.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let asked = app.discord.send_message(ALICE, DISCUSSION, "!infos").await;
    let infos = message_in(&app, alice_channel, "Alice — rôle").await;
    assert_ne!(infos.reply_to, Some(asked));
    assert!(!app
        .discord
        .messages()
        .iter()
        .any(|m| m.channel_id == DISCUSSION && m.content.contains("rôle")));

    // A player is no MJ.
    let refused = slash(&app, ALICE, "cparti", &[]).await;
    assert!(
        text(&refused).contains("Réservé aux MJ"),
        "{}",
        text(&refused)
    );

    // The MJ deals the roles.
    for (who, field, value) in [
        ("Dave", "role", "loup-garou"),
        ("Dave", "camp", "loups"),
        ("Dave", "flags", "votant_loups=oui"),
        ("Fanny", "role", "loup-garou"),
        ("Fanny", "camp", "loups"),
        ("Fanny", "flags", "votant_loups=oui"),
        ("carol", "role", "voyante"),
        // The witch: one poison, opened with the wolves' vote.
        ("elodie", "role", "sorciere"),
        ("elodie", "flags", "role_actif=oui"),
        ("gaston", "flags", "role_actif=oui"),
    ] {
        let done = slash(
            &app,
            MJ,
            "joueur",
            &[("joueur", who), ("champ", field), ("valeur", value)],
        )
        .await;
        assert_eq!(text(&done), "Fait.", "/joueur {who} {field} {value}");
    }
    let dave_channel = channel_id(&app, "conv-bot-dave");
    message_in(&app, dave_channel, "rôle loup-garou").await;

    assert_eq!(confirmed(&app, MJ, "cparti", &[]).await, "Fait.");
    let annonces = channel_id(&app, "annonces");
    message_in(&app, annonces, "La partie commence").await;

    // The barber's razor is permanent and instant: given during the season
    // it opens at once; using it asks first, then alerts the MJs with the
    // one ping the game makes, the MJ role's.
    let barber = slash(
        &app,
        MJ,
        "joueur",
        &[
            ("joueur", "gaston"),
            ("champ", "role"),
            ("valeur", "barbier"),
        ],
    )
    .await;
    assert_eq!(text(&barber), "Fait.");
    message_in(
        &app,
        channel_id(&app, "conv-bot-gaston"),
        "Action ouverte : rasage",
    )
    .await;
    let razor = action_number(&act(&app, GASTON, &[]).await, "rasage");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let ask = slash(
        &app,
        GASTON,
        "action",
        &[("numero", &razor), ("cible", "Alice")],
    )
    .await;
    assert!(text(&ask).contains("instantanée"), "{}", text(&ask));
    let yes = custom_ids(&ask)
        .into_iter()
        .find(|i| i.starts_with("game:act:"))
        .unwrap();
    assert_eq!(text(&press(&app, GASTON, ANNOUNCE, 1, &yes).await), "Fait.");
    let alert = message_in(
        &app,
        channel_id(&app, "résolution"),
        "Action instantanée de Gaston",
    )
    .await;
    let request = app
        .discord
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.body["content"].as_str() == Some(alert.content.as_str()))
        .expect("the alert's request");
    let pings = request.pings().unwrap();
    assert_eq!(pings.roles, vec![STAFF_ROLE], "only the MJ role is pinged");
    assert!(pings.users.is_empty() && !pings.everyone);

    // The pyre vote opens: each player gets a button in their channel.
    assert_eq!(
        text(&slash(&app, MJ, "open", &[("vote", "cond")]).await),
        "Fait."
    );
    let opened = message_in(&app, alice_channel, "bûcher est ouvert").await;
    assert!(opened.custom_ids().contains(&"game:how:cond".to_owned()));
    let how = press(&app, ALICE, alice_channel, opened.id, "game:how:cond").await;
    assert!(text(&how).contains("/vote"), "{}", text(&how));

    // Haros make Alice, Bob, Carol and Dave eligible.
    let haro = slash(
        &app,
        ALICE,
        "haro",
        &[("joueur", "bob"), ("raison", "trop calme")],
    )
    .await;
    assert_eq!(text(&haro), "Fait.");
    let haros = channel_id(&app, "haros");
    message_in(&app, haros, "accuse **Bob** : trop calme").await;
    message_in(&app, channel_id(&app, "débats"), "Haro de Alice contre Bob").await;
    assert_eq!(
        text(
            &slash(
                &app,
                CAROL,
                "haro",
                &[("joueur", "Dave"), ("raison", "poils")]
            )
            .await
        ),
        "Fait."
    );

    // A tie: two votes for Bob, two for Alice (accents and case ignored).
    assert!(vote(&app, ALICE, "vote", "BOB")
        .await
        .contains("Vote enregistré : Bob"));
    assert!(vote(&app, CAROL, "vote", "bob")
        .await
        .contains("Vote enregistré"));
    assert!(vote(&app, BOB, "vote", "alice")
        .await
        .contains("Vote enregistré : Alice"));
    assert!(vote(&app, DAVE, "vote", "Alice")
        .await
        .contains("Vote enregistré"));
    // An ambiguous name is asked about; an unknown one said so.
    let which = vote(&app, FANNY, "vote", "É").await;
    assert!(which.contains("Lequel"), "{which}");
    assert!(vote(&app, FANNY, "vote", "Zoé")
        .await
        .contains("Aucun joueur"));
    // A vote for someone not eligible counts as blank: confirmed first.
    let blank = slash(&app, ELODIE, "vote", &[("joueur", "emile")]).await;
    assert!(
        text(&blank).contains("comptera comme blanc"),
        "{}",
        text(&blank)
    );
    let yes = custom_ids(&blank)
        .into_iter()
        .find(|i| i.starts_with("game:vote:"))
        .unwrap();
    assert!(text(&press(&app, ELODIE, ANNOUNCE, 1, &yes).await).contains("Vote enregistré : Émile"));

    // The appliance dies mid-vote and comes back: the vote is still open,
    // the votes are still there.
    app.kill_bot().await;
    app.spawn_ready().await;
    assert!(vote(&app, GASTON, "vote", "Gaston")
        .await
        .contains("comptera comme blanc"));
    assert_eq!(
        text(&slash(&app, MJ, "close", &[("vote", "cond")]).await),
        "Fait."
    );
    message_in(&app, alice_channel, "Ton vote : Bob").await;
    // Out of the window now.
    assert!(vote(&app, ALICE, "vote", "Carol")
        .await
        .contains("pas ouvert"));

    // The tally: a tie the MJ settles with a button in #résolution.
    assert_eq!(
        text(&slash(&app, MJ, "plot", &[("vote", "cond")]).await),
        "Fait."
    );
    let resolution = channel_id(&app, "résolution");
    let tally = message_in(&app, resolution, "Égalité").await;
    assert!(tally.content.contains("Bob : 2"), "{}", tally.content);
    assert!(tally.content.contains("Alice : 2"), "{}", tally.content);
    assert!(
        tally.content.contains("Blancs : Élodie"),
        "{}",
        tally.content
    );
    let pick_bob = tally
        .buttons()
        .into_iter()
        .find(|b| b.label.as_deref() == Some("Bob"))
        .and_then(|b| b.custom_id)
        .expect("a button for Bob");
    assert_eq!(
        text(&press(&app, MJ, resolution, tally.id, &pick_bob).await),
        "Fait."
    );
    message_in(&app, annonces, "Le village a choisi : Bob").await;

    // The death: announced, roles swapped, débats read-only, enfer open.
    let death = slash(
        &app,
        MJ,
        "annoncemort",
        &[("joueur", "bob"), ("contexte", "Brûlé.")],
    )
    .await;
    assert_eq!(text(&death), "Fait.");
    message_in(&app, annonces, "Bob est mort·e. Brûlé.").await;
    let dead = role_id(&app, "Joueur mort");
    app.discord
        .wait_for_request(
            |r| r.method == "DELETE" && r.path.contains(&format!("/members/{BOB}/roles/")),
            WAIT,
        )
        .await
        .unwrap();
    let roles = app.discord.member_state(BOB).unwrap().roles;
    assert!(
        roles.contains(&dead) && !roles.contains(&alive),
        "{roles:?}"
    );
    let debats = channel_id(&app, "débats");
    let enfer = channel_id(&app, "enfer");
    assert_ne!(
        app.discord.permissions_in(debats, BOB) & permissions::VIEW_CHANNEL,
        0
    );
    assert_eq!(
        app.discord.permissions_in(debats, BOB) & permissions::SEND_MESSAGES,
        0
    );
    assert_ne!(
        app.discord.permissions_in(enfer, BOB) & permissions::SEND_MESSAGES,
        0
    );
    assert_eq!(
        app.discord.permissions_in(enfer, ALICE) & permissions::SEND_MESSAGES,
        0
    );
    let morts = slash(&app, ALICE, "morts", &[]).await;
    assert!(text(&morts).contains("Bob"), "{}", text(&morts));

    // The admin page's season card follows the saved season.
    let page = reqwest::Client::new()
        .get(format!("http://{}/", app.admin_addr))
        .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Partie de loup-garou"), "no season card");
    assert!(page.contains("7 vivants"), "the death is not on the card");

    // The wolves vote; a villager may not, the dead may not.
    assert_eq!(
        text(&slash(&app, MJ, "open", &[("vote", "loups")]).await),
        "Fait."
    );
    // The witch's poison opened with it: one charge, used once.
    let elodie_channel = channel_id(&app, "conv-bot-élodie");
    message_in(&app, elodie_channel, "Action ouverte : potion-mort").await;
    let potion = action_number(&act(&app, ELODIE, &[]).await, "potion-mort");
    // Decided, cancelled, decided again: the use stays open until the close.
    let used = act(&app, ELODIE, &[("numero", &potion), ("cible", "gaston")]).await;
    assert_eq!(used, "Fait.");
    let cancelled = act(&app, ELODIE, &[("numero", &potion), ("cible", "annuler")]).await;
    assert_eq!(cancelled, "Fait.");
    let used = act(&app, ELODIE, &[("numero", &potion), ("cible", "gaston")]).await;
    assert_eq!(used, "Fait.");
    message_in(&app, elodie_channel, "Action potion-mort enregistrée").await;
    assert!(vote(&app, DAVE, "voteloups", "alice")
        .await
        .contains("Vote enregistré : Alice"));
    assert!(vote(&app, ALICE, "voteloups", "dave")
        .await
        .contains("pas le droit"));
    assert!(vote(&app, BOB, "voteloups", "alice").await.contains("mort"));

    assert_eq!(
        text(&slash(&app, MJ, "close", &[("vote", "loups")]).await),
        "Fait."
    );
    message_in(&app, elodie_channel, "Action potion-mort close").await;
    assert_eq!(
        text(&slash(&app, MJ, "open", &[("vote", "loups")]).await),
        "Fait."
    );
    // Its one charge spent, the poison was archived: it does not reopen.
    assert!(act(&app, ELODIE, &[])
        .await
        .contains("Aucune action ouverte"));

    // A boudoir: created by Alice, Carol invited from inside it.
    let made = slash(
        &app,
        ALICE,
        "boudoir",
        &[("operation", "create"), ("valeur", "Conspiration")],
    )
    .await;
    assert_eq!(text(&made), "Fait.");
    let boudoir = {
        let mut found = None;
        for _ in 0..200 {
            found = app
                .discord
                .guild_channels()
                .into_iter()
                .find(|c| c.name == "boudoir-conspiration");
            if found.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        found.expect("the boudoir's channel").id
    };
    let handle = app
        .discord
        .slash_command(
            ALICE,
            boudoir,
            "boudoir",
            opts(&[("operation", "invite"), ("valeur", "carol")]),
        )
        .await;
    let invited = app
        .discord
        .wait_for_interaction_response(|r| handle.matches(r), WAIT)
        .await
        .unwrap();
    assert_eq!(text(&invited), "Fait.", "{}", text(&invited));
    message_in(&app, boudoir, "Carol rejoint le boudoir").await;
    assert_ne!(
        app.discord.permissions_in(boudoir, CAROL) & permissions::VIEW_CHANNEL,
        0
    );
    assert_eq!(
        app.discord.permissions_in(boudoir, GASTON) & permissions::VIEW_CHANNEL,
        0
    );

    // Renamed, then deleted: the channel follows, then goes to the
    // cemetery with its members' access removed.
    let in_boudoir = |op: &'static str, value: &'static str| {
        let app = &app;
        async move {
            tokio::time::sleep(Duration::from_millis(600)).await;
            let handle = app
                .discord
                .slash_command(
                    ALICE,
                    boudoir,
                    "boudoir",
                    opts(&[("operation", op), ("valeur", value)]),
                )
                .await;
            let r = app
                .discord
                .wait_for_interaction_response(|r| handle.matches(r), WAIT)
                .await
                .unwrap();
            text(&r)
        }
    };
    assert_eq!(in_boudoir("rename", "Complot").await, "Fait.");
    support::appliance::wait_until("the boudoir renamed", || {
        app.discord
            .guild_channels()
            .iter()
            .any(|c| c.id == boudoir && c.name == "boudoir-complot")
    })
    .await;
    assert_eq!(in_boudoir("delete", "").await, "Fait.");
    let cemetery = app
        .discord
        .guild_channels()
        .into_iter()
        .find(|c| c.name == "CIMETIÈRE DES BOUDOIRS")
        .unwrap()
        .id;
    support::appliance::wait_until("the boudoir archived", || {
        app.discord
            .guild_channels()
            .iter()
            .any(|c| c.id == boudoir && c.parent == Some(cemetery))
    })
    .await;
    assert_eq!(
        app.discord.permissions_in(boudoir, CAROL) & permissions::VIEW_CHANNEL,
        0
    );

    // The end.
    assert_eq!(confirmed(&app, MJ, "cfini", &[]).await, "Fait.");
    message_in(&app, annonces, "La partie est terminée").await;

    // Nothing the game posted pinged anyone.
    for m in app.discord.messages() {
        assert!(!m.content.contains("@everyone"), "{}", m.content);
    }
}

/// The game in the digest's guild: its channels are never captured, even
/// when `include_private` names channels ("général", "logs") the game
/// happens to have too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_games_channels_never_reach_the_digest() {
    use support::smtp::{
        digest_section, smtp_password_env, SmtpOptions, SmtpServer, SMTP_PASSWORD, SMTP_USER,
    };
    let smtp = SmtpServer::start(SmtpOptions::starttls().with_auth(SMTP_USER, SMTP_PASSWORD)).await;
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: format!(
                "{}include_private = [\"général\", \"logs\"]\n\n[game]\nenabled = true\n",
                digest_section(&smtp, files.path(), None, "10s")
            ),
            env: smtp_password_env(),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.log
        .wait("commands registered", |l| {
            l.contains("slash commands registered")
        })
        .await;
    let d = &app.discord;
    d.send_message(ADMIN, channel_id(&app, "général"), "secret des MJ")
        .await;
    d.send_message(ADMIN, channel_id(&app, "logs"), "journal des MJ")
        .await;
    d.send_message(ALICE, DISCUSSION, "discussion publique")
        .await;
    // The fixture's own public #général is still captured.
    d.send_message(ALICE, ANNOUNCE, "bonjour à tous").await;
    let stored = || async {
        let body = reqwest::get(format!("http://{}/metrics", app.admin_addr))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        support::prometheus::parse_exposition(&body)
            .get("cubeguardian_digest_messages_captured_total")
            .copied()
            .unwrap_or(0.0)
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while stored().await < 2.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the public messages were not stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Captured in order: the game's messages, sent first, would be counted.
    assert_eq!(stored().await, 2.0, "a game channel's message was captured");
}
