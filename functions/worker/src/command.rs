//! What a `/hallway` answered and left to be done ([`CommandJob`]): the
//! meeting record, an invite and its fan-out, a channel's mapping and its
//! onboarding. The command answered from one read and one send; the writes
//! are here, each keyed by what the command fixed (the invite id, the
//! room), so a job delivered twice writes the same records once and hands
//! on the same idempotent jobs.

use std::time::Duration;

use hallway::i18n::Locale;
use hallway::jobs::{self, CommandAction, CommandJob, Job, OnboardJob};
use hallway::services::Services;
use hallway::slack::messages::escape;
use hallway::start_invite::start_invite;
use hallway::store::invites::Origin;
use hallway::store::meetings::Call;
use hallway::store::{NewInvite, Role};
use hallway::t;

use crate::{JobError, Worker};
use hallway::channel_chat::BotPresence;

pub async fn command(w: &Worker, job: CommandJob) -> Result<(), JobError> {
    let s = &w.services;
    // The command answered from its team's brief of the space; before
    // anyone is invited, the room must still be there and the space still
    // this team's (a brief can lag a change by a failed rewrite).
    if !matches!(job.action, CommandAction::Call { .. }) && !still_there(w, &job).await? {
        return Ok(());
    }
    match &job.action {
        CommandAction::Call { card: None } => record_meeting(s, &job).await,
        CommandAction::Call { card: Some(card) } => {
            record_meeting(s, &job).await?;
            crate::calls::start(w, &job, card).await
        }
        CommandAction::Invite {
            invite_id,
            recipients,
            call,
        } => {
            let total = u32::try_from(recipients.len()).unwrap_or(u32::MAX);
            let new = new_invite(s, &job, Origin::Command, total).await?;
            // The meeting is recorded before the fan-out is queued, so the
            // summary the last delivery triggers finds it.
            record_meeting(s, &job).await?;
            start_invite(
                &s.invites(),
                s.queue.as_ref(),
                invite_id,
                new,
                recipients.clone(),
            )
            .await?;
            tracing::info!(invite_id, recipients = recipients.len(), "invite written");
            if let Some(card) = call {
                crate::calls::start(w, &job, card).await?;
            }
            Ok(())
        }
        CommandAction::MapChannel { invite_id } => map_channel(w, &job, invite_id).await,
    }
}

/// Whether the job's room is still in its space and the space still mapped
/// to its team; if not, the caller is told and nothing else is done.
async fn still_there(w: &Worker, job: &CommandJob) -> Result<bool, JobError> {
    let s = &w.services;
    let (space, rooms) = s
        .spaces()
        .with_rooms(&job.space_id)
        .await
        .map_err(JobError::retry)?;
    let mapped = space
        .as_ref()
        .is_some_and(|sp| sp.team_id.as_ref() == Some(&job.team_id));
    if mapped && rooms.iter().any(|r| r.id == job.room_id) {
        return Ok(true);
    }
    let l = crate::reader_locale(w, &job.team_id, &job.user_id).await;
    let text = if !mapped {
        t!(l, "job-space-gone", space = job.space_name.as_str())
    } else if !rooms.iter().any(|r| r.id == job.room_id) {
        t!(
            l,
            "job-room-gone",
            room = job.room_name.as_str(),
            space = job.space_name.as_str(),
            command = job.command.as_str()
        )
    } else {
        return Ok(true);
    };
    tracing::info!(room_id = %job.room_id, mapped, "command job's room is gone");
    tell(w, job, l, &escape(&text)).await;
    Ok(false)
}

/// Remembers that this conversation called people to the room, so its
/// summary comes back here when the room empties.
async fn record_meeting(s: &Services, job: &CommandJob) -> Result<(), JobError> {
    let call = Call {
        space_id: job.space_id.clone(),
        room_id: job.room_id.clone(),
        team_id: job.team_id.clone(),
        channel_id: job.channel_id.clone(),
        called_by: Some(job.user_id.clone()),
        direct: job.direct,
    };
    if s.meetings().call(&call).await? {
        tracing::info!(room_id = %call.room_id, "meeting called");
    } else {
        tracing::info!(room_id = %call.room_id, "a meeting is going on there; the call joins it");
    }
    Ok(())
}

/// The name the invite DMs give the inviter: their office profile's, else
/// their Slack handle.
async fn inviter_name(s: &Services, job: &CommandJob) -> Result<String, JobError> {
    Ok(match s.users().get(&job.caller).await? {
        Some(u) if !u.name.is_empty() => u.name,
        _ => job
            .user_name
            .clone()
            .unwrap_or_else(|| job.user_id.to_string()),
    })
}

async fn new_invite(
    s: &Services,
    job: &CommandJob,
    origin: Origin,
    total: u32,
) -> Result<NewInvite, JobError> {
    Ok(NewInvite {
        team_id: job.team_id.clone(),
        space_id: job.space_id.clone(),
        space_name: job.space_name.clone(),
        room_id: job.room_id.clone(),
        room_name: job.room_name.clone(),
        inviter_name: inviter_name(s, job).await?,
        inviter_office_user: Some(job.caller.clone()),
        inviter_slack_user: Some(job.user_id.clone()),
        origin,
        channel_id: Some(job.channel_id.clone()),
        response_url: job.response_url.clone(),
        view_id: job.view_id.clone(),
        note: job.note.clone(),
        about: about_link(s, job).await,
        step: None,
        total,
    })
}

/// Tells the person who ran the command, in the conversation they ran it
/// in, visible only to them. Best effort: Slack keeps a `response_url` for
/// 30 minutes and five uses, and the invite's summary still follows.
async fn tell(w: &Worker, job: &CommandJob, l: Locale, text: &str) {
    let asker = crate::asker::Asker {
        team: &job.team_id,
        user: Some(&job.user_id),
        response_url: job.response_url.as_deref(),
        view_id: job.view_id.as_deref(),
        locale: l,
    };
    if let Err(e) = crate::asker::tell(w, &asker, &t!(l, "modal-title"), text).await {
        tracing::warn!(error = %e, "could not tell the caller");
    }
}

/// A link to the message the meet form was opened on. Best effort: an
/// invite without it still says where to meet.
async fn about_link(s: &Services, job: &CommandJob) -> Option<String> {
    let about = job.about.as_ref()?;
    let token = s.bot_token(&job.team_id).await.ok()?;
    match s
        .slack
        .permalink(&token, about.channel.as_str(), about.ts.as_str())
        .await
    {
        Ok(link) => Some(link),
        Err(e) => {
            tracing::info!(error = %e, "no link to the message the invite is about");
            None
        }
    }
}

/// Maps the channel to the room if the caller may (a member of the space,
/// not a guest), starts the channel's chat (bringing the bot in, or asking
/// for it), says so, and hands the channel's members to onboarding.
async fn map_channel(w: &Worker, job: &CommandJob, invite_id: &str) -> Result<(), JobError> {
    let s = &w.services;
    let member = s.members().get(&job.space_id, &job.caller).await?;
    if member.as_ref().is_none_or(|m| m.role == Role::Guest) {
        tracing::info!(space_id = %job.space_id, "channel mapping refused: not a member");
        let l = crate::reader_locale(w, &job.team_id, &job.user_id).await;
        let text = t!(l, "job-map-not-member", space = job.space_name.as_str());
        tell(w, job, l, &escape(&text)).await;
        return Ok(());
    }
    let previous = s.channels().route(&job.team_id, &job.channel_id).await?;
    s.channels()
        .map(
            &job.team_id,
            &job.channel_id,
            job.channel_name.as_deref(),
            &job.space_id,
            &job.room_id,
            Some(&job.user_id),
        )
        .await?;
    // The room the channel was the chat of loses it: its office is told.
    if let Some(old) = previous.filter(|r| r.space_id != job.space_id || r.room_id != job.room_id)
        && let Some(c) = s.chat().conversation(&job.team_id, &job.channel_id).await?
        && c.is_live_channel()
    {
        let n = hallway::office_webhook::Notification::channel_bridge_stopped(
            &c,
            Some((&old.space_id, &old.room_id)),
            hallway::store::chat::Stopped::Unmapped,
            s.clock.now_secs(),
        );
        crate::chat::tell_office(w, n).await?;
        tracing::info!(channel_id = %job.channel_id, old_room = %old.room_id, "the channel's chat moved to another room");
    }
    s.chat()
        .open_channel(
            &job.team_id,
            &job.channel_id,
            job.channel_name.as_deref(),
            None,
        )
        .await?;
    let presence = crate::channel_chat::bring_bot(w, &job.team_id, &job.channel_id).await?;
    let new = new_invite(s, job, Origin::Channel, 0).await?;
    s.invites().create_once(invite_id, new).await?;
    record_meeting(s, job).await?;
    // Said once the mapping is written, before anything can fail after it:
    // a redelivered job says it again rather than never.
    let l = crate::reader_locale(w, &job.team_id, &job.user_id).await;
    let channel = job
        .channel_name
        .as_deref()
        .map(|n| format!("#{n}"))
        .unwrap_or_else(|| t!(l, "job-map-this-channel"));
    let room = job.room_name.as_str();
    let chat = match presence {
        Ok(BotPresence::Member | BotPresence::Joined) => t!(l, "job-map-chat-live", room = room),
        Ok(BotPresence::MustBeInvited) => t!(l, "job-map-chat-invite", room = room),
        Err(why) => {
            tracing::warn!(why, "could not bring the bot into the mapped channel");
            t!(l, "job-map-chat-unknown")
        }
    };
    let text = t!(
        l,
        "job-map-done",
        channel = channel,
        room = room,
        space = job.space_name.as_str(),
        command = job.command.as_str(),
        chat = chat
    );
    tell(w, job, l, &escape(&text)).await;
    let onboard = Job::Onboard(OnboardJob {
        invite_id: invite_id.to_owned(),
        team_id: job.team_id.clone(),
        channel_id: job.channel_id.clone(),
        caller: job.user_id.clone(),
        also: Vec::new(),
    });
    jobs::enqueue(s.queue.as_ref(), &onboard, Duration::ZERO).await?;
    Ok(())
}
