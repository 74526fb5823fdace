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
    let before = installations.get(team).await?;
    if before.as_ref().is_some_and(|i| i.is_enterprise_install) {
        // The organisation's install took over already: not this event's.
        return Ok(Outcome::nothing(Revoked::Already));
    }
    let enterprise = before.and_then(|i| i.enterprise_id);
    let bot_token = installations
        .revoke_as_of(team, InstallStatus::Uninstalled, event_time)
        .await?;
    if bot_token == Revoked::Newer {
        return Ok(Outcome::nothing(bot_token));
    }
    if fall_back_to_org(installations, team, enterprise.as_ref()).await? {
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
    // A stand-in for the organisation's install is not this workspace's
    // own, whose bot this event names.
    if tokens.bot.contains(&installation.bot_user_id) && !installation.is_enterprise_install {
        outcome.bot_token = installations
            .revoke_as_of(team, InstallStatus::Revoked, event_time)
            .await?;
        if outcome.bot_token != Revoked::Newer
            && !fall_back_to_org(installations, team, installation.enterprise_id.as_ref()).await?
        {
            outcome.spaces_disconnected = spaces.mark_team_disconnected(team).await?;
        }
    }
    Ok(outcome)
}

/// A workspace's own install is gone; when its organisation's install
/// still serves it, that one takes over ("workspace install first, then
/// the organisation's") and its spaces stay connected. `true` when it did.
async fn fall_back_to_org(
    installations: &Installations,
    team: &TeamId,
    enterprise: Option<&EnterpriseId>,
) -> Result<bool, LifecycleError> {
    let Some(e) = enterprise else {
        return Ok(false);
    };
    let Some(granted) = installations
        .org(e)
        .await?
        .filter(|o| o.is_active())
        .and_then(|o| o.teams.into_iter().find(|g| &g.id == team))
    else {
        return Ok(false);
    };
    let served = installations.grant(e, &[granted]).await?;
    if !served.is_empty() {
        tracing::info!(team_id = %team, enterprise_id = %e, "the workspace's own install is gone; its organisation's serves it");
    }
    Ok(!served.is_empty())
}

/// Whether a lifecycle event is about an organisation-wide install: Slack
/// sends the organisation's events with no workspace (the job is filed
/// under the organisation), or through the organisation's installation
/// (`is_enterprise_install`) from a workspace it serves. A workspace's own
/// install in an organisation is the workspace's business alone, even
/// when the organisation's has taken over since (the workspace's own
/// events say `is_enterprise_install: false`).
pub async fn org_of(
    installations: &Installations,
    team: &TeamId,
    enterprise: Option<&EnterpriseId>,
    is_enterprise_install: bool,
) -> Result<Option<EnterpriseId>, LifecycleError> {
    if let Some(e) = enterprise
        && team.as_str() == e.as_str()
    {
        return Ok(Some(e.clone()));
    }
    if !is_enterprise_install {
        return Ok(None);
    }
    Ok(match installations.get(team).await? {
        Some(i) if i.is_enterprise_install => i.enterprise_id.or(enterprise.cloned()),
        Some(_) => None,
        None => match enterprise {
            Some(e) => installations
                .org(e)
                .await?
                .filter(|o| o.teams.iter().any(|g| &g.id == team))
                .map(|o| o.enterprise_id),
            None => None,
        },
    })
}

/// The organisation-wide install is gone (`app_uninstalled`, or its bot
/// token revoked, as of `event_time`: a late retry leaves a reinstall
/// alone): every workspace it served loses its stand-in, and every space
/// mapped to one of them is disconnected (workspaces with their own
/// install keep theirs).
pub async fn org_removed(
    installations: &Installations,
    spaces: &Spaces,
    enterprise: &EnterpriseId,
    status: InstallStatus,
    event_time: i64,
) -> Result<Outcome, LifecycleError> {
    let served = installations
        .revoke_org(enterprise, status, event_time)
        .await?;
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
        org_removed(
            installations,
            spaces,
            enterprise,
            InstallStatus::Revoked,
            event_time,
        )
        .await?
    } else {
        Outcome::nothing(Revoked::Already)
    };
    outcome.user_tokens_revoked = user_tokens_revoked;
    Ok(outcome)
}
