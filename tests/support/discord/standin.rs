//! [`DiscordStandIn`]: the running server, the API tests use to inject what users do (join
//! voice, press a button, write, react…), to change the guild, to break the gateway the ways
//! Discord does, and to wait for and read what the bot sent.

use super::*;

/// The running Discord stand-in. Dropping it (or `shutdown`) stops the server and closes the
/// gateway connections.
pub struct DiscordStandIn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) server: Option<JoinHandle<()>>,
}

impl DiscordStandIn {
    /// Binds 127.0.0.1:0 and serves the fixture guild; panics if no loopback port is free.
    pub async fn start(fixture: GuildFixture) -> Self {
        match Self::try_start(fixture).await {
            Ok(standin) => standin,
            Err(err) => panic!("discord stand-in: cannot bind 127.0.0.1:0: {err}"),
        }
    }

    /// Like `start`, returning the bind error instead of panicking.
    pub async fn try_start(fixture: GuildFixture) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let api_url = format!("http://{addr}");
        let gateway_url = format!("ws://{addr}/gateway");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(fixture, gateway_url.clone())),
            changed: watch::channel(0).0,
            hold: watch::channel(false).0,
            held_routes: Mutex::new(Vec::new()),
            shutdown: watch::channel(false).0,
            next_conn_id: AtomicU64::new(1),
            api_url,
            gateway_url,
        });
        let router = Router::new()
            .route("/gateway", get(gateway_upgrade))
            .fallback(rest)
            .with_state(Arc::clone(&shared));
        let mut stop = shared.shutdown.subscribe();
        let server = tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            // Without TCP_NODELAY, back-to-back frames (a RESUME replay) wait ~40 ms for
            // delayed ACKs on loopback.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(Self {
            shared,
            server: Some(server),
        })
    }

    /// Stops the server and waits (briefly) for it to finish.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }

    /// Base URL to give serenity's `HttpBuilder::proxy`, e.g. `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// Gateway URL to put in `Client::ws_url`, e.g. `ws://127.0.0.1:PORT/gateway`.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    pub fn bot_user_id(&self) -> u64 {
        self.shared.lock().bot_id
    }

    pub fn application_id(&self) -> u64 {
        self.shared.lock().application_id
    }

    pub fn guild_id(&self) -> u64 {
        self.shared.lock().guild_id
    }

    // ----- injection ------------------------------------------------------------------------

    /// Moves `user_id` into `channel_id` (joining or switching) and dispatches
    /// VOICE_STATE_UPDATE. Panics if the user is not a member or the channel is not a voice
    /// channel of the fixture: that is a bug in the test.
    pub async fn voice_join(&self, user_id: u64, channel_id: u64) {
        self.shared.update(|st| st.voice_join(user_id, channel_id));
    }

    /// Takes `user_id` out of voice and dispatches VOICE_STATE_UPDATE with `channel_id: null`.
    /// Does nothing if the user was not in voice.
    pub async fn voice_leave(&self, user_id: u64) {
        self.shared.update(|st| st.voice_leave(user_id));
    }

    /// Who is in which voice channel right now, as (user, channel).
    pub fn voice_states(&self) -> Vec<(u64, u64)> {
        self.shared
            .lock()
            .voice
            .iter()
            .map(|(u, c)| (*u, *c))
            .collect()
    }

    /// Adds (or replaces) a member; dispatches GUILD_MEMBER_ADD to a connected bot that asked
    /// for `GUILD_MEMBERS`.
    pub async fn add_member(&self, user_id: u64, name: &str, roles: impl IntoIterator<Item = u64>) {
        let spec = MemberSpec {
            name: name.to_owned(),
            roles: roles.into_iter().collect(),
            nick: None,
        };
        self.shared.update(|st| st.add_member(user_id, spec));
    }

    /// Replaces a member's roles; dispatches GUILD_MEMBER_UPDATE (needs `GUILD_MEMBERS`).
    pub async fn set_member_roles(&self, user_id: u64, roles: impl IntoIterator<Item = u64>) {
        let roles: Vec<u64> = roles.into_iter().collect();
        self.shared.update(|st| st.set_member_roles(user_id, roles));
    }

    /// Replaces a fixture channel's permission overwrites; dispatches CHANNEL_UPDATE (needs
    /// `GUILDS`), as Discord does when a moderator edits the channel's permissions.
    pub async fn set_channel_overwrites(
        &self,
        channel_id: u64,
        overwrites: impl IntoIterator<Item = Overwrite>,
    ) {
        let overwrites: Vec<Overwrite> = overwrites.into_iter().collect();
        self.shared
            .update(|st| st.set_channel_overwrites(channel_id, overwrites));
    }

    /// Sets a role's permission bits (the guild id for `@everyone`); dispatches
    /// GUILD_ROLE_UPDATE (needs `GUILDS`).
    pub async fn set_role_permissions(&self, role_id: u64, permissions: u64) {
        self.shared
            .update(|st| st.set_role_permissions(role_id, permissions));
    }

    /// Makes GUILD_CREATE (from the next IDENTIFY on) include `n` generated members.
    pub async fn extra_members(&self, n: usize) {
        self.shared.update(|st| st.extra_members = n);
    }

    /// `user_id` presses the button `custom_id` on message `message_id` in `channel_id`
    /// (a guild channel, or a DM channel from `dm_channel_id`): dispatches INTERACTION_CREATE
    /// of type 3 (message component). If the message is one the bot sent, its current state is
    /// embedded; otherwise a minimal message by the bot.
    pub async fn press_button(
        &self,
        user_id: u64,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> InteractionHandle {
        self.shared
            .update(|st| st.press_button(user_id, channel_id, message_id, custom_id))
    }

    /// `user_id` runs the slash command `name` in `channel_id` with `options` (Discord's
    /// option objects, e.g. `json!([{"name": "minutes", "type": 4, "value": 5}])`):
    /// dispatches INTERACTION_CREATE of type 2. The command id is the registered one if the
    /// bot registered a command of that name. User, channel, role and mentionable options
    /// (types 6-9, value the id as a string) get their `data.resolved` entries, as on Discord.
    pub async fn slash_command(
        &self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> InteractionHandle {
        self.shared
            .update(|st| st.slash_command(user_id, channel_id, name, options))
    }

    /// `author_id` writes `content` in guild channel `channel_id`: dispatches MESSAGE_CREATE
    /// (with `member`, and `mentions` filled from `<@id>` in the content). Returns the id.
    pub async fn send_message(&self, author_id: u64, channel_id: u64, content: &str) -> u64 {
        self.send_message_with(author_id, channel_id, MessageSpec::new(content))
            .await
    }

    /// `author_id` writes `spec` in `channel_id` (a fixture channel, or the author's DM channel
    /// from `dm_channel_id`): the message is remembered and MESSAGE_CREATE dispatched, a reply
    /// as Discord's type 19 with `message_reference` and `referenced_message`, files as
    /// `attachments` objects. Panics if the replied-to message is not in that channel.
    pub async fn send_message_with(
        &self,
        author_id: u64,
        channel_id: u64,
        spec: MessageSpec,
    ) -> u64 {
        self.shared
            .update(|st| st.user_message(author_id, Some(channel_id), spec))
    }

    /// `author_id` writes `content` to the bot in DM: dispatches MESSAGE_CREATE without
    /// `guild_id`, in the user's DM channel (the same one `create_dm_channel` returns).
    pub async fn send_dm(&self, author_id: u64, content: &str) -> u64 {
        self.shared
            .update(|st| st.user_message(author_id, None, MessageSpec::new(content)))
    }

    /// The author of user message `message_id` changes its content: dispatches MESSAGE_UPDATE
    /// with the whole message and an `edited_timestamp`. Panics if it is not a live user message
    /// (the bot edits its own through REST).
    pub async fn edit_message(&self, message_id: u64, new_content: &str) {
        self.shared
            .update(|st| st.edit_user_message(message_id, new_content));
    }

    /// Deletes message `message_id` (a user's, or one the bot created through REST, as a
    /// moderator would): it leaves the history and MESSAGE_DELETE is dispatched. Panics if no
    /// such live message exists.
    pub async fn delete_message(&self, message_id: u64) {
        self.shared.update(|st| st.delete_message(message_id));
    }

    /// A moderator bulk-deletes `message_ids` of guild channel `channel_id`: one
    /// MESSAGE_DELETE_BULK. Panics if one of them is not a live message of that channel.
    pub async fn bulk_delete(&self, channel_id: u64, message_ids: impl IntoIterator<Item = u64>) {
        let ids: Vec<u64> = message_ids.into_iter().collect();
        self.shared.update(|st| st.bulk_delete(channel_id, &ids));
    }

    /// `user_id` reacts to `message_id` with `emoji` (a unicode emoji, or `name:id` for a custom
    /// one): dispatches MESSAGE_REACTION_ADD (with `member` in a guild). Reacting twice with the
    /// same emoji does nothing, as on Discord.
    pub async fn add_reaction(&self, user_id: u64, message_id: u64, emoji: &str) {
        self.shared
            .update(|st| st.react(user_id, message_id, Emoji::parse(emoji), true));
    }

    /// `user_id` takes back its `emoji` reaction: dispatches MESSAGE_REACTION_REMOVE. Does
    /// nothing if it had not reacted so.
    pub async fn remove_reaction(&self, user_id: u64, message_id: u64, emoji: &str) {
        self.shared
            .update(|st| st.react(user_id, message_id, Emoji::parse(emoji), false));
    }

    /// The reactions on `message_id` now: (emoji as given, users in reaction order).
    pub fn reactions(&self, message_id: u64) -> Vec<(String, Vec<u64>)> {
        let st = self.shared.lock();
        st.reactions
            .get(&message_id)
            .map(|list| {
                list.iter()
                    .map(|r| (r.emoji.as_text(), r.users.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The ids of the live messages of `channel_id` (users', the bot's and its non-ephemeral
    /// interaction replies), oldest first: what `GET /channels/{id}/messages` pages through.
    pub fn channel_history(&self, channel_id: u64) -> Vec<u64> {
        self.shared.lock().history_ids(channel_id)
    }

    /// The DM channel id between the bot and `user_id` (stable; created on first use).
    pub fn dm_channel_id(&self, user_id: u64) -> u64 {
        self.shared.update(|st| st.dm_channel_of(user_id))
    }

    // ----- connection faults ----------------------------------------------------------------

    /// Abruptly closes the bot's gateway socket (TCP closed, no close frame), like a network
    /// cut. The session stays resumable: serenity reconnects at once and RESUMEs, and every
    /// dispatch made meanwhile is replayed. Returns false if no bot was connected.
    pub async fn drop_connection(&self) -> bool {
        self.break_connection(None).await
    }

    /// Closes the bot's gateway socket with a close frame carrying `code`. serenity RESUMEs
    /// after most codes (1000, 4000, 4001...), IDENTIFYs anew after 4006/4009 (about 5 s
    /// later), and makes `Client::start` fail after 4004 (authentication failed) and
    /// 4013/4014 (intents). Returns false if no bot was connected.
    pub async fn close_connection(&self, code: u16) -> bool {
        self.break_connection(Some(code)).await
    }

    pub(crate) async fn break_connection(&self, close_code: Option<u16>) -> bool {
        let (done_tx, done_rx) = oneshot::channel();
        let sent = self.shared.update(|st| {
            let Some(conn) = st.session.as_mut().and_then(|s| s.conn.take()) else {
                return false;
            };
            let command = match close_code {
                None => Outbound::Abort(Some(done_tx)),
                Some(code) => Outbound::Close(code, Some(done_tx)),
            };
            conn.tx.send(command).is_ok()
        });
        if sent {
            let _ = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        }
        sent
    }

    /// Sends op 9 INVALID_SESSION (d=false) and forgets the session: serenity re-IDENTIFYs and
    /// gets a fresh GUILD_CREATE with the truth; what happened meanwhile is not replayed.
    /// serenity takes about 5 s to do so (its shard restart waits out a 5 s timeout), so wait
    /// with `wait_for_identify(n, ..)` and a generous timeout. Returns false without a session.
    pub async fn invalidate_session(&self) -> bool {
        self.shared.update(|st| {
            let Some(session) = st.session.take() else {
                return false;
            };
            if let Some(conn) = session.conn {
                let _ = conn
                    .tx
                    .send(Outbound::Text(json!({"op": 9, "d": false}).to_string()));
            }
            true
        })
    }

    /// Sends op 7 RECONNECT: serenity opens a new socket and RESUMEs.
    pub async fn request_reconnect(&self) -> bool {
        self.shared.update(|st| {
            let Some(conn) = st.session.as_ref().and_then(|s| s.conn.as_ref()) else {
                return false;
            };
            conn.tx
                .send(Outbound::Text(json!({"op": 7, "d": null}).to_string()))
                .is_ok()
        })
    }

    /// While held, IDENTIFY and RESUME on new sockets wait (HELLO and heartbeats still flow),
    /// so a test can inject events into a gap deterministically:
    /// `hold_gateway(); drop_connection(); voice_join(..); release_gateway();`.
    pub fn hold_gateway(&self) {
        self.shared.hold.send_replace(true);
    }

    /// Lets held IDENTIFY/RESUME proceed.
    pub fn release_gateway(&self) {
        self.shared.hold.send_replace(false);
    }

    // ----- counters and waiters -------------------------------------------------------------

    pub fn identify_count(&self) -> u64 {
        self.shared.lock().identify_count
    }

    /// Successful RESUMEs.
    pub fn resume_count(&self) -> u64 {
        self.shared.lock().resume_count
    }

    /// RESUMEs refused with INVALID_SESSION (unknown or invalidated session).
    pub fn rejected_resume_count(&self) -> u64 {
        self.shared.lock().rejected_resume_count
    }

    /// Dispatches replayed by RESUMEs so far.
    pub fn replayed_count(&self) -> u64 {
        self.shared.lock().replayed_count
    }

    /// Gateway WebSocket connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.lock().connection_count
    }

    pub fn heartbeat_count(&self) -> u64 {
        self.shared.lock().heartbeat_count
    }

    /// Whether a session is identified or resumed on an open socket.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().is_connected()
    }

    /// The `d` of every IDENTIFY received (token, intents, shard, properties...).
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.lock().identifies.clone()
    }

    /// Intents of the current (or last) session.
    pub fn intents(&self) -> Option<u64> {
        self.shared
            .lock()
            .identifies
            .last()
            .and_then(|d| d["intents"].as_u64())
    }

    /// Gateway commands other than heartbeat/identify/resume (presence updates, member
    /// requests...), whole payloads.
    pub fn gateway_commands(&self) -> Vec<Value> {
        self.shared.lock().gateway_commands.clone()
    }

    /// Every dispatch sent or queued, in order.
    pub fn dispatches(&self) -> Vec<DispatchRecord> {
        self.shared.lock().dispatches.clone()
    }

    pub async fn wait_for_identify(&self, n: u64, timeout: Duration) -> Result<(), WaitTimeout> {
        let what = format!("identify #{n}");
        self.wait_until(&what, timeout, |st| (st.identify_count >= n).then_some(()))
            .await
    }

    pub async fn wait_for_resume(&self, n: u64, timeout: Duration) -> Result<(), WaitTimeout> {
        let what = format!("resume #{n}");
        self.wait_until(&what, timeout, |st| (st.resume_count >= n).then_some(()))
            .await
    }

    pub async fn wait_until_connected(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("a connected session", timeout, |st| {
            st.is_connected().then_some(())
        })
        .await
    }

    pub async fn wait_until_disconnected(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("no connected session", timeout, |st| {
            (!st.is_connected()).then_some(())
        })
        .await
    }

    // ----- recordings -----------------------------------------------------------------------

    /// Every message the bot created, oldest first, in its current state (deleted included).
    pub fn messages(&self) -> Vec<SentMessage> {
        self.shared.lock().messages.clone()
    }

    /// [`Self::messages`] for a task that outlives a borrow of the stand-in.
    pub fn messages_handle(&self) -> impl Fn() -> Vec<SentMessage> + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move || shared.lock().messages.clone()
    }

    /// Messages the bot created in its DM channel with `user_id`.
    pub fn dm_messages(&self, user_id: u64) -> Vec<SentMessage> {
        let st = self.shared.lock();
        st.messages
            .iter()
            .filter(|m| m.dm_user == Some(user_id))
            .cloned()
            .collect()
    }

    /// Waits for a message (already sent or to come) matching `predicate`; returns the first.
    pub async fn wait_for_message(
        &self,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> Result<SentMessage, WaitTimeout> {
        self.wait_until("a matching message", timeout, |st| {
            st.messages.iter().find(|m| predicate(m)).cloned()
        })
        .await
    }

    pub fn interaction_responses(&self) -> Vec<InteractionResponse> {
        self.shared.lock().interaction_responses.clone()
    }

    /// Waits for an interaction answer (already given or to come) matching `predicate`,
    /// e.g. `|r| handle.matches(r)`.
    pub async fn wait_for_interaction_response(
        &self,
        predicate: impl Fn(&InteractionResponse) -> bool,
        timeout: Duration,
    ) -> Result<InteractionResponse, WaitTimeout> {
        self.wait_until("a matching interaction response", timeout, |st| {
            st.interaction_responses
                .iter()
                .find(|r| predicate(r))
                .cloned()
        })
        .await
    }

    /// Holds the next `method` request to `path` (e.g. `POST`,
    /// `/api/v10/channels/3000/messages`) without ever answering it, as a stalled Discord:
    /// it is recorded with status 0 and does nothing; the connection stays open until the
    /// client gives up or the stand-in stops.
    pub fn hold_next(&self, method: &str, path: &str) {
        self.shared
            .held_routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((method.to_owned(), path.to_owned()));
    }

    /// Every REST request, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// REST requests to routes the stand-in does not implement (each answered 404).
    pub fn unknown_requests(&self) -> Vec<RecordedRequest> {
        let st = self.shared.lock();
        st.requests
            .iter()
            .filter(|r| !r.known_route)
            .cloned()
            .collect()
    }

    pub async fn wait_for_request(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Result<RecordedRequest, WaitTimeout> {
        self.wait_until("a matching request", timeout, |st| {
            st.requests.iter().find(|r| predicate(r)).cloned()
        })
        .await
    }

    /// Application commands the bot registered (guild and global), as echoed back.
    pub fn commands(&self) -> Vec<Value> {
        let st = self.shared.lock();
        st.guild_commands
            .iter()
            .chain(st.global_commands.iter())
            .cloned()
            .collect()
    }

    /// The names of the registered application commands, guild and global.
    pub fn command_names(&self) -> Vec<String> {
        self.commands()
            .iter()
            .filter_map(|c| c["name"].as_str().map(str::to_owned))
            .collect()
    }

    pub(crate) async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = {
                let st = self.shared.lock();
                check(&st)
            };
            if let Some(found) = found {
                return Ok(found);
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    return Err(WaitTimeout {
                        what: what.to_owned(),
                        after: timeout,
                    });
                }
            }
        }
    }
}

impl Drop for DiscordStandIn {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
    }
}
