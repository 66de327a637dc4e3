//! `scripts/deploy.sh` against a real OpenSSH server on loopback.
//!
//! The "Pi" is a temporary directory: the script's remote paths point into
//! it, and `DEPLOY_REMOTE_PATH_PREFIX` puts stand-in `systemctl` and `curl`
//! first in the remote PATH. The stand-in `systemctl restart` "starts" a
//! snapshot of whatever binary is installed; the stand-in `curl` asks that
//! snapshot whether it is healthy. Every call is recorded in a log.
//!
//! Needs `/usr/sbin/sshd`, `ssh` and `ssh-keygen` (Debian: openssh-server,
//! openssh-client) and bash; without them these tests fail, saying so.

use crate::support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::sshd::Sshd;

/// Only guards against hanging forever; the script's own timeouts are short.
const GENEROUS: Duration = Duration::from_secs(60);

/// A stand-in Pi reached through a real sshd.
struct Pi {
    dir: tempfile::TempDir,
    sshd: Sshd,
}

/// What one run of deploy.sh did.
struct Run {
    code: Option<i32>,
    stderr: String,
}

impl Pi {
    /// Starts sshd and lays out the Pi: the installed binary `installed`
    /// (a stand-in made by [`fake_binary`]), a config file, and the
    /// stand-in `systemctl` and `curl`.
    fn new(installed: Option<&str>) -> Pi {
        let dir = tempfile::tempdir().unwrap();
        let ssh_dir = dir.path().join("ssh");
        fs::create_dir(&ssh_dir).unwrap();
        let sshd = match Sshd::start(&ssh_dir) {
            Ok(sshd) => sshd,
            Err(error) => panic!("cannot start the test sshd: {error}"),
        };
        let pi = Pi { dir, sshd };
        for sub in ["usr/bin", "etc/cubeguardian", "fakebin", "state"] {
            fs::create_dir_all(pi.root().join(sub)).unwrap();
        }
        fs::write(pi.config(), "# stand-in config\n").unwrap();
        fs::write(pi.log_path(), "").unwrap();
        if let Some(script) = installed {
            write_executable(&pi.bin(), script);
        }
        let log = pi.log_path();
        let state = pi.root().join("state");
        write_executable(
            &pi.root().join("fakebin/systemctl"),
            &format!(
                r#"#!/bin/sh
# Stand-in systemctl: restart "starts" a copy of the installed binary.
echo "systemctl $*" >> '{log}'
case "$1" in
    restart)
        rm -f '{state}/running'
        cp '{bin}' '{state}/running' || exit 1
        echo "started $('{state}/running' --version)" >> '{log}'
        ;;
    is-active)
        [ "$2" = "--quiet" ] && unit=$3 || unit=$2
        [ "$unit" = cubeguardian ] || exit 4
        if [ -x '{state}/running' ]; then
            [ "$2" = "--quiet" ] || echo active
            exit 0
        fi
        [ "$2" = "--quiet" ] || echo inactive
        exit 3
        ;;
    *) exit 1 ;;
esac
"#,
                log = log.display(),
                state = state.display(),
                bin = pi.bin().display(),
            ),
        );
        write_executable(
            &pi.root().join("fakebin/curl"),
            &format!(
                r#"#!/bin/sh
# Stand-in curl: the running binary says whether it is healthy.
for last; do :; done
echo "curl $last" >> '{log}'
[ "$last" = http://127.0.0.1:8080/health ] || exit 7
[ -x '{state}/running' ] || exit 7
'{state}/running' fake-health || exit 22
"#,
                log = log.display(),
                state = state.display(),
            ),
        );
        pi
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("pi")
    }

    fn bin(&self) -> PathBuf {
        self.root().join("usr/bin/cubeguardian")
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        self.root().join(format!("usr/bin/cubeguardian.{suffix}"))
    }

    fn config(&self) -> PathBuf {
        self.root().join("etc/cubeguardian/config.toml")
    }

    fn log_path(&self) -> PathBuf {
        self.root().join("state/calls.log")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap()
    }

    /// A known_hosts file naming the test sshd's real host key.
    fn known_hosts(&self) -> PathBuf {
        let path = self.dir.path().join("known_hosts");
        fs::write(
            &path,
            format!(
                "[127.0.0.1]:{} {}\n",
                self.sshd.port(),
                self.sshd.host_key_line()
            ),
        )
        .unwrap();
        path
    }

    /// Runs deploy.sh with the stand-in `binary` against this Pi.
    fn deploy(&self, binary: &str, known_hosts: &Path) -> Run {
        let upload = self.dir.path().join("upload");
        write_executable(&upload, binary);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deploy.sh");
        let stderr_path = self.dir.path().join("deploy.stderr");
        let mut child = Command::new("bash")
            .arg(&script)
            .arg(&upload)
            .arg(format!("{}@127.0.0.1", self.sshd.user()))
            .arg(self.sshd.port().to_string())
            .env("DEPLOY_SSH_KEY", self.sshd.client_key())
            .env("DEPLOY_KNOWN_HOSTS", known_hosts)
            .env("DEPLOY_REMOTE_BIN", self.bin())
            .env("DEPLOY_REMOTE_CONFIG", self.config())
            .env("DEPLOY_REMOTE_PATH_PREFIX", self.root().join("fakebin"))
            .env("DEPLOY_HEALTH_TIMEOUT", "2")
            .env("DEPLOY_HEALTH_INTERVAL", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("cannot run bash");
        let deadline = Instant::now() + GENEROUS;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "deploy.sh still ran after {GENEROUS:?}; its stderr:\n{}",
                    fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Run {
            code: status.code(),
            stderr: fs::read_to_string(&stderr_path).unwrap(),
        }
    }

    /// Context for assertion messages.
    fn explain(&self, run: &Run) -> String {
        format!(
            "exit {:?}\n--- deploy.sh stderr:\n{}--- calls on the Pi:\n{}--- sshd log:\n{}",
            run.code,
            run.stderr,
            self.log(),
            self.sshd.log()
        )
    }
}

/// A stand-in CubeGuardian: `--version` names it, `check-config` logs
/// its call and succeeds when `config_ok`, and `fake-health` (asked by the
/// stand-in curl) succeeds when `healthy`.
fn fake_binary(version: &str, config_ok: bool, healthy: bool) -> String {
    format!(
        r#"#!/bin/sh
case "$1" in
    --version) echo "cubeguardian {version}" ;;
    check-config)
        echo "check-config by {version}: $*" >> "$(dirname "$0")/../../state/calls.log"
        [ "$2" = --config ] && [ -f "$3" ] || exit 64
        {config}
        ;;
    fake-health) {health} ;;
    *) exit 64 ;;
esac
"#,
        config = if config_ok {
            "exit 0"
        } else {
            "echo 'error: bad config' >&2; exit 78"
        },
        health = if healthy { "exit 0" } else { "exit 1" },
    )
}

fn write_executable(path: &Path, content: &str) {
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn a_healthy_binary_is_switched_in_and_the_previous_one_kept() {
    let old = fake_binary("1.0.0", true, true);
    let new = fake_binary("2.0.0", true, true);
    let pi = Pi::new(Some(&old));

    let run = pi.deploy(&new, &pi.known_hosts());

    assert_eq!(run.code, Some(0), "{}", pi.explain(&run));
    assert_eq!(read(&pi.bin()), new, "the new binary is installed");
    assert_eq!(
        read(&pi.sibling("prev")),
        old,
        "the previous binary is kept"
    );
    assert!(!pi.sibling("new").exists(), "no upload is left behind");
    let mode = fs::metadata(pi.bin()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755, "the installed binary is executable");
    let log = pi.log();
    assert!(
        log.contains(&format!(
            "check-config by 2.0.0: check-config --config {}",
            pi.config().display()
        )),
        "the new binary checked the config: {}",
        pi.explain(&run)
    );
    assert_eq!(log.matches("systemctl restart cubeguardian").count(), 1);
    assert!(log.contains("started cubeguardian 2.0.0"), "{log}");
    assert!(log.contains("curl http://127.0.0.1:8080/health"), "{log}");
    assert!(run.stderr.contains("success"), "{}", run.stderr);
}

#[test]
fn an_unhealthy_binary_is_rolled_back_and_the_deploy_fails() {
    let old = fake_binary("1.0.0", true, true);
    let bad = fake_binary("2.0.0-broken", true, false);
    let pi = Pi::new(Some(&old));

    let run = pi.deploy(&bad, &pi.known_hosts());

    assert_eq!(run.code, Some(1), "{}", pi.explain(&run));
    assert_eq!(read(&pi.bin()), old, "the previous binary is back");
    assert_eq!(
        read(&pi.sibling("failed")),
        bad,
        "the failed one is kept aside"
    );
    assert!(!pi.sibling("new").exists());
    let log = pi.log();
    assert_eq!(
        log.matches("systemctl restart cubeguardian").count(),
        2,
        "restarted with the new binary, then with the previous: {}",
        pi.explain(&run)
    );
    let broken = log.find("started cubeguardian 2.0.0-broken").unwrap();
    let restored = log.rfind("started cubeguardian 1.0.0").unwrap();
    assert!(broken < restored, "the previous binary runs last: {log}");
    assert!(run.stderr.contains("rolling back"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("runs the previous binary and is healthy"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_rejected_config_switches_nothing() {
    let old = fake_binary("1.0.0", true, true);
    let new = fake_binary("2.0.0", false, true);
    let pi = Pi::new(Some(&old));

    let run = pi.deploy(&new, &pi.known_hosts());

    assert_eq!(run.code, Some(1), "{}", pi.explain(&run));
    assert_eq!(read(&pi.bin()), old, "the installed binary is untouched");
    assert!(!pi.sibling("new").exists(), "the upload is removed");
    assert!(!pi.sibling("prev").exists(), "nothing was switched");
    let log = pi.log();
    assert!(
        log.contains("check-config by 2.0.0"),
        "{}",
        pi.explain(&run)
    );
    assert!(!log.contains("systemctl"), "no restart: {log}");
    assert!(run.stderr.contains("check-config failed"), "{}", run.stderr);
}

#[test]
fn an_unknown_host_key_is_refused_before_anything_is_uploaded() {
    let old = fake_binary("1.0.0", true, true);
    let pi = Pi::new(Some(&old));
    let other_key = pi.dir.path().join("other_host_key");
    let other_line = support::sshd::generate_key(&other_key, "").unwrap();
    let known_hosts = pi.dir.path().join("wrong_known_hosts");
    fs::write(
        &known_hosts,
        format!("[127.0.0.1]:{} {other_line}\n", pi.sshd.port()),
    )
    .unwrap();

    let run = pi.deploy(&fake_binary("2.0.0", true, true), &known_hosts);

    assert_eq!(run.code, Some(1), "{}", pi.explain(&run));
    assert!(!pi.sibling("new").exists(), "nothing was uploaded");
    assert_eq!(read(&pi.bin()), old);
    assert!(pi.log().is_empty(), "nothing ran on the Pi: {}", pi.log());
    assert!(
        run.stderr.contains("upload") && run.stderr.contains("failed"),
        "{}",
        run.stderr
    );
}
