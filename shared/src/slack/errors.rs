//! What a failed Slack call means, and what hallway does about it. This is
//! the only place Slack's error codes are read; everything else branches on
//! [`SlackError`]'s variants and its questions (`is_transient`,
//! `outcome_unknown`, `token_may_be_dead`, …).
//!
//! Slack answers most failures with HTTP 200 and `{"ok": false, "error":
//! code}`; a rate limit is HTTP 429 with `Retry-After`; real 5xx answers
//! happen too (node-slack-sdk's WebClient: "Slack's Web API doesn't use
//! meaningful status codes besides 429 and 200", and it retries 5xx; so does
//! python-slack-sdk's `ServerErrorRetryHandler`). The wording quoted below
//! is from the error table every method page repeats
//! (<https://docs.slack.dev/reference/methods/chat.postMessage#errors>).
//!
//! | code / answer | variant | what we do | source |
//! |---|---|---|---|
//! | HTTP 429 + `Retry-After` | [`SlackError::RateLimited`] | wait `Retry-After` (a queue delay, never a sleeping Lambda), then retry | docs.slack.dev/apis/web-api/rate-limits |
//! | `ratelimited` in a 200 body | [`SlackError::RateLimited`] (60 s) | as above; no header to read, so a Tier 1 minute | method pages |
//! | HTTP 5xx | [`SlackError::Http`] | retry with backoff; the outcome is unknown, look before posting again | node-slack-sdk WebClient, python-slack-sdk `ServerErrorRetryHandler` |
//! | timeout, broken connection | [`SlackError::Timeout`], [`SlackError::Transport`] | retry; unknown outcome when the request may have gone out | — |
//! | `invalid_auth` | [`SlackError::TokenRefused`] | the token *may* be dead: confirm with `auth.test` before asking for a reinstall ("the provided token is invalid **or** the request originates from an IP address disallowed from making the request") | method pages |
//! | `account_inactive`, `token_revoked` | [`SlackError::TokenRefused`] | token dead for a deleted user/workspace or a removed app: confirm with `auth.test`, then re-authorize | method pages |
//! | `token_expired` | [`SlackError::TokenExpired`] | refresh (token rotation) and retry once; a refused refresh means re-authorize | docs.slack.dev/authentication/using-token-rotation |
//! | `not_authed` | [`SlackError::NotAuthed`] | "No authentication token provided": our bug, never the workspace's; logged as an error, the call is refused | method pages |
//! | `missing_scope` (+ `needed`, `provided`) | [`SlackError::MissingScope`] | refusal of this call; say which scope to grant | method pages; java-slack-sdk test fixture |
//! | `internal_error`, `fatal_error` | [`SlackError::Unavailable`] | temporary; "it's possible some aspect of the operation succeeded": the outcome is unknown, look before posting again | method pages |
//! | `service_unavailable` | [`SlackError::Unavailable`] | temporary, retry with backoff | method pages |
//! | `request_timeout` | [`SlackError::Unavailable`] | "the POST data was either missing or truncated": nothing happened, retry | method pages |
//! | `team_added_to_org`, `org_login_required` | [`SlackError::Unavailable`] | an Enterprise migration ("intermittently unavailable", "not available until migration is complete"): retry with a long backoff (15 min, the queue's longest delay) | method pages |
//! | `no_permission`, `not_in_channel`, `channel_not_found`, `user_not_found`, `cannot_dm_bot`, `restricted_action`, `is_archived`, `ekm_access_denied`, `team_access_not_granted`, anything else | [`SlackError::Api`] | refusal of this one call: the caller words it; the workspace stays connected | method pages |
//! | `channel_not_found`, `not_in_channel` on a channel | [`SlackError::Api`], [`SlackError::channel_out_of_reach`] | the token's owner is not in it (a private channel the bot is not in does not exist for it): ask for the app to be added, or say the person is not in it | `methods/conversations.info`, `methods/chat.postMessage` |
//! | `is_archived` | [`SlackError::Api`], [`SlackError::channel_archived`] | the channel is archived: nothing can be posted or joined | method pages |
//! | `method_not_supported_for_channel_type` (`conversations.join`) | [`SlackError::Api`], [`SlackError::join_refused`] | a private channel (or DM): the bot cannot join, a member must invite it | `methods/conversations.join`; bolt-js#1656 |
//! | `missing_argument` | [`SlackError::Api`] | with an organisation's token, a method that needs `team_id` was called without it: our bug | `methods/users.list` (Enterprise Grid) |

use std::time::Duration;

use serde_json::Value;

/// A Slack call that did not succeed, grouped by what the caller must do.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SlackError {
    /// Slack refused the token. It may be dead (revoked, its account
    /// deactivated), or the call came from outside the workspace's IP
    /// allow-list: confirm with `auth.test` ([`crate::tokens::confirm_dead`])
    /// before asking anyone to reinstall.
    #[error("Slack refused the token for {method} ({code})")]
    TokenRefused { method: String, code: String },
    /// The token expired (token rotation is on): refresh it, retry once.
    #[error("the token for {method} has expired")]
    TokenExpired { method: String },
    /// No token was sent: a bug of ours.
    #[error("no token was sent with {method}")]
    NotAuthed { method: String },
    #[error("the token lacks scope {needed} (it has {provided})")]
    MissingScope { needed: String, provided: String },
    #[error("rate limited by Slack; retry after {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// Slack said it failed on its side (`ok: false` with a temporary code).
    #[error("Slack could not carry out {method} just now ({code})")]
    Unavailable { method: String, code: String },
    /// Slack refused this one call.
    #[error("Slack method {method} failed: {code}")]
    Api { method: String, code: String },
    #[error("Slack answered HTTP {status} for {method}")]
    Http { method: String, status: u16 },
    #[error("Slack did not answer {method} in time")]
    Timeout { method: String },
    #[error("could not reach Slack for {method}: {detail}")]
    Transport {
        method: String,
        detail: String,
        /// The request may have reached Slack (the connection broke after
        /// it was sent); false when no connection was made.
        maybe_sent: bool,
    },
    #[error("Slack's answer to {method} was not understood: {detail}")]
    Decode { method: String, detail: String },
}

/// The queue's longest delay: how long an Enterprise migration is waited
/// out before asking again.
pub const MIGRATION_BACKOFF: Duration = Duration::from_secs(900);

const TOKEN_REFUSED: &[&str] = &["invalid_auth", "account_inactive", "token_revoked"];
/// Partly succeeded, maybe.
const MAYBE_DONE: &[&str] = &["internal_error", "fatal_error"];
const TEMPORARY: &[&str] = &["service_unavailable", "request_timeout"];
const MIGRATING: &[&str] = &["team_added_to_org", "org_login_required"];

impl SlackError {
    /// Whether the same call may succeed later without anyone doing
    /// anything.
    pub fn is_transient(&self) -> bool {
        match self {
            SlackError::RateLimited { .. }
            | SlackError::Unavailable { .. }
            | SlackError::Timeout { .. }
            | SlackError::Transport { .. } => true,
            SlackError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether Slack may have carried the call out although we got no
    /// answer saying so: a timeout, a broken connection or a 5xx after the
    /// request went out, or `internal_error` / `fatal_error` ("it's possible
    /// some aspect of the operation succeeded"). A post that failed this way
    /// must not simply be sent again (it would be a second message); look
    /// first.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            SlackError::Timeout { .. } => true,
            SlackError::Transport { maybe_sent, .. } => *maybe_sent,
            SlackError::Http { status, .. } => *status >= 500,
            SlackError::Unavailable { code, .. } => MAYBE_DONE.contains(&code.as_str()),
            _ => false,
        }
    }

    /// How long to wait before calling again, when that is known: Slack's
    /// `Retry-After`, or the long wait of an Enterprise migration.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SlackError::RateLimited { retry_after } => Some(*retry_after),
            SlackError::Unavailable { code, .. } if MIGRATING.contains(&code.as_str()) => {
                Some(MIGRATION_BACKOFF)
            }
            _ => None,
        }
    }

    /// The channel is out of the token owner's reach: not in it, or a
    /// private channel they are not in (which does not exist for them).
    pub fn channel_out_of_reach(&self) -> bool {
        matches!(self, SlackError::Api { code, .. } if code == "channel_not_found" || code == "not_in_channel")
    }

    /// The channel is archived.
    pub fn channel_archived(&self) -> bool {
        matches!(self, SlackError::Api { code, .. } if code == "is_archived")
    }

    /// `conversations.join` on a channel the bot cannot join (private
    /// channels, DMs): someone in it must invite the app.
    pub fn join_refused(&self) -> bool {
        matches!(self, SlackError::Api { code, .. } if code == "method_not_supported_for_channel_type")
    }

    /// Slack refused the token itself: it may be dead. Confirm before
    /// acting on it ([`crate::tokens::confirm_dead`]).
    pub fn token_may_be_dead(&self) -> bool {
        matches!(self, SlackError::TokenRefused { .. })
    }

    /// The Slack error code, for calls Slack answered with one.
    /// A bounded label for metrics: Slack's code, or the kind of failure.
    pub fn metric_code(&self) -> String {
        match self {
            SlackError::Http { status, .. } => format!("http_{status}"),
            SlackError::Timeout { .. } => "timeout".into(),
            SlackError::Transport { .. } => "transport".into(),
            SlackError::Decode { .. } => "decode".into(),
            other => other.code().unwrap_or("other").to_owned(),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            SlackError::TokenRefused { code, .. }
            | SlackError::Unavailable { code, .. }
            | SlackError::Api { code, .. } => Some(code),
            SlackError::TokenExpired { .. } => Some("token_expired"),
            SlackError::NotAuthed { .. } => Some("not_authed"),
            SlackError::MissingScope { .. } => Some("missing_scope"),
            SlackError::RateLimited { .. } => Some("ratelimited"),
            _ => None,
        }
    }
}

/// Reads an `ok: false` body (see the table in the module doc).
pub(crate) fn error_of(method: &str, body: &Value) -> SlackError {
    let code = body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown_error")
        .to_owned();
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let method = method.to_owned();
    match code.as_str() {
        c if TOKEN_REFUSED.contains(&c) => SlackError::TokenRefused { method, code },
        "token_expired" => SlackError::TokenExpired { method },
        "not_authed" => {
            tracing::error!(%method, "Slack says no token was sent: a bug in hallway");
            SlackError::NotAuthed { method }
        }
        "missing_scope" => SlackError::MissingScope {
            needed: field("needed"),
            provided: field("provided"),
        },
        "ratelimited" => SlackError::RateLimited {
            retry_after: Duration::from_secs(60),
        },
        c if MAYBE_DONE.contains(&c) || TEMPORARY.contains(&c) || MIGRATING.contains(&c) => {
            SlackError::Unavailable { method, code }
        }
        _ => SlackError::Api { method, code },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(code: &str) -> SlackError {
        error_of("chat.postMessage", &json!({"ok": false, "error": code}))
    }

    #[test]
    fn only_token_codes_say_the_token_may_be_dead() {
        for code in ["invalid_auth", "account_inactive", "token_revoked"] {
            assert!(err(code).token_may_be_dead(), "{code}");
            assert!(!err(code).is_transient(), "{code}");
        }
        for code in [
            "no_permission",
            "not_in_channel",
            "channel_not_found",
            "missing_scope",
            "not_authed",
            "token_expired",
            "org_login_required",
            "team_access_not_granted",
        ] {
            assert!(!err(code).token_may_be_dead(), "{code}");
        }
        assert_eq!(
            err("token_expired"),
            SlackError::TokenExpired {
                method: "chat.postMessage".into()
            }
        );
        assert!(matches!(err("not_authed"), SlackError::NotAuthed { .. }));
    }

    #[test]
    fn refusals_of_one_call_are_neither_temporary_nor_about_the_token() {
        for code in [
            "no_permission",
            "not_in_channel",
            "channel_not_found",
            "user_not_found",
        ] {
            let e = err(code);
            assert!(matches!(e, SlackError::Api { .. }), "{code}");
            assert!(!e.is_transient() && !e.outcome_unknown(), "{code}");
            assert_eq!(e.code(), Some(code));
        }
        let scope = error_of(
            "x",
            &json!({"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "channels:read"}),
        );
        assert_eq!(
            scope,
            SlackError::MissingScope {
                needed: "chat:write".into(),
                provided: "channels:read".into()
            }
        );
    }

    #[test]
    fn temporary_codes_retry_and_some_may_have_partly_succeeded() {
        for code in ["internal_error", "fatal_error"] {
            assert!(
                err(code).is_transient() && err(code).outcome_unknown(),
                "{code}"
            );
            assert_eq!(err(code).retry_after(), None);
        }
        for code in ["service_unavailable", "request_timeout"] {
            assert!(
                err(code).is_transient() && !err(code).outcome_unknown(),
                "{code}"
            );
        }
        for code in ["team_added_to_org", "org_login_required"] {
            assert!(err(code).is_transient(), "{code}");
            assert_eq!(err(code).retry_after(), Some(MIGRATION_BACKOFF), "{code}");
        }
        let limited = err("ratelimited");
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(60)));
        let http = |status| SlackError::Http {
            method: "m".into(),
            status,
        };
        assert!(http(503).is_transient() && http(503).outcome_unknown());
        assert!(!http(404).is_transient());
    }
}
