//! Every fuzz target's check on the inputs kept in
//! `fuzz/regressions/<target>/`, then on inputs from a fixed seed: in the
//! main build, so the test command holds the targets' properties without
//! building the instrumented targets (`./scripts/fuzz` does the
//! coverage-guided search).
//!
//! Inputs are decoded as libfuzzer-sys decodes a target's typed input
//! (`Arbitrary::arbitrary_take_rest` over the bytes), so a kept file
//! replays as the very value that failed.

use arbitrary::{Arbitrary, Unstructured};
use hallway_fuzz::targets;

/// Inputs from the seed per target, on top of the kept ones.
const SEEDED: usize = 2_000;

/// A small deterministic generator (xorshift64*): the same inputs every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Bytes of a length between 0 and 512, skewed short.
    fn bytes(&mut self) -> Vec<u8> {
        let len = (self.next() % 64) as usize * (1 + (self.next() % 8) as usize);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn replay<T>(target: &str, check: fn(T))
where
    T: for<'a> Arbitrary<'a>,
{
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut kept = 0;
    // A target with nothing kept has no directory in a clone (git keeps
    // no empty directories).
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    for path in entries {
        // `.gitkeep` and the like hold the directory, not an input.
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        if let Ok(input) = T::arbitrary_take_rest(Unstructured::new(&data)) {
            check(input);
            kept += 1;
        }
    }
    let mut seed = Seeded(0x5eed_0000_0000_0001 ^ target.len() as u64);
    let mut decoded = 0;
    for _ in 0..SEEDED {
        let data = seed.bytes();
        if let Ok(input) = T::arbitrary_take_rest(Unstructured::new(&data)) {
            check(input);
            decoded += 1;
        }
    }
    assert!(
        decoded > SEEDED / 2,
        "{target}: only {decoded} of {SEEDED} seeded inputs decoded ({kept} kept ones ran)"
    );
}

#[test]
fn slack_signature() {
    replay("slack_signature", targets::slack_signature::check);
}

#[test]
fn slash_command() {
    replay("slash_command", targets::slash_command::check);
}

#[test]
fn event_envelope() {
    replay("event_envelope", targets::event_envelope::check);
}

#[test]
fn interactivity() {
    replay("interactivity", targets::interactivity::check);
}

#[test]
fn join_token() {
    replay("join_token", targets::join_token::check);
}

#[test]
fn oauth_state() {
    replay("oauth_state", targets::oauth_state::check);
}
