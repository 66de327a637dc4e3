//! The Server List Ping client: one TCP connection, handshake and status
//! request, the status answer, then ping/pong for the latency, all under
//! one deadline. The bytes are built and read by the pure [`super::status`]
//! and [`super::codec`]; this file only moves them.

use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::codec::{self, DecodeError};
use super::status::{self, MAX_PACKET_BYTES};
use super::{MinecraftError, ServerStatus, DEFAULT_PORT};

/// Asks the server at `address` ("host:port", "host", `[v6]:port`; the port
/// defaults to [`DEFAULT_PORT`]) for its status.
///
/// `timeout` bounds the whole exchange — name resolution, connect, status and
/// ping — so a server that accepts the connection and then stays silent cannot
/// hold the caller longer than that.
pub async fn ping(address: &str, timeout: Duration) -> Result<ServerStatus, MinecraftError> {
    let (host, port) =
        crate::peers::address::split_host_port(address, DEFAULT_PORT).map_err(|reason| {
            MinecraftError::InvalidAddress {
                address: address.to_owned(),
                reason,
            }
        })?;
    match tokio::time::timeout(timeout, exchange(&host, port)).await {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(failure)) => Err(failure.into_error(address)),
        Err(_elapsed) => Err(MinecraftError::Timeout {
            address: address.to_owned(),
            timeout,
        }),
    }
}

/// The raw status JSON of the server at `address` (favicon included), for
/// the front door to show while that server sleeps. Same deadline rule as
/// [`ping`]; no ping/pong, the latency is not wanted.
pub async fn status_json(address: &str, timeout: Duration) -> Result<String, MinecraftError> {
    let (host, port) =
        crate::peers::address::split_host_port(address, DEFAULT_PORT).map_err(|reason| {
            MinecraftError::InvalidAddress {
                address: address.to_owned(),
                reason,
            }
        })?;
    let fetch = async {
        let mut stream = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(Failure::Connect)?;
        let mut request = status::handshake(&host, port);
        request.extend_from_slice(&status::status_request());
        stream.write_all(&request).await.map_err(Failure::Io)?;
        let body = PacketReader::default().next_packet(&mut stream).await?;
        let json = status::decode_status_response(&body)?;
        // Checked here so that a broken answer is never remembered.
        status::parse_status_json(json)?;
        Ok::<_, Failure>(json.to_owned())
    };
    match tokio::time::timeout(timeout, fetch).await {
        Ok(Ok(json)) => Ok(json),
        Ok(Err(failure)) => Err(failure.into_error(address)),
        Err(_elapsed) => Err(MinecraftError::Timeout {
            address: address.to_owned(),
            timeout,
        }),
    }
}

/// What went wrong inside the exchange, before we know which address to name.
#[derive(Debug)]
enum Failure {
    Connect(io::Error),
    Io(io::Error),
    /// The server closed the connection cleanly between two packets.
    Closed,
    Decode(DecodeError),
}

impl From<DecodeError> for Failure {
    fn from(error: DecodeError) -> Self {
        Failure::Decode(error)
    }
}

impl Failure {
    fn into_error(self, address: &str) -> MinecraftError {
        let address = address.to_owned();
        match self {
            Failure::Connect(source) | Failure::Io(source) => {
                MinecraftError::Unreachable { address, source }
            }
            Failure::Closed => MinecraftError::Protocol {
                address,
                detail: "the server closed the connection without answering".to_owned(),
            },
            Failure::Decode(error) => MinecraftError::Protocol {
                address,
                detail: error.to_string(),
            },
        }
    }
}

/// One status exchange on a fresh connection: handshake + status request,
/// status response, then ping/pong for the latency.
async fn exchange(host: &str, port: u16) -> Result<ServerStatus, Failure> {
    let mut stream = TcpStream::connect((host, port))
        .await
        .map_err(Failure::Connect)?;
    // Small request/answer packets: don't let Nagle delay them (it would
    // distort the latency). Failing to set it only costs accuracy.
    let _ = stream.set_nodelay(true);

    let mut request = status::handshake(host, port);
    request.extend_from_slice(&status::status_request());
    stream.write_all(&request).await.map_err(Failure::Io)?;
    let status_sent = Instant::now();

    let mut reader = PacketReader::default();
    let body = reader.next_packet(&mut stream).await?;
    let status_round_trip = status_sent.elapsed();
    let json = status::decode_status_response(&body)?;
    let fields = status::parse_status_json(json)?;

    let latency = match ping_pong(&mut stream, &mut reader).await {
        Ok(latency) => latency,
        // Some proxies hang up after the status answer; the status itself is
        // valid, so fall back to its round trip rather than failing.
        Err(Failure::Closed) => {
            log::debug!("minecraft server {host}:{port} closed the connection before the pong");
            status_round_trip
        }
        Err(other) => return Err(other),
    };

    Ok(ServerStatus {
        version: fields.version,
        protocol: fields.protocol,
        players_online: fields.players_online,
        players_max: fields.players_max,
        description: fields.description,
        latency,
    })
}

async fn ping_pong(stream: &mut TcpStream, reader: &mut PacketReader) -> Result<Duration, Failure> {
    // Any value works; a timestamp, like the vanilla client, makes each ping
    // distinct so a stale pong cannot be mistaken for ours.
    let payload = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    stream
        .write_all(&status::ping_request(payload))
        .await
        .map_err(Failure::Io)?;
    let sent = Instant::now();
    let body = reader.next_packet(stream).await?;
    let latency = sent.elapsed();
    status::decode_pong(&body, payload)?;
    Ok(latency)
}

/// Reads length-prefixed packets from a stream, keeping bytes that arrive
/// early for the next packet. Its buffer never grows past one maximal packet
/// plus one read chunk, because [`codec::next_frame`] rejects an oversized
/// length as soon as the length prefix is complete.
#[derive(Default)]
struct PacketReader {
    buffer: Vec<u8>,
}

impl PacketReader {
    /// Returns the next packet's body (packet id and payload, without the
    /// length prefix).
    async fn next_packet<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<Vec<u8>, Failure> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(frame) = codec::next_frame(&self.buffer, MAX_PACKET_BYTES)? {
                let body = self.buffer[frame.body_start..frame.end].to_vec();
                self.buffer.drain(..frame.end);
                return Ok(body);
            }
            let read = stream.read(&mut chunk).await.map_err(Failure::Io)?;
            if read == 0 {
                return Err(if self.buffer.is_empty() {
                    Failure::Closed
                } else {
                    Failure::Decode(DecodeError::Truncated {
                        received: self.buffer.len(),
                    })
                });
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::minecraft::testing::Rng;

    #[tokio::test]
    async fn random_streams_end_in_an_error_or_a_bounded_packet() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        for _ in 0..5_000 {
            let input = rng.bytes(200);
            let mut stream: &[u8] = &input;
            let mut reader = PacketReader::default();
            match reader.next_packet(&mut stream).await {
                Ok(body) => {
                    assert!(!body.is_empty() && body.len() <= MAX_PACKET_BYTES);
                    let _ = status::decode_status_response(&body);
                }
                Err(Failure::Closed) => assert!(input.is_empty()),
                Err(Failure::Decode(_)) => {}
                Err(other) => panic!("unexpected failure {other:?}"),
            }
        }
    }
}
