//! The Server List Ping packets, without I/O: building the handshake, the
//! status request and the ping, and decoding the status answer (its JSON
//! mapped to [`StatusFields`]) and the pong.

use super::codec::{
    expect_id, framed, read_string, write_string, write_varint, DecodeError, MAX_VARINT_BYTES,
};

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
pub use crate::peers::address::MAX_HOST_CHARS;

/// Protocol version sent in the handshake. -1 is the convention for "I
/// only want the status": servers of every version answer it, and report
/// their own protocol number back.
pub const HANDSHAKE_PROTOCOL_VERSION: i32 = -1;

const HANDSHAKE_ID: i32 = 0x00;
const STATUS_ID: i32 = 0x00;
const PING_ID: i32 = 0x01;
/// "Next state" value in the handshake asking for the status protocol.
const NEXT_STATE_STATUS: i32 = 1;

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

/// Extracts the JSON text from a status response packet body.
pub fn decode_status_response(body: &[u8]) -> Result<&str, DecodeError> {
    let rest = expect_id(body, STATUS_ID)?;
    let (json, used) = read_string(rest, MAX_STATUS_JSON_BYTES).map_err(|e| match e {
        // Count what the whole packet held, as the other decoders do.
        DecodeError::Truncated { .. } => DecodeError::Truncated {
            received: body.len(),
        },
        other => other,
    })?;
    if rest.len() > used {
        return Err(DecodeError::TrailingBytes(rest.len() - used));
    }
    Ok(json)
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

#[cfg(test)]
mod tests {
    use super::super::codec::{next_frame, read_varint};
    use super::*;
    use crate::peers::minecraft::testing::{varint, Rng};

    #[test]
    fn handshake_has_the_documented_layout() {
        let packet = handshake("mc.local", 25565);
        let frame = next_frame(&packet, MAX_PACKET_BYTES).unwrap().unwrap();
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
            assert_eq!(
                next_frame(&packet[..cut], MAX_PACKET_BYTES),
                Ok(None),
                "cut at {cut}"
            );
        }
        let mut two = packet.clone();
        two.extend(ping_request(7));
        let frame = next_frame(&two, MAX_PACKET_BYTES).unwrap().unwrap();
        assert_eq!(frame.end, packet.len());
        assert_eq!(
            decode_status_response(&two[frame.body_start..frame.end]),
            Ok("{}")
        );
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
            Err(DecodeError::StringTooLong { .. })
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
            if let Ok(Some(frame)) = next_frame(&input, MAX_PACKET_BYTES) {
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
}
