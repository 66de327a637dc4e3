//! The `/report [day|week]` statistics: how much was said in a window, in
//! which channels, by whom and at what local hours, rendered as one
//! Discord message.
//!
//! Pure like the summariser: the command handler fetches the window's
//! messages from the archive and posts the result. [`render_report`]
//! always fits Discord's 2000-character limit, shortening its lists rather
//! than splitting the message.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Span;

use super::model::{CapturedMessage, Channel};
use super::render::{discord_escape, discord_len, local, timestamp};
use super::summary::excerpt;
use crate::messages::digest::{counted, date_range, hour, more, number, Label, Noun};
use crate::messages::Language;
use crate::time::Timestamp;

/// Members listed in a report: the regulars, not a census.
pub const TOP_MEMBERS: usize = 10;

/// Busiest hours named in a report.
pub const TOP_HOURS: usize = 3;

/// Discord's limit for one message, in characters (counted as
/// [`discord_len`] does).
pub const DISCORD_LIMIT: usize = 2000;

/// Characters of a member's name shown: display names are at most 32 on
/// Discord, so this only ever cuts a corrupt one.
const NAME_CHARS: usize = 40;

/// What `/report` covers, in calendar days of the zone, as members count
/// them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Period {
    /// Today, since local midnight.
    #[default]
    Day,
    /// Today and the six days before it.
    Week,
}

impl Period {
    /// Where this period starts when asked at `now`: local midnight of
    /// its first day (or the first moment of that day when a
    /// daylight-saving change skips midnight).
    pub fn start(self, now: Timestamp, zone: &TimeZone) -> Timestamp {
        let today = timestamp(now.as_millis_i64()).to_zoned(zone.clone()).date();
        let first = match self {
            Period::Day => Some(today),
            Period::Week => today.checked_sub(Span::new().days(6)).ok(),
        };
        first
            .and_then(|day| day.to_zoned(zone.clone()).ok())
            .map_or(now, |z| {
                Timestamp::from_millis_i64(z.timestamp().as_millisecond())
            })
    }
}

/// Everything one report is built from.
#[derive(Clone, Copy, Debug)]
pub struct ReportRequest<'a> {
    /// The watched channels; messages elsewhere are left out.
    pub channels: &'a [Channel],
    pub messages: &'a [CapturedMessage],
    /// The window, `from` inclusive, `to` exclusive: from
    /// [`Period::start`] to now.
    pub from: Timestamp,
    pub to: Timestamp,
    /// The zone the hours are counted in.
    pub zone: &'a TimeZone,
    /// The language the report will be shown in. The statistics do not
    /// depend on it; [`render_report`] takes it.
    pub language: Language,
    pub period: Period,
}

/// The statistics of one window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub period: Period,
    /// Local dates of the window's first and last moments.
    pub first_day: Date,
    pub last_day: Date,
    pub messages: usize,
    /// Distinct authors.
    pub members: usize,
    /// Every channel with messages, most first; ties in the guild's order.
    pub channels: Vec<Tally>,
    /// Up to [`TOP_MEMBERS`], most messages first; ties to whoever spoke
    /// first.
    pub top_members: Vec<Tally>,
    /// Messages per local hour of the day, 0 to 23.
    pub hours: [usize; 24],
    /// Up to [`TOP_HOURS`] hours with messages, busiest first; ties to the
    /// earlier hour.
    pub busiest_hours: Vec<u8>,
}

/// A channel or a member, and how many messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub id: u64,
    /// The channel's name, or the member's display name on their latest
    /// message.
    pub name: String,
    pub messages: usize,
}

/// Counts the window's messages.
pub fn report(req: &ReportRequest) -> Report {
    let mut slot_of = HashMap::with_capacity(req.channels.len());
    for (i, channel) in req.channels.iter().enumerate() {
        slot_of.entry(channel.id).or_insert(i);
    }

    let mut per_channel = vec![0usize; req.channels.len()];
    // author -> (messages, position of the first, latest message)
    let mut per_member: HashMap<u64, (usize, usize, &CapturedMessage)> = HashMap::new();
    let mut hours = [0usize; 24];
    let mut messages = 0;
    let (from_ms, to_ms) = (req.from.as_millis_i64(), req.to.as_millis_i64());
    for (pos, message) in req.messages.iter().enumerate() {
        if message.posted_ms < from_ms || message.posted_ms >= to_ms {
            continue;
        }
        let Some(&slot) = slot_of.get(&message.channel_id) else {
            continue;
        };
        messages += 1;
        per_channel[slot] += 1;
        let member = per_member
            .entry(message.author_id)
            .or_insert((0, pos, message));
        member.0 += 1;
        member.2 = message;
        hours[usize::from(local(message.posted_ms, req.zone).hour().unsigned_abs()) % 24] += 1;
    }

    let mut channels: Vec<Tally> = req
        .channels
        .iter()
        .zip(&per_channel)
        .filter(|&(_, &count)| count > 0)
        .map(|(channel, &count)| Tally {
            id: channel.id,
            name: channel.name.clone(),
            messages: count,
        })
        .collect();
    // Stable: ties keep the guild's order.
    channels.sort_by_key(|t| std::cmp::Reverse(t.messages));

    let members = per_member.len();
    let mut ranked: Vec<_> = per_member.into_iter().collect();
    ranked.sort_unstable_by_key(|&(_, (count, first, _))| (std::cmp::Reverse(count), first));
    let top_members = ranked
        .into_iter()
        .take(TOP_MEMBERS)
        .map(|(id, (count, _, latest))| Tally {
            id,
            name: latest.author_name.clone(),
            messages: count,
        })
        .collect();

    let mut busiest: Vec<u8> = (0..24u8).filter(|&h| hours[usize::from(h)] > 0).collect();
    busiest.sort_by_key(|&h| std::cmp::Reverse(hours[usize::from(h)]));
    busiest.truncate(TOP_HOURS);

    Report {
        period: req.period,
        first_day: local(from_ms, req.zone).date(),
        last_day: local(to_ms.saturating_sub(1).max(from_ms), req.zone).date(),
        messages,
        members,
        channels,
        top_members,
        hours,
        busiest_hours: busiest,
    }
}

/// `report` as one Discord message (Markdown), never longer than
/// [`DISCORD_LIMIT`]: the channel and member lists are cut short, with a
/// "… and N more" line, when they would not fit.
pub fn render_report(report: &Report, language: Language) -> String {
    let label = |label: Label| label.get(language);
    let period = match report.period {
        Period::Day => label(Label::ReportToday),
        Period::Week => label(Label::ReportWeek),
    };
    let mut head = format!(
        "📊 **{} — {}** · {}\n",
        label(Label::Activity),
        period,
        date_range(language, report.first_day, report.last_day)
    );
    if report.messages == 0 {
        head.push_str(label(Label::ReportEmpty));
        head.push('\n');
        return head;
    }
    head.push_str(&format!(
        "**{}** · {} · {}\n",
        counted(language, report.messages, Noun::Message),
        counted(language, report.members, Noun::Member),
        counted(language, report.channels.len(), Noun::Channel)
    ));

    let busiest: Vec<String> = report
        .busiest_hours
        .iter()
        .map(|&h| {
            let count = report.hours[usize::from(h) % 24];
            format!("{} ({})", hour(language, h), number(language, count))
        })
        .collect();
    let tail = format!(
        "\n**{}**{} {}\n`0h {} 23h`\n",
        label(Label::BusiestHours),
        label(Label::Colon),
        busiest.join(" · "),
        sparkline(&report.hours)
    );

    let channel_lines: Vec<String> = report
        .channels
        .iter()
        .map(|c| format!("<#{}> — {}", c.id, number(language, c.messages)))
        .collect();
    let member_lines: Vec<String> = report
        .top_members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{}. {} — {}",
                i + 1,
                discord_escape(&excerpt(&m.name, NAME_CHARS)),
                number(language, m.messages)
            )
        })
        .collect();
    let members_not_listed = report.members.saturating_sub(member_lines.len());

    let available = DISCORD_LIMIT.saturating_sub(discord_len(&head) + discord_len(&tail));
    let mut out = head;
    let channels_budget = if member_lines.is_empty() {
        available
    } else {
        available / 2
    };
    let used = push_bounded(
        &mut out,
        &format!("\n**{}**\n", label(Label::ByChannel)),
        &channel_lines,
        0,
        channels_budget,
        language,
        Noun::Channel,
    );
    push_bounded(
        &mut out,
        &format!("\n**{}**\n", label(Label::MostActiveMembers)),
        &member_lines,
        members_not_listed,
        available - used,
        language,
        Noun::Member,
    );
    out.push_str(&tail);
    truncate_to(&mut out, DISCORD_LIMIT);
    out
}

/// Appends `heading` and as many of `lines` as fit in `budget` (counted as
/// [`discord_len`]), then "… and N more" for the lines left out plus
/// `unlisted`. Returns what it used; appends nothing if not even the
/// heading and one line fit.
fn push_bounded(
    out: &mut String,
    heading: &str,
    lines: &[String],
    unlisted: usize,
    budget: usize,
    language: Language,
    noun: Noun,
) -> usize {
    let more_len = |n: usize| discord_len(&more(language, n, noun)) + 1;
    let total = lines.len() + unlisted;
    // Room kept for the "more" line whatever its number turns out to be.
    let reserve = more_len(1).max(more_len(total));

    let mut used = discord_len(heading);
    let mut shown = 0;
    for (i, line) in lines.iter().enumerate() {
        let len = discord_len(line) + 1;
        let left_after = total - (i + 1);
        let needed = len + if left_after > 0 { reserve } else { 0 };
        if used + needed > budget {
            break;
        }
        used += len;
        shown += 1;
    }
    if shown == 0 {
        return 0;
    }
    out.push_str(heading);
    for line in &lines[..shown] {
        out.push_str(line);
        out.push('\n');
    }
    let left = total - shown;
    if left > 0 {
        out.push_str(&more(language, left, noun));
        out.push('\n');
        used += more_len(left);
    }
    used
}

/// The 24 hours as bars, so the day's shape shows at a glance: "·" for
/// none, then eight heights relative to the busiest hour.
fn sparkline(hours: &[usize; 24]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = hours.iter().copied().max().unwrap_or(0).max(1);
    hours
        .iter()
        .map(|&count| {
            if count == 0 {
                '·'
            } else {
                // 1..=8, rounded up so any activity shows.
                let level = (count * BARS.len()).div_ceil(max).clamp(1, BARS.len());
                BARS[level - 1]
            }
        })
        .collect()
}

/// Cuts `text` to at most `limit` (as [`discord_len`] counts), at a
/// character boundary. A last resort: the lists are budgeted so that the
/// report fits without it.
fn truncate_to(text: &mut String, limit: usize) {
    if discord_len(text) <= limit {
        return;
    }
    let mut len = 1; // the "…"
    let mut cut = 0;
    for (i, c) in text.char_indices() {
        len += c.len_utf16();
        if len > limit {
            break;
        }
        cut = i + c.len_utf8();
    }
    text.truncate(cut);
    text.push('…');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brussels() -> TimeZone {
        TimeZone::get("Europe/Brussels").unwrap()
    }

    fn at(zone: &TimeZone, civil: &str) -> i64 {
        let dt: jiff::civil::DateTime = civil.parse().unwrap();
        zone.to_zoned(dt).unwrap().timestamp().as_millisecond()
    }

    fn channel(id: u64, name: &str) -> Channel {
        Channel {
            id,
            name: name.to_owned(),
            important: false,
        }
    }

    fn msg(id: u64, channel_id: u64, author_id: u64, posted_ms: i64) -> CapturedMessage {
        CapturedMessage {
            id,
            channel_id,
            author_id,
            author_name: format!("membre {author_id}"),
            posted_ms,
            edited: false,
            content: String::new(),
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
        }
    }

    fn request<'a>(
        channels: &'a [Channel],
        messages: &'a [CapturedMessage],
        zone: &'a TimeZone,
        period: Period,
    ) -> ReportRequest<'a> {
        let (from_ms, to_ms) = (at(zone, "2026-11-21T00:00"), at(zone, "2026-11-21T23:00"));
        ReportRequest {
            channels,
            messages,
            from: Timestamp::from_millis_i64(from_ms),
            to: Timestamp::from_millis_i64(to_ms),
            zone,
            language: Language::Fr,
            period,
        }
    }

    #[test]
    fn hours_are_counted_in_local_time() {
        let zone = brussels();
        let channels = [channel(1, "général")];
        // 23:30 UTC on the 20th is 00:30 in Brussels (UTC+1 in November).
        let utc_2330 = jiff::Timestamp::from_second(1_795_217_400).unwrap();
        assert_eq!(utc_2330.to_string(), "2026-11-20T23:30:00Z");
        let messages = [
            msg(1, 1, 1, utc_2330.as_millisecond()),
            msg(2, 1, 1, at(&zone, "2026-11-21T09:15")),
            msg(3, 1, 2, at(&zone, "2026-11-21T09:45")),
        ];
        let r = report(&request(&channels, &messages, &zone, Period::Day));
        assert_eq!(r.hours[0], 1);
        assert_eq!(r.hours[23], 0);
        assert_eq!(r.hours[9], 2);
        assert_eq!(r.busiest_hours, [9, 0]);
        assert_eq!(r.hours.iter().sum::<usize>(), 3);
    }

    #[test]
    fn hours_follow_the_dst_change() {
        let zone = brussels();
        let channels = [channel(1, "général")];
        // 10:00 UTC is 12:00 in summer time, 11:00 in winter time.
        let summer = jiff::Timestamp::from_second(1_792_576_800).unwrap(); // 2026-10-21T10:00Z
        let winter = jiff::Timestamp::from_second(1_793_786_400).unwrap(); // 2026-11-04T10:00Z
        let messages = [
            msg(1, 1, 1, summer.as_millisecond()),
            msg(2, 1, 1, winter.as_millisecond()),
        ];
        let mut req = request(&channels, &messages, &zone, Period::Week);
        req.from = Timestamp(0);
        let r = report(&req);
        assert_eq!((r.hours[12], r.hours[11]), (1, 1));
    }

    #[test]
    fn counts_per_channel_and_member_with_ties_in_order() {
        let zone = brussels();
        let channels = [
            channel(1, "a"),
            channel(2, "b"),
            channel(3, "c"),
            channel(4, "quiet"),
        ];
        let t = at(&zone, "2026-11-21T10:00");
        let mut messages = Vec::new();
        let mut id = 0;
        let mut push = |channel_id, author_id, posted_ms| {
            id += 1;
            messages.push(msg(id, channel_id, author_id, posted_ms));
        };
        // c: 3, a: 2, b: 2 (tie: a comes first in the guild).
        for (ch, author) in [(2, 5), (1, 6), (3, 6), (3, 7), (1, 5), (2, 7), (3, 8)] {
            push(ch, author, t);
        }
        push(1, 9, t - 3 * 86_400_000); // outside the window
        push(99, 9, t); // not watched
        for a in 10..30 {
            push(1, a, t);
        }
        messages[6].author_name = "Huit".into();
        let r = report(&request(&channels, &messages, &zone, Period::Day));
        let per_channel: Vec<(u64, usize)> =
            r.channels.iter().map(|c| (c.id, c.messages)).collect();
        assert_eq!(per_channel, [(1, 22), (3, 3), (2, 2)]);
        assert_eq!(r.messages, 27);
        assert_eq!(r.members, 24);
        let top: Vec<(u64, usize)> = r.top_members.iter().map(|m| (m.id, m.messages)).collect();
        assert_eq!(
            top,
            [
                (5, 2),
                (6, 2),
                (7, 2),
                (8, 1),
                (10, 1),
                (11, 1),
                (12, 1),
                (13, 1),
                (14, 1),
                (15, 1)
            ]
        );
        assert_eq!(r.top_members[3].name, "Huit");
    }

    #[test]
    fn busiest_hours_break_ties_by_the_earlier_hour() {
        let zone = brussels();
        let channels = [channel(1, "a")];
        let messages: Vec<CapturedMessage> = [20, 8, 14, 8, 20, 14, 3]
            .into_iter()
            .enumerate()
            .map(|(i, h)| msg(i as u64, 1, 1, at(&zone, &format!("2026-11-21T{h:02}:10"))))
            .collect();
        let mut req = request(&channels, &messages, &zone, Period::Day);
        req.to = Timestamp::from_millis_i64(at(&zone, "2026-11-22T00:00"));
        req.from = Timestamp::from_millis_i64(at(&zone, "2026-11-21T00:00"));
        assert_eq!(report(&req).busiest_hours, [8, 14, 20]);
    }

    #[test]
    fn periods_start_at_local_midnight_and_the_week_spans_dst() {
        let zone = brussels();
        let ts = |civil| Timestamp::from_millis_i64(at(&zone, civil));
        let now = ts("2026-10-28T12:00");
        assert_eq!(Period::Day.start(now, &zone), ts("2026-10-28T00:00"));
        let week = Period::Week.start(now, &zone);
        assert_eq!(week, ts("2026-10-22T00:00"));
        // Clocks went back on the 25th: one hour more than 6.5 × 24 h.
        assert_eq!(
            week.until(now),
            std::time::Duration::from_secs((6 * 24 + 12 + 1) * 3600)
        );
    }

    #[test]
    fn render_in_both_languages() {
        let zone = brussels();
        let channels = [channel(1, "général"), channel(2, "jeux")];
        let messages = [
            msg(1, 1, 1, at(&zone, "2026-11-21T09:15")),
            msg(2, 2, 2, at(&zone, "2026-11-21T09:45")),
            msg(3, 1, 1, at(&zone, "2026-11-21T10:05")),
        ];
        let r = report(&request(&channels, &messages, &zone, Period::Day));
        let fr = render_report(&r, Language::Fr);
        assert!(
            fr.starts_with("📊 **Activité — aujourd’hui** · samedi 21 novembre 2026\n"),
            "{fr}"
        );
        assert!(fr.contains("**3 messages** · 2 membres · 2 salons"));
        assert!(fr.contains("<#1> — 2\n<#2> — 1\n"));
        assert!(fr.contains("1. membre 1 — 2\n2. membre 2 — 1\n"));
        assert!(fr.contains("9\u{a0}h (2) · 10\u{a0}h (1)"), "{fr}");
        assert!(fr.contains("`0h ·········█▄············· 23h`"), "{fr}");
        let en = render_report(&r, Language::En);
        assert!(
            en.contains("**Busiest hours**: 09:00 (2) · 10:00 (1)"),
            "{en}"
        );
        assert!(en.contains("3 messages** · 2 members · 2 channels"));

        let empty = report(&request(&channels, &[], &zone, Period::Week));
        assert!(render_report(&empty, Language::Fr).contains("Aucun message sur cette période."));
        assert!(render_report(&empty, Language::En).contains("7 days"));
    }

    #[test]
    fn render_always_fits_one_discord_message() {
        let zone = brussels();
        let t = at(&zone, "2026-11-21T10:00");
        let channels: Vec<Channel> = (0..500)
            .map(|i| channel(1_000_000_000_000_000_000 + i, "c"))
            .collect();
        let mut messages = Vec::new();
        for i in 0..5000u64 {
            let mut m = msg(i, 1_000_000_000_000_000_000 + i % 500, i % 40, t);
            m.author_name = format!("{}😀@everyone**{i}", "ñ".repeat(300));
            messages.push(m);
        }
        for language in [Language::Fr, Language::En] {
            let r = report(&request(&channels, &messages, &zone, Period::Week));
            let text = render_report(&r, language);
            assert!(
                discord_len(&text) <= DISCORD_LIMIT,
                "{}",
                discord_len(&text)
            );
            assert!(text.chars().count() <= DISCORD_LIMIT);
            assert!(text.contains("Par salon") || text.contains("By channel"));
            assert!(text.contains("… "), "lists are shortened: {text}");
            assert!(!text.contains("@everyone"));
            assert!(text.ends_with(" 23h`\n"), "the hours survive: {text}");
        }
    }

    #[test]
    fn same_messages_same_report() {
        let zone = brussels();
        let channels = [channel(1, "a"), channel(2, "b")];
        let t = at(&zone, "2026-11-21T10:00");
        let messages: Vec<CapturedMessage> = (0..300)
            .map(|i| msg(i, 1 + i % 2, i % 17, t + i as i64 * 60_000))
            .collect();
        let req = request(&channels, &messages, &zone, Period::Day);
        let first = report(&req);
        for _ in 0..5 {
            assert_eq!(report(&req), first);
        }
    }
}
