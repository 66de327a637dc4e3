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
//! names, so the French and English ones are tables here.

use std::borrow::Cow;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Unit};

use super::model::{jump_link, Attachment, CapturedMessage, DigestRequest};
use super::summary::{
    excerpt, is_web_link, link_ranges, ChannelContent, ChannelDigest, Digest, Highlight, Summary,
    Transcript,
};
use crate::messages::Language;

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
    let (first, last) = covered_days(req.from_ms, req.to_ms, req.zone);
    format!(
        "{} — {} — {}",
        pick(req.language, "Résumé Discord", "Discord digest"),
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
pub fn covered_days(from_ms: i64, to_ms: i64, zone: &TimeZone) -> (Date, Date) {
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

/// Splits `text` into messages of at most `limit` characters for Discord
/// (2000): at line boundaries when possible, a line longer than `limit` at
/// its last space or, failing that, anywhere between two characters.
/// Characters are counted as UTF-16 units, which is never fewer than
/// Unicode characters, so a part fits whichever way it is counted. Blank
/// parts are left out (Discord refuses empty messages); a `limit` under 2
/// counts as 2 so that any character fits.
pub fn split_for_discord(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(2);
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    let mut started = false;
    for line in text.split('\n') {
        for piece in split_long_line(line, limit) {
            let len = discord_len(piece);
            if started && current_len + 1 + len > limit {
                push_part(&mut parts, std::mem::take(&mut current));
                current_len = 0;
                started = false;
            }
            if started {
                current.push('\n');
                current_len += 1;
            }
            current.push_str(piece);
            current_len += len;
            started = true;
        }
    }
    push_part(&mut parts, current);
    parts
}

/// The length Discord's limit is checked against, counted conservatively
/// (see [`split_for_discord`]).
pub fn discord_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn push_part(parts: &mut Vec<String>, part: String) {
    if !part.trim().is_empty() {
        parts.push(part.trim_matches('\n').to_owned());
    }
}

/// `line` in pieces of at most `limit`, cut after a space in the second
/// half of a piece when there is one.
fn split_long_line(mut line: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    while discord_len(line) > limit {
        let mut len = 0;
        let mut hard = 0;
        let mut soft = None;
        for (i, c) in line.char_indices() {
            len += c.len_utf16();
            if len > limit {
                break;
            }
            hard = i + c.len_utf8();
            if c == ' ' && len > limit / 2 {
                soft = Some(hard);
            }
        }
        let cut = soft.unwrap_or(hard);
        pieces.push(&line[..cut]);
        line = &line[cut..];
    }
    pieces.push(line);
    pieces
}

// ---------------------------------------------------------------------------
// What every renderer shares: the language, the zone, the window.

/// The request as the renderers need it.
struct View<'r> {
    language: Language,
    zone: &'r TimeZone,
    guild_id: u64,
    guild_name: &'r str,
    from_ms: i64,
    to_ms: i64,
    preamble: Option<&'r str>,
    /// Whether the window spans more than one local date, in which case
    /// each time also says the day.
    several_dates: bool,
}

impl<'r> View<'r> {
    fn new(req: &DigestRequest<'r>) -> View<'r> {
        let first = local(req.from_ms, req.zone).date();
        let last = local(req.to_ms.saturating_sub(1).max(req.from_ms), req.zone).date();
        View {
            language: req.language,
            zone: req.zone,
            guild_id: req.guild_id,
            guild_name: req.guild_name,
            from_ms: req.from_ms,
            to_ms: req.to_ms,
            preamble: req.preamble.filter(|p| !p.trim().is_empty()),
            several_dates: first != last,
        }
    }

    fn pick(&self, fr: &'static str, en: &'static str) -> &'static str {
        pick(self.language, fr, en)
    }

    /// `text` in quotation marks as each language writes them.
    fn quoted(&self, text: &str) -> String {
        match self.language {
            Language::Fr => format!("«\u{a0}{text}\u{a0}»"),
            Language::En => format!("“{text}”"),
        }
    }

    /// A colon as each language puts it after a word: French with a
    /// non-breaking space before it.
    fn colon(&self) -> &'static str {
        self.pick("\u{a0}:", ":")
    }

    /// When `message` was posted: "14:02", or "sam. 21 14:02" in a window
    /// spanning several dates.
    fn when(&self, message: &CapturedMessage) -> String {
        let at = local(message.posted_ms, self.zone);
        let time = format!("{:02}:{:02}", at.hour(), at.minute());
        if self.several_dates {
            format!("{} {time}", short_day(self.language, at.date()))
        } else {
            time
        }
    }

    fn jump(&self, message: &CapturedMessage) -> String {
        jump_link(self.guild_id, message.channel_id, message.id)
    }

    /// "Du samedi 21 novembre 2026 à 08:00 au dimanche 22 … (Europe/Brussels)".
    fn period(&self) -> String {
        let from = local(self.from_ms, self.zone);
        let to = local(self.to_ms, self.zone);
        let at = |dt: DateTime| {
            format!(
                "{} {} {:02}:{:02}",
                long_date(self.language, dt.date()),
                self.pick("à", "at"),
                dt.hour(),
                dt.minute()
            )
        };
        let zone = self
            .zone
            .iana_name()
            .map(|name| format!(" ({name})"))
            .unwrap_or_default();
        match self.language {
            Language::Fr => format!("Du {} au {}{zone}", at(from), at(to)),
            Language::En => format!("From {} to {}{zone}", at(from), at(to)),
        }
    }

    fn totals(&self, digest: &Digest) -> String {
        let t = digest.totals;
        format!(
            "{} · {} · {}",
            counted(self.language, t.messages, Noun::Message),
            counted(self.language, t.participants, Noun::Participant),
            counted(self.language, t.channels, Noun::Channel)
        )
    }

    fn nothing_said(&self) -> String {
        let guild = one_line(self.guild_name);
        match self.language {
            Language::Fr => format!("Rien n’a été dit sur {guild} pendant cette période."),
            Language::En => format!("Nothing was said on {guild} during this period."),
        }
    }

    fn preamble_label(&self) -> &'static str {
        self.pick(
            "Résumé automatique, rédigé par un modèle de langue (peut contenir des erreurs)\u{a0}:",
            "Automatic summary, written by a language model (may contain mistakes):",
        )
    }

    /// "3 messages · 2 participants" under a channel's name.
    fn channel_counts(&self, channel: &ChannelDigest) -> String {
        format!(
            "{} · {}",
            counted(self.language, channel.messages, Noun::Message),
            counted(self.language, channel.participants, Noun::Participant)
        )
    }

    /// "Alice (40), Bob (30)".
    fn participants(&self, summary: &Summary) -> String {
        summary
            .top_participants
            .iter()
            .map(|p| {
                format!(
                    "{} ({})",
                    one_line(p.name),
                    number(self.language, p.messages)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "5 réponses · 3 réactions", leaving out a zero.
    fn engagement(&self, highlight: &Highlight) -> String {
        let mut parts = Vec::new();
        if highlight.replies > 0 {
            parts.push(counted(
                self.language,
                highlight.replies as usize,
                Noun::Reply,
            ));
        }
        if highlight.reactions > 0 {
            parts.push(counted(
                self.language,
                highlight.reactions as usize,
                Noun::Reaction,
            ));
        }
        parts.join(" · ")
    }

    /// What a quote shows for a message with no text.
    fn quote_or_placeholder<'t>(&self, quote: &'t str, message: &CapturedMessage) -> Cow<'t, str> {
        if !quote.is_empty() {
            return Cow::Borrowed(quote);
        }
        match message.attachments.first() {
            Some(file) => Cow::Owned(format!(
                "({}{} {})",
                self.pick("pièce jointe", "attachment"),
                self.colon(),
                one_line(&file.name)
            )),
            None => Cow::Borrowed(self.pick("(sans texte)", "(no text)")),
        }
    }

    /// "(en réponse à Bob, modifié)" after an author's name, or nothing.
    fn post_notes(&self, message: &CapturedMessage, reply_to: Option<&CapturedMessage>) -> String {
        let mut notes = Vec::new();
        if let Some(target) = reply_to {
            notes.push(format!(
                "{} {}",
                self.pick("en réponse à", "replying to"),
                one_line(&target.author_name)
            ));
        }
        if message.edited {
            notes.push(self.pick("modifié", "edited").to_owned());
        }
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        }
    }
}

fn pick(language: Language, fr: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Fr => fr,
        Language::En => en,
    }
}

/// The things the digest counts, for plurals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Noun {
    Message,
    Participant,
    Member,
    Channel,
    Reply,
    Reaction,
    Link,
    File,
}

impl Noun {
    fn forms(self, language: Language) -> (&'static str, &'static str) {
        match (self, language) {
            (Noun::Message, _) => ("message", "messages"),
            (Noun::Participant, _) => ("participant", "participants"),
            (Noun::Member, Language::Fr) => ("membre", "membres"),
            (Noun::Member, Language::En) => ("member", "members"),
            (Noun::Channel, Language::Fr) => ("salon", "salons"),
            (Noun::Channel, Language::En) => ("channel", "channels"),
            (Noun::Reply, Language::Fr) => ("réponse", "réponses"),
            (Noun::Reply, Language::En) => ("reply", "replies"),
            (Noun::Reaction, Language::Fr) => ("réaction", "réactions"),
            (Noun::Reaction, Language::En) => ("reaction", "reactions"),
            (Noun::Link, Language::Fr) => ("lien", "liens"),
            (Noun::Link, Language::En) => ("link", "links"),
            (Noun::File, Language::Fr) => ("fichier", "fichiers"),
            (Noun::File, Language::En) => ("file", "files"),
        }
    }

    /// The form for `n`: French uses the singular for 0 and 1.
    fn form(self, language: Language, n: usize) -> &'static str {
        let (one, many) = self.forms(language);
        let singular = match language {
            Language::Fr => n <= 1,
            Language::En => n == 1,
        };
        if singular {
            one
        } else {
            many
        }
    }
}

/// "3 messages", "1 réponse", "12 345 messages".
pub(crate) fn counted(language: Language, n: usize, noun: Noun) -> String {
    format!("{} {}", number(language, n), noun.form(language, n))
}

/// "… et 7 autres messages" / "… and 7 more messages".
pub(crate) fn more(language: Language, n: usize, noun: Noun) -> String {
    let word = noun.form(language, n);
    match language {
        Language::Fr if n == 1 => format!("… et 1 autre {word}"),
        Language::Fr => format!("… et {} autres {word}", number(language, n)),
        Language::En => format!("… and {} more {word}", number(language, n)),
    }
}

/// `n` with thousands grouped as each language writes them: "12 345"
/// (non-breaking space) or "12,345".
pub(crate) fn number(language: Language, n: usize) -> String {
    let separator = pick(language, "\u{a0}", ",");
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

// ---------------------------------------------------------------------------
// Dates: jiff has no localisation, hence the tables.

const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const SHORT_WEEKDAYS_FR: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
const SHORT_WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday_index(date: Date) -> usize {
    date.weekday().to_monday_zero_offset().unsigned_abs().into()
}

fn month_name(language: Language, date: Date) -> &'static str {
    let i = usize::from(date.month().unsigned_abs()).clamp(1, 12) - 1;
    pick(language, MONTHS_FR[i], MONTHS_EN[i])
}

/// The day of the month as written: French says "1er" for the first.
fn day_of_month(language: Language, date: Date) -> String {
    match (language, date.day()) {
        (Language::Fr, 1) => "1er".to_owned(),
        (_, day) => day.to_string(),
    }
}

/// "samedi 21 novembre 2026" / "Saturday 21 November 2026".
pub(crate) fn long_date(language: Language, date: Date) -> String {
    let i = weekday_index(date);
    format!(
        "{} {} {} {}",
        pick(language, WEEKDAYS_FR[i], WEEKDAYS_EN[i]),
        day_of_month(language, date),
        month_name(language, date),
        date.year()
    )
}

/// "sam. 21" / "Sat 21": enough to tell the days of a short window apart.
fn short_day(language: Language, date: Date) -> String {
    let i = weekday_index(date);
    format!(
        "{} {}",
        pick(language, SHORT_WEEKDAYS_FR[i], SHORT_WEEKDAYS_EN[i]),
        day_of_month(language, date)
    )
}

/// One date in full, or a period written as each language does:
/// "du 19 au 21 novembre 2026" / "19–21 November 2026", with the month and
/// year repeated only when they change.
pub(crate) fn date_range(language: Language, first: Date, last: Date) -> String {
    if first == last {
        return long_date(language, first);
    }
    let day = |d: Date| day_of_month(language, d);
    let month = |d: Date| month_name(language, d);
    let same_year = first.year() == last.year();
    let same_month = same_year && first.month() == last.month();
    match language {
        Language::Fr if same_month => format!(
            "du {} au {} {} {}",
            day(first),
            day(last),
            month(last),
            last.year()
        ),
        Language::Fr if same_year => format!(
            "du {} {} au {} {} {}",
            day(first),
            month(first),
            day(last),
            month(last),
            last.year()
        ),
        Language::Fr => format!(
            "du {} {} {} au {} {} {}",
            day(first),
            month(first),
            first.year(),
            day(last),
            month(last),
            last.year()
        ),
        Language::En if same_month => format!(
            "{}–{} {} {}",
            day(first),
            day(last),
            month(last),
            last.year()
        ),
        Language::En if same_year => format!(
            "{} {} – {} {} {}",
            day(first),
            month(first),
            day(last),
            month(last),
            last.year()
        ),
        Language::En => format!(
            "{} {} {} – {} {} {}",
            day(first),
            month(first),
            first.year(),
            day(last),
            month(last),
            last.year()
        ),
    }
}

/// `ms` as a timestamp, clamped to jiff's range (which spans millennia, so
/// only a corrupt value is ever clamped).
pub(crate) fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The local date and time of `ms` in `zone`.
pub(crate) fn local(ms: i64, zone: &TimeZone) -> DateTime {
    zone.to_datetime(timestamp(ms))
}

// ---------------------------------------------------------------------------
// Cleaning what members wrote.

/// Whether `c` is dropped from anything shown: control characters other
/// than newline and tab (terminal escapes, NUL, carriage returns) and the
/// bidirectional overrides that can make text read differently from what
/// it is.
fn unwanted(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without [`unwanted`] characters and with tabs as spaces.
fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| unwanted(c) || c == '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !unwanted(c))
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect(),
    )
}

/// `text` cleaned and on one line, for names and titles.
fn one_line(text: &str) -> Cow<'_, str> {
    let cleaned = clean(text);
    if !cleaned.contains('\n') {
        return cleaned;
    }
    Cow::Owned(cleaned.replace('\n', " "))
}

/// `text` for a Discord message: Markdown characters escaped with a
/// backslash (so a name or quote cannot open a code block, a spoiler or a
/// masked link, nor show a `<@id>` or `<#id>` as a mention), a zero-width
/// space after every `@` (so "@everyone" never pings) and on one line.
pub(crate) fn discord_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in one_line(text).chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The plain-text part.

mod text {
    use super::*;

    /// Lines are wrapped to this many characters (indent included) so the
    /// text reads well in any mail client; a longer word (a link) gets a
    /// line of its own rather than being broken.
    const WRAP_COLUMNS: usize = 76;

    pub(super) fn render(view: &View, subject: &str, digest: &Digest) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(subject);
        out.push('\n');
        out.push_str(&"=".repeat(subject.chars().count().min(WRAP_COLUMNS)));
        out.push('\n');
        wrap(&mut out, &view.period(), "");
        if !digest.channels.is_empty() {
            out.push_str(&view.totals(digest));
            out.push('\n');
        }

        if let Some(preamble) = view.preamble {
            out.push('\n');
            wrap(&mut out, view.preamble_label(), "");
            wrap(&mut out, &clean(preamble), "    ");
        }

        if digest.channels.is_empty() {
            out.push('\n');
            wrap(&mut out, &view.nothing_said(), "");
        }
        for channel in &digest.channels {
            out.push('\n');
            let mut title = format!("#{}", one_line(&channel.channel.name));
            if channel.channel.important {
                title.push_str(" (");
                title.push_str(IMPORTANT);
                title.push(')');
            }
            title.push_str(" — ");
            title.push_str(&view.channel_counts(channel));
            out.push_str(&title);
            out.push('\n');
            out.push_str(&"-".repeat(title.chars().count().min(WRAP_COLUMNS)));
            out.push('\n');
            match &channel.content {
                ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
                ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
            }
        }
        out
    }

    fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
        for post in &transcript.posts {
            let m = post.message;
            out.push('\n');
            out.push_str(&format!(
                "{} — {}{}\n",
                view.when(m),
                one_line(&m.author_name),
                view.post_notes(m, post.reply_to)
            ));
            wrap(out, &clean(&m.content), "    ");
            for file in &m.attachments {
                attachment_lines(out, view, file);
            }
            out.push_str("    ");
            out.push_str(&view.jump(m));
            out.push('\n');
        }
        if let Some(next) = transcript.first_omitted {
            out.push('\n');
            out.push_str(&more(view.language, transcript.omitted, Noun::Message));
            out.push_str(view.pick(", à lire sur Discord\u{a0}:\n", ", to read on Discord:\n"));
            out.push_str(&view.jump(next));
            out.push('\n');
        }
    }

    fn attachment_lines(out: &mut String, view: &View, file: &Attachment) {
        out.push_str(&format!(
            "    {}{} {}\n",
            view.pick("Pièce jointe", "Attachment"),
            view.colon(),
            one_line(&file.name)
        ));
        if is_web_link(&file.url) {
            out.push_str("    ");
            out.push_str(&file.url);
            out.push('\n');
        }
    }

    fn render_summary(out: &mut String, view: &View, summary: &Summary) {
        if !summary.top_participants.is_empty() {
            out.push('\n');
            let line = format!(
                "{} {}",
                view.pick("Les plus actifs\u{a0}:", "Most active:"),
                view.participants(summary)
            );
            wrap(out, &line, "");
        }

        if !summary.highlights.is_empty() {
            out.push('\n');
            out.push_str(view.pick("Messages marquants\u{a0}:\n", "Notable messages:\n"));
            for h in &summary.highlights {
                out.push_str(&format!(
                    "  * {}, {} — {}\n",
                    one_line(&h.message.author_name),
                    view.when(h.message),
                    view.engagement(h)
                ));
                let quote = view.quote_or_placeholder(&h.excerpt, h.message);
                wrap(out, &view.quoted(&clean(&quote)), "    ");
                out.push_str("    ");
                out.push_str(&view.jump(h.message));
                out.push('\n');
            }
        }

        if !summary.links.is_empty() {
            out.push('\n');
            out.push_str(view.pick("Liens partagés\u{a0}:\n", "Links shared:\n"));
            for link in &summary.links {
                out.push_str("  * ");
                out.push_str(link.url);
                out.push('\n');
                out.push_str(&format!(
                    "    {}, {}{}\n    {}\n",
                    one_line(&link.message.author_name),
                    view.when(link.message),
                    view.colon(),
                    view.jump(link.message)
                ));
            }
            if summary.links_omitted > 0 {
                out.push_str("  ");
                out.push_str(&more(view.language, summary.links_omitted, Noun::Link));
                out.push('\n');
            }
        }

        if !summary.attachments.is_empty() {
            out.push('\n');
            out.push_str(view.pick("Fichiers partagés\u{a0}:\n", "Files shared:\n"));
            for shared in &summary.attachments {
                out.push_str(&format!(
                    "  * {} — {}, {}\n",
                    one_line(&shared.attachment.name),
                    one_line(&shared.message.author_name),
                    view.when(shared.message)
                ));
                if is_web_link(&shared.attachment.url) {
                    out.push_str("    ");
                    out.push_str(&shared.attachment.url);
                    out.push('\n');
                }
                out.push_str("    ");
                out.push_str(&view.jump(shared.message));
                out.push('\n');
            }
            if summary.attachments_omitted > 0 {
                out.push_str("  ");
                out.push_str(&more(
                    view.language,
                    summary.attachments_omitted,
                    Noun::File,
                ));
                out.push('\n');
            }
        }
    }

    /// Appends `text` word-wrapped, each line starting with `indent`;
    /// blank lines stay blank.
    fn wrap(out: &mut String, text: &str, indent: &str) {
        let width = WRAP_COLUMNS.saturating_sub(indent.chars().count()).max(20);
        for line in text.lines() {
            let mut column = 0;
            let mut words = line.split(' ').filter(|w| !w.is_empty()).peekable();
            if words.peek().is_none() {
                out.push('\n');
                continue;
            }
            out.push_str(indent);
            for word in words {
                let len = word.chars().count();
                if column > 0 && column + 1 + len > width {
                    out.push('\n');
                    out.push_str(indent);
                    column = 0;
                }
                if column > 0 {
                    out.push(' ');
                    column += 1;
                }
                out.push_str(word);
                column += len;
            }
            out.push('\n');
        }
    }
}

// ---------------------------------------------------------------------------
// The HTML part.

mod html {
    use super::*;

    // Inline styles only: mail clients drop <style> blocks and external
    // sheets. Plain colours and web-safe fonts, nothing that needs images.
    const BODY: &str = "margin:0;padding:0;background-color:#f3f4f6;";
    const PAGE: &str = "max-width:680px;margin:0 auto;padding:20px;background-color:#ffffff;\
        font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1f2937;";
    const H1: &str = "font-size:20px;margin:0 0 6px 0;color:#111827;";
    const MUTED: &str = "margin:0 0 8px 0;font-size:13px;color:#6b7280;";
    const TOTALS: &str = "margin:0 0 16px 0;font-weight:bold;";
    const PREAMBLE: &str = "margin:0 0 20px 0;padding:10px 14px;background-color:#f9fafb;\
        border-left:4px solid #9ca3af;";
    const H2: &str = "font-size:17px;margin:24px 0 2px 0;padding-top:14px;\
        border-top:1px solid #e5e7eb;color:#111827;";
    const BADGE: &str = "font-size:12px;font-weight:normal;color:#92400e;\
        background-color:#fef3c7;padding:1px 6px;border-radius:3px;";
    const H3: &str = "font-size:14px;margin:14px 0 4px 0;color:#374151;";
    const POST: &str = "margin:0 0 12px 0;padding:4px 0 4px 10px;border-left:3px solid #6366f1;";
    const META: &str = "font-size:13px;color:#6b7280;";
    const CONTENT: &str = "margin:2px 0 0 0;overflow-wrap:break-word;word-wrap:break-word;";
    const LIST: &str = "margin:0 0 8px 0;padding-left:20px;";
    const ITEM: &str = "margin:0 0 8px 0;overflow-wrap:break-word;word-wrap:break-word;";
    const QUOTE: &str = "color:#374151;font-style:italic;";
    const LINK: &str = "color:#2563eb;";

    pub(super) fn render(view: &View, subject: &str, digest: &Digest) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str("<!DOCTYPE html>\n<html lang=\"");
        out.push_str(view.pick("fr", "en"));
        out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str("<title>");
        escape(&mut out, subject);
        out.push_str("</title>\n</head>\n");
        out.push_str(&format!(
            "<body style=\"{BODY}\">\n<div style=\"{PAGE}\">\n"
        ));

        element(&mut out, "h1", H1, subject);
        element(&mut out, "p", MUTED, &view.period());
        if !digest.channels.is_empty() {
            element(&mut out, "p", TOTALS, &view.totals(digest));
        }

        if let Some(preamble) = view.preamble {
            out.push_str(&format!("<div style=\"{PREAMBLE}\">\n"));
            element(&mut out, "p", MUTED, view.preamble_label());
            out.push_str("<p style=\"margin:0;\">");
            escape_lines(&mut out, preamble);
            out.push_str("</p>\n</div>\n");
        }

        if digest.channels.is_empty() {
            element(&mut out, "p", "", &view.nothing_said());
        }
        for channel in &digest.channels {
            out.push_str(&format!("<h2 style=\"{H2}\">#"));
            escape(&mut out, &channel.channel.name);
            if channel.channel.important {
                out.push_str(&format!(" <span style=\"{BADGE}\">"));
                escape(&mut out, IMPORTANT);
                out.push_str("</span>");
            }
            out.push_str("</h2>\n");
            element(&mut out, "p", MUTED, &view.channel_counts(channel));
            match &channel.content {
                ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
                ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
            }
        }

        out.push_str("</div>\n</body>\n</html>\n");
        out
    }

    fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
        for post in &transcript.posts {
            let m = post.message;
            out.push_str(&format!("<div style=\"{POST}\">\n<div style=\"{META}\">"));
            out.push_str("<strong style=\"color:#111827;\">");
            escape(out, &m.author_name);
            out.push_str("</strong> · ");
            escape(out, &view.when(m));
            escape(out, &view.post_notes(m, post.reply_to));
            out.push_str(" · ");
            anchor(
                out,
                &view.jump(m),
                view.pick("voir sur Discord", "view on Discord"),
            );
            out.push_str("</div>\n");
            if !m.content.trim().is_empty() {
                out.push_str(&format!("<div style=\"{CONTENT}\">"));
                content(out, &m.content);
                out.push_str("</div>\n");
            }
            for file in &m.attachments {
                out.push_str(&format!("<div style=\"{META}\">📎 "));
                anchor(out, &file.url, &file.name);
                out.push_str("</div>\n");
            }
            out.push_str("</div>\n");
        }
        if let Some(next) = transcript.first_omitted {
            out.push_str("<p>");
            escape(out, &more(view.language, transcript.omitted, Noun::Message));
            out.push_str(" — ");
            anchor(
                out,
                &view.jump(next),
                view.pick("lire la suite sur Discord", "continue reading on Discord"),
            );
            out.push_str("</p>\n");
        }
    }

    fn render_summary(out: &mut String, view: &View, summary: &Summary) {
        if !summary.top_participants.is_empty() {
            out.push_str("<p style=\"margin:8px 0;\"><strong>");
            escape(out, view.pick("Les plus actifs\u{a0}:", "Most active:"));
            out.push_str("</strong> ");
            escape(out, &view.participants(summary));
            out.push_str("</p>\n");
        }

        if !summary.highlights.is_empty() {
            element(
                out,
                "h3",
                H3,
                view.pick("Messages marquants", "Notable messages"),
            );
            out.push_str(&format!("<ul style=\"{LIST}\">\n"));
            for h in &summary.highlights {
                out.push_str(&format!("<li style=\"{ITEM}\"><strong>"));
                escape(out, &h.message.author_name);
                out.push_str("</strong>, ");
                escape(out, &view.when(h.message));
                out.push_str(" — ");
                escape(out, &view.engagement(h));
                out.push_str(&format!("<br>\n<span style=\"{QUOTE}\">"));
                escape(
                    out,
                    &view.quoted(&view.quote_or_placeholder(&h.excerpt, h.message)),
                );
                out.push_str("</span><br>\n");
                anchor(
                    out,
                    &view.jump(h.message),
                    view.pick("voir le message", "view message"),
                );
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }

        if !summary.links.is_empty() {
            element(out, "h3", H3, view.pick("Liens partagés", "Links shared"));
            out.push_str(&format!("<ul style=\"{LIST}\">\n"));
            for link in &summary.links {
                out.push_str(&format!("<li style=\"{ITEM}\">"));
                anchor(out, link.url, link.url);
                out.push_str(&format!("<br>\n<span style=\"{META}\">"));
                escape(out, &link.message.author_name);
                out.push_str(", ");
                escape(out, &view.when(link.message));
                out.push_str(" · ");
                anchor(
                    out,
                    &view.jump(link.message),
                    view.pick("message", "message"),
                );
                out.push_str("</span></li>\n");
            }
            if summary.links_omitted > 0 {
                element(
                    out,
                    "li",
                    ITEM,
                    &more(view.language, summary.links_omitted, Noun::Link),
                );
            }
            out.push_str("</ul>\n");
        }

        if !summary.attachments.is_empty() {
            element(
                out,
                "h3",
                H3,
                view.pick("Fichiers partagés", "Files shared"),
            );
            out.push_str(&format!("<ul style=\"{LIST}\">\n"));
            for shared in &summary.attachments {
                out.push_str(&format!("<li style=\"{ITEM}\">"));
                anchor(out, &shared.attachment.url, &shared.attachment.name);
                out.push_str(&format!("<br>\n<span style=\"{META}\">"));
                escape(out, &shared.message.author_name);
                out.push_str(", ");
                escape(out, &view.when(shared.message));
                out.push_str(" · ");
                anchor(
                    out,
                    &view.jump(shared.message),
                    view.pick("message", "message"),
                );
                out.push_str("</span></li>\n");
            }
            if summary.attachments_omitted > 0 {
                let line = more(view.language, summary.attachments_omitted, Noun::File);
                element(out, "li", ITEM, &line);
            }
            out.push_str("</ul>\n");
        }
    }

    /// `<tag style="…">text</tag>` with `text` escaped.
    fn element(out: &mut String, tag: &str, style: &str, text: &str) {
        out.push('<');
        out.push_str(tag);
        if !style.is_empty() {
            out.push_str(" style=\"");
            out.push_str(style);
            out.push('"');
        }
        out.push('>');
        escape(out, text);
        out.push_str("</");
        out.push_str(tag);
        out.push_str(">\n");
    }

    /// A link to `url` labelled `label` when `url` is a web address;
    /// otherwise only the label, as text.
    fn anchor(out: &mut String, url: &str, label: &str) {
        if !is_web_link(url) {
            escape(out, label);
            return;
        }
        out.push_str("<a href=\"");
        escape(out, url);
        out.push_str(&format!("\" style=\"{LINK}\">"));
        escape(out, label);
        out.push_str("</a>");
    }

    /// A message's content: escaped, line breaks kept, web links clickable.
    fn content(out: &mut String, text: &str) {
        let mut last = 0;
        for range in link_ranges(text) {
            escape_lines(out, &text[last..range.start]);
            let url = &text[range.clone()];
            anchor(out, url, url);
            last = range.end;
        }
        escape_lines(out, &text[last..]);
    }

    /// `text` escaped, with its line breaks as `<br>`.
    fn escape_lines(out: &mut String, text: &str) {
        let mut lines = text.trim().split('\n');
        if let Some(first) = lines.next() {
            escape(out, first);
        }
        for line in lines {
            out.push_str("<br>\n");
            escape(out, line);
        }
    }

    /// Appends `text` escaped for HTML element content and double- or
    /// single-quoted attribute values, without [`unwanted`] characters.
    pub(super) fn escape(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c if unwanted(c) => {}
                c => out.push(c),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The Discord post.

mod chat {
    use super::*;

    /// Messages listed per important channel in a post; the mail has them
    /// all.
    const POSTS_SHOWN: usize = 10;
    /// Participants and highlights named per channel in a post.
    const TOP_SHOWN: usize = 3;
    /// Quotes are shorter in a post than in the mail.
    const QUOTE_CHARS: usize = 100;

    pub(super) fn render(view: &View, digest: &Digest) -> String {
        let (first, last) = covered_days(view.from_ms, view.to_ms, view.zone);
        let mut out = format!(
            "**📰 {} — {} — {}**\n",
            view.pick("Résumé Discord", "Discord digest"),
            discord_escape(view.guild_name),
            date_range(view.language, first, last)
        );
        if digest.channels.is_empty() {
            out.push_str(&discord_escape(&view.nothing_said()));
            out.push('\n');
            return out;
        }
        out.push_str(&view.totals(digest));
        out.push('\n');

        if let Some(preamble) = view.preamble {
            out.push_str(&format!("\n> 🤖 *{}*\n", view.preamble_label()));
            for line in clean(preamble).lines().filter(|l| !l.trim().is_empty()) {
                out.push_str("> ");
                out.push_str(&discord_escape(line));
                out.push('\n');
            }
        }

        for channel in &digest.channels {
            out.push_str(&format!("\n**<#{}>**", channel.channel.id));
            if channel.channel.important {
                out.push_str(" · ");
                out.push_str(IMPORTANT);
            }
            out.push_str(" · ");
            out.push_str(&view.channel_counts(channel));
            out.push('\n');
            match &channel.content {
                ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
                ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
            }
        }
        out
    }

    fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
        for post in transcript.posts.iter().take(POSTS_SHOWN) {
            let m = post.message;
            let text = excerpt(&m.content, QUOTE_CHARS);
            out.push_str(&format!(
                "• {} **{}**{} {} <{}>\n",
                view.when(m),
                discord_escape(&m.author_name),
                view.colon(),
                discord_escape(&view.quote_or_placeholder(&text, m)),
                view.jump(m)
            ));
        }
        let hidden = transcript.posts.len().saturating_sub(POSTS_SHOWN) + transcript.omitted;
        let next = transcript
            .posts
            .get(POSTS_SHOWN)
            .map(|p| p.message)
            .or(transcript.first_omitted);
        if let Some(next) = next {
            out.push_str(&format!(
                "{} <{}>\n",
                more(view.language, hidden, Noun::Message),
                view.jump(next)
            ));
        }
    }

    fn render_summary(out: &mut String, view: &View, summary: &Summary) {
        let names: Vec<String> = summary
            .top_participants
            .iter()
            .take(TOP_SHOWN)
            .map(|p| {
                format!(
                    "{} ({})",
                    discord_escape(p.name),
                    number(view.language, p.messages)
                )
            })
            .collect();
        if !names.is_empty() {
            out.push_str(&format!(
                "{} {}\n",
                view.pick("Les plus actifs\u{a0}:", "Most active:"),
                names.join(", ")
            ));
        }
        for h in summary.highlights.iter().take(TOP_SHOWN) {
            let text = excerpt(&h.message.content, QUOTE_CHARS);
            out.push_str(&format!(
                "• **{}**{} {} — {} <{}>\n",
                discord_escape(&h.message.author_name),
                view.colon(),
                view.quoted(&discord_escape(
                    &view.quote_or_placeholder(&text, h.message)
                )),
                view.engagement(h),
                view.jump(h.message)
            ));
        }
        let links = summary.links.len() + summary.links_omitted;
        let files = summary.attachments.len() + summary.attachments_omitted;
        let mut shared = Vec::new();
        if links > 0 {
            shared.push(format!("🔗 {}", counted(view.language, links, Noun::Link)));
        }
        if files > 0 {
            shared.push(format!("📎 {}", counted(view.language, files, Noun::File)));
        }
        if !shared.is_empty() {
            out.push_str(&shared.join(" · "));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::model::Channel;
    use crate::digest::summary::summarise_with;

    fn brussels() -> TimeZone {
        TimeZone::get("Europe/Brussels").unwrap()
    }

    /// Unix milliseconds of local `civil` ("2026-11-21T08:00") in `zone`.
    fn at(zone: &TimeZone, civil: &str) -> i64 {
        let dt: DateTime = civil.parse().unwrap();
        zone.to_zoned(dt).unwrap().timestamp().as_millisecond()
    }

    fn channel(id: u64, name: &str, important: bool) -> Channel {
        Channel {
            id,
            name: name.to_owned(),
            important,
        }
    }

    fn msg(
        id: u64,
        channel_id: u64,
        author: &str,
        posted_ms: i64,
        content: &str,
    ) -> CapturedMessage {
        CapturedMessage {
            id,
            channel_id,
            author_id: author
                .bytes()
                .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
            author_name: author.to_owned(),
            posted_ms,
            edited: false,
            content: content.to_owned(),
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
        }
    }

    struct Fixture {
        zone: TimeZone,
        channels: Vec<Channel>,
        messages: Vec<CapturedMessage>,
        from_ms: i64,
        to_ms: i64,
    }

    impl Fixture {
        /// A usual day: Saturday 21 November 2026, 08:00 to 08:00.
        fn day() -> Fixture {
            let zone = brussels();
            let from_ms = at(&zone, "2026-11-21T08:00");
            let to_ms = at(&zone, "2026-11-22T08:00");
            Fixture {
                zone,
                channels: Vec::new(),
                messages: Vec::new(),
                from_ms,
                to_ms,
            }
        }

        fn request(&self, language: Language) -> DigestRequest<'_> {
            DigestRequest {
                guild_id: 42,
                guild_name: "Coalition FFJ",
                channels: &self.channels,
                messages: &self.messages,
                from_ms: self.from_ms,
                to_ms: self.to_ms,
                zone: &self.zone,
                language,
                preamble: None,
            }
        }

        fn mail(&self, language: Language) -> Rendered {
            let req = self.request(language);
            render_mail(&req, &summarise_with(&req, 0))
        }
    }

    /// A small but complete day: an important channel with a reply and an
    /// edit, a summarised one with highlights, links and a file.
    fn busy_day() -> Fixture {
        let mut f = Fixture::day();
        let zone = f.zone.clone();
        f.channels = vec![channel(10, "général", false), channel(30, "annonces", true)];
        let t = |s: &str| at(&zone, s);
        f.messages = vec![
            msg(
                1,
                30,
                "Alice",
                t("2026-11-21T09:05"),
                "Réunion jeudi à 19 h.",
            ),
            msg(
                2,
                10,
                "Bob",
                t("2026-11-21T10:00"),
                "Voici le lien : https://example.org/doc).",
            ),
            msg(3, 30, "Bob", t("2026-11-21T10:30"), "Je serai là."),
            msg(4, 10, "Carol", t("2026-11-21T11:00"), "Merci !"),
            msg(5, 10, "Dan", t("2026-11-22T07:30"), "Photo de la sortie"),
        ];
        f.messages[2].reply_to = Some(1);
        f.messages[2].edited = true;
        f.messages[1].reactions = 3;
        f.messages[3].reply_to = Some(2);
        f.messages[4].attachments.push(Attachment {
            name: "sortie.jpg".into(),
            url: "https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&is=2&".into(),
        });
        f
    }

    #[test]
    fn subject_names_the_server_and_the_local_day_in_both_languages() {
        let f = Fixture::day();
        assert_eq!(
            subject(&f.request(Language::Fr)),
            "Résumé Discord — Coalition FFJ — samedi 21 novembre 2026"
        );
        assert_eq!(
            subject(&f.request(Language::En)),
            "Discord digest — Coalition FFJ — Saturday 21 November 2026"
        );
    }

    #[test]
    fn subject_says_the_period_when_the_pi_was_off() {
        let mut f = Fixture::day();
        f.from_ms = at(&f.zone, "2026-11-19T08:00");
        assert_eq!(
            subject(&f.request(Language::Fr)),
            "Résumé Discord — Coalition FFJ — du 19 au 21 novembre 2026"
        );
        assert_eq!(
            subject(&f.request(Language::En)),
            "Discord digest — Coalition FFJ — 19–21 November 2026"
        );
    }

    #[test]
    fn a_day_across_the_autumn_dst_change_is_still_one_day() {
        let zone = brussels();
        // 25 October 2026: clocks go back at 03:00, so this is 25.5 hours;
        // as elapsed hours it would overrun one day by more than the slack.
        let from = at(&zone, "2026-10-24T08:00");
        let to = at(&zone, "2026-10-25T08:30");
        assert_eq!(to - from, (25 * 60 + 30) * 60 * 1000);
        let (first, last) = covered_days(from, to, &zone);
        assert_eq!(first, last);
        assert_eq!(long_date(Language::Fr, first), "samedi 24 octobre 2026");
    }

    #[test]
    fn several_days_across_the_spring_dst_change() {
        let zone = brussels();
        // 29 March 2026: clocks go forward at 02:00.
        let from = at(&zone, "2026-03-27T08:00");
        let to = at(&zone, "2026-03-30T08:00");
        let (first, last) = covered_days(from, to, &zone);
        assert_eq!(
            date_range(Language::Fr, first, last),
            "du 27 au 29 mars 2026"
        );
        assert_eq!(date_range(Language::En, first, last), "27–29 March 2026");
    }

    #[test]
    fn a_late_digest_is_one_day_but_a_long_overrun_is_another() {
        let zone = brussels();
        let from = at(&zone, "2026-11-21T08:00");
        let day = covered_days(from, at(&zone, "2026-11-22T08:00") + 300, &zone);
        assert_eq!(day.0, day.1);
        let two = covered_days(from, at(&zone, "2026-11-22T10:00"), &zone);
        assert_eq!(
            date_range(Language::Fr, two.0, two.1),
            "du 21 au 22 novembre 2026"
        );
        // `/resume` in the afternoon: part of one day.
        let part = covered_days(from, at(&zone, "2026-11-21T15:00"), &zone);
        assert_eq!(part.0, part.1);
        // A degenerate window does not panic.
        assert_eq!(covered_days(from, from - 5, &zone).0, day.0);
        let _ = covered_days(i64::MIN, i64::MAX, &zone);
    }

    #[test]
    fn date_ranges_repeat_month_and_year_only_when_they_change() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            date_range(Language::Fr, d("2026-11-30"), d("2026-12-02")),
            "du 30 novembre au 2 décembre 2026"
        );
        assert_eq!(
            date_range(Language::Fr, d("2026-12-30"), d("2027-01-01")),
            "du 30 décembre 2026 au 1er janvier 2027"
        );
        assert_eq!(
            date_range(Language::En, d("2026-11-30"), d("2026-12-02")),
            "30 November – 2 December 2026"
        );
        assert_eq!(
            date_range(Language::En, d("2026-12-30"), d("2027-01-01")),
            "30 December 2026 – 1 January 2027"
        );
        assert_eq!(
            long_date(Language::Fr, d("2026-11-01")),
            "dimanche 1er novembre 2026"
        );
        assert_eq!(
            long_date(Language::En, d("2026-11-01")),
            "Sunday 1 November 2026"
        );
    }

    #[test]
    fn numbers_and_plurals_follow_the_language() {
        assert_eq!(counted(Language::Fr, 0, Noun::Message), "0 message");
        assert_eq!(counted(Language::En, 0, Noun::Message), "0 messages");
        assert_eq!(counted(Language::Fr, 1, Noun::Reply), "1 réponse");
        assert_eq!(counted(Language::En, 2, Noun::Reply), "2 replies");
        assert_eq!(number(Language::Fr, 1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(number(Language::En, 100_000), "100,000");
        assert_eq!(number(Language::En, 999), "999");
        assert_eq!(more(Language::Fr, 1, Noun::Link), "… et 1 autre lien");
        assert_eq!(more(Language::En, 3, Noun::File), "… and 3 more files");
    }

    #[test]
    fn the_mail_shows_every_part_of_the_digest_in_french() {
        let f = busy_day();
        let mail = f.mail(Language::Fr);
        let text = &mail.text;
        assert!(
            text.contains("5 messages · 4 participants · 2 salons"),
            "{text}"
        );
        // Important channel first, in full.
        let annonces = text.find("#annonces (important)").unwrap();
        let general = text.find("#général").unwrap();
        assert!(annonces < general);
        // Several local dates in the window: times carry their day.
        assert!(
            text.contains("sam. 21 10:30 — Bob (en réponse à Alice, modifié)"),
            "{text}"
        );
        assert!(text.contains("https://discord.com/channels/42/30/3"));
        assert!(text.contains("Les plus actifs\u{a0}: Bob (1), Carol (1), Dan (1)"));
        assert!(
            text.contains("Bob, sam. 21 10:00 — 1 réponse · 3 réactions"),
            "{text}"
        );
        assert!(text.contains("  * https://example.org/doc\n"));
        assert!(text.contains("  * sortie.jpg — Dan, dim. 22 07:30\n"));
        assert!(text
            .contains("\n    https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&is=2&\n"));

        let html = &mail.html;
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        assert!(html.contains("href=\"https://discord.com/channels/42/10/2\""));
        assert!(html.contains("href=\"https://example.org/doc\""));
        assert!(html.contains(
            "href=\"https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&amp;is=2&amp;\""
        ));
        check_html(html);
    }

    #[test]
    fn the_mail_is_in_english_when_asked() {
        let f = busy_day();
        let mail = f.mail(Language::En);
        assert!(mail
            .text
            .contains("5 messages · 4 participants · 2 channels"));
        assert!(mail
            .text
            .contains("Sat 21 10:30 — Bob (replying to Alice, edited)"));
        assert!(mail.text.contains("Most active: Bob (1)"));
        let one_line = mail.text.replace('\n', " ");
        assert!(one_line.contains("From Saturday 21 November 2026 at 08:00 to Sunday 22 November 2026 at 08:00 (Europe/Brussels)"));
        assert!(mail.text.contains("Notable messages:"));
        assert!(mail.html.contains("<html lang=\"en\">"));
        check_html(&mail.html);
    }

    #[test]
    fn an_empty_window_says_nothing_was_said() {
        let f = Fixture::day();
        let fr = f.mail(Language::Fr);
        assert!(fr
            .text
            .contains("Rien n’a été dit sur Coalition FFJ pendant cette période."));
        assert!(fr.html.contains("Rien n’a été dit"));
        check_html(&fr.html);
        let en = f.mail(Language::En);
        assert!(en
            .text
            .contains("Nothing was said on Coalition FFJ during this period."));
        let req = f.request(Language::En);
        assert!(render_chat(&req, &summarise_with(&req, 0)).contains("Nothing was said"));
    }

    #[test]
    fn times_are_bare_when_the_window_is_within_one_date() {
        let mut f = busy_day();
        f.to_ms = at(&f.zone, "2026-11-21T15:00");
        let mail = f.mail(Language::Fr);
        assert!(mail.text.contains("\n10:30 — Bob"), "{}", mail.text);
    }

    #[test]
    fn hostile_content_is_escaped_and_only_web_links_are_links() {
        let mut f = busy_day();
        let t = f.from_ms + 1;
        f.channels.push(channel(50, "<b>bold</b>\"'&", false));
        f.channels.push(channel(60, "x\"><script>", true));
        let hostile = [
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "javascript:alert(1) and <a href=\"javascript:alert(2)\">x</a>",
            "https://evil.example/\"onmouseover=\"alert(1)",
            "https://evil.example/'onmouseover='alert(1)' https://ok.example/a&b=<c>",
            "\u{1b}[31mred\u{1b}[0m \u{202E}gnp.exe",
        ];
        for (i, content) in hostile.iter().enumerate() {
            for channel_id in [50, 60] {
                let id = 100 + i as u64 * 2 + channel_id;
                let mut m = msg(id, channel_id, "<img src=x onerror=alert(3)>", t, content);
                m.reactions = 1;
                m.attachments.push(Attachment {
                    name: "\"><svg onload=alert(4)>.png".into(),
                    url: "javascript:alert(5)".into(),
                });
                f.messages.push(m);
            }
        }
        f.messages.sort_by_key(|m| m.id);
        let preamble = "<script>alert('preamble')</script>";
        let mut req = f.request(Language::Fr);
        req.preamble = Some(preamble);
        req.guild_name = "<i>Guild & co</i>";
        let digest = summarise_with(&req, 0);
        let mail = render_mail(&req, &digest);

        check_html(&mail.html);
        let lower = mail.html.to_lowercase();
        for forbidden in [
            "<script",
            "<img",
            "<svg",
            "<i>",
            "<b>",
            "href=\"javascript",
            "onerror=\"",
            "onmouseover=\"",
        ] {
            assert!(!lower.contains(forbidden), "{forbidden} in html");
        }
        assert!(mail
            .html
            .contains("&lt;script&gt;alert(&#39;preamble&#39;)&lt;/script&gt;"));
        assert!(mail
            .html
            .contains("href=\"https://evil.example/&#39;onmouseover=&#39;alert(1)\""));
        assert!(mail.html.contains("href=\"https://ok.example/a&amp;b=\""));
        assert!(mail.html.contains("Résumé automatique"));
        assert!(!mail.html.contains('\u{1b}') && !mail.html.contains('\u{202E}'));
        assert!(!mail.text.contains('\u{1b}') && !mail.text.contains('\u{202E}'));
        assert!(
            !mail.text.contains("javascript:alert(5)"),
            "non-web attachment url shown as a link"
        );
        assert!(!mail.subject.contains('\n'));
    }

    /// A strict reading of our own HTML: only the tags and attributes the
    /// renderer writes, properly nested, quoted attribute values without
    /// quotes inside, and every link a web address.
    fn check_html(html: &str) {
        const VOID: [&str; 3] = ["meta", "br", "!DOCTYPE"];
        const TAGS: [&str; 16] = [
            "html", "head", "title", "body", "div", "h1", "h2", "h3", "p", "strong", "span", "ul",
            "li", "a", "meta", "br",
        ];
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let tag_end = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..tag_end];
            rest = &rest[tag_end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "misnested </{name}>");
                continue;
            }
            let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            if name == "!DOCTYPE" {
                assert_eq!(attrs, "html");
                continue;
            }
            assert!(TAGS.contains(&name), "unexpected tag <{name}>");
            while !attrs.is_empty() {
                let (attr, after) = attrs.split_once("=\"").expect("unquoted attribute");
                let (value, after) = after.split_once('"').expect("unterminated value");
                assert!(
                    ["style", "href", "lang", "charset", "name", "content"].contains(&attr),
                    "unexpected attribute {attr}"
                );
                assert!(!value.contains('<') && !value.contains('>'));
                if attr == "href" {
                    assert!(is_web_link(value), "href {value}");
                }
                attrs = after.trim_start();
            }
            if !VOID.contains(&name) {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
    }

    #[test]
    fn the_preamble_comes_first_and_is_labelled() {
        let f = busy_day();
        let mut req = f.request(Language::En);
        req.preamble = Some("People planned a meeting.");
        let mail = render_mail(&req, &summarise_with(&req, 0));
        let label = mail
            .text
            .find("Automatic summary, written by a language model")
            .unwrap();
        let body = mail.text.find("People planned a meeting.").unwrap();
        assert!(label < body && body < mail.text.find("#annonces").unwrap());
        req.preamble = Some("   ");
        let mail = render_mail(&req, &summarise_with(&req, 0));
        assert!(!mail.text.contains("Automatic summary"));
    }

    #[test]
    fn text_lines_are_wrapped_except_for_long_words() {
        let mut f = busy_day();
        let long = "mot ".repeat(100) + "https://example.org/" + &"x".repeat(100);
        f.messages[0].content = long;
        let mail = f.mail(Language::Fr);
        for line in mail.text.lines() {
            assert!(
                line.chars().count() <= 76 || !line.trim().contains(' '),
                "long line: {line}"
            );
        }
    }

    #[test]
    fn important_channels_past_the_cap_point_to_the_rest() {
        let mut f = Fixture::day();
        f.channels = vec![channel(30, "annonces", true)];
        f.messages = (1..=205)
            .map(|id| msg(id, 30, "Alice", f.from_ms + id as i64, "hello"))
            .collect();
        let fr = f.mail(Language::Fr);
        assert!(fr.text.contains("… et 5 autres messages, à lire sur Discord\u{a0}:\nhttps://discord.com/channels/42/30/201\n"));
        let en = f.mail(Language::En);
        assert!(en
            .text
            .contains("… and 5 more messages, to read on Discord:\n"));
        check_html(&en.html);
    }

    #[test]
    fn the_chat_post_is_short_escaped_and_never_pings() {
        let mut f = busy_day();
        let t = f.from_ms + 1;
        let mut ping = msg(
            50,
            10,
            "@everyone",
            t,
            "@everyone @here <@123> <@&456> ```code``` [x](https://evil.example) ||spoiler||",
        );
        ping.reactions = 10;
        f.messages.push(ping);
        f.messages.sort_by_key(|m| m.id);
        let req = f.request(Language::Fr);
        let chat = render_chat(&req, &summarise_with(&req, 0));
        assert!(
            chat.starts_with("**📰 Résumé Discord — Coalition FFJ — samedi 21 novembre 2026**\n")
        );
        assert!(chat.contains("**<#30>** · important"));
        assert!(!chat.contains("@everyone") && !chat.contains("@here"));
        assert!(!chat.contains("<@123>") && !chat.contains("<@&456>"));
        assert!(!chat.contains("```") && !chat.contains("[x](") && !chat.contains("||"));
        assert!(chat.contains("<https://discord.com/channels/42/10/50>"));
        assert!(chat.contains("🔗 2 liens · 📎 1 fichier"), "{chat}");
        for part in split_for_discord(&chat, 2000) {
            assert!(discord_len(&part) <= 2000);
        }
    }

    #[test]
    fn split_keeps_lines_whole_and_parts_within_the_limit() {
        let text = "ligne un\nligne deux\nligne trois";
        assert_eq!(
            split_for_discord(text, 20),
            ["ligne un\nligne deux", "ligne trois"]
        );
        assert_eq!(split_for_discord(text, 2000), [text]);
        assert!(split_for_discord("", 2000).is_empty());
        assert!(split_for_discord("\n\n  \n", 2000).is_empty());
    }

    #[test]
    fn split_cuts_long_lines_between_characters() {
        let texts = [
            "é".repeat(4500),
            "😀".repeat(2500),
            format!("{}\n{}\n\nfin", "a".repeat(1999), "b".repeat(2001)),
            "mot ".repeat(1000),
            "👩\u{200D}👩\u{200D}👧 é\u{301}".repeat(400),
        ];
        for text in &texts {
            for limit in [0, 1, 2, 3, 7, 100, 2000] {
                let parts = split_for_discord(text, limit);
                let limit = limit.max(2);
                for part in &parts {
                    assert!(!part.is_empty());
                    assert!(
                        part.chars().count() <= limit,
                        "{} > {limit}",
                        part.chars().count()
                    );
                    assert!(discord_len(part) <= limit);
                }
                let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                assert_eq!(
                    strip(&parts.concat()),
                    strip(text),
                    "content lost at limit {limit}"
                );
            }
        }
        // A long line of words is cut after a space.
        let parts = split_for_discord(&"mot ".repeat(1000), 2000);
        assert!(parts[0].ends_with("mot "));
    }

    #[test]
    fn same_digest_same_mail() {
        let f = busy_day();
        assert_eq!(f.mail(Language::Fr), f.mail(Language::Fr));
    }

    /// The benchmark's shape: 100,000 messages in 20 channels, two of them
    /// important. Only checks that it all goes through; timing is for the
    /// benchmark.
    #[test]
    fn a_hundred_thousand_messages_summarise_and_render() {
        let zone = brussels();
        let from_ms = at(&zone, "2026-11-21T08:00");
        let to_ms = at(&zone, "2026-11-22T08:00");
        let channels: Vec<Channel> = (0..20)
            .map(|i| channel(1000 + i, &format!("salon-{i}"), i < 2))
            .collect();
        let step = (to_ms - from_ms) / 100_000;
        let messages: Vec<CapturedMessage> = (0..100_000u64)
            .map(|i| {
                let mut m = msg(
                    10_000 + i,
                    1000 + (i * 7919) % 20,
                    "",
                    from_ms + i as i64 * step,
                    &format!(
                        "message {i} avec un lien https://example.org/{} et des accents éàü 😀",
                        i % 500
                    ),
                );
                m.author_id = i % 300;
                m.author_name = format!("membre {}", i % 300);
                m.reactions = (i % 11) as u32;
                m.reply_to = (i % 5 == 0 && i > 100).then(|| 10_000 + i - 37);
                if i % 1000 == 0 {
                    m.attachments.push(Attachment {
                        name: format!("f{i}.png"),
                        url: format!("https://cdn.example/f{i}.png"),
                    });
                }
                m
            })
            .collect();
        let req = DigestRequest {
            guild_id: 42,
            guild_name: "Coalition FFJ",
            channels: &channels,
            messages: &messages,
            from_ms,
            to_ms,
            zone: &zone,
            language: Language::Fr,
            preamble: None,
        };
        let digest = summarise_with(&req, 0);
        assert_eq!(digest.totals.messages, 100_000);
        assert_eq!(digest.totals.channels, 20);
        assert_eq!(digest.totals.participants, 300);
        let mail = render_mail(&req, &digest);
        assert!(!mail.text.is_empty() && !mail.html.is_empty());
        let chat = render_chat(&req, &digest);
        assert!(split_for_discord(&chat, 2000)
            .iter()
            .all(|p| discord_len(p) <= 2000));
    }
}
