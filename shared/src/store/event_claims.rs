//! Events API dedupe: an `event_id` is claimed once, with a conditional put,
//! before its job is queued. Slack retries a delivery up to three times over
//! about 6 minutes (hourly for a day with "Delayed Events"), so claims live
//! for two days and then expire.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::EventId;
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, record_item};

pub const CLAIM_TTL_SECS: i64 = 2 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time we see this event: process it.
    New,
    /// Already claimed (a retry or a duplicate delivery): acknowledge only.
    Duplicate,
}

#[derive(Serialize, Deserialize)]
struct ClaimRecord {
    claimed_at: i64,
    ttl: i64,
}

#[derive(Clone)]
pub struct EventClaims {
    table: SharedTable,
    clock: SharedClock,
}

impl EventClaims {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    pub async fn claim(&self, event: &EventId) -> Result<Claim, TableError> {
        let now = self.clock.now_secs();
        let item = record_item(
            &keys::event_claim(event),
            &ClaimRecord {
                claimed_at: now,
                ttl: now + CLAIM_TTL_SECS,
            },
        )?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(Claim::New),
            Err(TableError::ConditionFailed) => Ok(Claim::Duplicate),
            Err(e) => Err(e),
        }
    }

    /// Gives a claim back, so Slack's retry of this event is processed (used
    /// when the work could not be queued after the claim).
    pub async fn release(&self, event: &EventId) -> Result<(), TableError> {
        self.table.delete(&keys::event_claim(event), None).await?;
        Ok(())
    }
}
