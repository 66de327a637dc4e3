//! The mail to send and the MIME message built from it: multipart
//! alternative (text, then HTML), a stable `Message-ID` so that a resend
//! after an ambiguous failure can be recognised, the given `Date:`, and
//! `Auto-Submitted` so that vacation responders stay quiet.

use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{header, MultiPart};
use lettre::Message;

use super::error::Cause;
use super::Mailer;

/// One message to send. The outbox stores it, so a resend after a crash is
/// byte-for-byte the same mail with the same `Message-ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Stable id such as `<digest-42.1732170000@cubeguardian>`, so that
    /// receivers can drop a copy sent twice (after an ambiguous timeout).
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `Date:` header, in milliseconds since the Unix epoch.
    pub date_ms: i64,
}

impl Mailer {
    /// Builds the MIME message: multipart/alternative with the text part
    /// first (the fallback) and the HTML part last (preferred).
    pub(super) fn build(&self, mail: &OutgoingMail) -> Result<Message, Cause> {
        if !is_message_id(&mail.message_id) {
            return Err(Cause::Build(format!(
                "message id `{}` is not of the form <left@right>",
                mail.message_id
            )));
        }
        let date = date_from_ms(mail.date_ms)
            .ok_or_else(|| Cause::Build(format!("date {} ms is out of range", mail.date_ms)))?;
        // A line break in a header would start a new header.
        let subject = mail.subject.replace(['\r', '\n'], " ");
        let mut builder = Message::builder()
            .message_id(Some(mail.message_id.clone()))
            .date(date)
            .from(self.from.clone())
            .subject(subject)
            .header(AutoSubmitted);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| Cause::Build(e.to_string()))
    }
}

/// `<left@right>` with printable ascii and no spaces or angle brackets
/// inside: what RFC 5322 receivers can use to spot duplicates.
fn is_message_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
        return false;
    };
    let printable = inner
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    match inner.split_once('@') {
        Some((left, right)) => {
            printable && !left.is_empty() && !right.is_empty() && !right.contains('@')
        }
        None => false,
    }
}

fn date_from_ms(ms: i64) -> Option<SystemTime> {
    let offset = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so that vacation responders
/// on the mailing list do not answer the robot.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn StdError + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::smtp::fixtures::{mail, settings};

    #[test]
    fn message_is_multipart_alternative_with_the_given_id_and_date() {
        let mailer = Mailer::new(settings()).unwrap();
        let message = mailer.build(&mail()).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.is_ascii(), "the body is encoded, not 8-bit");
        assert!(raw.contains("Message-ID: <digest-42.1732170000@cubeguardian>\r\n"));
        assert!(
            raw.contains("Date: Thu, 21 Nov 2024 06:20:00 +0000\r\n"),
            "{raw}"
        );
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain; charset=utf-8"));
        assert!(raw.contains("text/html; charset=utf-8"));
        assert!(
            !raw.contains("\r\nBcc:"),
            "no header injection through the subject"
        );
        assert_eq!(
            message.envelope().to()[0].to_string(),
            "liste@example.org".to_string()
        );
    }

    #[test]
    fn bad_message_ids_are_refused_before_connecting() {
        for id in [
            "digest-42@cubeguardian",
            "<digest 42@x>",
            "<nodomain>",
            "<@x>",
        ] {
            let mailer = Mailer::new(settings()).unwrap();
            let err = mailer
                .build(&OutgoingMail {
                    message_id: id.into(),
                    ..mail()
                })
                .unwrap_err();
            assert!(!err.is_transient(), "{id}");
            assert!(err.to_string().contains("message id"), "{err}");
        }
    }

    #[test]
    fn message_id_shape() {
        assert!(is_message_id("<digest-42.1732170000@cubeguardian>"));
        assert!(!is_message_id("<a@b@c>"));
        assert!(!is_message_id("<a@>"));
    }
}
