//! Spaces, their settings and rooms, and who is in which room.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hallway::ids::{OfficeUserId, RoomId, SpaceId};
use hallway::jobs::{self, Job, MeetingNoticeJob};
use hallway::services::Services;
use hallway::store::spaces::{RoomChoice, SettingsChange};
use hallway::store::{Role, Room, Space};
use hallway::web::ApiError;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::{id, json_body, members_error, spaces_error};

pub fn space_json(space: &Space, role: Option<Role>) -> Value {
    let mut v = json!({
        "id": space.id,
        "name": space.name,
        "created_at": space.created_at,
        "settings": {
            "require_invitation": space.require_invitation,
            "auto_prompt": space.auto_prompt,
            "call_mention": space.call_mention,
            "guest_limit": space.guest_limit,
            "guests": space.guest_count,
        },
        "slack": {
            "team_id": space.team_id,
            "connected": space.connected,
        },
    });
    if let Some(role) = role {
        v["role"] = json!(role);
    }
    v
}

pub fn room_json(room: &Room) -> Value {
    json!({
        "id": room.id,
        "name": room.name,
        "capacity": room.capacity,
        "occupants": room.occupants,
        "empty": room.is_empty(),
    })
}

#[derive(Deserialize)]
pub struct NewSpace {
    name: String,
}

pub async fn create(
    State(s): State<Services>,
    caller: Caller,
    body: Result<Json<NewSpace>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    s.users()
        .remember(
            caller.user(),
            caller.claims.name.as_deref(),
            caller.claims.email.as_deref(),
        )
        .await?;
    let space = s
        .spaces()
        .create(&body.name, Some(caller.user().clone()))
        .await
        .map_err(spaces_error)?;
    s.members()
        .join(&space.id, caller.user(), Role::Admin, space.guest_limit)
        .await
        .map_err(members_error)?;
    Ok((
        StatusCode::CREATED,
        Json(space_json(&space, Some(Role::Admin))),
    )
        .into_response())
}

/// The caller's spaces: stored memberships and the token's roles.
pub async fn list(State(s): State<Services>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let mut roles: BTreeMap<SpaceId, Role> = s
        .members()
        .spaces_of(caller.user())
        .await?
        .into_iter()
        .map(|m| (m.space_id, m.role))
        .collect();
    roles.extend(caller.claims.roles.clone());
    let spaces = s.spaces();
    let mut out = Vec::new();
    for (space_id, role) in roles {
        if let Some(space) = spaces.get(&space_id).await.map_err(spaces_error)? {
            out.push(space_json(&space, Some(role)));
        }
    }
    Ok(Json(json!({ "spaces": out })))
}

pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, role) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    let mut v = space_json(&space, Some(role));
    v["rooms"] = rooms.iter().map(room_json).collect();
    Ok(Json(v))
}

pub async fn settings(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<SettingsChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let change = json_body(body)?;
    let (space, role) = caller.authorize(&s, &id(space)?, Need::Admin).await?;
    let space = apply_settings(&s, &caller, &space.id, &change).await?;
    Ok(Json(space_json(&space, Some(role))))
}

/// Changes a space's settings and records it in the audit log.
pub async fn apply_settings(
    s: &Services,
    caller: &Caller,
    space: &SpaceId,
    change: &SettingsChange,
) -> Result<Space, ApiError> {
    let space = s
        .spaces()
        .update_settings(space, change)
        .await
        .map_err(spaces_error)?;
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "settings.update",
            None,
            serde_json::to_value(change).unwrap_or_default(),
        )
        .await?;
    Ok(space)
}

#[derive(Deserialize)]
pub struct NewRoom {
    name: String,
    capacity: u32,
}

pub async fn add_room(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<NewRoom>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let room = s
        .spaces()
        .add_room(&space.id, &body.name, body.capacity)
        .await
        .map_err(spaces_error)?;
    Ok((StatusCode::CREATED, Json(room_json(&room))).into_response())
}

pub async fn rooms(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    Ok(Json(
        json!({ "rooms": rooms.iter().map(room_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
pub struct RoomChange {
    name: Option<String>,
    capacity: Option<u32>,
}

pub async fn update_room(
    State(s): State<Services>,
    caller: Caller,
    Path((space, room)): Path<(String, String)>,
    body: Result<Json<RoomChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let change = json_body(body)?;
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let room: RoomId = id(room)?;
    let room = s
        .spaces()
        .update_room(&space.id, &room, change.name.as_deref(), change.capacity)
        .await
        .map_err(spaces_error)?;
    Ok(Json(room_json(&room)))
}

pub async fn delete_room(
    State(s): State<Services>,
    caller: Caller,
    Path((space, room)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let room: RoomId = id(room)?;
    s.spaces()
        .delete_room(&space.id, &room)
        .await
        .map_err(spaces_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Presence {
    /// Room id → who is in it. Rooms left out are empty.
    rooms: BTreeMap<RoomId, Vec<OfficeUserId>>,
}

pub async fn presence(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<Presence>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Member).await?;
    let rooms = s
        .spaces()
        .set_presence(&space.id, &body.rooms)
        .await
        .map_err(spaces_error)?;
    end_meetings(&s, &space, &rooms).await?;
    Ok(Json(
        json!({ "rooms": rooms.iter().map(room_json).collect::<Vec<_>>() }),
    ))
}

/// Meetings called from Slack whose room just emptied: their summaries
/// are queued. A summary that cannot be queued puts its meeting back and
/// fails the request, so the office's retry of the same snapshot ends it
/// again and nothing is lost.
async fn end_meetings(s: &Services, space: &Space, rooms: &[Room]) -> Result<(), ApiError> {
    let meetings = s.meetings();
    for (meeting, ended_at) in meetings.observe(&space.id, rooms).await? {
        let room_name = rooms
            .iter()
            .find(|r| r.id == meeting.room_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let job = Job::MeetingNotice(MeetingNoticeJob {
            meeting: meeting.clone().into(),
            ended_at,
            room_name,
            space_name: space.name.clone(),
        });
        if let Err(e) = jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await {
            meetings.restore(&meeting).await?;
            return Err(e.into());
        }
        tracing::info!(room_id = %meeting.room_id, joined = meeting.joined.len(), "meeting ended; summary queued");
    }
    Ok(())
}

/// Where a Join button would send people now.
pub async fn choice(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let choice = s
        .spaces()
        .choose_room(&space.id)
        .await
        .map_err(spaces_error)?;
    Ok(Json(match choice {
        RoomChoice::Empty(room) => json!({"choice": "largest_empty", "room": room_json(&room)}),
        RoomChoice::LeastFull(room) => json!({"choice": "least_full", "room": room_json(&room)}),
        RoomChoice::NoRooms => json!({"choice": "none", "room": null}),
    }))
}
