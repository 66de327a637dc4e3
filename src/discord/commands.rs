//! Player commands on Discord: slash commands (`/restart`, `/wake`,
//! `/status`, `/help`, and `/link`/`/unlink` with a front door), their `!`
//! prefix forms, and natural language
//! ("@CubeGuardian redémarre le serveur"), all routed to the same handlers
//! through [`Commands::dispatch`]. The restart's questions and answers are
//! [`super::restart`]'s; what the commands do is the services' (see
//! [`crate::services`]).
//!
//! Replies go back where the command came from: an interaction answer
//! (private when it concerns only the caller) for slash commands and
//! buttons, a reply in the channel (or a DM for private ones) for text.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateCommand, GuildId, Http, Member, Message, User,
    UserId,
};
use tokio::sync::watch;

use super::digest::{self, DigestCommand};
use super::invocation::{log_failure, reply, Invocation, Origin, WAKE_BUTTON_ID};
use super::link_command;
use super::presence::Authorization;
use super::ratelimit_command;
use super::restart::{self, RestartTalk};
use crate::digest::service::Digester;
use crate::front_door::links::LinkBook;
use crate::intent::{Addressee, Answer, Channel, Intent, Recognizer};
use crate::messages::commands::CommandLabel;
use crate::messages::{spoken, Messages, Text};
use crate::power::driver::PowerView;
use crate::power::machine::{GameObservation, Requester, State, StateKind};
use crate::ratelimit::guard::Guard;
use crate::ratelimit::{Decision, Notice, Reason};
use crate::services::power::{Power, PowerError};
use crate::services::restart::Restarter;
use crate::services::PlainWords;
use crate::time::Clock;

/// A player command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Restart,
    Wake,
    Status,
    Help,
    /// The admins' `/ratelimit` (slash only: it takes a member as option).
    Ratelimit,
    /// The digest's commands (only when `[digest]` is on).
    Digest(DigestCommand),
    /// Linking a Minecraft name (only with a front door).
    Link,
    Unlink,
}

impl Command {
    /// The players' commands, which also have `!` forms and plain words.
    pub const PLAYERS: [Command; 4] = [
        Command::Restart,
        Command::Wake,
        Command::Status,
        Command::Help,
    ];

    /// The slash command's name, also its `!` form and its rate-limit key.
    pub fn name(self) -> &'static str {
        match self {
            Command::Restart => "restart",
            Command::Wake => "wake",
            Command::Status => "status",
            Command::Help => "help",
            Command::Ratelimit => "ratelimit",
            Command::Digest(c) => c.name(),
            Command::Link => "link",
            Command::Unlink => "unlink",
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        Command::PLAYERS
            .into_iter()
            .chain([Command::Ratelimit, Command::Link, Command::Unlink])
            .find(|c| c.name() == name)
            .or_else(|| DigestCommand::from_name(name).map(Command::Digest))
    }

    fn from_intent(intent: Intent) -> Option<Command> {
        match intent {
            Intent::Restart => Some(Command::Restart),
            Intent::Wake => Some(Command::Wake),
            Intent::Status => Some(Command::Status),
            Intent::Help => Some(Command::Help),
            Intent::None => None,
        }
    }

    /// `!restart` and friends: the prefix forms players know from the old
    /// bots (`!resume`, `!excludethis`… for the digest's).
    fn from_prefix(text: &str) -> Option<Command> {
        let word = text.trim().strip_prefix('!')?.split_whitespace().next()?;
        let word = word.to_ascii_lowercase();
        Command::PLAYERS
            .into_iter()
            .chain([Command::Link, Command::Unlink])
            .find(|c| c.name() == word)
            .or_else(|| DigestCommand::from_prefix(&word).map(Command::Digest))
    }

    fn description(self, messages: &Messages) -> &'static str {
        let label = match self {
            Command::Restart => CommandLabel::Restart,
            Command::Wake => CommandLabel::Wake,
            Command::Status => CommandLabel::Status,
            Command::Help => CommandLabel::Help,
            Command::Ratelimit => CommandLabel::Ratelimit,
            Command::Link => CommandLabel::Link,
            Command::Unlink => CommandLabel::Unlink,
            // The digest's commands describe themselves.
            Command::Digest(_) => return "",
        };
        label.get(messages.language())
    }
}

/// What [`Commands`] needs from the rest of the appliance.
pub struct CommandDeps {
    pub guild_id: u64,
    pub auth: Authorization,
    pub messages: Messages,
    pub bot_name: Option<String>,
    pub power: Power,
    pub view: watch::Receiver<PowerView>,
    pub restarter: Arc<Restarter>,
    /// How long a requester has to confirm a restart.
    pub confirm_within: Duration,
    /// Whether plain-word requests are acted on (the admin page's switch).
    pub plain_words: Arc<PlainWords>,
    /// The rate limiter every command passes.
    pub guard: Arc<Guard>,
    /// The appliance's one clock.
    pub clock: Clock,
    /// The digest, when `[digest]` is on.
    pub digest: Option<Arc<Digester>>,
    /// The front door's links, when it is on (`/link`, `/unlink`).
    pub links: Option<Arc<LinkBook>>,
    /// The werewolf game's commands, when `[game]` is on.
    pub game: Option<Arc<super::game::router::GameRouter>>,
}

pub struct Commands {
    deps: CommandDeps,
    recognizer: Recognizer,
    /// The bot's own id and the name players call it by, learnt at READY.
    bot: OnceLock<(u64, String)>,
    /// The restart's questions and their pending answers.
    talk: RestartTalk,
    clock: Clock,
}

impl Commands {
    pub fn new(deps: CommandDeps) -> Self {
        let clock = deps.clock;
        let talk = RestartTalk::new(
            Arc::clone(&deps.restarter),
            deps.messages.clone(),
            deps.confirm_within,
        );
        Commands {
            deps,
            recognizer: Recognizer::new(),
            bot: OnceLock::new(),
            talk,
            clock,
        }
    }

    /// Learns the bot's identity and registers the slash commands in the
    /// guild (at every READY: registering is idempotent).
    pub async fn on_ready(&self, http: &Http, bot_id: u64, bot_user_name: &str) {
        let name = self
            .deps
            .bot_name
            .clone()
            .unwrap_or_else(|| bot_user_name.to_owned());
        let _ = self.bot.set((bot_id, name));
        let mut commands: Vec<CreateCommand> = Command::PLAYERS
            .into_iter()
            .map(|c| CreateCommand::new(c.name()).description(c.description(&self.deps.messages)))
            .collect();
        commands.push(ratelimit_command::definition(
            Command::Ratelimit.description(&self.deps.messages),
            self.deps.messages.language(),
        ));
        if self.deps.digest.is_some() {
            commands
                .extend(DigestCommand::ALL.map(|c| c.definition(self.deps.messages.language())));
        }
        if self.deps.links.is_some() {
            let language = self.deps.messages.language();
            commands.push(link_command::definition(
                Command::Link.description(&self.deps.messages),
                language,
            ));
            commands.push(
                CreateCommand::new(Command::Unlink.name())
                    .description(Command::Unlink.description(&self.deps.messages)),
            );
        }
        // `set_commands` replaces a guild's whole list: the game's join
        // the others when it plays in the same guild.
        if let Some(game) = &self.deps.game {
            let guild = game.shell.settings.guild;
            if guild == self.deps.guild_id {
                commands.extend(game.definitions());
            } else {
                match GuildId::new(guild)
                    .set_commands(http, game.definitions())
                    .await
                {
                    Ok(r) => log::info!("game: {} slash commands registered", r.len()),
                    Err(e) => log::error!("game: cannot register the slash commands: {e}"),
                }
            }
        }
        match GuildId::new(self.deps.guild_id)
            .set_commands(http, commands)
            .await
        {
            Ok(registered) => log::info!("discord: {} slash commands registered", registered.len()),
            Err(e) => log::error!("discord: cannot register the slash commands: {e}"),
        }
    }

    /// The game's router, when `[game]` is on.
    pub fn game(&self) -> Option<&Arc<super::game::router::GameRouter>> {
        self.deps.game.as_ref()
    }

    pub async fn on_slash(&self, http: &Http, interaction: CommandInteraction) {
        if let Some(game) = &self.deps.game {
            let ours = Command::from_name(&interaction.data.name).is_some()
                && interaction.guild_id.map(|g| g.get()) == Some(self.deps.guild_id);
            if !ours {
                game.on_slash(http, interaction).await;
                return;
            }
        }
        let Some(command) = Command::from_name(&interaction.data.name) else {
            log::warn!("discord: unknown slash command /{}", interaction.data.name);
            return;
        };
        let (user, roles) = invoker(&interaction.user, interaction.member.as_deref());
        let invocation = Invocation {
            user,
            roles,
            origin: Origin::Slash(Box::new(interaction)),
        };
        self.dispatch(http, command, invocation).await;
    }

    /// A message in a guild channel or a DM: maybe the answer to a pending
    /// confirmation, maybe a `!` command, maybe a request in plain words.
    pub async fn on_message(&self, http: &Http, message: Message) {
        if message.author.bot {
            return;
        }
        if let Some(game) = &self.deps.game {
            if game.on_text(http, &message).await {
                return;
            }
        }
        let dm = message.guild_id.is_none();
        if !dm && message.guild_id.map(|g| g.get()) != Some(self.deps.guild_id) {
            return;
        }
        let bot = self.bot.get().map(|(bot_id, bot_name)| Addressee {
            bot_id: *bot_id,
            bot_name,
        });
        // A reply to the bot's own question ("ok fais-le", "<@bot> oui") settles
        // it, and is no new request.
        if let Some(bot) = &bot {
            let read = || {
                self.recognizer
                    .answer(&message.content, bot)
                    .map(|answer| answer == Answer::Yes)
            };
            if self.talk.answer_from_text(&message, read) {
                return;
            }
        }
        // A restart in plain words the recogniser is unsure of is asked
        // about first.
        let mut ask_first = false;
        let command = match Command::from_prefix(&message.content) {
            Some(command) => Some(command),
            None => {
                let Some(bot) = &bot else {
                    return;
                };
                if !self.deps.plain_words.is_on() {
                    return;
                }
                let parsed = self.recognizer.parse(
                    &message.content,
                    if dm { Channel::Dm } else { Channel::Guild },
                    bot,
                );
                log::debug!(
                    "intent: {:?} ({:.2}, addressed: {}) for message {}",
                    parsed.intent,
                    parsed.confidence,
                    parsed.addressed,
                    message.id
                );
                ask_first = parsed.asks_first();
                Command::from_intent(parsed.intent)
            }
        };
        let Some(command) = command else { return };
        if matches!(command, Command::Digest(_)) && (dm || self.deps.digest.is_none()) {
            // The guild's digest is a guild matter; without `[digest]` the
            // `!` forms are someone else's bot's.
            return;
        }
        if matches!(command, Command::Link | Command::Unlink) && self.deps.links.is_none() {
            // No front door: `!link` is someone else's bot's.
            return;
        }
        // A DM carries no roles. They are looked up (one REST call) only
        // when they decide something: a command that needs an authorized
        // player, from someone not authorized by id; and only once the
        // rate limiter let the command through, so that a flood of DMs is
        // not a flood of calls to Discord.
        let needs_roles = message.member.is_none()
            && matches!(command, Command::Wake | Command::Restart | Command::Link)
            && !self.deps.auth.allows(message.author.id.get(), &[]);
        let roles = match &message.member {
            Some(member) => member.roles.iter().map(|r| r.get()).collect(),
            None => Vec::new(),
        };
        let name = message
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .unwrap_or_else(|| message.author.display_name().to_owned());
        let mut invocation = Invocation {
            user: Requester {
                id: message.author.id.get(),
                name,
            },
            roles,
            origin: Origin::Text {
                channel: message.channel_id,
                message: message.id,
                dm,
                rest: message
                    .content
                    .trim()
                    .split_once(char::is_whitespace)
                    .map(|(_, rest)| rest.to_owned())
                    .unwrap_or_default(),
            },
        };
        if !self.admit(http, command, &invocation).await {
            return;
        }
        if needs_roles {
            invocation.roles = self.roles_of(http, message.author.id).await;
        }
        if ask_first {
            self.restart(http, invocation, true).await;
        } else {
            self.run(http, command, invocation).await;
        }
    }

    /// A press on one of this module's buttons. Returns false if the button
    /// is not ours.
    pub async fn on_button(&self, http: &Http, press: ComponentInteraction) -> bool {
        let id = press.data.custom_id.clone();
        if let Some((request, yes)) = restart::button_answer(&id) {
            if self.pass_guard_for_button(http, &press, "confirm").await {
                self.talk
                    .answer_from_button(http, &press, request, yes)
                    .await;
            }
        } else if id == WAKE_BUTTON_ID {
            self.dispatch(http, Command::Wake, button_invocation(press))
                .await;
        } else if let Some(game) = self.deps.game.as_ref().filter(|_| id.starts_with("game:")) {
            return game.on_button(http, press).await;
        } else {
            return false;
        }
        true
    }

    /// The one entry point of every command, whatever its form: the rate
    /// limiter first, then the command.
    pub async fn dispatch(&self, http: &Http, command: Command, inv: Invocation) {
        if self.admit(http, command, &inv).await {
            self.run(http, command, inv).await;
        }
    }

    /// Logs `command` and passes it through the rate limiter: true if it
    /// may run (a refusal is answered here).
    async fn admit(&self, http: &Http, command: Command, inv: &Invocation) -> bool {
        log::info!(
            "command {} from {} ({})",
            command.name(),
            inv.user.name,
            inv.user.id
        );
        self.pass_guard(http, inv, command.name()).await
    }

    /// Runs a command the rate limiter let through.
    async fn run(&self, http: &Http, command: Command, inv: Invocation) {
        match command {
            Command::Help => self.help(http, &inv).await,
            Command::Status => self.status(http, &inv).await,
            Command::Wake => self.wake(http, &inv).await,
            Command::Restart => self.restart(http, inv, false).await,
            Command::Ratelimit => self.ratelimit(http, &inv).await,
            Command::Link | Command::Unlink => match &self.deps.links {
                // Only a member who may wake the server has a use for a
                // link; anyone else could only block names with one.
                Some(_) if command == Command::Link && !self.allowed(&inv) => {
                    let text = self.text(Text::PermissionDenied, &[]);
                    log_failure(reply(http, &inv, &text, true, Vec::new()).await);
                }
                Some(links) if command == Command::Link => {
                    link_command::link(http, &inv, links, &self.deps.messages).await
                }
                Some(links) => link_command::unlink(http, &inv, links, &self.deps.messages).await,
                None => log::debug!("/{} without a front door", command.name()),
            },
            Command::Digest(command) => match &self.deps.digest {
                Some(digester) => {
                    digest::run(
                        http,
                        &inv,
                        command,
                        digester,
                        &self.deps.guard,
                        &self.deps.messages,
                    )
                    .await
                }
                None => log::debug!("digest command /{} without [digest]", command.name()),
            },
        }
    }

    /// Checks `action` by the invoker against the rate limiter. A refusal is
    /// told privately: always for interactions (Discord wants an answer, and
    /// ephemeral ones flood nobody), once per streak in the DM for text
    /// commands (whatever was answered ephemerally). A refused restart is
    /// told the restart cooldown or daily cap instead when that is the
    /// longer wait.
    async fn pass_guard(&self, http: &Http, inv: &Invocation, action: &str) -> bool {
        let interactive = !matches!(inv.origin, Origin::Text { .. });
        let notice = if interactive {
            Notice::EveryTime
        } else {
            Notice::OncePerStreak
        };
        let (reason, retry_after, notify) =
            match self
                .deps
                .guard
                .check(inv.user.id, &inv.roles, action, notice)
            {
                Decision::Allowed { .. } => return true,
                Decision::Refused {
                    reason,
                    retry_after,
                    notify,
                } => (reason, retry_after, notify),
            };
        log::info!(
            "ratelimit: {action} refused to {} ({}): {reason:?}, retry in {} s",
            inv.user.name,
            inv.user.id,
            retry_after.as_secs()
        );
        if notify {
            let policy = (action == Command::Restart.name())
                .then(|| self.talk.longer_wait(inv.user.id, retry_after))
                .flatten();
            let wait = spoken(retry_after.max(Duration::from_secs(1)));
            let text = match (policy, reason) {
                (Some(text), _) => text,
                (None, Reason::Banned { .. }) => self.text(Text::Banned, &[("wait", &wait)]),
                (None, _) => self.text(Text::RateLimited, &[("wait", &wait)]),
            };
            log_failure(reply(http, inv, &text, true, Vec::new()).await);
        }
        false
    }

    /// The rate-limit check for a press on a button owned elsewhere (the
    /// shutdown's Cancel): answers the refusal itself; true if it passes.
    pub async fn pass_guard_for_button(
        &self,
        http: &Http,
        press: &ComponentInteraction,
        action: &str,
    ) -> bool {
        let inv = button_invocation(press.clone());
        self.pass_guard(http, &inv, action).await
    }

    fn text(&self, text: Text, args: &[(&str, &str)]) -> String {
        self.deps.messages.render(text, args)
    }

    async fn roles_of(&self, http: &Http, user: UserId) -> Vec<u64> {
        match GuildId::new(self.deps.guild_id).member(http, user).await {
            Ok(member) => member.roles.iter().map(|r| r.get()).collect(),
            Err(e) => {
                log::debug!("discord: cannot look up member {user}: {e}");
                Vec::new()
            }
        }
    }

    fn allowed(&self, inv: &Invocation) -> bool {
        self.deps.auth.allows(inv.user.id, &inv.roles)
    }

    async fn help(&self, http: &Http, inv: &Invocation) {
        let bot = self
            .bot
            .get()
            .map(|(_, n)| n.as_str())
            .unwrap_or("CubeGuardian");
        let text = if self.allowed(inv) {
            let mut text = self.text(Text::HelpPlayer, &[("bot", bot)]);
            // Only where `/link` exists: with the front door on.
            if self.deps.links.is_some() {
                text.push('\n');
                text.push_str(&self.text(Text::HelpFrontDoor, &[]));
            }
            text
        } else {
            self.text(Text::HelpVisitor, &[("bot", bot)])
        };
        log_failure(reply(http, inv, &text, true, Vec::new()).await);
    }

    async fn status(&self, http: &Http, inv: &Invocation) {
        let text = self.status_text(&self.deps.view.borrow().clone());
        log_failure(reply(http, inv, &text, true, Vec::new()).await);
    }

    fn status_text(&self, view: &PowerView) -> String {
        let now = self.clock.now();
        let state = self.text(Text::state(view.state.kind()), &[]);
        let since = spoken(view.since.until(now).max(Duration::from_secs(1)));
        let game = match view.last_observation.as_ref().map(|o| &o.game) {
            Some(GameObservation::Online {
                players,
                max,
                version,
            }) => self.text(
                Text::StatusGameOnline,
                &[
                    ("version", version),
                    ("players", &players.to_string()),
                    ("max", &max.to_string()),
                ],
            ),
            _ => self.text(Text::StatusGameOffline, &[]),
        };
        let voice = view
            .presence
            .map_or_else(|| "?".to_owned(), |n| n.to_string());
        let timer = match &view.state {
            State::ShutdownTimer { deadline, .. } => self.text(
                Text::StatusTimer,
                &[("delay", &spoken(now.until(*deadline)))],
            ),
            _ => String::new(),
        };
        // Only with a front door that relays someone: no line otherwise.
        let timer = match view.game_players {
            0 => timer,
            n => {
                let players = self.text(Text::StatusGamePlayers, &[("players", &n.to_string())]);
                players + &timer
            }
        };
        self.text(
            Text::StatusReport,
            &[
                ("state", &state),
                ("since", &since),
                ("game", &game),
                ("voice", &voice),
                ("timer", &timer),
            ],
        )
    }

    async fn wake(&self, http: &Http, inv: &Invocation) {
        if !self.allowed(inv) {
            let text = self.text(Text::PermissionDenied, &[]);
            return log_failure(reply(http, inv, &text, true, Vec::new()).await);
        }
        let refused = match self.deps.power.wake(inv.user.clone()).await {
            Ok(()) => None,
            Err(PowerError::Refused { state }) => Some(state),
            Err(e) => {
                log::error!("wake: {e}");
                return;
            }
        };
        let text = match refused {
            None => self.text(Text::WakeStarted, &[]),
            Some(StateKind::StartupRequested | StateKind::StartupMonitoring) => {
                self.text(Text::WakeAlreadyStarting, &[])
            }
            Some(StateKind::Operational | StateKind::ShutdownTimer) => {
                self.text(Text::WakeAlreadyOn, &[])
            }
            Some(other) => {
                let state = self.text(Text::state(other), &[]);
                self.text(Text::NotAvailable, &[("state", &state)])
            }
        };
        log_failure(reply(http, inv, &text, true, Vec::new()).await);
    }

    async fn ratelimit(&self, http: &Http, inv: &Invocation) {
        ratelimit_command::run(http, inv, &self.deps.guard, &self.deps.messages).await;
    }

    /// A restart, for authorized players only; `ask_first` when the
    /// recogniser was unsure it is one.
    async fn restart(&self, http: &Http, inv: Invocation, ask_first: bool) {
        if !self.allowed(&inv) {
            let text = self.text(Text::PermissionDenied, &[]);
            return log_failure(reply(http, &inv, &text, true, Vec::new()).await);
        }
        if ask_first {
            self.talk.ask_first(http, inv).await;
        } else {
            self.talk.restart(http, inv).await;
        }
    }
}

/// The invocation behind a button press.
fn button_invocation(press: ComponentInteraction) -> Invocation {
    let (user, roles) = invoker(&press.user, press.member.as_ref());
    Invocation {
        user,
        roles,
        origin: Origin::Button(Box::new(press)),
    }
}

/// Who is behind an interaction: their server name and roles when it
/// happened in the guild, their user name alone in a DM.
fn invoker(user: &User, member: Option<&Member>) -> (Requester, Vec<u64>) {
    let requester = Requester {
        id: user.id.get(),
        name: member
            .map_or_else(|| user.display_name(), |m| m.display_name())
            .to_owned(),
    };
    let roles = member
        .map(|m| m.roles.iter().map(|r| r.get()).collect())
        .unwrap_or_default();
    (requester, roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_forms_map_to_commands() {
        assert_eq!(Command::from_prefix("!restart"), Some(Command::Restart));
        assert_eq!(
            Command::from_prefix("  !STATUS please"),
            Some(Command::Status)
        );
        assert_eq!(Command::from_prefix("!unknown"), None);
        assert_eq!(Command::from_prefix("restart"), None);
    }
}
