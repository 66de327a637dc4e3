//! CubeGuardian: a Discord appliance that wakes, watches and puts to sleep a
//! home Minecraft server running on Proxmox.
//!
//! # Layout
//!
//! From the bottom up; a module imports only from its own layer and the
//! layers below it (no import circle).
//!
//! **Vocabulary**, shared by everything:
//! - [`time`]: the one moment type ([`time::Timestamp`]), the one clock
//!   ([`time::Clock`], built once in [`app`]) and the time zone.
//! - [`outgoing`]: what a service asks Discord to post.
//! - [`metrics`]: the Prometheus registry the services count into.
//! - [`snowflake`]: maps keyed by Discord ids, with a hasher made for them.
//!
//! **Pure cores**: decisions from inputs (time included), no I/O, tested
//! exhaustively.
//! - [`intent`]: commands in plain French and English words.
//! - [`ratelimit`]: the limiter every command passes; its shell
//!   ([`ratelimit::guard`]) keeps its state in the store.
//! - [`power::machine`]: the power state machine: events in, actions out.
//! - [`digest`]'s summary, report and renderers.
//! - [`game`]: the werewolf game's engine (votes, tally, actions,
//!   boudoirs) and its catalogue of camps, roles and powers.
//!
//! **Texts**: [`messages`], every text a player or an admin reads, French
//! and English, overridable from the configuration; it words the cores'
//! notices, so it sits just above them.
//!
//! **Peers**, one module per outside system: [`peers`] (the Proxmox API,
//! the Minecraft protocol, SMTP, Wake-on-LAN, SSH, `host:port` addresses).
//!
//! **Plumbing**: [`config`] (the TOML file, validated), [`store`] (the
//! embedded database), [`schedule`] (the one persistent scheduler, over
//! the store), [`system`] (credentials, `sd_notify`, logging).
//!
//! **Services**, each owning an action's policy and effects:
//! [`power::driver`] (performs the machine's actions, with
//! [`power::probe`] watching the real host), [`services`] (the Minecraft
//! restart, the power requests, the plain-words switch), and the digest's
//! [`digest::capture`] and [`digest::service`].
//!
//! **Front doors**, thin callers of the services: [`discord`] (the gateway
//! session, voice presence, commands, announcements, and the werewolf
//! game's shell over its engine in [`discord::game`]), [`web`] (`/health`,
//! `/metrics`, the admin page) and [`front_door`] (the Minecraft address
//! players connect to: answers the server list and wakes the host on an
//! allowed login while it sleeps, relays to the real server while it runs).
//! Between front doors, one direction only: [`discord`] uses
//! [`front_door::links`] (`/link` writes the links the front door reads,
//! and answers its [`front_door::links::Members`] question); the front
//! door never imports [`discord`].
//!
//! **Wiring**: [`app`] builds every part once (the game's in `app::game`),
//! owns the one shutdown path and the reload, and implements the admin page's backend
//! ([`app::admin_page`]); [`cli`] holds the subcommands besides `run`. The
//! binary (`src/main.rs`) parses the command line and calls them.

pub mod app;
pub mod cli;
pub mod config;
pub mod digest;
pub mod discord;
pub mod front_door;
pub mod game;
/// The plain-words recogniser, a crate of its own (`crates/intent`) kept at
/// its old path.
pub use cubeguardian_intent as intent;
pub mod messages;
pub mod metrics;
pub mod outgoing;
pub mod peers;
pub mod power;
pub mod ratelimit;
pub mod schedule;
pub mod services;
pub mod snowflake;
pub mod store;
pub mod system;
pub mod time;
pub mod web;
