//! A space's audit log: every admin action on people sync and settings,
//! who did it and when, newest first. Entries expire after 400 days.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, SpaceId, new_ordered_id};
use crate::keys;
use crate::table::{Query, SharedTable, TableError, record_item};

pub const AUDIT_TTL_SECS: i64 = 400 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub space_id: SpaceId,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub by: OfficeUserId,
    /// `sync.prompt`, `sync.prompt_all`, `sync.reprompt`, `sync.reset`,
    /// `sync.remove`, `settings.update`, …
    pub action: String,
    /// Who or what it was done to (a Slack user id, a setting).
    pub target: Option<String>,
    /// What changed or what came of it (counts, values).
    #[serde(default)]
    pub detail: Value,
    pub ttl: i64,
}

#[derive(Clone)]
pub struct AuditLog {
    table: SharedTable,
    clock: SharedClock,
}

impl AuditLog {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    pub async fn record(
        &self,
        space: &SpaceId,
        by: &OfficeUserId,
        action: &str,
        target: Option<&str>,
        detail: Value,
    ) -> Result<AuditEntry, TableError> {
        let at = self.clock.now_millis();
        let entry = AuditEntry {
            id: new_ordered_id(),
            space_id: space.clone(),
            at,
            by: by.clone(),
            action: action.to_owned(),
            target: target.map(str::to_owned),
            detail,
            ttl: at / 1000 + AUDIT_TTL_SECS,
        };
        let item = record_item(&keys::audit(space, at, &entry.id), &entry)?;
        self.table.put(item, None).await?;
        Ok(entry)
    }

    /// Entries newest first, older than the entry `before` names.
    pub async fn list(
        &self,
        space: &SpaceId,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, TableError> {
        let mut query = Query::partition(keys::space_pk(space))
            .prefix(keys::AUDIT_PREFIX)
            .limit(limit)
            .descending();
        if let Some((at, id)) = before {
            query = query.after_sort_key(keys::audit(space, at, id).sk);
        }
        crate::table::one_page(self.table.as_ref(), query).await
    }
}
