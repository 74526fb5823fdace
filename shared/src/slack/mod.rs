//! Slack: what comes in (signed requests, payloads) and what goes out (Web
//! API calls), plus the app manifest.
//!
//! # Layout
//! - [`verify`]: v0 request signatures, the replay window, `ssl_check`.
//! - [`extract`]: the axum extractor that verifies before anything parses.
//! - [`events`]: Events API envelopes and the events we act on.
//! - [`messages`]: the messages hallway puts in Slack (Block Kit).
//! - [`modal`]: modal notices (refusals, progress, results).
//! - [`client`]: the Web API client (reqwest, configurable base URL).
//! - [`errors`]: what a failed call means: the one place Slack's error
//!   codes are classified.
//! - [`oauth`]: Slack's authorize URLs and our OAuth redirect paths.
//! - [`users`]: Slack's user object, read leniently.
//! - [`manifest`]: the Slack app manifest, generated from the code's routes,
//!   scopes and event subscriptions.

pub mod client;
pub mod errors;
pub mod events;
pub mod extract;
pub mod manifest;
pub mod messages;
pub mod modal;
pub mod oauth;
pub mod users;
pub mod verify;

pub use client::{SlackClient, SlackError};
pub use verify::{Verifier, VerifyError};
