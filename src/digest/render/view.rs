//! The request as every renderer reads it, and the phrases they share.

use super::*;
use crate::messages::digest::{long_date, period};

/// The request as the renderers need it.
pub(super) struct View<'r> {
    pub(super) language: Language,
    pub(super) zone: &'r TimeZone,
    pub(super) guild_id: u64,
    pub(super) guild_name: &'r str,
    pub(super) from: Timestamp,
    pub(super) to: Timestamp,
    pub(super) preamble: Option<&'r str>,
    /// Whether the window spans more than one local date, in which case
    /// each time also says the day.
    pub(super) several_dates: bool,
}

impl<'r> View<'r> {
    pub(super) fn new(req: &DigestRequest<'r>) -> View<'r> {
        let (from_ms, to_ms) = (req.from.as_millis_i64(), req.to.as_millis_i64());
        let first = local(from_ms, req.zone).date();
        let last = local(to_ms.saturating_sub(1).max(from_ms), req.zone).date();
        View {
            language: req.language,
            zone: req.zone,
            guild_id: req.guild_id,
            guild_name: req.guild_name,
            from: req.from,
            to: req.to,
            preamble: req.preamble.filter(|p| !p.trim().is_empty()),
            several_dates: first != last,
        }
    }

    /// `label` in the request's language.
    pub(super) fn label(&self, label: Label) -> &'static str {
        label.get(self.language)
    }

    /// `text` in quotation marks as each language writes them.
    pub(super) fn quoted(&self, text: &str) -> String {
        quoted(self.language, text)
    }

    /// A colon as each language puts it after a word.
    pub(super) fn colon(&self) -> &'static str {
        self.label(Label::Colon)
    }

    /// When `message` was posted: "14:02", or "sam. 21 14:02" in a window
    /// spanning several dates.
    pub(super) fn when(&self, message: &CapturedMessage) -> String {
        let at = local(message.posted_ms, self.zone);
        let time = format!("{:02}:{:02}", at.hour(), at.minute());
        if self.several_dates {
            format!("{} {time}", short_day(self.language, at.date()))
        } else {
            time
        }
    }

    pub(super) fn jump(&self, message: &CapturedMessage) -> String {
        jump_link(self.guild_id, message.channel_id, message.id)
    }

    /// "Du samedi 21 novembre 2026 à 08:00 au dimanche 22 … (Europe/Brussels)".
    pub(super) fn period(&self) -> String {
        let from = local(self.from.as_millis_i64(), self.zone);
        let to = local(self.to.as_millis_i64(), self.zone);
        let at = |dt: DateTime| {
            format!(
                "{} {} {:02}:{:02}",
                long_date(self.language, dt.date()),
                self.label(Label::At),
                dt.hour(),
                dt.minute()
            )
        };
        let zone = self
            .zone
            .iana_name()
            .map(|name| format!(" ({name})"))
            .unwrap_or_default();
        period(self.language, &at(from), &at(to), &zone)
    }

    pub(super) fn totals(&self, digest: &Digest) -> String {
        let t = digest.totals;
        format!(
            "{} · {} · {}",
            counted(self.language, t.messages, Noun::Message),
            counted(self.language, t.participants, Noun::Participant),
            counted(self.language, t.channels, Noun::Channel)
        )
    }

    pub(super) fn nothing_said(&self) -> String {
        nothing_said(self.language, &one_line(self.guild_name))
    }

    pub(super) fn preamble_label(&self) -> &'static str {
        self.label(Label::PreambleLabel)
    }

    /// "3 messages · 2 participants" under a channel's name.
    pub(super) fn channel_counts(&self, channel: &ChannelDigest) -> String {
        format!(
            "{} · {}",
            counted(self.language, channel.messages, Noun::Message),
            counted(self.language, channel.participants, Noun::Participant)
        )
    }

    /// "Alice (40), Bob (30)".
    pub(super) fn participants(&self, summary: &Summary) -> String {
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
    pub(super) fn engagement(&self, highlight: &Highlight) -> String {
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
    pub(super) fn quote_or_placeholder<'t>(
        &self,
        quote: &'t str,
        message: &CapturedMessage,
    ) -> Cow<'t, str> {
        if !quote.is_empty() {
            return Cow::Borrowed(quote);
        }
        match message.attachments.first() {
            Some(file) => Cow::Owned(format!(
                "({}{} {})",
                self.label(Label::AttachmentQuote),
                self.colon(),
                one_line(&file.name)
            )),
            None => Cow::Borrowed(self.label(Label::NoText)),
        }
    }

    /// "(en réponse à Bob, modifié)" after an author's name, or nothing.
    pub(super) fn post_notes(
        &self,
        message: &CapturedMessage,
        reply_to: Option<&CapturedMessage>,
    ) -> String {
        let mut notes = Vec::new();
        if let Some(target) = reply_to {
            notes.push(format!(
                "{} {}",
                self.label(Label::ReplyingTo),
                one_line(&target.author_name)
            ));
        }
        if message.edited {
            notes.push(self.label(Label::Edited).to_owned());
        }
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        }
    }
}
