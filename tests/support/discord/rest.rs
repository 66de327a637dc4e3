//! The REST API: one handler for every route, so unknown routes get recorded too, and `State`'s
//! routing of each call (messages, history, reactions, interaction callbacks, webhooks,
//! application commands).

use super::*;

/// Every REST call lands here: it is recorded, then routed by `State::route`.
pub(crate) async fn rest(
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

impl State {
    /// Serves one REST call: (status, JSON body or none for 204, whether the route is known).
    pub(crate) fn route(
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
            ("GET", ["oauth2", "applications", "@me"]) => ok(self.application_json()),
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
            _ => self
                .admin_route(m, segments.as_slice(), body)
                .unwrap_or_else(not_found_route),
        }
    }

    /// A channel the bot can post in: a fixture channel or a DM channel. Returns its DM user.
    pub(crate) fn message_channel(&self, channel: &str) -> Option<Option<u64>> {
        let id = channel.parse::<u64>().ok()?;
        if self.channel(id).is_some() {
            return Some(None);
        }
        self.dm_user_of(id).map(Some)
    }

    pub(crate) fn create_message(
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
        if !components_valid(&components) {
            return invalid_form("components");
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
    pub(crate) fn channel_messages(
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
    pub(crate) fn own_reaction(
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

    pub(crate) fn existing_message(
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
    pub(crate) fn other_message(
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

    pub(crate) fn callback(
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

    pub(crate) fn callback_outcome(
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

    pub(crate) fn webhook(
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

    pub(crate) fn original_json(&self, app: &str, token: &str) -> (StatusCode, Option<Value>) {
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

    pub(crate) fn webhook_outcome(
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

    pub(crate) fn commands_route(
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
    pub(crate) fn echo_command(&mut self, request: &Value, guild: bool) -> Value {
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
