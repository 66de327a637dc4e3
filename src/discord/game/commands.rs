//! What each game command does: reads the season, asks a confirmation
//! when the rules want one (a blank vote, an instant action, `/cparti`,
//! `/cfini`, the tally's conclusion), or runs the engine through the
//! shell (which saves before it performs). The answer is given before
//! the decisions are performed, so Discord's 3-second limit on answers is
//! not eaten by posts in every player's channel; registration is the
//! exception (its answer names the channel just created).

use serenity::all::Http;

use super::call::prelude::*;

pub(super) async fn run(r: &GameRouter, http: &Http, command: GameCommand, call: Call) {
    let shell = &r.shell;
    let now = shell.clock.now();
    let season = shell.snapshot().await;
    let me = call.user;
    // A player target in argument `i`, or the answer to give.
    let target = |i: usize| -> Result<u64, String> {
        find_player(&season, call.arg_str(i), shell.language())
    };
    match command {
        GameCommand::Inscription => {
            if season.players.contains_key(&me) {
                return r.tell(http, &call, &r.t(L::AlreadyRegistered, &[])).await;
            }
            let name: String = match call.arg(0) {
                Some(n) => n.chars().take(32).collect(),
                None => call.display.chars().take(32).collect(),
            };
            let name = name.replace(':', " ");
            let buttons = yes_no(shell, format!("game:join:{name}"), "game:no");
            r.answer(http, &call, &r.t(L::Rules, &[]), true, buttons)
                .await;
        }
        GameCommand::Vote | GameCommand::VoteMaire | GameCommand::VoteLoups => {
            let kind = match command {
                GameCommand::Vote => VoteKind::Cond,
                GameCommand::VoteMaire => VoteKind::Maire,
                _ => VoteKind::Loups,
            };
            let t = match target(0) {
                Ok(t) => t,
                Err(text) => return r.tell(http, &call, &text).await,
            };
            let mut probe = season.clone();
            let check = {
                let game = crate::game::Game::new(
                    &mut probe,
                    &shell.settings.catalogue,
                    &shell.settings.schedule,
                );
                game.check_vote(me, kind, t, now)
            };
            match check {
                Err(e) => {
                    let text = r.refusal(&season, &ShellError::Game(e));
                    r.tell(http, &call, &text).await
                }
                Ok(c) if c.counts_as_blank => {
                    let name = season.player(t).map(|p| p.name.clone()).unwrap_or_default();
                    let buttons =
                        yes_no(shell, format!("game:vote:{}:{t}", kind.slug()), "game:no");
                    r.answer(
                        http,
                        &call,
                        &r.t(L::VoteBlankAsk, &[("name", &name)]),
                        true,
                        buttons,
                    )
                    .await
                }
                Ok(_) => cast_vote(r, http, &call, kind, t, now).await,
            }
        }
        GameCommand::Haro => {
            let t = match target(0) {
                Ok(t) => t,
                Err(text) => return r.tell(http, &call, &text).await,
            };
            match shell.apply(|g| Ok(((), g.haro(me, t, now)?))).await {
                Err(e) => r.tell(http, &call, &r.refusal(&season, &e)).await,
                Ok(((), decisions, season)) => {
                    r.tell(http, &call, &r.t(L::Done, &[])).await;
                    let name =
                        |p: u64| season.player(p).map(|p| p.name.clone()).unwrap_or_default();
                    let reason = call.arg_str(1);
                    let text = r.t(
                        L::Haro,
                        &[
                            ("accuser", &name(me)),
                            ("target", &name(t)),
                            ("reason", reason),
                        ],
                    );
                    shell.post_fixed("haros", &text).await;
                    let haros = shell
                        .channel(&ChannelKey::Fixed("haros"))
                        .map(|c| c.get().to_string())
                        .unwrap_or_default();
                    let text = r.t(
                        L::HaroDebate,
                        &[
                            ("accuser", &name(me)),
                            ("target", &name(t)),
                            ("channel", &haros),
                        ],
                    );
                    shell.post_fixed("débats", &text).await;
                    shell.perform(&season, decisions).await;
                }
            }
        }
        GameCommand::Candid => match shell.apply(|g| Ok(((), g.candid(me, now)?))).await {
            Err(e) => r.tell(http, &call, &r.refusal(&season, &e)).await,
            Ok(((), decisions, season)) => {
                r.tell(http, &call, &r.t(L::Done, &[])).await;
                let name = season
                    .player(me)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                shell
                    .post_fixed("haros", &r.t(L::Candid, &[("name", &name)]))
                    .await;
                shell.perform(&season, decisions).await;
            }
        },
        GameCommand::Action => action(r, http, &call, &season, now).await,
        GameCommand::Boudoir => boudoir(r, http, &call, &season, now).await,
        GameCommand::Mp => {
            let t = match target(0) {
                Ok(t) => t,
                Err(text) => return r.tell(http, &call, &text).await,
            };
            let done = shell.apply(|g| g.mp(me, t, now)).await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Menu => {
            let votes: Vec<&str> = season.open_votes.iter().map(|k| k.slug()).collect();
            let actions = open_actions(&season, me);
            let none = r.t(L::None, &[]);
            let text = r.t(
                L::Menu,
                &[
                    (
                        "votes",
                        &if votes.is_empty() {
                            none.clone()
                        } else {
                            votes.join(", ")
                        },
                    ),
                    (
                        "actions",
                        &if actions.is_empty() {
                            none
                        } else {
                            actions.join(", ")
                        },
                    ),
                ],
            );
            r.tell(http, &call, &text).await
        }
        GameCommand::Infos => {
            let text = match season.player(me) {
                None => r.t(L::NotRegistered, &[]),
                Some(p) => r.t(
                    L::Infos,
                    &[
                        ("name", &p.name),
                        ("role", &p.role),
                        ("camp", &p.camp),
                        ("statut", &format!("{:?}", p.statut).to_lowercase()),
                    ],
                ),
            };
            r.tell(http, &call, &text).await
        }
        GameCommand::Roles => {
            let list: Vec<String> = shell
                .settings
                .catalogue
                .roles
                .values()
                .map(|role| format!("**{}** ({}) — {}", role.name, role.camp, role.short))
                .collect();
            r.tell(http, &call, &list.join("\n")).await
        }
        GameCommand::Camps => {
            let list: Vec<String> = shell
                .settings
                .catalogue
                .camps
                .values()
                .filter(|c| c.public)
                .map(|c| format!("{} **{}** — {}", c.emoji, c.name, c.description))
                .collect();
            r.tell(http, &call, &list.join("\n")).await
        }
        GameCommand::Vivants | GameCommand::Morts => {
            let (label, names): (L, Vec<&str>) = if command == GameCommand::Vivants {
                (
                    L::Living,
                    season.living().map(|p| p.name.as_str()).collect(),
                )
            } else {
                (
                    L::DeadList,
                    season.dead().map(|p| p.name.as_str()).collect(),
                )
            };
            let text = r.t(
                label,
                &[("n", &names.len().to_string()), ("list", &names.join(", "))],
            );
            r.tell(http, &call, &text).await
        }
        // The router hands the game masters' commands to `mj`.
        _ => log::debug!("game: /{} is not a player's command", command.name()),
    }
}

/// The open uses of a player's actions, numbered by action id.
pub(super) fn open_actions(season: &Season, player: u64) -> Vec<String> {
    season
        .open_uses(player)
        .filter(|(a, _)| a.base().is_some())
        .map(|(a, _)| format!("{} ({})", a.base().unwrap_or_default(), a.id.0))
        .collect()
}

async fn cast_vote(
    r: &GameRouter,
    http: &Http,
    call: &Call,
    kind: VoteKind,
    t: u64,
    now: Timestamp,
) {
    let before = r.shell.snapshot().await;
    match r
        .shell
        .apply(|g| g.vote(call.user, kind, t, now).map(|c| (c, Vec::new())))
        .await
    {
        Err(e) => r.tell(http, call, &r.refusal(&before, &e)).await,
        Ok((_, _, season)) => {
            let name = season.player(t).map(|p| p.name.clone()).unwrap_or_default();
            r.tell(http, call, &r.t(L::Voted, &[("name", &name)])).await
        }
    }
}

/// `/action`: without a number, the open actions; with one, its first
/// slot filled with the target (a player's name, or text).
async fn action(r: &GameRouter, http: &Http, call: &Call, season: &Season, now: Timestamp) {
    let shell = &r.shell;
    let Some(n) = call.arg(0).and_then(|n| n.parse::<u32>().ok()) else {
        let list = open_actions(season, call.user);
        let text = if list.is_empty() {
            r.t(L::NoOpenAction, &[])
        } else {
            r.t(L::OpenActions, &[("list", &list.join(", "))])
        };
        return r.tell(http, call, &text).await;
    };
    let id = ActionId(n);
    let base = season
        .action(id)
        .and_then(|a| a.base())
        .and_then(|b| shell.settings.catalogue.actions.get(b));
    let Some(base) = base else {
        return r.tell(http, call, &r.t(L::NoOpenAction, &[])).await;
    };
    if matches!(
        super::call::fold(call.arg_str(1)).as_str(),
        "annuler" | "cancel"
    ) {
        let done = shell
            .apply(|g| Ok(((), g.cancel_decision(call.user, id, now)?)))
            .await;
        return respond(r, http, call, season, done.map(|(_, d, s)| (d, s))).await;
    }
    // One value per slot, in the catalogue's order, separated by `;`; a
    // yes/no slot left out is a yes (the command itself is the choice).
    let raws: Vec<&str> = call.arg_str(1).split(';').map(str::trim).collect();
    let mut ciblages = Vec::new();
    for (i, slot) in base.slots.iter().enumerate() {
        let raw = raws.get(i).copied().unwrap_or("");
        let value = match slot.kind {
            crate::game::CibleType::Joueur
            | crate::game::CibleType::Vivant
            | crate::game::CibleType::Mort => {
                if raw.is_empty() && !slot.obligatoire {
                    continue;
                }
                match find_player(season, raw, shell.language()) {
                    Ok(p) => Cible::Joueur(p),
                    Err(text) => return r.tell(http, call, &text).await,
                }
            }
            crate::game::CibleType::Booleen => Cible::Booleen(raw.is_empty() || fold_yes(raw)),
            _ if raw.is_empty() && !slot.obligatoire => continue,
            crate::game::CibleType::Role => Cible::Role(raw.to_owned()),
            crate::game::CibleType::Camp => Cible::Camp(raw.to_owned()),
            crate::game::CibleType::Texte => Cible::Texte(raw.to_owned()),
        };
        ciblages.push(Ciblage {
            slot: slot.slug.clone(),
            value,
        });
    }
    if base.instant && !matches!(call.src, Src::Button(_)) {
        // The choice travels in the button: a number and the raw target.
        let target = call.arg_str(1).replace(':', " ");
        let buttons = yes_no(shell, format!("game:act:{n}:{target}"), "game:no");
        return r
            .answer(http, call, &r.t(L::InstantAsk, &[]), true, buttons)
            .await;
    }
    let done = shell
        .apply(|g| Ok(((), g.decide(call.user, id, ciblages, now)?)))
        .await;
    respond(r, http, call, season, done.map(|(_, d, s)| (d, s))).await;
}

fn fold_yes(s: &str) -> bool {
    matches!(
        super::call::fold(s).as_str(),
        "oui" | "yes" | "true" | "1" | "o" | "y"
    )
}

/// `/boudoir create <nom>` anywhere; `invite <joueur>`, `leave`,
/// `transfer <joueur>`, `rename <nom>`, `delete` in the boudoir's channel;
/// `list` anywhere.
async fn boudoir(r: &GameRouter, http: &Http, call: &Call, season: &Season, now: Timestamp) {
    let shell = &r.shell;
    let me = call.user;
    let op = super::call::fold(call.arg_str(0));
    let value = call.arg_str(1).to_owned();
    let here = season
        .boudoirs
        .iter()
        .find(|b| b.channel == Some(call.channel().get()) && !b.archived)
        .map(|b| b.id);
    let done = match op.as_str() {
        "create" | "creer" => shell
            .apply(|g| g.create_boudoir(me, &value, now))
            .await
            .map(|(_, d, s)| (d, s)),
        "list" | "liste" => {
            let list: Vec<String> = season
                .boudoirs
                .iter()
                .filter(|b| !b.archived && b.has(me))
                .map(|b| match b.channel {
                    Some(c) => format!("{} (<#{c}>)", b.name),
                    None => b.name.clone(),
                })
                .collect();
            let text = if list.is_empty() {
                r.t(L::None, &[])
            } else {
                list.join(", ")
            };
            return r.tell(http, call, &text).await;
        }
        _ => {
            let Some(id) = here else {
                let usage = "/boudoir create <nom> | list (invite, leave, transfer, rename, delete: dans le boudoir)";
                return r.usage(http, call, usage).await;
            };
            let who = || find_player(season, &value, shell.language());
            let result = match op.as_str() {
                "invite" | "inviter" => match who() {
                    Ok(p) => shell.apply(|g| Ok(((), g.invite(me, id, p, now)?))).await,
                    Err(text) => return r.tell(http, call, &text).await,
                },
                "transfer" | "transferer" => match who() {
                    Ok(p) => shell.apply(|g| Ok(((), g.transfer(me, id, p)?))).await,
                    Err(text) => return r.tell(http, call, &text).await,
                },
                "leave" | "quitter" => shell.apply(|g| Ok(((), g.leave(me, id)?))).await,
                "rename" | "renommer" => shell.apply(|g| Ok(((), g.rename(me, id, &value)?))).await,
                "delete" | "supprimer" => {
                    shell.apply(|g| Ok(((), g.delete_boudoir(me, id)?))).await
                }
                _ => {
                    let usage = "/boudoir create|invite|leave|transfer|rename|delete|list";
                    return r.usage(http, call, usage).await;
                }
            };
            result.map(|(_, d, s)| (d, s))
        }
    };
    respond(r, http, call, season, done).await;
}

/// A press on one of the game's buttons (`game:` stripped, split on `:`).
pub(super) async fn button(r: &GameRouter, http: &Http, parts: &[&str], call: Call) {
    let shell = &r.shell;
    let now = shell.clock.now();
    let season = shell.snapshot().await;
    match parts {
        ["no"] => r.tell(http, &call, &r.t(L::Cancelled, &[])).await,
        ["how", what] => {
            let text = match *what {
                "cond" => r.t(L::HowToVote, &[("command", "vote")]),
                "maire" => r.t(L::HowToVote, &[("command", "votemaire")]),
                "loups" => r.t(L::HowToVote, &[("command", "voteloups")]),
                _ => r.t(L::HowToAct, &[]),
            };
            r.tell(http, &call, &text).await
        }
        ["join", name @ ..] => {
            let name = name.join(":");
            let registered = shell
                .apply(|g| Ok(((), g.register(call.user, &name, None, now)?)))
                .await;
            match registered {
                Err(e) => r.tell(http, &call, &r.refusal(&season, &e)).await,
                Ok(((), decisions, season)) => {
                    // The channel and the role can take longer than the
                    // 3 s Discord gives an answer: acknowledge first.
                    let deferred = r.defer(http, &call).await;
                    shell.perform(&season, decisions).await;
                    let channel = shell
                        .channel(&ChannelKey::Player(call.user))
                        .map(|c| c.get().to_string())
                        .unwrap_or_default();
                    let text = r.t(L::Registered, &[("name", &name), ("channel", &channel)]);
                    if deferred {
                        r.follow_up(http, &call, &text).await
                    } else {
                        r.tell(http, &call, &text).await
                    }
                }
            }
        }
        ["vote", kind, target] => {
            let kind = vote_kind(kind);
            let target = target.parse::<u64>().ok();
            if let (Some(kind), Some(t)) = (kind, target) {
                cast_vote(r, http, &call, kind, t, now).await;
            }
        }
        ["act", n, target @ ..] => {
            let call = Call {
                args: vec![(*n).to_owned(), target.join(":")],
                ..call
            };
            action(r, http, &call, &season, now).await;
        }
        _ => log::debug!("game: unknown button {parts:?}"),
    }
}
