//! What the power controller remembers across restarts: the state and
//! since when, one small record in the [`Store`]. The next start
//! reconciles it with what the probes see, so a record a crash left stale
//! is corrected, never trusted blindly.

use serde::{Deserialize, Serialize};

use crate::power::machine::State;
use crate::store::{Store, StoreError};
use crate::time::Timestamp;

/// The record's name in the store.
const RECORD: &str = "power";

/// The power state as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerRecord {
    pub state: State,
    pub since: Timestamp,
}

impl PowerRecord {
    /// The last record saved, if any.
    pub fn load(store: &Store) -> Result<Option<PowerRecord>, StoreError> {
        store.load(RECORD)
    }

    /// Saves the record durably (returns once it is on disk).
    pub fn save(&self, store: &Store) -> Result<(), StoreError> {
        store.save(RECORD, self)
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
            assert_eq!(PowerRecord::load(&store).unwrap(), None);
            record.save(&store).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(PowerRecord::load(&store).unwrap(), Some(record));
    }

    #[test]
    fn a_corrupt_record_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.save(RECORD, &"not a power record").unwrap();
        let err = PowerRecord::load(&store).unwrap_err();
        assert!(err.to_string().contains("power"), "{err}");
    }
}
