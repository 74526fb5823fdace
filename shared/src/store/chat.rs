//! Bridged conversations: the Slack DMs of linked people (and DMs to the
//! app), and channel chats (a channel mapped to a room, or one a linked
//! person opened from the office), stored so the office can show them and
//! be told about them.
//!
//! A message is keyed by its conversation and Slack's `ts`, so the same
//! message arriving twice (an event and its retry, or an event echoing a
//! message the office sent) is one item, and history reads in order.
//! Edits carry Slack's `edited.ts`; an edit older than the stored one, or
//! any edit of a deleted message, changes nothing.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{ChannelId, MessageTs, OfficeUserId, TeamId, UserId};
use crate::keys;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, Value, from_item, n, record_item, s,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Arrived through the Events API.
    Slack,
    /// Sent from the office (stored when sent; its event is an echo).
    Office,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    pub ts: MessageTs,
    /// The author (absent for some system messages).
    pub user: Option<UserId>,
    /// Absent when empty: DynamoDB Local refuses empty strings (real
    /// DynamoDB has taken them since 2020), and a message may be all
    /// attachment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    pub thread_ts: Option<MessageTs>,
    /// Slack's `edited.ts` of the latest edit applied.
    pub edited_ts: Option<MessageTs>,
    #[serde(default)]
    pub deleted: bool,
    pub source: Source,
    pub received_at: i64,
    /// `edited_ts` in microseconds, for ordering edits.
    #[serde(default)]
    pub edited_us: i64,
    /// The office was told (or told it need not be): a redelivered event
    /// finding this false tells it again.
    #[serde(default)]
    pub notified: bool,
    /// Files shared with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SharedFile>,
    /// A thread reply also sent to the conversation (`thread_broadcast`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub broadcast: bool,
    /// Sent from the office by this office user (as themselves, or by the
    /// app in their name when they are not linked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_user: Option<OfficeUserId>,
}

impl ChatMessage {
    /// A message the office just sent (as `user` in Slack, or by the app
    /// for someone not linked: no `user`), stored as the office's so the
    /// event Slack sends back for it is known as an echo.
    #[allow(clippy::too_many_arguments)]
    pub fn sent_from_office(
        team: &TeamId,
        channel: &ChannelId,
        ts: MessageTs,
        user: Option<UserId>,
        text: &str,
        thread_ts: Option<MessageTs>,
        broadcast: bool,
        office_user: &OfficeUserId,
        at: i64,
    ) -> Self {
        Self {
            team_id: team.clone(),
            channel_id: channel.clone(),
            ts,
            user,
            text: text.to_owned(),
            thread_ts,
            edited_ts: None,
            deleted: false,
            source: Source::Office,
            received_at: at,
            edited_us: 0,
            notified: true,
            files: Vec::new(),
            broadcast,
            office_user: Some(office_user.clone()),
        }
    }
}

/// A file shared in a message: what the office needs to show and link it.
/// Slack Connect events carry only the id (`file_access:
/// "check_file_info"`); the rest comes from `files.info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mimetype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// Only the id came: ask `files.info`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_file_info: bool,
}

impl SharedFile {
    /// Reads a file object of a message (or `files.info`'s `file`);
    /// `None` without an id.
    pub fn from_slack(v: &serde_json::Value) -> Option<Self> {
        let text = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Some(Self {
            id: text("id")?,
            name: text("name"),
            title: text("title"),
            mimetype: text("mimetype"),
            permalink: text("permalink"),
            check_file_info: text("file_access").as_deref() == Some("check_file_info"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// A person and the app.
    App,
    /// Two people, at least one of them linked.
    People,
    /// A channel: the chat of the room it is mapped to, or one a linked
    /// person opened from the office (`office_users` follow it).
    Channel,
}

/// Why a channel chat no longer reaches the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// The room's mapping was removed.
    Unmapped,
    /// The channel was archived.
    Archived,
    /// The channel was deleted.
    Deleted,
    /// The app's bot user was removed from the channel.
    Removed,
    #[serde(other)]
    Unknown,
}

impl Stopped {
    pub fn as_str(self) -> &'static str {
        match self {
            Stopped::Unmapped => "unmapped",
            Stopped::Archived => "archived",
            Stopped::Deleted => "deleted",
            Stopped::Removed => "removed",
            Stopped::Unknown => "unknown",
        }
    }
}

/// Who a DM conversation is between, and which office users see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    pub kind: ConversationKind,
    /// The Slack people in it (the app's bot user is not listed).
    pub members: Vec<UserId>,
    /// Office users linked to members, whose office shows it.
    pub office_users: Vec<OfficeUserId>,
    pub updated_at: i64,
    /// When Slack's history of it was last read for the newest messages.
    #[serde(default)]
    pub history_fetched_at: i64,
    /// Slack's history has been read back to its first message.
    #[serde(default)]
    pub history_complete: bool,
    /// A channel's name, as last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A channel chat that stopped, and why; messages are no longer
    /// bridged until it is mapped or opened again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// Bumped by every change of a channel chat, so a change read before
    /// another one landed is made again on the newer state, never over it.
    #[serde(default)]
    pub version: i64,
}

impl Conversation {
    pub fn new(
        team: &TeamId,
        channel: &ChannelId,
        kind: ConversationKind,
        members: Vec<UserId>,
        office_users: Vec<OfficeUserId>,
    ) -> Self {
        Self {
            team_id: team.clone(),
            channel_id: channel.clone(),
            kind,
            members,
            office_users,
            updated_at: 0,
            history_fetched_at: 0,
            history_complete: false,
            name: None,
            stopped: None,
            version: 0,
        }
    }

    /// A channel's chat, followed by `office_users`.
    pub fn channel(
        team: &TeamId,
        channel: &ChannelId,
        name: Option<&str>,
        office_users: Vec<OfficeUserId>,
    ) -> Self {
        Self {
            name: name.map(str::to_owned),
            ..Self::new(
                team,
                channel,
                ConversationKind::Channel,
                Vec::new(),
                office_users,
            )
        }
    }

    /// A channel chat that messages still reach the office through.
    pub fn is_live_channel(&self) -> bool {
        self.kind == ConversationKind::Channel && self.stopped.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// Stored before (a retry, or the echo of an office send).
    Known(Box<ChatMessage>),
}

/// Slack's `ts` as microseconds (`1732435200.000100` → 1732435200000100).
pub fn ts_micros(ts: &MessageTs) -> i64 {
    let (secs, frac) = ts.as_str().split_once('.').unwrap_or((ts.as_str(), "0"));
    let secs: i64 = secs.parse().unwrap_or(0);
    let frac: i64 = format!("{frac:0<6}")[..6].parse().unwrap_or(0);
    secs.saturating_mul(1_000_000).saturating_add(frac)
}

#[derive(Clone)]
pub struct Chat {
    table: SharedTable,
    clock: SharedClock,
}

impl Chat {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Stores a new message; a message stored before is returned as is.
    pub async fn record(&self, message: &ChatMessage) -> Result<Recorded, TableError> {
        let key = keys::chat_message(&message.team_id, &message.channel_id, &message.ts);
        let item = record_item(&key, message)?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(Recorded::New),
            Err(TableError::ConditionFailed) => match self.table.get(&key).await? {
                Some(item) => Ok(Recorded::Known(Box::new(from_item(item)?))),
                None => Err(TableError::ConditionFailed),
            },
            Err(e) => Err(e),
        }
    }

    pub async fn mark_notified(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &MessageTs,
    ) -> Result<(), TableError> {
        self.table
            .update(
                &keys::chat_message(team, channel, ts),
                Update::default().set("notified", Value::Bool(true)),
                Some(Condition::Exists),
            )
            .await?;
        Ok(())
    }

    pub async fn message(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &MessageTs,
    ) -> Result<Option<ChatMessage>, TableError> {
        self.table
            .get(&keys::chat_message(team, channel, ts))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Applies an edit; `None` when the message is unknown, deleted, or
    /// already carries this edit or a later one.
    pub async fn edit(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &MessageTs,
        text: &str,
        edited_ts: &MessageTs,
    ) -> Result<Option<ChatMessage>, TableError> {
        let edited_us = ts_micros(edited_ts);
        let update = match text {
            "" => Update::default().remove("text"),
            text => Update::default().set("text", s(text)),
        };
        let update = update
            .set("edited_ts", s(edited_ts.as_str()))
            .set("edited_us", n(edited_us));
        let condition = Condition::All(vec![
            Condition::Exists,
            Condition::Equals("deleted".into(), Value::Bool(false)),
            Condition::Below("edited_us".into(), edited_us),
        ]);
        self.conditional(keys::chat_message(team, channel, ts), update, condition)
            .await
    }

    /// Marks a message deleted and drops its text; `None` when unknown or
    /// deleted before.
    pub async fn delete(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &MessageTs,
    ) -> Result<Option<ChatMessage>, TableError> {
        let update = Update::default()
            .set("deleted", Value::Bool(true))
            .remove("text");
        let condition = Condition::All(vec![
            Condition::Exists,
            Condition::Equals("deleted".into(), Value::Bool(false)),
        ]);
        self.conditional(keys::chat_message(team, channel, ts), update, condition)
            .await
    }

    async fn conditional(
        &self,
        key: crate::table::Key,
        update: Update,
        condition: Condition,
    ) -> Result<Option<ChatMessage>, TableError> {
        match self.table.update(&key, update, Some(condition)).await {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn conversation(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Option<Conversation>, TableError> {
        self.table
            .get(&keys::conversation(team, channel))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Several conversations, in the order asked: one batched read per 100.
    pub async fn conversations(
        &self,
        team: &TeamId,
        channels: &[ChannelId],
    ) -> Result<Vec<Option<Conversation>>, TableError> {
        let mut out = Vec::with_capacity(channels.len());
        for chunk in channels.chunks(100) {
            let keys: Vec<_> = chunk.iter().map(|c| keys::conversation(team, c)).collect();
            for item in self.table.get_many(&keys).await? {
                out.push(item.map(from_item).transpose()?);
            }
        }
        Ok(out)
    }

    /// Stores who a conversation is between, and lets each office user in
    /// it find it by the Slack person on the other side.
    pub async fn remember_conversation(&self, c: &Conversation) -> Result<(), TableError> {
        let mut c = c.clone();
        c.updated_at = self.clock.now_secs();
        let item = record_item(&keys::conversation(&c.team_id, &c.channel_id), &c)?;
        self.table.put(item, None).await?;
        for m in &c.members {
            let index = record_item(
                &keys::conversation_member(&c.team_id, m, &c.channel_id),
                &serde_json::json!({ "channel_id": c.channel_id }),
            )?;
            self.table.put(index, None).await?;
        }
        Ok(())
    }

    /// Deletes every bridged conversation `slack_user` is in: its messages,
    /// who it was between, and each office user's pointer to it. Returns
    /// how many conversations and messages went.
    pub async fn forget_person(
        &self,
        team: &TeamId,
        slack_user: &UserId,
    ) -> Result<(usize, usize), TableError> {
        #[derive(Deserialize)]
        struct Index {
            channel_id: ChannelId,
        }
        let index: Vec<Index> = crate::table::all_records(
            self.table.as_ref(),
            Query::partition(keys::team_pk(team))
                .prefix(keys::conversation_member_prefix(slack_user))
                .limit(1000),
        )
        .await?;
        let (mut conversations, mut messages) = (0, 0);
        for Index { channel_id } in index {
            if let Some(c) = self.conversation(team, &channel_id).await? {
                for ou in &c.office_users {
                    for other in &c.members {
                        self.table
                            .delete(&keys::chat_with(ou, team, other), None)
                            .await?;
                    }
                }
                for m in &c.members {
                    self.table
                        .delete(&keys::conversation_member(team, m, &channel_id), None)
                        .await?;
                }
            }
            // Everything under the conversation: messages and META.
            loop {
                let page = self
                    .table
                    .query(Query::partition(keys::chat_pk(team, &channel_id)).limit(500))
                    .await?;
                if page.items.is_empty() {
                    break;
                }
                for item in &page.items {
                    let k = crate::table::key_of(item)?;
                    if k.sk.starts_with(keys::MESSAGE_PREFIX) {
                        messages += 1;
                    }
                    self.table.delete(&k, None).await?;
                }
            }
            self.table
                .delete(
                    &keys::conversation_member(team, slack_user, &channel_id),
                    None,
                )
                .await?;
            conversations += 1;
        }
        Ok((conversations, messages))
    }

    /// Stored messages of a conversation, newest first, older than
    /// `before` when given.
    pub async fn history(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        before: Option<&MessageTs>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>, TableError> {
        let mut query = Query::partition(keys::chat_pk(team, channel))
            .prefix(keys::MESSAGE_PREFIX)
            .limit(limit)
            .descending();
        if let Some(ts) = before {
            query = query.after_sort_key(keys::chat_message(team, channel, ts).sk);
        }
        crate::table::one_page(self.table.as_ref(), query).await
    }

    /// A thread's stored replies, oldest first, after `after` (or from the
    /// start of the thread), at most `limit`, reading at most `scan`
    /// messages of the conversation (replies are stored among the
    /// channel's other messages, in `ts` order). With them, where to go on
    /// from: `None` when the scan reached the conversation's newest message.
    pub async fn thread_replies(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        thread_ts: &MessageTs,
        after: Option<&MessageTs>,
        limit: usize,
        scan: usize,
    ) -> Result<(Vec<ChatMessage>, Option<MessageTs>), TableError> {
        let start = after.unwrap_or(thread_ts);
        let mut query = Query::partition(keys::chat_pk(team, channel))
            .prefix(keys::MESSAGE_PREFIX)
            .limit(200)
            .after_sort_key(keys::chat_message(team, channel, start).sk);
        let (mut found, mut read) = (Vec::new(), 0usize);
        let mut last: Option<MessageTs> = None;
        loop {
            let page = self.table.query(query.clone()).await?;
            for item in page.items {
                read += 1;
                let m: ChatMessage = from_item(item)?;
                last = Some(m.ts.clone());
                if m.thread_ts.as_ref() == Some(thread_ts) && m.ts != *thread_ts {
                    found.push(m);
                    if found.len() >= limit {
                        return Ok((found, last));
                    }
                }
            }
            match page.next {
                Some(next) if read < scan => query = query.after(Some(next)),
                // The scan's budget is spent: go on after what was read.
                Some(_) => return Ok((found, last)),
                None => return Ok((found, None)),
            }
        }
    }

    /// Notes a read of Slack's history: of the newest messages (`newest`),
    /// and whether it reached the conversation's first message.
    pub async fn mark_history_read(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        newest: bool,
        complete: bool,
    ) -> Result<(), TableError> {
        let mut update = Update::default();
        if newest {
            update = update.set("history_fetched_at", n(self.clock.now_secs()));
        }
        if complete {
            update = update.set("history_complete", Value::Bool(true));
        }
        if update.is_empty() {
            return Ok(());
        }
        let update = update.add("version", 1);
        match self
            .table
            .update(
                &keys::conversation(team, channel),
                update,
                Some(Condition::Exists),
            )
            .await
        {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Starts (or restarts) a channel's chat, with `follower` among the
    /// office users who follow it; keeps what was read of its history.
    /// Returns it as stored.
    pub async fn open_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        name: Option<&str>,
        follower: Option<&OfficeUserId>,
    ) -> Result<Conversation, TableError> {
        self.change_channel(team, channel, name, |c| {
            c.stopped = None;
            if let Some(f) = follower
                && !c.office_users.contains(f)
            {
                c.office_users.push(f.clone());
            }
            true
        })
        .await
        .map(|c| c.expect("open_channel always writes"))
    }

    /// Adds `follower` to a channel chat's office users, leaving the rest
    /// (a stopped chat stays stopped).
    pub async fn follow(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        follower: &OfficeUserId,
    ) -> Result<(), TableError> {
        self.change_existing(team, channel, |c| {
            if c.office_users.contains(follower) {
                return false;
            }
            c.office_users.push(follower.clone());
            true
        })
        .await
    }

    /// Takes `follower` off a channel chat (they left the channel).
    pub async fn unfollow(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        follower: &OfficeUserId,
    ) -> Result<(), TableError> {
        self.change_existing(team, channel, |c| {
            let before = c.office_users.len();
            c.office_users.retain(|f| f != follower);
            c.office_users.len() != before
        })
        .await
    }

    /// Records a channel chat's new name.
    pub async fn rename_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        name: &str,
    ) -> Result<(), TableError> {
        self.change_existing(team, channel, |c| {
            c.name = Some(name.to_owned());
            true
        })
        .await
    }

    async fn change_existing(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        change: impl Fn(&mut Conversation) -> bool,
    ) -> Result<(), TableError> {
        for _ in 0..5 {
            let Some(mut c) = self
                .conversation(team, channel)
                .await?
                .filter(|c| c.kind == ConversationKind::Channel)
            else {
                return Ok(());
            };
            if !change(&mut c) {
                return Ok(());
            }
            match self.write_channel(c).await {
                Err(TableError::ConditionFailed) => continue,
                other => return other.map(|_| ()),
            }
        }
        Err(TableError::ConditionFailed)
    }

    /// Reads, changes and writes a channel chat (made when missing), again
    /// from the newer state when another change landed in between.
    async fn change_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        name: Option<&str>,
        change: impl Fn(&mut Conversation) -> bool,
    ) -> Result<Option<Conversation>, TableError> {
        for _ in 0..5 {
            let mut c = match self.conversation(team, channel).await? {
                Some(c) if c.kind == ConversationKind::Channel => c,
                // A DM id is never a channel's; anything else starts anew.
                _ => Conversation::channel(team, channel, name, Vec::new()),
            };
            if let Some(n) = name {
                c.name = Some(n.to_owned());
            }
            if !change(&mut c) {
                return Ok(Some(c));
            }
            match self.write_channel(c).await {
                Err(TableError::ConditionFailed) => continue,
                other => return other.map(Some),
            }
        }
        Err(TableError::ConditionFailed)
    }

    /// Writes a changed channel chat if nobody changed it since it was
    /// read (`version`).
    async fn write_channel(&self, mut c: Conversation) -> Result<Conversation, TableError> {
        let seen = c.version;
        c.version += 1;
        c.updated_at = self.clock.now_secs();
        let item = record_item(&keys::conversation(&c.team_id, &c.channel_id), &c)?;
        let guard = if seen == 0 {
            // New, or written before versions: absent or still unversioned.
            Condition::Below("version".into(), 1)
        } else {
            Condition::Equals("version".into(), n(seen))
        };
        self.table.put(item, Some(guard)).await?;
        Ok(c)
    }

    /// Stops a channel's chat; `None` when it was not a live channel chat
    /// (unknown, a DM, or stopped before), so the office is told once.
    pub async fn stop_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        why: Stopped,
    ) -> Result<Option<Conversation>, TableError> {
        let update = Update::default()
            .set("stopped", s(why.as_str()))
            .add("version", 1);
        let condition = Condition::All(vec![
            Condition::Exists,
            Condition::Equals("kind".into(), s("channel")),
            Condition::AttrMissing("stopped".into()),
        ]);
        match self
            .table
            .update(&keys::conversation(team, channel), update, Some(condition))
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The conversation `office_user` has with the Slack person `other`.
    pub async fn conversation_with(
        &self,
        office_user: &OfficeUserId,
        team: &TeamId,
        other: &UserId,
    ) -> Result<Option<ChannelId>, TableError> {
        #[derive(Deserialize)]
        struct ChatWith {
            channel_id: ChannelId,
        }
        Ok(self
            .table
            .get(&keys::chat_with(office_user, team, other))
            .await?
            .map(from_item::<ChatWith>)
            .transpose()?
            .map(|c| c.channel_id))
    }

    /// Records that `office_user`'s conversation with `other` is `channel`.
    pub async fn link_conversation(
        &self,
        office_user: &OfficeUserId,
        team: &TeamId,
        other: &UserId,
        channel: &ChannelId,
    ) -> Result<(), TableError> {
        #[derive(Serialize)]
        struct ChatWith<'a> {
            channel_id: &'a ChannelId,
        }
        let item = record_item(
            &keys::chat_with(office_user, team, other),
            &ChatWith {
                channel_id: channel,
            },
        )?;
        self.table.put(item, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_orders_as_microseconds() {
        let ts = |v: &str| MessageTs::new(v).unwrap();
        assert_eq!(ts_micros(&ts("1732435200.000100")), 1_732_435_200_000_100);
        assert_eq!(ts_micros(&ts("1732435200.1")), 1_732_435_200_100_000);
        assert_eq!(ts_micros(&ts("1732435200")), 1_732_435_200_000_000);
        assert!(ts_micros(&ts("1732435200.000100")) < ts_micros(&ts("1732435200.000101")));
    }
}
