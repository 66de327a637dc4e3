//! A scripted scenario with no account needed: the real `cubeguardian`
//! binary against the local stand-ins (Discord, Proxmox, Minecraft,
//! Wake-on-LAN), all on 127.0.0.1. A player joins the voice channel, the
//! server wakes and boots, the player leaves, the server goes to sleep.
//!
//! Run it with `scripts/demo.sh` (which builds the binary and passes its
//! path), or `demo path/to/cubeguardian`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::appliance::{Appliance, Options, ALICE, VOICE};

/// Prints the narration and, in order with it, what the bot says on
/// Discord and tells systemd.
#[derive(Clone)]
struct Narrator {
    seen: Arc<Mutex<(usize, usize)>>,
    messages: Arc<dyn Fn() -> Vec<support::discord::SentMessage> + Send + Sync>,
    notify: support::appliance::Recorded,
}

impl Narrator {
    fn new(app: &Appliance) -> Self {
        Narrator {
            seen: Arc::new(Mutex::new((0, 0))),
            messages: Arc::new(app.discord.messages_handle()),
            notify: app.notify.clone(),
        }
    }

    /// Prints what happened since the last call.
    fn catch_up(&self) {
        let mut seen = self.seen.lock().unwrap();
        let messages = (self.messages)();
        for m in messages.iter().skip(seen.0) {
            let place = if m.dm_user.is_some() {
                "DM to admin"
            } else {
                "#général"
            };
            let buttons: Vec<String> = m.buttons().into_iter().filter_map(|b| b.label).collect();
            let buttons = if buttons.is_empty() {
                String::new()
            } else {
                format!("   [{}]", buttons.join("] ["))
            };
            println!("  Discord {place} ← {}{buttons}", m.content);
        }
        seen.0 = messages.len();
        let lines = self.notify.lines();
        for line in lines.iter().skip(seen.1) {
            println!("  systemd ← {line}");
        }
        seen.1 = lines.len();
    }

    fn say(&self, text: &str) {
        self.catch_up();
        println!("\n▶ {text}");
    }

    fn follow(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.catch_up();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(bin) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!(
            "usage: demo <path to the cubeguardian binary> (scripts/demo.sh does it for you)"
        );
        std::process::exit(2);
    };
    let verbose = std::env::args().any(|a| a == "--verbose");

    println!("\n▶ Starting local stand-ins: Discord (REST + gateway), Proxmox VE (HTTPS), Minecraft, a Wake-on-LAN listener");
    let mut app = Appliance::start(
        &bin,
        Options {
            shutdown_delay: "5s",
            ..Options::default()
        },
    )
    .await;
    app.echo_log(verbose);
    println!("  Discord  {}", app.discord.api_url());
    println!("  Proxmox  {}", app.pve.url());
    println!("  Minecraft {}", app.minecraft.address());
    println!("  WoL      udp://{}", app.wol.addr());

    // Narrate what the bot says on Discord and tells systemd, as it happens.
    let narrator = Narrator::new(&app);
    let following = narrator.follow();
    let say = |text: &str| narrator.say(text);

    say("Starting cubeguardian (host powered off)");
    app.spawn_ready().await;
    app.notify
        .wait("voice presence", |l| l.contains("authorized in voice"))
        .await;

    say("alice (an authorized player) joins the voice channel L'écho-du-Cube");
    app.discord.voice_join(ALICE, VOICE).await;
    let packets = app.wol.wait_for_packets(3, support::appliance::WAIT).await;
    narrator.catch_up();
    println!(
        "  Wake-on-LAN listener ← {} magic packets for AA:BB:CC:DD:EE:FF",
        packets.len()
    );
    app.wait_status("startup monitoring").await;

    say("The host boots (the stand-ins come up after 3 s)");
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.power_on().await;
    app.wait_status("operational").await;
    app.wait_announce("Le serveur Minecraft est prêt").await;

    say("alice leaves the voice channel");
    app.pve
        .set_shutdown_powers_off(Some(Duration::from_millis(500)));
    app.discord.voice_leave(ALICE).await;
    app.wait_announce("Arrêt du serveur en cours").await;
    support::appliance::wait_until("the shutdown request", || app.pve.shutdown_calls() == 1).await;
    narrator.catch_up();
    println!(
        "  Proxmox ← POST /nodes/pve/status command=shutdown ({} call)",
        app.pve.shutdown_calls()
    );
    app.minecraft.set_online(false).await.ok();
    app.wait_announce("Le serveur est éteint").await;
    app.wait_status("idle").await;

    say("Stopping cubeguardian (SIGTERM)");
    let status = app.stop_bot().await;
    app.notify.wait("STOPPING=1", |l| l == "STOPPING=1").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    following.abort();
    narrator.catch_up();
    println!("  exited: {status}");
    println!("\nDone: the server woke for alice and went back to sleep after she left.");
}
