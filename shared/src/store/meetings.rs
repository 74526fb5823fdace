//! Meetings called from Slack: `/hallway` (a channel call, DM invites, a
//! channel mapped to a room) sends people to a room; the meeting starts when
//! someone is there and ends when the room empties again, and then its
//! summary goes back to the conversation where it was called.
//!
//! One record per room, fed by the office's presence snapshots. A call into
//! a room where a meeting is already going on joins that meeting (the first
//! caller's conversation gets the summary); a call nobody answers expires
//! after a day. Ending deletes the record under a condition, so two
//! snapshots racing produce one summary.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{ChannelId, OfficeUserId, RoomId, SpaceId, TeamId, UserId};
use crate::keys;
use crate::store::spaces::Room;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, Value, all_records, from_item, n,
    record_item, s,
};

/// A call nobody answered is forgotten after this long.
pub const MEETING_TTL_SECS: i64 = 24 * 3600;
/// A meeting going on is kept this long after the last change seen (a room
/// whose presence stops being reported does not linger for ever).
pub const RUNNING_TTL_SECS: i64 = 7 * 24 * 3600;
/// At most this many people are remembered as having joined.
pub const MAX_JOINED: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub space_id: SpaceId,
    pub room_id: RoomId,
    pub team_id: TeamId,
    /// Where it was called: the summary goes here.
    pub channel_id: ChannelId,
    /// Who called it.
    pub called_by: Option<UserId>,
    /// Called in a DM (where the app cannot post): the summary goes to the
    /// caller's DM with the app instead.
    #[serde(default)]
    pub direct: bool,
    pub called_at: i64,
    /// When someone was first seen in the room after the call.
    pub started_at: Option<i64>,
    /// Everyone seen in the room while it went on, in order of arrival.
    #[serde(default)]
    pub joined: Vec<OfficeUserId>,
    /// The Slack Call (`R…`) registered for it, whose card shows who is in
    /// the room (docs.slack.dev/apis/web-api/using-the-calls-api).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_call_id: Option<String>,
    /// The office people that Call lists as participants, as of the last
    /// snapshot applied to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_present: Vec<OfficeUserId>,
    pub ttl: i64,
}

impl Meeting {
    /// Its Slack Call lists other people than `occupants`: the card needs
    /// its participants brought up to date.
    pub fn call_is_stale(&self, occupants: &[OfficeUserId]) -> bool {
        self.slack_call_id.is_some()
            && (self.call_present.len() != occupants.len()
                || occupants.iter().any(|o| !self.call_present.contains(o)))
    }

    /// How long it went on, from the first arrival to `ended_at`.
    pub fn duration_secs(&self, ended_at: i64) -> i64 {
        self.started_at.map_or(0, |s| (ended_at - s).max(0))
    }
}

/// A call into a room: where and by whom.
#[derive(Debug, Clone)]
pub struct Call {
    pub space_id: SpaceId,
    pub room_id: RoomId,
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    pub called_by: Option<UserId>,
    /// Called in a DM (Slack's `channel_name` says `directmessage`).
    pub direct: bool,
}

fn people(users: &[OfficeUserId]) -> Value {
    Value::L(users.iter().map(|u| s(u.as_str())).collect())
}

#[derive(Clone)]
pub struct Meetings {
    table: SharedTable,
    clock: SharedClock,
}

impl Meetings {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Records a call; `false` when a meeting is already going on in the
    /// room (the call joins it). A call into a room whose earlier call was
    /// not answered yet replaces it, keeping its Slack Call (one card per
    /// room, never one left running).
    pub async fn call(&self, c: &Call) -> Result<bool, TableError> {
        // A Call attached between the read and the write must not be
        // wiped: the write is conditional on the Call read, and read again.
        for _ in 0..3 {
            let earlier = self.get(&c.space_id, &c.room_id).await?;
            if earlier.as_ref().is_some_and(|m| m.started_at.is_some()) {
                return Ok(false);
            }
            match self.call_over(c, earlier).await {
                Err(TableError::ConditionFailed) => continue,
                other => return other,
            }
        }
        Ok(false)
    }

    async fn call_over(&self, c: &Call, earlier: Option<Meeting>) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        let (slack_call_id, call_present) = earlier
            .map(|m| (m.slack_call_id, m.call_present))
            .unwrap_or_default();
        let same_call = match &slack_call_id {
            Some(id) => Condition::Equals("slack_call_id".into(), s(id)),
            None => Condition::AttrMissing("slack_call_id".into()),
        };
        let meeting = Meeting {
            space_id: c.space_id.clone(),
            room_id: c.room_id.clone(),
            team_id: c.team_id.clone(),
            channel_id: c.channel_id.clone(),
            called_by: c.called_by.clone(),
            direct: c.direct,
            called_at: now,
            started_at: None,
            joined: Vec::new(),
            slack_call_id,
            call_present,
            ttl: now + MEETING_TTL_SECS,
        };
        let item = record_item(&keys::meeting(&c.space_id, &c.room_id), &meeting)?;
        let cond = Condition::All(vec![Condition::AttrMissing("started_at".into()), same_call]);
        self.table.put(item, Some(cond)).await.map(|()| true)
    }

    pub async fn get(&self, space: &SpaceId, room: &RoomId) -> Result<Option<Meeting>, TableError> {
        self.table
            .get(&keys::meeting(space, room))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Gives the room's meeting Slack Call `call_id` (listing `present`)
    /// unless it has one. Returns the meeting's call after: `call_id`, or
    /// the one another worker attached first (the caller then ends its
    /// own); `None` when the meeting is gone.
    pub async fn attach_call(
        &self,
        space: &SpaceId,
        room: &RoomId,
        call_id: &str,
        present: &[OfficeUserId],
    ) -> Result<Option<String>, TableError> {
        let key = keys::meeting(space, room);
        let update = Update::default()
            .set("slack_call_id", s(call_id))
            .set("call_present", people(present));
        let cond = Condition::All(vec![
            Condition::Exists,
            Condition::AttrMissing("slack_call_id".into()),
        ]);
        match self.table.update(&key, update, Some(cond)).await {
            Ok(_) => Ok(Some(call_id.to_owned())),
            Err(TableError::ConditionFailed) => {
                Ok(self.get(space, room).await?.and_then(|m| m.slack_call_id))
            }
            Err(e) => Err(e),
        }
    }

    /// Records who Slack Call `call_id` lists now; a meeting that ended or
    /// has another Call is left alone.
    pub async fn set_call_present(
        &self,
        space: &SpaceId,
        room: &RoomId,
        call_id: &str,
        present: &[OfficeUserId],
    ) -> Result<(), TableError> {
        let key = keys::meeting(space, room);
        let update = Update::default().set("call_present", people(present));
        let cond = Condition::Equals("slack_call_id".into(), s(call_id));
        match self.table.update(&key, update, Some(cond)).await {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Forgets Slack Call `call_id` (ended) if the meeting still has it, so
    /// the next call into the room registers a new one.
    pub async fn forget_call(
        &self,
        space: &SpaceId,
        room: &RoomId,
        call_id: &str,
    ) -> Result<(), TableError> {
        let key = keys::meeting(space, room);
        let update = Update::default()
            .remove("slack_call_id")
            .remove("call_present");
        let cond = Condition::Equals("slack_call_id".into(), s(call_id));
        match self.table.update(&key, update, Some(cond)).await {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A space's meetings, called or going on.
    pub async fn open(&self, space: &SpaceId) -> Result<Vec<Meeting>, TableError> {
        all_records(
            self.table.as_ref(),
            Query::partition(keys::space_pk(space))
                .prefix(keys::MEETING_PREFIX)
                .limit(200),
        )
        .await
    }

    /// Puts back a meeting that ended but whose summary could not be
    /// queued, so the next snapshot of the empty room ends it again.
    pub async fn restore(&self, m: &Meeting) -> Result<(), TableError> {
        let item = record_item(&keys::meeting(&m.space_id, &m.room_id), m)?;
        self.table.put(item, Some(Condition::NotExists)).await
    }

    /// Applies a presence snapshot of the space's rooms to its meetings:
    /// occupied rooms start theirs (or add who arrived); a started meeting
    /// whose room is empty ends. Returns the meetings that ended, each
    /// once, with the time they ended, and those whose Slack Call lists
    /// other people than the room holds now.
    pub async fn observe(&self, space: &SpaceId, rooms: &[Room]) -> Result<Observed, TableError> {
        let now = self.clock.now_secs();
        let mut ended = Vec::new();
        let mut stale = Vec::new();
        for m in self.open(space).await? {
            let Some(room) = rooms.iter().find(|r| r.id == m.room_id) else {
                continue;
            };
            if !room.occupants.is_empty() && m.call_is_stale(&room.occupants) {
                stale.push(m.clone());
            }
            let key = keys::meeting(space, &m.room_id);
            if room.occupants.is_empty() {
                if m.started_at.is_none() {
                    continue;
                }
                // Only the snapshot that removes it reports it.
                match self.table.delete(&key, Some(Condition::Exists)).await {
                    Ok(Some(item)) => ended.push((from_item(item)?, now)),
                    Ok(None) | Err(TableError::ConditionFailed) => {}
                    Err(e) => return Err(e),
                }
                continue;
            }
            let mut joined = m.joined.clone();
            for u in &room.occupants {
                if !joined.contains(u) && joined.len() < MAX_JOINED {
                    joined.push(u.clone());
                }
            }
            if m.started_at.is_some() && joined == m.joined {
                continue;
            }
            let mut update = Update::default()
                .set(
                    "joined",
                    Value::L(joined.iter().map(|u| s(u.as_str())).collect()),
                )
                .set("ttl", n(now + RUNNING_TTL_SECS));
            if m.started_at.is_none() {
                update = update.set("started_at", n(now));
            }
            match self
                .table
                .update(&key, update, Some(Condition::Exists))
                .await
            {
                Ok(_) | Err(TableError::ConditionFailed) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Observed { ended, stale })
    }
}

/// What a presence snapshot did to a space's meetings.
#[derive(Debug, Default)]
pub struct Observed {
    /// Each once, with when it ended.
    pub ended: Vec<(Meeting, i64)>,
    /// Going on, their Slack Call's participants out of date.
    pub stale: Vec<Meeting>,
}
