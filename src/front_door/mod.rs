//! The Minecraft front door: the address players put in their client,
//! served by the always-on Pi in front of a host that is often off.
//!
//! While the host sleeps, boots or stops, the front door answers the
//! Server List Ping itself (a MOTD per state, 0 players, the real server's
//! version and favicon remembered from the last time it answered) and
//! turns a login by an allowed player into a wake through the same power
//! service, rate limiter and persisted state as a voice join; the player
//! is told when to come back. A ping never wakes anything. While the
//! server is up, every game connection is relayed to it byte for byte, and
//! the players who went through are counted: the idle shutdown waits for
//! them as it waits for voice. Pings are answered with the server's own
//! status, read at most once a second, so a ping flood never reaches it.
//!
//! # Layout
//!
//! - [`limits`]: the per-address and total connection caps.
//! - [`estimate`]: "come back in ~N s", from the recent boots.
//! - [`memory`]: the upstream's status as last seen, kept in the store.
//! - [`links`]: Minecraft names linked to Discord members (`/link`),
//!   confirmed by the player's login here.
//! - [`connection`]: one client, from its first byte to the answer or the
//!   relay.
//! - `online`: online mode, the proof a login's account gives before it
//!   may wake anything.
//! - `wire`: what both of those read and write with: the bytes read so
//!   far, why a connection ended, the deadline of each step.
//!
//! The protocol's bytes are read and built by
//! [`crate::peers::minecraft::serving`] and
//! [`crate::peers::minecraft::encryption`]; nothing here parses by hand.
//!
//! With `online_mode` (the default) a claimed user name is never trusted:
//! the session server must say that account joined this very login.
//! Without it, the name the client claims is taken as it is (offline
//! mode), which the README warns about.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::FrontDoorConfig;
use crate::messages::{Messages, Text};
use crate::metrics::Metrics;
use crate::outgoing::Outgoing;
use crate::power::driver::{Input, PowerView};
use crate::power::machine::{Event, Requester, StateKind};
use crate::ratelimit::guard::Guard;
use crate::services::power::Power;
use crate::store::Store;

mod connection;
pub mod estimate;
pub mod limits;
pub mod links;
pub mod memory;
mod online;
mod wire;

/// The rate-limiter entry a login's wake passes: the same as Discord's
/// `/wake`, so a player cannot wake more often from the game than from
/// Discord.
pub const WAKE_COMMAND: &str = "wake";

/// Why the front door could not start.
#[derive(Debug, thiserror::Error)]
#[error("front door: cannot listen on {address}")]
pub struct BindError {
    pub address: std::net::SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// The rate limiter's user id for a player known only by their game name.
/// Discord ids are positive `i64`s, so the top bit keeps the two apart;
/// the rest is a stable hash (FNV-1a) of the lowercased name, so one
/// player is one limiter entry across connections and restarts.
pub fn game_user_id(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.to_ascii_lowercase().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash | Requester::GAME_BIT
}

/// What the front door needs from the rest of the appliance.
pub struct Deps {
    pub config: FrontDoorConfig,
    pub messages: Messages,
    pub view: watch::Receiver<PowerView>,
    pub power: Power,
    pub guard: Arc<Guard>,
    /// To tell the power driver how many players are in the game.
    pub inputs: mpsc::Sender<Input>,
    pub metrics: Arc<Metrics>,
    pub store: Arc<Store>,
    /// `[power] startup_timeout`: the estimate when no boot was seen yet.
    pub startup_timeout: Duration,
    /// `[minecraft] timeout`: for remembering the upstream's status.
    pub ping_timeout: Duration,
    /// The names linked to Discord members (`/link`).
    pub links: Arc<links::LinkBook>,
    /// Whether a linked member is authorized (the Discord side knows).
    pub members: Arc<dyn links::Members>,
    /// For the "server ready" DM to the linked players who woke it.
    pub outgoing: mpsc::Sender<Outgoing>,
}

/// The bound listener, ready to run.
pub struct FrontDoor {
    listener: TcpListener,
    shared: Arc<connection::Shared>,
}

impl FrontDoor {
    /// Binds `listen` (before the appliance says it is ready, so a port in
    /// use is reported at once) and loads the remembered upstream status.
    pub async fn bind(deps: Deps) -> Result<FrontDoor, BindError> {
        let address = deps.config.listen;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| BindError { address, source })?;
        let remembered = memory::load(&deps.store).await;
        log::info!(
            "front door: listening on {} for {} (upstream {}, {} allowed player(s))",
            listener.local_addr().unwrap_or(address),
            if remembered.is_some() {
                "players, remembering the server's version"
            } else {
                "players"
            },
            deps.config.upstream,
            deps.config.allowed_players.len()
        );
        Ok(FrontDoor {
            listener,
            shared: Arc::new(connection::Shared::new(deps, remembered)),
        })
    }

    /// Accepts connections until `shutdown`; relayed games are cut then.
    pub async fn run(self, shutdown: CancellationToken) {
        let tasks = TaskTracker::new();
        let deps = &self.shared.deps;
        let upstream = memory::Upstream {
            address: deps.config.upstream.clone(),
            timeout: deps.ping_timeout,
            view: deps.view.clone(),
            store: Arc::clone(&deps.store),
            remembered: Arc::clone(&self.shared.remembered),
        };
        tasks.spawn(memory::refresh(upstream, shutdown.clone()));
        tasks.spawn(report_players(Arc::clone(&self.shared), shutdown.clone()));
        tasks.spawn(tell_when_ready(Arc::clone(&self.shared), shutdown.clone()));
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors, typically: wait instead of spinning.
                    log::warn!("front door: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Over a limit: closed at once, without a word or a log line
            // (a flood must not become a log flood).
            let Some(slot) = self.shared.slots.take(peer.ip()) else {
                self.shared.deps.metrics.front_door_refused();
                continue;
            };
            let shared = Arc::clone(&self.shared);
            let stop = shutdown.clone();
            tasks.spawn(async move {
                connection::serve(stream, slot, shared, stop).await;
            });
        }
        tasks.close();
        tasks.wait().await;
        log::info!("front door: stopped");
    }
}

/// Tells the power driver and `/metrics` the number of players in the game
/// each time it changes, in order: the latest count always arrives last.
async fn report_players(shared: Arc<connection::Shared>, shutdown: CancellationToken) {
    let mut players = shared.players.subscribe();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = players.changed() => if changed.is_err() { return },
        }
        let count = *players.borrow_and_update();
        shared.deps.metrics.set_front_door_players(count);
        let event = Input::Event(Event::GamePlayers { count });
        if shared.deps.inputs.send(event).await.is_err() {
            return;
        }
    }
}

/// Sends the linked players who woke the server (or came while it
/// started) a DM when Minecraft answers, once each per boot: the running
/// states come only after Minecraft answered.
async fn tell_when_ready(shared: Arc<connection::Shared>, shutdown: CancellationToken) {
    let mut view = shared.deps.view.clone();
    loop {
        let running = matches!(
            view.borrow_and_update().state.kind(),
            StateKind::Operational | StateKind::ShutdownTimer
        );
        if running {
            let waiting = std::mem::take(
                &mut *shared
                    .waiting_members
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            );
            for member in waiting {
                let text = shared.deps.messages.render(Text::FrontDoorReady, &[]);
                let dm = Outgoing::DirectMessage { user: member, text };
                if shared.deps.outgoing.send(dm).await.is_err() {
                    return;
                }
                log::info!("front door: told member {member} the server is ready");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = view.changed() => if changed.is_err() { return },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_ids_are_stable_case_insensitive_and_never_discord_ids() {
        assert_eq!(game_user_id("Steve"), game_user_id("steve"));
        assert_ne!(game_user_id("Steve"), game_user_id("Alex"));
        assert!(game_user_id("Steve") > i64::MAX as u64);
    }

    #[test]
    fn a_wake_from_the_game_is_announced_as_woken_from_the_game() {
        let messages = Messages::default();
        let by = Requester {
            id: game_user_id("Steve"),
            name: messages.render(Text::GamePlayer, &[("player", "Steve")]),
        };
        let notice = crate::power::machine::Notice::StartupRequested { by: Some(by) };
        let text = messages.notice(&notice);
        assert!(text.contains("réveillé par Steve depuis le jeu"), "{text}");
        let member = Requester {
            id: 333,
            name: "alice".into(),
        };
        let notice = crate::power::machine::Notice::StartupRequested { by: Some(member) };
        assert!(messages.notice(&notice).contains("demandé par alice"));
    }
}
