//! The Discord stand-in driven by the real serenity 0.12.5 client, configured as the product
//! configures it (proxy REST base URL, ratelimiter off, `ws_url` pointed at the stand-in).

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_and_guild_create_reflect_the_fixture() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;

    let ready = bot
        .next("READY", |s| match s {
            Seen::Ready(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ready.user.id, UserId::new(900));
    assert_eq!(ready.user.name, "CubeGuardian");
    assert!(ready.user.bot);
    assert_eq!(ready.guilds.len(), 1);
    assert_eq!(ready.application.id.get(), standin.application_id());
    // READY taught serenity the application id, needed for interaction routes.
    assert_eq!(bot.http.application_id().map(|id| id.get()), Some(900));

    let guild = bot.guild().await;
    assert_eq!(guild.id, GuildId::new(GUILD));
    assert_eq!(guild.name, "Cube");
    assert_eq!(guild.channels.len(), 3);
    assert_eq!(
        guild.channels[&ChannelId::new(TEXT)].kind,
        ChannelType::Text
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].kind,
        ChannelType::Voice
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].name,
        "L'écho-du-Cube"
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].guild_id,
        GuildId::new(GUILD)
    );
    assert_eq!(guild.roles.len(), 3, "@everyone + 2 roles");
    assert_eq!(guild.roles[&RoleId::new(GUILD)].name, "@everyone");
    assert_eq!(guild.members.len(), 4, "3 members + the bot");
    assert_eq!(guild.member_count, 4);
    let bob = &guild.members[&UserId::new(BOB)];
    assert_eq!(bob.user.name, "bob");
    assert_eq!(bob.roles, vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]);
    assert_eq!(guild.voice_states.len(), 1);
    let alice_voice = &guild.voice_states[&UserId::new(ALICE)];
    assert_eq!(alice_voice.channel_id, Some(ChannelId::new(VOICE)));

    assert_eq!(standin.identify_count(), 1);
    assert!(standin.is_connected());
    let identify = &standin.identifies()[0];
    assert_eq!(identify["token"], format!("Bot {TOKEN}"));
    assert_eq!(standin.intents(), Some(intents().bits()));
    let gateway_call = &standin.requests()[0];
    assert_eq!(gateway_call.path, "/api/v10/gateway");
    assert_eq!(
        gateway_call.authorization.as_deref(),
        Some("Bot standin-test-token")
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_voice_and_member_events_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    standin.voice_join(BOB, VOICE).await;
    let joined = bot
        .next("bob's join", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(joined.channel_id, Some(ChannelId::new(VOICE)));
    assert_eq!(joined.guild_id, Some(GuildId::new(GUILD)));
    let member = joined
        .member
        .as_ref()
        .expect("voice updates carry the member");
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );
    assert_eq!(member.user.name, "bob");

    standin.voice_leave(ALICE).await;
    let left = bot
        .next("alice's leave", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(ALICE) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(left.channel_id, None);
    assert_eq!(standin.voice_states(), vec![(BOB, VOICE)]);

    standin.add_member(103, "dave", [PLAYERS]).await;
    let added = bot
        .next("dave's arrival", |s| match s {
            Seen::MemberAdded(m) => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(added.user.id, UserId::new(103));
    assert_eq!(added.guild_id, GuildId::new(GUILD));
    standin.voice_join(103, AFK_VOICE).await;
    bot.next("dave's join", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(103) => Some(()),
        _ => None,
    })
    .await;

    standin.set_member_roles(CAROL, [PLAYERS]).await;
    let updated = bot
        .next("carol's new roles", |s| match s {
            Seen::MemberUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(updated.user.id, UserId::new(CAROL));
    assert_eq!(updated.roles, vec![RoleId::new(PLAYERS)]);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_messages_and_interaction_responses_round_trip() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let confirm = CreateButton::new("restart:confirm")
        .label("Confirmer")
        .style(ButtonStyle::Success);
    let cancel = CreateButton::new("restart:cancel")
        .label("Annuler")
        .style(ButtonStyle::Danger);
    let sent = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("Redémarrer Minecraft ?")
                .components(vec![CreateActionRow::Buttons(vec![confirm, cancel])]),
        )
        .await
        .unwrap();
    assert_eq!(sent.channel_id, ChannelId::new(TEXT));
    assert_eq!(sent.author.id, UserId::new(900));
    assert_eq!(sent.components.len(), 1);

    let recorded = standin
        .wait_for_message(|m| m.content.starts_with("Redémarrer"), T)
        .await
        .unwrap();
    assert_eq!(recorded.id, sent.id.get());
    assert_eq!(recorded.channel_id, TEXT);
    assert_eq!(
        recorded.custom_ids(),
        vec!["restart:confirm", "restart:cancel"]
    );
    assert_eq!(recorded.buttons()[0].label.as_deref(), Some("Confirmer"));

    // Discord echoes the bot's own message on the gateway.
    let echoed = bot
        .next("the bot's own MESSAGE_CREATE", |s| match s {
            Seen::Message(m) if m.id == sent.id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert!(echoed.author.bot);
    assert_eq!(echoed.guild_id, Some(GuildId::new(GUILD)));

    let press = standin
        .press_button(BOB, TEXT, sent.id.get(), "restart:confirm")
        .await;
    let component = bot
        .next("the button press", |s| match s {
            Seen::Component(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(component.id.get(), press.id);
    assert_eq!(component.token, press.token);
    assert_eq!(component.data.custom_id, "restart:confirm");
    assert!(matches!(
        component.data.kind,
        ComponentInteractionDataKind::Button
    ));
    assert_eq!(component.user.id, UserId::new(BOB));
    assert_eq!(component.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(component.channel_id, ChannelId::new(TEXT));
    assert_eq!(component.message.id, sent.id);
    assert_eq!(component.message.components.len(), 1);
    let member = component.member.as_ref().unwrap();
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );

    component
        .create_response(
            &bot.http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("🔄 Redémarrage en cours…")
                    .ephemeral(true),
            ),
        )
        .await
        .unwrap();
    let response = standin
        .wait_for_interaction_response(|r| press.matches(r), T)
        .await
        .unwrap();
    assert_eq!(response.kind, ResponseKind::Callback(4));
    assert!(response.is_ephemeral());
    assert_eq!(response.content(), Some("🔄 Redémarrage en cours…"));
    assert_eq!(response.status, 204);

    // A second callback is refused, as Discord refuses it.
    let again = component
        .create_response(&bot.http, CreateInteractionResponse::Acknowledge)
        .await;
    assert!(again.is_err(), "second acknowledgement must fail");

    let edited = component
        .edit_response(
            &bot.http,
            EditInteractionResponse::new().content("✅ Serveur redémarré"),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "✅ Serveur redémarré");
    let followup = component
        .create_followup(
            &bot.http,
            CreateInteractionResponseFollowup::new()
                .content("détails")
                .ephemeral(true),
        )
        .await
        .unwrap();
    assert_eq!(followup.content, "détails");
    let kinds: Vec<ResponseKind> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| press.matches(r) && r.status < 300)
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ResponseKind::Callback(4),
            ResponseKind::EditOriginal,
            ResponseKind::Followup
        ]
    );

    // An UPDATE_MESSAGE answer rewrites the message the button was on.
    let press2 = standin
        .press_button(ALICE, TEXT, sent.id.get(), "restart:cancel")
        .await;
    let component2 = bot
        .next("the second press", |s| match s {
            Seen::Component(c) if c.id.get() == press2.id => Some(c.clone()),
            _ => None,
        })
        .await;
    component2
        .create_response(
            &bot.http,
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .content("Annulé")
                    .components(vec![]),
            ),
        )
        .await
        .unwrap();
    let updated = standin
        .wait_for_message(|m| m.id == sent.id.get() && m.edited, T)
        .await
        .unwrap();
    assert_eq!(updated.content, "Annulé");
    assert!(updated.buttons().is_empty());

    // Plain edit and delete of the bot's own message.
    let mut sent = sent;
    sent.edit(&bot.http, EditMessage::new().content("édité"))
        .await
        .unwrap();
    assert_eq!(sent.content, "édité");
    sent.delete(&bot.http).await.unwrap();
    bot.next("the delete echo", |s| match s {
        Seen::MessageDeleted(_, id, _) if *id == sent.id => Some(()),
        _ => None,
    })
    .await;
    assert!(standin.messages()[0].deleted);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dms_and_user_messages() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let dm = UserId::new(ALICE)
        .create_dm_channel(&bot.http)
        .await
        .unwrap();
    assert_eq!(dm.recipient.id, UserId::new(ALICE));
    assert_eq!(dm.kind, ChannelType::Private);
    assert_eq!(
        dm.id.get(),
        standin.dm_channel_id(ALICE),
        "one stable DM channel per user"
    );
    let again = UserId::new(ALICE)
        .create_dm_channel(&bot.http)
        .await
        .unwrap();
    assert_eq!(again.id, dm.id);
    dm.send_message(&bot.http, CreateMessage::new().content("⚠️ alerte admin"))
        .await
        .unwrap();
    let dms = standin.dm_messages(ALICE);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "⚠️ alerte admin");
    assert!(standin.dm_messages(BOB).is_empty());

    // A guild message addressed to the bot.
    let id = standin
        .send_message(BOB, TEXT, "<@900> redémarre minecraft")
        .await;
    let message = bot
        .next("bob's message", |s| match s {
            Seen::Message(m) if m.id.get() == id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(message.content, "<@900> redémarre minecraft");
    assert_eq!(message.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(message.author.id, UserId::new(BOB));
    assert!(message.mentions_user_id(UserId::new(900)));
    let member = message.member.as_ref().unwrap();
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );

    // A DM to the bot: no guild, the user's DM channel.
    let id = standin.send_dm(CAROL, "status").await;
    let message = bot
        .next("carol's DM", |s| match s {
            Seen::Message(m) if m.id.get() == id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(message.guild_id, None);
    assert_eq!(message.channel_id.get(), standin.dm_channel_id(CAROL));
    assert_eq!(message.content, "status");

    // The bot can look members up (e.g. roles of a DM author).
    let member = GuildId::new(GUILD)
        .member(&bot.http, UserId::new(CAROL))
        .await
        .unwrap();
    assert_eq!(member.user.name, "carol");
    assert!(GuildId::new(GUILD)
        .member(&bot.http, UserId::new(999))
        .await
        .is_err());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_register_and_run() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let commands = GuildId::new(GUILD)
        .set_commands(
            &bot.http,
            vec![
                CreateCommand::new("status").description("État du serveur"),
                CreateCommand::new("restart").description("Redémarre Minecraft"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0].name, "status");
    assert_eq!(standin.commands().len(), 2);

    let run = standin
        .slash_command(ALICE, TEXT, "status", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(command.data.name, "status");
    assert_eq!(command.data.id, commands[0].id);
    assert_eq!(command.user.id, UserId::new(ALICE));
    command
        .create_response(
            &bot.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await
        .unwrap();
    command
        .edit_response(
            &bot.http,
            EditInteractionResponse::new().content("🟢 en ligne"),
        )
        .await
        .unwrap();
    let edit = standin
        .wait_for_interaction_response(
            |r| run.matches(r) && r.kind == ResponseKind::EditOriginal,
            T,
        )
        .await
        .unwrap();
    assert_eq!(edit.content(), Some("🟢 en ligne"));
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_resumes_and_replays_the_gap() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    standin.wait_until_connected(T).await.unwrap();

    standin.hold_gateway();
    assert!(standin.drop_connection().await);
    assert!(!standin.is_connected());
    standin.voice_join(BOB, VOICE).await; // happens while the bot is away
    standin.release_gateway();

    standin.wait_for_resume(1, T).await.unwrap();
    standin.wait_until_connected(T).await.unwrap();
    bot.next("RESUMED", |s| matches!(s, Seen::Resumed).then_some(()))
        .await;
    let replayed = bot
        .next("bob's join, replayed", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(replayed.channel_id, Some(ChannelId::new(VOICE)));
    assert_eq!(
        standin.identify_count(),
        1,
        "a resume is not a new identify"
    );
    assert_eq!(standin.resume_count(), 1);
    assert_eq!(standin.replayed_count(), 1);
    assert_eq!(standin.connection_count(), 2);

    // Live events flow again on the resumed socket.
    standin.voice_leave(BOB).await;
    bot.next("bob's leave", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(BOB) && v.channel_id.is_none() => Some(()),
        _ => None,
    })
    .await;

    // A close frame with 4000 resumes too.
    assert!(standin.close_connection(4000).await);
    standin.wait_for_resume(2, T).await.unwrap();
    assert_eq!(standin.identify_count(), 1);
    // And so does op 7 RECONNECT.
    assert!(standin.request_reconnect().await);
    standin.wait_for_resume(3, T).await.unwrap();
    assert_eq!(standin.identify_count(), 1);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidated_session_reidentifies_with_the_current_truth() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let first = bot.guild().await;
    assert_eq!(first.voice_states.len(), 1);

    assert!(standin.invalidate_session().await);
    assert!(!standin.is_connected());
    standin.voice_join(BOB, VOICE).await; // not replayed: the session is gone
    standin.voice_leave(ALICE).await;

    standin.wait_for_identify(2, T).await.unwrap();
    standin.wait_until_connected(T).await.unwrap();
    let fresh = bot.guild().await;
    let in_voice: Vec<UserId> = fresh.voice_states.keys().copied().collect();
    assert_eq!(in_voice, vec![UserId::new(BOB)]);
    assert_eq!(standin.resume_count(), 0);
    let seen = bot.drain(Duration::from_millis(300)).await;
    assert!(
        !seen.iter().any(|s| matches!(s, Seen::Voice(_))),
        "gap events must not be replayed after a re-identify: {seen:?}"
    );

    // Live events reach the new session.
    standin.voice_leave(BOB).await;
    bot.next("bob's leave", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(()),
        _ => None,
    })
    .await;
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_a_forgotten_session_falls_back_to_identify() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    standin.hold_gateway();
    assert!(standin.drop_connection().await);
    assert!(standin.invalidate_session().await); // forgotten while the bot is away
    standin.release_gateway();

    standin.wait_for_identify(2, T).await.unwrap();
    assert_eq!(standin.rejected_resume_count(), 1);
    assert_eq!(standin.resume_count(), 0);
    bot.guild().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_are_acknowledged() {
    let standin =
        DiscordStandIn::start(fixture().heartbeat_interval(Duration::from_millis(100))).await;
    let bot = Bot::start(&standin, TOKEN).await;
    standin.wait_until_connected(T).await.unwrap();
    let deadline = tokio::time::Instant::now() + T;
    while standin.heartbeat_count() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no heartbeats");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        standin.identify_count(),
        1,
        "acknowledged heartbeats keep the session"
    );
    assert!(standin.is_connected());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_guild_reaches_the_bot() {
    let standin = DiscordStandIn::start(fixture().extra_members(5_000)).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let guild = bot.guild().await;
    assert_eq!(guild.members.len(), 5_004);
    assert_eq!(guild.member_count, 5_004);
    assert!(guild.large);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_is_refused_and_unknown_routes_are_recorded() {
    let standin = DiscordStandIn::start(fixture().expect_token(TOKEN)).await;
    let mut bot = Bot::start(&standin, "not-the-token").await;
    let outcome = tokio::time::timeout(T, &mut bot.task)
        .await
        .expect("client.start() returned");
    let err = outcome
        .unwrap()
        .expect_err("a wrong token must stop the client");
    assert!(
        err.to_string().to_lowercase().contains("authentication"),
        "{err}"
    );
    assert_eq!(standin.requests()[0].status, 401);
    assert_eq!(standin.identify_count(), 0);

    let http = HttpBuilder::new(TOKEN)
        .proxy(standin.api_url())
        .ratelimiter_disabled(true)
        .build();
    assert!(http.get_guild(GuildId::new(GUILD)).await.is_err());
    let unknown = standin.unknown_requests();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].path, "/api/v10/guilds/10");
    assert_eq!(unknown[0].status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_reads_replies_and_followups_deserialize() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);

    assert_eq!(http.get_current_user().await.unwrap().name, "CubeGuardian");
    assert_eq!(
        http.get_bot_gateway().await.unwrap().url,
        standin.gateway_url()
    );
    let text = ChannelId::new(TEXT)
        .to_channel(&http)
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(text.kind, ChannelType::Text);
    assert_eq!(GuildId::new(GUILD).channels(&http).await.unwrap().len(), 3);
    let dm = UserId::new(BOB).create_dm_channel(&http).await.unwrap();
    assert!(dm.id.to_channel(&http).await.unwrap().private().is_some());
    ChannelId::new(TEXT).broadcast_typing(&http).await.unwrap();

    let embed = serenity::all::CreateEmbed::new()
        .title("État")
        .description("🟢")
        .field("joueurs", "3/20", true);
    let status = ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().embed(embed))
        .await
        .unwrap();
    assert_eq!(status.embeds[0].title.as_deref(), Some("État"));
    status.react(&http, '✅').await.unwrap();
    let reply = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new()
                .content("réponse")
                .reference_message(&status),
        )
        .await
        .unwrap();
    assert_eq!(
        reply.message_reference.as_ref().and_then(|r| r.message_id),
        Some(status.id)
    );
    assert_eq!(standin.messages()[1].reply_to, Some(status.id.get()));
    let fetched = ChannelId::new(TEXT).message(&http, reply.id).await.unwrap();
    assert_eq!(fetched.content, "réponse");

    // Discord's validation errors come back as errors.
    assert!(ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new())
        .await
        .is_err());
    let long = "x".repeat(2001);
    assert!(ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().content(long))
        .await
        .is_err());
    assert!(ChannelId::new(777).say(&http, "nowhere").await.is_err());

    let run = standin
        .slash_command(BOB, TEXT, "status", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    command
        .create_response(
            &http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new().content("🟢"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(command.get_response(&http).await.unwrap().content, "🟢");
    let followup = command
        .create_followup(&http, CreateInteractionResponseFollowup::new().content("a"))
        .await
        .unwrap();
    let edited = command
        .edit_followup(
            &http,
            followup.id,
            CreateInteractionResponseFollowup::new().content("b"),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "b");
    command.delete_followup(&http, followup.id).await.unwrap();
    command.delete_response(&http).await.unwrap();
    let kinds: Vec<ResponseKind> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| run.matches(r))
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ResponseKind::Callback(4),
            ResponseKind::Followup,
            ResponseKind::EditFollowup(followup.id.get()),
            ResponseKind::DeleteFollowup(followup.id.get()),
            ResponseKind::DeleteOriginal,
        ]
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_codes_decide_between_resume_and_identify() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    // Even a "normal" 1000 close from the server is resumed.
    assert!(standin.close_connection(1000).await);
    standin.wait_for_resume(1, T).await.unwrap();
    // 4009 (session timed out) makes serenity forget the session: a new IDENTIFY, ~5 s later.
    let before = tokio::time::Instant::now();
    assert!(standin.close_connection(4009).await);
    standin.wait_for_identify(2, T).await.unwrap();
    eprintln!("re-identify after close 4009 took {:?}", before.elapsed());
    assert_eq!(standin.resume_count(), 1);
    bot.guild().await;
    bot.stop().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_replies_and_attachments_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let status = ChannelId::new(TEXT)
        .say(&bot.http, "🟢 serveur en ligne")
        .await
        .unwrap();
    let spec = MessageSpec::new("voilà la carte")
        .reply_to(status.id.get())
        .attachment("carte du spawn.png", 2048)
        .attachment("notes.txt", 12);
    let id = standin.send_message_with(ALICE, TEXT, spec).await;
    let reply = seen_message(&mut bot, id).await;
    assert_eq!(reply.kind, MessageType::InlineReply);
    assert_eq!(reply.content, "voilà la carte");
    let reference = reply.message_reference.as_ref().unwrap();
    assert_eq!(reference.message_id, Some(status.id));
    assert_eq!(reference.channel_id, ChannelId::new(TEXT));
    assert_eq!(reference.guild_id, Some(GuildId::new(GUILD)));
    let replied = reply.referenced_message.as_ref().unwrap();
    assert_eq!(replied.id, status.id);
    assert_eq!(replied.content, "🟢 serveur en ligne");
    assert!(replied.author.bot);
    assert!(
        reply.mentions_user_id(UserId::new(BOT)),
        "a reply pings its author by default"
    );
    assert_eq!(reply.attachments.len(), 2);
    let map = &reply.attachments[0];
    assert_eq!(map.filename, "carte du spawn.png");
    assert_eq!(map.size, 2048);
    assert_eq!(map.content_type.as_deref(), Some("image/png"));
    let path = format!("attachments/{TEXT}/{}/carte%20du%20spawn.png?ex=", map.id);
    assert!(
        map.url
            .starts_with(&format!("https://cdn.discordapp.com/{path}")),
        "{}",
        map.url
    );
    assert!(map
        .proxy_url
        .starts_with(&format!("https://media.discordapp.net/{path}")));
    assert_eq!(reply.attachments[1].filename, "notes.txt");
    assert_eq!(reply.attachments[1].size, 12);

    // A user replying to a user.
    let answer = standin
        .send_message_with(BOB, TEXT, MessageSpec::new("merci !").reply_to(id))
        .await;
    let answer = seen_message(&mut bot, answer).await;
    let replied = answer.referenced_message.as_ref().unwrap();
    assert_eq!(replied.author.id, UserId::new(ALICE));
    assert_eq!(replied.attachments.len(), 2);
    assert!(answer.mentions_user_id(UserId::new(ALICE)));

    // `send_message` still sends a plain message.
    let plain = standin.send_message(CAROL, TEXT, "salut").await;
    let plain = seen_message(&mut bot, plain).await;
    assert_eq!(plain.kind, MessageType::Regular);
    assert!(plain.message_reference.is_none() && plain.attachments.is_empty());

    // The bot can reply to a user's message, not to one that is gone.
    let bot_reply = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("bien reçu")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await
        .unwrap();
    assert_eq!(
        bot_reply
            .referenced_message
            .as_ref()
            .map(|m| m.content.as_str()),
        Some("voilà la carte")
    );
    let elsewhere = ChannelId::new(VOICE)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("ailleurs")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await;
    assert!(elsewhere.is_err(), "a reply stays in its channel");
    standin.delete_message(id).await;
    let late = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("trop tard")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await;
    assert!(
        late.is_err(),
        "Discord refuses a reply to a deleted message"
    );
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, bot_reply.id)
        .await
        .unwrap();
    assert!(
        fetched.referenced_message.is_none(),
        "the replied-to message is gone"
    );
    assert!(fetched.message_reference.is_some());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletes_and_reactions_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let intents = intents()
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
    let mut bot = Bot::start_with(&standin, TOKEN, intents).await;
    bot.guild().await;

    let id = standin.send_message(ALICE, TEXT, "on joue ce soir ?").await;
    seen_message(&mut bot, id).await;
    standin.edit_message(id, "on joue ce soir ? <@101>").await;
    let update = bot
        .next("MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.id, MessageId::new(id));
    assert_eq!(update.channel_id, ChannelId::new(TEXT));
    assert_eq!(update.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(update.content.as_deref(), Some("on joue ce soir ? <@101>"));
    assert!(update.edited_timestamp.is_some());
    assert!(update.timestamp.is_some());
    assert_eq!(update.author.as_ref().unwrap().id, UserId::new(ALICE));
    assert_eq!(update.tts, Some(false));
    let mentions = update.mentions.as_ref().unwrap();
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].id, UserId::new(BOB));
    assert!(
        mentions[0].member.is_some(),
        "mentions carry a partial member"
    );
    let member = update.member.clone().flatten().unwrap();
    assert_eq!(member.roles, vec![RoleId::new(PLAYERS)]);
    assert_eq!(update.attachments.as_ref().map(Vec::len), Some(0));

    standin.add_reaction(BOB, id, "👍").await;
    let added = bot
        .next("MESSAGE_REACTION_ADD", |s| match s {
            Seen::ReactionAdded(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(added.user_id, Some(UserId::new(BOB)));
    assert_eq!(added.message_id, MessageId::new(id));
    assert_eq!(added.channel_id, ChannelId::new(TEXT));
    assert_eq!(added.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(added.message_author_id, Some(UserId::new(ALICE)));
    assert!(added.emoji.unicode_eq("👍"));
    assert!(!added.burst);
    let member = added
        .member
        .as_ref()
        .expect("reaction adds carry the member");
    assert_eq!(member.user.id, UserId::new(BOB));
    assert_eq!(member.guild_id, GuildId::new(GUILD));
    let events_before = standin.dispatches().len();
    standin.add_reaction(BOB, id, "👍").await; // already there: nothing happens
    assert_eq!(standin.dispatches().len(), events_before);
    standin.add_reaction(CAROL, id, "cube:555").await;
    let custom = bot
        .next("carol's custom reaction", |s| match s {
            Seen::ReactionAdded(r) if r.user_id == Some(UserId::new(CAROL)) => Some(r.clone()),
            _ => None,
        })
        .await;
    match &custom.emoji {
        ReactionType::Custom { id, name, .. } => {
            assert_eq!(id.get(), 555);
            assert_eq!(name.as_deref(), Some("cube"));
        }
        other => panic!("expected a custom emoji, got {other:?}"),
    }

    // The bot's own reaction is echoed too, and shows on the message.
    ChannelId::new(TEXT)
        .create_reaction(&bot.http, MessageId::new(id), '👍')
        .await
        .unwrap();
    bot.next("the bot's own reaction", |s| match s {
        Seen::ReactionAdded(r) if r.user_id == Some(UserId::new(BOT)) => Some(()),
        _ => None,
    })
    .await;
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .unwrap();
    assert_eq!(fetched.content, "on joue ce soir ? <@101>");
    assert!(fetched.edited_timestamp.is_some());
    assert_eq!(fetched.reactions.len(), 2);
    assert_eq!(fetched.reactions[0].count, 2);
    assert!(fetched.reactions[0].me);
    assert_eq!(fetched.reactions[1].count, 1);
    assert!(!fetched.reactions[1].me);
    assert_eq!(
        standin.reactions(id),
        vec![
            ("👍".to_owned(), vec![BOB, BOT]),
            ("cube:555".to_owned(), vec![CAROL])
        ]
    );

    standin.remove_reaction(BOB, id, "👍").await;
    let removed = bot
        .next("MESSAGE_REACTION_REMOVE", |s| match s {
            Seen::ReactionRemoved(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(removed.user_id, Some(UserId::new(BOB)));
    assert_eq!(removed.message_id, MessageId::new(id));
    assert_eq!(removed.guild_id, Some(GuildId::new(GUILD)));
    assert!(removed.emoji.unicode_eq("👍"));
    assert!(removed.member.is_none(), "removals carry no member");

    // The bot may not edit a user's message.
    let edit = ChannelId::new(TEXT)
        .edit_message(
            &bot.http,
            MessageId::new(id),
            EditMessage::new().content("x"),
        )
        .await;
    assert!(edit.is_err());

    standin.delete_message(id).await;
    let deleted = bot
        .next("MESSAGE_DELETE", |s| match s {
            Seen::MessageDeleted(c, m, g) if m.get() == id => Some((*c, *g)),
            _ => None,
        })
        .await;
    assert_eq!(deleted, (ChannelId::new(TEXT), Some(GuildId::new(GUILD))));
    assert!(ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .is_err());
    assert!(standin.reactions(id).is_empty());

    let first = standin.send_message(BOB, TEXT, "spam 1").await;
    let second = standin.send_message(BOB, TEXT, "spam 2").await;
    let bot_own = ChannelId::new(TEXT)
        .say(&bot.http, "annonce")
        .await
        .unwrap();
    standin
        .bulk_delete(TEXT, [first, second, bot_own.id.get()])
        .await;
    let (channel, ids, guild) = bot
        .next("MESSAGE_DELETE_BULK", |s| match s {
            Seen::BulkDeleted(c, ids, g) => Some((*c, ids.clone(), *g)),
            _ => None,
        })
        .await;
    assert_eq!(channel, ChannelId::new(TEXT));
    assert_eq!(guild, Some(GuildId::new(GUILD)));
    assert_eq!(
        ids,
        vec![MessageId::new(first), MessageId::new(second), bot_own.id]
    );
    assert!(standin.messages()[0].deleted);

    // The bot deleting a user's message (it would need Manage Messages) is echoed as well.
    let third = standin.send_message(CAROL, TEXT, "hors sujet").await;
    ChannelId::new(TEXT)
        .delete_message(&bot.http, MessageId::new(third))
        .await
        .unwrap();
    bot.next("the echo of the bot's delete", |s| match s {
        Seen::MessageDeleted(_, m, _) if m.get() == third => Some(()),
        _ => None,
    })
    .await;
    assert!(standin.channel_history(TEXT).is_empty());

    // In DMs: no guild, no member, and the DM reaction intent.
    let dm = standin.send_dm(CAROL, "coucou").await;
    seen_message(&mut bot, dm).await;
    standin.edit_message(dm, "coucou !").await;
    let update = bot
        .next("the DM's MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) if e.id.get() == dm => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.guild_id, None);
    assert_eq!(update.content.as_deref(), Some("coucou !"));
    standin.add_reaction(CAROL, dm, "❤️").await;
    let dm_reaction = bot
        .next("the DM reaction", |s| match s {
            Seen::ReactionAdded(r) if r.message_id.get() == dm => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(dm_reaction.guild_id, None);
    assert!(dm_reaction.member.is_none());
    assert_eq!(dm_reaction.channel_id.get(), standin.dm_channel_id(CAROL));
    standin.delete_message(dm).await;
    let deleted = bot
        .next("the DM's MESSAGE_DELETE", |s| match s {
            Seen::MessageDeleted(_, m, g) if m.get() == dm => Some(*g),
            _ => None,
        })
        .await;
    assert_eq!(deleted, None);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_and_reaction_intents_gate_what_the_bot_sees() {
    let standin = DiscordStandIn::start(fixture()).await;
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    let mut bot = Bot::start_with(&standin, TOKEN, intents).await;
    bot.guild().await;

    let spec = MessageSpec::new("secret").attachment("plan.png", 10);
    let id = standin.send_message_with(ALICE, TEXT, spec).await;
    let blank = seen_message(&mut bot, id).await;
    assert_eq!(blank.content, "");
    assert!(blank.attachments.is_empty());
    standin.edit_message(id, "toujours secret").await;
    let update = bot
        .next("MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.content.as_deref(), Some(""));
    assert!(update.edited_timestamp.is_some());

    // A reply to the bot pings it, so its content is visible.
    let own = ChannelId::new(TEXT)
        .say(&bot.http, "question ?")
        .await
        .unwrap();
    let answer = standin
        .send_message_with(
            BOB,
            TEXT,
            MessageSpec::new("réponse").reply_to(own.id.get()),
        )
        .await;
    assert_eq!(seen_message(&mut bot, answer).await.content, "réponse");

    // No reaction events without GUILD_MESSAGE_REACTIONS, but the truth still changes.
    standin.add_reaction(BOB, id, "👀").await;
    assert!(!standin
        .dispatches()
        .iter()
        .any(|d| d.event.starts_with("MESSAGE_REACTION")));
    assert_eq!(standin.reactions(id), vec![("👀".to_owned(), vec![BOB])]);

    // REST answers are whole (the intent is a gateway filter here).
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .unwrap();
    assert_eq!(fetched.content, "toujours secret");
    assert_eq!(fetched.attachments.len(), 1);
    assert_eq!(fetched.reactions.len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_like_discord_for_a_backfill() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);
    let text = ChannelId::new(TEXT);

    let m1 = standin.send_message(ALICE, TEXT, "un").await;
    let m2 = text.say(&http, "deux (bot)").await.unwrap().id.get();
    let m3 = standin.send_message(BOB, TEXT, "trois").await;
    let gone = standin.send_message(CAROL, TEXT, "effacé").await;
    let m4 = standin
        .send_message_with(ALICE, TEXT, MessageSpec::new("quatre").reply_to(m1))
        .await;
    standin.send_dm(CAROL, "en privé").await;
    standin.delete_message(gone).await;
    standin.edit_message(m3, "trois (édité)").await;
    // An interaction reply is a channel message too; an ephemeral one is not.
    standin
        .slash_command(BOB, TEXT, "status", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    command
        .create_response(
            &http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new().content("cinq (réponse)"),
            ),
        )
        .await
        .unwrap();
    let m5 = command.get_response(&http).await.unwrap().id.get();
    command
        .create_followup(
            &http,
            CreateInteractionResponseFollowup::new()
                .content("pour toi seul")
                .ephemeral(true),
        )
        .await
        .unwrap();
    let m6 = standin.send_message(CAROL, TEXT, "six").await;
    assert_eq!(standin.channel_history(TEXT), vec![m1, m2, m3, m4, m5, m6]);

    let ids = |page: &[Message]| page.iter().map(|m| m.id.get()).collect::<Vec<u64>>();
    let latest = text.messages(&http, GetMessages::new()).await.unwrap();
    assert_eq!(ids(&latest), vec![m6, m5, m4, m3, m2, m1], "newest first");
    assert_eq!(latest[3].content, "trois (édité)");
    assert!(latest[3].edited_timestamp.is_some());
    assert_eq!(latest[1].content, "cinq (réponse)");
    assert!(latest[4].author.bot);
    assert_eq!(
        latest[2]
            .referenced_message
            .as_ref()
            .map(|m| m.content.as_str()),
        Some("un")
    );

    // `after` gives the messages right after the id, still newest first.
    let after = text
        .messages(&http, GetMessages::new().after(MessageId::new(m2)).limit(2))
        .await
        .unwrap();
    assert_eq!(ids(&after), vec![m4, m3]);
    let all_after = text
        .messages(&http, GetMessages::new().after(MessageId::new(m2)))
        .await
        .unwrap();
    assert_eq!(ids(&all_after), vec![m6, m5, m4, m3]);
    let before = text
        .messages(
            &http,
            GetMessages::new().before(MessageId::new(m4)).limit(2),
        )
        .await
        .unwrap();
    assert_eq!(ids(&before), vec![m3, m2]);
    let around = text
        .messages(
            &http,
            GetMessages::new().around(MessageId::new(m3)).limit(3),
        )
        .await
        .unwrap();
    assert_eq!(ids(&around), vec![m4, m3, m2]);
    let just = text
        .messages(
            &http,
            GetMessages::new().around(MessageId::new(m3)).limit(1),
        )
        .await
        .unwrap();
    assert_eq!(ids(&just), vec![m3]);
    let newest = text
        .messages(&http, GetMessages::new().limit(1))
        .await
        .unwrap();
    assert_eq!(ids(&newest), vec![m6]);

    // A backfill after downtime: page forward from the last message seen.
    let mut seen = Vec::new();
    let mut cursor = MessageId::new(m1);
    loop {
        let page = text
            .messages(&http, GetMessages::new().after(cursor).limit(2))
            .await
            .unwrap();
        let Some(newest) = page.first() else { break };
        cursor = newest.id;
        seen.extend(page.iter().rev().map(|m| m.id.get()));
    }
    assert_eq!(seen, vec![m2, m3, m4, m5, m6]);

    // The DM channel has its own history; limits are checked like Discord's.
    let dm = ChannelId::new(standin.dm_channel_id(CAROL));
    let dms = dm.messages(&http, GetMessages::new()).await.unwrap();
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "en privé");
    assert!(text
        .messages(&http, GetMessages::new().limit(0))
        .await
        .is_err());
    assert!(ChannelId::new(777)
        .messages(&http, GetMessages::new())
        .await
        .is_err());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_uploads_are_recorded_with_their_bytes() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);

    let report = "Résumé de la semaine\n".as_bytes().to_vec();
    // Bytes that would trip a text-based multipart parser.
    let binary: Vec<u8> = [0x89, b'P', b'N', b'G', b'\r', b'\n', b'-', b'-', 0x00, 0xff]
        .into_iter()
        .chain((0..=255).collect::<Vec<u8>>())
        .collect();
    let sent = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new()
                .content("📎 digest")
                .add_file(CreateAttachment::bytes(report.clone(), "résumé.txt"))
                .add_file(CreateAttachment::bytes(binary.clone(), "graph.png")),
        )
        .await
        .unwrap();
    assert_eq!(sent.attachments.len(), 2);
    assert_eq!(sent.attachments[0].filename, "résumé.txt");
    assert_eq!(sent.attachments[0].size as usize, report.len());
    assert_eq!(sent.attachments[1].size as usize, binary.len());
    assert_eq!(
        sent.attachments[1].content_type.as_deref(),
        Some("image/png")
    );
    let recorded = &standin.messages()[0];
    assert_eq!(recorded.content, "📎 digest");
    assert_eq!(
        recorded.files(),
        vec![
            ("résumé.txt".to_owned(), report.clone()),
            ("graph.png".to_owned(), binary.clone())
        ]
    );
    assert_eq!(recorded.attachments[0].field, "files[0]");
    assert_eq!(recorded.attachments[0].id, sent.attachments[0].id.get());
    let request = standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .unwrap();
    assert_eq!(request.files.len(), 2);
    assert_eq!(request.body["content"], "📎 digest");
    let echoed = seen_message(&mut bot, sent.id.get()).await;
    assert_eq!(echoed.attachments.len(), 2);

    // A file-only message is not empty; an edit keeps what it names and appends new files.
    let only_file = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new().add_file(CreateAttachment::bytes(vec![1, 2, 3], "a.bin")),
        )
        .await
        .unwrap();
    assert_eq!(only_file.content, "");
    let mut sent = sent;
    let keep = sent.attachments[0].id;
    sent.edit(
        &http,
        EditMessage::new()
            .keep_existing_attachment(keep)
            .new_attachment(CreateAttachment::bytes(b"v2".to_vec(), "v2.txt")),
    )
    .await
    .unwrap();
    let names: Vec<&str> = sent
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert_eq!(names, vec!["résumé.txt", "v2.txt"]);
    let files = standin.messages()[0].files();
    assert_eq!(files[1], ("v2.txt".to_owned(), b"v2".to_vec()));
    sent.edit(
        &http,
        EditMessage::new().content("sans changer les fichiers"),
    )
    .await
    .unwrap();
    assert_eq!(sent.attachments.len(), 2, "no `attachments` keeps them all");

    // Interaction callbacks and follow-ups carry files too.
    let run = standin
        .slash_command(ALICE, TEXT, "digest", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    command
        .create_response(
            &http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("voici")
                    .add_file(CreateAttachment::bytes(report.clone(), "digest.txt")),
            ),
        )
        .await
        .unwrap();
    let original = command.get_response(&http).await.unwrap();
    assert_eq!(original.attachments.len(), 1);
    assert_eq!(original.attachments[0].filename, "digest.txt");
    let followup = command
        .create_followup(
            &http,
            CreateInteractionResponseFollowup::new()
                .content("et le graphe")
                .add_file(CreateAttachment::bytes(binary.clone(), "graph.png")),
        )
        .await
        .unwrap();
    assert_eq!(followup.attachments[0].size as usize, binary.len());
    let answers: Vec<_> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| run.matches(r))
        .collect();
    assert_eq!(answers[0].kind, ResponseKind::Callback(4));
    assert_eq!(answers[0].content(), Some("voici"));
    assert_eq!(
        answers[0].files(),
        vec![("digest.txt".to_owned(), report.clone())]
    );
    assert_eq!(answers[1].kind, ResponseKind::Followup);
    assert_eq!(answers[1].files(), vec![("graph.png".to_owned(), binary)]);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_command_options_parse_in_serenity() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let registered = GuildId::new(GUILD)
        .create_command(
            &bot.http,
            CreateCommand::new("digest")
                .description("Résumé d'un salon")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::Channel, "salon", "Le salon")
                        .channel_types(vec![ChannelType::Text])
                        .required(true),
                )
                .add_option(CreateCommandOption::new(
                    CommandOptionType::Boolean,
                    "public",
                    "Visible par tous",
                ))
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "periode", "Période")
                        .add_string_choice("quotidien", "daily")
                        .add_string_choice("hebdomadaire", "weekly"),
                )
                .add_option(CreateCommandOption::new(
                    CommandOptionType::User,
                    "pour",
                    "Destinataire",
                ))
                .add_option(CreateCommandOption::new(
                    CommandOptionType::Role,
                    "role",
                    "Rôle",
                )),
        )
        .await
        .unwrap();

    let options = serde_json::json!([
        {"name": "salon", "type": 7, "value": TEXT.to_string()},
        {"name": "public", "type": 5, "value": true},
        {"name": "periode", "type": 3, "value": "weekly"},
        {"name": "pour", "type": 6, "value": BOB.to_string()},
        {"name": "role", "type": 8, "value": PLAYERS.to_string()},
    ]);
    standin.slash_command(ALICE, TEXT, "digest", options).await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(command.data.id, registered.id);
    let values: Vec<(&str, &CommandDataOptionValue)> = command
        .data
        .options
        .iter()
        .map(|o| (o.name.as_str(), &o.value))
        .collect();
    assert_eq!(
        values,
        vec![
            (
                "salon",
                &CommandDataOptionValue::Channel(ChannelId::new(TEXT))
            ),
            ("public", &CommandDataOptionValue::Boolean(true)),
            (
                "periode",
                &CommandDataOptionValue::String("weekly".to_owned())
            ),
            ("pour", &CommandDataOptionValue::User(UserId::new(BOB))),
            ("role", &CommandDataOptionValue::Role(RoleId::new(PLAYERS))),
        ]
    );
    let resolved = &command.data.resolved;
    let channel = &resolved.channels[&ChannelId::new(TEXT)];
    assert_eq!(channel.name.as_deref(), Some("annonces"));
    assert_eq!(channel.kind, ChannelType::Text);
    assert!(channel.permissions.is_some());
    assert_eq!(resolved.users[&UserId::new(BOB)].name, "bob");
    assert_eq!(
        resolved.members[&UserId::new(BOB)].roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );
    assert_eq!(resolved.roles[&RoleId::new(PLAYERS)].name, "joueurs");
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_permissions_and_channel_overwrites_reach_the_bot() {
    const STAFF: u64 = 21;
    let view = permissions::VIEW_CHANNEL;
    let standin = DiscordStandIn::start(
        // Owned by the bot: the owner would see everything.
        fixture()
            .owner(900)
            .text_channel(STAFF, "staff")
            .role_permissions(ADMINS, permissions::ADMINISTRATOR)
            .overwrite(STAFF, Overwrite::role(GUILD, 0, view))
            .overwrite(STAFF, Overwrite::role(ADMINS, view, 0))
            .overwrite(STAFF, Overwrite::member(CAROL, view, 0)),
    )
    .await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let guild = bot.guild().await;
    let everyone = &guild.roles[&RoleId::new(GUILD)];
    assert_eq!(everyone.permissions.bits(), permissions::DEFAULT_EVERYONE);
    assert!(everyone.permissions.view_channel());
    assert!(guild.roles[&RoleId::new(ADMINS)]
        .permissions
        .administrator());
    assert!(guild.roles[&RoleId::new(PLAYERS)].permissions.is_empty());
    let staff = &guild.channels[&ChannelId::new(STAFF)];
    let overwrites: Vec<(PermissionOverwriteType, u64, u64)> = staff
        .permission_overwrites
        .iter()
        .map(|o| (o.kind, o.allow.bits(), o.deny.bits()))
        .collect();
    assert_eq!(
        overwrites,
        vec![
            (PermissionOverwriteType::Role(RoleId::new(GUILD)), 0, view),
            (PermissionOverwriteType::Role(RoleId::new(ADMINS)), view, 0),
            (PermissionOverwriteType::Member(UserId::new(CAROL)), view, 0),
        ]
    );
    assert!(guild.channels[&ChannelId::new(TEXT)]
        .permission_overwrites
        .is_empty());
    // serenity's own computation agrees: carol (member overwrite) and bob (ADMINISTRATOR
    // through a role) may open #staff, alice may not.
    let can_view = |user: u64| {
        let member = &guild.members[&UserId::new(user)];
        guild
            .user_permissions_in(staff, member)
            .contains(Permissions::VIEW_CHANNEL)
    };
    assert!(can_view(CAROL) && can_view(BOB) && !can_view(ALICE));

    standin
        .set_channel_overwrites(TEXT, [Overwrite::role(GUILD, 0, view)])
        .await;
    let updated = bot
        .next("CHANNEL_UPDATE", |s| match s {
            Seen::ChannelUpdated(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(updated.id, ChannelId::new(TEXT));
    assert_eq!(updated.guild_id, GuildId::new(GUILD));
    assert_eq!(updated.name, "annonces");
    assert_eq!(updated.permission_overwrites.len(), 1);
    assert_eq!(
        updated.permission_overwrites[0].kind,
        PermissionOverwriteType::Role(RoleId::new(GUILD))
    );
    assert_eq!(
        updated.permission_overwrites[0].deny,
        Permissions::VIEW_CHANNEL
    );

    standin.set_role_permissions(GUILD, 0).await;
    let role = bot
        .next("GUILD_ROLE_UPDATE", |s| match s {
            Seen::RoleUpdated(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(role.id, RoleId::new(GUILD));
    assert_eq!(role.guild_id, GuildId::new(GUILD));
    assert_eq!(role.name, "@everyone");
    assert!(role.permissions.is_empty());
    standin.set_role_permissions(PLAYERS, view).await;
    let role = bot
        .next("the players' GUILD_ROLE_UPDATE", |s| match s {
            Seen::RoleUpdated(r) if r.id == RoleId::new(PLAYERS) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(role.name, "joueurs");
    assert_eq!(role.permissions, Permissions::VIEW_CHANNEL);
    // The next identify's GUILD_CREATE tells the same truth.
    assert!(standin.invalidate_session().await);
    let guild = bot.guild().await;
    assert!(guild.roles[&RoleId::new(GUILD)].permissions.is_empty());
    assert_eq!(
        guild.channels[&ChannelId::new(TEXT)].permission_overwrites[0].deny,
        Permissions::VIEW_CHANNEL
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}
