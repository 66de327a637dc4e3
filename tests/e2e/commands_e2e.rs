//! End to end: players' commands (slash, `!` forms, plain words) and the
//! Minecraft restart flow, through the real binary and the local Discord,
//! Proxmox and Minecraft stand-ins.

use crate::support;

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use support::appliance::*;
use support::discord::SentMessage;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

/// A running server, the bot ready, with `extra` config; reboots succeed.
async fn running(extra: &str) -> Appliance {
    let app = support::appliance::running(bin(), extra).await;
    app.pve.set_reboot_outcome(Duration::from_millis(300), "OK");
    app
}

fn mention(app: &Appliance) -> String {
    format!("<@{}>", app.discord.bot_user_id())
}

/// The bot's reply to message `to`.
async fn reply_to(app: &Appliance, to: u64) -> SentMessage {
    app.discord
        .wait_for_message(|m| m.reply_to == Some(to), WAIT)
        .await
        .unwrap_or_else(|e| panic!("no reply to message {to}: {e:?}"))
}

fn confirm_id(m: &SentMessage) -> String {
    m.custom_ids()
        .into_iter()
        .find(|id| id.starts_with("cubeguardian:restart:confirm:"))
        .expect("a Confirm button")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mention_and_confirm_button_restart_minecraft() {
    let app = running("").await;
    let asked = app
        .discord
        .send_message(
            ALICE,
            ANNOUNCE,
            &format!("{} redémarre le serveur stp", mention(&app)),
        )
        .await;
    let question = reply_to(&app, asked).await;
    assert!(
        question
            .content
            .contains("redémarrer le serveur Minecraft ?"),
        "{}",
        question.content
    );
    assert_eq!(
        app.pve.reboot_calls(),
        Vec::<u32>::new(),
        "rebooted before confirmation"
    );

    let press = app
        .discord
        .press_button(ALICE, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    app.discord
        .wait_for_interaction_response(|r| press.matches(r), WAIT)
        .await
        .unwrap();
    let done = app.wait_announce("Serveur redémarré avec succès").await;
    assert!(done.content.contains("Temps :"), "{}", done.content);
    assert_eq!(app.pve.reboot_calls(), vec![105]);
    let reboot = app
        .pve
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/lxc/105/status/reboot"))
        .unwrap();
    assert!(
        reboot.authorized,
        "the reboot call did not carry the right token"
    );
    // The question lost its buttons once answered.
    let question = app
        .discord
        .messages()
        .into_iter()
        .find(|m| m.id == question.id)
        .unwrap();
    assert!(question.buttons().is_empty());
    assert!(
        app.discord.unknown_requests().is_empty(),
        "{:?}",
        app.discord.unknown_requests()
    );
}

/// Phrasings the learned recogniser reads as restarts it is unsure of. At
/// 76a8772, `cubeguardian parse --bot-id 1 "<@1> redémarrer"` scores 0.87
/// and "ça mériterait un reboot" 0.89, between `MIN_RESTART_CONFIDENCE`
/// (0.8) and `SURE_RESTART` (0.9). A retrained model moves such scores
/// (each of the last three retrainings moved the one phrasing pinned here
/// out of the band), so the test takes the first of these that the shipped
/// model scores in the band, and fails, naming every score, when none does.
const UNSURE_RESTARTS: [&str; 5] = [
    "redémarrer",
    "ça mériterait un reboot",
    "re-démarre le serveur",
    "tu relances ?",
    "re start le serveur",
];

/// The restart confidence `cubeguardian parse` gives `text` addressed to
/// `bot_id`, or `None` when it reads no restart.
fn restart_confidence(bot_id: u64, text: &str) -> Option<f64> {
    let out = std::process::Command::new(bin())
        .args(["parse", "--bot-id", &bot_id.to_string(), text])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (v["intent"] == "restart").then(|| v["confidence"].as_f64().unwrap())
}

/// The first of [`UNSURE_RESTARTS`], after `mention`, that scores between
/// the two thresholds.
fn unsure_restart(bot_id: u64, mention: &str) -> String {
    let mut scores = Vec::new();
    for phrasing in UNSURE_RESTARTS {
        let text = format!("{mention} {phrasing}");
        let confidence = restart_confidence(bot_id, &text);
        if confidence.is_some_and(|c| (0.8..0.9).contains(&c)) {
            return text;
        }
        scores.push((phrasing, confidence));
    }
    panic!("no phrasing scores a restart between 0.8 and 0.9 any more: {scores:?}");
}

/// The Yes (or No) button of the "do you mean a restart?" question.
fn ask_first_id(m: &SentMessage, answer: &str) -> String {
    m.custom_ids()
        .into_iter()
        .find(|id| id.starts_with(&format!("cubeguardian:restart:{answer}:")))
        .unwrap_or_else(|| panic!("no {answer} button on {m:?}"))
}

/// The limiter's spacing of restart requests and of button answers lifted:
/// the tests that answer the bot's questions answer faster than any player.
const ANSWERS_FASTER_THAN_ANY_PLAYER: &str =
    "[ratelimit.commands.restart]\ncapacity = 3\nper = \"10m\"\nmin_interval = \"0s\"\n\
     [ratelimit.commands.confirm]\ncapacity = 30\nper = \"1m\"\nmin_interval = \"0s\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsure_restart_in_plain_words_is_asked_about_before_the_confirmation() {
    let app = running(ANSWERS_FASTER_THAN_ANY_PLAYER).await;
    let text = unsure_restart(app.discord.bot_user_id(), &mention(&app));

    // No: nothing happens.
    let asked = app.discord.send_message(ALICE, ANNOUNCE, &text).await;
    let question = reply_to(&app, asked).await;
    assert_eq!(question.content, "Tu veux que je redémarre le serveur ?");
    let labels: Vec<_> = question.buttons().into_iter().map(|b| b.label).collect();
    assert_eq!(labels, [Some("Oui".to_owned()), Some("Non".to_owned())]);
    let press = app
        .discord
        .press_button(ALICE, ANNOUNCE, question.id, &ask_first_id(&question, "no"))
        .await;
    app.discord
        .wait_for_interaction_response(|r| press.matches(r), WAIT)
        .await
        .unwrap();
    app.discord
        .wait_for_message(
            |m| m.id == question.id && m.content.contains("Redémarrage annulé"),
            WAIT,
        )
        .await
        .expect("the question is replaced by the cancellation");

    // Yes: the usual confirmation, then the restart.
    let asked = app.discord.send_message(ALICE, ANNOUNCE, &text).await;
    let question = reply_to(&app, asked).await;
    assert_eq!(question.content, "Tu veux que je redémarre le serveur ?");
    app.discord
        .press_button(
            ALICE,
            ANNOUNCE,
            question.id,
            &ask_first_id(&question, "yes"),
        )
        .await;
    let confirmation = app
        .discord
        .wait_for_message(
            |m| {
                m.reply_to == Some(asked) && m.content.contains("redémarrer le serveur Minecraft ?")
            },
            WAIT,
        )
        .await
        .expect("Yes leads to the usual confirmation");
    assert!(app.pve.reboot_calls().is_empty(), "rebooted before Confirm");
    app.discord
        .press_button(ALICE, ANNOUNCE, confirmation.id, &confirm_id(&confirmation))
        .await;
    app.wait_announce("Serveur redémarré avec succès").await;
    assert_eq!(app.pve.reboot_calls(), vec![105]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_reply_answers_the_question_and_is_no_new_request() {
    let app = running(ANSWERS_FASTER_THAN_ANY_PLAYER).await;
    let text = unsure_restart(app.discord.bot_user_id(), &mention(&app));

    // "non laisse tomber": cancelled, and no new question.
    let asked = app.discord.send_message(ALICE, ANNOUNCE, &text).await;
    let question = reply_to(&app, asked).await;
    assert_eq!(question.content, "Tu veux que je redémarre le serveur ?");
    let no = app
        .discord
        .send_message(ALICE, ANNOUNCE, "non laisse tomber")
        .await;
    app.discord
        .wait_for_message(
            |m| m.id == question.id && m.content.contains("Redémarrage annulé"),
            WAIT,
        )
        .await
        .expect("the typed no cancels the question");

    // "<@bot> oui, redémarre-le" would be a request of its own; as the reply
    // to the question it is its answer: the usual confirmation follows,
    // and no second question.
    let asked = app.discord.send_message(ALICE, ANNOUNCE, &text).await;
    let question = reply_to(&app, asked).await;
    let yes = app
        .discord
        .send_message(
            ALICE,
            ANNOUNCE,
            &format!("{} oui, redémarre-le", mention(&app)),
        )
        .await;
    let confirmation = app
        .discord
        .wait_for_message(
            |m| {
                m.reply_to == Some(asked) && m.content.contains("redémarrer le serveur Minecraft ?")
            },
            WAIT,
        )
        .await
        .expect("the typed yes leads to the usual confirmation");
    assert!(question.id != confirmation.id);
    app.discord
        .press_button(ALICE, ANNOUNCE, confirmation.id, &confirm_id(&confirmation))
        .await;
    app.wait_announce("Serveur redémarré avec succès").await;
    assert_eq!(app.pve.reboot_calls(), vec![105]);
    // By then both answers were long handled (events are handled in order).
    let replies_to_answers: Vec<_> = app
        .discord
        .messages()
        .into_iter()
        .filter(|m| m.reply_to == Some(no) || m.reply_to == Some(yes))
        .collect();
    assert!(
        replies_to_answers.is_empty(),
        "answers were taken for requests: {replies_to_answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_without_mention_in_a_public_channel_does_nothing() {
    let app = running("").await;
    let chat = app
        .discord
        .send_message(ALICE, ANNOUNCE, "il faudrait redémarrer le serveur, il lag")
        .await;
    let order = app
        .discord
        .send_message(ALICE, ANNOUNCE, "redémarre le serveur minecraft")
        .await;
    // A later, addressed request is answered (privately, by DM): by then
    // the two before it were handled (events are handled in order).
    app.discord
        .send_message(ALICE, ANNOUNCE, &format!("{} help", mention(&app)))
        .await;
    app.discord
        .wait_for_message(
            |m| m.dm_user == Some(ALICE) && m.content.contains("Aide"),
            WAIT,
        )
        .await
        .unwrap();
    let replies: Vec<_> = app
        .discord
        .messages()
        .into_iter()
        .filter(|m| m.reply_to == Some(chat) || m.reply_to == Some(order))
        .collect();
    assert!(replies.is_empty(), "answered conversation: {replies:?}");
    assert!(app.pve.reboot_calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_message_without_mention_works_and_oui_confirms() {
    let app = running("").await;
    let dm = app.discord.dm_channel_id(CAROL);
    app.discord.send_dm(CAROL, "reboot mc stp").await;
    let question = app
        .discord
        .wait_for_message(
            |m| m.channel_id == dm && m.content.contains("redémarrer"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(!question.custom_ids().is_empty());
    app.discord.send_dm(CAROL, "oui").await;
    app.discord
        .wait_for_message(
            |m| m.channel_id == dm && m.content.contains("redémarré avec succès"),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(app.pve.reboot_calls(), vec![105]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_member_is_refused() {
    let app = running("").await;
    let answer = app.slash(BOB, "restart", json!([])).await;
    assert!(answer.is_ephemeral());
    assert!(
        answer
            .content()
            .unwrap_or("")
            .contains("Permission refusée"),
        "{answer:?}"
    );
    assert!(app.pve.reboot_calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_restart_inside_the_cooldown_is_told_the_minutes_left() {
    // The rate limiter's own spacing of restart requests is lifted, so that
    // the restart cooldown itself answers.
    let app = running(
        "[ratelimit.commands.restart]\ncapacity = 3\nper = \"10m\"\nmin_interval = \"0s\"\n",
    )
    .await;
    restart_by_slash(&app).await;

    let answer = app.slash(ALICE, "restart", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(
        text.contains("Cooldown actif") && text.contains("encore 10 minute"),
        "{text}"
    );
    assert_eq!(app.pve.reboot_calls().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_confirmation_expires_and_nothing_happens() {
    let app = running("[restart]\nconfirm_within = \"1s\"\n").await;
    let asked = app
        .discord
        .send_message(
            ALICE,
            ANNOUNCE,
            &format!("{} restart minecraft", mention(&app)),
        )
        .await;
    let question = reply_to(&app, asked).await;
    app.discord
        .wait_for_message(
            |m| m.id == question.id && m.content.contains("Pas de confirmation"),
            WAIT,
        )
        .await
        .expect("the question is replaced by the expiry notice");
    // Too late now.
    let press = app
        .discord
        .press_button(ALICE, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    let answer = app
        .discord
        .wait_for_interaction_response(|r| press.matches(r), WAIT)
        .await
        .unwrap();
    assert_eq!(answer.content(), Some("Cette demande a expiré."));
    assert!(app.pve.reboot_calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_else_pressing_confirm_is_refused() {
    let app = running("").await;
    let asked = app
        .discord
        .send_message(
            ALICE,
            ANNOUNCE,
            &format!("{} relance minecraft", mention(&app)),
        )
        .await;
    let question = reply_to(&app, asked).await;
    let press = app
        .discord
        .press_button(CAROL, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    let answer = app
        .discord
        .wait_for_interaction_response(|r| press.matches(r), WAIT)
        .await
        .unwrap();
    assert!(answer.is_ephemeral());
    assert!(
        answer.content().unwrap_or("").contains("Seul alice"),
        "{answer:?}"
    );
    assert!(app.pve.reboot_calls().is_empty());
    // Alice still can.
    app.discord
        .press_button(ALICE, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    app.wait_announce("Serveur redémarré avec succès").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_reboot_task_is_reported_and_the_admin_alerted() {
    let app = running("").await;
    app.pve.set_reboot_outcome(
        Duration::from_millis(200),
        "command 'lxc-stop' failed: exit code 1",
    );
    let asked = app.discord.send_message(ALICE, ANNOUNCE, "!restart").await;
    let question = reply_to(&app, asked).await;
    app.discord
        .press_button(ALICE, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    app.wait_announce("Échec du redémarrage — un administrateur a été notifié")
        .await;
    let dm = app
        .discord
        .wait_for_message(|m| m.dm_user == Some(ADMIN), WAIT)
        .await
        .unwrap();
    assert!(
        dm.content.contains("alice") && dm.content.contains("lxc-stop"),
        "{}",
        dm.content
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_while_off_offers_to_wake_and_the_button_wakes() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("presence", |l| l.contains("0 authorized in voice"))
        .await;
    let answer = app.slash(ALICE, "restart", json!([])).await;
    assert!(
        answer
            .content()
            .unwrap_or("")
            .contains("Le serveur est éteint"),
        "{answer:?}"
    );
    let wake = answer.components()[0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(wake, "cubeguardian:wake");
    app.discord.press_button(ALICE, ANNOUNCE, 1, &wake).await;
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);
    app.wait_announce("Démarrage du serveur demandé par alice")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_help_answer_privately() {
    let app = running("").await;
    let answer = app.slash(BOB, "status", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(answer.is_ephemeral());
    assert!(text.contains("opérationnel"), "{text}");
    assert!(text.contains("0/20 joueurs"), "{text}");
    assert!(text.contains("vocal : 1"), "{text}");

    let answer = app.slash(BOB, "help", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(
        text.contains("réservé aux joueurs autorisés"),
        "visitor help: {text}"
    );
    // Without a front door there is no `/link` to offer.
    let answer = app.slash(ALICE, "help", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(
        text.contains("`/status`") && !text.contains("/link"),
        "player help: {text}"
    );

    let asked = app
        .discord
        .send_message(
            ALICE,
            ANNOUNCE,
            &format!("{} le serveur est allumé ?", mention(&app)),
        )
        .await;
    // A private answer to a text command in a channel goes by DM.
    let dm = app
        .discord
        .wait_for_message(|m| m.dm_user == Some(ALICE), WAIT)
        .await
        .unwrap();
    assert!(dm.content.contains("État du serveur"), "{}", dm.content);
    let _ = asked;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_are_registered_in_the_guild() {
    let app = running("").await;
    let put = app
        .discord
        .wait_for_request(
            |r| r.method == "PUT" && r.path.contains("/guilds/1000/commands"),
            WAIT,
        )
        .await
        .unwrap();
    let names: Vec<String> = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["restart", "wake", "status", "help", "ratelimit"]);
}

#[test]
fn parse_prints_one_json_object() {
    let out = std::process::Command::new(bin())
        .args(["parse", "--bot-id", "42", "<@42> redémarre le serv stp"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intent"], "restart");
    assert_eq!(v["addressed"], true);
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c), "{c}");

    let out = std::process::Command::new(bin())
        .args(["parse", "il faudrait redémarrer le serveur"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["intent"].as_str(), v["addressed"].as_bool()),
        (Some("none"), Some(false))
    );

    let out = std::process::Command::new(bin())
        .args(["parse", "--dm", "reboot mc"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intent"], "restart");
}

#[test]
fn parse_batch_answers_each_line_in_order() {
    use std::io::Write;
    let mut child = std::process::Command::new(bin())
        .args(["parse", "--batch", "--bot-name", "Gardien"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("guild\tGardien, redémarre minecraft\ndm\tle serveur est allumé ?\nnot a line\nguild\tle bot devrait redémarrer ce soir\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a malformed line makes the exit status 1"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["intent"], "restart");
    assert_eq!(lines[1]["intent"], "status");
    assert!(lines[2]["error"].as_str().unwrap().contains("line 3"));
    assert_eq!(lines[3]["intent"], "none");
}

/// A wait of the rate limiter's spacing inside the restart cooldown must
/// not be told as "wait 4 s" when the truth is "wait 10 minutes" (issue 11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_refused_by_the_limiter_inside_the_cooldown_is_told_the_cooldown() {
    // Restart requests five minutes apart at least: the second request
    // below is surely refused by the rate limiter.
    let app = running(
        "[ratelimit.commands.restart]\ncapacity = 3\nper = \"10m\"\nmin_interval = \"5m\"\n",
    )
    .await;
    restart_by_slash(&app).await;

    let answer = app.slash(ALICE, "restart", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(
        text.contains("Cooldown actif") && text.contains("encore 10 minute"),
        "{text}"
    );
    // The rate limiter did refuse it (else the test proves nothing).
    app.log
        .wait("the rate limiter's refusal", |l| {
            l.contains("ratelimit: restart refused to alice")
        })
        .await;
}

/// Nothing the bot posts can ping: a member whose name is `@everyone
/// <@&role> @here` wakes the server, restarts it (it fails: the admin is
/// alerted with the name) and asks things. Every message, answer, DM and
/// edit carries `allowed_mentions` that allows nothing (issue 11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_named_everyone_pings_nobody_anywhere() {
    const MALLORY: u64 = 777;
    let mut app = Appliance::start(bin(), Options::default()).await;
    let name = format!("@everyone <@&{PLAYER_ROLE}> @here <@{ADMIN}>");
    app.discord.add_member(MALLORY, &name, [PLAYER_ROLE]).await;
    app.spawn_ready().await;
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;

    // An announcement.
    app.discord.voice_join(MALLORY, VOICE).await;
    let started = app.wait_announce("Démarrage du serveur demandé par").await;
    assert!(started.content.contains("@everyone"), "{}", started.content);
    app.power_on().await;
    app.wait_status("operational").await;

    // A reply in the channel, an edit of it, a failure notice, an alert by
    // DM to the admin.
    app.pve
        .set_reboot_outcome(Duration::from_millis(100), "failed for @everyone");
    let asked = app
        .discord
        .send_message(MALLORY, ANNOUNCE, "!restart")
        .await;
    let question = reply_to(&app, asked).await;
    app.discord
        .press_button(MALLORY, ANNOUNCE, question.id, &confirm_id(&question))
        .await;
    app.wait_announce("Échec du redémarrage").await;
    let alert = app
        .discord
        .wait_for_message(|m| m.dm_user == Some(ADMIN), WAIT)
        .await
        .unwrap();
    assert!(alert.content.contains("@everyone"), "{}", alert.content);
    // A private answer by DM, and an interaction answer.
    app.discord.send_message(MALLORY, ANNOUNCE, "!status").await;
    app.discord
        .wait_for_message(|m| m.dm_user == Some(MALLORY), WAIT)
        .await
        .unwrap();
    app.slash(MALLORY, "help", json!([])).await;

    let messages: Vec<_> = app
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.message_payload().is_some())
        .collect();
    let kinds = |p: &str| messages.iter().filter(|r| r.path.contains(p)).count();
    assert!(kinds("/channels/") >= 6, "{messages:#?}");
    assert!(kinds("/callback") >= 1, "{messages:#?}");
    assert!(
        messages.iter().any(|r| r.method == "PATCH"),
        "no edit: {messages:#?}"
    );
    for r in &messages {
        let allowed = &r.message_payload().unwrap()["allowed_mentions"];
        assert_eq!(
            allowed["parse"],
            json!([]),
            "{} {}: {}",
            r.method,
            r.path,
            r.body
        );
        assert_eq!(
            r.pings(),
            Some(Default::default()),
            "{} {}: {}",
            r.method,
            r.path,
            r.body
        );
    }
}

/// Alice asks `/restart`, confirms (privately) and the restart succeeds.
async fn restart_by_slash(app: &Appliance) {
    let question = app.slash(ALICE, "restart", json!([])).await;
    assert!(question.is_ephemeral(), "slash confirmations are private");
    let confirm = question.components()[0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An ephemeral answer has no message in the channel; any id does.
    app.discord.press_button(ALICE, ANNOUNCE, 1, &confirm).await;
    app.wait_announce("Serveur redémarré avec succès").await;
}
