//! A local stand-in for Discord, used by the integration tests and the demo example.
//!
//! It owns one loopback port that serves both Discord's REST API (`/api/v10/...`) and the
//! gateway WebSocket (`/gateway`), faithfully enough that the real serenity 0.12.5 client
//! connects, receives events and calls the API. It keeps the *truth* of one fixture guild
//! (members, roles, channels, who sits in which voice channel), lets a test inject what users
//! do (join voice, press a button, write a message), records everything the bot sends, and can
//! break the gateway connection the ways Discord does (drop, invalidate) so RESUME and
//! re-IDENTIFY get exercised.
//!
//! # Layout
//! - [`GuildFixture`]: builder for the guild the bot is in.
//! - [`DiscordStandIn`]: the running server, the injection API and the recorded traffic.
//! - `State`: the truth, the gateway session and the recordings behind one mutex; every JSON
//!   payload is built there, so ordering between REST, gateway and injections is total.
//! - `gateway_connection`: one task per WebSocket connection.
//! - `rest`: one handler for every REST route, so unknown routes get recorded too.
//!
//! # Behaviour worth knowing
//! - Events are gated by the intents of the IDENTIFY, as Discord does: VOICE_STATE_UPDATE and
//!   the voice states of GUILD_CREATE need `GUILD_VOICE_STATES`; MESSAGE_CREATE needs
//!   `GUILD_MESSAGES` / `DIRECT_MESSAGES`; guild message content is blanked without
//!   `MESSAGE_CONTENT` unless the bot is mentioned; member events need `GUILD_MEMBERS`.
//! - GUILD_CREATE always lists every member (fixture, bot and `extra_members`), even for a
//!   large guild: a worst case for memory, where Discord would send fewer.
//! - Messages the bot creates, edits or deletes through REST are echoed on the gateway
//!   (MESSAGE_CREATE/UPDATE/DELETE), as Discord does, so the bot must ignore its own messages.
//! - Interaction replies are recorded as [`InteractionResponse`]s, not as channel messages.
//! - Users' messages are remembered per channel in their current state (edits applied, deleted
//!   ones gone), next to the bot's own messages and its non-ephemeral interaction replies, and
//!   `GET /channels/{id}/messages` serves that history with Discord's paging: newest first for
//!   every parameter, and `after` gives the `limit` messages *right after* the id (still newest
//!   first), so a bot can backfill what it missed.
//! - MESSAGE_UPDATE carries the whole message, as Discord sends it now; MESSAGE_CONTENT gates
//!   `content`, `embeds`, `attachments` and `components` of gateway copies (not of REST
//!   answers: the stand-in assumes the intent is enabled for the application). A reply pings
//!   the replied-to author (Discord's client default), so a reply to the bot is visible.
//! - Reactions (users' and the bot's own `PUT .../reactions/{emoji}/@me`) are remembered and
//!   dispatched as MESSAGE_REACTION_ADD/REMOVE only with `GUILD_MESSAGE_REACTIONS` (guild) or
//!   `DIRECT_MESSAGE_REACTIONS` (DM), as Discord gates them.
//! - Roles carry permission bits (`@everyone` gets Discord's defaults unless the fixture sets
//!   them) and channels carry `permission_overwrites`; changing either dispatches
//!   GUILD_ROLE_UPDATE / CHANNEL_UPDATE (`GUILDS`). Events are not gated by the *bot's* own
//!   permissions: the bot is assumed to see every channel, as an administrator bot does.
//! - Files the bot uploads (multipart `files[n]` parts) are kept byte for byte on the
//!   [`SentMessage`], [`InteractionResponse`] and [`RecordedRequest`] they came with, and
//!   appear as attachment objects (CDN-style signed URLs) in every copy of the message.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxumState;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Heartbeat interval Discord announces in HELLO today; serenity heartbeats this often.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_millis(41_250);
/// Bot user id when the fixture names none; Discord bots usually share it with the application.
pub const DEFAULT_BOT_ID: u64 = 1_100_000_000_000_000_001;
/// Members added by `extra_members(n)` get the ids `EXTRA_MEMBER_BASE + i`, far from fixture ids.
pub const EXTRA_MEMBER_BASE: u64 = 1_200_000_000_000_000_000;

/// Intent bits from Discord's documentation, used to gate events as Discord does.
pub mod intents {
    pub const GUILDS: u64 = 1;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_VOICE_STATES: u64 = 1 << 7;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// Start of Discord's snowflake clock (2015-01-01), so generated ids look and sort like real ones.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// The API prefix serenity 0.12.5 uses for every REST call.
const API_PREFIX: &str = "/api/v10/";
/// Permissions Discord gives @everyone by default; reported on members of interactions.
const DEFAULT_PERMISSIONS: &str = "104324673";
/// Ephemeral bit of a message's `flags`.
const EPHEMERAL_FLAG: u64 = 1 << 6;
/// Discord rejects message content longer than this.
const MAX_CONTENT_CHARS: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// Which kind of guild channel a fixture channel is; the values are Discord's channel `type`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    Text = 0,
    Voice = 2,
}

#[derive(Clone, Debug)]
struct ChannelSpec {
    id: u64,
    name: String,
    kind: ChannelKind,
    overwrites: Vec<Overwrite>,
}

/// One of a channel's permission overwrites, for a role (`@everyone` is the guild id) or a
/// member; the bits are Discord's permission flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    pub id: u64,
    pub member: bool,
    pub allow: u64,
    pub deny: u64,
}

impl Overwrite {
    /// Role `role_id` (the guild id for `@everyone`) gets `allow` and loses `deny`.
    pub fn role(role_id: u64, allow: u64, deny: u64) -> Self {
        Self {
            id: role_id,
            member: false,
            allow,
            deny,
        }
    }

    /// Member `user_id` gets `allow` and loses `deny`.
    pub fn member(user_id: u64, allow: u64, deny: u64) -> Self {
        Self {
            id: user_id,
            member: true,
            allow,
            deny,
        }
    }

    fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "type": u8::from(self.member),
            "allow": self.allow.to_string(),
            "deny": self.deny.to_string(),
        })
    }
}

/// Discord's permission bits the tests use.
pub mod permissions {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    /// What Discord gives `@everyone` in a new guild (VIEW_CHANNEL included).
    pub const DEFAULT_EVERYONE: u64 = 104_324_673;
}

#[derive(Clone, Debug)]
struct MemberSpec {
    name: String,
    roles: Vec<u64>,
}

/// Describes the one guild the bot is in, and the bot itself.
///
/// ```ignore
/// let fixture = GuildFixture::new(10)
///     .text_channel(20, "annonces")
///     .voice_channel(30, "L'écho-du-Cube")
///     .role(40, "joueurs")
///     .member(100, "alice", [40])
///     .in_voice(100, 30);
/// ```
#[derive(Clone, Debug)]
pub struct GuildFixture {
    guild_id: u64,
    guild_name: String,
    owner_id: Option<u64>,
    bot_id: u64,
    bot_name: String,
    application_id: Option<u64>,
    heartbeat_interval: Duration,
    token: Option<String>,
    channels: Vec<ChannelSpec>,
    roles: Vec<(u64, String)>,
    /// Permission bits by role id; a role not here has none, `@everyone` Discord's defaults.
    role_permissions: BTreeMap<u64, u64>,
    members: Vec<(u64, MemberSpec)>,
    voice: Vec<(u64, u64)>,
    extra_members: usize,
}

impl GuildFixture {
    /// An empty guild (only @everyone and the bot) with the default bot user and heartbeat.
    pub fn new(guild_id: u64) -> Self {
        Self {
            guild_id,
            guild_name: "CubeGuardian test guild".to_owned(),
            owner_id: None,
            bot_id: DEFAULT_BOT_ID,
            bot_name: "CubeGuardian".to_owned(),
            application_id: None,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            token: None,
            channels: Vec::new(),
            roles: Vec::new(),
            role_permissions: BTreeMap::new(),
            members: Vec::new(),
            voice: Vec::new(),
            extra_members: 0,
        }
    }

    /// Names the guild.
    pub fn name(mut self, name: &str) -> Self {
        self.guild_name = name.to_owned();
        self
    }

    /// Sets the bot's user id and name (also its application id unless `application_id` is set).
    pub fn bot_user(mut self, id: u64, name: &str) -> Self {
        self.bot_id = id;
        self.bot_name = name.to_owned();
        self
    }

    /// Sets the application id reported in READY and expected in interaction routes.
    pub fn application_id(mut self, id: u64) -> Self {
        self.application_id = Some(id);
        self
    }

    /// Sets the guild owner (defaults to the first member, or the bot).
    pub fn owner(mut self, user_id: u64) -> Self {
        self.owner_id = Some(user_id);
        self
    }

    /// Sets the heartbeat interval announced in HELLO.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Makes the stand-in check the token: REST calls without `Authorization: Bot <token>` get
    /// 401, and an IDENTIFY/RESUME with another token is closed with 4004 (authentication
    /// failed), as Discord does. Without it any token is accepted (and still recorded).
    pub fn expect_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Adds a text channel.
    pub fn text_channel(mut self, id: u64, name: &str) -> Self {
        self.channels.push(ChannelSpec {
            id,
            name: name.to_owned(),
            kind: ChannelKind::Text,
            overwrites: Vec::new(),
        });
        self
    }

    /// Adds a voice channel.
    pub fn voice_channel(mut self, id: u64, name: &str) -> Self {
        self.channels.push(ChannelSpec {
            id,
            name: name.to_owned(),
            kind: ChannelKind::Voice,
            overwrites: Vec::new(),
        });
        self
    }

    /// Adds a role (@everyone, whose id is the guild id, always exists).
    pub fn role(mut self, id: u64, name: &str) -> Self {
        self.roles.push((id, name.to_owned()));
        self
    }

    /// Sets a role's permission bits (the guild id for `@everyone`).
    pub fn role_permissions(mut self, role_id: u64, permissions: u64) -> Self {
        self.role_permissions.insert(role_id, permissions);
        self
    }

    /// Adds a permission overwrite to a fixture channel (replacing one for the same target).
    /// Panics if the channel is not in the fixture yet: that is a bug in the test.
    pub fn overwrite(mut self, channel_id: u64, overwrite: Overwrite) -> Self {
        let Some(channel) = self.channels.iter_mut().find(|c| c.id == channel_id) else {
            panic!("discord stand-in: add channel {channel_id} before its overwrites");
        };
        channel
            .overwrites
            .retain(|o| (o.id, o.member) != (overwrite.id, overwrite.member));
        channel.overwrites.push(overwrite);
        self
    }

    /// Adds a member with the given role ids (not counting @everyone, as Discord does).
    pub fn member(mut self, id: u64, name: &str, roles: impl IntoIterator<Item = u64>) -> Self {
        let spec = MemberSpec {
            name: name.to_owned(),
            roles: roles.into_iter().collect(),
        };
        self.members.retain(|(existing, _)| *existing != id);
        self.members.push((id, spec));
        self
    }

    /// Puts a member in a voice channel from the start.
    pub fn in_voice(mut self, user_id: u64, channel_id: u64) -> Self {
        self.voice.retain(|(user, _)| *user != user_id);
        self.voice.push((user_id, channel_id));
        self
    }

    /// Adds `n` generated members (`EXTRA_MEMBER_BASE + i`, named `membre-i`, no roles).
    pub fn extra_members(mut self, n: usize) -> Self {
        self.extra_members = n;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Records handed to tests
// ---------------------------------------------------------------------------------------------

/// A message the bot created through `POST /channels/{id}/messages`, in its current state.
#[derive(Clone, Debug)]
pub struct SentMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    /// Action rows as the bot sent them (`[]` when none).
    pub components: Value,
    /// Embeds as the bot sent them (`[]` when none).
    pub embeds: Value,
    pub flags: u64,
    /// The message this one replies to, if the bot set `message_reference`.
    pub reply_to: Option<u64>,
    /// Whether the bot (or an UPDATE_MESSAGE interaction response) changed it since.
    pub edited: bool,
    pub deleted: bool,
    /// Set when the channel is a DM channel: the user it belongs to.
    pub dm_user: Option<u64>,
    /// Files the message carries now: uploaded with it or with later edits, minus the ones an
    /// edit dropped.
    pub attachments: Vec<UploadedFile>,
}

/// A file the bot uploaded as a `multipart/form-data` part, kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// The attachment id the stand-in gave it (also in the message's `attachments` objects).
    pub id: u64,
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    /// The part's `Content-Type` (serenity guesses it from the file name).
    pub content_type: Option<String>,
    /// The `description` the bot gave it in `payload_json.attachments`, if any.
    pub description: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a user writes, for [`DiscordStandIn::send_message_with`].
///
/// ```ignore
/// let spec = MessageSpec::new("voir pièce jointe").reply_to(42).attachment("map.png", 2048);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageSpec {
    pub content: String,
    /// The message this one replies to (Discord's type 19 REPLY); any message of the channel.
    pub reply_to: Option<u64>,
    /// (file name, size in bytes) of each attached file; the bytes themselves are never served.
    pub attachments: Vec<(String, u64)>,
}

impl MessageSpec {
    /// A plain message with this content.
    pub fn new(content: &str) -> Self {
        Self {
            content: content.to_owned(),
            ..Self::default()
        }
    }

    /// Makes it a reply to `message_id`.
    pub fn reply_to(mut self, message_id: u64) -> Self {
        self.reply_to = Some(message_id);
        self
    }

    /// Attaches a file of `size` bytes named `filename`.
    pub fn attachment(mut self, filename: &str, size: u64) -> Self {
        self.attachments.push((filename.to_owned(), size));
        self
    }
}

/// A button found in a message's components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub custom_id: Option<String>,
    pub label: Option<String>,
    pub style: u64,
    pub disabled: bool,
}

impl SentMessage {
    /// Every button of every action row, in order.
    pub fn buttons(&self) -> Vec<Button> {
        let rows = self.components.as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|component| component["type"] == 2)
            .map(|button| Button {
                custom_id: button["custom_id"].as_str().map(str::to_owned),
                label: button["label"].as_str().map(str::to_owned),
                style: button["style"].as_u64().unwrap_or(0),
                disabled: button["disabled"].as_bool().unwrap_or(false),
            })
            .collect()
    }

    /// The custom ids of the buttons, for `press_button`.
    pub fn custom_ids(&self) -> Vec<String> {
        self.buttons()
            .into_iter()
            .filter_map(|b| b.custom_id)
            .collect()
    }

    /// (file name, bytes) of every file the message carries now.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        file_pairs(&self.attachments)
    }
}

/// What an interaction answer was: the callback or a later webhook call on its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// `POST /interactions/{id}/{token}/callback` with this response `type`
    /// (4 message, 5 deferred message, 6 deferred update, 7 update message, 9 modal).
    Callback(u64),
    EditOriginal,
    DeleteOriginal,
    Followup,
    EditFollowup(u64),
    DeleteFollowup(u64),
}

/// One answer the bot gave to an interaction.
#[derive(Clone, Debug)]
pub struct InteractionResponse {
    pub interaction_id: u64,
    pub token: String,
    pub kind: ResponseKind,
    /// The JSON body as sent (for multipart requests, the `payload_json` part).
    pub body: Value,
    /// The HTTP status the stand-in answered (e.g. 400 for a second callback).
    pub status: u16,
    /// Files uploaded with this call (multipart `files[n]` parts).
    pub files: Vec<UploadedFile>,
}

impl InteractionResponse {
    /// The message part: `data` of a callback, the whole body of a webhook call.
    pub fn message(&self) -> &Value {
        match self.kind {
            ResponseKind::Callback(_) => &self.body["data"],
            _ => &self.body,
        }
    }

    pub fn content(&self) -> Option<&str> {
        self.message()["content"].as_str()
    }

    pub fn is_ephemeral(&self) -> bool {
        self.message()["flags"].as_u64().unwrap_or(0) & EPHEMERAL_FLAG != 0
    }

    pub fn components(&self) -> &Value {
        &self.message()["components"]
    }

    pub fn callback_type(&self) -> Option<u64> {
        match self.kind {
            ResponseKind::Callback(kind) => Some(kind),
            _ => None,
        }
    }

    /// (file name, bytes) of every file uploaded with this call.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        file_pairs(&self.files)
    }
}

/// Identifies an injected interaction, to find the bot's answers to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionHandle {
    pub id: u64,
    pub token: String,
}

impl InteractionHandle {
    /// Whether `response` answers this interaction (callback or webhook call on its token).
    pub fn matches(&self, response: &InteractionResponse) -> bool {
        response.token == self.token
    }
}

/// One REST call the bot made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Full path, e.g. `/api/v10/channels/20/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The raw `Authorization` header (serenity sends `Bot <token>`).
    pub authorization: Option<String>,
    /// JSON body (`Null` when empty or not JSON; the `payload_json` part of multipart bodies).
    pub body: Value,
    /// 0 for a request held unanswered ([`DiscordStandIn::hold_next`]).
    pub status: u16,
    /// False when the route is not one the stand-in implements (answered 404).
    pub known_route: bool,
    /// Files of a multipart body (`files[n]` parts), with the attachment ids they were given.
    pub files: Vec<UploadedFile>,
}

/// Who a message the bot sent would ping, by Discord's rules for `allowed_mentions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pings {
    /// `@everyone` or `@here` would ping.
    pub everyone: bool,
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
    /// A reply would ping the author of the message it answers.
    pub replied_user: bool,
}

impl Pings {
    pub fn nobody(&self) -> bool {
        *self == Pings::default()
    }
}

impl RecordedRequest {
    /// The message this request posted, answered or edited as the bot (channel messages,
    /// interaction callbacks, follow-ups and edits), if it is such a request.
    pub fn message_payload(&self) -> Option<&Value> {
        let path = self.path.strip_prefix(API_PREFIX).unwrap_or(&self.path);
        let parts: Vec<&str> = path.split('/').collect();
        match (self.method.as_str(), parts.as_slice()) {
            ("POST", ["channels", _, "messages"])
            | ("PATCH", ["channels", _, "messages", _])
            | ("POST" | "PATCH", ["webhooks", ..]) => Some(&self.body),
            ("POST", ["interactions", _, _, "callback"]) => {
                Some(&self.body["data"]).filter(|d| d.is_object())
            }
            _ => None,
        }
    }

    /// Who the message of this request would ping: without `allowed_mentions`, Discord
    /// parses everything in `content` (and a reply pings its author); with it, only what it
    /// allows. `None` when the request carries no message.
    pub fn pings(&self) -> Option<Pings> {
        let message = self.message_payload()?;
        let content = message["content"].as_str().unwrap_or("");
        let (users, roles) = parse_mentions(content);
        let everyone = content.contains("@everyone") || content.contains("@here");
        let reply = message["message_reference"].is_object();
        let allowed = &message["allowed_mentions"];
        if !allowed.is_object() {
            return Some(Pings {
                everyone,
                users,
                roles,
                replied_user: reply,
            });
        }
        let parse = |kind: &str| {
            allowed["parse"]
                .as_array()
                .is_some_and(|p| p.iter().any(|v| v == kind))
        };
        let listed = |key: &str, id: &u64| {
            allowed[key]
                .as_array()
                .is_some_and(|l| l.iter().any(|v| id_field(v) == Some(*id)))
        };
        Some(Pings {
            everyone: everyone && parse("everyone"),
            users: users
                .into_iter()
                .filter(|u| parse("users") || listed("users", u))
                .collect(),
            roles: roles
                .into_iter()
                .filter(|r| parse("roles") || listed("roles", r))
                .collect(),
            replied_user: reply && allowed["replied_user"] == true,
        })
    }
}

/// One gateway dispatch the stand-in sent (or queued for a RESUME).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchRecord {
    pub session_id: String,
    pub seq: u64,
    pub event: String,
}

/// A wait ran out; says what was awaited, so a failing test explains itself.
#[derive(Debug)]
pub struct WaitTimeout {
    what: String,
    after: Duration,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "discord stand-in: timed out after {:?} waiting for {}",
            self.after, self.what
        )
    }
}

impl std::error::Error for WaitTimeout {}

// ---------------------------------------------------------------------------------------------
// The stand-in
// ---------------------------------------------------------------------------------------------

/// The running Discord stand-in. Dropping it (or `shutdown`) stops the server and closes the
/// gateway connections.
pub struct DiscordStandIn {
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
}

impl DiscordStandIn {
    /// Binds 127.0.0.1:0 and serves the fixture guild; panics if no loopback port is free.
    pub async fn start(fixture: GuildFixture) -> Self {
        match Self::try_start(fixture).await {
            Ok(standin) => standin,
            Err(err) => panic!("discord stand-in: cannot bind 127.0.0.1:0: {err}"),
        }
    }

    /// Like `start`, returning the bind error instead of panicking.
    pub async fn try_start(fixture: GuildFixture) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let api_url = format!("http://{addr}");
        let gateway_url = format!("ws://{addr}/gateway");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(fixture, gateway_url.clone())),
            changed: watch::channel(0).0,
            hold: watch::channel(false).0,
            held_routes: Mutex::new(Vec::new()),
            shutdown: watch::channel(false).0,
            next_conn_id: AtomicU64::new(1),
            api_url,
            gateway_url,
        });
        let router = Router::new()
            .route("/gateway", get(gateway_upgrade))
            .fallback(rest)
            .with_state(Arc::clone(&shared));
        let mut stop = shared.shutdown.subscribe();
        let server = tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            // Without TCP_NODELAY, back-to-back frames (a RESUME replay) wait ~40 ms for
            // delayed ACKs on loopback.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(Self {
            shared,
            server: Some(server),
        })
    }

    /// Stops the server and waits (briefly) for it to finish.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }

    /// Base URL to give serenity's `HttpBuilder::proxy`, e.g. `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// Gateway URL to put in `Client::ws_url`, e.g. `ws://127.0.0.1:PORT/gateway`.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    pub fn bot_user_id(&self) -> u64 {
        self.shared.lock().bot_id
    }

    pub fn application_id(&self) -> u64 {
        self.shared.lock().application_id
    }

    pub fn guild_id(&self) -> u64 {
        self.shared.lock().guild_id
    }

    // ----- injection ------------------------------------------------------------------------

    /// Moves `user_id` into `channel_id` (joining or switching) and dispatches
    /// VOICE_STATE_UPDATE. Panics if the user is not a member or the channel is not a voice
    /// channel of the fixture: that is a bug in the test.
    pub async fn voice_join(&self, user_id: u64, channel_id: u64) {
        self.shared.update(|st| st.voice_join(user_id, channel_id));
    }

    /// Takes `user_id` out of voice and dispatches VOICE_STATE_UPDATE with `channel_id: null`.
    /// Does nothing if the user was not in voice.
    pub async fn voice_leave(&self, user_id: u64) {
        self.shared.update(|st| st.voice_leave(user_id));
    }

    /// Who is in which voice channel right now, as (user, channel).
    pub fn voice_states(&self) -> Vec<(u64, u64)> {
        self.shared
            .lock()
            .voice
            .iter()
            .map(|(u, c)| (*u, *c))
            .collect()
    }

    /// Adds (or replaces) a member; dispatches GUILD_MEMBER_ADD to a connected bot that asked
    /// for `GUILD_MEMBERS`.
    pub async fn add_member(&self, user_id: u64, name: &str, roles: impl IntoIterator<Item = u64>) {
        let spec = MemberSpec {
            name: name.to_owned(),
            roles: roles.into_iter().collect(),
        };
        self.shared.update(|st| st.add_member(user_id, spec));
    }

    /// Replaces a member's roles; dispatches GUILD_MEMBER_UPDATE (needs `GUILD_MEMBERS`).
    pub async fn set_member_roles(&self, user_id: u64, roles: impl IntoIterator<Item = u64>) {
        let roles: Vec<u64> = roles.into_iter().collect();
        self.shared.update(|st| st.set_member_roles(user_id, roles));
    }

    /// Replaces a fixture channel's permission overwrites; dispatches CHANNEL_UPDATE (needs
    /// `GUILDS`), as Discord does when a moderator edits the channel's permissions.
    pub async fn set_channel_overwrites(
        &self,
        channel_id: u64,
        overwrites: impl IntoIterator<Item = Overwrite>,
    ) {
        let overwrites: Vec<Overwrite> = overwrites.into_iter().collect();
        self.shared
            .update(|st| st.set_channel_overwrites(channel_id, overwrites));
    }

    /// Sets a role's permission bits (the guild id for `@everyone`); dispatches
    /// GUILD_ROLE_UPDATE (needs `GUILDS`).
    pub async fn set_role_permissions(&self, role_id: u64, permissions: u64) {
        self.shared
            .update(|st| st.set_role_permissions(role_id, permissions));
    }

    /// Makes GUILD_CREATE (from the next IDENTIFY on) include `n` generated members.
    pub async fn extra_members(&self, n: usize) {
        self.shared.update(|st| st.extra_members = n);
    }

    /// `user_id` presses the button `custom_id` on message `message_id` in `channel_id`
    /// (a guild channel, or a DM channel from `dm_channel_id`): dispatches INTERACTION_CREATE
    /// of type 3 (message component). If the message is one the bot sent, its current state is
    /// embedded; otherwise a minimal message by the bot.
    pub async fn press_button(
        &self,
        user_id: u64,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> InteractionHandle {
        self.shared
            .update(|st| st.press_button(user_id, channel_id, message_id, custom_id))
    }

    /// `user_id` runs the slash command `name` in `channel_id` with `options` (Discord's
    /// option objects, e.g. `json!([{"name": "minutes", "type": 4, "value": 5}])`):
    /// dispatches INTERACTION_CREATE of type 2. The command id is the registered one if the
    /// bot registered a command of that name. User, channel, role and mentionable options
    /// (types 6-9, value the id as a string) get their `data.resolved` entries, as on Discord.
    pub async fn slash_command(
        &self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> InteractionHandle {
        self.shared
            .update(|st| st.slash_command(user_id, channel_id, name, options))
    }

    /// `author_id` writes `content` in guild channel `channel_id`: dispatches MESSAGE_CREATE
    /// (with `member`, and `mentions` filled from `<@id>` in the content). Returns the id.
    pub async fn send_message(&self, author_id: u64, channel_id: u64, content: &str) -> u64 {
        self.send_message_with(author_id, channel_id, MessageSpec::new(content))
            .await
    }

    /// `author_id` writes `spec` in `channel_id` (a fixture channel, or the author's DM channel
    /// from `dm_channel_id`): the message is remembered and MESSAGE_CREATE dispatched, a reply
    /// as Discord's type 19 with `message_reference` and `referenced_message`, files as
    /// `attachments` objects. Panics if the replied-to message is not in that channel.
    pub async fn send_message_with(
        &self,
        author_id: u64,
        channel_id: u64,
        spec: MessageSpec,
    ) -> u64 {
        self.shared
            .update(|st| st.user_message(author_id, Some(channel_id), spec))
    }

    /// `author_id` writes `content` to the bot in DM: dispatches MESSAGE_CREATE without
    /// `guild_id`, in the user's DM channel (the same one `create_dm_channel` returns).
    pub async fn send_dm(&self, author_id: u64, content: &str) -> u64 {
        self.shared
            .update(|st| st.user_message(author_id, None, MessageSpec::new(content)))
    }

    /// The author of user message `message_id` changes its content: dispatches MESSAGE_UPDATE
    /// with the whole message and an `edited_timestamp`. Panics if it is not a live user message
    /// (the bot edits its own through REST).
    pub async fn edit_message(&self, message_id: u64, new_content: &str) {
        self.shared
            .update(|st| st.edit_user_message(message_id, new_content));
    }

    /// Deletes message `message_id` (a user's, or one the bot created through REST, as a
    /// moderator would): it leaves the history and MESSAGE_DELETE is dispatched. Panics if no
    /// such live message exists.
    pub async fn delete_message(&self, message_id: u64) {
        self.shared.update(|st| st.delete_message(message_id));
    }

    /// A moderator bulk-deletes `message_ids` of guild channel `channel_id`: one
    /// MESSAGE_DELETE_BULK. Panics if one of them is not a live message of that channel.
    pub async fn bulk_delete(&self, channel_id: u64, message_ids: impl IntoIterator<Item = u64>) {
        let ids: Vec<u64> = message_ids.into_iter().collect();
        self.shared.update(|st| st.bulk_delete(channel_id, &ids));
    }

    /// `user_id` reacts to `message_id` with `emoji` (a unicode emoji, or `name:id` for a custom
    /// one): dispatches MESSAGE_REACTION_ADD (with `member` in a guild). Reacting twice with the
    /// same emoji does nothing, as on Discord.
    pub async fn add_reaction(&self, user_id: u64, message_id: u64, emoji: &str) {
        self.shared
            .update(|st| st.react(user_id, message_id, Emoji::parse(emoji), true));
    }

    /// `user_id` takes back its `emoji` reaction: dispatches MESSAGE_REACTION_REMOVE. Does
    /// nothing if it had not reacted so.
    pub async fn remove_reaction(&self, user_id: u64, message_id: u64, emoji: &str) {
        self.shared
            .update(|st| st.react(user_id, message_id, Emoji::parse(emoji), false));
    }

    /// The reactions on `message_id` now: (emoji as given, users in reaction order).
    pub fn reactions(&self, message_id: u64) -> Vec<(String, Vec<u64>)> {
        let st = self.shared.lock();
        st.reactions
            .get(&message_id)
            .map(|list| {
                list.iter()
                    .map(|r| (r.emoji.as_text(), r.users.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The ids of the live messages of `channel_id` (users', the bot's and its non-ephemeral
    /// interaction replies), oldest first: what `GET /channels/{id}/messages` pages through.
    pub fn channel_history(&self, channel_id: u64) -> Vec<u64> {
        self.shared.lock().history_ids(channel_id)
    }

    /// The DM channel id between the bot and `user_id` (stable; created on first use).
    pub fn dm_channel_id(&self, user_id: u64) -> u64 {
        self.shared.update(|st| st.dm_channel_of(user_id))
    }

    // ----- connection faults ----------------------------------------------------------------

    /// Abruptly closes the bot's gateway socket (TCP closed, no close frame), like a network
    /// cut. The session stays resumable: serenity reconnects at once and RESUMEs, and every
    /// dispatch made meanwhile is replayed. Returns false if no bot was connected.
    pub async fn drop_connection(&self) -> bool {
        self.break_connection(None).await
    }

    /// Closes the bot's gateway socket with a close frame carrying `code`. serenity RESUMEs
    /// after most codes (1000, 4000, 4001...), IDENTIFYs anew after 4006/4009 (about 5 s
    /// later), and makes `Client::start` fail after 4004 (authentication failed) and
    /// 4013/4014 (intents). Returns false if no bot was connected.
    pub async fn close_connection(&self, code: u16) -> bool {
        self.break_connection(Some(code)).await
    }

    async fn break_connection(&self, close_code: Option<u16>) -> bool {
        let (done_tx, done_rx) = oneshot::channel();
        let sent = self.shared.update(|st| {
            let Some(conn) = st.session.as_mut().and_then(|s| s.conn.take()) else {
                return false;
            };
            let command = match close_code {
                None => Outbound::Abort(Some(done_tx)),
                Some(code) => Outbound::Close(code, Some(done_tx)),
            };
            conn.tx.send(command).is_ok()
        });
        if sent {
            let _ = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        }
        sent
    }

    /// Sends op 9 INVALID_SESSION (d=false) and forgets the session: serenity re-IDENTIFYs and
    /// gets a fresh GUILD_CREATE with the truth; what happened meanwhile is not replayed.
    /// serenity takes about 5 s to do so (its shard restart waits out a 5 s timeout), so wait
    /// with `wait_for_identify(n, ..)` and a generous timeout. Returns false without a session.
    pub async fn invalidate_session(&self) -> bool {
        self.shared.update(|st| {
            let Some(session) = st.session.take() else {
                return false;
            };
            if let Some(conn) = session.conn {
                let _ = conn
                    .tx
                    .send(Outbound::Text(json!({"op": 9, "d": false}).to_string()));
            }
            true
        })
    }

    /// Sends op 7 RECONNECT: serenity opens a new socket and RESUMEs.
    pub async fn request_reconnect(&self) -> bool {
        self.shared.update(|st| {
            let Some(conn) = st.session.as_ref().and_then(|s| s.conn.as_ref()) else {
                return false;
            };
            conn.tx
                .send(Outbound::Text(json!({"op": 7, "d": null}).to_string()))
                .is_ok()
        })
    }

    /// While held, IDENTIFY and RESUME on new sockets wait (HELLO and heartbeats still flow),
    /// so a test can inject events into a gap deterministically:
    /// `hold_gateway(); drop_connection(); voice_join(..); release_gateway();`.
    pub fn hold_gateway(&self) {
        self.shared.hold.send_replace(true);
    }

    /// Lets held IDENTIFY/RESUME proceed.
    pub fn release_gateway(&self) {
        self.shared.hold.send_replace(false);
    }

    // ----- counters and waiters -------------------------------------------------------------

    pub fn identify_count(&self) -> u64 {
        self.shared.lock().identify_count
    }

    /// Successful RESUMEs.
    pub fn resume_count(&self) -> u64 {
        self.shared.lock().resume_count
    }

    /// RESUMEs refused with INVALID_SESSION (unknown or invalidated session).
    pub fn rejected_resume_count(&self) -> u64 {
        self.shared.lock().rejected_resume_count
    }

    /// Dispatches replayed by RESUMEs so far.
    pub fn replayed_count(&self) -> u64 {
        self.shared.lock().replayed_count
    }

    /// Gateway WebSocket connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.lock().connection_count
    }

    pub fn heartbeat_count(&self) -> u64 {
        self.shared.lock().heartbeat_count
    }

    /// Whether a session is identified or resumed on an open socket.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().is_connected()
    }

    /// The `d` of every IDENTIFY received (token, intents, shard, properties...).
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.lock().identifies.clone()
    }

    /// Intents of the current (or last) session.
    pub fn intents(&self) -> Option<u64> {
        self.shared
            .lock()
            .identifies
            .last()
            .and_then(|d| d["intents"].as_u64())
    }

    /// Gateway commands other than heartbeat/identify/resume (presence updates, member
    /// requests...), whole payloads.
    pub fn gateway_commands(&self) -> Vec<Value> {
        self.shared.lock().gateway_commands.clone()
    }

    /// Every dispatch sent or queued, in order.
    pub fn dispatches(&self) -> Vec<DispatchRecord> {
        self.shared.lock().dispatches.clone()
    }

    pub async fn wait_for_identify(&self, n: u64, timeout: Duration) -> Result<(), WaitTimeout> {
        let what = format!("identify #{n}");
        self.wait_until(&what, timeout, |st| (st.identify_count >= n).then_some(()))
            .await
    }

    pub async fn wait_for_resume(&self, n: u64, timeout: Duration) -> Result<(), WaitTimeout> {
        let what = format!("resume #{n}");
        self.wait_until(&what, timeout, |st| (st.resume_count >= n).then_some(()))
            .await
    }

    pub async fn wait_until_connected(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("a connected session", timeout, |st| {
            st.is_connected().then_some(())
        })
        .await
    }

    pub async fn wait_until_disconnected(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("no connected session", timeout, |st| {
            (!st.is_connected()).then_some(())
        })
        .await
    }

    // ----- recordings -----------------------------------------------------------------------

    /// Every message the bot created, oldest first, in its current state (deleted included).
    pub fn messages(&self) -> Vec<SentMessage> {
        self.shared.lock().messages.clone()
    }

    /// [`Self::messages`] for a task that outlives a borrow of the stand-in.
    pub fn messages_handle(&self) -> impl Fn() -> Vec<SentMessage> + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move || shared.lock().messages.clone()
    }

    /// Messages the bot created in its DM channel with `user_id`.
    pub fn dm_messages(&self, user_id: u64) -> Vec<SentMessage> {
        let st = self.shared.lock();
        st.messages
            .iter()
            .filter(|m| m.dm_user == Some(user_id))
            .cloned()
            .collect()
    }

    /// Waits for a message (already sent or to come) matching `predicate`; returns the first.
    pub async fn wait_for_message(
        &self,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> Result<SentMessage, WaitTimeout> {
        self.wait_until("a matching message", timeout, |st| {
            st.messages.iter().find(|m| predicate(m)).cloned()
        })
        .await
    }

    pub fn interaction_responses(&self) -> Vec<InteractionResponse> {
        self.shared.lock().interaction_responses.clone()
    }

    /// Waits for an interaction answer (already given or to come) matching `predicate`,
    /// e.g. `|r| handle.matches(r)`.
    pub async fn wait_for_interaction_response(
        &self,
        predicate: impl Fn(&InteractionResponse) -> bool,
        timeout: Duration,
    ) -> Result<InteractionResponse, WaitTimeout> {
        self.wait_until("a matching interaction response", timeout, |st| {
            st.interaction_responses
                .iter()
                .find(|r| predicate(r))
                .cloned()
        })
        .await
    }

    /// Holds the next `method` request to `path` (e.g. `POST`,
    /// `/api/v10/channels/3000/messages`) without ever answering it, as a stalled Discord:
    /// it is recorded with status 0 and does nothing; the connection stays open until the
    /// client gives up or the stand-in stops.
    pub fn hold_next(&self, method: &str, path: &str) {
        self.shared
            .held_routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((method.to_owned(), path.to_owned()));
    }

    /// Every REST request, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// REST requests to routes the stand-in does not implement (each answered 404).
    pub fn unknown_requests(&self) -> Vec<RecordedRequest> {
        let st = self.shared.lock();
        st.requests
            .iter()
            .filter(|r| !r.known_route)
            .cloned()
            .collect()
    }

    pub async fn wait_for_request(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Result<RecordedRequest, WaitTimeout> {
        self.wait_until("a matching request", timeout, |st| {
            st.requests.iter().find(|r| predicate(r)).cloned()
        })
        .await
    }

    /// Application commands the bot registered (guild and global), as echoed back.
    pub fn commands(&self) -> Vec<Value> {
        let st = self.shared.lock();
        st.guild_commands
            .iter()
            .chain(st.global_commands.iter())
            .cloned()
            .collect()
    }

    async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = {
                let st = self.shared.lock();
                check(&st)
            };
            if let Some(found) = found {
                return Ok(found);
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    return Err(WaitTimeout {
                        what: what.to_owned(),
                        after: timeout,
                    });
                }
            }
        }
    }
}

impl Drop for DiscordStandIn {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
    }
}

// ---------------------------------------------------------------------------------------------
// Shared state
// ---------------------------------------------------------------------------------------------

struct Shared {
    state: Mutex<State>,
    /// Bumped after every change of `state`, to wake waiters.
    changed: watch::Sender<u64>,
    /// True while IDENTIFY/RESUME handling is held back.
    hold: watch::Sender<bool>,
    /// REST requests (method, path) to hold without an answer, each once.
    held_routes: Mutex<Vec<(String, String)>>,
    shutdown: watch::Sender<bool>,
    next_conn_id: AtomicU64,
    api_url: String,
    gateway_url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not hide the original failure.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the state, then wakes every waiter.
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = {
            let mut st = self.lock();
            f(&mut st)
        };
        self.changed.send_modify(|version| *version += 1);
        result
    }
}

/// What the rest of the stand-in asks a connection task to do.
enum Outbound {
    Text(String),
    /// Drop the socket without a close frame; signal when done.
    Abort(Option<oneshot::Sender<()>>),
    /// Send a close frame with this code, then drop the socket; signal when done.
    Close(u16, Option<oneshot::Sender<()>>),
}

#[derive(Clone)]
struct ConnHandle {
    id: u64,
    tx: mpsc::UnboundedSender<Outbound>,
}

/// One gateway session: what RESUME needs (sequence, undelivered dispatches) and its socket.
struct Session {
    id: String,
    seq: u64,
    intents: u64,
    /// Dispatches the bot may not have acknowledged yet (pruned by heartbeat sequences).
    log: VecDeque<(u64, String)>,
    conn: Option<ConnHandle>,
}

struct Interaction {
    id: u64,
    token: String,
    channel_id: u64,
    /// Message the component was on (component interactions only).
    message_id: Option<u64>,
    /// Callback type once answered.
    answered: Option<u64>,
    /// The reply created by a type 4/5 callback: id and message data.
    original: Option<(u64, Value)>,
    followups: BTreeMap<u64, Value>,
}

/// A message a user wrote, in its current state (deleted ones are dropped).
struct UserMessage {
    id: u64,
    channel_id: u64,
    author_id: u64,
    content: String,
    reply_to: Option<u64>,
    /// (attachment id, file name, size).
    attachments: Vec<(u64, String, u64)>,
    edited_at: Option<SystemTime>,
}

/// A reaction emoji: unicode (`id` none) or a custom guild emoji.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Emoji {
    id: Option<u64>,
    name: String,
}

impl Emoji {
    /// Reads `name:id` as a custom emoji and anything else as a unicode one, as Discord reads
    /// the emoji of reaction routes.
    fn parse(text: &str) -> Self {
        if let Some((name, id)) = text.rsplit_once(':') {
            if let Ok(id) = id.parse() {
                let name = name.trim_start_matches("a:").to_owned();
                return Self { id: Some(id), name };
            }
        }
        Self {
            id: None,
            name: text.to_owned(),
        }
    }

    fn as_text(&self) -> String {
        match self.id {
            Some(id) => format!("{}:{id}", self.name),
            None => self.name.clone(),
        }
    }

    /// The partial emoji object of reaction events and message `reactions`.
    fn json(&self) -> Value {
        match self.id {
            Some(id) => json!({"id": id.to_string(), "name": self.name, "animated": false}),
            None => json!({"id": null, "name": self.name}),
        }
    }
}

/// Who reacted to a message with one emoji, in order.
struct ReactionEntry {
    emoji: Emoji,
    users: Vec<u64>,
}

struct State {
    guild_id: u64,
    guild_name: String,
    owner_id: u64,
    bot_id: u64,
    bot_name: String,
    application_id: u64,
    heartbeat_ms: u64,
    token: Option<String>,
    gateway_url: String,
    started_at: String,
    channels: Vec<ChannelSpec>,
    roles: Vec<(u64, String)>,
    role_permissions: BTreeMap<u64, u64>,
    members: BTreeMap<u64, MemberSpec>,
    voice: BTreeMap<u64, u64>,
    extra_members: usize,

    session: Option<Session>,
    sessions_created: u64,
    last_id: u64,
    dm_channels: BTreeMap<u64, u64>,
    interactions: HashMap<String, Interaction>,

    identify_count: u64,
    resume_count: u64,
    rejected_resume_count: u64,
    replayed_count: u64,
    connection_count: u64,
    heartbeat_count: u64,
    identifies: Vec<Value>,
    gateway_commands: Vec<Value>,
    dispatches: Vec<DispatchRecord>,
    requests: Vec<RecordedRequest>,
    messages: Vec<SentMessage>,
    /// Users' live messages by id (so in creation order).
    user_messages: BTreeMap<u64, UserMessage>,
    /// Reactions by message id, for any kind of message.
    reactions: BTreeMap<u64, Vec<ReactionEntry>>,
    interaction_responses: Vec<InteractionResponse>,
    guild_commands: Vec<Value>,
    global_commands: Vec<Value>,
}

impl State {
    fn new(fixture: GuildFixture, gateway_url: String) -> Self {
        let owner_id = fixture
            .owner_id
            .or_else(|| fixture.members.first().map(|(id, _)| *id))
            .unwrap_or(fixture.bot_id);
        let mut state = Self {
            guild_id: fixture.guild_id,
            guild_name: fixture.guild_name,
            owner_id,
            bot_id: fixture.bot_id,
            bot_name: fixture.bot_name,
            application_id: fixture.application_id.unwrap_or(fixture.bot_id),
            heartbeat_ms: u64::try_from(fixture.heartbeat_interval.as_millis()).unwrap_or(u64::MAX),
            token: fixture.token,
            gateway_url,
            started_at: rfc3339(SystemTime::now()),
            channels: fixture.channels,
            roles: fixture.roles,
            role_permissions: fixture.role_permissions,
            members: fixture.members.into_iter().collect(),
            voice: BTreeMap::new(),
            extra_members: fixture.extra_members,
            session: None,
            sessions_created: 0,
            last_id: 0,
            dm_channels: BTreeMap::new(),
            interactions: HashMap::new(),
            identify_count: 0,
            resume_count: 0,
            rejected_resume_count: 0,
            replayed_count: 0,
            connection_count: 0,
            heartbeat_count: 0,
            identifies: Vec::new(),
            gateway_commands: Vec::new(),
            dispatches: Vec::new(),
            requests: Vec::new(),
            messages: Vec::new(),
            user_messages: BTreeMap::new(),
            reactions: BTreeMap::new(),
            interaction_responses: Vec::new(),
            guild_commands: Vec::new(),
            global_commands: Vec::new(),
        };
        for (user, channel) in fixture.voice {
            state.check_voice_target(user, channel);
            state.voice.insert(user, channel);
        }
        state
    }

    /// A fresh snowflake: current time in Discord's epoch, strictly increasing.
    fn next_id(&mut self) -> u64 {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let candidate = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id
    }

    fn is_connected(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.conn.is_some())
    }

    fn session_has(&self, intent: u64) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.intents & intent != 0)
    }

    // ----- the truth ------------------------------------------------------------------------

    fn is_extra(&self, user_id: u64) -> bool {
        user_id >= EXTRA_MEMBER_BASE
            && user_id - EXTRA_MEMBER_BASE < u64::try_from(self.extra_members).unwrap_or(u64::MAX)
    }

    fn is_member(&self, user_id: u64) -> bool {
        user_id == self.bot_id || self.members.contains_key(&user_id) || self.is_extra(user_id)
    }

    fn user_name(&self, user_id: u64) -> String {
        if user_id == self.bot_id {
            self.bot_name.clone()
        } else if let Some(member) = self.members.get(&user_id) {
            member.name.clone()
        } else if self.is_extra(user_id) {
            format!("membre-{}", user_id - EXTRA_MEMBER_BASE)
        } else {
            format!("user-{user_id}")
        }
    }

    fn member_roles(&self, user_id: u64) -> Vec<u64> {
        self.members
            .get(&user_id)
            .map(|m| m.roles.clone())
            .unwrap_or_default()
    }

    fn channel(&self, channel_id: u64) -> Option<&ChannelSpec> {
        self.channels.iter().find(|c| c.id == channel_id)
    }

    fn dm_user_of(&self, channel_id: u64) -> Option<u64> {
        self.dm_channels
            .iter()
            .find(|(_, c)| **c == channel_id)
            .map(|(u, _)| *u)
    }

    fn dm_channel_of(&mut self, user_id: u64) -> u64 {
        if let Some(channel) = self.dm_channels.get(&user_id) {
            return *channel;
        }
        let channel = self.next_id();
        self.dm_channels.insert(user_id, channel);
        channel
    }

    fn check_voice_target(&self, user_id: u64, channel_id: u64) {
        assert!(
            self.is_member(user_id),
            "discord stand-in: user {user_id} is not a member of the fixture guild; add it first"
        );
        assert!(
            self.channel(channel_id)
                .is_some_and(|c| c.kind == ChannelKind::Voice),
            "discord stand-in: channel {channel_id} is not a voice channel of the fixture guild"
        );
    }

    fn voice_join(&mut self, user_id: u64, channel_id: u64) {
        self.check_voice_target(user_id, channel_id);
        self.voice.insert(user_id, channel_id);
        if self.session_has(intents::GUILD_VOICE_STATES) {
            let data = self.voice_state_json(user_id, Some(channel_id), true);
            self.dispatch("VOICE_STATE_UPDATE", &data);
        }
    }

    fn voice_leave(&mut self, user_id: u64) {
        if self.voice.remove(&user_id).is_some() && self.session_has(intents::GUILD_VOICE_STATES) {
            let data = self.voice_state_json(user_id, None, true);
            self.dispatch("VOICE_STATE_UPDATE", &data);
        }
    }

    fn add_member(&mut self, user_id: u64, spec: MemberSpec) {
        let existed = self.members.insert(user_id, spec).is_some();
        if self.session_has(intents::GUILD_MEMBERS) {
            let mut data = self.member_json(user_id, true);
            data["guild_id"] = json!(self.guild_id.to_string());
            let event = if existed {
                "GUILD_MEMBER_UPDATE"
            } else {
                "GUILD_MEMBER_ADD"
            };
            self.dispatch(event, &data);
        }
    }

    fn set_member_roles(&mut self, user_id: u64, roles: Vec<u64>) {
        let Some(member) = self.members.get_mut(&user_id) else {
            panic!("discord stand-in: user {user_id} is not a fixture member; add it first");
        };
        member.roles = roles;
        if self.session_has(intents::GUILD_MEMBERS) {
            let mut data = self.member_json(user_id, true);
            data["guild_id"] = json!(self.guild_id.to_string());
            self.dispatch("GUILD_MEMBER_UPDATE", &data);
        }
    }

    fn set_channel_overwrites(&mut self, channel_id: u64, overwrites: Vec<Overwrite>) {
        let Some(position) = self.channels.iter().position(|c| c.id == channel_id) else {
            panic!("discord stand-in: channel {channel_id} is not a fixture channel");
        };
        self.channels[position].overwrites = overwrites;
        if self.session_has(intents::GUILDS) {
            let data = self.channel_json(&self.channels[position], position);
            self.dispatch("CHANNEL_UPDATE", &data);
        }
    }

    fn set_role_permissions(&mut self, role_id: u64, permissions: u64) {
        let position = if role_id == self.guild_id {
            0
        } else {
            let Some(index) = self.roles.iter().position(|(r, _)| *r == role_id) else {
                panic!("discord stand-in: role {role_id} is not a fixture role");
            };
            index + 1
        };
        self.role_permissions.insert(role_id, permissions);
        if self.session_has(intents::GUILDS) {
            let name = match position {
                0 => "@everyone".to_owned(),
                n => self.roles[n - 1].1.clone(),
            };
            let data = json!({
                "guild_id": self.guild_id.to_string(),
                "role": self.role_json(role_id, &name, position),
            });
            self.dispatch("GUILD_ROLE_UPDATE", &data);
        }
    }

    // ----- JSON payloads --------------------------------------------------------------------

    fn user_json(&self, user_id: u64) -> Value {
        let name = self.user_name(user_id);
        let mut user = json!({
            "id": user_id.to_string(),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": null,
            "public_flags": 0,
        });
        if user_id == self.bot_id {
            user["bot"] = json!(true);
        }
        user
    }

    /// The bot's own user as READY and `GET /users/@me` describe it.
    fn current_user_json(&self) -> Value {
        let mut user = self.user_json(self.bot_id);
        user["verified"] = json!(true);
        user["mfa_enabled"] = json!(false);
        user["flags"] = json!(0);
        user["email"] = Value::Null;
        user
    }

    fn member_json(&self, user_id: u64, with_user: bool) -> Value {
        let roles: Vec<String> = self
            .member_roles(user_id)
            .iter()
            .map(u64::to_string)
            .collect();
        let mut member = json!({
            "nick": null,
            "avatar": null,
            "banner": null,
            "roles": roles,
            "joined_at": self.started_at,
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        if with_user {
            member["user"] = self.user_json(user_id);
        }
        member
    }

    fn role_json(&self, id: u64, name: &str, position: usize) -> Value {
        let permissions = match self.role_permissions.get(&id) {
            Some(bits) => bits.to_string(),
            None if id == self.guild_id => DEFAULT_PERMISSIONS.to_owned(),
            None => "0".to_owned(),
        };
        json!({
            "id": id.to_string(),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": position,
            "permissions": permissions,
            "managed": false,
            "mentionable": false,
            "flags": 0,
        })
    }

    fn channel_json(&self, channel: &ChannelSpec, position: usize) -> Value {
        let mut json = json!({
            "id": channel.id.to_string(),
            "type": channel.kind as u8,
            "guild_id": self.guild_id.to_string(),
            "name": channel.name,
            "position": position,
            "permission_overwrites": channel.overwrites.iter().map(Overwrite::json).collect::<Vec<_>>(),
            "parent_id": null,
            "nsfw": false,
            "flags": 0,
            "last_message_id": null,
            "rate_limit_per_user": 0,
        });
        match channel.kind {
            ChannelKind::Text => json["topic"] = Value::Null,
            ChannelKind::Voice => {
                json["bitrate"] = json!(64_000);
                json["user_limit"] = json!(0);
                json["rtc_region"] = Value::Null;
            }
        }
        json
    }

    fn dm_channel_json(&self, user_id: u64, channel_id: u64) -> Value {
        json!({
            "id": channel_id.to_string(),
            "type": 1,
            "last_message_id": null,
            "flags": 0,
            "recipients": [self.user_json(user_id)],
        })
    }

    /// A voice state; events carry `guild_id` and `member`, GUILD_CREATE entries do not.
    fn voice_state_json(&self, user_id: u64, channel_id: Option<u64>, for_event: bool) -> Value {
        let mut state = json!({
            "channel_id": channel_id.map(|c| c.to_string()),
            "user_id": user_id.to_string(),
            "session_id": format!("standin-voice-{user_id}"),
            "deaf": false,
            "mute": false,
            "self_deaf": false,
            "self_mute": false,
            "self_video": false,
            "suppress": false,
            "request_to_speak_timestamp": null,
        });
        if for_event {
            state["guild_id"] = json!(self.guild_id.to_string());
            state["member"] = self.member_json(user_id, true);
        }
        state
    }

    fn guild_create_json(&self, with_voice: bool) -> Value {
        let mut roles = vec![self.role_json(self.guild_id, "@everyone", 0)];
        for (index, (id, name)) in self.roles.iter().enumerate() {
            roles.push(self.role_json(*id, name, index + 1));
        }
        let channels: Vec<Value> = self
            .channels
            .iter()
            .enumerate()
            .map(|(position, channel)| self.channel_json(channel, position))
            .collect();
        let mut members = vec![self.member_json(self.bot_id, true)];
        members.extend(
            self.members
                .keys()
                .filter(|id| **id != self.bot_id)
                .map(|id| self.member_json(*id, true)),
        );
        let extra = u64::try_from(self.extra_members).unwrap_or(u64::MAX);
        members.extend((0..extra).map(|i| self.member_json(EXTRA_MEMBER_BASE + i, true)));
        let voice_states: Vec<Value> = if with_voice {
            self.voice
                .iter()
                .map(|(u, c)| self.voice_state_json(*u, Some(*c), false))
                .collect()
        } else {
            Vec::new()
        };
        // Split in two literals: one `json!` this size exceeds the macro recursion limit.
        let mut guild = json!({
            "id": self.guild_id.to_string(),
            "name": self.guild_name,
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": self.owner_id.to_string(),
            "afk_channel_id": null,
            "afk_timeout": 300,
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": null,
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500_000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "fr",
            "public_updates_channel_id": null,
        });
        let extra_fields = json!({
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
            "joined_at": self.started_at,
            "large": members.len() >= 250,
            "unavailable": false,
            "member_count": members.len(),
            "roles": roles,
            "voice_states": voice_states,
            "members": members,
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": true,
        });
        merge_message_data(&mut guild, &extra_fields);
        guild
    }

    /// A message object; gateway copies of guild messages carry `guild_id` and `member`.
    fn message_json(&self, message: &SentMessage, for_gateway: bool) -> Value {
        self.bot_message_json(message, for_gateway, true)
    }

    /// A message the bot created through REST; `with_reference` adds the replied-to message
    /// (one level deep, as Discord nests it).
    fn bot_message_json(
        &self,
        message: &SentMessage,
        for_gateway: bool,
        with_reference: bool,
    ) -> Value {
        let attachments: Vec<Value> = message
            .attachments
            .iter()
            .map(|file| upload_json(message.channel_id, file))
            .collect();
        let mut json = json!({
            "id": message.id.to_string(),
            "channel_id": message.channel_id.to_string(),
            "author": self.user_json(self.bot_id),
            "content": message.content,
            "timestamp": rfc3339(snowflake_time(message.id)),
            "edited_timestamp": if message.edited { json!(rfc3339(SystemTime::now())) } else { Value::Null },
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": message.embeds,
            "components": message.components,
            "pinned": false,
            "type": if message.reply_to.is_some() { 19 } else { 0 },
            "flags": message.flags,
        });
        let guild = message.dm_user.is_none();
        if let Some(reply_to) = message.reply_to {
            self.add_reference(
                &mut json,
                message.channel_id,
                reply_to,
                guild,
                for_gateway,
                with_reference,
            );
        }
        self.add_reactions(&mut json, message.id);
        if for_gateway && guild {
            json["guild_id"] = json!(self.guild_id.to_string());
            json["member"] = self.member_json(self.bot_id, false);
        }
        json
    }

    /// A user's message. Gateway copies carry `guild_id`, `member` (also on each mention) and
    /// are content-gated like Discord's; REST copies are whole.
    fn user_message_json(
        &self,
        message: &UserMessage,
        for_gateway: bool,
        with_reference: bool,
    ) -> Value {
        let guild = self.dm_user_of(message.channel_id).is_none();
        let mentioned = self.user_mentions(message);
        let (_, role_mentions) = parse_mentions(&message.content);
        let mentions: Vec<Value> = mentioned
            .iter()
            .map(|user| {
                let mut json = self.user_json(*user);
                if for_gateway && guild && self.is_member(*user) {
                    json["member"] = self.member_json(*user, false);
                }
                json
            })
            .collect();
        let roles: Vec<String> = role_mentions.iter().map(u64::to_string).collect();
        let attachments: Vec<Value> = message
            .attachments
            .iter()
            .map(|(id, name, size)| {
                let mut json = attachment_json(message.channel_id, *id, name, *size);
                if let Some(kind) = guess_content_type(name) {
                    json["content_type"] = json!(kind);
                }
                json
            })
            .collect();
        let mut json = json!({
            "id": message.id.to_string(),
            "channel_id": message.channel_id.to_string(),
            "author": self.user_json(message.author_id),
            "content": message.content,
            "timestamp": rfc3339(snowflake_time(message.id)),
            "edited_timestamp": message.edited_at.map(rfc3339),
            "tts": false,
            "mention_everyone": false,
            "mentions": mentions,
            "mention_roles": roles,
            "attachments": attachments,
            "embeds": [],
            "components": [],
            "pinned": false,
            "type": if message.reply_to.is_some() { 19 } else { 0 },
            "flags": 0,
        });
        if let Some(reply_to) = message.reply_to {
            self.add_reference(
                &mut json,
                message.channel_id,
                reply_to,
                guild,
                for_gateway,
                with_reference,
            );
        }
        self.add_reactions(&mut json, message.id);
        if for_gateway {
            if guild {
                json["guild_id"] = json!(self.guild_id.to_string());
                json["member"] = self.member_json(message.author_id, false);
            }
            let visible = !guild
                || mentioned.contains(&self.bot_id)
                || self.session_has(intents::MESSAGE_CONTENT);
            if !visible {
                blank_content(&mut json);
            }
        }
        json
    }

    /// Users a user message mentions: `<@id>` in the content, then the replied-to author (a
    /// reply pings its author by default on Discord's clients).
    fn user_mentions(&self, message: &UserMessage) -> Vec<u64> {
        let (mut users, _) = parse_mentions(&message.content);
        let replied_author = message
            .reply_to
            .and_then(|id| self.message_author(id))
            .filter(|author| *author != message.author_id);
        if let Some(author) = replied_author {
            if !users.contains(&author) {
                users.push(author);
            }
        }
        users
    }

    /// Adds `message_reference` and, when asked, `referenced_message` (null once deleted).
    fn add_reference(
        &self,
        json: &mut Value,
        channel_id: u64,
        reply_to: u64,
        guild: bool,
        for_gateway: bool,
        with_reference: bool,
    ) {
        let mut reference = json!({
            "type": 0,
            "message_id": reply_to.to_string(),
            "channel_id": channel_id.to_string(),
        });
        if guild {
            reference["guild_id"] = json!(self.guild_id.to_string());
        }
        json["message_reference"] = reference;
        if with_reference {
            json["referenced_message"] = self
                .any_message_json(reply_to, for_gateway, false)
                .unwrap_or(Value::Null);
        }
    }

    /// Adds `reactions` (Discord omits the field when there are none).
    fn add_reactions(&self, json: &mut Value, message_id: u64) {
        let Some(list) = self.reactions.get(&message_id).filter(|l| !l.is_empty()) else {
            return;
        };
        let reactions: Vec<Value> = list
            .iter()
            .map(|entry| {
                json!({
                    "count": entry.users.len(),
                    "count_details": {"burst": 0, "normal": entry.users.len()},
                    "me": entry.users.contains(&self.bot_id),
                    "me_burst": false,
                    "burst_colors": [],
                    "emoji": entry.emoji.json(),
                })
            })
            .collect();
        json["reactions"] = json!(reactions);
    }

    /// The message object of an interaction reply or follow-up built from its `data`.
    fn webhook_message_json(&self, id: u64, channel_id: u64, data: &Value) -> Value {
        let mut json = json!({
            "id": id.to_string(),
            "channel_id": channel_id.to_string(),
            "author": self.user_json(self.bot_id),
            "content": data["content"].as_str().unwrap_or(""),
            "timestamp": rfc3339(snowflake_time(id)),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": non_null_array(&data["attachments"]),
            "embeds": non_null_array(&data["embeds"]),
            "components": non_null_array(&data["components"]),
            "pinned": false,
            "type": 0,
            "flags": data["flags"].as_u64().unwrap_or(0),
            "webhook_id": self.application_id.to_string(),
            "application_id": self.application_id.to_string(),
        });
        self.add_reactions(&mut json, id);
        json
    }

    /// Any live message of any kind by id, as REST (or, with `for_gateway`, the gateway)
    /// shows it.
    fn any_message_json(&self, id: u64, for_gateway: bool, with_reference: bool) -> Option<Value> {
        if let Some(message) = self.messages.iter().find(|m| m.id == id && !m.deleted) {
            return Some(self.bot_message_json(message, for_gateway, with_reference));
        }
        if let Some(message) = self.user_messages.get(&id) {
            return Some(self.user_message_json(message, for_gateway, with_reference));
        }
        self.interaction_messages()
            .into_iter()
            .find(|(message_id, _, _)| *message_id == id)
            .map(|(id, channel_id, data)| self.webhook_message_json(id, channel_id, data))
    }

    /// (id, channel, data) of every live, non-ephemeral interaction reply and follow-up: they
    /// are channel messages on Discord, ephemeral ones are not.
    fn interaction_messages(&self) -> Vec<(u64, u64, &Value)> {
        let mut found = Vec::new();
        for interaction in self.interactions.values() {
            let originals = interaction.original.iter().map(|(id, data)| (*id, data));
            for (id, data) in originals.chain(interaction.followups.iter().map(|(id, d)| (*id, d)))
            {
                let ephemeral = data["flags"].as_u64().unwrap_or(0) & EPHEMERAL_FLAG != 0;
                if !ephemeral {
                    found.push((id, interaction.channel_id, data));
                }
            }
        }
        found
    }

    /// The channel of a live message of any kind.
    fn message_channel_of(&self, id: u64) -> Option<u64> {
        if let Some(message) = self.messages.iter().find(|m| m.id == id && !m.deleted) {
            return Some(message.channel_id);
        }
        if let Some(message) = self.user_messages.get(&id) {
            return Some(message.channel_id);
        }
        self.interaction_messages()
            .into_iter()
            .find(|(message_id, _, _)| *message_id == id)
            .map(|(_, channel, _)| channel)
    }

    /// The author of a live message of any kind (the bot for its own and interaction replies).
    fn message_author(&self, id: u64) -> Option<u64> {
        match self.user_messages.get(&id) {
            Some(message) => Some(message.author_id),
            None => self.message_channel_of(id).map(|_| self.bot_id),
        }
    }

    /// Ids of the live messages of a channel, oldest first.
    fn history_ids(&self, channel_id: u64) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .messages
            .iter()
            .filter(|m| m.channel_id == channel_id && !m.deleted)
            .map(|m| m.id)
            .chain(
                self.user_messages
                    .values()
                    .filter(|m| m.channel_id == channel_id)
                    .map(|m| m.id),
            )
            .chain(
                self.interaction_messages()
                    .into_iter()
                    .filter(|(_, channel, _)| *channel == channel_id)
                    .map(|(id, _, _)| id),
            )
            .collect();
        ids.sort_unstable();
        ids
    }

    // ----- gateway ----------------------------------------------------------------------------

    /// Gives `data` the next sequence number and sends it, or queues it for a RESUME when the
    /// bot's socket is down. Without a session nothing is sent (the truth is in GUILD_CREATE).
    fn dispatch(&mut self, event: &str, data: &Value) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.seq += 1;
        let seq = session.seq;
        let frame = json!({"op": 0, "s": seq, "t": event, "d": data}).to_string();
        if let Some(conn) = &session.conn {
            let _ = conn.tx.send(Outbound::Text(frame.clone()));
        }
        session.log.push_back((seq, frame));
        let session_id = session.id.clone();
        self.dispatches.push(DispatchRecord {
            session_id,
            seq,
            event: event.to_owned(),
        });
    }

    fn token_ok(&self, token: Option<&str>) -> bool {
        match (&self.token, token) {
            (None, _) => true,
            (Some(expected), Some(given)) => {
                given == expected || given.strip_prefix("Bot ") == Some(expected.as_str())
            }
            (Some(_), None) => false,
        }
    }

    fn identify(&mut self, conn: &ConnHandle, d: &Value) {
        if !self.token_ok(d["token"].as_str()) {
            let _ = conn.tx.send(Outbound::Close(4004, None));
            return;
        }
        self.sessions_created += 1;
        let nonce = self.next_id();
        let session_id = format!("standin-session-{}-{nonce}", self.sessions_created);
        let intents = d["intents"].as_u64().unwrap_or(0);
        self.session = Some(Session {
            id: session_id.clone(),
            seq: 0,
            intents,
            log: VecDeque::new(),
            conn: Some(conn.clone()),
        });
        self.identify_count += 1;
        self.identifies.push(d.clone());
        let shard = if d["shard"].is_array() {
            d["shard"].clone()
        } else {
            json!([0, 1])
        };
        let ready = json!({
            "v": 10,
            "user": self.current_user_json(),
            "guilds": [{"id": self.guild_id.to_string(), "unavailable": true}],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": shard,
            "application": {"id": self.application_id.to_string(), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["discord-standin"],
        });
        self.dispatch("READY", &ready);
        if intents & intents::GUILDS != 0 {
            let guild = self.guild_create_json(intents & intents::GUILD_VOICE_STATES != 0);
            self.dispatch("GUILD_CREATE", &guild);
        }
    }

    fn resume(&mut self, conn: &ConnHandle, d: &Value) {
        if !self.token_ok(d["token"].as_str()) {
            let _ = conn.tx.send(Outbound::Close(4004, None));
            return;
        }
        let known = self
            .session
            .as_ref()
            .is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str());
        let Some(session) = self.session.as_mut().filter(|_| known) else {
            self.rejected_resume_count += 1;
            let _ = conn
                .tx
                .send(Outbound::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        };
        if let Some(old) = session.conn.replace(conn.clone()) {
            if old.id != conn.id {
                let _ = old.tx.send(Outbound::Abort(None));
            }
        }
        let after = d["seq"].as_u64().unwrap_or(0);
        let mut replayed = 0;
        for (_, frame) in session.log.iter().filter(|(seq, _)| *seq > after) {
            let _ = conn.tx.send(Outbound::Text(frame.clone()));
            replayed += 1;
        }
        self.replayed_count += replayed;
        self.resume_count += 1;
        self.dispatch("RESUMED", &json!({"_trace": ["discord-standin"]}));
    }

    fn heartbeat(&mut self, conn: &ConnHandle, d: &Value) {
        self.heartbeat_count += 1;
        // The bot has everything up to the sequence it heartbeats: those need no replay.
        if let (Some(session), Some(acked)) = (self.session.as_mut(), d.as_u64()) {
            if session.conn.as_ref().is_some_and(|c| c.id == conn.id) {
                session.log.retain(|(seq, _)| *seq > acked);
            }
        }
    }

    fn detach(&mut self, conn_id: u64) {
        if let Some(session) = self.session.as_mut() {
            if session.conn.as_ref().is_some_and(|c| c.id == conn_id) {
                session.conn = None;
            }
        }
    }

    // ----- injected user actions -------------------------------------------------------------

    /// Where an interaction or message happens: guild (with the member) or DM.
    fn place(&self, user_id: u64, channel_id: u64) -> Option<u64> {
        if let Some(dm_user) = self.dm_user_of(channel_id) {
            assert_eq!(
                dm_user, user_id,
                "discord stand-in: channel {channel_id} is the DM channel of user {dm_user}"
            );
            return None;
        }
        assert!(
            self.channel(channel_id).is_some(),
            "discord stand-in: channel {channel_id} is neither a fixture channel nor a DM channel"
        );
        assert!(
            self.is_member(user_id),
            "discord stand-in: user {user_id} is not a member of the fixture guild; add it first"
        );
        Some(self.guild_id)
    }

    fn interaction_base(
        &mut self,
        user_id: u64,
        channel_id: u64,
        kind: u8,
    ) -> (u64, String, Value) {
        let guild = self.place(user_id, channel_id);
        let id = self.next_id();
        let token = format!("standin-interaction-token-{id}");
        let channel = match self.channel(channel_id) {
            Some(spec) => json!({
                "id": channel_id.to_string(),
                "type": spec.kind as u8,
                "name": spec.name,
                "guild_id": self.guild_id.to_string(),
                "permissions": DEFAULT_PERMISSIONS,
            }),
            None => json!({"id": channel_id.to_string(), "type": 1}),
        };
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": self.application_id.to_string(),
            "type": kind,
            "channel_id": channel_id.to_string(),
            "channel": channel,
            "token": token,
            "version": 1,
            "app_permissions": DEFAULT_PERMISSIONS,
            "locale": "fr",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
        });
        if let Some(guild_id) = guild {
            let mut member = self.member_json(user_id, true);
            member["permissions"] = json!(DEFAULT_PERMISSIONS);
            interaction["guild_id"] = json!(guild_id.to_string());
            interaction["guild_locale"] = json!("fr");
            interaction["member"] = member;
            interaction["context"] = json!(0);
        } else {
            interaction["user"] = self.user_json(user_id);
            interaction["context"] = json!(1);
        }
        self.interactions.insert(
            token.clone(),
            Interaction {
                id,
                token: token.clone(),
                channel_id,
                message_id: None,
                answered: None,
                original: None,
                followups: BTreeMap::new(),
            },
        );
        (id, token, interaction)
    }

    fn press_button(
        &mut self,
        user_id: u64,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> InteractionHandle {
        let (id, token, mut interaction) = self.interaction_base(user_id, channel_id, 3);
        let message = match self.messages.iter().find(|m| m.id == message_id) {
            Some(stored) => self.message_json(stored, true),
            None => {
                let placeholder = SentMessage {
                    id: message_id,
                    channel_id,
                    content: String::new(),
                    components: json!([]),
                    embeds: json!([]),
                    flags: 0,
                    reply_to: None,
                    edited: false,
                    deleted: false,
                    dm_user: self.dm_user_of(channel_id),
                    attachments: Vec::new(),
                };
                self.message_json(&placeholder, true)
            }
        };
        interaction["message"] = message;
        interaction["data"] = json!({"custom_id": custom_id, "component_type": 2});
        if let Some(record) = self.interactions.get_mut(&token) {
            record.message_id = Some(message_id);
        }
        self.dispatch("INTERACTION_CREATE", &interaction);
        InteractionHandle { id, token }
    }

    fn slash_command(
        &mut self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> InteractionHandle {
        let registered = self
            .guild_commands
            .iter()
            .chain(self.global_commands.iter())
            .find(|c| c["name"] == name)
            .and_then(|c| c["id"].as_str().map(str::to_owned));
        let (id, token, mut interaction) = self.interaction_base(user_id, channel_id, 2);
        let command_id = match registered {
            Some(id) => id,
            None => self.next_id().to_string(),
        };
        let mut data = json!({
            "id": command_id,
            "name": name,
            "type": 1,
            "options": non_null_array(&options),
        });
        if interaction["guild_id"].is_string() {
            data["guild_id"] = interaction["guild_id"].clone();
        }
        if let Some(resolved) = self.resolved_json(&options) {
            data["resolved"] = resolved;
        }
        interaction["data"] = data;
        self.dispatch("INTERACTION_CREATE", &interaction);
        InteractionHandle { id, token }
    }

    /// `data.resolved` for the user (6), channel (7), role (8) and mentionable (9) options, also
    /// inside sub-commands, as Discord adds it: none when no option names an entity.
    fn resolved_json(&self, options: &Value) -> Option<Value> {
        let mut users = serde_json::Map::new();
        let mut members = serde_json::Map::new();
        let mut roles = serde_json::Map::new();
        let mut channels = serde_json::Map::new();
        let mut pending: Vec<&Value> = options
            .as_array()
            .map(|o| o.iter().collect())
            .unwrap_or_default();
        while let Some(option) = pending.pop() {
            if let Some(nested) = option["options"].as_array() {
                pending.extend(nested);
            }
            let kind = option["type"].as_u64().unwrap_or(0);
            let Some(id) = id_field(&option["value"]).filter(|_| (6..=9).contains(&kind)) else {
                continue;
            };
            let is_role = id == self.guild_id || self.roles.iter().any(|(role, _)| *role == id);
            match kind {
                6 | 9 if !is_role => {
                    assert!(
                        self.is_member(id) || kind == 6,
                        "discord stand-in: option value {id} is neither a member nor a role"
                    );
                    users.insert(id.to_string(), self.user_json(id));
                    if self.is_member(id) {
                        // Partial members: no `user`, `deaf` or `mute`; with `permissions`.
                        let mut member = self.member_json(id, false);
                        if let Some(object) = member.as_object_mut() {
                            object.remove("deaf");
                            object.remove("mute");
                        }
                        member["permissions"] = json!(DEFAULT_PERMISSIONS);
                        members.insert(id.to_string(), member);
                    }
                }
                8 | 9 => {
                    assert!(
                        is_role,
                        "discord stand-in: option value {id} is not a role of the fixture guild"
                    );
                    let name = if id == self.guild_id {
                        "@everyone"
                    } else {
                        self.roles
                            .iter()
                            .find(|(role, _)| *role == id)
                            .map_or("", |(_, n)| n.as_str())
                    };
                    let position = self
                        .roles
                        .iter()
                        .position(|(role, _)| *role == id)
                        .map_or(0, |p| p + 1);
                    roles.insert(id.to_string(), self.role_json(id, name, position));
                }
                7 => {
                    let Some(channel) = self.channel(id) else {
                        panic!("discord stand-in: option value {id} is not a fixture channel");
                    };
                    // Partial channels: only id, name, type and permissions.
                    channels.insert(
                        id.to_string(),
                        json!({
                            "id": id.to_string(),
                            "name": channel.name,
                            "type": channel.kind as u8,
                            "permissions": DEFAULT_PERMISSIONS,
                        }),
                    );
                }
                _ => {}
            }
        }
        let mut resolved = serde_json::Map::new();
        for (key, map) in [
            ("users", users),
            ("members", members),
            ("roles", roles),
            ("channels", channels),
        ] {
            if !map.is_empty() {
                resolved.insert(key.to_owned(), Value::Object(map));
            }
        }
        (!resolved.is_empty()).then_some(Value::Object(resolved))
    }

    fn user_message(&mut self, author_id: u64, channel_id: Option<u64>, spec: MessageSpec) -> u64 {
        let channel_id = match channel_id {
            Some(channel) => channel,
            None => self.dm_channel_of(author_id),
        };
        let guild = self.place(author_id, channel_id);
        if let Some(reply_to) = spec.reply_to {
            assert_eq!(
                self.message_channel_of(reply_to),
                Some(channel_id),
                "discord stand-in: message {reply_to} is not a live message of channel {channel_id}"
            );
        }
        let id = self.next_id();
        let attachments = spec
            .attachments
            .into_iter()
            .map(|(name, size)| (self.next_id(), name, size))
            .collect();
        let message = UserMessage {
            id,
            channel_id,
            author_id,
            content: spec.content,
            reply_to: spec.reply_to,
            attachments,
            edited_at: None,
        };
        let needed = if guild.is_some() {
            intents::GUILD_MESSAGES
        } else {
            intents::DIRECT_MESSAGES
        };
        let mut data = self.user_message_json(&message, true, true);
        data["nonce"] = json!(id.to_string());
        self.user_messages.insert(id, message);
        if self.session_has(needed) {
            self.dispatch("MESSAGE_CREATE", &data);
        }
        id
    }

    fn edit_user_message(&mut self, message_id: u64, content: &str) {
        let Some(message) = self.user_messages.get_mut(&message_id) else {
            panic!("discord stand-in: {message_id} is not a live user message; the bot edits its own through REST");
        };
        message.content = content.to_owned();
        message.edited_at = Some(SystemTime::now());
        let Some(message) = self.user_messages.get(&message_id) else {
            return;
        };
        let needed = self.message_intent(
            message.channel_id,
            intents::GUILD_MESSAGES,
            intents::DIRECT_MESSAGES,
        );
        if self.session_has(needed) {
            let data = self.user_message_json(message, true, true);
            self.dispatch("MESSAGE_UPDATE", &data);
        }
    }

    /// The intent an event about `channel_id` needs: the guild one, or the DM one.
    fn message_intent(&self, channel_id: u64, guild: u64, dm: u64) -> u64 {
        if self.dm_user_of(channel_id).is_some() {
            dm
        } else {
            guild
        }
    }

    /// Takes a user's or the bot's live message out of the channel; returns its channel.
    fn remove_message(&mut self, message_id: u64) -> Option<u64> {
        let channel = if let Some(message) = self.user_messages.remove(&message_id) {
            Some(message.channel_id)
        } else if let Some(message) = self
            .messages
            .iter_mut()
            .find(|m| m.id == message_id && !m.deleted)
        {
            message.deleted = true;
            Some(message.channel_id)
        } else {
            None
        };
        if channel.is_some() {
            self.reactions.remove(&message_id);
        }
        channel
    }

    fn delete_message(&mut self, message_id: u64) {
        let Some(channel_id) = self.remove_message(message_id) else {
            panic!("discord stand-in: {message_id} is not a live user or bot message");
        };
        let needed = self.message_intent(
            channel_id,
            intents::GUILD_MESSAGES,
            intents::DIRECT_MESSAGES,
        );
        if self.session_has(needed) {
            let data = self.delete_json(message_id, channel_id);
            self.dispatch("MESSAGE_DELETE", &data);
        }
    }

    /// MESSAGE_DELETE's payload: ids only, `guild_id` in a guild.
    fn delete_json(&self, message_id: u64, channel_id: u64) -> Value {
        let mut data = json!({"id": message_id.to_string(), "channel_id": channel_id.to_string()});
        if self.dm_user_of(channel_id).is_none() {
            data["guild_id"] = json!(self.guild_id.to_string());
        }
        data
    }

    fn bulk_delete(&mut self, channel_id: u64, ids: &[u64]) {
        assert!(
            self.channel(channel_id).is_some(),
            "discord stand-in: bulk delete works in guild channels only, not {channel_id}"
        );
        for id in ids {
            let channel = self
                .user_messages
                .get(id)
                .map(|m| m.channel_id)
                .or_else(|| {
                    self.messages
                        .iter()
                        .find(|m| m.id == *id && !m.deleted)
                        .map(|m| m.channel_id)
                });
            assert_eq!(
                channel,
                Some(channel_id),
                "discord stand-in: {id} is not a live user or bot message of channel {channel_id}"
            );
        }
        for id in ids {
            self.remove_message(*id);
        }
        if self.session_has(intents::GUILD_MESSAGES) {
            let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
            let data = json!({
                "ids": ids,
                "channel_id": channel_id.to_string(),
                "guild_id": self.guild_id.to_string(),
            });
            self.dispatch("MESSAGE_DELETE_BULK", &data);
        }
    }

    /// Adds or removes `user_id`'s `emoji` reaction and dispatches the event if something
    /// changed. Returns false when the message does not exist.
    fn react(&mut self, user_id: u64, message_id: u64, emoji: Emoji, add: bool) -> bool {
        let Some(channel_id) = self.message_channel_of(message_id) else {
            if user_id == self.bot_id {
                return false;
            }
            panic!("discord stand-in: {message_id} is not a live message");
        };
        let guild = if user_id == self.bot_id {
            self.dm_user_of(channel_id).is_none()
        } else {
            self.place(user_id, channel_id).is_some()
        };
        let list = self.reactions.entry(message_id).or_default();
        let changed = match list.iter().position(|r| r.emoji == emoji) {
            Some(index) if add => {
                let users = &mut list[index].users;
                let new = !users.contains(&user_id);
                if new {
                    users.push(user_id);
                }
                new
            }
            Some(index) => {
                let users = &mut list[index].users;
                let before = users.len();
                users.retain(|u| *u != user_id);
                let removed = users.len() != before;
                if users.is_empty() {
                    list.remove(index);
                }
                removed
            }
            None if add => {
                list.push(ReactionEntry {
                    emoji: emoji.clone(),
                    users: vec![user_id],
                });
                true
            }
            None => false,
        };
        let needed = self.message_intent(
            channel_id,
            intents::GUILD_MESSAGE_REACTIONS,
            intents::DIRECT_MESSAGE_REACTIONS,
        );
        if !changed || !self.session_has(needed) {
            return true;
        }
        let mut data = json!({
            "user_id": user_id.to_string(),
            "channel_id": channel_id.to_string(),
            "message_id": message_id.to_string(),
            "emoji": emoji.json(),
            "burst": false,
            "type": 0,
        });
        if guild {
            data["guild_id"] = json!(self.guild_id.to_string());
        }
        let event = if add {
            if guild {
                data["member"] = self.member_json(user_id, true);
            }
            if let Some(author) = self.message_author(message_id) {
                data["message_author_id"] = json!(author.to_string());
            }
            data["burst_colors"] = json!([]);
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        self.dispatch(event, &data);
        true
    }

    /// Echoes a change the bot made to its own message on the gateway, as Discord does.
    fn echo_own_message(&mut self, event: &str, message: &SentMessage) {
        let needed = if message.dm_user.is_some() {
            intents::DIRECT_MESSAGES
        } else {
            intents::GUILD_MESSAGES
        };
        if !self.session_has(needed) {
            return;
        }
        let data = if event == "MESSAGE_DELETE" {
            self.delete_json(message.id, message.channel_id)
        } else {
            self.message_json(message, true)
        };
        self.dispatch(event, &data);
    }

    // ----- REST -------------------------------------------------------------------------------

    /// Serves one REST call: (status, JSON body or none for 204, whether the route is known).
    fn route(
        &mut self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>, bool) {
        let Some(rest) = path.strip_prefix(API_PREFIX) else {
            return not_found_route();
        };
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let m = method.as_str();
        match (m, segments.as_slice()) {
            ("GET", ["gateway"]) => ok(json!({"url": self.gateway_url})),
            ("GET", ["gateway", "bot"]) => ok(json!({
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            })),
            ("GET", ["users", "@me"]) => ok(self.current_user_json()),
            ("GET", ["users", user]) => match user.parse::<u64>() {
                Ok(user) if self.is_member(user) => ok(self.user_json(user)),
                _ => discord_error(StatusCode::NOT_FOUND, 10013, "Unknown User"),
            },
            ("POST", ["users", "@me", "channels"]) => {
                let recipient = id_field(&body["recipient_id"]);
                match recipient {
                    Some(user) => {
                        let channel = self.dm_channel_of(user);
                        ok(self.dm_channel_json(user, channel))
                    }
                    None => invalid_form("recipient_id"),
                }
            }
            ("GET", ["channels", channel]) => {
                let channel = channel.parse::<u64>().ok();
                match channel {
                    Some(id) if self.channel(id).is_some() => {
                        let position = self.channels.iter().position(|c| c.id == id).unwrap_or(0);
                        let spec = self.channels[position].clone();
                        ok(self.channel_json(&spec, position))
                    }
                    Some(id) => match self.dm_user_of(id) {
                        Some(user) => ok(self.dm_channel_json(user, id)),
                        None => unknown_channel(),
                    },
                    None => unknown_channel(),
                }
            }
            ("GET", ["channels", channel, "messages"]) => self.channel_messages(channel, query),
            ("POST", ["channels", channel, "messages"]) => {
                self.create_message(channel, body, files)
            }
            ("POST", ["channels", channel, "typing"]) => match self.message_channel(channel) {
                Some(_) => no_content(),
                None => unknown_channel(),
            },
            (_, ["channels", channel, "messages", message]) => {
                self.existing_message(m, channel, message, body, files)
            }
            (
                "PUT" | "DELETE",
                ["channels", channel, "messages", message, "reactions", emoji, "@me"],
            ) => self.own_reaction(m == "PUT", channel, message, emoji),
            ("GET", ["guilds", guild, "members", user]) => {
                match (guild.parse::<u64>(), user.parse::<u64>()) {
                    (Ok(guild), Ok(user)) if guild == self.guild_id && self.is_member(user) => {
                        let mut member = self.member_json(user, true);
                        member["guild_id"] = json!(self.guild_id.to_string());
                        ok(member)
                    }
                    (Ok(guild), _) if guild == self.guild_id => {
                        discord_error(StatusCode::NOT_FOUND, 10007, "Unknown Member")
                    }
                    _ => discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild"),
                }
            }
            ("GET", ["guilds", guild, "channels"]) if guild.parse::<u64>() == Ok(self.guild_id) => {
                let channels: Vec<Value> = self
                    .channels
                    .iter()
                    .enumerate()
                    .map(|(position, c)| self.channel_json(c, position))
                    .collect();
                ok(json!(channels))
            }
            ("POST", ["interactions", id, token, "callback"]) => {
                self.callback(id, token, body, files)
            }
            (_, ["webhooks", app, token, rest @ ..]) => {
                self.webhook(m, app, token, rest, body, files)
            }
            (_, ["applications", app, "guilds", guild, "commands"]) => {
                if app.parse::<u64>() != Ok(self.application_id)
                    || guild.parse::<u64>() != Ok(self.guild_id)
                {
                    return discord_error(StatusCode::NOT_FOUND, 10002, "Unknown Application");
                }
                self.commands_route(m, body, true)
            }
            (_, ["applications", app, "commands"]) => {
                if app.parse::<u64>() != Ok(self.application_id) {
                    return discord_error(StatusCode::NOT_FOUND, 10002, "Unknown Application");
                }
                self.commands_route(m, body, false)
            }
            _ => not_found_route(),
        }
    }

    /// A channel the bot can post in: a fixture channel or a DM channel. Returns its DM user.
    fn message_channel(&self, channel: &str) -> Option<Option<u64>> {
        let id = channel.parse::<u64>().ok()?;
        if self.channel(id).is_some() {
            return Some(None);
        }
        self.dm_user_of(id).map(Some)
    }

    fn create_message(
        &mut self,
        channel: &str,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>, bool) {
        let Some(dm_user) = self.message_channel(channel) else {
            return unknown_channel();
        };
        let channel_id = channel.parse::<u64>().unwrap_or(0);
        let content = body["content"].as_str().unwrap_or("").to_owned();
        let components = non_null_array(&body["components"]);
        let embeds = non_null_array(&body["embeds"]);
        if content.chars().count() > MAX_CONTENT_CHARS {
            return invalid_form("content");
        }
        let empty = content.is_empty()
            && files.is_empty()
            && components.as_array().is_none_or(Vec::is_empty)
            && embeds.as_array().is_none_or(Vec::is_empty)
            && body["sticker_ids"].as_array().is_none_or(Vec::is_empty)
            && body["poll"].is_null();
        if empty {
            return discord_error(
                StatusCode::BAD_REQUEST,
                50006,
                "Cannot send an empty message",
            );
        }
        let mut reply_to = id_field(&body["message_reference"]["message_id"]);
        if let Some(target) = reply_to {
            match self.message_channel_of(target) {
                Some(found) if found == channel_id => {}
                Some(_) => return bad_reply(true),
                None if body["message_reference"]["fail_if_not_exists"] == false => {
                    reply_to = None;
                }
                None => return bad_reply(false),
            }
        }
        let mut attachments = Vec::new();
        keep_and_add_files(&mut attachments, body, files);
        let message = SentMessage {
            id: self.next_id(),
            channel_id,
            content,
            components,
            embeds,
            flags: body["flags"].as_u64().unwrap_or(0),
            reply_to,
            edited: false,
            deleted: false,
            dm_user,
            attachments,
        };
        let response = self.message_json(&message, false);
        self.messages.push(message);
        if let Some(message) = self.messages.last().cloned() {
            self.echo_own_message("MESSAGE_CREATE", &message);
        }
        ok(response)
    }

    /// `GET /channels/{id}/messages`: the channel's live messages, newest first, paged like
    /// Discord (`before`, `after` or `around` one id, `limit` 1-100, default 50).
    fn channel_messages(
        &self,
        channel: &str,
        query: Option<&str>,
    ) -> (StatusCode, Option<Value>, bool) {
        let Some(_) = self.message_channel(channel) else {
            return unknown_channel();
        };
        let channel_id = channel.parse::<u64>().unwrap_or(0);
        let mut limit = 50;
        let mut anchor: Option<(&str, u64)> = None;
        for (key, value) in query
            .unwrap_or("")
            .split('&')
            .filter_map(|p| p.split_once('='))
        {
            match key {
                "limit" => match value.parse::<usize>() {
                    Ok(n) if (1..=100).contains(&n) => limit = n,
                    _ => return invalid_form("limit"),
                },
                "before" | "after" | "around" => {
                    let Ok(id) = value.parse::<u64>() else {
                        return invalid_form(key);
                    };
                    if anchor.is_some() {
                        return invalid_form(key);
                    }
                    anchor = Some((key, id));
                }
                _ => {}
            }
        }
        let ids = self.history_ids(channel_id);
        let picked: Vec<u64> = match anchor {
            None => ids.iter().rev().take(limit).copied().collect(),
            Some(("before", id)) => ids
                .iter()
                .rev()
                .filter(|m| **m < id)
                .take(limit)
                .copied()
                .collect(),
            Some(("after", id)) => {
                // The `limit` messages right after `id`, still served newest first.
                let mut after: Vec<u64> = ids
                    .iter()
                    .filter(|m| **m > id)
                    .take(limit)
                    .copied()
                    .collect();
                after.reverse();
                after
            }
            Some((_, id)) => {
                let newer_wanted = limit / 2;
                let mut newer: Vec<u64> = ids
                    .iter()
                    .filter(|m| **m > id)
                    .take(newer_wanted)
                    .copied()
                    .collect();
                newer.reverse();
                let older = ids
                    .iter()
                    .rev()
                    .filter(|m| **m <= id)
                    .take(limit - newer.len());
                newer.into_iter().chain(older.copied()).collect()
            }
        };
        let messages: Vec<Value> = picked
            .into_iter()
            .filter_map(|id| self.any_message_json(id, false, true))
            .collect();
        ok(json!(messages))
    }

    /// `PUT`/`DELETE .../reactions/{emoji}/@me`: the bot's own reaction, echoed like a user's.
    fn own_reaction(
        &mut self,
        add: bool,
        channel: &str,
        message: &str,
        emoji: &str,
    ) -> (StatusCode, Option<Value>, bool) {
        let (Some(_), Ok(channel_id)) = (self.message_channel(channel), channel.parse::<u64>())
        else {
            return unknown_channel();
        };
        let message_id = message.parse::<u64>().unwrap_or(0);
        if self.message_channel_of(message_id) != Some(channel_id) {
            return unknown_message();
        }
        let emoji = Emoji::parse(&percent_decode(emoji));
        if emoji.name.is_empty() {
            return discord_error(StatusCode::BAD_REQUEST, 10014, "Unknown Emoji");
        }
        let bot = self.bot_id;
        self.react(bot, message_id, emoji, add);
        no_content()
    }

    fn existing_message(
        &mut self,
        method: &str,
        channel: &str,
        message: &str,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>, bool) {
        let (Ok(channel_id), Ok(message_id)) = (channel.parse::<u64>(), message.parse::<u64>())
        else {
            return unknown_channel();
        };
        if self.message_channel(channel).is_none() {
            return unknown_channel();
        }
        let Some(index) = self
            .messages
            .iter()
            .position(|m| m.id == message_id && m.channel_id == channel_id && !m.deleted)
        else {
            return self.other_message(method, channel_id, message_id);
        };
        match method {
            "GET" => ok(self.message_json(&self.messages[index], false)),
            "PATCH" => {
                apply_edit(&mut self.messages[index], body, files);
                let updated = self.messages[index].clone();
                self.echo_own_message("MESSAGE_UPDATE", &updated);
                ok(self.message_json(&updated, false))
            }
            "DELETE" => {
                self.messages[index].deleted = true;
                self.reactions.remove(&message_id);
                let deleted = self.messages[index].clone();
                self.echo_own_message("MESSAGE_DELETE", &deleted);
                no_content()
            }
            _ => not_found_route(),
        }
    }

    /// A message route on a message the bot did not create through REST: a user's (readable,
    /// not editable, deletable as a moderator would) or an interaction reply (readable).
    fn other_message(
        &mut self,
        method: &str,
        channel_id: u64,
        message_id: u64,
    ) -> (StatusCode, Option<Value>, bool) {
        if self.message_channel_of(message_id) != Some(channel_id) {
            return unknown_message();
        }
        let is_user = self.user_messages.contains_key(&message_id);
        match method {
            "GET" => match self.any_message_json(message_id, false, true) {
                Some(json) => ok(json),
                None => unknown_message(),
            },
            "PATCH" if is_user => discord_error(
                StatusCode::FORBIDDEN,
                50005,
                "Cannot edit a message authored by another user",
            ),
            "DELETE" if is_user => {
                self.delete_message(message_id);
                no_content()
            }
            "PATCH" | "DELETE" => unknown_message(),
            _ => not_found_route(),
        }
    }

    fn callback(
        &mut self,
        id: &str,
        token: &str,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>, bool) {
        let kind = body["type"].as_u64().unwrap_or(0);
        let (status, reply) = self.callback_outcome(id, token, kind, body, files);
        if let Some(interaction) = self.interactions.get(token) {
            self.interaction_responses.push(InteractionResponse {
                interaction_id: interaction.id,
                token: token.to_owned(),
                kind: ResponseKind::Callback(kind),
                body: body.clone(),
                status: status.as_u16(),
                files: files.to_vec(),
            });
        }
        (status, reply, true)
    }

    fn callback_outcome(
        &mut self,
        id: &str,
        token: &str,
        kind: u64,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>) {
        let known = self
            .interactions
            .get(token)
            .is_some_and(|i| Ok(i.id) == id.parse::<u64>());
        if !known {
            return error_body(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        }
        let next_id = self.next_id();
        let Some(interaction) = self.interactions.get_mut(token) else {
            return error_body(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        };
        if interaction.answered.is_some() {
            return error_body(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            );
        }
        interaction.answered = Some(kind);
        let channel_id = interaction.channel_id;
        match kind {
            4 | 5 => {
                let mut data = body["data"].clone();
                if !data.is_object() {
                    data = json!({});
                }
                data["attachments"] = attachment_objects(channel_id, &Value::Null, &data, files);
                interaction.original = Some((next_id, data));
            }
            7 => {
                if let Some(message_id) = interaction.message_id {
                    if let Some(message) = self.messages.iter_mut().find(|m| m.id == message_id) {
                        apply_edit(message, &body["data"], files);
                        let updated = message.clone();
                        self.echo_own_message("MESSAGE_UPDATE", &updated);
                    }
                }
            }
            _ => {}
        }
        (StatusCode::NO_CONTENT, None)
    }

    fn webhook(
        &mut self,
        method: &str,
        app: &str,
        token: &str,
        rest: &[&str],
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>, bool) {
        let kind = match (method, rest) {
            ("POST", []) => ResponseKind::Followup,
            ("PATCH", ["messages", "@original"]) => ResponseKind::EditOriginal,
            ("DELETE", ["messages", "@original"]) => ResponseKind::DeleteOriginal,
            ("GET", ["messages", "@original"]) => {
                let reply = self.original_json(app, token);
                return (reply.0, reply.1, true);
            }
            ("PATCH", ["messages", id]) => match id.parse() {
                Ok(id) => ResponseKind::EditFollowup(id),
                Err(_) => return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            },
            ("DELETE", ["messages", id]) => match id.parse() {
                Ok(id) => ResponseKind::DeleteFollowup(id),
                Err(_) => return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            },
            _ => return not_found_route(),
        };
        let (status, reply) = self.webhook_outcome(app, token, &kind, body, files);
        if let Some(interaction) = self.interactions.get(token) {
            self.interaction_responses.push(InteractionResponse {
                interaction_id: interaction.id,
                token: token.to_owned(),
                kind,
                body: body.clone(),
                status: status.as_u16(),
                files: files.to_vec(),
            });
        }
        (status, reply, true)
    }

    fn original_json(&self, app: &str, token: &str) -> (StatusCode, Option<Value>) {
        let interaction = self
            .interactions
            .get(token)
            .filter(|_| app.parse::<u64>() == Ok(self.application_id));
        let Some(interaction) = interaction else {
            return error_body(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
        };
        if let Some((id, data)) = &interaction.original {
            return (
                StatusCode::OK,
                Some(self.webhook_message_json(*id, interaction.channel_id, data)),
            );
        }
        let component_message = interaction
            .message_id
            .filter(|_| interaction.answered.is_some())
            .and_then(|id| self.messages.iter().find(|m| m.id == id));
        match component_message {
            Some(message) => (StatusCode::OK, Some(self.message_json(message, false))),
            None => error_body(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
        }
    }

    fn webhook_outcome(
        &mut self,
        app: &str,
        token: &str,
        kind: &ResponseKind,
        body: &Value,
        files: &[UploadedFile],
    ) -> (StatusCode, Option<Value>) {
        if app.parse::<u64>() != Ok(self.application_id) || !self.interactions.contains_key(token) {
            return error_body(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
        }
        let next_id = self.next_id();
        let Some(interaction) = self.interactions.get_mut(token) else {
            return error_body(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
        };
        let channel_id = interaction.channel_id;
        match kind {
            ResponseKind::Followup => {
                let mut data = body.clone();
                if !data.is_object() {
                    data = json!({});
                }
                data["attachments"] = attachment_objects(channel_id, &Value::Null, body, files);
                interaction.followups.insert(next_id, data.clone());
                let reply = self.webhook_message_json(next_id, channel_id, &data);
                (StatusCode::OK, Some(reply))
            }
            ResponseKind::EditOriginal => {
                if let Some((id, data)) = interaction.original.as_mut() {
                    let attachments =
                        attachment_objects(channel_id, &data["attachments"], body, files);
                    merge_message_data(data, body);
                    data["attachments"] = attachments;
                    let (id, data) = (*id, data.clone());
                    return (
                        StatusCode::OK,
                        Some(self.webhook_message_json(id, channel_id, &data)),
                    );
                }
                let target = interaction
                    .message_id
                    .filter(|_| interaction.answered.is_some());
                let stored = target.and_then(|id| self.messages.iter_mut().find(|m| m.id == id));
                match stored {
                    Some(message) => {
                        apply_edit(message, body, files);
                        let updated = message.clone();
                        self.echo_own_message("MESSAGE_UPDATE", &updated);
                        (StatusCode::OK, Some(self.message_json(&updated, false)))
                    }
                    None => error_body(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                }
            }
            ResponseKind::DeleteOriginal => match interaction.original.take() {
                Some(_) => (StatusCode::NO_CONTENT, None),
                None => error_body(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            },
            ResponseKind::EditFollowup(id) => match interaction.followups.get_mut(id) {
                Some(data) => {
                    let attachments =
                        attachment_objects(channel_id, &data["attachments"], body, files);
                    merge_message_data(data, body);
                    data["attachments"] = attachments;
                    let data = data.clone();
                    (
                        StatusCode::OK,
                        Some(self.webhook_message_json(*id, channel_id, &data)),
                    )
                }
                None => error_body(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            },
            ResponseKind::DeleteFollowup(id) => match interaction.followups.remove(id) {
                Some(_) => (StatusCode::NO_CONTENT, None),
                None => error_body(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            },
            ResponseKind::Callback(_) => {
                error_body(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
            }
        }
    }

    fn commands_route(
        &mut self,
        method: &str,
        body: &Value,
        guild: bool,
    ) -> (StatusCode, Option<Value>, bool) {
        match method {
            "GET" => {
                let list = if guild {
                    &self.guild_commands
                } else {
                    &self.global_commands
                };
                ok(json!(list))
            }
            "PUT" => {
                let Some(requested) = body.as_array() else {
                    return invalid_form("commands");
                };
                let echoed: Vec<Value> = requested
                    .iter()
                    .map(|c| self.echo_command(c, guild))
                    .collect();
                let list = if guild {
                    &mut self.guild_commands
                } else {
                    &mut self.global_commands
                };
                *list = echoed.clone();
                ok(json!(echoed))
            }
            "POST" => {
                if !body.is_object() {
                    return invalid_form("name");
                }
                let echoed = self.echo_command(body, guild);
                let list = if guild {
                    &mut self.guild_commands
                } else {
                    &mut self.global_commands
                };
                list.retain(|c| c["name"] != echoed["name"]);
                list.push(echoed.clone());
                (StatusCode::CREATED, Some(echoed), true)
            }
            _ => not_found_route(),
        }
    }

    /// A command object as Discord returns it: the request plus id, version and defaults.
    fn echo_command(&mut self, request: &Value, guild: bool) -> Value {
        let existing = {
            let list = if guild {
                &self.guild_commands
            } else {
                &self.global_commands
            };
            list.iter()
                .find(|c| c["name"] == request["name"])
                .map(|c| c["id"].clone())
        };
        let id = match existing {
            Some(id) => id,
            None => json!(self.next_id().to_string()),
        };
        let version = self.next_id().to_string();
        let mut command = json!({
            "id": id,
            "type": 1,
            "application_id": self.application_id.to_string(),
            "name": "",
            "description": "",
            "options": [],
            "default_member_permissions": null,
            "nsfw": false,
            "version": version,
        });
        if guild {
            command["guild_id"] = json!(self.guild_id.to_string());
        }
        if let (Some(target), Some(source)) = (command.as_object_mut(), request.as_object()) {
            for (key, value) in source {
                if key != "id" && !value.is_null() {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        command
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers
// ---------------------------------------------------------------------------------------------

async fn gateway_upgrade(
    AxumState(shared): AxumState<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| gateway_connection(shared, socket))
}

/// Serves one gateway socket: HELLO, heartbeats, IDENTIFY/RESUME, and whatever the rest of
/// the stand-in queues for it (dispatches, INVALID_SESSION, abrupt drops).
async fn gateway_connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = ConnHandle {
        id: shared.next_conn_id.fetch_add(1, Ordering::Relaxed),
        tx,
    };
    let heartbeat_ms = shared.update(|st| {
        st.connection_count += 1;
        st.heartbeat_ms
    });
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": heartbeat_ms}});
    let mut hold = shared.hold.subscribe();
    let mut stop = shared.shutdown.subscribe();
    let mut pending: Option<Value> = None;
    let mut alive = socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_ok();
    while alive {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Close(_))) => {
                        // Flushes the close reply tungstenite queued, so a clean client
                        // shutdown (serenity waits for it) completes without error.
                        let _ = socket.send(WsMessage::Close(None)).await;
                        break;
                    }
                    Some(Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(text.as_str()) else {
                    let frame = CloseFrame { code: 4002, reason: "Error while decoding payload.".into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    break;
                };
                match payload["op"].as_u64() {
                    Some(1) => {
                        shared.update(|st| st.heartbeat(&conn, &payload["d"]));
                        let ack = json!({"op": 11, "s": null, "t": null, "d": null}).to_string();
                        alive = socket.send(WsMessage::Text(ack.into())).await.is_ok();
                    }
                    Some(2 | 6) if *hold.borrow() => pending = Some(payload),
                    Some(2 | 6) => handle_session_command(&shared, &conn, &payload),
                    _ => shared.update(|st| st.gateway_commands.push(payload)),
                }
            }
            released = async { hold.wait_for(|held| !*held).await.is_ok() }, if pending.is_some() => {
                if let Some(payload) = pending.take().filter(|_| released) {
                    handle_session_command(&shared, &conn, &payload);
                }
            }
            outbound = rx.recv() => match outbound {
                Some(Outbound::Text(frame)) => {
                    alive = socket.send(WsMessage::Text(frame.into())).await.is_ok();
                }
                Some(Outbound::Abort(done)) => {
                    drop(socket);
                    shared.update(|st| st.detach(conn.id));
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                    return;
                }
                Some(Outbound::Close(code, done)) => {
                    let frame = CloseFrame { code, reason: "".into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    drop(socket);
                    shared.update(|st| st.detach(conn.id));
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                    return;
                }
                None => break,
            },
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
        }
    }
    drop(socket);
    shared.update(|st| st.detach(conn.id));
}

fn handle_session_command(shared: &Shared, conn: &ConnHandle, payload: &Value) {
    let d = &payload["d"];
    if payload["op"] == 2 {
        shared.update(|st| st.identify(conn, d));
    } else {
        shared.update(|st| st.resume(conn, d));
    }
}

/// Every REST call lands here: it is recorded, then routed by `State::route`.
async fn rest(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, mut files) = parse_body(content_type, &body);
    let path = uri.path().to_owned();
    let held = {
        let mut routes = shared.held_routes.lock().unwrap_or_else(|p| p.into_inner());
        let found = routes
            .iter()
            .position(|(m, p)| *m == method.as_str() && *p == path);
        found.map(|i| routes.remove(i)).is_some()
    };
    if held {
        shared.update(|st| {
            st.requests.push(RecordedRequest {
                method: method.to_string(),
                path: path.clone(),
                query: uri.query().map(str::to_owned),
                authorization: authorization.clone(),
                body: body.clone(),
                status: 0,
                known_route: true,
                files: files.clone(),
            })
        });
        let mut stop = shared.shutdown.subscribe();
        let _ = stop.wait_for(|stop| *stop).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let (status, reply) = shared.update(|st| {
        for file in &mut files {
            file.id = st.next_id();
        }
        let (status, reply, known_route) = if st.token_ok(authorization.as_deref()) {
            st.route(&method, &path, uri.query(), &body, &files)
        } else {
            let (status, reply) = error_body(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
            (status, reply, true)
        };
        st.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: uri.query().map(str::to_owned),
            authorization: authorization.clone(),
            body: body.clone(),
            status: status.as_u16(),
            known_route,
            files: files.clone(),
        });
        (status, reply)
    });
    match reply {
        Some(json) => (
            status,
            [(CONTENT_TYPE, "application/json")],
            json.to_string(),
        )
            .into_response(),
        None => status.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn ok(json: Value) -> (StatusCode, Option<Value>, bool) {
    (StatusCode::OK, Some(json), true)
}

fn no_content() -> (StatusCode, Option<Value>, bool) {
    (StatusCode::NO_CONTENT, None, true)
}

fn error_body(status: StatusCode, code: u64, message: &str) -> (StatusCode, Option<Value>) {
    (status, Some(json!({"message": message, "code": code})))
}

fn discord_error(
    status: StatusCode,
    code: u64,
    message: &str,
) -> (StatusCode, Option<Value>, bool) {
    let (status, body) = error_body(status, code, message);
    (status, body, true)
}

fn unknown_channel() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
}

fn unknown_message() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
}

/// Discord's answer to a reply whose target is gone (unless `fail_if_not_exists` is false) or
/// in another channel.
fn bad_reply(other_channel: bool) -> (StatusCode, Option<Value>, bool) {
    let (code, message) = if other_channel {
        (
            "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
            "Cannot reply to a message in a different channel",
        )
    } else {
        ("REPLIES_UNKNOWN_MESSAGE", "Unknown message")
    };
    let body = json!({
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {"message_reference": {"_errors": [{"code": code, "message": message}]}},
    });
    (StatusCode::BAD_REQUEST, Some(body), true)
}

fn invalid_form(field: &str) -> (StatusCode, Option<Value>, bool) {
    let body = json!({
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {field: {"_errors": [{"code": "BASE_TYPE_BAD", "message": "Invalid value."}]}},
    });
    (StatusCode::BAD_REQUEST, Some(body), true)
}

fn not_found_route() -> (StatusCode, Option<Value>, bool) {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "404: Not Found", "code": 0})),
        false,
    )
}

/// Reads an id that Discord clients send either as a string or as a number.
fn id_field(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn non_null_array(value: &Value) -> Value {
    if value.is_array() {
        value.clone()
    } else {
        json!([])
    }
}

/// Applies the fields present in an edit body (PATCH or UPDATE_MESSAGE data) and its uploaded
/// files to a message.
fn apply_edit(message: &mut SentMessage, body: &Value, files: &[UploadedFile]) {
    keep_and_add_files(&mut message.attachments, body, files);
    if let Some(content) = body.get("content") {
        message.content = content.as_str().unwrap_or("").to_owned();
    }
    if let Some(components) = body.get("components") {
        message.components = non_null_array(components);
    }
    if let Some(embeds) = body.get("embeds") {
        message.embeds = non_null_array(embeds);
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        message.flags = flags;
    }
    message.edited = true;
}

/// Copies every field of `edit` into the object `data` (replacing a non-object `data`).
fn merge_message_data(data: &mut Value, edit: &Value) {
    if !data.is_object() {
        *data = json!({});
    }
    if let (Some(target), Some(source)) = (data.as_object_mut(), edit.as_object()) {
        for (key, value) in source {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// (file name, bytes) of each file, as tests compare them.
fn file_pairs(files: &[UploadedFile]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|f| (f.filename.clone(), f.bytes.clone()))
        .collect()
}

/// Applies a create or edit body to a message's files: when the body lists `attachments`,
/// only the existing ones it names stay (as Discord does); uploaded files are appended.
fn keep_and_add_files(kept: &mut Vec<UploadedFile>, body: &Value, files: &[UploadedFile]) {
    if let Some(listed) = body.get("attachments").and_then(Value::as_array) {
        let keep: Vec<u64> = listed.iter().filter_map(|a| id_field(&a["id"])).collect();
        kept.retain(|file| keep.contains(&file.id));
    }
    kept.extend(files.iter().cloned());
}

/// The attachment objects of an interaction message after a create or edit body: `existing`
/// ones it keeps (see `keep_and_add_files`) plus the uploaded files.
fn attachment_objects(
    channel_id: u64,
    existing: &Value,
    body: &Value,
    files: &[UploadedFile],
) -> Value {
    let mut objects = existing.as_array().cloned().unwrap_or_default();
    if let Some(listed) = body.get("attachments").and_then(Value::as_array) {
        let keep: Vec<u64> = listed.iter().filter_map(|a| id_field(&a["id"])).collect();
        objects.retain(|object| id_field(&object["id"]).is_some_and(|id| keep.contains(&id)));
    }
    objects.extend(files.iter().map(|file| upload_json(channel_id, file)));
    json!(objects)
}

/// The attachment object of a file the bot uploaded.
fn upload_json(channel_id: u64, file: &UploadedFile) -> Value {
    let size = u64::try_from(file.bytes.len()).unwrap_or(u64::MAX);
    let mut json = attachment_json(channel_id, file.id, &file.filename, size);
    json["content_type"] = json!(file.content_type);
    if let Some(description) = &file.description {
        json["description"] = json!(description);
    }
    json
}

/// An attachment object with CDN URLs signed the way Discord signs them today
/// (`?ex=<expiry>&is=<issued>&hm=<mac>&`, hex), issued when the attachment was created.
fn attachment_json(channel_id: u64, id: u64, filename: &str, size: u64) -> Value {
    let issued = (id >> 22).saturating_add(DISCORD_EPOCH_MS) / 1000;
    let expires = issued + 24 * 3600;
    let mac: String = [
        0x9e37_79b9_7f4a_7c15_u64,
        0xc2b2_ae3d_27d4_eb4f,
        0x1656_67b1_9e37_79f9,
        0x85eb_ca77_c2b2_ae63,
    ]
    .iter()
    .map(|salt| {
        format!(
            "{:016x}",
            id.wrapping_mul(*salt) ^ channel_id.rotate_left(29)
        )
    })
    .collect();
    let path = format!("attachments/{channel_id}/{id}/{}", url_encode(filename));
    let query = format!("?ex={expires:08x}&is={issued:08x}&hm={mac}&");
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": format!("https://cdn.discordapp.com/{path}{query}"),
        "proxy_url": format!("https://media.discordapp.net/{path}{query}"),
    })
}

/// The media type Discord reports for a few common file names (none for the others).
fn guess_content_type(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "mp4" => "video/mp4",
        _ => return None,
    })
}

/// Empties what the MESSAGE_CONTENT intent guards, as Discord does without it.
fn blank_content(message: &mut Value) {
    message["content"] = json!("");
    message["embeds"] = json!([]);
    message["attachments"] = json!([]);
    message["components"] = json!([]);
    if let Some(object) = message.as_object_mut() {
        object.remove("poll");
    }
}

/// Percent-encodes all but unreserved URL characters.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `%XX` escapes (the emoji of reaction routes, `name*=` form fields).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The JSON of a REST body, and the files of a multipart one (whose JSON is the
/// `payload_json` part, or its other text fields). File ids are assigned by the caller.
fn parse_body(content_type: &str, body: &[u8]) -> (Value, Vec<UploadedFile>) {
    if body.is_empty() {
        return (Value::Null, Vec::new());
    }
    let Some(boundary) = multipart_boundary(content_type) else {
        return (
            serde_json::from_slice(body).unwrap_or(Value::Null),
            Vec::new(),
        );
    };
    let mut json = Value::Null;
    let mut fields = serde_json::Map::new();
    let mut files = Vec::new();
    for part in multipart_parts(body, &boundary) {
        let Some(name) = part.name else {
            continue;
        };
        let is_file = part.filename.is_some() || name.starts_with("files[") || name == "file";
        if is_file {
            files.push(UploadedFile {
                id: 0,
                filename: part.filename.unwrap_or_else(|| name.clone()),
                field: name,
                content_type: part.content_type,
                description: None,
                bytes: part.data.to_vec(),
            });
        } else if name == "payload_json" {
            json = serde_json::from_slice(part.data).unwrap_or(Value::Null);
        } else {
            let text = String::from_utf8_lossy(part.data).into_owned();
            fields.insert(name, Value::String(text));
        }
    }
    if json.is_null() && !fields.is_empty() {
        json = Value::Object(fields);
    }
    // `payload_json.attachments[i].id` is the `n` of the `files[n]` part it describes.
    for file in &mut files {
        let index = file
            .field
            .strip_prefix("files[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok());
        let described = json["attachments"].as_array().and_then(|list| {
            list.iter()
                .find(|a| index.is_some() && id_field(&a["id"]) == index)
        });
        file.description = described
            .and_then(|a| a["description"].as_str())
            .map(str::to_owned);
    }
    (json, files)
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    let (_, rest) = content_type.split_once("boundary=")?;
    let boundary = rest.split(';').next()?.trim().trim_matches('"');
    (!boundary.is_empty()).then(|| boundary.to_owned())
}

/// One part of a `multipart/form-data` body.
struct FormPart<'a> {
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<String>,
    data: &'a [u8],
}

/// Splits a `multipart/form-data` body (RFC 7578) into its parts, bytes untouched.
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<FormPart<'a>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let starts: Vec<usize> = (0..body.len())
        .filter(|i| body[*i..].starts_with(&delimiter))
        .collect();
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let chunk = &body[pair[0] + delimiter.len()..pair[1]];
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let Some(split) = chunk.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let mut part = FormPart {
            name: None,
            filename: None,
            content_type: None,
            data: &chunk[split + 4..],
        };
        for line in head.split("\r\n") {
            let Some((header, value)) = line.split_once(':') else {
                continue;
            };
            match header.trim().to_ascii_lowercase().as_str() {
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                "content-disposition" => {
                    for (key, value) in disposition_params(value) {
                        match key.as_str() {
                            "name" => part.name = Some(value),
                            "filename" => part.filename = Some(value),
                            "name*" | "filename*" => {
                                let encoded = value.split("''").nth(1).unwrap_or(&value);
                                let decoded = Some(percent_decode(encoded));
                                if key == "name*" {
                                    part.name = decoded;
                                } else {
                                    part.filename = decoded;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        parts.push(part);
    }
    parts
}

/// The `key=value` parameters of a Content-Disposition value (quoted values unescaped).
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type (`form-data`).
    while chars.next_if(|c| *c != ';').is_some() {}
    loop {
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut text = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    '"' => break,
                    c => text.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ';') {
                text.push(c);
            }
        }
        params.push((key.trim().to_ascii_lowercase(), text));
    }
    params
}

/// User and role ids mentioned as `<@id>`, `<@!id>` and `<@&id>` in message content.
fn parse_mentions(content: &str) -> (Vec<u64>, Vec<u64>) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for piece in content.split("<@").skip(1) {
        let Some((inner, _)) = piece.split_once('>') else {
            continue;
        };
        if let Some(role) = inner.strip_prefix('&') {
            if let Ok(id) = role.parse() {
                roles.push(id);
            }
        } else if let Ok(id) = inner.trim_start_matches('!').parse() {
            if !users.contains(&id) {
                users.push(id);
            }
        }
    }
    (users, roles)
}

/// When a snowflake was minted, from its timestamp bits.
fn snowflake_time(id: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis((id >> 22) + DISCORD_EPOCH_MS)
}

/// Formats a time as Discord does: `2024-05-01T12:34:56.789000+00:00`.
fn rfc3339(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_date(secs / 86_400);
    let seconds_of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60,
        since_epoch.subsec_micros()
    )
}

/// Gregorian (year, month, day) of a count of days since 1970-01-01.
fn civil_date(days_since_epoch: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01 so the leap day ends each 4/100/400-year cycle.
    let days = days_since_epoch + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}
