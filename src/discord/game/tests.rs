//! The description and the diff, against a simulated guild: a fresh guild
//! gets everything, a right one nothing, each drift its repair; and the
//! digest's access rule keeps every private game channel out of captures.

use serenity::model::Permissions;

use super::diff::*;
use super::structure::*;
use crate::digest::access::{self, GuildAccess, Reader};
use crate::digest::archive::Directory;
use crate::digest::channels::Channels;

const GUILD: u64 = 1_000;
const BOT_ID: u64 = 999;
const ALICE: u64 = 501;
const BOB: u64 = 502;

fn players() -> Vec<PlayerRef<'static>> {
    vec![
        PlayerRef {
            user_id: ALICE,
            display_name: "Alice Martin",
        },
        PlayerRef {
            user_id: BOB,
            display_name: "Bob",
        },
    ]
}

fn empty_guild() -> Observed {
    Observed {
        guild_id: GUILD,
        bot_id: BOT_ID,
        roles: vec![ObservedRole {
            id: GUILD,
            name: "@everyone".into(),
            position: 0,
            permissions: Permissions::from_bits_truncate(104_324_673),
        }],
        channels: vec![ObservedChannel {
            id: 5,
            name: "général".into(),
            kind: ObservedKind::Text,
            parent: None,
            overwrites: Vec::new(),
        }],
    }
}

/// Performs a plan on the simulated guild as Discord would, ids counting up.
fn perform(guild: &mut Observed, plan: &Plan) {
    let mut found = plan.found.clone();
    let mut next = 10_000 + guild.channels.len() as u64 * 100 + guild.roles.len() as u64;
    let (guild_id, bot_id) = (guild.guild_id, guild.bot_id);
    let resolve_all = |specs: &[OverwriteSpec], found: &Found| -> Vec<ObservedOverwrite> {
        specs
            .iter()
            .map(|s| ObservedOverwrite {
                target: resolve(s.who, guild_id, bot_id, &found.roles).expect("role created first"),
                allow: s.allow,
                deny: s.deny,
            })
            .collect()
    };
    for op in &plan.ops {
        next += 1;
        match op {
            Op::CreateRole(role) => {
                guild.roles.push(ObservedRole {
                    id: next,
                    name: role.name().into(),
                    position: guild.roles.len() as u16,
                    permissions: role.permissions(),
                });
                found.roles.insert(*role, next);
            }
            Op::SetRolePermissions { role, id } => {
                let r = guild.roles.iter_mut().find(|r| r.id == *id).expect("role");
                r.permissions = role.permissions();
            }
            Op::CreateCategory { category, name } => {
                let overwrites = resolve_all(&category.overwrites(), &found);
                guild.channels.push(ObservedChannel {
                    id: next,
                    name: name.clone(),
                    kind: ObservedKind::Category,
                    parent: None,
                    overwrites,
                });
                found.categories.insert(name.clone(), next);
            }
            Op::CreateChannel { spec, parent } => {
                let overwrites = resolve_all(&spec.overwrites, &found);
                guild.channels.push(ObservedChannel {
                    id: next,
                    name: spec.name.clone(),
                    kind: ObservedKind::Text,
                    parent: Some(found.categories[parent]),
                    overwrites,
                });
            }
            Op::MoveChannel {
                channel, parent, ..
            } => {
                let c = guild
                    .channels
                    .iter_mut()
                    .find(|c| c.id == *channel)
                    .expect("channel");
                c.parent = Some(found.categories[parent]);
            }
            Op::SetOverwrite {
                channel, overwrite, ..
            } => {
                let o = resolve_all(&[*overwrite], &found)[0];
                let c = guild
                    .channels
                    .iter_mut()
                    .find(|c| c.id == *channel)
                    .expect("channel");
                c.overwrites.retain(|x| x.target != o.target);
                c.overwrites.push(o);
            }
        }
    }
}

fn built_guild(players: &[PlayerRef]) -> Observed {
    let mut guild = empty_guild();
    let plan = diff(&desired(players), &guild);
    perform(&mut guild, &plan);
    guild
}

fn channel<'a>(guild: &'a Observed, name: &str) -> &'a ObservedChannel {
    guild
        .channels
        .iter()
        .find(|c| c.name == name && c.parent.is_some())
        .unwrap_or_else(|| panic!("no game channel {name}"))
}

fn role_id(guild: &Observed, role: GameRole) -> u64 {
    guild
        .roles
        .iter()
        .find(|r| r.name == role.name())
        .expect("role")
        .id
}

#[test]
fn a_fresh_guild_gets_every_role_category_and_channel() {
    let plan = diff(&desired(&players()), &empty_guild());
    let count = |f: fn(&Op) -> bool| plan.ops.iter().filter(|o| f(o)).count();
    assert_eq!(
        count(|o| matches!(o, Op::CreateRole(_))),
        GameRole::ALL.len()
    );
    assert_eq!(
        count(|o| matches!(o, Op::CreateCategory { .. })),
        Category::ALL.len()
    );
    assert_eq!(
        count(|o| matches!(o, Op::CreateChannel { .. })),
        fixed_channels().len() + 2
    );
    assert_eq!(
        plan.ops.len(),
        GameRole::ALL.len() + Category::ALL.len() + fixed_channels().len() + 2
    );
    // The unrelated "général" outside the game's categories is not taken.
    assert!(plan.found.channels.is_empty());
}

#[test]
fn a_right_guild_needs_nothing() {
    let guild = built_guild(&players());
    assert_eq!(diff(&desired(&players()), &guild).ops, Vec::<Op>::new());
}

#[test]
fn a_deleted_channel_is_recreated_in_its_category() {
    let mut guild = built_guild(&players());
    let debats = channel(&guild, "débats").id;
    guild.channels.retain(|c| c.id != debats);
    let plan = diff(&desired(&players()), &guild);
    assert!(
        matches!(&plan.ops[..], [Op::CreateChannel { spec, parent }] if spec.name == "débats" && parent == "PLACE DU VILLAGE"),
        "{:?}",
        plan.ops
    );
    perform(&mut guild, &plan);
    assert!(diff(&desired(&players()), &guild).ops.is_empty());
}

#[test]
fn a_changed_overwrite_is_set_back() {
    let mut guild = built_guild(&players());
    let vivant = role_id(&guild, GameRole::Vivant);
    let spam = guild
        .channels
        .iter_mut()
        .find(|c| c.name == "spam")
        .expect("spam");
    let o = spam
        .overwrites
        .iter_mut()
        .find(|o| o.target == Target::Role(vivant))
        .expect("living's overwrite");
    o.allow = READ;
    o.deny = POST;
    let plan = diff(&desired(&players()), &guild);
    assert!(
        matches!(&plan.ops[..], [Op::SetOverwrite { name, overwrite, .. }] if name == "spam" && overwrite.who == Who::Role(GameRole::Vivant) && overwrite.allow == READ | POST),
        "{:?}",
        plan.ops
    );
}

#[test]
fn a_moved_channel_is_moved_back_and_foreign_overwrites_are_kept() {
    let mut guild = built_guild(&players());
    let camps = channel(&guild, "tanière-des-loups").parent;
    let village = channel(&guild, "annonces").parent;
    let den = guild
        .channels
        .iter_mut()
        .find(|c| c.name == "tanière-des-loups")
        .expect("den");
    den.parent = village;
    // An MJ added a wolf by hand: not the structure's business.
    den.overwrites.push(ObservedOverwrite {
        target: Target::Member(ALICE),
        allow: READ | POST,
        deny: Permissions::empty(),
    });
    let plan = diff(&desired(&players()), &guild);
    assert!(
        matches!(&plan.ops[..], [Op::MoveChannel { parent, .. }] if parent == "CONVERSATIONS CAMPS"),
        "{:?}",
        plan.ops
    );
    perform(&mut guild, &plan);
    assert_eq!(channel(&guild, "tanière-des-loups").parent, camps);
}

#[test]
fn a_renamed_role_is_recreated_and_a_changed_one_reset() {
    let mut guild = built_guild(&players());
    let maire = role_id(&guild, GameRole::Maire);
    guild
        .roles
        .iter_mut()
        .find(|r| r.id == maire)
        .expect("maire")
        .permissions = Permissions::ADMINISTRATOR;
    guild
        .roles
        .iter_mut()
        .find(|r| r.name == "Observateur")
        .expect("obs")
        .name = "Spectateur".into();
    let plan = diff(&desired(&players()), &guild);
    assert!(plan.ops.contains(&Op::SetRolePermissions {
        role: GameRole::Maire,
        id: maire
    }));
    assert!(plan.ops.contains(&Op::CreateRole(GameRole::Observateur)));
    perform(&mut guild, &plan);
    assert!(diff(&desired(&players()), &guild).ops.is_empty());
}

#[test]
fn player_channels_overflow_past_fifty() {
    let names: Vec<String> = (0..51).map(|i| format!("Joueur {i}")).collect();
    let many: Vec<PlayerRef> = names
        .iter()
        .enumerate()
        .map(|(i, n)| PlayerRef {
            user_id: 600 + i as u64,
            display_name: n,
        })
        .collect();
    let plan = diff(&desired(&many), &empty_guild());
    let last = plan.ops.iter().rev().find_map(|o| match o {
        Op::CreateChannel { spec, parent } if matches!(spec.key, ChannelKey::Player(_)) => {
            Some(parent.clone())
        }
        _ => None,
    });
    assert_eq!(last.as_deref(), Some("CONVERSATION BOT 2"));
    let mut guild = empty_guild();
    perform(&mut guild, &plan);
    assert!(diff(&desired(&many), &guild).ops.is_empty());
}

#[test]
fn a_same_named_channel_outside_the_game_is_left_alone() {
    let mut guild = built_guild(&players());
    let foreign = guild
        .channels
        .iter()
        .find(|c| c.name == "général" && c.parent.is_none())
        .expect("foreign");
    assert_eq!(foreign.overwrites, Vec::new(), "never touched");
    guild
        .channels
        .retain(|c| !(c.name == "général" && c.parent.is_some()));
    let plan = diff(&desired(&players()), &guild);
    assert!(matches!(&plan.ops[..], [Op::CreateChannel { spec, .. }] if spec.name == "général"));
}

/// The access rule of the digest, fed with what the structure builds.
fn access(guild: &Observed) -> GuildAccess {
    let convert = |o: &ObservedOverwrite| access::Overwrite {
        target: match o.target {
            Target::Role(id) => access::Target::Role(id),
            Target::Member(id) => access::Target::Member(id),
        },
        allow: o.allow.bits(),
        deny: o.deny.bits(),
    };
    GuildAccess::new(
        GUILD,
        7, // the owner: someone else
        guild.roles.iter().map(|r| (r.id, r.permissions.bits())),
        guild
            .channels
            .iter()
            .map(|c| (c.id, c.overwrites.iter().map(convert).collect())),
    )
}

#[test]
fn the_digest_never_captures_a_private_game_channel() {
    let guild = built_guild(&players());
    // The digest's own capture decision, with its default rules.
    let capture = Channels::new(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Directory::default(),
        Default::default(),
    );
    let texts: Vec<(u64, String)> = guild
        .channels
        .iter()
        .filter(|c| c.kind == ObservedKind::Text)
        .map(|c| (c.id, c.name.clone()))
        .collect();
    capture.set_guild(GUILD, "Saison", texts.clone());
    capture.set_access(access(&guild));
    for (id, name) in &texts {
        let in_game = guild
            .channels
            .iter()
            .any(|c| c.id == *id && c.parent.is_some());
        let expected = !in_game || name == "bienvenue";
        assert_eq!(capture.is_watched(*id), expected, "#{name}");
    }
    let rule = access(&guild);
    for c in guild.channels.iter().filter(|c| c.parent.is_some()) {
        assert_eq!(rule.is_public(c.id), c.name == "bienvenue", "#{}", c.name);
    }
    // And a boudoir made with the structure's overwrites.
    let roles: std::collections::BTreeMap<_, _> = GameRole::ALL
        .iter()
        .map(|r| (*r, role_id(&guild, *r)))
        .collect();
    let boudoir: Vec<_> = boudoir_overwrites(&[ALICE])
        .iter()
        .map(|s| {
            let t = resolve(s.who, GUILD, BOT_ID, &roles).expect("resolved");
            access::Overwrite {
                target: match t {
                    Target::Role(id) => access::Target::Role(id),
                    Target::Member(id) => access::Target::Member(id),
                },
                allow: s.allow.bits(),
                deny: s.deny.bits(),
            }
        })
        .collect();
    let mut rule = rule;
    rule.set_channel(77, boudoir);
    assert!(!rule.is_public(77));
}

#[test]
fn who_reads_and_writes_what() {
    let guild = built_guild(&players());
    let rule = access(&guild);
    let vivant = [role_id(&guild, GameRole::Vivant)];
    let mort = [role_id(&guild, GameRole::Mort)];
    let obs = [role_id(&guild, GameRole::Observateur)];
    let send = Permissions::SEND_MESSAGES.bits();
    let view = Permissions::VIEW_CHANNEL.bits();
    let perms = |name: &str, user_id: u64, roles: &[u64]| {
        rule.permissions(channel(&guild, name).id, Reader::Member { user_id, roles })
            .expect("known")
    };
    let can = |p: u64, bit: u64| p & bit != 0;
    // The village: the living talk, the dead and observers read.
    assert!(can(perms("débats", ALICE, &vivant), send));
    assert!(can(perms("débats", ALICE, &mort), view) && !can(perms("débats", ALICE, &mort), send));
    assert!(can(perms("débats", 9, &obs), view) && !can(perms("débats", 9, &obs), send));
    // Only the bot and MJs post announcements.
    assert!(!can(perms("annonces", ALICE, &vivant), send));
    assert!(can(perms("annonces", BOT_ID, &[]), send));
    // The dead write in enfer, the living do not see it.
    assert!(can(perms("enfer", ALICE, &mort), send));
    assert!(!can(perms("enfer", ALICE, &vivant), view));
    // A player's channel: the player (even dead) writes, observers read, others see nothing.
    let alice = "conv-bot-alice-martin";
    assert!(can(perms(alice, ALICE, &mort), send));
    assert!(can(perms(alice, 9, &obs), view) && !can(perms(alice, 9, &obs), send));
    assert!(!can(perms(alice, BOB, &vivant), view));
    // MJ house: observers read, players do not see it.
    assert!(!can(perms("logs", ALICE, &vivant), view));
    assert!(can(perms("logs", 9, &obs), view));
    // MJs are administrators.
    assert!(rule.is_administrator(Reader::Member {
        user_id: 8,
        roles: &[role_id(&guild, GameRole::Mj)]
    }));
}

#[test]
fn in_a_boudoir_members_read_and_only_the_living_post() {
    let guild = built_guild(&players());
    let roles: std::collections::BTreeMap<_, _> = GameRole::ALL
        .iter()
        .map(|r| (*r, role_id(&guild, *r)))
        .collect();
    let overwrites = boudoir_overwrites(&[ALICE, BOB, ALICE])
        .iter()
        .map(|s| {
            let target = match resolve(s.who, GUILD, BOT_ID, &roles).expect("resolved") {
                Target::Role(id) => access::Target::Role(id),
                Target::Member(id) => access::Target::Member(id),
            };
            access::Overwrite {
                target,
                allow: s.allow.bits(),
                deny: s.deny.bits(),
            }
        })
        .collect::<Vec<_>>();
    assert_eq!(
        overwrites.len(),
        6,
        "one overwrite per member, duplicates dropped"
    );
    let mut rule = access(&guild);
    rule.set_channel(77, overwrites);
    let (vivant, mort) = ([roles[&GameRole::Vivant]], [roles[&GameRole::Mort]]);
    let p = |user_id, roles: &[u64]| {
        rule.permissions(77, Reader::Member { user_id, roles })
            .expect("known")
    };
    let (view, send) = (
        Permissions::VIEW_CHANNEL.bits(),
        Permissions::SEND_MESSAGES.bits(),
    );
    assert!(p(ALICE, &vivant) & send != 0);
    assert!(p(BOB, &mort) & view != 0 && p(BOB, &mort) & send == 0);
    assert!(
        p(503, &vivant) & view == 0,
        "a living non-member does not see it"
    );
}
