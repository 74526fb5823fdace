//! Table and queue adapters that count the requests passing through them,
//! for tests that hold a handler to a number of round trips (an answer to
//! Slack makes at most one table request and one queue send). The Runtime
//! API bench counts the same from outside the process, through proxies.
//! The table can also be taken down ([`Counts::table_down`]): every request
//! then fails as an unreachable DynamoDB's would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hallway::queue::{JobQueue, QueueError, Received, SharedQueue};
use hallway::table::{
    Condition, Item, Key, Page, Query, SharedTable, Table, TableError, Update, Write,
};

/// How many requests went through, since the last [`Counts::take`].
#[derive(Default)]
pub struct Counts {
    table: AtomicUsize,
    sends: AtomicUsize,
    table_down: std::sync::atomic::AtomicBool,
}

impl Counts {
    /// While `down`, every table request fails with
    /// [`TableError::Unavailable`] (still counted).
    pub fn table_down(&self, down: bool) {
        self.table_down.store(down, Ordering::SeqCst);
    }

    /// (table requests, queue sends) since the last call.
    pub fn take(&self) -> (usize, usize) {
        (
            self.table.swap(0, Ordering::SeqCst),
            self.sends.swap(0, Ordering::SeqCst),
        )
    }

    /// For `AppOptions::wrap_table`.
    pub fn wrap_table(self: &Arc<Self>) -> Box<dyn FnOnce(SharedTable) -> SharedTable + Send> {
        let counts = self.clone();
        Box::new(move |inner| Arc::new(CountingTable { inner, counts }) as SharedTable)
    }

    /// For `AppOptions::wrap_queue`.
    pub fn wrap_queue(self: &Arc<Self>) -> Box<dyn FnOnce(SharedQueue) -> SharedQueue + Send> {
        let counts = self.clone();
        Box::new(move |inner| Arc::new(CountingQueue { inner, counts }) as SharedQueue)
    }
}

struct CountingTable {
    inner: SharedTable,
    counts: Arc<Counts>,
}

impl CountingTable {
    fn count(&self) -> Result<(), TableError> {
        self.counts.table.fetch_add(1, Ordering::SeqCst);
        match self.counts.table_down.load(Ordering::SeqCst) {
            true => Err(TableError::Unavailable(
                "connection refused (the test took the table down)".into(),
            )),
            false => Ok(()),
        }
    }
}

#[async_trait]
impl Table for CountingTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.count()?;
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        self.count()?;
        self.inner.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        self.count()?;
        self.inner.put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Item, TableError> {
        self.count()?;
        self.inner.update(key, update, condition).await
    }
    async fn delete(
        &self,
        key: &Key,
        condition: Option<Condition>,
    ) -> Result<Option<Item>, TableError> {
        self.count()?;
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, TableError> {
        self.count()?;
        self.inner.query(query).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        self.count()?;
        self.inner.transact(writes).await
    }
}

struct CountingQueue {
    inner: SharedQueue,
    counts: Arc<Counts>,
}

#[async_trait]
impl JobQueue for CountingQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        self.counts.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send(body, delay).await
    }
    async fn send_batch(&self, bodies: &[String]) -> Result<(), QueueError> {
        self.counts.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send_batch(bodies).await
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
