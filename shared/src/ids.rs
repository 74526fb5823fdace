//! Newtypes for Slack and office identifiers.
//!
//! Ids end up inside table keys, where `#` separates key parts, so every id is
//! checked once at the edge: non-empty, at most 255 bytes, and made only of
//! ASCII letters, digits, `-`, `_` and `.`. A value that fails the check never
//! becomes an id, so no key can be forged by a crafted id.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be 1-255 characters of letters, digits, '-', '_' or '.', got {value:?}")]
pub struct InvalidId {
    pub kind: &'static str,
    pub value: String,
}

fn check(kind: &'static str, value: &str) -> Result<(), InvalidId> {
    let ok = !value.is_empty()
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(InvalidId {
            kind,
            value: value.chars().take(64).collect(),
        })
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                check($kind, &value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidId;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A Slack workspace (`T…`).
    TeamId,
    "team id"
);
id_type!(
    /// A Slack Enterprise Grid organisation (`E…`).
    EnterpriseId,
    "enterprise id"
);
id_type!(
    /// A Slack user (`U…`, or `W…` in Enterprise Grid).
    UserId,
    "Slack user id"
);
id_type!(
    /// A Slack conversation (`C…`, `G…`, `D…`).
    ChannelId,
    "channel id"
);
id_type!(
    /// A Slack app (`A…`).
    AppId,
    "app id"
);
id_type!(
    /// An Events API delivery (`Ev…`), globally unique: the dedupe key.
    EventId,
    "event id"
);
id_type!(
    /// A Slack message's `ts` (`1732435200.000100`): its id within its
    /// conversation, and its place in the conversation's order.
    MessageTs,
    "message ts"
);
id_type!(
    /// A space of the virtual office.
    SpaceId,
    "space id"
);
id_type!(
    /// A room inside a space.
    RoomId,
    "room id"
);
id_type!(
    /// A person of the virtual office.
    OfficeUserId,
    "office user id"
);

/// A fresh, time-ordered identifier (UUID v7, simple form) for office objects.
pub fn new_ordered_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// 32 random bytes, base64url without padding (43 characters): state
/// values, login tokens, session ids.
pub fn random_token() -> String {
    use base64::Engine;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).expect("the operating system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Whether a value could have come from [`random_token`] (checked before any
/// lookup, so junk never reaches the table).
pub fn is_random_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slack_shaped_ids() {
        for ok in ["T1DC2JH3J", "U2CERLKJA", "W012ABC", "Ev08MFMKH6", "a-b_c.d"] {
            assert!(UserId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_key_separators_and_junk() {
        for bad in ["", "T1#X", "a b", "<@U1>", "é", &"x".repeat(256)] {
            let err = TeamId::new(bad).unwrap_err();
            assert_eq!(err.kind, "team id");
        }
    }

    #[test]
    fn deserialising_checks_the_value() {
        let ok: TeamId = serde_json::from_str("\"T1\"").unwrap();
        assert_eq!(ok.as_str(), "T1");
        assert!(serde_json::from_str::<TeamId>("\"T#1\"").is_err());
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"T1\"");
    }

    #[test]
    fn random_tokens_are_distinct_and_recognised() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert!(is_random_token(&a));
        assert!(!is_random_token("short"));
        assert!(!is_random_token(&"#".repeat(43)));
    }

    #[test]
    fn ordered_ids_sort_by_creation() {
        let a = new_ordered_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_ordered_id();
        assert!(a < b);
        assert!(SpaceId::new(a).is_ok());
    }
}
