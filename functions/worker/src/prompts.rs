//! "Sync now" prompts: the DM that asks a Slack person to link their
//! account to the office. Sent by an admin (one person, everyone not
//! linked, or a reprompt) through a `prompt` job each, or by auto-prompt
//! when an unlinked person writes to a linked one. At most one a day per
//! person unless an admin reprompts; a refusal marks the person `failed`
//! with Slack's reason.

use hallway::ids::{TeamId, UserId};
use hallway::jobs::PromptJob;
use hallway::secrets::Secret;
use hallway::slack::SlackError;
use hallway::slack::messages;
use hallway::slack::oauth::LOGIN_PATH;
use serde_json::json;

use crate::{JobError, Worker, paced, slack_failure, token_if_installed};

/// Posts the prompt DM.
pub async fn send(
    w: &Worker,
    token: &Secret,
    team: &TeamId,
    user: &UserId,
    spaces: &[String],
) -> Result<(), SlackError> {
    let s = &w.services;
    let link = format!("{}?team={team}", s.config.endpoint(LOGIN_PATH));
    let l = crate::reader_locale(w, team, user).await;
    let (text, blocks) = messages::sync_prompt_dm(spaces, &link, l);
    s.slack
        .post_message(
            token,
            &json!({"channel": user, "text": text, "blocks": blocks}),
        )
        .await
        .map(|_| ())
}

pub async fn prompt(w: &Worker, job: PromptJob) -> Result<(), JobError> {
    let s = &w.services;
    let (team, user) = (&job.team_id, &job.user);
    if s.links().office_user_for(team, user).await?.is_some() {
        tracing::info!(user_id = %user, "linked already; no prompt");
        return Ok(());
    }
    let sync = s.sync();
    let Some(token) = token_if_installed(w, team).await? else {
        sync.mark_failed(team, user, "hallway is not installed in this workspace")
            .await?;
        return Ok(());
    };
    paced(w, team, "chat.postMessage")?;
    if job.force {
        sync.force_prompt(team, user).await?;
    } else if !sync.claim_prompt(team, user).await? {
        tracing::info!(user_id = %user, "prompted within the day; not again");
        return Ok(());
    }
    match send(w, &token, team, user, &job.spaces).await {
        Ok(()) => {
            tracing::info!(user_id = %user, force = job.force, "prompt sent");
            Ok(())
        }
        Err(e) => {
            // Not sent: a retry must be able to take the prompt again.
            if e.is_transient() {
                sync.release_prompt(team, user).await?;
            }
            let refusal = slack_failure(w, team, "chat.postMessage", e).await?;
            tracing::warn!(error = %refusal, user_id = %user, "prompt refused");
            sync.mark_failed(team, user, &refusal.to_string()).await?;
            Ok(())
        }
    }
}
