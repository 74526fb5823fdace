//! The form Slack posts for a slash command, and what it says about where
//! the command was typed.

use hallway::ids::{ChannelId, TeamId, UserId};
use serde::Deserialize;

/// Every field Slack sends with a slash command
/// (docs.slack.dev/interactivity/implementing-slash-commands).
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

impl Conversation {
    /// From a conversation's name as a command or a message shortcut
    /// (`channel.name`) reports it.
    pub fn of(channel_name: Option<&str>) -> Self {
        match channel_name {
            Some("directmessage") => Conversation::Dm,
            Some(n) if n.starts_with("mpdm-") => Conversation::GroupDm,
            Some(_) => Conversation::Channel,
            // Not sent (a replayed or hand-made request): a channel is the
            // case that needs the most care (mentions, mapping checks).
            None => Conversation::Channel,
        }
    }
}

impl SlashCommand {
    pub fn conversation(&self) -> Conversation {
        Conversation::of(self.channel_name.as_deref())
    }
}
