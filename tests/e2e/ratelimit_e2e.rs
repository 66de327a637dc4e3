//! End to end: the rate limiter in front of every command, and the admins'
//! `/ratelimit`, through the real binary and the local stand-ins.

use crate::support;

use std::path::Path;

use serde_json::{json, Value};
use support::appliance::*;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

fn dms(app: &Appliance, user: u64, containing: &str) -> usize {
    app.discord
        .dm_messages(user)
        .iter()
        .filter(|m| m.content.contains(containing))
        .count()
}

/// The text of an admin answer: its embed's description.
fn embed_text(answer: &support::discord::InteractionResponse) -> String {
    answer.message()["embeds"][0]["description"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn user_option(sub: &str, user: u64) -> Value {
    json!([{ "name": sub, "type": 1, "options": [{ "name": "user", "type": 6, "value": user.to_string() }] }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_status_is_served_once_told_once_then_banned() {
    let app = running(bin(), "").await;
    for _ in 0..50 {
        app.discord.send_message(BOB, ANNOUNCE, "!status").await;
    }
    // Events are handled in order: once this later slash command is
    // answered, the burst was handled. Interactions are always answered
    // (privately), so Bob learns he is blocked.
    let answer = app.slash(BOB, "status", json!([])).await;
    assert!(answer.is_ephemeral());
    assert!(
        answer.content().unwrap_or("").contains("bloquées"),
        "{answer:?}"
    );

    // The answers themselves are sent concurrently: wait for the three.
    wait_until("three DMs to bob", || {
        app.discord.dm_messages(BOB).len() >= 3
    })
    .await;
    // `status` allows 5 a minute, 5 s apart: one of the burst is served.
    assert_eq!(dms(&app, BOB, "État du serveur"), 1, "served");
    // One private "wait" notice, and one when the ban starts: no flood.
    assert_eq!(dms(&app, BOB, "Attendez"), 1, "wait notices");
    assert_eq!(dms(&app, BOB, "bloquées"), 1, "ban notices");
    assert_eq!(app.discord.dm_messages(BOB).len(), 3);
    // Nothing was posted in the channel in answer to the burst.
    assert!(app
        .discord
        .messages()
        .iter()
        .all(|m| m.channel_id != ANNOUNCE || !m.content.contains("Attendez")));

    // Another user is not affected.
    app.discord.send_message(ALICE, ANNOUNCE, "!status").await;
    app.discord
        .wait_for_message(
            |m| m.dm_user == Some(ALICE) && m.content.contains("État du serveur"),
            WAIT,
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_slash_status_gets_private_answers_only() {
    let app = running(bin(), "").await;
    let mut handles = Vec::new();
    for _ in 0..50 {
        handles.push(
            app.discord
                .slash_command(BOB, ANNOUNCE, "status", json!([]))
                .await,
        );
    }
    let mut answers = Vec::new();
    for h in &handles {
        answers.push(
            app.discord
                .wait_for_interaction_response(|r| h.matches(r), WAIT)
                .await
                .expect("every interaction is answered"),
        );
    }
    assert!(
        answers.iter().all(|a| a.is_ephemeral()),
        "a public answer to the burst"
    );
    let served = answers
        .iter()
        .filter(|a| a.content().unwrap_or("").contains("État du serveur"))
        .count();
    assert_eq!(served, 1, "status: 5 a minute, 5 s apart");
    let banned = answers
        .iter()
        .filter(|a| a.content().unwrap_or("").contains("bloquées"))
        .count();
    assert!(banned > 0, "no ban after 49 refusals");
    // Nothing in the channel, nothing by DM.
    assert!(app.discord.dm_messages(BOB).is_empty());
    assert!(app
        .discord
        .messages()
        .iter()
        .all(|m| m.channel_id != ANNOUNCE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exempt_role_is_not_limited() {
    let app = running(
        bin(),
        &format!("[ratelimit]\nexempt_roles = [{PLAYER_ROLE}]\n"),
    )
    .await;
    for _ in 0..10 {
        app.discord.send_message(CAROL, ANNOUNCE, "!status").await;
    }
    let answer = app.slash(CAROL, "status", json!([])).await;
    assert!(
        answer.content().unwrap_or("").contains("État du serveur"),
        "{answer:?}"
    );
    wait_until("ten answers to carol", || {
        dms(&app, CAROL, "État du serveur") >= 10
    })
    .await;
    assert_eq!(dms(&app, CAROL, "État du serveur"), 10);
    assert_eq!(dms(&app, CAROL, "Attendez"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_ban_survives_a_restart_and_unban_lifts_it() {
    let mut app = running(bin(), "").await;
    let ban = json!([{ "name": "ban", "type": 1, "options": [
        { "name": "user", "type": 6, "value": ALICE.to_string() },
        { "name": "minutes", "type": 4, "value": 30 },
        { "name": "reason", "type": 3, "value": "spam" },
    ]}]);
    let answer = app.slash(ADMIN, "ratelimit", ban).await;
    let text = embed_text(&answer);
    assert!(
        text.contains(&format!("<@{ALICE}> est bloqué pendant 30 min : spam")),
        "{text}"
    );

    let refused = app.slash(ALICE, "status", json!([])).await;
    assert!(
        refused.content().unwrap_or("").contains("bloquées"),
        "{refused:?}"
    );

    // The ban is on disk: a restarted bot still applies it.
    assert!(app.stop_bot().await.success());
    app.spawn_ready().await;
    let refused = app.slash(ALICE, "status", json!([])).await;
    assert!(
        refused.content().unwrap_or("").contains("bloquées"),
        "after restart: {refused:?}"
    );

    let stats = app
        .slash(ADMIN, "ratelimit", user_option("user", ALICE))
        .await;
    let embed = &stats.message()["embeds"][0];
    assert!(
        embed["title"].as_str().unwrap_or("").contains("Limites"),
        "{embed}"
    );
    assert!(embed.to_string().contains("spam"), "{embed}");

    let answer = app
        .slash(ADMIN, "ratelimit", user_option("unban", ALICE))
        .await;
    assert!(embed_text(&answer).contains("débloqué"), "{answer:?}");
    let served = app.slash(ALICE, "status", json!([])).await;
    assert!(
        served.content().unwrap_or("").contains("État du serveur"),
        "{served:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratelimit_is_for_admins_only_and_stats_come_as_an_embed() {
    let app = running(bin(), "").await;
    let answer = app
        .slash(
            ALICE,
            "ratelimit",
            json!([{ "name": "stats", "type": 1, "options": [] }]),
        )
        .await;
    assert_eq!(answer.content(), Some("🚫 Réservé aux administrateurs."));

    let answer = app
        .slash(
            ADMIN,
            "ratelimit",
            json!([{ "name": "stats", "type": 1, "options": [] }]),
        )
        .await;
    assert!(answer.is_ephemeral());
    let embed = &answer.message()["embeds"][0];
    assert!(
        embed["title"].as_str().unwrap_or("").contains("Limiteur"),
        "{embed}"
    );
    let fields = embed["fields"].as_array().expect("fields");
    assert!(fields.iter().any(|f| f["name"] == "checks"), "{embed}");

    let answer = app
        .slash(ADMIN, "ratelimit", user_option("reset", BOB))
        .await;
    assert!(embed_text(&answer).contains("remis à zéro"), "{answer:?}");
}

/// A DM carries no roles, so the bot looks them up with a REST call; a
/// flood of DMs from someone not authorized by id must not become a flood
/// of lookups: the rate limiter comes first (issue 11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_dms_costs_no_more_member_lookups_than_the_limiter_allows() {
    let app = running(bin(), "").await;
    const FLOOD: usize = 20;
    for _ in 0..FLOOD {
        app.discord.send_dm(BOB, "!wake").await;
    }
    // Every one of them reached the command's entry point.
    wait_until("the whole flood handled", || {
        app.log
            .lines()
            .iter()
            .filter(|l| l.contains("command wake from bob"))
            .count()
            >= FLOOD
    })
    .await;
    // `wake` allows one every 30 s: one is served (Bob is no player)…
    app.discord
        .wait_for_message(
            |m| m.dm_user == Some(BOB) && m.content.contains("Permission refusée"),
            WAIT,
        )
        .await
        .expect("the served request is answered");
    let lookups = app
        .discord
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(&format!("/members/{BOB}")))
        .count();
    // …and only it needed Bob's roles.
    assert_eq!(lookups, 1, "member lookups for {FLOOD} DMs");
}

/// Refusals of slash commands are shown privately in the channel; the
/// player's DM still gets its one answer of the streak (issue 11: the
/// "told once" flag was per user, so the DM stayed silent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_is_answered_even_after_a_refusal_shown_in_the_channel() {
    // One `status` a minute: the DM below is surely inside the interval.
    let app = running(
        bin(),
        "[ratelimit.commands.status]\ncapacity = 5\nper = \"1m\"\nmin_interval = \"1m\"\n",
    )
    .await;
    let served = app.slash(BOB, "status", json!([])).await;
    assert!(served.content().unwrap_or("").contains("État du serveur"));
    let refused = app.slash(BOB, "status", json!([])).await;
    assert!(refused.is_ephemeral());
    assert!(
        refused.content().unwrap_or("").contains("Attendez"),
        "{refused:?}"
    );

    app.discord.send_dm(BOB, "!status").await;
    app.discord
        .wait_for_message(
            |m| m.dm_user == Some(BOB) && m.content.contains("Attendez"),
            WAIT,
        )
        .await
        .expect("the refusal told in the DM");
}
