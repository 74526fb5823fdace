//! Everything under `/me`: who the caller is (their token's roles and
//! stored memberships), their home room and starred people in a space, and
//! the spaces of the Slack workspaces they are linked to (the office's
//! space switcher).

use axum::Json;
use axum::extract::State;
use hallway::ids::{OfficeUserId, RoomId, SpaceId};
use hallway::services::Services;
use hallway::store::members::MAX_STARRED;
use hallway::store::{Member, Space};
use hallway::web::ApiError;

use crate::caller::{Caller, Need};
use crate::errors::StarError;
use crate::extract::{ValidJson, ValidPath};
use crate::model;
use crate::{id, spaces_error};

async fn my_space(s: &Services, space: &Space, m: &Member) -> Result<model::MySpace, ApiError> {
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    let room_of = |u: &OfficeUserId| rooms.iter().find(|r| r.occupants.contains(u));
    let users = s.users();
    let mut starred = Vec::with_capacity(m.starred.len());
    for u in &m.starred {
        let name = users.get(u).await?.map(|p| p.name);
        starred.push(model::Starred {
            user_id: u.clone(),
            name,
            room: room_of(u).map(model::RoomRef::from),
        });
    }
    let home = m
        .home_room
        .as_ref()
        .and_then(|h| rooms.iter().find(|r| &r.id == h))
        .map(model::RoomRef::from);
    Ok(model::MySpace {
        space_id: space.id.clone(),
        role: m.role.into(),
        home_room: home,
        starred,
    })
}

async fn me_in(
    s: &Services,
    caller: &Caller,
    space: &SpaceId,
) -> Result<(Space, Member), ApiError> {
    let (space, _) = caller.authorize(s, space, Need::AnyRole).await?;
    let member = s
        .members()
        .get(&space.id, caller.user())
        .await?
        .ok_or_else(|| ApiError::Forbidden("you are not a member of this space".into()))?;
    Ok((space, member))
}

/// My role, home room and starred people (with the room each is in now).
#[utoipa::path(get, path = "/api/v1/spaces/{space}/me", tag = "me",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The caller in the space", body = model::MySpace)))]
pub async fn show(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::MySpace>, ApiError> {
    let (space, member) = me_in(&s, &caller, &space).await?;
    Ok(Json(my_space(&s, &space, &member).await?))
}

/// Sets or clears my home room.
#[utoipa::path(put, path = "/api/v1/spaces/{space}/me/home-room", tag = "me",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::HomeRoom,
    responses((status = 200, description = "The caller in the space", body = model::MySpace)))]
pub async fn set_home_room(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(body): ValidJson<model::HomeRoom>,
) -> Result<Json<model::MySpace>, ApiError> {
    let (space, _) = me_in(&s, &caller, &space).await?;
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
    Ok(Json(my_space(&s, &space, &member).await?))
}

/// Stars a member of the space (at most [`MAX_STARRED`]).
#[utoipa::path(put, path = "/api/v1/spaces/{space}/me/starred/{user}", tag = "me",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("user" = String, Path, description = "The office user to star"),
    ),
    responses(
        (status = 200, description = "The caller in the space", body = model::MySpace),
        (status = 400, description = "Starring oneself", body = model::ErrorBody),
        (status = 409, description = "Too many starred already", body = model::ErrorBody),
    ))]
pub async fn star(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, OfficeUserId)>,
) -> Result<Json<model::MySpace>, StarError> {
    let (space, member) = me_in(&s, &caller, &space).await?;
    if user == *caller.user() {
        return Err(StarError::Yourself);
    }
    if s.members().get(&space.id, &user).await?.is_none() {
        return Err(StarError::NotAMember(user));
    }
    if member.starred.contains(&user) {
        return Ok(Json(my_space(&s, &space, &member).await?));
    }
    if member.starred.len() >= MAX_STARRED {
        return Err(StarError::TooMany { max: MAX_STARRED });
    }
    let mut starred = member.starred.clone();
    starred.push(user);
    Ok(save_starred(&s, &space, caller.user(), &starred).await?)
}

/// Unstars someone.
#[utoipa::path(delete, path = "/api/v1/spaces/{space}/me/starred/{user}", tag = "me",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("user" = String, Path, description = "The office user to unstar"),
    ),
    responses((status = 200, description = "The caller in the space", body = model::MySpace)))]
pub async fn unstar(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, OfficeUserId)>,
) -> Result<Json<model::MySpace>, ApiError> {
    let (space, member) = me_in(&s, &caller, &space).await?;
    let starred: Vec<OfficeUserId> = member.starred.into_iter().filter(|u| *u != user).collect();
    save_starred(&s, &space, caller.user(), &starred).await
}

async fn save_starred(
    s: &Services,
    space: &Space,
    me: &OfficeUserId,
    starred: &[OfficeUserId],
) -> Result<Json<model::MySpace>, ApiError> {
    let member = s
        .members()
        .set_starred(&space.id, me, starred)
        .await?
        .ok_or_else(|| ApiError::Forbidden("you are not a member of this space".into()))?;
    Ok(Json(my_space(s, space, &member).await?))
}

/// For each Slack workspace I am linked to, its spaces, oldest (the
/// default) first, with my role where I have one: the space switcher.
#[utoipa::path(get, path = "/api/v1/me/slack-spaces", tag = "me",
    responses((status = 200, description = "The caller's workspaces' spaces", body = model::SlackSpaces)))]
pub async fn slack_spaces(
    State(s): State<Services>,
    caller: Caller,
) -> Result<Json<model::SlackSpaces>, ApiError> {
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
                .map(|m| m.role.into());
            list.push(model::SwitcherSpace {
                id: ts.space_id,
                name: ts.space_name,
                default: i == 0,
                connected: ts.connected,
                role,
            });
        }
        teams.push(model::SlackTeamSpaces {
            team_id: link.team_id,
            slack_user_id: link.slack_user_id,
            spaces: list,
        });
    }
    Ok(Json(model::SlackSpaces { teams }))
}

/// Who the token belongs to, their token's roles and stored memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, description = "The caller", body = model::Me)))]
pub async fn me(State(s): State<Services>, caller: Caller) -> Result<Json<model::Me>, ApiError> {
    let user = s.users().get(caller.user()).await?;
    let memberships = s
        .members()
        .spaces_of(caller.user())
        .await?
        .into_iter()
        .map(|m| model::Membership {
            space_id: m.space_id,
            role: m.role.into(),
        })
        .collect();
    Ok(Json(model::Me {
        user: model::MeUser {
            id: caller.user().clone(),
            name: user
                .as_ref()
                .map(|u| u.name.clone())
                .or(caller.claims.name.clone()),
            email: user.and_then(|u| u.email).or(caller.claims.email.clone()),
        },
        token_roles: model::roles(&caller.claims.roles),
        memberships,
    }))
}
