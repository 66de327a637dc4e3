//! The admin page's HTML, rendered on the server with maud: markup checked
//! at compile time, and every piece of text spliced in escaped. No
//! JavaScript needed (a few lines in [`APP_JS`] only show times in the
//! browser's zone and ask before a shutdown). CSS and JS are served from
//! this server (`/static/…`), so the page works without internet and under
//! a strict Content-Security-Policy. The page speaks the configured
//! language; its words are in [`crate::messages::page`].

use maud::{html, Markup, DOCTYPE};

use super::Snapshot;
use crate::messages::page::{duration, log_lines, PageLabel};
use crate::messages::Language;
use crate::system::logring::LogEntry;

/// The stylesheet, served at `/static/style.css`.
pub const STYLE_CSS: &str = r#":root{color-scheme:light dark;--fg:#1b1f23;--bg:#f6f7f9;--card:#fff;--muted:#687078;--ok:#1f7a3a;--bad:#b42318;--line:#d9dde2;--btn:#2456c6}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--bg:#15181c;--card:#1e2228;--muted:#9aa3ad;--ok:#4cc27a;--bad:#ff7b6e;--line:#333a42;--btn:#5b8cff}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:52rem;margin:0 auto;padding:.75rem}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;justify-content:space-between}
h1{font-size:1.3rem;margin:.25rem 0}h2{font-size:1.05rem;margin:0 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.75rem;margin:.75rem 0}
.muted{color:var(--muted);font-size:.9rem}
.state{font-size:1.4rem;font-weight:600;margin:.1rem 0}
.ok{color:var(--ok)}.bad{color:var(--bad)}
.flash{border-left:4px solid var(--ok);padding:.5rem .75rem;background:var(--card);margin:.75rem 0}
.flash.bad{border-color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
form{display:inline;margin:0}
button,a.btn{font:inherit;display:inline-block;white-space:nowrap;text-decoration:none;padding:.55rem .9rem;min-height:2.6rem;border:0;border-radius:.45rem;background:var(--btn);color:#fff;cursor:pointer}
button.danger{background:var(--bad)}button.plain,a.btn.plain{background:transparent;color:var(--btn);border:1px solid var(--line)}
.card h2:not(:first-child){margin-top:.9rem}
input[type=password]{font:inherit;padding:.55rem;width:100%;max-width:24rem;border:1px solid var(--line);border-radius:.45rem;background:var(--bg);color:var(--fg)}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}
ul{margin:.25rem 0;padding-left:1.2rem}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:.8rem;max-height:28rem;overflow-y:auto}
"#;

/// The only script: local times and confirmations; the page works without it.
pub const APP_JS: &str = r#"document.querySelectorAll("time[datetime]").forEach(function(t){var d=new Date(t.getAttribute("datetime"));if(!isNaN(d))t.textContent=d.toLocaleString();});
document.querySelectorAll("form[data-confirm]").forEach(function(f){f.addEventListener("submit",function(e){if(!window.confirm(f.getAttribute("data-confirm")))e.preventDefault();});});
"#;

/// History rows shown; older ones are left out to keep the page small.
pub const HISTORY_ROWS: usize = 50;

/// `2026-11-21T10:58:50Z` for a Unix time in milliseconds (UTC; the script
/// turns it into the browser's local time).
pub fn iso_utc(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic
/// Gregorian calendar (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

fn time_tag(unix_ms: u64) -> Markup {
    let iso = iso_utc(unix_ms);
    html! { time datetime=(iso) { (iso.replace('T', " ")) } }
}

/// A whole page around `main`.
fn page(language: Language, title: &str, main: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(PageLabel::HtmlLang.get(language)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body { main { (main) } }
        }
    }
    .into_string()
}

/// A page with just a message (errors, disabled page).
pub fn message_page(
    language: Language,
    title: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> String {
    page(
        language,
        title,
        html! {
            h1 { (title) }
            p { (message) }
            @if let Some((href, text)) = link {
                p { a href=(href) { (text) } }
            }
        },
    )
}

/// The login form, with an optional error line.
pub fn login_page(language: Language, error: Option<&str>) -> String {
    let l = |label: PageLabel| label.get(language);
    page(
        language,
        l(PageLabel::LoginTitle),
        html! {
            h1 { "CubeGuardian" }
            section class="card" {
                h2 { (l(PageLabel::AdminLogin)) }
                @if let Some(e) = error {
                    p class="bad" { (e) }
                }
                form method="post" action="/login" {
                    p {
                        label for="token" { (l(PageLabel::AdminToken)) }
                        br;
                        input type="password" id="token" name="token"
                            autocomplete="current-password" required autofocus;
                    }
                    p { button type="submit" { (l(PageLabel::LogIn)) } }
                }
                p class="muted" {
                    (l(PageLabel::TokenIs)) code { "admin_token" }
                    (l(PageLabel::TokenOr)) code { "CUBEGUARDIAN_ADMIN_TOKEN" } ")."
                }
            }
        },
    )
}

/// A one-button form posting to `/action/{action}` with the CSRF token and
/// extra hidden fields.
fn button(
    csrf: &str,
    action: &str,
    fields: &[(&str, &str)],
    label: &str,
    class: &str,
    confirm: Option<&str>,
) -> Markup {
    html! {
        form method="post" action={ "/action/" (action) } data-confirm=[confirm] {
            input type="hidden" name="csrf" value=(csrf);
            @for (name, value) in fields {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" class=(class) { (label) }
        }
    }
}

/// The admin page. `csrf` is the session's token (empty for Bearer
/// callers, whose forms would not be used); `flash` is `(ok, text)`.
pub fn admin_page(
    language: Language,
    s: &Snapshot,
    logs: &[LogEntry],
    csrf: &str,
    flash: Option<&(bool, String)>,
) -> String {
    use PageLabel as L;
    let l = |label: PageLabel| label.get(language);
    let d = |d: std::time::Duration| duration(language, d);
    let mut history: Vec<_> = s.history.iter().collect();
    history.sort_by_key(|r| std::cmp::Reverse(r.at_unix_ms));
    let main = html! {
        header {
            div {
                h1 { "CubeGuardian" }
                span class="muted" { "v" (s.version) " · " (l(L::Up)) " " (d(s.uptime)) }
            }
            div {
                a class="btn plain" href="/" { (l(L::Refresh)) }
                " "
                form method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" class="plain" { (l(L::LogOut)) }
                }
            }
        }
        @if let Some((ok, text)) = flash {
            p class=(if *ok { "flash" } else { "flash bad" }) role="status" { (text) }
        }

        section class="card" {
            h2 { (l(L::Power)) }
            p class="state" { (s.power_state_label) }
            p class="muted" {
                (s.power_state) " " (l(L::For)) " " (d(s.power_since))
                @if let Some(left) = s.shutdown_in {
                    " · " (l(L::ShutdownIn)) " " (d(left))
                }
            }
            @if s.maintenance {
                p class="bad" { strong { (l(L::MaintenanceMode)) } (l(L::MaintenanceNote)) }
            }
            p {
                (l(L::Discord)) " "
                @if s.discord_connected {
                    span class="ok" { (l(L::Connected)) }
                } @else if let Some(down) = s.discord_down_for {
                    span class="bad" { (l(L::DisconnectedFor)) " " (d(down)) }
                } @else {
                    span class="bad" { (l(L::Disconnected)) }
                }
                @if !s.main_loop_alive {
                    " · " span class="bad" { (l(L::LoopStuck)) }
                }
            }
            div class="actions" {
                (button(csrf, "wake", &[], l(L::Wake), "", None))
                (button(csrf, "shutdown", &[], l(L::ShutDown), "danger", Some(l(L::ConfirmShutDown))))
                (button(csrf, "restart-minecraft", &[], l(L::RestartMinecraft), "danger", Some(l(L::ConfirmRestart))))
                (button(csrf, "send-digest", &[], l(L::SendDigest), "", None))
                @if s.maintenance {
                    (button(csrf, "maintenance", &[("enabled", "false")], l(L::LeaveMaintenance), "plain", None))
                } @else {
                    (button(csrf, "maintenance", &[("enabled", "true")], l(L::EnterMaintenance), "plain", None))
                }
            }
        }

        section class="card" {
            h2 { (l(L::VoiceChannel)) }
            @if s.in_voice.is_empty() {
                p class="muted" { (l(L::Nobody)) }
            } @else {
                ul { @for name in &s.in_voice { li { (name) } } }
            }
            h2 { (l(L::Minecraft)) }
            @match &s.minecraft {
                Some(mc) => p {
                    span class="ok" { (l(L::McUp)) }
                    " · " (mc.players_online) " / " (mc.players_max) " " (l(L::Players)) " · " (mc.version)
                },
                None => p class="muted" { (l(L::NotAnswering)) },
            }
            @if let Some(n) = s.front_door_players {
                p class="front-door" { (n) " " (l(L::FrontDoorPlayers)) }
            }
        }

        @if let Some(season) = &s.season {
            section class="card season" {
                h2 { (l(L::Season)) }
                p class="state" {
                    (season.phase)
                    @if let Some(day) = season.day { " · " (l(L::SeasonDay)) " " (day) }
                }
                p {
                    (season.living) " " (l(L::SeasonLiving)) " · "
                    (season.dead) " " (l(L::SeasonDead)) " · "
                    (season.total) " " (l(L::SeasonPlayers))
                }
                p {
                    (l(L::SeasonMayor)) " "
                    @match &season.mayor {
                        Some(name) => (name),
                        None => span class="muted" { (l(L::SeasonNoMayor)) },
                    }
                }
                h3 { (l(L::SeasonOpenVotes)) }
                @if season.open_votes.is_empty() {
                    p class="muted" { (l(L::SeasonNoVote)) }
                } @else {
                    ul {
                        @for v in &season.open_votes {
                            li {
                                strong { (v.name) } " · " (v.voted) " / " (v.voters) " " (l(L::SeasonVoted)) " · "
                                @match v.closes_at_unix_ms {
                                    Some(at) => { (l(L::SeasonCloses)) " " (time_tag(at)) },
                                    None => span class="muted" { (l(L::SeasonClosedByMj)) },
                                }
                            }
                        }
                    }
                }
                p { (l(L::SeasonOpenActions)) " " (season.open_actions) }
            }
        }

        @if !s.features.is_empty() {
            section class="card" {
                h2 { (l(L::Features)) }
                table {
                    @for f in &s.features {
                        tr {
                            td { (f.label) }
                            td {
                                @if f.enabled {
                                    span class="ok" { (l(L::On)) }
                                } @else {
                                    span class="bad" { (l(L::Off)) }
                                }
                            }
                            td {
                                @let (next, label) = if f.enabled { ("false", L::TurnOff) } else { ("true", L::TurnOn) };
                                (button(csrf, "feature", &[("key", &f.key), ("enabled", next)], l(label), "plain", None))
                            }
                        }
                    }
                }
            }
        }

        section class="card" {
            h2 { (l(L::Bans)) }
            @if s.bans.is_empty() {
                p class="muted" { (l(L::NoBan)) }
            } @else {
                div class="scroll" {
                    table {
                        tr { th { (l(L::User)) } th { (l(L::Until)) } th { (l(L::Reason)) } th {} }
                        @for b in &s.bans {
                            @let id = b.user_id.to_string();
                            tr {
                                td { (b.user_label) " " span class="muted" { (id) } }
                                td { (time_tag(b.until_unix_ms)) }
                                td { (b.reason) }
                                td { (button(csrf, "unban", &[("user_id", &id)], l(L::Unban), "plain", None)) }
                            }
                        }
                    }
                }
            }
        }

        section class="card" {
            h2 { (l(L::History)) }
            @if history.is_empty() {
                p class="muted" { (l(L::NoTransition)) }
            } @else {
                div class="scroll" {
                    table {
                        tr { th { (l(L::When)) } th { (l(L::Transition)) } }
                        @for r in history.into_iter().take(HISTORY_ROWS) {
                            tr {
                                td { (time_tag(r.at_unix_ms)) }
                                td {
                                    (r.from) " → " (r.to)
                                    @if r.reconciled {
                                        " " span class="muted" { (l(L::Reconciled)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        section class="card" {
            h2 { (l(L::RecentLogs)) }
            p class="muted" { (log_lines(language, logs.len())) }
            pre {
                @for e in logs.iter().rev() {
                    (time_tag(e.at_unix_ms)) " " (e.text) "\n"
                }
            }
        }
    };
    page(language, l(L::AdminTitle), main)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::web::{BanRow, Feature, HistoryRow};

    #[test]
    fn durations_read_naturally() {
        let en = |secs| duration(Language::En, Duration::from_secs(secs));
        assert_eq!(en(45), "45 s");
        assert_eq!(en(725), "12 min 5 s");
        assert_eq!(en(3 * 3600 + 720), "3 h 12 min");
        assert_eq!(en(2 * 86_400 + 4 * 3600), "2 d 4 h");
        assert_eq!(
            duration(Language::Fr, Duration::from_secs(2 * 86_400 + 4 * 3600)),
            "2 j 4 h"
        );
    }

    /// The page once showed French states under English headings.
    #[test]
    fn the_page_speaks_the_configured_language() {
        let s = Snapshot {
            maintenance: true,
            ..Snapshot::default()
        };
        let fr = admin_page(Language::Fr, &s, &[], "c", None);
        assert!(fr.contains(r#"<html lang="fr">"#), "{fr}");
        for word in [
            "Alimentation",
            "Salon vocal",
            "Historique",
            "Réveiller",
            "Mode maintenance",
        ] {
            assert!(fr.contains(word), "{word} missing: {fr}");
        }
        for word in [
            "Power",
            "Voice channel",
            "History",
            "Wake",
            "Maintenance mode",
        ] {
            assert!(!fr.contains(word), "{word} in the French page: {fr}");
        }
        let en = admin_page(Language::En, &s, &[], "c", None);
        assert!(
            en.contains(r#"<html lang="en">"#) && en.contains("Power"),
            "{en}"
        );
        assert!(!en.contains("Alimentation"), "{en}");
        let login = login_page(Language::Fr, None);
        assert!(
            login.contains("Se connecter") && !login.contains("Log in"),
            "{login}"
        );
    }

    #[test]
    fn the_front_doors_players_show_only_with_a_front_door() {
        let with = Snapshot {
            front_door_players: Some(3),
            ..Snapshot::default()
        };
        let html = admin_page(Language::Fr, &with, &[], "c", None);
        assert!(
            html.contains("3 joueur(s) dans le jeu par la porte d'entrée"),
            "{html}"
        );
        let html = admin_page(Language::Fr, &Snapshot::default(), &[], "c", None);
        assert!(!html.contains("porte d'entrée"), "{html}");
    }

    #[test]
    fn unix_times_become_iso_dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_795_258_730_000), "2026-11-21T10:58:50Z");
    }

    #[test]
    fn outside_text_is_escaped_everywhere() {
        let evil = "<img src=x onerror=alert(1)>";
        let s = Snapshot {
            power_state_label: evil.into(),
            in_voice: vec![evil.into()],
            history: vec![HistoryRow {
                at_unix_ms: 0,
                from: evil.into(),
                to: "idle".into(),
                reconciled: true,
            }],
            bans: vec![BanRow {
                user_id: 1,
                user_label: evil.into(),
                until_unix_ms: 0,
                reason: evil.into(),
            }],
            features: vec![Feature {
                key: "k\"><b>".into(),
                label: evil.into(),
                enabled: true,
            }],
            ..Snapshot::default()
        };
        let logs = [LogEntry {
            at_unix_ms: 0,
            text: evil.into(),
        }];
        let html = admin_page(Language::En, &s, &logs, "c", Some(&(false, evil.into())));
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("\"><b>"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
    }
}
