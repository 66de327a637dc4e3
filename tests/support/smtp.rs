//! A real SMTP server on 127.0.0.1 for tests: aiosmtpd driven by
//! `smtp_server.py` next to this file.
//!
//! [`SmtpServer::start`] makes a throw-away directory, generates a private
//! CA and a certificate for `localhost` and `127.0.0.1` (IP SAN, so clients
//! can connect to `127.0.0.1` and still verify the name) when TLS is asked
//! for, and runs the server with the system Python until the value is
//! dropped. Accepted mails are spooled by the server, already decoded by
//! Python's own MIME parser, and read back with [`SmtpServer::received`].
//!
//! A missing aiosmtpd is a panic naming the package to install, so a test
//! fails loudly instead of passing without having tested anything.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// The system interpreter, where apt installs aiosmtpd (not a pyenv one
/// that may come first on PATH).
pub const PYTHON: &str = "/usr/bin/python3";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
/// Only guards against hanging forever: the server starts in well under a
/// second.
const START_TIMEOUT: Duration = Duration::from_secs(20);
const INSTALL_HINT: &str = "install aiosmtpd with `apt-get install -y python3-aiosmtpd`";

/// How the server protects connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain SMTP; AUTH is offered anyway (a relay on this machine).
    #[default]
    None,
    /// STARTTLS offered and required before MAIL and AUTH.
    StartTls,
    /// TLS from the first byte (smtps).
    Implicit,
}

/// What the server should do; `Default` is a plain server accepting all.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    pub tls: SmtpTls,
    /// Require AUTH PLAIN or LOGIN with this user and password.
    pub auth: Option<(String, String)>,
    /// Answer the first N DATA transactions with `451 4.3.0`.
    pub fail_data: u32,
    /// Answer RCPT TO for these addresses with 550.
    pub reject_rcpt: Vec<String>,
}

impl SmtpOptions {
    pub fn starttls() -> Self {
        SmtpOptions {
            tls: SmtpTls::StartTls,
            ..Self::default()
        }
    }

    pub fn implicit_tls() -> Self {
        SmtpOptions {
            tls: SmtpTls::Implicit,
            ..Self::default()
        }
    }

    pub fn with_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    pub fn fail_data(mut self, n: u32) -> Self {
        self.fail_data = n;
        self
    }

    pub fn reject_rcpt(mut self, address: &str) -> Self {
        self.reject_rcpt.push(address.to_owned());
        self
    }
}

/// One accepted mail: the envelope, the raw bytes and what Python's MIME
/// parser decoded from them.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    #[serde(skip)]
    pub raw: Vec<u8>,
    /// Decoded (RFC 2047) `Subject:`.
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub date: Option<String>,
    /// Of the whole message, e.g. `multipart/alternative`.
    pub content_type: Option<String>,
    /// The decoded text/plain part.
    pub text: Option<String>,
    /// The decoded text/html part.
    pub html: Option<String>,
    /// Every top-level header, decoded, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Set when Python could not parse the message (the raw bytes are kept).
    pub parse_error: Option<String>,
    eml: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

/// A running aiosmtpd, killed on drop.
pub struct SmtpServer {
    child: Option<Child>,
    /// Kept open so that the server never writes to a closed pipe.
    _stdout: Lines<BufReader<ChildStdout>>,
    port: u16,
    tls: SmtpTls,
    ca_pem: Option<String>,
    spool: PathBuf,
    /// Declared last: removed after the server is killed.
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a server on a free 127.0.0.1 port and waits until it listens
    /// (at most 20 s). Panics with the server's log if it does not start.
    pub async fn start(options: SmtpOptions) -> SmtpServer {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let spool = dir.path().join("spool");
        fs::create_dir(&spool).expect("create the spool directory");
        let log_path = dir.path().join("server.log");
        let log = fs::File::create(&log_path).expect("create the server log");

        let mut command = Command::new(PYTHON);
        command
            .arg(SCRIPT)
            .args(["--port", "0", "--spool"])
            .arg(&spool)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true);
        let ca_pem = match options.tls {
            SmtpTls::None => {
                command.args(["--tls", "none"]);
                None
            }
            SmtpTls::StartTls | SmtpTls::Implicit => {
                let certs = make_certificates();
                let cert = dir.path().join("server.pem");
                let key = dir.path().join("server.key");
                fs::write(&cert, &certs.server_pem).expect("write server certificate");
                fs::write(&key, &certs.server_key_pem).expect("write server key");
                let mode = if options.tls == SmtpTls::StartTls {
                    "starttls"
                } else {
                    "implicit"
                };
                command
                    .args(["--tls", mode, "--cert"])
                    .arg(&cert)
                    .arg("--key")
                    .arg(&key);
                Some(certs.ca_pem)
            }
        };
        if let Some((user, password)) = &options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        if options.fail_data > 0 {
            command
                .arg("--fail-data")
                .arg(options.fail_data.to_string());
        }
        for address in &options.reject_rcpt {
            command.arg("--reject-rcpt").arg(address);
        }

        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {PYTHON} ({e}): {INSTALL_HINT}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(port) = line.strip_prefix("LISTENING ") {
                    return port.trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await;
        let port = match port {
            Ok(Some(port)) => port,
            outcome => {
                let _ = child.kill().await;
                let why = if outcome.is_err() {
                    "did not listen within 20 s"
                } else {
                    "exited before listening"
                };
                panic!(
                    "the test SMTP server {why} ({INSTALL_HINT}); its log:\n{}",
                    fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
        };
        SmtpServer {
            child: Some(child),
            _stdout: lines,
            port,
            tls: options.tls,
            ca_pem,
            spool,
            dir,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `digest.smtp_url` that matches this server:
    /// `smtp://127.0.0.1:PORT?tls=none|required` or `smtps://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        match self.tls {
            SmtpTls::None => format!("smtp://127.0.0.1:{}?tls=none", self.port),
            SmtpTls::StartTls => format!("smtp://127.0.0.1:{}?tls=required", self.port),
            SmtpTls::Implicit => format!("smtps://127.0.0.1:{}", self.port),
        }
    }

    /// The PEM of the private CA that signed the server's certificate (what
    /// `digest.smtp_ca_file` would contain); `None` without TLS.
    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        self.ca_pem.as_ref().map(|pem| pem.as_bytes().to_vec())
    }

    /// The mails accepted so far, in the order they were accepted.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.spool)
            .expect("read the spool directory")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| read_mail(&self.spool, path))
            .collect()
    }

    /// Waits until at least `n` mails were accepted and returns them all;
    /// panics with the server's log after `timeout`.
    pub async fn wait_for_mails(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mails = self.received();
            if mails.len() >= n {
                return mails;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "expected {n} mails, got {} within {timeout:?}; server log:\n{}",
                    mails.len(),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many DATA transactions reached the end of the message, accepted
    /// or refused.
    pub fn data_attempts(&self) -> u32 {
        fs::read_to_string(self.spool.join("data_attempts"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    /// From now on, a message that arrives waits for its answer until
    /// [`SmtpServer::release`]: the client has sent it all, the server has
    /// not yet said 250.
    pub fn hold(&self) {
        fs::write(self.spool.join("hold"), b"1").expect("create the hold file");
    }

    /// Whether a message is waiting for its answer (see [`SmtpServer::hold`]).
    pub fn holding(&self) -> bool {
        self.spool.join("held").exists()
    }

    /// Lets the waiting message (and the next ones) be answered.
    pub fn release(&self) {
        let _ = fs::remove_file(self.spool.join("hold"));
    }

    /// What the server logged so far (commands, with AUTH arguments masked).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the server; its port then refuses connections (until some other
    /// process happens to take it). The spool stays readable.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}

fn read_mail(spool: &Path, json_path: &Path) -> ReceivedMail {
    let json = fs::read(json_path).expect("read a spooled mail");
    let mut mail: ReceivedMail = serde_json::from_slice(&json)
        .unwrap_or_else(|e| panic!("bad spool file {}: {e}", json_path.display()));
    mail.raw = fs::read(spool.join(&mail.eml)).expect("read the raw mail");
    mail
}

struct Certificates {
    ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

/// A private CA and a server certificate it signed, valid for `localhost`
/// and the IP address 127.0.0.1.
fn make_certificates() -> Certificates {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("generate the CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "CubeGuardian test mail CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("self-sign the CA");
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().expect("generate the server key");
    let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server parameters");
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .expect("sign the server certificate");
    Certificates {
        ca_pem: ca_cert.pem(),
        server_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

/// The mail account the appliance logs in as in the tests.
pub const SMTP_USER: &str = "bot@le-cube.test";
/// Its password, given to the bot as `CUBEGUARDIAN_SMTP_PASSWORD`.
pub const SMTP_PASSWORD: &str = "smtp-test-password";

/// How long captured messages wait to be committed in the suites: short,
/// so that a test can wait for "stored" (the production default is
/// minutes; `digest_e2e` tests the long window and its crash path).
pub const TEST_COMMIT_INTERVAL: &str = "300ms";

/// A `[digest]` section mailing `smtp` (its CA written under `dir`), with
/// `#spam` excluded and `#annonces` important. `time` is the daily time
/// (UTC); by default twelve hours away, so that no scheduled digest comes
/// in the middle of a test. `smtp_timeout` bounds each SMTP exchange.
/// The bot's environment for [`digest_section`]'s server: the SMTP password
/// it logs in with.
pub fn smtp_password_env() -> Vec<(String, String)> {
    vec![(
        "CUBEGUARDIAN_SMTP_PASSWORD".to_owned(),
        SMTP_PASSWORD.to_owned(),
    )]
}

pub fn digest_section(
    smtp: &SmtpServer,
    dir: &Path,
    time: Option<String>,
    smtp_timeout: &str,
) -> String {
    let ca = dir.join(format!("mail-ca-{}.pem", smtp.port()));
    fs::write(&ca, smtp.ca_pem().expect("a TLS server has a CA")).unwrap();
    let time = time.unwrap_or_else(|| {
        let later = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .saturating_add(jiff::Span::new().hours(12));
        later.strftime("%H:%M").to_string()
    });
    format!(
        r#"
[digest]
time = "{time}"
timezone = "UTC"
smtp_url = "{url}"
smtp_user = "{SMTP_USER}"
smtp_ca_file = "{ca}"
smtp_timeout = "{smtp_timeout}"
retry_after = "300ms"
from = "CubeGuardian <{SMTP_USER}>"
to = ["liste@le-cube.test"]
excluded_channels = ["spam"]
important_channels = ["annonces"]
commit_interval = "{commit_interval}"
"#,
        url = smtp.url(),
        ca = ca.display(),
        commit_interval = TEST_COMMIT_INTERVAL,
    )
}
