//! Meeting notices: when a meeting called from Slack ends (its room
//! emptied), a summary goes to the conversation where it was called: the
//! room, who joined, how long. A call typed in a DM (where the app cannot
//! post) is summed up to the caller in the app's DM instead.

use hallway::jobs::MeetingNoticeJob;
use hallway::slack::messages;
use serde_json::json;

use crate::unfurl::names;
use crate::{JobError, Worker, paced, slack_failure, token_if_installed};

pub async fn meeting_ended(w: &Worker, job: MeetingNoticeJob) -> Result<(), JobError> {
    let s = &w.services;
    let m = &job.meeting;
    let team = &m.team_id;
    let Some(token) = token_if_installed(w, team).await? else {
        tracing::info!("not installed any more; no meeting summary");
        return Ok(());
    };
    // The card ends with the meeting, before its summary.
    if let Some(call_id) = &m.slack_call_id {
        crate::calls::end(w, team, call_id, m.duration_secs(job.ended_at)).await?;
    }
    let channel = match (m.direct, &m.called_by) {
        (true, Some(caller)) => caller.to_string(),
        (true, None) => return Ok(()),
        (false, _) => m.channel_id.to_string(),
    };
    let joined = names(w, &m.joined).await?;
    // Written for whoever called the meeting.
    let l = match &m.called_by {
        Some(u) => crate::reader_locale(w, team, u).await,
        None => hallway::i18n::Locale::En,
    };
    let (text, blocks) = messages::meeting_summary(
        &job.room_name,
        &job.space_name,
        &joined,
        m.duration_secs(job.ended_at),
        m.called_by.as_ref().map(|u| u.as_str()),
        l,
    );
    paced(w, team, "chat.postMessage")?;
    match s
        .slack
        .post_message(
            &token,
            &json!({"channel": channel, "text": text, "blocks": blocks}),
        )
        .await
    {
        Ok(_) => {
            tracing::info!(%channel, room = %job.room_name, joined = joined.len(), "meeting summary posted");
            Ok(())
        }
        Err(e) => {
            // `not_in_channel` (a private channel the bot is not in) and
            // other refusals: logged, not retried.
            let refusal = slack_failure(w, team, "chat.postMessage", e).await?;
            tracing::warn!(error = %refusal, %channel, "meeting summary refused");
            Ok(())
        }
    }
}
