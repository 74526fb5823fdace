//! The SQS adapter. The queue's redrive policy (dead-letter queue and
//! `maxReceiveCount`) is part of the queue itself: `infra/template.yaml` on
//! AWS, [`create_queue_with_dlq`] for emulators and tests.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};

use super::{JobQueue, MAX_DELAY, MAX_VISIBILITY, QueueError, Received, check_body, whole_seconds};

#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    url: String,
    dead_letter_url: Option<String>,
}

fn unavailable<E, R>(e: SdkError<E, R>) -> QueueError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    QueueError::Unavailable(DisplayErrorContext(e).to_string())
}

/// Longest an SQS call may take, retries included: the events webhook
/// enqueues inside Slack's 3 s and must answer 503 (so Slack retries)
/// rather than time out when SQS cannot be reached.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(2);

/// The SQS client every function uses, bounded by [`OPERATION_TIMEOUT`].
pub fn client(config: &aws_config::SdkConfig) -> Client {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(OPERATION_TIMEOUT)
        .connect_timeout(Duration::from_secs(1))
        .build();
    Client::from_conf(
        aws_sdk_sqs::config::Builder::from(config)
            .timeout_config(timeouts)
            .build(),
    )
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
            dead_letter_url: None,
        }
    }

    /// The queue's dead-letter queue (its redrive target), where
    /// [`JobQueue::dead_letter`] sends.
    pub fn with_dead_letters(mut self, url: impl Into<String>) -> Self {
        self.dead_letter_url = Some(url.into());
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens the connection before the first request needs it.
    pub async fn warm(&self) -> Result<(), QueueError> {
        self.client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .customize()
            // Not retried: see `DynamoTable::warm`.
            .config_override(
                aws_sdk_sqs::Config::builder()
                    .retry_config(aws_sdk_sqs::config::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        check_body(body)?;
        let out = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(whole_seconds(delay, MAX_DELAY) as i32)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.message_id.unwrap_or_default())
    }

    async fn send_batch(&self, bodies: &[String]) -> Result<(), QueueError> {
        use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
        for chunk in bodies.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, body) in chunk.iter().enumerate() {
                check_body(body)?;
                entries.push(
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| QueueError::Unavailable(e.to_string()))?,
                );
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(unavailable)?;
            // A partly failed batch: resend the failed entries one by one, so
            // nothing is lost and the caller sees an error if they fail again.
            for failed in out.failed {
                let i: usize = failed.id.parse().unwrap_or(usize::MAX);
                let Some(body) = chunk.get(i) else {
                    return Err(QueueError::Unavailable(format!(
                        "SendMessageBatch failed an unknown entry {}",
                        failed.id
                    )));
                };
                self.send(body, Duration::ZERO).await?;
            }
        }
        Ok(())
    }

    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(whole_seconds(wait, Duration::from_secs(20)) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let attr = |name: MessageSystemAttributeName| {
                    m.attributes
                        .as_ref()
                        .and_then(|a| a.get(&name))
                        .and_then(|v| v.parse::<i64>().ok())
                };
                Received {
                    receive_count: attr(MessageSystemAttributeName::ApproximateReceiveCount)
                        .unwrap_or(1) as u32,
                    sent_at_millis: attr(MessageSystemAttributeName::SentTimestamp).unwrap_or(0),
                    message_id: m.message_id.clone().unwrap_or_default(),
                    receipt: m.receipt_handle.clone().unwrap_or_default(),
                    body: m.body.clone().unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(whole_seconds(timeout, MAX_VISIBILITY) as i32)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        check_body(body)?;
        let url = self.dead_letter_url.as_deref().ok_or_else(|| {
            QueueError::Unavailable("no dead-letter queue URL is configured".into())
        })?;
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Creates a queue and its dead-letter queue with a redrive policy, for
/// emulators and tests. Returns `(queue_url, dlq_url)`.
pub async fn create_queue_with_dlq(
    client: &Client,
    name: &str,
    visibility: Duration,
    max_receives: u32,
) -> anyhow::Result<(String, String)> {
    use anyhow::Context;
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(DisplayErrorContext(e).to_string()))
        .context("creating the dead-letter queue")?
        .queue_url
        .context("no dead-letter queue url")?;
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(DisplayErrorContext(e).to_string()))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("no dead-letter queue arn")?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    });
    let url = client
        .create_queue()
        .queue_name(name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility.as_secs().to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(DisplayErrorContext(e).to_string()))
        .context("creating the queue")?
        .queue_url
        .context("no queue url")?;
    Ok((url, dlq_url))
}
