//! What an admin action did, as data: the [`Backend`](super::Backend)
//! says what happened and this module words it in the page's language
//! (the flash line of a browser, the body of a script's answer) and picks
//! the script's HTTP status. So the page speaks one language, the
//! configured one, and a script decides on a status, never on a sentence.

use axum::http::StatusCode;

use super::AdminAction;
use crate::messages::page::PageLabel;
use crate::messages::Language;

/// An action done, or started and left running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    WakeRequested,
    ShutdownRequested,
    /// Maintenance is now on (`true`) or off.
    Maintenance(bool),
    MinecraftRestarted {
        seconds: u64,
    },
    DigestQueued {
        id: u64,
        messages: u64,
    },
    /// A digest listing or preview, shown as it is (it is the answer).
    Text(String),
    /// `label` is the feature's name as the page shows it.
    Feature {
        label: String,
        enabled: bool,
    },
    Unbanned(u64),
    /// The action outlasted [`super::ACTION_WAIT`] and runs on.
    StillRunning,
}

/// An action refused, or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// The power machine turned it down; `state` is the state's name in
    /// the page's language ("éteint").
    Refused {
        state: String,
    },
    /// The power loop is stopped or did not answer.
    PowerLoopDown,
    RestartUnderWay,
    RestartTooSoon {
        seconds: u64,
    },
    RestartCapReached {
        count: u32,
    },
    /// No `[proxmox]` section.
    RestartUnavailable,
    /// `reason` is the technical cause, as logged.
    RestartFailed {
        reason: String,
    },
    /// No `[digest]` section.
    DigestOff,
    NoSuchDigest {
        id: u64,
    },
    DigestFailed {
        reason: String,
    },
    UnknownFeature(String),
    NotBanned(u64),
    /// The action's task panicked or was cancelled.
    Crashed,
}

impl Failed {
    /// The status of a script's answer: 404 for what does not exist, 409
    /// for a refusal in the current state, 5xx for a failure on our side.
    pub fn status(&self) -> StatusCode {
        match self {
            Failed::NoSuchDigest { .. } | Failed::UnknownFeature(_) => StatusCode::NOT_FOUND,
            Failed::Refused { .. }
            | Failed::RestartUnderWay
            | Failed::RestartTooSoon { .. }
            | Failed::RestartCapReached { .. }
            | Failed::NotBanned(_) => StatusCode::CONFLICT,
            Failed::RestartUnavailable | Failed::DigestOff => StatusCode::NOT_IMPLEMENTED,
            Failed::PowerLoopDown => StatusCode::SERVICE_UNAVAILABLE,
            Failed::RestartFailed { .. } => StatusCode::BAD_GATEWAY,
            Failed::DigestFailed { .. } | Failed::Crashed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The action's name, at the start of a refusal.
fn name(action: &AdminAction) -> PageLabel {
    match action {
        AdminAction::Wake => PageLabel::ActionWake,
        AdminAction::Shutdown => PageLabel::ActionShutdown,
        AdminAction::RestartMinecraft => PageLabel::ActionRestart,
        AdminAction::SendDigest => PageLabel::ActionSendDigest,
        AdminAction::SetMaintenance(_) => PageLabel::ActionMaintenance,
        AdminAction::SetFeature(..) => PageLabel::ActionFeature,
        AdminAction::Unban(_) => PageLabel::ActionUnban,
        AdminAction::Digest(_) => PageLabel::ActionDigest,
    }
}

/// What the admin reads after `action`.
pub fn word(language: Language, action: &AdminAction, outcome: &Result<Done, Failed>) -> String {
    let action = name(action).get(language);
    let fill = |label: PageLabel, args: &[(&str, &str)]| label.fill(language, args);
    match outcome {
        Ok(done) => match done {
            Done::WakeRequested => fill(PageLabel::WakeRequested, &[]),
            Done::ShutdownRequested => fill(PageLabel::ShutdownRequested, &[]),
            Done::Maintenance(true) => fill(PageLabel::MaintenanceEntered, &[]),
            Done::Maintenance(false) => fill(PageLabel::MaintenanceLeft, &[]),
            Done::MinecraftRestarted { seconds } => fill(
                PageLabel::MinecraftRestarted,
                &[("seconds", &seconds.to_string())],
            ),
            Done::DigestQueued { id, messages } => fill(
                PageLabel::DigestQueued,
                &[("id", &id.to_string()), ("messages", &messages.to_string())],
            ),
            Done::Text(text) => text.clone(),
            Done::Feature { label, enabled } => {
                let state = if *enabled {
                    PageLabel::On
                } else {
                    PageLabel::Off
                };
                fill(
                    PageLabel::FeatureSet,
                    &[("feature", label), ("state", state.get(language))],
                )
            }
            Done::Unbanned(user) => fill(PageLabel::Unbanned, &[("user", &user.to_string())]),
            Done::StillRunning => fill(PageLabel::StillRunning, &[("action", action)]),
        },
        Err(failed) => match failed {
            Failed::Refused { state } => fill(
                PageLabel::RefusedInState,
                &[("action", action), ("state", state)],
            ),
            Failed::PowerLoopDown => fill(PageLabel::PowerLoopDown, &[("action", action)]),
            Failed::RestartUnderWay => fill(PageLabel::RestartUnderWay, &[]),
            Failed::RestartTooSoon { seconds } => fill(
                PageLabel::RestartTooSoon,
                &[("seconds", &seconds.to_string())],
            ),
            Failed::RestartCapReached { count } => fill(
                PageLabel::RestartCapReached,
                &[("count", &count.to_string())],
            ),
            Failed::RestartUnavailable => fill(PageLabel::RestartUnavailable, &[]),
            Failed::RestartFailed { reason } => {
                fill(PageLabel::RestartFailed, &[("reason", reason)])
            }
            Failed::DigestOff => fill(PageLabel::DigestOff, &[]),
            Failed::NoSuchDigest { id } => {
                fill(PageLabel::NoSuchDigest, &[("id", &id.to_string())])
            }
            Failed::DigestFailed { reason } => fill(PageLabel::DigestFailed, &[("reason", reason)]),
            Failed::UnknownFeature(key) => fill(PageLabel::UnknownFeature, &[("key", key)]),
            Failed::NotBanned(user) => fill(PageLabel::NotBanned, &[("user", &user.to_string())]),
            Failed::Crashed => fill(PageLabel::ActionCrashed, &[("action", action)]),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_worded_in_the_page_language_with_no_placeholder_left() {
        let cases: Vec<(AdminAction, Result<Done, Failed>)> = vec![
            (AdminAction::Wake, Ok(Done::WakeRequested)),
            (AdminAction::Shutdown, Ok(Done::ShutdownRequested)),
            (
                AdminAction::SetMaintenance(true),
                Ok(Done::Maintenance(true)),
            ),
            (
                AdminAction::SetMaintenance(false),
                Ok(Done::Maintenance(false)),
            ),
            (
                AdminAction::RestartMinecraft,
                Ok(Done::MinecraftRestarted { seconds: 42 }),
            ),
            (
                AdminAction::SendDigest,
                Ok(Done::DigestQueued { id: 7, messages: 3 }),
            ),
            (
                AdminAction::SetFeature("natural_language".into(), true),
                Ok(Done::Feature {
                    label: "Plain words".into(),
                    enabled: true,
                }),
            ),
            (AdminAction::Unban(5), Ok(Done::Unbanned(5))),
            (AdminAction::RestartMinecraft, Ok(Done::StillRunning)),
            (
                AdminAction::Wake,
                Err(Failed::Refused {
                    state: "off".into(),
                }),
            ),
            (AdminAction::Shutdown, Err(Failed::PowerLoopDown)),
            (AdminAction::RestartMinecraft, Err(Failed::RestartUnderWay)),
            (
                AdminAction::RestartMinecraft,
                Err(Failed::RestartTooSoon { seconds: 9 }),
            ),
            (
                AdminAction::RestartMinecraft,
                Err(Failed::RestartCapReached { count: 3 }),
            ),
            (
                AdminAction::RestartMinecraft,
                Err(Failed::RestartUnavailable),
            ),
            (
                AdminAction::RestartMinecraft,
                Err(Failed::RestartFailed {
                    reason: "timeout".into(),
                }),
            ),
            (AdminAction::SendDigest, Err(Failed::DigestOff)),
            (
                AdminAction::Digest(super::super::DigestQuery::Show(99)),
                Err(Failed::NoSuchDigest { id: 99 }),
            ),
            (
                AdminAction::SendDigest,
                Err(Failed::DigestFailed {
                    reason: "disk full".into(),
                }),
            ),
            (
                AdminAction::SetFeature("x".into(), true),
                Err(Failed::UnknownFeature("x".into())),
            ),
            (AdminAction::Unban(5), Err(Failed::NotBanned(5))),
            (AdminAction::Wake, Err(Failed::Crashed)),
        ];
        for (action, outcome) in &cases {
            let fr = word(Language::Fr, action, outcome);
            let en = word(Language::En, action, outcome);
            assert!(!fr.contains('{') && !en.contains('{'), "{fr} / {en}");
            assert_ne!(fr, en, "{action}: the same words in both languages");
        }
        let refused = Err(Failed::Refused {
            state: "en maintenance".into(),
        });
        assert_eq!(
            word(Language::Fr, &AdminAction::Wake, &refused),
            "Réveil impossible\u{a0}: le serveur est en maintenance."
        );
    }

    #[test]
    fn a_missing_digest_is_not_found_and_a_refusal_a_conflict() {
        assert_eq!(
            Failed::NoSuchDigest { id: 1 }.status(),
            StatusCode::NOT_FOUND
        );
        let refused = Failed::Refused {
            state: "off".into(),
        };
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(Failed::Crashed.status().is_server_error());
    }
}
