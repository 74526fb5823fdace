//! Meeting notices end to end: `/hallway` calls a channel (or invites
//! people) to a room; the office reports presence through its API; when the
//! room empties after people came, the summary (room, who joined, how long)
//! is posted by the bot where the meeting was called, once.

use hallway_api::model::{ErrorBody, RoomList};
use hallway_tests::{AppOptions, TestApp, eventually, spawn_app_with};

use hallway_tests::demo::{ALICE, BOT, GENERAL};
use hallway_tests::demo::{OFFICE_SCOPES, Office, install_demo, office};
use hallway_tests::flaky::FlakyQueue;

async fn setup(app: &TestApp) -> Office {
    let o = office(app).await;
    install_demo(app, &[OFFICE_SCOPES, &["chat:write.public"]].concat()).await;
    app.services
        .users()
        .remember(
            &hallway::ids::OfficeUserId::new("bob").unwrap(),
            Some("Bob Builder"),
            None,
        )
        .await
        .unwrap();
    o
}

async fn presence(app: &TestApp, o: &Office, who: &[&str]) -> u16 {
    // Untyped call: either answer is expected, so each is read as its own
    // type below.
    let (code, body) = hallway_tests::demo::hall_presence(app, o, who).await;
    assert!(code == 200 || code == 503, "{body}");
    let read = match code {
        200 => serde_json::from_value::<RoomList>(body.clone()).map(drop),
        _ => serde_json::from_value::<ErrorBody>(body.clone()).map(drop),
    };
    read.unwrap_or_else(|e| panic!("{code}: {e}: {body}"));
    code
}

fn summaries(app: &TestApp, channel: &str) -> Vec<hallway_fake_slack::Message> {
    app.slack
        .messages("T0DEMO", channel)
        .into_iter()
        .filter(|m| m.user == BOT && m.text.contains("has ended"))
        .collect()
}

/// A meeting called into Hall and not yet ended.
async fn meeting_open(app: &TestApp, o: &Office) -> bool {
    app.services
        .meetings()
        .get(&o.hq, &o.hall)
        .await
        .unwrap()
        .is_some()
}

/// Waits for the summary in #general, and checks it is the only one.
async fn the_summary(app: &TestApp) -> hallway_fake_slack::Message {
    eventually("the summary posted", || async {
        !summaries(app, GENERAL).is_empty()
    })
    .await;
    app.drained().await;
    let posted = summaries(app, GENERAL);
    assert_eq!(posted.len(), 1, "{posted:?}");
    posted.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_channel_call_is_summed_up_in_the_channel_once_the_room_empties() {
    let Some(app) = spawn_app_with(AppOptions::default()).await else {
        return;
    };
    let o = setup(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert_eq!(reply["response_type"], "in_channel", "{reply}");
    // The call is remembered (Hall: largest empty room) by the worker.
    app.eventually("the call's meeting recorded", || meeting_open(&app, &o))
        .await;

    // Nobody has come yet: an empty snapshot ends nothing.
    assert_eq!(presence(&app, &o, &[]).await, 200);
    // Ada arrives, then Bob; 42 minutes later the room empties.
    assert_eq!(presence(&app, &o, &["ada"]).await, 200);
    app.clock.advance_secs(10 * 60);
    assert_eq!(presence(&app, &o, &["ada", "bob"]).await, 200);
    app.clock.advance_secs(32 * 60);
    assert_eq!(presence(&app, &o, &["bob"]).await, 200);
    // Two snapshots of the empty room race: one summary.
    let (a, b) = tokio::join!(presence(&app, &o, &[]), presence(&app, &o, &[]));
    assert_eq!((a, b), (200, 200));

    let posted = the_summary(&app).await;
    assert_eq!(
        posted.text,
        "The meeting in Hall (HQ) has ended: 2 people joined, 42 minutes."
    );
    let blocks = posted.blocks.as_ref().unwrap();
    assert_eq!(
        blocks[1]["elements"][0]["text"],
        format!("Joined: Ada Lovelace and Bob Builder · called by <@{ALICE}>")
    );
    assert!(!meeting_open(&app, &o).await);

    // People in the room again without a new call: no second summary.
    assert_eq!(presence(&app, &o, &["ada"]).await, 200);
    assert_eq!(presence(&app, &o, &[]).await, 200);
    app.drained().await;
    assert_eq!(summaries(&app, GENERAL).len(), 1);
}

#[tokio::test]
async fn invites_typed_in_a_dm_are_summed_up_to_the_caller() {
    let Some(app) = spawn_app_with(AppOptions::default()).await else {
        return;
    };
    let o = setup(&app).await;
    let (reply, _) = app
        .slash(ALICE, "D0ALICEBOB", "<@U0DEMO02|bob> 'HQ' 'Hall'")
        .await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap()
            .starts_with("Inviting 1 person"),
        "{reply}"
    );
    app.drained().await;
    assert_eq!(presence(&app, &o, &["bob"]).await, 200);
    assert_eq!(presence(&app, &o, &[]).await, 200);
    eventually("the summary in Alice's DM with the app", || async {
        app.slack
            .dm_messages("T0DEMO", ALICE)
            .iter()
            .any(|m| m.text.contains("has ended"))
    })
    .await;
    let dm = app.slack.dm_messages("T0DEMO", ALICE);
    let summary = dm.iter().find(|m| m.text.contains("has ended")).unwrap();
    assert_eq!(
        summary.text,
        "The meeting in Hall (HQ) has ended: 1 person joined, under a minute."
    );
}

#[tokio::test]
async fn a_summary_that_cannot_be_queued_is_not_lost() {
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let Some(app) = spawn_app_with(AppOptions {
        wrap_queue: Some(FlakyQueue::controlled(failures.clone())),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let o = setup(&app).await;
    app.slash(ALICE, GENERAL, "").await;
    app.eventually("the call's meeting recorded", || meeting_open(&app, &o))
        .await;
    assert_eq!(presence(&app, &o, &["ada"]).await, 200);
    failures.store(1, std::sync::atomic::Ordering::SeqCst);
    // The queue is down when the room empties: 503, the meeting kept…
    assert_eq!(presence(&app, &o, &[]).await, 503);
    assert!(meeting_open(&app, &o).await);
    // …so the office's retry of the same snapshot ends it.
    assert_eq!(presence(&app, &o, &[]).await, 200);
    the_summary(&app).await;
}
