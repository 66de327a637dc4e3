//! When the daily digest is due: at `[digest] time`, local, in the digest's
//! zone — through daylight-saving changes, and once (not once per missed
//! day) when the appliance comes back after being off at that time.

use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::time::Timestamp;

/// The first `time` (local in `zone`) strictly after `after`, by the
/// appliance's one calendar ([`crate::time::calendar`]): on a
/// spring-forward day when `time` does not exist, it is shifted forward by
/// the gap; in an autumn hour that happens twice, the first one.
pub fn next_after(after: Timestamp, time: Time, zone: &TimeZone) -> Timestamp {
    crate::time::calendar::next_daily_in(after, time, zone)
}

/// What the scheduler should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Build the digest scheduled at this time, now.
    Now { scheduled: Timestamp },
    /// Sleep until then.
    At(Timestamp),
}

/// Whether a digest is due at `now`, given the last scheduled time one was
/// built for (or, before the first one, when capture started). Several
/// missed occurrences collapse into the latest: one digest covering the
/// whole gap.
pub fn due(last: Timestamp, now: Timestamp, time: Time, zone: &TimeZone) -> Due {
    let next = next_after(last, time, zone);
    if next > now {
        return Due::At(next);
    }
    let mut latest = next;
    loop {
        let following = next_after(latest, time, zone);
        if following > now || following <= latest {
            return Due::Now { scheduled: latest };
        }
        latest = following;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brussels() -> TimeZone {
        TimeZone::get("Europe/Brussels").unwrap()
    }

    fn ms(s: &str) -> Timestamp {
        Timestamp::from_millis_i64(
            s.parse::<jiff::Zoned>()
                .unwrap()
                .timestamp()
                .as_millisecond(),
        )
    }

    const EIGHT: Time = Time::constant(8, 0, 0, 0);

    #[test]
    fn the_next_eight_oclock_is_today_or_tomorrow() {
        let z = brussels();
        assert_eq!(
            next_after(ms("2026-11-21T07:59:00+01:00[Europe/Brussels]"), EIGHT, &z),
            ms("2026-11-21T08:00:00+01:00[Europe/Brussels]")
        );
        assert_eq!(
            next_after(ms("2026-11-21T08:00:00+01:00[Europe/Brussels]"), EIGHT, &z),
            ms("2026-11-22T08:00:00+01:00[Europe/Brussels]"),
            "strictly after"
        );
    }

    #[test]
    fn daylight_saving_changes_keep_the_local_time() {
        let z = brussels();
        // The night of 28 to 29 March 2026 loses an hour: 8:00 is UTC+2.
        assert_eq!(
            next_after(ms("2026-03-28T08:00:00+01:00[Europe/Brussels]"), EIGHT, &z),
            ms("2026-03-29T08:00:00+02:00[Europe/Brussels]")
        );
        assert_eq!(
            ms("2026-03-28T08:00:00+01:00[Europe/Brussels]")
                .until(ms("2026-03-29T08:00:00+02:00[Europe/Brussels]")),
            std::time::Duration::from_secs(23 * 3600)
        );
        // A time that does not exist that night (02:30) still fires once.
        let half_two = Time::constant(2, 30, 0, 0);
        let at = next_after(
            ms("2026-03-28T03:00:00+01:00[Europe/Brussels]"),
            half_two,
            &z,
        );
        assert!(at > ms("2026-03-29T01:00:00+01:00[Europe/Brussels]"));
        assert!(at <= ms("2026-03-29T03:30:00+02:00[Europe/Brussels]"));
    }

    #[test]
    fn days_missed_while_off_give_one_digest_for_the_latest() {
        let z = brussels();
        let last = ms("2026-11-18T08:00:00+01:00[Europe/Brussels]");
        let now = ms("2026-11-21T10:00:00+01:00[Europe/Brussels]");
        assert_eq!(
            due(last, now, EIGHT, &z),
            Due::Now {
                scheduled: ms("2026-11-21T08:00:00+01:00[Europe/Brussels]")
            }
        );
        let now = ms("2026-11-18T09:00:00+01:00[Europe/Brussels]");
        assert_eq!(
            due(last, now, EIGHT, &z),
            Due::At(ms("2026-11-19T08:00:00+01:00[Europe/Brussels]"))
        );
    }
}
