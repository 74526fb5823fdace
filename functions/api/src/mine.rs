//! The caller's own things: their home room and starred people in a space,
//! and the spaces of the Slack workspaces they are linked to (the office's
//! space switcher).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use hallway::ids::{OfficeUserId, RoomId};
use hallway::services::Services;
use hallway::store::members::MAX_STARRED;
use hallway::store::{Member, Room, Space};
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::{id, json_body, spaces_error};

async fn member_json(s: &Services, space: &Space, m: &Member) -> Result<Value, ApiError> {
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    let room_of = |u: &OfficeUserId| rooms.iter().find(|r| r.occupants.contains(u));
    let users = s.users();
    let mut starred = Vec::with_capacity(m.starred.len());
    for u in &m.starred {
        let name = users.get(u).await?.map(|p| p.name);
        starred.push(json!({
            "user_id": u,
            "name": name,
            "room": room_of(u).map(|r| json!({"id": r.id, "name": r.name})),
        }));
    }
    let home = m
        .home_room
        .as_ref()
        .and_then(|h| rooms.iter().find(|r| &r.id == h))
        .map(|r: &Room| json!({"id": r.id, "name": r.name}));
    Ok(json!({
        "space_id": space.id,
        "role": m.role,
        "home_room": home,
        "starred": starred,
    }))
}

async fn me_in(s: &Services, caller: &Caller, space: String) -> Result<(Space, Member), ApiError> {
    let (space, _) = caller.authorize(s, &id(space)?, Need::AnyRole).await?;
    let member = s
        .members()
        .get(&space.id, caller.user())
        .await?
        .ok_or_else(|| ApiError::Forbidden("you are not a member of this space".into()))?;
    Ok((space, member))
}

/// `GET /api/v1/spaces/{space}/me`: my role, home room and starred people
/// (with the room each is in now).
pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, member) = me_in(&s, &caller, space).await?;
    Ok(Json(member_json(&s, &space, &member).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeRoom {
    /// `null` clears it.
    room_id: Option<String>,
}

/// `PUT /api/v1/spaces/{space}/me/home-room` `{room_id}`.
pub async fn set_home_room(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<HomeRoom>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let (space, _) = me_in(&s, &caller, space).await?;
    let room = match body.room_id {
        None => None,
        Some(r) => {
            let r: RoomId = id(r)?;
            s.spaces()
                .room(&space.id, &r)
                .await
                .map_err(spaces_error)?
                .ok_or_else(|| ApiError::NotFound(format!("no room {r} in this space")))?;
            Some(r)
        }
    };
    let member = s
        .members()
        .set_home_room(&space.id, caller.user(), room.as_ref())
        .await?
        .ok_or_else(|| ApiError::Forbidden("you are not a member of this space".into()))?;
    Ok(Json(member_json(&s, &space, &member).await?))
}

/// `PUT /api/v1/spaces/{space}/me/starred/{user}`: star a member of the
/// space (at most [`MAX_STARRED`]).
pub async fn star(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (space, member) = me_in(&s, &caller, space).await?;
    let user: OfficeUserId = id(user)?;
    if user == *caller.user() {
        return Err(ApiError::BadRequest("you cannot star yourself".into()));
    }
    if s.members().get(&space.id, &user).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "{user} is not a member of this space"
        )));
    }
    if member.starred.contains(&user) {
        return Ok(Json(member_json(&s, &space, &member).await?));
    }
    if member.starred.len() >= MAX_STARRED {
        return Err(ApiError::Conflict(format!(
            "you can star at most {MAX_STARRED} people; unstar someone first"
        )));
    }
    let mut starred = member.starred.clone();
    starred.push(user);
    save_starred(&s, &space, caller.user(), &starred).await
}

/// `DELETE /api/v1/spaces/{space}/me/starred/{user}`.
pub async fn unstar(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (space, member) = me_in(&s, &caller, space).await?;
    let user: OfficeUserId = id(user)?;
    let starred: Vec<OfficeUserId> = member.starred.into_iter().filter(|u| *u != user).collect();
    save_starred(&s, &space, caller.user(), &starred).await
}

async fn save_starred(
    s: &Services,
    space: &Space,
    me: &OfficeUserId,
    starred: &[OfficeUserId],
) -> Result<Json<Value>, ApiError> {
    let member = s
        .members()
        .set_starred(&space.id, me, starred)
        .await?
        .ok_or_else(|| ApiError::Forbidden("you are not a member of this space".into()))?;
    Ok(Json(member_json(s, space, &member).await?))
}

/// `GET /api/v1/me/slack-spaces`: for each Slack workspace I am linked to,
/// its spaces, oldest (the default) first, with my role where I have one.
pub async fn slack_spaces(
    State(s): State<Services>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let links = s.links().of_user(caller.user()).await?;
    let (spaces, members) = (s.spaces(), s.members());
    let mut teams = Vec::with_capacity(links.len());
    for link in links {
        let mut list = Vec::new();
        for (i, ts) in spaces
            .for_team(&link.team_id)
            .await
            .map_err(spaces_error)?
            .into_iter()
            .enumerate()
        {
            let role = members
                .get(&ts.space_id, caller.user())
                .await?
                .map(|m| m.role);
            list.push(json!({
                "id": ts.space_id,
                "name": ts.space_name,
                "default": i == 0,
                "connected": ts.connected,
                "role": role,
            }));
        }
        teams.push(json!({
            "team_id": link.team_id,
            "slack_user_id": link.slack_user_id,
            "spaces": list,
        }));
    }
    Ok(Json(json!({ "teams": teams })))
}
