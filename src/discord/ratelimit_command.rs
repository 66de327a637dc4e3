//! `/ratelimit`: the admins' view of and hand on the rate limiter —
//! `stats`, `user @u`, `reset @u`, `ban @u minutes reason`, `unban @u` —
//! answered privately with embeds.
//!
//! Only the admin (`discord.admin_user_id`) and members with one of
//! `discord.admin_role_ids` may use it; the limiter never locks them out of
//! it (see [`crate::ratelimit::Privilege::Admin`]).

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    Colour, CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage,
    Http,
};

use super::invocation::{log_failure, reply, Invocation, Origin};
use crate::messages::commands::CommandLabel;
use crate::messages::{spoken, Language, Messages, Text};
use crate::ratelimit::guard::Guard;
use crate::ratelimit::BanReason;

/// The longest ban an admin can place by hand: a week; longer is a job for
/// Discord's own moderation tools.
const MAX_BAN_MINUTES: i64 = 7 * 24 * 60;

/// The slash command, with its subcommands.
pub fn definition(description: &str, language: Language) -> CreateCommand {
    let t = |label: CommandLabel| label.get(language);
    let member = |required: bool| {
        CreateCommandOption::new(
            CommandOptionType::User,
            "user",
            t(CommandLabel::RatelimitMember),
        )
        .required(required)
    };
    CreateCommand::new("ratelimit")
        .description(description)
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "stats",
            t(CommandLabel::RatelimitStats),
        ))
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "user",
                t(CommandLabel::RatelimitUser),
            )
            .add_sub_option(member(true)),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "reset",
                t(CommandLabel::RatelimitReset),
            )
            .add_sub_option(member(true)),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "ban",
                t(CommandLabel::RatelimitBan),
            )
            .add_sub_option(member(true))
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::Integer,
                    "minutes",
                    t(CommandLabel::RatelimitMinutes),
                )
                .min_int_value(1)
                .max_int_value(MAX_BAN_MINUTES as u64)
                .required(true),
            )
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "reason",
                    t(CommandLabel::RatelimitReason),
                )
                .required(true),
            ),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "unban",
                t(CommandLabel::RatelimitUnban),
            )
            .add_sub_option(member(true)),
        )
}

/// A subcommand as asked.
enum Sub {
    Stats,
    User(u64),
    Reset(u64),
    Ban {
        user: u64,
        minutes: i64,
        reason: String,
    },
    Unban(u64),
}

fn parse(options: &[CommandDataOption]) -> Option<Sub> {
    let first = options.first()?;
    let CommandDataOptionValue::SubCommand(args) = &first.value else {
        return None;
    };
    let user = || {
        args.iter().find_map(|o| match (&*o.name, &o.value) {
            ("user", CommandDataOptionValue::User(id)) => Some(id.get()),
            _ => None,
        })
    };
    Some(match &*first.name {
        "stats" => Sub::Stats,
        "user" => Sub::User(user()?),
        "reset" => Sub::Reset(user()?),
        "unban" => Sub::Unban(user()?),
        "ban" => Sub::Ban {
            user: user()?,
            minutes: args.iter().find_map(|o| match (&*o.name, &o.value) {
                ("minutes", CommandDataOptionValue::Integer(n)) => Some(*n),
                _ => None,
            })?,
            reason: args
                .iter()
                .find_map(|o| match (&*o.name, &o.value) {
                    ("reason", CommandDataOptionValue::String(s)) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default(),
        },
        _ => return None,
    })
}

/// Runs `/ratelimit` for `inv`.
pub async fn run(http: &Http, inv: &Invocation, guard: &Arc<Guard>, messages: &Messages) {
    let Origin::Slash(interaction) = &inv.origin else {
        return;
    };
    if !guard.is_admin(inv.user.id, &inv.roles) {
        let text = messages.render(Text::AdminOnly, &[]);
        return log_failure(reply(http, inv, &text, true, Vec::new()).await);
    }
    let Some(sub) = parse(&interaction.data.options) else {
        log::warn!(
            "ratelimit: malformed /ratelimit options: {:?}",
            interaction.data.options
        );
        return;
    };
    let mention = |id: u64| format!("<@{id}>");
    let answer = match sub {
        Sub::Stats => Answer::Embed(Box::new(stats_embed(guard, messages))),
        Sub::User(user) => Answer::Embed(Box::new(user_embed(guard, messages, user))),
        Sub::Reset(user) => {
            guard.reset(user).await;
            log::info!("ratelimit: {} reset {user}", inv.user.name);
            Answer::Text(messages.render(Text::RatelimitReset, &[("player", &mention(user))]))
        }
        Sub::Unban(user) => {
            let lifted = guard.unban(user).await;
            log::info!(
                "ratelimit: {} unbanned {user} (was banned: {lifted})",
                inv.user.name
            );
            let text = if lifted {
                Text::RatelimitUnbanned
            } else {
                Text::RatelimitNotBanned
            };
            Answer::Text(messages.render(text, &[("player", &mention(user))]))
        }
        Sub::Ban {
            user,
            minutes,
            reason,
        } => {
            let minutes = minutes.clamp(1, MAX_BAN_MINUTES);
            let duration = Duration::from_secs(u64::try_from(minutes).unwrap_or(1) * 60);
            match guard.ban(user, duration, &reason).await {
                Ok(_) => {
                    log::info!(
                        "ratelimit: {} banned {user} for {minutes} min: {reason}",
                        inv.user.name
                    );
                    Answer::Text(messages.render(
                        Text::RatelimitBanned,
                        &[
                            ("player", &mention(user)),
                            ("wait", &spoken(duration)),
                            ("reason", &reason),
                        ],
                    ))
                }
                Err(e) => Answer::Text(format!("❌ {e}")),
            }
        }
    };
    let embed = match answer {
        Answer::Text(text) => CreateEmbed::new().description(text).colour(Colour::BLUE),
        Answer::Embed(embed) => *embed,
    };
    let message = CreateInteractionResponseMessage::new().embed(embed);
    let response = CreateInteractionResponse::Message(message.ephemeral(true));
    log_failure(interaction.create_response(http, response).await);
}

/// What to answer: a one-line outcome or a full report, both shown as an
/// embed.
enum Answer {
    Text(String),
    Embed(Box<CreateEmbed>),
}

fn stats_embed(guard: &Guard, messages: &Messages) -> CreateEmbed {
    let s = guard.stats();
    let mut today: Vec<String> = s
        .today
        .iter()
        .map(|c| match c.cap {
            Some(cap) => format!("`{}` {}/{cap}", c.command, c.used),
            None => format!("`{}` {}", c.command, c.used),
        })
        .collect();
    if today.is_empty() {
        today.push("—".to_owned());
    }
    CreateEmbed::new()
        .title(messages.render(Text::RatelimitStatsTitle, &[]))
        .colour(Colour::BLUE)
        .field("checks", s.checks.to_string(), true)
        .field("refusals", s.refusals.to_string(), true)
        .field(
            "bans",
            format!("{} ({} issued)", s.bans, s.bans_issued),
            true,
        )
        .field(
            "tracked",
            format!("{} / {}", s.active_entries, s.max_tracked_users),
            true,
        )
        .field("evictions", s.evictions.to_string(), true)
        .field("today", today.join("\n"), false)
}

fn user_embed(guard: &Guard, messages: &Messages, user: u64) -> CreateEmbed {
    let u = guard.user_stats(user);
    let now = guard.clock().now();
    let ban = match &u.ban {
        Some(ban) => {
            let left = spoken(now.until(ban.until).max(Duration::from_secs(1)));
            match (&ban.reason, &ban.note) {
                (BanReason::Manual, Some(note)) => format!("{left} ({note})"),
                (BanReason::Manual, None) => left,
                (BanReason::Automatic { level }, _) => format!("{left} (auto, level {level})"),
            }
        }
        None => "—".to_owned(),
    };
    let quota = match u.daily_quota {
        Some(q) => format!("{}/{q}", u.daily_used),
        None => u.daily_used.to_string(),
    };
    let mut cooling: Vec<String> = u
        .commands
        .iter()
        .map(|c| format!("`{}` {}/{}", c.command, c.tokens, c.capacity))
        .collect();
    if cooling.is_empty() {
        cooling.push("—".to_owned());
    }
    CreateEmbed::new()
        .title(messages.render(Text::RatelimitUserTitle, &[("player", &user.to_string())]))
        .description(format!("<@{user}>"))
        .colour(if u.ban.is_some() {
            Colour::RED
        } else {
            Colour::DARK_GREEN
        })
        .field("ban", ban, false)
        .field("violations", u.violations.to_string(), true)
        .field("escalation", u.escalation_level.to_string(), true)
        .field("today", quota, true)
        .field("buckets", cooling.join("\n"), false)
}
