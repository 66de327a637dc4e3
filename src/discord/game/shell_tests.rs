//! The shell without Discord: a scheduled game task runs through the
//! engine and its result is saved, so a restart (a new shell over the same
//! database) finds it; a refused command leaves the saved season as it was.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::{Time, Weekday};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::game::Phase;
use crate::time::calendar::WeeklyTime;

/// A pause that is not now: it starts in three days, for one day.
fn pause_elsewhere(clock: Clock, zone: &Zone) -> Pause {
    let today = jiff::Timestamp::from_millisecond(clock.now().as_millis_i64())
        .unwrap()
        .to_zoned(zone.tz().clone())
        .weekday();
    let day = |n: i8| -> Weekday { today.wrapping_add(n) };
    Pause {
        start: WeeklyTime {
            weekday: day(3),
            time: Time::midnight(),
        },
        end: WeeklyTime {
            weekday: day(4),
            time: Time::midnight(),
        },
    }
}

async fn open_shell(dir: &std::path::Path, clock: Clock) -> (Arc<GameShell>, Arc<Scheduler>) {
    let store = Arc::new(Store::open(dir).unwrap());
    let zone = Zone::new(None).unwrap();
    let scheduler = Scheduler::open(Arc::clone(&store), clock).await.unwrap();
    let guard = Arc::new(
        crate::ratelimit::guard::Guard::new(
            &Default::default(),
            zone.clone(),
            clock,
            Arc::clone(&store),
            1,
            Vec::new(),
        )
        .unwrap(),
    );
    let mut schedule = Schedule::with_zone(zone.clone());
    schedule.pause = Some(pause_elsewhere(clock, &zone));
    let season = load_season(&store).await.unwrap();
    let (shell, _view) = GameShell::new(
        ShellSettings {
            guild: 1,
            mj_role: None,
            catalogue: Catalogue::default_fr().unwrap(),
            schedule,
            language: Language::Fr,
        },
        season,
        Arc::clone(&scheduler),
        guard,
        store,
        clock,
    );
    scheduler.register(KIND, Arc::new(TaskHandler(Arc::downgrade(&shell))));
    (shell, scheduler)
}

#[tokio::test(start_paused = true)]
async fn a_scheduled_close_runs_the_engine_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let (shell, scheduler) = open_shell(dir.path(), clock).await;
    let now = clock.now();
    for (id, name) in [(10, "Alice"), (11, "Bob")] {
        shell
            .run(|g| g.register(id, name, None, now))
            .await
            .unwrap();
    }
    shell.run(|g| g.launch(now)).await.unwrap();
    let closes = now.after(Duration::from_secs(120));
    shell
        .run(|g| g.open_vote(VoteKind::Cond, Some(closes), None, now))
        .await
        .unwrap();
    shell
        .apply(|g| Ok((g.vote(10, VoteKind::Cond, 11, now)?, Vec::new())))
        .await
        .unwrap();
    // The close is a stored task of kind "game".
    let tasks = scheduler.list().await;
    let close = tasks
        .iter()
        .find(|t| t.task.kind == KIND && t.task.payload["task"] == "close_vote")
        .expect("the close was scheduled");
    assert_eq!(close.due, closes);

    // A refused command changes nothing, in memory or saved.
    let before = shell.snapshot().await;
    let refused = shell
        .run(|g| g.register(10, "Alice again", None, now))
        .await;
    assert!(matches!(refused, Err(ShellError::Game(_))));
    assert_eq!(shell.snapshot().await.players.len(), before.players.len());

    let stop = CancellationToken::new();
    let running = tokio::spawn(Arc::clone(&scheduler).run(stop.clone()));
    tokio::time::sleep(Duration::from_secs(180)).await;
    assert!(
        !shell.snapshot().await.open_votes.contains(&VoteKind::Cond),
        "the scheduled close did not run"
    );
    stop.cancel();
    running.await.unwrap();
    drop((shell, scheduler));

    // A new shell over the same database: the vote closed, Alice's vote kept.
    let (again, scheduler) = open_shell(dir.path(), clock).await;
    let season = again.snapshot().await;
    assert!(matches!(season.phase, Phase::Running { .. }));
    // The pyre vote only: the launch's own tasks (the wolves' vote at
    // 19:00…) may fall due in the three minutes the test lets pass.
    assert!(!season.open_votes.contains(&VoteKind::Cond));
    let alice = season.vote_action(10, VoteKind::Cond).unwrap();
    assert!(alice
        .last_validated()
        .is_some_and(|c| c.player("cible") == Some(11)));
    assert!(!scheduler
        .list()
        .await
        .iter()
        .any(|t| t.task.payload["task"] == "close_vote"));
}

#[tokio::test(start_paused = true)]
async fn a_retried_interaction_is_seen_once() {
    let dir = tempfile::tempdir().unwrap();
    let (shell, _scheduler) = open_shell(dir.path(), Clock::new()).await;
    assert!(shell.first_time(42));
    assert!(
        !shell.first_time(42),
        "Discord's retry of the same interaction"
    );
    assert!(shell.first_time(43));
}

#[tokio::test(start_paused = true)]
async fn an_identical_pending_task_is_scheduled_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let (shell, scheduler) = open_shell(dir.path(), clock).await;
    let at = clock.now().after(Duration::from_secs(3600));
    let open = |n: u32| Decision::Schedule {
        at,
        task: Task::OpenAction {
            action: crate::game::ActionId(n),
        },
    };
    let season = shell.snapshot().await;
    shell
        .perform(&season, vec![open(1), open(1), open(2)])
        .await;
    // A close by hand re-arms an opening the launch had scheduled already.
    shell.perform(&season, vec![open(1)]).await;
    let game_tasks = scheduler
        .list()
        .await
        .into_iter()
        .filter(|t| t.task.kind == KIND)
        .count();
    assert_eq!(game_tasks, 2);
}
