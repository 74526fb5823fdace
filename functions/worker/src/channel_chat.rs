//! Channel chat: a channel mapped to a room is that room's chat, and a
//! channel a linked person opened from the office is theirs. New messages,
//! edits and deletions there (`message.channels` / `message.groups`, heard
//! by the app's bot user, which must be in the channel) are stored and told
//! to the office as `chat.channel_message`, `…_changed` and `…_deleted`,
//! with the room, the channel and the author; threads keep their
//! `thread_ts`.
//!
//! No echo: what the office posted is stored when it is sent (as the
//! office's), so its event is known; what the app posts as someone not
//! linked carries a `bot_id` and never gets here. A channel chat stops
//! when the room is unmapped, the channel archived or deleted, or the bot
//! removed from it (`chat.channel_bridge_stopped`, once a stop); the bot
//! added back restarts a mapped channel's chat.

use hallway::channel_chat::BotPresence;
use hallway::ids::{ChannelId, TeamId, UserId};
use hallway::office_webhook::Notification;
use hallway::slack::events::NewMessage;
use hallway::store::chat::{Source, Stopped};
use hallway::store::{ChannelRoute, ChatMessage, Conversation};
use serde_json::{Value, json};

use crate::chat::{files_of, notify, record_new, tell_office};
use crate::{JobError, Worker};

pub async fn message(w: &Worker, team: &TeamId, m: &NewMessage) -> Result<(), JobError> {
    let s = &w.services;
    let Some((conversation, route)) = bridge(w, team, &m.channel).await? else {
        tracing::info!(channel = %m.channel, "a channel that is not bridged; nothing to do");
        return Ok(());
    };
    let files = files_of(w, team, &conversation, &m.files).await?;
    let Some(stored) = record_new(w, team, m, files).await? else {
        return Ok(());
    };
    let chat = s.chat();
    let data = message_data(w, team, &stored, &conversation, route.as_ref()).await?;
    notify(w, team, "chat.channel_message", &stored, data).await?;
    chat.mark_notified(team, &m.channel, &m.ts).await?;
    tracing::info!(channel = %m.channel, mapped = route.is_some(), "channel message bridged");
    Ok(())
}

/// An edit of a stored channel message (the chat module found it).
pub async fn changed(
    w: &Worker,
    team: &TeamId,
    conversation: &Conversation,
    updated: &ChatMessage,
) -> Result<(), JobError> {
    tell_change(
        w,
        team,
        conversation,
        updated,
        "chat.channel_message_changed",
    )
    .await
}

/// A deletion of a stored channel message.
pub async fn deleted(
    w: &Worker,
    team: &TeamId,
    conversation: &Conversation,
    gone: &ChatMessage,
) -> Result<(), JobError> {
    tell_change(w, team, conversation, gone, "chat.channel_message_deleted").await
}

/// Tells the office of a change to a message of a live channel chat.
async fn tell_change(
    w: &Worker,
    team: &TeamId,
    conversation: &Conversation,
    m: &ChatMessage,
    kind: &str,
) -> Result<(), JobError> {
    if conversation.stopped.is_some() {
        return Ok(());
    }
    let route = w
        .services
        .channels()
        .route(team, &conversation.channel_id)
        .await?;
    let data = message_data(w, team, m, conversation, route.as_ref()).await?;
    notify(w, team, kind, m, data).await
}

/// The channel's live chat and its mapping, if it has one. A channel
/// mapped before channel chat existed has no chat record: it gets one.
async fn bridge(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
) -> Result<Option<(Conversation, Option<ChannelRoute>)>, JobError> {
    let s = &w.services;
    let chat = s.chat();
    // Two independent reads, at once: this runs for every message of
    // every channel the bot is in.
    let channels = s.channels();
    let (conversation, route) = tokio::try_join!(
        chat.conversation(team, channel),
        channels.route(team, channel)
    )?;
    Ok(match (conversation, route) {
        (Some(c), route) if c.is_live_channel() => Some((c, route)),
        (Some(_), _) => None,
        (None, Some(route)) => {
            let c = chat
                .open_channel(team, channel, route.channel_name.as_deref(), None)
                .await?;
            Some((c, Some(route)))
        }
        (None, None) => None,
    })
}

/// What the office is told of a channel message: the message, its
/// channel, the room whose chat it is, and its author (linked or not).
async fn message_data(
    w: &Worker,
    team: &TeamId,
    m: &ChatMessage,
    conversation: &Conversation,
    route: Option<&ChannelRoute>,
) -> Result<Value, JobError> {
    let s = &w.services;
    let author = match &m.user {
        Some(user) => Some(author(w, team, user).await?),
        None => None,
    };
    Ok(json!({
        "channel": {"id": m.channel_id, "name": conversation.name},
        "room": route.map(|r| json!({"space_id": r.space_id, "room_id": r.room_id})),
        "ts": m.ts,
        "thread_ts": m.thread_ts,
        "broadcast": m.broadcast,
        "files": m.files,
        "user": m.user,
        "author": author,
        "text": m.text,
        "edited_ts": m.edited_ts,
        "deleted": m.deleted,
        "from": match m.source { Source::Office => "office", Source::Slack => "slack" },
        "office_users": conversation.office_users,
        "received_at": s.clock.now_secs(),
    }))
}

async fn author(w: &Worker, team: &TeamId, user: &UserId) -> Result<Value, JobError> {
    let s = &w.services;
    let office_user = s.links().office_user_for(team, user).await?;
    let person = s.directory().get(team, user).await?;
    Ok(json!({
        "slack_user_id": user,
        "office_user_id": office_user,
        "name": person.as_ref().map(|p| p.label().to_owned()),
        "avatar": person.and_then(|p| p.avatar),
    }))
}

/// The channel was archived or deleted (its mapping goes: the channel
/// cannot meet any more), or the bot was removed (the mapping stays, so
/// `/hallway` there still calls the room; the chat stops until the bot is
/// back). The office is told once.
pub async fn stopped(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
    why: Stopped,
) -> Result<(), JobError> {
    let s = &w.services;
    let channels = s.channels();
    let route = match why {
        Stopped::Archived | Stopped::Deleted => channels.unmap(team, channel).await?,
        _ => channels.route(team, channel).await?,
    };
    let chat = s.chat();
    if route.is_some() && chat.conversation(team, channel).await?.is_none() {
        let name = route.as_ref().and_then(|r| r.channel_name.as_deref());
        chat.open_channel(team, channel, name, None).await?;
    }
    let Some(conversation) = chat.stop_channel(team, channel, why).await? else {
        tracing::info!(%channel, reason = why.as_str(), "no live channel chat to stop");
        return Ok(());
    };
    tracing::info!(%channel, reason = why.as_str(), mapped = route.is_some(), "channel chat stopped");
    let n = Notification::channel_bridge_stopped(
        &conversation,
        route.as_ref().map(|r| (&r.space_id, &r.room_id)),
        why,
        s.clock.now_secs(),
    );
    tell_office(w, n).await
}

/// Someone left a channel: when it is the app's bot user, the chat stops
/// as on `channel_left`; a linked person stops following it (its messages
/// are no longer theirs to read).
pub async fn member_left(
    w: &Worker,
    team: &TeamId,
    user: &UserId,
    channel: &ChannelId,
) -> Result<(), JobError> {
    let bot = w
        .services
        .installations()
        .get(team)
        .await
        .map_err(JobError::retry)?
        .map(|i| i.bot_user_id);
    if bot.as_ref() == Some(user) {
        return stopped(w, team, channel, Stopped::Removed).await;
    }
    if let Some(office_user) = w.services.links().office_user_for(team, user).await? {
        w.services
            .chat()
            .unfollow(team, channel, &office_user)
            .await?;
        tracing::info!(%channel, "a linked person left the channel; they no longer follow its chat");
    }
    Ok(())
}

/// The bot was added to a channel: a mapped channel's chat that stopped
/// because the bot was removed starts again. Events come in no promised
/// order, so a join heard after a later removal must not restart the chat:
/// Slack is asked whether the bot is in the channel now.
pub async fn bot_joined(w: &Worker, team: &TeamId, channel: &ChannelId) -> Result<(), JobError> {
    let s = &w.services;
    let Some(route) = s.channels().route(team, channel).await? else {
        return Ok(());
    };
    let chat = s.chat();
    let stopped = chat
        .conversation(team, channel)
        .await?
        .and_then(|c| c.stopped);
    if stopped != Some(Stopped::Removed) {
        return Ok(());
    }
    let Some(token) = crate::token_if_installed(w, team).await? else {
        return Ok(());
    };
    crate::paced(w, team, "conversations.info")?;
    match s.slack.conversation_info(&token, channel.as_str()).await {
        Ok(info) if info.is_member => {
            chat.open_channel(team, channel, route.channel_name.as_deref(), None)
                .await?;
            tracing::info!(%channel, "the bot is back in the mapped channel; its chat is live again");
        }
        Ok(_) => {
            tracing::info!(%channel, "a join heard after the bot left again; the chat stays stopped")
        }
        Err(e) => {
            let e = crate::slack_failure(w, team, "conversations.info", e).await?;
            tracing::warn!(error = %e, %channel, "could not tell whether the bot is back");
        }
    }
    Ok(())
}

/// Brings the bot into a channel mapped to a room (see
/// [`hallway::channel_chat::bring_bot`]); `Err(why)` when Slack refused in
/// a way a retry cannot fix. The chat starts either way, and flows once
/// the bot is in.
pub async fn bring_bot(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
) -> Result<Result<BotPresence, String>, JobError> {
    let Some(token) = crate::token_if_installed(w, team).await? else {
        return Ok(Err("hallway is not installed".into()));
    };
    crate::paced(w, team, "conversations.info")?;
    crate::paced(w, team, "conversations.join")?;
    match hallway::channel_chat::bring_bot(&w.services.slack, &token, channel.as_str()).await {
        Ok(p) => Ok(Ok(p)),
        Err(e) => {
            let method = if matches!(&e, hallway::slack::SlackError::Api { method, .. } if method == "conversations.join")
            {
                "conversations.join"
            } else {
                "conversations.info"
            };
            let e = crate::slack_failure(w, team, method, e).await?;
            Ok(Err(e.to_string()))
        }
    }
}
