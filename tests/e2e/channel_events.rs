//! Channels mapped to rooms, end to end: people join channels and channels
//! are renamed on the fake Slack, which delivers `member_joined_channel` and
//! `channel_rename` (signed) to the bundle; the worker welcomes newcomers by
//! DM once and keeps a room named after its channel in step.

use hallway::ids::{ChannelId, UserId};
use hallway::store::Role;
use hallway_api::model::RoomList;
use hallway_fake_slack::{ChannelSeed, TeamSeed};
use hallway_tests::{AppOptions, TestApp, eventually, spawn_app_with};
use http::Method;
use serde_json::json;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{BOT, DAVE, DESIGN, ERIN, GENERAL, from_app};
use hallway_tests::demo::{Office, office};

/// Not mapped to any room.
const RANDOM: &str = "C0RANDOM";

fn channel(id: &str) -> ChannelId {
    ChannelId::new(id).unwrap()
}

/// The demo office; #design meets in a room named after it, #general in
/// Hall, #random nowhere; the bot is in all three.
async fn app() -> Option<(TestApp, Office, hallway::ids::RoomId)> {
    let mut team = TeamSeed::demo();
    team.channels.push(ChannelSeed::public(
        RANDOM,
        "random",
        vec!["U0DEMO01".into()],
    ));
    let app = spawn_app_with(AppOptions {
        bridge: true,
        teams: Some(vec![team]),
        ..AppOptions::default()
    })
    .await?;
    let o = office(&app).await;
    let design = app
        .services
        .spaces()
        .add_room(&o.hq, "design", 8)
        .await
        .unwrap();
    let channels = app.services.channels();
    let alice = UserId::new("U0DEMO01").unwrap();
    channels
        .map(
            &demo(),
            &channel(DESIGN),
            Some("design"),
            &o.hq,
            &design.id,
            Some(&alice),
        )
        .await
        .unwrap();
    channels
        .map(
            &demo(),
            &channel(GENERAL),
            Some("general"),
            &o.hq,
            &o.hall,
            Some(&alice),
        )
        .await
        .unwrap();
    for ch in [DESIGN, GENERAL, RANDOM] {
        assert!(app.slack.join_channel("T0DEMO", ch, BOT));
    }
    Some((app, o, design.id))
}

#[tokio::test]
async fn a_newcomer_to_a_mapped_channel_is_welcomed_once_with_the_rooms_join_button() {
    let Some((app, o, design)) = app().await else {
        return;
    };
    let (code, body) = app
        .api_ok::<RoomList>(
            Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            Some(json!({"rooms": {design.as_str(): ["ada"]}})),
        )
        .await;
    assert!(code < 300, "{body:?}");

    assert!(app.slack.join_channel("T0DEMO", DESIGN, DAVE));
    eventually("Dave welcomed", || async {
        !from_app(&app, DAVE).is_empty()
    })
    .await;
    let dm = from_app(&app, DAVE).remove(0);
    assert!(dm.text.contains("meets in design (HQ)"), "{}", dm.text);
    let blocks = dm.blocks.unwrap();
    assert_eq!(
        blocks[0]["text"]["text"],
        "Welcome to <#C0DESIGN>! The channel meets in *design* (HQ) in the virtual office."
    );
    assert_eq!(blocks[0]["accessory"]["action_id"], "join_room");
    let join = blocks[0]["accessory"]["url"].as_str().unwrap();
    assert!(
        join.starts_with(&app.services.config.endpoint("/join/")),
        "{join}"
    );
    let claims = app
        .services
        .join_links
        .verify(join.rsplit('/').next().unwrap())
        .unwrap();
    assert_eq!((claims.space, claims.room), (o.hq.clone(), design.clone()));
    assert_eq!(blocks[1]["elements"][0]["text"], "There now: Ada Lovelace");

    // Slack says it again (Dave left and came back): no second welcome.
    let again = json!({
        "token": "x", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY", "type": "event_callback",
        "event_id": "Ev0REJOIN01", "event_time": app.now_secs(),
        "event": {"type": "member_joined_channel", "user": DAVE, "channel": DESIGN,
                  "channel_type": "C", "team": "T0DEMO", "event_ts": "1.2"},
        "authorizations": [{"team_id": "T0DEMO", "user_id": BOT, "is_bot": true}],
    });
    let resp = app
        .post_signed("/slack/events", "application/json", &again.to_string(), &[])
        .await;
    assert_eq!(resp.headers()["x-hallway-event"], "queued");
    app.drained().await;
    assert_eq!(from_app(&app, DAVE).len(), 1);

    // An unmapped channel, and the bot's own joins: nobody is DMed.
    app.slack.clear_calls();
    assert!(app.slack.join_channel("T0DEMO", RANDOM, ERIN));
    eventually("Erin's join delivered", || async {
        !app.slack.calls_to("events.deliver").is_empty()
    })
    .await;
    app.drained().await;
    assert!(from_app(&app, ERIN).is_empty());
    assert!(app.slack.calls_to("chat.postMessage").is_empty());
    assert_eq!(from_app(&app, DAVE).len(), 1);
}

#[tokio::test]
async fn a_renamed_channel_renames_the_room_named_after_it_and_no_other() {
    let Some((app, o, design)) = app().await else {
        return;
    };
    assert!(app.slack.rename_channel("T0DEMO", DESIGN, "design-crit"));
    assert!(app.slack.rename_channel("T0DEMO", GENERAL, "all-hands"));
    let spaces = app.services.spaces();
    eventually("the design room renamed", || async {
        spaces.room(&o.hq, &design).await.unwrap().unwrap().name == "design-crit"
    })
    .await;
    eventually("both routes renamed", || async {
        let channels = app.services.channels();
        let name = |c| {
            let channels = channels.clone();
            async move {
                channels
                    .route(&demo(), &channel(c))
                    .await
                    .unwrap()
                    .unwrap()
                    .channel_name
            }
        };
        name(DESIGN).await.as_deref() == Some("design-crit")
            && name(GENERAL).await.as_deref() == Some("all-hands")
    })
    .await;
    // Hall was not named after #general: it keeps its name.
    assert_eq!(
        spaces.room(&o.hq, &o.hall).await.unwrap().unwrap().name,
        "Hall"
    );

    // Renamed again: the room follows, since it still carries the name.
    assert!(app.slack.rename_channel("T0DEMO", DESIGN, "design"));
    eventually("the design room renamed back", || async {
        spaces.room(&o.hq, &design).await.unwrap().unwrap().name == "design"
    })
    .await;
}
