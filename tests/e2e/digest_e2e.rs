//! End to end: the daily digest of the real binary. Members write through
//! the local Discord stand-in, the bot captures, and digests reach a real
//! SMTP server (Python's aiosmtpd) on 127.0.0.1 over STARTTLS with a
//! private CA and a login — the password coming from
//! `CUBEGUARDIAN_SMTP_PASSWORD`, as in production.
//!
//! Over 800 lines because it is the digest's scenario list over one
//! appliance and one SMTP server: each test stands alone, and the shared
//! helpers are the first screen of the file.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use support::appliance::*;
use support::discord::{permissions, InteractionResponse, MessageSpec, Overwrite};
use support::prometheus::parse_exposition;
use support::smtp::{
    digest_section, smtp_password_env, ReceivedMail, SmtpOptions, SmtpServer, SMTP_PASSWORD,
    SMTP_USER, TEST_COMMIT_INTERVAL,
};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

fn smtp_options() -> SmtpOptions {
    SmtpOptions::starttls().with_auth(SMTP_USER, SMTP_PASSWORD)
}

/// The stand-ins, the bot running with `[digest]` for `smtp`.
async fn start(smtp: &SmtpServer, time: Option<String>) -> (Appliance, tempfile::TempDir) {
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: digest_section(smtp, files.path(), time, "10s"),
            env: smtp_password_env(),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    (app, files)
}

async fn metrics(app: &Appliance) -> BTreeMap<String, f64> {
    let body = reqwest::get(format!("http://{}/metrics", app.admin_addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    parse_exposition(&body)
}

/// Waits until the bot has committed `n` captured messages in all (the
/// counter moves only after the commit: they are on disk).
async fn wait_stored(app: &Appliance, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let m = metrics(app).await;
        let stored = m
            .get("cubeguardian_digest_messages_captured_total")
            .copied()
            .unwrap_or(0.0);
        if stored >= n as f64 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {stored} of {n} messages stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs a slash command in the announce channel and waits for the
/// follow-up (digest commands are deferred) or direct answer containing
/// `expect`.
async fn slash_answer(
    app: &Appliance,
    user: u64,
    name: &str,
    options: serde_json::Value,
    expect: &str,
) -> InteractionResponse {
    let handle = app
        .discord
        .slash_command(user, ANNOUNCE, name, options)
        .await;
    app.discord
        .wait_for_interaction_response(
            |r| handle.matches(r) && r.content().is_some_and(|c| c.contains(expect)),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no answer to /{name} containing {expect:?}: {e:?}"))
}

/// An admin's `/resume mail:true`, answered with digest number `n`.
async fn mail_now(app: &Appliance, n: u64) -> InteractionResponse {
    slash_answer(
        app,
        ADMIN,
        "resume",
        json!([{"name": "mail", "type": 5, "value": true}]),
        &format!("n°{n}"),
    )
    .await
}

/// Waits for the log line saying a digest was marked sent.
async fn wait_sent(app: &Appliance, line: &str) {
    wait_until("the digest marked as sent", || {
        app.log.lines().iter().any(|l| l.contains(line))
    })
    .await;
}

fn text_of(mail: &ReceivedMail) -> String {
    mail.text.clone().expect("a text/plain part")
}

fn html_of(mail: &ReceivedMail) -> String {
    mail.html.clone().expect("a text/html part")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_has_every_watched_channel_and_never_an_excluded_one() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let (app, _files) = start(&smtp, None).await;
    let d = &app.discord;

    let news = d
        .send_message(ADMIN, ANNONCES, "Assemblée générale samedi à 14h au local")
        .await;
    let question = d
        .send_message(
            ALICE,
            DISCUSSION,
            "Qui vient jouer ce soir ? https://example.org/plan",
        )
        .await;
    d.send_message_with(
        BOB,
        DISCUSSION,
        MessageSpec::new("Moi ! voici la carte")
            .reply_to(question)
            .attachment("carte.png", 2048),
    )
    .await;
    d.send_message_with(
        CAROL,
        DISCUSSION,
        MessageSpec::new("moi aussi").reply_to(question),
    )
    .await;
    d.add_reaction(BOB, question, "👍").await;
    d.add_reaction(CAROL, question, "🎉").await;
    let typo = d.send_message(BOB, DISCUSSION, "rendez-vous à 21h").await;
    d.edit_message(typo, "rendez-vous à 20h30").await;
    let regret = d.send_message(BOB, DISCUSSION, "message regretté").await;
    d.delete_message(regret).await;
    d.send_message(BOB, SPAM, "ACHETEZ DES DIAMANTS").await;
    // Six stored (the spam is never stored; the deleted one was, then
    // removed).
    wait_stored(&app, 6).await;

    // Everyone may see what the digest watches (of what they can open).
    let listed = slash_answer(
        &app,
        BOB,
        "listchannels",
        json!([]),
        &format!("<#{ANNONCES}>"),
    )
    .await;
    let listed = listed.content().unwrap().to_owned();
    assert!(listed.contains(&format!("<#{SPAM}>")), "{listed}");

    // An admin asks for the digest now, by mail too.
    let answer = mail_now(&app, 1).await;
    assert!(
        answer.content().unwrap().contains("📧"),
        "{:?}",
        answer.content()
    );
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, vec!["liste@le-cube.test".to_owned()]);
    assert!(
        mail.content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("multipart/alternative"),
        "{:?}",
        mail.content_type
    );
    let subject = mail.subject.clone().unwrap_or_default();
    assert!(subject.contains("Le Cube"), "{subject}");
    let text = text_of(mail);
    let html = html_of(mail);
    for wanted in [
        "Assemblée générale samedi à 14h au local",
        "annonces",
        "discussion",
        "alice",
        "https://example.org/plan",
        "carte.png",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    assert!(
        html.contains("annonces") && html.contains("discussion"),
        "{html}"
    );
    // Important channels come first, with a jump link to the message.
    assert!(
        text.find("annonces").unwrap() < text.find("discussion").unwrap(),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "https://discord.com/channels/{GUILD}/{ANNONCES}/{news}"
        )),
        "{text}"
    );
    // The question drew two replies and two reactions: it is highlighted.
    assert!(text.contains("Qui vient jouer ce soir"), "{text}");
    // The edit is there, the deleted message and the excluded channel not.
    assert!(text.contains("20h30") || html.contains("20h30"), "{text}");
    for absent in ["21h", "message regretté", "DIAMANTS", "spam"] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
        assert!(!html.contains(absent), "{absent:?} in the HTML");
    }

    // /exclude: from then on the channel's messages are not even stored.
    slash_answer(
        &app,
        ADMIN,
        "exclude",
        json!([{"name": "channel", "type": 7, "value": DISCUSSION.to_string()}]),
        "🙈",
    )
    .await;
    let refused = slash_answer(&app, BOB, "exclude", json!([]), "🚫").await;
    assert!(refused.is_ephemeral());
    d.send_message(ALICE, DISCUSSION, "après l'exclusion").await;
    d.send_message(ALICE, ANNONCES, "dernière annonce").await;
    wait_stored(&app, 7).await;
    let stored = metrics(&app).await["cubeguardian_digest_messages_captured_total"];
    assert_eq!(stored, 7.0, "the excluded channel's message was stored");

    // `!resume` in plain text: the digest so far goes to the asker by DM.
    d.send_message(ALICE, ANNOUNCE, "!resume").await;
    let posted = d
        .wait_for_message(
            |m| m.dm_user == Some(ALICE) && m.content.contains("dernière annonce"),
            WAIT,
        )
        .await
        .expect("the digest sent by DM");
    assert!(
        !posted.content.contains("après l'exclusion"),
        "{}",
        posted.content
    );

    // The admin page's "send the digest now" (here as a script with the
    // token): the daily digest, early.
    let res = reqwest::Client::new()
        .post(format!("http://{}/action/send-digest", app.admin_addr))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.contains("Résumé n°\u{a0}2 construit"), "{text}");
    let mails = smtp.wait_for_mails(2, WAIT).await;
    let second = text_of(&mails[1]);
    assert!(second.contains("dernière annonce"), "{second}");
    assert!(!second.contains("après l'exclusion"), "{second}");

    // /report: statistics in the channel.
    let report = slash_answer(
        &app,
        BOB,
        "report",
        json!([{"name": "period", "type": 3, "value": "week"}]),
        "alice",
    )
    .await;
    // Counted in the watched channels only (discussion is excluded now).
    let report = report.content().unwrap();
    assert!(report.contains(&format!("<#{ANNONCES}>")), "{report}");
    assert!(!report.contains(&format!("<#{SPAM}>")), "{report}");
    assert!(!report.contains(&format!("<#{DISCUSSION}>")), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_digest_is_retried_until_accepted_and_sent_once() {
    let smtp = SmtpServer::start(smtp_options().fail_data(2)).await;
    let (app, _files) = start(&smtp, None).await;
    app.discord
        .send_message(ALICE, ANNONCES, "une annonce à envoyer")
        .await;
    wait_stored(&app, 1).await;
    mail_now(&app, 1).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    assert!(text_of(&mails[0]).contains("une annonce à envoyer"));
    assert_eq!(smtp.data_attempts(), 3, "451, 451, then accepted");
    wait_sent(&app, "digest #1: sent (attempt 3)").await;
    // The outbox empties and nothing more is tried: the counter says one
    // digest sent, the server still has exactly one mail.
    let deadline = tokio::time::Instant::now() + WAIT;
    let m = loop {
        let m = metrics(&app).await;
        if m["cubeguardian_digest_outbox_size"] == 0.0 {
            break m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox never emptied"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(m["cubeguardian_digests_sent_total"], 1.0);
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(smtp.data_attempts(), 3);
    // The admin heard about the first failure.
    let dm = app.discord.dm_channel_id(ADMIN);
    app.discord
        .wait_for_message(
            |m| m.channel_id == dm && m.content.contains("résumé n°1"),
            WAIT,
        )
        .await
        .expect("an alert to the admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_stored_message_and_the_outbox_survives() {
    // A server that refuses every mail for now.
    let refusing = SmtpServer::start(smtp_options().fail_data(1000)).await;
    let (mut app, files) = start(&refusing, None).await;
    let texts: Vec<String> = (1..=12)
        .map(|i| format!("message durable {i:02}"))
        .collect();
    for (i, text) in texts.iter().enumerate() {
        let channel = if i % 2 == 0 { ANNONCES } else { DISCUSSION };
        app.discord.send_message(BOB, channel, text).await;
    }
    wait_stored(&app, 12).await;
    mail_now(&app, 1).await;
    wait_until("a refused attempt", || refusing.data_attempts() >= 1).await;
    // A power cut: no chance to save anything more.
    app.kill_bot().await;

    // Back up, with a mail server that accepts.
    let accepting = SmtpServer::start(smtp_options()).await;
    app.options.extra = digest_section(&accepting, files.path(), None, "10s");
    app.spawn_ready().await;
    let mails = accepting.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    for wanted in &texts {
        assert!(
            text.contains(wanted.as_str()),
            "{wanted:?} missing from:\n{text}"
        );
    }
    wait_sent(&app, "digest #1: sent").await;
    // Every stored message is also in a new digest after the restart.
    mail_now(&app, 2).await;
    let mails = accepting.wait_for_mails(2, WAIT).await;
    let second = text_of(&mails[1]);
    for wanted in &texts {
        assert!(
            second.contains(wanted.as_str()),
            "{wanted:?} missing after restart"
        );
    }
    assert_eq!(accepting.received().len(), 2, "digest #1 was sent once");
    let ids: Vec<String> = mails
        .iter()
        .map(|m| m.message_id.clone().unwrap_or_default())
        .collect();
    assert!(ids[0].contains("cubeguardian.digest-1."), "{ids:?}");
    assert!(ids[1].contains("cubeguardian.digest-2."), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_digest_goes_at_its_time_and_the_cli_shows_it() {
    let smtp = SmtpServer::start(smtp_options()).await;
    // Due in a few seconds (UTC): time for the messages to be captured.
    let at = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .saturating_add(jiff::Span::new().seconds(8));
    let (mut app, _files) = start(&smtp, Some(at.strftime("%H:%M:%S").to_string())).await;
    app.discord
        .send_message(CAROL, DISCUSSION, "avant l'heure du résumé")
        .await;
    wait_stored(&app, 1).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    assert!(text.contains("avant l'heure du résumé"), "{text}");
    let subject = mails[0].subject.clone().unwrap_or_default();
    let day = at.strftime("%-d").to_string();
    assert!(subject.contains(&day), "{subject}");

    // The CLI, while the service holds the database: asks it.
    let config = app.config_path();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(bin())
            .arg("digest")
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("CUBEGUARDIAN_ADMIN_TOKEN", ADMIN_TOKEN)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    wait_sent(&app, "digest #1: sent").await;
    let (ok, list, err) = cli(&["--list"]);
    assert!(ok, "{err}");
    assert!(
        list.contains("#1") && list.contains("daily") && list.contains("sent"),
        "{list}"
    );
    let (ok, shown, err) = cli(&["--show", "1"]);
    assert!(ok, "{err}");
    assert!(shown.contains("avant l'heure du résumé"), "{shown}");
    let (ok, _, err) = cli(&["--show", "99"]);
    assert!(!ok && err.contains("no such digest"), "{err}");
    app.discord
        .send_message(CAROL, DISCUSSION, "après le résumé")
        .await;
    wait_stored(&app, 2).await;
    let (ok, preview, err) = cli(&["--preview"]);
    assert!(ok, "{err}");
    assert!(preview.contains("après le résumé"), "{preview}");
    assert!(
        !preview.contains("avant l'heure"),
        "the next digest starts after the last one:\n{preview}"
    );

    // Stopped: the CLI reads the database itself.
    assert!(app.stop_bot().await.success());
    let (ok, list, err) = cli(&["--list"]);
    assert!(ok, "{err}");
    assert!(list.contains("#1"), "{list}");
    let (ok, preview, err) = cli(&["--preview"]);
    assert!(ok, "{err}");
    assert!(preview.contains("après le résumé"), "{preview}");
    assert_eq!(smtp.received().len(), 1, "one daily digest");
}

/// `HH:MM:SS` (UTC) `seconds` from now.
fn utc_time_in(seconds: i64) -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .saturating_add(jiff::Span::new().seconds(seconds))
        .strftime("%H:%M:%S")
        .to_string()
}

/// The daily digest is a task of the scheduler, which sleeps until it is
/// due: a reload that moves the time earlier must move the task too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_moving_the_daily_time_earlier_moves_the_digest() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let far = utc_time_in(6 * 3600);
    let (mut app, _files) = start(&smtp, Some(far.clone())).await;
    app.discord
        .send_message(CAROL, DISCUSSION, "avant le changement d'heure")
        .await;
    wait_stored(&app, 1).await;
    let soon = utc_time_in(6);
    app.options.extra = app
        .options
        .extra
        .replace(&format!("time = \"{far}\""), &format!("time = \"{soon}\""));
    assert!(app.options.extra.contains(&soon));
    std::fs::write(app.config_path(), app.config_text()).unwrap();
    let pid = app.pid().expect("the bot runs");
    let hup = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(hup.success());
    let mails = smtp.wait_for_mails(1, WAIT).await;
    assert!(text_of(&mails[0]).contains("avant le changement d'heure"));
    wait_sent(&app, "digest #1: sent").await;
    assert!(app.stop_bot().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_said_while_the_bot_was_away_is_caught_up() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let (mut app, _files) = start(&smtp, None).await;
    app.discord
        .send_message(ALICE, DISCUSSION, "avant l'arrêt")
        .await;
    wait_stored(&app, 1).await;
    assert!(app.stop_bot().await.success());
    // The gateway cannot tell a stopped bot anything; Discord keeps the
    // history.
    app.discord
        .send_message(BOB, DISCUSSION, "pendant l'arrêt, un")
        .await;
    app.discord
        .send_message(CAROL, ANNONCES, "pendant l'arrêt, deux")
        .await;
    app.discord
        .send_message(BOB, SPAM, "pendant l'arrêt, spam")
        .await;
    app.spawn_ready().await;
    // Two new ones stored (the one from before is stored already).
    wait_stored(&app, 2).await;
    mail_now(&app, 1).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    for wanted in [
        "avant l'arrêt",
        "pendant l'arrêt, un",
        "pendant l'arrêt, deux",
    ] {
        assert_eq!(
            text.matches(wanted).count(),
            1,
            "{wanted:?} once in:\n{text}"
        );
    }
    assert!(!text.contains("spam"), "{text}");
}

/// Captured messages are committed in groups (`commit_interval`, here an
/// hour: longer than the test). SIGTERM inside a group commits it on the
/// way out; SIGKILL loses it from memory, and the catch-up from Discord's
/// history at the next start brings the messages back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_not_yet_committed_is_saved_on_sigterm_and_caught_up_after_a_crash() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let files = tempfile::tempdir().unwrap();
    let section = digest_section(&smtp, files.path(), None, "10s").replace(
        &format!("commit_interval = \"{TEST_COMMIT_INTERVAL}\""),
        "commit_interval = \"1h\"",
    );
    assert!(section.contains("\"1h\""), "{section}");
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section,
            env: smtp_password_env(),
            ..Options::default()
        },
    )
    .await;
    let caught_up = |l: &str| l.contains("digest: caught up");
    app.spawn_ready().await;
    app.log.wait("the first catch-up", caught_up).await;

    // Staged, not committed: the counter moves only with the commit.
    let from = app.log.len();
    app.discord
        .send_message(ALICE, DISCUSSION, "groupé puis arrêt propre")
        .await;
    app.log
        .wait_from(from, "the message staged", |l| {
            l.contains("1 message change(s) staged")
        })
        .await;
    assert_eq!(
        metrics(&app).await["cubeguardian_digest_messages_captured_total"],
        0.0
    );
    // SIGTERM: committed on the way out, so the next start has nothing to
    // catch up.
    assert!(app.stop_bot().await.success());
    let from = app.log.len();
    app.spawn_ready().await;
    let line = app.log.wait_from(from, "the catch-up", caught_up).await;
    assert!(line.contains("nothing was posted"), "{line}");

    // SIGKILL inside a group: two messages held in memory only.
    let from = app.log.len();
    app.discord
        .send_message(BOB, ANNONCES, "groupé puis panne un")
        .await;
    app.discord
        .send_message(CAROL, DISCUSSION, "groupé puis panne deux")
        .await;
    app.log
        .wait_from(from, "both messages staged", |l| {
            l.contains("2 message change(s) staged")
        })
        .await;
    app.kill_bot().await;
    let from = app.log.len();
    app.spawn_ready().await;
    let line = app.log.wait_from(from, "the catch-up", caught_up).await;
    assert!(line.contains("caught up with 2 message(s)"), "{line}");

    // The digest (a read commits what is staged first) has all three,
    // once each.
    send_digest_now(&app).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    for wanted in [
        "groupé puis arrêt propre",
        "groupé puis panne un",
        "groupé puis panne deux",
    ] {
        assert_eq!(
            text.matches(wanted).count(),
            1,
            "{wanted:?} once in:\n{text}"
        );
    }
    assert_eq!(
        metrics(&app).await["cubeguardian_digest_messages_captured_total"],
        2.0
    );
}

/// The admin page's "send the digest now" (the admin's `/resume mail` may
/// be cooling down).
async fn send_digest_now(app: &Appliance) {
    let res = reqwest::Client::new()
        .post(format!("http://{}/action/send-digest", app.admin_addr))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Every answer to the interaction `handle`, once one contains `expect`.
async fn answers_to(
    app: &Appliance,
    user: u64,
    name: &str,
    options: serde_json::Value,
    expect: &str,
) -> Vec<InteractionResponse> {
    let handle = app
        .discord
        .slash_command(user, ANNOUNCE, name, options)
        .await;
    app.discord
        .wait_for_interaction_response(
            |r| handle.matches(r) && r.content().is_some_and(|c| c.contains(expect)),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no answer to /{name} containing {expect:?}: {e:?}"));
    app.discord
        .interaction_responses()
        .into_iter()
        .filter(|r| handle.matches(r))
        .collect()
}

/// Asserts that every answer is for the asker alone and none quotes `secret`.
fn private_and_without(answers: &[InteractionResponse], secret: &str) {
    for answer in answers {
        assert!(answer.is_ephemeral(), "a public answer: {answer:?}");
        let content = answer.content().unwrap_or("");
        assert!(!content.contains(secret), "{secret:?} shown in: {content}");
        for (_, bytes) in answer.files() {
            assert!(!String::from_utf8_lossy(&bytes).contains(secret));
        }
    }
}

/// `!resume` by `user` in the public channel: the DM it brings, and that
/// the channel got a pointer quoting nothing.
async fn resume_by_dm(app: &Appliance, user: u64, expect: &str) -> String {
    let d = &app.discord;
    d.send_message(user, ANNOUNCE, "!resume").await;
    let dm = d
        .wait_for_message(
            |m| m.dm_user == Some(user) && m.content.contains(expect),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no DM containing {expect:?}: {e:?}"));
    d.wait_for_message(
        |m| m.channel_id == ANNOUNCE && m.content.contains("📬"),
        WAIT,
    )
    .await
    .expect("a pointer to the DM in the channel");
    let leaked: Vec<String> = d
        .messages()
        .into_iter()
        .filter(|m| m.channel_id == ANNOUNCE && m.content.contains(expect))
        .map(|m| m.content)
        .collect();
    assert!(
        leaked.is_empty(),
        "the digest was posted publicly: {leaked:?}"
    );
    dm.content
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_channel_is_never_captured_and_a_visitor_is_answered_privately() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let (app, _files) = start(&smtp, None).await;
    let d = &app.discord;
    // The private channel first: were it captured, it would be stored no
    // later than the public message after it.
    d.send_message(DAVE, STAFF, "plan secret du staff").await;
    d.send_message(ALICE, DISCUSSION, "discussion publique")
        .await;
    wait_stored(&app, 1).await;

    // The admin (owner, admin_user_id) sees everything stored: the private
    // channel's message was not.
    let admin = answers_to(&app, ADMIN, "resume", json!([]), "discussion publique").await;
    private_and_without(&admin, "plan secret");

    // A visitor: /resume and /report, for their eyes only.
    let visitor = answers_to(&app, BOB, "resume", json!([]), "discussion publique").await;
    private_and_without(&visitor, "plan secret");
    let report = answers_to(&app, BOB, "report", json!([]), "alice").await;
    private_and_without(&report, &format!("<#{STAFF}>"));
    // /listchannels does not even name a channel the visitor cannot open;
    // the staff see it, marked as not captured; both privately.
    let listed = answers_to(&app, BOB, "listchannels", json!([]), "📚").await;
    private_and_without(&listed, &format!("<#{STAFF}>"));
    let listed = answers_to(
        &app,
        DAVE,
        "listchannels",
        json!([]),
        &format!("<#{STAFF}>"),
    )
    .await;
    assert!(listed.iter().all(InteractionResponse::is_ephemeral));
    // `!resume` (another visitor: /resume has a cooldown): by DM, never in
    // the channel.
    let dm = resume_by_dm(&app, ALICE, "discussion publique").await;
    assert!(!dm.contains("plan secret"), "{dm}");

    // Nor is it in the mail.
    send_digest_now(&app).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    assert!(text.contains("discussion publique"), "{text}");
    assert!(
        !text.contains("plan secret") && !text.contains("staff"),
        "{text}"
    );
    // The public message and the `!resume` (the digest's read commits
    // what is staged first); never the private one.
    let stored = metrics(&app).await["cubeguardian_digest_messages_captured_total"];
    assert_eq!(stored, 2.0, "the private channel's message was stored");
    // The admin can tell from the log what is left out, and why.
    assert!(
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("private channels not captured") && l.contains("#staff")),
        "no log line naming the private channel"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_private_mails_a_private_channel_but_shows_it_only_to_who_can_open_it() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: format!(
                "{}include_private = [\"#staff\"]\n",
                digest_section(&smtp, files.path(), None, "10s")
            ),
            env: smtp_password_env(),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    let d = &app.discord;
    d.send_message(DAVE, STAFF, "plan secret du staff").await;
    d.send_message(ALICE, DISCUSSION, "discussion publique")
        .await;
    wait_stored(&app, 2).await;

    // Stored for the mail, yet a visitor never sees it on Discord.
    let visitor = answers_to(&app, BOB, "resume", json!([]), "discussion publique").await;
    private_and_without(&visitor, "plan secret");
    let report = answers_to(&app, BOB, "report", json!([]), "alice").await;
    private_and_without(&report, &format!("<#{STAFF}>"));
    let dm = resume_by_dm(&app, ALICE, "discussion publique").await;
    assert!(!dm.contains("plan secret"), "{dm}");

    // A member of the staff role can open #staff: they see it, privately.
    let staff = answers_to(&app, DAVE, "resume", json!([]), "plan secret du staff").await;
    assert!(staff.iter().all(InteractionResponse::is_ephemeral));
    // So does the admin.
    answers_to(&app, ADMIN, "resume", json!([]), "plan secret du staff").await;
    let report = answers_to(&app, ADMIN, "report", json!([]), &format!("<#{STAFF}>")).await;
    assert!(report.iter().all(InteractionResponse::is_ephemeral));

    send_digest_now(&app).await;
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = text_of(&mails[0]);
    assert!(text.contains("plan secret du staff"), "{text}");
    assert!(text.contains("discussion publique"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_made_private_stops_being_captured() {
    let smtp = SmtpServer::start(smtp_options()).await;
    let (app, _files) = start(&smtp, None).await;
    let d = &app.discord;
    d.send_message(ALICE, DISCUSSION, "encore public").await;
    wait_stored(&app, 1).await;

    // A moderator hides #discussion from @everyone (CHANNEL_UPDATE).
    d.set_channel_overwrites(
        DISCUSSION,
        [Overwrite::role(GUILD, 0, permissions::VIEW_CHANNEL)],
    )
    .await;
    wait_until("the bot to see #discussion turn private", || {
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("#discussion is now private"))
    })
    .await;
    d.send_message(ALICE, DISCUSSION, "après fermeture").await;
    d.send_message(ALICE, ANNONCES, "annonce témoin").await;
    wait_stored(&app, 2).await;
    // The admin sees all that is stored: not the message after the change.
    let admin = answers_to(&app, ADMIN, "resume", json!([]), "annonce témoin").await;
    private_and_without(&admin, "après fermeture");
    // A visitor no longer sees #discussion at all.
    let visitor = answers_to(&app, BOB, "resume", json!([]), "annonce témoin").await;
    private_and_without(&visitor, "encore public");

    // @everyone loses VIEW_CHANNEL guild-wide (GUILD_ROLE_UPDATE): nothing
    // public is left to capture.
    let role_updates = |n: usize| {
        let log = &app.log;
        move || {
            log.lines()
                .iter()
                .filter(|l| l.contains("permissions of role @everyone were updated"))
                .count()
                >= n
        }
    };
    d.set_role_permissions(
        GUILD,
        permissions::DEFAULT_EVERYONE & !permissions::VIEW_CHANNEL,
    )
    .await;
    wait_until("the bot to handle the role update", role_updates(1)).await;
    d.send_message(ALICE, ANNONCES, "annonce cachée").await;
    // serenity runs each event's handler in its own task: a round trip
    // makes sure the message was looked at before the role changes back.
    answers_to(&app, CAROL, "listchannels", json!([]), "📚").await;
    d.set_role_permissions(GUILD, permissions::DEFAULT_EVERYONE)
        .await;
    wait_until("the bot to handle the second role update", role_updates(2)).await;
    d.send_message(ALICE, ANNONCES, "annonce visible").await;
    wait_stored(&app, 3).await;
    // Dave can open #annonces again (the admin's /resume is cooling down).
    let staff = answers_to(&app, DAVE, "resume", json!([]), "annonce visible").await;
    private_and_without(&staff, "annonce cachée");
}
