//! The chat bridge from the office: a linked person writes to one of the
//! workspace's people (as themselves, with their user token), and reads the
//! conversation's history.
//!
//! History is served from what hallway stores (messages bridged by the
//! events webhook, messages sent from here, and pages read from Slack),
//! merged by `ts`, so nothing shows twice and the order is Slack's. Slack's
//! `conversations.history` is asked only when the stored copy may be
//! missing something: the newest page at most once a minute per
//! conversation (new messages arrive as events meanwhile), and older pages
//! until Slack says there are no more. Every such call takes one of the
//! workspace's `HALLWAY_HISTORY_PER_MINUTE` calls (shared by every running
//! function); when the budget is spent the answer says `partial` and when
//! to ask again, and serves what is stored.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use hallway::ids::{MessageTs, UserId};
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::store::ChatMessage;
use hallway::store::chat::SharedFile;
use hallway::store::chat::Source;
use hallway::store::rate;
use hallway::web::ApiError;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::Caller;
use crate::json_body;
use crate::people::ChatWith;

/// Slack's longest sensible message (it truncates past 40,000; clients
/// split at about 4,000).
const MAX_TEXT: usize = 4_000;
/// Messages per page asked of Slack: the most the strictest history tier
/// allows.
const SLACK_PAGE: u32 = rate::HISTORY_PAGE;
/// The newest page is read again at most this often per conversation.
const FRESH_SECS: i64 = 60;

#[derive(Deserialize)]
pub struct Send {
    text: String,
}

/// `POST /api/v1/spaces/{space}/people/{slack_user}/messages` `{text}`.
pub async fn send(
    State(s): State<Services>,
    caller: Caller,
    Path((space, them)): Path<(String, String)>,
    body: Result<Json<Send>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_body(body)?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "text must be 1-{MAX_TEXT} characters"
        )));
    }
    let mut c = ChatWith::open(&s, &caller, space, them).await?;
    let message = json!({"channel": c.channel, "text": text});
    let slack = &s.slack;
    let posted = c
        .slack(&s, |t| {
            let message = &message;
            async move { slack.post_message(&t, message).await }
        })
        .await;
    let posted = match posted {
        Ok(p) => p,
        Err(SlackError::RateLimited { retry_after }) => {
            return Err(ApiError::RateLimited {
                message: "Slack asks to slow down in this conversation".into(),
                retry_after_secs: retry_after.as_secs().max(1),
            });
        }
        Err(e) => return Err(c.refusal(&s, e).await),
    };
    let ts = MessageTs::new(posted.ts)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("Slack's ts: {e}")))?;
    // Stored as the office's, so the event Slack sends back for it is
    // known as an echo and not announced to the office again.
    let message = ChatMessage {
        team_id: c.team.clone(),
        channel_id: c.channel.clone(),
        ts: ts.clone(),
        user: Some(c.me.clone()),
        text: text.to_owned(),
        thread_ts: None,
        edited_ts: None,
        deleted: false,
        source: Source::Office,
        received_at: s.clock.now_secs(),
        edited_us: 0,
        notified: true,
        files: Vec::new(),
        broadcast: false,
    };
    s.chat().record(&message).await?;
    tracing::info!(channel = %c.channel, "DM sent from the office");
    Ok((
        StatusCode::CREATED,
        Json(json!({"channel_id": c.channel, "message": message_json(&message, &c.me)})),
    ))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    /// `next_cursor` of the previous page: messages older than it.
    before: Option<String>,
    limit: Option<u32>,
}

fn message_json(m: &ChatMessage, me: &UserId) -> Value {
    json!({
        "ts": m.ts,
        "user": m.user,
        "mine": m.user.as_ref() == Some(me),
        "text": m.text,
        "thread_ts": m.thread_ts,
        "broadcast": m.broadcast,
        "files": m.files,
        "edited_ts": m.edited_ts,
        "deleted": m.deleted,
        "from": match m.source { Source::Office => "office", Source::Slack => "slack" },
    })
}

/// Why a page may be missing messages.
struct Gap {
    reason: &'static str,
    retry_after_secs: Option<i64>,
}

/// `GET /api/v1/spaces/{space}/people/{slack_user}/messages?before=&limit=`.
pub async fn history(
    State(s): State<Services>,
    caller: Caller,
    Path((space, them)): Path<(String, String)>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(30);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 100".into(),
        ));
    }
    let before = match q.before.as_deref() {
        None | Some("") => None,
        Some(b) => Some(
            MessageTs::new(b)
                .map_err(|_| ApiError::BadRequest("before is not one this API gave out".into()))?,
        ),
    };
    let mut c = ChatWith::open(&s, &caller, space, them).await?;
    let chat = s.chat();
    let conversation = chat.conversation(&c.team, &c.channel).await?;
    let (fetched_at, mut complete) = conversation
        .as_ref()
        .map_or((0, false), |x| (x.history_fetched_at, x.history_complete));
    let mut gap: Option<Gap> = None;
    if before.is_none() && s.clock.now_secs() - fetched_at >= FRESH_SECS {
        match read_slack(&s, &mut c, None).await? {
            Ok(done) => {
                complete |= done;
                chat.mark_history_read(&c.team, &c.channel, true, done)
                    .await?;
            }
            Err(g) => gap = Some(g),
        }
    }
    let mut page = chat
        .history(&c.team, &c.channel, before.as_ref(), limit)
        .await?;
    if (page.len() as u32) < limit && !complete && gap.is_none() {
        let oldest = page.last().map(|m| m.ts.clone()).or(before.clone());
        match read_slack(&s, &mut c, oldest.as_ref()).await? {
            Ok(done) => {
                complete |= done;
                chat.mark_history_read(&c.team, &c.channel, false, done)
                    .await?;
                page = chat
                    .history(&c.team, &c.channel, before.as_ref(), limit)
                    .await?;
            }
            Err(g) => gap = Some(g),
        }
    }
    let more = page.len() as u32 == limit || !complete;
    let next_cursor = match (more, page.last()) {
        (true, Some(m)) => Some(m.ts.clone()),
        (true, None) => before.clone(),
        (false, _) => None,
    };
    Ok(Json(json!({
        "channel_id": c.channel,
        "with": {"slack_user_id": c.person.id, "name": c.person.label()},
        "messages": page.iter().map(|m| message_json(m, &c.me)).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
        "partial": gap.is_some(),
        "partial_reason": gap.as_ref().map(|g| g.reason),
        "retry_after": gap.as_ref().and_then(|g| g.retry_after_secs),
    })))
}

/// Reads one page of Slack's history (older than `latest`) into the store,
/// within the workspace's budget. `Ok(Ok(true))` when Slack has nothing
/// older; `Ok(Err(gap))` when it could not be asked.
async fn read_slack(
    s: &Services,
    c: &mut ChatWith,
    latest: Option<&MessageTs>,
) -> Result<Result<bool, Gap>, ApiError> {
    if let Some(wait) = s
        .rate_budgets()
        .take(&c.team, rate::HISTORY, s.config.history_per_minute, 60)
        .await?
    {
        return Ok(Err(Gap {
            reason: "this workspace's history budget for the minute is spent",
            retry_after_secs: Some(wait),
        }));
    }
    let channel = c.channel.clone();
    let slack = &s.slack;
    let read = c
        .slack(s, |t| {
            let channel = &channel;
            async move {
                slack
                    .conversation_history(
                        &t,
                        channel.as_str(),
                        latest.map(MessageTs::as_str),
                        SLACK_PAGE,
                    )
                    .await
            }
        })
        .await;
    let page = match read {
        Ok(p) => p,
        Err(SlackError::RateLimited { retry_after }) => {
            return Ok(Err(Gap {
                reason: "Slack asked to slow down",
                retry_after_secs: Some(retry_after.as_secs() as i64),
            }));
        }
        Err(e) if e.is_transient() => {
            tracing::warn!(error = %e, "history not read from Slack");
            return Ok(Err(Gap {
                reason: "Slack did not answer",
                retry_after_secs: None,
            }));
        }
        Err(e) => return Err(c.refusal(s, e).await),
    };
    let chat = s.chat();
    let now = s.clock.now_secs();
    for m in &page.messages {
        // People's messages only (plain, files, thread broadcasts): joins,
        // bots and other subtypes are not part of the conversation as the
        // office shows it.
        let subtype = m.get("subtype").and_then(Value::as_str);
        if !matches!(subtype, None | Some("file_share" | "thread_broadcast"))
            || m.get("bot_id").is_some()
        {
            continue;
        }
        let (Some(ts), Some(user)) = (
            m["ts"].as_str().and_then(|t| MessageTs::new(t).ok()),
            m["user"].as_str().and_then(|u| UserId::new(u).ok()),
        ) else {
            continue;
        };
        let edited_ts = m["edited"]["ts"]
            .as_str()
            .and_then(|t| MessageTs::new(t).ok());
        chat.record(&ChatMessage {
            team_id: c.team.clone(),
            channel_id: c.channel.clone(),
            ts,
            user: Some(user),
            text: m["text"].as_str().unwrap_or_default().to_owned(),
            thread_ts: m["thread_ts"].as_str().and_then(|t| MessageTs::new(t).ok()),
            edited_us: edited_ts
                .as_ref()
                .map_or(0, hallway::store::chat::ts_micros),
            edited_ts,
            deleted: false,
            source: Source::Slack,
            received_at: now,
            // Read by the office itself: nothing to announce.
            notified: true,
            files: m["files"]
                .as_array()
                .map(|f| f.iter().filter_map(SharedFile::from_slack).collect())
                .unwrap_or_default(),
            broadcast: subtype == Some("thread_broadcast"),
        })
        .await?;
    }
    Ok(Ok(!page.has_more))
}
