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
use axum::extract::State;
use hallway::ids::{ChannelId, MessageTs, SpaceId, TeamId, UserId};
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::client::HistoryPage;
use hallway::store::ChatMessage;
use hallway::store::chat::SharedFile;
use hallway::store::chat::Source;
use hallway::store::rate;
use hallway::web::ApiError;
use http::StatusCode;
use serde_json::Value;

use crate::caller::Caller;
use crate::extract::{ValidJson, ValidPath, ValidQuery};
use crate::model;
use crate::people::ChatWith;

/// Slack's longest sensible message (it truncates past 40,000; clients
/// split at about 4,000).
pub(crate) const MAX_TEXT: usize = 4_000;

/// A message's text as the office sends it: trimmed, 1 to [`MAX_TEXT`]
/// characters; `None` otherwise.
pub(crate) fn message_text(raw: &str) -> Option<&str> {
    let text = raw.trim();
    (!text.is_empty() && text.chars().count() <= MAX_TEXT).then_some(text)
}

/// The `ts` Slack gave a message just posted.
pub(crate) fn posted_ts(
    posted: hallway::slack::client::PostedMessage,
) -> Result<MessageTs, ApiError> {
    MessageTs::new(posted.ts).map_err(|e| ApiError::Internal(anyhow::anyhow!("Slack's ts: {e}")))
}
/// Messages per page asked of Slack: the most the strictest history tier
/// allows.
const SLACK_PAGE: u32 = rate::HISTORY_PAGE;
/// The newest page is read again at most this often per conversation.
const FRESH_SECS: i64 = 60;

/// Writes to one of the workspace's people as the caller (with their
/// Slack token).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/people/{slack_user}/messages", tag = "chat",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The Slack user id of one of the workspace's people"),
    ),
    request_body = model::SendMessage,
    responses(
        (status = 201, description = "Sent", body = model::MessageSent),
        (status = 400, description = "Empty or too long", body = model::ErrorBody),
        (status = 409, description = "The caller must link Slack (again) first, or Slack refused", body = model::ErrorBody),
        (status = 429, description = "Slack asks to slow down: see `Retry-After`", body = model::ErrorBody),
    ))]
pub async fn send(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, them)): ValidPath<(SpaceId, UserId)>,
    ValidJson(body): ValidJson<model::SendMessage>,
) -> Result<(StatusCode, Json<model::MessageSent>), ApiError> {
    let Some(text) = message_text(&body.text) else {
        return Err(ApiError::BadRequest(format!(
            "text must be 1-{MAX_TEXT} characters"
        )));
    };
    let mut c = ChatWith::open(&s, &caller, &space, them).await?;
    let message = serde_json::json!({"channel": c.channel, "text": text});
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
    let message = ChatMessage::sent_from_office(
        &c.team,
        &c.channel,
        posted_ts(posted)?,
        Some(c.me.clone()),
        text,
        None,
        false,
        &c.office_user,
        s.clock.now_secs(),
    );
    s.chat().record(&message).await?;
    tracing::info!(channel = %c.channel, "DM sent from the office");
    Ok((
        StatusCode::CREATED,
        Json(model::MessageSent {
            message: model::Message::new(&message, Some(&c.me), &c.office_user),
            channel_id: c.channel,
        }),
    ))
}

/// Where a conversation's older messages are read from Slack: one page
/// of `conversations.history` older than `latest`, on a token that sees it.
pub(crate) trait HistorySource {
    fn page(
        &mut self,
        s: &Services,
        latest: Option<MessageTs>,
    ) -> impl Future<Output = Result<HistoryPage, SlackError>> + Send;
}

impl HistorySource for ChatWith {
    async fn page(
        &mut self,
        s: &Services,
        latest: Option<MessageTs>,
    ) -> Result<HistoryPage, SlackError> {
        let channel = self.channel.clone();
        let slack = &s.slack;
        self.slack(s, |t| {
            let (channel, latest) = (&channel, &latest);
            async move {
                slack
                    .conversation_history(
                        &t,
                        channel.as_str(),
                        latest.as_ref().map(MessageTs::as_str),
                        SLACK_PAGE,
                    )
                    .await
            }
        })
        .await
    }
}

/// Why a page may be missing messages.
pub(crate) struct Gap {
    pub reason: &'static str,
    pub retry_after_secs: Option<i64>,
}

/// A page of a stored conversation, newest first.
pub(crate) struct StoredPage {
    pub messages: Vec<ChatMessage>,
    pub next_cursor: Option<MessageTs>,
    pub gap: Option<Gap>,
}

/// Why a page could not be served.
pub(crate) enum HistoryFailure {
    Api(ApiError),
    /// Slack refused the caller's read, for the caller to word.
    Slack(SlackError),
}

impl From<ApiError> for HistoryFailure {
    fn from(e: ApiError) -> Self {
        HistoryFailure::Api(e)
    }
}

impl From<hallway::table::TableError> for HistoryFailure {
    fn from(e: hallway::table::TableError) -> Self {
        HistoryFailure::Api(e.into())
    }
}

/// Reads the `before` and `limit` of a history query.
pub(crate) fn page_bounds(q: &model::HistoryQuery) -> Result<(Option<MessageTs>, u32), ApiError> {
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
    Ok((before, limit))
}

/// A page of a conversation: what hallway stores, merged with Slack's
/// `conversations.history` (read with `fetch`, older than the `ts` given)
/// within the workspace's budget. The newest page is read again at most
/// once a minute; older pages until Slack says there are no more.
pub(crate) async fn stored_history(
    s: &Services,
    team: &TeamId,
    channel: &ChannelId,
    before: Option<MessageTs>,
    limit: u32,
    source: &mut impl HistorySource,
) -> Result<StoredPage, HistoryFailure> {
    let chat = s.chat();
    let conversation = chat.conversation(team, channel).await?;
    let (fetched_at, mut complete) = conversation
        .as_ref()
        .map_or((0, false), |x| (x.history_fetched_at, x.history_complete));
    let mut gap: Option<Gap> = None;
    if before.is_none() && s.clock.now_secs() - fetched_at >= FRESH_SECS {
        match read_slack(s, team, channel, None, source).await? {
            Ok(done) => {
                complete |= done;
                chat.mark_history_read(team, channel, true, done).await?;
            }
            Err(g) => gap = Some(g),
        }
    }
    let mut page = chat.history(team, channel, before.as_ref(), limit).await?;
    if (page.len() as u32) < limit && !complete && gap.is_none() {
        let oldest = page.last().map(|m| m.ts.clone()).or(before.clone());
        match read_slack(s, team, channel, oldest, source).await? {
            Ok(done) => {
                complete |= done;
                chat.mark_history_read(team, channel, false, done).await?;
                page = chat.history(team, channel, before.as_ref(), limit).await?;
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
    Ok(StoredPage {
        messages: page,
        next_cursor,
        gap,
    })
}

/// The conversation's history, newest first: what hallway stores merged
/// with Slack's `conversations.history` within the workspace's budget
/// (`partial` and `retry_after` when it is spent).
#[utoipa::path(get, path = "/api/v1/spaces/{space}/people/{slack_user}/messages", tag = "chat",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The Slack user id of one of the workspace's people"),
        model::HistoryQuery,
    ),
    responses(
        (status = 200, description = "A page of messages", body = model::History),
        (status = 400, description = "A bad limit or cursor", body = model::ErrorBody),
        (status = 409, description = "The caller must link Slack (again) first, or Slack refused", body = model::ErrorBody),
    ))]
pub async fn history(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, them)): ValidPath<(SpaceId, UserId)>,
    ValidQuery(q): ValidQuery<model::HistoryQuery>,
) -> Result<Json<model::History>, ApiError> {
    let (before, limit) = page_bounds(&q)?;
    let mut c = ChatWith::open(&s, &caller, &space, them).await?;
    let (team, channel) = (c.team.clone(), c.channel.clone());
    let read = stored_history(&s, &team, &channel, before, limit, &mut c).await;
    let page = match read {
        Ok(p) => p,
        Err(HistoryFailure::Api(e)) => return Err(e),
        Err(HistoryFailure::Slack(e)) => return Err(c.refusal(&s, e).await),
    };
    Ok(Json(model::History {
        with: model::HistoryPartner {
            slack_user_id: c.person.id.clone(),
            name: c.person.label().to_owned(),
        },
        messages: page
            .messages
            .iter()
            .map(|m| model::Message::new(m, Some(&c.me), &c.office_user))
            .collect(),
        channel_id: c.channel,
        next_cursor: page.next_cursor,
        partial: page.gap.is_some(),
        partial_reason: page.gap.as_ref().map(|g| g.reason.to_owned()),
        retry_after: page.gap.as_ref().and_then(|g| g.retry_after_secs),
    }))
}

/// Reads one page of Slack's history (older than `latest`) into the store,
/// within the workspace's budget. `Ok(Ok(true))` when Slack has nothing
/// older; `Ok(Err(gap))` when it could not be asked.
async fn read_slack(
    s: &Services,
    team: &TeamId,
    channel: &ChannelId,
    latest: Option<MessageTs>,
    source: &mut impl HistorySource,
) -> Result<Result<bool, Gap>, HistoryFailure> {
    if let Some(wait) = s
        .rate_budgets()
        .take(team, rate::HISTORY, s.config.history_per_minute, 60)
        .await?
    {
        return Ok(Err(Gap {
            reason: "this workspace's history budget for the minute is spent",
            retry_after_secs: Some(wait),
        }));
    }
    let page = match source.page(s, latest).await {
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
        Err(e) => return Err(HistoryFailure::Slack(e)),
    };
    store_page(s, team, channel, &page).await?;
    Ok(Ok(!page.has_more))
}

/// Stores the people's messages of a page read from Slack.
pub(crate) async fn store_page(
    s: &Services,
    team: &TeamId,
    channel: &ChannelId,
    page: &HistoryPage,
) -> Result<(), ApiError> {
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
            team_id: team.clone(),
            channel_id: channel.clone(),
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
            // Not announced yet: when its event is still on its way, the
            // worker tells the office then (a read must not swallow it).
            notified: false,
            files: m["files"]
                .as_array()
                .map(|f| f.iter().filter_map(SharedFile::from_slack).collect())
                .unwrap_or_default(),
            broadcast: subtype == Some("thread_broadcast"),
            office_user: None,
        })
        .await?;
    }
    Ok(())
}
