//! End to end: the game in a guild of its own. A season usually has its own
//! Discord server, so `[game] guild_id` may differ from `discord.guild_id`.
//! Here the stand-in's guild is the game's, and the appliance's own guild is
//! one the bot is not in: the game's commands are registered in the game's
//! guild alone (the appliance's own are not offered there), and a player
//! registers there.

use crate::support;

use std::path::Path;

use serde_json::json;
use support::appliance::*;
use support::discord::ResponseKind;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

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
    let names: Vec<String> = app
        .discord
        .commands()
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    assert!(names.iter().any(|n| n == "inscription"), "{names:?}");
    assert!(names.iter().any(|n| n == "cparti"), "{names:?}");
    for theirs in ["restart", "status", "wake"] {
        assert!(
            !names.iter().any(|n| n == theirs),
            "/{theirs} registered in the game's guild: {names:?}"
        );
    }

    // A registration in the game's guild: asked, confirmed, answered.
    let asked = app
        .discord
        .slash_command(
            ALICE,
            ANNOUNCE,
            "inscription",
            json!([{"name": "nom", "type": 3, "value": "Alice"}]),
        )
        .await;
    let question = app
        .discord
        .wait_for_interaction_response(|r| asked.matches(r), WAIT)
        .await
        .expect("no answer to /inscription");
    let yes = question
        .components()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .find(|id| id != "game:no")
        .expect("no button to accept the rules");
    let pressed = app.discord.press_button(ALICE, ANNOUNCE, 1, &yes).await;
    let done = app
        .discord
        .wait_for_interaction_response(
            |r| pressed.matches(r) && r.kind != ResponseKind::Callback(5),
            WAIT,
        )
        .await
        .expect("no answer to the registration");
    assert!(
        done.content()
            .unwrap_or_default()
            .contains("Inscription faite"),
        "{:?}",
        done.content()
    );
    let channel = app
        .discord
        .guild_channels()
        .into_iter()
        .find(|c| c.name == "conv-bot-alice")
        .expect("the player's channel");
    app.discord
        .wait_for_message(
            |m| m.channel_id == channel.id && m.content.contains("Bienvenue"),
            WAIT,
        )
        .await
        .expect("no welcome in the player's channel");
}
