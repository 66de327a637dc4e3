//! The game masters' commands (the router checked the MJ role): votes
//! opened and closed by hand, the launch and the end (each confirmed with
//! a button), the tally and its conclusion, deaths, edits of a player
//! (lg-rez's `!sync` replaced by `/joueur`), messages to players and
//! channels, and the scheduled tasks.

use serenity::all::{ButtonStyle, CreateButton, Http};

use super::call::prelude::*;
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
    let bad_vote = || r.t(L::Usage, &[("usage", "cond | maire | loups")]);
    match command {
        GameCommand::Open => {
            let Some(kind) = kind() else {
                return r.tell(http, &call, &bad_vote()).await;
            };
            let closes_at = match call.arg(1).map(ClockTime::parse) {
                None => None,
                Some(Ok(t)) => Some(shell.settings.schedule.next(now, t)),
                Some(Err(e)) => return r.tell(http, &call, &r.t(L::Refused, &[("why", &e)])).await,
            };
            let done = shell
                .apply(|g| Ok(((), g.open_vote(kind, closes_at, None, now)?)))
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
                "flags" => match parse_flags(&value) {
                    Some(flags) => shell.apply(|g| Ok(((), g.set_flags(p, flags)?))).await,
                    None => {
                        let usage = "votant_village=oui votant_loups=non role_actif=oui";
                        return r.usage(http, &call, usage).await;
                    }
                },
                _ => {
                    let usage = "/joueur <joueur> role|camp|statut|flags <valeur>";
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
            let tasks: Vec<String> = shell
                .scheduler
                .list()
                .await
                .into_iter()
                .filter(|t| t.task.kind == super::shell::KIND)
                .map(|t| format!("`{}` {} {}", t.id, t.due.0, t.task.payload))
                .collect();
            let list = if tasks.is_empty() {
                r.t(L::None, &[])
            } else {
                tasks.join("\n")
            };
            r.tell(http, &call, &r.t(L::Tasks, &[("list", &list)]))
                .await
        }
        GameCommand::Cancel => {
            let text = match call.arg_str(0).parse::<u64>() {
                Ok(id) => match shell.scheduler.cancel(id).await {
                    Ok(true) => r.t(L::Done, &[]),
                    Ok(false) => r.t(L::Refused, &[("why", "?")]),
                    Err(e) => r.t(L::Refused, &[("why", &e.to_string())]),
                },
                Err(_) => r.t(L::Usage, &[("usage", "/cancel <id>")]),
            };
            r.tell(http, &call, &text).await
        }
        _ => log::warn!("game: /{} reached the MJ router", command.name()),
    }
}

/// `votant_village=oui votant_loups=non role_actif=oui` (any of them).
fn parse_flags(s: &str) -> Option<Flags> {
    let mut flags = Flags::default();
    for part in s.split_whitespace() {
        let (k, v) = part.split_once('=')?;
        let v = match v.to_lowercase().as_str() {
            "oui" | "yes" | "true" | "1" => true,
            "non" | "no" | "false" | "0" => false,
            _ => return None,
        };
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
