//! The shell: reads the guild through serenity's HTTP client, asks
//! [`super::diff`] what is missing, performs it, and hands back the ids.
//!
//! Every call has a deadline ([`CALL_DEADLINE`]) on top of the client's own;
//! an error names the operation and the channel or role it was for. It
//! never deletes, never posts, so it cannot ping anyone.

use std::time::Duration;

use serenity::builder::{CreateChannel, EditChannel, EditRole};
use serenity::http::Http;
use serenity::model::channel::{
    ChannelType, GuildChannel, PermissionOverwrite, PermissionOverwriteType,
};
use serenity::model::guild::Role;
use serenity::model::id::{ChannelId, GuildId, RoleId, UserId};

use super::diff::{
    diff, resolve, Found, Observed, ObservedChannel, ObservedKind, ObservedOverwrite, ObservedRole,
    Op, Target,
};
use super::structure::{desired, ChannelKey, GameRole, OverwriteSpec, PlayerRef};

/// Longest wait for one call to Discord: the HTTP client's own deadline
/// covers a single request, this one also covers serenity's retries.
pub const CALL_DEADLINE: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum StructureError {
    #[error("discord did not answer within {CALL_DEADLINE:?} while trying to {what}")]
    Timeout { what: String },
    #[error("discord refused to {what}: {source}")]
    Discord {
        what: String,
        #[source]
        source: Box<serenity::Error>,
    },
    #[error("cannot {what}: {missing} does not exist (its creation failed earlier?)")]
    Missing { what: String, missing: String },
}

/// The ids of the game's roles, categories and channels, for the caller
/// to store (phase 2 keeps them with the season).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StructureIds {
    pub roles: std::collections::BTreeMap<GameRole, RoleId>,
    /// By full name ("CONVERSATION BOT 2" included).
    pub categories: std::collections::BTreeMap<String, ChannelId>,
    /// Fixed channels by name, players' channels by user id.
    pub channels: std::collections::BTreeMap<ChannelKey, ChannelId>,
    /// How many changes this run made (0 on a guild already right).
    pub changes: usize,
}

async fn call<T>(
    what: impl FnOnce() -> String,
    fut: impl std::future::Future<Output = serenity::Result<T>>,
) -> Result<T, StructureError> {
    match tokio::time::timeout(CALL_DEADLINE, fut).await {
        Err(_) => Err(StructureError::Timeout { what: what() }),
        Ok(Err(source)) => Err(StructureError::Discord {
            what: what(),
            source: Box::new(source),
        }),
        Ok(Ok(value)) => Ok(value),
    }
}

/// Creates what is missing of the game's structure in `guild` and repairs
/// drift (moved channels, changed overwrites, role permissions), for the
/// fixed channels and one private channel per player. Running it again on
/// a guild it left right makes no change (`changes == 0`).
pub async fn ensure_structure(
    http: &Http,
    guild: GuildId,
    players: &[PlayerRef<'_>],
) -> Result<StructureIds, StructureError> {
    let observed = read_guild(http, guild).await?;
    let plan = diff(&desired(players), &observed);
    let mut ids: Found = plan.found;
    let changes = plan.ops.len();
    for op in plan.ops {
        perform(http, guild, &observed, &mut ids, op).await?;
    }
    Ok(StructureIds {
        roles: ids
            .roles
            .into_iter()
            .map(|(r, id)| (r, RoleId::new(id)))
            .collect(),
        categories: ids
            .categories
            .into_iter()
            .map(|(n, id)| (n, ChannelId::new(id)))
            .collect(),
        channels: ids
            .channels
            .into_iter()
            .map(|(k, id)| (k, ChannelId::new(id)))
            .collect(),
        changes,
    })
}

/// The guild's roles and channels, and the bot's id, as plain data.
pub async fn read_guild(http: &Http, guild: GuildId) -> Result<Observed, StructureError> {
    let me = call(|| "read the bot's own user".into(), http.get_current_user()).await?;
    let roles = call(
        || format!("list the roles of guild {guild}"),
        http.get_guild_roles(guild),
    )
    .await?;
    let channels = call(
        || format!("list the channels of guild {guild}"),
        http.get_channels(guild),
    )
    .await?;
    Ok(Observed {
        guild_id: guild.get(),
        bot_id: me.id.get(),
        roles: roles.iter().map(observed_role).collect(),
        channels: channels.iter().map(observed_channel).collect(),
    })
}

fn observed_role(role: &Role) -> ObservedRole {
    ObservedRole {
        id: role.id.get(),
        name: role.name.clone(),
        position: role.position,
        permissions: role.permissions,
    }
}

/// What the diff needs of a channel (serenity's model, from HTTP or the
/// gateway alike).
pub fn observed_channel(channel: &GuildChannel) -> ObservedChannel {
    ObservedChannel {
        id: channel.id.get(),
        name: channel.name.clone(),
        kind: match channel.kind {
            ChannelType::Category => ObservedKind::Category,
            ChannelType::Text => ObservedKind::Text,
            _ => ObservedKind::Other,
        },
        parent: channel.parent_id.map(ChannelId::get),
        overwrites: channel
            .permission_overwrites
            .iter()
            .filter_map(|o| {
                let target = match o.kind {
                    PermissionOverwriteType::Member(user) => Target::Member(user.get()),
                    PermissionOverwriteType::Role(role) => Target::Role(role.get()),
                    _ => return None,
                };
                Some(ObservedOverwrite {
                    target,
                    allow: o.allow,
                    deny: o.deny,
                })
            })
            .collect(),
    }
}

/// serenity's overwrite for a spec, once its role exists.
fn overwrite(
    spec: &OverwriteSpec,
    observed: &Observed,
    ids: &Found,
) -> Result<PermissionOverwrite, StructureError> {
    let target =
        resolve(spec.who, observed.guild_id, observed.bot_id, &ids.roles).ok_or_else(|| {
            StructureError::Missing {
                what: "set a permission overwrite".into(),
                missing: format!("{:?}", spec.who),
            }
        })?;
    Ok(PermissionOverwrite {
        allow: spec.allow,
        deny: spec.deny,
        kind: match target {
            Target::Role(id) => PermissionOverwriteType::Role(RoleId::new(id)),
            Target::Member(id) => PermissionOverwriteType::Member(UserId::new(id)),
        },
    })
}

fn category_id(ids: &Found, name: &str, what: &str) -> Result<ChannelId, StructureError> {
    ids.categories
        .get(name)
        .map(|id| ChannelId::new(*id))
        .ok_or_else(|| StructureError::Missing {
            what: what.to_owned(),
            missing: format!("category {name}"),
        })
}

async fn perform(
    http: &Http,
    guild: GuildId,
    observed: &Observed,
    ids: &mut Found,
    op: Op,
) -> Result<(), StructureError> {
    match op {
        Op::CreateRole(role) => {
            let builder = EditRole::new()
                .name(role.name())
                .permissions(role.permissions())
                .mentionable(false)
                .hoist(false);
            let created = call(
                || format!("create the role {}", role.name()),
                guild.create_role(http, builder),
            )
            .await?;
            ids.roles.insert(role, created.id.get());
        }
        Op::SetRolePermissions { role, id } => {
            let builder = EditRole::new().permissions(role.permissions());
            call(
                || format!("set the permissions of the role {}", role.name()),
                guild.edit_role(http, RoleId::new(id), builder),
            )
            .await?;
        }
        Op::CreateCategory { category, name } => {
            let overwrites = category
                .overwrites()
                .iter()
                .map(|o| overwrite(o, observed, ids))
                .collect::<Result<Vec<_>, _>>()?;
            let builder = CreateChannel::new(name.clone())
                .kind(ChannelType::Category)
                .permissions(overwrites);
            let created = call(
                || format!("create the category {name}"),
                guild.create_channel(http, builder),
            )
            .await?;
            ids.categories.insert(name, created.id.get());
        }
        Op::CreateChannel { spec, parent } => {
            let what = format!("create the channel #{} in {parent}", spec.name);
            let parent = category_id(ids, &parent, &what)?;
            let overwrites = spec
                .overwrites
                .iter()
                .map(|o| overwrite(o, observed, ids))
                .collect::<Result<Vec<_>, _>>()?;
            let builder = CreateChannel::new(spec.name.clone())
                .kind(ChannelType::Text)
                .category(parent)
                .permissions(overwrites);
            let created = call(|| what, guild.create_channel(http, builder)).await?;
            ids.channels.insert(spec.key, created.id.get());
        }
        Op::MoveChannel {
            channel,
            key,
            parent,
        } => {
            let what = format!("move the channel {key:?} to {parent}");
            let parent = category_id(ids, &parent, &what)?;
            let builder = EditChannel::new().category(Some(parent));
            call(|| what, ChannelId::new(channel).edit(http, builder)).await?;
        }
        Op::SetOverwrite {
            channel,
            name,
            overwrite: spec,
        } => {
            let overwrite = overwrite(&spec, observed, ids)?;
            call(
                || format!("set the overwrite of {:?} on #{name}", spec.who),
                ChannelId::new(channel).create_permission(http, overwrite),
            )
            .await?;
        }
    }
    Ok(())
}

/// Swaps a member's game roles (a death: [`super::structure::DEATH`]);
/// adding first, so the member is never left with neither.
pub async fn swap_roles(
    http: &Http,
    guild: GuildId,
    user: UserId,
    ids: &StructureIds,
    swap: super::structure::RoleSwap,
) -> Result<(), StructureError> {
    let role = |r: GameRole| {
        ids.roles
            .get(&r)
            .copied()
            .ok_or_else(|| StructureError::Missing {
                what: format!("swap the roles of member {user}"),
                missing: format!("role {}", r.name()),
            })
    };
    let (add, remove) = (role(swap.add)?, role(swap.remove)?);
    call(
        || format!("give the role {} to member {user}", swap.add.name()),
        http.add_member_role(guild, user, add, None),
    )
    .await?;
    call(
        || format!("take the role {} from member {user}", swap.remove.name()),
        http.remove_member_role(guild, user, remove, None),
    )
    .await
}
