//! The command-line subcommands besides `run`: what each does once `main`
//! has parsed its arguments. They are the binary's edge: they print to
//! stdout and stderr and turn failures into exit codes.

pub mod check_config;
pub mod digest;
pub mod parse;
pub mod service_client;

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;

/// EX_CONFIG from sysexits.h: the configuration is wrong. systemd shows it,
/// and `RestartPreventExitStatus=78` keeps a broken config from looping.
pub const EXIT_CONFIG: u8 = 78;

/// The configuration at `path`, or exit 78 with the error on stderr.
pub fn load(path: &Path) -> Result<Config, ExitCode> {
    Config::from_file(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_CONFIG)
    })
}
