//! Slack's errors as Slack sends them (HTTP 200 with `ok: false`, 429 with
//! `Retry-After`, the occasional 5xx), through `/hallway` invites and the
//! worker: a refusal of one call stays a refusal of that call, temporary
//! failures are retried, a call that may have partly succeeded is looked
//! up before it is sent again, an expired token is refreshed once, and a
//! workspace is marked for reinstall only when `auth.test` confirms its
//! token is dead. (The classification itself: `hallway::slack::errors`.)

use std::time::Duration;

use hallway::secrets::Secret;
use hallway::store::NewInstallation;
use hallway::store::installations::InstallStatus;
use hallway::store::{DeliveryStatus, Invite};
use hallway_fake_slack::{AppConfig, Fault, FaultKind, TokenKind};
use hallway_tests::{AppOptions, TestApp, eventually_within, spawn_app, spawn_app_with};
use serde_json::Value;

use hallway_tests::demo::office;
use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, BOB, CAROL, DAVE, ERIN, GENERAL, user};

fn fault(method: &str, error: &str, times: u32) -> Fault {
    Fault {
        method: Some(method.into()),
        team: None,
        kind: FaultKind::Error {
            error: error.into(),
        },
        times,
    }
}

async fn status(app: &TestApp) -> InstallStatus {
    app.services
        .installations()
        .get(&demo())
        .await
        .unwrap()
        .unwrap()
        .status
}

/// `/hallway <@Bob> <@Carol> Kitchen` as Alice; the summary posted on the
/// response_url once both are settled.
async fn invite_bob_and_carol(app: &TestApp) -> String {
    let (reply, response) = app
        .slash(ALICE, GENERAL, &format!("<@{BOB}> <@{CAROL}> Kitchen"))
        .await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or_default()
            .contains("nviting"),
        "{reply}"
    );
    eventually_within("the invite summary", Duration::from_secs(40), || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    app.slack.responses(&response)[0]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn dms(app: &TestApp, who: &str) -> usize {
    app.slack.dm_messages("T0DEMO", who).len()
}

async fn the_invite(app: &TestApp) -> Invite {
    let dm = app.slack.dm_messages("T0DEMO", CAROL);
    let id = dm[0].blocks.as_ref().unwrap()[0]["accessory"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    app.services.invites().get(&id).await.unwrap().unwrap()
}

#[tokio::test]
async fn one_refused_dm_is_that_persons_failure_and_the_workspace_stays_connected() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    // `no_permission`: "Make sure your app is a member of the conversation"
    // — a refusal of that one post.
    app.slack.inject(Fault {
        team: None,
        method: Some("chat.postMessage".into()),
        kind: FaultKind::Error {
            error: "no_permission".into(),
        },
        times: 1,
    });
    let summary = invite_bob_and_carol(&app).await;
    assert!(summary.contains("1 of 2 reached"), "{summary}");
    assert!(summary.contains("no_permission"), "{summary}");
    assert_eq!(status(&app).await, InstallStatus::Active);
    assert!(
        app.slack.calls_to("auth.test").is_empty(),
        "a refusal of one call is not a question about the token"
    );
    // The next command works as before.
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert_eq!(reply["response_type"], "in_channel", "{reply}");
}

#[tokio::test]
async fn temporary_failures_are_retried_and_every_dm_goes_out_once() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    app.slack
        .inject(fault("chat.postMessage", "service_unavailable", 2));
    app.slack
        .inject(fault("chat.postMessage", "request_timeout", 1));
    let summary = invite_bob_and_carol(&app).await;
    assert!(summary.contains("2 of 2 reached"), "{summary}");
    assert_eq!((dms(&app, BOB), dms(&app, CAROL)), (1, 1));
    assert_eq!(status(&app).await, InstallStatus::Active);
}

#[tokio::test]
async fn an_internal_error_that_posted_anyway_is_found_and_not_sent_twice() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    // Slack: "It's possible some aspect of the operation succeeded before
    // the error was raised." The fake posts, then answers internal_error.
    app.slack.inject(Fault {
        team: None,
        method: Some("chat.postMessage".into()),
        kind: FaultKind::ErrorAfterDoing {
            error: "internal_error".into(),
        },
        times: 1,
    });
    let summary = invite_bob_and_carol(&app).await;
    assert!(summary.contains("2 of 2 reached"), "{summary}");
    assert_eq!(
        (dms(&app, BOB), dms(&app, CAROL)),
        (1, 1),
        "the DM that was posted despite the error is not posted again"
    );
    assert!(!app.slack.calls_to("conversations.history").is_empty());
    let invite = the_invite(&app).await;
    for who in [BOB, CAROL] {
        let d = app
            .services
            .invites()
            .delivery(&invite.id, &user(who))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, DeliveryStatus::Sent, "{who}");
    }
}

#[tokio::test]
async fn occasional_server_errors_lose_and_double_nothing() {
    // Each unknown outcome reads a DM history: an internal app's budget;
    // a DM may meet more than one 503, so more receives than the default.
    let Some(app) = spawn_app_with(AppOptions {
        max_receives: Some(10),
        ..AppOptions::internal_app()
    })
    .await
    else {
        return;
    };
    office(&app).await;
    // One in three from here: the fake's sequence then fails the third
    // call, so the five DMs meet at least one 503 however the run goes.
    app.slack.set_server_errors_every(Some(3));
    let everyone = [BOB, CAROL, DAVE, ERIN, "U0DEMO06"];
    let mentions: Vec<String> = everyone.iter().map(|u| format!("<@{u}>")).collect();
    let (_, response) = app
        .slash(ALICE, GENERAL, &format!("{} Kitchen", mentions.join(" ")))
        .await;
    eventually_within("the invite summary", Duration::from_secs(60), || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    app.slack.set_server_errors_every(None);
    let summary = app.slack.responses(&response)[0]["text"].clone();
    assert!(
        summary.as_str().unwrap().contains("5 of 5 reached"),
        "{summary}"
    );
    for who in everyone {
        assert_eq!(dms(&app, who), 1, "{who}");
    }
    let fives = app.slack.calls().iter().filter(|c| c.status == 503).count();
    assert!(fives > 0, "the fake did answer 503s");
}

#[tokio::test]
async fn invalid_auth_once_is_checked_with_auth_test_and_changes_nothing() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    // What an IP allow-list or a glitch answers for one call.
    app.slack
        .inject(fault("chat.postMessage", "invalid_auth", 1));
    let summary = invite_bob_and_carol(&app).await;
    assert!(summary.contains("2 of 2 reached"), "{summary}");
    assert_eq!(status(&app).await, InstallStatus::Active);
    let checks = app.slack.calls_to("auth.test");
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0].status, 200);
}

#[tokio::test]
async fn a_token_confirmed_dead_marks_the_workspace_for_reinstall() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    app.slack.with_world(|w| {
        for t in w.tokens.values_mut().filter(|t| t.kind == TokenKind::Bot) {
            t.revoked = true;
        }
    });
    let summary = invite_bob_and_carol(&app).await;
    assert!(summary.contains("0 of 2 reached"), "{summary}");
    assert_eq!(status(&app).await, InstallStatus::Revoked);
    let checks = app.slack.calls_to("auth.test");
    assert!(
        checks
            .iter()
            .any(|c| c.error.as_deref() == Some("account_inactive")),
        "{checks:?}"
    );
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(
        reply["text"].as_str().unwrap().contains("reinstall"),
        "{reply}"
    );
}

#[tokio::test]
async fn an_enterprise_migration_waits_instead_of_failing_the_invite() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    app.slack
        .inject(fault("chat.postMessage", "org_login_required", 1));
    let (_, response) = app
        .slash(ALICE, GENERAL, &format!("<@{BOB}> Kitchen"))
        .await;
    eventually_within("the migration answer", Duration::from_secs(20), || async {
        app.slack
            .calls_to("chat.postMessage")
            .iter()
            .any(|c| c.error.as_deref() == Some("org_login_required"))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        app.slack.responses(&response).is_empty(),
        "not settled as failed"
    );
    assert_eq!(dms(&app, BOB), 0, "waiting out the migration");
    assert_eq!(status(&app).await, InstallStatus::Active);
    assert!(app.queue_depth().await > 0, "the DM waits in the queue");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_dm_goes_out() {
    let Some(app) = spawn_app_with(AppOptions {
        fake_app: Some(AppConfig {
            token_rotation: true,
            ..AppConfig::default()
        }),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    office(&app).await;
    // Installed with rotation: an expiring token and its refresh token,
    // good for hours by our clock.
    let scopes: Vec<String> = hallway_tests::seed::OFFICE_SCOPES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (token, refresh) = app
        .slack
        .with_world(|w| w.mint_token("T0DEMO", "U0DEMOBOT", TokenKind::Bot, scopes.clone()));
    app.services
        .installations()
        .save(NewInstallation {
            team_id: demo(),
            team_name: "Acme".into(),
            enterprise_id: None,
            is_enterprise_install: false,
            app_id: None,
            bot_user_id: user("U0DEMOBOT"),
            bot_scopes: scopes,
            installer_user_id: Some(user(ALICE)),
            bot_token: Secret::new(token),
            refresh_token: refresh.map(Secret::new),
            bot_token_expires_at: Some(app.now_secs() + 6 * 3600),
        })
        .await
        .unwrap();
    // Slack ends it early anyway.
    app.slack
        .inject(fault("chat.postMessage", "token_expired", 1));
    let (_, response) = app
        .slash(ALICE, GENERAL, &format!("<@{BOB}> Kitchen"))
        .await;
    eventually_within("the summary", Duration::from_secs(20), || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    let text = app.slack.responses(&response)[0]["text"].clone();
    assert!(text.as_str().unwrap().contains("1 of 1 reached"), "{text}");
    let refreshes: Vec<Value> = app
        .slack
        .calls_to("oauth.v2.access")
        .into_iter()
        .map(|c| c.params)
        .filter(|p| p["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(dms(&app, BOB), 1);
    assert_eq!(status(&app).await, InstallStatus::Active);
}
