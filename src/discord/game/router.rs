//! The game's commands ([`GameCommand`]): slash commands in the game's
//! guild and their `!` forms, and the buttons the game posts (custom ids
//! starting with `game:`). Each goes through the rate limiter under its
//! game entry ([`GameCommand::limit`]), a Discord retry of one interaction
//! is dropped, and the work is the [`super::shell::GameShell`]'s (engine, save, then
//! Discord).
//!
//! Buttons carry everything they need in their custom id (the vote and
//! target of a blank-vote confirmation, the tally's vote and start of a
//! `/plot`), so a button still works after a restart.
//!
//! What the commands share is [`super::call`]'s; this module only receives
//! them and hands each to the players' or the game masters' module. The
//! MJs' programmed commands ([`super::tasks`]) arrive here too, from the
//! scheduler, whose handler for the game's tasks is registered here.

use serenity::all::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, CreateCommand, Http, Message,
};

use std::sync::{Arc, Weak};

use super::call::{fold, Call, Src};
pub use super::call::{GameCommand, GameRouter};
use super::shell::{GameShell, TaskHandler, KIND};
use super::structure::ChannelKey;
use crate::messages::game::GameLabel as L;
use crate::ratelimit::{Decision as Limit, Notice};
use crate::schedule::{self, Outcome, Scheduled};
use crate::time::calendar::Pause;
use crate::time::Zone;
use GameCommand as C;

impl GameRouter {
    pub fn definitions(&self) -> Vec<CreateCommand> {
        C::ALL.map(|c| c.definition(&self.shell)).to_vec()
    }

    pub async fn on_slash(&self, http: &Http, i: CommandInteraction) -> bool {
        let Some(command) = GameCommand::from_name(&i.data.name) else {
            return false;
        };
        if i.guild_id.map(|g| g.get()) != Some(self.shell.settings.guild) {
            return false;
        }
        if !self.shell.first_time(i.id.get()) {
            return true;
        }
        let mut args = vec![String::new(); command.options().len()];
        for o in &i.data.options {
            if let Some(pos) = command.options().iter().position(|(n, _)| *n == o.name) {
                args[pos] = match &o.value {
                    CommandDataOptionValue::String(s) => s.clone(),
                    CommandDataOptionValue::Integer(n) => n.to_string(),
                    other => format!("{other:?}"),
                };
            }
        }
        let call = Call {
            user: i.user.id.get(),
            display: i
                .member
                .as_ref()
                .map(|m| m.display_name().to_owned())
                .unwrap_or_else(|| i.user.display_name().to_owned()),
            roles: i
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get()).collect())
                .unwrap_or_default(),
            src: Src::Slash(Box::new(i)),
            args,
        };
        self.dispatch(http, command, call).await;
        true
    }

    /// A `!` command in the game's guild; false if not the game's.
    pub async fn on_text(&self, http: &Http, message: &Message) -> bool {
        if message.author.bot
            || message.guild_id.map(|g| g.get()) != Some(self.shell.settings.guild)
        {
            return false;
        }
        let Some(line) = message.content.trim().strip_prefix('!') else {
            return false;
        };
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let Some(command) = GameCommand::from_name(word) else {
            return false;
        };
        let args = command.split_args(rest);
        let call = Call {
            user: message.author.id.get(),
            display: message
                .member
                .as_ref()
                .and_then(|m| m.nick.clone())
                .unwrap_or_else(|| message.author.display_name().to_owned()),
            roles: message
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get()).collect())
                .unwrap_or_default(),
            src: Src::Text {
                channel: message.channel_id,
                message: message.id,
            },
            args,
        };
        self.dispatch(http, command, call).await;
        true
    }

    fn allowed(&self, call: &Call, limit: &str) -> bool {
        let notice = if matches!(call.src, Src::Text { .. }) {
            Notice::OncePerStreak
        } else {
            Notice::EveryTime
        };
        match self
            .shell
            .guard
            .check(call.user, &call.roles, limit, notice)
        {
            Limit::Allowed { .. } => true,
            Limit::Refused { reason, .. } => {
                log::info!(
                    "ratelimit: game {limit} refused to {}: {reason:?}",
                    call.user
                );
                false
            }
        }
    }

    async fn dispatch(&self, http: &Http, command: GameCommand, call: Call) {
        log::info!(
            "game command {} from {} ({})",
            command.name(),
            call.display,
            call.user
        );
        // Only creating a boudoir makes a channel; its other operations
        // are light.
        let limit = match command {
            C::Boudoir if !fold(call.arg_str(0)).starts_with("cre") => "other",
            _ => command.limit(),
        };
        if !self.allowed(&call, limit) {
            let text = self.t(L::RateLimited, &[]);
            self.tell(http, &call, &text).await;
            return;
        }
        if command.mj() && !self.shell.is_mj(&call.roles) {
            self.tell(http, &call, &self.t(L::MjOnly, &[])).await;
            return;
        }
        if let Some(name) = command.missing(&call.args) {
            let usage = format!("/{} <{name}>", command.name());
            self.usage(http, &call, &usage).await;
            return;
        }
        if command.mj() {
            let season = self.shell.snapshot().await;
            let now = self.shell.clock.now();
            super::mj::run(self, http, command, call, season, now).await;
        } else {
            super::commands::run(self, http, command, call).await;
        }
    }

    /// At each Discord READY: the shell's structure, and (once) the
    /// scheduler's handler for the game's tasks, the MJs' included.
    pub async fn on_ready(&self, http: std::sync::Arc<Http>) {
        if self.shell.on_ready(http).await {
            register_tasks(&self.shell);
        }
    }

    /// A button the game posted; false if not the game's.
    pub async fn on_button(&self, http: &Http, press: ComponentInteraction) -> bool {
        let id = press.data.custom_id.clone();
        let Some(rest) = id.strip_prefix("game:") else {
            return false;
        };
        if !self.shell.first_time(press.id.get()) {
            return true;
        }
        let parts: Vec<&str> = rest.split(':').collect();
        let call = Call {
            user: press.user.id.get(),
            display: press
                .member
                .as_ref()
                .map(|m| m.display_name().to_owned())
                .unwrap_or_else(|| press.user.display_name().to_owned()),
            roles: press
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get()).collect())
                .unwrap_or_default(),
            src: Src::Button(Box::new(press)),
            args: Vec::new(),
        };
        // The command that posted the button paid its own entry; the press
        // (a confirmation, seconds later) would be refused by that entry's
        // minimum interval, so presses pay the default one.
        let limit = "other";
        if !self.allowed(&call, limit) {
            return true;
        }
        if matches!(parts.first(), Some(&("cparti" | "cfini" | "conclude"))) {
            let season = self.shell.snapshot().await;
            let now = self.shell.clock.now();
            super::mj::button(self, http, &parts, call, season, now).await;
        } else {
            super::commands::button(self, http, &parts, call).await;
        }
        true
    }
}

/// The scheduler's handler for the game's kind, registered once the
/// shell is connected.
pub(super) fn register_tasks(shell: &Arc<GameShell>) {
    shell.scheduler.register(
        KIND,
        Arc::new(TasksHandler {
            shell: Arc::downgrade(shell),
            engine: TaskHandler(Arc::downgrade(shell)),
        }),
    );
}

struct TasksHandler {
    shell: Weak<GameShell>,
    engine: TaskHandler,
}

#[async_trait::async_trait]
impl schedule::Handler for TasksHandler {
    async fn run(&self, task: &Scheduled) -> Outcome {
        let Ok(mj) = serde_json::from_value::<super::tasks::MjTask>(task.task.payload.clone())
        else {
            return self.engine.run(task).await;
        };
        let Some(shell) = self.shell.upgrade() else {
            return Outcome::Retry("the game is stopping".into());
        };
        let Some(http) = shell.http().cloned() else {
            return Outcome::Retry("not connected to Discord".into());
        };
        let (command, args) = match super::tasks::parse_line(&mj.mj_command) {
            Ok(parsed) => parsed,
            Err(e) => return Outcome::Failed(format!("`{}`: {e:?}", mj.mj_command)),
        };
        let router = GameRouter {
            shell: Arc::clone(&shell),
        };
        let logs = shell.channel(&ChannelKey::Fixed("logs"));
        let running = router.t(
            L::TaskRunning,
            &[
                ("id", &task.id.to_string()),
                ("name", &mj.by_name),
                ("command", &mj.mj_command),
            ],
        );
        match logs {
            Some(c) => shell.post(c, &running, Vec::new()).await,
            None => log::info!("game: {running}"),
        }
        // Run as the MJ who scheduled it only if they still are one: a
        // task must not outlive the role that allowed it.
        let roles = match shell.member_roles(&http, mj.by).await {
            Ok(Some(roles)) if shell.is_mj(&roles) => roles,
            Ok(_) => {
                let refused = router.t(
                    L::TaskNoLongerMj,
                    &[("id", &task.id.to_string()), ("name", &mj.by_name)],
                );
                match logs {
                    Some(c) => shell.post(c, &refused, Vec::new()).await,
                    None => log::info!("game: {refused}"),
                }
                return Outcome::Failed(format!("{} ({}) is no longer an MJ", mj.by_name, mj.by));
            }
            Err(e) => return Outcome::Retry(format!("cannot check {}'s roles: {e}", mj.by_name)),
        };
        let call = Call {
            user: mj.by,
            display: mj.by_name.clone(),
            roles,
            src: Src::Task { id: task.id, logs },
            args,
        };
        let season = shell.snapshot().await;
        let now = shell.clock.now();
        super::mj::run(&router, &http, command, call, season, now).await;
        Outcome::Done
    }

    fn pause(&self) -> Option<(Pause, Zone)> {
        schedule::Handler::pause(&self.engine)
    }

    fn failed(&self, task: &Scheduled, reason: &str) {
        schedule::Handler::failed(&self.engine, task, reason)
    }
}
