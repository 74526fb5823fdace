//! Spaces, their settings and rooms, and who is in which room.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use hallway::ids::{RoomId, SpaceId};
use hallway::jobs::{self, CallSyncJob, Job, MeetingNoticeJob};
use hallway::services::Services;
use hallway::store::spaces::SettingsChange;
use hallway::store::{Role, Room, Space};
use hallway::web::ApiError;
use http::StatusCode;

use crate::caller::{Caller, Need};
use crate::extract::{ValidJson, ValidPath};
use crate::model;
use crate::{members_error, spaces_error};

/// Creates a space; the caller becomes its admin.
#[utoipa::path(post, path = "/api/v1/spaces", tag = "spaces",
    request_body = model::NewSpace,
    responses(
        (status = 201, description = "Created; the caller is its admin", body = model::Space),
        (status = 400, description = "A name that is not 1-80 characters", body = model::ErrorBody),
    ))]
pub async fn create(
    State(s): State<Services>,
    caller: Caller,
    ValidJson(body): ValidJson<model::NewSpace>,
) -> Result<(StatusCode, Json<model::Space>), ApiError> {
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
        Json(model::Space::new(&space, Role::Admin)),
    ))
}

/// The caller's spaces: stored memberships and the token's roles.
#[utoipa::path(get, path = "/api/v1/spaces", tag = "spaces",
    responses((status = 200, description = "The caller's spaces", body = model::SpaceList)))]
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
) -> Result<Json<model::SpaceList>, ApiError> {
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
            out.push(model::Space::new(&space, role));
        }
    }
    Ok(Json(model::SpaceList { spaces: out }))
}

/// A space with its rooms.
#[utoipa::path(get, path = "/api/v1/spaces/{space}", tag = "spaces",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The space and its rooms", body = model::Space)))]
pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::Space>, ApiError> {
    let (space, role) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    let mut v = model::Space::new(&space, role);
    v.rooms = Some(rooms.iter().map(model::Room::from).collect());
    Ok(Json(v))
}

/// Changes a space's settings (admins); recorded in the audit log.
#[utoipa::path(patch, path = "/api/v1/spaces/{space}/settings", tag = "spaces",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::SettingsChange,
    responses(
        (status = 200, description = "The space with its new settings", body = model::Space),
        (status = 400, description = "A value out of range", body = model::ErrorBody),
    ))]
pub async fn settings(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(change): ValidJson<model::SettingsChange>,
) -> Result<Json<model::Space>, ApiError> {
    let (space, role) = caller.authorize(&s, &space, Need::Admin).await?;
    let space = apply_settings(&s, &caller, &space.id, &change.into()).await?;
    Ok(Json(model::Space::new(&space, role)))
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

/// Adds a room (admins, moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/rooms", tag = "rooms",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::NewRoom,
    responses(
        (status = 201, description = "The new room", body = model::Room),
        (status = 400, description = "A bad name or capacity", body = model::ErrorBody),
    ))]
pub async fn add_room(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(body): ValidJson<model::NewRoom>,
) -> Result<(StatusCode, Json<model::Room>), ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    let room = s
        .spaces()
        .add_room(&space.id, &body.name, body.capacity)
        .await
        .map_err(spaces_error)?;
    Ok((StatusCode::CREATED, Json(model::Room::from(&room))))
}

/// A space's rooms and who is in each.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/rooms", tag = "rooms",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The rooms", body = model::RoomList)))]
pub async fn rooms(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::RoomList>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    Ok(Json(model::RoomList::new(&rooms)))
}

/// Renames or resizes a room (admins, moderators).
#[utoipa::path(patch, path = "/api/v1/spaces/{space}/rooms/{room}", tag = "rooms",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("room" = String, Path, description = "The room's id"),
    ),
    request_body = model::RoomChange,
    responses(
        (status = 200, description = "The room as changed", body = model::Room),
        (status = 400, description = "A bad name or capacity", body = model::ErrorBody),
    ))]
pub async fn update_room(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, room)): ValidPath<(SpaceId, RoomId)>,
    ValidJson(change): ValidJson<model::RoomChange>,
) -> Result<Json<model::Room>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    let room = s
        .spaces()
        .update_room(&space.id, &room, change.name.as_deref(), change.capacity)
        .await
        .map_err(spaces_error)?;
    Ok(Json(model::Room::from(&room)))
}

/// Deletes a room (admins, moderators).
#[utoipa::path(delete, path = "/api/v1/spaces/{space}/rooms/{room}", tag = "rooms",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("room" = String, Path, description = "The room's id"),
    ),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_room(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, room)): ValidPath<(SpaceId, RoomId)>,
) -> Result<StatusCode, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    s.spaces()
        .delete_room(&space.id, &room)
        .await
        .map_err(spaces_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is in which room, the whole office at once (members and up).
/// Meetings called from Slack whose room empties end, and their summaries
/// are posted.
#[utoipa::path(put, path = "/api/v1/spaces/{space}/presence", tag = "rooms",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::Presence,
    responses((status = 200, description = "The rooms as they are now", body = model::RoomList)))]
pub async fn presence(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(body): ValidJson<model::Presence>,
) -> Result<Json<model::RoomList>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let rooms = s
        .spaces()
        .set_presence(&space.id, &body.rooms)
        .await
        .map_err(spaces_error)?;
    end_meetings(&s, &space, &rooms).await?;
    Ok(Json(model::RoomList::new(&rooms)))
}

/// Meetings called from Slack whose room just emptied: their summaries
/// are queued. A summary that cannot be queued puts its meeting back and
/// fails the request, so the office's retry of the same snapshot ends it
/// again and nothing is lost. A meeting's Slack Call card whose people
/// changed is brought up to date by the worker.
async fn end_meetings(s: &Services, space: &Space, rooms: &[Room]) -> Result<(), ApiError> {
    let meetings = s.meetings();
    let observed = meetings.observe(&space.id, rooms).await?;
    for m in observed.stale {
        let job = Job::CallSync(CallSyncJob {
            team_id: m.team_id.clone(),
            space_id: m.space_id.clone(),
            room_id: m.room_id.clone(),
            expiry_of: None,
        });
        // The next snapshot finds it stale again: nothing to put back.
        if let Err(e) = jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await {
            tracing::warn!(error = %e, room_id = %m.room_id, "call card not brought up to date");
        }
    }
    for (meeting, ended_at) in observed.ended {
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
#[utoipa::path(get, path = "/api/v1/spaces/{space}/rooms/choice", tag = "rooms",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The room a Join button would send people to", body = model::RoomChoice)))]
pub async fn choice(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::RoomChoice>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let choice = s
        .spaces()
        .choose_room(&space.id)
        .await
        .map_err(spaces_error)?;
    Ok(Json(choice.into()))
}
