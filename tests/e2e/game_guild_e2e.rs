//! End to end: the game in a guild of its own. A season usually has its own
//! Discord server, so `[game] guild_id` may differ from `discord.guild_id`.
//! Here the stand-in's guild is the game's, and the appliance's own guild is
//! one the bot is not in: the game's commands are registered in the game's
//! guild alone (the appliance's own are not offered there), and a player
//! registers there.

use crate::support;

use support::appliance::*;

use super::game_season_e2e::{bin, channel_id, confirmed, message_in};

/// The appliance's guild in this test: the bot is not a member of it.
const APPLIANCE_GUILD: u64 = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_game_plays_in_a_guild_of_its_own() {
    let mut app = Appliance::start(
        bin(),
        Options {
            appliance_guild: Some(APPLIANCE_GUILD),
            extra: format!("[game]\nenabled = true\nguild_id = {GUILD}\nmj_role = 445\n"),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.log
        .wait("the game's commands registered in its guild", |l| {
            l.contains("game:") && l.contains("slash commands registered")
        })
        .await;
    // The appliance's own list goes to its own guild, which the stand-in
    // does not know: refused there, and nothing of it lands in the game's.
    app.log
        .wait("the appliance's commands refused", |l| {
            l.contains("cannot register the slash commands")
        })
        .await;
    let names = app.discord.command_names();
    assert!(names.iter().any(|n| n == "inscription"), "{names:?}");
    assert!(names.iter().any(|n| n == "cparti"), "{names:?}");
    for theirs in ["restart", "status", "wake"] {
        assert!(
            !names.iter().any(|n| n == theirs),
            "/{theirs} registered in the game's guild: {names:?}"
        );
    }

    // A registration in the game's guild: asked, confirmed, answered.
    let answer = confirmed(&app, ALICE, "inscription", &[("nom", "Alice")]).await;
    assert!(answer.contains("Inscription faite"), "{answer}");
    message_in(&app, channel_id(&app, "conv-bot-alice"), "Bienvenue").await;
}
