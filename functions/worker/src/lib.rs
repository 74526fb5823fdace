//! Lambda `hallway-worker`: runs queued jobs from SQS.
//!
//! A batch's records are grouped by team: the teams run at once (a few at
//! a time), each team's records in order. Every record runs within the
//! invocation's deadline: each Slack call is capped at the time left
//! ([`hallway::deadline`]), no record starts when too little is left, and
//! the batch is answered before Lambda would kill it, naming in
//! `batchItemFailures` only the records left untouched or cut off (put back
//! at once, so they cost a receive but no wait).
//!
//! What happens to a record is the worker's decision, not the queue's
//! receive count ([`settle`]):
//! - a job that must wait (a 429's `Retry-After`, the directory's Tier 2
//!   pace, an Enterprise migration) is sent again as a new message with
//!   that delay (waits past SQS's 15 minutes chain) and the original
//!   deleted: waiting is not failing;
//! - a job that failed is sent again with backoff, its attempt count
//!   ([`hallway::jobs::Delivery`]) one higher; after [`MAX_ATTEMPTS`] it goes
//!   to the dead-letter queue with its reason;
//! - an undecodable message goes to the dead-letter queue at once;
//! - a record that panics is a failure like any other, and its neighbours'
//!   outcomes still reach Lambda.
//!
//! The redrive policy's `maxReceiveCount` only catches an invocation that
//! died before it could answer.
//!
//! # Layout
//! - [`Worker`], [`handle`]: the batch loop, with the per-team pacer that
//!   remembers Slack's `Retry-After` across the jobs of a sandbox;
//!   [`settle`]: re-sends, dead letters and what Lambda is told.
//! - [`invites`]: fan-out, one DM per recipient (at most once), the summary.
//! - [`onboard`]: a channel's members into an invite.
//! - [`directory`]: a team's `users.list`, a page per job at Tier 2's pace,
//!   and the people events that keep it current.
//! - [`chat`]: bridged DMs, the office webhook and its retries, auto-prompts.
//! - [`notices`]: meeting summaries where the meeting was called.
//! - [`calls`]: a call's Slack Call card: registered, kept current, ended.
//! - [`home`]: the App Home tab (`views.publish`), its blocks in `home::view`.
//! - [`command`]: what a `/hallway` or the meet form left to do (meeting,
//!   invite, mapping).
//! - [`asker`]: telling whoever asked how it went, where they asked.
//! - [`lifecycle`]: `app_uninstalled` / `tokens_revoked`.
//! - [`channels`]: welcome DMs in channels mapped to rooms; renames.
//! - [`workflow_step`]: the Workflow Builder step "Invite to a hallway room".
//! - [`unfurl`]: previews of links to rooms (`link_shared` → `chat.unfurl`).
//! - [`prompts`]: "Sync now" DMs, from admins and auto-prompt.
//! - [`pacer`]: the per-team, per-method rate gate.
//! - [`slack_failure`]: what a Slack error means for a job (retry later,
//!   stop the team, or a refusal for the caller to word).

pub mod asker;
pub mod calls;
pub mod channel_chat;
pub mod channels;
pub mod chat;
pub mod command;
pub mod directory;
pub mod home;
pub mod invites;
pub mod lifecycle;
pub mod notices;
pub mod onboard;
pub mod org;
pub mod pacer;
pub mod prompts;
pub mod unfurl;
pub mod workflow_step;

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures_util::{FutureExt, StreamExt};
use hallway::i18n::Locale;
use hallway::ids::{TeamId, UserId};
use hallway::jobs::{self, Job};
use hallway::queue::MAX_DELAY;
use hallway::services::SLACK_TIMEOUT;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::events::SlackEvent;
use hallway::store::chat::Stopped;
use hallway::store::installations::InstallStatus;
use hallway::tokens::{self, TokenError};
use tokio::time::Instant;
use tracing::Instrument;

use crate::pacer::Pacer;

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The message is not a job this worker understands. It would fail
    /// again on every attempt: it goes to the dead-letter queue at once.
    #[error("undecodable job: {0}")]
    Poison(#[from] jobs::DecodeError),
    /// Not a failure: the job must wait (Slack's `Retry-After`, a pace, a
    /// claim another worker holds). It runs again after `after`, and its
    /// attempts do not grow.
    #[error("waiting: {reason}")]
    Wait { reason: String, after: Duration },
    /// A failure: tried again with backoff (no sooner than `after`), one
    /// attempt spent.
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

    /// A failure that must not be retried sooner than `after` (e.g. a DM
    /// whose outcome is unknown is looked up once a slow Slack is done).
    pub fn retry_after(reason: impl std::fmt::Display, after: Duration) -> Self {
        JobError::Retry {
            reason: reason.to_string(),
            after: Some(after),
        }
    }

    pub fn wait(reason: impl std::fmt::Display, after: Duration) -> Self {
        JobError::Wait {
            reason: reason.to_string(),
            after,
        }
    }

    /// A temporary Slack failure: a wait when Slack said how long (a 429, a
    /// migration), a failure otherwise.
    pub fn from_transient(e: &SlackError) -> Self {
        match e.retry_after() {
            Some(after) => JobError::wait(e, after),
            None => JobError::retry(e),
        }
    }
}

impl From<hallway::table::TableError> for JobError {
    fn from(e: hallway::table::TableError) -> Self {
        JobError::retry(e)
    }
}

impl From<hallway::start_invite::StartInviteError> for JobError {
    fn from(e: hallway::start_invite::StartInviteError) -> Self {
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
            Err(JobError::wait(
                format!("{method} rate limited by Slack"),
                retry_after,
            ))
        }
        SlackError::TokenExpired { .. } => match w.services.refresh_expired_bot_token(team).await {
            Ok(_) => Err(JobError::wait(
                "Slack said the token expired; it was refreshed",
                Duration::from_secs(1),
            )),
            Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
                mark_for_reinstall(w, team, "its token expired and could not be refreshed").await;
                Ok(e)
            }
            Err(err) => Err(JobError::retry(err)),
        },
        e if e.is_transient() => Err(JobError::from_transient(&e)),
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

/// Makes the job wait while the team's calls to `method` wait out a 429.
pub fn paced(w: &Worker, team: &TeamId, method: &'static str) -> Result<(), JobError> {
    match w.pacer.wait(team, method) {
        Some(wait) => Err(JobError::wait("Slack asked to slow down", wait)),
        None => Ok(()),
    }
}

/// The language `user` of `team` reads hallway in: their stored Slack
/// locale, else asked of Slack once (`users.info` with `include_locale`)
/// and stored; English when Slack cannot say. Never fails a job: a
/// message in English beats no message.
pub async fn reader_locale(w: &Worker, team: &TeamId, user: &UserId) -> Locale {
    let directory = w.services.directory();
    match directory.locale(team, user).await {
        Ok(Some(l)) => return l,
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "language not read; English it is");
            return Locale::En;
        }
    }
    const INFO: &str = "users.info";
    let Ok(Some(token)) = token_if_installed(w, team).await else {
        return Locale::En;
    };
    if paced(w, team, INFO).is_err() {
        return Locale::En;
    }
    match w.services.slack.users_info(&token, user.as_str()).await {
        Ok(u) => match u.locale {
            Some(tag) => {
                if let Err(e) = directory.set_locale(team, user, &tag).await {
                    tracing::warn!(error = %e, "language not stored");
                }
                Locale::from_tag(&tag)
            }
            None => Locale::En,
        },
        Err(e) => {
            tracing::info!(error = %e, "no language from Slack; English it is");
            Locale::En
        }
    }
}

/// The language stored for `user` (the directory's refresh keeps it), else
/// English, without asking Slack: an invite's DMs, where one more call per
/// recipient would slow a fan-out and multiply its retries.
pub async fn stored_locale(w: &Worker, team: &TeamId, user: &UserId) -> Locale {
    match w.services.directory().locale(team, user).await {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "language not read; English it is");
            Locale::En
        }
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

/// Real failures a job may have before it goes to the dead-letter queue.
pub const MAX_ATTEMPTS: u32 = 5;
/// Waiting this long in all (Slack's `Retry-After`s, paces) is given up on:
/// something is wrong that waiting will not mend.
pub const MAX_WAITED: Duration = Duration::from_secs(24 * 3600);
/// Kept back at the end of an invocation to settle the batch (re-sends,
/// dead letters, putting records back, all at once) and answer Lambda: an
/// SQS call takes at most 2 s (`hallway::queue::sqs::OPERATION_TIMEOUT`).
pub const SETTLE_MARGIN: Duration = Duration::from_millis(2500);
/// A record is started only with this much time left before the margin: an
/// ordinary job takes a fraction of it, and one that needs longer is cut off
/// at the deadline and comes back without spending an attempt.
pub const START_RESERVE: Duration = Duration::from_secs(5);
/// Teams whose records run at once in one invocation: the work waits on
/// Slack and the table, not the CPU, and Slack's limits are per team.
pub const TEAMS_AT_ONCE: usize = 4;

/// What became of one record.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Not started: too little time was left.
    Untouched,
    /// Started, and stopped at the deadline.
    CutOff,
    Wait {
        reason: String,
        after: Duration,
    },
    Failed {
        reason: String,
        after: Option<Duration>,
    },
    Poison(String),
}

/// Runs one decoded job; [`run`] in production. A parameter so the batch
/// loop's handling of a job that panics can be tested.
pub type Runner =
    for<'a> fn(&'a Worker, Job) -> futures_util::future::BoxFuture<'a, Result<(), JobError>>;

fn run_boxed(
    worker: &Worker,
    job: Job,
) -> futures_util::future::BoxFuture<'_, Result<(), JobError>> {
    Box::pin(run(worker, job))
}

/// Runs a batch that must be answered by `deadline` (the invocation's);
/// returns the records Lambda should leave on the queue.
pub async fn handle(worker: &Worker, event: SqsEvent, deadline: Instant) -> SqsBatchResponse {
    handle_with(worker, event, deadline, run_boxed).await
}

/// The invocation's deadline (Lambda's `Lambda-Runtime-Deadline-Ms`, Unix
/// milliseconds) on the monotonic clock the batch loop times itself with.
pub fn deadline_of(unix_millis: u64) -> Instant {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(unix_millis.saturating_sub(now_ms))
}

/// A deadline for a batch run outside Lambda (the local bundle, tests): as
/// long as the deployed worker's timeout.
pub fn local_deadline() -> Instant {
    Instant::now() + hallway::queue::WORKER_TIMEOUT
}

/// [`handle`] with another job runner (tests).
pub async fn handle_with(
    worker: &Worker,
    event: SqsEvent,
    deadline: Instant,
    runner: Runner,
) -> SqsBatchResponse {
    let stop_at = deadline
        .checked_sub(SETTLE_MARGIN)
        .unwrap_or_else(Instant::now);
    // One group per team, in the order the teams first appear; a message
    // that does not decode is a group of its own.
    let mut groups: Vec<(Option<TeamId>, Vec<Item>)> = Vec::new();
    for record in event.records {
        let decoded = jobs::decode_envelope(record.body.as_deref().unwrap_or(""));
        let team = decoded.as_ref().ok().map(|e| e.job.team().clone());
        let item = Item { record, decoded };
        match groups.iter_mut().find(|(t, _)| t.is_some() && *t == team) {
            Some((_, items)) => items.push(item),
            None => groups.push((team, vec![item])),
        }
    }
    let settled: Vec<Vec<(Item, Outcome)>> = futures_util::stream::iter(groups)
        .map(|(_, items)| run_group(worker, items, stop_at, runner))
        .buffer_unordered(TEAMS_AT_ONCE)
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    let reports = futures_util::future::join_all(
        settled
            .into_iter()
            .flatten()
            .map(|(item, outcome)| settle(worker, item, outcome)),
    )
    .await;
    for id in reports.into_iter().flatten() {
        response.add_failure(id);
    }
    hallway::metrics::flush();
    response
}

/// A record and what its body decoded to.
pub struct Item {
    record: SqsMessage,
    decoded: Result<jobs::Envelope, jobs::DecodeError>,
}

/// One team's records, in order, until the time runs short.
async fn run_group(
    worker: &Worker,
    items: Vec<Item>,
    stop_at: Instant,
    runner: Runner,
) -> Vec<(Item, Outcome)> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let outcome = if Instant::now() + START_RESERVE > stop_at {
            Outcome::Untouched
        } else {
            run_item(worker, &item, stop_at, runner).await
        };
        out.push((item, outcome));
    }
    out
}

async fn run_item(worker: &Worker, item: &Item, stop_at: Instant, runner: Runner) -> Outcome {
    let id = item.record.message_id.as_deref().unwrap_or_default();
    let receives = item
        .record
        .attributes
        .get("ApproximateReceiveCount")
        .map(String::as_str)
        .unwrap_or_default();
    let span = tracing::info_span!("job", message_id = %id, receives = %receives, kind = tracing::field::Empty, team_id = tracing::field::Empty, attempts = tracing::field::Empty);
    let envelope = match &item.decoded {
        Ok(e) => e,
        Err(e) => return Outcome::Poison(e.to_string()),
    };
    span.record("kind", envelope.job.kind());
    span.record("team_id", envelope.job.team().as_str());
    span.record("attempts", envelope.delivery.attempts);
    if let Some(why) = &envelope.delivery.dead_letter {
        tracing::info!(parent: &span, dead_lettered_for = %why, "redriven from the dead-letter queue: a fresh start");
    }
    if let Some(not_before) = envelope.delivery.not_before {
        let left = not_before - worker.services.clock.now_secs();
        if left > 0 {
            return Outcome::Wait {
                reason: "a long wait goes on".into(),
                after: Duration::from_secs(left as u64),
            };
        }
    }
    let job = envelope.job.clone();
    let running =
        // The runner is called inside the caught future, so even a panic
        // before its first await is caught.
        std::panic::AssertUnwindSafe(hallway::deadline::within(stop_at, async move {
            runner(worker, job).await
        }))
            .catch_unwind()
            .instrument(span.clone());
    match tokio::time::timeout_at(stop_at, running).await {
        Err(_) => Outcome::CutOff,
        Ok(Err(panic)) => Outcome::Failed {
            reason: format!("panicked: {}", panic_message(panic.as_ref())),
            after: None,
        },
        Ok(Ok(Ok(()))) => Outcome::Done,
        Ok(Ok(Err(JobError::Wait { reason, after }))) => Outcome::Wait { reason, after },
        Ok(Ok(Err(JobError::Retry { reason, after }))) => Outcome::Failed { reason, after },
        Ok(Ok(Err(JobError::Poison(e)))) => Outcome::Poison(e.to_string()),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The backoff before a failed job's next attempt: 10 s, doubling, at most
/// SQS's longest delay.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 10u64.saturating_mul(1 << attempts.saturating_sub(1).min(16));
    Duration::from_secs(secs).min(MAX_DELAY)
}

/// Acts on a record's outcome: sends it again, dead-letters it, or names it
/// for Lambda to leave on the queue (returned). Logged once, here.
pub async fn settle(worker: &Worker, item: Item, outcome: Outcome) -> Option<String> {
    let Item { record, decoded } = item;
    let id = record.message_id.clone().unwrap_or_default();
    let span = tracing::info_span!("settle", message_id = %id);
    let kind = decoded.as_ref().map_or("undecodable", |e| e.job.kind());
    settle_in(worker, record, decoded, outcome, kind)
        .instrument(span)
        .await
        .then_some(id)
}

/// [`settle`]; `true` when the record stays on the queue.
async fn settle_in(
    worker: &Worker,
    record: SqsMessage,
    decoded: Result<jobs::Envelope, jobs::DecodeError>,
    outcome: Outcome,
    kind: &'static str,
) -> bool {
    let queue = &worker.services.queue;
    let metric = |name: &'static str| hallway::metrics::count(name, &[("Kind", kind)]);
    let receipt = record.receipt_handle.unwrap_or_default();
    let body = record.body.unwrap_or_default();
    let put_back = |after: Duration| {
        let receipt = receipt.clone();
        async move {
            if let Err(e) = queue.change_visibility(&receipt, after).await {
                tracing::warn!(error = %e, "could not put the record back early; it returns after the visibility timeout");
            }
        }
    };
    let (reason, after, waiting) = match outcome {
        Outcome::Done => {
            metric("JobsDone");
            return false;
        }
        Outcome::Untouched => {
            metric("RecordsPutBack");
            tracing::info!("not started before the deadline; back on the queue");
            put_back(Duration::ZERO).await;
            return true;
        }
        Outcome::CutOff => {
            // Its last call may have gone through: it comes back once a slow
            // Slack is surely done, and looks before it acts again.
            metric("RecordsPutBack");
            tracing::warn!("cut off at the invocation's deadline; back on the queue");
            put_back(SLACK_TIMEOUT).await;
            return true;
        }
        Outcome::Poison(reason) => {
            metric("JobsDeadLettered");
            tracing::error!(%reason, "poison message: it goes to the dead-letter queue");
            return match queue.dead_letter(&body).await {
                Ok(()) => false,
                Err(e) => {
                    tracing::error!(error = %e, "could not dead-letter it; the redrive policy will");
                    true
                }
            };
        }
        Outcome::Wait { reason, after } => (reason, Some(after), true),
        Outcome::Failed { reason, after } => (reason, after, false),
    };
    let Ok(envelope) = decoded else {
        // Only a decoded job runs, so only a decoded job waits or fails.
        return true;
    };
    let now = worker.services.clock.now_secs();
    let mut delivery = envelope.delivery;
    if delivery.dead_letter.take().is_some() {
        // Redriven after a fix: a fresh start.
        delivery.attempts = 0;
        delivery.waited_secs = 0;
    }
    let (delay, verdict) = if waiting {
        let after = after.unwrap_or_default();
        let continuing = delivery.not_before.is_some_and(|t| t > now);
        if !continuing {
            delivery.waited_secs += after.as_secs();
            delivery.not_before = (after > MAX_DELAY).then(|| now + after.as_secs() as i64);
        }
        if delivery.waited_secs > MAX_WAITED.as_secs() {
            let verdict = format!("waited {} s in all; last: {reason}", delivery.waited_secs);
            (None, verdict)
        } else {
            (Some(after.min(MAX_DELAY)), reason)
        }
    } else {
        delivery.attempts += 1;
        delivery.not_before = None;
        if delivery.attempts >= MAX_ATTEMPTS {
            (None, reason)
        } else {
            let delay = after.unwrap_or_default().max(backoff(delivery.attempts));
            (Some(delay.min(MAX_DELAY)), reason)
        }
    };
    let Some(delay) = delay else {
        metric("JobsDeadLettered");
        tracing::error!(reason = %verdict, attempts = delivery.attempts, waited_secs = delivery.waited_secs, "giving up: the job goes to the dead-letter queue");
        delivery.dead_letter = Some(verdict);
        return match queue
            .dead_letter(&jobs::encode_with(&envelope.job, &delivery))
            .await
        {
            Ok(()) => false,
            Err(e) => {
                tracing::error!(error = %e, "could not dead-letter it; the redrive policy will");
                put_back(backoff(delivery.attempts)).await;
                true
            }
        };
    };
    let again = jobs::encode_with(&envelope.job, &delivery);
    match queue.send(&again, delay).await {
        Ok(_) if waiting => {
            metric("JobsWaited");
            tracing::info!(reason = %verdict, wait_secs = delay.as_secs(), waited_secs = delivery.waited_secs, "waiting: sent again with a delay");
            false
        }
        Ok(_) => {
            metric("JobsRetried");
            tracing::warn!(reason = %verdict, attempts = delivery.attempts, retry_in_secs = delay.as_secs(), "failed; sent again with backoff");
            false
        }
        Err(e) => {
            tracing::warn!(reason = %verdict, error = %e, "could not send it again; back on the queue");
            put_back(delay).await;
            true
        }
    }
}

/// Runs one job.
pub async fn run(worker: &Worker, job: Job) -> Result<(), JobError> {
    let services = &worker.services;
    match job {
        Job::SlackEvent(j) => {
            let installations = services.installations();
            let spaces = services.spaces();
            let outcome = match &j.event {
                SlackEvent::AppUninstalled {} | SlackEvent::TokensRevoked { .. }
                    if let Some(org) = lifecycle::org_of(
                        &installations,
                        &j.team_id,
                        j.enterprise_id.as_ref(),
                        j.is_enterprise_install,
                    )
                    .await
                    .map_err(JobError::retry)? =>
                {
                    match &j.event {
                        SlackEvent::TokensRevoked { tokens } => {
                            lifecycle::org_tokens_revoked(
                                &installations,
                                &spaces,
                                &services.links(),
                                &org,
                                tokens,
                                j.event_time,
                            )
                            .await
                        }
                        _ => {
                            lifecycle::org_removed(
                                &installations,
                                &spaces,
                                &org,
                                InstallStatus::Uninstalled,
                                j.event_time,
                            )
                            .await
                        }
                    }
                }
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
                SlackEvent::FunctionExecuted(f) => {
                    return workflow_step::executed(worker, &j.team_id, f).await;
                }
                SlackEvent::TeamAccessGranted { team_ids } => {
                    return org::granted(worker, j.enterprise_id.as_ref(), &j.team_id, team_ids)
                        .await;
                }
                SlackEvent::TeamAccessRevoked { team_ids } => {
                    return org::revoked(worker, j.enterprise_id.as_ref(), &j.team_id, team_ids)
                        .await;
                }
                SlackEvent::TeamJoin { user } | SlackEvent::UserChange { user } => {
                    return directory::person_event(worker, &j.team_id, &user.clone().into()).await;
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
                SlackEvent::ChannelArchive { channel, .. } => {
                    return channel_chat::stopped(worker, &j.team_id, channel, Stopped::Archived)
                        .await;
                }
                SlackEvent::ChannelDeleted { channel } => {
                    return channel_chat::stopped(worker, &j.team_id, channel, Stopped::Deleted)
                        .await;
                }
                SlackEvent::ChannelLeft { channel, .. } => {
                    return channel_chat::stopped(worker, &j.team_id, channel, Stopped::Removed)
                        .await;
                }
                SlackEvent::MemberLeftChannel { user, channel } => {
                    return channel_chat::member_left(worker, &j.team_id, user, channel).await;
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
        Job::CallSync(j) => calls::sync(worker, j).await,
        Job::Prompt(j) => prompts::prompt(worker, j).await,
        Job::Directory(j) => directory::page(worker, j).await,
        Job::Notify(j) => chat::notify_retry(worker, j).await,
        Job::Command(j) => command::command(worker, *j).await,
    }
}
