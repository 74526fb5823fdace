//! The caller's own settings through the office API: home room, starred
//! people (with where they are now), and the space switcher's list of the
//! spaces of their Slack workspaces.

use hallway::ids::OfficeUserId;
use hallway::store::Role;
use hallway_api::model::{self, ErrorBody, MySpace, RoomRef, SlackSpaces, Starred};
use hallway_tests::{TestApp, body as wire, spawn_app};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{Office, office};

fn ou(id: &str) -> OfficeUserId {
    OfficeUserId::new(id).unwrap()
}

/// Calls `…/spaces/{hq}{path}` as `who`; the answer is read as `T`
/// (`MySpace` for a success, `ErrorBody` for a refusal).
async fn call<T: DeserializeOwned>(
    app: &TestApp,
    o: &Office,
    who: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, T) {
    let role = if who == "ada" {
        Role::Admin
    } else {
        Role::Member
    };
    let (status, json) = app
        .api(
            method,
            &format!("/api/v1/spaces/{}{path}", o.hq),
            Some(&app.token(who, &[(&o.hq, role)])),
            body,
        )
        .await;
    let read = serde_json::from_value(json.clone());
    (
        status,
        read.unwrap_or_else(|e| panic!("{status} {json}: {e}")),
    )
}

fn home_room(room_id: Option<&str>) -> Option<Value> {
    wire(&model::HomeRoom {
        room_id: room_id.map(Into::into),
    })
}

#[tokio::test]
async fn a_member_sets_a_home_room_and_stars_people_and_sees_where_they_are() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let o = office(&app).await;
    let (code, me) = call::<MySpace>(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(code, 200, "{me:?}");
    assert_eq!(
        (me.role, &me.home_room, &me.starred[..]),
        (model::Role::Admin, &None, &[][..])
    );

    let rooms = app.services.spaces().rooms(&o.hq).await.unwrap();
    let kitchen = rooms
        .iter()
        .find(|r| r.name == "Kitchen")
        .unwrap()
        .id
        .clone();
    let (code, me) = call::<MySpace>(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        home_room(Some(kitchen.as_str())),
    )
    .await;
    assert_eq!(code, 200, "{me:?}");
    assert_eq!(
        me.home_room,
        Some(RoomRef {
            id: kitchen.clone(),
            name: "Kitchen".into()
        })
    );
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
        let (code, body) = call::<ErrorBody>(
            &app,
            &o,
            "ada",
            Method::PUT,
            "/me/home-room",
            home_room(Some(&bad)),
        )
        .await;
        assert_eq!(code, 404, "{body:?}");
    }
    // A misspelt field is refused rather than read as "clear it".
    let (code, body) = call::<ErrorBody>(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        Some(json!({"room": kitchen})),
    )
    .await;
    assert_eq!(code, 400, "{body:?}");
    let (_, me) = call::<MySpace>(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(me.home_room.map(|r| r.name).as_deref(), Some("Kitchen"));
    let (code, me) = call::<MySpace>(
        &app,
        &o,
        "ada",
        Method::PUT,
        "/me/home-room",
        home_room(None),
    )
    .await;
    assert_eq!(code, 200, "{me:?}");
    assert_eq!(me.home_room, None);

    // Stars: only members of the space, never yourself, idempotent.
    let (code, body) =
        call::<ErrorBody>(&app, &o, "ada", Method::PUT, "/me/starred/bob", None).await;
    assert_eq!(
        (code, body.error.as_str()),
        (404, "bob is not a member of this space")
    );
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
    let (code, body) =
        call::<ErrorBody>(&app, &o, "ada", Method::PUT, "/me/starred/ada", None).await;
    assert_eq!(
        (code, body.error.as_str()),
        (400, "you cannot star yourself")
    );
    for _ in 0..2 {
        let (code, me) =
            call::<MySpace>(&app, &o, "ada", Method::PUT, "/me/starred/bob", None).await;
        assert_eq!(code, 200, "{me:?}");
        assert_eq!(
            me.starred,
            [Starred {
                user_id: ou("bob"),
                name: Some("Bob Builder".into()),
                room: None
            }]
        );
    }
    let (code, _) = call::<model::RoomList>(
        &app,
        &o,
        "bob",
        Method::PUT,
        "/presence",
        wire(&model::Presence {
            rooms: [(o.hall.clone(), vec![ou("bob")])].into(),
        }),
    )
    .await;
    assert_eq!(code, 200);
    let (_, me) = call::<MySpace>(&app, &o, "ada", Method::GET, "/me", None).await;
    assert_eq!(
        me.starred[0].room,
        Some(RoomRef {
            id: o.hall.clone(),
            name: "Hall".into()
        })
    );
    // Bob's own settings are his: Ada's stars are not his.
    let (_, bob) = call::<MySpace>(&app, &o, "bob", Method::GET, "/me", None).await;
    assert_eq!(bob.starred, []);

    let (code, me) =
        call::<MySpace>(&app, &o, "ada", Method::DELETE, "/me/starred/bob", None).await;
    assert_eq!(code, 200);
    assert_eq!(me.starred, []);
    // Someone with no role in the space.
    let (code, body) = app
        .api_err(
            Method::GET,
            &format!("/api/v1/spaces/{}/me", o.hq),
            Some(&app.token("zed", &[])),
            None,
        )
        .await;
    assert_eq!(
        (code, body.error.as_str()),
        (403, "you are not a member of this space")
    );
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
        .api_ok::<SlackSpaces>(
            Method::GET,
            "/api/v1/me/slack-spaces",
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    let teams = &body.teams;
    assert_eq!(teams.len(), 1);
    assert_eq!(
        (teams[0].team_id.as_str(), teams[0].slack_user_id.as_str()),
        ("T0DEMO", "U0DEMO01")
    );
    let list = &teams[0].spaces;
    assert_eq!(list[0].id, o.hq);
    assert_eq!(
        (list[0].default, list[0].role),
        (true, Some(model::Role::Admin))
    );
    assert_eq!(list[1].name, "Lab");
    assert_eq!((list[1].default, list[1].role), (false, None));
    // Someone linked nowhere: no workspaces.
    let (_, body) = app
        .api_ok::<SlackSpaces>(
            Method::GET,
            "/api/v1/me/slack-spaces",
            Some(&app.token("zed", &[])),
            None,
        )
        .await;
    assert_eq!(body.teams, []);
}
