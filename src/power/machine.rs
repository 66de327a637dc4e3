//! The power state machine, without any I/O.
//!
//! [`PowerMachine::handle`] takes an [`Event`] and the current time and
//! returns what happened ([`Outcome`]: a transition, if any, and the
//! [`Action`]s the driver must perform). It never sleeps, sends or reads; the
//! driver in [`super::driver`] does. This keeps every rule testable with
//! explicit timestamps.
//!
//! The states and the legal transitions are the seed's ([`StateKind`] and
//! [`StateKind::can_go_to`]). Only one thing bypasses the table: a
//! *reconciliation*, when a probe of the real machine contradicts the
//! remembered state (the bot restarted while the server ran, someone powered
//! the host by hand). Reconciliations are reported as such in the outcome so
//! they are logged apart from ordinary transitions. A request the current
//! state does not allow ("shutdown now" while idle) is refused, and the
//! outcome says so ([`Outcome::refused`]) for the driver to tell the caller.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

mod observation;

use observation::Machine;
pub use observation::{GameObservation, HostObservation, Observation};

/// A Discord member on whose behalf something happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub id: u64,
    pub name: String,
}

impl Requester {
    /// Set in the ids of players known only by their game name (the front
    /// door's): Discord ids are positive `i64`s, so it never is in theirs.
    pub const GAME_BIT: u64 = 1 << 63;

    /// Whether this is a player from the game rather than a Discord member.
    pub fn is_game_player(&self) -> bool {
        self.id & Self::GAME_BIT != 0
    }
}

/// Whether the shutdown timer starts when the voice channel empties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AutoShutdown {
    /// Normal: the timer starts when the last authorized player leaves.
    Armed,
    /// Someone pressed Cancel on a pending shutdown: the server stays on
    /// until an authorized player next joins the voice channel (after which
    /// the normal rule applies again). Without this, the timer would restart
    /// the instant it was cancelled, since the channel is still empty.
    Suspended { by: Requester },
}

/// The power state, with the data each state needs and nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// The host is off.
    Idle,
    /// Magic packets are being sent.
    StartupRequested { by: Option<Requester> },
    /// Waiting for the Proxmox API, then Minecraft, to answer.
    StartupMonitoring {
        by: Option<Requester>,
        deadline: Timestamp,
    },
    /// Minecraft answers.
    Operational { auto_shutdown: AutoShutdown },
    /// No authorized player in voice; the host is powered off at `deadline`.
    ShutdownTimer {
        deadline: Timestamp,
        /// Set once the deadline passed with players still in the game, so
        /// the "postponed" notice is announced once, not every delay.
        postponed: bool,
    },
    /// Shutdown was requested; waiting until the host is off.
    ShutdownInProgress { deadline: Timestamp },
    /// Something failed; the admin was alerted. Left when a probe shows the
    /// host off (or running again).
    Error { reason: String },
    /// Set by the admin: no automatic power action at all.
    Maintenance,
}

/// The name of a state, without its data: what the transition table and
/// the logs talk about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    Idle,
    StartupRequested,
    StartupMonitoring,
    Operational,
    ShutdownTimer,
    ShutdownInProgress,
    Error,
    Maintenance,
}

impl StateKind {
    pub const ALL: [StateKind; 8] = [
        StateKind::Idle,
        StateKind::StartupRequested,
        StateKind::StartupMonitoring,
        StateKind::Operational,
        StateKind::ShutdownTimer,
        StateKind::ShutdownInProgress,
        StateKind::Error,
        StateKind::Maintenance,
    ];

    /// The seed's transition table; everything else is illegal (except a
    /// reconciliation with the real machine).
    pub fn can_go_to(self, to: StateKind) -> bool {
        use StateKind::*;
        matches!(
            (self, to),
            (Idle, StartupRequested)
                | (StartupRequested, StartupMonitoring | Error)
                | (StartupMonitoring, Operational | Error)
                | (Operational, ShutdownTimer | Error)
                | (ShutdownTimer, Operational | ShutdownInProgress)
                | (ShutdownInProgress, Idle | Error)
                | (Error, Idle | Maintenance)
                | (Maintenance, Idle)
        )
    }

    /// The seed's name for the state, used in logs, `STATUS=` and metrics.
    pub fn name(self) -> &'static str {
        match self {
            StateKind::Idle => "idle",
            StateKind::StartupRequested => "startup_requested",
            StateKind::StartupMonitoring => "startup_monitoring",
            StateKind::Operational => "operational",
            StateKind::ShutdownTimer => "shutdown_timer",
            StateKind::ShutdownInProgress => "shutdown_in_progress",
            StateKind::Error => "error",
            StateKind::Maintenance => "maintenance",
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl State {
    pub fn kind(&self) -> StateKind {
        match self {
            State::Idle => StateKind::Idle,
            State::StartupRequested { .. } => StateKind::StartupRequested,
            State::StartupMonitoring { .. } => StateKind::StartupMonitoring,
            State::Operational { .. } => StateKind::Operational,
            State::ShutdownTimer { .. } => StateKind::ShutdownTimer,
            State::ShutdownInProgress { .. } => StateKind::ShutdownInProgress,
            State::Error { .. } => StateKind::Error,
            State::Maintenance => StateKind::Maintenance,
        }
    }
}

/// Something the machine reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The authorized players now in the voice channel (`count`), and one of
    /// them to name in announcements — the one who just joined, if any.
    Presence {
        count: u32,
        newcomer: Option<Requester>,
    },
    /// The players now connected through the front door
    /// ([`crate::front_door`]); they keep the server on as voice does.
    GamePlayers {
        count: u32,
    },
    /// A probe finished.
    Observed(Observation),
    /// Time passed; deadlines are checked.
    Tick,
    /// The magic packets left.
    WakeSent,
    WakeFailed(String),
    /// The host accepted the shutdown request.
    ShutdownSent,
    ShutdownFailed(String),
    /// An authorized player pressed Cancel on the pending shutdown.
    CancelShutdown {
        by: Requester,
    },
    /// An authorized player asked for the server (the `wake` command).
    WakeRequested {
        by: Requester,
    },
    /// The admin (admin page) turns maintenance on or off. On: from any
    /// state, outside the table — the admin's word overrides it, and the
    /// transition says so. Off: back to `idle`, and the next probe
    /// reconciles with what the machine really is.
    AdminMaintenance(bool),
    /// The admin asks to power the host off now (admin page): through the
    /// timer, which expires at once, so the table is respected.
    AdminShutdown,
}

impl Event {
    /// Whether someone asked for this and waits for an answer: such an
    /// event that changes nothing was refused. (Maintenance on and off are
    /// switches: setting one to where it already is refuses nothing.)
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Event::WakeRequested { .. } | Event::CancelShutdown { .. } | Event::AdminShutdown
        )
    }
}

/// A player-facing announcement; texts live in [`crate::messages`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    StartupRequested {
        by: Option<Requester>,
    },
    Operational,
    /// The shutdown timer started; the announcement carries a Cancel button.
    ShutdownScheduled {
        delay: Duration,
    },
    ShutdownCancelled {
        by: Requester,
    },
    /// A player came back to the voice channel.
    ShutdownAborted {
        by: Option<Requester>,
    },
    ShutdownPostponed {
        players: u32,
        delay: Duration,
    },
    ShuttingDown,
    Off,
    Failed,
}

/// Something the driver must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    SendWake,
    RequestShutdown,
    /// A fresh observation is needed before deciding (a shutdown is due).
    Probe,
    Announce(Notice),
    AlertAdmin(String),
}

/// A change of state, for the log, the persisted record and `STATUS=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: StateKind,
    pub to: StateKind,
    /// True when the real machine overrode the remembered state, outside
    /// the transition table.
    pub reconciled: bool,
    /// True when the admin forced it (maintenance), outside the table.
    pub admin: bool,
}

/// What one event did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub transitions: Vec<Transition>,
    pub actions: Vec<Action>,
    /// Set when the event was turned down, so the driver can answer the
    /// caller honestly ("refused: the server is idle") instead of doing
    /// nothing in silence.
    pub refused: Option<Refused>,
}

/// An event the machine turned down: a caller's request that does not
/// apply in the current state (see [`Event::is_request`]), or — a bug, the
/// rules only ask for legal ones — a transition outside the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The state that turned it down.
    pub from: StateKind,
    pub event: Event,
}

/// The durations that shape the machine's behaviour (from `[power]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timings {
    pub startup_timeout: Duration,
    pub shutdown_delay: Duration,
    pub shutdown_timeout: Duration,
}

/// The power controller's memory: the state, since when, and the last
/// things it learnt about the world.
#[derive(Clone, Debug)]
pub struct PowerMachine {
    state: State,
    since: Timestamp,
    timings: Timings,
    /// Authorized players in voice; `None` until Discord told us, so no
    /// shutdown timer starts on a presence we do not know yet.
    presence: Option<u32>,
    /// Players connected to the game through the front door: counted like
    /// voice presence, so nobody's game is shut down under them.
    game_players: u32,
    last_observation: Option<(Timestamp, Observation)>,
}

impl PowerMachine {
    /// A machine in `state` since `since` (from the store, or `Idle` now).
    pub fn new(state: State, since: Timestamp, timings: Timings) -> Self {
        PowerMachine {
            state,
            since,
            timings,
            presence: None,
            game_players: 0,
            last_observation: None,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn since(&self) -> Timestamp {
        self.since
    }

    pub fn presence(&self) -> Option<u32> {
        self.presence
    }

    pub fn game_players(&self) -> u32 {
        self.game_players
    }

    pub fn last_observation(&self) -> Option<&Observation> {
        self.last_observation.as_ref().map(|(_, o)| o)
    }

    /// The earliest moment at which a [`Event::Tick`] may change something.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match &self.state {
            State::StartupMonitoring { deadline, .. }
            | State::ShutdownTimer { deadline, .. }
            | State::ShutdownInProgress { deadline } => Some(*deadline),
            _ => None,
        }
    }

    /// Whether the machine is waiting for the real machine to change, so the
    /// driver should probe often rather than at the leisurely steady pace.
    pub fn is_watching(&self) -> bool {
        matches!(
            self.state.kind(),
            StateKind::StartupRequested
                | StateKind::StartupMonitoring
                | StateKind::ShutdownInProgress
        )
    }

    /// Replaces the timings (configuration reload); pending deadlines keep
    /// the value they were set with.
    pub fn set_timings(&mut self, timings: Timings) {
        self.timings = timings;
    }

    /// Reacts to `event` at `now`.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Outcome {
        let from = self.state.kind();
        let asked = event.clone();
        let mut out = Outcome::default();
        self.react(event, now, &mut out);
        if let Some(refused) = &mut out.refused {
            refused.event = asked;
        } else if asked.is_request() && out.transitions.is_empty() {
            out.refused = Some(Refused { from, event: asked });
        }
        out
    }

    fn react(&mut self, event: Event, now: Timestamp, out: &mut Outcome) {
        match event {
            Event::Presence { count, newcomer } => self.on_presence(count, newcomer, now, out),
            Event::GamePlayers { count } => {
                let joined = count > self.game_players;
                self.game_players = count;
                match self.state {
                    State::Operational { .. } if count == 0 => self.arm_timer_if_empty(now, out),
                    State::ShutdownTimer { .. } if joined => {
                        let armed = AutoShutdown::Armed;
                        self.go(
                            State::Operational {
                                auto_shutdown: armed,
                            },
                            now,
                            out,
                        );
                        out.actions
                            .push(Action::Announce(Notice::ShutdownAborted { by: None }));
                    }
                    _ => {}
                }
            }
            Event::Observed(obs) => {
                self.last_observation = Some((now, obs.clone()));
                self.on_observation(&obs, now, out);
            }
            Event::Tick => self.check_deadline(now, out),
            Event::WakeSent => {
                if let State::StartupRequested { by } = &self.state {
                    let by = by.clone();
                    let deadline = now.after(self.timings.startup_timeout);
                    self.go(State::StartupMonitoring { by, deadline }, now, out);
                }
            }
            Event::WakeFailed(why) => {
                if self.state.kind() == StateKind::StartupRequested {
                    self.fail(
                        format!("the Wake-on-LAN packets could not be sent: {why}"),
                        now,
                        out,
                    );
                }
            }
            Event::ShutdownSent => {}
            Event::ShutdownFailed(why) => {
                if self.state.kind() == StateKind::ShutdownInProgress {
                    self.fail(format!("the shutdown request failed: {why}"), now, out);
                }
            }
            Event::AdminMaintenance(true) => {
                if self.state != State::Maintenance {
                    self.enter(State::Maintenance, now, false, out);
                    if let Some(t) = out.transitions.last_mut() {
                        t.admin = true;
                    }
                }
            }
            Event::AdminMaintenance(false) => {
                if self.state == State::Maintenance {
                    self.go(State::Idle, now, out);
                    out.actions.push(Action::Probe);
                }
            }
            Event::AdminShutdown => {
                if let State::Operational { .. } = self.state {
                    self.go(
                        State::ShutdownTimer {
                            deadline: now,
                            postponed: true,
                        },
                        now,
                        out,
                    );
                }
                if let State::ShutdownTimer { .. } = self.state {
                    let deadline = now.after(self.timings.shutdown_timeout);
                    self.go(State::ShutdownInProgress { deadline }, now, out);
                    out.actions.push(Action::RequestShutdown);
                    out.actions.push(Action::Announce(Notice::ShuttingDown));
                }
            }
            Event::WakeRequested { by } => {
                if self.state == State::Idle {
                    self.wake(Some(by), now, out);
                }
            }
            Event::CancelShutdown { by } => {
                if let State::ShutdownTimer { .. } = self.state {
                    let suspended = AutoShutdown::Suspended { by: by.clone() };
                    self.go(
                        State::Operational {
                            auto_shutdown: suspended,
                        },
                        now,
                        out,
                    );
                    out.actions
                        .push(Action::Announce(Notice::ShutdownCancelled { by }));
                }
            }
        }
    }

    fn on_presence(
        &mut self,
        count: u32,
        newcomer: Option<Requester>,
        now: Timestamp,
        out: &mut Outcome,
    ) {
        self.presence = Some(count);
        match &self.state {
            State::Idle if count > 0 => self.wake(newcomer, now, out),
            State::Operational { auto_shutdown } => {
                if count > 0 {
                    if matches!(auto_shutdown, AutoShutdown::Suspended { .. }) && newcomer.is_some()
                    {
                        // Someone came back: the normal rule applies again.
                        self.state = State::Operational {
                            auto_shutdown: AutoShutdown::Armed,
                        };
                    }
                } else {
                    self.arm_timer_if_empty(now, out);
                }
            }
            State::ShutdownTimer { .. } if count > 0 => {
                self.go(
                    State::Operational {
                        auto_shutdown: AutoShutdown::Armed,
                    },
                    now,
                    out,
                );
                out.actions
                    .push(Action::Announce(Notice::ShutdownAborted { by: newcomer }));
            }
            _ => {}
        }
    }

    fn on_observation(&mut self, obs: &Observation, now: Timestamp, out: &mut Outcome) {
        let machine = obs.machine();
        match (&self.state, machine) {
            (State::Maintenance, _) | (State::StartupRequested { .. }, _) => {}

            (State::StartupMonitoring { .. }, Machine::Running) => {
                self.go(
                    State::Operational {
                        auto_shutdown: AutoShutdown::Armed,
                    },
                    now,
                    out,
                );
                out.actions.push(Action::Announce(Notice::Operational));
                self.arm_timer_if_empty(now, out);
            }
            (
                State::StartupMonitoring { .. },
                Machine::Unknown {
                    reason,
                    permanent: true,
                },
            ) => self.fail(reason, now, out),
            (State::StartupMonitoring { .. }, _) => {}

            (State::ShutdownInProgress { .. }, Machine::Off) => {
                self.go(State::Idle, now, out);
                out.actions.push(Action::Announce(Notice::Off));
                // Someone joined while the host was going down: wake it again.
                if self.presence.is_some_and(|count| count > 0) {
                    self.wake(None, now, out);
                }
            }
            (State::ShutdownInProgress { .. }, _) => {}

            (State::Idle, Machine::Off) => {}
            (State::Idle, Machine::Booting) => {
                let deadline = now.after(self.timings.startup_timeout);
                self.reconcile(State::StartupMonitoring { by: None, deadline }, now, out);
            }
            (State::Idle, Machine::Running) | (State::Error { .. }, Machine::Running) => {
                self.reconcile(
                    State::Operational {
                        auto_shutdown: AutoShutdown::Armed,
                    },
                    now,
                    out,
                );
                self.arm_timer_if_empty(now, out);
            }
            (
                State::Idle,
                Machine::Unknown {
                    reason,
                    permanent: true,
                },
            ) => {
                self.reconcile(
                    State::Error {
                        reason: reason.clone(),
                    },
                    now,
                    out,
                );
                out.actions.push(Action::AlertAdmin(reason));
            }
            (State::Idle, Machine::Unknown { .. }) => {}

            (State::Operational { .. } | State::ShutdownTimer { .. }, Machine::Off) => {
                self.reconcile(State::Idle, now, out);
                out.actions.push(Action::Announce(Notice::Off));
            }
            (State::Operational { .. }, Machine::Unknown { reason, .. }) => {
                self.fail(reason, now, out)
            }
            // Minecraft is down while the host is up (crashed, or being
            // restarted): not a reason to power anything on or off.
            (State::Operational { .. }, Machine::Booting | Machine::Running) => {}
            (State::ShutdownTimer { .. }, _) => self.check_deadline(now, out),

            (State::Error { .. }, Machine::Off) => self.go(State::Idle, now, out),
            (State::Error { .. }, Machine::Booting) => {
                let deadline = now.after(self.timings.startup_timeout);
                self.reconcile(State::StartupMonitoring { by: None, deadline }, now, out);
            }
            (State::Error { .. }, Machine::Unknown { .. }) => {}
        }
    }

    fn check_deadline(&mut self, now: Timestamp, out: &mut Outcome) {
        match &self.state {
            State::StartupMonitoring { deadline, .. } if now >= *deadline => {
                let what = match self.last_observation.as_ref().map(|(_, o)| o.machine()) {
                    Some(Machine::Booting) => "the host is up but Minecraft never answered",
                    _ => "the host never answered",
                };
                let minutes = self.timings.startup_timeout.as_secs() / 60;
                self.fail(
                    format!("startup timed out after {minutes} min: {what}"),
                    now,
                    out,
                );
            }
            State::ShutdownInProgress { deadline } if now >= *deadline => {
                let minutes = self.timings.shutdown_timeout.as_secs().div_ceil(60);
                self.fail(
                    format!("the host still answers {minutes} min after the shutdown request"),
                    now,
                    out,
                );
            }
            State::ShutdownTimer {
                deadline,
                postponed,
            } if now >= *deadline => {
                let (deadline, postponed) = (*deadline, *postponed);
                let fresh = self
                    .last_observation
                    .as_ref()
                    .filter(|(at, _)| *at >= deadline)
                    .map(|(_, o)| o.players_online());
                match fresh {
                    // Ask for a probe taken after the deadline: a player may
                    // have logged into the game since the last one.
                    None => out.actions.push(Action::Probe),
                    Some(Some(players @ 1..)) => {
                        let delay = self.timings.shutdown_delay;
                        self.state = State::ShutdownTimer {
                            deadline: now.after(delay),
                            postponed: true,
                        };
                        if !postponed {
                            out.actions
                                .push(Action::Announce(Notice::ShutdownPostponed {
                                    players,
                                    delay,
                                }));
                        }
                    }
                    Some(_) => {
                        let deadline = now.after(self.timings.shutdown_timeout);
                        self.go(State::ShutdownInProgress { deadline }, now, out);
                        out.actions.push(Action::RequestShutdown);
                        out.actions.push(Action::Announce(Notice::ShuttingDown));
                    }
                }
            }
            _ => {}
        }
    }

    fn wake(&mut self, by: Option<Requester>, now: Timestamp, out: &mut Outcome) {
        self.go(State::StartupRequested { by: by.clone() }, now, out);
        out.actions.push(Action::SendWake);
        out.actions
            .push(Action::Announce(Notice::StartupRequested { by }));
    }

    /// Starts the shutdown timer if nobody authorized is in voice and
    /// automatic shutdown is armed. Unknown presence never starts it.
    fn arm_timer_if_empty(&mut self, now: Timestamp, out: &mut Outcome) {
        let armed = matches!(
            self.state,
            State::Operational {
                auto_shutdown: AutoShutdown::Armed
            }
        );
        if armed && self.presence == Some(0) && self.game_players == 0 {
            let delay = self.timings.shutdown_delay;
            self.go(
                State::ShutdownTimer {
                    deadline: now.after(delay),
                    postponed: false,
                },
                now,
                out,
            );
            out.actions
                .push(Action::Announce(Notice::ShutdownScheduled { delay }));
        }
    }

    fn fail(&mut self, reason: String, now: Timestamp, out: &mut Outcome) {
        self.go(
            State::Error {
                reason: reason.clone(),
            },
            now,
            out,
        );
        if self.state.kind() == StateKind::Error {
            out.actions.push(Action::AlertAdmin(reason));
            out.actions.push(Action::Announce(Notice::Failed));
        }
    }

    /// The one guarded transition: refuses (and reports) anything outside
    /// the seed's table (a bug: the rules above only ask for legal ones).
    fn go(&mut self, to: State, now: Timestamp, out: &mut Outcome) {
        let from = self.state.kind();
        if from.can_go_to(to.kind()) {
            self.enter(to, now, false, out);
        } else {
            log::error!("refused illegal power transition {from} -> {}", to.kind());
            // `handle` puts the event in.
            out.refused = Some(Refused {
                from,
                event: Event::Tick,
            });
        }
    }

    /// Adopts the state the real machine is in, outside the table.
    fn reconcile(&mut self, to: State, now: Timestamp, out: &mut Outcome) {
        self.enter(to, now, true, out);
    }

    fn enter(&mut self, to: State, now: Timestamp, reconciled: bool, out: &mut Outcome) {
        let from = self.state.kind();
        self.state = to;
        self.since = now;
        out.transitions.push(Transition {
            from,
            to: self.state.kind(),
            reconciled,
            admin: false,
        });
    }
}

#[cfg(test)]
mod tests;
