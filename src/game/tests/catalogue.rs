//! The catalogue: the default loads, and each mistake names FILE:LINE.

use std::path::Path;

use super::support::TEST_CATALOGUE;
use crate::game::catalogue::{CatalogueError, NONATTR};
use crate::game::*;

/// The 1-based line of the first occurrence of `needle` after `after`.
fn line_of(text: &str, after: &str, needle: &str) -> usize {
    let start = text.find(after).expect("anchor");
    let pos = start + text[start..].find(needle).expect("needle");
    text[..pos].matches('\n').count() + 1
}

fn error(text: &str) -> CatalogueError {
    Catalogue::parse(text, "cat.toml").expect_err("should be refused")
}

fn assert_at(err: &CatalogueError, line: usize) {
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("cat.toml:{line}: ")),
        "expected cat.toml:{line}, got: {shown}"
    );
}

const BASE: &str = r#"
[[camp]]
slug = "village"
name = "Village"

[[role]]
slug = "voyante"
name = "Voyante"
camp = "village"
actions = ["voyance"]

[[action]]
slug = "voyance"
trigger_debut = "temporel"
trigger_fin = "temporel"
heure_debut = "19:00"
heure_fin = "09:00"
"#;

#[test]
fn the_default_french_catalogue_loads() {
    let c = Catalogue::default_fr().unwrap();
    assert!(c.roles.len() >= 8, "{} roles", c.roles.len());
    assert!(c.camps.contains_key("village") && c.camps.contains_key("loups"));
    assert_eq!(c.actions["potion-mort"].base_charges, Some(1));
    assert_eq!(c.actions["tir-du-chasseur"].opening, Opening::Mort);
    assert!(c.has_role(NONATTR) && c.has_camp(NONATTR));
    assert!(!c.has_role("boulanger"));
}

#[test]
fn a_valid_catalogue_keeps_its_data_typed() {
    let c = Catalogue::parse(BASE, "cat.toml").unwrap();
    let v = &c.actions["voyance"];
    assert_eq!(v.opening, Opening::Temporel(ClockTime::new(19, 0).unwrap()));
    assert_eq!(v.closing, Closing::Temporel(ClockTime::new(9, 0).unwrap()));
    assert_eq!(v.base_charges, None);
    let t = Catalogue::parse(TEST_CATALOGUE, "t.toml").unwrap();
    assert_eq!(
        t.actions["forge"].closing,
        Closing::Delta(std::time::Duration::from_secs(7200))
    );
    let ronde = &t.actions["ronde"];
    let order: Vec<&str> = ronde.slots.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(order, ["maison", "note"], "slots sorted by prio");
}

#[test]
fn an_unknown_trigger_names_its_line() {
    let text = BASE.replace("trigger_fin = \"temporel\"", "trigger_fin = \"tempo\"");
    let e = error(&text);
    assert!(matches!(e, CatalogueError::UnknownTrigger { .. }), "{e}");
    assert_at(&e, line_of(&text, "", "\"tempo\""));
    // `delta` cannot open and `start` cannot close.
    let text = BASE.replace("trigger_debut = \"temporel\"", "trigger_debut = \"delta\"");
    assert_at(&error(&text), line_of(&text, "", "\"delta\""));
    let text = BASE.replace("trigger_fin = \"temporel\"", "trigger_fin = \"start\"");
    assert_at(&error(&text), line_of(&text, "", "\"start\""));
}

#[test]
fn unknown_references_name_their_line() {
    let text = BASE.replace("camp = \"village\"", "camp = \"hameau\"");
    let e = error(&text);
    assert!(
        matches!(e, CatalogueError::UnknownReference { kind: "camp", .. }),
        "{e}"
    );
    assert_at(&e, line_of(&text, "", "\"hameau\""));

    let text = BASE.replace(
        "actions = [\"voyance\"]",
        "actions = [\"voyance\", \"vol\"]",
    );
    let e = error(&text);
    assert!(
        matches!(e, CatalogueError::UnknownReference { kind: "action", .. }),
        "{e}"
    );
    assert_at(&e, line_of(&text, "", "\"vol\""));
}

#[test]
fn an_action_without_a_role_names_its_line() {
    let text = format!(
        "{BASE}\n[[action]]\nslug = \"orpheline\"\ntrigger_debut = \"perma\"\ntrigger_fin = \"perma\"\n"
    );
    let e = error(&text);
    assert!(matches!(e, CatalogueError::ActionWithoutRole { .. }), "{e}");
    assert!(e.to_string().contains("action without a role"), "{e}");
    assert_at(&e, line_of(&text, "", "\"orpheline\""));
}

#[test]
fn duplicate_slugs_name_the_second_line() {
    let camp = BASE.replace(
        "[[role]]",
        "[[camp]]\nslug = \"village\"\nname = \"Bis\"\n\n[[role]]",
    );
    let e = error(&camp);
    assert!(
        matches!(e, CatalogueError::Duplicate { kind: "camp", .. }),
        "{e}"
    );
    assert_at(&e, line_of(&camp, "name = \"Village\"", "\"village\""));

    let role =
        format!("{BASE}\n[[role]]\nslug = \"voyante\"\nname = \"Bis\"\ncamp = \"village\"\n");
    let e = error(&role);
    assert!(
        matches!(e, CatalogueError::Duplicate { kind: "role", .. }),
        "{e}"
    );
    assert_at(&e, line_of(&role, "heure_fin", "\"voyante\""));

    let action = format!(
        "{BASE}\n[[action]]\nslug = \"voyance\"\ntrigger_debut = \"perma\"\ntrigger_fin = \"perma\"\n"
    );
    let e = error(&action);
    assert!(
        matches!(e, CatalogueError::Duplicate { kind: "action", .. }),
        "{e}"
    );
    assert_at(&e, line_of(&action, "heure_fin", "\"voyance\""));
}

#[test]
fn bad_times_name_their_line() {
    let text = BASE.replace("\"19:00\"", "\"25:00\"");
    let e = error(&text);
    assert!(matches!(e, CatalogueError::BadTime { .. }), "{e}");
    assert_at(&e, line_of(&text, "", "\"25:00\""));

    let text = BASE
        .replace("trigger_fin = \"temporel\"", "trigger_fin = \"delta\"")
        .replace("\"09:00\"", "\"bientôt\"");
    let e = error(&text);
    assert!(matches!(e, CatalogueError::BadTime { .. }), "{e}");
    assert_at(&e, line_of(&text, "", "\"bientôt\""));
}

#[test]
fn other_mistakes_name_their_line_too() {
    let text = BASE.replace("heure_debut = \"19:00\"\n", "");
    let e = error(&text);
    assert!(e.to_string().contains("heure_debut"), "{e}");
    assert_at(&e, line_of(&text, "[[action]]", "\"voyance\""));

    let text = BASE.replace(
        "heure_fin = \"09:00\"",
        "heure_fin = \"09:00\"\nrefill = [\"lune\"]",
    );
    assert_at(&error(&text), line_of(&text, "", "\"lune\""));

    let text = BASE.replace("name = \"Voyante\"", "name = \"Voyante\"\ncouleur = 3");
    let e = error(&text);
    assert!(matches!(e, CatalogueError::Syntax { .. }), "{e}");
    assert_at(&e, line_of(&text, "", "couleur"));

    let text = BASE.replace("slug = \"village\"", "slug = \"village");
    assert!(matches!(error(&text), CatalogueError::Syntax { .. }));
}

#[test]
fn an_unreadable_file_is_named() {
    let e = Catalogue::from_file(Path::new("data/game/absent.toml")).unwrap_err();
    assert!(e.to_string().contains("data/game/absent.toml"), "{e}");
    let shipped = Catalogue::from_file(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/game/catalogue.toml"
    )))
    .unwrap();
    assert_eq!(shipped, Catalogue::default_fr().unwrap());
}
