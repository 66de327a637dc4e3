//! Power control of the game server: the pure state machine, the probe that
//! observes the real machine, the record that survives restarts, and the
//! driver that ties them to the world.

pub mod driver;
pub mod machine;
pub mod probe;
pub mod record;
