//! The SMTP server's address as `digest.smtp_url` writes it:
//! `smtp://host[:port][?tls=…]` (STARTTLS) or `smtps://host[:port]`
//! (implicit TLS). The host and port are cut by the appliance's one address
//! parser ([`crate::peers::address`]); this module adds what a URL needs: the
//! scheme, the TLS mode, a valid DNS name or bracketed IPv6 address, and
//! errors that never echo a password someone put in the URL.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use super::MailError;
use crate::peers::address;

/// Port for `smtp://` without a port: message submission with STARTTLS
/// (RFC 6409), what mail providers expect from clients.
pub const SUBMISSION_PORT: u16 = 587;
/// Port for `smtps://` without a port: submission over implicit TLS (RFC 8314).
pub const SUBMISSIONS_PORT: u16 = 465;

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
        let (host, port) = host_and_port(authority).map_err(fail)?;
        let port = match port {
            Some(text) => address::parse_port(text).map_err(|e| fail(e.to_string()))?,
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
    pub(super) fn server(&self) -> String {
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

/// The host as an SMTP URL may write it: a DNS name (any case, a final dot
/// allowed) or an IPv6 address in brackets; it comes back lowercase, without
/// brackets. The port is left as written.
fn host_and_port(authority: &str) -> Result<(String, Option<&str>), String> {
    let written = address::split(authority).map_err(|e| e.to_string())?;
    let host = written.host;
    if written.bracketed {
        let ip: std::net::Ipv6Addr = host
            .parse()
            .map_err(|_| format!("`{host}` is not an IPv6 address"))?;
        return Ok((ip.to_string(), written.port));
    }
    if host.contains(':') {
        return Err("an IPv6 address must be written in brackets, e.g. smtp://[::1]:25".into());
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
    Ok((name.to_ascii_lowercase(), written.port))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::smtp::fixtures::url;

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
}
