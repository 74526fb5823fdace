//! The fake Slack doing what Slack does around hallway, through the
//! running bundle: an event the bundle refused is retried with Slack's
//! headers and processed; a retry of an event already processed is
//! acknowledged as a duplicate and done once; a slash command and a click
//! go the way Slack sends them, inside the 3-second budget, and a slow
//! Request URL is an `operation_timeout`; an install whose `redirect_uri`
//! is not registered stops on Slack's page; a code is exchanged only by
//! its own flow's method.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hallway::ids::{TeamId, UserId};
use hallway::queue::SharedQueue;
use hallway::secrets::Secret;
use hallway::slack::{SlackClient, SlackError};
use hallway_api::model;
use hallway_fake_slack::{AppConfig, BlockAction, FakeSlack, TeamSeed};
use hallway_tests::{AppOptions, TestApp, body as wire, eventually, spawn_app, spawn_app_with};
use http::{HeaderMap, Method, StatusCode};

use hallway_tests::demo::{ALICE, BOB, BOT, GENERAL};
use hallway_tests::demo::{Office, office};
use hallway_tests::flaky::FlakyQueue;

/// A bridged office whose queue can be made to fail on demand (SQS down
/// while the events webhook enqueues), and whose events are retried
/// without Slack's minutes of waiting.
async fn bridged_with_flaky_queue() -> Option<(TestApp, Office, Arc<FlakyQueue>)> {
    let handle: Arc<Mutex<Option<Arc<FlakyQueue>>>> = Arc::default();
    let keep = handle.clone();
    let app = spawn_app_with(AppOptions {
        bridge: true,
        wrap_queue: Some(Box::new(move |inner| {
            let q = Arc::new(FlakyQueue {
                inner,
                failures: AtomicU32::new(0).into(),
            });
            *keep.lock().unwrap() = Some(q.clone());
            q as SharedQueue
        })),
        ..AppOptions::default()
    })
    .await?;
    let o = office(&app).await;
    app.slack
        .set_event_retry_delays(&[Duration::ZERO, Duration::from_millis(200)]);
    let queue = handle
        .lock()
        .unwrap()
        .clone()
        .expect("the queue was wrapped");
    Some((app, o, queue))
}

async fn home_published(app: &TestApp, times: usize) {
    eventually("the Home tab published", || async {
        app.slack.calls_to("views.publish").len() >= times
    })
    .await;
}

#[tokio::test]
async fn an_event_the_bundle_refused_is_retried_with_slacks_headers_and_processed() {
    let Some((app, _, queue)) = bridged_with_flaky_queue().await else {
        return;
    };
    queue.failures.store(1, Ordering::SeqCst);
    assert!(app.slack.open_home("T0DEMO", ALICE));
    home_published(&app, 1).await;
    app.drained().await;
    let attempts = app.slack.calls_to("events.deliver");
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    let (first, retry) = (&attempts[0], &attempts[1]);
    assert_eq!(first.status, 503, "SQS was down: Slack must retry");
    assert_eq!(first.error.as_deref(), Some("http_error"));
    assert_eq!(first.params["retry_num"], 0);
    assert_eq!(retry.params["retry_num"], 1);
    assert_eq!(retry.params["retry_reason"], "http_error");
    assert_eq!(retry.status, 200);
    assert_eq!(retry.params["event_id"], first.params["event_id"]);
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        1,
        "the retry did the work, once"
    );
}

/// Stands between the fake Slack and the bundle's events webhook: passes
/// every request on and keeps the bundle's verdict (`x-hallway-event`),
/// but answers the first only after 3.5 s, as a slow network would, so
/// Slack has given up on it although the bundle took it.
#[derive(Clone)]
struct SlowFirstAnswer {
    to: String,
    verdicts: Arc<Mutex<Vec<String>>>,
}

async fn pass_on(State(p): State<SlowFirstAnswer>, headers: HeaderMap, body: Bytes) -> Response {
    let mut req = reqwest::Client::new().post(&p.to).body(body);
    for (name, value) in &headers {
        if name == "content-type" || name.as_str().starts_with("x-slack-") {
            req = req.header(name, value);
        }
    }
    let resp = req.send().await.expect("the bundle answers");
    let status = resp.status();
    let verdict = resp
        .headers()
        .get("x-hallway-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let first = {
        let mut v = p.verdicts.lock().unwrap();
        v.push(verdict);
        v.len() == 1
    };
    if first {
        tokio::time::sleep(Duration::from_millis(3500)).await;
    }
    (
        StatusCode::from_u16(status.as_u16()).unwrap(),
        resp.bytes().await.unwrap(),
    )
        .into_response()
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test]
async fn a_retry_of_an_event_already_taken_is_a_duplicate_and_the_work_is_done_once() {
    let Some((app, _, _)) = bridged_with_flaky_queue().await else {
        return;
    };
    let proxy = SlowFirstAnswer {
        to: app.url("/slack/events"),
        verdicts: Arc::default(),
    };
    let verdicts = proxy.verdicts.clone();
    let url = serve(
        axum::Router::new()
            .route("/slack/events", axum::routing::post(pass_on))
            .with_state(proxy),
    )
    .await;
    app.slack.deliver_events_to(
        &format!("{url}/slack/events"),
        hallway_tests::SIGNING_SECRET,
    );
    assert!(app.slack.open_home("T0DEMO", ALICE));
    eventually("Slack's retry", || async {
        app.slack.calls_to("events.deliver").len() >= 2
    })
    .await;
    home_published(&app, 1).await;
    app.drained().await;
    let attempts = app.slack.calls_to("events.deliver");
    assert_eq!(attempts[0].error.as_deref(), Some("http_timeout"));
    assert_eq!(attempts[1].params["retry_num"], 1);
    assert_eq!(attempts[1].params["retry_reason"], "http_timeout");
    assert_eq!(attempts[1].status, 200);
    assert_eq!(
        *verdicts.lock().unwrap(),
        ["queued", "duplicate"],
        "the bundle took the first and only acknowledged the retry"
    );
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        1,
        "published once for two deliveries"
    );
}

#[tokio::test]
async fn hallway_help_run_as_slack_runs_it_is_answered_within_the_budget() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let o = app
        .slack
        .run_command("T0DEMO", GENERAL, ALICE, "/hallway", "help")
        .await;
    assert!(o.acknowledged(), "{o:?}");
    assert!(o.elapsed_millis < 3000);
    assert_eq!(o.response_type(), Some("ephemeral"));
    let answer = o.answer.as_ref().unwrap();
    assert!(
        answer["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("/hallway @ada @bob"),
        "{answer}"
    );
    let recorded = &app.slack.calls_to("commands.deliver")[0];
    assert_eq!((recorded.status, recorded.error.as_ref()), (200, None));
}

#[tokio::test]
async fn a_join_click_run_as_slack_runs_it_is_recorded() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let o = app
        .slack
        .run_command(
            "T0DEMO",
            GENERAL,
            ALICE,
            "/hallway",
            &format!("<@{BOB}> Kitchen"),
        )
        .await;
    assert!(o.acknowledged(), "{o:?}");
    eventually("Bob's invite", || async {
        !app.slack.dm_messages("T0DEMO", BOB).is_empty()
    })
    .await;
    let dm = app.slack.dm_messages("T0DEMO", BOB)[0].clone();
    let invite = dm.blocks.as_ref().unwrap()[0]["accessory"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = app.slack.dm_between("T0DEMO", BOB, BOT);
    let click = BlockAction {
        action_id: hallway::slack::messages::JOIN_ACTION.into(),
        value: Some(invite.clone()),
        message_ts: Some(dm.ts.clone()),
        ..BlockAction::default()
    };
    let clicked = app
        .slack
        .run_block_action("T0DEMO", &channel, BOB, &click)
        .await;
    assert!(clicked.acknowledged(), "{clicked:?}");
    let delivery = app
        .services
        .invites()
        .delivery(&invite, &UserId::new(BOB).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(delivery.clicked_at.is_some());
}

async fn slow(_: Bytes) -> &'static str {
    tokio::time::sleep(Duration::from_millis(3500)).await;
    "too late"
}

#[tokio::test]
async fn a_slow_request_url_is_an_operation_timeout() {
    let slack = FakeSlack::start(AppConfig::default(), vec![TeamSeed::demo()])
        .await
        .unwrap();
    let url = serve(axum::Router::new().route("/slow", axum::routing::post(slow))).await;
    slack.commands_to(&format!("{url}/slow"), "any-secret");
    let o = slack
        .run_command("T0DEMO", GENERAL, ALICE, "/hallway", "help")
        .await;
    assert_eq!(o.error.as_deref(), Some("operation_timeout"));
    assert_eq!(o.answer, None);
    assert!(o.elapsed_millis >= 3000, "{o:?}");
    let recorded = slack.calls_to("commands.deliver");
    assert_eq!(recorded.len(), 1, "Slack does not retry a command");
    assert_eq!(recorded[0].error.as_deref(), Some("operation_timeout"));
}

#[tokio::test]
async fn an_install_to_an_unregistered_redirect_uri_stops_on_slacks_page() {
    let Some(app) = spawn_app().await else { return };
    // The Slack app is set up for another address than this hallway's.
    app.slack
        .set_redirect_urls(&["https://hallway.example.com/slack/oauth/callback".to_owned()]);
    let (status, body) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token("ada", &[])),
            wire(&model::NewSpace { name: "HQ".into() }),
        )
        .await;
    assert_eq!(status, 201, "{body:?}");
    let space = body.id;
    let (status, body) = app
        .api_ok::<model::ConnectStart>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    let landing = app.browser().visit(&body.authorize_url).await;
    assert!(
        landing.url.starts_with(&app.slack.base_url()),
        "the browser stays on Slack: {landing:?}"
    );
    assert_eq!(landing.status, 400);
    assert!(
        landing
            .body
            .contains("redirect_uri did not match any configured URIs"),
        "{}",
        landing.body
    );
    assert!(
        !landing.trail.iter().any(|u| u.starts_with(&app.base_url)
            && u.contains(hallway::slack::oauth::OAUTH_CALLBACK_PATH)),
        "never sent back to hallway: {:?}",
        landing.trail
    );
    let page = &app.slack.calls_to("oauth.authorize")[0];
    assert_eq!(page.error.as_deref(), Some("bad_redirect_uri"));
    assert!(app.slack.calls_to("oauth.v2.access").is_empty());
    assert!(
        app.slack.with_world(|w| w.codes.is_empty()),
        "no code issued"
    );
    let team = TeamId::new("T0DEMO").unwrap();
    assert!(
        app.services
            .installations()
            .get(&team)
            .await
            .unwrap()
            .is_none(),
        "nothing installed"
    );
    let after = app.services.spaces().get(&space).await.unwrap().unwrap();
    assert!(!after.connected);
}

/// A code from one authorize URL, taken from the redirect back.
async fn code_from(slack: &FakeSlack, path: &str, query: &[(&str, &str)]) -> String {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", slack.base_url()))
        .query(query)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let back: url::Url = resp.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    back.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code")
}

#[tokio::test]
async fn a_code_is_exchanged_only_by_its_own_flows_method() {
    let install_cb = "https://hallway.example.com/slack/oauth/callback";
    let login_cb = "https://hallway.example.com/slack/login/callback";
    let app = AppConfig {
        redirect_urls: vec![install_cb.into(), login_cb.into()],
        ..AppConfig::default()
    };
    let slack = FakeSlack::start(app.clone(), vec![TeamSeed::demo()])
        .await
        .unwrap();
    let client =
        SlackClient::new(slack.base_url().parse().unwrap(), Duration::from_secs(2)).unwrap();
    let secret = Secret::new(app.client_secret.clone());
    let mismatch = |method: &str| SlackError::Api {
        method: method.into(),
        code: "oauth_authorization_url_mismatch".into(),
    };

    let sign_in_code = code_from(
        &slack,
        "/openid/connect/authorize",
        &[
            ("client_id", &app.client_id),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("redirect_uri", login_cb),
        ],
    )
    .await;
    let err = client
        .oauth_v2_access(&app.client_id, &secret, &sign_in_code, login_cb)
        .await
        .unwrap_err();
    assert_eq!(err, mismatch("oauth.v2.access"));

    let install_code = code_from(
        &slack,
        "/oauth/v2/authorize",
        &[
            ("client_id", &app.client_id),
            ("scope", "chat:write"),
            ("redirect_uri", install_cb),
        ],
    )
    .await;
    let err = client
        .openid_connect_token(&app.client_id, &secret, &install_code, install_cb)
        .await
        .unwrap_err();
    assert_eq!(err, mismatch("openid.connect.token"));

    // Neither was spent by the wrong door: each still works at its own.
    client
        .oauth_v2_access(&app.client_id, &secret, &install_code, install_cb)
        .await
        .unwrap();
    client
        .openid_connect_token(&app.client_id, &secret, &sign_in_code, login_cb)
        .await
        .unwrap();

    // A sub-path of a Redirect URL is let through; another host is not.
    code_from(
        &slack,
        "/oauth/v2/authorize",
        &[
            ("client_id", &app.client_id),
            ("scope", "chat:write"),
            ("redirect_uri", &format!("{install_cb}/again")),
        ],
    )
    .await;
    let refused = reqwest::get(format!(
        "{}/openid/connect/authorize?client_id={}&response_type=code&scope=openid&redirect_uri={}",
        slack.base_url(),
        app.client_id,
        url::form_urlencoded::byte_serialize(b"https://evil.example/slack/login/callback")
            .collect::<String>()
    ))
    .await
    .unwrap();
    assert_eq!(refused.status(), 400);
}
