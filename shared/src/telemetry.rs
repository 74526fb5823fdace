//! Logging set-up: JSON lines on Lambda (CloudWatch indexes the fields),
//! readable lines locally. `RUST_LOG` filters as usual; the default is `info`.
//!
//! Every request runs in one span carrying the Slack ids (team, user, event,
//! retry), so each log line of the request can be found by them.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// JSON logs with the current span's fields on every line.
pub fn init_lambda() {
    crate::metrics::enable();
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(true)
        // The runtime's own span carries the Lambda request id.
        .with_span_list(true)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Human-readable logs for the local bundle and the CLI, on stderr so that
/// command output (replay results, the manifest) stays clean on stdout.
pub fn init_local() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .try_init();
}
