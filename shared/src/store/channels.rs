//! Slack channels the app knows about: a channel mapped to a room (team
//! channel onboarding), who was welcomed to it, and the bot's DM channel
//! with each person (learnt from the first DM, so later lookups need no
//! Slack call).

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{ChannelId, RoomId, SpaceId, TeamId, UserId};
use crate::keys;
use crate::table::{Condition, Query, SharedTable, TableError, Update, from_item, record_item, s};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRoute {
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    pub space_id: SpaceId,
    pub room_id: RoomId,
    pub channel_name: Option<String>,
    pub mapped_by: Option<UserId>,
    pub mapped_at: i64,
}

#[derive(Serialize, Deserialize)]
struct DmRecord {
    channel_id: ChannelId,
}

#[derive(Clone)]
pub struct Channels {
    table: SharedTable,
    clock: SharedClock,
}

impl Channels {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Maps a channel to a room, replacing an earlier mapping.
    pub async fn map(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        channel_name: Option<&str>,
        space: &SpaceId,
        room: &RoomId,
        by: Option<&UserId>,
    ) -> Result<ChannelRoute, TableError> {
        let route = ChannelRoute {
            team_id: team.clone(),
            channel_id: channel.clone(),
            space_id: space.clone(),
            room_id: room.clone(),
            channel_name: channel_name.map(str::to_owned),
            mapped_by: by.cloned(),
            mapped_at: self.clock.now_secs(),
        };
        let item = record_item(&keys::channel_route(team, channel), &route)?;
        self.table.put(item, None).await?;
        Ok(route)
    }

    pub async fn route(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Option<ChannelRoute>, TableError> {
        self.table
            .get(&keys::channel_route(team, channel))
            .await?
            .map(from_item)
            .transpose()
    }

    /// A channel got a new id (a private channel shared with another
    /// organisation): its mapping moves to the new id, unless the new id is
    /// mapped already. `None` when the old id was not mapped.
    pub async fn move_route(
        &self,
        team: &TeamId,
        old: &ChannelId,
        new: &ChannelId,
    ) -> Result<Option<ChannelRoute>, TableError> {
        let Some(mut route) = self.route(team, old).await? else {
            return Ok(None);
        };
        route.channel_id = new.clone();
        let item = record_item(&keys::channel_route(team, new), &route)?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) | Err(TableError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
        self.table
            .delete(&keys::channel_route(team, old), None)
            .await?;
        Ok(Some(route))
    }

    /// The mappings of several channels, in their order: one batched read
    /// per 100 (DynamoDB's `BatchGetItem` takes at most 100 keys).
    pub async fn routes(
        &self,
        team: &TeamId,
        channels: &[ChannelId],
    ) -> Result<Vec<Option<ChannelRoute>>, TableError> {
        let mut out = Vec::with_capacity(channels.len());
        for chunk in channels.chunks(100) {
            let keys: Vec<_> = chunk.iter().map(|c| keys::channel_route(team, c)).collect();
            for item in self.table.get_many(&keys).await? {
                out.push(item.map(from_item).transpose()?);
            }
        }
        Ok(out)
    }

    /// Removes a channel's mapping; the mapping it had, if any.
    pub async fn unmap(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Option<ChannelRoute>, TableError> {
        self.table
            .delete(&keys::channel_route(team, channel), None)
            .await?
            .map(from_item)
            .transpose()
    }

    /// Records the channel's new name; `None` when the channel is not
    /// mapped.
    pub async fn rename(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        name: &str,
    ) -> Result<Option<ChannelRoute>, TableError> {
        match self
            .table
            .update(
                &keys::channel_route(team, channel),
                Update::default().set("channel_name", s(name)),
                Some(Condition::Exists),
            )
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Takes the right to welcome `user` to `channel`: `true` once per
    /// person and channel, whoever asks.
    pub async fn claim_welcome(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        user: &UserId,
    ) -> Result<bool, TableError> {
        let item = record_item(
            &keys::channel_welcome(team, channel, user),
            &serde_json::json!({ "at": self.clock.now_secs() }),
        )?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the claim back, so a welcome that could not be sent is tried
    /// again.
    pub async fn release_welcome(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        user: &UserId,
    ) -> Result<(), TableError> {
        self.table
            .delete(&keys::channel_welcome(team, channel, user), None)
            .await
            .map(|_| ())
    }

    /// Forgets what channels know of a person: their welcomes and the
    /// bot's DM channel with them. Returns how many records went.
    pub async fn forget_person(&self, team: &TeamId, user: &UserId) -> Result<usize, TableError> {
        let mut gone = 0;
        let suffix = format!("#{user}");
        let mut query = Query::partition(keys::team_pk(team))
            .prefix(keys::WELCOME_PREFIX)
            .limit(1000);
        loop {
            let page = self.table.query(query.clone()).await?;
            for item in &page.items {
                let k = crate::table::key_of(item)?;
                if k.sk.ends_with(&suffix) {
                    self.table.delete(&k, None).await?;
                    gone += 1;
                }
            }
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => break,
            }
        }
        if self
            .table
            .delete(&keys::dm_channel(team, user), None)
            .await?
            .is_some()
        {
            gone += 1;
        }
        Ok(gone)
    }

    pub async fn dm(&self, team: &TeamId, user: &UserId) -> Result<Option<ChannelId>, TableError> {
        Ok(self
            .table
            .get(&keys::dm_channel(team, user))
            .await?
            .map(from_item::<DmRecord>)
            .transpose()?
            .map(|r| r.channel_id))
    }

    pub async fn remember_dm(
        &self,
        team: &TeamId,
        user: &UserId,
        channel: &ChannelId,
    ) -> Result<(), TableError> {
        let item = record_item(
            &keys::dm_channel(team, user),
            &DmRecord {
                channel_id: channel.clone(),
            },
        )?;
        self.table.put(item, None).await
    }
}
