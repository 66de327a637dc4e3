//! What the digest works from: the captured messages and the channels they
//! were posted in. Shared by the archive (which stores them), the
//! summariser and the renderers (which only read them).

use serde::{Deserialize, Serialize};

use crate::messages::Language;
use crate::time::Timestamp;

/// One guild message as the archive keeps it: enough to summarise it and
/// to link back to it, nothing more (no embeds, no member objects).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedMessage {
    /// Discord's snowflake: unique, and ordered by posting time.
    pub id: u64,
    pub channel_id: u64,
    pub author_id: u64,
    /// The author's display name in the guild when the message was posted.
    pub author_name: String,
    /// When Discord says it was posted, in Unix milliseconds.
    pub posted_ms: i64,
    /// Whether it was edited since (the content is the latest version).
    pub edited: bool,
    pub content: String,
    pub attachments: Vec<Attachment>,
    /// The message this one replies to, if any.
    pub reply_to: Option<u64>,
    /// Total reactions of every emoji.
    pub reactions: u32,
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub url: String,
}

/// A watched text channel, as the digest shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub id: u64,
    pub name: String,
    /// Important channels come first and in full.
    pub important: bool,
}

/// Everything one digest is built from.
#[derive(Clone, Copy, Debug)]
pub struct DigestRequest<'a> {
    pub guild_id: u64,
    pub guild_name: &'a str,
    /// The watched channels (excluded ones are not here), in the guild's
    /// order. A message whose channel is not listed is left out.
    pub channels: &'a [Channel],
    /// The window's messages, by ascending id (posting order).
    pub messages: &'a [CapturedMessage],
    /// The window: messages posted from `from` (inclusive) to `to`
    /// (exclusive).
    pub from: Timestamp,
    pub to: Timestamp,
    /// The zone the dates and times are shown in.
    pub zone: &'a jiff::tz::TimeZone,
    pub language: Language,
    /// An abstractive summary to show above the extractive part, if one was
    /// obtained.
    pub preamble: Option<&'a str>,
}

/// The link Discord opens at `message_id`.
pub fn jump_link(guild_id: u64, channel_id: u64, message_id: u64) -> String {
    format!("https://discord.com/channels/{guild_id}/{channel_id}/{message_id}")
}
