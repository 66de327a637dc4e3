//! The mail settings as the config and the credential store give them, and
//! their validation into a [`Mailer`]: addresses parse as mailboxes, the CA
//! parses, user and password come together, and a password is never
//! configured to travel in clear to another machine. Every error names the
//! config key (or credential) to fix.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::{Mailer, SmtpUrl, TlsMode};
use crate::peers::failure;
use crate::system::secret::Secret;

/// Everything needed to send digests, as the config and the credential
/// store provide it; [`Mailer::new`] validates it.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub url: SmtpUrl,
    /// `digest.smtp_user`; `None` for a relay that needs no authentication.
    pub user: Option<String>,
    /// The `smtp_password` credential; required exactly when `user` is set.
    pub password: Option<Secret>,
    /// Contents of `digest.smtp_ca_file`: trust only this CA (self-hosted
    /// mail); without it the Mozilla roots (webpki-roots) are trusted.
    pub ca_pem: Option<Vec<u8>>,
    /// `digest.from`, `Name <addr>` or a bare address.
    pub from: String,
    /// `digest.to`: each `Name <addr>` or a bare address; all in `To:`.
    pub to: Vec<String>,
    /// The longest one send may take, from connecting to the server's
    /// answer to the message.
    pub timeout: Duration,
    /// The name given in EHLO; `None` sends the address literal
    /// `[127.0.0.1]`, which submission servers accept.
    pub hello_name: Option<String>,
}

/// Why the mail settings are unusable; each message names the config key
/// (or credential) to fix and never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// From [`SmtpUrl::parse`]; the config adds the key, so it is not here.
    #[error("smtp url `{url}`: {reason}")]
    Url { url: String, reason: String },
    #[error(
        "smtp url `{url}`: credentials do not belong in the url; set digest.smtp_user \
         and provide the password as the `smtp_password` credential"
    )]
    CredentialsInUrl { url: String },
    #[error("{key}: {message}")]
    Address { key: &'static str, message: String },
    #[error("digest.to: no recipient; list at least one address")]
    NoRecipient,
    #[error(
        "digest.smtp_user is set but the `smtp_password` credential is missing \
         (LoadCredential=smtp_password or CUBEGUARDIAN_SMTP_PASSWORD)"
    )]
    MissingPassword,
    #[error(
        "the `smtp_password` credential is set but digest.smtp_user is not; set both, \
         or neither for a relay without authentication"
    )]
    MissingUser,
    #[error("digest.smtp_user is empty")]
    EmptyUser,
    #[error(
        "digest.smtp_url `{url}`: refusing to authenticate without TLS to a server that is \
         not this machine, the password would cross the network in clear; use tls=required \
         or smtps://"
    )]
    CleartextAuth { url: String },
    #[error("digest.smtp_ca_file: {reason}")]
    CaCertificate { reason: String },
    #[error("digest.smtp_ca_file is set but digest.smtp_url `{url}` uses tls=none, so it would never be used")]
    CaWithoutTls { url: String },
    #[error("smtp hello name `{name}` is not a valid host name")]
    HelloName { name: String },
    #[error("digest mail timeout must be longer than zero")]
    ZeroTimeout,
}

impl Mailer {
    /// Validates the settings: addresses parse as mailboxes, the CA parses,
    /// user and password come together, and a password is never configured
    /// to travel in clear to another machine.
    pub fn new(settings: MailSettings) -> Result<Mailer, MailError> {
        let MailSettings {
            url,
            user,
            password,
            ca_pem,
            from,
            to,
            timeout,
            hello_name,
        } = settings;
        let from = parse_mailbox("digest.from", &from)?;
        if to.is_empty() {
            return Err(MailError::NoRecipient);
        }
        let to = to
            .iter()
            .map(|addr| parse_mailbox("digest.to", addr))
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = match (user, password) {
            (Some(user), _) if user.trim().is_empty() => return Err(MailError::EmptyUser),
            (Some(user), Some(password)) => Some((user, password)),
            (Some(_), None) => return Err(MailError::MissingPassword),
            (None, Some(_)) => return Err(MailError::MissingUser),
            (None, None) => None,
        };
        if credentials.is_some() && url.tls() == TlsMode::None && !url.is_loopback() {
            return Err(MailError::CleartextAuth {
                url: url.to_string(),
            });
        }
        if timeout.is_zero() {
            return Err(MailError::ZeroTimeout);
        }
        let hello = match hello_name {
            Some(name) => ClientId::Domain(valid_hello_name(name)?),
            None => ClientId::default(),
        };
        let private_ca = ca_pem.is_some();
        let tls = match (url.tls(), ca_pem) {
            (TlsMode::None, Some(_)) => {
                return Err(MailError::CaWithoutTls {
                    url: url.to_string(),
                })
            }
            (TlsMode::None, None) => None,
            (_, ca_pem) => Some(tls_parameters(&url, ca_pem.as_deref())?),
        };
        if url.tls() == TlsMode::None && !url.is_loopback() {
            log::warn!("digest mails to {url} travel unencrypted (tls=none)");
        }
        Ok(Mailer {
            url,
            credentials,
            tls,
            private_ca,
            from,
            to,
            timeout,
            hello,
        })
    }
}

/// Checks that `value` is a mailbox (`Name <addr>` or a bare address), for
/// config validation; the error says why, the caller adds the key.
pub fn check_mailbox(value: &str) -> Result<(), String> {
    mailbox(value).map(drop)
}

fn mailbox(value: &str) -> Result<Mailbox, String> {
    value
        .trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            format!("`{value}` is not an email address ({e})")
        })
}

fn parse_mailbox(key: &'static str, value: &str) -> Result<Mailbox, MailError> {
    mailbox(value).map_err(|message| MailError::Address { key, message })
}

fn valid_hello_name(name: String) -> Result<String, MailError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if ok {
        Ok(name)
    } else {
        Err(MailError::HelloName { name })
    }
}

/// TLS settings checking the certificate against `ca_pem` only when given,
/// else against the Mozilla roots, for the URL's host name (or IP address:
/// the certificate then needs an IP SAN).
pub(super) fn tls_parameters(
    url: &SmtpUrl,
    ca_pem: Option<&[u8]>,
) -> Result<TlsParameters, MailError> {
    let builder = TlsParameters::builder(url.host().to_owned());
    let builder = match ca_pem {
        None => builder.certificate_store(CertificateStore::WebpkiRoots),
        Some(pem) => {
            let certs = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MailError::CaCertificate {
                    reason: format!("not a valid PEM file ({e})"),
                })?;
            if certs.is_empty() {
                return Err(MailError::CaCertificate {
                    reason: "no certificate found (expected a -----BEGIN CERTIFICATE----- block)"
                        .into(),
                });
            }
            let ca = Certificate::from_pem(pem).map_err(|e| MailError::CaCertificate {
                reason: format!("unusable certificate ({e})"),
            })?;
            builder
                .certificate_store(CertificateStore::None)
                .add_root_certificate(ca)
        }
    };
    builder
        .build_rustls()
        .map_err(|e| MailError::CaCertificate {
            reason: format!("cannot be used as a trust anchor ({})", failure::text(&e)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::smtp::fixtures::{settings, url};

    fn new_error(settings: MailSettings) -> String {
        match Mailer::new(settings) {
            Ok(m) => panic!("accepted: {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn valid_settings_make_a_mailer_whose_debug_hides_the_password() {
        let mailer = Mailer::new(settings()).unwrap();
        let debug = format!("{mailer:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("bot@example.org"), "{debug}");
    }

    #[test]
    fn bad_addresses_name_the_key_and_the_value() {
        let mut s = settings();
        s.to = vec!["liste@example.org".into(), "x".into()];
        assert_eq!(
            new_error(s).split(" (").next().unwrap(),
            "digest.to: `x` is not an email address"
        );
        let mut s = settings();
        s.from = "CubeGuardian <bot>".into();
        assert!(new_error(s).starts_with("digest.from: `CubeGuardian <bot>`"));
        let mut s = settings();
        s.to.clear();
        assert!(new_error(s).contains("digest.to: no recipient"));
    }

    #[test]
    fn check_mailbox_accepts_names_and_explains_refusals() {
        assert_eq!(check_mailbox("CubeGuardian <bot@example.org>"), Ok(()));
        assert_eq!(check_mailbox("liste@example.org"), Ok(()));
        assert_eq!(check_mailbox("Zoé Étoile <zoe@example.org>"), Ok(()));
        let msg = check_mailbox("liste").unwrap_err();
        assert!(
            msg.starts_with("`liste` is not an email address ("),
            "{msg}"
        );
    }

    #[test]
    fn user_and_password_come_together() {
        let mut s = settings();
        s.password = None;
        assert!(new_error(s).contains("`smtp_password` credential is missing"));
        let mut s = settings();
        s.user = None;
        assert!(new_error(s).contains("digest.smtp_user is not"));
        let mut s = settings();
        s.user = Some(" ".into());
        assert!(new_error(s).contains("digest.smtp_user is empty"));
        let mut s = settings();
        s.user = None;
        s.password = None;
        assert!(Mailer::new(s).is_ok());
    }

    #[test]
    fn password_without_tls_only_to_this_machine() {
        let mut s = settings();
        s.url = url("smtp://mail.example.org:25?tls=none");
        let msg = new_error(s);
        assert!(
            msg.contains("refusing to authenticate without TLS"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "{msg}");
        let mut s = settings();
        s.url = url("smtp://127.0.0.1:25?tls=none");
        assert!(Mailer::new(s).is_ok());
        // Without a password, plain text to a LAN relay is the admin's call.
        let mut s = settings();
        s.url = url("smtp://mail.example.org:25?tls=none");
        s.user = None;
        s.password = None;
        assert!(Mailer::new(s).is_ok());
    }

    #[test]
    fn ca_file_must_hold_a_certificate_and_needs_tls() {
        let mut s = settings();
        s.ca_pem = Some(b"not a pem".to_vec());
        assert!(new_error(s).contains("digest.smtp_ca_file: no certificate found"));
        let mut s = settings();
        s.ca_pem = Some(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec());
        let msg = new_error(s);
        assert!(msg.starts_with("digest.smtp_ca_file:"), "{msg}");
        let mut s = settings();
        s.url = url("smtp://127.0.0.1?tls=none");
        s.ca_pem = Some(b"whatever".to_vec());
        assert!(new_error(s).contains("tls=none"));
    }

    #[test]
    fn hello_name_and_timeout_are_checked() {
        let mut s = settings();
        s.hello_name = Some("bad name".into());
        assert!(new_error(s).contains("hello name"));
        let mut s = settings();
        s.hello_name = Some("cubeguardian.lan".into());
        assert!(Mailer::new(s).is_ok());
        let mut s = settings();
        s.timeout = Duration::ZERO;
        assert!(new_error(s).contains("timeout"));
    }
}
