//! One span per request, and the metrics each answer records.

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
    tower_http::trace::DefaultOnRequest,
    tower_http::trace::DefaultOnResponse,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    (),
>;

/// Tracing for a router: one span per request (see [`request_span`]).
///
/// A failure is logged once, where its cause is known: by the error mapper
/// ([`crate::web::ApiError`]'s response) or the page that answers it, not
/// again here (tower-http's default logs every 5xx a second time, without
/// the cause).
pub fn trace_layer() -> Trace {
    tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(
            request_span::<axum::body::Body>
                as fn(&http::Request<axum::body::Body>) -> tracing::Span,
        )
        .on_failure(())
}

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
