//! Where the local bundle finds its settings: the environment first, then a
//! `.env` file, then (only with the fake Slack, or for `replay`) built-in
//! development values, so `hallway-local serve --slack fake` runs on a fresh
//! clone with nothing configured. Every development value used is reported
//! at start-up; none of them is a real secret.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use hallway::secrets::{
    APP_JWT_SECRET, CLIENT_ID, CLIENT_SECRET, OFFICE_WEBHOOK_SECRET, SIGNING_SECRET, TOKEN_KEY,
};

/// Development values for the offline bundle. They match the fake Slack's
/// default app, so OAuth against it works out of the box.
pub const DEV_DEFAULTS: &[(&str, &str)] = &[
    (SIGNING_SECRET, "hallway-local-signing-secret"),
    (CLIENT_ID, "1111111111.2222222222"),
    (CLIENT_SECRET, "fake-client-secret"),
    // base64 of "hallway-local-dev-key-32-bytes!!"
    (TOKEN_KEY, "aGFsbHdheS1sb2NhbC1kZXYta2V5LTMyLWJ5dGVzISE="),
    (APP_JWT_SECRET, "hallway-local-jwt-secret"),
    (OFFICE_WEBHOOK_SECRET, "hallway-local-office-webhook-secret"),
];

pub struct Settings {
    env: HashMap<String, String>,
    dotenv: HashMap<String, String>,
    dev_defaults: bool,
}

impl Settings {
    /// Reads the environment and, if it exists, the `.env` file.
    pub fn load(env_file: &Path, dev_defaults: bool) -> anyhow::Result<Self> {
        let mut dotenv = HashMap::new();
        if env_file.exists() {
            for item in dotenvy::from_path_iter(env_file)
                .with_context(|| format!("reading {}", env_file.display()))?
            {
                let (k, v) = item.with_context(|| format!("parsing {}", env_file.display()))?;
                dotenv.insert(k, v);
            }
        }
        Ok(Self {
            env: std::env::vars().collect(),
            dotenv,
            dev_defaults,
        })
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.env
            .get(key)
            .or_else(|| self.dotenv.get(key))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .or_else(|| {
                self.dev_defaults
                    .then(|| DEV_DEFAULTS.iter().find(|(k, _)| *k == key))
                    .flatten()
                    .map(|(_, v)| (*v).to_owned())
            })
    }

    /// The development values that are in use (nothing else set them).
    pub fn defaults_in_use(&self) -> Vec<&'static str> {
        if !self.dev_defaults {
            return Vec::new();
        }
        DEV_DEFAULTS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| {
                self.env
                    .get(*k)
                    .or_else(|| self.dotenv.get(*k))
                    .is_none_or(|v| v.trim().is_empty())
            })
            .collect()
    }

    /// Overrides a value (e.g. `SLACK_URL` once the fake Slack is up).
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.env.insert(key.to_owned(), value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_fills_in_and_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "HALLWAY_TEST_ONLY_A=from-file\nSLACK_CLIENT_ID=file-id\n",
        )
        .unwrap();
        let mut s = Settings::load(&path, true).unwrap();
        assert_eq!(s.get("HALLWAY_TEST_ONLY_A").as_deref(), Some("from-file"));
        s.set("HALLWAY_TEST_ONLY_A", "override");
        assert_eq!(s.get("HALLWAY_TEST_ONLY_A").as_deref(), Some("override"));
        // The file's value beats the development default and is not reported.
        if std::env::var(CLIENT_ID).is_err() {
            assert_eq!(s.get(CLIENT_ID).as_deref(), Some("file-id"));
            assert!(!s.defaults_in_use().contains(&CLIENT_ID));
        }
    }

    #[test]
    fn development_values_only_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.env");
        let strict = Settings::load(&missing, false).unwrap();
        assert!(strict.defaults_in_use().is_empty());
        if std::env::var(APP_JWT_SECRET).is_err() {
            assert_eq!(strict.get(APP_JWT_SECRET), None);
            let relaxed = Settings::load(&missing, true).unwrap();
            assert_eq!(
                relaxed.get(APP_JWT_SECRET).as_deref(),
                Some("hallway-local-jwt-secret")
            );
            assert!(relaxed.defaults_in_use().contains(&APP_JWT_SECRET));
        }
    }

    #[test]
    fn the_dev_token_key_is_a_valid_aes_key() {
        let key = DEV_DEFAULTS
            .iter()
            .find(|(k, _)| *k == TOKEN_KEY)
            .unwrap()
            .1;
        hallway::crypto::TokenCipher::from_secret(&hallway::secrets::Secret::new(key)).unwrap();
    }
}
