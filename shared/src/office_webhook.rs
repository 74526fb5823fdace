//! The office webhook: how hallway tells the virtual office about bridged
//! DMs and channel chats.
//!
//! Each delivery is a `POST` of a JSON [`Notification`] to
//! `HALLWAY_OFFICE_WEBHOOK_URL` with three headers:
//!
//! | header | value |
//! | --- | --- |
//! | `x-hallway-delivery` | the notification's id: the same on every retry of it |
//! | `x-hallway-timestamp` | Unix seconds when this attempt was signed |
//! | `x-hallway-signature` | `v1=` + hex HMAC-SHA256 of `v1:{timestamp}:{body}` with `HALLWAY_OFFICE_WEBHOOK_SECRET` |
//!
//! Receivers check with [`verify`] (signature, and a timestamp within five
//! minutes) and refuse a delivery id they have accepted before: that turns
//! a captured request into a replay that fails, and makes hallway's retries
//! safe. Any 2xx is success; anything else, or no answer within
//! [`TIMEOUT`], is retried by the worker with backoff.

use std::time::Duration;

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::clock::SharedClock;
use crate::ids::TeamId;
use crate::secrets::Secret;
use crate::slack::verify::{self, Scheme, VerifyError};

pub const DELIVERY_HEADER: &str = "x-hallway-delivery";
pub const TIMESTAMP_HEADER: &str = "x-hallway-timestamp";
pub const SIGNATURE_HEADER: &str = "x-hallway-signature";
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

pub const SCHEME: Scheme = Scheme {
    version: "v1",
    signature_header: SIGNATURE_HEADER,
    timestamp_header: TIMESTAMP_HEADER,
};

/// What the office is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique per notification; receivers dedupe on it.
    pub id: String,
    /// `chat.message`, `chat.message_changed`, `chat.message_deleted`;
    /// `chat.channel_message`, `chat.channel_message_changed`,
    /// `chat.channel_message_deleted`, `chat.channel_bridge_stopped`.
    #[serde(rename = "type")]
    pub kind: String,
    pub team_id: TeamId,
    pub created_at: i64,
    pub data: Value,
}

/// `chat.channel_bridge_stopped`'s kind.
pub const CHANNEL_BRIDGE_STOPPED: &str = "chat.channel_bridge_stopped";

impl Notification {
    /// A channel's chat stopped reaching the office: the channel, the room
    /// it was the chat of (if mapped), why, and the office users who
    /// followed it. Each stop is its own notification (`at` in the id): a
    /// chat restarted and stopped again is news again.
    pub fn channel_bridge_stopped(
        conversation: &crate::store::Conversation,
        room: Option<(&crate::ids::SpaceId, &crate::ids::RoomId)>,
        why: crate::store::chat::Stopped,
        at: i64,
    ) -> Self {
        let team = &conversation.team_id;
        let channel = &conversation.channel_id;
        Self {
            id: format!(
                "{CHANNEL_BRIDGE_STOPPED}:{team}:{channel}:{}:{at}",
                why.as_str()
            ),
            kind: CHANNEL_BRIDGE_STOPPED.into(),
            team_id: team.clone(),
            created_at: at,
            data: serde_json::json!({
                "channel": {"id": channel, "name": conversation.name},
                "room": room.map(|(space, room)| serde_json::json!({"space_id": space, "room_id": room})),
                "reason": why.as_str(),
                "office_users": conversation.office_users,
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The office answered, but not with 2xx.
    #[error("the office answered {status}")]
    Refused { status: u16 },
    /// No answer (connection, timeout).
    #[error("the office could not be reached: {0}")]
    Unreachable(String),
}

/// Checks a delivery: returns its id for the receiver's replay check.
pub fn verify(
    secret: &Secret,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<String, VerifyError> {
    verify::verify_with(&SCHEME, secret, headers, body, now_secs)?;
    headers
        .get(DELIVERY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or(VerifyError::MissingSignature)
}

/// The sending side, built once per function.
#[derive(Clone)]
pub struct OfficeWebhook {
    http: reqwest::Client,
    url: Url,
    secret: Secret,
    clock: SharedClock,
}

impl std::fmt::Debug for OfficeWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficeWebhook")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl OfficeWebhook {
    pub fn new(url: Url, secret: Secret, clock: SharedClock) -> Self {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::client_config())
            .timeout(TIMEOUT)
            .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with a timeout builds");
        Self {
            http,
            url,
            secret,
            clock,
        }
    }

    /// One signed attempt.
    pub async fn deliver(&self, n: &Notification) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(n).expect("notifications are plain data");
        let ts = self.clock.now_secs().to_string();
        let signature = verify::sign_with(&SCHEME, &self.secret, &ts, &body);
        let resp = self
            .http
            .post(self.url.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, &n.id)
            .header(TIMESTAMP_HEADER, &ts)
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .timeout(crate::deadline::cap(TIMEOUT))
            .send()
            .await
            .map_err(|e| DeliveryError::Unreachable(without_url(&e)))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DeliveryError::Refused {
                status: status.as_u16(),
            })
        }
    }
}

/// reqwest's errors name the URL, which may carry a token in its query.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &str, ts: &str, id: Option<&str>, body: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(TIMESTAMP_HEADER, ts.parse().unwrap());
        h.insert(
            SIGNATURE_HEADER,
            verify::sign_with(&SCHEME, &Secret::new(secret), ts, body)
                .parse()
                .unwrap(),
        );
        if let Some(id) = id {
            h.insert(DELIVERY_HEADER, id.parse().unwrap());
        }
        h
    }

    #[test]
    fn verifies_signature_window_and_id() {
        let secret = Secret::new("s3cret");
        let body = br#"{"id":"n1"}"#;
        let h = signed("s3cret", "1000", Some("n1"), body);
        assert_eq!(verify(&secret, &h, body, 1_100).unwrap(), "n1");
        // Another secret, a changed body, a stale time, no id: refused.
        assert_eq!(
            verify(&Secret::new("other"), &h, body, 1_100),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &h, br#"{"id":"n2"}"#, 1_100),
            Err(VerifyError::Mismatch)
        );
        assert!(matches!(
            verify(&secret, &h, body, 1_400),
            Err(VerifyError::OutsideWindow { .. })
        ));
        assert!(verify(&secret, &signed("s3cret", "1000", None, body), body, 1_000).is_err());
        // A Slack-style v0 signature of the same bytes is not a v1 one.
        let mut slack_style = h.clone();
        slack_style.insert(
            SIGNATURE_HEADER,
            verify::sign(&secret, "1000", body).parse().unwrap(),
        );
        assert_eq!(
            verify(&secret, &slack_style, body, 1_000),
            Err(VerifyError::MalformedSignature)
        );
    }
}
