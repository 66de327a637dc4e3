//! `systemctl reload cubeguardian` (SIGHUP): the configuration file is read
//! again and what can change while running is applied at once, without
//! dropping the Discord session or forgetting any state.
//!
//! Applied live: `[log]`, `[messages]`, `[players]`, `[restart]`, the
//! timings and intervals of `[power]`, and the digest's time, zone,
//! channel lists, retention, `send_when_empty` and `retry_after`. `[game]`
//! waits for a restart, named key by key with a warning of its own. Anything
//! else (Discord, Proxmox, addresses, the mail server, the rate limiter,
//! the time zone…) is wired into connections and tasks at start: a change
//! there is logged as needing a restart and left as it was. A file that no
//! longer validates changes nothing; the error names its line, as
//! `check-config` does.
//!
//! systemd is told `RELOADING=1` first and `READY=1` when done, so
//! `systemctl reload` returns once the reload is over.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::digest::service::{DigestSettings, Digester};
use crate::discord::presence::Authorization;
use crate::messages::Messages;
use crate::power::driver::Input;
use crate::power::machine::Timings;
use crate::services::restart::{Limits, Restarter};
use crate::system::notify;

/// Sections applied whole, while running.
const LIVE_SECTIONS: [&str; 4] = ["log", "messages", "players", "restart"];
/// `[power]` keys applied while running (`shutdown_method` is not).
const LIVE_POWER: [&str; 5] = [
    "startup_timeout",
    "shutdown_delay",
    "shutdown_timeout",
    "probe_interval",
    "watch_interval",
];
/// `[digest]` keys applied while running (the mail server's are not).
const LIVE_DIGEST: [&str; 8] = [
    "time",
    "timezone",
    "excluded_channels",
    "important_channels",
    "include_private",
    "retention",
    "send_when_empty",
    "retry_after",
];

/// Sections none of whose keys is live, but whose changes are named key
/// by key so the log says exactly what waits for a restart. `[game]`: its
/// schedule, pause, zone and catalogue are the season's shell's, built at
/// start; a running season must not see its windows move under it.
const KEYED_RESTART: [&str; 1] = ["game"];

/// What changed between two versions of the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Dotted names of what is applied now.
    pub live: Vec<String>,
    /// Dotted names of what needs a restart.
    pub restart: Vec<String>,
}

/// Compares two parsed files, section by section (and key by key in the
/// sections that are partly live).
pub fn plan(old: &toml::Table, new: &toml::Table) -> Plan {
    let mut plan = Plan::default();
    let empty = toml::Table::new();
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (a, b) = (old.get(name), new.get(name));
        if a == b {
            continue;
        }
        let partly_live: &[&str] = match name.as_str() {
            "power" => &LIVE_POWER,
            "digest" => &LIVE_DIGEST,
            _ => &[],
        };
        let keyed = !partly_live.is_empty() || KEYED_RESTART.contains(&name.as_str());
        if LIVE_SECTIONS.contains(&name.as_str()) {
            plan.live.push(name.clone());
        } else if keyed {
            let a = a.and_then(toml::Value::as_table).unwrap_or(&empty);
            let b = b.and_then(toml::Value::as_table).unwrap_or(&empty);
            // The digest turned on or off is a restart: it is a task.
            let switched = name == "digest" && (old.contains_key(name) != new.contains_key(name));
            if a.is_empty() != b.is_empty() && KEYED_RESTART.contains(&name.as_str()) {
                // A whole section added or removed: named once.
                plan.restart.push(name.clone());
                continue;
            }
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                if a.get(key) == b.get(key) {
                    continue;
                }
                let dotted = format!("{name}.{key}");
                if partly_live.contains(&key.as_str()) && !switched {
                    plan.live.push(dotted);
                } else {
                    plan.restart.push(dotted);
                }
            }
        } else {
            plan.restart.push(name.clone());
        }
    }
    plan
}

/// The parts of the running appliance a reload reaches.
pub struct Live {
    pub messages: Messages,
    pub auth: Authorization,
    pub power: mpsc::Sender<Input>,
    pub restarter: Arc<Restarter>,
    pub digest: Option<Arc<Digester>>,
}

/// Re-reads `path` on every signal on `requests`, until `shutdown`.
pub async fn run(
    path: PathBuf,
    live: Live,
    mut requests: mpsc::Receiver<()>,
    shutdown: CancellationToken,
) {
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    loop {
        tokio::select! {
            request = requests.recv() => if request.is_none() { return },
            () = shutdown.cancelled() => return,
        }
        notify::reloading();
        log::info!("reload: reading {}", path.display());
        match std::fs::read_to_string(&path) {
            Err(e) => log::error!(
                "reload: cannot read {}: {e}; nothing changed",
                path.display()
            ),
            Ok(new_text) => match Config::parse(&new_text, &path.display().to_string()) {
                Err(e) => log::error!("reload: {e}; nothing changed"),
                Ok(new) => {
                    let old_table = text.parse::<toml::Table>().unwrap_or_default();
                    let new_table = new_text.parse::<toml::Table>().unwrap_or_default();
                    let plan = plan(&old_table, &new_table);
                    apply(&live, &new, &plan).await;
                    if plan.live.is_empty() && plan.restart.is_empty() {
                        log::info!("reload: nothing changed");
                    }
                    if !plan.live.is_empty() {
                        log::info!("reload: applied {}", plan.live.join(", "));
                    }
                    if plan
                        .restart
                        .iter()
                        .any(|r| r == "game" || r.starts_with("game."))
                    {
                        log::warn!(
                            "reload: the werewolf game reads [game] (its times, pause, zone and \
                             catalogue file) only at start: restart to apply it; the season and \
                             its scheduled tasks are kept"
                        );
                    }
                    if !plan.restart.is_empty() {
                        log::warn!(
                            "reload: {} changed but only take effect after a restart \
                             (systemctl restart cubeguardian); still using the old values",
                            plan.restart.join(", ")
                        );
                    }
                    text = new_text;
                }
            },
        }
        notify::reloaded();
    }
}

/// Applies the live part of `new`.
async fn apply(live: &Live, new: &Config, plan: &Plan) {
    let changed = |name: &str| {
        plan.live
            .iter()
            .any(|l| l == name || l.starts_with(&format!("{name}.")))
    };
    if changed("log") {
        crate::system::logging::set_level(new.log.level);
    }
    if changed("messages") {
        live.messages.replace(&new.messages);
    }
    if changed("players") {
        let users = new
            .players
            .user_ids
            .iter()
            .map(|s| s.0)
            .chain([new.discord.admin_user_id.0]);
        let roles = new.players.role_ids.iter().map(|s| s.0);
        live.auth.replace(&Authorization::new(users, roles));
    }
    if changed("restart") {
        live.restarter.set_limits(Limits {
            cooldown: new.restart.cooldown,
            per_day: new.restart.per_day,
        });
    }
    if changed("power") {
        let input = Input::Reconfigure {
            timings: Timings {
                startup_timeout: new.power.startup_timeout,
                shutdown_delay: new.power.shutdown_delay,
                shutdown_timeout: new.power.shutdown_timeout,
            },
            probe_interval: new.power.probe_interval,
            watch_interval: new.power.watch_interval,
        };
        if live.power.send(input).await.is_err() {
            log::warn!("reload: the power loop is gone; [power] not applied");
        }
    }
    if changed("digest") {
        if let (Some(digester), Some(digest)) = (&live.digest, &new.digest) {
            digester.reconfigure(
                DigestSettings::from_config(new, digest),
                digest.excluded_channels.clone(),
                digest.important_channels.clone(),
                digest.include_private.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn live_sections_and_keys_are_told_from_those_needing_a_restart() {
        let old = table(
            r#"
            timezone = "Europe/Paris"
            [discord]
            guild_id = 1
            [power]
            shutdown_delay = "10m"
            shutdown_method = "proxmox"
            [messages]
            language = "fr"
            [digest]
            time = "08:00"
            smtp_url = "smtp://a"
            "#,
        );
        let new = table(
            r#"
            timezone = "Europe/Brussels"
            [discord]
            guild_id = 1
            [power]
            shutdown_delay = "5m"
            shutdown_method = "ssh"
            [messages]
            language = "en"
            [digest]
            time = "07:00"
            smtp_url = "smtp://b"
            [log]
            level = "debug"
            "#,
        );
        let plan = plan(&old, &new);
        assert_eq!(
            plan.live,
            vec!["digest.time", "log", "messages", "power.shutdown_delay"]
        );
        assert_eq!(
            plan.restart,
            vec!["digest.smtp_url", "power.shutdown_method", "timezone"]
        );
        assert_eq!(super::plan(&old, &old), Plan::default());
    }

    #[test]
    fn game_changes_are_named_key_by_key_and_wait_for_a_restart() {
        let old = table("[game]\nenabled = true\npyre_vote = \"10:00-18:00\"\n");
        let new =
            table("[game]\nenabled = true\npyre_vote = \"09:00-18:00\"\ncatalogue = \"/x.toml\"\n");
        let p = plan(&old, &new);
        assert_eq!(p.restart, vec!["game.catalogue", "game.pyre_vote"]);
        assert!(p.live.is_empty());
        // Turned on or off: the section, once.
        assert_eq!(plan(&table(""), &old).restart, vec!["game"]);
        assert_eq!(plan(&old, &table("")).restart, vec!["game"]);
    }

    #[test]
    fn turning_the_digest_on_needs_a_restart() {
        let old = table("[log]\nlevel = \"info\"\n");
        let new = table("[log]\nlevel = \"info\"\n[digest]\ntime = \"08:00\"\n");
        assert_eq!(plan(&old, &new).restart, vec!["digest.time"]);
    }
}
