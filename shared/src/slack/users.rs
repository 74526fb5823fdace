//! Slack's user object, read leniently: one odd user must never fail a
//! `user_change`, a `team_join` or a whole `users.list` page.
//!
//! slack-morphism's `SlackUser` is strict where Slack is not: it rejects
//! `"profile": {"fields": []}` (Slack documents `fields` as an object, but
//! sends an empty array in `user_change` events and elsewhere; reported in
//! several SDKs' trackers, e.g. slack-rs and HubSpot's slack-client), and its
//! typed e-mail, phone and date fields fail on values Slack does send. This
//! type reads only what hallway uses, every field optional, and a field of an
//! unexpected type reads as absent instead of failing the user.
//!
//! Flags, from the user object reference
//! (<https://docs.slack.dev/reference/objects/user-object>):
//! - `is_bot`: a bot user. Slackbot (`USLACKBOT`) is not marked `is_bot`.
//! - `is_app_user`: "an authorized user of the calling app" — a person who
//!   granted the app user scopes. It does **not** mean bot: exactly the
//!   people who link their Slack account to hallway carry it.
//! - `is_restricted` / `is_ultra_restricted`: multi- and single-channel
//!   guests.
//! - `is_stranger`: someone of another organisation met in a Slack Connect
//!   channel; their `team_id` is their own organisation's.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Slackbot's user id: not a person, and not flagged `is_bot` either.
pub const SLACKBOT: &str = "USLACKBOT";

/// A user object as `users.list`, `users.info`, `users.lookupByEmail`,
/// `team_join` and `user_change` carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UserObject {
    #[serde(default, deserialize_with = "lenient")]
    pub id: String,
    /// The user's own workspace (another organisation's for Slack Connect
    /// strangers).
    #[serde(default, deserialize_with = "lenient")]
    pub team_id: Option<String>,
    /// The handle.
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub real_name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub deleted: bool,
    #[serde(default, deserialize_with = "lenient")]
    pub is_bot: bool,
    /// A person who authorized this app (see the module doc): not a bot.
    #[serde(default, deserialize_with = "lenient")]
    pub is_app_user: bool,
    #[serde(default, deserialize_with = "lenient")]
    pub is_restricted: bool,
    #[serde(default, deserialize_with = "lenient")]
    pub is_ultra_restricted: bool,
    #[serde(default, deserialize_with = "lenient")]
    pub is_stranger: bool,
    #[serde(default, deserialize_with = "lenient")]
    pub tz: Option<String>,
    /// Seconds; orders two copies of the same person.
    #[serde(default, deserialize_with = "lenient")]
    pub updated: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub profile: Profile,
    /// Enterprise Grid: the user's organisation-wide identity.
    #[serde(default, deserialize_with = "lenient")]
    pub enterprise_user: Option<EnterpriseUser>,
    /// `sv-SE`, `en-US`…: only when asked for with `include_locale`
    /// (api.slack.com/changelog/2017-09-locale-locale-locale).
    #[serde(default, deserialize_with = "lenient")]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Profile {
    #[serde(default, deserialize_with = "lenient")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub real_name: Option<String>,
    /// Only with `users:read.email`.
    #[serde(default, deserialize_with = "lenient")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_24: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_32: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_48: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_72: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_192: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub image_512: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EnterpriseUser {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub enterprise_id: Option<String>,
}

impl UserObject {
    /// Reads a user object; `Err` only when there is no user id at all.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let user = Self::deserialize(value).map_err(|e| format!("not a Slack user: {e}"))?;
        if user.id.is_empty() {
            return Err("a Slack user without an id".into());
        }
        Ok(user)
    }

    /// A bot user or Slackbot (never an app user: see the module doc).
    pub fn is_bot_user(&self) -> bool {
        self.is_bot || self.id == SLACKBOT
    }

    /// The 192 px image suits both a list and a profile; otherwise the
    /// largest there is.
    pub fn avatar(&self) -> Option<&str> {
        let p = &self.profile;
        [
            &p.image_192,
            &p.image_512,
            &p.image_72,
            &p.image_48,
            &p.image_32,
            &p.image_24,
        ]
        .into_iter()
        .find_map(|i| i.as_deref().filter(|s| !s.is_empty()))
    }
}

/// A field of the expected type, or its default when Slack sent something
/// else (`[]` for an object, a number for a string, `null`).
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = Value::deserialize(d)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_shapes_read_as_absent_not_as_errors() {
        let u = UserObject::from_json(&json!({
            "id": "U1", "name": 7, "deleted": "no", "is_app_user": true,
            "profile": {"fields": [], "email": {"odd": 1}, "display_name": "ada",
                        "image_72": "https://a/72.png"},
            "updated": "soon", "enterprise_user": []
        }))
        .unwrap();
        assert_eq!(u.id, "U1");
        assert_eq!(u.name, None);
        assert!(!u.deleted);
        assert!(u.is_app_user && !u.is_bot_user(), "an app user is a person");
        assert_eq!(u.profile.display_name.as_deref(), Some("ada"));
        assert_eq!(u.profile.email, None);
        assert_eq!(u.avatar(), Some("https://a/72.png"));
        assert_eq!(u.updated, None);
        assert_eq!(u.enterprise_user.and_then(|e| e.id), None);
    }

    #[test]
    fn a_profile_that_is_not_an_object_reads_as_empty() {
        let u = UserObject::from_json(&json!({"id": "U1", "profile": []})).unwrap();
        assert_eq!(u.profile, Profile::default());
        assert!(UserObject::from_json(&json!({"name": "no id"})).is_err());
        assert!(UserObject::from_json(&json!({"id": 5})).is_err());
        assert!(UserObject::from_json(&json!([])).is_err());
    }

    #[test]
    fn slackbot_is_a_bot_user_though_not_flagged() {
        let u = UserObject::from_json(&json!({"id": "USLACKBOT", "is_bot": false})).unwrap();
        assert!(u.is_bot_user());
    }
}
