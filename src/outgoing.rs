//! What a service asks the front door to tell people: an announcement in
//! the announce channel, an alert to the admin, or a DM to a member.
//!
//! It lives apart from [`crate::discord`], which delivers it, so that the
//! services that produce it (the power driver, the digest, the restart) do
//! not depend on the Discord side that depends on them.

/// One message for Discord to post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// A message in the announce channel, with the Cancel button if asked.
    Announce { text: String, cancel_button: bool },
    /// A direct message to the admin.
    AlertAdmin { text: String },
    /// A direct message to one member (a linked player: the server they
    /// woke from the game is ready).
    DirectMessage { user: u64, text: String },
}
