//! End to end: the real `cubeguardian` binary against the local Discord,
//! Proxmox and Minecraft stand-ins, a Wake-on-LAN listener and a real sshd,
//! all on 127.0.0.1. What the bot tells systemd (`READY=1`, `STATUS=`) is
//! read from a `NOTIFY_SOCKET` the test owns.

use crate::support;

use std::path::Path;

use support::appliance::*;
use support::sshd::Sshd;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

async fn world(options: Options) -> Appliance {
    Appliance::start(bin(), options).await
}

fn cancel_id() -> &'static str {
    cubeguardian::discord::CANCEL_SHUTDOWN_ID
}

/// No log line may contain a secret.
fn assert_no_secret_in_log(app: &Appliance) {
    let secret = app.pve.config().token_secret.clone();
    for line in app.log.lines() {
        assert!(
            !line.contains(DISCORD_TOKEN),
            "discord token logged: {line}"
        );
        assert!(!line.contains(&secret), "proxmox secret logged: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_join_wakes_the_host_and_it_sleeps_after_everyone_left() {
    let mut app = world(Options::default()).await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    // Ready means the gateway session is up; the guild's state follows.
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;

    app.discord.voice_join(ALICE, VOICE).await;
    let packets = app.wol.wait_for_packets(3, WAIT).await;
    assert_eq!(packets.len(), 3, "three magic packets");
    assert!(packets
        .iter()
        .all(|mac| *mac == [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]));
    let started = app
        .wait_announce("Démarrage du serveur demandé par alice")
        .await;
    assert!(started.buttons().is_empty());
    app.wait_status("startup monitoring").await;

    // The host boots; the bot notices by itself.
    app.power_on().await;
    app.wait_announce("Le serveur Minecraft est prêt").await;
    app.wait_status("operational").await;
    assert_eq!(app.pve.shutdown_calls(), 0);

    // Everyone leaves: timer, announced with a Cancel button, then shutdown.
    app.pve
        .set_shutdown_powers_off(Some(std::time::Duration::from_millis(200)));
    app.discord.voice_leave(ALICE).await;
    let timer = app.wait_announce("le serveur s'éteindra dans 2 s").await;
    assert_eq!(timer.custom_ids(), vec![cancel_id().to_owned()]);
    app.wait_announce("Arrêt du serveur en cours").await;
    // The request and the announcement leave concurrently.
    wait_until("the shutdown request", || app.pve.shutdown_calls() == 1).await;
    // The stand-in's host goes off; Minecraft with it.
    app.minecraft.set_online(false).await.unwrap();
    app.wait_announce("Le serveur est éteint").await;
    let from = app.notify.len();
    app.wait_status_from(from.saturating_sub(1), "idle").await;
    assert_eq!(app.wol.packets().len(), 3, "no wake during shutdown");

    let status = app.stop_bot().await;
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    app.notify.wait("STOPPING=1", |l| l == "STOPPING=1").await;
    assert!(
        app.discord.unknown_requests().is_empty(),
        "{:?}",
        app.discord.unknown_requests()
    );
    assert_no_secret_in_log(&app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_member_joining_wakes_nothing() {
    let mut app = world(Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;

    // Bob is not authorized; Carol is, through her role. Events are handled
    // in order, so once Carol's wake is seen, Bob's join was handled too.
    app.discord.voice_join(BOB, VOICE).await;
    app.discord.voice_join(CAROL, VOICE).await;
    let announce = app.wait_announce("Démarrage du serveur demandé par").await;
    assert!(announce.content.contains("carol"), "{}", announce.content);
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);
    let announcements: Vec<_> = app
        .discord
        .messages()
        .into_iter()
        .filter(|m| m.content.contains("Démarrage"))
        .collect();
    assert_eq!(announcements.len(), 1, "one wake, for carol only");
    assert!(!announcements[0].content.contains("bob"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn player_coming_back_cancels_the_shutdown() {
    let mut app = world(Options {
        host_up: true,
        in_voice: vec![ALICE],
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.wait_status("operational").await;
    app.notify
        .wait("alice in voice", |l| l.contains("1 authorized in voice"))
        .await;

    app.discord.voice_leave(ALICE).await;
    app.wait_announce("le serveur s'éteindra").await;
    app.discord.voice_join(ALICE, VOICE).await;
    app.wait_announce("alice est de retour : arrêt annulé")
        .await;
    // Wait past the cancelled deadline (2 s) by the appliance's own clock.
    let from = app.notify.len();
    past_the_deadline(&app).await;
    assert_eq!(app.pve.shutdown_calls(), 0, "the cancelled timer fired");
    assert!(app
        .notify
        .lines()
        .iter()
        .skip(from)
        .filter(|l| l.starts_with("STATUS="))
        .all(|l| l.contains("operational")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_button_keeps_the_server_on_and_refuses_strangers() {
    let mut app = world(Options {
        host_up: true,
        shutdown_delay: "3s",
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    // Nobody in voice and the server running: the timer starts by itself.
    let timer = app.wait_announce("le serveur s'éteindra").await;

    let refused = app
        .discord
        .press_button(BOB, ANNOUNCE, timer.id, cancel_id())
        .await;
    let answer = app
        .discord
        .wait_for_interaction_response(|r| refused.matches(r), WAIT)
        .await
        .unwrap();
    assert!(answer.is_ephemeral());
    assert!(
        answer
            .content()
            .unwrap_or("")
            .contains("Permission refusée"),
        "{answer:?}"
    );

    let pressed = app
        .discord
        .press_button(CAROL, ANNOUNCE, timer.id, cancel_id())
        .await;
    let answer = app
        .discord
        .wait_for_interaction_response(|r| pressed.matches(r), WAIT)
        .await
        .unwrap();
    assert!(answer.is_ephemeral());
    assert_eq!(answer.content(), Some("✅ Arrêt annulé."));
    app.wait_announce("Arrêt annulé par carol").await;

    past_the_deadline(&app).await;
    assert_eq!(app.pve.shutdown_calls(), 0, "shutdown despite Cancel");

    // A second press has nothing left to cancel, and says so.
    let again = app
        .discord
        .press_button(CAROL, ANNOUNCE, timer.id, cancel_id())
        .await;
    let answer = app
        .discord
        .wait_for_interaction_response(|r| again.matches(r), WAIT)
        .await
        .unwrap();
    assert_eq!(answer.content(), Some("Aucun arrêt n'est prévu."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_still_in_the_game_postpone_the_shutdown() {
    let mut app = world(Options {
        host_up: true,
        ..Options::default()
    })
    .await;
    app.minecraft.set_players(2, 20);
    app.spawn_ready().await;
    app.wait_announce("le serveur s'éteindra").await;
    app.wait_announce("Encore 2 joueur(s) connecté(s) à Minecraft")
        .await;
    assert_eq!(app.pve.shutdown_calls(), 0);

    // They log off: the next deadline powers the host off.
    app.minecraft.set_players(0, 20);
    wait_until("the shutdown request", || app.pve.shutdown_calls() == 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_proxmox_token_is_an_error_with_an_admin_alert() {
    let mut app = world(Options {
        host_up: true,
        proxmox_secret: Some("wrong-secret".into()),
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.wait_status("error: the Proxmox API refused the token")
        .await;
    let dm = app
        .discord
        .wait_for_message(|m| m.dm_user == Some(ADMIN), WAIT)
        .await
        .expect("admin alert by DM");
    assert!(dm.content.contains("refused the token"), "{}", dm.content);
    assert!(!dm.content.contains("wrong-secret"));
    assert!(app.bot_alive(), "the bot crashed");
    assert_no_secret_in_log(&app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_that_never_boots_times_out_into_error() {
    let mut app = world(Options {
        startup_timeout: "2s",
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;
    app.discord.voice_join(ALICE, VOICE).await;
    app.wait_status("startup monitoring").await;
    app.wait_status("error: startup timed out").await;
    let dm = app
        .discord
        .wait_for_message(|m| m.dm_user == Some(ADMIN), WAIT)
        .await
        .expect("admin alert by DM");
    assert!(
        dm.content.contains("the host never answered"),
        "{}",
        dm.content
    );
    app.wait_announce("un administrateur a été notifié").await;
    assert!(app.bot_alive());

    // The host shows up later after all: the bot recovers by itself.
    app.power_on().await;
    app.wait_status("operational").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_bot_knows_the_server_is_up() {
    let mut app = world(Options {
        host_up: true,
        in_voice: vec![ALICE],
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.wait_status("operational").await;
    assert!(app.stop_bot().await.success());

    // Started again while the server runs, and with the record gone too:
    // it believes what it sees, and never sends a magic packet.
    std::fs::remove_dir_all(app.dir().join("state")).unwrap();
    let from = app.notify.len();
    app.spawn_ready().await;
    app.wait_status_from(from, "operational").await;
    assert!(app.wol.packets().is_empty(), "woke a running server");
    let log = app.log.lines().join("\n");
    assert!(
        log.contains("reconciled with the real machine: idle -> operational"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_crash() {
    let mut app = world(Options {
        startup_timeout: "10m",
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;
    app.discord.voice_join(ALICE, VOICE).await;
    app.wait_status("startup monitoring").await;
    // The state is written off the power loop, just after it is shown.
    wait_until("the state on disk", || {
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("power: state startup_monitoring saved"))
    })
    .await;
    app.kill_bot().await;

    let from = app.notify.len();
    app.spawn_ready().await;
    // Still monitoring the startup it had begun (the host is still off).
    app.wait_status_from(from, "startup monitoring").await;
    let log = app.log.lines().join("\n");
    assert!(log.contains("remembered state startup_monitoring"), "{log}");
    app.power_on().await;
    app.wait_status_from(from, "operational").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_resumes_after_a_dropped_gateway_and_keeps_working() {
    let mut app = world(Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("the voice presence", |l| {
            l.contains("0 authorized in voice")
        })
        .await;

    // A network cut, with a join happening while the bot is away: the
    // session resumes and the missed event is replayed.
    app.discord.hold_gateway();
    assert!(app.discord.drop_connection().await);
    app.discord.voice_join(ALICE, VOICE).await;
    app.discord.release_gateway();
    app.discord.wait_for_resume(1, WAIT).await.unwrap();
    assert_eq!(app.discord.identify_count(), 1);
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);

    // A session Discord refuses to resume: the bot identifies again and
    // rebuilds presence from the fresh guild state (alice left meanwhile).
    app.discord.hold_gateway();
    assert!(app.discord.invalidate_session().await);
    app.discord.voice_leave(ALICE).await;
    app.discord.release_gateway();
    app.discord.wait_for_identify(2, WAIT).await.unwrap();
    app.notify
        .wait("presence rebuilt", |l| l.contains("0 authorized in voice"))
        .await;
    assert!(app.bot_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_shutdown_runs_the_command_on_the_pinned_host() {
    let ssh_dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(ssh_dir.path()).expect("start sshd (apt-get install openssh-server)");
    let marker = ssh_dir.path().join("powered-off");
    let extra = format!(
        "\n[ssh]\naddress = \"{}\"\nuser = \"{}\"\nkey_file = \"{}\"\nhost_key = \"{}\"\ncommand = \"touch {}\"\ntimeout = \"10s\"\n",
        sshd.address(),
        sshd.user(),
        sshd.client_key().display(),
        sshd.host_key_line(),
        marker.display()
    );
    let mut app = world(Options {
        host_up: true,
        shutdown_method: "ssh",
        extra,
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.wait_announce("Arrêt du serveur en cours").await;
    wait_until("the SSH command", || marker.exists()).await;
    assert_eq!(app.pve.shutdown_calls(), 0, "used Proxmox instead of SSH");
    app.power_off().await;
    app.wait_announce("Le serveur est éteint").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchdog_is_fed_while_the_power_loop_runs() {
    let mut app = world(Options {
        watchdog_usec: Some(400_000),
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    let from = app.notify.len();
    app.notify
        .wait_from(from, "WATCHDOG=1", |l| l == "WATCHDOG=1")
        .await;
    let from = app.notify.len();
    app.notify
        .wait_from(from, "another WATCHDOG=1", |l| l == "WATCHDOG=1")
        .await;
}

#[test]
fn version_is_printed() {
    let out = std::process::Command::new(bin())
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        format!("cubeguardian {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn broken_config_exits_78_naming_the_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[discord]\nguild_id = 1\nannounce_channel = \"x\"\nadmin_user_id = 2\n\n[wake_on_lan]\nmac = \"zz:zz\"\n",
    )
    .unwrap();
    for command in ["check-config", "run"] {
        let out = std::process::Command::new(bin())
            .args([command, "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(78), "{command}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("config.toml:7") && stderr.contains("wake_on_lan.mac"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn example_config_passes_check_config() {
    let out = std::process::Command::new(bin())
        .args(["check-config", "--config", "config.example.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(stdout.contains("proxmox_token_secret"), "{stdout}");
    assert!(stdout.contains("game: off"), "{stdout}");
}

/// A game master's typo in the catalogue stops `check-config` like any
/// config mistake, naming the catalogue's file and line; fixed, the
/// catalogue is counted.
#[test]
fn a_broken_game_catalogue_fails_check_config_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("roles.toml");
    let config = dir.path().join("config.toml");
    let example = std::fs::read_to_string("config.example.toml").unwrap();
    std::fs::write(
        &config,
        format!(
            "{example}\n[game]\nenabled = true\ncatalogue = {:?}\n",
            catalogue.display().to_string()
        ),
    )
    .unwrap();
    let check = || {
        std::process::Command::new(bin())
            .args(["check-config", "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    let good = "[[camp]]\nslug = \"village\"\nname = \"Village\"\n\n[[role]]\n\
                slug = \"voyante\"\nname = \"Voyante\"\ncamp = \"village\"\n\
                actions = [\"voyance\"]\n\n[[action]]\nslug = \"voyance\"\n\
                trigger_debut = \"perma\"\ntrigger_fin = \"perma\"\n";
    std::fs::write(
        &catalogue,
        good.replace("trigger_fin = \"perma\"", "trigger_fin = \"never\""),
    )
    .unwrap();
    let out = check();
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("roles.toml:14") && stderr.contains("unknown trigger `never`"),
        "{stderr}"
    );

    std::fs::write(&catalogue, good).unwrap();
    let out = check();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("game catalogue: valid, 1 camps, 1 roles, 1 actions"),
        "{stdout}"
    );
}

#[test]
fn missing_secret_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin())
        .args(["run", "--config", "config.example.toml"])
        .env_remove("CUBEGUARDIAN_DISCORD_TOKEN")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("STATE_DIRECTORY", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CUBEGUARDIAN_DISCORD_TOKEN"), "{stderr}");
}

/// Discord unreachable (a Pi booting without network, an outage): the
/// service is still ready, says why in STATUS=, and stops at once on
/// SIGTERM instead of waiting for systemd's stop timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_discord_it_is_ready_says_so_and_stops_on_sigterm() {
    let mut app = Appliance::start(
        bin(),
        Options {
            discord_reachable: false,
            ..Options::default()
        },
    )
    .await;
    app.spawn_bot();
    app.notify
        .wait("READY=1 without Discord", |l| l == "READY=1")
        .await;
    app.wait_status("Discord").await;
    let status = app
        .notify
        .lines()
        .into_iter()
        .rev()
        .find(|l| l.starts_with("STATUS="))
        .unwrap();
    assert!(!status.contains("Discord connected"), "{status}");
    // serenity keeps trying to reach the gateway; the stop must not wait
    // for it (the harness gives up after 30 s, systemd after 90 s).
    let status = app.stop_bot().await;
    assert!(status.success(), "{status}");
}

/// A call Discord never answers fails after the client's deadline and is
/// retried; meanwhile the announcements after it go out, and SIGTERM stops
/// the bot while a call still hangs (issue 11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_discord_call_blocks_neither_announcements_nor_the_stop() {
    let mut app = world(Options {
        host_up: true,
        in_voice: vec![ALICE],
        shutdown_delay: "10m",
        ..Options::default()
    })
    .await;
    app.spawn_ready().await;
    app.wait_status("operational").await;
    app.notify
        .wait("alice in voice", |l| l.contains("1 authorized in voice"))
        .await;
    let post = format!("/api/v10/channels/{ANNOUNCE}/messages");
    let held = |app: &Appliance| {
        app.discord
            .requests()
            .iter()
            .filter(|r| r.status == 0)
            .count()
    };

    app.discord.hold_next("POST", &post);
    app.discord.voice_leave(ALICE).await;
    wait_until("the timer's announcement held", || held(&app) == 1).await;
    app.discord.voice_join(ALICE, VOICE).await;
    app.wait_announce("alice est de retour : arrêt annulé")
        .await;

    // The held call times out and is sent again (the guard only bounds
    // the wait: the client's deadline is 15 s, then a 2 s pause).
    app.discord
        .wait_for_message(
            |m| m.channel_id == ANNOUNCE && m.content.contains("s'éteindra"),
            std::time::Duration::from_secs(90),
        )
        .await
        .expect("the stalled announcement, sent again after the deadline");

    app.discord.hold_next("POST", &post);
    app.discord.voice_leave(ALICE).await;
    wait_until("another announcement held", || held(&app) == 2).await;
    let status = app.stop_bot().await;
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

/// Returns once the appliance has probed Minecraft 5 more times. A running
/// server is probed once every `probe_interval` (1 s here) with one status
/// ping, so that is over 4 s of the appliance's own time: past a 2–3 s
/// shutdown deadline. Counting its probes rather than sleeping keeps
/// "nothing happened" true on a slow or loaded machine, where a fixed sleep
/// could end before the appliance even reached the deadline.
async fn past_the_deadline(app: &Appliance) {
    let from = app.minecraft.pings();
    wait_until("5 more Minecraft probes", || {
        app.minecraft.pings() >= from + 5
    })
    .await;
}
