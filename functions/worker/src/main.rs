//! Lambda entry point: build the worker (services and pacer) once, then run
//! each SQS batch through it, reporting partial batch failures.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};

// current_thread: Lambda gives a fraction of a vCPU and one request at a
// time; measured against multi_thread in BENCHMARKS.md ("current_thread vs
// multi-thread tokio").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hallway::telemetry::init_lambda();
    // No connection warm-ups: measured, they cost init more than they
    // save the first answer (BENCHMARKS.md); HALLWAY_WARM_UP turns them on.
    let services = hallway::services::Services::for_lambda(hallway::config::WarmUp::NONE).await?;
    let worker = hallway_worker::Worker::new(services);
    let worker = &worker;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = hallway_worker::deadline_of(event.context.deadline);
        Ok::<SqsBatchResponse, lambda_runtime::Error>(
            hallway_worker::handle(worker, event.payload, deadline).await,
        )
    }))
    .await
}
