//! The Minecraft protocol's framing, without I/O: VarInts, length-prefixed
//! packets, packet ids and strings, each read with a cap chosen by the
//! caller so that a hostile peer cannot make us allocate much. The Server
//! List Ping ([`super::status`]) is built on it; so can anything else that
//! speaks the protocol.

use std::fmt;

/// A VarInt never takes more than 5 bytes (32 bits, 7 per byte); a 6th
/// continuation byte means garbage, not a bigger number.
pub const MAX_VARINT_BYTES: usize = 5;

/// Why bytes from a peer are not a valid answer. The messages end up
/// in [`super::MinecraftError::Protocol`]'s detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    VarIntTooLong,
    NegativeLength(i32),
    EmptyPacket,
    PacketTooLarge { length: usize, limit: usize },
    Truncated { received: usize },
    WrongPacketId { expected: i32, got: i32 },
    StringTooLong { length: usize, limit: usize },
    NotUtf8,
    TrailingBytes(usize),
    BadJson(String),
    PongMismatch { sent: i64, got: i64 },
    UnknownNextState(i32),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::VarIntTooLong => write!(f, "a varint is longer than 5 bytes"),
            DecodeError::NegativeLength(length) => write!(f, "negative length {length}"),
            DecodeError::EmptyPacket => write!(f, "empty packet (no packet id)"),
            DecodeError::PacketTooLarge { length, limit } => write!(
                f,
                "packet of {length} bytes is larger than the {limit}-byte limit"
            ),
            DecodeError::Truncated { received } => write!(
                f,
                "connection closed in the middle of a packet ({received} bytes received)"
            ),
            DecodeError::WrongPacketId { expected, got } => {
                write!(f, "expected packet id {expected:#04x}, got {got:#04x}")
            }
            DecodeError::StringTooLong { length, limit } => write!(
                f,
                "text of {length} bytes is larger than the {limit}-byte limit"
            ),
            DecodeError::NotUtf8 => write!(f, "text is not valid UTF-8"),
            DecodeError::TrailingBytes(count) => {
                write!(f, "{count} unexpected bytes after the packet's content")
            }
            DecodeError::BadJson(detail) => write!(f, "status is not the expected JSON: {detail}"),
            DecodeError::PongMismatch { sent, got } => {
                write!(f, "pong carries {got}, but the ping sent {sent}")
            }
            DecodeError::UnknownNextState(state) => {
                write!(f, "the handshake asks for unknown state {state}")
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
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    // Protocol strings are at most 32 767 characters, far below i32::MAX.
    write_varint(out, i32::try_from(text.len()).unwrap_or(i32::MAX));
    out.extend_from_slice(text.as_bytes());
}

/// Reads `N` raw bytes (big-endian numbers, UUIDs) from the start of
/// `input`: the bytes and the count used.
pub fn read_bytes<const N: usize>(input: &[u8]) -> Result<[u8; N], DecodeError> {
    input
        .get(..N)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(DecodeError::Truncated {
            received: input.len(),
        })
}

/// Prefixes a packet body (id + payload) with its VarInt length.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + MAX_VARINT_BYTES);
    write_varint(&mut out, i32::try_from(body.len()).unwrap_or(i32::MAX));
    out.extend_from_slice(body);
    out
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
/// A length beyond `limit` is an error as soon as its prefix is read, so
/// callers never buffer more than one maximal packet.
pub fn next_frame(input: &[u8], limit: usize) -> Result<Option<Frame>, DecodeError> {
    let Some((length, prefix)) = read_varint(input)? else {
        return Ok(None);
    };
    let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength(length))?;
    if length == 0 {
        return Err(DecodeError::EmptyPacket);
    }
    if length > limit {
        return Err(DecodeError::PacketTooLarge { length, limit });
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
pub fn expect_id(body: &[u8], expected: i32) -> Result<&[u8], DecodeError> {
    let (id, used) = read_varint(body)?.ok_or(DecodeError::Truncated {
        received: body.len(),
    })?;
    if id != expected {
        return Err(DecodeError::WrongPacketId { expected, got: id });
    }
    Ok(&body[used..])
}

/// Reads a protocol String (VarInt byte length, then UTF-8) from the start
/// of `input`, refusing a length over `limit` bytes before looking further:
/// the text and the bytes used.
pub fn read_string(input: &[u8], limit: usize) -> Result<(&str, usize), DecodeError> {
    let truncated = || DecodeError::Truncated {
        received: input.len(),
    };
    let (length, used) = read_varint(input)?.ok_or_else(truncated)?;
    let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength(length))?;
    if length > limit {
        return Err(DecodeError::StringTooLong { length, limit });
    }
    let end = used.checked_add(length).ok_or_else(truncated)?;
    let text = input.get(used..end).ok_or_else(truncated)?;
    let text = std::str::from_utf8(text).map_err(|_| DecodeError::NotUtf8)?;
    Ok((text, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::minecraft::testing::varint;

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

    /// Any cap works for the framing tests; the status exchange uses its own.
    const LIMIT: usize = 1000;

    #[test]
    fn oversized_negative_and_empty_lengths_are_refused_from_the_prefix_alone() {
        assert!(matches!(
            next_frame(&varint(i32::MAX), LIMIT),
            Err(DecodeError::PacketTooLarge { .. })
        ));
        assert_eq!(
            next_frame(&varint(LIMIT as i32 + 1), LIMIT),
            Err(DecodeError::PacketTooLarge {
                length: LIMIT + 1,
                limit: LIMIT
            })
        );
        assert_eq!(
            next_frame(&varint(-5), LIMIT),
            Err(DecodeError::NegativeLength(-5))
        );
        assert_eq!(next_frame(&[0x00], LIMIT), Err(DecodeError::EmptyPacket));
        // Exactly at the limit is still just "incomplete".
        assert_eq!(next_frame(&varint(LIMIT as i32), LIMIT), Ok(None));
    }

    #[test]
    fn strings_are_read_up_to_their_cap() {
        let mut input = varint(5);
        input.extend(b"hello, rest");
        assert_eq!(read_string(&input, 5), Ok(("hello", 6)));
        assert_eq!(
            read_string(&input, 4),
            Err(DecodeError::StringTooLong {
                length: 5,
                limit: 4
            })
        );
        assert!(matches!(
            read_string(&input[..4], 5),
            Err(DecodeError::Truncated { .. })
        ));
        assert_eq!(read_string(&[0x01, 0xff], 5), Err(DecodeError::NotUtf8));
        assert_eq!(
            read_string(&varint(-1), 5),
            Err(DecodeError::NegativeLength(-1))
        );
    }
}
