//! End to end: the front door's online mode, with the real `cubeguardian`
//! binary, Node's `minecraft-protocol` as an online-mode client, and a
//! session-server stand-in on 127.0.0.1 that the client joins and the
//! front door asks (`tests/support/session.rs`). A name is worth a wake
//! only when the session server vouches for its account; the answer is
//! read by the client through the AES stream, which proves the stream.
//!
//! The figure printed (login start to magic packet) is measured, never
//! asserted.

use crate::support;

use std::path::Path;
use std::time::Instant;

use cubeguardian::peers::minecraft::codec::{
    framed, next_frame, read_string, read_varint, write_string, write_varint,
};
use cubeguardian::peers::minecraft::encryption::server_hash;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::appliance::*;
use support::front_door::*;
use support::session::SessionStandIn;

const STEVE_ID: &str = "069a79f444e94726a5befca90e38aaf5";
const ALEX_ID: &str = "853c80ef3c3749fdaa49938b674adae6";
const NOTCH_ID: &str = "f84c6a790a4e45e0879bcd49ebd4c4e2";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

/// The text of a kick as the Node client read it (in the encrypted stream
/// when the front door sent an Encryption Request).
fn kick_reason(outcome: &serde_json::Value) -> String {
    assert_eq!(outcome["outcome"], "kicked", "{outcome}");
    outcome["reason"].to_string()
}

/// An appliance whose front door is in online mode (the default) with the
/// stand-in as its session server.
async fn online_appliance(sessions: &SessionStandIn, port: u16, extra: &str) -> Appliance {
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section(
                port,
                None,
                &format!("session_server = \"{}\"\n{extra}", sessions.url()),
            ),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_mode_wakes_only_for_an_account_the_session_server_vouches_for() {
    let sessions = SessionStandIn::start().await;
    sessions.account("steve-token", "Steve", STEVE_ID);
    let port = free_port();
    let app = online_appliance(&sessions, port, "").await;

    // Someone claims Steve's name with an offline client: it completes
    // the encryption step but never joined the session server (1.19.2:
    // the response with its "has verify token" flag).
    let claimed = node_login(port, "Steve", "1.19.2", "hi").await;
    assert!(
        kick_reason(&claimed).contains("Impossible de confirmer que vous êtes Steve"),
        "{claimed}"
    );
    assert_eq!(
        sessions.has_joined_calls(),
        1,
        "the session server was asked"
    );
    // A name not allowed is refused before any proof is asked of it.
    let stranger = node_login(port, "Herobrine", "1.20.4", "hi").await;
    assert!(
        kick_reason(&stranger).contains("Herobrine n'est pas autorisé"),
        "{stranger}"
    );
    assert_eq!(sessions.has_joined_calls(), 1);
    assert!(
        app.wol.packets().is_empty(),
        "an unverified login woke the host"
    );
    app.log
        .wait("the refusal's log line", |l| {
            l.contains("\"Steve\" tried to log in but the session server says")
        })
        .await;

    // Steve himself: his client joins the session server, which vouches.
    let asked = Instant::now();
    let joined = node_online_login(
        port,
        "Steve",
        "1.20.4",
        &sessions.url(),
        "steve-token",
        STEVE_ID,
    )
    .await;
    // No boot seen yet: the estimate is the startup timeout (30 s here).
    assert!(
        kick_reason(&joined).contains("Le serveur démarre, revenez dans ~30 s"),
        "{joined}"
    );
    assert_eq!(sessions.joins().len(), 1, "{:?}", sessions.joins());
    let packets = app.wol.wait_for_packets(3, WAIT).await;
    assert_eq!(packets.len(), 3, "three magic packets");
    eprintln!(
        "front door online mode: Node client start to its kick read, magic packets sent: {:?} \
         (Node's own start included)",
        asked.elapsed()
    );
    app.wait_announce("réveillé par Steve depuis le jeu").await;
}

/// In online mode a `/link` is confirmed only by the account's owner:
/// someone typing the name in an offline client confirms nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_mode_a_link_is_confirmed_only_by_the_accounts_owner() {
    let sessions = SessionStandIn::start().await;
    sessions.account("notch-token", "Notch", NOTCH_ID);
    let port = free_port();
    let app = online_appliance(&sessions, port, "").await;
    let asked = app
        .slash(
            CAROL,
            "link",
            serde_json::json!([{ "name": "name", "type": 3, "value": "Notch" }]),
        )
        .await;
    let asked = asked.content().unwrap_or_default().to_owned();
    assert!(asked.contains("avec le compte Notch"), "{asked}");

    let claimed = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(
        kick_reason(&claimed).contains("Impossible de confirmer que vous êtes Notch"),
        "{claimed}"
    );
    // Still pending: the owner's own login confirms it.
    let owner = node_online_login(
        port,
        "Notch",
        "1.20.4",
        &sessions.url(),
        "notch-token",
        NOTCH_ID,
    )
    .await;
    assert!(
        kick_reason(&owner).contains("Compte lié à carol ✓"),
        "{owner}"
    );
    assert!(app.wol.packets().is_empty(), "a confirmation woke the host");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_mode_refuses_when_the_session_server_cannot_answer_and_keeps_serving() {
    let sessions = SessionStandIn::start().await;
    sessions.account("alex-token", "Alex", ALEX_ID);
    sessions.stall(true);
    let port = free_port();
    let app = online_appliance(&sessions, port, "handshake_timeout = \"2s\"").await;

    // 1.21.1: the request's "should authenticate" flag. The client joins;
    // the front door's question is never answered.
    let stalled = node_online_login(
        port,
        "Alex",
        "1.21.1",
        &sessions.url(),
        "alex-token",
        ALEX_ID,
    )
    .await;
    assert!(
        kick_reason(&stalled).contains("Impossible de vérifier votre compte Minecraft"),
        "{stalled}"
    );
    assert_eq!(sessions.joins().len(), 1, "the client joined");
    assert_eq!(sessions.has_joined_calls(), 1, "the front door asked");
    assert!(app.wol.packets().is_empty(), "woken without a proof");
    app.log
        .wait("the log line", |l| l.contains("cannot verify \"Alex\""))
        .await;

    // The front door still serves the server list.
    let ping = node_ping(port).await;
    assert_eq!(
        ping["status"]["description"]["text"], "💤 endormi — connectez-vous pour le réveiller",
        "{ping}"
    );
    assert!(app.wol.packets().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_mode_on_a_dead_session_server_says_try_again() {
    // Nothing listens there: the stand-in the client joins is another.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let sessions = SessionStandIn::start().await;
    sessions.account("alex-token", "Alex", ALEX_ID);
    let port = free_port();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section(port, None, &format!("session_server = \"{dead}\"")),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    let refused = node_online_login(
        port,
        "Alex",
        "1.20.4",
        &sessions.url(),
        "alex-token",
        ALEX_ID,
    )
    .await;
    assert!(
        kick_reason(&refused).contains("Impossible de vérifier votre compte Minecraft"),
        "{refused}"
    );
    assert!(app.wol.packets().is_empty());
}

/// Reads one framed packet's body from `stream`.
async fn read_packet(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Vec<u8> {
    loop {
        if let Some(frame) = next_frame(buffer, 1 << 16).unwrap() {
            let body = buffer[frame.body_start..frame.end].to_vec();
            buffer.drain(..frame.end);
            return body;
        }
        let mut chunk = [0u8; 1024];
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed before a whole packet");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// A varint-prefixed byte array from the start of `input`, and the rest.
fn array(input: &[u8]) -> (&[u8], &[u8]) {
    let (length, used) = read_varint(input).unwrap().unwrap();
    let end = used + length as usize;
    (&input[used..end], &input[end..])
}

/// Our own minimal online client (RustCrypto, as in the appliance, but
/// the client's side), so the time from Login Start to the magic packet
/// has no Node process start in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_login_start_to_magic_packet_is_measured() {
    use aes::cipher::KeyIvInit;
    use rsa::pkcs8::DecodePublicKey;

    let sessions = SessionStandIn::start().await;
    sessions.account("alex-token", "Alex", ALEX_ID);
    let port = free_port();
    let app = online_appliance(&sessions, port, "").await;
    // First without joining (refused, and the process's key is made),
    // then measured: a real join.
    for joins in [false, true] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut handshake = vec![0x00];
        write_varint(&mut handshake, 765);
        write_string(&mut handshake, "127.0.0.1");
        handshake.extend_from_slice(&port.to_be_bytes());
        handshake.push(2);
        let mut start = vec![0x00];
        write_string(&mut start, "Alex");
        start.extend_from_slice(&[0x85; 16]);
        let mut bytes = framed(&handshake);
        bytes.extend(framed(&start));
        let asked = Instant::now();
        stream.write_all(&bytes).await.unwrap();

        let mut buffer = Vec::new();
        let request = read_packet(&mut stream, &mut buffer).await;
        assert_eq!(request[0], 0x01, "an Encryption Request");
        let (server_id, used) = read_string(&request[1..], 20).unwrap();
        assert_eq!(server_id, "");
        let (der, rest) = array(&request[1 + used..]);
        let (token, rest) = array(rest);
        assert_eq!(token.len(), 4);
        assert!(rest.is_empty(), "765 has no authenticate flag");
        let public = rsa::PublicKey::from_public_key_der(der).unwrap();
        let secret = [u8::from(joins) + 7; 16];
        if joins {
            let hash = server_hash("", &secret, der);
            let join = reqwest::Client::new()
                .post(format!("{}/session/minecraft/join", sessions.url()))
                .header("content-type", "application/json")
                .body(
                    serde_json::json!({
                        "accessToken": "alex-token",
                        "selectedProfile": ALEX_ID,
                        "serverId": hash,
                    })
                    .to_string(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(join.status(), 204);
        }
        let mut response = vec![0x01];
        for plain in [&secret[..], token] {
            let encrypted = public.pkcs1v15_encrypt(plain).unwrap();
            write_varint(&mut response, encrypted.len() as i32);
            response.extend_from_slice(&encrypted);
        }
        stream.write_all(&framed(&response)).await.unwrap();

        let mut kick = Vec::new();
        tokio::time::timeout(WAIT, stream.read_to_end(&mut kick))
            .await
            .unwrap()
            .unwrap();
        cfb8::Decryptor::<aes::Aes128>::new(&secret.into(), &secret.into()).decrypt(&mut kick);
        let text = String::from_utf8_lossy(&kick).into_owned();
        if !joins {
            assert!(text.contains("Impossible de confirmer"), "{text}");
            assert!(app.wol.packets().is_empty());
            continue;
        }
        assert!(
            text.contains("Le serveur démarre, revenez dans ~30 s"),
            "{text}"
        );
        app.wol.wait_for_packets(1, WAIT).await;
        eprintln!(
            "front door online mode: Login Start to the magic packet on loopback (debug build, \
             the client's join to the session server included): {:?}",
            asked.elapsed()
        );
    }
}
