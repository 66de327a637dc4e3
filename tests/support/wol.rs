//! A stand-in for the machine to wake: a UDP listener on 127.0.0.1 that
//! decodes Wake-on-LAN magic packets and records which MACs they carried.
//!
//! Datagrams that are not valid magic packets (wrong size, no 6×0xFF
//! header, repetitions that differ) are counted separately, so a test can
//! tell "nothing arrived" from "something malformed arrived".
#![allow(dead_code)]

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Size of a magic packet: 6 bytes of 0xFF, then the MAC 16 times.
const MAGIC_PACKET_LEN: usize = 6 + 16 * 6;

#[derive(Default)]
struct Received {
    macs: Vec<[u8; 6]>,
    invalid: usize,
}

/// A running listener; dropping it stops it.
pub struct WolListener {
    addr: SocketAddr,
    received: Arc<Mutex<Received>>,
    /// Number of valid packets so far, for `wait_for_packets`.
    count: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl WolListener {
    /// Listens on 127.0.0.1 on a free port. Needs a running tokio runtime.
    pub async fn start() -> io::Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let addr = socket.local_addr()?;
        let received = Arc::new(Mutex::new(Received::default()));
        let (count_tx, count) = watch::channel(0);
        let task = tokio::spawn(receive_loop(socket, Arc::clone(&received), count_tx));
        Ok(WolListener {
            addr,
            received,
            count,
            task,
        })
    }

    /// Where to send magic packets.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// MACs of the valid magic packets received so far, in arrival order.
    pub fn packets(&self) -> Vec<[u8; 6]> {
        self.received.lock().unwrap().macs.clone()
    }

    /// Number of datagrams that were not valid magic packets.
    pub fn invalid_datagrams(&self) -> usize {
        self.received.lock().unwrap().invalid
    }

    /// Waits until at least `n` valid packets have arrived or `timeout`
    /// passed, then returns all MACs received so far (check the length).
    pub async fn wait_for_packets(&self, n: usize, timeout: Duration) -> Vec<[u8; 6]> {
        let mut count = self.count.clone();
        let _ = tokio::time::timeout(timeout, count.wait_for(|&received| received >= n)).await;
        self.packets()
    }
}

impl Drop for WolListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive_loop(
    socket: UdpSocket,
    received: Arc<Mutex<Received>>,
    count: watch::Sender<usize>,
) {
    // One byte larger than a magic packet, so an oversized datagram is seen
    // as oversized rather than silently cut to the right length.
    let mut buffer = [0u8; MAGIC_PACKET_LEN + 1];
    loop {
        let Ok((len, _from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let decoded = decode_magic_packet(&buffer[..len]);
        let total = {
            let mut received = received.lock().unwrap();
            match decoded {
                Some(mac) => received.macs.push(mac),
                None => received.invalid += 1,
            }
            received.macs.len()
        };
        count.send_replace(total);
    }
}

/// The MAC a magic packet is for, or `None` if the datagram is not one.
pub fn decode_magic_packet(datagram: &[u8]) -> Option<[u8; 6]> {
    if datagram.len() != MAGIC_PACKET_LEN || datagram[..6] != [0xFF; 6] {
        return None;
    }
    let mac: [u8; 6] = datagram[6..12].try_into().ok()?;
    datagram[6..]
        .chunks(6)
        .all(|repetition| repetition == mac)
        .then_some(mac)
}
