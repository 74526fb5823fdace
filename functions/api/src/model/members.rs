//! A space's members with their Slack link status.

use hallway::ids::{OfficeUserId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;

/// `GET /api/v1/spaces/{space}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberList {
    /// Every member of the space.
    pub members: Vec<Member>,
}

/// A member of a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    /// Their office user id.
    #[schema(value_type = String)]
    pub user_id: OfficeUserId,
    /// Their name (their id when hallway has none).
    pub name: String,
    /// Their role.
    pub role: Role,
    /// When they joined, in milliseconds since the epoch.
    pub joined_at: i64,
    /// Whether they linked their Slack account in the space's workspace.
    pub slack: MemberSlack,
}

/// A member's Slack link in the space's workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MemberSlack {
    /// The space is not connected to a Slack workspace.
    NoWorkspace,
    /// Linked.
    Linked {
        /// Their Slack user id.
        #[schema(value_type = String)]
        slack_user_id: UserId,
        /// They gave hallway a user token: they can chat from the office.
        authorized_chat: bool,
    },
    /// Not linked.
    NotLinked,
}
