//! Lambda entry point: build the shared services once, serve the router
//! (with the extension that finishes deferred work; see `lambda`).

// current_thread: Lambda gives a fraction of a vCPU and one request at a
// time; the `multi-thread` feature exists only to measure the difference.
#[cfg_attr(not(feature = "multi-thread"), tokio::main(flavor = "current_thread"))]
#[cfg_attr(feature = "multi-thread", tokio::main(flavor = "multi_thread"))]
async fn main() -> Result<(), lambda_http::Error> {
    hallway::telemetry::init_lambda();
    let services = hallway::services::Services::for_lambda().await?;
    hallway_commands::lambda::serve(services).await
}
