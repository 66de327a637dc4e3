//! The tally of a vote (`!plot`, GAME.md §5), done on an MJ's request, never
//! at the close.
//!
//! [`Game::plot`] reads the validated votes decided since a moment, applies
//! the catalogue's vote modifiers to the pyre ([`MODIFICATION_VOTE`] moves
//! a voter's vote, [`AJOUT_VOTE`] adds [`AJOUT_VOTE_BONUS`]), sets aside
//! votes for ineligible targets (they count as blank) and ranks the rest by
//! count then name. Its [`TallyResult`] is a proposal: a leader, a tie
//! (with the mayor's vote as a hint, never an automatic double vote), or
//! nobody. [`Game::conclude`] records the MJ's choice; the engine never
//! picks a victim, and a death is the MJ's [`Game::set_statut`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

use super::catalogue::{AJOUT_VOTE, AJOUT_VOTE_BONUS, MODIFICATION_VOTE};
use super::clock::ClockTime;
use super::model::{ActionSource, PlayerId, UtilState, VoteKind, VOTE_SLOT};
use super::votes::eligibility;
use super::{Decision, Game, GameError, Trigger};

const DAY_MS: u64 = 86_400_000;

/// One target's line in the tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub target: PlayerId,
    pub name: String,
    /// Votes plus bonuses.
    pub votes: u32,
    /// Who voted for them (after modifications).
    pub voters: Vec<PlayerId>,
    /// Votes added by `ajout-vote` uses.
    pub bonus: u32,
}

/// The proposal the MJ confirms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum TallyResult {
    /// No eligible target got a vote.
    Nobody,
    Leader(PlayerId),
    /// Several at the top: the MJ picks one (or nobody).
    Tie {
        candidates: Vec<PlayerId>,
        /// The mayor's vote, when it went to one of them.
        mayor_hint: Option<PlayerId>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub kind: VoteKind,
    pub since: Timestamp,
    /// Eligible targets, most votes first, then by name.
    pub counts: Vec<Count>,
    /// Voters whose target was not eligible (counted as blank).
    pub blank: Vec<PlayerId>,
    pub result: TallyResult,
}

impl Tally {
    /// Who the MJ may choose.
    pub fn candidates(&self) -> Vec<PlayerId> {
        match &self.result {
            TallyResult::Nobody => Vec::new(),
            TallyResult::Leader(p) => vec![*p],
            TallyResult::Tie { candidates, .. } => candidates.clone(),
        }
    }
}

impl Game<'_> {
    /// The last local midnight at or before `now` (the default "since"):
    /// the first midnight after the moment a day earlier.
    pub fn midnight(&self, now: Timestamp) -> Timestamp {
        let day_ago = Timestamp(now.0.saturating_sub(DAY_MS));
        self.schedule.next(day_ago, ClockTime::MIDNIGHT).min(now)
    }

    /// Validated uses of catalogue action `slug` decided since `since`.
    fn modifier_choices(&self, slug: &str, since: Timestamp) -> Vec<&super::Choice> {
        self.season
            .actions
            .iter()
            .filter(|a| a.base() == Some(slug))
            .flat_map(|a| a.uses.iter())
            .filter_map(|u| match &u.state {
                UtilState::Validee { choice, .. } if choice.at >= since => Some(choice),
                _ => None,
            })
            .collect()
    }

    /// `!plot <vote> [since]`: the tally, read only.
    pub fn plot(&self, kind: VoteKind, since: Timestamp) -> Tally {
        let mut votes: BTreeMap<PlayerId, PlayerId> = BTreeMap::new();
        for a in &self.season.actions {
            if a.source != ActionSource::Vote(kind) {
                continue;
            }
            for u in &a.uses {
                if let UtilState::Validee { choice, .. } = &u.state {
                    if let (true, Some(t)) = (choice.at >= since, choice.player(VOTE_SLOT)) {
                        votes.insert(a.player, t);
                    }
                }
            }
        }
        let mut bonus: BTreeMap<PlayerId, u32> = BTreeMap::new();
        if kind == VoteKind::Cond {
            for c in self.modifier_choices(MODIFICATION_VOTE, since) {
                if let (Some(voter), Some(t)) = (c.player("votant"), c.player(VOTE_SLOT)) {
                    if let Some(v) = votes.get_mut(&voter) {
                        *v = t;
                    }
                }
            }
            for c in self.modifier_choices(AJOUT_VOTE, since) {
                if let Some(t) = c.player(VOTE_SLOT) {
                    *bonus.entry(t).or_default() += AJOUT_VOTE_BONUS;
                }
            }
        }
        let eligible = |t: PlayerId| eligibility(kind).is_none_or(|e| self.season.has_entry(t, e));
        let mut lines: BTreeMap<PlayerId, Count> = BTreeMap::new();
        let mut blank = Vec::new();
        let name = |t: PlayerId| {
            self.season
                .player(t)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        for (voter, target) in &votes {
            if !eligible(*target) {
                blank.push(*voter);
                continue;
            }
            let line = lines.entry(*target).or_insert_with(|| Count {
                target: *target,
                name: name(*target),
                votes: 0,
                voters: Vec::new(),
                bonus: 0,
            });
            line.votes += 1;
            line.voters.push(*voter);
        }
        for (target, b) in bonus {
            if !eligible(target) {
                continue;
            }
            let line = lines.entry(target).or_insert_with(|| Count {
                target,
                name: name(target),
                votes: 0,
                voters: Vec::new(),
                bonus: 0,
            });
            line.votes += b;
            line.bonus += b;
        }
        let mut counts: Vec<Count> = lines.into_values().collect();
        counts.sort_by(|a, b| b.votes.cmp(&a.votes).then_with(|| a.name.cmp(&b.name)));
        let top: Vec<PlayerId> = match counts.first() {
            Some(first) if first.votes > 0 => counts
                .iter()
                .take_while(|c| c.votes == first.votes)
                .map(|c| c.target)
                .collect(),
            _ => Vec::new(),
        };
        let result = match top.as_slice() {
            [] => TallyResult::Nobody,
            [one] => TallyResult::Leader(*one),
            _ => TallyResult::Tie {
                mayor_hint: self
                    .season
                    .maire
                    .and_then(|m| votes.get(&m).copied())
                    .filter(|v| top.contains(v)),
                candidates: top,
            },
        };
        Tally {
            kind,
            since,
            counts,
            blank,
            result,
        }
    }

    /// The MJ's conclusion of a tally: one of its candidates, or nobody.
    /// The mayor's election sets the mayor; a pyre conclusion opens the
    /// `mot_mjs` actions. A death is then the MJ's [`Game::set_statut`].
    pub fn conclude(
        &mut self,
        tally: &Tally,
        chosen: Option<PlayerId>,
        now: Timestamp,
    ) -> Result<Vec<Decision>, GameError> {
        if let Some(p) = chosen {
            if !tally.candidates().contains(&p) {
                return Err(GameError::NotACandidate(chosen));
            }
        }
        let mut out = vec![Decision::Concluded {
            kind: tally.kind,
            chosen,
        }];
        match tally.kind {
            VoteKind::Maire => {
                if let Some(p) = chosen {
                    out.extend(self.make_maire(p, true));
                }
            }
            VoteKind::Cond => out.extend(self.fire(Trigger::MotMjs, now)),
            VoteKind::Loups => {}
        }
        Ok(out)
    }
}
