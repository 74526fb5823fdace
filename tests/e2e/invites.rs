//! The invite worker: one DM per (invite, recipient) under duplicate
//! deliveries, crashes, 429 storms, poison messages and revoked tokens; and
//! "Get <user>" from the office.

use std::time::Duration;

use hallway::ids::{OfficeUserId, TeamId, UserId};
use hallway::jobs::{self, Job};
use hallway::store::{DeliveryStatus, Invite, Role};
use hallway_api::model::{self, InviteQueued, InviteStatus};
use hallway_fake_slack::{Fault, FaultKind, Limit};
use hallway_tests::demo::{deliver, invite};
use hallway_tests::{AppOptions, TestApp, body as wire, eventually, spawn_app, spawn_app_with};
use http::Method;
use serde_json::json;

use hallway_tests::demo::office;

fn demo() -> TeamId {
    TeamId::new("T0DEMO").unwrap()
}

fn user(id: &str) -> UserId {
    UserId::new(id).unwrap()
}

pub(crate) async fn completed(app: &TestApp, invite: &Invite) {
    let invites = app.services.invites();
    eventually("the invite completes", || async {
        invites
            .get(&invite.id)
            .await
            .unwrap()
            .unwrap()
            .is_complete()
    })
    .await;
}

/// Completed, and every job (the summary included) done.
async fn complete(app: &TestApp, invite: &Invite) {
    completed(app, invite).await;
    app.drained().await;
}

#[tokio::test]
async fn a_duplicate_sqs_delivery_sends_one_dm() {
    let Some(app) = spawn_app().await else { return };
    let inv = invite(&app, &["U0DEMO02"]).await;
    // The same message twice, as SQS may deliver it.
    let body = jobs::encode(&deliver(&inv, "U0DEMO02"));
    app.queue.send(&body, Duration::ZERO).await.unwrap();
    app.queue.send(&body, Duration::ZERO).await.unwrap();
    complete(&app, &inv).await;
    assert_eq!(app.slack.dm_messages("T0DEMO", "U0DEMO02").len(), 1);
    assert_eq!(app.slack.calls_to("chat.postMessage").len(), 1);
    let d = app
        .services
        .invites()
        .delivery(&inv.id, &user("U0DEMO02"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, DeliveryStatus::Sent);
    assert!(d.ts.is_some() && d.channel.is_some());
}

#[tokio::test]
async fn a_worker_that_died_mid_send_is_taken_over_without_a_second_dm() {
    // Two take-overs read two DM histories: an internal app's budget.
    let Some(app) = spawn_app_with(AppOptions::internal_app()).await else {
        return;
    };
    let inv = invite(&app, &["U0DEMO02", "U0DEMO03"]).await;
    let invites = app.services.invites();
    // Worker A claimed both, sent U0DEMO02's DM, and died before recording.
    invites.claim(&inv.id, &user("U0DEMO02")).await.unwrap();
    invites.claim(&inv.id, &user("U0DEMO03")).await.unwrap();
    let token = app.services.bot_token(&demo()).await.unwrap();
    let (text, blocks) = hallway::slack::messages::invite_dm(
        &inv.id,
        "Ada",
        "Hall",
        "HQ",
        "https://h/join/x",
        &Default::default(),
        hallway::i18n::Locale::En,
    );
    app.services
        .slack
        .post_message(
            &token,
            &json!({"channel": "U0DEMO02", "text": text, "blocks": blocks}),
        )
        .await
        .unwrap();
    // While the lease holds, a redelivery waits.
    app.queue
        .send(&jobs::encode(&deliver(&inv, "U0DEMO02")), Duration::ZERO)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        invites
            .delivery(&inv.id, &user("U0DEMO02"))
            .await
            .unwrap()
            .unwrap()
            .status,
        DeliveryStatus::Sending
    );
    // After the lease (Slack retries, or the queue redelivers): the history
    // shows the first DM, so it is recorded; the second is sent.
    app.advance_secs(hallway::store::invites::LEASE_SECS + 1);
    let both = [deliver(&inv, "U0DEMO02"), deliver(&inv, "U0DEMO03")];
    jobs::enqueue_all(app.queue.as_ref(), &both).await.unwrap();
    // (The first redelivery waits out the lease in the queue: not drained.)
    completed(&app, &inv).await;
    assert_eq!(
        app.slack.dm_messages("T0DEMO", "U0DEMO02").len(),
        1,
        "no second DM"
    );
    assert_eq!(
        app.slack.dm_messages("T0DEMO", "U0DEMO03").len(),
        1,
        "the unsent one went out"
    );
    assert!(
        !app.slack.calls_to("conversations.history").is_empty(),
        "the history was checked"
    );
}

#[tokio::test]
async fn a_429_storm_delivers_everything_once_and_obeys_retry_after() {
    let Some(app) = spawn_app_with(AppOptions {
        pollers: Some(1),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let people: Vec<String> = (1..=6).map(|i| format!("U0DEMO{i:02}")).collect();
    let mut recipients: Vec<&str> = people
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "U0DEMO01")
        .collect();
    recipients.push("U0DEMO01");
    app.slack.set_limit(
        "chat.postMessage",
        Limit {
            calls: 2,
            window_millis: 2_000,
        },
    );
    let inv = invite(&app, &recipients).await;
    let jobs_: Vec<Job> = recipients.iter().map(|r| deliver(&inv, r)).collect();
    jobs::enqueue_all(app.queue.as_ref(), &jobs_).await.unwrap();
    complete(&app, &inv).await;
    let calls = app.slack.calls_to("chat.postMessage");
    let ok: Vec<_> = calls.iter().filter(|c| c.status == 200).collect();
    let limited: Vec<_> = calls.iter().filter(|c| c.status == 429).collect();
    assert_eq!(ok.len(), recipients.len(), "every DM delivered");
    assert!(!limited.is_empty(), "the storm happened");
    for r in &recipients {
        assert_eq!(
            app.slack.dm_messages("T0DEMO", r).len(),
            1,
            "{r}: exactly one DM"
        );
    }
    // After a 429 with Retry-After r, no call for the team until r passed.
    for l in &limited {
        let wait_ms = l.retry_after.unwrap() * 1000;
        let early = calls
            .iter()
            .filter(|c| c.seq > l.seq && c.at_millis < l.at_millis + wait_ms - 50)
            .count();
        assert_eq!(
            early, 0,
            "a call came before Retry-After elapsed after call #{}",
            l.seq
        );
    }
    eprintln!("{} DMs, {} answered 429", ok.len(), limited.len());
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_and_its_neighbours_delivered() {
    let Some(app) = spawn_app().await else { return };
    let inv = invite(&app, &["U0DEMO02", "U0DEMO03"]).await;
    let bodies = vec![
        "not json at all".to_owned(),
        jobs::encode(&deliver(&inv, "U0DEMO02")),
        r#"{"v":9,"job":"from_the_future"}"#.to_owned(),
        jobs::encode(&deliver(&inv, "U0DEMO03")),
    ];
    app.queue.send_batch(&bodies).await.unwrap();
    complete(&app, &inv).await;
    assert_eq!(app.slack.dm_messages("T0DEMO", "U0DEMO02").len(), 1);
    assert_eq!(app.slack.dm_messages("T0DEMO", "U0DEMO03").len(), 1);
    let mut dead = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while dead.len() < 2 && std::time::Instant::now() < deadline {
        dead.extend(app.dlq.receive(10, Duration::from_secs(1)).await.unwrap());
    }
    let mut bodies: Vec<String> = dead.into_iter().map(|m| m.body).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        ["not json at all", r#"{"v":9,"job":"from_the_future"}"#]
    );
}

#[tokio::test]
async fn a_revoked_token_stops_the_teams_dms() {
    let Some(app) = spawn_app_with(AppOptions {
        pollers: Some(1),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let inv = invite(&app, &["U0DEMO02", "U0DEMO03", "U0DEMO04"]).await;
    // The bot token dies on Slack's side: the first post is refused, and
    // `auth.test` confirms it before the team is marked.
    app.slack.with_world(|w| {
        for t in w.tokens.values_mut() {
            t.revoked = true;
        }
    });
    let all: Vec<Job> = ["U0DEMO02", "U0DEMO03", "U0DEMO04"]
        .iter()
        .map(|r| deliver(&inv, r))
        .collect();
    jobs::enqueue_all(app.queue.as_ref(), &all).await.unwrap();
    complete(&app, &inv).await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").len(),
        1,
        "no call after the team's token died"
    );
    let inst = app
        .services
        .installations()
        .get(&demo())
        .await
        .unwrap()
        .unwrap();
    assert!(!inst.is_active(), "the team is marked for reinstall");
    let deliveries = app.services.invites().deliveries(&inv.id).await.unwrap();
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Failed)
    );
    assert!(
        deliveries
            .iter()
            .any(|d| d.reason.as_deref() == Some("hallway lost access to this workspace"))
    );
    assert!(
        deliveries.iter().any(
            |d| d.reason.as_deref() == Some("hallway is no longer installed in this workspace")
        )
    );
}

#[tokio::test]
async fn an_uninstall_during_a_fan_out_stops_further_dms() {
    let mut team = hallway_fake_slack::TeamSeed::demo();
    let people: Vec<String> = (1..=60).map(|i| format!("U2{i:06}")).collect();
    for p in &people {
        team.users.push(hallway_fake_slack::UserSeed::person(p, p));
    }
    let Some(app) = spawn_app_with(AppOptions {
        teams: Some(vec![team]),
        pollers: Some(1),
        bridge: true,
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let recipients: Vec<&str> = people.iter().map(String::as_str).collect();
    let inv = invite(&app, &recipients).await;
    // Each DM takes a while, so the fan-out is still running when the app
    // is removed.
    app.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::Delay { millis: 100 },
        times: 1000,
    });
    let all: Vec<Job> = recipients.iter().map(|r| deliver(&inv, r)).collect();
    jobs::enqueue_all(app.queue.as_ref(), &all).await.unwrap();
    let sent = || {
        app.slack
            .calls_to("chat.postMessage")
            .iter()
            .filter(|c| c.status == 200 && c.error.is_none())
            .count()
    };
    eventually("a few DMs out", || async { sent() >= 5 }).await;

    // Removed in Slack: tokens die at once; the events follow, signed.
    assert!(app.slack.uninstall("T0DEMO"));
    let at_uninstall = sent();
    let installations = app.services.installations();
    eventually("app_uninstalled applied", || async {
        installations
            .get(&demo())
            .await
            .unwrap()
            .is_none_or(|i| !i.is_active())
    })
    .await;
    complete(&app, &inv).await;

    assert_eq!(sent(), at_uninstall, "no DM got out after the uninstall");
    assert!(at_uninstall < people.len());
    let deliveries = app.services.invites().deliveries(&inv.id).await.unwrap();
    let delivered = deliveries
        .iter()
        .filter(|d| d.status == DeliveryStatus::Sent)
        .count();
    assert_eq!(delivered, at_uninstall);
    assert_eq!(
        deliveries.len(),
        people.len(),
        "every recipient accounted for"
    );
    assert!(
        deliveries
            .iter()
            .filter(|d| d.status != DeliveryStatus::Sent)
            .all(|d| d.status == DeliveryStatus::Failed && d.reason.is_some())
    );
    // Both lifecycle events arrived and were acknowledged.
    let events: Vec<_> = app.slack.calls_to("events.deliver");
    let types: Vec<&str> = events
        .iter()
        .filter_map(|c| c.params["type"].as_str())
        .collect();
    assert!(
        types.contains(&"app_uninstalled") && types.contains(&"tokens_revoked"),
        "{types:?}"
    );
    assert!(events.iter().all(|c| c.status == 200));
    // The space stays, disconnected.
    let spaces = app.services.spaces().for_team(&demo()).await.unwrap();
    assert!(spaces.iter().all(|s| !s.connected), "{spaces:?}");
}

#[tokio::test]
async fn the_office_gets_people_by_slack_or_office_id_and_sees_each_status() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    // Bob is an office user linked to U0DEMO03; Zed is not linked.
    hallway_tests::seed::link(&app.services, "bob", &demo(), "U0DEMO03").await;
    let ada = app.token("ada", &[(&o.hq, Role::Admin)]);
    let (status, queued) = app
        .api_ok::<InviteQueued>(
            Method::POST,
            &format!("/api/v1/spaces/{}/invites", o.hq),
            Some(&ada),
            wire(&model::NewInvite {
                room_id: Some(o.hall.clone()),
                slack_user_ids: vec![user("U0DEMO02")],
                office_user_ids: vec![
                    OfficeUserId::new("bob").unwrap(),
                    OfficeUserId::new("zed").unwrap(),
                ],
            }),
        )
        .await;
    assert_eq!(status, 202, "{queued:?}");
    assert_eq!(queued.recipients, 2);
    assert_eq!(queued.not_linked, [OfficeUserId::new("zed").unwrap()]);
    assert_eq!(
        (&queued.room.id, queued.room.name.as_str()),
        (&o.hall, "Hall")
    );
    let path = format!("/api/v1/spaces/{}/invites/{}", o.hq, queued.invite_id);
    let shown = || async {
        app.api_ok::<InviteStatus>(Method::GET, &path, Some(&ada), None)
            .await
            .1
    };
    app.eventually("both DMs sent", || async { shown().await.complete })
        .await;
    let status = shown().await;
    assert_eq!((status.sent, status.failed), (2, 0));
    assert_eq!(status.origin, model::InviteOrigin::Office);
    let mut delivered: Vec<(&str, model::DeliveryStatus)> = status
        .deliveries
        .iter()
        .map(|d| (d.slack_user_id.as_str(), d.status))
        .collect();
    delivered.sort_by_key(|(who, _)| *who);
    assert_eq!(
        delivered,
        [
            ("U0DEMO02", model::DeliveryStatus::Sent),
            ("U0DEMO03", model::DeliveryStatus::Sent)
        ]
    );
    let dm = &app.slack.dm_messages("T0DEMO", "U0DEMO03")[0];
    assert_eq!(dm.text, "Ada Lovelace has invited you to meet in Hall (HQ)");
    // Validation and permissions.
    let (status, refused) = app
        .api_err(
            Method::POST,
            &format!("/api/v1/spaces/{}/invites", o.hq),
            Some(&ada),
            wire(&model::NewInvite::default()),
        )
        .await;
    assert_eq!(
        (status, refused.error.as_str()),
        (
            400,
            "name at least one person in slack_user_ids or office_user_ids"
        )
    );
    let guest = app.token("gus", &[(&o.hq, Role::Guest)]);
    let (status, _) = app
        .api_err(
            Method::POST,
            &format!("/api/v1/spaces/{}/invites", o.hq),
            Some(&guest),
            wire(&model::NewInvite {
                slack_user_ids: vec![user("U0DEMO02")],
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, refused) = app
        .api_err(
            Method::GET,
            &format!("/api/v1/spaces/{}/invites/nope", o.hq),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(
        (status, refused.error.as_str()),
        (404, "no invite nope in this space")
    );
}

/// A commercially distributed app may read a workspace's history once a
/// minute (docs.slack.dev/reference/methods/conversations.history): a
/// take-over that finds the budget spent waits, sends nothing, and stays a
/// take-over; once the minute has passed it reads the history and records
/// the DM it finds.
#[tokio::test]
async fn a_take_over_waits_for_the_history_budget_and_never_sends_blind() {
    let Some(app) = spawn_app().await else { return };
    let inv = invite(&app, &["U0DEMO02"]).await;
    let invites = app.services.invites();
    invites.claim(&inv.id, &user("U0DEMO02")).await.unwrap();
    let token = app.services.bot_token(&demo()).await.unwrap();
    let (text, blocks) = hallway::slack::messages::invite_dm(
        &inv.id,
        "Ada",
        "Hall",
        "HQ",
        "https://h/join/x",
        &Default::default(),
        hallway::i18n::Locale::En,
    );
    app.services
        .slack
        .post_message(
            &token,
            &json!({"channel": "U0DEMO02", "text": text, "blocks": blocks}),
        )
        .await
        .unwrap();
    app.advance_secs(hallway::store::invites::LEASE_SECS + 1);
    // Someone read this workspace's history a moment ago.
    assert_eq!(
        app.services
            .rate_budgets()
            .take(&demo(), hallway::store::rate::HISTORY, 1, 60)
            .await
            .unwrap(),
        None
    );
    app.slack.clear_calls();
    app.queue
        .send(&jobs::encode(&deliver(&inv, "U0DEMO02")), Duration::ZERO)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(app.slack.calls_to("conversations.history").is_empty());
    assert!(
        app.slack.calls_to("chat.postMessage").is_empty(),
        "nothing sent blind"
    );
    assert_eq!(
        invites
            .delivery(&inv.id, &user("U0DEMO02"))
            .await
            .unwrap()
            .unwrap()
            .status,
        DeliveryStatus::Sending
    );
    // The minute passes (for hallway and Slack); the job comes back.
    app.advance_secs(61);
    app.queue
        .send(&jobs::encode(&deliver(&inv, "U0DEMO02")), Duration::ZERO)
        .await
        .unwrap();
    completed(&app, &inv).await;
    assert_eq!(app.slack.dm_messages("T0DEMO", "U0DEMO02").len(), 1);
    let history = app.slack.calls_to("conversations.history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].status, 200);
    assert_eq!(history[0].params["limit"], "15");
}
