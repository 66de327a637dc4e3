//! Boudoirs: private group channels players make themselves (GAME.md §4).
//!
//! The engine keeps who is in which boudoir and who manages it (the
//! gérant); the shell creates the Discord channel, then attaches its id
//! ([`Game::attach_boudoir_channel`]), and applies each decision as a
//! permission overwrite. Rules kept from lg-rez: no duplicate members, the
//! gérant cannot leave (transfer first), an empty boudoir only accepts a
//! new gérant, a deleted boudoir is emptied and archived (never erased).

use crate::time::Timestamp;

use super::model::{Boudoir, BoudoirId, Member, PlayerId};
use super::{Decision, Game, GameError};

/// Discord's limit for our channel names, with room for the archive mark.
pub const BOUDOIR_NAME_MAX: usize = 32;

fn check_name(name: &str) -> Result<String, GameError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > BOUDOIR_NAME_MAX {
        return Err(GameError::BadName {
            max: BOUDOIR_NAME_MAX,
        });
    }
    Ok(name.to_owned())
}

impl Game<'_> {
    fn live_boudoir(&mut self, id: BoudoirId) -> Result<&mut Boudoir, GameError> {
        let b = self
            .season
            .boudoirs
            .get_mut(id.0 as usize)
            .ok_or(GameError::UnknownBoudoir(id))?;
        if b.archived {
            return Err(GameError::BoudoirArchived);
        }
        Ok(b)
    }

    /// The boudoir, checked that `by` manages it.
    fn managed(&mut self, by: PlayerId, id: BoudoirId) -> Result<&mut Boudoir, GameError> {
        let b = self.live_boudoir(id)?;
        if b.gerant() != Some(by) {
            return Err(GameError::NotGerant);
        }
        Ok(b)
    }

    /// `!boudoir create`: a living creator, who becomes gérant.
    pub fn create_boudoir(
        &mut self,
        creator: PlayerId,
        name: &str,
        now: Timestamp,
    ) -> Result<(BoudoirId, Vec<Decision>), GameError> {
        self.living(creator)?;
        let name = check_name(name)?;
        let id = BoudoirId(u32::try_from(self.season.boudoirs.len()).unwrap_or(u32::MAX));
        self.season.boudoirs.push(Boudoir {
            id,
            name,
            created: now,
            channel: None,
            archived: false,
            members: vec![Member {
                player: creator,
                gerant: true,
                joined: now,
            }],
        });
        Ok((
            id,
            vec![
                Decision::BoudoirCreated { boudoir: id },
                Decision::BoudoirJoined {
                    boudoir: id,
                    player: creator,
                },
            ],
        ))
    }

    /// Records the Discord channel the shell created for a boudoir.
    pub fn attach_boudoir_channel(&mut self, id: BoudoirId, channel: u64) -> Result<(), GameError> {
        let b = self
            .season
            .boudoirs
            .get_mut(id.0 as usize)
            .ok_or(GameError::UnknownBoudoir(id))?;
        b.channel = Some(channel);
        Ok(())
    }

    /// Adds a living player (an MJ's `!addhere`, or an accepted invite). In
    /// an empty boudoir the newcomer becomes gérant.
    pub fn add_to_boudoir(
        &mut self,
        id: BoudoirId,
        player: PlayerId,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        self.living(player)?;
        let b = self.live_boudoir(id)?;
        if b.has(player) {
            return Err(GameError::AlreadyMember(player));
        }
        let gerant = b.members.is_empty();
        b.members.push(Member {
            player,
            gerant,
            joined: now,
        });
        let mut out = vec![Decision::BoudoirJoined {
            boudoir: id,
            player,
        }];
        if gerant {
            out.push(Decision::BoudoirGerant {
                boudoir: id,
                player,
            });
        }
        Ok(out)
    }

    /// `!boudoir invite` by the gérant (the shell asks the invitee first).
    pub fn invite(
        &mut self,
        by: PlayerId,
        id: BoudoirId,
        invitee: PlayerId,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        self.managed(by, id)?;
        self.add_to_boudoir(id, invitee, now)
    }

    /// `!boudoir expulse` by the gérant.
    pub fn expulse(
        &mut self,
        by: PlayerId,
        id: BoudoirId,
        player: PlayerId,
    ) -> Result<Vec<Decision>, GameError> {
        let b = self.managed(by, id)?;
        if player == by {
            return Err(GameError::GerantCannotLeave);
        }
        if !b.has(player) {
            return Err(GameError::NotMember(player));
        }
        b.members.retain(|m| m.player != player);
        Ok(vec![Decision::BoudoirLeft {
            boudoir: id,
            player,
        }])
    }

    /// `!boudoir leave`; the gérant must transfer first.
    pub fn leave(&mut self, player: PlayerId, id: BoudoirId) -> Result<Vec<Decision>, GameError> {
        let b = self.live_boudoir(id)?;
        if !b.has(player) {
            return Err(GameError::NotMember(player));
        }
        if b.gerant() == Some(player) {
            return Err(GameError::GerantCannotLeave);
        }
        b.members.retain(|m| m.player != player);
        Ok(vec![Decision::BoudoirLeft {
            boudoir: id,
            player,
        }])
    }

    /// `!boudoir transfer` to a living member.
    pub fn transfer(
        &mut self,
        by: PlayerId,
        id: BoudoirId,
        to: PlayerId,
    ) -> Result<Vec<Decision>, GameError> {
        self.living(to)?;
        let b = self.managed(by, id)?;
        if !b.has(to) {
            return Err(GameError::NotMember(to));
        }
        for m in &mut b.members {
            m.gerant = m.player == to;
        }
        Ok(vec![Decision::BoudoirGerant {
            boudoir: id,
            player: to,
        }])
    }

    /// `!boudoir rename` by the gérant.
    pub fn rename(
        &mut self,
        by: PlayerId,
        id: BoudoirId,
        name: &str,
    ) -> Result<Vec<Decision>, GameError> {
        let name = check_name(name)?;
        self.managed(by, id)?.name = name;
        Ok(vec![Decision::BoudoirRenamed { boudoir: id }])
    }

    /// `!boudoir delete` by the gérant: emptied and archived.
    pub fn delete_boudoir(
        &mut self,
        by: PlayerId,
        id: BoudoirId,
    ) -> Result<Vec<Decision>, GameError> {
        let b = self.managed(by, id)?;
        b.members.clear();
        b.archived = true;
        Ok(vec![Decision::BoudoirArchived { boudoir: id }])
    }

    /// `!mp B` by A: the boudoir of exactly A and B ("A × B"), reused if it
    /// exists, else created with A as gérant.
    pub fn mp(
        &mut self,
        a: PlayerId,
        b: PlayerId,
        now: Timestamp,
    ) -> Result<(BoudoirId, Vec<Decision>), GameError> {
        let name_a = self.living(a)?.name.clone();
        let name_b = self.living(b)?.name.clone();
        if a == b {
            return Err(GameError::AlreadyMember(a));
        }
        let existing = self
            .season
            .boudoirs
            .iter()
            .find(|x| !x.archived && x.members.len() == 2 && x.has(a) && x.has(b));
        if let Some(x) = existing {
            return Ok((x.id, Vec::new()));
        }
        let name: String = format!("{name_a} × {name_b}")
            .chars()
            .take(BOUDOIR_NAME_MAX)
            .collect();
        let (id, mut out) = self.create_boudoir(a, &name, now)?;
        out.extend(self.add_to_boudoir(id, b, now)?);
        Ok((id, out))
    }

    /// A death's consequences on boudoirs: fewer than two living members
    /// → archived; a dead gérant's role passes to the longest-standing
    /// living member.
    pub(super) fn boudoirs_after_death(&mut self, dead: PlayerId) -> Vec<Decision> {
        let alive =
            |p: PlayerId, s: &super::Season| s.player(p).is_some_and(|p| p.statut.is_alive());
        let mut out = Vec::new();
        for i in 0..self.season.boudoirs.len() {
            let b = &self.season.boudoirs[i];
            if b.archived || !b.has(dead) {
                continue;
            }
            let mut living: Vec<&Member> = b
                .members
                .iter()
                .filter(|m| alive(m.player, self.season))
                .collect();
            let id = b.id;
            if living.len() < 2 {
                self.season.boudoirs[i].archived = true;
                out.push(Decision::BoudoirArchived { boudoir: id });
                continue;
            }
            if b.gerant() == Some(dead) {
                living.sort_by_key(|m| m.joined);
                let heir = living[0].player;
                for m in &mut self.season.boudoirs[i].members {
                    m.gerant = m.player == heir;
                }
                out.push(Decision::BoudoirGerant {
                    boudoir: id,
                    player: heir,
                });
            }
        }
        out
    }
}
