//! The digest's words, in French or English: the labels of the mail, the
//! Discord post and `/report`, plurals, numbers and dates.
//!
//! Unlike the texts of [`super::Text`], these are not replaceable in
//! `[messages.text]`: they label a document (a heading, a link's words)
//! rather than say something to players, and a replaced word would leave
//! the rest of the document in the other language. jiff knows no month or
//! weekday names, hence the tables.

use jiff::civil::Date;

use super::Language;

labels! {
    /// A fixed word or phrase of the digest.
    Label {
        /// The `lang` attribute of the mail's HTML.
        HtmlLang fr: "fr" en: "en";
        /// The subject's and the post's first words.
        DigestTitle fr: "Résumé Discord" en: "Discord digest";
        /// After a word, before what it introduces: French puts a
        /// non-breaking space before the colon.
        Colon fr: "\u{a0}:" en: ":";
        /// Between a date and a time: "samedi 21 novembre 2026 à 08:00".
        At fr: "à" en: "at";
        PreambleLabel
            fr: "Résumé automatique, rédigé par un modèle de langue (peut contenir des erreurs)\u{a0}:"
            en: "Automatic summary, written by a language model (may contain mistakes):";
        MostActive fr: "Les plus actifs" en: "Most active";
        NotableMessages fr: "Messages marquants" en: "Notable messages";
        LinksShared fr: "Liens partagés" en: "Links shared";
        FilesShared fr: "Fichiers partagés" en: "Files shared";
        /// Before an attachment's name on a line of its own.
        AttachmentLine fr: "Pièce jointe" en: "Attachment";
        /// Inside a quote standing for a message with only a file.
        AttachmentQuote fr: "pièce jointe" en: "attachment";
        NoText fr: "(sans texte)" en: "(no text)";
        ReplyingTo fr: "en réponse à" en: "replying to";
        Edited fr: "modifié" en: "edited";
        /// After "… and 7 more messages" in the plain text, before the link.
        ReadOnDiscord fr: "à lire sur Discord" en: "to read on Discord";
        /// The link after a post in the HTML.
        ViewOnDiscord fr: "voir sur Discord" en: "view on Discord";
        /// The link after "… and 7 more messages" in the HTML.
        ContinueOnDiscord fr: "lire la suite sur Discord" en: "continue reading on Discord";
        /// The link after a highlight in the HTML.
        ViewMessage fr: "voir le message" en: "view message";
        /// The link after a shared link or file in the HTML.
        MessageLink fr: "message" en: "message";
        /// `/report`'s title.
        Activity fr: "Activité" en: "Activity";
        ReportToday fr: "aujourd’hui" en: "today";
        ReportWeek fr: "7 derniers jours" en: "last 7 days";
        ReportEmpty fr: "Aucun message sur cette période." en: "No messages in this period.";
        BusiestHours fr: "Heures les plus actives" en: "Busiest hours";
        ByChannel fr: "Par salon" en: "By channel";
        MostActiveMembers fr: "Membres les plus actifs" en: "Most active members";
    }
}

fn pick(language: Language, fr: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Fr => fr,
        Language::En => en,
    }
}

/// `text` in quotation marks as each language writes them.
pub fn quoted(language: Language, text: &str) -> String {
    match language {
        Language::Fr => format!("«\u{a0}{text}\u{a0}»"),
        Language::En => format!("“{text}”"),
    }
}

/// "Du samedi 21 novembre 2026 à 08:00 au dimanche 22 … (Europe/Brussels)":
/// `from` and `to` already written out, `zone` " (its name)" or empty.
pub fn period(language: Language, from: &str, to: &str, zone: &str) -> String {
    match language {
        Language::Fr => format!("Du {from} au {to}{zone}"),
        Language::En => format!("From {from} to {to}{zone}"),
    }
}

/// What the digest says of a window where nobody wrote.
pub fn nothing_said(language: Language, guild: &str) -> String {
    match language {
        Language::Fr => format!("Rien n’a été dit sur {guild} pendant cette période."),
        Language::En => format!("Nothing was said on {guild} during this period."),
    }
}

/// An hour of the day in `/report`: "20 h" / "20:00".
pub fn hour(language: Language, h: u8) -> String {
    match language {
        Language::Fr => format!("{h}\u{a0}h"),
        Language::En => format!("{h:02}:00"),
    }
}

/// The admin's alert when a digest could not be sent the first time.
pub fn not_sent_alert(language: Language, id: u64, wait: &str, error: &str) -> String {
    match language {
        Language::Fr => format!(
            "⚠️ Le résumé n°{id} n'a pas pu être envoyé ; nouvel essai dans {wait}, \
             puis de plus en plus espacés. Erreur : {error}"
        ),
        Language::En => format!(
            "⚠️ Digest #{id} could not be sent; next try in {wait}, then less \
             and less often. Error: {error}"
        ),
    }
}

/// The things the digest counts, for plurals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noun {
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
pub fn counted(language: Language, n: usize, noun: Noun) -> String {
    format!("{} {}", number(language, n), noun.form(language, n))
}

/// "… et 7 autres messages" / "… and 7 more messages".
pub fn more(language: Language, n: usize, noun: Noun) -> String {
    let word = noun.form(language, n);
    match language {
        Language::Fr if n == 1 => format!("… et 1 autre {word}"),
        Language::Fr => format!("… et {} autres {word}", number(language, n)),
        Language::En => format!("… and {} more {word}", number(language, n)),
    }
}

/// `n` with thousands grouped as each language writes them: "12 345"
/// (non-breaking space) or "12,345".
pub fn number(language: Language, n: usize) -> String {
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
pub fn long_date(language: Language, date: Date) -> String {
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
pub fn short_day(language: Language, date: Date) -> String {
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
pub fn date_range(language: Language, first: Date, last: Date) -> String {
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
