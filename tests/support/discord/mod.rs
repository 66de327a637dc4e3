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
//! - `fixture`: [`GuildFixture`], builder for the guild the bot is in.
//! - `standin`: [`DiscordStandIn`], the running server, the injection API and the recorded
//!   traffic; `records`: the records it hands to tests ([`SentMessage`], …).
//! - `state`: `State`, the truth, the gateway session and the recordings behind one mutex;
//!   every JSON payload is built by it (`json`), so ordering between REST, gateway and
//!   injections is total. Its other parts: `gateway` (one task per WebSocket connection and
//!   the session), `inject` (what users do), `rest` (one handler for every REST route, so
//!   unknown routes get recorded too).
//! - `guild_admin`: managing the guild through REST (channels, categories, overwrites, roles,
//!   members' roles and nicknames), its gateway echoes, and the test-side view of that truth
//!   with Discord's permission computation.
//! - `body` (request bodies, multipart) and `helpers` (error answers, attachments, times).
//!
//! The parts are one stand-in cut into files for reading: what was private to the single file
//! is `pub(crate)`, so that each part sees the others as before.
//!
//! # Behaviour worth knowing
//! - Events are gated by the intents of the IDENTIFY, as Discord does: VOICE_STATE_UPDATE and
//!   the voice states of GUILD_CREATE need `GUILD_VOICE_STATES`; MESSAGE_CREATE needs
//!   `GUILD_MESSAGES` / `DIRECT_MESSAGES`; guild message content is blanked without
//!   `MESSAGE_CONTENT` unless the bot is mentioned; member events need `GUILD_MEMBERS`.
//! - GUILD_CREATE lists every member (fixture, bot and `extra_members`), even for a large
//!   guild: a worst case for memory. With `only_voice_members_in_guild_create` it lists only
//!   the bot and the members in voice, with `member_count` still counting everyone, which is
//!   what Discord sends for a large guild.
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
//! - The bot can manage the guild through REST (`guild_admin`): `POST /guilds/{id}/channels`
//!   (text, voice, category; `parent_id`, `permission_overwrites`, `topic`), `PATCH` and
//!   `DELETE /channels/{id}`, `PUT`/`DELETE /channels/{id}/permissions/{target}`,
//!   `GET`/`POST /guilds/{id}/roles`, `PATCH /guilds/{id}/roles/{role}`,
//!   `PUT`/`DELETE /guilds/{id}/members/{user}/roles/{role}` and
//!   `PATCH /guilds/{id}/members/{user}` (nick, roles). Each is echoed as Discord does
//!   (CHANNEL_CREATE/UPDATE/DELETE, GUILD_ROLE_CREATE/UPDATE with `GUILDS`; GUILD_MEMBER_UPDATE
//!   with `GUILD_MEMBERS`, and none for a role change that changes nothing). Text channel names
//!   are rewritten as Discord does (lowercase, spaces to dashes); a parent must be a category;
//!   deleting a category leaves its channels without a parent. New roles are appended (highest
//!   position) and get `@everyone`'s permissions unless the request sets them. Bot permissions
//!   are not checked (the bot is assumed an administrator).
//! - `GET /oauth2/applications/@me` answers the bot's application (owned by the guild's
//!   owner): discord.py asks for it at login (`scripts/peer_bot.py`), serenity never unasked.
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
pub(crate) const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// The API prefix serenity 0.12.5 uses for every REST call.
pub(crate) const API_PREFIX: &str = "/api/v10/";
/// Permissions Discord gives @everyone by default; reported on members of interactions.
pub(crate) const DEFAULT_PERMISSIONS: &str = "104324673";
/// Ephemeral bit of a message's `flags`.
pub(crate) const EPHEMERAL_FLAG: u64 = 1 << 6;
/// Discord rejects message content longer than this.
pub(crate) const MAX_CONTENT_CHARS: usize = 2000;

mod body;
mod fixture;
mod gateway;
mod guild_admin;
mod helpers;
mod inject;
mod json;
mod records;
mod rest;
mod standin;
mod state;

pub use fixture::*;
#[allow(unused_imports)] // not every test binary names them
pub use guild_admin::{GuildChannelInfo, MemberInfo, RoleInfo};
pub use records::*;
pub use standin::*;

// The parts only the stand-in itself uses, visible to every part.
use body::*;
use gateway::*;
use helpers::*;
use rest::*;
use state::*;
