//! The commands function on Lambda: the router, and an internal extension
//! that keeps the sandbox up until the work a request deferred is done.
//!
//! Lambda freezes a sandbox once the runtime and every extension have asked
//! for their next event. The runtime asks as soon as it has posted an
//! answer, which Lambda hands to API Gateway, and so to Slack, at once. The
//! extension asks only when the answer has been given and the work the
//! request deferred ([`hallway::deferred`]: the meeting record) is done, so
//! that work is never frozen half-way. What it costs is billed time after
//! the answer, not time Slack waits for.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hallway::deferred::Deferred;
use hallway::services::Services;
use lambda_extension::{Extension, LambdaEvent, NextEvent, service_fn};
use tokio::sync::{Mutex, mpsc};

/// The extension's name in the Extensions API.
const EXTENSION: &str = "hallway-deferred";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Serves the commands router until the sandbox goes away.
pub async fn serve(mut services: Services) -> Result<(), lambda_http::Error> {
    let deferred = Deferred::tracked();
    services.deferred = deferred.clone();
    // One message per answer the router gives.
    let (answered, answers) = mpsc::unbounded_channel::<()>();
    let answers = Arc::new(Mutex::new(answers));
    let extension = Extension::new()
        .with_extension_name(EXTENSION)
        // An internal extension may only register for INVOKE.
        .with_events(&["INVOKE"])
        .with_events_processor(service_fn(move |event: LambdaEvent| {
            let (answers, deferred) = (answers.clone(), deferred.clone());
            async move {
                if let NextEvent::Invoke(invoke) = event.next {
                    // An event that never reached the router (not an HTTP
                    // event) sends no message: wait no longer than the
                    // invocation may last.
                    let left = Duration::from_millis(invoke.deadline_ms.saturating_sub(now_ms()));
                    let mut answers = answers.lock().await;
                    if tokio::time::timeout(left, answers.recv()).await.is_err() {
                        tracing::warn!(request_id = %invoke.request_id, "no answer from the router before the deadline");
                    }
                    // hyper writes the answer from its connection task,
                    // woken with this one: let it go first.
                    tokio::task::yield_now().await;
                    deferred.drain().await;
                }
                Ok::<(), lambda_extension::Error>(())
            }
        }))
        // Before the runtime's first `next`, which ends Init.
        .register()
        .await?;
    let router = crate::router(services).layer(tower::util::MapResponseLayer::new(
        move |response: axum::response::Response| {
            let _ = answered.send(());
            response
        },
    ));
    tokio::try_join!(lambda_http::run(router), extension.run())?;
    Ok(())
}
