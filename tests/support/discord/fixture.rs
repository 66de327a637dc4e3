//! The guild the bot is in, as a test describes it before the stand-in starts: channels (with
//! their kind and permission overwrites), roles and their permission bits, members, the bot
//! itself, and how many anonymous extra members to add.

use super::*;

/// Which kind of guild channel a fixture channel is; the values are Discord's channel `type`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    Text = 0,
    Voice = 2,
    Category = 4,
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelSpec {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) kind: ChannelKind,
    pub(crate) overwrites: Vec<Overwrite>,
    /// The category it sits in (`parent_id`).
    pub(crate) parent: Option<u64>,
    pub(crate) topic: Option<String>,
}

/// One of a channel's permission overwrites, for a role (`@everyone` is the guild id) or a
/// member; the bits are Discord's permission flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    pub id: u64,
    pub member: bool,
    pub allow: u64,
    pub deny: u64,
}

impl Overwrite {
    /// Role `role_id` (the guild id for `@everyone`) gets `allow` and loses `deny`.
    pub fn role(role_id: u64, allow: u64, deny: u64) -> Self {
        Self {
            id: role_id,
            member: false,
            allow,
            deny,
        }
    }

    /// Member `user_id` gets `allow` and loses `deny`.
    pub fn member(user_id: u64, allow: u64, deny: u64) -> Self {
        Self {
            id: user_id,
            member: true,
            allow,
            deny,
        }
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "type": u8::from(self.member),
            "allow": self.allow.to_string(),
            "deny": self.deny.to_string(),
        })
    }
}

/// Discord's permission bits the tests use.
pub mod permissions {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    /// What Discord gives `@everyone` in a new guild (VIEW_CHANNEL included).
    pub const DEFAULT_EVERYONE: u64 = 104_324_673;
}

#[derive(Clone, Debug)]
pub(crate) struct MemberSpec {
    pub(crate) name: String,
    pub(crate) roles: Vec<u64>,
    /// The guild nickname (`PATCH /guilds/{id}/members/{user}`).
    pub(crate) nick: Option<String>,
}

/// Describes the one guild the bot is in, and the bot itself.
///
/// ```ignore
/// let fixture = GuildFixture::new(10)
///     .text_channel(20, "annonces")
///     .voice_channel(30, "L'écho-du-Cube")
///     .role(40, "joueurs")
///     .member(100, "alice", [40])
///     .in_voice(100, 30);
/// ```
#[derive(Clone, Debug)]
pub struct GuildFixture {
    pub(crate) guild_id: u64,
    pub(crate) guild_name: String,
    pub(crate) owner_id: Option<u64>,
    pub(crate) bot_id: u64,
    pub(crate) bot_name: String,
    pub(crate) application_id: Option<u64>,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) token: Option<String>,
    pub(crate) channels: Vec<ChannelSpec>,
    pub(crate) roles: Vec<(u64, String)>,
    /// Permission bits by role id; a role not here has none, `@everyone` Discord's defaults.
    pub(crate) role_permissions: BTreeMap<u64, u64>,
    pub(crate) members: Vec<(u64, MemberSpec)>,
    pub(crate) voice: Vec<(u64, u64)>,
    pub(crate) extra_members: usize,
    /// GUILD_CREATE lists only the bot and the members in voice, as Discord
    /// does for a large guild, instead of every member.
    pub(crate) only_voice_members: bool,
}

impl GuildFixture {
    /// An empty guild (only @everyone and the bot) with the default bot user and heartbeat.
    pub fn new(guild_id: u64) -> Self {
        Self {
            guild_id,
            guild_name: "CubeGuardian test guild".to_owned(),
            owner_id: None,
            bot_id: DEFAULT_BOT_ID,
            bot_name: "CubeGuardian".to_owned(),
            application_id: None,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            token: None,
            channels: Vec::new(),
            roles: Vec::new(),
            role_permissions: BTreeMap::new(),
            members: Vec::new(),
            voice: Vec::new(),
            extra_members: 0,
            only_voice_members: false,
        }
    }

    /// Names the guild.
    pub fn name(mut self, name: &str) -> Self {
        self.guild_name = name.to_owned();
        self
    }

    /// Sets the bot's user id and name (also its application id unless `application_id` is set).
    pub fn bot_user(mut self, id: u64, name: &str) -> Self {
        self.bot_id = id;
        self.bot_name = name.to_owned();
        self
    }

    /// Sets the application id reported in READY and expected in interaction routes.
    pub fn application_id(mut self, id: u64) -> Self {
        self.application_id = Some(id);
        self
    }

    /// Sets the guild owner (defaults to the first member, or the bot).
    pub fn owner(mut self, user_id: u64) -> Self {
        self.owner_id = Some(user_id);
        self
    }

    /// Sets the heartbeat interval announced in HELLO.
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Makes the stand-in check the token: REST calls without `Authorization: Bot <token>` get
    /// 401, and an IDENTIFY/RESUME with another token is closed with 4004 (authentication
    /// failed), as Discord does. Without it any token is accepted (and still recorded).
    pub fn expect_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Adds a text channel.
    pub fn text_channel(mut self, id: u64, name: &str) -> Self {
        self.channels.push(ChannelSpec {
            id,
            name: name.to_owned(),
            kind: ChannelKind::Text,
            overwrites: Vec::new(),
            parent: None,
            topic: None,
        });
        self
    }

    /// Adds a voice channel.
    pub fn voice_channel(mut self, id: u64, name: &str) -> Self {
        self.channels.push(ChannelSpec {
            id,
            name: name.to_owned(),
            kind: ChannelKind::Voice,
            overwrites: Vec::new(),
            parent: None,
            topic: None,
        });
        self
    }

    /// Adds a role (@everyone, whose id is the guild id, always exists).
    pub fn role(mut self, id: u64, name: &str) -> Self {
        self.roles.push((id, name.to_owned()));
        self
    }

    /// Sets a role's permission bits (the guild id for `@everyone`).
    pub fn role_permissions(mut self, role_id: u64, permissions: u64) -> Self {
        self.role_permissions.insert(role_id, permissions);
        self
    }

    /// Adds a permission overwrite to a fixture channel (replacing one for the same target).
    /// Panics if the channel is not in the fixture yet: that is a bug in the test.
    pub fn overwrite(mut self, channel_id: u64, overwrite: Overwrite) -> Self {
        let Some(channel) = self.channels.iter_mut().find(|c| c.id == channel_id) else {
            panic!("discord stand-in: add channel {channel_id} before its overwrites");
        };
        channel
            .overwrites
            .retain(|o| (o.id, o.member) != (overwrite.id, overwrite.member));
        channel.overwrites.push(overwrite);
        self
    }

    /// Adds a member with the given role ids (not counting @everyone, as Discord does).
    pub fn member(mut self, id: u64, name: &str, roles: impl IntoIterator<Item = u64>) -> Self {
        let spec = MemberSpec {
            name: name.to_owned(),
            roles: roles.into_iter().collect(),
            nick: None,
        };
        self.members.retain(|(existing, _)| *existing != id);
        self.members.push((id, spec));
        self
    }

    /// Puts a member in a voice channel from the start.
    pub fn in_voice(mut self, user_id: u64, channel_id: u64) -> Self {
        self.voice.retain(|(user, _)| *user != user_id);
        self.voice.push((user_id, channel_id));
        self
    }

    /// Adds `n` generated members (`EXTRA_MEMBER_BASE + i`, named `membre-i`, no roles).
    /// GUILD_CREATE as Discord sends it for a large guild: `member_count`
    /// says how many there are, `members` holds only the bot and whoever is
    /// in voice.
    pub fn only_voice_members_in_guild_create(mut self, on: bool) -> Self {
        self.only_voice_members = on;
        self
    }

    pub fn extra_members(mut self, n: usize) -> Self {
        self.extra_members = n;
        self
    }
}
