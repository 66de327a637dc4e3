//! The Server List Ping client against the stand-in server over loopback.

use crate::support;

use std::time::Duration;

use cubeguardian::peers::minecraft::{ping, MinecraftError};
use support::minecraft::{MinecraftStandIn, Mode};

/// Only guards against hanging forever; no test depends on it elapsing
/// except the silent-server one, which uses its own short timeout.
const GENEROUS: Duration = Duration::from_secs(10);

#[tokio::test]
async fn status_of_a_vanilla_server_is_read() {
    let server = MinecraftStandIn::start().await.unwrap();
    server.set_players(3, 20);
    server.set_version("Paper 1.21.1", 767);
    server.set_description(serde_json::json!({
        "text": "§6Cube",
        "extra": [{"text": "§lGuardian", "bold": true}, " server"]
    }));

    let status = ping(&server.address(), GENEROUS).await.unwrap();
    assert_eq!(status.version, "Paper 1.21.1");
    assert_eq!(status.protocol, 767);
    assert_eq!((status.players_online, status.players_max), (3, 20));
    assert_eq!(status.description, "CubeGuardian server");
    assert_eq!(server.pings(), 1);
}

#[tokio::test]
async fn settings_changes_show_in_the_next_ping() {
    let server = MinecraftStandIn::start().await.unwrap();
    server.set_motd("§aplain motd");
    let first = ping(&server.address(), GENEROUS).await.unwrap();
    assert_eq!(
        (first.players_online, first.description.as_str()),
        (0, "plain motd")
    );

    server.set_players(7, 10);
    server.set_description(serde_json::json!("just a string"));
    let second = ping(&server.address(), GENEROUS).await.unwrap();
    assert_eq!((second.players_online, second.players_max), (7, 10));
    assert_eq!(second.description, "just a string");
    assert_eq!(server.pings(), 2);
}

#[tokio::test]
async fn offline_server_is_unreachable_then_answers_again_on_the_same_port() {
    let server = MinecraftStandIn::start().await.unwrap();
    let address = server.address();
    server.set_online(false).await.unwrap();

    let error = ping(&address, GENEROUS).await.unwrap_err();
    assert!(
        matches!(error, MinecraftError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&address), "{error}");

    server.set_online(true).await.unwrap();
    assert_eq!(server.address(), address);
    ping(&address, GENEROUS).await.unwrap();
    assert_eq!(server.pings(), 1);
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_times_out() {
    let server = MinecraftStandIn::start().await.unwrap();
    server.set_mode(Mode::Silent);
    let timeout = Duration::from_millis(300);

    let error = ping(&server.address(), timeout).await.unwrap_err();
    match &error {
        MinecraftError::Timeout {
            address,
            timeout: reported,
        } => {
            assert_eq!(address, &server.address());
            assert_eq!(*reported, timeout);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(error.to_string().contains(&server.address()));
    assert_eq!(server.pings(), 1);
}

/// A complete framed packet around `body`.
fn packet(body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128);
    let mut out = vec![body.len() as u8];
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn garbage_answers_are_protocol_errors_naming_the_address() {
    let server = MinecraftStandIn::start().await.unwrap();
    let not_json = {
        let mut body = vec![0x00, 9];
        body.extend_from_slice(b"not json!");
        packet(&body)
    };
    let wrong_id = packet(&[0x05, 2, b'{', b'}']);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("varint longer than 5 bytes", vec![0xff; 16], "varint"),
        ("huge length", vec![0xff, 0xff, 0xff, 0xff, 0x07], "limit"),
        (
            "negative length",
            vec![0xff, 0xff, 0xff, 0xff, 0x0f],
            "negative",
        ),
        (
            "truncated packet",
            vec![0x20, 0x00, 0x1e, b'{'],
            "middle of a packet",
        ),
        ("non-JSON", not_json, "json"),
        ("wrong packet id", wrong_id, "packet id"),
        (
            "string longer than its packet",
            packet(&[0x00, 0x7f, b'{']),
            "middle of a packet",
        ),
        ("nothing at all", vec![], "without answering"),
    ];
    for (name, bytes, expected) in cases {
        server.set_mode(Mode::Garbage(bytes));
        let error = ping(&server.address(), GENEROUS).await.unwrap_err();
        let MinecraftError::Protocol { address, detail } = &error else {
            panic!("{name}: expected a protocol error, got {error:?}");
        };
        assert_eq!(address, &server.address(), "{name}");
        assert!(detail.to_lowercase().contains(expected), "{name}: {detail}");
    }
}

#[tokio::test]
async fn invalid_addresses_are_refused_before_connecting() {
    for address in ["", "host:notaport", "host:0", "[::1"] {
        let error = ping(address, GENEROUS).await.unwrap_err();
        assert!(
            matches!(error, MinecraftError::InvalidAddress { .. }),
            "{address:?}: {error:?}"
        );
    }
}
