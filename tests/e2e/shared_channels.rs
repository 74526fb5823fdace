//! Slack Connect: people of another organisation in a channel shared with
//! the workspace. "A bot user is able to DM users on all connected
//! workspaces, as long as users are in a shared channel together"
//! (docs.slack.dev/apis/slack-connect): inviting them sends the DM, with a
//! guest's join link where the space takes guests; where it does not, or
//! where Slack refuses the DM, the inviter is told why.

use hallway::store::Role;
use hallway_api::model;
use hallway_fake_slack::UserSeed;
use hallway_tests::{TestApp, body as wire, eventually_within, spawn_app};
use http::Method;
use std::time::Duration;

use hallway_tests::demo::{ALICE, DESIGN, GENERAL};
use hallway_tests::demo::{Office, fill_directory, office};

const OLGA: &str = "U0EXTOLGA";
const PETE: &str = "U0EXTPETE";

fn stranger(id: &str, name: &str) -> UserSeed {
    let mut u = UserSeed::person(id, name);
    u.external_team = Some("T0GLOBEX".into());
    u
}

/// #design shared with Globex, whose Olga is in it; Pete of Globex shares
/// no channel with the app. The workspace's directory was read (as after
/// an install): Globex's people are not in it.
async fn shared() -> Option<(TestApp, Office)> {
    let app = spawn_app().await?;
    let o = office(&app).await;
    fill_directory(&app, &o).await;
    app.slack.with_world(|w| {
        let t = w.teams.get_mut("T0DEMO").unwrap();
        t.channels
            .get_mut(DESIGN)
            .unwrap()
            .members
            .push("U0DEMOBOT".into());
    });
    app.slack
        .share_channel("T0DEMO", DESIGN, vec![stranger(OLGA, "olga")])
        .unwrap();
    app.slack.with_world(|w| {
        w.teams
            .get_mut("T0DEMO")
            .unwrap()
            .seed
            .users
            .push(stranger(PETE, "pete"))
    });
    Some((app, o))
}

async fn summary_of(app: &TestApp, text: &str) -> String {
    let (_, response) = app.slash(ALICE, GENERAL, text).await;
    eventually_within("the summary", Duration::from_secs(20), || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    app.slack.responses(&response)[0]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn people_of_another_organisation_are_invited_as_guests_where_the_space_takes_them() {
    let Some((app, o)) = shared().await else {
        return;
    };
    // HQ takes no guests: Olga is not sent a link she could not use.
    let summary = summary_of(&app, &format!("<@{OLGA}> Kitchen")).await;
    assert!(summary.contains("0 of 1 reached"), "{summary}");
    assert!(
        summary.contains("another organisation (Slack Connect), and HQ takes no guests"),
        "{summary}"
    );
    assert!(app.slack.dm_messages("T0DEMO", OLGA).is_empty());

    // HQ takes guests: Olga's DM carries a guest's join link.
    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let (code, body) = app
        .api_ok::<model::Space>(
            Method::PATCH,
            &format!("/api/v1/spaces/{}/settings", o.hq),
            Some(&admin),
            wire(&model::SettingsChange {
                guest_limit: Some(5),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    let summary = summary_of(&app, &format!("<@{OLGA}> Kitchen")).await;
    assert!(summary.contains("1 of 1 reached"), "{summary}");
    let dm = app.slack.dm_messages("T0DEMO", OLGA);
    assert_eq!(dm.len(), 1);
    let url = dm[0].blocks.as_ref().unwrap()[0]["accessory"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = url.rsplit('/').next().unwrap();
    let claims = app.services.join_links.verify(token).unwrap();
    assert!(claims.guest, "a guest's link");

    // Pete shares no channel with the app: Slack refuses, the inviter
    // hears why.
    let summary = summary_of(&app, &format!("<@{PETE}> Kitchen")).await;
    assert!(summary.contains("0 of 1 reached"), "{summary}");
    assert!(
        summary.contains("another organisation and shares no channel with hallway"),
        "{summary}"
    );
}
