//! People sync: where each Slack person stands on linking to the office
//! (keys pattern 22), one [`SyncState`] per person.
//!
//! A prompt (the worker's auto-prompt, or an admin's from the office API
//! and the admin page) claims the person: `pending` with when, so a person
//! is prompted at most once a day however many workers see their messages;
//! a prompt that could not be sent is `failed` with its reason; an admin's
//! reset clears it. Linked people are `on` through their identity link,
//! not through this record: the office API's sync view
//! (`functions/api/src/sync.rs`) joins the two.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{TeamId, UserId};
use crate::keys;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, all_records, from_item, n, s,
};

/// At most one prompt per person per this long.
pub const PROMPT_INTERVAL_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    On,
    Pending,
    Off,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    pub status: SyncStatus,
    pub prompted_at: Option<i64>,
    #[serde(default)]
    pub prompts: u32,
    pub updated_at: i64,
    /// Why the last prompt could not be sent (`failed`).
    #[serde(default)]
    pub reason: Option<String>,
    /// Set by the sort key's owner; absent on records written before.
    #[serde(default)]
    pub slack_user_id: Option<UserId>,
}

#[derive(Clone)]
pub struct PeopleSync {
    table: SharedTable,
    clock: SharedClock,
}

impl PeopleSync {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    pub async fn get(&self, team: &TeamId, user: &UserId) -> Result<Option<SyncState>, TableError> {
        self.table
            .get(&keys::sync_state(team, user))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Takes the right to prompt `user` now: `true` for exactly one caller
    /// per [`PROMPT_INTERVAL_SECS`]; the person becomes `pending`.
    pub async fn claim_prompt(&self, team: &TeamId, user: &UserId) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        self.prompt(
            team,
            user,
            Some(Condition::Below(
                "prompted_at".into(),
                now - PROMPT_INTERVAL_SECS + 1,
            )),
        )
        .await
    }

    /// An admin's reprompt: prompted now, whenever the last one was.
    pub async fn force_prompt(&self, team: &TeamId, user: &UserId) -> Result<(), TableError> {
        self.prompt(team, user, None).await.map(|_| ())
    }

    async fn prompt(
        &self,
        team: &TeamId,
        user: &UserId,
        condition: Option<Condition>,
    ) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        let update = Update::default()
            .set("status", s("pending"))
            .set("prompted_at", n(now))
            .set("updated_at", n(now))
            .set("slack_user_id", s(user.as_str()))
            .remove("reason")
            .add("prompts", 1);
        match self
            .table
            .update(&keys::sync_state(team, user), update, condition)
            .await
        {
            Ok(_) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives back a prompt that could not be sent yet (Slack said wait),
    /// so the retry may take it again.
    pub async fn release_prompt(&self, team: &TeamId, user: &UserId) -> Result<(), TableError> {
        let update = Update::default()
            .set("prompted_at", n(0))
            .add("prompts", -1);
        self.table
            .update(
                &keys::sync_state(team, user),
                update,
                Some(Condition::Exists),
            )
            .await
            .map(|_| ())
            .or_else(|e| match e {
                TableError::ConditionFailed => Ok(()),
                e => Err(e),
            })
    }

    /// The prompt could not be sent (a deactivated person, a DM refused).
    pub async fn mark_failed(
        &self,
        team: &TeamId,
        user: &UserId,
        reason: &str,
    ) -> Result<(), TableError> {
        let now = self.clock.now_secs();
        let update = Update::default()
            .set("status", s("failed"))
            .set("reason", s(reason))
            .set("updated_at", n(now))
            .set("slack_user_id", s(user.as_str()));
        self.table
            .update(&keys::sync_state(team, user), update, None)
            .await
            .map(|_| ())
    }

    /// Forgets a person's sync state (back to `off`).
    pub async fn clear(&self, team: &TeamId, user: &UserId) -> Result<(), TableError> {
        self.table
            .delete(&keys::sync_state(team, user), None)
            .await
            .map(|_| ())
    }

    /// Every recorded state of a team, by Slack user.
    pub async fn all(&self, team: &TeamId) -> Result<Vec<(UserId, SyncState)>, TableError> {
        let states: Vec<SyncState> = all_records(
            self.table.as_ref(),
            Query::partition(keys::team_pk(team))
                .prefix(keys::SYNC_PREFIX)
                .limit(1000),
        )
        .await?;
        Ok(states
            .into_iter()
            .filter_map(|st| Some((st.slack_user_id.clone()?, st)))
            .collect())
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
    async fn a_person_is_prompted_at_most_once_a_day() {
        let clock = Arc::new(ManualClock::at_secs(1_700_000_000));
        let table = EmbeddedTable::in_memory(clock.clone()).unwrap();
        let sync = PeopleSync::new(Arc::new(table), clock.clone());
        let (team, bob) = (TeamId::new("T1").unwrap(), UserId::new("U1").unwrap());
        assert_eq!(sync.get(&team, &bob).await.unwrap(), None);

        assert!(sync.claim_prompt(&team, &bob).await.unwrap());
        assert!(!sync.claim_prompt(&team, &bob).await.unwrap());
        clock.advance_secs(PROMPT_INTERVAL_SECS - 1);
        assert!(!sync.claim_prompt(&team, &bob).await.unwrap());
        clock.advance_secs(1);
        assert!(sync.claim_prompt(&team, &bob).await.unwrap());

        let state = sync.get(&team, &bob).await.unwrap().unwrap();
        assert_eq!(state.status, SyncStatus::Pending);
        assert_eq!(state.prompts, 2);
        assert_eq!(
            state.prompted_at,
            Some(1_700_000_000 + PROMPT_INTERVAL_SECS)
        );
        // Someone else is not held back by Bob's prompt.
        let carol = UserId::new("U2").unwrap();
        assert!(sync.claim_prompt(&team, &carol).await.unwrap());
    }
}
