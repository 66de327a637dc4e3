//! Looking at the real machine, and acting on it.
//!
//! [`Prober::observe`] asks the host (the Proxmox API, or the SSH port of a
//! host that is not Proxmox) and Minecraft at the same time and turns the
//! answers into an [`Observation`] for the state machine. [`Actuators`] hold
//! what wakes and powers off the host.

use std::net::SocketAddr;
use std::time::Duration;

use crate::peers::minecraft;
use crate::peers::proxmox::{ProxmoxClient, ProxmoxError};
use crate::peers::ssh::{self, SshTarget};
use crate::peers::wol::{self, MacAddress};
use crate::power::machine::{GameObservation, HostObservation, Observation};

/// Magic packets per wake: UDP may drop one, and a NIC in deep sleep may
/// miss the first.
pub const WAKE_PACKETS: u32 = 3;

/// How the host is asked whether it is up.
#[derive(Clone)]
pub enum HostCheck {
    /// `GET /version` with our token.
    Proxmox(ProxmoxClient),
    /// A TCP connection to the SSH port, for hosts that are not Proxmox.
    Tcp { address: String, timeout: Duration },
}

/// Observes the host and the game.
#[derive(Clone)]
pub struct Prober {
    pub host: HostCheck,
    pub minecraft: String,
    pub minecraft_timeout: Duration,
}

impl Prober {
    /// Both questions are asked at once; each has its own timeout, so one
    /// probe lasts at most the longer of the two.
    pub async fn observe(&self) -> Observation {
        let (host, game) = tokio::join!(self.host(), self.game());
        Observation { host, game }
    }

    /// The game's full status, for displays.
    pub async fn minecraft_status(
        &self,
    ) -> Result<minecraft::ServerStatus, minecraft::MinecraftError> {
        minecraft::ping(&self.minecraft, self.minecraft_timeout).await
    }

    async fn host(&self) -> HostObservation {
        match &self.host {
            HostCheck::Proxmox(client) => match client.version().await {
                Ok(_) => HostObservation::Up,
                Err(e) => classify(&e),
            },
            HostCheck::Tcp { address, timeout } => {
                match tokio::time::timeout(
                    *timeout,
                    tokio::net::TcpStream::connect(address.as_str()),
                )
                .await
                {
                    Ok(Ok(_)) => HostObservation::Up,
                    Ok(Err(e)) => {
                        log::debug!("probe: {address} does not accept connections: {e}");
                        HostObservation::Down
                    }
                    Err(_) => HostObservation::Down,
                }
            }
        }
    }

    async fn game(&self) -> GameObservation {
        match self.minecraft_status().await {
            Ok(status) => GameObservation::Online {
                players: status.players_online,
                max: status.players_max,
                version: status.version,
            },
            Err(e) => {
                log::debug!("probe: {e}");
                GameObservation::Offline
            }
        }
    }
}

/// What a Proxmox error says about the host.
fn classify(e: &ProxmoxError) -> HostObservation {
    if e.host_unreachable() {
        log::debug!("probe: {e}");
        return HostObservation::Down;
    }
    let text = format!("{e}");
    match e {
        ProxmoxError::Unauthorized { .. } | ProxmoxError::Forbidden { .. } => {
            HostObservation::Refused(text)
        }
        _ => {
            log::warn!("probe: {text}");
            HostObservation::Failing(text)
        }
    }
}

/// How the host is powered off.
#[derive(Clone)]
pub enum ShutdownPath {
    Proxmox(ProxmoxClient),
    Ssh(Box<SshTarget>),
}

/// What wakes and powers off the host.
#[derive(Clone)]
pub struct Actuators {
    pub mac: MacAddress,
    pub wol_target: SocketAddr,
    pub shutdown: ShutdownPath,
}

impl Actuators {
    pub async fn wake(&self) -> Result<(), String> {
        wol::send_magic_packets(self.mac, self.wol_target, WAKE_PACKETS)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn power_off(&self) -> Result<(), String> {
        match &self.shutdown {
            ShutdownPath::Proxmox(client) => {
                client.shutdown_node().await.map_err(|e| e.to_string())
            }
            ShutdownPath::Ssh(target) => match ssh::run_command(target).await {
                Ok(outcome) => match outcome.exit_status {
                    Some(0) | None => Ok(()),
                    Some(code) => Err(format!(
                        "`{}` on {} exited with status {code}: {}",
                        target.command, target.address, outcome.output
                    )),
                },
                Err(e) => Err(e.to_string()),
            },
        }
    }
}
