//! The App Home tab end to end: people open it on the fake Slack, which
//! delivers `app_home_opened` (signed) to the bundle; the worker publishes
//! the tab with `views.publish`, and the fake checks and keeps it.

use hallway::ids::OfficeUserId;
use hallway::store::Role;
use hallway_api::model::RoomList;
use hallway_tests::{TestApp, eventually};
use http::Method;
use serde_json::{Value, json};

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, CAROL};
use hallway_tests::demo::{Office, bridged_office};

fn ou(id: &str) -> OfficeUserId {
    OfficeUserId::new(id).unwrap()
}

async fn app() -> Option<(TestApp, Office)> {
    bridged_office(&[]).await
}

/// Opens the Home tab as `user` and waits for a newly published view.
async fn open_home(app: &TestApp, user: &str) -> Value {
    let before = app.slack.calls_to("views.publish").len();
    assert!(app.slack.open_home("T0DEMO", user));
    eventually("the Home tab published", || async {
        app.slack.calls_to("views.publish").len() > before
    })
    .await;
    app.slack.home_view("T0DEMO", user).expect("a view")
}

fn texts(view: &Value) -> Vec<String> {
    view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| {
            b["text"]["text"]
                .as_str()
                .or_else(|| b["elements"][0]["text"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn a_linked_person_sees_their_spaces_home_room_stars_and_who_is_where() {
    let Some((app, o)) = app().await else {
        return;
    };
    let s = &app.services;
    s.users()
        .remember(&ou("bob"), Some("Bob Builder"), None)
        .await
        .unwrap();
    let spaces = s.spaces();
    let rooms = spaces.rooms(&o.hq).await.unwrap();
    let kitchen = rooms
        .iter()
        .find(|r| r.name == "Kitchen")
        .unwrap()
        .id
        .clone();
    let (code, body) = app
        .api_ok::<RoomList>(
            Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            Some(json!({"rooms": {kitchen.as_str(): ["ada", "bob"]}})),
        )
        .await;
    assert!(code < 300, "{body:?}");
    let members = s.members();
    members
        .set_home_room(&o.hq, &ou("ada"), Some(&kitchen))
        .await
        .unwrap()
        .expect("Ada is a member");
    members
        .set_starred(&o.hq, &ou("ada"), &[ou("bob"), ou("cy"), ou("bob")])
        .await
        .unwrap();
    // A second space of the team that Ada is in, and one she is not in.
    let lab = spaces.create("Lab", Some(ou("ada"))).await.unwrap();
    members
        .join(&lab.id, &ou("ada"), Role::Member, 0)
        .await
        .unwrap();
    spaces.connect(&lab.id, &demo()).await.unwrap();
    let annex = spaces.create("Annex", None).await.unwrap();
    spaces.connect(&annex.id, &demo()).await.unwrap();

    let view = open_home(&app, ALICE).await;
    assert_eq!(view["type"], "home");
    let t = texts(&view);
    assert_eq!(t[0], "HQ (default)");
    assert_eq!(
        t[1],
        "*Home room:* Kitchen\n*Starred:* Bob Builder (in Kitchen), cy (not in a room)"
    );
    assert_eq!(
        t[2],
        "*Kitchen* (your home room) · 2/4\nAda Lovelace and Bob Builder"
    );
    assert_eq!(t[3], "*Hall* · 0/30\nEmpty");
    assert_eq!(t[4], "*Booth* · 0/2\nEmpty");
    assert_eq!(t[5], "Lab");
    assert!(t.iter().all(|x| !x.contains("Annex")), "{t:?}");
    assert!(t.last().unwrap().starts_with("Updated <!date^"));

    // Each room's Join is a join link to that room.
    let blocks = view["blocks"].as_array().unwrap();
    let join = blocks[2]["accessory"]["url"].as_str().unwrap();
    let claims = s
        .join_links
        .verify(join.rsplit('/').next().unwrap())
        .unwrap();
    assert_eq!((claims.space, claims.room), (o.hq.clone(), kitchen.clone()));
    assert_eq!(
        blocks[1]["accessory"]["url"].as_str().unwrap(),
        format!(
            "{}/spaces/{}",
            s.config.app_url.as_str().trim_end_matches('/'),
            o.hq
        )
    );

    // Drawn afresh on every open.
    let (code, _) = app
        .api_ok::<RoomList>(
            Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            Some(json!({"rooms": {o.hall.as_str(): ["bob"]}})),
        )
        .await;
    assert!(code < 300);
    let t = texts(&open_home(&app, ALICE).await);
    assert_eq!(
        t[1],
        "*Home room:* Kitchen\n*Starred:* Bob Builder (in Hall), cy (not in a room)"
    );
    assert_eq!(t[3], "*Hall* · 1/30\nBob Builder");
}

#[tokio::test]
async fn someone_not_linked_sees_how_to_link_and_the_messages_tab_draws_nothing() {
    let Some((app, _)) = app().await else {
        return;
    };
    let view = open_home(&app, CAROL).await;
    let t = texts(&view);
    assert_eq!(t[0], "hallway");
    assert!(t[1].starts_with("Connect your Slack account"), "{t:?}");
    assert!(t[1].contains("*HQ*"));
    let button = &view["blocks"][1]["accessory"];
    assert_eq!(button["text"]["text"], "Connect");
    assert!(
        button["url"]
            .as_str()
            .unwrap()
            .ends_with("/slack/login?team=T0DEMO")
    );

    // The Messages tab (a DM) is not the Home tab: nothing is published.
    let publishes = app.slack.calls_to("views.publish").len();
    let event = json!({
        "token": "x", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY", "type": "event_callback",
        "event_id": "Ev0MSGTAB01", "event_time": app.now_secs(),
        "event": {"type": "app_home_opened", "user": CAROL, "channel": "D0CAROL", "tab": "messages",
                  "event_ts": "1.2"},
        "authorizations": [{"team_id": "T0DEMO", "user_id": "U0DEMOBOT", "is_bot": true}],
    });
    let resp = app
        .post_signed("/slack/events", "application/json", &event.to_string(), &[])
        .await;
    assert_eq!(resp.headers()["x-hallway-event"], "queued");
    app.drained().await;
    assert_eq!(app.slack.calls_to("views.publish").len(), publishes);
}
