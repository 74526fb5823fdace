//! Channels mapped to rooms: a person joining one is welcomed by DM with the
//! room's Join button (once per person and channel), and a rename of the
//! channel renames the room when the room was named after it.

use hallway::ids::{ChannelId, TeamId, UserId};
use hallway::slack::events::RenamedChannel;
use hallway::slack::messages;
use hallway::store::spaces::SpacesError;
use serde_json::json;

use crate::{JobError, Worker, paced, slack_failure, token_if_installed, unfurl};

pub async fn member_joined(
    w: &Worker,
    team: &TeamId,
    user: &UserId,
    channel: &ChannelId,
) -> Result<(), JobError> {
    let s = &w.services;
    let channels = s.channels();
    let Some(route) = channels
        .route(team, channel)
        .await
        .map_err(JobError::retry)?
    else {
        tracing::debug!(%channel, "not a mapped channel");
        return Ok(());
    };
    // The bot joining (it must, to hear the channel) and other bots are not
    // welcomed; the bot joining brings the channel's chat back.
    let installation = s.installations().get(team).await.map_err(JobError::retry)?;
    if installation
        .as_ref()
        .is_some_and(|i| &i.bot_user_id == user)
    {
        return crate::channel_chat::bot_joined(w, team, channel).await;
    }
    if let Some(p) = s
        .directory()
        .get(team, user)
        .await
        .map_err(JobError::retry)?
        && (p.is_bot || p.deleted)
    {
        return Ok(());
    }
    let spaces = s.spaces();
    let (Some(space), Some(room)) = (
        spaces.get(&route.space_id).await.map_err(JobError::retry)?,
        spaces
            .room(&route.space_id, &route.room_id)
            .await
            .map_err(JobError::retry)?,
    ) else {
        tracing::info!(%channel, "the mapped room is gone; no welcome");
        return Ok(());
    };
    if !space.connected {
        return Ok(());
    }
    let Some(token) = token_if_installed(w, team).await? else {
        return Ok(());
    };
    let names = unfurl::names(w, &room.occupants).await?;
    let l = crate::reader_locale(w, team, user).await;
    let (text, blocks) = messages::channel_welcome_dm(
        channel.as_str(),
        &room.name,
        &space.name,
        &names,
        &s.member_join_url(&space.id, &room.id, None),
        l,
    );
    paced(w, team, "chat.postMessage")?;
    // Nothing may fail between the claim and the send but the send itself.
    if !channels
        .claim_welcome(team, channel, user)
        .await
        .map_err(JobError::retry)?
    {
        tracing::info!(user_id = %user, %channel, "welcomed before");
        return Ok(());
    }
    let sent = s
        .slack
        .post_message(
            &token,
            &json!({"channel": user, "text": text, "blocks": blocks}),
        )
        .await;
    match sent {
        Ok(_) => {
            tracing::info!(user_id = %user, %channel, room = %room.name, "welcomed to the channel's room");
            Ok(())
        }
        Err(e) => {
            // Not sent: the claim goes back so a retry (or a later join)
            // can welcome them. A refusal is logged and not retried.
            channels
                .release_welcome(team, channel, user)
                .await
                .map_err(JobError::retry)?;
            let refusal = slack_failure(w, team, "chat.postMessage", e).await?;
            tracing::warn!(error = %refusal, user_id = %user, "welcome DM refused");
            Ok(())
        }
    }
}

/// The room follows the channel's name only when it was named after it
/// (as `/hallway 'space' 'room'` leaves it when the names match); a room
/// someone named otherwise keeps its name.
pub async fn renamed(w: &Worker, team: &TeamId, channel: &RenamedChannel) -> Result<(), JobError> {
    let s = &w.services;
    // Its chat (mapped or opened) shows the new name.
    s.chat()
        .rename_channel(team, &channel.id, &channel.name)
        .await?;
    let channels = s.channels();
    let Some(before) = channels
        .route(team, &channel.id)
        .await
        .map_err(JobError::retry)?
    else {
        return Ok(());
    };
    let spaces = s.spaces();
    let room = spaces
        .room(&before.space_id, &before.room_id)
        .await
        .map_err(JobError::retry)?;
    let named_after = |room_name: &str| {
        before.channel_name.as_deref().is_some_and(|old| {
            room_name
                .trim_start_matches('#')
                .eq_ignore_ascii_case(old.trim_start_matches('#'))
        })
    };
    if let Some(room) = room.filter(|r| named_after(&r.name)) {
        match spaces
            .update_room(&room.space_id, &room.id, Some(&channel.name), None)
            .await
        {
            Ok(_) => {
                tracing::info!(from = %room.name, to = %channel.name, "room renamed with its channel")
            }
            Err(SpacesError::Table(e)) => return Err(JobError::retry(e)),
            Err(e) => tracing::warn!(error = %e, "room not renamed"),
        }
    }
    channels
        .rename(team, &channel.id, &channel.name)
        .await
        .map_err(JobError::retry)?;
    Ok(())
}

/// A mapped private channel was shared and got a new id: it keeps meeting
/// in its room under the new one.
pub async fn id_changed(
    w: &Worker,
    team: &TeamId,
    old: &ChannelId,
    new: &ChannelId,
) -> Result<(), JobError> {
    match w.services.channels().move_route(team, old, new).await? {
        Some(route) => {
            tracing::info!(%old, %new, room_id = %route.room_id, "a mapped channel's id changed; the mapping moved")
        }
        None => tracing::info!(%old, %new, "a channel that is not mapped changed its id"),
    }
    Ok(())
}
