//! hallway's one end-to-end test binary.
//!
//! # Layout
//! Shared set-up lives in `tests/src` (`hallway_tests`): `demo` (the fake
//! Slack's demo workspace, the office most tests start from, and the
//! requests they build on), `flaky`, `counting`, `logs`, `spawn_app`.
//! - `conformance_table`, `conformance_queue`: every adapter of a port
//!   passes the same suite (embedded vs DynamoDB Local, in-process vs SQS).
//! - `secrets`: the Secrets Manager adapter against moto.
//! - `slack_client`: the Web API client against the fake Slack, over HTTP.
//! - `slack_errors`: Slack's errors as Slack sends them, through invites:
//!   refusals, temporary failures, partial successes, expired and dead
//!   tokens.
//! - `events_webhook`: signed requests into the running bundle.
//! - `fake_slack`: the fake doing what Slack does around the bundle: event
//!   retries and their headers, slash commands and clicks inside the
//!   3-second budget, Redirect URLs, one exchange method per flow.
//! - `event_samples`: every signed sample of `events/events/` through the
//!   bundle and its worker: stored state, Slack calls, retries.
//! - `lambda_events`: Lambda events (base64 bodies included) through
//!   `lambda_http`'s own conversion into the same router.
//! - `lambda_runtime`: the commands binary against a Runtime API and
//!   Extensions API on loopback: deferred work done before the sandbox may
//!   freeze.
//! - `lifecycle`: `app_uninstalled` / `tokens_revoked` late, in any
//!   order, and for user tokens only.
//! - `office_api`: bearer tokens, roles, spaces, rooms, presence, settings.
//! - `slack_connect`: installing into a space, every failure, remapping,
//!   token rotation under concurrency.
//! - `sign_in`: Sign in with Slack, linking, join links, guests.
//! - `directory`: the people directory: refreshes at Tier 2's pace, 429s,
//!   dead tokens, people events.
//! - `chat`: bridged DMs: the fake Slack delivers `message.im` events, the
//!   office receiver verifies and refuses replays; edits, deletions,
//!   retries, auto-prompts.
//! - `admin_page`: the admin page over HTTP (login cookie, forms, origin).
//! - `app_home`: `app_home_opened` answered with `views.publish`.
//! - `channel_chat`: a channel mapped to a room as the room's chat: its
//!   messages to the office, the office's to the channel, history,
//!   and the chat stopping on archive, removal or unmapping.
//! - `channel_events`: welcome DMs in channels mapped to rooms; renames.
//! - `grid`: an Enterprise Grid organisation-wide install used from two
//!   workspaces, a workspace taken away, the organisation uninstalling.
//! - `chats`: writing from the office and reading history within budget.
//! - `people_sync`: the admins' people sync and audit log.
//! - `people`: the people pane and opening a DM from the office.
//! - `mine`: my home room, stars, and my workspaces' spaces.
//! - `languages`: Swedish and English readers of commands, DMs, the form
//!   and the Home tab; a locale looked up once.
//! - `meet_form`: the "Meet in hallway" modal from both shortcuts and
//!   `/hallway ?`: opened within the trigger, errors in the form, the
//!   invite, and who was reached shown in the modal or the DM.
//! - `call_cards`: a call as a Slack Call card, kept current from
//!   presence and ended with the meeting; the plain message where Slack
//!   will not take the Call.
//! - `meetings`: summaries of meetings called from Slack, when the room
//!   empties.
//! - `unfurl`: `link_shared` from the fake Slack answered with `chat.unfurl`.
//! - `faults`: DynamoDB killed and restarted mid-fan-out, SQS unreachable
//!   while the webhook enqueues, Slack 5xx and timeouts mid-fan-out.
//! - `shared_channels`: Slack Connect: people of another organisation
//!   invited as guests where the space takes them, refusals explained.
//! - `worker_batches`: the worker against its deadline, waits re-sent with
//!   a delay, failures with backoff and then dead-lettered with a reason,
//!   a record that panics, poison messages.
//! - `workflow_step`: the Workflow Builder step run by the fake's
//!   `function_executed`, completed with its outputs or a reason.
//! - `cors`: the office app's origin answered, preflight included; no
//!   other origin.
//! - `logged_once`: a failed request is logged once, with its cause.
//! - `wire_smoke`: one invite through DynamoDB Local and SQS (moto) with
//!   the SDK's request meters; every other test above runs on the embedded
//!   store and in-process queue unless it says otherwise (`faults`,
//!   `lambda_runtime`, the conformance suites and `secrets` need the
//!   emulators).
//! - `security`: tenant isolation on every API route, token algorithm
//!   confusion, spoofed team headers and fields, oversized bodies.

mod admin_page;
mod app_home;
mod call_cards;
mod channel_chat;
mod channel_events;
mod chat;
mod chats;
mod commands;
mod conformance_queue;
mod conformance_table;
mod cors;
mod directory;
mod event_samples;
mod events_webhook;
mod fake_slack;
mod faults;
mod grid;
mod infra;
mod invites;
mod lambda_events;
mod lambda_runtime;
mod languages;
mod lifecycle;
mod logged_once;
mod meet_form;
mod meetings;
mod mine;
mod no_secrets_in_logs;
mod office_api;
mod people;
mod people_sync;
mod secrets;
mod security;
mod shared_channels;
mod sign_in;
mod slack_client;
mod slack_connect;
mod slack_errors;
mod unfurl;
mod wire_smoke;
mod worker_batches;
mod workflow_step;
