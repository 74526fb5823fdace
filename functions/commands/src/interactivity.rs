//! Interactivity: Slack posts a form with one `payload` field (JSON) when
//! someone clicks a button. A Join button is a link, so the click only
//! needs recording; unknown payloads and actions are acknowledged and logged,
//! so a new Slack feature never shows a warning to the person clicking.

use axum::extract::State;
use hallway::ids::UserId;
use hallway::services::Services;
use hallway::slack::extract::SlackRequest;
use hallway::slack::messages::{JOIN_ACTION, SYNC_ACTION};
use hallway::web::ApiError;
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Form {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: PayloadKind,
    user: Option<PayloadUser>,
    team: Option<PayloadTeam>,
    #[serde(default)]
    actions: Vec<Action>,
}

/// The interaction a payload reports (docs.slack.dev/reference/interaction-payloads;
/// shortcuts: `shortcut` for a global one, `message_action` for a message
/// one, api.slack.com/reference/interaction-payloads/shortcuts).
/// Only button clicks do anything today; the rest are acknowledged so Slack
/// shows no warning.
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

#[derive(Debug, Deserialize)]
struct PayloadUser {
    id: UserId,
}

#[derive(Debug, Deserialize)]
struct PayloadTeam {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    value: Option<String>,
}

pub async fn handle(State(s): State<Services>, req: SlackRequest) -> Result<StatusCode, ApiError> {
    let form: Form = serde_urlencoded::from_bytes(&req.body)
        .map_err(|_| ApiError::BadRequest("the body has no payload field".into()))?;
    let raw: Value = serde_json::from_str(&form.payload)
        .map_err(|_| ApiError::BadRequest("the payload is not JSON".into()))?;
    let payload: Payload = match serde_json::from_value(raw) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "interaction payload of an unexpected shape acknowledged");
            return Ok(StatusCode::OK);
        }
    };
    let span = tracing::Span::current();
    if let Some(team) = &payload.team {
        span.record("team_id", team.id.as_str());
    }
    if let Some(user) = &payload.user {
        span.record("user_id", user.id.as_str());
    }
    if payload.kind != PayloadKind::BlockActions {
        tracing::info!(kind = ?payload.kind, "interaction acknowledged without action");
        return Ok(StatusCode::OK);
    }
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
    Ok(StatusCode::OK)
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
    }
}
