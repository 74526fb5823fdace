//! The commands and worker binaries as Lambda runs them: the debug builds
//! started against a Runtime API and Extensions API played on loopback
//! (`hallway_tests::lambda`), on the emulators. `scripts/test` builds the
//! binaries before the tests.
//!
//! What only this path shows: the meeting record a call defers is written
//! after the answer but before the sandbox may be frozen (the internal
//! extension asks for its next event only then), and an event that never
//! reaches the router holds the sandbox no longer than its deadline; the
//! worker reads its invocation's deadline and answers before it with the
//! records it did not finish when Slack hangs.

use std::path::PathBuf;
use std::time::Duration;

use hallway::jobs::{self, Job, PromptJob};
use hallway::queue::poller;
use hallway_fake_slack::{Fault, FaultKind};
use hallway_tests::lambda::{
    ALICE, GENERAL, Process, TEAM, World, binary, http_answer, slash, world,
};

fn debug_binary(name: &str) -> PathBuf {
    let bin = binary("debug", name);
    assert!(
        bin.exists(),
        "{} is missing: scripts/test builds it first (cargo build -p {name})",
        bin.display()
    );
    bin
}

fn commands_binary() -> PathBuf {
    debug_binary("hallway-commands")
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
    let logged = std::fs::read_to_string(dir.path().join("commands.log")).unwrap();
    assert!(
        logged.lines().any(|l| l.contains("\"_aws\"")
            && l.contains("\"Route\":\"/slack/commands\"")
            && l.contains("\"Latency\"")),
        "an EMF line counts the command and its latency: {logged}"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_answers_before_its_deadline_when_slack_hangs_naming_the_records_it_left() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut env = w.env.clone();
    env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), "hallway-worker".into()));
    let log = dir.path().join("worker.log");
    let mut p = Process::start(&debug_binary("hallway-worker"), &env, &log).await;
    p.init().await;

    // Four prompts of one team, received from SQS as the event source
    // mapping would; Slack then hangs on every DM for longer than the
    // invocation may take.
    let prompts: Vec<Job> = ["U0DEMO02", "U0DEMO03", "U0DEMO04", "U0DEMO05"]
        .iter()
        .map(|u| {
            Job::Prompt(PromptJob {
                team_id: hallway::ids::TeamId::new(TEAM).unwrap(),
                user: hallway::ids::UserId::new(*u).unwrap(),
                spaces: vec!["HQ".into()],
                force: true,
            })
        })
        .collect();
    let queue = &w.services.queue;
    jobs::enqueue_all(queue.as_ref(), &prompts).await.unwrap();
    let received =
        crate::conformance_queue::receive_n(queue.as_ref(), 4, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 4);
    w.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::Delay { millis: 30_000 },
        times: 4,
    });
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    event.records = received
        .iter()
        .map(|m| poller::to_sqs_message(m, "arn:aws:sqs:us-east-1:000000000000:jobs"))
        .collect();

    let timeout = Duration::from_secs(9);
    let answer = p
        .invoke_within(serde_json::to_vec(&event).unwrap(), timeout)
        .await;
    assert!(answer.ok, "{}", String::from_utf8_lossy(&answer.body));
    assert!(
        answer.elapsed < timeout,
        "answered within the deadline: {:?}",
        answer.elapsed
    );
    let response: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let failed: Vec<&str> = response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    // The first record met the hanging Slack (cut off, or failed and sent
    // again); the three after it were never started, and are named.
    for m in &received[1..] {
        assert!(failed.contains(&m.message_id.as_str()), "{response}");
    }
    eprintln!(
        "worker: 4 records, Slack hanging, deadline {timeout:?}: answered in {:?} naming {}",
        answer.elapsed,
        failed.len()
    );
    // The operator sees it without extra calls: the batch's metrics as
    // CloudWatch EMF lines on stdout.
    let logged = std::fs::read_to_string(&log).unwrap();
    let emf: Vec<serde_json::Value> = logged
        .lines()
        .filter(|l| l.contains("\"_aws\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let put_back = emf
        .iter()
        .find(|d| d.get("RecordsPutBack").is_some())
        .unwrap_or_else(|| panic!("no RecordsPutBack metric in {logged}"));
    assert_eq!(put_back["Kind"], "prompt");
    assert!(
        put_back["RecordsPutBack"].as_f64().unwrap() >= 3.0,
        "{put_back}"
    );
    assert_eq!(
        put_back["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        hallway::metrics::DEFAULT_NAMESPACE
    );
    // Nothing went to the dead-letter queue.
    let dlq = hallway::queue::sqs::SqsQueue::new(w.emulators.sqs.clone(), w.dlq_url.clone());
    assert!(
        hallway::queue::JobQueue::receive(&dlq, 10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_that_refuses_connections_does_not_hold_init_up() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = w.env.clone();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL_DYNAMODB");
    env.push((
        "AWS_ENDPOINT_URL_DYNAMODB".into(),
        format!("http://127.0.0.1:{closed}"),
    ));
    env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), "hallway-commands".into()));
    let log = dir.path().join("commands.log");
    let mut p = Process::start(&commands_binary(), &env, &log).await;
    let init = p.init().await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("could not warm the DynamoDB connection"),
        "{logged}"
    );
    // The SDK retries a refused connection with backoff (0.9-1.8 s); a
    // warm-up is worth a handshake, so it gives up long before.
    assert!(init < Duration::from_secs(1), "init took {init:?}");
    eprintln!("init with DynamoDB refusing connections: {init:?}");
}
