//! The commands binary as Lambda runs it: the debug build started against a
//! Runtime API and Extensions API played on loopback
//! (`hallway_tests::lambda`), on the emulators. `scripts/test` builds the
//! binary before the tests.
//!
//! What only this path shows: the meeting record a call defers is written
//! after the answer but before the sandbox may be frozen (the internal
//! extension asks for its next event only then), and an event that never
//! reaches the router holds the sandbox no longer than its deadline.

use std::path::PathBuf;
use std::time::Duration;

use hallway_tests::lambda::{ALICE, GENERAL, Process, World, binary, http_answer, slash, world};

fn commands_binary() -> PathBuf {
    let bin = binary("debug", "hallway-commands");
    assert!(
        bin.exists(),
        "{} is missing: scripts/test builds it first (cargo build -p hallway-commands)",
        bin.display()
    );
    bin
}

async fn start(w: &World, log: &std::path::Path) -> Process {
    let mut env = w.env.clone();
    env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), "hallway-commands".into()));
    let mut p = Process::start(&commands_binary(), &env, log).await;
    p.init().await;
    assert!(
        p.has_extension(),
        "the commands binary registers its extension before its first next"
    );
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_answered_and_its_meeting_written_before_the_sandbox_may_freeze() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = start(&w, &dir.path().join("commands.log")).await;
    let meetings = w.services.meetings();
    assert!(meetings.get(&w.hq, &w.hall).await.unwrap().is_none());

    let answer = p.invoke(slash("")).await;
    let (status, body) = http_answer(&answer);
    assert_eq!(status, 200, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["response_type"], "in_channel", "{reply}");
    assert!(
        reply["text"].as_str().unwrap_or("").contains("Hall"),
        "{reply}"
    );

    // Lambda may freeze the sandbox once the extension asks for its next
    // event: by then the deferred record is written.
    p.settle().await;
    let m = meetings
        .get(&w.hq, &w.hall)
        .await
        .unwrap()
        .expect("the meeting was written before the extension asked for its next event");
    assert_eq!(m.channel_id.as_str(), GENERAL);
    assert_eq!(m.called_by.as_ref().map(|u| u.as_str()), Some(ALICE));
    assert_eq!(
        p.after_answers().len(),
        1,
        "the extension asked once after the answer"
    );

    // A second call into the same room joins the meeting, as before.
    let again = p.invoke(slash("")).await;
    assert_eq!(http_answer(&again).0, 200);
    p.settle().await;
    let still = meetings.get(&w.hq, &w.hall).await.unwrap().unwrap();
    assert_eq!(
        still.called_at, m.called_at,
        "the first call's record is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_never_reaches_the_router_holds_the_sandbox_only_until_its_deadline() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("commands.log");
    let p = start(&w, &log).await;

    // Not an HTTP event: lambda_http refuses it without calling the router,
    // so the extension hears of no answer and waits out the deadline.
    let refused = p
        .invoke_within(b"\"not an HTTP event\"".to_vec(), Duration::from_secs(2))
        .await;
    assert!(!refused.ok, "posted to /error");
    p.settle().await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("no answer from the router before the deadline"),
        "{logged}"
    );

    // The sandbox is usable again.
    let help = p.invoke(slash("help")).await;
    let (status, body) = http_answer(&help);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ephemeral"), "{body}");
}
