//! The season at a glance: phase, day count, open votes and actions,
//! the living and the dead, the mayor.

use super::support::*;
use crate::game::summary::{summary, OpenVote, SummaryPhase};
use crate::game::*;

#[test]
fn registration_has_players_but_no_day() {
    let w = World::new(3);
    let s = summary(&w.season, at(0, 8, 45));
    assert_eq!(s.phase, SummaryPhase::Registration);
    assert_eq!(s.day, None);
    assert_eq!((s.living, s.dead, s.total), (3, 0, 3));
    assert!(s.open_votes.is_empty());
    assert_eq!((s.open_actions, s.mayor), (0, None));
}

#[test]
fn the_day_counts_whole_days_since_launch_through_the_weekend() {
    let mut w = World::new(2);
    w.launch(); // Monday 9:00
    let day = |d, h, m| summary(&w.season, at(d, h, m)).day;
    assert_eq!(day(0, 9, 0), Some(1));
    assert_eq!(day(1, 8, 59), Some(1));
    assert_eq!(day(1, 9, 0), Some(2));
    // Saturday, inside the weekend pause: still counted.
    assert_eq!(day(5, 12, 0), Some(6));
    assert_eq!(day(7, 9, 0), Some(8));
    assert_eq!(summary(&w.season, at(0, 9, 0)).phase, SummaryPhase::Running);
    // A clock behind the launch is day 1, never a wrap.
    assert_eq!(day(0, 8, 0), Some(1));
}

#[test]
fn open_votes_actions_deaths_and_the_mayor_are_counted() {
    let mut w = World::new(4);
    w.role(1, "voyante");
    w.launch();
    let closes = at(1, 18, 0);
    w.game()
        .open_vote(VoteKind::Cond, Some(closes), None, at(1, 10, 0))
        .unwrap();
    w.game()
        .open_vote(VoteKind::Loups, None, None, at(1, 10, 0))
        .unwrap();
    w.game().vote(2, VoteKind::Cond, 3, at(1, 11, 0)).unwrap();
    let voyance = w.action(1, "voyance");
    w.game().open_action(voyance, at(1, 19, 0)).unwrap();
    w.game().kill(4, at(1, 19, 30)).unwrap();
    w.season.maire = Some(2);

    let s = summary(&w.season, at(1, 20, 0));
    assert_eq!(
        s.open_votes,
        vec![
            OpenVote {
                kind: VoteKind::Cond,
                closes_at: Some(closes),
                voted: 1,
                // The dead player's ballot no longer counts.
                voters: 3,
            },
            // Nobody holds the wolves' flag: open, no ballot, no end.
            OpenVote {
                kind: VoteKind::Loups,
                closes_at: None,
                voted: 0,
                voters: 0,
            },
        ]
    );
    assert_eq!(s.open_actions, 1, "the seer's power, votes apart");
    assert_eq!((s.living, s.dead, s.total), (3, 1, 4));
    assert_eq!(s.mayor.as_deref(), Some("Bruno"));

    w.game().close_vote(VoteKind::Cond, closes);
    let s = summary(&w.season, closes);
    assert_eq!(s.open_votes.len(), 1);
    assert_eq!(s.open_votes[0].kind, VoteKind::Loups);
}

#[test]
fn an_ended_season_says_so_and_survives_serde() {
    let mut w = World::new(2);
    w.launch();
    w.game().end(at(3, 12, 0)).unwrap();
    let s = summary(&w.season, at(4, 0, 0));
    assert_eq!((s.phase, s.day), (SummaryPhase::Ended, None));
    let json = serde_json::to_string(&s).unwrap();
    let back: crate::game::summary::SeasonSummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}
