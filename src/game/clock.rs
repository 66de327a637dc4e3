//! Local clock times for the game: "HH:MM" ([`ClockTime`]), the daily
//! windows and the weekend pause the engine needs ([`Schedule`]), and the
//! one question it asks of them: "when is the next HH:MM, the pause
//! skipped?". The arithmetic (time zones, DST, the pause) is the
//! appliance's one calendar, [`crate::time::calendar`].
//!
//! The engine never reads a clock: every function here takes `now`. The
//! persistent scheduler (`crate::schedule`) runs the tasks the engine asks
//! for at the moments computed here; the `[game]` configuration fills a
//! [`Schedule`] (its defaults are GAME.md §5's).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use jiff::civil::Time;

use crate::time::calendar::{self, Pause};
use crate::time::{Timestamp, Zone};

use super::model::VoteKind;

/// A local time of day, minute precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime {
    hour: u8,
    minute: u8,
}

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime { hour: 0, minute: 0 };

    pub const fn new(hour: u8, minute: u8) -> Option<ClockTime> {
        if hour < 24 && minute < 60 {
            Some(ClockTime { hour, minute })
        } else {
            None
        }
    }

    pub fn hour(self) -> u8 {
        self.hour
    }

    pub fn minute(self) -> u8 {
        self.minute
    }

    /// Parses "HH:MM" (also "H:MM" and lg-rez's "HHhMM").
    pub fn parse(s: &str) -> Result<ClockTime, String> {
        let s = s.trim();
        let (h, m) = s
            .split_once(':')
            .or_else(|| s.split_once('h'))
            .ok_or_else(|| "expected a clock time like \"19:00\"".to_owned())?;
        let m = if m.is_empty() { "0" } else { m };
        let (h, m) = match (h.parse::<u8>(), m.parse::<u8>()) {
            (Ok(h), Ok(m)) => (h, m),
            _ => return Err("expected a clock time like \"19:00\"".to_owned()),
        };
        ClockTime::new(h, m).ok_or_else(|| "hours 0-23, minutes 0-59".to_owned())
    }

    /// As the calendar takes it (always valid: `new` checked it).
    pub fn time(self) -> Time {
        Time::new(self.hour as i8, self.minute as i8, 0, 0).unwrap_or(Time::midnight())
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

const fn at(hour: u8, minute: u8) -> ClockTime {
    ClockTime { hour, minute }
}

/// A daily vote window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub open: ClockTime,
    pub close: ClockTime,
}

/// The times the engine schedules at. Built by the shell from `[game]`.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub zone: Zone,
    /// The pyre vote, chained daily.
    pub cond: Window,
    /// The wolves' vote, chained daily.
    pub loups: Window,
    /// The one mayor election after launch.
    pub maire: Window,
    /// When `start` and `perma` actions open after launch.
    pub actions_start: ClockTime,
    /// The launch's hype message.
    pub hype: ClockTime,
    /// When open `perma` actions are re-announced.
    pub perma_repost: ClockTime,
    /// How long before a closing the non-deciders are reminded.
    pub reminder: Duration,
    /// The weekend pause; `None`: none.
    pub pause: Option<Pause>,
}

impl Schedule {
    /// GAME.md §5's times in `zone`.
    pub fn with_zone(zone: Zone) -> Schedule {
        Schedule {
            zone,
            cond: Window {
                open: at(10, 0),
                close: at(18, 0),
            },
            loups: Window {
                open: at(19, 0),
                close: at(23, 0),
            },
            maire: Window {
                open: at(10, 0),
                close: at(17, 0),
            },
            actions_start: at(19, 0),
            hype: at(18, 50),
            perma_repost: at(7, 0),
            reminder: Duration::from_secs(30 * 60),
            pause: Some(Pause::default()),
        }
    }

    pub fn window(&self, kind: VoteKind) -> Window {
        match kind {
            VoteKind::Cond => self.cond,
            VoteKind::Maire => self.maire,
            VoteKind::Loups => self.loups,
        }
    }

    /// Whether `t` falls in the weekend pause.
    pub fn in_pause(&self, t: Timestamp) -> bool {
        self.pause.is_some_and(|p| p.contains(t, &self.zone))
    }

    /// The next local `time` after `now`, ignoring the pause (a closing).
    pub fn next(&self, now: Timestamp, time: ClockTime) -> Timestamp {
        calendar::next_daily(now, time.time(), &self.zone)
    }

    /// The next local `time` after `now` outside the pause (an opening).
    pub fn next_open(&self, now: Timestamp, time: ClockTime) -> Timestamp {
        match self.pause {
            Some(p) => p.next_daily_outside(now, time.time(), &self.zone),
            None => self.next(now, time),
        }
    }

    /// When the next pause starts, if there is one.
    pub fn next_pause_start(&self, now: Timestamp) -> Option<Timestamp> {
        Some(self.pause?.next_start(now, &self.zone))
    }

    /// When the pause around (or after) `now` ends.
    pub fn next_pause_end(&self, now: Timestamp) -> Option<Timestamp> {
        Some(self.pause?.next_end(now, &self.zone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_parse_and_refuse() {
        assert_eq!(ClockTime::parse("19:00"), Ok(at(19, 0)));
        assert_eq!(ClockTime::parse("7h30"), Ok(at(7, 30)));
        assert!(ClockTime::parse("24:00").is_err());
        assert!(ClockTime::parse("soon").is_err());
    }
}
