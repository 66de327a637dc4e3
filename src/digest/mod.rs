//! The daily digest mailer: captures the guild's messages, summarises
//! them every day and emails the result.
//!
//! # Layout
//!
//! - Pure, from inputs to decisions: [`model`] (the messages and channels
//!   it works from), [`summary`] (a window's facts), [`render`] (mail and
//!   Discord post), [`report`] (`/report`), [`schedule`] (when a digest is
//!   due), [`channels`] (which channels are watched), [`access`] (who may
//!   read which channel, as Discord computes it) and [`listing`] (the
//!   CLI's text).
//! - Storage: [`archive`], the messages and digests in the store.
//! - At work: [`capture`] (stores what Discord's events say), [`service`]
//!   (builds and mails the digest, retries, answers the commands) and
//!   [`offline`] (the CLI while the service is stopped).

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
