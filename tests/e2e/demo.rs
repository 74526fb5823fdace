//! The fake Slack's demo workspace (Acme, `T0DEMO`, from
//! `TeamSeed::demo()`): its people, its channels and the app's bot user.

use hallway::ids::{TeamId, UserId};

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
pub fn from_app(app: &hallway_tests::TestApp, user: &str) -> Vec<hallway_fake_slack::Message> {
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
pub async fn post_event(app: &hallway_tests::TestApp, body: &str, retry: bool) -> String {
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
