//! Why a mail was not sent: the stage of the SMTP conversation, the cause
//! (a reply code, TLS, the network, a timeout…) found by walking the error's
//! chain, whether trying again later can help, and a hint at the setting to
//! check. The digest's outbox retries on [`SendError::is_transient`] and
//! alerts the admin otherwise.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use crate::peers::failure;

/// Where in the SMTP conversation a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Building the message (a bad message id or date): nothing was sent.
    Build,
    /// TCP connection, implicit TLS handshake, greeting and EHLO.
    Connect,
    StartTls,
    Auth,
    MailFrom,
    /// The recipient the server refused or did not answer for.
    RcptTo(String),
    /// The DATA command, before the message is transferred.
    Data,
    /// Transferring the message and waiting for the server's verdict.
    Message,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Build => f.write_str("while building the message"),
            Stage::Connect => f.write_str("while connecting"),
            Stage::StartTls => f.write_str("during STARTTLS"),
            Stage::Auth => f.write_str("while authenticating"),
            Stage::MailFrom => f.write_str("at MAIL FROM"),
            Stage::RcptTo(to) => write!(f, "at RCPT TO:<{to}>"),
            Stage::Data => f.write_str("at DATA"),
            Stage::Message => f.write_str("after sending the message"),
        }
    }
}

/// What went wrong, before it is judged transient or permanent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cause {
    /// A negative SMTP reply: 4xx transient, 5xx permanent.
    Reply {
        code: u16,
        text: String,
    },
    /// The TLS layer refused (certificate, protocol): needs an admin.
    Tls {
        detail: String,
        certificate: bool,
    },
    /// Connection refused, reset, DNS failure...: likely to pass.
    Network(String),
    /// The server closed the connection without answering.
    Closed,
    TimedOut(Duration),
    /// An answer we could not understand.
    Protocol(String),
    NoStartTls,
    CleartextAuthRefused,
    NoAuthMechanism,
    Unsupported(&'static str),
    /// A client-side problem lettre reports (should not happen).
    Client(String),
    Build(String),
}

impl Cause {
    /// Sorts a lettre SMTP error by what can be done about it, looking into
    /// its source chain for the rustls or I/O error behind it.
    pub(super) fn from_smtp(error: &lettre::transport::smtp::Error) -> Cause {
        if let Some(code) = error.status() {
            let text = error.source().map(ToString::to_string).unwrap_or_default();
            return Cause::Reply {
                code: code.into(),
                text,
            };
        }
        if let Some(cause) = Cause::from_chain(error) {
            return cause;
        }
        let text = failure::text(error);
        if error.is_response() {
            if text.contains("incomplete response") {
                Cause::Closed
            } else {
                Cause::Protocol(text)
            }
        } else if error.is_client() {
            Cause::Client(text)
        } else if error.is_tls() {
            Cause::Tls {
                detail: text,
                certificate: false,
            }
        } else {
            Cause::Network(text)
        }
    }

    /// A rustls error anywhere in the chain (also inside an `io::Error`,
    /// whose `source()` skips it) makes a TLS cause; else the first I/O
    /// error makes a network cause.
    pub(super) fn from_chain(error: &(dyn StdError + 'static)) -> Option<Cause> {
        let chain = failure::chain(error);
        if let Some(tls) = failure::find::<rustls::Error>(&chain) {
            return Some(Cause::Tls {
                detail: tls.to_string(),
                certificate: matches!(
                    tls,
                    rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                ),
            });
        }
        failure::find::<io::Error>(&chain).map(|e| match e.kind() {
            io::ErrorKind::TimedOut => Cause::TimedOut(Duration::ZERO),
            io::ErrorKind::UnexpectedEof => Cause::Closed,
            _ => Cause::Network(e.to_string()),
        })
    }

    /// The conversation failed but the connection still speaks SMTP: the
    /// server refused something, or we declined to go on.
    pub(super) fn connection_usable(&self) -> bool {
        matches!(
            self,
            Cause::Reply { .. }
                | Cause::NoStartTls
                | Cause::CleartextAuthRefused
                | Cause::NoAuthMechanism
                | Cause::Unsupported(_)
        )
    }

    pub(super) fn is_transient(&self) -> bool {
        match self {
            Cause::Reply { code, .. } => *code < 500,
            Cause::Network(_) | Cause::Closed | Cause::TimedOut(_) | Cause::Protocol(_) => true,
            Cause::Tls { .. }
            | Cause::NoStartTls
            | Cause::CleartextAuthRefused
            | Cause::NoAuthMechanism
            | Cause::Unsupported(_)
            | Cause::Client(_)
            | Cause::Build(_) => false,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Reply { code, text } => write!(f, "the server answered {code} {text}"),
            Cause::Tls {
                detail,
                certificate: true,
            } => write!(f, "the server's tls certificate is not trusted ({detail})"),
            Cause::Tls { detail, .. } => write!(f, "tls failed ({detail})"),
            Cause::Network(detail) => write!(f, "network error ({detail})"),
            Cause::Closed => f.write_str("the server closed the connection"),
            Cause::TimedOut(limit) if limit.is_zero() => f.write_str("timed out"),
            Cause::TimedOut(limit) => write!(f, "no answer within {} s", limit.as_secs_f32()),
            Cause::Protocol(detail) => write!(f, "unexpected answer ({detail})"),
            Cause::NoStartTls => f.write_str(
                "the server does not offer STARTTLS, which tls=required insists on; \
                 use smtps:// if it speaks TLS from the start",
            ),
            Cause::CleartextAuthRefused => f.write_str(
                "the server did not offer STARTTLS, and the password is never sent \
                 unencrypted to another machine; use tls=required or smtps://",
            ),
            Cause::NoAuthMechanism => {
                f.write_str("the server offers no AUTH PLAIN or LOGIN to log in with")
            }
            Cause::Unsupported(what) => write!(f, "the server does not support {what}"),
            Cause::Client(detail) => write!(f, "{detail}"),
            Cause::Build(detail) => write!(f, "{detail}"),
        }
    }
}

/// Why a mail was not sent: where it failed, what the server or the network
/// said, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// `host:port`.
    pub(super) server: String,
    pub(super) stage: Stage,
    pub(super) cause: Cause,
    pub(super) private_ca: bool,
}

impl SendError {
    /// Trying again later may succeed without anyone changing anything: the
    /// server or the network is busy or down (4xx replies, refused or reset
    /// connections, timeouts).
    pub fn is_transient(&self) -> bool {
        self.cause.is_transient()
    }

    /// The same send will keep failing until someone fixes the config, the
    /// account or the server (5xx replies, untrusted certificate, no
    /// STARTTLS...): worth an alert to the admin.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }

    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// The server's reply code, when the server refused.
    pub fn reply_code(&self) -> Option<u16> {
        match self.cause {
            Cause::Reply { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The whole message was transferred but the server's verdict never
    /// came: it may have been delivered, and a resend may arrive twice
    /// (receivers can tell by the identical `Message-ID`).
    pub fn maybe_delivered(&self) -> bool {
        self.stage == Stage::Message
            && matches!(
                self.cause,
                Cause::Network(_) | Cause::Closed | Cause::TimedOut(_)
            )
    }

    /// What to check, when the stage and the cause point at the config.
    fn hint(&self) -> Option<String> {
        let code = self.reply_code();
        Some(match (&self.stage, &self.cause) {
            (Stage::Auth, Cause::Reply { code: 535, .. })
            | (Stage::Auth, Cause::Reply { code: 534, .. }) => {
                "check digest.smtp_user and the `smtp_password` credential".into()
            }
            (_, Cause::Reply { code: 530, .. }) => {
                "the server wants authentication: set digest.smtp_user and the \
                 `smtp_password` credential"
                    .into()
            }
            (Stage::MailFrom, _) if self.is_permanent() && code.is_some() => {
                "check digest.from: servers often accept only the logged-in user's address".into()
            }
            (Stage::RcptTo(_), _) if self.is_permanent() && code.is_some() => {
                "check digest.to".into()
            }
            (
                _,
                Cause::Tls {
                    certificate: true, ..
                },
            ) if self.private_ca => format!(
                "the certificate must be signed by the CA in digest.smtp_ca_file and name `{}`",
                self.host()
            ),
            (
                _,
                Cause::Tls {
                    certificate: true, ..
                },
            ) => "if the server uses a private or self-signed CA, set digest.smtp_ca_file".into(),
            (Stage::Connect, Cause::Network(_)) => {
                "check digest.smtp_url and that the server is up".into()
            }
            // Only smtps:// does TLS while connecting.
            (
                Stage::Connect,
                Cause::Tls {
                    certificate: false, ..
                },
            ) => "the port may not speak TLS from the start: smtps:// is for ports like \
                   465, smtp:// (STARTTLS) for ports like 587"
                .into(),
            (Stage::Connect, Cause::TimedOut(_)) => {
                "check digest.smtp_url (an smtps:// port stays silent to smtp://) and that \
                 the server is up"
                    .into()
            }
            _ => return None,
        })
    }

    fn host(&self) -> &str {
        match self.server.rsplit_once(':') {
            Some((host, _)) => host.trim_start_matches('[').trim_end_matches(']'),
            None => &self.server,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot send the mail via {} {}: {}",
            self.server, self.stage, self.cause
        )?;
        if let Some(hint) = self.hint() {
            write!(f, "; {hint}")?;
        }
        if self.maybe_delivered() {
            f.write_str("; it may have been delivered anyway")?;
        }
        f.write_str(if self.is_transient() {
            " (temporary)"
        } else {
            " (permanent)"
        })
    }
}

impl StdError for SendError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(stage: Stage, cause: Cause) -> SendError {
        SendError {
            server: "mail.example.org:587".into(),
            stage,
            cause,
            private_ca: false,
        }
    }

    fn reply(code: u16, text: &str) -> Cause {
        Cause::Reply {
            code,
            text: text.into(),
        }
    }

    #[test]
    fn four_hundreds_are_transient_five_hundreds_permanent() {
        for code in [421, 450, 451, 452, 454] {
            let e = error(Stage::Message, reply(code, "4.3.0 try again later"));
            assert!(e.is_transient(), "{code}");
            assert_eq!(e.reply_code(), Some(code));
            assert!(!e.maybe_delivered());
        }
        for code in [530, 535, 550, 552, 554] {
            assert!(
                error(Stage::Message, reply(code, "no")).is_permanent(),
                "{code}"
            );
        }
    }

    #[test]
    fn messages_name_server_stage_and_reply_and_say_what_to_check() {
        let e = error(
            Stage::Auth,
            reply(535, "5.7.8 Authentication credentials invalid"),
        );
        let msg = e.to_string();
        assert_eq!(
            msg,
            "cannot send the mail via mail.example.org:587 while authenticating: the server \
             answered 535 5.7.8 Authentication credentials invalid; check digest.smtp_user \
             and the `smtp_password` credential (permanent)"
        );
        let e = error(
            Stage::RcptTo("x@example.org".into()),
            reply(550, "5.1.1 user unknown"),
        );
        assert!(e.to_string().contains("RCPT TO:<x@example.org>"), "{e}");
        assert!(e.to_string().contains("check digest.to"), "{e}");
        let e = error(Stage::MailFrom, reply(553, "5.7.1 sender not owned"));
        assert!(e.to_string().contains("check digest.from"), "{e}");
        let e = error(Stage::Data, reply(451, "4.3.0 try again later"));
        assert!(e.to_string().ends_with("(temporary)"), "{e}");
    }

    #[test]
    fn network_trouble_is_transient_and_timeouts_after_the_body_are_ambiguous() {
        let refused = error(Stage::Connect, Cause::Network("connection refused".into()));
        assert!(refused.is_transient());
        assert!(refused.to_string().contains("that the server is up"));
        let timeout = error(Stage::Message, Cause::TimedOut(Duration::from_secs(30)));
        assert!(timeout.is_transient());
        assert!(timeout.maybe_delivered());
        assert!(timeout.to_string().contains("may have been delivered"));
        assert!(!error(Stage::Data, Cause::Closed).maybe_delivered());
    }

    #[test]
    fn tls_refusals_are_permanent_and_point_at_the_ca_setting() {
        let untrusted = Cause::Tls {
            detail: "invalid peer certificate: UnknownIssuer".into(),
            certificate: true,
        };
        let e = error(Stage::Connect, untrusted.clone());
        assert!(e.is_permanent());
        assert!(e.to_string().contains("certificate is not trusted"), "{e}");
        assert!(e.to_string().contains("set digest.smtp_ca_file"), "{e}");
        let e = SendError {
            private_ca: true,
            ..error(Stage::StartTls, untrusted)
        };
        assert!(e.to_string().contains("name `mail.example.org`"), "{e}");
        assert!(error(Stage::StartTls, Cause::NoStartTls).is_permanent());
        assert!(error(Stage::Auth, Cause::CleartextAuthRefused).is_permanent());
    }

    #[test]
    fn error_chains_are_sorted_into_tls_timeout_and_network() {
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(matches!(
            Cause::from_chain(&tls),
            Some(Cause::Tls {
                certificate: true,
                ..
            })
        ));
        let alert = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        );
        assert!(matches!(
            Cause::from_chain(&alert),
            Some(Cause::Tls {
                certificate: false,
                ..
            })
        ));
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            Cause::from_chain(&refused),
            Some(Cause::Network(_))
        ));
        let timed_out = io::Error::new(io::ErrorKind::TimedOut, "connection timed out");
        assert!(Cause::from_chain(&timed_out).unwrap().is_transient());
        let plain = fmt::Error;
        assert_eq!(Cause::from_chain(&plain), None);
    }

    #[test]
    fn connection_trouble_hints_at_the_url() {
        let tls = error(
            Stage::Connect,
            Cause::Tls {
                detail: "received corrupt message".into(),
                certificate: false,
            },
        );
        assert!(tls.is_permanent());
        assert!(
            tls.to_string().contains("smtps:// is for ports like 465"),
            "{tls}"
        );
        let silent = error(Stage::Connect, Cause::TimedOut(Duration::from_secs(30)));
        assert!(
            silent.to_string().contains("no answer within 30 s"),
            "{silent}"
        );
        assert!(silent.to_string().contains("digest.smtp_url"), "{silent}");
    }
}
