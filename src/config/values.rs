//! Values as the configuration file writes them, each checked where it is
//! read so that a bad one is reported at its own line: Discord ids and
//! channels, durations, URLs, the token id and certificate fingerprints.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A Discord snowflake id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Snowflake(pub u64);

/// A channel named by id or by name (as shown in Discord, without `#`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelRef {
    Id(u64),
    Name(String),
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelRef::Id(id) => write!(f, "{id}"),
            ChannelRef::Name(name) => write!(f, "#{name}"),
        }
    }
}

impl ChannelRef {
    /// Whether a channel with this id and name is the one meant.
    pub fn matches(&self, id: u64, name: &str) -> bool {
        match self {
            ChannelRef::Id(want) => *want == id,
            ChannelRef::Name(want) => want.trim_start_matches('#') == name,
        }
    }
}

// ---- value parsers: each refuses a bad value where it is read ----

/// Any `FromStr` value written as a string.
pub(super) fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map_err(|e: T::Err| {
        let e = e.to_string();
        if e.contains(s.as_str()) {
            de::Error::custom(e)
        } else {
            de::Error::custom(format!("`{s}`: {e}"))
        }
    })
}

/// `"10m"`, `"30s"`, `"1h 30m"`.
pub(super) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(|e| {
        de::Error::custom(format!(
            "`{s}` is not a duration like \"30s\" or \"10m\": {e}"
        ))
    })
}

pub(super) fn http_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let url = reqwest::Url::parse(&s)
        .map_err(|e| de::Error::custom(format!("`{s}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(de::Error::custom(format!(
            "`{s}` must be an http:// or https:// URL"
        )));
    }
    Ok(s.trim_end_matches('/').to_owned())
}

pub(super) fn ws_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let url = reqwest::Url::parse(&s)
        .map_err(|e| de::Error::custom(format!("`{s}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "ws" | "wss") || url.host_str().is_none() {
        return Err(de::Error::custom(format!(
            "`{s}` must be a ws:// or wss:// URL"
        )));
    }
    Ok(Some(s))
}

pub(super) fn token_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if let Some((id, _secret)) = s.split_once('=') {
        // Never echo what follows '=': it is the token's secret.
        return Err(de::Error::custom(format!(
            "`{id}=…` contains the token's secret after `=`: keep only `{id}` here and put the \
             secret in the proxmox_token_secret credential"
        )));
    }
    match s.split_once('!') {
        Some((user, token)) if user.contains('@') && !token.is_empty() => Ok(s),
        _ => Err(de::Error::custom(format!(
            "`{s}` is not a Proxmox API token id like \"cubeguardian@pve!bot\" (USER@REALM!TOKENID; \
             the secret itself goes in the proxmox_token_secret credential)"
        ))),
    }
}

pub(super) fn fingerprint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
    let s = String::deserialize(d)?;
    crate::peers::proxmox::parse_fingerprint(&s)
        .map(Some)
        .map_err(|e| de::Error::custom(e.to_string()))
}

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdOrName::deserialize(d)? {
            IdOrName::Id(id) if id > 0 => Ok(Snowflake(id as u64)),
            IdOrName::Name(s) => match s.trim().parse::<u64>() {
                Ok(id) if id > 0 => Ok(Snowflake(id)),
                _ => Err(de::Error::custom(format!(
                    "`{s}` is not a Discord id (a positive number)"
                ))),
            },
            IdOrName::Id(id) => Err(de::Error::custom(format!(
                "{id} is not a Discord id (a positive number)"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for ChannelRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdOrName::deserialize(d)? {
            IdOrName::Id(id) if id > 0 => Ok(ChannelRef::Id(id as u64)),
            IdOrName::Id(id) => Err(de::Error::custom(format!("{id} is not a channel id"))),
            IdOrName::Name(s) => match s.trim().parse::<u64>() {
                Ok(id) if id > 0 => Ok(ChannelRef::Id(id)),
                _ if s.trim().trim_start_matches('#').is_empty() => {
                    Err(de::Error::custom("a channel name cannot be empty"))
                }
                _ => Ok(ChannelRef::Name(
                    s.trim().trim_start_matches('#').to_owned(),
                )),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a number (an id) or a string")]
pub(super) enum IdOrName {
    Id(i64),
    Name(String),
}
