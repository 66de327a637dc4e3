//! The digest's durable memory, in the appliance's redb file: the captured
//! messages, the digests (the outbox and their delivery), and the digest's
//! own state (where the next digest starts, the channels excluded or
//! included by command, the guild's channel names).
//!
//! Messages are keyed by their snowflake, which orders them by posting
//! time, so a digest's window is one range scan and the retention purge one
//! range delete. Every change is a redb commit (fsync) before it counts as
//! stored. A redb commit writes about 28 KiB whatever it holds, so the
//! capture task stages changes here ([`Archive::stage`]) and commits them
//! in groups ([`Archive::commit_staged`]) every few minutes; whoever reads
//! messages commits what is staged first, so no reader ever misses a
//! captured message.
//!
//! A new digest and the move of the next window's start are one
//! transaction: a digest is either in the outbox with the window moved, or
//! neither — it can be neither lost nor built twice.
//!
//! Synchronous, like [`Store`]; async callers use the blocking pool.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use super::model::{Attachment, CapturedMessage};
use crate::store::{Store, StoreError, RECORDS};
use crate::time::Timestamp;

/// Captured messages by snowflake, compact records ([`record`]).
const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("digest_messages");
/// Digests by id, JSON [`DigestRecord`]s: the outbox and the archive of
/// what was sent.
const DIGESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("digest_outbox");
/// The [`DigestState`] record's name in the records table.
const STATE: &str = "digest";
/// The [`Directory`] record's name.
const DIRECTORY: &str = "digest_channels";

pub mod record;

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The smallest snowflake minted at `ms` (Unix milliseconds): every message
/// posted at or after `ms` has an id at least this.
pub fn snowflake_floor(ms: i64) -> u64 {
    u64::try_from(ms.saturating_sub(DISCORD_EPOCH_MS)).unwrap_or(0) << 22
}

/// When a snowflake was minted, in Unix milliseconds.
pub fn snowflake_ms(id: u64) -> i64 {
    i64::try_from(id >> 22).unwrap_or(i64::MAX - DISCORD_EPOCH_MS) + DISCORD_EPOCH_MS
}

/// One thing that happened to a guild message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Posted(CapturedMessage),
    /// An edit. Discord sends the whole message now, but older payloads
    /// carry only what changed: `None` leaves a field as stored. When the
    /// message is not stored (posted while the bot was away) and the
    /// payload was complete, `whole` is stored instead.
    Edited {
        id: u64,
        content: Option<String>,
        attachments: Option<Vec<Attachment>>,
        whole: Option<CapturedMessage>,
    },
    Deleted {
        id: u64,
    },
    /// Reactions added (positive) or removed (negative).
    Reacted {
        id: u64,
        delta: i32,
    },
    ReactionsCleared {
        id: u64,
    },
}

/// What one [`Archive::apply`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// New messages stored.
    pub stored: u64,
    pub edited: u64,
    pub deleted: u64,
}

/// Who or what asked for a digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DigestKind {
    /// The daily one: it moved the start of the next window.
    Scheduled,
    /// An extra one asked for by an admin (`/resume mail:true`); the next
    /// scheduled digest still covers its messages.
    OnRequest { by: String },
}

/// Where a digest is on its way to the mailing list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Delivery {
    /// In the outbox: to be (re)tried at `next_attempt_ms`.
    Pending {
        attempts: u32,
        next_attempt_ms: i64,
        last_error: Option<String>,
    },
    /// The SMTP server accepted it.
    Sent { at_ms: i64, attempts: u32 },
    /// Nothing to send (a day without messages, `send_when_empty = false`).
    Skipped { reason: String },
}

/// One digest, as built: its text is frozen, so what is sent (even days
/// later, after retries) is what was built, and `digest --show` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRecord {
    pub id: u64,
    #[serde(flatten)]
    pub kind: DigestKind,
    pub created_ms: i64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub message_count: u64,
    /// The mail's `Message-ID`, the same on every attempt, so that a
    /// receiver can drop a duplicate if a crash hid an acceptance.
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub delivery: Delivery,
}

/// An admin's decision about one channel, overriding the config's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Override {
    Excluded,
    Included,
}

/// The digest's own state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestState {
    /// Where the next scheduled digest starts (Unix ms): the end of the
    /// last scheduled one, or when capture first started.
    pub window_start_ms: i64,
    /// The last scheduled time a digest was built for, so a time missed
    /// while the appliance was off is caught up once at start.
    pub last_scheduled_ms: Option<i64>,
    /// `/exclude` and `/include`, by channel id.
    #[serde(default)]
    pub overrides: BTreeMap<u64, Override>,
}

impl DigestState {
    /// Where the next scheduled digest starts.
    pub fn window_start(&self) -> Timestamp {
        Timestamp::from_millis_i64(self.window_start_ms)
    }

    /// What the scheduler counts from: the last scheduled time, or the
    /// window's start before the first digest.
    pub fn last_scheduled(&self) -> Timestamp {
        Timestamp::from_millis_i64(self.last_scheduled_ms.unwrap_or(self.window_start_ms))
    }
}

/// The guild's text channels as last seen, so the CLI (which has no
/// Discord session) can name them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub guild_id: u64,
    pub guild_name: String,
    /// (id, name), in the guild's order.
    pub channels: Vec<(u64, String)>,
}

/// The digest's tables, over the appliance's store.
#[derive(Clone)]
pub struct Archive {
    store: Arc<Store>,
    /// Shared by every clone: the capture stages, any reader commits.
    staged: Arc<Staged>,
}

/// Captured changes waiting for their group's commit.
#[derive(Default)]
struct Staged {
    changes: Mutex<Vec<Change>>,
    /// Held for a whole commit of staged changes, so that a reader that
    /// finds nothing staged knows the commit in flight (if any) is done.
    commit: Mutex<()>,
    /// Told what each commit of staged changes stored (the metrics).
    on_commit: OnceLock<Box<dyn Fn(Applied) + Send + Sync>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Archive {
    pub fn new(store: Arc<Store>) -> Self {
        Archive {
            store,
            staged: Arc::default(),
        }
    }

    /// Adds `change` to the next group commit; returns how many changes
    /// are staged now.
    pub fn stage(&self, change: Change) -> usize {
        let mut changes = lock(&self.staged.changes);
        changes.push(change);
        changes.len()
    }

    /// How many changes wait for a commit.
    pub fn staged(&self) -> usize {
        lock(&self.staged.changes).len()
    }

    /// Sets what is told the result of each commit of staged changes (the
    /// first call wins).
    pub fn on_commit(&self, hook: impl Fn(Applied) + Send + Sync + 'static) {
        let _ = self.staged.on_commit.set(Box::new(hook));
    }

    /// Commits every staged change in one durable transaction. If the
    /// commit fails they stay staged, ahead of newer ones, for the next
    /// try (a failed transaction applied nothing).
    pub fn commit_staged(&self) -> Result<Applied, StoreError> {
        let _one_at_a_time = lock(&self.staged.commit);
        let batch = std::mem::take(&mut *lock(&self.staged.changes));
        if batch.is_empty() {
            return Ok(Applied::default());
        }
        match self.apply(&batch) {
            Ok(applied) => {
                log::debug!(
                    "digest: stored {} change(s): {} new, {} edited, {} deleted",
                    batch.len(),
                    applied.stored,
                    applied.edited,
                    applied.deleted
                );
                if let Some(hook) = self.staged.on_commit.get() {
                    hook(applied);
                }
                Ok(applied)
            }
            Err(e) => {
                let mut changes = lock(&self.staged.changes);
                let newer = std::mem::replace(&mut *changes, batch);
                changes.extend(newer);
                Err(e)
            }
        }
    }

    /// Drops what is staged (after commits kept failing); returns how
    /// many changes went.
    pub fn discard_staged(&self) -> usize {
        std::mem::take(&mut *lock(&self.staged.changes)).len()
    }

    /// Commits what is staged before a read, so that the read sees every
    /// captured change; a failing disk is logged and the read goes on with
    /// what is on disk.
    fn settle(&self) {
        if let Err(e) = self.commit_staged() {
            log::warn!("digest: cannot store the staged message changes before a read: {e:#}");
        }
    }

    fn begin_write(&self) -> Result<redb::WriteTransaction, StoreError> {
        self.store
            .database()?
            .begin_write()
            .map_err(|e| self.store.io_error("write", e))
    }

    /// Commits durably: on disk when this returns.
    fn commit(&self, txn: redb::WriteTransaction) -> Result<(), StoreError> {
        txn.commit().map_err(|e| self.store.io_error("commit", e))
    }

    /// `table` for reading; `None` when nothing was ever written to it.
    fn read_table(
        &self,
        table: TableDefinition<'static, u64, &'static [u8]>,
    ) -> Result<Option<redb::ReadOnlyTable<u64, &'static [u8]>>, StoreError> {
        let store = &self.store;
        let txn = store
            .database()?
            .begin_read()
            .map_err(|e| store.io_error("read", e))?;
        match txn.open_table(table) {
            Ok(table) => Ok(Some(table)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(store.io_error("read", e)),
        }
    }

    /// Applies `changes` in order, in one durable commit.
    pub fn apply(&self, changes: &[Change]) -> Result<Applied, StoreError> {
        let store = &self.store;
        let mut applied = Applied::default();
        // One buffer for every record of the batch.
        let mut buf = Vec::with_capacity(512);
        let txn = self.begin_write()?;
        {
            let mut table = txn
                .open_table(MESSAGES)
                .map_err(|e| store.io_error("write", e))?;
            let io = |e: redb::StorageError| store.io_error("write", e);
            for change in changes {
                match change {
                    Change::Posted(message) => {
                        let Some(record) = encoded(&mut buf, message, store) else {
                            continue;
                        };
                        let previous = table.insert(message.id, record).map_err(io)?;
                        if previous.is_none() {
                            applied.stored += 1;
                        }
                    }
                    Change::Edited {
                        id,
                        content,
                        attachments,
                        whole,
                    } => {
                        let stored = read(&table, *id, store)?;
                        let fresh = stored.is_none();
                        let updated = match (stored, whole) {
                            (Some(mut m), _) => {
                                if let Some(content) = content {
                                    m.content.clone_from(content);
                                }
                                if let Some(attachments) = attachments {
                                    m.attachments.clone_from(attachments);
                                }
                                m.edited = true;
                                m
                            }
                            (None, Some(whole)) => CapturedMessage {
                                edited: true,
                                ..whole.clone()
                            },
                            (None, None) => continue,
                        };
                        let Some(record) = encoded(&mut buf, &updated, store) else {
                            continue;
                        };
                        table.insert(*id, record).map_err(io)?;
                        if fresh {
                            applied.stored += 1;
                        }
                        applied.edited += 1;
                    }
                    Change::Deleted { id } => {
                        if table.remove(*id).map_err(io)?.is_some() {
                            applied.deleted += 1;
                        }
                    }
                    Change::Reacted { id, delta } => {
                        if let Some(mut m) = read(&table, *id, store)? {
                            m.reactions = m.reactions.saturating_add_signed(*delta);
                            if let Some(record) = encoded(&mut buf, &m, store) {
                                table.insert(*id, record).map_err(io)?;
                            }
                        }
                    }
                    Change::ReactionsCleared { id } => {
                        if let Some(mut m) = read(&table, *id, store)? {
                            m.reactions = 0;
                            if let Some(record) = encoded(&mut buf, &m, store) {
                                table.insert(*id, record).map_err(io)?;
                            }
                        }
                    }
                }
            }
        }
        self.commit(txn)?;
        Ok(applied)
    }

    /// The messages posted in `[from, to)`, by id.
    pub fn messages_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<CapturedMessage>, StoreError> {
        self.settle();
        let store = &self.store;
        let Some(table) = self.read_table(MESSAGES)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let range = table
            .range(snowflake_floor(from.as_millis_i64())..snowflake_floor(to.as_millis_i64()))
            .map_err(|e| store.io_error("read", e))?;
        for entry in range {
            let (key, value) = entry.map_err(|e| store.io_error("read", e))?;
            if let Some(message) = decoded(key.value(), value.value(), store) {
                out.push(message);
            }
        }
        Ok(out)
    }

    /// The newest stored message of each channel among those posted since
    /// `from_ms`: where a backfill after downtime resumes.
    pub fn newest_by_channel(
        &self,
        from_ms: i64,
    ) -> Result<std::collections::HashMap<u64, u64>, StoreError> {
        let mut newest = std::collections::HashMap::new();
        for m in self.messages_between(Timestamp::from_millis_i64(from_ms), Timestamp(u64::MAX))? {
            let id = newest.entry(m.channel_id).or_insert(m.id);
            *id = (*id).max(m.id);
        }
        Ok(newest)
    }

    /// How many messages are stored.
    pub fn message_count(&self) -> Result<u64, StoreError> {
        self.settle();
        match self.read_table(MESSAGES)? {
            Some(table) => table.len().map_err(|e| self.store.io_error("read", e)),
            None => Ok(0),
        }
    }

    /// Deletes the messages posted before `before`; returns how many.
    pub fn purge_before(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.settle();
        let store = &self.store;
        let txn = self.begin_write()?;
        let mut removed = 0;
        {
            let mut table = txn
                .open_table(MESSAGES)
                .map_err(|e| store.io_error("write", e))?;
            table
                .retain_in(..snowflake_floor(before.as_millis_i64()), |_, _| {
                    removed += 1;
                    false
                })
                .map_err(|e| store.io_error("write", e))?;
        }
        self.commit(txn)?;
        Ok(removed)
    }

    /// The digest's state; `None` before the first start with `[digest]`.
    pub fn state(&self) -> Result<Option<DigestState>, StoreError> {
        self.store.load(STATE)
    }

    pub fn save_state(&self, state: &DigestState) -> Result<(), StoreError> {
        self.store.save(STATE, state)
    }

    pub fn directory(&self) -> Result<Option<Directory>, StoreError> {
        self.store.load(DIRECTORY)
    }

    pub fn save_directory(&self, directory: &Directory) -> Result<(), StoreError> {
        self.store.save(DIRECTORY, directory)
    }

    /// Stores a new digest (its id is assigned here and returned) and, when
    /// given, the state that goes with it, in one transaction.
    pub fn add_digest(
        &self,
        mut record: DigestRecord,
        state: Option<&DigestState>,
    ) -> Result<DigestRecord, StoreError> {
        let store = &self.store;
        let txn = self.begin_write()?;
        {
            let mut digests = txn
                .open_table(DIGESTS)
                .map_err(|e| store.io_error("write", e))?;
            let last = digests
                .last()
                .map_err(|e| store.io_error("read", e))?
                .map(|(k, _)| k.value());
            record.id = last.map_or(1, |id| id + 1);
            record.message_id = record.message_id.replace("{id}", &record.id.to_string());
            let bytes = serde_json::to_vec(&record).map_err(|e| store.corrupt("digest", e))?;
            digests
                .insert(record.id, bytes.as_slice())
                .map_err(|e| store.io_error("write", e))?;
            if let Some(state) = state {
                let bytes = serde_json::to_vec(state).map_err(|e| store.corrupt(STATE, e))?;
                let mut records = txn
                    .open_table(RECORDS)
                    .map_err(|e| store.io_error("write", e))?;
                records
                    .insert(STATE, bytes.as_slice())
                    .map_err(|e| store.io_error("write", e))?;
            }
        }
        self.commit(txn)?;
        Ok(record)
    }

    /// Records a digest's new delivery status.
    pub fn set_delivery(&self, id: u64, delivery: &Delivery) -> Result<(), StoreError> {
        let store = &self.store;
        let txn = self.begin_write()?;
        {
            let mut digests = txn
                .open_table(DIGESTS)
                .map_err(|e| store.io_error("write", e))?;
            let Some(mut record) = digests
                .get(id)
                .map_err(|e| store.io_error("read", e))?
                .map(|v| serde_json::from_slice::<DigestRecord>(v.value()))
                .transpose()
                .map_err(|e| store.corrupt("digest", e))?
            else {
                return Ok(());
            };
            record.delivery = delivery.clone();
            let bytes = serde_json::to_vec(&record).map_err(|e| store.corrupt("digest", e))?;
            digests
                .insert(id, bytes.as_slice())
                .map_err(|e| store.io_error("write", e))?;
        }
        self.commit(txn)
    }

    /// One digest.
    pub fn digest(&self, id: u64) -> Result<Option<DigestRecord>, StoreError> {
        Ok(self.digests_where(|r| r == id)?.pop())
    }

    /// Every digest kept, oldest first.
    pub fn digests(&self) -> Result<Vec<DigestRecord>, StoreError> {
        self.digests_where(|_| true)
    }

    /// The digests still to send, oldest first.
    pub fn pending(&self) -> Result<Vec<DigestRecord>, StoreError> {
        Ok(self
            .digests()?
            .into_iter()
            .filter(|d| matches!(d.delivery, Delivery::Pending { .. }))
            .collect())
    }

    fn digests_where(&self, keep: impl Fn(u64) -> bool) -> Result<Vec<DigestRecord>, StoreError> {
        let store = &self.store;
        let Some(table) = self.read_table(DIGESTS)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| store.io_error("read", e))? {
            let (key, value) = entry.map_err(|e| store.io_error("read", e))?;
            if keep(key.value()) {
                match serde_json::from_slice(value.value()) {
                    Ok(record) => out.push(record),
                    // One damaged digest must not hide the others (nor stop
                    // the outbox): it is left out, and said so.
                    Err(e) => log::warn!(
                        "{:#}; digest #{} left out",
                        store.corrupt("digest", e),
                        key.value()
                    ),
                }
            }
        }
        Ok(out)
    }

    /// Deletes the digests built before `before` that are no longer in the
    /// outbox; returns how many.
    pub fn forget_digests_before(&self, before: Timestamp) -> Result<u64, StoreError> {
        let before_ms = before.as_millis_i64();
        let old: Vec<u64> = self
            .digests()?
            .into_iter()
            .filter(|d| d.created_ms < before_ms && !matches!(d.delivery, Delivery::Pending { .. }))
            .map(|d| d.id)
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let store = &self.store;
        let txn = self.begin_write()?;
        {
            let mut digests = txn
                .open_table(DIGESTS)
                .map_err(|e| store.io_error("write", e))?;
            for id in &old {
                digests
                    .remove(*id)
                    .map_err(|e| store.io_error("write", e))?;
            }
        }
        self.commit(txn)?;
        Ok(old.len() as u64)
    }
}

/// `message`'s record, in `buf`; `None`, logged, if it cannot be encoded:
/// one message must not fail a whole capture batch.
fn encoded<'b>(buf: &'b mut Vec<u8>, message: &CapturedMessage, store: &Store) -> Option<&'b [u8]> {
    buf.clear();
    match record::encode(message, buf) {
        Ok(()) => Some(buf),
        Err(e) => {
            log::warn!(
                "database {}: captured message {} cannot be stored ({e}); it is left out",
                store.path().display(),
                message.id
            );
            None
        }
    }
}

/// The bytes `message` takes in the messages table, key included: what
/// the SD-write figures are measured against (0 if it cannot be encoded:
/// it is not stored).
pub fn stored_len(message: &CapturedMessage) -> usize {
    let mut buf = Vec::new();
    record::encode(message, &mut buf).map_or(0, |()| std::mem::size_of::<u64>() + buf.len())
}

/// The message stored under `id`; `None`, logged, when it does not decode:
/// one damaged record must not fail a whole digest or capture batch.
fn decoded(id: u64, bytes: &[u8], store: &Store) -> Option<CapturedMessage> {
    match record::decode(id, bytes) {
        Ok(message) => Some(message),
        Err(e) => {
            log::warn!(
                "database {}: the stored captured message {id} is unreadable ({e}); it is left out",
                store.path().display()
            );
            None
        }
    }
}

fn read(
    table: &redb::Table<u64, &[u8]>,
    id: u64,
    store: &Store,
) -> Result<Option<CapturedMessage>, StoreError> {
    Ok(table
        .get(id)
        .map_err(|e| store.io_error("read", e))?
        .and_then(|value| decoded(id, value.value(), store)))
}

#[cfg(test)]
mod tests;
