//! The sections of the configuration file as serde reads them, each with
//! its defaults: one struct per `[section]`. Checks that need more than one
//! key are made in [`super::Config::from_str`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::values::*;
use super::{ChannelRef, Snowflake, DEFAULT_STATE_DIR, DISCORD_API};
use crate::peers::ssh::HostKey;
use crate::peers::wol::MacAddress;
use crate::time::calendar::{DailyWindow, Pause};
use crate::time::Zone;

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
    pub hostnames: Vec<crate::peers::address::Hostname>,
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

/// Where the admin server listens by default: loopback only, so opening it
/// to the LAN is the admin's explicit choice.
pub const DEFAULT_ADMIN_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

pub(super) fn default_admin_listen() -> SocketAddr {
    DEFAULT_ADMIN_LISTEN
}

pub(super) fn yes() -> bool {
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

pub(super) fn default_per_day() -> u32 {
    5
}

/// `[digest]`: the daily digest mailer.
#[derive(Clone, Debug)]
pub struct DigestConfig {
    /// The local time it is sent at, in [`DigestConfig::zone`].
    pub time: jiff::civil::Time,
    /// `digest.timezone`, else the top-level `timezone`.
    pub zone: Zone,
    pub smtp_url: crate::peers::smtp::SmtpUrl,
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
pub(super) struct RawDigest {
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    #[serde(default = "default_digest_time", deserialize_with = "local_time")]
    pub(super) time: jiff::civil::Time,
    #[serde(default)]
    pub(super) timezone: Option<String>,
    pub(super) smtp_url: String,
    #[serde(default)]
    pub(super) smtp_user: Option<String>,
    #[serde(default)]
    pub(super) smtp_ca_file: Option<PathBuf>,
    #[serde(default = "one_minute", deserialize_with = "duration")]
    pub(super) smtp_timeout: Duration,
    #[serde(default = "one_minute", deserialize_with = "duration")]
    pub(super) retry_after: Duration,
    pub(super) from: String,
    pub(super) to: Vec<String>,
    #[serde(default)]
    pub(super) excluded_channels: Vec<ChannelRef>,
    #[serde(default)]
    pub(super) important_channels: Vec<ChannelRef>,
    #[serde(default)]
    pub(super) include_private: Vec<ChannelRef>,
    #[serde(default = "thirty_days", deserialize_with = "duration")]
    pub(super) retention: Duration,
    #[serde(default)]
    pub(super) send_when_empty: bool,
    #[serde(default = "capture_commit_interval", deserialize_with = "duration")]
    pub(super) commit_interval: Duration,
}

/// `[digest] commit_interval` when not set: how long a group of captured
/// changes waits in memory. A trickle of one message every 10 s then makes
/// 90 messages a commit: about 455 B written per message (1.1 KiB with 5
/// minutes), against 27 KiB with a commit each (`scripts/measure-digest.sh`).
/// What a crash loses in that window is only reactions: new messages come
/// back with the catch-up, and edits and deletions are committed within
/// seconds ([`crate::digest::capture::PROMPT`]).
pub const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_secs(900);

pub(super) fn capture_commit_interval() -> Duration {
    DEFAULT_COMMIT_INTERVAL
}

pub(super) fn default_digest_time() -> jiff::civil::Time {
    jiff::civil::Time::constant(8, 0, 0, 0)
}

pub(super) fn thirty_days() -> Duration {
    Duration::from_secs(30 * 24 * 3600)
}

/// `"08:00"` (or `"08:00:30"`): a local time of day.
pub(super) fn local_time<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Time, D::Error> {
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

/// `[front_door]`: the Minecraft address players put in their client
/// (see [`crate::front_door`]), validated.
#[derive(Clone, Debug)]
pub struct FrontDoorConfig {
    pub listen: SocketAddr,
    /// The real server, `host:port`; `minecraft.address` unless given.
    pub upstream: String,
    /// Minecraft user names that may wake the host, lowercased (names are
    /// case-insensitive in the game).
    pub allowed_players: Vec<String>,
    /// The MOTDs shown while the host sleeps, starts or stops; `None`: the
    /// `front_door_*` texts of `[messages]`.
    pub motd_sleeping: Option<String>,
    pub motd_starting: Option<String>,
    pub motd_stopping: Option<String>,
    pub max_connections: u32,
    pub max_connections_per_address: u32,
    pub handshake_timeout: Duration,
    /// Whether a login must prove its account with the session server
    /// before it may wake anything (see [`crate::peers::minecraft::session`]).
    pub online_mode: bool,
    /// The session server's base URL, without a trailing `/`.
    pub session_server: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFrontDoor {
    #[serde(default)]
    pub(super) enabled: bool,
    #[serde(default = "default_front_door_listen", deserialize_with = "parsed")]
    pub(super) listen: SocketAddr,
    #[serde(default)]
    pub(super) upstream: Option<String>,
    #[serde(default)]
    pub(super) allowed_players: Vec<String>,
    #[serde(default)]
    pub(super) motd_sleeping: Option<String>,
    #[serde(default)]
    pub(super) motd_starting: Option<String>,
    #[serde(default)]
    pub(super) motd_stopping: Option<String>,
    #[serde(default = "default_max_connections")]
    pub(super) max_connections: u32,
    #[serde(default = "default_max_connections_per_address")]
    pub(super) max_connections_per_address: u32,
    #[serde(default = "five_seconds", deserialize_with = "duration")]
    pub(super) handshake_timeout: Duration,
    #[serde(default = "yes")]
    pub(super) online_mode: bool,
    #[serde(default = "default_session_server", deserialize_with = "http_url")]
    pub(super) session_server: String,
}

pub(super) fn default_front_door_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], crate::peers::minecraft::DEFAULT_PORT))
}
/// A Pi serves a handful of friends: 256 sockets is far more than they
/// open and far less than the Pi's file-descriptor limit.
pub(super) fn default_max_connections() -> u32 {
    256
}
/// One player's client opens one connection to play and one per server
/// list refresh; 8 leaves room for a family behind one router.
pub(super) fn default_max_connections_per_address() -> u32 {
    8
}
/// Mojang's, which every official account joins through.
pub(super) fn default_session_server() -> String {
    "https://sessionserver.mojang.com".to_owned()
}
pub(super) fn five_seconds() -> Duration {
    Duration::from_secs(5)
}

/// `[game]`: the werewolf game (issue 15), validated.
#[derive(Clone, Debug)]
pub struct GameConfig {
    /// The season's server: `discord.guild_id` unless given (a season
    /// usually has its own).
    pub guild_id: Snowflake,
    /// The game masters' Discord role, by id (a name can be taken twice);
    /// `None`: the "MJ" role the game creates in its server.
    pub mj_role: Option<Snowflake>,
    /// The catalogue of camps, roles and actions; `None`: the built-in one.
    pub catalogue: Option<PathBuf>,
    pub pyre_vote: DailyWindow,
    pub wolves_vote: DailyWindow,
    pub mayor_vote: DailyWindow,
    /// When the day's role actions open.
    pub actions_start: jiff::civil::Time,
    /// When the evening's "hype" message is posted.
    pub hype: jiff::civil::Time,
    /// The weekly pause in which nothing is scheduled.
    pub pause: Pause,
    /// `game.timezone`, else the top-level `timezone`.
    pub zone: Zone,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGame {
    #[serde(default)]
    pub(super) enabled: bool,
    #[serde(default)]
    pub(super) guild_id: Option<Snowflake>,
    #[serde(default)]
    pub(super) mj_role: Option<Snowflake>,
    #[serde(default)]
    pub(super) catalogue: Option<PathBuf>,
    #[serde(default = "default_pyre_vote", deserialize_with = "parsed")]
    pub(super) pyre_vote: DailyWindow,
    #[serde(default = "default_wolves_vote", deserialize_with = "parsed")]
    pub(super) wolves_vote: DailyWindow,
    #[serde(default = "default_mayor_vote", deserialize_with = "parsed")]
    pub(super) mayor_vote: DailyWindow,
    #[serde(default = "default_actions_start", deserialize_with = "time_of_day")]
    pub(super) actions_start: jiff::civil::Time,
    #[serde(default = "default_hype", deserialize_with = "time_of_day")]
    pub(super) hype: jiff::civil::Time,
    #[serde(default, deserialize_with = "parsed")]
    pub(super) pause: Pause,
    #[serde(default)]
    pub(super) timezone: Option<String>,
}

// The schedule lg-rez's `!cparti` set up (GAME.md §5).
pub(super) fn default_pyre_vote() -> DailyWindow {
    window(10, 18)
}
pub(super) fn default_wolves_vote() -> DailyWindow {
    window(19, 23)
}
pub(super) fn default_mayor_vote() -> DailyWindow {
    window(10, 17)
}
pub(super) fn default_actions_start() -> jiff::civil::Time {
    jiff::civil::Time::constant(19, 0, 0, 0)
}
pub(super) fn default_hype() -> jiff::civil::Time {
    jiff::civil::Time::constant(18, 50, 0, 0)
}
fn window(open: i8, close: i8) -> DailyWindow {
    DailyWindow {
        open: jiff::civil::Time::constant(open, 0, 0, 0),
        close: jiff::civil::Time::constant(close, 0, 0, 0),
    }
}

/// `"19:00"`, as the game's schedule writes times.
pub(super) fn time_of_day<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Time, D::Error> {
    let s = String::deserialize(d)?;
    crate::time::calendar::parse_time_of_day(&s).map_err(de::Error::custom)
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

// ---- defaults ----

pub(super) fn default_api_url() -> String {
    DISCORD_API.to_owned()
}
pub(super) fn default_voice_channel() -> ChannelRef {
    ChannelRef::Name("L'écho-du-Cube".to_owned())
}
pub(super) fn default_wol_target() -> SocketAddr {
    SocketAddr::from(([255, 255, 255, 255], 9))
}
pub(super) fn default_node() -> String {
    "pve".to_owned()
}
pub(super) fn default_container() -> u32 {
    105
}
pub(super) fn default_proxmox_timeout() -> Duration {
    Duration::from_secs(10)
}
pub(super) fn default_minecraft_timeout() -> Duration {
    Duration::from_secs(5)
}
pub(super) fn default_ssh_user() -> String {
    "root".to_owned()
}
pub(super) fn default_ssh_command() -> String {
    "systemctl poweroff".to_owned()
}
pub(super) fn default_ssh_timeout() -> Duration {
    Duration::from_secs(30)
}
pub(super) fn default_level() -> log::LevelFilter {
    log::LevelFilter::Info
}
pub(super) fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}
pub(super) fn one_minute() -> Duration {
    Duration::from_secs(60)
}
pub(super) fn five_minutes() -> Duration {
    Duration::from_secs(300)
}
pub(super) fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}
