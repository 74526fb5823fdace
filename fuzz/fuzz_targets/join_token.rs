//! Join links: arbitrary tokens are never accepted (only the app signs
//! them), a genuine token with any byte changed is refused, and opening
//! any of them through `GET /join/{token}` is never a 5xx or a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, u16, u8)| hallway_fuzz::targets::join_token::check(input));
