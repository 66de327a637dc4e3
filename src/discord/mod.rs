//! The Discord side: one gateway session (serenity), the voice presence it
//! feeds to the power driver, the Cancel button, the players' commands
//! ([`commands`]), and the announcements and admin alerts the driver asks
//! for.
//!
//! The intents requested are those the features use: `GUILDS`,
//! `GUILD_VOICE_STATES`, and the message intents for commands in plain
//! words (`MESSAGE_CONTENT` is privileged: enable it for the bot in the
//! developer portal). serenity's cache is not compiled in: the bot keeps
//! just the occupants of one voice channel ([`presence`]), not the guild's
//! thousands of members.
//!
//! When `discord.api_url` is not Discord itself, every REST call goes there
//! (serenity's `HttpBuilder::proxy`) and serenity's own rate limiter is off,
//! because it would build its requests without the proxy: the proxy (e.g.
//! twilight-http-proxy) owns rate limiting.
//!
//! Every REST call has a deadline ([`CONNECT_TIMEOUT`], [`REQUEST_TIMEOUT`]),
//! and every message the bot posts, answers or edits carries an explicit
//! `allowed_mentions` that pings nobody ([`no_pings`]): both are set once,
//! on the one HTTP client [`build_http`] makes for the gateway session and
//! the announcements alike (clippy refuses other ways of making one).

pub mod capture;
pub mod commands;
mod digest;
pub mod game;
mod handler;
mod invocation;
mod link_command;
pub mod members;
pub mod presence;
mod ratelimit_command;
mod restart;
mod send;

use handler::{Handler, Watched};
use send::send_loop;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{ClientBuilder, CreateAllowedMentions, GatewayIntents, HttpBuilder};
use serenity::http::Http;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::{ChannelRef, Config};
use crate::messages::Messages;
use crate::outgoing::Outgoing;
use crate::power::driver::Input;
use crate::system::secret::Secret;
use commands::Commands;
use presence::Authorization;

/// `custom_id` of the Cancel button on the shutdown-timer announcement.
pub const CANCEL_SHUTDOWN_ID: &str = "cubeguardian:cancel_shutdown";

/// Pause before rebuilding the client after the gateway gave up, doubled up
/// to [`MAX_RETRY`] so an unreachable Discord is retried without hammering.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const MAX_RETRY: Duration = Duration::from_secs(300);

/// How long a stop waits for serenity to close the gateway session.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Longest wait for a TCP (and TLS) connection to Discord: on a working
/// link it takes well under a second, so more means the network is gone.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest time one REST call may take, body and answer included: Discord
/// answers in milliseconds, and the largest upload (a digest attached as a
/// file) is tens of kilobytes. A call stalled past it fails and is retried
/// or logged instead of holding its task forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Set when serenity starts resuming or re-establishing the gateway
/// connection, cleared when a session is ready or resumed again.
///
/// serenity 0.12 reports no stage change while it resumes a dropped
/// connection (it compares stages only around received events, and the
/// drop-and-resume happens between them), so the bot would never learn that
/// Discord is gone. Its own log records do say it: [`watch_gateway_log`] is
/// fed every serenity gateway record by the logger. serenity is pinned to
/// an exact version, and the `/health` end-to-end test fails if these
/// messages change.
pub(super) static GATEWAY_INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Looks at one of serenity's gateway log records for the start of a
/// resume or reconnect.
pub fn watch_gateway_log(target: &str, message: &str) {
    if target.starts_with("serenity::gateway")
        && (message.ends_with("Attempting to resume")
            || message.ends_with("Attempting to reconnect")
            || message.ends_with("Requesting restart"))
    {
        GATEWAY_INTERRUPTED.store(true, Ordering::Relaxed);
    }
}

/// Whether the gateway connection is being re-established right now.
pub fn gateway_interrupted() -> bool {
    GATEWAY_INTERRUPTED.load(Ordering::Relaxed)
}

/// The gateway connection as the rest of the appliance sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Connected,
    /// Lost; serenity is reconnecting, or the client is being rebuilt.
    Down(String),
}

/// Everything the Discord side needs, taken from the config.
#[derive(Clone)]
pub struct DiscordSettings {
    pub token: Secret,
    pub api_url: String,
    pub uses_proxy: bool,
    pub gateway_url: Option<String>,
    pub guild_id: u64,
    pub voice_channel: ChannelRef,
    pub announce_channel: ChannelRef,
    pub admin_user_id: u64,
    pub auth: Authorization,
    pub messages: Messages,
    /// Where guild messages go when the digest is on.
    pub capture: Option<crate::digest::capture::Capture>,
    /// The front door's member lookups, when it is on: given the client.
    pub members: Option<Arc<members::GuildMembers>>,
}

impl DiscordSettings {
    pub fn from_config(config: &Config, token: Secret) -> Self {
        let d = &config.discord;
        let users = config
            .players
            .user_ids
            .iter()
            .map(|s| s.0)
            .chain([d.admin_user_id.0]);
        let roles = config.players.role_ids.iter().map(|s| s.0);
        DiscordSettings {
            token,
            api_url: d.api_url.clone(),
            uses_proxy: d.uses_proxy(),
            gateway_url: d.gateway_url.clone(),
            guild_id: d.guild_id.0,
            voice_channel: d.voice_channel.clone(),
            announce_channel: d.announce_channel.clone(),
            admin_user_id: d.admin_user_id.0,
            auth: Authorization::new(users, roles),
            messages: config.messages.clone(),
            capture: None,
            members: None,
        }
    }
}

/// Runs the Discord side until `shutdown`: the gateway session (rebuilt
/// with backoff if serenity gives up) and the sender of announcements.
pub async fn run(
    settings: DiscordSettings,
    commands: Arc<Commands>,
    power: mpsc::Sender<Input>,
    outgoing: mpsc::Receiver<Outgoing>,
    link: watch::Sender<Link>,
    voice_names: watch::Sender<Vec<String>>,
    shutdown: CancellationToken,
) {
    let http = match build_http(&settings) {
        Ok(http) => Arc::new(http),
        Err(e) => {
            log::error!("discord: cannot make an HTTP client: {e}; Discord stays off");
            return;
        }
    };
    if let Some(members) = &settings.members {
        members.connect(Arc::clone(&http));
    }
    let (announce_tx, announce_rx) = watch::channel(None);
    let sender = tokio::spawn(send_loop(
        Arc::clone(&http),
        settings.admin_user_id,
        settings.messages.clone(),
        announce_rx,
        outgoing,
        shutdown.clone(),
    ));
    let handler = Arc::new(Handler {
        guild_id: settings.guild_id,
        voice_ref: settings.voice_channel.clone(),
        announce_ref: settings.announce_channel.clone(),
        auth: settings.auth.clone(),
        messages: settings.messages.clone(),
        presence: Mutex::new(Watched::default()),
        commands,
        announce: announce_tx,
        power,
        link,
        voice_names,
        feed: settings.capture.clone().map(|capture| capture::Feed {
            capture,
            guild_id: settings.guild_id,
        }),
        bot_id: AtomicU64::new(0),
    });

    let mut retry = FIRST_RETRY;
    while !shutdown.is_cancelled() {
        let mut current = std::pin::pin!(session(&settings, Arc::clone(&handler), &shutdown));
        let outcome = tokio::select! {
            outcome = &mut current => outcome,
            () = shutdown.cancelled() => {
                // A connected session closes cleanly when asked; one still
                // trying to reach Discord never answers: give it a moment,
                // then drop it.
                if tokio::time::timeout(STOP_GRACE, &mut current).await.is_err() {
                    log::info!("discord: no session to close; stopping anyway");
                }
                break;
            }
        };
        if shutdown.is_cancelled() {
            break;
        }
        let why = match outcome {
            Ok(()) => "the gateway session ended".to_owned(),
            Err(e) => format!("{e}"),
        };
        log::error!("discord: {why}; reconnecting in {}s", retry.as_secs());
        handler.link.send_replace(Link::Down(why));
        tokio::select! {
            () = tokio::time::sleep(retry) => {}
            () = shutdown.cancelled() => break,
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
    let _ = sender.await;
}

/// What every message the bot sends may ping: nobody. Player names,
/// quoted messages and admin texts end up in messages, and a display name
/// like `@everyone` or a text like `<@&role>` must stay text. Replies do
/// not ping the player they answer either: the bot never pings anyone.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// The one place an HTTP client for Discord is made. serenity puts its
/// `default_allowed_mentions` on every message, interaction answer,
/// follow-up and edit made through its builders that does not set its own,
/// so no call site can forget it.
#[allow(clippy::disallowed_methods)]
fn build_http(settings: &DiscordSettings) -> Result<Http, reqwest::Error> {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let mut http = HttpBuilder::new(settings.token.expose())
        .client(client)
        .default_allowed_mentions(no_pings());
    if settings.uses_proxy {
        http = http
            .proxy(settings.api_url.clone())
            .ratelimiter_disabled(true);
    }
    Ok(http.build())
}

/// One serenity client, from connection to the end of its gateway loop.
async fn session(
    settings: &DiscordSettings,
    handler: Arc<Handler>,
    shutdown: &CancellationToken,
) -> Result<(), serenity::Error> {
    let mut intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    if settings.capture.is_some() {
        // The digest ranks messages by the reactions they drew.
        intents |= GatewayIntents::GUILD_MESSAGE_REACTIONS;
    }
    let mut client = ClientBuilder::new_with_http(build_http(settings)?, intents)
        .event_handler_arc(handler)
        .await?;
    if let Some(url) = &settings.gateway_url {
        *client.ws_url.lock().await = url.clone();
    }
    let manager = Arc::clone(&client.shard_manager);
    let stop = shutdown.clone();
    let stopper = tokio::spawn(async move {
        stop.cancelled().await;
        manager.shutdown_all().await;
    });
    let result = client.start().await;
    stopper.abort();
    result
}
