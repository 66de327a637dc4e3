//! What the operating system gives the appliance, and how it answers back:
//! secrets from systemd credentials or the environment ([`secret`]), the
//! `sd_notify` protocol ([`notify`]), the journal or stderr ([`logging`]),
//! and the last log lines kept in memory for the admin page ([`logring`]).

pub mod logging;
pub mod logring;
pub mod notify;
pub mod secret;
