//! The systemd unit: `systemd-analyze verify` is clean and the security
//! exposure score stays under 2.0 (we aim at 1.5 or less).
//!
//! Needs `systemd-analyze` (Debian's systemd package; `.ci/run` installs it).
//! Both run offline on the unit file: nothing is started.

use std::path::Path;
use std::process::Command;

const UNIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/cubeguardian.service");

fn analyze(args: &[&str]) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .output()
        .expect("systemd-analyze not found: apt-get install systemd")
}

#[test]
fn security_exposure_is_under_two() {
    let out = analyze(&["security", "--offline=yes", UNIT]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| {
            panic!(
                "no exposure line in:\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let score: f64 = line
        .split(':')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the score in {line:?}"));
    eprintln!("{line}");
    assert!(score < 2.0, "{line}");
}

#[test]
fn verify_is_clean() {
    // verify checks that ExecStart exists: point it at the binary just built.
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(UNIT)
        .unwrap()
        .replace("/usr/bin/cubeguardian", env!("CARGO_BIN_EXE_cubeguardian"));
    let path = dir.path().join("cubeguardian.service");
    std::fs::write(&path, unit).unwrap();
    let out = analyze(&["verify", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let unit_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("cubeguardian.service"))
        .collect();
    assert!(
        unit_lines.is_empty(),
        "warnings about the unit:\n{}",
        unit_lines.join("\n")
    );
    assert!(Path::new(env!("CARGO_BIN_EXE_cubeguardian")).exists());
}

/// The credentials systemd would hand the service, computed from the unit's
/// `LoadCredential=` lines the way systemd 252 (Debian 12) does it, for an
/// installation whose credentials directory holds `present`. Checked
/// against a real systemd 252 as PID 1: a directory's files become
/// `<ID>_<file>`; a missing absolute file fails the unit (243/CREDENTIALS),
/// which is returned as Err naming the line; a missing relative name
/// (credential store) is skipped.
fn credentials_under_the_unit(
    unit: &str,
    installed: &Path,
    present: &Path,
    into: &Path,
) -> Result<(), String> {
    for line in unit.lines().map(str::trim) {
        let Some(setting) = line.strip_prefix("LoadCredential=") else {
            continue;
        };
        let (id, source) = setting.split_once(':').unwrap_or((setting, setting));
        // The unit's paths, moved to where this test keeps those files.
        let local = match Path::new(source).strip_prefix(installed) {
            Ok(rest) => present.join(rest),
            Err(_) if !source.starts_with('/') => continue,
            Err(_) => return Err(format!("{line}: outside {}", installed.display())),
        };
        if local.is_dir() {
            for entry in std::fs::read_dir(&local).unwrap() {
                let entry = entry.unwrap();
                let name = format!("{id}_{}", entry.file_name().to_string_lossy());
                std::fs::copy(entry.path(), into.join(name)).unwrap();
            }
        } else if local.is_file() {
            std::fs::copy(&local, into.join(id)).unwrap();
        } else {
            return Err(format!(
                "{line}: {source} does not exist, so systemd would refuse to start the unit"
            ));
        }
    }
    Ok(())
}

/// An SSH-only installation (no `[proxmox]`, so no Proxmox secret; the SSH
/// key as a credential, no `key_file`) starts under the unit's credential
/// settings: nothing in the unit asks for a file it does not have, and the
/// real binary, given exactly what systemd would give it, gets to READY=1
/// and takes the key from the credential. (systemd is not PID 1 where the
/// tests run, so the unit's credential handling is reproduced above.)
#[test]
fn an_ssh_only_setup_starts_with_the_units_credentials() {
    use std::io::Read;
    use std::os::unix::net::UnixDatagram;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let present = dir.path().join("etc-credentials");
    let creds = dir.path().join("credentials");
    std::fs::create_dir_all(&present).unwrap();
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::write(present.join("discord_token"), "ssh-only-dummy-token\n").unwrap();
    std::fs::write(
        present.join("ssh_key"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot read before a shutdown\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    let unit = std::fs::read_to_string(UNIT).unwrap();
    if let Err(problem) = credentials_under_the_unit(
        &unit,
        Path::new("/etc/cubeguardian/credentials"),
        &present,
        &creds,
    ) {
        panic!("an SSH-only setup would not start: {problem}");
    }

    let admin = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"{ssh_only}
[admin]
listen = "{admin}"

[state]
dir = "{state}"
"#,
            ssh_only = include_str!("../data/ssh-only.toml"),
            state = dir.path().join("state").display(),
        ),
    )
    .unwrap();
    let notify_path = dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cubeguardian"))
        .args(["run", "--config"])
        .arg(&config)
        .env_clear()
        .env("CREDENTIALS_DIRECTORY", &creds)
        .env("NOTIFY_SOCKET", &notify_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // Only guards against hanging forever.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = false;
    let mut buf = [0u8; 4096];
    while !ready && Instant::now() < deadline {
        if let Ok(n) = notify.recv(&mut buf) {
            ready = String::from_utf8_lossy(&buf[..n])
                .lines()
                .any(|l| l == "READY=1");
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut log);
    assert!(ready, "no READY=1 from the SSH-only setup; its log:\n{log}");
    assert!(
        log.contains("using the key from the systemd credential ssh_key"),
        "{log}"
    );
    assert!(
        !log.contains("ssh-only-dummy-token"),
        "token logged:\n{log}"
    );
}
