//! Lambda entry point: build the shared services once, serve the router.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    hallway::telemetry::init_lambda();
    let services = hallway::services::Services::for_lambda().await?;
    lambda_http::run(hallway_commands::router(services)).await
}
