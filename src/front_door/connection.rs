//! One client of the front door, from its first byte to our answer or the
//! relay: the handshake (or a legacy ping) under the handshake deadline,
//! then, by the power state, the status and ping answered here, a login
//! turned into a wake (or refused), or everything relayed to the real
//! server with the bytes already read replayed first.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::limits::{Slot, Slots};
use super::memory::Remembered;
use super::online::{self, Online};
use super::{estimate, game_user_id, Deps, WAKE_COMMAND};
use crate::messages::{spoken, Text};
use crate::peers::minecraft::codec::{self, DecodeError};
use crate::peers::minecraft::is_player_name;
use crate::peers::minecraft::serving::{self, Handshake, LEGACY_PING, MAX_CLIENT_PACKET_BYTES};
use crate::power::machine::{Requester, StateKind};
use crate::ratelimit::{Decision, Notice};

/// What every connection shares.
pub(super) struct Shared {
    /// What the front door was given at start.
    pub deps: Deps,
    pub remembered: Arc<Mutex<Option<Remembered>>>,
    /// Relayed connections that went to the login state: players.
    pub players: watch::Sender<u32>,
    pub slots: Slots,
    /// The upstream's own status JSON while it runs, and when it was read:
    /// pings are answered from it, so a ping flood reaches the real
    /// server as one status read per [`LIVE_STATUS_FOR`]. Async lock:
    /// held across the read, so concurrent pings wait for one read.
    pub live: tokio::sync::Mutex<Option<(Instant, String)>>,
    /// Online mode's key and session client, made on first use.
    pub online: Online,
}

/// How long the upstream's status is reused: short enough that the
/// player count players see is current, long enough that a thousand
/// pings a second cost the real server one.
pub const LIVE_STATUS_FOR: Duration = Duration::from_secs(1);

impl Shared {
    pub fn new(deps: Deps, remembered: Option<Remembered>) -> Shared {
        let slots = Slots::new(
            deps.config.max_connections,
            deps.config.max_connections_per_address,
        );
        let online = Online::new(deps.config.session_server.clone());
        Shared {
            online,
            deps,
            remembered: Arc::new(Mutex::new(remembered)),
            players: watch::Sender::new(0),
            slots,
            live: tokio::sync::Mutex::new(None),
        }
    }
}

/// How a connection is served, from the power state when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The server is (or may be) up: relay.
    Relay,
    Sleeping,
    /// Booting; about this long left.
    Starting(Duration),
    Stopping,
    /// Up by the state, but the upstream does not take the connection.
    Unavailable,
}

/// Why a connection ended early. Never logged per connection above debug:
/// scanners and floods make plenty of these.
#[derive(Debug)]
pub(super) enum Failure {
    Io(io::Error),
    Decode(DecodeError),
    Closed,
    Deadline,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Decode(e) => write!(f, "not the Minecraft protocol: {e}"),
            Failure::Closed => write!(f, "closed by the client"),
            Failure::Deadline => write!(f, "handshake deadline passed"),
        }
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        Failure::Decode(e)
    }
}

/// The bytes read from the client so far. All of them are kept until the
/// decision, so a relay can replay them to the real server unchanged.
pub(super) struct Reader {
    buffer: Vec<u8>,
    consumed: usize,
}

impl Reader {
    /// Reads more, once; closing counts as a failure.
    async fn fill<R: AsyncRead + Unpin>(&mut self, stream: &mut R) -> Result<(), Failure> {
        let mut chunk = [0u8; 1024];
        let read = stream.read(&mut chunk).await.map_err(Failure::Io)?;
        if read == 0 {
            return Err(Failure::Closed);
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }

    /// The next packet's body. The buffer never holds more than one
    /// maximal packet and a chunk: a longer length is refused from its
    /// prefix.
    pub(super) async fn packet<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<Vec<u8>, Failure> {
        loop {
            let rest = &self.buffer[self.consumed..];
            if let Some(frame) = codec::next_frame(rest, MAX_CLIENT_PACKET_BYTES)? {
                let body = rest[frame.body_start..frame.end].to_vec();
                self.consumed += frame.end;
                return Ok(body);
            }
            self.fill(stream).await?;
        }
    }
}

/// Serves one client until it is answered, relayed to its end, or
/// `shutdown`.
pub(super) async fn serve(
    mut stream: TcpStream,
    slot: Slot,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) {
    let _slot = slot;
    // Small request/answer packets; the relay passes the client's own timing.
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + shared.deps.config.handshake_timeout;
    let result = tokio::select! {
        () = shutdown.cancelled() => return,
        result = handle(&mut stream, &shared, deadline) => result,
    };
    match result {
        Ok(Some((upstream, reader, login))) => {
            relay(stream, upstream, reader, login, &shared, &shutdown).await
        }
        Ok(None) => {
            let _ = stream.shutdown().await;
        }
        Err(failure) => log::trace!("front door: connection ended: {failure}"),
    }
}

/// Bounds one step by the handshake deadline.
pub(super) async fn by<T>(
    deadline: Instant,
    step: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout_at(deadline, step)
        .await
        .unwrap_or(Err(Failure::Deadline))
}

type Relay = (TcpStream, Reader, bool);

/// Reads what the client wants and answers it here, or returns the
/// upstream connection to relay to (and whether it is a login).
async fn handle(
    stream: &mut TcpStream,
    shared: &Shared,
    deadline: Instant,
) -> Result<Option<Relay>, Failure> {
    let mut reader = Reader {
        buffer: Vec::with_capacity(256),
        consumed: 0,
    };
    by(deadline, reader.fill(stream)).await?;
    let legacy = reader.buffer.first() == Some(&LEGACY_PING);
    let handshake = if legacy {
        None
    } else {
        let body = by(deadline, reader.packet(stream)).await?;
        Some(serving::decode_handshake(&body)?)
    };
    let login = handshake.as_ref().is_some_and(Handshake::is_login);
    let mut mode = mode(shared);
    if let (Mode::Relay, Some(_), false) = (mode, &handshake, login) {
        // A ping while the server runs: its own answer, read at most once
        // per LIVE_STATUS_FOR.
        if let Some(json) = live_status(shared).await {
            return answer_status(stream, &mut reader, deadline, &json).await;
        }
        mode = Mode::Unavailable;
    }
    if mode == Mode::Relay {
        match connect(shared).await {
            Some(upstream) => return Ok(Some((upstream, reader, login))),
            None => mode = Mode::Unavailable,
        }
    }
    let Some(handshake) = handshake else {
        let answer = legacy_answer(shared, mode);
        by(deadline, write(stream, &answer)).await?;
        return Ok(None);
    };
    if login {
        let body = by(deadline, reader.packet(stream)).await?;
        let name = serving::decode_login_start(&body)?;
        let reason = match admit(shared, mode, &name) {
            Err(reason) => reason,
            Ok(()) if shared.deps.config.online_mode => {
                // Its own deadline: the client joins the session server
                // in it, and we ask it.
                let deadline = Instant::now() + shared.deps.config.handshake_timeout;
                let protocol = handshake.protocol;
                online::login(stream, &mut reader, shared, protocol, &name, deadline).await?;
                return Ok(None);
            }
            Ok(()) => wake(shared, &name).await,
        };
        by(deadline, write(stream, &serving::login_disconnect(&reason))).await?;
        return Ok(None);
    }
    let json = status_json(shared, mode, handshake.protocol);
    answer_status(stream, &mut reader, deadline, &json).await
}

/// The status exchange after the handshake: the request, `json`, then the
/// ping the client may send for its latency.
async fn answer_status(
    stream: &mut TcpStream,
    reader: &mut Reader,
    deadline: Instant,
    json: &str,
) -> Result<Option<Relay>, Failure> {
    let body = by(deadline, reader.packet(stream)).await?;
    serving::decode_status_request(&body)?;
    by(deadline, write(stream, &serving::status_response(json))).await?;
    // The client measures its latency with a ping; it may also just leave.
    let body = match by(deadline, reader.packet(stream)).await {
        Ok(body) => body,
        Err(Failure::Closed) => return Ok(None),
        Err(other) => return Err(other),
    };
    let payload = serving::decode_ping(&body)?;
    by(deadline, write(stream, &serving::pong(payload))).await?;
    Ok(None)
}

pub(super) async fn write(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), Failure> {
    stream.write_all(bytes).await.map_err(Failure::Io)?;
    stream.flush().await.map_err(Failure::Io)
}

fn mode(shared: &Shared) -> Mode {
    let view = shared.deps.view.borrow();
    match view.state.kind() {
        StateKind::Idle => Mode::Sleeping,
        StateKind::StartupRequested | StateKind::StartupMonitoring => {
            let boot = estimate::boot_duration(&view.history, shared.deps.startup_timeout);
            let now = shared.deps.guard.clock().now();
            Mode::Starting(estimate::remaining(boot, view.since, now))
        }
        StateKind::ShutdownInProgress => Mode::Stopping,
        StateKind::Operational
        | StateKind::ShutdownTimer
        | StateKind::Maintenance
        | StateKind::Error => Mode::Relay,
    }
}

/// The upstream's status JSON, at most [`LIVE_STATUS_FOR`] old; `None`
/// when it does not answer.
async fn live_status(shared: &Shared) -> Option<String> {
    let mut live = shared.live.lock().await;
    if let Some((at, json)) = &*live {
        if at.elapsed() < LIVE_STATUS_FOR {
            return Some(json.clone());
        }
    }
    let upstream = &shared.deps.config.upstream;
    match crate::peers::minecraft::status_json(upstream, shared.deps.ping_timeout).await {
        Ok(json) => {
            *live = Some((Instant::now(), json.clone()));
            Some(json)
        }
        Err(e) => {
            log::debug!("front door: no status from the server: {e}");
            None
        }
    }
}

/// The real server, within the Minecraft ping timeout.
async fn connect(shared: &Shared) -> Option<TcpStream> {
    let upstream = crate::peers::address::with_port(
        &shared.deps.config.upstream,
        crate::peers::minecraft::DEFAULT_PORT,
    );
    match tokio::time::timeout(
        shared.deps.ping_timeout,
        TcpStream::connect(upstream.as_str()),
    )
    .await
    {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Some(stream)
        }
        Ok(Err(e)) => {
            log::debug!("front door: cannot reach {upstream}: {e}");
            None
        }
        Err(_) => {
            log::debug!("front door: {upstream} did not accept within the ping timeout");
            None
        }
    }
}

/// The MOTD for `mode`: the configured one, else the text of `[messages]`.
fn motd(shared: &Shared, mode: Mode) -> String {
    let (configured, text, seconds) = match mode {
        Mode::Sleeping => (
            &shared.deps.config.motd_sleeping,
            Text::FrontDoorSleeping,
            None,
        ),
        Mode::Starting(left) => (
            &shared.deps.config.motd_starting,
            Text::FrontDoorStarting,
            Some(left.as_secs()),
        ),
        Mode::Stopping | Mode::Relay => (
            &shared.deps.config.motd_stopping,
            Text::FrontDoorStopping,
            None,
        ),
        Mode::Unavailable => (&None, Text::FrontDoorBusy, None),
    };
    let seconds = seconds.unwrap_or_default().to_string();
    match configured {
        // The config check allows only `{seconds}` in it.
        Some(template) => template.replace("{seconds}", &seconds),
        None => shared.deps.messages.render(text, &[("seconds", &seconds)]),
    }
}

/// The status JSON shown while the real server cannot answer: its
/// remembered version and icon (else ours, with the client's protocol so
/// the list does not flag it incompatible), our MOTD, nobody online.
fn status_json(shared: &Shared, mode: Mode, client_protocol: i32) -> String {
    let remembered = shared
        .remembered
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let (version, favicon, max) = match remembered {
        Some(r) => (r.version, r.favicon, r.max_players),
        None => (
            serde_json::json!({ "name": "CubeGuardian", "protocol": client_protocol }),
            None,
            0,
        ),
    };
    let mut status = serde_json::json!({
        "version": version,
        "players": { "max": max, "online": 0, "sample": [] },
        "description": { "text": motd(shared, mode) },
    });
    if let (Some(favicon), Some(fields)) = (favicon, status.as_object_mut()) {
        fields.insert("favicon".to_owned(), favicon.into());
    }
    status.to_string()
}

fn legacy_answer(shared: &Shared, mode: Mode) -> Vec<u8> {
    let max = shared
        .remembered
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map_or(0, |r| r.max_players);
    // 127 is no legacy protocol: old clients show the version text
    // instead of treating the server as joinable.
    serving::legacy_status(127, "CubeGuardian", &motd(shared, mode), 0, max)
}

/// The checks on the name a login claims, before any proof: `Err` with
/// what the player is told when the host is not asleep or the name is not
/// allowed (nothing to prove then, so no crypto is spent on it).
fn admit(shared: &Shared, mode: Mode, name: &str) -> Result<(), String> {
    let m = &shared.deps.messages;
    match mode {
        Mode::Sleeping => {}
        Mode::Starting(left) => {
            let seconds = left.as_secs().to_string();
            return Err(m.render(Text::FrontDoorWaking, &[("seconds", &seconds)]));
        }
        Mode::Stopping | Mode::Unavailable | Mode::Relay => {
            return Err(m.render(Text::FrontDoorBusy, &[]))
        }
    }
    if !is_allowed(shared, name) {
        log::info!("front door: {name:?} tried to log in but is not in allowed_players");
        return Err(m.render(Text::FrontDoorRefused, &[("player", name)]));
    }
    Ok(())
}

/// Whether `name` is in `allowed_players`.
pub(super) fn is_allowed(shared: &Shared, name: &str) -> bool {
    is_player_name(name)
        && shared
            .deps
            .config
            .allowed_players
            .contains(&name.to_ascii_lowercase())
}

/// Wakes the host for `name`, an allowed player (proven in online mode),
/// through the rate limiter: what the player is told.
pub(super) async fn wake(shared: &Shared, name: &str) -> String {
    let m = &shared.deps.messages;
    let seconds = |d: Duration| d.as_secs().to_string();
    let id = game_user_id(name);
    if let Decision::Refused { retry_after, .. } =
        shared
            .deps
            .guard
            .check(id, &[], WAKE_COMMAND, Notice::EveryTime)
    {
        log::info!(
            "ratelimit: wake from the game refused to {name}, retry in {} s",
            retry_after.as_secs()
        );
        let wait = spoken(retry_after.max(Duration::from_secs(1)));
        return m.render(Text::RateLimited, &[("wait", &wait)]);
    }
    let by = Requester {
        id,
        name: m.render(Text::GamePlayer, &[("player", name)]),
    };
    match tokio::time::timeout(Duration::from_secs(5), shared.deps.power.wake(by)).await {
        Ok(Ok(())) => log::info!("front door: {name} woke the server from the game"),
        Ok(Err(e)) => log::info!("front door: wake by {name}: {e}"),
        Err(_) => log::warn!("front door: the power loop did not answer {name}'s wake"),
    }
    let boot = {
        let view = shared.deps.view.borrow();
        estimate::boot_duration(&view.history, shared.deps.startup_timeout)
    };
    m.render(Text::FrontDoorWaking, &[("seconds", &seconds(boot))])
}

/// Relays client and upstream until either side closes or `shutdown`,
/// counting a login as a player for as long as it lasts.
async fn relay(
    mut client: TcpStream,
    mut upstream: TcpStream,
    reader: Reader,
    login: bool,
    shared: &Shared,
    shutdown: &CancellationToken,
) {
    if upstream.write_all(&reader.buffer).await.is_err() {
        return;
    }
    drop(reader);
    if login {
        shared.players.send_modify(|n| *n += 1);
    }
    tokio::select! {
        () = shutdown.cancelled() => {}
        result = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(e) = result {
                log::trace!("front door: relay ended: {e}");
            }
        }
    }
    if login {
        shared.players.send_modify(|n| *n = n.saturating_sub(1));
    }
}
