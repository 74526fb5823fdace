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

use hallway::ids::{EnterpriseId, TeamId};
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

/// Whether a lifecycle event is about an organisation-wide install: Slack
/// sends the organisation's events with no workspace (the job is filed
/// under the organisation), or from a workspace whose installation is the
/// organisation's copy. A workspace's own install in an organisation is
/// the workspace's business alone.
pub async fn org_of(
    installations: &Installations,
    team: &TeamId,
    enterprise: Option<&EnterpriseId>,
) -> Result<Option<EnterpriseId>, LifecycleError> {
    let Some(e) = enterprise else {
        return Ok(None);
    };
    if team.as_str() == e.as_str() {
        return Ok(Some(e.clone()));
    }
    Ok(match installations.get(team).await? {
        Some(i) if i.is_enterprise_install => i.enterprise_id.or(Some(e.clone())),
        Some(_) => None,
        None => installations
            .org(e)
            .await?
            .filter(|o| o.teams.iter().any(|g| &g.id == team))
            .map(|o| o.enterprise_id),
    })
}

/// The organisation-wide install is gone (`app_uninstalled`, or its bot
/// token revoked): every workspace it served loses its copy, and every
/// space mapped to one of them is disconnected (workspaces with their own
/// install keep theirs).
pub async fn org_removed(
    installations: &Installations,
    spaces: &Spaces,
    enterprise: &EnterpriseId,
    status: InstallStatus,
) -> Result<Outcome, LifecycleError> {
    let served = installations.revoke_org(enterprise, status).await?;
    let mut outcome = Outcome::nothing(if served.is_empty() {
        Revoked::Already
    } else {
        Revoked::Now
    });
    for team in &served {
        if installations
            .get(team)
            .await?
            .is_none_or(|i| i.is_enterprise_install || !i.is_active())
        {
            outcome.spaces_disconnected += spaces.mark_team_disconnected(team).await?;
        }
    }
    tracing::info!(enterprise_id = %enterprise, workspaces = served.len(), spaces = outcome.spaces_disconnected, "the organisation's install is gone");
    Ok(outcome)
}

/// `tokens_revoked` for an organisation-wide install: the people listed
/// lose the user tokens they granted in any of its workspaces; the
/// organisation's bot listed removes the install.
pub async fn org_tokens_revoked(
    installations: &Installations,
    spaces: &Spaces,
    links: &IdentityLinks,
    enterprise: &EnterpriseId,
    tokens: &RevokedTokens,
    event_time: i64,
) -> Result<Outcome, LifecycleError> {
    let Some(org) = installations.org(enterprise).await? else {
        return Ok(Outcome::nothing(Revoked::NotInstalled));
    };
    let mut user_tokens_revoked = 0;
    for g in &org.teams {
        for user in &tokens.oauth {
            if links
                .revoke_user_token_as_of(&g.id, user, event_time)
                .await
                .map_err(|e| LifecycleError::Installation(e.into()))?
            {
                user_tokens_revoked += 1;
            }
        }
    }
    let mut outcome = if tokens.bot.contains(&org.bot_user_id) {
        org_removed(installations, spaces, enterprise, InstallStatus::Revoked).await?
    } else {
        Outcome::nothing(Revoked::Already)
    };
    outcome.user_tokens_revoked = user_tokens_revoked;
    Ok(outcome)
}
