//! Sessions: the office exchanges the one-time login token from Sign in with
//! Slack for a session token (who a token belongs to is [`crate::me`]).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use hallway::auth::AppClaims;
use hallway::auth::app_jwt::SESSION_TTL_SECS;
use hallway::services::Services;

use crate::errors::SessionError;
use crate::extract::ValidJson;
use crate::model;

/// A login token for a session token, once. The session is the one the
/// sign-in started; a later sign-in ends it.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = model::Exchange,
    responses(
        (status = 200, description = "A session token", body = model::Session),
        (status = 401, description = "The login token is unknown, used, expired or superseded", body = model::ErrorBody),
    ))]
pub async fn exchange(
    State(s): State<Services>,
    ValidJson(body): ValidJson<model::Exchange>,
) -> Result<Json<model::Session>, SessionError> {
    let login = s
        .login_tokens()
        .consume(&body.login_token)
        .await?
        .ok_or(SessionError::UnknownToken)?;
    let user = s
        .users()
        .get(&login.office_user_id)
        .await?
        .ok_or(SessionError::UserGone)?;
    if user.session_id.as_deref() != Some(login.session_id.as_str()) {
        return Err(SessionError::Superseded);
    }
    let roles: BTreeMap<_, _> = s
        .members()
        .spaces_of(&user.id)
        .await?
        .into_iter()
        .map(|m| (m.space_id, m.role))
        .collect();
    let now = s.clock.now_secs();
    let claims = AppClaims {
        sub: user.id.clone(),
        name: Some(user.name.clone()),
        email: user.email.clone(),
        picture: None,
        roles,
        exp: now + SESSION_TTL_SECS,
        iat: Some(now),
        sid: Some(login.session_id),
    };
    Ok(Json(model::Session {
        token: s.app_jwt.issue(&claims),
        expires_in: SESSION_TTL_SECS,
        user: model::SessionUser {
            id: user.id,
            name: user.name,
            email: user.email,
        },
        roles: model::roles(&claims.roles),
    }))
}
