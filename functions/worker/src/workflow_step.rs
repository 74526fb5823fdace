//! The Workflow Builder step "Invite to a hallway room"
//! (`function_executed`, docs.slack.dev/reference/events/function_executed):
//! people and/or a channel's members are invited to a room of a space, as
//! `/hallway @…` would, and the step completes when the invite is done,
//! with the room's join link and how many were reached
//! (`functions.completeSuccess`), or with a reason people can act on
//! (`functions.completeError`). Both use the execution's just-in-time
//! workflow token, which travels sealed on the invite.
//!
//! Inputs (manifest `functions.invite_to_room`): `people` (users),
//! `channel`, `space` and `room` (names; defaults: the channel's room, else
//! the largest empty room of the channel's space or the workspace's oldest),
//! `note`, `inviter` (named in the DMs; default "A workflow").

use std::time::Duration;

use hallway::i18n::Locale;
use hallway::ids::{ChannelId, RoomId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, Job, OnboardJob};
use hallway::slack::events::FunctionExecuted;
use hallway::start_invite::start_invite;
use hallway::store::NewInvite;
use hallway::store::invites::{Invite, Origin, StepRef};
use hallway::store::meetings::Call;
use hallway::store::spaces::{Room, RoomChoice, TeamSpace, choose};
use hallway::t;
use serde_json::{Value, json};

use crate::{JobError, Worker, slack_failure};

/// The step's `callback_id` in the manifest.
pub use hallway::slack::manifest::INVITE_STEP;

const COMPLETE: &str = "functions.complete";

/// What the step was given, read leniently: Workflow Builder sends a
/// user list as an array of ids, a single variable may arrive as one id.
#[derive(Debug, Default, PartialEq, Eq)]
struct Inputs {
    people: Vec<UserId>,
    channel: Option<ChannelId>,
    space: Option<String>,
    room: Option<String>,
    note: Option<String>,
    inviter: Option<UserId>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl Inputs {
    fn read(inputs: &Value) -> Self {
        let ids: Vec<String> = match &inputs["people"] {
            Value::Array(a) => a.iter().filter_map(text).collect(),
            Value::String(s) => s
                .split([',', ' '])
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let mut people: Vec<UserId> = Vec::new();
        for id in ids {
            if let Ok(u) = UserId::new(id)
                && !people.contains(&u)
            {
                people.push(u);
            }
        }
        Inputs {
            people,
            channel: text(&inputs["channel"]).and_then(|c| ChannelId::new(c).ok()),
            space: text(&inputs["space"]),
            room: text(&inputs["room"]),
            note: text(&inputs["note"]).map(|n| n.chars().take(500).collect()),
            inviter: text(&inputs["inviter"]).and_then(|u| UserId::new(u).ok()),
        }
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn quoted(names: impl Iterator<Item = String>, l: Locale) -> String {
    let all: Vec<String> = names.map(|n| format!("'{n}'")).collect();
    if all.is_empty() {
        t!(l, "step-none")
    } else {
        all.join(", ")
    }
}

/// The space and room the inputs mean; `Err` is the reason for the
/// workflow's author.
async fn place(
    w: &Worker,
    team: &TeamId,
    inputs: &Inputs,
    l: Locale,
) -> Result<Result<(TeamSpace, Room), String>, JobError> {
    let s = &w.services;
    let spaces = s.spaces().for_team(team).await.map_err(JobError::retry)?;
    if spaces.is_empty() {
        return Ok(Err(t!(l, "step-no-space")));
    }
    let route = match &inputs.channel {
        Some(c) => s.channels().route(team, c).await?,
        None => None,
    };
    let space = match &inputs.space {
        Some(name) => match spaces
            .iter()
            .find(|t| same(&t.space_name, name) || t.space_id.as_str() == name)
        {
            Some(t) => t.clone(),
            None => {
                return Ok(Err(t!(
                    l,
                    "step-no-such-space",
                    name = name.as_str(),
                    spaces = quoted(spaces.iter().map(|t| t.space_name.clone()), l)
                )));
            }
        },
        None => route
            .as_ref()
            .and_then(|r| spaces.iter().find(|t| t.space_id == r.space_id))
            .unwrap_or(&spaces[0])
            .clone(),
    };
    let (_, rooms) = s
        .spaces()
        .with_rooms(&space.space_id)
        .await
        .map_err(JobError::retry)?;
    let names = || quoted(rooms.iter().map(|r| r.name.clone()), l);
    let room = match &inputs.room {
        Some(name) => match rooms.iter().find(|r| same(&r.name, name)) {
            Some(r) => r.clone(),
            None => {
                return Ok(Err(t!(
                    l,
                    "step-no-such-room",
                    space = space.space_name.as_str(),
                    name = name.as_str(),
                    rooms = names()
                )));
            }
        },
        None => {
            let mapped = route
                .as_ref()
                .filter(|r| r.space_id == space.space_id)
                .and_then(|r| rooms.iter().find(|room| room.id == r.room_id));
            match mapped {
                Some(r) => r.clone(),
                None => match choose(rooms.clone()) {
                    RoomChoice::Empty(r) | RoomChoice::LeastFull(r) => r,
                    RoomChoice::NoRooms => {
                        return Ok(Err(t!(
                            l,
                            "step-no-rooms",
                            space = space.space_name.as_str()
                        )));
                    }
                },
            }
        }
    };
    Ok(Ok((space, room)))
}

/// Completes the step: `outcome` is the outputs, or the reason it failed.
/// An execution completed already (a redelivered job) is done.
async fn complete(
    w: &Worker,
    team: &TeamId,
    step: &StepRef,
    outcome: Result<&Value, &str>,
) -> Result<(), JobError> {
    let s = &w.services;
    let context = FunctionExecuted::token_context(&step.execution_id);
    let token = s
        .cipher
        .open(&step.sealed_token, &context)
        .map_err(JobError::retry)?;
    crate::paced(w, team, COMPLETE)?;
    match s
        .slack
        .complete_function(&token, &step.execution_id, outcome)
        .await
    {
        Ok(()) => {
            tracing::info!(
                execution_id = step.execution_id,
                ok = outcome.is_ok(),
                "workflow step completed"
            );
            Ok(())
        }
        Err(hallway::slack::SlackError::Api { code, .. })
            if code == "execution_not_in_running_state"
                || code == "function_execution_not_found" =>
        {
            tracing::info!(code, "the workflow step was completed before");
            Ok(())
        }
        // The workflow token lives as long as its execution: refused, it
        // says the execution is over (timed out, or cancelled), not that
        // the app lost the workspace, so the team's token is not checked.
        Err(e) if e.token_may_be_dead() => {
            tracing::warn!(error = %e, "the workflow's token no longer works; its execution has ended");
            Ok(())
        }
        Err(e) => {
            let refusal = slack_failure(w, team, COMPLETE, e).await?;
            tracing::warn!(error = %refusal, "the workflow step could not be completed");
            Ok(())
        }
    }
}

/// A workflow ran the step.
pub async fn executed(w: &Worker, team: &TeamId, f: &FunctionExecuted) -> Result<(), JobError> {
    let Some(sealed_token) = f.sealed_token.clone() else {
        tracing::warn!("a workflow step without its token cannot be completed; ignored");
        return Ok(());
    };
    let step = StepRef {
        execution_id: f.function_execution_id.clone(),
        sealed_token,
    };
    let inputs = Inputs::read(&f.inputs);
    // Said to the workflow's people: in the inviter's language when the
    // step names one.
    let l = match &inputs.inviter {
        Some(u) => crate::reader_locale(w, team, u).await,
        None => Locale::En,
    };
    if f.function.callback_id != INVITE_STEP {
        let why = t!(l, "step-unknown", step = f.function.callback_id.as_str());
        return complete(w, team, &step, Err(&why)).await;
    }
    let people: Vec<UserId> = inputs
        .people
        .iter()
        .filter(|p| Some(*p) != inputs.inviter.as_ref())
        .cloned()
        .collect();
    // The inviter inviting only themselves is nobody to invite.
    if people.is_empty() && inputs.channel.is_none() {
        return complete(w, team, &step, Err(&t!(l, "step-nobody"))).await;
    }
    let (space, room) = match place(w, team, &inputs, l).await? {
        Ok(p) => p,
        Err(why) => return complete(w, team, &step, Err(&why)).await,
    };
    let s = &w.services;
    let inviter_name = match &inputs.inviter {
        Some(u) => s
            .directory()
            .get(team, u)
            .await?
            .map(|p| p.label().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_default(),
        // Named at delivery, in each recipient's language.
        None => String::new(),
    };

    // One invite per execution: a redelivered event writes it once.
    let invite_id = format!("step-{}", f.function_execution_id.to_ascii_lowercase());
    let new = NewInvite {
        team_id: team.clone(),
        space_id: space.space_id.clone(),
        space_name: space.space_name.clone(),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        inviter_name,
        inviter_office_user: None,
        inviter_slack_user: inputs.inviter.clone(),
        origin: Origin::Workflow,
        channel_id: inputs.channel.clone(),
        response_url: None,
        view_id: None,
        note: inputs.note.clone(),
        about: None,
        step: Some(step),
        total: if inputs.channel.is_some() {
            0
        } else {
            u32::try_from(people.len()).unwrap_or(u32::MAX)
        },
    };
    match &inputs.channel {
        Some(channel) => {
            // The channel's members (and the people named) are collected
            // and invited by onboarding, as for a mapped channel; the
            // meeting's summary goes to the channel.
            let invite = s.invites().create_once(&invite_id, new).await?;
            record_meeting(
                w,
                team,
                &space.space_id,
                &room.id,
                channel,
                inputs.inviter.clone(),
            )
            .await?;
            let job = Job::Onboard(OnboardJob {
                invite_id: invite.id,
                team_id: team.clone(),
                channel_id: channel.clone(),
                caller: match inputs.inviter.clone() {
                    Some(u) => u,
                    None => s
                        .installations()
                        .get(team)
                        .await
                        .map_err(JobError::retry)?
                        .map(|i| i.bot_user_id)
                        .ok_or_else(|| JobError::retry("the installation is gone"))?,
                },
                also: people,
            });
            jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await?;
        }
        None => {
            start_invite(&s.invites(), s.queue.as_ref(), &invite_id, new, people).await?;
        }
    }
    tracing::info!(invite_id, room = %room.name, "workflow step's invite started");
    Ok(())
}

async fn record_meeting(
    w: &Worker,
    team: &TeamId,
    space: &SpaceId,
    room: &RoomId,
    channel: &ChannelId,
    called_by: Option<UserId>,
) -> Result<(), JobError> {
    let call = Call {
        space_id: space.clone(),
        room_id: room.clone(),
        team_id: team.clone(),
        channel_id: channel.clone(),
        called_by,
        direct: false,
    };
    w.services.meetings().call(&call).await?;
    Ok(())
}

/// The invite of a step is done: the step completes with the room's join
/// link and who was reached; when nobody was, with why.
pub async fn invite_done(
    w: &Worker,
    invite: &Invite,
    reached: usize,
    missed: &[String],
    l: Locale,
) -> Result<(), JobError> {
    let Some(step) = &invite.step else {
        return Ok(());
    };
    if reached == 0 {
        let (room, space) = (invite.room_name.as_str(), invite.space_name.as_str());
        let why = if missed.is_empty() {
            t!(l, "step-channel-empty", room = room, space = space)
        } else {
            t!(
                l,
                "step-nobody-reached",
                room = room,
                space = space,
                who = missed.join(", ")
            )
        };
        return complete(w, &invite.team_id, step, Err(&why)).await;
    }
    let outputs = json!({
        "join_url": w.services.member_join_url(&invite.space_id, &invite.room_id, None),
        "reached": reached,
        "not_reached": missed.len(),
        "room_name": invite.room_name,
    });
    complete(w, &invite.team_id, step, Ok(&outputs)).await
}

/// A refusal before anyone was invited (the channel's members could not
/// be read): the step fails with it.
pub async fn invite_refused(w: &Worker, invite: &Invite, why: &str) -> Result<(), JobError> {
    match &invite.step {
        Some(step) => complete(w, &invite.team_id, step, Err(why)).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_read_leniently() {
        let i = Inputs::read(&json!({
            "people": ["U1", "U2", "U1", ""],
            "channel": "C1", "space": " HQ ", "room": "", "note": "Standup",
            "inviter": "U9"
        }));
        assert_eq!(i.people.len(), 2);
        assert_eq!(i.channel.as_ref().map(|c| c.as_str()), Some("C1"));
        assert_eq!(i.space.as_deref(), Some("HQ"));
        assert_eq!(i.room, None);
        assert_eq!(i.inviter.as_ref().map(|u| u.as_str()), Some("U9"));
        let one = Inputs::read(&json!({"people": "U1, U2"}));
        assert_eq!(one.people.len(), 2);
        assert_eq!(Inputs::read(&json!(null)), Inputs::default());
    }
}
