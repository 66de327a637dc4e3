//! Sending one digest email over SMTP.
//!
//! This module owns the SMTP side of the digest: the `digest.smtp_url`
//! syntax ([`SmtpUrl`]), the validated mail settings ([`Mailer::new`]),
//! building the multipart (text + HTML) message and one SMTP transaction per
//! [`Mailer::send`], over a fresh connection each time (a digest a day does
//! not need a pool). It never retries by itself: the outbox decides, helped
//! by [`SendError::is_transient`].
//!
//! TLS is rustls with the ring provider. The server is verified against the
//! Mozilla roots (webpki-roots) or, when `digest.smtp_ca_file` is set, only
//! against that CA. The password is sent only over TLS, except to a relay on
//! this machine (loopback), and it never appears in an error or a log line.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Message;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::secret::Secret;

/// Port for `smtp://` without a port: message submission with STARTTLS
/// (RFC 6409), what mail providers expect from clients.
pub const SUBMISSION_PORT: u16 = 587;
/// Port for `smtps://` without a port: submission over implicit TLS (RFC 8314).
pub const SUBMISSIONS_PORT: u16 = 465;
/// The authentication mechanisms we offer, in order of preference. Both send
/// the password itself, which is why they are only used over TLS (or loopback).
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];
/// How long a polite QUIT may take once the outcome is known; the outcome
/// does not change if the server is slow to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtps://`: TLS from the first byte (RFC 8314, port 465).
    Implicit,
    /// `smtp://…?tls=required` (the default): STARTTLS, and give up if the
    /// server does not offer it.
    Required,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered, plain otherwise.
    /// An attacker can strip the offer, so we still never authenticate in
    /// plain text to a host that is not this machine.
    Opportunistic,
    /// `smtp://…?tls=none`: plain text, for a relay on this machine or a
    /// trusted LAN relay that needs no password.
    None,
}

impl TlsMode {
    /// The `tls=` value of an `smtp://` URL.
    fn query_value(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::Required => "required",
            TlsMode::Opportunistic => "opportunistic",
            TlsMode::None => "none",
        }
    }
}

/// A validated `digest.smtp_url`: where to connect and how to protect it.
///
/// Accepted forms: `smtp://host[:port][?tls=required|opportunistic|none]`
/// (STARTTLS, default port 587, default `tls=required`) and
/// `smtps://host[:port]` (implicit TLS, default port 465). The host is a DNS
/// name, an IPv4 address or a bracketed IPv6 address. Credentials are never
/// part of the URL: they come from `digest.smtp_user` and the
/// `smtp_password` credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// Lowercase DNS name or IP address, without brackets.
    host: String,
    port: u16,
    tls: TlsMode,
}

impl SmtpUrl {
    /// Parses and validates a URL; the error names the URL (with anything
    /// before an `@` masked) and says what to write instead.
    pub fn parse(url: &str) -> Result<SmtpUrl, MailError> {
        let fail = |reason: String| MailError::Url {
            url: redact_userinfo(url),
            reason,
        };
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("the url contains spaces or control characters".into()));
        }
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            fail("expected smtp://host:587 (STARTTLS) or smtps://host:465 (implicit TLS)".into())
        })?;
        let implicit = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(fail(format!(
                    "unsupported scheme `{other}`: use smtp://host:587 (STARTTLS) \
                     or smtps://host:465 (implicit TLS)"
                )))
            }
        };
        if rest.contains('#') {
            return Err(fail("a fragment (`#…`) has no meaning here".into()));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.split_once('/') {
            Some((authority, path)) => (authority, path),
            None => (before_query, ""),
        };
        if authority.contains('@') {
            return Err(MailError::CredentialsInUrl {
                url: redact_userinfo(url),
            });
        }
        if !path.is_empty() {
            return Err(fail(format!(
                "unexpected path `/{path}`: the url is only scheme://host:port"
            )));
        }
        let (host, port) = split_host_port(authority).map_err(fail)?;
        let port = match port {
            Some(text) => parse_port(text).map_err(fail)?,
            None if implicit => SUBMISSIONS_PORT,
            None => SUBMISSION_PORT,
        };
        let tls = if implicit {
            if query.is_some() {
                return Err(fail(
                    "smtps:// is always TLS and takes no options; `?tls=` is for smtp:// (STARTTLS)"
                        .into(),
                ));
            }
            TlsMode::Implicit
        } else {
            match query {
                Some(query) => parse_tls_query(query).map_err(fail)?,
                None => TlsMode::Required,
            }
        };
        Ok(SmtpUrl { host, port, tls })
    }

    /// The server's name or address, as used for the TLS certificate check.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    /// Whether the server is this machine (`localhost`, 127.0.0.0/8, ::1):
    /// the only place a password may be sent without TLS.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// `host:port`, with brackets around an IPv6 address.
    fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for SmtpUrl {
    type Err = MailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SmtpUrl::parse(s)
    }
}

/// The canonical form, with the port and the TLS mode spelled out, e.g.
/// `smtp://mail.example.org:587?tls=required`: what logs should show.
impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tls {
            TlsMode::Implicit => write!(f, "smtps://{}", self.server()),
            mode => write!(f, "smtp://{}?tls={}", self.server(), mode.query_value()),
        }
    }
}

/// Masks whatever precedes an `@` in the authority, so that a URL quoted in
/// an error never shows a password someone put there.
fn redact_userinfo(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

/// Splits `host[:port]` or `[v6][:port]`; the host comes back lowercase
/// and without brackets.
fn split_host_port(authority: &str) -> Result<(String, Option<&str>), String> {
    if authority.is_empty() {
        return Err("the host is missing".into());
    }
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed
            .split_once(']')
            .ok_or("unclosed `[` around an IPv6 address")?;
        let ip: std::net::Ipv6Addr = inside
            .parse()
            .map_err(|_| format!("`{inside}` is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("expected `:port` after the IPv6 address")?,
            ),
        };
        return Ok((ip.to_string(), port));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if port.is_some_and(|p| p.contains(':')) {
        return Err("an IPv6 address must be written in brackets, e.g. smtp://[::1]:25".into());
    }
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    if !host.is_ascii() {
        return Err(format!(
            "`{host}` is not ascii: write an internationalised domain name in its \
             xn-- (punycode) form"
        ));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let name = host.strip_suffix('.').unwrap_or(host);
    if host.len() > 253 || !name.split('.').all(valid_label) {
        return Err(format!("`{host}` is not a valid host name"));
    }
    Ok((name.to_ascii_lowercase(), port))
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{text}` is not a port number (1-65535)")),
        Ok(port) => Ok(port),
    }
}

fn parse_tls_query(query: &str) -> Result<TlsMode, String> {
    let mut mode = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "tls" {
            return Err(format!(
                "unknown option `{key}`: the only option is tls=required|opportunistic|none"
            ));
        }
        if mode.is_some() {
            return Err("`tls=` is given twice".into());
        }
        mode = Some(match value.to_ascii_lowercase().as_str() {
            "required" => TlsMode::Required,
            "opportunistic" => TlsMode::Opportunistic,
            "none" => TlsMode::None,
            "implicit" => {
                return Err(
                    "for implicit TLS write smtps://host:465 instead of tls=implicit".into(),
                )
            }
            other => {
                return Err(format!(
                    "unknown tls mode `{other}`: use tls=required, tls=opportunistic or tls=none"
                ))
            }
        });
    }
    Ok(mode.unwrap_or(TlsMode::Required))
}

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

/// Sends digests with validated settings; cheap to keep for the lifetime of
/// the appliance (it holds no connection).
pub struct Mailer {
    url: SmtpUrl,
    credentials: Option<(String, Secret)>,
    /// `None` exactly when the URL says `tls=none`.
    tls: Option<TlsParameters>,
    private_ca: bool,
    from: Mailbox,
    to: Vec<Mailbox>,
    timeout: Duration,
    hello: ClientId,
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
        if credentials.is_some() && url.tls == TlsMode::None && !url.is_loopback() {
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
        let tls = match (url.tls, ca_pem) {
            (TlsMode::None, Some(_)) => {
                return Err(MailError::CaWithoutTls {
                    url: url.to_string(),
                })
            }
            (TlsMode::None, None) => None,
            (_, ca_pem) => Some(tls_parameters(&url, ca_pem.as_deref())?),
        };
        if url.tls == TlsMode::None && !url.is_loopback() {
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

    /// Builds the MIME message: multipart/alternative with the text part
    /// first (the fallback) and the HTML part last (preferred).
    fn build(&self, mail: &OutgoingMail) -> Result<Message, Cause> {
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
        let implicit = match self.url.tls {
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

        let starttls = match self.url.tls {
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
fn tls_parameters(url: &SmtpUrl, ca_pem: Option<&[u8]>) -> Result<TlsParameters, MailError> {
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
            reason: format!("cannot be used as a trust anchor ({})", chain_text(&e)),
        })
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
enum Cause {
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
    fn from_smtp(error: &lettre::transport::smtp::Error) -> Cause {
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
        let text = chain_text(error);
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
    fn from_chain(error: &(dyn StdError + 'static)) -> Option<Cause> {
        let mut io_error: Option<&io::Error> = None;
        let mut current = Some(error);
        while let Some(e) = current {
            let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
                e.downcast_ref::<io::Error>()
                    .and_then(io::Error::get_ref)
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            });
            if let Some(tls) = tls {
                return Some(Cause::Tls {
                    detail: tls.to_string(),
                    certificate: matches!(
                        tls,
                        rustls::Error::InvalidCertificate(_)
                            | rustls::Error::NoCertificatesPresented
                    ),
                });
            }
            if io_error.is_none() {
                io_error = e.downcast_ref::<io::Error>();
            }
            current = e.source();
        }
        io_error.map(|e| match e.kind() {
            io::ErrorKind::TimedOut => Cause::TimedOut(Duration::ZERO),
            io::ErrorKind::UnexpectedEof => Cause::Closed,
            _ => Cause::Network(e.to_string()),
        })
    }

    /// The conversation failed but the connection still speaks SMTP: the
    /// server refused something, or we declined to go on.
    fn connection_usable(&self) -> bool {
        matches!(
            self,
            Cause::Reply { .. }
                | Cause::NoStartTls
                | Cause::CleartextAuthRefused
                | Cause::NoAuthMechanism
                | Cause::Unsupported(_)
        )
    }

    fn is_transient(&self) -> bool {
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
    server: String,
    stage: Stage,
    cause: Cause,
    private_ca: bool,
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

/// An error and its sources, `: `-separated, for errors whose own Display
/// is too terse.
fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> SmtpUrl {
        SmtpUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn url_error(s: &str) -> String {
        match SmtpUrl::parse(s) {
            Ok(u) => panic!("{s} was accepted as {u}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn smtp_defaults_to_submission_port_and_required_starttls() {
        let u = url("smtp://Mail.Example.org");
        assert_eq!(
            (u.host(), u.port(), u.tls()),
            ("mail.example.org", 587, TlsMode::Required)
        );
        assert_eq!(u.to_string(), "smtp://mail.example.org:587?tls=required");
    }

    #[test]
    fn smtps_defaults_to_port_465_with_implicit_tls() {
        let u = url("SMTPS://mail.example.org/");
        assert_eq!((u.port(), u.tls()), (465, TlsMode::Implicit));
        assert_eq!(u.to_string(), "smtps://mail.example.org:465");
    }

    #[test]
    fn ports_and_tls_modes_are_read() {
        assert_eq!(url("smtp://h:2525?tls=opportunistic").port(), 2525);
        assert_eq!(
            url("smtp://h:2525?tls=opportunistic").tls(),
            TlsMode::Opportunistic
        );
        assert_eq!(url("smtp://h?tls=none").tls(), TlsMode::None);
        assert_eq!(url("smtp://h?tls=REQUIRED").tls(), TlsMode::Required);
        assert_eq!(url("smtps://h:10465").port(), 10465);
    }

    #[test]
    fn ip_addresses_are_hosts_and_ipv6_needs_brackets() {
        let v4 = url("smtp://127.0.0.1:25?tls=none");
        assert_eq!(v4.host(), "127.0.0.1");
        assert!(v4.is_loopback());
        let v6 = url("smtps://[::1]:4650");
        assert_eq!((v6.host(), v6.port()), ("::1", 4650));
        assert!(v6.is_loopback());
        assert_eq!(v6.to_string(), "smtps://[::1]:4650");
        assert!(url_error("smtp://::1:25").contains("brackets"));
        assert!(url("smtp://localhost").is_loopback());
        assert!(!url("smtp://mail.example.org").is_loopback());
        assert!(!url("smtp://192.0.2.1").is_loopback());
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "smtp://mail.example.org:587?tls=required",
            "smtp://127.0.0.1:2525?tls=none",
            "smtp://[::1]:25?tls=opportunistic",
            "smtps://mail.example.org:465",
        ] {
            assert_eq!(url(s).to_string(), s);
            assert_eq!(url(&url(s).to_string()), url(s));
        }
    }

    #[test]
    fn other_schemes_are_refused_naming_the_url() {
        for bad in [
            "http://mail.example.org",
            "mail.example.org:587",
            "smtp:mail",
        ] {
            let msg = url_error(bad);
            assert!(msg.contains(bad), "{msg}");
            assert!(msg.starts_with("smtp url `"), "{msg}");
            assert!(msg.contains("smtps://"), "{msg}");
        }
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        assert!(url_error("smtp://").contains("host is missing"));
        assert!(url_error("smtp://:25").contains("host is missing"));
        assert!(url_error("smtp://h:0").contains("not a port"));
        assert!(url_error("smtp://h:70000").contains("not a port"));
        assert!(url_error("smtp://h:abc").contains("not a port"));
        assert!(url_error("smtp://h?tls=maybe").contains("unknown tls mode"));
        assert!(url_error("smtp://h?tls=implicit").contains("smtps://"));
        assert!(url_error("smtp://h?auth=plain").contains("unknown option `auth`"));
        assert!(url_error("smtp://h?tls=none&tls=required").contains("twice"));
        assert!(url_error("smtps://h?tls=required").contains("takes no options"));
        assert!(url_error("smtp://h/inbox").contains("path"));
        assert!(url_error("smtp://h#x").contains("fragment"));
        assert!(url_error("smtp://mail example.org").contains("spaces"));
        assert!(url_error("smtp://bad_host.org").contains("not a valid host name"));
        assert!(url_error("smtp://-bad.org").contains("not a valid host name"));
        assert!(url_error("smtp://mél.example.org").contains("punycode"));
        assert!(url_error("smtp://[::1").contains("unclosed"));
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_the_password() {
        let msg = url_error("smtp://bot:hunter2@mail.example.org:587");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!msg.contains("bot:"), "{msg}");
        assert!(msg.contains("smtp://***@mail.example.org:587"), "{msg}");
        assert!(msg.contains("digest.smtp_user"), "{msg}");
        assert!(msg.contains("`smtp_password`"), "{msg}");
        // Also when another error would be reported first.
        let msg = url_error("smtp://bot:hunter2@mail example.org");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    fn settings() -> MailSettings {
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

    fn mail() -> OutgoingMail {
        OutgoingMail {
            message_id: "<digest-42.1732170000@cubeguardian>".into(),
            subject: "Résumé du 21 novembre 🎉\r\nBcc: evil@example.org".into(),
            text: "Bonjour à tous ! 👋".into(),
            html: "<p>Bonjour à tous ! 👋</p>".into(),
            date_ms: 1_732_170_000_000,
        }
    }

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

    #[test]
    fn message_id_shape() {
        assert!(is_message_id("<digest-42.1732170000@cubeguardian>"));
        assert!(!is_message_id("<a@b@c>"));
        assert!(!is_message_id("<a@>"));
    }
}
