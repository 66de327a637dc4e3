//! Who may read which channel, computed the way Discord computes it: the
//! digest must never show a member a message from a channel they cannot
//! open, and captures by default only what `@everyone` can read.
//!
//! Pure: the Discord side translates `GUILD_CREATE`, channel and role
//! events into [`GuildAccess`]; [`super::channels::Channels`] asks it.
//!
//! The algorithm is Discord's documented one: the base permissions are the
//! `@everyone` role's (its id is the guild's) joined with the member's
//! roles', everything for the owner or `ADMINISTRATOR`; then the channel's
//! overwrites apply, `@everyone`'s first, then all the member's roles' at
//! once (every deny, then every allow), then the member's own. A channel
//! synced with its category carries the category's overwrites as its own
//! (Discord copies them), so only the channel's overwrites are read.

use std::collections::HashMap;

/// `VIEW_CHANNEL`: without it a channel and its messages are hidden.
pub const VIEW_CHANNEL: u64 = 1 << 10;

/// `ADMINISTRATOR`: every permission, overwrites ignored.
pub const ADMINISTRATOR: u64 = 1 << 3;

/// Every permission bit, as the owner and administrators hold them.
const ALL: u64 = u64::MAX;

/// Whom a channel overwrite is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Role(u64),
    Member(u64),
}

/// One of a channel's permission overwrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    pub target: Target,
    pub allow: u64,
    pub deny: u64,
}

/// Who reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader<'a> {
    /// Any member, with no role but `@everyone`: what is public.
    Everyone,
    /// A member with these roles (not counting `@everyone`).
    Member { user_id: u64, roles: &'a [u64] },
}

/// The guild's roles and channel overwrites: enough to tell who sees what.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuildAccess {
    guild_id: u64,
    owner_id: u64,
    /// Role id → its permission bits; `@everyone` is the guild id.
    roles: HashMap<u64, u64>,
    /// Every known channel → its overwrites (possibly none).
    channels: HashMap<u64, Vec<Overwrite>>,
}

impl GuildAccess {
    pub fn new(
        guild_id: u64,
        owner_id: u64,
        roles: impl IntoIterator<Item = (u64, u64)>,
        channels: impl IntoIterator<Item = (u64, Vec<Overwrite>)>,
    ) -> Self {
        GuildAccess {
            guild_id,
            owner_id,
            roles: roles.into_iter().collect(),
            channels: channels.into_iter().collect(),
        }
    }

    /// A role was created or its permissions changed.
    pub fn set_role(&mut self, id: u64, permissions: u64) {
        self.roles.insert(id, permissions);
    }

    pub fn remove_role(&mut self, id: u64) {
        self.roles.remove(&id);
    }

    /// A channel was created or its overwrites changed.
    pub fn set_channel(&mut self, id: u64, overwrites: Vec<Overwrite>) {
        self.channels.insert(id, overwrites);
    }

    pub fn remove_channel(&mut self, id: u64) {
        self.channels.remove(&id);
    }

    /// The guild-wide permissions of `reader`.
    pub fn base_permissions(&self, reader: Reader) -> u64 {
        let everyone = self.roles.get(&self.guild_id).copied().unwrap_or(0);
        let permissions = match reader {
            Reader::Everyone => everyone,
            Reader::Member { user_id, .. } if user_id == self.owner_id => return ALL,
            Reader::Member { roles, .. } => roles
                .iter()
                .filter_map(|r| self.roles.get(r))
                .fold(everyone, |p, r| p | r),
        };
        if permissions & ADMINISTRATOR != 0 {
            ALL
        } else {
            permissions
        }
    }

    /// Whether `reader` holds `ADMINISTRATOR` (or owns the guild): they
    /// can read every channel.
    pub fn is_administrator(&self, reader: Reader) -> bool {
        self.base_permissions(reader) == ALL
    }

    /// `reader`'s permissions in `channel`; `None` for a channel not known.
    pub fn permissions(&self, channel: u64, reader: Reader) -> Option<u64> {
        let overwrites = self.channels.get(&channel)?;
        let base = self.base_permissions(reader);
        if base & ADMINISTRATOR != 0 {
            return Some(ALL);
        }
        let find = |target: Target| overwrites.iter().find(|o| o.target == target);
        let mut permissions = base;
        if let Some(o) = find(Target::Role(self.guild_id)) {
            permissions = (permissions & !o.deny) | o.allow;
        }
        let (roles, user) = match reader {
            Reader::Everyone => (&[][..], None),
            Reader::Member { user_id, roles } => (roles, Some(user_id)),
        };
        let (allow, deny) = roles
            .iter()
            .filter(|r| **r != self.guild_id)
            .filter_map(|r| find(Target::Role(*r)))
            .fold((0, 0), |(a, d), o| (a | o.allow, d | o.deny));
        permissions = (permissions & !deny) | allow;
        if let Some(o) = user.and_then(|u| find(Target::Member(u))) {
            permissions = (permissions & !o.deny) | o.allow;
        }
        Some(permissions)
    }

    /// Whether `reader` can open `channel` (an unknown channel: no).
    pub fn can_view(&self, channel: u64, reader: Reader) -> bool {
        self.permissions(channel, reader)
            .is_some_and(|p| p & VIEW_CHANNEL != 0)
    }

    /// Whether `@everyone` can open `channel`.
    pub fn is_public(&self, channel: u64) -> bool {
        self.can_view(channel, Reader::Everyone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 1;
    const OWNER: u64 = 2;
    const STAFF: u64 = 10;
    const MUTED: u64 = 11;
    const ADMINS: u64 = 12;
    const HELPERS: u64 = 13;
    const PUBLIC: u64 = 100;
    const PRIVATE: u64 = 101;
    const READ_ONLY_HIDDEN: u64 = 102;
    const ALICE: u64 = 50;

    /// Discord's default `@everyone` permissions (VIEW_CHANNEL included).
    const DEFAULT: u64 = 104_324_673;

    fn deny(target: Target, bits: u64) -> Overwrite {
        Overwrite {
            target,
            allow: 0,
            deny: bits,
        }
    }

    fn allow(target: Target, bits: u64) -> Overwrite {
        Overwrite {
            target,
            allow: bits,
            deny: 0,
        }
    }

    fn guild() -> GuildAccess {
        GuildAccess::new(
            GUILD,
            OWNER,
            [
                (GUILD, DEFAULT),
                (STAFF, 0),
                (MUTED, 0),
                (ADMINS, ADMINISTRATOR),
                (HELPERS, 0),
            ],
            [
                (PUBLIC, vec![deny(Target::Role(MUTED), VIEW_CHANNEL)]),
                (
                    PRIVATE,
                    vec![
                        deny(Target::Role(GUILD), VIEW_CHANNEL),
                        allow(Target::Role(STAFF), VIEW_CHANNEL),
                    ],
                ),
                (
                    READ_ONLY_HIDDEN,
                    vec![
                        deny(Target::Role(GUILD), VIEW_CHANNEL),
                        allow(Target::Role(HELPERS), VIEW_CHANNEL),
                        deny(Target::Role(STAFF), VIEW_CHANNEL),
                    ],
                ),
            ],
        )
    }

    fn member(roles: &[u64]) -> Reader<'_> {
        Reader::Member {
            user_id: ALICE,
            roles,
        }
    }

    #[test]
    fn everyone_sees_public_channels_only() {
        let g = guild();
        assert!(g.is_public(PUBLIC));
        assert!(!g.is_public(PRIVATE));
        assert!(!g.is_public(999), "an unknown channel is not public");
        assert!(g.can_view(PUBLIC, member(&[])));
        assert!(!g.can_view(PRIVATE, member(&[])));
    }

    #[test]
    fn a_role_overwrite_opens_a_private_channel() {
        let g = guild();
        assert!(g.can_view(PRIVATE, member(&[STAFF])));
        // A role denied on a public channel loses it.
        assert!(!g.can_view(PUBLIC, member(&[MUTED])));
    }

    #[test]
    fn role_overwrites_combine_allow_over_deny() {
        // Discord joins every role's denies, then every role's allows:
        // one role allowing wins over another denying.
        let g = guild();
        assert!(g.can_view(READ_ONLY_HIDDEN, member(&[HELPERS, STAFF])));
        assert!(!g.can_view(READ_ONLY_HIDDEN, member(&[STAFF])));
    }

    #[test]
    fn the_member_overwrite_comes_last() {
        let mut g = guild();
        g.set_channel(
            PRIVATE,
            vec![
                deny(Target::Role(GUILD), VIEW_CHANNEL),
                allow(Target::Role(STAFF), VIEW_CHANNEL),
                allow(Target::Member(ALICE), VIEW_CHANNEL),
            ],
        );
        assert!(g.can_view(PRIVATE, member(&[])));
        assert!(
            !g.is_public(PRIVATE),
            "a member overwrite is not for everyone"
        );
        g.set_channel(
            PRIVATE,
            vec![
                deny(Target::Role(GUILD), VIEW_CHANNEL),
                allow(Target::Role(STAFF), VIEW_CHANNEL),
                deny(Target::Member(ALICE), VIEW_CHANNEL),
            ],
        );
        assert!(!g.can_view(PRIVATE, member(&[STAFF])));
    }

    #[test]
    fn administrators_and_the_owner_see_everything() {
        let g = guild();
        assert!(g.can_view(PRIVATE, member(&[ADMINS])));
        assert!(
            g.can_view(PUBLIC, member(&[ADMINS, MUTED])),
            "overwrites ignored"
        );
        assert!(g.is_administrator(member(&[ADMINS])));
        assert!(!g.is_administrator(member(&[STAFF])));
        let owner = Reader::Member {
            user_id: OWNER,
            roles: &[],
        };
        assert!(g.can_view(PRIVATE, owner) && g.is_administrator(owner));
    }

    #[test]
    fn everyone_without_view_channel_hides_the_whole_guild() {
        let mut g = guild();
        g.set_role(GUILD, DEFAULT & !VIEW_CHANNEL);
        assert!(!g.is_public(PUBLIC));
        g.set_role(STAFF, VIEW_CHANNEL);
        assert!(g.can_view(PUBLIC, member(&[STAFF])));
        // An @everyone overwrite can give back what the role lacks.
        g.set_channel(PUBLIC, vec![allow(Target::Role(GUILD), VIEW_CHANNEL)]);
        assert!(g.is_public(PUBLIC));
    }

    #[test]
    fn roles_and_channels_come_and_go() {
        let mut g = guild();
        g.set_role(STAFF, ADMINISTRATOR);
        assert!(g.can_view(READ_ONLY_HIDDEN, member(&[STAFF])));
        g.remove_role(STAFF);
        assert!(
            !g.can_view(READ_ONLY_HIDDEN, member(&[STAFF])),
            "a deleted role's permissions are gone"
        );
        g.remove_channel(PUBLIC);
        assert!(!g.can_view(PUBLIC, member(&[])));
        g.set_channel(PUBLIC, Vec::new());
        assert!(g.is_public(PUBLIC));
    }
}
