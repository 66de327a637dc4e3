//! Interactions and the REST calls around them: buttons and the messages carrying them, slash
//! commands (registration, running, option parsing), interaction replies and follow-ups read
//! back through REST, and a wrong token or an unknown route.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_messages_and_interaction_responses_round_trip() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let confirm = CreateButton::new("restart:confirm")
        .label("Confirmer")
        .style(ButtonStyle::Success);
    let cancel = CreateButton::new("restart:cancel")
        .label("Annuler")
        .style(ButtonStyle::Danger);
    let sent = ChannelId::new(TEXT)
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("Redémarrer Minecraft ?")
                .components(vec![CreateActionRow::Buttons(vec![confirm, cancel])]),
        )
        .await
        .unwrap();
    assert_eq!(sent.channel_id, ChannelId::new(TEXT));
    assert_eq!(sent.author.id, UserId::new(900));
    assert_eq!(sent.components.len(), 1);

    let recorded = standin
        .wait_for_message(|m| m.content.starts_with("Redémarrer"), T)
        .await
        .unwrap();
    assert_eq!(recorded.id, sent.id.get());
    assert_eq!(recorded.channel_id, TEXT);
    assert_eq!(
        recorded.custom_ids(),
        vec!["restart:confirm", "restart:cancel"]
    );
    assert_eq!(recorded.buttons()[0].label.as_deref(), Some("Confirmer"));

    // Discord echoes the bot's own message on the gateway.
    let echoed = bot
        .next("the bot's own MESSAGE_CREATE", |s| match s {
            Seen::Message(m) if m.id == sent.id => Some(m.clone()),
            _ => None,
        })
        .await;
    assert!(echoed.author.bot);
    assert_eq!(echoed.guild_id, Some(GuildId::new(GUILD)));

    let press = standin
        .press_button(BOB, TEXT, sent.id.get(), "restart:confirm")
        .await;
    let component = bot
        .next("the button press", |s| match s {
            Seen::Component(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(component.id.get(), press.id);
    assert_eq!(component.token, press.token);
    assert_eq!(component.data.custom_id, "restart:confirm");
    assert!(matches!(
        component.data.kind,
        ComponentInteractionDataKind::Button
    ));
    assert_eq!(component.user.id, UserId::new(BOB));
    assert_eq!(component.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(component.channel_id, ChannelId::new(TEXT));
    assert_eq!(component.message.id, sent.id);
    assert_eq!(component.message.components.len(), 1);
    let member = component.member.as_ref().unwrap();
    assert_eq!(
        member.roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );

    component
        .create_response(
            &bot.http,
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("🔄 Redémarrage en cours…")
                    .ephemeral(true),
            ),
        )
        .await
        .unwrap();
    let response = standin
        .wait_for_interaction_response(|r| press.matches(r), T)
        .await
        .unwrap();
    assert_eq!(response.kind, ResponseKind::Callback(4));
    assert!(response.is_ephemeral());
    assert_eq!(response.content(), Some("🔄 Redémarrage en cours…"));
    assert_eq!(response.status, 204);

    // A second callback is refused, as Discord refuses it.
    let again = component
        .create_response(&bot.http, CreateInteractionResponse::Acknowledge)
        .await;
    assert!(again.is_err(), "second acknowledgement must fail");

    let edited = component
        .edit_response(
            &bot.http,
            EditInteractionResponse::new().content("✅ Serveur redémarré"),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "✅ Serveur redémarré");
    let followup = component
        .create_followup(
            &bot.http,
            CreateInteractionResponseFollowup::new()
                .content("détails")
                .ephemeral(true),
        )
        .await
        .unwrap();
    assert_eq!(followup.content, "détails");
    let kinds: Vec<ResponseKind> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| press.matches(r) && r.status < 300)
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ResponseKind::Callback(4),
            ResponseKind::EditOriginal,
            ResponseKind::Followup
        ]
    );

    // An UPDATE_MESSAGE answer rewrites the message the button was on.
    let press2 = standin
        .press_button(ALICE, TEXT, sent.id.get(), "restart:cancel")
        .await;
    let component2 = bot
        .next("the second press", |s| match s {
            Seen::Component(c) if c.id.get() == press2.id => Some(c.clone()),
            _ => None,
        })
        .await;
    component2
        .create_response(
            &bot.http,
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .content("Annulé")
                    .components(vec![]),
            ),
        )
        .await
        .unwrap();
    let updated = standin
        .wait_for_message(|m| m.id == sent.id.get() && m.edited, T)
        .await
        .unwrap();
    assert_eq!(updated.content, "Annulé");
    assert!(updated.buttons().is_empty());

    // Plain edit and delete of the bot's own message.
    let mut sent = sent;
    sent.edit(&bot.http, EditMessage::new().content("édité"))
        .await
        .unwrap();
    assert_eq!(sent.content, "édité");
    sent.delete(&bot.http).await.unwrap();
    bot.next("the delete echo", |s| match s {
        Seen::MessageDeleted(_, id, _) if *id == sent.id => Some(()),
        _ => None,
    })
    .await;
    assert!(standin.messages()[0].deleted);
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_register_and_run() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let commands = GuildId::new(GUILD)
        .set_commands(
            &bot.http,
            vec![
                CreateCommand::new("status").description("État du serveur"),
                CreateCommand::new("restart").description("Redémarre Minecraft"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0].name, "status");
    assert_eq!(standin.commands().len(), 2);

    let run = standin
        .slash_command(ALICE, TEXT, "status", serde_json::json!([]))
        .await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(command.data.name, "status");
    assert_eq!(command.data.id, commands[0].id);
    assert_eq!(command.user.id, UserId::new(ALICE));
    command
        .create_response(
            &bot.http,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
        )
        .await
        .unwrap();
    command
        .edit_response(
            &bot.http,
            EditInteractionResponse::new().content("🟢 en ligne"),
        )
        .await
        .unwrap();
    let edit = standin
        .wait_for_interaction_response(
            |r| run.matches(r) && r.kind == ResponseKind::EditOriginal,
            T,
        )
        .await
        .unwrap();
    assert_eq!(edit.content(), Some("🟢 en ligne"));
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_command_options_parse_in_serenity() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;

    let registered = GuildId::new(GUILD)
        .create_command(
            &bot.http,
            CreateCommand::new("digest")
                .description("Résumé d'un salon")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::Channel, "salon", "Le salon")
                        .channel_types(vec![ChannelType::Text])
                        .required(true),
                )
                .add_option(CreateCommandOption::new(
                    CommandOptionType::Boolean,
                    "public",
                    "Visible par tous",
                ))
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "periode", "Période")
                        .add_string_choice("quotidien", "daily")
                        .add_string_choice("hebdomadaire", "weekly"),
                )
                .add_option(CreateCommandOption::new(
                    CommandOptionType::User,
                    "pour",
                    "Destinataire",
                ))
                .add_option(CreateCommandOption::new(
                    CommandOptionType::Role,
                    "role",
                    "Rôle",
                )),
        )
        .await
        .unwrap();

    let options = serde_json::json!([
        {"name": "salon", "type": 7, "value": TEXT.to_string()},
        {"name": "public", "type": 5, "value": true},
        {"name": "periode", "type": 3, "value": "weekly"},
        {"name": "pour", "type": 6, "value": BOB.to_string()},
        {"name": "role", "type": 8, "value": PLAYERS.to_string()},
    ]);
    standin.slash_command(ALICE, TEXT, "digest", options).await;
    let command = bot
        .next("the slash command", |s| match s {
            Seen::Command(c) => Some(c.clone()),
            _ => None,
        })
        .await;
    assert_eq!(command.data.id, registered.id);
    let values: Vec<(&str, &CommandDataOptionValue)> = command
        .data
        .options
        .iter()
        .map(|o| (o.name.as_str(), &o.value))
        .collect();
    assert_eq!(
        values,
        vec![
            (
                "salon",
                &CommandDataOptionValue::Channel(ChannelId::new(TEXT))
            ),
            ("public", &CommandDataOptionValue::Boolean(true)),
            (
                "periode",
                &CommandDataOptionValue::String("weekly".to_owned())
            ),
            ("pour", &CommandDataOptionValue::User(UserId::new(BOB))),
            ("role", &CommandDataOptionValue::Role(RoleId::new(PLAYERS))),
        ]
    );
    let resolved = &command.data.resolved;
    let channel = &resolved.channels[&ChannelId::new(TEXT)];
    assert_eq!(channel.name.as_deref(), Some("annonces"));
    assert_eq!(channel.kind, ChannelType::Text);
    assert!(channel.permissions.is_some());
    assert_eq!(resolved.users[&UserId::new(BOB)].name, "bob");
    assert_eq!(
        resolved.members[&UserId::new(BOB)].roles,
        vec![RoleId::new(PLAYERS), RoleId::new(ADMINS)]
    );
    assert_eq!(resolved.roles[&RoleId::new(PLAYERS)].name, "joueurs");
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_reads_replies_and_followups_deserialize() {
    let standin = DiscordStandIn::start(fixture()).await;
    let mut bot = Bot::start(&standin, TOKEN).await;
    bot.guild().await;
    let http = Arc::clone(&bot.http);

    assert_eq!(http.get_current_user().await.unwrap().name, "CubeGuardian");
    assert_eq!(
        http.get_bot_gateway().await.unwrap().url,
        standin.gateway_url()
    );
    let text = ChannelId::new(TEXT)
        .to_channel(&http)
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(text.kind, ChannelType::Text);
    assert_eq!(GuildId::new(GUILD).channels(&http).await.unwrap().len(), 3);
    let dm = UserId::new(BOB).create_dm_channel(&http).await.unwrap();
    assert!(dm.id.to_channel(&http).await.unwrap().private().is_some());
    ChannelId::new(TEXT).broadcast_typing(&http).await.unwrap();

    let embed = serenity::all::CreateEmbed::new()
        .title("État")
        .description("🟢")
        .field("joueurs", "3/20", true);
    let status = ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().embed(embed))
        .await
        .unwrap();
    assert_eq!(status.embeds[0].title.as_deref(), Some("État"));
    status.react(&http, '✅').await.unwrap();
    let reply = ChannelId::new(TEXT)
        .send_message(
            &http,
            CreateMessage::new()
                .content("réponse")
                .reference_message(&status),
        )
        .await
        .unwrap();
    assert_eq!(
        reply.message_reference.as_ref().and_then(|r| r.message_id),
        Some(status.id)
    );
    assert_eq!(standin.messages()[1].reply_to, Some(status.id.get()));
    let fetched = ChannelId::new(TEXT).message(&http, reply.id).await.unwrap();
    assert_eq!(fetched.content, "réponse");

    // Discord's validation errors come back as errors.
    assert!(ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new())
        .await
        .is_err());
    let long = "x".repeat(2001);
    assert!(ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().content(long))
        .await
        .is_err());
    assert!(ChannelId::new(777).say(&http, "nowhere").await.is_err());

    let run = standin
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
                CreateInteractionResponseMessage::new().content("🟢"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(command.get_response(&http).await.unwrap().content, "🟢");
    let followup = command
        .create_followup(&http, CreateInteractionResponseFollowup::new().content("a"))
        .await
        .unwrap();
    let edited = command
        .edit_followup(
            &http,
            followup.id,
            CreateInteractionResponseFollowup::new().content("b"),
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "b");
    command.delete_followup(&http, followup.id).await.unwrap();
    command.delete_response(&http).await.unwrap();
    let kinds: Vec<ResponseKind> = standin
        .interaction_responses()
        .into_iter()
        .filter(|r| run.matches(r))
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ResponseKind::Callback(4),
            ResponseKind::Followup,
            ResponseKind::EditFollowup(followup.id.get()),
            ResponseKind::DeleteFollowup(followup.id.get()),
            ResponseKind::DeleteOriginal,
        ]
    );
    assert_no_unknown_routes(&standin);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_is_refused_and_unknown_routes_are_recorded() {
    let standin = DiscordStandIn::start(fixture().expect_token(TOKEN)).await;
    let mut bot = Bot::start(&standin, "not-the-token").await;
    let outcome = tokio::time::timeout(T, &mut bot.task)
        .await
        .expect("client.start() returned");
    let err = outcome
        .unwrap()
        .expect_err("a wrong token must stop the client");
    assert!(
        err.to_string().to_lowercase().contains("authentication"),
        "{err}"
    );
    assert_eq!(standin.requests()[0].status, 401);
    assert_eq!(standin.identify_count(), 0);

    let http = HttpBuilder::new(TOKEN)
        .proxy(standin.api_url())
        .ratelimiter_disabled(true)
        .build();
    assert!(http.get_guild(GuildId::new(GUILD)).await.is_err());
    let unknown = standin.unknown_requests();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].path, "/api/v10/guilds/10");
    assert_eq!(unknown[0].status, 404);
}
