//! `hallway-local redrive`: after a fix, the jobs in the dead-letter queue go
//! back to the jobs queue with a fresh start (no attempts spent, no wait
//! counted). A message that is no job this version knows goes back as it
//! is: a worker that knows it runs it, one that does not dead-letters it
//! again. `--dry-run` lists what would move and leaves everything in place.
//!
//! The same can be done with SQS's own redrive (`aws sqs
//! start-message-move-task`, or the console's "Start DLQ redrive"): the
//! worker gives a job that comes back from the dead-letter queue a fresh
//! start too (it carries `delivery.dead_letter`). This command adds the
//! listing, a limit, and works on the emulators.

use std::collections::BTreeMap;
use std::time::Duration;

use hallway::jobs::{self, Delivery};
use hallway::queue::JobQueue;

/// What a redrive moved (or, in a dry run, would move).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Redriven {
    pub moved: usize,
    /// Jobs by kind (`undecodable` for messages that are no known job).
    pub by_kind: BTreeMap<String, usize>,
    /// Why each was dead-lettered, as the worker wrote it.
    pub by_reason: BTreeMap<String, usize>,
}

impl std::fmt::Display for Redriven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} message(s)", self.moved)?;
        for (kind, n) in &self.by_kind {
            writeln!(f, "  {n:>5}  {kind}")?;
        }
        if !self.by_reason.is_empty() {
            writeln!(f, "why they were dead-lettered:")?;
            for (reason, n) in &self.by_reason {
                writeln!(f, "  {n:>5}  {reason}")?;
            }
        }
        Ok(())
    }
}

/// Moves up to `max` messages from `dead_letters` to `jobs`.
pub async fn redrive(
    dead_letters: &dyn JobQueue,
    jobs_queue: &dyn JobQueue,
    max: Option<usize>,
    dry_run: bool,
) -> anyhow::Result<Redriven> {
    let mut report = Redriven::default();
    let mut held = Vec::new();
    let max = max.unwrap_or(usize::MAX);
    while report.moved < max {
        let want = (max - report.moved).min(10) as u32;
        let got = dead_letters.receive(want, Duration::from_secs(1)).await?;
        if got.is_empty() {
            break;
        }
        for m in got {
            let (kind, body) = match jobs::decode_envelope(&m.body) {
                Ok(envelope) => {
                    if let Some(reason) = &envelope.delivery.dead_letter {
                        *report.by_reason.entry(reason.clone()).or_default() += 1;
                    }
                    let fresh = jobs::encode_with(&envelope.job, &Delivery::default());
                    (envelope.job.kind().to_owned(), fresh)
                }
                Err(_) => ("undecodable".to_owned(), m.body.clone()),
            };
            *report.by_kind.entry(kind).or_default() += 1;
            report.moved += 1;
            if dry_run {
                held.push(m.receipt);
            } else {
                jobs_queue.send(&body, Duration::ZERO).await?;
                dead_letters.delete(&m.receipt).await?;
            }
        }
    }
    // A dry run held what it listed out of sight until the end; it is all
    // visible again now.
    for receipt in held {
        dead_letters
            .change_visibility(&receipt, Duration::ZERO)
            .await?;
    }
    Ok(report)
}
