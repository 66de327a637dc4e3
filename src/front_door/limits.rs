//! The connection caps: at most so many connections in total and from one
//! address, held as [`Slot`]s that give their place back when dropped, so
//! no exit path of a connection can leak one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The counts, behind one lock (taken for a few instructions per accept).
#[derive(Debug)]
pub struct Slots {
    inner: Arc<Mutex<Counts>>,
}

#[derive(Debug)]
struct Counts {
    total: u32,
    per_address: HashMap<IpAddr, u32>,
    max_total: u32,
    max_per_address: u32,
}

/// One connection's place; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    counts: Arc<Mutex<Counts>>,
    address: IpAddr,
}

impl Slots {
    pub fn new(max_total: u32, max_per_address: u32) -> Slots {
        Slots {
            inner: Arc::new(Mutex::new(Counts {
                total: 0,
                per_address: HashMap::new(),
                max_total,
                max_per_address,
            })),
        }
    }

    /// A place for a connection from `address`, or `None` over a limit.
    pub fn take(&self, address: IpAddr) -> Option<Slot> {
        let mut counts = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if counts.total >= counts.max_total {
            return None;
        }
        let max = counts.max_per_address;
        let used = counts.per_address.entry(address).or_insert(0);
        if *used >= max {
            return None;
        }
        *used += 1;
        counts.total += 1;
        Some(Slot {
            counts: Arc::clone(&self.inner),
            address,
        })
    }

    /// Connections held now.
    pub fn total(&self) -> u32 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(used) = counts.per_address.get_mut(&self.address) {
            *used -= 1;
            if *used == 0 {
                // Forgotten, so the map only holds connected addresses.
                counts.per_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let slots = Slots::new(3, 2);
        let a1 = slots.take(ip(1)).unwrap();
        let _a2 = slots.take(ip(1)).unwrap();
        assert!(slots.take(ip(1)).is_none(), "per-address limit");
        let _b1 = slots.take(ip(2)).unwrap();
        assert!(slots.take(ip(3)).is_none(), "total limit");
        drop(a1);
        assert_eq!(slots.total(), 2);
        assert!(slots.take(ip(3)).is_some(), "a freed place is reusable");
    }

    #[test]
    fn addresses_are_forgotten_when_their_last_connection_ends() {
        let slots = Slots::new(10, 1);
        drop(slots.take(ip(1)).unwrap());
        assert!(slots.inner.lock().unwrap().per_address.is_empty());
        assert!(slots.take(ip(1)).is_some());
    }
}
