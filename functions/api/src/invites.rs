//! "Get <user>" from the office: the same invite the slash command makes,
//! for Slack users or office users (through their Slack link), and its
//! per-recipient status.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hallway::ids::{OfficeUserId, RoomId, UserId, new_ordered_id};
use hallway::services::Services;
use hallway::start_invite::start_invite;
use hallway::store::NewInvite;
use hallway::store::invites::Origin;
use hallway::store::spaces::RoomChoice;
use hallway::web::ApiError;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::{id, json_body, spaces_error};

#[derive(Deserialize)]
pub struct NewInviteBody {
    /// The room; the largest empty one when left out.
    room_id: Option<RoomId>,
    #[serde(default)]
    slack_user_ids: Vec<UserId>,
    #[serde(default)]
    office_user_ids: Vec<OfficeUserId>,
}

pub async fn create(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<NewInviteBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Member).await?;
    let team = crate::installed_team(&s, &space).await?;
    if body.slack_user_ids.is_empty() && body.office_user_ids.is_empty() {
        return Err(ApiError::BadRequest(
            "name at least one person in slack_user_ids or office_user_ids".into(),
        ));
    }
    if body.slack_user_ids.len() + body.office_user_ids.len() > 2000 {
        return Err(ApiError::BadRequest(
            "at most 2000 people per invite".into(),
        ));
    }
    let spaces = s.spaces();
    let room = match &body.room_id {
        Some(room_id) => spaces
            .room(&space.id, room_id)
            .await
            .map_err(spaces_error)?
            .ok_or_else(|| ApiError::NotFound(format!("no room {room_id} in this space")))?,
        None => match spaces.choose_room(&space.id).await.map_err(spaces_error)? {
            RoomChoice::Empty(r) | RoomChoice::LeastFull(r) => r,
            RoomChoice::NoRooms => {
                return Err(ApiError::Conflict("this space has no rooms yet".into()));
            }
        },
    };
    let mut recipients: Vec<UserId> = Vec::new();
    for u in body.slack_user_ids {
        if !recipients.contains(&u) {
            recipients.push(u);
        }
    }
    let mut not_linked = Vec::new();
    let links = s.links();
    for u in &body.office_user_ids {
        match links.get(u, &team).await? {
            Some(link) if !recipients.contains(&link.slack_user_id) => {
                recipients.push(link.slack_user_id)
            }
            Some(_) => {}
            None => not_linked.push(u.clone()),
        }
    }
    let inviter = s.users().get(caller.user()).await?;
    let inviter_name = inviter
        .map(|u| u.name)
        .or_else(|| caller.claims.name.clone())
        .unwrap_or_else(|| caller.user().to_string());
    let me = links
        .get(caller.user(), &team)
        .await?
        .map(|l| l.slack_user_id);
    recipients.retain(|r| Some(r) != me.as_ref());
    if recipients.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "nobody to invite: {} of the people named have not linked Slack",
            not_linked.len()
        )));
    }
    let n = recipients.len();
    let new = NewInvite {
        team_id: team.clone(),
        space_id: space.id.clone(),
        space_name: space.name.clone(),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        inviter_name,
        inviter_office_user: Some(caller.user().clone()),
        inviter_slack_user: me,
        origin: Origin::Office,
        channel_id: None,
        response_url: None,
        total: n as u32,
    };
    let invite = start_invite(
        &s.invites(),
        s.queue.as_ref(),
        &new_ordered_id(),
        new,
        recipients,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "invite_id": invite.id,
            "room": {"id": room.id, "name": room.name},
            "recipients": n,
            "not_linked": not_linked,
        })),
    )
        .into_response())
}

pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    Path((space, invite)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let found = s.invites().get(&invite).await?;
    let Some(invite) = found.filter(|i| i.space_id == space.id) else {
        return Err(ApiError::NotFound(format!(
            "no invite {invite} in this space"
        )));
    };
    let deliveries: Vec<Value> = s
        .invites()
        .deliveries(&invite.id)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "slack_user_id": d.recipient,
                "status": d.status,
                "reason": d.reason,
                "clicked": d.clicked_at.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({
        "invite_id": invite.id,
        "room": {"id": invite.room_id, "name": invite.room_name},
        "inviter": invite.inviter_name,
        "origin": invite.origin,
        "total": invite.total,
        "sent": invite.sent,
        "failed": invite.failed,
        "complete": invite.is_complete(),
        "deliveries": deliveries,
    })))
}
