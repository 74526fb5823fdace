//! The tokens Slack calls use: a team's bot token ([`BotTokens`]) and a
//! linked person's user token ([`UserTokens`]), each refreshed when token
//! rotation is on and it is about to expire.
//!
//! A refresh token is single use, so two workers must never both spend it:
//! the refresher first takes a lock on the installation with a conditional
//! write (a lease that lapses if the refresher dies), calls
//! `oauth.v2.access`, stores the rotated pair and drops the lock in one
//! write. A caller that finds the lock taken uses the current token while it
//! is still valid, and otherwise waits briefly for the new one.

use std::time::Duration;

use crate::clock::SharedClock;
use crate::crypto::CryptoError;
use crate::ids::OfficeUserId;
use crate::ids::TeamId;
use crate::secrets::{Secret, Secrets};
use crate::slack::client::OAuthV2Access;
use crate::slack::{SlackClient, SlackError};
use crate::store::installations::{InstallStatus, TokenHolder};
use crate::store::links::IdentityLink;
use crate::store::{IdentityLinks, InstallationError, Installations, LinkError};
use crate::table::TableError;

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
    /// A person's link could not be read or written.
    #[error("a Slack identity link: {0}")]
    Link(String),
}

pub struct BotTokens<'a> {
    pub installations: &'a Installations,
    pub slack: &'a SlackClient,
    pub secrets: &'a Secrets,
    pub clock: &'a SharedClock,
}

impl BotTokens<'_> {
    /// A bot token good for at least a few minutes. A workspace an
    /// organisation's install serves uses (and renews) the organisation's
    /// one token ([`TokenHolder`]).
    pub async fn get(&self, team: &TeamId) -> Result<Secret, TokenError> {
        for _ in 0..50 {
            let h = self.holder(team).await?;
            let token = match (h.status, self.installations.open_token(&h)?) {
                (InstallStatus::Active, Some(t)) => t,
                _ => return Err(TokenError::NeedsReinstall(team.clone())),
            };
            let now = self.clock.now_secs();
            let Some(expires_at) = h.expires_at else {
                return Ok(token);
            };
            if expires_at - now > REFRESH_MARGIN_SECS {
                return Ok(token);
            }
            if self
                .installations
                .lock_refresh(&h, now + LEASE_SECS, expires_at)
                .await?
            {
                return self.refresh(&h).await;
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

    async fn holder(&self, team: &TeamId) -> Result<TokenHolder, TokenError> {
        self.installations
            .token_holder(team)
            .await?
            .ok_or_else(|| TokenError::NotInstalled(team.clone()))
    }

    /// Slack answered `token_expired` although the stored expiry said the
    /// token was good (clocks differ, or Slack ended it early): refresh now,
    /// under the same lock as [`Self::get`], and hand back the new token
    /// for the one retry. Without token rotation there is nothing to
    /// refresh: the team must reinstall.
    pub async fn refresh_expired(&self, team: &TeamId) -> Result<Secret, TokenError> {
        let first = self.holder(team).await?;
        let Some(seen) = first.expires_at else {
            return Err(TokenError::NeedsReinstall(team.clone()));
        };
        for _ in 0..50 {
            let h = self.holder(team).await?;
            if h.status != InstallStatus::Active {
                return Err(TokenError::NeedsReinstall(team.clone()));
            }
            if h.expires_at != Some(seen) {
                // Someone else refreshed meanwhile: theirs is the new one.
                return self
                    .installations
                    .open_token(&h)?
                    .ok_or_else(|| TokenError::NeedsReinstall(team.clone()));
            }
            let now = self.clock.now_secs();
            if self
                .installations
                .lock_refresh(&h, now + LEASE_SECS, seen)
                .await?
            {
                return self.refresh(&h).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(TokenError::Busy(team.clone()))
    }

    async fn refresh(&self, h: &TokenHolder) -> Result<Secret, TokenError> {
        let team = &h.team;
        let Some(refresh_token) = self.installations.open_refresh_token(h)? else {
            self.installations.unlock_refresh(h).await?;
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
                self.installations.unlock_refresh(h).await?;
                return Err(match &source {
                    SlackError::Api { code, .. } if code == "invalid_refresh_token" => {
                        TokenError::NeedsReinstall(team.clone())
                    }
                    e if e.token_may_be_dead() => TokenError::NeedsReinstall(team.clone()),
                    _ => TokenError::Refresh {
                        team: team.clone(),
                        source,
                    },
                });
            }
        };
        let Some((token, next_refresh, expires_in)) = token_pair(rotated) else {
            self.installations.unlock_refresh(h).await?;
            return Err(no_pair(team));
        };
        let expires_at = self.clock.now_secs() + expires_in;
        self.installations
            .store_rotated(h, &token, &next_refresh, expires_at)
            .await?;
        tracing::info!(team_id = %team, expires_at, "rotated the bot token");
        Ok(token)
    }
}

/// A linked person's user token, refreshed the same way as bot tokens when
/// Slack's token rotation is on (user tokens expire too). `None` when the
/// person has no usable token: never granted, revoked, or its refresh token
/// refused (then it is forgotten and the person must link again).
pub struct UserTokens<'a> {
    pub links: &'a IdentityLinks,
    pub slack: &'a SlackClient,
    pub secrets: &'a Secrets,
    pub clock: &'a SharedClock,
}

impl UserTokens<'_> {
    pub async fn get(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<Secret>, TokenError> {
        for _ in 0..50 {
            let Some(link) = self.links.get(user, team).await.map_err(store)? else {
                return Ok(None);
            };
            let Some(token) = self.links.user_token(&link).map_err(crypto)? else {
                return Ok(None);
            };
            let now = self.clock.now_secs();
            let Some(expires_at) = link.user_token_expires_at else {
                return Ok(Some(token));
            };
            if expires_at - now > REFRESH_MARGIN_SECS {
                return Ok(Some(token));
            }
            if self
                .links
                .lock_user_refresh(user, team, now + LEASE_SECS, expires_at)
                .await
                .map_err(store)?
            {
                return self.refresh(&link).await;
            }
            if expires_at > now {
                return Ok(Some(token));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(TokenError::Busy(team.clone()))
    }

    /// Slack answered `token_expired` for this person's token: refresh it
    /// now (under the lease [`Self::get`] uses) for the one retry; `None`
    /// when it cannot be refreshed (no rotation, or the refresh refused:
    /// then it is forgotten).
    pub async fn refresh_expired(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<Secret>, TokenError> {
        let Some(first) = self.links.get(user, team).await.map_err(store)? else {
            return Ok(None);
        };
        let Some(seen) = first.user_token_expires_at else {
            return Ok(None);
        };
        for _ in 0..50 {
            let Some(link) = self.links.get(user, team).await.map_err(store)? else {
                return Ok(None);
            };
            if link.user_token_expires_at != Some(seen) {
                return self.links.user_token(&link).map_err(crypto);
            }
            let now = self.clock.now_secs();
            if self
                .links
                .lock_user_refresh(user, team, now + LEASE_SECS, seen)
                .await
                .map_err(store)?
            {
                return self.refresh(&link).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(TokenError::Busy(team.clone()))
    }

    async fn refresh(&self, link: &IdentityLink) -> Result<Option<Secret>, TokenError> {
        let (user, team) = (&link.office_user_id, &link.team_id);
        let give_back = || async {
            self.links
                .unlock_user_refresh(user, team)
                .await
                .map_err(store)
        };
        let Some(refresh_token) = self.links.refresh_token(link).map_err(crypto)? else {
            give_back().await?;
            return Ok(None);
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
            Err(e)
                if matches!(&e, SlackError::Api { code, .. } if code == "invalid_refresh_token")
                    || e.token_may_be_dead() =>
            {
                tracing::warn!(error = %e, "a user token could not be refreshed; the person must link again");
                self.links
                    .revoke_user_token(team, &link.slack_user_id)
                    .await
                    .map_err(store)?;
                return Ok(None);
            }
            Err(source) => {
                give_back().await?;
                return Err(TokenError::Refresh {
                    team: team.clone(),
                    source,
                });
            }
        };
        let Some((token, next, expires_in)) = token_pair(rotated) else {
            give_back().await?;
            return Err(no_pair(team));
        };
        let expires_at = self.clock.now_secs() + expires_in;
        self.links
            .store_rotated_user_token(link, &token, &next, expires_at)
            .await
            .map_err(|e| match e {
                LinkError::Table(t) => store(t),
                other => TokenError::Link(other.to_string()),
            })?;
        tracing::info!(team_id = %team, expires_at, "rotated a user token");
        Ok(Some(token))
    }
}

/// Whether a token Slack refused (`invalid_auth`, `account_inactive`,
/// `token_revoked`: [`SlackError::token_may_be_dead`]) is really dead,
/// asked with `auth.test` on the same token. One refused call is not enough
/// to disconnect a workspace: a glitch, or a method-specific refusal, must
/// not make everyone reinstall. `Ok(true)`: `auth.test` refuses the token
/// too (dead, or every call from here is outside the workspace's IP
/// allow-list, which `invalid_auth` also reports); `Ok(false)`: the token
/// works; `Err`: `auth.test` itself could not be answered now.
pub async fn confirm_dead(slack: &SlackClient, token: &Secret) -> Result<bool, SlackError> {
    match slack.auth_test(token).await {
        Ok(_) => Ok(false),
        Err(e) if e.token_may_be_dead() => Ok(true),
        Err(e) => Err(e),
    }
}

/// A refresh's new token, next refresh token and lifetime (Slack's 12 h
/// when it does not say).
fn token_pair(r: OAuthV2Access) -> Option<(Secret, Secret, i64)> {
    Some((
        r.access_token?,
        r.refresh_token?,
        r.expires_in.unwrap_or(43_200),
    ))
}

fn no_pair(team: &TeamId) -> TokenError {
    TokenError::Refresh {
        team: team.clone(),
        source: SlackError::Decode {
            method: "oauth.v2.access".into(),
            detail: "a refresh answered without a token pair".into(),
        },
    }
}

fn store(e: TableError) -> TokenError {
    TokenError::Store(InstallationError::Table(e))
}

fn crypto(e: CryptoError) -> TokenError {
    TokenError::Store(InstallationError::Crypto(e))
}
