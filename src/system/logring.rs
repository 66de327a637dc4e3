//! The last few hundred log lines, kept in memory for the admin page.
//!
//! [`LogRing`] is a fixed-size ring (`heapless::HistoryBuf` of fixed-size
//! strings): its memory is allocated once, the oldest line is overwritten by
//! the newest, and nothing grows however chatty the process gets.
//! [`TeeLogger`] wraps the real logger (journal or stderr) and copies every
//! record it lets through into the ring.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use heapless::HistoryBuf;
use log::{Log, Metadata, Record};

/// How many lines the admin page can show: a few hundred covers the last
/// hours of a quiet appliance and a burst of errors on a busy one.
pub const LOG_LINES: usize = 300;

/// Longest line kept, in bytes; longer lines end with `…`. Together with
/// [`LOG_LINES`] this fixes the ring at about 75 KiB.
pub const LOG_LINE_BYTES: usize = 240;

type Line = heapless::String<LOG_LINE_BYTES>;

/// One remembered log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// When it was pushed, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// The line, e.g. `INFO  cubeguardian::power: woke the host`.
    pub text: String,
}

/// A fixed-size, thread-safe ring of the most recent log lines.
pub struct LogRing {
    buf: Mutex<HistoryBuf<(u64, Line), LOG_LINES>>,
}

impl fmt::Debug for LogRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogRing")
            .field("lines", &self.lock().len())
            .finish()
    }
}

impl Default for LogRing {
    fn default() -> Self {
        Self::new()
    }
}

impl LogRing {
    /// An empty ring. `const`, so it can also live in a `static`.
    pub const fn new() -> Self {
        LogRing {
            buf: Mutex::new(HistoryBuf::new()),
        }
    }

    /// Remembers `line` (truncated to [`LOG_LINE_BYTES`]), dropping the oldest
    /// line when the ring is full.
    pub fn push(&self, line: &str) {
        let mut w = Truncating::default();
        let _ = w.write_str(line);
        self.store(w.finish());
    }

    /// Formats outside the lock (a `Display` impl that logs must not
    /// deadlock), then stores.
    fn push_record(&self, record: &Record<'_>) {
        let mut w = Truncating::default();
        let _ = write!(
            w,
            "{:<5} {}: {}",
            record.level(),
            record.target(),
            record.args()
        );
        self.store(w.finish());
    }

    fn store(&self, line: Line) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        self.lock().write((now, line));
    }

    /// The remembered lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lock()
            .oldest_ordered()
            .map(|(_, l)| l.as_str().to_owned())
            .collect()
    }

    /// The remembered lines with their times, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.lock()
            .oldest_ordered()
            .map(|(at, l)| LogEntry {
                at_unix_ms: *at,
                text: l.as_str().to_owned(),
            })
            .collect()
    }

    /// A panic elsewhere while holding the lock leaves whole lines behind,
    /// so a poisoned ring is still good to read and write.
    fn lock(&self) -> MutexGuard<'_, HistoryBuf<(u64, Line), LOG_LINES>> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Writes into a fixed-size string, cutting at a character boundary and
/// ending with `…` when the text does not fit.
#[derive(Default)]
struct Truncating {
    line: Line,
    truncated: bool,
}

impl Truncating {
    fn finish(mut self) -> Line {
        if self.truncated {
            while self.line.len() + '…'.len_utf8() > LOG_LINE_BYTES {
                self.line.pop();
            }
            let _ = self.line.push('…');
        }
        self.line
    }
}

impl fmt::Write for Truncating {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.truncated {
            return Ok(());
        }
        let room = LOG_LINE_BYTES - self.line.len();
        if s.len() <= room {
            let _ = self.line.push_str(s);
        } else {
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = self.line.push_str(&s[..cut]);
            self.truncated = true;
        }
        // Never report an error: a formatting error would make `write!`
        // callers think the record itself was broken.
        Ok(())
    }
}

/// A logger that forwards to `inner` and copies what `inner` accepts into a
/// [`LogRing`], as `LEVEL target: message`.
pub struct TeeLogger<L> {
    inner: L,
    ring: Arc<LogRing>,
}

impl<L: Log> TeeLogger<L> {
    /// Wraps `inner`; the ring sees exactly the records `inner` is enabled for.
    pub fn new(inner: L, ring: Arc<LogRing>) -> Self {
        TeeLogger { inner, ring }
    }
}

impl<L: Log> Log for TeeLogger<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if self.inner.enabled(record.metadata()) {
            self.ring.push_record(record);
            self.inner.log(record);
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_lines_in_order() {
        let ring = LogRing::new();
        for i in 0..LOG_LINES + 5 {
            ring.push(&format!("line {i}"));
        }
        let lines = ring.lines();
        assert_eq!(lines.len(), LOG_LINES);
        assert_eq!(lines[0], "line 5");
        assert_eq!(lines[LOG_LINES - 1], format!("line {}", LOG_LINES + 4));
    }

    #[test]
    fn long_lines_are_cut_at_a_char_boundary_with_an_ellipsis() {
        let ring = LogRing::new();
        let long = "é".repeat(LOG_LINE_BYTES);
        ring.push(&long);
        let line = &ring.lines()[0];
        assert!(line.len() <= LOG_LINE_BYTES);
        assert!(line.ends_with('…'));
        assert!(line.trim_end_matches('…').chars().all(|c| c == 'é'));
    }

    #[test]
    fn a_line_that_fits_exactly_is_kept_whole() {
        let ring = LogRing::new();
        let exact = "x".repeat(LOG_LINE_BYTES);
        ring.push(&exact);
        assert_eq!(ring.lines()[0], exact);
    }

    struct Counting(std::sync::atomic::AtomicUsize);
    impl Log for Counting {
        fn enabled(&self, m: &Metadata<'_>) -> bool {
            m.level() <= log::Level::Info
        }
        fn log(&self, _: &Record<'_>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        fn flush(&self) {}
    }

    #[test]
    fn tee_copies_what_the_inner_logger_accepts() {
        let ring = Arc::new(LogRing::new());
        let tee = TeeLogger::new(Counting(Default::default()), ring.clone());
        let args = format_args!("hello {}", 42);
        tee.log(
            &Record::builder()
                .level(log::Level::Warn)
                .target("cubeguardian::power")
                .args(args)
                .build(),
        );
        tee.log(
            &Record::builder()
                .level(log::Level::Debug)
                .target("cubeguardian::power")
                .args(format_args!("noise"))
                .build(),
        );
        assert_eq!(ring.lines(), vec!["WARN  cubeguardian::power: hello 42"]);
        assert_eq!(tee.inner.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
