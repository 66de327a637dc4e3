//! The appliance's embedded database: one redb file in the state directory.
//!
//! redb commits are durable when `commit()` returns (fsync), so what the
//! store acknowledged survives a power cut. Small records (the power state,
//! the restart history, the rate limiter's bans) are JSON values in one
//! table, keyed by name; each is written only when it changes, which keeps
//! SD-card wear negligible.
//!
//! The store is synchronous and may wait for the SD card: async callers
//! run it on tokio's blocking pool ([`tokio::task::spawn_blocking`]), never
//! on the event loop, so heartbeats and the power loop never wait on a
//! commit. That is the one rule for everything that touches the database.
//!
//! After an I/O error (disk full, a read-only remount) redb refuses every
//! further operation on that handle; the store then drops it and the next
//! operation opens the file again, so writing works again as soon as the
//! disk does. A database that cannot be opened at all is set aside and the
//! appliance runs degraded ([`Store::open_or_degrade`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use redb::{ReadableDatabase, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Name of the database file inside the state directory.
pub const FILE_NAME: &str = "cubeguardian.redb";

/// redb's page cache. The default is sized for servers; records this small
/// need little, and a digest reads its window once, in key order, so a
/// bigger cache only raised its peak memory (issue 14).
const CACHE_BYTES: usize = 1024 * 1024;

/// Small records, keyed by name, JSON-encoded.
pub(crate) const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the state directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database {path} is already open: is another cubeguardian running?")]
    AlreadyOpen { path: PathBuf },
    #[error("cannot open the database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<redb::DatabaseError>,
    },
    #[error("database {path}: {operation} failed")]
    Io {
        path: PathBuf,
        operation: &'static str,
        #[source]
        source: Box<redb::Error>,
    },
    #[error("database {path}: the stored `{record}` record is unreadable")]
    Corrupt {
        path: PathBuf,
        record: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// The open database. Share it behind an `Arc`; redb serialises writers.
pub struct Store {
    /// The open handle; `None` once an I/O error has made redb refuse it,
    /// until [`Store::database`] opens the file again.
    db: RwLock<Option<Arc<redb::Database>>>,
    path: PathBuf,
    /// A degraded run's throwaway database, which is never reopened.
    in_memory: bool,
}

/// Why the appliance runs without its database file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// What went wrong, for the log, `STATUS=`, `/health` and the admin.
    pub reason: String,
    /// Where the damaged file was moved, if there was one to keep.
    pub kept: Option<PathBuf>,
}

impl Store {
    /// Opens (or creates) the database in `dir`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let db = open_file(&path)?;
        Ok(Store {
            db: RwLock::new(Some(Arc::new(db))),
            path,
            in_memory: false,
        })
    }

    /// [`Store::open`] for the service, which must come up even when its
    /// database does not: a file redb cannot open is renamed
    /// `cubeguardian.redb.corrupt-<unix seconds>` (kept for recovery, and
    /// so the next start begins with a fresh file) and this run gets an
    /// in-memory database instead, with the [`Damage`] to report. Only
    /// another running instance is still an error.
    pub fn open_or_degrade(dir: &Path) -> Result<(Self, Option<Damage>), StoreError> {
        let error = match Store::open(dir) {
            Ok(store) => return Ok((store, None)),
            Err(e @ StoreError::AlreadyOpen { .. }) => return Err(e),
            Err(e) => e,
        };
        let path = dir.join(FILE_NAME);
        let mut reason = chain(&error);
        let kept = match &error {
            StoreError::Open { .. } => {
                let at = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let aside = dir.join(format!("{FILE_NAME}.corrupt-{at}"));
                match std::fs::rename(&path, &aside) {
                    Ok(()) => Some(aside),
                    Err(e) => {
                        reason.push_str(&format!(
                            "; it could not be set aside as {} either: {e}",
                            aside.display()
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        let db = redb::Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source: Box::new(source),
            })?;
        let store = Store {
            db: RwLock::new(Some(Arc::new(db))),
            path,
            in_memory: true,
        };
        Ok((store, Some(Damage { reason, kept })))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database itself, for modules that keep their own tables (the
    /// digest's archive) and need several in one transaction. Reopens the
    /// file when an earlier I/O error made redb drop the handle. Blocking.
    pub(crate) fn database(&self) -> Result<Arc<redb::Database>, StoreError> {
        if let Some(db) = &*self.db.read().unwrap_or_else(|p| p.into_inner()) {
            return Ok(Arc::clone(db));
        }
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if let Some(db) = &*slot {
            return Ok(Arc::clone(db));
        }
        let db = Arc::new(open_file(&self.path)?);
        log::info!("database {}: reopened", self.path.display());
        *slot = Some(Arc::clone(&db));
        Ok(db)
    }

    /// The error for a failed database `operation`. An I/O error leaves
    /// redb's handle refusing everything, so it is dropped here and the next
    /// operation reopens the file.
    pub(crate) fn io_error(
        &self,
        operation: &'static str,
        source: impl Into<redb::Error>,
    ) -> StoreError {
        let source = source.into();
        if !self.in_memory
            && matches!(
                source,
                redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed
            )
        {
            let dropped = self
                .db
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .is_some();
            if dropped {
                log::warn!(
                    "database {}: {operation} failed ({source}); it will be reopened",
                    self.path.display()
                );
            }
        }
        StoreError::Io {
            path: self.path.clone(),
            operation,
            source: Box::new(source),
        }
    }

    /// The error for a stored record that does not decode.
    pub(crate) fn corrupt(&self, record: &'static str, source: serde_json::Error) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            record,
            source,
        }
    }

    /// The record `name`, if one was saved.
    pub fn load<T: DeserializeOwned>(&self, name: &'static str) -> Result<Option<T>, StoreError> {
        let txn = self
            .database()?
            .begin_read()
            .map_err(|e| self.io_error("read", e))?;
        let table = match txn.open_table(RECORDS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.io_error("read", e)),
        };
        let Some(bytes) = table.get(name).map_err(|e| self.io_error("read", e))? else {
            return Ok(None);
        };
        serde_json::from_slice(bytes.value())
            .map(Some)
            .map_err(|source| self.corrupt(name, source))
    }

    /// Saves the record `name` durably (returns once it is on disk).
    pub fn save<T: Serialize>(&self, name: &'static str, record: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|source| self.corrupt(name, source))?;
        let txn = self
            .database()?
            .begin_write()
            .map_err(|e| self.io_error("write", e))?;
        {
            let mut table = txn
                .open_table(RECORDS)
                .map_err(|e| self.io_error("write", e))?;
            table
                .insert(name, bytes.as_slice())
                .map_err(|e| self.io_error("write", e))?;
        }
        txn.commit().map_err(|e| self.io_error("commit", e))
    }
}

/// Opens (or creates) the database file at `path`.
fn open_file(path: &Path) -> Result<redb::Database, StoreError> {
    redb::Database::builder()
        .set_cache_size(CACHE_BYTES)
        .create(path)
        .map_err(|source| match source {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen {
                path: path.to_path_buf(),
            },
            source => StoreError::Open {
                path: path.to_path_buf(),
                source: Box::new(source),
            },
        })
}

/// `error` and its causes on one line, as the admin reads them.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_open_says_another_instance_runs() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        let err = Store::open(dir.path()).err().unwrap();
        assert!(err.to_string().contains("another cubeguardian"), "{err}");
    }

    #[test]
    fn unreadable_record_is_reported_not_panicked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let txn = store.database().unwrap().begin_write().unwrap();
        {
            let mut t = txn.open_table(RECORDS).unwrap();
            t.insert("power", b"{not json".as_slice()).unwrap();
        }
        txn.commit().unwrap();
        let err = store.load::<serde_json::Value>("power").unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
