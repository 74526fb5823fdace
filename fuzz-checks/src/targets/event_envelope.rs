//! Arbitrary signed bodies to `POST /slack/events`, raw and as JSON
//! envelopes with an arbitrary event: never a 5xx (the in-memory queue and
//! store are up) or a panic; a duplicate is acknowledged, never queued twice.

use crate::{assert_sane, post_signed};

/// One input: what must hold, asserted.
pub fn check(input: (Vec<u8>, Vec<u8>, bool)) {
    let (raw, event, wrap) = input;
    let body = if wrap {
        // An envelope around an arbitrary (maybe not even JSON) event.
        let event: serde_json::Value = serde_json::from_slice(&event)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&event).into()));
        let id = format!("EvFUZZ{:016x}", fxhash(&raw));
        serde_json::json!({
            "type": "event_callback", "team_id": "T0FUZZ", "api_app_id": "A0FUZZ",
            "event_id": id, "event_time": 1_700_000_000, "event": event,
            "authorizations": [{"team_id": "T0FUZZ", "user_id": "U0BOT", "is_bot": true}],
        })
        .to_string()
        .into_bytes()
    } else {
        raw
    };
    let (status, answer) = post_signed("/slack/events", "application/json", body.clone());
    assert_sane(status, &answer, "event");
    if status == 200 && wrap {
        // Slack's retry of the same delivery changes nothing.
        let (again, answer) = post_signed("/slack/events", "application/json", body);
        assert_eq!(again, 200, "{}", String::from_utf8_lossy(&answer));
    }
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
