//! Who is in the watched voice channel, and whether they may wake the server.
//!
//! Pure bookkeeping fed by the gateway: [`VoicePresence::reset`] from a
//! guild's full list of voice states (at every `GUILD_CREATE`, so a new
//! session after a failed resume starts from the truth, not from events that
//! were lost), [`VoicePresence::update`] from each voice-state update. It
//! remembers only the members of the one channel, so memory does not grow
//! with the guild.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::power::machine::{Event, Requester};

/// Who counts as an authorized player. Clones share one list, so that a
/// configuration reload ([`Authorization::replace`]) reaches the voice
/// presence and the commands at once.
#[derive(Clone, Debug, Default)]
pub struct Authorization {
    inner: Arc<RwLock<(Vec<u64>, Vec<u64>)>>,
}

impl Authorization {
    /// `users` and members holding any of `roles` are authorized; the admin
    /// is always one of `users` (the caller adds them).
    pub fn new(users: impl IntoIterator<Item = u64>, roles: impl IntoIterator<Item = u64>) -> Self {
        Authorization {
            inner: Arc::new(RwLock::new((
                users.into_iter().collect(),
                roles.into_iter().collect(),
            ))),
        }
    }

    pub fn allows(&self, user: u64, roles: &[u64]) -> bool {
        let lists = self.inner.read().unwrap_or_else(|p| p.into_inner());
        lists.0.contains(&user) || roles.iter().any(|r| lists.1.contains(r))
    }

    /// Takes the lists of `other`, for every clone of `self`.
    pub fn replace(&self, other: &Authorization) {
        let new = other
            .inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = new;
    }
}

/// A member seen in a voice state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceMember<'a> {
    pub user_id: u64,
    /// The channel they are in now, `None` when they left voice.
    pub channel_id: Option<u64>,
    pub name: &'a str,
    pub roles: &'a [u64],
}

#[derive(Clone, Debug)]
struct Occupant {
    name: String,
    authorized: bool,
}

/// The occupants of the watched channel.
#[derive(Clone, Debug, Default)]
pub struct VoicePresence {
    occupants: HashMap<u64, Occupant>,
}

impl VoicePresence {
    /// Forgets everything and takes `members` (of channel `channel`) as the
    /// truth. Always returns the resulting presence, so the power machine
    /// learns it even if nothing changed.
    pub fn reset<'a>(
        &mut self,
        channel: u64,
        members: impl IntoIterator<Item = VoiceMember<'a>>,
        auth: &Authorization,
    ) -> Event {
        self.occupants.clear();
        for m in members {
            if m.channel_id == Some(channel) {
                self.occupants.insert(
                    m.user_id,
                    Occupant {
                        name: m.name.to_owned(),
                        authorized: auth.allows(m.user_id, m.roles),
                    },
                );
            }
        }
        Event::Presence {
            count: self.authorized_count(),
            newcomer: None,
        }
    }

    /// Applies one voice-state update. Returns the new presence when the
    /// set of authorized occupants changed, naming the one who joined.
    pub fn update(
        &mut self,
        channel: u64,
        member: VoiceMember<'_>,
        auth: &Authorization,
    ) -> Option<Event> {
        let authorized = auth.allows(member.user_id, member.roles);
        if member.channel_id == Some(channel) {
            let previous = self.occupants.insert(
                member.user_id,
                Occupant {
                    name: member.name.to_owned(),
                    authorized,
                },
            );
            // Mute/unmute updates and moves within the channel change nothing.
            let was_authorized = previous.is_some_and(|o| o.authorized);
            (authorized && !was_authorized).then(|| Event::Presence {
                count: self.authorized_count(),
                newcomer: Some(Requester {
                    id: member.user_id,
                    name: member.name.to_owned(),
                }),
            })
        } else {
            let left = self.occupants.remove(&member.user_id)?;
            left.authorized.then(|| Event::Presence {
                count: self.authorized_count(),
                newcomer: None,
            })
        }
    }

    pub fn authorized_count(&self) -> u32 {
        let n = self.occupants.values().filter(|o| o.authorized).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Names of the authorized occupants, for status displays.
    pub fn authorized_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .occupants
            .values()
            .filter(|o| o.authorized)
            .map(|o| o.name.clone())
            .collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOICE: u64 = 10;
    const OTHER: u64 = 11;

    fn auth() -> Authorization {
        Authorization::new([1], [100])
    }

    fn m(user_id: u64, channel_id: Option<u64>, roles: &[u64]) -> VoiceMember<'_> {
        VoiceMember {
            user_id,
            channel_id,
            name: "someone",
            roles,
        }
    }

    fn count(e: &Event) -> u32 {
        match e {
            Event::Presence { count, .. } => *count,
            _ => unreachable!(),
        }
    }

    #[test]
    fn authorization_by_user_or_role() {
        let a = auth();
        assert!(a.allows(1, &[]));
        assert!(a.allows(2, &[5, 100]));
        assert!(!a.allows(2, &[5]));
    }

    #[test]
    fn reset_counts_only_authorized_members_of_the_channel() {
        let mut p = VoicePresence::default();
        let e = p.reset(
            VOICE,
            [
                m(1, Some(VOICE), &[]),
                m(2, Some(VOICE), &[]),
                m(3, Some(OTHER), &[100]),
            ],
            &auth(),
        );
        assert_eq!(count(&e), 1);
    }

    #[test]
    fn joins_and_leaves_of_authorized_players_are_reported() {
        let mut p = VoicePresence::default();
        p.reset(VOICE, [], &auth());
        let e = p.update(VOICE, m(1, Some(VOICE), &[]), &auth()).unwrap();
        assert!(matches!(e, Event::Presence { count: 1, newcomer: Some(ref r) } if r.id == 1));
        // Unmuting is another update for the same channel: nothing to report.
        assert!(p.update(VOICE, m(1, Some(VOICE), &[]), &auth()).is_none());
        let e = p.update(VOICE, m(1, None, &[]), &auth()).unwrap();
        assert_eq!(
            e,
            Event::Presence {
                count: 0,
                newcomer: None
            }
        );
    }

    #[test]
    fn unauthorized_members_change_nothing() {
        let mut p = VoicePresence::default();
        p.reset(VOICE, [], &auth());
        assert!(p.update(VOICE, m(2, Some(VOICE), &[]), &auth()).is_none());
        assert!(p.update(VOICE, m(2, None, &[]), &auth()).is_none());
        assert_eq!(p.authorized_count(), 0);
    }

    #[test]
    fn moving_to_another_channel_is_leaving() {
        let mut p = VoicePresence::default();
        p.reset(VOICE, [m(1, Some(VOICE), &[])], &auth());
        let e = p.update(VOICE, m(1, Some(OTHER), &[]), &auth()).unwrap();
        assert_eq!(count(&e), 0);
    }

    #[test]
    fn reset_forgets_members_whose_leave_was_missed() {
        let mut p = VoicePresence::default();
        p.update(VOICE, m(1, Some(VOICE), &[]), &auth());
        let e = p.reset(VOICE, [], &auth());
        assert_eq!(count(&e), 0);
    }
}
