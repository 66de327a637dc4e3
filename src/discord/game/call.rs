//! What every game command works with, below the router that receives
//! them and the two modules that carry them out (players' in
//! [`super::commands`], game masters' in [`super::mj`]): the
//! [`GameCommand`]s and their [`Call`], the [`GameRouter`] as the commands
//! see it (the shell, and how to word and send an answer), player names
//! matched without case or accents, and [`respond`], which answers with the
//! engine's outcome and then performs it.

use std::sync::Arc;

use serenity::all::{
    ButtonStyle, ChannelId, CommandInteraction, CommandOptionType, ComponentInteraction,
    CreateActionRow, CreateButton, CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, Http,
    MessageId,
};

use super::shell::{GameShell, ShellError};
use crate::game::{GameError, Season, VoteKind};
use crate::messages::game::{describe, say, GameLabel as L};

/// A game command. Its name is the slash command's and the `!` form's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GameCommand {
    Inscription,
    Vote,
    VoteMaire,
    VoteLoups,
    Haro,
    Candid,
    Action,
    Boudoir,
    Mp,
    Menu,
    Infos,
    Roles,
    Camps,
    Vivants,
    Morts,
    Open,
    Close,
    Remind,
    Cparti,
    Cfini,
    Refill,
    Wipe,
    Plot,
    AnnonceMort,
    Joueur,
    Send,
    Post,
    Taches,
    Cancel,
    Planif,
    Delay,
}

use GameCommand as C;

impl GameCommand {
    pub const ALL: [GameCommand; 31] = [
        C::Inscription,
        C::Vote,
        C::VoteMaire,
        C::VoteLoups,
        C::Haro,
        C::Candid,
        C::Action,
        C::Boudoir,
        C::Mp,
        C::Menu,
        C::Infos,
        C::Roles,
        C::Camps,
        C::Vivants,
        C::Morts,
        C::Open,
        C::Close,
        C::Remind,
        C::Cparti,
        C::Cfini,
        C::Refill,
        C::Wipe,
        C::Plot,
        C::AnnonceMort,
        C::Joueur,
        C::Send,
        C::Post,
        C::Taches,
        C::Cancel,
        C::Planif,
        C::Delay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            C::Inscription => "inscription",
            C::Vote => "vote",
            C::VoteMaire => "votemaire",
            C::VoteLoups => "voteloups",
            C::Haro => "haro",
            C::Candid => "candid",
            C::Action => "action",
            C::Boudoir => "boudoir",
            C::Mp => "mp",
            C::Menu => "menu",
            C::Infos => "infos",
            C::Roles => "roles",
            C::Camps => "camps",
            C::Vivants => "vivants",
            C::Morts => "morts",
            C::Open => "open",
            C::Close => "close",
            C::Remind => "remind",
            C::Cparti => "cparti",
            C::Cfini => "cfini",
            C::Refill => "refill",
            C::Wipe => "wipe",
            C::Plot => "plot",
            C::AnnonceMort => "annoncemort",
            C::Joueur => "joueur",
            C::Send => "send",
            C::Post => "post",
            C::Taches => "taches",
            C::Cancel => "cancel",
            C::Planif => "planif",
            C::Delay => "delay",
        }
    }

    pub fn from_name(name: &str) -> Option<GameCommand> {
        let name = name.to_lowercase();
        C::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Reserved to the game masters.
    pub fn mj(self) -> bool {
        matches!(
            self,
            C::Open
                | C::Close
                | C::Remind
                | C::Cparti
                | C::Cfini
                | C::Refill
                | C::Wipe
                | C::Plot
                | C::AnnonceMort
                | C::Joueur
                | C::Send
                | C::Post
                | C::Taches
                | C::Cancel
                | C::Planif
                | C::Delay
        )
    }

    /// What `/planif` and `/delay` may run later (lg-rez's tasks were any
    /// command; here only the game flow and messages, never a launch, an
    /// end, a death or an edit, which the MJs confirm when they happen).
    pub fn schedulable(self) -> bool {
        matches!(
            self,
            C::Open | C::Close | C::Remind | C::Refill | C::Wipe | C::Plot | C::Send | C::Post
        )
    }

    /// The arguments of a `!` line after the command's name: split on
    /// spaces, the last option taking the rest of the line.
    pub(super) fn split_args(self, rest: &str) -> Vec<String> {
        let n = self.options().len();
        if n == 0 {
            return Vec::new();
        }
        rest.trim()
            .splitn(n, char::is_whitespace)
            .map(|s| s.trim().to_owned())
            .collect()
    }

    /// The first required option `args` lacks.
    pub(super) fn missing(self, args: &[String]) -> Option<&'static str> {
        self.options()
            .iter()
            .enumerate()
            .find(|(i, (_, req))| *req && args.get(*i).is_none_or(|a| a.is_empty()))
            .map(|(_, (name, _))| *name)
    }

    /// The rate limiter's entry (the built-in werewolf ones).
    pub fn limit(self) -> &'static str {
        match self {
            C::Vote | C::VoteMaire | C::Haro | C::Candid => "vote",
            C::VoteLoups | C::Action => "kill",
            C::Cparti => "start",
            C::Cfini => "force-end",
            C::Boudoir | C::Mp => "create",
            C::Inscription => "join",
            _ => "other",
        }
    }

    /// The options, in order: (name, required). The last one takes the
    /// rest of a `!` line.
    pub(super) fn options(self) -> &'static [(&'static str, bool)] {
        match self {
            C::Inscription => &[("nom", false)],
            C::Vote | C::VoteMaire | C::VoteLoups | C::Mp => &[("joueur", true)],
            C::Haro => &[("joueur", true), ("raison", true)],
            C::Action => &[("numero", false), ("cible", false)],
            C::Boudoir => &[("operation", true), ("valeur", false)],
            C::Open => &[("vote", true), ("heure", false), ("chaine", false)],
            C::Close | C::Remind => &[("vote", true), ("heure", false)],
            C::Plot => &[("vote", true)],
            C::Refill => &[("motif", true), ("joueur", true)],
            C::Wipe => &[("quoi", true)],
            C::AnnonceMort => &[("joueur", true), ("contexte", false)],
            C::Joueur => &[("joueur", true), ("champ", true), ("valeur", false)],
            C::Send => &[("cible", true), ("message", true)],
            C::Post => &[("salon", true), ("message", true)],
            C::Cancel => &[("ids", true)],
            C::Planif => &[("quand", true), ("commande", true)],
            C::Delay => &[("duree", true), ("commande", true)],
            _ => &[],
        }
    }

    pub fn definition(self, shell: &GameShell) -> CreateCommand {
        let language = shell.language();
        let mut command =
            CreateCommand::new(self.name()).description(describe(self.name(), language));
        for (name, required) in self.options() {
            command = command.add_option(
                CreateCommandOption::new(CommandOptionType::String, *name, *name)
                    .required(*required),
            );
        }
        command
    }
}

/// Where a command came from, hence where to answer.
pub enum Src {
    Slash(Box<CommandInteraction>),
    Button(Box<ComponentInteraction>),
    Text {
        channel: ChannelId,
        message: MessageId,
    },
    /// A `/planif` or `/delay` task run by the scheduler: answers go to
    /// the MJs' `logs` (lg-rez posted its tasks' commands there).
    Task {
        id: u64,
        logs: Option<ChannelId>,
    },
}

/// One command call.
pub struct Call {
    pub user: u64,
    pub display: String,
    pub roles: Vec<u64>,
    pub src: Src,
    pub args: Vec<String>,
}

impl Call {
    pub(super) fn arg(&self, i: usize) -> Option<&str> {
        self.args
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(super) fn channel(&self) -> ChannelId {
        match &self.src {
            Src::Slash(i) => i.channel_id,
            Src::Button(i) => i.channel_id,
            Src::Text { channel, .. } => *channel,
            Src::Task { logs, .. } => logs.unwrap_or(ChannelId::new(1)),
        }
    }
}

/// Lowercase, accents off: how names are compared.
pub fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        unicode_normalization::char::decompose_compatible(c, |d| {
            if !unicode_normalization::char::is_combining_mark(d) {
                out.extend(d.to_lowercase());
            }
        });
    }
    out
}

/// The player `query` names: an exact (folded) name, else the one name
/// containing it; `Err` is the answer to give.
pub fn find_player(
    season: &Season,
    query: &str,
    language: crate::messages::Language,
) -> Result<u64, String> {
    let q = fold(query.trim_start_matches('@'));
    let exact: Vec<u64> = season
        .players
        .values()
        .filter(|p| fold(&p.name) == q)
        .map(|p| p.id)
        .collect();
    if exact.len() == 1 {
        return Ok(exact[0]);
    }
    let near: Vec<&crate::game::Player> = season
        .players
        .values()
        .filter(|p| !q.is_empty() && fold(&p.name).contains(&q))
        .collect();
    match near.as_slice() {
        [one] => Ok(one.id),
        [] => Err(say(L::NoSuchPlayer, language, &[("name", query)])),
        many => {
            let list: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
            Err(say(
                L::Ambiguous,
                language,
                &[("name", query), ("list", &list.join(", "))],
            ))
        }
    }
}

pub(super) fn vote_kind(s: &str) -> Option<VoteKind> {
    match fold(s).as_str() {
        "cond" | "bucher" => Some(VoteKind::Cond),
        "maire" => Some(VoteKind::Maire),
        "loups" => Some(VoteKind::Loups),
        _ => None,
    }
}

pub(super) fn yes_no(shell: &GameShell, yes: String, no: &str) -> Vec<CreateButton> {
    vec![
        CreateButton::new(yes)
            .label(say(L::Yes, shell.language(), &[]))
            .style(ButtonStyle::Success),
        CreateButton::new(no.to_owned())
            .label(say(L::No, shell.language(), &[]))
            .style(ButtonStyle::Secondary),
    ]
}

/// The router over the shell.
pub struct GameRouter {
    pub shell: Arc<GameShell>,
}

impl GameRouter {
    pub fn t(&self, label: L, args: &[(&str, &str)]) -> String {
        say(label, self.shell.language(), args)
    }

    /// Answers `call` privately, without buttons: most answers.
    pub async fn tell(&self, http: &Http, call: &Call, text: &str) {
        self.answer(http, call, text, true, Vec::new()).await;
    }

    /// Answers `call` with how the command is used.
    pub async fn usage(&self, http: &Http, call: &Call, usage: &str) {
        self.tell(http, call, &self.t(L::Usage, &[("usage", usage)]))
            .await;
    }

    /// Acknowledges an interaction now, to answer it later with
    /// [`GameRouter::follow_up`]: for work that can outlast the 3 seconds
    /// Discord gives an answer (a registration creates a channel and gives
    /// a role). False for a `!` form, or when the acknowledgement failed:
    /// then answer with [`GameRouter::tell`].
    pub async fn defer(&self, http: &Http, call: &Call) -> bool {
        let deferred = || {
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            )
        };
        let sent = match &call.src {
            Src::Slash(i) => i.create_response(http, deferred()).await,
            Src::Button(i) => i.create_response(http, deferred()).await,
            Src::Text { .. } | Src::Task { .. } => return false,
        };
        match sent {
            Ok(()) => true,
            Err(e) => {
                log::warn!("game: cannot acknowledge a command: {e}");
                false
            }
        }
    }

    /// The private answer to an interaction acknowledged by
    /// [`GameRouter::defer`].
    pub async fn follow_up(&self, http: &Http, call: &Call, text: &str) {
        let answer = || {
            CreateInteractionResponseFollowup::new()
                .content(text)
                .ephemeral(true)
        };
        let sent = match &call.src {
            Src::Slash(i) => i.create_followup(http, answer()).await.map(|_| ()),
            Src::Button(i) => i.create_followup(http, answer()).await.map(|_| ()),
            Src::Text { .. } | Src::Task { .. } => return self.tell(http, call, text).await,
        };
        if let Err(e) = sent {
            log::warn!("game: cannot answer a command: {e}");
        }
    }

    /// Answers a call: ephemeral for interactions when `private`; a reply
    /// in the channel for `!` forms (a player's channel is private).
    pub async fn answer(
        &self,
        http: &Http,
        call: &Call,
        text: &str,
        private: bool,
        buttons: Vec<CreateButton>,
    ) {
        let rows = if buttons.is_empty() {
            Vec::new()
        } else {
            vec![CreateActionRow::Buttons(buttons.clone())]
        };
        let response = || {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(text)
                    .ephemeral(private)
                    .components(rows.clone()),
            )
        };
        let sent = match &call.src {
            Src::Slash(i) => i.create_response(http, response()).await,
            Src::Button(i) => i.create_response(http, response()).await,
            Src::Task { id, logs } => {
                let text = self.t(L::TaskAnswer, &[("id", &id.to_string()), ("text", text)]);
                match logs {
                    Some(c) => self.shell.post(*c, &text, buttons).await,
                    None => log::info!("game: {text}"),
                }
                return;
            }
            // A private answer to a `!` form typed in a shared channel
            // goes to the player's own channel, never to the room.
            Src::Text { channel, .. }
                if private
                    && self
                        .shell
                        .channel(&super::structure::ChannelKey::Player(call.user))
                        .is_some_and(|own| own != *channel) =>
            {
                self.shell.post_player(call.user, text, buttons).await;
                return;
            }
            Src::Text { channel, message } => channel
                .send_message(
                    http,
                    CreateMessage::new()
                        .content(text)
                        .components(rows.clone())
                        .reference_message((*channel, *message)),
                )
                .await
                .map(|_| ()),
        };
        if let Err(e) = sent {
            log::warn!("game: cannot answer a command: {e}");
        }
    }

    /// Words an engine or save error for the player.
    pub fn refusal(&self, season: &Season, e: &ShellError) -> String {
        let name = |p: u64| {
            season
                .player(p)
                .map_or_else(|| p.to_string(), |p| p.name.clone())
        };
        match e {
            ShellError::Save(_) => self.t(L::Refused, &[("why", &e.to_string())]),
            ShellError::Game(g) => match g {
                GameError::UnknownPlayer(_) => self.t(L::NotRegistered, &[]),
                GameError::AlreadyRegistered(_) => self.t(L::AlreadyRegistered, &[]),
                GameError::Dead(_) => self.t(L::Dead, &[]),
                GameError::NoVoteRight { .. } => self.t(L::NoVoteRight, &[]),
                GameError::VoteNotOpen(_) => self.t(L::VoteNotOpen, &[]),
                GameError::DeadTarget(p) => self.t(L::DeadTarget, &[("name", &name(*p))]),
                GameError::ImmortalTarget(p) => self.t(L::ImmortalTarget, &[("name", &name(*p))]),
                GameError::AlreadyEntered(_) => self.t(L::AlreadyEntered, &[]),
                GameError::WrongPhase => self.t(L::WrongPhase, &[]),
                other => self.t(L::Refused, &[("why", &other.to_string())]),
            },
        }
    }
}

/// Answers with the engine's outcome, then performs it.
pub(super) async fn respond(
    r: &GameRouter,
    http: &Http,
    call: &Call,
    before: &Season,
    done: Result<(Vec<crate::game::Decision>, Season), ShellError>,
) {
    match done {
        Err(e) => r.tell(http, call, &r.refusal(before, &e)).await,
        Ok((decisions, season)) => {
            r.tell(http, call, &r.t(L::Done, &[])).await;
            r.shell.perform(&season, decisions).await;
        }
    }
}

impl Call {
    pub(super) fn arg_str(&self, i: usize) -> &str {
        self.args.get(i).map_or("", String::as_str)
    }
}

/// The pieces the command modules need, re-exported for them.
pub(super) mod prelude {
    pub use super::super::shell::ShellError;
    pub use super::super::structure::ChannelKey;
    pub(in crate::discord::game) use super::{
        find_player, respond, vote_kind, yes_no, Call, GameCommand, GameRouter, Src,
    };
    pub use crate::game::season::Flags;
    pub use crate::game::{
        ActionId, CandidHaroKind, Ciblage, Cible, ClockTime, Refill, Season, Statut, TallyResult,
        VoteKind,
    };
    pub use crate::messages::game::GameLabel as L;
    pub use crate::time::Timestamp;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Language;

    fn season(names: &[(u64, &str)]) -> Season {
        let catalogue = crate::game::Catalogue::default_fr().unwrap();
        let schedule = crate::game::Schedule::with_zone(crate::time::Zone::new(None).unwrap());
        let mut season = Season::new();
        let mut game = crate::game::Game::new(&mut season, &catalogue, &schedule);
        for (id, name) in names {
            game.register(*id, name, None, crate::time::Timestamp(0))
                .unwrap();
        }
        season
    }

    #[test]
    fn names_match_without_case_or_accents_and_ambiguity_is_asked() {
        let s = season(&[(1, "Élodie"), (2, "Émile"), (3, "Bob"), (4, "Bobby")]);
        let find = |q: &str| find_player(&s, q, Language::Fr);
        assert_eq!(find("elodie"), Ok(1));
        assert_eq!(find("EMILE"), Ok(2));
        assert_eq!(find("lod"), Ok(1), "a unique part of a name");
        assert_eq!(find("bob"), Ok(3), "an exact name wins over a longer one");
        let which = find("é").unwrap_err();
        assert!(
            which.contains("Élodie") && which.contains("Émile"),
            "{which}"
        );
        assert!(find("zoé").unwrap_err().contains("Aucun joueur"));
    }

    #[test]
    fn every_command_has_a_unique_name_and_a_rate_limit_entry() {
        let mut names: Vec<&str> = GameCommand::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), GameCommand::ALL.len());
        for c in GameCommand::ALL {
            assert_eq!(GameCommand::from_name(c.name()), Some(c));
            assert!(!c.limit().is_empty());
        }
        assert_eq!(GameCommand::Vote.limit(), "vote");
        assert_eq!(GameCommand::VoteLoups.limit(), "kill");
        assert_eq!(GameCommand::Cfini.limit(), "force-end");
        assert!(GameCommand::Plot.mj() && !GameCommand::Vote.mj());
        assert_eq!(vote_kind("Bûcher"), Some(VoteKind::Cond));
    }
}
