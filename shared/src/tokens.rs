//! The bot token a team's Slack calls use, refreshed when token rotation is
//! on and it is about to expire.
//!
//! A refresh token is single use, so two workers must never both spend it:
//! the refresher first takes a lock on the installation with a conditional
//! write (a lease that lapses if the refresher dies), calls
//! `oauth.v2.access`, stores the rotated pair and drops the lock in one
//! write. A caller that finds the lock taken uses the current token while it
//! is still valid, and otherwise waits briefly for the new one.

use std::time::Duration;

use crate::clock::SharedClock;
use crate::ids::TeamId;
use crate::secrets::{Secret, Secrets};
use crate::slack::{SlackClient, SlackError};
use crate::store::installations::{InstallStatus, Installation};
use crate::store::{InstallationError, Installations};

/// Refresh when less than this is left.
pub const REFRESH_MARGIN_SECS: i64 = 300;
/// How long a refresher may hold the lock.
const LEASE_SECS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the app is not installed in team {0}")]
    NotInstalled(TeamId),
    #[error("team {0} must reinstall the app")]
    NeedsReinstall(TeamId),
    #[error("refreshing team {team}'s token failed: {source}")]
    Refresh {
        team: TeamId,
        #[source]
        source: SlackError,
    },
    #[error("another refresh of team {0}'s token did not finish in time")]
    Busy(TeamId),
    #[error(transparent)]
    Store(#[from] InstallationError),
}

pub struct BotTokens<'a> {
    pub installations: &'a Installations,
    pub slack: &'a SlackClient,
    pub secrets: &'a Secrets,
    pub clock: &'a SharedClock,
}

impl BotTokens<'_> {
    /// A bot token good for at least a few minutes.
    pub async fn get(&self, team: &TeamId) -> Result<Secret, TokenError> {
        for _ in 0..50 {
            let inst = self
                .installations
                .get(team)
                .await?
                .ok_or_else(|| TokenError::NotInstalled(team.clone()))?;
            let token = match (inst.status, self.installations.open_bot_token(&inst)?) {
                (InstallStatus::Active, Some(t)) => t,
                _ => return Err(TokenError::NeedsReinstall(team.clone())),
            };
            let now = self.clock.now_secs();
            let Some(expires_at) = inst.bot_token_expires_at else {
                return Ok(token);
            };
            if expires_at - now > REFRESH_MARGIN_SECS {
                return Ok(token);
            }
            if self
                .installations
                .lock_refresh(team, now + LEASE_SECS, expires_at)
                .await?
            {
                return self.refresh(&inst).await;
            }
            // Someone else is refreshing (or just did): the token we read
            // still works until it expires; after that, read again.
            if expires_at > now {
                return Ok(token);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(TokenError::Busy(team.clone()))
    }

    async fn refresh(&self, inst: &Installation) -> Result<Secret, TokenError> {
        let team = &inst.team_id;
        let Some(refresh_token) = self.installations.refresh_token(inst).await? else {
            self.installations.unlock_refresh(team).await?;
            return Err(TokenError::NeedsReinstall(team.clone()));
        };
        let rotated = self
            .slack
            .oauth_v2_refresh(
                &self.secrets.client_id,
                &self.secrets.client_secret,
                &refresh_token,
            )
            .await;
        let rotated = match rotated {
            Ok(r) => r,
            Err(source) => {
                self.installations.unlock_refresh(team).await?;
                return Err(match &source {
                    SlackError::Api { code, .. } if code == "invalid_refresh_token" => {
                        TokenError::NeedsReinstall(team.clone())
                    }
                    e if e.needs_reauthorization() => TokenError::NeedsReinstall(team.clone()),
                    _ => TokenError::Refresh {
                        team: team.clone(),
                        source,
                    },
                });
            }
        };
        let (Some(token), Some(next_refresh)) = (rotated.access_token, rotated.refresh_token)
        else {
            self.installations.unlock_refresh(team).await?;
            return Err(TokenError::Refresh {
                team: team.clone(),
                source: SlackError::Decode {
                    method: "oauth.v2.access".into(),
                    detail: "a refresh answered without a token pair".into(),
                },
            });
        };
        let expires_at = self.clock.now_secs() + rotated.expires_in.unwrap_or(43_200);
        self.installations
            .store_rotated(team, &token, &next_refresh, expires_at)
            .await?;
        tracing::info!(team_id = %team, expires_at, "rotated the bot token");
        Ok(token)
    }
}
