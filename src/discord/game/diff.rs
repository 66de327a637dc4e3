//! From what the guild holds to what the structure wants: the list of
//! operations that repairs it. Pure; the shell ([`super::apply`]) reads the
//! guild into [`Observed`] and performs the [`Op`]s in order.
//!
//! Idempotent: on a guild that matches, the plan is empty.
//!
//! # What is the game's (the rule that keeps the bot off everything else)
//! - A role is the game's if its name is one of [`GameRole::name`]; the
//!   first such role (lowest position) is used.
//! - A category is the game's if its name is one of [`Category`]'s (or an
//!   overflow "CONVERSATION BOT n").
//! - A text channel is the game's only if it sits under one of the game's
//!   categories and has the name of one of the structure's channels. A
//!   channel of the same name elsewhere is someone else's and left alone.
//! - So a channel the MJs or players create under a game category (a
//!   boudoir) must not take a fixed channel's name: were that channel
//!   deleted, the namesake would be taken for it and moved. Phase 2 names
//!   boudoirs with a prefix of their own.
//! - Only the overwrites the structure names are set; other overwrites
//!   (the MJs adding a member to the wolves' den, a role of their own) are
//!   never removed. Nothing is ever deleted.

use std::collections::{BTreeMap, BTreeSet};

use serenity::model::Permissions;

use super::structure::{
    Category, ChannelKey, ChannelSpec, Desired, GameRole, OverwriteSpec, Who, CHANNELS_PER_CATEGORY,
};

/// Whom an existing overwrite is for, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Role(u64),
    Member(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObservedOverwrite {
    pub target: Target,
    pub allow: Permissions,
    pub deny: Permissions,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedRole {
    pub id: u64,
    pub name: String,
    pub position: u16,
    pub permissions: Permissions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservedKind {
    Category,
    Text,
    /// Voice, forum…: never the game's.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedChannel {
    pub id: u64,
    pub name: String,
    pub kind: ObservedKind,
    pub parent: Option<u64>,
    pub overwrites: Vec<ObservedOverwrite>,
}

/// The guild as the shell read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// Also the id of `@everyone`.
    pub guild_id: u64,
    pub bot_id: u64,
    pub roles: Vec<ObservedRole>,
    pub channels: Vec<ObservedChannel>,
}

/// One change to make, in plan order: roles, then categories, then
/// channels, then moves and overwrites (whose roles may be new).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    CreateRole(GameRole),
    SetRolePermissions {
        role: GameRole,
        id: u64,
    },
    /// A category, by its full name (overflow number included).
    CreateCategory {
        category: Category,
        name: String,
    },
    CreateChannel {
        spec: ChannelSpec,
        /// Name of the category to create it in.
        parent: String,
    },
    MoveChannel {
        channel: u64,
        key: ChannelKey,
        parent: String,
    },
    SetOverwrite {
        channel: u64,
        name: String,
        overwrite: OverwriteSpec,
    },
}

/// The ids found, by what they are: the caller completes them with the
/// ids of what it creates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub roles: BTreeMap<GameRole, u64>,
    /// Categories by full name.
    pub categories: BTreeMap<String, u64>,
    pub channels: BTreeMap<ChannelKey, u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub ops: Vec<Op>,
    pub found: Found,
}

/// Resolves an overwrite's target with the ids known so far (`None`: a
/// role not created yet).
pub fn resolve(
    who: Who,
    guild_id: u64,
    bot_id: u64,
    roles: &BTreeMap<GameRole, u64>,
) -> Option<Target> {
    match who {
        Who::Everyone => Some(Target::Role(guild_id)),
        Who::Role(role) => roles.get(&role).map(|id| Target::Role(*id)),
        Who::Bot => Some(Target::Member(bot_id)),
        Who::Member(user) => Some(Target::Member(user)),
    }
}

pub fn diff(desired: &Desired, guild: &Observed) -> Plan {
    let mut plan = Plan::default();

    let mut roles: Vec<&ObservedRole> = guild.roles.iter().collect();
    roles.sort_by_key(|r| (r.position, r.id));
    for role in GameRole::ALL {
        match roles.iter().find(|r| r.name == role.name()) {
            None => plan.ops.push(Op::CreateRole(role)),
            Some(found) => {
                plan.found.roles.insert(role, found.id);
                if found.permissions != role.permissions() {
                    plan.ops.push(Op::SetRolePermissions { role, id: found.id });
                }
            }
        }
    }

    // The game's categories present, by full name (first of each name).
    let mut categories: BTreeMap<String, &ObservedChannel> = BTreeMap::new();
    for channel in &guild.channels {
        if channel.kind == ObservedKind::Category && Category::parse(&channel.name).is_some() {
            categories.entry(channel.name.clone()).or_insert(channel);
        }
    }
    let game_parents: BTreeSet<u64> = categories.values().map(|c| c.id).collect();
    let conv_bot: BTreeSet<u64> = categories
        .values()
        .filter(|c| matches!(Category::parse(&c.name), Some((Category::ConvBot, _))))
        .map(|c| c.id)
        .collect();

    // Categories: each fixed one, and the overflow ones that exist.
    let mut category_ops = Vec::new();
    let mut wanted_categories: Vec<(Category, String)> = Category::ALL
        .iter()
        .map(|c| (*c, c.name().to_owned()))
        .collect();
    for name in categories.keys() {
        if let Some((category, n)) = Category::parse(name).filter(|(_, n)| *n >= 2) {
            wanted_categories.push((category, category.name_at(n)));
        }
    }
    for (category, name) in &wanted_categories {
        match categories.get(name) {
            None => category_ops.push(Op::CreateCategory {
                category: *category,
                name: name.clone(),
            }),
            Some(found) => {
                plan.found.categories.insert(name.clone(), found.id);
                plan.ops.extend(overwrite_ops(
                    found,
                    &category.overwrites(),
                    guild,
                    &plan.found.roles,
                ));
            }
        }
    }

    // Channel occupancy of each player-channel category, to place new ones.
    let mut occupancy: BTreeMap<usize, usize> = BTreeMap::new();
    for name in categories.keys() {
        if let Some((Category::ConvBot, n)) = Category::parse(name) {
            let id = categories[name].id;
            let count = guild
                .channels
                .iter()
                .filter(|c| c.parent == Some(id))
                .count();
            occupancy.insert(n, count);
        }
    }
    occupancy.entry(1).or_insert(0);

    let mut channel_ops = Vec::new();
    let mut later_ops = Vec::new();
    for spec in &desired.channels {
        let candidates: Vec<&ObservedChannel> = guild
            .channels
            .iter()
            .filter(|c| c.kind == ObservedKind::Text && c.name == spec.name)
            .filter(|c| c.parent.is_some_and(|p| game_parents.contains(&p)))
            .collect();
        let in_place = |c: &&ObservedChannel| match spec.category {
            Category::ConvBot => c.parent.is_some_and(|p| conv_bot.contains(&p)),
            other => c.parent == plan.found.categories.get(other.name()).copied(),
        };
        let found = candidates
            .iter()
            .find(|c| in_place(c))
            .or_else(|| candidates.first())
            .copied();
        match found {
            None => {
                let parent = place(spec.category, &mut occupancy, &mut category_ops);
                channel_ops.push(Op::CreateChannel {
                    spec: spec.clone(),
                    parent,
                });
            }
            Some(channel) => {
                plan.found.channels.insert(spec.key.clone(), channel.id);
                if !in_place(&channel) {
                    let parent = place(spec.category, &mut occupancy, &mut category_ops);
                    later_ops.push(Op::MoveChannel {
                        channel: channel.id,
                        key: spec.key.clone(),
                        parent,
                    });
                }
                later_ops.extend(overwrite_ops(
                    channel,
                    &spec.overwrites,
                    guild,
                    &plan.found.roles,
                ));
            }
        }
    }
    plan.ops.extend(category_ops);
    plan.ops.extend(channel_ops);
    plan.ops.extend(later_ops);
    plan
}

/// The category a new (or moved) channel goes to: its own, or for a
/// player channel the first "CONVERSATION BOT n" with room, planning a new
/// overflow category when all are full.
fn place(category: Category, occupancy: &mut BTreeMap<usize, usize>, ops: &mut Vec<Op>) -> String {
    if category != Category::ConvBot {
        return category.name().to_owned();
    }
    let free = occupancy
        .iter()
        .find(|(_, count)| **count < CHANNELS_PER_CATEGORY)
        .map(|(n, _)| *n);
    let n = match free {
        Some(n) => n,
        None => {
            let n = occupancy.keys().max().map_or(1, |m| m + 1);
            ops.push(Op::CreateCategory {
                category,
                name: category.name_at(n),
            });
            n
        }
    };
    *occupancy.entry(n).or_insert(0) += 1;
    category.name_at(n)
}

/// The overwrites of `wanted` that `channel` lacks or holds differently.
fn overwrite_ops(
    channel: &ObservedChannel,
    wanted: &[OverwriteSpec],
    guild: &Observed,
    roles: &BTreeMap<GameRole, u64>,
) -> Vec<Op> {
    wanted
        .iter()
        .filter(|spec| {
            let Some(target) = resolve(spec.who, guild.guild_id, guild.bot_id, roles) else {
                return true;
            };
            !channel
                .overwrites
                .iter()
                .any(|o| o.target == target && o.allow == spec.allow && o.deny == spec.deny)
        })
        .map(|spec| Op::SetOverwrite {
            channel: channel.id,
            name: channel.name.clone(),
            overwrite: *spec,
        })
        .collect()
}
