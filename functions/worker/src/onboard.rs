//! A channel mapped to a room: its members (paged `conversations.members`),
//! without bots, deactivated people, the app and whoever mapped it, become
//! the recipients of the channel's invite.

use std::collections::HashSet;
use std::time::Duration;

use hallway::ids::UserId;
use hallway::jobs::{self, FanOutJob, Job, OnboardJob, ReportJob};
use hallway::slack::SlackError;
use hallway::tokens::TokenError;
use serde_json::json;

use crate::{JobError, Worker};

pub async fn onboard(w: &Worker, job: OnboardJob) -> Result<(), JobError> {
    let s = &w.services;
    if let Some(wait) = w.pacer.wait(&job.team_id) {
        return Err(JobError::retry_after("Slack asked to slow down", wait));
    }
    let Some(invite) = s.invites().get(&job.invite_id).await? else {
        return Ok(());
    };
    let tell = |text: String| {
        let url = invite.response_url.clone();
        async move {
            if let Some(url) = url {
                let body =
                    json!({"response_type": "ephemeral", "replace_original": false, "text": text});
                if let Err(e) = s.slack.respond(&url, &body).await {
                    tracing::warn!(error = %e, "could not tell the caller");
                }
            }
        }
    };
    let token = match s.bot_token(&job.team_id).await {
        Ok(t) => t,
        Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
            tell("hallway is no longer installed in this workspace, so the channel's members were not invited.".into()).await;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e)),
    };
    let slack_error = |e: SlackError| -> Result<(), JobError> {
        match e {
            SlackError::RateLimited { retry_after } => {
                w.pacer.block(&job.team_id, retry_after);
                Err(JobError::retry_after("rate limited by Slack", retry_after))
            }
            e if e.is_transient() => Err(JobError::retry(e)),
            e => Err(JobError::retry(format!("permanent: {e}"))),
        }
    };
    let members = match s
        .slack
        .conversation_members(&token, job.channel_id.as_str())
        .await
    {
        Ok(m) => m,
        Err(SlackError::Api { code, .. })
            if code == "channel_not_found" || code == "not_in_channel" =>
        {
            tell("I cannot see this channel's members. Add the hallway app to the channel, then run the command again.".into()).await;
            return Ok(());
        }
        Err(e) => return slack_error(e),
    };
    // Who are bots or deactivated: one pass over the workspace's people.
    let mut not_people: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match s.slack.users_page(&token, cursor.as_deref(), 1000).await {
            Ok(p) => p,
            Err(e) => return slack_error(e),
        };
        for u in page.items {
            if u.flags.is_bot == Some(true)
                || u.deleted == Some(true)
                || u.id.to_string() == "USLACKBOT"
            {
                not_people.insert(u.id.to_string());
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let recipients: Vec<UserId> = members
        .into_iter()
        .filter(|m| *m != job.caller.as_str() && !not_people.contains(m))
        .filter_map(|m| UserId::new(m).ok())
        .collect();
    tracing::info!(
        recipients = recipients.len(),
        skipped = not_people.len(),
        "channel members collected"
    );
    s.invites()
        .set_total(&job.invite_id, recipients.len() as u32)
        .await?;
    if recipients.is_empty() {
        jobs::enqueue(
            s.queue.as_ref(),
            &Job::Report(ReportJob {
                invite_id: job.invite_id,
                team_id: job.team_id,
            }),
            Duration::ZERO,
        )
        .await?;
        return Ok(());
    }
    jobs::enqueue(
        s.queue.as_ref(),
        &Job::FanOut(FanOutJob {
            invite_id: job.invite_id,
            team_id: job.team_id,
            recipients,
        }),
        Duration::ZERO,
    )
    .await?;
    Ok(())
}
