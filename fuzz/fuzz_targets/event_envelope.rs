//! Arbitrary signed bodies to `POST /slack/events`, raw and as JSON
//! envelopes with an arbitrary event: never a 5xx (the in-memory queue and
//! store are up) or a panic; a duplicate is acknowledged, never queued twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>, bool)| hallway_fuzz::targets::event_envelope::check(input));
