//! `verify_with` on arbitrary timestamps, signatures and bodies: it never
//! panics, and it accepts a request only when the signature is the MAC of
//! that body under that timestamp (hex in any case) within the window.

use hallway::secrets::Secret;
use hallway::slack::verify::{MAX_SKEW_SECS, SLACK, sign_with, verify_with};
use http::{HeaderMap, HeaderValue};

/// One input: what must hold, asserted.
pub fn check(input: (String, String, Vec<u8>, bool, i16)) {
    let (timestamp, signature, body, genuine, skew) = input;
    let secret = Secret::new("fuzz-signing-secret");
    // Half the time the signature is the real one, so the accepting path
    // (and the window check) are explored too.
    let signature = if genuine {
        sign_with(&SLACK, &secret, timestamp.trim(), &body)
    } else {
        signature
    };
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (SLACK.timestamp_header, &timestamp),
        (SLACK.signature_header, &signature),
    ] {
        match HeaderValue::from_str(value) {
            Ok(v) => {
                headers.insert(name, v);
            }
            Err(_) => return,
        }
    }
    let ts = timestamp.trim().parse::<i64>().ok();
    let now = ts.unwrap_or(1_700_000_000).saturating_add(i64::from(skew));
    let accepted = verify_with(&SLACK, &secret, &headers, &body, now).is_ok();
    if accepted {
        let expected = sign_with(&SLACK, &secret, timestamp.trim(), &body);
        assert_eq!(
            signature.to_ascii_lowercase(),
            expected,
            "accepted a foreign signature"
        );
        // The skew the clock really had: `now` saturates at i64's ends
        // (a timestamp of i64::MAX leaves no room for a positive skew).
        let real_skew = now.saturating_sub(ts.expect("an accepted timestamp parses"));
        assert!(
            real_skew.abs() <= MAX_SKEW_SECS,
            "accepted outside the window"
        );
    } else if genuine
        && ts.is_some()
        // Header values Slack sends are ASCII; others cannot be read back
        // (`HeaderValue::to_str`), so they are refused, rightly.
        && timestamp.is_ascii()
        && now.saturating_sub(ts.unwrap_or(now)).abs() <= MAX_SKEW_SECS
    {
        panic!("refused a genuine signature within the window");
    }
}
