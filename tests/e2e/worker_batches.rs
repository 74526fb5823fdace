//! The worker on a real clock, through the in-process queue (SQS's
//! semantics) and the fake Slack: a batch is answered before its deadline
//! however long Slack hangs, naming only the records it did not finish;
//! waiting (429s) is re-sent with a delay and never spends a receive;
//! failures are re-sent with backoff and dead-lettered with their reason
//! after their attempts; a record that panics is a failure of that record
//! only.

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsEvent;
use futures_util::future::BoxFuture;
use hallway::ids::{TeamId, UserId};
use hallway::jobs::{self, Delivery, Job, PromptJob};
use hallway::queue::{Received, poller};
use hallway_fake_slack::{Fault, FaultKind};
use hallway_tests::{AppOptions, TestApp, eventually_within, spawn_app_with};
use hallway_worker::{JobError, MAX_ATTEMPTS, Worker};

use hallway_tests::demo::office;
use hallway_tests::demo::{ALICE, BOB, CAROL, DAVE, GENERAL};
use hallway_tests::receive_n;

const POST: &str = "chat.postMessage";

fn prompt(user: &str) -> Job {
    Job::Prompt(PromptJob {
        team_id: TeamId::new("T0DEMO").unwrap(),
        user: UserId::new(user).unwrap(),
        spaces: vec!["HQ".into()],
        force: true,
    })
}

fn slack_fault(kind: FaultKind, times: u32) -> Fault {
    Fault {
        method: Some(POST.into()),
        team: None,
        kind,
        times,
    }
}

/// The batch Lambda would hand the worker for these messages.
fn batch(received: &[Received]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = received
        .iter()
        .map(|m| poller::to_sqs_message(m, poller::LOCAL_QUEUE_ARN))
        .collect();
    event
}

async fn quiet_app(visibility: Duration) -> Option<TestApp> {
    let app = spawn_app_with(AppOptions {
        no_worker: true,
        visibility: Some(visibility),
        ..AppOptions::default()
    })
    .await?;
    office(&app).await;
    Some(app)
}

fn prompts_to(app: &TestApp, who: &str) -> usize {
    app.slack.dm_messages("T0DEMO", who).len()
}

#[tokio::test]
async fn a_429_storm_of_twenty_rounds_delivers_every_dm_once_and_dead_letters_nothing() {
    // Three receives before the redrive policy dead-letters: if a wait
    // spent a receive, this storm would push the DMs there.
    let Some(app) = spawn_app_with(AppOptions {
        max_receives: Some(3),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    office(&app).await;
    app.slack
        .inject(slack_fault(FaultKind::RateLimited { retry_after: 1 }, 20));
    let (_, response) = app
        .slash(
            ALICE,
            GENERAL,
            &format!("<@{BOB}> <@{CAROL}> <@{DAVE}> Kitchen"),
        )
        .await;
    eventually_within("the invite summary", Duration::from_secs(120), || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    let summary = app.slack.responses(&response)[0]["text"].clone();
    assert!(
        summary.as_str().unwrap().contains("3 of 3 reached"),
        "{summary}"
    );
    for who in [BOB, CAROL, DAVE] {
        assert_eq!(prompts_to(&app, who), 1, "{who}");
    }
    let limited = app.slack.calls().iter().filter(|c| c.status == 429).count();
    assert_eq!(limited, 20, "the storm happened");
    let dead = app.dlq.receive(10, Duration::from_secs(1)).await.unwrap();
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
}

#[tokio::test]
async fn slack_hanging_ends_the_batch_before_its_deadline_naming_what_it_did_not_finish() {
    // A long visibility: a record put back early is visible at once, not
    // because its visibility ran out.
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    let jobs_in: Vec<Job> = [BOB, CAROL, DAVE].iter().map(|u| prompt(u)).collect();
    jobs::enqueue_all(app.queue.as_ref(), &jobs_in)
        .await
        .unwrap();
    let received = receive_n(app.queue.as_ref(), 3, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 3);
    app.slack
        .inject(slack_fault(FaultKind::Delay { millis: 30_000 }, 3));

    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    let response = hallway_worker::handle(&worker, batch(&received), deadline).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "answered before the deadline: {took:?}"
    );
    // The first record met the hanging Slack; the others were never
    // started (too little time left) and are named for Lambda.
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    for m in &received[1..] {
        assert!(failed.contains(&m.message_id.as_str()), "{failed:?}");
    }
    assert_eq!(prompts_to(&app, CAROL) + prompts_to(&app, DAVE), 0);
    // Put back at once, not after the 120 s visibility.
    let back = receive_n(app.queue.as_ref(), 2, Duration::from_secs(5)).await;
    let back_ids: Vec<&str> = back.iter().map(|m| m.message_id.as_str()).collect();
    for m in &received[1..] {
        assert!(back_ids.contains(&m.message_id.as_str()), "{back_ids:?}");
    }
}

#[tokio::test]
async fn a_failure_is_sent_again_with_its_attempt_and_the_last_attempt_goes_to_the_dead_letters_with_its_reason()
 {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    // Bob's job fails for the first time; Carol's for the last.
    let last = Delivery {
        attempts: MAX_ATTEMPTS - 1,
        ..Delivery::default()
    };
    app.queue
        .send(&jobs::encode(&prompt(BOB)), Duration::ZERO)
        .await
        .unwrap();
    app.queue
        .send(&jobs::encode_with(&prompt(CAROL), &last), Duration::ZERO)
        .await
        .unwrap();
    let received = receive_n(app.queue.as_ref(), 2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2);
    app.slack
        .inject(slack_fault(FaultKind::Status { status: 503 }, 2));
    let response =
        hallway_worker::handle(&worker, batch(&received), hallway_worker::local_deadline()).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "the worker settled both itself: {:?}",
        response.batch_item_failures
    );

    let dead = receive_n(app.dlq.as_ref(), 1, Duration::from_secs(5)).await;
    assert_eq!(dead.len(), 1);
    let envelope = jobs::decode_envelope(&dead[0].body).unwrap();
    assert_eq!(envelope.job, prompt(CAROL));
    assert_eq!(envelope.delivery.attempts, MAX_ATTEMPTS);
    let reason = envelope.delivery.dead_letter.unwrap();
    assert!(reason.contains("503"), "{reason}");

    // Bob's comes back after its backoff (10 s), one attempt spent, and
    // goes out once Slack answers again.
    let again = receive_n(app.queue.as_ref(), 1, Duration::from_secs(20)).await;
    assert_eq!(again.len(), 1);
    let envelope = jobs::decode_envelope(&again[0].body).unwrap();
    assert_eq!(envelope.job, prompt(BOB));
    assert_eq!(envelope.delivery.attempts, 1);
    assert_eq!(again[0].receive_count, 1, "a new message, not a receive");
    let response =
        hallway_worker::handle(&worker, batch(&again), hallway_worker::local_deadline()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(prompts_to(&app, BOB), 1);
    assert_eq!(prompts_to(&app, CAROL), 0);
}

#[tokio::test]
async fn a_redriven_dead_letter_starts_its_attempts_again() {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    let redriven = Delivery {
        attempts: MAX_ATTEMPTS,
        dead_letter: Some("Slack was down".into()),
        ..Delivery::default()
    };
    app.queue
        .send(&jobs::encode_with(&prompt(BOB), &redriven), Duration::ZERO)
        .await
        .unwrap();
    let received = receive_n(app.queue.as_ref(), 1, Duration::from_secs(10)).await;
    app.slack
        .inject(slack_fault(FaultKind::Status { status: 503 }, 1));
    hallway_worker::handle(&worker, batch(&received), hallway_worker::local_deadline()).await;
    assert!(
        app.dlq
            .receive(10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "one failure after a redrive is its first"
    );
    let again = receive_n(app.queue.as_ref(), 1, Duration::from_secs(20)).await;
    let envelope = jobs::decode_envelope(&again[0].body).unwrap();
    assert_eq!(envelope.delivery.attempts, 1);
    assert_eq!(envelope.delivery.dead_letter, None);
}

#[tokio::test]
async fn a_job_whose_wait_goes_on_is_not_run_before_its_time() {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    let now = app.services.clock.now_secs();
    // A wait of 20 minutes, past SQS's 15: the second leg.
    let waiting = Delivery {
        waited_secs: 1200,
        not_before: Some(now + 300),
        ..Delivery::default()
    };
    app.queue
        .send(&jobs::encode_with(&prompt(BOB), &waiting), Duration::ZERO)
        .await
        .unwrap();
    let received = receive_n(app.queue.as_ref(), 1, Duration::from_secs(10)).await;
    let response =
        hallway_worker::handle(&worker, batch(&received), hallway_worker::local_deadline()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(prompts_to(&app, BOB), 0, "not run before its time");
    assert!(app.slack.calls().iter().all(|c| c.method != POST));
}

/// Runs jobs as the worker does, except that Carol's prompt hits a bug.
fn panics_for_carol(w: &Worker, job: Job) -> BoxFuture<'_, Result<(), JobError>> {
    if matches!(&job, Job::Prompt(p) if p.user.as_str() == CAROL) {
        panic!("a bug in one job");
    }
    Box::pin(hallway_worker::run(w, job))
}

#[tokio::test]
async fn a_record_that_panics_fails_alone_and_its_neighbours_finish() {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    let last = Delivery {
        attempts: MAX_ATTEMPTS - 1,
        ..Delivery::default()
    };
    for body in [
        jobs::encode(&prompt(BOB)),
        jobs::encode_with(&prompt(CAROL), &last),
        jobs::encode(&prompt(DAVE)),
    ] {
        app.queue.send(&body, Duration::ZERO).await.unwrap();
    }
    let received = receive_n(app.queue.as_ref(), 3, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 3);
    let response = hallway_worker::handle_with(
        &worker,
        batch(&received),
        hallway_worker::local_deadline(),
        panics_for_carol,
    )
    .await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    assert_eq!(prompts_to(&app, BOB), 1);
    assert_eq!(prompts_to(&app, DAVE), 1);
    let dead = receive_n(app.dlq.as_ref(), 1, Duration::from_secs(5)).await;
    assert_eq!(dead.len(), 1);
    let envelope = jobs::decode_envelope(&dead[0].body).unwrap();
    assert_eq!(envelope.job, prompt(CAROL));
    let reason = envelope.delivery.dead_letter.unwrap();
    assert!(reason.contains("panicked: a bug in one job"), "{reason}");
}

#[tokio::test]
async fn a_poison_message_goes_to_the_dead_letters_on_its_first_receive() {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let worker = Worker::new(app.services.clone());
    app.queue
        .send(r#"{"v":7,"job":"from_the_future"}"#, Duration::ZERO)
        .await
        .unwrap();
    app.queue
        .send(&jobs::encode(&prompt(BOB)), Duration::ZERO)
        .await
        .unwrap();
    let received = receive_n(app.queue.as_ref(), 2, Duration::from_secs(10)).await;
    let response =
        hallway_worker::handle(&worker, batch(&received), hallway_worker::local_deadline()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(prompts_to(&app, BOB), 1, "its neighbour ran");
    let dead = receive_n(app.dlq.as_ref(), 1, Duration::from_secs(5)).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, r#"{"v":7,"job":"from_the_future"}"#);
}

#[tokio::test]
async fn dead_letters_are_redriven_after_a_fix_with_a_fresh_start() {
    let Some(app) = quiet_app(Duration::from_secs(120)).await else {
        return;
    };
    let spent = Delivery {
        attempts: MAX_ATTEMPTS,
        dead_letter: Some("Slack was down".into()),
        ..Delivery::default()
    };
    app.queue
        .dead_letter(&jobs::encode_with(&prompt(BOB), &spent))
        .await
        .unwrap();
    app.queue.dead_letter("not json at all").await.unwrap();

    let listed = hallway_local::redrive::redrive(app.dlq.as_ref(), app.queue.as_ref(), None, true)
        .await
        .unwrap();
    assert_eq!(listed.moved, 2);
    assert_eq!(listed.by_kind.get("prompt"), Some(&1));
    assert_eq!(listed.by_kind.get("undecodable"), Some(&1));
    assert_eq!(listed.by_reason.get("Slack was down"), Some(&1));
    assert!(
        app.queue
            .receive(10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "a dry run moves nothing"
    );

    let moved = hallway_local::redrive::redrive(app.dlq.as_ref(), app.queue.as_ref(), None, false)
        .await
        .unwrap();
    assert_eq!(moved.moved, 2, "what the dry run listed is all there");
    let back = receive_n(app.queue.as_ref(), 2, Duration::from_secs(10)).await;
    assert_eq!(back.len(), 2);
    let job = back
        .iter()
        .find_map(|m| jobs::decode_envelope(&m.body).ok())
        .unwrap();
    assert_eq!(job.job, prompt(BOB));
    assert_eq!(job.delivery, Delivery::default(), "a fresh start");
    assert!(back.iter().any(|m| m.body == "not json at all"));
    assert!(
        app.dlq
            .receive(10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "the dead-letter queue is empty"
    );
    // The redriven job runs as any other.
    let worker = Worker::new(app.services.clone());
    let job_only: Vec<Received> = back
        .into_iter()
        .filter(|m| m.body != "not json at all")
        .collect();
    let response =
        hallway_worker::handle(&worker, batch(&job_only), hallway_worker::local_deadline()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(prompts_to(&app, BOB), 1);
}
