//! The driver: feeds the state machine its events and performs its actions.
//!
//! One task owns the [`PowerMachine`]. It receives inputs (voice presence,
//! button presses) from Discord, the results of the actions it started
//! (probes, wake, shutdown — each runs in its own task so a slow host never
//! stalls the loop), and wakes itself for deadlines and periodic probes.
//! Every transition is logged, published for `STATUS=` and the status
//! displays, and persisted by a writer task of its own: the loop never
//! waits for the SD card (it must keep answering the watchdog's pings), and
//! a burst of transitions on a slow card is one write of the latest state.
//! Should the appliance die before a write lands, the next start trusts
//! what the probes see, as it always does.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::messages::{Messages, Text};
use crate::metrics::Metrics;
use crate::outgoing::Outgoing;
use crate::power::machine::{
    Action, Event, Notice, Observation, PowerMachine, Refused, Requester, State, StateKind,
    Timings, Transition,
};
use crate::power::probe::{Actuators, Prober};
use crate::power::record::PowerRecord;
use crate::store::Store;
use crate::time::{Clock, Timestamp};

/// What the rest of the appliance tells the driver.
#[derive(Debug)]
pub enum Input {
    Event(Event),
    /// The Cancel button; `reply` says whether a pending shutdown was
    /// cancelled, so the presser gets an honest answer.
    CancelShutdown {
        by: Requester,
        reply: oneshot::Sender<bool>,
    },
    /// Something a player or the admin asked for (wake, maintenance,
    /// shutdown now; see [`crate::services::power`]); `reply` gets the
    /// machine's refusal, if it refused, so the caller is told why.
    Request {
        event: Event,
        reply: oneshot::Sender<Result<(), Refused>>,
    },
    /// Answered at once by a live loop: the systemd watchdog's proof of life.
    Ping(oneshot::Sender<()>),
    /// New timings and probe intervals from a configuration reload; a
    /// deadline already set keeps its time, the next one uses the new.
    Reconfigure {
        timings: Timings,
        probe_interval: Duration,
        watch_interval: Duration,
    },
}

/// What the driver publishes after every event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerView {
    pub state: State,
    pub since: Timestamp,
    /// Authorized players in voice, once Discord said.
    pub presence: Option<u32>,
    /// Players connected through the front door.
    pub game_players: u32,
    pub last_observation: Option<Observation>,
    /// The last transitions, oldest first (at most [`HISTORY`]).
    pub history: Vec<(Timestamp, Transition)>,
}

/// Transitions kept for the admin page.
pub const HISTORY: usize = 20;

/// The pieces the driver needs.
pub struct Driver {
    pub machine: PowerMachine,
    pub store: Arc<Store>,
    pub prober: Prober,
    pub actuators: Actuators,
    pub messages: Messages,
    pub outgoing: mpsc::Sender<Outgoing>,
    /// Probe period when nothing is expected to change.
    pub probe_interval: Duration,
    /// Probe period during a startup or a shutdown.
    pub watch_interval: Duration,
    pub clock: Clock,
    pub view: watch::Sender<PowerView>,
    pub metrics: Arc<Metrics>,
    /// Recent transitions, for the admin page.
    pub history: VecDeque<(Timestamp, Transition)>,
}

/// Writes each power record the driver hands over, on the blocking pool,
/// until the driver drops its end (the last record is written first).
async fn write_records(store: Arc<Store>, mut records: watch::Receiver<PowerRecord>) {
    while records.changed().await.is_ok() {
        let record = records.borrow_and_update().clone();
        let kind = record.state.kind();
        let store = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || record.save(&store)).await {
            Ok(Ok(())) => log::debug!("power: state {kind} saved"),
            Ok(Err(e)) => log::error!("power: cannot save the state: {e:#}"),
            Err(e) => log::error!("power: saving the state panicked: {e}"),
        }
    }
}

/// One thing that woke the loop.
enum Step {
    Input(Input),
    Result(Event),
    Timer,
}

impl Driver {
    /// Runs until `shutdown`, then waits for actions in flight (each bounded
    /// by its own timeout) so a shutdown request is not cut in half.
    pub async fn run(mut self, mut inputs: mpsc::Receiver<Input>, shutdown: CancellationToken) {
        let (results_tx, mut results) = mpsc::channel::<Event>(16);
        let tasks = TaskTracker::new();
        let mut probing = false;
        let (saved, unsaved) = watch::channel(self.record());
        let writer = tokio::spawn(write_records(Arc::clone(&self.store), unsaved));

        // Look at the real machine before acting on anything: a presence
        // event handled first could wake a server that is already running.
        // Inputs wait in their queue meanwhile.
        self.publish();
        let observation = tokio::select! {
            () = shutdown.cancelled() => return,
            observation = self.prober.observe() => observation,
        };
        log::info!(
            "power: first look at the machine: {}",
            describe(Some(&observation))
        );
        self.apply(
            Event::Observed(observation),
            &tasks,
            &results_tx,
            &mut probing,
        )
        .await;
        if matches!(self.machine.state(), State::StartupRequested { .. }) {
            // Stopped between deciding to wake and sending: send again.
            self.perform(Action::SendWake, &tasks, &results_tx, &mut probing);
        }
        self.publish();
        self.save(&saved);
        let mut next_probe = Instant::now() + self.probe_period();

        loop {
            // A deadline that passed while a probe is in flight waits for
            // that probe's result (which re-checks it): re-arming it would
            // spin the loop until the probe returns.
            let now = Instant::now();
            let deadline = self
                .machine
                .next_deadline()
                .map(|d| self.clock.instant_at(d))
                .filter(|d| !(probing && *d <= now));
            let wake_at = deadline.map_or(next_probe, |d| d.min(next_probe));
            let step = tokio::select! {
                () = shutdown.cancelled() => break,
                input = inputs.recv() => match input {
                    Some(input) => Step::Input(input),
                    None => break,
                },
                Some(event) = results.recv() => Step::Result(event),
                () = tokio::time::sleep_until(wake_at) => Step::Timer,
            };
            match step {
                Step::Input(Input::Event(event)) => {
                    self.apply(event, &tasks, &results_tx, &mut probing).await;
                }
                Step::Input(Input::CancelShutdown { by, reply }) => {
                    let refused = self
                        .apply(
                            Event::CancelShutdown { by },
                            &tasks,
                            &results_tx,
                            &mut probing,
                        )
                        .await;
                    let _ = reply.send(refused.is_none());
                }
                Step::Input(Input::Request { event, reply }) => {
                    let refused = self.apply(event, &tasks, &results_tx, &mut probing).await;
                    let _ = reply.send(refused.map_or(Ok(()), Err));
                }
                Step::Input(Input::Ping(reply)) => {
                    let _ = reply.send(());
                }
                Step::Input(Input::Reconfigure {
                    timings,
                    probe_interval,
                    watch_interval,
                }) => {
                    self.machine.set_timings(timings);
                    self.probe_interval = probe_interval;
                    self.watch_interval = watch_interval;
                    next_probe = next_probe.min(Instant::now() + self.probe_period());
                    log::info!("power: new timings and probe intervals in effect");
                }
                Step::Result(event) => {
                    if matches!(event, Event::Observed(_)) {
                        probing = false;
                    }
                    let was_watching = self.machine.is_watching();
                    self.apply(event, &tasks, &results_tx, &mut probing).await;
                    if self.machine.is_watching() != was_watching {
                        next_probe = Instant::now() + self.probe_period();
                    }
                }
                Step::Timer => {
                    if Instant::now() >= next_probe {
                        self.start_probe(&tasks, &results_tx, &mut probing);
                        next_probe = Instant::now() + self.probe_period();
                    }
                    self.apply(Event::Tick, &tasks, &results_tx, &mut probing)
                        .await;
                }
            }
            self.save(&saved);
        }
        tasks.close();
        tasks.wait().await;
        self.save(&saved);
        drop(saved);
        if let Err(e) = writer.await {
            log::error!("power: the state writer failed: {e}");
        }
        log::info!(
            "power: driver stopped in state {}",
            self.machine.state().kind()
        );
    }

    fn probe_period(&self) -> Duration {
        if self.machine.is_watching() {
            self.watch_interval
        } else {
            self.probe_interval
        }
    }

    /// Feeds one event to the machine and carries out the outcome. Returns
    /// the machine's refusal, if it refused the event.
    async fn apply(
        &mut self,
        event: Event,
        tasks: &TaskTracker,
        results: &mpsc::Sender<Event>,
        probing: &mut bool,
    ) -> Option<Refused> {
        let now = self.clock.now();
        let outcome = self.machine.handle(event, now);
        for t in &outcome.transitions {
            self.count(t);
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back((now, *t));
            if t.admin {
                log::warn!(
                    "power: {} -> {} by the admin (via admin page)",
                    t.from,
                    t.to
                );
            } else if t.reconciled {
                log::warn!(
                    "power: reconciled with the real machine: {} -> {} (observed: {})",
                    t.from,
                    t.to,
                    describe(self.machine.last_observation())
                );
            } else {
                log::info!("power: {} -> {}", t.from, t.to);
            }
        }
        if let Some(refused) = &outcome.refused {
            log::info!(
                "power: {:?} refused: the server is {}",
                refused.event,
                refused.from
            );
        }
        for action in outcome.actions {
            self.perform(action, tasks, results, probing);
        }
        self.publish();
        outcome.refused
    }

    fn record(&self) -> PowerRecord {
        PowerRecord {
            state: self.machine.state().clone(),
            since: self.machine.since(),
        }
    }

    /// Hands any change (transitions and postponed deadlines alike) to the
    /// writer, without waiting for it.
    fn save(&self, saved: &watch::Sender<PowerRecord>) {
        let record = self.record();
        saved.send_if_modified(|last| {
            let changed = *last != record;
            if changed {
                *last = record;
            }
            changed
        });
    }

    fn publish(&self) {
        let m = &self.metrics;
        m.set_power_state(self.machine.state().kind().name());
        m.set_players_in_voice(self.machine.presence().unwrap_or(0));
        m.set_players_online(
            self.machine
                .last_observation()
                .and_then(Observation::players_online),
        );
        self.view.send_replace(PowerView {
            state: self.machine.state().clone(),
            since: self.machine.since(),
            presence: self.machine.presence(),
            game_players: self.machine.game_players(),
            last_observation: self.machine.last_observation().cloned(),
            history: self.history.iter().cloned().collect(),
        });
    }

    /// Counts a transition in the metrics.
    fn count(&self, t: &Transition) {
        use StateKind::*;
        match (t.from, t.to) {
            (_, StartupRequested) => self.metrics.startup_requested(),
            (StartupMonitoring, Operational) => self.metrics.startup_succeeded(),
            (_, ShutdownInProgress) => self.metrics.shutdown_requested(),
            (ShutdownInProgress, Idle) => self.metrics.shutdown_succeeded(),
            (_, Error) => self.metrics.error(),
            _ => {}
        }
    }

    fn start_probe(&self, tasks: &TaskTracker, results: &mpsc::Sender<Event>, probing: &mut bool) {
        if *probing {
            return;
        }
        *probing = true;
        let prober = self.prober.clone();
        let results = results.clone();
        tasks.spawn(async move {
            let observation = prober.observe().await;
            log::debug!("probe: {}", describe(Some(&observation)));
            let _ = results.send(Event::Observed(observation)).await;
        });
    }

    fn perform(
        &self,
        action: Action,
        tasks: &TaskTracker,
        results: &mpsc::Sender<Event>,
        probing: &mut bool,
    ) {
        match action {
            Action::Probe => self.start_probe(tasks, results, probing),
            Action::SendWake => {
                let actuators = self.actuators.clone();
                let results = results.clone();
                tasks.spawn(async move {
                    let event = match actuators.wake().await {
                        Ok(()) => {
                            log::info!("power: magic packets sent to {}", actuators.wol_target);
                            Event::WakeSent
                        }
                        Err(e) => Event::WakeFailed(e),
                    };
                    let _ = results.send(event).await;
                });
            }
            Action::RequestShutdown => {
                let actuators = self.actuators.clone();
                let results = results.clone();
                tasks.spawn(async move {
                    let event = match actuators.power_off().await {
                        Ok(()) => {
                            log::info!("power: shutdown requested");
                            Event::ShutdownSent
                        }
                        Err(e) => Event::ShutdownFailed(e),
                    };
                    let _ = results.send(event).await;
                });
            }
            Action::Announce(notice) => {
                let cancel_button = matches!(notice, Notice::ShutdownScheduled { .. });
                let text = self.messages.notice(&notice);
                self.send(Outgoing::Announce {
                    text,
                    cancel_button,
                });
            }
            Action::AlertAdmin(reason) => {
                log::error!("power: {reason}");
                let text = self
                    .messages
                    .render(Text::AdminAlert, &[("reason", &reason)]);
                self.send(Outgoing::AlertAdmin { text });
            }
        }
    }

    /// Hands a message to Discord without ever blocking the power loop: if
    /// Discord has been unreachable long enough to fill the queue, the
    /// message is dropped (and logged) rather than delaying a shutdown.
    fn send(&self, message: Outgoing) {
        if let Err(e) = self.outgoing.try_send(message) {
            log::warn!("power: discord queue full or closed, dropping a message: {e}");
        }
    }
}

/// A short human description of an observation, for logs and status.
pub fn describe(observation: Option<&Observation>) -> String {
    use crate::power::machine::{GameObservation, HostObservation};
    let Some(o) = observation else {
        return "not probed yet".to_owned();
    };
    let host = match &o.host {
        HostObservation::Up => "host up".to_owned(),
        HostObservation::Down => "host off".to_owned(),
        HostObservation::Refused(why) => format!("host refuses the token ({why})"),
        HostObservation::Failing(why) => format!("host API failing ({why})"),
    };
    let game = match &o.game {
        GameObservation::Online { players, max, .. } => format!("Minecraft {players}/{max}"),
        GameObservation::Offline => "Minecraft not answering".to_owned(),
    };
    format!("{host}, {game}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::ssh::SshTarget;
    use crate::power::probe::{HostCheck, ShutdownPath};

    /// The SD card stalls on a write (here: redb's single writer slot is
    /// held elsewhere, so the commit cannot start): the power loop must
    /// keep answering the watchdog's pings, and the state still reaches the
    /// disk once the card is back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_power_loop_answers_while_its_state_write_is_stuck() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        // A port nothing listens on: the probes see the host off at once.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        let clock = Clock::new();
        let timings = Timings {
            startup_timeout: Duration::from_secs(600),
            shutdown_delay: Duration::from_secs(600),
            shutdown_timeout: Duration::from_secs(600),
        };
        let (outgoing, _discord) = mpsc::channel(16);
        let (view, mut shown) = watch::channel(PowerView {
            state: State::Idle,
            since: clock.now(),
            presence: None,
            game_players: 0,
            last_observation: None,
            history: Vec::new(),
        });
        let driver = Driver {
            machine: PowerMachine::new(State::Idle, clock.now(), timings),
            store: Arc::clone(&store),
            prober: Prober {
                host: HostCheck::Tcp {
                    address: closed.to_string(),
                    timeout: Duration::from_secs(2),
                },
                minecraft: closed.to_string(),
                minecraft_timeout: Duration::from_secs(2),
            },
            actuators: Actuators {
                mac: "AA:BB:CC:DD:EE:FF".parse().unwrap(),
                wol_target: closed,
                shutdown: ShutdownPath::Ssh(Box::new(SshTarget {
                    address: closed.to_string(),
                    user: "root".into(),
                    key_file: dir.path().join("no-key"),
                    host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1+2lTFlymgySOJqw8/1kdNHDIRozU0vh9dNePfQ7xL test"
                        .parse()
                        .unwrap(),
                    command: "true".into(),
                    timeout: Duration::from_secs(2),
                })),
            },
            messages: Messages::default(),
            outgoing,
            probe_interval: Duration::from_secs(600),
            watch_interval: Duration::from_secs(600),
            clock,
            view,
            metrics: Arc::new(Metrics::new()),
            history: VecDeque::new(),
        };
        let (inputs, rx) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let busy_disk = store.database().unwrap().begin_write().unwrap();
        let running = tokio::spawn(driver.run(rx, shutdown.clone()));
        // Only guards against hanging forever (what the bug does).
        let guard = Duration::from_secs(30);

        let (reply, answer) = oneshot::channel();
        inputs
            .send(Input::Request {
                event: Event::AdminMaintenance(true),
                reply,
            })
            .await
            .unwrap();
        let answer = tokio::time::timeout(guard, answer).await;
        assert!(matches!(answer, Ok(Ok(Ok(())))), "{answer:?}");
        let (ping, pong) = oneshot::channel();
        inputs.send(Input::Ping(ping)).await.unwrap();
        let pong = tokio::time::timeout(guard, pong).await;
        assert!(
            matches!(pong, Ok(Ok(()))),
            "the power loop waits for the disk"
        );
        tokio::time::timeout(
            guard,
            shown.wait_for(|v| v.state.kind() == StateKind::Maintenance),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            PowerRecord::load(&store).unwrap(),
            None,
            "the write is stuck"
        );

        drop(busy_disk);
        shutdown.cancel();
        tokio::time::timeout(guard, running).await.unwrap().unwrap();
        let saved = PowerRecord::load(&store).unwrap().unwrap();
        assert_eq!(saved.state.kind(), StateKind::Maintenance);
    }
}
