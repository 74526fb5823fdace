//! The caller's own settings through the office API: home room, starred
//! people (with where they are now), and the space switcher's list of the
//! spaces of their Slack workspaces.

use hallway::ids::OfficeUserId;
use hallway::store::Role;
use hallway_tests::{TestApp, spawn_app};
use http::Method;
use serde_json::{Value, json};

use crate::commands::{Office, office};
use crate::demo::team as demo;

fn ou(id: &str) -> OfficeUserId {
    OfficeUserId::new(id).unwrap()
}

async fn call(
    app: &TestApp,
    o: &Office,
    who: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let role = if who == "ada" {
        Role::Admin
    } else {
        Role::Member
    };
    app.api(
        method,
        &format!("/api/v1/spaces/{}{path}", o.hq),
        Some(&app.token(who, &[(&o.hq, role)])),
        body,
    )
    .await
}

#[tokio::test]
async fn a_member_sets_a_home_room_and_stars_people_and_sees_where_they_are() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let o = office(&app).await;
    let (code, me) = call(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(code, 200, "{me}");
    assert_eq!(
        (me["role"].as_str(), &me["home_room"], &me["starred"]),
        (Some("admin"), &Value::Null, &json!([]))
    );

    let rooms = app.services.spaces().rooms(&o.hq).await.unwrap();
    let kitchen = rooms
        .iter()
        .find(|r| r.name == "Kitchen")
        .unwrap()
        .id
        .clone();
    let (code, me) = call(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        Some(json!({"room_id": kitchen})),
    )
    .await;
    assert_eq!(code, 200, "{me}");
    assert_eq!(me["home_room"], json!({"id": kitchen, "name": "Kitchen"}));
    // A room of another space, or none at all: 404, nothing changed.
    let other = app
        .services
        .spaces()
        .create("Elsewhere", None)
        .await
        .unwrap();
    let lounge = app
        .services
        .spaces()
        .add_room(&other.id, "Lounge", 3)
        .await
        .unwrap();
    for bad in [lounge.id.to_string(), "01nosuchroom".into()] {
        let (code, body) = call(
            &app,
            &o,
            "ada",
            Method::PUT,
            "/me/home-room",
            Some(json!({"room_id": bad})),
        )
        .await;
        assert_eq!(code, 404, "{body}");
    }
    // A misspelt field is refused rather than read as "clear it".
    let (code, body) = call(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        Some(json!({"room": kitchen})),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    let (_, me) = call(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(me["home_room"]["name"], "Kitchen");
    let (code, body) = call(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        Some(json!({"room_id": null})),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["home_room"], Value::Null);

    // Stars: only members of the space, never yourself, idempotent.
    let (code, body) = call(&app, &o, "ada", Method::PUT, "/me/starred/bob", None).await;
    assert_eq!(code, 404, "{body}");
    app.services
        .members()
        .join(&o.hq, &ou("bob"), Role::Member, 0)
        .await
        .unwrap();
    app.services
        .users()
        .remember(&ou("bob"), Some("Bob Builder"), None)
        .await
        .unwrap();
    let (code, body) = call(&app, &o, "ada", Method::PUT, "/me/starred/ada", None).await;
    assert_eq!(code, 400, "{body}");
    for _ in 0..2 {
        let (code, me) = call(&app, &o, "ada", Method::PUT, "/me/starred/bob", None).await;
        assert_eq!(code, 200, "{me}");
        assert_eq!(
            me["starred"],
            json!([{"user_id": "bob", "name": "Bob Builder", "room": null}])
        );
    }
    call(
        &app,
        &o,
        "bob",
        Method::PUT,
        "/presence",
        Some(json!({"rooms": {o.hall.as_str(): ["bob"]}})),
    )
    .await;
    let (_, me) = call(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(
        me["starred"][0]["room"],
        json!({"id": o.hall, "name": "Hall"})
    );
    // Bob's own settings are his: Ada's stars are not his.
    let (_, bob) = call(&app, &o, "bob", Method::GET, "/me", None).await;
    assert_eq!(bob["starred"], json!([]));

    let (code, me) = call(&app, &o, "ada", Method::DELETE, "/me/starred/bob", None).await;
    assert_eq!(code, 200);
    assert_eq!(me["starred"], json!([]));
    // Someone with no role in the space.
    let (code, body) = app
        .api(
            Method::GET,
            &format!("/api/v1/spaces/{}/me", o.hq),
            Some(&app.token("zed", &[])),
            None,
        )
        .await;
    assert_eq!(code, 403, "{body}");
}

#[tokio::test]
async fn the_space_switcher_lists_my_workspaces_spaces_oldest_first() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let o = office(&app).await;
    let spaces = app.services.spaces();
    let lab = spaces.create("Lab", None).await.unwrap();
    spaces.connect(&lab.id, &demo()).await.unwrap();
    let (code, body) = app
        .api(
            Method::GET,
            "/api/v1/me/slack-spaces",
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let teams = body["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0]["team_id"], "T0DEMO");
    assert_eq!(teams[0]["slack_user_id"], "U0DEMO01");
    let list = &teams[0]["spaces"];
    assert_eq!(list[0]["id"], o.hq.as_str());
    assert_eq!(
        (list[0]["default"].as_bool(), list[0]["role"].as_str()),
        (Some(true), Some("admin"))
    );
    assert_eq!(list[1]["name"], "Lab");
    assert_eq!(
        (list[1]["default"].as_bool(), &list[1]["role"]),
        (Some(false), &Value::Null)
    );
    // Someone linked nowhere: no workspaces.
    let (_, body) = app
        .api(
            Method::GET,
            "/api/v1/me/slack-spaces",
            Some(&app.token("zed", &[])),
            None,
        )
        .await;
    assert_eq!(body["teams"], json!([]));
}
