//! Arbitrary signed bodies to `POST /slack/commands`, and arbitrary command
//! text in an otherwise well-formed form: never a 5xx or a panic; a form
//! that parses gets a Slack message (JSON with text) back.

use crate::{assert_sane, encode, post_signed};

/// One input: what must hold, asserted.
pub fn check(input: (Vec<u8>, String, bool)) {
    let (raw, text, well_formed) = input;
    let body = if well_formed {
        well_formed_command(&text)
    } else {
        raw
    };
    let (status, answer) =
        post_signed("/slack/commands", "application/x-www-form-urlencoded", body);
    assert_sane(status, &answer, "slash command");
    if well_formed {
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        let v: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON reply");
        assert!(v["text"].is_string(), "{v}");
    }
}

fn well_formed_command(text: &str) -> Vec<u8> {
    let mut out = String::from(
        "token=t&team_id=T0FUZZ&channel_id=C0FUZZ&user_id=U0FUZZ&command=%2Fhallway\
         &response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2&trigger_id=1.2&text=",
    );
    out.push_str(&encode(text.as_bytes()));
    out.into_bytes()
}
