//! Lambda `hallway-events`: the Slack Events API webhook, `POST /slack/events`.
//!
//! Slack gives us 3 seconds and retries what we do not acknowledge, so the
//! request path does only this: verify the signature (before parsing), answer
//! `url_verification`, and for an event we act on, claim its `event_id` once
//! and queue a job for the worker. Everything that calls Slack or touches
//! many items happens in the worker.
//!
//! Every 2xx answer carries `x-hallway-event: queued | duplicate | ignored`
//! so replays and logs show what happened; Slack ignores it.
//!
//! # Layout
//! - [`router`]: the axum router, served by `lambda_http` on Lambda
//!   (`main.rs`) and by `axum::serve` in `hallway-local`.
//! - [`intake`]: the use case: claim, queue, or ignore an event.

pub mod intake;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hallway::services::Services;
use hallway::slack::events::Envelope;
use hallway::slack::extract::SlackRequest;
use hallway::web::{ApiError, trace_layer};
use http::{HeaderValue, StatusCode, header};
use tracing::Span;

use crate::intake::Intake;

pub const PATH: &str = "/slack/events";
pub const OUTCOME_HEADER: &str = "x-hallway-event";

pub fn router(services: Services) -> Router {
    Router::new()
        .route(PATH, post(events))
        .layer(axum::middleware::from_fn(hallway::web::record_request))
        .layer(trace_layer())
        .with_state(services)
}

async fn events(State(s): State<Services>, req: SlackRequest) -> Result<Response, ApiError> {
    let envelope: Envelope = serde_json::from_slice(&req.body).map_err(|e| {
        tracing::warn!(error = %e, "signed body is not an Events API payload");
        ApiError::BadRequest("the body is not an Events API payload".into())
    })?;
    match envelope {
        Envelope::UrlVerification { challenge } => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge,
        )
            .into_response()),
        Envelope::EventCallback(callback) => {
            let span = Span::current();
            if let Some(team) = callback.team() {
                span.record("team_id", team.as_str());
            }
            span.record("event_id", callback.event_id.as_str());
            if let Some(user) = callback.event.get("user").and_then(|u| u.as_str()) {
                span.record("user_id", user);
            }
            if let Some(n) = req.retry_num() {
                span.record("slack_retry", n);
            }
            let outcome =
                intake::intake(&s.event_claims(), s.queue.as_ref(), &s.cipher, &callback).await?;
            match outcome {
                Intake::Queued => tracing::info!("event queued"),
                Intake::Duplicate => {
                    tracing::info!(
                        retry_reason = req.retry_reason(),
                        "duplicate delivery acknowledged without reprocessing"
                    )
                }
                Intake::Ignored { ref why } => {
                    tracing::info!(%why, "event acknowledged and ignored")
                }
            }
            Ok(ack(outcome.label()))
        }
        Envelope::AppRateLimited {
            team_id,
            minute_rate_limited,
        } => {
            tracing::warn!(
                ?team_id,
                ?minute_rate_limited,
                "Slack is holding back events for a minute (app_rate_limited)"
            );
            Ok(ack("ignored"))
        }
        Envelope::Unknown => {
            tracing::info!("unknown envelope type acknowledged");
            Ok(ack("ignored"))
        }
    }
}

fn ack(label: &'static str) -> Response {
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut()
        .insert(OUTCOME_HEADER, HeaderValue::from_static(label));
    resp
}
