//! Lambda entry point: build the shared services once, serve the router.

// current_thread: Lambda gives a fraction of a vCPU and one request at a
// time; the `multi-thread` feature exists only to measure the difference.
#[cfg_attr(not(feature = "multi-thread"), tokio::main(flavor = "current_thread"))]
#[cfg_attr(feature = "multi-thread", tokio::main(flavor = "multi_thread"))]
async fn main() -> Result<(), lambda_http::Error> {
    hallway::telemetry::init_lambda();
    let services = hallway::services::Services::for_lambda().await?;
    lambda_http::run(hallway_commands::router(services)).await
}
