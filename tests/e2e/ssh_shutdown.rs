//! The SSH command runner against a real OpenSSH server on loopback.
//!
//! Needs `/usr/sbin/sshd` and `ssh-keygen` (Debian: openssh-server,
//! openssh-client); without them these tests fail, saying what to install.

use crate::support;

use std::path::Path;
use std::time::Duration;

use cubeguardian::peers::ssh::{run_command, HostKey, SshError, SshTarget};
use support::sshd::{generate_key, Sshd};

/// Only guards against hanging forever.
const GENEROUS: Duration = Duration::from_secs(30);

fn start(dir: &Path) -> Sshd {
    match Sshd::start(dir) {
        Ok(sshd) => sshd,
        Err(error) => panic!("cannot start the test sshd: {error}"),
    }
}

fn target(sshd: &Sshd, command: String) -> SshTarget {
    SshTarget {
        address: sshd.address(),
        user: sshd.user().to_owned(),
        key_file: sshd.client_key().to_owned(),
        host_key: sshd.host_key_line().parse().unwrap(),
        command,
        timeout: GENEROUS,
    }
}

#[tokio::test]
async fn the_command_runs_when_the_host_key_matches() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let marker = dir.path().join("marker");

    let outcome = run_command(&target(&sshd, format!("touch {}", marker.display())))
        .await
        .unwrap_or_else(|error| panic!("{error:#?}\nsshd log:\n{}", sshd.log()));

    assert_eq!(outcome.exit_status, Some(0));
    assert!(marker.exists());
}

#[tokio::test]
async fn exit_status_and_both_output_streams_are_returned() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());

    let outcome = run_command(&target(
        &sshd,
        "echo to-stdout; echo to-stderr >&2; exit 3".into(),
    ))
    .await
    .unwrap();

    assert_eq!(outcome.exit_status, Some(3));
    assert!(outcome.output.contains("to-stdout"), "{:?}", outcome.output);
    assert!(outcome.output.contains("to-stderr"), "{:?}", outcome.output);
}

#[tokio::test]
async fn long_output_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());

    let outcome = run_command(&target(
        &sshd,
        "head -c 100000 /dev/zero | tr '\\0' x".into(),
    ))
    .await
    .unwrap();

    assert_eq!(outcome.exit_status, Some(0));
    assert!(outcome.output.ends_with("[output truncated]"));
    assert!(outcome.output.len() < 5000);
}

#[tokio::test]
async fn a_different_host_key_is_refused_before_authenticating() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let marker = dir.path().join("marker");
    let impostor_line = generate_key(&dir.path().join("impostor"), "").unwrap();
    let mut target = target(&sshd, format!("touch {}", marker.display()));
    target.host_key = impostor_line.parse().unwrap();

    let error = run_command(&target).await.unwrap_err();

    let real: HostKey = sshd.host_key_line().parse().unwrap();
    match &error {
        SshError::HostKeyMismatch {
            address,
            expected,
            seen,
        } => {
            assert_eq!(address, &sshd.address());
            assert_eq!(expected, &target.host_key.to_string());
            assert_eq!(seen, &real.to_string());
        }
        other => panic!("expected a host key mismatch, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&sshd.address()) && message.contains("SHA256:"),
        "{message}"
    );
    assert!(!marker.exists());
    assert!(!sshd.log().contains("Accepted publickey"), "{}", sshd.log());
}

#[tokio::test]
async fn an_unauthorized_client_key_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let marker = dir.path().join("marker");
    let stranger = dir.path().join("stranger");
    generate_key(&stranger, "").unwrap();
    let mut target = target(&sshd, format!("touch {}", marker.display()));
    target.key_file = stranger;

    let error = run_command(&target).await.unwrap_err();

    assert!(
        matches!(&error, SshError::AuthRejected { address, user }
        if address == &sshd.address() && user == sshd.user()),
        "{error:?}"
    );
    assert!(!marker.exists());
}

#[tokio::test]
async fn an_encrypted_key_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    generate_key(&locked, "a passphrase").unwrap();
    let target = SshTarget {
        // Nothing is listening there: the key is checked before connecting.
        address: "127.0.0.1:1".into(),
        user: "root".into(),
        key_file: locked.clone(),
        host_key: generate_key(&dir.path().join("host"), "")
            .unwrap()
            .parse()
            .unwrap(),
        command: "true".into(),
        timeout: GENEROUS,
    };

    let error = run_command(&target).await.unwrap_err();

    assert!(
        matches!(&error, SshError::EncryptedKey { path } if path == &locked),
        "{error:?}"
    );
    assert!(error.to_string().contains("passphrase"));
}

#[tokio::test]
async fn a_missing_key_file_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = SshTarget {
        address: "127.0.0.1:1".into(),
        user: "root".into(),
        key_file: dir.path().join("absent"),
        host_key: generate_key(&dir.path().join("host"), "")
            .unwrap()
            .parse()
            .unwrap(),
        command: "true".into(),
        timeout: GENEROUS,
    };
    let error = run_command(&target).await.unwrap_err();
    assert!(matches!(error, SshError::KeyFile { .. }), "{error:?}");
    assert!(error.to_string().contains("absent"));
}

/// What `systemctl poweroff` looks like from the client: the command was
/// accepted, then the connection disappears without an exit status.
#[tokio::test]
async fn a_connection_cut_after_the_command_started_counts_as_done() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());

    // The shell's parent is the sshd process serving this session.
    let outcome = run_command(&target(&sshd, "kill -9 $PPID".into()))
        .await
        .unwrap_or_else(|error| panic!("{error:#?}\nsshd log:\n{}", sshd.log()));

    assert_eq!(outcome.exit_status, None);
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let mut target = target(&sshd, "true".into());
    // A port that was just free.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    target.address = format!("127.0.0.1:{port}");

    let error = run_command(&target).await.unwrap_err();
    assert!(matches!(error, SshError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains(&target.address));
}

#[tokio::test]
async fn a_server_that_never_speaks_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut target = target(&sshd, "true".into());
    target.address = silent.local_addr().unwrap().to_string();
    target.timeout = Duration::from_millis(500);
    let holder = tokio::spawn(async move {
        let (stream, _) = silent.accept().await.unwrap();
        tokio::time::sleep(GENEROUS).await;
        drop(stream);
    });

    let error = run_command(&target).await.unwrap_err();
    assert!(matches!(error, SshError::Timeout { .. }), "{error:?}");
    holder.abort();
}

#[tokio::test]
async fn a_server_without_a_key_of_the_configured_type_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let ecdsa = dir.path().join("ecdsa");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ecdsa", "-N", "", "-f"])
        .arg(&ecdsa)
        .status()
        .unwrap();
    assert!(status.success());
    let line = std::fs::read_to_string(dir.path().join("ecdsa.pub")).unwrap();
    let mut target = target(&sshd, "true".into());
    target.host_key = line.parse().unwrap();

    let error = run_command(&target).await.unwrap_err();
    let SshError::Protocol { detail, .. } = &error else {
        panic!("expected a protocol error, got {error:?}");
    };
    assert!(detail.contains("ecdsa-sha2-nistp256 host key"), "{detail}");
    assert!(!sshd.log().contains("Accepted publickey"));
}

/// The setup the README recommends, end to end with the real binary: no
/// `[proxmox]`, the key only in the systemd credential `ssh_key` (no
/// `key_file`), and on the host an `authorized_keys` line that forces the
/// command and forbids everything else (`command="…",restrict`). The bot
/// asks for a command that does not exist: only the forced one can create
/// the marker, which records what the bot asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_powers_off_with_the_credential_key_through_a_forced_command() {
    use support::appliance::{wait_until, Appliance, Options};

    let dir = tempfile::tempdir().unwrap();
    let sshd = start(dir.path());
    let marker = dir.path().join("powered-off");
    let forced = dir.path().join("poweroff.sh");
    std::fs::write(
        &forced,
        format!(
            "#!/bin/sh\nprintf '%s' \"$SSH_ORIGINAL_COMMAND\" > {}\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&forced, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("authorized_keys"),
        format!(
            "command=\"{}\",restrict {}\n",
            forced.display(),
            sshd.client_key_line()
        ),
    )
    .unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    // Named as the unit's directory LoadCredential= names it.
    std::fs::copy(sshd.client_key(), credentials.join("cubeguardian_ssh_key")).unwrap();

    let extra = format!(
        "\n[ssh]\naddress = \"{}\"\nuser = \"{}\"\nhost_key = \"{}\"\n\
         command = \"cubeguardian-test-not-a-command\"\ntimeout = \"10s\"\n",
        sshd.address(),
        sshd.user(),
        sshd.host_key_line(),
    );
    let mut app = Appliance::start(
        Path::new(env!("CARGO_BIN_EXE_cubeguardian")),
        Options {
            host_up: true,
            shutdown_method: "ssh",
            without_proxmox: true,
            extra,
            env: vec![(
                "CREDENTIALS_DIRECTORY".to_owned(),
                credentials.display().to_string(),
            )],
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_announce("Arrêt du serveur en cours").await;
    wait_until("the forced command", || marker.exists()).await;
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "cubeguardian-test-not-a-command"
    );
    assert_eq!(app.pve.shutdown_calls(), 0, "used Proxmox instead of SSH");
    assert!(
        app.log
            .lines()
            .iter()
            .any(|l| l.contains("using the key from the systemd credential ssh_key")),
        "{}",
        app.log.lines().join("\n")
    );
    // The host goes off: without [proxmox], that is its SSH port closing.
    drop(sshd);
    app.minecraft.set_online(false).await.unwrap();
    app.wait_announce("Le serveur est éteint").await;
}
