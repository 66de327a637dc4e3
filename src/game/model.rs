//! The season's data: players, their actions and each opening's use, the
//! haro/candidature entries and the boudoirs. Everything is serde so the
//! shell stores the whole [`Season`] as one record before announcing
//! anything.
//!
//! Ids are plain numbers the engine hands out (an action or a boudoir is
//! never deleted, only archived, so an id stays valid); players are keyed
//! by their Discord user id. Discord objects (a boudoir's channel) are
//! attached by the shell once it created them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A player's Discord user id.
pub type PlayerId = u64;

/// The three votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// The pyre (bûcher).
    Cond,
    Maire,
    Loups,
}

impl VoteKind {
    pub const ALL: [VoteKind; 3] = [VoteKind::Cond, VoteKind::Maire, VoteKind::Loups];

    pub fn slug(self) -> &'static str {
        match self {
            VoteKind::Cond => "cond",
            VoteKind::Maire => "maire",
            VoteKind::Loups => "loups",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Statut {
    #[serde(rename = "vivant")]
    Vivant,
    #[serde(rename = "mort")]
    Mort,
    /// Undead: counts as alive and keeps the alive Discord role.
    #[serde(rename = "MV")]
    MortVivant,
    /// Cannot be accused.
    #[serde(rename = "immortel")]
    Immortel,
}

impl Statut {
    pub fn is_alive(self) -> bool {
        self != Statut::Mort
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Player {
    pub id: PlayerId,
    pub name: String,
    pub chambre: Option<String>,
    pub statut: Statut,
    pub role: String,
    pub camp: String,
    pub votant_village: bool,
    pub votant_loups: bool,
    /// False: powers blocked.
    pub role_actif: bool,
    pub registered: Timestamp,
}

impl Player {
    pub fn may_vote(&self, kind: VoteKind) -> bool {
        match kind {
            VoteKind::Cond | VoteKind::Maire => self.votant_village,
            VoteKind::Loups => self.votant_loups,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActionId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BoudoirId(pub u32);

/// Where an action comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    /// A catalogue power, by slug.
    Base(String),
    Vote(VoteKind),
}

/// One chosen value of a target slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cible {
    Joueur(PlayerId),
    Role(String),
    Camp(String),
    Booleen(bool),
    Texte(String),
}

/// A filled slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ciblage {
    pub slot: String,
    pub value: Cible,
}

/// The slot of a vote's use.
pub const VOTE_SLOT: &str = "cible";

/// A decision on a use: when, and the chosen targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub at: Timestamp,
    pub ciblages: Vec<Ciblage>,
}

impl Choice {
    pub fn get(&self, slot: &str) -> Option<&Cible> {
        self.ciblages
            .iter()
            .find(|c| c.slot == slot)
            .map(|c| &c.value)
    }

    /// The player chosen in `slot`, if it holds one.
    pub fn player(&self, slot: &str) -> Option<PlayerId> {
        match self.get(slot) {
            Some(Cible::Joueur(p)) => Some(*p),
            _ => None,
        }
    }
}

/// UtilEtat, with the data each state has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "etat", rename_all = "snake_case")]
pub enum UtilState {
    /// Open, no decision.
    Ouverte,
    /// Open, decided, still editable.
    Remplie { choice: Choice },
    /// Closed with a decision.
    Validee { choice: Choice, closed: Timestamp },
    /// Closed without a decision.
    Ignoree { closed: Timestamp },
    /// Countered by an MJ.
    Contree {
        choice: Option<Choice>,
        closed: Timestamp,
    },
}

/// One opening of an action (lg-rez's Utilisation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Use {
    pub opened: Timestamp,
    /// When it closes, if a clock closes it (else a trigger or an MJ).
    pub closes_at: Option<Timestamp>,
    pub state: UtilState,
}

impl Use {
    pub fn is_open(&self) -> bool {
        matches!(self.state, UtilState::Ouverte | UtilState::Remplie { .. })
    }

    /// Whether decisions are still accepted at `now` (re-checked at save).
    pub fn accepts_at(&self, now: Timestamp) -> bool {
        self.is_open() && self.closes_at.is_none_or(|end| now < end)
    }

    pub fn choice(&self) -> Option<&Choice> {
        match &self.state {
            UtilState::Remplie { choice } | UtilState::Validee { choice, .. } => Some(choice),
            _ => None,
        }
    }
}

/// A player's power or vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub player: PlayerId,
    pub source: ActionSource,
    /// False: archived (role changed, or charges exhausted for good).
    pub active: bool,
    /// Openings still to skip.
    pub cooldown: u32,
    /// `None`: unlimited.
    pub charges: Option<u32>,
    pub uses: Vec<Use>,
}

impl Action {
    pub fn open_use(&self) -> Option<&Use> {
        self.uses.last().filter(|u| u.is_open())
    }

    pub fn open_use_mut(&mut self) -> Option<&mut Use> {
        self.uses.last_mut().filter(|u| u.is_open())
    }

    /// The last validated use's choice (what `doit_changer` compares with).
    pub fn last_validated(&self) -> Option<&Choice> {
        self.uses.iter().rev().find_map(|u| match &u.state {
            UtilState::Validee { choice, .. } => Some(choice),
            _ => None,
        })
    }

    pub fn base(&self) -> Option<&str> {
        match &self.source {
            ActionSource::Base(s) => Some(s),
            ActionSource::Vote(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidHaroKind {
    Haro,
    Candidature,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidHaro {
    pub player: PlayerId,
    pub kind: CandidHaroKind,
    pub at: Timestamp,
}

/// A member of a boudoir (lg-rez's Bouderie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub player: PlayerId,
    pub gerant: bool,
    pub joined: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Boudoir {
    pub id: BoudoirId,
    pub name: String,
    pub created: Timestamp,
    /// The Discord channel, once the shell made it.
    pub channel: Option<u64>,
    /// Archived boudoirs keep their name and sit in the cemetery.
    pub archived: bool,
    pub members: Vec<Member>,
}

impl Boudoir {
    pub fn gerant(&self) -> Option<PlayerId> {
        self.members.iter().find(|m| m.gerant).map(|m| m.player)
    }

    pub fn has(&self, p: PlayerId) -> bool {
        self.members.iter().any(|m| m.player == p)
    }
}

/// Where the season is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    Registration,
    Running { since: Timestamp },
    Ended { at: Timestamp },
}

/// The whole persisted state of one season.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Season {
    pub phase: Phase,
    pub players: BTreeMap<PlayerId, Player>,
    /// Indexed by [`ActionId`].
    pub actions: Vec<Action>,
    pub candid_haro: Vec<CandidHaro>,
    /// Indexed by [`BoudoirId`].
    pub boudoirs: Vec<Boudoir>,
    /// The elected mayor (the MJs confirm the election).
    pub maire: Option<PlayerId>,
    /// The votes open now (between `!open` and `!close`), even with no
    /// voter: their triggers fire once each way.
    pub open_votes: Vec<VoteKind>,
}

impl Default for Season {
    fn default() -> Self {
        Season::new()
    }
}

impl Season {
    pub fn new() -> Season {
        Season {
            phase: Phase::Registration,
            players: BTreeMap::new(),
            actions: Vec::new(),
            candid_haro: Vec::new(),
            boudoirs: Vec::new(),
            maire: None,
            open_votes: Vec::new(),
        }
    }

    pub fn player(&self, id: PlayerId) -> Option<&Player> {
        self.players.get(&id)
    }

    pub fn action(&self, id: ActionId) -> Option<&Action> {
        self.actions.get(id.0 as usize)
    }

    pub fn boudoir(&self, id: BoudoirId) -> Option<&Boudoir> {
        self.boudoirs.get(id.0 as usize)
    }

    /// A player's vote action of `kind`.
    pub fn vote_action(&self, player: PlayerId, kind: VoteKind) -> Option<&Action> {
        self.actions
            .iter()
            .find(|a| a.player == player && a.active && a.source == ActionSource::Vote(kind))
    }

    /// A player's active catalogue actions.
    pub fn actions_of(&self, player: PlayerId) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(move |a| a.player == player && a.active && a.base().is_some())
    }

    pub fn has_entry(&self, player: PlayerId, kind: CandidHaroKind) -> bool {
        self.candid_haro
            .iter()
            .any(|e| e.player == player && e.kind == kind)
    }

    /// A player's open uses (votes and powers): what `!menu` lists.
    pub fn open_uses(&self, player: PlayerId) -> impl Iterator<Item = (&Action, &Use)> {
        self.actions
            .iter()
            .filter(move |a| a.player == player && a.active)
            .filter_map(|a| a.open_use().map(|u| (a, u)))
    }

    pub fn living(&self) -> impl Iterator<Item = &Player> {
        self.players.values().filter(|p| p.statut.is_alive())
    }

    pub fn dead(&self) -> impl Iterator<Item = &Player> {
        self.players.values().filter(|p| !p.statut.is_alive())
    }
}
