//! Bearer tokens of the office API: HS256 JWTs signed with
//! `HALLWAY_APP_JWT_SECRET`, naming the office user and their role per
//! space. The office app mints them; hallway mints them too when a person
//! signs in with Slack (those carry a session id, `sid`, and die when the
//! person signs in again elsewhere).

use std::collections::BTreeMap;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::ids::{OfficeUserId, SpaceId};
use crate::secrets::Secret;
use crate::store::Role;

/// How long a session token hallway issues lives.
pub const SESSION_TTL_SECS: i64 = 12 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    /// The office user.
    pub sub: OfficeUserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their avatar's URL (OpenID Connect's `picture`), shown when the app
    /// posts to Slack in their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Role per space, as the office app sees it.
    #[serde(default)]
    pub roles: BTreeMap<SpaceId, Role>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Set on tokens hallway issued: the session they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Why a request is refused; the message is safe to show the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("the bearer token is not a valid token")]
    Invalid,
    #[error("the bearer token has expired")]
    Expired,
    #[error("this session was ended by a newer sign-in")]
    Superseded,
    #[error("{0}")]
    Forbidden(String),
}

pub struct AppJwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for AppJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppJwt").finish_non_exhaustive()
    }
}

impl AppJwt {
    pub fn new(secret: &Secret) -> Self {
        Self::with_key(secret.expose().as_bytes())
    }

    /// For hallway's own purpose-bound tokens (see [`super::keys`]).
    pub(crate) fn with_key(key: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_aud = false;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
        }
    }

    pub fn issue<T: Serialize>(&self, claims: &T) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    pub fn verify(&self, token: &str) -> Result<AppClaims, AuthError> {
        self.decode(token)
    }

    /// A signer for one of hallway's own purposes.
    pub fn for_purpose(secret: &Secret, purpose: super::keys::Purpose) -> Self {
        Self::with_key(&super::keys::subkey(secret, purpose))
    }

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<T, AuthError> {
        jsonwebtoken::decode::<T>(token.trim(), &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })
    }
}

/// The token from an `Authorization: Bearer …` header value.
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Invalid);
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn claims(exp: i64) -> AppClaims {
        AppClaims {
            sub: OfficeUserId::new("u1").unwrap(),
            name: Some("Ada".into()),
            email: None,
            picture: None,
            roles: BTreeMap::from([(SpaceId::new("s1").unwrap(), Role::Admin)]),
            exp,
            iat: None,
            sid: None,
        }
    }

    #[test]
    fn round_trip() {
        let jwt = AppJwt::new(&Secret::new("k"));
        let c = claims(now() + 60);
        assert_eq!(jwt.verify(&jwt.issue(&c)).unwrap(), c);
    }

    #[test]
    fn wrong_key_expired_and_junk_are_refused() {
        let jwt = AppJwt::new(&Secret::new("k"));
        let other = AppJwt::new(&Secret::new("not-k")).issue(&claims(now() + 60));
        assert_eq!(jwt.verify(&other), Err(AuthError::Invalid));
        let old = jwt.issue(&claims(now() - 120));
        assert_eq!(jwt.verify(&old), Err(AuthError::Expired));
        assert_eq!(jwt.verify("a.b.c"), Err(AuthError::Invalid));
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        use base64::Engine;
        let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let body = serde_json::to_string(&claims(now() + 60)).unwrap();
        let none = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&body));
        assert_eq!(
            AppJwt::new(&Secret::new("k")).verify(&none),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn bearer_headers_are_parsed_strictly() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer(None), Err(AuthError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(AuthError::Invalid));
        assert_eq!(bearer(Some("Bearer")), Err(AuthError::Invalid));
    }
}
