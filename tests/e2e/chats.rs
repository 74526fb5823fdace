//! The chat bridge from the office: Ada writes to Bob through the API (her
//! own Slack token), Bob answers on Slack (delivered as an event), and the
//! history merges both with what Slack's `conversations.history` holds,
//! within the workspace's budget of history calls.

use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_tests::{TestApp, eventually};
use http::Method;
use serde_json::{Value, json};

use crate::chat::slack;
use crate::commands::{Office, bridged_office, fill_directory, link_ada_with_token};
use crate::demo::{ALICE, BOB};

const ADA_SCOPES: &[&str] = &["chat:write", "im:history", "im:read", "im:write"];

async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    fill_directory(&app, &o).await;
    Some((app, o))
}

async fn api(
    app: &TestApp,
    o: &Office,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.api(
        method,
        &format!("/api/v1/spaces/{}/people/{BOB}/messages{path}", o.hq),
        Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
        body,
    )
    .await
}

/// Ten messages older than `cursor`.
async fn older(app: &TestApp, o: &Office, cursor: &str) -> Value {
    let (code, page) = api(
        app,
        o,
        Method::GET,
        &format!("?limit=10&before={cursor}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{page}");
    page
}

fn texts(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn ada_writes_from_the_office_bob_answers_and_the_history_has_both_once() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Not linked with a token yet: told how.
    let (code, body) = api(&app, &o, Method::POST, "", Some(json!({"text": "hi"}))).await;
    assert_eq!(code, 409, "{body}");
    link_ada_with_token(&app, ADA_SCOPES).await;
    for bad in [
        json!({"text": "   "}),
        json!({"text": "x".repeat(4001)}),
        json!({"txt": "hi"}),
    ] {
        let (code, body) = api(&app, &o, Method::POST, "", Some(bad)).await;
        assert_eq!(code, 400, "{body}");
    }

    let (code, sent) = api(
        &app,
        &o,
        Method::POST,
        "",
        Some(json!({"text": "Coffee in the Kitchen?"})),
    )
    .await;
    assert_eq!(code, 201, "{sent}");
    assert_eq!(sent["message"]["mine"], true);
    assert_eq!(sent["message"]["from"], "office");
    // It is in Slack, as Alice.
    let dm = app.slack.im_messages("T0DEMO", ALICE, BOB);
    assert_eq!(
        (dm.len(), dm[0].user.as_str(), dm[0].text.as_str()),
        (1, ALICE, "Coffee in the Kitchen?")
    );

    // Bob answers in Slack: the office hears that, not its own message.
    let bob = Secret::new(app.slack.issue_user_token("T0DEMO", BOB, &["chat:write"]));
    let channel = sent["channel_id"].as_str().unwrap().to_owned();
    slack(
        &app,
        &bob,
        "chat.postMessage",
        json!({"channel": channel, "text": "On my way"}),
    )
    .await;
    let office = app.office.as_ref().unwrap();
    eventually("Bob's answer told", || async {
        !office.accepted().is_empty()
    })
    .await;
    app.drained().await;
    let told: Vec<Value> = office
        .accepted()
        .iter()
        .map(|n| n.data["text"].clone())
        .collect();
    assert_eq!(
        told,
        [json!("On my way")],
        "the echo of the office's own message is not told"
    );

    let (code, page) = api(&app, &o, Method::GET, "", None).await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(texts(&page), ["On my way", "Coffee in the Kitchen?"]);
    assert_eq!(page["messages"][0]["mine"], false);
    assert_eq!(page["messages"][1]["mine"], true);
    assert_eq!(page["partial"], false);
    assert_eq!(page["next_cursor"], Value::Null, "Slack has nothing older");
}

#[tokio::test]
async fn older_history_comes_from_slack_within_the_budget_and_says_when_partial() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Twenty messages before Ada linked: only Slack has them.
    let alice = Secret::new(app.slack.issue_user_token("T0DEMO", ALICE, &["chat:write"]));
    let bob = Secret::new(app.slack.issue_user_token("T0DEMO", BOB, &["chat:write"]));
    app.slack.set_limits_enabled(false);
    for i in 1..=20 {
        let (who, to) = if i % 2 == 0 {
            (&alice, BOB)
        } else {
            (&bob, ALICE)
        };
        slack(
            &app,
            who,
            "chat.postMessage",
            json!({"channel": to, "text": format!("m{i:02}")}),
        )
        .await;
    }
    app.slack.set_limits_enabled(true);
    link_ada_with_token(&app, ADA_SCOPES).await;
    app.slack.clear_calls();

    // The newest page: one history call (15 messages), 10 shown.
    let (code, first) = api(&app, &o, Method::GET, "?limit=10", None).await;
    assert_eq!(code, 200, "{first}");
    let want: Vec<String> = (11..=20).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&first), want);
    assert_eq!(first["partial"], false);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    // Older: five are stored; Slack would have the rest, but this minute's
    // budget (1 call) is spent. Partial, with when to ask again.
    let second = older(&app, &o, &cursor).await;
    assert_eq!(texts(&second), ["m10", "m09", "m08", "m07", "m06"]);
    assert_eq!(second["partial"], true, "{second}");
    assert!(second["retry_after"].as_i64().unwrap() > 0, "{second}");
    assert_eq!(second["next_cursor"], second["messages"][4]["ts"]);

    // Once the wait it reported is over, the rest comes from Slack (the
    // wait is honest: Slack's rolling minute has passed too), and nothing
    // is doubled.
    app.advance_secs(second["retry_after"].as_i64().unwrap());
    let third = older(&app, &o, &cursor).await;
    let want: Vec<String> = (1..=10).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&third), want);
    assert_eq!(third["partial"], false);
    let last = third["next_cursor"].as_str().unwrap().to_owned();
    let end = older(&app, &o, &last).await;
    assert_eq!((texts(&end).len(), &end["next_cursor"]), (0, &Value::Null));

    // Two history calls in all, a minute apart, each of at most 15, and
    // Slack refused none.
    let calls = app.slack.calls_to("conversations.history");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    assert!(calls.iter().all(|c| c.params["limit"] == "15"));
    // The whole conversation, newest first, each message once.
    let (_, all) = api(&app, &o, Method::GET, "?limit=100", None).await;
    let want: Vec<String> = (1..=20).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&all), want);
    // Bad cursors and limits: 400.
    for bad in ["?before=nope%20nope", "?limit=0", "?limit=101"] {
        let (code, body) = api(&app, &o, Method::GET, bad, None).await;
        assert_eq!(code, 400, "{bad}: {body}");
    }
}
