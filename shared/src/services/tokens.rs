//! The tokens hallway calls Slack with, refreshed when rotation requires it.

use crate::ids::TeamId;
use crate::secrets::Secret;
use crate::tokens::{BotTokens, TokenError};

use super::Services;

impl Services {
    /// A linked person's user token, refreshed when rotation requires it;
    /// `None` when they have none that works (they must link again).
    pub async fn user_token(
        &self,
        user: &crate::ids::OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<Secret>, TokenError> {
        crate::tokens::UserTokens {
            links: &self.links(),
            slack: &self.slack,
            secrets: &self.secrets,
            clock: &self.clock,
        }
        .get(user, team)
        .await
    }

    /// A team's bot token, refreshed when rotation requires it.
    pub async fn bot_token(&self, team: &TeamId) -> Result<Secret, TokenError> {
        BotTokens {
            installations: &self.installations(),
            slack: &self.slack,
            secrets: &self.secrets,
            clock: &self.clock,
        }
        .get(team)
        .await
    }

    /// Slack said the team's bot token expired: a new one (see
    /// [`BotTokens::refresh_expired`]).
    pub async fn refresh_expired_bot_token(&self, team: &TeamId) -> Result<Secret, TokenError> {
        BotTokens {
            installations: &self.installations(),
            slack: &self.slack,
            secrets: &self.secrets,
            clock: &self.clock,
        }
        .refresh_expired(team)
        .await
    }

    /// Slack said a person's user token expired: a new one, or `None` when
    /// it cannot be refreshed (they must link again).
    pub async fn refresh_expired_user_token(
        &self,
        user: &crate::ids::OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<Secret>, TokenError> {
        crate::tokens::UserTokens {
            links: &self.links(),
            slack: &self.slack,
            secrets: &self.secrets,
            clock: &self.clock,
        }
        .refresh_expired(user, team)
        .await
    }
}
