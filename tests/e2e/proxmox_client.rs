//! The Proxmox client against the HTTPS stand-in, over real TLS on loopback.

use crate::support;

use std::future::Future;
use std::time::Duration;

use cubeguardian::peers::proxmox::{
    format_fingerprint, parse_fingerprint, ContainerState, ProxmoxClient, ProxmoxError,
    ProxmoxSettings, TaskStatus, TlsTrust, Upid,
};
use cubeguardian::system::secret::Secret;
use support::proxmox::{PveConfig, PveStandIn, PVE_RELEASE, PVE_VERSION};

/// Only guards against a hung test; nothing is measured against it.
const GUARD: Duration = Duration::from_secs(30);

async fn guarded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(GUARD, f)
        .await
        .expect("test hung (guard timeout)")
}

fn settings(pve: &PveStandIn, url: String, trust: TlsTrust) -> ProxmoxSettings {
    ProxmoxSettings {
        url,
        node: pve.config().node.clone(),
        token_id: pve.config().token_id.clone(),
        token_secret: Secret::new(pve.config().token_secret.clone()),
        trust,
        timeout: Duration::from_secs(10),
    }
}

/// The production setup: the CA pinned, the host named as in its certificate.
fn ca_client(pve: &PveStandIn) -> ProxmoxClient {
    let trust = TlsTrust::Ca(pve.ca_pem().as_bytes().to_vec());
    ProxmoxClient::new(settings(pve, pve.localhost_url(), trust)).unwrap()
}

fn assert_secret_absent(err: &ProxmoxError, secret: &str) {
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret), "secret leaked: {shown}");
}

#[tokio::test]
async fn version_node_and_container_status_over_https() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    assert_eq!(
        client.base_url(),
        format!("https://localhost:{}/api2/json", pve.addr().port())
    );

    let version = guarded(client.version()).await.unwrap();
    assert_eq!(version.version, PVE_VERSION);
    assert_eq!(version.release.as_deref(), Some(PVE_RELEASE));

    let node = guarded(client.node_status()).await.unwrap();
    assert!(node.uptime.is_some());
    assert!(node.cpu.is_some_and(|c| (0.0..=1.0).contains(&c)));
    assert!(node.memory_used.unwrap() < node.memory_total.unwrap());

    let ct = guarded(client.container_status(105)).await.unwrap();
    assert_eq!(ct.status, ContainerState::Running);
    assert_eq!(ct.name.as_deref(), Some("LXC-game"));

    pve.set_container_running(105, false);
    let ct = guarded(client.container_status(105)).await.unwrap();
    assert_eq!(ct.status, ContainerState::Stopped);

    let paths: Vec<String> = pve.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api2/json/version",
            "/api2/json/nodes/pve/status",
            "/api2/json/nodes/pve/lxc/105/status/current",
            "/api2/json/nodes/pve/lxc/105/status/current",
        ]
    );
    assert!(pve.requests().iter().all(|r| r.authorized));
}

#[tokio::test]
async fn unknown_container_is_a_server_error_with_proxmox_text() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    let err = guarded(client.container_status(999)).await.unwrap_err();
    match &err {
        ProxmoxError::Server {
            status, message, ..
        } => {
            assert_eq!(*status, 500);
            assert!(message.contains("999.conf' does not exist"), "{message}");
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert!(!err.host_unreachable());
}

#[tokio::test]
async fn reboot_task_is_followed_to_ok() {
    let pve = PveStandIn::start().await;
    pve.set_reboot_outcome(Duration::from_millis(300), "OK");
    let client = ca_client(&pve);

    let upid = guarded(client.reboot_container(105)).await.unwrap();
    assert!(upid.as_str().starts_with("UPID:pve:"), "{upid}");
    assert!(upid
        .as_str()
        .contains(":vzreboot:105:cubeguardian@pve!bot:"));
    assert_eq!(pve.reboot_calls(), vec![105]);

    guarded(client.wait_for_task(&upid, Duration::from_millis(50), Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(
        guarded(client.task_status(&upid)).await.unwrap(),
        TaskStatus::Stopped {
            exit_status: "OK".into()
        }
    );
    assert!(pve.container_running(105));

    // The UPID travels percent-encoded in the path.
    let task_path = pve
        .requests()
        .into_iter()
        .map(|r| r.path)
        .find(|p| p.contains("/tasks/"))
        .unwrap();
    assert!(
        task_path.starts_with("/api2/json/nodes/pve/tasks/UPID%3Apve%3A"),
        "{task_path}"
    );
    assert!(
        task_path.contains("cubeguardian%40pve%21bot"),
        "{task_path}"
    );
    assert!(task_path.ends_with("%3A/status"), "{task_path}");
}

#[tokio::test]
async fn failed_reboot_task_reports_proxmox_exit_status() {
    let pve = PveStandIn::start().await;
    let failure = "command 'lxc-start -n 105' failed: exit code 1";
    pve.set_reboot_outcome(Duration::from_millis(100), failure);
    let client = ca_client(&pve);

    let upid = guarded(client.reboot_container(105)).await.unwrap();
    let err =
        guarded(client.wait_for_task(&upid, Duration::from_millis(50), Duration::from_secs(20)))
            .await
            .unwrap_err();
    match &err {
        ProxmoxError::TaskFailed {
            upid: u,
            exit_status,
        } => {
            assert_eq!(u, &upid);
            assert_eq!(exit_status, failure);
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
    assert!(err.to_string().contains(failure), "{err}");
    assert!(!pve.container_running(105));
}

#[tokio::test]
async fn task_still_running_after_the_wait_is_a_task_timeout() {
    let pve = PveStandIn::start().await;
    pve.set_reboot_outcome(Duration::from_secs(3600), "OK");
    let client = ca_client(&pve);

    let upid = guarded(client.reboot_container(105)).await.unwrap();
    assert_eq!(
        guarded(client.task_status(&upid)).await.unwrap(),
        TaskStatus::Running
    );
    let err =
        guarded(client.wait_for_task(&upid, Duration::from_millis(50), Duration::from_millis(300)))
            .await
            .unwrap_err();
    assert!(matches!(err, ProxmoxError::TaskTimeout { .. }), "{err:?}");
    assert!(!err.host_unreachable());
    // The container is down while its reboot is under way.
    assert!(!pve.container_running(105));
}

#[tokio::test]
async fn rebooting_a_stopped_container_is_refused_with_proxmox_text() {
    let pve = PveStandIn::start().await;
    pve.set_container_running(105, false);
    let client = ca_client(&pve);
    let err = guarded(client.reboot_container(105)).await.unwrap_err();
    assert!(
        matches!(&err, ProxmoxError::Server { status: 500, message, .. } if message == "CT 105 not running"),
        "{err:?}"
    );
}

#[tokio::test]
async fn node_shutdown_is_recorded_and_can_power_the_host_off() {
    let pve = PveStandIn::start().await;
    pve.set_shutdown_powers_off(Some(Duration::from_millis(200)));
    let client = ca_client(&pve);

    guarded(client.shutdown_node()).await.unwrap();
    assert_eq!(pve.shutdown_calls(), 1);
    let request = pve.requests().pop().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api2/json/nodes/pve/status");
    assert_eq!(request.form, vec![("command".into(), "shutdown".into())]);

    // The simulated host goes down shortly after.
    let err = guarded(async {
        loop {
            match client.version().await {
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(e) => break e,
            }
        }
    })
    .await;
    assert!(matches!(err, ProxmoxError::Unreachable { .. }), "{err:?}");
    assert!(!pve.host_up());

    // Powered on again: same port, containers started, node freshly booted.
    guarded(pve.set_host_up(true)).await;
    guarded(client.version()).await.unwrap();
    assert!(pve.container_running(105));
}

#[tokio::test]
async fn host_down_is_unreachable_even_with_a_pooled_connection() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    // Leaves a kept-alive connection in the client's pool.
    guarded(client.version()).await.unwrap();

    guarded(pve.set_host_up(false)).await;
    for _ in 0..3 {
        let err = guarded(client.version()).await.unwrap_err();
        assert!(matches!(err, ProxmoxError::Unreachable { .. }), "{err:?}");
        assert!(err.host_unreachable());
        let msg = err.to_string();
        assert!(msg.contains(&pve.localhost_url()), "{msg}");
        assert!(msg.contains("unreachable"), "{msg}");
    }
    assert!(!pve.container_running(105));

    guarded(pve.set_host_up(true)).await;
    assert!(pve.host_up());
    guarded(client.version()).await.unwrap();
}

/// While the host is off nothing answers on its port, yet no other test can
/// take the port: it comes back on where the appliance's config points.
#[tokio::test]
async fn a_host_that_is_off_refuses_connections_and_keeps_its_port() {
    let pve = PveStandIn::start().await;
    guarded(pve.set_host_up(false)).await;
    let refused = std::net::TcpStream::connect(pve.addr()).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let taken = std::net::TcpListener::bind(pve.addr()).unwrap_err();
    assert_eq!(taken.kind(), std::io::ErrorKind::AddrInUse);
    guarded(pve.set_host_up(true)).await;
    guarded(ca_client(&pve).version()).await.unwrap();
}

#[tokio::test]
async fn host_going_off_mid_request_is_unreachable() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    pve.set_response_delay(Duration::from_secs(60));
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.version().await }
    });
    // Wait until the request is in, then pull the plug under it.
    guarded(async {
        while pve.requests().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    guarded(pve.set_host_up(false)).await;
    let err = guarded(pending).await.unwrap().unwrap_err();
    assert!(matches!(err, ProxmoxError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("connection was dropped"), "{err}");
}

#[tokio::test]
async fn slow_answer_is_a_timeout_that_counts_as_unreachable() {
    let pve = PveStandIn::start().await;
    pve.set_response_delay(Duration::from_secs(60));
    let mut s = settings(
        &pve,
        pve.localhost_url(),
        TlsTrust::Ca(pve.ca_pem().as_bytes().to_vec()),
    );
    s.timeout = Duration::from_millis(300);
    let client = ProxmoxClient::new(s).unwrap();
    let err = guarded(client.version()).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::Timeout { .. }), "{err:?}");
    assert!(err.host_unreachable());
    assert!(err.to_string().contains("300 ms"), "{err}");
}

#[tokio::test]
async fn certificate_from_another_ca_is_a_tls_error() {
    let pve = PveStandIn::start().await;
    let other = PveStandIn::start().await;
    let trust = TlsTrust::Ca(other.ca_pem().as_bytes().to_vec());
    let client = ProxmoxClient::new(settings(&pve, pve.localhost_url(), trust)).unwrap();

    let err = guarded(client.version()).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::Tls { .. }), "{err:?}");
    assert!(!err.host_unreachable());
    let msg = err.to_string();
    assert!(msg.contains("not signed by the pinned ca"), "{msg}");
    assert!(msg.contains("fingerprint"), "{msg}");
    // Nothing reached the API.
    assert!(pve.requests().is_empty());
}

#[tokio::test]
async fn ca_pinning_also_checks_the_host_name() {
    // A certificate for another name, reached by IP address.
    let pve = PveStandIn::start_with(PveConfig {
        cert_names: vec!["pve.lan".into()],
        ..PveConfig::default()
    })
    .await;
    let trust = TlsTrust::Ca(pve.ca_pem().as_bytes().to_vec());
    let client = ProxmoxClient::new(settings(&pve, pve.url(), trust)).unwrap();
    let err = guarded(client.version()).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("not valid for name"), "{msg}");

    // Pinning the fingerprint instead does not care about names.
    let trust = TlsTrust::Fingerprint(pve.server_cert_sha256());
    let client = ProxmoxClient::new(settings(&pve, pve.url(), trust)).unwrap();
    guarded(client.version()).await.unwrap();
}

#[tokio::test]
async fn fingerprint_pinning_accepts_exactly_that_certificate() {
    let pve = PveStandIn::start().await;
    // As the web UI shows it, lower-cased for good measure.
    let shown = format_fingerprint(&pve.server_cert_sha256()).to_lowercase();
    let trust = TlsTrust::Fingerprint(parse_fingerprint(&shown).unwrap());
    // By IP: host names are not checked in this mode.
    let client = ProxmoxClient::new(settings(&pve, pve.url(), trust)).unwrap();
    assert_eq!(
        guarded(client.version()).await.unwrap().version,
        PVE_VERSION
    );

    let mut wrong = pve.server_cert_sha256();
    wrong[0] ^= 0xff;
    let client =
        ProxmoxClient::new(settings(&pve, pve.url(), TlsTrust::Fingerprint(wrong))).unwrap();
    let err = guarded(client.version()).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    let presented = format_fingerprint(&pve.server_cert_sha256());
    assert!(
        msg.contains(&presented),
        "should show the real fingerprint: {msg}"
    );
    assert!(!err.host_unreachable());
}

#[tokio::test]
async fn insecure_mode_accepts_the_self_signed_certificate() {
    let pve = PveStandIn::start().await;
    let client = ProxmoxClient::new(settings(&pve, pve.url(), TlsTrust::InsecureNoVerify)).unwrap();
    guarded(client.version()).await.unwrap();
}

#[tokio::test]
async fn refused_token_is_unauthorized_and_never_shows_the_secret() {
    let pve = PveStandIn::start().await;
    let wrong_secret = "0badc0de-wrong-token-secret";
    let mut s = settings(
        &pve,
        pve.localhost_url(),
        TlsTrust::Ca(pve.ca_pem().as_bytes().to_vec()),
    );
    s.token_secret = Secret::new(wrong_secret);
    let client = ProxmoxClient::new(s).unwrap();
    assert!(!format!("{client:?}").contains(wrong_secret));

    let err = guarded(client.version()).await.unwrap_err();
    assert!(
        matches!(err, ProxmoxError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.host_unreachable());
    let msg = err.to_string();
    assert!(msg.contains("proxmox_token_secret"), "{msg}");
    assert_secret_absent(&err, wrong_secret);

    let request = pve.requests().pop().unwrap();
    assert!(!request.authorized);
    assert_eq!(pve.reboot_calls(), Vec::<u32>::new());
    let err = guarded(client.reboot_container(105)).await.unwrap_err();
    assert_secret_absent(&err, wrong_secret);
    assert!(pve.reboot_calls().is_empty(), "refused calls do nothing");
}

#[tokio::test]
async fn missing_privilege_is_forbidden_and_names_the_privileges() {
    let pve = PveStandIn::start().await;
    pve.set_fail_next(1, 403);
    let client = ca_client(&pve);
    let err = guarded(client.reboot_container(105)).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::Forbidden { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("VM.PowerMgmt") && msg.contains("Sys.PowerMgmt"),
        "{msg}"
    );
    assert!(msg.contains("Permission check failed"), "{msg}");
}

#[tokio::test]
async fn server_errors_are_reported_then_service_resumes() {
    let pve = PveStandIn::start().await;
    pve.set_fail_next(2, 500);
    let client = ca_client(&pve);
    for _ in 0..2 {
        let err = guarded(client.node_status()).await.unwrap_err();
        match &err {
            ProxmoxError::Server {
                status,
                message,
                url,
            } => {
                assert_eq!(*status, 500);
                assert_eq!(message, "simulated failure");
                assert!(url.ends_with("/api2/json/nodes/pve/status"), "{url}");
            }
            other => panic!("expected Server, got {other:?}"),
        }
        assert!(!err.host_unreachable());
        assert_secret_absent(&err, &pve.config().token_secret);
    }
    guarded(client.node_status()).await.unwrap();

    pve.set_fail_next(1, 503);
    let err = guarded(client.version()).await.unwrap_err();
    assert!(
        matches!(err, ProxmoxError::Server { status: 503, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn garbage_answers_are_bad_responses_never_panics() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    let garbage = [
        r#"{"data": {"vers"#,
        "<html><body>Proxmox VE</body></html>",
        "",
        "null",
        r#"{"nodata": 1}"#,
        r#"{"data": 42}"#,
        r#"{"data": {"release": "8.2"}}"#,
        r#"{"data": {"version": ["8"]}}"#,
    ];
    for body in garbage {
        pve.set_raw_next(1, 200, body);
        let err = guarded(client.version()).await.unwrap_err();
        assert!(
            matches!(err, ProxmoxError::BadResponse { .. }),
            "{body:?} gave {err:?}"
        );
        assert!(!err.host_unreachable());
    }

    // A reboot whose answer is not a UPID.
    pve.set_raw_next(1, 200, r#"{"data": "not-a-upid"}"#);
    let err = guarded(client.reboot_container(105)).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::BadResponse { .. }), "{err:?}");
    pve.set_raw_next(1, 200, r#"{"data": {"status": "exploded"}}"#);
    let upid = Upid::parse("UPID:pve:00000001:00000002:00000003:vzreboot:105:a@pve!b:").unwrap();
    let err = guarded(client.task_status(&upid)).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::BadResponse { .. }), "{err:?}");

    // Garbage with an error status is still a Server error with its text.
    pve.set_raw_next(1, 502, "<html>bad gateway</html>");
    let err = guarded(client.version()).await.unwrap_err();
    assert!(
        matches!(&err, ProxmoxError::Server { status: 502, message, .. } if message == "Bad Gateway"),
        "{err:?}"
    );

    // An oversized body is refused, not buffered.
    let huge = format!(r#"{{"data": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    pve.set_raw_next(1, 200, &huge);
    let err = guarded(client.version()).await.unwrap_err();
    assert!(matches!(err, ProxmoxError::BadResponse { .. }), "{err:?}");

    guarded(client.version()).await.unwrap();
}

#[tokio::test]
async fn unknown_task_is_a_server_error() {
    let pve = PveStandIn::start().await;
    let client = ca_client(&pve);
    let upid = Upid::parse("UPID:pve:00000001:00000002:00000003:vzreboot:105:a@pve!b:").unwrap();
    let err = guarded(client.task_status(&upid)).await.unwrap_err();
    assert!(
        matches!(err, ProxmoxError::Server { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn stand_in_speaks_proxmox_error_shapes() {
    // Requests the client never sends, checked through the client's own
    // transport to keep the stand-in honest: wrong node name.
    let pve = PveStandIn::start_with(PveConfig {
        node: "pve2".into(),
        ..PveConfig::default()
    })
    .await;
    let mut s = settings(
        &pve,
        pve.localhost_url(),
        TlsTrust::Ca(pve.ca_pem().as_bytes().to_vec()),
    );
    s.node = "pve".into();
    let client = ProxmoxClient::new(s).unwrap();
    let err = guarded(client.node_status()).await.unwrap_err();
    assert!(
        matches!(&err, ProxmoxError::Server { status: 500, message, .. } if message.contains("hostname lookup 'pve' failed")),
        "{err:?}"
    );
}
