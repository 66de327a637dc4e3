//! The capture task: stores what happens to the guild's messages, in
//! batches.
//!
//! The Discord handler hands every [`Change`] to a queue; this task takes
//! whatever has arrived within [`LINGER`] of the first one and commits it
//! all in one redb transaction. A message counts as stored (and the
//! `digest_messages_captured` counter moves) only once that commit has
//! returned, so a power cut after it loses nothing; one commit per burst
//! rather than per message keeps the SD card's writes down.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::archive::{Archive, Change, Directory};
use super::channels::Channels;
use crate::metrics::Metrics;

/// What the Discord side holds to feed the capture: the queue, and the
/// channel rules that decide what is captured at all.
#[derive(Clone)]
pub struct Capture {
    queue: mpsc::Sender<Change>,
    channels: Arc<Channels>,
    archive: Archive,
}

impl Capture {
    pub fn new(queue: mpsc::Sender<Change>, channels: Arc<Channels>, archive: Archive) -> Self {
        Capture {
            queue,
            channels,
            archive,
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
        let points = tokio::task::spawn_blocking(move || {
            let start = archive
                .state()?
                .map_or_else(super::service::now_ms, |s| s.window_start_ms);
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

/// How long a batch stays open after its first change.
pub const LINGER: Duration = Duration::from_millis(500);

/// The most changes committed together.
const MAX_BATCH: usize = 512;

/// Room in the queue; when full, Discord events wait for the commit rather
/// than being dropped.
pub const QUEUE: usize = 4096;

/// Runs until `shutdown`, then commits what is still queued.
pub async fn run(
    archive: Archive,
    mut changes: mpsc::Receiver<Change>,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(64);
    loop {
        let first = tokio::select! {
            change = changes.recv() => change,
            () = shutdown.cancelled() => None,
        };
        let Some(first) = first else { break };
        batch.push(first);
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < MAX_BATCH {
            tokio::select! {
                change = changes.recv() => match change {
                    Some(change) => batch.push(change),
                    None => break,
                },
                () = tokio::time::sleep_until(deadline) => break,
                () = shutdown.cancelled() => break,
            }
        }
        commit(&archive, &mut batch, &metrics).await;
    }
    // What the handler queued before the stop is stored too.
    changes.close();
    while let Ok(change) = changes.try_recv() {
        batch.push(change);
    }
    if !batch.is_empty() {
        commit(&archive, &mut batch, &metrics).await;
    }
}

/// Commits `batch`, retrying a failed commit (a full or failing disk) a
/// few times: a failed transaction applied nothing, so retrying is safe.
async fn commit(archive: &Archive, batch: &mut Vec<Change>, metrics: &Metrics) {
    let changes = Arc::new(std::mem::take(batch));
    let n = changes.len();
    for attempt in 1..=COMMIT_ATTEMPTS {
        let (archive, todo) = (archive.clone(), Arc::clone(&changes));
        match tokio::task::spawn_blocking(move || archive.apply(&todo)).await {
            Ok(Ok(applied)) => {
                metrics.digest_captured(applied.stored);
                log::debug!(
                    "digest: stored {n} change(s): {} new, {} edited, {} deleted",
                    applied.stored,
                    applied.edited,
                    applied.deleted
                );
                return;
            }
            Ok(Err(e)) if attempt < COMMIT_ATTEMPTS => {
                log::warn!("digest: storing {n} message change(s) failed, retrying: {e:#}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(Err(e)) => {
                log::error!("digest: {n} message change(s) could not be stored: {e:#}")
            }
            Err(e) => {
                log::error!("digest: the capture commit failed: {e}");
                return;
            }
        }
    }
}

const COMMIT_ATTEMPTS: u32 = 3;
