//! [`SlackRequest`]: an axum extractor that reads the raw body and verifies
//! the Slack signature before any handler code parses a byte of it.
//!
//! Refusals never reach the handler: `ssl_check` gets an empty 200, and a
//! failed verification gets 401 `{"error":"invalid request"}` (the reason is
//! logged, not returned). Handlers therefore cannot forget to verify: taking a
//! `SlackRequest` is the only way to get at the body.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::verify::{RETRY_NUM_HEADER, RETRY_REASON_HEADER, Verifier, is_ssl_check};
use crate::web::ApiError;

/// A verified Slack request: headers and raw body.
#[derive(Debug)]
pub struct SlackRequest {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl SlackRequest {
    /// `x-slack-retry-num`, when Slack is retrying a delivery.
    pub fn retry_num(&self) -> Option<u32> {
        self.headers
            .get(RETRY_NUM_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    pub fn retry_reason(&self) -> Option<&str> {
        self.headers
            .get(RETRY_REASON_HEADER)
            .and_then(|v| v.to_str().ok())
    }
}

/// Bodies Slack sends are small; anything larger is not from Slack.
pub const MAX_BODY: usize = 512 * 1024;

impl<S> FromRequest<S> for SlackRequest
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let (parts, body) = req.into_parts();
        let too_large = || ApiError::TooLarge { limit: MAX_BODY }.into_response();
        // A declared length over the limit is refused without reading a
        // byte; an undeclared one is cut off at the limit. (A body that
        // breaks off early fails the same way: its sender is gone anyway.)
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| too_large())?;
        if is_ssl_check(&body) {
            return Err(StatusCode::OK.into_response());
        }
        if let Err(reason) = verifier.verify(&parts.headers, &body) {
            tracing::warn!(%reason, "refused a request that failed Slack verification");
            return Err(ApiError::SlackUnverified.into_response());
        }
        Ok(SlackRequest {
            headers: parts.headers,
            body,
        })
    }
}
