//! One module per fuzz target, each with the `check` its target runs on
//! every input (and the replay test runs on kept and seeded inputs).

pub mod event_envelope;
pub mod interactivity;
pub mod join_token;
pub mod oauth_state;
pub mod slack_signature;
pub mod slash_command;
