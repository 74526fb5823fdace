//! A space's Slack side: connect (install), disconnect, status, linking a
//! person's Slack identity, and join links.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use hallway::auth::join::{DEFAULT_JOIN_TTL_SECS, JoinClaims};
use hallway::auth::state;
use hallway::ids::RoomId;
use hallway::services::Services;
use hallway::slack::oauth::{INSTALL_PATH, OAUTH_CALLBACK_PATH, USER_SCOPES, authorize_url};
use hallway::store::StateData;
use hallway::store::oauth_state::STATE_TTL_SECS;
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::{id, json_body, spaces_error};

/// Starts connecting the space to a Slack workspace. The URLs carry a state
/// bound to this space and this caller, usable once within ten minutes.
/// Connecting a connected space is "sign in to another workspace": the
/// callback replaces the mapping.
pub async fn connect(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let (install_url, value) = connect_url(&s, &caller, &space).await?;
    let slack_url = s.install_authorize_url(&value);
    Ok(Json(json!({
        "authorize_url": install_url,
        "slack_authorize_url": slack_url,
        "expires_in": STATE_TTL_SECS,
        "replaces": space.team_id,
    })))
}

/// Where an admin goes to connect a space: our install route with a fresh,
/// single-use state bound to the space and the admin (and the state).
pub(crate) async fn connect_url(
    s: &Services,
    caller: &Caller,
    space: &hallway::store::Space,
) -> Result<(String, String), ApiError> {
    let value = state::issue(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        StateData {
            purpose: "install".into(),
            space_id: Some(space.id.clone()),
            office_user_id: Some(caller.user().clone()),
            nonce: None,
            join: None,
        },
    )
    .await?;
    let install_url = format!(
        "{}?state={}",
        s.config.endpoint(INSTALL_PATH),
        url_encode(&value)
    );
    Ok((install_url, value))
}

fn url_encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

pub async fn disconnect(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let was = s
        .spaces()
        .disconnect(&space.id)
        .await
        .map_err(spaces_error)?;
    Ok(Json(json!({ "disconnected_from": was })))
}

pub async fn status(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let Some(team) = &space.team_id else {
        return Ok(Json(json!({
            "connected": false,
            "team_id": null,
            "next": "connect",
        })));
    };
    let install = s
        .installations()
        .get(team)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let installation = install.as_ref().map(|i| {
        json!({
            "status": i.status,
            "team_name": i.team_name,
            "enterprise_id": i.enterprise_id,
            "bot_user_id": i.bot_user_id,
            "scopes": i.bot_scopes,
            "installed_at": i.installed_at,
            "installed_by": i.installer_user_id,
            "token_expires_at": i.bot_token_expires_at,
        })
    });
    let active = install.as_ref().is_some_and(|i| i.is_active());
    Ok(Json(json!({
        "connected": space.connected && active,
        "team_id": team,
        "installation": installation,
        // What the office should offer: install, or reconnect after an
        // uninstall or a revocation.
        "next": if active { "none" } else if install.is_some() { "reconnect" } else { "install" },
    })))
}

/// The URL where the caller links their Slack identity in the space's
/// workspace (user-scope OAuth).
pub async fn link(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Member).await?;
    let team = space.team_id.clone().ok_or_else(|| {
        ApiError::Conflict("this space is not connected to a Slack workspace yet".into())
    })?;
    let value = state::issue(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        StateData {
            purpose: "link".into(),
            space_id: Some(space.id.clone()),
            office_user_id: Some(caller.user().clone()),
            nonce: None,
            join: None,
        },
    )
    .await?;
    let url = authorize_url(
        &s.config.slack_url,
        &s.secrets.client_id,
        &[],
        USER_SCOPES,
        &s.config.endpoint(OAUTH_CALLBACK_PATH),
        &value,
        Some(team.as_str()),
    );
    Ok(Json(json!({
        "authorize_url": url,
        "team_id": team,
        "expires_in": STATE_TTL_SECS,
    })))
}

#[derive(Deserialize)]
pub struct NewJoinLink {
    room_id: RoomId,
    #[serde(default)]
    guest: bool,
    /// Seconds until the link expires (default a week, at most 30 days).
    expires_in: Option<i64>,
}

pub async fn join_link(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    body: Result<Json<NewJoinLink>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let need = if body.guest {
        Need::Manager
    } else {
        Need::Member
    };
    let (space, _) = caller.authorize(&s, &id(space)?, need).await?;
    let room = s
        .spaces()
        .room(&space.id, &body.room_id)
        .await
        .map_err(spaces_error)?
        .ok_or_else(|| ApiError::NotFound(format!("no room {} in this space", body.room_id)))?;
    let ttl = body.expires_in.unwrap_or(DEFAULT_JOIN_TTL_SECS);
    if !(60..=30 * 24 * 3600).contains(&ttl) {
        return Err(ApiError::BadRequest(
            "expires_in must be between 60 seconds and 30 days".into(),
        ));
    }
    let exp = s.clock.now_secs() + ttl;
    let url = s.join_url(&JoinClaims {
        space: space.id.clone(),
        room: room.id.clone(),
        invite: None,
        guest: body.guest,
        exp,
    });
    Ok(Json(json!({
        "url": url,
        "room": room.name,
        "guest": body.guest,
        "expires_at": exp,
    })))
}
