//! Messages both ways: DMs and users' messages, replies and attachments, edits, deletions and
//! reactions, what the MESSAGE_CONTENT and reaction intents hide, history paging for a
//! backfill, and the files the bot uploads.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dms_and_user_messages() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let dm = UserId::new(ALICE)
        .create_dm_channel(&bot.http)
        .await
        .unwrap();
    assert_eq!(dm.recipient.id, UserId::new(ALICE));
    assert_eq!(dm.kind, ChannelType::Private);
    assert_eq!(
        dm.id.get(),
        standin.dm_channel_id(ALICE),
        "one stable DM channel per user"
    );
    let again = UserId::new(ALICE)
        .create_dm_channel(&bot.http)
        .await
        .unwrap();
    assert_eq!(again.id, dm.id);
    dm.send_message(&bot.http, CreateMessage::new().content("⚠️ alerte admin"))
        .await
        .unwrap();
    let dms = standin.dm_messages(ALICE);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "⚠️ alerte admin");
    assert!(standin.dm_messages(BOB).is_empty());

    // A guild message addressed to the bot.
    let id = standin
        .send_message(BOB, TEXT, "<@900> redémarre minecraft")
        .await;
    let message = bot
        .next("bob's message", |s| match s {
            Seen::Message(m) if m.id.get() == id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(message.content, "<@900> redémarre minecraft");
    assert_eq!(message.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(message.author.id, UserId::new(BOB));
    assert!(message.mentions_user_id(UserId::new(900)));
    let member = message.member.as_ref().unwrap();
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );

    // A DM to the bot: no guild, the user's DM channel.
    let id = standin.send_dm(CAROL, "status").await;
    let message = bot
        .next("carol's DM", |s| match s {
            Seen::Message(m) if m.id.get() == id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert_eq!(message.guild_id, None);
    assert_eq!(message.channel_id.get(), standin.dm_channel_id(CAROL));
    assert_eq!(message.content, "status");

    // The bot can look members up (e.g. roles of a DM author).
    let member = GuildId::new(GUILD)
        .member(&bot.http, UserId::new(CAROL))
        .await
        .unwrap();
    assert_eq!(member.user.name, "carol");
    assert!(GuildId::new(GUILD)
        .member(&bot.http, UserId::new(999))
        .await
        .is_err());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_replies_and_attachments_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let status = ChannelId::new(TEXT)
        .say(&bot.http, "🟢 serveur en ligne")
        .await
        .unwrap();
    let spec = MessageSpec::new("voilà la carte")
        .reply_to(status.id.get())
        .attachment("carte du spawn.png", 2048)
        .attachment("notes.txt", 12);
    let id = standin.send_message_with(ALICE, TEXT, spec).await;
    let reply = seen_message(&mut bot, id).await;
    assert_eq!(reply.kind, MessageType::InlineReply);
    assert_eq!(reply.content, "voilà la carte");
    let reference = reply.message_reference.as_ref().unwrap();
    assert_eq!(reference.message_id, Some(status.id));
    assert_eq!(reference.channel_id, ChannelId::new(TEXT));
    assert_eq!(reference.guild_id, Some(GuildId::new(GUILD)));
    let replied = reply.referenced_message.as_ref().unwrap();
    assert_eq!(replied.id, status.id);
    assert_eq!(replied.content, "🟢 serveur en ligne");
    assert!(replied.author.bot);
    assert!(
        reply.mentions_user_id(UserId::new(BOT)),
        "a reply pings its author by default"
    );
    assert_eq!(reply.attachments.len(), 2);
    let map = &reply.attachments[0];
    assert_eq!(map.filename, "carte du spawn.png");
    assert_eq!(map.size, 2048);
    assert_eq!(map.content_type.as_deref(), Some("image/png"));
    let path = format!("attachments/{TEXT}/{}/carte%20du%20spawn.png?ex=", map.id);
    assert!(
        map.url
            .starts_with(&format!("https://cdn.discordapp.com/{path}")),
        "{}",
        map.url
    );
    assert!(map
        .proxy_url
        .starts_with(&format!("https://media.discordapp.net/{path}")));
    assert_eq!(reply.attachments[1].filename, "notes.txt");
    assert_eq!(reply.attachments[1].size, 12);

    // A user replying to a user.
    let answer = standin
        .send_message_with(BOB, TEXT, MessageSpec::new("merci !").reply_to(id))
        .await;
    let answer = seen_message(&mut bot, answer).await;
    let replied = answer.referenced_message.as_ref().unwrap();
    assert_eq!(replied.author.id, UserId::new(ALICE));
    assert_eq!(replied.attachments.len(), 2);
    assert!(answer.mentions_user_id(UserId::new(ALICE)));

    // `send_message` still sends a plain message.
    let plain = standin.send_message(CAROL, TEXT, "salut").await;
    let plain = seen_message(&mut bot, plain).await;
    assert_eq!(plain.kind, MessageType::Regular);
    assert!(plain.message_reference.is_none() && plain.attachments.is_empty());

    // The bot can reply to a user's message, not to one that is gone.
    let bot_reply = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("bien reçu")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await
        .unwrap();
    assert_eq!(
        bot_reply
            .referenced_message
            .as_ref()
            .map(|m| m.content.as_str()),
        Some("voilà la carte")
    );
    let elsewhere = ChannelId::new(VOICE)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("ailleurs")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await;
    assert!(elsewhere.is_err(), "a reply stays in its channel");
    standin.delete_message(id).await;
    let late = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("trop tard")
                .reference_message((ChannelId::new(TEXT), MessageId::new(id))),
        )
        .await;
    assert!(
        late.is_err(),
        "Discord refuses a reply to a deleted message"
    );
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, bot_reply.id)
        .await
        .unwrap();
    assert!(
        fetched.referenced_message.is_none(),
        "the replied-to message is gone"
    );
    assert!(fetched.message_reference.is_some());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletes_and_reactions_reach_the_bot() {
    let standin = DiscordStandIn::start(fixture()).await;
    let intents = intents()
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
    let mut bot = Bot::start_with(&standin, TOKEN, intents).await;
    bot.guild().await;

    let id = standin.send_message(ALICE, TEXT, "on joue ce soir ?").await;
    seen_message(&mut bot, id).await;
    standin.edit_message(id, "on joue ce soir ? <@101>").await;
    let update = bot
        .next("MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.id, MessageId::new(id));
    assert_eq!(update.channel_id, ChannelId::new(TEXT));
    assert_eq!(update.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(update.content.as_deref(), Some("on joue ce soir ? <@101>"));
    assert!(update.edited_timestamp.is_some());
    assert!(update.timestamp.is_some());
    assert_eq!(update.author.as_ref().unwrap().id, UserId::new(ALICE));
    assert_eq!(update.tts, Some(false));
    let mentions = update.mentions.as_ref().unwrap();
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].id, UserId::new(BOB));
    assert!(
        mentions[0].member.is_some(),
        "mentions carry a partial member"
    );
    let member = update.member.clone().flatten().unwrap();
    assert_eq!(member.roles, vec![RoleId::new(PLAYERS)]);
    assert_eq!(update.attachments.as_ref().map(Vec::len), Some(0));

    standin.add_reaction(BOB, id, "👍").await;
    let added = bot
        .next("MESSAGE_REACTION_ADD", |s| match s {
            Seen::ReactionAdded(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(added.user_id, Some(UserId::new(BOB)));
    assert_eq!(added.message_id, MessageId::new(id));
    assert_eq!(added.channel_id, ChannelId::new(TEXT));
    assert_eq!(added.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(added.message_author_id, Some(UserId::new(ALICE)));
    assert!(added.emoji.unicode_eq("👍"));
    assert!(!added.burst);
    let member = added
        .member
        .as_ref()
        .expect("reaction adds carry the member");
    assert_eq!(member.user.id, UserId::new(BOB));
    assert_eq!(member.guild_id, GuildId::new(GUILD));
    let events_before = standin.dispatches().len();
    standin.add_reaction(BOB, id, "👍").await; // already there: nothing happens
    assert_eq!(standin.dispatches().len(), events_before);
    standin.add_reaction(CAROL, id, "cube:555").await;
    let custom = bot
        .next("carol's custom reaction", |s| match s {
            Seen::ReactionAdded(r) if r.user_id == Some(UserId::new(CAROL)) => Some(r.clone()),
            _ => None,
        })
        .await;
    match &custom.emoji {
        ReactionType::Custom { id, name, .. } => {
            assert_eq!(id.get(), 555);
            assert_eq!(name.as_deref(), Some("cube"));
        }
        other => panic!("expected a custom emoji, got {other:?}"),
    }

    // The bot's own reaction is echoed too, and shows on the message.
    ChannelId::new(TEXT)
        .create_reaction(&bot.http, MessageId::new(id), '👍')
        .await
        .unwrap();
    bot.next("the bot's own reaction", |s| match s {
        Seen::ReactionAdded(r) if r.user_id == Some(UserId::new(BOT)) => Some(()),
        _ => None,
    })
    .await;
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .unwrap();
    assert_eq!(fetched.content, "on joue ce soir ? <@101>");
    assert!(fetched.edited_timestamp.is_some());
    assert_eq!(fetched.reactions.len(), 2);
    assert_eq!(fetched.reactions[0].count, 2);
    assert!(fetched.reactions[0].me);
    assert_eq!(fetched.reactions[1].count, 1);
    assert!(!fetched.reactions[1].me);
    assert_eq!(
        standin.reactions(id),
        vec![
            ("👍".to_owned(), vec![BOB, BOT]),
            ("cube:555".to_owned(), vec![CAROL])
        ]
    );

    standin.remove_reaction(BOB, id, "👍").await;
    let removed = bot
        .next("MESSAGE_REACTION_REMOVE", |s| match s {
            Seen::ReactionRemoved(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(removed.user_id, Some(UserId::new(BOB)));
    assert_eq!(removed.message_id, MessageId::new(id));
    assert_eq!(removed.guild_id, Some(GuildId::new(GUILD)));
    assert!(removed.emoji.unicode_eq("👍"));
    assert!(removed.member.is_none(), "removals carry no member");

    // The bot may not edit a user's message.
    let edit = ChannelId::new(TEXT)
        .edit_message(
            &bot.http,
            MessageId::new(id),
            EditMessage::new().content("x"),
        )
        .await;
    assert!(edit.is_err());

    standin.delete_message(id).await;
    let deleted = bot
        .next("MESSAGE_DELETE", |s| match s {
            Seen::MessageDeleted(c, m, g) if m.get() == id => Some((*c, *g)),
            _ => None,
        })
        .await;
    assert_eq!(deleted, (ChannelId::new(TEXT), Some(GuildId::new(GUILD))));
    assert!(ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .is_err());
    assert!(standin.reactions(id).is_empty());

    let first = standin.send_message(BOB, TEXT, "spam 1").await;
    let second = standin.send_message(BOB, TEXT, "spam 2").await;
    let bot_own = ChannelId::new(TEXT)
        .say(&bot.http, "annonce")
        .await
        .unwrap();
    standin
        .bulk_delete(TEXT, [first, second, bot_own.id.get()])
        .await;
    let (channel, ids, guild) = bot
        .next("MESSAGE_DELETE_BULK", |s| match s {
            Seen::BulkDeleted(c, ids, g) => Some((*c, ids.clone(), *g)),
            _ => None,
        })
        .await;
    assert_eq!(channel, ChannelId::new(TEXT));
    assert_eq!(guild, Some(GuildId::new(GUILD)));
    assert_eq!(
        ids,
        vec![MessageId::new(first), MessageId::new(second), bot_own.id]
    );
    assert!(standin.messages()[0].deleted);

    // The bot deleting a user's message (it would need Manage Messages) is echoed as well.
    let third = standin.send_message(CAROL, TEXT, "hors sujet").await;
    ChannelId::new(TEXT)
        .delete_message(&bot.http, MessageId::new(third))
        .await
        .unwrap();
    bot.next("the echo of the bot's delete", |s| match s {
        Seen::MessageDeleted(_, m, _) if m.get() == third => Some(()),
        _ => None,
    })
    .await;
    assert!(standin.channel_history(TEXT).is_empty());

    // In DMs: no guild, no member, and the DM reaction intent.
    let dm = standin.send_dm(CAROL, "coucou").await;
    seen_message(&mut bot, dm).await;
    standin.edit_message(dm, "coucou !").await;
    let update = bot
        .next("the DM's MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) if e.id.get() == dm => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.guild_id, None);
    assert_eq!(update.content.as_deref(), Some("coucou !"));
    standin.add_reaction(CAROL, dm, "❤️").await;
    let dm_reaction = bot
        .next("the DM reaction", |s| match s {
            Seen::ReactionAdded(r) if r.message_id.get() == dm => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(dm_reaction.guild_id, None);
    assert!(dm_reaction.member.is_none());
    assert_eq!(dm_reaction.channel_id.get(), standin.dm_channel_id(CAROL));
    standin.delete_message(dm).await;
    let deleted = bot
        .next("the DM's MESSAGE_DELETE", |s| match s {
            Seen::MessageDeleted(_, m, g) if m.get() == dm => Some(*g),
            _ => None,
        })
        .await;
    assert_eq!(deleted, None);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_and_reaction_intents_gate_what_the_bot_sees() {
    let standin = DiscordStandIn::start(fixture()).await;
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    let mut bot = Bot::start_with(&standin, TOKEN, intents).await;
    bot.guild().await;

    let spec = MessageSpec::new("secret").attachment("plan.png", 10);
    let id = standin.send_message_with(ALICE, TEXT, spec).await;
    let blank = seen_message(&mut bot, id).await;
    assert_eq!(blank.content, "");
    assert!(blank.attachments.is_empty());
    standin.edit_message(id, "toujours secret").await;
    let update = bot
        .next("MESSAGE_UPDATE", |s| match s {
            Seen::MessageUpdated(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.content.as_deref(), Some(""));
    assert!(update.edited_timestamp.is_some());

    // A reply to the bot pings it, so its content is visible.
    let own = ChannelId::new(TEXT)
        .say(&bot.http, "question ?")
        .await
        .unwrap();
    let answer = standin
        .send_message_with(
            BOB,
            TEXT,
            MessageSpec::new("réponse").reply_to(own.id.get()),
        )
        .await;
    assert_eq!(seen_message(&mut bot, answer).await.content, "réponse");

    // No reaction events without GUILD_MESSAGE_REACTIONS, but the truth still changes.
    standin.add_reaction(BOB, id, "👀").await;
    assert!(!standin
        .dispatches()
        .iter()
        .any(|d| d.event.starts_with("MESSAGE_REACTION")));
    assert_eq!(standin.reactions(id), vec![("👀".to_owned(), vec![BOB])]);

    // REST answers are whole (the intent is a gateway filter here).
    let fetched = ChannelId::new(TEXT)
        .message(&bot.http, MessageId::new(id))
        .await
        .unwrap();
    assert_eq!(fetched.content, "toujours secret");
    assert_eq!(fetched.attachments.len(), 1);
    assert_eq!(fetched.reactions.len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_like_discord_for_a_backfill() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);
    let text = ChannelId::new(TEXT);

    let m1 = standin.send_message(ALICE, TEXT, "un").await;
    let m2 = text.say(&http, "deux (bot)").await.unwrap().id.get();
    let m3 = standin.send_message(BOB, TEXT, "trois").await;
    let gone = standin.send_message(CAROL, TEXT, "effacé").await;
    let m4 = standin
        .send_message_with(ALICE, TEXT, MessageSpec::new("quatre").reply_to(m1))
        .await;
    standin.send_dm(CAROL, "en privé").await;
    standin.delete_message(gone).await;
    standin.edit_message(m3, "trois (édité)").await;
    // An interaction reply is a channel message too; an ephemeral one is not.
    standin
        .slash_command(BOB, TEXT, "status", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    command
        .create_response(
            &http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new().content("cinq (réponse)"),
            ),
        )
        .await
        .unwrap();
    let m5 = command.get_response(&http).await.unwrap().id.get();
    command
        .create_followup(
            &http,
            CreateInteractionResponseFollowup::new()
                .content("pour toi seul")
                .ephemeral(true),
        )
        .await
        .unwrap();
    let m6 = standin.send_message(CAROL, TEXT, "six").await;
    assert_eq!(standin.channel_history(TEXT), vec![m1, m2, m3, m4, m5, m6]);

    let ids = |page: &[Message]| page.iter().map(|m| m.id.get()).collect::<Vec<u64>>();
    let latest = text.messages(&http, GetMessages::new()).await.unwrap();
    assert_eq!(ids(&latest), vec![m6, m5, m4, m3, m2, m1], "newest first");
    assert_eq!(latest[3].content, "trois (édité)");
    assert!(latest[3].edited_timestamp.is_some());
    assert_eq!(latest[1].content, "cinq (réponse)");
    assert!(latest[4].author.bot);
    assert_eq!(
        latest[2]
            .referenced_message
            .as_ref()
            .map(|m| m.content.as_str()),
        Some("un")
    );

    // `after` gives the messages right after the id, still newest first.
    let after = text
        .messages(&http, GetMessages::new().after(MessageId::new(m2)).limit(2))
        .await
        .unwrap();
    assert_eq!(ids(&after), vec![m4, m3]);
    let all_after = text
        .messages(&http, GetMessages::new().after(MessageId::new(m2)))
        .await
        .unwrap();
    assert_eq!(ids(&all_after), vec![m6, m5, m4, m3]);
    let before = text
        .messages(
            &http,
            GetMessages::new().before(MessageId::new(m4)).limit(2),
        )
        .await
        .unwrap();
    assert_eq!(ids(&before), vec![m3, m2]);
    let around = text
        .messages(
            &http,
            GetMessages::new().around(MessageId::new(m3)).limit(3),
        )
        .await
        .unwrap();
    assert_eq!(ids(&around), vec![m4, m3, m2]);
    let just = text
        .messages(
            &http,
            GetMessages::new().around(MessageId::new(m3)).limit(1),
        )
        .await
        .unwrap();
    assert_eq!(ids(&just), vec![m3]);
    let newest = text
        .messages(&http, GetMessages::new().limit(1))
        .await
        .unwrap();
    assert_eq!(ids(&newest), vec![m6]);

    // A backfill after downtime: page forward from the last message seen.
    let mut seen = Vec::new();
    let mut cursor = MessageId::new(m1);
    loop {
        let page = text
            .messages(&http, GetMessages::new().after(cursor).limit(2))
            .await
            .unwrap();
        let Some(newest) = page.first() else { break };
        cursor = newest.id;
        seen.extend(page.iter().rev().map(|m| m.id.get()));
    }
    assert_eq!(seen, vec![m2, m3, m4, m5, m6]);

    // The DM channel has its own history; limits are checked like Discord's.
    let dm = ChannelId::new(standin.dm_channel_id(CAROL));
    let dms = dm.messages(&http, GetMessages::new()).await.unwrap();
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "en privé");
    assert!(text
        .messages(&http, GetMessages::new().limit(0))
        .await
        .is_err());
    assert!(ChannelId::new(777)
        .messages(&http, GetMessages::new())
        .await
        .is_err());
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_uploads_are_recorded_with_their_bytes() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);

    let report = "Résumé de la semaine\n".as_bytes().to_vec();
    // Bytes that would trip a text-based multipart parser.
    let binary: Vec<u8> = [0x89, b'P', b'N', b'G', b'\r', b'\n', b'-', b'-', 0x00, 0xff]
        .into_iter()
        .chain((0..=255).collect::<Vec<u8>>())
        .collect();
    let sent = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new()
                .content("📎 digest")
                .add_file(CreateAttachment::bytes(report.clone(), "résumé.txt"))
                .add_file(CreateAttachment::bytes(binary.clone(), "graph.png")),
        )
        .await
        .unwrap();
    assert_eq!(sent.attachments.len(), 2);
    assert_eq!(sent.attachments[0].filename, "résumé.txt");
    assert_eq!(sent.attachments[0].size as usize, report.len());
    assert_eq!(sent.attachments[1].size as usize, binary.len());
    assert_eq!(
        sent.attachments[1].content_type.as_deref(),
        Some("image/png")
    );
    let recorded = &standin.messages()[0];
    assert_eq!(recorded.content, "📎 digest");
    assert_eq!(
        recorded.files(),
        vec![
            ("résumé.txt".to_owned(), report.clone()),
            ("graph.png".to_owned(), binary.clone())
        ]
    );
    assert_eq!(recorded.attachments[0].field, "files[0]");
    assert_eq!(recorded.attachments[0].id, sent.attachments[0].id.get());
    let request = standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .unwrap();
    assert_eq!(request.files.len(), 2);
    assert_eq!(request.body["content"], "📎 digest");
    let echoed = seen_message(&mut bot, sent.id.get()).await;
    assert_eq!(echoed.attachments.len(), 2);

    // A file-only message is not empty; an edit keeps what it names and appends new files.
    let only_file = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new().add_file(CreateAttachment::bytes(vec![1, 2, 3], "a.bin")),
        )
        .await
        .unwrap();
    assert_eq!(only_file.content, "");
    let mut sent = sent;
    let keep = sent.attachments[0].id;
    sent.edit(
        &http,
        EditMessage::new()
            .keep_existing_attachment(keep)
            .new_attachment(CreateAttachment::bytes(b"v2".to_vec(), "v2.txt")),
    )
    .await
    .unwrap();
    let names: Vec<&str> = sent
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert_eq!(names, vec!["résumé.txt", "v2.txt"]);
    let files = standin.messages()[0].files();
    assert_eq!(files[1], ("v2.txt".to_owned(), b"v2".to_vec()));
    sent.edit(
        &http,
        EditMessage::new().content("sans changer les fichiers"),
    )
    .await
    .unwrap();
    assert_eq!(sent.attachments.len(), 2, "no `attachments` keeps them all");

    // Interaction callbacks and follow-ups carry files too.
    let run = standin
        .slash_command(ALICE, TEXT, "digest", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    command
        .create_response(
            &http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("voici")
                    .add_file(CreateAttachment::bytes(report.clone(), "digest.txt")),
            ),
        )
        .await
        .unwrap();
    let original = command.get_response(&http).await.unwrap();
    assert_eq!(original.attachments.len(), 1);
    assert_eq!(original.attachments[0].filename, "digest.txt");
    let followup = command
        .create_followup(
            &http,
            CreateInteractionResponseFollowup::new()
                .content("et le graphe")
                .add_file(CreateAttachment::bytes(binary.clone(), "graph.png")),
        )
        .await
        .unwrap();
    assert_eq!(followup.attachments[0].size as usize, binary.len());
    let answers: Vec<_> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| run.matches(r))
        .collect();
    assert_eq!(answers[0].kind, ResponseKind::Callback(4));
    assert_eq!(answers[0].content(), Some("voici"));
    assert_eq!(
        answers[0].files(),
        vec![("digest.txt".to_owned(), report.clone())]
    );
    assert_eq!(answers[1].kind, ResponseKind::Followup);
    assert_eq!(answers[1].files(), vec![("graph.png".to_owned(), binary)]);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}
