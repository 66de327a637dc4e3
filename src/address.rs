//! `host:port` as users write it in the config: `pve.lan:22`, `pve.lan`
//! (the service's default port), `[::1]:25565`, `[::1]` or a bare IPv6
//! address. One parser for every endpoint, so they all accept the same forms.

/// The longest host name DNS allows; longer is a typo or garbage.
pub const MAX_HOST_CHARS: usize = 255;

/// Splits `address` into the host (brackets removed) and the port, which is
/// `default_port` when not written. Errors say what is wrong, in words.
pub fn split_host_port(address: &str, default_port: u16) -> Result<(String, u16), &'static str> {
    let address = address.trim();
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("missing `]` after an IPv6 address")?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("expected `:port` after `]`")?,
                ),
            ),
        }
    } else {
        match address.matches(':').count() {
            0 => (address, None),
            1 => match address.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (address, None),
            },
            // More than one colon and no brackets: a bare IPv6 address.
            _ => (address, None),
        }
    };
    if host.is_empty() {
        return Err("the host is empty");
    }
    if host.chars().count() > MAX_HOST_CHARS {
        return Err("the host is longer than 255 characters");
    }
    let port = match port {
        None => default_port,
        Some(port) => match port.parse::<u16>() {
            Ok(0) | Err(_) => return Err("the port must be a number from 1 to 65535"),
            Ok(port) => port,
        },
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
}
