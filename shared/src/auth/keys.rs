//! Purpose-bound subkeys of `HALLWAY_APP_JWT_SECRET`.
//!
//! The office app and hallway share the secret itself for API tokens. Every
//! token hallway makes for its own use is signed with
//! `HMAC-SHA256(secret, "hallway/<purpose>")` instead, so a join link cannot
//! be replayed as an API token, nor a state value as a cookie.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secrets::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    OAuthState,
    Join,
    Browser,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::OAuthState => "hallway/oauth-state",
            Purpose::Join => "hallway/join",
            Purpose::Browser => "hallway/browser",
        }
    }
}

/// The subkey for one purpose.
pub fn subkey(secret: &Secret, purpose: Purpose) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(purpose.label().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// HMAC-SHA256 of `data` under the purpose's subkey, hex.
pub fn sign(secret: &Secret, purpose: Purpose, data: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&subkey(secret, purpose))
        .expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time check of [`sign`]'s output.
pub fn verify(secret: &Secret, purpose: Purpose, data: &str, signature_hex: &str) -> bool {
    let Ok(given) = hex::decode(signature_hex) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&subkey(secret, purpose))
        .expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_get_different_keys() {
        let s = Secret::new("shared");
        assert_ne!(subkey(&s, Purpose::Join), subkey(&s, Purpose::Browser));
        assert_ne!(subkey(&s, Purpose::Join), s.expose().as_bytes());
    }

    #[test]
    fn signatures_check_data_purpose_and_secret() {
        let s = Secret::new("shared");
        let sig = sign(&s, Purpose::OAuthState, "abc");
        assert!(verify(&s, Purpose::OAuthState, "abc", &sig));
        assert!(!verify(&s, Purpose::OAuthState, "abd", &sig));
        assert!(!verify(&s, Purpose::Join, "abc", &sig));
        assert!(!verify(
            &Secret::new("other"),
            Purpose::OAuthState,
            "abc",
            &sig
        ));
        assert!(!verify(&s, Purpose::OAuthState, "abc", "zz"));
    }
}
