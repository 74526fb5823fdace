//! A call's Slack Call card (docs.slack.dev/apis/web-api/using-the-calls-api):
//! registered with `calls.add` (the room's join link, the caller as
//! `created_by`, who is in the room now), posted on the command's
//! `response_url` as `in_channel` (which reaches DMs and private channels
//! the bot is not in), kept current from the office's presence snapshots
//! (`calls.participants.add` / `remove`: Slack ids for people linked in
//! this workspace, office names for the rest) and ended with the meeting
//! (`calls.end` with its duration), before the summary.
//!
//! Where the workspace does not take the app as a Calls provider (Slack
//! documents no error for it; any refusal of `calls.add` counts), the
//! plain call message with its Join button is posted instead.

use hallway::ids::{OfficeUserId, RoomId, SpaceId, TeamId};
use hallway::jobs::{self, CallCard, CallSyncJob, CommandJob, Job};
use hallway::slack::SlackError;
use hallway::slack::client::{CallUser, NewCall};
use hallway::slack::messages;
use hallway::store::meetings::Meeting;
use serde_json::json;

use crate::{JobError, Worker, paced, slack_failure, token_if_installed};

const ADD: &str = "calls.add";
const PARTICIPANTS: &str = "calls.participants";
const END: &str = "calls.end";

/// The office people as Slack Call participants: linked in `team`, their
/// Slack id; else their office name (an `external_id` Slack shows by
/// `display_name`).
async fn participants(
    w: &Worker,
    team: &TeamId,
    people: &[OfficeUserId],
) -> Result<Vec<CallUser>, JobError> {
    let s = &w.services;
    let mut out = Vec::with_capacity(people.len());
    for u in people {
        let linked = s
            .links()
            .of_user(u)
            .await?
            .into_iter()
            .find(|l| l.team_id == *team);
        out.push(match linked {
            Some(l) => CallUser::Slack {
                slack_id: l.slack_user_id.to_string(),
            },
            None => CallUser::External {
                external_id: u.to_string(),
                display_name: crate::unfurl::names(w, std::slice::from_ref(u))
                    .await?
                    .remove(0),
            },
        });
    }
    Ok(out)
}

/// Who is in the room now, from the space's record.
async fn occupants(
    w: &Worker,
    space: &SpaceId,
    room: &RoomId,
) -> Result<Option<Vec<OfficeUserId>>, JobError> {
    let (_, rooms) = w
        .services
        .spaces()
        .with_rooms(space)
        .await
        .map_err(JobError::retry)?;
    Ok(rooms
        .into_iter()
        .find(|r| r.id == *room)
        .map(|r| r.occupants))
}

/// Posts the call of `job` as a Call card, or as the plain message when
/// Slack will not take the Call. The meeting is recorded already.
pub async fn start(w: &Worker, job: &CommandJob, card: &CallCard) -> Result<(), JobError> {
    let s = &w.services;
    let Some(url) = card.response_url.as_deref().or(job.response_url.as_deref()) else {
        return Ok(());
    };
    let Some(token) = token_if_installed(w, &job.team_id).await? else {
        return Ok(());
    };
    // A call into a room whose meeting has a card already shows that card.
    let call_id = match s.meetings().get(&job.space_id, &job.room_id).await? {
        Some(m) => match m.slack_call_id.clone() {
            Some(id) => Some(id),
            None => register(w, &token, job, &m, card).await?,
        },
        None => None,
    };
    let l = crate::reader_locale(w, &job.team_id, &job.user_id).await;
    let mut body = match &call_id {
        Some(id) => messages::call_card(
            job.user_id.as_str(),
            &job.room_name,
            &job.space_name,
            id,
            card.mention.as_deref(),
            l,
        ),
        None => messages::call_to_room(
            job.user_id.as_str(),
            &job.room_name,
            &job.space_name,
            &s.member_join_url(&job.space_id, &job.room_id, None),
            card.note.as_deref(),
            card.mention.as_deref(),
            l,
        ),
    };
    // The acknowledgement's "Starting a call…" stays; the call is new.
    body["replace_original"] = json!(false);
    match s.slack.respond(url, &body).await {
        Ok(()) => {
            tracing::info!(call_id = ?call_id, "call posted");
            Ok(())
        }
        Err(e) if e.is_transient() => Err(JobError::from_transient(&e)),
        Err(e) => {
            tracing::warn!(error = %e, "the call could not be posted");
            Ok(())
        }
    }
}

/// Registers the meeting's Slack Call; `None` when Slack refuses it (the
/// plain message is used instead).
async fn register(
    w: &Worker,
    token: &hallway::secrets::Secret,
    job: &CommandJob,
    meeting: &Meeting,
    card: &CallCard,
) -> Result<Option<String>, JobError> {
    let s = &w.services;
    let present = occupants(w, &job.space_id, &job.room_id)
        .await?
        .unwrap_or_default();
    let users = participants(w, &job.team_id, &present).await?;
    // Fixed when the call was asked for, so a redelivered job registers
    // the same Call (Slack refuses a second use of the id).
    let unique = match &card.key {
        Some(key) => key.clone(),
        None => format!("{}/{}/{}", job.space_id, job.room_id, meeting.called_at),
    };
    let join_url = s.member_join_url(&job.space_id, &job.room_id, None);
    let title = format!("{} ({})", job.room_name, job.space_name);
    paced(w, &job.team_id, ADD)?;
    let new = NewCall {
        external_unique_id: &unique,
        join_url: &join_url,
        created_by: job.user_id.as_str(),
        title: &title,
        date_start: meeting.called_at,
        users,
    };
    let id = match s.slack.calls_add(token, &new).await {
        Ok(id) => id,
        Err(e) => {
            let refusal = slack_failure(w, &job.team_id, ADD, e).await?;
            tracing::info!(error = %refusal, "Slack did not take the call; the plain message is posted");
            return Ok(None);
        }
    };
    let attached = s
        .meetings()
        .attach_call(&job.space_id, &job.room_id, &id, &present)
        .await?;
    if attached.as_deref() != Some(id.as_str()) {
        // Another delivery attached one first (show that one), or the
        // meeting is gone (the plain message): this Call is nobody's.
        if let Err(e) = end(w, &job.team_id, &id, 0).await {
            tracing::warn!(error = %e, call_id = id, "an unused call card left open");
        }
        return Ok(attached);
    }
    // Nothing else ends a Call whose meeting never starts: a check a day
    // on does (and again each day while the meeting goes on).
    expiry_check(w, &job.team_id, &job.space_id, &job.room_id, &id).await?;
    Ok(Some(id))
}

/// How long after its registration a Call is checked.
const CALL_CHECK: std::time::Duration = std::time::Duration::from_secs(25 * 3600);

async fn expiry_check(
    w: &Worker,
    team: &TeamId,
    space: &SpaceId,
    room: &RoomId,
    call_id: &str,
) -> Result<(), JobError> {
    let job = Job::CallSync(CallSyncJob {
        team_id: team.clone(),
        space_id: space.clone(),
        room_id: room.clone(),
        expiry_of: Some(call_id.to_owned()),
    });
    jobs::enqueue(w.services.queue.as_ref(), &job, CALL_CHECK).await?;
    Ok(())
}

/// Brings a meeting's Call card up to date with who is in its room now;
/// for a day-on check, ends a Call nothing else will.
pub async fn sync(w: &Worker, job: CallSyncJob) -> Result<(), JobError> {
    let s = &w.services;
    let meeting = s.meetings().get(&job.space_id, &job.room_id).await?;
    let now = occupants(w, &job.space_id, &job.room_id).await?;
    if let Some(checked) = &job.expiry_of {
        let ours = meeting
            .as_ref()
            .filter(|m| m.slack_call_id.as_deref() == Some(checked.as_str()));
        return match (ours, &now) {
            // Going on in a room that still exists: look again later.
            (Some(m), Some(_)) if m.started_at.is_some() => {
                expiry_check(w, &job.team_id, &job.space_id, &job.room_id, checked).await
            }
            _ => {
                tracing::info!(
                    call_id = checked,
                    "the call card's meeting never started or is gone; ending it"
                );
                end(w, &job.team_id, checked, 0).await?;
                // A later call into the room gets a card of its own.
                s.meetings()
                    .forget_call(&job.space_id, &job.room_id, checked)
                    .await?;
                Ok(())
            }
        };
    }
    let Some(meeting) = meeting else {
        return Ok(());
    };
    let Some(call_id) = meeting.slack_call_id.clone() else {
        return Ok(());
    };
    let Some(now) = now else {
        return Ok(());
    };
    let arrived: Vec<OfficeUserId> = now
        .iter()
        .filter(|u| !meeting.call_present.contains(u))
        .cloned()
        .collect();
    let left: Vec<OfficeUserId> = meeting
        .call_present
        .iter()
        .filter(|u| !now.contains(u))
        .cloned()
        .collect();
    if arrived.is_empty() && left.is_empty() {
        return Ok(());
    }
    let Some(token) = token_if_installed(w, &job.team_id).await? else {
        return Ok(());
    };
    for (people, add) in [(arrived, true), (left, false)] {
        if people.is_empty() {
            continue;
        }
        let users = participants(w, &job.team_id, &people).await?;
        paced(w, &job.team_id, PARTICIPANTS)?;
        match s
            .slack
            .calls_participants(&token, &call_id, &users, add)
            .await
        {
            Ok(()) => {}
            // Listed already (or not listed): the card shows it already.
            Err(SlackError::Api { code, .. }) if code == "bad_users" => {}
            Err(e) => {
                // Ended (`inactive_call`, `invalid_call_id`) or refused:
                // recorded as done, so snapshots stop queueing this.
                let refusal = match e {
                    e @ SlackError::Api { .. } => e,
                    e => slack_failure(w, &job.team_id, PARTICIPANTS, e).await?,
                };
                tracing::info!(error = %refusal, "the call card's people were not updated");
                s.meetings()
                    .set_call_present(&job.space_id, &job.room_id, &call_id, &now)
                    .await?;
                return Ok(());
            }
        }
    }
    s.meetings()
        .set_call_present(&job.space_id, &job.room_id, &call_id, &now)
        .await?;
    tracing::info!(call_id, people = now.len(), "call card brought up to date");
    Ok(())
}

/// Ends a Call card. Only a wait (Slack's pace) or a failure worth
/// retrying is an error: a card that cannot be ended says so on its own,
/// and the meeting's summary follows either way.
pub async fn end(
    w: &Worker,
    team: &TeamId,
    call_id: &str,
    duration_secs: i64,
) -> Result<(), JobError> {
    let Some(token) = token_if_installed(w, team).await? else {
        return Ok(());
    };
    paced(w, team, END)?;
    match w
        .services
        .slack
        .calls_end(&token, call_id, duration_secs)
        .await
    {
        Ok(()) => tracing::info!(call_id, duration_secs, "call card ended"),
        Err(SlackError::Api { code, .. }) if code == "inactive_call" => {}
        Err(e) => {
            let refusal = slack_failure(w, team, END, e).await?;
            tracing::warn!(error = %refusal, call_id, "the call card could not be ended");
        }
    }
    Ok(())
}
