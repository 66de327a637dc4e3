//! Delivery of what the services ask Discord to say ([`Outgoing`]):
//! announcements in the announce channel, alerts to the admin and DMs to
//! members, each retried briefly and none stuck behind a call that stalls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{ButtonStyle, ChannelId, CreateActionRow, CreateButton, CreateMessage, UserId};
use serenity::http::Http;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::CANCEL_SHUTDOWN_ID;
use crate::messages::{Messages, Text};
use crate::outgoing::Outgoing;

/// Attempts for one announcement before it is dropped (logged).
const SEND_ATTEMPTS: u32 = 4;
/// How long a message waits for the one queued before it, so that
/// announcements keep their order, before it goes anyway: a call stalled
/// on Discord's side must not hold back the ones after it.
const OVERTAKE_AFTER: Duration = Duration::from_secs(2);
/// Messages being sent at once at most; more wait for one to finish (only
/// ever reached when Discord stalls every call).
const MAX_SENDING: usize = 16;

/// Sends what the driver asks for, retrying briefly. Announcements wait
/// until the announce channel is known (the first `GUILD_CREATE`).
///
/// Each message is sent by its own task, after the one before it is done
/// or [`OVERTAKE_AFTER`] has passed: in order while Discord answers, and
/// never stuck behind a call that stalls. On shutdown, what is still being
/// sent is dropped (a stop must not wait for Discord).
pub(super) async fn send_loop(
    http: Arc<Http>,
    admin: u64,
    messages: Messages,
    announce: watch::Receiver<Option<ChannelId>>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    shutdown: CancellationToken,
) {
    let admin_dm: Arc<Mutex<Option<ChannelId>>> = Arc::default();
    let mut sending = JoinSet::new();
    let mut previous: Option<oneshot::Receiver<()>> = None;
    loop {
        let item = tokio::select! {
            item = outgoing.recv() => match item { Some(item) => item, None => break },
            () = shutdown.cancelled() => break,
            Some(_) = sending.join_next(), if !sending.is_empty() => continue,
        };
        while sending.len() >= MAX_SENDING {
            tokio::select! {
                _ = sending.join_next() => {}
                () = shutdown.cancelled() => return,
            }
        }
        // Dropped when this message's task ends, which releases the next.
        let (done, next) = oneshot::channel::<()>();
        let before = previous.replace(next);
        let sender = Sender {
            http: Arc::clone(&http),
            admin,
            admin_dm: Arc::clone(&admin_dm),
            messages: messages.clone(),
            announce: announce.clone(),
            shutdown: shutdown.clone(),
        };
        sending.spawn(async move {
            if let Some(before) = before {
                let _ = tokio::time::timeout(OVERTAKE_AFTER, before).await;
            }
            sender.send(item).await;
            drop(done);
        });
    }
    // What is being sent may finish, unless the bot stops: dropping the
    // set then aborts the calls still waiting on Discord.
    tokio::select! {
        () = async { while sending.join_next().await.is_some() {} } => {}
        () = shutdown.cancelled() => {}
    }
}

/// What one message's task needs to send it.
struct Sender {
    http: Arc<Http>,
    admin: u64,
    /// The admin's DM channel, once known (shared by the tasks).
    admin_dm: Arc<Mutex<Option<ChannelId>>>,
    messages: Messages,
    announce: watch::Receiver<Option<ChannelId>>,
    shutdown: CancellationToken,
}

impl Sender {
    /// Sends `item`, with [`SEND_ATTEMPTS`] attempts; each REST call is
    /// bounded by the client's [`REQUEST_TIMEOUT`].
    async fn send(mut self, item: Outgoing) {
        for attempt in 1..=SEND_ATTEMPTS {
            let result = match &item {
                Outgoing::Announce {
                    text,
                    cancel_button,
                } => {
                    let channel = tokio::select! {
                        c = self.announce.wait_for(Option::is_some) => match c {
                            Ok(c) => *c,
                            Err(_) => return,
                        },
                        () = self.shutdown.cancelled() => return,
                    };
                    let Some(channel) = channel else { continue };
                    let mut message = CreateMessage::new().content(text);
                    if *cancel_button {
                        let button = CreateButton::new(CANCEL_SHUTDOWN_ID)
                            .label(self.messages.render(Text::CancelButton, &[]))
                            .style(ButtonStyle::Danger);
                        message = message.components(vec![CreateActionRow::Buttons(vec![button])]);
                    }
                    channel.send_message(&self.http, message).await.map(|_| ())
                }
                Outgoing::AlertAdmin { text } => self.alert_admin(text).await,
                Outgoing::DirectMessage { user, text } => direct(&self.http, *user, text).await,
            };
            match result {
                Ok(()) => break,
                Err(e) if attempt < SEND_ATTEMPTS => {
                    log::warn!("discord: sending failed (attempt {attempt}): {e}");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1 << attempt)) => {}
                        () = self.shutdown.cancelled() => return,
                    }
                }
                Err(e) => {
                    log::error!("discord: giving up on a message after {attempt} attempts: {e}")
                }
            }
        }
    }

    async fn alert_admin(&self, text: &str) -> Result<(), serenity::Error> {
        let known = *self.admin_dm.lock().unwrap_or_else(|p| p.into_inner());
        let dm = match known {
            Some(dm) => dm,
            None => {
                let dm = UserId::new(self.admin)
                    .create_dm_channel(&self.http)
                    .await?
                    .id;
                *self.admin_dm.lock().unwrap_or_else(|p| p.into_inner()) = Some(dm);
                dm
            }
        };
        dm.send_message(&self.http, CreateMessage::new().content(text))
            .await
            .map(|_| ())
    }
}

/// A DM to `user`. Their DM channel is not kept: a member gets a few at
/// most a day.
async fn direct(http: &Http, user: u64, text: &str) -> Result<(), serenity::Error> {
    if user == 0 {
        // No one (serenity's ids panic on zero); only a damaged record has it.
        return Ok(());
    }
    let dm = UserId::new(user).create_dm_channel(http).await?.id;
    dm.send_message(http, CreateMessage::new().content(text))
        .await
        .map(|_| ())
}
