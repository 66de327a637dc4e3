//! The werewolf game (issue 15, GAME.md): a season of Loup-Garou run by
//! the appliance, as lg-rez ran it. This module is the PURE engine: no
//! Discord, no tokio, no clock, no I/O besides reading the catalogue file.
//! The Discord shell (phase 2) calls it with the time as an input, stores
//! the [`Season`] (one serde record) and then performs the returned
//! [`Decision`]s: posts, role swaps, channel permissions, and
//! [`Decision::Schedule`] requests for the persistent scheduler.
//!
//! # Using it
//!
//! The persisted state is a [`Season`]. For each command the shell borrows
//! it together with the catalogue and the schedule settings into a
//! [`Game`] and calls one method; every mutating method takes `now` and
//! returns `Result<Vec<Decision>, GameError>`. An error leaves the season
//! unchanged (checks come before changes), and its variant is a plain
//! reason the shell words for the player.
//!
//! - Season ([`season`]): [`Game::register`], [`Game::set_role`],
//!   [`Game::set_camp`], [`Game::set_flags`], [`Game::set_statut`] (death
//!   and revival with their consequences), [`Game::launch`] (`!cparti`),
//!   [`Game::end`] (`!cfini`).
//! - Votes ([`votes`]): [`Game::open_vote`], [`Game::remind_vote`],
//!   [`Game::close_vote`], [`Game::check_vote`] then [`Game::vote`],
//!   [`Game::haro`], [`Game::candid`], [`Game::wipe`].
//! - Tally ([`tally`]): [`Game::plot`] (read only) then
//!   [`Game::conclude`] with the MJ's choice; the engine never picks a
//!   victim.
//! - Actions ([`actions`]): [`Game::open_action`], [`Game::remind_action`],
//!   [`Game::close_action`], [`Game::decide`], [`Game::cancel_decision`],
//!   [`Game::counter`], [`Game::open_at`], [`Game::fire`] (a trigger), [`Game::refill`].
//! - Reading (for `!menu`, `!infos`, `!vivants`, `!morts`, the admin
//!   page): the [`Season`]'s fields and helpers ([`Season::open_uses`],
//!   [`Season::living`], [`Season::dead`], [`Season::actions_of`]);
//!   [`summary::summary`] for the season at a glance.
//! - Boudoirs ([`boudoirs`]): create, invite, expulse, leave, transfer,
//!   rename, delete, [`Game::mp`], [`Game::attach_boudoir_channel`].
//! - Scheduled work: the scheduler stores a [`Task`] and, when due, calls
//!   [`Game::run`]; every task is idempotent (re-running one is harmless).

pub mod actions;
pub mod boudoirs;
pub mod catalogue;
pub mod clock;
pub mod model;
pub mod season;
pub mod summary;
pub mod tally;
pub mod votes;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

pub use catalogue::{
    BaseAction, Catalogue, CatalogueError, CibleType, Closing, Opening, Refill, Trigger,
};
pub use clock::{ClockTime, Schedule, Window};
pub use model::{
    Action, ActionId, ActionSource, Boudoir, BoudoirId, CandidHaroKind, Choice, Ciblage, Cible,
    Phase, Player, PlayerId, Season, Statut, Use, UtilState, VoteKind,
};
pub use tally::{Count, Tally, TallyResult};

/// The engine over one season, borrowed for one command.
pub struct Game<'a> {
    pub season: &'a mut Season,
    pub catalogue: &'a Catalogue,
    pub schedule: &'a Schedule,
}

/// Work the scheduler runs later through [`Game::run`]. Data only, serde,
/// so it survives restarts.
///
/// `Hash` lets the scheduler drop an identical pending request (same task,
/// same time), which re-arming after a manual open can produce.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    /// Open a vote; with `close`, close it at the next such time (and
    /// remind before); with `chain`, that close schedules the next opening
    /// at `chain` (GAME.md's chained daily votes).
    OpenVote {
        kind: VoteKind,
        close: Option<ClockTime>,
        chain: Option<ClockTime>,
    },
    RemindVote {
        kind: VoteKind,
    },
    CloseVote {
        kind: VoteKind,
        /// Reopen daily: `open` the next opening, `close` its closing.
        chain: Option<Window>,
    },
    OpenAction {
        action: ActionId,
    },
    /// Remind the use opened at `opened`, if still open and undecided.
    RemindAction {
        action: ActionId,
        opened: Timestamp,
    },
    /// Close the use opened at `opened`, if still open (a stale task for
    /// an older use does nothing).
    CloseAction {
        action: ActionId,
        opened: Timestamp,
    },
    /// Re-announce an open `perma` use (daily).
    RepostPerma {
        action: ActionId,
        opened: Timestamp,
    },
    /// Open every action with this opening trigger (`start`, `perma`).
    Fire {
        trigger: Trigger,
    },
    /// The launch-day hype message.
    Hype,
}

/// Why an opening did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Archived,
    Cooldown { left: u32 },
    RoleInactive,
    NoCharges,
    Dead,
}

/// What the shell must do (or tell), in order. Worded by the shell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Ask the scheduler to run `task` at `at`.
    Schedule {
        at: Timestamp,
        task: Task,
    },
    /// Drop every pending game task (season over).
    DropAllTasks,
    SeasonLaunched,
    SeasonEnded,
    /// The hype message before the first evening.
    Hype,
    PlayerRegistered {
        player: PlayerId,
    },
    /// Role, camp, flags or statut edited; tell the player unless silent.
    PlayerChanged {
        player: PlayerId,
    },
    /// Swap the Discord roles: alive ("Joueur en vie") or dead ("Joueur mort").
    LifeRole {
        player: PlayerId,
        alive: bool,
    },
    /// Give (`on`) or take the Discord "Maire" role.
    Maire {
        player: PlayerId,
        on: bool,
    },
    /// Grant or remove writing in `enfer`.
    Enfer {
        player: PlayerId,
        access: bool,
    },

    /// Separator in #haros: entries of this kind were wiped.
    Wiped {
        kind: CandidHaroKind,
    },
    Haro {
        accuser: PlayerId,
        target: PlayerId,
    },
    Candidature {
        player: PlayerId,
    },
    VoteOpened {
        kind: VoteKind,
        player: PlayerId,
        closes_at: Option<Timestamp>,
    },
    VoteReminded {
        kind: VoteKind,
        player: PlayerId,
    },
    /// Tell the voter their final vote (`None`: none).
    VoteClosed {
        kind: VoteKind,
        player: PlayerId,
        vote: Option<PlayerId>,
    },
    /// The MJ's conclusion of a tally, to post.
    Concluded {
        kind: VoteKind,
        chosen: Option<PlayerId>,
    },

    ActionCreated {
        player: PlayerId,
        action: ActionId,
    },
    ActionOpened {
        player: PlayerId,
        action: ActionId,
        closes_at: Option<Timestamp>,
    },
    ActionReminded {
        player: PlayerId,
        action: ActionId,
    },
    ActionSkipped {
        player: PlayerId,
        action: ActionId,
        reason: SkipReason,
    },
    ActionDecided {
        player: PlayerId,
        action: ActionId,
    },
    ActionCancelled {
        player: PlayerId,
        action: ActionId,
    },
    /// Closed; `decided` says validated (else ignored).
    ActionClosed {
        player: PlayerId,
        action: ActionId,
        decided: bool,
    },
    /// An instant action was decided and closed: ping the MJs now.
    InstantAction {
        player: PlayerId,
        action: ActionId,
    },
    /// A passive (`auto`) action fired: tell the MJs.
    AutoAction {
        player: PlayerId,
        action: ActionId,
    },
    ActionArchived {
        player: PlayerId,
        action: ActionId,
    },
    Refilled {
        player: PlayerId,
        action: ActionId,
        charges: u32,
    },

    BoudoirCreated {
        boudoir: BoudoirId,
    },
    BoudoirJoined {
        boudoir: BoudoirId,
        player: PlayerId,
    },
    BoudoirLeft {
        boudoir: BoudoirId,
        player: PlayerId,
    },
    BoudoirGerant {
        boudoir: BoudoirId,
        player: PlayerId,
    },
    BoudoirRenamed {
        boudoir: BoudoirId,
    },
    /// Move to the cemetery, members' overwrites removed.
    BoudoirArchived {
        boudoir: BoudoirId,
    },
}

/// Why a command is refused. The shell words it for the player.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    #[error("player {0} is not registered")]
    UnknownPlayer(PlayerId),
    #[error("player {0} is already registered")]
    AlreadyRegistered(PlayerId),
    #[error("player {0} is dead")]
    Dead(PlayerId),
    #[error("player {player} has no right to the {kind:?} vote")]
    NoVoteRight { player: PlayerId, kind: VoteKind },
    #[error("the {0:?} vote is not open")]
    VoteNotOpen(VoteKind),
    #[error("the target {0} is dead")]
    DeadTarget(PlayerId),
    #[error("the target {0} is immortal and cannot be accused")]
    ImmortalTarget(PlayerId),
    #[error("player {0} already has an entry of this kind")]
    AlreadyEntered(PlayerId),
    #[error("no such action {0:?}")]
    UnknownAction(ActionId),
    #[error("action {0:?} is not open")]
    ActionNotOpen(ActionId),
    #[error("action {0:?} belongs to someone else")]
    NotYourAction(ActionId),
    #[error("powers of player {0} are blocked")]
    RoleInactive(PlayerId),
    #[error("slot `{0}` is missing")]
    MissingSlot(String),
    #[error("slot `{0}` does not exist for this action")]
    UnknownSlot(String),
    #[error("slot `{0}` holds the wrong kind of value")]
    WrongValue(String),
    #[error("slot `{0}` must differ from the last validated use")]
    MustChange(String),
    #[error("no decision to cancel")]
    NothingToCancel,
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("unknown camp `{0}`")]
    UnknownCamp(String),
    #[error("the season is not in the right phase for this")]
    WrongPhase,
    #[error("{0:?} was not a possible result of this tally")]
    NotACandidate(Option<PlayerId>),
    #[error("no such boudoir {0:?}")]
    UnknownBoudoir(BoudoirId),
    #[error("the boudoir is archived")]
    BoudoirArchived,
    #[error("only the gérant can do this")]
    NotGerant,
    #[error("player {0} is not in this boudoir")]
    NotMember(PlayerId),
    #[error("player {0} is already in this boudoir")]
    AlreadyMember(PlayerId),
    #[error("the gérant cannot leave; transfer first")]
    GerantCannotLeave,
    #[error("a boudoir name has 1 to {max} characters")]
    BadName { max: usize },
}

impl<'a> Game<'a> {
    pub fn new(season: &'a mut Season, catalogue: &'a Catalogue, schedule: &'a Schedule) -> Self {
        Game {
            season,
            catalogue,
            schedule,
        }
    }

    /// Runs a scheduled task. Repeating a task is harmless.
    pub fn run(&mut self, task: &Task, now: Timestamp) -> Result<Vec<Decision>, GameError> {
        match *task {
            Task::OpenVote { kind, close, chain } => {
                let closes_at = close.map(|c| self.schedule.next(now, c));
                let chain = match (chain, close) {
                    (Some(open), Some(close)) => Some(Window { open, close }),
                    _ => None,
                };
                self.open_vote(kind, closes_at, chain, now)
            }
            Task::RemindVote { kind } => Ok(self.remind_vote(kind)),
            Task::CloseVote { kind, chain } => {
                let mut out = self.close_vote(kind, now);
                if let Some(w) = chain {
                    out.push(Decision::Schedule {
                        at: self.schedule.next_open(now, w.open),
                        task: Task::OpenVote {
                            kind,
                            close: Some(w.close),
                            chain: Some(w.open),
                        },
                    });
                }
                Ok(out)
            }
            Task::OpenAction { action } => self.open_action(action, now),
            Task::RemindAction { action, opened } => Ok(self.remind_action(action, Some(opened))),
            Task::CloseAction { action, opened } => self.close_action(action, Some(opened), now),
            Task::RepostPerma { action, opened } => {
                let mut out = self.repost(action, opened);
                if !out.is_empty() {
                    out.push(Decision::Schedule {
                        at: self.schedule.next_open(now, self.schedule.perma_repost),
                        task: Task::RepostPerma { action, opened },
                    });
                }
                Ok(out)
            }
            Task::Fire { trigger } => Ok(self.fire(trigger, now)),
            Task::Hype => Ok(vec![Decision::Hype]),
        }
    }

    fn player(&self, id: PlayerId) -> Result<&Player, GameError> {
        self.season
            .players
            .get(&id)
            .ok_or(GameError::UnknownPlayer(id))
    }

    fn player_mut(&mut self, id: PlayerId) -> Result<&mut Player, GameError> {
        self.season
            .players
            .get_mut(&id)
            .ok_or(GameError::UnknownPlayer(id))
    }

    fn living(&self, id: PlayerId) -> Result<&Player, GameError> {
        let p = self.player(id)?;
        if p.statut.is_alive() {
            Ok(p)
        } else {
            Err(GameError::Dead(id))
        }
    }

    fn action_mut(&mut self, id: ActionId) -> Result<&mut Action, GameError> {
        self.season
            .actions
            .get_mut(id.0 as usize)
            .ok_or(GameError::UnknownAction(id))
    }

    /// Adds an action, returning its id.
    fn add_action(&mut self, player: PlayerId, source: ActionSource) -> ActionId {
        let id = ActionId(u32::try_from(self.season.actions.len()).unwrap_or(u32::MAX));
        let charges = match &source {
            ActionSource::Base(slug) => self
                .catalogue
                .actions
                .get(slug)
                .and_then(|b| b.base_charges),
            ActionSource::Vote(_) => None,
        };
        self.season.actions.push(Action {
            id,
            player,
            source,
            active: true,
            cooldown: 0,
            charges,
            uses: Vec::new(),
        });
        id
    }
}
