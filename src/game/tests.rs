//! Pure tests of the engine, with explicit time (UTC, from a Monday).

mod actions;
mod boudoirs;
mod catalogue;
mod season;
mod summary;
mod support;
mod tally;
mod votes;
