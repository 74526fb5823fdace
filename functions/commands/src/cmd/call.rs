//! `/hallway [space] [room]` with no one mentioned and at most one name:
//! the channel (or DM) is called to a room, the named one, else the
//! channel's, else the largest empty one.

use super::Context;
use crate::form::Conversation;
use crate::grammar::Name;
use crate::resolve::{Target, room_for};
use hallway::jobs::{CallCard, CommandAction};
use hallway::slack::messages;
use hallway::t;
use hallway::web::ApiError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub(super) names: Vec<Name>,
}

impl Call {
    pub(super) fn new(names: Vec<Name>) -> Self {
        Self { names }
    }

    pub(super) async fn apply(self, cx: &Context<'_>) -> Result<Value, ApiError> {
        match cx.resolve(&self.names).await? {
            Ok(target) => call(cx, target).await,
            Err(reply) => Ok(reply),
        }
    }
}

/// Calls the channel to the target's room. The meeting is recorded by the
/// worker so its summary comes back here when the room empties; if that
/// cannot be queued the call is still made, without a summary.
///
/// Where the install may register Slack Calls, the worker posts the call
/// as a Call card (`calls.add`, then the card on the `response_url`,
/// which reaches DMs and private channels the bot is not in: "use the
/// in_channel slash command response type",
/// docs.slack.dev/apis/web-api/using-the-calls-api), so the answer here
/// only says it is coming; Slack's call is a round trip the
/// acknowledgement does not wait for. The worker falls back to the plain
/// message when the workspace does not take the app as a Calls provider.
pub(super) async fn call(cx: &Context<'_>, target: Target) -> Result<Value, ApiError> {
    let l = cx.locale;
    let (room, note) = match room_for(&target, l) {
        Ok(x) => x,
        Err(reply) => return Ok(reply),
    };
    // A channel is notified as the space says; a DM or group DM is its
    // people already.
    let mention = match cx.conversation() {
        Conversation::Channel => target.space.call_mention.markup(),
        _ => None,
    };
    let card = cx.calls.then(|| CallCard {
        mention: mention.map(str::to_owned),
        note: note.clone(),
        response_url: None,
        key: Some(hallway::ids::new_ordered_id()),
    });
    let carded = card.is_some();
    match cx
        .queue(&target.space, &room, CommandAction::Call { card })
        .await
    {
        Ok(()) if carded => {
            return Ok(messages::ephemeral(
                &t!(
                    l,
                    "call-starting",
                    room = room.name.as_str(),
                    space = target.space.name.as_str()
                ),
                Some(&note.unwrap_or_else(|| t!(l, "call-starting-hint"))),
            ));
        }
        Ok(()) => {}
        Err(e) => tracing::warn!(error = %e, "meeting not queued; no summary will follow"),
    }
    Ok(messages::call_to_room(
        cx.form.user_id.as_str(),
        &room.name,
        &target.space.name,
        &cx.s.member_join_url(&target.space.id, &room.id, None),
        note.as_deref(),
        mention,
        l,
    ))
}
