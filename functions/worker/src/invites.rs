//! Invites: fan-out into one delivery per recipient, the DM itself (at most
//! once per invite and recipient), and the summary for the inviter.

use std::time::Duration;

use hallway::i18n::Locale;
use hallway::ids::{ChannelId, UserId};
use hallway::jobs::{self, DeliverJob, FanOutJob, Job, ReportJob};
use hallway::secrets::Secret;
use hallway::slack::SlackError;
use hallway::slack::messages::{self, INVITE_BLOCK_PREFIX, escape};
use hallway::store::invites::Claim;
use hallway::store::rate;
use hallway::store::{DeliveryStatus, Invite};
use hallway::t;
use hallway::tokens::TokenError;
use serde_json::json;

use crate::{JobError, Worker};

/// Recipients handled per fan-out job; the rest follow in another job, so no
/// run comes near the Lambda timeout.
pub const FAN_OUT_CHUNK: usize = 100;

const POST: &str = "chat.postMessage";

pub async fn fan_out(w: &Worker, job: FanOutJob) -> Result<(), JobError> {
    let s = &w.services;
    let (now, later) = job
        .recipients
        .split_at(job.recipients.len().min(FAN_OUT_CHUNK));
    let added = s.invites().add_recipients(&job.invite_id, now).await?;
    // Every recipient of the chunk, not only those added now: a job that
    // failed after adding them comes back to find them added, and their
    // deliveries must still be queued. A delivery sends at most once.
    let deliveries: Vec<Job> = now
        .iter()
        .map(|r| {
            Job::Deliver(DeliverJob {
                invite_id: job.invite_id.clone(),
                team_id: job.team_id.clone(),
                recipient: r.clone(),
            })
        })
        .collect();
    jobs::enqueue_all(s.queue.as_ref(), &deliveries).await?;
    if !later.is_empty() {
        jobs::enqueue(
            s.queue.as_ref(),
            &Job::FanOut(FanOutJob {
                invite_id: job.invite_id,
                team_id: job.team_id,
                recipients: later.to_vec(),
            }),
            Duration::ZERO,
        )
        .await?;
    }
    tracing::info!(
        queued = deliveries.len(),
        new_recipients = added.len(),
        remaining = later.len(),
        "fanned out"
    );
    Ok(())
}

/// What to tell the inviter about a recipient Slack refused.
fn reason(code: &str) -> String {
    match code {
        "user_not_found" | "user_not_visible" | "user_disabled" => {
            "is no longer in this workspace".into()
        }
        "cannot_dm_bot" => "is a bot".into(),
        // conversations.open: "All external people must already be in at
        // least one channel together to send a message."
        "invalid_user_combination" => {
            "is in another organisation and shares no channel with hallway".into()
        }
        "channel_not_found" | "is_archived" => "could not be reached by DM".into(),
        "restricted_action" | "not_allowed_token_type" | "ekm_access_denied" => {
            "cannot receive DMs from apps here".into()
        }
        other => format!("Slack refused the message ({other})"),
    }
}

/// A stored reason in the inviter's language: the fixed ones of
/// [`reason`] (stored in English, as the office API shows them) are
/// translated, the rest (Slack's own codes) kept.
fn localized_reason(stored: &str, l: Locale) -> String {
    match stored {
        "is no longer in this workspace" => t!(l, "reason-gone"),
        "is a bot" => t!(l, "reason-bot"),
        "is in another organisation and shares no channel with hallway" => {
            t!(l, "reason-external")
        }
        "could not be reached by DM" => t!(l, "reason-no-dm"),
        "cannot receive DMs from apps here" => t!(l, "reason-no-app-dms"),
        "hallway lost access to this workspace" => t!(l, "reason-lost-access"),
        "hallway is no longer installed in this workspace" => t!(l, "reason-uninstalled"),
        other => other.to_owned(),
    }
}

async fn finish_failed(w: &Worker, job: &DeliverJob, why: &str) -> Result<(), JobError> {
    tracing::info!(recipient = %job.recipient, why, "invite not delivered");
    hallway::metrics::count("InvitesFailed", &[]);
    let done = w
        .services
        .invites()
        .mark_failed(&job.invite_id, &job.recipient, why)
        .await?;
    report_if_done(w, done).await
}

async fn report_if_done(w: &Worker, completed: Option<Invite>) -> Result<(), JobError> {
    if let Some(invite) = completed {
        jobs::enqueue(
            w.services.queue.as_ref(),
            &Job::Report(ReportJob {
                invite_id: invite.id,
                team_id: invite.team_id,
            }),
            Duration::ZERO,
        )
        .await?;
    }
    Ok(())
}

/// Why the DM history could not be read now.
enum Unchecked {
    /// The workspace's history budget is spent, or Slack said when to come
    /// back.
    Wait(Duration),
    Failed(SlackError),
}

/// Whether the invite's DM is already in the person's DM history (a worker
/// died between sending and recording, or Slack failed a post that may
/// have gone out). History calls are the scarcest Slack allows — 1 a minute
/// per workspace and 15 messages for a commercially distributed app — so
/// this one goes through the workspace's shared history budget and asks
/// for the newest 15, where a DM sent moments ago is.
async fn already_sent(
    w: &Worker,
    token: &Secret,
    job: &DeliverJob,
) -> Result<Option<(ChannelId, String)>, Unchecked> {
    let s = &w.services;
    if let Some(wait) = s
        .rate_budgets()
        .take(&job.team_id, rate::HISTORY, s.config.history_per_minute, 60)
        .await
        .map_err(|e| {
            Unchecked::Failed(SlackError::Transport {
                method: "conversations.history".into(),
                detail: format!("the history budget could not be read: {e}"),
                maybe_sent: false,
            })
        })?
    {
        return Err(Unchecked::Wait(Duration::from_secs(wait.max(1) as u64)));
    }
    let channel = match s.channels().dm(&job.team_id, &job.recipient).await {
        Ok(Some(c)) => c.to_string(),
        _ => s
            .slack
            .open_dm(token, job.recipient.as_str())
            .await
            .map_err(Unchecked::from)?,
    };
    let page = s
        .slack
        .conversation_history(token, &channel, None, rate::HISTORY_PAGE)
        .await
        .map_err(Unchecked::from)?;
    let marker = format!("{INVITE_BLOCK_PREFIX}{}", job.invite_id);
    let found = page.messages.iter().find(|m| {
        m["blocks"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["block_id"] == marker.as_str()))
    });
    Ok(found.and_then(|m| {
        Some((
            ChannelId::new(channel.clone()).ok()?,
            m["ts"].as_str()?.to_owned(),
        ))
    }))
}

impl From<SlackError> for Unchecked {
    fn from(e: SlackError) -> Self {
        match e.retry_after() {
            Some(after) => Unchecked::Wait(after),
            None => Unchecked::Failed(e),
        }
    }
}

pub async fn deliver(w: &Worker, job: DeliverJob) -> Result<(), JobError> {
    let team = job.team_id.clone();
    let outcome = deliver_once(w, job).await;
    // A DM that waits while the team's posts are paused waits on a 429.
    if matches!(outcome, Err(JobError::Wait { .. })) && w.pacer.wait(&team, POST).is_some() {
        hallway::metrics::count("InvitesRateLimited", &[]);
    }
    outcome
}

async fn deliver_once(w: &Worker, job: DeliverJob) -> Result<(), JobError> {
    let s = &w.services;
    crate::paced(w, &job.team_id, POST)?;
    let invites = s.invites();
    let Some(invite) = invites.get(&job.invite_id).await? else {
        tracing::warn!(invite_id = %job.invite_id, "invite gone (expired?); nothing to deliver");
        return Ok(());
    };
    let claim = invites.claim(&job.invite_id, &job.recipient).await?;
    match claim {
        Claim::AlreadySent | Claim::AlreadyFailed | Claim::Unknown => {
            tracing::info!(?claim, "delivery already settled; nothing sent");
            return Ok(());
        }
        Claim::Busy { until } => {
            // Usually a duplicate of a delivery being sent right now: look
            // again soon (it will be settled) rather than at the lease's end.
            let wait = (until - s.clock.now_secs()).clamp(1, 5) as u64;
            return Err(JobError::wait(
                "another worker holds this delivery",
                Duration::from_secs(wait),
            ));
        }
        Claim::Go | Claim::TakeOver => {}
    }
    let token = match s.bot_token(&job.team_id).await {
        Ok(t) => t,
        Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
            return finish_failed(w, &job, "hallway is no longer installed in this workspace")
                .await;
        }
        Err(e) => {
            invites.release(&job.invite_id, &job.recipient).await?;
            return Err(JobError::retry(e));
        }
    };
    if claim == Claim::TakeOver {
        match already_sent(w, &token, &job).await {
            Ok(Some((channel, ts))) => {
                tracing::info!(
                    "found the DM in the history; recording it instead of sending again"
                );
                let done = invites
                    .mark_sent(&job.invite_id, &job.recipient, &channel, &ts)
                    .await?;
                return report_if_done(w, done).await;
            }
            Ok(None) => {}
            // Unsure whether it went out: wait rather than risk a second
            // DM, and stay a take-over (the next attempt looks again).
            Err(Unchecked::Wait(after)) => {
                invites
                    .release_uncertain(&job.invite_id, &job.recipient)
                    .await?;
                return Err(JobError::wait(
                    "the DM history can be read again later (history budget)",
                    after,
                ));
            }
            Err(Unchecked::Failed(e)) => {
                invites
                    .release_uncertain(&job.invite_id, &job.recipient)
                    .await?;
                return Err(JobError::retry(format!(
                    "could not check the DM history: {e}"
                )));
            }
        }
    }
    // Someone of another organisation (Slack Connect) may be invited — the
    // bot can DM them while they share a channel with it — but joins the
    // space only as a guest, where it takes guests.
    let external = is_external(w, &token, &job).await;
    let guest = match external {
        Ok(false) => false,
        Ok(true) => {
            let space = s
                .spaces()
                .get(&invite.space_id)
                .await
                .map_err(JobError::retry)?;
            match space {
                Some(sp) if sp.guest_limit > 0 => true,
                _ => {
                    let why = format!(
                        "is in another organisation (Slack Connect), and {} takes no guests",
                        invite.space_name
                    );
                    return finish_failed(w, &job, &why).await;
                }
            }
        }
        Err(e) => {
            invites.release(&job.invite_id, &job.recipient).await?;
            return Err(e);
        }
    };
    let join = s.invite_join_url(&invite.space_id, &invite.room_id, Some(&invite.id), guest);
    let reader = crate::stored_locale(w, &job.team_id, &job.recipient).await;
    // A workflow's invite without a named inviter is named here, in the
    // recipient's language.
    let inviter = match invite.inviter_name.as_str() {
        "" if invite.inviter_slack_user.is_some() => t!(reader, "invite-from-someone"),
        "" => t!(reader, "invite-from-workflow"),
        name => name.to_owned(),
    };
    let (text, blocks) = messages::invite_dm(
        &invite.id,
        &inviter,
        &invite.room_name,
        &invite.space_name,
        &join,
        &messages::InviteExtra {
            note: invite.note.as_deref(),
            about: invite.about.as_deref(),
        },
        reader,
    );
    let posted = s
        .slack
        .post_message(
            &token,
            &json!({
                "channel": job.recipient,
                "text": text,
                "blocks": blocks,
                "unfurl_links": false,
                "unfurl_media": false,
            }),
        )
        .await;
    match posted {
        Ok(p) => {
            let channel = ChannelId::new(p.channel.clone()).map_err(JobError::retry)?;
            if let Err(e) = s
                .channels()
                .remember_dm(&job.team_id, &job.recipient, &channel)
                .await
            {
                tracing::warn!(error = %e, "could not remember the DM channel");
            }
            let done = invites
                .mark_sent(&job.invite_id, &job.recipient, &channel, &p.ts)
                .await?;
            tracing::info!(recipient = %job.recipient, "invite DM sent");
            hallway::metrics::count("InvitesDelivered", &[]);
            report_if_done(w, done).await
        }
        Err(e) => deliver_failed(w, &job, e, guest).await,
    }
}

/// Whether the recipient belongs to another organisation. The workspace's
/// own people are in its directory (`users.list`, kept current by
/// `team_join`); people met in Slack Connect channels are not. So: as the
/// directory knows them; someone missing from a directory that was read
/// whole is asked of `users.info` (their own `team_id`); without a whole
/// directory nothing is asked — a `users.info` per DM would hold a fan-out
/// to Tier 4's 100 a minute — and they are invited as members.
async fn is_external(w: &Worker, token: &Secret, job: &DeliverJob) -> Result<bool, JobError> {
    let s = &w.services;
    let directory = s.directory();
    if let Some(p) = directory.get(&job.team_id, &job.recipient).await? {
        return Ok(p.is_external(&job.team_id, None));
    }
    let read_whole = directory
        .run(&job.team_id)
        .await?
        .is_some_and(|r| r.status == hallway::store::directory::RunStatus::Done);
    if !read_whole {
        return Ok(false);
    }
    match s.slack.users_info(token, job.recipient.as_str()).await {
        Ok(user) => Ok(hallway::store::Person::from_user(user)
            .is_ok_and(|p| p.is_external(&job.team_id, None))),
        Err(e) if e.is_transient() => Err(JobError::from_transient(&e)),
        // Not readable (no users:read, not found): the post itself says.
        Err(_) => Ok(false),
    }
}

/// A DM that Slack did not confirm: retried, or settled as failed.
async fn deliver_failed(
    w: &Worker,
    job: &DeliverJob,
    e: SlackError,
    external: bool,
) -> Result<(), JobError> {
    let invites = w.services.invites();
    let outcome_unknown = e.outcome_unknown();
    match crate::slack_failure(w, &job.team_id, POST, e).await {
        Err(retry) => {
            if !outcome_unknown {
                invites.release(&job.invite_id, &job.recipient).await?;
                return Err(retry);
            }
            // It may have been posted (or still be posting): the retry
            // waits as long as a slow Slack may take, then looks in the
            // DM's history before sending.
            invites
                .release_uncertain(&job.invite_id, &job.recipient)
                .await?;
            let why = match retry {
                JobError::Retry { reason, .. } => reason,
                other => other.to_string(),
            };
            Err(JobError::retry_after(
                format!("{why}; the outcome is unknown"),
                hallway::services::SLACK_TIMEOUT,
            ))
        }
        Ok(e) if e.token_may_be_dead() => {
            finish_failed(w, job, "hallway lost access to this workspace").await
        }
        // A DM to someone of another organisation is refused when they
        // share no channel with the bot (chat.postMessage: "if your app
        // doesn't have permission to enter into a DM with the intended user").
        Ok(SlackError::Api { code, .. }) if external && code == "channel_not_found" => {
            finish_failed(w, job, &reason("invalid_user_combination")).await
        }
        Ok(SlackError::Api { code, .. }) => finish_failed(w, job, &reason(&code)).await,
        Ok(SlackError::MissingScope { needed, .. }) => {
            finish_failed(w, job, &format!("the app lacks the {needed} permission")).await
        }
        Ok(e) => finish_failed(w, job, &e.to_string()).await,
    }
}

fn mention(u: &UserId) -> String {
    format!("<@{u}>")
}

/// At most `max` entries, then "and N more" (a section holds 3,000
/// characters; a channel can have thousands of members).
fn some_of(items: &[String], max: usize, l: Locale) -> String {
    if items.len() <= max {
        return items.join(", ");
    }
    t!(
        l,
        "report-more",
        shown = items[..max].join(", "),
        more = items.len() - max
    )
}

/// The summary for the inviter, where they asked ([`crate::asker`]).
pub async fn report(w: &Worker, job: ReportJob) -> Result<(), JobError> {
    let s = &w.services;
    let Some(invite) = s.invites().get(&job.invite_id).await? else {
        return Ok(());
    };
    if invite.response_url.is_none() && invite.view_id.is_none() && invite.step.is_none() {
        // Office invites: the office reads the status through the API.
        return Ok(());
    }
    let deliveries = s.invites().deliveries(&invite.id).await?;
    if invite.step.is_some() {
        let l = match &invite.inviter_slack_user {
            Some(u) => crate::reader_locale(w, &invite.team_id, u).await,
            None => Locale::En,
        };
        let reached = deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Sent)
            .count();
        let missed: Vec<String> = deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Failed)
            .map(|d| {
                let why = match &d.reason {
                    Some(r) => localized_reason(r, l),
                    None => t!(l, "report-unknown-reason"),
                };
                format!("{} ({why})", mention(&d.recipient))
            })
            .collect();
        return crate::workflow_step::invite_done(w, &invite, reached, &missed, l).await;
    }
    let reached: Vec<String> = deliveries
        .iter()
        .filter(|d| d.status == DeliveryStatus::Sent)
        .map(|d| mention(&d.recipient))
        .collect();
    let l = match &invite.inviter_slack_user {
        Some(u) => crate::reader_locale(w, &invite.team_id, u).await,
        None => Locale::En,
    };
    let missed: Vec<String> = deliveries
        .iter()
        .filter(|d| d.status == DeliveryStatus::Failed)
        .map(|d| {
            format!(
                "{} ({})",
                mention(&d.recipient),
                escape(&match &d.reason {
                    Some(r) => localized_reason(r, l),
                    None => t!(l, "report-unknown-reason"),
                })
            )
        })
        .collect();
    let place = format!(
        "*{}* ({})",
        escape(&invite.room_name),
        escape(&invite.space_name)
    );
    let mut text = if deliveries.is_empty() {
        t!(l, "report-nobody", place = place.as_str())
    } else {
        t!(
            l,
            "report-reached",
            place = place.as_str(),
            reached = reached.len(),
            total = deliveries.len()
        )
    };
    if !reached.is_empty() {
        text.push_str(&format!(": {}", some_of(&reached, 15, l)));
    }
    if !deliveries.is_empty() {
        text.push('.');
    }
    if !missed.is_empty() {
        text.push('\n');
        text.push_str(&t!(l, "report-not-reached", who = some_of(&missed, 10, l)));
    }
    let asker = crate::asker::Asker {
        team: &invite.team_id,
        user: invite.inviter_slack_user.as_ref(),
        response_url: invite.response_url.as_deref(),
        view_id: invite.view_id.as_deref(),
        locale: l,
    };
    crate::asker::tell(w, &asker, &t!(l, "report-title"), &text).await
}
