//! Sessions: the office exchanges the one-time login token from Sign in with
//! Slack for a session token; `me` says who a token belongs to.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use hallway::auth::AppClaims;
use hallway::auth::app_jwt::SESSION_TTL_SECS;
use hallway::services::Services;
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::Caller;
use crate::json_body;

#[derive(Deserialize)]
pub struct Exchange {
    login_token: String,
}

/// A login token for a session token, once. The session is the one the
/// sign-in started; a later sign-in ends it.
pub async fn exchange(
    State(s): State<Services>,
    body: Result<Json<Exchange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let login = s
        .login_tokens()
        .consume(&body.login_token)
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized("the login token is unknown, used or expired".into())
        })?;
    let user = s
        .users()
        .get(&login.office_user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the login token's user is gone".into()))?;
    if user.session_id.as_deref() != Some(login.session_id.as_str()) {
        return Err(ApiError::Unauthorized(
            "this sign-in was superseded by a newer one".into(),
        ));
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
        roles,
        exp: now + SESSION_TTL_SECS,
        iat: Some(now),
        sid: Some(login.session_id),
    };
    Ok(Json(json!({
        "token": s.app_jwt.issue(&claims),
        "expires_in": SESSION_TTL_SECS,
        "user": { "id": user.id, "name": user.name, "email": user.email },
        "roles": claims.roles,
    })))
}

pub async fn me(State(s): State<Services>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let user = s.users().get(caller.user()).await?;
    let spaces: Vec<Value> = s
        .members()
        .spaces_of(caller.user())
        .await?
        .into_iter()
        .map(|m| json!({ "space_id": m.space_id, "role": m.role }))
        .collect();
    Ok(Json(json!({
        "user": {
            "id": caller.user(),
            "name": user.as_ref().map(|u| u.name.clone()).or(caller.claims.name.clone()),
            "email": user.and_then(|u| u.email).or(caller.claims.email.clone()),
        },
        "token_roles": caller.claims.roles,
        "memberships": spaces,
    })))
}
