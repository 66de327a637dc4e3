//! `scripts/peer_bot.py`, the discord.py bot `scripts/measure.sh` measures
//! beside ours (issue 14), must never reach Discord: it refuses URLs off
//! loopback before importing discord.py, and guards every socket connect
//! and name lookup of its process. These tests need only `python3`, not
//! discord.py, and send nothing off the machine even if a guard broke:
//! the addresses they try are loopback or `0.0.0.0` (which Linux connects
//! to this host) and numeric (no resolver is asked).

use std::process::{Command, Output};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/peer_bot.py");

fn peer_bot(api: &str, gateway: &str) -> Output {
    Command::new("python3")
        .arg(SCRIPT)
        .args(["--api", api, "--gateway", gateway, "--intents", "1"])
        .env("PEER_BOT_TOKEN", "peer-test-token")
        .output()
        .expect("run python3")
}

#[test]
fn urls_off_loopback_are_refused_before_anything_runs() {
    for (api, gateway) in [
        // Only this machine is ever named, so nothing could leave it even
        // if the check broke: 0.0.0.0 (not loopback, but Linux connects
        // it to this host), a scheme that is not plain http or ws, and a
        // name instead of an address.
        ("http://0.0.0.0:9/api/v10", "ws://127.0.0.1:9/gateway"),
        ("http://127.0.0.1:9/api/v10", "ws://0.0.0.0:9/gateway"),
        ("https://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/gateway"),
        ("http://localhost:9/api/v10", "ws://127.0.0.1:9/gateway"),
    ] {
        let out = peer_bot(api, gateway);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{api} {gateway} accepted");
        assert!(stderr.contains("peer_bot: refusing"), "{stderr}");
    }
}

#[test]
fn the_socket_guard_lets_loopback_through_and_refuses_the_rest() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let check = format!(
        r#"
import socket, sys
sys.path.insert(0, {dir:?})
import peer_bot
peer_bot.guard_sockets()
socket.create_connection(("127.0.0.1", {port})).close()
print("loopback ok")
for attempt in (
    lambda: socket.create_connection(("0.0.0.0", {port})),
    lambda: socket.socket().connect_ex(("0.0.0.0", {port})),
    lambda: socket.getaddrinfo("0.0.0.0", {port}),
):
    try:
        attempt()
        print("not refused")
    except OSError as e:
        print("refused" if "peer_bot: refusing" in str(e) else f"other error {{e}}")
"#,
        dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts"),
    );
    let out = Command::new("python3")
        .args(["-c", &check])
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["loopback ok", "refused", "refused", "refused"]
    );
}
