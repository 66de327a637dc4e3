//! The digest at work: builds the daily digest at its local time, keeps
//! the outbox moving until the SMTP server accepts each digest, and answers
//! the commands (`/resume`, `/report`, `/exclude`, `/include`).
//!
//! The daily time is a task of the appliance's one scheduler
//! ([`crate::schedule`], kind [`TASK_KIND`]), re-armed after each run. It
//! is a volatile task, re-created at every start: the digest's own durable
//! state (the last scheduled time it covered) is the truth of what is due,
//! so days missed while the appliance was off still give one digest, and
//! storing the wake-up too would only cost the SD card a write a day.
//!
//! Every digest is stored (text frozen) before any attempt to send it, and
//! the scheduled one moves the start of the next window in the same commit:
//! a crash at any point neither loses a digest nor builds one twice. A
//! digest is marked sent as soon as the server has accepted it; should the
//! appliance die in between, it would be sent again at restart with the
//! same `Message-ID`, which lets receivers drop the copy.
//!
//! The outbox, which sends and retries, is `outbox`'s (a child module).
//!
//! When the server accepted a digest but its new status cannot be saved
//! (disk full, a read-only remount), the status is kept in memory: the
//! outbox never sends that digest again, the write is retried until it
//! succeeds, and the admin is told once per outage.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Mutex, Notify};
use tokio_util::sync::CancellationToken;

use super::archive::{Archive, Delivery, DigestKind, DigestRecord, DigestState, Override};
use super::channels::{Audience, Channels};
use super::model::{CapturedMessage, DigestRequest};
use super::report::{self, Period, ReportRequest};
use super::{render, schedule, summary};
use crate::config::DigestConfig;
use crate::messages::digest::not_sent_alert;
use crate::messages::{Language, Messages, Text};
use crate::metrics::Metrics;
use crate::outgoing::Outgoing;
use crate::peers::smtp::{Mailer, OutgoingMail};
use crate::schedule::{Handler, Outcome, Scheduled, Scheduler, Task};
use crate::store::StoreError;
use crate::time::{Clock, Timestamp, Zone};

mod outbox;

/// How soon the outbox, or a daily digest that could not be built, is
/// tried again after a database error.
const RECHECK: Duration = Duration::from_secs(30);

/// The scheduler's task kind of the daily digest.
pub const TASK_KIND: &str = "digest";

/// Past digests are kept this long for `digest --list` and `--show`.
const KEEP_DIGESTS: Duration = Duration::from_secs(365 * 24 * 3600);

/// The slowest retry of a digest the server keeps refusing.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// What the digest needs from the configuration.
#[derive(Clone, Debug)]
pub struct DigestSettings {
    pub guild_id: u64,
    pub time: jiff::civil::Time,
    pub zone: Zone,
    pub language: Language,
    pub retention: Duration,
    pub send_when_empty: bool,
    /// The first retry's delay; each next one doubles, up to an hour.
    pub retry_after: Duration,
    /// The domain of the `Message-ID`s (the sender's).
    pub message_id_domain: String,
    /// The texts, for admin alerts.
    pub messages: Messages,
}

impl DigestSettings {
    pub fn from_config(config: &crate::config::Config, digest: &DigestConfig) -> Self {
        let domain = digest
            .from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "cubeguardian.invalid".to_owned());
        DigestSettings {
            guild_id: config.discord.guild_id.0,
            time: digest.time,
            zone: digest.zone.clone(),
            language: config.messages.language(),
            retention: digest.retention,
            send_when_empty: digest.send_when_empty,
            retry_after: digest.retry_after,
            message_id_domain: domain,
            messages: config.messages.clone(),
        }
    }
}

/// Why a digest command could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the digest's database task failed: {0}")]
    Join(String),
    #[error("the daily digest's task: {0}")]
    Schedule(#[from] crate::schedule::ScheduleError),
}

/// Builds digests and reports from the archive: what the running
/// appliance and the offline CLI (`digest --preview`) share.
pub struct Builder {
    pub archive: Archive,
    pub channels: Arc<Channels>,
    /// Replaced by a configuration reload.
    pub settings: std::sync::RwLock<DigestSettings>,
    pub clock: Clock,
}

pub struct Digester {
    /// Itself, for the tasks a reload starts.
    me: std::sync::Weak<Digester>,
    builder: Builder,
    mailer: Mailer,
    metrics: Arc<Metrics>,
    alerts: mpsc::Sender<Outgoing>,
    /// The state as last saved; the lock also serialises the builders.
    state: Mutex<DigestState>,
    /// Where the daily task lives, once [`Digester::attach`] gave it.
    scheduler: std::sync::OnceLock<Arc<Scheduler>>,
    outbox_changed: Notify,
    /// Deliveries settled with the SMTP server that the database could not
    /// record yet, by digest id: they override what the outbox reads.
    unsaved: std::sync::Mutex<BTreeMap<u64, Delivery>>,
}

impl Digester {
    /// Loads (or starts) the digest's state: on the very first start the
    /// first digest will cover from now on.
    pub async fn start(
        archive: Archive,
        channels: Arc<Channels>,
        settings: DigestSettings,
        mailer: Mailer,
        metrics: Arc<Metrics>,
        alerts: mpsc::Sender<Outgoing>,
        clock: Clock,
    ) -> Result<Arc<Digester>, DigestError> {
        let loader = archive.clone();
        let now = clock.now();
        let state = blocking(move || match loader.state()? {
            Some(state) => Ok(state),
            None => {
                let state = DigestState {
                    window_start_ms: now.as_millis_i64(),
                    ..DigestState::default()
                };
                loader.save_state(&state)?;
                Ok(state)
            }
        })
        .await?;
        Ok(Arc::new_cyclic(|me| Digester {
            me: me.clone(),
            builder: Builder {
                archive,
                channels,
                settings: std::sync::RwLock::new(settings),
                clock,
            },
            mailer,
            metrics,
            alerts,
            state: Mutex::new(state),
            scheduler: std::sync::OnceLock::new(),
            outbox_changed: Notify::new(),
            unsaved: std::sync::Mutex::new(BTreeMap::new()),
        }))
    }

    /// Loads the persisted `/exclude` and `/include` decisions, for
    /// [`Channels::new`] before the digester exists.
    pub fn saved_overrides(
        archive: &Archive,
    ) -> Result<std::collections::BTreeMap<u64, Override>, StoreError> {
        Ok(archive.state()?.map(|s| s.overrides).unwrap_or_default())
    }

    /// Runs the outbox until `shutdown` (the daily digest is the
    /// scheduler's: see [`Digester::attach`]).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        self.send_loop(shutdown).await;
    }

    /// Hands the daily digest to `scheduler`: registers its handler and
    /// arms its one task at the next time due.
    pub async fn attach(self: &Arc<Self>, scheduler: &Arc<Scheduler>) -> Result<(), DigestError> {
        let _ = self.scheduler.set(Arc::clone(scheduler));
        scheduler.register(
            TASK_KIND,
            Arc::new(DailyTask {
                digester: Arc::downgrade(self),
            }),
        );
        self.rearm().await
    }

    /// Replaces the daily task by one at the next time due (the
    /// configured time may have changed while the appliance was off, or by
    /// a reload).
    async fn rearm(&self) -> Result<(), DigestError> {
        let Some(scheduler) = self.scheduler.get() else {
            return Ok(());
        };
        let at = self.next_due().await;
        scheduler
            .cancel_kind(TASK_KIND)
            .await
            .map_err(DigestError::from)?;
        scheduler
            .schedule_volatile(at, Task::new(TASK_KIND, serde_json::Value::Null))
            .await;
        log::debug!(
            "digest: next daily digest at {}",
            self.local(at.as_millis_i64())
        );
        Ok(())
    }

    /// When the next daily digest is due (now, if one was missed).
    async fn next_due(&self) -> Timestamp {
        let last = self.state.lock().await.last_scheduled();
        let now = self.now();
        let settings = self.builder.settings();
        match schedule::due(last, now, settings.time, settings.zone.tz()) {
            schedule::Due::Now { .. } => now,
            schedule::Due::At(at) => at,
        }
    }

    /// The daily task's run: builds the digest if one is due, and says
    /// when the next is.
    async fn daily(&self) -> Outcome {
        let last = self.state.lock().await.last_scheduled();
        let now = self.now();
        let settings = self.builder.settings();
        match schedule::due(last, now, settings.time, settings.zone.tz()) {
            schedule::Due::Now { scheduled } => match self.build_scheduled(Some(scheduled)).await {
                Ok(_) => Outcome::Again(schedule::next_after(
                    scheduled,
                    settings.time,
                    settings.zone.tz(),
                )),
                Err(e) => {
                    // Never dropped: the digest is tried again until the
                    // database takes it.
                    log::error!("digest: cannot build the daily digest: {e:#}");
                    Outcome::Again(self.now().after(RECHECK))
                }
            },
            schedule::Due::At(at) => Outcome::Again(at),
        }
    }

    /// Builds the scheduled digest now: everything since the last one.
    /// `scheduled` is the daily time it stands for; `None` when an admin
    /// sends it early (the daily time then still comes, covering what
    /// follows).
    pub async fn build_scheduled(
        &self,
        scheduled: Option<Timestamp>,
    ) -> Result<DigestRecord, DigestError> {
        let mut state = self.state.lock().await;
        let now = self.now();
        let record = self
            .builder
            .build(state.window_start(), now, DigestKind::Scheduled)
            .await?;
        let mut next = state.clone();
        next.window_start_ms = now.as_millis_i64();
        if let Some(at) = scheduled {
            next.last_scheduled_ms = Some(at.as_millis_i64());
        }
        let archive = self.builder.archive.clone();
        let saved_state = next.clone();
        let record = blocking(move || archive.add_digest(record, Some(&saved_state))).await?;
        *state = next;
        drop(state);
        log::info!(
            "digest #{}: {} message(s) from {} to {}",
            record.id,
            record.message_count,
            self.local(record.from_ms),
            self.local(record.to_ms)
        );
        self.outbox_changed.notify_one();
        self.purge(now).await;
        Ok(record)
    }

    /// An extra digest of everything since the last scheduled one, mailed
    /// at once; the next scheduled digest still covers the same messages.
    pub async fn mail_now(&self, by: &str) -> Result<DigestRecord, DigestError> {
        let from = self.state.lock().await.window_start();
        let record = self
            .builder
            .build(
                from,
                self.now(),
                DigestKind::OnRequest { by: by.to_owned() },
            )
            .await?;
        let archive = self.builder.archive.clone();
        let record = blocking(move || archive.add_digest(record, None)).await?;
        log::info!(
            "digest #{} asked for by {by}: {} message(s)",
            record.id,
            record.message_count
        );
        self.outbox_changed.notify_one();
        Ok(record)
    }

    /// Deletes the messages past retention that a scheduled digest has
    /// covered, and digests older than a year.
    async fn purge(&self, now: Timestamp) {
        let retention = self.builder.settings().retention;
        let covered = self.state.lock().await.window_start();
        let cutoff = before(now, retention).min(covered);
        let archive = self.builder.archive.clone();
        match blocking(move || {
            let messages = archive.purge_before(cutoff)?;
            let digests = archive.forget_digests_before(before(now, KEEP_DIGESTS))?;
            Ok((messages, digests))
        })
        .await
        {
            Ok((0, 0)) => {}
            Ok((messages, digests)) => log::info!(
                "digest: deleted {messages} message(s) past retention and {digests} old digest(s)"
            ),
            Err(e) => log::warn!("digest: purge failed: {e:#}"),
        }
    }

    /// `/exclude` or `/include` of a channel, persisted.
    pub async fn set_override(
        &self,
        channel_id: u64,
        decision: Override,
    ) -> Result<(), DigestError> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        next.overrides = self.builder.channels.set_override(channel_id, decision);
        let archive = self.builder.archive.clone();
        let saved = next.clone();
        blocking(move || archive.save_state(&saved)).await?;
        *state = next;
        Ok(())
    }

    pub fn channels(&self) -> &Channels {
        &self.builder.channels
    }

    /// What the next scheduled digest would say now.
    pub async fn preview(&self) -> Result<render::Rendered, DigestError> {
        let from = self.state.lock().await.window_start();
        self.builder.preview(from).await
    }

    /// The digest so far, for Discord: only what `audience` may read.
    pub async fn chat(
        &self,
        limit: usize,
        audience: Audience<'_>,
    ) -> Result<Vec<String>, DigestError> {
        let from = self.state.lock().await.window_start();
        self.builder.chat(from, limit, audience).await
    }

    pub async fn report(
        &self,
        period: Period,
        audience: Audience<'_>,
    ) -> Result<String, DigestError> {
        self.builder.report(period, audience).await
    }

    pub fn archive(&self) -> &Archive {
        &self.builder.archive
    }

    pub fn zone(&self) -> Zone {
        self.builder.settings().zone
    }

    /// Takes a reloaded configuration's digest settings and channel lists
    /// (the mail server's settings need a restart).
    pub fn reconfigure(
        &self,
        settings: DigestSettings,
        excluded: Vec<crate::config::ChannelRef>,
        important: Vec<crate::config::ChannelRef>,
        include_private: Vec<crate::config::ChannelRef>,
    ) {
        let old = self.builder.settings();
        let moved = old.time != settings.time || old.zone.name() != settings.zone.name();
        *self
            .builder
            .settings
            .write()
            .unwrap_or_else(|p| p.into_inner()) = settings;
        if moved {
            if let Some(me) = self.me() {
                tokio::spawn(async move {
                    if let Err(e) = me.rearm().await {
                        log::error!("digest: cannot move the daily digest to its new time: {e:#}");
                    }
                });
            }
        }
        self.builder
            .channels
            .set_rules(excluded, important, include_private);
    }

    fn alert(&self, text: String) {
        if self.alerts.try_send(Outgoing::AlertAdmin { text }).is_err() {
            log::debug!("digest: the admin alert queue is full");
        }
    }

    fn now(&self) -> Timestamp {
        self.builder.clock.now()
    }

    fn me(&self) -> Option<Arc<Digester>> {
        self.me.upgrade()
    }

    fn local(&self, ms: i64) -> String {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| {
                t.to_zoned(self.builder.settings().zone.tz().clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|_| ms.to_string())
    }
}

impl Builder {
    /// The settings in effect now.
    pub fn settings(&self) -> DigestSettings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What a digest from `from` would say now, as mail (for `digest
    /// --preview`).
    pub async fn preview(&self, from: Timestamp) -> Result<render::Rendered, DigestError> {
        let (rendered, _) = self
            .digest(from, self.clock.now(), Audience::Mail, render::render_mail)
            .await?;
        Ok(rendered)
    }

    /// The digest from `from` until now, for Discord: parts of at most
    /// `limit` characters, of the channels `audience` may read.
    pub async fn chat(
        &self,
        from: Timestamp,
        limit: usize,
        audience: Audience<'_>,
    ) -> Result<Vec<String>, DigestError> {
        let (parts, _) = self
            .digest(from, self.clock.now(), audience, |request, digest| {
                render::split_for_discord(&render::render_chat(request, digest), limit)
            })
            .await?;
        Ok(parts)
    }

    /// `/report day|week`.
    pub async fn report(
        &self,
        period: Period,
        audience: Audience<'_>,
    ) -> Result<String, DigestError> {
        let settings = self.settings();
        let to = self.clock.now();
        let from = period.start(to, settings.zone.tz());
        let (messages, channels) = self.window(from, to, audience).await?;
        let report = report::report(&ReportRequest {
            channels: &channels,
            messages: &messages,
            from,
            to,
            zone: settings.zone.tz(),
            language: settings.language,
            period,
        });
        Ok(report::render_report(&report, settings.language))
    }

    /// The one way from the archive to a digest: the window's messages that
    /// `audience` may read, summarised, then shown by `render` (as mail,
    /// as a Discord post…). Also returns how many messages the window had.
    async fn digest<R>(
        &self,
        from: Timestamp,
        to: Timestamp,
        audience: Audience<'_>,
        render: impl FnOnce(&DigestRequest, &summary::Digest) -> R,
    ) -> Result<(R, usize), DigestError> {
        let settings = self.settings();
        let (messages, channels) = self.window(from, to, audience).await?;
        let guild_name = self.channels.guild_name();
        let request = DigestRequest {
            guild_id: settings.guild_id,
            guild_name: &guild_name,
            channels: &channels,
            messages: &messages,
            from,
            to,
            zone: settings.zone.tz(),
            language: settings.language,
            preamble: None,
        };
        let digest = summary::summarise(&request);
        Ok((render(&request, &digest), messages.len()))
    }

    /// The window's messages of the watched channels `audience` may read.
    async fn window(
        &self,
        from: Timestamp,
        to: Timestamp,
        audience: Audience<'_>,
    ) -> Result<(Vec<CapturedMessage>, Vec<super::model::Channel>), DigestError> {
        let archive = self.archive.clone();
        let mut messages = blocking(move || archive.messages_between(from, to)).await?;
        let channels = self.channels.watched(audience);
        // A channel excluded (or made private) after its messages were
        // captured is left out.
        messages.retain(|m| channels.iter().any(|c| c.id == m.channel_id));
        Ok((messages, channels))
    }

    /// The mailed digest of `[from, to)`, ready to store in the outbox (or
    /// skipped when empty and `send_when_empty` is off).
    pub async fn build(
        &self,
        from: Timestamp,
        to: Timestamp,
        kind: DigestKind,
    ) -> Result<DigestRecord, DigestError> {
        let settings = self.settings();
        let (rendered, message_count) = self
            .digest(from, to, Audience::Mail, render::render_mail)
            .await?;
        let now = self.clock.now().as_millis_i64();
        let delivery = if message_count == 0 && !settings.send_when_empty {
            Delivery::Skipped {
                reason: "no message in the period (send_when_empty = false)".to_owned(),
            }
        } else {
            Delivery::Pending {
                attempts: 0,
                next_attempt_ms: now,
                last_error: None,
            }
        };
        Ok(DigestRecord {
            id: 0,
            kind,
            created_ms: now,
            from_ms: from.as_millis_i64(),
            to_ms: to.as_millis_i64(),
            message_count: message_count as u64,
            message_id: format!(
                "<cubeguardian.digest-{{id}}.{now}@{}>",
                settings.message_id_domain
            ),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            delivery,
        })
    }
}

/// The daily digest's handler; weak, so the scheduler does not keep a
/// stopped digester alive.
struct DailyTask {
    digester: std::sync::Weak<Digester>,
}

#[async_trait::async_trait]
impl Handler for DailyTask {
    async fn run(&self, _task: &Scheduled) -> Outcome {
        match self.digester.upgrade() {
            Some(digester) => digester.daily().await,
            None => Outcome::Failed("the digest is no longer running".to_owned()),
        }
    }
}

/// The moment `d` before `t` (the epoch at the earliest).
fn before(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp(t.0.saturating_sub(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
}

/// The delay before attempt `attempts + 1`: `first`, doubling, capped.
fn backoff(first: Duration, attempts: u32) -> Duration {
    first
        .saturating_mul(1 << attempts.saturating_sub(1).min(16))
        .min(MAX_BACKOFF.max(first))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, DigestError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DigestError::Join(e.to_string()))?
        .map_err(DigestError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let first = Duration::from_secs(60);
        assert_eq!(backoff(first, 1), first);
        assert_eq!(backoff(first, 2), first * 2);
        assert_eq!(backoff(first, 3), first * 4);
        assert_eq!(backoff(first, 40), MAX_BACKOFF);
        let tiny = Duration::from_millis(200);
        assert_eq!(backoff(tiny, 2), Duration::from_millis(400));
    }
}
