//! OAuth `state` values: random, bound to what started the flow (space,
//! office user, purpose, OIDC nonce), single use, and expiring after ten
//! minutes (the life of Slack's authorization code).
//!
//! Consuming marks the item used with a conditional update rather than
//! deleting it, so a replayed callback can be told apart ("this link was
//! already used") from a forged or expired one, until the item's TTL ends.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, SpaceId};
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, Update, from_item, n, record_item};

pub const STATE_TTL_SECS: i64 = 600;

/// What the flow's start recorded, returned once to its callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateData {
    /// Which flow: `install`, `login`, `link`.
    pub purpose: String,
    pub space_id: Option<SpaceId>,
    pub office_user_id: Option<OfficeUserId>,
    /// The OpenID Connect nonce sent with the authorize request.
    pub nonce: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StateRecord {
    purpose: String,
    space_id: Option<SpaceId>,
    office_user_id: Option<OfficeUserId>,
    nonce: Option<String>,
    created_at: i64,
    used_at: Option<i64>,
    ttl: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("this sign-in link was already used")]
    AlreadyUsed,
    #[error("this sign-in link is unknown or has expired")]
    UnknownOrExpired,
    #[error(transparent)]
    Table(#[from] TableError),
}

#[derive(Clone)]
pub struct OAuthStates {
    table: SharedTable,
    clock: SharedClock,
}

impl OAuthStates {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Records a new state and returns its value (32 random bytes, base64url).
    pub async fn issue(&self, data: StateData) -> Result<String, TableError> {
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw)
            .map_err(|e| TableError::Unavailable(format!("random source failed: {e}")))?;
        let state = URL_SAFE_NO_PAD.encode(raw);
        let now = self.clock.now_secs();
        let item = record_item(
            &keys::oauth_state(&state),
            &StateRecord {
                purpose: data.purpose,
                space_id: data.space_id,
                office_user_id: data.office_user_id,
                nonce: data.nonce,
                created_at: now,
                used_at: None,
                ttl: now + STATE_TTL_SECS,
            },
        )?;
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(state)
    }

    /// Uses a state up. Of two racing callers, exactly one gets the data.
    pub async fn consume(&self, state: &str) -> Result<StateData, ConsumeError> {
        // A value that could not have come from `issue` is not looked up.
        if state.len() != 43 || URL_SAFE_NO_PAD.decode(state).is_err() {
            return Err(ConsumeError::UnknownOrExpired);
        }
        let key = keys::oauth_state(state);
        let guard = Condition::All(vec![
            Condition::Exists,
            Condition::AttrMissing("used_at".into()),
        ]);
        let used = Update::default().set("used_at", n(self.clock.now_secs()));
        match self.table.update(&key, used, Some(guard)).await {
            Ok(item) => {
                let r: StateRecord = from_item(item)?;
                Ok(StateData {
                    purpose: r.purpose,
                    space_id: r.space_id,
                    office_user_id: r.office_user_id,
                    nonce: r.nonce,
                })
            }
            Err(TableError::ConditionFailed) => match self.table.get(&key).await? {
                Some(_) => Err(ConsumeError::AlreadyUsed),
                None => Err(ConsumeError::UnknownOrExpired),
            },
            Err(e) => Err(e.into()),
        }
    }
}
