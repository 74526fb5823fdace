//! The Workflow Builder step "Invite to a hallway room" through the fake
//! Slack: a workflow runs it (`function_executed` with a just-in-time
//! token), hallway invites the people and/or the channel's members, and
//! the step completes with the room's join link and how many were reached
//! (`functions.completeSuccess`), or fails with a reason people can act on
//! (`functions.completeError`).

use hallway_tests::TestApp;
use hallway_tests::demo::invites_to;
use hallway_tests::demo::{ALICE, BOB, CAROL, DESIGN, bridged_office};
use serde_json::{Value, json};

const TEAM: &str = "T0DEMO";

async fn outcome(app: &TestApp, execution: &str) -> Value {
    app.eventually("the step completed", || async {
        app.slack.function_outcome(execution).is_some()
    })
    .await;
    app.slack.function_outcome(execution).unwrap()
}

#[tokio::test]
async fn the_step_invites_people_and_completes_with_the_join_link_and_count() {
    let Some((app, o)) = bridged_office(&[]).await else {
        return;
    };
    let run = app.slack.run_function(
        TEAM,
        "invite_to_room",
        json!({"people": [BOB, CAROL], "room": "kitchen", "note": "Daily sync at 9:30"}),
    );
    let done = outcome(&app, &run).await;
    let outputs = &done["outputs"];
    assert_eq!(outputs["reached"], 2, "{done}");
    assert_eq!(outputs["not_reached"], 0);
    assert_eq!(outputs["room_name"], "Kitchen");
    let link = outputs["join_url"].as_str().unwrap();
    assert!(link.starts_with(&app.url("/join/")), "{outputs}");
    // The link's claims name the step's space.
    let claims = link.rsplit('/').next().unwrap().split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    assert_eq!(claims["space"], o.hq.as_str(), "{claims}");
    let dm = &invites_to(&app, BOB)[0];
    assert!(
        dm.text
            .starts_with("A workflow has invited you to meet in Kitchen (HQ)"),
        "{}",
        dm.text
    );
    assert!(
        dm.blocks
            .as_ref()
            .unwrap()
            .to_string()
            .contains("> Daily sync at 9:30"),
        "{:?}",
        dm.blocks
    );
    // The workflow's token ended with the step: a redelivered event could
    // not complete it twice.
    assert_eq!(app.slack.calls_to("functions.completeSuccess").len(), 1);
}

#[tokio::test]
async fn a_channel_step_invites_its_members_and_names_the_inviter() {
    let Some((app, _o)) = bridged_office(&[]).await else {
        return;
    };
    let run = app.slack.run_function(
        TEAM,
        "invite_to_room",
        json!({"channel": DESIGN, "room": "Hall", "inviter": ALICE}),
    );
    let done = outcome(&app, &run).await;
    // Bob and Carol; Alice invited them.
    assert_eq!(done["outputs"]["reached"], 2, "{done}");
    assert!(invites_to(&app, ALICE).is_empty());
    assert_eq!(invites_to(&app, CAROL).len(), 1);
}

#[tokio::test]
async fn a_step_that_cannot_run_says_what_to_change() {
    let Some((app, _o)) = bridged_office(&[]).await else {
        return;
    };
    for (inputs, says) in [
        (
            json!({"people": [BOB], "room": "Attic"}),
            "'HQ' has no room called 'Attic'. Its rooms: 'Kitchen', 'Hall', 'Booth'.",
        ),
        (
            json!({"people": [BOB], "space": "Lab"}),
            "There is no space called 'Lab' in this workspace. Spaces: 'HQ'.",
        ),
        (json!({"note": "hi"}), "Nobody to invite"),
    ] {
        let run = app
            .slack
            .run_function(TEAM, "invite_to_room", inputs.clone());
        let done = outcome(&app, &run).await;
        let error = done["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{inputs}: {done}");
    }
    let run = app.slack.run_function(TEAM, "retired_step", json!({}));
    let done = outcome(&app, &run).await;
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .contains("no step 'retired_step'"),
        "{done}"
    );
    assert!(invites_to(&app, BOB).is_empty(), "nothing was sent");
}
