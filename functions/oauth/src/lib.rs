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
//! state value is ever logged. Pages speak the browser's language
//! (`Accept-Language`, English when hallway does not speak it): their text
//! is in `shared/locales/*/pages.ftl`; logs stay English.
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
//! - [`org`]: finishing an organisation-wide install.

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
use hallway::i18n::Locale;
use hallway::ids::OfficeUserId;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::slack::oauth::{
    INSTALL_PATH, JOIN_PATH, LOGIN_CALLBACK_PATH, LOGIN_PATH, OAUTH_CALLBACK_PATH,
};
use hallway::t;
use hallway::web::trace_layer;
use http::{HeaderMap, StatusCode};

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

/// The reader's language: the best of the browser's `Accept-Language`
/// that hallway speaks, else English. Computed once per request and handed
/// to whatever builds a page.
pub(crate) fn locale(headers: &HeaderMap) -> Locale {
    let accept: Vec<&str> = headers
        .get_all(http::header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Locale::from_accept_language(&accept.join(","))
}

/// A page with the office link filled in. `title` and `message` are the
/// reader's, from the catalogues (`t!`).
pub(crate) fn page(
    s: &Services,
    l: Locale,
    status: StatusCode,
    title: String,
    message: String,
) -> Response {
    Page {
        locale: l,
        status,
        title,
        message,
        action: None,
        office_url: s.config.app_url.as_str(),
    }
    .into_response()
}

/// A page with a main next step: `action` is `(label, href)`.
pub(crate) fn page_with_action(
    s: &Services,
    l: Locale,
    status: StatusCode,
    title: String,
    message: String,
    action: (String, String),
) -> Response {
    Page {
        locale: l,
        status,
        title,
        message,
        action: Some(action),
        office_url: s.config.app_url.as_str(),
    }
    .into_response()
}

/// The page for a state that did not check out.
pub(crate) fn state_page(s: &Services, l: Locale, e: StateError, restart: &str) -> Response {
    let again = || (t!(l, "page-start-again"), s.config.endpoint(restart));
    match e {
        StateError::Missing => page_with_action(
            s,
            l,
            StatusCode::BAD_REQUEST,
            t!(l, "page-sign-in-incomplete-title"),
            t!(l, "page-state-missing-body"),
            again(),
        ),
        StateError::Forged => page(
            s,
            l,
            StatusCode::BAD_REQUEST,
            t!(l, "page-state-forged-title"),
            t!(l, "page-state-forged-body"),
        ),
        StateError::Used => page(
            s,
            l,
            StatusCode::CONFLICT,
            t!(l, "page-state-used-title"),
            t!(l, "page-state-used-body"),
        ),
        StateError::Expired => page_with_action(
            s,
            l,
            StatusCode::GONE,
            t!(l, "page-state-expired-title"),
            t!(l, "page-state-expired-body"),
            again(),
        ),
        StateError::Table(e) => unavailable(s, l, anyhow::Error::from(e)),
    }
}

/// The page for a Slack error during a code exchange.
pub(crate) fn slack_page(s: &Services, l: Locale, e: SlackError, restart: &str) -> Response {
    let again = || (t!(l, "page-start-again"), s.config.endpoint(restart));
    match &e {
        SlackError::Api { code, .. } if code == "invalid_code" || code == "invalid_grant" => {
            page_with_action(
                s,
                l,
                StatusCode::BAD_REQUEST,
                t!(l, "page-slack-code-refused-title"),
                t!(l, "page-slack-code-refused-body"),
                again(),
            )
        }
        e if e.is_transient() => {
            tracing::warn!(error = %e, "Slack was unavailable during an OAuth exchange");
            page_with_action(
                s,
                l,
                StatusCode::SERVICE_UNAVAILABLE,
                t!(l, "page-slack-unavailable-title"),
                t!(l, "page-slack-unavailable-body"),
                again(),
            )
        }
        e => {
            tracing::error!(error = %e, "Slack refused an OAuth exchange");
            page(
                s,
                l,
                StatusCode::BAD_GATEWAY,
                t!(l, "page-slack-error-title"),
                t!(l, "page-slack-error-body", code = slack_code(l, e)),
            )
        }
    }
}

/// What to call a Slack error on a page: Slack's error code as Slack sent
/// it (for whoever checks the app's settings), else the error as logged.
fn slack_code(l: Locale, e: &SlackError) -> String {
    match e {
        SlackError::MissingScope { needed, .. } => {
            t!(l, "page-slack-missing-scope", scope = needed.as_str())
        }
        other => other
            .code()
            .map(str::to_owned)
            .unwrap_or_else(|| other.to_string()),
    }
}

/// A dependency failed: logged once here, a plain page for the person.
pub(crate) fn unavailable(s: &Services, l: Locale, e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "OAuth flow failed");
    page(
        s,
        l,
        StatusCode::SERVICE_UNAVAILABLE,
        t!(l, "page-unavailable-title"),
        t!(l, "page-unavailable-body"),
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
