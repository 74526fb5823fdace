//! Modal views both the acknowledgement and the worker show: a notice with
//! no inputs (a refusal, "Inviting…", how an invite went). The form itself
//! is the commands function's (`hallway-commands`' `modal`).
//!
//! Limits from docs.slack.dev/reference/views/modal-views: a title of at
//! most 24 characters, at most 100 blocks; a view without input blocks
//! needs no submit button.

use serde_json::Value;
use slack_morphism::prelude::*;

use super::messages::{button, context, escape, section};
use crate::i18n::Locale;

/// `callback_id` of the global shortcut "Meet in hallway" (manifest
/// `features.shortcuts`).
pub const MEET_SHORTCUT: &str = "meet_in_hallway";
/// `callback_id` of the message shortcut "Meet about this".
pub const MEET_ABOUT_SHORTCUT: &str = "meet_about_this";

/// `callback_id` of the "Meet in hallway" form and of every view that
/// replaces it (Slack sends it back in `view_submission`).
pub const MEET_CALLBACK: &str = "hallway_meet";

/// A modal title cut to Slack's 24 characters.
pub fn title(text: &str) -> SlackBlockPlainTextOnly {
    let cut: String = text.chars().take(24).collect();
    SlackBlockPlainTextOnly::from(cut)
}

/// A modal of text only (mrkdwn, escaped here), with an optional button
/// that opens `href` and a footnote; its one button closes it.
pub fn notice(
    l: Locale,
    heading: &str,
    text: &str,
    link: Option<(&str, &str, &str)>,
    footnote: Option<&str>,
) -> Value {
    let mut first = section(&escape(text));
    if let Some((label, action, href)) = link {
        first = first.with_accessory(button(label, action, href, None, true).into());
    }
    let mut blocks: Vec<SlackBlock> = vec![first.into()];
    if let Some(f) = footnote {
        blocks.push(context(&escape(f)));
    }
    view(l, heading, blocks)
}

/// A modal of `blocks` already built (their text escaped by the caller).
pub fn view(l: Locale, heading: &str, blocks: Vec<SlackBlock>) -> Value {
    let modal = SlackModalView::new(title(heading), blocks)
        .with_close(title(&crate::t!(l, "modal-close")))
        .with_callback_id(MEET_CALLBACK.into());
    serde_json::to_value(SlackView::Modal(modal)).expect("Block Kit types serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_a_modal_within_slacks_limits() {
        let v = notice(
            Locale::Sv,
            "A heading much longer than Slack allows",
            "<b> & co",
            Some(("Authorize", "authorize", "https://example.com/a")),
            Some("later"),
        );
        assert_eq!(v["type"], "modal");
        assert_eq!(v["title"]["text"].as_str().unwrap().chars().count(), 24);
        assert_eq!(v["callback_id"], MEET_CALLBACK);
        assert_eq!(v["blocks"][0]["text"]["text"], "&lt;b&gt; &amp; co");
        assert_eq!(v["blocks"][0]["accessory"]["url"], "https://example.com/a");
        assert!(v.get("submit").is_none());
        assert_eq!(v["close"]["text"], "Stäng");
    }
}
