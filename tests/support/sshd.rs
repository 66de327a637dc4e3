//! A real OpenSSH server on 127.0.0.1 for tests, with throw-away keys.
//!
//! [`Sshd::start`] generates an ed25519 host key and an authorized client
//! key in the given directory, writes a minimal `sshd_config` there and runs
//! `/usr/sbin/sshd -D -e` until the value is dropped. The server only accepts
//! key authentication, for the user running the tests (root in CI).
//!
//! Missing OpenSSH is an error naming the package to install, so a test using
//! this fails loudly instead of passing without having tested anything.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// sshd must be started by absolute path (it re-executes itself).
pub const SSHD: &str = "/usr/sbin/sshd";
/// How long sshd may take to start listening before we give up.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts with a fresh port, in case another process took the one we picked.
const START_ATTEMPTS: usize = 3;
const INSTALL_HINT: &str =
    "install OpenSSH with `apt-get install -y openssh-server openssh-client`";

/// A running sshd, killed on drop.
pub struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
    host_key_line: String,
    client_key: PathBuf,
    client_key_line: String,
    user: String,
}

impl Sshd {
    /// Generates keys and config in `dir` (which must exist and stay alive
    /// as long as the server) and starts sshd on a free 127.0.0.1 port.
    /// Blocks until sshd listens (at most 10 s).
    pub fn start(dir: &Path) -> io::Result<Sshd> {
        if !Path::new(SSHD).exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the SSH tests need a real sshd, but {SSHD} does not exist: {INSTALL_HINT}"
                ),
            ));
        }
        let host_key = dir.join("ssh_host_ed25519_key");
        let host_key_line = generate_key(&host_key, "")?;
        let client_key = dir.join("client_ed25519");
        let client_key_line = generate_key(&client_key, "")?;
        fs::write(dir.join("authorized_keys"), format!("{client_key_line}\n"))?;
        // The privilege-separation directory sshd insists on; only root can
        // create it, and a non-root sshd does without it.
        let _ = fs::create_dir_all("/run/sshd");
        let user = current_user()?;

        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            match spawn(dir, &host_key, port) {
                Ok(child) => {
                    return Ok(Sshd {
                        child,
                        port,
                        dir: dir.to_owned(),
                        host_key_line,
                        client_key,
                        client_key_line,
                        user,
                    })
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("sshd did not start")))
    }

    /// "127.0.0.1:port".
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's host public key line, `ssh-ed25519 AAAA… comment`.
    pub fn host_key_line(&self) -> &str {
        &self.host_key_line
    }

    /// The private key file of the authorized client (unencrypted).
    pub fn client_key(&self) -> &Path {
        &self.client_key
    }

    /// The authorized client's public key line.
    pub fn client_key_line(&self) -> &str {
        &self.client_key_line
    }

    /// The user the server lets in: the one running the tests.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// What sshd logged so far (its stderr), for assertion messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates an ed25519 key pair at `path` (+ `.pub`) with `ssh-keygen`,
/// replacing any existing one; an empty passphrase leaves it unencrypted.
/// Returns the public key line.
pub fn generate_key(path: &Path, passphrase: &str) -> io::Result<String> {
    let _ = fs::remove_file(path);
    let _ = fs::remove_file(path.with_extension("pub"));
    let output = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "cubeguardian-test",
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot run ssh-keygen ({error}): {INSTALL_HINT}"),
            )
        })?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "ssh-keygen failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let public = fs::read_to_string(pub_path(path))?;
    Ok(public.trim().to_owned())
}

fn pub_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn current_user() -> io::Result<String> {
    let output = Command::new("id").arg("-un").output()?;
    let user = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if user.is_empty() {
        return Err(io::Error::other(
            "cannot tell the current user (`id -un` printed nothing)",
        ));
    }
    Ok(user)
}

/// A port that was free a moment ago (sshd binds it right after).
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Writes the config for `port`, starts sshd and waits for its
/// "Server listening" line.
fn spawn(dir: &Path, host_key: &Path, port: u16) -> io::Result<Child> {
    let config = dir.join("sshd_config");
    fs::write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\n\
             Port {port}\n\
             HostKey {host_key}\n\
             AuthorizedKeysFile {authorized}\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\n\
             UsePAM no\n\
             StrictModes no\n\
             PidFile {pid}\n\
             LogLevel VERBOSE\n",
            host_key = host_key.display(),
            authorized = dir.join("authorized_keys").display(),
            pid = dir.join("sshd.pid").display(),
        ),
    )?;
    let log_path = dir.join("sshd.log");
    let log = fs::File::create(&log_path)?;
    let mut child = Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|error| io::Error::new(error.kind(), format!("cannot start {SSHD}: {error}")))?;

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("Server listening on") {
            return Ok(child);
        }
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!(
                "sshd exited ({status}) while starting:\n{log}"
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other(format!(
                "sshd did not listen within {START_TIMEOUT:?}:\n{log}"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
