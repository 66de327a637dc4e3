//! The admin HTTP server: `/health` for Uptime Kuma, `/metrics` for
//! Prometheus, and `/`, a small admin page for a phone.
//!
//! # Layout
//! - this file: the interface — [`WebSettings`], the [`Snapshot`] the page
//!   and `/health` show, the [`AdminAction`]s the page can ask for, the
//!   [`Backend`] trait the application implements, [`router`] and
//!   [`WebServer`]/[`serve`];
//! - `health`: judging a snapshot healthy or not;
//! - `auth`: admin token, sessions, CSRF, login rate limit;
//! - `host`: the `Host` names the admin page answers to (DNS rebinding);
//! - `handlers`: the handlers of the page, the login and the actions;
//! - `outcome`: what an action did ([`Done`], [`Failed`]), worded in the
//!   page's language, and the status a script gets;
//! - `page`: the HTML;
//!
//! The registry it serves at `/metrics` is [`crate::metrics`] and the log
//! lines it shows are [`crate::system::logring`]'s: the services fill them
//! without depending on the web server.
//! - `listener`: the TCP listener and the HTTP/1 server loop, with
//!   connection caps (in all and per client) and header and idle timeouts.
//!
//! The server knows nothing of Discord or Proxmox: it reads a fresh
//! [`Snapshot`] per request and hands actions to the [`Backend`], which runs
//! them through the same code path as the Discord commands.

mod auth;
mod handlers;
mod health;
mod host;
mod listener;
mod outcome;
mod page;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use crate::digest::listing::Query as DigestQuery;
use tokio::net::TcpListener;

use crate::messages::Language;
use crate::system::secret::Secret;

pub use crate::metrics::Metrics;
pub use crate::peers::address::{BadHostname, Hostname};
pub use crate::system::logring::{LogEntry, LogRing};
pub use handlers::ACTION_WAIT;
pub use listener::{HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT};
pub use outcome::{Done, Failed};

/// Where the server listens by default (`[admin] listen`'s default).
pub use crate::config::DEFAULT_ADMIN_LISTEN as DEFAULT_LISTEN;

/// How long the Discord gateway may be down before `/health` says so: long
/// enough to ride out a routine gateway reconnect.
pub const DEFAULT_HEALTH_GRACE: Duration = Duration::from_secs(10);

/// Largest request body accepted; the page's forms are a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// The `[admin]` settings, validated.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Address and port to listen on (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Tolerated Discord outage before `/health` answers 503 (default 10 s).
    pub health_grace: Duration,
    /// Whether `/metrics` is open to anyone (default) or needs the admin token.
    pub metrics_public: bool,
    /// The admin token; without it the admin page is disabled (and says so).
    pub admin_token: Option<Secret>,
    /// Names the admin page answers to besides IP literals and `localhost`.
    pub hostnames: Vec<Hostname>,
    /// The language the page speaks (the configured one).
    pub language: Language,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            listen: DEFAULT_LISTEN,
            health_grace: DEFAULT_HEALTH_GRACE,
            metrics_public: true,
            admin_token: None,
            hostnames: Vec::new(),
            language: Language::default(),
        }
    }
}

/// Everything `/health` and the page show, taken fresh for each request.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub version: String,
    pub uptime: Duration,
    pub discord_connected: bool,
    /// How long the gateway has been down; `None` while connected or when
    /// unknown (then counted from process start).
    pub discord_down_for: Option<Duration>,
    /// False when the main loop has missed its heartbeat.
    pub main_loop_alive: bool,
    /// Why the appliance runs degraded (its database unreadable: capture
    /// and digest off); `None` when it runs in full.
    pub degraded: Option<String>,
    /// The state's seed name, e.g. `operational`.
    pub power_state: String,
    /// The state for people, e.g. `Server running`.
    pub power_state_label: String,
    /// How long the power state has been what it is.
    pub power_since: Duration,
    /// Display names of the authorized players in the voice channel.
    pub in_voice: Vec<String>,
    /// `None` when the Minecraft server does not answer.
    pub minecraft: Option<MinecraftView>,
    /// Players in the game through the front door; `None` without one.
    pub front_door_players: Option<u32>,
    /// Time left on the idle-shutdown timer, if one runs.
    pub shutdown_in: Option<Duration>,
    /// Recent transitions, any order (the page shows the newest first).
    pub history: Vec<HistoryRow>,
    /// The rate limiter's current bans.
    pub bans: Vec<BanRow>,
    pub maintenance: bool,
    /// The features the admin can toggle (digest, natural-language commands…).
    pub features: Vec<Feature>,
    /// The werewolf season; `None` when the game is off (no card at all).
    pub season: Option<SeasonView>,
}

/// The werewolf season at a glance, already worded by the appliance (the
/// page knows nothing of the game's engine).
#[derive(Debug, Clone, Default)]
pub struct SeasonView {
    /// "registration open", "running", "over".
    pub phase: String,
    /// The game day, while the season runs.
    pub day: Option<u64>,
    pub open_votes: Vec<SeasonVoteView>,
    /// Role powers open right now.
    pub open_actions: usize,
    pub living: usize,
    pub dead: usize,
    pub total: usize,
    pub mayor: Option<String>,
}

/// One open vote of the season.
#[derive(Debug, Clone, Default)]
pub struct SeasonVoteView {
    /// "Pyre", "Mayor", "Wolves".
    pub name: String,
    /// `None` when an MJ closes it by hand.
    pub closes_at_unix_ms: Option<u64>,
    pub voted: usize,
    pub voters: usize,
}

/// Minecraft's answer to the last status ping.
#[derive(Debug, Clone, Default)]
pub struct MinecraftView {
    pub players_online: u32,
    pub players_max: u32,
    pub version: String,
}

/// One power state transition.
#[derive(Debug, Clone, Default)]
pub struct HistoryRow {
    pub at_unix_ms: u64,
    pub from: String,
    pub to: String,
    /// True when the transition came from probing the real machine rather
    /// than from an action.
    pub reconciled: bool,
}

/// One rate-limit ban.
#[derive(Debug, Clone, Default)]
pub struct BanRow {
    pub user_id: u64,
    pub user_label: String,
    pub until_unix_ms: u64,
    pub reason: String,
}

/// A feature switch shown on the page.
#[derive(Debug, Clone, Default)]
pub struct Feature {
    /// Stable key sent back in [`AdminAction::SetFeature`], e.g. `digest`.
    pub key: String,
    /// Shown to the admin, e.g. `Daily digest`.
    pub label: String,
    pub enabled: bool,
}

/// What the admin page (or a script with the token) can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    Wake,
    Shutdown,
    RestartMinecraft,
    SendDigest,
    SetMaintenance(bool),
    /// Feature key and the wanted state.
    SetFeature(String, bool),
    /// Lift the rate-limit ban of this Discord user id.
    Unban(u64),
    /// Read the digest's outbox or preview the next one (what
    /// `cubeguardian digest` asks the running appliance).
    Digest(DigestQuery),
}

impl fmt::Display for AdminAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_off = |b: &bool| if *b { "on" } else { "off" };
        match self {
            AdminAction::Wake => f.write_str("wake"),
            AdminAction::Shutdown => f.write_str("shutdown"),
            AdminAction::RestartMinecraft => f.write_str("restart Minecraft"),
            AdminAction::SendDigest => f.write_str("send the digest now"),
            AdminAction::SetMaintenance(b) => write!(f, "maintenance {}", on_off(b)),
            AdminAction::SetFeature(key, b) => write!(f, "feature {key} {}", on_off(b)),
            AdminAction::Unban(id) => write!(f, "unban {id}"),
            AdminAction::Digest(DigestQuery::Preview) => f.write_str("digest preview"),
            AdminAction::Digest(DigestQuery::List) => f.write_str("digest list"),
            AdminAction::Digest(DigestQuery::Show(id)) => write!(f, "digest show {id}"),
        }
    }
}

/// The application seen from the web server.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The current state; called once per request, so keep it cheap (copy
    /// from a `watch` channel or a mutex, no I/O).
    fn snapshot(&self) -> Snapshot;

    /// Performs `action` "via admin page", through the same code path as the
    /// Discord command, and says what happened; the page words it. Long
    /// actions (a restart) should return once started; the server stops
    /// waiting after [`ACTION_WAIT`] anyway and lets the action run on.
    async fn act(&self, action: AdminAction) -> Result<Done, Failed>;
}

/// Why the server could not run. Messages name the address and say what
/// to change.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen for the admin page on {addr}: {hint}")]
    Bind {
        addr: SocketAddr,
        hint: &'static str,
        #[source]
        source: std::io::Error,
    },
}

fn bind_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            "another program already uses this port; choose another `[admin] listen`"
        }
        std::io::ErrorKind::PermissionDenied => {
            "not allowed to use this port (ports below 1024 need privileges); choose another `[admin] listen`"
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "this machine has no such address; check `[admin] listen`"
        }
        _ => "check `[admin] listen`",
    }
}

/// What every handler shares.
pub(crate) struct AppState {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) logs: Arc<LogRing>,
    pub(crate) health_grace: Duration,
    pub(crate) metrics_public: bool,
    /// `None` when no admin token is set: the page is disabled.
    pub(crate) gate: Option<auth::Gate>,
    pub(crate) hosts: host::AllowedHosts,
    pub(crate) language: Language,
}

pub(crate) type Shared = Arc<AppState>;

/// The routes, for [`WebServer`] and for tests that serve them their own
/// way (log lines then say "an unknown address" for the client).
pub fn router(
    settings: &WebSettings,
    backend: Arc<dyn Backend>,
    metrics: Arc<Metrics>,
    logs: Arc<LogRing>,
) -> Router {
    let gate = match &settings.admin_token {
        Some(token) => {
            let gate = auth::Gate::new(token);
            if gate.is_none() {
                log::error!(
                    "admin page disabled: the admin token is empty or no random numbers are available"
                );
            }
            gate
        }
        None => None,
    };
    let state = Arc::new(AppState {
        backend,
        metrics,
        logs,
        health_grace: settings.health_grace,
        metrics_public: settings.metrics_public,
        gate,
        hosts: host::AllowedHosts::new(settings.listen, &settings.hostnames),
        language: settings.language,
    });
    Router::new()
        .route("/health", get(health_handler))
        .route("/metrics", get(metrics_handler))
        .route("/", get(handlers::index))
        .route("/login", get(handlers::login_form).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route("/action/{name}", post(handlers::action))
        .route("/static/style.css", get(style))
        .route("/static/app.js", get(script))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            host::guard,
        ))
        .with_state(state)
}

/// A bound, not yet running, admin server; binding first lets the caller
/// report a busy port at start-up and learn the port when it asked for 0.
pub struct WebServer {
    listener: TcpListener,
    addr: SocketAddr,
    app: Router,
}

impl WebServer {
    /// Binds `settings.listen` and builds the routes.
    pub async fn bind(
        settings: WebSettings,
        backend: Arc<dyn Backend>,
        metrics: Arc<Metrics>,
        logs: Arc<LogRing>,
    ) -> Result<WebServer, WebError> {
        let wanted = settings.listen;
        let bind_error = |source: std::io::Error| WebError::Bind {
            addr: wanted,
            hint: bind_hint(&source),
            source,
        };
        let listener = TcpListener::bind(wanted).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        if settings.admin_token.is_none() {
            log::warn!(
                "admin page disabled: set the `admin_token` credential (or CUBEGUARDIAN_ADMIN_TOKEN) to enable it"
            );
            if !settings.metrics_public {
                log::warn!(
                    "/metrics is private (`metrics_public = false`) but no admin token is set: nobody can read it"
                );
            }
        }
        let app = router(&settings, backend, metrics, logs);
        Ok(WebServer {
            listener,
            addr,
            app,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then lets open requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        let addr = self.addr;
        log::info!("admin http server listening on http://{addr}");
        listener::serve(
            listener::CappedListener::new(self.listener),
            self.app,
            shutdown,
        )
        .await;
        log::info!("admin http server on {addr} stopped");
        Ok(())
    }
}

/// Binds and serves until `shutdown` completes.
pub async fn serve(
    settings: WebSettings,
    backend: Arc<dyn Backend>,
    metrics: Arc<Metrics>,
    logs: Arc<LogRing>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    WebServer::bind(settings, backend, metrics, logs)
        .await?
        .run(shutdown)
        .await
}

/// Headers every answer of ours carries: nothing is cached (state changes),
/// no type sniffing.
fn base_headers(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// An HTML answer, locked down: no framing (clickjacking), scripts and
/// styles only from this server, forms only to this server.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    base_headers(&mut res);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        // Not `no-referrer`: under it browsers send `Origin: null` with the
        // page's own form posts, which the same-origin check must refuse.
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// A plain-text answer (errors, script replies).
pub(crate) fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    let mut text = text.into();
    text.push('\n');
    let mut res = (status, text).into_response();
    base_headers(&mut res);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

async fn health_handler(State(app): State<Shared>) -> Response {
    let snapshot = app.backend.snapshot();
    let verdict = health::assess(&snapshot, app.health_grace);
    let status = if verdict.reason.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::to_string(&verdict)
        .unwrap_or_else(|_| r#"{"status":"unhealthy","reason":"cannot encode"}"#.to_owned());
    let mut res = (status, body).into_response();
    base_headers(&mut res);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn metrics_handler(
    State(app): State<Shared>,
    peer: handlers::Peer,
    headers: axum::http::HeaderMap,
) -> Response {
    if !app.metrics_public {
        if let Err(refusal) = handlers::require_admin(&app, &headers, &peer) {
            return refusal.into_response();
        }
    }
    let mut res = (StatusCode::OK, app.metrics.render()).into_response();
    base_headers(&mut res);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    res
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", page::STYLE_CSS)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", page::APP_JS)
}

async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found")
}
