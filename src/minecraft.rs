//! Minecraft Server List Ping: asks a Java-edition server (1.7+) for its
//! version, player counts and MOTD, and measures its latency.
//!
//! This is how the power controller knows the game is really up and whether
//! anyone is still playing — a bare TCP connect says neither. The wire format
//! lives in the pure [`codec`] module (no I/O, unit-tested and fed random
//! bytes); [`ping`] is the thin shell that drives it over one TCP connection,
//! with a single deadline covering the whole exchange.
//!
//! Everything from the network is untrusted: lengths are capped before any
//! allocation, and malformed answers become [`MinecraftError::Protocol`].

use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The port a Minecraft server listens on unless the address says otherwise.
pub const DEFAULT_PORT: u16 = 25565;

/// What a server told us about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// The version name, e.g. "1.21.1" or "Paper 1.21.1".
    pub version: String,
    /// The protocol number of that version (767 for 1.21.1).
    pub protocol: i32,
    pub players_online: u32,
    pub players_max: u32,
    /// The MOTD flattened to plain text, `§` formatting codes removed.
    pub description: String,
    /// Round trip of the ping/pong packets (or of the status request, if the
    /// server closed the connection instead of answering the ping).
    pub latency: Duration,
}

/// Why a server could not be pinged. Every variant names the address as it
/// was configured, so a log line or an admin alert says which server failed.
#[derive(Debug, thiserror::Error)]
pub enum MinecraftError {
    #[error("invalid minecraft server address `{address}`: {reason}")]
    InvalidAddress {
        address: String,
        reason: &'static str,
    },
    #[error("minecraft server {address} is unreachable")]
    Unreachable {
        address: String,
        #[source]
        source: io::Error,
    },
    #[error("minecraft server {address} did not answer within {timeout:?}")]
    Timeout { address: String, timeout: Duration },
    #[error("minecraft server {address} sent an invalid status answer: {detail}")]
    Protocol { address: String, detail: String },
}

/// Asks the server at `address` ("host:port", "host", "[v6]:port"; the port
/// defaults to [`DEFAULT_PORT`]) for its status.
///
/// `timeout` bounds the whole exchange — name resolution, connect, status and
/// ping — so a server that accepts the connection and then stays silent cannot
/// hold the caller longer than that.
pub async fn ping(address: &str, timeout: Duration) -> Result<ServerStatus, MinecraftError> {
    let (host, port) =
        crate::address::split_host_port(address, DEFAULT_PORT).map_err(|reason| {
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

/// What went wrong inside the exchange, before we know which address to name.
#[derive(Debug)]
enum Failure {
    Connect(io::Error),
    Io(io::Error),
    /// The server closed the connection cleanly between two packets.
    Closed,
    Decode(codec::DecodeError),
}

impl From<codec::DecodeError> for Failure {
    fn from(error: codec::DecodeError) -> Self {
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

    let mut request = codec::handshake(host, port);
    request.extend_from_slice(&codec::status_request());
    stream.write_all(&request).await.map_err(Failure::Io)?;
    let status_sent = Instant::now();

    let mut reader = PacketReader::default();
    let body = reader.next_packet(&mut stream).await?;
    let status_round_trip = status_sent.elapsed();
    let json = codec::decode_status_response(&body)?;
    let fields = codec::parse_status_json(json)?;

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
        .write_all(&codec::ping_request(payload))
        .await
        .map_err(Failure::Io)?;
    let sent = Instant::now();
    let body = reader.next_packet(stream).await?;
    let latency = sent.elapsed();
    codec::decode_pong(&body, payload)?;
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
            if let Some(frame) = codec::next_frame(&self.buffer)? {
                let body = self.buffer[frame.body_start..frame.end].to_vec();
                self.buffer.drain(..frame.end);
                return Ok(body);
            }
            let read = stream.read(&mut chunk).await.map_err(Failure::Io)?;
            if read == 0 {
                return Err(if self.buffer.is_empty() {
                    Failure::Closed
                } else {
                    Failure::Decode(codec::DecodeError::Truncated {
                        received: self.buffer.len(),
                    })
                });
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

/// The Server List Ping wire format, without I/O: building the requests and
/// decoding the answers from byte slices.
pub mod codec {
    use std::fmt;

    /// A VarInt never takes more than 5 bytes (32 bits, 7 per byte); a 6th
    /// continuation byte means garbage, not a bigger number.
    pub const MAX_VARINT_BYTES: usize = 5;

    /// Largest status JSON accepted, in bytes. The protocol caps this string
    /// at 32 767 UTF-16 code units, each at most 3 UTF-8 bytes, so every
    /// conforming answer fits — favicon included; anything larger comes from
    /// a broken or hostile peer, and refusing it bounds what one ping may
    /// allocate (about 96 KiB).
    pub const MAX_STATUS_JSON_BYTES: usize = 32_767 * 3;

    /// Largest packet accepted: the status JSON, its length prefix and the
    /// packet id. The length prefix is checked against this before reading
    /// the body, so a claimed 2 GiB packet is refused without allocating.
    pub const MAX_PACKET_BYTES: usize = MAX_STATUS_JSON_BYTES + MAX_VARINT_BYTES + 1;

    /// The handshake's server address is a String(255) in the protocol.
    pub use crate::address::MAX_HOST_CHARS;

    /// Protocol version sent in the handshake. -1 is the convention for "I
    /// only want the status": servers of every version answer it, and report
    /// their own protocol number back.
    pub const HANDSHAKE_PROTOCOL_VERSION: i32 = -1;

    const HANDSHAKE_ID: i32 = 0x00;
    const STATUS_ID: i32 = 0x00;
    const PING_ID: i32 = 0x01;
    /// "Next state" value in the handshake asking for the status protocol.
    const NEXT_STATE_STATUS: i32 = 1;

    /// Why bytes from a server are not a valid answer. The messages end up
    /// in [`super::MinecraftError::Protocol`]'s detail.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum DecodeError {
        VarIntTooLong,
        NegativeLength(i32),
        EmptyPacket,
        PacketTooLarge(usize),
        Truncated { received: usize },
        WrongPacketId { expected: i32, got: i32 },
        StringTooLong(usize),
        NotUtf8,
        TrailingBytes(usize),
        BadJson(String),
        PongMismatch { sent: i64, got: i64 },
    }

    impl fmt::Display for DecodeError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                DecodeError::VarIntTooLong => write!(f, "a varint is longer than 5 bytes"),
                DecodeError::NegativeLength(length) => write!(f, "negative length {length}"),
                DecodeError::EmptyPacket => write!(f, "empty packet (no packet id)"),
                DecodeError::PacketTooLarge(length) => write!(
                    f,
                    "packet of {length} bytes is larger than the {MAX_PACKET_BYTES}-byte limit"
                ),
                DecodeError::Truncated { received } => write!(
                    f,
                    "connection closed in the middle of a packet ({received} bytes received)"
                ),
                DecodeError::WrongPacketId { expected, got } => {
                    write!(f, "expected packet id {expected:#04x}, got {got:#04x}")
                }
                DecodeError::StringTooLong(length) => write!(
                    f,
                    "status text of {length} bytes is larger than the {MAX_STATUS_JSON_BYTES}-byte limit"
                ),
                DecodeError::NotUtf8 => write!(f, "status text is not valid UTF-8"),
                DecodeError::TrailingBytes(count) => {
                    write!(f, "{count} unexpected bytes after the packet's content")
                }
                DecodeError::BadJson(detail) => write!(f, "status is not the expected JSON: {detail}"),
                DecodeError::PongMismatch { sent, got } => {
                    write!(f, "pong carries {got}, but the ping sent {sent}")
                }
            }
        }
    }

    /// Appends `value` as a VarInt (negative numbers take 5 bytes, as in the
    /// protocol, which treats them as their two's complement).
    pub fn write_varint(out: &mut Vec<u8>, value: i32) {
        let mut rest = value as u32;
        loop {
            let low = (rest & 0x7F) as u8;
            rest >>= 7;
            if rest == 0 {
                out.push(low);
                return;
            }
            out.push(low | 0x80);
        }
    }

    /// Reads a VarInt from the start of `input`: `Ok(Some((value, bytes
    /// used)))`, `Ok(None)` if more bytes are needed, or an error after 5
    /// continuation bytes.
    pub fn read_varint(input: &[u8]) -> Result<Option<(i32, usize)>, DecodeError> {
        let mut value: u32 = 0;
        for (index, &byte) in input.iter().take(MAX_VARINT_BYTES).enumerate() {
            value |= u32::from(byte & 0x7F) << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(Some((value as i32, index + 1)));
            }
        }
        if input.len() >= MAX_VARINT_BYTES {
            Err(DecodeError::VarIntTooLong)
        } else {
            Ok(None)
        }
    }

    /// Appends a protocol String: VarInt byte length, then UTF-8.
    fn write_string(out: &mut Vec<u8>, text: &str) {
        // Callers pass at most MAX_HOST_CHARS characters, far below i32::MAX.
        write_varint(out, i32::try_from(text.len()).unwrap_or(i32::MAX));
        out.extend_from_slice(text.as_bytes());
    }

    /// Prefixes a packet body (id + payload) with its VarInt length.
    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(body.len() + MAX_VARINT_BYTES);
        write_varint(&mut out, i32::try_from(body.len()).unwrap_or(i32::MAX));
        out.extend_from_slice(body);
        out
    }

    /// The handshake packet announcing that we want the status of `host:port`.
    pub fn handshake(host: &str, port: u16) -> Vec<u8> {
        let mut body = Vec::with_capacity(host.len() + 16);
        write_varint(&mut body, HANDSHAKE_ID);
        write_varint(&mut body, HANDSHAKE_PROTOCOL_VERSION);
        write_string(&mut body, host);
        body.extend_from_slice(&port.to_be_bytes());
        write_varint(&mut body, NEXT_STATE_STATUS);
        framed(&body)
    }

    /// The (empty) status request packet.
    pub fn status_request() -> Vec<u8> {
        let mut body = Vec::with_capacity(1);
        write_varint(&mut body, STATUS_ID);
        framed(&body)
    }

    /// The ping packet carrying `payload`, which the server echoes in its pong.
    pub fn ping_request(payload: i64) -> Vec<u8> {
        let mut body = Vec::with_capacity(9);
        write_varint(&mut body, PING_ID);
        body.extend_from_slice(&payload.to_be_bytes());
        framed(&body)
    }

    /// Where a complete packet sits in a buffer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Frame {
        /// Index of the packet id (just after the length prefix).
        pub body_start: usize,
        /// Index one past the packet's last byte.
        pub end: usize,
    }

    /// Finds the first packet in `input`: `Ok(None)` while it is incomplete.
    /// A length beyond [`MAX_PACKET_BYTES`] is an error as soon as its prefix
    /// is read, so callers never buffer more than one maximal packet.
    pub fn next_frame(input: &[u8]) -> Result<Option<Frame>, DecodeError> {
        let Some((length, prefix)) = read_varint(input)? else {
            return Ok(None);
        };
        let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength(length))?;
        if length == 0 {
            return Err(DecodeError::EmptyPacket);
        }
        if length > MAX_PACKET_BYTES {
            return Err(DecodeError::PacketTooLarge(length));
        }
        let end = prefix + length;
        if input.len() < end {
            return Ok(None);
        }
        Ok(Some(Frame {
            body_start: prefix,
            end,
        }))
    }

    /// Checks the packet id at the start of `body` and returns the rest.
    fn expect_id(body: &[u8], expected: i32) -> Result<&[u8], DecodeError> {
        let (id, used) = read_varint(body)?.ok_or(DecodeError::Truncated {
            received: body.len(),
        })?;
        if id != expected {
            return Err(DecodeError::WrongPacketId { expected, got: id });
        }
        Ok(&body[used..])
    }

    /// Extracts the JSON text from a status response packet body.
    pub fn decode_status_response(body: &[u8]) -> Result<&str, DecodeError> {
        let rest = expect_id(body, STATUS_ID)?;
        let (length, used) = read_varint(rest)?.ok_or(DecodeError::Truncated {
            received: body.len(),
        })?;
        let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength(length))?;
        if length > MAX_STATUS_JSON_BYTES {
            return Err(DecodeError::StringTooLong(length));
        }
        let text = &rest[used..];
        if text.len() < length {
            return Err(DecodeError::Truncated {
                received: body.len(),
            });
        }
        if text.len() > length {
            return Err(DecodeError::TrailingBytes(text.len() - length));
        }
        std::str::from_utf8(text).map_err(|_| DecodeError::NotUtf8)
    }

    /// Checks that a pong packet body echoes `sent`.
    pub fn decode_pong(body: &[u8], sent: i64) -> Result<(), DecodeError> {
        let rest = expect_id(body, PING_ID)?;
        let bytes: [u8; 8] = match rest.len() {
            0..=7 => {
                return Err(DecodeError::Truncated {
                    received: body.len(),
                })
            }
            8 => rest.try_into().map_err(|_| DecodeError::Truncated {
                received: body.len(),
            })?,
            more => return Err(DecodeError::TrailingBytes(more - 8)),
        };
        let got = i64::from_be_bytes(bytes);
        if got != sent {
            return Err(DecodeError::PongMismatch { sent, got });
        }
        Ok(())
    }

    /// The fields of a status JSON that CubeGuardian uses.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StatusFields {
        pub version: String,
        pub protocol: i32,
        pub players_online: u32,
        pub players_max: u32,
        pub description: String,
    }

    #[derive(serde::Deserialize)]
    struct RawStatus {
        version: RawVersion,
        players: RawPlayers,
        #[serde(default)]
        description: serde_json::Value,
    }

    #[derive(serde::Deserialize)]
    struct RawVersion {
        name: String,
        protocol: i32,
    }

    #[derive(serde::Deserialize)]
    struct RawPlayers {
        online: i64,
        max: i64,
    }

    /// Maps the status JSON to [`StatusFields`]. Player counts outside
    /// `0..=u32::MAX` (some plugins report -1 for "unlimited") are clamped
    /// rather than rejected: the answer still proves the server is up.
    pub fn parse_status_json(json: &str) -> Result<StatusFields, DecodeError> {
        let raw: RawStatus =
            serde_json::from_str(json).map_err(|error| DecodeError::BadJson(error.to_string()))?;
        let clamp = |count: i64| u32::try_from(count.max(0)).unwrap_or(u32::MAX);
        let mut description = String::new();
        flatten_chat(&raw.description, &mut description);
        Ok(StatusFields {
            version: strip_formatting(&raw.version.name),
            protocol: raw.version.protocol,
            players_online: clamp(raw.players.online),
            players_max: clamp(raw.players.max),
            description: strip_formatting(&description).trim().to_owned(),
        })
    }

    /// Appends the plain text of a chat component: a string, an array of
    /// components, or an object with `text` and `extra` children. Depth is
    /// bounded by serde_json's recursion limit on the parsed input.
    pub fn flatten_chat(component: &serde_json::Value, out: &mut String) {
        use serde_json::Value;
        match component {
            Value::Null => {}
            Value::String(text) => out.push_str(text),
            Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Value::Number(number) => out.push_str(&number.to_string()),
            Value::Array(parts) => parts.iter().for_each(|part| flatten_chat(part, out)),
            Value::Object(fields) => {
                if let Some(text) = fields.get("text") {
                    flatten_chat(text, out);
                }
                if let Some(Value::Array(extra)) = fields.get("extra") {
                    extra.iter().for_each(|part| flatten_chat(part, out));
                }
            }
        }
    }

    /// Removes legacy `§x` formatting codes (colour, bold, reset…): the
    /// section sign and the character after it.
    pub fn strip_formatting(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '§' {
                chars.next();
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::codec::*;
    use super::*;

    fn varint(value: i32) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, value);
        out
    }

    #[test]
    fn varint_matches_the_protocol_examples() {
        let cases: &[(i32, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (255, &[0xff, 0x01]),
            (25565, &[0xdd, 0xc7, 0x01]),
            (2097151, &[0xff, 0xff, 0x7f]),
            (i32::MAX, &[0xff, 0xff, 0xff, 0xff, 0x07]),
            (-1, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
            (i32::MIN, &[0x80, 0x80, 0x80, 0x80, 0x08]),
        ];
        for &(value, bytes) in cases {
            assert_eq!(varint(value), bytes, "encoding {value}");
            assert_eq!(
                read_varint(bytes),
                Ok(Some((value, bytes.len()))),
                "decoding {value}"
            );
        }
    }

    #[test]
    fn varint_round_trips_and_reports_incomplete_input() {
        for value in [0, 1, 300, 70000, 1 << 28, -2, i32::MIN + 1] {
            let bytes = varint(value);
            assert_eq!(read_varint(&bytes), Ok(Some((value, bytes.len()))));
            assert_eq!(read_varint(&bytes[..bytes.len() - 1]), Ok(None));
        }
        assert_eq!(read_varint(&[]), Ok(None));
    }

    #[test]
    fn varint_longer_than_five_bytes_is_an_error() {
        assert_eq!(read_varint(&[0x80; 5]), Err(DecodeError::VarIntTooLong));
        assert_eq!(read_varint(&[0xff; 12]), Err(DecodeError::VarIntTooLong));
    }

    #[test]
    fn handshake_has_the_documented_layout() {
        let packet = handshake("mc.local", 25565);
        let frame = next_frame(&packet).unwrap().unwrap();
        assert_eq!(frame.end, packet.len());
        let body = &packet[frame.body_start..];
        let mut expected = vec![0x00];
        expected.extend(varint(-1));
        expected.push(8);
        expected.extend(b"mc.local");
        expected.extend([0x63, 0xdd]);
        expected.push(0x01);
        assert_eq!(body, expected);
        assert_eq!(status_request(), [0x01, 0x00]);
        assert_eq!(ping_request(1), [0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    fn status_packet(json: &str) -> Vec<u8> {
        let mut body = vec![0x00];
        body.extend(varint(json.len() as i32));
        body.extend(json.as_bytes());
        let mut packet = varint(body.len() as i32);
        packet.extend(body);
        packet
    }

    #[test]
    fn frames_are_found_only_when_complete() {
        let packet = status_packet("{}");
        for cut in 0..packet.len() {
            assert_eq!(next_frame(&packet[..cut]), Ok(None), "cut at {cut}");
        }
        let mut two = packet.clone();
        two.extend(ping_request(7));
        let frame = next_frame(&two).unwrap().unwrap();
        assert_eq!(frame.end, packet.len());
        assert_eq!(
            decode_status_response(&two[frame.body_start..frame.end]),
            Ok("{}")
        );
    }

    #[test]
    fn oversized_negative_and_empty_lengths_are_refused_from_the_prefix_alone() {
        assert!(matches!(
            next_frame(&varint(i32::MAX)),
            Err(DecodeError::PacketTooLarge(_))
        ));
        assert!(matches!(
            next_frame(&varint(MAX_PACKET_BYTES as i32 + 1)),
            Err(DecodeError::PacketTooLarge(_))
        ));
        assert_eq!(
            next_frame(&varint(-5)),
            Err(DecodeError::NegativeLength(-5))
        );
        assert_eq!(next_frame(&[0x00]), Err(DecodeError::EmptyPacket));
        // Exactly at the limit is still just "incomplete".
        assert_eq!(next_frame(&varint(MAX_PACKET_BYTES as i32)), Ok(None));
    }

    #[test]
    fn status_body_errors_are_specific() {
        assert_eq!(
            decode_status_response(&[0x01, 0x00]),
            Err(DecodeError::WrongPacketId {
                expected: 0,
                got: 1
            })
        );
        let mut huge = vec![0x00];
        huge.extend(varint(MAX_STATUS_JSON_BYTES as i32 + 1));
        assert!(matches!(
            decode_status_response(&huge),
            Err(DecodeError::StringTooLong(_))
        ));
        let mut negative = vec![0x00];
        negative.extend(varint(-1));
        assert_eq!(
            decode_status_response(&negative),
            Err(DecodeError::NegativeLength(-1))
        );
        assert!(matches!(
            decode_status_response(&[0x00, 0x05, b'{']),
            Err(DecodeError::Truncated { .. })
        ));
        assert_eq!(
            decode_status_response(&[0x00, 0x01, b'{', b'}']),
            Err(DecodeError::TrailingBytes(1))
        );
        assert_eq!(
            decode_status_response(&[0x00, 0x01, 0xff]),
            Err(DecodeError::NotUtf8)
        );
        assert!(matches!(
            decode_status_response(&[0x00]),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn pong_must_echo_the_payload() {
        let ping = ping_request(42);
        assert_eq!(decode_pong(&ping[1..], 42), Ok(()));
        assert_eq!(
            decode_pong(&ping[1..], 43),
            Err(DecodeError::PongMismatch { sent: 43, got: 42 })
        );
        assert!(matches!(
            decode_pong(&[0x01, 0, 0], 0),
            Err(DecodeError::Truncated { .. })
        ));
        assert_eq!(
            decode_pong(&[0x01; 10], 0),
            Err(DecodeError::TrailingBytes(1))
        );
        assert!(matches!(
            decode_pong(&[0x00; 9], 0),
            Err(DecodeError::WrongPacketId { .. })
        ));
    }

    #[test]
    fn vanilla_status_json_is_mapped() {
        let json = r#"{"version":{"name":"1.21.1","protocol":767},
            "players":{"max":20,"online":3,"sample":[{"name":"Alex","id":"4566e69f-c907-48ee-8d71-d7ba5aa00d20"}]},
            "description":{"text":"Hello ","extra":[{"text":"§aworld","bold":true},"!"]},
            "favicon":"data:image/png;base64,AAAA","enforcesSecureChat":false}"#;
        assert_eq!(
            parse_status_json(json),
            Ok(StatusFields {
                version: "1.21.1".into(),
                protocol: 767,
                players_online: 3,
                players_max: 20,
                description: "Hello world!".into(),
            })
        );
    }

    #[test]
    fn description_may_be_a_plain_string_or_missing() {
        let plain = r#"{"version":{"name":"Paper 1.20.4","protocol":765},"players":{"max":10,"online":0},"description":"§6§lCube§r Server\n§7welcome"}"#;
        let fields = parse_status_json(plain).unwrap();
        assert_eq!(fields.description, "Cube Server\nwelcome");
        let missing = r#"{"version":{"name":"x","protocol":1},"players":{"max":1,"online":0}}"#;
        assert_eq!(parse_status_json(missing).unwrap().description, "");
    }

    #[test]
    fn nested_extra_and_arrays_are_flattened() {
        let json = serde_json::json!([
            {"text": "a", "extra": [{"text": "b", "extra": ["c", {"text": "d"}]}]},
            "e",
            {"translate": "ignored.key"},
            7
        ]);
        let mut out = String::new();
        flatten_chat(&json, &mut out);
        assert_eq!(out, "abcde7");
    }

    #[test]
    fn strip_formatting_handles_a_trailing_section_sign() {
        assert_eq!(strip_formatting("§cred§r plain §"), "red plain ");
        assert_eq!(strip_formatting("no codes"), "no codes");
    }

    #[test]
    fn player_counts_out_of_range_are_clamped() {
        let json =
            r#"{"version":{"name":"x","protocol":1},"players":{"max":-1,"online":99999999999}}"#;
        let fields = parse_status_json(json).unwrap();
        assert_eq!((fields.players_online, fields.players_max), (u32::MAX, 0));
    }

    #[test]
    fn non_json_and_missing_fields_are_errors() {
        for bad in [
            "",
            "not json",
            "{}",
            r#"{"version":{"name":"x"},"players":{"max":1,"online":0}}"#,
            r#"{"version":{"name":"x","protocol":1}}"#,
            r#"{"version":{"name":"x","protocol":1e99},"players":{"max":1,"online":0}}"#,
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ] {
            assert!(matches!(parse_status_json(bad), Err(DecodeError::BadJson(_))), "{bad:?}");
        }
    }

    /// A small deterministic generator (xorshift64*), so the random-input
    /// test needs no extra dependency and always replays the same inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes(&mut self, max_len: usize) -> Vec<u8> {
            let len = (self.next() as usize) % (max_len + 1);
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn random_bytes_never_panic_the_decoder() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        // Valid prefixes make the random tails reach the deeper decoding steps.
        let prefixes: [&[u8]; 5] = [
            &[],
            &[0x10, 0x00],
            &[0x10, 0x00, 0x0e],
            &[0x09, 0x01],
            &[0xff, 0xff],
        ];
        for round in 0..20_000 {
            let mut input = prefixes[round % prefixes.len()].to_vec();
            input.extend(rng.bytes(64));
            let _ = read_varint(&input);
            if let Ok(Some(frame)) = next_frame(&input) {
                assert!(frame.body_start < frame.end && frame.end <= input.len());
            }
            if let Ok(json) = decode_status_response(&input) {
                let _ = parse_status_json(json);
            }
            let _ = decode_pong(&input, 0);
            let _ = parse_status_json(&String::from_utf8_lossy(&input));
            let _ = strip_formatting(&String::from_utf8_lossy(&input));
        }
    }

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
                    let _ = decode_status_response(&body);
                }
                Err(Failure::Closed) => assert!(input.is_empty()),
                Err(Failure::Decode(_)) => {}
                Err(other) => panic!("unexpected failure {other:?}"),
            }
        }
    }
}
