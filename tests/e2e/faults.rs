//! Faults injected at the wire while work is under way, and what came of
//! each: what was lost (must be nothing), what was sent twice (must be
//! nothing), and how long recovery took (printed; BENCHMARKS.md keeps a
//! run's figures).
//!
//! - DynamoDB Local killed in the middle of an invite fan-out and started
//!   again (a private instance on its own files, so the data survives the
//!   restart): requests during the outage fail in a way Slack retries, the
//!   jobs are retried, DMs caught between "sent" and "recorded" are found in
//!   the DM's history instead of being sent again.
//! - SQS unreachable (a real SDK client against a closed port) while the
//!   events webhook enqueues: 503 and the claim given back, so Slack's retry
//!   is processed once.
//! - Slack answering 500s and timing out (it still posts, late) mid-fan-out:
//!   a send whose outcome is unknown is looked up before it is sent again.
//!
//! Elsewhere: 429 storms, a worker that died mid-send, a poison message,
//! `invalid_auth`/revocation and an uninstall mid-fan-out (`invites`);
//! a failed enqueue in process (`events_webhook`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hallway::jobs::{self, Job};
use hallway::queue::sqs::SqsQueue;
use hallway::queue::{JobQueue, QueueError, Received, SharedQueue};
use hallway::store::DeliveryStatus;
use hallway_fake_slack::{Fault, FaultKind};
use hallway_tests::{AppOptions, TestApp, eventually_within, spawn_app_with};
use serde_json::json;

use hallway_tests::demo::{JSON, callback, outcome};
use hallway_tests::demo::{deliver, invite};

const PEOPLE: [&str; 5] = ["U0DEMO02", "U0DEMO03", "U0DEMO04", "U0DEMO05", "U0DEMO06"];

/// A DynamoDB Local of this test's own, on files in a temporary directory.
struct PrivateDynamo {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for PrivateDynamo {
    fn drop(&mut self) {
        self.kill();
    }
}

impl PrivateDynamo {
    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut me = Self {
            child: None,
            port,
            dir: tempfile::tempdir().unwrap(),
        };
        me.run().await;
        me
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn run(&mut self) {
        let var = |k: &str| {
            std::env::var(k).unwrap_or_else(|_| {
                panic!("{k} is not set: run ./scripts/test, which installs DynamoDB Local")
            })
        };
        let child = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                var("HALLWAY_DYNAMODB_LOCAL_LIB")
            ))
            .arg("-jar")
            .arg(var("HALLWAY_DYNAMODB_LOCAL_JAR"))
            .args(["-sharedDb", "-port", &self.port.to_string(), "-dbPath"])
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("java starts DynamoDB Local");
        self.child = Some(child);
        let limit = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        while http.get(self.url()).send().await.is_err() {
            assert!(Instant::now() < limit, "DynamoDB Local did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// As abrupt as a crash: SIGKILL.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn no_dm_twice(app: &TestApp, people: &[&str]) -> (usize, usize) {
    let (mut lost, mut twice) = (0, 0);
    for p in people {
        match app.slack.dm_messages("T0DEMO", p).len() {
            0 => lost += 1,
            1 => {}
            _ => twice += 1,
        }
    }
    (lost, twice)
}

async fn dead_letters(app: &TestApp) -> usize {
    app.dlq
        .receive(10, Duration::from_millis(200))
        .await
        .unwrap()
        .len()
}

fn app_home_opened(id: &str) -> String {
    callback(
        id,
        json!({"type": "app_home_opened", "user": "U0DEMO01", "channel": "D0HOME",
               "tab": "home", "event_ts": "1732435200.000200"}),
    )
}

#[tokio::test]
async fn dynamodb_killed_mid_fan_out_and_restarted_loses_and_repeats_nothing() {
    let Some(_) = hallway_tests::Emulators::connect().await else {
        return;
    };
    let mut ddb = PrivateDynamo::start().await;
    let Some(app) = spawn_app_with(AppOptions {
        dynamodb_endpoint: Some(ddb.url()),
        pollers: Some(1),
        // Outlasts the outage: every receive during it fails.
        max_receives: Some(30),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let inv = invite(&app, &PEOPLE).await;
    // Slow DMs, so the outage falls in the middle of the fan-out.
    app.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::Delay { millis: 400 },
        times: 100,
    });
    let all: Vec<Job> = PEOPLE.iter().map(|p| deliver(&inv, p)).collect();
    jobs::enqueue_all(app.queue.as_ref(), &all).await.unwrap();
    eventually_within("the first DM", Duration::from_secs(20), || async {
        PEOPLE
            .iter()
            .any(|p| !app.slack.dm_messages("T0DEMO", p).is_empty())
    })
    .await;

    ddb.kill();
    let down = Instant::now();
    // An event during the outage: not acknowledged, so Slack retries it.
    let event = app_home_opened("EvOUTAGE1");
    let resp = app.post_signed("/slack/events", JSON, &event, &[]).await;
    assert_eq!(
        resp.status(),
        503,
        "Slack must retry an event we could not claim"
    );
    // A command during the outage: an answer that says to try again.
    let (reply, _) = app.slash("U0DEMO01", "C0GENERAL", "").await;
    assert_eq!(reply["response_type"], "ephemeral", "{reply}");
    assert!(
        reply["text"].as_str().unwrap_or("").contains("try again"),
        "{reply}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    ddb.run().await;
    let up = Instant::now();
    // Leases held by sends the outage interrupted run out.
    app.clock
        .advance_secs(hallway::store::invites::LEASE_SECS + 1);
    // Slack's retry of the event goes through once the table is back.
    let mut retried = None;
    for n in 1..=20 {
        let r = app
            .post_signed(
                "/slack/events",
                JSON,
                &event,
                &[("x-slack-retry-num", &n.to_string())],
            )
            .await;
        if r.status() == 200 {
            retried = Some(outcome(&r));
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(retried.as_deref(), Some("queued"));
    eventually_within("the invite completes", Duration::from_secs(60), || async {
        let i = app.services.invites().get(&inv.id).await;
        matches!(i, Ok(Some(i)) if i.is_complete())
    })
    .await;
    let recovered = up.elapsed();
    let (lost, twice) = no_dm_twice(&app, &PEOPLE);
    let deliveries = app.services.invites().deliveries(&inv.id).await.unwrap();
    assert!(
        deliveries.iter().all(|d| d.status == DeliveryStatus::Sent),
        "{deliveries:?}"
    );
    assert_eq!((lost, twice), (0, 0), "lost, sent twice");
    assert_eq!(dead_letters(&app).await, 0, "nothing dead-lettered");
    eprintln!(
        "DynamoDB outage: down {:.1} s; after the restart the fan-out completed in {:.1} s; \
         {} DMs, lost {lost}, sent twice {twice}, dead letters 0",
        (up - down).as_secs_f64(),
        recovered.as_secs_f64(),
        PEOPLE.len()
    );
}

/// The app's queue, sent to through the functions' own SQS client (with
/// its timeouts) aimed at a closed port while `down` is set.
struct Reachable {
    live: SharedQueue,
    dead: SqsQueue,
    down: Arc<AtomicBool>,
}

#[async_trait]
impl JobQueue for Reachable {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        match self.down.load(Ordering::SeqCst) {
            true => self.dead.send(body, delay).await,
            false => self.live.send(body, delay).await,
        }
    }
    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Received>, QueueError> {
        self.live.receive(max, wait).await
    }
    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.live.delete(receipt).await
    }
    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        self.live.change_visibility(receipt, timeout).await
    }
    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        self.live.dead_letter(body).await
    }
}

#[tokio::test]
async fn sqs_unreachable_while_the_webhook_enqueues_answers_503_and_the_retry_is_processed_once() {
    let down = Arc::new(AtomicBool::new(true));
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let switch = down.clone();
    let Some(app) = spawn_app_with(AppOptions {
        emulators: true,
        wrap_queue: Some(Box::new(move |live| {
            let sdk = aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
                    aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "test"),
                ))
                .endpoint_url(format!("http://127.0.0.1:{closed}"))
                .build();
            let dead = SqsQueue::new(
                hallway::queue::sqs::client(&sdk),
                format!("http://127.0.0.1:{closed}/123456789012/gone"),
            );
            Arc::new(Reachable {
                live,
                dead,
                down: switch,
            }) as SharedQueue
        })),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    hallway_tests::demo::office(&app).await;
    let event = app_home_opened("EvSQSDOWN1");
    let started = Instant::now();
    let first = app.post_signed("/slack/events", JSON, &event, &[]).await;
    let refused_in = started.elapsed();
    assert_eq!(first.status(), 503, "Slack must retry");
    assert!(
        refused_in < Duration::from_millis(2_500),
        "answered within Slack's 3 s: {refused_in:?}"
    );
    down.store(false, Ordering::SeqCst);
    let retry = app
        .post_signed(
            "/slack/events",
            JSON,
            &event,
            &[
                ("x-slack-retry-num", "1"),
                ("x-slack-retry-reason", "http_error"),
            ],
        )
        .await;
    assert_eq!(retry.status(), 200);
    assert_eq!(outcome(&retry), "queued");
    // A second retry (Slack may send one) is a duplicate.
    let again = app
        .post_signed("/slack/events", JSON, &event, &[("x-slack-retry-num", "2")])
        .await;
    assert_eq!(outcome(&again), "duplicate");
    app.eventually("the home tab published", || async {
        !app.slack.calls_to("views.publish").is_empty()
    })
    .await;
    app.drained().await;
    assert_eq!(app.slack.calls_to("views.publish").len(), 1, "once");
    eprintln!("SQS unreachable: the webhook answered 503 in {refused_in:?}; the retry queued once");
}

#[tokio::test]
async fn slack_500s_and_timeouts_mid_fan_out_send_each_dm_once() {
    // As deployed: a job is invisible longer than a Slack call may take
    // (else a hung call's job is received again meanwhile and, after a few
    // receives, dead-lettered).
    // Each unknown outcome reads a DM history before a resend: an internal
    // app's history budget (a commercial one allows a read a minute, which
    // `invites::a_take_over_waits_for_the_history_budget…` covers).
    let Some(app) = spawn_app_with(AppOptions {
        emulators: true,
        visibility: Some(hallway::services::SLACK_TIMEOUT + Duration::from_secs(5)),
        max_receives: Some(5),
        ..AppOptions::internal_app()
    })
    .await
    else {
        return;
    };
    let inv = invite(&app, &PEOPLE).await;
    for kind in [
        FaultKind::Status { status: 500 },
        FaultKind::Status { status: 503 },
        // Longer than the client waits: Slack posts the DM after we gave up.
        FaultKind::Delay {
            millis: hallway::services::SLACK_TIMEOUT.as_millis() as u64 + 1_000,
        },
    ] {
        app.slack.inject(Fault {
            method: Some("chat.postMessage".into()),
            team: None,
            kind,
            times: 1,
        });
    }
    let started = Instant::now();
    let all: Vec<Job> = PEOPLE.iter().map(|p| deliver(&inv, p)).collect();
    jobs::enqueue_all(app.queue.as_ref(), &all).await.unwrap();
    eventually_within("every DM settled", Duration::from_secs(90), || async {
        let d = app.services.invites().deliveries(&inv.id).await.unwrap();
        d.iter().all(|d| d.status == DeliveryStatus::Sent)
    })
    .await;
    let took = started.elapsed();
    app.drained().await;
    let (lost, twice) = no_dm_twice(&app, &PEOPLE);
    assert_eq!((lost, twice), (0, 0), "lost, sent twice");
    let calls = app.slack.calls_to("chat.postMessage");
    let failed = calls.iter().filter(|c| c.status >= 500).count();
    assert_eq!(failed, 2, "both 5xx happened");
    assert!(
        !app.slack.calls_to("conversations.history").is_empty(),
        "unknown outcomes were looked up before sending again"
    );
    assert_eq!(dead_letters(&app).await, 0);
    eprintln!(
        "Slack 500 + 503 + a timeout mid-fan-out: {} DMs in {:.1} s, {} postMessage calls, lost {lost}, sent twice {twice}",
        PEOPLE.len(),
        took.as_secs_f64(),
        calls.len()
    );
}
