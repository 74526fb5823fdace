//! `hallway`: the library every hallway function links.
//!
//! hallway is the Slack side of a virtual office. The bundle runs as several
//! AWS Lambda functions (and, for developers, as one local process); the
//! function crates are thin: they verify, parse, call one use case and map
//! its result.
//!
//! # Layout
//!
//! **The rule:** this crate holds what two or more functions use (ids,
//! configuration, secrets, the ports and their adapters, table keys, the
//! stores, the Slack client and wire types, the jobs) and the use cases
//! they share ([`start_invite`], [`directory_refresh`]). A use case only one
//! function runs lives in that function's crate: the `/hallway` grammar and
//! its routing read in `hallway-commands`, the App Home view and the
//! uninstall/revoke use cases in `hallway-worker`, the admission rules of
//! Sign in with Slack in `hallway-oauth`. Adding a module here means naming
//! the second function that uses it.
//!
//! - [`config`]: the typed configuration read once from the environment.
//! - [`secrets`]: the [`secrets::Secret`] newtype (never printed) and the
//!   secret-source port with its Secrets Manager and environment adapters.
//! - [`clock`]: the clock port (system clock, and a manual one for tests).
//! - [`ids`]: newtypes for Slack and office identifiers.
//! - [`crypto`]: AES-256-GCM encryption of tokens at rest, with key ids.
//! - [`deadline`]: the time an invocation has left, which caps each Slack
//!   and webhook call made inside it.
//! - [`table`]: the single-table port (get, batched gets, conditional
//!   put/update/delete, prefix and range queries, a GSI, transactions,
//!   TTL-aware reads) and its two adapters: [`table::dynamo`] (DynamoDB) and `table::embedded` (redb, with
//!   the `embedded` feature: the local bundle and the tests).
//! - [`keys`]: the only place table keys are built; its doc lists every
//!   access pattern.
//! - [`store`]: the domain stores, one module per kind of item
//!   (installations, spaces and rooms, members, links, invites, the
//!   directory, bridged chats, people sync, meetings, the audit log, rate
//!   budgets, OAuth state, event claims), written once on top of
//!   [`table::Table`]; their records are storage, not wire formats.
//! - [`queue`]: the job-queue port with its SQS and in-process adapters, and
//!   the poller that feeds queued messages to the worker as Lambda would.
//! - [`jobs`]: the queue's message contract, one versioned tagged enum.
//! - [`slack`]: request verification, inbound payload types, the Web API
//!   client and the app manifest.
//! - [`start_invite`]: an invite's record, then its fan-out job (the
//!   office API's "Get <user>" and a `/hallway @…` through the worker).
//! - [`directory_refresh`]: starting a team's directory refresh (install,
//!   office API).
//! - [`channel_chat`]: bringing the app's bot user into a channel whose
//!   messages go to the office (`/hallway` mapping in the worker, the
//!   office API's mapping).
//! - [`office_webhook`]: signed notifications to the office (bridged DMs
//!   and channel chats), and the check a receiver runs.
//! - [`auth`]: API bearer tokens, signed OAuth state, join links, the
//!   browser session, Sign in with Slack id_token validation.
//! - [`tokens`]: a team's bot token, refreshed once under a lock when
//!   token rotation is on.
//! - [`services`]: the dependencies a function builds once at start-up.
//! - [`web`]: the one place errors become HTTP responses, and the frame
//!   and stylesheet of the HTML pages.
//! - [`metrics`]: operator metrics as CloudWatch Embedded Metric Format
//!   lines (no extra calls), written once per request or batch.
//! - [`telemetry`]: tracing set-up (JSON on Lambda, readable locally).
//! - [`tls`]: the root certificates, read once per process and shared by
//!   reqwest and the AWS SDK.

pub mod auth;
pub mod channel_chat;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod deadline;
pub mod directory_refresh;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod office_webhook;
pub mod queue;
pub mod secrets;
pub mod services;
pub mod slack;
pub mod start_invite;
pub mod store;
pub mod table;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod web;
