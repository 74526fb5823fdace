//! What the fake sends an app, against small local apps that misbehave on
//! purpose: Events API retries and their headers, and the 3-second
//! acknowledgement of slash commands and interactivity.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hallway_fake_slack::{
    AppConfig, BlockAction, ChannelSeed, FakeSlack, RecordedCall, TeamSeed, World,
};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, StatusCode};
use sha2::Sha256;

const SECRET: &str = "delivery-test-secret";

/// One request the local app received.
#[derive(Debug, Clone)]
struct Seen {
    headers: HeaderMap,
    body: Bytes,
}

/// What the local app answers, request by request (the last one repeats).
#[derive(Clone)]
enum Answer {
    Status(u16),
    NoRetry(u16),
    SleepThen(Duration, u16),
    Json(&'static str),
    Text(&'static str),
}

#[derive(Clone)]
struct LocalApp {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Vec<Answer>>,
}

async fn answer(State(app): State<LocalApp>, headers: HeaderMap, body: Bytes) -> Response {
    let n = {
        let mut seen = app.seen.lock().unwrap();
        seen.push(Seen { headers, body });
        seen.len() - 1
    };
    let step = app.script[n.min(app.script.len() - 1)].clone();
    let status = |s: u16| StatusCode::from_u16(s).unwrap();
    match step {
        Answer::Status(s) => status(s).into_response(),
        Answer::NoRetry(s) => (status(s), [("x-slack-no-retry", "1")]).into_response(),
        Answer::SleepThen(d, s) => {
            tokio::time::sleep(d).await;
            status(s).into_response()
        }
        Answer::Json(j) => ([("content-type", "application/json")], j).into_response(),
        Answer::Text(t) => t.into_response(),
    }
}

/// Serves `script` on a loopback port; its URL and what it received.
async fn local_app(script: Vec<Answer>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let app = LocalApp {
        seen: Arc::default(),
        script: Arc::new(script),
    };
    let seen = app.seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let router = Router::new().route("/hook", post(answer)).with_state(app);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

async fn fake() -> FakeSlack {
    let slack = FakeSlack::start(
        AppConfig::default(),
        vec![TeamSeed::with_people("T1", "Acme", 2)],
    )
    .await
    .unwrap();
    slack.issue_bot_token("T1", &["chat:write"]);
    slack
}

async fn deliveries(slack: &FakeSlack, n: usize) -> Vec<RecordedCall> {
    for _ in 0..100 {
        let calls = slack.calls_to("events.deliver");
        if calls.len() >= n {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} deliveries, got {:?}",
        slack.calls_to("events.deliver")
    );
}

fn header(seen: &Seen, name: &str) -> Option<String> {
    seen.headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn signed_by_secret(seen: &Seen) -> bool {
    let ts = header(seen, "x-slack-request-timestamp").unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:").as_bytes());
    mac.update(&seen.body);
    let want = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
    header(seen, "x-slack-signature").as_deref() == Some(want.as_str())
}

#[test]
fn the_retry_schedule_is_slacks_by_default() {
    let w = World::new(AppConfig::default());
    assert_eq!(
        w.event_retry_delays,
        [
            Duration::ZERO,
            Duration::from_secs(60),
            Duration::from_secs(300)
        ]
    );
}

#[tokio::test]
async fn a_refused_event_is_retried_with_slacks_headers_until_answered() {
    let slack = fake().await;
    slack.set_event_retry_delays(&[Duration::ZERO, Duration::from_millis(50)]);
    let (url, seen) = local_app(vec![
        Answer::Status(503),
        Answer::Status(500),
        Answer::Status(200),
    ])
    .await;
    slack.deliver_events_to(&url, SECRET);
    assert!(slack.open_home("T1", "U0000001"));
    let calls = deliveries(&slack, 3).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(signed_by_secret),
        "each attempt signed anew"
    );
    assert_eq!(header(&seen[0], "x-slack-retry-num"), None);
    for (i, s) in seen.iter().enumerate().skip(1) {
        assert_eq!(header(s, "x-slack-retry-num"), Some(i.to_string()));
        assert_eq!(
            header(s, "x-slack-retry-reason").as_deref(),
            Some("http_error")
        );
        assert_eq!(s.body, seen[0].body, "the same callback, event_id and all");
    }
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [503, 500, 200]);
    let nums: Vec<u64> = calls
        .iter()
        .map(|c| c.params["retry_num"].as_u64().unwrap())
        .collect();
    assert_eq!(nums, [0, 1, 2]);
    assert_eq!(calls[0].params["retry_reason"], serde_json::Value::Null);
    assert_eq!(calls[2].params["retry_reason"], "http_error");
    assert_eq!(calls[0].error.as_deref(), Some("http_error"));
    assert_eq!(calls[2].error, None);
}

#[tokio::test]
async fn x_slack_no_retry_stops_the_retries() {
    let slack = fake().await;
    slack.set_event_retry_delays(&[Duration::ZERO; 3]);
    let (url, seen) = local_app(vec![Answer::NoRetry(500)]).await;
    slack.deliver_events_to(&url, SECRET);
    assert!(slack.open_home("T1", "U0000001"));
    let calls = deliveries(&slack, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "not sent again");
    assert_eq!(slack.calls_to("events.deliver").len(), 1);
    assert_eq!(calls[0].params["no_retry"], true);
}

#[tokio::test]
async fn an_unreachable_app_gets_three_retries_then_no_more() {
    let slack = fake().await;
    // Four waits asked: Slack retries three times, so the fourth is unused.
    slack.set_event_retry_delays(&[Duration::from_millis(10); 4]);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    slack.deliver_events_to(&format!("http://{closed}/hook"), SECRET);
    assert!(slack.open_home("T1", "U0000001"));
    let calls = deliveries(&slack, 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slack.calls_to("events.deliver").len(), 4);
    for (i, c) in calls.iter().enumerate() {
        assert_eq!(c.status, 0);
        assert_eq!(c.error.as_deref(), Some("connection_failed"));
        assert_eq!(c.params["retry_num"], i as u64);
    }
    assert_eq!(calls[3].params["retry_reason"], "connection_failed");
}

#[tokio::test]
async fn a_command_answered_in_time_shows_the_answer() {
    let slack = fake().await;
    let (url, seen) = local_app(vec![
        Answer::Json(r#"{"response_type":"in_channel","text":"hi"}"#),
        Answer::Text("plain words"),
        Answer::Status(200),
    ])
    .await;
    slack.commands_to(&url, SECRET);
    let general = "C1GEN";
    let o = slack
        .run_command("T1", general, "U0000001", "/hallway", "help me")
        .await;
    assert!(o.acknowledged(), "{o:?}");
    assert_eq!(o.response_type(), Some("in_channel"));
    assert_eq!(o.answer.as_ref().unwrap()["text"], "hi");
    assert!(
        o.response_url
            .ends_with(&format!("/response/{}", o.response_id))
    );
    let first = seen.lock().unwrap()[0].clone();
    assert!(signed_by_secret(&first));
    let form: std::collections::HashMap<String, String> = url::form_urlencoded::parse(&first.body)
        .into_owned()
        .collect();
    assert_eq!(form["command"], "/hallway");
    assert_eq!(form["text"], "help me");
    assert_eq!(form["channel_id"], general);
    assert_eq!(form["channel_name"], "general");
    assert_eq!(form["user_id"], "U0000001");
    assert_eq!(form["team_domain"], "acme");
    assert_eq!(form["response_url"], o.response_url);
    assert_eq!(form["trigger_id"], o.trigger_id);
    assert_eq!(
        header(&first, "content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let plain = slack
        .run_command("T1", general, "U0000001", "/hallway", "")
        .await;
    assert_eq!(plain.response_type(), Some("ephemeral"));
    assert_eq!(plain.answer.unwrap()["text"], "plain words");
    let empty = slack
        .run_command("T1", general, "U0000001", "/hallway", "")
        .await;
    assert!(empty.acknowledged());
    assert_eq!(empty.answer, None);
    let recorded = slack.calls_to("commands.deliver");
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[0].params["response_type"], "in_channel");
    assert!(recorded.iter().all(|c| c.error.is_none()));
}

#[tokio::test]
async fn a_refusal_or_a_slow_answer_is_operation_timeout_and_not_retried() {
    let slack = fake().await;
    let (url, seen) = local_app(vec![
        Answer::Status(500),
        Answer::SleepThen(Duration::from_millis(3500), 200),
    ])
    .await;
    slack.commands_to(&url, SECRET);
    let refused = slack
        .run_command("T1", "C1GEN", "U0000001", "/hallway", "")
        .await;
    assert_eq!(refused.error.as_deref(), Some("operation_timeout"));
    assert_eq!(refused.status, 500);
    let slow = slack
        .run_command("T1", "C1GEN", "U0000001", "/hallway", "")
        .await;
    assert_eq!(slow.error.as_deref(), Some("operation_timeout"));
    assert_eq!(slow.status, 0);
    assert!((3000..3400).contains(&slow.elapsed_millis), "{slow:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.lock().unwrap().len(), 2, "neither was sent again");
    let recorded = slack.calls_to("commands.deliver");
    assert_eq!(recorded.len(), 2);
    assert!(
        recorded
            .iter()
            .all(|c| c.error.as_deref() == Some("operation_timeout"))
    );
}

#[tokio::test]
async fn a_click_is_a_signed_block_actions_payload() {
    let slack = fake().await;
    let (url, seen) = local_app(vec![Answer::Status(200), Answer::Status(404)]).await;
    slack.interactivity_to(&url, SECRET);
    let click = BlockAction {
        action_id: "join_room".into(),
        value: Some("inv-1".into()),
        ..BlockAction::default()
    };
    let o = slack
        .run_block_action("T1", "C1GEN", "U0000002", &click)
        .await;
    assert!(o.acknowledged());
    let first = seen.lock().unwrap()[0].clone();
    assert!(signed_by_secret(&first));
    let form: std::collections::HashMap<String, String> = url::form_urlencoded::parse(&first.body)
        .into_owned()
        .collect();
    let payload: serde_json::Value = serde_json::from_str(&form["payload"]).unwrap();
    assert_eq!(payload["type"], "block_actions");
    assert_eq!(payload["user"]["id"], "U0000002");
    assert_eq!(payload["team"]["id"], "T1");
    assert_eq!(payload["actions"][0]["action_id"], "join_room");
    assert_eq!(payload["actions"][0]["value"], "inv-1");
    assert_eq!(payload["trigger_id"], o.trigger_id.as_str());
    assert_eq!(payload["response_url"], o.response_url.as_str());
    let refused = slack
        .run_block_action("T1", "C1GEN", "U0000002", &click)
        .await;
    assert_eq!(refused.error.as_deref(), Some("operation_timeout"));
    let recorded = slack.calls_to("interactivity.deliver");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1].status, 404);
}

#[tokio::test]
async fn commands_run_through_the_control_routes_too() {
    let slack = fake().await;
    let (url, _) = local_app(vec![Answer::Json(r#"{"text":"ok"}"#)]).await;
    let http = reqwest::Client::new();
    let base = slack.base_url();
    let set: serde_json::Value = http
        .post(format!("{base}/_fake/commands-target"))
        .json(&serde_json::json!({"url": url, "signing_secret": SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set["ok"], true);
    let ran: serde_json::Value = http
        .post(format!("{base}/_fake/commands/run"))
        .json(
            &serde_json::json!({"team": "T1", "channel": "C1GEN", "user": "U0000001",
                                  "command": "/hallway", "text": "help"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ran["ok"], true, "{ran}");
    assert_eq!(ran["outcome"]["answer"]["text"], "ok");
    let response_url = ran["outcome"]["response_url"].as_str().unwrap();
    assert!(response_url.starts_with(&base), "{response_url}");
    let unknown: serde_json::Value = http
        .post(format!("{base}/_fake/commands/run"))
        .json(
            &serde_json::json!({"team": "T1", "channel": "C404", "user": "U0000001",
                                  "command": "/hallway"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["error"], "channel_not_found");
}

/// The `event` of each callback the local app received, in order.
fn events(seen: &Arc<Mutex<Vec<Seen>>>) -> Vec<serde_json::Value> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice::<serde_json::Value>(&s.body).unwrap()["event"].clone())
        .collect()
}

/// events/message.channels, …/message.groups: a message in a channel reaches
/// the app only when its bot is a member, with the channel's
/// `channel_type`; the bot's own posts come back too, with `bot_id`.
#[tokio::test]
async fn channel_messages_reach_the_app_only_where_its_bot_is() {
    let mut team = TeamSeed::with_people("T1", "Acme", 2);
    team.channels.push(ChannelSeed::private(
        "G1PRIV",
        "priv",
        vec!["U0000001".into(), "UB1".into()],
    ));
    let slack = FakeSlack::start(AppConfig::default(), vec![team])
        .await
        .unwrap();
    let bot = slack.issue_bot_token("T1", &["chat:write"]);
    let (url, seen) = local_app(vec![Answer::Status(200)]).await;
    slack.deliver_events_to(&url, SECRET);

    slack.post_as("T1", "C1GEN", "U0000001", "nobody listens", None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "the bot is not in #general"
    );

    assert!(slack.join_channel("T1", "C1GEN", "UB1"));
    deliveries(&slack, 1).await;
    // One at a time: each callback goes out on its own task.
    let parent = slack.post_as("T1", "C1GEN", "U0000001", "now it does", None);
    deliveries(&slack, 2).await;
    slack.post_as("T1", "C1GEN", "U0000002", "a reply", Some(&parent));
    deliveries(&slack, 3).await;
    let posted: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/chat.postMessage", slack.base_url()))
        .bearer_auth(&bot)
        .form(&[("channel", "C1GEN"), ("text", "from the bot")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["ok"], true, "{posted}");
    deliveries(&slack, 4).await;
    slack.post_as("T1", "G1PRIV", "U0000001", "in private", None);
    deliveries(&slack, 5).await;

    let got = events(&seen);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0]["type"], "member_joined_channel");
    assert_eq!(got[1]["type"], "message");
    assert_eq!(got[1]["channel"], "C1GEN");
    assert_eq!(got[1]["channel_type"], "channel");
    assert_eq!(got[1]["text"], "now it does");
    assert_eq!(got[1]["user"], "U0000001");
    assert_eq!(got[2]["thread_ts"], parent.as_str());
    assert_eq!(got[2]["parent_user_id"], "U0000001");
    assert_eq!(got[3]["text"], "from the bot");
    assert!(got[3]["bot_id"].is_string(), "{}", got[3]);
    assert_eq!(got[4]["channel_type"], "group");
    assert_eq!(got[4]["channel"], "G1PRIV");
    let envelope: serde_json::Value =
        serde_json::from_slice(&seen.lock().unwrap()[1].body).unwrap();
    assert_eq!(envelope["authorizations"][0]["user_id"], "UB1");
    assert_eq!(envelope["authorizations"][0]["is_bot"], true);
}

/// events/channel_left: a bot removed from a channel hears `channel_left`
/// with `actor_id` (and no `member_left_channel` about itself); someone
/// else's removal is `member_left_channel` while the bot is in.
#[tokio::test]
async fn removing_the_bot_is_channel_left() {
    let slack = fake().await;
    assert!(slack.join_channel("T1", "C1GEN", "UB1"));
    let (url, seen) = local_app(vec![Answer::Status(200)]).await;
    slack.deliver_events_to(&url, SECRET);

    assert!(slack.remove_from_channel("T1", "C1GEN", "U0000002", "U0000001"));
    deliveries(&slack, 1).await;
    let kicked: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_fake/channels/kick", slack.base_url()))
        .json(&serde_json::json!({"team": "T1", "channel": "C1GEN",
                                  "user": "UB1", "by": "U0000001"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kicked["ok"], true, "{kicked}");
    deliveries(&slack, 2).await;
    assert!(
        !slack
            .channel_members("T1", "C1GEN")
            .contains(&"UB1".to_owned())
    );
    slack.post_as("T1", "C1GEN", "U0000001", "the bot is gone", None);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let got = events(&seen);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["type"], "member_left_channel");
    assert_eq!(got[0]["user"], "U0000002");
    assert_eq!(got[0]["channel_type"], "C");
    assert_eq!(got[0]["team"], "T1");
    assert_eq!(got[1]["type"], "channel_left");
    assert_eq!(got[1]["channel"], "C1GEN");
    assert_eq!(got[1]["actor_id"], "U0000001");
    assert!(got[1]["event_ts"].is_string());
}
