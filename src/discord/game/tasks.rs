//! The MJs' own scheduled tasks (lg-rez's `!planif`, `!delay`, `!taches`,
//! `!cancel`, GAME.md §4 "Tasks"): one of the game's MJ commands stored in
//! the persistent scheduler (kind `"game"`, beside the engine's own
//! tasks), run when due as the MJ who scheduled it, its answers posted in
//! the MJs' `logs`.
//!
//! Only a whitelist of commands can be scheduled
//! ([`GameCommand::schedulable`]: the game flow and messages); the line
//! is checked when it is scheduled, and again when it runs. Never
//! arbitrary code.
//!
//! The scheduler's handler for the kind is the router's
//! ([`super::router`]): a programmed command is one more way a command
//! arrives; it runs through [`super::mj`] like a typed one.

use std::time::Duration;

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use super::call::prelude::*;
use super::shell::KIND;
use crate::game::Task;
use crate::schedule;
use crate::time::Zone;

/// A `/planif` or `/delay` task: the command line, and as whom it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MjTask {
    /// Without its `!`: `open cond 18:00`.
    pub mj_command: String,
    /// The MJ who scheduled it.
    pub by: u64,
    /// Their name then, for `/taches` and `logs`.
    pub by_name: String,
}

/// The longest `/delay`: a season lasts weeks, not years, and a bound
/// keeps the arithmetic far from overflowing.
const LONGEST_DELAY: Duration = Duration::from_secs(366 * 24 * 3600);

/// How much of a message `/taches` fills with tasks: under Discord's
/// 2000 characters with room for the heading and the count of the rest.
const LIST_BUDGET: usize = 1800;

/// Why a task's command line is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineError {
    Unknown(String),
    NotSchedulable(&'static str),
    Missing {
        command: &'static str,
        option: &'static str,
    },
}

/// A task's command line (`open cond 18:00`, with or without its `!` or
/// `/`): the command, if it may be scheduled, and its arguments.
pub fn parse_line(line: &str) -> Result<(GameCommand, Vec<String>), LineError> {
    let line = line.trim().trim_start_matches(['!', '/']);
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let command =
        GameCommand::from_name(word).ok_or_else(|| LineError::Unknown(word.to_owned()))?;
    if !command.schedulable() {
        return Err(LineError::NotSchedulable(command.name()));
    }
    let args = command.split_args(rest);
    if let Some(option) = command.missing(&args) {
        return Err(LineError::Missing {
            command: command.name(),
            option,
        });
    }
    Ok((command, args))
}

/// Why a moment is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhenError {
    Unreadable,
    Past,
}

/// `/planif`'s moment, local to `zone`: `[d/m[/yyyy]-]H:M[:S]` (or
/// lg-rez's `19h30`). A time alone already past today is tomorrow's; an
/// explicit date already past is refused.
pub fn parse_when(s: &str, now: Timestamp, zone: &Zone) -> Result<Timestamp, WhenError> {
    let s = s.trim();
    let (date, time) = match s.rsplit_once('-') {
        Some((d, t)) => (Some(d.trim()), t.trim()),
        None => (None, s),
    };
    let time = parse_time(time).ok_or(WhenError::Unreadable)?;
    let now_z = jiff::Timestamp::from_millisecond(now.as_millis_i64())
        .map_err(|_| WhenError::Unreadable)?
        .to_zoned(zone.tz().clone());
    let at = |day: Date| -> Result<Timestamp, WhenError> {
        let z = day
            .to_datetime(time)
            .to_zoned(zone.tz().clone())
            .map_err(|_| WhenError::Unreadable)?;
        Ok(Timestamp::from_millis_i64(z.timestamp().as_millisecond()))
    };
    match date {
        Some(d) => {
            let parts: Vec<&str> = d.split('/').collect();
            let num = |i: usize| parts.get(i).and_then(|p| p.trim().parse::<i16>().ok());
            let (day, month) = (num(0), num(1));
            let year = match parts.len() {
                2 => Some(now_z.year()),
                3 => num(2),
                _ => None,
            };
            let (Some(day), Some(month), Some(year)) = (day, month, year) else {
                return Err(WhenError::Unreadable);
            };
            let date = Date::new(
                year,
                i8::try_from(month).map_err(|_| WhenError::Unreadable)?,
                i8::try_from(day).map_err(|_| WhenError::Unreadable)?,
            )
            .map_err(|_| WhenError::Unreadable)?;
            let t = at(date)?;
            if t <= now {
                return Err(WhenError::Past);
            }
            Ok(t)
        }
        None => {
            let today = at(now_z.date())?;
            if today > now {
                return Ok(today);
            }
            at(now_z.date().tomorrow().map_err(|_| WhenError::Unreadable)?)
        }
    }
}

/// `H:M`, `H:M:S` or `HhM`.
fn parse_time(s: &str) -> Option<Time> {
    let parts: Vec<&str> = if s.contains(':') {
        s.split(':').collect()
    } else {
        let (h, m) = s.split_once(['h', 'H'])?;
        vec![h, if m.is_empty() { "0" } else { m }]
    };
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let n = |i: usize| -> Option<i8> {
        parts
            .get(i)
            .map_or(Some(0), |p| p.trim().parse::<i8>().ok())
    };
    Time::new(n(0)?, n(1)?, n(2)?, 0).ok()
}

/// `/delay`'s wait: `XhYm`, any of days (`j` or `d`), hours, minutes and
/// seconds, a bare number after hours being minutes (`1h30`).
pub fn parse_delay(s: &str) -> Option<Duration> {
    let s = s.trim().to_lowercase();
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut last_unit = ' ';
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'j' | 'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            ' ' => continue,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        last_unit = c;
    }
    if !number.is_empty() {
        if last_unit != 'h' {
            return None;
        }
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(60)?)?;
    }
    let d = Duration::from_secs(total);
    (total > 0 && d <= LONGEST_DELAY).then_some(d)
}

/// `/planif` and `/delay`: the line checked, then stored.
pub(super) async fn schedule_line(
    r: &GameRouter,
    call: &Call,
    at: Timestamp,
    line: &str,
) -> String {
    let line = line.trim().trim_start_matches(['!', '/']).trim().to_owned();
    if let Err(e) = parse_line(&line) {
        return match e {
            LineError::Unknown(word) => r.t(L::NoSuchCommand, &[("command", &word)]),
            LineError::NotSchedulable(name) => {
                let allowed: Vec<&str> = GameCommand::ALL
                    .iter()
                    .filter(|c| c.schedulable())
                    .map(|c| c.name())
                    .collect();
                r.t(
                    L::NotSchedulable,
                    &[("command", name), ("list", &allowed.join(", "))],
                )
            }
            LineError::Missing { command, option } => {
                r.t(L::Usage, &[("usage", &format!("{command} <{option}> (…)"))])
            }
        };
    }
    let task = MjTask {
        mj_command: line.clone(),
        by: call.user,
        by_name: call.display.clone(),
    };
    let payload = match serde_json::to_value(&task) {
        Ok(p) => p,
        Err(e) => return r.t(L::Refused, &[("why", &e.to_string())]),
    };
    match r
        .shell
        .scheduler
        .schedule(at, schedule::Task::new(KIND, payload))
        .await
    {
        Ok(id) => r.t(
            L::TaskScheduled,
            &[
                ("id", &id.to_string()),
                ("when", &local(at, &r.shell.settings.schedule.zone)),
                ("command", &line),
            ],
        ),
        Err(e) => r.t(L::Refused, &[("why", &e.to_string())]),
    }
}

/// A moment as the MJs read it: `07/12 18:30` (seconds when there are).
pub fn local(at: Timestamp, zone: &Zone) -> String {
    match jiff::Timestamp::from_millisecond(at.as_millis_i64()) {
        Ok(t) => {
            let z = t.to_zoned(zone.tz().clone());
            let format = if z.second() == 0 {
                "%d/%m %H:%M"
            } else {
                "%d/%m %H:%M:%S"
            };
            z.strftime(format).to_string()
        }
        Err(_) => at.to_string(),
    }
}

/// `/taches`: each pending game task, soonest first: its id, its local
/// moment, and what it does in words.
pub(super) async fn list(r: &GameRouter, season: &Season) -> String {
    let zone = &r.shell.settings.schedule.zone;
    let lines: Vec<String> = r
        .shell
        .scheduler
        .list()
        .await
        .into_iter()
        .filter(|t| t.task.kind == KIND)
        .map(|t| {
            r.t(
                L::TaskLine,
                &[
                    ("id", &t.id.to_string()),
                    ("when", &local(t.due, zone)),
                    ("what", &what(r, season, &t.task.payload)),
                ],
            )
        })
        .collect();
    let list = if lines.is_empty() {
        r.t(L::None, &[])
    } else {
        // Discord refuses a message over 2000 characters: the soonest
        // tasks are shown, and how many more there are.
        let mut shown = String::new();
        let mut left = lines.len();
        for line in &lines {
            if shown.len() + line.len() > LIST_BUDGET {
                break;
            }
            shown.push('\n');
            shown.push_str(line);
            left -= 1;
        }
        if left > 0 {
            shown.push_str(&format!("\n… +{left}"));
        }
        shown
    };
    r.t(L::Tasks, &[("list", &list)])
}

/// What a task's payload does, in words.
fn what(r: &GameRouter, season: &Season, payload: &serde_json::Value) -> String {
    if let Ok(mj) = serde_json::from_value::<MjTask>(payload.clone()) {
        return r.t(
            L::TaskCommand,
            &[("command", &mj.mj_command), ("name", &mj.by_name)],
        );
    }
    let Ok(task) = serde_json::from_value::<Task>(payload.clone()) else {
        return payload.to_string();
    };
    let action = |id: ActionId| {
        let a = season.action(id);
        let slug = a.and_then(|a| a.base()).unwrap_or("?").to_owned();
        let name = a
            .and_then(|a| season.player(a.player))
            .map(|p| p.name.clone())
            .unwrap_or_default();
        (format!("{slug} ({})", id.0), name)
    };
    let act = |label: L, id: ActionId| {
        let (slug, name) = action(id);
        r.t(label, &[("action", &slug), ("name", &name)])
    };
    match task {
        Task::OpenVote { kind, close, chain } => {
            let mut s = r.t(L::TaskOpenVote, &[("vote", kind.slug())]);
            if let Some(c) = close {
                s.push_str(&r.t(L::TaskClosing, &[("time", &c.to_string())]));
            }
            if let Some(c) = chain {
                s.push_str(&r.t(L::TaskChain, &[("time", &c.to_string())]));
            }
            s
        }
        Task::RemindVote { kind } => r.t(L::TaskRemindVote, &[("vote", kind.slug())]),
        Task::CloseVote { kind, chain } => {
            let mut s = r.t(L::TaskCloseVote, &[("vote", kind.slug())]);
            if let Some(w) = chain {
                s.push_str(&r.t(L::TaskChain, &[("time", &w.open.to_string())]));
            }
            s
        }
        Task::OpenAction { action } => act(L::TaskOpenAction, action),
        Task::RemindAction { action, .. } => act(L::TaskRemindAction, action),
        Task::CloseAction { action, .. } => act(L::TaskCloseAction, action),
        Task::RepostPerma { action, .. } => act(L::TaskRepost, action),
        Task::Fire { trigger } => r.t(L::TaskFire, &[("trigger", &format!("{trigger:?}"))]),
        Task::Hype => r.t(L::TaskHype, &[]),
    }
}

/// `/cancel <ids>`: the game's tasks among `ids` (spaces or commas
/// between them); another capability's task is never touched.
pub(super) async fn cancel(r: &GameRouter, ids: &str) -> String {
    let wanted: Result<Vec<u64>, _> = ids
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::parse::<u64>)
        .collect();
    let Ok(wanted) = wanted else {
        return r.t(L::Usage, &[("usage", "/cancel <id> [id…]")]);
    };
    let pending: Vec<u64> = r
        .shell
        .scheduler
        .list()
        .await
        .into_iter()
        .filter(|t| t.task.kind == KIND && wanted.contains(&t.id))
        .map(|t| t.id)
        .collect();
    if let Err(e) = r
        .shell
        .scheduler
        .cancel_where(|t| t.task.kind == KIND && pending.contains(&t.id))
        .await
    {
        return r.t(L::Refused, &[("why", &e.to_string())]);
    }
    let join = |v: Vec<u64>| {
        v.iter()
            .map(u64::to_string)
            .collect::<Vec<String>>()
            .join(", ")
    };
    let unknown: Vec<u64> = wanted
        .iter()
        .copied()
        .filter(|id| !pending.contains(id))
        .collect();
    let mut text = r.t(L::TasksCancelled, &[("list", &join(pending))]);
    if !unknown.is_empty() {
        text.push(' ');
        text.push_str(&r.t(L::TasksUnknown, &[("list", &join(unknown))]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Zone {
        Zone::new(Some("Europe/Paris")).unwrap()
    }

    /// Paris local time on 2026-12-07 (a Monday, UTC+1).
    fn monday(hour: u64, minute: u64, second: u64) -> Timestamp {
        // 2026-12-07 00:00 Paris = 2026-12-06 23:00 UTC.
        Timestamp(1_796_598_000_000 + ((hour * 60 + minute) * 60 + second) * 1000)
    }

    #[test]
    fn planif_times_move_to_tomorrow_when_past_and_dates_are_taken_as_given() {
        let z = paris();
        let now = monday(18, 30, 0);
        assert_eq!(parse_when("18:31", now, &z), Ok(monday(18, 31, 0)));
        assert_eq!(parse_when("18:30:20", now, &z), Ok(monday(18, 30, 20)));
        assert_eq!(parse_when("19h", now, &z), Ok(monday(19, 0, 0)));
        assert_eq!(
            parse_when("9:00", now, &z),
            Ok(monday(9, 0, 0).after(Duration::from_secs(86_400)))
        );
        assert_eq!(
            parse_when("8/12-10:00", now, &z),
            Ok(monday(10, 0, 0).after(Duration::from_secs(86_400)))
        );
        assert_eq!(
            parse_when("08/12/2026-10:00", now, &z),
            Ok(monday(10, 0, 0).after(Duration::from_secs(86_400)))
        );
        assert_eq!(parse_when("7/12-10:00", now, &z), Err(WhenError::Past));
        for bad in [
            "",
            "soon",
            "25:00",
            "31/02-10:00",
            "1/2/3/4-10:00",
            "18:30:00:1",
        ] {
            assert_eq!(
                parse_when(bad, now, &z),
                Err(WhenError::Unreadable),
                "{bad}"
            );
        }
    }

    #[test]
    fn delays_read_like_lg_rez() {
        let min = |m: u64| Some(Duration::from_secs(m * 60));
        assert_eq!(parse_delay("2h"), min(120));
        assert_eq!(parse_delay("1h30m"), min(90));
        assert_eq!(parse_delay("1h30"), min(90));
        assert_eq!(parse_delay("45m"), min(45));
        assert_eq!(parse_delay("1j"), min(24 * 60));
        assert_eq!(parse_delay("10s"), Some(Duration::from_secs(10)));
        for bad in ["", "0m", "30", "1x", "h", "9999j"] {
            assert_eq!(parse_delay(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_whitelisted_commands_with_their_arguments_can_be_scheduled() {
        let (c, args) = parse_line("!open cond 18:00").unwrap();
        assert_eq!(c, GameCommand::Open);
        assert_eq!(args, ["cond", "18:00"]);
        let (c, args) = parse_line("/send vivants Bonne nuit {nom}").unwrap();
        assert_eq!(c, GameCommand::Send);
        assert_eq!(args, ["vivants", "Bonne nuit {nom}"]);
        assert_eq!(parse_line("cfini"), Err(LineError::NotSchedulable("cfini")));
        assert_eq!(
            parse_line("planif 10:00 open cond"),
            Err(LineError::NotSchedulable("planif"))
        );
        assert_eq!(
            parse_line("shell rm -rf /"),
            Err(LineError::Unknown("shell".into()))
        );
        assert_eq!(
            parse_line("close"),
            Err(LineError::Missing {
                command: "close",
                option: "vote"
            })
        );
    }
}
