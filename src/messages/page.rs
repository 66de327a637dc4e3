//! The admin page's words, in French or English: headings, buttons and
//! states the page writes itself. Like [`super::digest`], fixed labels
//! rather than texts replaceable in `[messages.text]`. (What the page shows
//! from elsewhere — the power state, the result of an action — comes in
//! already written.)

use std::time::Duration;

use super::Language;

labels! {
    /// A fixed word or phrase of the admin page.
    PageLabel {
        /// The `lang` attribute of the page.
        HtmlLang fr: "fr" en: "en";
        LoginTitle fr: "CubeGuardian — connexion" en: "CubeGuardian — log in";
        AdminTitle fr: "CubeGuardian — administration" en: "CubeGuardian — admin";
        AdminLogin fr: "Connexion administrateur" en: "Admin login";
        AdminToken fr: "Jeton d’administration" en: "Admin token";
        LogIn fr: "Se connecter" en: "Log in";
        LogOut fr: "Se déconnecter" en: "Log out";
        /// Before the credential's name in the login form's note.
        TokenIs fr: "Le jeton est l’identifiant systemd " en: "The token is the ";
        /// Between the credential's name and the variable's.
        TokenOr fr: " (ou " en: " credential (or ";
        NotLoggedIn fr: "Non connecté" en: "Not logged in";
        LogInFirst
            fr: "Connectez-vous pour utiliser la page d’administration (votre session a peut-être expiré)."
            en: "Log in to use the admin page (your session may have expired).";
        /// After the version: "v0.1.0 · up 3 h 12 min".
        Up fr: "en marche depuis" en: "up";
        Refresh fr: "Actualiser" en: "Refresh";
        Power fr: "Alimentation" en: "Power";
        /// Between the state and how long it has lasted.
        For fr: "depuis" en: "for";
        ShutdownIn fr: "arrêt dans" en: "shutdown in";
        MaintenanceMode fr: "Mode maintenance" en: "Maintenance mode";
        MaintenanceNote
            fr: "\u{a0}: les actions automatiques sur l’alimentation sont suspendues."
            en: ": automatic power actions are suspended.";
        Discord fr: "Discord\u{a0}:" en: "Discord:";
        Connected fr: "connecté" en: "connected";
        Disconnected fr: "déconnecté" en: "disconnected";
        /// Before how long Discord has been down.
        DisconnectedFor fr: "déconnecté depuis" en: "disconnected for";
        LoopStuck fr: "la boucle principale ne répond pas" en: "main loop not responding";
        Wake fr: "Réveiller" en: "Wake";
        ShutDown fr: "Éteindre" en: "Shut down";
        ConfirmShutDown fr: "Éteindre l’hôte maintenant ?" en: "Shut the host down now?";
        RestartMinecraft fr: "Redémarrer Minecraft" en: "Restart Minecraft";
        ConfirmRestart fr: "Redémarrer le serveur Minecraft maintenant ?" en: "Restart the Minecraft server now?";
        SendDigest fr: "Envoyer le résumé maintenant" en: "Send digest now";
        LeaveMaintenance fr: "Quitter la maintenance" en: "Leave maintenance";
        EnterMaintenance fr: "Passer en maintenance" en: "Enter maintenance";
        VoiceChannel fr: "Salon vocal" en: "Voice channel";
        Nobody fr: "Personne." en: "Nobody.";
        Minecraft fr: "Minecraft" en: "Minecraft";
        /// The Minecraft server answers.
        McUp fr: "en ligne" en: "up";
        Players fr: "joueurs" en: "players";
        NotAnswering fr: "Ne répond pas." en: "Not answering.";
        FrontDoorPlayers
            fr: "joueur(s) dans le jeu par la porte d'entrée"
            en: "player(s) in the game through the front door";
        Features fr: "Fonctions" en: "Features";
        On fr: "activée" en: "on";
        Off fr: "désactivée" en: "off";
        TurnOn fr: "Activer" en: "Turn on";
        TurnOff fr: "Désactiver" en: "Turn off";
        Bans fr: "Exclusions (limite de débit)" en: "Rate-limit bans";
        NoBan fr: "Aucune." en: "None.";
        User fr: "Utilisateur" en: "User";
        Until fr: "Jusqu’à" en: "Until";
        Reason fr: "Raison" en: "Reason";
        /// The reason of a ban the limiter decided on its own.
        AutomaticBan fr: "automatique" en: "automatic";
        Unban fr: "Lever" en: "Unban";
        History fr: "Historique" en: "History";
        NoTransition fr: "Aucune transition pour l’instant." en: "No transition yet.";
        When fr: "Quand" en: "When";
        Transition fr: "Transition" en: "Transition";
        Reconciled fr: "(rapprochée)" en: "(reconciled)";
        RecentLogs fr: "Dernières lignes du journal" en: "Recent log lines";
        WrongToken fr: "Jeton incorrect." en: "Wrong token.";
        /// The plain-words switch in the features list.
        PlainWordsFeature fr: "Commandes en langage naturel" en: "Commands in plain words";
        /// The werewolf season's card (only with `[game]` on).
        Season fr: "Partie de loup-garou" en: "Werewolf season";
        SeasonRegistration fr: "Inscriptions ouvertes" en: "Registration open";
        SeasonRunning fr: "En cours" en: "Running";
        SeasonEnded fr: "Terminée" en: "Over";
        /// Before the game day's number.
        SeasonDay fr: "jour" en: "day";
        SeasonLiving fr: "vivants" en: "living";
        SeasonDead fr: "morts" en: "dead";
        SeasonPlayers fr: "inscrits" en: "players";
        SeasonMayor fr: "Maire\u{a0}:" en: "Mayor:";
        SeasonNoMayor fr: "pas encore élu" en: "not elected yet";
        SeasonOpenVotes fr: "Votes ouverts" en: "Open votes";
        SeasonNoVote fr: "Aucun vote ouvert." en: "No open vote.";
        /// "3 / 8 voted".
        SeasonVoted fr: "ont voté" en: "voted";
        /// Before a vote's closing time.
        SeasonCloses fr: "ferme à" en: "closes at";
        /// A vote an MJ closes by hand.
        SeasonClosedByMj fr: "fermé par un MJ" en: "closed by an MJ";
        SeasonOpenActions fr: "Pouvoirs ouverts\u{a0}:" en: "Open powers:";
        VotePyre fr: "Bûcher" en: "Pyre";
        VoteMayor fr: "Maire" en: "Mayor";
        VoteWolves fr: "Loups" en: "Wolves";

        // The page's answers to its actions (flash line, and the body of a
        // script's answer). `{…}` is filled in by the page.
        /// The action's name at the start of a refusal or of "still running".
        ActionWake fr: "Réveil" en: "Wake";
        ActionShutdown fr: "Arrêt" en: "Shutdown";
        ActionRestart fr: "Redémarrage de Minecraft" en: "Minecraft restart";
        ActionSendDigest fr: "Envoi du résumé" en: "Sending the digest";
        ActionMaintenance fr: "Maintenance" en: "Maintenance";
        ActionFeature fr: "Changement de fonction" en: "Feature change";
        ActionUnban fr: "Levée d’exclusion" en: "Unban";
        ActionDigest fr: "Lecture du résumé" en: "Digest query";
        WakeRequested
            fr: "Réveil demandé\u{a0}: paquets magiques envoyés."
            en: "Wake requested: magic packets sent.";
        ShutdownRequested fr: "Arrêt demandé." en: "Shutdown requested.";
        MaintenanceEntered
            fr: "Maintenance activée\u{a0}: plus aucune action automatique sur l’alimentation."
            en: "Maintenance on: no automatic power action.";
        MaintenanceLeft fr: "Maintenance terminée." en: "Maintenance off.";
        MinecraftRestarted
            fr: "Minecraft redémarré en {seconds}\u{a0}s."
            en: "Minecraft restarted in {seconds} s.";
        DigestQueued
            fr: "Résumé n°\u{a0}{id} construit ({messages} message(s)) et mis en file d’envoi."
            en: "Digest #{id} built ({messages} message(s)) and queued for sending.";
        FeatureSet fr: "{feature}\u{a0}: {state}." en: "{feature}: {state}.";
        Unbanned fr: "{user} n’est plus exclu." en: "{user} unbanned.";
        StillRunning
            fr: "{action}\u{a0}: toujours en cours\u{a0}; suivez l’état et le journal."
            en: "{action}: still running; watch the state and the log lines.";
        /// `{state}` is the power state's name, e.g. "éteint".
        RefusedInState
            fr: "{action} impossible\u{a0}: le serveur est {state}."
            en: "{action} refused: the server is {state}.";
        PowerLoopDown
            fr: "{action} impossible\u{a0}: la boucle d’alimentation ne répond pas (voir le journal)."
            en: "{action} failed: the power loop is not answering (see the log).";
        RestartUnderWay fr: "Un redémarrage est déjà en cours." en: "A restart is already under way.";
        RestartTooSoon
            fr: "Redémarrage trop récent\u{a0}: prochain possible dans {seconds}\u{a0}s."
            en: "Restarted recently: next restart allowed in {seconds} s.";
        RestartCapReached
            fr: "Plafond quotidien de redémarrages atteint ({count} aujourd’hui)."
            en: "The daily cap of restarts is reached ({count} today).";
        RestartUnavailable
            fr: "Redémarrage impossible\u{a0}: pas de section [proxmox] dans la configuration."
            en: "Restart unavailable: there is no [proxmox] section in the configuration.";
        /// `{reason}` is the technical cause, as logged.
        RestartFailed fr: "Le redémarrage a échoué\u{a0}: {reason}" en: "The restart failed: {reason}";
        DigestOff
            fr: "Le résumé est désactivé\u{a0}: pas de section [digest] dans la configuration."
            en: "The digest is off: there is no [digest] section in the configuration.";
        NoSuchDigest fr: "Aucun résumé n°\u{a0}{id}." en: "No such digest: #{id}.";
        /// `{reason}` is the technical cause, as logged.
        DigestFailed fr: "Le résumé a échoué\u{a0}: {reason}" en: "The digest failed: {reason}";
        UnknownFeature fr: "Fonction inconnue\u{a0}: « {key} »." en: "Unknown feature: `{key}`.";
        NotBanned fr: "{user} n’était pas exclu." en: "{user} was not banned.";
        ActionCrashed
            fr: "{action}\u{a0}: échec inattendu, voir le journal."
            en: "{action} failed unexpectedly; see the log.";
        /// The login form's error while logins are locked.
        LoginsLocked
            fr: "Trop de jetons incorrects\u{a0}: connexions refusées encore {seconds}\u{a0}s, réessayez ensuite."
            en: "Too many wrong tokens: logins are refused for another {seconds} s; try again after that.";
        DisabledTitle fr: "Page d’administration désactivée" en: "Admin page disabled";
        DisabledBody
            fr: "La page d’administration est désactivée, faute de jeton d’administration. Fournissez l’identifiant systemd `admin_token` (ou la variable d’environnement CUBEGUARDIAN_ADMIN_TOKEN) et redémarrez le service."
            en: "The admin page is disabled because no admin token is set. Provide the `admin_token` systemd credential (or the CUBEGUARDIAN_ADMIN_TOKEN environment variable) and restart the service.";
    }
}

impl PageLabel {
    /// This label in `language` with its `{…}` placeholders filled in.
    pub fn fill(self, language: Language, args: &[(&str, &str)]) -> String {
        super::fill(self.get(language), args)
    }
}

/// "120 lines, newest first." under the log's heading.
pub fn log_lines(language: Language, n: usize) -> String {
    match language {
        Language::Fr => format!("{n} lignes, les plus récentes d’abord."),
        Language::En => format!("{n} lines, newest first."),
    }
}

/// A duration for people: `45 s`, `12 min 5 s`, `3 h 12 min`, `2 d 4 h`
/// (`2 j 4 h` in French).
pub fn duration(language: Language, d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let day = match language {
        Language::Fr => "j",
        Language::En => "d",
    };
    if days > 0 {
        format!("{days} {day} {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else if mins > 0 {
        format!("{mins} min {secs} s")
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_fill_the_same_placeholders() {
        for label in PageLabel::ALL {
            let mut fr: Vec<_> = super::super::placeholders(label.get(Language::Fr)).collect();
            let mut en: Vec<_> = super::super::placeholders(label.get(Language::En)).collect();
            fr.sort_unstable();
            en.sort_unstable();
            assert_eq!(fr, en, "{label:?}");
        }
    }

    #[test]
    fn placeholders_are_filled_in_the_language_asked() {
        let args = [("action", "Réveil"), ("state", "en maintenance")];
        assert_eq!(
            PageLabel::RefusedInState.fill(Language::Fr, &args),
            "Réveil impossible\u{a0}: le serveur est en maintenance."
        );
        let args = [("action", "Wake"), ("state", "in maintenance")];
        assert_eq!(
            PageLabel::RefusedInState.fill(Language::En, &args),
            "Wake refused: the server is in maintenance."
        );
    }
}
