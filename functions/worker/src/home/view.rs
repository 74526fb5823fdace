//! The App Home tab (`views.publish`): a linked person's spaces, each with
//! their home room, the people they starred and where those are, and every
//! room with who is in it and a Join button; someone not linked sees how to
//! link. Built with slack-morphism's Block Kit types and kept within Slack's
//! 100 blocks per view.

use serde_json::{Value, json};

use hallway::i18n::Locale;
use hallway::t;
use slack_morphism::prelude::*;

use hallway::slack::messages::{
    JOIN_ACTION, SYNC_ACTION, blocks_json, button, context, escape, section, who,
};

/// Slack refuses a view of more than 100 blocks.
pub const MAX_BLOCKS: usize = 100;
/// `action_id` of "Open the office".
pub const OPEN_OFFICE_ACTION: &str = "open_office";

pub struct HomeSpace {
    pub name: String,
    /// The team's oldest space: where `/hallway` goes without a name.
    pub default: bool,
    pub office_url: String,
    pub rooms: Vec<HomeRoom>,
    pub starred: Vec<Starred>,
}

pub struct HomeRoom {
    pub name: String,
    pub capacity: u32,
    pub occupants: Vec<String>,
    pub join_url: String,
    /// The person's home room.
    pub home: bool,
}

pub struct Starred {
    pub name: String,
    /// The room they are in now, if any.
    pub room: Option<String>,
}

fn link_button(label: &str, action: &str, href: &str, primary: bool) -> SlackBlockButtonElement {
    button(label, action, href, None, primary)
}

fn header(text: &str) -> SlackBlock {
    SlackHeaderBlock::new(pt!(text)).into()
}

fn view(blocks: Vec<SlackBlock>) -> Value {
    json!({ "type": "home", "blocks": blocks_json(blocks) })
}

fn room_block(r: &HomeRoom, l: Locale) -> SlackBlock {
    let mark = if r.home {
        t!(l, "home-your-home-room")
    } else {
        String::new()
    };
    let md = format!(
        "*{}*{mark} · {}/{}\n{}",
        escape(&r.name),
        r.occupants.len(),
        r.capacity,
        match r.occupants.len() {
            0 => t!(l, "home-empty"),
            _ => who(&r.occupants, l),
        }
    );
    section(&md)
        .with_accessory(link_button(&t!(l, "join-button"), JOIN_ACTION, &r.join_url, r.home).into())
        .into()
}

fn starred_text(starred: &[Starred], l: Locale) -> String {
    let each: Vec<String> = starred
        .iter()
        .map(|p| match &p.room {
            Some(room) => t!(
                l,
                "home-starred-in",
                name = escape(&p.name),
                room = escape(room)
            ),
            None => t!(l, "home-starred-nowhere", name = escape(&p.name)),
        })
        .collect();
    t!(l, "home-starred", people = each.join(", "))
}

/// The Home tab of a linked person. `updated` says when it was drawn.
pub fn home_view(spaces: &[HomeSpace], updated_at: i64, l: Locale) -> Value {
    let mut blocks: Vec<SlackBlock> = Vec::new();
    if spaces.is_empty() {
        blocks.push(section(&t!(l, "home-no-space")).into());
    }
    // Reserve room for each space's fixed blocks and the footer, then
    // share what is left among rooms.
    let fixed_per_space = 4;
    let budget = MAX_BLOCKS.saturating_sub(spaces.len() * fixed_per_space + 1);
    let mut rooms_left = budget;
    for space in spaces {
        let default = if space.default {
            t!(l, "home-default")
        } else {
            String::new()
        };
        blocks.push(header(&format!("{}{default}", space.name)));
        let mut intro = String::new();
        if let Some(home) = space.rooms.iter().find(|r| r.home) {
            intro.push_str(&t!(l, "home-home-room", room = escape(&home.name)));
        }
        if !space.starred.is_empty() {
            if !intro.is_empty() {
                intro.push('\n');
            }
            intro.push_str(&starred_text(&space.starred, l));
        }
        if intro.is_empty() {
            intro = t!(l, "home-intro");
        }
        blocks.push(
            section(&intro)
                .with_accessory(
                    link_button(
                        &t!(l, "home-open-office"),
                        OPEN_OFFICE_ACTION,
                        &space.office_url,
                        false,
                    )
                    .into(),
                )
                .into(),
        );
        if space.rooms.is_empty() {
            blocks.push(context(&t!(l, "home-no-rooms")));
        }
        let shown = space.rooms.len().min(rooms_left);
        for r in &space.rooms[..shown] {
            blocks.push(room_block(r, l));
        }
        rooms_left -= shown;
        if shown < space.rooms.len() {
            blocks.push(context(&t!(
                l,
                "home-more-rooms",
                count = space.rooms.len() - shown
            )));
        }
        blocks.push(SlackDividerBlock::new().into());
    }
    // Slack formats the date in the reader's own settings; the words
    // around it are ours.
    let when = format!(
        "<!date^{updated_at}^{}|{}>",
        t!(l, "home-date-format"),
        t!(l, "home-just-now")
    );
    blocks.push(context(&t!(l, "home-updated", when = when)));
    blocks.truncate(MAX_BLOCKS);
    view(blocks)
}

/// The Home tab of someone whose Slack account is not linked yet.
pub fn link_prompt_view(link_url: &str, spaces: &[String], l: Locale) -> Value {
    let names = match spaces.len() {
        0 => String::new(),
        _ => t!(
            l,
            "home-meets-in",
            spaces = spaces
                .iter()
                .map(|s| format!("*{}*", escape(s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    view(vec![
        header("hallway"),
        section(&t!(l, "home-connect-body", spaces = names))
            .with_accessory(link_button(&t!(l, "home-connect"), SYNC_ACTION, link_url, true).into())
            .into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(i: usize, occupants: usize) -> HomeRoom {
        HomeRoom {
            name: format!("Room {i}"),
            capacity: 4,
            occupants: (0..occupants).map(|k| format!("P{k}")).collect(),
            join_url: format!("https://h.example/join/{i}"),
            home: i == 1,
        }
    }

    #[test]
    fn a_home_shows_home_room_stars_and_rooms_with_join() {
        let v = home_view(
            &[HomeSpace {
                name: "HQ".into(),
                default: true,
                office_url: "https://office.example/spaces/hq".into(),
                rooms: vec![room(0, 0), room(1, 2)],
                starred: vec![
                    Starred {
                        name: "Bob".into(),
                        room: Some("Room 1".into()),
                    },
                    Starred {
                        name: "Cy <x>".into(),
                        room: None,
                    },
                ],
            }],
            1_700_000_000,
            Locale::En,
        );
        assert_eq!(v["type"], "home");
        let b = v["blocks"].as_array().unwrap();
        assert_eq!(b[0]["text"]["text"], "HQ (default)");
        assert_eq!(
            b[1]["text"]["text"],
            "*Home room:* Room 1\n*Starred:* Bob (in Room 1), Cy &lt;x&gt; (not in a room)"
        );
        assert_eq!(b[2]["text"]["text"], "*Room 0* · 0/4\nEmpty");
        assert_eq!(
            b[3]["text"]["text"],
            "*Room 1* (your home room) · 2/4\nP0 and P1"
        );
        assert_eq!(b[3]["accessory"]["url"], "https://h.example/join/1");
        assert_eq!(b[3]["accessory"]["style"], "primary");
    }

    #[test]
    fn a_huge_office_stays_within_a_hundred_blocks() {
        let spaces: Vec<HomeSpace> = (0..3)
            .map(|s| HomeSpace {
                name: format!("S{s}"),
                default: s == 0,
                office_url: "https://office.example".into(),
                rooms: (0..80).map(|i| room(i, 1)).collect(),
                starred: vec![],
            })
            .collect();
        let v = home_view(&spaces, 1_700_000_000, Locale::En);
        let b = v["blocks"].as_array().unwrap();
        assert!(b.len() <= MAX_BLOCKS, "{}", b.len());
        let text = v.to_string();
        assert!(text.contains("more rooms in the office"));
        assert!(
            text.contains("Updated <!date^1700000000^{date_short_pretty} at {time}|just now>"),
            "{text}"
        );
        let sv = home_view(&spaces, 1_700_000_000, Locale::Sv).to_string();
        assert!(
            sv.contains("Uppdaterad <!date^1700000000^{date_short_pretty} kl. {time}|nyss>"),
            "{sv}"
        );
    }
}
