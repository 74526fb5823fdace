//! The bundle on the emulators through the AWS SDK, end to end: most
//! end-to-end tests run on the embedded store and in-process queue (they
//! pass the same conformance suites as DynamoDB Local and SQS); this one
//! holds the whole path on the wire: a slash command answered, its job sent
//! to SQS (moto), received and deleted by the worker, the records in
//! DynamoDB Local, the secret read from Secrets Manager.

use hallway_tests::{AppOptions, spawn_app_with};

use hallway_tests::demo::office;
use hallway_tests::demo::{ALICE, GENERAL};

#[tokio::test]
async fn an_invite_goes_through_dynamodb_and_sqs() {
    let Some(app) = spawn_app_with(AppOptions {
        emulators: true,
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let meters = app.meters().expect("on the emulators").clone();
    let before = (meters.table.consumed(), meters.queue.requests());

    let (reply, response) = app.slash(ALICE, GENERAL, "<@U0DEMO02> 'HQ' Kitchen").await;
    assert_eq!(
        reply["text"],
        "Inviting 1 person to Kitchen (HQ). I'll tell you here who I reached."
    );
    app.eventually("the summary", || async {
        app.slack.responses(&response).iter().any(|r| {
            r["text"]
                .as_str()
                .unwrap_or_default()
                .contains("1 of 1 reached")
        })
    })
    .await;
    assert_eq!(app.slack.dm_messages("T0DEMO", "U0DEMO02").len(), 1);
    app.drained().await;

    // The invite's records are in DynamoDB Local, found by a scan.
    let invites: Vec<_> = app
        .items_mentioning("U0DEMO02")
        .await
        .into_iter()
        .filter(|(pk, _)| pk.starts_with("INVITE#"))
        .collect();
    assert!(!invites.is_empty(), "no invite record mentions Bob");

    // The SDK's interceptors saw the bundle's requests: one job sent,
    // received and deleted; capacity read and written.
    let (table, queue) = (meters.table.consumed(), meters.queue.requests());
    assert!(table.read_units > before.0.read_units, "{table:?}");
    assert!(table.write_units > before.0.write_units, "{table:?}");
    assert!(queue.sends > before.1.sends, "{queue:?}");
    assert!(
        queue.receives_with_messages > before.1.receives_with_messages,
        "{queue:?}"
    );
    assert!(queue.deletes > before.1.deletes, "{queue:?}");
    let _ = o;
}
