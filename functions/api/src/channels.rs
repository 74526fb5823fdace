//! Channel chat from the office: the channels a linked person is in
//! (`users.conversations` with their token, paged), any of them opened as
//! a chat, a channel mapped to (or unmapped from) a room, and a channel's
//! messages both ways.
//!
//! Who writes: a linked person posts as themselves (their user token,
//! `chat:write`); someone not linked may write only in their space's
//! mapped channels, and the app posts for them with their name and avatar
//! (`chat:write.customize`) and a note that they are not linked. History
//! is the DMs' ([`crate::chats::stored_history`]): stored messages merged
//! with `conversations.history` within the workspace's budget.

use axum::Json;
use axum::extract::State;
use hallway::ids::{ChannelId, MessageTs, OfficeUserId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, Job, NotifyJob};
use hallway::office_webhook::Notification;
use hallway::secrets::Secret;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::client::{ChannelInfo, HistoryPage};
use hallway::store::chat::Stopped;
use hallway::store::{ChannelRoute, ChatMessage, Conversation, Space};
use hallway::web::ApiError;
use http::StatusCode;
use serde_json::json;

use crate::caller::{Caller, Need};
use crate::chats::{
    HistoryFailure, HistorySource, MAX_TEXT, message_text, page_bounds, posted_ts, stored_history,
};
use crate::errors::ChannelChatError as E;
use crate::extract::{ValidJson, ValidPath, ValidQuery};
use crate::people::{slack_refusal, with_refresh};
use crate::{installed_team, model, spaces_error};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 200;

/// How the caller reaches a channel.
enum Via {
    /// Linked: their own user token.
    Person { me: UserId, token: Secret },
    /// Not linked, in their space's mapped channel: the app's bot token.
    App { token: Secret },
}

/// The caller, a channel of their space's workspace, and how they reach it.
struct ChannelAccess {
    space: Space,
    team: TeamId,
    channel: ChannelId,
    /// Its mapping to a room of this space.
    route: Option<ChannelRoute>,
    office_user: OfficeUserId,
    via: Via,
    /// What Slack says of the channel, asked with the caller's token when
    /// it is not one of this space's rooms.
    info: Option<ChannelInfo>,
}

impl ChannelAccess {
    /// Guests may use their space's mapped channels (they meet in those
    /// rooms); other channels need a member who linked Slack, and Slack
    /// is asked with their own token whether they can see the channel
    /// (`conversations.info`: a private channel they are not in does not
    /// exist for them), before anything stored of it is shown or they
    /// follow it. What hallway stored is never the authority.
    async fn open(
        s: &Services,
        caller: &Caller,
        space: &SpaceId,
        channel: ChannelId,
    ) -> Result<Self, ApiError> {
        let (space, role) = caller.authorize(s, space, Need::AnyRole).await?;
        let team = installed_team(s, &space).await?;
        let route = s
            .channels()
            .route(&team, &channel)
            .await?
            .filter(|r| r.space_id == space.id);
        if route.is_none() && role == hallway::store::Role::Guest {
            return Err(E::GuestsOnlyInRooms.into());
        }
        let via = match person(s, &team, caller.user()).await? {
            Some((me, token)) => Via::Person { me, token },
            None if route.is_some() => Via::App {
                token: s
                    .bot_token(&team)
                    .await
                    .map_err(|e| ApiError::Unavailable(e.into()))?,
            },
            None => {
                return Err(E::LinkToChat(space.id.clone()).into());
            }
        };
        let mut access = Self {
            space,
            team,
            channel,
            route,
            office_user: caller.user().clone(),
            via,
            info: None,
        };
        if access.route.is_none() {
            match channel_info(s, &mut access).await {
                Ok(info) if info.is_private && !info.is_member => {
                    return Err(E::NotInChannel.into());
                }
                Ok(info) => access.info = Some(info),
                Err(e) => return Err(access.refusal(s, e).await),
            }
        }
        Ok(access)
    }

    fn me(&self) -> Option<&UserId> {
        match &self.via {
            Via::Person { me, .. } => Some(me),
            Via::App { .. } => None,
        }
    }

    /// A refusal of a call on the caller's way in, worded for them.
    async fn refusal(&self, s: &Services, e: SlackError) -> ApiError {
        match &self.via {
            _ if e.channel_archived() => E::Archived.into(),
            Via::Person { .. } if e.channel_out_of_reach() => E::NotInChannel.into(),
            Via::App { .. } if e.channel_out_of_reach() => E::AppNotInChannel.into(),
            Via::Person { me, token } => {
                slack_refusal(s, &self.space, &self.team, me, token, e).await
            }
            Via::App { .. } if e.is_transient() => ApiError::Unavailable(e.into()),
            Via::App { .. } => E::SlackRefused(e.to_string()).into(),
        }
    }

    /// The channel as the office shows it, from what is stored.
    fn view(&self, conversation: Option<&Conversation>) -> model::Channel {
        let name = conversation
            .and_then(|c| c.name.clone())
            .or_else(|| self.route.as_ref().and_then(|r| r.channel_name.clone()));
        channel_view(
            &self.channel,
            name,
            false,
            false,
            self.route.as_ref(),
            conversation,
        )
    }
}

impl HistorySource for ChannelAccess {
    async fn page(
        &mut self,
        s: &Services,
        latest: Option<MessageTs>,
    ) -> Result<HistoryPage, SlackError> {
        let channel = self.channel.clone();
        let latest = latest.as_ref().map(MessageTs::as_str);
        let slack = &s.slack;
        let page = hallway::store::rate::HISTORY_PAGE;
        match &mut self.via {
            Via::Person { token, .. } => {
                with_refresh(s, &self.office_user, &self.team, token, |t| {
                    let channel = &channel;
                    async move {
                        slack
                            .conversation_history(&t, channel.as_str(), latest, page)
                            .await
                    }
                })
                .await
            }
            Via::App { token } => {
                slack
                    .conversation_history(token, channel.as_str(), latest, page)
                    .await
            }
        }
    }
}

/// The caller's Slack identity in `team` and their user token, when they
/// linked with one.
async fn person(
    s: &Services,
    team: &TeamId,
    user: &OfficeUserId,
) -> Result<Option<(UserId, Secret)>, ApiError> {
    let Some(link) = s.links().get(user, team).await? else {
        return Ok(None);
    };
    match s.user_token(user, team).await {
        Ok(Some(t)) => Ok(Some((link.slack_user_id, t))),
        Ok(None) => Ok(None),
        Err(e) => Err(ApiError::Unavailable(e.into())),
    }
}

fn channel_view(
    id: &ChannelId,
    name: Option<String>,
    private: bool,
    shared: bool,
    route: Option<&ChannelRoute>,
    conversation: Option<&Conversation>,
) -> model::Channel {
    model::Channel {
        id: id.clone(),
        name,
        private,
        shared,
        room: route.map(|r| model::MappedRoom {
            space_id: r.space_id.clone(),
            room_id: r.room_id.clone(),
        }),
        chat: match conversation
            .filter(|c| c.kind == hallway::store::chat::ConversationKind::Channel)
        {
            None if route.is_some() => model::ChatState::Live,
            None => model::ChatState::None,
            Some(c) if c.stopped.is_some() => model::ChatState::Stopped,
            Some(_) => model::ChatState::Live,
        },
    }
}

/// The public and private channels the caller is in on Slack (a page of
/// `users.conversations` with their token), each with the room it is
/// mapped to and whether its chat reaches the office.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/channels", tag = "channels",
    params(("space" = String, Path, description = "The space's id"), model::ChannelsQuery),
    responses(
        (status = 200, description = "A page of channels", body = model::ChannelsPage),
        (status = 400, description = "A bad limit", body = model::ErrorBody),
        (status = 409, description = "The caller must link Slack (again) first", body = model::ErrorBody),
        (status = 429, description = "Slack asks to slow down: see `Retry-After`", body = model::ErrorBody),
    ))]
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidQuery(q): ValidQuery<model::ChannelsQuery>,
) -> Result<Json<model::ChannelsPage>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(E::BadLimit { max: MAX_LIMIT }.into());
    }
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = installed_team(&s, &space).await?;
    let (me, mut token) = crate::people::user_token(&s, &space, &team, caller.user()).await?;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    let slack = &s.slack;
    let team_id = team.as_str();
    let page = with_refresh(&s, caller.user(), &team, &mut token, |t| async move {
        slack.user_channels(&t, team_id, cursor, limit).await
    })
    .await;
    let page = match page {
        Ok(p) => p,
        Err(SlackError::RateLimited { retry_after }) => {
            return Err(E::RateLimited {
                what: "listing channels",
                retry_after_secs: retry_after.as_secs().max(1),
            }
            .into());
        }
        Err(e) => return Err(slack_refusal(&s, &space, &team, &me, &token, e).await),
    };
    let infos: Vec<&ChannelInfo> = page
        .items
        .iter()
        .filter(|c| !c.is_im && !c.is_mpim)
        .collect();
    let ids: Vec<ChannelId> = infos
        .iter()
        .map(|c| crate::id(c.id.clone()))
        .collect::<Result<_, _>>()?;
    let routes = s.channels().routes(&team, &ids).await?;
    let chats = s.chat().conversations(&team, &ids).await?;
    let channels = infos
        .iter()
        .zip(&ids)
        .zip(routes.iter().zip(&chats))
        .map(|((info, id), (route, chat))| {
            channel_view(
                id,
                info.name.clone(),
                info.is_private,
                info.is_ext_shared,
                route.as_ref().filter(|r| r.space_id == space.id),
                chat.as_ref(),
            )
        })
        .collect();
    Ok(Json(model::ChannelsPage {
        channels,
        next_cursor: page.next_cursor,
    }))
}

/// Opens one of the caller's channels as a chat: they follow it, so its
/// new messages reach the office while the app is in the channel (else
/// reading its history brings them, at most once a minute).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/channels/{channel}/chat", tag = "channels",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("channel" = String, Path, description = "The Slack channel's id"),
    ),
    responses(
        (status = 200, description = "The channel's chat", body = model::ChannelChat),
        (status = 409, description = "Link Slack first, not in the channel, or archived", body = model::ErrorBody),
    ))]
pub async fn open(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, channel)): ValidPath<(SpaceId, ChannelId)>,
) -> Result<Json<model::ChannelChat>, ApiError> {
    let mut access = ChannelAccess::open(&s, &caller, &space, channel).await?;
    let info = match access.info.take() {
        Some(i) => i,
        None => match channel_info(&s, &mut access).await {
            Ok(i) => i,
            Err(e) => return Err(access.refusal(&s, e).await),
        },
    };
    if info.is_archived {
        return Err(E::Archived.into());
    }
    let follower = matches!(access.via, Via::Person { .. }).then(|| access.office_user.clone());
    let c = s
        .chat()
        .open_channel(
            &access.team,
            &access.channel,
            info.name.as_deref(),
            follower.as_ref(),
        )
        .await?;
    let bot = bot_presence(&s, &access.team, &access.channel).await?;
    let mut view = access.view(Some(&c));
    (view.private, view.shared) = (info.is_private, info.is_ext_shared);
    tracing::info!(channel = %access.channel, ?bot, "channel opened as a chat");
    Ok(Json(chat_answer(&s, &access.team, view, bot).await?))
}

/// The answer about a channel's chat: live when the app is in the channel
/// and its install may hear it (`channels:history` / `groups:history`,
/// scopes installs made before channel chat lack).
async fn chat_answer(
    s: &Services,
    team: &TeamId,
    channel: model::Channel,
    bot: model::BotPresence,
) -> Result<model::ChannelChat, ApiError> {
    let scope = if channel.private {
        "groups:history"
    } else {
        "channels:history"
    };
    let hears = s
        .installations()
        .get(team)
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?
        .is_some_and(|i| i.has_scope(scope));
    let in_channel = matches!(bot, model::BotPresence::Member | model::BotPresence::Joined);
    let hint = match bot {
        _ if !hears => Some(format!(
            "hallway's install in this workspace predates channel chat (it lacks {scope}): reinstall it (Connect to Slack) for channel messages to arrive live"
        )),
        model::BotPresence::Member | model::BotPresence::Joined => None,
        model::BotPresence::MustBeInvited => Some(
            "add the app to the channel (`/invite @hallway` in it) for its messages to arrive live"
                .to_owned(),
        ),
        model::BotPresence::NotMember => Some(
            "map the channel to a room, or add the app to it (`/invite @hallway`), for its messages to arrive live"
                .to_owned(),
        ),
    };
    Ok(model::ChannelChat {
        channel,
        live: in_channel && hears,
        bot,
        hint,
    })
}

/// `conversations.info` on the caller's way in.
async fn channel_info(s: &Services, a: &mut ChannelAccess) -> Result<ChannelInfo, SlackError> {
    let channel = a.channel.clone();
    let slack = &s.slack;
    match &mut a.via {
        Via::Person { token, .. } => {
            with_refresh(s, &a.office_user, &a.team, token, |t| {
                let channel = &channel;
                async move { slack.conversation_info(&t, channel.as_str()).await }
            })
            .await
        }
        Via::App { token } => slack.conversation_info(token, channel.as_str()).await,
    }
}

/// Whether the app's bot user is in the channel, asked of Slack with its
/// token (a private channel it is not in does not exist for it).
async fn bot_presence(
    s: &Services,
    team: &TeamId,
    channel: &ChannelId,
) -> Result<model::BotPresence, ApiError> {
    let token = s
        .bot_token(team)
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?;
    match s.slack.conversation_info(&token, channel.as_str()).await {
        Ok(i) if i.is_member => Ok(model::BotPresence::Member),
        Ok(i) if i.is_private => Ok(model::BotPresence::MustBeInvited),
        Ok(_) => Ok(model::BotPresence::NotMember),
        Err(e) if e.channel_out_of_reach() => Ok(model::BotPresence::MustBeInvited),
        Err(e) if e.is_transient() => Err(ApiError::Unavailable(e.into())),
        Err(e) => Err(E::SlackRefused(e.to_string()).into()),
    }
}

/// Maps a channel to a room of the space: the channel becomes the room's
/// chat (the app joins a public channel; a private one must add it) and
/// `/hallway` there calls people to the room. The caller must be linked
/// and in the channel on Slack; a channel that is another space's room
/// chat is refused.
#[utoipa::path(put, path = "/api/v1/spaces/{space}/channels/{channel}/mapping", tag = "channels",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("channel" = String, Path, description = "The Slack channel's id"),
    ),
    request_body = model::MapChannel,
    responses(
        (status = 200, description = "Mapped; the channel's chat", body = model::ChannelChat),
        (status = 403, description = "Guests cannot map channels", body = model::ErrorBody),
        (status = 404, description = "No such room, or a channel the caller is not in", body = model::ErrorBody),
        (status = 409, description = "Link Slack first, join the channel first, archived, or another space's room chat", body = model::ErrorBody),
    ))]
pub async fn map(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, channel)): ValidPath<(SpaceId, ChannelId)>,
    ValidJson(body): ValidJson<model::MapChannel>,
) -> Result<Json<model::ChannelChat>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = installed_team(&s, &space).await?;
    let room = s
        .spaces()
        .room(&space.id, &body.room_id)
        .await
        .map_err(spaces_error)?
        .ok_or_else(|| E::NoSuchRoom(body.room_id.clone()))?;
    // Only someone in the channel on Slack maps it (their own token says
    // so): a mapping lets the space's members, guests included, read and
    // write there through the app.
    let Some((me, mut token)) = person(&s, &team, caller.user()).await? else {
        return Err(E::LinkToMap(space.id.clone()).into());
    };
    let slack = &s.slack;
    let asked = with_refresh(&s, caller.user(), &team, &mut token, |t| {
        let channel = &channel;
        async move { slack.conversation_info(&t, channel.as_str()).await }
    })
    .await;
    let info = match asked {
        Ok(i) if i.is_member => i,
        Ok(_) => {
            return Err(E::JoinChannelFirst.into());
        }
        Err(e) if e.channel_out_of_reach() => return Err(not_visible(&channel)),
        Err(e) => return Err(slack_refusal(&s, &space, &team, &me, &token, e).await),
    };
    if info.is_archived {
        return Err(E::Archived.into());
    }
    if let Some(other) = s
        .channels()
        .route(&team, &channel)
        .await?
        .filter(|r| r.space_id != space.id)
    {
        tracing::info!(%channel, other_space = %other.space_id, "mapping refused: the channel is another space's room chat");
        return Err(E::MappedElsewhere.into());
    }
    let bot_token = s
        .bot_token(&team)
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?;
    let linked = Some((me, token));
    let by = linked.as_ref().map(|(me, _)| me);
    let route = s
        .channels()
        .map(
            &team,
            &channel,
            info.name.as_deref(),
            &space.id,
            &room.id,
            by,
        )
        .await?;
    let c = s
        .chat()
        .open_channel(&team, &channel, info.name.as_deref(), None)
        .await?;
    let bot = match hallway::channel_chat::bring_bot(&s.slack, &bot_token, channel.as_str()).await {
        Ok(p) => p.into(),
        Err(e) if e.is_transient() => return Err(ApiError::Unavailable(e.into())),
        Err(e) => {
            tracing::warn!(error = %e, "the app could not join the mapped channel");
            if info.is_private {
                model::BotPresence::MustBeInvited
            } else {
                model::BotPresence::NotMember
            }
        }
    };
    tracing::info!(%channel, room_id = %room.id, ?bot, "channel mapped to a room from the office");
    let view = channel_view(
        &channel,
        info.name.clone(),
        info.is_private,
        info.is_ext_shared,
        Some(&route),
        Some(&c),
    );
    Ok(Json(chat_answer(&s, &team, view, bot).await?))
}

fn not_visible(channel: &ChannelId) -> ApiError {
    E::NotVisible(channel.clone()).into()
}

/// Removes a channel's mapping to a room of the space: the room's chat
/// stops (the office is told through its webhook too) and `/hallway` in
/// the channel no longer calls people to the room.
#[utoipa::path(delete, path = "/api/v1/spaces/{space}/channels/{channel}/mapping", tag = "channels",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("channel" = String, Path, description = "The Slack channel's id"),
    ),
    responses(
        (status = 200, description = "Unmapped", body = model::ChannelUnmapped),
        (status = 404, description = "Not mapped to a room of this space", body = model::ErrorBody),
    ))]
pub async fn unmap(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, channel)): ValidPath<(SpaceId, ChannelId)>,
) -> Result<Json<model::ChannelUnmapped>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = crate::connected_team(&space)?;
    let channels = s.channels();
    let not_mapped = || E::NotMapped(channel.clone());
    let route = channels
        .route(&team, &channel)
        .await?
        .filter(|r| r.space_id == space.id)
        .ok_or_else(not_mapped)?;
    // Stopped, told, then unmapped: a retry after a failure on the way
    // still finds the mapping, and tells the office what it may not have
    // heard (the office drops a repeat it did hear by the chat's state).
    let chat = s.chat();
    let stopped = match chat
        .stop_channel(&team, &channel, Stopped::Unmapped)
        .await?
    {
        Some(c) => Some(c),
        None => chat
            .conversation(&team, &channel)
            .await?
            .filter(|c| c.stopped == Some(Stopped::Unmapped)),
    };
    if let Some(c) = &stopped {
        let n = Notification::channel_bridge_stopped(
            c,
            Some((&route.space_id, &route.room_id)),
            Stopped::Unmapped,
            s.clock.now_secs(),
        );
        // Told through the queue, with the worker's retries.
        jobs::enqueue(
            s.queue.as_ref(),
            &Job::Notify(NotifyJob {
                attempt: 0,
                notification: n,
            }),
            std::time::Duration::ZERO,
        )
        .await?;
    }
    channels.unmap(&team, &channel).await?;
    tracing::info!(%channel, room_id = %route.room_id, "channel unmapped from the office");
    Ok(Json(model::ChannelUnmapped {
        channel_id: channel,
        room: model::MappedRoom {
            space_id: route.space_id,
            room_id: route.room_id,
        },
        chat_stopped: stopped.is_some(),
    }))
}

/// A page of the channel's chat, newest first: what hallway stores merged
/// with Slack's `conversations.history` within the workspace's budget
/// (`partial` and `retry_after` when it is spent). Reading a channel that
/// is not a chat yet opens it for the caller.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/channels/{channel}/messages", tag = "channels",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("channel" = String, Path, description = "The Slack channel's id"),
        model::ChannelHistoryQuery,
    ),
    responses(
        (status = 200, description = "A page of messages", body = model::ChannelHistory),
        (status = 400, description = "A bad limit or cursor", body = model::ErrorBody),
        (status = 409, description = "Link Slack first, or Slack refused", body = model::ErrorBody),
    ))]
pub async fn history(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, channel)): ValidPath<(SpaceId, ChannelId)>,
    ValidQuery(q): ValidQuery<model::ChannelHistoryQuery>,
) -> Result<Json<model::ChannelHistory>, ApiError> {
    let (before, limit) = page_bounds(&model::HistoryQuery {
        before: q.before,
        limit: q.limit,
    })?;
    let thread = match q.thread.as_deref() {
        None | Some("") => None,
        Some(t) => Some(MessageTs::new(t).map_err(|_| E::BadThread)?),
    };
    let mut access = ChannelAccess::open(&s, &caller, &space, channel).await?;
    let chat = s.chat();
    let mut conversation = chat.conversation(&access.team, &access.channel).await?;
    let follower = matches!(access.via, Via::Person { .. }).then(|| access.office_user.clone());
    match (&conversation, &follower) {
        (None, _) => {
            let name = access.route.as_ref().and_then(|r| r.channel_name.clone());
            conversation = Some(
                chat.open_channel(
                    &access.team,
                    &access.channel,
                    name.as_deref(),
                    follower.as_ref(),
                )
                .await?,
            );
        }
        (Some(c), Some(f)) if !c.office_users.contains(f) => {
            chat.follow(&access.team, &access.channel, f).await?;
        }
        _ => {}
    }
    let (team, channel_id) = (access.team.clone(), access.channel.clone());
    let read = match &thread {
        Some(t) => thread_page(&s, &mut access, t, before, limit).await,
        None => stored_history(&s, &team, &channel_id, before, limit, &mut access).await,
    };
    let page = match read {
        Ok(p) => p,
        Err(HistoryFailure::Api(e)) => return Err(e),
        Err(HistoryFailure::Slack(e)) => return Err(access.refusal(&s, e).await),
    };
    let me = access.me().cloned();
    Ok(Json(model::ChannelHistory {
        channel: access.view(conversation.as_ref()),
        messages: page
            .messages
            .iter()
            .map(|m| model::Message::new(m, me.as_ref(), &access.office_user))
            .collect(),
        next_cursor: page.next_cursor,
        partial: page.gap.is_some(),
        partial_reason: page.gap.as_ref().map(|g| g.reason.to_owned()),
        retry_after: page.gap.as_ref().and_then(|g| g.retry_after_secs),
    }))
}

/// Messages of the conversation read per thread page at most: replies
/// are stored among the channel's other messages.
const THREAD_SCAN: usize = 2_000;

/// A thread, oldest first: its parent (on the first page), then replies
/// after `after`. Slack's `conversations.replies` is read first, within
/// the workspace's history budget (the same as `conversations.history`'s),
/// then what is stored is served.
async fn thread_page(
    s: &Services,
    a: &mut ChannelAccess,
    thread: &MessageTs,
    after: Option<MessageTs>,
    limit: u32,
) -> Result<crate::chats::StoredPage, HistoryFailure> {
    let (team, channel) = (a.team.clone(), a.channel.clone());
    let mut gap = None;
    match s
        .rate_budgets()
        .take(
            &team,
            hallway::store::rate::HISTORY,
            s.config.history_per_minute,
            60,
        )
        .await?
    {
        Some(wait) => {
            gap = Some(crate::chats::Gap {
                reason: "this workspace's history budget for the minute is spent",
                retry_after_secs: Some(wait),
            });
        }
        None => match replies(s, a, thread, after.as_ref()).await {
            Ok(page) => crate::chats::store_page(s, &team, &channel, &page).await?,
            Err(SlackError::RateLimited { retry_after }) => {
                gap = Some(crate::chats::Gap {
                    reason: "Slack asked to slow down",
                    retry_after_secs: Some(retry_after.as_secs() as i64),
                });
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, "thread not read from Slack");
                gap = Some(crate::chats::Gap {
                    reason: "Slack did not answer",
                    retry_after_secs: None,
                });
            }
            Err(e) => return Err(HistoryFailure::Slack(e)),
        },
    }
    let chat = s.chat();
    let mut messages = Vec::new();
    if after.is_none()
        && let Some(parent) = chat.message(&team, &channel, thread).await?
    {
        messages.push(parent);
    }
    let want = (limit as usize).saturating_sub(messages.len()).max(1);
    let (replies, go_on) = chat
        .thread_replies(&team, &channel, thread, after.as_ref(), want, THREAD_SCAN)
        .await?;
    messages.extend(replies);
    messages.truncate(limit as usize);
    let next_cursor = go_on;
    Ok(crate::chats::StoredPage {
        messages,
        next_cursor,
        gap,
    })
}

/// One page of `conversations.replies` on the caller's way in.
async fn replies(
    s: &Services,
    a: &mut ChannelAccess,
    thread: &MessageTs,
    after: Option<&MessageTs>,
) -> Result<HistoryPage, SlackError> {
    let channel = a.channel.clone();
    let slack = &s.slack;
    let page = hallway::store::rate::HISTORY_PAGE;
    let oldest = after.map(MessageTs::as_str);
    match &mut a.via {
        Via::Person { token, .. } => {
            with_refresh(s, &a.office_user, &a.team, token, |t| {
                let channel = &channel;
                async move {
                    slack
                        .conversation_replies(&t, channel.as_str(), thread.as_str(), oldest, page)
                        .await
                }
            })
            .await
        }
        Via::App { token } => {
            slack
                .conversation_replies(token, channel.as_str(), thread.as_str(), oldest, page)
                .await
        }
    }
}

/// Writes in the channel from the office: as the caller when they linked
/// Slack, else (in their space's mapped channel) by the app with their
/// name and avatar and a note that they are not linked.
#[utoipa::path(post, path = "/api/v1/spaces/{space}/channels/{channel}/messages", tag = "channels",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("channel" = String, Path, description = "The Slack channel's id"),
    ),
    request_body = model::SendChannelMessage,
    responses(
        (status = 201, description = "Sent", body = model::ChannelMessageSent),
        (status = 400, description = "Empty or too long", body = model::ErrorBody),
        (status = 409, description = "Link Slack first, not in the channel, archived, or Slack refused", body = model::ErrorBody),
        (status = 429, description = "Slack asks to slow down: see `Retry-After`", body = model::ErrorBody),
    ))]
pub async fn send(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, channel)): ValidPath<(SpaceId, ChannelId)>,
    ValidJson(body): ValidJson<model::SendChannelMessage>,
) -> Result<(StatusCode, Json<model::ChannelMessageSent>), ApiError> {
    let Some(text) = message_text(&body.text) else {
        return Err(E::BadText { max: MAX_TEXT }.into());
    };
    if body.broadcast && body.thread_ts.is_none() {
        return Err(E::BroadcastWithoutThread.into());
    }
    let mut access = ChannelAccess::open(&s, &caller, &space, channel).await?;
    let mut message = json!({"channel": access.channel, "text": text});
    if let Some(t) = &body.thread_ts {
        message["thread_ts"] = json!(t);
        if body.broadcast {
            message["reply_broadcast"] = json!(true);
        }
    }
    let slack = &s.slack;
    let (posted, sent_as) = match &mut access.via {
        Via::Person { token, .. } => {
            let message = &message;
            let posted = with_refresh(
                &s,
                &access.office_user,
                &access.team,
                token,
                |t| async move { slack.post_message(&t, message).await },
            )
            .await;
            (posted, model::SentAs::Person)
        }
        Via::App { token } => {
            let name = office_name(&s, &caller).await?;
            as_app(&mut message, &name, text, caller.claims.picture.as_deref());
            (
                slack.post_message(token, &message).await,
                model::SentAs::App,
            )
        }
    };
    let posted = match posted {
        Ok(p) => p,
        Err(SlackError::RateLimited { retry_after }) => {
            return Err(E::RateLimited {
                what: "in this channel",
                retry_after_secs: retry_after.as_secs().max(1),
            }
            .into());
        }
        Err(e) => return Err(access.refusal(&s, e).await),
    };
    let stored = ChatMessage::sent_from_office(
        &access.team,
        &access.channel,
        posted_ts(posted)?,
        access.me().cloned(),
        text,
        body.thread_ts.clone(),
        body.broadcast,
        &access.office_user,
        s.clock.now_secs(),
    );
    let chat = s.chat();
    chat.record(&stored).await?;
    if chat
        .conversation(&access.team, &access.channel)
        .await?
        .is_none()
    {
        let name = access.route.as_ref().and_then(|r| r.channel_name.clone());
        let follower = matches!(access.via, Via::Person { .. }).then(|| access.office_user.clone());
        chat.open_channel(
            &access.team,
            &access.channel,
            name.as_deref(),
            follower.as_ref(),
        )
        .await?;
    }
    tracing::info!(channel = %access.channel, ?sent_as, "channel message sent from the office");
    Ok((
        StatusCode::CREATED,
        Json(model::ChannelMessageSent {
            channel_id: access.channel.clone(),
            sent_as,
            message: model::Message::new(&stored, access.me(), &access.office_user),
        }),
    ))
}

/// The caller's name in the office: the token's, else their profile's.
async fn office_name(s: &Services, caller: &Caller) -> Result<String, ApiError> {
    if let Some(n) = caller
        .claims
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        return Ok(n.trim().to_owned());
    }
    Ok(s.users()
        .get(caller.user())
        .await?
        .map(|u| u.name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Someone in the office".into()))
}

/// A message the app posts for someone not linked: their name and avatar
/// as the author (`username`, `icon_url`: chat.postMessage's "Sending
/// messages as other entities", scope `chat:write.customize`), and a
/// context line saying so, which also names them where the scope is
/// missing and Slack shows the app's own name.
fn as_app(message: &mut serde_json::Value, name: &str, text: &str, picture: Option<&str>) {
    let escaped = hallway::slack::messages::escape(text);
    let who = hallway::slack::messages::escape(name);
    message["text"] = json!(format!("{who}: {escaped}"));
    message["username"] = json!(name);
    if let Some(url) = picture {
        message["icon_url"] = json!(url);
    }
    message["blocks"] = json!([
        {"type": "section", "text": {"type": "mrkdwn", "text": escaped}},
        {"type": "context", "elements": [{"type": "mrkdwn",
            "text": format!("Sent from the office by {who}, who has not linked Slack")}]},
    ]);
}
