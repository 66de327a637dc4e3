//! The appliance's embedded database: one redb file in the state directory.
//!
//! redb commits are durable when `commit()` returns (fsync), so what the
//! store acknowledged survives a power cut. Small records (the power state,
//! the restart history, the rate limiter's bans) are JSON values in one
//! table, keyed by name; each is written only when it changes, which keeps
//! SD-card wear negligible.
//!
//! The store is synchronous; async callers run it on the blocking pool.

use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::power::machine::{State, Timestamp};

/// Name of the database file inside the state directory.
pub const FILE_NAME: &str = "cubeguardian.redb";

/// redb's page cache. The default is sized for servers; a few MiB are plenty
/// for records this small and matter on a Pi.
const CACHE_BYTES: usize = 4 * 1024 * 1024;

/// Small records, keyed by name, JSON-encoded.
pub(crate) const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");

/// The name of the power controller's record.
pub const POWER: &str = "power";

/// What the power controller must remember across restarts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerRecord {
    pub state: State,
    pub since: Timestamp,
}

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
    db: redb::Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database in `dir`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let db = redb::Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|source| match source {
                redb::DatabaseError::DatabaseAlreadyOpen => {
                    StoreError::AlreadyOpen { path: path.clone() }
                }
                source => StoreError::Open {
                    path: path.clone(),
                    source: Box::new(source),
                },
            })?;
        Ok(Store { db, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database itself, for modules that keep their own tables (the
    /// digest's archive) and need several in one transaction.
    pub(crate) fn database(&self) -> &redb::Database {
        &self.db
    }

    /// The error for a failed database `operation`.
    pub(crate) fn io_error(
        &self,
        operation: &'static str,
        source: impl Into<redb::Error>,
    ) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            operation,
            source: Box::new(source.into()),
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

    /// The last power record saved, if any.
    pub fn load_power(&self) -> Result<Option<PowerRecord>, StoreError> {
        self.load(POWER)
    }

    /// Saves the power record durably (returns once it is on disk).
    pub fn save_power(&self, record: &PowerRecord) -> Result<(), StoreError> {
        self.save(POWER, record)
    }

    /// The record `name`, if one was saved.
    pub fn load<T: DeserializeOwned>(&self, name: &'static str) -> Result<Option<T>, StoreError> {
        let io = |operation| {
            let path = self.path.clone();
            move |source: redb::Error| StoreError::Io {
                path,
                operation,
                source: Box::new(source),
            }
        };
        let txn = self.db.begin_read().map_err(|e| io("read")(e.into()))?;
        let table = match txn.open_table(RECORDS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(io("read")(e.into())),
        };
        let Some(bytes) = table.get(name).map_err(|e| io("read")(e.into()))? else {
            return Ok(None);
        };
        serde_json::from_slice(bytes.value())
            .map(Some)
            .map_err(|source| StoreError::Corrupt {
                path: self.path.clone(),
                record: name,
                source,
            })
    }

    /// Saves the record `name` durably (returns once it is on disk).
    pub fn save<T: Serialize>(&self, name: &'static str, record: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|source| StoreError::Corrupt {
            path: self.path.clone(),
            record: name,
            source,
        })?;
        let io = |source: redb::Error| StoreError::Io {
            path: self.path.clone(),
            operation: "write",
            source: Box::new(source),
        };
        let txn = self.db.begin_write().map_err(|e| io(e.into()))?;
        {
            let mut table = txn.open_table(RECORDS).map_err(|e| io(e.into()))?;
            table
                .insert(name, bytes.as_slice())
                .map_err(|e| io(e.into()))?;
        }
        txn.commit().map_err(|e| io(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::machine::Requester;

    #[test]
    fn power_record_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let record = PowerRecord {
            state: State::StartupRequested {
                by: Some(Requester {
                    id: 1,
                    name: "alice".into(),
                }),
            },
            since: Timestamp(42),
        };
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.load_power().unwrap(), None);
            store.save_power(&record).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load_power().unwrap(), Some(record));
    }

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
        let txn = store.db.begin_write().unwrap();
        {
            let mut t = txn.open_table(RECORDS).unwrap();
            t.insert(POWER, b"{not json".as_slice()).unwrap();
        }
        txn.commit().unwrap();
        let err = store.load_power().unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
