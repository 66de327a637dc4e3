//! Votes: opening, eligibility, window re-check, overwrite, close, chains.

use super::support::*;
use crate::game::season::Flags;
use crate::game::*;

fn opened(out: &[Decision]) -> Vec<PlayerId> {
    out.iter()
        .filter_map(|d| match d {
            Decision::VoteOpened { player, .. } => Some(*player),
            _ => None,
        })
        .collect()
}

#[test]
fn opening_gives_flagged_living_players_one_use_and_repeats_harmlessly() {
    let mut w = World::new(4);
    w.launch();
    w.game()
        .set_flags(
            2,
            Flags {
                votant_loups: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    w.game()
        .set_flags(
            3,
            Flags {
                votant_village: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
    let out = w
        .game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    assert_eq!(opened(&out), [1, 2, 4]);
    let out = w
        .game()
        .open_vote(VoteKind::Loups, None, None, at(1, 19, 0))
        .unwrap();
    assert_eq!(opened(&out), [2]);
    let again = w
        .game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 5))
        .unwrap();
    assert!(opened(&again).is_empty(), "{again:?}");
    assert!(!again.contains(&Decision::Wiped {
        kind: CandidHaroKind::Haro
    }));
}

#[test]
fn opening_the_pyre_wipes_haros_and_the_mayor_vote_candidatures() {
    let mut w = World::new(3);
    w.launch();
    let g = &mut w.game();
    let out = g
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    assert!(out.contains(&Decision::Wiped {
        kind: CandidHaroKind::Haro
    }));
    g.haro(1, 2, at(1, 11, 0)).unwrap();
    g.open_vote(VoteKind::Maire, None, None, at(1, 10, 0))
        .unwrap();
    g.candid(3, at(1, 11, 0)).unwrap();
    g.close_vote(VoteKind::Cond, at(1, 18, 0));
    g.close_vote(VoteKind::Maire, at(1, 18, 0));
    assert!(g.season.has_entry(2, CandidHaroKind::Haro));
    g.open_vote(VoteKind::Maire, None, None, at(2, 10, 0))
        .unwrap();
    assert!(!g.season.has_entry(3, CandidHaroKind::Candidature));
    assert!(
        g.season.has_entry(2, CandidHaroKind::Haro),
        "the mayor vote keeps haros"
    );
    g.open_vote(VoteKind::Cond, None, None, at(2, 10, 0))
        .unwrap();
    assert!(!g.season.has_entry(2, CandidHaroKind::Haro));
}

#[test]
fn a_vote_needs_a_living_flagged_voter_an_open_window_and_a_living_target() {
    let mut w = World::new(4);
    w.launch();
    let now = at(1, 11, 0);
    assert_eq!(
        w.game().vote(1, VoteKind::Cond, 2, now),
        Err(GameError::VoteNotOpen(VoteKind::Cond))
    );
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    w.game().kill(4, now).unwrap();
    assert_eq!(
        w.game().vote(4, VoteKind::Cond, 2, now),
        Err(GameError::Dead(4))
    );
    assert_eq!(
        w.game().vote(1, VoteKind::Cond, 4, now),
        Err(GameError::DeadTarget(4))
    );
    assert_eq!(
        w.game().vote(1, VoteKind::Cond, 99, now),
        Err(GameError::UnknownPlayer(99))
    );
    assert_eq!(
        w.game().vote(1, VoteKind::Loups, 2, now),
        Err(GameError::NoVoteRight {
            player: 1,
            kind: VoteKind::Loups
        })
    );
    assert!(w.game().vote(1, VoteKind::Cond, 2, now).is_ok());
}

#[test]
fn the_window_is_rechecked_when_saving() {
    let mut w = World::new(2);
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, Some(at(1, 18, 0)), None, at(1, 10, 0))
        .unwrap();
    w.game().haro(1, 2, at(1, 10, 30)).unwrap();
    // The prompt was shown before the close...
    assert!(w
        .game()
        .check_vote(1, VoteKind::Cond, 2, at(1, 17, 59))
        .is_ok());
    // ...and answered after it, before the close task ran.
    assert_eq!(
        w.game().vote(1, VoteKind::Cond, 2, at(1, 18, 0)),
        Err(GameError::VoteNotOpen(VoteKind::Cond))
    );
}

#[test]
fn an_ineligible_target_is_accepted_as_blank_and_a_haro_makes_both_eligible() {
    let mut w = World::new(3);
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    let blank = w.game().vote(1, VoteKind::Cond, 2, at(1, 10, 1)).unwrap();
    assert!(blank.counts_as_blank);
    w.game().haro(3, 2, at(1, 10, 2)).unwrap();
    assert!(
        !w.game()
            .check_vote(1, VoteKind::Cond, 2, at(1, 10, 3))
            .unwrap()
            .counts_as_blank
    );
    assert!(
        !w.game()
            .check_vote(1, VoteKind::Cond, 3, at(1, 10, 3))
            .unwrap()
            .counts_as_blank
    );
    // One entry of each kind per player, however many haros.
    w.game().haro(1, 2, at(1, 10, 4)).unwrap();
    w.game().haro(3, 2, at(1, 10, 5)).unwrap();
    let haros = w
        .season
        .candid_haro
        .iter()
        .filter(|e| e.player == 2)
        .count();
    assert_eq!(haros, 1);
    // The wolves' vote has no eligibility.
    assert!(!w
        .game()
        .check_vote(2, VoteKind::Loups, 1, at(1, 10, 6))
        .map(|c| c.counts_as_blank)
        .unwrap_or(false));
}

#[test]
fn a_haro_refuses_the_dead_and_the_immortal_and_needs_the_pyre_vote() {
    let mut w = World::new(3);
    w.launch();
    assert_eq!(
        w.game().haro(1, 2, at(1, 9, 0)),
        Err(GameError::VoteNotOpen(VoteKind::Cond))
    );
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    w.game()
        .set_statut(2, Statut::Immortel, at(1, 10, 0))
        .unwrap();
    w.game().kill(3, at(1, 10, 0)).unwrap();
    assert_eq!(
        w.game().haro(1, 2, at(1, 11, 0)),
        Err(GameError::ImmortalTarget(2))
    );
    assert_eq!(
        w.game().haro(1, 3, at(1, 11, 0)),
        Err(GameError::DeadTarget(3))
    );
    assert_eq!(w.game().haro(3, 1, at(1, 11, 0)), Err(GameError::Dead(3)));
    assert!(w.season.candid_haro.is_empty());
}

#[test]
fn a_candidature_is_once_each_during_the_mayor_vote() {
    let mut w = World::new(2);
    w.launch();
    assert!(w.game().candid(1, at(1, 9, 0)).is_err());
    w.game()
        .open_vote(VoteKind::Maire, None, None, at(1, 10, 0))
        .unwrap();
    w.game().candid(1, at(1, 10, 1)).unwrap();
    assert_eq!(
        w.game().candid(1, at(1, 10, 2)),
        Err(GameError::AlreadyEntered(1))
    );
    assert_eq!(w.game().wipe(CandidHaroKind::Candidature).len(), 1);
    assert!(w.season.candid_haro.is_empty());
}

#[test]
fn votes_are_overwritten_until_the_close_which_validates_or_ignores() {
    let mut w = World::new(3);
    w.launch();
    let g = &mut w.game();
    g.open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    g.vote(1, VoteKind::Cond, 2, at(1, 11, 0)).unwrap();
    g.vote(1, VoteKind::Cond, 3, at(1, 12, 0)).unwrap();
    let out = g.close_vote(VoteKind::Cond, at(1, 18, 0));
    assert!(out.contains(&Decision::VoteClosed {
        kind: VoteKind::Cond,
        player: 1,
        vote: Some(3)
    }));
    assert!(out.contains(&Decision::VoteClosed {
        kind: VoteKind::Cond,
        player: 2,
        vote: None
    }));
    let a1 = g.season.vote_action(1, VoteKind::Cond).unwrap();
    assert!(matches!(a1.uses[0].state, UtilState::Validee { .. }));
    let a2 = g.season.vote_action(2, VoteKind::Cond).unwrap();
    assert!(matches!(a2.uses[0].state, UtilState::Ignoree { .. }));
    // Closing again is harmless; voting now is refused.
    assert!(g.close_vote(VoteKind::Cond, at(1, 18, 1)).is_empty());
    assert!(g.vote(1, VoteKind::Cond, 2, at(1, 18, 2)).is_err());
}

#[test]
fn reminders_go_only_to_those_who_have_not_voted() {
    let mut w = World::new(3);
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    w.game().vote(1, VoteKind::Cond, 2, at(1, 11, 0)).unwrap();
    let out = w.game().remind_vote(VoteKind::Cond);
    assert_eq!(
        out,
        [
            Decision::VoteReminded {
                kind: VoteKind::Cond,
                player: 2
            },
            Decision::VoteReminded {
                kind: VoteKind::Cond,
                player: 3
            }
        ]
    );
}

#[test]
fn a_chained_vote_schedules_its_reminder_close_and_next_opening_past_the_pause() {
    let mut w = World::new(2);
    w.launch();
    let task = Task::OpenVote {
        kind: VoteKind::Cond,
        close: Some(ClockTime::new(18, 0).unwrap()),
        chain: Some(ClockTime::new(10, 0).unwrap()),
    };
    // Friday 10:00.
    let out = w.game().run(&task, at(4, 10, 0)).unwrap();
    let window = Window {
        open: ClockTime::new(10, 0).unwrap(),
        close: ClockTime::new(18, 0).unwrap(),
    };
    assert_eq!(
        scheduled(&out),
        [
            (
                at(4, 17, 30),
                Task::RemindVote {
                    kind: VoteKind::Cond
                }
            ),
            (
                at(4, 18, 0),
                Task::CloseVote {
                    kind: VoteKind::Cond,
                    chain: Some(window)
                }
            ),
        ]
    );
    let out = w
        .game()
        .run(
            &Task::CloseVote {
                kind: VoteKind::Cond,
                chain: Some(window),
            },
            at(4, 18, 0),
        )
        .unwrap();
    // Saturday and Sunday 10:00 are in the pause: next Monday.
    assert_eq!(scheduled(&out), [(at(7, 10, 0), task)]);
}

#[test]
fn the_wolves_vote_opens_and_closes_the_actions_on_its_triggers() {
    let mut w = World::new(3);
    w.role(1, "sorciere");
    w.launch();
    let poison = w.action(1, "poison");
    let out = w
        .game()
        .open_vote(VoteKind::Loups, None, None, at(0, 19, 0))
        .unwrap();
    assert!(out.contains(&Decision::ActionOpened {
        player: 1,
        action: poison,
        closes_at: None
    }));
    // Nobody votes with the wolves by default: the triggers fire anyway,
    // once each way.
    assert!(w.game().vote_is_open(VoteKind::Loups));
    let out = w.game().close_vote(VoteKind::Loups, at(0, 23, 0));
    assert_eq!(
        out,
        [Decision::ActionClosed {
            player: 1,
            action: poison,
            decided: false
        }]
    );
    assert!(w
        .game()
        .close_vote(VoteKind::Loups, at(0, 23, 1))
        .is_empty());
}
