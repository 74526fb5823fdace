//! Office users hallway knows: people created by Sign in with Slack, and
//! people the office app's tokens name. Each has at most one live session
//! started by hallway: signing in again supersedes the earlier one.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, new_ordered_id, random_token};
use crate::keys;
use crate::table::{Condition, SharedTable, TableError, Update, from_item, n, record_item, s};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeUser {
    pub id: OfficeUserId,
    pub name: String,
    pub email: Option<String>,
    pub created_at: i64,
    /// The session hallway issued last; earlier ones are dead.
    pub session_id: Option<String>,
}

#[derive(Clone)]
pub struct OfficeUsers {
    table: SharedTable,
    clock: SharedClock,
}

impl OfficeUsers {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// A new person.
    pub async fn create(&self, name: &str, email: Option<&str>) -> Result<OfficeUser, TableError> {
        let user = OfficeUser {
            id: OfficeUserId::new(new_ordered_id()).expect("uuids are valid ids"),
            name: clean_name(name),
            email: email.map(str::to_owned),
            created_at: self.clock.now_millis(),
            session_id: None,
        };
        let item = record_item(&keys::user(&user.id), &user)?;
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(user)
    }

    pub async fn get(&self, id: &OfficeUserId) -> Result<Option<OfficeUser>, TableError> {
        self.table
            .get(&keys::user(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Records a person the office app vouches for (its token names them),
    /// keeping the name current. Returns the stored profile.
    pub async fn remember(
        &self,
        id: &OfficeUserId,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<OfficeUser, TableError> {
        let mut update = Update::default();
        // DynamoDB refuses two actions on one attribute, so it is either set
        // or defaulted, never both.
        update = match name {
            Some(name) => update.set("name", s(clean_name(name))),
            None => update.set_if_missing("name", s(id.as_str())),
        };
        if let Some(email) = email {
            update = update.set("email", s(email));
        }
        update = update
            .set("id", s(id.as_str()))
            .set_if_missing("created_at", n(self.clock.now_millis()));
        let item = self.table.update(&keys::user(id), update, None).await?;
        from_item(item)
    }

    /// Starts a new session, ending the previous one. Returns its id.
    pub async fn start_session(&self, id: &OfficeUserId) -> Result<String, TableError> {
        let sid = random_token();
        self.table
            .update(
                &keys::user(id),
                Update::default().set("session_id", s(&sid)),
                Some(Condition::Exists),
            )
            .await?;
        Ok(sid)
    }
}

fn clean_name(name: &str) -> String {
    name.trim().chars().take(120).collect()
}
