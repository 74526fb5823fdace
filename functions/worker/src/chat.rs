//! Bridged DMs: a message in a linked person's DM (or in a DM with the
//! app) is stored, the office is told through its webhook, and an unlinked
//! sender may be prompted to link; edits and deletions follow the stored
//! copy. Deliveries to the office that fail are retried through the queue
//! with backoff ([`notify_retry`]).
//!
//! Loops cannot start here: the webhook drops bots' messages (ours
//! included) before they are queued, and a message the office itself sent
//! is stored when sent, so its event is recognised as an echo and the
//! office is not told about its own message.

use std::time::Duration;

use hallway::ids::{ChannelId, MessageTs, OfficeUserId, TeamId, UserId};
use hallway::jobs::{self, Job, NotifyJob};
use hallway::office_webhook::Notification;
use hallway::slack::SlackError;
use hallway::slack::events::{NewMessage, Via};
use hallway::store::chat::{ConversationKind, Recorded, SharedFile, Source};
use hallway::store::{ChatMessage, Conversation};
use serde_json::{Value, json};

use crate::{JobError, Worker};

/// Attempts at one notification before giving up (about 50 minutes).
pub const MAX_ATTEMPTS: u32 = 10;

/// The wait before attempt `attempt + 1`: 5 s doubling, at most SQS's
/// 15-minute delay.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs((5u64 << attempt.saturating_sub(1).min(10)).min(900))
}

pub async fn message(w: &Worker, team: &TeamId, m: &NewMessage) -> Result<(), JobError> {
    if !m.channel_type.is_dm() {
        return crate::channel_chat::message(w, team, m).await;
    }
    let s = &w.services;
    let chat = s.chat();
    let conversation = conversation_for(w, team, &m.channel, &m.user, &m.via).await?;
    let files = files_of(w, team, &conversation, &m.files).await?;
    let Some(stored) = record_new(w, team, m, files).await? else {
        return Ok(());
    };
    auto_prompt(w, team, m).await;
    let from = s.links().office_user_for(team, &m.user).await?;
    let mut data = message_data(&stored, &conversation);
    data["from_office_user"] = json!(from);
    notify(w, team, "chat.message", &stored, data).await?;
    chat.mark_notified(team, &m.channel, &m.ts).await?;
    tracing::info!(channel = %m.channel, kind = ?conversation.kind, "DM bridged");
    Ok(())
}

/// Stores a new message from Slack, with its files; `None` when there is
/// nothing more to do: it is the echo of one the office sent, or the
/// office was told of it before. A copy stored by an earlier attempt that
/// stopped before telling the office comes back to be told now.
pub(crate) async fn record_new(
    w: &Worker,
    team: &TeamId,
    m: &NewMessage,
    files: Vec<SharedFile>,
) -> Result<Option<ChatMessage>, JobError> {
    let record = ChatMessage {
        team_id: team.clone(),
        channel_id: m.channel.clone(),
        ts: m.ts.clone(),
        user: Some(m.user.clone()),
        text: m.text.clone(),
        thread_ts: m.thread_ts.clone(),
        edited_ts: None,
        deleted: false,
        source: Source::Slack,
        received_at: w.services.clock.now_secs(),
        edited_us: 0,
        notified: false,
        files,
        broadcast: m.broadcast,
        office_user: None,
    };
    Ok(match w.services.chat().record(&record).await? {
        Recorded::New => Some(record),
        Recorded::Known(existing) if existing.source == Source::Office => {
            tracing::info!(ts = %m.ts, "echo of a message the office sent; not told again");
            None
        }
        Recorded::Known(existing) if existing.notified => {
            tracing::info!(ts = %m.ts, "message seen before; nothing to do");
            None
        }
        Recorded::Known(existing) => Some(*existing),
    })
}

pub async fn changed(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
    ts: &MessageTs,
    text: &str,
    edited_ts: &MessageTs,
) -> Result<(), JobError> {
    let chat = w.services.chat();
    let Some(updated) = chat.edit(team, channel, ts, text, edited_ts).await? else {
        tracing::info!(%ts, "edit of a message not bridged, deleted, or already applied");
        return Ok(());
    };
    let conversation = chat.conversation(team, channel).await?;
    if let Some(c) = conversation
        .as_ref()
        .filter(|c| c.kind == ConversationKind::Channel)
    {
        return crate::channel_chat::changed(w, team, c, &updated).await;
    }
    let data = message_data(&updated, conversation.as_ref());
    notify(w, team, "chat.message_changed", &updated, data).await
}

pub async fn deleted(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
    ts: &MessageTs,
) -> Result<(), JobError> {
    let chat = w.services.chat();
    let Some(gone) = chat.delete(team, channel, ts).await? else {
        tracing::info!(%ts, "deletion of a message not bridged or deleted before");
        return Ok(());
    };
    let conversation = chat.conversation(team, channel).await?;
    if let Some(c) = conversation
        .as_ref()
        .filter(|c| c.kind == ConversationKind::Channel)
    {
        return crate::channel_chat::deleted(w, team, c, &gone).await;
    }
    let data = message_data(&gone, conversation.as_ref());
    notify(w, team, "chat.message_deleted", &gone, data).await
}

/// The files of a message, with the names and links of those Slack sent
/// only as ids (`check_file_info`), read with `files.info` on a token
/// that sees the conversation: the bot's in the app's DM, a linked
/// member's otherwise, the bot's in a channel (it is in the channel to hear
/// it). A file that cannot be read is passed on by id.
pub(crate) async fn files_of(
    w: &Worker,
    team: &TeamId,
    conversation: &Conversation,
    files: &[SharedFile],
) -> Result<Vec<SharedFile>, JobError> {
    if files.iter().all(|f| !f.check_file_info) {
        return Ok(files.to_vec());
    }
    let s = &w.services;
    let token = match conversation.kind {
        ConversationKind::App | ConversationKind::Channel => {
            crate::token_if_installed(w, team).await?
        }
        ConversationKind::People => {
            let mut found = None;
            for ou in &conversation.office_users {
                if let Some(t) = s.user_token(ou, team).await.map_err(JobError::retry)? {
                    found = Some(t);
                    break;
                }
            }
            found
        }
    };
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let read = match (&token, f.check_file_info) {
            (Some(token), true) => match s.slack.files_info(token, &f.id).await {
                Ok(full) => Some(full),
                Err(e) if e.is_transient() => {
                    return Err(JobError::from_transient(&e));
                }
                Err(e) => {
                    tracing::warn!(error = %e, file = %f.id, "a shared file could not be read; passed on by id");
                    None
                }
            },
            _ => None,
        };
        out.push(read.unwrap_or_else(|| f.clone()));
    }
    Ok(out)
}

fn message_data<'c>(m: &ChatMessage, conversation: impl Into<Option<&'c Conversation>>) -> Value {
    json!({
        "channel_id": m.channel_id,
        "ts": m.ts,
        "thread_ts": m.thread_ts,
        "broadcast": m.broadcast,
        "files": m.files,
        "user": m.user,
        "text": m.text,
        "edited_ts": m.edited_ts,
        "deleted": m.deleted,
        "conversation": conversation.into().map(|c| json!({
            "kind": c.kind,
            "members": c.members,
            "office_users": c.office_users,
        })),
    })
}

/// Tells the office, once now; a failure is queued for retries with
/// backoff. The notification id is derived from the message and the kind,
/// so every retry (and a redelivered event) carries the same id and the
/// office can drop repeats.
pub(crate) async fn notify(
    w: &Worker,
    team: &TeamId,
    kind: &str,
    m: &ChatMessage,
    data: Value,
) -> Result<(), JobError> {
    let version = m.edited_ts.as_ref().map_or("0", |t| t.as_str());
    let n = Notification {
        id: format!("{kind}:{team}:{}:{}:{version}", m.channel_id, m.ts),
        kind: kind.to_owned(),
        team_id: team.clone(),
        created_at: w.services.clock.now_secs(),
        data,
    };
    tell_office(w, n).await
}

/// Delivers a notification once now; a failure is queued for retries.
pub(crate) async fn tell_office(w: &Worker, n: Notification) -> Result<(), JobError> {
    let Some(webhook) = &w.services.office_webhook else {
        return Ok(());
    };
    match webhook.deliver(&n).await {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, notification = %n.id, "office webhook failed; will retry");
            requeue(w, 1, n).await
        }
    }
}

async fn requeue(w: &Worker, attempt: u32, notification: Notification) -> Result<(), JobError> {
    jobs::enqueue(
        w.services.queue.as_ref(),
        &Job::Notify(NotifyJob {
            attempt,
            notification,
        }),
        backoff(attempt),
    )
    .await?;
    Ok(())
}

/// A queued retry of a notification.
pub async fn notify_retry(w: &Worker, job: NotifyJob) -> Result<(), JobError> {
    let Some(webhook) = &w.services.office_webhook else {
        tracing::warn!("no office webhook configured any more; notification dropped");
        return Ok(());
    };
    match webhook.deliver(&job.notification).await {
        Ok(()) => {
            tracing::info!(notification = %job.notification.id, attempt = job.attempt + 1, "office told");
            Ok(())
        }
        Err(e) if job.attempt + 1 >= MAX_ATTEMPTS => {
            tracing::error!(error = %e, notification = %job.notification.id, attempts = job.attempt + 1,
                "office webhook gave up; the message stays stored for the office to read");
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, notification = %job.notification.id, attempt = job.attempt + 1, "office webhook failed again");
            requeue(w, job.attempt + 1, job.notification).await
        }
    }
}

/// Who a DM is between, worked out once per conversation from its
/// members, never from which authorization the event came under: Slack
/// names one installation that can see an event and does not say which
/// (docs.slack.dev/apis/events-api), so a linked person's DM with the app
/// may come under their own user authorization.
///
/// A DM has two members. Under a person's authorization, that person is
/// one; the author is the other unless they wrote it themselves, and then
/// the other is asked of Slack with their token (`conversations.info`'s
/// `user`). Under the bot's authorization, the bot is a member. Whenever
/// the app's bot user is one of the two, this is a conversation with the
/// app (its Messages tab), listed by the person alone.
async fn conversation_for(
    w: &Worker,
    team: &TeamId,
    channel: &ChannelId,
    author: &UserId,
    via: &Via,
) -> Result<Conversation, JobError> {
    let s = &w.services;
    let chat = s.chat();
    if let Some(c) = chat.conversation(team, channel).await? {
        return Ok(c);
    }
    let bot = s
        .installations()
        .get(team)
        .await
        .map_err(JobError::retry)?
        .map(|i| i.bot_user_id);
    let other = match via {
        Via::Bot => bot.clone(),
        Via::User(owner) if owner != author => Some(owner.clone()),
        Via::User(owner) => counterpart(w, team, owner, channel).await?,
    };
    let (kind, members) = match other {
        Some(o) if Some(&o) == bot.as_ref() => (ConversationKind::App, vec![author.clone()]),
        Some(o) => (ConversationKind::People, sorted(vec![author.clone(), o])),
        None => (ConversationKind::People, vec![author.clone()]),
    };
    let links = s.links();
    let mut office_users: Vec<(UserId, OfficeUserId)> = Vec::new();
    for member in &members {
        if let Some(ou) = links.office_user_for(team, member).await? {
            office_users.push((member.clone(), ou));
        }
    }
    let conversation = Conversation::new(
        team,
        channel,
        kind,
        members.clone(),
        office_users.iter().map(|(_, ou)| ou.clone()).collect(),
    );
    chat.remember_conversation(&conversation).await?;
    for (me, ou) in &office_users {
        for other in members.iter().filter(|m| *m != me) {
            chat.link_conversation(ou, team, other, channel).await?;
        }
    }
    Ok(conversation)
}

/// Members in id order, so a conversation reads the same whoever wrote
/// first.
fn sorted(mut members: Vec<UserId>) -> Vec<UserId> {
    members.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    members.dedup();
    members
}

/// The other person in `owner`'s DM, asked of Slack with `owner`'s token.
async fn counterpart(
    w: &Worker,
    team: &TeamId,
    owner: &UserId,
    channel: &ChannelId,
) -> Result<Option<UserId>, JobError> {
    let s = &w.services;
    let links = s.links();
    let Some(office_user) = links.office_user_for(team, owner).await? else {
        return Ok(None);
    };
    let Some(token) = s
        .user_token(&office_user, team)
        .await
        .map_err(JobError::retry)?
    else {
        return Ok(None);
    };
    match s.slack.im_counterpart(&token, channel.as_str()).await {
        Ok(other) => Ok(other.and_then(|o| UserId::new(o).ok())),
        Err(SlackError::RateLimited { retry_after }) => Err(JobError::wait(
            "conversations.info rate limited by Slack",
            retry_after,
        )),
        Err(e) if e.is_transient() => Err(JobError::retry(e)),
        Err(e) => {
            // A user token confirmed dead goes, as `tokens_revoked` would
            // have it; the conversation is kept with the one person known.
            if e.token_may_be_dead()
                && hallway::tokens::confirm_dead(&s.slack, &token).await == Ok(true)
            {
                links.revoke_user_token(team, owner).await?;
            }
            tracing::warn!(error = %e, "could not tell who the DM is with");
            Ok(None)
        }
    }
}

/// Prompts an unlinked sender to link, when one of the team's spaces asks
/// for it, at most once a day per person. Failures are logged: a missed
/// prompt is retried by the person's next message after a day.
async fn auto_prompt(w: &Worker, team: &TeamId, m: &NewMessage) {
    if let Err(e) = try_auto_prompt(w, team, m).await {
        tracing::warn!(error = %e, "auto-prompt not sent");
    }
}

async fn try_auto_prompt(w: &Worker, team: &TeamId, m: &NewMessage) -> anyhow::Result<()> {
    let s = &w.services;
    if matches!(&m.via, Via::User(owner) if owner == &m.user) {
        return Ok(());
    }
    if s.links().office_user_for(team, &m.user).await?.is_some() {
        return Ok(());
    }
    let spaces = s.spaces();
    let mut prompting = Vec::new();
    for ts in spaces.for_team(team).await? {
        if let Some(space) = spaces.get(&ts.space_id).await?
            && space.auto_prompt
            && space.connected
        {
            prompting.push(space.name);
        }
    }
    if prompting.is_empty() || !s.sync().claim_prompt(team, &m.user).await? {
        return Ok(());
    }
    let token = s.bot_token(team).await?;
    crate::prompts::send(w, &token, team, &m.user, &prompting).await?;
    tracing::info!(user_id = %m.user, "auto-prompt sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_fifteen_minutes() {
        let waits: Vec<u64> = (1..=MAX_ATTEMPTS).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert!(waits.iter().sum::<u64>() < 3600);
    }
}
