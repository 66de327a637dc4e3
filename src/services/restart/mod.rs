//! The Minecraft restart, whoever asks for it: Discord's `/restart` (after
//! its confirmation) and the admin page both call [`Restarter::restart`].
//!
//! The service owns everything a restart decides and does: the power-state
//! check (only a running server can be restarted), one restart at a time,
//! the players' cooldown and daily cap ([`policy`], pure, persisted in the
//! store), the container reboot through Proxmox followed until the game
//! answers again, the metrics and the admin alert on failure. It answers
//! with a typed [`RestartError`]; each front door words it its own way
//! (player texts in [`crate::messages`], the admin page's in English).
//!
//! The policy stays a pure module of its own beside the service, with its
//! exhaustive tests; only this service uses it.

pub mod policy;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::messages::{Messages, Text};
use crate::metrics::Metrics;
use crate::outgoing::Outgoing;
use crate::peers::{minecraft, proxmox::ProxmoxClient};
use crate::power::driver::PowerView;
use crate::power::machine::{Requester, StateKind};
use crate::ratelimit::Moment;
use crate::store::Store;
use crate::time::{Clock, Zone};

pub use policy::{Limits, Refusal, RestartPolicy};

/// The store record of the restart history.
const RESTART_RECORD: &str = "restart";

/// How often the reboot task and then the game are polled.
const POLL: Duration = Duration::from_secs(2);

/// How long the Proxmox reboot task may take before it counts as failed:
/// an LXC reboot takes seconds; minutes mean something hangs.
const TASK_TIMEOUT: Duration = Duration::from_secs(180);

/// Why a restart did not happen, or did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RestartError {
    /// Only a running server (operational, or counting down to shutdown)
    /// can be restarted.
    #[error("Minecraft cannot be restarted: the server is {state}")]
    NotRunning { state: StateKind },
    #[error("a restart is already under way")]
    AlreadyUnderWay,
    /// This player restarted less than the cooldown ago.
    #[error("this player restarted recently: next restart allowed in {} s", .wait.as_secs())]
    TooSoon { wait: Duration },
    /// Everyone together restarted `count` times today.
    #[error("the daily cap of restarts is reached ({count} today)")]
    DailyCapReached { count: u32 },
    /// Without a `[proxmox]` section there is no container to reboot.
    #[error("no [proxmox] section: the container cannot be restarted")]
    Unavailable,
    #[error("restart failed: {reason}")]
    Failed { reason: String },
}

impl From<Refusal> for RestartError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Cooldown { remaining } => RestartError::TooSoon { wait: remaining },
            Refusal::DailyCap { count } => RestartError::DailyCapReached { count },
        }
    }
}

/// Whose rules apply: the cooldown and daily cap limit players; the admin,
/// who sets them, is not limited by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    Player,
    Admin,
}

/// The restart's settings (from `[restart]`, `[proxmox]`, `[minecraft]`).
pub struct RestartSettings {
    /// `None` without a `[proxmox]` section: restart is then unavailable.
    pub proxmox: Option<ProxmoxClient>,
    pub container_id: u32,
    /// The game's address, pinged until it answers again.
    pub minecraft: String,
    pub ping_timeout: Duration,
    pub limits: Limits,
    /// The whole restart's deadline, reboot and wait for the game included.
    pub timeout: Duration,
}

/// What the service needs from the rest of the appliance.
pub struct RestartDeps {
    pub settings: RestartSettings,
    pub store: Arc<Store>,
    pub view: watch::Receiver<PowerView>,
    pub outgoing: mpsc::Sender<Outgoing>,
    pub messages: Messages,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    pub zone: Zone,
}

pub struct Restarter {
    deps: RestartDeps,
    policy: Mutex<RestartPolicy>,
    /// Set for the duration of a restart: one at a time.
    restarting: AtomicBool,
}

impl Restarter {
    /// The service, with the restart history the store remembers.
    pub fn new(deps: RestartDeps) -> Self {
        let limits = deps.settings.limits;
        let policy = match deps.store.load::<RestartPolicy>(RESTART_RECORD) {
            Ok(Some(p)) => p.with_limits(limits),
            Ok(None) => RestartPolicy::new(limits),
            Err(e) => {
                log::warn!("{e:#}; starting with an empty restart history");
                RestartPolicy::new(limits)
            }
        };
        Restarter {
            deps,
            policy: Mutex::new(policy),
            restarting: AtomicBool::new(false),
        }
    }

    /// Whether `user` could restart now: the check before asking a player
    /// to confirm, so they are not asked for nothing.
    pub fn check(&self, user: u64, caller: Caller) -> Result<(), RestartError> {
        let state = self.deps.view.borrow().state.kind();
        if !matches!(state, StateKind::Operational | StateKind::ShutdownTimer) {
            return Err(RestartError::NotRunning { state });
        }
        if self.restarting.load(Ordering::SeqCst) {
            return Err(RestartError::AlreadyUnderWay);
        }
        match caller {
            Caller::Player => self.policy_check(user).map_err(RestartError::from),
            Caller::Admin => Ok(()),
        }
    }

    /// What to tell a player whose restart request the rate limiter
    /// refused with `limiter_wait`: the cooldown or daily cap if it makes
    /// them wait longer, `None` to tell the limiter's wait. Told "wait 4 s"
    /// during a 10-minute cooldown, a player would come back only to be
    /// told "wait 9 minutes": the longer wait is the true one.
    pub fn longer_wait(&self, user: u64, limiter_wait: Duration) -> Option<RestartError> {
        let now = self.deps.clock.now();
        let until_tomorrow = Duration::from_millis(
            Moment::in_zone(now, &self.deps.zone)
                .next_day
                .0
                .saturating_sub(now.0),
        );
        policy::longer_refusal(limiter_wait, self.policy_check(user), until_tomorrow)
            .map(RestartError::from)
    }

    /// The restart itself, checked again first (the world may have changed
    /// while a player confirmed), recorded in the history, then the reboot.
    /// A failure alerts the admin. Returns the time the restart took.
    pub async fn restart(&self, by: &Requester, caller: Caller) -> Result<Duration, RestartError> {
        self.check(by.id, caller)?;
        if self.restarting.swap(true, Ordering::SeqCst) {
            return Err(RestartError::AlreadyUnderWay);
        }
        let result = self.reboot(by).await;
        self.restarting.store(false, Ordering::SeqCst);
        self.deps.metrics.restart(result.is_ok());
        match &result {
            Ok(elapsed) => log::info!("restart by {} done in {} s", by.name, elapsed.as_secs()),
            Err(e) => {
                log::error!("restart by {} failed: {e}", by.name);
                let reason = match e {
                    RestartError::Failed { reason } => reason.clone(),
                    other => other.to_string(),
                };
                let alert = self.deps.messages.render(
                    Text::RestartFailedAlert,
                    &[("player", &by.name), ("reason", &reason)],
                );
                if self
                    .deps
                    .outgoing
                    .try_send(Outgoing::AlertAdmin { text: alert })
                    .is_err()
                {
                    log::warn!("restart: discord queue full, admin alert dropped");
                }
            }
        }
        result
    }

    /// A reloaded configuration's restart cooldown and daily cap; the
    /// history is kept.
    pub fn set_limits(&self, limits: Limits) {
        let mut policy = self.policy.lock().unwrap_or_else(|p| p.into_inner());
        *policy = policy.clone().with_limits(limits);
    }

    fn policy_check(&self, user: u64) -> Result<(), Refusal> {
        let policy = self.policy.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.deps.clock.now();
        policy.check(user, now, self.deps.zone.day(now))
    }

    /// Records the restart in the history, then reboots the container.
    async fn reboot(&self, by: &Requester) -> Result<Duration, RestartError> {
        let settings = &self.deps.settings;
        let proxmox = settings.proxmox.as_ref().ok_or(RestartError::Unavailable)?;
        let snapshot = {
            let mut policy = self.policy.lock().unwrap_or_else(|p| p.into_inner());
            let now = self.deps.clock.now();
            policy.record(by.id, now, self.deps.zone.day(now));
            policy.clone()
        };
        let store = Arc::clone(&self.deps.store);
        match tokio::task::spawn_blocking(move || store.save(RESTART_RECORD, &snapshot)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!("restart: cannot save the restart history: {e:#}"),
            Err(e) => log::error!("restart: saving the restart history failed: {e}"),
        }
        restart_minecraft(proxmox, settings)
            .await
            .map_err(|reason| RestartError::Failed { reason })
    }
}

/// Reboots the container, follows the task, then waits until Minecraft
/// answers (at most `settings.timeout` in all). Returns the time taken, or
/// why it failed.
async fn restart_minecraft(
    proxmox: &ProxmoxClient,
    settings: &RestartSettings,
) -> Result<Duration, String> {
    let started = Instant::now();
    let vmid = settings.container_id;
    let timeout = settings.timeout;
    let upid = proxmox
        .reboot_container(vmid)
        .await
        .map_err(|e| e.to_string())?;
    log::info!("restart: container {vmid} rebooting ({})", upid.as_str());
    proxmox
        .wait_for_task(&upid, POLL, TASK_TIMEOUT.min(timeout))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match minecraft::ping(&settings.minecraft, settings.ping_timeout).await {
            Ok(status) => {
                log::info!(
                    "restart: Minecraft {} answers again ({}/{} players)",
                    status.version,
                    status.players_online,
                    status.players_max
                );
                return Ok(started.elapsed());
            }
            Err(e) => log::debug!("restart: waiting for Minecraft: {e}"),
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "the container restarted but Minecraft did not answer within {} s",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(POLL.min(timeout.saturating_sub(started.elapsed()))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::machine::{AutoShutdown, State};

    /// A service over a real store in `dir`, the server in `state`, no
    /// `[proxmox]`; the receiver gets what it sends to Discord.
    fn restarter(
        dir: &std::path::Path,
        state: State,
        history: Option<RestartPolicy>,
    ) -> (Restarter, mpsc::Receiver<Outgoing>) {
        let store = Arc::new(Store::open(dir).unwrap());
        if let Some(history) = history {
            store.save(RESTART_RECORD, &history).unwrap();
        }
        let clock = Clock::new();
        let (_, view) = watch::channel(PowerView {
            state,
            since: clock.now(),
            presence: None,
            game_players: 0,
            last_observation: None,
            history: Vec::new(),
        });
        let (outgoing, sent) = mpsc::channel(4);
        let deps = RestartDeps {
            settings: RestartSettings {
                proxmox: None,
                container_id: 105,
                minecraft: "127.0.0.1:9".into(),
                ping_timeout: Duration::from_secs(1),
                limits: Limits::default(),
                timeout: Duration::from_secs(1),
            },
            store,
            view,
            outgoing,
            messages: Messages::default(),
            metrics: Arc::new(Metrics::new()),
            clock,
            zone: Zone::utc(),
        };
        (Restarter::new(deps), sent)
    }

    fn running() -> State {
        State::Operational {
            auto_shutdown: AutoShutdown::Armed,
        }
    }

    fn alice() -> Requester {
        Requester {
            id: 333,
            name: "alice".into(),
        }
    }

    #[tokio::test]
    async fn only_a_running_server_is_restarted_whoever_asks() {
        let dir = tempfile::tempdir().unwrap();
        let (r, _sent) = restarter(dir.path(), State::Idle, None);
        for caller in [Caller::Player, Caller::Admin] {
            let not_running = RestartError::NotRunning {
                state: StateKind::Idle,
            };
            assert_eq!(r.check(333, caller), Err(not_running.clone()));
            assert_eq!(r.restart(&alice(), caller).await, Err(not_running));
        }
    }

    /// The cooldown limits players, not the admin who set it; the history
    /// that says so survives a restart of the appliance.
    #[tokio::test]
    async fn the_remembered_cooldown_holds_players_and_not_the_admin() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = RestartPolicy::new(Limits::default());
        let now = Clock::new().now();
        history.record(333, now, Zone::utc().day(now));
        let (r, _sent) = restarter(dir.path(), running(), Some(history));
        assert!(
            matches!(r.check(333, Caller::Player), Err(RestartError::TooSoon { wait }) if wait > Duration::ZERO),
            "{:?}",
            r.check(333, Caller::Player)
        );
        assert_eq!(r.check(334, Caller::Player), Ok(()));
        assert_eq!(r.check(333, Caller::Admin), Ok(()));
        // The limiter's short wait is overruled by the longer cooldown.
        assert!(matches!(
            r.longer_wait(333, Duration::from_secs(4)),
            Some(RestartError::TooSoon { .. })
        ));
        assert_eq!(r.longer_wait(334, Duration::from_secs(4)), None);
    }

    /// Without `[proxmox]` nothing can be rebooted: the admin is alerted,
    /// and the attempt does not count as a restart in the history.
    #[tokio::test]
    async fn without_proxmox_a_restart_is_unavailable_alerted_and_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let (r, mut sent) = restarter(dir.path(), running(), None);
        assert_eq!(
            r.restart(&alice(), Caller::Player).await,
            Err(RestartError::Unavailable)
        );
        match sent.try_recv() {
            Ok(Outgoing::AlertAdmin { text }) => {
                assert!(
                    text.contains("alice") && text.contains("[proxmox]"),
                    "{text}"
                )
            }
            other => panic!("no admin alert: {other:?}"),
        }
        assert_eq!(r.check(333, Caller::Player), Ok(()), "counted as a restart");
        assert_eq!(r.check(333, Caller::Admin), Ok(()), "the flag stayed set");
    }
}
