//! The season's life: registration, the MJs' edits of a player (which
//! replace lg-rez's spreadsheet `!sync`), death and revival with their
//! consequences, launch (`!cparti`) and end (`!cfini`).

use crate::time::Timestamp;

use super::catalogue::{Opening, NONATTR};
use super::model::{ActionSource, Phase, Player, PlayerId, Statut, VoteKind};
use super::{Decision, Game, GameError, Task, Trigger};

/// An MJ's edit of a player's flags; `None` keeps the current value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub votant_village: Option<bool>,
    pub votant_loups: Option<bool>,
    pub role_actif: Option<bool>,
}

impl Game<'_> {
    /// Registers a player with lg-rez's defaults: role and camp `nonattr`,
    /// village vote on, wolves' vote off, powers off.
    pub fn register(
        &mut self,
        id: PlayerId,
        name: &str,
        chambre: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        if matches!(self.season.phase, Phase::Ended { .. }) {
            return Err(GameError::WrongPhase);
        }
        if self.season.players.contains_key(&id) {
            return Err(GameError::AlreadyRegistered(id));
        }
        self.season.players.insert(
            id,
            Player {
                id,
                name: name.trim().to_owned(),
                chambre: chambre
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
                statut: Statut::Vivant,
                role: NONATTR.to_owned(),
                camp: NONATTR.to_owned(),
                votant_village: true,
                votant_loups: false,
                role_actif: false,
                registered: now,
            },
        );
        Ok(vec![Decision::PlayerRegistered { player: id }])
    }

    /// A new role: the old role's actions are archived, the new one's
    /// created with their base charges (and, during the season, armed).
    pub fn set_role(
        &mut self,
        player: PlayerId,
        role: &str,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        if !self.catalogue.has_role(role) {
            return Err(GameError::UnknownRole(role.to_owned()));
        }
        self.player_mut(player)?.role = role.to_owned();
        let mut out = Vec::new();
        for a in self.season.actions.iter_mut() {
            if a.player == player && a.active && a.base().is_some() {
                a.active = false;
                out.push(Decision::ActionArchived {
                    player,
                    action: a.id,
                });
            }
        }
        let slugs = self
            .catalogue
            .roles
            .get(role)
            .map(|r| r.actions.clone())
            .unwrap_or_default();
        let running = matches!(self.season.phase, Phase::Running { .. });
        for slug in slugs {
            let id = self.add_action(player, ActionSource::Base(slug.clone()));
            out.push(Decision::ActionCreated { player, action: id });
            if !running {
                continue;
            }
            match self.catalogue.actions.get(&slug).map(|b| b.opening) {
                Some(Opening::Temporel(t)) => out.push(Decision::Schedule {
                    at: self.schedule.next_open(now, t),
                    task: Task::OpenAction { action: id },
                }),
                Some(Opening::Perma) => out.extend(self.open_action(id, now)?),
                _ => {}
            }
        }
        out.push(Decision::PlayerChanged { player });
        Ok(out)
    }

    pub fn set_camp(&mut self, player: PlayerId, camp: &str) -> Result<Vec<Decision>, GameError> {
        if !self.catalogue.has_camp(camp) {
            return Err(GameError::UnknownCamp(camp.to_owned()));
        }
        self.player_mut(player)?.camp = camp.to_owned();
        Ok(vec![Decision::PlayerChanged { player }])
    }

    pub fn set_flags(
        &mut self,
        player: PlayerId,
        flags: Flags,
    ) -> Result<Vec<Decision>, GameError> {
        let p = self.player_mut(player)?;
        p.votant_village = flags.votant_village.unwrap_or(p.votant_village);
        p.votant_loups = flags.votant_loups.unwrap_or(p.votant_loups);
        p.role_actif = flags.role_actif.unwrap_or(p.role_actif);
        Ok(vec![Decision::PlayerChanged { player }])
    }

    /// Sets a statut with its consequences. A death (the MJ's decision,
    /// never the engine's): Discord roles swapped, `enfer` opened, both
    /// vote flags cleared, the player's `mort` actions opened, boudoirs
    /// archived or handed over. A revival swaps the roles back. `MV`
    /// counts as alive, so it keeps the alive role.
    pub fn set_statut(
        &mut self,
        player: PlayerId,
        statut: Statut,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let p = self.player_mut(player)?;
        let was_alive = p.statut.is_alive();
        p.statut = statut;
        let mut out = Vec::new();
        match (was_alive, statut.is_alive()) {
            (true, false) => {
                p.votant_village = false;
                p.votant_loups = false;
                out.push(Decision::LifeRole {
                    player,
                    alive: false,
                });
                out.push(Decision::Enfer {
                    player,
                    access: true,
                });
                out.extend(self.fire_for(Trigger::Mort, Some(player), now));
                out.extend(self.boudoirs_after_death(player));
            }
            (false, true) => {
                out.push(Decision::LifeRole {
                    player,
                    alive: true,
                });
                out.push(Decision::Enfer {
                    player,
                    access: false,
                });
            }
            _ => {}
        }
        out.push(Decision::PlayerChanged { player });
        Ok(out)
    }

    /// `/joueur <player> maire oui|non`: the MJs hand the mayor's sash
    /// over (GAME.md §5: a dead mayor's is theirs to move). There is one
    /// mayor: a new one takes it from the former.
    pub fn set_maire(&mut self, player: PlayerId, on: bool) -> Result<Vec<Decision>, GameError> {
        self.player(player)?;
        Ok(self.make_maire(player, on))
    }

    /// Sets (or clears) the mayor, with the Discord role's moves.
    pub(super) fn make_maire(&mut self, player: PlayerId, on: bool) -> Vec<Decision> {
        let mut out = Vec::new();
        match (self.season.maire, on) {
            (Some(old), true) if old != player => out.push(Decision::Maire {
                player: old,
                on: false,
            }),
            (Some(old), false) if old == player => self.season.maire = None,
            _ => {}
        }
        if on {
            self.season.maire = Some(player);
        }
        // Given or taken even when the season already agreed: the Discord
        // role may have drifted (an MJ's hand edit), and the move is idempotent.
        out.push(Decision::Maire { player, on });
        out
    }

    /// The MJ's confirmation of a death (the same as setting `mort`).
    pub fn kill(&mut self, player: PlayerId, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        self.set_statut(player, Statut::Mort, now)
    }

    /// `!cparti`: everyone gets the three vote actions; the pyre and
    /// wolves' votes are scheduled chained daily, one mayor election,
    /// `start`/`perma` actions and the hype message in the evening, each
    /// `temporel` action at its next `heure_debut`.
    pub fn launch(&mut self, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        if self.season.phase != Phase::Registration {
            return Err(GameError::WrongPhase);
        }
        self.season.phase = Phase::Running { since: now };
        let players: Vec<PlayerId> = self.season.players.keys().copied().collect();
        for p in players {
            for kind in VoteKind::ALL {
                if self.season.vote_action(p, kind).is_none() {
                    self.add_action(p, ActionSource::Vote(kind));
                }
            }
        }
        let s = self.schedule;
        let vote = |kind: VoteKind, chained: bool| {
            let w = s.window(kind);
            Decision::Schedule {
                at: s.next_open(now, w.open),
                task: Task::OpenVote {
                    kind,
                    close: Some(w.close),
                    chain: chained.then_some(w.open),
                },
            }
        };
        let mut out = vec![
            Decision::SeasonLaunched,
            vote(VoteKind::Cond, true),
            vote(VoteKind::Loups, true),
            vote(VoteKind::Maire, false),
            Decision::Schedule {
                at: s.next_open(now, s.hype),
                task: Task::Hype,
            },
        ];
        for trigger in [Trigger::Start, Trigger::Perma] {
            out.push(Decision::Schedule {
                at: s.next_open(now, s.actions_start),
                task: Task::Fire { trigger },
            });
        }
        for a in &self.season.actions {
            let opening = a
                .base()
                .and_then(|b| self.catalogue.actions.get(b))
                .map(|b| b.opening);
            if let (true, Some(Opening::Temporel(t))) = (a.active, opening) {
                out.push(Decision::Schedule {
                    at: s.next_open(now, t),
                    task: Task::OpenAction { action: a.id },
                });
            }
        }
        Ok(out)
    }

    /// `!cfini`: the season is over; every pending game task is dropped.
    pub fn end(&mut self, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        if !matches!(self.season.phase, Phase::Running { .. }) {
            return Err(GameError::WrongPhase);
        }
        self.season.phase = Phase::Ended { at: now };
        Ok(vec![Decision::DropAllTasks, Decision::SeasonEnded])
    }
}
