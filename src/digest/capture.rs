//! The capture task: stores what happens to the guild's messages, in
//! groups.
//!
//! The Discord handler hands every [`Change`] to a queue; this task stages
//! it in the [`Archive`] and commits everything staged together once the
//! group is `commit_interval` old (15 minutes by default), [`PROMPT`]ly
//! once it holds an edit or a deletion, when it reaches
//! [`MAX_BATCH`] changes, when someone reads the messages (a digest, `/resume`,
//! `/report`: the archive commits what is staged before any read), and at
//! shutdown (SIGTERM). A redb commit writes about 24–40 KiB however little
//! it holds, so one commit per message on a quiet server would cost the
//! SD card 160 times the message's 170 B record; a message every 10 s
//! costs about 1.1 KiB a message with a commit every 5 minutes and 455 B
//! with one every 15 (`scripts/measure-digest.sh`).
//!
//! A message counts as stored (and the `digest_messages_captured` counter
//! moves) only once its commit has returned. What a crash or a power cut
//! loses is the group not yet committed, and the catch-up at the next
//! start (the channel history fetched from the newest stored message on,
//! [`crate::discord::capture::Feed::backfill`]) gets the messages back with
//! their current text and reactions. Lost for good are only the changes in
//! that window to messages committed before it: reactions, and the edits
//! and deletions of the last [`PROMPT`] (a deletion lost would leave the
//! message in the digest, which is why they do not wait for the group).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::archive::{Archive, Change, Directory};
use super::channels::Channels;
use crate::metrics::Metrics;
use crate::time::Clock;

/// What the Discord side holds to feed the capture: the queue, and the
/// channel rules that decide what is captured at all.
#[derive(Clone)]
pub struct Capture {
    queue: mpsc::Sender<Change>,
    channels: Arc<Channels>,
    archive: Archive,
    /// The appliance's clock: where a first backfill starts.
    clock: Clock,
}

impl Capture {
    pub fn new(
        queue: mpsc::Sender<Change>,
        channels: Arc<Channels>,
        archive: Archive,
        clock: Clock,
    ) -> Self {
        Capture {
            queue,
            channels,
            archive,
            clock,
        }
    }

    pub fn channels(&self) -> &Channels {
        &self.channels
    }

    /// Queues `change` of a message in `channel_id`, if that channel is
    /// watched (an excluded channel's messages are never stored).
    pub async fn submit(&self, channel_id: u64, change: Change) {
        if !self.channels.is_watched(channel_id) {
            return;
        }
        if self.queue.send(change).await.is_err() {
            log::debug!("digest: capture stopped; a message change is dropped");
        }
    }

    /// Where a backfill of `channels` resumes: after the newest message
    /// stored of each, or from the start of the next digest's window.
    pub async fn backfill_points(&self, channels: &[u64]) -> Vec<(u64, u64)> {
        let archive = self.archive.clone();
        let now = self.clock.now().as_millis_i64();
        let points = tokio::task::spawn_blocking(move || {
            let start = archive.state()?.map_or(now, |s| s.window_start_ms);
            let newest = archive.newest_by_channel(start)?;
            Ok::<_, crate::store::StoreError>((start, newest))
        })
        .await;
        match points {
            Ok(Ok((start, newest))) => channels
                .iter()
                .map(|c| {
                    let after = newest.get(c).copied().unwrap_or_else(|| {
                        super::archive::snowflake_floor(start).saturating_sub(1)
                    });
                    (*c, after)
                })
                .collect(),
            Ok(Err(e)) => {
                log::warn!("digest: cannot read where to resume capture: {e:#}");
                Vec::new()
            }
            Err(e) => {
                log::warn!("digest: cannot read where to resume capture: {e}");
                Vec::new()
            }
        }
    }

    /// Saves the guild's channel names when they changed, so the CLI can
    /// name channels without a Discord session.
    pub async fn save_directory(&self, directory: Option<Directory>) {
        let Some(directory) = directory else { return };
        let archive = self.archive.clone();
        match tokio::task::spawn_blocking(move || archive.save_directory(&directory)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::warn!("digest: cannot save the channel names: {e:#}"),
            Err(e) => log::warn!("digest: cannot save the channel names: {e}"),
        }
    }
}

/// How soon a group holding an edit or a deletion is committed, however
/// long `commit_interval` is: the catch-up after a crash brings back new
/// messages, not what happened to stored ones, and a deletion that a crash
/// forgot would put a message its author took back into the digest. Edits
/// and deletions are rare beside new messages, so the SD card hardly
/// notices; a burst of them (a moderator cleaning up) is one commit.
pub const PROMPT: Duration = Duration::from_secs(10);

/// Whether the catch-up after a crash could not bring `change` back.
fn lost_in_a_crash(change: &Change) -> bool {
    matches!(change, Change::Edited { .. } | Change::Deleted { .. })
}

/// The most changes committed together: a burst (a catch-up after
/// downtime) is committed as it comes rather than held in memory.
const MAX_BATCH: usize = 512;

/// Room in the queue; when full, Discord events wait for the commit rather
/// than being dropped.
pub const QUEUE: usize = 4096;

/// Runs until `shutdown`, then commits what is still queued or staged.
/// `interval` is how long a group stays open after its first change.
pub async fn run(
    archive: Archive,
    mut changes: mpsc::Receiver<Change>,
    metrics: Arc<Metrics>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    archive.on_commit(move |applied| metrics.digest_captured(applied.stored));
    // When the open group is due; `None` while nothing is staged.
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
        tokio::select! {
            change = changes.recv() => {
                let Some(change) = change else { break };
                let what = describe(&change);
                let wait = if lost_in_a_crash(&change) { interval.min(PROMPT) } else { interval };
                let staged = archive.stage(change);
                log::debug!("digest: {staged} message change(s) staged, last {what}");
                if staged >= MAX_BATCH {
                    commit(&archive).await;
                    due = None;
                } else {
                    let wanted = tokio::time::Instant::now() + wait;
                    due = Some(due.map_or(wanted, |due| due.min(wanted)));
                }
            }
            () = tokio::time::sleep_until(due.unwrap_or(far)), if due.is_some() => {
                commit(&archive).await;
                due = None;
            }
            () = shutdown.cancelled() => break,
        }
    }
    // What the handler queued before the stop is stored too.
    changes.close();
    while let Ok(change) = changes.try_recv() {
        archive.stage(change);
    }
    if archive.staged() > 0 {
        commit(&archive).await;
    }
}

/// Commits what is staged, retrying a failed commit (a full or failing
/// disk) a few times: a failed transaction applied nothing and its changes
/// stay staged, so retrying is safe. After the last try they are dropped
/// (memory is bounded; the next start's catch-up may still bring the
/// messages back).
async fn commit(archive: &Archive) {
    for attempt in 1..=COMMIT_ATTEMPTS {
        let todo = archive.clone();
        match tokio::task::spawn_blocking(move || todo.commit_staged()).await {
            Ok(Ok(_)) => return,
            Ok(Err(e)) if attempt < COMMIT_ATTEMPTS => {
                log::warn!("digest: storing the staged message changes failed, retrying: {e:#}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(Err(e)) => {
                let n = archive.discard_staged();
                log::error!("digest: {n} message change(s) could not be stored: {e:#}");
            }
            Err(e) => {
                let n = archive.discard_staged();
                log::error!("digest: the capture commit failed, {n} change(s) lost: {e}");
            }
        }
    }
}

const COMMIT_ATTEMPTS: u32 = 3;

/// A change in a few words, for the debug log (no message text).
fn describe(change: &Change) -> String {
    match change {
        Change::Posted(m) => format!("message {} posted in channel {}", m.id, m.channel_id),
        Change::Edited { id, .. } => format!("message {id} edited"),
        Change::Deleted { id } => format!("message {id} deleted"),
        Change::Reacted { id, .. } => format!("reactions to message {id}"),
        Change::ReactionsCleared { id } => format!("reactions to message {id} cleared"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::archive::{snowflake_floor, snowflake_ms};
    use crate::digest::model::CapturedMessage;
    use crate::store::Store;

    fn posted(n: u64) -> Change {
        let id = snowflake_floor(1_790_000_000_000) + n;
        Change::Posted(CapturedMessage {
            id,
            channel_id: 1,
            author_id: 7,
            author_name: "alice".into(),
            posted_ms: snowflake_ms(id),
            edited: false,
            content: format!("message {n}"),
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
        })
    }

    fn captured(metrics: &Metrics) -> String {
        metrics
            .render()
            .lines()
            .find(|l| l.starts_with("cubeguardian_digest_messages_captured_total "))
            .unwrap_or_default()
            .to_owned()
    }

    /// Lets the capture task take what is queued (time is paused, so
    /// this does not move the group's deadline).
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    /// Waits (on tokio's clock) until nothing staged is left.
    async fn until_committed(archive: &Archive) {
        while archive.staged() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A capture task on a fresh store, and what a test drives it with.
    struct Running {
        _dir: tempfile::TempDir,
        archive: Archive,
        metrics: Arc<Metrics>,
        queue: mpsc::Sender<Change>,
        shutdown: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    }

    /// Starts one that groups changes by `interval`.
    fn started(interval: Duration) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::new(Arc::new(Store::open(dir.path()).unwrap()));
        let metrics = Arc::new(Metrics::new());
        let (queue, changes) = mpsc::channel(QUEUE);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run(
            archive.clone(),
            changes,
            Arc::clone(&metrics),
            interval,
            shutdown.clone(),
        ));
        Running {
            _dir: dir,
            archive,
            metrics,
            queue,
            shutdown,
            task,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_is_committed_when_due_and_the_rest_at_shutdown() {
        let Running {
            _dir,
            archive,
            metrics,
            queue,
            shutdown,
            task,
        } = started(Duration::from_secs(300));
        queue.send(posted(1)).await.unwrap();
        settle().await;
        tokio::time::sleep(Duration::from_secs(200)).await;
        queue.send(posted(2)).await.unwrap();
        settle().await;
        // Both wait in one group, opened by the first.
        assert_eq!(archive.staged(), 2);
        assert!(captured(&metrics).ends_with(" 0"), "{}", captured(&metrics));
        tokio::time::sleep(Duration::from_secs(101)).await;
        until_committed(&archive).await;
        assert!(captured(&metrics).ends_with(" 2"), "{}", captured(&metrics));

        // A third opens a new group; the stop commits it.
        queue.send(posted(3)).await.unwrap();
        settle().await;
        assert_eq!(archive.staged(), 1);
        shutdown.cancel();
        task.await.unwrap();
        assert_eq!(archive.staged(), 0);
        assert!(captured(&metrics).ends_with(" 3"), "{}", captured(&metrics));
    }

    /// A new message can wait for its group (the catch-up after a crash
    /// brings it back); an edit or a deletion of a stored one cannot, so
    /// it brings the group's commit forward to [`PROMPT`].
    #[tokio::test(start_paused = true)]
    async fn an_edit_or_a_deletion_is_committed_promptly_with_its_group() {
        let Running {
            _dir,
            archive,
            metrics,
            queue,
            shutdown,
            task,
        } = started(Duration::from_secs(900));
        // Only new messages: they wait past PROMPT.
        queue.send(posted(1)).await.unwrap();
        queue.send(posted(2)).await.unwrap();
        settle().await;
        tokio::time::sleep(PROMPT * 3).await;
        settle().await;
        assert_eq!(archive.staged(), 2);

        // A deletion: it and the waiting group are committed within PROMPT.
        let Change::Posted(first) = posted(1) else {
            unreachable!()
        };
        queue.send(Change::Deleted { id: first.id }).await.unwrap();
        settle().await;
        assert_eq!(archive.staged(), 3);
        let sent = tokio::time::Instant::now();
        tokio::time::sleep(PROMPT + Duration::from_secs(1)).await;
        until_committed(&archive).await;
        // Tokio's paused clock: the commit came with PROMPT, not the group.
        assert!(sent.elapsed() < PROMPT * 2, "{:?}", sent.elapsed());
        assert_eq!(archive.message_count().unwrap(), 1);
        assert!(captured(&metrics).ends_with(" 2"), "{}", captured(&metrics));

        // An edit alone: committed within PROMPT too, not 15 minutes later.
        let Change::Posted(second) = posted(2) else {
            unreachable!()
        };
        queue
            .send(Change::Edited {
                id: second.id,
                content: Some("corrigé".into()),
                attachments: None,
                whole: None,
            })
            .await
            .unwrap();
        settle().await;
        assert_eq!(archive.staged(), 1);
        let sent = tokio::time::Instant::now();
        tokio::time::sleep(PROMPT + Duration::from_secs(1)).await;
        until_committed(&archive).await;
        // Tokio's paused clock: the commit came with PROMPT, not the group.
        assert!(sent.elapsed() < PROMPT * 2, "{:?}", sent.elapsed());
        let now = archive
            .messages_between(crate::time::Timestamp(0), crate::time::Timestamp(u64::MAX))
            .unwrap();
        assert_eq!(now[0].content, "corrigé");
        shutdown.cancel();
        task.await.unwrap();
    }
}
