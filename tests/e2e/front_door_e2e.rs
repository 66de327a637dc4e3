//! End to end: the Minecraft front door of the real `cubeguardian` binary,
//! driven by real third-party Minecraft implementations — Node's
//! `minecraft-protocol` as the client and as the real server behind the
//! relay, Python's `mcstatus` as a second status client — with the
//! Discord, Proxmox and Wake-on-LAN stand-ins, all on 127.0.0.1.
//!
//! The figures printed (time to the magic packet, relay latency and
//! throughput, memory per idle connection) are measured, never asserted.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use cubeguardian::peers::minecraft::codec::{framed, write_string, write_varint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use support::appliance::*;
use support::front_door::*;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

/// A login handshake (protocol `protocol`) and login start for `name`, as a
/// client sends them.
fn login_bytes(protocol: i32, port: u16, name: &str) -> Vec<u8> {
    let mut handshake = vec![0x00];
    write_varint(&mut handshake, protocol);
    write_string(&mut handshake, "127.0.0.1");
    handshake.extend_from_slice(&port.to_be_bytes());
    handshake.push(2);
    let mut start = vec![0x00];
    write_string(&mut start, name);
    let mut bytes = framed(&handshake);
    bytes.extend(framed(&start));
    bytes
}

/// The text of a kick (`disconnect` in the login state) as the Node client
/// reports it: the reason's JSON, as a string.
fn kick_reason(outcome: &serde_json::Value) -> String {
    assert_eq!(outcome["outcome"], "kicked", "{outcome}");
    outcome["reason"].to_string()
}

/// `/metrics`, parsed.
async fn metrics(app: &Appliance) -> std::collections::BTreeMap<String, f64> {
    let mut stream = TcpStream::connect(app.admin_addr).await.unwrap();
    let request = format!("GET /metrics HTTP/1.0\r\nHost: {}\r\n\r\n", app.admin_addr);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (_, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
    support::prometheus::parse_exposition(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeping_host_answers_the_server_list_and_only_an_allowed_login_wakes_it() {
    let port = free_port();
    let mut app = Appliance::start(
        bin(),
        Options {
            // The starting MOTD configured, the others from [messages];
            // offline mode: the names the client claims are trusted.
            extra: section(
                port,
                None,
                "motd_starting = \"booting, ~{seconds} s left\"\nonline_mode = false",
            ),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;

    let ping = node_ping(port).await;
    assert_eq!(ping["outcome"], "status", "{ping}");
    let status = &ping["status"];
    assert_eq!(
        status["description"]["text"],
        "💤 endormi — connectez-vous pour le réveiller"
    );
    assert_eq!(status["players"]["online"], 0);
    // Nothing remembered of the real server yet: our name.
    assert_eq!(status["version"]["name"], "CubeGuardian");
    for kind in ["modern", "legacy"] {
        let seen = mcstatus(kind, port).await;
        assert!(
            seen["motd"].as_str().unwrap_or("").contains("endormi"),
            "{kind}: {seen}"
        );
        assert_eq!(seen["online"], 0, "{kind}: {seen}");
    }
    assert!(app.wol.packets().is_empty(), "a ping woke the host");

    let refused = node_login(port, "Herobrine", "1.20.4", "hi").await;
    assert!(
        kick_reason(&refused).contains("Herobrine n'est pas autorisé"),
        "{refused}"
    );
    assert!(
        app.wol.packets().is_empty(),
        "a refused login woke the host"
    );

    let allowed = node_login(port, "steve", "1.20.4", "hi").await;
    // No boot seen yet: the estimate is the startup timeout (30 s here).
    assert!(
        kick_reason(&allowed).contains("Le serveur démarre, revenez dans ~30 s"),
        "{allowed}"
    );
    let packets = app.wol.wait_for_packets(3, WAIT).await;
    assert_eq!(packets.len(), 3, "three magic packets");
    app.wait_announce("Serveur réveillé par steve depuis le jeu")
        .await;
    app.wait_status("startup").await;

    // Booting: the list says so, with the time left (at most the 30 s).
    let ping = node_ping(port).await;
    let motd = ping["status"]["description"]["text"].as_str().unwrap_or("");
    let left: u64 = motd
        .strip_prefix("booting, ~")
        .and_then(|rest| rest.strip_suffix(" s left"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not the configured MOTD: {ping}"));
    assert!((10..=30).contains(&left), "{ping}");
    let starts: Vec<_> = app
        .discord
        .messages()
        .into_iter()
        .filter(|m| m.content.contains("réveillé par"))
        .collect();
    assert_eq!(starts.len(), 1, "one wake, steve's");
    assert!(!starts[0].content.contains("Herobrine"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_wakes_nothing_and_then_the_relay_serves_a_real_game() {
    let server = NodeServer::start("1.12.2").await;
    let port = free_port();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section(
                port,
                Some(&server.address()),
                "max_connections = 400\nmax_connections_per_address = 300\n\
                 handshake_timeout = \"2s\"",
            ),
            shutdown_delay: "6s",
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    let pid = app.pid().expect("the bot runs");

    // 200 half-open connections: connected, silent.
    let before = rss_kib(pid);
    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    // 1,000 pings, through our own client (a Node process each would take
    // minutes): every one answered by the front door.
    let address = format!("127.0.0.1:{port}");
    for _ in 0..1000 {
        let status = cubeguardian::peers::minecraft::ping(&address, WAIT)
            .await
            .expect("a ping answered while 200 connections wait");
        assert_eq!(status.players_online, 0);
    }
    let during = rss_kib(pid);
    // The handshake deadline closes every silent connection.
    for stream in &mut silent {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(WAIT, stream.read(&mut byte)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "a silent connection stayed open"
        );
    }
    drop(silent);
    if let (Some(before), Some(during)) = (before, during) {
        eprintln!(
            "front door: resident memory {before} KiB idle, {during} KiB with 200 silent \
             connections (~{} B each)",
            (during.saturating_sub(before) * 1024) / 200
        );
    }
    assert!(app.wol.packets().is_empty(), "the flood woke the host");
    assert!(
        server.events("connection").is_empty(),
        "a ping reached the real server while the host slept"
    );

    // The host comes up (the stand-ins); nobody in voice, so the shutdown
    // timer starts at once.
    app.power_on().await;
    app.wait_announce("le serveur s'éteindra dans 6 s").await;

    // A player holds a game through the relay: counted, the timer stops.
    let mut held = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    held.write_all(&login_bytes(340, port, "Alex"))
        .await
        .unwrap();
    let mut answer = [0u8; 64];
    let read = tokio::time::timeout(WAIT, held.read(&mut answer)).await;
    assert!(
        matches!(read, Ok(Ok(1..))),
        "the real server answers the login"
    );
    app.wait_announce("est de retour : arrêt annulé").await;
    wait_until("the join on the real server", || {
        server
            .events("join")
            .iter()
            .any(|e| e["username"] == "Alex")
    })
    .await;
    let seen = metrics(&app).await;
    assert_eq!(seen.get("cubeguardian_front_door_players"), Some(&1.0));
    let status = app.slash(ALICE, "status", serde_json::json!({})).await;
    assert!(
        status
            .content()
            .unwrap_or("")
            .contains("Joueurs connectés par la porte d'entrée : 1"),
        "{status:?}"
    );

    // Pings while the server runs show its own status, but a burst of
    // them costs it about one status read a second, not one each.
    let reached = server.events("connection").len();
    let burst = Instant::now();
    for _ in 0..200 {
        let status = cubeguardian::peers::minecraft::ping(&address, WAIT)
            .await
            .expect("a ping through the front door");
        assert_eq!(status.description, "The real server");
        assert_eq!(status.players_max, 42);
    }
    let reads = server.events("connection").len() - reached;
    let bound = burst.elapsed().as_secs() as usize + 2;
    assert!(reads <= bound, "{reads} status reads for 200 pings");

    // A real client logs in through the relay and chats with the server.
    let chat = node_login(port, "Steve", "1.12.2", "bonjour").await;
    assert_eq!(chat["outcome"], "chat", "{chat}");
    assert_eq!(chat["text"], "echo: bonjour");
    assert!(server
        .events("chat")
        .iter()
        .any(|e| e["username"] == "Steve" && e["message"] == "bonjour"));
    assert_eq!(app.pve.shutdown_calls(), 0, "shut down under a player");

    // The last player leaves the game, nobody is in voice: idle shutdown.
    drop(held);
    wait_until("the timer started again", || {
        let timers = app.discord.messages();
        let timers = timers
            .iter()
            .filter(|m| m.content.contains("s'éteindra dans 6 s"));
        timers.count() == 2
    })
    .await;
    wait_until("the idle shutdown", || app.pve.shutdown_calls() == 1).await;
    assert!(app.wol.packets().is_empty());

    // Stopping: answered here, with the real server's version and size as
    // it last showed them, and nothing reaches the real server.
    let reached = server.events("connection").len();
    let ping = node_ping(port).await;
    let status = &ping["status"];
    assert_eq!(status["description"]["text"], "🔌 arrêt en cours", "{ping}");
    assert_eq!(status["version"]["name"], "1.12.2", "{ping}");
    assert_eq!(status["players"]["max"], 42, "{ping}");
    assert_eq!(status["players"]["online"], 0, "{ping}");

    // Off, and the appliance restarted: the version is still remembered.
    app.power_off().await;
    let stopped = app.stop_bot().await;
    assert!(stopped.success(), "clean exit with a front door: {stopped}");
    let from = app.notify.len();
    app.spawn_ready().await;
    app.wait_status_from(from, "idle").await;
    let ping = node_ping(port).await;
    let status = &ping["status"];
    assert_eq!(
        status["description"]["text"],
        "💤 endormi — connectez-vous pour le réveiller"
    );
    assert_eq!(status["version"]["name"], "1.12.2", "{ping}");
    assert_eq!(server.events("connection").len(), reached);
}

/// A TCP echo server: the upstream for measuring the relay alone.
async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    address
}

/// Round trips of a 32-byte message, and the throughput of a 32 MiB
/// transfer echoed back, on `stream`.
async fn measure(mut stream: TcpStream) -> (Duration, f64) {
    let _ = stream.set_nodelay(true);
    let message = [7u8; 32];
    let mut back = [0u8; 32];
    let rounds = 1000;
    let started = Instant::now();
    for _ in 0..rounds {
        stream.write_all(&message).await.unwrap();
        stream.read_exact(&mut back).await.unwrap();
        assert_eq!(back, message, "the relay changed the bytes");
    }
    let round_trip = started.elapsed() / rounds;

    const TOTAL: usize = 32 << 20;
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5a; 64 << 10];
        for _ in 0..TOTAL / chunk.len() {
            write.write_all(&chunk).await.unwrap();
        }
        write
    });
    let mut received = 0;
    let mut buffer = vec![0u8; 64 << 10];
    while received < TOTAL {
        let n = read.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the relay closed mid-transfer");
        assert!(buffer[..n].iter().all(|b| *b == 0x5a));
        received += n;
    }
    let _ = writer.await;
    let mib_per_s = (TOTAL as f64 / (1 << 20) as f64) / started.elapsed().as_secs_f64();
    (round_trip, mib_per_s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_is_transparent_and_its_cost_is_measured() {
    let upstream = echo_server().await;
    let port = free_port();
    let mut app = Appliance::start(
        bin(),
        Options {
            // Offline mode: our minimal login's name is trusted.
            extra: section(port, Some(&upstream.to_string()), "online_mode = false"),
            shutdown_delay: "10m",
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;

    // Our own minimal login: the time from the attempt to the magic packet
    // without a Node process's start in it.
    let asked = Instant::now();
    let mut login = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    login
        .write_all(&login_bytes(765, port, "Alex"))
        .await
        .unwrap();
    app.wol.wait_for_packets(1, WAIT).await;
    let first = asked.elapsed();
    app.wol.wait_for_packets(3, WAIT).await;
    eprintln!(
        "front door: login attempt to the first magic packet: {first:?}, to the third: {:?}",
        asked.elapsed()
    );
    let mut kick = Vec::new();
    tokio::time::timeout(WAIT, login.read_to_end(&mut kick))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&kick).contains("Le serveur démarre"));

    app.power_on().await;
    // Up, and straight into the (10 min) timer: nobody is in voice.
    app.wait_status("Minecraft 0/20").await;

    let direct = TcpStream::connect(upstream).await.unwrap();
    let (direct_rtt, direct_rate) = measure(direct).await;
    let mut relayed = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // The handshake goes first, replayed to the upstream, which echoes it.
    let hello = login_bytes(765, port, "Alex");
    relayed.write_all(&hello).await.unwrap();
    let mut echoed = vec![0u8; hello.len()];
    relayed.read_exact(&mut echoed).await.unwrap();
    assert_eq!(
        echoed, hello,
        "the handshake reaches the upstream unchanged"
    );
    let (relay_rtt, relay_rate) = measure(relayed).await;
    eprintln!(
        "front door relay on loopback (debug build): round trip {relay_rtt:?} vs {direct_rtt:?} \
         direct (+{:?}); throughput {relay_rate:.0} MiB/s vs {direct_rate:.0} MiB/s direct",
        relay_rtt.saturating_sub(direct_rtt)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_door_port_in_use_leaves_the_rest_of_the_appliance_running() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section(port, None, ""),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.log
        .wait("the front door's failure", |l| {
            l.contains("front door: cannot listen on")
                && l.contains("running without the front door")
        })
        .await;
    // Voice still wakes the host.
    app.wait_status("0 authorized in voice").await;
    app.discord.voice_join(ALICE, VOICE).await;
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);
}
