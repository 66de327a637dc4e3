//! The action engine (GAME.md §5): opening a player's power, deciding its
//! targets, closing it, refills and triggers.
//!
//! An opening may be skipped (archived, cooldown, blocked role, no
//! charges: [`SkipReason`]); otherwise it opens a use and asks the
//! scheduler for what follows (the reminder and the close of a clock
//! window, the daily re-announcement of a `perma` use and its close at the
//! weekend pause). A close validates or ignores the use, spends a charge,
//! sets the cooldown and re-arms the next opening (`temporel`: the next
//! `heure_debut`; `perma`: the end of the pause).
//!
//! Port differences from lg-rez (GAME.md §6): cancelling a decision puts
//! the use back to `ouverte` (lg-rez marked it `ignoree`, closing the
//! window); `doit_changer` compares with the last *validated* use only.

use crate::time::Timestamp;

use super::catalogue::{BaseAction, Closing, Opening, Refill};
use super::model::{ActionId, Choice, Ciblage, Cible, PlayerId, Use, UtilState};
use super::{CibleType, Decision, Game, GameError, SkipReason, Task, Trigger};

impl Game<'_> {
    fn base_of(&self, id: ActionId) -> Option<&BaseAction> {
        let slug = self.season.action(id)?.base()?;
        self.catalogue.actions.get(slug)
    }

    /// The scheduling that re-opens a `temporel` action at its next
    /// `heure_debut` (after a skip or a close).
    fn rearm(&self, id: ActionId, now: Timestamp) -> Option<Decision> {
        match self.base_of(id)?.opening {
            Opening::Temporel(t) => Some(Decision::Schedule {
                at: self.schedule.next_open(now, t),
                task: Task::OpenAction { action: id },
            }),
            _ => None,
        }
    }

    /// Opens one action (a catalogue power; votes open with their vote).
    /// An already open use is reminded instead: a repeated task is harmless.
    pub fn open_action(
        &mut self,
        id: ActionId,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let action = self.season.action(id).ok_or(GameError::UnknownAction(id))?;
        let player = action.player;
        let Some(base) = self.base_of(id).cloned() else {
            return Ok(Vec::new());
        };
        let skip = |reason| Decision::ActionSkipped {
            player,
            action: id,
            reason,
        };
        if !action.active {
            return Ok(vec![skip(SkipReason::Archived)]);
        }
        let p = self.player(player)?;
        if !p.statut.is_alive() && base.opening != Opening::Mort {
            return Ok(vec![skip(SkipReason::Dead)]);
        }
        if action.open_use().is_some() {
            return Ok(vec![Decision::ActionReminded { player, action: id }]);
        }
        let role_actif = p.role_actif;
        if action.cooldown > 0 {
            let a = self.action_mut(id)?;
            a.cooldown -= 1;
            let left = a.cooldown;
            let mut out = vec![skip(SkipReason::Cooldown { left })];
            out.extend(self.rearm(id, now));
            return Ok(out);
        }
        if !role_actif {
            let mut out = vec![skip(SkipReason::RoleInactive)];
            out.extend(self.rearm(id, now));
            return Ok(out);
        }
        if action.charges == Some(0) {
            return Ok(vec![skip(SkipReason::NoCharges)]);
        }

        if base.opening == Opening::Auto || base.closing == Closing::Auto {
            self.action_mut(id)?.uses.push(Use {
                opened: now,
                closes_at: Some(now),
                state: UtilState::Remplie {
                    choice: Choice {
                        at: now,
                        ciblages: Vec::new(),
                    },
                },
            });
            let mut out = vec![Decision::AutoAction { player, action: id }];
            out.extend(self.close_action(id, None, now)?);
            return Ok(out);
        }

        let closes_at = match base.closing {
            Closing::Temporel(t) => Some(self.schedule.next(now, t)),
            Closing::Delta(d) => Some(now.after(d)),
            _ => None,
        };
        self.action_mut(id)?.uses.push(Use {
            opened: now,
            closes_at,
            state: UtilState::Ouverte,
        });
        let mut out = vec![Decision::ActionOpened {
            player,
            action: id,
            closes_at,
        }];
        if let Some(end) = closes_at {
            let remind = Timestamp(
                end.0
                    .saturating_sub(self.schedule.reminder.as_millis() as u64),
            );
            if remind > now {
                out.push(Decision::Schedule {
                    at: remind,
                    task: Task::RemindAction {
                        action: id,
                        opened: now,
                    },
                });
            }
            out.push(Decision::Schedule {
                at: end,
                task: Task::CloseAction {
                    action: id,
                    opened: now,
                },
            });
        }
        if base.opening == Opening::Perma || base.closing == Closing::Perma {
            out.push(Decision::Schedule {
                at: self.schedule.next_open(now, self.schedule.perma_repost),
                task: Task::RepostPerma {
                    action: id,
                    opened: now,
                },
            });
            if let Some(pause) = self.schedule.next_pause_start(now) {
                out.push(Decision::Schedule {
                    at: pause,
                    task: Task::CloseAction {
                        action: id,
                        opened: now,
                    },
                });
            }
        }
        Ok(out)
    }

    /// `!open action HH:MM`: opens every `temporel` action whose
    /// `heure_debut` is `time` (what lg-rez's scheduled `!open 19h` did).
    pub fn open_at(&mut self, time: super::ClockTime, now: Timestamp) -> Vec<Decision> {
        let ids: Vec<ActionId> = self
            .season
            .actions
            .iter()
            .filter(|a| a.active)
            .filter(|a| self.base_of(a.id).map(|b| b.opening) == Some(Opening::Temporel(time)))
            .map(|a| a.id)
            .collect();
        ids.into_iter()
            .flat_map(|id| self.open_action(id, now).unwrap_or_default())
            .collect()
    }

    /// `!close action HH:MM`: closes the open uses of every action whose
    /// `temporel` closing (`heure_fin`) is `time`, as its scheduled close
    /// would (a charge spent, the cooldown set, re-armed).
    pub fn close_at(&mut self, time: super::ClockTime, now: Timestamp) -> Vec<Decision> {
        self.at_closing(time)
            .into_iter()
            .flat_map(|id| self.close_action(id, None, now).unwrap_or_default())
            .collect()
    }

    /// `!remind action HH:MM`: reminds the open, undecided uses of every
    /// action whose `temporel` closing is `time`.
    pub fn remind_at(&self, time: super::ClockTime) -> Vec<Decision> {
        self.at_closing(time)
            .into_iter()
            .flat_map(|id| self.remind_action(id, None))
            .collect()
    }

    /// The active actions with an open use whose `heure_fin` is `time`.
    fn at_closing(&self, time: super::ClockTime) -> Vec<ActionId> {
        self.season
            .actions
            .iter()
            .filter(|a| a.active && a.open_use().is_some())
            .filter(|a| self.base_of(a.id).map(|b| b.closing) == Some(Closing::Temporel(time)))
            .map(|a| a.id)
            .collect()
    }

    /// Reminds the player of an open, undecided use (the one opened at
    /// `opened`, when given).
    pub fn remind_action(&self, id: ActionId, opened: Option<Timestamp>) -> Vec<Decision> {
        let Some(a) = self.season.action(id) else {
            return Vec::new();
        };
        match a.open_use() {
            Some(u) if opened.is_none_or(|o| o == u.opened) && u.state == UtilState::Ouverte => {
                vec![Decision::ActionReminded {
                    player: a.player,
                    action: id,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Re-announces an open `perma` use, decided or not.
    pub(super) fn repost(&self, id: ActionId, opened: Timestamp) -> Vec<Decision> {
        match self.season.action(id) {
            Some(a) if a.open_use().is_some_and(|u| u.opened == opened) => {
                vec![Decision::ActionReminded {
                    player: a.player,
                    action: id,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Closes the open use (only the one opened at `opened`, when given,
    /// so a stale task does nothing): validated if decided, ignored if not.
    pub fn close_action(
        &mut self,
        id: ActionId,
        opened: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let base = self.base_of(id).cloned();
        let action = self.action_mut(id)?;
        let player = action.player;
        let Some(u) = action.open_use_mut() else {
            return Ok(Vec::new());
        };
        if opened.is_some_and(|o| o != u.opened) {
            return Ok(Vec::new());
        }
        let decided = matches!(u.state, UtilState::Remplie { .. });
        u.state = match std::mem::replace(&mut u.state, UtilState::Ouverte) {
            UtilState::Remplie { choice } => UtilState::Validee {
                choice,
                closed: now,
            },
            _ => UtilState::Ignoree { closed: now },
        };
        let mut out = vec![Decision::ActionClosed {
            player,
            action: id,
            decided,
        }];
        let Some(base) = base else {
            return Ok(out);
        };
        if decided {
            action.cooldown = base.base_cooldown;
            if let Some(n) = action.charges {
                let left = n.saturating_sub(1);
                action.charges = Some(left);
                if left == 0 {
                    // Exhausted: archived for good, or kept for a refill
                    // (which re-arms it); not re-armed now either way.
                    if base.refill.is_empty() {
                        action.active = false;
                        out.push(Decision::ActionArchived { player, action: id });
                    }
                    return Ok(out);
                }
            }
        }
        match base.opening {
            Opening::Temporel(_) => out.extend(self.rearm(id, now)),
            Opening::Perma => match self.schedule.next_pause_end(now) {
                Some(at) => out.push(Decision::Schedule {
                    at,
                    task: Task::OpenAction { action: id },
                }),
                None => out.extend(self.open_action(id, now)?),
            },
            _ => {}
        }
        Ok(out)
    }

    /// The slots of an action, in the order to ask them (`prio`).
    pub fn slots(&self, id: ActionId) -> &[super::catalogue::Slot] {
        self.base_of(id).map(|b| b.slots.as_slice()).unwrap_or(&[])
    }

    fn check_value(&self, kind: CibleType, value: &Cible) -> bool {
        let player = |p: &PlayerId| self.season.player(*p).map(|p| p.statut.is_alive());
        match (kind, value) {
            (CibleType::Joueur, Cible::Joueur(p)) => player(p).is_some(),
            (CibleType::Vivant, Cible::Joueur(p)) => player(p) == Some(true),
            (CibleType::Mort, Cible::Joueur(p)) => player(p) == Some(false),
            (CibleType::Role, Cible::Role(r)) => self.catalogue.roles.contains_key(r),
            (CibleType::Camp, Cible::Camp(c)) => self.catalogue.camps.contains_key(c),
            (CibleType::Booleen, Cible::Booleen(_)) | (CibleType::Texte, Cible::Texte(_)) => true,
            _ => false,
        }
    }

    /// `!action`: records (or replaces) a decision on an open use, every
    /// slot checked; an `instant` action closes at once.
    pub fn decide(
        &mut self,
        player: PlayerId,
        id: ActionId,
        mut ciblages: Vec<Ciblage>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let action = self.season.action(id).ok_or(GameError::UnknownAction(id))?;
        if action.player != player {
            return Err(GameError::NotYourAction(id));
        }
        let base = self.base_of(id).ok_or(GameError::UnknownAction(id))?;
        let p = self.player(player)?;
        if !p.statut.is_alive() && base.opening != Opening::Mort {
            return Err(GameError::Dead(player));
        }
        if !p.role_actif {
            return Err(GameError::RoleInactive(player));
        }
        if !action.active || !action.open_use().is_some_and(|u| u.accepts_at(now)) {
            return Err(GameError::ActionNotOpen(id));
        }
        for (i, c) in ciblages.iter().enumerate() {
            let slot = base
                .slots
                .iter()
                .find(|s| s.slug == c.slot)
                .ok_or_else(|| GameError::UnknownSlot(c.slot.clone()))?;
            if ciblages[..i].iter().any(|o| o.slot == c.slot)
                || !self.check_value(slot.kind, &c.value)
            {
                return Err(GameError::WrongValue(c.slot.clone()));
            }
        }
        let last = action.last_validated();
        for slot in &base.slots {
            let given = ciblages.iter().find(|c| c.slot == slot.slug);
            match given {
                None if slot.obligatoire => return Err(GameError::MissingSlot(slot.slug.clone())),
                Some(c)
                    if slot.doit_changer
                        && last.and_then(|l| l.get(&slot.slug)) == Some(&c.value) =>
                {
                    return Err(GameError::MustChange(slot.slug.clone()))
                }
                _ => {}
            }
        }
        let instant = base.instant;
        let order = |c: &Ciblage| base.slots.iter().position(|s| s.slug == c.slot);
        ciblages.sort_by_key(order);
        if let Some(u) = self.action_mut(id)?.open_use_mut() {
            u.state = UtilState::Remplie {
                choice: Choice { at: now, ciblages },
            };
        }
        if instant {
            let mut out = vec![Decision::InstantAction { player, action: id }];
            out.extend(self.close_action(id, None, now)?);
            return Ok(out);
        }
        Ok(vec![Decision::ActionDecided { player, action: id }])
    }

    /// Cancels a decision: the use is open and undecided again (not
    /// `ignoree`, lg-rez's quirk), so it can be re-made until the close.
    pub fn cancel_decision(
        &mut self,
        player: PlayerId,
        id: ActionId,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let action = self.action_mut(id)?;
        if action.player != player {
            return Err(GameError::NotYourAction(id));
        }
        let u = action
            .open_use_mut()
            .filter(|u| u.accepts_at(now))
            .ok_or(GameError::ActionNotOpen(id))?;
        if !matches!(u.state, UtilState::Remplie { .. }) {
            return Err(GameError::NothingToCancel);
        }
        u.state = UtilState::Ouverte;
        Ok(vec![Decision::ActionCancelled { player, action: id }])
    }

    /// An MJ counters an open use (`contree`): it closes without effect,
    /// spending no charge and setting no cooldown; what follows (re-arming)
    /// is as for an ordinary close.
    pub fn counter(&mut self, id: ActionId, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        let action = self.action_mut(id)?;
        let player = action.player;
        let u = action.open_use_mut().ok_or(GameError::ActionNotOpen(id))?;
        let choice = match std::mem::replace(&mut u.state, UtilState::Ouverte) {
            UtilState::Remplie { choice } => Some(choice),
            _ => None,
        };
        u.state = UtilState::Contree {
            choice,
            closed: now,
        };
        let mut out = vec![Decision::ActionClosed {
            player,
            action: id,
            decided: false,
        }];
        match self.base_of(id).map(|b| b.opening) {
            Some(Opening::Temporel(_)) => out.extend(self.rearm(id, now)),
            Some(Opening::Perma) => {
                if let Some(at) = self.schedule.next_pause_end(now) {
                    out.push(Decision::Schedule {
                        at,
                        task: Task::OpenAction { action: id },
                    });
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// Fires a trigger for everyone: actions closing on it close, then
    /// those opening on it open.
    pub fn fire(&mut self, trigger: Trigger, now: Timestamp) -> Vec<Decision> {
        self.fire_for(trigger, None, now)
    }

    /// Fires a trigger for one player (`mort`) or everyone.
    pub(super) fn fire_for(
        &mut self,
        trigger: Trigger,
        only: Option<PlayerId>,
        now: Timestamp,
    ) -> Vec<Decision> {
        let mut closing = Vec::new();
        let mut opening = Vec::new();
        for a in &self.season.actions {
            if !a.active || only.is_some_and(|p| p != a.player) {
                continue;
            }
            let Some(base) = a.base().and_then(|s| self.catalogue.actions.get(s)) else {
                continue;
            };
            if base.closing.trigger() == trigger {
                closing.push(a.id);
            }
            if base.opening.trigger() == trigger {
                opening.push(a.id);
            }
        }
        let mut out = Vec::new();
        for id in closing {
            out.extend(self.close_action(id, None, now).unwrap_or_default());
        }
        for id in opening {
            out.extend(self.open_action(id, now).unwrap_or_default());
        }
        out
    }

    /// `!refill <motif> <player|all>`: `weekends` restores the base
    /// charges, the others add one; `divin` works on any limited action,
    /// the others only on actions listing the keyword. An exhausted
    /// `perma` action reopens, an exhausted `temporel` one is re-armed.
    pub fn refill(
        &mut self,
        motif: Refill,
        target: Option<PlayerId>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        if let Some(p) = target {
            self.player(p)?;
        }
        let mut out = Vec::new();
        let ids: Vec<ActionId> = self
            .season
            .actions
            .iter()
            .filter(|a| a.active && target.is_none_or(|p| p == a.player))
            .map(|a| a.id)
            .collect();
        for id in ids {
            let Some(base) = self.base_of(id).cloned() else {
                continue;
            };
            if motif != Refill::Divin && !base.refill.contains(&motif) {
                continue;
            }
            let action = self.action_mut(id)?;
            let Some(n) = action.charges else {
                continue;
            };
            let new = match motif {
                Refill::Weekends => n.max(base.base_charges.unwrap_or(n)),
                _ => n.saturating_add(1),
            };
            if new == n {
                continue;
            }
            action.charges = Some(new);
            out.push(Decision::Refilled {
                player: action.player,
                action: id,
                charges: new,
            });
            if n == 0 {
                match base.opening {
                    Opening::Perma => out.extend(self.open_action(id, now)?),
                    Opening::Temporel(_) => out.extend(self.rearm(id, now)),
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}
