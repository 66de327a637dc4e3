//! What the admin page shows and does: [`crate::web`]'s [`Backend`] over
//! the appliance's parts. Every action calls the same service as the
//! Discord command that does the same thing ([`crate::services`]: the
//! power requests, the restart shared with `/restart`, the plain-words
//! switch; the limiter's unban), words its typed answer for the admin, and
//! is logged "via admin page".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::digest::listing;
use crate::digest::service::{DigestError, Digester};
use crate::discord::Link;
use crate::game::summary::{SeasonSummary, SummaryPhase};
use crate::game::VoteKind;
use crate::messages::page::PageLabel;
use crate::messages::{Language, Messages, Text};
use crate::outgoing::Outgoing;
use crate::power::driver::PowerView;
use crate::power::machine::{GameObservation, Requester, State, StateKind};
use crate::ratelimit::guard::Guard;
use crate::services::power::{Power, PowerError};
use crate::services::restart::{Caller, RestartError, Restarter};
use crate::services::PlainWords;
use crate::time::Clock;
use crate::web::{
    AdminAction, Backend, BanRow, DigestQuery, Done, Failed, Feature, HistoryRow, MinecraftView,
    SeasonView, SeasonVoteView, Snapshot,
};

/// The key of the one feature the page can toggle today.
const NATURAL_LANGUAGE: &str = "natural_language";

/// How stale the power loop's last answer may be before `/health` calls
/// it stuck: a few of [`PING_EVERY`], so one slow probe is not an outage.
const LOOP_STALE: Duration = Duration::from_secs(50);

/// How often the power loop is pinged (for `/health` and the watchdog).
/// Each ping wakes the process (on a Pi, power drawn at idle): every 15 s
/// is twice as often as the watchdog needs with the unit's
/// `WatchdogSec=60s` (systemd's advice is half the period, 30 s), and a
/// stuck loop still shows on `/health` within a minute.
pub const PING_EVERY: Duration = Duration::from_secs(15);

/// Liveness facts kept by [`crate::app`]'s supervision task.
#[derive(Default)]
pub struct Vitals {
    /// Milliseconds after `started` of the power loop's last answer.
    pub loop_alive_at: AtomicU64,
    /// When the gateway went down, if it is down.
    pub discord_down_since: Mutex<Option<Instant>>,
}

pub struct Console {
    pub started: Instant,
    pub vitals: Arc<Vitals>,
    pub view: watch::Receiver<PowerView>,
    pub link: watch::Receiver<Link>,
    pub voice_names: watch::Receiver<Vec<String>>,
    pub power: Power,
    pub restarter: Arc<Restarter>,
    pub plain_words: Arc<PlainWords>,
    pub guard: Arc<Guard>,
    pub messages: Messages,
    pub outgoing: mpsc::Sender<Outgoing>,
    pub admin_user_id: u64,
    pub clock: Clock,
    /// The digest, when `[digest]` is on.
    pub digest: Option<Arc<Digester>>,
    /// Why the appliance runs degraded, if it does.
    pub degraded: Option<String>,
    /// Whether the Minecraft front door runs (its players are shown).
    pub front_door: bool,
    /// The werewolf season as the game's shell last saved it; `None` when
    /// `[game]` is off (then the page has no season card), `Some` holding
    /// `None` before the game has loaded its season.
    pub season: Option<watch::Receiver<Option<SeasonSummary>>>,
}

/// The season's summary worded for the page, in the page's language.
pub fn season_view(s: &SeasonSummary, language: Language) -> SeasonView {
    let l = |label: PageLabel| label.get(language).to_owned();
    SeasonView {
        phase: l(match s.phase {
            SummaryPhase::Registration => PageLabel::SeasonRegistration,
            SummaryPhase::Running => PageLabel::SeasonRunning,
            SummaryPhase::Ended => PageLabel::SeasonEnded,
        }),
        day: s.day,
        open_votes: s
            .open_votes
            .iter()
            .map(|v| SeasonVoteView {
                name: l(match v.kind {
                    VoteKind::Cond => PageLabel::VotePyre,
                    VoteKind::Maire => PageLabel::VoteMayor,
                    VoteKind::Loups => PageLabel::VoteWolves,
                }),
                closes_at_unix_ms: v.closes_at.map(|t| t.0),
                voted: v.voted,
                voters: v.voters,
            })
            .collect(),
        open_actions: s.open_actions,
        living: s.living,
        dead: s.dead,
        total: s.total,
        mayor: s.mayor.clone(),
    }
}

/// The text `cubeguardian digest` prints for `query`, from the running
/// appliance; `None` when the digest asked for does not exist.
pub async fn digest_text(
    digester: &Digester,
    query: DigestQuery,
) -> Result<Option<String>, DigestError> {
    let archive = digester.archive().clone();
    let zone = digester.zone();
    Ok(match query {
        DigestQuery::Preview => {
            let rendered = digester.preview().await?;
            Some(listing::preview(&rendered.subject, &rendered.text))
        }
        DigestQuery::List => {
            let records = blocking(move || archive.digests()).await?;
            Some(listing::list(&records, &zone))
        }
        DigestQuery::Show(id) => blocking(move || archive.digest(id))
            .await?
            .map(|r| listing::show(&r, &zone)),
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, DigestError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DigestError::Join(e.to_string()))?
        .map_err(DigestError::from)
}

impl Console {
    fn digester(&self) -> Result<&Digester, Failed> {
        self.digest.as_deref().ok_or(Failed::DigestOff)
    }

    /// The state's name in the configured language.
    fn state_name(&self, state: StateKind) -> String {
        self.messages.render(Text::state(state), &[])
    }

    fn power_failed(&self, e: PowerError) -> Failed {
        match e {
            PowerError::Refused { state } => Failed::Refused {
                state: self.state_name(state),
            },
            PowerError::Stopped | PowerError::NoAnswer => {
                log::warn!("admin page: {e}");
                Failed::PowerLoopDown
            }
        }
    }

    fn restart_failed(&self, e: RestartError) -> Failed {
        match e {
            RestartError::NotRunning { state } => Failed::Refused {
                state: self.state_name(state),
            },
            RestartError::AlreadyUnderWay => Failed::RestartUnderWay,
            RestartError::TooSoon { wait } => Failed::RestartTooSoon {
                seconds: wait.as_secs().max(1),
            },
            RestartError::DailyCapReached { count } => Failed::RestartCapReached { count },
            RestartError::Unavailable => Failed::RestartUnavailable,
            RestartError::Failed { reason } => Failed::RestartFailed { reason },
        }
    }

    fn admin(&self) -> Requester {
        Requester {
            id: self.admin_user_id,
            name: "admin".to_owned(),
        }
    }

    fn announce(&self, text: String) {
        if self
            .outgoing
            .try_send(Outgoing::Announce {
                text,
                cancel_button: false,
            })
            .is_err()
        {
            log::warn!("admin page: discord queue full, announcement dropped");
        }
    }
}

#[async_trait::async_trait]
impl Backend for Console {
    fn snapshot(&self) -> Snapshot {
        let view = self.view.borrow().clone();
        let now = self.clock.now();
        let alive_ms = self.vitals.loop_alive_at.load(Ordering::Relaxed);
        let since_alive = self
            .started
            .elapsed()
            .saturating_sub(Duration::from_millis(alive_ms));
        let connected =
            *self.link.borrow() == Link::Connected && !crate::discord::gateway_interrupted();
        let down_for = {
            let mut down = self
                .vitals
                .discord_down_since
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if connected {
                *down = None;
                None
            } else {
                Some(down.get_or_insert_with(Instant::now).elapsed())
            }
        };
        Snapshot {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime: self.started.elapsed(),
            discord_connected: connected,
            discord_down_for: down_for,
            main_loop_alive: since_alive < LOOP_STALE,
            degraded: self.degraded.clone(),
            power_state: view.state.kind().name().to_owned(),
            power_state_label: match &view.state {
                State::Error { reason } => {
                    format!("{} — {reason}", self.messages.render(Text::StateError, &[]))
                }
                s => self.messages.render(Text::state(s.kind()), &[]),
            },
            power_since: view.since.until(now),
            in_voice: self.voice_names.borrow().clone(),
            front_door_players: self.front_door.then_some(view.game_players),
            minecraft: view.last_observation.as_ref().and_then(|o| match &o.game {
                GameObservation::Online {
                    players,
                    max,
                    version,
                } => Some(MinecraftView {
                    players_online: *players,
                    players_max: *max,
                    version: version.clone(),
                }),
                GameObservation::Offline => None,
            }),
            shutdown_in: match &view.state {
                State::ShutdownTimer { deadline, .. } => Some(now.until(*deadline)),
                _ => None,
            },
            history: view
                .history
                .iter()
                .rev()
                .map(|(at, t)| HistoryRow {
                    at_unix_ms: at.0,
                    from: self.messages.render(Text::state(t.from), &[]),
                    to: self.messages.render(Text::state(t.to), &[]),
                    reconciled: t.reconciled,
                })
                .collect(),
            bans: self
                .guard
                .bans()
                .into_iter()
                .map(|(user, until, note)| BanRow {
                    user_id: user,
                    user_label: user.to_string(),
                    until_unix_ms: until,
                    reason: note.unwrap_or_else(|| {
                        PageLabel::AutomaticBan
                            .get(self.messages.language())
                            .to_owned()
                    }),
                })
                .collect(),
            maintenance: view.state.kind() == StateKind::Maintenance,
            features: vec![Feature {
                key: NATURAL_LANGUAGE.to_owned(),
                label: PageLabel::PlainWordsFeature
                    .get(self.messages.language())
                    .to_owned(),
                enabled: self.plain_words.is_on(),
            }],
            season: self.season.as_ref().and_then(|rx| {
                rx.borrow()
                    .as_ref()
                    .map(|s| season_view(s, self.messages.language()))
            }),
        }
    }

    async fn act(&self, action: AdminAction) -> Result<Done, Failed> {
        log::info!("admin page: {action} via admin page");
        match action {
            AdminAction::Wake => self
                .power
                .wake(self.admin())
                .await
                .map(|()| Done::WakeRequested)
                .map_err(|e| self.power_failed(e)),
            AdminAction::Shutdown => self
                .power
                .shutdown_now()
                .await
                .map(|()| Done::ShutdownRequested)
                .map_err(|e| self.power_failed(e)),
            AdminAction::SetMaintenance(on) => self
                .power
                .set_maintenance(on)
                .await
                .map(|()| Done::Maintenance(on))
                .map_err(|e| self.power_failed(e)),
            AdminAction::RestartMinecraft => {
                self.restarter
                    .check(self.admin_user_id, Caller::Admin)
                    .map_err(|e| self.restart_failed(e))?;
                self.announce(self.messages.render(Text::RestartInProgress, &[]));
                match self.restarter.restart(&self.admin(), Caller::Admin).await {
                    Ok(elapsed) => {
                        let seconds = elapsed.as_secs();
                        self.announce(
                            self.messages.render(
                                Text::RestartSucceeded,
                                &[("seconds", &seconds.to_string())],
                            ),
                        );
                        Ok(Done::MinecraftRestarted { seconds })
                    }
                    Err(e @ (RestartError::Failed { .. } | RestartError::Unavailable)) => {
                        self.announce(self.messages.render(Text::RestartFailed, &[]));
                        Err(self.restart_failed(e))
                    }
                    // Refused before anything happened (the state changed
                    // since the check): nothing to announce.
                    Err(e) => Err(self.restart_failed(e)),
                }
            }
            AdminAction::SendDigest => {
                let digester = self.digester()?;
                let record =
                    digester
                        .build_scheduled(None)
                        .await
                        .map_err(|e| Failed::DigestFailed {
                            reason: format!("{e:#}"),
                        })?;
                Ok(Done::DigestQueued {
                    id: record.id,
                    messages: record.message_count,
                })
            }
            AdminAction::Digest(query) => {
                let digester = self.digester()?;
                let missing = match query {
                    DigestQuery::Show(id) => Failed::NoSuchDigest { id },
                    // A listing or a preview always exists.
                    _ => Failed::Crashed,
                };
                digest_text(digester, query)
                    .await
                    .map_err(|e| Failed::DigestFailed {
                        reason: format!("{e:#}"),
                    })?
                    .map(Done::Text)
                    .ok_or(missing)
            }
            AdminAction::SetFeature(key, on) if key == NATURAL_LANGUAGE => {
                self.plain_words.set(on);
                Ok(Done::Feature {
                    label: PageLabel::PlainWordsFeature
                        .get(self.messages.language())
                        .to_owned(),
                    enabled: on,
                })
            }
            AdminAction::SetFeature(key, _) => Err(Failed::UnknownFeature(key)),
            AdminAction::Unban(user) => match self.guard.unban(user).await {
                true => Ok(Done::Unbanned(user)),
                false => Err(Failed::NotBanned(user)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::summary::OpenVote;
    use crate::time::Timestamp;

    #[test]
    fn the_season_is_worded_in_the_pages_language() {
        let summary = SeasonSummary {
            phase: SummaryPhase::Running,
            day: Some(3),
            open_votes: vec![
                OpenVote {
                    kind: VoteKind::Cond,
                    closes_at: Some(Timestamp(1_795_258_730_000)),
                    voted: 2,
                    voters: 7,
                },
                OpenVote {
                    kind: VoteKind::Loups,
                    closes_at: None,
                    voted: 0,
                    voters: 2,
                },
            ],
            open_actions: 4,
            living: 7,
            dead: 1,
            total: 8,
            mayor: Some("Bruno".to_owned()),
        };
        let fr = season_view(&summary, Language::Fr);
        assert_eq!(fr.phase, "En cours");
        assert_eq!(fr.day, Some(3));
        assert_eq!(
            (fr.living, fr.dead, fr.total, fr.open_actions),
            (7, 1, 8, 4)
        );
        assert_eq!(fr.mayor.as_deref(), Some("Bruno"));
        let votes: Vec<_> = fr
            .open_votes
            .iter()
            .map(|v| (v.name.as_str(), v.closes_at_unix_ms, v.voted, v.voters))
            .collect();
        assert_eq!(
            votes,
            [
                ("Bûcher", Some(1_795_258_730_000), 2, 7),
                ("Loups", None, 0, 2)
            ]
        );
        let en = season_view(
            &SeasonSummary {
                phase: SummaryPhase::Registration,
                day: None,
                ..summary
            },
            Language::En,
        );
        assert_eq!(en.phase, "Registration open");
        assert_eq!(en.open_votes[0].name, "Pyre");
        assert_eq!(en.open_votes[1].name, "Wolves");
    }
}
