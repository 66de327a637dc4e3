//! The admin page's handlers: `/`, `/login`, `/logout` and `/action/{name}`.
//!
//! A browser logs in with the token and then carries a session cookie; its
//! POSTs must come from our own page (`Origin`/`Sec-Fetch-Site`) and carry
//! the session's CSRF token, and are answered with a `303` back to `/` and a
//! one-shot flash message. A script sends `Authorization: Bearer <token>`
//! instead and gets a plain-text answer in the page's language, with a
//! status to decide on: `200` done, `404` no such thing (a digest), `409`
//! refused in the current state, `5xx` failed (see [`super::Failed`]).

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::{self, Login, Malformed, Presented};
use super::listener::PeerAddr;
use super::{html, outcome, page, plain, AdminAction, AppState, DigestQuery, Done, Failed, Shared};
use crate::messages::page::PageLabel;
use crate::messages::Language;

/// How long a request waits for an action before answering "still running";
/// the action itself goes on in the background either way.
pub const ACTION_WAIT: Duration = Duration::from_secs(20);

/// Longest feature key accepted from a form.
const MAX_FEATURE_KEY: usize = 64;

/// The client's address, when the server was started with connect info:
/// for log lines and to count wrong tokens per client.
pub(crate) struct Peer(Option<SocketAddr>);

impl Peer {
    /// The client's IP, an IPv4 client seen on an IPv6 socket as IPv4.
    fn ip(&self) -> Option<IpAddr> {
        self.0.map(|addr| addr.ip().to_canonical())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|c| c.0 .0),
        ))
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(addr) => write!(f, "{addr}"),
            None => f.write_str("an unknown address"),
        }
    }
}

/// Who is calling, once authenticated.
enum Caller {
    /// A logged-in browser: its session id and CSRF token.
    Browser { id: String, csrf: String },
    /// A script with the token in `Authorization: Bearer`.
    Script,
}

/// A request turned away before reaching the backend.
pub(crate) enum Refusal {
    /// No admin token is configured; said in the page's language.
    Disabled(Language),
    /// Unreadable credentials (400).
    Malformed(Malformed),
    /// Logins locked after wrong tokens (429); `page` answers with the
    /// login form rather than plain text.
    Locked {
        left: Duration,
        page: bool,
        language: Language,
    },
    /// Missing or wrong credentials (401).
    Unauthorized(&'static str),
    /// Cross-site request, missing CSRF token, or private metrics (403).
    Forbidden(&'static str),
    /// A form we cannot use (400).
    BadRequest(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Disabled(language) => disabled(language),
            Refusal::Malformed(m) => malformed(m),
            Refusal::Locked {
                left,
                page,
                language,
            } => locked(left, page, language),
            Refusal::Unauthorized(text) => unauthorized(text),
            Refusal::Forbidden(text) => plain(StatusCode::FORBIDDEN, text),
            Refusal::BadRequest(text) => plain(StatusCode::BAD_REQUEST, text),
        }
    }
}

fn redirect(to: &'static str) -> Response {
    let mut res = plain(StatusCode::SEE_OTHER, format!("see {to}"));
    res.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    res
}

fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// 503: the page exists but cannot serve until it is configured (and a
/// 404 is kept for what does not exist, such as a digest the CLI asks for).
fn disabled(language: Language) -> Response {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        page::message_page(
            language,
            PageLabel::DisabledTitle.get(language),
            PageLabel::DisabledBody.get(language),
            None,
        ),
    )
}

fn malformed(m: Malformed) -> Response {
    let res = plain(StatusCode::BAD_REQUEST, m.to_string());
    if m == Malformed::SessionCookie {
        with_cookie(res, &auth::clear_cookie())
    } else {
        res
    }
}

fn locked(left: Duration, page_for_browser: bool, language: Language) -> Response {
    let secs = left.as_secs().max(1);
    let text = PageLabel::LoginsLocked.fill(language, &[("seconds", &secs.to_string())]);
    let mut res = if page_for_browser {
        html(
            StatusCode::TOO_MANY_REQUESTS,
            page::login_page(language, Some(&text)),
        )
    } else {
        plain(StatusCode::TOO_MANY_REQUESTS, text)
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

fn unauthorized(text: &str) -> Response {
    let mut res = plain(StatusCode::UNAUTHORIZED, text);
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"cubeguardian\""),
    );
    res
}

/// Checks a `Bearer` token, refusing with 401/429 when it does not open.
fn check_bearer(
    gate: &auth::Gate,
    token: &str,
    peer: &Peer,
    language: Language,
) -> Result<(), Refusal> {
    match gate.check_token(token, peer.ip(), Instant::now()) {
        Ok(()) => Ok(()),
        Err(Login::Locked(left)) => Err(Refusal::Locked {
            left,
            page: false,
            language,
        }),
        Err(_) => {
            log::warn!("admin page: wrong bearer token from {peer}");
            Err(Refusal::Unauthorized("wrong admin token"))
        }
    }
}

/// Who is calling: `Ok(None)` for nobody; `Err` when the request is
/// refused outright (disabled page, malformed credentials, wrong bearer token).
fn identify(app: &AppState, headers: &HeaderMap, peer: &Peer) -> Result<Option<Caller>, Refusal> {
    let Some(gate) = &app.gate else {
        return Err(Refusal::Disabled(app.language));
    };
    match auth::presented(headers).map_err(Refusal::Malformed)? {
        Presented::Bearer(token) => {
            check_bearer(gate, token, peer, app.language)?;
            Ok(Some(Caller::Script))
        }
        Presented::Cookie(id) => Ok(gate.session(id, Instant::now()).map(|s| Caller::Browser {
            id: id.to_owned(),
            csrf: s.csrf,
        })),
        Presented::Nothing => Ok(None),
    }
}

/// For `/metrics` when it is private: the admin (cookie or bearer) or 401.
pub(crate) fn require_admin(
    app: &AppState,
    headers: &HeaderMap,
    peer: &Peer,
) -> Result<(), Refusal> {
    if app.gate.is_none() {
        return Err(Refusal::Forbidden(
            "metrics are private (`metrics_public = false`) and no admin token is set",
        ));
    }
    match identify(app, headers, peer)? {
        Some(_) => Ok(()),
        None => Err(Refusal::Unauthorized(
            "metrics are private: send `Authorization: Bearer <admin token>`",
        )),
    }
}

/// `GET /`: the page, or a redirect to the login form.
pub(crate) async fn index(State(app): State<Shared>, peer: Peer, headers: HeaderMap) -> Response {
    let caller = match identify(&app, &headers, &peer) {
        Ok(c) => c,
        Err(refusal) => return refusal.into_response(),
    };
    let (csrf, flash) = match caller {
        Some(Caller::Browser { id, csrf }) => {
            let flash = app
                .gate
                .as_ref()
                .and_then(|g| g.take_flash(&id, Instant::now()));
            (csrf, flash)
        }
        Some(Caller::Script) => (String::new(), None),
        None => {
            // An expired or unknown session: drop the stale cookie too.
            let res = redirect("/login");
            return if matches!(auth::presented(&headers), Ok(Presented::Cookie(_))) {
                with_cookie(res, &auth::clear_cookie())
            } else {
                res
            };
        }
    };
    let snapshot = app.backend.snapshot();
    let logs = app.logs.entries();
    html(
        StatusCode::OK,
        page::admin_page(app.language, &snapshot, &logs, &csrf, flash.as_ref()),
    )
}

/// `GET /login`: the form (or straight to `/` when already logged in).
pub(crate) async fn login_form(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let Some(gate) = &app.gate else {
        return disabled(app.language);
    };
    if let Ok(Presented::Cookie(id)) = auth::presented(&headers) {
        if gate.session(id, Instant::now()).is_some() {
            return redirect("/");
        }
    }
    html(StatusCode::OK, page::login_page(app.language, None))
}

/// The fields our forms send; unknown fields are ignored.
#[derive(Debug, Default)]
struct Fields {
    token: Option<String>,
    csrf: Option<String>,
    enabled: Option<String>,
    key: Option<String>,
    user_id: Option<String>,
    id: Option<String>,
}

/// Reads an `application/x-www-form-urlencoded` body (an empty body with no
/// type is fine: `curl -X POST` from a script).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<Fields, Refusal> {
    let bad = |text: &str| Refusal::BadRequest(text.to_owned());
    let mut fields = Fields::default();
    if body.is_empty() {
        return Ok(fields);
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(bad(
            "malformed request: expected a form (application/x-www-form-urlencoded)",
        ));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(bad("malformed form: it is not UTF-8 text"));
    }
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "token" => &mut fields.token,
            "csrf" => &mut fields.csrf,
            "enabled" => &mut fields.enabled,
            "key" => &mut fields.key,
            "user_id" => &mut fields.user_id,
            "id" => &mut fields.id,
            _ => continue,
        };
        if slot.is_some() {
            return Err(bad(&format!("malformed form: field `{name}` given twice")));
        }
        *slot = Some(value.into_owned());
    }
    Ok(fields)
}

/// `POST /login`: the token from the form; a session cookie when right.
pub(crate) async fn login(
    State(app): State<Shared>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(gate) = &app.gate else {
        return disabled(app.language);
    };
    if let Err(why) = auth::same_origin(&headers) {
        return plain(StatusCode::FORBIDDEN, why);
    }
    let fields = match parse_form(&headers, &body) {
        Ok(f) => f,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(token) = fields.token else {
        return plain(
            StatusCode::BAD_REQUEST,
            "malformed form: missing field `token`",
        );
    };
    match gate.login(&token, peer.ip(), Instant::now()) {
        Ok(Login::Ok(id)) => {
            log::info!("admin page: login from {peer}");
            with_cookie(redirect("/"), &auth::session_cookie(&id))
        }
        Ok(Login::Wrong) => {
            log::warn!("admin page: wrong token from {peer}");
            html(
                StatusCode::UNAUTHORIZED,
                page::login_page(app.language, Some(PageLabel::WrongToken.get(app.language))),
            )
        }
        Ok(Login::Locked(left)) => locked(left, true, app.language),
        Err(e) => {
            log::error!("admin page: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

/// Checks that a browser POST comes from our page with the right CSRF token.
fn check_csrf(
    app: &AppState,
    headers: &HeaderMap,
    expected: &str,
    fields: &Fields,
) -> Result<(), Refusal> {
    auth::same_origin(headers).map_err(Refusal::Forbidden)?;
    let ok = match (&app.gate, &fields.csrf) {
        (Some(gate), Some(sent)) => gate.same(sent, expected),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "missing or wrong CSRF token: reload the admin page and try again",
        ))
    }
}

/// `POST /logout`: ends the session.
pub(crate) async fn logout(
    State(app): State<Shared>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match identify(&app, &headers, &peer) {
        Ok(c) => c,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(Caller::Browser { id, csrf }) = caller else {
        return with_cookie(redirect("/login"), &auth::clear_cookie());
    };
    let fields = match parse_form(&headers, &body) {
        Ok(f) => f,
        Err(refusal) => return refusal.into_response(),
    };
    if let Err(refusal) = check_csrf(&app, &headers, &csrf, &fields) {
        return refusal.into_response();
    }
    if let Some(gate) = &app.gate {
        gate.logout(&id);
    }
    log::info!("admin page: logout from {peer}");
    with_cookie(redirect("/login"), &auth::clear_cookie())
}

/// Why a form does not name a valid action.
enum BadAction {
    Unknown,
    Invalid(String),
}

fn parse_bool(field: &str, value: Option<&str>) -> Result<bool, BadAction> {
    match value.map(str::trim) {
        Some("true" | "on" | "1" | "yes") => Ok(true),
        Some("false" | "off" | "0" | "no") => Ok(false),
        Some(_) => Err(BadAction::Invalid(format!(
            "invalid `{field}`: expected true or false"
        ))),
        None => Err(BadAction::Invalid(format!(
            "missing field `{field}` (true or false)"
        ))),
    }
}

fn parse_action(name: &str, f: &Fields) -> Result<AdminAction, BadAction> {
    Ok(match name {
        "wake" => AdminAction::Wake,
        "shutdown" => AdminAction::Shutdown,
        "restart-minecraft" => AdminAction::RestartMinecraft,
        "send-digest" => AdminAction::SendDigest,
        "digest-preview" => AdminAction::Digest(DigestQuery::Preview),
        "digest-list" => AdminAction::Digest(DigestQuery::List),
        "digest-show" => {
            let id =
                f.id.as_deref()
                    .ok_or_else(|| BadAction::Invalid("missing field `id`".into()))?;
            AdminAction::Digest(DigestQuery::Show(id.trim().parse().map_err(|_| {
                BadAction::Invalid("invalid `id`: expected a digest number".into())
            })?))
        }
        "maintenance" => AdminAction::SetMaintenance(parse_bool("enabled", f.enabled.as_deref())?),
        "feature" => {
            let key = f
                .key
                .as_deref()
                .map(str::trim)
                .ok_or_else(|| BadAction::Invalid("missing field `key`".into()))?;
            let valid = !key.is_empty()
                && key.len() <= MAX_FEATURE_KEY
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !valid {
                return Err(BadAction::Invalid(
                    "invalid `key`: expected a feature key such as `digest`".into(),
                ));
            }
            AdminAction::SetFeature(key.to_owned(), parse_bool("enabled", f.enabled.as_deref())?)
        }
        "unban" => {
            let id = f
                .user_id
                .as_deref()
                .ok_or_else(|| BadAction::Invalid("missing field `user_id`".into()))?;
            AdminAction::Unban(id.trim().parse().map_err(|_| {
                BadAction::Invalid(
                    "invalid `user_id`: expected a Discord user id (a number)".into(),
                )
            })?)
        }
        _ => return Err(BadAction::Unknown),
    })
}

/// `POST /action/{name}`: performs an action through the backend.
///
/// Names: `wake`, `shutdown`, `restart-minecraft`, `send-digest`,
/// `digest-preview`, `digest-list`, `digest-show` (`id`),
/// `maintenance` (`enabled`), `feature` (`key`, `enabled`), `unban`
/// (`user_id`).
pub(crate) async fn action(
    State(app): State<Shared>,
    Path(name): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match identify(&app, &headers, &peer) {
        Ok(Some(c)) => c,
        Ok(None) => {
            let res = html(
                StatusCode::UNAUTHORIZED,
                page::message_page(
                    app.language,
                    PageLabel::NotLoggedIn.get(app.language),
                    PageLabel::LogInFirst.get(app.language),
                    Some(("/login", PageLabel::LogIn.get(app.language))),
                ),
            );
            return with_cookie(res, &auth::clear_cookie());
        }
        Err(refusal) => return refusal.into_response(),
    };
    let fields = match parse_form(&headers, &body) {
        Ok(f) => f,
        Err(refusal) => return refusal.into_response(),
    };
    if let Caller::Browser { csrf, .. } = &caller {
        if let Err(refusal) = check_csrf(&app, &headers, csrf, &fields) {
            return refusal.into_response();
        }
    }
    let action = match parse_action(&name, &fields) {
        Ok(a) => a,
        Err(BadAction::Unknown) => {
            return plain(StatusCode::NOT_FOUND, format!("unknown action `{name}`"))
        }
        Err(BadAction::Invalid(why)) => return plain(StatusCode::BAD_REQUEST, why),
    };
    let who = match caller {
        Caller::Browser { .. } => "a browser session",
        Caller::Script => "a bearer token",
    };
    log::info!("admin page: {action} requested via admin page by {who} from {peer}");

    // Run the action in its own task: a client that goes away must not
    // cancel a shutdown half-way.
    let backend = app.backend.clone();
    let task_action = action.clone();
    let task = tokio::spawn(async move { backend.act(task_action).await });
    let outcome = match tokio::time::timeout(ACTION_WAIT, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => {
            log::error!("admin page: {action} failed unexpectedly: {e}");
            Err(Failed::Crashed)
        }
        Err(_) => Ok(Done::StillRunning),
    };
    let text = outcome::word(app.language, &action, &outcome);
    match caller {
        Caller::Script => match outcome {
            Ok(_) => plain(StatusCode::OK, text),
            Err(failed) => plain(failed.status(), text),
        },
        Caller::Browser { id, .. } => {
            if let Some(gate) = &app.gate {
                gate.flash(&id, outcome.is_ok(), text, Instant::now());
            }
            redirect("/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(enabled: Option<&str>, key: Option<&str>, user_id: Option<&str>) -> Fields {
        Fields {
            enabled: enabled.map(Into::into),
            key: key.map(Into::into),
            user_id: user_id.map(Into::into),
            ..Fields::default()
        }
    }

    #[test]
    fn actions_are_parsed_from_name_and_fields() {
        let none = fields(None, None, None);
        assert_eq!(parse_action("wake", &none).ok(), Some(AdminAction::Wake));
        assert_eq!(
            parse_action("maintenance", &fields(Some("on"), None, None)).ok(),
            Some(AdminAction::SetMaintenance(true))
        );
        assert_eq!(
            parse_action("feature", &fields(Some("false"), Some("digest"), None)).ok(),
            Some(AdminAction::SetFeature("digest".into(), false))
        );
        assert_eq!(
            parse_action("unban", &fields(None, None, Some("42"))).ok(),
            Some(AdminAction::Unban(42))
        );
        assert!(matches!(
            parse_action("reboot-the-world", &none),
            Err(BadAction::Unknown)
        ));
        assert!(matches!(
            parse_action("maintenance", &none),
            Err(BadAction::Invalid(_))
        ));
        assert!(matches!(
            parse_action("feature", &fields(Some("true"), Some("<b>"), None)),
            Err(BadAction::Invalid(_))
        ));
        assert!(matches!(
            parse_action("unban", &fields(None, None, Some("-1"))),
            Err(BadAction::Invalid(_))
        ));
    }
}
