//! Every text a player or the admin reads on Discord.
//!
//! French by default (the community is French-speaking), English available,
//! and each text can be replaced in `[messages.text]` of the config. Texts
//! are templates with `{name}` placeholders; the config loader checks that
//! an override names a known text and only uses that text's placeholders,
//! so a typo is caught at start-up rather than shown to players.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Deserialize;

use crate::power::machine::{Notice, Requester, StateKind};

/// The digest's fixed words (mail, post, `/report`), not overridable.
/// Fixed words and phrases in both languages, as an enum whose `get` picks
/// one: the labels of the digest, the admin page and the slash commands.
/// Unlike [`Text`], they are not replaceable from `[messages.text]`.
macro_rules! labels {
    ($(#[$edoc:meta])* $name:ident { $( $(#[$doc:meta])* $variant:ident fr: $fr:literal en: $en:literal; )* }) => {
        $(#[$edoc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $( $(#[$doc])* $variant ),* }

        impl $name {
            /// Every label, for the tests that check them all.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// This label in `language`.
            pub fn get(self, language: $crate::messages::Language) -> &'static str {
                match (self, language) {
                    $(($name::$variant, $crate::messages::Language::Fr) => $fr,
                      ($name::$variant, $crate::messages::Language::En) => $en,)*
                }
            }
        }
    };
}

pub mod commands;
pub mod digest;
/// The werewolf game's fixed texts, not overridable.
pub mod game;
/// The admin page's fixed words, not overridable.
pub mod page;

/// The language of the built-in texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Fr,
    En,
}

macro_rules! texts {
    ($( $variant:ident $key:literal [$($ph:literal),*] fr: $fr:literal en: $en:literal; )*) => {
        /// The name of one text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Text { $($variant),* }

        impl Text {
            pub const ALL: &'static [Text] = &[$(Text::$variant),*];

            /// The key of this text in `[messages.text]`.
            pub fn key(self) -> &'static str {
                match self { $(Text::$variant => $key),* }
            }

            /// The placeholders this text may use.
            pub fn placeholders(self) -> &'static [&'static str] {
                match self { $(Text::$variant => &[$($ph),*]),* }
            }

            fn builtin(self, language: Language) -> &'static str {
                match (self, language) {
                    $((Text::$variant, Language::Fr) => $fr,
                      (Text::$variant, Language::En) => $en,)*
                }
            }
        }
    };
}

texts! {
    StartupRequested "startup_requested" ["player"]
        fr: "🚀 Démarrage du serveur demandé par {player}. Je vous préviens dès que Minecraft répond."
        en: "🚀 Server start requested by {player}. I'll tell you as soon as Minecraft answers.";
    SomePlayer "some_player" []
        fr: "un joueur"
        en: "a player";
    Operational "operational" []
        fr: "✅ Le serveur Minecraft est prêt ! Bon jeu 🎮"
        en: "✅ The Minecraft server is ready! Have fun 🎮";
    ShutdownScheduled "shutdown_scheduled" ["delay"]
        fr: "⏰ Plus aucun joueur autorisé dans le salon vocal : le serveur s'éteindra dans {delay}. Appuyez sur « Annuler » pour le garder allumé."
        en: "⏰ No authorized player left in the voice channel: the server will shut down in {delay}. Press “Cancel” to keep it on.";
    CancelButton "cancel_button" []
        fr: "Annuler"
        en: "Cancel";
    ShutdownCancelled "shutdown_cancelled" ["player"]
        fr: "👍 Arrêt annulé par {player} : le serveur reste allumé jusqu'au prochain départ du salon vocal."
        en: "👍 Shutdown cancelled by {player}: the server stays on until the voice channel empties again.";
    ShutdownAborted "shutdown_aborted" ["player"]
        fr: "👋 {player} est de retour : arrêt annulé."
        en: "👋 {player} is back: shutdown cancelled.";
    ShutdownPostponed "shutdown_postponed" ["players", "delay"]
        fr: "🎮 Encore {players} joueur(s) connecté(s) à Minecraft : l'arrêt attendra qu'ils aient fini (nouvel essai dans {delay})."
        en: "🎮 {players} player(s) still in Minecraft: the shutdown will wait until they are done (next try in {delay}).";
    ShuttingDown "shutting_down" []
        fr: "💤 Arrêt du serveur en cours…"
        en: "💤 Shutting the server down…";
    Off "off" []
        fr: "💤 Le serveur est éteint. Rejoignez le salon vocal pour le rallumer."
        en: "💤 The server is off. Join the voice channel to start it again.";
    Failed "failed" []
        fr: "❌ Un problème est survenu avec le serveur — un administrateur a été notifié."
        en: "❌ Something went wrong with the server — an administrator has been notified.";
    AdminAlert "admin_alert" ["reason"]
        fr: "⚠️ CubeGuardian : {reason}"
        en: "⚠️ CubeGuardian: {reason}";
    CancelRefused "cancel_refused" []
        fr: "🚫 Permission refusée — seuls les joueurs autorisés peuvent annuler l'arrêt."
        en: "🚫 Permission denied — only authorized players can cancel the shutdown.";
    CancelNothing "cancel_nothing" []
        fr: "Aucun arrêt n'est prévu."
        en: "No shutdown is pending.";
    CancelDone "cancel_done" []
        fr: "✅ Arrêt annulé."
        en: "✅ Shutdown cancelled.";
    PermissionDenied "permission_denied" []
        fr: "🚫 Permission refusée — seuls les joueurs autorisés peuvent faire cela."
        en: "🚫 Permission denied — only authorized players can do that.";
    RestartConfirm "restart_confirm" ["player", "seconds"]
        fr: "⚠️ {player}, redémarrer le serveur Minecraft ? Les joueurs connectés seront déconnectés. Confirmez dans les {seconds} secondes (boutons, ou tapez « oui » / « non »)."
        en: "⚠️ {player}, restart the Minecraft server? Connected players will be disconnected. Confirm within {seconds} seconds (buttons, or type “yes” / “no”).";
    ConfirmButton "confirm_button" []
        fr: "Confirmer"
        en: "Confirm";
    RestartAskFirst "restart_ask_first" []
        fr: "Tu veux que je redémarre le serveur ?"
        en: "Do you want me to restart the server?";
    YesButton "yes_button" []
        fr: "Oui"
        en: "Yes";
    NoButton "no_button" []
        fr: "Non"
        en: "No";
    RestartCancelled "restart_cancelled" []
        fr: "👍 Redémarrage annulé."
        en: "👍 Restart cancelled.";
    RestartExpired "restart_expired" []
        fr: "⌛ Pas de confirmation : redémarrage annulé."
        en: "⌛ No confirmation: restart cancelled.";
    NotYourConfirmation "not_your_confirmation" ["player"]
        fr: "🚫 Seul {player} peut répondre à cette demande."
        en: "🚫 Only {player} can answer this request.";
    NothingToConfirm "nothing_to_confirm" []
        fr: "Cette demande a expiré."
        en: "This request has expired.";
    RestartInProgress "restart_in_progress" []
        fr: "🔄 Redémarrage en cours… Surveillance du processus."
        en: "🔄 Restarting… watching the process.";
    RestartAlreadyRunning "restart_already_running" []
        fr: "🔄 Un redémarrage est déjà en cours, patientez."
        en: "🔄 A restart is already under way, please wait.";
    RestartSucceeded "restart_succeeded" ["seconds"]
        fr: "✅ Serveur redémarré avec succès ! Temps : {seconds} secondes"
        en: "✅ Server restarted successfully! Time: {seconds} seconds";
    RestartFailed "restart_failed" []
        fr: "❌ Échec du redémarrage — un administrateur a été notifié."
        en: "❌ Restart failed — an administrator has been notified.";
    RestartFailedAlert "restart_failed_alert" ["player", "reason"]
        fr: "⚠️ CubeGuardian : le redémarrage de Minecraft demandé par {player} a échoué : {reason}"
        en: "⚠️ CubeGuardian: the Minecraft restart requested by {player} failed: {reason}";
    Cooldown "cooldown" ["minutes"]
        fr: "⏳ Cooldown actif — vous devez attendre encore {minutes} minute(s) avant un nouveau redémarrage."
        en: "⏳ Cooldown active — wait {minutes} more minute(s) before another restart.";
    DailyRestartCap "daily_restart_cap" ["count"]
        fr: "⏳ Limite atteinte : déjà {count} redémarrages aujourd'hui. Réessayez demain."
        en: "⏳ Limit reached: already {count} restarts today. Try again tomorrow.";
    RestartWhileOff "restart_while_off" []
        fr: "💤 Le serveur est éteint : il n'y a rien à redémarrer. Voulez-vous le démarrer ?"
        en: "💤 The server is off: there is nothing to restart. Do you want to start it?";
    WakeButton "wake_button" []
        fr: "Démarrer"
        en: "Start";
    NotAvailable "not_available" ["state"]
        fr: "⏳ Le serveur n'est pas disponible pour l'instant ({state}). Réessayez dans un moment."
        en: "⏳ The server is not available right now ({state}). Try again in a moment.";
    WakeStarted "wake_started" []
        fr: "🚀 C'est parti, le serveur démarre."
        en: "🚀 On it, the server is starting.";
    WakeAlreadyOn "wake_already_on" []
        fr: "✅ Le serveur est déjà allumé."
        en: "✅ The server is already on.";
    WakeAlreadyStarting "wake_already_starting" []
        fr: "⏳ Le serveur est déjà en train de démarrer."
        en: "⏳ The server is already starting.";
    StatusReport "status_report" ["state", "since", "game", "voice", "timer"]
        fr: "📊 **État du serveur** : {state} (depuis {since})\n🎮 {game}\n🎧 Joueurs autorisés dans le vocal : {voice}{timer}"
        en: "📊 **Server status**: {state} (for {since})\n🎮 {game}\n🎧 Authorized players in voice: {voice}{timer}";
    StatusGameOnline "status_game_online" ["version", "players", "max"]
        fr: "Minecraft {version} : {players}/{max} joueurs connectés"
        en: "Minecraft {version}: {players}/{max} players online";
    StatusGameOffline "status_game_offline" []
        fr: "Minecraft ne répond pas"
        en: "Minecraft does not answer";
    StatusTimer "status_timer" ["delay"]
        fr: "\n⏰ Arrêt prévu dans {delay}"
        en: "\n⏰ Shutdown in {delay}";
    HelpPlayer "help_player" ["bot"]
        fr: "🆘 **Aide — commandes disponibles**\n• `/status` : l'état du serveur\n• `/wake` : démarrer le serveur (ou rejoignez le salon vocal)\n• `/restart` : redémarrer Minecraft (avec confirmation)\n• `/help` : cette aide\nEn langage naturel aussi : « @{bot} redémarre le serveur », « @{bot} le serveur est allumé ? » (en message privé, pas besoin de mention)."
        en: "🆘 **Help — available commands**\n• `/status`: the server's state\n• `/wake`: start the server (or join the voice channel)\n• `/restart`: restart Minecraft (with confirmation)\n• `/help`: this help\nIn plain words too: “@{bot} restart the server”, “@{bot} is the server up?” (no mention needed in a direct message).";
    HelpFrontDoor "help_front_door" []
        fr: "• `/link <pseudo>` : lier ton compte Minecraft pour réveiller le serveur en t'y connectant depuis le jeu (`/unlink` pour le délier)"
        en: "• `/link <name>`: link your Minecraft account, to wake the server by joining it from the game (`/unlink` to undo)";
    StateIdle "state_idle" []
        fr: "éteint"
        en: "off";
    StateStartupRequested "state_startup_requested" []
        fr: "démarrage demandé"
        en: "start requested";
    StateStartupMonitoring "state_startup_monitoring" []
        fr: "en cours de démarrage"
        en: "starting";
    StateOperational "state_operational" []
        fr: "opérationnel"
        en: "running";
    StateShutdownTimer "state_shutdown_timer" []
        fr: "arrêt programmé"
        en: "shutdown scheduled";
    StateShutdownInProgress "state_shutdown_in_progress" []
        fr: "en cours d'arrêt"
        en: "shutting down";
    StateError "state_error" []
        fr: "en erreur"
        en: "in error";
    StateMaintenance "state_maintenance" []
        fr: "en maintenance"
        en: "in maintenance";
    RateLimited "rate_limited" ["wait"]
        fr: "⏳ Attendez {wait} avant de réessayer."
        en: "⏳ Wait {wait} before trying again.";
    Banned "banned" ["wait"]
        fr: "⛔ Trop de demandes : vos commandes sont bloquées pendant encore {wait}."
        en: "⛔ Too many requests: your commands are blocked for another {wait}.";
    AdminOnly "admin_only" []
        fr: "🚫 Réservé aux administrateurs."
        en: "🚫 Administrators only.";
    RatelimitStatsTitle "ratelimit_stats_title" []
        fr: "📈 Limiteur de commandes"
        en: "📈 Command rate limiter";
    RatelimitUserTitle "ratelimit_user_title" ["player"]
        fr: "👤 Limites de {player}"
        en: "👤 Limits of {player}";
    RatelimitBanned "ratelimit_banned" ["player", "wait", "reason"]
        fr: "🔨 {player} est bloqué pendant {wait} : {reason}"
        en: "🔨 {player} is blocked for {wait}: {reason}";
    RatelimitUnbanned "ratelimit_unbanned" ["player"]
        fr: "✅ {player} est débloqué."
        en: "✅ {player} is unblocked.";
    RatelimitNotBanned "ratelimit_not_banned" ["player"]
        fr: "{player} n'était pas bloqué."
        en: "{player} was not blocked.";
    RatelimitReset "ratelimit_reset" ["player"]
        fr: "🧹 Compteurs de {player} remis à zéro."
        en: "🧹 {player}'s counters were reset.";
    DigestNothing "digest_nothing" []
        fr: "📭 Rien de neuf depuis le dernier résumé."
        en: "📭 Nothing new since the last digest.";
    DigestMailed "digest_mailed" ["id", "count"]
        fr: "📧 Résumé n°{id} ({count} message(s)) mis en file d'envoi : il part par e-mail."
        en: "📧 Digest #{id} ({count} message(s)) queued: it is on its way by email.";
    DigestFailed "digest_failed" []
        fr: "❌ Le résumé n'a pas pu être préparé — un administrateur peut consulter le journal."
        en: "❌ The digest could not be prepared — an administrator can check the log.";
    DigestMore "digest_more" []
        fr: "📎 La suite est dans le fichier joint."
        en: "📎 The rest is in the attached file.";
    DigestSentByDm "digest_sent_by_dm" []
        fr: "📬 Réponse envoyée en message privé."
        en: "📬 Answer sent by direct message.";
    DigestDmRefused "digest_dm_refused" []
        fr: "📪 Impossible de vous écrire en message privé : ouvrez vos messages privés ou utilisez la commande slash, dont la réponse n'est visible que par vous."
        en: "📪 I cannot send you a direct message: open your direct messages, or use the slash command, whose answer only you can see.";
    ChannelsList "channels_list" ["watched", "important", "excluded"]
        fr: "📚 **Salons du résumé**\n• Suivis : {watched}\n• Importants (en premier et en entier) : {important}\n• Exclus : {excluded}"
        en: "📚 **Digest channels**\n• Watched: {watched}\n• Important (first and in full): {important}\n• Excluded: {excluded}";
    ChannelExcluded "channel_excluded" ["channel"]
        fr: "🙈 {channel} est exclu du résumé : ses nouveaux messages ne sont plus enregistrés."
        en: "🙈 {channel} is excluded from the digest: its new messages are no longer stored.";
    ChannelIncluded "channel_included" ["channel"]
        fr: "👀 {channel} fait de nouveau partie du résumé."
        en: "👀 {channel} is part of the digest again.";
    ChannelUnknown "channel_unknown" []
        fr: "Ce salon n'est pas un salon textuel du serveur."
        en: "That is not one of the server's text channels.";
    NoChannel "no_channel" []
        fr: "aucun"
        en: "none";
    FrontDoorSleeping "front_door_sleeping" []
        fr: "💤 endormi — connectez-vous pour le réveiller"
        en: "💤 asleep — log in to wake it up";
    FrontDoorStarting "front_door_starting" ["seconds"]
        fr: "⏳ démarrage… (~{seconds} s)"
        en: "⏳ starting… (~{seconds} s)";
    FrontDoorStopping "front_door_stopping" []
        fr: "🔌 arrêt en cours"
        en: "🔌 shutting down";
    FrontDoorWaking "front_door_waking" ["seconds"]
        fr: "Le serveur démarre, revenez dans ~{seconds} s"
        en: "The server is starting, come back in ~{seconds} s";
    FrontDoorRefused "front_door_refused" ["player"]
        fr: "{player} n'est pas autorisé à démarrer ce serveur. Demandez à un administrateur de vous ajouter."
        en: "{player} may not start this server. Ask an administrator to add you.";
    FrontDoorUnverified "front_door_unverified" ["player"]
        fr: "Impossible de confirmer que vous êtes {player} : connectez-vous avec le compte Minecraft officiel de ce joueur."
        en: "Could not confirm that you are {player}: log in with that player's official Minecraft account.";
    FrontDoorCannotVerify "front_door_cannot_verify" []
        fr: "Impossible de vérifier votre compte Minecraft pour l'instant. Réessayez dans un moment."
        en: "Your Minecraft account cannot be verified right now. Try again in a moment.";
    FrontDoorBusy "front_door_busy" []
        fr: "Le serveur s'arrête ou n'est pas disponible pour l'instant. Réessayez dans un moment."
        en: "The server is shutting down or not available right now. Try again in a moment.";
    GamePlayer "game_player" ["player"]
        fr: "{player} depuis le jeu"
        en: "{player} from the game";
    StatusGamePlayers "status_game_players" ["players"]
        fr: "\n🚪 Joueurs connectés par la porte d'entrée : {players}"
        en: "\n🚪 Players connected through the front door: {players}";
    StartupFromGame "startup_from_game" ["player"]
        fr: "🚀 Serveur réveillé par {player}. Je vous préviens dès que Minecraft répond."
        en: "🚀 Server woken by {player}. I'll tell you as soon as Minecraft answers.";
    LinkPending "link_pending" ["player", "minutes"]
        fr: "🔗 Connecte-toi au serveur Minecraft avec le compte {player} dans les {minutes} minutes pour confirmer le lien."
        en: "🔗 Log in to the Minecraft server with the account {player} within {minutes} minutes to confirm the link.";
    LinkAlready "link_already" ["player"]
        fr: "✅ Ton compte Discord est déjà lié à {player}."
        en: "✅ Your Discord account is already linked to {player}.";
    LinkTaken "link_taken" ["player"]
        fr: "🚫 Le compte Minecraft {player} est déjà lié à un autre membre."
        en: "🚫 The Minecraft account {player} is already linked to another member.";
    LinkInvalid "link_invalid" ["player"]
        fr: "🚫 « {player} » n'est pas un nom de joueur Minecraft (1 à 16 lettres, chiffres ou _). Utilisation : `/link <nom Minecraft>`"
        en: "🚫 “{player}” is not a Minecraft player name (1 to 16 letters, digits or _). Usage: `/link <Minecraft name>`";
    Unlinked "unlinked" ["player"]
        fr: "🔓 Ton compte Discord n'est plus lié à {player}."
        en: "🔓 Your Discord account is no longer linked to {player}.";
    UnlinkNothing "unlink_nothing" []
        fr: "Aucun compte Minecraft n'est lié à ton compte Discord."
        en: "No Minecraft account is linked to your Discord account.";
    FrontDoorLinked "front_door_linked" ["member"]
        fr: "Compte lié à {member} ✓ — reconnecte-toi"
        en: "Account linked to {member} ✓ — log in again";
    FrontDoorLinkRefused "front_door_link_refused" ["player", "member"]
        fr: "{player} est lié à {member}, qui n'est pas autorisé à démarrer ce serveur. Demandez à un administrateur."
        en: "{player} is linked to {member}, who may not start this server. Ask an administrator.";
    FrontDoorLinkUnchecked "front_door_link_unchecked" []
        fr: "Impossible de vérifier ton compte Discord pour l'instant. Réessaie dans un moment."
        en: "Your Discord account cannot be checked right now. Try again in a moment.";
    FrontDoorReady "front_door_ready" []
        fr: "✅ Le serveur Minecraft est prêt — tu peux te connecter"
        en: "✅ The Minecraft server is ready — you can log in";
    HelpVisitor "help_visitor" ["bot"]
        fr: "🆘 **Aide**\n• `/status` : l'état du serveur\n• `/help` : cette aide\nDémarrer ou redémarrer le serveur est réservé aux joueurs autorisés : demandez à un administrateur."
        en: "🆘 **Help**\n• `/status`: the server's state\n• `/help`: this help\nStarting or restarting the server is for authorized players: ask an administrator.";
}

impl Text {
    /// The name players read for a power state.
    pub fn state(kind: StateKind) -> Text {
        match kind {
            StateKind::Idle => Text::StateIdle,
            StateKind::StartupRequested => Text::StateStartupRequested,
            StateKind::StartupMonitoring => Text::StateStartupMonitoring,
            StateKind::Operational => Text::StateOperational,
            StateKind::ShutdownTimer => Text::StateShutdownTimer,
            StateKind::ShutdownInProgress => Text::StateShutdownInProgress,
            StateKind::Error => Text::StateError,
            StateKind::Maintenance => Text::StateMaintenance,
        }
    }

    pub fn from_key(key: &str) -> Option<Text> {
        Text::ALL.iter().copied().find(|t| t.key() == key)
    }
}

/// Why an override in `[messages.text]` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("unknown text `{key}` (known: {known})")]
    UnknownKey { key: String, known: String },
    #[error("text `{key}` uses the placeholder {{{placeholder}}}, which it does not have (it has: {allowed})")]
    UnknownPlaceholder {
        key: String,
        placeholder: String,
        allowed: String,
    },
}

/// The texts in use: built-ins of one language plus the admin's overrides.
///
/// Clones share one set of texts, so that a configuration reload
/// ([`Messages::replace`]) reaches every part of the appliance at once.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    inner: Arc<RwLock<Texts>>,
}

#[derive(Debug, Default)]
struct Texts {
    language: Language,
    overrides: HashMap<Text, String>,
}

impl Messages {
    /// Checks every override; the first bad one is reported with its key.
    pub fn new(
        language: Language,
        overrides: &[(String, String)],
    ) -> Result<Self, (String, TextError)> {
        let mut map = HashMap::new();
        for (key, template) in overrides {
            let text = Text::from_key(key).ok_or_else(|| {
                let known = Text::ALL
                    .iter()
                    .map(|t| t.key())
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    key.clone(),
                    TextError::UnknownKey {
                        key: key.clone(),
                        known,
                    },
                )
            })?;
            for placeholder in placeholders(template) {
                if !text.placeholders().contains(&placeholder) {
                    return Err((
                        key.clone(),
                        TextError::UnknownPlaceholder {
                            key: key.clone(),
                            placeholder: placeholder.to_owned(),
                            allowed: text.placeholders().join(", "),
                        },
                    ));
                }
            }
            map.insert(text, template.clone());
        }
        Ok(Messages {
            inner: Arc::new(RwLock::new(Texts {
                language,
                overrides: map,
            })),
        })
    }

    fn texts(&self) -> std::sync::RwLockReadGuard<'_, Texts> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the texts of `other` (a reloaded configuration's), for every
    /// clone of `self`.
    pub fn replace(&self, other: &Messages) {
        let (language, overrides) = {
            let new = other.texts();
            (new.language, new.overrides.clone())
        };
        let mut texts = self.inner.write().unwrap_or_else(|p| p.into_inner());
        texts.language = language;
        texts.overrides = overrides;
    }

    pub fn language(&self) -> Language {
        self.texts().language
    }

    /// The text with its placeholders filled in; unknown ones stay as typed.
    pub fn render(&self, text: Text, args: &[(&str, &str)]) -> String {
        let texts = self.texts();
        let template = texts
            .overrides
            .get(&text)
            .map(String::as_str)
            .unwrap_or_else(|| text.builtin(texts.language));
        fill(template, args)
    }

    /// The announcement for a power notice.
    pub fn notice(&self, notice: &Notice) -> String {
        match notice {
            // A wake from the game says so: "réveillé par Steve depuis le jeu".
            Notice::StartupRequested { by: Some(by) } if by.is_game_player() => {
                self.render(Text::StartupFromGame, &[("player", &by.name)])
            }
            Notice::StartupRequested { by } => {
                let player = self.player(by.as_ref());
                self.render(Text::StartupRequested, &[("player", &player)])
            }
            Notice::Operational => self.render(Text::Operational, &[]),
            Notice::ShutdownScheduled { delay } => {
                self.render(Text::ShutdownScheduled, &[("delay", &spoken(*delay))])
            }
            Notice::ShutdownCancelled { by } => self.render(
                Text::ShutdownCancelled,
                &[("player", &self.player(Some(by)))],
            ),
            Notice::ShutdownAborted { by } => self.render(
                Text::ShutdownAborted,
                &[("player", &self.player(by.as_ref()))],
            ),
            Notice::ShutdownPostponed { players, delay } => self.render(
                Text::ShutdownPostponed,
                &[
                    ("players", &players.to_string()),
                    ("delay", &spoken(*delay)),
                ],
            ),
            Notice::ShuttingDown => self.render(Text::ShuttingDown, &[]),
            Notice::Off => self.render(Text::Off, &[]),
            Notice::Failed => self.render(Text::Failed, &[]),
        }
    }

    fn player(&self, who: Option<&Requester>) -> String {
        match who {
            Some(r) => r.name.clone(),
            None => self.render(Text::SomePlayer, &[]),
        }
    }
}

/// A delay as players read it: "45 s" under a minute, else whole minutes
/// rounded up ("2 min" for 90 s, so a delay is never announced shorter than
/// it is).
pub fn spoken(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{} s", secs.max(1))
    } else {
        format!("{} min", secs.div_ceil(60))
    }
}

/// The `{name}` placeholders of a template.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

/// `template` with its `{name}` placeholders filled in from `args`;
/// unknown ones stay as typed, so a typo in an admin's text shows instead
/// of vanishing.
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_texts_only_use_their_placeholders() {
        for text in Text::ALL {
            for lang in [Language::Fr, Language::En] {
                for ph in placeholders(text.builtin(lang)) {
                    assert!(text.placeholders().contains(&ph), "{}: {ph}", text.key());
                }
            }
        }
    }

    #[test]
    fn french_is_the_default_and_placeholders_are_filled() {
        let m = Messages::default();
        let by = Requester {
            id: 1,
            name: "alice".into(),
        };
        let s = m.notice(&Notice::StartupRequested { by: Some(by) });
        assert_eq!(
            s,
            "🚀 Démarrage du serveur demandé par alice. Je vous préviens dès que Minecraft répond."
        );
        let s = m.notice(&Notice::ShutdownScheduled {
            delay: Duration::from_secs(90),
        });
        assert!(s.contains("dans 2 min"), "{s}");
        let s = m.notice(&Notice::ShutdownScheduled {
            delay: Duration::from_secs(5),
        });
        assert!(s.contains("dans 5 s"), "{s}");
        assert!(m
            .notice(&Notice::StartupRequested { by: None })
            .contains("un joueur"));
    }

    #[test]
    fn overrides_replace_texts_and_english_is_available() {
        let m = Messages::new(Language::En, &[("off".into(), "Bye {x".into())]).unwrap();
        assert_eq!(m.notice(&Notice::Off), "Bye {x");
        assert_eq!(
            m.notice(&Notice::ShuttingDown),
            "💤 Shutting the server down…"
        );
    }

    #[test]
    fn bad_overrides_are_refused_with_their_key() {
        let err = Messages::new(Language::Fr, &[("of".into(), "x".into())]).unwrap_err();
        assert_eq!(err.0, "of");
        assert!(err.1.to_string().contains("known: startup_requested"));
        let err =
            Messages::new(Language::Fr, &[("off".into(), "{player} left".into())]).unwrap_err();
        assert!(
            matches!(err.1, TextError::UnknownPlaceholder { .. }),
            "{:?}",
            err.1
        );
    }

    #[test]
    fn the_readme_lists_every_text_with_its_placeholders() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split_once("| name | placeholders | French default |")
            .map(|(_, table)| table)
            .expect("the README's table of texts");
        for text in Text::ALL {
            let row = table
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", text.key())))
                .unwrap_or_else(|| panic!("README has no row for `{}`", text.key()));
            for ph in text.placeholders() {
                assert!(row.contains(&format!("`{{{ph}}}`")), "{row}");
            }
        }
    }
}
