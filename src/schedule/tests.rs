//! The scheduler against the real embedded database (a temporary
//! directory), with tokio's time paused: sleeps end when the test's
//! runtime has nothing else to do, so hours pass in no real time.

use std::collections::BTreeMap;

use tokio::sync::mpsc;

use super::*;
use crate::time::calendar::WeeklyTime;

const HOUR: u64 = 3_600_000;

/// Runs tasks by their payload's word: "done", "again" (re-armed an hour
/// later once), "retry" (always), "flaky" (retry twice, then done),
/// "fail", "hang" (never answers), "gate" (waits for [`Probe::gate`]).
struct Probe {
    clock: Clock,
    started: mpsc::UnboundedSender<(TaskId, String, Timestamp)>,
    attempts: std::sync::Mutex<BTreeMap<TaskId, u32>>,
    failures: std::sync::Mutex<Vec<(TaskId, String)>>,
    gate: Notify,
    pause: Option<(Pause, Zone)>,
}

#[async_trait::async_trait]
impl Handler for Probe {
    async fn run(&self, task: &Scheduled) -> Outcome {
        let word = task.task.payload.as_str().unwrap_or_default().to_owned();
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(task.id).or_default();
            *n += 1;
            *n
        };
        let _ = self.started.send((task.id, word.clone(), self.clock.now()));
        match word.as_str() {
            "again" if attempt == 1 => Outcome::Again(self.clock.now().after(hours(1))),
            "retry" => Outcome::Retry(format!("attempt {attempt} refused")),
            "flaky" if attempt <= 2 => Outcome::Retry("not yet".into()),
            "fail" => Outcome::Failed("no such vote".into()),
            "hang" => std::future::pending().await,
            "gate" => {
                self.gate.notified().await;
                Outcome::Done
            }
            _ => Outcome::Done,
        }
    }

    fn pause(&self) -> Option<(Pause, Zone)> {
        self.pause.clone()
    }

    fn failed(&self, task: &Scheduled, reason: &str) {
        self.failures
            .lock()
            .unwrap()
            .push((task.id, reason.to_owned()));
    }
}

fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

fn task(word: &str) -> Task {
    Task::new("test", serde_json::Value::from(word))
}

struct Setup {
    dir: tempfile::TempDir,
    clock: Clock,
    scheduler: Arc<Scheduler>,
    probe: Arc<Probe>,
    started: mpsc::UnboundedReceiver<(TaskId, String, Timestamp)>,
    shutdown: CancellationToken,
    loop_task: Option<tokio::task::JoinHandle<()>>,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::new();
        Setup::open(dir, clock, None).await
    }

    /// Opens the scheduler over the database in `dir` and registers the
    /// probe for kind "test" (not running yet).
    async fn open(dir: tempfile::TempDir, clock: Clock, pause: Option<(Pause, Zone)>) -> Setup {
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let scheduler = Scheduler::open(store, clock).await.unwrap();
        let (tx, started) = mpsc::unbounded_channel();
        let probe = Arc::new(Probe {
            clock,
            started: tx,
            attempts: Default::default(),
            failures: Default::default(),
            gate: Notify::new(),
            pause,
        });
        scheduler.register("test", Arc::clone(&probe) as Arc<dyn Handler>);
        Setup {
            dir,
            clock,
            scheduler,
            probe,
            started,
            shutdown: CancellationToken::new(),
            loop_task: None,
        }
    }

    fn start(&mut self) {
        let scheduler = Arc::clone(&self.scheduler);
        self.loop_task = Some(tokio::spawn(scheduler.run(self.shutdown.clone())));
    }

    /// Stops the loop and closes the database; returns its directory.
    async fn close(mut self) -> (tempfile::TempDir, Clock) {
        self.shutdown.cancel();
        if let Some(t) = self.loop_task.take() {
            t.await.unwrap();
        }
        (self.dir, self.clock)
    }

    async fn next_run(&mut self) -> (TaskId, String, Timestamp) {
        self.started.recv().await.unwrap()
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

fn ago(now: Timestamp, ms: u64) -> Timestamp {
    Timestamp(now.0 - ms)
}

#[tokio::test(start_paused = true)]
async fn tasks_survive_a_restart_and_overdue_ones_run_at_start_in_due_order() {
    let s = Setup::new().await;
    let now = s.now();
    let b = s
        .scheduler
        .schedule(ago(now, HOUR), task("b"))
        .await
        .unwrap();
    let a = s
        .scheduler
        .schedule(ago(now, 3 * HOUR), task("a"))
        .await
        .unwrap();
    let later = s
        .scheduler
        .schedule(now.after(hours(5)), task("later"))
        .await
        .unwrap();
    let c = s
        .scheduler
        .schedule(ago(now, 2 * HOUR), task("c"))
        .await
        .unwrap();
    let (dir, clock) = s.close().await;

    let mut s = Setup::open(dir, clock, None).await;
    assert_eq!(s.scheduler.list().await.len(), 4, "all four were stored");
    s.start();
    let mut order = Vec::new();
    for _ in 0..3 {
        let (id, _, at) = s.next_run().await;
        assert!(at < now.after(hours(1)), "overdue tasks run at once");
        order.push(id);
    }
    assert_eq!(order, [a, c, b], "in due order, not in scheduling order");
    tokio::time::sleep(Duration::from_secs(60)).await;
    let left: Vec<TaskId> = s.scheduler.list().await.iter().map(|t| t.id).collect();
    assert_eq!(left, [later]);

    // The deletions are on disk too, and ids are not reused.
    let (dir, clock) = s.close().await;
    let s = Setup::open(dir, clock, None).await;
    let left: Vec<TaskId> = s.scheduler.list().await.iter().map(|t| t.id).collect();
    assert_eq!(left, [later]);
    let fresh = s.scheduler.schedule(now, task("fresh")).await.unwrap();
    assert!(fresh > c, "ids are never reused");
}

#[tokio::test(start_paused = true)]
async fn an_earlier_task_scheduled_while_waiting_runs_first() {
    let mut s = Setup::new().await;
    let now = s.now();
    s.start();
    let late = s
        .scheduler
        .schedule(now.after(hours(2)), task("late"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let early_due = now.after(hours(1));
    let early = s
        .scheduler
        .schedule(early_due, task("early"))
        .await
        .unwrap();
    let (first, _, at) = s.next_run().await;
    assert_eq!(first, early);
    assert!(at >= early_due && at < now.after(hours(2)), "ran at {at}");
    let (second, _, at) = s.next_run().await;
    assert_eq!(second, late);
    assert!(at >= now.after(hours(2)), "not before it is due: {at}");
}

#[tokio::test(start_paused = true)]
async fn cancelled_tasks_never_run() {
    let mut s = Setup::new().await;
    let now = s.now();
    let gone = s
        .scheduler
        .schedule(now.after(hours(1)), task("gone"))
        .await
        .unwrap();
    let kept = s
        .scheduler
        .schedule(now.after(hours(2)), task("kept"))
        .await
        .unwrap();
    let other = Task::new("game", serde_json::json!({"close": "cond"}));
    s.scheduler.schedule(now, other.clone()).await.unwrap();
    s.scheduler.schedule(now, other).await.unwrap();
    s.start();
    assert!(s.scheduler.cancel(gone).await.unwrap());
    assert!(!s.scheduler.cancel(gone).await.unwrap(), "already gone");
    let (id, _, _) = s.next_run().await;
    assert_eq!(id, kept);
    assert_eq!(s.scheduler.cancel_kind("game").await.unwrap(), 2);
    assert!(s.scheduler.list().await.is_empty());

    // The cancellation is on disk.
    let (dir, clock) = s.close().await;
    let s = Setup::open(dir, clock, None).await;
    assert!(s.scheduler.list().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failing_task_is_retried_five_times_two_seconds_apart_then_dropped() {
    let mut s = Setup::new().await;
    let id = s.scheduler.schedule(s.now(), task("retry")).await.unwrap();
    s.start();
    let mut times = Vec::new();
    for _ in 0..=RETRIES {
        let (run, _, at) = s.next_run().await;
        assert_eq!(run, id);
        times.push(at);
    }
    for pair in times.windows(2) {
        assert!(pair[0].until(pair[1]) >= RETRY_DELAY, "{pair:?}");
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(s.started.try_recv().is_err(), "no seventh attempt");
    let failures = s.probe.failures.lock().unwrap().clone();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].1.contains("6 times"), "{failures:?}");
    assert!(failures[0].1.contains("attempt 6 refused"), "{failures:?}");
    assert!(s.scheduler.list().await.is_empty(), "dropped");
}

#[tokio::test(start_paused = true)]
async fn a_retry_that_succeeds_is_not_a_failure_and_a_refusal_is_not_retried() {
    let mut s = Setup::new().await;
    let flaky = s.scheduler.schedule(s.now(), task("flaky")).await.unwrap();
    let fail = s
        .scheduler
        .schedule(s.now().after(hours(1)), task("fail"))
        .await
        .unwrap();
    s.start();
    for _ in 0..3 {
        assert_eq!(s.next_run().await.0, flaky);
    }
    assert_eq!(s.next_run().await.0, fail);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(s.started.try_recv().is_err(), "a refusal is final");
    let failures = s.probe.failures.lock().unwrap().clone();
    assert_eq!(failures, [(fail, "no such vote".to_owned())]);
    assert!(s.scheduler.list().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_running_task_never_runs_twice_and_tasks_added_meanwhile_are_kept() {
    let mut s = Setup::new().await;
    let slow = s.scheduler.schedule(s.now(), task("gate")).await.unwrap();
    s.start();
    assert_eq!(s.next_run().await.0, slow);
    // While it runs: a task due now, one re-armed daily.
    let added = s.scheduler.schedule(s.now(), task("done")).await.unwrap();
    let daily = s.scheduler.schedule(s.now(), task("again")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(s.started.try_recv().is_err(), "one task at a time");
    s.probe.gate.notify_one();
    assert_eq!(s.next_run().await.0, added);
    let (id, _, first) = s.next_run().await;
    assert_eq!(id, daily);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let left = s.scheduler.list().await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!((left[0].id, left[0].due), (daily, first.after(hours(1))));
    let (id, _, second) = s.next_run().await;
    assert_eq!(id, daily, "the same task, re-armed");
    assert!(second >= first.after(hours(1)));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(s.scheduler.list().await.is_empty());
    let attempts = s.probe.attempts.lock().unwrap().clone();
    assert_eq!(attempts[&slow], 1, "the slow task ran once");
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_a_running_handler_at_once_and_keeps_its_task() {
    let mut s = Setup::new().await;
    let id = s.scheduler.schedule(s.now(), task("hang")).await.unwrap();
    s.start();
    assert_eq!(s.next_run().await.0, id);
    s.shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(1), s.loop_task.take().unwrap()).await;
    assert!(stopped.is_ok(), "the loop did not stop");
    let (dir, clock) = s.close().await;
    let s = Setup::open(dir, clock, None).await;
    assert_eq!(s.scheduler.list().await.len(), 1, "it runs again next time");
}

#[tokio::test(start_paused = true)]
async fn nothing_due_means_no_wake_up() {
    let mut s = Setup::new().await;
    s.start();
    // Settled: the rounds at start (the handler's registration notified).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = s.scheduler.wakeups();
    assert!(settled <= 2, "{settled}");
    tokio::time::sleep(hours(24)).await;
    assert_eq!(
        s.scheduler.wakeups(),
        settled,
        "asleep while nothing is due"
    );
    let id = s
        .scheduler
        .schedule(s.now().after(hours(1)), task("done"))
        .await
        .unwrap();
    assert_eq!(s.next_run().await.0, id);
    tokio::time::sleep(hours(24)).await;
    // Woken by the new task, by its time, and once after running it: not
    // the 2880 rounds a 30-second poll would make in a day.
    assert!(
        s.scheduler.wakeups() <= settled + 3,
        "{}",
        s.scheduler.wakeups()
    );
    // And stopping from idle is immediate.
    s.shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(1), s.loop_task.take().unwrap()).await;
    assert!(stopped.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_kind_without_handler_waits_for_one() {
    let mut s = Setup::new().await;
    let game = s
        .scheduler
        .schedule(s.now(), Task::new("game", serde_json::json!("done")))
        .await
        .unwrap();
    s.start();
    tokio::time::sleep(hours(1)).await;
    assert!(s.started.try_recv().is_err());
    assert_eq!(s.scheduler.list().await.len(), 1, "kept, not dropped");
    s.scheduler
        .register("game", Arc::clone(&s.probe) as Arc<dyn Handler>);
    assert_eq!(s.next_run().await.0, game);
}

#[tokio::test(start_paused = true)]
async fn a_task_due_in_its_pause_is_moved_to_the_pause_end() {
    // A pause around now (from yesterday to tomorrow, UTC).
    let clock = Clock::new();
    let zone = Zone::utc();
    let today = jiff::Timestamp::from_millisecond(clock.now().as_millis_i64())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .weekday();
    let pause = Pause {
        start: WeeklyTime {
            weekday: today.wrapping_sub(1),
            time: jiff::civil::Time::constant(0, 0, 0, 0),
        },
        end: WeeklyTime {
            weekday: today.wrapping_add(1),
            time: jiff::civil::Time::constant(23, 0, 0, 0),
        },
    };
    let now = clock.now();
    assert!(pause.contains(now, &zone));
    let end = pause.next_end(now, &zone);
    let dir = tempfile::tempdir().unwrap();
    let mut s = Setup::open(dir, clock, Some((pause, zone))).await;
    let id = s.scheduler.schedule(now, task("done")).await.unwrap();
    s.start();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(s.started.try_recv().is_err(), "nothing runs in the pause");
    let left = s.scheduler.list().await;
    assert_eq!((left[0].id, left[0].due), (id, end));
    let (run, _, at) = s.next_run().await;
    assert_eq!(run, id);
    assert!(at >= end, "{at} before {end}");
}

#[tokio::test(start_paused = true)]
async fn a_volatile_task_runs_and_re_arms_without_being_stored() {
    let mut s = Setup::new().await;
    let id = s
        .scheduler
        .schedule_volatile(s.now().after(hours(1)), task("again"))
        .await;
    let stored = s
        .scheduler
        .schedule(s.now().after(hours(5)), task("done"))
        .await
        .unwrap();
    assert_ne!(id, stored);
    s.start();
    let (run, _, first) = s.next_run().await;
    assert_eq!(run, id);
    let (run, _, second) = s.next_run().await;
    assert_eq!(run, id, "re-armed in memory");
    assert!(second >= first.after(hours(1)));
    let (run, _, _) = s.next_run().await;
    assert_eq!(run, stored);
    let volatile = s
        .scheduler
        .schedule_volatile(s.now().after(hours(1)), task("done"))
        .await;
    let (dir, clock) = s.close().await;
    let s = Setup::open(dir, clock, None).await;
    assert!(
        !s.scheduler.list().await.iter().any(|t| t.id == volatile),
        "not stored"
    );
}
