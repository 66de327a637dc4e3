//! `/link <minecraft-name>` and `/unlink` (and `!link Steve`, `!unlink`):
//! a member links their Minecraft account, so that logging in at the
//! front door wakes the server while they are authorized. The rules are
//! [`crate::front_door::links`]'; answers are private (ephemeral, or by DM
//! for text commands): whose account is whose is nobody else's business.

use serenity::all::{
    CommandDataOptionValue, CommandOptionType, CreateCommand, CreateCommandOption, Http,
};

use super::invocation::{log_failure, reply, Invocation, Origin};
use crate::front_door::links::{LinkBook, LinkRefused, Requested, PENDING_FOR};
use crate::messages::commands::CommandLabel;
use crate::messages::{Language, Messages, Text};

/// `/link`, with its one option.
pub fn definition(description: &str, language: Language) -> CreateCommand {
    CreateCommand::new("link")
        .description(description)
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "name",
                CommandLabel::LinkName.get(language),
            )
            .min_length(1)
            .max_length(16)
            .required(true),
        )
}

/// The name asked for: the slash option, or the word after `!link`.
fn asked_name(inv: &Invocation) -> String {
    match &inv.origin {
        Origin::Slash(i) => i
            .data
            .options
            .iter()
            .find(|o| o.name == "name")
            .and_then(|o| match &o.value {
                CommandDataOptionValue::String(s) => Some(s.trim().to_owned()),
                _ => None,
            })
            .unwrap_or_default(),
        Origin::Text { rest, .. } => rest.split_whitespace().next().unwrap_or("").to_owned(),
        Origin::Button(_) => String::new(),
    }
}

pub async fn link(http: &Http, inv: &Invocation, links: &LinkBook, messages: &Messages) {
    let name = asked_name(inv);
    let text = match links.request(inv.user.id, &inv.user.name, &name).await {
        Ok(Requested::Pending(_)) => {
            log::info!(
                "link: {} ({}) asked for {name}, waiting for the login",
                inv.user.name,
                inv.user.id
            );
            let minutes = (PENDING_FOR.as_secs() / 60).to_string();
            messages.render(
                Text::LinkPending,
                &[("player", &name), ("minutes", &minutes)],
            )
        }
        Ok(Requested::Already) => messages.render(Text::LinkAlready, &[("player", &name)]),
        Err(LinkRefused::InvalidName(_)) => {
            // Shown back to the asker only; cut so it stays a short line.
            let shown: String = name.chars().take(32).collect();
            messages.render(Text::LinkInvalid, &[("player", &shown)])
        }
        Err(LinkRefused::Taken(_)) => {
            log::info!(
                "link: {} ({}) asked for {name}, linked to someone else",
                inv.user.name,
                inv.user.id
            );
            messages.render(Text::LinkTaken, &[("player", &name)])
        }
    };
    log_failure(reply(http, inv, &text, true, Vec::new()).await);
}

pub async fn unlink(http: &Http, inv: &Invocation, links: &LinkBook, messages: &Messages) {
    let text = match links.unlink(inv.user.id).await {
        Some(link) => {
            log::info!(
                "link: {} ({}) unlinked {}",
                inv.user.name,
                inv.user.id,
                link.name
            );
            messages.render(Text::Unlinked, &[("player", &link.name)])
        }
        None => messages.render(Text::UnlinkNothing, &[]),
    };
    log_failure(reply(http, inv, &text, true, Vec::new()).await);
}
