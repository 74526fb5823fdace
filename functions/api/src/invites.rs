//! "Get <user>" from the office: the same invite the slash command makes,
//! for Slack users or office users (through their Slack link), and its
//! per-recipient status.

use axum::Json;
use axum::extract::State;
use hallway::ids::{SpaceId, UserId, new_ordered_id};
use hallway::services::Services;
use hallway::start_invite::start_invite;
use hallway::store::NewInvite;
use hallway::store::invites::Origin;
use hallway::store::spaces::RoomChoice;
use hallway::web::ApiError;
use http::StatusCode;

use crate::caller::{Caller, Need};
use crate::errors::InviteError;
use crate::extract::{ValidJson, ValidPath};
use crate::model;
use crate::spaces_error;

/// Most people one invite may name.
const MAX_RECIPIENTS: usize = 2000;

/// Invites Slack people, or office people through their Slack link, to a
/// room: one DM each, sent by the worker (members and up).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/invites", tag = "invites",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::NewInvite,
    responses(
        (status = 202, description = "Queued", body = model::InviteQueued),
        (status = 400, description = "Nobody (or too many) named, or nobody named has linked Slack", body = model::ErrorBody),
        (status = 409, description = "Not installed in the workspace, or no rooms yet", body = model::ErrorBody),
    ))]
pub async fn create(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(body): ValidJson<model::NewInvite>,
) -> Result<(StatusCode, Json<model::InviteQueued>), InviteError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = crate::installed_team(&s, &space).await?;
    if body.slack_user_ids.is_empty() && body.office_user_ids.is_empty() {
        return Err(InviteError::NobodyNamed);
    }
    if body.slack_user_ids.len() + body.office_user_ids.len() > MAX_RECIPIENTS {
        return Err(InviteError::TooMany {
            max: MAX_RECIPIENTS,
        });
    }
    let spaces = s.spaces();
    let room = match &body.room_id {
        Some(room_id) => spaces
            .room(&space.id, room_id)
            .await
            .map_err(spaces_error)?
            .ok_or_else(|| InviteError::NoSuchRoom(room_id.clone()))?,
        None => match spaces.choose_room(&space.id).await.map_err(spaces_error)? {
            RoomChoice::Empty(r) | RoomChoice::LeastFull(r) => r,
            RoomChoice::NoRooms => return Err(InviteError::NoRooms),
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
        return Err(InviteError::NobodyToInvite {
            not_linked: not_linked.len(),
        });
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
        view_id: None,
        note: None,
        about: None,
        step: None,
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
        Json(model::InviteQueued {
            invite_id: invite.id,
            room: model::RoomRef::from(&room),
            recipients: n,
            not_linked,
        }),
    ))
}

/// An invite's progress, recipient by recipient (any role).
#[utoipa::path(get, path = "/api/v1/spaces/{space}/invites/{invite}", tag = "invites",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("invite" = String, Path, description = "The invite's id"),
    ),
    responses((status = 200, description = "The invite", body = model::InviteStatus)))]
pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, invite)): ValidPath<(SpaceId, String)>,
) -> Result<Json<model::InviteStatus>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let found = s.invites().get(&invite).await?;
    let Some(invite) = found.filter(|i| i.space_id == space.id) else {
        return Err(ApiError::NotFound(format!(
            "no invite {invite} in this space"
        )));
    };
    let deliveries = s
        .invites()
        .deliveries(&invite.id)
        .await?
        .into_iter()
        .map(model::Delivery::from)
        .collect();
    Ok(Json(model::InviteStatus {
        room: model::RoomRef {
            id: invite.room_id.clone(),
            name: invite.room_name.clone(),
        },
        inviter: invite.inviter_name.clone(),
        origin: invite.origin.into(),
        total: invite.total,
        sent: invite.sent,
        failed: invite.failed,
        complete: invite.is_complete(),
        invite_id: invite.id,
        deliveries,
    }))
}
