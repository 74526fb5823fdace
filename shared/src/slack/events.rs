//! Events API payloads.
//!
//! Parsing is two-step so that nothing Slack adds can fail a request: the
//! envelope is read with the inner `event` kept as raw JSON, then the event is
//! matched against the types we act on. A new envelope type, a new event type,
//! or a known type with a shape we do not understand all end up as
//! "acknowledge and do nothing", never as an error. Unknown fields are
//! ignored everywhere.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{AppId, EnterpriseId, EventId, TeamId, UserId};
use crate::store::directory::Person;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Envelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback(Box<EventCallback>),
    /// Slack stopped delivering for a minute (over 30,000 events per hour).
    AppRateLimited {
        team_id: Option<String>,
        minute_rate_limited: Option<i64>,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub struct EventCallback {
    pub team_id: TeamId,
    pub api_app_id: Option<AppId>,
    pub event_id: EventId,
    pub event_time: i64,
    pub event: Value,
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
    #[serde(default)]
    pub is_ext_shared_channel: bool,
    pub enterprise_id: Option<EnterpriseId>,
    pub context_team_id: Option<TeamId>,
    pub context_enterprise_id: Option<EnterpriseId>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Authorization {
    pub enterprise_id: Option<EnterpriseId>,
    pub team_id: Option<TeamId>,
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// The events hallway acts on. Each variant is handled by the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SlackEvent {
    /// The app was removed from the workspace: every token is gone.
    AppUninstalled {},
    /// Some tokens were revoked. The lists hold user ids, not tokens.
    TokensRevoked { tokens: RevokedTokens },
    /// Someone joined the workspace. Carries the person as read from
    /// Slack's user object (see [`parse_event`]).
    TeamJoin { user: Person },
    /// Someone's profile changed (or they were deactivated).
    UserChange { user: Person },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedTokens {
    /// Users whose user tokens were revoked.
    #[serde(default)]
    pub oauth: Vec<UserId>,
    /// Bot users whose bot tokens were revoked.
    #[serde(default)]
    pub bot: Vec<UserId>,
}

/// What the inner event turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Known(SlackEvent),
    /// A type we do not act on (yet).
    Unknown {
        event_type: String,
    },
    /// A type we act on, with a shape we could not read.
    Malformed {
        event_type: String,
        reason: String,
    },
}

/// The event types [`parse_event`] turns into [`SlackEvent`]s; the
/// manifest subscribes to exactly these.
pub const KNOWN_TYPES: &[&str] = &[
    "app_uninstalled",
    "tokens_revoked",
    "team_join",
    "user_change",
];

pub fn parse_event(event: &Value) -> Parsed {
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !KNOWN_TYPES.contains(&event_type.as_str()) {
        return Parsed::Unknown { event_type };
    }
    let parsed = match event_type.as_str() {
        // Slack's user object is read into our own record here, once; the
        // job then carries the record.
        "team_join" | "user_change" => {
            match Person::from_slack_json(event.get("user").unwrap_or(&Value::Null)) {
                Ok(user) if event_type == "team_join" => Ok(SlackEvent::TeamJoin { user }),
                Ok(user) => Ok(SlackEvent::UserChange { user }),
                Err(e) => Err(e),
            }
        }
        _ => SlackEvent::deserialize(event).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(known) => Parsed::Known(known),
        Err(reason) => Parsed::Malformed { event_type, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_verification_reads_the_challenge() {
        let e: Envelope = serde_json::from_value(json!({
            "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification"
        }))
        .unwrap();
        assert!(
            matches!(e, Envelope::UrlVerification { challenge } if challenge.starts_with("3eZ"))
        );
    }

    #[test]
    fn unknown_envelope_types_are_not_errors() {
        let e: Envelope = serde_json::from_value(json!({"type": "brand_new", "x": 1})).unwrap();
        assert!(matches!(e, Envelope::Unknown));
    }

    #[test]
    fn event_callbacks_keep_enterprise_fields_and_ignore_unknown_ones() {
        let e: Envelope = serde_json::from_value(json!({
            "type": "event_callback", "token": "x", "team_id": "T1", "api_app_id": "A1",
            "event": {"type": "app_uninstalled", "event_ts": "1.2"},
            "event_id": "Ev1", "event_time": 1700000000,
            "authorizations": [{"enterprise_id": "E1", "team_id": "T1", "user_id": "U1",
                                "is_bot": true, "is_enterprise_install": false}],
            "is_ext_shared_channel": false, "context_team_id": "T1",
            "context_enterprise_id": null, "something_new": {"nested": true}
        }))
        .unwrap();
        let Envelope::EventCallback(cb) = e else {
            panic!("not a callback")
        };
        assert_eq!(
            cb.authorizations[0]
                .enterprise_id
                .as_ref()
                .unwrap()
                .as_str(),
            "E1"
        );
        assert_eq!(
            parse_event(&cb.event),
            Parsed::Known(SlackEvent::AppUninstalled {})
        );
    }

    #[test]
    fn tokens_revoked_lists_user_ids() {
        let parsed = parse_event(&json!({
            "type": "tokens_revoked",
            "tokens": {"oauth": ["U1", "U2"], "bot": ["U3"]},
            "event_ts": "1.2"
        }));
        let Parsed::Known(SlackEvent::TokensRevoked { tokens }) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(tokens.oauth.len(), 2);
        assert_eq!(tokens.bot[0].as_str(), "U3");
        // Either list may be missing.
        assert!(matches!(
            parse_event(&json!({"type": "tokens_revoked", "tokens": {"bot": ["U3"]}})),
            Parsed::Known(_)
        ));
    }

    #[test]
    fn unknown_and_malformed_events_are_told_apart() {
        assert_eq!(
            parse_event(&json!({"type": "reaction_added"})),
            Parsed::Unknown {
                event_type: "reaction_added".into()
            }
        );
        assert_eq!(
            parse_event(&json!({"no_type": true})),
            Parsed::Unknown {
                event_type: String::new()
            }
        );
        assert!(matches!(
            parse_event(&json!({"type": "tokens_revoked", "tokens": "nope"})),
            Parsed::Malformed { .. }
        ));
    }

    #[test]
    fn user_events_carry_the_person() {
        let user = json!({"id": "U0NEW", "team_id": "T1", "name": "newbie", "deleted": false,
            "real_name": "New Bie", "profile": {"display_name": "nb", "real_name": "New Bie"},
            "is_bot": false, "updated": 1_700_000_500});
        let Parsed::Known(SlackEvent::TeamJoin { user: p }) =
            parse_event(&json!({"type": "team_join", "user": user, "event_ts": "1.2"}))
        else {
            panic!()
        };
        assert_eq!(
            (p.id.as_str(), p.label(), p.updated),
            ("U0NEW", "nb", 1_700_000_500)
        );
        assert!(matches!(
            parse_event(
                &json!({"type": "user_change", "user": user, "cache_ts": 1, "event_ts": "1.2"})
            ),
            Parsed::Known(SlackEvent::UserChange { .. })
        ));
        assert!(matches!(
            parse_event(&json!({"type": "user_change", "event_ts": "1.2"})),
            Parsed::Malformed { .. }
        ));
        // The job carries our record, and reads it back.
        let e = SlackEvent::TeamJoin { user: p };
        let back: SlackEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn known_events_round_trip_through_json() {
        let e = SlackEvent::TokensRevoked {
            tokens: RevokedTokens {
                oauth: vec![],
                bot: vec![UserId::new("U3").unwrap()],
            },
        };
        let back: SlackEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }
}
