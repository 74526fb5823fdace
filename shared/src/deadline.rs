//! The time a Lambda invocation has left, for the calls made inside it.
//!
//! The worker runs each record inside [`within`] its invocation's deadline
//! (less a margin to report the batch); the Slack client and the office
//! webhook cap each request's timeout at [`remaining`], so a slow Slack ends
//! a call in time for the worker to say which records it did not finish,
//! instead of Lambda killing the invocation and every record of the batch
//! coming back as a failed receive. Outside [`within`] nothing is capped.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `f` with `deadline` as the time its calls must end by.
pub async fn within<F: Future>(deadline: Instant, f: F) -> F::Output {
    DEADLINE.scope(deadline, f).await
}

/// Time left before the current deadline; `None` outside [`within`].
pub fn remaining() -> Option<Duration> {
    DEADLINE
        .try_with(|d| d.saturating_duration_since(Instant::now()))
        .ok()
}

/// A request timeout: `usual`, or the time left when that is shorter (at
/// least a millisecond, so a request past the deadline fails at once
/// rather than never).
pub fn cap(usual: Duration) -> Duration {
    match remaining() {
        Some(left) => usual.min(left).max(Duration::from_millis(1)),
        None => usual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn caps_only_inside_a_deadline() {
        let usual = Duration::from_secs(10);
        assert_eq!(cap(usual), usual);
        let soon = Instant::now() + Duration::from_secs(2);
        within(soon, async {
            let c = cap(usual);
            assert!(
                c <= Duration::from_secs(2) && c > Duration::from_secs(1),
                "{c:?}"
            );
        })
        .await;
        within(Instant::now(), async {
            assert_eq!(cap(usual), Duration::from_millis(1));
        })
        .await;
        assert_eq!(remaining(), None);
    }
}
