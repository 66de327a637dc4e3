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
//! `scripts/measure.sh` builds the release binary and runs this.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::appliance::{Appliance, Options, ADMIN_TOKEN, ALICE, DISCORD_TOKEN, VOICE};

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
        app.discord.voice_join(ALICE, VOICE).await;
        app.stop_bot().await;
    }
    ready_ms.sort_by(f64::total_cmp);
    if let Some(median) = ready_ms.get(runs / 2) {
        println!("start → READY=1 median {median:.0} ms over {runs} runs");
    }
    if let Some(secs) = std::env::var("MEASURE_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        idle(&bin, members, secs).await;
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
    // Connected, the guild received, the first probes done.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let before = switches(pid);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let after = switches(pid);
    let elapsed = started.elapsed().as_secs_f64();
    let mut total = 0;
    let mut involuntary = 0;
    let mut rows = Vec::new();
    for (tid, (name, wakes, taken)) in &after {
        let (w0, t0) = before.get(tid).map_or((0, 0), |(_, w, t)| (*w, *t));
        total += wakes - w0;
        involuntary += taken - t0;
        rows.push((wakes - w0, format!("{name} ({tid})")));
    }
    rows.sort_by(|a, b| b.cmp(a));
    let heartbeats = elapsed / 41.25;
    println!(
        "idle {elapsed:.0} s, host off, nobody in voice, {members}-member guild: {total} voluntary \
         context switches over {} threads ({} at the start) = {:.2} wake-ups/s \
         (the gateway heartbeat: {heartbeats:.1} beats, {:.3}/s); involuntary {:.2}/s",
        after.len(),
        before.len(),
        total as f64 / elapsed,
        heartbeats / elapsed,
        involuntary as f64 / elapsed
    );
    for (delta, thread) in rows.iter().filter(|(d, _)| *d > 0) {
        println!("  {thread}: {delta} ({:.2}/s)", *delta as f64 / elapsed);
    }
    println!("  VmRSS {}, VmHWM {}", vm(pid, "VmRSS"), vm(pid, "VmHWM"));
    let _ = child.kill().await;
}
