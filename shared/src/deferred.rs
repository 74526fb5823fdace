//! Work a request starts that its answer need not wait for.
//!
//! A slash command's answer is what Slack shows; a record the command
//! leaves behind (the meeting it called) is not part of it. Deferred work
//! runs in one of two ways:
//!
//! - inline ([`Deferred::inline`], the default): before the answer, as if
//!   it were not deferred. The local bundle and the tests run this way, so
//!   nothing is still running when a test reads the table.
//! - tracked ([`Deferred::tracked`]): kept until [`Deferred::drain`],
//!   which starts all of it and waits for it; started after the answer, it
//!   cannot slow the answer down. On Lambda a sandbox is frozen
//!   as soon as the runtime and every extension have asked for their next
//!   event, and work left running then stalls until the next invocation (or
//!   forever). The commands function therefore registers an internal
//!   extension (`hallway_commands::lambda`) that asks only after draining:
//!   Lambda hands the runtime's response to the caller as soon as it is
//!   posted, and the sandbox stays up until the work is done.
//!
//! Deferred work must not fail the request it came from: it logs its own
//! failures.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

type Work = Pin<Box<dyn Future<Output = ()> + Send>>;

#[derive(Clone, Default)]
pub struct Deferred {
    /// `None`: inline.
    tasks: Option<Arc<Mutex<Vec<Work>>>>,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.tasks.is_some() {
            "Deferred::tracked"
        } else {
            "Deferred::inline"
        })
    }
}

impl Deferred {
    /// Runs deferred work before the answer.
    pub fn inline() -> Self {
        Self { tasks: None }
    }

    /// Keeps deferred work for [`Deferred::drain`].
    pub fn tracked() -> Self {
        Self {
            tasks: Some(Arc::default()),
        }
    }

    /// Runs `work` now (inline) or keeps it for [`Deferred::drain`]
    /// (tracked).
    pub async fn run<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match &self.tasks {
            None => work.await,
            Some(tasks) => tasks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Box::pin(work)),
        }
    }

    /// Starts every piece of work kept so far, all at once, and waits for
    /// it, including work deferred while it ran. Returns how many there
    /// were.
    pub async fn drain(&self) -> usize {
        let Some(tasks) = &self.tasks else {
            return 0;
        };
        let mut drained = 0;
        loop {
            let batch = std::mem::take(&mut *tasks.lock().unwrap_or_else(|p| p.into_inner()));
            if batch.is_empty() {
                return drained;
            }
            drained += batch.len();
            let started: Vec<_> = batch.into_iter().map(tokio::spawn).collect();
            for task in started {
                if let Err(e) = task.await {
                    tracing::error!(error = %e, "deferred work did not finish");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn inline_work_is_done_when_run_returns() {
        let done = Arc::new(AtomicUsize::new(0));
        let d = Deferred::inline();
        let n = done.clone();
        d.run(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            n.fetch_add(1, Ordering::SeqCst);
        })
        .await;
        assert_eq!(done.load(Ordering::SeqCst), 1);
        assert_eq!(d.drain().await, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn tracked_work_returns_at_once_and_drain_waits_for_all_of_it() {
        let done = Arc::new(AtomicUsize::new(0));
        let d = Deferred::tracked();
        for i in 0..3u64 {
            let (n, inner) = (done.clone(), d.clone());
            d.run(async move {
                tokio::time::sleep(Duration::from_millis(10 * (3 - i))).await;
                n.fetch_add(1, Ordering::SeqCst);
                // Work deferred by deferred work is drained too.
                let n = n.clone();
                inner
                    .run(async move {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        n.fetch_add(10, Ordering::SeqCst);
                    })
                    .await;
            })
            .await;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            done.load(Ordering::SeqCst),
            0,
            "nothing starts before drain"
        );
        assert_eq!(d.drain().await, 6);
        assert_eq!(done.load(Ordering::SeqCst), 33);
        assert_eq!(d.drain().await, 0, "drained once");
    }
}
