//! Secrets: the [`Secret`] newtype and the secret-source port.
//!
//! All of hallway's secrets travel as one set ([`Secrets`]). On Lambda they
//! come from one JSON secret in AWS Secrets Manager
//! ([`SecretsManagerSource`]), fetched once at init and cached; locally and in
//! tests they come from environment variables ([`EnvSecrets`]). Both use the
//! same key names, so a `.env` file and the JSON secret look alike.

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use tokio::sync::OnceCell;

/// A secret string. It has no `Display`, its `Debug` prints `Secret(***)`,
/// and the only way to read it is [`Secret::expose`], which is easy to grep.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Lets response types hold tokens as [`Secret`]s from the moment they are
/// parsed. There is deliberately no `Serialize`.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// The names under which each secret is found, in the environment and as keys
/// of the Secrets Manager JSON document.
pub const SIGNING_SECRET: &str = "SLACK_SIGNING_SECRET";
pub const CLIENT_ID: &str = "SLACK_CLIENT_ID";
pub const CLIENT_SECRET: &str = "SLACK_CLIENT_SECRET";
pub const TOKEN_KEY: &str = "HALLWAY_TOKEN_KEY";
pub const APP_JWT_SECRET: &str = "HALLWAY_APP_JWT_SECRET";
/// Signs the office webhook's deliveries; needed only when
/// `HALLWAY_OFFICE_WEBHOOK_URL` is set.
pub const OFFICE_WEBHOOK_SECRET: &str = "HALLWAY_OFFICE_WEBHOOK_SECRET";

/// Every secret hallway needs. All but the office webhook's are required: a
/// function fails at start-up, naming the missing one, rather than at the
/// first request that needs it (and [`crate::services::Services`] refuses a
/// webhook URL without its secret the same way).
#[derive(Clone, Debug)]
pub struct Secrets {
    pub signing_secret: Secret,
    /// Not secret by itself, but it travels with the client secret.
    pub client_id: String,
    pub client_secret: Secret,
    /// One or more base64 AES-256 keys, comma separated; the first encrypts.
    pub token_key: Secret,
    pub app_jwt_secret: Secret,
    pub office_webhook_secret: Option<Secret>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{name} is not set ({source_name}); see README \"Configuration\"")]
    Missing {
        name: &'static str,
        source_name: String,
    },
    #[error("{name} is empty ({source_name})")]
    Empty {
        name: &'static str,
        source_name: String,
    },
    #[error("secret {secret_id} is not a JSON object of strings: {reason}")]
    Malformed { secret_id: String, reason: String },
    #[error("could not read secret {secret_id} from Secrets Manager: {detail}")]
    Fetch { secret_id: String, detail: String },
}

impl Secrets {
    /// Builds the set from any key/value lookup, naming the first missing key.
    pub fn from_lookup(
        source_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SecretsError> {
        let get = |name: &'static str| -> Result<String, SecretsError> {
            match lookup(name) {
                None => Err(SecretsError::Missing {
                    name,
                    source_name: source_name.to_owned(),
                }),
                Some(v) if v.trim().is_empty() => Err(SecretsError::Empty {
                    name,
                    source_name: source_name.to_owned(),
                }),
                Some(v) => Ok(v),
            }
        };
        Ok(Self {
            signing_secret: Secret(get(SIGNING_SECRET)?),
            client_id: get(CLIENT_ID)?,
            client_secret: Secret(get(CLIENT_SECRET)?),
            token_key: Secret(get(TOKEN_KEY)?),
            app_jwt_secret: Secret(get(APP_JWT_SECRET)?),
            office_webhook_secret: lookup(OFFICE_WEBHOOK_SECRET)
                .filter(|v| !v.trim().is_empty())
                .map(Secret),
        })
    }
}

/// The secret-source port.
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn load(&self) -> Result<Secrets, SecretsError>;
}

/// Secrets from plain environment variables (or any lookup, such as a parsed
/// `.env` file layered under the environment).
pub struct EnvSecrets {
    vars: HashMap<String, String>,
}

impl EnvSecrets {
    pub fn from_env() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    pub fn from_map(vars: HashMap<String, String>) -> Self {
        Self { vars }
    }
}

#[async_trait]
impl SecretSource for EnvSecrets {
    async fn load(&self) -> Result<Secrets, SecretsError> {
        Secrets::from_lookup("environment", |k| self.vars.get(k).cloned())
    }
}

/// One JSON secret in AWS Secrets Manager, fetched on the first `load` and
/// cached for the life of the process (a Lambda sandbox).
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    cached: OnceCell<Secrets>,
}

impl SecretsManagerSource {
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
            cached: OnceCell::new(),
        }
    }

    async fn fetch(&self) -> Result<Secrets, SecretsError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| SecretsError::Fetch {
                secret_id: self.secret_id.clone(),
                detail: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            })?;
        let text = out.secret_string().ok_or_else(|| SecretsError::Malformed {
            secret_id: self.secret_id.clone(),
            reason: "it has no SecretString".into(),
        })?;
        let map: HashMap<String, String> =
            serde_json::from_str(text).map_err(|e| SecretsError::Malformed {
                secret_id: self.secret_id.clone(),
                // serde's message names the line and column, never the value.
                reason: e.to_string(),
            })?;
        Secrets::from_lookup(&format!("secret {}", self.secret_id), |k| {
            map.get(k).cloned()
        })
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSource {
    async fn load(&self) -> Result<Secrets, SecretsError> {
        self.cached.get_or_try_init(|| self.fetch()).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> HashMap<String, String> {
        [
            (SIGNING_SECRET, "sign"),
            (CLIENT_ID, "123.456"),
            (CLIENT_SECRET, "client-secret"),
            (TOKEN_KEY, "a2V5"),
            (APP_JWT_SECRET, "jwt"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("xoxb-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let set = Secrets::from_lookup("test", |k| full().get(k).cloned()).unwrap();
        let shown = format!("{set:?}");
        assert!(!shown.contains("sign\""), "{shown}");
        assert!(!shown.contains("client-secret"), "{shown}");
        assert!(!shown.contains("jwt\""), "{shown}");
    }

    #[tokio::test]
    async fn env_source_names_the_missing_variable() {
        let mut vars = full();
        vars.remove(CLIENT_SECRET);
        let err = EnvSecrets::from_map(vars).load().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "SLACK_CLIENT_SECRET is not set (environment); see README \"Configuration\""
        );
    }

    #[tokio::test]
    async fn env_source_rejects_blank_values() {
        let mut vars = full();
        vars.insert(TOKEN_KEY.into(), "  ".into());
        let err = EnvSecrets::from_map(vars).load().await.unwrap_err();
        assert!(matches!(
            err,
            SecretsError::Empty {
                name: TOKEN_KEY,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn env_source_reads_every_secret() {
        let s = EnvSecrets::from_map(full()).load().await.unwrap();
        assert_eq!(s.signing_secret.expose(), "sign");
        assert_eq!(s.client_id, "123.456");
        assert_eq!(s.app_jwt_secret.expose(), "jwt");
    }
}
