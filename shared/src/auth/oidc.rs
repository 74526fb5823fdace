//! Sign in with Slack: validating the id_token from `openid.connect.token`.
//!
//! The token must be RS256, signed by a key in Slack's JWKS
//! (`{SLACK_URL}/openid/connect/keys`, cached for an hour and refetched once
//! when an unknown key id shows up), issued by `https://slack.com`, for our
//! client id, unexpired, and carry the nonce we sent. Only then are the Slack
//! team and user read from it. It does not name the team (the decoded sample
//! on https://docs.slack.dev/reference/methods/openid.connect.token has
//! `team_id` only): that takes `openid.connect.userInfo`.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::ids::{EnterpriseId, TeamId, UserId};
use crate::secrets::Secret;
use crate::slack::{SlackClient, SlackError};

pub const ISSUER: &str = "https://slack.com";
pub const KEYS_PATH: &str = "/openid/connect/keys";
const KEYS_TTL: Duration = Duration::from_secs(3600);

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackIdentity {
    pub team_id: TeamId,
    pub user_id: UserId,
    pub enterprise_id: Option<EnterpriseId>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the id_token is not a valid Slack token: {0}")]
    Invalid(String),
    #[error("the id_token was not issued for this sign-in (nonce mismatch)")]
    Nonce,
    #[error("Slack's signing keys could not be fetched: {0}")]
    Keys(#[from] SlackError),
}

#[derive(Deserialize)]
struct Claims {
    nonce: Option<String>,
    #[serde(rename = "https://slack.com/team_id")]
    team_id: TeamId,
    #[serde(rename = "https://slack.com/user_id")]
    user_id: UserId,
    #[serde(rename = "https://slack.com/enterprise_id")]
    enterprise_id: Option<EnterpriseId>,
    name: Option<String>,
    email: Option<String>,
}

pub struct IdTokenVerifier {
    slack: SlackClient,
    client_id: String,
    keys: RwLock<Option<(JwkSet, Instant)>>,
}

impl IdTokenVerifier {
    pub fn new(slack: SlackClient, client_id: impl Into<String>) -> Self {
        Self {
            slack,
            client_id: client_id.into(),
            keys: RwLock::new(None),
        }
    }

    async fn key_set(&self, refresh: bool) -> Result<JwkSet, OidcError> {
        if !refresh
            && let Some((set, at)) = self.keys.read().await.as_ref()
            && at.elapsed() < KEYS_TTL
        {
            return Ok(set.clone());
        }
        let set: JwkSet = self.slack.get_document(KEYS_PATH).await?;
        *self.keys.write().await = Some((set.clone(), Instant::now()));
        Ok(set)
    }

    pub async fn verify(&self, id_token: &Secret, nonce: &str) -> Result<SlackIdentity, OidcError> {
        let token = id_token.expose();
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| OidcError::Invalid(format!("header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(OidcError::Invalid(format!("algorithm {:?}", header.alg)));
        }
        let kid = header
            .kid
            .ok_or_else(|| OidcError::Invalid("no key id".into()))?;
        let mut set = self.key_set(false).await?;
        if set.find(&kid).is_none() {
            set = self.key_set(true).await?;
        }
        let jwk = set
            .find(&kid)
            .ok_or_else(|| OidcError::Invalid(format!("unknown key id {kid}")))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| OidcError::Invalid(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.client_id]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| OidcError::Invalid(e.to_string()))?
            .claims;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(OidcError::Nonce);
        }
        Ok(SlackIdentity {
            team_id: claims.team_id,
            user_id: claims.user_id,
            enterprise_id: claims.enterprise_id,
            name: claims.name,
            email: claims.email,
        })
    }
}
