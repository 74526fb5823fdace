//! `/hallway ?`, or a bare `/hallway` in a DM (where there is
//! no channel to call): the "Meet in hallway" form. Without a
//! `trigger_id` (a replayed request) the help answers instead.

use super::Help;
use crate::form::{Conversation, SlashCommand};
use crate::modal::{self, Meta, Opened, Opening};
use hallway::services::Services;
use hallway::web::ApiError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meet;

impl Meet {
    /// `Value::Null`: the form opened, and the command answers nothing.
    pub(super) async fn apply(&self, s: &Services, form: &SlashCommand) -> Result<Value, ApiError> {
        let Some(trigger_id) = form.trigger_id.clone().filter(|t| !t.is_empty()) else {
            return Ok(Help.apply(
                &form.command,
                super::reader(s, &form.team_id, &form.user_id).await,
            ));
        };
        let opening = Opening {
            team: form.team_id.clone(),
            user: form.user_id.clone(),
            trigger_id,
            prefill: Vec::new(),
            meta: Meta {
                command: form.command.clone(),
                channel: Some(form.channel_id.clone()),
                channel_name: form.channel_name.clone(),
                direct: form.conversation() != Conversation::Channel,
                about: None,
                response_url: Some(form.response_url.clone()),
            },
        };
        match modal::open(s, opening).await? {
            Opened::Shown => Ok(Value::Null),
            Opened::Refused(refusal, l) => Ok(refusal.ephemeral(s, &form.team_id, l)),
        }
    }
}
