//! The people pane and opening a DM.

use hallway::ids::{ChannelId, OfficeUserId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{RoomRef, RunStatus, SyncStatus};

/// `GET /api/v1/spaces/{space}/people` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Search by handle, display name, real name or email.
    #[serde(default)]
    pub q: String,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1-200, 50 when left out.
    pub limit: Option<usize>,
}

/// A page of the workspace's people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeoplePage {
    /// People of the page, by Slack id.
    pub people: Vec<Person>,
    /// Ask again with `cursor` set to this for more; `null` at the end.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<UserId>,
    /// A search read its budget without filling the page: ask again from
    /// `next_cursor`.
    pub partial: bool,
    /// Directory records read.
    pub scanned: usize,
    /// The directory's state.
    pub directory: PaneDirectory,
    /// A refresh is running: more people may come.
    pub refreshing: bool,
}

/// The directory's state as the pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PaneDirectory {
    /// Never filled: says how to.
    Never {
        /// Always `never_refreshed`.
        status: super::Never,
        /// How to fill it.
        hint: String,
    },
    /// Filled at least once, or being filled.
    Refreshed {
        /// The latest refresh's state.
        status: RunStatus,
        /// When it finished, seconds since the epoch.
        finished_at: Option<i64>,
    },
}

/// One of the workspace's people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// Their Slack user id.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// The name to show (display name, else real name, else handle).
    pub name: String,
    /// Their Slack handle.
    pub handle: String,
    /// Their real name.
    pub real_name: String,
    /// Their avatar's URL.
    pub avatar: Option<String>,
    /// Their email, when Slack shares it.
    pub email: Option<String>,
    /// Their time zone.
    pub tz: Option<String>,
    /// The office user they are linked to.
    #[schema(value_type = Option<String>)]
    pub office_user_id: Option<OfficeUserId>,
    /// That office user's name.
    pub office_name: Option<String>,
    /// Linked to the office.
    pub linked: bool,
    /// The room they are in now, if any.
    pub room: Option<RoomRef>,
    /// Their people sync status.
    pub sync: SyncStatus,
}

/// `POST /api/v1/spaces/{space}/people/{slack_user}/chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatOpened {
    /// The DM's channel.
    #[schema(value_type = String)]
    pub channel_id: ChannelId,
    /// Who it is with.
    pub with: ChatPartner,
}

/// The other person of a DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatPartner {
    /// Their Slack user id.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Their name.
    pub name: String,
    /// Their avatar's URL.
    pub avatar: Option<String>,
}
