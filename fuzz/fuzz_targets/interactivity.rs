//! Arbitrary signed bodies to `POST /slack/interactivity`, raw and as a
//! `payload=` form around arbitrary JSON: never a 5xx or a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, bool)| hallway_fuzz::targets::interactivity::check(input));
