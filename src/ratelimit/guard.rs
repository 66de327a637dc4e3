//! The rate limiter in front of every command: the one shared
//! [`Limiter`], the local time it needs, who the admins are, and keeping
//! its bans, violations and daily counters in the store.
//!
//! The limiter itself ([`crate::ratelimit`]) is pure; this is its shell.
//! State is written at most every [`FLUSH_EVERY`] when it changed (a raid
//! must not turn into one SD-card write per message), and at once after an
//! admin's ban, unban or reset, and on shutdown. Every write runs on the
//! blocking pool: a command waits for its ban to be on disk, the event loop
//! does not.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::ratelimit::{
    Caller, Decision, GlobalStats, Limiter, Moment, Notice, PersistedState, Privilege,
    RateLimitConfig, RateLimitConfigError, RoleId, UserId, UserStats,
};
use crate::store::Store;
use crate::time::Clock;
use crate::time::Timestamp;
use crate::time::Zone;

/// The store record of the limiter's state.
const RECORD: &str = "ratelimit";

/// How long after a change the state is written: what a crash may lose,
/// against how much a flood of commands writes to the SD card. Nothing is
/// written (and nothing wakes up) while nothing changes.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// How often idle entries are dropped (the seed's five minutes).
const CLEANUP_EVERY: Duration = Duration::from_secs(300);

/// The limiter every command passes through.
pub struct Guard {
    limiter: Mutex<Limiter>,
    zone: Zone,
    clock: Clock,
    store: Arc<Store>,
    admin_user: u64,
    admin_roles: Vec<u64>,
    /// Told when a check left something worth saving, so the flush task
    /// sleeps until then instead of polling.
    changed: tokio::sync::Notify,
}

impl Guard {
    /// Builds the limiter and restores what the store kept (bans that
    /// expired while the bot was down are dropped).
    pub fn new(
        config: &RateLimitConfig,
        zone: Zone,
        clock: Clock,
        store: Arc<Store>,
        admin_user: u64,
        admin_roles: Vec<u64>,
    ) -> Result<Guard, RateLimitConfigError> {
        let mut limiter = Limiter::new(config)?;
        match store.load::<PersistedState>(RECORD) {
            Ok(Some(state)) => match limiter.restore(state, Moment::in_zone(clock.now(), &zone)) {
                Ok(summary) => log::info!("ratelimit: restored {summary:?}"),
                Err(e) => {
                    log::warn!("ratelimit: cannot restore the saved state ({e}); starting empty")
                }
            },
            Ok(None) => {}
            Err(e) => log::warn!("{e:#}; rate limits start empty"),
        }
        Ok(Guard {
            limiter: Mutex::new(limiter),
            zone,
            clock,
            store,
            admin_user,
            admin_roles,
            changed: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Limiter> {
        self.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The appliance's clock, for callers that show times the limiter set.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    fn now(&self) -> Moment {
        Moment::in_zone(self.clock.now(), &self.zone)
    }

    pub fn is_admin(&self, user: u64, roles: &[u64]) -> bool {
        user == self.admin_user || roles.iter().any(|r| self.admin_roles.contains(r))
    }

    /// The one check every command passes; `notice` says how a refusal
    /// would reach the user.
    pub fn check(&self, user: u64, roles: &[u64], command: &str, notice: Notice) -> Decision {
        let privilege = if self.is_admin(user, roles) {
            Privilege::Admin
        } else {
            Privilege::Member
        };
        let roles: Vec<RoleId> = roles.iter().map(|r| RoleId(*r)).collect();
        let at = self.now();
        let (decision, dirty) = {
            let mut limiter = self.lock();
            let id = limiter.command(command);
            let decision = limiter.check(
                Caller {
                    user: UserId(user),
                    roles: &roles,
                    privilege,
                    notice,
                },
                id,
                at,
            );
            (decision, limiter.is_dirty())
        };
        if dirty {
            self.changed.notify_one();
        }
        decision
    }

    /// Bans `user` for `duration`; saved at once. Returns when it ends.
    pub async fn ban(
        self: &Arc<Self>,
        user: u64,
        duration: Duration,
        reason: &str,
    ) -> Result<Timestamp, String> {
        let at = self.now();
        let until = self
            .lock()
            .ban(UserId(user), duration, reason, at)
            .map_err(|e| e.to_string())?;
        self.save().await;
        Ok(until)
    }

    /// Lifts a ban; saved at once. Returns whether there was one.
    pub async fn unban(self: &Arc<Self>, user: u64) -> bool {
        let at = self.now();
        let lifted = self.lock().unban(UserId(user), at);
        self.save().await;
        lifted
    }

    /// Forgets everything about `user`; saved at once.
    pub async fn reset(self: &Arc<Self>, user: u64) -> bool {
        let forgot = self.lock().reset(UserId(user));
        self.save().await;
        forgot
    }

    /// [`Guard::flush`] on the blocking pool: the caller waits for the
    /// disk, the event loop does not.
    async fn save(self: &Arc<Self>) {
        let me = Arc::clone(self);
        if let Err(e) = tokio::task::spawn_blocking(move || me.flush()).await {
            log::error!("ratelimit: saving failed: {e}");
        }
    }

    pub fn user_stats(&self, user: u64) -> UserStats {
        let at = self.now();
        self.lock().user_stats(UserId(user), at)
    }

    /// Active bans: user, end (Unix ms), the admin's reason if any.
    pub fn bans(&self) -> Vec<(u64, u64, Option<String>)> {
        let now = self.clock.now().0;
        let snapshot = self.lock().snapshot();
        snapshot
            .users
            .into_iter()
            .filter_map(|u| {
                u.ban
                    .filter(|b| b.until.0 > now)
                    .map(|b| (u.user.0, b.until.0, b.note))
            })
            .collect()
    }

    pub fn stats(&self) -> GlobalStats {
        let at = self.now();
        self.lock().stats(at)
    }

    /// Writes the state if it changed since the last write. Blocking: async
    /// code goes through [`Guard::save`].
    pub fn flush(&self) {
        let snapshot = {
            let mut limiter = self.lock();
            if !limiter.take_dirty() {
                return;
            }
            limiter.snapshot()
        };
        if let Err(e) = self.store.save(RECORD, &snapshot) {
            log::error!("ratelimit: cannot save bans and counters: {e:#}");
        }
    }

    /// Writes changed state [`FLUSH_EVERY`] after a change (a burst of
    /// changes in one write) and cleans idle entries, until `shutdown`, then
    /// flushes one last time.
    pub async fn maintain(self: Arc<Self>, shutdown: CancellationToken) {
        let mut cleanup = tokio::time::interval(CLEANUP_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.changed.notified() => {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(FLUSH_EVERY) => {}
                    }
                }
                _ = cleanup.tick() => {
                    let at = self.now();
                    let removed = self.lock().cleanup(at);
                    if removed > 0 {
                        log::debug!("ratelimit: {removed} idle entries cleaned");
                    }
                }
            }
            self.save().await;
        }
        self.save().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guard with the built-in limits, in UTC, admin user 1.
    fn default_guard(store: &Arc<Store>) -> Arc<Guard> {
        Arc::new(
            Guard::new(
                &RateLimitConfig::default(),
                Zone::utc(),
                Clock::new(),
                Arc::clone(store),
                1,
                Vec::new(),
            )
            .unwrap(),
        )
    }

    /// A ban waits for its write, and the write may wait for the SD card:
    /// the event loop must stay free meanwhile. On a one-thread runtime,
    /// with the database's writer slot held elsewhere (redb serialises
    /// writers, so the ban's commit cannot start), another task must still
    /// run; a ban written on the runtime thread would block it for good.
    #[test]
    fn a_ban_waiting_for_the_disk_does_not_block_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let guard = default_guard(&store);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let runner = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let busy_disk = store.database().unwrap().begin_write().unwrap();
                let ban = tokio::spawn({
                    let guard = Arc::clone(&guard);
                    async move { guard.ban(42, Duration::from_secs(600), "test").await }
                });
                // Runs only if the ban's task yielded the thread.
                let (alive_tx, alive_rx) = tokio::sync::oneshot::channel();
                tokio::spawn(async move { alive_tx.send(()).unwrap() });
                alive_rx.await.unwrap();
                assert!(!ban.is_finished(), "the ban did not wait for its write");
                drop(busy_disk);
                ban.await.unwrap().unwrap();
            });
            done_tx.send(()).unwrap();
        });
        // Only a guard against hanging forever (what the bug does).
        done_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the runtime was blocked by the ban's write");
        runner.join().unwrap();
        let reopened = store_of(dir.path());
        let saved = reopened.load::<PersistedState>(RECORD).unwrap().unwrap();
        assert!(
            saved
                .users
                .iter()
                .any(|u| u.user.0 == 42 && u.ban.is_some()),
            "the ban is on disk"
        );
    }

    /// The flush task sleeps until a check changes something worth
    /// saving, then writes it [`FLUSH_EVERY`] later, once for the burst.
    #[tokio::test(start_paused = true)]
    async fn a_change_is_written_flush_every_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let guard = default_guard(&store);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(Arc::clone(&guard).maintain(shutdown.clone()));
        let users = || {
            store
                .load::<PersistedState>(RECORD)
                .unwrap()
                .map_or(0, |s| s.users.len())
        };
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(users(), 0);
        // `restart` counts toward the daily quota: worth saving.
        for user in [5, 6] {
            assert!(guard
                .check(user, &[], "restart", Notice::OncePerStreak)
                .is_allowed());
        }
        tokio::time::sleep(FLUSH_EVERY / 2).await;
        assert_eq!(users(), 0);
        tokio::time::sleep(FLUSH_EVERY).await;
        for _ in 0..1000 {
            if users() == 2 {
                break;
            }
            // The write runs on the blocking pool, in real time.
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(users(), 2, "the change was written");
        shutdown.cancel();
        task.await.unwrap();
    }

    fn store_of(dir: &std::path::Path) -> Store {
        Store::open(dir).unwrap()
    }
}
