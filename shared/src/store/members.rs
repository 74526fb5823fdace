//! Who belongs to a space, with which role. Each membership is one item under
//! the space, indexed under the user (gsi1) so a person's spaces can be
//! listed. Guests count against the space's guest limit: the count lives on
//! the space item and is raised in the same transaction that adds the guest,
//! with a condition that it stays below the limit.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, RoomId, SpaceId};
use crate::keys;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, Write, all_records, from_item, record_item,
    s,
};

/// A role in a space, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Moderator,
    Member,
    Guest,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }

    /// Admins and moderators manage the space's Slack connection and rooms.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Admin | Role::Moderator)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub space_id: SpaceId,
    pub user_id: OfficeUserId,
    pub role: Role,
    pub joined_at: i64,
    /// The room this person goes to by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_room: Option<RoomId>,
    /// People this person keeps an eye on, in the order starred.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starred: Vec<OfficeUserId>,
}

/// At most this many starred people per member.
pub const MAX_STARRED: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum MembersError {
    #[error("there isn't any more space for guests")]
    GuestLimitReached,
    #[error("no space {0}")]
    NoSuchSpace(SpaceId),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// What [`Members::join`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    New(Member),
    /// Already a member; nothing changed.
    Already(Member),
}

impl Joined {
    pub fn member(&self) -> &Member {
        match self {
            Joined::New(m) | Joined::Already(m) => m,
        }
    }
}

#[derive(Clone)]
pub struct Members {
    table: SharedTable,
    clock: SharedClock,
}

impl Members {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    fn item(&self, member: &Member) -> Result<crate::table::Item, TableError> {
        let mut item = record_item(&keys::member(&member.space_id, &member.user_id), member)?;
        item.insert(
            crate::table::GSI1_PK.into(),
            s(keys::member_of(&member.user_id)),
        );
        item.insert(
            crate::table::GSI1_SK.into(),
            s(keys::member_of_sort(&member.space_id)),
        );
        Ok(item)
    }

    pub async fn get(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
    ) -> Result<Option<Member>, TableError> {
        self.table
            .get(&keys::member(space, user))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Adds a person to a space with a role, unless already a member.
    /// Guests are counted against `guest_limit` atomically.
    pub async fn join(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
        role: Role,
        guest_limit: u32,
    ) -> Result<Joined, MembersError> {
        let member = Member {
            space_id: space.clone(),
            user_id: user.clone(),
            role,
            joined_at: self.clock.now_millis(),
            home_room: None,
            starred: Vec::new(),
        };
        let mut writes = vec![Write::Put {
            item: self.item(&member)?,
            condition: Some(Condition::NotExists),
        }];
        writes.push(if role == Role::Guest {
            Write::Update {
                key: keys::space(space),
                update: Update::default().add("guest_count", 1),
                condition: Some(Condition::All(vec![
                    Condition::Exists,
                    Condition::Below("guest_count".into(), i64::from(guest_limit)),
                ])),
            }
        } else {
            Write::Check {
                key: keys::space(space),
                condition: Condition::Exists,
            }
        });
        match self.table.transact(writes).await {
            Ok(()) => Ok(Joined::New(member)),
            Err(TableError::TransactionConflict { failed }) if failed.contains(&0) => {
                match self.get(space, user).await? {
                    Some(existing) => Ok(Joined::Already(existing)),
                    // Gone between the write and the read: ask again.
                    None => Err(TableError::TransactionConflict { failed }.into()),
                }
            }
            Err(TableError::TransactionConflict { .. }) if role == Role::Guest => {
                match self.table.get(&keys::space(space)).await? {
                    None => Err(MembersError::NoSuchSpace(space.clone())),
                    Some(_) => Err(MembersError::GuestLimitReached),
                }
            }
            Err(TableError::TransactionConflict { .. }) => {
                Err(MembersError::NoSuchSpace(space.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a member's role (the office app's token is authoritative).
    /// Guests are not promoted or demoted here, so the guest count stays true.
    pub async fn set_role(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
        role: Role,
    ) -> Result<(), TableError> {
        self.table
            .update(
                &keys::member(space, user),
                Update::default().set("role", s(role.as_str())),
                Some(Condition::Exists),
            )
            .await?;
        Ok(())
    }

    /// Sets (or, with `None`, clears) a member's home room; `None` back
    /// when they are not a member.
    pub async fn set_home_room(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
        room: Option<&RoomId>,
    ) -> Result<Option<Member>, TableError> {
        let update = match room {
            Some(r) => Update::default().set("home_room", s(r.as_str())),
            None => Update::default().remove("home_room"),
        };
        self.member_update(space, user, update).await
    }

    /// Replaces a member's starred people (repeats dropped, order kept, at
    /// most [`MAX_STARRED`]).
    pub async fn set_starred(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
        starred: &[OfficeUserId],
    ) -> Result<Option<Member>, TableError> {
        let mut list: Vec<&OfficeUserId> = Vec::new();
        for u in starred {
            if !list.contains(&u) && list.len() < MAX_STARRED {
                list.push(u);
            }
        }
        let update = match list.is_empty() {
            true => Update::default().remove("starred"),
            false => Update::default().set(
                "starred",
                crate::table::Value::L(list.iter().map(|u| s(u.as_str())).collect()),
            ),
        };
        self.member_update(space, user, update).await
    }

    async fn member_update(
        &self,
        space: &SpaceId,
        user: &OfficeUserId,
        update: Update,
    ) -> Result<Option<Member>, TableError> {
        match self
            .table
            .update(&keys::member(space, user), update, Some(Condition::Exists))
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every member of a space, by user id.
    pub async fn list(&self, space: &SpaceId) -> Result<Vec<Member>, TableError> {
        all_records(
            self.table.as_ref(),
            Query::partition(keys::space_pk(space))
                .prefix(keys::MEMBER_PREFIX)
                .limit(500),
        )
        .await
    }

    /// The spaces a person belongs to.
    pub async fn spaces_of(&self, user: &OfficeUserId) -> Result<Vec<Member>, TableError> {
        all_records(
            self.table.as_ref(),
            Query::gsi1(keys::member_of(user)).limit(500),
        )
        .await
    }
}
