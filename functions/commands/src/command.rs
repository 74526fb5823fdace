//! `/hallway`: from a verified form to the reply Slack shows.
//!
//! The reply is built within the request from one table read and one queue
//! send at most; nothing here calls Slack or writes the table. What a
//! command does beyond its answer (the meeting record, the invite and its
//! DMs, a channel's mapping) is one job for the worker, and the inviter
//! hears back through the command's `response_url`.

use std::collections::HashMap;
use std::time::Duration;

use crate::grammar::{self, GrammarError, Name, Parsed};
use crate::routing::Routing;
use hallway::ids::{ChannelId, OfficeUserId, SpaceId, TeamId, UserId, new_ordered_id};
use hallway::jobs::{self, CommandAction, CommandJob, Job};
use hallway::queue::QueueError;
use hallway::services::Services;
use hallway::slack::messages::{self, escape};
use hallway::slack::oauth::{INSTALL_PATH, LOGIN_PATH};
use hallway::store::spaces::{Briefs, CallMention, RoomBrief, RoomChoice, choose};
use hallway::store::{ChannelRoute, TeamSpace};
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::Value;

/// Every field Slack sends with a slash command.
#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommand {
    #[serde(default)]
    pub token: Option<String>,
    pub team_id: TeamId,
    #[serde(default)]
    pub team_domain: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    pub channel_id: ChannelId,
    #[serde(default)]
    pub channel_name: Option<String>,
    pub user_id: UserId,
    #[serde(default)]
    pub user_name: Option<String>,
    pub command: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub api_app_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: Option<String>,
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: Option<String>,
}

/// What kind of conversation a command was typed in, from what Slack says
/// about it, never from the id's first letter (private channels may be
/// `C…`, group DMs `G…` or `C…`: docs.slack.dev/reference/objects/conversation-object).
/// A slash command carries no conversation type, but its `channel_name` is
/// `directmessage` in a DM, `mpdm-…` in a group DM, and the channel's name
/// (or the legacy `privategroup`) in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversation {
    Channel,
    GroupDm,
    Dm,
}

impl SlashCommand {
    pub fn conversation(&self) -> Conversation {
        match self.channel_name.as_deref() {
            Some("directmessage") => Conversation::Dm,
            Some(n) if n.starts_with("mpdm-") => Conversation::GroupDm,
            Some(_) => Conversation::Channel,
            // Not sent (a replayed or hand-made request): a channel is the
            // case that needs the most care (mentions, mapping checks).
            None => Conversation::Channel,
        }
    }
}

/// A name as typed in a command: quoted when it has spaces.
fn quoted(name: &str) -> String {
    if name.contains(char::is_whitespace) {
        format!("'{name}'")
    } else {
        name.to_owned()
    }
}

fn hint(command: &str) -> String {
    format!("Try `{command} help`.")
}

fn grammar_reply(command: &str, e: &GrammarError) -> Value {
    messages::ephemeral(&e.to_string(), Some(&hint(command)))
}

/// Where a command goes: the space, and the room named or else the choice
/// among its rooms.
struct Target {
    space: SpaceView,
    place: Place,
}

/// What a command needs of a space: its entry and brief on the team's item.
#[derive(Clone)]
struct SpaceView {
    id: SpaceId,
    name: String,
    call_mention: CallMention,
}

enum Place {
    Named(RoomBrief),
    Chosen(RoomChoice<RoomBrief>),
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn list(names: impl Iterator<Item = String>) -> String {
    let names: Vec<String> = names.map(|n| format!("'{n}'")).collect();
    if names.is_empty() {
        "none yet".into()
    } else {
        names.join(", ")
    }
}

pub async fn run(s: &Services, cmd: &SlashCommand) -> Result<Value, ApiError> {
    let parsed = match grammar::parse(&cmd.text) {
        Ok(p) => p,
        Err(e) => return Ok(grammar_reply(&cmd.command, &e)),
    };
    let (mentions, names) = match parsed {
        Parsed::Help => return Ok(messages::help(&cmd.command)),
        Parsed::Run { mentions, names } => (mentions, names),
    };
    let team = &cmd.team_id;

    // Everything the answer needs is one read of keys the command names
    // (`crate::routing`): Slack gives us 3 s and each request is a
    // round trip. What the command writes is the worker's, from one job.
    let Routing {
        installation,
        caller,
        team_spaces: spaces,
        briefs,
        route,
    } = crate::routing::Routings::new(s.table.clone())
        .read(team, &cmd.user_id, &cmd.channel_id)
        .await?;
    // The app must be installed with a working token. A team with no record
    // at all installed before this deployment's table existed (or lost it):
    // telling it the app "was removed" would send the admin looking for the
    // wrong cause.
    match installation {
        Some(i) if i.is_active() => {}
        Some(_) => {
            return Ok(messages::prompt(
                "hallway was disconnected from this workspace (its access was revoked or the app was removed). An admin needs to reinstall it.",
                "Reinstall hallway",
                "reinstall",
                &s.config.endpoint(INSTALL_PATH),
            ));
        }
        None => {
            return Ok(messages::prompt(
                "hallway has no installation on record for this workspace. An admin needs to install it (again) so the office can reach Slack.",
                "Install hallway",
                "install",
                &s.config.endpoint(INSTALL_PATH),
            ));
        }
    }
    // The caller must be someone in the office.
    let Some(caller) = caller else {
        return Ok(messages::prompt(
            "Before you can call people to a room, connect your Slack account to the office.",
            "Authorize hallway",
            "authorize",
            &format!("{}?team={team}", s.config.endpoint(LOGIN_PATH)),
        ));
    };
    if spaces.is_empty() {
        return Ok(messages::ephemeral(
            "No space of the office is connected to this workspace yet.",
            Some(
                "An admin of a space can connect it from the office: the space's settings, then Connect to Slack.",
            ),
        ));
    }
    let target = match resolve(s, cmd, &spaces, briefs, route, &names).await? {
        Ok(t) => t,
        Err(reply) => return Ok(reply),
    };

    if !mentions.is_empty() {
        return invite(s, cmd, caller, target, mentions).await;
    }
    if let Place::Named(room) = &target.place
        && names.len() >= 2
    {
        let room = room.clone();
        return map_channel(s, cmd, caller, target.space, room).await;
    }
    call(s, cmd, caller, target).await
}

/// Finds the space and room the names mean (see the module doc of
/// `crate::grammar`): a named space wins, else the channel's
/// space, else the team's oldest.
async fn resolve(
    s: &Services,
    cmd: &SlashCommand,
    team_spaces: &[TeamSpace],
    briefs: Briefs,
    route: Option<ChannelRoute>,
    names: &[Name],
) -> Result<Result<Target, Value>, ApiError> {
    let mut rooms_of = Rooms {
        s,
        team_spaces,
        briefs,
        read: HashMap::new(),
    };
    let of_team = |id: &SpaceId| team_spaces.iter().any(|ts| ts.space_id == *id);
    // The space used when none is named.
    let routed = match route.as_ref().filter(|r| of_team(&r.space_id)) {
        Some(r) => r.space_id.clone(),
        None => team_spaces[0].space_id.clone(),
    };
    if names.is_empty() {
        // No room named: the room this channel meets in, else the largest
        // empty one.
        let Some((space, rooms)) = rooms_of.get(&routed).await? else {
            return Ok(Err(messages::ephemeral(
                "The space for this channel no longer exists.",
                Some(&hint(&cmd.command)),
            )));
        };
        let mapped = route
            .as_ref()
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
    let space_names = list(team_spaces.iter().map(|ts| ts.space_name.clone()));
    let named_space = team_spaces.iter().find(|ts| same(&ts.space_name, typed[0]));
    let room_names = |found: Option<(SpaceView, Vec<RoomBrief>)>| {
        list(
            found
                .into_iter()
                .flat_map(|(_, rooms)| rooms)
                .map(|r| r.name),
        )
    };
    let message = match named_space {
        Some(ts) => format!(
            "'{}' has no room called '{}'. Its rooms: {}.",
            ts.space_name,
            typed[1..].join(" "),
            room_names(rooms_of.get(&ts.space_id).await?)
        ),
        None => {
            let routed_name = team_spaces
                .iter()
                .find(|ts| ts.space_id == routed)
                .map(|ts| ts.space_name.clone())
                .unwrap_or_default();
            format!(
                "There is no space or room called '{}' in this workspace. Spaces: {space_names}. Rooms of '{routed_name}': {}.",
                typed.join(" "),
                room_names(rooms_of.get(&routed).await?)
            )
        }
    };
    Ok(Err(messages::ephemeral(
        &message,
        Some("Put names with spaces in quotes, e.g. 'Main Office' 'Big Hall'."),
    )))
}

/// The team's spaces with their rooms, from their briefs. A space mapped
/// before briefs existed has none until its rooms next change: it is read
/// (once, however many readings of the names try it), which is the one
/// case where a command makes a second request.
struct Rooms<'a> {
    s: &'a Services,
    team_spaces: &'a [TeamSpace],
    briefs: Briefs,
    read: HashMap<SpaceId, Option<(SpaceView, Vec<RoomBrief>)>>,
}

impl Rooms<'_> {
    /// `None`: not one of the team's spaces, or gone.
    async fn get(&mut self, id: &SpaceId) -> Result<Option<(SpaceView, Vec<RoomBrief>)>, ApiError> {
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

/// The room to meet in: the one named, else the largest empty one.
fn room_for(target: &Target) -> Result<(RoomBrief, Option<String>), Value> {
    let choice = match &target.place {
        Place::Named(room) => return Ok((room.clone(), None)),
        Place::Chosen(choice) => choice,
    };
    match choice {
        RoomChoice::Empty(room) => Ok((room.clone(), None)),
        RoomChoice::LeastFull(room) => {
            let note = format!(
                "No room of {} is empty; {} is the least full ({} of {}).",
                target.space.name, room.name, room.occupied, room.capacity
            );
            Ok((room.clone(), Some(note)))
        }
        RoomChoice::NoRooms => Err(messages::ephemeral(
            &format!("'{}' has no rooms yet.", target.space.name),
            Some("Add a room in the office, then try again."),
        )),
    }
}

/// Hands the command's writes and fan-out to the worker: the one send
/// before the answer, and its last step, so an answer that promises work
/// is only given when the work is queued.
async fn queue(
    s: &Services,
    cmd: &SlashCommand,
    caller: OfficeUserId,
    space: &SpaceView,
    room: &RoomBrief,
    action: CommandAction,
) -> Result<(), QueueError> {
    let job = Job::Command(CommandJob {
        command: cmd.command.clone(),
        team_id: cmd.team_id.clone(),
        channel_id: cmd.channel_id.clone(),
        channel_name: cmd.channel_name.clone(),
        user_id: cmd.user_id.clone(),
        user_name: cmd.user_name.clone(),
        caller,
        response_url: cmd.response_url.clone(),
        space_id: space.id.clone(),
        space_name: space.name.clone(),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        direct: cmd.conversation() == Conversation::Dm,
        action,
    });
    jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO)
        .await
        .map(drop)
}

/// No one mentioned: call the channel to a room. The meeting is recorded
/// by the worker so its summary comes back here when the room empties; if
/// that cannot be queued the call is still made, without a summary.
async fn call(
    s: &Services,
    cmd: &SlashCommand,
    caller: OfficeUserId,
    target: Target,
) -> Result<Value, ApiError> {
    let (room, note) = match room_for(&target) {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    if let Err(e) = queue(s, cmd, caller, &target.space, &room, CommandAction::Call).await {
        tracing::warn!(error = %e, "meeting not queued; no summary will follow");
    }
    // A channel is notified as the space says; a DM or group DM is its
    // people already.
    let mention = match cmd.conversation() {
        Conversation::Channel => target.space.call_mention.markup(),
        _ => None,
    };
    Ok(messages::call_to_room(
        cmd.user_id.as_str(),
        &room.name,
        &target.space.name,
        &s.member_join_url(&target.space.id, &room.id, None),
        note.as_deref(),
        mention,
    ))
}

/// `/hallway @a @b [space] [room]`: one invite, one DM each, through the queue.
async fn invite(
    s: &Services,
    cmd: &SlashCommand,
    caller: OfficeUserId,
    target: Target,
    mentions: Vec<UserId>,
) -> Result<Value, ApiError> {
    let recipients: Vec<UserId> = mentions.into_iter().filter(|m| *m != cmd.user_id).collect();
    if recipients.is_empty() {
        return Ok(messages::ephemeral(
            "You mentioned only yourself. Mention the people you want to meet.",
            Some(&hint(&cmd.command)),
        ));
    }
    let (room, note) = match room_for(&target) {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    let n = recipients.len();
    let invite_id = new_ordered_id();
    let action = CommandAction::Invite {
        invite_id: invite_id.clone(),
        recipients,
    };
    queue(s, cmd, caller, &target.space, &room, action).await?;
    tracing::info!(invite_id, recipients = n, "invite queued");
    let people = if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{n} people")
    };
    let text = format!(
        "Inviting {people} to {} ({}). I'll tell you here who I reached.",
        room.name, target.space.name
    );
    let hint_text = note.unwrap_or_else(|| "Each gets a DM with a Join button.".into());
    Ok(messages::ephemeral(&text, Some(&escape(&hint_text))))
}

/// `/hallway 'space' 'room'` in a channel: the channel meets in that room
/// from now on, and its members are invited. Whether the caller may map it
/// (a member of the space, not a guest) is the worker's to check, with the
/// mapping: the answer names what was asked, the worker confirms or
/// refuses through the command's `response_url`.
async fn map_channel(
    s: &Services,
    cmd: &SlashCommand,
    caller: OfficeUserId,
    space: SpaceView,
    room: RoomBrief,
) -> Result<Value, ApiError> {
    match cmd.conversation() {
        Conversation::Channel => {}
        Conversation::GroupDm => {
            return Ok(messages::ephemeral(
                "A group DM cannot meet in a room: only channels can be mapped to rooms.",
                Some(&format!(
                    "Run it in a channel, or invite the people here with `{} @name @name {}`.",
                    cmd.command,
                    quoted(&room.name)
                )),
            ));
        }
        Conversation::Dm => {
            return Ok(messages::ephemeral(
                "Run this in the channel you want to map to the room.",
                Some(&hint(&cmd.command)),
            ));
        }
    }
    let invite_id = new_ordered_id();
    let action = CommandAction::MapChannel {
        invite_id: invite_id.clone(),
    };
    queue(s, cmd, caller, &space, &room, action).await?;
    tracing::info!(invite_id, "channel mapping queued");
    let channel = cmd
        .channel_name
        .as_deref()
        .map(|n| format!("#{n}"))
        .unwrap_or_else(|| "this channel".into());
    Ok(messages::ephemeral(
        &format!(
            "Mapping {channel} to {} ({}) and inviting its members. I'll tell you here how it went.",
            room.name, space.name
        ),
        None,
    ))
}
