//! Managing the guild through REST with serenity's own builders: categories and channels
//! (parent, overwrites, topic), their edits, moves and deletion, overwrites one by one, roles,
//! members' roles and nicknames; each echoed on the gateway as serenity's models, gated by
//! intents; and Discord's validation errors.

use super::*;

use serenity::all::{
    CreateChannel, EditChannel, EditMember, EditRole, PermissionOverwrite, StatusCode,
};
use support::discord::ChannelKind;

fn error_status(error: serenity::Error) -> (StatusCode, isize) {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            (r.status_code, r.error.code)
        }
        other => panic!("not a Discord error: {other:?}"),
    }
}

#[tokio::test]
async fn channels_roles_and_members_are_managed_and_echoed() {
    let standin = DiscordStandIn::start(fixture().owner(900)).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let guild = GuildId::new(GUILD);
    let http = Arc::clone(&bot.http);

    let role = guild
        .create_role(
            &http,
            EditRole::new()
                .name("Joueur en vie")
                .permissions(Permissions::empty()),
        )
        .await
        .expect("role created");
    let seen = bot
        .next("GUILD_ROLE_CREATE", |s| match s {
            Seen::RoleCreated(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!((seen.id, seen.name.as_str()), (role.id, "Joueur en vie"));
    assert!(seen.permissions.is_empty());
    let edited = guild
        .edit_role(
            &http,
            role.id,
            EditRole::new().permissions(Permissions::MENTION_EVERYONE),
        )
        .await
        .expect("role edited");
    assert_eq!(edited.permissions, Permissions::MENTION_EVERYONE);
    bot.next("GUILD_ROLE_UPDATE", |s| match s {
        Seen::RoleUpdated(r)
            if r.id == role.id && r.permissions == Permissions::MENTION_EVERYONE =>
        {
            Some(())
        }
        _ => None,
    })
    .await;

    let hidden = PermissionOverwrite {
        allow: Permissions::empty(),
        deny: Permissions::VIEW_CHANNEL,
        kind: PermissionOverwriteType::Role(RoleId::new(GUILD)),
    };
    let category = guild
        .create_channel(
            &http,
            CreateChannel::new("PLACE DU VILLAGE")
                .kind(ChannelType::Category)
                .permissions([hidden.clone()]),
        )
        .await
        .expect("category created");
    assert_eq!(category.kind, ChannelType::Category);
    let readers = PermissionOverwrite {
        allow: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
        deny: Permissions::empty(),
        kind: PermissionOverwriteType::Role(role.id),
    };
    let text = guild
        .create_channel(
            &http,
            CreateChannel::new("Débats Du Jour")
                .kind(ChannelType::Text)
                .category(category.id)
                .topic("on parle")
                .permissions([hidden.clone(), readers.clone()]),
        )
        .await
        .expect("channel created");
    // Discord rewrites text channel names.
    assert_eq!(text.name, "débats-du-jour");
    assert_eq!(text.parent_id, Some(category.id));
    assert_eq!(text.topic.as_deref(), Some("on parle"));
    let created = bot
        .next("CHANNEL_CREATE", |s| match s {
            Seen::ChannelCreated(c) if c.id == text.id => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        created.permission_overwrites,
        vec![hidden.clone(), readers.clone()]
    );
    assert_eq!(created.parent_id, Some(category.id));

    // ALICE (who has the role) may write; CAROL (no role) sees nothing.
    guild
        .member(&http, UserId::new(ALICE))
        .await
        .expect("alice");
    http.add_member_role(guild, UserId::new(ALICE), role.id, None)
        .await
        .expect("role given");
    let update = bot
        .next("GUILD_MEMBER_UPDATE", |s| match s {
            Seen::MemberUpdated(e) if e.user.id == UserId::new(ALICE) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert!(update.roles.contains(&role.id));
    assert!(standin.permissions_in(text.id.get(), ALICE) & permissions::SEND_MESSAGES != 0);
    assert_eq!(
        standin.permissions_in(text.id.get(), CAROL) & permissions::VIEW_CHANNEL,
        0
    );

    let member = guild
        .edit_member(
            &http,
            UserId::new(ALICE),
            EditMember::new().nickname("Alice M."),
        )
        .await
        .expect("nickname set");
    assert_eq!(member.nick.as_deref(), Some("Alice M."));
    assert_eq!(
        standin.member_state(ALICE).expect("alice").nick.as_deref(),
        Some("Alice M.")
    );
    http.remove_member_role(guild, UserId::new(ALICE), role.id, None)
        .await
        .expect("role taken");
    assert!(!standin
        .member_state(ALICE)
        .expect("alice")
        .roles
        .contains(&role.id.get()));

    // Overwrites one at a time, then an edit and a move out of the category.
    let carol = PermissionOverwrite {
        allow: Permissions::VIEW_CHANNEL,
        deny: Permissions::empty(),
        kind: PermissionOverwriteType::Member(UserId::new(CAROL)),
    };
    text.id
        .create_permission(&http, carol.clone())
        .await
        .expect("overwrite set");
    assert!(standin.permissions_in(text.id.get(), CAROL) & permissions::VIEW_CHANNEL != 0);
    text.id
        .delete_permission(&http, PermissionOverwriteType::Member(UserId::new(CAROL)))
        .await
        .expect("overwrite removed");
    assert_eq!(
        standin.permissions_in(text.id.get(), CAROL) & permissions::VIEW_CHANNEL,
        0
    );
    let moved = text
        .id
        .edit(
            &http,
            EditChannel::new().name("debats").category(None).topic(""),
        )
        .await
        .expect("channel edited");
    assert_eq!(
        (moved.name.as_str(), moved.parent_id, moved.topic.as_deref()),
        ("debats", None, None)
    );
    bot.next("CHANNEL_UPDATE", |s| match s {
        Seen::ChannelUpdated(c) if c.id == text.id && c.parent_id.is_none() => Some(()),
        _ => None,
    })
    .await;

    // Validation as Discord does it.
    let bad_parent = guild
        .create_channel(&http, CreateChannel::new("x").category(text.id))
        .await
        .expect_err("a text channel is no parent");
    assert_eq!(error_status(bad_parent), (StatusCode::BAD_REQUEST, 50035));
    let unknown = guild
        .edit_role(&http, RoleId::new(12345), EditRole::new().name("x"))
        .await
        .expect_err("unknown role");
    assert_eq!(error_status(unknown), (StatusCode::NOT_FOUND, 10011));

    // Deleting a category orphans its channels.
    text.id
        .edit(&http, EditChannel::new().category(Some(category.id)))
        .await
        .expect("moved back");
    category.id.delete(&http).await.expect("category deleted");
    bot.next("CHANNEL_DELETE", |s| match s {
        Seen::ChannelDeleted(c) if c.id == category.id => Some(()),
        _ => None,
    })
    .await;
    let now = standin.guild_channels();
    assert!(now.iter().all(|c| c.id != category.id.get()));
    let orphan = now
        .iter()
        .find(|c| c.id == text.id.get())
        .expect("still there");
    assert_eq!((orphan.parent, orphan.kind), (None, ChannelKind::Text));
    assert_no_unknown_routes(&standin);
    bot.stop().await;
    standin.shutdown().await;
}

#[tokio::test]
async fn guild_management_events_need_their_intents() {
    let standin = DiscordStandIn::start(fixture().owner(900)).await;
    let mut bot = Bot::start_with(&standin, TOKEN, GatewayIntents::GUILD_MESSAGES).await;
    standin.wait_until_connected(T).await.expect("connected");
    let guild = GuildId::new(GUILD);
    let http = Arc::clone(&bot.http);
    guild
        .create_role(&http, EditRole::new().name("r"))
        .await
        .expect("role");
    guild
        .create_channel(&http, CreateChannel::new("c"))
        .await
        .expect("channel");
    http.add_member_role(guild, UserId::new(CAROL), RoleId::new(PLAYERS), None)
        .await
        .expect("member role");
    let seen = bot.drain(Duration::from_millis(300)).await;
    assert!(
        !seen.iter().any(|s| matches!(
            s,
            Seen::RoleCreated(_) | Seen::ChannelCreated(_) | Seen::MemberUpdated(_)
        )),
        "{seen:?}"
    );
    // The dispatches themselves were never sent.
    let names: Vec<String> = standin.dispatches().into_iter().map(|d| d.event).collect();
    assert!(
        !names.iter().any(|n| n == "GUILD_ROLE_CREATE"
            || n == "CHANNEL_CREATE"
            || n == "GUILD_MEMBER_UPDATE"),
        "{names:?}"
    );
    bot.stop().await;
    standin.shutdown().await;
}

#[tokio::test]
async fn buttons_in_a_new_channel_are_pressed_and_bad_rows_refused() {
    let standin = DiscordStandIn::start(fixture().owner(900)).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);
    let channel = GuildId::new(GUILD)
        .create_channel(&http, CreateChannel::new("conv-bot-alice"))
        .await
        .expect("channel");
    let buttons = |n: usize| {
        CreateActionRow::Buttons(
            (0..n)
                .map(|i| {
                    CreateButton::new(format!("vote:{i}"))
                        .label("Voter")
                        .style(ButtonStyle::Primary)
                })
                .collect(),
        )
    };
    let sent = channel
        .id
        .send_message(
            &http,
            CreateMessage::new()
                .content("Ton vote ?")
                .components(vec![buttons(3)]),
        )
        .await
        .expect("message with buttons");
    standin
        .press_button(ALICE, channel.id.get(), sent.id.get(), "vote:2")
        .await;
    let pressed = bot
        .next("the button press", |s| match s {
            Seen::Component(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (
            pressed.data.custom_id.as_str(),
            pressed.channel_id,
            pressed.message.id
        ),
        ("vote:2", channel.id, sent.id)
    );
    assert!(matches!(
        pressed.data.kind,
        ComponentInteractionDataKind::Button
    ));

    for bad in [
        vec![buttons(6)],
        vec![buttons(1), buttons(1)], // the same custom_id twice
        vec![CreateActionRow::Buttons(vec![CreateButton::new(
            "x".repeat(101),
        )])],
    ] {
        let refused = channel
            .id
            .send_message(&http, CreateMessage::new().content("?").components(bad))
            .await
            .expect_err("Discord refuses it");
        assert_eq!(error_status(refused), (StatusCode::BAD_REQUEST, 50035));
    }
    bot.stop().await;
    standin.shutdown().await;
}
