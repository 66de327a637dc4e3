//! The `[ratelimit]` configuration table: per-command buckets, quotas,
//! escalation and memory bounds, with the seed's defaults built in.
//!
//! ```toml
//! [ratelimit]
//! daily_quota = 20
//! global_daily_caps = { restart = 5 }
//! ban_steps = ["5m", "1h", "24h"]
//! exempt_roles = ["123456789012345678"]
//!
//! [ratelimit.commands.restart]
//! capacity = 1
//! per = "10m"
//! min_interval = "10m"
//!
//! [ratelimit.default]
//! capacity = 30
//! per = "1m"
//! min_interval = "500ms"
//! ```
//!
//! `[ratelimit.commands.*]` entries are merged over the built-in ones (a
//! file that tunes `restart` keeps the seed's `vote`); `global_daily_caps`,
//! when given, replaces the built-in table. Unknown keys are refused.
//! Deserializing checks types and durations; [`RateLimitConfig::validate`]
//! checks the values together and is also run by
//! [`crate::ratelimit::Limiter::new`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::RoleId;

/// The longest `per` or `min_interval` a command may have. Bucket times are
/// kept as 32-bit wrapping milliseconds (±24 days), which a day stays far
/// inside; a limit longer than a day is a daily quota's job.
pub const MAX_BUCKET_SPAN: Duration = Duration::from_secs(24 * 3600);

/// The largest bucket capacity; beyond it a bucket no longer limits anything
/// a human can type.
pub const MAX_CAPACITY: u32 = 10_000;

/// Command entries, the default included, must fit a one-byte index with
/// one value left to mark an empty bucket slot.
pub const MAX_COMMANDS: usize = 250;

/// The longest ban (automatic step or admin ban): a year, so the end of a
/// ban always fits the 32-bit seconds the user table stores.
pub const MAX_BAN: Duration = Duration::from_secs(365 * 24 * 3600);

/// The largest daily quota: the per-user counter is 16 bits, and more
/// than 65 535 commands a day is no quota at all.
pub const MAX_DAILY_QUOTA: u32 = u16::MAX as u32;

/// Limits of one command: a token bucket of `capacity` tokens that refills
/// completely in `per`, and a minimum gap between two uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandLimit {
    /// Tokens in a full bucket: the longest burst allowed.
    pub capacity: u32,
    /// Time to refill the whole capacity (continuously, one token every
    /// `per / capacity`).
    #[serde(deserialize_with = "duration")]
    pub per: Duration,
    /// Minimum time between two uses, whatever the bucket holds.
    #[serde(default, deserialize_with = "duration")]
    pub min_interval: Duration,
    /// Whether a use counts toward the user's `daily_quota`; read-only
    /// commands can opt out so curiosity never costs a player the evening's
    /// `wake`.
    #[serde(default = "yes")]
    pub counts_toward_quota: bool,
}

fn yes() -> bool {
    true
}

impl CommandLimit {
    /// A limit of `capacity` uses per `per`, at least `min_interval` apart,
    /// counting toward the daily quota.
    pub fn new(capacity: u32, per: Duration, min_interval: Duration) -> CommandLimit {
        CommandLimit {
            capacity,
            per,
            min_interval,
            counts_toward_quota: true,
        }
    }
}

/// The `[ratelimit]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Per-command limits, built-in entries included (see [`builtin_commands`]).
    #[serde(deserialize_with = "merge_commands")]
    pub commands: BTreeMap<String, CommandLimit>,
    /// The limit of every command not listed; such commands share one
    /// bucket per user.
    pub default: CommandLimit,
    /// Commands per user per local day, all counted commands together;
    /// 0 turns the quota off.
    pub daily_quota: u32,
    /// Uses per local day of a command by all users together.
    pub global_daily_caps: BTreeMap<String, u32>,
    /// A refusal continues a violation streak if it comes within this time
    /// of the previous one (or of the end of the last ban).
    #[serde(deserialize_with = "duration")]
    pub violation_window: Duration,
    /// Violations in one streak that bring the next ban.
    pub violations_before_ban: u8,
    /// Ban lengths for the first, second, … ban; the last one repeats.
    #[serde(deserialize_with = "durations")]
    pub ban_steps: Vec<Duration>,
    /// After this long without a violation or a ban, the escalation level
    /// drops by one (and by one more for every further such period).
    #[serde(deserialize_with = "duration")]
    pub decay_after: Duration,
    /// Members with any of these roles bypass the limiter.
    pub exempt_roles: Vec<RoleId>,
    /// Hard cap on users tracked at once, whatever the traffic.
    pub max_tracked_users: u32,
    /// How long a user must be unseen before [`crate::ratelimit::Limiter::cleanup`]
    /// may drop their (otherwise empty) entry.
    #[serde(deserialize_with = "duration")]
    pub cleanup_idle_after: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            commands: builtin_commands(),
            default: DEFAULT.limit(),
            daily_quota: 20,
            // Requests, not restarts (those are capped by `[restart]`): a
            // generous backstop against a member cycling accounts.
            global_daily_caps: BTreeMap::from([("restart".to_owned(), 30)]),
            violation_window: Duration::from_secs(10 * 60),
            violations_before_ban: 5,
            ban_steps: vec![
                Duration::from_secs(5 * 60),
                Duration::from_secs(3600),
                Duration::from_secs(24 * 3600),
            ],
            decay_after: Duration::from_secs(24 * 3600),
            exempt_roles: Vec::new(),
            max_tracked_users: 10_000,
            cleanup_idle_after: Duration::from_secs(5 * 60),
        }
    }
}

/// A configuration value that cannot be used, and which key holds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`ratelimit.{key}`: {problem}")]
pub struct RateLimitConfigError {
    /// The key under `[ratelimit]`, e.g. `commands.restart.per`.
    pub key: String,
    pub problem: String,
}

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> RateLimitConfigError {
    RateLimitConfigError {
        key: key.into(),
        problem: problem.into(),
    }
}

impl RateLimitConfig {
    /// Checks every value and their consistency (a cap must name a
    /// configured command, times must fit the limiter's storage).
    pub fn validate(&self) -> Result<(), RateLimitConfigError> {
        if self.commands.len() + 1 > MAX_COMMANDS {
            return Err(invalid(
                "commands",
                format!("at most {} command entries are supported", MAX_COMMANDS - 1),
            ));
        }
        for (name, limit) in &self.commands {
            if name.trim().is_empty() {
                return Err(invalid("commands", "a command name is empty"));
            }
            validate_limit(&format!("commands.{name}"), limit)?;
        }
        validate_limit("default", &self.default)?;
        for name in self.global_daily_caps.keys() {
            if !self.commands.contains_key(name) {
                return Err(invalid(
                    format!("global_daily_caps.{name}"),
                    format!("there is no command `{name}` (add [ratelimit.commands.{name}])"),
                ));
            }
        }
        if self.daily_quota > MAX_DAILY_QUOTA {
            return Err(invalid(
                "daily_quota",
                format!("must be at most {MAX_DAILY_QUOTA} (0 turns the quota off)"),
            ));
        }
        at_least_a_second("violation_window", self.violation_window)?;
        at_least_a_second("decay_after", self.decay_after)?;
        if self.violations_before_ban == 0 {
            return Err(invalid("violations_before_ban", "must be at least 1"));
        }
        if self.ban_steps.is_empty() {
            return Err(invalid("ban_steps", "needs at least one ban length"));
        }
        for (i, step) in self.ban_steps.iter().enumerate() {
            let key = format!("ban_steps[{i}]");
            at_least_a_second(&key, *step)?;
            if *step > MAX_BAN {
                return Err(invalid(key, "a ban lasts at most 365 days"));
            }
        }
        if self.max_tracked_users == 0 {
            return Err(invalid("max_tracked_users", "must be at least 1"));
        }
        Ok(())
    }
}

fn validate_limit(key: &str, limit: &CommandLimit) -> Result<(), RateLimitConfigError> {
    if limit.capacity == 0 || limit.capacity > MAX_CAPACITY {
        return Err(invalid(
            format!("{key}.capacity"),
            format!("must be between 1 and {MAX_CAPACITY}"),
        ));
    }
    if limit.per.is_zero() || limit.per > MAX_BUCKET_SPAN {
        return Err(invalid(
            format!("{key}.per"),
            "must be more than 0 and at most 24h (use daily_quota for longer limits)",
        ));
    }
    if limit.min_interval > MAX_BUCKET_SPAN {
        return Err(invalid(
            format!("{key}.min_interval"),
            "must be at most 24h",
        ));
    }
    Ok(())
}

fn at_least_a_second(key: &str, d: Duration) -> Result<(), RateLimitConfigError> {
    if d < Duration::from_secs(1) {
        return Err(invalid(key, "must be at least 1s"));
    }
    Ok(())
}

/// One built-in command entry.
struct Builtin {
    name: &'static str,
    capacity: u32,
    per_ms: u64,
    min_interval_ms: u64,
    counts_toward_quota: bool,
}

impl Builtin {
    fn limit(&self) -> CommandLimit {
        CommandLimit {
            capacity: self.capacity,
            per: Duration::from_millis(self.per_ms),
            min_interval: Duration::from_millis(self.min_interval_ms),
            counts_toward_quota: self.counts_toward_quota,
        }
    }
}

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;

const fn builtin(name: &'static str, capacity: u32, per_ms: u64, min_ms: u64) -> Builtin {
    Builtin {
        name,
        capacity,
        per_ms,
        min_interval_ms: min_ms,
        counts_toward_quota: true,
    }
}

/// Werewolf seed: creating a game makes channels, the most sensitive
/// werewolf action.
const CREATE: Builtin = builtin("create", 3, MINUTE, 5 * SECOND);
/// Werewolf seed: starting a game.
const START: Builtin = builtin("start", 5, MINUTE, 2 * SECOND);
/// Werewolf seed: forcing the end of a game is critical, 2 per 5 minutes.
const FORCE_END: Builtin = builtin("force-end", 2, 5 * MINUTE, 5 * SECOND);
/// Werewolf seed: joining is frequent but moderate.
const JOIN: Builtin = builtin("join", 10, MINUTE, SECOND);
/// Werewolf seed: votes come in bursts during a day phase.
const VOTE: Builtin = builtin("vote", 20, MINUTE, SECOND / 2);
/// Werewolf seed: night actions.
const KILL: Builtin = builtin("kill", 15, MINUTE, SECOND / 2);
/// Restarting Minecraft kicks every player and takes minutes: the most
/// sensitive command, and the tightest request limit — three requests per
/// 10 minutes, 10 s apart. The product rule on restarts that actually
/// happen (10 min per player, 5 a day) is `[restart]`'s, counted at
/// confirmation, so asking and then pressing Cancel does not cost a
/// player their restart; this entry only stops hammering.
const RESTART: Builtin = builtin("restart", 3, 10 * MINUTE, 10 * SECOND);
/// Waking powers on the host; it is harmless when the host is already up,
/// but each use sends packets and announces itself. Two per 10 minutes
/// leaves a retry if the first wake did not take, 30 s apart.
const WAKE: Builtin = builtin("wake", 2, 10 * MINUTE, 30 * SECOND);
/// Status probes Proxmox and Minecraft over the network and posts an embed:
/// cheap, but not free. Read-only, so it does not eat the daily quota.
const STATUS: Builtin = Builtin {
    counts_toward_quota: false,
    ..builtin("status", 5, MINUTE, 5 * SECOND)
};
/// Help is a long static text: a few a minute is plenty and keeps a channel
/// from being filled with it. Read-only, so outside the daily quota.
const HELP: Builtin = Builtin {
    counts_toward_quota: false,
    ..builtin("help", 3, MINUTE, 5 * SECOND)
};
/// Admin tool; admins always pass (see `Privilege::Admin`), so this limit
/// only meets members probing a command they may not use.
const RATELIMIT: Builtin = builtin("ratelimit", 10, MINUTE, SECOND);
/// The digest so far: reads the whole day's archive and posts several
/// messages — the heaviest read there is. Three a minute, 5 s apart.
const RESUME: Builtin = builtin("resume", 3, MINUTE, 5 * SECOND);
/// `/report` also reads the archive (up to a week of it).
const REPORT: Builtin = builtin("report", 3, MINUTE, 5 * SECOND);
/// A short list; read-only, outside the daily quota.
const LISTCHANNELS: Builtin = Builtin {
    counts_toward_quota: false,
    ..builtin("listchannels", 5, MINUTE, 2 * SECOND)
};
/// Admin decisions on the digest's channels: an admin tidying up several
/// channels in a row must not be slowed down, members probing are refused
/// by the command itself.
const EXCLUDE: Builtin = builtin("exclude", 10, MINUTE, SECOND / 2);
const INCLUDE: Builtin = builtin("include", 10, MINUTE, SECOND / 2);
/// Linking a Minecraft name writes to the store and blocks the name for
/// others while it waits: a typo or two, not a sweep of names. Three per
/// 10 minutes, 5 s apart.
const LINK: Builtin = builtin("link", 3, 10 * MINUTE, 5 * SECOND);
/// Unlinking is a store write too; a few a minute is plenty.
const UNLINK: Builtin = builtin("unlink", 3, MINUTE, 5 * SECOND);
/// Everything else: permissive (seed: 30 per minute, 0.5 s apart).
const DEFAULT: Builtin = builtin("default", 30, MINUTE, SECOND / 2);

const BUILTINS: [Builtin; 18] = [
    CREATE,
    START,
    FORCE_END,
    JOIN,
    VOTE,
    KILL,
    RESTART,
    WAKE,
    STATUS,
    HELP,
    RATELIMIT,
    RESUME,
    REPORT,
    LISTCHANNELS,
    EXCLUDE,
    INCLUDE,
    LINK,
    UNLINK,
];

/// The built-in `[ratelimit.commands]` table: the seed's werewolf commands
/// and CubeGuardian's own.
pub fn builtin_commands() -> BTreeMap<String, CommandLimit> {
    BUILTINS
        .iter()
        .map(|b| (b.name.to_owned(), b.limit()))
        .collect()
}

fn merge_commands<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, CommandLimit>, D::Error> {
    let given = BTreeMap::<String, CommandLimit>::deserialize(d)?;
    let mut all = builtin_commands();
    all.extend(given);
    Ok(all)
}

fn parse_duration<E: de::Error>(s: &str) -> Result<Duration, E> {
    humantime::parse_duration(s).map_err(|e| {
        E::custom(format!(
            "`{s}` is not a duration like \"500ms\", \"5s\" or \"10m\": {e}"
        ))
    })
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s)
}

fn durations<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    let list = Vec::<String>::deserialize(d)?;
    list.iter().map(|s| parse_duration(s)).collect()
}
