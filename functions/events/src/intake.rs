//! The events use case: decide what a verified event callback becomes.
//!
//! Order matters for Slack's retries: the claim is taken before the job is
//! queued, so a retry arriving meanwhile is a duplicate; if queuing fails the
//! claim is given back and the caller answers 5xx, so Slack's next retry
//! finds no claim and gets through.

use std::time::Duration;

use hallway::crypto::TokenCipher;
use hallway::jobs::{self, Job, SlackEventJob};
use hallway::queue::JobQueue;
use hallway::slack::events::{EventCallback, Parsed, SlackEvent, parse_callback};
use hallway::store::{Claim, EventClaims};
use hallway::web::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// Claimed now and queued for the worker.
    Queued,
    /// Claimed before (a retry or duplicate delivery): nothing done.
    Duplicate,
    /// Not an event we act on.
    Ignored { why: String },
}

impl Intake {
    pub fn label(&self) -> &'static str {
        match self {
            Intake::Queued => "queued",
            Intake::Duplicate => "duplicate",
            Intake::Ignored { .. } => "ignored",
        }
    }
}

pub async fn intake(
    claims: &EventClaims,
    queue: &dyn JobQueue,
    cipher: &TokenCipher,
    callback: &EventCallback,
) -> Result<Intake, ApiError> {
    let mut event = match parse_callback(callback) {
        Parsed::Known(event) => event,
        Parsed::Unknown { event_type } => {
            return Ok(Intake::Ignored {
                why: format!("event type {event_type:?} is not one hallway acts on"),
            });
        }
        Parsed::Skipped { event_type, why } => {
            return Ok(Intake::Ignored {
                why: format!("{event_type}: {why}"),
            });
        }
        Parsed::Malformed { event_type, reason } => {
            tracing::warn!(%event_type, %reason, "event of a known type has an unexpected shape");
            return Ok(Intake::Ignored {
                why: format!("{event_type} with an unexpected shape"),
            });
        }
    };
    let Some(team_id) = callback.team() else {
        return Ok(Intake::Ignored {
            why: "the callback names no workspace or organisation".into(),
        });
    };
    // A custom step's workflow token goes on the queue sealed.
    if let SlackEvent::FunctionExecuted(f) = &mut event {
        f.seal(cipher).map_err(|e| ApiError::Internal(e.into()))?;
    }
    if claims.claim(&callback.event_id).await? == Claim::Duplicate {
        return Ok(Intake::Duplicate);
    }
    let job = Job::SlackEvent(SlackEventJob {
        team_id,
        enterprise_id: callback.enterprise(),
        is_enterprise_install: callback
            .authorizations
            .first()
            .is_some_and(|a| a.is_enterprise_install),
        event_id: callback.event_id.clone(),
        event_time: callback.event_time,
        event,
    });
    if let Err(queue_error) = jobs::enqueue(queue, &job, Duration::ZERO).await {
        // Give the claim back so Slack's retry is processed.
        if let Err(release_error) = claims.release(&callback.event_id).await {
            tracing::error!(error = %release_error, "could not release the claim; Slack's retries of this event will be dropped");
        }
        return Err(queue_error.into());
    }
    Ok(Intake::Queued)
}
