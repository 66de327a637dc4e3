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
