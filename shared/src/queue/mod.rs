//! The job-queue port: SQS's semantics, which the in-process adapter copies.
//!
//! - `send` with a delay (whole seconds, at most 15 minutes);
//! - `receive` makes messages invisible for the visibility timeout and counts
//!   receives; a message received more than the queue's `max_receives` times
//!   goes to its dead-letter queue instead (SQS's redrive policy);
//! - `delete` acknowledges; `change_visibility` puts a message back after a
//!   delay;
//! - `dead_letter` sends a message straight to the dead-letter queue (the
//!   worker's verdict on a poison message or a job out of attempts).
//!
//! [`poller`] plays Lambda's SQS event source mapping for the local bundle and
//! tests: it receives batches, hands them to the worker's handler as an
//! `SqsEvent`, and deletes the messages that the handler did not report in
//! `batchItemFailures`.
//!
//! # Layout
//! - [`sqs`]: the SQS adapter (aws-sdk-sqs).
//! - [`memory`]: the in-process adapter.
//! - [`poller`]: the local event source mapping.

pub mod memory;
pub mod poller;
pub mod sqs;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// The worker function's timeout (`WorkerFunction`'s `Timeout` in
/// `infra/template.yaml`). One Slack call may take up to
/// [`crate::services::SLACK_TIMEOUT`] (10 s) and a job makes up to three in
/// a row (a DM's history, `users.info`, `chat.postMessage`), so a minute
/// runs a worst-case job with time to spare and a batch of ordinary ones
/// many times over; the worker stops taking records before it runs out.
/// Lambda bills the time used, not the timeout.
pub const WORKER_TIMEOUT: Duration = Duration::from_secs(60);
/// The queue's visibility timeout: six times the worker's timeout, as AWS
/// asks of a queue that is a Lambda event source, so a record still being
/// worked on never reappears. A record the worker leaves untouched or
/// fails is put back sooner by the worker itself.
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(6 * WORKER_TIMEOUT.as_secs());
/// The redrive policy's `maxReceiveCount`: a backstop for a worker that dies
/// before it can report (the worker dead-letters failing jobs itself after
/// their attempts, and never spends a receive on a wait).
pub const MAX_RECEIVES: u32 = 10;

/// SQS's longest message delay.
pub const MAX_DELAY: Duration = Duration::from_secs(900);
/// SQS's longest visibility timeout.
pub const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    /// Identifies this receive; needed to delete or change visibility.
    pub receipt: String,
    pub body: String,
    /// How many times the message has been received, this time included.
    pub receive_count: u32,
    pub sent_at_millis: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("a message body must be 1 byte to 256 KiB, not {0} bytes")]
    BadBody(usize),
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Sends a message that becomes visible after `delay` (rounded up to a
    /// whole second, capped at [`MAX_DELAY`]). Returns the message id.
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError>;

    /// Sends many messages at once, without delay. Adapters that can batch
    /// (SQS: ten per call) override this.
    async fn send_batch(&self, bodies: &[String]) -> Result<(), QueueError> {
        for body in bodies {
            self.send(body, Duration::ZERO).await?;
        }
        Ok(())
    }

    /// Receives up to `max` (1-10) messages, waiting up to `wait` (at most
    /// 20 s) for the first one.
    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Received>, QueueError>;

    /// Acknowledges a message for good.
    async fn delete(&self, receipt: &str) -> Result<(), QueueError>;

    /// Makes a received message visible again after `timeout`.
    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError>;

    /// Puts a message into this queue's dead-letter queue at once: the
    /// worker's verdict on a job that cannot succeed or spent its attempts
    /// (the redrive policy's `maxReceiveCount` stays the backstop for a
    /// worker that dies before it can say so). Fails when the queue has no
    /// dead-letter queue configured.
    async fn dead_letter(&self, body: &str) -> Result<(), QueueError>;
}

pub type SharedQueue = Arc<dyn JobQueue>;

/// Rounds a delay up to SQS's whole seconds and caps it.
pub fn whole_seconds(d: Duration, cap: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.min(cap.as_secs())
}

pub(crate) fn check_body(body: &str) -> Result<(), QueueError> {
    if body.is_empty() || body.len() > 256 * 1024 {
        return Err(QueueError::BadBody(body.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_up_to_whole_seconds_and_cap() {
        assert_eq!(whole_seconds(Duration::ZERO, MAX_DELAY), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1), MAX_DELAY), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2500), MAX_DELAY), 3);
        assert_eq!(whole_seconds(Duration::from_secs(3600), MAX_DELAY), 900);
    }

    #[test]
    fn bodies_are_bounded() {
        assert!(check_body("").is_err());
        assert!(check_body("x").is_ok());
        assert!(check_body(&"x".repeat(256 * 1024 + 1)).is_err());
    }
}
