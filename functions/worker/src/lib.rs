//! Lambda `hallway-worker`: runs queued jobs from SQS.
//!
//! Each record of a batch is decoded and run on its own; a record that fails
//! is reported in `batchItemFailures` (the event source mapping is set up
//! with `ReportBatchItemFailures`), so its neighbours are deleted and only it
//! comes back. A record that can never succeed (undecodable, unknown version)
//! fails every time and lands in the dead-letter queue after the queue's
//! `maxReceiveCount`, without holding up the rest. A job that must wait
//! (Slack said `Retry-After`) has its visibility changed to that delay before
//! being reported, so it returns no sooner than Slack allows, and no Lambda
//! sits sleeping.
//!
//! # Layout
//! - [`Worker`], [`handle`]: the batch loop, with the per-team pacer that
//!   remembers Slack's `Retry-After` across the jobs of a sandbox.
//! - [`invites`]: fan-out, one DM per recipient (at most once), the summary.
//! - [`onboard`]: a channel's members into an invite.
//! - [`directory`]: a team's `users.list`, a page per job at Tier 2's pace,
//!   and the people events that keep it current.
//! - [`chat`]: bridged DMs, the office webhook and its retries, auto-prompts.
//! - [`notices`]: meeting summaries where the meeting was called.
//! - [`home`]: the App Home tab (`views.publish`).
//! - [`channels`]: welcome DMs in channels mapped to rooms; renames.
//! - [`unfurl`]: previews of links to rooms (`link_shared` → `chat.unfurl`).
//! - [`prompts`]: "Sync now" DMs, from admins and auto-prompt.
//! - [`pacer`]: the per-team, per-method rate gate.
//! - [`slack_failure`]: what a Slack error means for a job (retry later,
//!   stop the team, or a refusal for the caller to word).

pub mod channels;
pub mod chat;
pub mod directory;
pub mod home;
pub mod invites;
pub mod notices;
pub mod onboard;
pub mod pacer;
pub mod prompts;
pub mod unfurl;

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use hallway::ids::TeamId;
use hallway::jobs::{self, Job};
use hallway::lifecycle;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::events::SlackEvent;
use hallway::store::installations::InstallStatus;
use hallway::tokens::{self, TokenError};
use tracing::Instrument;

use crate::pacer::Pacer;

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The message is not a job this worker understands. It will fail again
    /// on every attempt and end in the dead-letter queue.
    #[error("undecodable job: {0}")]
    Poison(#[from] jobs::DecodeError),
    /// A dependency failed or must be waited for; try again, after `after`
    /// when known.
    #[error("will retry: {reason}")]
    Retry {
        reason: String,
        after: Option<Duration>,
    },
}

impl JobError {
    pub fn retry(reason: impl std::fmt::Display) -> Self {
        JobError::Retry {
            reason: reason.to_string(),
            after: None,
        }
    }

    pub fn retry_after(reason: impl std::fmt::Display, after: Duration) -> Self {
        JobError::Retry {
            reason: reason.to_string(),
            after: Some(after),
        }
    }
}

impl From<hallway::table::TableError> for JobError {
    fn from(e: hallway::table::TableError) -> Self {
        JobError::retry(e)
    }
}

impl From<hallway::queue::QueueError> for JobError {
    fn from(e: hallway::queue::QueueError) -> Self {
        JobError::retry(e)
    }
}

/// Sorts a Slack failure of a call made with the team's bot token: `Err`
/// when the job should run again (after a 429, no job of this sandbox
/// calls `method` for the team until Slack's `Retry-After` is up; an
/// Enterprise migration waits 15 minutes); `Ok` with the error when
/// retrying cannot help, for the caller to record in its own words.
///
/// A refused token is confirmed with `auth.test` before the team is marked
/// for reinstall ([`hallway::tokens::confirm_dead`]): one refused call —
/// a refusal of that call, an `invalid_auth` glitch — never disconnects a
/// workspace. `token_expired` refreshes the token and runs the job again
/// (its one retry).
pub async fn slack_failure(
    w: &Worker,
    team: &TeamId,
    method: &'static str,
    e: SlackError,
) -> Result<SlackError, JobError> {
    match e {
        SlackError::RateLimited { retry_after } => {
            w.pacer.block(team, method, retry_after);
            Err(JobError::retry_after(
                format!("{method} rate limited by Slack"),
                retry_after,
            ))
        }
        SlackError::TokenExpired { .. } => match w.services.refresh_expired_bot_token(team).await {
            Ok(_) => Err(JobError::retry_after(
                "Slack said the token expired; it was refreshed",
                Duration::from_secs(1),
            )),
            Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
                mark_for_reinstall(w, team, "its token expired and could not be refreshed").await;
                Ok(e)
            }
            Err(err) => Err(JobError::retry(err)),
        },
        e if e.is_transient() => Err(match e.retry_after() {
            Some(after) => JobError::retry_after(&e, after),
            None => JobError::retry(e),
        }),
        e if e.token_may_be_dead() => {
            let token = match w.services.bot_token(team).await {
                Ok(t) => t,
                // Marked already (or uninstalled meanwhile).
                Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => return Ok(e),
                Err(err) => return Err(JobError::retry(err)),
            };
            match tokens::confirm_dead(&w.services.slack, &token).await {
                Ok(true) => {
                    mark_for_reinstall(w, team, &e.to_string()).await;
                    Ok(e)
                }
                Ok(false) => Err(JobError::retry(format!(
                    "{e}, but auth.test accepts the token: trying again later"
                ))),
                Err(check) => Err(JobError::retry(format!(
                    "{e}; auth.test could not confirm it: {check}"
                ))),
            }
        }
        e => Ok(e),
    }
}

/// A token confirmed dead: no job of the team calls Slack until it is
/// reinstalled, and `/hallway` says so.
async fn mark_for_reinstall(w: &Worker, team: &TeamId, why: &str) {
    tracing::warn!(team_id = %team, why, "the workspace's token is dead; marking it for reinstall");
    if let Err(err) = w
        .services
        .installations()
        .revoke(team, InstallStatus::Revoked)
        .await
    {
        tracing::error!(error = %err, "could not mark the installation revoked");
    }
}

/// Returns the job to the queue while the team's calls to `method` wait
/// out a 429.
pub fn paced(w: &Worker, team: &TeamId, method: &'static str) -> Result<(), JobError> {
    match w.pacer.wait(team, method) {
        Some(wait) => Err(JobError::retry_after("Slack asked to slow down", wait)),
        None => Ok(()),
    }
}

/// The team's bot token, or `None` when the app is not installed there
/// any more (the job has nothing left to do); other failures are retried.
pub async fn token_if_installed(
    w: &Worker,
    team: &TeamId,
) -> Result<Option<hallway::secrets::Secret>, JobError> {
    match w.services.bot_token(team).await {
        Ok(t) => Ok(Some(t)),
        Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => Ok(None),
        Err(e) => Err(JobError::retry(e)),
    }
}

/// What a worker keeps between batches: the services and the pacer.
pub struct Worker {
    pub services: Services,
    pub pacer: Pacer,
}

impl Worker {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            pacer: Pacer::default(),
        }
    }
}

/// Runs a batch; returns the ids of the records to retry.
pub async fn handle(worker: &Worker, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let receives = record
            .attributes
            .get("ApproximateReceiveCount")
            .cloned()
            .unwrap_or_default();
        let span = tracing::info_span!("job", message_id = %id, receives = %receives, kind = tracing::field::Empty, team_id = tracing::field::Empty);
        let outcome = run_record(worker, &record).instrument(span.clone()).await;
        let _entered = span.enter();
        match outcome {
            Ok(()) => {}
            Err(JobError::Poison(e)) => {
                tracing::error!(error = %e, "poison message; it will reach the dead-letter queue after the queue's maxReceiveCount");
                response.add_failure(id);
            }
            Err(JobError::Retry { reason, after }) => {
                if let (Some(delay), Some(receipt)) = (after, record.receipt_handle.as_deref())
                    && let Err(e) = worker
                        .services
                        .queue
                        .change_visibility(receipt, delay)
                        .await
                {
                    tracing::warn!(error = %e, "could not delay the retry; it will come back after the visibility timeout");
                }
                tracing::warn!(%reason, retry_in_secs = after.map(|d| d.as_secs()), "job will be retried");
                response.add_failure(id);
            }
        }
    }
    response
}

async fn run_record(worker: &Worker, record: &SqsMessage) -> Result<(), JobError> {
    let job = jobs::decode(record.body.as_deref().unwrap_or(""))?;
    let span = tracing::Span::current();
    span.record("kind", job.kind());
    span.record("team_id", job.team().as_str());
    run(worker, job).await
}

/// Runs one job.
pub async fn run(worker: &Worker, job: Job) -> Result<(), JobError> {
    let services = &worker.services;
    match job {
        Job::SlackEvent(j) => {
            let installations = services.installations();
            let spaces = services.spaces();
            let outcome = match &j.event {
                SlackEvent::AppUninstalled {} => {
                    lifecycle::app_uninstalled(&installations, &spaces, &j.team_id, j.event_time)
                        .await
                }
                SlackEvent::TokensRevoked { tokens } => {
                    lifecycle::tokens_revoked(
                        &installations,
                        &spaces,
                        &services.links(),
                        &j.team_id,
                        tokens,
                        j.event_time,
                    )
                    .await
                }
                SlackEvent::TeamJoin { user } | SlackEvent::UserChange { user } => {
                    return directory::person_event(worker, &j.team_id, user).await;
                }
                SlackEvent::Message(m) => return chat::message(worker, &j.team_id, m).await,
                SlackEvent::MessageChanged {
                    channel,
                    ts,
                    text,
                    edited_ts,
                    ..
                } => {
                    return chat::changed(worker, &j.team_id, channel, ts, text, edited_ts).await;
                }
                SlackEvent::MessageDeleted { channel, ts, .. } => {
                    return chat::deleted(worker, &j.team_id, channel, ts).await;
                }
                SlackEvent::LinkShared(ev) => {
                    return unfurl::link_shared(worker, &j.team_id, ev).await;
                }
                SlackEvent::MemberJoinedChannel { user, channel, .. } => {
                    return channels::member_joined(worker, &j.team_id, user, channel).await;
                }
                SlackEvent::ChannelRename { channel } => {
                    return channels::renamed(worker, &j.team_id, channel).await;
                }
                SlackEvent::ChannelIdChanged {
                    old_channel_id,
                    new_channel_id,
                } => {
                    return channels::id_changed(
                        worker,
                        &j.team_id,
                        old_channel_id,
                        new_channel_id,
                    )
                    .await;
                }
                SlackEvent::AppHomeOpened { user, tab } => {
                    return home::opened(worker, &j.team_id, user, tab.as_deref()).await;
                }
            }
            .map_err(JobError::retry)?;
            tracing::info!(
                event_id = %j.event_id,
                bot_token = ?outcome.bot_token,
                spaces_disconnected = outcome.spaces_disconnected,
                user_tokens_revoked = outcome.user_tokens_revoked,
                "lifecycle event applied"
            );
            Ok(())
        }
        Job::FanOut(j) => invites::fan_out(worker, j).await,
        Job::Deliver(j) => invites::deliver(worker, j).await,
        Job::Report(j) => invites::report(worker, j).await,
        Job::Onboard(j) => onboard::onboard(worker, j).await,
        Job::MeetingNotice(j) => notices::meeting_ended(worker, j).await,
        Job::Prompt(j) => prompts::prompt(worker, j).await,
        Job::Directory(j) => directory::page(worker, j).await,
        Job::Notify(j) => chat::notify_retry(worker, j).await,
    }
}
