//! The restart conversation on Discord: the "do you mean a restart?"
//! question when the recogniser is unsure, the requester's confirmation
//! (buttons, or a yes or no typed in the same channel: "oui", "ok fais-le",
//! "non laisse tomber"), and the outcome in
//! the player's words. The restart itself — its checks, its policy, the
//! reboot — is [`crate::services::restart`]'s; this module only talks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ChannelId, ComponentInteraction, CreateButton, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditMessage, Http, Message, MessageId,
};
use tokio::sync::oneshot;

use super::invocation::{log_failure, reply, row, Invocation, Origin, Sent, WAKE_BUTTON_ID};
use crate::messages::{Messages, Text};
use crate::power::machine::{Requester, StateKind};
use crate::services::restart::{Caller, RestartError, Restarter};

/// `custom_id` prefixes of the restart confirmation buttons; the rest of
/// the id is the request's number.
const CONFIRM_PREFIX: &str = "cubeguardian:restart:confirm:";
const DECLINE_PREFIX: &str = "cubeguardian:restart:cancel:";
/// `custom_id` prefixes of the Yes/No buttons under "Tu veux que je
/// redémarre le serveur ?", asked when the recogniser is unsure; answered
/// like a confirmation.
const YES_PREFIX: &str = "cubeguardian:restart:yes:";
const NO_PREFIX: &str = "cubeguardian:restart:no:";

/// The request number and the answer a button of this module carries, if
/// `custom_id` is one of them.
pub(super) fn button_answer(custom_id: &str) -> Option<(&str, bool)> {
    [
        (CONFIRM_PREFIX, true),
        (YES_PREFIX, true),
        (DECLINE_PREFIX, false),
        (NO_PREFIX, false),
    ]
    .into_iter()
    .find_map(|(prefix, yes)| custom_id.strip_prefix(prefix).map(|rest| (rest, yes)))
}

pub(super) struct RestartTalk {
    restarter: Arc<Restarter>,
    messages: Messages,
    /// How long a requester has to answer a question.
    confirm_within: Duration,
    next_request: AtomicU64,
    pending: Mutex<HashMap<u64, Pending>>,
}

impl RestartTalk {
    pub(super) fn new(
        restarter: Arc<Restarter>,
        messages: Messages,
        confirm_within: Duration,
    ) -> Self {
        RestartTalk {
            restarter,
            messages,
            confirm_within,
            next_request: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// What to tell a player whose restart request the rate limiter
    /// refused with `limiter_wait`, if the cooldown or daily cap is the
    /// longer wait.
    pub(super) fn longer_wait(&self, user: u64, limiter_wait: Duration) -> Option<String> {
        self.restarter
            .longer_wait(user, limiter_wait)
            .map(|e| self.restart_error_text(&e))
    }

    fn text(&self, text: Text, args: &[(&str, &str)]) -> String {
        self.messages.render(text, args)
    }

    /// The restart flow for an authorized player: state, one at a time,
    /// cooldown, then the requester's confirmation, then the reboot itself.
    pub(super) async fn restart(&self, http: &Http, inv: Invocation) {
        if let Err(e) = self.restarter.check(inv.user.id, Caller::Player) {
            let (text, buttons) = self.restart_refusal(&e);
            return log_failure(reply(http, &inv, &text, true, buttons).await);
        }

        // Ask for confirmation.
        let (request, rx) = self.expect_answer(&inv);
        let seconds = self.confirm_within.as_secs().to_string();
        let question = self.text(
            Text::RestartConfirm,
            &[("player", &inv.user.name), ("seconds", &seconds)],
        );
        let buttons = vec![
            CreateButton::new(format!("{CONFIRM_PREFIX}{request}"))
                .label(self.text(Text::ConfirmButton, &[]))
                .style(ButtonStyle::Danger),
            CreateButton::new(format!("{DECLINE_PREFIX}{request}"))
                .label(self.text(Text::CancelButton, &[]))
                .style(ButtonStyle::Secondary),
        ];
        // Slash commands confirm privately (only the requester sees the
        // buttons); text commands confirm in the channel.
        let asked = reply_message(http, &inv, &question, buttons).await;
        let confirmation = match asked {
            Ok(m) => m,
            Err(e) => {
                log::warn!("discord: cannot ask for confirmation: {e}");
                self.forget(request);
                return;
            }
        };
        let answer = tokio::time::timeout(self.confirm_within, rx).await;
        self.forget(request);
        let confirmed = match answer {
            Ok(Ok(yes)) => yes,
            _ => {
                let text = self.text(Text::RestartExpired, &[]);
                settle(http, &inv, confirmation, &text).await;
                return;
            }
        };
        if !confirmed {
            let text = self.text(Text::RestartCancelled, &[]);
            settle(http, &inv, confirmation, &text).await;
            return;
        }
        settle(
            http,
            &inv,
            confirmation,
            &self.text(Text::RestartInProgress, &[]),
        )
        .await;
        self.run_restart(http, &inv).await;
    }

    /// A restart refused before it started, in the player's words, with
    /// the "Start" button when the server is off.
    fn restart_refusal(&self, e: &RestartError) -> (String, Vec<CreateButton>) {
        if *e
            == (RestartError::NotRunning {
                state: StateKind::Idle,
            })
        {
            let button = CreateButton::new(WAKE_BUTTON_ID)
                .label(self.text(Text::WakeButton, &[]))
                .style(ButtonStyle::Success);
            return (self.text(Text::RestartWhileOff, &[]), vec![button]);
        }
        (self.restart_error_text(e), Vec::new())
    }

    pub(super) fn restart_error_text(&self, e: &RestartError) -> String {
        match e {
            RestartError::NotRunning { state } => {
                let state = self.text(Text::state(*state), &[]);
                self.text(Text::NotAvailable, &[("state", &state)])
            }
            RestartError::AlreadyUnderWay => self.text(Text::RestartAlreadyRunning, &[]),
            RestartError::TooSoon { wait } => {
                let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
                self.text(Text::Cooldown, &[("minutes", &minutes)])
            }
            RestartError::DailyCapReached { count } => {
                self.text(Text::DailyRestartCap, &[("count", &count.to_string())])
            }
            RestartError::Unavailable | RestartError::Failed { .. } => {
                self.text(Text::RestartFailed, &[])
            }
        }
    }

    /// Registers a question to the invoker, answered by a button or by
    /// "oui"/"non" typed in the same channel: the request's number and
    /// where the answer arrives.
    fn expect_answer(&self, inv: &Invocation) -> (u64, oneshot::Receiver<bool>) {
        let request = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                request,
                Pending {
                    requester: inv.user.clone(),
                    channel: inv.origin.channel(),
                    answer: tx,
                },
            );
        (request, rx)
    }

    /// A restart asked in plain words the recogniser is unsure of: "Tu
    /// veux que je redémarre le serveur ?" with Yes/No first; Yes goes on
    /// to the usual restart flow (its checks and its confirmation), so a
    /// misunderstood message never gets as far as the Confirm button.
    pub(super) async fn ask_first(&self, http: &Http, inv: Invocation) {
        let (request, rx) = self.expect_answer(&inv);
        let question = self.text(Text::RestartAskFirst, &[]);
        let buttons = vec![
            CreateButton::new(format!("{YES_PREFIX}{request}"))
                .label(self.text(Text::YesButton, &[]))
                .style(ButtonStyle::Primary),
            CreateButton::new(format!("{NO_PREFIX}{request}"))
                .label(self.text(Text::NoButton, &[]))
                .style(ButtonStyle::Secondary),
        ];
        let asked = match reply_message(http, &inv, &question, buttons).await {
            Ok(m) => m,
            Err(e) => {
                log::warn!("discord: cannot ask whether a restart is meant: {e}");
                self.forget(request);
                return;
            }
        };
        let answer = tokio::time::timeout(self.confirm_within, rx).await;
        self.forget(request);
        match answer {
            Ok(Ok(true)) => {
                settle(http, &inv, asked, &question).await;
                self.restart(http, inv).await;
            }
            Ok(Ok(false)) => {
                let text = self.text(Text::RestartCancelled, &[]);
                settle(http, &inv, asked, &text).await;
            }
            _ => {
                let text = self.text(Text::RestartExpired, &[]);
                settle(http, &inv, asked, &text).await;
            }
        }
    }

    fn forget(&self, request: u64) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&request);
    }

    async fn run_restart(&self, http: &Http, inv: &Invocation) {
        // Checked again: the world may have changed while they confirmed.
        if let Err(e) = self.restarter.check(inv.user.id, Caller::Player) {
            let (text, buttons) = self.restart_refusal(&e);
            return log_failure(post(http, inv.origin.channel(), &text, buttons).await);
        }
        if matches!(inv.origin, Origin::Text { .. }) {
            let text = self.text(Text::RestartInProgress, &[]);
            log_failure(post(http, inv.origin.channel(), &text, Vec::new()).await);
        }
        let text = match self.restarter.restart(&inv.user, Caller::Player).await {
            Ok(elapsed) => self.text(
                Text::RestartSucceeded,
                &[("seconds", &elapsed.as_secs().to_string())],
            ),
            Err(e) => self.restart_error_text(&e),
        };
        log_failure(post(http, inv.origin.channel(), &text, Vec::new()).await);
    }

    /// A press on Confirm/Cancel or Yes/No (`request` is the id's number),
    /// once the rate limiter let it through.
    pub(super) async fn answer_from_button(
        &self,
        http: &Http,
        press: &ComponentInteraction,
        request: &str,
        yes: bool,
    ) {
        let request: u64 = request.parse().unwrap_or(0);
        let presser = press.user.id.get();
        let outcome = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            match pending.get(&request) {
                None => Err(self.text(Text::NothingToConfirm, &[])),
                Some(p) if p.requester.id != presser => {
                    Err(self.text(Text::NotYourConfirmation, &[("player", &p.requester.name)]))
                }
                Some(_) => Ok(pending.remove(&request).map(|p| p.answer)),
            }
        };
        match outcome {
            Ok(Some(answer)) => {
                let _ = answer.send(yes);
                // Acknowledge without a message; the flow edits the question.
                if let Err(e) = press
                    .create_response(http, CreateInteractionResponse::Acknowledge)
                    .await
                {
                    log::warn!("discord: cannot acknowledge a button: {e}");
                }
            }
            Ok(None) => {}
            Err(text) => {
                let response = CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content(text)
                        .ephemeral(true),
                );
                if let Err(e) = press.create_response(http, response).await {
                    log::warn!("discord: cannot answer a button: {e}");
                }
            }
        }
    }

    /// A yes or no typed by a requester in the channel of their pending
    /// question. `read` says what the message answers, if anything; it is
    /// asked only when such a question waits, so that the chatter of a guild
    /// is not read twice. Returns true if the message answered one.
    pub(super) fn answer_from_text(
        &self,
        message: &Message,
        read: impl FnOnce() -> Option<bool>,
    ) -> bool {
        let waiting = |pending: &HashMap<u64, Pending>| {
            pending
                .iter()
                .find(|(_, p)| {
                    p.requester.id == message.author.id.get() && p.channel == message.channel_id
                })
                .map(|(id, _)| *id)
        };
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if waiting(&pending).is_none() {
            return false;
        }
        // Read without the lock held.
        drop(pending);
        let Some(yes) = read() else {
            return false;
        };
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up again: the question may have expired meanwhile.
        match waiting(&pending).and_then(|id| pending.remove(&id)) {
            Some(p) => {
                let _ = p.answer.send(yes);
                true
            }
            None => false,
        }
    }
}

/// A restart waiting for its requester's answer.
struct Pending {
    requester: Requester,
    channel: ChannelId,
    answer: oneshot::Sender<bool>,
}

/// The confirmation question, so that it can be settled later.
enum Question {
    /// The interaction's (ephemeral) answer.
    Interaction,
    Message(ChannelId, MessageId),
}

async fn reply_message(
    http: &Http,
    inv: &Invocation,
    text: &str,
    buttons: Vec<CreateButton>,
) -> Result<Question, serenity::Error> {
    match &inv.origin {
        Origin::Text {
            channel, message, ..
        } => {
            let out = CreateMessage::new()
                .content(text)
                .components(row(buttons))
                .reference_message((*channel, *message));
            let sent = channel.send_message(http, out).await?;
            Ok(Question::Message(sent.channel_id, sent.id))
        }
        _ => reply(http, inv, text, true, buttons)
            .await
            .map(|()| Question::Interaction),
    }
}

/// Replaces the confirmation question with the outcome, without buttons.
async fn settle(http: &Http, inv: &Invocation, question: Question, text: &str) {
    let result = match (question, &inv.origin) {
        (Question::Message(channel, id), _) => channel
            .edit_message(
                http,
                id,
                EditMessage::new().content(text).components(Vec::new()),
            )
            .await
            .map(|_| ()),
        (Question::Interaction, Origin::Slash(i)) => i
            .edit_response(
                http,
                serenity::all::EditInteractionResponse::new()
                    .content(text)
                    .components(Vec::new()),
            )
            .await
            .map(|_| ()),
        (Question::Interaction, _) => Ok(()),
    };
    log_failure(result);
}

/// A public message in `channel`.
async fn post(http: &Http, channel: ChannelId, text: &str, buttons: Vec<CreateButton>) -> Sent {
    channel
        .send_message(
            http,
            CreateMessage::new().content(text).components(row(buttons)),
        )
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_carry_their_request_and_answer() {
        assert_eq!(
            button_answer("cubeguardian:restart:confirm:7"),
            Some(("7", true))
        );
        assert_eq!(
            button_answer("cubeguardian:restart:no:8"),
            Some(("8", false))
        );
        assert_eq!(button_answer("cubeguardian:wake"), None);
    }
}
