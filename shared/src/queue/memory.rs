//! The in-process queue for the local bundle and fast tests, with SQS's
//! semantics: delays, visibility timeouts, receive counts, and a dead-letter
//! queue after `max_receives`. State lives in memory: what is queued when the
//! local bundle stops is lost, as it would be if a Lambda's queue were
//! deleted; the bundle drains it on shutdown (see `hallway-local`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{JobQueue, MAX_DELAY, MAX_VISIBILITY, QueueError, Received, check_body, whole_seconds};
use crate::clock::{Clock, SystemClock};

#[derive(Debug)]
struct Message {
    id: String,
    body: String,
    receive_count: u32,
    visible_at: Instant,
    receipt: Option<String>,
    sent_at_millis: i64,
}

#[derive(Debug)]
pub struct MemoryQueue {
    messages: Mutex<VecDeque<Message>>,
    arrived: Notify,
    visibility: Duration,
    max_receives: Option<u32>,
    dead_letters: Option<Arc<MemoryQueue>>,
}

impl MemoryQueue {
    /// A queue without a dead-letter queue.
    pub fn new(visibility: Duration) -> Self {
        Self {
            messages: Mutex::new(VecDeque::new()),
            arrived: Notify::new(),
            visibility: visibility.min(MAX_VISIBILITY),
            max_receives: None,
            dead_letters: None,
        }
    }

    /// A queue whose messages move to `dlq` once received `max_receives`
    /// times without being deleted.
    pub fn with_dead_letters(
        visibility: Duration,
        max_receives: u32,
        dlq: Arc<MemoryQueue>,
    ) -> Self {
        Self {
            max_receives: Some(max_receives.max(1)),
            dead_letters: Some(dlq),
            ..Self::new(visibility)
        }
    }

    /// Messages in the queue, visible or not.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Message>> {
        // A panic while holding the lock cannot leave the deque half-changed
        // (every change is a single push, remove or field write).
        self.messages.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, body: String, delay: Duration) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.lock().push_back(Message {
            id: id.clone(),
            body,
            receive_count: 0,
            visible_at: Instant::now() + delay,
            receipt: None,
            sent_at_millis: SystemClock.now_millis(),
        });
        self.arrived.notify_waiters();
        id
    }

    /// One pass over the queue: takes up to `max` visible messages, moving
    /// those past their receive limit to the dead-letter queue. Returns the
    /// messages and, when none were visible, when the next one will be.
    fn take(&self, max: usize) -> (Vec<Received>, Option<Instant>) {
        let now = Instant::now();
        let mut out = Vec::new();
        let mut next_visible: Option<Instant> = None;
        let mut dead = Vec::new();
        {
            let mut messages = self.lock();
            let mut i = 0;
            while i < messages.len() && out.len() < max {
                let m = &mut messages[i];
                if m.visible_at > now {
                    next_visible = Some(next_visible.map_or(m.visible_at, |n| n.min(m.visible_at)));
                    i += 1;
                    continue;
                }
                if let (Some(limit), Some(_)) = (self.max_receives, &self.dead_letters)
                    && m.receive_count >= limit
                {
                    dead.push(messages.remove(i).expect("index is in range"));
                    continue;
                }
                m.receive_count += 1;
                let receipt = uuid::Uuid::new_v4().to_string();
                m.receipt = Some(receipt.clone());
                m.visible_at = now + self.visibility;
                out.push(Received {
                    message_id: m.id.clone(),
                    receipt,
                    body: m.body.clone(),
                    receive_count: m.receive_count,
                    sent_at_millis: m.sent_at_millis,
                });
                i += 1;
            }
        }
        if let Some(dlq) = &self.dead_letters {
            for m in dead {
                tracing::warn!(message_id = %m.id, receives = m.receive_count, "message moved to the dead-letter queue");
                dlq.push(m.body, Duration::ZERO);
            }
        }
        (out, next_visible)
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        check_body(body)?;
        let delay = Duration::from_secs(whole_seconds(delay, MAX_DELAY));
        Ok(self.push(body.to_owned(), delay))
    }

    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let max = max.clamp(1, 10) as usize;
        let deadline = Instant::now() + wait.min(Duration::from_secs(20));
        loop {
            // Register interest before looking, so a send between the look
            // and the wait still wakes us.
            let arrived = self.arrived.notified();
            let (got, next_visible) = self.take(max);
            if !got.is_empty() {
                return Ok(got);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            let until = next_visible.map_or(deadline, |n| n.min(deadline));
            tokio::select! {
                _ = arrived => {}
                _ = tokio::time::sleep_until(until) => {}
            }
        }
    }

    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        let mut messages = self.lock();
        if let Some(i) = messages
            .iter()
            .position(|m| m.receipt.as_deref() == Some(receipt))
        {
            messages.remove(i);
        }
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        let timeout = Duration::from_secs(whole_seconds(timeout, MAX_VISIBILITY));
        {
            let mut messages = self.lock();
            let Some(m) = messages
                .iter_mut()
                .find(|m| m.receipt.as_deref() == Some(receipt))
            else {
                return Err(QueueError::Unavailable(
                    "receipt handle is not current (message deleted or received again)".into(),
                ));
            };
            m.visible_at = Instant::now() + timeout;
        }
        self.arrived.notify_waiters();
        Ok(())
    }

    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        check_body(body)?;
        let dlq = self
            .dead_letters
            .as_ref()
            .ok_or_else(|| QueueError::Unavailable("this queue has no dead-letter queue".into()))?;
        dlq.push(body.to_owned(), Duration::ZERO);
        Ok(())
    }
}
