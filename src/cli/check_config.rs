//! `cubeguardian check-config`: validates the file as `run` would, then
//! says which secrets and files the service will read at start, so an
//! installer sees what is missing before systemd does.

use std::path::Path;
use std::process::ExitCode;

use super::load;
use crate::config::{Config, ShutdownMethod};

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
    if let Some(catalogue) = config.game.as_ref().and_then(|g| g.catalogue.clone()) {
        files.push(("game.catalogue", catalogue));
    }
    println!("{}", game_summary(&config));
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

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[discord]
guild_id = 111
announce_channel = "x"
admin_user_id = 2
[wake_on_lan]
mac = "aa:bb:cc:dd:ee:ff"
[proxmox]
url = "https://pve.lan:8006/"
token_id = "cubeguardian@pve!bot"
fingerprint = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
[minecraft]
address = "mc.lan"
"#;

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
}
