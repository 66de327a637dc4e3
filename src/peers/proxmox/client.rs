//! The Proxmox API client proper: settings, the HTTPS client with the API
//! token, the calls the bot makes (version, node and container status,
//! reboot, node shutdown), reading Proxmox's answers leniently, and sorting
//! every failure into the [`ProxmoxError`] the caller acts on.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;

use super::tls::{describe_tls, tls_config};
use super::{truncate, ProxmoxError, TlsTrust, Upid};
use crate::peers::failure;
use crate::system::secret::Secret;

/// Path of the JSON flavour of the API under the address the user types.
pub const API_PREFIX: &str = "/api2/json";

/// Largest response body accepted: Proxmox's answers to the calls made here
/// are a few kilobytes, so anything bigger is not Proxmox and is refused
/// before it fills the memory of a small board.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much server-provided text (error messages, bodies) goes into an
/// error: enough to recognise the problem, short enough for a Discord DM.
const MAX_SERVER_TEXT: usize = 200;

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

    /// Sends one request and returns the URL (for errors) and the `data`
    /// member of a successful answer.
    pub(super) async fn call(
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
    pub(super) fn server_text(&self, text: &str) -> String {
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
        let chain = failure::chain(&err);
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
        let detail = self.server_text(&failure::root_cause(&chain));
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

pub(super) fn bad(url: &str, reason: &str) -> ProxmoxError {
    ProxmoxError::BadResponse {
        url: url.to_owned(),
        reason: reason.to_owned(),
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
pub(super) fn encode(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
