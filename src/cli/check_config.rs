//! `cubeguardian check-config`: validates the file as `run` would, then
//! says which secrets and files the service will read at start, so an
//! installer sees what is missing before systemd does. With the game on,
//! it also validates the game's catalogue, so a game master's typo is a
//! `FILE:LINE` here rather than a season that cannot start.

use std::path::Path;
use std::process::ExitCode;

use super::{load, EXIT_CONFIG};
use crate::config::{Config, GameConfig, ShutdownMethod};
use crate::game::catalogue::{Catalogue, CatalogueError};

/// Checks the file at `path`; exit 78 when it is invalid.
pub fn check_config(path: &Path) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    println!("{}: valid", path.display());
    let mut secrets = vec!["discord_token"];
    let mut files = Vec::new();
    if let Some(px) = &config.proxmox {
        secrets.push("proxmox_token_secret");
        files.extend(px.ca_file.iter().map(|f| ("proxmox.ca_file", f.clone())));
    }
    if let Some(digest) = &config.digest {
        if digest.smtp_user.is_some() {
            secrets.push("smtp_password");
        }
        files.extend(
            digest
                .smtp_ca_file
                .iter()
                .map(|f| ("digest.smtp_ca_file", f.clone())),
        );
    }
    println!("{}", game_summary(&config));
    if let Some(game) = &config.game {
        match load_catalogue(game) {
            Ok(catalogue) => println!("{}", catalogue_summary(&catalogue)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        }
    }
    if let (ShutdownMethod::Ssh, Some(ssh)) = (config.power.shutdown_method, &config.ssh) {
        match &ssh.key_file {
            Some(file) => files.push(("ssh.key_file", file.clone())),
            None => secrets.push("ssh_key (credential only)"),
        }
    }
    for (key, file) in files {
        if !file.exists() {
            println!("warning: `{key}`: {} does not exist (yet)", file.display());
        }
    }
    println!(
        "secrets read at start-up (credential or CUBEGUARDIAN_<NAME> variable): {}",
        secrets.join(", ")
    );
    ExitCode::SUCCESS
}

/// One line saying whether the game is on and on what schedule, so the
/// installer sees the defaults that apply.
fn game_summary(config: &Config) -> String {
    let Some(g) = &config.game else {
        return "game: off".to_owned();
    };
    let mj = match g.mj_role {
        Some(role) => format!("MJ role {}", role.0),
        None => "the MJ role it creates".to_owned(),
    };
    let catalogue = match &g.catalogue {
        Some(path) => format!("catalogue {}", path.display()),
        None => "the built-in catalogue".to_owned(),
    };
    let hm = |t: jiff::civil::Time| t.strftime("%H:%M").to_string();
    format!(
        "game: on in guild {}, {mj}, {catalogue}; pyre vote {}, wolves {}, mayor {}, \
         actions {}, hype {}, pause {} ({})",
        g.guild_id.0,
        g.pyre_vote,
        g.wolves_vote,
        g.mayor_vote,
        hm(g.actions_start),
        hm(g.hype),
        g.pause,
        g.zone.name()
    )
}

/// The catalogue the season would be played with: the configured file,
/// else the built-in French one.
fn load_catalogue(game: &GameConfig) -> Result<Catalogue, CatalogueError> {
    match &game.catalogue {
        Some(path) => Catalogue::from_file(path),
        None => Catalogue::default_fr(),
    }
}

fn catalogue_summary(c: &Catalogue) -> String {
    format!(
        "game catalogue: valid, {} camps, {} roles, {} actions",
        c.camps.len(),
        c.roles.len(),
        c.actions.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::tests::MINIMAL;

    #[test]
    fn the_game_line_says_off_or_its_schedule() {
        let off: Config = MINIMAL.parse().unwrap();
        assert_eq!(game_summary(&off), "game: off");
        let on: Config =
            format!("timezone = \"Europe/Paris\"\n{MINIMAL}[game]\nenabled = true\nmj_role = 7\n")
                .parse()
                .unwrap();
        assert_eq!(
            game_summary(&on),
            "game: on in guild 111, MJ role 7, the built-in catalogue; pyre vote 10:00-18:00, \
             wolves 19:00-23:00, mayor 10:00-17:00, actions 19:00, hype 18:50, \
             pause fri 19:00 - sun 19:00 (Europe/Paris)"
        );
    }

    /// A catalogue small enough to break one line at a time: line 9 is the
    /// role's camp, line 11 its actions, line 14 the action's slug, line
    /// 15 its opening trigger, line 17 its opening time.
    const SMALL: &str = r#"[[camp]]
slug = "village"
name = "Village"

[[role]]
slug = "voyante"
article = "la"
name = "Voyante"
camp = "village"
short = "Voit."
actions = ["voyance"]

[[action]]
slug = "voyance"
trigger_debut = "temporel"
trigger_fin = "temporel"
heure_debut = "19:00"
heure_fin = "09:00"
"#;

    fn game_with(catalogue: &str) -> (tempfile::TempDir, GameConfig) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roles.toml");
        std::fs::write(&path, catalogue).unwrap();
        let config: Config = format!(
            "{MINIMAL}[game]\nenabled = true\ncatalogue = {:?}\n",
            path.display().to_string()
        )
        .parse()
        .unwrap();
        (dir, config.game.unwrap())
    }

    #[test]
    fn a_valid_catalogue_is_counted() {
        let (_dir, game) = game_with(SMALL);
        let c = load_catalogue(&game).unwrap();
        assert_eq!(
            catalogue_summary(&c),
            "game catalogue: valid, 1 camps, 1 roles, 1 actions"
        );
    }

    #[test]
    fn without_a_file_the_built_in_catalogue_is_checked() {
        let config: Config = format!("{MINIMAL}[game]\nenabled = true\n")
            .parse()
            .unwrap();
        let c = load_catalogue(config.game.as_ref().unwrap()).unwrap();
        assert!(c.roles.len() > 5, "{}", catalogue_summary(&c));
    }

    #[test]
    fn each_catalogue_mistake_names_its_file_and_line() {
        let with_action = |extra: &str| format!("{SMALL}{extra}");
        let cases = [
            (
                SMALL.replace("trigger_debut = \"temporel\"", "trigger_debut = \"tempo\""),
                ":15:",
                "unknown trigger `tempo`",
            ),
            (
                with_action("\n[[action]]\nslug = \"orphan\"\ntrigger_debut = \"perma\"\ntrigger_fin = \"perma\"\n"),
                ":21:",
                "action without a role",
            ),
            (
                with_action("\n[[camp]]\nslug = \"village\"\nname = \"Again\"\n"),
                ":21:",
                "duplicate camp slug `village`",
            ),
            (
                SMALL.replace("camp = \"village\"", "camp = \"nowhere\""),
                ":9:",
                "unknown camp `nowhere`",
            ),
            (
                SMALL.replace("[\"voyance\"]", "[\"voyance\", \"flight\"]"),
                ":11:",
                "unknown action `flight`",
            ),
            (
                SMALL.replace("\"19:00\"", "\"25:00\""),
                ":17:",
                "bad time `25:00`",
            ),
            (SMALL.replace("name = \"Voyante\"", "name = "), ":8:", ""),
        ];
        for (text, line, what) in cases {
            let (_dir, game) = game_with(&text);
            let e = load_catalogue(&game).unwrap_err().to_string();
            assert!(
                e.contains(&format!("roles.toml{line}")) && e.contains(what),
                "{what}: {e}"
            );
        }
    }

    #[test]
    fn a_missing_catalogue_file_is_an_error_naming_it() {
        let (dir, mut game) = game_with(SMALL);
        game.catalogue = Some(dir.path().join("absent.toml"));
        let e = load_catalogue(&game).unwrap_err().to_string();
        assert!(e.contains("absent.toml"), "{e}");
    }
}
