//! Sign in with Slack, linking an office user's Slack identity, and join
//! links, through a browser against the fake Slack.

use hallway::auth::join::JoinClaims;
use hallway::ids::{RoomId, SpaceId, TeamId};
use hallway::secrets::Secret;
use hallway::store::Role;
use hallway_api::model::{self, MemberList, MemberSlack, SpaceList};
use hallway_fake_slack::{Fault, FaultKind};
use hallway_tests::{Browser, Landing, TestApp, body as wire, spawn_app_without_worker};
use http::Method;
use serde_json::{Value, json};

fn demo() -> TeamId {
    TeamId::new("T0DEMO").unwrap()
}

/// Signs in with Slack as `user` of `team`; returns the landing.
async fn sign_in(app: &TestApp, browser: &Browser, team: &str, user: &str) -> Landing {
    app.slack.act_as(team, user);
    browser.visit(&app.url("/slack/login")).await
}

/// Exchanges the login token a sign-in landed with for a session.
async fn session(app: &TestApp, landing: &Landing) -> model::Session {
    let token = landing
        .query("token")
        .or_else(|| landing.query("login"))
        .expect("a login token");
    let (status, body) = app
        .api_ok::<model::Session>(
            Method::POST,
            "/api/v1/sessions",
            None,
            wire(&model::Exchange { login_token: token }),
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    body
}

async fn admin_space(app: &TestApp, name: &str) -> SpaceId {
    let (_, body) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&app.token("ada", &[])),
            wire(&model::NewSpace { name: name.into() }),
        )
        .await;
    body.id
}

async fn connect(app: &TestApp, space: &SpaceId) {
    let (_, body) = app
        .api_ok::<model::ConnectStart>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    let landing = app.browser().visit(&body.authorize_url).await;
    assert_eq!(landing.status, 0, "{landing:?}");
}

async fn room(app: &TestApp, space: &SpaceId, name: &str) -> RoomId {
    let (_, body) = app
        .api_ok::<model::Room>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/rooms"),
            Some(&app.token("ada", &[])),
            wire(&model::NewRoom {
                name: name.into(),
                capacity: 8,
            }),
        )
        .await;
    body.id
}

#[tokio::test]
async fn a_new_team_gets_a_space_and_the_first_person_runs_it() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let browser = app.browser();
    let landing = sign_in(&app, &browser, "T0DEMO", "U0DEMO02").await;
    assert!(
        landing.in_office(browser.office(), "/login?token="),
        "{landing:?}"
    );
    // The authorize request carried state and nonce, and the id_token's
    // signature was checked against the JWKS.
    let authorize = &app.slack.calls_to("openid.authorize")[0];
    assert!(
        authorize.params["nonce"]
            .as_str()
            .is_some_and(|n| n.len() == 43)
    );
    assert_eq!(app.slack.calls_to("openid.connect.token").len(), 1);
    let s = session(&app, &landing).await;
    assert_eq!(s.user.name, "Bob");
    assert_eq!(s.user.email.as_deref(), Some("bob@example.com"));
    let (_, spaces) = app
        .api_ok::<SpaceList>(Method::GET, "/api/v1/spaces", Some(&s.token), None)
        .await;
    let spaces = spaces.spaces;
    assert_eq!(spaces.len(), 1);
    assert_eq!(
        (spaces[0].name.as_str(), spaces[0].role),
        ("Acme", model::Role::Admin)
    );
    assert_eq!(spaces[0].slack.team_id, Some(demo()));
    assert!(
        !spaces[0].slack.connected,
        "mapped, but nobody installed the app yet"
    );
    // A login token works once.
    let (status, _) = app
        .api_err(
            Method::POST,
            "/api/v1/sessions",
            None,
            wire(&model::Exchange {
                login_token: landing.query("token").unwrap(),
            }),
        )
        .await;
    assert_eq!(status, 401);
}

/// The spaces a sign-in's person belongs to, as the office lists them.
async fn spaces_after(app: &TestApp, landing: &Landing) -> Vec<model::Space> {
    let s = session(app, landing).await;
    let (_, spaces) = app
        .api_ok::<SpaceList>(Method::GET, "/api/v1/spaces", Some(&s.token), None)
        .await;
    spaces.spaces
}

#[tokio::test]
async fn a_first_sign_in_names_the_new_space_after_the_workspace() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let browser = app.browser();
    let landing = sign_in(&app, &browser, "T0OTHER", "U0OTHER01").await;
    assert!(
        landing.in_office(browser.office(), "/login?token="),
        "{landing:?}"
    );
    let spaces = spaces_after(&app, &landing).await;
    assert_eq!(spaces.len(), 1);
    assert_eq!(spaces[0].name, "Globex", "{spaces:?}");
    assert_eq!(
        spaces[0].slack.team_id,
        Some(TeamId::new("T0OTHER").unwrap())
    );
    // The id_token names no workspace; the sign-in's user token asked.
    let asked = app.slack.calls_to("openid.connect.userInfo");
    assert_eq!(asked.len(), 1);
    assert_eq!(
        (asked[0].auth.as_str(), asked[0].team.as_deref()),
        ("user", Some("T0OTHER"))
    );
}

#[tokio::test]
async fn without_user_info_a_new_space_takes_the_installed_name_else_the_team_id() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let user_info_fails = || {
        app.slack.inject(Fault {
            method: Some("openid.connect.userInfo".into()),
            team: None,
            kind: FaultKind::Status { status: 503 },
            times: 1,
        })
    };
    // Installed (from Slack's side, no space yet): the name Slack gave then.
    let scopes = hallway_tests::seed::OFFICE_SCOPES;
    let bot_token = app.slack.issue_bot_token("T0DEMO", scopes);
    hallway_tests::seed::install(
        &app.services,
        &demo(),
        "Acme Corp",
        "U0DEMOBOT",
        Some("U0DEMO01"),
        bot_token,
        scopes,
    )
    .await;
    user_info_fails();
    let browser = app.browser();
    let landing = sign_in(&app, &browser, "T0DEMO", "U0DEMO02").await;
    assert!(
        landing.in_office(browser.office(), "/login?token="),
        "a name is no reason to refuse a sign-in: {landing:?}"
    );
    let spaces = spaces_after(&app, &landing).await;
    assert_eq!(spaces[0].name, "Acme Corp", "{spaces:?}");
    assert!(spaces[0].slack.connected);
    // Never installed: only the team id is known.
    user_info_fails();
    let browser = app.browser();
    let landing = sign_in(&app, &browser, "T0OTHER", "U0OTHER01").await;
    let spaces = spaces_after(&app, &landing).await;
    assert_eq!(spaces[0].name, "Slack T0OTHER", "{spaces:?}");
    assert_eq!(app.slack.calls_to("openid.connect.userInfo").len(), 2);
}

#[tokio::test]
async fn people_of_a_mapped_team_join_its_spaces() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    let browser = app.browser();
    let landing = sign_in(&app, &browser, "T0DEMO", "U0DEMO03").await;
    let s = session(&app, &landing).await;
    assert_eq!(s.roles.get(&hq), Some(&model::Role::Member));
    let (_, members) = app
        .api_ok::<MemberList>(
            Method::GET,
            &format!("/api/v1/spaces/{hq}/members"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    let carol = members
        .members
        .into_iter()
        .find(|m| m.name == "Carol")
        .unwrap();
    assert_eq!(
        carol.slack,
        MemberSlack::Linked {
            slack_user_id: hallway::ids::UserId::new("U0DEMO03").unwrap(),
            authorized_chat: false,
        }
    );
    assert!(
        app.services.spaces().for_team(&demo()).await.unwrap().len() == 1,
        "no new space"
    );
    assert!(
        app.slack.calls_to("openid.connect.userInfo").is_empty(),
        "no space to name, no call"
    );
}

#[tokio::test]
async fn require_invitation_blocks_joining_by_sign_in() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    let (status, space) = app
        .api_ok::<model::Space>(
            Method::PATCH,
            &format!("/api/v1/spaces/{hq}/settings"),
            Some(&app.token("ada", &[])),
            wire(&model::SettingsChange {
                require_invitation: Some(true),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(space.settings.require_invitation);
    let landing = sign_in(&app, &app.browser(), "T0DEMO", "U0DEMO04").await;
    assert_eq!(landing.status, 403, "{landing:?}");
    assert!(landing.body.contains("You need an invitation"));
    assert!(landing.body.contains("HQ"));
    let members = app.services.members().list(&hq).await.unwrap();
    assert_eq!(members.len(), 1, "only the admin");
}

#[tokio::test]
async fn signing_in_again_supersedes_the_earlier_session() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let first = session(
        &app,
        &sign_in(&app, &app.browser(), "T0DEMO", "U0DEMO02").await,
    )
    .await;
    let old = first.token.clone();
    let (status, _) = app
        .api_ok::<model::Me>(Method::GET, "/api/v1/me", Some(&old), None)
        .await;
    assert_eq!(status, 200);
    let second = session(
        &app,
        &sign_in(&app, &app.browser(), "T0DEMO", "U0DEMO02").await,
    )
    .await;
    assert_eq!(first.user.id, second.user.id, "the same person");
    let (status, body) = app
        .api_err(Method::GET, "/api/v1/me", Some(&old), None)
        .await;
    assert_eq!(
        (status, body.error.as_str()),
        (401, "this session was ended by a newer sign-in")
    );
    let (status, _) = app
        .api_ok::<model::Me>(Method::GET, "/api/v1/me", Some(&second.token), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_tampered_id_token_is_refused_and_signs_nobody_in() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    app.slack.inject(Fault {
        method: Some("openid.connect.token".into()),
        team: None,
        kind: FaultKind::TamperIdToken,
        times: 1,
    });
    let landing = sign_in(&app, &app.browser(), "T0DEMO", "U0DEMO02").await;
    assert_eq!(landing.status, 401, "{landing:?}");
    assert!(landing.body.contains("could not be verified"));
    assert!(
        app.services
            .spaces()
            .for_team(&demo())
            .await
            .unwrap()
            .is_empty(),
        "nothing created"
    );
}

/// Gets a real id_token from the fake for a nonce, as the callback would.
async fn id_token(app: &TestApp, nonce: &str) -> Secret {
    app.slack.act_as("T0DEMO", "U0DEMO02");
    // One of the app's Redirect URLs: the fake refuses any other.
    let redirect = &app.url(hallway::slack::oauth::LOGIN_CALLBACK_PATH);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = hallway::slack::oauth::openid_authorize_url(
        &app.services.config.slack_url,
        &app.services.secrets.client_id,
        redirect,
        "st",
        nonce,
        None,
    );
    let back: url::Url = http.get(url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    app.services
        .slack
        .openid_connect_token(
            &app.services.secrets.client_id,
            &app.services.secrets.client_secret,
            &code,
            redirect,
        )
        .await
        .unwrap()
        .id_token
}

#[tokio::test]
async fn id_tokens_are_checked_for_signature_nonce_and_audience() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let good = id_token(&app, "nonce-1").await;
    let who = app.services.oidc.verify(&good, "nonce-1").await.unwrap();
    assert_eq!(
        (who.team_id.as_str(), who.user_id.as_str()),
        ("T0DEMO", "U0DEMO02")
    );
    // Wrong nonce.
    let err = app
        .services
        .oidc
        .verify(&good, "nonce-2")
        .await
        .unwrap_err();
    assert!(
        matches!(err, hallway::auth::oidc::OidcError::Nonce),
        "{err}"
    );
    // Bad signature: another payload under the same signature.
    let mut parts: Vec<String> = good.expose().split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["https://slack.com/user_id"] = json!("U0DEMO01");
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        payload.to_string(),
    );
    let forged = Secret::new(parts.join("."));
    assert!(matches!(
        app.services.oidc.verify(&forged, "nonce-1").await,
        Err(hallway::auth::oidc::OidcError::Invalid(_))
    ));
    // Wrong audience: a verifier for another app.
    let other = hallway::auth::oidc::IdTokenVerifier::new(app.services.slack.clone(), "9999.9999");
    assert!(matches!(
        other.verify(&good, "nonce-1").await,
        Err(hallway::auth::oidc::OidcError::Invalid(_))
    ));
}

#[tokio::test]
async fn linking_stores_the_identity_and_refuses_a_taken_slack_user() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    // An existing office user links their Slack identity.
    let bob = app.token("bob", &[(&hq, Role::Member)]);
    let (status, body) = app
        .api_ok::<model::LinkStart>(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/slack/link"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    let url = body.authorize_url;
    assert!(
        url.contains(
            "user_scope=channels%3Ahistory%2Cchannels%3Aread%2Cchat%3Awrite%2Cfiles%3Aread%2Cgroups%3Ahistory%2Cgroups%3Aread%2Cim%3Ahistory%2Cim%3Aread%2Cim%3Awrite%2Cusers%3Aread"
        ),
        "{url}"
    );
    assert!(url.contains("team=T0DEMO"));
    app.slack.act_as("T0DEMO", "U0DEMO02");
    let browser = app.browser();
    let landing = browser.visit(&url).await;
    assert!(
        landing.in_office(
            browser.office(),
            &format!("/spaces/{hq}/settings/slack?linked=1")
        ),
        "{landing:?}"
    );
    let link = app
        .services
        .links()
        .get(&hallway::ids::OfficeUserId::new("bob").unwrap(), &demo())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.slack_user_id.as_str(), "U0DEMO02");
    let user_token = app.services.links().user_token(&link).unwrap().unwrap();
    assert!(user_token.expose().starts_with("xoxp-"));
    let (_, members) = app
        .api_ok::<MemberList>(
            Method::GET,
            &format!("/api/v1/spaces/{hq}/members"),
            Some(&bob),
            None,
        )
        .await;
    let me = members
        .members
        .into_iter()
        .find(|m| m.user_id.as_str() == "bob")
        .unwrap();
    assert!(
        matches!(
            me.slack,
            MemberSlack::Linked {
                authorized_chat: true,
                ..
            }
        ),
        "{:?}",
        me.slack
    );
    // Another office user tries to take the same Slack account.
    let eve = app.token("eve", &[(&hq, Role::Member)]);
    let (_, body) = app
        .api_ok::<model::LinkStart>(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/slack/link"),
            Some(&eve),
            None,
        )
        .await;
    let landing = app.browser().visit(&body.authorize_url).await;
    assert_eq!(landing.status, 409, "{landing:?}");
    assert!(landing.body.contains("already linked"));
    let still = app
        .services
        .links()
        .office_user_for(&demo(), &hallway::ids::UserId::new("U0DEMO02").unwrap())
        .await
        .unwrap();
    assert_eq!(still.unwrap().as_str(), "bob");
    assert!(
        app.services
            .links()
            .get(&hallway::ids::OfficeUserId::new("eve").unwrap(), &demo())
            .await
            .unwrap()
            .is_none()
    );
}

async fn join_link(app: &TestApp, space: &SpaceId, room: &RoomId, guest: bool) -> String {
    let (status, body) = app
        .api_ok::<model::JoinLink>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/join-links"),
            Some(&app.token("ada", &[])),
            wire(&model::NewJoinLink {
                room_id: room.clone(),
                guest,
                expires_in: None,
            }),
        )
        .await;
    assert_eq!(status, 200, "{body:?}");
    body.url
}

#[tokio::test]
async fn join_links_lead_through_sign_in_into_the_room() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    // Invitation-only, yet a join link is an invitation.
    app.api_ok::<model::Space>(
        Method::PATCH,
        &format!("/api/v1/spaces/{hq}/settings"),
        Some(&app.token("ada", &[])),
        wire(&model::SettingsChange {
            require_invitation: Some(true),
            ..Default::default()
        }),
    )
    .await;
    let kitchen = room(&app, &hq, "Kitchen").await;
    let url = join_link(&app, &hq, &kitchen, false).await;
    // Fresh browser: through Sign in with Slack, then into the room.
    app.slack.act_as("T0DEMO", "U0DEMO05");
    let browser = app.browser();
    let landing = browser.visit(&url).await;
    assert!(
        landing
            .trail
            .iter()
            .any(|u| u.contains("/slack/login?join=")),
        "{:?}",
        landing.trail
    );
    assert!(
        landing.in_office(
            browser.office(),
            &format!("/spaces/{hq}/rooms/{kitchen}?login=")
        ),
        "{landing:?}"
    );
    let s = session(&app, &landing).await;
    assert_eq!(s.roles.get(&hq), Some(&model::Role::Member));
    // Same browser, later: straight in, no Slack round trip.
    let calls = app.slack.calls_to("openid.authorize").len();
    let again = browser.visit(&url).await;
    assert!(
        again.in_office(browser.office(), &format!("/spaces/{hq}/rooms/{kitchen}")),
        "{again:?}"
    );
    assert_eq!(app.slack.calls_to("openid.authorize").len(), calls);
}

#[tokio::test]
async fn expired_and_tampered_join_links_get_a_page() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    let kitchen = room(&app, &hq, "Kitchen").await;
    let expired = app.services.join_links.token(&JoinClaims {
        space: hq.clone(),
        room: kitchen.clone(),
        invite: None,
        guest: false,
        exp: app.now_secs() - 120,
    });
    let landing = app
        .browser()
        .visit(&app.url(&format!("/join/{expired}")))
        .await;
    assert_eq!(landing.status, 410);
    assert!(landing.body.contains("invitation has expired"));
    let url = join_link(&app, &hq, &kitchen, false).await;
    let tampered = format!("{}x", url);
    let landing = app.browser().visit(&tampered).await;
    assert_eq!(landing.status, 400);
    assert!(landing.body.contains("not valid"));
    // A deleted room (204, no body).
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/spaces/{hq}/rooms/{kitchen}"),
            Some(&app.token("ada", &[])),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let landing = app.browser().visit(&url).await;
    assert_eq!(landing.status, 404);
    assert!(landing.body.contains("room is gone"), "{}", landing.body);
}

#[tokio::test]
async fn guests_come_in_until_the_guest_limit() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    app.api_ok::<model::Space>(
        Method::PATCH,
        &format!("/api/v1/spaces/{hq}/settings"),
        Some(&app.token("ada", &[])),
        wire(&model::SettingsChange {
            guest_limit: Some(1),
            ..Default::default()
        }),
    )
    .await;
    let kitchen = room(&app, &hq, "Kitchen").await;
    // A member link is not for people of another workspace.
    let member_link = join_link(&app, &hq, &kitchen, false).await;
    app.slack.act_as("T0OTHER", "U0OTHER01");
    let landing = app.browser().visit(&member_link).await;
    assert_eq!(landing.status, 403, "{landing:?}");
    assert!(landing.body.contains("another workspace"));
    // A guest link admits one guest, then no more.
    let guest_link = join_link(&app, &hq, &kitchen, true).await;
    let browser = app.browser();
    app.slack.act_as("T0OTHER", "U0OTHER01");
    let landing = browser.visit(&guest_link).await;
    assert!(
        landing.in_office(browser.office(), &format!("/spaces/{hq}/rooms/{kitchen}")),
        "{landing:?}"
    );
    assert_eq!(
        session(&app, &landing).await.roles.get(&hq),
        Some(&model::Role::Guest)
    );
    app.slack.act_as("T0OTHER", "U0000002");
    let landing = app.browser().visit(&guest_link).await;
    assert_eq!(landing.status, 403, "{landing:?}");
    // maud leaves an apostrophe in text as it is: it needs no escaping there.
    assert!(
        landing
            .body
            .contains("there isn't any more space for guests"),
        "{}",
        landing.body
    );
    let space = app.services.spaces().get(&hq).await.unwrap().unwrap();
    assert_eq!(space.guest_count, 1);
    // Guest links are made by admins and moderators only.
    let bob = app.token("bob", &[(&hq, Role::Member)]);
    let (status, _) = app
        .api_err(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/join-links"),
            Some(&bob),
            wire(&model::NewJoinLink {
                room_id: kitchen.clone(),
                guest: true,
                expires_in: None,
            }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_rotating_user_token_is_refreshed_once_and_a_dead_refresh_means_link_again() {
    use hallway_fake_slack::AppConfig;
    use hallway_tests::{AppOptions, spawn_app_with};
    let Some(app) = spawn_app_with(AppOptions {
        no_worker: true,
        fake_app: Some(AppConfig {
            token_rotation: true,
            ..AppConfig::default()
        }),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    connect(&app, &hq).await;
    let bob = hallway::ids::OfficeUserId::new("bob").unwrap();
    let (_, body) = app
        .api_ok::<model::LinkStart>(
            Method::POST,
            &format!("/api/v1/spaces/{hq}/slack/link"),
            Some(&app.token("bob", &[(&hq, Role::Member)])),
            None,
        )
        .await;
    app.slack.act_as("T0DEMO", "U0DEMO02");
    app.browser().visit(&body.authorize_url).await;
    let s = &app.services;
    let link = s.links().get(&bob, &demo()).await.unwrap().unwrap();
    assert_eq!(link.user_token_expires_at, Some(app.now_secs() + 43_200));
    let first = s.user_token(&bob, &demo()).await.unwrap().unwrap();
    assert!(
        first.expose().starts_with("xoxe.xoxp-"),
        "a rotating user token"
    );
    let refreshes = || {
        app.slack
            .calls_to("oauth.v2.access")
            .iter()
            .filter(|c| c.params["grant_type"] == "refresh_token")
            .count()
    };
    assert_eq!(refreshes(), 0, "not due yet");

    // Close to expiry: six callers at once, one refresh.
    app.clock.advance_secs(43_200 - 120);
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let (s, bob) = (s.clone(), bob.clone());
            tokio::spawn(async move { s.user_token(&bob, &TeamId::new("T0DEMO").unwrap()).await })
        })
        .collect();
    for r in racers {
        assert!(
            r.await.unwrap().unwrap().is_some(),
            "every caller gets a token"
        );
    }
    assert_eq!(refreshes(), 1);
    let link = s.links().get(&bob, &demo()).await.unwrap().unwrap();
    assert_eq!(link.user_token_expires_at, Some(app.now_secs() + 43_200));
    let second = s.user_token(&bob, &demo()).await.unwrap().unwrap();
    assert_ne!(second.expose(), first.expose());
    assert!(
        link.refresh_lease_until.is_none(),
        "the lease is given back"
    );

    // Slack refuses the refresh token (revoked): the token is forgotten,
    // and the office is told to link again.
    app.slack.with_world(|w| {
        for r in w.refresh_tokens.values_mut() {
            r.used = true;
        }
    });
    app.clock.advance_secs(43_200);
    assert!(s.user_token(&bob, &demo()).await.unwrap().is_none());
    assert!(
        !s.links()
            .get(&bob, &demo())
            .await
            .unwrap()
            .unwrap()
            .has_user_token()
    );
}

/// The pages speak the browser's language (`Accept-Language`): Swedish for
/// a Swedish browser, English without the header or for a language hallway
/// does not speak.
#[tokio::test]
async fn pages_speak_the_browsers_language() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let hq = admin_space(&app, "HQ").await;
    let kitchen = room(&app, &hq, "Kitchen").await;
    let expired = app.services.join_links.token(&JoinClaims {
        space: hq.clone(),
        room: kitchen.clone(),
        invite: None,
        guest: false,
        exp: app.now_secs() - 120,
    });
    let get = async |path: &str, lang: Option<&str>| {
        let mut req = app.http.get(app.url(path));
        if let Some(lang) = lang {
            req = req.header(http::header::ACCEPT_LANGUAGE, lang);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    };
    let join = format!("/join/{expired}");

    let (status, sv) = get(&join, Some("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7")).await;
    assert_eq!(status, 410, "{sv}");
    assert!(sv.contains(r#"<html lang="sv">"#), "{sv}");
    assert!(sv.contains("<h1>Den här inbjudan har gått ut</h1>"), "{sv}");
    assert!(sv.contains("Be personen som bjöd in dig om en ny."), "{sv}");
    assert!(sv.contains(">Tillbaka till kontoret</a>"), "{sv}");
    assert!(
        !sv.contains("invitation has expired") && !sv.contains("Back to the office"),
        "no English left: {sv}"
    );

    for lang in [None, Some("fr-FR,fr;q=0.9"), Some("en-GB,sv;q=0.5")] {
        let (status, en) = get(&join, lang).await;
        assert_eq!(status, 410, "{lang:?}: {en}");
        assert!(en.contains(r#"<html lang="en">"#), "{lang:?}: {en}");
        assert!(
            en.contains("<h1>This invitation has expired</h1>"),
            "{lang:?}: {en}"
        );
        assert!(en.contains(">Back to the office</a>"), "{lang:?}: {en}");
    }

    // The other flows' pages too: an install with a forged state, a
    // sign-in cancelled at Slack.
    let (status, sv) = get("/slack/install?state=not-a-state", Some("sv")).await;
    assert_eq!(status, 400, "{sv}");
    assert!(sv.contains(r#"<html lang="sv">"#), "{sv}");
    assert!(
        sv.contains("Den här länken kommer inte från hallway"),
        "{sv}"
    );
    let (status, sv) = get(
        "/slack/login/callback?error=access_denied&state=x",
        Some("sv-FI"),
    )
    .await;
    assert_eq!(status, 200, "{sv}");
    assert!(sv.contains("<h1>Du är inte inloggad</h1>"), "{sv}");
    let (_, en) = get("/slack/login/callback?error=access_denied&state=x", None).await;
    assert!(en.contains("<h1>You are not signed in</h1>"), "{en}");
}
