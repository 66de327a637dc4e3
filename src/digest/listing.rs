//! `cubeguardian digest --list / --show / --preview`: past digests and the
//! next one, as text for a terminal. The same text comes from the stopped
//! appliance's database (read directly) or from the running appliance
//! (which holds the database, asked over its admin endpoint).

use std::fmt::Write as _;

use super::archive::{Delivery, DigestKind, DigestRecord};
use crate::time::Zone;

/// What the CLI asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    Preview,
    List,
    Show(u64),
}

fn local(ms: i64, zone: &Zone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(zone.tz().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ms.to_string())
}

fn status(delivery: &Delivery, zone: &Zone) -> String {
    match delivery {
        Delivery::Sent { at_ms, attempts } => {
            format!("sent {} (attempt {attempts})", local(*at_ms, zone))
        }
        Delivery::Pending { attempts: 0, .. } => "pending (not tried yet)".to_owned(),
        Delivery::Pending {
            attempts,
            next_attempt_ms,
            last_error,
        } => format!(
            "pending: {attempts} failed attempt(s), next {}{}",
            local(*next_attempt_ms, zone),
            last_error
                .as_deref()
                .map(|e| format!(" — last error: {e}"))
                .unwrap_or_default()
        ),
        Delivery::Skipped { reason } => format!("not sent: {reason}"),
    }
}

fn kind(kind: &DigestKind) -> String {
    match kind {
        DigestKind::Scheduled => "daily".to_owned(),
        DigestKind::OnRequest { by } => format!("asked by {by}"),
    }
}

/// One line per digest, oldest first.
pub fn list(records: &[DigestRecord], zone: &Zone) -> String {
    if records.is_empty() {
        return "no digest yet\n".to_owned();
    }
    let mut out = String::new();
    for r in records {
        let _ = writeln!(
            out,
            "#{:<4} {} → {}  {:>6} message(s)  {:<16} {}",
            r.id,
            local(r.from_ms, zone),
            local(r.to_ms, zone),
            r.message_count,
            kind(&r.kind),
            status(&r.delivery, zone)
        );
    }
    out
}

/// One digest: its headers, then its text as mailed.
pub fn show(record: &DigestRecord, zone: &Zone) -> String {
    format!(
        "Digest #{id} ({kind})\nPeriod: {from} → {to} ({zone})\nMessages: {count}\n\
         Status: {status}\nMessage-ID: {message_id}\nSubject: {subject}\n\n{text}\n",
        id = record.id,
        kind = kind(&record.kind),
        from = local(record.from_ms, zone),
        to = local(record.to_ms, zone),
        zone = zone.name(),
        count = record.message_count,
        status = status(&record.delivery, zone),
        message_id = record.message_id,
        subject = record.subject,
        text = record.text,
    )
}

/// The preview: subject and text of the digest that would be built now.
pub fn preview(subject: &str, text: &str) -> String {
    format!("Subject: {subject}\n\n{text}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(delivery: Delivery) -> DigestRecord {
        DigestRecord {
            id: 3,
            kind: DigestKind::OnRequest { by: "alice".into() },
            created_ms: 1_790_000_000_000,
            from_ms: 1_790_000_000_000 - 86_400_000,
            to_ms: 1_790_000_000_000,
            message_count: 12,
            message_id: "<m@x>".into(),
            subject: "Résumé".into(),
            text: "body".into(),
            html: "<p>body</p>".into(),
            delivery,
        }
    }

    #[test]
    fn list_and_show_say_where_each_digest_is() {
        let zone = Zone::new(Some("Europe/Brussels")).unwrap();
        let failed = record(Delivery::Pending {
            attempts: 2,
            next_attempt_ms: 1_790_000_100_000,
            last_error: Some("451 try later".into()),
        });
        let line = list(std::slice::from_ref(&failed), &zone);
        assert!(line.starts_with("#3 "), "{line}");
        assert!(line.contains("2 failed attempt(s)") && line.contains("451 try later"));
        assert!(line.contains("asked by alice"));
        let shown = show(
            &record(Delivery::Sent {
                at_ms: 1_790_000_000_500,
                attempts: 1,
            }),
            &zone,
        );
        assert!(shown.contains("Subject: Résumé") && shown.ends_with("body\n"));
        assert!(shown.contains("sent 20"), "{shown}");
        assert_eq!(list(&[], &zone), "no digest yet\n");
    }
}
