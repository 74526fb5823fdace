//! Enterprise Grid end to end, against the fake Slack's organisation
//! (Globex, `E0GRID`, with the workspaces Sales `T0GRIDA` and Support
//! `T0GRIDB`, people with `W…` ids): an org admin installs hallway once
//! for the organisation from a space's "Connect to Slack"; Slack answers
//! `is_enterprise_install: true` with `team: null`. The workspaces the
//! admin grants it (`team_access_granted`) each find the install; a second
//! space connects to the other workspace without installing again;
//! `/hallway` works in both; the directory of each space is its
//! workspace's people (`users.list` with `team_id`); taking a workspace
//! away disconnects its space; uninstalling disconnects every space of
//! the organisation.

use hallway::ids::{EnterpriseId, OfficeUserId, SpaceId, TeamId, UserId};
use hallway::secrets::Secret;
use hallway::store::{LinkedVia, NewLink};
use hallway_api::model;
use hallway_fake_slack::{AppConfig, TeamSeed};
use hallway_tests::{AppOptions, TestApp, body as wire, eventually, spawn_app_with};
use http::Method;

const ORG: &str = "E0GRID";
const SALES: &str = "T0GRIDA";
const SUPPORT: &str = "T0GRIDB";
const HANK: &str = "W0GRID01";

async fn grid_app() -> Option<TestApp> {
    let (org, sales, support) = TeamSeed::grid_pair();
    let app = spawn_app_with(AppOptions {
        fake_app: Some(AppConfig {
            org_deploy_enabled: true,
            ..AppConfig::default()
        }),
        teams: Some(vec![TeamSeed::demo(), sales, support]),
        bridge: true,
        ..AppOptions::default()
    })
    .await?;
    app.slack.add_enterprise(org);
    Some(app)
}

fn hank(app: &TestApp) -> String {
    app.token("hank", &[])
}

async fn space(app: &TestApp, name: &str, room: &str) -> SpaceId {
    let (_, s) = app
        .api_ok::<model::Space>(
            Method::POST,
            "/api/v1/spaces",
            Some(&hank(app)),
            wire(&model::NewSpace { name: name.into() }),
        )
        .await;
    let (code, _) = app
        .api_ok::<model::Room>(
            Method::POST,
            &format!("/api/v1/spaces/{}/rooms", s.id),
            Some(&hank(app)),
            wire(&model::NewRoom {
                name: room.into(),
                capacity: 8,
            }),
        )
        .await;
    assert_eq!(code, 201);
    s.id
}

async fn connect(app: &TestApp, space: &SpaceId, team: &str) -> model::ConnectStart {
    let (code, body) = app
        .api_ok::<model::ConnectStart>(
            Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect?team_id={team}"),
            Some(&hank(app)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    body
}

async fn team_of(app: &TestApp, space: &SpaceId) -> Option<TeamId> {
    app.services
        .spaces()
        .get(space)
        .await
        .unwrap()
        .filter(|s| s.connected)
        .and_then(|s| s.team_id)
}

/// Hank, an org member in both workspaces, linked in `team` as office
/// user `hank` (one `W…` id across the organisation).
async fn link_hank(app: &TestApp, team: &str) {
    app.services
        .links()
        .link(NewLink {
            office_user_id: OfficeUserId::new("hank").unwrap(),
            team_id: TeamId::new(team).unwrap(),
            slack_user_id: UserId::new(HANK).unwrap(),
            enterprise_id: Some(EnterpriseId::new(ORG).unwrap()),
            via: LinkedVia::Authorize,
            user_scopes: vec!["chat:write".into()],
            user_token: Some(Secret::new(app.slack.issue_org_user_token(
                ORG,
                HANK,
                &["chat:write"],
            ))),
            rotation: None,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_organisation_wide_install_serves_two_workspaces_until_it_is_removed() {
    let Some(app) = grid_app().await else {
        return;
    };
    let installations = app.services.installations();
    let (sales, support) = (TeamId::new(SALES).unwrap(), TeamId::new(SUPPORT).unwrap());
    let org = EnterpriseId::new(ORG).unwrap();

    // Hank, an org admin, connects the Sales space and installs org-wide.
    let a = space(&app, "Sales HQ", "Sales floor").await;
    let start = connect(&app, &a, SALES).await;
    assert_eq!(start.connected, None, "nothing installed yet");
    assert!(
        start.slack_authorize_url.contains("team=T0GRIDA"),
        "{start:?}"
    );
    app.slack.act_as_org(ORG, SALES, HANK);
    app.browser().visit(&start.authorize_url).await;
    let stored = installations
        .org(&org)
        .await
        .unwrap()
        .expect("stored under the organisation");
    assert!(stored.is_active());
    assert!(
        installations.get(&sales).await.unwrap().is_none(),
        "Slack has not added it to any workspace yet"
    );
    assert_eq!(
        team_of(&app, &a).await,
        None,
        "the space waits until Slack says the organisation's install serves Sales"
    );

    // The org admin adds it to both workspaces: each finds the install.
    assert!(app.slack.grant_team_access(ORG, &[SALES, SUPPORT]));
    eventually("both workspaces served", || async {
        let a = installations.get(&sales).await.unwrap();
        let b = installations.get(&support).await.unwrap();
        [a, b].iter().all(|i| {
            i.as_ref()
                .is_some_and(|i| i.is_enterprise_install && i.is_active())
        })
    })
    .await;
    eventually("the Sales space connected once granted", || async {
        team_of(&app, &a).await == Some(sales.clone())
    })
    .await;
    let copy = installations.get(&support).await.unwrap().unwrap();
    assert_eq!(
        copy.team_name, "Globex Support",
        "named from auth.teams.list"
    );
    assert_eq!(copy.enterprise_id.as_ref(), Some(&org));

    // The Support space connects without installing again, for someone
    // Slack has shown to be of Support (Hank's link there); anyone else
    // goes through Slack.
    let b = space(&app, "Support HQ", "Support desk").await;
    let start = connect(&app, &b, SUPPORT).await;
    assert_eq!(start.connected, None, "Hank is not linked in Support yet");
    assert_eq!(team_of(&app, &b).await, None);
    link_hank(&app, SALES).await;
    link_hank(&app, SUPPORT).await;
    let start = connect(&app, &b, SUPPORT).await;
    assert_eq!(start.connected.as_ref(), Some(&support), "{start:?}");
    assert_eq!(team_of(&app, &b).await, Some(support.clone()));

    // `/hallway` in each workspace calls people to its own space's room.
    for (team, channel, room) in [
        (SALES, "C0GRIDSALES", "Sales floor"),
        (SUPPORT, "C0GRIDHELP", "Support desk"),
    ] {
        let o = app
            .slack
            .run_command(team, channel, HANK, "/hallway", "")
            .await;
        assert!(o.acknowledged(), "{o:?}");
        let answer = o.answer.as_ref().unwrap().to_string();
        assert!(answer.contains(room), "{team}: {answer}");
    }

    // Each space's directory is its workspace's people (users.list with
    // the organisation's token names the workspace).
    let (code, _) = app
        .api_ok::<model::DirectoryRun>(
            Method::POST,
            &format!("/api/v1/spaces/{b}/directory/refresh"),
            Some(&hank(&app)),
            None,
        )
        .await;
    assert!(code == 200 || code == 202, "{code}");
    eventually("Support's directory", || async {
        app.services
            .directory()
            .get(&support, &UserId::new("W0GRID03").unwrap())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let ivy_in_support = app
        .services
        .directory()
        .get(&support, &UserId::new("W0GRID02").unwrap())
        .await
        .unwrap();
    assert!(ivy_in_support.is_none(), "Ivy is in Sales only");
    let lists = app.slack.calls_to("users.list");
    assert!(!lists.is_empty());
    assert!(
        lists.iter().all(|c| c.status == 200 && c.error.is_none()),
        "{lists:?}"
    );

    // Jack (Support) signs in with Slack: he gets the spaces of the
    // workspace he signed in to, not the organisation's others.
    let browser = app.browser();
    app.slack.act_as(SUPPORT, "W0GRID03");
    let landing = browser.visit(&app.url("/slack/login")).await;
    let token = landing
        .query("token")
        .or_else(|| landing.query("login"))
        .unwrap_or_else(|| panic!("a login token: {landing:?}"));
    let (code, session) = app
        .api_ok::<model::Session>(
            Method::POST,
            "/api/v1/sessions",
            None,
            wire(&model::Exchange { login_token: token }),
        )
        .await;
    assert_eq!(code, 200, "{session:?}");
    let (_, listed) = app
        .api_ok::<model::SpaceList>(Method::GET, "/api/v1/spaces", Some(&session.token), None)
        .await;
    let names: Vec<&str> = listed.spaces.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Support HQ"]);

    // Support is taken away from the app: its space disconnects, Sales stays.
    assert!(app.slack.revoke_team_access(ORG, &[SUPPORT]));
    eventually("Support disconnected", || async {
        team_of(&app, &b).await.is_none()
    })
    .await;
    assert_eq!(team_of(&app, &a).await, Some(sales.clone()));
    assert!(
        !installations
            .get(&support)
            .await
            .unwrap()
            .unwrap()
            .is_active()
    );

    // The organisation uninstalls: every space of it disconnects.
    assert!(app.slack.uninstall_org(ORG));
    eventually("Sales disconnected", || async {
        team_of(&app, &a).await.is_none()
    })
    .await;
    assert!(
        !installations
            .get(&sales)
            .await
            .unwrap()
            .unwrap()
            .is_active()
    );
    assert!(!installations.org(&org).await.unwrap().unwrap().is_active());
    app.drained().await;
}

#[tokio::test]
async fn a_workspace_with_its_own_install_keeps_it_when_its_organisation_installs() {
    let Some(app) = grid_app().await else {
        return;
    };
    let installations = app.services.installations();
    let sales = TeamId::new(SALES).unwrap();
    // Sales installed hallway for itself first.
    let a = space(&app, "Sales HQ", "Sales floor").await;
    let start = connect(&app, &a, SALES).await;
    app.slack.act_as(SALES, HANK);
    app.browser().visit(&start.authorize_url).await;
    let own = installations.get(&sales).await.unwrap().expect("installed");
    assert!(!own.is_enterprise_install);

    // Then the organisation installs and grants it Sales: the workspace's
    // own install is looked for first, and stays.
    link_hank(&app, SALES).await;
    let b = space(&app, "Org HQ", "Lobby").await;
    let start = connect(&app, &b, SALES).await;
    assert_eq!(
        start.connected.as_ref(),
        Some(&sales),
        "installed there already"
    );
    let start = connect(&app, &b, SUPPORT).await;
    app.slack.act_as_org(ORG, SUPPORT, HANK);
    app.browser().visit(&start.authorize_url).await;
    assert!(app.slack.grant_team_access(ORG, &[SALES, SUPPORT]));
    eventually("Support served by the organisation", || async {
        installations
            .get(&TeamId::new(SUPPORT).unwrap())
            .await
            .unwrap()
            .is_some_and(|i| i.is_enterprise_install)
    })
    .await;
    let still = installations.get(&sales).await.unwrap().unwrap();
    assert!(!still.is_enterprise_install && still.is_active());
    assert_eq!(still.bot_user_id, own.bot_user_id);
    eventually("the space moved to Support once granted", || async {
        team_of(&app, &b).await == Some(TeamId::new(SUPPORT).unwrap())
    })
    .await;

    // Sales removes its own install: the organisation's takes over, and
    // the Sales space stays connected.
    assert!(app.slack.uninstall(SALES));
    eventually("the organisation's install serves Sales", || async {
        installations
            .get(&sales)
            .await
            .unwrap()
            .is_some_and(|i| i.is_enterprise_install && i.is_active())
    })
    .await;
    app.drained().await;
    assert_eq!(team_of(&app, &a).await, Some(sales.clone()));
}

#[tokio::test]
async fn the_organisations_one_rotating_token_is_renewed_for_all_its_workspaces() {
    let (org, sales, support) = TeamSeed::grid_pair();
    let Some(app) = spawn_app_with(AppOptions {
        fake_app: Some(AppConfig {
            org_deploy_enabled: true,
            token_rotation: true,
            ..AppConfig::default()
        }),
        teams: Some(vec![TeamSeed::demo(), sales, support]),
        bridge: true,
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    app.slack.add_enterprise(org);
    let s = &app.services;
    let (sales, support) = (TeamId::new(SALES).unwrap(), TeamId::new(SUPPORT).unwrap());
    let a = space(&app, "Sales HQ", "Sales floor").await;
    let start = connect(&app, &a, SALES).await;
    app.slack.act_as_org(ORG, SALES, HANK);
    app.browser().visit(&start.authorize_url).await;
    assert!(app.slack.grant_team_access(ORG, &[SALES, SUPPORT]));
    eventually("both workspaces served", || async {
        s.installations()
            .get(&support)
            .await
            .unwrap()
            .is_some_and(|i| i.is_enterprise_install)
    })
    .await;
    let before = s.bot_token(&support).await.unwrap();

    // Sales's copy finds the token expired: the organisation's token is
    // renewed once, and Support's copy has the new one (and the new
    // refresh token: renewing again from Support works).
    let renewed = s.refresh_expired_bot_token(&sales).await.unwrap();
    assert_ne!(renewed.expose(), before.expose());
    assert_eq!(
        s.bot_token(&support).await.unwrap().expose(),
        renewed.expose()
    );
    let again = s.refresh_expired_bot_token(&support).await.unwrap();
    assert_eq!(s.bot_token(&sales).await.unwrap().expose(), again.expose());
    let refreshes = app
        .slack
        .calls_to("oauth.v2.access")
        .into_iter()
        .filter(|c| c.params["grant_type"] == "refresh_token")
        .collect::<Vec<_>>();
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    assert!(
        refreshes
            .iter()
            .all(|c| c.status == 200 && c.error.is_none()),
        "{refreshes:?}"
    );
    // And the token works for both workspaces' calls.
    let (code, _) = app
        .api_ok::<model::DirectoryRun>(
            Method::POST,
            &format!("/api/v1/spaces/{a}/directory/refresh"),
            Some(&hank(&app)),
            None,
        )
        .await;
    assert!(code == 200 || code == 202);
    eventually("Sales's directory", || async {
        s.directory()
            .get(&sales, &UserId::new("W0GRID02").unwrap())
            .await
            .unwrap()
            .is_some()
    })
    .await;
}
