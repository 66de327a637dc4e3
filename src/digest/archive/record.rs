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
//! The compact format, version 1, is the `1` byte then a `Record` in
//! postcard, a serde format made for this (no field names, numbers as
//! LEB128 varints, signed ones zigzag, texts and lists a varint length
//! first): a well-kept library instead of a codec of our own, which had
//! to get varint overflow, truncation and hostile lengths right itself.
//! The message id is the table's key and is not repeated, and the posting
//! time is kept as its difference from the snowflake's, 0 for every
//! message Discord sends. A record that ends early, holds a number too
//! large or text that is not UTF-8, or has bytes after its end is an
//! error, never a panic. The order of `Record`'s fields is the format:
//! changing it needs a new format byte (the test
//! `the_layout_of_version_1_does_not_move` pins it).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::snowflake_ms;
use crate::digest::model::{Attachment, CapturedMessage};

/// The first byte of a compact record, version 1.
const COMPACT_V1: u8 = 1;
/// The first byte of a JSON record (every one written before version 1).
const JSON: u8 = b'{';

/// A message as a version-1 record holds it. Its texts borrow, from the
/// message when encoding and from the record's bytes when decoding (then
/// copied once into the message): against the hand-written codec of
/// before, a digest's load of 100,000 messages took 4 ms more this way and
/// 10 ms more with the texts decoded as `Cow`.
#[derive(Serialize, Deserialize)]
struct Record<'a> {
    channel_id: u64,
    author_id: u64,
    state: State,
    reactions: u32,
    /// The posting time minus the snowflake's.
    offset_ms: i64,
    author_name: &'a str,
    content: &'a str,
    attachments: Cow<'a, [Attachment]>,
}

/// Whether the message was edited and what it replies to. postcard writes
/// the variant's index as one byte, then the target: a `bool` and an
/// `Option` would take a byte each.
#[derive(Serialize, Deserialize)]
enum State {
    Posted,
    Edited,
    Reply(u64),
    EditedReply(u64),
}

/// Why a message cannot be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the record is empty")]
    Empty,
    #[error("record format {0} is not one this version reads (written by a newer cubeguardian?)")]
    UnknownFormat(u8),
    #[error("the compact record is damaged: {0}")]
    Damaged(postcard::Error),
    #[error("{0} unexpected byte(s) after the record")]
    Trailing(usize),
    #[error("the JSON record of an earlier version does not decode")]
    Json(#[from] serde_json::Error),
    #[error("the message cannot be encoded: {0}")]
    Unencodable(postcard::Error),
}

/// Appends `message`'s record (without its id, the key) to `out`. postcard
/// fails only on a list of unknown length, which a record has none of.
pub fn encode(message: &CapturedMessage, out: &mut Vec<u8>) -> Result<(), RecordError> {
    let state = match (message.edited, message.reply_to) {
        (false, None) => State::Posted,
        (true, None) => State::Edited,
        (false, Some(target)) => State::Reply(target),
        (true, Some(target)) => State::EditedReply(target),
    };
    let record = Record {
        channel_id: message.channel_id,
        author_id: message.author_id,
        state,
        reactions: message.reactions,
        offset_ms: message.posted_ms.wrapping_sub(snowflake_ms(message.id)),
        author_name: &message.author_name,
        content: &message.content,
        attachments: Cow::Borrowed(&message.attachments),
    };
    out.push(COMPACT_V1);
    *out = postcard::to_extend(&record, std::mem::take(out)).map_err(RecordError::Unencodable)?;
    Ok(())
}

/// The message stored under `id`, from its record in either format.
pub fn decode(id: u64, bytes: &[u8]) -> Result<CapturedMessage, RecordError> {
    match bytes.split_first() {
        None => Err(RecordError::Empty),
        Some((&JSON, _)) => Ok(serde_json::from_slice(bytes)?),
        Some((&COMPACT_V1, body)) => decode_v1(id, body),
        Some((&other, _)) => Err(RecordError::UnknownFormat(other)),
    }
}

fn decode_v1(id: u64, body: &[u8]) -> Result<CapturedMessage, RecordError> {
    let (record, rest) = postcard::take_from_bytes::<Record>(body).map_err(RecordError::Damaged)?;
    if !rest.is_empty() {
        return Err(RecordError::Trailing(rest.len()));
    }
    let (edited, reply_to) = match record.state {
        State::Posted => (false, None),
        State::Edited => (true, None),
        State::Reply(target) => (false, Some(target)),
        State::EditedReply(target) => (true, Some(target)),
    };
    Ok(CapturedMessage {
        id,
        channel_id: record.channel_id,
        author_id: record.author_id,
        author_name: record.author_name.to_owned(),
        posted_ms: snowflake_ms(id).wrapping_add(record.offset_ms),
        edited,
        content: record.content.to_owned(),
        attachments: record.attachments.into_owned(),
        reply_to,
        reactions: record.reactions,
    })
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
        encode(m, &mut out).unwrap();
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
        // Edited without a reply, and a reply never edited.
        for (edited, reply_to) in [(true, None), (false, Some(u64::MAX))] {
            let m = CapturedMessage {
                edited,
                reply_to,
                ..plain.clone()
            };
            assert_eq!(decode(m.id, &encoded(&m)).unwrap(), m);
        }
    }

    #[test]
    fn encoding_appends_to_what_the_buffer_holds() {
        let m = sample();
        let mut out = vec![9, 9];
        encode(&m, &mut out).unwrap();
        assert_eq!(out[..2], [9, 9]);
        assert_eq!(decode(m.id, &out[2..]).unwrap(), m);
    }

    #[test]
    fn the_layout_of_version_1_does_not_move() {
        // Written by the hand-written codec this module had before
        // postcard: stored records must keep reading the same.
        let id = snowflake_floor(1_790_000_000_000) | 0x2a;
        let m = CapturedMessage {
            id,
            channel_id: 300,
            author_id: 5,
            author_name: "Zoé".into(),
            posted_ms: snowflake_ms(id) - 5,
            edited: true,
            content: "hi".into(),
            attachments: vec![Attachment {
                name: "a.png".into(),
                url: "https://x/a".into(),
            }],
            reply_to: Some(7),
            reactions: 2,
        };
        let mut bytes = vec![
            1, // format
            172, 2, // channel 300
            5, // author
            3, 7, // edited, replying to 7
            2, // reactions
            9, // posted 5 ms before the snowflake (zigzag)
            4, b'Z', b'o', 0xc3, 0xa9, // author name
            2, b'h', b'i', // content
            1,    // one attachment
            5, b'a', b'.', b'p', b'n', b'g',
        ];
        bytes.push(11);
        bytes.extend_from_slice(b"https://x/a");
        assert_eq!(encoded(&m), bytes);
        assert_eq!(decode(id, &bytes).unwrap(), m);
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
        // Format, channel, author, state, reactions, time offset, name
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
        use postcard::Error as P;
        let m = sample();
        let good = encoded(&m);
        // Every truncation fails cleanly.
        for len in 1..good.len() {
            assert!(
                matches!(
                    decode(m.id, &good[..len]),
                    Err(RecordError::Damaged(P::DeserializeUnexpectedEnd))
                ),
                "cut at {len}"
            );
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
        let damaged = |bytes: &[u8]| match decode(m.id, bytes) {
            Err(RecordError::Damaged(e)) => e,
            other => panic!("{bytes:?}: {other:?}"),
        };
        let too_long = [
            COMPACT_V1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ];
        assert_eq!(damaged(&too_long), P::DeserializeBadVarint);
        assert_eq!(damaged(&[COMPACT_V1, 0xff]), P::DeserializeUnexpectedEnd);
        // Reactions past u32.
        assert_eq!(
            damaged(&[COMPACT_V1, 1, 2, 0, 0x80, 0x80, 0x80, 0x80, 0x10]),
            P::DeserializeBadVarint
        );
        // A state that is none of the four.
        assert_eq!(damaged(&[COMPACT_V1, 1, 2, 4, 0]), P::SerdeDeCustom);
        // A huge attachment count in a short record must not reserve
        // gigabytes first.
        let mut huge = vec![COMPACT_V1, 1, 2, 0, 0, 0, 0, 0];
        huge.extend([0xff; 9]);
        huge.push(0x01);
        assert_eq!(damaged(&huge), P::DeserializeUnexpectedEnd);
        // Bad UTF-8 in a text.
        let bad = [COMPACT_V1, 1, 2, 0, 0, 0, 2, 0xc3, 0x28, 0, 0];
        assert_eq!(damaged(&bad), P::DeserializeBadUtf8);
        let err = decode(m.id, &bad).unwrap_err().to_string();
        assert!(err.contains("damaged") && err.contains("utf-8"), "{err}");
    }
}
