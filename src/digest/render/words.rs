//! Numbers, plurals and dates in French or English: jiff has no
//! localisation, hence the tables.

use super::*;

pub(super) fn pick(language: Language, fr: &'static str, en: &'static str) -> &'static str {
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

// Dates.

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

pub(super) fn month_name(language: Language, date: Date) -> &'static str {
    let i = usize::from(date.month().unsigned_abs()).clamp(1, 12) - 1;
    pick(language, MONTHS_FR[i], MONTHS_EN[i])
}

/// The day of the month as written: French says "1er" for the first.
pub(super) fn day_of_month(language: Language, date: Date) -> String {
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
pub(super) fn short_day(language: Language, date: Date) -> String {
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
