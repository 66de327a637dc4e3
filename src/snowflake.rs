//! Maps and sets keyed by Discord ids (users, channels, authors), with a
//! hasher made for them. Discord assigns the ids, so nobody can pick keys
//! that collide, and std's SipHash, which resists exactly that, costs about
//! as much as the rest of a rate-limit check or a digest's per-message
//! lookups. [`SnowflakeHasher`] is a 64-bit finalizer (xor-shift-multiply,
//! as in MurmurHash3) that spreads every bit of a snowflake over the low
//! bits a table indexes by. Keys members choose (link texts) keep SipHash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The hasher for id-keyed maps (see the module docs for why not SipHash).
#[derive(Debug, Default, Clone, Copy)]
pub struct SnowflakeHasher {
    state: u64,
}

impl Hasher for SnowflakeHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used for `u64` keys; a plain FNV-1a fold keeps other key types
        // working.
        for &b in bytes {
            self.state = (self.state ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.state = self.state.rotate_left(29) ^ n;
    }

    fn finish(&self) -> u64 {
        let mut k = self.state;
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }
}

/// A map keyed by a Discord id.
pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<SnowflakeHasher>>;

/// A set of Discord ids.
pub type IdSet = HashSet<u64, BuildHasherDefault<SnowflakeHasher>>;
