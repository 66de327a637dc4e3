//! Sending one mail over SMTP: what the daily digest is delivered with.
//!
//! It owns the `digest.smtp_url` syntax ([`SmtpUrl`]), the validated mail
//! settings ([`Mailer::new`]), building the multipart (text + HTML) message
//! and one SMTP transaction per [`Mailer::send`], over a fresh connection
//! each time (a digest a day does not need a pool). It never retries by
//! itself: the digest's outbox decides, helped by
//! [`SendError::is_transient`]. The messages name the `digest.*` keys to fix,
//! since the digest is the one user; nothing else here is digest-specific.
//!
//! TLS is rustls with the ring provider. The server is verified against the
//! Mozilla roots (webpki-roots) or, when `digest.smtp_ca_file` is set, only
//! against that CA. The password is sent only over TLS, except to a relay on
//! this machine (loopback), and it never appears in an error or a log line.
//!
//! # Layout
//!
//! - [`url`]: the `smtp://` / `smtps://` URL and its TLS mode.
//! - [`settings`]: the settings as configured, their validation into a
//!   [`Mailer`], and [`check_mailbox`] for the config.
//! - [`message`]: the mail to send and the MIME message built from it.
//! - [`send`]: the SMTP conversation.
//! - [`error`]: where a send failed and why, sorted into transient and
//!   permanent, with a hint at what to check.

pub mod error;
pub mod message;
pub mod send;
pub mod settings;
pub mod url;

pub use error::{SendError, Stage};
pub use message::OutgoingMail;
pub use send::Mailer;
pub use settings::{check_mailbox, MailError, MailSettings};
pub use url::{SmtpUrl, TlsMode, SUBMISSIONS_PORT, SUBMISSION_PORT};

/// Settings and a mail the unit tests of several parts build on.
#[cfg(test)]
mod fixtures {
    use std::time::Duration;

    use super::{MailSettings, OutgoingMail, SmtpUrl};
    use crate::system::secret::Secret;

    pub fn url(s: &str) -> SmtpUrl {
        SmtpUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    pub fn settings() -> MailSettings {
        MailSettings {
            url: url("smtp://mail.example.org"),
            user: Some("bot@example.org".into()),
            password: Some(Secret::new("hunter2")),
            ca_pem: None,
            from: "CubeGuardian <bot@example.org>".into(),
            to: vec!["liste@example.org".into()],
            timeout: Duration::from_secs(30),
            hello_name: None,
        }
    }

    pub fn mail() -> OutgoingMail {
        OutgoingMail {
            message_id: "<digest-42.1732170000@cubeguardian>".into(),
            subject: "Résumé du 21 novembre 🎉\r\nBcc: evil@example.org".into(),
            text: "Bonjour à tous ! 👋".into(),
            html: "<p>Bonjour à tous ! 👋</p>".into(),
            date_ms: 1_732_170_000_000,
        }
    }
}
