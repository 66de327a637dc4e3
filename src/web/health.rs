//! `GET /health`: whether the appliance works, for Uptime Kuma.
//!
//! No authentication and nothing secret in the answer: a small JSON object,
//! `200` when healthy, `503` with a `reason` when the Discord gateway has
//! been down for longer than the grace period, the main loop has stopped
//! answering, or the appliance runs degraded (its database unusable: the
//! `degraded` field says why) — a monitor must notice that too.

use std::time::Duration;

use serde::Serialize;

use super::Snapshot;

/// The body of `/health`.
#[derive(Debug, Serialize)]
pub struct Health<'a> {
    /// `ok`, `degraded` (runs, with less than configured) or `unhealthy`.
    pub status: &'static str,
    /// Why it is unhealthy or degraded; absent when healthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why the appliance runs degraded; `null` when it runs in full.
    pub degraded: Option<&'a str>,
    pub discord_connected: bool,
    pub power_state: &'a str,
    pub uptime_s: u64,
    pub version: &'a str,
}

/// Judges a snapshot. A disconnected Discord with no known outage start is
/// counted as down since the process started, so a bot that never connects
/// turns unhealthy once the grace period after start-up is over.
pub fn assess(s: &Snapshot, grace: Duration) -> Health<'_> {
    let mut reasons = Vec::new();
    if !s.main_loop_alive {
        reasons.push("the main loop is not responding".to_owned());
    }
    if !s.discord_connected {
        let down = s.discord_down_for.unwrap_or(s.uptime);
        if down > grace {
            reasons.push(format!(
                "the Discord gateway has been disconnected for {}s (grace {}s)",
                down.as_secs(),
                grace.as_secs()
            ));
        }
    }
    let status = match (reasons.is_empty(), &s.degraded) {
        (true, None) => "ok",
        (true, Some(_)) => "degraded",
        (false, _) => "unhealthy",
    };
    if let Some(why) = &s.degraded {
        reasons.push(format!("degraded: {why}"));
    }
    Health {
        status,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        discord_connected: s.discord_connected,
        degraded: s.degraded.as_deref(),
        power_state: &s.power_state,
        uptime_s: s.uptime.as_secs(),
        version: &s.version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        Snapshot {
            version: "1.2.3".into(),
            uptime: Duration::from_secs(100),
            discord_connected: true,
            main_loop_alive: true,
            power_state: "idle".into(),
            ..Snapshot::default()
        }
    }

    const GRACE: Duration = Duration::from_secs(10);

    #[test]
    fn connected_and_alive_is_healthy() {
        let s = snap();
        let h = assess(&s, GRACE);
        assert_eq!(h.status, "ok");
        assert!(h.reason.is_none());
    }

    #[test]
    fn a_short_disconnection_is_tolerated() {
        let s = Snapshot {
            discord_connected: false,
            discord_down_for: Some(Duration::from_secs(9)),
            ..snap()
        };
        assert_eq!(assess(&s, GRACE).status, "ok");
    }

    #[test]
    fn a_long_disconnection_or_a_dead_loop_is_unhealthy() {
        let s = Snapshot {
            discord_connected: false,
            discord_down_for: Some(Duration::from_secs(11)),
            ..snap()
        };
        let h = assess(&s, GRACE);
        assert_eq!(h.status, "unhealthy");
        assert!(h.reason.unwrap().contains("Discord"));

        let s = Snapshot {
            main_loop_alive: false,
            ..snap()
        };
        assert!(assess(&s, GRACE).reason.unwrap().contains("main loop"));
    }

    #[test]
    fn a_degraded_appliance_says_why_and_is_not_ok() {
        let s = Snapshot {
            degraded: Some("the database is damaged".into()),
            ..snap()
        };
        let h = assess(&s, GRACE);
        assert_eq!(h.status, "degraded");
        assert_eq!(h.degraded, Some("the database is damaged"));
        assert!(h.reason.unwrap().contains("database is damaged"));
        let ok = snap();
        let json = serde_json::to_value(assess(&ok, GRACE)).unwrap();
        assert_eq!(json["degraded"], serde_json::Value::Null);
    }

    #[test]
    fn never_connected_counts_from_start() {
        let s = Snapshot {
            discord_connected: false,
            discord_down_for: None,
            uptime: Duration::from_secs(5),
            ..snap()
        };
        assert_eq!(assess(&s, GRACE).status, "ok");
        let s = Snapshot {
            uptime: Duration::from_secs(60),
            ..s
        };
        assert_eq!(assess(&s, GRACE).status, "unhealthy");
    }
}
