//! Real third-party Minecraft implementations for the front door's tests:
//! Node's `minecraft-protocol` (the library behind mineflayer) as client
//! and as the real server behind the relay, installed from
//! `tests/node/package-lock.json` (`npm ci`), and Python's `mcstatus` as a
//! second status client. Everything on 127.0.0.1.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::appliance::WAIT;

/// `tests/node`, with its `node_modules`.
fn node_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    assert!(
        dir.join("node_modules/minecraft-protocol").is_dir(),
        "run `npm ci` in {} first (.ci/run does)",
        dir.display()
    );
    dir
}

/// Runs a command that prints one JSON line, and parses its last line.
async fn json_of(command: &mut Command) -> serde_json::Value {
    let output = tokio::time::timeout(WAIT, command.stdin(Stdio::null()).output())
        .await
        .expect("the client hung")
        .expect("run the client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// minecraft-protocol's `ping` against `port`: `{"outcome":"status",…}`.
pub async fn node_ping(port: u16) -> serde_json::Value {
    json_of(Command::new("node").current_dir(node_dir()).args([
        "client.js",
        "ping",
        "127.0.0.1",
        &port.to_string(),
    ]))
    .await
}

/// An offline-mode login as `username` with client `version`; once in the
/// game it says `chat` and waits for the server's echo.
pub async fn node_login(port: u16, username: &str, version: &str, chat: &str) -> serde_json::Value {
    json_of(Command::new("node").current_dir(node_dir()).args([
        "client.js",
        "login",
        "127.0.0.1",
        &port.to_string(),
        username,
        version,
        chat,
    ]))
    .await
}

/// An online-mode login as `username` with client `version`, holding the
/// account `access_token` (profile `uuid`) of the session server at
/// `session_server` (the stand-in), which the client joins first.
pub async fn node_online_login(
    port: u16,
    username: &str,
    version: &str,
    session_server: &str,
    access_token: &str,
    uuid: &str,
) -> serde_json::Value {
    json_of(Command::new("node").current_dir(node_dir()).args([
        "client.js",
        "online",
        "127.0.0.1",
        &port.to_string(),
        username,
        version,
        session_server,
        access_token,
        uuid,
    ]))
    .await
}

/// mcstatus's `modern` or `legacy` status of `127.0.0.1:port`.
pub async fn mcstatus(kind: &str, port: u16) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/mcstatus_ping.py");
    json_of(
        Command::new("python3")
            .arg(script)
            .args([kind, &format!("127.0.0.1:{port}")]),
    )
    .await
}

/// The real server: minecraft-protocol's, offline mode, answering each
/// chat message with "echo: …". Stops with the test (stdin closes).
pub struct NodeServer {
    pub port: u16,
    events: Arc<Mutex<Vec<serde_json::Value>>>,
    _child: Child,
}

impl NodeServer {
    pub async fn start(version: &str) -> NodeServer {
        let mut child = Command::new("node")
            .current_dir(node_dir())
            .args(["server.js", "0", version])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the node server");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("the node server did not start")
            .expect("read the node server")
            .expect("the node server exited");
        let listening: serde_json::Value = serde_json::from_str(&first).expect("JSON event");
        let port = listening["port"].as_u64().expect("listening port") as u16;
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(event) = serde_json::from_str(&line) {
                    sink.lock().unwrap().push(event);
                }
            }
        });
        NodeServer {
            port,
            events,
            _child: child,
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The events of kind `event` so far.
    pub fn events(&self, event: &str) -> Vec<serde_json::Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == event)
            .cloned()
            .collect()
    }
}

/// A port on 127.0.0.1 free now (asked of the kernel, then released for
/// the bot to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A `[front_door]` section listening on `port`.
pub fn section(port: u16, upstream: Option<&str>, extra: &str) -> String {
    let upstream = upstream
        .map(|u| format!("upstream = \"{u}\"\n"))
        .unwrap_or_default();
    format!(
        "\n[front_door]\nenabled = true\nlisten = \"127.0.0.1:{port}\"\n{upstream}\
         allowed_players = [\"Steve\", \"Alex\"]\n{extra}\n"
    )
}

/// The bot's resident memory in KiB, from procfs.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
