//! The configuration file (`/etc/cubeguardian/config.toml`), validated.
//!
//! Every value is checked while it is read — durations, ids, MAC and socket
//! addresses, URLs, the SSH host key — so a bad value is reported with the
//! file, line and key at fault. Unknown keys are refused: a typo must not
//! silently fall back to a default. Secrets are never read from here (see
//! [`crate::secret`]).
//!
//! [`Config::from_file`] does the I/O; [`Config::from_str`] is pure and is
//! what the tests use.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::messages::{Language, Messages};
use crate::ratelimit::RateLimitConfig;
use crate::ssh::HostKey;
use crate::time::Zone;
use crate::wol::MacAddress;

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

/// A Discord snowflake id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Snowflake(pub u64);

/// A channel named by id or by name (as shown in Discord, without `#`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelRef {
    Id(u64),
    Name(String),
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelRef::Id(id) => write!(f, "{id}"),
            ChannelRef::Name(name) => write!(f, "#{name}"),
        }
    }
}

impl ChannelRef {
    /// Whether a channel with this id and name is the one meant.
    pub fn matches(&self, id: u64, name: &str) -> bool {
        match self {
            ChannelRef::Id(want) => *want == id,
            ChannelRef::Name(want) => want.trim_start_matches('#') == name,
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
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Base URL for REST and gateway discovery.
    #[serde(default = "default_api_url", deserialize_with = "http_url")]
    pub api_url: String,
    /// Overrides the gateway URL Discord's REST API advertises.
    #[serde(default, deserialize_with = "ws_url")]
    pub gateway_url: Option<String>,
    pub guild_id: Snowflake,
    #[serde(default = "default_voice_channel")]
    pub voice_channel: ChannelRef,
    pub announce_channel: ChannelRef,
    pub admin_user_id: Snowflake,
    /// Members with these roles are admins too (`/ratelimit`).
    #[serde(default)]
    pub admin_role_ids: Vec<Snowflake>,
    /// The name players call the bot by in messages ("CubeGuardian,
    /// redémarre…"); default: its Discord user name.
    #[serde(default)]
    pub bot_name: Option<String>,
}

impl DiscordConfig {
    /// True when REST goes somewhere else than Discord itself (a
    /// rate-limiting proxy or a local stand-in).
    pub fn uses_proxy(&self) -> bool {
        self.api_url.trim_end_matches('/') != DISCORD_API
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayersConfig {
    #[serde(default)]
    pub user_ids: Vec<Snowflake>,
    #[serde(default)]
    pub role_ids: Vec<Snowflake>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WakeOnLanConfig {
    #[serde(deserialize_with = "parsed")]
    pub mac: MacAddress,
    #[serde(default = "default_wol_target", deserialize_with = "parsed")]
    pub target: SocketAddr,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxmoxConfig {
    #[serde(deserialize_with = "http_url")]
    pub url: String,
    #[serde(default = "default_node")]
    pub node: String,
    #[serde(default = "default_container")]
    pub container_id: u32,
    #[serde(deserialize_with = "token_id")]
    pub token_id: String,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default, deserialize_with = "fingerprint")]
    pub fingerprint: Option<[u8; 32]>,
    /// Accept any certificate. Only for a first test; logged loudly.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    #[serde(default = "default_proxmox_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinecraftConfig {
    pub address: String,
    #[serde(default = "default_minecraft_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShutdownMethod {
    #[default]
    Proxmox,
    Ssh,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerConfig {
    #[serde(default = "ten_minutes", deserialize_with = "duration")]
    pub startup_timeout: Duration,
    #[serde(default = "ten_minutes", deserialize_with = "duration")]
    pub shutdown_delay: Duration,
    #[serde(default = "five_minutes", deserialize_with = "duration")]
    pub shutdown_timeout: Duration,
    #[serde(default)]
    pub shutdown_method: ShutdownMethod,
    /// How often the real machine is probed when nothing is expected to
    /// change (reconciliation).
    #[serde(default = "one_minute", deserialize_with = "duration")]
    pub probe_interval: Duration,
    /// How often it is probed while waiting for a startup or a shutdown.
    #[serde(default = "ten_seconds", deserialize_with = "duration")]
    pub watch_interval: Duration,
}

impl Default for PowerConfig {
    fn default() -> Self {
        PowerConfig {
            startup_timeout: ten_minutes(),
            shutdown_delay: ten_minutes(),
            shutdown_timeout: five_minutes(),
            shutdown_method: ShutdownMethod::Proxmox,
            probe_interval: one_minute(),
            watch_interval: ten_seconds(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshConfig {
    pub address: String,
    #[serde(default = "default_ssh_user")]
    pub user: String,
    /// Outside systemd; under the unit the key is the `ssh_key` credential,
    /// which wins (see `app::ssh_key_file`).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    #[serde(deserialize_with = "parsed")]
    pub host_key: HostKey,
    #[serde(default = "default_ssh_command")]
    pub command: String,
    #[serde(default = "default_ssh_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
}

/// `[admin]`: the HTTP endpoint (`/health`, `/metrics`, the admin page).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Where it listens; loopback by default, the admin opens it to the LAN.
    #[serde(default = "default_admin_listen", deserialize_with = "parsed")]
    pub listen: SocketAddr,
    /// How long the Discord gateway may be down before `/health` says 503.
    #[serde(default = "ten_seconds", deserialize_with = "duration")]
    pub health_grace: Duration,
    /// Whether `/metrics` answers without the admin token.
    #[serde(default = "yes")]
    pub metrics_public: bool,
    /// Host names the admin page answers to besides IP addresses and
    /// `localhost` (DNS rebinding defence).
    #[serde(default)]
    pub hostnames: Vec<crate::web::Hostname>,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen: default_admin_listen(),
            health_grace: ten_seconds(),
            metrics_public: true,
            hostnames: Vec::new(),
        }
    }
}

fn default_admin_listen() -> SocketAddr {
    crate::web::DEFAULT_LISTEN
}

fn yes() -> bool {
    true
}

/// `[restart]`: the Minecraft restart command.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartConfig {
    /// Per player, between two restarts.
    #[serde(default = "ten_minutes", deserialize_with = "duration")]
    pub cooldown: Duration,
    /// Restarts per (UTC) day, everyone together.
    #[serde(default = "default_per_day")]
    pub per_day: u32,
    /// How long the requester has to confirm.
    #[serde(default = "one_minute", deserialize_with = "duration")]
    pub confirm_within: Duration,
    /// From the reboot request until Minecraft must answer again.
    #[serde(default = "five_minutes", deserialize_with = "duration")]
    pub timeout: Duration,
}

impl Default for RestartConfig {
    fn default() -> Self {
        RestartConfig {
            cooldown: ten_minutes(),
            per_day: default_per_day(),
            confirm_within: one_minute(),
            timeout: five_minutes(),
        }
    }
}

fn default_per_day() -> u32 {
    5
}

/// `[digest]`: the daily digest mailer.
#[derive(Clone, Debug)]
pub struct DigestConfig {
    /// The local time it is sent at, in [`DigestConfig::zone`].
    pub time: jiff::civil::Time,
    /// `digest.timezone`, else the top-level `timezone`.
    pub zone: Zone,
    pub smtp_url: crate::digest::mail::SmtpUrl,
    pub smtp_user: Option<String>,
    pub smtp_ca_file: Option<PathBuf>,
    pub smtp_timeout: Duration,
    /// The first retry of a digest the server did not accept; each next
    /// one waits twice as long, up to an hour.
    pub retry_after: Duration,
    pub from: String,
    pub to: Vec<String>,
    pub excluded_channels: Vec<ChannelRef>,
    pub important_channels: Vec<ChannelRef>,
    /// Private channels whose messages are captured for the mail (never
    /// shown on Discord to members who cannot open them).
    pub include_private: Vec<ChannelRef>,
    /// Captured messages older than this are deleted (once a sent digest
    /// has covered them).
    pub retention: Duration,
    /// Whether a day without messages still gets its (short) mail.
    pub send_when_empty: bool,
    /// How long captured messages wait in memory to be committed together
    /// (SD-card wear: see `digest::capture`).
    pub commit_interval: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_digest_time", deserialize_with = "local_time")]
    time: jiff::civil::Time,
    #[serde(default)]
    timezone: Option<String>,
    smtp_url: String,
    #[serde(default)]
    smtp_user: Option<String>,
    #[serde(default)]
    smtp_ca_file: Option<PathBuf>,
    #[serde(default = "one_minute", deserialize_with = "duration")]
    smtp_timeout: Duration,
    #[serde(default = "one_minute", deserialize_with = "duration")]
    retry_after: Duration,
    from: String,
    to: Vec<String>,
    #[serde(default)]
    excluded_channels: Vec<ChannelRef>,
    #[serde(default)]
    important_channels: Vec<ChannelRef>,
    #[serde(default)]
    include_private: Vec<ChannelRef>,
    #[serde(default = "thirty_days", deserialize_with = "duration")]
    retention: Duration,
    #[serde(default)]
    send_when_empty: bool,
    #[serde(default = "capture_commit_interval", deserialize_with = "duration")]
    commit_interval: Duration,
}

fn capture_commit_interval() -> Duration {
    crate::digest::capture::COMMIT_INTERVAL
}

fn default_digest_time() -> jiff::civil::Time {
    jiff::civil::Time::constant(8, 0, 0, 0)
}

fn thirty_days() -> Duration {
    Duration::from_secs(30 * 24 * 3600)
}

/// `"08:00"` (or `"08:00:30"`): a local time of day.
fn local_time<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Time, D::Error> {
    let s = String::deserialize(d)?;
    let bad = || de::Error::custom(format!("`{s}` is not a time of day like \"08:00\""));
    let mut parts = s.trim().split(':').map(|p| p.parse::<i8>());
    let (Some(Ok(h)), Some(Ok(m))) = (parts.next(), parts.next()) else {
        return Err(bad());
    };
    let sec = match parts.next() {
        None => 0,
        Some(Ok(sec)) => sec,
        Some(Err(_)) => return Err(bad()),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    jiff::civil::Time::new(h, m, sec, 0).map_err(|_| bad())
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// Defaults to `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`),
    /// then [`DEFAULT_STATE_DIR`].
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

impl StateConfig {
    pub fn resolved_dir(&self) -> PathBuf {
        if let Some(dir) = &self.dir {
            return dir.clone();
        }
        match std::env::var_os("STATE_DIRECTORY") {
            // systemd may pass several, separated by ':'; ours is the first.
            Some(dirs) => PathBuf::from(
                dirs.to_string_lossy()
                    .split(':')
                    .next()
                    .unwrap_or(DEFAULT_STATE_DIR),
            ),
            None => PathBuf::from(DEFAULT_STATE_DIR),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default = "default_level", deserialize_with = "parsed")]
    pub level: log::LevelFilter,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: default_level(),
        }
    }
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
        check_address(&raw.minecraft.address, crate::minecraft::DEFAULT_PORT)
            .map_err(|m| invalid("minecraft.address", m))?;
        if let Some(ssh) = &raw.ssh {
            check_address(&ssh.address, crate::ssh::DEFAULT_PORT)
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
        })
    }
}

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
    let smtp_url = crate::digest::mail::SmtpUrl::parse(&d.smtp_url)
        .map_err(|e| invalid("digest.smtp_url", e.to_string()))?;
    if d.to.is_empty() {
        return Err(invalid(
            "digest.to",
            "name at least one address to send the digest to".to_owned(),
        ));
    }
    crate::digest::mail::check_mailbox(&d.from).map_err(|m| invalid("digest.from", m))?;
    for to in &d.to {
        crate::digest::mail::check_mailbox(to).map_err(|m| invalid("digest.to", m))?;
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
    crate::address::split_host_port(address, default_port)
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

// ---- defaults ----

fn default_api_url() -> String {
    DISCORD_API.to_owned()
}
fn default_voice_channel() -> ChannelRef {
    ChannelRef::Name("L'écho-du-Cube".to_owned())
}
fn default_wol_target() -> SocketAddr {
    SocketAddr::from(([255, 255, 255, 255], 9))
}
fn default_node() -> String {
    "pve".to_owned()
}
fn default_container() -> u32 {
    105
}
fn default_proxmox_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_minecraft_timeout() -> Duration {
    Duration::from_secs(5)
}
fn default_ssh_user() -> String {
    "root".to_owned()
}
fn default_ssh_command() -> String {
    "systemctl poweroff".to_owned()
}
fn default_ssh_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_level() -> log::LevelFilter {
    log::LevelFilter::Info
}
fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}
fn one_minute() -> Duration {
    Duration::from_secs(60)
}
fn five_minutes() -> Duration {
    Duration::from_secs(300)
}
fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}

// ---- value parsers: each refuses a bad value where it is read ----

/// Any `FromStr` value written as a string.
fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map_err(|e: T::Err| {
        let e = e.to_string();
        if e.contains(s.as_str()) {
            de::Error::custom(e)
        } else {
            de::Error::custom(format!("`{s}`: {e}"))
        }
    })
}

/// `"10m"`, `"30s"`, `"1h 30m"`.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(|e| {
        de::Error::custom(format!(
            "`{s}` is not a duration like \"30s\" or \"10m\": {e}"
        ))
    })
}

fn http_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let url = reqwest::Url::parse(&s)
        .map_err(|e| de::Error::custom(format!("`{s}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(de::Error::custom(format!(
            "`{s}` must be an http:// or https:// URL"
        )));
    }
    Ok(s.trim_end_matches('/').to_owned())
}

fn ws_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let url = reqwest::Url::parse(&s)
        .map_err(|e| de::Error::custom(format!("`{s}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "ws" | "wss") || url.host_str().is_none() {
        return Err(de::Error::custom(format!(
            "`{s}` must be a ws:// or wss:// URL"
        )));
    }
    Ok(Some(s))
}

fn token_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if let Some((id, _secret)) = s.split_once('=') {
        // Never echo what follows '=': it is the token's secret.
        return Err(de::Error::custom(format!(
            "`{id}=…` contains the token's secret after `=`: keep only `{id}` here and put the \
             secret in the proxmox_token_secret credential"
        )));
    }
    match s.split_once('!') {
        Some((user, token)) if user.contains('@') && !token.is_empty() => Ok(s),
        _ => Err(de::Error::custom(format!(
            "`{s}` is not a Proxmox API token id like \"cubeguardian@pve!bot\" (USER@REALM!TOKENID; \
             the secret itself goes in the proxmox_token_secret credential)"
        ))),
    }
}

fn fingerprint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
    let s = String::deserialize(d)?;
    crate::proxmox::parse_fingerprint(&s)
        .map(Some)
        .map_err(|e| de::Error::custom(e.to_string()))
}

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdOrName::deserialize(d)? {
            IdOrName::Id(id) if id > 0 => Ok(Snowflake(id as u64)),
            IdOrName::Name(s) => match s.trim().parse::<u64>() {
                Ok(id) if id > 0 => Ok(Snowflake(id)),
                _ => Err(de::Error::custom(format!(
                    "`{s}` is not a Discord id (a positive number)"
                ))),
            },
            IdOrName::Id(id) => Err(de::Error::custom(format!(
                "{id} is not a Discord id (a positive number)"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for ChannelRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdOrName::deserialize(d)? {
            IdOrName::Id(id) if id > 0 => Ok(ChannelRef::Id(id as u64)),
            IdOrName::Id(id) => Err(de::Error::custom(format!("{id} is not a channel id"))),
            IdOrName::Name(s) => match s.trim().parse::<u64>() {
                Ok(id) if id > 0 => Ok(ChannelRef::Id(id)),
                _ if s.trim().trim_start_matches('#').is_empty() => {
                    Err(de::Error::custom("a channel name cannot be empty"))
                }
                _ => Ok(ChannelRef::Name(
                    s.trim().trim_start_matches('#').to_owned(),
                )),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a number (an id) or a string")]
enum IdOrName {
    Id(i64),
    Name(String),
}

#[cfg(test)]
mod tests;
