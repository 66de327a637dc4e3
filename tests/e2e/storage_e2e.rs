//! End to end: faults of the appliance's own storage must not hurt. The
//! real binary, the local stand-ins, a real SMTP server (aiosmtpd) and real
//! failures of the disk under the state directory: a tmpfs filled up (a
//! full SD card) and a database file cut short (a power cut during a write
//! on a card that lies about fsync).

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};

use support::appliance::*;
use support::smtp::{
    digest_section, smtp_password_env, SmtpOptions, SmtpServer, SMTP_PASSWORD, SMTP_USER,
};

const DB_FILE: &str = "cubeguardian.redb";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

fn digest_options(smtp: &SmtpServer, files: &Path) -> Options {
    Options {
        // The SMTP server holds its reply while a test fills the disk: a
        // longer exchange limit than the digest suite's.
        extra: digest_section(smtp, files, None, "30s"),
        env: smtp_password_env(),
        ..Options::default()
    }
}

/// A small tmpfs mounted on a directory, unmounted on drop: a disk the test
/// can fill for real.
struct SmallDisk {
    at: PathBuf,
}

impl SmallDisk {
    /// `None` (with the reason) where mounting is not allowed.
    fn mount(at: &Path, size: &str) -> Result<SmallDisk, String> {
        std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed (needs root or CAP_SYS_ADMIN): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk {
            at: at.to_path_buf(),
        })
    }

    /// Writes zeros until the disk refuses (ENOSPC); returns the file.
    fn fill(&self) -> PathBuf {
        let path = self.at.join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0u8; 64 * 1024];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // The last partial page too.
        while file.write(&[0u8; 512]).is_ok_and(|n| n > 0) {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.at)
            .status();
    }
}

fn dm_texts(app: &Appliance) -> Vec<String> {
    app.discord
        .dm_messages(ADMIN)
        .into_iter()
        .map(|m| m.content)
        .collect()
}

/// The SMTP server accepted the digest, then the disk filled up before the
/// bot could record it: the bot must not send it again (not while the disk
/// is full, not once it has room, not after a restart), and must tell the
/// admin once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_digest_whose_status_cannot_be_saved_is_never_sent_again() {
    let smtp = SmtpServer::start(SmtpOptions::starttls().with_auth(SMTP_USER, SMTP_PASSWORD)).await;
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(bin(), digest_options(&smtp, files.path())).await;
    let disk = match SmallDisk::mount(&app.dir().join("state"), "32m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("SKIPPED: no small disk to fill: {why}");
            return;
        }
    };
    app.spawn_ready().await;
    app.discord
        .send_message(ALICE, ANNONCES, "une annonce pour la liste")
        .await;
    wait_until("the message captured", || {
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("digest: stored") && l.contains("1 new"))
    })
    .await;

    // The digest reaches the server, which waits before saying 250.
    smtp.hold();
    let handle = app
        .discord
        .slash_command(
            ADMIN,
            ANNOUNCE,
            "resume",
            serde_json::json!([{"name": "mail", "type": 5, "value": true}]),
        )
        .await;
    app.discord
        .wait_for_interaction_response(
            |r| handle.matches(r) && r.content().is_some_and(|c| c.contains("n°1")),
            WAIT,
        )
        .await
        .expect("the digest built");
    wait_until("the digest at the server", || smtp.holding()).await;
    // Now the SD card is full; then the server accepts.
    let filler = disk.fill();
    smtp.release();
    let mails = smtp.wait_for_mails(1, WAIT).await;
    assert!(
        mails[0]
            .text
            .as_deref()
            .unwrap_or("")
            .contains("une annonce pour la liste"),
        "{:?}",
        mails[0].text
    );
    wait_until("the failed save logged", || {
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("digest #1: cannot save its delivery status"))
    })
    .await;
    // The outbox comes back round (and fails to save again) a few times
    // while the disk is full: each time it could have sent the digest.
    wait_until("the outbox retrying while the disk is full", || {
        app.log
            .lines()
            .iter()
            .filter(|l| l.contains("digest #1: delivery status still not saved"))
            .count()
            >= 3
    })
    .await;
    assert_eq!(
        smtp.received().len(),
        1,
        "sent again while the disk is full"
    );

    // Room again: the status is saved, still one mail.
    std::fs::remove_file(filler).unwrap();
    wait_until("the status saved once there is room", || {
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("digest #1: delivery status saved at last"))
    })
    .await;
    assert_eq!(smtp.received().len(), 1);

    // And after a restart the outbox, read from disk, is empty.
    assert!(app.stop_bot().await.success());
    app.spawn_ready().await;
    wait_until("the outbox read at start", || {
        app.log.lines().iter().any(|l| l.contains("digest: on,"))
    })
    .await;
    let body = reqwest::get(format!("http://{}/metrics", app.admin_addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.lines()
            .any(|l| l.starts_with("cubeguardian_digest_outbox_size ") && l.ends_with(" 0")),
        "{body}"
    );
    // One DATA transaction in all: the digest went exactly once.
    assert_eq!(smtp.data_attempts(), 1);
    assert_eq!(smtp.received().len(), 1);

    // The admin heard of it once.
    let alerts: Vec<String> = dm_texts(&app)
        .into_iter()
        .filter(|t| t.contains("digest #1"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].contains("was sent, but the database could not record it"),
        "{alerts:?}"
    );
    assert!(app.stop_bot().await.success());
    drop(disk);
}

/// A database cut short: the service still comes up, says it is degraded
/// (systemd's `STATUS=`, `/health`, the admin's DM), keeps the damaged file,
/// and still wakes the server when a player joins voice. The next start
/// begins with a fresh database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_database_starts_degraded_and_still_wakes_the_server() {
    let smtp = SmtpServer::start(SmtpOptions::starttls().with_auth(SMTP_USER, SMTP_PASSWORD)).await;
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(bin(), digest_options(&smtp, files.path())).await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    assert!(app.stop_bot().await.success());

    let state = app.dir().join("state");
    let db = state.join(DB_FILE);
    let len = std::fs::metadata(&db).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.set_len(len / 3).unwrap();
    drop(file);
    let damaged = std::fs::read(&db).unwrap();

    let from = app.notify.len();
    app.spawn_ready().await;
    let status = app.wait_status_from(from, "DEGRADED").await;
    assert!(status.contains("capture and digest off"), "{status}");

    // /health: 503, status "degraded", and why.
    let res = reqwest::get(format!("http://{}/health", app.admin_addr))
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let health: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    let why = health["degraded"].as_str().unwrap_or_default().to_owned();
    assert!(why.contains("cannot be used"), "{health}");

    // The damaged file is kept aside, byte for byte.
    let kept: Vec<PathBuf> = std::fs::read_dir(&state)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("cubeguardian.redb.corrupt-"))
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), damaged);
    assert!(why.contains(&kept[0].display().to_string()), "{why}");

    // The admin is told once.
    let dm = app.discord.dm_channel_id(ADMIN);
    app.discord
        .wait_for_message(
            |m| m.channel_id == dm && m.content.contains("cannot be used"),
            WAIT,
        )
        .await
        .expect("a DM to the admin");

    // Power control works from live probes.
    app.notify
        .wait_from(from, "the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;
    app.discord.voice_join(ALICE, VOICE).await;
    let packets = app.wol.wait_for_packets(3, WAIT).await;
    assert_eq!(packets.len(), 3, "three magic packets");
    app.wait_status_from(from, "startup monitoring").await;
    let about_db = dm_texts(&app)
        .into_iter()
        .filter(|t| t.contains("cannot be used"))
        .count();
    assert_eq!(about_db, 1);
    assert!(app.stop_bot().await.success());

    // The next start has a fresh database and runs in full.
    let from = app.notify.len();
    app.spawn_ready().await;
    let status = app.wait_status_from(from, "Discord connected").await;
    assert!(!status.contains("DEGRADED"), "{status}");
    let body = reqwest::get(format!("http://{}/health", app.admin_addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(health["degraded"].is_null(), "{health}");
    assert!(db.exists());
}

/// Issue 14 changed how captured messages are stored (compact binary
/// records instead of JSON). A database written by an earlier version
/// holds JSON messages: the real binary must open it and put them in the
/// next digest beside the new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_stored_as_json_by_an_earlier_version_are_in_the_next_digest() {
    const MESSAGES: redb::TableDefinition<u64, &[u8]> =
        redb::TableDefinition::new("digest_messages");
    let smtp = SmtpServer::start(SmtpOptions::starttls().with_auth(SMTP_USER, SMTP_PASSWORD)).await;
    let files = tempfile::tempdir().unwrap();
    let mut app = Appliance::start(bin(), digest_options(&smtp, files.path())).await;
    app.spawn_ready().await;
    app.log
        .wait("the first catch-up", |l| l.contains("digest: caught up"))
        .await;
    let from = app.log.len();
    let new = app
        .discord
        .send_message(ALICE, DISCUSSION, "écrit au format compact")
        .await;
    app.log
        .wait_from(from, "the message stored", |l| {
            l.contains("digest: stored 1 change(s)")
        })
        .await;
    assert!(app.stop_bot().await.success());

    // What an earlier version wrote: a JSON object, just before the new one.
    let db = app.dir().join("state").join(DB_FILE);
    let old = new - 1;
    {
        let db = redb::Database::create(&db).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(MESSAGES).unwrap();
            let stored = redb::ReadableTable::get(&table, new)
                .unwrap()
                .expect("the new message")
                .value()[0];
            assert_ne!(stored, b'{', "the new message is not JSON");
            let json = serde_json::json!({
                "id": old,
                "channel_id": DISCUSSION,
                "author_id": BOB,
                "author_name": "bob",
                "posted_ms": ((old >> 22) as i64) + 1_420_070_400_000,
                "edited": false,
                "content": "écrit en JSON par une version d'avant",
                "attachments": [],
                "reply_to": null,
                "reactions": 0,
            });
            table
                .insert(old, serde_json::to_vec(&json).unwrap().as_slice())
                .unwrap();
        }
        txn.commit().unwrap();
    }

    app.spawn_ready().await;
    let res = reqwest::Client::new()
        .post(format!("http://{}/action/send-digest", app.admin_addr))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mails = smtp.wait_for_mails(1, WAIT).await;
    let text = mails[0].text.clone().expect("a text/plain part");
    for wanted in [
        "écrit au format compact",
        "écrit en JSON par une version d'avant",
    ] {
        assert_eq!(text.matches(wanted).count(), 1, "{wanted:?} in:\n{text}");
    }
    let unreadable: Vec<String> = app
        .log
        .lines()
        .into_iter()
        .filter(|l| l.contains("unreadable"))
        .collect();
    assert!(unreadable.is_empty(), "{unreadable:?}");
}
