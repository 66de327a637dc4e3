//! Managing the guild through REST, as a bot with Manage Channels / Manage Roles does:
//! channels and categories (create, edit, move, delete, permission overwrites), roles (list,
//! create, edit), members' roles and nicknames. Each change is echoed on the gateway as
//! Discord does (CHANNEL_CREATE/UPDATE/DELETE and GUILD_ROLE_CREATE/UPDATE with `GUILDS`,
//! GUILD_MEMBER_UPDATE with `GUILD_MEMBERS`). Also the test-side view of that truth
//! ([`GuildChannelInfo`], [`RoleInfo`], [`MemberInfo`]) and Discord's permission computation
//! ([`DiscordStandIn::permissions_in`]), so tests assert who can read and write where.

use super::*;

/// Discord's longest channel and role name.
const NAME_MAX: usize = 100;
/// Discord's longest channel topic.
const TOPIC_MAX: usize = 1024;

/// A guild channel as the stand-in holds it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildChannelInfo {
    pub id: u64,
    pub name: String,
    pub kind: ChannelKind,
    pub parent: Option<u64>,
    pub topic: Option<String>,
    pub overwrites: Vec<Overwrite>,
}

/// A role as the stand-in holds it now (`@everyone` has the guild's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
}

/// A fixture member's roles and nickname now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    pub roles: Vec<u64>,
    pub nick: Option<String>,
}

fn unknown_role() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10011, "Unknown Role")
}

fn unknown_member() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10007, "Unknown Member")
}

/// A name Discord accepts: 1 to 100 characters.
fn valid_name(name: &str) -> bool {
    (1..=NAME_MAX).contains(&name.chars().count())
}

/// Discord's own rewriting of a text channel's name: lowercase, spaces become dashes.
fn text_channel_name(name: &str) -> String {
    name.trim().to_lowercase().replace(' ', "-")
}

impl State {
    /// Routes of this part; `None` when the call is not one of them.
    pub(crate) fn admin_route(
        &mut self,
        m: &str,
        segments: &[&str],
        body: &Value,
    ) -> Option<(StatusCode, Option<Value>, bool)> {
        let guild_ok = |g: &str| g.parse::<u64>() == Ok(self.guild_id);
        let answer = match (m, segments) {
            ("GET", ["guilds", g, "roles"]) if guild_ok(g) => ok(json!(self.all_roles_json())),
            ("POST", ["guilds", g, "roles"]) if guild_ok(g) => self.create_role(body),
            ("PATCH", ["guilds", g, "roles", role]) if guild_ok(g) => self.edit_role(role, body),
            ("PUT" | "DELETE", ["guilds", g, "members", user, "roles", role]) if guild_ok(g) => {
                self.member_role(m == "PUT", user, role)
            }
            ("PATCH", ["guilds", g, "members", user]) if guild_ok(g) => {
                self.edit_member(user, body)
            }
            ("POST", ["guilds", g, "channels"]) if guild_ok(g) => self.create_channel(body),
            ("PATCH", ["channels", channel]) => self.edit_channel(channel, body),
            ("DELETE", ["channels", channel]) => match self.channel_index(channel) {
                Some(index) => ok(self.remove_channel(index)),
                None => unknown_channel(),
            },
            ("PUT" | "DELETE", ["channels", channel, "permissions", target]) => {
                self.permission_route(m == "PUT", channel, target, body)
            }
            (_, ["guilds", g, "roles" | "members" | "channels", ..]) if !guild_ok(g) => {
                discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild")
            }
            _ => return None,
        };
        Some(answer)
    }

    pub(crate) fn all_roles_json(&self) -> Vec<Value> {
        let mut roles = vec![self.role_json(self.guild_id, "@everyone", 0)];
        for (index, (id, name)) in self.roles.iter().enumerate() {
            roles.push(self.role_json(*id, name, index + 1));
        }
        roles
    }

    fn role_index(&self, role: &str) -> Option<usize> {
        let id = role.parse::<u64>().ok()?;
        self.roles.iter().position(|(r, _)| *r == id)
    }

    fn role_event(&mut self, event: &str, index: usize) {
        if self.session_has(intents::GUILDS) {
            let (id, name) = self.roles[index].clone();
            let data = json!({
                "guild_id": self.guild_id.to_string(),
                "role": self.role_json(id, &name, index + 1),
            });
            self.dispatch(event, &data);
        }
    }

    fn create_role(&mut self, body: &Value) -> (StatusCode, Option<Value>, bool) {
        let name = body["name"].as_str().unwrap_or("new role").to_owned();
        if !valid_name(&name) {
            return invalid_form("name");
        }
        let permissions = match &body["permissions"] {
            Value::Null => None,
            value => match id_field(value) {
                Some(bits) => Some(bits),
                None => return invalid_form("permissions"),
            },
        };
        let id = self.next_id();
        self.roles.push((id, name.clone()));
        // Discord gives a new role @everyone's permissions unless told otherwise.
        let everyone = self
            .role_permissions
            .get(&self.guild_id)
            .copied()
            .unwrap_or(permissions::DEFAULT_EVERYONE);
        self.role_permissions
            .insert(id, permissions.unwrap_or(everyone));
        let index = self.roles.len() - 1;
        self.role_event("GUILD_ROLE_CREATE", index);
        ok(self.role_json(id, &name, index + 1))
    }

    fn edit_role(&mut self, role: &str, body: &Value) -> (StatusCode, Option<Value>, bool) {
        let Some(index) = self.role_index(role) else {
            return unknown_role();
        };
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            if !valid_name(name) {
                return invalid_form("name");
            }
            self.roles[index].1 = name.to_owned();
        }
        if let Some(value) = body.get("permissions").filter(|v| !v.is_null()) {
            let Some(bits) = id_field(value) else {
                return invalid_form("permissions");
            };
            self.role_permissions.insert(self.roles[index].0, bits);
        }
        self.role_event("GUILD_ROLE_UPDATE", index);
        let (id, name) = self.roles[index].clone();
        ok(self.role_json(id, &name, index + 1))
    }

    fn member_event(&mut self, user_id: u64) -> Value {
        let mut data = self.member_json(user_id, true);
        data["guild_id"] = json!(self.guild_id.to_string());
        if self.session_has(intents::GUILD_MEMBERS) {
            self.dispatch("GUILD_MEMBER_UPDATE", &data);
        }
        data
    }

    fn member_role(
        &mut self,
        add: bool,
        user: &str,
        role: &str,
    ) -> (StatusCode, Option<Value>, bool) {
        let Some(user_id) = user
            .parse::<u64>()
            .ok()
            .filter(|u| self.members.contains_key(u))
        else {
            return unknown_member();
        };
        let Some(index) = self.role_index(role) else {
            return unknown_role();
        };
        let role_id = self.roles[index].0;
        let changed = match self.members.get_mut(&user_id) {
            Some(member) if add && !member.roles.contains(&role_id) => {
                member.roles.push(role_id);
                true
            }
            Some(member) if !add && member.roles.contains(&role_id) => {
                member.roles.retain(|r| *r != role_id);
                true
            }
            _ => false,
        };
        // Discord sends no event for a change that changes nothing.
        if changed {
            self.member_event(user_id);
        }
        no_content()
    }

    fn edit_member(&mut self, user: &str, body: &Value) -> (StatusCode, Option<Value>, bool) {
        let Some(user_id) = user
            .parse::<u64>()
            .ok()
            .filter(|u| self.members.contains_key(u))
        else {
            return unknown_member();
        };
        let roles = match body.get("roles") {
            None | Some(Value::Null) => None,
            Some(Value::Array(ids)) => {
                let mut roles = Vec::new();
                for id in ids {
                    match id_field(id) {
                        Some(r) if self.roles.iter().any(|(known, _)| *known == r) => roles.push(r),
                        _ => return invalid_form("roles"),
                    }
                }
                Some(roles)
            }
            Some(_) => return invalid_form("roles"),
        };
        let nick = match body.get("nick") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(n)) if n.chars().count() <= 32 => {
                Some(Some(n.clone()).filter(|n| !n.is_empty()))
            }
            Some(_) => return invalid_form("nick"),
        };
        if let Some(member) = self.members.get_mut(&user_id) {
            if let Some(roles) = roles {
                member.roles = roles;
            }
            if let Some(nick) = nick {
                member.nick = nick;
            }
        }
        ok(self.member_event(user_id))
    }

    pub(crate) fn channel_index(&self, channel: &str) -> Option<usize> {
        let id = channel.parse::<u64>().ok()?;
        self.channels.iter().position(|c| c.id == id)
    }

    fn channel_event(&mut self, event: &str, index: usize) -> Value {
        let data = self.channel_json(&self.channels[index], index);
        if self.session_has(intents::GUILDS) {
            self.dispatch(event, &data);
        }
        data
    }

    /// Reads `permission_overwrites`; `Err` names the bad field.
    fn parse_overwrites(&self, value: &Value) -> Result<Vec<Overwrite>, &'static str> {
        let Some(items) = value.as_array() else {
            return Err("permission_overwrites");
        };
        let mut overwrites: Vec<Overwrite> = Vec::new();
        for item in items {
            let overwrite = self.parse_overwrite(id_field(&item["id"]), item)?;
            overwrites.retain(|o| (o.id, o.member) != (overwrite.id, overwrite.member));
            overwrites.push(overwrite);
        }
        Ok(overwrites)
    }

    fn parse_overwrite(&self, id: Option<u64>, item: &Value) -> Result<Overwrite, &'static str> {
        let id = id.ok_or("permission_overwrites.id")?;
        let member = match item["type"].as_u64() {
            Some(0) => false,
            Some(1) => true,
            _ => return Err("permission_overwrites.type"),
        };
        let bits = |field: &str| match &item[field] {
            Value::Null => Some(0),
            value => id_field(value),
        };
        let allow = bits("allow").ok_or("permission_overwrites.allow")?;
        let deny = bits("deny").ok_or("permission_overwrites.deny")?;
        let known = if member {
            self.is_member(id)
        } else {
            id == self.guild_id || self.roles.iter().any(|(r, _)| *r == id)
        };
        if !known {
            return Err("permission_overwrites.id");
        }
        Ok(Overwrite {
            id,
            member,
            allow,
            deny,
        })
    }

    /// A `parent_id` value: `Ok(None)` for none, `Err` unless it is one of the guild's
    /// categories.
    fn parse_parent(&self, value: &Value) -> Result<Option<u64>, ()> {
        if value.is_null() {
            return Ok(None);
        }
        let id = id_field(value).ok_or(())?;
        match self.channel(id) {
            Some(c) if c.kind == ChannelKind::Category => Ok(Some(id)),
            _ => Err(()),
        }
    }

    fn create_channel(&mut self, body: &Value) -> (StatusCode, Option<Value>, bool) {
        let kind = match body["type"].as_u64().unwrap_or(0) {
            0 => ChannelKind::Text,
            2 => ChannelKind::Voice,
            4 => ChannelKind::Category,
            _ => return invalid_form("type"),
        };
        let Some(raw_name) = body["name"].as_str() else {
            return invalid_form("name");
        };
        let name = match kind {
            ChannelKind::Text => text_channel_name(raw_name),
            _ => raw_name.to_owned(),
        };
        if !valid_name(&name) {
            return invalid_form("name");
        }
        let Ok(parent) = self.parse_parent(&body["parent_id"]) else {
            return invalid_form("parent_id");
        };
        if parent.is_some() && kind == ChannelKind::Category {
            return invalid_form("parent_id");
        }
        let overwrites = match &body["permission_overwrites"] {
            Value::Null => Vec::new(),
            value => match self.parse_overwrites(value) {
                Ok(o) => o,
                Err(field) => return invalid_form(field),
            },
        };
        let topic = body["topic"].as_str().map(str::to_owned);
        if topic
            .as_ref()
            .is_some_and(|t| t.chars().count() > TOPIC_MAX)
        {
            return invalid_form("topic");
        }
        let id = self.next_id();
        self.channels.push(ChannelSpec {
            id,
            name,
            kind,
            overwrites,
            parent,
            topic: topic.filter(|_| kind == ChannelKind::Text),
        });
        let data = self.channel_event("CHANNEL_CREATE", self.channels.len() - 1);
        (StatusCode::CREATED, Some(data), true)
    }

    fn edit_channel(&mut self, channel: &str, body: &Value) -> (StatusCode, Option<Value>, bool) {
        let Some(index) = self.channel_index(channel) else {
            return unknown_channel();
        };
        let mut edited = self.channels[index].clone();
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            edited.name = match edited.kind {
                ChannelKind::Text => text_channel_name(name),
                _ => name.to_owned(),
            };
            if !valid_name(&edited.name) {
                return invalid_form("name");
            }
        }
        if let Some(value) = body.get("parent_id") {
            match self.parse_parent(value) {
                Ok(parent) if edited.kind != ChannelKind::Category || parent.is_none() => {
                    edited.parent = parent;
                }
                _ => return invalid_form("parent_id"),
            }
        }
        if let Some(value) = body.get("permission_overwrites").filter(|v| !v.is_null()) {
            match self.parse_overwrites(value) {
                Ok(overwrites) => edited.overwrites = overwrites,
                Err(field) => return invalid_form(field),
            }
        }
        if let Some(value) = body.get("topic") {
            match value {
                Value::Null => edited.topic = None,
                Value::String(t) if t.chars().count() <= TOPIC_MAX => {
                    edited.topic = Some(t.clone()).filter(|t| !t.is_empty());
                }
                _ => return invalid_form("topic"),
            }
        }
        self.channels[index] = edited;
        ok(self.channel_event("CHANNEL_UPDATE", index))
    }

    /// Removes a channel (a category's channels are left without a parent, as Discord does,
    /// each with a CHANNEL_UPDATE). Returns the deleted channel's object.
    pub(crate) fn remove_channel(&mut self, index: usize) -> Value {
        let data = self.channel_json(&self.channels[index], index);
        let removed = self.channels.remove(index);
        self.voice.retain(|_, c| *c != removed.id);
        if self.session_has(intents::GUILDS) {
            self.dispatch("CHANNEL_DELETE", &data);
        }
        let orphans: Vec<usize> = (0..self.channels.len())
            .filter(|i| self.channels[*i].parent == Some(removed.id))
            .collect();
        for orphan in orphans {
            self.channels[orphan].parent = None;
            self.channel_event("CHANNEL_UPDATE", orphan);
        }
        data
    }

    fn permission_route(
        &mut self,
        put: bool,
        channel: &str,
        target: &str,
        body: &Value,
    ) -> (StatusCode, Option<Value>, bool) {
        let Some(index) = self.channel_index(channel) else {
            return unknown_channel();
        };
        let Ok(target) = target.parse::<u64>() else {
            return not_found_route();
        };
        if put {
            let overwrite = match self.parse_overwrite(Some(target), body) {
                Ok(o) => o,
                Err(field) => return invalid_form(field),
            };
            let overwrites = &mut self.channels[index].overwrites;
            match overwrites.iter_mut().find(|o| o.id == target) {
                Some(existing) => *existing = overwrite,
                None => overwrites.push(overwrite),
            }
        } else {
            self.channels[index].overwrites.retain(|o| o.id != target);
        }
        self.channel_event("CHANNEL_UPDATE", index);
        no_content()
    }

    /// Discord's permission computation for a member in a channel: base from `@everyone` and
    /// the member's roles (everything for the owner or an administrator), then the channel's
    /// `@everyone` overwrite, the roles' (denies, then allows), the member's own.
    pub(crate) fn permissions_in(&self, channel_id: u64, user_id: u64) -> u64 {
        const ADMINISTRATOR: u64 = permissions::ADMINISTRATOR;
        let role_bits = |id: u64| match self.role_permissions.get(&id) {
            Some(bits) => *bits,
            None if id == self.guild_id => permissions::DEFAULT_EVERYONE,
            None => 0,
        };
        let roles = self.member_roles(user_id);
        let base = roles
            .iter()
            .fold(role_bits(self.guild_id), |p, r| p | role_bits(*r));
        if user_id == self.owner_id || base & ADMINISTRATOR != 0 {
            return u64::MAX;
        }
        let Some(channel) = self.channel(channel_id) else {
            return 0;
        };
        let find = |id: u64, member: bool| {
            channel
                .overwrites
                .iter()
                .find(|o| o.id == id && o.member == member)
        };
        let mut p = base;
        if let Some(o) = find(self.guild_id, false) {
            p = (p & !o.deny) | o.allow;
        }
        let (allow, deny) = roles
            .iter()
            .filter_map(|r| find(*r, false))
            .fold((0, 0), |(a, d), o| (a | o.allow, d | o.deny));
        p = (p & !deny) | allow;
        if let Some(o) = find(user_id, true) {
            p = (p & !o.deny) | o.allow;
        }
        p
    }
}

impl DiscordStandIn {
    /// Every guild channel now (categories included), in position order.
    pub fn guild_channels(&self) -> Vec<GuildChannelInfo> {
        let st = self.shared.lock();
        st.channels
            .iter()
            .map(|c| GuildChannelInfo {
                id: c.id,
                name: c.name.clone(),
                kind: c.kind,
                parent: c.parent,
                topic: c.topic.clone(),
                overwrites: c.overwrites.clone(),
            })
            .collect()
    }

    /// Every role now, `@everyone` first.
    pub fn guild_roles(&self) -> Vec<RoleInfo> {
        let st = self.shared.lock();
        st.all_roles_json()
            .iter()
            .map(|r| RoleInfo {
                id: id_field(&r["id"]).unwrap_or(0),
                name: r["name"].as_str().unwrap_or("").to_owned(),
                permissions: id_field(&r["permissions"]).unwrap_or(0),
            })
            .collect()
    }

    /// A fixture member's roles and nickname now (`None`: not a fixture member).
    pub fn member_state(&self, user_id: u64) -> Option<MemberInfo> {
        let st = self.shared.lock();
        st.members.get(&user_id).map(|m| MemberInfo {
            roles: m.roles.clone(),
            nick: m.nick.clone(),
        })
    }

    /// The permission bits `user_id` has in `channel_id`, computed as Discord does.
    pub fn permissions_in(&self, channel_id: u64, user_id: u64) -> u64 {
        self.shared.lock().permissions_in(channel_id, user_id)
    }

    /// A moderator deletes a channel: CHANNEL_DELETE (needs `GUILDS`).
    pub async fn delete_channel(&self, channel_id: u64) {
        self.shared.update(|st| {
            let Some(index) = st.channels.iter().position(|c| c.id == channel_id) else {
                panic!("discord stand-in: channel {channel_id} does not exist");
            };
            st.remove_channel(index);
        });
    }

    /// A moderator moves a channel to another category (or none): CHANNEL_UPDATE.
    pub async fn move_channel(&self, channel_id: u64, parent: Option<u64>) {
        self.shared.update(|st| {
            let Some(index) = st.channels.iter().position(|c| c.id == channel_id) else {
                panic!("discord stand-in: channel {channel_id} does not exist");
            };
            st.channels[index].parent = parent;
            st.channel_event("CHANNEL_UPDATE", index);
        });
    }
}
