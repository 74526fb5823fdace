//! Budgets of Slack calls shared by every running function: a counter per
//! team, method and fixed window, raised under a ceiling, so however many
//! Lambdas serve the office API, together they stay within what Slack
//! allows (the worker's in-memory pacer cannot see other sandboxes).

use crate::clock::SharedClock;
use crate::ids::TeamId;
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, Update, n};

#[derive(Clone)]
pub struct RateBudgets {
    table: SharedTable,
    clock: SharedClock,
}

impl RateBudgets {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Takes one call of `per_window` in the current `window_secs` window:
    /// `Ok(None)` when taken, `Ok(Some(secs))` when the window is spent and
    /// the next starts in `secs`.
    pub async fn take(
        &self,
        team: &TeamId,
        method: &str,
        per_window: u32,
        window_secs: i64,
    ) -> Result<Option<i64>, TableError> {
        let now = self.clock.now_secs();
        let window = now - now.rem_euclid(window_secs);
        let update = Update::default()
            .add("calls", 1)
            .set("ttl", n(window + window_secs + 60));
        match self
            .table
            .update(
                &keys::rate_window(team, method, window),
                update,
                Some(Condition::Below("calls".into(), i64::from(per_window))),
            )
            .await
        {
            Ok(_) => Ok(None),
            Err(TableError::ConditionFailed) => Ok(Some((window + window_secs - now).max(1))),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::table::embedded::EmbeddedTable;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_window_gives_its_calls_then_says_when_the_next_starts() {
        let clock = Arc::new(ManualClock::at_secs(1_700_000_080));
        let budgets = RateBudgets::new(
            Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap()),
            clock.clone(),
        );
        let t = TeamId::new("T1").unwrap();
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
        // 1_700_000_080 is 40 s into its minute.
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), Some(20));
        // Another method or team has its own budget.
        assert_eq!(budgets.take(&t, "other", 2, 60).await.unwrap(), None);
        let u = TeamId::new("T2").unwrap();
        assert_eq!(budgets.take(&u, "m", 2, 60).await.unwrap(), None);
        clock.advance_secs(20);
        assert_eq!(budgets.take(&t, "m", 2, 60).await.unwrap(), None);
    }
}
