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
mod invocation;
pub mod presence;
mod ratelimit_command;
mod restart;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ChannelId, ChannelType, ClientBuilder, ComponentInteraction, Context,
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EventHandler, GatewayIntents, Guild,
    GuildChannel, GuildId, HttpBuilder, Interaction, Message, MessageId, MessageUpdateEvent,
    Reaction, Ready, ResumedEvent, Role, RoleId, ShardStageUpdateEvent, UserId, VoiceState,
};
use serenity::async_trait;
use serenity::gateway::ConnectionStage;
use serenity::http::Http;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{ChannelRef, Config};
use crate::messages::{Messages, Text};
use crate::outgoing::Outgoing;
use crate::power::driver::Input;
use crate::power::machine::Requester;
use crate::system::secret::Secret;
use commands::Commands;
use presence::{Authorization, VoiceMember, VoicePresence};

/// `custom_id` of the Cancel button on the shutdown-timer announcement.
pub const CANCEL_SHUTDOWN_ID: &str = "cubeguardian:cancel_shutdown";

/// How long the bot waits for the power driver to answer a button press:
/// Discord drops an interaction not answered within 3 seconds.
const BUTTON_ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// Pause before rebuilding the client after the gateway gave up, doubled up
/// to [`MAX_RETRY`] so an unreachable Discord is retried without hammering.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const MAX_RETRY: Duration = Duration::from_secs(300);

/// How long a stop waits for serenity to close the gateway session.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Attempts for one announcement before it is dropped (logged).
const SEND_ATTEMPTS: u32 = 4;

/// Longest wait for a TCP (and TLS) connection to Discord: on a working
/// link it takes well under a second, so more means the network is gone.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest time one REST call may take, body and answer included: Discord
/// answers in milliseconds, and the largest upload (a digest attached as a
/// file) is tens of kilobytes. A call stalled past it fails and is retried
/// or logged instead of holding its task forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a message waits for the one queued before it, so that
/// announcements keep their order, before it goes anyway: a call stalled
/// on Discord's side must not hold back the ones after it.
const OVERTAKE_AFTER: Duration = Duration::from_secs(2);

/// Messages being sent at once at most; more wait for one to finish (only
/// ever reached when Discord stalls every call).
const MAX_SENDING: usize = 16;

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
static GATEWAY_INTERRUPTED: AtomicBool = AtomicBool::new(false);

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

/// The watched voice channel, once found in the guild, and its occupants.
#[derive(Default)]
struct Watched {
    channel: Option<u64>,
    presence: VoicePresence,
}

struct Handler {
    guild_id: u64,
    voice_ref: ChannelRef,
    announce_ref: ChannelRef,
    auth: Authorization,
    messages: Messages,
    presence: Mutex<Watched>,
    commands: Arc<Commands>,
    announce: watch::Sender<Option<ChannelId>>,
    power: mpsc::Sender<Input>,
    link: watch::Sender<Link>,
    /// The authorized players in voice, by name, for the admin page.
    voice_names: watch::Sender<Vec<String>>,
    /// The digest's capture, when `[digest]` is on.
    feed: Option<capture::Feed>,
    /// The bot's own user id (from READY), whose messages are not captured.
    bot_id: AtomicU64,
}

impl Handler {
    async fn tell_power(&self, input: Input) {
        if self.power.send(input).await.is_err() {
            log::debug!("power driver gone; dropping a presence update");
        }
    }

    async fn on_button(&self, ctx: &Context, press: &ComponentInteraction) {
        let roles: Vec<u64> = press
            .member
            .as_ref()
            .map(|m| m.roles.iter().map(|r| r.get()).collect())
            .unwrap_or_default();
        let user = press.user.id.get();
        let text = if !self.auth.allows(user, &roles) {
            log::info!("cancel button pressed by unauthorized user {user}: refused");
            Text::CancelRefused
        } else {
            let by = Requester {
                id: user,
                name: press
                    .member
                    .as_ref()
                    .map(|m| m.display_name().to_owned())
                    .unwrap_or_else(|| press.user.display_name().to_owned()),
            };
            let (reply, answer) = oneshot::channel();
            self.tell_power(Input::CancelShutdown { by, reply }).await;
            match tokio::time::timeout(BUTTON_ANSWER_WITHIN, answer).await {
                Ok(Ok(true)) => Text::CancelDone,
                _ => Text::CancelNothing,
            }
        };
        let response = CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(self.messages.render(text, &[]))
                .ephemeral(true),
        );
        if let Err(e) = press.create_response(&ctx.http, response).await {
            log::warn!("discord: cannot answer a button press: {e}");
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        log::info!(
            "discord: connected as {} (new session; waiting for the guild's state)",
            ready.user.name
        );
        GATEWAY_INTERRUPTED.store(false, Ordering::Relaxed);
        self.bot_id.store(ready.user.id.get(), Ordering::Relaxed);
        self.link.send_replace(Link::Connected);
        self.commands
            .on_ready(&ctx.http, ready.user.id.get(), &ready.user.name)
            .await;
    }

    async fn message(&self, ctx: Context, message: Message) {
        // Captured first: queued before anything awaits, so the capture
        // sees events in the order the gateway sent them.
        if let Some(feed) = &self.feed {
            feed.posted(&message, self.bot_id.load(Ordering::Relaxed))
                .await;
        }
        self.commands.on_message(&ctx.http, message).await;
    }

    async fn message_update(
        &self,
        _ctx: Context,
        _old: Option<Message>,
        new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        if let Some(feed) = &self.feed {
            feed.edited(&event, new.as_ref(), self.bot_id.load(Ordering::Relaxed))
                .await;
        }
    }

    async fn message_delete(
        &self,
        _ctx: Context,
        channel: ChannelId,
        id: MessageId,
        guild: Option<GuildId>,
    ) {
        if let Some(feed) = &self.feed {
            feed.deleted(guild, channel.get(), [id.get()]).await;
        }
    }

    async fn message_delete_bulk(
        &self,
        _ctx: Context,
        channel: ChannelId,
        ids: Vec<MessageId>,
        guild: Option<GuildId>,
    ) {
        if let Some(feed) = &self.feed {
            let ids: Vec<u64> = ids.iter().map(|id| id.get()).collect();
            feed.deleted(guild, channel.get(), ids).await;
        }
    }

    async fn reaction_add(&self, _ctx: Context, reaction: Reaction) {
        if let Some(feed) = &self.feed {
            feed.reacted(&reaction, 1).await;
        }
    }

    async fn reaction_remove(&self, _ctx: Context, reaction: Reaction) {
        if let Some(feed) = &self.feed {
            feed.reacted(&reaction, -1).await;
        }
    }

    async fn reaction_remove_all(&self, _ctx: Context, channel: ChannelId, message: MessageId) {
        if let Some(feed) = &self.feed {
            feed.reactions_cleared(channel.get(), message.get()).await;
        }
    }

    async fn channel_create(&self, _ctx: Context, channel: GuildChannel) {
        if let Some(feed) = &self.feed {
            feed.channel(&channel).await;
        }
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        if let Some(feed) = &self.feed {
            feed.channel(&new).await;
        }
    }

    async fn guild_role_create(&self, _ctx: Context, role: Role) {
        if let Some(feed) = &self.feed {
            feed.role(&role);
        }
    }

    async fn guild_role_update(&self, _ctx: Context, _old: Option<Role>, role: Role) {
        if let Some(feed) = &self.feed {
            feed.role(&role);
        }
    }

    async fn guild_role_delete(
        &self,
        _ctx: Context,
        guild: GuildId,
        role: RoleId,
        _: Option<Role>,
    ) {
        if let Some(feed) = &self.feed {
            feed.role_gone(guild, role);
        }
    }

    async fn channel_delete(
        &self,
        _ctx: Context,
        channel: GuildChannel,
        _messages: Option<Vec<Message>>,
    ) {
        if let Some(feed) = &self.feed {
            feed.channel_gone(&channel).await;
        }
    }

    async fn resume(&self, _ctx: Context, _: ResumedEvent) {
        log::info!("discord: session resumed");
        GATEWAY_INTERRUPTED.store(false, Ordering::Relaxed);
        self.link.send_replace(Link::Connected);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        match event.new {
            ConnectionStage::Connected => {
                self.link.send_replace(Link::Connected);
            }
            ConnectionStage::Disconnected
            | ConnectionStage::Connecting
            | ConnectionStage::Resuming => {
                log::info!("discord: gateway {:?} (was {:?})", event.new, event.old);
                self.link.send_replace(Link::Down(
                    format!("gateway {:?}", event.new).to_lowercase(),
                ));
            }
            _ => {}
        }
    }

    /// Sent after every identify: the truth about the guild, from which the
    /// presence is rebuilt (events of a session that could not be resumed
    /// are lost, this is what makes up for them).
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        if guild.id.get() != self.guild_id {
            log::warn!(
                "discord: ignoring guild {} ({}): the configured guild is {}",
                guild.name,
                guild.id,
                self.guild_id
            );
            return;
        }
        if let Some(feed) = &self.feed {
            feed.guild(&guild).await;
        }
        self.presence_from_guild(&guild).await;
        // Last: the power controller must not wait for the history.
        if let Some(feed) = &self.feed {
            feed.backfill(&ctx.http, self.bot_id.load(Ordering::Relaxed))
                .await;
        }
    }

    async fn voice_state_update(&self, _ctx: Context, _old: Option<VoiceState>, new: VoiceState) {
        self.on_voice_state(new).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        self.on_interaction(ctx, interaction).await;
    }
}

impl Handler {
    /// The announce channel, the watched voice channel and who sits in it,
    /// from a `GUILD_CREATE`.
    async fn presence_from_guild(&self, guild: &Guild) {
        let find = |wanted: &ChannelRef, kinds: &[ChannelType]| {
            guild
                .channels
                .values()
                .find(|c| kinds.contains(&c.kind) && wanted.matches(c.id.get(), &c.name))
                .map(|c| c.id)
        };
        let voice = find(&self.voice_ref, &[ChannelType::Voice, ChannelType::Stage]);
        let announce = find(&self.announce_ref, &[ChannelType::Text, ChannelType::News]);
        if announce.is_none() {
            log::error!(
                "discord: no text channel {} in guild {}: announcements are held until it exists",
                self.announce_ref,
                guild.name
            );
        }
        self.announce.send_replace(announce);
        let Some(voice) = voice else {
            log::error!(
                "discord: no voice channel {} in guild {}: nobody can wake the server",
                self.voice_ref,
                guild.name
            );
            return;
        };
        let occupants: Vec<(u64, Option<u64>, String, Vec<u64>)> = guild
            .voice_states
            .values()
            .map(|vs| {
                let member = vs
                    .member
                    .as_ref()
                    .or_else(|| guild.members.get(&vs.user_id));
                (
                    vs.user_id.get(),
                    vs.channel_id.map(|c| c.get()),
                    member.map_or_else(|| vs.user_id.to_string(), |m| m.display_name().to_owned()),
                    member.map(|m| role_ids(&m.roles)).unwrap_or_default(),
                )
            })
            .collect();
        let members = occupants
            .iter()
            .map(|(user_id, channel_id, name, roles)| VoiceMember {
                user_id: *user_id,
                channel_id: *channel_id,
                name,
                roles,
            });
        let event = {
            let mut watched = self.presence.lock().unwrap_or_else(|p| p.into_inner());
            watched.channel = Some(voice.get());
            let event = watched.presence.reset(voice.get(), members, &self.auth);
            self.voice_names
                .send_replace(watched.presence.authorized_names());
            log::info!(
                "discord: guild {} ready; authorized players in voice: {:?}",
                guild.name,
                watched.presence.authorized_names()
            );
            event
        };
        self.tell_power(Input::Event(event)).await;
    }

    async fn on_voice_state(&self, new: VoiceState) {
        if new.guild_id.map(|g| g.get()) != Some(self.guild_id) {
            return;
        }
        let roles = new
            .member
            .as_ref()
            .map(|m| role_ids(&m.roles))
            .unwrap_or_default();
        let name = new
            .member
            .as_ref()
            .map(|m| m.display_name().to_owned())
            .unwrap_or_else(|| new.user_id.to_string());
        let event = {
            let mut watched = self.presence.lock().unwrap_or_else(|p| p.into_inner());
            let Some(channel) = watched.channel else {
                return;
            };
            let event = watched.presence.update(
                channel,
                VoiceMember {
                    user_id: new.user_id.get(),
                    channel_id: new.channel_id.map(|c| c.get()),
                    name: &name,
                    roles: &roles,
                },
                &self.auth,
            );
            if event.is_some() {
                self.voice_names
                    .send_replace(watched.presence.authorized_names());
            }
            event
        };
        if let Some(event) = event {
            log::info!("discord: voice presence changed: {event:?}");
            self.tell_power(Input::Event(event)).await;
        }
    }

    async fn on_interaction(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(press) if press.data.custom_id == CANCEL_SHUTDOWN_ID => {
                let allowed = self
                    .commands
                    .pass_guard_for_button(&ctx.http, &press, "cancel")
                    .await;
                if allowed {
                    self.on_button(&ctx, &press).await;
                }
            }
            Interaction::Component(press) => {
                let id = press.data.custom_id.clone();
                if !self.commands.on_button(&ctx.http, press).await {
                    log::debug!("discord: ignoring a press on unknown button {id}");
                }
            }
            Interaction::Command(command) => self.commands.on_slash(&ctx.http, command).await,
            _ => {}
        }
    }
}

fn role_ids(roles: &[serenity::all::RoleId]) -> Vec<u64> {
    roles.iter().map(|r| r.get()).collect()
}

/// Sends what the driver asks for, retrying briefly. Announcements wait
/// until the announce channel is known (the first `GUILD_CREATE`).
///
/// Each message is sent by its own task, after the one before it is done
/// or [`OVERTAKE_AFTER`] has passed: in order while Discord answers, and
/// never stuck behind a call that stalls. On shutdown, what is still being
/// sent is dropped (a stop must not wait for Discord).
async fn send_loop(
    http: Arc<Http>,
    admin: u64,
    messages: Messages,
    announce: watch::Receiver<Option<ChannelId>>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    shutdown: CancellationToken,
) {
    let admin_dm: Arc<Mutex<Option<ChannelId>>> = Arc::default();
    let mut sending = JoinSet::new();
    let mut previous: Option<oneshot::Receiver<()>> = None;
    loop {
        let item = tokio::select! {
            item = outgoing.recv() => match item { Some(item) => item, None => break },
            () = shutdown.cancelled() => break,
            Some(_) = sending.join_next(), if !sending.is_empty() => continue,
        };
        while sending.len() >= MAX_SENDING {
            tokio::select! {
                _ = sending.join_next() => {}
                () = shutdown.cancelled() => return,
            }
        }
        // Dropped when this message's task ends, which releases the next.
        let (done, next) = oneshot::channel::<()>();
        let before = previous.replace(next);
        let sender = Sender {
            http: Arc::clone(&http),
            admin,
            admin_dm: Arc::clone(&admin_dm),
            messages: messages.clone(),
            announce: announce.clone(),
            shutdown: shutdown.clone(),
        };
        sending.spawn(async move {
            if let Some(before) = before {
                let _ = tokio::time::timeout(OVERTAKE_AFTER, before).await;
            }
            sender.send(item).await;
            drop(done);
        });
    }
    // What is being sent may finish, unless the bot stops: dropping the
    // set then aborts the calls still waiting on Discord.
    tokio::select! {
        () = async { while sending.join_next().await.is_some() {} } => {}
        () = shutdown.cancelled() => {}
    }
}

/// What one message's task needs to send it.
struct Sender {
    http: Arc<Http>,
    admin: u64,
    /// The admin's DM channel, once known (shared by the tasks).
    admin_dm: Arc<Mutex<Option<ChannelId>>>,
    messages: Messages,
    announce: watch::Receiver<Option<ChannelId>>,
    shutdown: CancellationToken,
}

impl Sender {
    /// Sends `item`, with [`SEND_ATTEMPTS`] attempts; each REST call is
    /// bounded by the client's [`REQUEST_TIMEOUT`].
    async fn send(mut self, item: Outgoing) {
        for attempt in 1..=SEND_ATTEMPTS {
            let result = match &item {
                Outgoing::Announce {
                    text,
                    cancel_button,
                } => {
                    let channel = tokio::select! {
                        c = self.announce.wait_for(Option::is_some) => match c {
                            Ok(c) => *c,
                            Err(_) => return,
                        },
                        () = self.shutdown.cancelled() => return,
                    };
                    let Some(channel) = channel else { continue };
                    let mut message = CreateMessage::new().content(text);
                    if *cancel_button {
                        let button = CreateButton::new(CANCEL_SHUTDOWN_ID)
                            .label(self.messages.render(Text::CancelButton, &[]))
                            .style(ButtonStyle::Danger);
                        message = message.components(vec![CreateActionRow::Buttons(vec![button])]);
                    }
                    channel.send_message(&self.http, message).await.map(|_| ())
                }
                Outgoing::AlertAdmin { text } => self.alert_admin(text).await,
            };
            match result {
                Ok(()) => break,
                Err(e) if attempt < SEND_ATTEMPTS => {
                    log::warn!("discord: sending failed (attempt {attempt}): {e}");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1 << attempt)) => {}
                        () = self.shutdown.cancelled() => return,
                    }
                }
                Err(e) => {
                    log::error!("discord: giving up on a message after {attempt} attempts: {e}")
                }
            }
        }
    }

    async fn alert_admin(&self, text: &str) -> Result<(), serenity::Error> {
        let known = *self.admin_dm.lock().unwrap_or_else(|p| p.into_inner());
        let dm = match known {
            Some(dm) => dm,
            None => {
                let dm = UserId::new(self.admin)
                    .create_dm_channel(&self.http)
                    .await?
                    .id;
                *self.admin_dm.lock().unwrap_or_else(|p| p.into_inner()) = Some(dm);
                dm
            }
        };
        dm.send_message(&self.http, CreateMessage::new().content(text))
            .await
            .map(|_| ())
    }
}
