//! The typed configuration, read once from the environment at start-up.
//!
//! On Lambda every variable without a default must be set, and a missing or
//! malformed one stops the function at init with a message naming it (a
//! Lambda that fails init is retried and shows the message in its logs,
//! which is better than failing the first Slack request). The local bundle
//! fills in local defaults instead ([`LOCAL_BASE_URL`], the embedded store,
//! the in-process queue; the README's "Configuration" table lists them).

use url::Url;

/// Where the process runs, which decides the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A Lambda function: no local defaults for URLs or the queue.
    Lambda,
    /// The local bundle: local defaults, in-process queue, embedded store.
    Local,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Public base URL of our endpoints (redirect URIs, join links).
    pub base_url: Url,
    /// The virtual office app, where Join lands.
    pub app_url: Url,
    /// DynamoDB table name.
    pub table: String,
    /// SQS queue URL; `None` means the in-process queue (local only).
    pub queue_url: Option<String>,
    /// The queue's dead-letter queue, where the worker sends a job that
    /// cannot succeed or spent its attempts. Only the worker needs it;
    /// without it such jobs wait for the redrive policy's `maxReceiveCount`.
    pub dead_letter_queue_url: Option<String>,
    /// Secrets Manager secret id; `None` means secrets from the environment.
    pub secret_id: Option<String>,
    /// Slack's base URL: Web API at `/api/{method}`, OAuth pages beside it.
    pub slack_url: Url,
    /// Where the office is told about bridged DMs (signed POSTs); `None`
    /// keeps them stored only (the office reads them through the API).
    pub office_webhook_url: Option<Url>,
    /// `conversations.history` calls per minute per workspace the API may
    /// make for chat history (1 for new non-Marketplace apps, 50 for others).
    pub history_per_minute: u32,
    /// The slash command's name as the Slack app declares it (the manifest
    /// and the texts that tell people what to type say this one).
    pub command: String,
    /// Which connections a Lambda function opens during init; `None`: the
    /// function's own choice (see `Services::for_lambda`).
    pub warm_up: Option<WarmUp>,
}

/// The connections a function opens during init, before its first request:
/// each costs init a round trip and saves the first request one connect
/// (and on real AWS a TLS handshake). A function opens the ones its
/// answers use; `HALLWAY_WARM_UP` overrides that, to measure with and
/// without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WarmUp {
    /// DynamoDB connections: as many as the function's requests use at
    /// once (the worker runs teams side by side).
    pub table: u8,
    pub queue: bool,
    pub slack: bool,
}

impl WarmUp {
    pub const NONE: Self = Self {
        table: 0,
        queue: false,
        slack: false,
    };

    /// `table` (one connection) or `table=N`, `queue`, `slack`, in any
    /// order and subset, or `none`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut warm = Self::NONE;
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None if part == "table" => warm.table = 1,
                Some(("table", n)) => {
                    warm.table = n
                        .trim()
                        .parse()
                        .ok()
                        .filter(|n| (1..=16).contains(n))
                        .ok_or_else(|| format!("table={n}: 1 to 16 connections"))?;
                }
                None if part == "queue" => warm.queue = true,
                None if part == "slack" => warm.slack = true,
                None if part == "none" => {}
                _ => {
                    return Err(format!(
                        "{part:?} is not a connection: table (or table=N), queue, slack or none"
                    ));
                }
            }
        }
        Ok(warm)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set; see README \"Configuration\"")]
    Missing(&'static str),
    #[error("{var} is not valid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

pub const BASE_URL: &str = "HALLWAY_BASE_URL";
pub const APP_URL: &str = "HALLWAY_APP_URL";
pub const TABLE: &str = "HALLWAY_TABLE";
pub const QUEUE_URL: &str = "HALLWAY_QUEUE_URL";
pub const DEAD_LETTER_QUEUE_URL: &str = "HALLWAY_DEAD_LETTER_QUEUE_URL";
pub const SECRET_ID: &str = "HALLWAY_SECRET_ID";
pub const SLACK_URL: &str = "SLACK_URL";
pub const OFFICE_WEBHOOK_URL: &str = "HALLWAY_OFFICE_WEBHOOK_URL";
pub const HISTORY_PER_MINUTE: &str = "HALLWAY_HISTORY_PER_MINUTE";
pub const COMMAND: &str = "HALLWAY_COMMAND";
pub const WARM_UP: &str = "HALLWAY_WARM_UP";

/// The slash command an app gets unless `HALLWAY_COMMAND` names another.
pub const DEFAULT_COMMAND: &str = "/hallway";

/// Slack's strictest `conversations.history` budget (commercially
/// distributed apps outside the Marketplace created after 2025-05-29):
/// one call a minute per workspace, 15 messages a call.
pub const DEFAULT_HISTORY_PER_MINUTE: u32 = 1;

pub const LOCAL_BASE_URL: &str = "http://127.0.0.1:3000";
pub const DEFAULT_SLACK_URL: &str = "https://slack.com";

impl Config {
    pub fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        Self::from_lookup(mode, |k| std::env::var(k).ok())
    }

    pub fn from_lookup(
        mode: Mode,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());
        let local = mode == Mode::Local;

        let base_url = match get(BASE_URL) {
            Some(v) => parse_url(BASE_URL, &v)?,
            None if local => parse_url(BASE_URL, LOCAL_BASE_URL)?,
            None => return Err(ConfigError::Missing(BASE_URL)),
        };
        let app_url = match get(APP_URL) {
            Some(v) => parse_url(APP_URL, &v)?,
            None if local => base_url.join("app").map_err(|e| ConfigError::Invalid {
                var: APP_URL,
                reason: e.to_string(),
            })?,
            None => return Err(ConfigError::Missing(APP_URL)),
        };
        let table = get(TABLE).unwrap_or_else(|| "hallway".to_owned());
        if !table
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            || !(3..=255).contains(&table.len())
        {
            return Err(ConfigError::Invalid {
                var: TABLE,
                reason: "a DynamoDB table name is 3-255 of [A-Za-z0-9_.-]".into(),
            });
        }
        let queue_url = match get(QUEUE_URL) {
            Some(v) => {
                parse_url(QUEUE_URL, &v)?;
                Some(v)
            }
            None if local => None,
            None => return Err(ConfigError::Missing(QUEUE_URL)),
        };
        let dead_letter_queue_url = match get(DEAD_LETTER_QUEUE_URL) {
            Some(v) => {
                parse_url(DEAD_LETTER_QUEUE_URL, &v)?;
                Some(v)
            }
            None => None,
        };
        let slack_url = parse_url(
            SLACK_URL,
            &get(SLACK_URL).unwrap_or_else(|| DEFAULT_SLACK_URL.to_owned()),
        )?;
        let office_webhook_url = match get(OFFICE_WEBHOOK_URL) {
            Some(v) => Some(parse_url(OFFICE_WEBHOOK_URL, &v)?),
            None => None,
        };
        let history_per_minute = match get(HISTORY_PER_MINUTE) {
            None => DEFAULT_HISTORY_PER_MINUTE,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: HISTORY_PER_MINUTE,
                        reason: "a whole number of calls per minute, 1-100".into(),
                    });
                }
            },
        };
        let command = match get(COMMAND) {
            None => DEFAULT_COMMAND.to_owned(),
            Some(v) => parse_command(&v).map_err(|reason| ConfigError::Invalid {
                var: COMMAND,
                reason,
            })?,
        };
        let warm_up = match get(WARM_UP) {
            None => None,
            Some(v) => Some(WarmUp::parse(&v).map_err(|reason| ConfigError::Invalid {
                var: WARM_UP,
                reason,
            })?),
        };
        Ok(Self {
            base_url,
            app_url,
            table,
            queue_url,
            dead_letter_queue_url,
            secret_id: get(SECRET_ID),
            slack_url,
            office_webhook_url,
            history_per_minute,
            command,
            warm_up,
        })
    }

    /// A URL under our public base, e.g. `endpoint("/slack/events")`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}

/// A slash command name as Slack accepts it: `/` and 1-31 lowercase letters,
/// digits, `-` or `_` (Slack lowercases names and allows 32 characters).
pub fn parse_command(value: &str) -> Result<String, String> {
    let v = value.trim();
    let name = v.strip_prefix('/').unwrap_or("");
    if (1..=31).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
    {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "{v:?} is not a slash command: `/` then 1-31 of a-z, 0-9, - and _"
        ))
    }
}

fn parse_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| ConfigError::Invalid {
        var,
        reason: format!("{e} (expected an absolute http(s) URL)"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::Invalid {
            var,
            reason: format!("scheme {} is not http or https", url.scheme()),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn local_mode_has_the_documented_defaults() {
        let c = Config::from_lookup(Mode::Local, lookup(&[])).unwrap();
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(c.app_url.as_str(), "http://127.0.0.1:3000/app");
        assert_eq!(c.table, "hallway");
        assert_eq!(c.queue_url, None);
        assert_eq!(c.secret_id, None);
        assert_eq!(c.slack_url.as_str(), "https://slack.com/");
        assert_eq!(
            c.endpoint("/slack/events"),
            "http://127.0.0.1:3000/slack/events"
        );
    }

    #[test]
    fn lambda_mode_names_the_first_missing_variable() {
        let err = Config::from_lookup(Mode::Lambda, lookup(&[])).unwrap_err();
        assert_eq!(err, ConfigError::Missing(BASE_URL));
        assert_eq!(
            err.to_string(),
            "HALLWAY_BASE_URL is not set; see README \"Configuration\""
        );
        let err = Config::from_lookup(
            Mode::Lambda,
            lookup(&[
                (BASE_URL, "https://h.example"),
                (APP_URL, "https://o.example"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err, ConfigError::Missing(QUEUE_URL));
    }

    #[test]
    fn malformed_values_are_named() {
        let err =
            Config::from_lookup(Mode::Local, lookup(&[(SLACK_URL, "slack.com")])).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { var: SLACK_URL, .. }),
            "{err}"
        );
        let err = Config::from_lookup(Mode::Local, lookup(&[(BASE_URL, "ftp://x")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: BASE_URL, .. }));
        let err = Config::from_lookup(Mode::Local, lookup(&[(TABLE, "a b")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: TABLE, .. }));
    }

    #[test]
    fn lambda_mode_reads_everything() {
        let c = Config::from_lookup(
            Mode::Lambda,
            lookup(&[
                (BASE_URL, "https://h.example/"),
                (APP_URL, "https://office.example/app"),
                (
                    QUEUE_URL,
                    "https://sqs.us-east-1.amazonaws.com/1/hallway-jobs",
                ),
                (SECRET_ID, "hallway/prod"),
                (TABLE, "hallway-prod"),
                (SLACK_URL, "http://127.0.0.1:9999"),
            ]),
        )
        .unwrap();
        assert_eq!(c.secret_id.as_deref(), Some("hallway/prod"));
        assert_eq!(c.table, "hallway-prod");
        assert_eq!(c.endpoint("/x"), "https://h.example/x");
    }

    #[test]
    fn the_command_name_is_configurable_and_checked() {
        let c = Config::from_lookup(Mode::Local, lookup(&[])).unwrap();
        assert_eq!(c.command, "/hallway");
        assert_eq!(c.warm_up, None);
        let c = Config::from_lookup(Mode::Local, lookup(&[(COMMAND, " /office_2 ")])).unwrap();
        assert_eq!(c.command, "/office_2");
        for bad in [
            "office",
            "/",
            "/Office",
            "/two words",
            "/a23456789012345678901234567890123",
        ] {
            let err = Config::from_lookup(Mode::Local, lookup(&[(COMMAND, bad)])).unwrap_err();
            assert!(
                matches!(err, ConfigError::Invalid { var: COMMAND, .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn warm_up_names_connections_or_none() {
        assert_eq!(
            WarmUp::parse("table,queue").unwrap(),
            WarmUp {
                table: 1,
                queue: true,
                slack: false
            }
        );
        assert_eq!(WarmUp::parse("slack, table=4").unwrap().table, 4);
        assert_eq!(WarmUp::parse("none").unwrap(), WarmUp::NONE);
        assert!(WarmUp::parse("table=0").is_err());
        assert!(WarmUp::parse("cache").is_err());
    }
}
