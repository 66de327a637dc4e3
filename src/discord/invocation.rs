//! A command's invocation as every command group sees it: who asked, where
//! ([`Origin`]), and how to answer there ([`reply`]). The router
//! ([`super::commands`]) builds it and the groups (`restart`, `digest`,
//! `admin`) answer with it, so they depend on this file and not on each
//! other or on the router.

use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, CreateActionRow, CreateButton,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, Http, MessageId,
    UserId,
};

use crate::power::machine::Requester;

/// `custom_id` of the "Start" button offered when a restart is asked of a
/// server that is off.
pub const WAKE_BUTTON_ID: &str = "cubeguardian:wake";

/// Where a command came from, hence where to answer.
pub enum Origin {
    Slash(Box<CommandInteraction>),
    Button(Box<ComponentInteraction>),
    Text {
        channel: ChannelId,
        message: MessageId,
        dm: bool,
        /// What follows the command's word (`!include #général`).
        rest: String,
    },
}

impl Origin {
    pub(super) fn channel(&self) -> ChannelId {
        match self {
            Origin::Slash(i) => i.channel_id,
            Origin::Button(i) => i.channel_id,
            Origin::Text { channel, .. } => *channel,
        }
    }
}

/// Who asked, and where.
pub struct Invocation {
    pub user: Requester,
    pub roles: Vec<u64>,
    pub origin: Origin,
}

/// Plain outcome of a send; failures are logged where they happen.
pub(super) type Sent = Result<(), serenity::Error>;

pub(super) fn log_failure(sent: Sent) {
    if let Err(e) = sent {
        log::warn!("discord: cannot answer a command: {e}");
    }
}

pub(super) fn row(buttons: Vec<CreateButton>) -> Vec<CreateActionRow> {
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    }
}

/// Answers an invocation. `private` answers are ephemeral for interactions
/// and sent by DM for text commands in a guild channel.
pub(super) async fn reply(
    http: &Http,
    inv: &Invocation,
    text: &str,
    private: bool,
    buttons: Vec<CreateButton>,
) -> Sent {
    let answer = || {
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(text)
                .ephemeral(private)
                .components(row(buttons.clone())),
        )
    };
    match &inv.origin {
        Origin::Slash(i) => i.create_response(http, answer()).await,
        Origin::Button(i) => i.create_response(http, answer()).await,
        Origin::Text {
            channel,
            message,
            dm,
            ..
        } => {
            let mut out = CreateMessage::new().content(text).components(row(buttons));
            if private && !dm {
                let dm = UserId::new(inv.user.id).create_dm_channel(http).await?;
                dm.id.send_message(http, out).await.map(|_| ())
            } else {
                out = out.reference_message((*channel, *message));
                channel.send_message(http, out).await.map(|_| ())
            }
        }
    }
}
