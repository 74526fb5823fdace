//! A channel mapped to a room: its members (paged `conversations.members`),
//! without bots, deactivated people, the app and whoever mapped it, become
//! the recipients of the channel's invite. Who is a bot or deactivated comes
//! from the team's directory when a refresh has completed, else from one
//! walk of `users.list`.

use std::collections::HashSet;
use std::time::Duration;

use hallway::ids::UserId;
use hallway::jobs::{self, FanOutJob, Job, OnboardJob, ReportJob};
use hallway::slack::SlackError;
use hallway::t;
use hallway::tokens::TokenError;
use serde_json::json;

use crate::{JobError, Worker};

const MEMBERS: &str = "conversations.members";
const USERS: &str = "users.list";

/// Bots and deactivated people of the team, from a completed directory
/// refresh (`None` when there is none: the caller asks Slack).
async fn not_people_from_directory(
    w: &Worker,
    job: &OnboardJob,
) -> Result<Option<HashSet<String>>, JobError> {
    let directory = w.services.directory();
    let complete = directory
        .run(&job.team_id)
        .await?
        .is_some_and(|r| r.counts.is_some());
    if !complete {
        return Ok(None);
    }
    Ok(Some(
        directory
            .everyone(&job.team_id)
            .await?
            .into_iter()
            .filter(|p| !p.is_person())
            .map(|p| p.id.to_string())
            .collect(),
    ))
}

pub async fn onboard(w: &Worker, job: OnboardJob) -> Result<(), JobError> {
    let s = &w.services;
    crate::paced(w, &job.team_id, MEMBERS)?;
    crate::paced(w, &job.team_id, USERS)?;
    let Some(invite) = s.invites().get(&job.invite_id).await? else {
        return Ok(());
    };
    // Said to whoever mapped the channel (or ran the workflow), in their
    // language.
    let l = crate::reader_locale(w, &job.team_id, &job.caller).await;
    // A step's invite fails the step; a command's tells whoever ran it.
    let invite = &invite;
    let tell = |text: String| async move {
        if invite.step.is_some() {
            if let Err(e) = crate::workflow_step::invite_refused(w, invite, &text).await {
                tracing::warn!(error = %e, "could not fail the workflow step");
            }
            return;
        }
        if let Some(url) = &invite.response_url {
            let body =
                json!({"response_type": "ephemeral", "replace_original": false, "text": text});
            if let Err(e) = s.slack.respond(url, &body).await {
                tracing::warn!(error = %e, "could not tell the caller");
            }
        }
    };
    let token = match s.bot_token(&job.team_id).await {
        Ok(t) => t,
        Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
            tell(t!(l, "onboard-uninstalled")).await;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e)),
    };
    // A refusal retrying cannot fix: tell the caller and stop.
    let team = &job.team_id;
    let refused = |method: &'static str, e: SlackError| async move {
        let e = crate::slack_failure(w, team, method, e).await?;
        let text = match &e {
            e if e.token_may_be_dead() => t!(l, "onboard-lost-access"),
            SlackError::Api { code, .. }
                if code == "channel_not_found" || code == "not_in_channel" =>
            {
                t!(l, "onboard-cannot-see")
            }
            e => t!(l, "onboard-failed", error = e.to_string()),
        };
        tracing::info!(error = %e, "channel onboarding stopped");
        tell(text).await;
        Ok::<(), JobError>(())
    };
    let members = match s
        .slack
        .conversation_members(&token, job.channel_id.as_str())
        .await
    {
        Ok(m) => m,
        Err(e) => return refused(MEMBERS, e).await,
    };
    // Who are bots or deactivated: the directory when a refresh completed,
    // else one pass over the workspace's people.
    let not_people = match not_people_from_directory(w, &job).await? {
        Some(set) => set,
        None => {
            let mut set: HashSet<String> = HashSet::new();
            let mut cursor: Option<String> = None;
            loop {
                let page = match s
                    .slack
                    .users_page(&token, job.team_id.as_str(), cursor.as_deref(), 1000)
                    .await
                {
                    Ok(p) => p,
                    Err(e) => return refused(USERS, e).await,
                };
                for u in page.items {
                    // `is_app_user` is a person who authorized hallway:
                    // invited like anyone else.
                    if u.is_bot_user() || u.deleted {
                        set.insert(u.id);
                    }
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            set
        }
    };
    let mut recipients: Vec<UserId> = members
        .into_iter()
        .filter(|m| *m != job.caller.as_str() && !not_people.contains(m))
        .filter_map(|m| UserId::new(m).ok())
        .collect();
    // People named besides the channel (a workflow step's).
    for u in &job.also {
        if *u != job.caller && !recipients.contains(u) {
            recipients.push(u.clone());
        }
    }
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
