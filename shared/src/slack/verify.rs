//! Slack's v0 request signatures, and the same scheme under other names.
//!
//! `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + ts + ":" + body)>`
//! over the raw body bytes (after API Gateway's base64 is undone, which
//! `lambda_http` does before our router sees the body), with
//! `X-Slack-Request-Timestamp` within 300 s of now in either direction. The
//! comparison is constant-time (`hmac`'s `verify_slice`). Header names are
//! case-insensitive because [`http::HeaderMap`] is.
//!
//! hallway signs what it sends the office the same way, with its own
//! version tag and headers ([`Scheme`]; see [`crate::office_webhook`]), so
//! one implementation serves both directions.

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::clock::SharedClock;
use crate::secrets::Secret;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
pub const RETRY_NUM_HEADER: &str = "x-slack-retry-num";
pub const RETRY_REASON_HEADER: &str = "x-slack-retry-reason";
/// Slack's replay window, applied in both directions.
pub const MAX_SKEW_SECS: i64 = 300;

/// A signature scheme: `<version>=hex(HMAC-SHA256(secret, "<version>:" + ts
/// + ":" + body))` in one header, the timestamp in another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    pub version: &'static str,
    pub signature_header: &'static str,
    pub timestamp_header: &'static str,
}

/// Slack's.
pub const SLACK: Scheme = Scheme {
    version: "v0",
    signature_header: SIGNATURE_HEADER,
    timestamp_header: TIMESTAMP_HEADER,
};

/// Why a request was refused. Logged, never shown to the caller (who gets a
/// plain 401), so a prober learns nothing about which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no timestamp header")]
    MissingTimestamp,
    #[error("no signature header")]
    MissingSignature,
    #[error("the timestamp is not a whole number of seconds")]
    MalformedTimestamp,
    #[error("the request is {skew_secs} s away from now (limit {MAX_SKEW_SECS} s)")]
    OutsideWindow { skew_secs: i64 },
    #[error("the signature is not the version tag, '=', and 64 hex digits")]
    MalformedSignature,
    #[error("the signature does not match the body")]
    Mismatch,
}

pub struct Verifier {
    secret: Secret,
    clock: SharedClock,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

fn mac(scheme: &Scheme, secret: &Secret, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(scheme.version.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `X-Slack-Signature` value Slack would send (for replay and tests).
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    sign_with(&SLACK, secret, timestamp, body)
}

/// The signature header's value under `scheme`.
pub fn sign_with(scheme: &Scheme, secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    format!(
        "{}={}",
        scheme.version,
        hex::encode(mac(scheme, secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a request signed under `scheme`: both headers present, the
/// timestamp within [`MAX_SKEW_SECS`] of `now_secs`, the signature the
/// body's (compared in constant time).
pub fn verify_with(
    scheme: &Scheme,
    secret: &Secret,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), VerifyError> {
    let timestamp =
        header(headers, scheme.timestamp_header).ok_or(VerifyError::MissingTimestamp)?;
    let signature =
        header(headers, scheme.signature_header).ok_or(VerifyError::MissingSignature)?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    let skew = now_secs.saturating_sub(ts);
    if skew.saturating_abs() > MAX_SKEW_SECS {
        return Err(VerifyError::OutsideWindow { skew_secs: skew });
    }
    let given = signature
        .strip_prefix(scheme.version)
        .and_then(|rest| rest.strip_prefix('='))
        .filter(|h| h.len() == 64)
        .and_then(|h| hex::decode(h).ok())
        .ok_or(VerifyError::MalformedSignature)?;
    mac(scheme, secret, timestamp.trim(), body)
        .verify_slice(&given)
        .map_err(|_| VerifyError::Mismatch)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl Verifier {
    pub fn new(secret: Secret, clock: SharedClock) -> Self {
        Self { secret, clock }
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        verify_with(&SLACK, &self.secret, headers, body, self.clock.now_secs())
    }
}

/// Slack's occasional certificate check on a command URL: a form body with
/// `ssl_check=1`, answered with an empty 200 and nothing else.
pub fn is_ssl_check(body: &[u8]) -> bool {
    body.len() < 4096 && form_urlencoded_pairs(body).any(|(k, v)| k == "ssl_check" && v == "1")
}

fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    // Slack's published test vector (shared/reference/slack-platform.md §1).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier_at(secs: i64) -> Verifier {
        Verifier::new(Secret::new(SECRET), Arc::new(ManualClock::at_secs(secs)))
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn good() -> HeaderMap {
        headers(&[(TIMESTAMP_HEADER, TS), (SIGNATURE_HEADER, EXPECTED)])
    }

    #[test]
    fn published_vector_signs_as_documented() {
        assert_eq!(BODY.len(), 362);
        assert_eq!(sign(&Secret::new(SECRET), TS, BODY.as_bytes()), EXPECTED);
    }

    #[test]
    fn published_vector_verifies_at_its_time() {
        assert_eq!(
            verifier_at(1_531_420_618).verify(&good(), BODY.as_bytes()),
            Ok(())
        );
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let h = headers(&[
            ("X-Slack-Request-Timestamp", TS),
            ("X-SLACK-SIGNATURE", EXPECTED),
        ]);
        assert_eq!(
            verifier_at(1_531_420_618).verify(&h, BODY.as_bytes()),
            Ok(())
        );
    }

    #[test]
    fn tampered_body_fails() {
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(
            verifier_at(1_531_420_618).verify(&good(), tampered.as_bytes()),
            Err(VerifyError::Mismatch)
        );
        let mut extra = BODY.as_bytes().to_vec();
        extra.push(b' ');
        assert_eq!(
            verifier_at(1_531_420_618).verify(&good(), &extra),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn tampered_signature_fails() {
        let flipped = EXPECTED.replace("a2114d", "a2114e");
        let h = headers(&[(TIMESTAMP_HEADER, TS), (SIGNATURE_HEADER, &flipped)]);
        assert_eq!(
            verifier_at(1_531_420_618).verify(&h, BODY.as_bytes()),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn wrong_secret_fails() {
        let v = Verifier::new(
            Secret::new("another-secret"),
            Arc::new(ManualClock::at_secs(1_531_420_618)),
        );
        assert_eq!(
            v.verify(&good(), BODY.as_bytes()),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn window_is_300_seconds_both_ways() {
        assert_eq!(
            verifier_at(1_531_420_618 + 300).verify(&good(), BODY.as_bytes()),
            Ok(())
        );
        assert_eq!(
            verifier_at(1_531_420_618 - 300).verify(&good(), BODY.as_bytes()),
            Ok(())
        );
        assert_eq!(
            verifier_at(1_531_420_618 + 301).verify(&good(), BODY.as_bytes()),
            Err(VerifyError::OutsideWindow { skew_secs: 301 })
        );
        // A timestamp from the future is refused too.
        assert_eq!(
            verifier_at(1_531_420_618 - 301).verify(&good(), BODY.as_bytes()),
            Err(VerifyError::OutsideWindow { skew_secs: -301 })
        );
    }

    #[test]
    fn a_fresh_signature_with_a_stale_timestamp_is_still_refused() {
        // Re-signing an old body with an old timestamp does not help a replay.
        let old = "1531420000";
        let sig = sign(&Secret::new(SECRET), old, BODY.as_bytes());
        let h = headers(&[(TIMESTAMP_HEADER, old), (SIGNATURE_HEADER, &sig)]);
        assert!(matches!(
            verifier_at(1_531_420_618).verify(&h, BODY.as_bytes()),
            Err(VerifyError::OutsideWindow { .. })
        ));
    }

    #[test]
    fn missing_headers_fail() {
        let v = verifier_at(1_531_420_618);
        assert_eq!(
            v.verify(&headers(&[(SIGNATURE_HEADER, EXPECTED)]), BODY.as_bytes()),
            Err(VerifyError::MissingTimestamp)
        );
        assert_eq!(
            v.verify(&headers(&[(TIMESTAMP_HEADER, TS)]), BODY.as_bytes()),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            v.verify(&HeaderMap::new(), BODY.as_bytes()),
            Err(VerifyError::MissingTimestamp)
        );
    }

    #[test]
    fn non_numeric_timestamps_fail() {
        let v = verifier_at(1_531_420_618);
        for ts in ["", "abc", "1531420618.5", "1e9", "99999999999999999999999"] {
            let h = headers(&[(TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, EXPECTED)]);
            assert_eq!(
                v.verify(&h, BODY.as_bytes()),
                Err(VerifyError::MalformedTimestamp),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn malformed_signatures_fail() {
        let v = verifier_at(1_531_420_618);
        for sig in [
            "",
            "v0=",
            "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            "v0=a2114d",
        ] {
            let h = headers(&[(TIMESTAMP_HEADER, TS), (SIGNATURE_HEADER, sig)]);
            assert_eq!(
                v.verify(&h, BODY.as_bytes()),
                Err(VerifyError::MalformedSignature),
                "{sig:?}"
            );
        }
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let v = verifier_at(1_531_420_618);
        for ts in [i64::MIN.to_string(), i64::MAX.to_string()] {
            let h = headers(&[(TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, EXPECTED)]);
            assert!(matches!(
                v.verify(&h, BODY.as_bytes()),
                Err(VerifyError::OutsideWindow { .. })
            ));
        }
    }

    #[test]
    fn ssl_check_is_recognised() {
        assert!(is_ssl_check(b"ssl_check=1&token=abc"));
        assert!(is_ssl_check(b"token=abc&ssl_check=1"));
        assert!(!is_ssl_check(b"ssl_check=0"));
        assert!(!is_ssl_check(BODY.as_bytes()));
        assert!(!is_ssl_check(br#"{"ssl_check":1}"#));
    }

    proptest::proptest! {
        #[test]
        fn any_single_byte_change_to_the_body_is_caught(pos in 0usize..362, byte in 0u8..=255) {
            let mut body = BODY.as_bytes().to_vec();
            proptest::prop_assume!(body[pos] != byte);
            body[pos] = byte;
            proptest::prop_assert_eq!(
                verifier_at(1_531_420_618).verify(&good(), &body),
                Err(VerifyError::Mismatch)
            );
        }
    }
}
