//! What the command-line subcommands need beyond parsing their arguments
//! (which stays in `main.rs`): today, the client that asks the running
//! service when it holds the database.

pub mod service_client;
