//! Which of the guild's text channels the digest watches: the channels
//! Discord shows (names and order, from `GUILD_CREATE` and channel events),
//! the config's `excluded_channels` and `important_channels`, and the
//! admins' `/exclude` and `/include`, which win over the config.
//!
//! Capture asks [`Channels::is_watched`] for every message: an excluded
//! channel's messages are never stored, not merely left out of the mail.

use std::collections::BTreeMap;
use std::sync::Mutex;

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

#[derive(Default)]
struct Inner {
    /// The config's lists (replaced by a reload).
    excluded: Vec<ChannelRef>,
    important: Vec<ChannelRef>,
    directory: Directory,
    overrides: BTreeMap<u64, Override>,
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
        directory: Directory,
        overrides: BTreeMap<u64, Override>,
    ) -> Self {
        Channels {
            inner: Mutex::new(Inner {
                excluded,
                important,
                directory,
                overrides,
            }),
        }
    }

    /// A reloaded configuration's lists.
    pub fn set_rules(&self, excluded: Vec<ChannelRef>, important: Vec<ChannelRef>) {
        let mut inner = self.lock();
        inner.excluded = excluded;
        inner.important = important;
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

    /// Whether a message in `channel_id` is captured: a known text channel
    /// of the guild that is not excluded.
    pub fn is_watched(&self, channel_id: u64) -> bool {
        let inner = self.lock();
        Self::name_of(&inner.directory, channel_id).is_some()
            && Self::standing_in(&inner, channel_id).is_watched()
    }

    /// A known channel's name.
    pub fn name(&self, channel_id: u64) -> Option<String> {
        Self::name_of(&self.lock().directory, channel_id).map(str::to_owned)
    }

    /// The watched channels in the guild's order, for a digest.
    pub fn watched(&self) -> Vec<Channel> {
        let inner = self.lock();
        inner
            .directory
            .channels
            .iter()
            .filter_map(|(id, name)| {
                let standing = Self::standing_in(&inner, *id);
                standing.is_watched().then(|| Channel {
                    id: *id,
                    name: name.clone(),
                    important: standing == Standing::Important,
                })
            })
            .collect()
    }

    /// Every known channel and its standing, for `/listchannels`.
    pub fn listing(&self) -> Vec<Listed> {
        let inner = self.lock();
        inner
            .directory
            .channels
            .iter()
            .map(|(id, name)| Listed {
                id: *id,
                name: name.clone(),
                standing: Self::standing_in(&inner, *id),
                included_by_command: inner.overrides.get(id) == Some(&Override::Included)
                    && Self::excluded_by_config(&inner, *id),
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

    fn channels() -> Channels {
        let c = Channels::new(
            vec![ChannelRef::Name("spam".into())],
            vec![ChannelRef::Name("annonces".into())],
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
            ],
        );
        c
    }

    #[test]
    fn config_lists_decide_until_an_admin_overrides() {
        let c = channels();
        assert!(c.is_watched(1) && c.is_watched(2));
        assert!(!c.is_watched(3), "excluded by config");
        assert!(!c.is_watched(99), "unknown channels are not captured");
        let w = c.watched();
        assert_eq!(w.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
        assert!(w[0].important && !w[1].important);

        let saved = c.set_override(2, Override::Excluded);
        assert_eq!(saved.get(&2), Some(&Override::Excluded));
        assert!(!c.is_watched(2));
        c.set_override(3, Override::Included);
        assert!(c.is_watched(3));
        let listed = c.listing();
        assert_eq!(listed[1].standing, Standing::ExcludedByCommand);
        assert!(listed[2].included_by_command);

        // Back to what the config says: the override is forgotten.
        let saved = c.set_override(2, Override::Included);
        assert!(!saved.contains_key(&2));
        assert!(c.is_watched(2));
    }

    #[test]
    fn directory_changes_are_reported_once() {
        let c = channels();
        assert!(c.upsert(2, "général").is_none());
        assert!(c.upsert(2, "general").is_some());
        assert!(c.upsert(4, "new").is_some());
        assert!(c.is_watched(4));
        assert!(c.remove(4).is_some());
        assert!(c.remove(4).is_none());
        assert!(!c.is_watched(4));
    }
}
