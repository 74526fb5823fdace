//! The form: people, a room (grouped by space) and a note; and what a
//! submission's `state.values` says.
//!
//! Space and room are one select with a group per space (Block Kit's
//! `option_groups`): choosing another space needs no round trip to swap
//! the room list, and nothing the person typed is lost to a view update.
//! Limits (docs.slack.dev/reference/block-kit/block-elements/select-menu-element):
//! at most 100 options or 100 groups of 100; option text at most 75
//! characters, value at most 150; `initial_option` must be one of the
//! options exactly.

use hallway::i18n::Locale;
use hallway::ids::{RoomId, SpaceId, UserId};
use hallway::services::Services;
use hallway::slack::messages::{context, escape};
use hallway::slack::modal::{MEET_CALLBACK, title};
use hallway::store::spaces::{RoomBrief, RoomChoice, choose};
use hallway::t;
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::Value;
use slack_morphism::prelude::*;

use super::{Meta, Opening};
use crate::gate::Ready;
use crate::resolve::{Rooms, SpaceView};

pub const PEOPLE: &str = "people";
pub const ROOM: &str = "room";
pub const NOTE: &str = "note";
pub const CALL: &str = "call";
/// A note longer than this would crowd the invite DM.
pub const NOTE_MAX: u64 = 500;
const OPTIONS_MAX: usize = 100;

/// Every space of the team with its rooms, and the room chosen by default:
/// the conversation's room, else the largest empty room of the
/// conversation's space or the team's oldest.
pub(crate) struct Choices {
    pub spaces: Vec<(SpaceView, Vec<RoomBrief>)>,
    pub default: Option<(SpaceId, RoomId)>,
}

pub(crate) async fn choices(s: &Services, ready: &Ready) -> Result<Choices, ApiError> {
    let mut rooms = Rooms::new(s, &ready.team_spaces, &ready.briefs);
    let mut spaces = Vec::new();
    for ts in &ready.team_spaces {
        if let Some(found) = rooms.get(&ts.space_id).await? {
            spaces.push(found);
        }
    }
    let of_team = |id: &SpaceId| spaces.iter().any(|(v, _)| v.id == *id);
    let route = ready.route.as_ref().filter(|r| of_team(&r.space_id));
    let home = route
        .map(|r| r.space_id.clone())
        .or_else(|| spaces.first().map(|(v, _)| v.id.clone()));
    let default = home.and_then(|home| {
        let (_, rs) = spaces.iter().find(|(v, _)| v.id == home)?;
        let mapped = route.and_then(|r| rs.iter().find(|room| room.id == r.room_id));
        let room = match mapped {
            Some(room) => room.id.clone(),
            None => match choose(rs.clone()) {
                RoomChoice::Empty(r) | RoomChoice::LeastFull(r) => r.id,
                RoomChoice::NoRooms => return None,
            },
        };
        Some((home, room))
    });
    Ok(Choices { spaces, default })
}

/// The form for `o`, or a notice when no space has a room.
pub(crate) async fn build(
    s: &Services,
    o: &Opening,
    ready: &Ready,
    l: Locale,
) -> Result<Value, ApiError> {
    let c = choices(s, ready).await?;
    if c.spaces.iter().all(|(_, rooms)| rooms.is_empty()) {
        return Ok(hallway::slack::modal::notice(
            l,
            &t!(l, "modal-title"),
            &t!(l, "modal-no-rooms"),
            None,
            Some(&t!(l, "modal-no-rooms-hint")),
        ));
    }
    Ok(view(&c, &o.prefill, &o.meta, l))
}

fn room_label(room: &RoomBrief, l: Locale) -> String {
    let seats = match (room.occupied, room.capacity) {
        (0, _) => t!(l, "modal-seats-empty"),
        (n, cap) if n >= cap && cap > 0 => t!(l, "modal-seats-full"),
        (n, cap) => t!(l, "modal-seats", occupied = n, capacity = cap),
    };
    let suffix = format!(" · {seats}");
    let room_chars = 75 - suffix.chars().count();
    let name: String = room.name.chars().take(room_chars).collect();
    format!("{name}{suffix}")
}

/// An option's value names both: `["space","room"]`.
fn value(space: &SpaceId, room: &RoomId) -> String {
    serde_json::to_string(&(space, room)).expect("ids serialise")
}

pub(crate) fn parse_value(v: &str) -> Option<(SpaceId, RoomId)> {
    serde_json::from_str(v).ok()
}

fn option(
    space: &SpaceId,
    room: &RoomBrief,
    l: Locale,
) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(
        SlackBlockPlainTextOnly::from(room_label(room, l)),
        value(space, &room.id),
    )
}

pub(crate) fn view(c: &Choices, prefill: &[UserId], meta: &Meta, l: Locale) -> Value {
    let spaces: Vec<&(SpaceView, Vec<RoomBrief>)> =
        c.spaces.iter().filter(|(_, r)| !r.is_empty()).collect();
    let mut select = SlackBlockStaticSelectElement::new()
        .with_action_id(ROOM.into())
        .with_placeholder(SlackBlockPlainTextOnly::from(t!(
            l,
            "modal-room-placeholder"
        )));
    let mut initial = None;
    let mut options_of = |space: &SpaceView, rooms: &[RoomBrief]| {
        rooms
            .iter()
            .take(OPTIONS_MAX)
            .map(|r| {
                let o = option(&space.id, r, l);
                if c.default.as_ref() == Some(&(space.id.clone(), r.id.clone())) {
                    initial = Some(o.clone());
                }
                o
            })
            .collect::<Vec<_>>()
    };
    let label = if let [(space, rooms)] = spaces.as_slice() {
        select = select.with_options(options_of(space, rooms));
        t!(l, "modal-room-in", space = space.name.as_str())
    } else {
        let groups = spaces
            .iter()
            .take(OPTIONS_MAX)
            .map(|(space, rooms)| {
                let name: String = space.name.chars().take(75).collect();
                SlackBlockOptionGroup::new(name.into(), options_of(space, rooms))
            })
            .collect();
        select = select.with_option_groups(groups);
        t!(l, "modal-room")
    };
    if let Some(i) = initial {
        select = select.with_initial_option(i);
    }
    let mut people = SlackBlockMultiUsersSelectElement::new()
        .with_action_id(PEOPLE.into())
        .with_placeholder(SlackBlockPlainTextOnly::from(t!(
            l,
            "modal-people-placeholder"
        )));
    if !prefill.is_empty() {
        people = people.with_initial_users(prefill.iter().map(|u| u.to_string()).collect());
    }
    let note = SlackBlockPlainTextInputElement::new()
        .with_action_id(NOTE.into())
        .with_multiline(true)
        .with_max_length(NOTE_MAX)
        .with_placeholder(SlackBlockPlainTextOnly::from(t!(
            l,
            "modal-note-placeholder"
        )));
    let call = meta.callable().map(|(channel, _)| {
        let option = SlackBlockChoiceItem::new(
            SlackBlockText::Plain(SlackBlockPlainText::new(t!(
                l,
                "modal-call-option",
                // Option text holds 75 characters; channel names 80.
                channel = format!("#{}", channel.chars().take(40).collect::<String>())
            ))),
            "call".to_owned(),
        );
        SlackInputBlock::new(
            SlackBlockPlainTextOnly::from(t!(l, "modal-call")),
            SlackBlockCheckboxesElement::new(vec![option])
                .with_action_id(CALL.into())
                .into(),
        )
        .with_block_id(CALL.into())
        .with_optional(true)
        .with_hint(SlackBlockPlainTextOnly::from(t!(l, "modal-call-hint")))
    });
    let mut blocks: Vec<SlackBlock> = vec![
        SlackInputBlock::new(
            SlackBlockPlainTextOnly::from(t!(l, "modal-people")),
            people.into(),
        )
        .with_block_id(PEOPLE.into())
        .into(),
        SlackInputBlock::new(SlackBlockPlainTextOnly::from(label.as_str()), select.into())
            .with_block_id(ROOM.into())
            .into(),
        SlackInputBlock::new(
            SlackBlockPlainTextOnly::from(t!(l, "modal-note")),
            note.into(),
        )
        .with_block_id(NOTE.into())
        .with_optional(true)
        .into(),
    ];
    if let Some(call) = call {
        blocks.push(call.into());
    }
    let footnote = if meta.about.is_some() {
        t!(l, "modal-footnote-about")
    } else {
        t!(l, "modal-footnote")
    };
    blocks.push(context(&escape(&footnote)));
    let modal = SlackModalView::new(title(&t!(l, "modal-title")), blocks)
        .with_submit(title(&t!(l, "modal-submit")))
        .with_close(title(&t!(l, "modal-cancel")))
        .with_callback_id(MEET_CALLBACK.into())
        .with_private_metadata(meta.encode());
    serde_json::to_value(SlackView::Modal(modal)).expect("Block Kit types serialise")
}

/// What a submission chose, as Slack reports it in `view.state.values`
/// (`{block_id: {action_id: {type, selected_users | selected_option |
/// value}}}`: docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Submitted {
    pub people: Vec<UserId>,
    /// `None`: no room chosen, or a value that is not ours.
    pub room: Option<(SpaceId, RoomId)>,
    pub note: Option<String>,
    /// "Also call the channel" was ticked.
    pub call: bool,
}

#[derive(Deserialize, Default)]
struct Element {
    #[serde(default)]
    selected_users: Vec<String>,
    selected_option: Option<Chosen>,
    #[serde(default)]
    selected_options: Vec<Chosen>,
    value: Option<String>,
}

#[derive(Deserialize)]
struct Chosen {
    value: String,
}

impl Submitted {
    pub fn read(values: &Value) -> Self {
        let element = |block: &str| -> Element {
            serde_json::from_value(values[block][block].clone()).unwrap_or_default()
        };
        let mut people: Vec<UserId> = Vec::new();
        for id in element(PEOPLE).selected_users {
            if let Ok(u) = UserId::new(&id)
                && !people.contains(&u)
            {
                people.push(u);
            }
        }
        let room = element(ROOM)
            .selected_option
            .and_then(|o| parse_value(&o.value));
        let note = element(NOTE)
            .value
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        let call = !element(CALL).selected_options.is_empty();
        Submitted {
            people,
            room,
            note,
            call,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallway::store::spaces::CallMention;
    use serde_json::json;

    fn room(id: &str, name: &str, occupied: u32, capacity: u32) -> RoomBrief {
        RoomBrief {
            id: RoomId::new(id).unwrap(),
            name: name.into(),
            capacity,
            created_at: 0,
            occupied,
        }
    }

    fn space(id: &str, name: &str) -> SpaceView {
        SpaceView {
            id: SpaceId::new(id).unwrap(),
            name: name.into(),
            call_mention: CallMention::default(),
        }
    }

    #[test]
    fn one_space_lists_its_rooms_and_preselects_the_default() {
        let c = Choices {
            spaces: vec![(
                space("sp1", "HQ"),
                vec![room("r1", "Kitchen", 2, 4), room("r2", "Hall", 0, 8)],
            )],
            default: Some((SpaceId::new("sp1").unwrap(), RoomId::new("r2").unwrap())),
        };
        let u = UserId::new("U2").unwrap();
        let v = view(&c, std::slice::from_ref(&u), &Meta::default(), Locale::En);
        assert_eq!(v["callback_id"], MEET_CALLBACK);
        assert_eq!(v["blocks"][0]["element"]["initial_users"], json!(["U2"]));
        let select = &v["blocks"][1]["element"];
        assert_eq!(v["blocks"][1]["label"]["text"], "Room in HQ");
        assert_eq!(select["options"][0]["text"]["text"], "Kitchen · 2 of 4");
        assert_eq!(select["initial_option"], select["options"][1]);
        assert_eq!(
            parse_value(select["initial_option"]["value"].as_str().unwrap()),
            c.default
        );
        assert_eq!(v["blocks"][2]["optional"], true);
    }

    #[test]
    fn several_spaces_are_groups_and_a_roomless_space_is_left_out() {
        let c = Choices {
            spaces: vec![
                (space("sp1", "HQ"), vec![room("r1", "Kitchen", 0, 4)]),
                (space("sp2", "Lab"), vec![]),
                (space("sp3", "Studio"), vec![room("r3", "Booth", 1, 1)]),
            ],
            default: None,
        };
        let v = view(&c, &[], &Meta::default(), Locale::En);
        let select = &v["blocks"][1]["element"];
        let groups = select["option_groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1]["label"]["text"], "Studio");
        assert_eq!(groups[1]["options"][0]["text"]["text"], "Booth · full");
        assert!(select.get("initial_option").is_none());
        assert!(v["blocks"][0]["element"].get("initial_users").is_none());
    }

    #[test]
    fn a_long_room_name_is_cut_to_fit_the_option() {
        let long = "x".repeat(200);
        assert_eq!(
            room_label(&room("r", &long, 0, 2), Locale::En)
                .chars()
                .count(),
            75
        );
        assert_eq!(
            room_label(&room("r", "Köket", 3, 8), Locale::Sv),
            "Köket · 3 av 8"
        );
    }

    #[test]
    fn a_submission_reads_people_once_the_room_and_a_trimmed_note() {
        let values = json!({
            "people": {"people": {"type": "multi_users_select", "selected_users": ["U1", "U2", "U1"]}},
            "room": {"room": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "K"}, "value": "[\"sp1\",\"r1\"]"}}},
            "note": {"note": {"type": "plain_text_input", "value": "  standup  "}}
        });
        let s = Submitted::read(&values);
        assert_eq!(
            s.people,
            vec![UserId::new("U1").unwrap(), UserId::new("U2").unwrap()]
        );
        assert_eq!(
            s.room,
            Some((SpaceId::new("sp1").unwrap(), RoomId::new("r1").unwrap()))
        );
        assert_eq!(s.note.as_deref(), Some("standup"));
        let empty = Submitted::read(&json!({"note": {"note": {"value": "   "}}}));
        assert_eq!(empty, Submitted::default());
    }
}
