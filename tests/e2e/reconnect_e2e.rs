//! End to end: the real binary through many gateway reconnects, as
//! `scripts/measure.sh` drives it to see whether memory stays flat (issue
//! 14). Each op 7 RECONNECT must be a RESUME of the one session, not a new
//! IDENTIFY (which would refetch the guild), and the session must still
//! deliver events afterwards.

use crate::support;

use std::path::Path;

use serde_json::json;
use support::appliance::*;

const RECONNECTS: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_reconnects_resume_one_session_that_still_delivers_events() {
    let app = running(Path::new(env!("CARGO_BIN_EXE_cubeguardian")), "").await;
    assert_eq!(app.discord.identify_count(), 1);
    for n in 1..=RECONNECTS {
        app.discord.wait_until_connected(WAIT).await.unwrap();
        assert!(app.discord.request_reconnect().await, "op 7 #{n} sent");
        app.discord.wait_for_resume(n, WAIT).await.unwrap();
    }
    assert_eq!(app.discord.identify_count(), 1, "every reconnect resumed");
    assert_eq!(app.discord.rejected_resume_count(), 0);
    assert_eq!(app.discord.connection_count(), 1 + RECONNECTS);

    // A voice join after the last reconnect reaches the bot.
    app.discord.voice_join(CAROL, VOICE).await;
    support::appliance::wait_until("the bot to count carol in voice", || {
        app.notify
            .lines()
            .iter()
            .any(|l| l.starts_with("STATUS=") && l.contains("2 authorized in voice"))
    })
    .await;
    let answer = app.slash(BOB, "status", json!([])).await;
    let text = answer.content().unwrap_or("");
    assert!(text.contains("vocal : 2"), "{text}");
}
