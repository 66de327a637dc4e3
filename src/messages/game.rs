//! The werewolf game's words (issue 15), in French or English: answers to
//! the players' and MJs' commands, the posts in the game's channels.
//!
//! Fixed labels, not the overridable [`crate::messages::Text`] table: the game has
//! many short texts whose wording is tied to its rules, and listing them
//! in the README's table of replaceable texts would drown the few a
//! community does tune. Placeholders are `{name}`, filled by [`fill`].

use super::Language;

labels! {
    /// A fixed text of the game.
    GameLabel {
        NotRegistered fr: "Tu n'es pas inscrit·e à la partie." en: "You are not registered in the game.";
        AlreadyRegistered fr: "Tu es déjà inscrit·e." en: "You are already registered.";
        Rules
            fr: "Règles de la partie : respecte les autres joueurs, ne partage pas les captures de ton salon privé, les MJ ont le dernier mot. Tu acceptes ?"
            en: "Game rules: respect the other players, do not share screenshots of your private channel, the game masters have the last word. Do you accept?";
        RulesRefused fr: "Inscription annulée." en: "Registration cancelled.";
        Registered fr: "Inscription faite, {name} : ton salon privé est <#{channel}>." en: "Registered, {name}: your private channel is <#{channel}>.";
        Welcome
            fr: "Bienvenue {name} ! Ce salon est ta conversation privée avec le bot : tes votes et tes actions se font ici."
            en: "Welcome {name}! This channel is your private conversation with the bot: vote and act here.";
        NameMissing fr: "Donne le nom sous lequel tu joueras (option « nom »)." en: "Give the name you will play under (option \"name\").";
        NoSuchPlayer fr: "Aucun joueur ne s'appelle « {name} »." en: "No player is called \"{name}\".";
        Ambiguous fr: "« {name} » peut désigner : {list}. Lequel ?" en: "\"{name}\" may be: {list}. Which one?";
        Voted fr: "Vote enregistré : {name}." en: "Vote saved: {name}.";
        VoteBlankAsk
            fr: "{name} n'est pas éligible (ni haro ni candidature) : ce vote comptera comme blanc. Confirmer ?"
            en: "{name} is not eligible (no haro or candidacy): this vote will count as blank. Confirm?";
        Cancelled fr: "Annulé." en: "Cancelled.";
        Dead fr: "Tu es mort·e : tu ne peux plus faire ça." en: "You are dead: you cannot do that any more.";
        NoVoteRight fr: "Tu n'as pas le droit de participer à ce vote." en: "You have no right to take part in this vote.";
        VoteNotOpen fr: "Ce vote n'est pas ouvert." en: "This vote is not open.";
        DeadTarget fr: "{name} est mort·e." en: "{name} is dead.";
        ImmortalTarget fr: "{name} ne peut pas être accusé·e." en: "{name} cannot be accused.";
        AlreadyEntered fr: "C'est déjà fait." en: "Already done.";
        WrongPhase fr: "Pas possible à ce moment de la partie." en: "Not possible at this point of the game.";
        Refused fr: "Refusé : {why}." en: "Refused: {why}.";
        RateLimited fr: "Doucement : réessaie dans un instant." en: "Easy: try again in a moment.";
        MjOnly fr: "Réservé aux MJ." en: "Game masters only.";
        Usage fr: "Utilisation : {usage}" en: "Usage: {usage}";
        Done fr: "Fait." en: "Done.";
        VoteOpenedCond
            fr: "🔥 Le vote pour le bûcher est ouvert{until}. Vote avec `/vote <joueur>` ou le bouton."
            en: "🔥 The pyre vote is open{until}. Vote with `/vote <player>` or the button.";
        VoteOpenedMaire
            fr: "🏅 L'élection du maire est ouverte{until}. Vote avec `/votemaire <joueur>`."
            en: "🏅 The mayor's election is open{until}. Vote with `/votemaire <player>`.";
        VoteOpenedLoups
            fr: "🐺 Le vote des loups est ouvert{until}. Vote avec `/voteloups <joueur>`."
            en: "🐺 The wolves' vote is open{until}. Vote with `/voteloups <player>`.";
        Until fr: " jusqu'à {time}" en: " until {time}";
        VoteReminded fr: "⏰ Tu n'as pas encore voté ({vote})." en: "⏰ You have not voted yet ({vote}).";
        VoteClosed fr: "Le vote ({vote}) est clos. Ton vote : {name}." en: "The vote ({vote}) is closed. Your vote: {name}.";
        Nobody fr: "personne" en: "nobody";
        VoteButton fr: "🔥 Voter" en: "🔥 Vote";
        WolvesButton fr: "🐺 Voter" en: "🐺 Vote";
        ActButton fr: "⚡ Agir" en: "⚡ Act";
        HowToVote fr: "Tape `/{command} <joueur>` ici." en: "Type `/{command} <player>` here.";
        HowToAct fr: "Tape `/action` ici pour voir et remplir tes actions ouvertes." en: "Type `/action` here to see and fill your open actions.";
        Haro fr: "📣 **{accuser}** accuse **{target}** : {reason}" en: "📣 **{accuser}** accuses **{target}**: {reason}";
        HaroDebate fr: "Haro de {accuser} contre {target} (voir <#{channel}>)." en: "Haro by {accuser} against {target} (see <#{channel}>).";
        Candid fr: "🏅 **{name}** se présente à la mairie." en: "🏅 **{name}** runs for mayor.";
        Wiped fr: "───── (effacé : {kind}) ─────" en: "───── (wiped: {kind}) ─────";
        Launched fr: "🐺 La partie commence !" en: "🐺 The game begins!";
        Ended fr: "🏁 La partie est terminée. Merci d'avoir joué !" en: "🏁 The game is over. Thanks for playing!";
        Hype fr: "🌙 Ce soir, les premiers pouvoirs s'éveillent…" en: "🌙 Tonight, the first powers awaken…";
        ConfirmStart fr: "Lancer la partie ({n} joueurs) ?" en: "Start the game ({n} players)?";
        ConfirmEnd fr: "Terminer la partie ? Toutes les tâches prévues seront abandonnées." en: "End the game? Every scheduled task will be dropped.";
        Yes fr: "✅ Oui" en: "✅ Yes";
        No fr: "❎ Non" en: "❎ No";
        PlotHeader fr: "Dépouillement ({vote}) :" en: "Tally ({vote}):";
        PlotLine fr: "- {name} : {votes} ({voters})" en: "- {name}: {votes} ({voters})";
        PlotBlank fr: "Blancs : {list}" en: "Blank: {list}";
        PlotLeader fr: "En tête : {name}." en: "Leading: {name}.";
        PlotTie fr: "Égalité entre : {list}. À vous de choisir." en: "Tie between: {list}. Your choice.";
        PlotNobody fr: "Aucun vote éligible." en: "No eligible vote.";
        ConfirmLeader fr: "✅ {name}" en: "✅ {name}";
        PickNobody fr: "Personne" en: "Nobody";
        ConcludedCond fr: "🔥 Le village a choisi : {name}." en: "🔥 The village chose: {name}.";
        ConcludedMaire fr: "🏅 Le nouveau maire est {name}." en: "🏅 The new mayor is {name}.";
        ConcludedLoups fr: "🐺 Les loups ont choisi : {name}." en: "🐺 The wolves chose: {name}.";
        ConcludedNobody fr: "Personne n'est désigné ({vote})." en: "Nobody was chosen ({vote}).";
        Death fr: "💀 {name} est mort·e. {context}" en: "💀 {name} died. {context}";
        DeathRole fr: "Son rôle : {role}." en: "Their role: {role}.";
        PlayerChanged fr: "Ta fiche a changé : rôle {role}, camp {camp}, statut {statut}." en: "Your sheet changed: role {role}, camp {camp}, status {statut}.";
        ActionOpened fr: "⚡ Action ouverte : {action}{until}." en: "⚡ Action open: {action}{until}.";
        ActionReminded fr: "⏰ Action {action} pas encore décidée." en: "⏰ Action {action} not decided yet.";
        ActionClosed fr: "Action {action} close." en: "Action {action} closed.";
        ActionDecided fr: "Action {action} enregistrée." en: "Action {action} saved.";
        ActionSkipped fr: "Action {action} non ouverte ({why})." en: "Action {action} not opened ({why}).";
        InstantAction fr: "⚡ Action instantanée de {name} : {action} — à traiter maintenant." en: "⚡ Instant action by {name}: {action} — handle it now.";
        AutoAction fr: "Action automatique de {name} : {action}." en: "Automatic action by {name}: {action}.";
        NoOpenAction fr: "Aucune action ouverte." en: "No open action.";
        OpenActions fr: "Actions ouvertes : {list}. Remplis avec `/action <numéro> <cible>`." en: "Open actions: {list}. Fill with `/action <number> <target>`.";
        InstantAsk fr: "Cette action est instantanée : les MJ la traiteront tout de suite. Confirmer ?" en: "This action is instant: the game masters handle it at once. Confirm?";
        Refilled fr: "Action {action} rechargée ({charges})." en: "Action {action} refilled ({charges}).";
        Living fr: "En vie ({n}) : {list}" en: "Alive ({n}): {list}";
        DeadList fr: "Morts ({n}) : {list}" en: "Dead ({n}): {list}";
        Infos fr: "{name} — rôle : {role}, camp : {camp}, statut : {statut}." en: "{name} — role: {role}, camp: {camp}, status: {statut}.";
        Menu fr: "Votes ouverts : {votes}. Tes actions ouvertes : {actions}." en: "Open votes: {votes}. Your open actions: {actions}.";
        BoudoirCreated fr: "Boudoir « {name} » créé : <#{channel}>." en: "Boudoir \"{name}\" created: <#{channel}>.";
        BoudoirJoined fr: "{name} rejoint le boudoir." en: "{name} joins the boudoir.";
        BoudoirLeft fr: "{name} quitte le boudoir." en: "{name} leaves the boudoir.";
        Tasks fr: "Tâches prévues : {list}" en: "Scheduled tasks: {list}";
        TaskLine fr: "`{id}` {when} — {what}" en: "`{id}` {when} — {what}";
        TaskOpenVote fr: "ouvrir le vote {vote}" en: "open the {vote} vote";
        TaskCloseVote fr: "fermer le vote {vote}" en: "close the {vote} vote";
        TaskRemindVote fr: "relancer le vote {vote}" en: "remind the {vote} vote";
        TaskClosing fr: ", fermeture à {time}" en: ", closing at {time}";
        TaskChain fr: ", chaîné chaque jour à {time}" en: ", chained daily at {time}";
        TaskOpenAction fr: "ouvrir l'action {action} de {name}" en: "open {name}'s action {action}";
        TaskCloseAction fr: "fermer l'action {action} de {name}" en: "close {name}'s action {action}";
        TaskRemindAction fr: "relancer l'action {action} de {name}" en: "remind {name}'s action {action}";
        TaskRepost fr: "rappeler l'action permanente {action} de {name}" en: "re-announce {name}'s permanent action {action}";
        TaskFire fr: "ouvrir les actions « {trigger} »" en: "open the \"{trigger}\" actions";
        TaskHype fr: "le message du soir" en: "the evening's message";
        TaskCommand fr: "`!{command}` (prévue par {name})" en: "`!{command}` (scheduled by {name})";
        TaskScheduled fr: "Tâche {id} prévue le {when} : `!{command}`." en: "Task {id} scheduled on {when}: `!{command}`.";
        TaskRunning fr: "⏱ Tâche {id} (prévue par {name}) : `!{command}`" en: "⏱ Task {id} (scheduled by {name}): `!{command}`";
        TaskNoLongerMj fr: "⏱ Tâche {id} non exécutée : {name} n'est plus MJ." en: "⏱ Task {id} not run: {name} is no longer an MJ.";
        TaskAnswer fr: "↳ tâche {id} : {text}" en: "↳ task {id}: {text}";
        TasksCancelled fr: "Tâches annulées : {list}." en: "Tasks cancelled: {list}.";
        TasksUnknown fr: "Pas de tâche de la partie : {list}." en: "No game task: {list}.";
        NoSuchCommand fr: "Pas de commande « {command} »." en: "No command \"{command}\".";
        NotSchedulable fr: "`{command}` ne peut pas être programmée (seulement : {list})." en: "`{command}` cannot be scheduled (only: {list}).";
        BadWhen
            fr: "Moment non compris : « {when} » (par ex. `18:00`, `25/12-09:30`, `1h30m`)."
            en: "Cannot read the moment \"{when}\" (e.g. `18:00`, `25/12-09:30`, `1h30m`).";
        PastWhen fr: "Ce moment est passé : {when}." en: "That moment is past: {when}.";
        SkipArchived fr: "plus de charges, archivée" en: "out of charges, archived";
        SkipCooldown fr: "temps de recharge, encore {left} ouverture(s) à passer" en: "cooling down, {left} more opening(s) to skip";
        SkipRoleInactive fr: "pouvoirs bloqués" en: "powers blocked";
        SkipNoCharges fr: "plus de charges, en attente d'une recharge" en: "out of charges, waiting for a refill";
        SkipDead fr: "joueur mort" en: "dead player";
        SkippedList fr: "Non ouvertes : {list}." en: "Not opened: {list}.";
        NoActionThere fr: "Aucune action concernée." en: "No action concerned.";
        ActionLine
            fr: "`{id}` {action} — charges : {charges}, délai : {cooldown}, {state}"
            en: "`{id}` {action} — charges: {charges}, cooldown: {cooldown}, {state}";
        ActionOpenState fr: "ouverte" en: "open";
        ActionClosedState fr: "fermée" en: "closed";
        ActionArchivedState fr: "archivée" en: "archived";
        None fr: "aucune" en: "none";
    }
}

/// `template` with each `{key}` replaced by its value.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// A label filled in `language`.
pub fn say(label: GameLabel, language: Language, args: &[(&str, &str)]) -> String {
    fill(label.get(language), args)
}

/// A game slash command's description.
pub fn describe(command: &str, language: Language) -> &'static str {
    let (fr, en) = match command {
        "inscription" => ("S'inscrire à la partie", "Register for the game"),
        "vote" => ("Voter pour le bûcher", "Vote for the pyre"),
        "votemaire" => ("Voter pour le maire", "Vote for the mayor"),
        "voteloups" => ("Vote des loups", "The wolves' vote"),
        "haro" => ("Accuser un joueur", "Accuse a player"),
        "candid" => ("Se présenter à la mairie", "Run for mayor"),
        "action" => ("Tes actions ouvertes", "Your open actions"),
        "boudoir" => ("Gérer tes boudoirs", "Manage your boudoirs"),
        "mp" => ("Un boudoir à deux", "A two-person boudoir"),
        "menu" => ("Ce qui est ouvert pour toi", "What is open for you"),
        "infos" => ("Ta fiche", "Your sheet"),
        "roles" => ("Les rôles", "The roles"),
        "camps" => ("Les camps", "The camps"),
        "vivants" => ("Les joueurs en vie", "The living players"),
        "morts" => ("Les joueurs morts", "The dead players"),
        "open" => (
            "MJ : ouvrir un vote ou des actions",
            "GM: open a vote or actions",
        ),
        "close" => (
            "MJ : fermer un vote ou des actions",
            "GM: close a vote or actions",
        ),
        "remind" => (
            "MJ : relancer un vote ou des actions",
            "GM: remind a vote or actions",
        ),
        "cparti" => ("MJ : lancer la partie", "GM: start the game"),
        "cfini" => ("MJ : terminer la partie", "GM: end the game"),
        "refill" => ("MJ : recharger des actions", "GM: refill actions"),
        "wipe" => (
            "MJ : effacer haros ou candidatures",
            "GM: wipe haros or candidacies",
        ),
        "plot" => ("MJ : dépouiller un vote", "GM: tally a vote"),
        "annoncemort" => ("MJ : annoncer une mort", "GM: announce a death"),
        "joueur" => ("MJ : modifier un joueur", "GM: edit a player"),
        "send" => ("MJ : écrire aux joueurs", "GM: write to players"),
        "post" => ("MJ : poster dans un salon", "GM: post in a channel"),
        "taches" => ("MJ : tâches prévues", "GM: scheduled tasks"),
        "cancel" => ("MJ : annuler des tâches", "GM: cancel tasks"),
        "planif" => (
            "MJ : programmer une commande à une heure",
            "GM: schedule a command at a time",
        ),
        "delay" => (
            "MJ : programmer une commande dans un délai",
            "GM: schedule a command after a delay",
        ),
        _ => ("Commande de la partie", "Game command"),
    };
    match language {
        Language::Fr => fr,
        Language::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_exists_in_both_languages_with_the_same_placeholders() {
        let holes = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(k, _)| k.to_owned()))
                .collect();
            v.sort();
            v
        };
        for l in GameLabel::ALL {
            let (fr, en) = (l.get(Language::Fr), l.get(Language::En));
            assert!(!fr.is_empty() && !en.is_empty(), "{l:?}");
            assert_eq!(holes(fr), holes(en), "{l:?}");
        }
        assert_eq!(
            say(GameLabel::Voted, Language::En, &[("name", "Bob")]),
            "Vote saved: Bob."
        );
    }
}
