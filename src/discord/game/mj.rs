//! The game masters' commands (the router checked the MJ role): votes
//! opened and closed by hand, the launch and the end (each confirmed with
//! a button), the tally and its conclusion, deaths, edits of a player
//! (lg-rez's `!sync` replaced by `/joueur`), messages to players and
//! channels, and the scheduled tasks.

use serenity::all::{ButtonStyle, CreateButton, Http};

use super::call::prelude::*;
use crate::game::{GameError, Window};
use crate::messages::game::fill;

pub(super) async fn run(
    r: &GameRouter,
    http: &Http,
    command: GameCommand,
    call: Call,
    season: Season,
    now: Timestamp,
) {
    let shell = &r.shell;
    let kind = || vote_kind(call.arg_str(0));
    let bad_vote = || {
        r.t(
            L::Usage,
            &[("usage", "cond | maire | loups | action <HH:MM|numéro>")],
        )
    };
    let is_action = super::call::fold(call.arg_str(0)) == "action";
    match command {
        GameCommand::Open | GameCommand::Close | GameCommand::Remind if is_action => {
            actions(r, http, &call, command, &season, now).await
        }
        GameCommand::Open => {
            let Some(kind) = kind() else {
                return r.tell(http, &call, &bad_vote()).await;
            };
            let time = |i: usize| call.arg(i).map(ClockTime::parse).transpose();
            let (close, chain) = match (time(1), time(2)) {
                (Ok(close), Ok(chain)) => (close, chain),
                (Err(e), _) | (_, Err(e)) => {
                    return r.tell(http, &call, &r.t(L::Refused, &[("why", &e)])).await
                }
            };
            // A chain hour makes each close schedule the next day's
            // opening (GAME.md §5): it needs the closing hour.
            let chain = match (close, chain) {
                (Some(close), Some(open)) => Some(Window { open, close }),
                (None, Some(_)) => {
                    let usage = "/open <vote> <HH:MM fermeture> <HH:MM chaîne>";
                    return r.usage(http, &call, usage).await;
                }
                _ => None,
            };
            let closes_at = close.map(|t| shell.settings.schedule.next(now, t));
            let done = shell
                .apply(|g| Ok(((), g.open_vote(kind, closes_at, chain, now)?)))
                .await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Close | GameCommand::Remind => {
            let Some(kind) = kind() else {
                return r.tell(http, &call, &bad_vote()).await;
            };
            let done = if command == GameCommand::Close {
                shell.apply(|g| Ok(((), g.close_vote(kind, now)))).await
            } else {
                shell.apply(|g| Ok(((), g.remind_vote(kind)))).await
            };
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Cparti => {
            let n = season.players.len().to_string();
            let buttons = yes_no(shell, "game:cparti".into(), "game:no");
            r.answer(
                http,
                &call,
                &r.t(L::ConfirmStart, &[("n", &n)]),
                true,
                buttons,
            )
            .await
        }
        GameCommand::Cfini => {
            let buttons = yes_no(shell, "game:cfini".into(), "game:no");
            r.answer(http, &call, &r.t(L::ConfirmEnd, &[]), true, buttons)
                .await
        }
        GameCommand::Refill => {
            let Some(motif) = Refill::parse(&call.arg_str(0).to_lowercase()) else {
                let usage = "weekends | forgeron | rebouteux | divin";
                return r.usage(http, &call, usage).await;
            };
            let target = if call.arg_str(1).eq_ignore_ascii_case("all") {
                None
            } else {
                match find_player(&season, call.arg_str(1), shell.language()) {
                    Ok(p) => Some(p),
                    Err(text) => return r.tell(http, &call, &text).await,
                }
            };
            let done = shell
                .apply(|g| Ok(((), g.refill(motif, target, now)?)))
                .await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Wipe => {
            let kind = match call.arg_str(0).to_lowercase().as_str() {
                "haros" | "haro" => CandidHaroKind::Haro,
                "candids" | "candid" | "candidatures" => CandidHaroKind::Candidature,
                _ => {
                    let usage = "haros | candids";
                    return r.usage(http, &call, usage).await;
                }
            };
            let done = shell.apply(|g| Ok(((), g.wipe(kind)))).await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Plot => {
            let Some(kind) = kind() else {
                return r.tell(http, &call, &bad_vote()).await;
            };
            let mut probe = season.clone();
            let tally = {
                let g = crate::game::Game::new(
                    &mut probe,
                    &shell.settings.catalogue,
                    &shell.settings.schedule,
                );
                let since = g.midnight(now);
                g.plot(kind, since)
            };
            let name = |p: u64| season.player(p).map(|p| p.name.clone()).unwrap_or_default();
            let mut lines = vec![r.t(L::PlotHeader, &[("vote", kind.slug())])];
            for c in &tally.counts {
                let voters: Vec<String> = c.voters.iter().map(|v| name(*v)).collect();
                lines.push(r.t(
                    L::PlotLine,
                    &[
                        ("name", &c.name),
                        ("votes", &c.votes.to_string()),
                        ("voters", &voters.join(", ")),
                    ],
                ));
            }
            if !tally.blank.is_empty() {
                let blank: Vec<String> = tally.blank.iter().map(|v| name(*v)).collect();
                lines.push(r.t(L::PlotBlank, &[("list", &blank.join(", "))]));
            }
            lines.push(match &tally.result {
                TallyResult::Nobody => r.t(L::PlotNobody, &[]),
                TallyResult::Leader(p) => r.t(L::PlotLeader, &[("name", &name(*p))]),
                TallyResult::Tie { candidates, .. } => {
                    let list: Vec<String> = candidates.iter().map(|p| name(*p)).collect();
                    r.t(L::PlotTie, &[("list", &list.join(", "))])
                }
            });
            let buttons = conclusion_buttons(r, &season, kind, tally.since, &tally.result);
            match shell.channel(&ChannelKey::Fixed("résolution")) {
                Some(c) => {
                    r.tell(http, &call, &r.t(L::Done, &[])).await;
                    shell.post(c, &lines.join("\n"), buttons).await;
                }
                None => {
                    r.answer(http, &call, &lines.join("\n"), true, buttons)
                        .await
                }
            }
        }
        GameCommand::AnnonceMort => {
            let p = match find_player(&season, call.arg_str(0), shell.language()) {
                Ok(p) => p,
                Err(text) => return r.tell(http, &call, &text).await,
            };
            match shell.apply(|g| Ok(((), g.kill(p, now)?))).await {
                Err(e) => r.tell(http, &call, &r.refusal(&season, &e)).await,
                Ok(((), decisions, after)) => {
                    r.tell(http, &call, &r.t(L::Done, &[])).await;
                    let player = after.player(p);
                    let role = player
                        .and_then(|pl| shell.settings.catalogue.roles.get(&pl.role))
                        .map(|role| format!("{} {}", role.article, role.name).trim().to_owned())
                        .unwrap_or_else(|| player.map(|pl| pl.role.clone()).unwrap_or_default());
                    let context = format!(
                        "{} {}",
                        call.arg_str(1),
                        r.t(L::DeathRole, &[("role", &role)])
                    );
                    let name = player.map(|pl| pl.name.clone()).unwrap_or_default();
                    let text = r.t(L::Death, &[("name", &name), ("context", context.trim())]);
                    shell.post_fixed("annonces", &text).await;
                    shell.perform(&after, decisions).await;
                }
            }
        }
        GameCommand::Joueur => {
            let p = match find_player(&season, call.arg_str(0), shell.language()) {
                Ok(p) => p,
                Err(text) => return r.tell(http, &call, &text).await,
            };
            let value = call.arg_str(2).trim().to_owned();
            let field = call.arg_str(1).to_lowercase();
            if field == "actions" {
                return r.tell(http, &call, &player_actions(r, &season, p)).await;
            }
            let done = match field.as_str() {
                "role" | "rôle" => shell.apply(|g| Ok(((), g.set_role(p, &value, now)?))).await,
                "camp" => shell.apply(|g| Ok(((), g.set_camp(p, &value)?))).await,
                "statut" => {
                    let statut = match value.to_lowercase().as_str() {
                        "vivant" => Statut::Vivant,
                        "mort" => Statut::Mort,
                        "mv" => Statut::MortVivant,
                        "immortel" => Statut::Immortel,
                        _ => {
                            let usage = "vivant | mort | MV | immortel";
                            return r.usage(http, &call, usage).await;
                        }
                    };
                    shell
                        .apply(|g| Ok(((), g.set_statut(p, statut, now)?)))
                        .await
                }
                "maire" => match parse_yes_no(&value) {
                    Some(on) => shell.apply(|g| Ok(((), g.set_maire(p, on)?))).await,
                    None => return r.usage(http, &call, "/joueur <joueur> maire oui|non").await,
                },
                "flags" => match parse_flags(&value) {
                    Some(flags) => shell.apply(|g| Ok(((), g.set_flags(p, flags)?))).await,
                    None => {
                        let usage = "votant_village=oui votant_loups=non role_actif=oui";
                        return r.usage(http, &call, usage).await;
                    }
                },
                _ => {
                    let usage = "/joueur <joueur> role|camp|statut|flags|maire <valeur> | actions";
                    return r.usage(http, &call, usage).await;
                }
            };
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        GameCommand::Send => {
            let who = call.arg_str(0).to_lowercase();
            let recipients: Vec<&crate::game::Player> = match who.as_str() {
                "all" | "tous" => season.players.values().collect(),
                "vivants" => season.living().collect(),
                "morts" => season.dead().collect(),
                _ => match find_player(&season, call.arg_str(0), shell.language()) {
                    Ok(p) => season.player(p).into_iter().collect(),
                    Err(text) => return r.tell(http, &call, &text).await,
                },
            };
            r.tell(http, &call, &r.t(L::Done, &[])).await;
            for p in recipients {
                let text = personal(call.arg_str(1), &p.name, &p.role);
                shell.post_player(p.id, &text, Vec::new()).await;
            }
        }
        GameCommand::Post => {
            let wanted = super::call::fold(call.arg_str(0).trim_start_matches('#'));
            let channel = super::structure::fixed_channels()
                .into_iter()
                .find(|c| super::call::fold(&c.name) == wanted)
                .and_then(|c| shell.channel(&c.key));
            match channel {
                Some(c) => {
                    r.tell(http, &call, &r.t(L::Done, &[])).await;
                    shell.post(c, call.arg_str(1), Vec::new()).await;
                }
                None => {
                    let text = r.t(L::Refused, &[("why", call.arg_str(0))]);
                    r.tell(http, &call, &text).await
                }
            }
        }
        GameCommand::Taches => {
            let text = super::tasks::list(r, &season).await;
            r.tell(http, &call, &text).await
        }
        GameCommand::Cancel => {
            let text = super::tasks::cancel(r, call.arg_str(0)).await;
            r.tell(http, &call, &text).await
        }
        GameCommand::Planif | GameCommand::Delay => {
            let when = call.arg_str(0);
            let at = if command == GameCommand::Planif {
                match super::tasks::parse_when(when, now, &shell.settings.schedule.zone) {
                    Ok(at) => at,
                    Err(super::tasks::WhenError::Past) => {
                        return r
                            .tell(http, &call, &r.t(L::PastWhen, &[("when", when)]))
                            .await
                    }
                    Err(super::tasks::WhenError::Unreadable) => {
                        return r
                            .tell(http, &call, &r.t(L::BadWhen, &[("when", when)]))
                            .await
                    }
                }
            } else {
                match super::tasks::parse_delay(when) {
                    Some(d) => now.after(d),
                    None => {
                        return r
                            .tell(http, &call, &r.t(L::BadWhen, &[("when", when)]))
                            .await
                    }
                }
            };
            let text = super::tasks::schedule_line(r, &call, at, call.arg_str(1)).await;
            r.tell(http, &call, &text).await
        }
        _ => log::warn!("game: /{} reached the MJ router", command.name()),
    }
}

/// `/open|close|remind action <HH:MM|id>` (lg-rez's `!open action 19h`):
/// by hour, the actions whose clock opening (`heure_debut`) or closing
/// (`heure_fin`) is then; by number, that one action. Opening goes through
/// the engine's opening, so cooldowns, charges and blocked roles skip it
/// as they would a scheduled one.
async fn actions(
    r: &GameRouter,
    http: &Http,
    call: &Call,
    command: GameCommand,
    season: &Season,
    now: Timestamp,
) {
    let which = call.arg_str(1);
    let by_time = ClockTime::parse(which).ok();
    let by_id = which.parse::<u32>().ok().map(ActionId);
    if by_time.is_none() && by_id.is_none() {
        let usage = format!("/{} action <HH:MM|numéro>", command.name());
        return r.usage(http, call, &usage).await;
    }
    // A vote's own use is the vote's: opened and closed with it, for all.
    if by_id.is_some_and(|id| season.action(id).is_some_and(|a| a.base().is_none())) {
        return r.tell(http, call, &r.t(L::NoActionThere, &[])).await;
    }
    let done = r
        .shell
        .apply(|g| {
            let out = match (command, by_time, by_id) {
                (GameCommand::Open, Some(t), _) => g.open_at(t, now),
                (GameCommand::Open, _, Some(id)) => g.open_action(id, now)?,
                (GameCommand::Close, Some(t), _) => g.close_at(t, now),
                (GameCommand::Close, _, Some(id)) => g.close_action(id, None, now)?,
                (_, Some(t), _) => g.remind_at(t),
                (_, _, Some(id)) => {
                    g.season.action(id).ok_or(GameError::UnknownAction(id))?;
                    g.remind_action(id, None)
                }
                _ => Vec::new(),
            };
            Ok(((), out))
        })
        .await;
    match done {
        Err(e) => r.tell(http, call, &r.refusal(season, &e)).await,
        Ok((_, decisions, _)) if decisions.is_empty() => {
            r.tell(http, call, &r.t(L::NoActionThere, &[])).await
        }
        Ok((_, decisions, after)) => {
            // The MJ sees what did not open, and why (the players are told too).
            let skipped: Vec<String> = decisions
                .iter()
                .filter_map(|d| match d {
                    crate::game::Decision::ActionSkipped {
                        player,
                        action,
                        reason,
                    } => Some(format!(
                        "{} ({}, {}) : {}",
                        after
                            .action(*action)
                            .and_then(|a| a.base())
                            .unwrap_or_default(),
                        action.0,
                        after
                            .player(*player)
                            .map(|p| p.name.as_str())
                            .unwrap_or("?"),
                        super::shell::skip_reason(r.shell.language(), *reason)
                    )),
                    _ => None,
                })
                .collect();
            let mut text = r.t(L::Done, &[]);
            if !skipped.is_empty() {
                text.push(' ');
                text.push_str(&r.t(L::SkippedList, &[("list", &skipped.join(" ; "))]));
            }
            r.tell(http, call, &text).await;
            r.shell.perform(&after, decisions).await;
        }
    }
}

/// A player's powers as the MJs need them for `/open action <numéro>`.
fn player_actions(r: &GameRouter, season: &Season, player: u64) -> String {
    let lines: Vec<String> = season
        .actions
        .iter()
        .filter(|a| a.player == player && a.base().is_some())
        .map(|a| {
            let charges = a.charges.map_or_else(|| "∞".to_owned(), |n| n.to_string());
            r.t(
                L::ActionLine,
                &[
                    ("id", &a.id.0.to_string()),
                    ("action", a.base().unwrap_or_default()),
                    ("charges", &charges),
                    ("cooldown", &a.cooldown.to_string()),
                    (
                        "state",
                        &r.t(
                            match (a.active, a.open_use().is_some()) {
                                (false, _) => L::ActionArchivedState,
                                (true, true) => L::ActionOpenState,
                                (true, false) => L::ActionClosedState,
                            },
                            &[],
                        ),
                    ),
                ],
            )
        })
        .collect();
    if lines.is_empty() {
        r.t(L::None, &[])
    } else {
        lines.join("\n")
    }
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "oui" | "yes" | "true" | "1" => Some(true),
        "non" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// `votant_village=oui votant_loups=non role_actif=oui` (any of them).
fn parse_flags(s: &str) -> Option<Flags> {
    let mut flags = Flags::default();
    for part in s.split_whitespace() {
        let (k, v) = part.split_once('=')?;
        let v = parse_yes_no(v)?;
        match k {
            "votant_village" => flags.votant_village = Some(v),
            "votant_loups" => flags.votant_loups = Some(v),
            "role_actif" => flags.role_actif = Some(v),
            _ => return None,
        }
    }
    Some(flags)
}

pub(super) async fn button(
    r: &GameRouter,
    http: &Http,
    parts: &[&str],
    call: Call,
    season: Season,
    now: Timestamp,
) {
    let shell = &r.shell;
    if !shell.is_mj(&call.roles) {
        return r.tell(http, &call, &r.t(L::MjOnly, &[])).await;
    }
    match parts {
        ["cparti"] => {
            let done = shell.apply(|g| Ok(((), g.launch(now)?))).await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        ["cfini"] => {
            let done = shell.apply(|g| Ok(((), g.end(now)?))).await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        ["conclude", kind, since, who] => {
            let (Some(kind), Ok(since)) = (vote_kind(kind), since.parse::<u64>()) else {
                return;
            };
            let chosen = who.parse::<u64>().ok();
            let done = shell
                .apply(|g| {
                    let tally = g.plot(kind, Timestamp(since));
                    Ok(((), g.conclude(&tally, chosen, now)?))
                })
                .await;
            respond(r, http, &call, &season, done.map(|(_, d, s)| (d, s))).await;
        }
        _ => log::debug!("game: unknown button {parts:?}"),
    }
}

/// The MJ's confirmation buttons for a tally.
pub(super) fn conclusion_buttons(
    r: &GameRouter,
    season: &Season,
    kind: VoteKind,
    since: Timestamp,
    result: &TallyResult,
) -> Vec<CreateButton> {
    let name = |p: u64| season.player(p).map(|p| p.name.clone()).unwrap_or_default();
    let id = |who: &str| format!("game:conclude:{}:{}:{who}", kind.slug(), since.0);
    let mut out: Vec<CreateButton> = match result {
        TallyResult::Nobody => Vec::new(),
        TallyResult::Leader(p) => vec![CreateButton::new(id(&p.to_string()))
            .label(r.t(L::ConfirmLeader, &[("name", &name(*p))]))
            .style(ButtonStyle::Danger)],
        TallyResult::Tie { candidates, .. } => candidates
            .iter()
            .take(4)
            .map(|p| {
                CreateButton::new(id(&p.to_string()))
                    .label(name(*p))
                    .style(ButtonStyle::Primary)
            })
            .collect(),
    };
    out.push(
        CreateButton::new(id("none"))
            .label(r.t(L::PickNobody, &[]))
            .style(ButtonStyle::Secondary),
    );
    out
}

/// `/send`'s template: `{nom}` and `{role}` of each recipient.
pub(super) fn personal(template: &str, name: &str, role: &str) -> String {
    fill(template, &[("nom", name), ("role", role)])
}
