//! Runs the OAuth flows with every log line captured (debug level, all
//! crates) and checks that no token, secret, code or state value shows up.

use hallway::ids::{OfficeUserId, SpaceId, TeamId};
use hallway::store::Role;
use hallway_tests::logs::Capture;
use hallway_tests::spawn_app_without_worker;
use http::Method;
use serde_json::json;

fn query(url: &str, name: &str) -> Option<String> {
    let url: url::Url = url.parse().ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

// One thread: the app, the fake Slack and the test all log through the
// subscriber installed for it.
#[tokio::test(flavor = "current_thread")]
async fn no_token_secret_or_code_appears_in_logs() {
    let (capture, _guard) = Capture::install();

    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let mut secrets: Vec<String> = vec![
        app.services.secrets.signing_secret.expose().into(),
        app.services.secrets.client_secret.expose().into(),
        app.services.secrets.token_key.expose().into(),
        app.services.secrets.app_jwt_secret.expose().into(),
    ];
    // Install.
    let ada = app.token("ada", &[]);
    secrets.push(ada.clone());
    let (_, space) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            Some(json!({"name": "HQ"})),
        )
        .await;
    let space = SpaceId::new(space["id"].as_str().unwrap()).unwrap();
    let (_, connect) = app
        .api(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect"),
            Some(&ada),
            None,
        )
        .await;
    let landing = app
        .browser()
        .visit(connect["authorize_url"].as_str().unwrap())
        .await;
    let team = TeamId::new("T0DEMO").unwrap();
    secrets.push(app.services.bot_token(&team).await.unwrap().expose().into());
    // Link.
    let bob = app.token("bob", &[(&space, Role::Member)]);
    let (_, link) = app
        .api(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/link"),
            Some(&bob),
            None,
        )
        .await;
    app.slack.act_as("T0DEMO", "U0DEMO02");
    let linked = app
        .browser()
        .visit(link["authorize_url"].as_str().unwrap())
        .await;
    let l = app
        .services
        .links()
        .get(&OfficeUserId::new("bob").unwrap(), &team)
        .await
        .unwrap()
        .unwrap();
    secrets.push(
        app.services
            .links()
            .user_token(&l)
            .unwrap()
            .unwrap()
            .expose()
            .into(),
    );
    // Sign in with Slack, and the session exchange.
    app.slack.act_as("T0DEMO", "U0DEMO03");
    let signed_in = app.browser().visit(&app.url("/slack/login")).await;
    let login_token = query(&signed_in.url, "token").expect("a login token");
    let (_, session) = app
        .api(
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"login_token": login_token})),
        )
        .await;
    secrets.push(login_token);
    secrets.push(session["token"].as_str().unwrap().into());
    // Every code and state that crossed the browser.
    for url in landing
        .trail
        .iter()
        .chain(&linked.trail)
        .chain(&signed_in.trail)
    {
        for name in ["code", "state", "nonce"] {
            if let Some(v) = query(url, name) {
                secrets.push(v);
            }
        }
    }
    // And a refused callback with a forged state (its values are logged as
    // refusals, never echoed).
    app.browser()
        .visit(&format!(
            "{}?code=leaky-code-123&state=leaky-state.00",
            app.url("/slack/oauth/callback")
        ))
        .await;
    secrets.push("leaky-code-123".into());

    drop(_guard);
    let logs = capture.text();
    assert!(
        logs.contains("space connected to Slack"),
        "the capture works"
    );
    assert!(logs.contains("signed in with Slack"));
    assert!(secrets.len() > 12, "{}", secrets.len());
    for secret in &secrets {
        assert!(secret.len() >= 8, "too short to search for: {secret:?}");
        assert!(
            !logs.contains(secret.as_str()),
            "a secret value appears in the logs: {}…",
            &secret[..6]
        );
    }
}
