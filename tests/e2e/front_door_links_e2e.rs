//! End to end: `/link` and `/unlink` in Discord (the stand-in) and the
//! player's login at the front door of the real `cubeguardian` binary
//! (Node's `minecraft-protocol` client): the login that confirms a link,
//! the wake by a linked name, the DM when the server is ready, and the
//! refusals. Everything on 127.0.0.1.

use crate::support;

use std::path::Path;

use serde_json::json;

use support::appliance::*;
use support::front_door::*;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

/// The text of a kick as the Node client reports it.
fn kick_reason(outcome: &serde_json::Value) -> String {
    assert_eq!(outcome["outcome"], "kicked", "{outcome}");
    outcome["reason"].to_string()
}

/// `/link name` by `user`: its (private) answer.
async fn link(app: &Appliance, user: u64, name: &str) -> String {
    let answer = app
        .slash(
            user,
            "link",
            json!([{ "name": "name", "type": 3, "value": name }]),
        )
        .await;
    assert!(answer.is_ephemeral(), "a link is private: {answer:?}");
    answer.content().unwrap_or_default().to_owned()
}

/// A front door on `port` whose `allowed_players` does not name `Notch`
/// or `Herobrine`, asleep.
async fn asleep(port: u16) -> Appliance {
    let mut app = Appliance::start(
        bin(),
        Options {
            extra: section(port, None, "online_mode = false"),
            ..Options::default()
        },
    )
    .await;
    app.spawn_ready().await;
    app.wait_status("idle").await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_member_wakes_the_host_from_the_game_and_is_told_by_dm_when_it_is_ready() {
    let port = free_port();
    let app = asleep(port).await;

    let before = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(
        kick_reason(&before).contains("Notch n'est pas autorisé"),
        "{before}"
    );

    // With the front door on, the help names `/link`.
    let help = app.slash(CAROL, "help", json!([])).await;
    let help = help.content().unwrap_or_default().to_owned();
    assert!(help.contains("`/link <pseudo>`"), "{help}");

    // Carol is authorized through the players' role, which the bot looks
    // up over Discord's API (members are not cached).
    let asked = link(&app, CAROL, "Notch").await;
    assert!(
        asked.contains("avec le compte Notch dans les 10 minutes"),
        "{asked}"
    );
    // The player's login confirms it (the name in any case) and wakes
    // nothing.
    let confirmed = node_login(port, "notch", "1.20.4", "hi").await;
    assert!(
        kick_reason(&confirmed).contains("Compte lié à carol ✓ — reconnecte-toi"),
        "{confirmed}"
    );
    assert!(app.wol.packets().is_empty(), "a confirmation woke the host");

    // The next login wakes the host.
    let woke = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(kick_reason(&woke).contains("Le serveur démarre"), "{woke}");
    app.wol.wait_for_packets(3, WAIT).await;
    app.wait_announce("réveillé par Notch depuis le jeu").await;
    app.wait_status("startup").await;
    // Still starting: another login by the same player is remembered once.
    let again = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(kick_reason(&again).contains("revenez dans"), "{again}");
    assert!(
        app.discord.dm_messages(CAROL).is_empty(),
        "told before Minecraft answered"
    );

    app.power_on().await;
    let dm = app
        .discord
        .wait_for_message(
            |m| m.dm_user == Some(CAROL) && m.content.contains("serveur Minecraft est prêt"),
            WAIT,
        )
        .await
        .expect("the DM when the server is ready");
    assert_eq!(
        dm.content,
        "✅ Le serveur Minecraft est prêt — tu peux te connecter"
    );
    app.wait_announce("Le serveur Minecraft est prêt").await;
    // One DM per boot, and nothing of it pings anyone.
    let dms: Vec<_> = app
        .discord
        .dm_messages(CAROL)
        .into_iter()
        .filter(|m| m.content.contains("prêt"))
        .collect();
    assert_eq!(dms.len(), 1, "{dms:?}");
    for request in app.discord.requests() {
        if let Some(pings) = request.pings() {
            assert!(pings.nobody(), "{} pings: {pings:?}", request.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_linked_to_an_unauthorized_member_or_unlinked_wakes_nothing() {
    let port = free_port();
    let app = asleep(port).await;

    // Bob is not authorized: he has no use for a link, and gets none.
    let refused = link(&app, BOB, "Herobrine").await;
    assert!(refused.contains("Permission refusée"), "{refused}");
    let unlinked = node_login(port, "Herobrine", "1.20.4", "hi").await;
    assert!(
        kick_reason(&unlinked).contains("Herobrine n'est pas autorisé"),
        "{unlinked}"
    );

    // Carol links with her role, then loses it: her name wakes nothing
    // (the role is looked up at each login).
    let asked = link(&app, CAROL, "Herobrine").await;
    assert!(asked.contains("Herobrine"), "{asked}");
    let confirmed = node_login(port, "Herobrine", "1.20.4", "hi").await;
    assert!(
        kick_reason(&confirmed).contains("Compte lié à carol"),
        "{confirmed}"
    );
    app.discord.set_member_roles(CAROL, []).await;
    let refused = node_login(port, "Herobrine", "1.20.4", "hi").await;
    assert!(
        kick_reason(&refused).contains("Herobrine est lié à carol, qui n'est pas autorisé"),
        "{refused}"
    );
    // The name is hers: nobody else gets it.
    let taken = link(&app, ADMIN, "herobrine").await;
    assert!(taken.contains("déjà lié à un autre membre"), "{taken}");

    // Alice links, confirms, then unlinks with the `!` form: her answer
    // comes by DM, not in the channel.
    link(&app, ALICE, "Notch").await;
    let confirmed = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(
        kick_reason(&confirmed).contains("Compte lié à alice"),
        "{confirmed}"
    );
    app.discord.send_message(ALICE, ANNOUNCE, "!unlink").await;
    app.discord
        .wait_for_message(
            |m| m.dm_user == Some(ALICE) && m.content.contains("n'est plus lié à Notch"),
            WAIT,
        )
        .await
        .expect("the unlink's answer by DM");
    let refused = node_login(port, "Notch", "1.20.4", "hi").await;
    assert!(
        kick_reason(&refused).contains("Notch n'est pas autorisé"),
        "{refused}"
    );
    assert!(
        app.wol.packets().is_empty(),
        "a refused login woke the host"
    );
    assert!(
        !app.discord
            .messages()
            .iter()
            .any(|m| m.channel_id == ANNOUNCE && m.content.contains("Notch")),
        "a link or a refusal shown in the channel"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_link_is_confirmed_at_the_front_door_while_the_server_runs() {
    let server = NodeServer::start("1.12.2").await;
    let port = free_port();
    let app = running(
        bin(),
        &section(port, Some(&server.address()), "online_mode = false"),
    )
    .await;

    let asked = link(&app, ALICE, "Notch").await;
    assert!(asked.contains("Notch"), "{asked}");
    // Answered here, not relayed: the real server never sees this login.
    let confirmed = node_login(port, "Notch", "1.12.2", "hi").await;
    assert!(
        kick_reason(&confirmed).contains("Compte lié à alice ✓"),
        "{confirmed}"
    );
    assert!(
        server.events("join").is_empty(),
        "the confirmation was relayed"
    );
    // Confirmed once: the next login plays on the real server.
    let played = node_login(port, "Notch", "1.12.2", "bonjour").await;
    assert_eq!(played["outcome"], "chat", "{played}");
    assert_eq!(played["text"], "echo: bonjour");
}
