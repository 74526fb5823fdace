//! The sample Lambda events in `events/events/` through `lambda_http`'s own
//! event → request conversion (base64 bodies included), re-signed, into the
//! running bundle: what API Gateway would deliver, and what
//! `hallway-local replay` sends.

use hallway::secrets::Secret;
use hallway_local::replay::{Prepared, SigningKeys, prepare_http, send_http};
use hallway_tests::{SIGNING_SECRET, TestApp, spawn_app_without_worker};

fn sample(name: &str) -> String {
    let name = if name.contains('/') {
        name.to_owned()
    } else {
        format!("events/{name}")
    };
    let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn prepared(app: &TestApp, name: &str, tamper: bool) -> Prepared {
    prepare_http(&sample(name), &keys(app), app.now_secs(), tamper).unwrap()
}

fn keys(app: &TestApp) -> SigningKeys {
    SigningKeys {
        slack: Secret::new(SIGNING_SECRET),
        app_jwt: app.services.secrets.app_jwt_secret.clone(),
        fake_slack: Some(app.slack.base_url()),
    }
}

#[tokio::test]
async fn every_events_sample_gets_its_documented_answer() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let expect: &[(&str, u16, &str)] = &[
        ("url_verification.json", 200, ""),
        ("url_verification_base64.json", 200, ""),
        ("app_uninstalled.json", 200, "queued"),
        ("app_uninstalled_retry.json", 200, "duplicate"),
        ("tokens_revoked.json", 200, "queued"),
        ("team_join.json", 200, "queued"),
        ("user_change.json", 200, "queued"),
        ("user_change_deactivated.json", 200, "queued"),
        ("message_im.json", 200, "queued"),
        ("message_changed.json", 200, "queued"),
        ("message_deleted.json", 200, "queued"),
        ("message_to_app.json", 200, "queued"),
        // Our own bot's DM: never queued, so the app cannot answer itself.
        ("message_from_bot.json", 200, "ignored"),
        ("link_shared.json", 200, "queued"),
        ("link_shared_enterprise.json", 200, "queued"),
        ("member_joined_channel.json", 200, "queued"),
        ("channel_rename.json", 200, "queued"),
        ("app_home_opened.json", 200, "queued"),
        ("function_executed.json", 200, "queued"),
        ("unknown_event.json", 200, "ignored"),
    ];
    for (name, status, outcome) in expect {
        let got = send_http(&app.base_url, prepared(&app, name, false))
            .await
            .unwrap();
        assert_eq!(got.status, *status, "{name}: {}", got.body);
        let header = got
            .headers
            .get("x-hallway-event")
            .map(|v| v.to_str().unwrap())
            .unwrap_or("");
        assert_eq!(header, *outcome, "{name}");
        if name.starts_with("url_verification") {
            assert_eq!(
                got.body, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn a_base64_body_is_verified_after_decoding_and_tampering_still_fails() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let p = prepared(&app, "url_verification_base64.json", false);
    assert!(
        p.body.starts_with(b"{"),
        "lambda_http decoded the base64 body"
    );
    let tampered = prepared(&app, "url_verification_base64.json", true);
    let got = send_http(&app.base_url, tampered).await.unwrap();
    assert_eq!(got.status, 401);
}

#[tokio::test]
async fn samples_are_signed_as_slack_would_sign_them() {
    // The samples carry real signatures (development secret, their own
    // timestamp), so they verify as they are at that time.
    use hallway::clock::ManualClock;
    use hallway::slack::Verifier;
    use std::sync::Arc;
    for name in [
        "url_verification.json",
        "app_uninstalled.json",
        "unknown_event.json",
        "team_join.json",
        "user_change.json",
        "user_change_deactivated.json",
        "message_im.json",
        "message_changed.json",
        "message_deleted.json",
        "message_to_app.json",
        "message_from_bot.json",
        "link_shared.json",
        "link_shared_enterprise.json",
        "member_joined_channel.json",
        "channel_rename.json",
        "app_home_opened.json",
        "message_channels.json",
        "message_channels_reply.json",
        "message_groups.json",
        "member_left_channel.json",
        "channel_left.json",
        "group_left.json",
        "channel_archive.json",
        "group_archive.json",
        "channel_deleted.json",
        "group_deleted.json",
        "team_access_granted.json",
        "team_access_revoked.json",
        "app_uninstalled_org.json",
        "function_executed.json",
    ] {
        let request = lambda_http::request::from_str(&sample(name)).unwrap();
        let ts: i64 = request.headers()["x-slack-request-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body = request.body().to_vec();
        let verifier = Verifier::new(
            Secret::new(hallway_local::settings::DEV_DEFAULTS[0].1),
            Arc::new(ManualClock::at_secs(ts)),
        );
        verifier
            .verify(request.headers(), &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[tokio::test]
async fn oauth_and_api_samples_get_their_documented_answers() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    // (sample, status, what the answer holds)
    let expect: &[(&str, u16, &str)] = &[
        ("api/create_space.json", 201, r#""role":"admin""#),
        ("api/list_spaces.json", 200, r#""name":"HQ""#),
        ("api/me.json", 200, r#""id":"ada""#),
        (
            "api/create_room_unknown_space.json",
            404,
            "no space 01j0000000000000000000000s",
        ),
        (
            "oauth/install_from_directory.json",
            303,
            "/oauth/v2/authorize?client_id=",
        ),
        (
            "oauth/login.json",
            303,
            "/openid/connect/authorize?response_type=code",
        ),
        ("oauth/callback_denied.json", 200, "Nothing was connected"),
        (
            "oauth/callback_forged_state.json",
            400,
            "not issued by hallway",
        ),
        ("oauth/join_tampered.json", 400, "join link is not valid"),
    ];
    for (name, status, holds) in expect {
        let got = send_http(&app.base_url, prepared(&app, name, false))
            .await
            .unwrap();
        let location = got
            .headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert_eq!(got.status, *status, "{name}: {}", got.body);
        assert!(
            got.body.contains(holds) || location.contains(holds),
            "{name}: {} {location}",
            got.body
        );
    }
}

#[tokio::test]
async fn command_samples_get_their_documented_answers() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    // The app is not installed in the e2e bundle's workspace: commands that
    // get past the grammar ask for an install.
    const NOT_INSTALLED: &str = "no installation on record";
    let expect: &[(&str, u16, &str)] = &[
        ("commands/help.json", 200, "How to use /hallway"),
        ("commands/unclosed_quote.json", 200, "is not closed"),
        ("commands/call_channel.json", 200, NOT_INSTALLED),
        ("commands/invite_mentions.json", 200, NOT_INSTALLED),
        ("commands/invite_enterprise.json", 200, NOT_INSTALLED),
        ("commands/map_channel.json", 200, NOT_INSTALLED),
        ("commands/ssl_check.json", 200, ""),
        ("commands/interactivity_join_click.json", 200, ""),
        // Not installed: no token to open the form with; a global shortcut
        // can only be logged, a message shortcut explains on its
        // response_url, and a submission gets a notice in the modal.
        ("commands/shortcut_meet.json", 200, ""),
        ("commands/message_shortcut_meet_about.json", 200, ""),
        (
            "commands/view_submission_meet.json",
            200,
            "\"response_action\":\"update\"",
        ),
    ];
    for (name, status, holds) in expect {
        let got = send_http(&app.base_url, prepared(&app, name, false))
            .await
            .unwrap();
        assert_eq!(got.status, *status, "{name}: {}", got.body);
        assert!(got.body.contains(holds), "{name}: {}", got.body);
    }
    let explained = app.slack.responses("Xy7qR2Ay3ne2m3R8JNBr2t5Y");
    assert!(
        serde_json::to_string(&explained)
            .unwrap()
            .contains(NOT_INSTALLED),
        "{explained:?}"
    );
    // Tampered: refused like every Slack request.
    let got = send_http(
        &app.base_url,
        prepared(&app, "commands/call_channel.json", true),
    )
    .await
    .unwrap();
    assert_eq!(got.status, 401);
}

#[test]
fn worker_samples_are_sqs_events_of_jobs() {
    let dir = format!("{}/../events/worker", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for record in event.records {
            let decoded = hallway::jobs::decode(record.body.as_deref().unwrap());
            let poison = path.ends_with("poison_and_good.json")
                && !record.message_id.as_deref().unwrap().ends_with("03");
            assert_eq!(
                decoded.is_err(),
                poison,
                "{}: {:?}",
                path.display(),
                decoded
            );
            seen += 1;
        }
    }
    assert!(seen >= 8, "{seen}");
}
