//! The office API: bearer JWTs, roles, spaces, rooms, presence, settings.

use hallway::ids::SpaceId;
use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_tests::{TestApp, spawn_app_without_worker};
use http::Method;
use serde_json::{Value, json};

async fn app() -> Option<TestApp> {
    spawn_app_without_worker().await
}

/// Creates a space as `user` and returns its id.
async fn space(app: &TestApp, user: &str, name: &str) -> SpaceId {
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token(user, &[])),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["role"], "admin");
    SpaceId::new(body["id"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let Some(app) = app().await else { return };
    let (status, body) = app.api(Method::GET, "/api/v1/spaces", None, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("missing bearer token"))
    );
    let forged = hallway::auth::AppJwt::new(&Secret::new("not-the-secret")).issue(&json!({
        "sub": "u1", "exp": app.now_secs() + 60
    }));
    let (status, _) = app
        .api(Method::GET, "/api/v1/spaces", Some(&forged), None)
        .await;
    assert_eq!(status, 401);
    let expired = app
        .services
        .app_jwt
        .issue(&json!({"sub": "u1", "exp": app.now_secs() - 120}));
    let (status, body) = app
        .api(Method::GET, "/api/v1/spaces", Some(&expired), None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("the bearer token has expired"))
    );
    // Refused requests change nothing.
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&expired),
            Some(json!({"name": "Nope"})),
        )
        .await;
    assert_eq!(status, 401);
    let (_, listed) = app
        .api(
            Method::GET,
            "/api/v1/spaces",
            Some(&app.token("u1", &[])),
            None,
        )
        .await;
    assert_eq!(listed["spaces"], json!([]));
}

#[tokio::test]
async fn spaces_are_created_listed_and_shown() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    let ada = app.token("ada", &[]);
    let (_, listed) = app
        .api(Method::GET, "/api/v1/spaces", Some(&ada), None)
        .await;
    assert_eq!(listed["spaces"][0]["name"], "HQ");
    assert_eq!(listed["spaces"][0]["role"], "admin");
    let (status, shown) = app
        .api(
            Method::GET,
            &format!("/api/v1/spaces/{id}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(shown["slack"]["connected"], false);
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            Some(json!({"name": "   "})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("a space's name must be 1-80 characters"))
    );
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .api(Method::GET, "/api/v1/spaces/no%23such", Some(&ada), None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .api(Method::GET, "/api/v1/spaces/nosuch", Some(&ada), None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rooms_need_a_manager_and_members_cannot_touch_them() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    let ada = app.token("ada", &[]);
    let path = format!("/api/v1/spaces/{id}/rooms");
    let (status, room) = app
        .api(
            Method::POST,
            &path,
            Some(&ada),
            Some(json!({"name": "Kitchen", "capacity": 4})),
        )
        .await;
    assert_eq!(status, 201, "{room}");
    let room_id = room["id"].as_str().unwrap().to_owned();
    // A member (role from the office's token) may look but not change.
    let bob = app.token("bob", &[(&id, Role::Member)]);
    let (status, body) = app
        .api(
            Method::POST,
            &path,
            Some(&bob),
            Some(json!({"name": "Bob's", "capacity": 2})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"],
        "this needs an admin or a moderator of the space; you are member"
    );
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("{path}/{room_id}"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, rooms) = app.api(Method::GET, &path, Some(&bob), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        rooms["rooms"].as_array().unwrap().len(),
        1,
        "nothing changed"
    );
    // Someone with no role at all.
    let eve = app.token("eve", &[]);
    let (status, body) = app.api(Method::GET, &path, Some(&eve), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("you are not a member of this space"))
    );
    // Another space's admin is a stranger here.
    let other = space(&app, "zed", "Elsewhere").await;
    let zed = app.token("zed", &[(&other, Role::Admin)]);
    let (status, _) = app
        .api(
            Method::POST,
            &path,
            Some(&zed),
            Some(json!({"name": "Z", "capacity": 2})),
        )
        .await;
    assert_eq!(status, 403);
    // A moderator renames and deletes.
    let mo = app.token("mo", &[(&id, Role::Moderator)]);
    let (status, renamed) = app
        .api(
            Method::PATCH,
            &format!("{path}/{room_id}"),
            Some(&mo),
            Some(json!({"name": "Cafe", "capacity": 6})),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        (renamed["name"].as_str(), renamed["capacity"].as_u64()),
        (Some("Cafe"), Some(6))
    );
    let (status, body) = app
        .api(
            Method::PATCH,
            &format!("{path}/{room_id}"),
            Some(&mo),
            Some(json!({"capacity": 0})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("a room's capacity must be 1-1000"))
    );
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("{path}/{room_id}"),
            Some(&mo),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("{path}/{room_id}"),
            Some(&mo),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn presence_answers_the_largest_empty_room() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    let ada = app.token("ada", &[]);
    let mut ids = Vec::new();
    for (name, cap) in [("Booth", 2), ("Hall", 30), ("Library", 12)] {
        let (_, room) = app
            .api(
                Method::POST,
                &format!("/api/v1/spaces/{id}/rooms"),
                Some(&ada),
                Some(json!({"name": name, "capacity": cap})),
            )
            .await;
        ids.push(room["id"].as_str().unwrap().to_owned());
    }
    let choice_path = format!("/api/v1/spaces/{id}/rooms/choice");
    let choice = || app.api(Method::GET, &choice_path, Some(&ada), None);
    assert_eq!(choice().await.1["room"]["name"], "Hall");
    let presence = |rooms: Value| {
        let ada = ada.clone();
        let path = format!("/api/v1/spaces/{id}/presence");
        let app = &app;
        async move {
            app.api(
                Method::PUT,
                &path,
                Some(&ada),
                Some(json!({"rooms": rooms})),
            )
            .await
        }
    };
    let rooms = |pairs: &[(&String, &[&str])]| -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).clone(), json!(v)))
                .collect(),
        )
    };
    let (status, _) = presence(rooms(&[(&ids[1], &["ada", "bob"])])).await;
    assert_eq!(status, 200);
    let c = choice().await.1;
    assert_eq!(
        (c["choice"].as_str(), c["room"]["name"].as_str()),
        (Some("largest_empty"), Some("Library"))
    );
    let (_, _) = presence(rooms(&[
        (&ids[0], &["a"]),
        (&ids[1], &["b", "c", "d"]),
        (&ids[2], &["e", "f"]),
    ]))
    .await;
    let c = choice().await.1;
    assert_eq!(
        (c["choice"].as_str(), c["room"]["name"].as_str()),
        (Some("least_full"), Some("Hall"))
    );
    // A snapshot: rooms left out are empty again.
    let (_, body) = presence(json!({})).await;
    assert!(
        body["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["empty"] == true)
    );
    let (status, body) = presence(json!({"nope": ["x"]})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("no room nope in this space"))
    );
}

#[tokio::test]
async fn settings_are_for_admins() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    let path = format!("/api/v1/spaces/{id}/settings");
    let mo = app.token("mo", &[(&id, Role::Moderator)]);
    let (status, _) = app
        .api(
            Method::PATCH,
            &path,
            Some(&mo),
            Some(json!({"require_invitation": true})),
        )
        .await;
    assert_eq!(status, 403);
    let ada = app.token("ada", &[]);
    let (status, body) = app
        .api(
            Method::PATCH,
            &path,
            Some(&ada),
            Some(json!({"require_invitation": true, "guest_limit": 3})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["settings"],
        json!({"require_invitation": true, "guest_limit": 3, "guests": 0, "auto_prompt": false,
               "call_mention": "channel"})
    );
    let (status, _) = app
        .api(
            Method::PATCH,
            &path,
            Some(&ada),
            Some(json!({"guest_limit": 1_000_000})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn members_are_listed_with_their_role_and_slack_status() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    // The office's token names Bob as a member: hallway records it.
    let bob = app.token("bob", &[(&id, Role::Member)]);
    let (status, body) = app
        .api(
            Method::GET,
            &format!("/api/v1/spaces/{id}/members"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let members = body["members"].as_array().unwrap();
    let roles: Vec<(&str, &str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
                m["slack"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("ada", "admin", "no_workspace"),
            ("bob", "member", "no_workspace")
        ]
    );
    assert_eq!(members[1]["name"], "bob (office)");
}
