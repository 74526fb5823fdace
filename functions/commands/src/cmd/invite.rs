//! `/hallway @a @b [space] [room]`: one invite, one DM each, written and
//! sent by the worker from one job.

use super::Context;
use crate::grammar::Name;
use crate::resolve::room_for;
use hallway::ids::{UserId, new_ordered_id};
use hallway::jobs::CommandAction;
use hallway::slack::messages::{self, escape};
use hallway::t;
use hallway::web::ApiError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// In order, without repeats; may include the caller.
    pub(super) mentions: Vec<UserId>,
    pub(super) names: Vec<Name>,
}

impl Invite {
    pub(super) fn new(mentions: Vec<UserId>, names: Vec<Name>) -> Self {
        Self { mentions, names }
    }

    pub(super) async fn apply(self, cx: &Context<'_>) -> Result<Value, ApiError> {
        let target = match cx.resolve(&self.names).await? {
            Ok(t) => t,
            Err(reply) => return Ok(reply),
        };
        let caller = &cx.form.user_id;
        let recipients: Vec<UserId> = self.mentions.into_iter().filter(|m| m != caller).collect();
        if recipients.is_empty() {
            return Ok(messages::ephemeral(
                &t!(cx.locale, "invite-only-yourself"),
                Some(&cx.hint()),
            ));
        }
        let (room, note) = match room_for(&target, cx.locale) {
            Ok(x) => x,
            Err(reply) => return Ok(reply),
        };
        let n = recipients.len();
        // Fixed here, so a redelivered job writes the same invite.
        let invite_id = new_ordered_id();
        let action = CommandAction::Invite {
            invite_id: invite_id.clone(),
            recipients,
            call: None,
        };
        cx.queue(&target.space, &room, action).await?;
        tracing::info!(invite_id, recipients = n, "invite queued");
        let text = t!(
            cx.locale,
            "invite-queued",
            count = n,
            room = room.name.as_str(),
            space = target.space.name.as_str()
        );
        let hint_text = note.unwrap_or_else(|| t!(cx.locale, "invite-queued-hint"));
        Ok(messages::ephemeral(&text, Some(&escape(&hint_text))))
    }
}
