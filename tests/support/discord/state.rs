//! `State`, the truth behind one mutex: the guild (members, roles, channels, voice), the
//! gateway session and the recordings, so that ordering between REST, gateway and injections is
//! total. This file holds the types and the truth's accessors and mutations; the payloads, the
//! gateway, the injected actions and the REST routes are further `impl State` blocks in their
//! own files.

use super::*;

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Bumped after every change of `state`, to wake waiters.
    pub(crate) changed: watch::Sender<u64>,
    /// True while IDENTIFY/RESUME handling is held back.
    pub(crate) hold: watch::Sender<bool>,
    /// REST requests (method, path) to hold without an answer, each once.
    pub(crate) held_routes: Mutex<Vec<(String, String)>>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) next_conn_id: AtomicU64,
    pub(crate) api_url: String,
    pub(crate) gateway_url: String,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not hide the original failure.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the state, then wakes every waiter.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = {
            let mut st = self.lock();
            f(&mut st)
        };
        self.changed.send_modify(|version| *version += 1);
        result
    }
}

/// What the rest of the stand-in asks a connection task to do.
pub(crate) enum Outbound {
    Text(String),
    /// Drop the socket without a close frame; signal when done.
    Abort(Option<oneshot::Sender<()>>),
    /// Send a close frame with this code, then drop the socket; signal when done.
    Close(u16, Option<oneshot::Sender<()>>),
}

#[derive(Clone)]
pub(crate) struct ConnHandle {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::UnboundedSender<Outbound>,
}

/// One gateway session: what RESUME needs (sequence, undelivered dispatches) and its socket.
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) seq: u64,
    pub(crate) intents: u64,
    /// Dispatches the bot may not have acknowledged yet (pruned by heartbeat sequences).
    pub(crate) log: VecDeque<(u64, String)>,
    pub(crate) conn: Option<ConnHandle>,
}

pub(crate) struct Interaction {
    pub(crate) id: u64,
    pub(crate) token: String,
    pub(crate) channel_id: u64,
    /// Message the component was on (component interactions only).
    pub(crate) message_id: Option<u64>,
    /// Callback type once answered.
    pub(crate) answered: Option<u64>,
    /// The reply created by a type 4/5 callback: id and message data.
    pub(crate) original: Option<(u64, Value)>,
    pub(crate) followups: BTreeMap<u64, Value>,
}

/// A message a user wrote, in its current state (deleted ones are dropped).
pub(crate) struct UserMessage {
    pub(crate) id: u64,
    pub(crate) channel_id: u64,
    pub(crate) author_id: u64,
    pub(crate) content: String,
    pub(crate) reply_to: Option<u64>,
    /// (attachment id, file name, size).
    pub(crate) attachments: Vec<(u64, String, u64)>,
    pub(crate) edited_at: Option<SystemTime>,
}

/// A reaction emoji: unicode (`id` none) or a custom guild emoji.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Emoji {
    pub(crate) id: Option<u64>,
    pub(crate) name: String,
}

impl Emoji {
    /// Reads `name:id` as a custom emoji and anything else as a unicode one, as Discord reads
    /// the emoji of reaction routes.
    pub(crate) fn parse(text: &str) -> Self {
        if let Some((name, id)) = text.rsplit_once(':') {
            if let Ok(id) = id.parse() {
                let name = name.trim_start_matches("a:").to_owned();
                return Self { id: Some(id), name };
            }
        }
        Self {
            id: None,
            name: text.to_owned(),
        }
    }

    pub(crate) fn as_text(&self) -> String {
        match self.id {
            Some(id) => format!("{}:{id}", self.name),
            None => self.name.clone(),
        }
    }

    /// The partial emoji object of reaction events and message `reactions`.
    pub(crate) fn json(&self) -> Value {
        match self.id {
            Some(id) => json!({"id": id.to_string(), "name": self.name, "animated": false}),
            None => json!({"id": null, "name": self.name}),
        }
    }
}

/// Who reacted to a message with one emoji, in order.
pub(crate) struct ReactionEntry {
    pub(crate) emoji: Emoji,
    pub(crate) users: Vec<u64>,
}

pub(crate) struct State {
    pub(crate) guild_id: u64,
    pub(crate) guild_name: String,
    pub(crate) owner_id: u64,
    pub(crate) bot_id: u64,
    pub(crate) bot_name: String,
    pub(crate) application_id: u64,
    pub(crate) heartbeat_ms: u64,
    pub(crate) token: Option<String>,
    pub(crate) gateway_url: String,
    pub(crate) started_at: String,
    pub(crate) channels: Vec<ChannelSpec>,
    pub(crate) roles: Vec<(u64, String)>,
    pub(crate) role_permissions: BTreeMap<u64, u64>,
    pub(crate) members: BTreeMap<u64, MemberSpec>,
    pub(crate) voice: BTreeMap<u64, u64>,
    pub(crate) extra_members: usize,
    pub(crate) only_voice_members: bool,

    pub(crate) session: Option<Session>,
    pub(crate) sessions_created: u64,
    pub(crate) last_id: u64,
    pub(crate) dm_channels: BTreeMap<u64, u64>,
    pub(crate) interactions: HashMap<String, Interaction>,

    pub(crate) identify_count: u64,
    pub(crate) resume_count: u64,
    pub(crate) rejected_resume_count: u64,
    pub(crate) replayed_count: u64,
    pub(crate) connection_count: u64,
    pub(crate) heartbeat_count: u64,
    pub(crate) identifies: Vec<Value>,
    pub(crate) gateway_commands: Vec<Value>,
    pub(crate) dispatches: Vec<DispatchRecord>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) messages: Vec<SentMessage>,
    /// Users' live messages by id (so in creation order).
    pub(crate) user_messages: BTreeMap<u64, UserMessage>,
    /// Reactions by message id, for any kind of message.
    pub(crate) reactions: BTreeMap<u64, Vec<ReactionEntry>>,
    pub(crate) interaction_responses: Vec<InteractionResponse>,
    pub(crate) guild_commands: Vec<Value>,
    pub(crate) global_commands: Vec<Value>,
}

impl State {
    pub(crate) fn new(fixture: GuildFixture, gateway_url: String) -> Self {
        let owner_id = fixture
            .owner_id
            .or_else(|| fixture.members.first().map(|(id, _)| *id))
            .unwrap_or(fixture.bot_id);
        let mut state = Self {
            guild_id: fixture.guild_id,
            guild_name: fixture.guild_name,
            owner_id,
            bot_id: fixture.bot_id,
            bot_name: fixture.bot_name,
            application_id: fixture.application_id.unwrap_or(fixture.bot_id),
            heartbeat_ms: u64::try_from(fixture.heartbeat_interval.as_millis()).unwrap_or(u64::MAX),
            token: fixture.token,
            gateway_url,
            started_at: rfc3339(SystemTime::now()),
            channels: fixture.channels,
            roles: fixture.roles,
            role_permissions: fixture.role_permissions,
            members: fixture.members.into_iter().collect(),
            voice: BTreeMap::new(),
            extra_members: fixture.extra_members,
            only_voice_members: fixture.only_voice_members,
            session: None,
            sessions_created: 0,
            last_id: 0,
            dm_channels: BTreeMap::new(),
            interactions: HashMap::new(),
            identify_count: 0,
            resume_count: 0,
            rejected_resume_count: 0,
            replayed_count: 0,
            connection_count: 0,
            heartbeat_count: 0,
            identifies: Vec::new(),
            gateway_commands: Vec::new(),
            dispatches: Vec::new(),
            requests: Vec::new(),
            messages: Vec::new(),
            user_messages: BTreeMap::new(),
            reactions: BTreeMap::new(),
            interaction_responses: Vec::new(),
            guild_commands: Vec::new(),
            global_commands: Vec::new(),
        };
        for (user, channel) in fixture.voice {
            state.check_voice_target(user, channel);
            state.voice.insert(user, channel);
        }
        state
    }

    /// A fresh snowflake: current time in Discord's epoch, strictly increasing.
    pub(crate) fn next_id(&mut self) -> u64 {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let candidate = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.conn.is_some())
    }

    pub(crate) fn session_has(&self, intent: u64) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.intents & intent != 0)
    }
}

impl State {
    pub(crate) fn is_extra(&self, user_id: u64) -> bool {
        user_id >= EXTRA_MEMBER_BASE
            && user_id - EXTRA_MEMBER_BASE < u64::try_from(self.extra_members).unwrap_or(u64::MAX)
    }

    pub(crate) fn is_member(&self, user_id: u64) -> bool {
        user_id == self.bot_id || self.members.contains_key(&user_id) || self.is_extra(user_id)
    }

    pub(crate) fn user_name(&self, user_id: u64) -> String {
        if user_id == self.bot_id {
            self.bot_name.clone()
        } else if let Some(member) = self.members.get(&user_id) {
            member.name.clone()
        } else if self.is_extra(user_id) {
            format!("membre-{}", user_id - EXTRA_MEMBER_BASE)
        } else {
            format!("user-{user_id}")
        }
    }

    pub(crate) fn member_roles(&self, user_id: u64) -> Vec<u64> {
        self.members
            .get(&user_id)
            .map(|m| m.roles.clone())
            .unwrap_or_default()
    }

    pub(crate) fn channel(&self, channel_id: u64) -> Option<&ChannelSpec> {
        self.channels.iter().find(|c| c.id == channel_id)
    }

    pub(crate) fn dm_user_of(&self, channel_id: u64) -> Option<u64> {
        self.dm_channels
            .iter()
            .find(|(_, c)| **c == channel_id)
            .map(|(u, _)| *u)
    }

    pub(crate) fn dm_channel_of(&mut self, user_id: u64) -> u64 {
        if let Some(channel) = self.dm_channels.get(&user_id) {
            return *channel;
        }
        let channel = self.next_id();
        self.dm_channels.insert(user_id, channel);
        channel
    }

    pub(crate) fn check_voice_target(&self, user_id: u64, channel_id: u64) {
        assert!(
            self.is_member(user_id),
            "discord stand-in: user {user_id} is not a member of the fixture guild; add it first"
        );
        assert!(
            self.channel(channel_id)
                .is_some_and(|c| c.kind == ChannelKind::Voice),
            "discord stand-in: channel {channel_id} is not a voice channel of the fixture guild"
        );
    }

    pub(crate) fn voice_join(&mut self, user_id: u64, channel_id: u64) {
        self.check_voice_target(user_id, channel_id);
        self.voice.insert(user_id, channel_id);
        if self.session_has(intents::GUILD_VOICE_STATES) {
            let data = self.voice_state_json(user_id, Some(channel_id), true);
            self.dispatch("VOICE_STATE_UPDATE", &data);
        }
    }

    pub(crate) fn voice_leave(&mut self, user_id: u64) {
        if self.voice.remove(&user_id).is_some() && self.session_has(intents::GUILD_VOICE_STATES) {
            let data = self.voice_state_json(user_id, None, true);
            self.dispatch("VOICE_STATE_UPDATE", &data);
        }
    }

    pub(crate) fn add_member(&mut self, user_id: u64, spec: MemberSpec) {
        let existed = self.members.insert(user_id, spec).is_some();
        if self.session_has(intents::GUILD_MEMBERS) {
            let mut data = self.member_json(user_id, true);
            data["guild_id"] = json!(self.guild_id.to_string());
            let event = if existed {
                "GUILD_MEMBER_UPDATE"
            } else {
                "GUILD_MEMBER_ADD"
            };
            self.dispatch(event, &data);
        }
    }

    pub(crate) fn set_member_roles(&mut self, user_id: u64, roles: Vec<u64>) {
        let Some(member) = self.members.get_mut(&user_id) else {
            panic!("discord stand-in: user {user_id} is not a fixture member; add it first");
        };
        member.roles = roles;
        if self.session_has(intents::GUILD_MEMBERS) {
            let mut data = self.member_json(user_id, true);
            data["guild_id"] = json!(self.guild_id.to_string());
            self.dispatch("GUILD_MEMBER_UPDATE", &data);
        }
    }

    pub(crate) fn set_channel_overwrites(&mut self, channel_id: u64, overwrites: Vec<Overwrite>) {
        let Some(position) = self.channels.iter().position(|c| c.id == channel_id) else {
            panic!("discord stand-in: channel {channel_id} is not a fixture channel");
        };
        self.channels[position].overwrites = overwrites;
        if self.session_has(intents::GUILDS) {
            let data = self.channel_json(&self.channels[position], position);
            self.dispatch("CHANNEL_UPDATE", &data);
        }
    }

    pub(crate) fn set_role_permissions(&mut self, role_id: u64, permissions: u64) {
        let position = if role_id == self.guild_id {
            0
        } else {
            let Some(index) = self.roles.iter().position(|(r, _)| *r == role_id) else {
                panic!("discord stand-in: role {role_id} is not a fixture role");
            };
            index + 1
        };
        self.role_permissions.insert(role_id, permissions);
        if self.session_has(intents::GUILDS) {
            let name = match position {
                0 => "@everyone".to_owned(),
                n => self.roles[n - 1].1.clone(),
            };
            let data = json!({
                "guild_id": self.guild_id.to_string(),
                "role": self.role_json(role_id, &name, position),
            });
            self.dispatch("GUILD_ROLE_UPDATE", &data);
        }
    }
}
