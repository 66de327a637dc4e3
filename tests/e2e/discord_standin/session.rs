//! The gateway session as serenity lives it: READY and GUILD_CREATE reflecting the fixture,
//! injected voice and member events, resume after a drop, re-identify after an invalidation
//! or a forgotten session, heartbeats, close codes, a large guild, and role permissions and
//! channel overwrites.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_and_guild_create_reflect_the_fixture() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;

    let ready = bot
        .next("READY", |s| match s {
            Seen::Ready(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ready.user.id, UserId::new(900));
    assert_eq!(ready.user.name, "CubeGuardian");
    assert!(ready.user.bot);
    assert_eq!(ready.guilds.len(), 1);
    assert_eq!(ready.application.id.get(), standin.application_id());
    // READY taught serenity the application id, needed for interaction routes.
    assert_eq!(bot.http.application_id().map(|id| id.get()), Some(900));

    let guild = bot.guild().await;
    assert_eq!(guild.id, GuildId::new(GUILD));
    assert_eq!(guild.name, "Cube");
    assert_eq!(guild.channels.len(), 3);
    assert_eq!(
        guild.channels[&ChannelId::new(TEXT)].kind,
        ChannelType::Text
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].kind,
        ChannelType::Voice
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].name,
        "L'écho-du-Cube"
    );
    assert_eq!(
        guild.channels[&ChannelId::new(VOICE)].guild_id,
        GuildId::new(GUILD)
    );
    assert_eq!(guild.roles.len(), 3, "@everyone + 2 roles");
    assert_eq!(guild.roles[&RoleId::new(GUILD)].name, "@everyone");
    assert_eq!(guild.members.len(), 4, "3 members + the bot");
    assert_eq!(guild.member_count, 4);
    let bob = &guild.members[&UserId::new(BOB)];
    assert_eq!(bob.user.name, "bob");
    assert_eq!(bob.roles, vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]);
    assert_eq!(guild.voice_states.len(), 1);
    let alice_voice = &guild.voice_states[&UserId::new(ALICE)];
    assert_eq!(alice_voice.channel_id, Some(ChannelId::new(VOICE)));

    assert_eq!(standin.identify_count(), 1);
    assert!(standin.is_connected());
    let identify = &standin.identifies()[0];
    assert_eq!(identify["token"], format!("Bot {TOKEN}"));
    assert_eq!(standin.intents(), Some(intents().bits()));
    let gateway_call = &standin.requests()[0];
    assert_eq!(gateway_call.path, "/api/v10/gateway");
    assert_eq!(
        gateway_call.authorization.as_deref(),
        Some("Bot standin-test-token")
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_voice_and_member_events_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    standin.voice_join(BOB, VOICE).await;
    let joined = bot
        .next("bob's join", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(joined.channel_id, Some(ChannelId::new(VOICE)));
    assert_eq!(joined.guild_id, Some(GuildId::new(GUILD)));
    let member = joined
        .member
        .as_ref()
        .expect("voice updates carry the member");
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );
    assert_eq!(member.user.name, "bob");

    standin.voice_leave(ALICE).await;
    let left = bot
        .next("alice's leave", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(ALICE) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(left.channel_id, None);
    assert_eq!(standin.voice_states(), vec![(BOB, VOICE)]);

    standin.add_member(103, "dave", [PLAYERS]).await;
    let added = bot
        .next("dave's arrival", |s| match s {
            Seen::MemberAdded(m) => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(added.user.id, UserId::new(103));
    assert_eq!(added.guild_id, GuildId::new(GUILD));
    standin.voice_join(103, AFK_VOICE).await;
    bot.next("dave's join", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(103) => Some(()),
        _ => None,
    })
    .await;

    standin.set_member_roles(CAROL, [PLAYERS]).await;
    let updated = bot
        .next("carol's new roles", |s| match s {
            Seen::MemberUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(updated.user.id, UserId::new(CAROL));
    assert_eq!(updated.roles, vec![RoleId::new(PLAYERS)]);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_resumes_and_replays_the_gap() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    standin.wait_until_connected(T).await.unwrap();

    standin.hold_gateway();
    assert!(standin.drop_connection().await);
    assert!(!standin.is_connected());
    standin.voice_join(BOB, VOICE).await; // happens while the bot is away
    standin.release_gateway();

    standin.wait_for_resume(1, T).await.unwrap();
    standin.wait_until_connected(T).await.unwrap();
    bot.next("RESUMED", |s| matches!(s, Seen::Resumed).then_some(()))
        .await;
    let replayed = bot
        .next("bob's join, replayed", |s| match s {
            Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(v.clone()),
            _ => None,
        })
        .await;
    assert_eq!(replayed.channel_id, Some(ChannelId::new(VOICE)));
    assert_eq!(
        standin.identify_count(),
        1,
        "a resume is not a new identify"
    );
    assert_eq!(standin.resume_count(), 1);
    assert_eq!(standin.replayed_count(), 1);
    assert_eq!(standin.connection_count(), 2);

    // Live events flow again on the resumed socket.
    standin.voice_leave(BOB).await;
    bot.next("bob's leave", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(BOB) && v.channel_id.is_none() => Some(()),
        _ => None,
    })
    .await;

    // A close frame with 4000 resumes too.
    assert!(standin.close_connection(4000).await);
    standin.wait_for_resume(2, T).await.unwrap();
    assert_eq!(standin.identify_count(), 1);
    // And so does op 7 RECONNECT.
    assert!(standin.request_reconnect().await);
    standin.wait_for_resume(3, T).await.unwrap();
    assert_eq!(standin.identify_count(), 1);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidated_session_reidentifies_with_the_current_truth() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let first = bot.guild().await;
    assert_eq!(first.voice_states.len(), 1);

    assert!(standin.invalidate_session().await);
    assert!(!standin.is_connected());
    standin.voice_join(BOB, VOICE).await; // not replayed: the session is gone
    standin.voice_leave(ALICE).await;

    standin.wait_for_identify(2, T).await.unwrap();
    standin.wait_until_connected(T).await.unwrap();
    let fresh = bot.guild().await;
    let in_voice: Vec<UserId> = fresh.voice_states.keys().copied().collect();
    assert_eq!(in_voice, vec![UserId::new(BOB)]);
    assert_eq!(standin.resume_count(), 0);
    let seen = bot.drain(Duration::from_millis(300)).await;
    assert!(
        !seen.iter().any(|s| matches!(s, Seen::Voice(_))),
        "gap events must not be replayed after a re-identify: {seen:?}"
    );

    // Live events reach the new session.
    standin.voice_leave(BOB).await;
    bot.next("bob's leave", |s| match s {
        Seen::Voice(v) if v.user_id == UserId::new(BOB) => Some(()),
        _ => None,
    })
    .await;
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_a_forgotten_session_falls_back_to_identify() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    standin.hold_gateway();
    assert!(standin.drop_connection().await);
    assert!(standin.invalidate_session().await); // forgotten while the bot is away
    standin.release_gateway();

    standin.wait_for_identify(2, T).await.unwrap();
    assert_eq!(standin.rejected_resume_count(), 1);
    assert_eq!(standin.resume_count(), 0);
    bot.guild().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_are_acknowledged() {
    let standin =
        DiscordStandIn::start(fixture().heartbeat_interval(Duration::from_millis(100))).await;
    let bot = Bot::start(&standin, TOKEN).await;
    standin.wait_until_connected(T).await.unwrap();
    let deadline = tokio::time::Instant::now() + T;
    while standin.heartbeat_count() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no heartbeats");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        standin.identify_count(),
        1,
        "acknowledged heartbeats keep the session"
    );
    assert!(standin.is_connected());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_guild_reaches_the_bot() {
    let standin = DiscordStandIn::start(fixture().extra_members(5_000)).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let guild = bot.guild().await;
    assert_eq!(guild.members.len(), 5_004);
    assert_eq!(guild.member_count, 5_004);
    assert!(guild.large);
    bot.stop().await;
}

/// What Discord sends for a large guild: everyone counted, only the bot
/// and the members in voice listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_guild_can_list_only_the_members_in_voice() {
    let fixture = fixture()
        .extra_members(5_000)
        .only_voice_members_in_guild_create(true);
    let standin = DiscordStandIn::start(fixture).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let guild = bot.guild().await;
    assert_eq!(guild.member_count, 5_004);
    let mut listed: Vec<u64> = guild.members.keys().map(|id| id.get()).collect();
    listed.sort_unstable();
    assert_eq!(listed, [ALICE, 900], "the one in voice, and the bot");
    assert!(guild.large);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_codes_decide_between_resume_and_identify() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    // Even a "normal" 1000 close from the server is resumed.
    assert!(standin.close_connection(1000).await);
    standin.wait_for_resume(1, T).await.unwrap();
    // 4009 (session timed out) makes serenity forget the session: a new IDENTIFY, ~5 s later.
    let before = tokio::time::Instant::now();
    assert!(standin.close_connection(4009).await);
    standin.wait_for_identify(2, T).await.unwrap();
    eprintln!("re-identify after close 4009 took {:?}", before.elapsed());
    assert_eq!(standin.resume_count(), 1);
    bot.guild().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_permissions_and_channel_overwrites_reach_the_bot() {
    const STAFF: u64 = 21;
    let view = permissions::VIEW_CHANNEL;
    let standin = DiscordStandIn::start(
        // Owned by the bot: the owner would see everything.
        fixture()
            .owner(900)
            .text_channel(STAFF, "staff")
            .role_permissions(ADMINS, permissions::ADMINISTRATOR)
            .overwrite(STAFF, Overwrite::role(GUILD, 0, view))
            .overwrite(STAFF, Overwrite::role(ADMINS, view, 0))
            .overwrite(STAFF, Overwrite::member(CAROL, view, 0)),
    )
    .await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    let guild = bot.guild().await;
    let everyone = &guild.roles[&RoleId::new(GUILD)];
    assert_eq!(everyone.permissions.bits(), permissions::DEFAULT_EVERYONE);
    assert!(everyone.permissions.view_channel());
    assert!(guild.roles[&RoleId::new(ADMINS)]
        .permissions
        .administrator());
    assert!(guild.roles[&RoleId::new(PLAYERS)].permissions.is_empty());
    let staff = &guild.channels[&ChannelId::new(STAFF)];
    let overwrites: Vec<(PermissionOverwriteType, u64, u64)> = staff
        .permission_overwrites
        .iter()
        .map(|o| (o.kind, o.allow.bits(), o.deny.bits()))
        .collect();
    assert_eq!(
        overwrites,
        vec![
            (PermissionOverwriteType::Role(RoleId::new(GUILD)), 0, view),
            (PermissionOverwriteType::Role(RoleId::new(ADMINS)), view, 0),
            (PermissionOverwriteType::Member(UserId::new(CAROL)), view, 0),
        ]
    );
    assert!(guild.channels[&ChannelId::new(TEXT)]
        .permission_overwrites
        .is_empty());
    // serenity's own computation agrees: carol (member overwrite) and bob (ADMINISTRATOR
    // through a role) may open #staff, alice may not.
    let can_view = |user: u64| {
        let member = &guild.members[&UserId::new(user)];
        guild
            .user_permissions_in(staff, member)
            .contains(Permissions::VIEW_CHANNEL)
    };
    assert!(can_view(CAROL) && can_view(BOB) && !can_view(ALICE));

    standin
        .set_channel_overwrites(TEXT, [Overwrite::role(GUILD, 0, view)])
        .await;
    let updated = bot
        .next("CHANNEL_UPDATE", |s| match s {
            Seen::ChannelUpdated(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(updated.id, ChannelId::new(TEXT));
    assert_eq!(updated.guild_id, GuildId::new(GUILD));
    assert_eq!(updated.name, "annonces");
    assert_eq!(updated.permission_overwrites.len(), 1);
    assert_eq!(
        updated.permission_overwrites[0].kind,
        PermissionOverwriteType::Role(RoleId::new(GUILD))
    );
    assert_eq!(
        updated.permission_overwrites[0].deny,
        Permissions::VIEW_CHANNEL
    );

    standin.set_role_permissions(GUILD, 0).await;
    let role = bot
        .next("GUILD_ROLE_UPDATE", |s| match s {
            Seen::RoleUpdated(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(role.id, RoleId::new(GUILD));
    assert_eq!(role.guild_id, GuildId::new(GUILD));
    assert_eq!(role.name, "@everyone");
    assert!(role.permissions.is_empty());
    standin.set_role_permissions(PLAYERS, view).await;
    let role = bot
        .next("the players' GUILD_ROLE_UPDATE", |s| match s {
            Seen::RoleUpdated(r) if r.id == RoleId::new(PLAYERS) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(role.name, "joueurs");
    assert_eq!(role.permissions, Permissions::VIEW_CHANNEL);
    // The next identify's GUILD_CREATE tells the same truth.
    assert!(standin.invalidate_session().await);
    let guild = bot.guild().await;
    assert!(guild.roles[&RoleId::new(GUILD)].permissions.is_empty());
    assert_eq!(
        guild.channels[&ChannelId::new(TEXT)].permission_overwrites[0].deny,
        Permissions::VIEW_CHANNEL
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

/// discord.py asks for its application when it logs in (the peer bot of `scripts/measure.sh`);
/// the answer has the fields both libraries require.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_is_served_with_its_owner() {
    let standin = DiscordStandIn::start(fixture().owner(BOB)).await;
    let http = HttpBuilder::new(TOKEN)
        .proxy(standin.api_url())
        .ratelimiter_disabled(true)
        .build();
    let app = http.get_current_application_info().await.unwrap();
    assert_eq!(app.id.get(), standin.application_id());
    assert_eq!(app.owner.map(|o| o.id), Some(UserId::new(BOB)));
    assert!(!app.bot_public);
    assert!(standin.unknown_requests().is_empty());
}
