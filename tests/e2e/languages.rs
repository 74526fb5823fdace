//! Slack users read hallway in their own language: the directory's
//! refresh stores each person's Slack `locale` (`users.list` with
//! `include_locale`), the command and the form answer in the caller's,
//! each invite DM in its recipient's, and a surface that meets someone
//! unknown (the Home tab) asks `users.info` once and remembers. Swedish
//! and English; anything else reads English.

use hallway::ids::UserId;
use hallway_tests::TestApp;
use hallway_tests::demo::{ALICE, BOB, CAROL, GENERAL, bridged_office, fill_directory, team};
use serde_json::Value;

const TEAM: &str = "T0DEMO";

fn invite_text(app: &TestApp, user: &str) -> String {
    app.slack
        .dm_messages(TEAM, user)
        .into_iter()
        .map(|m| m.text)
        .find(|t| t.contains("Ada Lovelace"))
        .unwrap_or_default()
}

#[tokio::test]
async fn a_swedish_caller_and_recipient_read_swedish_an_english_one_english() {
    let Some((app, o)) = bridged_office(&[]).await else {
        return;
    };
    assert!(app.slack.set_locale(TEAM, ALICE, "sv-SE"));
    assert!(app.slack.set_locale(TEAM, BOB, "sv-FI"));
    assert!(app.slack.set_locale(TEAM, CAROL, "de-DE"));
    fill_directory(&app, &o).await;
    let stored = app.services.directory();
    let locale = |u: &str| {
        let stored = stored.clone();
        let u = UserId::new(u).unwrap();
        async move { stored.locale(&team(), &u).await.unwrap() }
    };
    assert_eq!(locale(ALICE).await, Some(hallway::i18n::Locale::Sv));
    assert_eq!(locale(CAROL).await, Some(hallway::i18n::Locale::En));

    let (help, _) = app.slash(ALICE, GENERAL, "help").await;
    assert_eq!(help["text"], "Så använder du /hallway");
    let (bad, _) = app.slash(ALICE, GENERAL, "'HQ").await;
    assert!(
        bad["text"].as_str().unwrap().contains("stängs aldrig"),
        "{bad}"
    );

    let (reply, _) = app
        .slash(ALICE, GENERAL, &format!("<@{BOB}> <@{CAROL}>"))
        .await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap()
            .starts_with("Bjuder in 2 personer till Hall (HQ)"),
        "{reply}"
    );
    app.eventually("both invited", || async {
        !invite_text(&app, BOB).is_empty() && !invite_text(&app, CAROL).is_empty()
    })
    .await;
    assert_eq!(
        invite_text(&app, BOB),
        "Ada Lovelace har bjudit in dig till Hall (HQ)"
    );
    assert_eq!(
        invite_text(&app, CAROL),
        "Ada Lovelace has invited you to meet in Hall (HQ)"
    );

    // The form, too.
    app.slack.run_shortcut(TEAM, ALICE, "meet_in_hallway").await;
    let view = app.slack.open_view(TEAM, ALICE).expect("the form");
    assert_eq!(view["title"]["text"], "Träffas i hallway");
    assert_eq!(view["submit"]["text"], "Skicka inbjudningar");
    assert_eq!(
        view["blocks"][1]["element"]["initial_option"]["text"]["text"],
        "Hall · tomt"
    );
}

async fn home(app: &TestApp) -> Value {
    let before = app.slack.calls_to("views.publish").len();
    assert!(app.slack.open_home(TEAM, ALICE));
    app.eventually("the Home tab", || async {
        app.slack.calls_to("views.publish").len() > before
    })
    .await;
    app.slack.home_view(TEAM, ALICE).unwrap()
}

#[tokio::test]
async fn someone_the_directory_does_not_know_is_asked_about_once() {
    let Some((app, _o)) = bridged_office(&[]).await else {
        return;
    };
    assert!(app.slack.set_locale(TEAM, ALICE, "sv-SE"));
    let first: Value = home(&app).await;
    assert!(first.to_string().contains("Öppna kontoret"), "{first}");
    let second: Value = home(&app).await;
    assert!(second.to_string().contains("Uppdaterad"), "{second}");
    let asked = app
        .slack
        .calls_to("users.info")
        .into_iter()
        .filter(|c| c.params["user"] == ALICE)
        .count();
    assert_eq!(asked, 1, "looked up once, then remembered");
}
