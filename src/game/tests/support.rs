//! A small world to play in: a test catalogue with one action per trigger
//! kind, a UTC schedule with the weekend pause, and named players.

use crate::game::*;
use crate::time::{Timestamp, Zone};

/// 2026-11-16 00:00 UTC, a Monday.
const MONDAY: u64 = 1_794_787_200_000;

/// Day 0 is that Monday, 4 is Friday, 6 Sunday, 7 the next Monday.
pub fn at(day: u64, hour: u64, minute: u64) -> Timestamp {
    Timestamp(MONDAY + ((day * 24 + hour) * 60 + minute) * 60_000)
}

pub const TEST_CATALOGUE: &str = r#"
[[camp]]
slug = "village"
name = "Village"
[[camp]]
slug = "loups"
name = "Loups"

[[role]]
slug = "villageois"
name = "Villageois"
camp = "village"
[[role]]
slug = "voyante"
name = "Voyante"
camp = "village"
actions = ["voyance"]
[[role]]
slug = "sorciere"
name = "Sorcière"
camp = "village"
actions = ["poison"]
[[role]]
slug = "forgeron"
name = "Forgeron"
camp = "village"
actions = ["forge"]
[[role]]
slug = "chasseur"
name = "Chasseur"
camp = "village"
actions = ["tir"]
[[role]]
slug = "salvateur"
name = "Salvateur"
camp = "village"
actions = ["protection"]
[[role]]
slug = "loup-blanc"
name = "Loup Blanc"
camp = "loups"
actions = ["festin"]
[[role]]
slug = "gardien"
name = "Gardien"
camp = "village"
actions = ["ronde"]
[[role]]
slug = "barbier"
name = "Barbier"
camp = "village"
actions = ["rasage"]
[[role]]
slug = "ange"
name = "Ange"
camp = "village"
actions = ["presence", "benediction"]
[[role]]
slug = "corbeau"
name = "Corbeau"
camp = "village"
actions = ["ajout-vote", "modification-vote"]
[[role]]
slug = "pretre"
name = "Prêtre"
camp = "village"
actions = ["sermon"]

[[action]]
slug = "voyance"
trigger_debut = "temporel"
trigger_fin = "temporel"
heure_debut = "19:00"
heure_fin = "09:00"
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "poison"
trigger_debut = "open_loups"
trigger_fin = "close_loups"
base_charges = 1
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "forge"
trigger_debut = "temporel"
trigger_fin = "delta"
heure_debut = "10:00"
heure_fin = "2h"
base_charges = 1
refill = ["weekends", "forgeron"]
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "tir"
trigger_debut = "mort"
trigger_fin = "delta"
heure_fin = "1h"
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "protection"
trigger_debut = "open_loups"
trigger_fin = "close_loups"
[[action.ciblage]]
slug = "cible"
type = "vivant"
doit_changer = true

[[action]]
slug = "festin"
trigger_debut = "open_cond"
trigger_fin = "close_cond"
base_cooldown = 1
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "ronde"
trigger_debut = "perma"
trigger_fin = "perma"
[[action.ciblage]]
slug = "note"
type = "texte"
prio = 2
obligatoire = false
[[action.ciblage]]
slug = "maison"
type = "joueur"
prio = 1

[[action]]
slug = "rasage"
trigger_debut = "perma"
trigger_fin = "perma"
instant = true
base_charges = 1
refill = ["rebouteux"]
[[action.ciblage]]
slug = "cible"
type = "vivant"
[[action.ciblage]]
slug = "sur"
type = "booleen"
prio = 2

[[action]]
slug = "presence"
trigger_debut = "temporel"
heure_debut = "19:00"
trigger_fin = "auto"

[[action]]
slug = "benediction"
trigger_debut = "start"
trigger_fin = "delta"
heure_fin = "24h"
[[action.ciblage]]
slug = "role"
type = "role"

[[action]]
slug = "ajout-vote"
trigger_debut = "open_cond"
trigger_fin = "close_cond"
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "modification-vote"
trigger_debut = "open_cond"
trigger_fin = "close_cond"
[[action.ciblage]]
slug = "votant"
type = "joueur"
[[action.ciblage]]
slug = "cible"
type = "vivant"

[[action]]
slug = "sermon"
trigger_debut = "mot_mjs"
trigger_fin = "delta"
heure_fin = "1h"
[[action.ciblage]]
slug = "camp"
type = "camp"
"#;

pub const NAMES: [&str; 8] = [
    "Alice", "Bruno", "Chloé", "David", "Emma", "Fanny", "Gaston", "Hugo",
];

pub struct World {
    pub season: Season,
    pub catalogue: Catalogue,
    pub schedule: Schedule,
}

impl World {
    /// `n` players (ids 1..=n, named from [`NAMES`]) registered on Monday
    /// morning, still in registration.
    pub fn new(n: usize) -> World {
        let mut w = World {
            season: Season::new(),
            catalogue: Catalogue::parse(TEST_CATALOGUE, "test.toml").expect("test catalogue"),
            schedule: Schedule::with_zone(Zone::utc()),
        };
        for (i, name) in NAMES.iter().take(n).enumerate() {
            w.game()
                .register(i as u64 + 1, name, None, at(0, 8, 0))
                .unwrap();
        }
        w
    }

    pub fn game(&mut self) -> Game<'_> {
        Game::new(&mut self.season, &self.catalogue, &self.schedule)
    }

    /// Gives `player` `role` with powers on.
    pub fn role(&mut self, player: PlayerId, role: &str) {
        let now = at(0, 8, 30);
        self.game().set_role(player, role, now).unwrap();
        self.game()
            .set_flags(
                player,
                season::Flags {
                    role_actif: Some(true),
                    ..Default::default()
                },
            )
            .unwrap();
    }

    /// Launches on Monday 9:00.
    pub fn launch(&mut self) -> Vec<Decision> {
        self.game().launch(at(0, 9, 0)).unwrap()
    }

    /// The player's only action from `slug`.
    pub fn action(&self, player: PlayerId, slug: &str) -> ActionId {
        self.season
            .actions
            .iter()
            .find(|a| a.player == player && a.base() == Some(slug))
            .map(|a| a.id)
            .expect("action")
    }

    pub fn act(&self, id: ActionId) -> &Action {
        self.season.action(id).unwrap()
    }

    pub fn last_use(&self, id: ActionId) -> &Use {
        self.act(id).uses.last().expect("a use")
    }
}

pub fn target(slot: &str, p: PlayerId) -> Ciblage {
    Ciblage {
        slot: slot.to_owned(),
        value: Cible::Joueur(p),
    }
}

/// The scheduling requests among `out`.
pub fn scheduled(out: &[Decision]) -> Vec<(Timestamp, Task)> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Schedule { at, task } => Some((*at, task.clone())),
            _ => None,
        })
        .collect()
}
