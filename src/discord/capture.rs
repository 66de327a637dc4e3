//! What the digest learns from the gateway: guild messages as they are
//! posted, edited, deleted and reacted to, the guild's text channels, and
//! its roles and channel overwrites (who can read what).
//! Translates serenity's types into the digest's own ([`Change`],
//! [`CapturedMessage`]) so the digest knows nothing of serenity.

use serenity::all::{
    ChannelId, ChannelType, GetMessages, Guild, GuildChannel, Http, Message, MessageId,
    MessageType, MessageUpdateEvent, PermissionOverwrite, PermissionOverwriteType, Reaction, Role,
};

/// The most messages fetched per channel after downtime: a week away in a
/// busy channel is read on Discord, not caught up through the API.
pub const BACKFILL_CAP: usize = 2000;

use crate::digest::access::{GuildAccess, Overwrite, Target};
use crate::digest::archive::{snowflake_ms, Change};
use crate::digest::capture::Capture;
use crate::digest::channels::{Audience, Standing};
use crate::digest::model::{Attachment, CapturedMessage};

/// The channel kinds whose messages are captured.
fn is_text(kind: ChannelType) -> bool {
    matches!(kind, ChannelType::Text | ChannelType::News)
}

/// The guild's text channels, in the order Discord shows them.
pub fn text_channels(guild: &Guild) -> Vec<(u64, String)> {
    let mut channels: Vec<&GuildChannel> = guild
        .channels
        .values()
        .filter(|c| is_text(c.kind))
        .collect();
    channels.sort_by_key(|c| (c.position, c.id));
    channels
        .into_iter()
        .map(|c| (c.id.get(), c.name.clone()))
        .collect()
}

/// A channel's overwrites in the digest's terms.
fn overwrites(channel: &GuildChannel) -> Vec<Overwrite> {
    channel
        .permission_overwrites
        .iter()
        .filter_map(|o: &PermissionOverwrite| {
            let target = match o.kind {
                PermissionOverwriteType::Role(r) => Target::Role(r.get()),
                PermissionOverwriteType::Member(u) => Target::Member(u.get()),
                _ => return None,
            };
            Some(Overwrite {
                target,
                allow: o.allow.bits(),
                deny: o.deny.bits(),
            })
        })
        .collect()
}

/// Who can read which text channel of `guild`.
pub fn access(guild: &Guild) -> GuildAccess {
    GuildAccess::new(
        guild.id.get(),
        guild.owner_id.get(),
        guild
            .roles
            .values()
            .map(|r| (r.id.get(), r.permissions.bits())),
        guild
            .channels
            .values()
            .filter(|c| is_text(c.kind))
            .map(|c| (c.id.get(), overwrites(c))),
    )
}

/// A guild message worth capturing: a user's post or reply, not the bot's
/// own messages nor system notices (joins, pins, boosts).
pub fn captured(message: &Message, bot_id: u64) -> Option<CapturedMessage> {
    message.guild_id?;
    capturable(message, bot_id)
}

/// [`captured`] for a message known to be the guild's (fetched from a
/// guild channel: REST payloads carry no `guild_id`).
fn capturable(message: &Message, bot_id: u64) -> Option<CapturedMessage> {
    if message.author.id.get() == bot_id
        || !matches!(
            message.kind,
            MessageType::Regular | MessageType::InlineReply
        )
    {
        return None;
    }
    let author_name = message
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .or_else(|| message.author.global_name.clone())
        .unwrap_or_else(|| message.author.name.clone());
    Some(CapturedMessage {
        id: message.id.get(),
        channel_id: message.channel_id.get(),
        author_id: message.author.id.get(),
        author_name,
        posted_ms: snowflake_ms(message.id.get()),
        edited: message.edited_timestamp.is_some(),
        content: readable_mentions(message),
        attachments: attachments(&message.attachments),
        reply_to: (message.kind == MessageType::InlineReply)
            .then(|| message.message_reference.as_ref()?.message_id)
            .flatten()
            .map(|m| m.get()),
        reactions: message.reactions.iter().map(|r| r.count as u32).sum(),
    })
}

/// The content with user mentions (`<@123>`) shown as `@name`: a mail
/// reader has no Discord client to resolve them.
fn readable_mentions(message: &Message) -> String {
    let mut content = message.content.clone();
    for user in &message.mentions {
        let name = user.global_name.as_deref().unwrap_or(&user.name);
        for form in [format!("<@{}>", user.id), format!("<@!{}>", user.id)] {
            if content.contains(&form) {
                content = content.replace(&form, &format!("@{name}"));
            }
        }
    }
    content
}

fn attachments(files: &[serenity::all::Attachment]) -> Vec<Attachment> {
    files
        .iter()
        .map(|a| Attachment {
            name: a.filename.clone(),
            url: a.url.clone(),
        })
        .collect()
}

/// An edit. `whole` is the full message when the payload had it, stored
/// if the original was never seen (posted while the bot was away).
pub fn edited(event: &MessageUpdateEvent, new: Option<&Message>, bot_id: u64) -> Change {
    Change::Edited {
        id: event.id.get(),
        content: new.map(readable_mentions).or_else(|| event.content.clone()),
        attachments: event.attachments.as_deref().map(attachments),
        whole: new.and_then(|m| captured(m, bot_id)),
    }
}

/// Hands message events to the capture, for the configured guild only.
pub struct Feed {
    pub capture: Capture,
    pub guild_id: u64,
}

impl Feed {
    fn ours(&self, guild: Option<serenity::all::GuildId>) -> bool {
        guild.map(|g| g.get()) == Some(self.guild_id)
    }

    pub async fn guild(&self, guild: &Guild) {
        let channels = self.capture.channels();
        let directory = channels.set_guild(guild.id.get(), &guild.name, text_channels(guild));
        channels.set_access(access(guild));
        let private: Vec<String> = channels
            .listing(Audience::Admin)
            .into_iter()
            .filter(|c| c.standing == Standing::Private)
            .map(|c| format!("#{}", c.name))
            .collect();
        if !private.is_empty() {
            log::info!(
                "digest: private channels not captured (digest.include_private opts in): {}",
                private.join(", ")
            );
        }
        self.capture.save_directory(directory).await;
    }

    /// A role was created or changed: who can read what may have changed.
    pub fn role(&self, role: &Role) {
        if role.guild_id.get() == self.guild_id {
            self.capture
                .channels()
                .set_role(role.id.get(), Some(role.permissions.bits()));
            log::info!("digest: the permissions of role {} were updated", role.name);
        }
    }

    pub fn role_gone(&self, guild: serenity::all::GuildId, role: serenity::all::RoleId) {
        if guild.get() == self.guild_id {
            self.capture.channels().set_role(role.get(), None);
        }
    }

    /// Fetches what was posted in the watched channels while the bot was
    /// away (the gateway does not replay it), from where the archive
    /// stops, oldest first, at most [`BACKFILL_CAP`] messages a channel.
    pub async fn backfill(&self, http: &Http, bot_id: u64) {
        let channels = self.capture.channels();
        let watched: Vec<u64> = channels
            .watched(Audience::Admin)
            .iter()
            .map(|c| c.id)
            .filter(|c| channels.is_watched(*c))
            .collect();
        let mut total = 0;
        for (channel, mut after) in self.capture.backfill_points(&watched).await {
            let mut fetched = 0;
            while fetched < BACKFILL_CAP {
                let page = ChannelId::new(channel)
                    .messages(
                        http,
                        GetMessages::new()
                            .after(MessageId::new(after.max(1)))
                            .limit(100),
                    )
                    .await;
                let mut page = match page {
                    Ok(page) => page,
                    Err(e) => {
                        log::warn!("digest: cannot fetch the history of channel {channel}: {e}");
                        break;
                    }
                };
                if page.is_empty() {
                    break;
                }
                // Discord lists newest first.
                page.sort_by_key(|m| m.id);
                fetched += page.len();
                after = page.last().map_or(after, |m| m.id.get());
                let full = page.len() == 100;
                for message in &page {
                    if let Some(captured) = capturable(message, bot_id) {
                        self.capture.submit(channel, Change::Posted(captured)).await;
                    }
                }
                if !full {
                    break;
                }
            }
            total += fetched;
        }
        if total > 0 {
            log::info!("digest: caught up with {total} message(s) posted while away");
        } else {
            log::debug!("digest: caught up: nothing was posted while away");
        }
    }

    pub async fn channel(&self, channel: &GuildChannel) {
        if channel.guild_id.get() != self.guild_id || !is_text(channel.kind) {
            return;
        }
        let channels = self.capture.channels();
        let directory = channels.upsert(channel.id.get(), &channel.name);
        match channels.set_overwrites(channel.id.get(), overwrites(channel)) {
            (true, false) => log::info!(
                "digest: #{} is now private: its messages are no longer captured unless \
                 include_private names it",
                channel.name
            ),
            (false, true) => log::info!("digest: #{} is now public", channel.name),
            _ => {}
        }
        self.capture.save_directory(directory).await;
    }

    pub async fn channel_gone(&self, channel: &GuildChannel) {
        if channel.guild_id.get() != self.guild_id {
            return;
        }
        let directory = self.capture.channels().remove(channel.id.get());
        self.capture.save_directory(directory).await;
    }

    pub async fn posted(&self, message: &Message, bot_id: u64) {
        if !self.ours(message.guild_id) {
            return;
        }
        if let Some(captured) = captured(message, bot_id) {
            self.capture
                .submit(captured.channel_id, Change::Posted(captured))
                .await;
        }
    }

    pub async fn edited(&self, event: &MessageUpdateEvent, new: Option<&Message>, bot_id: u64) {
        if !self.ours(event.guild_id) || event.author.as_ref().is_some_and(|a| a.id.get() == bot_id)
        {
            return;
        }
        self.capture
            .submit(event.channel_id.get(), edited(event, new, bot_id))
            .await;
    }

    pub async fn deleted(
        &self,
        guild: Option<serenity::all::GuildId>,
        channel_id: u64,
        ids: impl IntoIterator<Item = u64>,
    ) {
        if !self.ours(guild) {
            return;
        }
        for id in ids {
            self.capture
                .submit(channel_id, Change::Deleted { id })
                .await;
        }
    }

    pub async fn reacted(&self, reaction: &Reaction, delta: i32) {
        if !self.ours(reaction.guild_id) {
            return;
        }
        self.capture
            .submit(
                reaction.channel_id.get(),
                Change::Reacted {
                    id: reaction.message_id.get(),
                    delta,
                },
            )
            .await;
    }

    pub async fn reactions_cleared(&self, channel_id: u64, message_id: u64) {
        self.capture
            .submit(channel_id, Change::ReactionsCleared { id: message_id })
            .await;
    }
}
