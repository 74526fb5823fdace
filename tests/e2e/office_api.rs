//! The office API: bearer JWTs, roles, spaces, rooms, presence, settings.

use std::collections::BTreeMap;

use hallway::ids::{OfficeUserId, RoomId, SpaceId};
use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_api::model::{
    self, ChoiceKind, MemberList, MemberSlack, RoomChoice, RoomList, SpaceList,
};
use hallway_tests::{TestApp, body as wire, spawn_app_without_worker};
use http::Method;
use serde_json::json;

async fn app() -> Option<TestApp> {
    spawn_app_without_worker().await
}

/// Creates a space as `user` and returns its id.
async fn space(app: &TestApp, user: &str, name: &str) -> SpaceId {
    let (status, space) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token(user, &[])),
            wire(&model::NewSpace { name: name.into() }),
        )
        .await;
    assert_eq!((status, space.role), (201, model::Role::Admin));
    space.id
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let Some(app) = app().await else { return };
    let (status, body) = app.api_err(Method::GET, "/api/v1/spaces", None, None).await;
    assert_eq!((status, body.error.as_str()), (401, "missing bearer token"));
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
        .api_err(Method::GET, "/api/v1/spaces", Some(&expired), None)
        .await;
    assert_eq!(
        (status, body.error.as_str()),
        (401, "the bearer token has expired")
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
        .api_ok::<SpaceList>(
            Method::GET,
            "/api/v1/spaces",
            Some(&app.token("u1", &[])),
            None,
        )
        .await;
    assert_eq!(listed.spaces, []);
}

#[tokio::test]
async fn spaces_are_created_listed_and_shown() {
    let Some(app) = app().await else { return };
    let id = space(&app, "ada", "HQ").await;
    let ada = app.token("ada", &[]);
    let (_, listed) = app
        .api_ok::<SpaceList>(Method::GET, "/api/v1/spaces", Some(&ada), None)
        .await;
    assert_eq!(
        (listed.spaces[0].name.as_str(), listed.spaces[0].role),
        ("HQ", model::Role::Admin)
    );
    let (status, shown) = app
        .api_ok::<model::Space>(
            Method::GET,
            &format!("/api/v1/spaces/{id}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(!shown.slack.connected);
    assert_eq!(shown.rooms, Some(vec![]), "shown with its rooms");
    let (status, body) = app
        .api_err(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            wire(&model::NewSpace { name: "   ".into() }),
        )
        .await;
    assert_eq!(
        (status, body.error.as_str()),
        (400, "a space's name must be 1-80 characters")
    );
    let (status, body) = app
        .api_err(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(status, 400, "{body:?}");
    let (status, _) = app
        .api_err(Method::GET, "/api/v1/spaces/no%23such", Some(&ada), None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .api_err(Method::GET, "/api/v1/spaces/nosuch", Some(&ada), None)
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
        .api_ok::<model::Room>(
            Method::POST,
            &path,
            Some(&ada),
            wire(&model::NewRoom {
                name: "Kitchen".into(),
                capacity: 4,
            }),
        )
        .await;
    assert_eq!(status, 201, "{room:?}");
    let room_id = room.id;
    // A member (role from the office's token) may look but not change.
    let bob = app.token("bob", &[(&id, Role::Member)]);
    let (status, body) = app
        .api_err(
            Method::POST,
            &path,
            Some(&bob),
            wire(&model::NewRoom {
                name: "Bob's".into(),
                capacity: 2,
            }),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body.error,
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
    let (status, rooms) = app
        .api_ok::<RoomList>(Method::GET, &path, Some(&bob), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(rooms.rooms.len(), 1, "nothing changed");
    // Someone with no role at all.
    let eve = app.token("eve", &[]);
    let (status, body) = app.api_err(Method::GET, &path, Some(&eve), None).await;
    assert_eq!(
        (status, body.error.as_str()),
        (403, "you are not a member of this space")
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
        .api_ok::<model::Room>(
            Method::PATCH,
            &format!("{path}/{room_id}"),
            Some(&mo),
            wire(&model::RoomChange {
                name: Some("Cafe".into()),
                capacity: Some(6),
            }),
        )
        .await;
    assert_eq!(status, 200, "{renamed:?}");
    assert_eq!((renamed.name.as_str(), renamed.capacity), ("Cafe", 6));
    let (status, body) = app
        .api_err(
            Method::PATCH,
            &format!("{path}/{room_id}"),
            Some(&mo),
            wire(&model::RoomChange {
                name: None,
                capacity: Some(0),
            }),
        )
        .await;
    assert_eq!(
        (status, body.error.as_str()),
        (400, "a room's capacity must be 1-1000")
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
            .api_ok::<model::Room>(
                Method::POST,
                &format!("/api/v1/spaces/{id}/rooms"),
                Some(&ada),
                wire(&model::NewRoom {
                    name: name.into(),
                    capacity: cap,
                }),
            )
            .await;
        ids.push(room.id);
    }
    let choice_path = format!("/api/v1/spaces/{id}/rooms/choice");
    let choice = || async {
        let (_, c) = app
            .api_ok::<RoomChoice>(Method::GET, &choice_path, Some(&ada), None)
            .await;
        (c.choice, c.room.map(|r| r.name))
    };
    assert_eq!(choice().await.1.as_deref(), Some("Hall"));
    let path = format!("/api/v1/spaces/{id}/presence");
    let presence = |pairs: &[(&RoomId, &[&str])]| model::Presence {
        rooms: pairs
            .iter()
            .map(|(k, v)| {
                let who = v.iter().map(|u| OfficeUserId::new(*u).unwrap()).collect();
                ((*k).clone(), who)
            })
            .collect(),
    };
    let (status, _) = app
        .api_ok::<RoomList>(
            Method::PUT,
            &path,
            Some(&ada),
            wire(&presence(&[(&ids[1], &["ada", "bob"])])),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        choice().await,
        (ChoiceKind::LargestEmpty, Some("Library".into()))
    );
    app.api_ok::<RoomList>(
        Method::PUT,
        &path,
        Some(&ada),
        wire(&presence(&[
            (&ids[0], &["a"]),
            (&ids[1], &["b", "c", "d"]),
            (&ids[2], &["e", "f"]),
        ])),
    )
    .await;
    assert_eq!(choice().await, (ChoiceKind::LeastFull, Some("Hall".into())));
    // A snapshot: rooms left out are empty again.
    let (_, now) = app
        .api_ok::<RoomList>(
            Method::PUT,
            &path,
            Some(&ada),
            wire(&model::Presence {
                rooms: BTreeMap::new(),
            }),
        )
        .await;
    assert!(now.rooms.iter().all(|r| r.empty));
    let nope = RoomId::new("nope").unwrap();
    let (status, body) = app
        .api_err(
            Method::PUT,
            &path,
            Some(&ada),
            wire(&presence(&[(&nope, &["x"])])),
        )
        .await;
    assert_eq!(
        (status, body.error.as_str()),
        (404, "no room nope in this space")
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
    let (status, space) = app
        .api_ok::<model::Space>(
            Method::PATCH,
            &path,
            Some(&ada),
            wire(&model::SettingsChange {
                require_invitation: Some(true),
                guest_limit: Some(3),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(status, 200, "{space:?}");
    assert_eq!(
        space.settings,
        model::SpaceSettings {
            require_invitation: true,
            guest_limit: 3,
            guests: 0,
            auto_prompt: false,
            call_mention: model::CallMention::Channel,
        }
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
    let (status, list) = app
        .api_ok::<MemberList>(
            Method::GET,
            &format!("/api/v1/spaces/{id}/members"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list:?}");
    let roles: Vec<(&str, model::Role, &MemberSlack)> = list
        .members
        .iter()
        .map(|m| (m.user_id.as_str(), m.role, &m.slack))
        .collect();
    assert_eq!(
        roles,
        [
            ("ada", model::Role::Admin, &MemberSlack::NoWorkspace),
            ("bob", model::Role::Member, &MemberSlack::NoWorkspace)
        ]
    );
    assert_eq!(list.members[1].name, "bob (office)");
}

/// The office team builds its client from the OpenAPI document: it is served
/// without a token, and it is the committed one.
#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let Some(app) = app().await else { return };
    let (status, served) = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(served["openapi"], "3.1.0");
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/openapi.json"))
            .expect("docs/openapi.json is JSON");
    assert_eq!(served, committed);
}
