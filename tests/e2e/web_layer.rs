//! The admin HTTP layer on its own, over real HTTP on 127.0.0.1, with a
//! recording backend in place of the appliance: login, sessions, CSRF,
//! lockout, escaping, limits. (The real binary behind it: web_e2e.rs.)
//!
//! Over 800 lines because it is one scenario list over one harness: each
//! test is short and stands alone, and splitting them by topic would only
//! scatter the harness's helpers.

use crate::support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cubeguardian::messages::Language;
use cubeguardian::system::secret::Secret;
use cubeguardian::web::{
    AdminAction, Backend, BanRow, Done, Failed, Feature, HistoryRow, LogRing, Metrics,
    MinecraftView, SeasonView, SeasonVoteView, Snapshot, WebError, WebServer, WebSettings,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use support::prometheus::parse_exposition;
use tokio::sync::oneshot;

const TOKEN: &str = "correct-horse-battery-staple";

struct TestBackend {
    snapshot: Mutex<Snapshot>,
    actions: Mutex<Vec<AdminAction>>,
}

#[async_trait::async_trait]
impl Backend for TestBackend {
    fn snapshot(&self) -> Snapshot {
        self.snapshot.lock().unwrap().clone()
    }

    async fn act(&self, action: AdminAction) -> Result<Done, Failed> {
        self.actions.lock().unwrap().push(action.clone());
        match action {
            AdminAction::Wake => Ok(Done::WakeRequested),
            AdminAction::RestartMinecraft => Ok(Done::MinecraftRestarted { seconds: 12 }),
            AdminAction::Unban(0) => Err(Failed::NotBanned(0)),
            AdminAction::Shutdown => Err(Failed::Refused {
                state: "éteint".into(),
            }),
            a => Ok(Done::Text(format!("{a}: done"))),
        }
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        version: "9.9.9".into(),
        uptime: Duration::from_secs(3600),
        discord_connected: true,
        discord_down_for: None,
        main_loop_alive: true,
        degraded: None,
        power_state: "operational".into(),
        power_state_label: "Server running".into(),
        power_since: Duration::from_secs(600),
        in_voice: vec!["Alice".into(), "Bob".into()],
        minecraft: Some(MinecraftView {
            players_online: 2,
            players_max: 20,
            version: "1.21.4".into(),
        }),
        front_door_players: None,
        shutdown_in: None,
        history: vec![HistoryRow {
            at_unix_ms: 1_795_345_130_000,
            from: "startup_monitoring".into(),
            to: "operational".into(),
            reconciled: false,
        }],
        bans: vec![BanRow {
            user_id: 123456789,
            user_label: "Spammer".into(),
            until_unix_ms: 1_795_348_730_000,
            reason: "flood".into(),
        }],
        maintenance: false,
        features: vec![Feature {
            key: "digest".into(),
            label: "Daily digest".into(),
            enabled: true,
        }],
        season: None,
    }
}

struct Harness {
    base: String,
    backend: Arc<TestBackend>,
    metrics: Arc<Metrics>,
    logs: Arc<LogRing>,
    client: Client,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<(), WebError>>,
}

impl Harness {
    async fn start(settings: WebSettings) -> Harness {
        let backend = Arc::new(TestBackend {
            snapshot: Mutex::new(snapshot()),
            actions: Mutex::new(Vec::new()),
        });
        let metrics = Arc::new(Metrics::new());
        let logs = Arc::new(LogRing::new());
        let settings = WebSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..settings
        };
        let server = WebServer::bind(settings, backend.clone(), metrics.clone(), logs.clone())
            .await
            .unwrap();
        let base = format!("http://{}", server.local_addr());
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        let client = Client::builder()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Harness {
            base,
            backend,
            metrics,
            logs,
            client,
            stop: Some(tx),
            done,
        }
    }

    async fn with_token() -> Harness {
        Self::start(WebSettings {
            admin_token: Some(Secret::new(TOKEN)),
            // The assertions read the English page.
            language: Language::En,
            ..WebSettings::default()
        })
        .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn set(&self, f: impl FnOnce(&mut Snapshot)) {
        f(&mut self.backend.snapshot.lock().unwrap());
    }

    fn actions(&self) -> Vec<AdminAction> {
        self.backend.actions.lock().unwrap().clone()
    }

    async fn login_attempt(&self, token: &str) -> reqwest::Response {
        self.client
            .post(self.url("/login"))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
    }

    /// Logs in; returns the `Cookie` header value and the page's CSRF token.
    async fn login(&self) -> (String, String) {
        let res = self.login_attempt(TOKEN).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let page = self.page(&cookie).await;
        (cookie, csrf_of(&page))
    }

    async fn page(&self, cookie: &str) -> String {
        let res = self
            .client
            .get(self.url("/"))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    }

    async fn post_form(
        &self,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(30), self.done)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
    }
}

fn csrf_of(page: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = page.find(marker).expect("a csrf field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn health_turns_503_when_discord_is_down_past_grace_or_the_loop_is_dead() {
    let h = Harness::start(WebSettings::default()).await;
    let get = || async {
        let res = h.client.get(h.url("/health")).send().await.unwrap();
        let status = res.status();
        let body: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        (status, body)
    };

    let (status, body) = get().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["discord_connected"], true);
    assert_eq!(body["power_state"], "operational");
    assert_eq!(body["uptime_s"], 3600);
    assert_eq!(body["version"], "9.9.9");
    assert!(body.get("reason").is_none());

    h.set(|s| {
        s.discord_connected = false;
        s.discord_down_for = Some(Duration::from_secs(3));
    });
    assert_eq!(get().await.0, StatusCode::OK, "within the grace period");

    h.set(|s| s.discord_down_for = Some(Duration::from_secs(30)));
    let (status, body) = get().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unhealthy");
    assert!(
        body["reason"].as_str().unwrap().contains("Discord"),
        "{body}"
    );

    h.set(|s| {
        s.discord_connected = true;
        s.discord_down_for = None;
    });
    assert_eq!(get().await.0, StatusCode::OK, "back after reconnecting");

    h.set(|s| s.main_loop_alive = false);
    let (status, body) = get().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["reason"].as_str().unwrap().contains("main loop"),
        "{body}"
    );
    h.stop().await;
}

#[tokio::test]
async fn metrics_parse_and_counters_move() {
    let h = Harness::start(WebSettings::default()).await;
    let scrape = || async {
        let res = h.client.get(h.url("/metrics")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        parse_exposition(&res.text().await.unwrap())
    };
    let before = scrape().await;
    for name in [
        "cubeguardian_startups_requested_total",
        "cubeguardian_startups_succeeded_total",
        "cubeguardian_shutdowns_requested_total",
        "cubeguardian_shutdowns_succeeded_total",
        "cubeguardian_restarts_total{outcome=\"ok\"}",
        "cubeguardian_errors_total",
        "cubeguardian_players_in_voice",
        "cubeguardian_minecraft_players_online",
        "cubeguardian_ratelimit_checks_total",
        "cubeguardian_ratelimit_refusals_total",
        "cubeguardian_ratelimit_bans_total",
        "cubeguardian_ratelimit_tracked_entries",
        "cubeguardian_digest_messages_captured_total",
        "cubeguardian_digests_sent_total",
        "cubeguardian_digest_outbox_size",
        "cubeguardian_process_resident_memory_bytes",
        "cubeguardian_process_uptime_seconds",
    ] {
        assert!(before.contains_key(name), "missing {name} in {before:?}");
    }
    assert_eq!(before["cubeguardian_startups_requested_total"], 0.0);
    assert!(before["cubeguardian_process_resident_memory_bytes"] > 0.0);

    // A player joins: the application would do this.
    h.metrics.set_players_in_voice(1);
    h.metrics.startup_requested();
    h.metrics.set_power_state("startup_requested");
    h.metrics.ratelimit(5, 1, 0, 1);
    let after = scrape().await;
    assert_eq!(after["cubeguardian_startups_requested_total"], 1.0);
    assert_eq!(after["cubeguardian_players_in_voice"], 1.0);
    assert_eq!(
        after["cubeguardian_power_state{state=\"startup_requested\"}"],
        1.0
    );
    assert_eq!(after["cubeguardian_ratelimit_checks_total"], 5.0);
    h.stop().await;
}

#[tokio::test]
async fn the_page_needs_a_login() {
    let h = Harness::with_token().await;
    let res = h.client.get(h.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login");

    let res = h.client.get(h.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let form = res.text().await.unwrap();
    assert!(form.contains(r#"type="password""#), "{form}");
    assert!(form.contains("width=device-width"), "phone viewport");

    // Actions refuse too, and nothing reaches the backend.
    let res = h.client.post(h.url("/action/wake")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(h.actions().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn wrong_tokens_are_refused_then_rate_limited() {
    let h = Harness::with_token().await;
    for _ in 0..5 {
        let res = h.login_attempt("guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.headers().get(SET_COOKIE).is_none());
        assert!(res.text().await.unwrap().contains("Wrong token"));
    }
    // Locked: even the right token is refused for a while, with a clear message.
    let res = h.login_attempt(TOKEN).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Too many wrong tokens"));
    // Bearer guesses are locked out as well.
    let res = h
        .client
        .get(h.url("/"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    h.stop().await;
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is
/// this machine's loopback), to play a second device.
fn client_from(ip: &str) -> Client {
    Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .local_address(Some(ip.parse().unwrap()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn wrong_tokens_lock_out_the_address_that_sent_them_not_the_admin() {
    let h = Harness::with_token().await;
    let guesser = client_from("127.0.0.2");
    let attempt = |client: &Client, token: &str| {
        client
            .post(h.url("/login"))
            .form(&[("token", token)])
            .send()
    };
    for _ in 0..5 {
        let res = attempt(&guesser, "guess").await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The guesser's address is locked, even with the right token...
    let res = attempt(&guesser, TOKEN).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...and the admin at another address still gets in.
    let admin = client_from("127.0.0.1");
    let res = attempt(&admin, TOKEN).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers().contains_key(SET_COOKIE));
    let res = admin
        .get(h.url("/"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    h.stop().await;
}

/// DNS rebinding: a page of another site, its name re-pointed at this
/// machine, reaches the server with its own name in `Host`.
#[tokio::test]
async fn the_admin_page_answers_only_to_its_own_names() {
    let h = Harness::start(WebSettings {
        admin_token: Some(Secret::new(TOKEN)),
        hostnames: vec!["cube.lan".parse().unwrap()],
        ..WebSettings::default()
    })
    .await;
    let port = h.base.rsplit(':').next().unwrap().to_owned();
    let with_host = |method: reqwest::Method, path: &str, host: &str| {
        h.client
            .request(method, h.url(path))
            .header(reqwest::header::HOST, host.to_owned())
    };
    let evil = format!("evil.example:{port}");
    for (method, path) in [
        (reqwest::Method::GET, "/"),
        (reqwest::Method::GET, "/login"),
        (reqwest::Method::POST, "/login"),
        (reqwest::Method::POST, "/action/wake"),
    ] {
        let res = with_host(method, path, &evil)
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .form(&[("token", TOKEN)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
        let body = res.text().await.unwrap();
        assert!(body.contains("evil.example"), "{body}");
        assert!(body.contains("[admin] hostnames"), "{body}");
    }
    assert!(h.actions().is_empty());
    // The names it does answer to: its address, localhost and the
    // configured one, in any case and with any port.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("CUBE.lan:{port}"),
        "cube.lan".to_owned(),
    ] {
        let res = with_host(reqwest::Method::POST, "/action/wake", &host)
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{host}");
    }
    assert_eq!(h.actions().len(), 4);
    // Monitors reach /health and /metrics under any name.
    for path in ["/health", "/metrics"] {
        let res = with_host(reqwest::Method::GET, path, &evil)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    h.stop().await;
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_and_shows_the_state() {
    let h = Harness::with_token().await;
    let res = h.login_attempt(TOKEN).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/");
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("cg_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains(TOKEN));

    let cookie = set_cookie.split(';').next().unwrap();
    let res = h
        .client
        .get(h.url("/"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let page = res.text().await.unwrap();
    for want in [
        "Server running",
        "Alice",
        "Bob",
        "2 / 20 players",
        "Spammer",
        "Daily digest",
        "startup_monitoring → operational",
        "/action/wake",
        "/action/shutdown",
        "/action/restart-minecraft",
        "/action/send-digest",
        "/action/maintenance",
        "/action/feature",
        "/action/unban",
    ] {
        assert!(page.contains(want), "missing {want:?}");
    }
    assert!(!page.contains(TOKEN), "the token never appears on the page");

    // The static files the page uses are served locally.
    for path in ["/static/style.css", "/static/app.js"] {
        let res = h.client.get(h.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    h.stop().await;
}

#[tokio::test]
async fn posts_need_the_csrf_token_and_then_act_with_a_flash() {
    let h = Harness::with_token().await;
    let (cookie, csrf) = h.login().await;

    let res = h.post_form("/action/wake", &cookie, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = h
        .post_form("/action/wake", &cookie, &[("csrf", "0123")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Right token, but sent by another site.
    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "http://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(h.actions().is_empty(), "nothing done without a valid token");

    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, h.base.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/");
    assert_eq!(h.actions(), vec![AdminAction::Wake]);

    let page = h.page(&cookie).await;
    assert!(
        page.contains("Wake requested: magic packets sent."),
        "flash shown"
    );
    let page = h.page(&cookie).await;
    assert!(!page.contains("Wake requested"), "flash shown once");

    // Parameters, and a refusal from the backend flashed as an error.
    h.post_form(
        "/action/feature",
        &cookie,
        &[("csrf", &csrf), ("key", "digest"), ("enabled", "false")],
    )
    .await;
    h.post_form(
        "/action/maintenance",
        &cookie,
        &[("csrf", &csrf), ("enabled", "true")],
    )
    .await;
    let res = h
        .post_form(
            "/action/unban",
            &cookie,
            &[("csrf", &csrf), ("user_id", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        h.actions()[1..],
        [
            AdminAction::SetFeature("digest".into(), false),
            AdminAction::SetMaintenance(true),
            AdminAction::Unban(0),
        ]
    );
    let page = h.page(&cookie).await;
    assert!(page.contains(r#"class="flash bad""#) && page.contains("0 was not banned."));

    // Logout ends the session.
    let res = h.post_form("/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login");
    let res = h
        .client
        .get(h.url("/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    h.stop().await;
}

#[tokio::test]
async fn scripts_use_a_bearer_token_without_csrf() {
    let h = Harness::with_token().await;
    let bearer = format!("Bearer {TOKEN}");
    let res = h
        .client
        .get(h.url("/"))
        .header(AUTHORIZATION, &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Server running"));

    let res = h
        .client
        .post(h.url("/action/restart-minecraft"))
        .header(AUTHORIZATION, &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "Minecraft restarted in 12 s.\n");

    let res = h
        .client
        .post(h.url("/action/unban"))
        .header(AUTHORIZATION, &bearer)
        .form(&[("user_id", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "refusals are not 2xx");

    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(AUTHORIZATION, "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        h.actions(),
        vec![AdminAction::RestartMinecraft, AdminAction::Unban(0)]
    );
    h.stop().await;
}

#[tokio::test]
async fn log_lines_and_names_are_escaped() {
    let h = Harness::with_token().await;
    h.logs
        .push("WARN  cubeguardian::discord: <script>alert('pwned')</script>");
    h.set(|s| s.in_voice = vec!["<img src=x onerror=alert(1)>".into()]);
    let (cookie, _) = h.login().await;
    let page = h.page(&cookie).await;
    // Quotes need no escaping outside attributes, and maud always
    // double-quotes those.
    assert!(page.contains("&lt;script&gt;alert('pwned')&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img src=x"));
    h.stop().await;
}

#[tokio::test]
async fn private_metrics_need_the_token() {
    let h = Harness::start(WebSettings {
        metrics_public: false,
        admin_token: Some(Secret::new(TOKEN)),
        ..WebSettings::default()
    })
    .await;
    let res = h.client.get(h.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("www-authenticate"));

    let res = h
        .client
        .get(h.url("/metrics"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    parse_exposition(&res.text().await.unwrap());

    let (cookie, _) = h.login().await;
    let res = h
        .client
        .get(h.url("/metrics"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // /health stays open.
    let res = h.client.get(h.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    h.stop().await;
}

#[tokio::test]
async fn without_a_token_the_page_says_it_is_disabled() {
    let h = Harness::start(WebSettings {
        language: Language::Fr,
        ..WebSettings::default()
    })
    .await;
    let res = h.client.get(h.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("Page d’administration désactivée") && text.contains("admin_token"),
        "in the configured language: {text}"
    );
    let res = h.login_attempt("").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(AUTHORIZATION, "Bearer x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(h.actions().is_empty());
    h.stop().await;
}

/// One language on the page, the configured one: what an action did is
/// worded by the page in French too, and a script decides on the status.
#[tokio::test]
async fn action_outcomes_speak_the_configured_language() {
    let h = Harness::start(WebSettings {
        admin_token: Some(Secret::new(TOKEN)),
        language: Language::Fr,
        ..WebSettings::default()
    })
    .await;
    let act = |name: &str| {
        h.client
            .post(h.url(&format!("/action/{name}")))
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .send()
    };
    let res = act("wake").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.text().await.unwrap(),
        "Réveil demandé\u{a0}: paquets magiques envoyés.\n"
    );
    let res = act("shutdown").await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.text().await.unwrap(),
        "Arrêt impossible\u{a0}: le serveur est éteint.\n"
    );

    let (cookie, csrf) = h.login().await;
    h.post_form(
        "/action/unban",
        &cookie,
        &[("csrf", &csrf), ("user_id", "0")],
    )
    .await;
    let page = h.page(&cookie).await;
    assert!(page.contains("0 n’était pas exclu."), "{page}");
    h.stop().await;
}

/// The werewolf season's card: absent while the game is off, then its
/// day, counts, mayor and open votes, headed in the page's language.
#[tokio::test]
async fn the_season_card_shows_only_with_the_game_in_each_language() {
    let season = SeasonView {
        phase: "<phase>".into(),
        day: Some(4),
        open_votes: vec![
            SeasonVoteView {
                name: "<pyre>".into(),
                closes_at_unix_ms: Some(1_795_258_730_000),
                voted: 3,
                voters: 7,
            },
            SeasonVoteView {
                name: "<wolves>".into(),
                closes_at_unix_ms: None,
                voted: 1,
                voters: 2,
            },
        ],
        open_actions: 5,
        living: 7,
        dead: 2,
        total: 9,
        mayor: Some("Zoé".into()),
    };
    let cases = [
        (
            Language::Fr,
            [
                "Partie de loup-garou",
                "jour 4",
                "7 vivants · 2 morts · 9 inscrits",
                "Maire\u{a0}: Zoé",
                "3 / 7 ont voté · ferme à <time datetime=\"2026-11-21T10:58:50Z\">",
                "1 / 2 ont voté · <span class=\"muted\">fermé par un MJ",
                "Pouvoirs ouverts\u{a0}: 5",
            ],
        ),
        (
            Language::En,
            [
                "Werewolf season",
                "day 4",
                "7 living · 2 dead · 9 players",
                "Mayor: Zoé",
                "3 / 7 voted · closes at <time datetime=\"2026-11-21T10:58:50Z\">",
                "1 / 2 voted · <span class=\"muted\">closed by an MJ",
                "Open powers: 5",
            ],
        ),
    ];
    for (language, expected) in cases {
        let h = Harness::start(WebSettings {
            admin_token: Some(Secret::new(TOKEN)),
            language,
            ..WebSettings::default()
        })
        .await;
        let (cookie, _) = h.login().await;
        let page = h.page(&cookie).await;
        assert!(
            !page.contains(expected[0]),
            "{language:?}, game off: {page}"
        );
        assert!(!page.contains("<phase>"), "{language:?}: {page}");

        h.set(|s| s.season = Some(season.clone()));
        let page = h.page(&cookie).await;
        for text in expected {
            assert!(
                page.contains(text),
                "{language:?}: `{text}` missing: {page}"
            );
        }
        // The appliance's own words are escaped like everything else.
        assert!(page.contains("&lt;pyre&gt;") && page.contains("&lt;phase&gt;"));

        h.set(|s| {
            s.season = Some(SeasonView {
                open_votes: Vec::new(),
                mayor: None,
                day: None,
                ..season.clone()
            })
        });
        let page = h.page(&cookie).await;
        let (none, no_mayor) = match language {
            Language::Fr => ("Aucun vote ouvert.", "pas encore élu"),
            Language::En => ("No open vote.", "not elected yet"),
        };
        assert!(page.contains(none) && page.contains(no_mayor), "{page}");
        assert!(!page.contains(expected[1]), "no day outside a run: {page}");
        h.stop().await;
    }
}

#[tokio::test]
async fn malformed_requests_get_a_plain_400() {
    let h = Harness::with_token().await;
    let res = h
        .client
        .get(h.url("/"))
        .header(COOKIE, "cg_session=%3Cscript%3E")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));

    let res = h
        .client
        .get(h.url("/"))
        .header(AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let (cookie, csrf) = h.login().await;
    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"csrf\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("expected a form"));

    let res = h
        .post_form(
            "/action/unban",
            &cookie,
            &[("csrf", &csrf), ("user_id", "abc")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = h
        .post_form("/action/feature", &cookie, &[("csrf", &csrf), ("key", "x")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = h
        .post_form("/action/self-destruct", &cookie, &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = h
        .client
        .post(h.url("/action/wake"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![b'a'; 64 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(h.actions().is_empty());
    // Still serving after all that.
    h.page(&cookie).await;
    h.stop().await;
}

#[tokio::test]
async fn a_busy_port_is_reported_with_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = taken.local_addr().unwrap();
    let backend = Arc::new(TestBackend {
        snapshot: Mutex::new(snapshot()),
        actions: Mutex::new(Vec::new()),
    });
    let err = WebServer::bind(
        WebSettings {
            listen: addr,
            ..WebSettings::default()
        },
        backend,
        Arc::new(Metrics::new()),
        Arc::new(LogRing::new()),
    )
    .await
    .err()
    .expect("bind fails");
    let msg = err.to_string();
    assert!(msg.contains(&addr.to_string()), "{msg}");
    assert!(msg.contains("already uses this port"), "{msg}");
}

/// A raw connection to `addr` from the loopback address `ip`.
async fn connect_from(ip: &str, addr: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(ip.parse().unwrap(), 0))
        .unwrap();
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    use cubeguardian::web::{MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start(WebSettings::default()).await;
    let addr = h.base.trim_start_matches("http://").to_owned();
    // Fill every slot with a kept-alive connection that got an answer, so
    // each one is known to be accepted; from several addresses, as one
    // address gets only its share.
    let mut held = Vec::new();
    for n in 0..MAX_CONNECTIONS {
        let from = format!("127.0.1.{}", 1 + n / MAX_CONNECTIONS_PER_CLIENT);
        let mut s = connect_from(&from, &addr).await;
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(s);
    }
    let url = h.url("/health");
    let client = h.client.clone();
    let mut waiting = tokio::spawn(async move { client.get(url).send().await });
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut waiting)
            .await
            .is_err(),
        "served although every slot is taken"
    );
    drop(held.pop());
    let res = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(held);
    h.stop().await;
}

/// Slowloris: many connections that start a request and never finish it.
#[tokio::test]
async fn slow_senders_cannot_hold_the_server_and_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start(WebSettings::default()).await;
    let addr = h.base.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut s = connect_from("127.0.0.2", &addr).await;
        // The server may already have closed the connections beyond the
        // address's share: a failed write is fine.
        let _ = s
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await;
        slow.push(s);
    }
    // Another client is still served while they hang.
    let res = h.client.get(h.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // And the server ends every one of them in time: the first, which it
    // took in, with a clean close once its headers are overdue.
    let mut buf = [0u8; 1024];
    for (n, s) in slow.iter_mut().enumerate() {
        let closed = async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) => return Ok(()),
                    Ok(_) => continue,
                    Err(e) => return Err(e),
                }
            }
        };
        // Only guards against hanging: the header timeout is far shorter.
        let closed = tokio::time::timeout(Duration::from_secs(30), closed)
            .await
            .unwrap_or_else(|_| panic!("slow connection {n} still open"));
        if n == 0 {
            closed.expect("a clean close (EOF)");
        }
    }
    h.stop().await;
}
