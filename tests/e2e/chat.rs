//! Bridged DMs end to end: people write to each other (or to the app) on
//! the fake Slack, which delivers the `message.im` events, signed, to the
//! bundle's webhook as Slack would (through a linked person's user-token
//! subscription, or the bot's); the worker stores the message and tells an
//! office receiver that verifies every delivery and refuses replays. Edits
//! and deletions follow; failures of the office are retried with the same
//! delivery id; unlinked senders are prompted once a day when the space
//! asks for it.

use hallway::ids::{ChannelId, MessageTs, UserId};
use hallway::office_webhook::Notification;
use hallway::secrets::Secret;
use hallway::slack::messages::SYNC_ACTION;
use hallway::store::chat::{ConversationKind, Source};
use hallway::store::sync::SyncStatus;
use hallway::store::{ChatMessage, Role};
use hallway_api::model;
use hallway_tests::demo::slack;
use hallway_tests::office::OfficeReceiver;
use hallway_tests::{TestApp, body as wire, eventually, eventually_within};
use http::Method;
use serde_json::{Value, json};
use std::time::Duration;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, BOB, BOT, CAROL, DAVE, from_app, post_event, sample_body};
use hallway_tests::demo::{Office, bridged_office, link_ada_with_token};

/// The demo office with the bridge on and Alice (office user `ada`)
/// linked with a user token that subscribes to her DMs.
async fn bridged() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    link_ada_with_token(&app, &["im:history", "im:read", "chat:write"]).await;
    Some((app, o))
}

fn receiver(app: &TestApp) -> &OfficeReceiver {
    app.office.as_ref().expect("the bridge is on")
}

/// A person's own Slack token, to write as them.
fn person(app: &TestApp, user: &str) -> Secret {
    Secret::new(app.slack.issue_user_token("T0DEMO", user, &["chat:write"]))
}

/// Writes `text` to `to` (a user id or a DM id); returns (channel, ts).
async fn say(app: &TestApp, token: &Secret, to: &str, text: &str) -> (ChannelId, MessageTs) {
    let reply = slack(
        app,
        token,
        "chat.postMessage",
        json!({"channel": to, "text": text}),
    )
    .await;
    (
        ChannelId::new(reply["channel"].as_str().unwrap()).unwrap(),
        MessageTs::new(reply["ts"].as_str().unwrap()).unwrap(),
    )
}

async fn told(app: &TestApp, n: usize) -> Vec<Notification> {
    let office = receiver(app);
    eventually(&format!("the office to be told {n} times"), || async {
        office.accepted().len() >= n
    })
    .await;
    office.accepted()
}

async fn stored(app: &TestApp, channel: &ChannelId, ts: &MessageTs) -> Option<ChatMessage> {
    app.services
        .chat()
        .message(&demo(), channel, ts)
        .await
        .unwrap()
}

fn deliveries(app: &TestApp) -> Vec<u16> {
    app.slack
        .calls_to("events.deliver")
        .iter()
        .map(|c| c.status)
        .collect()
}

#[tokio::test]
async fn a_dm_to_a_linked_person_is_stored_and_the_office_is_told_then_edits_and_deletions_follow()
{
    let Some((app, _)) = bridged().await else {
        return;
    };
    let bob = person(&app, BOB);
    let (dm, ts) = say(&app, &bob, ALICE, "Are you in the Kitchen?").await;

    let n = told(&app, 1).await.remove(0);
    assert_eq!(n.kind, "chat.message");
    assert_eq!(n.team_id, demo());
    assert_eq!(n.data["channel_id"], dm.as_str());
    assert_eq!(n.data["ts"], ts.as_str());
    assert_eq!(n.data["user"], BOB);
    assert_eq!(n.data["text"], "Are you in the Kitchen?");
    assert_eq!(n.data["from_office_user"], Value::Null, "Bob is not linked");
    let conversation = &n.data["conversation"];
    assert_eq!(conversation["kind"], "people");
    assert_eq!(conversation["members"], json!([ALICE, BOB]));
    assert_eq!(conversation["office_users"], json!(["ada"]));

    let copy = stored(&app, &dm, &ts).await.expect("stored");
    assert_eq!(copy.text, "Are you in the Kitchen?");
    assert_eq!(copy.source, Source::Slack);
    // The worker marks the copy once the office has answered, so the mark
    // can land just after the office saw the notification.
    app.eventually("the copy is marked notified", || async {
        stored(&app, &dm, &ts).await.is_some_and(|m| m.notified)
    })
    .await;
    let c = app
        .services
        .chat()
        .conversation(&demo(), &dm)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.kind, ConversationKind::People);

    // Alice answers in the same DM: known conversation, from `ada`.
    let alice = Secret::new(app.slack.issue_user_token("T0DEMO", ALICE, &["chat:write"]));
    let (_, reply_ts) = say(&app, &alice, dm.as_str(), "Yes, come over").await;
    let n = told(&app, 2).await.remove(1);
    assert_eq!(n.data["user"], ALICE);
    assert_eq!(n.data["from_office_user"], "ada");
    assert_eq!(n.data["ts"], reply_ts.as_str());

    // Bob edits his message: the stored copy follows, the office hears.
    slack(
        &app,
        &bob,
        "chat.update",
        json!({"channel": dm.as_str(), "ts": ts.as_str(), "text": "Are you in the Hall?"}),
    )
    .await;
    let n = told(&app, 3).await.remove(2);
    assert_eq!(n.kind, "chat.message_changed");
    assert_eq!(n.data["text"], "Are you in the Hall?");
    assert_eq!(n.data["ts"], ts.as_str());
    let copy = stored(&app, &dm, &ts).await.unwrap();
    assert_eq!(copy.text, "Are you in the Hall?");
    assert!(copy.edited_ts.is_some());
    assert_eq!(
        n.data["edited_ts"],
        copy.edited_ts.as_ref().unwrap().as_str()
    );

    // …then deletes it: marked deleted, the text gone.
    slack(
        &app,
        &bob,
        "chat.delete",
        json!({"channel": dm.as_str(), "ts": ts.as_str()}),
    )
    .await;
    let n = told(&app, 4).await.remove(3);
    assert_eq!(n.kind, "chat.message_deleted");
    assert_eq!(n.data["deleted"], true);
    let copy = stored(&app, &dm, &ts).await.unwrap();
    assert!(copy.deleted);
    assert_eq!(copy.text, "");

    app.drained().await;
    assert_eq!(receiver(&app).accepted().len(), 4, "nothing told twice");
    assert!(
        deliveries(&app).iter().all(|s| *s == 200),
        "{:?}",
        deliveries(&app)
    );
    let ids: std::collections::HashSet<String> = receiver(&app)
        .accepted()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids.len(), 4, "every notification has its own id");
}

#[tokio::test]
async fn a_linked_persons_first_message_finds_out_who_the_dm_is_with() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    // Alice starts a DM with Carol: the event names only Alice, so the
    // worker asks Slack (with Alice's token) who else is in it.
    let alice = Secret::new(app.slack.issue_user_token("T0DEMO", ALICE, &["chat:write"]));
    let (dm, _) = say(&app, &alice, CAROL, "Lunch at 12?").await;
    let n = told(&app, 1).await.remove(0);
    assert_eq!(n.data["from_office_user"], "ada");
    assert_eq!(n.data["conversation"]["members"], json!([ALICE, CAROL]));
    let info = app.slack.calls_to("conversations.info");
    assert_eq!(info.len(), 1, "{info:?}");
    assert_eq!(info[0].params["channel"], dm.as_str());

    // Known from then on: Carol's answer needs no second look-up.
    let carol = person(&app, CAROL);
    say(&app, &carol, dm.as_str(), "Sure").await;
    told(&app, 2).await;
    assert_eq!(app.slack.calls_to("conversations.info").len(), 1);
}

#[tokio::test]
async fn the_office_receiver_refuses_a_replayed_or_tampered_delivery() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    let bob = person(&app, BOB);
    say(&app, &bob, ALICE, "ping").await;
    told(&app, 1).await;
    let office = receiver(&app);
    let (headers, body) = office.last_request();
    assert!(
        headers["x-hallway-signature"]
            .to_str()
            .unwrap()
            .starts_with("v1=")
    );

    let resend = |body: Vec<u8>| {
        let mut req = app.http.post(&office.url).body(body);
        for (k, v) in headers.iter() {
            req = req.header(k, v);
        }
        req.send()
    };
    // The same request again, byte for byte: a replay.
    assert_eq!(resend(body.to_vec()).await.unwrap().status(), 409);
    // The body changed under the same signature.
    let tampered = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("ping", "pong");
    assert_eq!(resend(tampered.into_bytes()).await.unwrap().status(), 401);
    assert_eq!(office.accepted().len(), 1);
    assert_eq!(office.accepted()[0].data["text"], "ping");
}

#[tokio::test]
async fn a_failing_office_is_retried_with_backoff_and_the_same_delivery_id() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    let office = receiver(&app);
    office.fail_next(1);
    let bob = person(&app, BOB);
    let (dm, ts) = say(&app, &bob, ALICE, "are you there?").await;

    // Stored at once; the office hears after the first backoff (5 s).
    eventually("the message stored", || async {
        stored(&app, &dm, &ts).await.is_some()
    })
    .await;
    eventually_within("the retry", Duration::from_secs(30), || async {
        office.accepted().len() == 1
    })
    .await;
    assert_eq!(office.answers(), vec![503, 204]);
    let ids: Vec<String> = office
        .raw_requests()
        .iter()
        .map(|(h, _)| h["x-hallway-delivery"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "a retry carries the same delivery id");
    assert_eq!(office.accepted()[0].id, ids[0]);
    app.drained().await;
    assert_eq!(office.answers().len(), 2, "no retry after success");
}

#[tokio::test]
async fn bots_messages_are_never_bridged_so_the_app_cannot_answer_itself() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    // The app's bot DMs Carol (as an invite would)…
    let bot = app.services.bot_token(&demo()).await.unwrap();
    let (bot_dm, bot_ts) = say(&app, &bot, CAROL, "Ada invited you to Kitchen").await;
    eventually("the bot's message delivered", || async {
        !app.slack.calls_to("events.deliver").is_empty()
    })
    .await;
    // …and Carol writes back to it.
    let carol = person(&app, CAROL);
    let (dm, ts) = say(&app, &carol, BOT, "how do I get in?").await;
    assert_eq!(dm, bot_dm, "the same DM with the app");
    let n = told(&app, 1).await.remove(0);
    assert_eq!(n.data["ts"], ts.as_str());
    assert_eq!(n.data["conversation"]["kind"], "app");
    assert_eq!(n.data["conversation"]["members"], json!([CAROL]));

    app.drained().await;
    assert_eq!(deliveries(&app), vec![200, 200], "both were delivered");
    assert!(
        stored(&app, &bot_dm, &bot_ts).await.is_none(),
        "the bot's own message is not stored"
    );
    assert_eq!(receiver(&app).accepted().len(), 1);
}

async fn auto_prompt(app: &TestApp, o: &Office, on: bool) {
    let (code, body) = app
        .api_ok::<model::Space>(
            Method::PATCH,
            &format!("/api/v1/spaces/{}/settings", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            wire(&model::SettingsChange {
                auto_prompt: Some(on),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    assert_eq!(body.settings.auto_prompt, on, "{body:?}");
}

#[tokio::test]
async fn an_unlinked_sender_is_prompted_to_sync_once_a_day_when_the_space_asks() {
    let Some((app, o)) = bridged().await else {
        return;
    };
    // Off (the default): Dave writes to the app and is not prompted.
    let dave = person(&app, DAVE);
    say(&app, &dave, BOT, "hello?").await;
    told(&app, 1).await;
    app.drained().await;
    assert!(from_app(&app, DAVE).is_empty());
    assert!(
        app.services
            .sync()
            .get(&demo(), &UserId::new(DAVE).unwrap())
            .await
            .unwrap()
            .is_none()
    );

    auto_prompt(&app, &o, true).await;
    // Bob (not linked) writes to Alice (linked): a "Sync now" DM.
    let bob = person(&app, BOB);
    say(&app, &bob, ALICE, "hi Alice").await;
    told(&app, 2).await;
    eventually("Bob prompted", || async { !from_app(&app, BOB).is_empty() }).await;
    let prompt = from_app(&app, BOB).remove(0);
    let button = &prompt.blocks.as_ref().unwrap()[0]["accessory"];
    assert_eq!(button["action_id"], SYNC_ACTION);
    assert!(
        button["url"]
            .as_str()
            .unwrap()
            .ends_with("/slack/login?team=T0DEMO"),
        "{button}"
    );
    assert!(prompt.text.contains("Connect your Slack account"));
    let state = app
        .services
        .sync()
        .get(&demo(), &UserId::new(BOB).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.status, SyncStatus::Pending);

    // More messages the same day: no second prompt.
    say(&app, &bob, ALICE, "still there?").await;
    say(&app, &bob, BOT, "and you, app?").await;
    told(&app, 4).await;
    app.drained().await;
    assert_eq!(from_app(&app, BOB).len(), 1, "at most once a day");

    // (A day later he may be asked again: `store::sync`'s unit test moves
    // the clock; here the fake signs with the real time, so it cannot.)

    // Alice is linked: never prompted, however much she writes.
    let alice = Secret::new(app.slack.issue_user_token("T0DEMO", ALICE, &["chat:write"]));
    say(&app, &alice, BOB, "see you").await;
    told(&app, 5).await;
    app.drained().await;
    assert!(from_app(&app, ALICE).is_empty());
}

#[tokio::test]
async fn signed_message_samples_store_edit_and_delete_and_a_retry_changes_nothing() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    let body = sample_body;
    let post = |name: &'static str, retry: bool| {
        let app = &app;
        async move { post_event(app, &sample_body(name), retry).await }
    };
    let dm = ChannelId::new("D0ALICEBOB").unwrap();
    let ts = MessageTs::new("1732438980.000500").unwrap();

    assert_eq!(post("message_im.json", false).await, "queued");
    told(&app, 1).await;
    // Slack retries the same event: claimed already, nothing new.
    assert_eq!(post("message_im.json", true).await, "duplicate");
    app.drained().await;
    assert_eq!(receiver(&app).accepted().len(), 1);
    assert_eq!(
        stored(&app, &dm, &ts).await.unwrap().text,
        "Are you in the Kitchen room?"
    );

    assert_eq!(post("message_changed.json", false).await, "queued");
    told(&app, 2).await;
    assert_eq!(
        stored(&app, &dm, &ts).await.unwrap().text,
        "Are you in the Hall?"
    );
    assert_eq!(post("message_deleted.json", false).await, "queued");
    told(&app, 3).await;
    assert!(stored(&app, &dm, &ts).await.unwrap().deleted);
    // The edit again, after the deletion (as a late redelivery with a new
    // event id would bring it): the deletion stands.
    let late = body("message_changed.json").replace("Ev08MSG0BOB2", "Ev08MSG0BOB9");
    let resp = app
        .post_signed("/slack/events", "application/json", &late, &[])
        .await;
    assert_eq!(resp.status(), 200);
    app.drained().await;
    let copy = stored(&app, &dm, &ts).await.unwrap();
    assert!(copy.deleted);
    assert_eq!(copy.text, "");
    assert_eq!(receiver(&app).accepted().len(), 3);

    // Carol's DM to the app, and our own bot's message (ignored).
    assert_eq!(post("message_to_app.json", false).await, "queued");
    let n = told(&app, 4).await.remove(3);
    assert_eq!(n.data["conversation"]["kind"], "app");
    assert_eq!(post("message_from_bot.json", false).await, "ignored");
    app.drained().await;
    assert_eq!(receiver(&app).accepted().len(), 4);
}

/// Slack names one authorization that can see an event, not which
/// (docs.slack.dev/apis/events-api): Alice, linked with `im:history`,
/// writing in the app's Messages tab is delivered now under the bot's
/// authorization, now under hers. Either way it is a conversation with the
/// app, and the bot is never listed as a person in it.
#[tokio::test]
async fn a_dm_with_the_app_is_a_conversation_with_the_app_whichever_authorization_came() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    // Dave links too; both write to the app, each conversation new.
    hallway_tests::demo::link_with_token(
        &app,
        "dan",
        DAVE,
        &["im:history", "im:read", "chat:write"],
    )
    .await;
    let alice = Secret::new(app.slack.issue_user_token("T0DEMO", ALICE, &["chat:write"]));
    let dave = Secret::new(app.slack.issue_user_token("T0DEMO", DAVE, &["chat:write"]));
    say(&app, &alice, BOT, "hello app").await;
    told(&app, 1).await;
    say(&app, &dave, BOT, "me too").await;
    let told = told(&app, 2).await;
    for (n, who) in told.iter().zip([ALICE, DAVE]) {
        let c = &n.data["conversation"];
        assert_eq!(c["kind"], "app", "{n:?}");
        assert_eq!(c["members"], json!([who]), "{n:?}");
    }
    // The fake did vary the authorization: the bot's, then Dave's own.
    let mut under: Vec<String> = app
        .slack
        .calls_to("events.deliver")
        .iter()
        .map(|c| c.params["authorization"].as_str().unwrap().to_owned())
        .collect();
    under.sort();
    assert_eq!(under, [DAVE, BOT]);
}

/// Files, thread replies and "also send to channel" carry people's words:
/// each is bridged with what the office needs (file names and links, the
/// thread), and a file Slack sends as an id only (`check_file_info`, Slack
/// Connect) is read with `files.info`. An unfurl added to a message is not
/// an edit.
#[tokio::test]
async fn files_threads_and_broadcasts_are_bridged_and_unfurls_are_not_edits() {
    let Some((app, _)) = bridged().await else {
        return;
    };
    link_ada_with_token(&app, &["im:history", "im:read", "chat:write", "files:read"]).await;
    let bob = person(&app, BOB);
    let (dm, root) = say(&app, &bob, ALICE, "the plan").await;
    told(&app, 1).await;

    // A file with text.
    let (file_ts, file_id) = app
        .slack
        .share_file("T0DEMO", dm.as_str(), BOB, "plan.pdf", "here it is", false)
        .unwrap();
    let n = told(&app, 2).await.remove(1);
    assert_eq!(n.kind, "chat.message");
    assert_eq!(n.data["ts"], file_ts.as_str());
    assert_eq!(n.data["text"], "here it is");
    assert_eq!(n.data["files"][0]["id"], file_id.as_str());
    assert_eq!(n.data["files"][0]["name"], "plan.pdf");
    assert!(
        n.data["files"][0]["permalink"]
            .as_str()
            .unwrap()
            .contains(&file_id)
    );

    // A thread reply, then one also sent to the conversation.
    let reply = slack(
        &app,
        &bob,
        "chat.postMessage",
        json!({"channel": dm.as_str(), "text": "in the thread", "thread_ts": root.as_str()}),
    )
    .await;
    let n = told(&app, 3).await.remove(2);
    assert_eq!(n.data["thread_ts"], root.as_str());
    assert_eq!(n.data["ts"], reply["ts"]);
    assert_eq!(n.data["broadcast"], false);
    slack(
        &app,
        &bob,
        "chat.postMessage",
        json!({"channel": dm.as_str(), "text": "for everyone", "thread_ts": root.as_str(), "reply_broadcast": true}),
    )
    .await;
    let n = told(&app, 4).await.remove(3);
    assert_eq!(n.data["text"], "for everyone");
    assert_eq!(n.data["thread_ts"], root.as_str());
    assert_eq!(n.data["broadcast"], true);

    // Slack Connect: only the file's id; its name comes from files.info.
    let (_, connect_id) = app
        .slack
        .share_file("T0DEMO", dm.as_str(), BOB, "budget.xlsx", "", true)
        .unwrap();
    let n = told(&app, 5).await.remove(4);
    assert_eq!(n.data["files"][0]["id"], connect_id.as_str());
    assert_eq!(n.data["files"][0]["name"], "budget.xlsx");
    let info = app.slack.calls_to("files.info");
    assert_eq!(info.len(), 1, "{info:?}");
    assert_eq!(info[0].status, 200);

    // Bob edits his first message, then an unfurl is attached to it: one
    // `message_changed` is an edit, the other only adds the unfurl.
    slack(
        &app,
        &bob,
        "chat.update",
        json!({"channel": dm.as_str(), "ts": root.as_str(), "text": "the plan, v2"}),
    )
    .await;
    let n = told(&app, 6).await.remove(5);
    assert_eq!(n.kind, "chat.message_changed");
    let bot = Secret::new(app.slack.issue_bot_token("T0DEMO", &["links:write"]));
    app.slack.with_world(|w| {
        let t = w.teams.get_mut("T0DEMO").unwrap();
        t.channels
            .get_mut(dm.as_str())
            .unwrap()
            .members
            .push(BOT.into());
    });
    slack(
        &app,
        &bot,
        "chat.unfurl",
        json!({"channel": dm.as_str(), "ts": root.as_str(),
               "unfurls": {"https://example.com/plan": {"blocks": [{"type": "divider"}]}}}),
    )
    .await;
    app.eventually("the unfurl's message_changed reaches the app", || async {
        app.slack
            .calls_to("events.deliver")
            .iter()
            .filter(|c| c.params["subtype"] == "message_changed")
            .count()
            == 2
    })
    .await;
    app.drained().await;
    assert_eq!(
        receiver(&app).accepted().len(),
        6,
        "the unfurl told nothing"
    );
    let copy = stored(&app, &dm, &root).await.unwrap();
    assert_eq!(copy.text, "the plan, v2");
}
