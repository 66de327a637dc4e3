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
