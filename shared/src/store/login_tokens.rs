//! One-time login tokens: Sign in with Slack hands one to the office in the
//! redirect; the office exchanges it, once, within five minutes, for a
//! session token through the API. Consuming is a conditional delete, so of
//! two exchanges exactly one succeeds.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, is_random_token, random_token};
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, from_item, record_item};

pub const LOGIN_TOKEN_TTL_SECS: i64 = 300;

#[derive(Serialize, Deserialize)]
struct LoginRecord {
    office_user_id: OfficeUserId,
    session_id: String,
    ttl: i64,
}

/// Who a consumed login token was for, and the session it continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub office_user_id: OfficeUserId,
    pub session_id: String,
}

#[derive(Clone)]
pub struct LoginTokens {
    table: SharedTable,
    clock: SharedClock,
}

impl LoginTokens {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// A token for a session that sign-in just started.
    pub async fn issue(&self, user: &OfficeUserId, session_id: &str) -> Result<String, TableError> {
        let token = random_token();
        let item = record_item(
            &keys::login_token(&token),
            &LoginRecord {
                office_user_id: user.clone(),
                session_id: session_id.to_owned(),
                ttl: self.clock.now_secs() + LOGIN_TOKEN_TTL_SECS,
            },
        )?;
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(token)
    }

    /// The user the token was issued for, once; `None` when unknown, used or
    /// expired.
    pub async fn consume(&self, token: &str) -> Result<Option<Login>, TableError> {
        if !is_random_token(token) {
            return Ok(None);
        }
        match self
            .table
            .delete(&keys::login_token(token), Some(Condition::Exists))
            .await
        {
            Ok(Some(item)) => {
                let r: LoginRecord = from_item(item)?;
                Ok(Some(Login {
                    office_user_id: r.office_user_id,
                    session_id: r.session_id,
                }))
            }
            Ok(None) | Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
