//! The tally: eligibility, modifiers, ranking, ties and the MJ's choice.

use super::support::*;
use crate::game::*;

/// Opens the pyre vote Tuesday 10:00 with haros against `accused` (by
/// player 1), casts `votes` (voter, target) and closes it at 18:00.
fn pyre(w: &mut World, accused: &[PlayerId], votes: &[(PlayerId, PlayerId)]) -> Tally {
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    for t in accused {
        w.game().haro(1, *t, at(1, 10, 5)).unwrap();
    }
    for (v, t) in votes {
        w.game().vote(*v, VoteKind::Cond, *t, at(1, 12, 0)).unwrap();
    }
    w.game().close_vote(VoteKind::Cond, at(1, 18, 0));
    let since = w.game().midnight(at(1, 18, 30));
    assert_eq!(since, at(1, 0, 0));
    w.game().plot(VoteKind::Cond, since)
}

#[test]
fn only_eligible_targets_count_and_the_rest_is_blank() {
    let mut w = World::new(5);
    w.launch();
    // Haro by 1 against 2: 1 and 2 are eligible, 3 is not.
    let t = pyre(&mut w, &[2], &[(1, 2), (2, 1), (3, 2), (4, 3), (5, 3)]);
    assert_eq!(t.result, TallyResult::Leader(2));
    let lines: Vec<(PlayerId, u32)> = t.counts.iter().map(|c| (c.target, c.votes)).collect();
    assert_eq!(lines, [(2, 2), (1, 1)]);
    assert_eq!(t.blank, [4, 5]);
    assert_eq!(t.counts[0].voters, [1, 3]);
}

#[test]
fn a_tie_is_sorted_by_name_and_hints_at_the_mayors_vote() {
    let mut w = World::new(4);
    w.launch();
    w.season.maire = Some(4);
    let t = pyre(&mut w, &[2, 3], &[(1, 3), (2, 3), (3, 2), (4, 2)]);
    let names: Vec<&str> = t.counts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Bruno", "Chloé"], "equal counts in name order");
    assert_eq!(
        t.result,
        TallyResult::Tie {
            candidates: vec![2, 3],
            mayor_hint: Some(2)
        }
    );
    // The MJ may follow the mayor, or not, or choose nobody; never someone else.
    assert_eq!(
        w.game().conclude(&t, Some(1), at(1, 19, 0)),
        Err(GameError::NotACandidate(Some(1)))
    );
    let out = w.game().conclude(&t, Some(3), at(1, 19, 0)).unwrap();
    assert_eq!(
        out[0],
        Decision::Concluded {
            kind: VoteKind::Cond,
            chosen: Some(3)
        }
    );
    assert!(
        w.season.player(3).unwrap().statut.is_alive(),
        "the engine kills no one"
    );
    assert!(w.game().conclude(&t, None, at(1, 19, 0)).is_ok());
}

#[test]
fn a_tie_without_the_mayors_vote_has_no_hint_and_no_votes_is_nobody() {
    let mut w = World::new(5);
    w.launch();
    w.season.maire = Some(4);
    // The mayor's vote went to someone not accused: blank, no hint.
    let t = pyre(&mut w, &[2, 3], &[(1, 3), (3, 2), (4, 5)]);
    assert_eq!(t.blank, [4]);
    assert_eq!(
        t.result,
        TallyResult::Tie {
            candidates: vec![2, 3],
            mayor_hint: None
        }
    );

    let mut w = World::new(3);
    w.launch();
    let t = pyre(&mut w, &[2], &[]);
    assert_eq!(t.result, TallyResult::Nobody);
    assert_eq!(
        w.game().conclude(&t, Some(2), at(1, 19, 0)),
        Err(GameError::NotACandidate(Some(2)))
    );
}

#[test]
fn votes_decided_before_the_start_are_left_out() {
    let mut w = World::new(3);
    w.launch();
    let t = pyre(&mut w, &[2], &[(1, 2), (3, 2)]);
    assert_eq!(t.counts[0].votes, 2);
    assert_eq!(
        w.game().plot(VoteKind::Cond, at(1, 12, 1)).result,
        TallyResult::Nobody
    );
}

#[test]
fn vote_modifiers_move_a_vote_and_add_two() {
    let mut w = World::new(5);
    w.role(5, "corbeau");
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    w.game().haro(1, 2, at(1, 10, 5)).unwrap();
    w.game().haro(3, 4, at(1, 10, 6)).unwrap();
    for (v, t) in [(1, 2), (2, 4), (3, 2), (4, 2)] {
        w.game().vote(v, VoteKind::Cond, t, at(1, 12, 0)).unwrap();
    }
    let add = w.action(5, "ajout-vote");
    let modif = w.action(5, "modification-vote");
    w.game()
        .decide(5, add, vec![target("cible", 4)], at(1, 13, 0))
        .unwrap();
    w.game()
        .decide(
            5,
            modif,
            vec![target("votant", 3), target("cible", 4)],
            at(1, 13, 0),
        )
        .unwrap();
    w.game().close_vote(VoteKind::Cond, at(1, 18, 0));
    let t = w.game().plot(VoteKind::Cond, at(1, 0, 0));
    // 4: votes of 2 and (moved) 3, plus two; 2: votes of 1 and 4.
    let lines: Vec<(PlayerId, u32, u32)> = t
        .counts
        .iter()
        .map(|c| (c.target, c.votes, c.bonus))
        .collect();
    assert_eq!(lines, [(4, 4, 2), (2, 2, 0)]);
    assert_eq!(t.result, TallyResult::Leader(4));
}

#[test]
fn the_mayors_election_sets_the_mayor_and_the_pyre_opens_mot_mjs_actions() {
    let mut w = World::new(3);
    w.role(3, "pretre");
    w.launch();
    w.game()
        .open_vote(VoteKind::Maire, None, None, at(0, 10, 0))
        .unwrap();
    w.game().candid(2, at(0, 10, 1)).unwrap();
    w.game().vote(1, VoteKind::Maire, 2, at(0, 11, 0)).unwrap();
    w.game().close_vote(VoteKind::Maire, at(0, 17, 0));
    let t = w.game().plot(VoteKind::Maire, at(0, 0, 0));
    let out = w.game().conclude(&t, Some(2), at(0, 17, 30)).unwrap();
    assert_eq!(
        out,
        [
            Decision::Concluded {
                kind: VoteKind::Maire,
                chosen: Some(2)
            },
            Decision::Maire {
                player: 2,
                on: true
            }
        ]
    );
    assert_eq!(w.season.maire, Some(2));
    // The MJs hand the sash over: the former mayor loses the role.
    let out = w.game().set_maire(1, true).unwrap();
    assert_eq!(
        out,
        [
            Decision::Maire {
                player: 2,
                on: false
            },
            Decision::Maire {
                player: 1,
                on: true
            }
        ]
    );
    assert_eq!(w.season.maire, Some(1));
    w.game().set_maire(1, false).unwrap();
    assert_eq!(w.season.maire, None);
    assert_eq!(
        w.game().set_maire(99, true),
        Err(GameError::UnknownPlayer(99))
    );

    let t = pyre(&mut w, &[2], &[(1, 2)]);
    let sermon = w.action(3, "sermon");
    let out = w.game().conclude(&t, Some(2), at(1, 19, 0)).unwrap();
    assert!(out.contains(&Decision::ActionOpened {
        player: 3,
        action: sermon,
        closes_at: Some(at(1, 20, 0)),
    }));
}
