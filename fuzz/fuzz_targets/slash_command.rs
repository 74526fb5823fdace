//! Arbitrary signed bodies to `POST /slack/commands`, and arbitrary command
//! text in an otherwise well-formed form: never a 5xx or a panic; a form
//! that parses gets a Slack message (JSON with text) back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, String, bool)| hallway_fuzz::targets::slash_command::check(input));
