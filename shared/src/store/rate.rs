//! Budgets of Slack calls shared by every running function: however many
//! Lambdas serve the office API or run jobs, together they stay within
//! what Slack allows (the worker's in-memory pacer cannot see other
//! sandboxes).
//!
//! A budget is a rolling window, as Slack counts: one item per team and
//! budget holds the times of the calls made within the last window, and a
//! call is taken only while fewer than the limit are in it. The wait a
//! refusal reports is honest: a call made after it is taken. The stored
//! times are when hallway *took* the call, a little before Slack counts it,
//! so each window is [`MARGIN_MS`] longer than Slack's.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::TeamId;
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, from_item, n, record_item};

/// Added to every window: the time between taking a call and Slack
/// receiving it, so Slack's window has passed when ours has.
pub const MARGIN_MS: i64 = 1_000;

/// The budget shared by `conversations.history` and
/// `conversations.replies` (Slack limits each on its own; one budget for
/// both is stricter, and simpler).
pub const HISTORY: &str = "history";

/// Messages asked per history call: the most a commercially distributed
/// app outside the Marketplace may ask (`limit` default and maximum 15,
/// docs.slack.dev/reference/methods/conversations.history).
pub const HISTORY_PAGE: u32 = 15;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Window {
    /// Millisecond times of the calls taken within the window, oldest first.
    calls: Vec<i64>,
    version: i64,
    ttl: i64,
}

#[derive(Clone)]
pub struct RateBudgets {
    table: SharedTable,
    clock: SharedClock,
}

impl RateBudgets {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Takes one of `per_window` calls in the rolling `window_secs`:
    /// `Ok(None)` when taken, `Ok(Some(secs))` when the window is full and
    /// a call can be taken in `secs` (rounded up).
    pub async fn take(
        &self,
        team: &TeamId,
        budget: &str,
        per_window: u32,
        window_secs: i64,
    ) -> Result<Option<i64>, TableError> {
        let key = keys::rate_budget(team, budget);
        let window_ms = window_secs * 1000 + MARGIN_MS;
        // Optimistic: read, then write on the condition nobody wrote
        // meanwhile; a lost race reads again.
        for _ in 0..10 {
            let now = self.clock.now_millis();
            let (mut w, condition) = match self.table.get(&key).await? {
                Some(item) => {
                    let w: Window = from_item(item)?;
                    let condition = Condition::Equals("version".into(), n(w.version));
                    (w, condition)
                }
                None => (Window::default(), Condition::NotExists),
            };
            w.calls.retain(|at| *at > now - window_ms);
            if w.calls.len() >= per_window as usize {
                let frees_at = w.calls[w.calls.len() - per_window as usize] + window_ms;
                let wait_ms = (frees_at - now).max(1);
                crate::metrics::count("HistoryBudgetExhausted", &[]);
                return Ok(Some((wait_ms + 999) / 1000));
            }
            w.calls.push(now);
            w.version += 1;
            w.ttl = now / 1000 + window_secs + 60;
            match self
                .table
                .put(record_item(&key, &w)?, Some(condition))
                .await
            {
                Ok(()) => {
                    crate::metrics::count("HistoryBudgetSpent", &[]);
                    return Ok(None);
                }
                Err(TableError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(TableError::Invalid(format!(
            "the {budget} budget of team {team} kept changing under us"
        )))
    }
}

// Run on the embedded table (the workspace's tests enable it).
#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::table::embedded::EmbeddedTable;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_rolling_window_gives_its_calls_and_says_honestly_when_the_next_is_free() {
        let clock = Arc::new(ManualClock::at_secs(1_700_000_080));
        let budgets = RateBudgets::new(
            Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap()),
            clock.clone(),
        );
        let t = TeamId::new("T1").unwrap();
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
        clock.advance_secs(30);
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
        // Full: the first call leaves the window 61 s after it was taken.
        let wait = budgets.take(&t, "m", 2, 60).await.unwrap().unwrap();
        assert_eq!(wait, 31);
        // Not a fixed window: a new minute does not refill it.
        clock.advance_secs(wait - 1);
        assert!(budgets.take(&t, "m", 2, 60).await.unwrap().is_some());
        clock.advance_secs(1);
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
        // Another budget or team has its own.
        assert_eq!(budgets.take(&t, "other", 2, 60).await.unwrap(), None);
        let u = TeamId::new("T2").unwrap();
        assert_eq!(budgets.take(&u, "m", 2, 60).await.unwrap(), None);
    }

    #[tokio::test]
    async fn one_a_minute_means_sixty_one_seconds_apart() {
        let clock = Arc::new(ManualClock::at_secs(1_700_000_059));
        let budgets = RateBudgets::new(
            Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap()),
            clock.clone(),
        );
        let t = TeamId::new("T1").unwrap();
        assert_eq!(budgets.take(&t, HISTORY, 1, 60).await.unwrap(), None);
        // A fixed minute would allow this one: 2 s later, a new minute.
        clock.advance_secs(2);
        assert_eq!(budgets.take(&t, HISTORY, 1, 60).await.unwrap(), Some(59));
        clock.advance_secs(59);
        assert_eq!(budgets.take(&t, HISTORY, 1, 60).await.unwrap(), None);
    }
}
