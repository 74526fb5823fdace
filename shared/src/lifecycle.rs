//! Use cases for the lifecycle events: `app_uninstalled` and
//! `tokens_revoked`. Slack sends them in no particular order and may repeat
//! them; each use case is idempotent, and any order ends in the same state:
//! tokens deleted, spaces marked disconnected, spaces and rooms kept.

use crate::ids::TeamId;
use crate::slack::events::RevokedTokens;
use crate::store::installations::{InstallStatus, Revoked};
use crate::store::{IdentityLinks, InstallationError, Installations, Spaces, SpacesError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub bot_token: Revoked,
    /// Spaces newly marked disconnected.
    pub spaces_disconnected: usize,
    /// User tokens deleted (people listed in `tokens.oauth` who had linked).
    pub user_tokens_revoked: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Installation(#[from] InstallationError),
    #[error(transparent)]
    Spaces(#[from] SpacesError),
}

/// The app was removed: delete the bot token, disconnect the team's spaces.
pub async fn app_uninstalled(
    installations: &Installations,
    spaces: &Spaces,
    team: &TeamId,
) -> Result<Outcome, LifecycleError> {
    let bot_token = installations
        .revoke(team, InstallStatus::Uninstalled)
        .await?;
    let spaces_disconnected = spaces.mark_team_disconnected(team).await?;
    Ok(Outcome {
        bot_token,
        spaces_disconnected,
        user_tokens_revoked: 0,
    })
}

/// Some tokens were revoked. The bot's token goes when our bot user is
/// listed; the user tokens of listed people go too (their identity links
/// stay, so they can authorize again).
pub async fn tokens_revoked(
    installations: &Installations,
    spaces: &Spaces,
    links: &IdentityLinks,
    team: &TeamId,
    tokens: &RevokedTokens,
) -> Result<Outcome, LifecycleError> {
    let mut outcome = Outcome {
        bot_token: Revoked::Already,
        spaces_disconnected: 0,
        user_tokens_revoked: 0,
    };
    for user in &tokens.oauth {
        if links
            .revoke_user_token(team, user)
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
        outcome.bot_token = installations.revoke(team, InstallStatus::Revoked).await?;
        outcome.spaces_disconnected = spaces.mark_team_disconnected(team).await?;
    }
    Ok(outcome)
}
