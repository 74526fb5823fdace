//! What a slash command routes by, read in one request.
//!
//! A command needs the team's installation (is the app still there?), who
//! the caller is in the office, the team's spaces and the channel's room.
//! They are four items of the team's partition (patterns 1, 11, 2 and 13 in
//! [`crate::keys`]), so they come back from one
//! [`Table::get_many`](crate::table::Table::get_many): one round trip of
//! Slack's 3 seconds instead of four requests.
//!
//! A caller that knows which space the command will probably land in (the
//! one it landed in last time, [`SpaceHint`]) gets that space and its rooms
//! in the same request. The hint is checked against what is read: the
//! space must exist, no room may have been added since (its
//! `rooms_added` is unchanged) and none removed (every room reads back).
//! Whether the command may use that space is the caller's to decide from
//! the routing facts read with it; a hint that fails either check costs the
//! caller one more read, never a stale answer.

use crate::ids::{ChannelId, OfficeUserId, RoomId, SpaceId, TeamId, UserId};
use crate::keys;
use crate::store::channels::ChannelRoute;
use crate::store::installations::Installation;
use crate::store::spaces::{Room, Space, TeamSpace, team_spaces_from};
use crate::table::{MAX_GET_MANY, SharedTable, TableError, from_item};

/// The routing facts, and the hinted space's own items.
const ROUTING_KEYS: usize = 4;

/// The most rooms a hint can name (the rest of one `get_many`).
pub const MAX_HINTED_ROOMS: usize = MAX_GET_MANY - ROUTING_KEYS - 1;

/// A space and the rooms a reader saw in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceHint {
    pub space_id: SpaceId,
    /// In the order they were read (creation order).
    pub rooms: Vec<RoomId>,
    pub rooms_added: u64,
}

impl SpaceHint {
    /// `None` for a space with more rooms than one read can carry.
    pub fn of(space: &Space, rooms: &[Room]) -> Option<Self> {
        (rooms.len() <= MAX_HINTED_ROOMS).then(|| Self {
            space_id: space.id.clone(),
            rooms: rooms.iter().map(|r| r.id.clone()).collect(),
            rooms_added: space.rooms_added,
        })
    }
}

/// The routing facts of one command, as of one read.
#[derive(Debug, Clone)]
pub struct Routing {
    /// `None`: the team has no installation on record.
    pub installation: Option<Installation>,
    /// `None`: the caller has not linked their Slack account.
    pub caller: Option<OfficeUserId>,
    /// Oldest first; the first is the team's default.
    pub team_spaces: Vec<TeamSpace>,
    /// `None`: the channel is not mapped to a room.
    pub route: Option<ChannelRoute>,
    /// The hinted space and all its rooms as they are now, when the hint
    /// still describes them.
    pub hinted: Option<(Space, Vec<Room>)>,
}

pub struct Routings {
    table: SharedTable,
}

impl Routings {
    pub fn new(table: SharedTable) -> Self {
        Self { table }
    }

    /// Everything a command from `user` in `channel` of `team` routes by,
    /// and the hinted space if there is one.
    pub async fn read(
        &self,
        team: &TeamId,
        user: &UserId,
        channel: &ChannelId,
        hint: Option<&SpaceHint>,
    ) -> Result<Routing, TableError> {
        let hint = hint.filter(|h| h.rooms.len() <= MAX_HINTED_ROOMS);
        let mut keys = vec![
            keys::installation(team),
            keys::slack_user(team, user),
            keys::team_spaces(team),
            keys::channel_route(team, channel),
        ];
        if let Some(h) = hint {
            keys.push(keys::space(&h.space_id));
            keys.extend(h.rooms.iter().map(|r| keys::room(&h.space_id, r)));
        }
        let mut items = self.table.get_many(&keys).await?.into_iter();
        let mut next = || items.next().flatten();
        let (installation, caller, spaces, route) = (next(), next(), next(), next());
        let routing = Routing {
            installation: installation.map(from_item).transpose()?,
            caller: caller
                .map(crate::store::links::office_user_of)
                .transpose()?,
            team_spaces: team_spaces_from(team, spaces)?,
            route: route.map(from_item).transpose()?,
            hinted: None,
        };
        let Some(h) = hint else {
            return Ok(routing);
        };
        let space: Option<Space> = next().map(from_item).transpose()?;
        let rooms: Option<Vec<Room>> = h
            .rooms
            .iter()
            .map(|_| next().map(from_item).transpose())
            .collect::<Result<Option<Vec<Room>>, TableError>>()?;
        let hinted = match (space, rooms) {
            (Some(space), Some(rooms)) if space.rooms_added == h.rooms_added => {
                Some((space, rooms))
            }
            _ => None,
        };
        Ok(Routing { hinted, ..routing })
    }
}
