//! A job queue that fails its sends on demand, for tests of what the
//! bundle does when SQS is down.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hallway::queue::{JobQueue, QueueError, Received, SharedQueue};

/// A queue whose sends fail while `failures` is above zero.
pub struct FlakyQueue {
    pub inner: SharedQueue,
    pub failures: Arc<AtomicU32>,
}

impl FlakyQueue {
    /// For [`crate::AppOptions::wrap_queue`]: the first `failures` sends fail.
    pub fn wrapping(failures: u32) -> Box<dyn FnOnce(SharedQueue) -> SharedQueue + Send> {
        Self::controlled(Arc::new(AtomicU32::new(failures)))
    }

    /// For [`crate::AppOptions::wrap_queue`]: sends fail while the test holds
    /// `failures` above zero (each failure takes one off).
    pub fn controlled(
        failures: Arc<AtomicU32>,
    ) -> Box<dyn FnOnce(SharedQueue) -> SharedQueue + Send> {
        Box::new(move |inner| Arc::new(FlakyQueue { inner, failures }) as SharedQueue)
    }
}

#[async_trait]
impl JobQueue for FlakyQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(QueueError::Unavailable("injected: SQS is down".into()));
        }
        self.inner.send(body, delay).await
    }
    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Received>, QueueError> {
        self.inner.receive(max, wait).await
    }
    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.inner.delete(receipt).await
    }
    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<(), QueueError> {
        self.inner.change_visibility(receipt, timeout).await
    }
    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        self.inner.dead_letter(body).await
    }
}
