//! OAuth `state` values: random, bound to what started the flow (space,
//! office user, purpose, OIDC nonce), single use, and expiring after ten
//! minutes (the life of Slack's authorization code).
//!
//! Consuming marks the item used with a conditional update rather than
//! deleting it, so a replayed callback can be told apart ("this link was
//! already used") from a forged or expired one, until the item's TTL ends.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, SpaceId, TeamId, is_random_token, random_token};
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, Update, from_item, n, record_item};

pub const STATE_TTL_SECS: i64 = 600;

/// Which flow a state was issued for: its callback only finishes that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthFlow {
    /// Installing the app into a workspace for a space.
    Install,
    /// Sign in with Slack.
    Login,
    /// Linking a person's Slack identity (user scopes).
    Link,
    /// Written by a newer deployment during a rollout: refused like a
    /// forged state rather than failing the read.
    #[serde(other)]
    Unknown,
}

/// What the flow's start recorded, returned once to its callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateData {
    pub purpose: OAuthFlow,
    pub space_id: Option<SpaceId>,
    pub office_user_id: Option<OfficeUserId>,
    /// The OpenID Connect nonce sent with the authorize request.
    pub nonce: Option<String>,
    /// A join link to continue with once the person is signed in.
    pub join: Option<String>,
    /// The workspace the admin chose for the space: an organisation-wide
    /// (Enterprise Grid) install names none.
    pub team: Option<TeamId>,
}

#[derive(Serialize, Deserialize)]
struct StateRecord {
    purpose: OAuthFlow,
    space_id: Option<SpaceId>,
    office_user_id: Option<OfficeUserId>,
    nonce: Option<String>,
    join: Option<String>,
    #[serde(default)]
    team: Option<TeamId>,
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
        let state = random_token();
        let now = self.clock.now_secs();
        let item = record_item(
            &keys::oauth_state(&state),
            &StateRecord {
                purpose: data.purpose,
                space_id: data.space_id,
                office_user_id: data.office_user_id,
                nonce: data.nonce,
                join: data.join,
                team: data.team,
                created_at: now,
                used_at: None,
                ttl: now + STATE_TTL_SECS,
            },
        )?;
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(state)
    }

    /// The state's data if it is live and unused, without using it up (the
    /// install page checks a state before sending the browser to Slack).
    pub async fn peek(&self, state: &str) -> Result<Option<StateData>, TableError> {
        if !is_random_token(state) {
            return Ok(None);
        }
        let Some(item) = self.table.get(&keys::oauth_state(state)).await? else {
            return Ok(None);
        };
        let r: StateRecord = from_item(item)?;
        Ok(r.used_at.is_none().then_some(StateData {
            purpose: r.purpose,
            space_id: r.space_id,
            office_user_id: r.office_user_id,
            nonce: r.nonce,
            join: r.join,
            team: r.team,
        }))
    }

    /// Uses a state up. Of two racing callers, exactly one gets the data.
    pub async fn consume(&self, state: &str) -> Result<StateData, ConsumeError> {
        // A value that could not have come from `issue` is not looked up.
        if !is_random_token(state) {
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
                    join: r.join,
                    team: r.team,
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

#[cfg(test)]
mod tests {
    use super::OAuthFlow;

    #[test]
    fn flows_are_stored_by_name_and_a_newer_one_reads_as_unknown() {
        assert_eq!(
            serde_json::to_string(&OAuthFlow::Install).unwrap(),
            "\"install\""
        );
        assert_eq!(
            serde_json::to_string(&OAuthFlow::Login).unwrap(),
            "\"login\""
        );
        assert_eq!(serde_json::to_string(&OAuthFlow::Link).unwrap(), "\"link\"");
        let read = |s: &str| serde_json::from_str::<OAuthFlow>(s).unwrap();
        assert_eq!(read("\"link\""), OAuthFlow::Link);
        assert_eq!(read("\"reconnect\""), OAuthFlow::Unknown);
    }
}
