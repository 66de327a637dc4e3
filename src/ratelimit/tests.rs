//! Behaviour of the limiter as a whole, with explicit time.
//!
//! Over 800 lines because it is the limiter's specification, one short
//! scenario per rule (buckets, quotas, bans, escalation, eviction, caps),
//! read top to bottom; the helpers at the top serve them all.

use std::time::Duration;

use super::*;

/// 2023-11-14 01:00:00 UTC: an hour into a UTC day, so tests that span
/// less than 23 hours stay on one day.
const T0: u64 = 1_699_923_600_000;
const S: u64 = 1000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

fn at(ms: u64) -> Moment {
    Moment::utc(Timestamp(T0 + ms))
}

/// The built-in configuration with `restart` pinned to one use per 10
/// minutes (10 minutes apart) and five a day in total, whatever the
/// built-in tuning: these tests are about the mechanism.
fn config() -> RateLimitConfig {
    let mut config = RateLimitConfig::default();
    config.commands.insert(
        "restart".to_owned(),
        CommandLimit {
            capacity: 1,
            per: Duration::from_secs(600),
            min_interval: Duration::from_secs(600),
            counts_toward_quota: true,
        },
    );
    config.global_daily_caps.insert("restart".to_owned(), 5);
    config
}

fn limiter() -> Limiter {
    Limiter::new(&config()).unwrap()
}

fn limiter_with(edit: impl FnOnce(&mut RateLimitConfig)) -> Limiter {
    let mut config = config();
    edit(&mut config);
    Limiter::new(&config).unwrap()
}

fn member(n: u64) -> Caller<'static> {
    Caller::member(UserId(n))
}

fn run(l: &mut Limiter, user: u64, command: &str, ms: u64) -> Decision {
    let id = l.command(command);
    l.check(member(user), id, at(ms))
}

fn allowed(remaining: u32) -> Decision {
    Decision::Allowed { remaining }
}

fn refused(d: Decision) -> (Reason, Duration, bool) {
    match d {
        Decision::Refused {
            reason,
            retry_after,
            notify,
        } => (reason, retry_after, notify),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn reason(d: Decision) -> Reason {
    refused(d).0
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Uses `restart` once, then hammers it until the streak ends in a ban;
/// returns the banning decision.
fn provoke_ban(l: &mut Limiter, user: u64, start: u64) -> Decision {
    let mut last = run(l, user, "restart", start);
    for i in 1..=5 {
        last = run(l, user, "restart", start + i * S);
        if matches!(reason(last), Reason::Banned { .. }) {
            return last;
        }
    }
    panic!("no ban after 5 refusals: {last:?}")
}

#[test]
fn full_bucket_allows_a_burst_then_runs_dry() {
    let mut l = limiter();
    // `create`: 3 per minute, 5 s apart; one token every 20 s.
    assert_eq!(run(&mut l, 1, "create", 0), allowed(2));
    assert_eq!(run(&mut l, 1, "create", 5 * S), allowed(1));
    assert_eq!(run(&mut l, 1, "create", 10 * S), allowed(0));
    let (reason, retry, notify) = refused(run(&mut l, 1, "create", 15 * S));
    assert_eq!(reason, Reason::BucketEmpty);
    assert_eq!(retry, secs(5));
    assert!(notify);
}

#[test]
fn bucket_refills_continuously() {
    let mut l = limiter();
    for i in 0..3 {
        assert!(run(&mut l, 1, "create", i * 5 * S).is_allowed());
    }
    // At 10 s the bucket held 10 s of refill after the third take; 10 s
    // more make one whole token, not two.
    assert_eq!(
        reason(run(&mut l, 1, "create", 19 * S)),
        Reason::BucketEmpty
    );
    assert_eq!(run(&mut l, 1, "create", 20 * S), allowed(0));
    // A whole minute of quiet refills everything.
    assert_eq!(run(&mut l, 1, "create", 80 * S + 20 * S), allowed(2));
}

#[test]
fn retry_after_is_always_enough() {
    let mut l = limiter_with(|c| {
        c.violations_before_ban = 100;
        c.daily_quota = 0;
    });
    let mut t = 0;
    for _ in 0..20 {
        match run(&mut l, 1, "force-end", t) {
            Decision::Allowed { .. } => t += 1,
            Decision::Refused { retry_after, .. } => {
                t += retry_after.as_millis() as u64;
                assert!(run(&mut l, 1, "force-end", t).is_allowed());
            }
        }
    }
}

#[test]
fn min_interval_refuses_a_quick_second_use() {
    let mut l = limiter();
    assert!(run(&mut l, 1, "create", 0).is_allowed());
    let (reason, retry, _) = refused(run(&mut l, 1, "create", 2 * S));
    assert_eq!(reason, Reason::Cooldown);
    assert_eq!(retry, secs(3));
    assert!(run(&mut l, 1, "create", 5 * S).is_allowed());
}

#[test]
fn refusal_names_the_longest_wait() {
    let mut l = limiter();
    // `restart`: capacity 1 per 10 min and 10 min apart: both limits give
    // the same wait; cooldown is the name players know.
    assert!(run(&mut l, 1, "restart", 0).is_allowed());
    let (reason, retry, _) = refused(run(&mut l, 1, "restart", MIN));
    assert_eq!(reason, Reason::Cooldown);
    assert_eq!(retry, secs(9 * 60));
}

#[test]
fn daily_quota_resets_at_a_new_local_day() {
    let mut l = limiter_with(|c| c.daily_quota = 3);
    // 22:59:58 UTC is 23:59:58 in UTC+1.
    let evening = 21 * HOUR + 59 * MIN + 58 * S;
    let local = |ms: u64| Moment::with_offset(Timestamp(T0 + ms), 3600);
    let join = l.command("join");
    let start = evening - 10 * S;
    for i in 0..3 {
        assert!(l.check(member(1), join, local(start + i * S)).is_allowed());
    }
    let (reason, retry, _) = refused(l.check(member(1), join, local(evening)));
    assert_eq!(reason, Reason::DailyQuota);
    assert_eq!(retry, secs(2), "until local midnight");
    // Read-only commands do not count.
    assert!(l
        .check(member(1), l.command("help"), local(evening))
        .is_allowed());
    // Local midnight: a new day, a new quota.
    assert!(l
        .check(member(1), join, local(evening + 2 * S))
        .is_allowed());
}

#[test]
fn quota_counts_all_counted_commands_together() {
    let mut l = limiter_with(|c| c.daily_quota = 2);
    assert_eq!(run(&mut l, 1, "join", 0), allowed(1));
    assert_eq!(run(&mut l, 1, "vote", S), allowed(0));
    assert_eq!(reason(run(&mut l, 1, "kill", 2 * S)), Reason::DailyQuota);
    assert!(run(&mut l, 2, "kill", 2 * S).is_allowed());
}

#[test]
fn global_cap_counts_every_user_and_resets_daily() {
    let mut l = limiter();
    for user in 1..=5 {
        assert!(run(&mut l, user, "restart", user * S).is_allowed());
    }
    let (reason, retry, _) = refused(run(&mut l, 6, "restart", 10 * S));
    assert_eq!(reason, Reason::GlobalCap);
    assert_eq!(retry, Duration::from_millis(DAY - HOUR - 10 * S));
    assert!(run(&mut l, 6, "wake", 11 * S).is_allowed());
    assert!(run(&mut l, 6, "restart", DAY).is_allowed());
    let today = l.stats(at(DAY)).today;
    let restart = today.iter().find(|c| c.command == "restart").unwrap();
    assert_eq!((restart.used, restart.cap), (1, Some(5)));
}

#[test]
fn repeated_violations_escalate_five_minutes_one_hour_one_day() {
    let mut l = limiter_with(|c| c.daily_quota = 0);
    let mut t = 0;
    for (expected_s, level) in [(5 * 60, 1), (3600, 2), (86_400, 3), (86_400, 3)] {
        let d = provoke_ban(&mut l, 1, t);
        let (reason, retry, notify) = refused(d);
        let Reason::Banned { until, reason } = reason else {
            panic!("{d:?}");
        };
        assert_eq!(reason, BanReason::Automatic { level });
        assert_eq!(retry, secs(expected_s));
        assert!(notify, "the ban is announced");
        t = until.0 - T0 + 11 * MIN;
    }
    assert_eq!(l.user_stats(UserId(1), at(t)).escalation_level, 3);
    assert_eq!(l.stats(at(t)).bans_issued, 4);
}

#[test]
fn a_banned_user_is_refused_at_no_further_cost() {
    let mut l = limiter();
    let d = provoke_ban(&mut l, 1, 0);
    let Reason::Banned { until, .. } = reason(d) else {
        panic!("{d:?}")
    };
    for i in 0..200 {
        let (reason, _, notify) = refused(run(&mut l, 1, "help", 10 * S + i * 100));
        assert!(matches!(reason, Reason::Banned { .. }));
        assert!(!notify, "told once already");
    }
    let stats = l.user_stats(UserId(1), at(30 * S));
    assert_eq!(stats.escalation_level, 1);
    assert_eq!(stats.violations, 0);
    assert_eq!(stats.ban.unwrap().until, until);
    // After the ban, `help` works again and the next refusal starts a new
    // streak instead of a second ban.
    let after = until.0 - T0;
    assert!(run(&mut l, 1, "help", after).is_allowed());
    let (reason, _, notify) = refused(run(&mut l, 1, "help", after + S));
    assert_eq!(reason, Reason::Cooldown);
    assert!(notify);
    assert_eq!(l.user_stats(UserId(1), at(after + S)).violations, 1);
}

#[test]
fn escalation_decays_after_a_quiet_period() {
    let mut l = limiter_with(|c| c.daily_quota = 0);
    let d = provoke_ban(&mut l, 1, 0);
    let Reason::Banned { until, .. } = reason(d) else {
        panic!("{d:?}")
    };
    let ban_end = until.0 - T0;
    assert_eq!(
        l.user_stats(UserId(1), at(ban_end + DAY - S))
            .escalation_level,
        1
    );
    assert_eq!(
        l.user_stats(UserId(1), at(ban_end + DAY)).escalation_level,
        0
    );
    // Back at level 0, the next ban is a first ban again.
    let (reason, retry, _) = refused(provoke_ban(&mut l, 1, ban_end + DAY));
    assert!(matches!(
        reason,
        Reason::Banned {
            reason: BanReason::Automatic { level: 1 },
            ..
        }
    ));
    assert_eq!(retry, secs(300));
}

#[test]
fn decay_steps_one_level_per_quiet_period() {
    let mut l = limiter_with(|c| c.daily_quota = 0);
    let mut t = 0;
    for _ in 0..3 {
        let Reason::Banned { until, .. } = reason(provoke_ban(&mut l, 1, t)) else {
            panic!()
        };
        t = until.0 - T0 + 11 * MIN;
    }
    let last_end = t - 11 * MIN;
    let level = |l: &Limiter, ms| l.user_stats(UserId(1), at(ms)).escalation_level;
    assert_eq!(level(&l, last_end + DAY), 2);
    assert_eq!(level(&l, last_end + 2 * DAY), 1);
    assert_eq!(level(&l, last_end + 3 * DAY), 0);
    // Lazily applied decays are the same as read ones.
    assert!(run(&mut l, 1, "help", last_end + DAY + HOUR).is_allowed());
    assert_eq!(level(&l, last_end + 2 * DAY), 1);
}

#[test]
fn a_streak_ends_after_the_violation_window() {
    let mut l = limiter();
    assert!(run(&mut l, 1, "create", 0).is_allowed());
    for i in 1..=4 {
        assert_eq!(reason(run(&mut l, 1, "create", i * S)), Reason::Cooldown);
    }
    assert_eq!(l.user_stats(UserId(1), at(5 * S)).violations, 4);
    // 10 min + 1 s after the last violation the streak is over: the next
    // refusal is the first of a new streak, not the fifth of the old one.
    let later = 4 * S + 10 * MIN + S;
    assert!(run(&mut l, 1, "create", later).is_allowed());
    let (reason, _, notify) = refused(run(&mut l, 1, "create", later + S));
    assert_eq!(reason, Reason::Cooldown);
    assert!(notify);
    assert_eq!(l.user_stats(UserId(1), at(later + S)).violations, 1);
}

#[test]
fn notify_only_once_per_streak_and_once_per_ban() {
    let mut l = limiter();
    assert!(run(&mut l, 1, "restart", 0).is_allowed());
    let notices: Vec<bool> = (1..=5)
        .map(|i| refused(run(&mut l, 1, "restart", i * S)).2)
        .collect();
    // First refusal: told. Three silent ones. Fifth: the ban is announced.
    assert_eq!(notices, [true, false, false, false, true]);
    assert!(!refused(run(&mut l, 1, "restart", 10 * S)).2);

    // A streak that lapses is a new streak: told again.
    assert!(run(&mut l, 2, "create", 0).is_allowed());
    assert!(refused(run(&mut l, 2, "create", S)).2);
    assert!(!refused(run(&mut l, 2, "create", 2 * S)).2);
    assert!(run(&mut l, 2, "create", 20 * MIN).is_allowed());
    assert!(refused(run(&mut l, 2, "create", 20 * MIN + S)).2);

    // A ban placed by an admin is told on the user's next command, once.
    l.ban(UserId(3), secs(600), "spam", at(0)).unwrap();
    assert!(refused(run(&mut l, 3, "help", S)).2);
    assert!(!refused(run(&mut l, 3, "help", 2 * S)).2);
}

/// A refused slash command is answered privately each time; that must not
/// use up the one answer a DM gets per streak (issue 11: a DM after an
/// ephemeral refusal went unanswered).
#[test]
fn ephemeral_refusals_leave_the_streak_notice_to_the_dm() {
    let mut l = limiter();
    let slash = |user| Caller {
        notice: Notice::EveryTime,
        ..member(user)
    };
    let restart = l.command("restart");
    assert!(l.check(slash(1), restart, at(0)).is_allowed());
    for i in 1..=2 {
        assert!(
            refused(l.check(slash(1), restart, at(i * S))).2,
            "always told"
        );
    }
    // The DM's first refusal of the streak is told, once.
    assert!(refused(run(&mut l, 1, "restart", 3 * S)).2);
    // The fifth refusal of the streak starts a ban, told where it happens;
    // shown ephemerally, it is still told once in the DM after.
    assert!(refused(l.check(slash(1), restart, at(4 * S))).2);
    let (reason, _, notify) = refused(l.check(slash(1), restart, at(5 * S)));
    assert!(matches!(reason, Reason::Banned { .. }) && notify);
    assert!(refused(l.check(slash(1), restart, at(6 * S))).2);
    let (reason, _, notify) = refused(run(&mut l, 1, "restart", 7 * S));
    assert!(matches!(reason, Reason::Banned { .. }) && notify);
    assert!(!refused(run(&mut l, 1, "restart", 8 * S)).2);
}

#[test]
fn users_and_commands_are_isolated() {
    let mut l = limiter();
    for i in 0..3 {
        assert!(run(&mut l, 1, "create", i * 5 * S).is_allowed());
    }
    assert_eq!(
        reason(run(&mut l, 1, "create", 15 * S)),
        Reason::BucketEmpty
    );
    // Another user still has a full `create` bucket…
    assert_eq!(run(&mut l, 2, "create", 15 * S), allowed(2));
    // …and the same user a full `join` bucket.
    assert_eq!(run(&mut l, 1, "join", 16 * S), allowed(9));
}

#[test]
fn unlisted_commands_share_the_default_entry() {
    let mut l = limiter();
    let poll = l.command("poll");
    assert_eq!(poll, l.command("quiz"));
    assert_eq!(l.command_name(poll), "default");
    assert_eq!(l.command_name(l.command("restart")), "restart");
    assert_eq!(l.command_name(l.command("resume")), "resume");
    assert_eq!(run(&mut l, 1, "poll", 0), allowed(19)); // quota 20 binds
    assert_eq!(
        reason(run(&mut l, 1, "quiz", 100)),
        Reason::Cooldown,
        "0.5 s apart, shared bucket"
    );
}

#[test]
fn exempt_roles_bypass_the_limiter() {
    let mut l = limiter_with(|c| c.exempt_roles = vec![RoleId(42)]);
    let restart = l.command("restart");
    let roles = [RoleId(7), RoleId(42)];
    let staff = Caller {
        user: UserId(1),
        roles: &roles,
        privilege: Privilege::Member,
        notice: Notice::OncePerStreak,
    };
    for i in 0..100 {
        assert_eq!(l.check(staff, restart, at(i)), allowed(1));
    }
    assert_eq!(l.tracked_users(), 0);
    // Their restarts still count toward the machine's daily cap.
    assert_eq!(reason(run(&mut l, 2, "restart", 200)), Reason::GlobalCap);
    // A role that is not exempt does not help.
    let other = [RoleId(7)];
    let player = Caller {
        user: UserId(3),
        roles: &other,
        ..staff
    };
    assert!(l.check(player, l.command("create"), at(300)).is_allowed());
    assert_eq!(
        reason(l.check(player, l.command("create"), at(400))),
        Reason::Cooldown
    );
    assert_eq!(l.tracked_users(), 2);
}

#[test]
fn admins_are_never_locked_out_of_ratelimit() {
    let mut l = limiter();
    let admin = Caller {
        user: UserId(9),
        roles: &[],
        privilege: Privilege::Admin,
        notice: Notice::OncePerStreak,
    };
    let ratelimit = l.command("ratelimit");
    l.ban(UserId(9), secs(3600), "oops", at(0)).unwrap();
    for i in 0..1000 {
        assert!(l.check(admin, ratelimit, at(i)).is_allowed());
    }
    // Other commands are limited for admins like for everyone.
    assert!(matches!(
        reason(l.check(admin, l.command("help"), at(1000))),
        Reason::Banned { .. }
    ));
    // A member using `ratelimit` is limited.
    assert!(run(&mut l, 1, "ratelimit", 0).is_allowed());
    assert_eq!(reason(run(&mut l, 1, "ratelimit", 10)), Reason::Cooldown);
    // The admin can unban themselves.
    assert!(l.unban(UserId(9), at(2000)));
    assert!(l.check(admin, l.command("help"), at(3000)).is_allowed());
}

#[test]
fn a_fifth_hot_command_waits_for_a_free_slot() {
    let mut l = limiter_with(|c| c.daily_quota = 0);
    for (i, command) in ["restart", "wake", "create", "force-end"]
        .iter()
        .enumerate()
    {
        assert!(run(&mut l, 1, command, i as u64 * S).is_allowed());
    }
    // `create` (used at 2 s) is back to full at 22 s: the first slot to free.
    let (reason, retry, _) = refused(run(&mut l, 1, "start", 4 * S));
    assert_eq!(reason, Reason::Cooldown);
    assert_eq!(retry, secs(18));
    assert!(run(&mut l, 1, "start", 22 * S).is_allowed());
}

#[test]
fn manual_ban_unban_and_reset() {
    let mut l = limiter();
    let until = l
        .ban(UserId(1), secs(30 * 60), "  flooding #general  ", at(0))
        .unwrap();
    assert_eq!(until, Timestamp(T0 + 30 * MIN));
    let stats = l.user_stats(UserId(1), at(S));
    let ban = stats.ban.unwrap();
    assert_eq!(ban.reason, BanReason::Manual);
    assert_eq!(ban.note.as_deref(), Some("flooding #general"));
    assert_eq!(stats.escalation_level, 0, "manual bans do not escalate");
    let (reason, retry, _) = refused(run(&mut l, 1, "help", MIN));
    assert_eq!(
        reason,
        Reason::Banned {
            until,
            reason: BanReason::Manual
        }
    );
    assert_eq!(retry, secs(29 * 60));
    assert_eq!(l.stats(at(MIN)).bans, 1);

    assert!(l.unban(UserId(1), at(2 * MIN)));
    assert!(!l.unban(UserId(1), at(2 * MIN)));
    assert!(run(&mut l, 1, "help", 3 * MIN).is_allowed());
    assert!(l.user_stats(UserId(1), at(3 * MIN)).ban.is_none());

    provoke_ban(&mut l, 2, 0);
    assert!(l.reset(UserId(2)));
    assert!(!l.user_stats(UserId(2), at(MIN)).tracked);
    assert!(run(&mut l, 2, "restart", MIN).is_allowed());
    assert!(!l.reset(UserId(77)));
    assert_eq!(
        l.ban(UserId(5), Duration::from_millis(10), "", at(0)),
        Err(RateLimitError::ZeroDuration { user: 5 })
    );
}

#[test]
fn expired_bans_end_on_time() {
    let mut l = limiter();
    l.ban(UserId(1), secs(60), "cool off", at(0)).unwrap();
    assert!(!run(&mut l, 1, "help", 59 * S).is_allowed());
    assert!(run(&mut l, 1, "help", 60 * S).is_allowed());
    assert!(l.user_stats(UserId(1), at(61 * S)).ban.is_none());
}

#[test]
fn user_stats_show_hot_buckets_and_quota() {
    let mut l = limiter();
    run(&mut l, 1, "create", 0);
    run(&mut l, 1, "join", 0);
    let stats = l.user_stats(UserId(1), at(2 * S));
    assert!(stats.tracked);
    assert_eq!(stats.daily_used, 2);
    assert_eq!(stats.daily_quota, Some(20));
    let create = stats
        .commands
        .iter()
        .find(|c| c.command == "create")
        .unwrap();
    assert_eq!((create.tokens, create.capacity), (2, 3));
    assert_eq!(create.cooldown, secs(3));
    assert_eq!(l.user_stats(UserId(1), at(DAY)).daily_used, 0);
}

#[test]
fn cleanup_forgets_idle_users_only() {
    let mut l = limiter();
    run(&mut l, 1, "help", 0); // read-only: nothing left after idling
    run(&mut l, 2, "join", 0); // quota used today: kept until tomorrow
    provoke_ban(&mut l, 3, 0); // banned: kept
    run(&mut l, 4, "help", 4 * MIN); // seen too recently
    assert_eq!(l.cleanup(at(5 * MIN)), 1);
    assert!(!l.user_stats(UserId(1), at(5 * MIN)).tracked);
    assert!(l.user_stats(UserId(2), at(5 * MIN)).tracked);
    assert!(l.user_stats(UserId(3), at(5 * MIN)).tracked);
    assert_eq!(l.cleanup(at(10 * MIN)), 1, "user 4 idle now");
    // Next day: the quota no longer matters; the ban has expired but the
    // escalation level keeps user 3 until it decays.
    assert_eq!(l.cleanup(at(DAY)), 1);
    assert!(l.user_stats(UserId(3), at(DAY)).tracked);
    assert_eq!(l.cleanup(at(3 * DAY)), 1);
    assert_eq!(l.tracked_users(), 0);
}

#[test]
fn buckets_survive_a_clock_step_back_without_gifts() {
    let mut l = limiter();
    for i in 0..3 {
        run(&mut l, 1, "create", HOUR + i * 5 * S);
    }
    // The clock steps back an hour: the bucket is as empty as it was.
    assert_eq!(
        reason(run(&mut l, 1, "create", 10 * S)),
        Reason::BucketEmpty
    );
    assert!(run(&mut l, 1, "create", 30 * S).is_allowed());
}

#[test]
fn a_user_back_after_weeks_starts_fresh() {
    let mut l = limiter();
    for i in 0..3 {
        run(&mut l, 1, "create", i * 5 * S);
    }
    // 30 days: the 32-bit bucket ticks have wrapped; the bucket must be
    // full, not misread.
    assert_eq!(run(&mut l, 1, "create", 30 * DAY), allowed(2));
    assert_eq!(run(&mut l, 2, "create", 0), allowed(2));
    assert_eq!(run(&mut l, 2, "create", 50 * DAY + 10), allowed(2));
}

#[test]
fn a_flood_of_a_million_users_stays_under_the_cap_and_keeps_bans() {
    let max = 10_000;
    let mut l = limiter_with(|c| {
        c.max_tracked_users = max;
        c.ban_steps = vec![secs(DAY / 1000)];
    });
    let cap = max as usize;
    // Real users first: 50 banned by escalation, 50 by an admin.
    for user in 1..=50 {
        provoke_ban(&mut l, user, 0);
    }
    for user in 51..=100 {
        l.ban(UserId(user), secs(DAY / 1000), "raid", at(0))
            .unwrap();
    }
    let help = l.command("help");
    let mut peak_capacity = 0;
    for i in 0..1_000_000u64 {
        let user = UserId(1_000_000_000 + i);
        // A fresh account per millisecond for 1000 seconds.
        assert!(l
            .check(Caller::member(user), help, at(MIN + i))
            .is_allowed());
        if i % 1000 == 0 {
            assert!(l.tracked_users() <= cap);
            peak_capacity = peak_capacity.max(l.table_capacity());
        }
    }
    assert!(l.tracked_users() <= cap);
    assert!(peak_capacity <= 4 * cap, "table capacity {peak_capacity}");
    assert!(
        l.table_capacity() < 2 * cap,
        "table capacity {}",
        l.table_capacity()
    );
    let end = MIN + 1_000_000;
    for user in 1..=100 {
        assert!(
            l.user_stats(UserId(user), at(end)).ban.is_some(),
            "user {user} lost their ban"
        );
        assert!(matches!(
            reason(run(&mut l, user, "help", end)),
            Reason::Banned { .. }
        ));
    }
    let stats = l.stats(at(end));
    assert!(stats.evictions >= 1_000_000 - cap as u64);
    assert_eq!(stats.bans, 100);
}

#[test]
fn a_table_full_of_bans_refuses_newcomers_and_keeps_its_bans() {
    let mut l = limiter_with(|c| {
        c.max_tracked_users = 100;
        c.ban_steps = vec![secs(DAY / 1000)];
    });
    // A raid: every account spams until banned, then more accounts come.
    let mut saturated = 0;
    let mut notices = 0;
    for user in 1..=300 {
        let start = user * 10 * S;
        let d = run(&mut l, user, "restart", start);
        match d {
            Decision::Refused {
                reason: Reason::Saturated,
                notify,
                ..
            } => {
                saturated += 1;
                notices += usize::from(notify);
            }
            _ => {
                provoke_ban(&mut l, user, start + S);
            }
        }
        assert!(l.tracked_users() <= 100);
    }
    assert_eq!(saturated, 200);
    assert!(notices <= 300 * 10 / 60 + 1, "{notices} notices");
    for user in 1..=100 {
        assert!(l.user_stats(UserId(user), at(3000 * S)).ban.is_some());
    }
    assert_eq!(
        l.ban(UserId(999), secs(60), "", at(3000 * S)),
        Err(RateLimitError::Full {
            user: 999,
            max: 100
        })
    );
    // Once a ban is lifted there is room again: the unbanned record goes
    // first.
    assert!(l.unban(UserId(7), at(3001 * S)));
    assert!(run(&mut l, 5000, "help", 3002 * S).is_allowed());
    assert!(!l.user_stats(UserId(7), at(3002 * S)).tracked);
    assert!(l.user_stats(UserId(8), at(3002 * S)).ban.is_some());
}

#[test]
fn eviction_prefers_plain_records_least_recently_seen() {
    let mut l = limiter_with(|c| {
        c.max_tracked_users = 32;
        c.daily_quota = 0;
    });
    // 2 users with a violation streak, seen first.
    for user in 1..=2 {
        run(&mut l, user, "create", 0);
        run(&mut l, user, "create", 10);
    }
    // 30 plain users, seen one second apart.
    for user in 3..=32 {
        run(&mut l, user, "help", user * S);
    }
    // Newcomers evict the oldest plain users, two at a time (32 / 16).
    run(&mut l, 100, "help", 40 * S);
    assert_eq!(l.tracked_users(), 31);
    assert!(!l.user_stats(UserId(3), at(40 * S)).tracked);
    assert!(!l.user_stats(UserId(4), at(40 * S)).tracked);
    assert!(l.user_stats(UserId(5), at(40 * S)).tracked);
    assert_eq!(l.user_stats(UserId(1), at(40 * S)).violations, 1);
}

#[test]
fn snapshot_and_restore_round_trip() {
    let mut l = limiter();
    provoke_ban(&mut l, 1, 0); // automatic ban, level 1
    l.ban(UserId(2), secs(7200), "insults", at(0)).unwrap();
    run(&mut l, 2, "help", S); // told about the ban
    run(&mut l, 3, "create", 0);
    run(&mut l, 3, "create", S); // one violation
    run(&mut l, 4, "join", 0); // quota only
    run(&mut l, 5, "help", 0); // nothing to keep
    assert!(l.take_dirty());
    assert!(!l.take_dirty());

    let state = l.snapshot();
    assert_eq!(state.users.len(), 4);
    assert_eq!(state.global_used.get("restart"), Some(&1));
    let json = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);

    let later = 2 * MIN;
    let mut fresh = limiter();
    let summary = fresh.restore(back, at(later)).unwrap();
    assert_eq!(
        summary,
        RestoreSummary {
            restored: 4,
            dropped: 0
        }
    );
    for user in 1..=5 {
        let mut before = l.user_stats(UserId(user), at(later));
        let mut after = fresh.user_stats(UserId(user), at(later));
        before.commands.clear();
        after.commands.clear();
        before.last_seen = None;
        after.last_seen = None;
        if user == 5 {
            assert!(!after.tracked);
        } else {
            assert_eq!(before, after, "user {user}");
        }
    }
    assert_eq!(fresh.snapshot(), l.snapshot());
    // The told ban stays told; counters and caps carry on.
    assert!(!refused(run(&mut fresh, 2, "help", later)).2);
    for user in 10..14 {
        assert!(run(&mut fresh, user, "restart", later).is_allowed());
    }
    assert_eq!(
        reason(run(&mut fresh, 14, "restart", later)),
        Reason::GlobalCap
    );
}

/// A state as the build that kept whole 56-byte records saved it (format
/// 1, serde_json, as `guard.rs` stores it), written out literally so that
/// a change of the in-memory layout can never change what loads.
/// T0 = 1_699_923_600_000 is day 19675.
const SAVED_FORMAT_1: &str = r#"{"version":1,"day":19675,"global_used":{"restart":2},"users":[
    {"user":1,"ban":{"until":1699923900000,"manual":false,"notified":true,"note":null},
     "level":1,"violations":0,"last_offense":1699923900000,"daily_used":1},
    {"user":2,"ban":{"until":1699930800000,"manual":true,"notified":false,"note":"insults"},
     "level":0,"violations":0,"last_offense":1699930800000,"daily_used":0},
    {"user":3,"ban":null,"level":0,"violations":1,"last_offense":1699923601000,"daily_used":1},
    {"user":4,"ban":null,"level":0,"violations":0,"last_offense":0,"daily_used":3}
]}"#;

#[test]
fn a_state_saved_in_format_1_restores() {
    let state: PersistedState = serde_json::from_str(SAVED_FORMAT_1).unwrap();
    let mut l = limiter();
    let summary = l.restore(state.clone(), at(MIN)).unwrap();
    assert_eq!(
        summary,
        RestoreSummary {
            restored: 4,
            dropped: 0
        }
    );
    // Nothing was lost or changed on the way in.
    assert_eq!(l.snapshot(), state);

    let one = l.user_stats(UserId(1), at(MIN));
    let ban = one.ban.unwrap();
    assert_eq!(ban.until, Timestamp(T0 + 5 * MIN));
    assert_eq!(ban.reason, BanReason::Automatic { level: 1 });
    assert_eq!(one.daily_used, 1);
    // Already told: refused silently.
    assert!(!refused(run(&mut l, 1, "help", MIN)).2);

    let two = l.user_stats(UserId(2), at(MIN));
    let ban = two.ban.unwrap();
    assert_eq!(ban.reason, BanReason::Manual);
    assert_eq!(ban.note.as_deref(), Some("insults"));
    assert_eq!(ban.until, Timestamp(T0 + 2 * HOUR));
    // Not told yet: this refusal tells.
    assert!(refused(run(&mut l, 2, "help", MIN)).2);

    let three = l.user_stats(UserId(3), at(MIN));
    assert_eq!(three.violations, 1);
    assert_eq!(three.last_offense, Some(Timestamp(T0 + S)));
    assert_eq!(l.user_stats(UserId(4), at(MIN)).daily_used, 3);

    // Two restarts today already: three more, then the cap of five.
    for user in 10..13 {
        assert!(run(&mut l, user, "restart", MIN).is_allowed());
    }
    assert_eq!(reason(run(&mut l, 13, "restart", MIN)), Reason::GlobalCap);
}

#[test]
fn a_record_with_several_hot_commands_and_a_streak_keeps_them_all() {
    let mut l = limiter_with(|c| c.daily_quota = 0);
    // `help` cools down within seconds, `restart` for ten minutes: once
    // `help` is idle the second bucket moves into the compact record.
    assert!(run(&mut l, 1, "help", 0).is_allowed());
    assert!(run(&mut l, 1, "restart", 0).is_allowed());
    assert!(run(&mut l, 1, "create", 0).is_allowed());
    assert_eq!(reason(run(&mut l, 1, "restart", S)), Reason::Cooldown);
    assert_eq!(l.user_stats(UserId(1), at(S)).commands.len(), 3);
    // A minute on: `help` and `create` are full again, `restart` is not;
    // the streak of one violation is still there.
    let stats = l.user_stats(UserId(1), at(MIN));
    assert_eq!(stats.violations, 1);
    let hot: Vec<_> = stats.commands.iter().map(|c| c.command.as_str()).collect();
    assert_eq!(hot, ["restart"]);
    assert_eq!(reason(run(&mut l, 1, "restart", MIN)), Reason::Cooldown);
    assert_eq!(l.user_stats(UserId(1), at(MIN)).violations, 2);
    // After the streak and the cooldown end, the record is plain again and
    // behaves like a fresh one.
    assert!(run(&mut l, 1, "restart", 30 * MIN).is_allowed());
    let stats = l.user_stats(UserId(1), at(30 * MIN));
    assert_eq!(stats.violations, 0);
    assert_eq!(stats.commands.len(), 1);
    assert!(l.reset(UserId(1)));
    assert!(!l.user_stats(UserId(1), at(30 * MIN)).tracked);
}

#[test]
fn restore_drops_what_expired_while_down() {
    let mut l = limiter();
    provoke_ban(&mut l, 1, 0);
    run(&mut l, 4, "join", 0);
    let state = l.snapshot();
    let mut fresh = limiter();
    // Two days later: the ban is over, the quota is yesterday's, and the
    // level has decayed by one.
    let summary = fresh.restore(state.clone(), at(2 * DAY)).unwrap();
    assert_eq!(
        summary,
        RestoreSummary {
            restored: 0,
            dropped: 2
        }
    );
    assert!(run(&mut fresh, 1, "restart", 2 * DAY).is_allowed());

    let mut old = state;
    old.version = 99;
    assert_eq!(
        fresh.restore(old, at(0)),
        Err(RestoreError::Version {
            found: 99,
            expected: 1
        })
    );
}

#[test]
fn restore_keeps_bans_first_when_over_the_cap() {
    let mut l = limiter();
    for user in 1..=10 {
        run(&mut l, user, "join", 0);
    }
    for user in 11..=13 {
        l.ban(UserId(user), secs(600), "", at(0)).unwrap();
    }
    let mut small = limiter_with(|c| c.max_tracked_users = 5);
    let summary = small.restore(l.snapshot(), at(S)).unwrap();
    assert_eq!(
        summary,
        RestoreSummary {
            restored: 5,
            dropped: 8
        }
    );
    for user in 11..=13 {
        assert!(small.user_stats(UserId(user), at(S)).ban.is_some());
    }
}

#[test]
fn config_reads_toml_and_merges_commands() {
    let text = r#"
        daily_quota = 50
        global_daily_caps = { restart = 3, wake = 10 }
        ban_steps = ["1m", "10m"]
        exempt_roles = [123, "456"]
        max_tracked_users = 500

        [commands.restart]
        capacity = 2
        per = "20m"
        min_interval = "5m"

        [commands.digest]
        capacity = 1
        per = "1h"
        counts_toward_quota = false

        [default]
        capacity = 10
        per = "1m"
        min_interval = "500ms"
    "#;
    let config: RateLimitConfig = toml::from_str(text).unwrap();
    config.validate().unwrap();
    assert_eq!(config.commands["restart"].capacity, 2);
    assert_eq!(config.commands["vote"].capacity, 20, "built-in kept");
    assert_eq!(config.commands["digest"].min_interval, Duration::ZERO);
    assert_eq!(config.default.min_interval, Duration::from_millis(500));
    assert_eq!(config.exempt_roles, [RoleId(123), RoleId(456)]);
    assert_eq!(config.ban_steps, [secs(60), secs(600)]);
    assert_eq!(config.violation_window, secs(600), "default kept");
    let l = Limiter::new(&config).unwrap();
    assert_ne!(l.command("digest"), l.command("other"));

    let defaults: RateLimitConfig = toml::from_str("").unwrap();
    assert_eq!(defaults, RateLimitConfig::default());
}

#[test]
fn config_errors_name_the_key() {
    let unknown = toml::from_str::<RateLimitConfig>("daily_quoat = 3").unwrap_err();
    assert!(unknown.to_string().contains("daily_quoat"), "{unknown}");
    let typo = toml::from_str::<RateLimitConfig>(
        "[commands.x]\ncapacity = 1\nper = \"1m\"\nmin_intervall = \"1s\"",
    )
    .unwrap_err();
    assert!(typo.to_string().contains("min_intervall"), "{typo}");
    let bad = toml::from_str::<RateLimitConfig>("violation_window = \"ten minutes\"").unwrap_err();
    assert!(bad.to_string().contains("ten minutes"), "{bad}");

    let check = |edit: fn(&mut RateLimitConfig)| {
        let mut c = RateLimitConfig::default();
        edit(&mut c);
        Limiter::new(&c).unwrap_err().to_string()
    };
    assert_eq!(
        check(|c| {
            c.global_daily_caps.insert("restrat".into(), 1);
        }),
        "`ratelimit.global_daily_caps.restrat`: there is no command `restrat` \
         (add [ratelimit.commands.restrat])"
    );
    assert!(check(|c| c.default.capacity = 0).contains("ratelimit.default.capacity"));
    assert!(
        check(|c| c.commands.get_mut("help").unwrap().per = secs(2 * 86_400))
            .contains("ratelimit.commands.help.per")
    );
    assert!(check(|c| c.ban_steps.clear()).contains("ban_steps"));
    assert!(check(|c| c.max_tracked_users = 0).contains("max_tracked_users"));
}

#[test]
fn moment_with_offset_finds_local_midnight() {
    // 2023-11-14 22:30 UTC is 23:30 in UTC+1: midnight is 30 min away.
    let t = Timestamp(T0 - HOUR + 22 * HOUR + 30 * MIN);
    let m = Moment::with_offset(t, 3600);
    assert_eq!(m.next_day.0 - t.0, 30 * MIN);
    assert_eq!(m.day, Moment::utc(t).day);
    // An hour later it is 00:30 the next local day, 23:30 UTC.
    let next = Moment::with_offset(Timestamp(t.0 + HOUR), 3600);
    assert_eq!(next.day.0, m.day.0 + 1);
    assert_eq!(Moment::utc(Timestamp(t.0 + HOUR)).day, m.day);
    assert_eq!(next.next_day.0 - t.0 - HOUR, 23 * HOUR + 30 * MIN);
    let west = Moment::with_offset(t, -5 * 3600);
    assert_eq!(west.day, Moment::utc(t).day);
    assert_eq!(west.next_day.0 - t.0, 6 * HOUR + 30 * MIN);
}

#[test]
fn times_display_as_rfc3339() {
    assert_eq!(Timestamp(T0).to_string(), "2023-11-14T01:00:00Z");
    assert!(Timestamp(u64::MAX).to_string().contains("ms after"));
}
