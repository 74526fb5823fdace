//! Arbitrary signed bodies to `POST /slack/interactivity`, raw and as a
//! `payload=` form around arbitrary JSON: never a 5xx or a panic.

use crate::{assert_sane, encode, post_signed};

/// One input: what must hold, asserted.
pub fn check(input: (Vec<u8>, bool)) {
    let (raw, wrap) = input;
    let body = if wrap {
        format!("payload={}", encode(&raw)).into_bytes()
    } else {
        raw
    };
    let (status, answer) = post_signed(
        "/slack/interactivity",
        "application/x-www-form-urlencoded",
        body,
    );
    assert_sane(status, &answer, "interactivity");
}
