//! The fake Slack's demo workspace (Acme, `T0DEMO`, from
//! `TeamSeed::demo()`): its people, its channels and the app's bot user;
//! the office most end-to-end tests start from (the app installed, Ada
//! linked, HQ connected) and the requests and records they build on.

use hallway::ids::{OfficeUserId, TeamId, UserId};
use hallway::jobs::{DeliverJob, Job};
use hallway::secrets::Secret;
use hallway::slack::SlackError;
use hallway::store::invites::Origin;
use hallway::store::{Invite, LinkedVia, NewInvite, NewLink, Role};
use serde_json::{Value, json};

use hallway_api::model;

use crate::{AppOptions, TestApp, eventually, spawn_app_with};

pub use crate::seed::{OFFICE_SCOPES, Office};

pub const ALICE: &str = "U0DEMO01";
pub const BOB: &str = "U0DEMO02";
pub const CAROL: &str = "U0DEMO03";
pub const DAVE: &str = "U0DEMO04";
pub const ERIN: &str = "U0DEMO05";
/// The app's bot user.
pub const BOT: &str = "U0DEMOBOT";
/// Everyone is in it; the bot is not, until it joins.
pub const GENERAL: &str = "C0GENERAL";
/// Alice, Bob and Carol.
pub const DESIGN: &str = "C0DESIGN";

pub fn team() -> TeamId {
    TeamId::new("T0DEMO").unwrap()
}

pub fn user(id: &str) -> UserId {
    UserId::new(id).unwrap()
}

/// The app's messages in its DM with `user`, oldest first.
pub fn from_app(app: &TestApp, user: &str) -> Vec<hallway_fake_slack::Message> {
    app.slack
        .dm_messages("T0DEMO", user)
        .into_iter()
        .filter(|m| m.user == BOT)
        .collect()
}

/// The body of a sample in `events/events/` (signed anew when posted).
pub fn sample_body(name: &str) -> String {
    let path = format!("{}/../events/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["body"].as_str().unwrap().to_owned()
}

/// Posts a Slack-signed event body (as a retry when `retry`); returns
/// what the webhook did with it (`x-hallway-event`; empty when it says
/// nothing, as for `url_verification`).
pub async fn post_event(app: &TestApp, body: &str, retry: bool) -> String {
    let retry_headers: &[(&str, &str)] = if retry {
        &[
            ("x-slack-retry-num", "1"),
            ("x-slack-retry-reason", "http_timeout"),
        ]
    } else {
        &[]
    };
    let resp = app
        .post_signed("/slack/events", "application/json", body, retry_headers)
        .await;
    assert_eq!(resp.status(), 200);
    resp.headers()
        .get("x-hallway-event")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The app installed in the demo workspace with a bot token of these
/// scopes (installed by Alice), as the OAuth callback would store it.
pub async fn install_demo(app: &TestApp, scopes: &[&str]) {
    let bot_token = app.slack.issue_bot_token("T0DEMO", scopes);
    crate::seed::install(
        &app.services,
        &team(),
        "Acme",
        "U0DEMOBOT",
        Some(ALICE),
        bot_token,
        scopes,
    )
    .await;
}

/// The app installed in the demo workspace, Alice linked as office user
/// `ada`, and a space HQ (Kitchen 4, Hall 30, Booth 2) mapped to the team.
pub async fn office(app: &TestApp) -> Office {
    install_demo(app, OFFICE_SCOPES).await;
    crate::seed::office(&app.services, &team(), ALICE).await
}

/// A bundle whose fake Slack delivers events to it (and whose office
/// receiver hears the office webhook), with [`office`] set up and the bot
/// holding `extra_scopes` too.
pub async fn bridged_office(extra_scopes: &[&str]) -> Option<(TestApp, Office)> {
    let app = spawn_app_with(AppOptions {
        bridge: true,
        ..AppOptions::default()
    })
    .await?;
    let o = office(&app).await;
    if !extra_scopes.is_empty() {
        install_demo(&app, &[OFFICE_SCOPES, extra_scopes].concat()).await;
    }
    Some((app, o))
}

/// Fills the demo team's directory with a real refresh (one page).
pub async fn fill_directory(app: &TestApp, o: &Office) {
    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let path = format!("/api/v1/spaces/{}/directory", o.hq);
    let (code, body) = app
        .api_ok::<model::DirectoryRun>(
            http::Method::POST,
            &format!("{path}/refresh"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(code, 202, "{body:?}");
    eventually("the directory filled", || async {
        let (_, state) = app
            .api_ok::<model::DirectoryState>(http::Method::GET, &path, Some(&admin), None)
            .await;
        matches!(
            state,
            model::DirectoryState::Refreshed(model::DirectoryRun {
                status: model::RunStatus::Done,
                ..
            })
        )
    })
    .await;
}

/// Links Alice (`ada`) again, now with a user token of these scopes, as
/// the user-scope OAuth would.
pub async fn link_ada_with_token(app: &TestApp, scopes: &[&str]) {
    link_with_token(app, "ada", ALICE, scopes).await;
}

/// Links an office user to a Slack person of the demo team with a user
/// token of these scopes, as the user-scope OAuth from the office would.
pub async fn link_with_token(app: &TestApp, office_user: &str, slack_user: &str, scopes: &[&str]) {
    let token = app.slack.issue_user_token("T0DEMO", slack_user, scopes);
    app.services
        .links()
        .link(NewLink {
            office_user_id: OfficeUserId::new(office_user).unwrap(),
            team_id: team(),
            slack_user_id: UserId::new(slack_user).unwrap(),
            enterprise_id: None,
            via: LinkedVia::Authorize,
            user_scopes: scopes.iter().map(|s| s.to_string()).collect(),
            user_token: Some(Secret::new(token)),
            rotation: None,
        })
        .await
        .unwrap();
}

/// Calls a Web API method on the fake Slack as the token's owner, waiting
/// out the per-channel message limit as a Slack client would.
pub async fn slack(app: &TestApp, token: &Secret, method: &str, body: Value) -> Value {
    loop {
        match app.services.slack.call_json(method, token, &body).await {
            Ok(reply) => return reply,
            Err(SlackError::RateLimited { retry_after }) => tokio::time::sleep(retry_after).await,
            Err(e) => panic!("{method}: {e}"),
        }
    }
}

pub const JSON: &str = "application/json";

/// A callback Slack sends now (`event_time`: lifecycle events older than
/// the installation change nothing).
pub fn callback(event_id: &str, event: serde_json::Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({
        "token": "legacy", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY",
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": now,
        "authorizations": [{"enterprise_id": null, "team_id": "T0DEMO", "user_id": "U0DEMOBOT",
                            "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false, "context_team_id": "T0DEMO", "context_enterprise_id": null,
    })
    .to_string()
}

pub fn outcome(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("x-hallway-event")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// An invite to HQ's Hall for `recipients`, stored but not fanned out.
pub async fn invite(app: &TestApp, recipients: &[&str]) -> Invite {
    let o = office(app).await;
    let hall = app
        .services
        .spaces()
        .room(&o.hq, &o.hall)
        .await
        .unwrap()
        .unwrap();
    let invite = app
        .services
        .invites()
        .create(NewInvite {
            team_id: team(),
            space_id: o.hq.clone(),
            space_name: "HQ".into(),
            room_id: hall.id.clone(),
            room_name: hall.name.clone(),
            inviter_name: "Ada".into(),
            inviter_office_user: None,
            inviter_slack_user: None,
            origin: Origin::Office,
            channel_id: None,
            response_url: None,
            view_id: None,
            note: None,
            about: None,
            step: None,
            total: recipients.len() as u32,
        })
        .await
        .unwrap();
    let list: Vec<UserId> = recipients.iter().map(|r| user(r)).collect();
    app.services
        .invites()
        .add_recipients(&invite.id, &list)
        .await
        .unwrap();
    invite
}

pub fn deliver(invite: &Invite, recipient: &str) -> Job {
    Job::Deliver(DeliverJob {
        invite_id: invite.id.clone(),
        team_id: team(),
        recipient: user(recipient),
    })
}

/// The office reports who is in HQ's Hall (`who` office users; nobody when
/// empty) through `PUT …/presence`, as Ada; the status and body.
pub async fn hall_presence(app: &TestApp, o: &Office, who: &[&str]) -> (u16, Value) {
    let rooms = match who.is_empty() {
        true => json!({}),
        false => json!({ o.hall.as_str(): who }),
    };
    app.api(
        http::Method::PUT,
        &format!("/api/v1/spaces/{}/presence", o.hq),
        Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
        Some(json!({ "rooms": rooms })),
    )
    .await
}

/// The invite DMs `user` of the demo workspace got, oldest first.
pub fn invites_to(app: &TestApp, user: &str) -> Vec<hallway_fake_slack::Message> {
    app.slack
        .dm_messages("T0DEMO", user)
        .into_iter()
        .filter(|m| m.text.contains("has invited you"))
        .collect()
}
