//! The slash commands' words as Discord shows them in its command picker:
//! each command's and each option's description, in the configured
//! language. Fixed labels (see [`super::Text`] for what players are told).

labels! {
    /// A description in the slash-command picker.
    CommandLabel {
        Restart
            fr: "Redémarrer le serveur Minecraft (avec confirmation)"
            en: "Restart the Minecraft server (with confirmation)";
        Wake fr: "Démarrer le serveur" en: "Start the server";
        Status fr: "L'état du serveur" en: "The server's status";
        Help fr: "Ce que CubeGuardian sait faire" en: "What CubeGuardian can do";
        Link
            fr: "Lier ton compte Minecraft pour démarrer le serveur depuis le jeu"
            en: "Link your Minecraft account to start the server from the game";
        LinkName fr: "Ton nom Minecraft" en: "Your Minecraft name";
        Unlink fr: "Délier ton compte Minecraft" en: "Unlink your Minecraft account";
        Ratelimit
            fr: "Limiteur de commandes (administrateurs)"
            en: "Command rate limiter (administrators)";
        /// `/ratelimit`'s options and subcommands.
        RatelimitMember fr: "Le membre" en: "The member";
        RatelimitStats fr: "Statistiques globales" en: "Global statistics";
        RatelimitUser fr: "Les limites d'un membre" en: "A member's limits";
        RatelimitReset fr: "Remettre à zéro les compteurs d'un membre" en: "Reset a member's counters";
        RatelimitBan fr: "Bloquer un membre" en: "Block a member";
        RatelimitMinutes fr: "Durée en minutes" en: "Minutes";
        RatelimitReason fr: "Raison" en: "Reason";
        RatelimitUnban fr: "Débloquer un membre" en: "Unblock a member";
        /// The digest's commands.
        Resume
            fr: "Le résumé des messages depuis le dernier envoi"
            en: "The digest of the messages since the last one";
        ListChannels
            fr: "Les salons suivis, exclus et importants"
            en: "Watched, excluded and important channels";
        Exclude
            fr: "Exclure un salon du résumé (administrateurs)"
            en: "Exclude a channel from the digest (admins)";
        Include
            fr: "Remettre un salon dans le résumé (administrateurs)"
            en: "Put a channel back in the digest (admins)";
        Report
            fr: "Statistiques d'activité du jour ou de la semaine"
            en: "Activity statistics for the day or the week";
        DigestChannel fr: "Le salon (par défaut : celui-ci)" en: "The channel (default: this one)";
        ResumeMail fr: "L'envoyer aussi par e-mail (administrateurs)" en: "Also email it (admins)";
        ReportPeriod fr: "La période" en: "The period";
        ReportToday fr: "aujourd'hui" en: "today";
        ReportWeek fr: "7 derniers jours" en: "last 7 days";
    }
}
