//! `POST /slack/events` end to end: signed HTTP requests into the running
//! bundle, state checked in the store and the queue, the worker
//! polling the queue.

use std::time::Duration;

use hallway::ids::{EventId, TeamId, UserId};
use hallway::jobs::{self, Job};
use hallway::keys;
use hallway::queue::Received;
use hallway::secrets::Secret;
use hallway::slack::events::SlackEvent;
use hallway::store::NewInstallation;
use hallway::store::installations::InstallStatus;
use hallway_tests::demo::{JSON, callback, outcome};
use hallway_tests::flaky::FlakyQueue;
use hallway_tests::{
    AppOptions, TestApp, signed, spawn_app, spawn_app_with, spawn_app_without_worker,
};
use serde_json::json;

fn uninstalled(event_id: &str) -> String {
    callback(
        event_id,
        json!({"type": "app_uninstalled", "event_ts": "1732435200.000100"}),
    )
}

async fn claim_exists(app: &TestApp, event_id: &str) -> bool {
    app.table
        .get(&keys::event_claim(&EventId::new(event_id).unwrap()))
        .await
        .unwrap()
        .is_some()
}

async fn queued(app: &TestApp) -> Vec<Received> {
    let mut all = Vec::new();
    loop {
        let got = app
            .queue
            .receive(10, Duration::from_millis(300))
            .await
            .unwrap();
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

#[tokio::test]
async fn url_verification_echoes_the_challenge() {
    let Some(app) = spawn_app().await else { return };
    let body =
        json!({"token": "t", "challenge": "3eZbrw1aBm2r", "type": "url_verification"}).to_string();
    let resp = app.post_signed("/slack/events", JSON, &body, &[]).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(resp.text().await.unwrap(), "3eZbrw1aBm2r");
}

#[tokio::test]
async fn a_bad_signature_is_401_and_writes_nothing() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let body = uninstalled("EvBAD1");
    let ts = app.now_secs().to_string();
    let good_sig = signed::signature(&ts, body.as_bytes());
    let tampered = body.replace("T0DEMO", "T0EVIL");
    type Headers<'a> = Vec<(&'a str, String)>;
    let cases: Vec<(&str, Headers, String)> = vec![
        (
            "tampered body",
            vec![
                ("x-slack-request-timestamp", ts.clone()),
                ("x-slack-signature", good_sig.clone()),
            ],
            tampered,
        ),
        (
            "wrong secret",
            vec![
                ("x-slack-request-timestamp", ts.clone()),
                (
                    "x-slack-signature",
                    hallway::slack::verify::sign(&Secret::new("other"), &ts, body.as_bytes()),
                ),
            ],
            body.clone(),
        ),
        (
            "no signature",
            vec![("x-slack-request-timestamp", ts.clone())],
            body.clone(),
        ),
        (
            "no timestamp",
            vec![("x-slack-signature", good_sig.clone())],
            body.clone(),
        ),
        (
            "non-numeric timestamp",
            vec![
                ("x-slack-request-timestamp", "soon".into()),
                ("x-slack-signature", good_sig.clone()),
            ],
            body.clone(),
        ),
    ];
    for (what, headers, body) in cases {
        let mut req = app
            .http
            .post(app.url("/slack/events"))
            .header("content-type", JSON)
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{what}");
        assert_eq!(
            resp.text().await.unwrap(),
            r#"{"error":"invalid request"}"#,
            "{what}"
        );
    }
    assert!(!claim_exists(&app, "EvBAD1").await, "no claim written");
    assert!(queued(&app).await.is_empty(), "nothing queued");
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let body = uninstalled("EvOLD1");
    for skew in [-301i64, 301] {
        let ts = (app.now_secs() + skew).to_string();
        let resp = app
            .http
            .post(app.url("/slack/events"))
            .header("content-type", JSON)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", signed::signature(&ts, body.as_bytes()))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "skew {skew}");
    }
    // Just inside the window is fine.
    let ts = (app.now_secs() - 299).to_string();
    let resp = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", JSON)
        .header("X-Slack-Request-Timestamp", &ts)
        .header("X-Slack-Signature", signed::signature(&ts, body.as_bytes()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(claim_exists(&app, "EvOLD1").await);
}

#[tokio::test]
async fn ssl_check_gets_an_empty_200() {
    let Some(app) = spawn_app().await else { return };
    let resp = app
        .http
        .post(app.url("/slack/events"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("ssl_check=1&token=legacy")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_known_event_is_queued_once_and_its_retry_only_acknowledged() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let body = uninstalled("EvONCE1");
    let first = app.post_signed("/slack/events", JSON, &body, &[]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(outcome(&first), "queued");
    assert!(claim_exists(&app, "EvONCE1").await);
    let retry = app
        .post_signed(
            "/slack/events",
            JSON,
            &body,
            &[
                ("x-slack-retry-num", "1"),
                ("x-slack-retry-reason", "http_timeout"),
            ],
        )
        .await;
    assert_eq!(retry.status(), 200);
    assert_eq!(outcome(&retry), "duplicate");
    let messages = queued(&app).await;
    assert_eq!(messages.len(), 1, "one job for two deliveries");
    let Job::SlackEvent(job) = jobs::decode(&messages[0].body).unwrap() else {
        panic!("not a Slack event job")
    };
    assert_eq!(job.event_id.as_str(), "EvONCE1");
    assert_eq!(job.team_id.as_str(), "T0DEMO");
    assert_eq!(job.event, SlackEvent::AppUninstalled {});
}

#[tokio::test]
async fn unknown_event_types_are_acknowledged_without_work() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let body = callback(
        "EvNEW1",
        json!({"type": "some_future_event", "event_ts": "1.2", "shiny": {"new": ["fields"]}}),
    );
    let resp = app.post_signed("/slack/events", JSON, &body, &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(outcome(&resp), "ignored");
    // A brand-new envelope type too.
    let resp = app
        .post_signed(
            "/slack/events",
            JSON,
            &json!({"type": "app_deleted_everything"}).to_string(),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 200);
    // A known type with a shape we cannot read is acknowledged, not failed.
    let odd = callback(
        "EvODD1",
        json!({"type": "tokens_revoked", "tokens": "not a map"}),
    );
    let resp = app.post_signed("/slack/events", JSON, &odd, &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(outcome(&resp), "ignored");
    assert!(!claim_exists(&app, "EvNEW1").await);
    assert!(queued(&app).await.is_empty());
}

#[tokio::test]
async fn signed_garbage_is_a_400() {
    let Some(app) = spawn_app().await else { return };
    let resp = app
        .post_signed("/slack/events", JSON, "not json", &[])
        .await;
    assert_eq!(resp.status(), 400);
    let resp = app
        .post_signed(
            "/slack/events",
            JSON,
            &json!({"type": "event_callback", "event": {}}).to_string(),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "the body is not an Events API payload");
}

#[tokio::test]
async fn a_failed_enqueue_releases_the_claim_so_slacks_retry_gets_through() {
    let Some(app) = spawn_app_with(AppOptions {
        no_worker: true,
        wrap_queue: Some(FlakyQueue::wrapping(1)),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let body = uninstalled("EvFLAKY1");
    let first = app.post_signed("/slack/events", JSON, &body, &[]).await;
    assert_eq!(first.status(), 503, "Slack must retry");
    assert!(
        !claim_exists(&app, "EvFLAKY1").await,
        "the claim was given back"
    );
    let retry = app
        .post_signed(
            "/slack/events",
            JSON,
            &body,
            &[
                ("x-slack-retry-num", "1"),
                ("x-slack-retry-reason", "http_error"),
            ],
        )
        .await;
    assert_eq!(retry.status(), 200);
    assert_eq!(outcome(&retry), "queued");
    assert_eq!(queued(&app).await.len(), 1);
}

async fn install_demo_team(app: &TestApp) {
    app.services
        .installations()
        .save(NewInstallation {
            team_id: TeamId::new("T0DEMO").unwrap(),
            team_name: "Acme".into(),
            enterprise_id: None,
            is_enterprise_install: false,
            app_id: None,
            bot_user_id: UserId::new("U0DEMOBOT").unwrap(),
            bot_scopes: vec!["chat:write".into()],
            installer_user_id: Some(UserId::new("U0DEMO01").unwrap()),
            bot_token: Secret::new(app.slack.issue_bot_token("T0DEMO", &["chat:write"])),
            refresh_token: None,
            bot_token_expires_at: None,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn app_uninstalled_deletes_the_token_and_disconnects_spaces_but_keeps_them() {
    let Some(app) = spawn_app().await else { return };
    install_demo_team(&app).await;
    let team = TeamId::new("T0DEMO").unwrap();
    let spaces = app.services.spaces();
    let space = spaces.create("HQ", None).await.unwrap();
    spaces.add_room(&space.id, "Lobby", 10).await.unwrap();
    spaces.connect(&space.id, &team).await.unwrap();

    let resp = app
        .post_signed("/slack/events", JSON, &uninstalled("EvUN1"), &[])
        .await;
    assert_eq!(resp.status(), 200);
    let installs = app.services.installations();
    app.eventually("the worker revokes the bot token", || async {
        installs
            .get(&team)
            .await
            .unwrap()
            .is_some_and(|i| !i.is_active())
    })
    .await;
    // The token goes first; the job then disconnects the spaces.
    app.drained().await;
    let inst = installs.get(&team).await.unwrap().unwrap();
    assert_eq!(inst.status, InstallStatus::Uninstalled);
    assert!(installs.bot_token(&team).await.is_err());
    let after = spaces.get(&space.id).await.unwrap().unwrap();
    assert!(!after.connected, "the space shows disconnected");
    assert_eq!(
        spaces.rooms(&space.id).await.unwrap().len(),
        1,
        "rooms stay"
    );
    // Repeated and in the other order: same end state, no error.
    let revoked = callback(
        "EvUN2",
        json!({"type": "tokens_revoked", "tokens": {"bot": ["U0DEMOBOT"]}, "event_ts": "1.3"}),
    );
    assert_eq!(
        app.post_signed("/slack/events", JSON, &revoked, &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_signed("/slack/events", JSON, &uninstalled("EvUN3"), &[])
            .await
            .status(),
        200
    );
    app.drained().await;
    assert_eq!(
        installs.get(&team).await.unwrap().unwrap().status,
        InstallStatus::Uninstalled
    );
    assert!(
        app.dlq
            .receive(10, Duration::from_millis(200))
            .await
            .unwrap()
            .is_empty(),
        "nothing dead-lettered"
    );
}

#[tokio::test]
async fn tokens_revoked_for_users_deletes_their_tokens_and_keeps_the_bot_token() {
    let Some(app) = spawn_app().await else { return };
    install_demo_team(&app).await;
    let team = TeamId::new("T0DEMO").unwrap();
    let links = app.services.links();
    let bob = hallway::ids::OfficeUserId::new("bob").unwrap();
    links
        .link(hallway::store::NewLink {
            office_user_id: bob.clone(),
            team_id: team.clone(),
            slack_user_id: UserId::new("U0DEMO02").unwrap(),
            enterprise_id: None,
            via: hallway::store::LinkedVia::Authorize,
            user_scopes: vec!["chat:write".into()],
            user_token: Some(Secret::new("xoxp-bob-token")),
            rotation: None,
        })
        .await
        .unwrap();
    let body = callback(
        "EvUSR1",
        json!({"type": "tokens_revoked", "tokens": {"oauth": ["U0DEMO02", "U0NOBODY"]}, "event_ts": "1.4"}),
    );
    let resp = app.post_signed("/slack/events", JSON, &body, &[]).await;
    assert_eq!(outcome(&resp), "queued");
    app.drained().await;
    assert!(app.services.installations().bot_token(&team).await.is_ok());
    let link = links
        .get(&bob, &team)
        .await
        .unwrap()
        .expect("the link stays");
    assert!(!link.has_user_token(), "the user token is gone");
    assert!(link.user_scopes.is_empty());
}
