//! Lambda `hallway-commands`: the `/hallway` slash command
//! (`POST /slack/commands`) and interactivity (`POST /slack/interactivity`).
//!
//! Both verify Slack's signature before reading the body (the
//! [`SlackRequest`] extractor) and answer from at most one table read and
//! one queue send: anything that calls Slack or writes the table is the
//! worker's, except opening a modal, which Slack allows only within 3
//! seconds of the trigger (one `views.open`). A command that
//! cannot be run gets an ephemeral explanation with a 200, never an error
//! status: Slack shows error statuses as a failure of the app.
//!
//! # Layout
//! - [`form`]: the form Slack posts for a slash command.
//! - [`cmd`]: `/hallway` as a [`Command`](cmd::Command) enum, one file per
//!   command (help, call, invite, map channel), each with its parse result
//!   and its apply function.
//! - [`grammar`]: the command's text: mentions and names.
//! - [`resolve`]: which space and room the names mean.
//! - [`routing`]: what a command answers from, read in one request.
//! - [`gate`]: installed, linked, a space: what every surface checks
//!   first, and how a refusal reads.
//! - [`modal`]: the "Meet in hallway" form, its shortcuts and submission.
//! - [`interactivity`]: button clicks, shortcuts, submissions.

pub mod cmd;
pub mod form;
mod gate;
pub mod grammar;
pub mod interactivity;
pub mod modal;
mod resolve;
pub mod routing;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hallway::i18n::Locale;
use hallway::services::Services;
use hallway::slack::extract::SlackRequest;
use hallway::store::SpacesError;
use hallway::t;
use hallway::web::{ApiError, trace_layer};
use http::StatusCode;
use serde_json::Value;

pub use hallway::slack::manifest::{COMMANDS_PATH, INTERACTIVITY_PATH};

pub fn router(services: Services) -> Router {
    Router::new()
        .route(COMMANDS_PATH, post(slash_command))
        .route(INTERACTIVITY_PATH, post(interactivity::handle))
        .layer(axum::middleware::from_fn(hallway::web::record_request))
        .layer(trace_layer())
        .with_state(services)
}

async fn slash_command(State(s): State<Services>, req: SlackRequest) -> Result<Response, ApiError> {
    let form: form::SlashCommand = serde_urlencoded::from_bytes(&req.body).map_err(|e| {
        tracing::warn!(error = %e, "signed body is not a slash command");
        ApiError::BadRequest("the body is not a slash command".into())
    })?;
    let span = tracing::Span::current();
    span.record("team_id", form.team_id.as_str());
    span.record("user_id", form.user_id.as_str());
    match cmd::run(&s, &form).await {
        // A modal opened: an empty 200 says nothing in the conversation.
        Value::Null => Ok(StatusCode::OK.into_response()),
        reply => Ok(Json(reply).into_response()),
    }
}

/// A command that failed on our side still gets an answer the person can
/// act on (Slack shows an error status as "the app did not respond").
pub(crate) fn failed(command: &str, l: Locale, e: ApiError) -> serde_json::Value {
    use hallway::slack::messages::ephemeral;
    match &e {
        ApiError::Unavailable(cause) | ApiError::Internal(cause) => {
            tracing::error!(error = %format!("{cause:#}"), "the command could not run");
            ephemeral(
                &t!(l, "command-unavailable"),
                Some(&t!(l, "command-unavailable-hint", command = command)),
            )
        }
        other => ephemeral(&other.to_string(), None),
    }
}

pub(crate) fn spaces_error(e: SpacesError) -> ApiError {
    match e {
        SpacesError::Table(t) => t.into(),
        other => ApiError::Internal(other.into()),
    }
}
