//! A submitted form: checked against the one batched read, queued as the
//! same job as `/hallway @…`, answered within Slack's 3 seconds.
//!
//! The answer (docs.slack.dev/surfaces/modals, "Responding to view
//! submissions"): `response_action: errors` keeps the form open with a
//! message under each field at fault; `update` swaps it for a progress
//! view, which the worker later replaces with who was reached (or, once
//! the person closed it, sends to their DM with the app).

use std::time::Duration;

use hallway::ids::{ChannelId, TeamId, UserId, new_ordered_id};
use hallway::jobs::{self, CallCard, CommandAction, CommandJob, Job};
use hallway::services::Services;
use hallway::slack::messages::{context, escape, section};
use hallway::slack::modal;
use hallway::t;
use hallway::web::ApiError;
use serde_json::{Value, json};

use super::Meta;
use super::form::{NOTE, PEOPLE, ROOM, Submitted};
use crate::gate::gate;
use crate::resolve::Rooms;
use crate::routing::Routings;

/// One `view_submission` of the form.
pub(crate) struct Submission<'a> {
    pub team: &'a TeamId,
    pub user: &'a UserId,
    pub user_name: Option<String>,
    pub view_id: &'a str,
    pub private_metadata: &'a str,
    pub values: &'a Value,
}

fn errors(by_block: &[(&str, String)]) -> Value {
    let map: serde_json::Map<String, Value> = by_block
        .iter()
        .map(|(b, m)| ((*b).to_owned(), Value::from(m.as_str())))
        .collect();
    json!({"response_action": "errors", "errors": map})
}

fn update(view: Value) -> Value {
    json!({"response_action": "update", "view": view})
}

/// The answer to a submission.
pub(crate) async fn submit(s: &Services, sub: Submission<'_>) -> Result<Value, ApiError> {
    let meta = Meta::decode(sub.private_metadata);
    let routing = Routings::new(s.table.clone())
        .read(sub.team, sub.user, meta.channel.as_ref())
        .await?;
    let l = routing.locale;
    let ready = match gate(routing) {
        Ok(r) => r,
        Err(refusal) => return Ok(update(refusal.modal(s, sub.team, l))),
    };
    let form = Submitted::read(sub.values);
    let mut wrong = Vec::new();
    let people: Vec<UserId> = form.people.into_iter().filter(|u| u != sub.user).collect();
    if people.is_empty() {
        wrong.push((PEOPLE, t!(l, "modal-error-people")));
    }
    let mut rooms = Rooms::new(s, &ready.team_spaces, &ready.briefs);
    let target = match &form.room {
        None => {
            wrong.push((ROOM, t!(l, "modal-error-room")));
            None
        }
        Some((space_id, room_id)) => match rooms.get(space_id).await? {
            None => {
                wrong.push((ROOM, t!(l, "modal-error-space-gone")));
                None
            }
            Some((space, list)) => match list.into_iter().find(|r| r.id == *room_id) {
                Some(room) => Some((space, room)),
                None => {
                    wrong.push((
                        ROOM,
                        t!(l, "modal-error-room-gone", space = space.name.as_str()),
                    ));
                    None
                }
            },
        },
    };
    if let Some(note) = &form.note
        && note.chars().count() as u64 > super::form::NOTE_MAX
    {
        wrong.push((NOTE, t!(l, "modal-error-note", max = super::form::NOTE_MAX)));
    }
    let Some((space, room)) = target.filter(|_| wrong.is_empty()) else {
        tracing::info!(fields = wrong.len(), "meet form refused with errors");
        return Ok(errors(&wrong));
    };
    let n = people.len();
    // Fixed here, so a redelivered job writes the same invite.
    let invite_id = new_ordered_id();
    // A form from nowhere (a global shortcut) is summed up in the
    // person's DM with the app, which a user id names for chat.postMessage.
    let channel_id = match &meta.channel {
        Some(c) => c.clone(),
        None => ChannelId::new(sub.user.as_str()).map_err(|e| ApiError::Internal(e.into()))?,
    };
    let job = Job::Command(Box::new(CommandJob {
        command: meta.command.clone(),
        team_id: sub.team.clone(),
        channel_id,
        channel_name: meta.channel_name.clone(),
        user_id: sub.user.clone(),
        user_name: sub.user_name.clone(),
        caller: ready.caller.clone(),
        response_url: None,
        view_id: Some(sub.view_id.to_owned()),
        note: form.note.clone(),
        about: meta.about.clone(),
        space_id: space.id.clone(),
        space_name: space.name.clone(),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        direct: meta.direct || meta.channel.is_none(),
        action: CommandAction::Invite {
            invite_id: invite_id.clone(),
            recipients: people,
            call: meta
                .callable()
                .filter(|_| form.call)
                .map(|(_, url)| CallCard {
                    mention: space.call_mention.markup().map(str::to_owned),
                    note: None,
                    response_url: Some(url.to_owned()),
                    key: Some(new_ordered_id()),
                }),
        },
    }));
    jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await?;
    tracing::info!(
        invite_id,
        recipients = n,
        "invite queued from the meet form"
    );
    let text = t!(
        l,
        "modal-inviting",
        count = n,
        room = escape(&room.name),
        space = escape(&space.name)
    );
    let blocks = vec![
        section(&text).into(),
        context(&escape(&t!(l, "modal-inviting-hint"))),
    ];
    Ok(update(modal::view(l, &t!(l, "modal-title"), blocks)))
}
