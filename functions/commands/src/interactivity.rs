//! Interactivity: Slack posts a form with one `payload` field (JSON) when
//! someone clicks a button, runs a shortcut or submits a modal. A Join
//! button is a link, so the click only needs recording; the shortcuts
//! open the "Meet in hallway" form ([`crate::modal`]) and its submission
//! answers with what the form shows next. Unknown payloads, callbacks and
//! actions are acknowledged and logged, so a new Slack feature never shows
//! a warning to the person.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hallway::ids::{ChannelId, MessageTs, TeamId, UserId};
use hallway::jobs::MessageRef;
use hallway::services::Services;
use hallway::slack::extract::SlackRequest;
use hallway::slack::messages::{self, JOIN_ACTION, SYNC_ACTION};
use hallway::slack::modal::MEET_CALLBACK;
use hallway::t;
use hallway::web::ApiError;
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::form::Conversation;
use crate::modal::{self, MEET_ABOUT_SHORTCUT, MEET_SHORTCUT, Meta, Opened, Opening};

#[derive(Deserialize)]
struct Form {
    payload: String,
}

/// The fields of the payloads hallway acts on
/// (docs.slack.dev/reference/interaction-payloads): shortcuts
/// (`callback_id`, `trigger_id`; a message shortcut's `channel`,
/// `message`, `response_url`), modal submissions (`view`) and clicks
/// (`actions`). Ids are read as text and checked where used, so one odd
/// field never drops a whole payload.
#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: PayloadKind,
    user: Option<PayloadUser>,
    /// `null` for an organisation-wide install (the user's `team_id` says
    /// which workspace).
    team: Option<PayloadTeam>,
    #[serde(default)]
    actions: Vec<Action>,
    callback_id: Option<String>,
    trigger_id: Option<String>,
    response_url: Option<String>,
    channel: Option<PayloadChannel>,
    message: Option<ShortcutMessage>,
    view: Option<PayloadView>,
}

/// The interaction a payload reports (docs.slack.dev/reference/interaction-payloads;
/// shortcuts: `shortcut` for a global one, `message_action` for a message
/// one, api.slack.com/reference/interaction-payloads/shortcuts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PayloadKind {
    BlockActions,
    BlockSuggestion,
    Shortcut,
    MessageAction,
    ViewSubmission,
    ViewClosed,
    /// A kind Slack added after this was written.
    #[serde(other)]
    Unknown,
}

/// Which of hallway's buttons was clicked.
#[derive(Debug, PartialEq, Eq)]
enum ActionId<'a> {
    Join,
    SyncNow,
    Unknown(&'a str),
}

impl<'a> From<&'a str> for ActionId<'a> {
    fn from(id: &'a str) -> Self {
        match id {
            JOIN_ACTION => ActionId::Join,
            SYNC_ACTION => ActionId::SyncNow,
            other => ActionId::Unknown(other),
        }
    }
}

/// Which of hallway's shortcuts ran (manifest `features.shortcuts`).
#[derive(Debug, PartialEq, Eq)]
enum Shortcut<'a> {
    Meet,
    MeetAbout,
    Unknown(&'a str),
}

impl<'a> From<&'a str> for Shortcut<'a> {
    fn from(id: &'a str) -> Self {
        match id {
            MEET_SHORTCUT => Shortcut::Meet,
            MEET_ABOUT_SHORTCUT => Shortcut::MeetAbout,
            other => Shortcut::Unknown(other),
        }
    }
}

#[derive(Debug, Deserialize)]
struct PayloadUser {
    id: UserId,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PayloadTeam {
    id: String,
}

#[derive(Debug, Deserialize)]
struct PayloadChannel {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

/// The message a message shortcut ran on: "the full structure of the
/// message" (api.slack.com/reference/interaction-payloads/shortcuts). A
/// thread's parent lists its first repliers (`reply_users`), a reply names
/// its parent's author (`parent_user_id`); a bot's message has no `user`.
#[derive(Debug, Deserialize)]
struct ShortcutMessage {
    ts: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    parent_user_id: Option<String>,
    #[serde(default)]
    reply_users: Vec<String>,
    #[serde(default)]
    reply_users_count: Option<usize>,
    #[serde(default)]
    thread_ts: Option<String>,
}

impl ShortcutMessage {
    /// The thread it belongs to, when the payload cannot name all of the
    /// thread's people: a reply (the payload names only its parent's
    /// author), or a parent with more repliers than `reply_users` lists.
    fn thread_beyond_payload(&self) -> Option<&str> {
        let thread = self.thread_ts.as_deref()?;
        let more = self
            .reply_users_count
            .is_some_and(|n| n > self.reply_users.len());
        (thread != self.ts || more).then_some(thread)
    }
}

#[derive(Debug, Deserialize)]
struct PayloadView {
    id: String,
    #[serde(default)]
    callback_id: String,
    #[serde(default)]
    private_metadata: String,
    #[serde(default)]
    state: ViewState,
}

#[derive(Debug, Default, Deserialize)]
struct ViewState {
    #[serde(default)]
    values: Value,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    value: Option<String>,
}

impl Payload {
    fn team(&self) -> Option<TeamId> {
        let id = match &self.team {
            Some(t) => Some(t.id.as_str()),
            None => self.user.as_ref().and_then(|u| u.team_id.as_deref()),
        };
        id.and_then(|t| TeamId::new(t).ok())
    }
}

pub async fn handle(State(s): State<Services>, req: SlackRequest) -> Result<Response, ApiError> {
    let form: Form = serde_urlencoded::from_bytes(&req.body)
        .map_err(|_| ApiError::BadRequest("the body has no payload field".into()))?;
    let raw: Value = serde_json::from_str(&form.payload)
        .map_err(|_| ApiError::BadRequest("the payload is not JSON".into()))?;
    let payload: Payload = match serde_json::from_value(raw) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "interaction payload of an unexpected shape acknowledged");
            return Ok(StatusCode::OK.into_response());
        }
    };
    let span = tracing::Span::current();
    let team = payload.team();
    if let Some(team) = &team {
        span.record("team_id", team.as_str());
    }
    if let Some(user) = &payload.user {
        span.record("user_id", user.id.as_str());
    }
    let (Some(team), Some(user)) = (team, payload.user.as_ref()) else {
        tracing::info!(kind = ?payload.kind, "interaction without a team or user acknowledged");
        return Ok(StatusCode::OK.into_response());
    };
    match payload.kind {
        PayloadKind::BlockActions => clicks(&s, &payload).await,
        PayloadKind::Shortcut | PayloadKind::MessageAction => {
            shortcut(&s, &payload, team, user).await
        }
        PayloadKind::ViewSubmission => submission(&s, &payload, &team, user).await,
        other => {
            tracing::info!(kind = ?other, "interaction acknowledged without action");
            Ok(StatusCode::OK.into_response())
        }
    }
}

async fn clicks(s: &Services, payload: &Payload) -> Result<Response, ApiError> {
    for action in &payload.actions {
        match ActionId::from(action.action_id.as_str()) {
            ActionId::Join => {
                // An invite's Join carries the invite id; a channel call's
                // carries nothing to record.
                if let (Some(invite), Some(user)) = (action.value.as_deref(), &payload.user) {
                    let recorded = s.invites().record_click(invite, &user.id).await?;
                    tracing::info!(invite_id = invite, recorded, "Join clicked");
                } else {
                    tracing::info!("Join clicked on a channel call");
                }
            }
            ActionId::SyncNow => tracing::info!("Sync now clicked"),
            ActionId::Unknown(other) => {
                tracing::info!(action_id = other, "unknown action acknowledged")
            }
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// A shortcut opens the form within the acknowledgement (its trigger
/// lasts 3 seconds). A message shortcut can also be answered through its
/// `response_url`, where a failure is explained; a global one has nowhere
/// to say anything but the log.
async fn shortcut(
    s: &Services,
    payload: &Payload,
    team: TeamId,
    user: &PayloadUser,
) -> Result<Response, ApiError> {
    let callback = payload.callback_id.as_deref().unwrap_or_default();
    let about = match Shortcut::from(callback) {
        Shortcut::Meet => false,
        Shortcut::MeetAbout => true,
        Shortcut::Unknown(other) => {
            tracing::info!(callback_id = other, "unknown shortcut acknowledged");
            return Ok(StatusCode::OK.into_response());
        }
    };
    let Some(trigger_id) = payload.trigger_id.clone() else {
        tracing::info!("shortcut without a trigger_id acknowledged");
        return Ok(StatusCode::OK.into_response());
    };
    let mut meta = Meta {
        command: s.config.command.clone(),
        direct: true,
        response_url: payload.response_url.clone(),
        ..Meta::default()
    };
    let mut prefill = Vec::new();
    if about && let (Some(channel), Some(message)) = (&payload.channel, &payload.message) {
        let channel_id = ChannelId::new(&channel.id).ok();
        meta.direct = Conversation::of(channel.name.as_deref()) != Conversation::Channel;
        meta.channel_name = channel.name.clone();
        meta.about = channel_id
            .clone()
            .zip(MessageTs::new(&message.ts).ok())
            .map(|(channel, ts)| MessageRef { channel, ts });
        prefill = people_of(message, &user.id);
        // The rest of a thread's people from what hallway stored of it (a
        // channel whose chat it keeps): one bounded query, no Slack call
        // inside the trigger's 3 seconds.
        if let (Some(channel), Some(thread)) = (&channel_id, message.thread_beyond_payload())
            && let Ok(thread) = MessageTs::new(thread)
        {
            match s
                .chat()
                .thread_replies(&team, channel, &thread, None, THREAD_PEOPLE_MAX, 200)
                .await
            {
                Ok((replies, _)) => {
                    for u in replies.into_iter().filter_map(|m| m.user) {
                        if u != user.id && !prefill.contains(&u) {
                            prefill.push(u);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the thread's stored replies were not read"),
            }
        }
        meta.channel = channel_id;
    }
    let opening = Opening {
        team: team.clone(),
        user: user.id.clone(),
        trigger_id,
        prefill,
        meta,
    };
    let explain = |body: Value| async move {
        if let Some(url) = payload.response_url.as_deref()
            && let Err(e) = s.slack.respond(url, &body).await
        {
            tracing::warn!(error = %e, "could not explain the shortcut's failure");
        }
    };
    match modal::open(s, opening).await {
        Ok(Opened::Shown) => {}
        Ok(Opened::Refused(refusal, l)) => {
            tracing::info!(
                ?refusal,
                "shortcut refused: the app cannot reach Slack here"
            );
            explain(refusal.ephemeral(s, &team, l)).await;
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "the meet form could not be opened");
            // Only a message shortcut has somewhere to say it.
            if payload.response_url.is_none() {
                return Ok(StatusCode::OK.into_response());
            }
            let l = crate::cmd::reader(s, &team, &user.id).await;
            explain(messages::ephemeral(
                &t!(l, "modal-open-failed"),
                Some(&t!(
                    l,
                    "modal-open-failed-hint",
                    command = s.config.command.as_str()
                )),
            ))
            .await;
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// At most this many stored replies are read for a thread's people.
const THREAD_PEOPLE_MAX: usize = 50;

/// The people a message involves, in order: its author, the thread's
/// parent author, the thread's repliers; never the person asking and never
/// a bot.
fn people_of(message: &ShortcutMessage, me: &UserId) -> Vec<UserId> {
    let author = message.user.as_deref().filter(|_| message.bot_id.is_none());
    let mut out: Vec<UserId> = Vec::new();
    let ids = author
        .into_iter()
        .chain(message.parent_user_id.as_deref())
        .chain(message.reply_users.iter().map(String::as_str));
    for id in ids {
        if let Ok(u) = UserId::new(id)
            && u != *me
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

async fn submission(
    s: &Services,
    payload: &Payload,
    team: &TeamId,
    user: &PayloadUser,
) -> Result<Response, ApiError> {
    let Some(view) = payload
        .view
        .as_ref()
        .filter(|v| v.callback_id == MEET_CALLBACK)
    else {
        tracing::info!("submission of a view that is not ours acknowledged");
        return Ok(StatusCode::OK.into_response());
    };
    let submitted = modal::submit::submit(
        s,
        modal::submit::Submission {
            team,
            user: &user.id,
            user_name: user.username.clone().or_else(|| user.name.clone()),
            view_id: &view.id,
            private_metadata: &view.private_metadata,
            values: &view.state.values,
        },
    )
    .await;
    let answer = match submitted {
        Ok(answer) => answer,
        // An error status shows as Slack's own "trouble connecting" in
        // the modal; this says what happened and keeps what was typed.
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "the meet form could not be sent");
            let l = crate::cmd::reader(s, team, &user.id).await;
            serde_json::json!({
                "response_action": "errors",
                "errors": {modal::form::PEOPLE: t!(l, "modal-send-failed")},
            })
        }
    };
    Ok(Json(answer).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_kinds_read_by_name_and_new_ones_as_unknown() {
        let kind = |t: &str| serde_json::from_value::<PayloadKind>(Value::from(t)).unwrap();
        assert_eq!(kind("block_actions"), PayloadKind::BlockActions);
        assert_eq!(kind("message_action"), PayloadKind::MessageAction);
        assert_eq!(kind("view_submission"), PayloadKind::ViewSubmission);
        assert_eq!(kind("workflow_step_edit"), PayloadKind::Unknown);
        assert_eq!(ActionId::from(JOIN_ACTION), ActionId::Join);
        assert_eq!(ActionId::from("later"), ActionId::Unknown("later"));
        assert_eq!(Shortcut::from(MEET_SHORTCUT), Shortcut::Meet);
        assert_eq!(Shortcut::from("other"), Shortcut::Unknown("other"));
    }

    #[test]
    fn a_threads_people_come_once_without_the_asker_or_a_bot() {
        let me = UserId::new("U1").unwrap();
        let m: ShortcutMessage = serde_json::from_value(serde_json::json!({
            "ts": "1.2", "user": "U2", "parent_user_id": "U3",
            "reply_users": ["U1", "U2", "U4", "nonsense id"]
        }))
        .unwrap();
        let ids: Vec<String> = people_of(&m, &me).into_iter().map(String::from).collect();
        assert_eq!(ids, ["U2", "U3", "U4"]);
        let bot: ShortcutMessage =
            serde_json::from_value(serde_json::json!({"ts": "1.2", "user": "U9", "bot_id": "B1"}))
                .unwrap();
        assert!(people_of(&bot, &me).is_empty());
    }
}
