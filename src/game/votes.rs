//! The three votes (pyre `cond`, mayor `maire`, wolves `loups`), haros and
//! candidatures (GAME.md §4–6).
//!
//! A vote is an [`Action`](super::Action) of source `Vote` each player
//! gets at launch; opening the vote opens one use per player with the
//! right flag, a vote fills it (overwritten until the close), the close
//! validates or ignores it. Nothing is counted at the close: the tally is
//! [`super::tally`]'s, on an MJ's request. Eligibility (a haro for the
//! pyre, a candidature for the mayor) does not refuse a vote: an
//! ineligible target is accepted and counts as blank, and
//! [`Game::check_vote`] says so first so the shell can warn and confirm.

use crate::time::Timestamp;

use super::model::{
    ActionSource, CandidHaro, CandidHaroKind, Choice, Ciblage, Cible, PlayerId, Statut, UtilState,
    VoteKind, VOTE_SLOT,
};
use super::{Decision, Game, GameError, Task, Trigger, Window};

/// What a vote would count as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteCheck {
    /// The target has no haro (pyre) or candidature (mayor): the vote is
    /// accepted but counts as blank. The shell warns and asks to confirm.
    pub counts_as_blank: bool,
}

/// The entry that makes a target eligible for `kind`, if any.
pub fn eligibility(kind: VoteKind) -> Option<CandidHaroKind> {
    match kind {
        VoteKind::Cond => Some(CandidHaroKind::Haro),
        VoteKind::Maire => Some(CandidHaroKind::Candidature),
        VoteKind::Loups => None,
    }
}

impl Game<'_> {
    /// Whether vote `kind` is open (between `!open` and `!close`).
    pub fn vote_is_open(&self, kind: VoteKind) -> bool {
        self.season.open_votes.contains(&kind)
    }

    /// `!open <vote>`: one use per player with the flag and none open.
    /// The first opening wipes the vote's haros or candidatures and fires
    /// the `open_<vote>` triggers; a repeated opening only fills the gaps.
    /// With `closes_at`, a reminder and the close are scheduled; `chain`
    /// makes that close schedule the next day's opening.
    pub fn open_vote(
        &mut self,
        kind: VoteKind,
        closes_at: Option<Timestamp>,
        chain: Option<Window>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        let mut out = Vec::new();
        let repeated = self.vote_is_open(kind);
        if !repeated {
            self.season.open_votes.push(kind);
            if let Some(entry) = eligibility(kind) {
                self.season.candid_haro.retain(|e| e.kind != entry);
                out.push(Decision::Wiped { kind: entry });
            }
        }
        let voters: Vec<PlayerId> = self
            .season
            .living()
            .filter(|p| p.may_vote(kind))
            .map(|p| p.id)
            .collect();
        for player in voters {
            let id = match self.season.vote_action(player, kind) {
                Some(a) => a.id,
                None => self.add_action(player, ActionSource::Vote(kind)),
            };
            let action = self.action_mut(id)?;
            if action.open_use().is_some() {
                continue;
            }
            action.uses.push(super::Use {
                opened: now,
                closes_at,
                state: UtilState::Ouverte,
            });
            out.push(Decision::VoteOpened {
                kind,
                player,
                closes_at,
            });
        }
        if !repeated {
            out.extend(self.fire(Trigger::Open(kind), now));
        }
        if let Some(end) = closes_at {
            let remind = Timestamp(
                end.0
                    .saturating_sub(self.schedule.reminder.as_millis() as u64),
            );
            if remind > now {
                out.push(Decision::Schedule {
                    at: remind,
                    task: Task::RemindVote { kind },
                });
            }
            out.push(Decision::Schedule {
                at: end,
                task: Task::CloseVote { kind, chain },
            });
        }
        Ok(out)
    }

    /// Reminds those with an open, empty use.
    pub fn remind_vote(&self, kind: VoteKind) -> Vec<Decision> {
        self.season
            .actions
            .iter()
            .filter(|a| a.active && a.source == ActionSource::Vote(kind))
            .filter(|a| matches!(a.open_use().map(|u| &u.state), Some(UtilState::Ouverte)))
            .map(|a| Decision::VoteReminded {
                kind,
                player: a.player,
            })
            .collect()
    }

    /// `!close <vote>`: filled uses validated, empty ones ignored, each
    /// voter told their final vote, `close_<vote>` triggers fired. No
    /// counting. Those without an open use are skipped; the triggers fire
    /// once, even with no voter.
    pub fn close_vote(&mut self, kind: VoteKind, now: Timestamp) -> Vec<Decision> {
        let mut out = Vec::new();
        for action in self.season.actions.iter_mut() {
            if !action.active || action.source != ActionSource::Vote(kind) {
                continue;
            }
            let player = action.player;
            let Some(u) = action.open_use_mut() else {
                continue;
            };
            let vote = u.choice().and_then(|c| c.player(VOTE_SLOT));
            u.state = match std::mem::replace(&mut u.state, UtilState::Ouverte) {
                UtilState::Remplie { choice } => UtilState::Validee {
                    choice,
                    closed: now,
                },
                _ => UtilState::Ignoree { closed: now },
            };
            out.push(Decision::VoteClosed { kind, player, vote });
        }
        if self.vote_is_open(kind) {
            self.season.open_votes.retain(|k| *k != kind);
            out.extend(self.fire(Trigger::Close(kind), now));
        }
        out
    }

    /// Every check of a vote, without saving it: the shell calls it before
    /// asking to confirm a blank vote; [`Game::vote`] repeats it at save.
    pub fn check_vote(
        &self,
        voter: PlayerId,
        kind: VoteKind,
        target: PlayerId,
        now: Timestamp,
    ) -> Result<VoteCheck, GameError> {
        let p = self.living(voter)?;
        if !p.may_vote(kind) {
            return Err(GameError::NoVoteRight {
                player: voter,
                kind,
            });
        }
        let open = self
            .season
            .vote_action(voter, kind)
            .and_then(|a| a.open_use())
            .is_some_and(|u| u.accepts_at(now));
        if !open {
            return Err(GameError::VoteNotOpen(kind));
        }
        let t = self.player(target)?;
        if !t.statut.is_alive() {
            return Err(GameError::DeadTarget(target));
        }
        let counts_as_blank = eligibility(kind).is_some_and(|e| !self.season.has_entry(target, e));
        Ok(VoteCheck { counts_as_blank })
    }

    /// Saves a vote (replacing an earlier one), after re-checking
    /// everything at `now`: a prompt may have straddled the close.
    pub fn vote(
        &mut self,
        voter: PlayerId,
        kind: VoteKind,
        target: PlayerId,
        now: Timestamp,
    ) -> Result<VoteCheck, GameError> {
        let check = self.check_vote(voter, kind, target, now)?;
        let id = self
            .season
            .vote_action(voter, kind)
            .map(|a| a.id)
            .ok_or(GameError::VoteNotOpen(kind))?;
        let u = self
            .action_mut(id)?
            .open_use_mut()
            .ok_or(GameError::VoteNotOpen(kind))?;
        u.state = UtilState::Remplie {
            choice: Choice {
                at: now,
                ciblages: vec![Ciblage {
                    slot: VOTE_SLOT.to_owned(),
                    value: Cible::Joueur(target),
                }],
            },
        };
        Ok(check)
    }

    /// `!haro`: during the pyre vote, a living accuser accuses a target
    /// neither dead nor immortal; both become eligible (one entry each).
    pub fn haro(
        &mut self,
        accuser: PlayerId,
        target: PlayerId,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        self.living(accuser)?;
        if !self.vote_is_open(VoteKind::Cond) {
            return Err(GameError::VoteNotOpen(VoteKind::Cond));
        }
        match self.player(target)?.statut {
            Statut::Mort => return Err(GameError::DeadTarget(target)),
            Statut::Immortel => return Err(GameError::ImmortalTarget(target)),
            Statut::Vivant | Statut::MortVivant => {}
        }
        for p in [target, accuser] {
            if !self.season.has_entry(p, CandidHaroKind::Haro) {
                self.season.candid_haro.push(CandidHaro {
                    player: p,
                    kind: CandidHaroKind::Haro,
                    at: now,
                });
            }
        }
        Ok(vec![Decision::Haro { accuser, target }])
    }

    /// `!candid`: during the mayor vote, once per living player.
    pub fn candid(&mut self, player: PlayerId, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        self.living(player)?;
        if !self.vote_is_open(VoteKind::Maire) {
            return Err(GameError::VoteNotOpen(VoteKind::Maire));
        }
        if self.season.has_entry(player, CandidHaroKind::Candidature) {
            return Err(GameError::AlreadyEntered(player));
        }
        self.season.candid_haro.push(CandidHaro {
            player,
            kind: CandidHaroKind::Candidature,
            at: now,
        });
        Ok(vec![Decision::Candidature { player }])
    }

    /// `!wipe haros|candids`.
    pub fn wipe(&mut self, kind: CandidHaroKind) -> Vec<Decision> {
        self.season.candid_haro.retain(|e| e.kind != kind);
        vec![Decision::Wiped { kind }]
    }
}
