//! The configuration file (`/etc/cubeguardian/config.toml`), validated.
//!
//! Every value is checked while it is read — durations, ids, MAC and socket
//! addresses, URLs, the SSH host key — so a bad value is reported with the
//! file, line and key at fault. Unknown keys are refused: a typo must not
//! silently fall back to a default. Secrets are never read from here (see
//! [`crate::system::secret`]).
//!
//! [`Config::from_file`] does the I/O; [`Config::from_str`] is pure and is
//! what the tests use.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

mod sections;
mod values;

pub use sections::*;
pub use values::{ChannelRef, Snowflake};

use crate::messages::{Language, Messages};
use crate::ratelimit::RateLimitConfig;
use crate::time::Zone;

/// Where `run` and `check-config` look when `--config` is not given.
pub const DEFAULT_PATH: &str = "/etc/cubeguardian/config.toml";

/// Where state lives when neither `[state] dir` nor `$STATE_DIRECTORY` says.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/cubeguardian";

/// Discord's own REST base; any other `api_url` is a proxy or a stand-in.
pub const DISCORD_API: &str = "https://discord.com";

/// The shortest probe interval or timeout accepted: below it the bot would
/// spend its time probing (the tests use a few hundred milliseconds).
const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// A configuration that cannot be used, and where the fault is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", describe(.file, .line, .key, .message))]
    Invalid {
        file: String,
        line: Option<usize>,
        key: String,
        message: String,
    },
}

fn describe(file: &str, line: &Option<usize>, key: &str, message: &str) -> String {
    let place = match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    };
    if key.is_empty() {
        format!("{place}: {message}")
    } else {
        format!("{place}: `{key}`: {message}")
    }
}

impl ConfigError {
    /// The 1-based line at fault, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Invalid { line, .. } => *line,
            ConfigError::Read { .. } => None,
        }
    }

    /// The dotted key at fault (e.g. `wake_on_lan.mac`), when known.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } if !key.is_empty() => Some(key),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The appliance's time zone: daily limits reset at its midnight.
    pub zone: Zone,
    pub discord: DiscordConfig,
    pub players: PlayersConfig,
    pub wake_on_lan: WakeOnLanConfig,
    pub proxmox: Option<ProxmoxConfig>,
    pub minecraft: MinecraftConfig,
    pub power: PowerConfig,
    pub ssh: Option<SshConfig>,
    pub restart: RestartConfig,
    pub ratelimit: RateLimitConfig,
    pub admin: AdminConfig,
    pub state: StateConfig,
    pub messages: Messages,
    pub log: LogConfig,
    /// `[digest]`; `None` when the section is absent or `enabled = false`:
    /// then no message is stored at all.
    pub digest: Option<DigestConfig>,
    /// `[front_door]`; `None` when absent or `enabled = false`.
    pub front_door: Option<FrontDoorConfig>,
    /// `[game]`; `None` when absent or `enabled = false` (the default).
    pub game: Option<GameConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessages {
    #[serde(default)]
    language: Language,
    #[serde(default)]
    text: toml::Table,
}

/// The file as written; [`Config`] is what is left after the checks that
/// need more than one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// An IANA zone name; default the system's.
    #[serde(default)]
    timezone: Option<String>,
    discord: DiscordConfig,
    #[serde(default)]
    players: PlayersConfig,
    wake_on_lan: WakeOnLanConfig,
    proxmox: Option<ProxmoxConfig>,
    minecraft: MinecraftConfig,
    #[serde(default)]
    power: PowerConfig,
    ssh: Option<SshConfig>,
    #[serde(default)]
    restart: RestartConfig,
    #[serde(default)]
    ratelimit: RateLimitConfig,
    #[serde(default)]
    admin: AdminConfig,
    #[serde(default)]
    state: StateConfig,
    #[serde(default)]
    messages: RawMessages,
    #[serde(default)]
    log: LogConfig,
    #[serde(default)]
    digest: Option<RawDigest>,
    #[serde(default)]
    front_door: Option<RawFrontDoor>,
    #[serde(default)]
    game: Option<RawGame>,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Validates `text`; `file` names it in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_owned(),
            line: locate(text, key),
            key: key.to_owned(),
            message,
        };
        let deserializer = toml::Deserializer::parse(text).map_err(|e| ConfigError::Invalid {
            file: file.to_owned(),
            line: e.span().map(|s| line_of(text, s.start)),
            key: String::new(),
            message: e.message().to_owned(),
        })?;
        let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let line = inner
                .span()
                .map(|s| line_of(text, s.start))
                .or_else(|| locate(text, &key));
            ConfigError::Invalid {
                file: file.to_owned(),
                line,
                key: if key == "." { String::new() } else { key },
                message: inner.message().to_owned(),
            }
        })?;

        if let Some(px) = &raw.proxmox {
            let ways = [
                px.ca_file.is_some(),
                px.fingerprint.is_some(),
                px.insecure_skip_verify,
            ]
            .iter()
            .filter(|set| **set)
            .count();
            if ways != 1 {
                return Err(invalid(
                    "proxmox",
                    "set exactly one of `ca_file` (the PVE root CA, /etc/pve/pve-root-ca.pem on the host), \
                     `fingerprint` (SHA-256 of the server certificate) or `insecure_skip_verify = true`"
                        .to_owned(),
                ));
            }
        }
        match raw.power.shutdown_method {
            ShutdownMethod::Proxmox if raw.proxmox.is_none() => {
                return Err(invalid(
                    "power.shutdown_method",
                    "\"proxmox\" needs a [proxmox] section (or use \"ssh\" with an [ssh] section)"
                        .to_owned(),
                ))
            }
            ShutdownMethod::Ssh if raw.ssh.is_none() => {
                return Err(invalid(
                    "power.shutdown_method",
                    "\"ssh\" needs an [ssh] section".to_owned(),
                ))
            }
            _ => {}
        }
        for (key, value) in [
            ("power.startup_timeout", raw.power.startup_timeout),
            ("power.shutdown_timeout", raw.power.shutdown_timeout),
            ("power.probe_interval", raw.power.probe_interval),
            ("power.watch_interval", raw.power.watch_interval),
        ] {
            if value < MIN_INTERVAL {
                return Err(invalid(
                    key,
                    format!(
                        "must be at least {}",
                        humantime::format_duration(MIN_INTERVAL)
                    ),
                ));
            }
        }
        check_address(
            &raw.minecraft.address,
            crate::peers::minecraft::DEFAULT_PORT,
        )
        .map_err(|m| invalid("minecraft.address", m))?;
        if let Some(ssh) = &raw.ssh {
            check_address(&ssh.address, crate::peers::ssh::DEFAULT_PORT)
                .map_err(|m| invalid("ssh.address", m))?;
        }

        let overrides = raw
            .messages
            .text
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_owned())),
                None => Err(invalid(
                    &format!("messages.text.{k}"),
                    "must be a string".to_owned(),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let messages = Messages::new(raw.messages.language, &overrides)
            .map_err(|(key, e)| invalid(&format!("messages.text.{key}"), e.to_string()))?;

        raw.ratelimit
            .validate()
            .map_err(|e| invalid(&format!("ratelimit.{}", e.key), e.problem.clone()))?;
        let zone = Zone::new(raw.timezone.as_deref()).map_err(|m| invalid("timezone", m))?;
        let digest = match raw.digest {
            Some(d) if d.enabled => Some(digest_config(d, &zone, &invalid)?),
            _ => None,
        };
        let front_door = match raw.front_door {
            Some(f) if f.enabled => Some(front_door_config(f, &raw.minecraft, &invalid)?),
            _ => None,
        };
        let game = match raw.game {
            Some(g) if g.enabled => Some(game_config(g, &raw.discord, &zone, &invalid)?),
            _ => None,
        };

        Ok(Config {
            zone,
            discord: raw.discord,
            players: raw.players,
            wake_on_lan: raw.wake_on_lan,
            proxmox: raw.proxmox,
            minecraft: raw.minecraft,
            power: raw.power,
            ssh: raw.ssh,
            restart: raw.restart,
            ratelimit: raw.ratelimit,
            admin: raw.admin,
            state: raw.state,
            messages,
            log: raw.log,
            digest,
            front_door,
            game,
        })
    }
}

/// The checks of `[game]` that need more than one value (each value's own
/// check — a window that ends before it starts, an unknown weekday — is
/// made where it is read, so the error names its key and line).
fn game_config(
    g: RawGame,
    discord: &DiscordConfig,
    zone: &Zone,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<GameConfig, ConfigError> {
    let zone = match &g.timezone {
        Some(name) => Zone::new(Some(name)).map_err(|m| invalid("game.timezone", m))?,
        None => zone.clone(),
    };
    Ok(GameConfig {
        guild_id: g.guild_id.unwrap_or(discord.guild_id),
        mj_role: g.mj_role,
        catalogue: g.catalogue,
        pyre_vote: g.pyre_vote,
        wolves_vote: g.wolves_vote,
        mayor_vote: g.mayor_vote,
        actions_start: g.actions_start,
        hype: g.hype,
        pause: g.pause,
        zone,
    })
}

/// The checks of `[front_door]`: the upstream address, the player names,
/// the MOTDs' placeholders and the limits.
fn front_door_config(
    f: RawFrontDoor,
    minecraft: &MinecraftConfig,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<FrontDoorConfig, ConfigError> {
    let upstream = f.upstream.unwrap_or_else(|| minecraft.address.clone());
    check_address(&upstream, crate::peers::minecraft::DEFAULT_PORT)
        .map_err(|m| invalid("front_door.upstream", m))?;
    let mut allowed_players = Vec::with_capacity(f.allowed_players.len());
    for name in &f.allowed_players {
        if !crate::peers::minecraft::is_player_name(name) {
            return Err(invalid(
                "front_door.allowed_players",
                format!("`{name}` is not a Minecraft user name (1 to 16 letters, digits or `_`)"),
            ));
        }
        allowed_players.push(name.to_ascii_lowercase());
    }
    for (key, text, motd) in [
        (
            "front_door.motd_sleeping",
            crate::messages::Text::FrontDoorSleeping,
            &f.motd_sleeping,
        ),
        (
            "front_door.motd_starting",
            crate::messages::Text::FrontDoorStarting,
            &f.motd_starting,
        ),
        (
            "front_door.motd_stopping",
            crate::messages::Text::FrontDoorStopping,
            &f.motd_stopping,
        ),
    ] {
        if let Some(motd) = motd {
            // The same placeholder check as a `[messages.text]` override.
            Messages::new(Language::Fr, &[(text.key().to_owned(), motd.clone())])
                .map_err(|(_, e)| invalid(key, e.to_string()))?;
        }
    }
    for (key, value) in [
        ("front_door.max_connections", f.max_connections),
        (
            "front_door.max_connections_per_address",
            f.max_connections_per_address,
        ),
    ] {
        if !(1..=MAX_FRONT_DOOR_CONNECTIONS).contains(&value) {
            return Err(invalid(
                key,
                format!("must be between 1 and {MAX_FRONT_DOOR_CONNECTIONS}"),
            ));
        }
    }
    if f.max_connections_per_address > f.max_connections {
        return Err(invalid(
            "front_door.max_connections_per_address",
            "must not be more than `max_connections`".to_owned(),
        ));
    }
    if f.handshake_timeout < MIN_INTERVAL || f.handshake_timeout > Duration::from_secs(60) {
        return Err(invalid(
            "front_door.handshake_timeout",
            "must be between 100ms and 60s".to_owned(),
        ));
    }
    check_session_server(&f.session_server).map_err(|m| invalid("front_door.session_server", m))?;
    Ok(FrontDoorConfig {
        listen: f.listen,
        upstream,
        allowed_players,
        motd_sleeping: f.motd_sleeping,
        motd_starting: f.motd_starting,
        motd_stopping: f.motd_stopping,
        max_connections: f.max_connections,
        max_connections_per_address: f.max_connections_per_address,
        handshake_timeout: f.handshake_timeout,
        online_mode: f.online_mode,
        session_server: f.session_server,
    })
}

/// The session server's answer is what lets a player wake the host: over
/// plain HTTP anyone on the path could forge it, so only a stand-in on
/// this machine may go without TLS.
fn check_session_server(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if parsed.scheme() != "https" && !loopback {
        return Err(format!(
            "`{url}` must be an https:// URL (plain http:// only for a server on this machine)"
        ));
    }
    Ok(())
}

/// The most connections the front door may be allowed: each is a socket
/// and two small buffers; beyond this a Pi runs out of descriptors first.
const MAX_FRONT_DOOR_CONNECTIONS: u32 = 10_000;

/// The checks of `[digest]` that need more than one value.
fn digest_config(
    d: RawDigest,
    zone: &Zone,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<DigestConfig, ConfigError> {
    let zone = match &d.timezone {
        Some(name) => Zone::new(Some(name)).map_err(|m| invalid("digest.timezone", m))?,
        None => zone.clone(),
    };
    let smtp_url = crate::peers::smtp::SmtpUrl::parse(&d.smtp_url)
        .map_err(|e| invalid("digest.smtp_url", e.to_string()))?;
    if d.to.is_empty() {
        return Err(invalid(
            "digest.to",
            "name at least one address to send the digest to".to_owned(),
        ));
    }
    crate::peers::smtp::check_mailbox(&d.from).map_err(|m| invalid("digest.from", m))?;
    for to in &d.to {
        crate::peers::smtp::check_mailbox(to).map_err(|m| invalid("digest.to", m))?;
    }
    if let Some(both) = d
        .include_private
        .iter()
        .find(|c| d.excluded_channels.contains(c))
    {
        return Err(invalid(
            "digest.include_private",
            format!("{both} is also in excluded_channels: choose one"),
        ));
    }
    if d.retention < Duration::from_secs(24 * 3600) {
        return Err(invalid(
            "digest.retention",
            "must be at least one day (\"1d\"): the digest covers a day".to_owned(),
        ));
    }
    Ok(DigestConfig {
        time: d.time,
        zone,
        smtp_url,
        smtp_user: d.smtp_user,
        smtp_ca_file: d.smtp_ca_file,
        smtp_timeout: d.smtp_timeout,
        retry_after: d.retry_after,
        from: d.from,
        to: d.to,
        excluded_channels: d.excluded_channels,
        important_channels: d.important_channels,
        include_private: d.include_private,
        retention: d.retention,
        send_when_empty: d.send_when_empty,
        commit_interval: d.commit_interval,
    })
}

impl FromStr for Config {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "<config>")
    }
}

/// A `host:port` (the port may be left out: the service's default).
fn check_address(address: &str, default_port: u16) -> Result<(), String> {
    crate::peers::address::split_host_port(address, default_port)
        .map(|_| ())
        .map_err(|why| {
            format!("`{address}` is not host:port (for example \"pve-game.lan:25565\"): {why}")
        })
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The line where a dotted key (or table) is defined, for errors found after
/// deserialization.
fn locate(text: &str, dotted: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut parts = dotted.split('.').peekable();
    while let Some(part) = parts.next() {
        let (key, value) = table.get_key_value(part)?;
        if parts.peek().is_none() {
            return Some(line_of(text, key.span().start));
        }
        table = value.get_ref().as_table()?;
    }
    None
}

#[cfg(test)]
pub(crate) mod tests;
