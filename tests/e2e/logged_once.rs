//! A failure is logged once, with its cause: by the error mapper that
//! knows it, not again by the trace layer (issue 18).

use std::sync::Arc;

use hallway_tests::counting::Counts;
use hallway_tests::logs::Capture;
use hallway_tests::{AppOptions, spawn_app_with};
use http::Method;
use serde_json::json;

// One thread: the app and the test log through the subscriber installed
// for it.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_request_is_logged_once_with_its_cause() {
    let (capture, guard) = Capture::install();
    let counts = Arc::new(Counts::default());
    let Some(app) = spawn_app_with(AppOptions {
        no_worker: true,
        wrap_table: Some(counts.wrap_table()),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    counts.table_down(true);

    // The office API and the Events API, each answered 503.
    let ada = app.token("ada", &[]);
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/spaces",
            Some(&ada),
            Some(json!({"name": "HQ"})),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    let event = json!({
        "token": "legacy", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY",
        "type": "event_callback", "event_id": "Ev0LOGGED1", "event_time": 1_700_000_000,
        "event": {"type": "app_home_opened", "user": "U0DEMO01", "channel": "D0HOME",
                  "tab": "home", "event_ts": "1700000000.000100"}
    });
    let resp = app
        .post_signed("/slack/events", "application/json", &event.to_string(), &[])
        .await;
    assert_eq!(resp.status(), 503);
    drop(guard);

    let errors: Vec<_> = capture
        .lines()
        .into_iter()
        .filter(|l| l["level"] == "ERROR")
        .collect();
    assert_eq!(
        errors.len(),
        2,
        "one error line per failed request: {errors:#?}"
    );
    // (Which request a line belongs to is its span's, but spans are not
    // asserted: tracing caches a span's interest per callsite across the
    // tests running beside this one.)
    for line in &errors {
        let text = line.to_string();
        assert!(text.contains("the test took the table down"), "{text}");
    }
}
