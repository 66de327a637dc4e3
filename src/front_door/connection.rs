//! One client of the front door, from its first byte to our answer or the
//! relay: the handshake (or a legacy ping) under the handshake deadline,
//! then, by the power state, the status and ping answered here, a login
//! turned into a wake (or refused), or everything relayed to the real
//! server with the bytes already read replayed first. A login that
//! confirms a pending `/link` is answered here whatever the state.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::limits::{Slot, Slots};
use super::links::Link;
use super::memory::Remembered;
use super::online::{self, Online};
use super::wire::{by, write, Failure, Reader};
use super::{estimate, game_user_id, Deps, WAKE_COMMAND};
use crate::messages::{spoken, Text};
use crate::peers::minecraft::is_player_name;
use crate::peers::minecraft::serving::{self, Handshake, LEGACY_PING};
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
    /// Linked members whose login woke the server (or came while it
    /// started): told by DM when it is ready, then forgotten.
    pub waiting_members: Mutex<BTreeSet<u64>>,
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
            waiting_members: Mutex::new(BTreeSet::new()),
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
    // The login that confirms a `/link` is ours even while the server runs.
    let confirms_link = mode == Mode::Relay
        && login
        && confirms_link(stream, &mut reader, shared, deadline).await?;
    if mode == Mode::Relay && !confirms_link {
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
        let reason = match admit(shared, mode, &name).await {
            Err(reason) => reason,
            Ok(()) if shared.deps.config.online_mode => {
                // Its own deadline: the client joins the session server
                // in it, and we ask it.
                let deadline = Instant::now() + shared.deps.config.handshake_timeout;
                let protocol = handshake.protocol;
                let proof = online::Proof {
                    online: &shared.online,
                    messages: &shared.deps.messages,
                    protocol,
                    deadline,
                };
                let then = |verified: String| async move { proven(shared, mode, &verified).await };
                online::login(stream, &mut reader, proof, &name, then).await?;
                return Ok(None);
            }
            Ok(()) => proven(shared, mode, &name).await,
        };
        by(deadline, write(stream, &serving::login_disconnect(&reason))).await?;
        return Ok(None);
    }
    let json = status_json(shared, mode, handshake.protocol);
    answer_status(stream, &mut reader, deadline, &json).await
}

/// Whether the login about to be read is by a name with a pending link,
/// to be confirmed here instead of relayed. Its Login Start is read and
/// left in `reader`, unconsumed: the login path reads it again, a relay
/// replays it.
async fn confirms_link(
    stream: &mut TcpStream,
    reader: &mut Reader,
    shared: &Shared,
    deadline: Instant,
) -> Result<bool, Failure> {
    let mark = reader.consumed;
    let body = by(deadline, reader.packet(stream)).await?;
    reader.consumed = mark;
    // Not ours to judge: the real server decides what it accepts.
    let Ok(name) = serving::decode_login_start(&body) else {
        return Ok(false);
    };
    Ok(shared.deps.links.is_pending(&name).await)
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
/// what the player is told. A name with a pending `/link` goes on in any
/// state (its proven login confirms the link); any other only while the
/// host sleeps, and only if it is in `allowed_players` or linked. Nothing
/// here costs crypto or a Discord call: a linked member's authorization
/// is asked once the name is proven.
async fn admit(shared: &Shared, mode: Mode, name: &str) -> Result<(), String> {
    let m = &shared.deps.messages;
    let links = &shared.deps.links;
    if links.is_pending(name).await {
        return Ok(());
    }
    match mode {
        Mode::Sleeping => {}
        Mode::Starting(left) => {
            if let Some(link) = links.linked(name).await {
                remember(shared, link.member);
            }
            let seconds = left.as_secs().to_string();
            return Err(m.render(Text::FrontDoorWaking, &[("seconds", &seconds)]));
        }
        Mode::Stopping | Mode::Unavailable | Mode::Relay => {
            return Err(m.render(Text::FrontDoorBusy, &[]))
        }
    }
    if !is_listed(shared, name) && links.linked(name).await.is_none() {
        log::info!("front door: {name:?} tried to log in but is neither allowed nor linked");
        return Err(m.render(Text::FrontDoorRefused, &[("player", name)]));
    }
    Ok(())
}

/// Whether `name` is in `allowed_players`.
fn is_listed(shared: &Shared, name: &str) -> bool {
    is_player_name(name)
        && shared
            .deps
            .config
            .allowed_players
            .contains(&name.to_ascii_lowercase())
}

/// What a login by `name` leads to once `name` is trusted (proven by the
/// session server in online mode, as claimed otherwise): it confirms a
/// pending `/link`, or wakes the sleeping host for an allowed player.
async fn proven(shared: &Shared, mode: Mode, name: &str) -> String {
    let m = &shared.deps.messages;
    // Whatever the state: the player agrees to a member's `/link`.
    if let Some(link) = shared.deps.links.confirm(name).await {
        log::info!(
            "front door: {name} confirmed the link to member {} ({})",
            link.member_name,
            link.member
        );
        return m.render(Text::FrontDoorLinked, &[("member", &link.member_name)]);
    }
    if mode != Mode::Sleeping {
        // Let in for a link that expired since: nothing else to do here.
        return m.render(Text::FrontDoorBusy, &[]);
    }
    let linked = shared.deps.links.linked(name).await;
    if let Some(refusal) = refusal(shared, name, linked.as_ref()).await {
        return refusal;
    }
    wake(shared, name, linked.as_ref()).await
}

/// Wakes the host for `name`, an allowed player, through the rate
/// limiter: what the player is told. A linked member is remembered for
/// the DM when the server is ready.
async fn wake(shared: &Shared, name: &str, linked: Option<&Link>) -> String {
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
    if let Some(link) = linked {
        remember(shared, link.member);
    }
    let boot = {
        let view = shared.deps.view.borrow();
        estimate::boot_duration(&view.history, shared.deps.startup_timeout)
    };
    m.render(Text::FrontDoorWaking, &[("seconds", &seconds(boot))])
}

/// How long the Discord side has to say whether a linked member is
/// authorized: a member lookup takes well under a second, and the player
/// waits on a loading screen meanwhile.
const MEMBER_CHECK_WITHIN: Duration = Duration::from_secs(3);

/// Why `name` may not wake the server, as the player reads it; `None` if
/// it may: in `allowed_players`, or linked to an authorized member.
async fn refusal(shared: &Shared, name: &str, linked: Option<&Link>) -> Option<String> {
    let m = &shared.deps.messages;
    if is_listed(shared, name) {
        return None;
    }
    let Some(link) = linked else {
        log::info!("front door: {name:?} tried to log in but is neither allowed nor linked");
        return Some(m.render(Text::FrontDoorRefused, &[("player", name)]));
    };
    let check = shared.deps.members.authorized(link.member);
    match tokio::time::timeout(MEMBER_CHECK_WITHIN, check).await {
        Ok(Some(true)) => None,
        Ok(Some(false)) => {
            log::info!(
                "front door: {name} is linked to member {}, who is not authorized",
                link.member
            );
            Some(m.render(
                Text::FrontDoorLinkRefused,
                &[("player", name), ("member", &link.member_name)],
            ))
        }
        Ok(None) | Err(_) => {
            log::warn!(
                "front door: cannot tell whether member {} (linked to {name}) is authorized",
                link.member
            );
            Some(m.render(Text::FrontDoorLinkUnchecked, &[]))
        }
    }
}

/// Keeps `member` for the DM when the server is ready.
fn remember(shared: &Shared, member: u64) {
    shared
        .waiting_members
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(member);
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
