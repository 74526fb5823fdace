//! Connecting spaces to Slack: the OAuth install through a browser against
//! the fake Slack, every way it can fail, remapping, and token rotation.

use std::sync::Arc;

use hallway::clock::Clock;
use hallway::ids::{SpaceId, TeamId, UserId};
use hallway::store::Role;
use hallway_api::model;
use hallway_fake_slack::{AppConfig, Fault, FaultKind};
use hallway_tests::{
    AppOptions, Landing, TestApp, body as wire, spawn_app_with, spawn_app_without_worker,
};
use http::Method;

async fn space(app: &TestApp, admin: &str, name: &str) -> SpaceId {
    let (status, body) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token(admin, &[])),
            wire(&model::NewSpace { name: name.into() }),
        )
        .await;
    assert_eq!(status, 201, "{body:?}");
    body.id
}

async fn connect_url(app: &TestApp, admin: &str, space: &SpaceId) -> String {
    let (status, body) = app
        .api_ok::<model::ConnectStart>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect"),
            Some(&app.token(admin, &[])),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(body.expires_in, 600);
    body.authorize_url
}

async fn install(app: &TestApp, admin: &str, space: &SpaceId) -> Landing {
    let browser = app.browser();
    let landing = browser.visit(&connect_url(app, admin, space).await).await;
    assert!(
        landing.in_office(browser.office(), &format!("/spaces/{space}/settings/slack")),
        "{landing:?}"
    );
    landing
}

fn demo() -> TeamId {
    TeamId::new("T0DEMO").unwrap()
}

#[tokio::test]
async fn install_happy_path() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    let landing = install(&app, "ada", &hq).await;
    assert_eq!(landing.query("connected").as_deref(), Some("T0DEMO"));
    // Slack saw a bot-scope authorize and one exchange, by HTTP Basic.
    let authorize = &app.slack.calls_to("oauth.authorize")[0];
    assert!(
        authorize.params["scope"]
            .as_str()
            .unwrap()
            .contains("chat:write")
    );
    assert_eq!(
        authorize.params["redirect_uri"],
        app.url("/slack/oauth/callback")
    );
    let exchanges = app.slack.calls_to("oauth.v2.access");
    assert_eq!((exchanges.len(), exchanges[0].auth.as_str()), (1, "client"));
    // The team's people directory starts filling in the background.
    let run = app
        .services
        .directory()
        .run(&demo())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, hallway::store::directory::RunStatus::Running);
    // The installation is stored whole, the token sealed and working.
    let inst = app
        .services
        .installations()
        .get(&demo())
        .await
        .unwrap()
        .unwrap();
    assert!(inst.is_active());
    assert_eq!(inst.bot_user_id.as_str(), "U0DEMOBOT");
    assert_eq!(
        inst.installer_user_id.as_ref().unwrap().as_str(),
        "U0DEMO01"
    );
    assert!(inst.has_scope("chat:write"));
    let token = app.services.bot_token(&demo()).await.unwrap();
    app.services.slack.auth_test(&token).await.unwrap();
    // The space is mapped and shows connected.
    let (_, status) = app
        .api_ok::<model::SlackStatus>(
            Method::GET,
            &format!("/api/v1/spaces/{hq}/slack"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(
        (status.connected, status.team_id.as_ref()),
        (true, Some(&demo()))
    );
    assert_eq!(
        status.installation.flatten().and_then(|i| i.installed_by),
        Some(UserId::new("U0DEMO01").unwrap())
    );
    let mapped = app.services.spaces().for_team(&demo()).await.unwrap();
    assert_eq!(mapped.len(), 1);
}

#[tokio::test]
async fn only_admins_and_moderators_connect() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    let bob = app.token("bob", &[(&hq, Role::Member)]);
    let (status, _) = app
        .api_err(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/slack/connect"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let mo = app.token("mo", &[(&hq, Role::Moderator)]);
    let (status, _) = app
        .api_ok::<model::ConnectStart>(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/slack/connect"),
            Some(&mo),
            None,
        )
        .await;
    assert_eq!(status, 200);
}

async fn nothing_installed(app: &TestApp, space: &SpaceId) {
    assert!(
        app.services
            .installations()
            .get(&demo())
            .await
            .unwrap()
            .is_none(),
        "no installation"
    );
    let s = app.services.spaces().get(space).await.unwrap().unwrap();
    assert_eq!(s.team_id, None, "space not mapped");
}

#[tokio::test]
async fn a_denied_authorization_changes_nothing() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    app.slack.inject(Fault {
        method: Some("oauth.authorize".into()),
        team: None,
        kind: FaultKind::Deny,
        times: 1,
    });
    let landing = app
        .browser()
        .visit(&connect_url(&app, "ada", &hq).await)
        .await;
    assert_eq!(landing.status, 200);
    assert!(
        landing.body.contains("Nothing was connected"),
        "{}",
        landing.body
    );
    assert!(landing.body.contains("Back to the office"));
    assert!(app.slack.calls_to("oauth.v2.access").is_empty());
    nothing_installed(&app, &hq).await;
}

/// Follows the install to Slack and returns the callback URL Slack sent the
/// browser to, without opening it.
async fn callback_url(app: &TestApp, admin: &str, space: &SpaceId) -> String {
    let start = connect_url(app, admin, space).await;
    // Our install page, then Slack's authorize page; stop before the callback.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let to_slack = http.get(&start).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let back = http.get(&to_slack).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        back.starts_with(&app.url("/slack/oauth/callback")),
        "{back}"
    );
    back
}

#[tokio::test]
async fn a_replayed_state_is_refused() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    let callback = callback_url(&app, "ada", &hq).await;
    let first = app.browser().visit(&callback).await;
    assert_eq!(first.status, 0, "first use lands in the office: {first:?}");
    let again = app.browser().visit(&callback).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already used"), "{}", again.body);
    assert_eq!(
        app.slack.calls_to("oauth.v2.access").len(),
        1,
        "no second exchange"
    );
}

#[tokio::test]
async fn a_forged_or_missing_state_is_refused() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    let callback = callback_url(&app, "ada", &hq).await;
    let url: url::Url = callback.parse().unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    // Same id, signature from another key.
    let (id, _) = state.split_once('.').unwrap();
    for forged in [
        format!("{id}.{}", "ab".repeat(32)),
        "not-a-state".into(),
        format!("{id}.zz"),
    ] {
        let landing = app
            .browser()
            .visit(&format!(
                "{}?code={code}&state={forged}",
                app.url("/slack/oauth/callback")
            ))
            .await;
        assert_eq!(landing.status, 400, "{forged}");
        assert!(landing.body.contains("not issued by hallway"));
    }
    let missing = app
        .browser()
        .visit(&format!("{}?code={code}", app.url("/slack/oauth/callback")))
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("without the information"));
    assert!(app.slack.calls_to("oauth.v2.access").is_empty());
    nothing_installed(&app, &hq).await;
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    let start = connect_url(&app, "ada", &hq).await;
    let callback = callback_url(&app, "ada", &hq).await;
    app.clock.advance_secs(601);
    let landing = app.browser().visit(&start).await;
    assert_eq!(landing.status, 410, "{landing:?}");
    assert!(landing.body.contains("has expired"));
    let landing = app.browser().visit(&callback).await;
    assert_eq!(landing.status, 410);
    assert!(app.slack.calls_to("oauth.v2.access").is_empty());
    nothing_installed(&app, &hq).await;
}

#[tokio::test]
async fn code_exchange_errors_get_a_page_and_change_nothing() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    // A code Slack does not know.
    let callback = callback_url(&app, "ada", &hq).await;
    let bad = callback.replace("code=", "code=x");
    let landing = app.browser().visit(&bad).await;
    assert_eq!(landing.status, 400);
    assert!(
        landing.body.contains("Slack did not accept the sign-in"),
        "{}",
        landing.body
    );
    // Slack down during the exchange.
    app.slack.inject(Fault {
        method: Some("oauth.v2.access".into()),
        team: None,
        kind: FaultKind::Status { status: 503 },
        times: 1,
    });
    let landing = app
        .browser()
        .visit(&callback_url(&app, "ada", &hq).await)
        .await;
    assert_eq!(landing.status, 503);
    assert!(landing.body.contains("Slack did not answer"));
    // Slack refusing the app's credentials.
    app.slack.inject(Fault {
        method: Some("oauth.v2.access".into()),
        team: None,
        kind: FaultKind::Error {
            error: "bad_client_secret".into(),
        },
        times: 1,
    });
    let landing = app
        .browser()
        .visit(&callback_url(&app, "ada", &hq).await)
        .await;
    assert_eq!(landing.status, 502);
    assert!(landing.body.contains("bad_client_secret"));
    nothing_installed(&app, &hq).await;
}

#[tokio::test]
async fn a_second_space_joins_the_team_and_the_oldest_stays_default() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let first = space(&app, "ada", "HQ").await;
    app.clock.advance_secs(5);
    let second = space(&app, "ada", "Annex").await;
    install(&app, "ada", &second).await;
    install(&app, "ada", &first).await;
    let mapped = app.services.spaces().for_team(&demo()).await.unwrap();
    let names: Vec<_> = mapped.iter().map(|m| m.space_name.as_str()).collect();
    assert_eq!(names, ["HQ", "Annex"]);
    let default = app
        .services
        .spaces()
        .default_for_team(&demo())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(default.space_id, first);
}

#[tokio::test]
async fn connecting_again_moves_the_space_to_another_workspace() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = space(&app, "ada", "HQ").await;
    install(&app, "ada", &hq).await;
    app.slack.act_as("T0OTHER", "U0OTHER01");
    let landing = install(&app, "ada", &hq).await;
    assert_eq!(landing.query("connected").as_deref(), Some("T0OTHER"));
    let spaces = app.services.spaces();
    assert!(spaces.for_team(&demo()).await.unwrap().is_empty());
    assert_eq!(
        spaces
            .for_team(&TeamId::new("T0OTHER").unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
    // Disconnect keeps the space.
    let (status, body) = app
        .api_ok::<model::Disconnected>(
            Method::DELETE,
            &format!("/api/v1/spaces/{hq}/slack"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(
        (status, body.disconnected_from),
        (200, Some(TeamId::new("T0OTHER").unwrap()))
    );
    assert!(spaces.get(&hq).await.unwrap().unwrap().team_id.is_none());
}

#[tokio::test]
async fn installs_from_slacks_directory_are_recorded_and_wait_for_a_space() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let landing = app.browser().visit(&app.url("/slack/install")).await;
    assert_eq!(landing.status, 200, "{landing:?}");
    assert!(
        landing.body.contains("hallway is installed"),
        "{}",
        landing.body
    );
    assert!(landing.body.contains("Connect to Slack"));
    assert!(
        app.services
            .installations()
            .get(&demo())
            .await
            .unwrap()
            .unwrap()
            .is_active()
    );
    assert!(
        app.services
            .spaces()
            .for_team(&demo())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_refresh_token_is_spent_once_under_concurrency() {
    let Some(app) = spawn_app_with(AppOptions {
        no_worker: true,
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
    let hq = space(&app, "ada", "HQ").await;
    install(&app, "ada", &hq).await;
    let first = app.services.bot_token(&demo()).await.unwrap();
    assert!(first.expose().starts_with("xoxe.xoxb-"));
    // Close to expiry: refresh is due.
    app.clock.advance_secs(43_200 - 120);
    let services = Arc::new(app.services.clone());
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let s = services.clone();
            tokio::spawn(async move { s.bot_token(&TeamId::new("T0DEMO").unwrap()).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for r in racers {
        tokens.push(r.await.unwrap().expect("every caller gets a token"));
    }
    let refreshes: Vec<_> = app
        .slack
        .calls_to("oauth.v2.access")
        .into_iter()
        .filter(|c| c.params["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "exactly one refresh reached Slack");
    let inst = app
        .services
        .installations()
        .get(&demo())
        .await
        .unwrap()
        .unwrap();
    assert!(
        inst.bot_token_expires_at.unwrap() > app.clock.now_secs() + 40_000,
        "the rotated pair is stored"
    );
    let fresh = app.services.bot_token(&demo()).await.unwrap();
    assert_ne!(fresh.expose(), first.expose());
    app.services.slack.auth_test(&fresh).await.unwrap();
}
