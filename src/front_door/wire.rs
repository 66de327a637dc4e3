//! The front door's byte-level plumbing for one connection, shared by the
//! connection's sequencing ([`super::connection`]) and online mode's
//! encryption step ([`super::online`]): the bytes read so far (kept for a
//! relay to replay), why a connection ended early, and the deadline every
//! step runs under.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::peers::minecraft::codec::{self, DecodeError};
use crate::peers::minecraft::serving::MAX_CLIENT_PACKET_BYTES;

/// Why a connection ended early. Never logged per connection above debug:
/// scanners and floods make plenty of these.
#[derive(Debug)]
pub(super) enum Failure {
    Io(io::Error),
    Decode(DecodeError),
    Closed,
    Deadline,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Decode(e) => write!(f, "not the Minecraft protocol: {e}"),
            Failure::Closed => write!(f, "closed by the client"),
            Failure::Deadline => write!(f, "handshake deadline passed"),
        }
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        Failure::Decode(e)
    }
}

/// The bytes read from the client so far. All of them are kept until the
/// decision, so a relay can replay them to the real server unchanged.
pub(super) struct Reader {
    pub(super) buffer: Vec<u8>,
    /// How much of `buffer` the packets read so far took.
    pub(super) consumed: usize,
}

impl Reader {
    /// Reads more, once; closing counts as a failure.
    pub(super) async fn fill<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<(), Failure> {
        let mut chunk = [0u8; 1024];
        let read = stream.read(&mut chunk).await.map_err(Failure::Io)?;
        if read == 0 {
            return Err(Failure::Closed);
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }

    /// The next packet's body. The buffer never holds more than one
    /// maximal packet and a chunk: a longer length is refused from its
    /// prefix.
    pub(super) async fn packet<R: AsyncRead + Unpin>(
        &mut self,
        stream: &mut R,
    ) -> Result<Vec<u8>, Failure> {
        loop {
            let rest = &self.buffer[self.consumed..];
            if let Some(frame) = codec::next_frame(rest, MAX_CLIENT_PACKET_BYTES)? {
                let body = rest[frame.body_start..frame.end].to_vec();
                self.consumed += frame.end;
                return Ok(body);
            }
            self.fill(stream).await?;
        }
    }
}

/// Bounds one step by the handshake deadline.
pub(super) async fn by<T>(
    deadline: Instant,
    step: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout_at(deadline, step)
        .await
        .unwrap_or(Err(Failure::Deadline))
}

/// Writes `bytes` and flushes them.
pub(super) async fn write(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), Failure> {
    stream.write_all(bytes).await.map_err(Failure::Io)?;
    stream.flush().await.map_err(Failure::Io)
}
