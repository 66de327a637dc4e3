//! What the probes tell the machine about the real world: the host (through
//! the Proxmox API or the SSH port) and the game (the Server List Ping).

/// What the Proxmox API (or, for non-Proxmox hosts, the SSH port) said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostObservation {
    /// The API answered with our token: the host is up.
    Up,
    /// Nothing answered (connection refused, timeout): the host is off.
    Down,
    /// The host answered but refused our token (401/403): it is up, and we
    /// cannot control it until the admin fixes the token.
    Refused(String),
    /// The host answered with an error (5xx, garbage): it is up, and the
    /// error may be transient (pveproxy still starting, say).
    Failing(String),
}

/// What the Minecraft Server List Ping said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GameObservation {
    Online {
        players: u32,
        max: u32,
        version: String,
    },
    Offline,
}

/// One probe of the real machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub host: HostObservation,
    pub game: GameObservation,
}

/// What an observation says about the machine as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Machine {
    Off,
    /// Host up, Minecraft not (yet) answering.
    Booting,
    Running,
    /// The host cannot be controlled or its state cannot be told.
    Unknown {
        reason: String,
        permanent: bool,
    },
}

impl Observation {
    pub(super) fn machine(&self) -> Machine {
        use GameObservation::*;
        use HostObservation::*;
        match (&self.host, &self.game) {
            (Down, Offline) => Machine::Off,
            (Up, Offline) | (Failing(_), Offline) => Machine::Booting,
            (Up, Online { .. }) | (Failing(_), Online { .. }) => Machine::Running,
            (Refused(why), _) => Machine::Unknown {
                reason: format!("the Proxmox API refused the token: {why}"),
                permanent: true,
            },
            (Down, Online { .. }) => Machine::Unknown {
                reason: "the Proxmox API does not answer although Minecraft does".to_owned(),
                permanent: false,
            },
        }
    }

    /// Players in the game, if Minecraft answered.
    pub fn players_online(&self) -> Option<u32> {
        match self.game {
            GameObservation::Online { players, .. } => Some(players),
            GameObservation::Offline => None,
        }
    }
}
