//! Join links: `{base}/join/<token>`, where the token is an HS256 JWT under
//! the join subkey naming the space, the room, the invite it came from and
//! whether it admits a guest. Links expire (a week by default); a changed
//! byte makes the signature fail.

use serde::{Deserialize, Serialize};

use crate::auth::app_jwt::{AppJwt, AuthError};
use crate::auth::keys::Purpose;
use crate::ids::{RoomId, SpaceId};
use crate::secrets::Secret;

pub const DEFAULT_JOIN_TTL_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinClaims {
    pub space: SpaceId,
    pub room: RoomId,
    /// The invite this link belongs to, when it came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
    /// Admits a person from outside the space's Slack team, as a guest.
    #[serde(default)]
    pub guest: bool,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("this join link has expired")]
    Expired,
    #[error("this join link is not valid (it may have been changed)")]
    Invalid,
}

pub struct JoinLinks {
    jwt: AppJwt,
}

impl JoinLinks {
    pub fn new(secret: &Secret) -> Self {
        Self {
            jwt: AppJwt::for_purpose(secret, Purpose::Join),
        }
    }

    pub fn token(&self, claims: &JoinClaims) -> String {
        self.jwt.issue(claims)
    }

    pub fn verify(&self, token: &str) -> Result<JoinClaims, JoinError> {
        self.jwt.decode(token).map_err(|e| match e {
            AuthError::Expired => JoinError::Expired,
            _ => JoinError::Invalid,
        })
    }
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

    fn claims(exp: i64) -> JoinClaims {
        JoinClaims {
            space: SpaceId::new("s1").unwrap(),
            room: RoomId::new("r1").unwrap(),
            invite: Some("inv1".into()),
            guest: false,
            exp,
        }
    }

    #[test]
    fn fresh_expired_and_tampered() {
        let links = JoinLinks::new(&Secret::new("k"));
        let token = links.token(&claims(now() + 60));
        assert_eq!(links.verify(&token).unwrap().room.as_str(), "r1");
        assert_eq!(
            links.verify(&links.token(&claims(now() - 60))),
            Err(JoinError::Expired)
        );
        let mut bytes = token.into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            links.verify(&String::from_utf8(bytes).unwrap()),
            Err(JoinError::Invalid)
        );
    }

    #[test]
    fn an_api_token_is_not_a_join_link() {
        let secret = Secret::new("k");
        let api = AppJwt::new(&secret).issue(&claims(now() + 60));
        assert_eq!(
            JoinLinks::new(&secret).verify(&api),
            Err(JoinError::Invalid)
        );
    }
}
