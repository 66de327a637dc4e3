//! The admin page's HTML, rendered on the server.
//!
//! Plain functions from a [`Snapshot`] (and the log lines) to a string of
//! HTML: no template engine, no JavaScript needed (a few lines in
//! [`APP_JS`] only show times in the browser's zone and ask before a
//! shutdown). Every piece of text that came from outside goes through
//! [`esc`]. CSS and JS are served from this server (`/static/…`), so the
//! page works without internet and under a strict Content-Security-Policy.

use std::fmt::Write as _;
use std::time::Duration;

use super::Snapshot;
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

/// HTML-escapes `text` for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A duration for people: `45 s`, `12 min 5 s`, `3 h 12 min`, `2 d 4 h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else if mins > 0 {
        format!("{mins} min {secs} s")
    } else {
        format!("{secs} s")
    }
}

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

fn time_tag(unix_ms: u64) -> String {
    let iso = iso_utc(unix_ms);
    format!(r#"<time datetime="{iso}">{}</time>"#, iso.replace('T', " "))
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin"><title>{}</title><link rel="stylesheet" href="/static/style.css"><script src="/static/app.js" defer></script></head><body><main>"#,
        esc(title)
    );
}

const FOOT: &str = "</main></body></html>";

/// A page with just a message (errors, disabled page).
pub fn message_page(title: &str, message: &str, link: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    head(&mut out, title);
    let _ = write!(out, "<h1>{}</h1><p>{}</p>", esc(title), esc(message));
    if let Some((href, text)) = link {
        let _ = write!(out, r#"<p><a href="{}">{}</a></p>"#, esc(href), esc(text));
    }
    out.push_str(FOOT);
    out
}

/// The login form, with an optional error line.
pub fn login_page(error: Option<&str>) -> String {
    let mut out = String::new();
    head(&mut out, "CubeGuardian — log in");
    out.push_str(r#"<h1>CubeGuardian</h1><section class="card"><h2>Admin login</h2>"#);
    if let Some(e) = error {
        let _ = write!(out, r#"<p class="bad">{}</p>"#, esc(e));
    }
    out.push_str(concat!(
        r#"<form method="post" action="/login">"#,
        r#"<p><label for="token">Admin token</label><br>"#,
        r#"<input type="password" id="token" name="token" autocomplete="current-password" required autofocus></p>"#,
        r#"<p><button type="submit">Log in</button></p></form>"#,
        r#"<p class="muted">The token is the <code>admin_token</code> credential (or <code>CUBEGUARDIAN_ADMIN_TOKEN</code>).</p>"#,
        "</section>"
    ));
    out.push_str(FOOT);
    out
}

/// A one-button form posting to `/action/{action}` with the CSRF token and
/// extra hidden fields.
fn button(
    out: &mut String,
    csrf: &str,
    action: &str,
    fields: &[(&str, &str)],
    label: &str,
    class: &str,
    confirm: Option<&str>,
) {
    let _ = write!(out, r#"<form method="post" action="/action/{action}""#);
    if let Some(q) = confirm {
        let _ = write!(out, r#" data-confirm="{}""#, esc(q));
    }
    let _ = write!(
        out,
        r#"><input type="hidden" name="csrf" value="{}">"#,
        esc(csrf)
    );
    for (name, value) in fields {
        let _ = write!(
            out,
            r#"<input type="hidden" name="{}" value="{}">"#,
            esc(name),
            esc(value)
        );
    }
    let _ = write!(
        out,
        r#"<button type="submit" class="{class}">{}</button></form>"#,
        esc(label)
    );
}

/// The admin page. `csrf` is the session's token (empty for Bearer
/// callers, whose forms would not be used); `flash` is `(ok, text)`.
pub fn admin_page(
    s: &Snapshot,
    logs: &[LogEntry],
    csrf: &str,
    flash: Option<&(bool, String)>,
) -> String {
    let mut out = String::with_capacity(16 * 1024 + logs.len() * 160);
    head(&mut out, "CubeGuardian — admin");

    // Header: name, version, uptime, logout.
    let _ = write!(
        out,
        r#"<header><div><h1>CubeGuardian</h1><span class="muted">v{} · up {}</span></div><div><a class="btn plain" href="/">Refresh</a> "#,
        esc(&s.version),
        human_duration(s.uptime)
    );
    let _ = write!(
        out,
        r#"<form method="post" action="/logout"><input type="hidden" name="csrf" value="{}"><button type="submit" class="plain">Log out</button></form></div></header>"#,
        esc(csrf)
    );

    if let Some((ok, text)) = flash {
        let class = if *ok { "flash" } else { "flash bad" };
        let _ = write!(out, r#"<p class="{class}" role="status">{}</p>"#, esc(text));
    }

    // Power.
    let _ = write!(
        out,
        r#"<section class="card"><h2>Power</h2><p class="state">{}</p><p class="muted">{} for {}"#,
        esc(&s.power_state_label),
        esc(&s.power_state),
        human_duration(s.power_since)
    );
    if let Some(left) = s.shutdown_in {
        let _ = write!(out, " · shutdown in {}", human_duration(left));
    }
    out.push_str("</p>");
    if s.maintenance {
        out.push_str(
            r#"<p class="bad"><strong>Maintenance mode</strong>: automatic power actions are suspended.</p>"#,
        );
    }
    let discord = if s.discord_connected {
        r#"<span class="ok">connected</span>"#.to_owned()
    } else {
        match s.discord_down_for {
            Some(d) => format!(
                r#"<span class="bad">disconnected for {}</span>"#,
                human_duration(d)
            ),
            None => r#"<span class="bad">disconnected</span>"#.to_owned(),
        }
    };
    let _ = write!(out, "<p>Discord: {discord}");
    if !s.main_loop_alive {
        out.push_str(r#" · <span class="bad">main loop not responding</span>"#);
    }
    out.push_str(r#"</p><div class="actions">"#);
    button(&mut out, csrf, "wake", &[], "Wake", "", None);
    button(
        &mut out,
        csrf,
        "shutdown",
        &[],
        "Shut down",
        "danger",
        Some("Shut the host down now?"),
    );
    button(
        &mut out,
        csrf,
        "restart-minecraft",
        &[],
        "Restart Minecraft",
        "danger",
        Some("Restart the Minecraft server now?"),
    );
    button(
        &mut out,
        csrf,
        "send-digest",
        &[],
        "Send digest now",
        "",
        None,
    );
    if s.maintenance {
        button(
            &mut out,
            csrf,
            "maintenance",
            &[("enabled", "false")],
            "Leave maintenance",
            "plain",
            None,
        );
    } else {
        button(
            &mut out,
            csrf,
            "maintenance",
            &[("enabled", "true")],
            "Enter maintenance",
            "plain",
            None,
        );
    }
    out.push_str("</div></section>");

    // Voice and Minecraft.
    out.push_str(r#"<section class="card"><h2>Voice channel</h2>"#);
    if s.in_voice.is_empty() {
        out.push_str(r#"<p class="muted">Nobody.</p>"#);
    } else {
        out.push_str("<ul>");
        for name in &s.in_voice {
            let _ = write!(out, "<li>{}</li>", esc(name));
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Minecraft</h2>");
    match &s.minecraft {
        Some(mc) => {
            let _ = write!(
                out,
                r#"<p><span class="ok">up</span> · {} / {} players · {}</p>"#,
                mc.players_online,
                mc.players_max,
                esc(&mc.version)
            );
        }
        None => out.push_str(r#"<p class="muted">Not answering.</p>"#),
    }
    out.push_str("</section>");

    // Features.
    if !s.features.is_empty() {
        out.push_str(r#"<section class="card"><h2>Features</h2><table>"#);
        for f in &s.features {
            let (state, next, label) = if f.enabled {
                (r#"<span class="ok">on</span>"#, "false", "Turn off")
            } else {
                (r#"<span class="bad">off</span>"#, "true", "Turn on")
            };
            let _ = write!(out, "<tr><td>{}</td><td>{state}</td><td>", esc(&f.label));
            button(
                &mut out,
                csrf,
                "feature",
                &[("key", &f.key), ("enabled", next)],
                label,
                "plain",
                None,
            );
            out.push_str("</td></tr>");
        }
        out.push_str("</table></section>");
    }

    // Bans.
    out.push_str(r#"<section class="card"><h2>Rate-limit bans</h2>"#);
    if s.bans.is_empty() {
        out.push_str(r#"<p class="muted">None.</p>"#);
    } else {
        out.push_str(r#"<div class="scroll"><table><tr><th>User</th><th>Until</th><th>Reason</th><th></th></tr>"#);
        for b in &s.bans {
            let id = b.user_id.to_string();
            let _ = write!(
                out,
                r#"<tr><td>{} <span class="muted">{}</span></td><td>{}</td><td>{}</td><td>"#,
                esc(&b.user_label),
                id,
                time_tag(b.until_unix_ms),
                esc(&b.reason)
            );
            button(
                &mut out,
                csrf,
                "unban",
                &[("user_id", &id)],
                "Unban",
                "plain",
                None,
            );
            out.push_str("</td></tr>");
        }
        out.push_str("</table></div>");
    }
    out.push_str("</section>");

    // History, newest first.
    out.push_str(r#"<section class="card"><h2>History</h2>"#);
    if s.history.is_empty() {
        out.push_str(r#"<p class="muted">No transition yet.</p>"#);
    } else {
        let mut rows: Vec<_> = s.history.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.at_unix_ms));
        out.push_str(r#"<div class="scroll"><table><tr><th>When</th><th>Transition</th></tr>"#);
        for r in rows.into_iter().take(HISTORY_ROWS) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{} → {}{}</td></tr>",
                time_tag(r.at_unix_ms),
                esc(&r.from),
                esc(&r.to),
                if r.reconciled {
                    r#" <span class="muted">(reconciled)</span>"#
                } else {
                    ""
                }
            );
        }
        out.push_str("</table></div>");
    }
    out.push_str("</section>");

    // Logs, newest first.
    let _ = write!(
        out,
        r#"<section class="card"><h2>Recent log lines</h2><p class="muted">{} lines, newest first.</p><pre>"#,
        logs.len()
    );
    for e in logs.iter().rev() {
        let _ = writeln!(out, "{} {}", time_tag(e.at_unix_ms), esc(&e.text));
    }
    out.push_str("</pre></section>");
    out.push_str(FOOT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::{BanRow, Feature, HistoryRow};

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(45)), "45 s");
        assert_eq!(human_duration(Duration::from_secs(725)), "12 min 5 s");
        assert_eq!(
            human_duration(Duration::from_secs(3 * 3600 + 720)),
            "3 h 12 min"
        );
        assert_eq!(
            human_duration(Duration::from_secs(2 * 86_400 + 4 * 3600)),
            "2 d 4 h"
        );
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
        let html = admin_page(&s, &logs, "c", Some(&(false, evil.into())));
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("\"><b>"), "{html}");
    }
}
