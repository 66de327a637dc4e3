//! CubeGuardian: a Discord appliance that wakes, watches and puts to sleep a
//! home Minecraft server running on Proxmox.
//!
//! # Layout
//!
//! - [`power`]: the power state machine ([`power::machine`], pure: events in,
//!   actions out) and the driver that performs its actions
//!   ([`power::driver`]), plus the probe that observes the real machine.
//! - Talking to the world, one module per peer: [`proxmox`] (HTTPS API),
//!   [`minecraft`] (Server List Ping), [`wol`] (magic packets), [`ssh`]
//!   (shutdown of non-Proxmox hosts), [`discord`] (gateway events, voice
//!   presence, announcements).
//! - [`front_door`]: the Minecraft address players connect to: answers
//!   the server list and wakes the host on an allowed login while it
//!   sleeps, relays to the real server while it runs.
//! - [`services`]: the actions both front doors (Discord, the admin page)
//!   perform, each owned once: the Minecraft restart, the power requests.
//! - The appliance around them: [`config`] (the TOML file, validated),
//!   [`secret`] (credentials), [`store`] (the embedded database),
//!   [`messages`] (player-facing texts), [`ratelimit`] (the anti-abuse
//!   limiter every command passes, pure), [`notify`] (systemd notifications),
//!   [`logging`] (journal or stderr) and [`app`], which wires everything
//!   together and owns the one shutdown path.
//!
//! The binary (`src/main.rs`) only parses the command line, loads the
//! configuration, sets up logging and calls [`app::run`].

pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod digest;
pub mod discord;
pub mod front_door;
pub mod guard;
pub mod intent;
pub mod logging;
pub mod messages;
pub mod notify;
pub mod outgoing;
pub mod peers;
pub mod power;
pub mod ratelimit;
pub mod reload;
pub mod secret;
pub mod services;
pub mod store;
pub mod time;
pub mod web;
