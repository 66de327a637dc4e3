//! The `cubeguardian` binary: parses the command line, loads the
//! configuration, sets up logging and hands over to the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgGroup, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use cubeguardian::app;
use cubeguardian::cli::{self, load, EXIT_CONFIG};
use cubeguardian::config;
use cubeguardian::digest::listing::Query;
use cubeguardian::intent::{Addressee, Channel};
use cubeguardian::metrics::Metrics;
use cubeguardian::system::logging;
use cubeguardian::system::logring::LogRing;
use cubeguardian::system::secret::SecretSource;

/// CubeGuardian: wakes, watches and puts to sleep a home Minecraft server
/// from Discord.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the appliance (what the systemd service does).
    Run {
        /// The configuration file.
        #[arg(long, short, default_value = config::DEFAULT_PATH)]
        config: PathBuf,
    },
    /// Check a configuration file and exit: 0 when valid, 78 when not.
    CheckConfig {
        /// The configuration file.
        #[arg(long, short, default_value = config::DEFAULT_PATH)]
        config: PathBuf,
    },
    /// Print the digest that would be sent now (--preview), the past
    /// digests with their delivery status (--list), or one of them (--show
    /// ID). Reads the database, or asks the running service (with the
    /// admin token) when it holds the database.
    #[command(group(ArgGroup::new("what").required(true).args(["preview", "list", "show"])))]
    Digest {
        /// The configuration file.
        #[arg(long, short, default_value = config::DEFAULT_PATH)]
        config: PathBuf,
        #[arg(long)]
        preview: bool,
        #[arg(long)]
        list: bool,
        #[arg(long, value_name = "ID")]
        show: Option<u64>,
    },
    /// Show what the language parser makes of a message, as JSON:
    /// {"intent": …, "confidence": …, "addressed": …}.
    Parse {
        /// The message, as typed in a public channel (unless --dm). Write
        /// `<@ID>` for a mention of the bot.
        #[arg(required_unless_present = "batch")]
        text: Option<String>,
        /// The message is a direct message to the bot.
        #[arg(long)]
        dm: bool,
        /// Read `guild<TAB>text` or `dm<TAB>text` lines on stdin and print one
        /// JSON object per line, in order.
        #[arg(long, conflicts_with_all = ["text", "dm"])]
        batch: bool,
        /// The bot's user id, for `<@ID>` mentions.
        #[arg(long, default_value_t = 1)]
        bot_id: u64,
        /// The name players call the bot by (default: `discord.bot_name` of
        /// --config, else "CubeGuardian").
        #[arg(long)]
        bot_name: Option<String>,
        /// A configuration file to take the bot's name from.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { config } => cli::check_config::check_config(&config),
        Command::Run { config } => run(&config),
        Command::Digest {
            config,
            preview,
            list,
            show,
        } => {
            let query = match (preview, list, show) {
                (true, _, _) => Query::Preview,
                (_, true, _) => Query::List,
                (_, _, Some(id)) => Query::Show(id),
                // clap's group makes one of them required.
                _ => Query::List,
            };
            cli::digest::digest(&config, query)
        }
        Command::Parse {
            text,
            dm,
            batch,
            bot_id,
            bot_name,
            config,
        } => {
            let bot_name = match (bot_name, config) {
                (Some(name), _) => name,
                (None, Some(path)) => match load(&path) {
                    Ok(c) => c
                        .discord
                        .bot_name
                        .unwrap_or_else(|| cli::parse::DEFAULT_BOT_NAME.to_owned()),
                    Err(code) => return code,
                },
                (None, None) => cli::parse::DEFAULT_BOT_NAME.to_owned(),
            };
            let bot = Addressee {
                bot_id,
                bot_name: &bot_name,
            };
            if batch {
                cli::parse::batch(&bot)
            } else {
                let channel = if dm { Channel::Dm } else { Channel::Guild };
                cli::parse::one(text.as_deref().unwrap_or(""), channel, &bot)
            }
        }
    }
}

fn run(path: &Path) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let telemetry = app::Telemetry {
        metrics: Arc::new(Metrics::new()),
        logs: Arc::new(LogRing::new()),
    };
    logging::init(
        config.log.level,
        Arc::clone(&telemetry.logs),
        cubeguardian::discord::watch_gateway_log,
    );
    log::info!(
        "cubeguardian {} starting with {}",
        env!("CARGO_PKG_VERSION"),
        path.display()
    );

    // One thread: a handful of sockets need no more, it is the smallest
    // footprint on a Pi, and it keeps Discord events in order — serenity
    // spawns a task per event, and on a multi-threaded runtime a quick
    // join-then-leave could be handled leave-first. (Blocking work, the
    // database, goes to tokio's blocking pool.)
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let (reload_tx, requests) = tokio::sync::mpsc::channel(1);
        tokio::spawn(stop_on_signal(shutdown.clone(), reload_tx));
        let reload = app::Reload {
            path: path.to_path_buf(),
            requests,
        };
        match app::run(
            config,
            SecretSource::from_process(),
            telemetry,
            reload,
            shutdown,
        )
        .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let configuration = e.is_configuration();
                // {:#} prints the whole cause chain on one line.
                log::error!("cannot start: {:#}", anyhow::Error::from(e));
                if configuration {
                    ExitCode::from(EXIT_CONFIG)
                } else {
                    ExitCode::FAILURE
                }
            }
        }
    })
}

/// Cancels `shutdown` on SIGTERM (systemd stop) or SIGINT (Ctrl-C); asks
/// for a configuration reload on SIGHUP (`systemctl reload`). Several
/// SIGHUPs during one reload make one more reload, not a queue.
async fn stop_on_signal(shutdown: CancellationToken, reload: tokio::sync::mpsc::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        log::error!("cannot install signal handlers; stop with SIGKILL");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => { log::info!("SIGTERM received"); break }
            _ = int.recv() => { log::info!("SIGINT received"); break }
            _ = hup.recv() => {
                log::info!("SIGHUP received: reloading the configuration");
                let _ = reload.try_send(());
            }
        }
    }
    shutdown.cancel();
}
