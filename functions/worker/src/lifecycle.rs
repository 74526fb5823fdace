//! Use cases for the lifecycle events: `app_uninstalled` and
//! `tokens_revoked`. Slack sends them in no particular order ("the order of
//! the `app_uninstalled` and `tokens_revoked` events are not guaranteed",
//! docs.slack.dev/reference/events/app_uninstalled) and retries them, up to
//! 5 minutes later (docs.slack.dev/apis/events-api); each use case is
//! idempotent, and any order ends in the same state: tokens deleted, spaces
//! marked disconnected, spaces and rooms kept.
//!
//! An event is about what existed when Slack sent it (`event_time`): one
//! older than the current installation (a reinstall its retry overtook)
//! changes nothing, and one older than a person's link leaves the token they
//! granted since. `tokens_revoked` naming only user tokens (`tokens.oauth`:
//! people who removed their own authorization) drops those tokens and
//! leaves the workspace connected.

use hallway::ids::TeamId;
use hallway::slack::events::RevokedTokens;
use hallway::store::installations::{InstallStatus, Revoked};
use hallway::store::{IdentityLinks, InstallationError, Installations, Spaces, SpacesError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub bot_token: Revoked,
    /// Spaces newly marked disconnected.
    pub spaces_disconnected: usize,
    /// User tokens deleted (people listed in `tokens.oauth` who had linked).
    pub user_tokens_revoked: usize,
}

impl Outcome {
    fn nothing(bot_token: Revoked) -> Self {
        Self {
            bot_token,
            spaces_disconnected: 0,
            user_tokens_revoked: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Installation(#[from] InstallationError),
    #[error(transparent)]
    Spaces(#[from] SpacesError),
}

/// The app was removed (as of `event_time`): delete the bot token,
/// disconnect the team's spaces — unless the team installed it again since.
pub async fn app_uninstalled(
    installations: &Installations,
    spaces: &Spaces,
    team: &TeamId,
    event_time: i64,
) -> Result<Outcome, LifecycleError> {
    let bot_token = installations
        .revoke_as_of(team, InstallStatus::Uninstalled, event_time)
        .await?;
    if bot_token == Revoked::Newer {
        return Ok(Outcome::nothing(bot_token));
    }
    let spaces_disconnected = spaces.mark_team_disconnected(team).await?;
    Ok(Outcome {
        bot_token,
        spaces_disconnected,
        user_tokens_revoked: 0,
    })
}

/// Some tokens were revoked (as of `event_time`). The bot's token goes
/// when our bot user is listed; the user tokens of listed people go too
/// (their identity links stay, so they can authorize again). Tokens
/// granted after the event stay.
pub async fn tokens_revoked(
    installations: &Installations,
    spaces: &Spaces,
    links: &IdentityLinks,
    team: &TeamId,
    tokens: &RevokedTokens,
    event_time: i64,
) -> Result<Outcome, LifecycleError> {
    let mut outcome = Outcome::nothing(Revoked::Already);
    for user in &tokens.oauth {
        if links
            .revoke_user_token_as_of(team, user, event_time)
            .await
            .map_err(|e| LifecycleError::Installation(e.into()))?
        {
            outcome.user_tokens_revoked += 1;
        }
    }
    let Some(installation) = installations.get(team).await? else {
        outcome.bot_token = Revoked::NotInstalled;
        return Ok(outcome);
    };
    if tokens.bot.contains(&installation.bot_user_id) {
        outcome.bot_token = installations
            .revoke_as_of(team, InstallStatus::Revoked, event_time)
            .await?;
        if outcome.bot_token != Revoked::Newer {
            outcome.spaces_disconnected = spaces.mark_team_disconnected(team).await?;
        }
    }
    Ok(outcome)
}
