//! The Prometheus metrics served at `/metrics`. A low module of its own:
//! the services and the power driver count into it, and the web server
//! only serves it.
//!
//! [`Metrics`] owns a `prometheus_client` registry with every
//! `cubeguardian_*` series. The power controller bumps its counters and
//! gauges as things happen, and so does the digest; the rate limiter hands
//! over periodic totals ([`Metrics::ratelimit`]); process memory and uptime
//! are read at scrape time. The output is OpenMetrics text,
//! which Prometheus scrapes natively.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::{Registry, Unit};

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// Every metric of the appliance. Shared as `Arc<Metrics>`; all methods take
/// `&self` and are cheap (atomics, one short lock for the power state).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    startups_requested: Counter,
    startups_succeeded: Counter,
    shutdowns_requested: Counter,
    shutdowns_succeeded: Counter,
    restarts: Family<OutcomeLabel, Counter>,
    errors: Counter,
    power_state: Family<StateLabel, Gauge>,
    current_state: Mutex<Option<String>>,
    players_in_voice: Gauge,
    minecraft_players_online: Gauge,
    minecraft_up: Gauge,
    front_door_players: Gauge,
    front_door_refused: Counter,
    totals: Arc<Totals>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every series. Create it once, at process start: the uptime
    /// it reports counts from here.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("cubeguardian");
        let m = Metrics {
            startups_requested: Counter::default(),
            startups_succeeded: Counter::default(),
            shutdowns_requested: Counter::default(),
            shutdowns_succeeded: Counter::default(),
            restarts: Family::default(),
            errors: Counter::default(),
            power_state: Family::default(),
            current_state: Mutex::new(None),
            players_in_voice: Gauge::default(),
            minecraft_players_online: Gauge::default(),
            minecraft_up: Gauge::default(),
            front_door_players: Gauge::default(),
            front_door_refused: Counter::default(),
            totals: Arc::new(Totals::new()),
            registry: Registry::default(),
        };
        registry.register(
            "startups_requested",
            "Host startups requested (wake-on-LAN sent)",
            m.startups_requested.clone(),
        );
        registry.register(
            "startups_succeeded",
            "Host startups that reached the operational state",
            m.startups_succeeded.clone(),
        );
        registry.register(
            "shutdowns_requested",
            "Host shutdowns requested",
            m.shutdowns_requested.clone(),
        );
        registry.register(
            "shutdowns_succeeded",
            "Host shutdowns that reached the idle state",
            m.shutdowns_succeeded.clone(),
        );
        // Both outcomes exist from the start so `rate()` sees the first one.
        for outcome in ["ok", "failed"] {
            let _ = m.restarts.get_or_create(&OutcomeLabel { outcome });
        }
        registry.register(
            "restarts",
            "Minecraft restarts, by outcome (ok or failed)",
            m.restarts.clone(),
        );
        registry.register(
            "errors",
            "Power controller errors (timeouts, API failures)",
            m.errors.clone(),
        );
        registry.register(
            "power_state",
            "1 for the current power state, 0 for the states seen before",
            m.power_state.clone(),
        );
        registry.register(
            "players_in_voice",
            "Authorized players in the voice channel",
            m.players_in_voice.clone(),
        );
        registry.register(
            "minecraft_players_online",
            "Players online according to the Minecraft server (0 when it does not answer)",
            m.minecraft_players_online.clone(),
        );
        registry.register(
            "minecraft_up",
            "1 when the Minecraft server answered its last status ping",
            m.minecraft_up.clone(),
        );
        registry.register(
            "front_door_players",
            "Players connected to the game through the front door",
            m.front_door_players.clone(),
        );
        registry.register(
            "front_door_refused",
            "Connections to the front door closed at once, over a connection limit",
            m.front_door_refused.clone(),
        );
        registry.register_collector(Box::new(m.totals.clone()));
        registry.register_collector(Box::new(ProcessCollector {
            started: Instant::now(),
        }));
        Metrics { registry, ..m }
    }

    /// A wake-up was requested.
    pub fn startup_requested(&self) {
        self.startups_requested.inc();
    }

    /// A wake-up ended with Minecraft answering.
    pub fn startup_succeeded(&self) {
        self.startups_succeeded.inc();
    }

    /// A shutdown was requested.
    pub fn shutdown_requested(&self) {
        self.shutdowns_requested.inc();
    }

    /// A shutdown ended with the host off.
    pub fn shutdown_succeeded(&self) {
        self.shutdowns_succeeded.inc();
    }

    /// A Minecraft restart finished, well (`ok`) or not.
    pub fn restart(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.restarts.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// The power controller hit an error.
    pub fn error(&self) {
        self.errors.inc();
    }

    /// Declares the states up front so every series exists (at 0) before
    /// the first transition; optional.
    pub fn declare_power_states(&self, states: &[&str]) {
        for state in states {
            let _ = self.power_state.get_or_create(&StateLabel {
                state: (*state).to_owned(),
            });
        }
    }

    /// The power state is now `state` (its seed name, e.g. `operational`):
    /// its series goes to 1 and the previous one to 0.
    pub fn set_power_state(&self, state: &str) {
        let mut current = self.current_state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = current.take() {
            if previous != state {
                self.power_state
                    .get_or_create(&StateLabel { state: previous })
                    .set(0);
            }
        }
        self.power_state
            .get_or_create(&StateLabel {
                state: state.to_owned(),
            })
            .set(1);
        *current = Some(state.to_owned());
    }

    /// Authorized players now in the voice channel.
    pub fn set_players_in_voice(&self, n: u32) {
        self.players_in_voice.set(i64::from(n));
    }

    /// Players online in Minecraft, or `None` when the server does not
    /// answer (then `minecraft_up` is 0 and the count 0).
    pub fn set_players_online(&self, n: Option<u32>) {
        self.minecraft_up.set(i64::from(n.is_some()));
        self.minecraft_players_online.set(i64::from(n.unwrap_or(0)));
    }

    /// Players now relayed to the game by the front door.
    pub fn set_front_door_players(&self, n: u32) {
        self.front_door_players.set(i64::from(n));
    }

    /// A connection to the front door was over a limit.
    pub fn front_door_refused(&self) {
        self.front_door_refused.inc();
    }

    /// The rate limiter's totals since start (`checks`, `refusals`, `bans`)
    /// and its current table size, from a periodic snapshot.
    pub fn ratelimit(&self, checks: u64, refusals: u64, bans: u64, tracked: u64) {
        let t = &self.totals;
        t.ratelimit_checks.store(checks, Ordering::Relaxed);
        t.ratelimit_refusals.store(refusals, Ordering::Relaxed);
        t.ratelimit_bans.store(bans, Ordering::Relaxed);
        t.ratelimit_tracked.store(tracked, Ordering::Relaxed);
    }

    /// Messages newly stored by the digest's capture (after their commit).
    pub fn digest_captured(&self, n: u64) {
        self.totals.digest_captured.fetch_add(n, Ordering::Relaxed);
    }

    /// A digest was accepted by the SMTP server.
    pub fn digest_sent(&self) {
        self.totals.digest_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// How many digests wait in the outbox now.
    pub fn digest_outbox(&self, pending: u64) {
        self.totals.digest_outbox.store(pending, Ordering::Relaxed);
    }

    /// The OpenMetrics text exposition of every series (see [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            // Writing to a String cannot fail; a collector could, in theory.
            log::error!("cannot encode the metrics: {e}");
        }
        out
    }
}

/// Totals handed over by other modules, which keep their own counts: they
/// are stored as-is and exposed at scrape time.
#[derive(Debug)]
struct Totals {
    ratelimit_checks: AtomicU64,
    ratelimit_refusals: AtomicU64,
    ratelimit_bans: AtomicU64,
    ratelimit_tracked: AtomicU64,
    digest_captured: AtomicU64,
    digest_sent: AtomicU64,
    digest_outbox: AtomicU64,
}

impl Totals {
    fn new() -> Self {
        Totals {
            ratelimit_checks: AtomicU64::new(0),
            ratelimit_refusals: AtomicU64::new(0),
            ratelimit_bans: AtomicU64::new(0),
            ratelimit_tracked: AtomicU64::new(0),
            digest_captured: AtomicU64::new(0),
            digest_sent: AtomicU64::new(0),
            digest_outbox: AtomicU64::new(0),
        }
    }
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: &AtomicU64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value.load(Ordering::Relaxed));
    let e = encoder.encode_descriptor(name, help, None, metric.metric_type())?;
    metric.encode(e)
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    let e = encoder.encode_descriptor(name, help, unit, metric.metric_type())?;
    metric.encode(e)
}

fn as_gauge(value: &AtomicU64) -> i64 {
    i64::try_from(value.load(Ordering::Relaxed)).unwrap_or(i64::MAX)
}

impl Collector for Totals {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let e = &mut encoder;
        counter(
            e,
            "ratelimit_checks",
            "Messages checked by the rate limiter.",
            &self.ratelimit_checks,
        )?;
        counter(
            e,
            "ratelimit_refusals",
            "Messages refused by the rate limiter.",
            &self.ratelimit_refusals,
        )?;
        counter(
            e,
            "ratelimit_bans",
            "Bans given by the rate limiter.",
            &self.ratelimit_bans,
        )?;
        gauge(
            e,
            "ratelimit_tracked_entries",
            "Users currently tracked by the rate limiter.",
            None,
            as_gauge(&self.ratelimit_tracked),
        )?;
        counter(
            e,
            "digest_messages_captured",
            "Messages captured for the digest.",
            &self.digest_captured,
        )?;
        counter(e, "digests_sent", "Digests sent.", &self.digest_sent)?;
        gauge(
            e,
            "digest_outbox_size",
            "Digests waiting to be sent.",
            None,
            as_gauge(&self.digest_outbox),
        )?;
        Ok(())
    }
}

/// Process memory and uptime, read when scraped.
#[derive(Debug)]
struct ProcessCollector {
    started: Instant,
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(rss) = resident_memory_bytes() {
            gauge(
                &mut encoder,
                "process_resident_memory",
                "Resident memory of the process (VmRSS).",
                Some(&Unit::Bytes),
                rss,
            )?;
        }
        let uptime = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        gauge(
            &mut encoder,
            "process_uptime",
            "Time since the process started.",
            Some(&Unit::Seconds),
            uptime,
        )
    }
}

/// `VmRSS` from `/proc/self/status`; `None` where there is no procfs.
fn resident_memory_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_bytes() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t1\n";
        assert_eq!(parse_vm_rss(status), Some(1234 * 1024));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        assert_eq!(parse_vm_rss("VmRSS:\tlots kB\n"), None);
    }

    #[test]
    fn power_state_moves_the_one() {
        let m = Metrics::new();
        m.declare_power_states(&["idle", "operational"]);
        m.set_power_state("idle");
        m.set_power_state("operational");
        let text = m.render();
        assert!(
            text.contains("cubeguardian_power_state{state=\"operational\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("cubeguardian_power_state{state=\"idle\"} 0"),
            "{text}"
        );
        m.set_power_state("operational");
        assert!(m
            .render()
            .contains("cubeguardian_power_state{state=\"operational\"} 1"));
    }

    #[test]
    fn counters_and_totals_are_rendered() {
        let m = Metrics::new();
        m.startup_requested();
        m.restart(false);
        m.ratelimit(10, 2, 1, 4);
        m.digest_captured(7);
        m.digest_sent();
        m.digest_outbox(0);
        m.set_players_online(Some(3));
        let text = m.render();
        for want in [
            "cubeguardian_startups_requested_total 1",
            "cubeguardian_restarts_total{outcome=\"failed\"} 1",
            "cubeguardian_restarts_total{outcome=\"ok\"} 0",
            "cubeguardian_ratelimit_checks_total 10",
            "cubeguardian_ratelimit_tracked_entries 4",
            "cubeguardian_digest_messages_captured_total 7",
            "cubeguardian_minecraft_players_online 3",
            "cubeguardian_minecraft_up 1",
            "cubeguardian_process_uptime_seconds ",
            "# EOF",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
    }
}
