//! The Discord stand-in driven by the real serenity 0.12.5 client, configured as the product
//! configures it (proxy REST base URL, ratelimiter off, `ws_url` pointed at the stand-in).
//!
//! This file is the harness (the fixture guild, a recording event handler, a serenity bot);
//! the tests are grouped by topic: `session` (READY, GUILD_CREATE, voice and member events,
//! resume and re-identify, heartbeats, close codes, permissions), `interactions` (buttons, slash
//! commands and their options, interaction replies and follow-ups, tokens and unknown routes)
//! and `messages` (DMs, replies, attachments, edits, deletions, reactions, intent gating,
//! history paging, uploads) and `guild_admin` (channels, categories, overwrites, roles and
//! members managed through REST, and their gateway echoes).

// These tests drive the stand-in with plain serenity clients, not the product's.
#![allow(clippy::disallowed_methods)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ChannelId, ChannelType, ClientBuilder, CommandDataOptionValue, CommandInteraction,
    CommandOptionType, ComponentInteraction, ComponentInteractionDataKind, Context,
    CreateActionRow, CreateAttachment, CreateButton, CreateCommand, CreateCommandOption,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, EditMessage, EventHandler, GatewayIntents, GetMessages,
    Guild, GuildChannel, GuildId, GuildMemberUpdateEvent, Http, HttpBuilder, Interaction, Member,
    Message, MessageId, MessageType, MessageUpdateEvent, PermissionOverwriteType, Permissions,
    Reaction, ReactionType, Ready, ResumedEvent, Role, RoleId, ShardManager, UserId, VoiceState,
};
use serenity::async_trait;
use support::discord::{
    permissions, DiscordStandIn, GuildFixture, MessageSpec, Overwrite, ResponseKind,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Guards against hanging only; serenity's re-identify alone takes about 5 s.
const T: Duration = Duration::from_secs(30);
const TOKEN: &str = "standin-test-token";

const GUILD: u64 = 10;
const TEXT: u64 = 20;
const VOICE: u64 = 30;
const AFK_VOICE: u64 = 31;
const PLAYERS: u64 = 40;
const ADMINS: u64 = 41;
const ALICE: u64 = 100;
const BOB: u64 = 101;
const CAROL: u64 = 102;

fn fixture() -> GuildFixture {
    GuildFixture::new(GUILD)
        .name("Cube")
        .bot_user(900, "CubeGuardian")
        .text_channel(TEXT, "annonces")
        .voice_channel(VOICE, "L'écho-du-Cube")
        .voice_channel(AFK_VOICE, "AFK")
        .role(PLAYERS, "joueurs")
        .role(ADMINS, "admins")
        .member(ALICE, "alice", [PLAYERS])
        .member(BOB, "bob", [PLAYERS, ADMINS])
        .member(CAROL, "carol", [])
        .in_voice(ALICE, VOICE)
}

fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// What the handler saw, forwarded to the test.
#[derive(Debug)]
enum Seen {
    Ready(Box<Ready>),
    Guild(Box<Guild>),
    Voice(Box<VoiceState>),
    Component(Box<ComponentInteraction>),
    Command(Box<CommandInteraction>),
    Message(Box<Message>),
    MessageUpdated(Box<MessageUpdateEvent>),
    MessageDeleted(ChannelId, MessageId, Option<GuildId>),
    BulkDeleted(ChannelId, Vec<MessageId>, Option<GuildId>),
    ReactionAdded(Box<Reaction>),
    ReactionRemoved(Box<Reaction>),
    Resumed,
    MemberAdded(Box<Member>),
    MemberUpdated(Box<GuildMemberUpdateEvent>),
    ChannelUpdated(Box<GuildChannel>),
    RoleUpdated(Box<Role>),
    ChannelCreated(Box<GuildChannel>),
    ChannelDeleted(Box<GuildChannel>),
    RoleCreated(Box<Role>),
}

struct Handler(mpsc::UnboundedSender<Seen>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        let _ = self.0.send(Seen::Ready(Box::new(ready)));
    }
    async fn guild_create(&self, _: Context, guild: Guild, _: Option<bool>) {
        let _ = self.0.send(Seen::Guild(Box::new(guild)));
    }
    async fn voice_state_update(&self, _: Context, _: Option<VoiceState>, new: VoiceState) {
        let _ = self.0.send(Seen::Voice(Box::new(new)));
    }
    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        let seen = match interaction {
            Interaction::Component(c) => Seen::Component(Box::new(c)),
            Interaction::Command(c) => Seen::Command(Box::new(c)),
            _ => return,
        };
        let _ = self.0.send(seen);
    }
    async fn message(&self, _: Context, message: Message) {
        let _ = self.0.send(Seen::Message(Box::new(message)));
    }
    async fn message_update(
        &self,
        _: Context,
        _: Option<Message>,
        _: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let _ = self.0.send(Seen::MessageUpdated(Box::new(event)));
    }
    async fn message_delete(
        &self,
        _: Context,
        channel: ChannelId,
        id: MessageId,
        guild: Option<GuildId>,
    ) {
        let _ = self.0.send(Seen::MessageDeleted(channel, id, guild));
    }
    async fn message_delete_bulk(
        &self,
        _: Context,
        channel: ChannelId,
        ids: Vec<MessageId>,
        guild: Option<GuildId>,
    ) {
        let _ = self.0.send(Seen::BulkDeleted(channel, ids, guild));
    }
    async fn reaction_add(&self, _: Context, reaction: Reaction) {
        let _ = self.0.send(Seen::ReactionAdded(Box::new(reaction)));
    }
    async fn reaction_remove(&self, _: Context, reaction: Reaction) {
        let _ = self.0.send(Seen::ReactionRemoved(Box::new(reaction)));
    }
    async fn resume(&self, _: Context, _: ResumedEvent) {
        let _ = self.0.send(Seen::Resumed);
    }
    async fn guild_member_addition(&self, _: Context, member: Member) {
        let _ = self.0.send(Seen::MemberAdded(Box::new(member)));
    }
    async fn guild_member_update(
        &self,
        _: Context,
        _: Option<Member>,
        _: Option<Member>,
        event: GuildMemberUpdateEvent,
    ) {
        let _ = self.0.send(Seen::MemberUpdated(Box::new(event)));
    }
    async fn channel_update(&self, _: Context, _: Option<GuildChannel>, new: GuildChannel) {
        let _ = self.0.send(Seen::ChannelUpdated(Box::new(new)));
    }
    async fn guild_role_update(&self, _: Context, _: Option<Role>, new: Role) {
        let _ = self.0.send(Seen::RoleUpdated(Box::new(new)));
    }
    async fn channel_create(&self, _: Context, channel: GuildChannel) {
        let _ = self.0.send(Seen::ChannelCreated(Box::new(channel)));
    }
    async fn channel_delete(&self, _: Context, channel: GuildChannel, _: Option<Vec<Message>>) {
        let _ = self.0.send(Seen::ChannelDeleted(Box::new(channel)));
    }
    async fn category_delete(&self, _: Context, category: GuildChannel) {
        let _ = self.0.send(Seen::ChannelDeleted(Box::new(category)));
    }
    async fn guild_role_create(&self, _: Context, role: Role) {
        let _ = self.0.send(Seen::RoleCreated(Box::new(role)));
    }
}

/// Captures serenity's own `tracing` output (scratch-only), to catch what serenity drops
/// silently: payloads it cannot deserialize, unexpected statuses, sequence gaps.
/// `SERENITY_LOG=1` also prints it, with milliseconds since the first line.
mod serenity_log {
    use std::fmt::Write;
    use std::sync::{Mutex, Once, OnceLock};
    use std::time::Instant;

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static START: OnceLock<Instant> = OnceLock::new();

    struct Capture;
    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target().starts_with("serenity") && *metadata.level() <= Level::DEBUG
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let meta = event.metadata();
            let mut line = Line(format!("{} {}", meta.level(), meta.target()));
            event.record(&mut line);
            if std::env::var_os("SERENITY_LOG").is_some() {
                let ms = START.get_or_init(Instant::now).elapsed().as_millis();
                eprintln!("[{ms:>6} ms] {}", line.0);
            }
            LINES.lock().unwrap().push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let _ = tracing::subscriber::set_global_default(Capture);
        });
    }

    /// Lines showing that serenity silently dropped or distrusted something the stand-in sent.
    pub fn suspicious() -> Vec<String> {
        let markers = [
            "deserializ",
            "Mismatched",
            "Sequence off",
            "skipping",
            "Unhandled error",
        ];
        let lines = LINES.lock().unwrap();
        lines
            .iter()
            .filter(|l| markers.iter().any(|m| l.contains(m)))
            .cloned()
            .collect()
    }
}

/// A running serenity client plus what its handler reported.
struct Bot {
    http: Arc<Http>,
    events: mpsc::UnboundedReceiver<Seen>,
    /// Events received but not yet claimed by `next` (handlers run concurrently, so events
    /// can arrive in any order).
    unclaimed: Vec<Seen>,
    shards: Arc<ShardManager>,
    task: JoinHandle<serenity::Result<()>>,
}

impl Bot {
    async fn start(standin: &DiscordStandIn, token: &str) -> Bot {
        Self::start_with(standin, token, intents()).await
    }

    async fn start_with(standin: &DiscordStandIn, token: &str, intents: GatewayIntents) -> Bot {
        serenity_log::install();
        let http = HttpBuilder::new(token)
            .proxy(standin.api_url())
            .ratelimiter_disabled(true)
            .build();
        let (tx, events) = mpsc::unbounded_channel();
        let mut client = ClientBuilder::new_with_http(http, intents)
            .event_handler(Handler(tx))
            .await
            .unwrap();
        *client.ws_url.lock().await = standin.gateway_url();
        let http = Arc::clone(&client.http);
        let shards = Arc::clone(&client.shard_manager);
        let task = tokio::spawn(async move { client.start().await });
        Bot {
            http,
            events,
            unclaimed: Vec::new(),
            shards,
            task,
        }
    }

    /// The first event (already received or to come) that `pick` accepts.
    async fn next<R>(&mut self, what: &str, mut pick: impl FnMut(&Seen) -> Option<R>) -> R {
        if let Some(index) = self.unclaimed.iter().position(|seen| pick(seen).is_some()) {
            let seen = self.unclaimed.remove(index);
            return pick(&seen).unwrap();
        }
        let deadline = tokio::time::Instant::now() + T;
        loop {
            let seen = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("bot never saw {what}; unclaimed: {:?}", self.unclaimed))
                .expect("handler channel closed");
            match pick(&seen) {
                Some(found) => return found,
                None => self.unclaimed.push(seen),
            }
        }
    }

    async fn guild(&mut self) -> Guild {
        self.next("GUILD_CREATE", |s| match s {
            Seen::Guild(g) => Some((**g).clone()),
            _ => None,
        })
        .await
    }

    /// Every event received so far or within `wait`, without claiming them.
    async fn drain(&mut self, wait: Duration) -> &[Seen] {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(seen)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            self.unclaimed.push(seen);
        }
        &self.unclaimed
    }

    async fn stop(self) {
        let suspicious = serenity_log::suspicious();
        assert!(
            suspicious.is_empty(),
            "serenity complained: {suspicious:#?}"
        );
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(T, self.task).await;
    }
}

fn assert_no_unknown_routes(standin: &DiscordStandIn) {
    let unknown = standin.unknown_requests();
    assert!(unknown.is_empty(), "unexpected REST calls: {unknown:#?}");
}

/// The bot's id in `fixture()`.
const BOT: u64 = 900;

/// The message the handler saw with this id.
async fn seen_message(bot: &mut Bot, id: u64) -> Message {
    bot.next("a MESSAGE_CREATE", |s| match s {
        Seen::Message(m) if m.id.get() == id => Some((**m).clone()),
        _ => None,
    })
    .await
}

mod guild_admin;
mod interactions;
mod messages;
mod session;
