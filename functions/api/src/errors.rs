//! Where the API's own errors become [`ApiError`] (a status and
//! `{"error": "…"}`): the store's errors as the API words them, and each
//! use case's outcomes that are not success, grouped by what the caller
//! must do about them. Wording and status of every refusal are read here,
//! in one place.

use axum::response::{IntoResponse, Response};
use hallway::ids::{ChannelId, OfficeUserId, RoomId, SpaceId, UserId};
use hallway::queue::QueueError;
use hallway::store::{MembersError, SpacesError};
use hallway::table::TableError;
use hallway::web::ApiError;

pub fn spaces_error(e: SpacesError) -> ApiError {
    match e {
        SpacesError::NoSuchSpace(id) => ApiError::NotFound(format!("no space {id}")),
        SpacesError::NoSuchRoom(id) => ApiError::NotFound(format!("no room {id} in this space")),
        SpacesError::BadName | SpacesError::BadCapacity | SpacesError::BadGuestLimit => {
            ApiError::BadRequest(e.to_string())
        }
        SpacesError::Conflict => ApiError::Conflict(e.to_string()),
        SpacesError::Table(t) => t.into(),
    }
}

pub fn members_error(e: MembersError) -> ApiError {
    match e {
        MembersError::GuestLimitReached => ApiError::Conflict(e.to_string()),
        MembersError::NoSuchSpace(id) => ApiError::NotFound(format!("no space {id}")),
        MembersError::Table(t) => t.into(),
    }
}

/// A use-case error answers as the [`ApiError`] it maps to.
macro_rules! answers_as_api_error {
    ($($t:ty),*) => {$(
        impl IntoResponse for $t {
            fn into_response(self) -> Response {
                ApiError::from(self).into_response()
            }
        }
    )*};
}

answers_as_api_error!(
    SessionError,
    InviteError,
    StarError,
    PromptError,
    JoinLinkError
);

/// `POST /api/v1/sessions`: every refusal means "sign in again".
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the login token is unknown, used or expired")]
    UnknownToken,
    #[error("the login token's user is gone")]
    UserGone,
    #[error("this sign-in was superseded by a newer one")]
    Superseded,
    #[error(transparent)]
    Table(#[from] TableError),
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Table(t) => t.into(),
            e => ApiError::Unauthorized(e.to_string()),
        }
    }
}

/// "Get <user>": `POST /api/v1/spaces/{space}/invites`.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    // Fix the request (400).
    #[error("name at least one person in slack_user_ids or office_user_ids")]
    NobodyNamed,
    #[error("at most {max} people per invite")]
    TooMany { max: usize },
    #[error("nobody to invite: {not_linked} of the people named have not linked Slack")]
    NobodyToInvite { not_linked: usize },
    // Name something that exists (404).
    #[error("no room {0} in this space")]
    NoSuchRoom(RoomId),
    // Change the space first (409).
    #[error("this space has no rooms yet")]
    NoRooms,
    // The caller, the space or a dependency refused before the invite.
    #[error(transparent)]
    Refused(#[from] ApiError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Both halves of starting an invite are "try again".
impl From<hallway::start_invite::StartInviteError> for InviteError {
    fn from(e: hallway::start_invite::StartInviteError) -> Self {
        use hallway::start_invite::StartInviteError;
        match e {
            StartInviteError::Table(t) => InviteError::Table(t),
            StartInviteError::Queue(q) => InviteError::Queue(q),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::NobodyNamed
            | InviteError::TooMany { .. }
            | InviteError::NobodyToInvite { .. } => ApiError::BadRequest(e.to_string()),
            InviteError::NoSuchRoom(_) => ApiError::NotFound(e.to_string()),
            InviteError::NoRooms => ApiError::Conflict(e.to_string()),
            InviteError::Refused(e) => e,
            InviteError::Table(t) => t.into(),
            InviteError::Queue(q) => q.into(),
        }
    }
}

/// `PUT /api/v1/spaces/{space}/me/starred/{user}`.
#[derive(Debug, thiserror::Error)]
pub enum StarError {
    // Fix the request (400).
    #[error("you cannot star yourself")]
    Yourself,
    // Name a member (404).
    #[error("{0} is not a member of this space")]
    NotAMember(OfficeUserId),
    // Unstar someone first (409).
    #[error("you can star at most {max} people; unstar someone first")]
    TooMany { max: usize },
    #[error(transparent)]
    Refused(#[from] ApiError),
    #[error(transparent)]
    Table(#[from] TableError),
}

impl From<StarError> for ApiError {
    fn from(e: StarError) -> Self {
        match e {
            StarError::Yourself => ApiError::BadRequest(e.to_string()),
            StarError::NotAMember(_) => ApiError::NotFound(e.to_string()),
            StarError::TooMany { .. } => ApiError::Conflict(e.to_string()),
            StarError::Refused(e) => e,
            StarError::Table(t) => t.into(),
        }
    }
}

/// Prompting one person to link (`…/sync/{slack_user}/prompt`, `reprompt`).
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    // Name one of the workspace's people (404).
    #[error("no person {0} in this workspace")]
    NoSuchPerson(UserId),
    // Nothing to do, or not yet (409).
    #[error("{name} is linked already")]
    AlreadyLinked { name: String },
    #[error("{name} was prompted less than a day ago (at {at}); reprompt to send another now")]
    PromptedRecently { name: String, at: i64 },
    #[error(transparent)]
    Refused(#[from] ApiError),
    #[error(transparent)]
    Table(#[from] TableError),
}

impl From<PromptError> for ApiError {
    fn from(e: PromptError) -> Self {
        match e {
            PromptError::NoSuchPerson(_) => ApiError::NotFound(e.to_string()),
            PromptError::AlreadyLinked { .. } | PromptError::PromptedRecently { .. } => {
                ApiError::Conflict(e.to_string())
            }
            PromptError::Refused(e) => e,
            PromptError::Table(t) => t.into(),
        }
    }
}

/// `POST /api/v1/spaces/{space}/join-links`.
#[derive(Debug, thiserror::Error)]
pub enum JoinLinkError {
    // Fix the request (400).
    #[error("expires_in must be between 60 seconds and 30 days")]
    BadExpiry,
    // Name a room of the space (404).
    #[error("no room {0} in this space")]
    NoSuchRoom(RoomId),
    #[error(transparent)]
    Refused(#[from] ApiError),
}

impl From<JoinLinkError> for ApiError {
    fn from(e: JoinLinkError) -> Self {
        match e {
            JoinLinkError::BadExpiry => ApiError::BadRequest(e.to_string()),
            JoinLinkError::NoSuchRoom(_) => ApiError::NotFound(e.to_string()),
            JoinLinkError::Refused(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn use_case_errors_answer_by_what_the_caller_must_do() {
        let cases: [(ApiError, StatusCode, &str); 6] = [
            (
                InviteError::NobodyNamed.into(),
                StatusCode::BAD_REQUEST,
                "name at least one person in slack_user_ids or office_user_ids",
            ),
            (
                InviteError::NoRooms.into(),
                StatusCode::CONFLICT,
                "this space has no rooms yet",
            ),
            (
                StarError::TooMany { max: 3 }.into(),
                StatusCode::CONFLICT,
                "you can star at most 3 people; unstar someone first",
            ),
            (
                PromptError::PromptedRecently {
                    name: "Bob".into(),
                    at: 7,
                }
                .into(),
                StatusCode::CONFLICT,
                "Bob was prompted less than a day ago (at 7); reprompt to send another now",
            ),
            (
                JoinLinkError::BadExpiry.into(),
                StatusCode::BAD_REQUEST,
                "expires_in must be between 60 seconds and 30 days",
            ),
            (
                SessionError::Superseded.into(),
                StatusCode::UNAUTHORIZED,
                "this sign-in was superseded by a newer one",
            ),
        ];
        for (e, status, text) in cases {
            assert_eq!((e.status(), e.to_string().as_str()), (status, text));
        }
    }

    #[test]
    fn errors_from_below_keep_their_answer() {
        let e: ApiError = InviteError::from(ApiError::Forbidden("no".into())).into();
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        let e: ApiError = StarError::from(TableError::Unavailable("x".into())).into();
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

/// Channel chat (`/api/v1/spaces/{space}/channels/…`): what the caller
/// must do when a channel cannot be listed, opened, mapped, read or
/// written from the office.
#[derive(Debug, thiserror::Error)]
pub enum ChannelChatError {
    // Fix the request (400).
    #[error("text must be 1-{max} characters")]
    BadText { max: usize },
    #[error("broadcast is for thread replies: give thread_ts")]
    BroadcastWithoutThread,
    #[error("thread is not a message's ts")]
    BadThread,
    #[error("limit must be between 1 and {max}")]
    BadLimit { max: u32 },
    // Not theirs to do (403).
    #[error("guests may chat only in channels mapped to this space's rooms")]
    GuestsOnlyInRooms,
    // Nothing there (404).
    #[error("no room {0} in this space")]
    NoSuchRoom(RoomId),
    #[error("no channel {0} that you are in on Slack")]
    NotVisible(ChannelId),
    #[error("{0} is not mapped to a room of this space")]
    NotMapped(ChannelId),
    // Act first (409).
    #[error(
        "link your Slack account to chat in channels that are not one of this space's rooms: POST /api/v1/spaces/{0}/slack/link"
    )]
    LinkToChat(SpaceId),
    #[error(
        "link your Slack account to map a channel to a room: POST /api/v1/spaces/{0}/slack/link"
    )]
    LinkToMap(SpaceId),
    #[error("you are not in this channel on Slack")]
    NotInChannel,
    #[error("join the channel on Slack first: only its members map it to a room")]
    JoinChannelFirst,
    #[error("the app is not in this channel: someone in it can add it with `/invite @hallway`")]
    AppNotInChannel,
    #[error("the channel is archived")]
    Archived,
    #[error("the channel is already the chat of a room of another space: unmap it there first")]
    MappedElsewhere,
    #[error("Slack refused: {0}")]
    SlackRefused(String),
    // Slow down (429).
    #[error("Slack asks to slow down {what}")]
    RateLimited {
        what: &'static str,
        retry_after_secs: u64,
    },
    // Try again (503).
    #[error(transparent)]
    Unavailable(anyhow::Error),
}

impl From<ChannelChatError> for ApiError {
    fn from(e: ChannelChatError) -> Self {
        use ChannelChatError as E;
        match e {
            E::BadText { .. } | E::BroadcastWithoutThread | E::BadThread | E::BadLimit { .. } => {
                ApiError::BadRequest(e.to_string())
            }
            E::GuestsOnlyInRooms => ApiError::Forbidden(e.to_string()),
            E::NoSuchRoom(_) | E::NotVisible(_) | E::NotMapped(_) => {
                ApiError::NotFound(e.to_string())
            }
            E::LinkToChat(_)
            | E::LinkToMap(_)
            | E::NotInChannel
            | E::JoinChannelFirst
            | E::AppNotInChannel
            | E::Archived
            | E::MappedElsewhere
            | E::SlackRefused(_) => ApiError::Conflict(e.to_string()),
            E::RateLimited {
                retry_after_secs, ..
            } => ApiError::RateLimited {
                message: e.to_string(),
                retry_after_secs,
            },
            E::Unavailable(e) => ApiError::Unavailable(e),
        }
    }
}
