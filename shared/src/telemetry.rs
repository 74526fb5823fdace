//! Logging set-up: JSON lines on Lambda (CloudWatch indexes the fields),
//! readable lines locally. `RUST_LOG` filters by level and target
//! (`info`, `warn,hallway=debug`); the default is `info`. Span and field
//! filters (`EnvFilter`'s regular expressions) are left out: the regex
//! engine they need is a tenth of a function's binary.
//!
//! Every request runs in one span carrying the Slack ids (team, user, event,
//! retry), so each log line of the request can be found by them.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `RUST_LOG` as level and target directives; `info` when unset, and when
/// it does not parse (said on stderr: the logs are not up yet).
pub fn filter(value: Option<&str>) -> Targets {
    let default = Targets::new().with_default(LevelFilter::INFO);
    // `Targets` reads an empty directive as "everything at trace" and keeps
    // spaces in target names: both are typing slips, not intent.
    let directives: Vec<&str> = value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    match (!directives.is_empty()).then(|| directives.join(",")) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|e| {
            eprintln!("RUST_LOG={v:?} is not level and target directives ({e}); logging at info");
            default
        }),
    }
}

fn env_filter() -> Targets {
    filter(std::env::var("RUST_LOG").ok().as_deref())
}

/// JSON logs with the current span's fields on every line.
pub fn init_lambda() {
    crate::metrics::enable();
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                // The runtime's own span carries the Lambda request id.
                .with_span_list(true)
                .with_target(false)
                .without_time(),
        )
        .with(env_filter())
        .try_init();
}

/// Human-readable logs for the local bundle and the CLI, on stderr so that
/// command output (replay results, the manifest) stays clean on stdout.
pub fn init_local() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .compact(),
        )
        .with(env_filter())
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter;
    use tracing::Level;

    #[test]
    fn rust_log_directives_filter_by_level_and_target() {
        let f = filter(Some("warn,hallway=debug"));
        assert!(f.would_enable("hallway::store", &Level::DEBUG));
        assert!(!f.would_enable("aws_smithy_runtime", &Level::INFO));
        assert!(f.would_enable("aws_smithy_runtime", &Level::WARN));
        let default = filter(None);
        assert!(default.would_enable("hallway", &Level::INFO));
        assert!(!default.would_enable("hallway", &Level::DEBUG));
        // Not directives: the default, not silence.
        let sloppy = filter(Some("warn, hallway=debug,"));
        assert!(sloppy.would_enable("hallway", &Level::DEBUG));
        assert!(!sloppy.would_enable("aws_smithy_runtime", &Level::INFO));
        let bad = filter(Some("hallway=loud"));
        assert!(bad.would_enable("hallway", &Level::INFO));
    }
}
