//! `cubeguardian check-config`: validates the file as `run` would, then
//! says which secrets and files the service will read at start, so an
//! installer sees what is missing before systemd does.

use std::path::Path;
use std::process::ExitCode;

use super::load;
use crate::config::ShutdownMethod;

/// Checks the file at `path`; exit 78 when it is invalid.
pub fn check_config(path: &Path) -> ExitCode {
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
