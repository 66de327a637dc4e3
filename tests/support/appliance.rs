//! The whole world around a real `cubeguardian` process: the Discord,
//! Proxmox and Minecraft stand-ins, a Wake-on-LAN listener, a
//! `NOTIFY_SOCKET` that records what the bot tells systemd, and the bot's
//! log. Used by the end-to-end tests and by the demo example.
//!
//! Everything listens on 127.0.0.1; the bot's config points every endpoint
//! there (the Wake-on-LAN target included), so nothing leaves the machine.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UnixDatagram;
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use super::discord::{permissions, DiscordStandIn, GuildFixture, Overwrite};
use super::minecraft::MinecraftStandIn;
use super::proxmox::PveStandIn;
use super::wol::WolListener;

pub const GUILD: u64 = 1000;
pub const VOICE: u64 = 2000;
pub const OTHER_VOICE: u64 = 2001;
pub const ANNOUNCE: u64 = 3000;
/// More text channels, for the digest: one important, one excluded by the
/// config, one ordinary.
pub const ANNONCES: u64 = 3001;
pub const SPAM: u64 = 3002;
pub const DISCUSSION: u64 = 3003;
/// A private channel: `@everyone` cannot open it, the staff role can.
pub const STAFF: u64 = 3004;
pub const STAFF_ROLE: u64 = 445;
/// A member of the staff role (the only one besides the owner, the admin).
pub const DAVE: u64 = 777;
pub const ADMIN: u64 = 222;
/// Authorized by user id.
pub const ALICE: u64 = 333;
/// Authorized through the players' role.
pub const CAROL: u64 = 666;
/// A member who is not authorized.
pub const BOB: u64 = 555;
pub const PLAYER_ROLE: u64 = 444;
pub const MAC: &str = "AA:BB:CC:DD:EE:FF";
pub const DISCORD_TOKEN: &str = "discord-test-token";
pub const ADMIN_TOKEN: &str = "admin-test-token";

/// Only guards against hanging forever; no test measures time with it.
pub const WAIT: Duration = Duration::from_secs(30);

/// Polls `done` until it holds (or [`WAIT`] passes, then panics).
pub async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A running server (host up, alice in voice), the bot ready, with
/// `extra` appended to its config.
pub async fn running(bin: &Path, extra: &str) -> Appliance {
    let mut app = Appliance::start(
        bin,
        Options {
            host_up: true,
            in_voice: vec![ALICE],
            extra: extra.to_owned(),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    // Also wait for the guild's voice states: a command answered before
    // they arrive sees the voice as unknown ("vocal : ?").
    app.notify
        .wait("operational, voice known", |l| {
            l.starts_with("STATUS=") && l.contains("operational") && !l.contains("voice not known")
        })
        .await;
    app
}

/// How the world starts and how the bot is configured.
#[derive(Clone, Debug)]
pub struct Options {
    pub host_up: bool,
    pub in_voice: Vec<u64>,
    pub startup_timeout: &'static str,
    pub shutdown_delay: &'static str,
    pub shutdown_timeout: &'static str,
    /// Extra TOML appended to the config (e.g. an `[ssh]` section).
    pub extra: String,
    pub shutdown_method: &'static str,
    /// No `[proxmox]` section: an SSH-only setup (the host counts as up
    /// while its SSH port accepts connections).
    pub without_proxmox: bool,
    /// The Proxmox token secret the bot is given (wrong on purpose in some
    /// tests).
    pub proxmox_secret: Option<String>,
    pub extra_members: usize,
    /// GUILD_CREATE as Discord sends it for a large guild (only the bot and
    /// the members in voice; see the stand-in's notes).
    pub only_voice_members: bool,
    /// `WATCHDOG_USEC` given to the bot, as systemd does with `WatchdogSec=`.
    pub watchdog_usec: Option<u64>,
    /// More environment for the bot (e.g. `CUBEGUARDIAN_SMTP_PASSWORD`).
    pub env: Vec<(String, String)>,
    /// `false`: the bot's config points Discord at a closed port on
    /// 127.0.0.1 (an unreachable Discord) instead of the stand-in.
    pub discord_reachable: bool,
    /// The `discord.guild_id` the bot is given, when not the stand-in's
    /// guild: a guild the bot is not in, so that the stand-in's guild can be
    /// the game's own (`[game] guild_id`).
    pub appliance_guild: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host_up: false,
            in_voice: Vec::new(),
            startup_timeout: "30s",
            shutdown_delay: "2s",
            shutdown_timeout: "20s",
            extra: String::new(),
            shutdown_method: "proxmox",
            without_proxmox: false,
            proxmox_secret: None,
            extra_members: 0,
            only_voice_members: false,
            watchdog_usec: None,
            env: Vec::new(),
            discord_reachable: true,
            appliance_guild: None,
        }
    }
}

/// Lines received on a unix datagram socket, as systemd would.
#[derive(Clone, Default)]
pub struct Recorded {
    lines: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
}

impl Recorded {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
        self.changed.notify_waiters();
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// Waits for a line matching `pred` among those from index `from` on.
    pub async fn wait_from(&self, from: usize, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let notified = self.changed.notified();
            if let Some(line) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .skip(from)
                .find(|l| pred(l))
            {
                return line.clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for {what}; got:\n{}",
                    self.lines()
                        .iter()
                        .skip(from)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
    }

    pub async fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_from(0, what, pred).await
    }
}

pub struct Appliance {
    pub discord: DiscordStandIn,
    pub pve: PveStandIn,
    pub minecraft: MinecraftStandIn,
    pub wol: WolListener,
    pub options: Options,
    /// What the bot sent to `NOTIFY_SOCKET` (`READY=1`, `STATUS=…`).
    pub notify: Recorded,
    /// The bot's log (stderr), one entry per line, across restarts.
    pub log: Recorded,
    /// Where the bot's admin HTTP server listens.
    pub admin_addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    bin: PathBuf,
    child: Option<Child>,
    echo_log: bool,
}

impl Appliance {
    /// Starts the stand-ins (not the bot). `bin` is the `cubeguardian`
    /// binary to run.
    pub async fn start(bin: &Path, options: Options) -> Appliance {
        let mut fixture = GuildFixture::new(GUILD)
            .name("Le Cube")
            .voice_channel(VOICE, "L'écho-du-Cube")
            .voice_channel(OTHER_VOICE, "AFK")
            .text_channel(ANNOUNCE, "général")
            .text_channel(ANNONCES, "annonces")
            .text_channel(SPAM, "spam")
            .text_channel(DISCUSSION, "discussion")
            .text_channel(STAFF, "staff")
            .role(PLAYER_ROLE, "joueurs")
            .role(STAFF_ROLE, "staff")
            .overwrite(STAFF, Overwrite::role(GUILD, 0, permissions::VIEW_CHANNEL))
            .overwrite(
                STAFF,
                Overwrite::role(STAFF_ROLE, permissions::VIEW_CHANNEL, 0),
            )
            .member(ADMIN, "admin", [])
            .member(ALICE, "alice", [])
            .member(BOB, "bob", [])
            .member(CAROL, "carol", [PLAYER_ROLE])
            .member(DAVE, "dave", [STAFF_ROLE])
            .expect_token(DISCORD_TOKEN)
            .extra_members(options.extra_members)
            .only_voice_members_in_guild_create(options.only_voice_members);
        for user in &options.in_voice {
            fixture = fixture.in_voice(*user, VOICE);
        }
        let discord = DiscordStandIn::start(fixture).await;
        let pve = PveStandIn::start().await;
        let minecraft = MinecraftStandIn::start().await.expect("minecraft stand-in");
        let wol = WolListener::start().await.expect("wake-on-lan listener");
        pve.set_host_up(options.host_up).await;
        minecraft
            .set_online(options.host_up)
            .await
            .expect("minecraft stand-in");
        minecraft.set_players(0, 20);
        let dir = tempfile::tempdir().expect("temp dir");

        let notify = Recorded::default();
        let socket = UnixDatagram::bind(dir.path().join("notify.sock")).expect("notify socket");
        let sink = notify.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = socket.recv(&mut buf).await {
                for line in String::from_utf8_lossy(&buf[..n]).lines() {
                    sink.push(line.to_owned());
                }
            }
        });

        // A free port for the admin server (asked of the kernel, then
        // released for the bot to bind).
        let admin_addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        Appliance {
            admin_addr,
            discord,
            pve,
            minecraft,
            wol,
            options,
            notify,
            log: Recorded::default(),
            dir,
            bin: bin.to_path_buf(),
            child: None,
            echo_log: true,
        }
    }

    /// Whether the bot's log is echoed to stderr as it comes (the demo
    /// prints its own narration instead).
    pub fn echo_log(&mut self, echo: bool) {
        self.echo_log = echo;
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn config_text(&self) -> String {
        let o = &self.options;
        let ca = self.dir.path().join("pve-ca.pem");
        std::fs::write(&ca, self.pve.ca_pem()).expect("write CA");
        format!(
            r#"
[discord]
api_url = "{api}"
gateway_url = "{gateway}"
guild_id = {guild}
voice_channel = "L'écho-du-Cube"
announce_channel = "général"
admin_user_id = {ADMIN}

[players]
user_ids = [{ALICE}]
role_ids = [{PLAYER_ROLE}]

[wake_on_lan]
mac = "{MAC}"
target = "{wol}"

{proxmox}
[minecraft]
address = "{mc}"
timeout = "2s"

[power]
startup_timeout = "{startup}"
shutdown_delay = "{delay}"
shutdown_timeout = "{stimeout}"
shutdown_method = "{method}"
probe_interval = "1s"
watch_interval = "300ms"

[state]
dir = "{state}"

[admin]
listen = "{admin}"
health_grace = "1s"

[log]
level = "debug"
{extra}
"#,
            guild = o.appliance_guild.unwrap_or(GUILD),
            api = if o.discord_reachable {
                self.discord.api_url()
            } else {
                "http://127.0.0.1:9".to_owned()
            },
            gateway = if o.discord_reachable {
                self.discord.gateway_url()
            } else {
                "ws://127.0.0.1:9".to_owned()
            },
            wol = self.wol.addr(),
            proxmox = if o.without_proxmox {
                String::new()
            } else {
                format!(
                    "[proxmox]\nurl = \"{}\"\nnode = \"pve\"\ncontainer_id = 105\n\
                     token_id = \"{}\"\nca_file = \"{}\"\ntimeout = \"2s\"\n",
                    self.pve.url(),
                    self.pve.config().token_id,
                    ca.display()
                )
            },
            mc = self.minecraft.address(),
            startup = o.startup_timeout,
            delay = o.shutdown_delay,
            stimeout = o.shutdown_timeout,
            method = o.shutdown_method,
            state = self.dir.path().join("state").display(),
            admin = self.admin_addr,
            extra = o.extra,
        )
    }

    /// Writes the config and starts the bot.
    pub fn spawn_bot(&mut self) {
        assert!(self.child.is_none(), "the bot is already running");
        std::fs::write(self.config_path(), self.config_text()).expect("write config");
        let secret = self
            .options
            .proxmox_secret
            .clone()
            .unwrap_or_else(|| self.pve.config().token_secret.clone());
        let mut command = Command::new(&self.bin);
        command
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            // Before `options.env`, which may set it.
            .env_remove("CREDENTIALS_DIRECTORY");
        if let Some(usec) = self.options.watchdog_usec {
            command.env("WATCHDOG_USEC", usec.to_string());
        }
        command.envs(self.options.env.iter().map(|(k, v)| (k, v)));
        let mut child = command
            .arg("run")
            .arg("--config")
            .arg(self.config_path())
            .env("NOTIFY_SOCKET", self.dir.path().join("notify.sock"))
            .env("CUBEGUARDIAN_DISCORD_TOKEN", DISCORD_TOKEN)
            .env("CUBEGUARDIAN_PROXMOX_TOKEN_SECRET", secret)
            .env("CUBEGUARDIAN_ADMIN_TOKEN", ADMIN_TOKEN)
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn cubeguardian");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = self.log.clone();
        let echo = self.echo_log;
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if echo {
                    eprintln!("[bot] {line}");
                }
                log.push(line);
            }
        });
        self.child = Some(child);
    }

    /// Starts the bot and waits for `READY=1` and then for the Discord
    /// session (the status line says "Discord connected").
    pub async fn spawn_ready(&mut self) {
        let from = self.notify.len();
        self.spawn_bot();
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self
            .notify
            .lines()
            .iter()
            .skip(from)
            .any(|l| l == "READY=1")
        {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "the bot exited before READY=1 ({status}):\n{}",
                    self.log.lines().join("\n")
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no READY=1 from the bot"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.wait_status_from(from, "Discord connected").await;
    }

    /// Waits for a `STATUS=` line containing `text`, sent after `from`.
    pub async fn wait_status_from(&self, from: usize, text: &str) -> String {
        self.notify
            .wait_from(from, &format!("a STATUS= line with {text:?}"), |l| {
                l.starts_with("STATUS=") && l.contains(text)
            })
            .await
    }

    pub async fn wait_status(&self, text: &str) -> String {
        self.wait_status_from(0, text).await
    }

    /// Runs slash command `name` as `user` in the announce channel and
    /// returns its (first) answer.
    pub async fn slash(
        &self,
        user: u64,
        name: &str,
        options: serde_json::Value,
    ) -> super::discord::InteractionResponse {
        let handle = self
            .discord
            .slash_command(user, ANNOUNCE, name, options)
            .await;
        self.discord
            .wait_for_interaction_response(|r| handle.matches(r), WAIT)
            .await
            .unwrap_or_else(|e| panic!("no answer to /{name}: {e:?}"))
    }

    /// Waits for an announcement in the announce channel containing `text`.
    pub async fn wait_announce(&self, text: &str) -> super::discord::SentMessage {
        self.discord
            .wait_for_message(
                |m| m.channel_id == ANNOUNCE && m.content.contains(text),
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no announcement containing {text:?}: {e:?}"))
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn stop_bot(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the bot is not running");
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        tokio::time::timeout(WAIT, child.wait())
            .await
            .expect("the bot did not stop after SIGTERM")
            .expect("wait for the bot")
    }

    /// Kills the bot with SIGKILL (a crash or a power cut).
    pub async fn kill_bot(&mut self) {
        let mut child = self.child.take().expect("the bot is not running");
        let _ = child.kill().await;
    }

    /// The bot's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// Whether the bot is still running (not exited).
    pub fn bot_alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Powers the simulated server on (host API and Minecraft).
    pub async fn power_on(&self) {
        self.pve.set_host_up(true).await;
        self.minecraft.set_online(true).await.expect("minecraft on");
    }

    /// Powers the simulated server off.
    pub async fn power_off(&self) {
        self.minecraft
            .set_online(false)
            .await
            .expect("minecraft off");
        self.pve.set_host_up(false).await;
    }
}
