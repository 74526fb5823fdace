//! hallway's one end-to-end test binary.
//!
//! # Layout
//! - `conformance_table`, `conformance_queue`: every adapter of a port
//!   passes the same suite (embedded vs DynamoDB Local, in-process vs SQS).
//! - `secrets`: the Secrets Manager adapter against moto.
//! - `slack_client`: the Web API client against the fake Slack, over HTTP.
//! - `events_webhook`: signed requests into the running bundle.
//! - `lambda_events`: Lambda events (base64 bodies included) through
//!   `lambda_http`'s own conversion into the same router.

mod conformance_queue;
mod conformance_table;
mod events_webhook;
mod infra;
mod lambda_events;
mod secrets;
mod slack_client;
