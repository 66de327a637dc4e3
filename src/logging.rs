//! Where log lines go: the systemd journal, with structured fields, when the
//! service runs under systemd (`JOURNAL_STREAM` names our stderr); plain
//! stderr otherwise, so a terminal run stays readable.
//!
//! Nothing here ever logs a secret: secrets are [`crate::secret::Secret`]s,
//! which print as `[redacted]`.

use std::io::Write;
use std::sync::Arc;

use crate::web::{LogRing, TeeLogger};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Installs the logger for the whole process. Call once, first thing.
/// Every line kept also goes to `ring`, for the admin page.
pub fn init(level: LevelFilter, ring: Arc<LogRing>) {
    let logger: Box<dyn Log> = match journal() {
        Some(journal) => Box::new(OwnLinesFirst(TeeLogger::new(journal, ring))),
        None => Box::new(OwnLinesFirst(TeeLogger::new(StderrLog, ring))),
    };
    // Only fails if a logger is already installed (tests), which is fine.
    let _ = log::set_boxed_logger(logger);
    log::set_max_level(level);
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

/// Keeps our own records and only the warnings and errors of dependencies:
/// at info they are chatty (connections, heartbeats) and drown what an admin
/// needs to read.
struct OwnLinesFirst<L>(L);

impl<L: Log> Log for OwnLinesFirst<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        (metadata.target().starts_with("cubeguardian") || metadata.level() <= Level::Warn)
            && self.0.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
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
