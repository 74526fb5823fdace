//! The messages hallway puts in Slack, built with slack-morphism's Block Kit
//! types: every message has a plain-text fallback, every piece of user text is
//! escaped for mrkdwn, buttons stay within Slack's limits.

use serde_json::{Value, json};
use slack_morphism::prelude::*;

/// `action_id` of the Join button in invites and calls.
pub const JOIN_ACTION: &str = "join_room";
/// `action_id` of the "Sync now" button of link prompts.
pub const SYNC_ACTION: &str = "sync_now";
/// `block_id` prefix of an invite DM: the invite id follows, so a DM can be
/// recognised in the history.
pub const INVITE_BLOCK_PREFIX: &str = "hallway_invite:";

/// Escapes text for mrkdwn (`&`, `<`, `>`), so names cannot become mentions
/// or links.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn url(u: &str) -> Option<url::Url> {
    u.parse().ok()
}

pub fn button(
    label: &str,
    action: &str,
    href: &str,
    value: Option<&str>,
    primary: bool,
) -> SlackBlockButtonElement {
    let mut b = SlackBlockButtonElement::new(pt!(label)).with_action_id(action.into());
    if let Some(u) = url(href) {
        b = b.with_url(u);
    }
    if let Some(v) = value {
        b = b.with_value(v.into());
    }
    if primary {
        b = b.with_style(SlackBlockButtonStyle::Primary);
    }
    b
}

pub fn section(text: &str) -> SlackSectionBlock {
    SlackSectionBlock::new().with_text(md!(text))
}

pub fn context(text: &str) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(text.into()),
    )])
    .into()
}

pub fn blocks_json(blocks: Vec<SlackBlock>) -> Value {
    serde_json::to_value(blocks).expect("Block Kit types serialise")
}

/// A reply to a slash command.
pub fn reply(ephemeral: bool, text: &str, blocks: Vec<SlackBlock>) -> Value {
    json!({
        "response_type": if ephemeral { "ephemeral" } else { "in_channel" },
        "text": text,
        "blocks": blocks_json(blocks),
    })
}

/// A short ephemeral message with a hint under it.
pub fn ephemeral(text: &str, hint: Option<&str>) -> Value {
    let mut blocks = vec![section(&escape(text)).into()];
    if let Some(h) = hint {
        blocks.push(context(h));
    }
    reply(true, text, blocks)
}

/// An ephemeral message with one call-to-action button.
pub fn prompt(text: &str, label: &str, action: &str, href: &str) -> Value {
    let blocks = vec![
        section(&escape(text))
            .with_accessory(button(label, action, href, None, true).into())
            .into(),
    ];
    reply(true, text, blocks)
}

/// The DM an unlinked person gets when they message someone linked (or
/// the app) and the space prompts: link your Slack account to the office.
pub fn sync_prompt_dm(spaces: &[String], link_url: &str) -> (String, Value) {
    let names = spaces
        .iter()
        .map(|s| format!("*{}*", escape(s)))
        .collect::<Vec<_>>()
        .join(", ");
    let text =
        "Connect your Slack account to the virtual office so your messages reach people there."
            .to_owned();
    let md = format!(
        "You are messaging people who work in the virtual office ({names}). Connect your Slack account so your messages reach them there, and you can join their rooms."
    );
    let blocks = vec![
        section(&md)
            .with_accessory(button("Sync now", SYNC_ACTION, link_url, None, true).into())
            .into(),
        context("You will be asked at most once a day."),
    ];
    (text, blocks_json(blocks))
}

/// The DM an invited person gets.
pub fn invite_dm(
    invite_id: &str,
    inviter: &str,
    room: &str,
    space: &str,
    join_url: &str,
    extra: &InviteExtra<'_>,
) -> (String, Value) {
    let text = format!("{inviter} has invited you to meet in {room} ({space})");
    let md = format!(
        "*{}* has invited you to meet in *{}* ({})",
        escape(inviter),
        escape(room),
        escape(space)
    );
    let mut blocks = vec![
        section(&md)
            .with_block_id(format!("{INVITE_BLOCK_PREFIX}{invite_id}").into())
            .with_accessory(button("Join", JOIN_ACTION, join_url, Some(invite_id), true).into())
            .into(),
    ];
    if let Some(note) = extra.note {
        // A quote keeps the inviter's words apart from ours.
        let quoted: Vec<String> = note.lines().map(|l| format!("> {}", escape(l))).collect();
        blocks.push(section(&quoted.join("\n")).into());
    }
    if let Some(link) = extra.about.and_then(url) {
        blocks.push(context(&format!("About <{link}|this message>")));
    }
    (text, blocks_json(blocks))
}

/// What an invite from the "Meet in hallway" form adds to its DM.
#[derive(Debug, Default, Clone, Copy)]
pub struct InviteExtra<'a> {
    /// The inviter's note.
    pub note: Option<&'a str>,
    /// A permalink to the message the meeting is about.
    pub about: Option<&'a str>,
}

/// The in-channel call to a room.
/// `mention`: a special mention (`<!channel>`, `<!here>`) that notifies
/// the conversation; the caller is named as `<@U…>` in the plain `text`
/// too, which is what notifications show
/// (docs.slack.dev/messaging/formatting-message-text).
pub fn call_to_room(
    caller: &str,
    room: &str,
    space: &str,
    join_url: &str,
    note: Option<&str>,
    mention: Option<&str>,
) -> Value {
    let (text, md) = call_words(caller, room, space, mention);
    let mut blocks: Vec<SlackBlock> = vec![
        section(&md)
            .with_accessory(button("Join", JOIN_ACTION, join_url, None, true).into())
            .into(),
    ];
    if let Some(n) = note {
        blocks.push(context(&escape(n)));
    }
    reply(false, &text, blocks)
}

/// The in-channel call as a Slack Call card: who calls whom where, then
/// the card (`{"type": "call", "call_id": "R…"}`, methods/calls.add), which
/// has its own Join button and lists who is in the room.
pub fn call_card(
    caller: &str,
    room: &str,
    space: &str,
    call_id: &str,
    mention: Option<&str>,
) -> Value {
    let (text, md) = call_words(caller, room, space, mention);
    let mut v = reply(false, &text, vec![section(&md).into()]);
    if let Some(blocks) = v["blocks"].as_array_mut() {
        blocks.push(json!({"type": "call", "call_id": call_id}));
    }
    v
}

/// A call's plain text (what notifications show) and its mrkdwn line.
fn call_words(caller: &str, room: &str, space: &str, mention: Option<&str>) -> (String, String) {
    let lead = mention.unwrap_or("Everyone:");
    let text = format!(
        "{lead} <@{caller}> is calling you to {} ({}). Join from Slack.",
        escape(room),
        escape(space)
    );
    let md = match mention {
        Some(m) => format!(
            "{m} <@{caller}> is calling you to *{}* in {}.",
            escape(room),
            escape(space)
        ),
        None => format!(
            "*Everyone*: <@{caller}> is calling you to *{}* in {}.",
            escape(room),
            escape(space)
        ),
    };
    (text, md)
}

/// Who is in a room, for people: "Ada, Bob and 3 others" (at most five
/// names), or "nobody".
pub fn who(names: &[String]) -> String {
    const SHOWN: usize = 5;
    match names.len() {
        0 => "nobody".into(),
        1 => escape(&names[0]),
        n if n <= SHOWN => format!(
            "{} and {}",
            names[..n - 1]
                .iter()
                .map(|x| escape(x))
                .collect::<Vec<_>>()
                .join(", "),
            escape(&names[n - 1])
        ),
        n => format!(
            "{} and {} others",
            names[..SHOWN - 1]
                .iter()
                .map(|x| escape(x))
                .collect::<Vec<_>>()
                .join(", "),
            n - (SHOWN - 1)
        ),
    }
}

/// The unfurl of a link to a room (`chat.unfurl`'s value for one URL).
pub fn room_unfurl(
    room: &str,
    space: &str,
    occupants: &[String],
    capacity: u32,
    join_url: &str,
) -> Value {
    let md = format!("*{}* · {}", escape(room), escape(space));
    let now = match occupants.len() {
        0 => "Nobody is in the room right now.".to_owned(),
        n => format!("In the room now ({n}/{capacity}): {}", who(occupants)),
    };
    json!({
        "blocks": blocks_json(vec![
            section(&md)
                .with_accessory(button("Join", JOIN_ACTION, join_url, None, true).into())
                .into(),
            context(&now),
        ])
    })
}

/// The DM a person gets on joining a channel that meets in a room.
pub fn channel_welcome_dm(
    channel: &str,
    room: &str,
    space: &str,
    occupants: &[String],
    join_url: &str,
) -> (String, Value) {
    let text = format!("Welcome! This channel meets in {room} ({space}) in the virtual office.");
    let md = format!(
        "Welcome to <#{channel}>! The channel meets in *{}* ({}) in the virtual office.",
        escape(room),
        escape(space)
    );
    let now = match occupants.len() {
        0 => "Nobody is there right now.".to_owned(),
        _ => format!("There now: {}", who(occupants)),
    };
    let blocks = vec![
        section(&md)
            .with_accessory(button("Join", JOIN_ACTION, join_url, None, true).into())
            .into(),
        context(&now),
    ];
    (text, blocks_json(blocks))
}

/// "42 minutes", "1 h 5 min", "under a minute".
pub fn duration(secs: i64) -> String {
    let mins = secs / 60;
    match mins {
        0 => "under a minute".into(),
        1 => "1 minute".into(),
        m if m < 60 => format!("{m} minutes"),
        m if m % 60 == 0 => format!("{} h", m / 60),
        m => format!("{} h {} min", m / 60, m % 60),
    }
}

/// The summary of a meeting that ended, for where it was called.
pub fn meeting_summary(
    room: &str,
    space: &str,
    joined: &[String],
    duration_secs: i64,
    called_by: Option<&str>,
) -> (String, Value) {
    let how_long = duration(duration_secs);
    let text = format!(
        "The meeting in {room} ({space}) has ended: {} joined, {how_long}.",
        match joined.len() {
            0 => "nobody".to_owned(),
            1 => "1 person".to_owned(),
            n => format!("{n} people"),
        }
    );
    let md = format!(
        "The meeting in *{}* ({}) has ended after {how_long}.",
        escape(room),
        escape(space)
    );
    let mut details = format!("Joined: {}", who(joined));
    if let Some(u) = called_by {
        details.push_str(&format!(" · called by <@{u}>"));
    }
    let blocks = vec![section(&md).into(), context(&details)];
    (text, blocks_json(blocks))
}

/// The unfurl of a join link that expired.
pub fn expired_link_unfurl(command: &str) -> Value {
    json!({
        "blocks": blocks_json(vec![context(&format!(
            "This hallway join link has expired. Ask for a new one, or run `{}` to call people to a room.",
            escape(command)
        ))])
    })
}

/// `/hallway help`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let d: Vec<String> = [0, 59, 60, 125, 3600, 3900, 7260].map(duration).to_vec();
        assert_eq!(
            d,
            [
                "under a minute",
                "under a minute",
                "1 minute",
                "2 minutes",
                "1 h",
                "1 h 5 min",
                "2 h 1 min"
            ]
        );
    }

    #[test]
    fn who_names_up_to_five_and_counts_the_rest() {
        let n = |k: usize| (1..=k).map(|i| format!("P{i}")).collect::<Vec<_>>();
        assert_eq!(who(&[]), "nobody");
        assert_eq!(who(&n(1)), "P1");
        assert_eq!(who(&n(2)), "P1 and P2");
        assert_eq!(who(&n(5)), "P1, P2, P3, P4 and P5");
        assert_eq!(who(&n(8)), "P1, P2, P3, P4 and 4 others");
        assert_eq!(who(&["<@U1>".to_owned()]), "&lt;@U1&gt;");
    }

    #[test]
    fn room_unfurls_show_the_room_who_is_in_it_and_join() {
        let u = room_unfurl(
            "Kitchen",
            "HQ",
            &["Ada".into(), "Bob".into()],
            4,
            "https://h.example/join/t",
        );
        let blocks = u["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["text"]["text"], "*Kitchen* · HQ");
        assert_eq!(blocks[0]["accessory"]["url"], "https://h.example/join/t");
        assert_eq!(
            blocks[1]["elements"][0]["text"],
            "In the room now (2/4): Ada and Bob"
        );
        let empty = room_unfurl("Kitchen", "HQ", &[], 4, "https://h.example/join/t");
        assert_eq!(
            empty["blocks"][1]["elements"][0]["text"],
            "Nobody is in the room right now."
        );
    }

    #[test]
    fn an_invites_note_is_quoted_and_its_message_linked() {
        let extra = InviteExtra {
            note: Some("standup\n<@U1> & co"),
            about: Some("https://t.slack.com/archives/C1/p1"),
        };
        let (_, blocks) = invite_dm("inv1", "Ada", "K", "HQ", "https://h/j", &extra);
        assert_eq!(
            blocks[1]["text"]["text"],
            "> standup\n> &lt;@U1&gt; &amp; co"
        );
        assert_eq!(
            blocks[2]["elements"][0]["text"],
            "About <https://t.slack.com/archives/C1/p1|this message>"
        );
        let bad = InviteExtra {
            note: None,
            about: Some("not a link"),
        };
        let (_, blocks) = invite_dm("inv1", "Ada", "K", "HQ", "https://h/j", &bad);
        assert_eq!(blocks.as_array().unwrap().len(), 1);
    }

    #[test]
    fn invite_dms_have_a_fallback_a_primary_join_button_and_an_id() {
        let (text, blocks) = invite_dm(
            "inv1",
            "Ada <script>",
            "Kitchen",
            "HQ",
            "https://h.example/join/t",
            &InviteExtra::default(),
        );
        assert_eq!(text, "Ada <script> has invited you to meet in Kitchen (HQ)");
        let b = &blocks[0];
        assert_eq!(b["type"], "section");
        assert_eq!(b["block_id"], "hallway_invite:inv1");
        assert!(
            b["text"]["text"]
                .as_str()
                .unwrap()
                .contains("Ada &lt;script&gt;")
        );
        assert_eq!(b["accessory"]["style"], "primary");
        assert_eq!(b["accessory"]["action_id"], "join_room");
        assert_eq!(b["accessory"]["url"], "https://h.example/join/t");
    }

    #[test]
    fn calls_are_in_channel_and_prompts_are_ephemeral() {
        let call = call_to_room(
            "U1",
            "Kitchen",
            "HQ",
            "https://h/j",
            Some("no room is empty"),
            None,
        );
        assert_eq!(call["response_type"], "in_channel");
        assert_eq!(
            call["text"],
            "Everyone: <@U1> is calling you to Kitchen (HQ). Join from Slack."
        );
        assert_eq!(call["blocks"][1]["type"], "context");
        let loud = call_to_room(
            "U1",
            "Kitchen",
            "HQ",
            "https://h/j",
            None,
            Some("<!channel>"),
        );
        assert!(
            loud["text"]
                .as_str()
                .unwrap()
                .starts_with("<!channel> <@U1> is calling")
        );
        let p = prompt(
            "Authorize first",
            "Authorize hallway",
            "authorize",
            "https://h/slack/login",
        );
        assert_eq!(p["response_type"], "ephemeral");
        assert_eq!(p["blocks"][0]["accessory"]["url"], "https://h/slack/login");
    }
}
