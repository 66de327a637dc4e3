//! The configuration compiled for the hot path: command names mapped once to
//! a one-byte [`CommandId`], durations turned into the milliseconds and
//! seconds the bucket and user records count in.

use super::bucket::BucketRule;
use super::config::{CommandLimit, RateLimitConfig, RateLimitConfigError};
use super::RoleId;

/// A command as the limiter knows it, resolved once from its name with
/// [`crate::ratelimit::Limiter::command`] so that a check never compares
/// strings. Unlisted names resolve to the shared default entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandId(pub(crate) u8);

/// One command's compiled limits.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub name: Box<str>,
    pub capacity: u32,
    pub bucket: BucketRule,
    pub counts_toward_quota: bool,
    pub global_cap: Option<u32>,
}

/// Everything [`crate::ratelimit::Limiter`] needs from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// Listed commands sorted by name, then the default entry last; the
    /// index is the [`CommandId`].
    pub rules: Vec<Rule>,
    pub ratelimit: Option<CommandId>,
    pub daily_quota: u32,
    pub violation_window_s: u32,
    pub violations_before_ban: u8,
    pub ban_steps_s: Vec<u32>,
    pub decay_after_s: u32,
    /// Sorted, for a binary search per role of the caller.
    pub exempt_roles: Vec<RoleId>,
    pub max_tracked: usize,
    pub cleanup_idle_s: u32,
}

/// The `ratelimit` command, which admins always pass.
pub(crate) const RATELIMIT_COMMAND: &str = "ratelimit";

fn secs(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

fn rule(name: &str, limit: &CommandLimit, global_cap: Option<u32>) -> Rule {
    Rule {
        name: name.into(),
        capacity: limit.capacity,
        bucket: BucketRule::new(limit.capacity, limit.per, limit.min_interval),
        counts_toward_quota: limit.counts_toward_quota,
        global_cap,
    }
}

impl Policy {
    pub fn compile(config: &RateLimitConfig) -> Result<Policy, RateLimitConfigError> {
        config.validate()?;
        // BTreeMap iteration is sorted by name, which `command` relies on.
        let mut rules: Vec<Rule> = config
            .commands
            .iter()
            .map(|(name, limit)| rule(name, limit, config.global_daily_caps.get(name).copied()))
            .collect();
        rules.push(rule("default", &config.default, None));
        let mut exempt_roles = config.exempt_roles.clone();
        exempt_roles.sort_unstable();
        exempt_roles.dedup();
        let mut policy = Policy {
            rules,
            ratelimit: None,
            daily_quota: config.daily_quota,
            violation_window_s: secs(config.violation_window),
            violations_before_ban: config.violations_before_ban,
            ban_steps_s: config.ban_steps.iter().map(|d| secs(*d)).collect(),
            decay_after_s: secs(config.decay_after),
            exempt_roles,
            max_tracked: usize::try_from(config.max_tracked_users).unwrap_or(usize::MAX),
            cleanup_idle_s: secs(config.cleanup_idle_after),
        };
        policy.ratelimit = policy.lookup(RATELIMIT_COMMAND);
        Ok(policy)
    }

    /// The id of a listed command, if it is listed.
    pub fn lookup(&self, name: &str) -> Option<CommandId> {
        let listed = &self.rules[..self.rules.len() - 1];
        listed
            .binary_search_by(|r| (*r.name).cmp(name))
            .ok()
            .map(|i| CommandId(i as u8))
    }

    pub fn default_command(&self) -> CommandId {
        CommandId((self.rules.len() - 1) as u8)
    }

    /// The rule of `id`, falling back to the default entry for an id that
    /// came from a limiter with another configuration.
    pub fn rule(&self, id: CommandId) -> &Rule {
        self.rules
            .get(usize::from(id.0))
            .unwrap_or(&self.rules[self.rules.len() - 1])
    }

    /// The index to use for `id` (the default's for a foreign id).
    pub fn index(&self, id: CommandId) -> usize {
        let i = usize::from(id.0);
        if i < self.rules.len() {
            i
        } else {
            self.rules.len() - 1
        }
    }

    pub fn is_exempt(&self, roles: &[RoleId]) -> bool {
        !self.exempt_roles.is_empty()
            && roles
                .iter()
                .any(|r| self.exempt_roles.binary_search(r).is_ok())
    }

    /// The length of the ban at escalation `level` (0 = first ban).
    pub fn ban_step_s(&self, level: u8) -> u32 {
        let i = usize::from(level).min(self.ban_steps_s.len() - 1);
        self.ban_steps_s[i]
    }

    /// The highest escalation level: one per ban step, so that one quiet
    /// period always moves a user down one rung.
    pub fn max_level(&self) -> u8 {
        u8::try_from(self.ban_steps_s.len()).unwrap_or(u8::MAX)
    }
}
