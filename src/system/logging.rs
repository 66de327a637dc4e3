//! Where log lines go: the systemd journal, with structured fields, when the
//! service runs under systemd (`JOURNAL_STREAM` names our stderr); plain
//! stderr otherwise, so a terminal run stays readable.
//!
//! Nothing here ever logs a secret: secrets are [`crate::system::secret::Secret`]s,
//! which print as `[redacted]`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::system::logring::{LogRing, TeeLogger};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The configured level (`log.level`), as `LevelFilter as usize`; changed
/// by a configuration reload.
static LEVEL: AtomicUsize = AtomicUsize::new(LevelFilter::Info as usize);

/// Installs the logger for the whole process. Call once, first thing.
/// Every line kept also goes to `ring`, for the admin page.
pub fn init(level: LevelFilter, ring: Arc<LogRing>, gateway: GatewayWatch) {
    set_level(level);
    let logger: Box<dyn Log> = match journal() {
        Some(journal) => Box::new(OwnLinesFirst {
            inner: TeeLogger::new(journal, ring),
            gateway,
        }),
        None => Box::new(OwnLinesFirst {
            inner: TeeLogger::new(StderrLog, ring),
            gateway,
        }),
    };
    // Only fails if a logger is already installed (tests), which is fine.
    let _ = log::set_boxed_logger(logger);
    // serenity's gateway records are read at debug level whatever the
    // configured level (see `discord::watch_gateway_log`); the logger
    // applies `level` to what it writes.
    log::set_max_level(level.max(LevelFilter::Debug));
}

/// Changes the level of what is written (a configuration reload).
pub fn set_level(level: LevelFilter) {
    LEVEL.store(level as usize, Ordering::Relaxed);
    log::set_max_level(level.max(LevelFilter::Debug));
}

fn level() -> LevelFilter {
    match LEVEL.load(Ordering::Relaxed) {
        0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

fn journal() -> Option<systemd_journal_logger::JournalLog> {
    if !systemd_journal_logger::connected_to_journal() {
        return None;
    }
    let journal = systemd_journal_logger::JournalLog::new().ok()?;
    Some(
        journal
            .with_extra_fields([("CUBEGUARDIAN_VERSION", env!("CARGO_PKG_VERSION"))])
            .with_syslog_identifier("cubeguardian".to_owned()),
    )
}

/// Longest serenity gateway record looked at by the gateway watch.
const GATEWAY_LINE: usize = 256;

/// Keeps our own records up to the configured level and only the warnings
/// and errors of dependencies: at info they are chatty (connections,
/// heartbeats) and drown what an admin needs to read. serenity's gateway
/// records are also shown to the gateway watch before being filtered.
struct OwnLinesFirst<L> {
    inner: L,
    gateway: GatewayWatch,
}

/// Who is shown serenity's gateway log lines (the Discord side, which
/// learns from them that the connection is being re-established). Passed
/// in by the binary so that logging, below every other part, calls up
/// without importing it.
pub type GatewayWatch = fn(target: &str, message: &str);

impl<L: Log> OwnLinesFirst<L> {
    fn writes(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= level()
            && (metadata.target().starts_with("cubeguardian") || metadata.level() <= Level::Warn)
            && self.inner.enabled(metadata)
    }
}

impl<L: Log> Log for OwnLinesFirst<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("serenity::gateway") || self.writes(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if record.target().starts_with("serenity::gateway") {
            // The messages watched are short; a long one (a whole payload
            // at debug level) stops formatting as soon as the buffer is
            // full, so it costs nothing and is skipped.
            let mut text = heapless::String::<GATEWAY_LINE>::new();
            if std::fmt::write(&mut text, *record.args()).is_ok() {
                (self.gateway)(record.target(), &text);
            }
        }
        if self.writes(record.metadata()) {
            self.inner.log(record);
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// One line per record: `LEVEL module: message`.
struct StderrLog;

impl Log for StderrLog {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{:<5} {}: {}",
            record.level(),
            record.target(),
            record.args()
        );
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}
