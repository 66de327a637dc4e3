//! Which `Host` the admin page answers to: the defence against DNS
//! rebinding, where a web page on some other site re-points its own name
//! at this machine so that the visitor's browser talks to the admin page
//! as that site (same origin, so it may read the answers).
//!
//! Such a request always carries the attacker's name in `Host`, so the
//! admin page and its API answer only to names that cannot be the
//! attacker's: an IP literal (the listen address, or any when listening on
//! every address), `localhost`, and the names the admin lists in
//! `[admin] hostnames`. The port is not checked: DNS rebinding forges the
//! name, and a port forward or SSH tunnel legitimately changes the port.
//! `/health` and `/metrics` are not checked: monitors reach them under
//! whatever name they were given, and they hold nothing secret (private
//! metrics need the token, which a rebinding page does not have).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::{plain, Shared};
use crate::peers::address::Hostname;

/// Paths a monitor reaches under any name (see the module header).
const UNCHECKED_PATHS: [&str; 2] = ["/health", "/metrics"];

/// The names the admin page answers to.
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    /// `None` when listening on every address: any IP literal is fine.
    listen: Option<IpAddr>,
    names: Vec<Hostname>,
}

impl AllowedHosts {
    pub(crate) fn new(listen: SocketAddr, names: &[Hostname]) -> AllowedHosts {
        let ip = listen.ip().to_canonical();
        AllowedHosts {
            listen: (!ip.is_unspecified()).then_some(ip),
            names: names.to_vec(),
        }
    }

    /// Whether a request whose `Host` (or absolute URI) is `host` may reach
    /// the admin page; `Err` says why not, for the client.
    pub(crate) fn check(&self, host: Option<&str>) -> Result<(), String> {
        let Some(host) = host else {
            return Err(
                "missing Host header: the admin page needs to know the name it is \
                        reached under"
                    .to_owned(),
            );
        };
        let refused = || {
            format!(
                "the admin page does not answer to the host name `{host}`, to stop other web \
                 sites from reaching it through DNS rebinding; if it is this machine's name, \
                 add it to `[admin] hostnames` in the configuration, or use its IP address"
            )
        };
        let name = name_of(host).ok_or_else(refused)?;
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.eq_ignore_ascii_case("localhost")
            || self
                .names
                .iter()
                .any(|n| n.as_str().eq_ignore_ascii_case(name))
        {
            return Ok(());
        }
        let ip = name
            .strip_prefix('[')
            .and_then(|n| n.strip_suffix(']'))
            .unwrap_or(name);
        match (ip.parse::<IpAddr>(), self.listen) {
            (Ok(_), None) => Ok(()),
            (Ok(ip), Some(listen)) if ip.to_canonical() == listen => Ok(()),
            _ => Err(refused()),
        }
    }
}

/// The name part of a `Host` value (`name`, `name:port`, `[v6]:port`);
/// `None` when it is not of that shape.
fn name_of(host: &str) -> Option<&str> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let end = rest.find(']')?;
            (&host[..end + 2], &rest[end + 1..])
        }
        None => match host.find(':') {
            Some(colon) => (&host[..colon], &host[colon..]),
            None => (host, ""),
        },
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then_some(name)
}

/// Middleware: refuses with `421 Misdirected Request` a request for the
/// admin page under a name it does not answer to.
pub(crate) async fn guard(State(app): State<Shared>, request: Request, next: Next) -> Response {
    if UNCHECKED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let host = match request.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok()),
    };
    match app.hosts.check(host) {
        Ok(()) => next.run(request).await,
        Err(why) => {
            log::info!("admin page: refused a request for host {host:?}");
            plain(StatusCode::MISDIRECTED_REQUEST, why)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listen: &str, names: &[&str]) -> AllowedHosts {
        let names: Vec<Hostname> = names.iter().map(|n| n.parse().unwrap()).collect();
        AllowedHosts::new(listen.parse().unwrap(), &names)
    }

    #[test]
    fn a_specific_listen_address_answers_to_itself_localhost_and_the_listed_names() {
        let h = hosts("192.168.1.10:8080", &["Pi.LAN"]);
        for ok in [
            "192.168.1.10:8080",
            "192.168.1.10",
            "192.168.1.10:80",
            "localhost:8080",
            "LOCALHOST",
            "pi.lan:8080",
            "PI.lan.",
        ] {
            assert!(h.check(Some(ok)).is_ok(), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "192.168.1.11:8080",
            "192.168.1.10.evil.example",
            "pi.lan.evil.example",
            "localhost.evil.example",
            "[::1]:8080",
            "pi.lan:80x",
            "pi.lan:",
            "::1",
            "",
        ] {
            let why = h.check(Some(refused)).unwrap_err();
            assert!(why.contains("[admin] hostnames"), "{refused}: {why}");
        }
        assert!(h.check(None).unwrap_err().contains("missing Host"));
    }

    #[test]
    fn listening_everywhere_answers_to_any_ip_literal_but_not_to_unlisted_names() {
        let h = hosts("0.0.0.0:8080", &[]);
        for ok in [
            "10.0.0.7:8080",
            "192.168.1.10",
            "[::1]:8080",
            "[fe80::1]",
            "localhost",
        ] {
            assert!(h.check(Some(ok)).is_ok(), "{ok}");
        }
        for refused in ["pi.lan", "evil.example:8080", "10.0.0.7.nip.io"] {
            assert!(h.check(Some(refused)).is_err(), "{refused}");
        }
        let h = hosts("[::]:8080", &[]);
        assert!(h.check(Some("192.168.1.10:8080")).is_ok());
    }

    #[test]
    fn configured_names_are_validated() {
        assert_eq!("Pi.Lan.".parse::<Hostname>().unwrap().as_str(), "pi.lan");
        assert_eq!(
            "cube-guardian.home.arpa"
                .parse::<Hostname>()
                .unwrap()
                .as_str(),
            "cube-guardian.home.arpa"
        );
        for bad in [
            "",
            "http://pi.lan",
            "pi.lan:8080",
            "pi.lan/admin",
            "-pi.lan",
            "pi..lan",
            "*.lan",
        ] {
            let err = bad.parse::<Hostname>().unwrap_err().to_string();
            assert!(err.contains("not a host name"), "{bad}: {err}");
        }
    }
}
