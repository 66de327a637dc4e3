//! The SMTP conversation: one transaction per mail on a fresh connection
//! (connect, STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA, the message), under
//! one deadline, then a polite QUIT when the connection is still sane.

use std::fmt;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::error::Cause;
use super::{OutgoingMail, SendError, SmtpUrl, Stage, TlsMode};
use crate::system::secret::Secret;

/// The authentication mechanisms we offer, in order of preference. Both send
/// the password itself, which is why they are only used over TLS (or loopback).
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];
/// How long a polite QUIT may take once the outcome is known; the outcome
/// does not change if the server is slow to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Sends digests with validated settings; cheap to keep for the lifetime of
/// the appliance (it holds no connection).
pub struct Mailer {
    pub(super) url: SmtpUrl,
    pub(super) credentials: Option<(String, Secret)>,
    /// `None` exactly when the URL says `tls=none`.
    pub(super) tls: Option<TlsParameters>,
    pub(super) private_ca: bool,
    pub(super) from: Mailbox,
    pub(super) to: Vec<Mailbox>,
    pub(super) timeout: Duration,
    pub(super) hello: ClientId,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &self.url.to_string())
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("private_ca", &self.private_ca)
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The server this mailer talks to, for logs.
    pub fn url(&self) -> &SmtpUrl {
        &self.url
    }

    /// Sends one mail in one SMTP transaction on a fresh connection. `Ok`
    /// means the server answered 250 to the message: it is now the server's
    /// job. On error nothing was accepted, except possibly when
    /// [`SendError::maybe_delivered`] says so.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = self
            .build(mail)
            .map_err(|cause| self.error(Stage::Build, cause))?;
        let body = message.formatted();
        let envelope = message.envelope();

        let mut stage = Stage::Connect;
        let mut connection = None;
        let outcome = tokio::time::timeout(
            self.timeout,
            self.transact(&mut stage, &mut connection, envelope, &body),
        )
        .await
        .unwrap_or(Err(Cause::TimedOut(self.timeout)));
        if let Some(mut connection) = connection {
            // Say goodbye, briefly, when the connection is known to be in a
            // sane state; otherwise (timeout, network or TLS failure) just
            // drop it. Writing after a failed STARTTLS upgrade would even
            // trip an assertion in lettre.
            match &outcome {
                Ok(()) => {
                    let _ = tokio::time::timeout(CLOSE_GRACE, connection.quit()).await;
                }
                Err(cause) if cause.connection_usable() => {
                    let _ = tokio::time::timeout(CLOSE_GRACE, connection.abort()).await;
                }
                Err(_) => {}
            }
        }
        outcome.map_err(|cause| self.error(stage, cause))
    }

    /// The SMTP conversation up to the server's answer to the message. The
    /// connection is left in `slot` so that the caller can close it outside
    /// the time limit.
    async fn transact(
        &self,
        stage: &mut Stage,
        slot: &mut Option<AsyncSmtpConnection>,
        envelope: &Envelope,
        body: &[u8],
    ) -> Result<(), Cause> {
        *stage = Stage::Connect;
        let implicit = match self.url.tls() {
            TlsMode::Implicit => self.tls.clone(),
            _ => None,
        };
        let connection = AsyncSmtpConnection::connect_tokio1(
            (self.url.host(), self.url.port()),
            Some(self.timeout),
            &self.hello,
            implicit,
            None,
        )
        .await
        .map_err(|e| Cause::from_smtp(&e))?;
        let connection = slot.insert(connection);

        let starttls = match self.url.tls() {
            TlsMode::Required => true,
            TlsMode::Opportunistic => connection.can_starttls(),
            TlsMode::Implicit | TlsMode::None => false,
        };
        if starttls {
            *stage = Stage::StartTls;
            if !connection.can_starttls() {
                return Err(Cause::NoStartTls);
            }
            // `Mailer::new` builds TLS settings for every mode but `none`.
            let tls = self
                .tls
                .clone()
                .ok_or_else(|| Cause::Client("no tls settings for STARTTLS".into()))?;
            connection
                .starttls(tls, &self.hello)
                .await
                .map_err(|e| Cause::from_smtp(&e))?;
        }

        if let Some((user, password)) = &self.credentials {
            *stage = Stage::Auth;
            if !connection.is_encrypted() && !self.url.is_loopback() {
                return Err(Cause::CleartextAuthRefused);
            }
            if connection
                .server_info()
                .get_auth_mechanism(MECHANISMS)
                .is_none()
            {
                return Err(Cause::NoAuthMechanism);
            }
            let credentials = Credentials::new(user.clone(), password.expose().to_owned());
            connection
                .auth(MECHANISMS, &credentials)
                .await
                .map_err(|e| Cause::from_smtp(&e))?;
        }

        *stage = Stage::MailFrom;
        let info = connection.server_info();
        let mut parameters = Vec::new();
        if envelope
            .to()
            .iter()
            .chain(envelope.from())
            .any(|addr| !AsRef::<str>::as_ref(addr).is_ascii())
        {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(Cause::Unsupported(
                    "SMTPUTF8 (needed for non-ascii addresses)",
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(Cause::Unsupported("8BITMIME"));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        connection
            .command(Mail::new(envelope.from().cloned(), parameters))
            .await
            .map_err(|e| Cause::from_smtp(&e))?;
        for recipient in envelope.to() {
            *stage = Stage::RcptTo(recipient.to_string());
            connection
                .command(Rcpt::new(recipient.clone(), Vec::new()))
                .await
                .map_err(|e| Cause::from_smtp(&e))?;
        }
        *stage = Stage::Data;
        connection
            .command(Data)
            .await
            .map_err(|e| Cause::from_smtp(&e))?;
        *stage = Stage::Message;
        connection
            .message(body)
            .await
            .map_err(|e| Cause::from_smtp(&e))?;
        Ok(())
    }

    fn error(&self, stage: Stage, cause: Cause) -> SendError {
        SendError {
            server: self.url.server(),
            stage,
            cause,
            private_ca: self.private_ca,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::smtp::fixtures::{mail, settings};
    use crate::peers::smtp::MailError;

    #[test]
    fn sending_can_run_in_a_spawned_task() {
        fn assert_send<T: Send>(_: &T) {}
        let mailer = Mailer::new(settings()).unwrap();
        let mail = mail();
        assert_send(&mailer.send(&mail));
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<Mailer>();
        assert_sync::<SendError>();
        assert_sync::<MailError>();
    }
}
