//! Every signed sample in `events/events/`, posted (signed anew) into the
//! running bundle with its worker, in the order a workspace's day could
//! bring them; after each, the stored state and the calls the fake Slack
//! recorded say the event did its work; a Slack retry of each changes
//! nothing.

use hallway::ids::{ChannelId, MessageTs};
use hallway::store::installations::InstallStatus;
use hallway_tests::{TestApp, eventually};

use hallway_tests::demo::bridged_office;
use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, DAVE, DESIGN, from_app, post_event, sample_body, user};

/// A sample as Slack would send it now (`event_time` now: lifecycle events
/// older than the installation change nothing).
fn dated(app: &TestApp, name: &str) -> String {
    let mut body: serde_json::Value = serde_json::from_str(&sample_body(name)).unwrap();
    if body.get("event_time").is_some() {
        body["event_time"] = app.now_secs().into();
    }
    body.to_string()
}

async fn send(app: &TestApp, name: &str, want: &str) {
    let body = dated(app, name);
    assert_eq!(post_event(app, &body, false).await, want, "{name}");
    app.drained().await;
    // Slack's retry of the same delivery: acknowledged, not redone.
    if want == "queued" {
        assert_eq!(post_event(app, &body, true).await, "duplicate", "{name}");
    }
}

#[tokio::test]
async fn every_event_sample_does_its_work_once() {
    let Some((app, o)) = bridged_office(&["links:read", "links:write"]).await else {
        return;
    };
    let s = &app.services;
    // #design meets in a room named after it; the bot is in it.
    let room = s.spaces().add_room(&o.hq, "design", 6).await.unwrap();
    s.channels()
        .map(
            &demo(),
            &ChannelId::new(DESIGN).unwrap(),
            Some("design"),
            &o.hq,
            &room.id,
            None,
        )
        .await
        .unwrap();
    assert!(app.slack.join_channel("T0DEMO", DESIGN, "U0DEMOBOT"));
    let directory = s.directory();

    send(&app, "url_verification.json", "").await;
    send(&app, "unknown_event.json", "ignored").await;

    send(&app, "team_join.json", "queued").await;
    let dana = directory
        .get(&demo(), &user("U0DEMO09"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dana.real_name, "Dana Scully");
    send(&app, "user_change.json", "queued").await;
    let bob = directory
        .get(&demo(), &user("U0DEMO02"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob.display_name, "Bobby");
    // Alice authorized hallway (`is_app_user`) and her profile came with
    // `fields: []`: still a person, renamed.
    send(&app, "user_change_fields_array.json", "queued").await;
    let alice = directory.get(&demo(), &user(ALICE)).await.unwrap().unwrap();
    assert_eq!(alice.label(), "Ali");
    assert!(alice.is_person());
    send(&app, "user_change_deactivated.json", "queued").await;
    assert!(
        directory
            .get(&demo(), &user("U0DEMO09"))
            .await
            .unwrap()
            .unwrap()
            .deleted
    );

    let chat = s.chat();
    let dm = ChannelId::new("D0ALICEBOB").unwrap();
    let ts = MessageTs::new("1732438980.000500").unwrap();
    send(&app, "message_im.json", "queued").await;
    assert_eq!(
        chat.message(&demo(), &dm, &ts).await.unwrap().unwrap().text,
        "Are you in the Kitchen room?"
    );
    send(&app, "message_changed.json", "queued").await;
    assert_eq!(
        chat.message(&demo(), &dm, &ts).await.unwrap().unwrap().text,
        "Are you in the Hall?"
    );
    send(&app, "message_deleted.json", "queued").await;
    assert!(
        chat.message(&demo(), &dm, &ts)
            .await
            .unwrap()
            .unwrap()
            .deleted
    );
    send(&app, "message_to_app.json", "queued").await;
    send(&app, "message_from_bot.json", "ignored").await;
    send(&app, "message_file_share.json", "queued").await;
    let file_ts = MessageTs::new("1732439100.000700").unwrap();
    let shared = chat.message(&demo(), &dm, &file_ts).await.unwrap().unwrap();
    assert_eq!(shared.text, "The plan for Friday");
    assert_eq!(shared.files[0].name.as_deref(), Some("plan.pdf"));
    send(&app, "message_thread_broadcast.json", "queued").await;
    let reply = chat
        .message(&demo(), &dm, &MessageTs::new("1732439160.000800").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(reply.broadcast);
    assert_eq!(reply.thread_ts.as_ref(), Some(&file_ts));
    // An unfurl attached to it: not an edit, acknowledged and dropped.
    send(&app, "message_changed_unfurl.json", "ignored").await;
    let told: Vec<String> = app
        .office
        .as_ref()
        .unwrap()
        .accepted()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        told,
        [
            "chat.message",
            "chat.message_changed",
            "chat.message_deleted",
            "chat.message",
            "chat.message",
            "chat.message"
        ]
    );

    // The samples' links point at hallway.example.com, not this bundle:
    // nothing of ours to unfurl, so Slack is not called.
    send(&app, "link_shared.json", "queued").await;
    send(&app, "link_shared_enterprise.json", "queued").await;
    assert!(app.slack.calls_to("chat.unfurl").is_empty());

    send(&app, "member_joined_channel.json", "queued").await;
    let welcome = from_app(&app, DAVE);
    assert_eq!(welcome.len(), 1, "{welcome:?}");
    assert!(welcome[0].text.contains("meets in design (HQ)"));

    // A mapped private channel shared with another organisation: G… → C….
    s.channels()
        .map(
            &demo(),
            &ChannelId::new("G0PRIVATE").unwrap(),
            Some("private"),
            &o.hq,
            &room.id,
            None,
        )
        .await
        .unwrap();
    send(&app, "channel_id_changed.json", "queued").await;
    let moved = s
        .channels()
        .route(&demo(), &ChannelId::new("C0PRIVATE").unwrap())
        .await
        .unwrap()
        .expect("the mapping moved to the new id");
    assert_eq!(moved.room_id, room.id);

    send(&app, "channel_rename.json", "queued").await;
    let renamed = s.spaces().room(&o.hq, &room.id).await.unwrap().unwrap();
    assert_eq!(renamed.name, "design-crit");

    send(&app, "app_home_opened.json", "queued").await;
    let home = app
        .slack
        .home_view("T0DEMO", ALICE)
        .expect("Alice's Home tab");
    assert_eq!(home["blocks"][0]["text"]["text"], "HQ (default)");

    // Channel chat: #design (mapped, the bot in it) is the room's chat; a
    // private channel mapped too (G0LEADS).
    let leads = ChannelId::new("G0LEADS").unwrap();
    s.channels()
        .map(&demo(), &leads, Some("leads"), &o.hq, &room.id, None)
        .await
        .unwrap();
    let design = ChannelId::new(DESIGN).unwrap();
    send(&app, "message_channels.json", "queued").await;
    let crit = MessageTs::new("1732439600.000900").unwrap();
    assert_eq!(
        chat.message(&demo(), &design, &crit)
            .await
            .unwrap()
            .unwrap()
            .text,
        "Crit at 3 in the design room?"
    );
    send(&app, "message_channels_reply.json", "queued").await;
    let reply = chat
        .message(
            &demo(),
            &design,
            &MessageTs::new("1732439660.001000").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.thread_ts.as_ref(), Some(&crit));
    send(&app, "message_groups.json", "queued").await;
    assert!(
        chat.message(
            &demo(),
            &leads,
            &MessageTs::new("1732439720.001100").unwrap()
        )
        .await
        .unwrap()
        .is_some()
    );
    // Someone else leaving changes nothing; the app removed from, then the
    // archiving and deletion of, each channel stop its chat once.
    send(&app, "member_left_channel.json", "queued").await;
    send(&app, "group_left.json", "queued").await;
    send(&app, "group_archive.json", "queued").await;
    send(&app, "group_deleted.json", "queued").await;
    assert!(s.channels().route(&demo(), &leads).await.unwrap().is_none());
    send(&app, "channel_left.json", "queued").await;
    assert!(
        s.channels()
            .route(&demo(), &design)
            .await
            .unwrap()
            .is_some()
    );
    send(&app, "channel_archive.json", "queued").await;
    assert!(
        s.channels()
            .route(&demo(), &design)
            .await
            .unwrap()
            .is_none()
    );
    send(&app, "channel_deleted.json", "queued").await;
    let stops: Vec<(String, String)> = app
        .office
        .as_ref()
        .unwrap()
        .accepted()
        .into_iter()
        .filter(|n| n.kind.starts_with("chat.channel"))
        .map(|n| {
            let what = n.data["reason"]
                .as_str()
                .or(n.data["text"].as_str())
                .unwrap_or_default()
                .to_owned();
            (n.kind, what)
        })
        .collect();
    assert_eq!(
        stops,
        [
            (
                "chat.channel_message".to_owned(),
                "Crit at 3 in the design room?".to_owned()
            ),
            (
                "chat.channel_message".to_owned(),
                "I'll bring the boards".to_owned()
            ),
            (
                "chat.channel_message".to_owned(),
                "Budget review moved to Thursday".to_owned()
            ),
            (
                "chat.channel_bridge_stopped".to_owned(),
                "removed".to_owned()
            ),
            (
                "chat.channel_bridge_stopped".to_owned(),
                "removed".to_owned()
            ),
        ]
    );

    // A workflow's "Invite to a hallway room" step: Bob is invited to
    // the Kitchen with the workflow's note. The fake ran no such
    // execution and knows no such token: completing it is refused as a
    // dead workflow token, which ends the job without a retry.
    send(&app, "function_executed.json", "queued").await;
    let invited = from_app(&app, "U0DEMO02");
    assert!(
        invited.iter().any(|m| m
            .text
            .starts_with("A workflow has invited you to meet in Kitchen")),
        "{invited:?}"
    );
    let completed = app.slack.calls_to("functions.completeSuccess");
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0].params["outputs"]["reached"], 1);
    assert!(
        !format!("{:?}", app.all_items().await).contains("sample-workflow-token"),
        "the workflow token is stored sealed"
    );

    // An Enterprise Grid organisation's own events (no workspace in the
    // envelope): acknowledged and queued under the organisation; hallway
    // has no install of E0GRID here, so nothing of Acme's changes
    // (tests/e2e/grid.rs runs them against an organisation).
    send(&app, "team_access_granted.json", "queued").await;
    send(&app, "team_access_revoked.json", "queued").await;
    send(&app, "app_uninstalled_org.json", "queued").await;
    assert!(
        s.installations()
            .get(&demo())
            .await
            .unwrap()
            .is_some_and(|i| i.is_active())
    );

    // Alice removes her own authorization: her token only; the workspace
    // stays connected.
    send(&app, "tokens_revoked_user.json", "queued").await;
    assert!(
        s.installations()
            .get(&demo())
            .await
            .unwrap()
            .is_some_and(|i| i.is_active())
    );
    send(&app, "tokens_revoked.json", "queued").await;
    send(&app, "app_uninstalled.json", "queued").await;
    send(&app, "app_uninstalled_retry.json", "duplicate").await;
    let installation = s.installations().get(&demo()).await.unwrap();
    assert!(
        installation.is_none_or(|i| i.status != InstallStatus::Active),
        "the bot token is gone"
    );
    eventually("the space disconnected", || async {
        s.spaces()
            .get(&o.hq)
            .await
            .unwrap()
            .is_some_and(|sp| !sp.connected)
    })
    .await;
    // Every Slack call the samples caused succeeded (but completing the
    // workflow step the fake never ran, above).
    assert!(
        app.slack
            .calls()
            .iter()
            .filter(|c| c.method != "events.deliver" && c.method != "functions.completeSuccess")
            .all(|c| c.status == 200 && c.error.is_none()),
        "{:?}",
        app.slack.calls()
    );
}
