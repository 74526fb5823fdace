//! The OAuth callbacks with arbitrary `state`, `code` and `error`: never a
//! 5xx or a panic, and never a redirect into the office as if signed in
//! (no state was ever issued here, so none can be valid).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String, Option<String>, bool)| {
    hallway_fuzz::targets::oauth_state::check(input)
});
