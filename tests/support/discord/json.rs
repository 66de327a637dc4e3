//! The JSON payloads `State` builds, shared by REST answers and gateway events: users, members,
//! roles, channels, voice states, GUILD_CREATE and every kind of message (the bot's, users',
//! webhooks'), with references, reactions and the history a channel serves.

use super::*;

impl State {
    pub(crate) fn user_json(&self, user_id: u64) -> Value {
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
    pub(crate) fn current_user_json(&self) -> Value {
        let mut user = self.user_json(self.bot_id);
        user["verified"] = json!(true);
        user["mfa_enabled"] = json!(false);
        user["flags"] = json!(0);
        user["email"] = Value::Null;
        user
    }

    /// The bot's application, owned by the guild's owner: discord.py asks for it when it logs
    /// in (the peer of `scripts/peer_bot.py`); serenity only on request.
    pub(crate) fn application_json(&self) -> Value {
        json!({
            "id": self.application_id.to_string(),
            "name": self.user_json(self.bot_id)["username"],
            "icon": null,
            "description": "",
            "bot_public": false,
            "bot_require_code_grant": false,
            "owner": self.user_json(self.owner_id),
            "verify_key": "0".repeat(64),
            "flags": 0,
            "bot": self.current_user_json(),
        })
    }

    pub(crate) fn member_json(&self, user_id: u64, with_user: bool) -> Value {
        let roles: Vec<String> = self
            .member_roles(user_id)
            .iter()
            .map(u64::to_string)
            .collect();
        let nick = self.members.get(&user_id).and_then(|m| m.nick.clone());
        let mut member = json!({
            "nick": nick,
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

    pub(crate) fn role_json(&self, id: u64, name: &str, position: usize) -> Value {
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

    pub(crate) fn channel_json(&self, channel: &ChannelSpec, position: usize) -> Value {
        let mut json = json!({
            "id": channel.id.to_string(),
            "type": channel.kind as u8,
            "guild_id": self.guild_id.to_string(),
            "name": channel.name,
            "position": position,
            "permission_overwrites": channel.overwrites.iter().map(Overwrite::json).collect::<Vec<_>>(),
            "parent_id": channel.parent.map(|p| p.to_string()),
            "nsfw": false,
            "flags": 0,
            "last_message_id": null,
            "rate_limit_per_user": 0,
        });
        match channel.kind {
            ChannelKind::Text => json["topic"] = json!(channel.topic),
            ChannelKind::Category => {
                if let Some(object) = json.as_object_mut() {
                    object.remove("last_message_id");
                    object.remove("rate_limit_per_user");
                }
            }
            ChannelKind::Voice => {
                json["bitrate"] = json!(64_000);
                json["user_limit"] = json!(0);
                json["rtc_region"] = Value::Null;
            }
        }
        json
    }

    pub(crate) fn dm_channel_json(&self, user_id: u64, channel_id: u64) -> Value {
        json!({
            "id": channel_id.to_string(),
            "type": 1,
            "last_message_id": null,
            "flags": 0,
            "recipients": [self.user_json(user_id)],
        })
    }

    /// A voice state; events carry `guild_id` and `member`, GUILD_CREATE entries do not.
    pub(crate) fn voice_state_json(
        &self,
        user_id: u64,
        channel_id: Option<u64>,
        for_event: bool,
    ) -> Value {
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

    pub(crate) fn guild_create_json(&self, with_voice: bool) -> Value {
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
        let member_count = members.len();
        if self.only_voice_members {
            let bot = self.bot_id.to_string();
            members.retain(|m| {
                let id = m["user"]["id"].as_str().unwrap_or_default();
                id == bot || id.parse().is_ok_and(|id: u64| self.voice.contains_key(&id))
            });
        }
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
            "large": member_count >= 250,
            "unavailable": false,
            "member_count": member_count,
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
    pub(crate) fn message_json(&self, message: &SentMessage, for_gateway: bool) -> Value {
        self.bot_message_json(message, for_gateway, true)
    }

    /// A message the bot created through REST; `with_reference` adds the replied-to message
    /// (one level deep, as Discord nests it).
    pub(crate) fn bot_message_json(
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
    pub(crate) fn user_message_json(
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
    pub(crate) fn user_mentions(&self, message: &UserMessage) -> Vec<u64> {
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
    pub(crate) fn add_reference(
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
    pub(crate) fn add_reactions(&self, json: &mut Value, message_id: u64) {
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
    pub(crate) fn webhook_message_json(&self, id: u64, channel_id: u64, data: &Value) -> Value {
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
    pub(crate) fn any_message_json(
        &self,
        id: u64,
        for_gateway: bool,
        with_reference: bool,
    ) -> Option<Value> {
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
    pub(crate) fn interaction_messages(&self) -> Vec<(u64, u64, &Value)> {
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
    pub(crate) fn message_channel_of(&self, id: u64) -> Option<u64> {
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
    pub(crate) fn message_author(&self, id: u64) -> Option<u64> {
        match self.user_messages.get(&id) {
            Some(message) => Some(message.author_id),
            None => self.message_channel_of(id).map(|_| self.bot_id),
        }
    }

    /// Ids of the live messages of a channel, oldest first.
    pub(crate) fn history_ids(&self, channel_id: u64) -> Vec<u64> {
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
}
