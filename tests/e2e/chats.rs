//! The chat bridge from the office: Ada writes to Bob through the API (her
//! own Slack token), Bob answers on Slack (delivered as an event), and the
//! history merges both with what Slack's `conversations.history` holds,
//! within the workspace's budget of history calls.

use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_api::model::{self, ErrorBody, History, MessageSent, MessageSource};
use hallway_tests::{TestApp, body as wire, eventually};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use hallway_tests::demo::slack;
use hallway_tests::demo::{ALICE, BOB};
use hallway_tests::demo::{Office, bridged_office, fill_directory, link_ada_with_token};

const ADA_SCOPES: &[&str] = &["chat:write", "im:history", "im:read", "im:write"];

async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    fill_directory(&app, &o).await;
    Some((app, o))
}

fn messages(o: &Office, path: &str) -> String {
    format!("/api/v1/spaces/{}/people/{BOB}/messages{path}", o.hq)
}

/// Ada's call to her conversation with Bob, read as `T`.
async fn api<T: DeserializeOwned>(
    app: &TestApp,
    o: &Office,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, T) {
    app.api_ok(
        method,
        &messages(o, path),
        Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
        body,
    )
    .await
}

/// Ada's call refused.
async fn refused(
    app: &TestApp,
    o: &Office,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, ErrorBody) {
    app.api_err(
        method,
        &messages(o, path),
        Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
        body,
    )
    .await
}

/// Ten messages older than `cursor`.
async fn older(app: &TestApp, o: &Office, cursor: &str) -> History {
    let (code, page) = api(
        app,
        o,
        Method::GET,
        &format!("?limit=10&before={cursor}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{page:?}");
    page
}

fn texts(page: &History) -> Vec<String> {
    page.messages.iter().map(|m| m.text.clone()).collect()
}

#[tokio::test]
async fn ada_writes_from_the_office_bob_answers_and_the_history_has_both_once() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Not linked with a token yet: told how.
    let (code, body) = refused(&app, &o, Method::POST, "", Some(json!({"text": "hi"}))).await;
    assert_eq!(code, 409, "{body:?}");
    link_ada_with_token(&app, ADA_SCOPES).await;
    for bad in [
        json!({"text": "   "}),
        json!({"text": "x".repeat(4001)}),
        json!({"txt": "hi"}),
    ] {
        let (code, body) = refused(&app, &o, Method::POST, "", Some(bad)).await;
        assert_eq!(code, 400, "{body:?}");
    }

    let (code, sent) = api::<MessageSent>(
        &app,
        &o,
        Method::POST,
        "",
        wire(&model::SendMessage {
            text: "Coffee in the Kitchen?".into(),
        }),
    )
    .await;
    assert_eq!(code, 201, "{sent:?}");
    assert!(sent.message.mine);
    assert_eq!(sent.message.from, MessageSource::Office);
    // It is in Slack, as Alice.
    let dm = app.slack.im_messages("T0DEMO", ALICE, BOB);
    assert_eq!(
        (dm.len(), dm[0].user.as_str(), dm[0].text.as_str()),
        (1, ALICE, "Coffee in the Kitchen?")
    );

    // Bob answers in Slack: the office hears that, not its own message.
    let bob = Secret::new(app.slack.issue_user_token("T0DEMO", BOB, &["chat:write"]));
    let channel = sent.channel_id.to_string();
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

    let (code, page) = api::<History>(&app, &o, Method::GET, "", None).await;
    assert_eq!(code, 200, "{page:?}");
    assert_eq!(texts(&page), ["On my way", "Coffee in the Kitchen?"]);
    assert!(!page.messages[0].mine);
    assert!(page.messages[1].mine);
    assert!(!page.partial);
    assert_eq!(page.next_cursor, None, "Slack has nothing older");
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
    let (code, first) = api::<History>(&app, &o, Method::GET, "?limit=10", None).await;
    assert_eq!(code, 200, "{first:?}");
    let want: Vec<String> = (11..=20).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&first), want);
    assert!(!first.partial);
    let cursor = first.next_cursor.unwrap().to_string();

    // Older: five are stored; Slack would have the rest, but this minute's
    // budget (1 call) is spent. Partial, with when to ask again.
    let second = older(&app, &o, &cursor).await;
    assert_eq!(texts(&second), ["m10", "m09", "m08", "m07", "m06"]);
    assert!(second.partial, "{second:?}");
    assert!(second.retry_after.unwrap() > 0, "{second:?}");
    assert_eq!(second.next_cursor.as_ref(), Some(&second.messages[4].ts));

    // Once the wait it reported is over, the rest comes from Slack (the
    // wait is honest: Slack's rolling minute has passed too), and nothing
    // is doubled.
    app.advance_secs(second.retry_after.unwrap());
    let third = older(&app, &o, &cursor).await;
    let want: Vec<String> = (1..=10).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&third), want);
    assert!(!third.partial);
    let last = third.next_cursor.unwrap().to_string();
    let end = older(&app, &o, &last).await;
    assert_eq!((texts(&end).len(), &end.next_cursor), (0, &None));

    // Two history calls in all, a minute apart, each of at most 15, and
    // Slack refused none.
    let calls = app.slack.calls_to("conversations.history");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    assert!(calls.iter().all(|c| c.params["limit"] == "15"));
    // The whole conversation, newest first, each message once.
    let (_, all) = api::<History>(&app, &o, Method::GET, "?limit=100", None).await;
    let want: Vec<String> = (1..=20).rev().map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts(&all), want);
    // Bad cursors and limits: 400.
    for bad in ["?before=nope%20nope", "?limit=0", "?limit=101"] {
        let (code, body) = refused(&app, &o, Method::GET, bad, None).await;
        assert_eq!(code, 400, "{bad}: {body:?}");
    }
}
