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
use hallway::ids::{OfficeUserId, TeamId};
use hallway::services::Services;
use hallway::slack::oauth::LOGIN_PATH;
use http::StatusCode;

use crate::admission::{Admission, JoinFailure, admit, join_target};
use crate::{office, page, page_with_action, unavailable};

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
    jar: CookieJar,
) -> Response {
    let user = current_user(&s, &jar).await;
    let outcome = match user {
        Some(user) => admission_for(&s, &token, &user, None).await,
        None => match check(&s, &token).await {
            Ok((_, team)) => Outcome::NeedsSignIn {
                token: token.clone(),
                team,
            },
            Err(refused) => Outcome::Refused(refused),
        },
    };
    match after_admission(&s, outcome, None) {
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

async fn check(s: &Services, token: &str) -> Result<(JoinClaims, Option<TeamId>), Response> {
    let claims = s.join_links.verify(token).map_err(|e| match e {
        JoinError::Expired => page(
            s,
            StatusCode::GONE,
            "This invitation has expired",
            "Join links last a limited time. Ask the person who invited you for a new one.",
        ),
        JoinError::Invalid => page(
            s,
            StatusCode::BAD_REQUEST,
            "This join link is not valid",
            "The link could not be verified; it may have been cut short or changed. Ask for a new one.",
        ),
    })?;
    let (space, _) = join_target(s, &claims).await.map_err(|e| match e {
        JoinFailure::NoSpace => page(
            s,
            StatusCode::NOT_FOUND,
            "The space is gone",
            "The space this invitation was for no longer exists.",
        ),
        JoinFailure::NoRoom => page(
            s,
            StatusCode::NOT_FOUND,
            "The room is gone",
            "The room this invitation was for no longer exists. Open the office to find your colleagues.",
        ),
        JoinFailure::Other(e) => unavailable(s, e),
    })?;
    Ok((claims, space.team_id))
}

/// Checks a join token and admits `user`.
pub async fn admission_for(
    s: &Services,
    token: &str,
    user: &OfficeUserId,
    signed_in_team: Option<&TeamId>,
) -> Outcome {
    let (claims, _) = match check(s, token).await {
        Ok(x) => x,
        Err(refused) => return Outcome::Refused(refused),
    };
    let (space, room) = match join_target(s, &claims).await {
        Ok(x) => x,
        Err(JoinFailure::Other(e)) => return Outcome::Refused(unavailable(s, e)),
        Err(_) => {
            return Outcome::Refused(page(
                s,
                StatusCode::NOT_FOUND,
                "The room is gone",
                "The room this invitation was for no longer exists.",
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
            StatusCode::FORBIDDEN,
            "This invitation is for another workspace",
            format!(
                "\"{}\" is for members of its own Slack workspace, and you signed in with another one. Ask for a guest invitation.",
                space.name
            ),
        )),
        Ok(Admission::GuestsFull) => Outcome::Refused(page(
            s,
            StatusCode::FORBIDDEN,
            "No room for more guests",
            "there isn't any more space for guests",
        )),
        Err(e) => Outcome::Refused(unavailable(s, e)),
    }
}

/// Where the browser goes next.
pub enum Next {
    Go(String),
    /// A page that ends the flow here.
    Stop(Response),
}

/// Where the browser goes next, or the page that ends here. `login` is the
/// one-time login token when the person just signed in.
pub fn after_admission(s: &Services, outcome: Outcome, login: Option<&str>) -> Next {
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
            StatusCode::FORBIDDEN,
            "This invitation is for another workspace",
            "You signed in, but not in the Slack workspace this space belongs to.",
            (
                "Sign in with another workspace",
                format!("{}?join={token}", s.config.endpoint(LOGIN_PATH)),
            ),
        )),
        Outcome::Refused(page) => Next::Stop(page),
    }
}
