//! The one persistent scheduler: timed tasks kept in the embedded database
//! ([`crate::store`]), so they survive restarts, run by one loop that
//! sleeps until the earliest is due.
//!
//! # How a caller uses it
//!
//! [`crate::app`] opens one [`Scheduler`] ([`Scheduler::open`]), each
//! capability registers the [`Handler`] of its task *kind*
//! ([`Scheduler::register`], e.g. `"game"`), and [`Scheduler::run`] runs
//! until shutdown. A capability then calls [`Scheduler::schedule`] with a
//! moment and a [`Task`] (its kind and a JSON payload it defines),
//! [`Scheduler::cancel`] / [`Scheduler::cancel_where`] (lg-rez's `!cfini`
//! drops every pending game task), and [`Scheduler::list`].
//!
//! The daily digest is the first user ([`crate::digest::service`], kind
//! `"digest"`, its one task re-armed after each run with
//! [`Outcome::Again`]); its task is *volatile*
//! ([`Scheduler::schedule_volatile`]: same loop, kept in memory only),
//! because the digest re-creates it at every start from its own durable
//! state. The game's phase 2 registers kind `"game"` with a
//! payload of its own (an enum serialised to JSON: open or close a vote,
//! open an action, the hype message…), computes due moments with
//! [`crate::time::calendar`], and cancels a season's tasks with
//! `cancel_where(|t| t.task.kind == "game" && …)`.
//!
//! One table for every kind, not a `Scheduler<T>` per capability: the
//! loop is one timer for the whole appliance, and a kind whose capability
//! is off (the game disabled) simply has no handler: its tasks stay stored,
//! never run, and cost no wake-up until it is on again.
//!
//! # What it promises
//!
//! - A task runs when due; an overdue one (the appliance was off) runs at
//!   start, in due order. Tasks run one at a time, in due order, so no task
//!   ever runs twice at once and two overdue ones never race.
//! - The handler's [`Outcome`] decides: done (deleted), again at a moment
//!   (the same task re-armed in one commit: a daily task can never be lost
//!   between two runs), retry ([`RETRIES`] more attempts [`RETRY_DELAY`]
//!   apart, then [`Handler::failed`] and dropped), or failed (dropped at
//!   once). Running a task twice must be harmless (it can happen when the
//!   appliance dies between the handler's work and the deletion): that
//!   idempotency is the handler's.
//! - A task scheduled or cancelled while another runs is taken into account
//!   as soon as that one ends; a task cancelled while it runs is not
//!   re-armed.
//! - The weekend pause: a handler whose [`Handler::pause`] names one never
//!   runs inside it; a task due then is re-armed at the pause's end.
//!   Callers still compute their times with
//!   [`crate::time::calendar::Pause::next_daily_outside`]; this is the
//!   guard for tasks that fall due during a pause anyway (the appliance was
//!   off, a delta action).
//! - Idle cost: no wake-up while nothing is due. The loop sleeps until the
//!   earliest due moment, or until a new task, a cancellation or a handler
//!   arrives ([`Scheduler::wakeups`] counts its rounds).
//! - Shutdown: the [`CancellationToken`] stops the loop at once, even in
//!   the middle of a handler (which is dropped: the task stays stored and
//!   runs again at the next start).
//!
//! Waiting uses tokio's time through [`Clock`], so tests pause and advance
//! it. Database writes happen on the blocking pool, like every store write.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify};
use tokio_util::sync::CancellationToken;

use crate::store::{Store, StoreError};
use crate::time::calendar::Pause;
use crate::time::{Clock, Timestamp, Zone};

#[cfg(test)]
mod tests;

/// The tasks, by id, JSON-encoded [`Stored`].
const TASKS: TableDefinition<u64, &[u8]> = TableDefinition::new("schedule_tasks");
/// The id counter: ids are never reused, so a stale `cancel(id)` cannot hit
/// a newer task.
const META: TableDefinition<&str, u64> = TableDefinition::new("schedule_meta");
const NEXT_ID: &str = "next_id";

/// Attempts after the first when a handler asks to retry, as lg-rez did
/// (its tasks were retried 5 times before an MJ alert).
pub const RETRIES: u32 = 5;
/// Between two attempts: long enough for a Discord hiccup to pass, short
/// enough that a vote still opens on time.
pub const RETRY_DELAY: Duration = Duration::from_secs(2);
/// The longest one attempt may take before it counts as failed, so one
/// stuck handler cannot hold every other task back.
pub const HANDLER_DEADLINE: Duration = Duration::from_secs(300);

pub type TaskId = u64;

/// What to do: the kind names the [`Handler`] that does it; the payload is
/// the kind's own (the game's command, the digest's scheduled time…).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub kind: String,
    pub payload: serde_json::Value,
}

impl Task {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Task {
        Task {
            kind: kind.into(),
            payload,
        }
    }
}

/// A task and when it is due.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled {
    pub id: TaskId,
    pub due: Timestamp,
    pub task: Task,
    /// Whether it is in the database ([`Scheduler::schedule`]) or only in
    /// memory ([`Scheduler::schedule_volatile`]).
    pub durable: bool,
}

/// Ids of volatile tasks have this bit set, so they never meet a stored
/// task's id (those count up from 1).
const VOLATILE: TaskId = 1 << 63;

/// A task as the table keeps it (the id is the key).
#[derive(Serialize, Deserialize)]
struct Stored {
    due: Timestamp,
    task: Task,
}

/// What a handler says about the task it ran. `Again` with a moment
/// already past runs the task again at once: a handler re-arming a daily
/// task computes the next occurrence strictly after the one it ran.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done: the task is deleted.
    Done,
    /// Done, and the same task is due again then (a daily task).
    Again(Timestamp),
    /// Try again in [`RETRY_DELAY`], up to [`RETRIES`] times.
    Retry(String),
    /// Give up now: [`Handler::failed`] is called and the task dropped.
    Failed(String),
}

/// The code that runs one kind of task.
#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    async fn run(&self, task: &Scheduled) -> Outcome;

    /// The weekly pause in which this kind never runs, and its zone.
    fn pause(&self) -> Option<(Pause, Zone)> {
        None
    }

    /// Called once when a task is dropped without success (the game alerts
    /// the MJs); the scheduler has already logged it.
    fn failed(&self, _task: &Scheduled, _reason: &str) {}
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the scheduler's database task failed: {0}")]
    Join(String),
}

/// The scheduler; share it as an `Arc`.
pub struct Scheduler {
    store: Arc<Store>,
    clock: Clock,
    /// Every stored task, as last committed. The lock is held across the
    /// commit so memory and database change in the same order.
    tasks: Mutex<BTreeMap<TaskId, Scheduled>>,
    handlers: std::sync::RwLock<BTreeMap<String, Arc<dyn Handler>>>,
    /// Something changed that may move the next due moment.
    changed: Notify,
    wakeups: AtomicU64,
    next_volatile: AtomicU64,
}

impl Scheduler {
    /// Loads the stored tasks. An unreadable task is logged and left in
    /// the database (it never runs); the others load.
    pub async fn open(store: Arc<Store>, clock: Clock) -> Result<Arc<Scheduler>, ScheduleError> {
        let loader = Arc::clone(&store);
        let tasks = blocking(move || load(&loader)).await?;
        if !tasks.is_empty() {
            log::info!("scheduler: {} task(s) stored", tasks.len());
        }
        Ok(Scheduler::with(store, clock, tasks))
    }

    /// A scheduler that starts with no stored task: for when the stored
    /// ones cannot be read, so that an unreadable table costs its tasks,
    /// never the service (what is scheduled from now on is still saved).
    pub fn empty(store: Arc<Store>, clock: Clock) -> Arc<Scheduler> {
        Scheduler::with(store, clock, Default::default())
    }

    fn with(store: Arc<Store>, clock: Clock, tasks: BTreeMap<TaskId, Scheduled>) -> Arc<Scheduler> {
        Arc::new(Scheduler {
            store,
            clock,
            tasks: Mutex::new(tasks),
            handlers: std::sync::RwLock::new(BTreeMap::new()),
            changed: Notify::new(),
            wakeups: AtomicU64::new(0),
            next_volatile: AtomicU64::new(1),
        })
    }

    /// Runs `kind`'s tasks with `handler` from now on (replacing any
    /// handler the kind had).
    pub fn register(&self, kind: &str, handler: Arc<dyn Handler>) {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kind.to_owned(), handler);
        self.changed.notify_one();
    }

    /// Stores `task`, due at `due` (a moment past runs at once); returns
    /// its id once it is on disk.
    pub async fn schedule(&self, due: Timestamp, task: Task) -> Result<TaskId, ScheduleError> {
        let mut tasks = self.tasks.lock().await;
        let store = Arc::clone(&self.store);
        let stored = Stored {
            due,
            task: task.clone(),
        };
        let id = blocking(move || insert(&store, &stored)).await?;
        tasks.insert(
            id,
            Scheduled {
                id,
                due,
                task,
                durable: true,
            },
        );
        drop(tasks);
        self.changed.notify_one();
        Ok(id)
    }

    /// Like [`Scheduler::schedule`], but kept in memory only: for a task
    /// whose owner re-creates it at every start from its own durable state
    /// (the daily digest), which saves the database a write per run.
    pub async fn schedule_volatile(&self, due: Timestamp, task: Task) -> TaskId {
        let id = VOLATILE | self.next_volatile.fetch_add(1, Ordering::Relaxed);
        self.tasks.lock().await.insert(
            id,
            Scheduled {
                id,
                due,
                task,
                durable: false,
            },
        );
        self.changed.notify_one();
        id
    }

    /// Deletes task `id`; false if there was none.
    pub async fn cancel(&self, id: TaskId) -> Result<bool, ScheduleError> {
        Ok(self.cancel_where(|t| t.id == id).await? == 1)
    }

    /// Deletes every task `which` selects; returns how many.
    pub async fn cancel_where(
        &self,
        which: impl Fn(&Scheduled) -> bool,
    ) -> Result<usize, ScheduleError> {
        let mut tasks = self.tasks.lock().await;
        let ids: Vec<TaskId> = tasks.values().filter(|t| which(t)).map(|t| t.id).collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let stored: Vec<TaskId> = ids
            .iter()
            .copied()
            .filter(|id| tasks.get(id).is_some_and(|t| t.durable))
            .collect();
        if !stored.is_empty() {
            let store = Arc::clone(&self.store);
            blocking(move || update(&store, &stored, None)).await?;
        }
        for id in &ids {
            tasks.remove(id);
        }
        drop(tasks);
        self.changed.notify_one();
        Ok(ids.len())
    }

    /// Deletes every task of `kind`.
    pub async fn cancel_kind(&self, kind: &str) -> Result<usize, ScheduleError> {
        self.cancel_where(|t| t.task.kind == kind).await
    }

    /// Every stored task, soonest first.
    pub async fn list(&self) -> Vec<Scheduled> {
        let mut all: Vec<Scheduled> = self.tasks.lock().await.values().cloned().collect();
        all.sort_by_key(|t| (t.due, t.id));
        all
    }

    /// How many times the loop has woken up (for the idle-cost tests and
    /// measurements).
    pub fn wakeups(&self) -> u64 {
        self.wakeups.load(Ordering::Relaxed)
    }

    /// Runs due tasks until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            self.wakeups.fetch_add(1, Ordering::Relaxed);
            let next = self.next_task().await;
            let now = self.clock.now();
            let wait = match next {
                Some((task, handler)) if task.due <= now => {
                    if let Some((pause, zone)) = handler.pause() {
                        if pause.contains(now, &zone) {
                            let end = pause.next_end(now, &zone);
                            log::info!(
                                "scheduler: task {} ({}) falls in the pause: moved to {end}",
                                task.id,
                                task.task.kind
                            );
                            self.finish(task.id, Some(end)).await;
                            continue;
                        }
                    }
                    if self.execute(task, handler, &shutdown).await.is_err() {
                        return;
                    }
                    continue;
                }
                Some((task, _)) => Some(self.clock.instant_at(task.due)),
                None => None,
            };
            let sleep = async {
                match wait {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sleep => {}
                () = self.changed.notified() => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// The earliest task that has a handler.
    async fn next_task(&self) -> Option<(Scheduled, Arc<dyn Handler>)> {
        let tasks = self.tasks.lock().await;
        let handlers = self.handlers.read().unwrap_or_else(|p| p.into_inner());
        tasks
            .values()
            .filter_map(|t| handlers.get(&t.task.kind).map(|h| (t, h)))
            .min_by_key(|(t, _)| (t.due, t.id))
            .map(|(t, h)| (t.clone(), Arc::clone(h)))
    }

    /// Runs one due task to its end; `Err` when shutdown interrupted it.
    async fn execute(
        &self,
        task: Scheduled,
        handler: Arc<dyn Handler>,
        shutdown: &CancellationToken,
    ) -> Result<(), Stopped> {
        let mut last_error = String::new();
        for attempt in 0..=RETRIES {
            if attempt > 0 {
                tokio::select! {
                    () = tokio::time::sleep(RETRY_DELAY) => {}
                    () = shutdown.cancelled() => return Err(Stopped),
                }
            }
            let outcome = tokio::select! {
                o = tokio::time::timeout(HANDLER_DEADLINE, handler.run(&task)) => {
                    o.unwrap_or_else(|_| Outcome::Retry(format!(
                        "no answer within {}",
                        humantime::format_duration(HANDLER_DEADLINE)
                    )))
                }
                () = shutdown.cancelled() => return Err(Stopped),
            };
            match outcome {
                Outcome::Done => {
                    self.finish(task.id, None).await;
                    return Ok(());
                }
                Outcome::Again(at) => {
                    self.finish(task.id, Some(at)).await;
                    return Ok(());
                }
                Outcome::Failed(reason) => {
                    log::error!(
                        "scheduler: task {} ({}) failed: {reason}; dropped",
                        task.id,
                        task.task.kind
                    );
                    handler.failed(&task, &reason);
                    self.finish(task.id, None).await;
                    return Ok(());
                }
                Outcome::Retry(reason) => {
                    log::warn!(
                        "scheduler: task {} ({}) attempt {} failed: {reason}",
                        task.id,
                        task.task.kind,
                        attempt + 1
                    );
                    last_error = reason;
                }
            }
        }
        let reason = format!("failed {} times, last: {last_error}", RETRIES + 1);
        log::error!(
            "scheduler: task {} ({}) {reason}; dropped",
            task.id,
            task.task.kind
        );
        handler.failed(&task, &reason);
        self.finish(task.id, None).await;
        Ok(())
    }

    /// Deletes task `id` after its run, or re-arms it at `again`, unless it
    /// was cancelled meanwhile. Memory changes even when the database
    /// refuses (this run must not loop on the task); the stored copy then
    /// runs again at the next start, which handlers tolerate.
    async fn finish(&self, id: TaskId, again: Option<Timestamp>) {
        let mut tasks = self.tasks.lock().await;
        let Some(current) = tasks.get(&id).cloned() else {
            return;
        };
        if !current.durable {
            match again {
                Some(due) => {
                    tasks.insert(id, Scheduled { due, ..current });
                }
                None => {
                    tasks.remove(&id);
                }
            }
            return;
        }
        let rearmed = again.map(|due| Stored {
            due,
            task: current.task.clone(),
        });
        let store = Arc::clone(&self.store);
        if let Err(e) = blocking(move || update(&store, &[id], rearmed.as_ref())).await {
            log::error!(
                "scheduler: task {id} ({}): cannot record its run: {}; it may run again at the \
                 next start",
                current.task.kind,
                crate::store::chain(&e)
            );
        }
        match again {
            Some(due) => {
                tasks.insert(id, Scheduled { due, ..current });
            }
            None => {
                tasks.remove(&id);
            }
        }
    }
}

/// Shutdown interrupted a task.
struct Stopped;

fn load(store: &Store) -> Result<BTreeMap<TaskId, Scheduled>, StoreError> {
    let txn = store
        .database()?
        .begin_read()
        .map_err(|e| store.io_error("read", e))?;
    let table = match txn.open_table(TASKS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
        Err(e) => return Err(store.io_error("read", e)),
    };
    let mut tasks = BTreeMap::new();
    for row in table.iter().map_err(|e| store.io_error("read", e))? {
        let (id, bytes) = row.map_err(|e| store.io_error("read", e))?;
        let id = id.value();
        match serde_json::from_slice::<Stored>(bytes.value()) {
            Ok(s) => {
                tasks.insert(
                    id,
                    Scheduled {
                        id,
                        due: s.due,
                        task: s.task,
                        durable: true,
                    },
                );
            }
            Err(e) => log::error!(
                "database {}: scheduled task {id} is unreadable ({e}); it will not run",
                store.path().display()
            ),
        }
    }
    Ok(tasks)
}

fn insert(store: &Store, stored: &Stored) -> Result<TaskId, StoreError> {
    let bytes = serde_json::to_vec(stored).map_err(|e| store.corrupt("scheduled task", e))?;
    let txn = store
        .database()?
        .begin_write()
        .map_err(|e| store.io_error("write", e))?;
    let id;
    {
        let mut meta = txn
            .open_table(META)
            .map_err(|e| store.io_error("write", e))?;
        id = meta
            .get(NEXT_ID)
            .map_err(|e| store.io_error("write", e))?
            .map_or(1, |v| v.value());
        meta.insert(NEXT_ID, id + 1)
            .map_err(|e| store.io_error("write", e))?;
        let mut table = txn
            .open_table(TASKS)
            .map_err(|e| store.io_error("write", e))?;
        table
            .insert(id, bytes.as_slice())
            .map_err(|e| store.io_error("write", e))?;
    }
    txn.commit().map_err(|e| store.io_error("commit", e))?;
    Ok(id)
}

/// Deletes `ids`, or (with `rearmed`) rewrites them as it says.
fn update(store: &Store, ids: &[TaskId], rearmed: Option<&Stored>) -> Result<(), StoreError> {
    let bytes = rearmed
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| store.corrupt("scheduled task", e))?;
    let txn = store
        .database()?
        .begin_write()
        .map_err(|e| store.io_error("write", e))?;
    {
        let mut table = txn
            .open_table(TASKS)
            .map_err(|e| store.io_error("write", e))?;
        for id in ids {
            match &bytes {
                Some(bytes) => table.insert(*id, bytes.as_slice()).map(|_| ()),
                None => table.remove(*id).map(|_| ()),
            }
            .map_err(|e| store.io_error("write", e))?;
        }
    }
    txn.commit().map_err(|e| store.io_error("commit", e))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ScheduleError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ScheduleError::Join(e.to_string()))?
        .map_err(ScheduleError::from)
}
