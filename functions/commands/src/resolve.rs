//! Which space and room a command's names mean, against the real names.
//!
//! The grammar only splits the text ([`crate::grammar`]); here each reading
//! of the names ([`grammar::name_splits`]) is tried against the team's
//! spaces and their rooms, and the first that exists wins: a named space,
//! else the channel's space, else the team's oldest. When nothing fits, the
//! reply says what does exist.

use std::collections::HashMap;

use crate::grammar::{self, Name};
use hallway::i18n::Locale;
use hallway::ids::SpaceId;
use hallway::services::Services;
use hallway::slack::messages;
use hallway::store::spaces::{Briefs, CallMention, RoomBrief, RoomChoice, choose};
use hallway::store::{ChannelRoute, TeamSpace};
use hallway::t;
use hallway::web::ApiError;
use serde_json::Value;

/// Where a command goes: the space, and the room named or else the choice
/// among its rooms.
pub(crate) struct Target {
    pub space: SpaceView,
    pub place: Place,
}

/// What a command needs of a space: its entry and brief on the team's item.
#[derive(Clone)]
pub(crate) struct SpaceView {
    pub id: SpaceId,
    pub name: String,
    pub call_mention: CallMention,
}

pub(crate) enum Place {
    Named(RoomBrief),
    Chosen(RoomChoice<RoomBrief>),
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn list(names: impl Iterator<Item = String>, l: Locale) -> String {
    let names: Vec<String> = names.map(|n| format!("'{n}'")).collect();
    if names.is_empty() {
        t!(l, "resolve-none-yet")
    } else {
        names.join(", ")
    }
}

/// Finds the space and room `names` mean; `Err` is the reply that says
/// what exists instead.
pub(crate) async fn resolve(
    s: &Services,
    command: &str,
    team_spaces: &[TeamSpace],
    briefs: &Briefs,
    route: Option<&ChannelRoute>,
    names: &[Name],
    l: Locale,
) -> Result<Result<Target, Value>, ApiError> {
    let mut rooms_of = Rooms::new(s, team_spaces, briefs);
    let of_team = |id: &SpaceId| team_spaces.iter().any(|ts| ts.space_id == *id);
    // The space used when none is named.
    let routed = match route.filter(|r| of_team(&r.space_id)) {
        Some(r) => r.space_id.clone(),
        None => team_spaces[0].space_id.clone(),
    };
    if names.is_empty() {
        // No room named: the room this channel meets in, else the largest
        // empty one.
        let Some((space, rooms)) = rooms_of.get(&routed).await? else {
            return Ok(Err(messages::ephemeral(
                &t!(l, "resolve-space-gone"),
                Some(&crate::cmd::hint(command, l)),
            )));
        };
        let mapped = route
            .filter(|r| r.space_id == space.id)
            .and_then(|r| rooms.iter().find(|room| room.id == r.room_id).cloned());
        let place = match mapped {
            Some(room) => Place::Named(room),
            None => Place::Chosen(choose(rooms)),
        };
        return Ok(Ok(Target { space, place }));
    }
    let by_name = |name: &str| team_spaces.iter().find(|ts| same(&ts.space_name, name));
    for (first, second) in grammar::name_splits(names) {
        let (space_id, room_name) = match (&second, by_name(&first)) {
            (Some(room), Some(ts)) => (ts.space_id.clone(), Some(room.clone())),
            (Some(_), None) => continue,
            (None, Some(ts)) => (ts.space_id.clone(), None),
            (None, None) => (routed.clone(), Some(first.clone())),
        };
        let Some((space, rooms)) = rooms_of.get(&space_id).await? else {
            continue;
        };
        let place = match &room_name {
            None => Place::Chosen(choose(rooms)),
            Some(wanted) => match rooms.into_iter().find(|r| same(&r.name, wanted)) {
                Some(r) => Place::Named(r),
                None => continue,
            },
        };
        return Ok(Ok(Target { space, place }));
    }
    // Nothing fits: say what exists.
    let typed: Vec<&str> = names.iter().map(|n| n.text.as_str()).collect();
    let space_names = list(team_spaces.iter().map(|ts| ts.space_name.clone()), l);
    let named_space = team_spaces.iter().find(|ts| same(&ts.space_name, typed[0]));
    let room_names = |found: Option<(SpaceView, Vec<RoomBrief>)>| {
        list(
            found
                .into_iter()
                .flat_map(|(_, rooms)| rooms)
                .map(|r| r.name),
            l,
        )
    };
    let message = match named_space {
        Some(ts) => t!(
            l,
            "resolve-no-such-room",
            space = ts.space_name.as_str(),
            room = typed[1..].join(" "),
            rooms = room_names(rooms_of.get(&ts.space_id).await?)
        ),
        None => {
            let routed_name = team_spaces
                .iter()
                .find(|ts| ts.space_id == routed)
                .map(|ts| ts.space_name.clone())
                .unwrap_or_default();
            t!(
                l,
                "resolve-nothing-called",
                typed = typed.join(" "),
                spaces = space_names,
                space = routed_name,
                rooms = room_names(rooms_of.get(&routed).await?)
            )
        }
    };
    Ok(Err(messages::ephemeral(
        &message,
        Some(&t!(l, "resolve-quote-hint")),
    )))
}

/// The team's spaces with their rooms, from their briefs. A space mapped
/// before briefs existed has none until its rooms next change: it is read
/// (once, however many readings of the names try it), which is the one
/// case where a command makes a second request.
pub(crate) struct Rooms<'a> {
    s: &'a Services,
    team_spaces: &'a [TeamSpace],
    briefs: &'a Briefs,
    read: HashMap<SpaceId, Option<(SpaceView, Vec<RoomBrief>)>>,
}

impl<'a> Rooms<'a> {
    pub(crate) fn new(s: &'a Services, team_spaces: &'a [TeamSpace], briefs: &'a Briefs) -> Self {
        Self {
            s,
            team_spaces,
            briefs,
            read: HashMap::new(),
        }
    }

    /// `None`: not one of the team's spaces, or gone.
    pub(crate) async fn get(
        &mut self,
        id: &SpaceId,
    ) -> Result<Option<(SpaceView, Vec<RoomBrief>)>, ApiError> {
        let Some(ts) = self.team_spaces.iter().find(|ts| ts.space_id == *id) else {
            return Ok(None);
        };
        if let Some(brief) = self.briefs.get(id) {
            let view = SpaceView {
                id: id.clone(),
                name: ts.space_name.clone(),
                call_mention: brief.call_mention,
            };
            return Ok(Some((view, brief.rooms.clone())));
        }
        if let Some(found) = self.read.get(id) {
            return Ok(found.clone());
        }
        tracing::info!(space_id = %id, "space has no brief yet; reading it");
        let (space, rooms) = self
            .s
            .spaces()
            .with_rooms(id)
            .await
            .map_err(crate::spaces_error)?;
        let found = space.map(|space| {
            let view = SpaceView {
                id: space.id.clone(),
                name: space.name.clone(),
                call_mention: space.call_mention,
            };
            (view, rooms.iter().map(RoomBrief::from).collect())
        });
        self.read.insert(id.clone(), found.clone());
        Ok(found)
    }
}

/// The room to meet in: the one named, else the largest empty one (with a
/// note when none is empty); `Err` is the reply when the space has no rooms.
pub(crate) fn room_for(target: &Target, l: Locale) -> Result<(RoomBrief, Option<String>), Value> {
    let choice = match &target.place {
        Place::Named(room) => return Ok((room.clone(), None)),
        Place::Chosen(choice) => choice,
    };
    match choice {
        RoomChoice::Empty(room) => Ok((room.clone(), None)),
        RoomChoice::LeastFull(room) => {
            let note = t!(
                l,
                "room-least-full",
                space = target.space.name.as_str(),
                room = room.name.as_str(),
                occupied = room.occupied,
                capacity = room.capacity
            );
            Ok((room.clone(), Some(note)))
        }
        RoomChoice::NoRooms => Err(messages::ephemeral(
            &t!(l, "room-none", space = target.space.name.as_str()),
            Some(&t!(l, "room-none-hint")),
        )),
    }
}
