//! The werewolf game's Discord server structure (GAME.md §2): the roles,
//! categories, channels and permission overwrites the bot creates, and the
//! repair of drift at start.
//!
//! - [`structure`]: the pure description (who reads and writes what), the
//!   per-player channel, boudoir overwrites and the death's role swap.
//! - [`diff`]: the guild as it is → the operations that make it right;
//!   pure and idempotent. Its header states which channels and roles count
//!   as the game's (the bot never touches the others).
//! - [`apply`]: the serenity shell.
//! - [`shell`]: the [`shell::GameShell`] owning the season — engine call,
//!   save, then the decisions performed on Discord and in the scheduler.
//! - [`router`] receives the players' and MJs' commands and buttons and
//!   hands each to `commands` (players) or `mj` (game masters); what all
//!   three share (the commands, a call, names matched, the answer) is
//!   `call`'s, below them.
//! - `tasks`: the MJs' programmed commands (`/planif`, `/delay`,
//!   `/taches`, `/cancel`); the router runs them when the scheduler says.
//!
//! # Using the structure
//! - At season start and after each registration:
//!   [`apply::ensure_structure`]`(http, guild, &players)` → [`StructureIds`]
//!   (role ids by [`GameRole`], categories by name, channels by
//!   [`ChannelKey`]: `Fixed("annonces")`, `Player(user_id)`). Store them;
//!   `changes` says how many repairs were made.
//! - A death: [`apply::swap_roles`] with [`structure::DEATH`].
//! - A boudoir: create a text channel under "BOUDOIRS" with
//!   [`structure::boudoir_overwrites`] (resolve [`structure::Who`] with
//!   [`diff::resolve`]).
//! - Privacy: every channel but `bienvenue` denies `@everyone` the view,
//!   so the digest (which captures only what `@everyone` reads) skips them.

pub mod apply;
mod call;
mod commands;
pub mod diff;
mod mj;
pub mod router;
pub mod shell;
pub mod structure;
mod tasks;

#[cfg(test)]
mod tests;

pub use apply::{ensure_structure, StructureError, StructureIds};
pub use structure::{ChannelKey, GameRole, PlayerRef};
