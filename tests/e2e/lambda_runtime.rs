//! The commands and worker binaries as Lambda runs them: the debug builds
//! started against a Runtime API and Extensions API played on loopback
//! (`hallway_tests::lambda`), on the emulators. `scripts/test` builds the
//! binaries before the tests.
//!
//! What only this path shows: a call is answered by the commands binary
//! with nothing written and one job queued, which the worker binary turns
//! into the meeting record (once, however often it is delivered); the
//! worker reads its invocation's deadline and answers before it with the
//! records it did not finish when Slack hangs; a table that refuses
//! connections does not hold init up.

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

async fn start(w: &World, name: &str, log: &std::path::Path) -> Process {
    let mut env = w.env.clone();
    env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), name.into()));
    let mut p = Process::start(&debug_binary(name), &env, log).await;
    p.init().await;
    p
}

/// An SQS event of messages received from the queue, as the event source
/// mapping hands them to the worker.
fn sqs_event(received: &[hallway::queue::Received]) -> Vec<u8> {
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    event.records = received
        .iter()
        .map(|m| poller::to_sqs_message(m, "arn:aws:sqs:us-east-1:000000000000:jobs"))
        .collect();
    serde_json::to_vec(&event).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_answered_with_one_job_and_the_worker_writes_its_meeting() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("commands.log");
    let p = start(&w, "hallway-commands", &log).await;
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
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.lines().any(|l| l.contains("\"_aws\"")
            && l.contains("\"Route\":\"/slack/commands\"")
            && l.contains("\"Latency\"")),
        "an EMF line counts the command and its latency: {logged}"
    );
    // The answer wrote nothing: the meeting is the worker's, from the one
    // job the command queued.
    assert!(meetings.get(&w.hq, &w.hall).await.unwrap().is_none());
    let queue = &w.services.queue;
    let received = hallway_tests::receive_n(queue.as_ref(), 1, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 1);
    let job = jobs::decode(&received[0].body).unwrap();
    assert!(
        matches!(&job, Job::Command(c) if c.room_name == "Hall"),
        "{job:?}"
    );

    let worker = start(&w, "hallway-worker", &dir.path().join("worker.log")).await;
    let done = worker.invoke(sqs_event(&received)).await;
    assert!(done.ok, "{}", String::from_utf8_lossy(&done.body));
    let response: serde_json::Value = serde_json::from_slice(&done.body).unwrap();
    assert_eq!(
        response["batchItemFailures"],
        serde_json::json!([]),
        "{response}"
    );
    let m = meetings
        .get(&w.hq, &w.hall)
        .await
        .unwrap()
        .expect("the worker wrote the call's meeting");
    assert_eq!(m.channel_id.as_str(), GENERAL);
    assert_eq!(m.called_by.as_ref().map(|u| u.as_str()), Some(ALICE));

    // The same job delivered again writes nothing new.
    let again = worker.invoke(sqs_event(&received)).await;
    assert!(again.ok);
    let still = meetings.get(&w.hq, &w.hall).await.unwrap().unwrap();
    assert_eq!(still.joined, m.joined);
    assert_eq!(still.started_at, m.started_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_answers_before_its_deadline_when_slack_hangs_naming_the_records_it_left() {
    let Some(w) = world().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    let p = start(&w, "hallway-worker", &log).await;

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
    let received = hallway_tests::receive_n(queue.as_ref(), 4, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 4);
    w.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::Delay { millis: 30_000 },
        times: 4,
    });
    let timeout = Duration::from_secs(9);
    let answer = p.invoke_within(sqs_event(&received), timeout).await;
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
    // Warm-ups are off by default; an operator may turn them on.
    env.push(("HALLWAY_WARM_UP".into(), "table,queue".into()));
    let log = dir.path().join("commands.log");
    let mut p = Process::start(&debug_binary("hallway-commands"), &env, &log).await;
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
