//! What users do, as `State` turns it into events: interactions (buttons, slash commands), messages
//! written, edited and deleted, reactions, and the gateway echo of the bot's own messages.

use super::*;

impl State {
    /// Where an interaction or message happens: guild (with the member) or DM.
    pub(crate) fn place(&self, user_id: u64, channel_id: u64) -> Option<u64> {
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

    pub(crate) fn interaction_base(
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

    pub(crate) fn press_button(
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

    pub(crate) fn slash_command(
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
    pub(crate) fn resolved_json(&self, options: &Value) -> Option<Value> {
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

    pub(crate) fn user_message(
        &mut self,
        author_id: u64,
        channel_id: Option<u64>,
        spec: MessageSpec,
    ) -> u64 {
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

    pub(crate) fn edit_user_message(&mut self, message_id: u64, content: &str) {
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
    pub(crate) fn message_intent(&self, channel_id: u64, guild: u64, dm: u64) -> u64 {
        if self.dm_user_of(channel_id).is_some() {
            dm
        } else {
            guild
        }
    }

    /// Takes a user's or the bot's live message out of the channel; returns its channel.
    pub(crate) fn remove_message(&mut self, message_id: u64) -> Option<u64> {
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

    pub(crate) fn delete_message(&mut self, message_id: u64) {
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
    pub(crate) fn delete_json(&self, message_id: u64, channel_id: u64) -> Value {
        let mut data = json!({"id": message_id.to_string(), "channel_id": channel_id.to_string()});
        if self.dm_user_of(channel_id).is_none() {
            data["guild_id"] = json!(self.guild_id.to_string());
        }
        data
    }

    pub(crate) fn bulk_delete(&mut self, channel_id: u64, ids: &[u64]) {
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
    pub(crate) fn react(&mut self, user_id: u64, message_id: u64, emoji: Emoji, add: bool) -> bool {
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
    pub(crate) fn echo_own_message(&mut self, event: &str, message: &SentMessage) {
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
}
