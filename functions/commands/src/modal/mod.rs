//! The "Meet in hallway" modal: who, which room, a note. Opened by the
//! global shortcut, the message shortcut "Meet about this" (pre-filled
//! with the message's people and linked in each invite) and `/hallway ?`
//! or a bare `/hallway` in a DM; submitted into the same job as
//! `/hallway @…`.
//!
//! Opening must happen within the acknowledgement: a `trigger_id` is good
//! for 3 seconds and once (docs.slack.dev/reference/methods/views.open).
//! It costs the same one batched read as a command ([`crate::routing`])
//! plus the `views.open` call; the bot token comes from the installation
//! that read returned, so there is no second read.
//!
//! # Layout
//! - [`form`]: the view and what a submission's state says.
//! - [`submit`]: a submission: checked, queued, answered with the progress
//!   view, or with errors under the fields.

pub(crate) mod form;
pub(crate) mod submit;

use hallway::i18n::Locale;
use hallway::ids::{ChannelId, TeamId, UserId};
use hallway::jobs::MessageRef;
use hallway::secrets::Secret;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::store::installations::Installation;
use hallway::web::ApiError;
use serde::{Deserialize, Serialize};

use crate::gate::{Refusal, gate};
use crate::routing::Routings;

pub use hallway::slack::modal::{MEET_ABOUT_SHORTCUT, MEET_SHORTCUT};

/// What the form carries from where it was opened to its submission, as
/// the view's `private_metadata` (at most 3,000 characters; this is a few
/// hundred at most).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Meta {
    /// The command's name in this workspace, for replies that name it.
    #[serde(default = "default_command")]
    pub command: String,
    /// The conversation it was opened in (none for a global shortcut): its
    /// room is the default, and the meeting's summary goes there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    /// Opened in a DM (or group DM), or from nowhere: the summary goes to
    /// the person's DM with the app.
    #[serde(default)]
    pub direct: bool,
    /// The message "Meet about this" ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<MessageRef>,
    /// A message shortcut's or command's, where refusals can go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
}

fn default_command() -> String {
    "/hallway".into()
}

impl Meta {
    /// The channel the form can also call to the room, and where its call
    /// card would go: opened in a channel (not a DM) with a
    /// `response_url`, which reaches it whether or not the bot is in it.
    pub fn callable(&self) -> Option<(&str, &str)> {
        match (&self.channel_name, &self.response_url) {
            (Some(name), Some(url)) if !self.direct && self.channel.is_some() => {
                Some((name.as_str(), url.as_str()))
            }
            _ => None,
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("plain data serialises")
    }

    /// A submission's metadata; unreadable (not ours, or cut) reads as a
    /// form opened from nowhere.
    pub fn decode(raw: &str) -> Self {
        serde_json::from_str(raw).unwrap_or_else(|_| Meta {
            command: default_command(),
            direct: true,
            ..Meta::default()
        })
    }
}

/// A request to show the form to `user`.
pub(crate) struct Opening {
    pub team: TeamId,
    pub user: UserId,
    pub trigger_id: String,
    /// People chosen already (never the opener).
    pub prefill: Vec<UserId>,
    pub meta: Meta,
}

/// What the person saw.
#[derive(Debug)]
pub(crate) enum Opened {
    /// The form, or a modal saying why not (not linked, no space).
    Shown,
    /// Nothing could be shown: the app cannot call Slack for this team.
    /// The caller says it where it can (an ephemeral reply), in the
    /// person's language.
    Refused(Refusal, Locale),
}

/// Shows the form (or why not) within the acknowledgement: one batched
/// read, then `views.open`.
pub(crate) async fn open(s: &Services, o: Opening) -> Result<Opened, ApiError> {
    let routing = Routings::new(s.table.clone())
        .read(&o.team, &o.user, o.meta.channel.as_ref())
        .await?;
    // A refusal past the installation check (not linked, no space) still
    // shows as a modal, with the installation's token.
    let installed = routing.installation.clone();
    let locale = routing.locale;
    let (view, installation) = match gate(routing) {
        Ok(ready) => (
            form::build(s, &o, &ready, locale).await?,
            ready.installation,
        ),
        Err(refusal) => match installed.filter(|_| refusal.can_reach_slack()) {
            Some(i) => (refusal.modal(s, &o.team, locale), i),
            None => return Ok(Opened::Refused(refusal, locale)),
        },
    };
    let token = bot_token(s, &installation).await?;
    match s.slack.views_open(&token, &o.trigger_id, &view).await {
        Ok(view_id) => {
            tracing::info!(view_id, prefilled = o.prefill.len(), "meet form opened");
            Ok(Opened::Shown)
        }
        Err(e) => Err(views_failed("views.open", e)),
    }
}

/// The team's bot token from the installation the request read; a second
/// read only for an organisation's workspace or a token due for renewal.
pub(crate) async fn bot_token(s: &Services, inst: &Installation) -> Result<Secret, ApiError> {
    if let Some(token) = s
        .installations()
        .ready_bot_token(inst)
        .map_err(|e| ApiError::Internal(e.into()))?
    {
        return Ok(token);
    }
    s.bot_token(&inst.team_id)
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::anyhow!(e).context("the team's bot token")))
}

/// A trigger that expired means this answer came too late (Slack gives 3
/// seconds): worth a warning of its own, since only speed fixes it.
fn views_failed(method: &str, e: SlackError) -> ApiError {
    if matches!(&e, SlackError::Api { code, .. } if code == "expired_trigger_id") {
        tracing::warn!(
            method,
            "the trigger expired before the modal opened: the answer was too slow"
        );
    }
    ApiError::Unavailable(anyhow::anyhow!(e).context(format!("{method} failed")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_survives_its_round_trip_and_garbage_reads_as_nowhere() {
        let meta = Meta {
            command: "/meet".into(),
            channel: Some(ChannelId::new("C1").unwrap()),
            channel_name: Some("general".into()),
            direct: false,
            about: None,
            response_url: Some("https://hooks.slack.com/x".into()),
        };
        assert_eq!(Meta::decode(&meta.encode()), meta);
        let nowhere = Meta::decode("{not json");
        assert_eq!(nowhere.command, "/hallway");
        assert!(nowhere.direct && nowhere.channel.is_none());
    }
}
