//! End to end: `/health`, `/metrics` and the admin page of the real
//! binary, over real HTTP, with the local Discord, Proxmox and Minecraft
//! stand-ins behind it.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use support::appliance::*;
use support::prometheus::parse_exposition;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

fn url(app: &Appliance, path: &str) -> String {
    format!("http://{}{path}", app.admin_addr)
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn post(
    app: &Appliance,
    path: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = client()
        .post(url(app, path))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form(pairs));
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// Logs in with the admin token; returns the `Cookie` value and the page's
/// CSRF token.
async fn login(app: &Appliance) -> (String, String) {
    let res = post(app, "/login", None, &[("token", ADMIN_TOKEN)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = page(app, &cookie).await;
    (cookie, csrf_of(&page))
}

async fn page(app: &Appliance, cookie: &str) -> String {
    let res = client()
        .get(url(app, "/"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

fn csrf_of(page: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = page.find(marker).expect("a csrf field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

async fn health(app: &Appliance) -> (StatusCode, serde_json::Value) {
    let res = client().get(url(app, "/health")).send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

async fn metrics(app: &Appliance) -> BTreeMap<String, f64> {
    let res = client().get(url(app, "/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    parse_exposition(&res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_turns_503_while_discord_is_gone_and_200_after_resume() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["discord_connected"], true);
    assert_eq!(body["power_state"], "idle");

    // The stand-in drops the bot and holds it off: past the 1 s grace,
    // /health says so.
    app.discord.hold_gateway();
    assert!(app.discord.drop_connection().await);
    let mut seen = None;
    for _ in 0..200 {
        let (status, body) = health(&app).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            seen = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = seen.expect("/health never turned 503");
    assert!(
        body["reason"].as_str().unwrap_or("").contains("Discord"),
        "{body}"
    );

    app.discord.release_gateway();
    app.discord.wait_for_resume(1, WAIT).await.unwrap();
    wait_until_async(|| async { health(&app).await.0 == StatusCode::OK }).await;
}

/// Polls an async condition until it holds (or [`WAIT`] passes).
async fn wait_until_async<F, Fut>(done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_when_a_player_joins() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("presence", |l| l.contains("0 authorized in voice"))
        .await;
    let before = metrics(&app).await;
    assert_eq!(before["cubeguardian_startups_requested_total"], 0.0);
    assert_eq!(before["cubeguardian_power_state{state=\"idle\"}"], 1.0);

    app.discord.voice_join(ALICE, VOICE).await;
    app.wol.wait_for_packets(3, WAIT).await;
    app.wait_status("startup monitoring").await;
    let after = metrics(&app).await;
    assert_eq!(after["cubeguardian_startups_requested_total"], 1.0);
    assert_eq!(after["cubeguardian_players_in_voice"], 1.0);
    assert_eq!(after["cubeguardian_power_state{state=\"idle\"}"], 0.0);
    assert_eq!(
        after["cubeguardian_power_state{state=\"startup_monitoring\"}"],
        1.0
    );
    assert!(after["cubeguardian_process_resident_memory_bytes"] > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_page_needs_the_token_and_csrf_and_its_buttons_act() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("presence", |l| l.contains("0 authorized in voice"))
        .await;

    // No token: the page sends to the login form, actions are refused.
    let res = client().get(url(&app, "/")).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()[LOCATION], "/login");
    let res = post(&app, "/action/wake", None, &[]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = post(&app, "/login", None, &[("token", "wrong")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let (cookie, csrf) = login(&app).await;
    let html = page(&app, &cookie).await;
    assert!(html.contains("idle"), "the page shows the state");

    // A POST without the CSRF token does nothing.
    let res = post(&app, "/action/wake", Some(&cookie), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(app.wol.packets().is_empty());

    // The wake button: magic packets, as for /wake on Discord.
    let res = post(&app, "/action/wake", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);
    app.wait_announce("Démarrage du serveur demandé par admin")
        .await;
    let log = app.log.lines().join("\n");
    assert!(log.contains("via admin page"), "{log}");

    // Scripts use the token as a bearer; maintenance stops everything.
    let res = client()
        .post(url(&app, "/action/maintenance"))
        .header(AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("enabled=true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.wait_status("maintenance").await;
}

/// "Shutdown now" where there is nothing to shut down used to be answered
/// from the state the page had read; the machine's own refusal is told now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_now_refused_by_the_machine_says_the_state_that_refused_it() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    let act = |name: &'static str, body: &'static str| {
        client()
            .post(url(&app, &format!("/action/{name}")))
            .header(AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let res = act("shutdown", "").await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.text().await.unwrap().trim_end(),
        "Arrêt impossible\u{a0}: le serveur est éteint."
    );
    let res = act("maintenance", "enabled=true").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = act("shutdown", "").await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.text().await.unwrap().trim_end(),
        "Arrêt impossible\u{a0}: le serveur est en maintenance."
    );
    let res = act("wake", "").await.unwrap();
    assert_eq!(
        res.text().await.unwrap().trim_end(),
        "Réveil impossible\u{a0}: le serveur est en maintenance."
    );
    assert!(app.wol.packets().is_empty());
    let log = app.log.lines().join("\n");
    assert!(
        log.contains("AdminShutdown refused: the server is idle"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_button_reboots_the_container_through_proxmox() {
    let mut app = Appliance::start(
        bin(),
        Options {
            host_up: true,
            in_voice: vec![ALICE],
            ..Options::default()
        },
    )
    .await;
    app.pve
        .set_reboot_outcome(std::time::Duration::from_millis(200), "OK");
    app.spawn_ready().await;
    app.wait_status("operational").await;
    let res = client()
        .post(url(&app, "/action/restart-minecraft"))
        .header(AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    assert_eq!(app.pve.reboot_calls(), vec![105]);
    app.wait_announce("Serveur redémarré avec succès").await;
}

/// A `[digest]` section whose daily time is twelve hours away (no digest
/// is due during the test) and whose mail server is never reached.
fn quiet_digest_section() -> String {
    let later = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .saturating_add(jiff::Span::new().hours(12));
    format!(
        r#"
[digest]
time = "{time}"
timezone = "UTC"
smtp_url = "smtp://127.0.0.1:9"
from = "CubeGuardian <bot@le-cube.test>"
to = ["liste@le-cube.test"]
"#,
        time = later.strftime("%H:%M")
    )
}

/// Runs `cubeguardian digest --list` with `config` and the admin token;
/// returns success, stdout and stderr.
async fn digest_list(config: &Path, env: &[(&str, String)]) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(bin());
    command
        .arg("digest")
        .arg("--list")
        .arg("--config")
        .arg(config)
        .env("CUBEGUARDIAN_ADMIN_TOKEN", ADMIN_TOKEN)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    // Only guards against hanging: the CLI's own timeout is far shorter.
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), command.output())
        .await
        .expect("the CLI ends")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_cli_reaches_the_service_whatever_the_proxy_variables_say() {
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: quiet_digest_section(),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    // A proxy that is not there: a client that used it would fail.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = format!("http://{dead}");
    let env: Vec<(&str, String)> = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .map(|name| (name, proxy.clone()))
        .collect();
    let (ok, list, err) = digest_list(&app.config_path(), &env).await;
    assert!(ok, "{err}");
    // The service's log is read by a background task: its line may land
    // just after the CLI exits.
    app.log
        .wait(&format!("the service was asked ({list})"), |l| {
            l.contains("digest list")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_cli_gives_up_on_a_service_that_never_answers() {
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: quiet_digest_section(),
            ..Options::default()
        },
    )
    .await;
    // The service holds the database, so the CLI must ask it...
    app.spawn_ready().await;
    // ...and this config sends it to a listener that takes connections in
    // and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let config = app.dir().join("silent.toml");
    let text = app.config_text().replace(
        &format!("listen = \"{}\"", app.admin_addr),
        &format!("listen = \"{silent_addr}\""),
    );
    assert!(text.contains(&silent_addr.to_string()));
    std::fs::write(&config, text).unwrap();
    let (ok, _, err) = digest_list(&config, &[]).await;
    assert!(!ok, "{err}");
    assert!(err.contains("did not answer"), "{err}");
    assert!(err.contains(&silent_addr.to_string()), "{err}");
}
