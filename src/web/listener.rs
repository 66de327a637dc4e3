//! The TCP side of the admin server, with limits that protect the rest of
//! the appliance and keep one client from starving the others: at most
//! [`MAX_CONNECTIONS`] open connections (more wait in the kernel's backlog,
//! so a flood cannot use up the process's file descriptors, which Discord
//! and Proxmox need too), at most [`MAX_CONNECTIONS_PER_CLIENT`] of them
//! from one address (more are closed at once), a request's headers must
//! arrive within [`HEADER_TIMEOUT`] (so a slow sender cannot hold a slot),
//! and connections with no traffic for [`IDLE_TIMEOUT`] are closed.
//! [`serve`] runs hyper's HTTP/1 server over it for the axum routes.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

/// Open connections at most: a phone, a laptop, Uptime Kuma and Prometheus
/// need a handful; the rest is room for browsers' parallel connections.
pub const MAX_CONNECTIONS: usize = 64;

/// Open connections from one address at most: a browser opens up to six
/// per site, so this leaves room for several on one machine (or a reverse
/// proxy) while one client alone can never take every slot.
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 16;

/// A connection with no byte read or written for this long is closed; it
/// also ends connections stuck writing to a client that does not read.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A request's headers (a few hundred bytes, one packet) must be complete
/// this long after the server starts waiting for them, or the connection
/// is closed: plenty for a phone on poor Wi-Fi, short enough that clients
/// that send headers byte by byte (slowloris) cannot hold the slots. It
/// also ends idle keep-alive connections, which browsers simply reopen.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`TcpListener`] that hands out at most [`MAX_CONNECTIONS`]
/// connections, [`MAX_CONNECTIONS_PER_CLIENT`] from one address.
pub(crate) struct CappedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    per_client: usize,
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    idle_timeout: Duration,
}

impl CappedListener {
    /// Wraps `inner` with the limits above.
    pub(crate) fn new(inner: TcpListener) -> Self {
        Self::with_limits(inner, MAX_CONNECTIONS, IDLE_TIMEOUT)
    }

    fn with_limits(inner: TcpListener, max_connections: usize, idle_timeout: Duration) -> Self {
        CappedListener {
            inner,
            slots: Arc::new(Semaphore::new(max_connections)),
            per_client: MAX_CONNECTIONS_PER_CLIENT,
            clients: Arc::default(),
            idle_timeout,
        }
    }

    /// The next connection, once a slot is free; connections beyond their
    /// address's share are closed unanswered.
    pub(crate) async fn accept(&mut self) -> (Capped, SocketAddr) {
        loop {
            // The semaphore is never closed, so acquiring only ever waits.
            let permit = match self.slots.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => std::future::pending().await,
            };
            let (io, addr) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            };
            let Some(client) = ClientSlot::take(&self.clients, addr.ip(), self.per_client) else {
                log::debug!(
                    "admin http: closed a connection from {addr}: it already has {} open",
                    self.per_client
                );
                continue;
            };
            let _ = io.set_nodelay(true);
            let conn = Capped {
                io,
                idle: Box::pin(tokio::time::sleep(self.idle_timeout)),
                idle_timeout: self.idle_timeout,
                _permit: permit,
                _client: client,
            };
            return (conn, addr);
        }
    }
}

/// A failed `accept`: the client's own trouble (it reset before we took
/// it) is skipped; anything else (out of descriptors) is logged and waited
/// out a little, not spun on.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    log::error!("admin http: cannot accept a connection: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One address's share of the open connections, given back when dropped.
struct ClientSlot {
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl ClientSlot {
    /// A slot for `ip`, unless it already has `max` connections open. The
    /// table holds only addresses with an open connection, so it never
    /// exceeds [`MAX_CONNECTIONS`] entries.
    fn take(
        clients: &Arc<Mutex<HashMap<IpAddr, usize>>>,
        ip: IpAddr,
        max: usize,
    ) -> Option<ClientSlot> {
        let ip = ip.to_canonical();
        let mut open = clients.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            clients: Arc::clone(clients),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The client's address, as `ConnectInfo<PeerAddr>` in request extensions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// Serves `app` over HTTP/1 on `listener` until `shutdown` completes, then
/// lets open requests finish.
///
/// Our own loop rather than `axum::serve`, which cannot give hyper the
/// timer its [`HEADER_TIMEOUT`] needs.
pub(crate) async fn serve(
    mut listener: CappedListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connections = TaskTracker::new();
    let stopping = CancellationToken::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
            app.clone().call(request)
        });
        let connection = http.serve_connection(TokioIo::new(io), service);
        let stopping = stopping.clone();
        connections.spawn(async move {
            let mut connection = pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = stopping.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                log::debug!("admin http: connection from {peer} ended: {e}");
            }
        });
    }
    stopping.cancel();
    connections.close();
    connections.wait().await;
}

/// One accepted connection: holds its slot until dropped and times out
/// when idle.
pub(crate) struct Capped {
    io: TcpStream,
    idle: Pin<Box<Sleep>>,
    idle_timeout: Duration,
    _permit: OwnedSemaphorePermit,
    _client: ClientSlot,
}

impl Capped {
    fn touch(&mut self) {
        self.idle.as_mut().reset(Instant::now() + self.idle_timeout);
    }

    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        self.idle.as_mut().poll(cx).is_ready()
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "idle connection closed")
}

impl AsyncRead for Capped {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending if this.timed_out(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_silent_connection_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut capped = CappedListener::with_limits(listener, 1, Duration::from_millis(100));
        let (mut conn, _) = capped.accept().await;
        let mut buf = [0u8; 16];
        // Only guards against hanging: the timeout must fire long before.
        let read = tokio::time::timeout(Duration::from_secs(30), conn.read(&mut buf));
        let err = read.await.expect("idle timeout fired").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(conn);
        // Its slot is free again: the next connection is accepted.
        let _second = TcpStream::connect(addr).await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), capped.accept())
            .await
            .expect("second connection accepted");
        let _ = client.read(&mut buf).await;
    }

    async fn connect_from(ip: &str, to: SocketAddr) -> TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(ip.parse().unwrap(), 0))
            .unwrap();
        socket.connect(to).await.unwrap()
    }

    #[tokio::test]
    async fn one_address_gets_only_its_share_of_the_slots() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut capped = CappedListener::with_limits(listener, 8, IDLE_TIMEOUT);
        capped.per_client = 2;
        let _a1 = connect_from("127.0.0.1", addr).await;
        let _a2 = connect_from("127.0.0.1", addr).await;
        let mut a3 = connect_from("127.0.0.1", addr).await;
        let _b1 = connect_from("127.0.0.2", addr).await;
        let (first, _) = capped.accept().await;
        let (_second, _) = capped.accept().await;
        // The third from 127.0.0.1 is closed; the next one comes from elsewhere.
        let (_, from) = capped.accept().await;
        assert_eq!(from.ip().to_string(), "127.0.0.2");
        let mut buf = [0u8; 16];
        let closed = tokio::time::timeout(Duration::from_secs(30), a3.read(&mut buf));
        assert!(matches!(closed.await.expect("closed"), Ok(0) | Err(_)));
        // A closed connection gives its address's slot back.
        drop(first);
        let _a4 = connect_from("127.0.0.1", addr).await;
        let (_, from) = tokio::time::timeout(Duration::from_secs(30), capped.accept())
            .await
            .expect("accepted again");
        assert_eq!(from.ip().to_string(), "127.0.0.1");
    }
}
