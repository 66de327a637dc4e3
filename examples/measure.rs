//! Measures the real binary at rest: time from start to `READY=1`, and
//! resident memory (VmRSS, VmHWM) once connected to a Discord stand-in
//! whose guild has 5,000 members more than the fixture's. GUILD_CREATE is
//! the realistic one (issue 14): as Discord sends it for a large guild,
//! only the bot and the members in voice, with `member_count` saying how
//! many there are; `MEASURE_FULL_GUILD_CREATE=1` sends every member
//! instead (the stand-in's worst case). `MEASURE_GAME=1` turns the
//! werewolf game on (in the same guild, with its built-in catalogue), to
//! see what it costs at rest. Figures are printed, not asserted.
//!
//! With `MEASURE_IDLE_SECS=N` it then measures the wake-ups at rest: the
//! bot with the production timings (`probe_interval` 1 min, `watch_interval`
//! 10 s, `info` logs), the host off and nobody in voice, connected to the
//! stand-in; after a settling minute, the context switches of all its
//! threads (`/proc/PID/task/*/status`) over N seconds, per second and per
//! thread. The gateway heartbeat (every 41.25 s, Discord's usual) is in
//! the count; its share is printed beside it.
//!
//! With `MEASURE_PEER_PYTHON=PATH` (a Python with discord.py 2.7.1, which
//! `scripts/measure.sh` prepares), each run then measures the peer of issue
//! 14 in the same guild: `scripts/peer_bot.py`, a discord.py bot with the
//! intents our bot identified with, against the same stand-in.
//!
//! `MEASURE_RECONNECTS=N` (default 100, 0 skips it): VmRSS after 0, 10, 50
//! and N gateway reconnects (op 7 RECONNECT from the stand-in, each waited
//! for until the session is RESUMEd), for our binary and the peer.
//!
//! `scripts/measure.sh` builds the release binary and runs this.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::appliance::{Appliance, Options, ADMIN_TOKEN, ALICE, DISCORD_TOKEN, VOICE};
use support::discord::DiscordStandIn;

/// Members in the guild; `MEASURE_MEMBERS` overrides it (0 gives the
/// baseline).
const MEMBERS: usize = 5_000;
const RUNS: usize = 5;

fn vm(pid: u32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l[field.len() + 1..].trim().to_owned())
        .unwrap_or_else(|| "?".to_owned())
}

/// `MEASURE_GAME=1`: the `[game]` section that turns the game on.
fn game_section() -> String {
    if std::env::var("MEASURE_GAME").is_ok_and(|v| v == "1") {
        "\n[game]\nenabled = true\n".to_owned()
    } else {
        String::new()
    }
}

/// `MEASURE_FULL_GUILD_CREATE=1`: every member in GUILD_CREATE.
fn full_guild_create() -> bool {
    std::env::var("MEASURE_FULL_GUILD_CREATE").is_ok_and(|v| v == "1")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(bin) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: measure <path to the cubeguardian binary>");
        std::process::exit(2);
    };
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "binary {}: {} bytes ({:.1} MiB)",
        bin.display(),
        size,
        size as f64 / 1048576.0
    );

    let members: usize = std::env::var("MEASURE_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MEMBERS);
    let runs: usize = std::env::var("MEASURE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RUNS);
    let mut ready_ms = Vec::new();
    for run in 1..=runs {
        let mut app = Appliance::start(
            &bin,
            Options {
                host_up: true,
                in_voice: vec![ALICE],
                extra_members: members,
                only_voice_members: !full_guild_create(),
                extra: game_section(),
                ..Options::default()
            },
        )
        .await;
        app.echo_log(false);
        let started = Instant::now();
        app.spawn_ready().await;
        let to_ready = started.elapsed();
        ready_ms.push(to_ready.as_secs_f64() * 1000.0);
        app.wait_status("operational").await;
        // Let it settle: a few probes, heartbeats and status updates.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let pid = app.pid().expect("bot running");
        println!(
            "run {run}: start → READY=1 {:.0} ms; idle with a {members}-member guild ({}): VmRSS {}, VmHWM {}",
            to_ready.as_secs_f64() * 1000.0,
            match (full_guild_create(), game_section().is_empty()) {
                (true, true) => "every member in GUILD_CREATE",
                (true, false) => "every member in GUILD_CREATE, game on",
                (false, true) => "GUILD_CREATE as for a large guild",
                (false, false) => "GUILD_CREATE as for a large guild, game on",
            },
            vm(pid, "VmRSS"),
            vm(pid, "VmHWM")
        );
        if let Some(hold) = std::env::var("MEASURE_HOLD_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            // Time to inspect the process by hand (gdb, /proc/PID/smaps).
            println!(
                "holding pid {pid} for {hold} s; admin server on http://{}",
                app.admin_addr
            );
            tokio::time::sleep(Duration::from_secs(hold)).await;
        }
        let intents = app.discord.intents();
        app.discord.voice_join(ALICE, VOICE).await;
        app.stop_bot().await;
        // The peer, in the same guild of the same stand-in, with the
        // intents our bot identified with.
        if let (Some(python), Some(intents)) = (peer_python(), intents) {
            match Peer::start(&python, &app.discord, intents, app.dir()).await {
                Ok(peer) => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    println!(
                        "run {run}: peer (discord.py {PEER_DISCORD_PY}, intents {intents}, {}): VmRSS {}, VmHWM {}",
                        peer.ready,
                        vm(peer.pid, "VmRSS"),
                        vm(peer.pid, "VmHWM")
                    );
                    peer.stop(&app.discord).await;
                }
                Err(e) => println!("run {run}: peer: {e}"),
            }
        }
    }
    ready_ms.sort_by(f64::total_cmp);
    if let Some(median) = ready_ms.get(runs / 2) {
        println!("start → READY=1 median {median:.0} ms over {runs} runs");
    }
    let reconnect_count: usize = std::env::var("MEASURE_RECONNECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    if reconnect_count > 0 {
        reconnects(&bin, members, reconnect_count).await;
    }
    if let Some(secs) = std::env::var("MEASURE_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        idle(&bin, members, secs).await;
    }
}

/// The discord.py release `scripts/peer_bot.py` insists on.
const PEER_DISCORD_PY: &str = "2.7.1";

/// `MEASURE_PEER_PYTHON`: the Python that has discord.py (none: no peer).
fn peer_python() -> Option<PathBuf> {
    std::env::var_os("MEASURE_PEER_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// `scripts/peer_bot.py` running against a stand-in.
struct Peer {
    child: tokio::process::Child,
    pid: u32,
    /// Its `PEER READY ...` line: what it holds once the guild arrived.
    ready: String,
    log: PathBuf,
    /// The stand-in's REST requests and gateway connections before it
    /// started, to tell its traffic from our bot's.
    requests_before: usize,
    connections_before: u64,
}

impl Peer {
    async fn start(
        python: &std::path::Path,
        discord: &DiscordStandIn,
        intents: u64,
        dir: &std::path::Path,
    ) -> Result<Peer, String> {
        use tokio::io::AsyncBufReadExt;
        let log = dir.join("peer.log");
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let requests_before = discord.requests().len();
        let connections_before = discord.connection_count();
        let mut child = tokio::process::Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/peer_bot.py"))
            .arg("--api")
            .arg(format!("{}/api/v10", discord.api_url()))
            .arg("--gateway")
            .arg(discord.gateway_url())
            .arg("--intents")
            .arg(intents.to_string())
            .env("PEER_BOT_TOKEN", DISCORD_TOKEN)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let pid = child.id().ok_or("the peer exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("PEER READY ") {
                    return Some(rest.to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(ready) = ready else {
            let _ = child.kill().await;
            return Err(format!(
                "no PEER READY within 60 s; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        };
        Ok(Peer {
            child,
            pid,
            ready,
            log,
            requests_before,
            connections_before,
        })
    }

    /// Stops it and prints its traffic as the stand-in saw it: every
    /// request it made, proof that it talked to the stand-in only (its
    /// log says if it tried anything else: the script refuses it).
    async fn stop(mut self, discord: &DiscordStandIn) {
        let _ = self.child.kill().await;
        let mut routes: Vec<String> = Vec::new();
        for r in discord.requests().iter().skip(self.requests_before) {
            let route = format!("{} {} {}", r.method, r.path, r.status);
            if !routes.contains(&route) {
                routes.push(route);
            }
        }
        let refused = std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("peer_bot: refusing"))
            .count();
        println!(
            "  peer traffic, all to the stand-in: REST [{}], gateway connections {}; \
             connections or look-ups elsewhere refused: {refused}",
            routes.join(", "),
            discord.connection_count() - self.connections_before
        );
    }
}

/// VmRSS of `pid`, with its anonymous part (heap, stacks) and its file
/// part (the executable's and libraries' pages).
fn rss(pid: u32) -> String {
    format!(
        "{} (anon {}, file {})",
        vm(pid, "VmRSS"),
        vm(pid, "RssAnon"),
        vm(pid, "RssFile")
    )
}

/// VmRSS of `pid` after 0, 10, 50, 100 and every further 100 up to `n`
/// gateway reconnects: op 7
/// RECONNECT, then the RESUME waited for. Panics if one re-IDENTIFYs
/// instead (then the figure would not be about reconnects).
async fn reconnect_series(discord: &DiscordStandIn, pid: u32, n: usize) -> String {
    let identifies = discord.identify_count();
    let resumes = discord.resume_count() as usize;
    let mut reconnecting = Duration::ZERO;
    let mut out = vec![format!("0: {}", rss(pid))];
    for i in 1..=n {
        discord
            .wait_until_connected(Duration::from_secs(30))
            .await
            .expect("connected before a reconnect");
        let started = Instant::now();
        assert!(discord.request_reconnect().await, "op 7 sent");
        discord
            .wait_for_resume((resumes + i) as u64, Duration::from_secs(30))
            .await
            .expect("RESUMEd after op 7");
        reconnecting += started.elapsed();
        if i == 10 || i == 50 || i % 100 == 0 || i == n {
            // Let what the reconnect started finish.
            tokio::time::sleep(Duration::from_secs(2)).await;
            out.push(format!("{i}: {}", rss(pid)));
        }
    }
    assert_eq!(
        discord.identify_count(),
        identifies,
        "every reconnect resumed"
    );
    format!(
        "{} ({:.0} ms a reconnect, op 7 to RESUMED)",
        out.join(", "),
        reconnecting.as_secs_f64() * 1000.0 / n as f64
    )
}

/// RSS over `n` reconnects, ours then the peer's (see the module docs).
async fn reconnects(bin: &std::path::Path, members: usize, n: usize) {
    let mut app = Appliance::start(
        bin,
        Options {
            host_up: true,
            in_voice: vec![ALICE],
            extra_members: members,
            only_voice_members: !full_guild_create(),
            ..Options::default()
        },
    )
    .await;
    app.echo_log(false);
    app.spawn_ready().await;
    app.wait_status("operational").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pid = app.pid().expect("bot running");
    let ours = reconnect_series(&app.discord, pid, n).await;
    println!("VmRSS after reconnects, cubeguardian: {ours}");
    let intents = app.discord.intents();
    app.stop_bot().await;
    if let (Some(python), Some(intents)) = (peer_python(), intents) {
        match Peer::start(&python, &app.discord, intents, app.dir()).await {
            Ok(peer) => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let theirs = reconnect_series(&app.discord, peer.pid, n).await;
                println!("VmRSS after reconnects, peer: {theirs}");
                peer.stop(&app.discord).await;
            }
            Err(e) => println!("peer: {e}"),
        }
    }
}

/// Context switches so far of each thread of `pid`: (thread name,
/// voluntary — a wait that ended, i.e. a wake-up —, involuntary — the CPU
/// taken away, which a busy machine inflates).
fn switches(pid: u32) -> std::collections::BTreeMap<u32, (String, u64, u64)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let count = |field: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        out.insert(
            tid,
            (
                name.trim().to_owned(),
                count("voluntary_ctxt_switches:"),
                count("nonvoluntary_ctxt_switches:"),
            ),
        );
    }
    out
}

/// Switches per thread between two [`switches`] of one process.
fn print_wakeups(
    who: &str,
    before: &std::collections::BTreeMap<u32, (String, u64, u64)>,
    after: &std::collections::BTreeMap<u32, (String, u64, u64)>,
    elapsed: f64,
) {
    let mut total = 0;
    let mut involuntary = 0;
    let mut rows = Vec::new();
    for (tid, (name, wakes, taken)) in after {
        let (w0, t0) = before.get(tid).map_or((0, 0), |(_, w, t)| (*w, *t));
        total += wakes - w0;
        involuntary += taken - t0;
        rows.push((wakes - w0, format!("{name} ({tid})")));
    }
    rows.sort_by(|a, b| b.cmp(a));
    let heartbeats = elapsed / 41.25;
    println!(
        "{who}: {total} voluntary context switches over {} threads ({} at the start) = {:.2} \
         wake-ups/s (the gateway heartbeat: {heartbeats:.1} beats, {:.3}/s); involuntary {:.2}/s",
        after.len(),
        before.len(),
        total as f64 / elapsed,
        heartbeats / elapsed,
        involuntary as f64 / elapsed
    );
    for (delta, thread) in rows.iter().filter(|(d, _)| *d > 0) {
        println!("  {thread}: {delta} ({:.2}/s)", *delta as f64 / elapsed);
    }
}

/// The wake-ups at rest (see the module docs).
async fn idle(bin: &std::path::Path, members: usize, secs: u64) {
    let app = Appliance::start(
        bin,
        Options {
            extra_members: members,
            only_voice_members: !full_guild_create(),
            ..Options::default()
        },
    )
    .await;
    // The suites' quick timings and debug logs, back to the defaults.
    let config = app
        .config_text()
        .replace("probe_interval = \"1s\"", "probe_interval = \"1m\"")
        .replace("watch_interval = \"300ms\"", "watch_interval = \"10s\"")
        .replace("level = \"debug\"", "level = \"info\"");
    let path = app.dir().join("idle.toml");
    std::fs::write(&path, config).expect("write the config");
    let mut child = tokio::process::Command::new(bin)
        .arg("run")
        .arg("--config")
        .arg(&path)
        .env("CUBEGUARDIAN_DISCORD_TOKEN", DISCORD_TOKEN)
        .env(
            "CUBEGUARDIAN_PROXMOX_TOKEN_SECRET",
            app.pve.config().token_secret.clone(),
        )
        .env("CUBEGUARDIAN_ADMIN_TOKEN", ADMIN_TOKEN)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("JOURNAL_STREAM")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn cubeguardian");
    let pid = child.id().expect("a pid");
    // The peer idles at the same time, in a world of its own (one
    // stand-in holds one session), with the intents ours identified with.
    let mut peer = None;
    if let Some(python) = peer_python() {
        let world = Appliance::start(
            bin,
            Options {
                extra_members: members,
                only_voice_members: !full_guild_create(),
                ..Options::default()
            },
        )
        .await;
        let intents = match app
            .discord
            .wait_until_connected(Duration::from_secs(30))
            .await
        {
            Ok(()) => app.discord.intents(),
            Err(_) => None,
        };
        match intents {
            Some(intents) => match Peer::start(&python, &world.discord, intents, world.dir()).await
            {
                Ok(started) => peer = Some((started, world)),
                Err(e) => println!("peer: {e}"),
            },
            None => println!("peer: our bot never identified"),
        }
    }
    // Connected, the guild received, the first probes done.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let before = switches(pid);
    let peer_before = peer.as_ref().map(|(p, _)| switches(p.pid));
    let beats_before = app.discord.heartbeat_count();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let after = switches(pid);
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "idle {elapsed:.0} s, host off, nobody in voice, {members}-member guild \
         (our heartbeats the stand-in received meanwhile: {}):",
        app.discord.heartbeat_count() - beats_before
    );
    print_wakeups("cubeguardian", &before, &after, elapsed);
    println!("  VmRSS {}, VmHWM {}", vm(pid, "VmRSS"), vm(pid, "VmHWM"));
    if let (Some((peer, world)), Some(peer_before)) = (peer, peer_before) {
        let peer_after = switches(peer.pid);
        print_wakeups("peer (discord.py)", &peer_before, &peer_after, elapsed);
        println!(
            "  VmRSS {}, VmHWM {}",
            vm(peer.pid, "VmRSS"),
            vm(peer.pid, "VmHWM")
        );
        peer.stop(&world.discord).await;
    }
    let _ = child.kill().await;
}
