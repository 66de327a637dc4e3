//! The renderers: a [`Digest`] as a mail (subject, plain text and HTML) and
//! as a Discord post, in French or English, plus the splitter that cuts a
//! long post into messages Discord accepts.
//!
//! Everything shown comes from members, so every renderer treats it as
//! hostile: the HTML escapes each piece of it and only turns `http(s)`
//! addresses into links; the text drops control characters (a terminal
//! showing `digest --preview` must not obey escape sequences); the Discord
//! post escapes Markdown and defuses mentions, so quoting "@everyone" never
//! pings anyone.
//!
//! Dates are shown in the request's zone. jiff knows no month or weekday
//! names, so the French and English ones are tables (in
//! [`crate::messages::digest`], with every word shown).
//!
//! One file per renderer ([`text`], [`html`], [`chat`]); what they share is
//! here and in [`view`] (the request as they read it), [`clean`](mod@clean) (member
//! text made harmless) and [`split`] (a long post cut for Discord).

mod chat;
mod clean;
mod html;
mod split;
#[cfg(test)]
mod tests;
mod text;
mod view;

use std::borrow::Cow;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Unit};

use super::model::{jump_link, Attachment, CapturedMessage, DigestRequest};
use super::summary::{
    excerpt, is_web_link, link_ranges, ChannelContent, ChannelDigest, Digest, Highlight, Summary,
    Transcript,
};
use crate::messages::Language;
use crate::time::Timestamp;

use crate::messages::digest::{
    counted, date_range, more, nothing_said, number, quoted, short_day, Label, Noun,
};
pub(crate) use clean::discord_escape;
use clean::{clean, one_line, Shown};
pub use split::{discord_len, split_for_discord};
use view::View;

/// The label of an important channel: the same word in both languages.
const IMPORTANT: &str = "important";

/// A digest ready to mail: the parts of a multipart text + HTML message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders `digest` (built from `req`) as a mail.
pub fn render_mail(req: &DigestRequest, digest: &Digest) -> Rendered {
    let view = View::new(req);
    let subject = subject(req);
    Rendered {
        text: text::render(&view, &subject, digest),
        html: html::render(&view, &subject, digest),
        subject,
    }
}

/// Renders `digest` (built from `req`) as Discord Markdown, shorter than
/// the mail: counts, top participants and messages, links back. May exceed
/// one message; pass it through [`split_for_discord`].
pub fn render_chat(req: &DigestRequest, digest: &Digest) -> String {
    chat::render(&View::new(req), digest)
}

/// The mail's subject: server and the day(s) covered, e.g.
/// "Résumé Discord — Coalition FFJ — samedi 21 novembre 2026", or
/// "… — du 19 au 21 novembre 2026" when the window covers several days
/// (see [`covered_days`]).
pub fn subject(req: &DigestRequest) -> String {
    let (first, last) = covered_days(req.from, req.to, req.zone);
    format!(
        "{} — {} — {}",
        Label::DigestTitle.get(req.language),
        one_line(req.guild_name),
        date_range(req.language, first, last)
    )
}

/// A digest usually runs from one morning to the next, so it covers one
/// "digest day" starting at the window's local start time; a longer window
/// (the Pi was off, or the digest time was moved later) covers more.
/// Returns the local dates of the first and last digest days.
///
/// Days are counted in the zone's calendar, so a window across a
/// daylight-saving change (23 or 25 hours) is still one day, and a window
/// that overruns its last whole day by at most [`DAY_SLACK_MS`] does not
/// count an extra day for it.
pub fn covered_days(from: Timestamp, to: Timestamp, zone: &TimeZone) -> (Date, Date) {
    let (from_ms, to_ms) = (from.as_millis_i64(), to.as_millis_i64());
    let from = timestamp(from_ms).to_zoned(zone.clone());
    let first = from.date();
    if to_ms <= from_ms {
        return (first, first);
    }
    let to = timestamp(to_ms).to_zoned(zone.clone());
    let whole = from
        .until((Unit::Day, &to))
        .map_or(0, |span| span.get_days())
        .max(0);
    let end_of_whole = Span::new()
        .try_days(whole)
        .and_then(|span| from.checked_add(span))
        .map_or(to_ms, |end| end.timestamp().as_millisecond());
    let overrun = to_ms.saturating_sub(end_of_whole);
    let days = if whole == 0 || overrun > DAY_SLACK_MS {
        whole + 1
    } else {
        whole
    };
    let last = Span::new()
        .try_days(days - 1)
        .and_then(|span| first.checked_add(span))
        .unwrap_or(first);
    (first, last)
}

/// How far a window may overrun its last whole day before that counts as
/// one more day: a digest sent a little late (scheduler jitter, a catch-up
/// after a short outage) still covers one day.
pub const DAY_SLACK_MS: i64 = 60 * 60 * 1000;

/// `ms` as a timestamp, clamped to jiff's range (which spans millennia, so
/// only a corrupt value is ever clamped).
pub(crate) fn timestamp(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
}

/// The local date and time of `ms` in `zone`.
pub(crate) fn local(ms: i64, zone: &TimeZone) -> DateTime {
    zone.to_datetime(timestamp(ms))
}
