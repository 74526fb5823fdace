//! Bringing the app's bot user into a channel whose messages are to reach
//! the office (a channel mapped to a room, from `/hallway` in the worker or
//! from the office API): the bot hears `message.channels` /
//! `message.groups` only where it is a member (events/message.channels).

use crate::secrets::Secret;
use crate::slack::{SlackClient, SlackError};

/// Where the app's bot user stands in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotPresence {
    /// It was in the channel already.
    Member,
    /// It joined the public channel now (`conversations.join`).
    Joined,
    /// A private channel it is not in: only a member can add it
    /// (`conversations.join` answers `method_not_supported_for_channel_type`
    /// for private channels).
    MustBeInvited,
}

/// Asks Slack whether the bot is in `channel` (`conversations.info`) and
/// joins it when it is public. A private channel the bot is not in does
/// not exist for it (`channel_not_found`): someone must invite it.
pub async fn bring_bot(
    slack: &SlackClient,
    bot_token: &Secret,
    channel: &str,
) -> Result<BotPresence, SlackError> {
    let info = match slack.conversation_info(bot_token, channel).await {
        Ok(info) => info,
        Err(e) if e.channel_out_of_reach() => return Ok(BotPresence::MustBeInvited),
        Err(e) => return Err(e),
    };
    if info.is_member {
        return Ok(BotPresence::Member);
    }
    if info.is_private {
        return Ok(BotPresence::MustBeInvited);
    }
    match slack.join_channel(bot_token, channel).await {
        Ok(()) => Ok(BotPresence::Joined),
        Err(e) if e.join_refused() => Ok(BotPresence::MustBeInvited),
        Err(e) => Err(e),
    }
}
