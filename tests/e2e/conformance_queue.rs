//! The queue conformance suite: the same assertions against the in-process
//! queue and SQS (moto). Each case gets a fresh queue with a 1 s visibility
//! timeout and a dead-letter queue after 2 receives, which the queue can
//! also send to directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use hallway::queue::memory::MemoryQueue;
use hallway::queue::sqs::SqsQueue;
use hallway::queue::{SharedQueue, poller};
use hallway_tests::Emulators;
use hallway_tests::receive_n;

const VISIBILITY: Duration = Duration::from_secs(1);
const MAX_RECEIVES: u32 = 2;

type Fixture = (SharedQueue, SharedQueue);

async fn in_process() -> Option<Fixture> {
    let dlq = Arc::new(MemoryQueue::new(VISIBILITY));
    let q = Arc::new(MemoryQueue::with_dead_letters(
        VISIBILITY,
        MAX_RECEIVES,
        dlq.clone(),
    ));
    Some((q, dlq))
}

async fn sqs() -> Option<Fixture> {
    let emu = Emulators::connect().await?;
    let (url, dlq_url) = emu.create_queue(VISIBILITY, MAX_RECEIVES).await;
    Some((
        Arc::new(SqsQueue::new(emu.sqs.clone(), url).with_dead_letters(dlq_url.clone())),
        Arc::new(SqsQueue::new(emu.sqs, dlq_url)),
    ))
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod in_process {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(f) = super::in_process().await {
                        super::cases::$case(f).await
                    }
                }
            )*
        }
        mod sqs {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(f) = super::sqs().await {
                        super::cases::$case(f).await
                    }
                }
            )*
        }
    };
}

conformance!(
    send_receive_ack,
    send_with_delay,
    unacked_messages_come_back_after_the_visibility_timeout,
    change_visibility_reschedules,
    dead_letter_after_n_receives,
    dead_letter_sends_straight_to_the_dead_letter_queue,
    batch_item_failures_retry_only_the_failed_message,
);

mod cases {
    use super::*;

    pub async fn dead_letter_sends_straight_to_the_dead_letter_queue((q, dlq): Fixture) {
        q.send("keep", Duration::ZERO).await.unwrap();
        q.dead_letter("give up").await.unwrap();
        let dead = receive_n(dlq.as_ref(), 1, Duration::from_secs(5)).await;
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].body, "give up");
        let kept = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].body, "keep", "only the dead-lettered one moved");
        assert!(q.dead_letter("").await.is_err(), "empty bodies are refused");
        assert!(
            dlq.dead_letter("x").await.is_err(),
            "a queue without a dead-letter queue says so"
        );
    }

    pub async fn send_receive_ack((q, _): Fixture) {
        let id = q.send("hello", Duration::ZERO).await.unwrap();
        assert!(!id.is_empty());
        let got = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, "hello");
        assert_eq!(got[0].message_id, id);
        assert_eq!(got[0].receive_count, 1);
        q.delete(&got[0].receipt).await.unwrap();
        tokio::time::sleep(VISIBILITY + Duration::from_millis(500)).await;
        assert!(
            q.receive(10, Duration::from_secs(1))
                .await
                .unwrap()
                .is_empty(),
            "acked for good"
        );
        assert!(
            q.send("", Duration::ZERO).await.is_err(),
            "empty bodies are refused"
        );
    }

    pub async fn send_with_delay((q, _): Fixture) {
        let start = Instant::now();
        q.send("later", Duration::from_secs(2)).await.unwrap();
        assert!(
            q.receive(10, Duration::ZERO).await.unwrap().is_empty(),
            "not before its delay"
        );
        let got = receive_n(q.as_ref(), 1, Duration::from_secs(8)).await;
        assert_eq!(got.len(), 1);
        assert!(
            start.elapsed() >= Duration::from_millis(1500),
            "{:?}",
            start.elapsed()
        );
    }

    pub async fn unacked_messages_come_back_after_the_visibility_timeout((q, _): Fixture) {
        q.send("retry me", Duration::ZERO).await.unwrap();
        let first = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
        assert_eq!(first.len(), 1);
        assert!(
            q.receive(10, Duration::ZERO).await.unwrap().is_empty(),
            "invisible while being worked on"
        );
        let again = receive_n(q.as_ref(), 1, Duration::from_secs(6)).await;
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].body, "retry me");
        assert_eq!(again[0].receive_count, 2);
    }

    pub async fn change_visibility_reschedules((q, _): Fixture) {
        // Back at once.
        q.send("now", Duration::ZERO).await.unwrap();
        let first = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
        q.change_visibility(&first[0].receipt, Duration::ZERO)
            .await
            .unwrap();
        let again = q.receive(10, Duration::from_millis(500)).await.unwrap();
        assert_eq!(again.len(), 1, "visible again at once");
        assert_eq!(again[0].receive_count, 2);
        q.delete(&again[0].receipt).await.unwrap();
        // Pushed out: 3 s is longer than the queue's own 1 s timeout.
        q.send("later", Duration::ZERO).await.unwrap();
        let first = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
        let received_at = Instant::now();
        q.change_visibility(&first[0].receipt, Duration::from_secs(3))
            .await
            .unwrap();
        tokio::time::sleep(VISIBILITY + Duration::from_millis(500)).await;
        assert!(q.receive(10, Duration::ZERO).await.unwrap().is_empty());
        let back = receive_n(q.as_ref(), 1, Duration::from_secs(6)).await;
        assert_eq!(back.len(), 1);
        assert!(
            received_at.elapsed() >= Duration::from_millis(2500),
            "{:?}",
            received_at.elapsed()
        );
    }

    pub async fn dead_letter_after_n_receives((q, dlq): Fixture) {
        q.send("poison", Duration::ZERO).await.unwrap();
        for n in 1..=MAX_RECEIVES {
            let got = receive_n(q.as_ref(), 1, Duration::from_secs(5)).await;
            assert_eq!(got.len(), 1, "receive {n}");
            assert_eq!(got[0].receive_count, n);
            q.change_visibility(&got[0].receipt, Duration::ZERO)
                .await
                .unwrap();
        }
        // The next receive moves it to the dead-letter queue instead.
        assert!(
            q.receive(10, Duration::from_secs(1))
                .await
                .unwrap()
                .is_empty()
        );
        let dead = receive_n(dlq.as_ref(), 1, Duration::from_secs(5)).await;
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].body, "poison");
    }

    pub async fn batch_item_failures_retry_only_the_failed_message((q, dlq): Fixture) {
        for body in ["ok-1", "fail", "ok-2"] {
            q.send(body, Duration::ZERO).await.unwrap();
        }
        let handled: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let handler = {
            let handled = handled.clone();
            move |event: SqsEvent| {
                let handled = handled.clone();
                async move {
                    let mut response = SqsBatchResponse::default();
                    for r in event.records {
                        let body = r.body.unwrap_or_default();
                        *handled.lock().unwrap().entry(body.clone()).or_default() += 1;
                        if body == "fail" {
                            response.add_failure(r.message_id.unwrap_or_default());
                        }
                    }
                    anyhow::Ok(response)
                }
            }
        };
        // Poll as Lambda would until the failed message is dead-lettered.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut dead = Vec::new();
        while dead.is_empty() && Instant::now() < deadline {
            poller::poll_once(q.as_ref(), &handler, 10, Duration::from_secs(1))
                .await
                .unwrap();
            dead = dlq.receive(10, Duration::ZERO).await.unwrap();
        }
        let handled = handled.lock().unwrap().clone();
        assert_eq!(handled.get("ok-1"), Some(&1), "{handled:?}");
        assert_eq!(handled.get("ok-2"), Some(&1), "{handled:?}");
        assert_eq!(handled.get("fail"), Some(&MAX_RECEIVES), "{handled:?}");
        assert_eq!(
            dead.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            ["fail"]
        );
    }
}
