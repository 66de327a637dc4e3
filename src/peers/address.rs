//! `host:port` as users write it in the config: `pve.lan:22`, `pve.lan`
//! (the service's default port), `[::1]:25565`, `[::1]` or a bare IPv6
//! address. One parser for every endpoint, so they all accept the same forms
//! and explain a refusal in the same words: the Minecraft, SSH and config
//! addresses use [`split_host_port`]; the SMTP URL uses [`split`] and
//! [`parse_port`] and adds its own rules for the host (brackets required
//! around IPv6, a valid DNS name otherwise). [`Hostname`] is a host name
//! alone, as `[admin] hostnames` lists them.

use std::fmt;
use std::str::FromStr;

/// The longest host name DNS allows; longer is a typo or garbage.
pub const MAX_HOST_CHARS: usize = 255;

/// An address cut into its written parts, before any caller's own rules
/// (a default port, what a host name may contain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written<'a> {
    /// The host without brackets; never empty. Contains `:` for an IPv6
    /// address, bracketed or bare.
    pub host: &'a str,
    /// The text after the `:`, if there was one (possibly empty).
    pub port: Option<&'a str>,
    /// The host was written in `[…]`.
    pub bracketed: bool,
}

/// Why an address is not `host[:port]`. The texts say what is wrong in
/// words; callers add which setting and which value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the host is missing")]
    MissingHost,
    #[error("unclosed `[` around an IPv6 address")]
    UnclosedBracket,
    #[error("expected `:port` after the IPv6 address")]
    AfterBracket,
    #[error("the host is longer than 255 characters")]
    HostTooLong,
    #[error("`{0}` is not a port number (1-65535)")]
    BadPort(String),
}

/// Cuts `address` (surrounding spaces ignored) into host and port text:
/// `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address (more
/// than one `:` and no brackets: all host, no port).
pub fn split(address: &str) -> Result<Written<'_>, AddressError> {
    let address = address.trim();
    let written = if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(AddressError::UnclosedBracket)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(AddressError::AfterBracket)?),
        };
        Written {
            host,
            port,
            bracketed: true,
        }
    } else {
        let (host, port) = match address.split_once(':') {
            Some((host, port)) if !port.contains(':') => (host, Some(port)),
            // No colon, or more than one without brackets: a bare IPv6 address.
            _ => (address, None),
        };
        Written {
            host,
            port,
            bracketed: false,
        }
    };
    if written.host.is_empty() {
        return Err(AddressError::MissingHost);
    }
    Ok(written)
}

/// A port number as written: 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, AddressError> {
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(AddressError::BadPort(text.to_owned())),
        Ok(port) => Ok(port),
    }
}

/// Splits `address` into the host (brackets removed) and the port, which is
/// `default_port` when not written.
pub fn split_host_port(address: &str, default_port: u16) -> Result<(String, u16), AddressError> {
    let Written { host, port, .. } = split(address)?;
    if host.chars().count() > MAX_HOST_CHARS {
        return Err(AddressError::HostTooLong);
    }
    let port = match port {
        None => default_port,
        Some(port) => parse_port(port)?,
    };
    Ok((host.to_owned(), port))
}

/// `address` with its port written out (the default when missing), in the
/// form socket APIs take (`[v6]:port` for IPv6). Unparsable input is
/// returned as is, so the connection attempt reports it.
pub fn with_port(address: &str, default_port: u16) -> String {
    match split_host_port(address, default_port) {
        Ok((host, port)) if host.contains(':') => format!("[{host}]:{port}"),
        Ok((host, port)) => format!("{host}:{port}"),
        Err(_) => address.to_owned(),
    }
}

/// A DNS host name as written in the configuration (e.g. the names the
/// admin page answers to), lower case, without a final dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostname(String);

impl Hostname {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a configured host name is refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not a host name: write the name alone, without scheme, port or path \
     (e.g. \"pi.lan\")"
)]
pub struct BadHostname(String);

impl FromStr for Hostname {
    type Err = BadHostname;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().strip_suffix('.').unwrap_or(s.trim());
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
            return Err(BadHostname(s.to_owned()));
        }
        Ok(Hostname(name.to_ascii_lowercase()))
    }
}

impl<'de> serde::Deserialize<'de> for Hostname {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_is_split_with_the_default_port() {
        let ok = |input: &str| split_host_port(input, 25565).unwrap();
        assert_eq!(ok("mc.example.org"), ("mc.example.org".into(), 25565));
        assert_eq!(ok("127.0.0.1:25566"), ("127.0.0.1".into(), 25566));
        assert_eq!(ok("[::1]:1234"), ("::1".into(), 1234));
        assert_eq!(ok("[::1]"), ("::1".into(), 25565));
        assert_eq!(ok("fe80::1"), ("fe80::1".into(), 25565));
        assert_eq!(
            split_host_port(" pve.lan ", 22).unwrap(),
            ("pve.lan".into(), 22)
        );
    }

    #[test]
    fn ports_are_written_out() {
        assert_eq!(with_port("pve.lan", 22), "pve.lan:22");
        assert_eq!(with_port("::1", 22), "[::1]:22");
        assert_eq!(with_port("[::1]:2222", 22), "[::1]:2222");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            ":25565",
            "host:",
            "host:0",
            "host:70000",
            "host:x",
            "[::1",
            "[::1]x",
        ] {
            assert!(split_host_port(bad, 22).is_err(), "{bad:?}");
        }
        assert!(split_host_port(&"a".repeat(256), 22).is_err());
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let why = |input: &str| split_host_port(input, 22).unwrap_err().to_string();
        assert_eq!(why(":22"), "the host is missing");
        assert_eq!(why("[::1"), "unclosed `[` around an IPv6 address");
        assert_eq!(why("[::1]x"), "expected `:port` after the IPv6 address");
        assert_eq!(why("host:x"), "`x` is not a port number (1-65535)");
    }

    #[test]
    fn written_parts_keep_the_port_text_and_the_brackets() {
        assert_eq!(
            split("[::1]:").unwrap(),
            Written {
                host: "::1",
                port: Some(""),
                bracketed: true
            }
        );
        assert_eq!(
            split("::1:25").unwrap(),
            Written {
                host: "::1:25",
                port: None,
                bracketed: false
            }
        );
    }
}
