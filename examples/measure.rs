//! Measures the real binary at rest: time from start to `READY=1`, and
//! resident memory (VmRSS, VmHWM) once connected to a Discord stand-in
//! whose guild has 5,000 members (all sent in GUILD_CREATE, the worst
//! case). Figures are printed, not asserted.
//!
//! `scripts/measure.sh` builds the release binary and runs this.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::appliance::{Appliance, Options, ALICE, VOICE};

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
    let mut ready_ms = Vec::new();
    for run in 1..=RUNS {
        let mut app = Appliance::start(
            &bin,
            Options {
                host_up: true,
                in_voice: vec![ALICE],
                extra_members: members,
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
            "run {run}: start → READY=1 {:.0} ms; idle with a {members}-member guild: VmRSS {}, VmHWM {}",
            to_ready.as_secs_f64() * 1000.0,
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
    println!(
        "start → READY=1 median {:.0} ms over {RUNS} runs",
        ready_ms[RUNS / 2]
    );
}
