//! How a captured message is laid out on disk: a compact binary record
//! (issue 14). The JSON of before spent about a third of each record on
//! field names and decimal numbers; it made the database file, the SD
//! writes of each commit and the digest's load (JSON parsing was most of
//! it) bigger than the message.
//!
//! A record's first byte says its format. Records written before this one
//! are JSON objects, so they start with `{`, and they are still read: a
//! database from an earlier version opens and its messages are in the
//! next digest; each is rewritten in the compact format when it changes
//! (an edit, a reaction), and the retention purge removes the rest. A
//! format this version does not know (a newer version's, after a
//! downgrade) is an error naming the format, and only that message is left
//! out.
//!
//! The compact format, version 1, after the `1` byte (numbers are LEB128
//! varints, texts a varint length then UTF-8 bytes):
//! channel id, author id, flags (1: edited, 2: a reply), the reply's
//! target if flagged, reactions, the posting time minus the snowflake's
//! (zigzag; 0 for every message Discord sends), author name, content,
//! number of attachments, then each attachment's name and URL. The message
//! id is the table's key and is not repeated.

use super::snowflake_ms;
use crate::digest::model::{Attachment, CapturedMessage};

/// The first byte of a compact record, version 1.
const COMPACT_V1: u8 = 1;
/// The first byte of a JSON record (every one written before version 1).
const JSON: u8 = b'{';

const EDITED: u8 = 1;
const REPLY: u8 = 2;

/// Why a stored message cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the record is empty")]
    Empty,
    #[error("record format {0} is not one this version reads (written by a newer cubeguardian?)")]
    UnknownFormat(u8),
    #[error("the record ends in the middle of a field")]
    Truncated,
    #[error("a number in the record is too large")]
    Overflow,
    #[error("a text in the record is not UTF-8")]
    NotUtf8,
    #[error("{0} unexpected byte(s) after the record")]
    Trailing(usize),
    #[error("the JSON record of an earlier version does not decode")]
    Json(#[from] serde_json::Error),
}

/// Appends `message`'s record (without its id, the key) to `out`.
pub fn encode(message: &CapturedMessage, out: &mut Vec<u8>) {
    out.push(COMPACT_V1);
    varint(out, message.channel_id);
    varint(out, message.author_id);
    let flags = if message.edited { EDITED } else { 0 }
        | if message.reply_to.is_some() { REPLY } else { 0 };
    out.push(flags);
    if let Some(target) = message.reply_to {
        varint(out, target);
    }
    varint(out, u64::from(message.reactions));
    let offset = message.posted_ms.wrapping_sub(snowflake_ms(message.id));
    // Zigzag: small offsets of either sign stay small.
    varint(out, ((offset << 1) ^ (offset >> 63)) as u64);
    text(out, &message.author_name);
    text(out, &message.content);
    varint(out, message.attachments.len() as u64);
    for attachment in &message.attachments {
        text(out, &attachment.name);
        text(out, &attachment.url);
    }
}

/// The message stored under `id`, from its record in either format.
pub fn decode(id: u64, bytes: &[u8]) -> Result<CapturedMessage, RecordError> {
    match bytes.first() {
        None => Err(RecordError::Empty),
        Some(&JSON) => Ok(serde_json::from_slice(bytes)?),
        Some(&COMPACT_V1) => decode_v1(id, &bytes[1..]),
        Some(&other) => Err(RecordError::UnknownFormat(other)),
    }
}

fn decode_v1(id: u64, bytes: &[u8]) -> Result<CapturedMessage, RecordError> {
    let mut r = Reader(bytes);
    let channel_id = r.varint()?;
    let author_id = r.varint()?;
    let flags = r.byte()?;
    let reply_to = if flags & REPLY != 0 {
        Some(r.varint()?)
    } else {
        None
    };
    let reactions = u32::try_from(r.varint()?).map_err(|_| RecordError::Overflow)?;
    let zigzag = r.varint()?;
    let offset = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
    let author_name = r.text()?;
    let content = r.text()?;
    let count = r.varint()?;
    // Each attachment takes at least two bytes: a damaged count must not
    // reserve gigabytes.
    let mut attachments =
        Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(r.0.len() / 2));
    for _ in 0..count {
        attachments.push(Attachment {
            name: r.text()?,
            url: r.text()?,
        });
    }
    if !r.0.is_empty() {
        return Err(RecordError::Trailing(r.0.len()));
    }
    Ok(CapturedMessage {
        id,
        channel_id,
        author_id,
        author_name,
        posted_ms: snowflake_ms(id).wrapping_add(offset),
        edited: flags & EDITED != 0,
        content,
        attachments,
        reply_to,
        reactions,
    })
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// What is left of a record to read.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, RecordError> {
        let (&b, rest) = self.0.split_first().ok_or(RecordError::Truncated)?;
        self.0 = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, RecordError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(RecordError::Overflow);
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(RecordError::Overflow)
    }

    fn text(&mut self) -> Result<String, RecordError> {
        let len = usize::try_from(self.varint()?).map_err(|_| RecordError::Overflow)?;
        if len > self.0.len() {
            return Err(RecordError::Truncated);
        }
        let (bytes, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| RecordError::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::archive::snowflake_floor;

    fn sample() -> CapturedMessage {
        let id = snowflake_floor(1_790_000_000_000) | 0x2a;
        CapturedMessage {
            id,
            channel_id: 1_234_567_890_123_456_789,
            author_id: u64::MAX,
            author_name: "Zoé 🎲".into(),
            posted_ms: snowflake_ms(id),
            edited: true,
            content: "salut https://example.org/a?b=c\n« ligne » 👍".into(),
            attachments: vec![
                Attachment {
                    name: "photo.jpg".into(),
                    url: "https://cdn.discordapp.com/attachments/1/2/photo.jpg".into(),
                },
                Attachment {
                    name: String::new(),
                    url: String::new(),
                },
            ],
            reply_to: Some(7),
            reactions: u32::MAX,
        }
    }

    fn encoded(m: &CapturedMessage) -> Vec<u8> {
        let mut out = Vec::new();
        encode(m, &mut out);
        out
    }

    #[test]
    fn every_field_survives_the_round_trip() {
        let full = sample();
        assert_eq!(decode(full.id, &encoded(&full)).unwrap(), full);
        let plain = CapturedMessage {
            edited: false,
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
            content: String::new(),
            // A posting time off the snowflake's, either way.
            posted_ms: full.posted_ms - 5,
            ..full.clone()
        };
        assert_eq!(decode(plain.id, &encoded(&plain)).unwrap(), plain);
        let later = CapturedMessage {
            posted_ms: full.posted_ms + 86_400_000,
            ..plain.clone()
        };
        assert_eq!(decode(later.id, &encoded(&later)).unwrap(), later);
    }

    #[test]
    fn the_record_is_much_smaller_than_the_json_of_before() {
        let m = CapturedMessage {
            channel_id: 1_180_000_000_000_000_000,
            author_id: 1_170_000_000_000_000_000,
            author_name: "membre12".into(),
            content: "on joue à Minecraft ce soir".into(),
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
            edited: false,
            ..sample()
        };
        let json = serde_json::to_vec(&m).unwrap().len();
        let compact = encoded(&m).len();
        // Format, channel, author, flags, reactions, time offset, name
        // (length and 8 bytes), content (length and 28 bytes), attachments.
        assert_eq!(compact, 1 + 9 + 9 + 1 + 1 + 1 + 9 + 29 + 1, "{compact}");
        assert!(json > 2 * compact, "JSON {json} B, compact {compact} B");
    }

    #[test]
    fn a_json_record_of_an_earlier_version_is_still_read() {
        let m = sample();
        let json = serde_json::to_vec(&m).unwrap();
        assert_eq!(json[0], b'{');
        assert_eq!(decode(m.id, &json).unwrap(), m);
    }

    #[test]
    fn damaged_or_unknown_records_are_errors_not_panics() {
        let m = sample();
        let good = encoded(&m);
        // Every truncation fails cleanly.
        for len in 1..good.len() {
            assert!(decode(m.id, &good[..len]).is_err(), "cut at {len}");
        }
        assert!(matches!(decode(m.id, &[]), Err(RecordError::Empty)));
        let mut longer = good.clone();
        longer.push(0);
        assert!(matches!(
            decode(m.id, &longer),
            Err(RecordError::Trailing(1))
        ));
        let mut future = good.clone();
        future[0] = 2;
        let err = decode(m.id, &future).unwrap_err();
        assert!(matches!(err, RecordError::UnknownFormat(2)), "{err}");
        assert!(err.to_string().contains("format 2"), "{err}");
        // A varint that never ends, and one past 64 bits.
        assert!(matches!(
            decode(
                m.id,
                &[COMPACT_V1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
            ),
            Err(RecordError::Overflow)
        ));
        assert!(decode(m.id, &[COMPACT_V1, 0xff]).is_err());
        // A huge attachment count in a short record.
        let mut huge = Vec::new();
        huge.push(COMPACT_V1);
        for n in [1, 2, 0, 0, 0, 0, 0] {
            varint(&mut huge, n);
        }
        varint(&mut huge, u64::MAX);
        assert!(matches!(decode(m.id, &huge), Err(RecordError::Truncated)));
        // Bad UTF-8 in a text.
        let mut bad = vec![COMPACT_V1, 1, 2, 0, 0, 0, 2, 0xc3, 0x28];
        bad.extend([0, 0]);
        assert!(matches!(decode(m.id, &bad), Err(RecordError::NotUtf8)));
    }
}
