//! Anti-abuse rate limiting: the one gate every command (slash, `!` prefix,
//! natural language) passes before it runs (SPEC §4).
//!
//! The limiter is a pure core: no I/O, no clock, no background task. The
//! caller passes the time ([`Moment`]) and the caller's identity
//! ([`Caller`]) to [`Limiter::check`] and gets a [`Decision`] back; it also
//! calls [`Limiter::cleanup`] from its own timer and stores
//! [`Limiter::snapshot`] in its database.
//!
//! # Layout
//!
//! - [`config`]: the `[ratelimit]` table ([`RateLimitConfig`]), its built-in
//!   entries and its validation.
//! - `policy`: the configuration compiled for the hot path (command names
//!   mapped once to a one-byte [`CommandId`], durations in milliseconds).
//! - `bucket`: the token bucket arithmetic (GCRA form: one timestamp per
//!   bucket) and the few per-user bucket slots.
//! - `entry`: the compact per-user record (bans, violations, escalation,
//!   daily quota) and its rules.
//! - `table`: the bounded user table, its hasher and its eviction sweep.
//! - `limiter`: [`Limiter`], the API that ties them together.
//! - `persist`: [`PersistedState`], what survives a restart.
//! - [`guard`]: the shell around the core — the one shared limiter, the
//!   clock and zone it is given, who the admins are, and saving its state
//!   in the store. The only part that does I/O.
//!
//! # Time
//!
//! The core's clock is wall-clock Unix milliseconds ([`Timestamp`]), not a
//! monotonic instant: bans, violation history and daily counters are stored
//! in the database and must mean the same thing after a restart, which a
//! monotonic instant cannot. A clock that steps backwards is tolerated: the
//! buckets shift with it (no token is gifted, none is lost), a ban simply
//! lasts longer by the size of the step. Daily quotas reset at *local*
//! midnight, and the zone is the application's business: the caller says
//! which local day it is and when the next one starts ([`Moment`]).

pub mod config;

mod bucket;
mod entry;
pub mod guard;
mod limiter;
mod persist;
mod policy;
mod table;

#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::{Timestamp, Zone};

pub use crate::snowflake::SnowflakeHasher;
pub use config::{CommandLimit, RateLimitConfig, RateLimitConfigError};
pub use limiter::{BanInfo, CommandUsage, GlobalCounter, GlobalStats, Limiter, UserStats};
pub use persist::{PersistedBan, PersistedState, PersistedUser, RestoreError, RestoreSummary};
pub use policy::CommandId;

/// A Discord user id (snowflake), as the limiter keys its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub u64);

/// A Discord role id (snowflake); configured in `exempt_roles` either as a
/// TOML integer or as a string of digits (the form Discord's client copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RoleId(pub u64);

impl<'de> Deserialize<'de> for RoleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        let id = match Raw::deserialize(d)? {
            Raw::Int(n) => u64::try_from(n).ok(),
            Raw::Text(s) => s.trim().parse::<u64>().ok(),
        };
        match id {
            Some(id) if id > 0 => Ok(RoleId(id)),
            _ => Err(serde::de::Error::custom(
                "a role id is a positive number such as 123456789012345678",
            )),
        }
    }
}

/// A day number in the application's time zone (days since 1970-01-01,
/// local). Only equality and order matter to the limiter: daily quotas and
/// global caps reset when it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalDay(pub u32);

/// "Now", as the limiter needs it: the wall clock, the local day, and when
/// the next local day starts (to tell a user how long a daily limit lasts).
///
/// The caller computes the day with its time zone database and can cache it
/// until `next_day`; [`Moment::with_offset`] covers fixed offsets and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub time: Timestamp,
    pub day: LocalDay,
    pub next_day: Timestamp,
}

/// Milliseconds in a civil day (no leap seconds in Unix time).
const DAY_MS: i64 = 86_400_000;

impl Moment {
    /// A moment whose local day is given by the caller.
    pub fn new(time: Timestamp, day: LocalDay, next_day: Timestamp) -> Moment {
        Moment {
            time,
            day,
            next_day,
        }
    }

    /// A moment in the appliance's time zone. The next local midnight is
    /// computed with the current offset, so on a daylight-saving night it
    /// is off by the hour that changes; only the refusal text shows it.
    pub fn in_zone(time: Timestamp, zone: &Zone) -> Moment {
        Moment::with_offset(time, zone.offset_secs(time))
    }

    /// A moment in UTC: days start at 00:00 UTC.
    pub fn utc(time: Timestamp) -> Moment {
        Moment::with_offset(time, 0)
    }

    /// A moment in a zone at a fixed offset from UTC (`offset_secs` east of
    /// Greenwich, e.g. 3600 for CET in winter). Zones with daylight saving
    /// time need the caller's time zone database instead.
    pub fn with_offset(time: Timestamp, offset_secs: i32) -> Moment {
        let offset_ms = i64::from(offset_secs) * 1000;
        let local = i64::try_from(time.0)
            .unwrap_or(i64::MAX)
            .saturating_add(offset_ms);
        let day = local.div_euclid(DAY_MS);
        let next_local = (day + 1).saturating_mul(DAY_MS);
        let next_day = next_local.saturating_sub(offset_ms).max(0);
        Moment {
            time,
            day: LocalDay(u32::try_from(day.max(0)).unwrap_or(u32::MAX)),
            next_day: Timestamp(next_day as u64),
        }
    }
}

/// What the caller is allowed to do regardless of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Privilege {
    /// A player: every limit applies.
    #[default]
    Member,
    /// A bot admin: still limited like everyone, except that the `ratelimit`
    /// command always passes, so a limit or a ban can never lock the admin
    /// out of the tool that lifts it.
    Admin,
}

/// Who is running a command.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user: UserId,
    /// The member's roles in the guild (empty in DMs); any role listed in
    /// `exempt_roles` bypasses the limiter.
    pub roles: &'a [RoleId],
    pub privilege: Privilege,
    /// How a refusal would reach them.
    pub notice: Notice,
}

/// How a refusal reaches the caller, which decides whether telling them
/// uses up the one notice of a violation streak (or of a ban).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notice {
    /// By message (a DM): once per streak and once per ban, so that the
    /// bot itself can never be made to flood.
    #[default]
    OncePerStreak,
    /// Privately in answer to each request (an interaction: Discord wants
    /// every one answered, and ephemeral answers flood nobody). Always
    /// told, and telling there does not use up the streak's notice: a text
    /// command after a refused slash command still gets its one answer in
    /// the DM.
    EveryTime,
}

impl Caller<'static> {
    /// A member without roles or privileges (e.g. a DM).
    pub fn member(user: UserId) -> Caller<'static> {
        Caller {
            user,
            roles: &[],
            privilege: Privilege::Member,
            notice: Notice::OncePerStreak,
        }
    }
}

/// The limiter's answer for one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Run the command. `remaining` is how many more times it could run right
    /// now: the smallest of the bucket's whole tokens, the user's daily quota
    /// left and the command's global cap left. Exempt callers and the admin
    /// bypass see the command's bucket capacity.
    Allowed { remaining: u32 },
    /// Do not run it.
    Refused {
        reason: Reason,
        /// When trying again can succeed (the longest of the waits that
        /// apply, so one answer covers every limit that was hit).
        retry_after: Duration,
        /// Whether to tell the user. Always for [`Notice::EveryTime`];
        /// for [`Notice::OncePerStreak`], only for the first such refusal
        /// of a violation streak, the refusal that starts a ban, and the
        /// first such refusal under a ban (one placed by an admin, or one
        /// started by an ephemeral refusal): a user spamming a refused
        /// command gets at most two messages per streak, so the bot itself
        /// can never be used to flood a channel.
        notify: bool,
    },
}

impl Decision {
    /// Whether the command may run.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// Why a command was refused; the most binding limit when several apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Too soon after the previous use of this command (its `min_interval`),
    /// or the user has too many different commands cooling down at once.
    Cooldown,
    /// The command's token bucket is empty.
    BucketEmpty,
    /// The user spent the daily quota; it resets at local midnight.
    DailyQuota,
    /// The command's daily cap for all users together is reached (e.g. five
    /// restarts a day); it resets at local midnight.
    GlobalCap,
    /// The user is banned; nothing they send costs anything until `until`.
    Banned { until: Timestamp, reason: BanReason },
    /// The table of tracked users is full of active bans (a raid), so a user
    /// it does not know yet cannot be tracked and is refused rather than let
    /// through unlimited or allowed to push a ban out.
    Saturated,
}

/// Where a ban came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BanReason {
    /// Escalation after repeated violations; `level` is the rung of
    /// `ban_steps` reached (1 for the first ban).
    Automatic { level: u8 },
    /// Placed by an admin (`/ratelimit ban`); the text is in [`UserStats`].
    Manual,
}

/// Errors of the admin operations.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RateLimitError {
    #[error("cannot ban user {user}: the ban duration must be at least one second")]
    ZeroDuration { user: u64 },
    #[error(
        "cannot track user {user}: all {max} tracked users are banned; \
         unban someone or raise ratelimit.max_tracked_users"
    )]
    Full { user: u64, max: usize },
}
