//! Spaces, their rooms, and the mapping between Slack teams and spaces.
//!
//! One space maps to at most one team; a team may have many spaces. The
//! mapping is one attribute per space on the team's spaces item (pattern 2
//! in [`crate::keys`]: one read, batched with a command's other routing
//! reads), listed oldest first; the first is the team's default.
//! Connecting, reconnecting to another team and disconnecting are
//! transactions over the space and the teams' items, so a space is never
//! listed under two teams.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{OfficeUserId, RoomId, SpaceId, TeamId, new_ordered_id};
use crate::keys;
use crate::table::{
    Condition, Item, Query, SharedTable, TableError, Update, Value, Write, all_records, from_item,
    n, record_item, s,
};

/// What choosing a room needs to know of one.
pub trait Seats {
    fn capacity(&self) -> u32;
    fn occupied(&self) -> usize;
    fn created_at(&self) -> i64;
}

/// The largest empty room (oldest first among equals), else the least full
/// relative to capacity.
pub fn choose<R: Seats>(rooms: Vec<R>) -> RoomChoice<R> {
    if rooms.is_empty() {
        return RoomChoice::NoRooms;
    }
    let mut rooms = rooms;
    if let Some(best) = rooms
        .iter()
        .enumerate()
        .filter(|(_, r)| r.occupied() == 0)
        .min_by_key(|(_, r)| (std::cmp::Reverse(r.capacity()), r.created_at()))
        .map(|(i, _)| i)
    {
        return RoomChoice::Empty(rooms.swap_remove(best));
    }
    let fill = |r: &R| r.occupied() as f64 / f64::from(r.capacity().max(1));
    let least = rooms
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            fill(a)
                .partial_cmp(&fill(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.created_at().cmp(&b.created_at()))
        })
        .map(|(i, _)| i)
        .expect("rooms is not empty");
    RoomChoice::LeastFull(rooms.swap_remove(least))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    pub id: SpaceId,
    pub name: String,
    /// Milliseconds since the epoch; orders a team's spaces.
    pub created_at: i64,
    pub created_by: Option<OfficeUserId>,
    pub team_id: Option<TeamId>,
    /// False after an uninstall or a token revocation, until reconnected.
    #[serde(default)]
    pub connected: bool,
    #[serde(default)]
    pub require_invitation: bool,
    /// Prompt unlinked Slack people who DM a linked person (or the app) to
    /// link, at most once a day each.
    #[serde(default)]
    pub auto_prompt: bool,
    #[serde(default)]
    pub guest_limit: u32,
    /// Guests admitted so far (raised atomically with each guest's join).
    #[serde(default)]
    pub guest_count: u32,
    /// Raised by every change the space's brief on its team's item shows
    /// (rooms added, renamed, resized, deleted, filled; the call mention),
    /// after the change: a brief written from an older read is refused.
    #[serde(default)]
    pub version: u64,
    /// How a bare `/hallway` in a channel notifies the channel.
    #[serde(default)]
    pub call_mention: CallMention,
}

/// The special mention a channel call starts with
/// (docs.slack.dev/messaging/formatting-message-text: `<!channel>` notifies
/// every member, `<!here>` the active ones). Sococo-style calls notify the
/// whole channel, so that is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallMention {
    #[default]
    Channel,
    Here,
    None,
}

impl CallMention {
    /// The mention as Slack's markup, if any.
    pub fn markup(self) -> Option<&'static str> {
        match self {
            CallMention::Channel => Some("<!channel>"),
            CallMention::Here => Some("<!here>"),
            CallMention::None => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallMention::Channel => "channel",
            CallMention::Here => "here",
            CallMention::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub space_id: SpaceId,
    pub id: RoomId,
    pub name: String,
    pub capacity: u32,
    pub created_at: i64,
    /// Who is in the room now, as the office last reported.
    #[serde(default)]
    pub occupants: Vec<OfficeUserId>,
}

impl Room {
    pub fn is_empty(&self) -> bool {
        self.occupants.is_empty()
    }
}

impl Seats for Room {
    fn capacity(&self) -> u32 {
        self.capacity
    }
    fn occupied(&self) -> usize {
        self.occupants.len()
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
}

/// What a slash command needs of a room: how many are in it, not who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomBrief {
    pub id: RoomId,
    pub name: String,
    pub capacity: u32,
    pub created_at: i64,
    pub occupied: u32,
}

impl From<&Room> for RoomBrief {
    fn from(r: &Room) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            capacity: r.capacity,
            created_at: r.created_at,
            occupied: u32::try_from(r.occupants.len()).unwrap_or(u32::MAX),
        }
    }
}

impl Seats for RoomBrief {
    fn capacity(&self) -> u32 {
        self.capacity
    }
    fn occupied(&self) -> usize {
        self.occupied as usize
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
}

/// What a slash command needs of a space beyond its team entry, kept on
/// the team's spaces item (pattern 2 in [`crate::keys`]) so that one read
/// of keys the command names answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceBrief {
    /// The space's `version` it was written from: older than the space's
    /// own means a change since has not reached the brief yet.
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub call_mention: CallMention,
    /// In creation order.
    #[serde(default)]
    pub rooms: Vec<RoomBrief>,
}

impl SpaceBrief {
    pub fn of(space: &Space, rooms: &[Room]) -> Self {
        Self {
            version: space.version,
            call_mention: space.call_mention,
            rooms: rooms.iter().map(RoomBrief::from).collect(),
        }
    }

    fn value(&self) -> Result<Value, TableError> {
        serde_dynamo::to_attribute_value(self)
            .map_err(|e| TableError::Invalid(format!("space brief does not serialise: {e}")))
    }
}

/// Where to send people who are called to a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChoice<R = Room> {
    /// The largest room nobody is in (oldest first among equals).
    Empty(R),
    /// Every room has someone in it: the least full, relative to capacity.
    LeastFull(R),
    /// The space has no rooms.
    NoRooms,
}

/// Changes to a space's settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsChange {
    pub require_invitation: Option<bool>,
    pub auto_prompt: Option<bool>,
    pub guest_limit: Option<u32>,
    pub call_mention: Option<CallMention>,
}

/// A space as listed under its team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSpace {
    pub team_id: TeamId,
    pub space_id: SpaceId,
    pub space_name: String,
    pub created_at: i64,
    pub connected: bool,
}

/// One space's entry on its team's spaces item.
#[derive(Debug, Serialize, Deserialize)]
struct TeamEntry {
    space_name: String,
    created_at: i64,
    connected: bool,
}

impl TeamSpace {
    fn entry(&self) -> Result<Value, TableError> {
        serde_dynamo::to_attribute_value(TeamEntry {
            space_name: self.space_name.clone(),
            created_at: self.created_at,
            connected: self.connected,
        })
        .map_err(|e| TableError::Invalid(format!("team space does not serialise: {e}")))
    }
}

/// The team's spaces from its spaces item (pattern 2; `None`: no space was
/// ever mapped), oldest first.
pub(crate) fn team_spaces_from(
    team: &TeamId,
    item: Option<Item>,
) -> Result<Vec<TeamSpace>, TableError> {
    Ok(team_item_from(team, item)?.0)
}

/// The briefs of a team's spaces, by space; a space mapped before briefs
/// existed has none until its rooms or settings next change.
pub type Briefs = std::collections::HashMap<SpaceId, SpaceBrief>;

/// The team's spaces, oldest first, and their briefs, from its spaces item.
pub fn team_item_from(
    team: &TeamId,
    item: Option<Item>,
) -> Result<(Vec<TeamSpace>, Briefs), TableError> {
    let Some(item) = item else {
        return Ok(Default::default());
    };
    let mut out = Vec::new();
    let mut briefs = Briefs::new();
    for (attr, value) in item.iter() {
        if let Some(id) = attr.strip_prefix(keys::SPACE_BRIEF_ATTR_PREFIX) {
            let space_id = SpaceId::new(id)
                .map_err(|_| TableError::Invalid(format!("bad space id in attribute {attr}")))?;
            // A brief this code cannot read (written by a newer release
            // during a deploy) is as good as missing: the command reads
            // the space itself instead of failing the whole team.
            match serde_dynamo::from_attribute_value::<_, SpaceBrief>(value.clone()) {
                Ok(brief) => {
                    briefs.insert(space_id, brief);
                }
                Err(e) => {
                    tracing::warn!(space_id = %space_id, error = %e, "space brief not readable; ignored");
                }
            }
            continue;
        }
        let Some(id) = attr.strip_prefix(keys::TEAM_SPACE_ATTR_PREFIX) else {
            continue;
        };
        let space_id = SpaceId::new(id)
            .map_err(|_| TableError::Invalid(format!("bad space id in attribute {attr}")))?;
        let entry: TeamEntry = serde_dynamo::from_attribute_value(value.clone()).map_err(|e| {
            TableError::Invalid(format!(
                "team space {space_id} does not match its record: {e}"
            ))
        })?;
        out.push(TeamSpace {
            team_id: team.clone(),
            space_id,
            space_name: entry.space_name,
            created_at: entry.created_at,
            connected: entry.connected,
        });
    }
    out.sort_by(|a, b| (a.created_at, &a.space_id).cmp(&(b.created_at, &b.space_id)));
    // A brief outlives nothing: only mapped spaces keep one.
    briefs.retain(|id, _| out.iter().any(|ts| ts.space_id == *id));
    Ok((out, briefs))
}

/// A space and its rooms from one [`keys::space_with_rooms`] query's items.
fn space_and_rooms(items: Vec<Item>) -> Result<(Option<Space>, Vec<Room>), TableError> {
    let mut space = None;
    let mut rooms = Vec::with_capacity(items.len());
    for item in items {
        let is_room = crate::table::str_attr(&item, crate::table::SK)
            .is_some_and(|sk| sk.starts_with(keys::ROOM_PREFIX));
        if is_room {
            rooms.push(from_item(item)?);
        } else {
            space = Some(from_item(item)?);
        }
    }
    Ok((space, rooms))
}

#[derive(Debug, thiserror::Error)]
pub enum SpacesError {
    #[error("no space {0}")]
    NoSuchSpace(SpaceId),
    #[error("a space's name must be 1-80 characters")]
    BadName,
    #[error("a room's capacity must be 1-1000")]
    BadCapacity,
    #[error("no room {0} in this space")]
    NoSuchRoom(RoomId),
    #[error("a guest limit must be at most 10000")]
    BadGuestLimit,
    #[error("the space changed while it was being updated; try again")]
    Conflict,
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The space's attribute raised by every change its brief shows.
const VERSION: &str = "version";

/// Reads of a space before its brief's write is given up as contended.
const BRIEF_ATTEMPTS: usize = 4;

/// Waits a little before another attempt at a contended write: 10, 20,
/// 40 ms, with jitter so that two writers part.
async fn contended(attempt: usize) {
    let base = 10u64 << attempt.min(4);
    let jitter = u64::from(rand_byte()) % base.max(1);
    tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
}

fn rand_byte() -> u8 {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    b[0]
}

/// The condition bound that holds while the space's version is still the
/// one read.
fn version_bound(space: &Space) -> i64 {
    i64::try_from(space.version).unwrap_or(i64::MAX - 1) + 1
}

#[derive(Clone)]
pub struct Spaces {
    table: SharedTable,
    clock: SharedClock,
}

fn check_name(name: &str) -> Result<String, SpacesError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(SpacesError::BadName);
    }
    Ok(name.to_owned())
}

impl Spaces {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    pub async fn create(
        &self,
        name: &str,
        created_by: Option<OfficeUserId>,
    ) -> Result<Space, SpacesError> {
        let space = Space {
            id: SpaceId::new(new_ordered_id()).expect("uuids are valid ids"),
            name: check_name(name)?,
            created_at: self.clock.now_millis(),
            created_by,
            team_id: None,
            connected: false,
            require_invitation: false,
            auto_prompt: false,
            guest_limit: 0,
            guest_count: 0,
            version: 0,
            call_mention: CallMention::default(),
        };
        let item = record_item(&keys::space(&space.id), &space)?;
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(space)
    }

    pub async fn get(&self, id: &SpaceId) -> Result<Option<Space>, SpacesError> {
        match self.table.get(&keys::space(id)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(from_item(item)?)),
        }
    }

    pub async fn add_room(
        &self,
        space: &SpaceId,
        name: &str,
        capacity: u32,
    ) -> Result<Room, SpacesError> {
        if !(1..=1000).contains(&capacity) {
            return Err(SpacesError::BadCapacity);
        }
        let room = Room {
            space_id: space.clone(),
            id: RoomId::new(new_ordered_id()).expect("uuids are valid ids"),
            name: check_name(name)?,
            capacity,
            created_at: self.clock.now_millis(),
            occupants: Vec::new(),
        };
        let item = record_item(&keys::room(space, &room.id), &room)?;
        let result = self
            .table
            .transact(vec![
                Write::Update {
                    key: keys::space(space),
                    update: Update::default().add(VERSION, 1),
                    condition: Some(Condition::Exists),
                },
                Write::Put {
                    item,
                    condition: Some(Condition::NotExists),
                },
            ])
            .await;
        match result {
            Ok(()) => {}
            Err(TableError::TransactionConflict { failed }) if failed.contains(&0) => {
                return Err(SpacesError::NoSuchSpace(space.clone()));
            }
            Err(e) => return Err(e.into()),
        }
        self.refresh_brief(space).await?;
        Ok(room)
    }

    /// Every room of a space, in creation order.
    pub async fn rooms(&self, space: &SpaceId) -> Result<Vec<Room>, SpacesError> {
        Ok(all_records(
            self.table.as_ref(),
            Query::partition(keys::space_pk(space))
                .prefix(keys::ROOM_PREFIX)
                .limit(200),
        )
        .await?)
    }

    pub async fn update_settings(
        &self,
        space: &SpaceId,
        change: &SettingsChange,
    ) -> Result<Space, SpacesError> {
        let mut update = Update::default();
        if let Some(on) = change.require_invitation {
            update = update.set("require_invitation", Value::Bool(on));
        }
        if let Some(on) = change.auto_prompt {
            update = update.set("auto_prompt", Value::Bool(on));
        }
        if let Some(mention) = change.call_mention {
            update = update
                .set("call_mention", s(mention.as_str()))
                .add(VERSION, 1);
        }
        if let Some(limit) = change.guest_limit {
            if limit > 10_000 {
                return Err(SpacesError::BadGuestLimit);
            }
            update = update.set("guest_limit", n(i64::from(limit)));
        }
        if update.is_empty() {
            return self
                .get(space)
                .await?
                .ok_or_else(|| SpacesError::NoSuchSpace(space.clone()));
        }
        let updated: Space = match self
            .table
            .update(&keys::space(space), update, Some(Condition::Exists))
            .await
        {
            Ok(item) => from_item(item)?,
            Err(TableError::ConditionFailed) => {
                return Err(SpacesError::NoSuchSpace(space.clone()));
            }
            Err(e) => return Err(e.into()),
        };
        if change.call_mention.is_some() {
            self.refresh_brief(space).await?;
        }
        Ok(updated)
    }

    pub async fn room(&self, space: &SpaceId, room: &RoomId) -> Result<Option<Room>, SpacesError> {
        match self.table.get(&keys::room(space, room)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(from_item(item)?)),
        }
    }

    /// Renames a room and/or changes its capacity.
    pub async fn update_room(
        &self,
        space: &SpaceId,
        room: &RoomId,
        name: Option<&str>,
        capacity: Option<u32>,
    ) -> Result<Room, SpacesError> {
        let mut update = Update::default();
        if let Some(name) = name {
            update = update.set("name", s(check_name(name)?));
        }
        if let Some(capacity) = capacity {
            if !(1..=1000).contains(&capacity) {
                return Err(SpacesError::BadCapacity);
            }
            update = update.set("capacity", n(i64::from(capacity)));
        }
        if update.is_empty() {
            return self
                .room(space, room)
                .await?
                .ok_or_else(|| SpacesError::NoSuchRoom(room.clone()));
        }
        let updated: Room = match self
            .table
            .update(&keys::room(space, room), update, Some(Condition::Exists))
            .await
        {
            Ok(item) => from_item(item)?,
            Err(TableError::ConditionFailed) => return Err(SpacesError::NoSuchRoom(room.clone())),
            Err(e) => return Err(e.into()),
        };
        self.rooms_changed(space).await?;
        Ok(updated)
    }

    pub async fn delete_room(&self, space: &SpaceId, room: &RoomId) -> Result<Room, SpacesError> {
        let deleted: Room = match self
            .table
            .delete(&keys::room(space, room), Some(Condition::Exists))
            .await
        {
            Ok(Some(item)) => from_item(item)?,
            Ok(None) | Err(TableError::ConditionFailed) => {
                return Err(SpacesError::NoSuchRoom(room.clone()));
            }
            Err(e) => return Err(e.into()),
        };
        self.rooms_changed(space).await?;
        Ok(deleted)
    }

    /// Records who is in which room, as a snapshot of the whole space: rooms
    /// not named are empty. Unknown rooms are refused before anything is
    /// written.
    pub async fn set_presence(
        &self,
        space: &SpaceId,
        occupancy: &std::collections::BTreeMap<RoomId, Vec<OfficeUserId>>,
    ) -> Result<Vec<Room>, SpacesError> {
        let (read, rooms) = self.with_rooms(space).await?;
        if let Some(unknown) = occupancy
            .keys()
            .find(|id| !rooms.iter().any(|r| &r.id == *id))
        {
            return Err(SpacesError::NoSuchRoom(unknown.clone()));
        }
        let mut changed = Vec::new();
        let mut result = Vec::with_capacity(rooms.len());
        for mut room in rooms {
            let mut now_in = occupancy.get(&room.id).cloned().unwrap_or_default();
            now_in.sort();
            now_in.dedup();
            if now_in != room.occupants {
                let list = now_in.iter().map(|u| s(u.as_str())).collect();
                changed.push(Write::Update {
                    key: keys::room(space, &room.id),
                    update: Update::default().set("occupants", Value::L(list)),
                    condition: Some(Condition::Exists),
                });
                room.occupants = now_in;
            }
            result.push(room);
        }
        // A transaction holds at most 25 writes; each chunk is atomic.
        for chunk in changed.chunks(25) {
            self.table
                .transact(chunk.to_vec())
                .await
                .map_err(|e| match e {
                    TableError::TransactionConflict { .. } => SpacesError::Conflict,
                    e => e.into(),
                })?;
        }
        if !changed.is_empty() {
            self.rooms_changed(space).await?;
        } else if let Some(read) = read {
            // Nothing changed, but a brief left behind by a failed rewrite
            // (or never written: a space mapped before briefs existed) is
            // mended by the office's next snapshot.
            self.mend_brief(&read).await?;
        }
        Ok(result)
    }

    /// Rewrites a mapped space's brief if it is missing or older than the
    /// space: one read of the team's item, and a rewrite only when needed.
    pub async fn mend_brief(&self, space: &Space) -> Result<(), SpacesError> {
        let Some(team) = &space.team_id else {
            return Ok(());
        };
        let item = self.table.get(&keys::team_spaces(team)).await?;
        let (_, briefs) = team_item_from(team, item)?;
        match briefs.get(&space.id) {
            Some(b) if b.version >= space.version => Ok(()),
            _ => self.refresh_brief(&space.id).await,
        }
    }

    /// After a change to a space's rooms: raises the space's version (a
    /// brief read before it is refused), then rewrites the brief.
    async fn rooms_changed(&self, space: &SpaceId) -> Result<(), SpacesError> {
        match self
            .table
            .update(
                &keys::space(space),
                Update::default().add(VERSION, 1),
                Some(Condition::Exists),
            )
            .await
        {
            Ok(_) => self.refresh_brief(space).await,
            // The space went away meanwhile: no brief to keep.
            Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Rewrites a mapped space's brief on its team's item from the space's
    /// own items, as one read of them and one transaction that holds only
    /// if the space is still mapped to that team and its version has not
    /// moved since the read (versions only grow, so "not above what was
    /// read" is "unchanged"). A refused write reads again.
    pub async fn refresh_brief(&self, space_id: &SpaceId) -> Result<(), SpacesError> {
        for attempt in 0..BRIEF_ATTEMPTS {
            let (space, rooms) = self.with_rooms(space_id).await?;
            let Some(space) = space else { return Ok(()) };
            let Some(team) = space.team_id.clone() else {
                return Ok(());
            };
            let brief = SpaceBrief::of(&space, &rooms);
            let result = self
                .table
                .transact(vec![
                    Write::Check {
                        key: keys::space(space_id),
                        condition: Condition::All(vec![
                            Condition::Equals("team_id".into(), s(team.as_str())),
                            Condition::Below(VERSION.into(), version_bound(&space)),
                        ]),
                    },
                    Write::Update {
                        key: keys::team_spaces(&team),
                        update: Update::default()
                            .set(keys::space_brief_attr(space_id), brief.value()?),
                        condition: None,
                    },
                ])
                .await;
            match result {
                Ok(()) => return Ok(()),
                // The space changed since the read (its condition failed),
                // or another transaction was writing the team's item at
                // the same moment (DynamoDB cancels one of them, which the
                // adapter reports as unavailable): read again, a little
                // later.
                Err(TableError::TransactionConflict { .. } | TableError::Unavailable(_))
                    if attempt + 1 < BRIEF_ATTEMPTS =>
                {
                    contended(attempt).await;
                }
                Err(TableError::TransactionConflict { .. }) => break,
                Err(e) => return Err(e.into()),
            }
        }
        Err(SpacesError::Conflict)
    }

    /// The room to send people to: the largest empty one, else the least
    /// full.
    pub async fn choose_room(&self, space: &SpaceId) -> Result<RoomChoice<Room>, SpacesError> {
        Ok(choose(self.rooms(space).await?))
    }

    /// A space (`None`: no such space) and every room of it, in creation
    /// order, read together: one request for up to 199 rooms.
    pub async fn with_rooms(
        &self,
        space: &SpaceId,
    ) -> Result<(Option<Space>, Vec<Room>), SpacesError> {
        let query = keys::space_with_rooms(space).limit(200);
        let mut items = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().after(cursor)).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(space_and_rooms(items)?),
            }
        }
    }

    /// Maps a space to a team whose app installation is active, replacing
    /// any earlier mapping of that space ("sign in to another workspace").
    /// Returns the team it was mapped to.
    pub async fn connect(
        &self,
        space_id: &SpaceId,
        team: &TeamId,
    ) -> Result<Option<TeamId>, SpacesError> {
        self.map_to_team(space_id, team, true).await
    }

    /// Maps a space to a team; `connected` says whether the team's
    /// installation is active (a space made by Sign in with Slack is mapped
    /// before anyone installed the app).
    pub async fn map_to_team(
        &self,
        space_id: &SpaceId,
        team: &TeamId,
        connected: bool,
    ) -> Result<Option<TeamId>, SpacesError> {
        // A room change or presence snapshot between the read and the
        // write moves the space's version: read again rather than fail the
        // install or sign-in that is connecting it.
        for attempt in 0..BRIEF_ATTEMPTS {
            match self.map_to_team_once(space_id, team, connected).await {
                Err(SpacesError::Conflict) if attempt + 1 < BRIEF_ATTEMPTS => {
                    contended(attempt).await;
                }
                other => return other,
            }
        }
        Err(SpacesError::Conflict)
    }

    async fn map_to_team_once(
        &self,
        space_id: &SpaceId,
        team: &TeamId,
        connected: bool,
    ) -> Result<Option<TeamId>, SpacesError> {
        let (space, rooms) = self.with_rooms(space_id).await?;
        let space = space.ok_or_else(|| SpacesError::NoSuchSpace(space_id.clone()))?;
        let brief = SpaceBrief::of(&space, &rooms);
        let mapping = TeamSpace {
            team_id: team.clone(),
            space_id: space.id.clone(),
            space_name: space.name.clone(),
            created_at: space.created_at,
            connected,
        };
        let mut writes = vec![
            Write::Update {
                key: keys::space(space_id),
                update: Update::default()
                    .set("team_id", s(team.as_str()))
                    .set("connected", Value::Bool(connected)),
                // Guards against a concurrent connect to a third team leaving
                // two mapping items behind, and against a room change since
                // the read leaving the new team a stale brief.
                condition: Some(Condition::All(vec![
                    match &space.team_id {
                        Some(old) => Condition::Equals("team_id".into(), s(old.as_str())),
                        None => Condition::All(vec![
                            Condition::Exists,
                            Condition::AttrMissing("team_id".into()),
                        ]),
                    },
                    Condition::Below(VERSION.into(), version_bound(&space)),
                ])),
            },
            Write::Update {
                key: keys::team_spaces(team),
                update: Update::default()
                    .set(keys::team_space_attr(space_id), mapping.entry()?)
                    .set(keys::space_brief_attr(space_id), brief.value()?),
                condition: None,
            },
        ];
        if let Some(old) = space.team_id.as_ref().filter(|old| *old != team) {
            writes.push(Write::Update {
                key: keys::team_spaces(old),
                update: Update::default()
                    .remove(keys::team_space_attr(space_id))
                    .remove(keys::space_brief_attr(space_id)),
                condition: None,
            });
        }
        match self.table.transact(writes).await {
            Ok(()) => Ok(space.team_id),
            Err(TableError::TransactionConflict { .. }) => Err(SpacesError::Conflict),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes a space's mapping; the space and its rooms stay.
    pub async fn disconnect(&self, space_id: &SpaceId) -> Result<Option<TeamId>, SpacesError> {
        let space = self
            .get(space_id)
            .await?
            .ok_or_else(|| SpacesError::NoSuchSpace(space_id.clone()))?;
        let Some(team) = space.team_id.clone() else {
            return Ok(None);
        };
        let result = self
            .table
            .transact(vec![
                Write::Update {
                    key: keys::space(space_id),
                    update: Update::default()
                        .remove("team_id")
                        .set("connected", Value::Bool(false)),
                    condition: Some(Condition::Equals("team_id".into(), s(team.as_str()))),
                },
                Write::Update {
                    key: keys::team_spaces(&team),
                    update: Update::default()
                        .remove(keys::team_space_attr(space_id))
                        .remove(keys::space_brief_attr(space_id)),
                    condition: None,
                },
            ])
            .await;
        match result {
            Ok(()) => Ok(Some(team)),
            Err(TableError::TransactionConflict { .. }) => Err(SpacesError::Conflict),
            Err(e) => Err(e.into()),
        }
    }

    /// The team's spaces, oldest first. The first one is the default.
    pub async fn for_team(&self, team: &TeamId) -> Result<Vec<TeamSpace>, SpacesError> {
        let item = self.table.get(&keys::team_spaces(team)).await?;
        Ok(team_spaces_from(team, item)?)
    }

    /// The team's oldest space, which commands use when nothing else routes.
    pub async fn default_for_team(&self, team: &TeamId) -> Result<Option<TeamSpace>, SpacesError> {
        Ok(self.for_team(team).await?.into_iter().next())
    }

    /// Marks one of a team's spaces connected or not, on the space and on
    /// the team's entry for it. The space's condition (still mapped to this
    /// team) guards both: they change together, so when it holds the entry
    /// exists.
    fn mark(
        &self,
        team: &TeamId,
        ts: &TeamSpace,
        connected: bool,
    ) -> Result<Vec<Write>, TableError> {
        let entry = TeamSpace {
            connected,
            ..ts.clone()
        };
        Ok(vec![
            Write::Update {
                key: keys::team_spaces(team),
                update: Update::default().set(keys::team_space_attr(&ts.space_id), entry.entry()?),
                condition: None,
            },
            Write::Update {
                key: keys::space(&ts.space_id),
                update: Update::default().set("connected", Value::Bool(connected)),
                condition: Some(Condition::Equals("team_id".into(), s(team.as_str()))),
            },
        ])
    }

    /// Marks every space mapped to a team connected again (a reinstall).
    pub async fn mark_team_connected(&self, team: &TeamId) -> Result<usize, SpacesError> {
        let mut changed = 0;
        for ts in self.for_team(team).await?.iter().filter(|ts| !ts.connected) {
            let result = self.table.transact(self.mark(team, ts, true)?).await;
            match result {
                Ok(()) => changed += 1,
                Err(TableError::TransactionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(changed)
    }

    /// Marks every space of a team disconnected (the install is gone) while
    /// keeping the mapping, so a reinstall of the same team reconnects them.
    pub async fn mark_team_disconnected(&self, team: &TeamId) -> Result<usize, SpacesError> {
        let spaces = self.for_team(team).await?;
        let mut changed = 0;
        for ts in spaces.iter().filter(|ts| ts.connected) {
            self.table
                .transact(self.mark(team, ts, false)?)
                .await
                .or_else(|e| match e {
                    // Remapped or disconnected meanwhile: nothing to mark.
                    TableError::TransactionConflict { .. } => Ok(()),
                    e => Err(e),
                })?;
            changed += 1;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str, capacity: u32, created_at: i64, people: usize) -> Room {
        Room {
            space_id: SpaceId::new("s").unwrap(),
            id: RoomId::new(name).unwrap(),
            name: name.into(),
            capacity,
            created_at,
            occupants: (0..people)
                .map(|i| OfficeUserId::new(format!("u{i}")).unwrap())
                .collect(),
        }
    }

    #[test]
    fn the_largest_empty_room_wins() {
        let choice = choose(vec![
            room("small", 4, 1, 0),
            room("big-busy", 50, 2, 3),
            room("big", 20, 3, 0),
            room("big-newer", 20, 4, 0),
        ]);
        assert!(matches!(choice, RoomChoice::Empty(r) if r.name == "big"));
    }

    #[test]
    fn with_no_empty_room_the_least_full_is_offered() {
        let choice = choose(vec![
            room("a", 4, 1, 3),
            room("b", 10, 2, 3),
            room("c", 2, 3, 1),
        ]);
        assert!(matches!(choice, RoomChoice::LeastFull(r) if r.name == "b"));
        assert_eq!(choose(Vec::<Room>::new()), RoomChoice::NoRooms);
    }
}
