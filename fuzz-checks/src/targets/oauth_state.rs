//! The OAuth callbacks with arbitrary `state`, `code` and `error`: never a
//! 5xx or a panic, and never a redirect into the office as if signed in
//! (no state was ever issued here, so none can be valid).

use crate::{assert_no_server_error, encode, send};

/// One input: what must hold, asserted.
pub fn check(input: (String, String, Option<String>, bool)) {
    let (state, code, error, login) = input;
    let mut query = url_encode_pairs(&[("state", &state), ("code", &code)]);
    if let Some(e) = &error {
        query.push('&');
        query.push_str(&url_encode_pairs(&[("error", e)]));
    }
    let path = if login {
        "/slack/login/callback"
    } else {
        "/slack/oauth/callback"
    };
    let (status, body) = send(
        http::Method::GET,
        &format!("{path}?{query}"),
        &[],
        Vec::new(),
    );
    assert_no_server_error(status, &body, path);
    assert!(
        !(300..400).contains(&status),
        "an unissued state was followed: {status}"
    );
}

fn url_encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}
