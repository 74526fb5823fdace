//! Spaces, their settings, rooms and presence.

use std::collections::BTreeMap;

use hallway::ids::{OfficeUserId, RoomId, SpaceId, TeamId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;

/// `POST /api/v1/spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewSpace {
    /// 1-80 characters.
    pub name: String,
}

/// A space as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Space {
    /// The space's id.
    #[schema(value_type = String)]
    pub id: SpaceId,
    /// Its name.
    pub name: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// What admins have set.
    pub settings: SpaceSettings,
    /// The Slack workspace it is connected to, if any.
    pub slack: SpaceSlack,
    /// The caller's role in the space.
    pub role: Role,
    /// The space's rooms: only in `GET /api/v1/spaces/{space}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<Vec<Room>>,
}

impl Space {
    /// The space as `role` sees it, without its rooms.
    pub fn new(space: &hallway::store::Space, role: hallway::store::Role) -> Self {
        Self {
            id: space.id.clone(),
            name: space.name.clone(),
            created_at: space.created_at,
            settings: SpaceSettings {
                require_invitation: space.require_invitation,
                auto_prompt: space.auto_prompt,
                call_mention: space.call_mention.into(),
                guest_limit: space.guest_limit,
                guests: space.guest_count,
            },
            slack: SpaceSlack {
                team_id: space.team_id.clone(),
                connected: space.connected,
            },
            role: role.into(),
            rooms: None,
        }
    }
}

/// A space's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpaceSettings {
    /// Only people invited may join from Slack.
    pub require_invitation: bool,
    /// People not linked who write to a linked person (or the app) get a
    /// "Sync now" DM, at most once a day.
    pub auto_prompt: bool,
    /// How a `/hallway` call in a channel notifies it.
    pub call_mention: CallMention,
    /// How many guests may join.
    pub guest_limit: u32,
    /// Guests admitted so far.
    pub guests: u32,
}

/// A space's Slack side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpaceSlack {
    /// The Slack team (workspace) id, if the space was ever connected.
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    /// False after an uninstall or a revocation, until reconnected.
    pub connected: bool,
}

/// The special mention a channel call starts with: `<!channel>`,
/// `<!here>` or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallMention {
    Channel,
    Here,
    None,
}

impl From<hallway::store::spaces::CallMention> for CallMention {
    fn from(m: hallway::store::spaces::CallMention) -> Self {
        use hallway::store::spaces::CallMention as M;
        match m {
            M::Channel => CallMention::Channel,
            M::Here => CallMention::Here,
            M::None => CallMention::None,
        }
    }
}

impl From<CallMention> for hallway::store::spaces::CallMention {
    fn from(m: CallMention) -> Self {
        match m {
            CallMention::Channel => Self::Channel,
            CallMention::Here => Self::Here,
            CallMention::None => Self::None,
        }
    }
}

/// `GET /api/v1/spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpaceList {
    /// The caller's spaces, with their role in each.
    pub spaces: Vec<Space>,
}

/// `PATCH /api/v1/spaces/{space}/settings`: what is left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettingsChange {
    /// Only people invited may join from Slack.
    pub require_invitation: Option<bool>,
    /// Prompt people who are not linked when they write to someone linked.
    pub auto_prompt: Option<bool>,
    /// How many guests may join.
    pub guest_limit: Option<u32>,
    /// How a channel call notifies the channel.
    pub call_mention: Option<CallMention>,
}

impl From<SettingsChange> for hallway::store::spaces::SettingsChange {
    fn from(c: SettingsChange) -> Self {
        Self {
            require_invitation: c.require_invitation,
            auto_prompt: c.auto_prompt,
            guest_limit: c.guest_limit,
            call_mention: c.call_mention.map(Into::into),
        }
    }
}

/// A room and who is in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Room {
    /// The room's id.
    #[schema(value_type = String)]
    pub id: RoomId,
    /// Its name.
    pub name: String,
    /// How many people fit.
    pub capacity: u32,
    /// Who is in it now, as the office last reported.
    #[schema(value_type = Vec<String>)]
    pub occupants: Vec<OfficeUserId>,
    /// Nobody is in it.
    pub empty: bool,
}

impl From<&hallway::store::Room> for Room {
    fn from(r: &hallway::store::Room) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            capacity: r.capacity,
            occupants: r.occupants.clone(),
            empty: r.is_empty(),
        }
    }
}

/// A space's rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomList {
    /// Every room of the space.
    pub rooms: Vec<Room>,
}

impl RoomList {
    pub fn new(rooms: &[hallway::store::Room]) -> Self {
        Self {
            rooms: rooms.iter().map(Room::from).collect(),
        }
    }
}

/// `POST /api/v1/spaces/{space}/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewRoom {
    /// 1-80 characters.
    pub name: String,
    /// How many people fit.
    pub capacity: u32,
}

/// `PATCH /api/v1/spaces/{space}/rooms/{room}`: what is left out stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomChange {
    /// A new name.
    pub name: Option<String>,
    /// A new capacity.
    pub capacity: Option<u32>,
}

/// `PUT /api/v1/spaces/{space}/presence`: the whole office at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Presence {
    /// Room id → who is in it. Rooms left out are empty.
    #[schema(value_type = BTreeMap<String, Vec<String>>)]
    pub rooms: BTreeMap<RoomId, Vec<OfficeUserId>>,
}

/// Where a Join button would send people now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomChoice {
    /// How the room was chosen.
    pub choice: ChoiceKind,
    /// The room; `null` when the space has none.
    pub room: Option<Room>,
}

/// How a room was chosen: the largest empty one, else the least full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    LargestEmpty,
    LeastFull,
    None,
}

impl From<hallway::store::spaces::RoomChoice> for RoomChoice {
    fn from(c: hallway::store::spaces::RoomChoice) -> Self {
        use hallway::store::spaces::RoomChoice as C;
        match c {
            C::Empty(r) => Self {
                choice: ChoiceKind::LargestEmpty,
                room: Some(Room::from(&r)),
            },
            C::LeastFull(r) => Self {
                choice: ChoiceKind::LeastFull,
                room: Some(Room::from(&r)),
            },
            C::NoRooms => Self {
                choice: ChoiceKind::None,
                room: None,
            },
        }
    }
}
