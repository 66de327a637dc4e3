//! Secrets (tokens, passwords) and where they come from.
//!
//! A [`Secret`] can be used but never printed: its `Debug` and `Display` say
//! `[redacted]`, so a secret that ends up in a log line or an error message by
//! mistake leaks nothing. Secrets are loaded from systemd credentials
//! (`$CREDENTIALS_DIRECTORY/<name>`) first, then from `CUBEGUARDIAN_<NAME>`
//! environment variables — never from the config file.
//!
//! The unit loads the whole credentials directory at once
//! (`LoadCredential=cubeguardian:/etc/cubeguardian/credentials`): a file that
//! is not there is simply not passed, where a missing `LoadCredential=` file
//! fails the unit (which made every optional secret mandatory). systemd names
//! what it loads from a directory `<ID>_<file>`, hence [`UNIT_PREFIX`].

use std::fmt;
use std::path::{Path, PathBuf};

/// A string that must never appear in logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value; surrounding whitespace (the trailing newline of a
    /// credential file, typically) is removed because no token contains it.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().trim().to_owned())
    }

    /// The secret itself, for the one place that needs to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the credentials the unit loads from its directory are named
/// (`cubeguardian_discord_token`); looked up after the bare name, which a
/// `LoadCredential=discord_token:…` line of the admin's own gives.
pub const UNIT_PREFIX: &str = "cubeguardian_";

/// Why a secret could not be loaded. The messages name the credential and
/// the variable to set, never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "missing secret `{name}`: provide it as the systemd credential `{name}` \
         (under the unit: the file /etc/cubeguardian/credentials/{name}) or in the \
         environment variable `{env}`"
    )]
    Missing { name: String, env: String },
    #[error("cannot read credential file {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("secret `{name}` is empty (in {origin})")]
    Empty { name: String, origin: String },
}

/// Where secrets are looked up. Built from the process environment in
/// production, from explicit values in tests.
#[derive(Debug, Clone, Default)]
pub struct SecretSource {
    credentials_dir: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl SecretSource {
    /// Reads `$CREDENTIALS_DIRECTORY` and the `CUBEGUARDIAN_*` variables of
    /// this process.
    pub fn from_process() -> Self {
        SecretSource {
            credentials_dir: std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("CUBEGUARDIAN_"))
                .collect(),
        }
    }

    /// A source with explicit contents, for tests and tools.
    pub fn new(credentials_dir: Option<&Path>, env: &[(&str, &str)]) -> Self {
        SecretSource {
            credentials_dir: credentials_dir.map(Path::to_path_buf),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// The environment variable that carries the secret `name`.
    pub fn env_name(name: &str) -> String {
        format!("CUBEGUARDIAN_{}", name.to_ascii_uppercase())
    }

    /// Loads the secret `name` (e.g. `discord_token`): the credential file
    /// wins over the environment variable because systemd's credentials are
    /// the documented, permission-checked way.
    pub fn load(&self, name: &str) -> Result<Secret, SecretError> {
        let env = Self::env_name(name);
        for path in self.credential_paths(name) {
            match std::fs::read_to_string(&path) {
                Ok(text) => return non_empty(name, Secret::new(text), path.display().to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(SecretError::Unreadable { path, source }),
            }
        }
        match self.env.iter().find(|(k, _)| *k == env) {
            Some((_, v)) => non_empty(name, Secret::new(v.clone()), format!("${env}")),
            None => Err(SecretError::Missing {
                name: name.to_owned(),
                env,
            }),
        }
    }

    /// The credential file `name`, if systemd passed one: for secrets read
    /// by path when they are used (the SSH key, re-read at every shutdown).
    pub fn credential_file(&self, name: &str) -> Option<PathBuf> {
        self.credential_paths(name).find(|path| path.is_file())
    }

    fn credential_paths(&self, name: &str) -> impl Iterator<Item = PathBuf> + '_ {
        let names = [name.to_owned(), format!("{UNIT_PREFIX}{name}")];
        self.credentials_dir
            .iter()
            .flat_map(move |dir| names.clone().map(|n| dir.join(n)))
    }
}

fn non_empty(name: &str, secret: Secret, origin: String) -> Result<Secret, SecretError> {
    if secret.expose().is_empty() {
        Err(SecretError::Empty {
            name: name.to_owned(),
            origin,
        })
    } else {
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn credential_file_wins_over_environment_and_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("discord_token"), "from-file\n").unwrap();
        let src = SecretSource::new(Some(dir.path()), &[("CUBEGUARDIAN_DISCORD_TOKEN", "env")]);
        assert_eq!(src.load("discord_token").unwrap().expose(), "from-file");
    }

    #[test]
    fn credentials_loaded_from_the_units_directory_are_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cubeguardian_discord_token"), "from-dir\n").unwrap();
        std::fs::write(dir.path().join("cubeguardian_ssh_key"), "key").unwrap();
        let src = SecretSource::new(Some(dir.path()), &[]);
        assert_eq!(src.load("discord_token").unwrap().expose(), "from-dir");
        assert_eq!(
            src.credential_file("ssh_key"),
            Some(dir.path().join("cubeguardian_ssh_key"))
        );
        assert_eq!(src.credential_file("admin_token"), None);
        assert!(matches!(
            src.load("admin_token"),
            Err(SecretError::Missing { .. })
        ));
    }

    #[test]
    fn environment_is_used_when_no_credential_file() {
        let dir = tempfile::tempdir().unwrap();
        let src = SecretSource::new(Some(dir.path()), &[("CUBEGUARDIAN_DISCORD_TOKEN", "env")]);
        assert_eq!(src.load("discord_token").unwrap().expose(), "env");
    }

    #[test]
    fn missing_secret_names_credential_and_variable() {
        let err = SecretSource::new(None, &[])
            .load("proxmox_token_secret")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("proxmox_token_secret"), "{msg}");
        assert!(msg.contains("CUBEGUARDIAN_PROXMOX_TOKEN_SECRET"), "{msg}");
    }

    #[test]
    fn empty_secret_is_an_error() {
        let src = SecretSource::new(None, &[("CUBEGUARDIAN_DISCORD_TOKEN", "  \n")]);
        assert!(matches!(
            src.load("discord_token"),
            Err(SecretError::Empty { .. })
        ));
    }
}
