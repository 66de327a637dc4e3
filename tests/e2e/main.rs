//! Every integration test, in one test binary: one module per suite.
//!
//! Why one binary: each suite needs the stand-ins of `tests/support`
//! (thousands of lines); as separate binaries each compiled and linked its
//! own copy. Here they are compiled and linked once.
//!
//! The modules' tests share one process and run in parallel threads, so no
//! test may change what is process-wide (environment variables, current
//! directory, umask, signal handlers). The one global the suites set is
//! `discord_standin`'s tracing subscriber, which records serenity's events
//! only; no other suite runs serenity in this process (the end-to-end suites
//! run the real binary as a child), so it sees no one else's events.

#[path = "../support/mod.rs"]
mod support;

mod browser_e2e;
mod commands_e2e;
mod deploy_script;
mod digest_e2e;
mod discord_standin;
mod front_door_e2e;
mod front_door_links_e2e;
mod front_door_online_e2e;
mod game_guild_e2e;
mod game_season_e2e;
mod game_structure_e2e;
mod game_tasks_e2e;
mod minecraft_ping;
mod peer_bot_script;
mod power_e2e;
mod proxmox_client;
mod ratelimit_e2e;
mod reconnect_e2e;
mod reload_e2e;
mod smtp_mail;
mod ssh_shutdown;
mod storage_e2e;
mod systemd_unit;
mod wake_on_lan;
mod web_e2e;
mod web_layer;
mod woodpecker_schema;
