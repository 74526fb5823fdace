//! `/hallway`: from a verified form to the reply Slack shows.
//!
//! The reply is built within the request from a few table reads; nothing here
//! calls Slack. Invites and channel onboarding become jobs, and the inviter
//! hears back through the command's `response_url`.

use std::collections::HashMap;
use std::time::Duration;

use hallway::ids::{ChannelId, OfficeUserId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, FanOutJob, Job, OnboardJob};
use hallway::services::Services;
use hallway::slack::grammar::{self, GrammarError, Name, Parsed};
use hallway::slack::messages::{self, escape};
use hallway::slack::oauth::{INSTALL_PATH, LOGIN_PATH};
use hallway::store::invites::Origin;
use hallway::store::meetings::Call as MeetingCall;
use hallway::store::routing::SpaceHint;
use hallway::store::spaces::{RoomChoice, choose};
use hallway::store::{ChannelRoute, NewInvite, Room, Routing, Space, TeamSpace};
use hallway::web::ApiError;
use serde::Deserialize;
use serde_json::Value;
use tracing::Instrument;

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
/// among its rooms (read with the space).
struct Target {
    space: Space,
    place: Place,
}

enum Place {
    Named(Room),
    Chosen(RoomChoice),
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

    // Everything the routing needs is one read (`hallway::store::routing`):
    // Slack gives us 3 s and each request is a round trip. The space this
    // conversation's last call went to comes with it (see `last_space`).
    let guess = last_space::guess(team, &cmd.channel_id);
    let Routing {
        installation,
        caller,
        team_spaces: spaces,
        route,
        hinted,
    } = s
        .routings()
        .read(team, &cmd.user_id, &cmd.channel_id, guess.as_ref())
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
    let target = match resolve(s, cmd, &spaces, route, &names, hinted).await? {
        Ok(t) => t,
        Err(reply) => return Ok(reply),
    };

    if !mentions.is_empty() {
        return invite(s, cmd, &caller, target, mentions).await;
    }
    if let Place::Named(room) = &target.place
        && names.len() >= 2
    {
        return onboard(s, cmd, &caller, &target.space, room).await;
    }
    call(s, cmd, target).await
}

/// Finds the space and room the names mean (see the module doc of
/// `hallway::slack::grammar`): a named space wins, else the channel's
/// space, else the team's oldest.
async fn resolve(
    s: &Services,
    cmd: &SlashCommand,
    team_spaces: &[TeamSpace],
    route: Option<ChannelRoute>,
    names: &[Name],
    hinted: Option<(Space, Vec<Room>)>,
) -> Result<Result<Target, Value>, ApiError> {
    let spaces = s.spaces();
    let of_team = |id: &SpaceId| team_spaces.iter().any(|ts| ts.space_id == *id);
    // Each space is read once, with its rooms, however many readings of
    // the names are tried; the hinted one was read with the routing facts
    // and counts only if it is one of the team's spaces.
    let mut read: HashMap<SpaceId, (Option<Space>, Vec<Room>)> = HashMap::new();
    if let Some((space, rooms)) = hinted
        && of_team(&space.id)
    {
        read.insert(space.id.clone(), (Some(space), rooms));
    }
    let mut with_rooms = async |id: &SpaceId| -> Result<(Option<Space>, Vec<Room>), ApiError> {
        if let Some(found) = read.get(id) {
            return Ok(found.clone());
        }
        let found = spaces.with_rooms(id).await.map_err(crate::spaces_error)?;
        read.insert(id.clone(), found.clone());
        Ok(found)
    };
    // The space used when none is named.
    let routed = match route.as_ref().filter(|r| of_team(&r.space_id)) {
        Some(r) => r.space_id.clone(),
        None => team_spaces[0].space_id.clone(),
    };
    if names.is_empty() {
        // No room named: the room this channel meets in, else the largest
        // empty one.
        let (space, rooms) = with_rooms(&routed).await?;
        let Some(space) = space else {
            last_space::forget(&cmd.team_id, &cmd.channel_id);
            return Ok(Err(messages::ephemeral(
                "The space for this channel no longer exists.",
                Some(&hint(&cmd.command)),
            )));
        };
        last_space::remember(&cmd.team_id, &cmd.channel_id, SpaceHint::of(&space, &rooms));
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
        let (Some(space), rooms) = with_rooms(&space_id).await? else {
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
    let message = match named_space {
        Some(ts) => {
            let (_, rooms) = with_rooms(&ts.space_id).await?;
            format!(
                "'{}' has no room called '{}'. Its rooms: {}.",
                ts.space_name,
                typed[1..].join(" "),
                list(rooms.into_iter().map(|r| r.name))
            )
        }
        None => {
            let routed_name = team_spaces
                .iter()
                .find(|ts| ts.space_id == routed)
                .map(|ts| ts.space_name.clone())
                .unwrap_or_default();
            let (_, rooms) = with_rooms(&routed).await?;
            format!(
                "There is no space or room called '{}' in this workspace. Spaces: {space_names}. Rooms of '{routed_name}': {}.",
                typed.join(" "),
                list(rooms.into_iter().map(|r| r.name))
            )
        }
    };
    Ok(Err(messages::ephemeral(
        &message,
        Some("Put names with spaces in quotes, e.g. 'Main Office' 'Big Hall'."),
    )))
}

/// The room to meet in: the one named, else the largest empty one.
fn room_for(target: &Target) -> Result<(Room, Option<String>), Value> {
    let choice = match &target.place {
        Place::Named(room) => return Ok((room.clone(), None)),
        Place::Chosen(choice) => choice,
    };
    match choice {
        RoomChoice::Empty(room) => Ok((room.clone(), None)),
        RoomChoice::LeastFull(room) => {
            let note = format!(
                "No room of {} is empty; {} is the least full ({} of {}).",
                target.space.name,
                room.name,
                room.occupants.len(),
                room.capacity
            );
            Ok((room.clone(), Some(note)))
        }
        RoomChoice::NoRooms => Err(messages::ephemeral(
            &format!("'{}' has no rooms yet.", target.space.name),
            Some("Add a room in the office, then try again."),
        )),
    }
}

fn join_url(s: &Services, space: &Space, room: &Room, invite: Option<&str>) -> String {
    s.member_join_url(&space.id, &room.id, invite)
}

/// Remembers that this conversation called people to the room, so its
/// summary comes back here when the room empties. Deferred
/// ([`hallway::deferred`]): the answer does not wait for it, and a failure
/// costs only the summary.
async fn record_meeting(s: &Services, cmd: &SlashCommand, space: &Space, room: &Room) {
    let call = MeetingCall {
        space_id: space.id.clone(),
        room_id: room.id.clone(),
        team_id: cmd.team_id.clone(),
        channel_id: cmd.channel_id.clone(),
        called_by: Some(cmd.user_id.clone()),
        direct: cmd.conversation() == Conversation::Dm,
    };
    let meetings = s.meetings();
    let work = async move {
        match meetings.call(&call).await {
            Ok(true) => tracing::info!(room_id = %call.room_id, "meeting called"),
            Ok(false) => {
                tracing::info!(room_id = %call.room_id, "a meeting is going on there; the call joins it")
            }
            Err(e) => tracing::warn!(error = %e, "meeting not recorded; no summary will follow"),
        }
    };
    s.deferred
        .run(work.instrument(tracing::Span::current()))
        .await;
}

/// No one mentioned: call the channel to a room.
async fn call(s: &Services, cmd: &SlashCommand, target: Target) -> Result<Value, ApiError> {
    let (room, note) = match room_for(&target) {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    record_meeting(s, cmd, &target.space, &room).await;
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
        &join_url(s, &target.space, &room, None),
        note.as_deref(),
        mention,
    ))
}

async fn inviter_name(s: &Services, caller: &OfficeUserId, cmd: &SlashCommand) -> String {
    match s.users().get(caller).await {
        Ok(Some(u)) if !u.name.is_empty() => u.name,
        _ => cmd
            .user_name
            .clone()
            .unwrap_or_else(|| cmd.user_id.to_string()),
    }
}

/// `/hallway @a @b [space] [room]`: one invite, one DM each, through the queue.
async fn invite(
    s: &Services,
    cmd: &SlashCommand,
    caller: &OfficeUserId,
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
    let invite = s
        .invites()
        .create(NewInvite {
            team_id: cmd.team_id.clone(),
            space_id: target.space.id.clone(),
            space_name: target.space.name.clone(),
            room_id: room.id.clone(),
            room_name: room.name.clone(),
            inviter_name: inviter_name(s, caller, cmd).await,
            inviter_office_user: Some(caller.clone()),
            inviter_slack_user: Some(cmd.user_id.clone()),
            origin: Origin::Command,
            channel_id: Some(cmd.channel_id.clone()),
            response_url: Some(cmd.response_url.clone()),
            total: recipients.len() as u32,
        })
        .await?;
    let n = recipients.len();
    jobs::enqueue(
        s.queue.as_ref(),
        &Job::FanOut(FanOutJob {
            invite_id: invite.id.clone(),
            team_id: cmd.team_id.clone(),
            recipients,
        }),
        Duration::ZERO,
    )
    .await?;
    tracing::info!(invite_id = %invite.id, recipients = n, "invite queued");
    record_meeting(s, cmd, &target.space, &room).await;
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
/// from now on, and its members are invited.
async fn onboard(
    s: &Services,
    cmd: &SlashCommand,
    caller: &OfficeUserId,
    space: &Space,
    room: &Room,
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
    let member = s.members().get(&space.id, caller).await?;
    if member
        .as_ref()
        .is_none_or(|m| m.role == hallway::store::Role::Guest)
    {
        return Ok(messages::ephemeral(
            &format!(
                "Only members of '{}' can map a channel to its rooms.",
                space.name
            ),
            None,
        ));
    }
    s.channels()
        .map(
            &cmd.team_id,
            &cmd.channel_id,
            cmd.channel_name.as_deref(),
            &space.id,
            &room.id,
            Some(&cmd.user_id),
        )
        .await?;
    let invite = s
        .invites()
        .create(NewInvite {
            team_id: cmd.team_id.clone(),
            space_id: space.id.clone(),
            space_name: space.name.clone(),
            room_id: room.id.clone(),
            room_name: room.name.clone(),
            inviter_name: inviter_name(s, caller, cmd).await,
            inviter_office_user: Some(caller.clone()),
            inviter_slack_user: Some(cmd.user_id.clone()),
            origin: Origin::Channel,
            channel_id: Some(cmd.channel_id.clone()),
            response_url: Some(cmd.response_url.clone()),
            // Known once the worker has read the channel's members.
            total: 0,
        })
        .await?;
    jobs::enqueue(
        s.queue.as_ref(),
        &Job::Onboard(OnboardJob {
            invite_id: invite.id.clone(),
            team_id: cmd.team_id.clone(),
            channel_id: cmd.channel_id.clone(),
            caller: cmd.user_id.clone(),
        }),
        Duration::ZERO,
    )
    .await?;
    record_meeting(s, cmd, space, room).await;
    let channel = cmd
        .channel_name
        .as_deref()
        .map(|n| format!("#{n}"))
        .unwrap_or_else(|| "This channel".into());
    Ok(messages::ephemeral(
        &format!(
            "{channel} now meets in {} ({}). Inviting its members; I'll tell you here how it went.",
            room.name, space.name
        ),
        Some(&format!(
            "`{}` with no arguments in this channel now calls people to {}.",
            cmd.command,
            escape(&room.name)
        )),
    ))
}

/// The space (and the rooms in it) each conversation's last call went to,
/// kept by the warm sandbox so the next call reads them with its routing
/// facts: one round trip instead of two in a row. Only a guess:
/// `hallway::store::routing` checks it against what it reads (the space is
/// there, no room added or removed since) and `resolve` uses it only when
/// it is one of the team's spaces; a wrong or stale guess costs one more
/// read, never a wrong answer.
mod last_space {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use hallway::ids::{ChannelId, TeamId};
    use hallway::store::routing::SpaceHint;

    /// Forgotten all at once beyond this many conversations.
    const MAX: usize = 10_000;

    type Hints = Mutex<HashMap<(TeamId, ChannelId), SpaceHint>>;

    fn kept() -> std::sync::MutexGuard<'static, HashMap<(TeamId, ChannelId), SpaceHint>> {
        static HINTS: OnceLock<Hints> = OnceLock::new();
        HINTS
            .get_or_init(Hints::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn guess(team: &TeamId, channel: &ChannelId) -> Option<SpaceHint> {
        kept().get(&(team.clone(), channel.clone())).cloned()
    }

    pub(super) fn remember(team: &TeamId, channel: &ChannelId, hint: Option<SpaceHint>) {
        let mut hints = kept();
        let key = (team.clone(), channel.clone());
        match hint {
            Some(h) => {
                if hints.len() >= MAX && !hints.contains_key(&key) {
                    hints.clear();
                }
                hints.insert(key, h);
            }
            None => {
                hints.remove(&key);
            }
        }
    }

    pub(super) fn forget(team: &TeamId, channel: &ChannelId) {
        remember(team, channel, None);
    }
}
