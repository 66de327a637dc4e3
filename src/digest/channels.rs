//! Which of the guild's text channels the digest watches: the channels
//! Discord shows (names and order, from `GUILD_CREATE` and channel events),
//! the config's `excluded_channels` and `important_channels`, and the
//! admins' `/exclude` and `/include`, which win over the config.
//!
//! Capture asks [`Channels::is_watched`] for every message: an excluded
//! channel's messages are never stored, not merely left out of the mail.
//! Nor are a private channel's (one `@everyone` cannot open), unless the
//! config's `include_private` names it; and even then only the mail and
//! those who can open it on Discord see it ([`Audience`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::access::{GuildAccess, Overwrite, Reader};
use super::archive::{Directory, Override};
use super::model::Channel;
use crate::config::ChannelRef;

/// Why a channel is or is not in the digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Watched,
    /// Watched, first and in full.
    Important,
    /// In `excluded_channels`.
    ExcludedByConfig,
    /// By `/exclude`.
    ExcludedByCommand,
    /// Not excluded, but `@everyone` cannot open it and `include_private`
    /// does not name it: never captured.
    Private,
}

impl Standing {
    pub fn is_watched(self) -> bool {
        matches!(self, Standing::Watched | Standing::Important)
    }
}

/// One line of `/listchannels`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: u64,
    pub name: String,
    pub standing: Standing,
    /// `/include` brought it back although the config excludes it.
    pub included_by_command: bool,
}

/// Whom a digest or a report is for: it holds only the channels they may
/// read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience<'a> {
    /// The mail: public channels and those of `include_private`.
    Mail,
    /// The bot's admin or a Discord administrator: every watched channel.
    Admin,
    /// A member: the watched channels they can open on Discord.
    Member { user_id: u64, roles: &'a [u64] },
}

#[derive(Default)]
struct Inner {
    /// The config's lists (replaced by a reload).
    excluded: Vec<ChannelRef>,
    important: Vec<ChannelRef>,
    include_private: Vec<ChannelRef>,
    /// The werewolf game's channels and categories when it plays in this
    /// guild: never captured, whatever the lists say (a name in
    /// `include_private` like "général" could match one of them).
    game: std::collections::BTreeSet<u64>,
    directory: Directory,
    overrides: BTreeMap<u64, Override>,
    /// Who sees which channel; `None` until this session's `GUILD_CREATE`
    /// (nothing is captured meanwhile, and members are shown nothing).
    access: Option<GuildAccess>,
}

/// The watched channels, shared by the Discord handler, the commands and
/// the digest.
pub struct Channels {
    inner: Mutex<Inner>,
}

impl Channels {
    /// From the config's lists, the last directory seen and the persisted
    /// overrides.
    pub fn new(
        excluded: Vec<ChannelRef>,
        important: Vec<ChannelRef>,
        include_private: Vec<ChannelRef>,
        directory: Directory,
        overrides: BTreeMap<u64, Override>,
    ) -> Self {
        Channels {
            inner: Mutex::new(Inner {
                excluded,
                important,
                include_private,
                game: Default::default(),
                directory,
                overrides,
                access: None,
            }),
        }
    }

    /// A reloaded configuration's lists.
    pub fn set_rules(
        &self,
        excluded: Vec<ChannelRef>,
        important: Vec<ChannelRef>,
        include_private: Vec<ChannelRef>,
    ) {
        let mut inner = self.lock();
        inner.excluded = excluded;
        inner.important = important;
        inner.include_private = include_private;
    }

    /// The werewolf game's channel ids (see [`Inner`]'s `game`).
    pub fn set_game_channels(&self, ids: impl IntoIterator<Item = u64>) {
        self.lock().game = ids.into_iter().collect();
    }

    /// The guild's roles and overwrites, from a `GUILD_CREATE`.
    pub fn set_access(&self, access: GuildAccess) {
        self.lock().access = Some(access);
    }

    /// A channel's overwrites were created or changed. Returns whether
    /// `@everyone` could open it before and can now, for the log.
    pub fn set_overwrites(&self, id: u64, overwrites: Vec<Overwrite>) -> (bool, bool) {
        let mut inner = self.lock();
        let Some(access) = inner.access.as_mut() else {
            return (false, false);
        };
        let before = access.is_public(id);
        access.set_channel(id, overwrites);
        (before, access.is_public(id))
    }

    /// A role was created or changed (`None`: deleted).
    pub fn set_role(&self, id: u64, permissions: Option<u64>) {
        if let Some(access) = self.lock().access.as_mut() {
            match permissions {
                Some(p) => access.set_role(id, p),
                None => access.remove_role(id),
            }
        }
    }

    /// Whether `user_id` with `roles` is a Discord administrator (or the
    /// owner) of the guild.
    pub fn is_administrator(&self, user_id: u64, roles: &[u64]) -> bool {
        self.lock()
            .access
            .as_ref()
            .is_some_and(|a| a.is_administrator(Reader::Member { user_id, roles }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces what is known of the guild (a `GUILD_CREATE`); returns the
    /// directory when it changed, to be saved.
    pub fn set_guild(
        &self,
        guild_id: u64,
        guild_name: &str,
        text_channels: Vec<(u64, String)>,
    ) -> Option<Directory> {
        let new = Directory {
            guild_id,
            guild_name: guild_name.to_owned(),
            channels: text_channels,
        };
        let mut inner = self.lock();
        (inner.directory != new).then(|| {
            inner.directory = new.clone();
            new
        })
    }

    /// A text channel was created or renamed; returns the directory to save.
    pub fn upsert(&self, id: u64, name: &str) -> Option<Directory> {
        let mut inner = self.lock();
        let channels = &mut inner.directory.channels;
        match channels.iter_mut().find(|(c, _)| *c == id) {
            Some((_, old)) if old == name => return None,
            Some((_, old)) => *old = name.to_owned(),
            None => channels.push((id, name.to_owned())),
        }
        Some(inner.directory.clone())
    }

    /// A channel was deleted; returns the directory to save.
    pub fn remove(&self, id: u64) -> Option<Directory> {
        let mut inner = self.lock();
        let before = inner.directory.channels.len();
        inner.directory.channels.retain(|(c, _)| *c != id);
        if let Some(access) = inner.access.as_mut() {
            access.remove_channel(id);
        }
        (inner.directory.channels.len() != before).then(|| inner.directory.clone())
    }

    /// An admin's `/exclude` or `/include`; returns the overrides to save.
    pub fn set_override(&self, id: u64, decision: Override) -> BTreeMap<u64, Override> {
        let mut inner = self.lock();
        let by_config = Self::excluded_by_config(&inner, id);
        // An override equal to the config's own decision is no override:
        // forgetting it lets a later config change apply.
        let same_as_config = match decision {
            Override::Excluded => by_config,
            Override::Included => !by_config,
        };
        if same_as_config {
            inner.overrides.remove(&id);
        } else {
            inner.overrides.insert(id, decision);
        }
        inner.overrides.clone()
    }

    fn name_of(directory: &Directory, id: u64) -> Option<&str> {
        directory
            .channels
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| n.as_str())
    }

    fn excluded_by_config(inner: &Inner, id: u64) -> bool {
        let name = Self::name_of(&inner.directory, id).unwrap_or("");
        inner.excluded.iter().any(|r| r.matches(id, name))
    }

    fn standing_in(inner: &Inner, id: u64) -> Standing {
        match inner.overrides.get(&id) {
            Some(Override::Excluded) => return Standing::ExcludedByCommand,
            Some(Override::Included) => {}
            None if Self::excluded_by_config(inner, id) => return Standing::ExcludedByConfig,
            None => {}
        }
        let name = Self::name_of(&inner.directory, id).unwrap_or("");
        if inner.important.iter().any(|r| r.matches(id, name)) {
            Standing::Important
        } else {
            Standing::Watched
        }
    }

    /// Whether `channel_id` may be mailed: public, or private and opted in
    /// by `include_private`.
    fn mailable(inner: &Inner, id: u64, name: &str, access: &GuildAccess) -> bool {
        if inner.game.contains(&id) {
            return false;
        }
        access.is_public(id) || inner.include_private.iter().any(|r| r.matches(id, name))
    }

    /// Whether the channel of `audience` holds `id` (among watched ones).
    fn shown(inner: &Inner, id: u64, name: &str, audience: Audience) -> bool {
        match (audience, &inner.access) {
            (Audience::Admin, _) => true,
            // Offline (the CLI), what was stored is what capture allowed.
            (Audience::Mail, None) => true,
            (Audience::Mail, Some(access)) => Self::mailable(inner, id, name, access),
            (Audience::Member { user_id, roles }, Some(access)) => {
                access.can_view(id, Reader::Member { user_id, roles })
            }
            (Audience::Member { .. }, None) => false,
        }
    }

    /// Whether a message in `channel_id` is captured: a known text channel
    /// of the guild that is not excluded, and that `@everyone` can open or
    /// `include_private` names. Nothing is captured before the guild's
    /// permissions are known.
    pub fn is_watched(&self, channel_id: u64) -> bool {
        let inner = self.lock();
        let Some(name) = Self::name_of(&inner.directory, channel_id) else {
            return false;
        };
        Self::standing_in(&inner, channel_id).is_watched()
            && inner
                .access
                .as_ref()
                .is_some_and(|a| Self::mailable(&inner, channel_id, name, a))
    }

    /// A known channel's name.
    pub fn name(&self, channel_id: u64) -> Option<String> {
        Self::name_of(&self.lock().directory, channel_id).map(str::to_owned)
    }

    /// The watched channels `audience` may read, in the guild's order.
    pub fn watched(&self, audience: Audience) -> Vec<Channel> {
        let inner = self.lock();
        inner
            .directory
            .channels
            .iter()
            .filter_map(|(id, name)| {
                let standing = Self::standing_in(&inner, *id);
                let shown = standing.is_watched() && Self::shown(&inner, *id, name, audience);
                shown.then(|| Channel {
                    id: *id,
                    name: name.clone(),
                    important: standing == Standing::Important,
                })
            })
            .collect()
    }

    /// The known channels `audience` may open and their standing, for
    /// `/listchannels`: a member never learns the name of a channel they
    /// cannot open, nor whether it is captured.
    pub fn listing(&self, audience: Audience) -> Vec<Listed> {
        let inner = self.lock();
        inner
            .directory
            .channels
            .iter()
            .filter(|(id, name)| Self::shown(&inner, *id, name, audience))
            .map(|(id, name)| {
                let standing = match (Self::standing_in(&inner, *id), &inner.access) {
                    (s, Some(access))
                        if s.is_watched() && !Self::mailable(&inner, *id, name, access) =>
                    {
                        Standing::Private
                    }
                    (s, _) => s,
                };
                Listed {
                    id: *id,
                    name: name.clone(),
                    standing,
                    included_by_command: inner.overrides.get(id) == Some(&Override::Included)
                        && Self::excluded_by_config(&inner, *id),
                }
            })
            .collect()
    }

    pub fn guild_name(&self) -> String {
        self.lock().directory.guild_name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::digest::access::{Target, ADMINISTRATOR, VIEW_CHANNEL};

    const STAFF_ROLE: u64 = 20;
    const ADMIN_ROLE: u64 = 21;

    fn hidden() -> Vec<Overwrite> {
        vec![
            Overwrite {
                target: Target::Role(9),
                allow: 0,
                deny: VIEW_CHANNEL,
            },
            Overwrite {
                target: Target::Role(STAFF_ROLE),
                allow: VIEW_CHANNEL,
                deny: 0,
            },
        ]
    }

    /// Guild 9: three public channels, and #staff (5) and #bureau (6)
    /// that only the staff role can open; #bureau is opted in.
    fn channels() -> Channels {
        let c = Channels::new(
            vec![ChannelRef::Name("spam".into())],
            vec![ChannelRef::Name("annonces".into())],
            vec![ChannelRef::Id(6)],
            Directory::default(),
            BTreeMap::new(),
        );
        c.set_guild(
            9,
            "Guild",
            vec![
                (1, "annonces".into()),
                (2, "général".into()),
                (3, "spam".into()),
                (5, "staff".into()),
                (6, "bureau".into()),
            ],
        );
        c.set_access(GuildAccess::new(
            9,
            100,
            [
                (9, VIEW_CHANNEL),
                (STAFF_ROLE, 0),
                (ADMIN_ROLE, ADMINISTRATOR),
            ],
            [
                (1, Vec::new()),
                (2, Vec::new()),
                (3, Vec::new()),
                (5, hidden()),
                (6, hidden()),
            ],
        ));
        c
    }

    fn ids(channels: Vec<Channel>) -> Vec<u64> {
        channels.iter().map(|c| c.id).collect()
    }

    #[test]
    fn the_games_channels_are_never_captured_even_when_opted_in_or_public() {
        let c = channels();
        assert!(c.is_watched(6) && c.is_watched(1));
        // 6 is named by include_private, 1 is public: the game's all the same.
        c.set_game_channels([6, 1]);
        assert!(
            !c.is_watched(6),
            "include_private must not reach a game channel"
        );
        assert!(!c.is_watched(1));
        assert_eq!(ids(c.watched(Audience::Mail)), vec![2]);
        c.set_game_channels([]);
        assert!(c.is_watched(6));
    }

    #[test]
    fn private_channels_are_captured_only_when_opted_in_and_shown_to_who_can_read_them() {
        let c = channels();
        assert!(!c.is_watched(5), "private, not opted in: never stored");
        assert!(c.is_watched(6), "private, opted in by include_private");
        assert_eq!(ids(c.watched(Audience::Mail)), vec![1, 2, 6]);
        assert_eq!(ids(c.watched(Audience::Admin)), vec![1, 2, 5, 6]);
        let visitor = Audience::Member {
            user_id: 7,
            roles: &[],
        };
        assert_eq!(ids(c.watched(visitor)), vec![1, 2], "not the opted-in one");
        let staff = Audience::Member {
            user_id: 7,
            roles: &[STAFF_ROLE],
        };
        assert_eq!(ids(c.watched(staff)), vec![1, 2, 5, 6]);
        assert!(c.is_administrator(7, &[ADMIN_ROLE]));
        assert!(c.is_administrator(100, &[]), "the owner");
        assert!(!c.is_administrator(7, &[STAFF_ROLE]));

        // #général made private: no longer captured, nor mailed.
        assert_eq!(c.set_overwrites(2, hidden()), (true, false));
        assert!(!c.is_watched(2));
        assert_eq!(ids(c.watched(Audience::Mail)), vec![1, 6]);
        assert_eq!(ids(c.watched(staff)), vec![1, 2, 5, 6]);
        // @everyone loses VIEW_CHANNEL guild-wide: only the opted-in one.
        c.set_role(9, Some(0));
        assert!(!c.is_watched(1) && c.is_watched(6));
        c.set_role(9, Some(VIEW_CHANNEL));
        assert!(c.is_watched(1));
    }

    #[test]
    fn nothing_is_captured_or_shown_to_members_before_the_permissions_are_known() {
        let c = Channels::new(
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Directory {
                guild_id: 9,
                guild_name: "Guild".into(),
                channels: vec![(1, "général".into())],
            },
            BTreeMap::new(),
        );
        assert!(!c.is_watched(1));
        let visitor = Audience::Member {
            user_id: 7,
            roles: &[],
        };
        assert!(c.watched(visitor).is_empty());
        // The CLI, without Discord: what was stored.
        assert_eq!(ids(c.watched(Audience::Mail)), vec![1]);
    }

    #[test]
    fn config_lists_decide_until_an_admin_overrides() {
        let c = channels();
        assert!(c.is_watched(1) && c.is_watched(2));
        assert!(!c.is_watched(3), "excluded by config");
        assert!(!c.is_watched(99), "unknown channels are not captured");
        let w = c.watched(Audience::Admin);
        assert_eq!(w.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2, 5, 6]);
        assert!(w[0].important && !w[1].important);

        let saved = c.set_override(2, Override::Excluded);
        assert_eq!(saved.get(&2), Some(&Override::Excluded));
        assert!(!c.is_watched(2));
        c.set_override(3, Override::Included);
        assert!(c.is_watched(3));
        let listed = c.listing(Audience::Admin);
        assert_eq!(listed[1].standing, Standing::ExcludedByCommand);
        assert!(listed[2].included_by_command);

        // Back to what the config says: the override is forgotten.
        let saved = c.set_override(2, Override::Included);
        assert!(!saved.contains_key(&2));
        assert!(c.is_watched(2));
    }

    #[test]
    fn a_member_is_listed_only_the_channels_they_can_open() {
        let c = channels();
        let names = |audience| -> Vec<(u64, Standing)> {
            c.listing(audience)
                .into_iter()
                .map(|l| (l.id, l.standing))
                .collect()
        };
        let visitor = Audience::Member {
            user_id: 7,
            roles: &[],
        };
        assert_eq!(
            names(visitor),
            vec![
                (1, Standing::Important),
                (2, Standing::Watched),
                (3, Standing::ExcludedByConfig)
            ],
            "#staff and #bureau are not even named"
        );
        let staff = Audience::Member {
            user_id: 7,
            roles: &[STAFF_ROLE],
        };
        let listed = names(staff);
        assert!(listed.contains(&(5, Standing::Private)), "{listed:?}");
        assert!(
            listed.contains(&(6, Standing::Watched)),
            "opted in: {listed:?}"
        );
        assert_eq!(names(Audience::Admin).len(), 5);
    }

    #[test]
    fn directory_changes_are_reported_once() {
        let c = channels();
        assert!(c.upsert(2, "général").is_none());
        assert!(c.upsert(2, "general").is_some());
        assert!(c.upsert(4, "new").is_some());
        assert!(!c.is_watched(4), "its permissions are not known yet");
        assert_eq!(c.set_overwrites(4, Vec::new()), (false, true));
        assert!(c.is_watched(4));
        assert!(c.remove(4).is_some());
        assert!(c.remove(4).is_none());
        assert!(!c.is_watched(4));
    }
}
