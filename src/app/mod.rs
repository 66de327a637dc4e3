//! The appliance, wired together: opens the store, builds the clients,
//! starts the power driver and the Discord side, keeps systemd informed,
//! and owns the one shutdown path.
//!
//! Every long-lived task receives the same [`CancellationToken`]; on
//! SIGTERM/SIGINT `main` cancels it, [`run`] says `STOPPING=1` and waits for
//! the tasks, which finish what they are doing (a shutdown request in flight
//! is completed; the state is already on disk).

pub mod admin_page;
mod game;
pub mod reload;

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::app::admin_page::{Console, Vitals, PING_EVERY};
use crate::config::{Config, DigestConfig, ProxmoxConfig, ShutdownMethod};
use crate::digest::archive::{Archive, Change};
use crate::digest::capture::Capture;
use crate::digest::channels::Channels;
use crate::digest::service::{DigestSettings, Digester};
use crate::discord::commands::{CommandDeps, Commands};
use crate::discord::{self, DiscordSettings, Link};
use crate::messages::Text;
use crate::metrics::Metrics;
use crate::outgoing::Outgoing;
use crate::peers::proxmox::{ProxmoxClient, ProxmoxSettings, TlsTrust};
use crate::peers::smtp::{MailSettings, Mailer};
use crate::peers::ssh::SshTarget;
use crate::power::driver::{describe, Driver, Input, PowerView};
use crate::power::machine::{PowerMachine, State, StateKind, Timings};
use crate::power::probe::{Actuators, HostCheck, Prober, ShutdownPath};
use crate::ratelimit::guard::Guard;
use crate::schedule::Scheduler;
use crate::services::power::Power;
use crate::services::restart::{Limits, RestartDeps, RestartSettings, Restarter};
use crate::services::PlainWords;
use crate::store::{Damage, Store, StoreError};
use crate::system::logring::LogRing;
use crate::system::notify;
use crate::system::secret::{SecretError, SecretSource};
use crate::time::Clock;
use crate::web::{WebServer, WebSettings};

/// What the binary sets up before the appliance starts, because logging
/// needs it first: the metrics registry (its uptime counts from creation)
/// and the ring of recent log lines the admin page shows.
pub struct Telemetry {
    pub metrics: Arc<Metrics>,
    pub logs: Arc<LogRing>,
}

/// Where the configuration came from and the SIGHUPs asking to re-read it.
pub struct Reload {
    pub path: std::path::PathBuf,
    pub requests: mpsc::Receiver<()>,
}

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
    Proxmox(#[from] crate::peers::proxmox::ProxmoxError),
    #[error("[ratelimit]: {0}")]
    RateLimit(String),
    #[error("power.shutdown_method names a section the configuration does not have")]
    NoShutdownPath,
    #[error(
        "[ssh]: no private key: put it in the systemd credential `ssh_key` (under the unit: \
         the file /etc/cubeguardian/credentials/ssh_key) or name a file in [ssh] key_file"
    )]
    NoSshKey,
    #[error("the store task failed: {0}")]
    Join(String),
    #[error("[digest]: {0}")]
    Mail(#[from] crate::peers::smtp::MailError),
    #[error("[digest]: {0}")]
    Digest(#[from] crate::digest::service::DigestError),
    #[error("the scheduler: {0}")]
    Schedule(#[from] crate::schedule::ScheduleError),
    #[error("[game]: {0}")]
    Game(#[from] crate::game::CatalogueError),
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
                | StartError::NoSshKey
                | StartError::Mail(_)
        )
    }
}

/// Runs the appliance until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    secrets: SecretSource,
    telemetry: Telemetry,
    reload: Reload,
    shutdown: CancellationToken,
) -> Result<(), StartError> {
    let started = Instant::now();
    let token = secrets.load("discord_token")?;
    let admin_token = match secrets.load("admin_token") {
        Ok(token) => Some(token),
        Err(SecretError::Missing { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let metrics = telemetry.metrics;
    metrics.declare_power_states(&StateKind::ALL.map(StateKind::name));
    let proxmox = match &config.proxmox {
        Some(px) => Some(proxmox_client(px, &secrets)?),
        None => None,
    };

    let dir = config.state.resolved_dir();
    let (store, damage) = tokio::task::spawn_blocking(move || Store::open_or_degrade(&dir))
        .await
        .map_err(|e| StartError::Join(e.to_string()))??;
    let store = Arc::new(store);
    let mut degraded = damage.map(|damage| Degraded::database(&store, damage));
    if degraded.is_none() {
        log::info!("state store open at {}", store.path().display());
    }

    let clock = Clock::new();
    let timings = Timings {
        startup_timeout: config.power.startup_timeout,
        shutdown_delay: config.power.shutdown_delay,
        shutdown_timeout: config.power.shutdown_timeout,
    };
    let loader = Arc::clone(&store);
    let record =
        tokio::task::spawn_blocking(move || crate::power::record::PowerRecord::load(&loader))
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
                .map(|s| {
                    crate::peers::address::with_port(&s.address, crate::peers::ssh::DEFAULT_PORT)
                })
                .unwrap_or_default(),
            timeout: Duration::from_secs(5),
        },
    };
    let shutdown_path = match config.power.shutdown_method {
        ShutdownMethod::Proxmox => proxmox.clone().map(ShutdownPath::Proxmox),
        ShutdownMethod::Ssh => match &config.ssh {
            Some(ssh) => Some(ShutdownPath::Ssh(Box::new(SshTarget {
                address: ssh.address.clone(),
                user: ssh.user.clone(),
                key_file: ssh_key_file(ssh, &secrets)?,
                host_key: ssh.host_key.clone(),
                command: ssh.command.clone(),
                timeout: ssh.timeout,
            }))),
            None => None,
        },
    }
    // Config validation already refuses this; no panic if it ever changes.
    .ok_or(StartError::NoShutdownPath)?;

    let (inputs_tx, inputs) = mpsc::channel(INPUT_QUEUE);
    let (outgoing_tx, outgoing) = mpsc::channel(OUTGOING_QUEUE);
    let (view_tx, view) = watch::channel(PowerView {
        state: machine.state().clone(),
        since: machine.since(),
        presence: None,
        game_players: 0,
        last_observation: None,
        history: Vec::new(),
    });
    let (voice_names_tx, voice_names) = watch::channel(Vec::new());
    let (link_tx, link) = watch::channel(Link::Connecting);

    let mut settings = DiscordSettings::from_config(&config, token);
    // The one scheduler: the daily digest's time, and the game's tasks.
    let scheduler = match Scheduler::open(Arc::clone(&store), clock).await {
        Ok(scheduler) => scheduler,
        // A damaged database never stops the service: the tasks it held
        // are lost (the digest re-arms its own at every start), the rest
        // runs.
        Err(e) => {
            log::error!("{e}; starting with no scheduled task");
            Scheduler::empty(Arc::clone(&store), clock)
        }
    };
    let digest = match &config.digest {
        Some(_) if degraded.is_some() => None,
        Some(digest) => match start_digest(
            digest,
            &config,
            &secrets,
            &store,
            &metrics,
            &outgoing_tx,
            &mut settings,
            clock,
            &scheduler,
        )
        .await
        {
            Ok(digest) => Some(digest),
            // Its saved state is unreadable: power control needs none of it.
            Err(e @ (StartError::Store(_) | StartError::Digest(_))) => {
                degraded = Some(Degraded::digest(&e));
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    if let Some(degraded) = &degraded {
        log::error!("DEGRADED: {}", degraded.reason);
        let text = config
            .messages
            .render(Text::AdminAlert, &[("reason", &degraded.reason)]);
        // Queued until the Discord session is up.
        let _ = outgoing_tx.try_send(Outgoing::AlertAdmin { text });
    }
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
        metrics: Arc::clone(&metrics),
        history: VecDeque::new(),
    };

    let guard = Arc::new(
        Guard::new(
            &config.ratelimit,
            config.zone.clone(),
            clock,
            Arc::clone(&store),
            config.discord.admin_user_id.0,
            config.discord.admin_role_ids.iter().map(|r| r.0).collect(),
        )
        .map_err(|e| StartError::RateLimit(e.to_string()))?,
    );
    log::info!("local time zone: {}", config.zone.name());
    let power = Power::new(inputs_tx.clone());
    let links = match &config.front_door {
        Some(_) => Some(Arc::new(
            crate::front_door::links::LinkBook::load(Arc::clone(&store), clock).await,
        )),
        None => None,
    };
    let members = Arc::new(discord::members::GuildMembers::new(
        config.discord.guild_id.0,
        settings.auth.clone(),
    ));
    if links.is_some() {
        settings.members = Some(Arc::clone(&members));
    }
    let front_door = match (&config.front_door, &links) {
        (Some(front), Some(links)) => crate::front_door::FrontDoor::bind(crate::front_door::Deps {
            config: front.clone(),
            messages: config.messages.clone(),
            view: view.clone(),
            power: power.clone(),
            guard: Arc::clone(&guard),
            inputs: inputs_tx.clone(),
            metrics: Arc::clone(&metrics),
            store: Arc::clone(&store),
            startup_timeout: config.power.startup_timeout,
            ping_timeout: config.minecraft.timeout,
            links: Arc::clone(links),
            members,
            outgoing: outgoing_tx.clone(),
        })
        .await
        // Like the admin page: power control matters more, run without.
        .inspect_err(|e| log::error!("{e:#}; running without the front door"))
        .ok(),
        _ => None,
    };
    let plain_words = Arc::new(PlainWords::default());
    let restarter = Arc::new(Restarter::new(RestartDeps {
        settings: RestartSettings {
            proxmox: proxmox.clone(),
            container_id: config.proxmox.as_ref().map_or(0, |p| p.container_id),
            minecraft: config.minecraft.address.clone(),
            ping_timeout: config.minecraft.timeout,
            limits: Limits {
                cooldown: config.restart.cooldown,
                per_day: config.restart.per_day,
            },
            timeout: config.restart.timeout,
        },
        store: Arc::clone(&store),
        view: view.clone(),
        outgoing: outgoing_tx.clone(),
        messages: config.messages.clone(),
        metrics: Arc::clone(&metrics),
        clock,
        zone: config.zone.clone(),
    }));
    let (game, season_view) = match &config.game {
        Some(g) => match game::start(g, &config, &store, &scheduler, &guard, clock).await? {
            Some((router, view)) => (Some(router), Some(view)),
            None => (None, None),
        },
        None => (None, None),
    };
    if let (Some(game), Some((digester, _))) = (&game, &digest) {
        // The game's channels never reach the digest, even when it plays
        // in the digest's guild.
        let digester = Arc::clone(digester);
        let _ = game.shell.privacy.set(Box::new(move |ids: Vec<u64>| {
            digester.channels().set_game_channels(ids)
        }));
    }
    let commands = Arc::new(Commands::new(CommandDeps {
        guild_id: config.discord.guild_id.0,
        auth: settings.auth.clone(),
        messages: config.messages.clone(),
        bot_name: config.discord.bot_name.clone(),
        power: power.clone(),
        view: view.clone(),
        restarter: Arc::clone(&restarter),
        confirm_within: config.restart.confirm_within,
        plain_words: Arc::clone(&plain_words),
        guard: Arc::clone(&guard),
        clock,
        digest: digest.as_ref().map(|(d, _)| Arc::clone(d)),
        links: links.filter(|_| front_door.is_some()),
        game,
    }));
    let digest_for_console = digest.as_ref().map(|(d, _)| Arc::clone(d));
    let live = crate::app::reload::Live {
        messages: config.messages.clone(),
        auth: settings.auth.clone(),
        power: inputs_tx.clone(),
        restarter: Arc::clone(&restarter),
        digest: digest.as_ref().map(|(d, _)| Arc::clone(d)),
    };
    let vitals = Arc::new(Vitals::default());
    let console = Arc::new(Console {
        started,
        vitals: Arc::clone(&vitals),
        view: view.clone(),
        link: link.clone(),
        voice_names,
        power,
        restarter,
        plain_words,
        guard: Arc::clone(&guard),
        messages: config.messages.clone(),
        outgoing: outgoing_tx.clone(),
        admin_user_id: config.discord.admin_user_id.0,
        clock,
        digest: digest_for_console,
        degraded: degraded.as_ref().map(|d| d.reason.clone()),
        front_door: front_door.is_some(),
        season: season_view.map(|seasons| game::summaries(seasons, clock, shutdown.clone())),
    });
    let web = WebServer::bind(
        WebSettings {
            listen: config.admin.listen,
            health_grace: config.admin.health_grace,
            metrics_public: config.admin.metrics_public,
            admin_token,
            hostnames: config.admin.hostnames.clone(),
            language: config.messages.language(),
        },
        console,
        Arc::clone(&metrics),
        telemetry.logs,
    )
    .await;

    let tasks = TaskTracker::new();
    tasks.spawn(scheduler.run(shutdown.clone()));
    tasks.spawn(driver.run(inputs, shutdown.clone()));
    tasks.spawn(Arc::clone(&guard).maintain(shutdown.clone()));
    tasks.spawn(crate::app::reload::run(
        reload.path,
        live,
        reload.requests,
        shutdown.clone(),
    ));
    if let Some(front_door) = front_door {
        tasks.spawn(front_door.run(shutdown.clone()));
    }
    if let Some((digester, capture)) = digest {
        tasks.spawn(capture.run(Arc::clone(&metrics), shutdown.clone()));
        tasks.spawn(digester.run(shutdown.clone()));
    }
    tasks.spawn(discord::run(
        settings,
        commands,
        inputs_tx.clone(),
        outgoing,
        link_tx,
        voice_names_tx,
        shutdown.clone(),
    ));
    tasks.spawn(supervise(
        view,
        link,
        inputs_tx,
        Arc::clone(&vitals),
        Arc::clone(&guard),
        Arc::clone(&metrics),
        started,
        degraded.map(|d| d.summary),
        shutdown.clone(),
    ));
    match web {
        Ok(server) => {
            let stop = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = server.run(async move { stop.cancelled().await }).await {
                    log::error!("{e}");
                }
            });
        }
        // The power control matters more than the page: run without it.
        Err(e) => log::error!("{e}; running without /health, /metrics and the admin page"),
    }
    tasks.close();

    shutdown.cancelled().await;
    notify::stopping();
    log::info!("stopping: waiting for tasks to finish");
    tasks.wait().await;
    log::info!("stopped cleanly");
    Ok(())
}

/// Why the appliance runs with less than its configuration asks for: power
/// control from live probes only, capture and digest off.
struct Degraded {
    /// For `STATUS=`.
    summary: String,
    /// For the log, `/health` and the admin.
    reason: String,
}

impl Degraded {
    fn database(store: &Store, damage: Damage) -> Degraded {
        let kept = match &damage.kept {
            Some(path) => format!("the damaged file is kept as {}", path.display()),
            None => "nothing could be set aside".to_owned(),
        };
        Degraded {
            summary: "database unreadable, capture and digest off".to_owned(),
            reason: format!(
                "the database {} cannot be used ({}); {kept}. Running without it: power \
                 control works from live probes, capture and digest are off, and nothing is \
                 saved. Restart the service to begin with a fresh database.",
                store.path().display(),
                damage.reason
            ),
        }
    }

    fn digest(error: &StartError) -> Degraded {
        let cause = crate::store::chain(error);
        Degraded {
            summary: "digest state unreadable, capture and digest off".to_owned(),
            reason: format!(
                "the digest's saved state cannot be read ({cause}); capture and digest are \
                 off, power control works."
            ),
        }
    }
}

/// The capture's queue end and archive, to be run as a task.
struct CaptureTask {
    archive: Archive,
    changes: mpsc::Receiver<Change>,
    commit_interval: Duration,
}

impl CaptureTask {
    async fn run(self, metrics: Arc<Metrics>, shutdown: CancellationToken) {
        crate::digest::capture::run(
            self.archive,
            self.changes,
            metrics,
            self.commit_interval,
            shutdown,
        )
        .await;
    }
}

/// Sets up the digest: its channel rules (with the admins' saved
/// decisions), the capture the Discord side feeds, the mailer and the
/// digester.
// Each argument is a start-up handle the digest needs once; a struct for
// this one call would only rename them.
#[allow(clippy::too_many_arguments)]
async fn start_digest(
    digest: &DigestConfig,
    config: &Config,
    secrets: &SecretSource,
    store: &Arc<Store>,
    metrics: &Arc<Metrics>,
    alerts: &mpsc::Sender<Outgoing>,
    discord: &mut DiscordSettings,
    clock: Clock,
    scheduler: &Arc<Scheduler>,
) -> Result<(Arc<Digester>, CaptureTask), StartError> {
    let password = match secrets.load("smtp_password") {
        Ok(password) => Some(password),
        Err(SecretError::Missing { .. }) if digest.smtp_user.is_none() => None,
        Err(e) => return Err(e.into()),
    };
    let ca_pem = match &digest.smtp_ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|source| StartError::CaFile {
            path: path.display().to_string(),
            source,
        })?),
        None => None,
    };
    let mailer = Mailer::new(MailSettings {
        url: digest.smtp_url.clone(),
        user: digest.smtp_user.clone(),
        password,
        ca_pem,
        from: digest.from.clone(),
        to: digest.to.clone(),
        timeout: digest.smtp_timeout,
        hello_name: None,
    })?;
    let archive = Archive::new(Arc::clone(store));
    let loader = archive.clone();
    let (directory, overrides) = tokio::task::spawn_blocking(move || {
        Ok::<_, StoreError>((
            loader.directory()?.unwrap_or_default(),
            Digester::saved_overrides(&loader)?,
        ))
    })
    .await
    .map_err(|e| StartError::Join(e.to_string()))??;
    let channels = Arc::new(Channels::new(
        digest.excluded_channels.clone(),
        digest.important_channels.clone(),
        digest.include_private.clone(),
        directory,
        overrides,
    ));
    let (changes_tx, changes) = mpsc::channel(crate::digest::capture::QUEUE);
    discord.capture = Some(Capture::new(
        changes_tx,
        Arc::clone(&channels),
        archive.clone(),
        clock,
    ));
    let digester = Digester::start(
        archive.clone(),
        channels,
        DigestSettings::from_config(config, digest),
        mailer,
        Arc::clone(metrics),
        alerts.clone(),
        clock,
    )
    .await?;
    digester.attach(scheduler).await?;
    log::info!(
        "digest: on, daily at {} ({}), to {} address(es)",
        digest.time,
        digest.zone.name(),
        digest.to.len()
    );
    Ok((
        digester,
        CaptureTask {
            archive,
            changes,
            commit_interval: digest.commit_interval,
        },
    ))
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

/// The SSH key: the `ssh_key` credential (the unit's way: systemd copies it
/// where only the service's dynamic user can read it), else `key_file`.
/// Resolved to a path, not read: the key is read at each shutdown.
fn ssh_key_file(
    ssh: &crate::config::SshConfig,
    secrets: &SecretSource,
) -> Result<std::path::PathBuf, StartError> {
    if let Some(path) = secrets.credential_file("ssh_key") {
        log::info!("ssh: using the key from the systemd credential ssh_key");
        return Ok(path);
    }
    ssh.key_file.clone().ok_or(StartError::NoSshKey)
}

/// The appliance's own supervision: `READY=1` at once (the store is open,
/// the state loaded and every task started by then), `STATUS=` on every
/// change, a ping of the
/// power loop every [`PING_EVERY`] whose answer feeds `WATCHDOG=1` (only
/// while it answers: a stuck loop gets the service restarted) and
/// `/health`, and the rate limiter's figures for `/metrics`.
#[allow(clippy::too_many_arguments)]
async fn supervise(
    mut view: watch::Receiver<PowerView>,
    mut link: watch::Receiver<Link>,
    driver: mpsc::Sender<Input>,
    vitals: Arc<Vitals>,
    guard: Arc<Guard>,
    metrics: Arc<Metrics>,
    started: Instant,
    degraded: Option<String>,
    shutdown: CancellationToken,
) {
    // Ready does not wait for Discord: an unreachable Discord is something
    // the service lives through (and says so in STATUS= and /health), not a
    // failed start; waiting would also hold `multi-user.target` at boot.
    notify::ready();
    log::info!("ready");
    let watchdog = notify::watchdog_period();
    let mut heartbeat = tokio::time::interval(watchdog.map_or(PING_EVERY, |w| w.min(PING_EVERY)));
    let mut last_status = String::new();
    loop {
        let shown = match &*link.borrow() {
            Link::Connected if discord::gateway_interrupted() => {
                Link::Down("reconnecting".to_owned())
            }
            other => other.clone(),
        };
        let mut line = status_line(&view.borrow(), &shown);
        if let Some(summary) = &degraded {
            line = format!("DEGRADED ({summary}) — {line}");
        }
        if line != last_status {
            notify::status(&line);
            log::debug!("status: {line}");
            last_status = line;
        }
        let connected = *link.borrow() == Link::Connected && !discord::gateway_interrupted();
        {
            let mut down = vitals
                .discord_down_since
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            match (connected, *down) {
                (true, _) => *down = None,
                (false, None) => *down = Some(Instant::now()),
                (false, Some(_)) => {}
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            r = view.changed() => if r.is_err() { return },
            r = link.changed() => if r.is_err() { return },
            _ = heartbeat.tick() => {
                let (tx, rx) = oneshot::channel();
                let alive = driver.send(Input::Ping(tx)).await.is_ok()
                    && tokio::time::timeout(Duration::from_secs(5), rx).await.is_ok_and(|r| r.is_ok());
                if alive {
                    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    vitals.loop_alive_at.store(ms, Ordering::Relaxed);
                    if watchdog.is_some() {
                        notify::watchdog();
                    }
                } else {
                    log::error!("watchdog: the power loop does not answer");
                }
                let s = guard.stats();
                metrics.ratelimit(s.checks, s.refusals, s.bans_issued, s.active_entries as u64);
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
