//! My home room and starred people; my workspaces' spaces.

use hallway::ids::{OfficeUserId, SpaceId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Role, RoomRef};

/// The caller in a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MySpace {
    /// The space.
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    /// The caller's role.
    pub role: Role,
    /// Their home room, if set (and still there).
    pub home_room: Option<RoomRef>,
    /// The people they starred, with where each is now.
    pub starred: Vec<Starred>,
}

/// A starred person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Starred {
    /// Their office user id.
    #[schema(value_type = String)]
    pub user_id: OfficeUserId,
    /// Their name, if known.
    pub name: Option<String>,
    /// The room they are in now, if any.
    pub room: Option<RoomRef>,
}

/// `PUT /api/v1/spaces/{space}/me/home-room`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeRoom {
    /// A room of the space; `null` clears it.
    pub room_id: Option<String>,
}

/// `GET /api/v1/me/slack-spaces`: the office's space switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlackSpaces {
    /// One per Slack workspace the caller is linked to.
    pub teams: Vec<SlackTeamSpaces>,
}

/// A workspace's spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlackTeamSpaces {
    /// The workspace.
    #[schema(value_type = String)]
    pub team_id: TeamId,
    /// The caller's Slack user id there.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Its spaces, oldest (the default) first.
    pub spaces: Vec<SwitcherSpace>,
}

/// A space in the switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SwitcherSpace {
    /// The space.
    #[schema(value_type = String)]
    pub id: SpaceId,
    /// Its name.
    pub name: String,
    /// The workspace's default space (its oldest).
    pub default: bool,
    /// Connected to the workspace.
    pub connected: bool,
    /// The caller's role, if a member.
    pub role: Option<Role>,
}
