//! Unfurls end to end: someone posts a link to one of our rooms in Slack;
//! the fake Slack delivers `link_shared` (signed) to the bundle, the worker
//! answers with `chat.unfurl`, and the fake checks and records it.

use hallway::auth::join::JoinClaims;
use hallway::ids::{RoomId, SpaceId};
use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_api::model;
use hallway_tests::{TestApp, body as wire, eventually};
use http::Method;
use serde_json::{Value, json};

use hallway_tests::demo::slack;
use hallway_tests::demo::{BOB, GENERAL};
use hallway_tests::demo::{OFFICE_SCOPES, Office, bridged_office, install_demo};

async fn app() -> Option<(TestApp, Office)> {
    bridged_office(&["links:read", "links:write"]).await
}

async fn join_link(app: &TestApp, space: &SpaceId, room: &RoomId) -> String {
    let (status, body) = app
        .api_ok::<model::JoinLink>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/join-links"),
            Some(&app.token("ada", &[(space, Role::Admin)])),
            wire(&model::NewJoinLink {
                room_id: room.clone(),
                guest: false,
                expires_in: None,
            }),
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    body.url
}

async fn presence(app: &TestApp, o: &Office, who: &[&str]) {
    let (status, body) = app
        .api_ok::<model::RoomList>(
            Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            Some(json!({"rooms": {o.hall.as_str(): who}})),
        )
        .await;
    assert!(status < 300, "{body:?}");
}

/// Bob posts `text` in #general; returns the message's ts.
async fn post(app: &TestApp, text: &str) -> String {
    let bob = Secret::new(app.slack.issue_user_token("T0DEMO", BOB, &["chat:write"]));
    let reply = slack(
        app,
        &bob,
        "chat.postMessage",
        json!({"channel": GENERAL, "text": text}),
    )
    .await;
    reply["ts"].as_str().unwrap().to_owned()
}

async fn unfurled(app: &TestApp, n: usize) -> Vec<Value> {
    eventually(&format!("{n} unfurl(s)"), || async {
        app.slack.unfurls("T0DEMO").len() >= n
    })
    .await;
    app.slack.unfurls("T0DEMO")
}

fn texts(preview: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for b in preview["blocks"].as_array().unwrap() {
        if let Some(t) = b["text"]["text"].as_str() {
            out.push(t.to_owned());
        }
        for e in b["elements"].as_array().into_iter().flatten() {
            if let Some(t) = e["text"].as_str() {
                out.push(t.to_owned());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_join_link_unfurls_with_the_room_who_is_in_it_and_a_join_button() {
    let Some((app, o)) = app().await else {
        return;
    };
    presence(&app, &o, &["ada"]).await;
    let link = join_link(&app, &o.hq, &o.hall).await;
    let room_page = format!(
        "{}/spaces/{}/rooms/{}",
        app.services.config.app_url.as_str().trim_end_matches('/'),
        o.hq,
        o.hall
    );
    let ts = post(&app, &format!("meet us: <{link}> or {room_page}")).await;

    let u = unfurled(&app, 1).await.remove(0);
    // Answered by unfurl_id and source, as the event offered them.
    assert_eq!(u["source"], "conversations_history");
    assert!(u["unfurl_id"].as_str().unwrap().contains(&ts), "{u}");
    let previews = u["unfurls"].as_object().unwrap();
    assert_eq!(previews.len(), 2, "{u}");
    for (url, preview) in previews {
        assert_eq!(
            texts(preview),
            ["*Hall* · HQ", "In the room now (1/30): Ada Lovelace"],
            "{url}"
        );
        assert_eq!(preview["blocks"][0]["accessory"]["url"], url.as_str());
        assert_eq!(preview["blocks"][0]["accessory"]["action_id"], "join_room");
    }
    assert!(previews.contains_key(&link) && previews.contains_key(&room_page));

    // Presence moves: a later share says so.
    presence(&app, &o, &[]).await;
    post(&app, &link).await;
    let u = unfurled(&app, 2).await.remove(1);
    assert_eq!(
        texts(&u["unfurls"][&link]),
        ["*Hall* · HQ", "Nobody is in the room right now."]
    );
    app.drained().await;
    assert!(
        app.slack
            .calls_to("chat.unfurl")
            .iter()
            .all(|c| c.status == 200 && c.error.is_none())
    );
}

#[tokio::test]
async fn foreign_tampered_and_unknown_links_stay_bare_and_expired_ones_say_so() {
    let Some((app, o)) = app().await else {
        return;
    };
    // A space of no team (or another team's): never described here.
    let spaces = app.services.spaces();
    let elsewhere = spaces.create("Elsewhere", None).await.unwrap();
    let lounge = spaces.add_room(&elsewhere.id, "Lounge", 5).await.unwrap();
    let foreign = join_link(&app, &elsewhere.id, &lounge.id).await;
    let ours = join_link(&app, &o.hq, &o.hall).await;
    let tampered = format!("{}x", ours);
    let expired = app.services.config.endpoint(&format!(
        "/join/{}",
        app.services.join_links.token(&JoinClaims {
            space: o.hq.clone(),
            room: o.hall.clone(),
            invite: None,
            guest: false,
            exp: app.now_secs() - 60,
        })
    ));
    let no_room = app.services.config.endpoint("/join");
    post(
        &app,
        &format!("{foreign} {tampered} {no_room} {expired} {ours}"),
    )
    .await;
    let u = unfurled(&app, 1).await.remove(0);
    let previews = u["unfurls"].as_object().unwrap();
    let mut keys: Vec<&String> = previews.keys().collect();
    keys.sort();
    let mut want = vec![&expired, &ours];
    want.sort();
    assert_eq!(keys, want, "only our team's rooms and the expired link");
    assert!(texts(&previews[&expired])[0].contains("expired"));

    // Nothing of ours in a message: nothing called.
    app.slack.clear_calls();
    post(&app, &format!("{foreign} and https://example.com/x")).await;
    eventually("the link_shared delivered", || async {
        !app.slack.calls_to("events.deliver").is_empty()
    })
    .await;
    app.drained().await;
    assert!(app.slack.calls_to("chat.unfurl").is_empty());
    assert_eq!(app.slack.unfurls("T0DEMO").len(), 1);
}

#[tokio::test]
async fn an_install_without_links_write_is_refused_once_and_not_retried() {
    let Some((app, o)) = app().await else {
        return;
    };
    // An installation from before unfurls: no `links:write`.
    install_demo(&app, OFFICE_SCOPES).await;
    let link = join_link(&app, &o.hq, &o.hall).await;
    post(&app, &link).await;
    eventually("chat.unfurl attempted", || async {
        !app.slack.calls_to("chat.unfurl").is_empty()
    })
    .await;
    app.drained().await;
    let calls = app.slack.calls_to("chat.unfurl");
    assert_eq!(calls.len(), 1, "a refusal is not retried: {calls:?}");
    assert_eq!(calls[0].error.as_deref(), Some("missing_scope"));
    assert!(app.slack.unfurls("T0DEMO").is_empty());
}

#[tokio::test]
async fn without_an_unfurl_id_the_message_is_named_by_channel_and_ts() {
    let Some((app, o)) = app().await else {
        return;
    };
    // Enterprise Grid sends no unfurl_id: the answer names the message.
    let ts = post(&app, "hello").await;
    let link = join_link(&app, &o.hq, &o.hall).await;
    let event = json!({
        "token": "x", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY", "type": "event_callback",
        "enterprise_id": "E0ACME", "event_id": "Ev0GRIDLINK1", "event_time": app.now_secs(),
        "event": {"type": "link_shared", "channel": GENERAL, "user": BOB, "message_ts": ts,
                  "links": [{"domain": "127.0.0.1", "url": link}], "event_ts": ts},
        "authorizations": [{"enterprise_id": "E0ACME", "team_id": "T0DEMO", "user_id": "U0DEMOBOT",
                            "is_bot": true, "is_enterprise_install": false}],
    });
    let resp = app
        .post_signed("/slack/events", "application/json", &event.to_string(), &[])
        .await;
    assert_eq!(resp.headers()["x-hallway-event"], "queued");
    let u = unfurled(&app, 1).await.remove(0);
    assert_eq!(
        (u["channel"].as_str(), u["ts"].as_str()),
        (Some(GENERAL), Some(ts.as_str()))
    );
    assert!(u["unfurl_id"].is_null());
    assert_eq!(texts(&u["unfurls"][&link])[0], "*Hall* · HQ");
}
