//! Lambda's SQS event source mapping, played locally: receive a batch, hand
//! it to the worker's handler as an [`SqsEvent`], delete what succeeded.
//!
//! As on Lambda with `ReportBatchItemFailures`: messages named in
//! `batchItemFailures` are left alone (they come back after the visibility
//! timeout, or sooner if the handler changed their visibility), and a handler
//! error fails the whole batch.

use std::future::Future;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use tokio::sync::watch;

use super::{JobQueue, QueueError, Received};

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    pub received: usize,
    pub deleted: usize,
    pub failed: usize,
}

pub const LOCAL_QUEUE_ARN: &str = "arn:aws:sqs:local:000000000000:hallway-jobs";

/// The record Lambda would deliver for a received message.
pub fn to_sqs_message(m: &Received, source_arn: &str) -> SqsMessage {
    let mut msg = SqsMessage::default();
    msg.message_id = Some(m.message_id.clone());
    msg.receipt_handle = Some(m.receipt.clone());
    msg.body = Some(m.body.clone());
    msg.attributes.insert(
        "ApproximateReceiveCount".into(),
        m.receive_count.to_string(),
    );
    msg.attributes
        .insert("SentTimestamp".into(), m.sent_at_millis.to_string());
    msg.event_source = Some("aws:sqs".into());
    msg.event_source_arn = Some(source_arn.to_owned());
    msg
}

pub async fn poll_once<F, Fut>(
    queue: &dyn JobQueue,
    handler: &F,
    batch_size: u32,
    wait: Duration,
) -> Result<Polled, QueueError>
where
    F: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = anyhow::Result<SqsBatchResponse>>,
{
    let received = queue.receive(batch_size, wait).await?;
    if received.is_empty() {
        return Ok(Polled::default());
    }
    let mut event = SqsEvent::default();
    event.records = received
        .iter()
        .map(|m| to_sqs_message(m, LOCAL_QUEUE_ARN))
        .collect();
    let mut polled = Polled {
        received: received.len(),
        ..Polled::default()
    };
    match handler(event).await {
        Ok(response) => {
            let failed: std::collections::HashSet<&str> = response
                .batch_item_failures
                .iter()
                .map(|f| f.item_identifier.as_str())
                .collect();
            for m in &received {
                if failed.contains(m.message_id.as_str()) {
                    polled.failed += 1;
                } else {
                    queue.delete(&m.receipt).await?;
                    polled.deleted += 1;
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), messages = received.len(), "worker invocation failed; the whole batch will be retried");
            polled.failed = received.len();
        }
    }
    Ok(polled)
}

/// Polls until `shutdown` turns true.
pub async fn run<F, Fut>(
    queue: &dyn JobQueue,
    handler: F,
    batch_size: u32,
    mut shutdown: watch::Receiver<bool>,
) where
    F: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = anyhow::Result<SqsBatchResponse>>,
{
    loop {
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            polled = poll_once(queue, &handler, batch_size, Duration::from_secs(1)) => {
                if let Err(e) = polled {
                    tracing::error!(error = %e, "polling the queue failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}
