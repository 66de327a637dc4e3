//! Links between Minecraft names and Discord members: how a player who is
//! not in `allowed_players` may still wake the server from the game, by
//! being a member Discord authorizes (as for a voice join).
//!
//! A member asks for a link in Discord (`/link <name>`); it stays pending
//! for [`PENDING_FOR`], until the player logs in at the front door with
//! that name, which confirms it (the game account agrees to the link).
//! One name is linked to one member and one member to one name: a new
//! request replaces the member's previous link, and a name someone else
//! holds (confirmed, or pending and not expired) is refused. Names are
//! compared lowercased, as Minecraft does.
//!
//! [`Links`] holds the rules (pure, time as an input); [`LinkBook`] keeps
//! them in memory and in the store, shared by the Discord commands that
//! ask and the front door that confirms and reads. [`Members`] is how the
//! front door asks the Discord side whether a linked member is
//! authorized, without depending on it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::peers::minecraft::is_player_name;
use crate::store::Store;
use crate::time::{Clock, Timestamp};

/// The store record.
const RECORD: &str = "front_door_links";

/// How long a requested link waits for the player's login: enough to
/// start the game and connect, short enough that a name claimed by
/// mistake (or by someone else) does not stay blocked.
pub const PENDING_FOR: Duration = Duration::from_secs(10 * 60);

/// One name linked (or asked to be) to one member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The name as the member typed it.
    pub name: String,
    /// The Discord member's user id.
    pub member: u64,
    /// Their display name when they asked, for the player's confirmation.
    pub member_name: String,
    /// `Some` while it waits for the player's login; `None` once confirmed.
    pub pending_until: Option<Timestamp>,
}

impl Link {
    /// Whether it still holds its name: confirmed, or pending in time.
    fn holds(&self, now: Timestamp) -> bool {
        self.pending_until.is_none_or(|until| now < until)
    }
}

/// What a link request did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requested {
    /// Pending until this moment.
    Pending(Timestamp),
    /// This member already has this very name, confirmed: nothing changed.
    Already,
}

/// Why a link request is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    #[error("{0:?} is not a Minecraft player name")]
    InvalidName(String),
    #[error("{0:?} is linked to another member")]
    Taken(String),
}

/// Every link, by lowercased name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    by_name: BTreeMap<String, Link>,
}

impl Links {
    /// `member` (shown as `member_name`) asks for `name`.
    pub fn request(
        &mut self,
        member: u64,
        member_name: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<Requested, LinkRefused> {
        if !is_player_name(name) {
            return Err(LinkRefused::InvalidName(name.to_owned()));
        }
        let key = name.to_ascii_lowercase();
        if let Some(existing) = self.by_name.get(&key) {
            if existing.member != member && existing.holds(now) {
                return Err(LinkRefused::Taken(name.to_owned()));
            }
            if existing.member == member && existing.pending_until.is_none() {
                return Ok(Requested::Already);
            }
        }
        // The member's previous link goes, and expired requests with it.
        self.by_name
            .retain(|_, link| link.member != member && link.holds(now));
        let until = now.after(PENDING_FOR);
        self.by_name.insert(
            key,
            Link {
                name: name.to_owned(),
                member,
                member_name: member_name.to_owned(),
                pending_until: Some(until),
            },
        );
        Ok(Requested::Pending(until))
    }

    /// Whether a login as `name` now would confirm a link.
    pub fn is_pending(&self, name: &str, now: Timestamp) -> bool {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .is_some_and(|link| link.pending_until.is_some() && link.holds(now))
    }

    /// Confirms the pending link of `name`, if one is in time.
    pub fn confirm(&mut self, name: &str, now: Timestamp) -> Option<Link> {
        let link = self.by_name.get_mut(&name.to_ascii_lowercase())?;
        match link.pending_until {
            Some(until) if now < until => {
                link.pending_until = None;
                Some(link.clone())
            }
            _ => None,
        }
    }

    /// The confirmed link of `name`.
    pub fn linked(&self, name: &str) -> Option<&Link> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .filter(|link| link.pending_until.is_none())
    }

    /// Removes `member`'s link, pending or confirmed.
    pub fn unlink(&mut self, member: u64) -> Option<Link> {
        let key = self
            .by_name
            .iter()
            .find(|(_, link)| link.member == member)
            .map(|(key, _)| key.clone())?;
        self.by_name.remove(&key)
    }
}

/// Whether Discord lets a member wake the server, asked by the front door
/// of the Discord side (which knows the authorized users and roles, and
/// fetches the member's roles). Implemented in [`crate::discord`].
#[async_trait::async_trait]
pub trait Members: Send + Sync {
    /// Whether `member` is authorized now; `None` when Discord could not
    /// tell within its deadline.
    async fn authorized(&self, member: u64) -> Option<bool>;
}

/// The links, in memory and in the store. The async lock is held across
/// the write, so the store always ends with the latest links.
pub struct LinkBook {
    links: tokio::sync::Mutex<Links>,
    store: Arc<Store>,
    clock: Clock,
}

impl LinkBook {
    /// The links the store holds (none if it holds nothing readable: the
    /// members then link again).
    pub async fn load(store: Arc<Store>, clock: Clock) -> LinkBook {
        let loader = Arc::clone(&store);
        let links = match tokio::task::spawn_blocking(move || loader.load::<Links>(RECORD)).await {
            Ok(Ok(links)) => links.unwrap_or_default(),
            Ok(Err(e)) => {
                log::warn!("front door: the stored links are unreadable, starting without: {e:#}");
                Links::default()
            }
            Err(e) => {
                log::warn!("front door: loading the links failed: {e}");
                Links::default()
            }
        };
        LinkBook {
            links: tokio::sync::Mutex::new(links),
            store,
            clock,
        }
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// [`Links::request`], saved.
    pub async fn request(
        &self,
        member: u64,
        member_name: &str,
        name: &str,
    ) -> Result<Requested, LinkRefused> {
        let mut links = self.links.lock().await;
        let requested = links.request(member, member_name, name, self.clock.now())?;
        if let Requested::Pending(_) = requested {
            self.save(&links).await;
        }
        Ok(requested)
    }

    /// [`Links::unlink`], saved.
    pub async fn unlink(&self, member: u64) -> Option<Link> {
        let mut links = self.links.lock().await;
        let removed = links.unlink(member)?;
        self.save(&links).await;
        Some(removed)
    }

    /// [`Links::confirm`], saved.
    pub async fn confirm(&self, name: &str) -> Option<Link> {
        let mut links = self.links.lock().await;
        let confirmed = links.confirm(name, self.clock.now())?;
        self.save(&links).await;
        Some(confirmed)
    }

    pub async fn is_pending(&self, name: &str) -> bool {
        self.links.lock().await.is_pending(name, self.clock.now())
    }

    pub async fn linked(&self, name: &str) -> Option<Link> {
        self.links.lock().await.linked(name).cloned()
    }

    /// Writes `links`; a failure is logged and the links stay in memory
    /// (the next change writes them all again).
    async fn save(&self, links: &Links) {
        let store = Arc::clone(&self.store);
        let record = links.clone();
        match tokio::task::spawn_blocking(move || store.save(RECORD, &record)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::warn!("front door: cannot save the links: {e:#}"),
            Err(e) => log::warn!("front door: saving the links failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_000_000);

    fn pending(links: &mut Links, member: u64, name: &str, now: Timestamp) {
        let requested = links.request(member, "someone", name, now).unwrap();
        assert_eq!(requested, Requested::Pending(now.after(PENDING_FOR)));
    }

    #[test]
    fn a_request_waits_for_the_players_login_and_is_confirmed_by_it() {
        let mut links = Links::default();
        pending(&mut links, 1, "Steve", T0);
        assert!(links.is_pending("steve", T0));
        assert_eq!(links.linked("Steve"), None, "not before the login");
        let link = links.confirm("STEVE", T0.after(Duration::from_secs(60)));
        assert_eq!(link.map(|l| l.member), Some(1));
        assert_eq!(links.linked("steve").map(|l| l.member), Some(1));
        assert!(!links.is_pending("steve", T0));
        assert_eq!(links.confirm("Steve", T0), None, "confirmed once");
    }

    #[test]
    fn an_expired_request_is_not_confirmed_and_frees_the_name() {
        let mut links = Links::default();
        pending(&mut links, 1, "Steve", T0);
        let late = T0.after(PENDING_FOR);
        assert!(!links.is_pending("Steve", late));
        assert_eq!(links.confirm("Steve", late), None);
        assert_eq!(links.linked("Steve"), None);
        // Someone else may ask for it now.
        pending(&mut links, 2, "Steve", late);
    }

    #[test]
    fn a_name_someone_else_holds_is_refused() {
        let mut links = Links::default();
        pending(&mut links, 1, "Steve", T0);
        assert_eq!(
            links.request(2, "bob", "steve", T0),
            Err(LinkRefused::Taken("steve".into()))
        );
        links.confirm("Steve", T0);
        let much_later = T0.after(PENDING_FOR * 100);
        assert_eq!(
            links.request(2, "bob", "Steve", much_later),
            Err(LinkRefused::Taken("Steve".into())),
            "a confirmed link does not expire"
        );
    }

    #[test]
    fn a_new_request_replaces_the_members_previous_link() {
        let mut links = Links::default();
        pending(&mut links, 1, "Steve", T0);
        links.confirm("Steve", T0);
        assert_eq!(
            links.request(1, "alice", "Steve", T0),
            Ok(Requested::Already)
        );
        pending(&mut links, 1, "Alex", T0);
        assert_eq!(links.linked("Steve"), None, "replaced");
        assert!(links.is_pending("Alex", T0));
        // The old name is free for another member.
        pending(&mut links, 2, "Steve", T0);
    }

    #[test]
    fn invalid_names_are_refused_and_unlink_removes_either_kind() {
        let mut links = Links::default();
        assert!(matches!(
            links.request(1, "a", "not a name", T0),
            Err(LinkRefused::InvalidName(_))
        ));
        assert!(matches!(
            links.request(1, "a", "seventeen_letters", T0),
            Err(LinkRefused::InvalidName(_))
        ));
        assert_eq!(links.unlink(1), None);
        pending(&mut links, 1, "Steve", T0);
        assert_eq!(links.unlink(1).map(|l| l.name), Some("Steve".into()));
        assert!(!links.is_pending("Steve", T0));
        pending(&mut links, 1, "Steve", T0);
        links.confirm("Steve", T0);
        assert!(links.unlink(1).is_some());
        assert_eq!(links.linked("Steve"), None);
    }

    #[tokio::test]
    async fn links_survive_a_restart_in_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let book = LinkBook::load(Arc::clone(&store), Clock::new()).await;
        book.request(7, "alice", "Steve").await.unwrap();
        assert!(book.confirm("steve").await.is_some());
        drop(book);
        let book = LinkBook::load(store, Clock::new()).await;
        assert_eq!(book.linked("Steve").await.map(|l| l.member), Some(7));
    }
}
