//! A stand-in Minecraft server speaking the Server List Ping (status)
//! protocol on a loopback address, for tests and example programs.
//!
//! Its answer is settable (version, players, MOTD), it can go offline and
//! come back on the same port, misbehave (garbage, silence), and it counts
//! the status requests it receives. It implements the protocol on its own —
//! nothing is shared with the client under test.
#![allow(dead_code)]

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// How the stand-in answers a status request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A correct status response, then a pong.
    Normal,
    /// These bytes instead of the status response; then the server stops
    /// sending and waits for the client to hang up.
    Garbage(Vec<u8>),
    /// Reads the request and never answers (until the client hangs up).
    Silent,
}

#[derive(Debug, Clone)]
struct Settings {
    version: String,
    protocol: i32,
    online: u32,
    max: u32,
    description: serde_json::Value,
    mode: Mode,
}

struct Shared {
    settings: Mutex<Settings>,
    pings: AtomicU64,
}

/// A running stand-in server. Dropping it stops it.
pub struct MinecraftStandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// The accept loop while online; `None` while offline.
    server: Mutex<Option<JoinHandle<()>>>,
}

impl MinecraftStandIn {
    /// Starts a server on a loopback address of its own (a free port), online, answering like a
    /// vanilla 1.21.1 server with 0 of 20 players and the MOTD "A Minecraft Server".
    /// Needs a running tokio runtime.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((own_loopback(), 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            settings: Mutex::new(Settings {
                version: "1.21.1".to_owned(),
                protocol: 767,
                online: 0,
                max: 20,
                description: serde_json::json!({ "text": "A Minecraft Server" }),
                mode: Mode::Normal,
            }),
            pings: AtomicU64::new(0),
        });
        let server = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(MinecraftStandIn {
            addr,
            shared,
            server: Mutex::new(Some(server)),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address as the client's config would spell it, "127.a.b.c:port".
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    pub fn set_players(&self, online: u32, max: u32) {
        let mut settings = self.settings();
        settings.online = online;
        settings.max = max;
    }

    pub fn set_version(&self, name: &str, protocol: i32) {
        let mut settings = self.settings();
        settings.version = name.to_owned();
        settings.protocol = protocol;
    }

    /// Sets the MOTD as a `{"text": motd}` chat component (`§` codes allowed).
    pub fn set_motd(&self, motd: &str) {
        self.settings().description = serde_json::json!({ "text": motd });
    }

    /// Sets the raw `description` JSON value (a string or any chat component).
    pub fn set_description(&self, description: serde_json::Value) {
        self.settings().description = description;
    }

    pub fn set_mode(&self, mode: Mode) {
        self.settings().mode = mode;
    }

    /// Number of status requests received (one per client ping), in any mode.
    pub fn pings(&self) -> u64 {
        self.shared.pings.load(Ordering::SeqCst)
    }

    /// Whether the server is currently listening.
    pub fn is_online(&self) -> bool {
        self.server.lock().unwrap().is_some()
    }

    /// Offline: closes the listener and every open connection, so new
    /// connections are refused. Online: listens again on the same port.
    pub async fn set_online(&self, online: bool) -> io::Result<()> {
        if online {
            if self.is_online() {
                return Ok(());
            }
            let listener = bind_again(self.addr).await?;
            let server = tokio::spawn(accept_loop(listener, Arc::clone(&self.shared)));
            *self.server.lock().unwrap() = Some(server);
        } else {
            let server = self.server.lock().unwrap().take();
            if let Some(server) = server {
                server.abort();
                // Returns once the task is gone, i.e. the listener is closed.
                let _ = server.await;
            }
        }
        Ok(())
    }

    fn settings(&self) -> std::sync::MutexGuard<'_, Settings> {
        self.shared.settings.lock().unwrap()
    }
}

impl Drop for MinecraftStandIn {
    fn drop(&mut self) {
        if let Ok(mut server) = self.server.lock() {
            if let Some(server) = server.take() {
                server.abort();
            }
        }
    }
}

/// A loopback address of the stand-in's own, in 127.0.0.0/8 but not
/// 127.0.0.1: while the server is off its port is free, and the tests
/// around it take free ports on 127.0.0.1; on an address of its own, none
/// of them can take the port before the server comes back on.
fn own_loopback() -> std::net::Ipv4Addr {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let [a, b, c, ..] = bits.to_le_bytes();
    std::net::Ipv4Addr::new(127, a.max(1), b, c.clamp(2, 254))
}

/// Rebinds the port we had. Retries briefly in case the old socket is still
/// being torn down.
async fn bind_again(addr: SocketAddr) -> io::Result<TcpListener> {
    let mut attempts = 0;
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(_) if attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Accepts connections until aborted; aborting it drops the listener and the
/// `JoinSet`, which aborts every connection task too.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Largest packet the stand-in reads; real requests are a few bytes.
const MAX_REQUEST_BYTES: usize = 1024;

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let handshake = read_packet(&mut stream).await?;
    let mut cursor = &handshake[..];
    let id = take_varint(&mut cursor)?;
    let _protocol = take_varint(&mut cursor)?;
    let host_len = usize::try_from(take_varint(&mut cursor)?).map_err(|_| invalid("bad host"))?;
    if id != 0 || cursor.len() < host_len + 2 {
        return Err(invalid("bad handshake"));
    }
    cursor = &cursor[host_len + 2..];
    if take_varint(&mut cursor)? != 1 {
        // Only the status protocol is implemented (no login).
        return Ok(());
    }
    if read_packet(&mut stream).await? != [0x00] {
        return Err(invalid("expected a status request"));
    }
    shared.pings.fetch_add(1, Ordering::SeqCst);

    let settings = shared.settings.lock().unwrap().clone();
    match settings.mode {
        Mode::Silent => drain(stream).await,
        Mode::Garbage(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
            drain(stream).await
        }
        Mode::Normal => {
            let json = serde_json::json!({
                "version": { "name": settings.version, "protocol": settings.protocol },
                "players": { "max": settings.max, "online": settings.online, "sample": [] },
                "description": settings.description,
                "enforcesSecureChat": false,
            })
            .to_string();
            let mut body = vec![0x00];
            put_varint(&mut body, json.len() as i32);
            body.extend_from_slice(json.as_bytes());
            stream.write_all(&frame(&body)).await?;

            let ping = read_packet(&mut stream).await?;
            if ping.len() != 9 || ping[0] != 0x01 {
                return Err(invalid("expected a ping"));
            }
            // The pong echoes the ping's payload.
            stream.write_all(&frame(&ping)).await?;
            drain(stream).await
        }
    }
}

/// Reads until the client hangs up, so that closing never discards unread
/// bytes (which would make the kernel reset the connection).
async fn drain(mut stream: TcpStream) -> io::Result<()> {
    let mut sink = [0u8; 256];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}

async fn read_packet(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut length: u32 = 0;
    for index in 0..5 {
        let byte = stream.read_u8().await?;
        length |= u32::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            let length = length as usize;
            if length == 0 || length > MAX_REQUEST_BYTES {
                return Err(invalid("bad packet length"));
            }
            let mut body = vec![0; length];
            stream.read_exact(&mut body).await?;
            return Ok(body);
        }
    }
    Err(invalid("varint too long"))
}

fn take_varint(cursor: &mut &[u8]) -> io::Result<i32> {
    let mut value: u32 = 0;
    for index in 0..5 {
        let (&byte, rest) = cursor
            .split_first()
            .ok_or_else(|| invalid("short varint"))?;
        *cursor = rest;
        value |= u32::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok(value as i32);
        }
    }
    Err(invalid("varint too long"))
}

fn put_varint(out: &mut Vec<u8>, value: i32) {
    let mut rest = value as u32;
    while rest >= 0x80 {
        out.push((rest as u8 & 0x7f) | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    put_varint(&mut out, body.len() as i32);
    out.extend_from_slice(body);
    out
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}
