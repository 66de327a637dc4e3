//! The season at a glance, for the admin page (and any status line): a
//! read-only digest of a [`Season`] at a moment, plain data the shell
//! words. Pure like the rest of the engine: the caller passes `now`.
//!
//! The game day: day 1 begins at the launch (`!cparti`), day N+1 exactly
//! N × 24 h later. Nothing is skipped — the weekend pause freezes the
//! schedule, not the calendar, and one real day is one game day. Before
//! the launch there is no day; after the end the day is not known (the
//! season keeps only the end's moment), so it is `None` too.
//!
//! What the scheduler holds (pending tasks) is not visible here: the
//! engine never sees the scheduler.

use serde::{Deserialize, Serialize};

use super::model::{Phase, Season, UtilState, VoteKind};
use crate::time::Timestamp;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Where the season is, without the phase's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryPhase {
    Registration,
    Running,
    Ended,
}

/// One vote between `!open` and `!close`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenVote {
    pub kind: VoteKind,
    /// When its clock closes it; `None` when an MJ closes it by hand.
    pub closes_at: Option<Timestamp>,
    /// Voters who chose someone so far.
    pub voted: usize,
    /// Living voters with an open ballot.
    pub voters: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonSummary {
    pub phase: SummaryPhase,
    /// The game day (see the module's header), `None` outside a run.
    pub day: Option<u64>,
    pub open_votes: Vec<OpenVote>,
    /// Role powers (not votes) open right now.
    pub open_actions: usize,
    /// Alive counts the undead (`MV`) and the immortal, as the game does.
    pub living: usize,
    pub dead: usize,
    pub total: usize,
    /// The elected mayor's name.
    pub mayor: Option<String>,
}

/// The season as it stands at `now`.
pub fn summary(season: &Season, now: Timestamp) -> SeasonSummary {
    let (phase, day) = match season.phase {
        Phase::Registration => (SummaryPhase::Registration, None),
        Phase::Running { since } => (
            SummaryPhase::Running,
            Some(now.0.saturating_sub(since.0) / DAY_MS + 1),
        ),
        Phase::Ended { .. } => (SummaryPhase::Ended, None),
    };
    let open_votes = season
        .open_votes
        .iter()
        .map(|&kind| {
            let uses: Vec<_> = season
                .actions
                .iter()
                .filter(|a| a.active && a.source == super::ActionSource::Vote(kind))
                // A death keeps the ballot open but the engine refuses it.
                .filter(|a| season.player(a.player).is_some_and(|p| p.statut.is_alive()))
                .filter_map(|a| a.open_use())
                .collect();
            OpenVote {
                kind,
                // A repeated `!open` may carry another end; the first
                // close closes every ballot, so the earliest is the truth.
                closes_at: uses.iter().filter_map(|u| u.closes_at).min(),
                voted: uses
                    .iter()
                    .filter(|u| matches!(u.state, UtilState::Remplie { .. }))
                    .count(),
                voters: uses.len(),
            }
        })
        .collect();
    let open_actions = season
        .actions
        .iter()
        .filter(|a| a.active && a.base().is_some() && a.open_use().is_some())
        .count();
    let living = season.living().count();
    SeasonSummary {
        phase,
        day,
        open_votes,
        open_actions,
        living,
        dead: season.players.len() - living,
        total: season.players.len(),
        mayor: season
            .maire
            .and_then(|id| season.player(id))
            .map(|p| p.name.clone()),
    }
}
