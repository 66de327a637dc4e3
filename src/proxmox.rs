//! Client for the Proxmox VE HTTP API: what the bot asks the hypervisor.
//!
//! It owns the connection to `https://<host>:8006/api2/json` — API-token
//! authentication, trust in Proxmox's self-signed certificate (a pinned CA, a
//! pinned certificate fingerprint, or, only when explicitly asked for, no
//! verification), and turning every transport or HTTP failure into a
//! [`ProxmoxError`] that says what to fix. The power logic uses it to probe
//! the host and the game container, to reboot the container and follow the
//! resulting task, and to shut the node down; it treats
//! [`ProxmoxError::host_unreachable`] as "the host is off".

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use serde_json::Value;

use crate::secret::Secret;

/// Path of the JSON flavour of the API under the address the user types.
pub const API_PREFIX: &str = "/api2/json";

/// Largest response body accepted: Proxmox's answers to the calls made here
/// are a few kilobytes, so anything bigger is not Proxmox and is refused
/// before it fills the memory of a small board.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much server-provided text (error messages, bodies) goes into an
/// error: enough to recognise the problem, short enough for a Discord DM.
const MAX_SERVER_TEXT: usize = 200;

/// How the client decides to trust the server's certificate; Proxmox ships a
/// self-signed cluster CA, so the usual public roots never apply.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// PEM bytes of the CA (read by the caller from `ca_file`, normally
    /// `/etc/pve/pve-root-ca.pem`): only certificates it signed, for the host
    /// name in the URL, are accepted; no built-in roots.
    Ca(Vec<u8>),
    /// SHA-256 of the server's end-entity certificate (DER), as the web UI
    /// shows it under Node → System → Certificates: exactly that certificate
    /// is accepted, whatever the host name or issuer. The handshake signature
    /// is still verified, so only the holder of its private key gets in.
    Fingerprint([u8; 32]),
    /// No verification at all: anyone on the network path can impersonate
    /// the host. Only for an explicit configuration option; logged loudly.
    InsecureNoVerify,
}

impl fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsTrust::Ca(pem) => write!(f, "Ca({} bytes of PEM)", pem.len()),
            TlsTrust::Fingerprint(fp) => write!(f, "Fingerprint({})", format_fingerprint(fp)),
            TlsTrust::InsecureNoVerify => f.write_str("InsecureNoVerify"),
        }
    }
}

/// Why a configured certificate fingerprint was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid sha-256 fingerprint `{value}`: {reason} (expected 32 hex bytes, \
     e.g. `AB:CD:…` as shown by Proxmox, or 64 hex digits)"
)]
pub struct FingerprintError {
    value: String,
    reason: String,
}

/// Parses a SHA-256 certificate fingerprint written as 64 hex digits, either
/// plain or as 32 `:`-separated pairs (Proxmox's and OpenSSL's style), in any
/// case.
pub fn parse_fingerprint(s: &str) -> Result<[u8; 32], FingerprintError> {
    let value = s.trim();
    let fail = |reason: &str| FingerprintError {
        value: truncate(value, 120),
        reason: reason.to_owned(),
    };
    let digits: String = if value.contains(':') {
        let groups: Vec<&str> = value.split(':').collect();
        if groups.len() != 32 || groups.iter().any(|g| g.len() != 2) {
            return Err(fail(
                "with `:` separators it must be 32 pairs of hex digits",
            ));
        }
        groups.concat()
    } else {
        value.to_owned()
    };
    if digits.len() != 64 {
        return Err(fail(&format!("found {} hex digits", digits.len())));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = digits
            .get(2 * i..2 * i + 2)
            .ok_or_else(|| fail("not hex"))?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| fail("not hex"))?;
    }
    Ok(out)
}

/// Formats a fingerprint the way Proxmox displays it (`AB:CD:…`), so a user
/// can compare it with the web UI.
pub fn format_fingerprint(fp: &[u8; 32]) -> String {
    let pairs: Vec<String> = fp.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// Everything needed to talk to one Proxmox node.
#[derive(Debug, Clone)]
pub struct ProxmoxSettings {
    /// Address as the user types it, e.g. `https://pve.lan:8006`; the client
    /// appends `/api2/json` (and tolerates it being there already).
    pub url: String,
    /// Node name as Proxmox knows it (`pve` by default).
    pub node: String,
    /// API token id, `USER@REALM!TOKENID`, e.g. `cubeguardian@pve!bot`.
    pub token_id: String,
    /// The token's secret UUID, from the `proxmox_token_secret` credential.
    pub token_secret: Secret,
    /// How the server certificate is trusted.
    pub trust: TlsTrust,
    /// Limit for each request, connection included.
    pub timeout: Duration,
}

/// What went wrong talking to Proxmox. Messages name the URL and say what to
/// check; they never contain the token secret.
#[derive(Debug, thiserror::Error)]
pub enum ProxmoxError {
    #[error("invalid proxmox url `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("invalid proxmox node name `{node}`: use the node's name as shown in the web ui, e.g. `pve`")]
    InvalidNode { node: String },
    #[error(
        "invalid proxmox api token id `{token_id}`: expected USER@REALM!TOKENID, \
         e.g. `cubeguardian@pve!bot`"
    )]
    InvalidTokenId { token_id: String },
    #[error("the proxmox_token_secret credential contains characters that cannot be sent in an http header")]
    InvalidTokenSecret,
    #[error("invalid proxmox ca certificate (ca_file): {reason}")]
    InvalidCa { reason: String },
    #[error("cannot set up the https client for {url}: {reason}")]
    ClientSetup { url: String, reason: String },
    #[error("proxmox at {url} is unreachable (the host is probably off): {detail}")]
    Unreachable { url: String, detail: String },
    #[error("proxmox at {url} did not answer within {}", humanize(*.timeout))]
    Timeout { url: String, timeout: Duration },
    #[error(
        "tls handshake with {url} failed: {detail}; pin the proxmox ca (ca_file) or the \
         certificate's sha-256 fingerprint"
    )]
    Tls { url: String, detail: String },
    #[error(
        "{url}: the API token was refused (http {status}): check token_id and the \
         proxmox_token_secret credential"
    )]
    Unauthorized { url: String, status: u16 },
    #[error(
        "{url}: the token lacks a privilege (http 403: {message}): the bot needs \
         VM.PowerMgmt on the container and Sys.PowerMgmt on the node (with privilege \
         separation, grant them to the token as well as the user)"
    )]
    Forbidden { url: String, message: String },
    #[error("{url}: proxmox answered http {status}: {message}")]
    Server {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: unexpected response from proxmox: {reason}")]
    BadResponse { url: String, reason: String },
    #[error("{url}: http exchange with proxmox failed: {detail}")]
    Transport { url: String, detail: String },
    #[error("invalid proxmox task id `{value}`: a UPID looks like `UPID:pve:…`")]
    InvalidUpid { value: String },
    #[error("proxmox task {upid} failed: {exit_status}")]
    TaskFailed { upid: Upid, exit_status: String },
    #[error("proxmox task {upid} still running after {}", humanize(*.timeout))]
    TaskTimeout { upid: Upid, timeout: Duration },
}

impl ProxmoxError {
    /// True when Proxmox could not be reached at all (refused, reset, no
    /// route, no answer in time): the power logic reads this as "the host is
    /// off". TLS and HTTP errors mean something answered, so they are false.
    pub fn host_unreachable(&self) -> bool {
        matches!(
            self,
            ProxmoxError::Unreachable { .. } | ProxmoxError::Timeout { .. }
        )
    }
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Proxmox's id of an asynchronous task (`UPID:node:pid:pstart:start:type:id:user:`),
/// returned by power actions and used to follow them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Upid(String);

impl Upid {
    /// Longest UPID accepted; real ones are under 100 characters.
    const MAX_LEN: usize = 512;

    /// Validates a UPID: it starts with `UPID:`, names a node, and has no
    /// whitespace or control characters.
    pub fn parse(value: &str) -> Result<Self, ProxmoxError> {
        let bad = || ProxmoxError::InvalidUpid {
            value: truncate(value, 80),
        };
        let rest = value.strip_prefix("UPID:").ok_or_else(bad)?;
        if value.len() > Self::MAX_LEN || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        match rest.split(':').next() {
            Some(node) if !node.is_empty() => Ok(Upid(value.to_owned())),
            _ => Err(bad()),
        }
    }

    /// The UPID as Proxmox wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The node that runs the task; its task list is where the status lives.
    pub fn node(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }
}

impl std::str::FromStr for Upid {
    type Err = ProxmoxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Upid::parse(s)
    }
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upid({})", self.0)
    }
}

/// `GET /version`: proves the API answers and says which Proxmox it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Full version, e.g. `8.2.4`.
    pub version: String,
    /// Release, e.g. `8.2`.
    pub release: Option<String>,
    /// Git commit of the manager package.
    pub repoid: Option<String>,
}

/// `GET /nodes/{node}/status`, reduced to what the bot shows or uses.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    pub uptime: Option<Duration>,
    /// CPU usage as a fraction of all cores (0.0–1.0).
    pub cpu: Option<f64>,
    pub memory_used: Option<u64>,
    pub memory_total: Option<u64>,
}

/// Power state of a container as Proxmox reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    Running,
    Stopped,
    /// Anything else Proxmox may say, kept verbatim.
    Other(String),
}

/// `GET /nodes/{node}/lxc/{vmid}/status/current`, reduced to what the bot uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub status: ContainerState,
    pub name: Option<String>,
    pub uptime: Option<Duration>,
}

/// State of an asynchronous task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    /// Finished; `exit_status` is `OK` on success, otherwise Proxmox's
    /// message (including `WARNINGS: n` for tasks that logged warnings).
    Stopped {
        exit_status: String,
    },
}

impl TaskStatus {
    /// True only for a task that finished with exit status `OK`.
    pub fn ok(&self) -> bool {
        matches!(self, TaskStatus::Stopped { exit_status } if exit_status == "OK")
    }
}

/// Proxmox API client. Cloning is cheap (one reference count) and clones
/// share the connection pool.
#[derive(Clone)]
pub struct ProxmoxClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `https://host:port/api2/json`, no trailing slash.
    base: String,
    node: String,
    token_id: String,
    /// The whole `Authorization` value, marked sensitive.
    auth: HeaderValue,
    /// Kept to scrub it from anything a server echoes back.
    secret: Secret,
    timeout: Duration,
    trust: &'static str,
}

impl fmt::Debug for ProxmoxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxmoxClient")
            .field("base", &self.inner.base)
            .field("node", &self.inner.node)
            .field("token_id", &self.inner.token_id)
            .field("trust", &self.inner.trust)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl ProxmoxClient {
    /// Checks the settings and builds the HTTPS client; nothing is sent yet.
    pub fn new(s: ProxmoxSettings) -> Result<Self, ProxmoxError> {
        let base = api_base(&s.url)?;
        validate_node(&s.node)?;
        validate_token_id(&s.token_id)?;
        let mut auth = HeaderValue::from_str(&format!(
            "PVEAPIToken={}={}",
            s.token_id,
            s.token_secret.expose()
        ))
        .map_err(|_| ProxmoxError::InvalidTokenSecret)?;
        auth.set_sensitive(true);

        let trust = match &s.trust {
            TlsTrust::Ca(_) => "ca",
            TlsTrust::Fingerprint(_) => "fingerprint",
            TlsTrust::InsecureNoVerify => {
                log::warn!(
                    "TLS VERIFICATION IS OFF for proxmox at {base}: anyone on the network path \
                     can impersonate the host and steal the API token; pin the CA or the \
                     certificate fingerprint instead"
                );
                "insecure-no-verify"
            }
        };
        let tls = tls_config(&s.trust, &base)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(s.timeout)
            .connect_timeout(s.timeout)
            // The host is on the LAN: an HTTP(S)_PROXY from the environment
            // would only get in the way (and see the token).
            .no_proxy()
            .user_agent(concat!("cubeguardian/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProxmoxError::ClientSetup {
                url: base.clone(),
                reason: e.to_string(),
            })?;
        Ok(ProxmoxClient {
            inner: Arc::new(Inner {
                http,
                base,
                node: s.node,
                token_id: s.token_id,
                auth,
                secret: s.token_secret,
                timeout: s.timeout,
                trust,
            }),
        })
    }

    /// The API base URL requests go to (`…/api2/json`).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<Version, ProxmoxError> {
        let (url, data) = self.call(Method::GET, "/version".to_owned(), None).await?;
        let obj = data
            .as_object()
            .ok_or_else(|| bad(&url, "`data` is not an object"))?;
        Ok(Version {
            version: obj
                .get("version")
                .and_then(lenient_string)
                .ok_or_else(|| bad(&url, "no `version` field"))?,
            release: obj.get("release").and_then(lenient_string),
            repoid: obj.get("repoid").and_then(lenient_string),
        })
    }

    /// `GET /nodes/{node}/status`.
    pub async fn node_status(&self) -> Result<NodeStatus, ProxmoxError> {
        let path = format!("/nodes/{}/status", encode(&self.inner.node));
        let (url, data) = self.call(Method::GET, path, None).await?;
        let obj = data
            .as_object()
            .ok_or_else(|| bad(&url, "`data` is not an object"))?;
        let memory = obj.get("memory");
        Ok(NodeStatus {
            uptime: obj
                .get("uptime")
                .and_then(lenient_u64)
                .map(Duration::from_secs),
            cpu: obj.get("cpu").and_then(lenient_f64),
            memory_used: memory.and_then(|m| m.get("used")).and_then(lenient_u64),
            memory_total: memory.and_then(|m| m.get("total")).and_then(lenient_u64),
        })
    }

    /// `GET /nodes/{node}/lxc/{vmid}/status/current`.
    pub async fn container_status(&self, vmid: u32) -> Result<ContainerStatus, ProxmoxError> {
        let path = format!(
            "/nodes/{}/lxc/{vmid}/status/current",
            encode(&self.inner.node)
        );
        let (url, data) = self.call(Method::GET, path, None).await?;
        let obj = data
            .as_object()
            .ok_or_else(|| bad(&url, "`data` is not an object"))?;
        let status = match obj.get("status").and_then(Value::as_str) {
            Some("running") => ContainerState::Running,
            Some("stopped") => ContainerState::Stopped,
            Some(other) => ContainerState::Other(truncate(other, 40)),
            None => return Err(bad(&url, "no `status` field")),
        };
        Ok(ContainerStatus {
            status,
            name: obj.get("name").and_then(lenient_string),
            uptime: obj
                .get("uptime")
                .and_then(lenient_u64)
                .map(Duration::from_secs),
        })
    }

    /// `POST /nodes/{node}/status` with `command=shutdown`: the node powers
    /// off (Proxmox stops the guests first). Needs `Sys.PowerMgmt`.
    pub async fn shutdown_node(&self) -> Result<(), ProxmoxError> {
        let path = format!("/nodes/{}/status", encode(&self.inner.node));
        self.call(Method::POST, path, Some("command=shutdown".to_owned()))
            .await?;
        Ok(())
    }

    /// `POST /nodes/{node}/lxc/{vmid}/status/reboot`; returns the task to
    /// follow with [`Self::wait_for_task`]. Needs `VM.PowerMgmt`.
    pub async fn reboot_container(&self, vmid: u32) -> Result<Upid, ProxmoxError> {
        let path = format!(
            "/nodes/{}/lxc/{vmid}/status/reboot",
            encode(&self.inner.node)
        );
        let (url, data) = self.call(Method::POST, path, Some(String::new())).await?;
        let text = data
            .as_str()
            .ok_or_else(|| bad(&url, "`data` is not a task id (UPID) string"))?;
        Upid::parse(text).map_err(|_| {
            bad(
                &url,
                &format!("`{}` is not a task id (UPID)", truncate(text, 80)),
            )
        })
    }

    /// `GET /nodes/{node}/tasks/{upid}/status`, on the node named in the UPID.
    pub async fn task_status(&self, upid: &Upid) -> Result<TaskStatus, ProxmoxError> {
        let path = format!(
            "/nodes/{}/tasks/{}/status",
            encode(upid.node()),
            encode(upid.as_str())
        );
        let (url, data) = self.call(Method::GET, path, None).await?;
        let obj = data
            .as_object()
            .ok_or_else(|| bad(&url, "`data` is not an object"))?;
        match obj.get("status").and_then(Value::as_str) {
            Some("running") => Ok(TaskStatus::Running),
            Some("stopped") => Ok(TaskStatus::Stopped {
                exit_status: obj
                    .get("exitstatus")
                    .and_then(Value::as_str)
                    .map(|s| self.server_text(s))
                    .unwrap_or_default(),
            }),
            Some(other) => Err(bad(
                &url,
                &format!("unknown task status `{}`", truncate(other, 40)),
            )),
            None => Err(bad(&url, "no task `status` field")),
        }
    }

    /// Polls the task every `poll` until it stops: `Ok` if it ended `OK`,
    /// [`ProxmoxError::TaskFailed`] with Proxmox's exit status otherwise,
    /// [`ProxmoxError::TaskTimeout`] if still running after `timeout`. An
    /// error while polling ends the wait with that error.
    pub async fn wait_for_task(
        &self,
        upid: &Upid,
        poll: Duration,
        timeout: Duration,
    ) -> Result<(), ProxmoxError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.task_status(upid).await? {
                TaskStatus::Stopped { exit_status } if exit_status == "OK" => return Ok(()),
                TaskStatus::Stopped { exit_status } => {
                    return Err(ProxmoxError::TaskFailed {
                        upid: upid.clone(),
                        exit_status,
                    })
                }
                TaskStatus::Running => {}
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(ProxmoxError::TaskTimeout {
                    upid: upid.clone(),
                    timeout,
                });
            }
            tokio::time::sleep(poll.min(deadline - now)).await;
        }
    }

    /// Sends one request and returns the URL (for errors) and the `data`
    /// member of a successful answer.
    async fn call(
        &self,
        method: Method,
        path: String,
        form: Option<String>,
    ) -> Result<(String, Value), ProxmoxError> {
        let url = format!("{}{path}", self.inner.base);
        log::debug!("proxmox: {method} {url}");
        let mut req = self
            .inner
            .http
            .request(method, &url)
            .header(AUTHORIZATION, self.inner.auth.clone());
        if let Some(body) = form {
            req = req
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
        }
        let mut resp = req.send().await.map_err(|e| self.classify(e, &url))?;
        let status = resp.status();
        let reason = resp
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned());

        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e, &url))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(bad(&url, "response larger than 1 MiB"));
            }
            body.extend_from_slice(&chunk);
        }

        if !status.is_success() {
            let message = self.server_text(&error_text(status, reason.as_deref(), &body));
            let code = status.as_u16();
            return Err(match code {
                401 => ProxmoxError::Unauthorized { url, status: code },
                403 => ProxmoxError::Forbidden { url, message },
                _ => ProxmoxError::Server {
                    url,
                    status: code,
                    message,
                },
            });
        }
        let parsed: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let snippet = self.server_text(&String::from_utf8_lossy(&body));
                return Err(bad(&url, &format!("not json ({e}): {snippet:?}")));
            }
        };
        match parsed {
            Value::Object(mut obj) => match obj.remove("data") {
                Some(data) => Ok((url, data)),
                None => Err(bad(&url, "no `data` member in the answer")),
            },
            _ => Err(bad(&url, "the answer is not a json object")),
        }
    }

    /// Makes server-provided text safe to show: one line, bounded, and
    /// without the token secret even if a server echoed it back.
    fn server_text(&self, text: &str) -> String {
        let one_line: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let secret = self.inner.secret.expose();
        let scrubbed = if secret.is_empty() {
            one_line
        } else {
            one_line.replace(secret, "[redacted]")
        };
        truncate(scrubbed.trim(), MAX_SERVER_TEXT)
    }

    /// Sorts a reqwest failure into the variant the caller acts on. reqwest
    /// nests the real cause (a rustls error inside an io error inside a
    /// hyper error…), so the whole chain is searched.
    fn classify(&self, err: reqwest::Error, url: &str) -> ProxmoxError {
        let url = url.to_owned();
        let chain = error_chain(&err);
        if let Some(tls) = chain.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
            return ProxmoxError::Tls {
                url,
                detail: describe_tls(tls),
            };
        }
        let io_kinds: Vec<std::io::ErrorKind> = chain
            .iter()
            .filter_map(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind)
            .collect();
        if err.is_timeout() || io_kinds.contains(&std::io::ErrorKind::TimedOut) {
            return ProxmoxError::Timeout {
                url,
                timeout: self.inner.timeout,
            };
        }
        let detail = self.server_text(&root_cause(&chain));
        if err.is_connect() {
            return ProxmoxError::Unreachable { url, detail };
        }
        use std::io::ErrorKind as K;
        let dropped_io = io_kinds.iter().any(|k| {
            matches!(
                k,
                K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::UnexpectedEof
                    | K::NotConnected
            )
        });
        let dropped_http = chain.iter().any(|e| {
            e.downcast_ref::<hyper::Error>()
                .is_some_and(|h| h.is_incomplete_message() || h.is_canceled() || h.is_closed())
        });
        if dropped_io || dropped_http {
            return ProxmoxError::Unreachable {
                url,
                detail: format!("the connection was dropped: {detail}"),
            };
        }
        if err.is_body() || err.is_decode() {
            return ProxmoxError::BadResponse {
                url,
                reason: detail,
            };
        }
        ProxmoxError::Transport { url, detail }
    }
}

fn bad(url: &str, reason: &str) -> ProxmoxError {
    ProxmoxError::BadResponse {
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The causes of an error, outermost first. `io::Error` hides its inner
/// error from `source()` (it returns the inner error's source), so the walk
/// steps into it explicitly — that is where rustls puts its errors.
fn error_chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if out.len() > 32 {
            break;
        }
        out.push(e);
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    out
}

/// The innermost message, which is the specific one ("Connection refused").
fn root_cause(chain: &[&(dyn StdError + 'static)]) -> String {
    chain
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Explains a certificate rejection in terms of the configuration.
fn describe_tls(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other.0.to_string(),
        // BadSignature: an issuer with the right name but another key, e.g.
        // the CA of a reinstalled Proxmox.
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        ) => "the server certificate is not signed by the pinned ca (use the cluster ca, \
             /etc/pve/pve-root-ca.pem, not the node certificate)"
            .to_owned(),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "{err} (use a host name or address the certificate lists, or pin its fingerprint)"
        ),
        rustls::Error::InvalidMessage(_) => {
            format!("{err} (is this port serving https? proxmox listens on 8006)")
        }
        other => other.to_string(),
    }
}

/// Picks the most useful error text of a non-2xx answer: Proxmox puts it in
/// the HTTP reason phrase (`HTTP/1.1 500 CT 105 not running`) and per-
/// parameter errors in an `errors` object; a `message` member is used too.
fn error_text(status: reqwest::StatusCode, reason: Option<&str>, body: &[u8]) -> String {
    let mut parts = Vec::new();
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        parts.push(reason.trim().to_owned());
    }
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) {
        if let Some(msg) = obj.get("message").and_then(Value::as_str) {
            let msg = msg.trim();
            if !msg.is_empty() && !parts.iter().any(|p| p == msg) {
                parts.push(msg.to_owned());
            }
        }
        if let Some(Value::Object(errors)) = obj.get("errors") {
            let list: Vec<String> = errors
                .iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}: {}", s.trim()),
                    None => format!("{k}: {v}"),
                })
                .collect();
            if !list.is_empty() {
                parts.push(list.join("; "));
            }
        }
    }
    if parts.is_empty() {
        parts.push(
            status
                .canonical_reason()
                .unwrap_or("no error text")
                .to_owned(),
        );
    }
    parts.join(": ")
}

/// Normalises the typed address into the API base: https only, no
/// credentials, query or fragment; `/api2/json` appended unless present.
fn api_base(typed: &str) -> Result<String, ProxmoxError> {
    let typed = typed.trim();
    let invalid = |url: &str, reason: &str| ProxmoxError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let mut url = reqwest::Url::parse(typed).map_err(|e| {
        invalid(
            &truncate(typed, 120),
            &format!("{e}; expected e.g. https://pve.lan:8006"),
        )
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Err(invalid(
            url.as_str(),
            "it must not contain a user name or password (the API token is used)",
        ));
    }
    if url.scheme() != "https" {
        return Err(invalid(
            url.as_str(),
            "the proxmox api is served over https, e.g. https://pve.lan:8006",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(url.as_str(), "it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            url.as_str(),
            "it must not have a query or fragment",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let prefix = path.strip_suffix(API_PREFIX).unwrap_or(&path).to_owned();
    url.set_path(&format!("{prefix}{API_PREFIX}"));
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn validate_node(node: &str) -> Result<(), ProxmoxError> {
    let ok = !node.is_empty()
        && node.len() <= 253
        && node
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ProxmoxError::InvalidNode {
            node: truncate(node, 80),
        })
    }
}

fn validate_token_id(token_id: &str) -> Result<(), ProxmoxError> {
    let well_formed = token_id.rsplit_once('!').is_some_and(|(user, token)| {
        user.split_once('@')
            .is_some_and(|(name, realm)| !name.is_empty() && !realm.is_empty())
            && !token.is_empty()
    });
    let clean = !token_id
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '=');
    if well_formed && clean {
        Ok(())
    } else {
        Err(ProxmoxError::InvalidTokenId {
            token_id: truncate(token_id, 80),
        })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for path
/// segments and form values.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Cuts text to `max` characters, marking the cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Proxmox sometimes sends numbers as strings; accept both.
fn lenient_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

fn lenient_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn lenient_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(truncate(s, MAX_SERVER_TEXT)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Builds the rustls configuration for the chosen trust mode, always with
/// the ring provider (never aws-lc-rs: it does not build lean on a Pi).
fn tls_config(trust: &TlsTrust, base: &str) -> Result<rustls::ClientConfig, ProxmoxError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProxmoxError::ClientSetup {
            url: base.to_owned(),
            reason: e.to_string(),
        })?;
    let config = match trust {
        TlsTrust::Ca(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ProxmoxError::InvalidCa {
                    reason: format!("unreadable pem: {e}"),
                })?;
                roots.add(cert).map_err(|e| ProxmoxError::InvalidCa {
                    reason: format!("not a usable certificate: {e}"),
                })?;
            }
            if roots.is_empty() {
                return Err(ProxmoxError::InvalidCa {
                    reason: "no `BEGIN CERTIFICATE` block found".to_owned(),
                });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::Fingerprint(sha256) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                sha256: Some(*sha256),
                algorithms,
            }))
            .with_no_client_auth(),
        TlsTrust::InsecureNoVerify => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                sha256: None,
                algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Accepts exactly the certificate whose SHA-256 is pinned (or, with `None`,
/// any certificate), but still checks that the server signed the handshake
/// with that certificate's key.
#[derive(Debug)]
struct PinnedCertificate {
    sha256: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// The certificate presented is not the pinned one; both fingerprints are
/// shown so the user can compare with the web UI.
#[derive(Debug, thiserror::Error)]
#[error(
    "the server certificate's sha-256 fingerprint is {}, not the pinned {}",
    format_fingerprint(.presented),
    format_fingerprint(.pinned)
)]
struct FingerprintMismatch {
    presented: [u8; 32],
    pinned: [u8; 32],
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(pinned) = self.sha256 else {
            return Ok(ServerCertVerified::assertion());
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        let mut presented = [0u8; 32];
        presented.copy_from_slice(digest.as_ref());
        if presented == pinned {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(FingerprintMismatch { presented, pinned })),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

    fn settings(url: &str) -> ProxmoxSettings {
        ProxmoxSettings {
            url: url.to_owned(),
            node: "pve".to_owned(),
            token_id: "cubeguardian@pve!bot".to_owned(),
            token_secret: Secret::new("9c1f5e2a-secret-value"),
            trust: TlsTrust::InsecureNoVerify,
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn fingerprint_accepts_plain_and_colon_hex_in_any_case() {
        let plain = parse_fingerprint(FP_HEX).unwrap();
        assert_eq!(plain[0], 0x00);
        assert_eq!(plain[31], 0xff);
        let colons = format_fingerprint(&plain);
        assert_eq!(parse_fingerprint(&colons).unwrap(), plain);
        assert_eq!(
            parse_fingerprint(&format!("  {}\n", colons.to_lowercase())).unwrap(),
            plain
        );
    }

    #[test]
    fn fingerprint_rejects_wrong_length_bad_digits_and_bad_grouping() {
        assert!(parse_fingerprint(&FP_HEX[..62]).is_err());
        assert!(parse_fingerprint(&FP_HEX.replace('a', "g")).is_err());
        assert!(parse_fingerprint("").is_err());
        // 64 digits but grouped oddly.
        let odd = format!("{}:{}", &FP_HEX[..3], &FP_HEX[3..]);
        assert!(parse_fingerprint(&odd).is_err());
        // Multi-byte characters must not make slicing panic.
        assert!(parse_fingerprint(&"é".repeat(32)).is_err());
        let msg = parse_fingerprint("zz").unwrap_err().to_string();
        assert!(msg.contains("sha-256"), "{msg}");
    }

    #[test]
    fn upid_must_start_with_upid_and_name_a_node() {
        let upid =
            Upid::parse("UPID:pve:0001F2A3:00B1C2D3:6650A1B2:vzreboot:105:cubeguardian@pve!bot:")
                .unwrap();
        assert_eq!(upid.node(), "pve");
        assert!(Upid::parse("pve:0001F2A3").is_err());
        assert!(Upid::parse("UPID::123").is_err());
        assert!(Upid::parse("UPID:pve:12 34").is_err());
        assert!(Upid::parse(&format!("UPID:pve:{}", "x".repeat(600))).is_err());
    }

    #[test]
    fn base_url_gets_api_prefix_once() {
        assert_eq!(
            api_base("https://pve.lan:8006").unwrap(),
            "https://pve.lan:8006/api2/json"
        );
        assert_eq!(
            api_base(" https://pve.lan:8006/ ").unwrap(),
            "https://pve.lan:8006/api2/json"
        );
        assert_eq!(
            api_base("https://pve.lan:8006/api2/json/").unwrap(),
            "https://pve.lan:8006/api2/json"
        );
        assert_eq!(
            api_base("https://proxy.lan/pve").unwrap(),
            "https://proxy.lan/pve/api2/json"
        );
    }

    #[test]
    fn base_url_rejects_http_garbage_and_credentials() {
        assert!(matches!(
            api_base("http://pve.lan:8006"),
            Err(ProxmoxError::InvalidUrl { .. })
        ));
        assert!(api_base("pve.lan:8006").is_err());
        assert!(api_base("not a url").is_err());
        assert!(api_base("https://pve.lan:8006/?x=1").is_err());
        let err = api_base("https://root:hunter2@pve.lan:8006").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn token_id_and_node_are_validated() {
        for bad in [
            "cubeguardian@pve",
            "cubeguardian!bot",
            "@pve!bot",
            "a@pve!",
            "a b@pve!x",
        ] {
            assert!(validate_token_id(bad).is_err(), "{bad}");
        }
        assert!(validate_token_id("cubeguardian@pve!bot").is_ok());
        assert!(validate_token_id("root@pam!cube-guardian_1").is_ok());
        assert!(validate_node("pve").is_ok());
        assert!(validate_node("pve/../x").is_err());
        assert!(validate_node("").is_err());
    }

    #[test]
    fn new_reports_bad_ca_pem_clearly() {
        let mut s = settings("https://pve.lan:8006");
        s.trust = TlsTrust::Ca(b"this is not pem".to_vec());
        let err = ProxmoxClient::new(s.clone()).unwrap_err();
        assert!(matches!(err, ProxmoxError::InvalidCa { .. }), "{err}");
        assert!(err.to_string().contains("ca_file"), "{err}");

        s.trust = TlsTrust::Ca(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
        );
        let err = ProxmoxClient::new(s).unwrap_err();
        assert!(matches!(err, ProxmoxError::InvalidCa { .. }), "{err}");
    }

    #[test]
    fn new_rejects_a_secret_that_cannot_be_a_header_without_showing_it() {
        let mut s = settings("https://pve.lan:8006");
        s.token_secret = Secret::new("abc\u{7f}def-secret");
        let err = ProxmoxClient::new(s).unwrap_err();
        assert!(matches!(err, ProxmoxError::InvalidTokenSecret));
        assert!(!format!("{err} {err:?}").contains("def-secret"));
    }

    #[test]
    fn client_debug_hides_the_secret() {
        let s = settings("https://pve.lan:8006");
        assert!(!format!("{s:?}").contains("9c1f5e2a-secret-value"));
        let client = ProxmoxClient::new(s).unwrap();
        let dbg = format!("{client:?}");
        assert!(!dbg.contains("9c1f5e2a-secret-value"), "{dbg}");
        assert!(dbg.contains("cubeguardian@pve!bot"), "{dbg}");
    }

    #[test]
    fn error_text_prefers_reason_then_message_then_parameter_errors() {
        let s500 = reqwest::StatusCode::INTERNAL_SERVER_ERROR;
        assert_eq!(
            error_text(s500, Some("CT 105 not running"), br#"{"data":null}"#),
            "CT 105 not running"
        );
        assert_eq!(
            error_text(s500, None, br#"{"data":null,"message":"boom\n"}"#),
            "boom"
        );
        assert_eq!(
            error_text(
                reqwest::StatusCode::BAD_REQUEST,
                Some("Parameter verification failed."),
                br#"{"data":null,"errors":{"command":"value 'x' does not have a value in the enumeration 'reboot, shutdown'"}}"#
            ),
            "Parameter verification failed.: command: value 'x' does not have a value in the enumeration 'reboot, shutdown'"
        );
        assert_eq!(error_text(s500, None, b"<html>"), "Internal Server Error");
    }

    #[test]
    fn server_text_is_one_bounded_line_without_the_secret() {
        let client = ProxmoxClient::new(settings("https://pve.lan:8006")).unwrap();
        let echoed = client.server_text("bad token 9c1f5e2a-secret-value\nsecond line");
        assert_eq!(echoed, "bad token [redacted] second line");
        let long = client.server_text(&"é".repeat(1000));
        assert!(long.chars().count() <= MAX_SERVER_TEXT + 1);
    }

    #[test]
    fn lenient_numbers_accept_strings_and_floats() {
        assert_eq!(lenient_u64(&serde_json::json!(12)), Some(12));
        assert_eq!(lenient_u64(&serde_json::json!("12")), Some(12));
        assert_eq!(lenient_u64(&serde_json::json!(12.7)), Some(12));
        assert_eq!(lenient_u64(&serde_json::json!(-1)), None);
        assert_eq!(lenient_u64(&serde_json::json!(null)), None);
        assert_eq!(lenient_f64(&serde_json::json!("0.25")), Some(0.25));
    }

    #[test]
    fn encode_escapes_upid_separators() {
        assert_eq!(
            encode("UPID:pve:1:vzreboot:105:a@pve!bot:"),
            "UPID%3Apve%3A1%3Avzreboot%3A105%3Aa%40pve%21bot%3A"
        );
    }

    #[test]
    fn task_status_ok_only_for_ok() {
        assert!(TaskStatus::Stopped {
            exit_status: "OK".into()
        }
        .ok());
        assert!(!TaskStatus::Stopped {
            exit_status: "WARNINGS: 1".into()
        }
        .ok());
        assert!(!TaskStatus::Running.ok());
    }
}
