//! Writing to a Slack person from the office and the conversation's history.

use hallway::ids::{ChannelId, MessageTs, OfficeUserId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /api/v1/spaces/{space}/people/{slack_user}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SendMessage {
    /// 1-4000 characters (trimmed).
    pub text: String,
}

/// A message sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageSent {
    /// The DM's channel.
    #[schema(value_type = String)]
    pub channel_id: ChannelId,
    /// The message as stored.
    pub message: Message,
}

/// `GET /api/v1/spaces/{space}/people/{slack_user}/messages` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// `next_cursor` of the previous page: messages older than it.
    pub before: Option<String>,
    /// 1-100, 30 when left out.
    pub limit: Option<u32>,
}

/// A page of a conversation, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct History {
    /// The DM's channel.
    #[schema(value_type = String)]
    pub channel_id: ChannelId,
    /// Who it is with.
    pub with: HistoryPartner,
    /// The page's messages, newest first.
    pub messages: Vec<Message>,
    /// Ask again with `before` set to this for older ones; `null` at the
    /// start of the conversation.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<MessageTs>,
    /// Slack could not be asked: the page may be missing messages.
    pub partial: bool,
    /// Why, when `partial`.
    pub partial_reason: Option<String>,
    /// Seconds after which asking again may fill the gap.
    pub retry_after: Option<i64>,
}

/// The other person of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryPartner {
    /// Their Slack user id.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Their name.
    pub name: String,
}

/// A message of a DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    /// Slack's timestamp: the message's id in its channel.
    #[schema(value_type = String)]
    pub ts: MessageTs,
    /// Its author.
    #[schema(value_type = Option<String>)]
    pub user: Option<UserId>,
    /// The caller wrote it.
    pub mine: bool,
    /// The office user who sent it from the office, when one did.
    #[schema(value_type = Option<String>)]
    pub office_user_id: Option<OfficeUserId>,
    /// Its text (empty once deleted).
    pub text: String,
    /// The thread it replies in.
    #[schema(value_type = Option<String>)]
    pub thread_ts: Option<MessageTs>,
    /// A thread reply also sent to the conversation.
    pub broadcast: bool,
    /// Files shared with it.
    pub files: Vec<SharedFile>,
    /// When it was last edited.
    #[schema(value_type = Option<String>)]
    pub edited_ts: Option<MessageTs>,
    /// It was deleted.
    pub deleted: bool,
    /// Where it was written.
    pub from: MessageSource,
}

impl Message {
    /// The message as the caller sees it: `me` in Slack (when linked),
    /// `office_user` in the office.
    pub fn new(
        m: &hallway::store::ChatMessage,
        me: Option<&UserId>,
        office_user: &OfficeUserId,
    ) -> Self {
        use hallway::store::chat::Source;
        Self {
            ts: m.ts.clone(),
            user: m.user.clone(),
            mine: (me.is_some() && m.user.as_ref() == me)
                || m.office_user.as_ref() == Some(office_user),
            office_user_id: m.office_user.clone(),
            text: m.text.clone(),
            thread_ts: m.thread_ts.clone(),
            broadcast: m.broadcast,
            files: m.files.iter().map(SharedFile::from).collect(),
            edited_ts: m.edited_ts.clone(),
            deleted: m.deleted,
            from: match m.source {
                Source::Office => MessageSource::Office,
                Source::Slack => MessageSource::Slack,
            },
        }
    }
}

/// Where a message was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageSource {
    Office,
    Slack,
}

/// A file shared in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SharedFile {
    /// Slack's file id.
    pub id: String,
    /// Its file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mimetype: Option<String>,
    /// Its Slack page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// Only the id is known yet (Slack Connect); present only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_file_info: bool,
}

impl From<&hallway::store::chat::SharedFile> for SharedFile {
    fn from(f: &hallway::store::chat::SharedFile) -> Self {
        Self {
            id: f.id.clone(),
            name: f.name.clone(),
            title: f.title.clone(),
            mimetype: f.mimetype.clone(),
            permalink: f.permalink.clone(),
            check_file_info: f.check_file_info,
        }
    }
}
