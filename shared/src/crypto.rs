//! Encryption of Slack tokens at rest: AES-256-GCM, a fresh 96-bit nonce per
//! value, and the key id stored beside the ciphertext so keys can rotate.
//!
//! `HALLWAY_TOKEN_KEY` holds one or more base64 32-byte keys separated by
//! commas. The first one encrypts; all of them decrypt, so rotation is: put
//! the new key first, keep the old one after it until every stored token has
//! been rewritten, then drop it. A key's id is the first 8 hex digits of its
//! SHA-256, so ids never need configuring and never reveal the key.
//!
//! Each value is bound to its context (for example `bot:T123`) as associated
//! data: a ciphertext copied onto another team's item does not decrypt.
//!
//! Sealed form: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::secrets::Secret;

const NONCE_LEN: usize = 12;
const VERSION: &str = "v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("HALLWAY_TOKEN_KEY must be base64 of 32 bytes (key #{index} is not)")]
    BadKey { index: usize },
    #[error("HALLWAY_TOKEN_KEY holds no key")]
    NoKey,
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("no configured key has id {0}; was HALLWAY_TOKEN_KEY rotated too early?")]
    UnknownKey(String),
    #[error("the sealed value does not decrypt with its key and context")]
    Decrypt,
    #[error("the operating system's random source failed")]
    Random,
}

struct KeyEntry {
    id: String,
    cipher: Aes256Gcm,
}

/// Seals and opens token values. Built once at start-up.
pub struct TokenCipher {
    keys: Vec<KeyEntry>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("TokenCipher")
            .field("key_ids", &ids)
            .finish()
    }
}

impl TokenCipher {
    pub fn from_secret(secret: &Secret) -> Result<Self, CryptoError> {
        let mut keys = Vec::new();
        for (index, part) in secret
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let bytes = STANDARD
                .decode(part)
                .map_err(|_| CryptoError::BadKey { index: index + 1 })?;
            if bytes.len() != 32 {
                return Err(CryptoError::BadKey { index: index + 1 });
            }
            let id = hex::encode(&Sha256::digest(&bytes)[..4]);
            let key = Key::<Aes256Gcm>::try_from(bytes.as_slice())
                .map_err(|_| CryptoError::BadKey { index: index + 1 })?;
            keys.push(KeyEntry {
                id,
                cipher: Aes256Gcm::new(&key),
            });
        }
        if keys.is_empty() {
            return Err(CryptoError::NoKey);
        }
        Ok(Self { keys })
    }

    /// A new random key in the form `HALLWAY_TOKEN_KEY` expects.
    pub fn generate_key() -> Result<String, CryptoError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|_| CryptoError::Random)?;
        Ok(STANDARD.encode(key))
    }

    /// The id of the key that encrypts new values.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn seal(&self, plaintext: &Secret, context: &str) -> Result<String, CryptoError> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let ciphertext = key
            .cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plaintext.expose().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!(
            "{VERSION}.{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Secret, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.to_owned()))?;
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Malformed)?;
        if blob.len() <= NONCE_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        let plain = key
            .cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Whether a sealed value was made with an older key and should be
    /// rewritten.
    pub fn needs_reseal(&self, sealed: &str) -> bool {
        sealed
            .split('.')
            .nth(1)
            .is_some_and(|kid| kid != self.current_key_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(keys: &str) -> TokenCipher {
        TokenCipher::from_secret(&Secret::new(keys)).unwrap()
    }

    #[test]
    fn round_trip() {
        let k = TokenCipher::generate_key().unwrap();
        let c = cipher(&k);
        let sealed = c.seal(&Secret::new("xoxb-123-abc"), "bot:T1").unwrap();
        assert!(sealed.starts_with(&format!("v1.{}.", c.current_key_id())));
        assert!(!sealed.contains("xoxb"));
        assert_eq!(c.open(&sealed, "bot:T1").unwrap().expose(), "xoxb-123-abc");
    }

    #[test]
    fn same_plaintext_seals_differently_each_time() {
        let c = cipher(&TokenCipher::generate_key().unwrap());
        let a = c.seal(&Secret::new("t"), "x").unwrap();
        let b = c.seal(&Secret::new("t"), "x").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn wrong_key_is_refused() {
        let a = cipher(&TokenCipher::generate_key().unwrap());
        let b = cipher(&TokenCipher::generate_key().unwrap());
        let sealed = a.seal(&Secret::new("xoxb"), "bot:T1").unwrap();
        assert!(matches!(
            b.open(&sealed, "bot:T1"),
            Err(CryptoError::UnknownKey(_))
        ));
        // Same id but different key material: forge the id and expect a
        // decryption failure, not garbage.
        let forged = sealed.replacen(a.current_key_id(), b.current_key_id(), 1);
        assert_eq!(b.open(&forged, "bot:T1").unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn wrong_context_is_refused() {
        let c = cipher(&TokenCipher::generate_key().unwrap());
        let sealed = c.seal(&Secret::new("xoxb"), "bot:T1").unwrap();
        assert_eq!(c.open(&sealed, "bot:T2").unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn tampering_is_detected() {
        let c = cipher(&TokenCipher::generate_key().unwrap());
        let sealed = c.seal(&Secret::new("xoxb-secret"), "ctx").unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(c.open(&tampered, "ctx").is_err());
        assert_eq!(c.open("v2.x.y", "ctx").unwrap_err(), CryptoError::Malformed);
        assert_eq!(
            c.open("nonsense", "ctx").unwrap_err(),
            CryptoError::Malformed
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = TokenCipher::generate_key().unwrap();
        let new = TokenCipher::generate_key().unwrap();
        let before = cipher(&old);
        let sealed = before.seal(&Secret::new("xoxb-old"), "c").unwrap();
        let after = cipher(&format!("{new}, {old}"));
        assert_eq!(after.open(&sealed, "c").unwrap().expose(), "xoxb-old");
        assert!(after.needs_reseal(&sealed));
        let resealed = after.seal(&Secret::new("xoxb-old"), "c").unwrap();
        assert!(!after.needs_reseal(&resealed));
        assert!(matches!(
            before.open(&resealed, "c"),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn bad_keys_are_named() {
        let err = TokenCipher::from_secret(&Secret::new("c2hvcnQ=")).unwrap_err();
        assert_eq!(err, CryptoError::BadKey { index: 1 });
        let good = TokenCipher::generate_key().unwrap();
        let err = TokenCipher::from_secret(&Secret::new(format!("{good},!!"))).unwrap_err();
        assert_eq!(err, CryptoError::BadKey { index: 2 });
        assert_eq!(
            TokenCipher::from_secret(&Secret::new(" , ")).unwrap_err(),
            CryptoError::NoKey
        );
    }
}
