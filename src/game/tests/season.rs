//! Registration, MJ edits, launch and end, death and revival.

use super::support::*;
use crate::game::catalogue::NONATTR;
use crate::game::season::Flags;
use crate::game::*;

#[test]
fn registration_uses_lg_rez_defaults_and_refuses_twice() {
    let mut w = World::new(1);
    let p = w.season.player(1).unwrap().clone();
    assert_eq!((p.role.as_str(), p.camp.as_str()), (NONATTR, NONATTR));
    assert!(p.votant_village && !p.votant_loups && !p.role_actif);
    assert_eq!(p.statut, Statut::Vivant);
    assert_eq!(
        w.game().register(1, "Alice", None, at(0, 9, 0)),
        Err(GameError::AlreadyRegistered(1))
    );
    let out = w
        .game()
        .register(2, " Bruno ", Some("12"), at(0, 9, 0))
        .unwrap();
    assert_eq!(out, [Decision::PlayerRegistered { player: 2 }]);
    assert_eq!(w.season.player(2).unwrap().name, "Bruno");
    assert_eq!(w.season.player(2).unwrap().chambre.as_deref(), Some("12"));
}

#[test]
fn a_role_change_archives_the_old_actions_and_creates_the_new_with_base_charges() {
    let mut w = World::new(2);
    w.role(1, "voyante");
    let old = w.action(1, "voyance");
    let out = w.game().set_role(1, "sorciere", at(0, 9, 0)).unwrap();
    let new = w.action(1, "poison");
    assert!(out.contains(&Decision::ActionArchived {
        player: 1,
        action: old
    }));
    assert!(out.contains(&Decision::ActionCreated {
        player: 1,
        action: new
    }));
    assert!(!w.act(old).active);
    assert_eq!(w.act(new).charges, Some(1));
    assert_eq!(
        w.game().set_role(1, "boulanger", at(0, 9, 0)),
        Err(GameError::UnknownRole("boulanger".into()))
    );
    assert_eq!(
        w.game().set_camp(1, "hameau"),
        Err(GameError::UnknownCamp("hameau".into()))
    );
    w.game().set_camp(1, "loups").unwrap();
    assert_eq!(w.season.player(1).unwrap().camp, "loups");
    // During the season a new temporel power is armed at once.
    w.launch();
    let out = w.game().set_role(2, "voyante", at(0, 12, 0)).unwrap();
    let v = w.action(2, "voyance");
    assert_eq!(
        scheduled(&out),
        [(at(0, 19, 0), Task::OpenAction { action: v })]
    );
}

#[test]
fn launch_gives_three_votes_and_schedules_the_days_and_end_drops_everything() {
    let mut w = World::new(2);
    let out = w.launch();
    assert_eq!(out[0], Decision::SeasonLaunched);
    for kind in VoteKind::ALL {
        assert!(w.season.vote_action(1, kind).is_some());
    }
    let t = |h, m| ClockTime::new(h, m).unwrap();
    assert_eq!(
        scheduled(&out),
        [
            (
                at(0, 10, 0),
                Task::OpenVote {
                    kind: VoteKind::Cond,
                    close: Some(t(18, 0)),
                    chain: Some(t(10, 0))
                }
            ),
            (
                at(0, 19, 0),
                Task::OpenVote {
                    kind: VoteKind::Loups,
                    close: Some(t(23, 0)),
                    chain: Some(t(19, 0))
                }
            ),
            (
                at(0, 10, 0),
                Task::OpenVote {
                    kind: VoteKind::Maire,
                    close: Some(t(17, 0)),
                    chain: None
                }
            ),
            (at(0, 18, 50), Task::Hype),
            (
                at(0, 19, 0),
                Task::Fire {
                    trigger: Trigger::Start
                }
            ),
            (
                at(0, 19, 0),
                Task::Fire {
                    trigger: Trigger::Perma
                }
            ),
        ]
    );
    assert_eq!(w.game().launch(at(0, 9, 1)), Err(GameError::WrongPhase));
    let out = w.game().end(at(9, 12, 0)).unwrap();
    assert_eq!(out, [Decision::DropAllTasks, Decision::SeasonEnded]);
    assert_eq!(w.season.phase, Phase::Ended { at: at(9, 12, 0) });
    assert_eq!(
        w.game().register(9, "Ivan", None, at(9, 13, 0)),
        Err(GameError::WrongPhase)
    );
}

#[test]
fn a_launch_on_friday_evening_waits_for_the_pause_to_end() {
    let mut w = World::new(1);
    let out = w.game().launch(at(4, 20, 0)).unwrap();
    let s = scheduled(&out);
    assert_eq!(s[0].0, at(7, 10, 0), "pyre on Monday");
    assert_eq!(s[1].0, at(6, 19, 0), "wolves on Sunday evening");
}

#[test]
fn a_death_swaps_roles_clears_flags_and_opens_only_the_dead_players_mort_actions() {
    let mut w = World::new(3);
    w.role(1, "chasseur");
    w.role(2, "chasseur");
    w.game()
        .set_flags(
            1,
            Flags {
                votant_loups: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    w.launch();
    let tir = w.action(1, "tir");
    let other = w.action(2, "tir");
    let out = w.game().kill(1, at(1, 10, 0)).unwrap();
    assert_eq!(
        out[0],
        Decision::LifeRole {
            player: 1,
            alive: false
        }
    );
    assert_eq!(
        out[1],
        Decision::Enfer {
            player: 1,
            access: true
        }
    );
    assert!(out.contains(&Decision::ActionOpened {
        player: 1,
        action: tir,
        closes_at: Some(at(1, 11, 0))
    }));
    assert!(w.act(other).uses.is_empty());
    let p = w.season.player(1).unwrap();
    assert!(!p.votant_village && !p.votant_loups);
    // The hunter shoots from the grave; others' votes see him dead.
    w.game()
        .decide(1, tir, vec![target("cible", 3)], at(1, 10, 30))
        .unwrap();
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    assert_eq!(
        w.game().vote(1, VoteKind::Cond, 2, at(1, 10, 40)),
        Err(GameError::Dead(1))
    );
}

#[test]
fn a_vote_cast_before_dying_still_counts() {
    let mut w = World::new(3);
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    w.game().haro(1, 2, at(1, 10, 1)).unwrap();
    w.game().vote(3, VoteKind::Cond, 2, at(1, 11, 0)).unwrap();
    w.game().kill(3, at(1, 12, 0)).unwrap();
    w.game().close_vote(VoteKind::Cond, at(1, 18, 0));
    assert_eq!(
        w.game().plot(VoteKind::Cond, at(1, 0, 0)).result,
        TallyResult::Leader(2)
    );
}

#[test]
fn revival_swaps_back_and_the_undead_keep_the_alive_role() {
    let mut w = World::new(2);
    w.launch();
    w.game().kill(1, at(1, 10, 0)).unwrap();
    let out = w
        .game()
        .set_statut(1, Statut::Vivant, at(1, 11, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::LifeRole {
                player: 1,
                alive: true
            },
            Decision::Enfer {
                player: 1,
                access: false
            },
            Decision::PlayerChanged { player: 1 },
        ]
    );
    let out = w
        .game()
        .set_statut(2, Statut::MortVivant, at(1, 11, 0))
        .unwrap();
    assert_eq!(out, [Decision::PlayerChanged { player: 2 }]);
    assert!(w.season.player(2).unwrap().statut.is_alive());
}

#[test]
fn a_death_archives_thin_boudoirs_and_hands_over_the_dead_gerants() {
    let mut w = World::new(4);
    w.launch();
    let (pair, _) = w.game().mp(1, 2, at(1, 9, 0)).unwrap();
    let (trio, _) = w.game().create_boudoir(1, "Conseil", at(1, 9, 0)).unwrap();
    w.game().invite(1, trio, 4, at(1, 9, 10)).unwrap();
    w.game().invite(1, trio, 3, at(1, 9, 5)).unwrap();
    let (other, _) = w.game().create_boudoir(3, "Ailleurs", at(1, 9, 0)).unwrap();
    w.game().invite(3, other, 4, at(1, 9, 0)).unwrap();
    let out = w.game().kill(1, at(1, 12, 0)).unwrap();
    assert!(out.contains(&Decision::BoudoirArchived { boudoir: pair }));
    // Chloé joined before David: she is the longest-standing living member.
    assert!(out.contains(&Decision::BoudoirGerant {
        boudoir: trio,
        player: 3
    }));
    assert!(!out
        .iter()
        .any(|d| matches!(d, Decision::BoudoirArchived { boudoir } if *boudoir == other)));
    assert!(w.season.boudoir(pair).unwrap().archived);
    assert_eq!(w.season.boudoir(trio).unwrap().gerant(), Some(3));
}

#[test]
fn the_whole_season_survives_a_serde_round_trip() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    w.launch();
    w.game()
        .open_vote(VoteKind::Cond, Some(at(0, 18, 0)), None, at(0, 10, 0))
        .unwrap();
    w.game().haro(1, 2, at(0, 10, 1)).unwrap();
    w.game().vote(3, VoteKind::Cond, 2, at(0, 10, 2)).unwrap();
    w.game().create_boudoir(2, "Coin", at(0, 11, 0)).unwrap();
    w.game().kill(3, at(0, 12, 0)).unwrap();
    let json = serde_json::to_string(&w.season).unwrap();
    let back: Season = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w.season);
    assert!(
        json.contains("\"statut\":\"mort\""),
        "French statut names: {json}"
    );
    let task = Task::CloseVote {
        kind: VoteKind::Cond,
        chain: None,
    };
    let t: Task = serde_json::from_str(&serde_json::to_string(&task).unwrap()).unwrap();
    assert_eq!(t, task);
}
