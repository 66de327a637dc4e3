//! The werewolf game's part of the wiring: with `[game]` on, its
//! catalogue, its saved season and the router the Discord side hands the
//! game's commands to; and the admin page's season card, fed from the
//! seasons the game's shell saves.

use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::StartError;
use crate::config::Config;
use crate::discord::game::router::GameRouter;
use crate::schedule::Scheduler;
use crate::store::Store;
use crate::time::Clock;

/// The admin page's season card: the summary of each season the game's
/// shell saves (worked out once per change, in a task of its own).
pub(super) fn summaries(
    mut seasons: watch::Receiver<Option<Arc<crate::game::Season>>>,
    clock: Clock,
    shutdown: CancellationToken,
) -> watch::Receiver<Option<crate::game::summary::SeasonSummary>> {
    let summarize = move |s: &Option<Arc<crate::game::Season>>| {
        s.as_deref()
            .map(|s| crate::game::summary::summary(s, clock.now()))
    };
    let (tx, rx) = watch::channel(summarize(&seasons.borrow_and_update()));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = seasons.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = shutdown.cancelled() => return,
            }
            tx.send_replace(summarize(&seasons.borrow_and_update()));
        }
    });
    rx
}

/// The werewolf game, when `[game]` is on: its catalogue (a mistake in it
/// stops the start, naming the file and line), its saved season, and the
/// router the Discord side hands its commands to. A season that cannot be
/// read leaves the game off (logged) rather than start a fresh one that
/// would overwrite it at the first command.
pub(super) async fn start(
    g: &crate::config::GameConfig,
    config: &Config,
    store: &Arc<Store>,
    scheduler: &Arc<Scheduler>,
    guard: &Arc<crate::ratelimit::guard::Guard>,
    clock: Clock,
) -> Result<
    Option<(
        Arc<GameRouter>,
        watch::Receiver<Option<Arc<crate::game::Season>>>,
    )>,
    StartError,
> {
    use crate::game::{Catalogue, ClockTime, Schedule, Window};
    let catalogue = match &g.catalogue {
        Some(path) => Catalogue::from_file(path)?,
        None => Catalogue::default_fr()?,
    };
    let season = match crate::discord::game::shell::load_season(store).await {
        Ok(season) => season,
        Err(e) => {
            log::error!("game: cannot read the saved season ({e}); the game stays off");
            return Ok(None);
        }
    };
    let at = |t: jiff::civil::Time| {
        ClockTime::new(
            u8::try_from(t.hour()).unwrap_or(0),
            u8::try_from(t.minute()).unwrap_or(0),
        )
        .unwrap_or(ClockTime::MIDNIGHT)
    };
    let window = |w: crate::time::calendar::DailyWindow| Window {
        open: at(w.open),
        close: at(w.close),
    };
    let mut schedule = Schedule::with_zone(g.zone.clone());
    schedule.cond = window(g.pyre_vote);
    schedule.loups = window(g.wolves_vote);
    schedule.maire = window(g.mayor_vote);
    schedule.actions_start = at(g.actions_start);
    schedule.hype = at(g.hype);
    schedule.pause = Some(g.pause);
    let (shell, view) = crate::discord::game::shell::GameShell::new(
        crate::discord::game::shell::ShellSettings {
            guild: g.guild_id.0,
            mj_role: g.mj_role.map(|r| r.0),
            catalogue,
            schedule,
            language: config.messages.language(),
        },
        season,
        Arc::clone(scheduler),
        Arc::clone(guard),
        Arc::clone(store),
        clock,
    );
    Ok(Some((Arc::new(GameRouter { shell }), view)))
}
