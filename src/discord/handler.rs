//! The gateway's events as the appliance handles them: the guild arriving
//! (voice channel and announce channel found, occupants and permissions
//! learnt), voice joins and leaves turned into the power driver's presence,
//! messages and interactions handed to the commands and the capture, and
//! the Cancel button.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, ComponentInteraction, Context, CreateInteractionResponse,
    CreateInteractionResponseMessage, EventHandler, Guild, GuildChannel, GuildId, Interaction,
    Message, MessageId, MessageUpdateEvent, Reaction, Ready, ResumedEvent, Role, RoleId,
    ShardStageUpdateEvent, VoiceState,
};
use serenity::async_trait;
use serenity::gateway::ConnectionStage;
use tokio::sync::{mpsc, oneshot, watch};

use super::commands::Commands;
use super::presence::{Authorization, VoiceMember, VoicePresence};
use super::{capture, Link, CANCEL_SHUTDOWN_ID, GATEWAY_INTERRUPTED};
use crate::config::ChannelRef;
use crate::messages::{Messages, Text};
use crate::power::driver::Input;
use crate::power::machine::Requester;

/// How long the bot waits for the power driver to answer a button press:
/// Discord drops an interaction not answered within 3 seconds.
const BUTTON_ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// The watched voice channel, once found in the guild, and its occupants.
#[derive(Default)]
pub(super) struct Watched {
    pub(super) channel: Option<u64>,
    pub(super) presence: VoicePresence,
}

pub(super) struct Handler {
    pub(super) guild_id: u64,
    pub(super) voice_ref: ChannelRef,
    pub(super) announce_ref: ChannelRef,
    pub(super) auth: Authorization,
    pub(super) messages: Messages,
    pub(super) presence: Mutex<Watched>,
    pub(super) commands: Arc<Commands>,
    pub(super) announce: watch::Sender<Option<ChannelId>>,
    pub(super) power: mpsc::Sender<Input>,
    pub(super) link: watch::Sender<Link>,
    /// The authorized players in voice, by name, for the admin page.
    pub(super) voice_names: watch::Sender<Vec<String>>,
    /// The digest's capture, when `[digest]` is on.
    pub(super) feed: Option<capture::Feed>,
    /// The bot's own user id (from READY), whose messages are not captured.
    pub(super) bot_id: AtomicU64,
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
        if let Some(game) = self.commands.game() {
            // The game's roles and channels first: its commands need them.
            game.on_ready(Arc::clone(&ctx.http)).await;
        }
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
