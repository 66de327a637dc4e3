//! What the stand-in hands to tests: the messages, interaction responses and requests the bot
//! sent (in their current state, files included), the buttons on them, the gateway dispatches,
//! and the error a bounded wait returns.

use super::*;

/// A message the bot created through `POST /channels/{id}/messages`, in its current state.
#[derive(Clone, Debug)]
pub struct SentMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    /// Action rows as the bot sent them (`[]` when none).
    pub components: Value,
    /// Embeds as the bot sent them (`[]` when none).
    pub embeds: Value,
    pub flags: u64,
    /// The message this one replies to, if the bot set `message_reference`.
    pub reply_to: Option<u64>,
    /// Whether the bot (or an UPDATE_MESSAGE interaction response) changed it since.
    pub edited: bool,
    pub deleted: bool,
    /// Set when the channel is a DM channel: the user it belongs to.
    pub dm_user: Option<u64>,
    /// Files the message carries now: uploaded with it or with later edits, minus the ones an
    /// edit dropped.
    pub attachments: Vec<UploadedFile>,
}

/// A file the bot uploaded as a `multipart/form-data` part, kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// The attachment id the stand-in gave it (also in the message's `attachments` objects).
    pub id: u64,
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    /// The part's `Content-Type` (serenity guesses it from the file name).
    pub content_type: Option<String>,
    /// The `description` the bot gave it in `payload_json.attachments`, if any.
    pub description: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a user writes, for [`DiscordStandIn::send_message_with`].
///
/// ```ignore
/// let spec = MessageSpec::new("voir pièce jointe").reply_to(42).attachment("map.png", 2048);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageSpec {
    pub content: String,
    /// The message this one replies to (Discord's type 19 REPLY); any message of the channel.
    pub reply_to: Option<u64>,
    /// (file name, size in bytes) of each attached file; the bytes themselves are never served.
    pub attachments: Vec<(String, u64)>,
}

impl MessageSpec {
    /// A plain message with this content.
    pub fn new(content: &str) -> Self {
        Self {
            content: content.to_owned(),
            ..Self::default()
        }
    }

    /// Makes it a reply to `message_id`.
    pub fn reply_to(mut self, message_id: u64) -> Self {
        self.reply_to = Some(message_id);
        self
    }

    /// Attaches a file of `size` bytes named `filename`.
    pub fn attachment(mut self, filename: &str, size: u64) -> Self {
        self.attachments.push((filename.to_owned(), size));
        self
    }
}

/// A button found in a message's components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub custom_id: Option<String>,
    pub label: Option<String>,
    pub style: u64,
    pub disabled: bool,
}

impl SentMessage {
    /// Every button of every action row, in order.
    pub fn buttons(&self) -> Vec<Button> {
        let rows = self.components.as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|component| component["type"] == 2)
            .map(|button| Button {
                custom_id: button["custom_id"].as_str().map(str::to_owned),
                label: button["label"].as_str().map(str::to_owned),
                style: button["style"].as_u64().unwrap_or(0),
                disabled: button["disabled"].as_bool().unwrap_or(false),
            })
            .collect()
    }

    /// The custom ids of the buttons, for `press_button`.
    pub fn custom_ids(&self) -> Vec<String> {
        self.buttons()
            .into_iter()
            .filter_map(|b| b.custom_id)
            .collect()
    }

    /// (file name, bytes) of every file the message carries now.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        file_pairs(&self.attachments)
    }
}

/// What an interaction answer was: the callback or a later webhook call on its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// `POST /interactions/{id}/{token}/callback` with this response `type`
    /// (4 message, 5 deferred message, 6 deferred update, 7 update message, 9 modal).
    Callback(u64),
    EditOriginal,
    DeleteOriginal,
    Followup,
    EditFollowup(u64),
    DeleteFollowup(u64),
}

/// One answer the bot gave to an interaction.
#[derive(Clone, Debug)]
pub struct InteractionResponse {
    pub interaction_id: u64,
    pub token: String,
    pub kind: ResponseKind,
    /// The JSON body as sent (for multipart requests, the `payload_json` part).
    pub body: Value,
    /// The HTTP status the stand-in answered (e.g. 400 for a second callback).
    pub status: u16,
    /// Files uploaded with this call (multipart `files[n]` parts).
    pub files: Vec<UploadedFile>,
}

impl InteractionResponse {
    /// The message part: `data` of a callback, the whole body of a webhook call.
    pub fn message(&self) -> &Value {
        match self.kind {
            ResponseKind::Callback(_) => &self.body["data"],
            _ => &self.body,
        }
    }

    pub fn content(&self) -> Option<&str> {
        self.message()["content"].as_str()
    }

    pub fn is_ephemeral(&self) -> bool {
        self.message()["flags"].as_u64().unwrap_or(0) & EPHEMERAL_FLAG != 0
    }

    pub fn components(&self) -> &Value {
        &self.message()["components"]
    }

    pub fn callback_type(&self) -> Option<u64> {
        match self.kind {
            ResponseKind::Callback(kind) => Some(kind),
            _ => None,
        }
    }

    /// (file name, bytes) of every file uploaded with this call.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        file_pairs(&self.files)
    }
}

/// Identifies an injected interaction, to find the bot's answers to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionHandle {
    pub id: u64,
    pub token: String,
}

impl InteractionHandle {
    /// Whether `response` answers this interaction (callback or webhook call on its token).
    pub fn matches(&self, response: &InteractionResponse) -> bool {
        response.token == self.token
    }
}

/// One REST call the bot made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Full path, e.g. `/api/v10/channels/20/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The raw `Authorization` header (serenity sends `Bot <token>`).
    pub authorization: Option<String>,
    /// JSON body (`Null` when empty or not JSON; the `payload_json` part of multipart bodies).
    pub body: Value,
    /// 0 for a request held unanswered ([`DiscordStandIn::hold_next`]).
    pub status: u16,
    /// False when the route is not one the stand-in implements (answered 404).
    pub known_route: bool,
    /// Files of a multipart body (`files[n]` parts), with the attachment ids they were given.
    pub files: Vec<UploadedFile>,
}

/// Who a message the bot sent would ping, by Discord's rules for `allowed_mentions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pings {
    /// `@everyone` or `@here` would ping.
    pub everyone: bool,
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
    /// A reply would ping the author of the message it answers.
    pub replied_user: bool,
}

impl Pings {
    pub fn nobody(&self) -> bool {
        *self == Pings::default()
    }
}

impl RecordedRequest {
    /// The message this request posted, answered or edited as the bot (channel messages,
    /// interaction callbacks, follow-ups and edits), if it is such a request.
    pub fn message_payload(&self) -> Option<&Value> {
        let path = self.path.strip_prefix(API_PREFIX).unwrap_or(&self.path);
        let parts: Vec<&str> = path.split('/').collect();
        match (self.method.as_str(), parts.as_slice()) {
            ("POST", ["channels", _, "messages"])
            | ("PATCH", ["channels", _, "messages", _])
            | ("POST" | "PATCH", ["webhooks", ..]) => Some(&self.body),
            ("POST", ["interactions", _, _, "callback"]) => {
                Some(&self.body["data"]).filter(|d| d.is_object())
            }
            _ => None,
        }
    }

    /// Who the message of this request would ping: without `allowed_mentions`, Discord
    /// parses everything in `content` (and a reply pings its author); with it, only what it
    /// allows. `None` when the request carries no message.
    pub fn pings(&self) -> Option<Pings> {
        let message = self.message_payload()?;
        let content = message["content"].as_str().unwrap_or("");
        let (users, roles) = parse_mentions(content);
        let everyone = content.contains("@everyone") || content.contains("@here");
        let reply = message["message_reference"].is_object();
        let allowed = &message["allowed_mentions"];
        if !allowed.is_object() {
            return Some(Pings {
                everyone,
                users,
                roles,
                replied_user: reply,
            });
        }
        let parse = |kind: &str| {
            allowed["parse"]
                .as_array()
                .is_some_and(|p| p.iter().any(|v| v == kind))
        };
        let listed = |key: &str, id: &u64| {
            allowed[key]
                .as_array()
                .is_some_and(|l| l.iter().any(|v| id_field(v) == Some(*id)))
        };
        Some(Pings {
            everyone: everyone && parse("everyone"),
            users: users
                .into_iter()
                .filter(|u| parse("users") || listed("users", u))
                .collect(),
            roles: roles
                .into_iter()
                .filter(|r| parse("roles") || listed("roles", r))
                .collect(),
            replied_user: reply && allowed["replied_user"] == true,
        })
    }
}

/// One gateway dispatch the stand-in sent (or queued for a RESUME).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchRecord {
    pub session_id: String,
    pub seq: u64,
    pub event: String,
}

/// A wait ran out; says what was awaited, so a failing test explains itself.
#[derive(Debug)]
pub struct WaitTimeout {
    pub(crate) what: String,
    pub(crate) after: Duration,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "discord stand-in: timed out after {:?} waiting for {}",
            self.after, self.what
        )
    }
}

impl std::error::Error for WaitTimeout {}
