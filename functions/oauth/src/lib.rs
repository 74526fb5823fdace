//! Lambda `hallway-oauth`: the browser-facing Slack round trips.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /slack/install?state=…` | checks the state the office got from `POST …/slack/connect` and sends the browser to Slack's authorize page; without a state (an install started from Slack's app directory) it makes one bound to no space |
//! | `GET /slack/oauth/callback` | finishes an install (stores the installation, maps the space) or a link (stores the person's Slack identity and user token) |
//! | `GET /slack/login[?join=…]` | Sign in with Slack (OpenID Connect) |
//! | `GET /slack/login/callback` | validates the id_token, creates or finds the person, gives them their spaces, and hands the office a one-time login token |
//! | `GET /join/{token}` | a join link: membership of the space, then into the room |
//!
//! Every failure ends on a plain page that says what happened and links
//! back to the office; none of them changes anything. No code, token or
//! state value is ever logged.
//!
//! # Layout
//! - [`install`]: install and link (user-scope OAuth) flows.
//! - [`sign_in`]: Sign in with Slack (OpenID Connect): its two routes.
//! - [`callback`]: what Slack sends back to both: a code, an error, or
//!   neither.
//! - [`join`]: join links.
//! - [`admission`]: the use cases behind both: who a Slack identity is in
//!   the office, which spaces they get, and admission through a join link.
//! - [`pages`]: the HTML pages.

pub mod admission;
pub mod callback;
pub mod install;
pub mod join;
pub mod org;
pub mod pages;
pub mod sign_in;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
use hallway::auth::browser::BROWSER_SESSION_TTL_SECS;
use hallway::auth::browser::BrowserClaims;
use hallway::auth::state::StateError;
use hallway::ids::OfficeUserId;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::oauth::{
    INSTALL_PATH, JOIN_PATH, LOGIN_CALLBACK_PATH, LOGIN_PATH, OAUTH_CALLBACK_PATH,
};
use hallway::web::trace_layer;
use http::StatusCode;

use crate::pages::Page;

pub fn router(services: Services) -> Router {
    Router::new()
        .route(INSTALL_PATH, get(install::start))
        .route(OAUTH_CALLBACK_PATH, get(install::callback))
        .route(LOGIN_PATH, get(sign_in::start))
        .route(LOGIN_CALLBACK_PATH, get(sign_in::callback))
        .route(&format!("{JOIN_PATH}/{{token}}"), get(join::open))
        .layer(axum::middleware::from_fn(hallway::web::record_request))
        .layer(trace_layer())
        .with_state(services)
}

/// A page with the office link filled in.
pub(crate) fn page(
    s: &Services,
    status: StatusCode,
    title: &'static str,
    message: impl Into<String>,
) -> Response {
    Page {
        status,
        title,
        message: message.into(),
        action: None,
        office_url: s.config.app_url.as_str(),
    }
    .into_response()
}

pub(crate) fn page_with_action(
    s: &Services,
    status: StatusCode,
    title: &'static str,
    message: impl Into<String>,
    action: (&'static str, String),
) -> Response {
    Page {
        status,
        title,
        message: message.into(),
        action: Some(action),
        office_url: s.config.app_url.as_str(),
    }
    .into_response()
}

/// The page for a state that did not check out.
pub(crate) fn state_page(s: &Services, e: StateError, restart: &str) -> Response {
    let again = || ("Start again", s.config.endpoint(restart));
    match e {
        StateError::Missing => page_with_action(
            s,
            StatusCode::BAD_REQUEST,
            "Sign-in incomplete",
            "Slack sent you back without the information hallway needs to continue. Please start again.",
            again(),
        ),
        StateError::Forged => page(
            s,
            StatusCode::BAD_REQUEST,
            "This link was not issued by hallway",
            "The sign-in link could not be verified, so nothing was changed. Start again from the office.",
        ),
        StateError::Used => page(
            s,
            StatusCode::CONFLICT,
            "This link was already used",
            "Each sign-in link works once. If you did not finish, start again from the office.",
        ),
        StateError::Expired => page_with_action(
            s,
            StatusCode::GONE,
            "This link has expired",
            "Sign-in links last ten minutes. Nothing was changed; please start again.",
            again(),
        ),
        StateError::Table(e) => unavailable(s, anyhow::Error::from(e)),
    }
}

/// The page for a Slack error during a code exchange.
pub(crate) fn slack_page(s: &Services, e: SlackError, restart: &str) -> Response {
    let again = || ("Start again", s.config.endpoint(restart));
    match &e {
        SlackError::Api { code, .. } if code == "invalid_code" || code == "invalid_grant" => {
            page_with_action(
                s,
                StatusCode::BAD_REQUEST,
                "Slack did not accept the sign-in",
                "The authorization from Slack was already used or has expired. Nothing was changed; please start again.",
                again(),
            )
        }
        e if e.is_transient() => {
            tracing::warn!(error = %e, "Slack was unavailable during an OAuth exchange");
            page_with_action(
                s,
                StatusCode::SERVICE_UNAVAILABLE,
                "Slack did not answer",
                "Slack could not be reached just now. Nothing was changed; please try again in a moment.",
                again(),
            )
        }
        e => {
            tracing::error!(error = %e, "Slack refused an OAuth exchange");
            page(
                s,
                StatusCode::BAD_GATEWAY,
                "Slack refused the request",
                format!(
                    "Slack answered with an error ({}). Nothing was changed. If this keeps happening, check the app's settings.",
                    slack_code(e)
                ),
            )
        }
    }
}

fn slack_code(e: &SlackError) -> String {
    match e {
        SlackError::MissingScope { needed, .. } => format!("missing scope {needed}"),
        other => other
            .code()
            .map(str::to_owned)
            .unwrap_or_else(|| other.to_string()),
    }
}

/// A dependency failed: logged once here, a plain page for the person.
pub(crate) fn unavailable(s: &Services, e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "OAuth flow failed");
    page(
        s,
        StatusCode::SERVICE_UNAVAILABLE,
        "Something went wrong",
        "hallway could not finish this just now. Nothing was changed; please try again in a moment.",
    )
}

/// Redirects, setting the browser session cookie for `user`.
pub(crate) async fn redirect_with_session(
    s: &Services,
    user: &OfficeUserId,
    session_id: &str,
    to: &str,
) -> Response {
    let session = s.browser.cookie(&BrowserClaims {
        sub: user.clone(),
        sid: session_id.to_owned(),
        exp: s.clock.now_secs() + BROWSER_SESSION_TTL_SECS,
    });
    (CookieJar::new().add(session), Redirect::to(to)).into_response()
}

/// A URL in the office app.
pub(crate) fn office(s: &Services, path: &str) -> String {
    format!(
        "{}{}",
        s.config.app_url.as_str().trim_end_matches('/'),
        path
    )
}
