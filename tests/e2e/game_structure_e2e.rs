//! The game's server structure applied by the real serenity HTTP client (configured as the
//! product configures it: the stand-in's API as proxy base, ratelimiter off) to the Discord
//! stand-in's guild: created once, a second run changes nothing, drift (a deleted channel, a
//! changed overwrite, a moved channel) is repaired by a third; the permissions that result are
//! checked per role and member with Discord's computation.

// A plain serenity client, as tests/e2e/discord_standin builds one.
#![allow(clippy::disallowed_methods)]

use crate::support;

use cubeguardian::discord::game::apply::swap_roles;
use cubeguardian::discord::game::structure::{DEATH, PLAYER_CHANNEL_PREFIX};
use cubeguardian::discord::game::{
    ensure_structure, ChannelKey, GameRole, PlayerRef, StructureIds,
};
use serenity::all::{EditMember, GuildId, Http, HttpBuilder, UserId};
use support::discord::{permissions, ChannelKind, DiscordStandIn, GuildFixture, Overwrite};

const GUILD: u64 = 10;
const FOREIGN: u64 = 20;
const OWNER: u64 = 99;
const ALICE: u64 = 100;
const BOB: u64 = 101;
const OBSERVER: u64 = 102;
const NEWCOMER: u64 = 103;

const VIEW: u64 = permissions::VIEW_CHANNEL;
const SEND: u64 = permissions::SEND_MESSAGES;

fn fixture() -> GuildFixture {
    GuildFixture::new(GUILD)
        .bot_user(900, "CubeGuardian")
        .owner(OWNER)
        // Someone else's channel with a game channel's name: never touched.
        .text_channel(FOREIGN, "général")
        .member(OWNER, "owner", [])
        .member(ALICE, "alice", [])
        .member(BOB, "bob", [])
        .member(OBSERVER, "obs", [])
        .member(NEWCOMER, "newcomer", [])
}

fn http(standin: &DiscordStandIn) -> Http {
    HttpBuilder::new("standin-token")
        .proxy(standin.api_url())
        .ratelimiter_disabled(true)
        .build()
}

fn players() -> Vec<PlayerRef<'static>> {
    vec![
        PlayerRef {
            user_id: ALICE,
            display_name: "Alice Martin",
        },
        PlayerRef {
            user_id: BOB,
            display_name: "Bob",
        },
    ]
}

fn channel(ids: &StructureIds, name: &'static str) -> u64 {
    ids.channels[&ChannelKey::Fixed(name)].get()
}

fn player_channel(ids: &StructureIds, user: u64) -> u64 {
    ids.channels[&ChannelKey::Player(user)].get()
}

/// Requests that changed something (anything but GET) since `from`.
fn changes_since(standin: &DiscordStandIn, from: usize) -> Vec<String> {
    standin.requests()[from..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn can(standin: &DiscordStandIn, channel: u64, user: u64, bit: u64) -> bool {
    standin.permissions_in(channel, user) & bit != 0
}

#[tokio::test]
async fn the_structure_is_created_once_and_drift_is_repaired() {
    let standin = DiscordStandIn::start(fixture()).await;
    let http = http(&standin);
    let guild = GuildId::new(GUILD);

    let ids = ensure_structure(&http, guild, &players())
        .await
        .expect("first run");
    assert!(ids.changes > 0);
    assert!(
        standin.unknown_requests().is_empty(),
        "{:#?}",
        standin.unknown_requests()
    );
    let roles = standin.guild_roles();
    for role in GameRole::ALL {
        let found = roles
            .iter()
            .find(|r| r.name == role.name())
            .unwrap_or_else(|| panic!("no role {}", role.name()));
        assert_eq!(found.id, ids.roles[&role].get());
    }
    let channels = standin.guild_channels();
    let categories = channels
        .iter()
        .filter(|c| c.kind == ChannelKind::Category)
        .count();
    assert_eq!(categories, 7);
    let alice_channel = channels
        .iter()
        .find(|c| c.id == player_channel(&ids, ALICE))
        .expect("alice's");
    assert_eq!(
        alice_channel.name,
        format!("{PLAYER_CHANNEL_PREFIX}alice-martin")
    );
    assert_eq!(
        alice_channel.parent,
        Some(ids.categories["CONVERSATION BOT"].get())
    );
    let foreign = channels.iter().find(|c| c.id == FOREIGN).expect("foreign");
    assert_eq!((foreign.parent, foreign.overwrites.len()), (None, 0));
    assert_ne!(channel(&ids, "général"), FOREIGN);

    // The players get their roles through serenity: Alice lives, Bob dies, an observer watches
    // (with a nickname, through PATCH member).
    let role = |r: GameRole| ids.roles[&r];
    http.add_member_role(guild, UserId::new(ALICE), role(GameRole::Vivant), None)
        .await
        .expect("alice");
    http.add_member_role(guild, UserId::new(BOB), role(GameRole::Vivant), None)
        .await
        .expect("bob");
    swap_roles(&http, guild, UserId::new(BOB), &ids, DEATH)
        .await
        .expect("bob dies");
    guild
        .edit_member(
            &http,
            UserId::new(OBSERVER),
            EditMember::new()
                .nickname("Spectateur")
                .roles([role(GameRole::Observateur)]),
        )
        .await
        .expect("observer");
    assert_eq!(
        standin.member_state(BOB).expect("bob").roles,
        [role(GameRole::Mort).get()]
    );
    let observer = standin.member_state(OBSERVER).expect("observer");
    assert_eq!(observer.nick.as_deref(), Some("Spectateur"));

    // A second run finds everything right and changes nothing.
    let before = standin.requests().len();
    let again = ensure_structure(&http, guild, &players())
        .await
        .expect("second run");
    assert_eq!(again.changes, 0);
    assert_eq!(changes_since(&standin, before), Vec::<String>::new());
    assert_eq!(again.channels, ids.channels);

    // Drift: a channel deleted, an overwrite changed, a channel moved.
    let debats = channel(&ids, "débats");
    standin.delete_channel(debats).await;
    let spam = channel(&ids, "spam");
    standin
        .set_channel_overwrites(spam, [Overwrite::role(GUILD, VIEW | SEND, 0)])
        .await;
    assert!(
        can(&standin, spam, NEWCOMER, VIEW),
        "the drift opened spam to everyone"
    );
    let den = channel(&ids, "tanière-des-loups");
    standin
        .move_channel(den, Some(ids.categories["PLACE DU VILLAGE"].get()))
        .await;

    let before = standin.requests().len();
    let repaired = ensure_structure(&http, guild, &players())
        .await
        .expect("third run");
    assert!(repaired.changes >= 3, "{}", repaired.changes);
    let made = changes_since(&standin, before);
    assert!(
        made.iter()
            .any(|r| r.starts_with("POST") && r.ends_with("/channels")),
        "{made:?}"
    );
    assert!(
        made.iter()
            .any(|r| r == &format!("PATCH /api/v10/channels/{den}")),
        "{made:?}"
    );
    assert!(
        made.iter()
            .any(|r| r.starts_with(&format!("PUT /api/v10/channels/{spam}/permissions/"))),
        "{made:?}"
    );
    let debats = channel(&repaired, "débats");
    let den_now = standin
        .guild_channels()
        .into_iter()
        .find(|c| c.id == den)
        .expect("den");
    assert_eq!(
        den_now.parent,
        Some(ids.categories["CONVERSATIONS CAMPS"].get())
    );
    let fourth = ensure_structure(&http, guild, &players())
        .await
        .expect("fourth run");
    assert_eq!(fourth.changes, 0);

    // Who reads and writes where, as Discord computes it.
    let (alice_ch, bob_ch) = (player_channel(&ids, ALICE), player_channel(&ids, BOB));
    for c in [debats, spam] {
        assert!(can(&standin, c, ALICE, SEND), "the living talk");
        assert!(
            can(&standin, c, BOB, VIEW) && !can(&standin, c, BOB, SEND),
            "the dead read"
        );
        assert!(can(&standin, c, OBSERVER, VIEW) && !can(&standin, c, OBSERVER, SEND));
        assert!(!can(&standin, c, NEWCOMER, VIEW), "@everyone reads nothing");
    }
    let annonces = channel(&ids, "annonces");
    assert!(can(&standin, annonces, ALICE, VIEW) && !can(&standin, annonces, ALICE, SEND));
    assert!(can(&standin, annonces, 900, SEND), "the bot posts");
    let enfer = channel(&ids, "enfer");
    assert!(can(&standin, enfer, BOB, SEND) && !can(&standin, enfer, ALICE, VIEW));
    assert!(
        can(&standin, bob_ch, BOB, SEND),
        "a dead player still writes to the bot"
    );
    assert!(!can(&standin, bob_ch, ALICE, VIEW) && !can(&standin, alice_ch, BOB, VIEW));
    assert!(can(&standin, alice_ch, OBSERVER, VIEW) && !can(&standin, alice_ch, OBSERVER, SEND));
    let logs = channel(&ids, "logs");
    assert!(!can(&standin, logs, ALICE, VIEW) && can(&standin, logs, OBSERVER, VIEW));
    assert!(can(&standin, channel(&ids, "bienvenue"), NEWCOMER, VIEW));
    assert!(!can(&standin, channel(&ids, "bienvenue"), NEWCOMER, SEND));
    assert!(
        standin.unknown_requests().is_empty(),
        "{:#?}",
        standin.unknown_requests()
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn a_refusal_names_what_was_being_done() {
    let standin = DiscordStandIn::start(fixture()).await;
    let http = http(&standin);
    let error = ensure_structure(&http, GuildId::new(11), &players())
        .await
        .expect_err("not the stand-in's guild");
    assert!(
        matches!(
            error,
            cubeguardian::discord::game::StructureError::Discord { .. }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("list the roles of guild 11"),
        "{error}"
    );
    assert!(error.to_string().contains("Unknown Guild"), "{error}");
    assert!(standin.guild_channels().iter().all(|c| c.id == FOREIGN));
    standin.shutdown().await;
}
