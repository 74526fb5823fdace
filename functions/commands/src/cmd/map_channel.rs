//! `/hallway 'space' 'room'` in a channel: the channel meets in that room
//! from now on, and its members are invited. Two bare words may also be
//! one space's name (`Main Office`): when the names mean a space and no
//! room, this is a call in that space.

use super::Context;
use super::call::call;
use crate::form::Conversation;
use crate::grammar::Name;
use crate::resolve::Place;
use hallway::ids::new_ordered_id;
use hallway::jobs::CommandAction;
use hallway::slack::messages;
use hallway::t;
use hallway::web::ApiError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapChannel {
    /// Two or more.
    pub(super) names: Vec<Name>,
}

/// A name as typed in a command: quoted when it has spaces.
fn quoted(name: &str) -> String {
    if name.contains(char::is_whitespace) {
        format!("'{name}'")
    } else {
        name.to_owned()
    }
}

impl MapChannel {
    pub(super) fn new(names: Vec<Name>) -> Self {
        Self { names }
    }

    /// Whether the caller may map the channel (a member of the space, not
    /// a guest) is the worker's to check, with the mapping: the answer
    /// names what was asked, the worker confirms or refuses through the
    /// command's `response_url`.
    pub(super) async fn apply(self, cx: &Context<'_>) -> Result<Value, ApiError> {
        let target = match cx.resolve(&self.names).await? {
            Ok(t) => t,
            Err(reply) => return Ok(reply),
        };
        let room = match &target.place {
            Place::Named(room) => room.clone(),
            Place::Chosen(_) => return call(cx, target).await,
        };
        let space = target.space;
        let form = cx.form;
        match cx.conversation() {
            Conversation::Channel => {}
            Conversation::GroupDm => {
                return Ok(messages::ephemeral(
                    &t!(cx.locale, "map-group-dm"),
                    Some(&t!(
                        cx.locale,
                        "map-group-dm-hint",
                        command = form.command.as_str(),
                        room = quoted(&room.name)
                    )),
                ));
            }
            Conversation::Dm => {
                return Ok(messages::ephemeral(
                    &t!(cx.locale, "map-in-dm"),
                    Some(&cx.hint()),
                ));
            }
        }
        // Fixed here, so a redelivered job writes the same invite.
        let invite_id = new_ordered_id();
        let action = CommandAction::MapChannel {
            invite_id: invite_id.clone(),
        };
        cx.queue(&space, &room, action).await?;
        tracing::info!(invite_id, "channel mapping queued");
        let channel = form
            .channel_name
            .as_deref()
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| t!(cx.locale, "map-this-channel"));
        Ok(messages::ephemeral(
            &t!(
                cx.locale,
                "map-queued",
                channel = channel,
                room = room.name.as_str(),
                space = space.name.as_str()
            ),
            None,
        ))
    }
}
