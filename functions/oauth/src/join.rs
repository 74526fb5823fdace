//! Join links: `GET /join/{token}`.
//!
//! A person the browser session already names, and who is linked in the
//! space's Slack team (or holds a guest link), becomes a member and lands in
//! the room. Anyone else signs in with Slack first and comes back here by
//! way of the login callback.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use hallway::auth::join::{JoinClaims, JoinError};
use hallway::i18n::Locale;
use hallway::ids::{OfficeUserId, TeamId};
use hallway::services::Services;
use hallway::slack::oauth::LOGIN_PATH;
use hallway::t;
use http::{HeaderMap, StatusCode};

use crate::admission::{Admission, JoinFailure, admit, join_target};
use crate::{locale, office, page, page_with_action, unavailable};

/// How a join attempt ended, before it becomes a response.
pub enum Outcome {
    /// Into the room.
    Room {
        space: String,
        room: String,
    },
    NeedsSignIn {
        token: String,
        team: Option<TeamId>,
    },
    Refused(Response),
}

pub async fn open(
    State(s): State<Services>,
    Path(token): Path<String>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let l = locale(&headers);
    let user = current_user(&s, &jar).await;
    let outcome = match user {
        Some(user) => admission_for(&s, l, &token, &user, None).await,
        None => match check(&s, l, &token).await {
            Ok((_, team)) => Outcome::NeedsSignIn {
                token: token.clone(),
                team,
            },
            Err(refused) => Outcome::Refused(refused),
        },
    };
    match after_admission(&s, l, outcome, None) {
        Next::Go(to) => Redirect::to(&to).into_response(),
        Next::Stop(page) => page,
    }
}

/// The office user of a live browser session.
async fn current_user(s: &Services, jar: &CookieJar) -> Option<OfficeUserId> {
    let claims = s.browser.read(jar)?;
    let user = s.users().get(&claims.sub).await.ok()??;
    (user.session_id.as_deref() == Some(claims.sid.as_str())).then_some(user.id)
}

async fn check(
    s: &Services,
    l: Locale,
    token: &str,
) -> Result<(JoinClaims, Option<TeamId>), Response> {
    let claims = s.join_links.verify(token).map_err(|e| match e {
        JoinError::Expired => page(
            s,
            l,
            StatusCode::GONE,
            t!(l, "page-join-expired-title"),
            t!(l, "page-join-expired-body"),
        ),
        JoinError::Invalid => page(
            s,
            l,
            StatusCode::BAD_REQUEST,
            t!(l, "page-join-invalid-title"),
            t!(l, "page-join-invalid-body"),
        ),
    })?;
    let (space, _) = join_target(s, &claims).await.map_err(|e| match e {
        JoinFailure::NoSpace => page(
            s,
            l,
            StatusCode::NOT_FOUND,
            t!(l, "page-space-gone-title"),
            t!(l, "page-join-space-gone-body"),
        ),
        JoinFailure::NoRoom => page(
            s,
            l,
            StatusCode::NOT_FOUND,
            t!(l, "page-room-gone-title"),
            t!(l, "page-join-room-gone-body"),
        ),
        JoinFailure::Other(e) => unavailable(s, l, e),
    })?;
    Ok((claims, space.team_id))
}

/// Checks a join token and admits `user`; a refusal is a page in `l`.
pub async fn admission_for(
    s: &Services,
    l: Locale,
    token: &str,
    user: &OfficeUserId,
    signed_in_team: Option<&TeamId>,
) -> Outcome {
    let (claims, _) = match check(s, l, token).await {
        Ok(x) => x,
        Err(refused) => return Outcome::Refused(refused),
    };
    let (space, room) = match join_target(s, &claims).await {
        Ok(x) => x,
        Err(JoinFailure::Other(e)) => return Outcome::Refused(unavailable(s, l, e)),
        Err(_) => {
            return Outcome::Refused(page(
                s,
                l,
                StatusCode::NOT_FOUND,
                t!(l, "page-room-gone-title"),
                t!(l, "page-join-room-gone-short-body"),
            ));
        }
    };
    match admit(s, user, &space, &claims, signed_in_team).await {
        Ok(Admission::In) => Outcome::Room {
            space: space.id.to_string(),
            room: room.id.to_string(),
        },
        Ok(Admission::NeedsSignIn) => Outcome::NeedsSignIn {
            token: token.to_owned(),
            team: space.team_id,
        },
        Ok(Admission::WrongWorkspace) => Outcome::Refused(page(
            s,
            l,
            StatusCode::FORBIDDEN,
            t!(l, "page-join-other-workspace-title"),
            t!(
                l,
                "page-join-other-workspace-body",
                space = space.name.as_str()
            ),
        )),
        Ok(Admission::GuestsFull) => Outcome::Refused(page(
            s,
            l,
            StatusCode::FORBIDDEN,
            t!(l, "page-guests-full-title"),
            t!(l, "page-guests-full-body"),
        )),
        Err(e) => Outcome::Refused(unavailable(s, l, e)),
    }
}

/// Where the browser goes next.
pub enum Next {
    Go(String),
    /// A page that ends the flow here.
    Stop(Response),
}

/// Where the browser goes next, or the page (in `l`) that ends here.
/// `login` is the one-time login token when the person just signed in.
pub fn after_admission(s: &Services, l: Locale, outcome: Outcome, login: Option<&str>) -> Next {
    match outcome {
        Outcome::Room { space, room } => {
            let mut to = office(s, &format!("/spaces/{space}/rooms/{room}"));
            if let Some(login) = login {
                to.push_str(&format!("?login={login}"));
            }
            Next::Go(to)
        }
        Outcome::NeedsSignIn { token, team } if login.is_none() => {
            let mut to = format!("{}?join={token}", s.config.endpoint(LOGIN_PATH));
            if let Some(team) = team {
                to.push_str(&format!("&team={team}"));
            }
            Next::Go(to)
        }
        Outcome::NeedsSignIn { token, .. } => Next::Stop(page_with_action(
            s,
            l,
            StatusCode::FORBIDDEN,
            t!(l, "page-join-other-workspace-title"),
            t!(l, "page-join-signed-in-elsewhere-body"),
            (
                t!(l, "page-join-sign-in-again"),
                format!("{}?join={token}", s.config.endpoint(LOGIN_PATH)),
            ),
        )),
        Outcome::Refused(page) => Next::Stop(page),
    }
}
