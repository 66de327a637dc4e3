//! The game's Discord shell (issue 15, phase 2): owns the [`Season`] and
//! runs every command and scheduled task the same way — lock the season,
//! call the pure engine ([`crate::game::Game`]), **save the season**, then
//! perform the engine's [`Decision`]s on Discord and in the scheduler.
//!
//! Saving before performing is the crash rule: if the appliance dies
//! between the two, the saved season is the truth and the lost posts are
//! only words; the other order could announce a vote the season never
//! recorded. A season that cannot be saved is left as it was (the command
//! fails and says so).
//!
//! The one ping the game makes is the instant action's mention of the MJ
//! role, the role being configured for it; every other post pings nobody
//! (the HTTP client's default, [`super::super::no_pings`]).
//!
//! The season is published on a `watch` channel for the admin page.
//!
//! A little over 800 lines: [`GameShell::perform`], the one match over
//! every [`Decision`], is kept whole so a new decision has one place to go.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex as StdMutex, OnceLock, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serenity::all::{
    ButtonStyle, ChannelId, ChannelType, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateChannel, CreateMessage, EditChannel, GuildId, Http, PermissionOverwrite,
    PermissionOverwriteType, RoleId, UserId,
};
use tokio::sync::{watch, Mutex};

use super::apply::{ensure_structure, swap_roles, StructureIds};
use super::structure::{self, ChannelKey, GameRole, PlayerRef, RoleSwap, Who, DEATH};
use crate::game::{Catalogue, Decision, Game, GameError, Schedule, Season, Task, VoteKind};
use crate::messages::game::{say, GameLabel as L};
use crate::messages::Language;
use crate::schedule::{self, Outcome, Scheduled, Scheduler};
use crate::store::Store;
use crate::time::calendar::Pause;
use crate::time::{Clock, Timestamp, Zone};

#[cfg(test)]
#[path = "shell_tests.rs"]
mod tests;

/// The season's record in the store.
pub const RECORD: &str = "game_season";
/// The scheduler's task kind for the game.
pub const KIND: &str = "game";
/// Longest wait for one Discord call the shell makes.
const CALL_DEADLINE: Duration = Duration::from_secs(20);
/// How many interaction ids are remembered to drop Discord's retries.
const SEEN: usize = 512;

/// The stored form: versioned so a later format can read an older one.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    season: Season,
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("game: {0}")]
    Game(#[from] GameError),
    #[error("game: cannot save the season: {0}")]
    Save(String),
}

/// Loads the saved season (a fresh one if none), on the blocking pool.
pub async fn load_season(store: &Arc<Store>) -> Result<Season, String> {
    let store = Arc::clone(store);
    let loaded = tokio::task::spawn_blocking(move || store.load::<Stored>(RECORD))
        .await
        .map_err(|e| format!("the store task failed: {e}"))?
        .map_err(|e| e.to_string())?;
    Ok(loaded.map(|s| s.season).unwrap_or_default())
}

/// What the shell is built from.
pub struct ShellSettings {
    pub guild: u64,
    /// `[game] mj_role`; else the game's own "MJ" role.
    pub mj_role: Option<u64>,
    pub catalogue: Catalogue,
    /// The engine's times; its pause and zone are also the scheduler's
    /// for the game's tasks.
    pub schedule: Schedule,
    pub language: Language,
}

pub struct GameShell {
    pub settings: ShellSettings,
    season: Mutex<Season>,
    ids: RwLock<StructureIds>,
    http: OnceLock<Arc<Http>>,
    pub scheduler: Arc<Scheduler>,
    pub guard: Arc<crate::ratelimit::guard::Guard>,
    store: Arc<Store>,
    pub clock: Clock,
    published: watch::Sender<Option<Arc<Season>>>,
    seen: StdMutex<VecDeque<u64>>,
    /// Told the game's channel ids whenever they change: the digest leaves
    /// them out (set by the app when `[digest]` is on).
    pub privacy: OnceLock<Box<dyn Fn(Vec<u64>) + Send + Sync>>,
}

impl GameShell {
    pub fn new(
        settings: ShellSettings,
        season: Season,
        scheduler: Arc<Scheduler>,
        guard: Arc<crate::ratelimit::guard::Guard>,
        store: Arc<Store>,
        clock: Clock,
    ) -> (Arc<GameShell>, watch::Receiver<Option<Arc<Season>>>) {
        let (published, rx) = watch::channel(Some(Arc::new(season.clone())));
        let shell = Arc::new(GameShell {
            settings,
            season: Mutex::new(season),
            ids: RwLock::new(StructureIds::default()),
            http: OnceLock::new(),
            scheduler,
            guard,
            store,
            clock,
            published,
            seen: StdMutex::new(VecDeque::new()),
            privacy: OnceLock::new(),
        });
        (shell, rx)
    }

    pub fn language(&self) -> Language {
        self.settings.language
    }

    pub fn guild(&self) -> GuildId {
        GuildId::new(self.settings.guild)
    }

    pub fn http(&self) -> Option<&Arc<Http>> {
        self.http.get()
    }

    /// The ids of the game's channels, for the digest to leave out.
    pub fn channel_ids(&self) -> Vec<u64> {
        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.channels
            .values()
            .chain(ids.categories.values())
            .map(|c| c.get())
            .collect()
    }

    pub fn channel(&self, key: &ChannelKey) -> Option<ChannelId> {
        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.channels.get(key).copied()
    }

    pub fn role(&self, role: GameRole) -> Option<RoleId> {
        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.roles.get(&role).copied()
    }

    /// Whether someone with these roles is a game master.
    pub fn is_mj(&self, roles: &[u64]) -> bool {
        let game_mj = self.role(GameRole::Mj).map(|r| r.get());
        roles
            .iter()
            .any(|r| Some(*r) == self.settings.mj_role || Some(*r) == game_mj)
    }

    /// False if this interaction id was seen already (a Discord retry).
    pub fn first_time(&self, interaction: u64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.contains(&interaction) {
            return false;
        }
        if seen.len() >= SEEN {
            seen.pop_front();
        }
        seen.push_back(interaction);
        true
    }

    /// A copy of the season, to read.
    pub async fn snapshot(&self) -> Season {
        self.season.lock().await.clone()
    }

    /// At each Discord READY: keeps the client and repairs the structure.
    /// True the first time, when the router registers the scheduler's
    /// handler ([`super::router::GameRouter::on_ready`]).
    pub async fn on_ready(self: &Arc<Self>, http: Arc<Http>) -> bool {
        let first = self.http.set(Arc::clone(&http)).is_ok();
        let season = self.snapshot().await;
        self.ensure(&http, &season).await;
        first
    }

    /// Runs the structure's repair for the season's players.
    async fn ensure(&self, http: &Http, season: &Season) {
        let refs: Vec<PlayerRef> = season
            .players
            .values()
            .map(|p| PlayerRef {
                user_id: p.id,
                display_name: &p.name,
            })
            .collect();
        match ensure_structure(http, self.guild(), &refs).await {
            Ok(ids) => {
                if ids.changes > 0 {
                    log::info!("game: structure repaired ({} changes)", ids.changes);
                }
                *self.ids.write().unwrap_or_else(|p| p.into_inner()) = ids;
            }
            Err(e) => log::error!("game: {e}"),
        }
        self.tell_privacy(season, None);
    }

    /// Hands the digest every game channel: the structure's and the
    /// boudoirs' (`extra`: one just created, not in `season` yet).
    fn tell_privacy(&self, season: &Season, extra: Option<u64>) {
        if let Some(tell) = self.privacy.get() {
            let mut ids = self.channel_ids();
            ids.extend(season.boudoirs.iter().filter_map(|b| b.channel));
            ids.extend(extra);
            tell(ids);
        }
    }

    /// Runs one engine call: the season is saved before anything is
    /// performed; on an engine error or a failed save it is unchanged.
    /// Returns the decisions, to perform with [`GameShell::perform`].
    pub async fn apply<T>(
        &self,
        call: impl FnOnce(&mut Game) -> Result<(T, Vec<Decision>), GameError>,
    ) -> Result<(T, Vec<Decision>, Season), ShellError> {
        let mut season = self.season.lock().await;
        let mut next = season.clone();
        let (value, decisions) = {
            let mut game = Game::new(&mut next, &self.settings.catalogue, &self.settings.schedule);
            call(&mut game)?
        };
        let stored = Stored {
            version: 1,
            season: next.clone(),
        };
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || store.save(RECORD, &stored))
            .await
            .map_err(|e| ShellError::Save(e.to_string()))?
            .map_err(|e| ShellError::Save(e.to_string()))?;
        *season = next.clone();
        drop(season);
        self.published.send_replace(Some(Arc::new(next.clone())));
        Ok((value, decisions, next))
    }

    /// [`GameShell::apply`] then [`GameShell::perform`].
    pub async fn run(
        &self,
        call: impl FnOnce(&mut Game) -> Result<Vec<Decision>, GameError>,
    ) -> Result<(), ShellError> {
        let ((), decisions, season) = self.apply(|g| Ok(((), call(g)?))).await?;
        self.perform(&season, decisions).await;
        Ok(())
    }

    /// Posts `text` in `channel` (no pings), with buttons.
    pub async fn post(&self, channel: ChannelId, text: &str, buttons: Vec<CreateButton>) {
        let Some(http) = self.http.get() else {
            log::warn!("game: not connected to Discord; dropping a post");
            return;
        };
        let mut message = CreateMessage::new().content(text);
        if !buttons.is_empty() {
            message = message.components(vec![CreateActionRow::Buttons(buttons)]);
        }
        match tokio::time::timeout(CALL_DEADLINE, channel.send_message(http.as_ref(), message))
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => log::warn!("game: cannot post in channel {channel}: {e}"),
            Err(_) => log::warn!("game: posting in channel {channel} timed out"),
        }
    }

    pub async fn post_fixed(&self, name: &'static str, text: &str) {
        match self.channel(&ChannelKey::Fixed(name)) {
            Some(c) => self.post(c, text, Vec::new()).await,
            None => log::warn!("game: no channel #{name}; not posted: {text}"),
        }
    }

    pub async fn post_player(&self, player: u64, text: &str, buttons: Vec<CreateButton>) {
        match self.channel(&ChannelKey::Player(player)) {
            Some(c) => self.post(c, text, buttons).await,
            None => log::warn!("game: no private channel for player {player}"),
        }
    }

    fn say(&self, label: L, args: &[(&str, &str)]) -> String {
        say(label, self.language(), args)
    }

    fn time_of(&self, at: Option<Timestamp>) -> String {
        match at {
            Some(t) => {
                let z = jiff::Timestamp::from_millisecond(t.as_millis_i64())
                    .map(|ts| ts.to_zoned(self.settings.schedule.zone.tz().clone()));
                match z {
                    Ok(z) => self.say(L::Until, &[("time", &z.strftime("%H:%M").to_string())]),
                    Err(_) => String::new(),
                }
            }
            None => String::new(),
        }
    }

    /// Performs the engine's decisions, in order. Failures are logged: the
    /// season is saved already, and a task or a command can be re-run.
    pub async fn perform(&self, season: &Season, decisions: Vec<Decision>) {
        let name = |p: u64| {
            season
                .player(p)
                .map_or_else(|| p.to_string(), |p| p.name.clone())
        };
        let action_name = |a: crate::game::ActionId| {
            season
                .action(a)
                .map(|a| match &a.source {
                    crate::game::ActionSource::Base(s) => s.clone(),
                    crate::game::ActionSource::Vote(k) => k.slug().to_owned(),
                })
                .unwrap_or_default()
        };
        for decision in decisions {
            match decision {
                Decision::Schedule { at, task } => {
                    let payload = match serde_json::to_value(&task) {
                        Ok(p) => p,
                        Err(e) => {
                            log::error!("game: cannot encode task {task:?}: {e}");
                            continue;
                        }
                    };
                    // The same task at the same moment is already pending
                    // (an opening re-armed by a close by hand): once is enough.
                    let pending =
                        self.scheduler.list().await.into_iter().any(|t| {
                            t.task.kind == KIND && t.due == at && t.task.payload == payload
                        });
                    if pending {
                        log::debug!("game: {task:?} at {at} is already scheduled");
                        continue;
                    }
                    if let Err(e) = self
                        .scheduler
                        .schedule(at, schedule::Task::new(KIND, payload))
                        .await
                    {
                        log::error!("game: cannot schedule {task:?}: {e}");
                    }
                }
                Decision::DropAllTasks => {
                    if let Err(e) = self.scheduler.cancel_where(|t| t.task.kind == KIND).await {
                        log::error!("game: cannot drop the game's tasks: {e}");
                    }
                }
                Decision::SeasonLaunched => {
                    self.post_fixed("annonces", &self.say(L::Launched, &[]))
                        .await
                }
                Decision::SeasonEnded => {
                    self.post_fixed("annonces", &self.say(L::Ended, &[])).await
                }
                Decision::Hype => self.post_fixed("annonces", &self.say(L::Hype, &[])).await,
                Decision::PlayerRegistered { player } => {
                    if let Some(http) = self.http.get().cloned() {
                        self.ensure(&http, season).await;
                        self.give_role(&http, player, GameRole::Vivant).await;
                    }
                    let text = self.say(L::Welcome, &[("name", &name(player))]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::PlayerChanged { player } => {
                    if let Some(p) = season.player(player) {
                        let statut = format!("{:?}", p.statut).to_lowercase();
                        let text = self.say(
                            L::PlayerChanged,
                            &[("role", &p.role), ("camp", &p.camp), ("statut", &statut)],
                        );
                        self.post_player(player, &text, Vec::new()).await;
                    }
                }
                Decision::LifeRole { player, alive } => {
                    let swap = if alive {
                        RoleSwap {
                            remove: DEATH.add,
                            add: DEATH.remove,
                        }
                    } else {
                        DEATH
                    };
                    if let Some(http) = self.http.get() {
                        let ids = self.ids.read().unwrap_or_else(|p| p.into_inner()).clone();
                        let swapped = tokio::time::timeout(
                            CALL_DEADLINE * 2,
                            swap_roles(http, self.guild(), UserId::new(player), &ids, swap),
                        )
                        .await;
                        match swapped {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) => log::error!("game: {e}"),
                            Err(_) => log::error!("game: swapping the roles of {player} timed out"),
                        }
                    }
                }
                // `enfer` is written by the "Joueur mort" role: the swap
                // above is the access.
                Decision::Enfer { .. } => {}
                Decision::Wiped { kind } => {
                    let kind = format!("{kind:?}").to_lowercase();
                    self.post_fixed("haros", &self.say(L::Wiped, &[("kind", &kind)]))
                        .await
                }
                Decision::Haro { .. } | Decision::Candidature { .. } => {
                    // Worded by the command, which knows the reason.
                }
                Decision::VoteOpened {
                    kind,
                    player,
                    closes_at,
                } => {
                    let until = self.time_of(closes_at);
                    let (label, button) = match kind {
                        VoteKind::Cond => (L::VoteOpenedCond, L::VoteButton),
                        VoteKind::Maire => (L::VoteOpenedMaire, L::VoteButton),
                        VoteKind::Loups => (L::VoteOpenedLoups, L::WolvesButton),
                    };
                    let text = self.say(label, &[("until", &until)]);
                    let b = CreateButton::new(format!("game:how:{}", kind.slug()))
                        .label(self.say(button, &[]))
                        .style(ButtonStyle::Primary);
                    self.post_player(player, &text, vec![b]).await;
                }
                Decision::VoteReminded { kind, player } => {
                    let text = self.say(L::VoteReminded, &[("vote", kind.slug())]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::VoteClosed { kind, player, vote } => {
                    let who = vote.map_or_else(|| self.say(L::Nobody, &[]), name);
                    let text = self.say(L::VoteClosed, &[("vote", kind.slug()), ("name", &who)]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::Concluded { kind, chosen } => {
                    let text = match chosen {
                        None => self.say(L::ConcludedNobody, &[("vote", kind.slug())]),
                        Some(p) => {
                            let label = match kind {
                                VoteKind::Cond => L::ConcludedCond,
                                VoteKind::Maire => L::ConcludedMaire,
                                VoteKind::Loups => L::ConcludedLoups,
                            };
                            self.say(label, &[("name", &name(p))])
                        }
                    };
                    let channel = if kind == VoteKind::Loups {
                        "tanière-des-loups"
                    } else {
                        "annonces"
                    };
                    self.post_fixed(channel, &text).await;
                }
                // The role only: what it allows (mentioning everyone) is
                // the mayor's to use; the bot's posts still ping nobody.
                Decision::Maire { player, on } => {
                    if let Some(http) = self.http.get() {
                        if on {
                            self.give_role(http, player, GameRole::Maire).await;
                        } else {
                            self.take_role(http, player, GameRole::Maire).await;
                        }
                    }
                }
                Decision::ActionOpened {
                    player,
                    action,
                    closes_at,
                } => {
                    let until = self.time_of(closes_at);
                    let text = self.say(
                        L::ActionOpened,
                        &[("action", &action_name(action)), ("until", &until)],
                    );
                    let b = CreateButton::new("game:how:action")
                        .label(self.say(L::ActButton, &[]))
                        .style(ButtonStyle::Primary);
                    self.post_player(player, &text, vec![b]).await;
                }
                Decision::ActionReminded { player, action } => {
                    let text = self.say(L::ActionReminded, &[("action", &action_name(action))]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::ActionDecided { player, action } => {
                    let text = self.say(L::ActionDecided, &[("action", &action_name(action))]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::ActionClosed { player, action, .. } => {
                    let text = self.say(L::ActionClosed, &[("action", &action_name(action))]);
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::ActionSkipped {
                    player,
                    action,
                    reason,
                } => {
                    let why = skip_reason(self.language(), reason);
                    let text = self.say(
                        L::ActionSkipped,
                        &[("action", &action_name(action)), ("why", &why)],
                    );
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::Refilled {
                    player,
                    action,
                    charges,
                } => {
                    let text = self.say(
                        L::Refilled,
                        &[
                            ("action", &action_name(action)),
                            ("charges", &charges.to_string()),
                        ],
                    );
                    self.post_player(player, &text, Vec::new()).await;
                }
                Decision::InstantAction { player, action } => {
                    let text = self.say(
                        L::InstantAction,
                        &[("name", &name(player)), ("action", &action_name(action))],
                    );
                    self.ping_mjs(&text).await;
                }
                Decision::AutoAction { player, action } => {
                    let text = self.say(
                        L::AutoAction,
                        &[("name", &name(player)), ("action", &action_name(action))],
                    );
                    self.post_fixed("résolution", &text).await;
                }
                Decision::BoudoirCreated { boudoir } => self.create_boudoir(season, boudoir).await,
                Decision::BoudoirRenamed { boudoir } => {
                    self.edit_boudoir(season, boudoir, false).await
                }
                Decision::BoudoirArchived { boudoir } => {
                    self.edit_boudoir(season, boudoir, true).await
                }
                Decision::BoudoirJoined { boudoir, player } => {
                    self.boudoir_access(season, boudoir, player, true).await;
                    let text = self.say(L::BoudoirJoined, &[("name", &name(player))]);
                    self.post_boudoir(season, boudoir, &text).await;
                }
                Decision::BoudoirLeft { boudoir, player } => {
                    self.boudoir_access(season, boudoir, player, false).await;
                    let text = self.say(L::BoudoirLeft, &[("name", &name(player))]);
                    self.post_boudoir(season, boudoir, &text).await;
                }
                Decision::ActionCreated { .. }
                | Decision::ActionCancelled { .. }
                | Decision::ActionArchived { .. }
                | Decision::BoudoirGerant { .. } => {
                    log::info!("game: {decision:?}");
                }
            }
        }
    }

    /// A member's roles as Discord has them now; `None` if they left the
    /// guild. An error (Discord unreachable, slow) says only that the
    /// answer is not known yet.
    pub async fn member_roles(&self, http: &Http, user: u64) -> Result<Option<Vec<u64>>, String> {
        let call = self.guild().member(http, UserId::new(user));
        match tokio::time::timeout(CALL_DEADLINE, call).await {
            Ok(Ok(member)) => Ok(Some(member.roles.iter().map(|r| r.get()).collect())),
            Ok(Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(e))))
                if e.status_code == serenity::http::StatusCode::NOT_FOUND =>
            {
                Ok(None)
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("Discord did not answer in time".to_owned()),
        }
    }

    async fn give_role(&self, http: &Http, player: u64, role: GameRole) {
        let Some(id) = self.role(role) else {
            log::error!("game: no role {} to give", role.name());
            return;
        };
        let call = http.add_member_role(self.guild(), UserId::new(player), id, None);
        match tokio::time::timeout(CALL_DEADLINE, call).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!("game: cannot give {} to {player}: {e}", role.name()),
            Err(_) => log::error!("game: giving {} to {player} timed out", role.name()),
        }
    }

    async fn take_role(&self, http: &Http, player: u64, role: GameRole) {
        let Some(id) = self.role(role) else {
            return;
        };
        let call = http.remove_member_role(self.guild(), UserId::new(player), id, None);
        match tokio::time::timeout(CALL_DEADLINE, call).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!("game: cannot take {} from {player}: {e}", role.name()),
            Err(_) => log::error!("game: taking {} from {player} timed out", role.name()),
        }
    }

    /// The instant action's alert: the only message that pings, and only
    /// the MJ role (configured for it: the MJs want to be woken for an
    /// instant action, as lg-rez did).
    #[allow(clippy::disallowed_methods)]
    async fn ping_mjs(&self, text: &str) {
        let (Some(http), Some(channel)) = (
            self.http.get(),
            self.channel(&ChannelKey::Fixed("résolution")),
        ) else {
            return;
        };
        let role = self
            .settings
            .mj_role
            .map(RoleId::new)
            .or_else(|| self.role(GameRole::Mj));
        let mut message = CreateMessage::new().content(match role {
            Some(r) => format!("<@&{r}> {text}"),
            None => text.to_owned(),
        });
        message = message.allowed_mentions(match role {
            Some(r) => CreateAllowedMentions::new().roles(vec![r]),
            None => CreateAllowedMentions::new(),
        });
        let sent =
            tokio::time::timeout(CALL_DEADLINE, channel.send_message(http.as_ref(), message)).await;
        match sent {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => log::warn!("game: cannot alert the MJs: {e}"),
            Err(_) => log::warn!("game: alerting the MJs timed out"),
        }
    }

    async fn post_boudoir(&self, season: &Season, boudoir: crate::game::BoudoirId, text: &str) {
        if let Some(c) = season.boudoir(boudoir).and_then(|b| b.channel) {
            self.post(ChannelId::new(c), text, Vec::new()).await;
        }
    }

    /// A boudoir's channel, under "BOUDOIRS", with its members' overwrites;
    /// its id is then saved in the season.
    async fn create_boudoir(&self, season: &Season, id: crate::game::BoudoirId) {
        let (Some(http), Some(b)) = (self.http.get(), season.boudoir(id)) else {
            return;
        };
        let members: Vec<u64> = b.members.iter().map(|m| m.player).collect();
        let Some(overwrites) = self.boudoir_permissions(http, &members).await else {
            return;
        };
        let category = {
            let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
            ids.categories
                .get(structure::Category::Boudoirs.name())
                .copied()
        };
        let mut create = CreateChannel::new(boudoir_channel_name(&b.name))
            .kind(ChannelType::Text)
            .permissions(overwrites);
        if let Some(c) = category {
            create = create.category(c);
        }
        let created = tokio::time::timeout(
            CALL_DEADLINE,
            self.guild().create_channel(http.as_ref(), create),
        )
        .await;
        let channel = match created {
            Ok(Ok(c)) => c.id,
            Ok(Err(e)) => {
                log::error!("game: cannot create the boudoir {}: {e}", b.name);
                return;
            }
            Err(_) => {
                log::error!("game: creating the boudoir {} timed out", b.name);
                return;
            }
        };
        self.tell_privacy(season, Some(channel.get()));
        let attached = self
            .apply(|g| {
                g.attach_boudoir_channel(id, channel.get())?;
                Ok(((), Vec::new()))
            })
            .await;
        if let Err(e) = attached {
            log::error!("{e}");
        }
        let text = self.say(
            L::BoudoirCreated,
            &[("name", &b.name), ("channel", &channel.get().to_string())],
        );
        if let Some(g) = b.gerant() {
            self.post_player(g, &text, Vec::new()).await;
        }
    }

    /// A boudoir's overwrites for these members, with ids resolved.
    async fn boudoir_permissions(
        &self,
        http: &Http,
        members: &[u64],
    ) -> Option<Vec<PermissionOverwrite>> {
        let me = match tokio::time::timeout(CALL_DEADLINE, http.get_current_user()).await {
            Ok(Ok(u)) => u.id.get(),
            _ => {
                log::error!("game: cannot read the bot's own user");
                return None;
            }
        };
        Some(
            structure::boudoir_overwrites(members)
                .into_iter()
                .filter_map(|o| {
                    let kind = match o.who {
                        Who::Everyone => {
                            PermissionOverwriteType::Role(RoleId::new(self.settings.guild))
                        }
                        Who::Role(r) => PermissionOverwriteType::Role(self.role(r)?),
                        Who::Bot => PermissionOverwriteType::Member(UserId::new(me)),
                        Who::Member(m) => PermissionOverwriteType::Member(UserId::new(m)),
                    };
                    Some(PermissionOverwrite {
                        allow: o.allow,
                        deny: o.deny,
                        kind,
                    })
                })
                .collect(),
        )
    }

    /// A renamed boudoir's channel follows; an archived one moves to the
    /// cemetery and loses its members' overwrites (GAME.md §2).
    async fn edit_boudoir(&self, season: &Season, id: crate::game::BoudoirId, archive: bool) {
        let (Some(http), Some(b)) = (self.http.get(), season.boudoir(id)) else {
            return;
        };
        let Some(channel) = b.channel.map(ChannelId::new) else {
            return;
        };
        let mut edit = EditChannel::new().name(boudoir_channel_name(&b.name));
        if archive {
            let Some(overwrites) = self.boudoir_permissions(http, &[]).await else {
                return;
            };
            edit = edit.permissions(overwrites);
            let cemetery = {
                let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
                ids.categories
                    .get(structure::Category::Cimetiere.name())
                    .copied()
            };
            if let Some(c) = cemetery {
                edit = edit.category(c);
            }
        }
        let edited = tokio::time::timeout(CALL_DEADLINE, channel.edit(http.as_ref(), edit)).await;
        if !matches!(edited, Ok(Ok(_))) {
            log::error!("game: cannot update the channel of boudoir {}", b.name);
        }
    }

    async fn boudoir_access(
        &self,
        season: &Season,
        id: crate::game::BoudoirId,
        player: u64,
        access: bool,
    ) {
        let (Some(http), Some(channel)) =
            (self.http.get(), season.boudoir(id).and_then(|b| b.channel))
        else {
            return;
        };
        let channel = ChannelId::new(channel);
        let kind = PermissionOverwriteType::Member(UserId::new(player));
        let result = if access {
            let o = PermissionOverwrite {
                allow: structure::READ,
                deny: serenity::all::Permissions::empty(),
                kind,
            };
            tokio::time::timeout(CALL_DEADLINE, channel.create_permission(http.as_ref(), o)).await
        } else {
            tokio::time::timeout(
                CALL_DEADLINE,
                channel.delete_permission(http.as_ref(), kind),
            )
            .await
        };
        if !matches!(result, Ok(Ok(()))) {
            log::error!("game: cannot change {player}'s access to boudoir channel {channel}");
        }
    }
}

/// Why an opening was skipped, in words (the player's and the MJs').
pub fn skip_reason(language: Language, reason: crate::game::SkipReason) -> String {
    use crate::game::SkipReason as R;
    match reason {
        R::Archived => say(L::SkipArchived, language, &[]),
        R::Cooldown { left } => say(L::SkipCooldown, language, &[("left", &left.to_string())]),
        R::RoleInactive => say(L::SkipRoleInactive, language, &[]),
        R::NoCharges => say(L::SkipNoCharges, language, &[]),
        R::Dead => say(L::SkipDead, language, &[]),
    }
}

/// A boudoir's channel name: prefixed, so it never takes a fixed
/// channel's name (see [`super::diff`]'s header).
fn boudoir_channel_name(name: &str) -> String {
    let slug = structure::player_channel_name(name);
    format!(
        "boudoir-{}",
        slug.trim_start_matches(structure::PLAYER_CHANNEL_PREFIX)
    )
}

/// The scheduler's handler for kind `"game"`: the engine's [`Task`]s.
/// Weak: the shell holds the scheduler, which holds its handlers.
pub struct TaskHandler(pub std::sync::Weak<GameShell>);

#[async_trait::async_trait]
impl schedule::Handler for TaskHandler {
    async fn run(&self, scheduled: &Scheduled) -> Outcome {
        let task: Task = match serde_json::from_value(scheduled.task.payload.clone()) {
            Ok(t) => t,
            Err(e) => return Outcome::Failed(format!("not a game task: {e}")),
        };
        let Some(shell) = self.0.upgrade() else {
            return Outcome::Retry("the game is stopping".into());
        };
        let now = shell.clock.now();
        match shell.run(|g| g.run(&task, now)).await {
            Ok(()) => Outcome::Done,
            Err(ShellError::Save(e)) => Outcome::Retry(e),
            // The season moved on (a vote closed by hand): nothing to do.
            Err(ShellError::Game(e)) => {
                log::info!("game: task {task:?} did nothing: {e}");
                Outcome::Done
            }
        }
    }

    fn pause(&self) -> Option<(Pause, Zone)> {
        let shell = self.0.upgrade()?;
        let schedule = &shell.settings.schedule;
        Some((schedule.pause?, schedule.zone.clone()))
    }

    fn failed(&self, task: &Scheduled, reason: &str) {
        log::error!("game: task {} dropped: {reason}", task.id);
    }
}
