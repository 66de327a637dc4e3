use super::*;

const MIN: Duration = Duration::from_secs(60);

fn timings() -> Timings {
    Timings {
        startup_timeout: 10 * MIN,
        shutdown_delay: 10 * MIN,
        shutdown_timeout: 5 * MIN,
    }
}

fn t(minutes: u64) -> Timestamp {
    Timestamp(1_700_000_000_000 + minutes * 60_000)
}

fn alice() -> Requester {
    Requester {
        id: 333,
        name: "alice".into(),
    }
}

fn machine(state: State) -> PowerMachine {
    PowerMachine::new(state, t(0), timings())
}

fn running(players: u32) -> Observation {
    Observation {
        host: HostObservation::Up,
        game: GameObservation::Online {
            players,
            max: 20,
            version: "1.21.4".into(),
        },
    }
}

fn booting() -> Observation {
    Observation {
        host: HostObservation::Up,
        game: GameObservation::Offline,
    }
}

fn off() -> Observation {
    Observation {
        host: HostObservation::Down,
        game: GameObservation::Offline,
    }
}

fn join(count: u32) -> Event {
    Event::Presence {
        count,
        newcomer: Some(alice()),
    }
}

fn leave(count: u32) -> Event {
    Event::Presence {
        count,
        newcomer: None,
    }
}

fn operational() -> State {
    State::Operational {
        auto_shutdown: AutoShutdown::Armed,
    }
}

fn kinds(out: &Outcome) -> Vec<(StateKind, StateKind, bool)> {
    out.transitions
        .iter()
        .map(|t| (t.from, t.to, t.reconciled))
        .collect()
}

#[test]
fn transition_table_is_exactly_the_seeds() {
    use StateKind::*;
    let legal = [
        (Idle, StartupRequested),
        (StartupRequested, StartupMonitoring),
        (StartupRequested, Error),
        (StartupMonitoring, Operational),
        (StartupMonitoring, Error),
        (Operational, ShutdownTimer),
        (Operational, Error),
        (ShutdownTimer, Operational),
        (ShutdownTimer, ShutdownInProgress),
        (ShutdownInProgress, Idle),
        (ShutdownInProgress, Error),
        (Error, Idle),
        (Error, Maintenance),
        (Maintenance, Idle),
    ];
    for from in StateKind::ALL {
        for to in StateKind::ALL {
            assert_eq!(
                from.can_go_to(to),
                legal.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn authorized_join_while_idle_wakes_and_announces_who() {
    let mut m = machine(State::Idle);
    let out = m.handle(join(1), t(1));
    assert_eq!(m.state(), &State::StartupRequested { by: Some(alice()) });
    assert_eq!(
        out.actions,
        vec![
            Action::SendWake,
            Action::Announce(Notice::StartupRequested { by: Some(alice()) })
        ]
    );
    assert_eq!(m.since(), t(1));
}

#[test]
fn empty_voice_channel_while_idle_does_nothing() {
    let mut m = machine(State::Idle);
    let out = m.handle(leave(0), t(1));
    assert_eq!(out, Outcome::default());
    assert_eq!(m.state(), &State::Idle);
}

#[test]
fn wake_sent_starts_monitoring_with_the_startup_deadline() {
    let mut m = machine(State::StartupRequested { by: None });
    m.handle(Event::WakeSent, t(2));
    assert_eq!(
        m.state(),
        &State::StartupMonitoring {
            by: None,
            deadline: t(12)
        }
    );
    assert_eq!(m.next_deadline(), Some(t(12)));
    assert!(m.is_watching());
}

#[test]
fn wake_failure_is_an_error_with_an_alert() {
    let mut m = machine(State::StartupRequested { by: None });
    let out = m.handle(Event::WakeFailed("no route".into()), t(1));
    assert_eq!(m.state().kind(), StateKind::Error);
    assert!(matches!(&out.actions[0], Action::AlertAdmin(why) if why.contains("no route")));
}

#[test]
fn monitoring_waits_for_minecraft_then_becomes_operational() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    m.handle(join(1), t(1));
    let out = m.handle(Event::Observed(off()), t(2));
    assert!(out.transitions.is_empty());
    let out = m.handle(Event::Observed(booting()), t(3));
    assert!(out.transitions.is_empty());
    let out = m.handle(Event::Observed(running(0)), t(4));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::StartupMonitoring, StateKind::Operational, false)]
    );
    assert_eq!(out.actions, vec![Action::Announce(Notice::Operational)]);
}

#[test]
fn operational_with_nobody_in_voice_starts_the_timer_at_once() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    m.handle(leave(0), t(1));
    let out = m.handle(Event::Observed(running(0)), t(4));
    assert_eq!(
        m.state(),
        &State::ShutdownTimer {
            deadline: t(14),
            postponed: false
        }
    );
    assert!(out
        .actions
        .contains(&Action::Announce(Notice::ShutdownScheduled {
            delay: 10 * MIN
        })));
}

#[test]
fn unknown_presence_never_starts_the_timer() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    m.handle(Event::Observed(running(0)), t(4));
    assert_eq!(m.state(), &operational());
}

#[test]
fn startup_timeout_names_what_did_not_answer() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    m.handle(Event::Observed(booting()), t(5));
    assert!(m.handle(Event::Tick, t(9)).transitions.is_empty());
    let out = m.handle(Event::Tick, t(10));
    assert_eq!(m.state().kind(), StateKind::Error);
    assert!(
        matches!(&out.actions[0], Action::AlertAdmin(why) if why.contains("Minecraft never answered")),
        "{out:?}"
    );
    assert!(out.actions.contains(&Action::Announce(Notice::Failed)));
}

#[test]
fn refused_token_during_startup_is_an_error_at_once() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    let obs = Observation {
        host: HostObservation::Refused("401".into()),
        game: GameObservation::Offline,
    };
    let out = m.handle(Event::Observed(obs), t(1));
    assert_eq!(m.state().kind(), StateKind::Error);
    assert!(
        matches!(&out.actions[0], Action::AlertAdmin(why) if why.contains("refused the token"))
    );
}

#[test]
fn transient_api_errors_during_startup_keep_waiting() {
    let mut m = machine(State::StartupMonitoring {
        by: None,
        deadline: t(10),
    });
    let obs = Observation {
        host: HostObservation::Failing("502".into()),
        game: GameObservation::Offline,
    };
    assert!(m.handle(Event::Observed(obs), t(1)).transitions.is_empty());
}

#[test]
fn last_player_leaving_starts_the_timer_and_coming_back_cancels_it() {
    let mut m = machine(operational());
    m.handle(join(1), t(0));
    let out = m.handle(leave(0), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Operational, StateKind::ShutdownTimer, false)]
    );
    let out = m.handle(join(1), t(3));
    assert_eq!(m.state(), &operational());
    assert_eq!(
        out.actions,
        vec![Action::Announce(Notice::ShutdownAborted {
            by: Some(alice())
        })]
    );
}

#[test]
fn cancel_button_suspends_the_timer_until_someone_joins_again() {
    let mut m = machine(operational());
    m.handle(leave(0), t(0));
    let out = m.handle(Event::CancelShutdown { by: alice() }, t(1));
    assert_eq!(
        out.actions,
        vec![Action::Announce(Notice::ShutdownCancelled { by: alice() })]
    );
    // The channel is still empty: no new timer, even much later.
    assert!(m.handle(leave(0), t(2)).transitions.is_empty());
    assert!(m.handle(Event::Tick, t(100)).transitions.is_empty());
    // Someone joins and leaves again: the normal rule is back.
    m.handle(join(1), t(101));
    assert_eq!(m.state(), &operational());
    let out = m.handle(leave(0), t(102));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Operational, StateKind::ShutdownTimer, false)]
    );
}

#[test]
fn cancel_without_a_pending_timer_does_nothing() {
    for state in [State::Idle, operational(), State::Maintenance] {
        let mut m = machine(state.clone());
        let out = m.handle(Event::CancelShutdown { by: alice() }, t(1));
        assert_eq!(
            out,
            refused(state.kind(), Event::CancelShutdown { by: alice() })
        );
        assert_eq!(m.state(), &state);
    }
}

#[test]
fn due_timer_asks_for_a_fresh_probe_before_shutting_down() {
    let mut m = machine(operational());
    m.handle(Event::Observed(running(0)), t(0));
    m.handle(leave(0), t(0));
    assert!(m.handle(Event::Tick, t(9)).actions.is_empty());
    let out = m.handle(Event::Tick, t(10));
    assert_eq!(out.actions, vec![Action::Probe]);
    assert!(out.transitions.is_empty());
    let out = m.handle(Event::Observed(running(0)), t(10));
    assert_eq!(
        kinds(&out),
        vec![(
            StateKind::ShutdownTimer,
            StateKind::ShutdownInProgress,
            false
        )]
    );
    assert_eq!(
        out.actions,
        vec![
            Action::RequestShutdown,
            Action::Announce(Notice::ShuttingDown)
        ]
    );
    assert_eq!(m.state(), &State::ShutdownInProgress { deadline: t(15) });
}

#[test]
fn players_in_the_game_postpone_the_shutdown_and_it_is_announced_once() {
    let mut m = machine(operational());
    m.handle(leave(0), t(0));
    let out = m.handle(Event::Observed(running(2)), t(10));
    assert_eq!(
        out.actions,
        vec![Action::Announce(Notice::ShutdownPostponed {
            players: 2,
            delay: 10 * MIN
        })]
    );
    assert_eq!(
        m.state(),
        &State::ShutdownTimer {
            deadline: t(20),
            postponed: true
        }
    );
    let out = m.handle(Event::Observed(running(1)), t(20));
    assert!(out.actions.is_empty(), "announced twice: {out:?}");
    let out = m.handle(Event::Observed(running(0)), t(30));
    assert!(out.actions.contains(&Action::RequestShutdown));
}

#[test]
fn host_going_off_ends_the_shutdown_and_a_waiting_player_wakes_it_again() {
    let mut m = machine(State::ShutdownInProgress { deadline: t(5) });
    let out = m.handle(Event::Observed(running(0)), t(1));
    assert!(out.transitions.is_empty());
    let out = m.handle(Event::Observed(off()), t(2));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::ShutdownInProgress, StateKind::Idle, false)]
    );
    assert_eq!(out.actions, vec![Action::Announce(Notice::Off)]);

    let mut m = machine(State::ShutdownInProgress { deadline: t(5) });
    m.handle(join(1), t(1)); // ignored while going down
    assert_eq!(m.state().kind(), StateKind::ShutdownInProgress);
    let out = m.handle(Event::Observed(off()), t(2));
    assert_eq!(m.state().kind(), StateKind::StartupRequested);
    assert!(out.actions.contains(&Action::SendWake));
}

#[test]
fn shutdown_that_never_completes_or_fails_is_an_error() {
    let mut m = machine(State::ShutdownInProgress { deadline: t(5) });
    let out = m.handle(Event::Tick, t(5));
    assert_eq!(m.state().kind(), StateKind::Error);
    assert!(matches!(&out.actions[0], Action::AlertAdmin(why) if why.contains("still answers")));

    let mut m = machine(State::ShutdownInProgress { deadline: t(5) });
    let out = m.handle(Event::ShutdownFailed("HTTP 500".into()), t(1));
    assert_eq!(m.state().kind(), StateKind::Error);
    assert!(matches!(&out.actions[0], Action::AlertAdmin(why) if why.contains("HTTP 500")));
}

#[test]
fn restarted_bot_finds_the_server_running() {
    let mut m = machine(State::Idle);
    let out = m.handle(Event::Observed(running(3)), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Idle, StateKind::Operational, true)]
    );
    assert!(out.actions.is_empty());
}

#[test]
fn host_powered_on_by_hand_is_monitored() {
    let mut m = machine(State::Idle);
    let out = m.handle(Event::Observed(booting()), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Idle, StateKind::StartupMonitoring, true)]
    );
}

#[test]
fn host_powered_off_by_hand_is_idle() {
    for state in [
        operational(),
        State::ShutdownTimer {
            deadline: t(10),
            postponed: false,
        },
    ] {
        let mut m = machine(state);
        let out = m.handle(Event::Observed(off()), t(1));
        assert_eq!(m.state(), &State::Idle);
        assert!(out.transitions[0].reconciled);
    }
}

#[test]
fn operational_host_refusing_the_token_is_an_error() {
    let mut m = machine(operational());
    let obs = Observation {
        host: HostObservation::Refused("401".into()),
        game: GameObservation::Online {
            players: 0,
            max: 20,
            version: "1.21.4".into(),
        },
    };
    let out = m.handle(Event::Observed(obs), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Operational, StateKind::Error, false)]
    );
}

#[test]
fn error_recovers_from_what_the_machine_shows() {
    let err = State::Error { reason: "x".into() };
    let mut m = machine(err.clone());
    let out = m.handle(Event::Observed(off()), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Error, StateKind::Idle, false)]
    );

    let mut m = machine(err.clone());
    let out = m.handle(Event::Observed(running(0)), t(1));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Error, StateKind::Operational, true)]
    );

    let mut m = machine(err.clone());
    let obs = Observation {
        host: HostObservation::Refused("401".into()),
        game: GameObservation::Offline,
    };
    assert!(m.handle(Event::Observed(obs), t(1)).transitions.is_empty());
    assert_eq!(m.state(), &err);
}

#[test]
fn maintenance_takes_no_automatic_action() {
    let mut m = machine(State::Maintenance);
    for event in [
        join(1),
        leave(0),
        Event::Observed(running(0)),
        Event::Observed(off()),
        Event::Tick,
    ] {
        let out = m.handle(event, t(1));
        assert_eq!(out, Outcome::default());
    }
    assert_eq!(m.state(), &State::Maintenance);
}

#[test]
fn every_state_survives_serialization() {
    let states = [
        State::Idle,
        State::StartupRequested { by: Some(alice()) },
        State::StartupMonitoring {
            by: None,
            deadline: t(3),
        },
        operational(),
        State::Operational {
            auto_shutdown: AutoShutdown::Suspended { by: alice() },
        },
        State::ShutdownTimer {
            deadline: t(4),
            postponed: true,
        },
        State::ShutdownInProgress { deadline: t(5) },
        State::Error {
            reason: "boom".into(),
        },
        State::Maintenance,
    ];
    for state in states {
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            serde_json::from_str::<State>(&json).unwrap(),
            state,
            "{json}"
        );
    }
}

/// A tiny deterministic generator, so the random walk below is repeatable.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Whatever happens, in any order: only table transitions (or explicit
/// reconciliations), no wake without an authorized player in voice, and no
/// shutdown while someone is in voice or in the game.
#[test]
fn random_walks_keep_the_safety_rules() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for walk in 0..2_000 {
        let mut m = machine(State::Idle);
        let mut now = t(0);
        for _ in 0..60 {
            now = now.after(Duration::from_secs(rng.next(900)));
            let event = match rng.next(9) {
                0 => join(1 + rng.next(3) as u32),
                1 => leave(0),
                2 => Event::Observed(running(rng.next(3) as u32)),
                3 => Event::Observed(booting()),
                4 => Event::Observed(off()),
                5 => Event::Tick,
                6 => Event::WakeSent,
                7 => Event::CancelShutdown { by: alice() },
                _ => Event::ShutdownFailed("x".into()),
            };
            let out = m.handle(event.clone(), now);
            for tr in &out.transitions {
                assert!(
                    tr.reconciled || tr.admin || tr.from.can_go_to(tr.to),
                    "walk {walk}: illegal {tr:?} on {event:?}"
                );
            }
            if out.actions.contains(&Action::SendWake) {
                assert!(
                    m.presence().unwrap_or(0) > 0,
                    "walk {walk}: wake for nobody"
                );
            }
            if out.actions.contains(&Action::RequestShutdown) {
                assert_eq!(
                    m.presence(),
                    Some(0),
                    "walk {walk}: shutdown with players in voice"
                );
                let obs = m.last_observation().expect("shutdown without any probe");
                assert_eq!(
                    obs.players_online().unwrap_or(0),
                    0,
                    "walk {walk}: shutdown with players in the game"
                );
            }
        }
    }
}

#[test]
fn wake_command_starts_an_idle_host_and_says_otherwise_why_not() {
    let mut m = machine(State::Idle);
    let out = m.handle(Event::WakeRequested { by: alice() }, t(1));
    assert_eq!(
        out.actions,
        vec![
            Action::SendWake,
            Action::Announce(Notice::StartupRequested { by: Some(alice()) })
        ]
    );
    assert_eq!(out.refused, None);
    // Already starting: nothing more, and the caller is told why.
    let out = m.handle(Event::WakeRequested { by: alice() }, t(2));
    assert_eq!(
        out,
        refused(
            StateKind::StartupRequested,
            Event::WakeRequested { by: alice() }
        )
    );
    for state in [operational(), State::Maintenance] {
        let mut m = machine(state);
        let kind = m.state().kind();
        assert_eq!(
            m.handle(Event::WakeRequested { by: alice() }, t(1)),
            refused(kind, Event::WakeRequested { by: alice() })
        );
    }
}

/// An outcome that changed nothing because `event` was refused in `from`.
fn refused(from: StateKind, event: Event) -> Outcome {
    Outcome {
        refused: Some(Refused { from, event }),
        ..Outcome::default()
    }
}

/// "Shutdown now" in a state where there is nothing to shut down used to
/// be a silent no-op: the caller (the admin page) could only guess why.
#[test]
fn a_refused_request_is_reported_with_the_state_that_refused_it() {
    for state in [
        State::Idle,
        State::Maintenance,
        State::Error { reason: "x".into() },
        State::ShutdownInProgress { deadline: t(5) },
    ] {
        let mut m = machine(state.clone());
        let out = m.handle(Event::AdminShutdown, t(1));
        assert_eq!(
            out,
            refused(state.kind(), Event::AdminShutdown),
            "{state:?}"
        );
        assert_eq!(m.state(), &state, "a refusal changes nothing");
    }
    let mut m = machine(operational());
    let out = m.handle(Event::CancelShutdown { by: alice() }, t(1));
    assert_eq!(
        out.refused,
        Some(Refused {
            from: StateKind::Operational,
            event: Event::CancelShutdown { by: alice() }
        })
    );
    // Not requests: nothing is refused when they change nothing.
    assert_eq!(m.handle(Event::Tick, t(2)).refused, None);
    let mut m = machine(State::Maintenance);
    assert_eq!(
        m.handle(Event::AdminMaintenance(true), t(1)),
        Outcome::default()
    );
    let mut m = machine(State::Idle);
    assert_eq!(
        m.handle(Event::AdminMaintenance(false), t(1)),
        Outcome::default()
    );
}

#[test]
fn admin_maintenance_overrides_any_state_and_suspends_everything() {
    let mut m = machine(operational());
    let out = m.handle(Event::AdminMaintenance(true), t(1));
    assert_eq!(m.state(), &State::Maintenance);
    assert!(out.transitions[0].admin && !out.transitions[0].reconciled);
    assert_eq!(m.handle(leave(0), t(2)), Outcome::default());
    let out = m.handle(Event::AdminMaintenance(false), t(3));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Maintenance, StateKind::Idle, false)]
    );
    assert_eq!(out.actions, vec![Action::Probe]);
}

#[test]
fn admin_shutdown_goes_through_the_timer_at_once() {
    let mut m = machine(operational());
    m.handle(join(1), t(0));
    let out = m.handle(Event::AdminShutdown, t(1));
    assert_eq!(
        kinds(&out),
        vec![
            (StateKind::Operational, StateKind::ShutdownTimer, false),
            (
                StateKind::ShutdownTimer,
                StateKind::ShutdownInProgress,
                false
            )
        ]
    );
    assert!(out.actions.contains(&Action::RequestShutdown));
    assert_eq!(out.refused, None);
}

#[test]
fn players_in_the_game_keep_the_server_on_like_voice() {
    let mut m = machine(operational());
    m.handle(Event::GamePlayers { count: 1 }, t(0));
    // The last one leaves voice; a player is still in the game through
    // the front door: no timer.
    let out = m.handle(leave(0), t(1));
    assert!(out.transitions.is_empty(), "{out:?}");
    assert_eq!(m.game_players(), 1);
    // The game empties too: now the timer starts.
    let out = m.handle(Event::GamePlayers { count: 0 }, t(2));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::Operational, StateKind::ShutdownTimer, false)]
    );
    // Someone logs in through the front door during the timer: aborted.
    let out = m.handle(Event::GamePlayers { count: 1 }, t(3));
    assert_eq!(
        kinds(&out),
        vec![(StateKind::ShutdownTimer, StateKind::Operational, false)]
    );
    assert!(out
        .actions
        .contains(&Action::Announce(Notice::ShutdownAborted { by: None })));
}

#[test]
fn game_players_never_wake_a_sleeping_host() {
    let mut m = machine(State::Idle);
    let out = m.handle(Event::GamePlayers { count: 3 }, t(0));
    assert_eq!(out, Outcome::default());
}
