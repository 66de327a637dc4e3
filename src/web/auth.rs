//! Who may use the admin page, and how a request proves it.
//!
//! The admin token is never compared directly: both sides go through an
//! HMAC under a per-process random key and [`ring::hmac::verify`] compares
//! the results in constant time, which also hides the token's length. A
//! correct token (login form) opens a [`Session`]: a random id in an
//! `HttpOnly; SameSite=Strict` cookie, kept in memory with an expiry, plus
//! a per-session CSRF token for the forms. Wrong tokens are counted per
//! client address ([`Lockouts`]); too many in a minute lock that address's
//! logins for a minute, while the admin elsewhere can still log in.
//! Everything here is plain logic taking `now`; the handlers do the I/O.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::system::secret::Secret;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "cg_session";

/// A session lasts a working day; after that the admin logs in again.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// Sessions kept at most: an admin with a phone and a laptop needs a few;
/// the bound keeps a script that logs in in a loop from growing memory.
pub const MAX_SESSIONS: usize = 16;

/// Wrong tokens tolerated within [`FAILURE_WINDOW`] before logins lock.
pub const MAX_FAILURES: usize = 5;

/// The window in which wrong tokens are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// How long logins stay locked after too many wrong tokens: at 5 guesses a
/// minute a 32-byte token is out of reach, while a mistyping admin waits at
/// most a minute.
pub const LOCKOUT: Duration = Duration::from_secs(60);

/// Client addresses whose wrong tokens are counted each on their own, at
/// most: a household has a few dozen devices; the bound keeps an attacker
/// who rotates addresses (easy with IPv6) from growing memory, at about
/// 200 bytes an address. Addresses beyond it share one count ([`Lockouts`]).
pub const MAX_TRACKED_CLIENTS: usize = 256;

/// Random bytes in a session id or CSRF token (hex-encoded: twice as many chars).
const TOKEN_BYTES: usize = 32;

/// Why the random generator failed; the caller answers 500.
#[derive(Debug, thiserror::Error)]
#[error("the system random generator failed; cannot create a session")]
pub struct RandomError;

/// What the admin page knows about one logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The value the forms must echo back.
    pub csrf: String,
    expires: Instant,
    /// A one-shot message shown on the next page view: `(ok, text)`.
    pub flash: Option<(bool, String)>,
}

/// The outcome of a login attempt.
#[derive(Debug)]
pub enum Login {
    /// Right token: the new session id, for the cookie.
    Ok(String),
    /// Wrong token.
    Wrong,
    /// Too many wrong tokens lately; retry after this long.
    Locked(Duration),
}

/// Counts wrong tokens from one client and locks its logins after too many.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl LoginLimiter {
    /// `Some(remaining)` while logins are locked.
    pub fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Records a wrong token; returns `true` when this one locked logins.
    pub fn failure(&mut self, now: Instant) -> bool {
        while let Some(first) = self.failures.front() {
            if now.saturating_duration_since(*first) >= FAILURE_WINDOW {
                self.failures.pop_front();
            } else {
                break;
            }
        }
        self.failures.push_back(now);
        if self.failures.len() >= MAX_FAILURES {
            self.failures.clear();
            self.locked_until = Some(now + LOCKOUT);
            true
        } else {
            false
        }
    }

    /// Whether this count has nothing left to remember at `now`.
    fn forgotten(&self, now: Instant) -> bool {
        self.locked(now).is_none()
            && self
                .failures
                .back()
                .is_none_or(|last| now.saturating_duration_since(*last) >= FAILURE_WINDOW)
    }
}

/// Wrong tokens counted per client address, so that a guesser (or a
/// DNS-rebinding page in someone's browser) locks out its own address and
/// not the admin.
///
/// At most [`MAX_TRACKED_CLIENTS`] addresses are counted on their own;
/// when the table is full, addresses with nothing left to remember are
/// dropped first, and a new address that still finds no room shares the
/// `overflow` count with every other untracked one. An attacker rotating
/// addresses thus still gets [`MAX_FAILURES`] guesses a minute in all, and
/// only while such an attack fills the table can it lock out an admin
/// whose address is not in it. An unknown address (a server run without
/// connection info) also counts in `overflow`.
#[derive(Debug, Default)]
pub struct Lockouts {
    clients: HashMap<IpAddr, LoginLimiter>,
    overflow: LoginLimiter,
}

impl Lockouts {
    /// `Some(remaining)` while logins from `client` are locked.
    pub fn locked(&self, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        match client.and_then(|ip| self.clients.get(&ip)) {
            Some(limiter) => limiter.locked(now),
            None => self.overflow.locked(now),
        }
    }

    /// Records a wrong token from `client`; returns `true` when this one
    /// locked its logins.
    pub fn failure(&mut self, client: Option<IpAddr>, now: Instant) -> bool {
        let Some(ip) = client else {
            return self.overflow.failure(now);
        };
        if !self.clients.contains_key(&ip) && self.clients.len() >= MAX_TRACKED_CLIENTS {
            self.clients.retain(|_, limiter| !limiter.forgotten(now));
        }
        if self.clients.contains_key(&ip) || self.clients.len() < MAX_TRACKED_CLIENTS {
            self.clients.entry(ip).or_default().failure(now)
        } else {
            self.overflow.failure(now)
        }
    }

    /// How many addresses are counted on their own.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.clients.len()
    }
}

/// The in-memory session table, bounded by [`MAX_SESSIONS`].
#[derive(Debug, Default)]
pub struct Sessions {
    map: HashMap<String, Session>,
}

impl Sessions {
    /// Adds a session, first dropping expired ones, then the oldest if full.
    pub fn insert(&mut self, id: String, csrf: String, now: Instant) {
        self.map.retain(|_, s| s.expires > now);
        while self.map.len() >= MAX_SESSIONS {
            let oldest = self
                .map
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(id, _)| id.clone());
            match oldest {
                Some(id) => self.map.remove(&id),
                None => break,
            };
        }
        self.map.insert(
            id,
            Session {
                csrf,
                expires: now + SESSION_LIFETIME,
                flash: None,
            },
        );
    }

    /// The live session with this id; an expired one is removed.
    pub fn get_mut(&mut self, id: &str, now: Instant) -> Option<&mut Session> {
        if self.map.get(id).is_some_and(|s| s.expires <= now) {
            self.map.remove(id);
        }
        self.map.get_mut(id)
    }

    /// Ends a session (logout).
    pub fn remove(&mut self, id: &str) {
        self.map.remove(id);
    }

    /// How many sessions are kept, expired or not.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Debug, Default)]
struct GateState {
    sessions: Sessions,
    lockouts: Lockouts,
}

/// The admin token, the sessions and the login limiter: everything needed
/// to decide whether a request comes from the admin.
pub struct Gate {
    key: hmac::Key,
    token_tag: hmac::Tag,
    rng: SystemRandom,
    state: Mutex<GateState>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").finish_non_exhaustive()
    }
}

impl Gate {
    /// A gate for `token`; `None` if the token is empty (an empty password
    /// would let anyone in) or the random generator fails.
    pub fn new(token: &Secret) -> Option<Gate> {
        if token.expose().is_empty() {
            return None;
        }
        let rng = SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).ok()?;
        let token_tag = hmac::sign(&key, token.expose().as_bytes());
        Some(Gate {
            key,
            token_tag,
            rng,
            state: Mutex::new(GateState::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Constant-time check of a presented token (no lockout handling).
    fn token_matches(&self, presented: &str) -> bool {
        hmac::verify(&self.key, presented.as_bytes(), self.token_tag.as_ref()).is_ok()
    }

    /// Constant-time equality of two strings of any length.
    pub fn same(&self, a: &str, b: &str) -> bool {
        let tag = hmac::sign(&self.key, b.as_bytes());
        hmac::verify(&self.key, a.as_bytes(), tag.as_ref()).is_ok()
    }

    /// Checks a token presented by `client` in the login form or a
    /// `Bearer` header, counting wrong ones. While the client is locked,
    /// even the right token is refused: otherwise the lock would not slow
    /// down guessing.
    pub fn check_token(
        &self,
        presented: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Login> {
        if let Some(left) = self.lock().lockouts.locked(client, now) {
            return Err(Login::Locked(left));
        }
        if self.token_matches(presented) {
            return Ok(());
        }
        let mut state = self.lock();
        if state.lockouts.failure(client, now) {
            let who = client.map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string());
            log::warn!(
                "admin page: {MAX_FAILURES} wrong tokens within {}s from {who}; refusing its logins for {}s",
                FAILURE_WINDOW.as_secs(),
                LOCKOUT.as_secs()
            );
        }
        Err(Login::Wrong)
    }

    /// A login attempt by `client`: on the right token, a new session.
    pub fn login(
        &self,
        presented: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Result<Login, RandomError> {
        match self.check_token(presented, client, now) {
            Err(refused) => Ok(refused),
            Ok(()) => {
                let id = self.random_token()?;
                let csrf = self.random_token()?;
                self.lock().sessions.insert(id.clone(), csrf, now);
                Ok(Login::Ok(id))
            }
        }
    }

    /// A copy of the live session `id`.
    pub fn session(&self, id: &str, now: Instant) -> Option<Session> {
        self.lock().sessions.get_mut(id, now).map(|s| s.clone())
    }

    /// Takes the one-shot message of session `id`, if any.
    pub fn take_flash(&self, id: &str, now: Instant) -> Option<(bool, String)> {
        self.lock().sessions.get_mut(id, now)?.flash.take()
    }

    /// Leaves a one-shot message for the next page view of session `id`.
    pub fn flash(&self, id: &str, ok: bool, text: String, now: Instant) {
        if let Some(s) = self.lock().sessions.get_mut(id, now) {
            s.flash = Some((ok, text));
        }
    }

    /// Ends session `id`.
    pub fn logout(&self, id: &str) {
        self.lock().sessions.remove(id);
    }

    fn random_token(&self) -> Result<String, RandomError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        self.rng.fill(&mut bytes).map_err(|_| RandomError)?;
        Ok(hex(&bytes))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Whether `value` has the shape of an id made by [`Gate`].
pub fn well_formed_token(value: &str) -> bool {
    value.len() == TOKEN_BYTES * 2
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What the request's credentials say.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// Our session cookie, well formed.
    Cookie(&'a str),
    /// Nothing usable.
    Nothing,
}

/// Why the credentials could not even be read; the handler answers 400.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("malformed Authorization header: expected `Bearer <admin token>`")]
    Authorization,
    #[error("malformed Cookie header: it is not ASCII text")]
    CookieHeader,
    #[error("malformed session cookie; it has been cleared, log in again")]
    SessionCookie,
}

/// Reads the credentials of a request: the `Authorization` header first,
/// else our cookie. Other applications' cookies on the same host are ignored.
pub fn presented(headers: &HeaderMap) -> Result<Presented<'_>, Malformed> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| Malformed::Authorization)?;
        let (scheme, token) = value.split_once(' ').ok_or(Malformed::Authorization)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(Malformed::Authorization);
        }
        return Ok(Presented::Bearer(token.trim()));
    }
    for value in headers.get_all(header::COOKIE) {
        let value = value.to_str().map_err(|_| Malformed::CookieHeader)?;
        for pair in value.split(';') {
            let Some((name, v)) = pair.trim().split_once('=') else {
                continue;
            };
            if name.trim() == SESSION_COOKIE {
                let v = v.trim().trim_matches('"');
                if !well_formed_token(v) {
                    return Err(Malformed::SessionCookie);
                }
                return Ok(Presented::Cookie(v));
            }
        }
    }
    Ok(Presented::Nothing)
}

/// The `Set-Cookie` value opening a session.
///
/// No `Secure`: the page is served over plain HTTP on the LAN, where a
/// `Secure` cookie would never come back. Behind an HTTPS reverse proxy the
/// cookie still works (without the flag).
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Refuses requests a browser made on behalf of another site: a
/// `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` that is
/// not this host. Requests without either header (old browsers, scripts)
/// pass; the CSRF token still guards them.
pub fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        match site.to_str() {
            Ok("same-origin") | Ok("none") => {}
            _ => return Err("cross-site request refused"),
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| "malformed Origin header")?;
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or("request from another origin refused")?;
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or("request from another origin refused")?;
        if !origin_host.eq_ignore_ascii_case(host) {
            return Err("request from another origin refused");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn gate() -> Gate {
        Gate::new(&Secret::new("s3cret-token")).unwrap()
    }

    #[test]
    fn empty_token_gives_no_gate() {
        assert!(Gate::new(&Secret::new("  ")).is_none());
    }

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 10)));
    const GUESSER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 66)));

    #[test]
    fn right_token_opens_a_session_with_a_csrf_token() {
        let g = gate();
        let now = Instant::now();
        let Login::Ok(id) = g.login("s3cret-token", HOME, now).unwrap() else {
            panic!("refused")
        };
        assert!(well_formed_token(&id));
        let s = g.session(&id, now).unwrap();
        assert!(well_formed_token(&s.csrf));
        assert_ne!(s.csrf, id);
        assert!(g.session(&id, now + SESSION_LIFETIME).is_none());
    }

    #[test]
    fn wrong_tokens_lock_logins_even_for_the_right_token() {
        let g = gate();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(matches!(
                g.login("nope", GUESSER, t0 + Duration::from_secs(i as u64))
                    .unwrap(),
                Login::Wrong
            ));
        }
        let t1 = t0 + Duration::from_secs(10);
        assert!(matches!(
            g.login("s3cret-token", GUESSER, t1).unwrap(),
            Login::Locked(_)
        ));
        assert!(matches!(
            g.login("s3cret-token", GUESSER, t1 + LOCKOUT).unwrap(),
            Login::Ok(_)
        ));
    }

    #[test]
    fn a_guesser_locks_out_its_own_address_not_the_admin() {
        let g = gate();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(matches!(
                g.login("nope", GUESSER, t0).unwrap(),
                Login::Wrong
            ));
        }
        assert!(matches!(
            g.login("s3cret-token", GUESSER, t0).unwrap(),
            Login::Locked(_)
        ));
        assert!(matches!(
            g.login("s3cret-token", HOME, t0).unwrap(),
            Login::Ok(_)
        ));
    }

    #[test]
    fn failures_spread_over_more_than_the_window_do_not_lock() {
        let mut l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..20u64 {
            assert!(!l.failure(t0 + Duration::from_secs(i * 20)));
        }
        assert!(l.locked(t0 + Duration::from_secs(400)).is_none());
    }

    fn address(n: usize) -> Option<IpAddr> {
        let n = u128::try_from(n).unwrap();
        Some(IpAddr::V6(std::net::Ipv6Addr::from(0xfd00_u128 << 112 | n)))
    }

    #[test]
    fn rotating_addresses_stay_bounded_and_share_one_count_beyond_it() {
        let mut l = Lockouts::default();
        let t0 = Instant::now();
        // One wrong token each from far more addresses than are tracked.
        for n in 0..MAX_TRACKED_CLIENTS * 4 {
            l.failure(address(n), t0);
        }
        assert_eq!(l.tracked(), MAX_TRACKED_CLIENTS);
        // The untracked ones shared a count: they are locked together...
        assert!(l.locked(address(MAX_TRACKED_CLIENTS * 10), t0).is_some());
        // ...while a tracked address with a single failure is not.
        assert!(l.locked(address(0), t0).is_none());
        // Once the window has passed, the table makes room again.
        let later = t0 + LOCKOUT + FAILURE_WINDOW;
        assert!(!l.failure(HOME, later));
        assert!(l.tracked() <= MAX_TRACKED_CLIENTS);
        assert!(l.locked(HOME, later).is_none());
        assert!(l.locked(address(MAX_TRACKED_CLIENTS * 10), later).is_none());
    }

    #[test]
    fn session_table_is_bounded_and_drops_the_oldest() {
        let mut s = Sessions::default();
        let t0 = Instant::now();
        for i in 0..MAX_SESSIONS + 3 {
            s.insert(
                format!("id{i}"),
                String::new(),
                t0 + Duration::from_secs(i as u64),
            );
        }
        assert_eq!(s.len(), MAX_SESSIONS);
        assert!(s.get_mut("id0", t0).is_none());
        assert!(s.get_mut(&format!("id{}", MAX_SESSIONS + 2), t0).is_some());
    }

    #[test]
    fn same_compares_any_lengths() {
        let g = gate();
        assert!(g.same("abc", "abc"));
        assert!(!g.same("abc", "abcd"));
        assert!(!g.same("", "abc"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn credentials_are_read_from_bearer_then_cookie() {
        let id = "ab".repeat(TOKEN_BYTES);
        let cookie: &'static str = Box::leak(format!("other=1; {SESSION_COOKIE}={id}").into());
        assert_eq!(
            presented(&headers(&[
                ("authorization", "Bearer tok"),
                ("cookie", cookie)
            ])),
            Ok(Presented::Bearer("tok"))
        );
        assert_eq!(
            presented(&headers(&[("cookie", cookie)])),
            Ok(Presented::Cookie(id.as_str()))
        );
        assert_eq!(
            presented(&headers(&[("cookie", "junk; =; x")])),
            Ok(Presented::Nothing)
        );
        assert_eq!(
            presented(&headers(&[("cookie", "cg_session=<script>")])),
            Err(Malformed::SessionCookie)
        );
        assert_eq!(
            presented(&headers(&[("authorization", "Basic abc")])),
            Err(Malformed::Authorization)
        );
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(same_origin(&headers(&[])).is_ok());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(same_origin(&headers(&[("sec-fetch-site", "cross-site")])).is_err());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-site")])).is_err());
        assert!(same_origin(&headers(&[
            ("origin", "http://pi.lan:8080"),
            ("host", "pi.lan:8080")
        ]))
        .is_ok());
        assert!(same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "pi.lan:8080")
        ]))
        .is_err());
        assert!(same_origin(&headers(&[("origin", "null"), ("host", "pi.lan:8080")])).is_err());
    }
}
