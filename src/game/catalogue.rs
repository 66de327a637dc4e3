//! The catalogue: the camps, roles and powers (base actions) a season is
//! played with, read from a TOML data file so game masters change the game
//! without touching code. A French default ships in the repository
//! (`data/game/catalogue.toml`, embedded: [`Catalogue::default_fr`]).
//!
//! The file is parsed in two steps, raw then validated, like the
//! configuration: the raw form keeps each value's position (`toml::Spanned`)
//! so every mistake is reported as `FILE:LINE` (an unknown trigger, a
//! reference to an unknown camp, role or action, an action no role uses, a
//! duplicate slug, a bad time). The validated form makes illegal states
//! unrepresentable: a `temporel` opening carries its clock time, a `delta`
//! closing its duration.
//!
//! # Format
//!
//! ```toml
//! [[camp]]            # slug, name, description, public, emoji
//! [[role]]            # slug, article, name, camp, actif, short, long, actions = [action slugs]
//! [[action]]          # slug, trigger_debut, trigger_fin, heure_debut, heure_fin,
//!                     # instant, base_cooldown, base_charges (absent = unlimited),
//!                     # refill = ["weekends"|"forgeron"|"rebouteux"|"divin"], decision_format
//! [[action.ciblage]]  # slug, type (joueur|vivant|mort|role|camp|booleen|texte),
//!                     # prio, prompt, obligatoire, doit_changer
//! ```
//!
//! Triggers: `temporel` (daily at `heure_debut`/`heure_fin`, "HH:MM"),
//! `delta` (closing only: `heure_fin` is a duration after opening, "2h",
//! "30m"), `perma`, `start` (opening only), `auto`, `mort`, `mot_mjs`,
//! `open_cond`, `open_maire`, `open_loups`, `close_cond`, `close_maire`,
//! `close_loups`.
//!
//! Two action slugs mean something to the pyre tally ([`super::tally`]):
//! [`MODIFICATION_VOTE`] (slots `votant` and `cible`: the voter's vote is
//! moved to the target) and [`AJOUT_VOTE`] (slot `cible`: the target gets
//! [`AJOUT_VOTE_BONUS`] more votes).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::clock::ClockTime;
use super::model::VoteKind;

/// The default French catalogue, shipped in the repository.
pub const DEFAULT_FR: &str = include_str!("../../data/game/catalogue.toml");

/// Action slug whose validated uses move one voter's pyre vote.
pub const MODIFICATION_VOTE: &str = "modification-vote";
/// Action slug whose validated uses add votes to a pyre target.
pub const AJOUT_VOTE: &str = "ajout-vote";
/// What one `ajout-vote` use adds: lg-rez's value, so seasons keep their
/// balance.
pub const AJOUT_VOTE_BONUS: u32 = 2;

/// A mistake in the catalogue, located in its file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("cannot read the game catalogue {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}:{line}: unknown trigger `{value}` for {field} (one of: {allowed})")]
    UnknownTrigger {
        file: String,
        line: usize,
        field: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error("{file}:{line}: unknown {kind} `{slug}`")]
    UnknownReference {
        file: String,
        line: usize,
        kind: &'static str,
        slug: String,
    },
    #[error("{file}:{line}: action without a role: no role lists `{slug}` in its actions")]
    ActionWithoutRole {
        file: String,
        line: usize,
        slug: String,
    },
    #[error("{file}:{line}: duplicate {kind} slug `{slug}`")]
    Duplicate {
        file: String,
        line: usize,
        kind: &'static str,
        slug: String,
    },
    #[error("{file}:{line}: bad time `{value}`: {why}")]
    BadTime {
        file: String,
        line: usize,
        value: String,
        why: String,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
}

/// What makes an action open or close.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Trigger {
    Temporel,
    Delta,
    Perma,
    Start,
    Auto,
    Mort,
    MotMjs,
    Open(VoteKind),
    Close(VoteKind),
}

impl Trigger {
    const OPENING: &'static str =
        "temporel, perma, start, auto, mort, mot_mjs, open_cond, open_maire, open_loups, close_cond, close_maire, close_loups";
    const CLOSING: &'static str =
        "temporel, delta, perma, auto, mort, mot_mjs, open_cond, open_maire, open_loups, close_cond, close_maire, close_loups";

    fn parse(s: &str) -> Option<Trigger> {
        Some(match s {
            "temporel" => Trigger::Temporel,
            "delta" => Trigger::Delta,
            "perma" => Trigger::Perma,
            "start" => Trigger::Start,
            "auto" => Trigger::Auto,
            "mort" => Trigger::Mort,
            "mot_mjs" => Trigger::MotMjs,
            "open_cond" => Trigger::Open(VoteKind::Cond),
            "open_maire" => Trigger::Open(VoteKind::Maire),
            "open_loups" => Trigger::Open(VoteKind::Loups),
            "close_cond" => Trigger::Close(VoteKind::Cond),
            "close_maire" => Trigger::Close(VoteKind::Maire),
            "close_loups" => Trigger::Close(VoteKind::Loups),
            _ => return None,
        })
    }
}

/// When an action opens, with the data that needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Every day at this local time (the weekend pause skipped).
    Temporel(ClockTime),
    Perma,
    Start,
    Auto,
    Mort,
    MotMjs,
    Open(VoteKind),
    Close(VoteKind),
}

impl Opening {
    pub fn trigger(self) -> Trigger {
        match self {
            Opening::Temporel(_) => Trigger::Temporel,
            Opening::Perma => Trigger::Perma,
            Opening::Start => Trigger::Start,
            Opening::Auto => Trigger::Auto,
            Opening::Mort => Trigger::Mort,
            Opening::MotMjs => Trigger::MotMjs,
            Opening::Open(k) => Trigger::Open(k),
            Opening::Close(k) => Trigger::Close(k),
        }
    }
}

/// When an action closes, with the data that needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// At the next occurrence of this local time.
    Temporel(ClockTime),
    /// This long after opening.
    Delta(Duration),
    /// Only at the weekend pause (or by an MJ).
    Perma,
    Auto,
    Mort,
    MotMjs,
    Open(VoteKind),
    Close(VoteKind),
}

impl Closing {
    pub fn trigger(self) -> Trigger {
        match self {
            Closing::Temporel(_) => Trigger::Temporel,
            Closing::Delta(_) => Trigger::Delta,
            Closing::Perma => Trigger::Perma,
            Closing::Auto => Trigger::Auto,
            Closing::Mort => Trigger::Mort,
            Closing::MotMjs => Trigger::MotMjs,
            Closing::Open(k) => Trigger::Open(k),
            Closing::Close(k) => Trigger::Close(k),
        }
    }
}

/// Why charges come back (`!refill <motif>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refill {
    /// Restores the base charges.
    Weekends,
    /// Adds one.
    Forgeron,
    /// Adds one.
    Rebouteux,
    /// Adds one, to any action with limited charges.
    Divin,
}

impl Refill {
    pub fn parse(s: &str) -> Option<Refill> {
        Some(match s {
            "weekends" => Refill::Weekends,
            "forgeron" => Refill::Forgeron,
            "rebouteux" => Refill::Rebouteux,
            "divin" => Refill::Divin,
            _ => return None,
        })
    }
}

/// What a target slot accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CibleType {
    Joueur,
    Vivant,
    Mort,
    Role,
    Camp,
    Booleen,
    Texte,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Camp {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub public: bool,
    pub emoji: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub slug: String,
    pub article: String,
    pub name: String,
    pub camp: String,
    pub actif: bool,
    pub short: String,
    pub long: String,
    pub actions: Vec<String>,
}

/// A target slot of an action (lg-rez's BaseCiblage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub slug: String,
    pub kind: CibleType,
    pub prio: u32,
    pub prompt: String,
    pub obligatoire: bool,
    /// Must differ from the same slot of the last validated use.
    pub doit_changer: bool,
}

/// A power template (lg-rez's BaseAction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseAction {
    pub slug: String,
    pub opening: Opening,
    pub closing: Closing,
    /// Immediate and irreversible: closes as soon as decided.
    pub instant: bool,
    /// Openings skipped after a use.
    pub base_cooldown: u32,
    /// `None`: unlimited.
    pub base_charges: Option<u32>,
    pub refill: Vec<Refill>,
    pub decision_format: String,
    /// In `prio` order.
    pub slots: Vec<Slot>,
}

/// The validated catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    pub camps: BTreeMap<String, Camp>,
    pub roles: BTreeMap<String, Role>,
    pub actions: BTreeMap<String, BaseAction>,
}

/// The placeholder role and camp of a player not assigned yet.
pub const NONATTR: &str = "nonattr";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    camp: Vec<RawCamp>,
    #[serde(default)]
    role: Vec<RawRole>,
    #[serde(default)]
    action: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCamp {
    slug: Spanned<String>,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "yes")]
    public: bool,
    #[serde(default)]
    emoji: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    slug: Spanned<String>,
    #[serde(default)]
    article: String,
    name: String,
    camp: Spanned<String>,
    #[serde(default = "yes")]
    actif: bool,
    #[serde(default)]
    short: String,
    #[serde(default)]
    long: String,
    #[serde(default)]
    actions: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    slug: Spanned<String>,
    trigger_debut: Spanned<String>,
    trigger_fin: Spanned<String>,
    heure_debut: Option<Spanned<String>>,
    heure_fin: Option<Spanned<String>>,
    #[serde(default)]
    instant: bool,
    #[serde(default)]
    base_cooldown: u32,
    base_charges: Option<u32>,
    #[serde(default)]
    refill: Vec<Spanned<String>>,
    #[serde(default)]
    decision_format: String,
    #[serde(default)]
    ciblage: Vec<RawSlot>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlot {
    slug: Spanned<String>,
    #[serde(rename = "type")]
    kind: CibleType,
    #[serde(default)]
    prio: u32,
    #[serde(default)]
    prompt: String,
    #[serde(default = "yes")]
    obligatoire: bool,
    #[serde(default)]
    doit_changer: bool,
}

fn yes() -> bool {
    true
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses "2h", "30m", "1h30m" (a `delta` closing).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number
            .parse()
            .map_err(|_| "expected a duration like \"2h\" or \"1h30m\"".to_owned())?;
        number.clear();
        total += match c {
            'h' => n * 3600,
            'm' => n * 60,
            's' => n,
            _ => return Err(format!("unknown unit `{c}` (h, m or s)")),
        };
        any = true;
    }
    if !number.is_empty() || !any || total == 0 {
        return Err("expected a positive duration like \"2h\" or \"1h30m\"".to_owned());
    }
    Ok(Duration::from_secs(total))
}

impl Catalogue {
    /// The default French catalogue.
    pub fn default_fr() -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(DEFAULT_FR, "data/game/catalogue.toml")
    }

    /// Reads and validates the catalogue at `path` (the only I/O here).
    pub fn from_file(path: &Path) -> Result<Catalogue, CatalogueError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
            file: file.clone(),
            source,
        })?;
        Catalogue::parse(&text, &file)
    }

    /// Validates `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Catalogue, CatalogueError> {
        let file = file.to_owned();
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
            file: file.clone(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().trim().to_owned(),
        })?;

        let mut camps = BTreeMap::new();
        for c in raw.camp {
            let slug = c.slug.get_ref().clone();
            if slug == NONATTR || camps.contains_key(&slug) {
                return Err(CatalogueError::Duplicate {
                    file,
                    line: at(c.slug.span()),
                    kind: "camp",
                    slug,
                });
            }
            camps.insert(
                slug.clone(),
                Camp {
                    slug,
                    name: c.name,
                    description: c.description,
                    public: c.public,
                    emoji: c.emoji,
                },
            );
        }

        let mut actions = BTreeMap::new();
        let mut action_lines = BTreeMap::new();
        for a in raw.action {
            let slug = a.slug.get_ref().clone();
            let line = at(a.slug.span());
            if actions.contains_key(&slug) {
                return Err(CatalogueError::Duplicate {
                    file,
                    line,
                    kind: "action",
                    slug,
                });
            }
            let base = validate_action(a, text, &file)?;
            action_lines.insert(slug.clone(), line);
            actions.insert(slug, base);
        }

        let mut roles = BTreeMap::new();
        let mut used = BTreeSet::new();
        for r in raw.role {
            let slug = r.slug.get_ref().clone();
            if slug == NONATTR || roles.contains_key(&slug) {
                return Err(CatalogueError::Duplicate {
                    file,
                    line: at(r.slug.span()),
                    kind: "role",
                    slug,
                });
            }
            if !camps.contains_key(r.camp.get_ref()) {
                return Err(CatalogueError::UnknownReference {
                    file,
                    line: at(r.camp.span()),
                    kind: "camp",
                    slug: r.camp.into_inner(),
                });
            }
            let mut list = Vec::new();
            for a in r.actions {
                if !actions.contains_key(a.get_ref()) {
                    return Err(CatalogueError::UnknownReference {
                        file,
                        line: at(a.span()),
                        kind: "action",
                        slug: a.into_inner(),
                    });
                }
                used.insert(a.get_ref().clone());
                list.push(a.into_inner());
            }
            roles.insert(
                slug.clone(),
                Role {
                    slug,
                    article: r.article,
                    name: r.name,
                    camp: r.camp.into_inner(),
                    actif: r.actif,
                    short: r.short,
                    long: r.long,
                    actions: list,
                },
            );
        }
        if let Some((slug, line)) = action_lines.iter().find(|(s, _)| !used.contains(*s)) {
            return Err(CatalogueError::ActionWithoutRole {
                file,
                line: *line,
                slug: slug.clone(),
            });
        }
        Ok(Catalogue {
            camps,
            roles,
            actions,
        })
    }

    /// Whether `slug` names a role (the placeholder `nonattr` included).
    pub fn has_role(&self, slug: &str) -> bool {
        slug == NONATTR || self.roles.contains_key(slug)
    }

    pub fn has_camp(&self, slug: &str) -> bool {
        slug == NONATTR || self.camps.contains_key(slug)
    }
}

fn validate_action(a: RawAction, text: &str, file: &str) -> Result<BaseAction, CatalogueError> {
    let file = file.to_owned();
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let slug_line = at(a.slug.span());
    let unknown = |s: &Spanned<String>, field: &'static str, allowed: &'static str| {
        CatalogueError::UnknownTrigger {
            file: file.clone(),
            line: at(s.span()),
            field,
            value: s.get_ref().clone(),
            allowed,
        }
    };
    let trigger = |s: &Spanned<String>, field: &'static str, allowed: &'static str| {
        Trigger::parse(s.get_ref()).ok_or_else(|| unknown(s, field, allowed))
    };
    let debut = trigger(&a.trigger_debut, "trigger_debut", Trigger::OPENING)?;
    let fin = trigger(&a.trigger_fin, "trigger_fin", Trigger::CLOSING)?;
    let missing = |field: &str, why: &str| CatalogueError::Invalid {
        file: file.clone(),
        line: slug_line,
        message: format!("action `{}` needs `{field}` ({why})", a.slug.get_ref()),
    };
    let clock = |s: &Spanned<String>| {
        ClockTime::parse(s.get_ref()).map_err(|why| CatalogueError::BadTime {
            file: file.clone(),
            line: at(s.span()),
            value: s.get_ref().clone(),
            why,
        })
    };
    let opening = match debut {
        Trigger::Temporel => match &a.heure_debut {
            Some(h) => Opening::Temporel(clock(h)?),
            None => return Err(missing("heure_debut", "a temporel opening")),
        },
        Trigger::Perma => Opening::Perma,
        Trigger::Start => Opening::Start,
        Trigger::Auto => Opening::Auto,
        Trigger::Mort => Opening::Mort,
        Trigger::MotMjs => Opening::MotMjs,
        Trigger::Open(k) => Opening::Open(k),
        Trigger::Close(k) => Opening::Close(k),
        Trigger::Delta => return Err(unknown(&a.trigger_debut, "trigger_debut", Trigger::OPENING)),
    };
    let closing = match fin {
        Trigger::Temporel => match &a.heure_fin {
            Some(h) => Closing::Temporel(clock(h)?),
            None => return Err(missing("heure_fin", "a temporel closing")),
        },
        Trigger::Delta => match &a.heure_fin {
            Some(h) => Closing::Delta(parse_duration(h.get_ref()).map_err(|why| {
                CatalogueError::BadTime {
                    file: file.clone(),
                    line: at(h.span()),
                    value: h.get_ref().clone(),
                    why,
                }
            })?),
            None => return Err(missing("heure_fin", "the duration of a delta closing")),
        },
        Trigger::Perma => Closing::Perma,
        Trigger::Auto => Closing::Auto,
        Trigger::Start => return Err(unknown(&a.trigger_fin, "trigger_fin", Trigger::CLOSING)),
        Trigger::Mort => Closing::Mort,
        Trigger::MotMjs => Closing::MotMjs,
        Trigger::Open(k) => Closing::Open(k),
        Trigger::Close(k) => Closing::Close(k),
    };
    let mut refill = Vec::new();
    for r in &a.refill {
        match Refill::parse(r.get_ref()) {
            Some(k) => refill.push(k),
            None => {
                return Err(CatalogueError::Invalid {
                    file,
                    line: at(r.span()),
                    message: format!(
                        "unknown refill keyword `{}` (weekends, forgeron, rebouteux or divin)",
                        r.get_ref()
                    ),
                })
            }
        }
    }
    let mut slots: Vec<Slot> = Vec::new();
    for s in a.ciblage {
        if slots.iter().any(|o| &o.slug == s.slug.get_ref()) {
            return Err(CatalogueError::Duplicate {
                file,
                line: at(s.slug.span()),
                kind: "ciblage",
                slug: s.slug.into_inner(),
            });
        }
        slots.push(Slot {
            slug: s.slug.into_inner(),
            kind: s.kind,
            prio: s.prio,
            prompt: s.prompt,
            obligatoire: s.obligatoire,
            doit_changer: s.doit_changer,
        });
    }
    slots.sort_by_key(|s| s.prio);
    Ok(BaseAction {
        slug: a.slug.into_inner(),
        opening,
        closing,
        instant: a.instant,
        base_cooldown: a.base_cooldown,
        base_charges: a.base_charges,
        refill,
        decision_format: a.decision_format,
        slots,
    })
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Trigger::Temporel => "temporel",
            Trigger::Delta => "delta",
            Trigger::Perma => "perma",
            Trigger::Start => "start",
            Trigger::Auto => "auto",
            Trigger::Mort => "mort",
            Trigger::MotMjs => "mot_mjs",
            Trigger::Open(k) => return write!(f, "open_{}", k.slug()),
            Trigger::Close(k) => return write!(f, "close_{}", k.slug()),
        };
        f.write_str(s)
    }
}
