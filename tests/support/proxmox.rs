//! An HTTPS stand-in for the Proxmox VE API, for tests and demos.
//!
//! It owns a small simulated world — one node, its containers, reboot tasks,
//! the host's power — and serves the few endpoints CubeGuardian uses under
//! `/api2/json`, over real TLS with a certificate signed by its own CA (made
//! with rcgen), checking the `PVEAPIToken` header like Proxmox does. Answers
//! mimic Proxmox's: `{"data": …}` bodies, and errors as `{"data":null}` with
//! the message in the HTTP reason phrase. "Powering off" the host really
//! closes the listener and every open connection, so clients see refused
//! connections; powering on listens again on the same port.
//!
//! It needs a running tokio runtime (any flavour) and nothing from the test
//! harness, so example programs can run it too.
//!
//! Over 800 lines because the simulated world and the HTTP routes that
//! read and change it are one thing: each route is a few lines over the
//! world's state, and apart they would share every private field.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, SERVER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::ext::ReasonPhrase;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// Longest a client may take to finish the TLS handshake before the
/// stand-in drops it, so a stuck client cannot pin a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a power-on keeps retrying to listen on its old port (another
/// socket may briefly hold it).
const REBIND_PATIENCE: Duration = Duration::from_secs(5);

/// The Proxmox version the stand-in claims to be.
pub const PVE_VERSION: &str = "8.2.4";
pub const PVE_RELEASE: &str = "8.2";
pub const PVE_REPOID: &str = "faa83925c9641325";

/// What the simulated Proxmox looks like.
#[derive(Debug, Clone)]
pub struct PveConfig {
    pub node: String,
    /// `USER@REALM!TOKENID` accepted in the `Authorization` header.
    pub token_id: String,
    pub token_secret: String,
    /// The game container, created running.
    pub vmid: u32,
    pub container_name: String,
    /// Names and addresses the server certificate is valid for.
    pub cert_names: Vec<String>,
}

impl Default for PveConfig {
    fn default() -> Self {
        PveConfig {
            node: "pve".to_owned(),
            token_id: "cubeguardian@pve!bot".to_owned(),
            token_secret: "5d2c8a4e-1b3f-4c6d-9e0a-7f8b9c0d1e2f".to_owned(),
            vmid: 105,
            container_name: "LXC-game".to_owned(),
            cert_names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
        }
    }
}

/// One request as the stand-in received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path as sent, still percent-encoded (e.g. `/api2/json/nodes/pve/tasks/UPID%3A…/status`).
    pub path: String,
    /// The body decoded as `application/x-www-form-urlencoded` pairs.
    pub form: Vec<(String, String)>,
    pub body: String,
    /// Whether the `Authorization` header carried the configured token.
    pub authorized: bool,
}

/// A running stand-in. Dropping it stops the server and closes every
/// connection.
pub struct PveStandIn {
    shared: Arc<Shared>,
    ca_pem: String,
    cert_sha256: [u8; 32],
}

struct Shared {
    config: PveConfig,
    /// Always `127.0.0.1:<port>`; the port survives power cycles.
    addr: SocketAddr,
    /// Bound to `addr` for the stand-in's whole life and never listening:
    /// while the host is off, connections are still refused (no listener),
    /// but no other test's free port can be this one, so the host comes
    /// back on where it was.
    _hold: TcpSocket,
    acceptor: tokio_rustls::TlsAcceptor,
    world: Mutex<World>,
    /// The accept loop while the host is up.
    serving: Mutex<Option<Serving>>,
    /// Serialises power transitions.
    power_lock: tokio::sync::Mutex<()>,
}

struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

struct Container {
    name: String,
    running: bool,
    since: Instant,
    /// Started again when the host powers on.
    onboot: bool,
}

struct Task {
    upid: String,
    vmid: u32,
    pid: u32,
    pstart: u32,
    unix_start: u64,
    ends_at: Instant,
    exit_status: String,
    /// Its effect on the container has been applied.
    settled: bool,
}

/// A scripted answer that overrides the simulation for one request.
struct Canned {
    status: u16,
    reason: Option<String>,
    body: String,
}

struct World {
    host_up: bool,
    booted_at: Instant,
    containers: HashMap<u32, Container>,
    canned: VecDeque<Canned>,
    response_delay: Duration,
    reboot_delay: Duration,
    reboot_exit_status: String,
    shutdown_powers_off_after: Option<Duration>,
    tasks: Vec<Task>,
    next_pid: u32,
    requests: Vec<RecordedRequest>,
    shutdown_calls: usize,
    reboot_calls: Vec<u32>,
}

impl PveStandIn {
    /// Starts a stand-in with the default world: node `pve`, token
    /// `cubeguardian@pve!bot`, container 105 `LXC-game` running.
    pub async fn start() -> PveStandIn {
        Self::start_with(PveConfig::default()).await
    }

    /// Starts a stand-in on `127.0.0.1:<free port>`.
    pub async fn start_with(config: PveConfig) -> PveStandIn {
        let (ca_pem, server_der, server_key) = make_certificates(&config.cert_names);
        let digest = ring::digest::digest(&ring::digest::SHA256, &server_der);
        let mut cert_sha256 = [0u8; 32];
        cert_sha256.copy_from_slice(digest.as_ref());

        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default tls versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(server_der)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key)),
        )
        .expect("rcgen made a usable certificate and key");

        let listener =
            listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("cannot listen on 127.0.0.1");
        let addr = listener.local_addr().expect("listener has an address");
        let hold = hold_port(addr).expect("cannot hold the stand-in's port");
        let now = Instant::now();
        let mut containers = HashMap::new();
        containers.insert(
            config.vmid,
            Container {
                name: config.container_name.clone(),
                running: true,
                since: now,
                onboot: true,
            },
        );
        let shared = Arc::new(Shared {
            config,
            addr,
            _hold: hold,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(tls)),
            world: Mutex::new(World {
                host_up: true,
                booted_at: now,
                containers,
                canned: VecDeque::new(),
                response_delay: Duration::ZERO,
                reboot_delay: Duration::from_millis(200),
                reboot_exit_status: "OK".to_owned(),
                shutdown_powers_off_after: None,
                tasks: Vec::new(),
                next_pid: 0x0001_F2A0,
                requests: Vec::new(),
                shutdown_calls: 0,
                reboot_calls: Vec::new(),
            }),
            serving: Mutex::new(None),
            power_lock: tokio::sync::Mutex::new(()),
        });
        shared.serve(listener);
        PveStandIn {
            shared,
            ca_pem,
            cert_sha256,
        }
    }

    /// The address as a user would type it: `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.shared.addr)
    }

    /// `https://localhost:<port>`, for host-name checks against the CA.
    pub fn localhost_url(&self) -> String {
        format!("https://localhost:{}", self.shared.addr.port())
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    pub fn config(&self) -> &PveConfig {
        &self.shared.config
    }

    /// The stand-in's CA certificate (PEM), what `ca_file` would hold.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// SHA-256 of the server certificate (DER), what a fingerprint pin holds.
    pub fn server_cert_sha256(&self) -> [u8; 32] {
        self.cert_sha256
    }

    /// Powers the simulated host on or off. Off closes the listener and all
    /// open connections before returning; on listens again on the same port
    /// before returning, boots the node and starts `onboot` containers
    /// (panicking if the port cannot be had again within a few seconds).
    pub async fn set_host_up(&self, up: bool) {
        self.shared.power(up).await;
    }

    pub fn host_up(&self) -> bool {
        self.shared.world().host_up
    }

    /// Sets a container's power state, creating it (named `CT<vmid>`) if
    /// needed.
    pub fn set_container_running(&self, vmid: u32, running: bool) {
        let mut world = self.shared.world();
        let now = Instant::now();
        let container = world.containers.entry(vmid).or_insert_with(|| Container {
            name: format!("CT{vmid}"),
            running,
            since: now,
            onboot: true,
        });
        if container.running != running {
            container.since = now;
        }
        container.running = running;
    }

    /// Whether the container runs now (false while a reboot is under way).
    pub fn container_running(&self, vmid: u32) -> bool {
        let mut world = self.shared.world();
        world.settle(Instant::now());
        world.container_state(vmid) == Some("running")
    }

    /// The next `n` requests (authorized or not) get `status` with Proxmox's
    /// error shape instead of their normal answer.
    pub fn set_fail_next(&self, n: usize, status: u16) {
        let mut world = self.shared.world();
        for _ in 0..n {
            world.canned.push_back(Canned {
                status,
                reason: Some(canned_reason(status).to_owned()),
                body: r#"{"data":null}"#.to_owned(),
            });
        }
    }

    /// The next `n` requests get exactly `status` and `body` (served as
    /// JSON whatever it holds), e.g. to feed a client garbage.
    pub fn set_raw_next(&self, n: usize, status: u16, body: &str) {
        let mut world = self.shared.world();
        for _ in 0..n {
            world.canned.push_back(Canned {
                status,
                reason: None,
                body: body.to_owned(),
            });
        }
    }

    /// Every answer is held back this long (zero by default), to make a
    /// client time out.
    pub fn set_response_delay(&self, delay: Duration) {
        self.shared.world().response_delay = delay;
    }

    /// Reboot tasks started from now on finish `delay` after the request,
    /// with `exit_status` (`"OK"`, or an error text such as
    /// `"command 'lxc-start -n 105' failed: exit code 1"`). The container is
    /// stopped meanwhile and running afterwards only if the status is `OK`.
    pub fn set_reboot_outcome(&self, delay: Duration, exit_status: &str) {
        let mut world = self.shared.world();
        world.reboot_delay = delay;
        world.reboot_exit_status = exit_status.to_owned();
    }

    /// Whether `POST /nodes/{node}/status command=shutdown` powers the host
    /// off, and after how long (`None`, the default: it only records).
    pub fn set_shutdown_powers_off(&self, after: Option<Duration>) {
        self.shared.world().shutdown_powers_off_after = after;
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.world().requests.clone()
    }

    /// Authorized node shutdown requests received.
    pub fn shutdown_calls(&self) -> usize {
        self.shared.world().shutdown_calls
    }

    /// The vmids of authorized container reboot requests, in order.
    pub fn reboot_calls(&self) -> Vec<u32> {
        self.shared.world().reboot_calls.clone()
    }
}

impl Drop for PveStandIn {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every
        // connection task and releases the port.
        let serving = self
            .shared
            .serving
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(serving) = serving {
            serving.task.abort();
        }
    }
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn serve(self: &Arc<Self>, listener: TcpListener) {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(Arc::clone(self), listener, stopped));
        *self.serving.lock().unwrap_or_else(|e| e.into_inner()) = Some(Serving { stop, task });
    }

    async fn power(self: &Arc<Self>, up: bool) {
        let _transition = self.power_lock.lock().await;
        let serving = self
            .serving
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if up {
            if let Some(serving) = serving {
                // Already up: put it back untouched.
                *self.serving.lock().unwrap_or_else(|e| e.into_inner()) = Some(serving);
                return;
            }
            let listener = relisten(self.addr).await;
            self.world().power_on(Instant::now());
            self.serve(listener);
        } else if let Some(serving) = serving {
            let _ = serving.stop.send(());
            let _ = serving.task.await;
            self.world().power_off();
        }
    }

    /// Computes the answer to one request from the world.
    fn respond(
        &self,
        method: &Method,
        uri: &Uri,
        authorized: bool,
        form: &[(String, String)],
    ) -> Reply {
        let mut world = self.world();
        let now = Instant::now();
        world.settle(now);
        if let Some(canned) = world.canned.pop_front() {
            return Reply::canned(canned);
        }
        if !authorized {
            return Reply::error(401, "authentication failure");
        }
        let Some(rest) = uri.path().strip_prefix("/api2/json") else {
            return Reply::error(
                501,
                &format!("Method '{method} {}' not implemented", uri.path()),
            );
        };
        let decoded: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s, false))
            .collect();
        let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let cfg = &self.config;

        if let ["nodes", node, ..] = segs.as_slice() {
            if *node != cfg.node {
                return Reply::error(
                    500,
                    &format!(
                        "hostname lookup '{node}' failed - failed to get address info for: \
                         {node}: Name or service not known"
                    ),
                );
            }
        }
        match (method.as_str(), segs.as_slice()) {
            ("GET", ["version"]) => Reply::data(json!({
                "version": PVE_VERSION,
                "release": PVE_RELEASE,
                "repoid": PVE_REPOID,
            })),
            ("GET", ["nodes", _, "status"]) => Reply::data(world.node_status(now)),
            ("POST", ["nodes", _, "status"]) => {
                match form.iter().find(|(k, _)| k == "command").map(|(_, v)| v.as_str()) {
                    Some("shutdown") => {
                        world.shutdown_calls += 1;
                        let mut reply = Reply::data(Value::Null);
                        reply.power_off_after = world.shutdown_powers_off_after;
                        reply
                    }
                    Some("reboot") => Reply::data(Value::Null),
                    other => Reply::param_error(
                        "command",
                        &match other {
                            Some(v) => format!(
                                "value '{v}' does not have a value in the enumeration 'reboot, shutdown'"
                            ),
                            None => "property is missing and it is not optional".to_owned(),
                        },
                    ),
                }
            }
            ("GET", ["nodes", _, "lxc", vmid, "status", "current"]) => {
                let Ok(vmid) = vmid.parse::<u32>() else {
                    return Reply::param_error(
                        "vmid",
                        &format!("type check ('integer') failed - got '{vmid}'"),
                    );
                };
                match world.container_json(vmid, now) {
                    Some(data) => Reply::data(data),
                    None => Reply::no_container(&cfg.node, vmid),
                }
            }
            ("POST", ["nodes", _, "lxc", vmid, "status", "reboot"]) => {
                let Ok(vmid) = vmid.parse::<u32>() else {
                    return Reply::param_error(
                        "vmid",
                        &format!("type check ('integer') failed - got '{vmid}'"),
                    );
                };
                world.reboot_calls.push(vmid);
                match world.container_state(vmid) {
                    None => Reply::no_container(&cfg.node, vmid),
                    Some("running") => {
                        Reply::data(Value::String(world.start_reboot(cfg, vmid, now)))
                    }
                    Some(_) => Reply::error(500, &format!("CT {vmid} not running")),
                }
            }
            ("GET", ["nodes", _, "tasks", upid, "status"]) => {
                match world.tasks.iter().find(|t| t.upid == *upid) {
                    Some(task) => Reply::data(task_json(cfg, task, now)),
                    None => Reply::error(500, &format!("no such task '{upid}'")),
                }
            }
            _ => Reply::error(501, &format!("Method '{method} {rest}' not implemented")),
        }
    }
}

impl World {
    /// Applies the effects of reboot tasks that have finished by `now`.
    fn settle(&mut self, now: Instant) {
        for task in self
            .tasks
            .iter_mut()
            .filter(|t| !t.settled && t.ends_at <= now)
        {
            task.settled = true;
            if let Some(ct) = self.containers.get_mut(&task.vmid) {
                ct.running = task.exit_status == "OK";
                ct.since = task.ends_at;
            }
        }
    }

    fn container_state(&self, vmid: u32) -> Option<&'static str> {
        let ct = self.containers.get(&vmid)?;
        let rebooting = self.tasks.iter().any(|t| t.vmid == vmid && !t.settled);
        Some(if ct.running && !rebooting {
            "running"
        } else {
            "stopped"
        })
    }

    fn start_reboot(&mut self, cfg: &PveConfig, vmid: u32, now: Instant) -> String {
        self.next_pid += 1;
        let pid = self.next_pid;
        let pstart = pid.wrapping_mul(7) & 0x00FF_FFFF;
        let unix_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let upid = format!(
            "UPID:{}:{pid:08X}:{pstart:08X}:{unix_start:08X}:vzreboot:{vmid}:{}:",
            cfg.node, cfg.token_id
        );
        self.tasks.push(Task {
            upid: upid.clone(),
            vmid,
            pid,
            pstart,
            unix_start,
            ends_at: now + self.reboot_delay,
            exit_status: self.reboot_exit_status.clone(),
            settled: false,
        });
        upid
    }

    fn power_on(&mut self, now: Instant) {
        self.host_up = true;
        self.booted_at = now;
        for ct in self.containers.values_mut() {
            ct.running = ct.onboot;
            ct.since = now;
        }
    }

    fn power_off(&mut self) {
        self.host_up = false;
        for ct in self.containers.values_mut() {
            ct.running = false;
        }
        // Whatever was under way dies with the host.
        for task in self.tasks.iter_mut().filter(|t| !t.settled) {
            task.settled = true;
            task.exit_status = "unexpected status".to_owned();
        }
    }

    /// Shaped like Proxmox 8's answer (abridged).
    fn node_status(&self, now: Instant) -> Value {
        let total: u64 = 16_652_566_528;
        let used: u64 = 3_421_040_640;
        json!({
            "uptime": now.duration_since(self.booted_at).as_secs(),
            "cpu": 0.0123,
            "wait": 0.0004,
            "idle": 0,
            "loadavg": ["0.12", "0.09", "0.05"],
            "memory": { "total": total, "used": used, "free": total - used },
            "swap": { "total": 8_589_930_496u64, "used": 0, "free": 8_589_930_496u64 },
            "rootfs": { "total": 100_861_726_720u64, "used": 9_834_352_640u64,
                        "free": 91_027_374_080u64, "avail": 85_874_331_648u64 },
            "ksm": { "shared": 0 },
            "cpuinfo": { "model": "Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz", "cpus": 6,
                         "sockets": 1, "cores": 6, "mhz": "2100.000", "hvm": "1",
                         "user_hz": 100, "flags": "fpu vme de pse" },
            "kversion": "Linux 6.8.12-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-1 x86_64",
            "pveversion": format!("pve-manager/{PVE_VERSION}/{PVE_REPOID}"),
        })
    }

    /// Shaped like Proxmox 8's `status/current` for a container.
    fn container_json(&self, vmid: u32, now: Instant) -> Option<Value> {
        let state = self.container_state(vmid)?;
        let ct = self.containers.get(&vmid)?;
        let running = state == "running";
        let mut data = json!({
            "vmid": vmid,
            "name": ct.name,
            "type": "lxc",
            "status": state,
            "uptime": if running { now.duration_since(ct.since).as_secs() } else { 0 },
            "cpus": 4,
            "cpu": if running { 0.0371 } else { 0.0 },
            "mem": if running { 2_147_483_648u64 } else { 0 },
            "maxmem": 8_589_934_592u64,
            "swap": 0,
            "maxswap": 536_870_912u64,
            "disk": 6_442_450_944u64,
            "maxdisk": 34_359_738_368u64,
            "netin": 123_456_789u64,
            "netout": 98_765_432u64,
            "diskread": 456_789_012u64,
            "diskwrite": 345_678_901u64,
            "ha": { "managed": 0 },
        });
        if running {
            data["pid"] = json!(4242 + vmid);
        }
        Some(data)
    }
}

fn task_json(cfg: &PveConfig, task: &Task, now: Instant) -> Value {
    let (user, tokenid) = match cfg.token_id.split_once('!') {
        Some((user, token)) => (user, Some(token)),
        None => (cfg.token_id.as_str(), None),
    };
    let mut data = json!({
        "upid": task.upid,
        "node": cfg.node,
        "pid": task.pid,
        "pstart": task.pstart,
        "starttime": task.unix_start,
        "type": "vzreboot",
        "id": task.vmid.to_string(),
        "user": user,
        "status": if task.ends_at <= now || task.settled { "stopped" } else { "running" },
    });
    if let Some(tokenid) = tokenid {
        data["tokenid"] = json!(tokenid);
    }
    if data["status"] == "stopped" {
        data["exitstatus"] = json!(task.exit_status);
    }
    data
}

/// An answer plus what the world must do after sending it.
struct Reply {
    status: u16,
    reason: Option<String>,
    body: String,
    power_off_after: Option<Duration>,
}

impl Reply {
    fn data(data: Value) -> Reply {
        Reply {
            status: 200,
            reason: None,
            body: json!({ "data": data }).to_string(),
            power_off_after: None,
        }
    }

    /// Proxmox's error shape: the message is the reason phrase.
    fn error(status: u16, message: &str) -> Reply {
        Reply {
            status,
            reason: Some(message.to_owned()),
            body: r#"{"data":null}"#.to_owned(),
            power_off_after: None,
        }
    }

    fn param_error(param: &str, message: &str) -> Reply {
        Reply {
            status: 400,
            reason: Some("Parameter verification failed.".to_owned()),
            body: json!({ "data": null, "errors": { param: message } }).to_string(),
            power_off_after: None,
        }
    }

    fn no_container(node: &str, vmid: u32) -> Reply {
        Reply::error(
            500,
            &format!("Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist"),
        )
    }

    fn canned(c: Canned) -> Reply {
        Reply {
            status: c.status,
            reason: c.reason,
            body: c.body,
            power_off_after: None,
        }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        headers.insert(SERVER, HeaderValue::from_static("pve-api-daemon/3.0"));
        if let Some(reason) = self.reason.and_then(|r| ReasonPhrase::try_from(r).ok()) {
            response.extensions_mut().insert(reason);
        }
        response
    }
}

fn canned_reason(status: u16) -> &'static str {
    match status {
        401 => "authentication failure",
        403 => "Permission check failed",
        _ => "simulated failure",
    }
}

/// The single handler: records the request, waits the configured delay,
/// answers from the world and schedules a power-off if a shutdown asked for
/// one.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = format!(
        "PVEAPIToken={}={}",
        shared.config.token_id, shared.config.token_secret
    );
    let authorized = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    let body = String::from_utf8_lossy(&body).into_owned();
    let form: Vec<(String, String)> = body
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    let delay = {
        let mut world = shared.world();
        world.requests.push(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            form: form.clone(),
            body,
            authorized,
        });
        world.response_delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let reply = shared.respond(&method, &uri, authorized, &form);
    if let Some(after) = reply.power_off_after {
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(shared) = weak.upgrade() {
                shared.power(false).await;
            }
        });
    }
    reply.into_response()
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener, mut stop: oneshot::Receiver<()>) {
    let app = Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(serve_connection(shared.acceptor.clone(), tcp, app.clone()));
                }
                // E.g. out of file descriptors: wait instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection(acceptor: tokio_rustls::TlsAcceptor, tcp: TcpStream, app: Router) {
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    let service = hyper_util::service::TowerToHyperService::new(app);
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
        .await;
}

/// Listens with `SO_REUSEADDR`, so the port can be taken again right after
/// a power-off even with connections still in TIME_WAIT, and `SO_REUSEPORT`,
/// so the listener and the socket holding the port can share it.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = shareable_socket()?;
    socket.bind(addr)?;
    socket.listen(128)
}

fn shareable_socket() -> std::io::Result<TcpSocket> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    Ok(socket)
}

/// The socket that keeps `addr` ours while the host is off. `SO_REUSEPORT`
/// only: with `SO_REUSEADDR` too, Linux would let any socket that sets it
/// (std's listeners do) bind the port beside one that is not listening.
fn hold_port(addr: SocketAddr) -> std::io::Result<TcpSocket> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

async fn relisten(addr: SocketAddr) -> TcpListener {
    let deadline = Instant::now() + REBIND_PATIENCE;
    loop {
        match listen(addr) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() >= deadline => {
                panic!("proxmox stand-in cannot listen on {addr} again: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A CA like Proxmox's cluster CA and a server certificate for `names`
/// signed by it: (CA PEM, server DER, server key PKCS#8 DER).
fn make_certificates(names: &[String]) -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("generate ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Proxmox Virtual Environment (stand-in)");
    // Like Proxmox, the cluster's id in the OU tells CAs apart.
    ca_params
        .distinguished_name
        .push(DnType::OrganizationalUnitName, unique_id());
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "PVE Cluster Manager CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign ca");
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().expect("generate server key");
    let mut params = CertificateParams::new(names.to_vec()).expect("server params");
    if let Some(first) = names.first() {
        params
            .distinguished_name
            .push(DnType::CommonName, first.as_str());
    }
    params
        .distinguished_name
        .push(DnType::OrganizationName, "PVE Cluster Node");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .expect("sign server certificate");
    (
        ca_cert.pem(),
        server_cert.der().to_vec(),
        server_key.serialize_der(),
    )
}

/// A value unique within the process and unlikely to repeat across runs.
fn unique_id() -> String {
    use std::sync::atomic::AtomicU32;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{nanos:x}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Decodes `%XX` escapes (and `+` as space in form data); malformed
/// escapes are kept as they are.
fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
