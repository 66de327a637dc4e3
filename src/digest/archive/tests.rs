//! Tests of [`super`]: the archive with explicit inputs.

use super::*;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis_i64(ms)
}

fn message(id: u64, channel_id: u64, content: &str) -> CapturedMessage {
    CapturedMessage {
        id,
        channel_id,
        author_id: 7,
        author_name: "alice".into(),
        posted_ms: snowflake_ms(id),
        edited: false,
        content: content.into(),
        attachments: Vec::new(),
        reply_to: None,
        reactions: 0,
    }
}

fn archive() -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    (dir, Archive::new(store))
}

const T0: i64 = 1_790_000_000_000;

#[test]
fn staged_changes_wait_for_a_commit_and_every_read_commits_them_first() {
    let (_dir, archive) = archive();
    let told = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let hook = Arc::clone(&told);
    archive.on_commit(move |a| {
        hook.fetch_add(a.stored, std::sync::atomic::Ordering::Relaxed);
    });
    let a = snowflake_floor(T0);
    assert_eq!(archive.stage(Change::Posted(message(a, 1, "un"))), 1);
    assert_eq!(
        archive.stage(Change::Edited {
            id: a,
            content: Some("un, corrigé".into()),
            attachments: None,
            whole: None,
        }),
        2
    );
    // A clone (the digester's) reads: it sees both changes, committed.
    let reader = archive.clone();
    let all = reader.messages_between(ts(T0 - 1), ts(T0 + 1)).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].content, "un, corrigé");
    assert_eq!(archive.staged(), 0);
    assert_eq!(told.load(std::sync::atomic::Ordering::Relaxed), 1);
    // Nothing staged: a commit is a no-op and tells nobody.
    assert_eq!(archive.commit_staged().unwrap(), Applied::default());
    archive.stage(Change::Deleted { id: a });
    assert_eq!(archive.discard_staged(), 1);
    assert_eq!(archive.message_count().unwrap(), 1);
}

#[test]
fn snowflakes_and_times_agree() {
    let id = snowflake_floor(T0) | 0x3f_ffff;
    assert_eq!(snowflake_ms(id), T0);
    assert!(snowflake_floor(T0 + 1) > id);
    assert_eq!(snowflake_floor(0), 0, "before Discord's epoch clamps");
}

#[test]
fn posted_edited_reacted_and_deleted_messages_are_reflected() {
    let (_dir, archive) = archive();
    let a = snowflake_floor(T0);
    let b = snowflake_floor(T0 + 1000);
    let applied = archive
        .apply(&[
            Change::Posted(message(a, 1, "hello")),
            Change::Posted(message(b, 2, "bye")),
            Change::Reacted { id: a, delta: 2 },
            Change::Edited {
                id: a,
                content: Some("hello, edited".into()),
                attachments: None,
                whole: None,
            },
            Change::Deleted { id: b },
        ])
        .unwrap();
    assert_eq!(
        applied,
        Applied {
            stored: 2,
            edited: 1,
            deleted: 1
        }
    );
    let all = archive
        .messages_between(ts(T0 - 1), ts(T0 + 10_000))
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].content, "hello, edited");
    assert!(all[0].edited);
    assert_eq!(all[0].reactions, 2);
    archive
        .apply(&[
            Change::Reacted { id: a, delta: -5 },
            Change::ReactionsCleared { id: b },
        ])
        .unwrap();
    assert_eq!(
        archive.messages_between(ts(T0), ts(T0 + 1)).unwrap()[0].reactions,
        0
    );
}

#[test]
fn an_edit_of_an_unknown_message_stores_it_only_if_whole() {
    let (_dir, archive) = archive();
    let a = snowflake_floor(T0);
    let b = snowflake_floor(T0 + 5);
    archive
        .apply(&[
            Change::Edited {
                id: a,
                content: Some("partial".into()),
                attachments: None,
                whole: None,
            },
            Change::Edited {
                id: b,
                content: None,
                attachments: None,
                whole: Some(message(b, 1, "whole")),
            },
        ])
        .unwrap();
    let all = archive.messages_between(ts(T0), ts(T0 + 10)).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].id, all[0].edited), (b, true));
}

#[test]
fn the_window_is_half_open_and_purge_deletes_only_older() {
    let (_dir, archive) = archive();
    let ids: Vec<u64> = (0..5).map(|i| snowflake_floor(T0 + i * 1000)).collect();
    let changes: Vec<Change> = ids
        .iter()
        .map(|&id| Change::Posted(message(id, 1, "x")))
        .collect();
    archive.apply(&changes).unwrap();
    let window = archive
        .messages_between(ts(T0 + 1000), ts(T0 + 3000))
        .unwrap();
    assert_eq!(
        window.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[1..3].to_vec()
    );
    assert_eq!(archive.purge_before(ts(T0 + 2000)).unwrap(), 2);
    assert_eq!(archive.message_count().unwrap(), 3);
}

/// Writes `bytes` under `id` in `table`, bypassing the archive.
fn put_raw(archive: &Archive, table: TableDefinition<u64, &[u8]>, id: u64, bytes: &[u8]) {
    let txn = archive.store.database().unwrap().begin_write().unwrap();
    txn.open_table(table).unwrap().insert(id, bytes).unwrap();
    txn.commit().unwrap();
}

fn pending_digest(created_ms: i64) -> DigestRecord {
    DigestRecord {
        id: 0,
        kind: DigestKind::Scheduled,
        created_ms,
        from_ms: created_ms - 1000,
        to_ms: created_ms,
        message_count: 1,
        message_id: "<digest-{id}@test>".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
        delivery: Delivery::Pending {
            attempts: 0,
            next_attempt_ms: created_ms,
            last_error: None,
        },
    }
}

#[test]
fn an_undecodable_record_is_skipped_not_fatal_to_the_others() {
    let (_dir, archive) = archive();
    let good = snowflake_floor(T0);
    let bad = snowflake_floor(T0 + 1000);
    let later = snowflake_floor(T0 + 2000);
    archive
        .apply(&[
            Change::Posted(message(good, 1, "avant")),
            Change::Posted(message(later, 1, "après")),
        ])
        .unwrap();
    put_raw(&archive, MESSAGES, bad, b"{truncated");
    let window = archive.messages_between(ts(T0), ts(T0 + 10_000)).unwrap();
    assert_eq!(
        window.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![good, later]
    );
    // A batch touching the damaged record still commits the rest; an
    // edit carrying the whole message replaces it.
    let applied = archive
        .apply(&[
            Change::Reacted { id: bad, delta: 1 },
            Change::Edited {
                id: bad,
                content: None,
                attachments: None,
                whole: Some(message(bad, 1, "réparé")),
            },
            Change::Posted(message(later + 1, 1, "encore")),
        ])
        .unwrap();
    assert_eq!(applied.stored, 2, "the repaired one and the new one");
    let window = archive.messages_between(ts(T0), ts(T0 + 10_000)).unwrap();
    assert_eq!(window.len(), 4);
    assert_eq!(window[1].content, "réparé");

    // The same for the outbox: a damaged digest does not hide the
    // pending one after it.
    let first = archive.add_digest(pending_digest(T0), None).unwrap();
    put_raw(&archive, DIGESTS, first.id + 1, b"\xff not json");
    let third = archive.add_digest(pending_digest(T0 + 5), None).unwrap();
    assert_eq!(third.id, first.id + 2);
    let pending: Vec<u64> = archive.pending().unwrap().iter().map(|d| d.id).collect();
    assert_eq!(pending, vec![first.id, third.id]);
    assert_eq!(archive.forget_digests_before(ts(T0 + 10)).unwrap(), 0);
}

#[test]
fn a_digest_and_its_window_move_are_one_commit_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let record = DigestRecord {
        id: 0,
        kind: DigestKind::Scheduled,
        created_ms: T0,
        from_ms: T0 - 1000,
        to_ms: T0,
        message_count: 3,
        message_id: "<digest-{id}@test>".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
        delivery: Delivery::Pending {
            attempts: 0,
            next_attempt_ms: T0,
            last_error: None,
        },
    };
    let state = DigestState {
        window_start_ms: T0,
        last_scheduled_ms: Some(T0),
        overrides: BTreeMap::from([(5, Override::Excluded)]),
    };
    {
        let archive = Archive::new(Arc::new(Store::open(dir.path()).unwrap()));
        let first = archive.add_digest(record.clone(), Some(&state)).unwrap();
        assert_eq!(first.id, 1);
        assert_eq!(first.message_id, "<digest-1@test>");
        let second = archive.add_digest(record, None).unwrap();
        assert_eq!(second.id, 2);
        archive
            .set_delivery(
                1,
                &Delivery::Sent {
                    at_ms: T0 + 5,
                    attempts: 1,
                },
            )
            .unwrap();
    }
    let archive = Archive::new(Arc::new(Store::open(dir.path()).unwrap()));
    assert_eq!(archive.state().unwrap(), Some(state));
    let pending = archive.pending().unwrap();
    assert_eq!(pending.iter().map(|d| d.id).collect::<Vec<_>>(), vec![2]);
    assert!(matches!(
        archive.digest(1).unwrap().unwrap().delivery,
        Delivery::Sent { attempts: 1, .. }
    ));
    assert_eq!(archive.forget_digests_before(ts(T0 + 1)).unwrap(), 1);
    assert_eq!(
        archive.digests().unwrap().len(),
        1,
        "the pending one is kept"
    );
}

/// A database written before the compact records (issue 14) holds JSON
/// messages: it opens, they are read, and a change rewrites them compact.
#[test]
fn json_messages_of_an_earlier_version_are_read_and_rewritten_compact() {
    let dir = tempfile::tempdir().unwrap();
    let old = snowflake_floor(T0);
    let mut replied = message(old + 1, 2, "réponse");
    replied.reply_to = Some(old);
    replied.attachments.push(Attachment {
        name: "a.png".into(),
        url: "https://cdn.discordapp.com/attachments/1/2/a.png".into(),
    });
    {
        let archive = Archive::new(Arc::new(Store::open(dir.path()).unwrap()));
        for m in [message(old, 1, "d'avant"), replied.clone()] {
            put_raw(&archive, MESSAGES, m.id, &serde_json::to_vec(&m).unwrap());
        }
    }
    let archive = Archive::new(Arc::new(Store::open(dir.path()).unwrap()));
    let window = archive.messages_between(ts(T0), ts(T0 + 1)).unwrap();
    assert_eq!(window, vec![message(old, 1, "d'avant"), replied.clone()]);

    archive
        .apply(&[Change::Reacted { id: old, delta: 2 }])
        .unwrap();
    let raw = |id: u64| {
        let table = archive.read_table(MESSAGES).unwrap().unwrap();
        let bytes = table.get(id).unwrap().unwrap().value().to_vec();
        bytes
    };
    assert_ne!(raw(old)[0], b'{', "rewritten in the compact format");
    assert_eq!(raw(old + 1)[0], b'{', "untouched, still JSON");
    let window = archive.messages_between(ts(T0), ts(T0 + 1)).unwrap();
    assert_eq!(window[0].reactions, 2);
    assert_eq!(window[0].content, "d'avant");
    assert_eq!(window[1], replied);
}

/// A record in a format this version does not know (a newer version's,
/// after a downgrade) leaves that message out, not the others.
#[test]
fn a_message_in_an_unknown_format_is_left_out() {
    let (_dir, archive) = archive();
    let a = snowflake_floor(T0);
    archive
        .apply(&[Change::Posted(message(a + 2, 1, "lisible"))])
        .unwrap();
    put_raw(&archive, MESSAGES, a, &[9, 1, 2, 3]);
    let window = archive.messages_between(ts(T0), ts(T0 + 1)).unwrap();
    assert_eq!(window, vec![message(a + 2, 1, "lisible")]);
    assert!(stored_len(&window[0]) < serde_json::to_vec(&window[0]).unwrap().len() / 2);
}
