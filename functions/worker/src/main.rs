//! Lambda entry point: build the shared services once, then run each SQS
//! batch through the worker, reporting partial batch failures.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hallway::telemetry::init_lambda();
    let services = hallway::services::Services::for_lambda().await?;
    let services = &services;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, lambda_runtime::Error>(
            hallway_worker::handle(services, event.payload).await,
        )
    }))
    .await
}
