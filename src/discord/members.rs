//! The front door's question to Discord: may this linked member wake the
//! server? Answered like a voice join ([`Authorization`]): by user id at
//! once, else by the member's roles, fetched from Discord (members are not
//! cached: the bot keeps only the voice channel's occupants).
//!
//! It uses the gateway session's HTTP client, handed over by
//! [`super::run`] once it is built ([`GuildMembers::connect`]): before
//! that, only members authorized by id are known.

use std::sync::{Arc, OnceLock};

use serenity::all::{GuildId, UserId};
use serenity::http::Http;

use super::presence::Authorization;
use crate::front_door::links::Members;

/// The members of the configured guild, as the front door asks about them.
pub struct GuildMembers {
    guild_id: u64,
    auth: Authorization,
    http: OnceLock<Arc<Http>>,
}

impl GuildMembers {
    /// `auth` is the reloadable list the commands and voice use.
    pub fn new(guild_id: u64, auth: Authorization) -> GuildMembers {
        GuildMembers {
            guild_id,
            auth,
            http: OnceLock::new(),
        }
    }

    /// Gives it the client to fetch members with (once; later calls keep
    /// the first, which every session shares).
    pub(super) fn connect(&self, http: Arc<Http>) {
        let _ = self.http.set(http);
    }
}

#[async_trait::async_trait]
impl Members for GuildMembers {
    async fn authorized(&self, member: u64) -> Option<bool> {
        if self.auth.allows(member, &[]) {
            return Some(true);
        }
        let http = self.http.get()?;
        if member == 0 || self.guild_id == 0 {
            return Some(false);
        }
        // Bounded by the client's REQUEST_TIMEOUT, and by the caller's
        // shorter deadline.
        match GuildId::new(self.guild_id)
            .member(http.as_ref(), UserId::new(member))
            .await
        {
            Ok(found) => {
                let roles: Vec<u64> = found.roles.iter().map(|r| r.get()).collect();
                Some(self.auth.allows(member, &roles))
            }
            // Not (or no longer) in the guild.
            Err(serenity::Error::Http(e)) if e.status_code().map(|s| s.as_u16()) == Some(404) => {
                Some(false)
            }
            Err(e) => {
                log::warn!("discord: cannot look up member {member}: {e}");
                None
            }
        }
    }
}
