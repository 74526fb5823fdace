//! The messages hallway puts in Slack, built with slack-morphism's Block Kit
//! types: every message has a plain-text fallback, every piece of user text is
//! escaped for mrkdwn, buttons stay within Slack's limits.

use serde_json::{Value, json};

use crate::i18n::Locale;
use crate::t;
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
pub fn sync_prompt_dm(spaces: &[String], link_url: &str, l: Locale) -> (String, Value) {
    let names = spaces
        .iter()
        .map(|s| format!("*{}*", escape(s)))
        .collect::<Vec<_>>()
        .join(", ");
    let text = t!(l, "sync-text");
    let md = t!(l, "sync-body", spaces = names);
    let blocks = vec![
        section(&md)
            .with_accessory(button(&t!(l, "sync-button"), SYNC_ACTION, link_url, None, true).into())
            .into(),
        context(&t!(l, "sync-hint")),
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
    l: Locale,
) -> (String, Value) {
    let text = t!(
        l,
        "invite-text",
        inviter = inviter,
        room = room,
        space = space
    );
    let md = t!(
        l,
        "invite-body",
        inviter = escape(inviter),
        room = escape(room),
        space = escape(space)
    );
    let mut blocks = vec![
        section(&md)
            .with_block_id(format!("{INVITE_BLOCK_PREFIX}{invite_id}").into())
            .with_accessory(
                button(
                    &t!(l, "join-button"),
                    JOIN_ACTION,
                    join_url,
                    Some(invite_id),
                    true,
                )
                .into(),
            )
            .into(),
    ];
    if let Some(note) = extra.note {
        // A quote keeps the inviter's words apart from ours.
        let quoted: Vec<String> = note.lines().map(|l| format!("> {}", escape(l))).collect();
        blocks.push(section(&quoted.join("\n")).into());
    }
    if let Some(link) = extra.about.and_then(url) {
        blocks.push(context(&t!(l, "invite-about", link = link.to_string())));
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
    l: Locale,
) -> Value {
    let (text, md) = call_words(caller, room, space, mention, l);
    let mut blocks: Vec<SlackBlock> = vec![
        section(&md)
            .with_accessory(button(&t!(l, "join-button"), JOIN_ACTION, join_url, None, true).into())
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
    l: Locale,
) -> Value {
    let (text, md) = call_words(caller, room, space, mention, l);
    let mut v = reply(false, &text, vec![section(&md).into()]);
    if let Some(blocks) = v["blocks"].as_array_mut() {
        blocks.push(json!({"type": "call", "call_id": call_id}));
    }
    v
}

/// A call's plain text (what notifications show) and its mrkdwn line.
fn call_words(
    caller: &str,
    room: &str,
    space: &str,
    mention: Option<&str>,
    l: Locale,
) -> (String, String) {
    let lead = mention
        .map(str::to_owned)
        .unwrap_or_else(|| t!(l, "call-lead-everyone"));
    let text = t!(
        l,
        "call-text",
        lead = lead.as_str(),
        caller = caller,
        room = escape(room),
        space = escape(space)
    );
    let md = match mention {
        Some(m) => t!(
            l,
            "call-body",
            lead = m,
            caller = caller,
            room = escape(room),
            space = escape(space)
        ),
        None => t!(
            l,
            "call-body-everyone",
            caller = caller,
            room = escape(room),
            space = escape(space)
        ),
    };
    (text, md)
}

/// Who is in a room, for people: "Ada, Bob and 3 others" (at most five
/// names), or "nobody".
pub fn who(names: &[String], l: Locale) -> String {
    const SHOWN: usize = 5;
    let listed = |names: &[String]| {
        names
            .iter()
            .map(|x| escape(x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match names.len() {
        0 => t!(l, "who-nobody"),
        1 => escape(&names[0]),
        n if n <= SHOWN => t!(
            l,
            "who-two",
            first = listed(&names[..n - 1]),
            last = escape(&names[n - 1])
        ),
        n => t!(
            l,
            "who-many",
            first = listed(&names[..SHOWN - 1]),
            others = n - (SHOWN - 1)
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
    l: Locale,
) -> Value {
    let md = format!("*{}* · {}", escape(room), escape(space));
    let now = match occupants.len() {
        0 => t!(l, "unfurl-nobody"),
        n => t!(
            l,
            "unfurl-now",
            count = n,
            capacity = capacity,
            who = who(occupants, l)
        ),
    };
    json!({
        "blocks": blocks_json(vec![
            section(&md)
                .with_accessory(button(&t!(l, "join-button"), JOIN_ACTION, join_url, None, true).into())
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
    l: Locale,
) -> (String, Value) {
    let text = t!(l, "welcome-text", room = room, space = space);
    let md = t!(
        l,
        "welcome-body",
        channel = channel,
        room = escape(room),
        space = escape(space)
    );
    let now = match occupants.len() {
        0 => t!(l, "welcome-nobody"),
        _ => t!(l, "welcome-now", who = who(occupants, l)),
    };
    let blocks = vec![
        section(&md)
            .with_accessory(button(&t!(l, "join-button"), JOIN_ACTION, join_url, None, true).into())
            .into(),
        context(&now),
    ];
    (text, blocks_json(blocks))
}

/// "42 minutes", "1 h 5 min", "under a minute".
pub fn duration(secs: i64, l: Locale) -> String {
    let mins = secs / 60;
    match mins {
        0 => t!(l, "duration-under-minute"),
        m if m < 60 => t!(l, "duration-minutes", minutes = m),
        m if m % 60 == 0 => t!(l, "duration-hours", hours = m / 60),
        m => t!(
            l,
            "duration-hours-minutes",
            hours = m / 60,
            minutes = m % 60
        ),
    }
}

/// The summary of a meeting that ended, for where it was called.
pub fn meeting_summary(
    room: &str,
    space: &str,
    joined: &[String],
    duration_secs: i64,
    called_by: Option<&str>,
    l: Locale,
) -> (String, Value) {
    let how_long = duration(duration_secs, l);
    let text = t!(
        l,
        "summary-text",
        room = room,
        space = space,
        count = joined.len(),
        duration = how_long.as_str()
    );
    let md = t!(
        l,
        "summary-body",
        room = escape(room),
        space = escape(space),
        duration = how_long.as_str()
    );
    let mut details = t!(l, "summary-joined", who = who(joined, l));
    if let Some(u) = called_by {
        details = t!(l, "summary-called-by", details = details, caller = u);
    }
    let blocks = vec![section(&md).into(), context(&details)];
    (text, blocks_json(blocks))
}

/// The unfurl of a join link that expired.
pub fn expired_link_unfurl(command: &str, l: Locale) -> Value {
    json!({
        "blocks": blocks_json(vec![context(&t!(
            l,
            "unfurl-expired",
            command = escape(command)
        ))])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let d: Vec<String> = [0, 59, 60, 125, 3600, 3900, 7260]
            .map(|s| duration(s, Locale::En))
            .to_vec();
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
    fn swedish_readers_read_swedish() {
        let sv = Locale::Sv;
        assert_eq!(duration(125, sv), "2 minuter");
        assert_eq!(duration(60, sv), "1 minut");
        let names = ["Ada".to_owned(), "Bo".to_owned(), "Cy".to_owned()];
        assert_eq!(who(&names, sv), "Ada, Bo och Cy");
        let (text, blocks) = invite_dm(
            "i",
            "Ada",
            "Köket",
            "HQ",
            "https://h/j",
            &InviteExtra::default(),
            sv,
        );
        assert_eq!(text, "Ada har bjudit in dig till Köket (HQ)");
        assert_eq!(blocks[0]["accessory"]["text"]["text"], "Gå med");
        let (text, _) = meeting_summary("Köket", "HQ", &names, 3900, Some("U1"), sv);
        assert_eq!(
            text,
            "Mötet i Köket (HQ) är slut: 3 personer var med, 1 h 5 min."
        );
    }

    #[test]
    fn who_names_up_to_five_and_counts_the_rest() {
        let n = |k: usize| (1..=k).map(|i| format!("P{i}")).collect::<Vec<_>>();
        assert_eq!(who(&[], Locale::En), "nobody");
        assert_eq!(who(&n(1), Locale::En), "P1");
        assert_eq!(who(&n(2), Locale::En), "P1 and P2");
        assert_eq!(who(&n(5), Locale::En), "P1, P2, P3, P4 and P5");
        assert_eq!(who(&n(8), Locale::En), "P1, P2, P3, P4 and 4 others");
        assert_eq!(who(&["<@U1>".to_owned()], Locale::En), "&lt;@U1&gt;");
    }

    #[test]
    fn room_unfurls_show_the_room_who_is_in_it_and_join() {
        let u = room_unfurl(
            "Kitchen",
            "HQ",
            &["Ada".into(), "Bob".into()],
            4,
            "https://h.example/join/t",
            Locale::En,
        );
        let blocks = u["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["text"]["text"], "*Kitchen* · HQ");
        assert_eq!(blocks[0]["accessory"]["url"], "https://h.example/join/t");
        assert_eq!(
            blocks[1]["elements"][0]["text"],
            "In the room now (2/4): Ada and Bob"
        );
        let empty = room_unfurl(
            "Kitchen",
            "HQ",
            &[],
            4,
            "https://h.example/join/t",
            Locale::En,
        );
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
        let (_, blocks) = invite_dm("inv1", "Ada", "K", "HQ", "https://h/j", &extra, Locale::En);
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
        let (_, blocks) = invite_dm("inv1", "Ada", "K", "HQ", "https://h/j", &bad, Locale::En);
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
            Locale::En,
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
            Locale::En,
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
            Locale::En,
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
