//! A space's Slack side: connect (install), disconnect, status, linking a
//! person's Slack identity, and join links.

use axum::Json;
use axum::extract::State;
use hallway::auth::join::{DEFAULT_JOIN_TTL_SECS, JoinClaims};
use hallway::auth::state;
use hallway::ids::{SpaceId, TeamId};
use hallway::services::Services;
use hallway::slack::oauth::{INSTALL_PATH, OAUTH_CALLBACK_PATH, USER_SCOPES, authorize_url};
use hallway::store::oauth_state::STATE_TTL_SECS;
use hallway::store::{OAuthFlow, StateData};
use hallway::web::ApiError;

use crate::caller::{Caller, Need};
use crate::errors::JoinLinkError;
use crate::extract::{ValidJson, ValidPath, ValidQuery};
use crate::model;
use crate::spaces_error;

/// Starts connecting the space to a Slack workspace. The URLs carry a state
/// bound to this space and this caller, usable once within ten minutes.
/// Connecting a connected space is "sign in to another workspace": the
/// callback replaces the mapping.
///
/// With `team_id`, the space is for that workspace: Slack's page opens on
/// it, and an organisation-wide install maps the space to it once Slack
/// says the organisation's install serves it. When hallway is installed
/// there already (its own install, or its organisation's) and the caller
/// linked their Slack account in that workspace, the space is connected
/// at once (`connected`) and no install is needed.
#[utoipa::path(post, path = "/api/v1/spaces/{space}/slack/connect", tag = "slack",
    params(("space" = String, Path, description = "The space's id"), model::ConnectQuery),
    responses((status = 200, description = "Where to send the admin, or connected at once", body = model::ConnectStart)))]
pub async fn connect(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidQuery(q): ValidQuery<model::ConnectQuery>,
) -> Result<Json<model::ConnectStart>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    let team = match q.team_id.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(crate::id::<TeamId>(t.to_owned())?),
    };
    // At once only for someone Slack has shown to be of that workspace
    // (their link there): anyone can make a space, and connecting it gives
    // it the workspace's people and channels.
    let mut connected = None;
    if let Some(team) = &team
        && s.links().get(caller.user(), team).await?.is_some()
        && s.installations()
            .get(team)
            .await
            .map_err(|e| ApiError::Unavailable(e.into()))?
            .is_some_and(|i| i.is_active())
    {
        s.spaces()
            .connect(&space.id, team)
            .await
            .map_err(spaces_error)?;
        tracing::info!(team_id = %team, space_id = %space.id, "space connected to a workspace hallway is installed in");
        connected = Some(team.clone());
    }
    let (install_url, value) = connect_url(&s, &caller, &space, team.clone()).await?;
    let slack_url = s.install_authorize_url(&value, team.as_ref());
    Ok(Json(model::ConnectStart {
        authorize_url: install_url,
        slack_authorize_url: slack_url,
        expires_in: STATE_TTL_SECS,
        replaces: space.team_id.filter(|t| Some(t) != connected.as_ref()),
        connected,
    }))
}

/// Where an admin goes to connect a space: our install route with a fresh,
/// single-use state bound to the space and the admin (and the state).
pub(crate) async fn connect_url(
    s: &Services,
    caller: &Caller,
    space: &hallway::store::Space,
    team: Option<TeamId>,
) -> Result<(String, String), ApiError> {
    let value = state::issue(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        StateData {
            purpose: OAuthFlow::Install,
            space_id: Some(space.id.clone()),
            office_user_id: Some(caller.user().clone()),
            nonce: None,
            join: None,
            team,
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

/// Disconnects the space from its Slack workspace (admins, moderators);
/// the space and its rooms stay.
#[utoipa::path(delete, path = "/api/v1/spaces/{space}/slack", tag = "slack",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "Disconnected", body = model::Disconnected)))]
pub async fn disconnect(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::Disconnected>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    let was = s
        .spaces()
        .disconnect(&space.id)
        .await
        .map_err(spaces_error)?;
    Ok(Json(model::Disconnected {
        disconnected_from: was,
    }))
}

/// The space's Slack connection and hallway's installation there (any
/// role), and what the office should offer next.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/slack", tag = "slack",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The connection", body = model::SlackStatus)))]
pub async fn status(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::SlackStatus>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let Some(team) = &space.team_id else {
        return Ok(Json(model::SlackStatus {
            connected: false,
            team_id: None,
            installation: None,
            next: model::NextStep::Connect,
        }));
    };
    let install = s
        .installations()
        .get(team)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let active = install.as_ref().is_some_and(|i| i.is_active());
    Ok(Json(model::SlackStatus {
        connected: space.connected && active,
        team_id: Some(team.clone()),
        installation: Some(install.as_ref().map(model::Installation::from)),
        // What the office should offer: install, or reconnect after an
        // uninstall or a revocation.
        next: if active {
            model::NextStep::None
        } else if install.is_some() {
            model::NextStep::Reconnect
        } else {
            model::NextStep::Install
        },
    }))
}

/// The URL where the caller links their Slack identity in the space's
/// workspace (user-scope OAuth).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/slack/link", tag = "slack",
    params(("space" = String, Path, description = "The space's id")),
    responses(
        (status = 200, description = "Where to send the caller", body = model::LinkStart),
        (status = 409, description = "The space is not connected yet", body = model::ErrorBody),
    ))]
pub async fn link(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::LinkStart>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = space.team_id.clone().ok_or_else(|| {
        ApiError::Conflict("this space is not connected to a Slack workspace yet".into())
    })?;
    let value = state::issue(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        StateData {
            purpose: OAuthFlow::Link,
            space_id: Some(space.id.clone()),
            office_user_id: Some(caller.user().clone()),
            nonce: None,
            join: None,
            team: None,
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
    Ok(Json(model::LinkStart {
        authorize_url: url,
        team_id: team,
        expires_in: STATE_TTL_SECS,
    }))
}

/// A signed join link to a room (members; guest links: admins and
/// moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/join-links", tag = "slack",
    params(("space" = String, Path, description = "The space's id")),
    request_body = model::NewJoinLink,
    responses(
        (status = 200, description = "The link", body = model::JoinLink),
        (status = 400, description = "`expires_in` out of range", body = model::ErrorBody),
    ))]
pub async fn join_link(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidJson(body): ValidJson<model::NewJoinLink>,
) -> Result<Json<model::JoinLink>, JoinLinkError> {
    let need = if body.guest {
        Need::Manager
    } else {
        Need::Member
    };
    let (space, _) = caller.authorize(&s, &space, need).await?;
    let room = s
        .spaces()
        .room(&space.id, &body.room_id)
        .await
        .map_err(spaces_error)?
        .ok_or_else(|| JoinLinkError::NoSuchRoom(body.room_id.clone()))?;
    let ttl = body.expires_in.unwrap_or(DEFAULT_JOIN_TTL_SECS);
    if !(60..=30 * 24 * 3600).contains(&ttl) {
        return Err(JoinLinkError::BadExpiry);
    }
    let exp = s.clock.now_secs() + ttl;
    let url = s.join_url(&JoinClaims {
        space: space.id.clone(),
        room: room.id.clone(),
        invite: None,
        guest: body.guest,
        exp,
    });
    Ok(Json(model::JoinLink {
        url,
        room: room.name,
        guest: body.guest,
        expires_at: exp,
    }))
}
