//! Sign in with Slack (OpenID Connect).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use hallway::auth::state;
use hallway::ids::random_token;
use hallway::services::Services;
use hallway::slack::oauth::{LOGIN_CALLBACK_PATH, LOGIN_PATH, openid_authorize_url};
use hallway::store::{OAuthFlow, StateData};
use hallway::t;
use http::{HeaderMap, StatusCode};

use crate::admission::{SignInError, sign_in};
use crate::callback::{AuthorizeError, Callback};
use crate::join::{Next, admission_for, after_admission};
use crate::{locale, office, page, redirect_with_session, slack_page, state_page, unavailable};

type Params = Query<HashMap<String, String>>;

/// `GET /slack/login[?join=<join token>][&team=T…]`.
pub async fn start(State(s): State<Services>, headers: HeaderMap, Query(q): Params) -> Response {
    let l = locale(&headers);
    let nonce = random_token();
    let value = match state::issue(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        StateData {
            purpose: OAuthFlow::Login,
            space_id: None,
            office_user_id: None,
            nonce: Some(nonce.clone()),
            join: q.get("join").filter(|j| !j.is_empty()).cloned(),
            team: None,
        },
    )
    .await
    {
        Ok(v) => v,
        Err(e) => return unavailable(&s, l, e.into()),
    };
    let team = q
        .get("team")
        .filter(|t| hallway::ids::TeamId::new(t.as_str()).is_ok());
    Redirect::to(&openid_authorize_url(
        &s.config.slack_url,
        &s.secrets.client_id,
        &s.config.endpoint(LOGIN_CALLBACK_PATH),
        &value,
        &nonce,
        team.map(String::as_str),
    ))
    .into_response()
}

/// `GET /slack/login/callback`.
pub async fn callback(
    State(s): State<Services>,
    headers: HeaderMap,
    callback: Callback,
) -> Response {
    let l = locale(&headers);
    let (code, state) = match callback {
        Callback::Error { error, .. } => {
            tracing::info!(%error, "sign-in declined at Slack");
            return page(
                &s,
                l,
                match error {
                    AuthorizeError::AccessDenied => StatusCode::OK,
                    AuthorizeError::Unknown(_) => StatusCode::BAD_REQUEST,
                },
                t!(l, "page-sign-in-cancelled-title"),
                t!(l, "page-sign-in-cancelled-body"),
            );
        }
        Callback::Code { code, state } => (Some(code), state),
        Callback::Neither { state } => (None, state),
    };
    let data = match state::consume(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        state.as_deref(),
    )
    .await
    {
        Ok(d) if d.purpose == OAuthFlow::Login => d,
        Ok(_) => return state_page(&s, l, state::StateError::Forged, LOGIN_PATH),
        Err(e) => {
            tracing::info!(reason = %e, "sign-in callback refused");
            return state_page(&s, l, e, LOGIN_PATH);
        }
    };
    let Some(code) = code else {
        return page(
            &s,
            l,
            StatusCode::BAD_REQUEST,
            t!(l, "page-sign-in-incomplete-title"),
            t!(l, "page-sign-in-no-code-body"),
        );
    };
    let tokens = match s
        .slack
        .openid_connect_token(
            &s.secrets.client_id,
            &s.secrets.client_secret,
            &code,
            &s.config.endpoint(LOGIN_CALLBACK_PATH),
        )
        .await
    {
        Ok(t) => t,
        Err(e) => return slack_page(&s, l, e, LOGIN_PATH),
    };
    let nonce = data.nonce.clone().unwrap_or_default();
    let who = match s.oidc.verify(&tokens.id_token, &nonce).await {
        Ok(who) => who,
        Err(e) => {
            tracing::warn!(reason = %e, "refused an id_token");
            return page(
                &s,
                l,
                StatusCode::UNAUTHORIZED,
                t!(l, "page-sign-in-unverified-title"),
                t!(l, "page-sign-in-unverified-body"),
            );
        }
    };
    tracing::Span::current().record("team_id", who.team_id.as_str());
    tracing::Span::current().record("user_id", who.user_id.as_str());
    let signed_in = match sign_in(&s, &who, &tokens.access_token).await {
        Ok(x) => x,
        Err(SignInError::Taken) => {
            return page(
                &s,
                l,
                StatusCode::CONFLICT,
                t!(l, "page-account-taken-title"),
                t!(l, "page-sign-in-account-taken-body"),
            );
        }
        Err(SignInError::Other(e)) => return unavailable(&s, l, e),
    };
    tracing::info!(
        new_user = signed_in.new_user,
        joined = signed_in.joined.len(),
        needs_invitation = signed_in.needs_invitation.len(),
        created_space = signed_in.created.is_some(),
        "signed in with Slack"
    );
    // Coming from a join link: admit to that space, then into the room.
    let admission = match &data.join {
        Some(token) => {
            Some(admission_for(&s, l, token, &signed_in.user.id, Some(&who.team_id)).await)
        }
        None => None,
    };
    if admission.is_none() && signed_in.member_of == 0 && !signed_in.needs_invitation.is_empty() {
        let names: Vec<&str> = signed_in
            .needs_invitation
            .iter()
            .map(|sp| sp.name.as_str())
            .collect();
        return page(
            &s,
            l,
            StatusCode::FORBIDDEN,
            t!(l, "page-needs-invitation-title"),
            t!(l, "page-needs-invitation-body", spaces = names.join(", ")),
        );
    }
    let users = s.users();
    let sid = match users.start_session(&signed_in.user.id).await {
        Ok(sid) => sid,
        Err(e) => return unavailable(&s, l, e.into()),
    };
    let login = match s.login_tokens().issue(&signed_in.user.id, &sid).await {
        Ok(t) => t,
        Err(e) => return unavailable(&s, l, e.into()),
    };
    match admission {
        Some(result) => match after_admission(&s, l, result, Some(&login)) {
            Next::Go(to) => redirect_with_session(&s, &signed_in.user.id, &sid, &to).await,
            Next::Stop(page) => page,
        },
        None => {
            let to = office(&s, &format!("/login?token={login}"));
            redirect_with_session(&s, &signed_in.user.id, &sid, &to).await
        }
    }
}
