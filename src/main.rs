//! The `cubeguardian` binary: parses the command line, loads the
//! configuration, sets up logging and hands over to the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgGroup, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use std::io::{BufRead, Write};

use cubeguardian::cli::service_client;
use cubeguardian::config::{self, Config, ShutdownMethod};
use cubeguardian::digest::listing::Query;
use cubeguardian::digest::offline::{self, OfflineError};
use cubeguardian::intent::{Addressee, Channel, Parsed, Recognizer};
use cubeguardian::secret::SecretSource;
use cubeguardian::store::StoreError;
use cubeguardian::web::{LogRing, Metrics};
use cubeguardian::{app, logging};

/// EX_CONFIG from sysexits.h: the configuration is wrong. systemd shows it,
/// and `RestartPreventExitStatus=78` keeps a broken config from looping.
const EXIT_CONFIG: u8 = 78;

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
        Command::CheckConfig { config } => check_config(&config),
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
            digest(&config, query)
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
                        .unwrap_or_else(|| DEFAULT_BOT_NAME.to_owned()),
                    Err(code) => return code,
                },
                (None, None) => DEFAULT_BOT_NAME.to_owned(),
            };
            let bot = Addressee {
                bot_id,
                bot_name: &bot_name,
            };
            if batch {
                parse_batch(&bot)
            } else {
                let channel = if dm { Channel::Dm } else { Channel::Guild };
                let parsed = Recognizer::new().parse(text.as_deref().unwrap_or(""), channel, &bot);
                println!("{}", json(&parsed));
                ExitCode::SUCCESS
            }
        }
    }
}

/// What players call the bot when nothing says otherwise.
const DEFAULT_BOT_NAME: &str = "CubeGuardian";

fn json(parsed: &Parsed) -> String {
    serde_json::to_string(parsed).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `parse --batch`: one answer per input line, in order; a malformed line
/// gets an `{"error": …}` object in its place so the output stays aligned.
fn parse_batch(bot: &Addressee<'_>) -> ExitCode {
    let recognizer = Recognizer::new();
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("error: stdin line {}: {e}", n + 1);
                return ExitCode::FAILURE;
            }
        };
        let answer = match line.split_once('\t') {
            Some(("guild", text)) => json(&recognizer.parse(text, Channel::Guild, bot)),
            Some(("dm", text)) => json(&recognizer.parse(text, Channel::Dm, bot)),
            _ => {
                failed = true;
                let error = format!("line {}: expected `guild<TAB>text` or `dm<TAB>text`", n + 1);
                serde_json::json!({ "error": error }).to_string()
            }
        };
        if writeln!(out, "{answer}").is_err() {
            // stdout closed (e.g. piped into head): nothing left to do.
            return ExitCode::SUCCESS;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn load(path: &Path) -> Result<Config, ExitCode> {
    Config::from_file(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_CONFIG)
    })
}

fn check_config(path: &Path) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    println!("{}: valid", path.display());
    let mut secrets = vec!["discord_token"];
    let mut files = Vec::new();
    if let Some(px) = &config.proxmox {
        secrets.push("proxmox_token_secret");
        files.extend(px.ca_file.iter().map(|f| ("proxmox.ca_file", f.clone())));
    }
    if let Some(digest) = &config.digest {
        if digest.smtp_user.is_some() {
            secrets.push("smtp_password");
        }
        files.extend(
            digest
                .smtp_ca_file
                .iter()
                .map(|f| ("digest.smtp_ca_file", f.clone())),
        );
    }
    if let (ShutdownMethod::Ssh, Some(ssh)) = (config.power.shutdown_method, &config.ssh) {
        match &ssh.key_file {
            Some(file) => files.push(("ssh.key_file", file.clone())),
            None => secrets.push("ssh_key (credential only)"),
        }
    }
    for (key, file) in files {
        if !file.exists() {
            println!("warning: `{key}`: {} does not exist (yet)", file.display());
        }
    }
    println!(
        "secrets read at start-up (credential or CUBEGUARDIAN_<NAME> variable): {}",
        secrets.join(", ")
    );
    ExitCode::SUCCESS
}

fn digest(path: &Path, query: Query) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(digest) = &config.digest else {
        eprintln!(
            "error: {}: there is no [digest] section (or it has enabled = false)",
            path.display()
        );
        return ExitCode::from(EXIT_CONFIG);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let answer = runtime.block_on(async {
        match offline::answer(&config, digest, query).await {
            Err(OfflineError::Store(StoreError::AlreadyOpen { .. })) => {
                ask_running(&config, query).await
            }
            other => other.map_err(|e| format!("{:#}", anyhow::Error::from(e))),
        }
    });
    match answer {
        Ok(Some(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("error: there is no such digest (see `cubeguardian digest --list`)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Asks the running appliance, which holds the database, over its admin
/// endpoint.
async fn ask_running(config: &Config, query: Query) -> Result<Option<String>, String> {
    let token =
        service_client::admin_token(&SecretSource::from_process()).map_err(|e| e.to_string())?;
    service_client::ask(config.admin.listen, &token, query)
        .await
        .map_err(|e| e.to_string())
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
    logging::init(config.log.level, Arc::clone(&telemetry.logs));
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
