//! Channel chat from the office: the caller's channels, a channel opened as
//! a chat, a room's channel mapping, and a channel's messages.

use hallway::ids::{ChannelId, MessageTs, RoomId, SpaceId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Message;

/// `GET /api/v1/spaces/{space}/channels` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelsQuery {
    /// `next_cursor` of the previous page (Slack's cursor).
    pub cursor: Option<String>,
    /// 1-200, 100 when left out.
    pub limit: Option<u32>,
}

/// A page of the channels the caller is in on Slack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelsPage {
    /// The page's channels, in Slack's order.
    pub channels: Vec<Channel>,
    /// Ask again with `cursor` set to this for more; `null` at the end.
    pub next_cursor: Option<String>,
}

/// A Slack channel as the office shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Channel {
    /// Slack's channel id.
    #[schema(value_type = String)]
    pub id: ChannelId,
    /// Its name (without `#`).
    pub name: Option<String>,
    /// A private channel.
    pub private: bool,
    /// Shared with another organisation (Slack Connect).
    pub shared: bool,
    /// The room of this space it is mapped to, if any.
    pub room: Option<MappedRoom>,
    /// Its chat in the office.
    pub chat: ChatState,
}

/// The room a channel is the chat of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MappedRoom {
    /// The room's space.
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    /// The room.
    #[schema(value_type = String)]
    pub room_id: RoomId,
}

/// Whether a channel's messages reach the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatState {
    /// Never opened or mapped.
    None,
    /// New messages reach the office through its webhook.
    Live,
    /// It stopped: unmapped, archived, deleted, or the app was removed
    /// from the channel. Opening or mapping it again restarts it.
    Stopped,
}

/// Where the app's bot user stands in a channel: it hears the channel's
/// messages only as a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BotPresence {
    /// It was in the channel.
    Member,
    /// It joined the public channel now.
    Joined,
    /// A private channel: someone in it must add the app (`/invite @hallway`).
    MustBeInvited,
    /// A public channel it is not in: mapping the channel to a room brings
    /// it in, or anyone can add it.
    NotMember,
}

impl From<hallway::channel_chat::BotPresence> for BotPresence {
    fn from(p: hallway::channel_chat::BotPresence) -> Self {
        use hallway::channel_chat::BotPresence as P;
        match p {
            P::Member => Self::Member,
            P::Joined => Self::Joined,
            P::MustBeInvited => Self::MustBeInvited,
        }
    }
}

/// A channel opened (or mapped) as a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelChat {
    /// The channel.
    pub channel: Channel,
    /// New messages reach the office live (the app is in the channel);
    /// otherwise they show when its history is read again (at most once a
    /// minute).
    pub live: bool,
    /// Where the app stands in the channel.
    pub bot: BotPresence,
    /// What to do for live messages, when they are not.
    pub hint: Option<String>,
}

/// `PUT /api/v1/spaces/{space}/channels/{channel}/mapping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MapChannel {
    /// The room of this space whose chat the channel becomes.
    #[schema(value_type = String)]
    pub room_id: RoomId,
}

/// A mapping removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelUnmapped {
    /// The channel.
    #[schema(value_type = String)]
    pub channel_id: ChannelId,
    /// The room it was the chat of.
    pub room: MappedRoom,
    /// The channel's chat stopped (it had one).
    pub chat_stopped: bool,
}

/// `POST /api/v1/spaces/{space}/channels/{channel}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SendChannelMessage {
    /// 1-4000 characters (trimmed).
    pub text: String,
    /// Reply in this message's thread.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub thread_ts: Option<MessageTs>,
    /// A reply also sent to the channel.
    #[serde(default)]
    pub broadcast: bool,
}

/// How a message went to a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SentAs {
    /// As the caller, with their Slack account.
    Person,
    /// By the app with the caller's name and avatar, noting they are not
    /// linked to Slack.
    App,
}

/// A message sent to a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelMessageSent {
    /// The channel.
    #[schema(value_type = String)]
    pub channel_id: ChannelId,
    /// How it was sent.
    pub sent_as: SentAs,
    /// The message as stored.
    pub message: Message,
}

/// `GET /api/v1/spaces/{space}/channels/{channel}/messages` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelHistoryQuery {
    /// `next_cursor` of the previous page: messages older than it (the
    /// channel), or replies after it (a thread).
    pub before: Option<String>,
    /// 1-100, 30 when left out.
    pub limit: Option<u32>,
    /// A thread's `ts`: its parent and replies, oldest first
    /// (`conversations.replies`, within the same budget).
    pub thread: Option<String>,
}

/// A page of a channel's chat, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChannelHistory {
    /// The channel.
    pub channel: Channel,
    /// The page's messages, newest first (a thread: oldest first, its
    /// parent first); thread replies carry `thread_ts`.
    pub messages: Vec<Message>,
    /// Ask again with `before` set to this for older ones; `null` at the
    /// start of the channel.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<MessageTs>,
    /// Slack could not be asked: the page may be missing messages.
    pub partial: bool,
    /// Why, when `partial`.
    pub partial_reason: Option<String>,
    /// Seconds after which asking again may fill the gap.
    pub retry_after: Option<i64>,
}
