//! Lambda entry point: build the shared services once, serve the router.

// current_thread: Lambda gives a fraction of a vCPU and one request at a
// time; measured against multi_thread in BENCHMARKS.md ("current_thread vs
// multi-thread tokio").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    hallway::telemetry::init_lambda();
    // No connection warm-ups: measured, they cost init more than they
    // save the first answer (BENCHMARKS.md); HALLWAY_WARM_UP turns them on.
    let services = hallway::services::Services::for_lambda(hallway::config::WarmUp::NONE).await?;
    lambda_http::run(hallway_events::router(services)).await
}
