//! End to end: `systemctl reload` (SIGHUP) re-reads the configuration of
//! the running binary: live settings take effect, the Discord session is
//! kept, what needs a restart is said so, and a broken file changes
//! nothing.

use crate::support;

use std::path::Path;

use serde_json::json;
use support::appliance::*;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

fn sighup(app: &Appliance) {
    let pid = app.pid().expect("the bot runs");
    let status = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Sends SIGHUP and waits for `RELOADING=1` then `READY=1`.
async fn reload(app: &Appliance) {
    let from = app.notify.len();
    sighup(app);
    app.notify
        .wait_from(from, "RELOADING=1", |l| l == "RELOADING=1")
        .await;
    let reloading = app
        .notify
        .lines()
        .iter()
        .skip(from)
        .position(|l| l == "RELOADING=1")
        .unwrap();
    app.notify
        .wait_from(from + reloading + 1, "READY=1 after the reload", |l| {
            l == "READY=1"
        })
        .await;
}

async fn wait_log(app: &Appliance, text: &str) -> String {
    app.log
        .wait(&format!("a log line with {text:?}"), |l| l.contains(text))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_applies_live_settings_without_dropping_the_session() {
    let mut app = running(bin(), "").await;
    let identifies = app.discord.identify_count();
    let connections = app.discord.connection_count();

    // New texts and a longer shutdown delay apply at once; a new health
    // grace needs a restart.
    app.options.shutdown_delay = "45s";
    app.options.extra = "[messages.text]\nhelp_player = \"🆘 Aide rechargée pour {bot}\"\n".into();
    let text = app
        .config_text()
        .replace("health_grace = \"1s\"", "health_grace = \"3s\"");
    std::fs::write(app.config_path(), text).unwrap();
    reload(&app).await;
    let applied = wait_log(&app, "reload: applied").await;
    assert!(
        applied.contains("messages") && applied.contains("power.shutdown_delay"),
        "{applied}"
    );
    let restart = wait_log(&app, "only take effect after a restart").await;
    assert!(restart.contains("admin"), "{restart}");

    let help = app.slash(ALICE, "help", json!([])).await;
    assert!(
        help.content().unwrap_or("").contains("Aide rechargée"),
        "{:?}",
        help.content()
    );
    app.discord.voice_leave(ALICE).await;
    let notice = app.wait_announce("⏰").await;
    assert!(notice.content.contains("45 s"), "{}", notice.content);

    // The same session all along: no new IDENTIFY, no new connection.
    assert_eq!(app.discord.identify_count(), identifies);
    assert_eq!(app.discord.connection_count(), connections);

    // A broken file changes nothing and says where it is broken.
    let broken = app
        .config_text()
        .replace("shutdown_delay = \"45s\"", "shutdown_delay = \"soon\"");
    std::fs::write(app.config_path(), broken).unwrap();
    reload(&app).await;
    let refused = wait_log(&app, "nothing changed").await;
    assert!(refused.contains("power.shutdown_delay"), "{refused}");
    assert!(
        refused.contains("config.toml:"),
        "the line is named: {refused}"
    );
    assert!(app.bot_alive());
    // Another player: the first one is within /help's 5-second cooldown.
    let help = app.slash(CAROL, "help", json!([])).await;
    assert!(help.content().unwrap_or("").contains("Aide rechargée"));
    assert!(app.stop_bot().await.success());
}
