//! The one place where errors become HTTP responses.
//!
//! Errors are grouped by what the caller must do: fix the request (4xx with a
//! message meant for them), or try again later (503; Slack retries events on
//! its own), or nothing at all because it is our bug (500). Server-side
//! errors are logged here, once, with their full chain; the response body
//! never carries internals.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

use crate::queue::QueueError;
use crate::table::TableError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request claiming to be from Slack failed verification.
    #[error("invalid request")]
    SlackUnverified,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// The body is over the route's limit; refused before it is parsed.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Slack (or our share of its budget) says wait; the caller may try
    /// again after `retry_after_secs` (sent as `Retry-After`).
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// A dependency is down or slow; the same request may succeed later.
    #[error("temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug of ours.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::SlackUnverified | ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable(e) => {
                tracing::error!(error = %format!("{e:#}"), "dependency unavailable")
            }
            ApiError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "internal error"),
            _ => {}
        }
        let mut resp = (self.status(), Json(json!({ "error": self.to_string() }))).into_response();
        if let ApiError::RateLimited {
            retry_after_secs, ..
        } = &self
            && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<TableError> for ApiError {
    fn from(e: TableError) -> Self {
        match e {
            TableError::Unavailable(_) => ApiError::Unavailable(e.into()),
            TableError::ConditionFailed | TableError::TransactionConflict { .. } => {
                ApiError::Conflict("the item changed meanwhile; try again".into())
            }
            TableError::Invalid(_) => ApiError::Internal(e.into()),
        }
    }
}

impl From<QueueError> for ApiError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::Unavailable(_) => ApiError::Unavailable(e.into()),
            QueueError::BadBody(_) => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::start_invite::StartInviteError> for ApiError {
    fn from(e: crate::start_invite::StartInviteError) -> Self {
        use crate::start_invite::StartInviteError;
        match e {
            StartInviteError::Table(t) => t.into(),
            StartInviteError::Queue(q) => q.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn server_errors_hide_their_cause() {
        let resp =
            ApiError::Unavailable(anyhow::anyhow!("dynamodb at 10.0.0.1 refused")).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"error":"temporarily unavailable"}"#);
    }

    #[tokio::test]
    async fn unverified_slack_requests_get_the_bolt_style_401() {
        let resp = ApiError::SlackUnverified.into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"error":"invalid request"}"#);
    }

    #[test]
    fn table_errors_map_by_what_the_caller_can_do() {
        assert_eq!(
            ApiError::from(TableError::Unavailable("x".into())).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(TableError::ConditionFailed).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            ApiError::from(TableError::Invalid("x".into())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
