//! The server's side of the protocol, without I/O: reading what a client
//! sends before it plays (the handshake, the legacy `0xFE` ping, the status
//! request and ping, the login start) and building the answers a server
//! gives (status, pong, login disconnect, legacy kick). The front door
//! ([`crate::front_door`]) speaks it while the real server sleeps.
//!
//! Every length is capped before anything is allocated: these bytes come
//! from anyone on the internet who found the port.

use super::codec::{
    expect_id, framed, read_bytes, read_string, read_varint, write_string, write_varint,
    DecodeError,
};

/// The first byte of a pre-1.7 Server List Ping (`0xFE`, usually followed
/// by `0x01 0xFA…`). A modern packet never starts with it in practice: it
/// would announce a handshake of 254+ bytes with a continuation bit.
pub const LEGACY_PING: u8 = 0xFE;

/// Largest packet the front door reads itself (handshake, status request,
/// ping, login start). A 1.19 login start carrying its signature data is
/// about 1 KiB; the handshake's address is a String(255). Anything longer
/// before the game starts is not a Minecraft client.
pub const MAX_CLIENT_PACKET_BYTES: usize = 2048;

/// The handshake's server address is at most 255 characters of up to
/// 4 UTF-8 bytes (Forge appends a marker, still within it).
const MAX_HANDSHAKE_HOST_BYTES: usize = 255 * 4;

/// A user name is 16 characters; some clients send it in a String(16)
/// whose byte length the protocol caps at 16 × 4.
const MAX_NAME_BYTES: usize = 16 * 4;

const HANDSHAKE_ID: i32 = 0x00;
const STATUS_ID: i32 = 0x00;
const PING_ID: i32 = 0x01;
const LOGIN_START_ID: i32 = 0x00;
const LOGIN_DISCONNECT_ID: i32 = 0x00;

/// What the client wants after the handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextState {
    Status,
    Login,
    /// 1.20.5+: a login sent on by another server; a login all the same.
    Transfer,
}

/// The first packet of every modern connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    pub protocol: i32,
    pub host: String,
    pub port: u16,
    pub next: NextState,
}

impl Handshake {
    /// Whether the client goes on to log in (a player, not a ping).
    pub fn is_login(&self) -> bool {
        matches!(self.next, NextState::Login | NextState::Transfer)
    }
}

/// Decodes a handshake packet body (packet id and fields).
pub fn decode_handshake(body: &[u8]) -> Result<Handshake, DecodeError> {
    let rest = expect_id(body, HANDSHAKE_ID)?;
    let truncated = || DecodeError::Truncated {
        received: body.len(),
    };
    let (protocol, used) = read_varint(rest)?.ok_or_else(truncated)?;
    let rest = &rest[used..];
    let (host, used) = read_string(rest, MAX_HANDSHAKE_HOST_BYTES)?;
    let rest = &rest[used..];
    let port = u16::from_be_bytes(read_bytes::<2>(rest)?);
    let rest = &rest[2..];
    let (next, used) = read_varint(rest)?.ok_or_else(truncated)?;
    if rest.len() > used {
        return Err(DecodeError::TrailingBytes(rest.len() - used));
    }
    let next = match next {
        1 => NextState::Status,
        2 => NextState::Login,
        3 => NextState::Transfer,
        other => return Err(DecodeError::UnknownNextState(other)),
    };
    Ok(Handshake {
        protocol,
        host: host.to_owned(),
        port,
        next,
    })
}

/// Checks a status request (an empty packet 0x00).
pub fn decode_status_request(body: &[u8]) -> Result<(), DecodeError> {
    match expect_id(body, STATUS_ID)? {
        [] => Ok(()),
        rest => Err(DecodeError::TrailingBytes(rest.len())),
    }
}

/// The payload of a status ping, to be echoed in the pong.
pub fn decode_ping(body: &[u8]) -> Result<i64, DecodeError> {
    let rest = expect_id(body, PING_ID)?;
    let payload = i64::from_be_bytes(read_bytes::<8>(rest)?);
    if rest.len() > 8 {
        return Err(DecodeError::TrailingBytes(rest.len() - 8));
    }
    Ok(payload)
}

/// The user name of a login start packet. What follows it (a UUID, or
/// 1.19's signature data) differs between versions and is not needed.
pub fn decode_login_start(body: &[u8]) -> Result<String, DecodeError> {
    let rest = expect_id(body, LOGIN_START_ID)?;
    let (name, _) = read_string(rest, MAX_NAME_BYTES)?;
    Ok(name.to_owned())
}

/// The status response carrying `json`.
pub fn status_response(json: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(json.len() + 8);
    write_varint(&mut body, STATUS_ID);
    write_string(&mut body, json);
    framed(&body)
}

/// The pong echoing `payload`.
pub fn pong(payload: i64) -> Vec<u8> {
    let mut body = Vec::with_capacity(9);
    write_varint(&mut body, PING_ID);
    body.extend_from_slice(&payload.to_be_bytes());
    framed(&body)
}

/// The login-state disconnect showing `reason` to the player (a JSON text
/// component, in every version that has a login state).
pub fn login_disconnect(reason: &str) -> Vec<u8> {
    let json = serde_json::json!({ "text": reason }).to_string();
    let mut body = Vec::with_capacity(json.len() + 8);
    write_varint(&mut body, LOGIN_DISCONNECT_ID);
    write_string(&mut body, &json);
    framed(&body)
}

/// The answer to a legacy ping (clients 1.4 to 1.6 and tools that still
/// send it): a kick packet `0xFF` whose UTF-16BE text carries `§1`, the
/// protocol, the version, the MOTD and the player counts, NUL-separated.
pub fn legacy_status(protocol: i32, version: &str, motd: &str, online: u32, max: u32) -> Vec<u8> {
    let text = format!("§1\0{protocol}\0{version}\0{motd}\0{online}\0{max}");
    let units: Vec<u16> = text.encode_utf16().collect();
    // The length is a u16 of UTF-16 units: cut what does not fit.
    let units = &units[..units.len().min(usize::from(u16::MAX))];
    let mut out = Vec::with_capacity(3 + units.len() * 2);
    out.push(0xFF);
    out.extend_from_slice(&(units.len() as u16).to_be_bytes());
    for unit in units {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::codec::next_frame;
    use super::super::status;
    use super::*;
    use crate::peers::minecraft::testing::Rng;

    fn body(packet: &[u8]) -> &[u8] {
        let frame = next_frame(packet, MAX_CLIENT_PACKET_BYTES)
            .unwrap()
            .unwrap();
        assert_eq!(frame.end, packet.len());
        &packet[frame.body_start..]
    }

    #[test]
    fn our_own_client_handshake_is_understood() {
        let packet = status::handshake("mc.example", 25565);
        assert_eq!(
            decode_handshake(body(&packet)),
            Ok(Handshake {
                protocol: -1,
                host: "mc.example".into(),
                port: 25565,
                next: NextState::Status,
            })
        );
        assert_eq!(
            decode_status_request(body(&status::status_request())),
            Ok(())
        );
        assert_eq!(decode_ping(body(&status::ping_request(-7))), Ok(-7));
    }

    #[test]
    fn login_handshake_and_login_start_give_the_name() {
        let mut hs = vec![0x00];
        write_varint(&mut hs, 765);
        write_string(&mut hs, "play.example");
        hs.extend_from_slice(&25565u16.to_be_bytes());
        hs.push(2);
        let handshake = decode_handshake(&hs).unwrap();
        assert!(handshake.is_login());
        // 1.20.2+: the name, then the player's UUID.
        let mut start = vec![0x00];
        write_string(&mut start, "Steve");
        start.extend_from_slice(&[7; 16]);
        assert_eq!(decode_login_start(&start), Ok("Steve".to_owned()));
    }

    #[test]
    fn bad_client_packets_are_refused() {
        let mut hs = vec![0x00, 0x01];
        write_string(&mut hs, "h");
        hs.extend_from_slice(&[0, 1, 9]);
        assert_eq!(decode_handshake(&hs), Err(DecodeError::UnknownNextState(9)));
        assert!(matches!(
            decode_handshake(&[0x00, 0x01, 0x01]),
            Err(DecodeError::Truncated { .. })
        ));
        let mut long_name = vec![0x00];
        write_string(&mut long_name, &"x".repeat(65));
        assert!(matches!(
            decode_login_start(&long_name),
            Err(DecodeError::StringTooLong { .. })
        ));
        assert_eq!(
            decode_status_request(&[0x00, 1]),
            Err(DecodeError::TrailingBytes(1))
        );
        assert!(matches!(
            decode_ping(&[0x01, 0, 0]),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn our_answers_decode_with_the_client_side_decoders() {
        let json = r#"{"version":{"name":"x","protocol":1},"players":{"max":1,"online":0}}"#;
        assert_eq!(
            status::decode_status_response(body(&status_response(json))),
            Ok(json)
        );
        assert_eq!(status::decode_pong(body(&pong(42)), 42), Ok(()));
        let kick = login_disconnect("Le serveur démarre, revenez dans ~90 s");
        let (text, _) = read_string(&body(&kick)[1..], 1000).unwrap();
        assert_eq!(text, r#"{"text":"Le serveur démarre, revenez dans ~90 s"}"#);
    }

    #[test]
    fn legacy_answer_has_the_documented_layout() {
        let packet = legacy_status(127, "1.20.4", "zZ", 0, 20);
        assert_eq!(packet[0], 0xFF);
        let units = u16::from_be_bytes([packet[1], packet[2]]) as usize;
        assert_eq!(packet.len(), 3 + units * 2);
        let text: Vec<u16> = packet[3..]
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect();
        assert_eq!(
            String::from_utf16(&text).unwrap(),
            "§1\u{0}127\u{0}1.20.4\u{0}zZ\u{0}0\u{0}20"
        );
    }

    #[test]
    fn random_bytes_never_panic_the_server_decoders() {
        let mut rng = Rng(0x5eed_f00d_dead_beef);
        for _ in 0..20_000 {
            let input = rng.bytes(80);
            let _ = decode_handshake(&input);
            let _ = decode_login_start(&input);
            let _ = decode_ping(&input);
            let _ = decode_status_request(&input);
        }
    }
}
