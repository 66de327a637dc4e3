//! Local clock arithmetic: "the next 10:00", "the next 19:00 that is not
//! in the weekend pause", "is this moment in the pause". The digest's daily
//! time and the game's votes and actions (through [`crate::schedule`]) all
//! ask these questions; the answers are [`Timestamp`]s, so what is stored
//! and slept on stays a plain moment.
//!
//! Daylight-saving changes, chosen once for everything: a local time that
//! does not exist (02:30 on a spring-forward night in Europe) is shifted
//! forward by the gap (03:30 summer time), and one that happens twice (an
//! autumn 02:30) is the first of the two. That is jiff's "compatible"
//! disambiguation, as RFC 5545 calendars do: an event is never skipped and
//! never happens twice in one night.
//!
//! Pure: no clock is read; the time zone is an argument.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::{Timestamp, Zone};

/// How far the searches below look, in days: a weekly time comes within 7
/// days, plus one for the day itself and one for a zone's odd day.
const SEARCH_DAYS: usize = 9;

/// The instant `time` on `date` happens in `tz` (see the header for the
/// daylight-saving choice).
fn local(date: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    let zoned = date.to_datetime(time).to_zoned(tz.clone()).ok()?;
    Some(Timestamp::from_millis_i64(
        zoned.timestamp().as_millisecond(),
    ))
}

/// The local date of `at` in `tz`.
fn date_of(at: Timestamp, tz: &TimeZone) -> Option<Date> {
    let ts = jiff::Timestamp::from_millisecond(at.as_millis_i64()).ok()?;
    Some(ts.to_zoned(tz.clone()).date())
}

/// The first `time` (local in `tz`) strictly after `after`; `after` itself
/// if none can be computed (a moment past jiff's range, year 9999).
pub fn next_daily_in(after: Timestamp, time: Time, tz: &TimeZone) -> Timestamp {
    next_matching(after, time, tz, |_| true)
}

/// [`next_daily_in`] in the appliance's [`Zone`] type.
pub fn next_daily(after: Timestamp, time: Time, zone: &Zone) -> Timestamp {
    next_daily_in(after, time, zone.tz())
}

/// The first `time` at or after `at`.
pub fn daily_at_or_after(at: Timestamp, time: Time, zone: &Zone) -> Timestamp {
    next_daily(Timestamp(at.0.saturating_sub(1)), time, zone)
}

/// The first local `time` strictly after `after` on a day `keep` accepts.
fn next_matching(
    after: Timestamp,
    time: Time,
    tz: &TimeZone,
    keep: impl Fn(Date) -> bool,
) -> Timestamp {
    let Some(mut date) = date_of(after, tz) else {
        return after;
    };
    for _ in 0..SEARCH_DAYS {
        if keep(date) {
            if let Some(at) = local(date, time, tz) {
                if at > after {
                    return at;
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    after
}

/// The last local `time` at or before `at` on a day `keep` accepts.
fn last_matching(
    at: Timestamp,
    time: Time,
    tz: &TimeZone,
    keep: impl Fn(Date) -> bool,
) -> Option<Timestamp> {
    let mut date = date_of(at, tz)?;
    for _ in 0..SEARCH_DAYS {
        if keep(date) {
            if let Some(t) = local(date, time, tz) {
                if t <= at {
                    return Some(t);
                }
            }
        }
        date = date.yesterday().ok()?;
    }
    None
}

/// A weekday and a local time of day: one moment a week
/// (`"fri 19:00"`, `"ven 19:00"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyTime {
    pub weekday: Weekday,
    pub time: Time,
}

impl WeeklyTime {
    /// Its first occurrence strictly after `after`.
    pub fn next_after(&self, after: Timestamp, zone: &Zone) -> Timestamp {
        next_matching(after, self.time, zone.tz(), |d| d.weekday() == self.weekday)
    }

    /// Its last occurrence at or before `at`.
    pub fn last_at_or_before(&self, at: Timestamp, zone: &Zone) -> Option<Timestamp> {
        last_matching(at, self.time, zone.tz(), |d| d.weekday() == self.weekday)
    }
}

/// The weekly pause in which the game schedules nothing: from `start`
/// (included) to `end` (excluded), by default Friday 19:00 to Sunday 19:00,
/// so a thing due at the pause's very end (Sunday 19:00) happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    pub start: WeeklyTime,
    pub end: WeeklyTime,
}

impl Default for Pause {
    fn default() -> Self {
        Pause {
            start: WeeklyTime {
                weekday: Weekday::Friday,
                time: Time::constant(19, 0, 0, 0),
            },
            end: WeeklyTime {
                weekday: Weekday::Sunday,
                time: Time::constant(19, 0, 0, 0),
            },
        }
    }
}

impl Pause {
    /// Whether `at` is inside the pause.
    pub fn contains(&self, at: Timestamp, zone: &Zone) -> bool {
        match self.start.last_at_or_before(at, zone) {
            Some(started) => self.end.next_after(started, zone) > at,
            None => false,
        }
    }

    /// The next moment the pause begins, strictly after `after`.
    pub fn next_start(&self, after: Timestamp, zone: &Zone) -> Timestamp {
        self.start.next_after(after, zone)
    }

    /// The next moment the pause ends, strictly after `after` (inside the
    /// pause: when this one ends).
    pub fn next_end(&self, after: Timestamp, zone: &Zone) -> Timestamp {
        self.end.next_after(after, zone)
    }

    /// The first local `time` strictly after `after` that is not inside the
    /// pause: lg-rez's "next HH:MM", which skips the weekend.
    pub fn next_daily_outside(&self, after: Timestamp, time: Time, zone: &Zone) -> Timestamp {
        let mut at = next_daily(after, time, zone);
        // A pause lasts less than a week: twice is enough, a few is safe.
        for _ in 0..4 {
            if !self.contains(at, zone) {
                return at;
            }
            at = daily_at_or_after(self.next_end(at, zone), time, zone);
        }
        at
    }
}

/// A daily window such as a vote, `"10:00-18:00"`: opens at `open`, closes
/// at `close` the same day (a window over midnight is refused where it is
/// parsed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyWindow {
    pub open: Time,
    pub close: Time,
}

/// A time of day, `"19:00"` or `"19:00:30"`.
pub fn parse_time_of_day(s: &str) -> Result<Time, String> {
    let bad = || format!("`{}` is not a time of day like \"19:00\"", s.trim());
    let mut parts = s.trim().split(':');
    let mut next = || -> Result<Option<i8>, String> {
        match parts.next() {
            None => Ok(None),
            Some(p) if p.len() == 2 || p.len() == 1 => p.parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    };
    let (Some(h), Some(m)) = (next()?, next()?) else {
        return Err(bad());
    };
    let sec = next()?.unwrap_or(0);
    if next()?.is_some() {
        return Err(bad());
    }
    Time::new(h, m, sec, 0).map_err(|_| bad())
}

/// A weekday in English or French, full or abbreviated, any case.
pub fn parse_weekday(s: &str) -> Result<Weekday, String> {
    let w = s.trim().to_lowercase();
    Ok(match w.as_str() {
        "mon" | "monday" | "lun" | "lundi" => Weekday::Monday,
        "tue" | "tuesday" | "mar" | "mardi" => Weekday::Tuesday,
        "wed" | "wednesday" | "mer" | "mercredi" => Weekday::Wednesday,
        "thu" | "thursday" | "jeu" | "jeudi" => Weekday::Thursday,
        "fri" | "friday" | "ven" | "vendredi" => Weekday::Friday,
        "sat" | "saturday" | "sam" | "samedi" => Weekday::Saturday,
        "sun" | "sunday" | "dim" | "dimanche" => Weekday::Sunday,
        _ => {
            return Err(format!(
                "`{}` is not a weekday (mon…sun, or lun…dim in French)",
                s.trim()
            ))
        }
    })
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "mon",
        Weekday::Tuesday => "tue",
        Weekday::Wednesday => "wed",
        Weekday::Thursday => "thu",
        Weekday::Friday => "fri",
        Weekday::Saturday => "sat",
        Weekday::Sunday => "sun",
    }
}

fn hh_mm(t: Time) -> String {
    if t.second() == 0 {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

impl FromStr for WeeklyTime {
    type Err = String;

    /// `"fri 19:00"`.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let Some((day, time)) = s.split_once(char::is_whitespace) else {
            return Err(format!(
                "`{s}` is not a weekday and a time like \"fri 19:00\""
            ));
        };
        Ok(WeeklyTime {
            weekday: parse_weekday(day)?,
            time: parse_time_of_day(time)?,
        })
    }
}

impl fmt::Display for WeeklyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", weekday_name(self.weekday), hh_mm(self.time))
    }
}

impl FromStr for Pause {
    type Err = String;

    /// `"fri 19:00 - sun 19:00"`.
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((start, end)) = s.split_once('-') else {
            return Err(format!(
                "`{}` is not a pause like \"fri 19:00 - sun 19:00\"",
                s.trim()
            ));
        };
        let pause = Pause {
            start: start.parse()?,
            end: end.parse()?,
        };
        if pause.start == pause.end {
            return Err(format!(
                "`{}` starts and ends at the same moment: give a pause shorter than a week",
                s.trim()
            ));
        }
        Ok(pause)
    }
}

impl fmt::Display for Pause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} - {}", self.start, self.end)
    }
}

impl FromStr for DailyWindow {
    type Err = String;

    /// `"10:00-18:00"`.
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((open, close)) = s.split_once('-') else {
            return Err(format!(
                "`{}` is not a window like \"10:00-18:00\"",
                s.trim()
            ));
        };
        let window = DailyWindow {
            open: parse_time_of_day(open)?,
            close: parse_time_of_day(close)?,
        };
        if window.close <= window.open {
            return Err(format!(
                "`{}` ends before it starts (a window closes the day it opens)",
                s.trim()
            ));
        }
        Ok(window)
    }
}

impl fmt::Display for DailyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hh_mm(self.open), hh_mm(self.close))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Zone {
        Zone::new(Some("Europe/Paris")).unwrap()
    }

    /// A moment written with its offset and zone, e.g.
    /// "2026-03-27T19:00:00+01:00[Europe/Paris]".
    fn at(s: &str) -> Timestamp {
        Timestamp::from_millis_i64(
            s.parse::<jiff::Zoned>()
                .unwrap()
                .timestamp()
                .as_millisecond(),
        )
    }

    fn hm(h: i8, m: i8) -> Time {
        Time::constant(h, m, 0, 0)
    }

    #[test]
    fn next_daily_is_strictly_after() {
        let z = paris();
        assert_eq!(
            next_daily(at("2026-12-02T09:59:00+01:00[Europe/Paris]"), hm(10, 0), &z),
            at("2026-12-02T10:00:00+01:00[Europe/Paris]")
        );
        assert_eq!(
            next_daily(at("2026-12-02T10:00:00+01:00[Europe/Paris]"), hm(10, 0), &z),
            at("2026-12-03T10:00:00+01:00[Europe/Paris]")
        );
        assert_eq!(
            daily_at_or_after(at("2026-12-02T10:00:00+01:00[Europe/Paris]"), hm(10, 0), &z),
            at("2026-12-02T10:00:00+01:00[Europe/Paris]")
        );
    }

    #[test]
    fn spring_forward_shifts_a_missing_time_by_the_gap() {
        let z = paris();
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        assert_eq!(
            next_daily(at("2026-03-29T00:00:00+01:00[Europe/Paris]"), hm(2, 30), &z),
            at("2026-03-29T03:30:00+02:00[Europe/Paris]")
        );
        // A day of 23 hours between two 10:00.
        let before = at("2026-03-28T10:00:00+01:00[Europe/Paris]");
        let after = next_daily(before, hm(10, 0), &z);
        assert_eq!(after, at("2026-03-29T10:00:00+02:00[Europe/Paris]"));
        assert_eq!(
            before.until(after),
            std::time::Duration::from_secs(23 * 3600)
        );
    }

    #[test]
    fn autumn_back_takes_the_first_of_a_repeated_time_once() {
        let z = paris();
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 twice.
        let first = next_daily(at("2026-10-25T00:00:00+02:00[Europe/Paris]"), hm(2, 30), &z);
        assert_eq!(first, at("2026-10-25T02:30:00+02:00[Europe/Paris]"));
        // Not again at 02:30 CET the same night: the next is the 26th.
        assert_eq!(
            next_daily(first, hm(2, 30), &z),
            at("2026-10-26T02:30:00+01:00[Europe/Paris]")
        );
    }

    #[test]
    fn the_default_pause_is_friday_evening_to_sunday_evening() {
        let z = paris();
        let p = Pause::default();
        // Friday 4 December 2026.
        assert!(!p.contains(at("2026-12-04T18:59:59+01:00[Europe/Paris]"), &z));
        assert!(p.contains(at("2026-12-04T19:00:00+01:00[Europe/Paris]"), &z));
        assert!(p.contains(at("2026-12-05T12:00:00+01:00[Europe/Paris]"), &z));
        assert!(p.contains(at("2026-12-06T18:59:59+01:00[Europe/Paris]"), &z));
        assert!(!p.contains(at("2026-12-06T19:00:00+01:00[Europe/Paris]"), &z));
        assert!(!p.contains(at("2026-12-02T12:00:00+01:00[Europe/Paris]"), &z));
        assert_eq!(
            p.next_start(at("2026-12-02T12:00:00+01:00[Europe/Paris]"), &z),
            at("2026-12-04T19:00:00+01:00[Europe/Paris]")
        );
        assert_eq!(
            p.next_end(at("2026-12-05T12:00:00+01:00[Europe/Paris]"), &z),
            at("2026-12-06T19:00:00+01:00[Europe/Paris]")
        );
    }

    #[test]
    fn next_daily_outside_skips_the_weekend() {
        let z = paris();
        let p = Pause::default();
        // Pyre votes at 10:00: Friday yes, then Monday.
        let thursday = at("2026-12-03T11:00:00+01:00[Europe/Paris]");
        let friday = p.next_daily_outside(thursday, hm(10, 0), &z);
        assert_eq!(friday, at("2026-12-04T10:00:00+01:00[Europe/Paris]"));
        assert_eq!(
            p.next_daily_outside(friday, hm(10, 0), &z),
            at("2026-12-07T10:00:00+01:00[Europe/Paris]")
        );
        // Wolves at 19:00: Thursday yes, Friday no (the pause starts),
        // Sunday yes (the pause has just ended).
        assert_eq!(
            p.next_daily_outside(thursday, hm(19, 0), &z),
            at("2026-12-03T19:00:00+01:00[Europe/Paris]")
        );
        assert_eq!(
            p.next_daily_outside(at("2026-12-03T19:00:00+01:00[Europe/Paris]"), hm(19, 0), &z),
            at("2026-12-06T19:00:00+01:00[Europe/Paris]")
        );
    }

    #[test]
    fn a_pause_across_a_daylight_saving_change() {
        let z = paris();
        let p = Pause::default();
        // The weekend of 27-29 March 2026 has a 47-hour pause.
        let start = p.next_start(at("2026-03-26T12:00:00+01:00[Europe/Paris]"), &z);
        assert_eq!(start, at("2026-03-27T19:00:00+01:00[Europe/Paris]"));
        let end = p.next_end(start, &z);
        assert_eq!(end, at("2026-03-29T19:00:00+02:00[Europe/Paris]"));
        assert_eq!(start.until(end), std::time::Duration::from_secs(47 * 3600));
        assert!(p.contains(at("2026-03-29T18:30:00+02:00[Europe/Paris]"), &z));
        assert!(!p.contains(end, &z));
        // The autumn one has 49 hours.
        let start = p.next_start(at("2026-10-22T12:00:00+02:00[Europe/Paris]"), &z);
        let end = p.next_end(start, &z);
        assert_eq!(start.until(end), std::time::Duration::from_secs(49 * 3600));
    }

    #[test]
    fn a_pause_that_wraps_the_week() {
        // Sunday evening to Tuesday morning: across the week's end.
        let z = Zone::utc();
        let p: Pause = "dim 20:00 - mar 08:00".parse().unwrap();
        assert!(p.contains(at("2026-12-07T12:00:00+00:00[UTC]"), &z)); // Monday
        assert!(!p.contains(at("2026-12-08T08:00:00+00:00[UTC]"), &z)); // Tuesday 08:00
        assert!(!p.contains(at("2026-12-05T12:00:00+00:00[UTC]"), &z)); // Saturday
    }

    #[test]
    fn parsing_weekdays_times_windows_and_pauses() {
        assert_eq!(
            "ven 19:00 - Dimanche 19:00".parse::<Pause>().unwrap(),
            Pause::default()
        );
        assert_eq!(Pause::default().to_string(), "fri 19:00 - sun 19:00");
        let w: DailyWindow = "10:00-18:00".parse().unwrap();
        assert_eq!((w.open, w.close), (hm(10, 0), hm(18, 0)));
        assert_eq!(w.to_string(), "10:00-18:00");
        assert!("18:00-10:00"
            .parse::<DailyWindow>()
            .unwrap_err()
            .contains("ends before it starts"));
        assert!("10:00-10:00".parse::<DailyWindow>().is_err());
        assert!("25:00-26:00".parse::<DailyWindow>().is_err());
        assert!("10h-12h".parse::<DailyWindow>().is_err());
        assert!("xyz 19:00 - sun 19:00"
            .parse::<Pause>()
            .unwrap_err()
            .contains("`xyz` is not a weekday"));
        assert!("fri 19:00 - fri 19:00".parse::<Pause>().is_err());
        assert!("fri19:00 - sun 19:00".parse::<Pause>().is_err());
        assert_eq!(parse_time_of_day("7:05").unwrap(), hm(7, 5));
        assert!(parse_time_of_day("07:60").is_err());
        assert!(parse_time_of_day("07:00:00:00").is_err());
    }
}
