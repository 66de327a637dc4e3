//! The daily digest mailer: captures the guild's messages, summarises
//! them every day and emails the result.

pub mod access;
pub mod archive;
pub mod capture;
pub mod channels;
pub mod listing;
pub mod model;
pub mod offline;
pub mod render;
pub mod report;
pub mod schedule;
pub mod service;
pub mod summary;
