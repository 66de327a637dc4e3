//! The action engine: every trigger kind, cooldown, charges, refills,
//! slots, `doit_changer`, cancel, instant and the weekend pause.

use super::support::*;
use crate::game::*;

fn open(w: &mut World, id: ActionId, now: crate::time::Timestamp) -> Vec<Decision> {
    w.game().run(&Task::OpenAction { action: id }, now).unwrap()
}

#[test]
fn temporel_opens_reminds_closes_and_rearms_for_the_next_evening() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    let out = w.launch();
    let v = w.action(1, "voyance");
    assert!(scheduled(&out).contains(&(at(0, 19, 0), Task::OpenAction { action: v })));
    let out = open(&mut w, v, at(0, 19, 0));
    assert_eq!(
        out[0],
        Decision::ActionOpened {
            player: 1,
            action: v,
            closes_at: Some(at(1, 9, 0))
        }
    );
    let opened = at(0, 19, 0);
    assert_eq!(
        scheduled(&out),
        [
            (at(1, 8, 30), Task::RemindAction { action: v, opened }),
            (at(1, 9, 0), Task::CloseAction { action: v, opened }),
        ]
    );
    assert_eq!(
        open(&mut w, v, at(0, 19, 1)),
        [Decision::ActionReminded {
            player: 1,
            action: v
        }]
    );
    let remind = Task::RemindAction { action: v, opened };
    assert_eq!(w.game().run(&remind, at(1, 8, 30)).unwrap().len(), 1);
    w.game()
        .decide(1, v, vec![target("cible", 2)], at(0, 20, 0))
        .unwrap();
    assert!(
        w.game().run(&remind, at(1, 8, 30)).unwrap().is_empty(),
        "decided: no reminder"
    );
    let out = w
        .game()
        .run(&Task::CloseAction { action: v, opened }, at(1, 9, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::ActionClosed {
                player: 1,
                action: v,
                decided: true
            },
            Decision::Schedule {
                at: at(1, 19, 0),
                task: Task::OpenAction { action: v }
            },
        ]
    );
    assert!(matches!(w.last_use(v).state, UtilState::Validee { .. }));
    // A stale or repeated close does nothing.
    assert!(w
        .game()
        .run(&Task::CloseAction { action: v, opened }, at(1, 9, 1))
        .unwrap()
        .is_empty());
}

#[test]
fn temporel_rearming_skips_the_weekend_pause() {
    let mut w = World::new(2);
    w.role(1, "voyante");
    w.launch();
    let v = w.action(1, "voyance");
    open(&mut w, v, at(3, 19, 0));
    let out = w.game().close_action(v, None, at(4, 9, 0)).unwrap();
    // Friday and Saturday 19:00 are paused; Sunday 19:00 is the pause's end.
    assert_eq!(
        scheduled(&out),
        [(at(6, 19, 0), Task::OpenAction { action: v })]
    );
    assert!(matches!(w.last_use(v).state, UtilState::Ignoree { .. }));
}

#[test]
fn a_blocked_role_skips_and_rearms() {
    let mut w = World::new(2);
    w.game().set_role(1, "voyante", at(0, 8, 0)).unwrap();
    w.launch();
    let v = w.action(1, "voyance");
    let out = open(&mut w, v, at(0, 19, 0));
    assert_eq!(
        out,
        [
            Decision::ActionSkipped {
                player: 1,
                action: v,
                reason: SkipReason::RoleInactive
            },
            Decision::Schedule {
                at: at(1, 19, 0),
                task: Task::OpenAction { action: v }
            },
        ]
    );
    assert!(w.act(v).uses.is_empty());
}

#[test]
fn delta_closes_after_its_duration() {
    let mut w = World::new(2);
    w.role(1, "forgeron");
    w.launch();
    let f = w.action(1, "forge");
    let out = open(&mut w, f, at(1, 10, 0));
    assert_eq!(
        out[0],
        Decision::ActionOpened {
            player: 1,
            action: f,
            closes_at: Some(at(1, 12, 0))
        }
    );
    assert!(scheduled(&out).contains(&(
        at(1, 12, 0),
        Task::CloseAction {
            action: f,
            opened: at(1, 10, 0)
        }
    )));
}

#[test]
fn a_cooldown_skips_the_next_openings() {
    let mut w = World::new(3);
    w.role(1, "loup-blanc");
    w.launch();
    let f = w.action(1, "festin");
    w.game()
        .open_vote(VoteKind::Cond, None, None, at(0, 10, 0))
        .unwrap();
    w.game()
        .decide(1, f, vec![target("cible", 2)], at(0, 11, 0))
        .unwrap();
    w.game().close_vote(VoteKind::Cond, at(0, 18, 0));
    assert_eq!(w.act(f).cooldown, 1);
    let out = w
        .game()
        .open_vote(VoteKind::Cond, None, None, at(1, 10, 0))
        .unwrap();
    assert!(out.contains(&Decision::ActionSkipped {
        player: 1,
        action: f,
        reason: SkipReason::Cooldown { left: 0 },
    }));
    w.game().close_vote(VoteKind::Cond, at(1, 18, 0));
    assert_eq!(w.act(f).uses.len(), 1);
    let out = w
        .game()
        .open_vote(VoteKind::Cond, None, None, at(2, 10, 0))
        .unwrap();
    assert!(out.contains(&Decision::ActionOpened {
        player: 1,
        action: f,
        closes_at: None
    }));
    // An ignored use sets no cooldown.
    w.game().close_vote(VoteKind::Cond, at(2, 18, 0));
    assert_eq!(w.act(f).cooldown, 0);
}

#[test]
fn the_last_charge_archives_an_action_without_refill() {
    let mut w = World::new(3);
    w.role(1, "sorciere");
    w.launch();
    let p = w.action(1, "poison");
    assert_eq!(w.act(p).charges, Some(1));
    w.game()
        .open_vote(VoteKind::Loups, None, None, at(0, 19, 0))
        .unwrap();
    w.game()
        .decide(1, p, vec![target("cible", 3)], at(0, 20, 0))
        .unwrap();
    let out = w.game().close_vote(VoteKind::Loups, at(0, 23, 0));
    assert!(out.contains(&Decision::ActionArchived {
        player: 1,
        action: p
    }));
    assert!(!w.act(p).active);
    let out = w
        .game()
        .open_vote(VoteKind::Loups, None, None, at(1, 19, 0))
        .unwrap();
    assert!(!out
        .iter()
        .any(|d| matches!(d, Decision::ActionOpened { .. })));
    // Divin only refills actions still in play.
    assert!(w
        .game()
        .refill(Refill::Divin, Some(1), at(1, 20, 0))
        .unwrap()
        .is_empty());
}

#[test]
fn an_exhausted_action_with_a_refill_waits_and_refills_rearm_it() {
    let mut w = World::new(2);
    w.role(1, "forgeron");
    w.launch();
    let f = w.action(1, "forge");
    open(&mut w, f, at(1, 10, 0));
    w.game()
        .decide(1, f, vec![target("cible", 2)], at(1, 10, 30))
        .unwrap();
    let out = w.game().close_action(f, None, at(1, 12, 0)).unwrap();
    assert_eq!(
        out,
        [Decision::ActionClosed {
            player: 1,
            action: f,
            decided: true
        }]
    );
    assert!(w.act(f).active);
    assert_eq!(w.act(f).charges, Some(0));
    assert_eq!(
        open(&mut w, f, at(2, 10, 0)),
        [Decision::ActionSkipped {
            player: 1,
            action: f,
            reason: SkipReason::NoCharges
        }]
    );
    // Not listed: rebouteux does nothing here.
    assert!(w
        .game()
        .refill(Refill::Rebouteux, None, at(2, 11, 0))
        .unwrap()
        .is_empty());
    let out = w
        .game()
        .refill(Refill::Weekends, None, at(6, 19, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::Refilled {
                player: 1,
                action: f,
                charges: 1
            },
            Decision::Schedule {
                at: at(7, 10, 0),
                task: Task::OpenAction { action: f }
            },
        ]
    );
    // Weekends restores, it does not add; forgeron and divin add one.
    assert!(w
        .game()
        .refill(Refill::Weekends, Some(1), at(6, 19, 0))
        .unwrap()
        .is_empty());
    w.game()
        .refill(Refill::Forgeron, Some(1), at(6, 19, 0))
        .unwrap();
    w.game()
        .refill(Refill::Divin, Some(1), at(6, 19, 0))
        .unwrap();
    assert_eq!(w.act(f).charges, Some(3));
    assert_eq!(
        w.game().refill(Refill::Divin, Some(9), at(6, 19, 0)),
        Err(GameError::UnknownPlayer(9))
    );
}

#[test]
fn an_instant_perma_action_closes_at_once_and_reopens_on_refill() {
    let mut w = World::new(3);
    w.role(1, "barbier");
    let out = w.launch();
    assert!(scheduled(&out).contains(&(
        at(0, 19, 0),
        Task::Fire {
            trigger: Trigger::Perma
        }
    )));
    let r = w.action(1, "rasage");
    let out = w
        .game()
        .run(
            &Task::Fire {
                trigger: Trigger::Perma,
            },
            at(0, 19, 0),
        )
        .unwrap();
    assert_eq!(
        out[0],
        Decision::ActionOpened {
            player: 1,
            action: r,
            closes_at: None
        }
    );
    assert_eq!(
        w.game()
            .decide(1, r, vec![target("cible", 2)], at(1, 12, 0)),
        Err(GameError::MissingSlot("sur".into()))
    );
    let sure = Ciblage {
        slot: "sur".into(),
        value: Cible::Booleen(true),
    };
    let out = w
        .game()
        .decide(1, r, vec![sure, target("cible", 2)], at(1, 12, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::InstantAction {
                player: 1,
                action: r
            },
            Decision::ActionClosed {
                player: 1,
                action: r,
                decided: true
            },
        ]
    );
    let choice = w.last_use(r).choice().unwrap();
    assert_eq!(choice.ciblages[0].slot, "cible", "stored in prio order");
    assert_eq!(w.act(r).charges, Some(0));
    let out = w
        .game()
        .refill(Refill::Rebouteux, Some(1), at(2, 9, 0))
        .unwrap();
    assert_eq!(
        out[0],
        Decision::Refilled {
            player: 1,
            action: r,
            charges: 1
        }
    );
    assert_eq!(
        out[1],
        Decision::ActionOpened {
            player: 1,
            action: r,
            closes_at: None
        }
    );
}

#[test]
fn perma_is_reposted_daily_closed_at_the_pause_and_reopened_at_its_end() {
    let mut w = World::new(2);
    w.role(1, "gardien");
    w.launch();
    let g = w.action(1, "ronde");
    let opened = at(0, 19, 0);
    let out = w
        .game()
        .run(
            &Task::Fire {
                trigger: Trigger::Perma,
            },
            opened,
        )
        .unwrap();
    assert_eq!(
        scheduled(&out),
        [
            (at(1, 7, 0), Task::RepostPerma { action: g, opened }),
            (at(4, 19, 0), Task::CloseAction { action: g, opened }),
        ]
    );
    let out = w
        .game()
        .run(&Task::RepostPerma { action: g, opened }, at(1, 7, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::ActionReminded {
                player: 1,
                action: g
            },
            Decision::Schedule {
                at: at(2, 7, 0),
                task: Task::RepostPerma { action: g, opened }
            },
        ]
    );
    let out = w
        .game()
        .run(&Task::CloseAction { action: g, opened }, at(4, 19, 0))
        .unwrap();
    assert_eq!(
        out,
        [
            Decision::ActionClosed {
                player: 1,
                action: g,
                decided: false
            },
            Decision::Schedule {
                at: at(6, 19, 0),
                task: Task::OpenAction { action: g }
            },
        ]
    );
    // The old use's daily repost stops.
    assert!(w
        .game()
        .run(&Task::RepostPerma { action: g, opened }, at(5, 7, 0))
        .unwrap()
        .is_empty());
    let out = open(&mut w, g, at(6, 19, 0));
    assert_eq!(
        out[0],
        Decision::ActionOpened {
            player: 1,
            action: g,
            closes_at: None
        }
    );
    assert!(w.game().schedule.in_pause(at(5, 12, 0)));
    assert!(!w.game().schedule.in_pause(at(6, 19, 0)));
}

#[test]
fn slots_are_checked_by_kind_and_presence() {
    let mut w = World::new(3);
    w.role(1, "gardien");
    w.role(2, "ange");
    w.launch();
    w.game().kill(3, at(0, 12, 0)).unwrap();
    let g = w.action(1, "ronde");
    open(&mut w, g, at(0, 19, 0));
    let note = Ciblage {
        slot: "note".into(),
        value: Cible::Texte("calme".into()),
    };
    let now = at(0, 20, 0);
    assert_eq!(
        w.game().decide(1, g, vec![note.clone()], now),
        Err(GameError::MissingSlot("maison".into()))
    );
    let bad = Ciblage {
        slot: "maison".into(),
        value: Cible::Booleen(true),
    };
    assert_eq!(
        w.game().decide(1, g, vec![bad], now),
        Err(GameError::WrongValue("maison".into()))
    );
    let odd = Ciblage {
        slot: "cave".into(),
        value: Cible::Booleen(true),
    };
    assert_eq!(
        w.game().decide(1, g, vec![odd], now),
        Err(GameError::UnknownSlot("cave".into()))
    );
    assert_eq!(
        w.game().decide(2, g, vec![target("maison", 2)], now),
        Err(GameError::NotYourAction(g))
    );
    // A `joueur` slot takes the dead too; the optional note may be left out.
    w.game()
        .decide(1, g, vec![target("maison", 3)], now)
        .unwrap();
    w.game()
        .decide(1, g, vec![note, target("maison", 2)], now)
        .unwrap();

    let b = w.action(2, "benediction");
    w.game()
        .run(
            &Task::Fire {
                trigger: Trigger::Start,
            },
            at(0, 19, 0),
        )
        .unwrap();
    assert_eq!(w.last_use(b).closes_at, Some(at(1, 19, 0)));
    let role = |r: &str| {
        vec![Ciblage {
            slot: "role".into(),
            value: Cible::Role(r.into()),
        }]
    };
    assert_eq!(
        w.game().decide(2, b, role("boulanger"), now),
        Err(GameError::WrongValue("role".into()))
    );
    w.game().decide(2, b, role("voyante"), now).unwrap();
}

#[test]
fn a_vivant_slot_refuses_the_dead() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    w.launch();
    w.game().kill(3, at(0, 12, 0)).unwrap();
    let v = w.action(1, "voyance");
    open(&mut w, v, at(0, 19, 0));
    assert_eq!(
        w.game()
            .decide(1, v, vec![target("cible", 3)], at(0, 20, 0)),
        Err(GameError::WrongValue("cible".into()))
    );
}

#[test]
fn doit_changer_compares_only_with_the_last_validated_use() {
    let mut w = World::new(4);
    w.role(1, "salvateur");
    w.launch();
    let p = w.action(1, "protection");
    let night = |w: &mut World, d: u64| {
        w.game()
            .open_vote(VoteKind::Loups, None, None, at(d, 19, 0))
            .unwrap();
    };
    night(&mut w, 0);
    w.game()
        .decide(1, p, vec![target("cible", 2)], at(0, 20, 0))
        .unwrap();
    w.game().close_vote(VoteKind::Loups, at(0, 23, 0));
    night(&mut w, 1);
    assert_eq!(
        w.game()
            .decide(1, p, vec![target("cible", 2)], at(1, 20, 0)),
        Err(GameError::MustChange("cible".into()))
    );
    // A decision made then cancelled is not a validated one.
    w.game()
        .decide(1, p, vec![target("cible", 3)], at(1, 20, 0))
        .unwrap();
    w.game().cancel_decision(1, p, at(1, 20, 1)).unwrap();
    w.game().close_vote(VoteKind::Loups, at(1, 23, 0));
    night(&mut w, 2);
    assert!(w
        .game()
        .decide(1, p, vec![target("cible", 2)], at(2, 20, 0))
        .is_err());
    w.game()
        .decide(1, p, vec![target("cible", 3)], at(2, 20, 0))
        .unwrap();
}

#[test]
fn a_decision_cancelled_then_remade_stays_open_until_the_close() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    w.launch();
    let v = w.action(1, "voyance");
    open(&mut w, v, at(0, 19, 0));
    assert_eq!(
        w.game().cancel_decision(1, v, at(0, 19, 30)),
        Err(GameError::NothingToCancel)
    );
    w.game()
        .decide(1, v, vec![target("cible", 2)], at(0, 20, 0))
        .unwrap();
    let out = w.game().cancel_decision(1, v, at(0, 21, 0)).unwrap();
    assert_eq!(
        out,
        [Decision::ActionCancelled {
            player: 1,
            action: v
        }]
    );
    assert_eq!(
        w.last_use(v).state,
        UtilState::Ouverte,
        "not ignoree (lg-rez's quirk)"
    );
    w.game()
        .decide(1, v, vec![target("cible", 3)], at(0, 22, 0))
        .unwrap();
    w.game().close_action(v, None, at(1, 9, 0)).unwrap();
    assert_eq!(w.last_use(v).choice().unwrap().player("cible"), Some(3));
    // After the window, neither a decision nor a cancel.
    open(&mut w, v, at(1, 19, 0));
    assert_eq!(
        w.game().decide(1, v, vec![target("cible", 2)], at(2, 9, 0)),
        Err(GameError::ActionNotOpen(v))
    );
    assert_eq!(
        w.game().cancel_decision(1, v, at(2, 9, 0)),
        Err(GameError::ActionNotOpen(v))
    );
}

#[test]
fn an_auto_action_closes_as_it_opens() {
    let mut w = World::new(2);
    w.role(1, "ange");
    w.launch();
    let a = w.action(1, "presence");
    let out = open(&mut w, a, at(0, 19, 0));
    assert_eq!(
        out,
        [
            Decision::AutoAction {
                player: 1,
                action: a
            },
            Decision::ActionClosed {
                player: 1,
                action: a,
                decided: true
            },
            Decision::Schedule {
                at: at(1, 19, 0),
                task: Task::OpenAction { action: a }
            },
        ]
    );
}

#[test]
fn a_countered_use_closes_without_spending_a_charge() {
    let mut w = World::new(2);
    w.role(1, "forgeron");
    w.launch();
    let f = w.action(1, "forge");
    open(&mut w, f, at(1, 10, 0));
    assert_eq!(
        w.season.open_uses(1).map(|(a, _)| a.id).collect::<Vec<_>>(),
        [f]
    );
    w.game()
        .decide(1, f, vec![target("cible", 2)], at(1, 10, 30))
        .unwrap();
    let out = w.game().counter(f, at(1, 11, 0)).unwrap();
    assert_eq!(
        out,
        [
            Decision::ActionClosed {
                player: 1,
                action: f,
                decided: false
            },
            Decision::Schedule {
                at: at(2, 10, 0),
                task: Task::OpenAction { action: f }
            },
        ]
    );
    assert!(matches!(
        w.last_use(f).state,
        UtilState::Contree {
            choice: Some(_),
            ..
        }
    ));
    assert_eq!(w.act(f).charges, Some(1));
    assert_eq!(w.season.open_uses(1).count(), 0);
    assert_eq!(
        w.game().counter(f, at(1, 11, 1)),
        Err(GameError::ActionNotOpen(f))
    );
}

#[test]
fn open_at_opens_the_temporel_actions_of_that_hour_only() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    w.role(2, "forgeron");
    w.launch();
    let v = w.action(1, "voyance");
    let out = w
        .game()
        .open_at(ClockTime::new(19, 0).unwrap(), at(0, 19, 0));
    assert_eq!(
        out[0],
        Decision::ActionOpened {
            player: 1,
            action: v,
            closes_at: Some(at(1, 9, 0))
        }
    );
    assert!(!out
        .iter()
        .any(|d| matches!(d, Decision::ActionOpened { player: 2, .. })));
}

#[test]
fn close_at_and_remind_at_reach_the_open_uses_closing_at_that_hour_only() {
    let mut w = World::new(3);
    w.role(1, "voyante");
    w.role(2, "voyante");
    w.role(3, "forgeron");
    w.launch();
    let (v1, v2) = (w.action(1, "voyance"), w.action(2, "voyance"));
    let nine = ClockTime::new(9, 0).unwrap();
    w.game()
        .open_at(ClockTime::new(19, 0).unwrap(), at(0, 19, 0));
    w.game()
        .decide(1, v1, vec![target("cible", 3)], at(0, 20, 0))
        .unwrap();
    // Only the undecided use is reminded; another hour reaches nothing.
    assert_eq!(
        w.game().remind_at(nine),
        [Decision::ActionReminded {
            player: 2,
            action: v2
        }]
    );
    assert!(w
        .game()
        .remind_at(ClockTime::new(10, 0).unwrap())
        .is_empty());
    let out = w.game().close_at(nine, at(0, 23, 0));
    let closed: Vec<_> = out
        .iter()
        .filter_map(|d| match d {
            Decision::ActionClosed {
                player, decided, ..
            } => Some((*player, *decided)),
            _ => None,
        })
        .collect();
    assert_eq!(closed, [(1, true), (2, false)]);
    // Re-armed for the next evening, as a scheduled close would.
    assert!(out.contains(&Decision::Schedule {
        at: at(1, 19, 0),
        task: Task::OpenAction { action: v1 }
    }));
    assert!(w.game().close_at(nine, at(0, 23, 1)).is_empty());
}
