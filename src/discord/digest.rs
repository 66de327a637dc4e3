//! The digest's commands: `/resume [mail]`, `/listchannels`,
//! `/exclude [channel]`, `/include [channel]` and `/report [day|week]`,
//! with the seed's prefix forms (`!resume`, `!listchannels`,
//! `!excludethis`, `!include`, `!report`) as aliases.
//!
//! Building a digest reads the archive, which can take longer than the
//! three seconds Discord gives an interaction: slash commands are deferred
//! first and answered with follow-ups.
//!
//! `/resume` and `/report` quote the guild's messages, so they answer the
//! asking member alone (ephemeral follow-ups; a direct message for the `!`
//! forms, with a short public pointer that quotes nothing) and hold only
//! the channels that member can open on Discord.

use serenity::all::{
    ChannelId, ChannelType, CommandDataOptionValue, CommandOptionType, CreateAllowedMentions,
    CreateAttachment, CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, Http,
    MessageFlags, UserId,
};

use super::invocation::{log_failure, reply, Invocation, Origin};
use crate::digest::archive::Override;
use crate::digest::channels::{Audience, Standing};
use crate::digest::report::Period;
use crate::digest::service::Digester;
use crate::messages::commands::CommandLabel;
use crate::messages::{Language, Messages, Text};
use crate::ratelimit::guard::Guard;

/// Discord's limit on a message's length, in characters.
const MESSAGE_LIMIT: usize = 2000;

/// More parts than this and the digest goes in an attached file instead:
/// a channel flooded with a dozen messages helps nobody.
const MAX_PARTS: usize = 3;

/// One of the digest's commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestCommand {
    Resume,
    ListChannels,
    Exclude,
    Include,
    Report,
}

impl DigestCommand {
    pub const ALL: [DigestCommand; 5] = [
        DigestCommand::Resume,
        DigestCommand::ListChannels,
        DigestCommand::Exclude,
        DigestCommand::Include,
        DigestCommand::Report,
    ];

    /// The slash command's name, also its rate-limit key.
    pub fn name(self) -> &'static str {
        match self {
            DigestCommand::Resume => "resume",
            DigestCommand::ListChannels => "listchannels",
            DigestCommand::Exclude => "exclude",
            DigestCommand::Include => "include",
            DigestCommand::Report => "report",
        }
    }

    pub fn from_name(name: &str) -> Option<DigestCommand> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The seed's `!` forms (`!excludethis` excludes the channel it is
    /// typed in).
    pub fn from_prefix(word: &str) -> Option<DigestCommand> {
        match word {
            "excludethis" | "exclude" => Some(DigestCommand::Exclude),
            other => Self::from_name(other),
        }
    }

    fn description(self, language: Language) -> &'static str {
        match self {
            DigestCommand::Resume => CommandLabel::Resume,
            DigestCommand::ListChannels => CommandLabel::ListChannels,
            DigestCommand::Exclude => CommandLabel::Exclude,
            DigestCommand::Include => CommandLabel::Include,
            DigestCommand::Report => CommandLabel::Report,
        }
        .get(language)
    }

    /// The slash command's definition.
    pub fn definition(self, language: Language) -> CreateCommand {
        let t = |label: CommandLabel| label.get(language);
        let command = CreateCommand::new(self.name()).description(self.description(language));
        let channel = || {
            CreateCommandOption::new(
                CommandOptionType::Channel,
                "channel",
                t(CommandLabel::DigestChannel),
            )
            .channel_types(vec![ChannelType::Text, ChannelType::News])
        };
        match self {
            DigestCommand::Resume => command.add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                "mail",
                t(CommandLabel::ResumeMail),
            )),
            DigestCommand::ListChannels => command,
            DigestCommand::Exclude | DigestCommand::Include => command.add_option(channel()),
            DigestCommand::Report => command.add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "period",
                    t(CommandLabel::ReportPeriod),
                )
                .add_string_choice(t(CommandLabel::ReportToday), "day")
                .add_string_choice(t(CommandLabel::ReportWeek), "week"),
            ),
        }
    }
}

/// What a digest command was given, from slash options or from the words
/// after the `!` form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Arguments {
    pub mail: bool,
    pub channel: Option<u64>,
    pub week: bool,
}

impl Arguments {
    /// `!include <#123>`, `!report semaine`, `!resume mail`.
    pub fn from_words(rest: &str) -> Arguments {
        let mut args = Arguments::default();
        for word in rest.split_whitespace() {
            let lower = word.to_lowercase();
            if let Some(id) = word
                .strip_prefix("<#")
                .and_then(|w| w.strip_suffix('>'))
                .and_then(|id| id.parse().ok())
            {
                args.channel = Some(id);
            } else if matches!(lower.as_str(), "week" | "semaine" | "hebdo") {
                args.week = true;
            } else if matches!(lower.as_str(), "mail" | "email" | "e-mail" | "courriel") {
                args.mail = true;
            }
        }
        args
    }

    fn from_options(options: &[serenity::all::CommandDataOption]) -> Arguments {
        let mut args = Arguments::default();
        for option in options {
            match (&*option.name, &option.value) {
                ("mail", CommandDataOptionValue::Boolean(b)) => args.mail = *b,
                ("channel", CommandDataOptionValue::Channel(c)) => args.channel = Some(c.get()),
                ("period", CommandDataOptionValue::String(p)) => args.week = p == "week",
                _ => {}
            }
        }
        args
    }
}

/// Runs `command` for `inv` (the rate limiter has already let it through).
pub async fn run(
    http: &Http,
    inv: &Invocation,
    command: DigestCommand,
    digester: &Digester,
    guard: &Guard,
    messages: &Messages,
) {
    let args = match &inv.origin {
        Origin::Slash(i) => Arguments::from_options(&i.data.options),
        Origin::Text { rest, .. } => Arguments::from_words(rest),
        Origin::Button(_) => Arguments::default(),
    };
    let admin = guard.is_admin(inv.user.id, &inv.roles);
    let audience = audience(inv, digester, guard);
    let text = |t: Text, a: &[(&str, &str)]| messages.render(t, a);
    match command {
        DigestCommand::ListChannels => {
            // Private, like /resume: the list holds what the asker can open.
            let answer = list_channels(digester, audience, messages);
            log_failure(reply(http, inv, &answer, true, Vec::new()).await);
        }
        DigestCommand::Exclude | DigestCommand::Include => {
            if !admin {
                return log_failure(
                    reply(http, inv, &text(Text::AdminOnly, &[]), true, Vec::new()).await,
                );
            }
            let channel = args.channel.unwrap_or_else(|| channel_of(inv).get());
            if digester.channels().name(channel).is_none() {
                return log_failure(
                    reply(
                        http,
                        inv,
                        &text(Text::ChannelUnknown, &[]),
                        true,
                        Vec::new(),
                    )
                    .await,
                );
            }
            let (decision, done) = if command == DigestCommand::Exclude {
                (Override::Excluded, Text::ChannelExcluded)
            } else {
                (Override::Included, Text::ChannelIncluded)
            };
            let answer = match digester.set_override(channel, decision).await {
                Ok(()) => {
                    log::info!(
                        "digest: {} set channel {channel} to {decision:?}",
                        inv.user.name
                    );
                    text(done, &[("channel", &format!("<#{channel}>"))])
                }
                Err(e) => {
                    log::error!("digest: cannot save the channel decision: {e:#}");
                    text(Text::DigestFailed, &[])
                }
            };
            log_failure(reply(http, inv, &answer, false, Vec::new()).await);
        }
        DigestCommand::Resume => {
            if args.mail && !admin {
                return log_failure(
                    reply(http, inv, &text(Text::AdminOnly, &[]), true, Vec::new()).await,
                );
            }
            defer(http, inv).await;
            let mut parts = match digester.chat(MESSAGE_LIMIT, audience).await {
                Ok(parts) if parts.is_empty() => vec![text(Text::DigestNothing, &[])],
                Ok(parts) => parts,
                Err(e) => {
                    log::error!("digest: /resume failed: {e:#}");
                    vec![text(Text::DigestFailed, &[])]
                }
            };
            if args.mail {
                match digester.mail_now(&inv.user.name).await {
                    Ok(record) => parts.push(text(
                        Text::DigestMailed,
                        &[
                            ("id", &record.id.to_string()),
                            ("count", &record.message_count.to_string()),
                        ],
                    )),
                    Err(e) => {
                        log::error!("digest: /resume mail failed: {e:#}");
                        parts.push(text(Text::DigestFailed, &[]));
                    }
                }
            }
            let sent = send_parts(http, inv, parts, &text(Text::DigestMore, &[])).await;
            point_to_dm(http, inv, sent, messages).await;
        }
        DigestCommand::Report => {
            defer(http, inv).await;
            let period = if args.week { Period::Week } else { Period::Day };
            let answer = match digester.report(period, audience).await {
                Ok(report) => report,
                Err(e) => {
                    log::error!("digest: /report failed: {e:#}");
                    text(Text::DigestFailed, &[])
                }
            };
            let sent = send_parts(http, inv, vec![answer], "").await;
            point_to_dm(http, inv, sent, messages).await;
        }
    }
}

/// Whose eyes a digest answer is for: the bot's admin (`admin_user_id`)
/// and the guild's administrators read everything; anyone else only the
/// channels Discord lets them open. Roles the rate limiter treats as
/// admins grant nothing here: they are not a Discord permission.
fn audience<'a>(inv: &'a Invocation, digester: &Digester, guard: &Guard) -> Audience<'a> {
    let user_id = inv.user.id;
    if guard.is_admin(user_id, &[]) || digester.channels().is_administrator(user_id, &inv.roles) {
        Audience::Admin
    } else {
        Audience::Member {
            user_id,
            roles: &inv.roles,
        }
    }
}

fn channel_of(inv: &Invocation) -> ChannelId {
    match &inv.origin {
        Origin::Slash(i) => i.channel_id,
        Origin::Button(i) => i.channel_id,
        Origin::Text { channel, .. } => *channel,
    }
}

fn list_channels(digester: &Digester, audience: Audience, messages: &Messages) -> String {
    let listing = digester.channels().listing(audience);
    let none = messages.render(Text::NoChannel, &[]);
    let join = |keep: &dyn Fn(Standing) -> bool| {
        let names: Vec<String> = listing
            .iter()
            .filter(|l| keep(l.standing))
            .map(|l| format!("<#{}>", l.id))
            .collect();
        if names.is_empty() {
            none.clone()
        } else {
            names.join(", ")
        }
    };
    messages.render(
        Text::ChannelsList,
        &[
            ("watched", &join(&|s| s == Standing::Watched)),
            ("important", &join(&|s| s == Standing::Important)),
            ("excluded", &join(&|s| !s.is_watched())),
        ],
    )
}

/// Tells Discord the answer is coming, for the asking member only (slash
/// commands only): the follow-ups of an ephemeral defer are ephemeral.
async fn defer(http: &Http, inv: &Invocation) {
    if let Origin::Slash(i) = &inv.origin {
        let deferred = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        );
        log_failure(i.create_response(http, deferred).await);
    }
}

/// How a private answer went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delivered {
    /// As ephemeral follow-ups: nothing more to say.
    Ephemeral,
    /// By direct message.
    Dm,
    /// The direct message could not be sent (closed DMs).
    DmRefused,
}

/// After a `!` form typed in a guild channel: a public word saying where
/// the answer went (or that it could not go), quoting nothing.
async fn point_to_dm(http: &Http, inv: &Invocation, sent: Delivered, messages: &Messages) {
    let dm = matches!(inv.origin, Origin::Text { dm: true, .. });
    let text = match sent {
        Delivered::Ephemeral => return,
        Delivered::Dm if dm => return,
        Delivered::Dm => Text::DigestSentByDm,
        Delivered::DmRefused => Text::DigestDmRefused,
    };
    log_failure(reply(http, inv, &messages.render(text, &[]), false, Vec::new()).await);
}

/// Sends `parts` to the asking member alone: as ephemeral follow-ups of a
/// deferred slash command, else by direct message. Past [`MAX_PARTS`], the
/// first part is sent with the whole text attached. Quoted messages must
/// neither ping anyone nor unfold link previews: no mention is allowed and
/// embeds are suppressed.
async fn send_parts(http: &Http, inv: &Invocation, parts: Vec<String>, more: &str) -> Delivered {
    let dm = match &inv.origin {
        Origin::Slash(_) => None,
        _ => match UserId::new(inv.user.id).create_dm_channel(http).await {
            Ok(channel) => Some(channel.id),
            Err(e) => {
                log::warn!("digest: cannot open a DM with {}: {e}", inv.user.name);
                return Delivered::DmRefused;
            }
        },
    };
    let file = (parts.len() > MAX_PARTS)
        .then(|| CreateAttachment::bytes(parts.join("\n").into_bytes(), "resume.md".to_owned()));
    let parts: Vec<String> = match &file {
        Some(_) => vec![format!("{}\n\n{more}", parts[0])],
        None => parts,
    };
    for (n, part) in parts.iter().enumerate() {
        let attach = if n == 0 { file.clone() } else { None };
        let result = match &inv.origin {
            Origin::Slash(i) => {
                let mut followup = CreateInteractionResponseFollowup::new()
                    .content(part)
                    .allowed_mentions(CreateAllowedMentions::new())
                    .flags(MessageFlags::SUPPRESS_EMBEDS | MessageFlags::EPHEMERAL);
                if let Some(file) = attach {
                    followup = followup.add_file(file);
                }
                i.create_followup(http, followup).await.map(|_| ())
            }
            _ => {
                let mut message = CreateMessage::new()
                    .content(part)
                    .allowed_mentions(CreateAllowedMentions::new())
                    .flags(MessageFlags::SUPPRESS_EMBEDS);
                if let Some(file) = attach {
                    message = message.add_file(file);
                }
                match dm {
                    Some(dm) => dm.send_message(http, message).await.map(|_| ()),
                    None => Ok(()),
                }
            }
        };
        if let Err(e) = result {
            log::warn!("digest: cannot send an answer to {}: {e}", inv.user.name);
            if dm.is_some() {
                return Delivered::DmRefused;
            }
        }
    }
    if dm.is_some() {
        Delivered::Dm
    } else {
        Delivered::Ephemeral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_words_give_the_arguments() {
        assert_eq!(
            Arguments::from_words("<#123> semaine"),
            Arguments {
                mail: false,
                channel: Some(123),
                week: true
            }
        );
        assert!(Arguments::from_words("mail").mail);
        assert_eq!(Arguments::from_words("<#abc> x"), Arguments::default());
    }

    #[test]
    fn the_seed_prefix_forms_are_aliases() {
        assert_eq!(
            DigestCommand::from_prefix("excludethis"),
            Some(DigestCommand::Exclude)
        );
        assert_eq!(
            DigestCommand::from_prefix("listchannels"),
            Some(DigestCommand::ListChannels)
        );
        assert_eq!(DigestCommand::from_prefix("restart"), None);
    }
}
