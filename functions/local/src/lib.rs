//! `hallway-local`: the whole hallway bundle in one process, offline, plus
//! tools to replay sample events and print the Slack app manifest.
//!
//! ```text
//! hallway-local serve  [--addr 127.0.0.1:3000] [--data-dir .hallway] [--slack real|fake]
//! hallway-local replay FILE [--to URL | --in-process] [--tamper]
//! hallway-local manifest --base-url URL
//! hallway-local redrive --queue-url URL --dead-letter-queue-url URL [--max N] [--dry-run]
//! ```
//!
//! # Layout
//! - [`cli`]: the command line.
//! - [`settings`]: environment, `.env`, and development values.
//! - [`bundle`]: every router on one port, the embedded store, the
//!   in-process queue and worker, the fake Slack.
//! - [`replay`]: signing and sending samples from `events/`.
//! - [`redrive`]: dead letters back to the jobs queue after a fix.
//! - [`office`]: a stand-in for the office app at `/app`, so browser flows
//!   run offline to their end.

pub mod bundle;
pub mod cli;
pub mod office;
pub mod redrive;
pub mod replay;
pub mod settings;
