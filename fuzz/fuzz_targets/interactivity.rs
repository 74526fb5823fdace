//! Arbitrary signed bodies to `POST /slack/interactivity`, raw and as a
//! `payload=` form around arbitrary JSON: never a 5xx or a panic.
#![no_main]

use hallway_fuzz::{assert_sane, post_signed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, bool)| {
    let (raw, wrap) = input;
    let body = if wrap {
        let mut form = b"payload=".to_vec();
        for b in raw {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => form.push(b),
                _ => form.extend_from_slice(format!("%{b:02X}").as_bytes()),
            }
        }
        form
    } else {
        raw
    };
    let (status, answer) = post_signed(
        "/slack/interactivity",
        "application/x-www-form-urlencoded",
        body,
    );
    assert_sane(status, &answer, "interactivity");
});
