//! `verify_with` on arbitrary timestamps, signatures and bodies: it never
//! panics, and it accepts a request only when the signature is the MAC of
//! that body under that timestamp (hex in any case) within the window.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String, Vec<u8>, bool, i16)| {
    hallway_fuzz::targets::slack_signature::check(input)
});
