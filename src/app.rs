//! The appliance, wired together: opens the store, builds the clients,
//! starts the power driver and the Discord side, keeps systemd informed,
//! and owns the one shutdown path.
//!
//! Every long-lived task receives the same [`CancellationToken`]; on
//! SIGTERM/SIGINT `main` cancels it, [`run`] says `STOPPING=1` and waits for
//! the tasks, which finish what they are doing (a shutdown request in flight
//! is completed; the state is already on disk).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, ProxmoxConfig, ShutdownMethod};
use crate::discord::commands::{CommandDeps, Commands, RestartDeps};
use crate::discord::{self, DiscordSettings, Link};
use crate::guard::Guard;
use crate::notify;
use crate::power::driver::{describe, Clock, Driver, Input, PowerView};
use crate::power::machine::{PowerMachine, State, Timings};
use crate::power::probe::{Actuators, HostCheck, Prober, ShutdownPath};
use crate::proxmox::{ProxmoxClient, ProxmoxSettings, TlsTrust};
use crate::restart::Limits;
use crate::secret::{SecretError, SecretSource};
use crate::ssh::SshTarget;
use crate::store::{Store, StoreError};

/// Queue sizes between tasks. Events are rare (people joining voice); the
/// bounds only matter when a peer is stuck, and then dropping beats growing.
const INPUT_QUEUE: usize = 64;
const OUTGOING_QUEUE: usize = 64;

/// Why the appliance could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the Proxmox CA file {path}")]
    CaFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("proxmox client")]
    Proxmox(#[from] crate::proxmox::ProxmoxError),
    #[error("[ratelimit]: {0}")]
    RateLimit(String),
    #[error("power.shutdown_method names a section the configuration does not have")]
    NoShutdownPath,
    #[error("the store task failed: {0}")]
    Join(String),
}

impl StartError {
    /// Errors the admin fixes in the configuration or the credentials
    /// (exit code 78, EX_CONFIG, which systemd shows as "config").
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            StartError::Secret(_)
                | StartError::CaFile { .. }
                | StartError::Proxmox(_)
                | StartError::NoShutdownPath
        )
    }
}

/// Runs the appliance until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    secrets: SecretSource,
    shutdown: CancellationToken,
) -> Result<(), StartError> {
    let token = secrets.load("discord_token")?;
    let proxmox = match &config.proxmox {
        Some(px) => Some(proxmox_client(px, &secrets)?),
        None => None,
    };

    let dir = config.state.resolved_dir();
    let store = tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .map_err(|e| StartError::Join(e.to_string()))??;
    let store = Arc::new(store);
    log::info!("state store open at {}", store.path().display());

    let clock = Clock::new();
    let timings = Timings {
        startup_timeout: config.power.startup_timeout,
        shutdown_delay: config.power.shutdown_delay,
        shutdown_timeout: config.power.shutdown_timeout,
    };
    let loader = Arc::clone(&store);
    let record = tokio::task::spawn_blocking(move || loader.load_power())
        .await
        .map_err(|e| StartError::Join(e.to_string()))?;
    let machine = match record {
        Ok(Some(record)) => {
            log::info!(
                "power: remembered state {} (checking the real machine)",
                record.state.kind()
            );
            PowerMachine::new(record.state, record.since, timings)
        }
        Ok(None) => PowerMachine::new(State::Idle, clock.now(), timings),
        Err(e) => {
            log::warn!("{e:#}; starting from idle and trusting the next probe");
            PowerMachine::new(State::Idle, clock.now(), timings)
        }
    };

    let host = match &proxmox {
        Some(client) => HostCheck::Proxmox(client.clone()),
        None => HostCheck::Tcp {
            // Validation guarantees [ssh] exists without [proxmox].
            address: config
                .ssh
                .as_ref()
                .map(|s| crate::address::with_port(&s.address, crate::ssh::DEFAULT_PORT))
                .unwrap_or_default(),
            timeout: Duration::from_secs(5),
        },
    };
    let shutdown_path = match config.power.shutdown_method {
        ShutdownMethod::Proxmox => proxmox.clone().map(ShutdownPath::Proxmox),
        ShutdownMethod::Ssh => config.ssh.as_ref().map(|ssh| {
            ShutdownPath::Ssh(Box::new(SshTarget {
                address: ssh.address.clone(),
                user: ssh.user.clone(),
                key_file: ssh.key_file.clone(),
                host_key: ssh.host_key.clone(),
                command: ssh.command.clone(),
                timeout: ssh.timeout,
            }))
        }),
    }
    // Config validation already refuses this; no panic if it ever changes.
    .ok_or(StartError::NoShutdownPath)?;

    let (inputs_tx, inputs) = mpsc::channel(INPUT_QUEUE);
    let (outgoing_tx, outgoing) = mpsc::channel(OUTGOING_QUEUE);
    let (view_tx, view) = watch::channel(PowerView {
        state: machine.state().clone(),
        since: machine.since(),
        presence: None,
        last_observation: None,
    });
    let (link_tx, link) = watch::channel(Link::Connecting);

    let settings = DiscordSettings::from_config(&config, token);
    let driver = Driver {
        machine,
        store: Arc::clone(&store),
        prober: Prober {
            host,
            minecraft: config.minecraft.address.clone(),
            minecraft_timeout: config.minecraft.timeout,
        },
        actuators: Actuators {
            mac: config.wake_on_lan.mac,
            wol_target: config.wake_on_lan.target,
            shutdown: shutdown_path,
        },
        messages: config.messages.clone(),
        outgoing: outgoing_tx.clone(),
        probe_interval: config.power.probe_interval,
        watch_interval: config.power.watch_interval,
        clock,
        view: view_tx,
    };

    let guard = Arc::new(
        Guard::new(
            &config.ratelimit,
            config.zone.clone(),
            Arc::clone(&store),
            config.discord.admin_user_id.0,
            config.discord.admin_role_ids.iter().map(|r| r.0).collect(),
        )
        .map_err(|e| StartError::RateLimit(e.to_string()))?,
    );
    log::info!("local time zone: {}", config.zone.name());
    let commands = Arc::new(Commands::new(CommandDeps {
        guild_id: config.discord.guild_id.0,
        auth: settings.auth.clone(),
        messages: config.messages.clone(),
        bot_name: config.discord.bot_name.clone(),
        power: inputs_tx.clone(),
        view: view.clone(),
        outgoing: outgoing_tx.clone(),
        restart: RestartDeps {
            proxmox: proxmox.clone(),
            container_id: config.proxmox.as_ref().map_or(0, |p| p.container_id),
            minecraft: config.minecraft.address.clone(),
            ping_timeout: config.minecraft.timeout,
            limits: Limits {
                cooldown: config.restart.cooldown,
                per_day: config.restart.per_day,
            },
            confirm_within: config.restart.confirm_within,
            timeout: config.restart.timeout,
            store: Arc::clone(&store),
        },
        guard: Arc::clone(&guard),
        zone: config.zone.clone(),
    }));

    let tasks = TaskTracker::new();
    tasks.spawn(driver.run(inputs, shutdown.clone()));
    tasks.spawn(guard.maintain(shutdown.clone()));
    tasks.spawn(discord::run(
        settings,
        commands,
        inputs_tx.clone(),
        outgoing,
        link_tx,
        shutdown.clone(),
    ));
    tasks.spawn(keep_systemd_informed(
        view,
        link,
        inputs_tx,
        shutdown.clone(),
    ));
    tasks.close();

    shutdown.cancelled().await;
    notify::stopping();
    log::info!("stopping: waiting for tasks to finish");
    tasks.wait().await;
    log::info!("stopped cleanly");
    Ok(())
}

fn proxmox_client(px: &ProxmoxConfig, secrets: &SecretSource) -> Result<ProxmoxClient, StartError> {
    let trust = if let Some(path) = &px.ca_file {
        let pem = std::fs::read(path).map_err(|source| StartError::CaFile {
            path: path.display().to_string(),
            source,
        })?;
        TlsTrust::Ca(pem)
    } else if let Some(fp) = px.fingerprint {
        TlsTrust::Fingerprint(fp)
    } else {
        log::warn!(
            "proxmox: certificate verification is OFF (insecure_skip_verify = true): \
             anyone on the network path can impersonate {}",
            px.url
        );
        TlsTrust::InsecureNoVerify
    };
    Ok(ProxmoxClient::new(ProxmoxSettings {
        url: px.url.clone(),
        node: px.node.clone(),
        token_id: px.token_id.clone(),
        token_secret: secrets.load("proxmox_token_secret")?,
        trust,
        timeout: px.timeout,
    })?)
}

/// `READY=1` once Discord is connected (the store is open by then),
/// `STATUS=` on every change, and `WATCHDOG=1` only while the power loop
/// answers a ping — a stuck loop stops the heartbeat and systemd restarts us.
async fn keep_systemd_informed(
    mut view: watch::Receiver<PowerView>,
    mut link: watch::Receiver<Link>,
    driver: mpsc::Sender<Input>,
    shutdown: CancellationToken,
) {
    let mut ready = false;
    let period = notify::watchdog_period();
    let mut heartbeat = tokio::time::interval(period.unwrap_or(Duration::from_secs(3600)));
    let mut last_status = String::new();
    loop {
        let line = status_line(&view.borrow(), &link.borrow());
        if line != last_status {
            notify::status(&line);
            log::debug!("status: {line}");
            last_status = line;
        }
        if !ready && *link.borrow() == Link::Connected {
            ready = true;
            notify::ready();
            log::info!("ready");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            r = view.changed() => if r.is_err() { return },
            r = link.changed() => if r.is_err() { return },
            _ = heartbeat.tick(), if period.is_some() => {
                let (tx, rx) = oneshot::channel();
                let alive = driver.send(Input::Ping(tx)).await.is_ok()
                    && tokio::time::timeout(Duration::from_secs(5), rx).await.is_ok_and(|r| r.is_ok());
                if alive {
                    notify::watchdog();
                } else {
                    log::error!("watchdog: the power loop does not answer");
                }
            }
        }
    }
}

/// The line `systemctl status` shows.
pub fn status_line(view: &PowerView, link: &Link) -> String {
    let state = match &view.state {
        State::ShutdownTimer { .. } => "shutdown timer running".to_owned(),
        State::Error { reason } => format!("error: {reason}"),
        other => other.kind().name().replace('_', " "),
    };
    let voice = match view.presence {
        Some(n) => format!("{n} authorized in voice"),
        None => "voice not known yet".to_owned(),
    };
    let discord = match link {
        Link::Connecting => "Discord connecting".to_owned(),
        Link::Connected => "Discord connected".to_owned(),
        Link::Down(why) => format!("Discord down ({why})"),
    };
    format!(
        "{state} — {voice} — {} — {discord}",
        describe(view.last_observation.as_ref())
    )
}
