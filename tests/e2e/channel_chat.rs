//! Channel chat end to end: a channel mapped to a room (through the office
//! API) is the room's chat. People write there on the fake Slack, which
//! delivers `message.channels` to the bundle because the mapping brought
//! the app's bot in (`conversations.join`); the office hears each message
//! with the room, the channel and the author, threads, edits and
//! deletions included. The office writes back as the linked person, or
//! through the app in the name of someone not linked, without echo; the
//! history merges what is stored with Slack's within the budget; and
//! archiving, removing the app or unmapping stops the chat, once.

use hallway::ids::{ChannelId, MessageTs};
use hallway::office_webhook::Notification;
use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_api::model::{self, ChannelChat, ChannelHistory, ChannelMessageSent};
use hallway_tests::TestApp;
use hallway_tests::demo::team as demo;
use hallway_tests::demo::{
    ALICE, BOB, BOT, CAROL, DESIGN, GENERAL, Office, bridged_office, fill_directory,
    link_ada_with_token, slack,
};
use http::Method;
use serde_json::json;

/// What a linked person grants for channel chat (besides DMs).
const ADA_SCOPES: &[&str] = &[
    "chat:write",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
];

/// The bot scopes channel chat adds.
const CHANNEL_SCOPES: &[&str] = &[
    "channels:history",
    "groups:history",
    "channels:join",
    "chat:write.customize",
    "groups:read",
];

/// The demo office with the bridge on, Ada linked for channel chat, and
/// the directory filled (authors' names).
async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(CHANNEL_SCOPES).await?;
    link_ada_with_token(&app, ADA_SCOPES).await;
    fill_directory(&app, &o).await;
    Some((app, o))
}

fn ada(app: &TestApp, o: &Office) -> String {
    app.token("ada", &[(&o.hq, Role::Admin)])
}

fn path(o: &Office, channel: &str, rest: &str) -> String {
    format!("/api/v1/spaces/{}/channels/{channel}{rest}", o.hq)
}

/// Maps `channel` to the Hall through the office API.
async fn map(app: &TestApp, o: &Office, channel: &str) -> ChannelChat {
    let (code, chat) = app
        .api_ok::<ChannelChat>(
            Method::PUT,
            &path(o, channel, "/mapping"),
            Some(&ada(app, o)),
            Some(json!({"room_id": o.hall})),
        )
        .await;
    assert_eq!(code, 200, "{chat:?}");
    chat
}

/// The notifications of these kinds the office accepted, in order.
fn told(app: &TestApp, kinds: &[&str]) -> Vec<Notification> {
    app.office
        .as_ref()
        .expect("the bridge is on")
        .accepted()
        .into_iter()
        .filter(|n| kinds.contains(&n.kind.as_str()))
        .collect()
}

async fn told_n(app: &TestApp, kinds: &[&str], n: usize) -> Vec<Notification> {
    app.eventually(&format!("the office told {n} of {kinds:?}"), || async {
        told(app, kinds).len() >= n
    })
    .await;
    told(app, kinds)
}

const MESSAGES: &[&str] = &[
    "chat.channel_message",
    "chat.channel_message_changed",
    "chat.channel_message_deleted",
];

#[tokio::test]
async fn a_mapped_channels_messages_reach_the_office_with_room_and_author_threads_edits_and_deletions()
 {
    let Some((app, o)) = app().await else {
        return;
    };
    assert!(
        !app.slack
            .channel_members("T0DEMO", DESIGN)
            .contains(&BOT.to_owned())
    );
    let chat = map(&app, &o, DESIGN).await;
    assert_eq!(chat.bot, model::BotPresence::Joined);
    assert!(chat.live);
    assert_eq!(chat.channel.room.as_ref().unwrap().room_id, o.hall);
    assert_eq!(chat.channel.chat, model::ChatState::Live);
    assert!(
        app.slack
            .channel_members("T0DEMO", DESIGN)
            .contains(&BOT.to_owned()),
        "the mapping brought the bot into the public channel"
    );

    let ts = app
        .slack
        .post_as("T0DEMO", DESIGN, BOB, "Crit at 3 in the Hall?", None);
    let n = told_n(&app, MESSAGES, 1).await.remove(0);
    assert_eq!(n.kind, "chat.channel_message");
    assert_eq!(n.team_id, demo());
    assert_eq!(n.data["channel"]["id"], DESIGN);
    assert_eq!(n.data["channel"]["name"], "design");
    assert_eq!(n.data["room"]["space_id"], o.hq.as_str());
    assert_eq!(n.data["room"]["room_id"], o.hall.as_str());
    assert_eq!(n.data["ts"], ts.as_str());
    assert_eq!(n.data["text"], "Crit at 3 in the Hall?");
    assert_eq!(n.data["author"]["slack_user_id"], BOB);
    assert_eq!(n.data["author"]["office_user_id"], serde_json::Value::Null);
    assert_eq!(n.data["author"]["name"], "Bob");

    // A thread reply keeps its thread; Alice is linked: her office user.
    let reply = app
        .slack
        .post_as("T0DEMO", DESIGN, ALICE, "I'll bring the boards", Some(&ts));
    let n = told_n(&app, MESSAGES, 2).await.remove(1);
    assert_eq!(n.data["ts"], reply.as_str());
    assert_eq!(n.data["thread_ts"], ts.as_str());
    assert_eq!(n.data["author"]["office_user_id"], "ada");

    // Bob edits, then deletes his message.
    let bob = Secret::new(app.slack.issue_user_token("T0DEMO", BOB, &["chat:write"]));
    slack(
        &app,
        &bob,
        "chat.update",
        json!({"channel": DESIGN, "ts": ts, "text": "Crit at 4 in the Hall?"}),
    )
    .await;
    let n = told_n(&app, MESSAGES, 3).await.remove(2);
    assert_eq!(n.kind, "chat.channel_message_changed");
    assert_eq!(n.data["text"], "Crit at 4 in the Hall?");
    assert_eq!(n.data["room"]["room_id"], o.hall.as_str());
    slack(
        &app,
        &bob,
        "chat.delete",
        json!({"channel": DESIGN, "ts": ts}),
    )
    .await;
    let n = told_n(&app, MESSAGES, 4).await.remove(3);
    assert_eq!(n.kind, "chat.channel_message_deleted");
    assert_eq!(n.data["deleted"], true);

    // A channel nobody mapped or opened, even with the bot in it, is not
    // bridged.
    assert!(app.slack.join_channel("T0DEMO", GENERAL, BOT));
    app.slack.post_as("T0DEMO", GENERAL, BOB, "lunch?", None);
    app.drained().await;
    assert_eq!(told(&app, MESSAGES).len(), 4, "nothing else, nothing twice");
    let stored = app
        .services
        .chat()
        .message(
            &demo(),
            &ChannelId::new(DESIGN).unwrap(),
            &MessageTs::new(&reply).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.thread_ts.as_ref().map(MessageTs::as_str),
        Some(ts.as_str())
    );
}

#[tokio::test]
async fn the_office_writes_as_the_linked_person_or_through_the_app_for_someone_not_linked_without_echo()
 {
    let Some((app, o)) = app().await else {
        return;
    };
    map(&app, &o, DESIGN).await;
    let messages = path(&o, DESIGN, "/messages");

    // Ada is linked: as herself.
    let (code, sent) = app
        .api_ok::<ChannelMessageSent>(
            Method::POST,
            &messages,
            Some(&ada(&app, &o)),
            Some(json!({"text": "Joining from the office"})),
        )
        .await;
    assert_eq!(code, 201, "{sent:?}");
    assert_eq!(sent.sent_as, model::SentAs::Person);
    assert!(sent.message.mine);
    let on_slack = app.slack.messages("T0DEMO", DESIGN);
    let mine = on_slack
        .iter()
        .find(|m| m.ts == sent.message.ts.as_str())
        .unwrap();
    assert_eq!((mine.user.as_str(), mine.bot), (ALICE, false));

    // Slack takes about one message a second in a channel
    // (docs.slack.dev/apis/web-api/rate-limits, "Posting messages").
    app.slack.advance(std::time::Duration::from_secs(1));
    // Zed is a member of the space who never linked Slack: the app writes
    // for him, with his name, and says he is not linked.
    let zed = app.token("zed", &[(&o.hq, Role::Member)]);
    let (code, sent_zed) = app
        .api_ok::<ChannelMessageSent>(
            Method::POST,
            &messages,
            Some(&zed),
            Some(json!({"text": "Me too", "thread_ts": sent.message.ts})),
        )
        .await;
    assert_eq!(code, 201, "{sent_zed:?}");
    assert_eq!(sent_zed.sent_as, model::SentAs::App);
    assert!(sent_zed.message.mine);
    assert_eq!(sent_zed.message.thread_ts.as_ref(), Some(&sent.message.ts));
    let on_slack = app.slack.messages("T0DEMO", DESIGN);
    let by_app = on_slack
        .iter()
        .find(|m| m.ts == sent_zed.message.ts.as_str())
        .unwrap();
    assert!(by_app.bot, "posted by the app's bot token");
    assert_eq!(by_app.thread_ts.as_deref(), Some(sent.message.ts.as_str()));
    let blocks = by_app.blocks.as_ref().unwrap().to_string();
    assert!(
        blocks.contains("zed (office), who has not linked Slack"),
        "{blocks}"
    );

    // Neither comes back to the office as news.
    app.drained().await;
    assert!(
        told(&app, MESSAGES).is_empty(),
        "{:?}",
        told(&app, MESSAGES)
    );

    // Zed may not write in a channel that is not one of the space's rooms.
    let (code, err) = app
        .api_err(
            Method::POST,
            &path(&o, GENERAL, "/messages"),
            Some(&zed),
            Some(json!({"text": "hi"})),
        )
        .await;
    assert_eq!(code, 409, "{err:?}");
    assert!(err.error.contains("link your Slack account"), "{err:?}");
    // Nor may anyone send nothing, or broadcast outside a thread.
    for bad in [
        json!({"text": "  "}),
        json!({"text": "x", "broadcast": true}),
    ] {
        let (code, _) = app
            .api_err(Method::POST, &messages, Some(&zed), Some(bad))
            .await;
        assert_eq!(code, 400);
    }
    // Both messages are in the room's history, in order, Zed's his own.
    let (code, page) = app
        .api_ok::<ChannelHistory>(Method::GET, &messages, Some(&zed), None)
        .await;
    assert_eq!(code, 200, "{page:?}");
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Me too", "Joining from the office"]);
    assert!(page.messages[0].mine && !page.messages[1].mine);

    // The thread alone, oldest first, its parent first; Bob's reply on
    // Slack joins it.
    app.slack.post_as(
        "T0DEMO",
        DESIGN,
        BOB,
        "Count me in",
        Some(sent.message.ts.as_str()),
    );
    app.eventually("Bob's reply stored", || async {
        app.services
            .chat()
            .history(&demo(), &ChannelId::new(DESIGN).unwrap(), None, 10)
            .await
            .unwrap()
            .iter()
            .any(|m| m.text == "Count me in")
    })
    .await;
    app.advance_secs(61);
    let (code, thread) = app
        .api_ok::<ChannelHistory>(
            Method::GET,
            &format!("{messages}?thread={}", sent.message.ts),
            Some(&zed),
            None,
        )
        .await;
    assert_eq!(code, 200, "{thread:?}");
    let texts: Vec<&str> = thread.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Joining from the office", "Me too", "Count me in"]);
    assert!(!thread.partial, "{thread:?}");
    assert_eq!(thread.next_cursor, None);
    let replies = app.slack.calls_to("conversations.replies");
    assert_eq!(replies.len(), 1, "{replies:?}");
}

#[tokio::test]
async fn a_linked_person_lists_their_channels_and_reads_any_of_them_within_the_budget() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Twenty messages in #general before anyone opened it.
    app.slack.set_limits_enabled(false);
    for i in 1..=20 {
        app.slack.post_as(
            "T0DEMO",
            GENERAL,
            if i % 2 == 0 { BOB } else { CAROL },
            &format!("g{i:02}"),
            None,
        );
    }
    app.slack.set_limits_enabled(true);

    let (code, page) = app
        .api_ok::<model::ChannelsPage>(
            Method::GET,
            &format!("/api/v1/spaces/{}/channels", o.hq),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{page:?}");
    let names: Vec<&str> = page
        .channels
        .iter()
        .filter_map(|c| c.name.as_deref())
        .collect();
    assert!(
        names.contains(&"general") && names.contains(&"design"),
        "{names:?}"
    );
    assert!(
        page.channels
            .iter()
            .all(|c| c.chat == model::ChatState::None)
    );

    // Opened as a chat: the app is not in it, so not live, and it says how.
    let (code, opened) = app
        .api_ok::<ChannelChat>(
            Method::POST,
            &path(&o, GENERAL, "/chat"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{opened:?}");
    assert!(!opened.live);
    assert_eq!(opened.bot, model::BotPresence::NotMember);
    assert!(opened.hint.as_deref().unwrap().contains("/invite @hallway"));

    // History: the newest page from Slack, one call of 15.
    let messages = path(&o, GENERAL, "/messages");
    let (code, first) = app
        .api_ok::<ChannelHistory>(
            Method::GET,
            &format!("{messages}?limit=10"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{first:?}");
    let want: Vec<String> = (11..=20).rev().map(|i| format!("g{i:02}")).collect();
    let got: Vec<String> = first.messages.iter().map(|m| m.text.clone()).collect();
    assert_eq!(got, want);
    assert!(!first.partial);
    // Older: the budget (1 call a minute) is spent: partial, and when.
    let cursor = first.next_cursor.unwrap();
    let (_, second) = app
        .api_ok::<ChannelHistory>(
            Method::GET,
            &format!("{messages}?before={cursor}"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert!(second.partial, "{second:?}");
    assert!(second.retry_after.unwrap() > 0);
    assert_eq!(second.messages.len(), 5, "the stored ones");
    let calls = app.slack.calls_to("conversations.history");
    assert_eq!(calls.len(), 1, "{calls:?}");

    // Someone not linked cannot list channels.
    let zed = app.token("zed", &[(&o.hq, Role::Member)]);
    let (code, err) = app
        .api_err(
            Method::GET,
            &format!("/api/v1/spaces/{}/channels", o.hq),
            Some(&zed),
            None,
        )
        .await;
    assert_eq!(code, 409, "{err:?}");
}

#[tokio::test]
async fn archiving_removing_the_app_or_unmapping_stops_the_chat_and_the_office_is_told_once() {
    let Some((app, o)) = app().await else {
        return;
    };
    const STOPPED: &[&str] = &["chat.channel_bridge_stopped"];
    let channels = app.services.channels();
    let (design, general) = (
        ChannelId::new(DESIGN).unwrap(),
        ChannelId::new(GENERAL).unwrap(),
    );

    // #design archived: the chat stops and the mapping goes.
    map(&app, &o, DESIGN).await;
    assert!(app.slack.archive_channel("T0DEMO", DESIGN, ALICE));
    let n = told_n(&app, STOPPED, 1).await.remove(0);
    assert_eq!(n.data["reason"], "archived");
    assert_eq!(n.data["channel"]["id"], DESIGN);
    assert_eq!(n.data["room"]["room_id"], o.hall.as_str());
    assert!(channels.route(&demo(), &design).await.unwrap().is_none());

    // #general: the app removed. The chat stops, the mapping stays (so
    // `/hallway` there still calls the room); messages no longer arrive.
    map(&app, &o, GENERAL).await;
    assert!(app.slack.remove_from_channel("T0DEMO", GENERAL, BOT, ALICE));
    let n = told_n(&app, STOPPED, 2).await.remove(1);
    assert_eq!(n.data["reason"], "removed");
    assert!(channels.route(&demo(), &general).await.unwrap().is_some());
    let (_, listed) = app
        .api_ok::<ChannelHistory>(
            Method::GET,
            &path(&o, GENERAL, "/messages"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(listed.channel.chat, model::ChatState::Stopped);

    // Mapped again: the app is back and the chat live; then unmapped from
    // the office: stopped, told, and later messages are not bridged.
    let chat = map(&app, &o, GENERAL).await;
    assert!(chat.live, "{chat:?}");
    app.slack
        .post_as("T0DEMO", GENERAL, BOB, "still there?", None);
    told_n(&app, MESSAGES, 1).await;
    let (code, unmapped) = app
        .api_ok::<model::ChannelUnmapped>(
            Method::DELETE,
            &path(&o, GENERAL, "/mapping"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{unmapped:?}");
    assert!(unmapped.chat_stopped);
    let n = told_n(&app, STOPPED, 3).await.remove(2);
    assert_eq!(n.data["reason"], "unmapped");
    app.slack.post_as("T0DEMO", GENERAL, BOB, "hello?", None);
    app.drained().await;
    assert_eq!(told(&app, MESSAGES).len(), 1, "nothing after the unmapping");
    assert_eq!(told(&app, STOPPED).len(), 3, "each stop told once");
    // Unmapping again: not mapped.
    let (code, _) = app
        .api_err(
            Method::DELETE,
            &path(&o, GENERAL, "/mapping"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn people_sync_says_who_chats_in_channels_and_who_must_link_again() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Bob linked before channel chat: DMs only.
    hallway_tests::demo::link_with_token(&app, "bo", BOB, &["chat:write", "im:history"]).await;
    let (code, list) = app
        .api_ok::<model::SyncList>(
            Method::GET,
            &format!("/api/v1/spaces/{}/sync?type=chat", o.hq),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{list:?}");
    let row = |id: &str| {
        list.people
            .iter()
            .find(|p| p.slack_user_id.as_ref().map(|u| u.as_str()) == Some(id))
            .unwrap_or_else(|| panic!("{id} in {list:?}"))
            .clone()
    };
    let (alice, bob) = (row(ALICE), row(BOB));
    assert_eq!((alice.kind, alice.reason), (model::LinkType::Chat, None));
    assert_eq!(bob.kind, model::LinkType::Chat);
    assert!(
        bob.reason.as_deref().unwrap().contains("DMs only"),
        "{bob:?}"
    );
}

/// A private channel of Bob and Carol's: Alice (Ada) is not in it.
fn secret_channel(app: &TestApp) -> &'static str {
    app.slack.with_world(|w| {
        let team = w.teams.get_mut("T0DEMO").unwrap();
        team.channels.insert(
            "G0SECRET".into(),
            hallway_fake_slack::world::Channel {
                id: "G0SECRET".into(),
                name: "secret".into(),
                is_private: true,
                is_im: false,
                is_mpim: false,
                is_ext_shared: false,
                im_user: None,
                members: vec![BOB.into(), CAROL.into(), BOT.into()],
                messages: Vec::new(),
                created: 1_600_000_000,
                is_archived: false,
            },
        );
    });
    "G0SECRET"
}

#[tokio::test]
async fn nobody_reads_follows_or_maps_a_channel_slack_does_not_show_them() {
    let Some((app, o)) = app().await else {
        return;
    };
    let secret = secret_channel(&app);
    // Something of it is stored (the bot is in it; Bob wrote there).
    app.services
        .chat()
        .record(&hallway::store::ChatMessage {
            team_id: demo(),
            channel_id: ChannelId::new(secret).unwrap(),
            ts: MessageTs::new("1732440000.000100").unwrap(),
            user: Some(hallway::ids::UserId::new(BOB).unwrap()),
            text: "salaries".into(),
            thread_ts: None,
            edited_ts: None,
            deleted: false,
            source: hallway::store::chat::Source::Slack,
            received_at: 0,
            edited_us: 0,
            notified: true,
            files: Vec::new(),
            broadcast: false,
            office_user: None,
        })
        .await
        .unwrap();
    // This minute's history budget is spent, so Slack's history would not
    // be asked (and could not refuse) again.
    let (code, _) = app
        .api_ok::<ChannelHistory>(
            Method::GET,
            &path(&o, GENERAL, "/messages"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 200);
    app.slack.clear_calls();
    // Ada is linked but not in it: Slack is asked with her token, and the
    // stored copy is not shown, whatever the budget or cursor.
    for path_end in ["/messages", "/messages?before=1732440001.000000"] {
        let (code, err) = app
            .api_err(
                Method::GET,
                &path(&o, secret, path_end),
                Some(&ada(&app, &o)),
                None,
            )
            .await;
        assert_eq!(code, 409, "{path_end}: {err:?}");
        assert!(err.error.contains("not in this channel"), "{err:?}");
    }
    let (code, _) = app
        .api_err(
            Method::POST,
            &path(&o, secret, "/chat"),
            Some(&ada(&app, &o)),
            None,
        )
        .await;
    assert_eq!(code, 409);
    let followed = app
        .services
        .chat()
        .conversation(&demo(), &ChannelId::new(secret).unwrap())
        .await
        .unwrap();
    assert!(
        followed.as_ref().is_none_or(|c| c.office_users.is_empty()),
        "{followed:?}"
    );
    // Nor can she map it to a room (the mapping would open it to the
    // space's members through the app).
    let (code, err) = app
        .api_err(
            Method::PUT,
            &path(&o, secret, "/mapping"),
            Some(&ada(&app, &o)),
            Some(json!({"room_id": o.hall})),
        )
        .await;
    assert_eq!(code, 404, "{err:?}");
    // Someone not linked maps nothing; a channel that is another space's
    // room chat is not taken over.
    let zed = app.token("zed", &[(&o.hq, Role::Member)]);
    let (code, err) = app
        .api_err(
            Method::PUT,
            &path(&o, DESIGN, "/mapping"),
            Some(&zed),
            Some(json!({"room_id": o.hall})),
        )
        .await;
    assert_eq!(code, 409, "{err:?}");
    assert!(err.error.contains("link your Slack account"), "{err:?}");
    map(&app, &o, DESIGN).await;
    let (code, other) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token("ada", &[])),
            Some(json!({"name": "Annex"})),
        )
        .await;
    assert_eq!(code, 201);
    app.services
        .spaces()
        .connect(&other.id, &demo())
        .await
        .unwrap();
    let room = app
        .services
        .spaces()
        .add_room(&other.id, "Nook", 4)
        .await
        .unwrap();
    let (code, err) = app
        .api_err(
            Method::PUT,
            &format!("/api/v1/spaces/{}/channels/{DESIGN}/mapping", other.id),
            Some(&app.token("ada", &[(&other.id, Role::Admin)])),
            Some(json!({"room_id": room.id})),
        )
        .await;
    assert_eq!(code, 409, "{err:?}");
    assert!(err.error.contains("another space"), "{err:?}");
    let route = app
        .services
        .channels()
        .route(&demo(), &ChannelId::new(DESIGN).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(route.space_id, o.hq, "still HQ's");
}
