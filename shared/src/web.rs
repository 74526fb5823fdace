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

/// The span every request runs in. Handlers fill in the Slack ids once they
/// have parsed them (`Span::current().record("team_id", …)`), so every line
/// logged for the request carries them.
pub fn request_span<B>(req: &http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        team_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
        event_id = tracing::field::Empty,
        slack_retry = tracing::field::Empty,
    )
}

type MakeSpan = fn(&http::Request<axum::body::Body>) -> tracing::Span;
type Trace = tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    MakeSpan,
>;

/// Tracing for a router: one span per request (see [`request_span`]); server
/// errors are logged by tower-http as failures.
pub fn trace_layer() -> Trace {
    tower_http::trace::TraceLayer::new_for_http().make_span_with(
        request_span::<axum::body::Body> as fn(&http::Request<axum::body::Body>) -> tracing::Span,
    )
}
use crate::table::TableError;

/// Counts each answer by route (`Requests`, `ServerErrors`, `Latency`; see
/// [`crate::metrics`]) and writes the request's metrics, Slack calls made
/// while answering included. A router adds it with
/// `.layer(axum::middleware::from_fn(record_request))`, inside its trace
/// layer.
pub async fn record_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let dims = [("Route", route.as_str())];
    crate::metrics::count("Requests", &dims);
    crate::metrics::millis("Latency", ms, &dims);
    if response.status().is_server_error() {
        crate::metrics::count("ServerErrors", &dims);
    }
    crate::metrics::flush();
    response
}

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

/// Milliseconds since the epoch as an RFC 3339 UTC time, for pages.
pub fn iso_time(millis: i64) -> String {
    use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
    DateTime::from_millis(millis)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| millis.to_string())
}

/// Escapes text for HTML element content and attribute values (the pages
/// hallway serves: OAuth outcomes, the admin page, the local office).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(iso_time(1_732_438_800_123), "2024-11-24T09:00:00.123Z");
    }

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
