//! The people pane through the office API: the workspace's people from the
//! directory (filled by a real refresh against the fake Slack), searched
//! and paged, each with link, room and sync status; and opening a DM with
//! one of them on the caller's own token.

use hallway::ids::OfficeUserId;
use hallway::store::Role;
use hallway_api::model::{
    self, ChatOpened, ErrorBody, LinkType, PaneDirectory, PeoplePage, RoomRef, SyncList, SyncStatus,
};
use hallway_fake_slack::UserSeed;
use hallway_tests::{AppOptions, TestApp, body as wire, spawn_app, spawn_app_with};
use http::Method;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, BOB, CAROL, user};
use hallway_tests::demo::{Office, fill_directory, link_ada_with_token, link_with_token, office};

/// A page of the pane as `who`.
async fn get(app: &TestApp, o: &Office, who: &str, role: Role, query: &str) -> PeoplePage {
    app.api_ok(
        Method::GET,
        &format!("/api/v1/spaces/{}/people{query}", o.hq),
        Some(&app.token(who, &[(&o.hq, role)])),
        None,
    )
    .await
    .1
}

/// The pane refusing `who`.
async fn refused(
    app: &TestApp,
    o: &Office,
    who: &str,
    role: Role,
    query: &str,
) -> (u16, ErrorBody) {
    app.api_err(
        Method::GET,
        &format!("/api/v1/spaces/{}/people{query}", o.hq),
        Some(&app.token(who, &[(&o.hq, role)])),
        None,
    )
    .await
}

/// The demo office with its directory filled by a refresh.
async fn app() -> Option<(TestApp, Office)> {
    let app = spawn_app().await?;
    let o = office(&app).await;
    fill_directory(&app, &o).await;
    Some((app, o))
}

fn ids(page: &PeoplePage) -> Vec<String> {
    page.people
        .iter()
        .map(|p| p.slack_user_id.to_string())
        .collect()
}

#[tokio::test]
async fn the_pane_lists_searches_and_pages_people_with_link_room_and_sync() {
    let Some((app, o)) = app().await else {
        return;
    };
    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    app.api_ok::<model::RoomList>(
        Method::PUT,
        &format!("/api/v1/spaces/{}/presence", o.hq),
        Some(&admin),
        wire(&model::Presence {
            rooms: [(o.hall.clone(), vec![OfficeUserId::new("ada").unwrap()])].into(),
        }),
    )
    .await;
    assert!(
        app.services
            .sync()
            .claim_prompt(&demo(), &user(BOB))
            .await
            .unwrap()
    );

    let body = get(&app, &o, "bob", Role::Member, "").await;
    // Six people; the app's bot is not one of them.
    assert_eq!(
        ids(&body),
        [
            "U0DEMO01", "U0DEMO02", "U0DEMO03", "U0DEMO04", "U0DEMO05", "U0DEMO06"
        ]
    );
    assert_eq!(body.next_cursor, None);
    assert!(
        matches!(
            body.directory,
            PaneDirectory::Refreshed {
                status: model::RunStatus::Done,
                ..
            }
        ),
        "{:?}",
        body.directory
    );
    let alice = &body.people[0];
    assert!(alice.linked);
    assert_eq!(
        alice.office_user_id,
        Some(OfficeUserId::new("ada").unwrap())
    );
    assert_eq!(alice.office_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        alice.room,
        Some(RoomRef {
            id: o.hall.clone(),
            name: "Hall".into()
        })
    );
    assert_eq!(alice.sync, SyncStatus::On);
    assert_eq!(body.people[1].sync, SyncStatus::Pending);
    assert_eq!(body.people[2].sync, SyncStatus::Off);
    assert_eq!(body.people[2].room, None);

    // Search, any case, by handle or name.
    let found = get(&app, &o, "bob", Role::Member, "?q=CAR").await;
    assert_eq!(ids(&found), ["U0DEMO03"]);
    let none = get(&app, &o, "bob", Role::Member, "?q=zzz").await;
    assert_eq!((ids(&none).len(), &none.next_cursor), (0, &None));

    // Pages of two, following next_cursor to the end.
    let (mut seen, mut cursor) = (Vec::new(), String::new());
    for _ in 0..10 {
        let page = get(
            &app,
            &o,
            "bob",
            Role::Member,
            &format!("?limit=2&cursor={cursor}"),
        )
        .await;
        seen.extend(ids(&page));
        match page.next_cursor {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    // Bad input: a clear 400, nothing else.
    for bad in ["?limit=0", "?limit=500", "?cursor=not%20a%20cursor"] {
        let (code, body) = refused(&app, &o, "bob", Role::Member, bad).await;
        assert_eq!(code, 400, "{bad}: {body:?}");
    }
    // A query string that does not parse is refused like any other input:
    // JSON, saying what is wrong.
    let (code, body) = refused(&app, &o, "bob", Role::Member, "?limit=many").await;
    assert_eq!(code, 400, "{body:?}");
    assert!(body.error.contains("limit"), "{body:?}");
    // Guests do not see the workspace's people.
    let (code, _) = refused(&app, &o, "gus", Role::Guest, "").await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn opening_a_chat_uses_the_callers_own_token_and_says_how_to_get_one() {
    let Some((app, o)) = app().await else {
        return;
    };
    let open = |who: &'static str| {
        let app = &app;
        let o = &o;
        async move {
            app.api(
                Method::POST,
                &format!("/api/v1/spaces/{}/people/{who}/chat", o.hq),
                Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
                None,
            )
            .await
        }
    };
    let error = |body: &serde_json::Value| {
        serde_json::from_value::<ErrorBody>(body.clone())
            .unwrap()
            .error
    };
    // Linked by Sign in with Slack only: no token to chat with.
    let (code, body) = open(BOB).await;
    assert_eq!(code, 409, "{body}");
    assert!(error(&body).contains("/slack/link"), "{body}");

    // A link without im:write: told which permission is missing.
    link_ada_with_token(&app, &["chat:write", "im:history"]).await;
    let (code, body) = open(BOB).await;
    assert_eq!(code, 409, "{body}");
    assert!(error(&body).contains("im:write"), "{body}");

    link_ada_with_token(&app, &["chat:write", "im:history", "im:read", "im:write"]).await;
    let (code, body) = open(BOB).await;
    assert_eq!(code, 200, "{body}");
    let opened: ChatOpened = serde_json::from_value(body).unwrap();
    let channel = opened.channel_id;
    assert!(channel.as_str().starts_with('D'));
    assert_eq!(opened.with.slack_user_id, user(BOB));
    let c = app
        .services
        .chat()
        .conversation(&demo(), &channel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.members, [user(ALICE), user(BOB)]);
    // The same DM the next time.
    let (_, again) = open(BOB).await;
    assert_eq!(again["channel_id"], channel.as_str());
    // Not people: the bot, unknown ids, yourself.
    for (who, want) in [("U0DEMOBOT", 404), ("U0NOBODY", 404), (ALICE, 400)] {
        let (code, body) = open(who).await;
        assert_eq!(code, want, "{who}: {body}");
    }

    // Slack stops accepting the token: the DM is known without asking
    // Slack, but writing to it is a clear 409 and the token is forgotten.
    app.slack.with_world(|w| {
        for t in w.tokens.values_mut().filter(|t| t.user == ALICE) {
            t.revoked = true;
        }
    });
    let (code, _) = open(BOB).await;
    assert_eq!(code, 200);
    let (code, body) = app
        .api_err(
            Method::POST,
            &format!("/api/v1/spaces/{}/people/{BOB}/messages", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            wire(&model::SendMessage {
                text: "still there?".into(),
            }),
        )
        .await;
    assert_eq!(code, 409, "{body:?}");
    assert!(body.error.contains("no longer accepts"), "{body:?}");
    let link = app
        .services
        .links()
        .get(&OfficeUserId::new("ada").unwrap(), &demo())
        .await
        .unwrap()
        .unwrap();
    assert!(!link.has_user_token());
}

/// Slack marks everyone who granted hallway user scopes `is_app_user`
/// ("an authorized user of the calling app", user object reference):
/// exactly the people who link. They are people everywhere: in the pane,
/// in people sync, in a chat, and in a channel's onboarding.
#[tokio::test]
async fn people_who_linked_with_a_user_token_stay_people() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let o = office(&app).await;
    let scopes = ["chat:write", "im:history", "im:read", "im:write"];
    link_ada_with_token(&app, &scopes).await;
    link_with_token(&app, "bert", BOB, &scopes).await;
    assert!(
        app.slack
            .with_world(|w| w.is_app_user("T0DEMO", ALICE) && w.is_app_user("T0DEMO", BOB)),
        "the fake marks holders of the app's user tokens as Slack does"
    );
    fill_directory(&app, &o).await;

    let body = get(&app, &o, "carl", Role::Member, "").await;
    assert_eq!(
        ids(&body),
        [
            "U0DEMO01", "U0DEMO02", "U0DEMO03", "U0DEMO04", "U0DEMO05", "U0DEMO06"
        ],
        "linked people are listed; the bot is not"
    );

    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let (code, sync) = app
        .api_ok::<SyncList>(
            Method::GET,
            &format!("/api/v1/spaces/{}/sync", o.hq),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(code, 200, "{sync:?}");
    let status = |who: &str| {
        sync.people
            .iter()
            .find(|r| r.slack_user_id == Some(user(who)))
            .map(|r| (r.status, r.kind))
    };
    assert_eq!(
        status(ALICE),
        Some((SyncStatus::On, LinkType::Chat)),
        "{sync:?}"
    );
    assert_eq!(
        status(BOB),
        Some((SyncStatus::On, LinkType::Chat)),
        "{sync:?}"
    );

    let (code, _) = app
        .api_ok::<ChatOpened>(
            Method::POST,
            &format!("/api/v1/spaces/{}/people/{BOB}/chat", o.hq),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(code, 200, "Ada can chat with Bob");

    // #design (Alice, Bob, Carol) meets in the Kitchen: Bob and Carol are
    // invited, linked or not.
    let (reply, _) = app.slash(ALICE, "C0DESIGN", "'HQ' 'Kitchen'").await;
    assert!(reply["text"].is_string(), "{reply}");
    app.drained().await;
    for who in [BOB, CAROL] {
        assert_eq!(
            hallway_tests::demo::from_app(&app, who).len(),
            1,
            "{who} gets the channel's invite"
        );
    }
}

/// Slack leaves optional profile fields out and sends `profile.fields` as
/// `[]` (SDK trackers; reference/slack-behaviours.md): such a person is read
/// from `users.list` and from `user_change`, and a page holding one is
/// stored whole.
#[tokio::test]
async fn odd_user_objects_never_fail_a_page_or_a_profile_change() {
    let Some(app) = spawn_app_with(AppOptions {
        bridge: true,
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let mut sparse = UserSeed::person("U0SPARSE", "sparse");
    sparse.sparse = true;
    app.slack.with_world(|w| {
        w.teams
            .get_mut("T0DEMO")
            .unwrap()
            .seed
            .users
            .push(sparse.clone())
    });
    fill_directory(&app, &o).await;
    let body = get(&app, &o, "carl", Role::Member, "?q=sparse").await;
    assert_eq!(ids(&body), ["U0SPARSE"], "{body:?}");
    assert_eq!(body.people[0].name, "sparse", "the handle stands in");

    // Bob changes his name: Slack's user_change carries `fields: []`.
    let mut bob = UserSeed::person(BOB, "bob");
    bob.display_name = "Robert".into();
    assert!(app.slack.upsert_user("T0DEMO", bob));
    app.eventually("Bob's new name reaches the directory", || async {
        let body = get(&app, &o, "carl", Role::Member, "?q=robert").await;
        ids(&body) == [BOB]
    })
    .await;
    let delivered = app.slack.calls_to("events.deliver");
    assert!(
        delivered
            .iter()
            .any(|c| c.params["type"] == "user_change" && c.status == 200),
        "{delivered:?}"
    );
}
