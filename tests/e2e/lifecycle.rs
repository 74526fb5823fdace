//! `app_uninstalled` and `tokens_revoked` as Slack sends them: in any
//! order, retried minutes later ("not guaranteed to be sequential",
//! docs.slack.dev/reference/events/app_uninstalled; retries up to 5 minutes
//! later, docs.slack.dev/apis/events-api), and `tokens_revoked` naming only
//! the user tokens of people who removed their own authorization.

use hallway::store::installations::InstallStatus;
use hallway_tests::{AppOptions, TestApp, spawn_app, spawn_app_with};
use serde_json::json;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, GENERAL, post_event};
use hallway_tests::demo::{install_demo, link_ada_with_token, office};

/// A signed callback of `event` sent at `event_time`.
fn callback(event: serde_json::Value, event_id: &str, event_time: i64) -> String {
    json!({
        "token": "legacy", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY",
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": event_time,
        "authorizations": [{"enterprise_id": null, "team_id": "T0DEMO", "user_id": "U0DEMOBOT",
                            "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false
    })
    .to_string()
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

#[tokio::test]
async fn an_uninstall_older_than_the_reinstall_changes_nothing() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let removed_at = app.now_secs();
    // Removed, and reinstalled two minutes later…
    app.advance_secs(120);
    install_demo(&app, hallway_tests::seed::OFFICE_SCOPES).await;
    // …then the removal's events arrive (a late retry, in either order).
    let revoked = json!({"type": "tokens_revoked", "tokens": {"bot": ["U0DEMOBOT"]}});
    assert_eq!(
        post_event(&app, &callback(revoked, "EvLATE01", removed_at), false).await,
        "queued"
    );
    let gone = json!({"type": "app_uninstalled"});
    assert_eq!(
        post_event(&app, &callback(gone, "EvLATE02", removed_at), false).await,
        "queued"
    );
    app.drained().await;
    assert_eq!(status(&app).await, InstallStatus::Active);
    let space = app.services.spaces().get(&o.hq).await.unwrap().unwrap();
    assert!(space.connected, "the space stays connected");
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert_eq!(reply["response_type"], "in_channel", "{reply}");

    // A current one still does its work.
    let gone = json!({"type": "app_uninstalled"});
    post_event(&app, &callback(gone, "EvNOW01", app.now_secs()), false).await;
    app.drained().await;
    assert_eq!(status(&app).await, InstallStatus::Uninstalled);
}

#[tokio::test]
async fn revoking_only_user_tokens_leaves_the_workspace_connected() {
    let Some(app) = spawn_app_with(AppOptions {
        bridge: true,
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    link_ada_with_token(&app, &["chat:write", "im:history"]).await;
    // Alice removes her own authorization (auth.revoke with her token):
    // the fake sends `tokens_revoked` naming her under `oauth` only.
    let token = app
        .services
        .user_token(&hallway::ids::OfficeUserId::new("ada").unwrap(), &demo())
        .await
        .unwrap()
        .unwrap();
    let _: serde_json::Value = app
        .services
        .slack
        .call_form(
            "auth.revoke",
            hallway::slack::client::Auth::Bearer(&token),
            &json!({}),
        )
        .await
        .unwrap();
    app.eventually("her token is forgotten", || async {
        !app.services
            .links()
            .get(&hallway::ids::OfficeUserId::new("ada").unwrap(), &demo())
            .await
            .unwrap()
            .unwrap()
            .has_user_token()
    })
    .await;
    app.drained().await;
    let link = app
        .services
        .links()
        .get(&hallway::ids::OfficeUserId::new("ada").unwrap(), &demo())
        .await
        .unwrap()
        .unwrap();
    assert!(!link.has_user_token(), "her token is gone");
    assert_eq!(status(&app).await, InstallStatus::Active);
    assert!(
        app.services
            .spaces()
            .get(&o.hq)
            .await
            .unwrap()
            .unwrap()
            .connected
    );
}

#[tokio::test]
async fn a_user_token_granted_after_the_revocation_stays() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let revoked_at = app.now_secs();
    app.advance_secs(60);
    // Alice linked again after removing her authorization…
    link_ada_with_token(&app, &["chat:write", "im:history"]).await;
    // …and the revocation's retry comes in late.
    let revoked = json!({"type": "tokens_revoked", "tokens": {"oauth": [ALICE]}});
    post_event(&app, &callback(revoked, "EvUSER02", revoked_at), false).await;
    app.drained().await;
    let link = app
        .services
        .links()
        .get(&hallway::ids::OfficeUserId::new("ada").unwrap(), &demo())
        .await
        .unwrap()
        .unwrap();
    assert!(link.has_user_token(), "the new token stays");
}
