//! Boudoirs: membership rules and `mp`.

use super::support::*;
use crate::game::*;

#[test]
fn a_living_player_creates_a_boudoir_with_a_short_name_and_manages_it() {
    let mut w = World::new(4);
    w.launch();
    let now = at(0, 12, 0);
    assert_eq!(
        w.game()
            .create_boudoir(1, &"x".repeat(33), now)
            .unwrap_err(),
        GameError::BadName { max: 32 }
    );
    assert!(w.game().create_boudoir(1, "  ", now).is_err());
    let (b, out) = w.game().create_boudoir(1, &"é".repeat(32), now).unwrap();
    assert_eq!(out[0], Decision::BoudoirCreated { boudoir: b });
    assert_eq!(w.season.boudoir(b).unwrap().gerant(), Some(1));
    w.game().kill(4, now).unwrap();
    assert_eq!(
        w.game().create_boudoir(4, "Tombe", now).unwrap_err(),
        GameError::Dead(4)
    );
    assert_eq!(w.game().invite(1, b, 4, now), Err(GameError::Dead(4)));

    assert_eq!(w.game().invite(2, b, 3, now), Err(GameError::NotGerant));
    w.game().invite(1, b, 2, now).unwrap();
    assert_eq!(
        w.game().invite(1, b, 2, now),
        Err(GameError::AlreadyMember(2))
    );
    w.game().invite(1, b, 3, now).unwrap();
    assert_eq!(w.game().leave(1, b), Err(GameError::GerantCannotLeave));
    w.game().leave(3, b).unwrap();
    assert_eq!(w.game().leave(3, b), Err(GameError::NotMember(3)));
    assert_eq!(w.game().expulse(1, b, 1), Err(GameError::GerantCannotLeave));
    assert_eq!(w.game().transfer(1, b, 3), Err(GameError::NotMember(3)));
    w.game().transfer(1, b, 2).unwrap();
    assert_eq!(w.season.boudoir(b).unwrap().gerant(), Some(2));
    assert_eq!(w.game().rename(1, b, "Non"), Err(GameError::NotGerant));
    w.game().rename(2, b, "Oui").unwrap();
    w.game().expulse(2, b, 1).unwrap();
    assert!(!w.season.boudoir(b).unwrap().has(1));
    w.game().attach_boudoir_channel(b, 777).unwrap();
    assert_eq!(w.season.boudoir(b).unwrap().channel, Some(777));

    let out = w.game().delete_boudoir(2, b).unwrap();
    assert_eq!(out, [Decision::BoudoirArchived { boudoir: b }]);
    let archived = w.season.boudoir(b).unwrap();
    assert!(archived.archived && archived.members.is_empty() && archived.name == "Oui");
    assert_eq!(
        w.game().add_to_boudoir(b, 1, now),
        Err(GameError::BoudoirArchived)
    );
}

#[test]
fn an_empty_boudoir_only_takes_a_new_gerant() {
    let mut w = World::new(3);
    let now = at(0, 12, 0);
    let (b, _) = w.game().create_boudoir(1, "Vide", now).unwrap();
    w.season.boudoirs[b.0 as usize].members.clear();
    let out = w.game().add_to_boudoir(b, 2, now).unwrap();
    assert!(out.contains(&Decision::BoudoirGerant {
        boudoir: b,
        player: 2
    }));
    w.game().add_to_boudoir(b, 3, now).unwrap();
    assert_eq!(w.season.boudoir(b).unwrap().gerant(), Some(2));
}

#[test]
fn mp_creates_the_pair_once_and_reuses_it() {
    let mut w = World::new(3);
    let now = at(0, 12, 0);
    let (b, out) = w.game().mp(1, 2, now).unwrap();
    assert_eq!(w.season.boudoir(b).unwrap().name, "Alice × Bruno");
    assert!(!out.is_empty());
    let (again, out) = w.game().mp(2, 1, now).unwrap();
    assert_eq!((again, out.len()), (b, 0));
    let (third, _) = w.game().mp(1, 3, now).unwrap();
    assert_ne!(third, b);
}
