//! Identity links: which Slack user an office user is, per Slack team, and
//! back. A link is two items written in one transaction: the link under the
//! office user, and a guard under the Slack user whose condition makes a
//! Slack user linkable to one office user only. The user token (when the
//! person authorized user scopes) is sealed and bound to the link.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::crypto::{CryptoError, TokenCipher};
use crate::ids::{EnterpriseId, OfficeUserId, TeamId, UserId};
use crate::keys;
use crate::secrets::Secret;
use crate::table::{
    Condition, Item, Query, SharedTable, TableError, Write, all_records, from_item, record_item, s,
};

/// How the link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkedVia {
    /// Sign in with Slack: identity only, no user token.
    SignIn,
    /// User-scope OAuth from a logged-in office session.
    Authorize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityLink {
    pub office_user_id: OfficeUserId,
    pub team_id: TeamId,
    pub slack_user_id: UserId,
    pub enterprise_id: Option<EnterpriseId>,
    pub via: LinkedVia,
    #[serde(default)]
    pub user_scopes: Vec<String>,
    sealed_user_token: Option<String>,
    pub linked_at: i64,
    /// With token rotation: the single-use refresh token, sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_refresh_token: Option<String>,
    /// With token rotation: when the user token expires (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_token_expires_at: Option<i64>,
    /// Held by whoever is refreshing the user token (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_lease_until: Option<i64>,
}

impl IdentityLink {
    pub fn has_user_token(&self) -> bool {
        self.sealed_user_token.is_some()
    }
}

/// A user token that rotates: its refresh token and when it expires.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub refresh_token: Secret,
    pub expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Guard {
    office_user_id: OfficeUserId,
    #[serde(default)]
    slack_user_id: Option<UserId>,
}

/// The office user a Slack user's link item (pattern 11) names.
pub fn office_user_of(item: Item) -> Result<OfficeUserId, TableError> {
    Ok(from_item::<Guard>(item)?.office_user_id)
}

/// What to link.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub office_user_id: OfficeUserId,
    pub team_id: TeamId,
    pub slack_user_id: UserId,
    pub enterprise_id: Option<EnterpriseId>,
    pub via: LinkedVia,
    pub user_scopes: Vec<String>,
    pub user_token: Option<Secret>,
    /// When Slack's token rotation is on.
    pub rotation: Option<Rotation>,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("this Slack account is already linked to another hallway user")]
    SlackUserTaken,
    #[error("the link changed while it was being written; try again")]
    Conflict,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Table(#[from] TableError),
}

#[derive(Clone)]
pub struct IdentityLinks {
    table: SharedTable,
    cipher: Arc<TokenCipher>,
    clock: SharedClock,
}

fn token_context(team: &TeamId, slack_user: &UserId) -> String {
    format!("user:{team}:{slack_user}")
}

fn refresh_context(team: &TeamId, slack_user: &UserId) -> String {
    format!("user-refresh:{team}:{slack_user}")
}

impl IdentityLinks {
    pub fn new(table: SharedTable, cipher: Arc<TokenCipher>, clock: SharedClock) -> Self {
        Self {
            table,
            cipher,
            clock,
        }
    }

    /// The office user a Slack user is linked to.
    pub async fn office_user_for(
        &self,
        team: &TeamId,
        slack_user: &UserId,
    ) -> Result<Option<OfficeUserId>, TableError> {
        self.table
            .get(&keys::slack_user(team, slack_user))
            .await?
            .map(office_user_of)
            .transpose()
    }

    /// An office user's Slack identity in a team.
    pub async fn get(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<IdentityLink>, TableError> {
        self.table
            .get(&keys::identity(user, team))
            .await?
            .map(from_item)
            .transpose()
    }

    /// The sealed refresh token of a link, opened.
    pub fn refresh_token(&self, link: &IdentityLink) -> Result<Option<Secret>, CryptoError> {
        link.sealed_refresh_token
            .as_ref()
            .map(|t| {
                self.cipher
                    .open(t, &refresh_context(&link.team_id, &link.slack_user_id))
            })
            .transpose()
    }

    /// Takes the lease to refresh a link's user token: `true` for one
    /// caller until `until` (or until the lease is given back), and only
    /// while the token is still the one that expires at `seen_expiry` (a
    /// caller that read it before someone else's refresh must not spend the
    /// new refresh token's predecessor).
    pub async fn lock_user_refresh(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
        until: i64,
        seen_expiry: i64,
    ) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        match self
            .table
            .update(
                &keys::identity(user, team),
                crate::table::Update::default().set("refresh_lease_until", crate::table::n(until)),
                Some(Condition::All(vec![
                    Condition::Equals("user_token_expires_at".into(), crate::table::n(seen_expiry)),
                    Condition::Below("refresh_lease_until".into(), now + 1),
                ])),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the lease back without a new token.
    pub async fn unlock_user_refresh(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
    ) -> Result<(), TableError> {
        match self
            .table
            .update(
                &keys::identity(user, team),
                crate::table::Update::default().remove("refresh_lease_until"),
                Some(Condition::Exists),
            )
            .await
        {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Stores a rotated user token pair and gives the lease back, in one
    /// write, as long as the link is still the same Slack person's.
    pub async fn store_rotated_user_token(
        &self,
        link: &IdentityLink,
        token: &Secret,
        refresh: &Secret,
        expires_at: i64,
    ) -> Result<(), LinkError> {
        let (team, slack) = (&link.team_id, &link.slack_user_id);
        let update = crate::table::Update::default()
            .set(
                "sealed_user_token",
                s(self.cipher.seal(token, &token_context(team, slack))?),
            )
            .set(
                "sealed_refresh_token",
                s(self.cipher.seal(refresh, &refresh_context(team, slack))?),
            )
            .set("user_token_expires_at", crate::table::n(expires_at))
            .remove("refresh_lease_until");
        self.table
            .update(
                &keys::identity(&link.office_user_id, team),
                update,
                Some(Condition::Equals("slack_user_id".into(), s(slack.as_str()))),
            )
            .await?;
        Ok(())
    }

    /// Everyone linked in a team: Slack user → office user.
    pub async fn linked_in_team(
        &self,
        team: &TeamId,
    ) -> Result<Vec<(UserId, OfficeUserId)>, TableError> {
        let guards: Vec<Guard> = all_records(
            self.table.as_ref(),
            Query::partition(keys::team_pk(team))
                .prefix(keys::LINK_PREFIX)
                .limit(1000),
        )
        .await?;
        Ok(guards
            .into_iter()
            .filter_map(|g| Some((g.slack_user_id?, g.office_user_id)))
            .collect())
    }

    /// Breaks an office user's link in a team: the identity (and its user
    /// token) and the reverse lookup go together. Returns the link that was.
    pub async fn unlink(
        &self,
        user: &OfficeUserId,
        team: &TeamId,
    ) -> Result<Option<IdentityLink>, TableError> {
        let Some(link) = self.get(user, team).await? else {
            return Ok(None);
        };
        let writes = vec![
            Write::Delete {
                key: keys::identity(user, team),
                condition: Some(Condition::Equals(
                    "slack_user_id".into(),
                    s(link.slack_user_id.as_str()),
                )),
            },
            Write::Delete {
                key: keys::slack_user(team, &link.slack_user_id),
                condition: None,
            },
        ];
        match self.table.transact(writes).await {
            Ok(()) => Ok(Some(link)),
            Err(TableError::TransactionConflict { .. }) => Err(TableError::ConditionFailed),
            Err(e) => Err(e),
        }
    }

    /// Every Slack identity of an office user, one per team.
    pub async fn of_user(&self, user: &OfficeUserId) -> Result<Vec<IdentityLink>, TableError> {
        all_records(
            self.table.as_ref(),
            Query::partition(keys::user_pk(user))
                .prefix(keys::IDENTITY_PREFIX)
                .limit(100),
        )
        .await
    }

    pub fn user_token(&self, link: &IdentityLink) -> Result<Option<Secret>, CryptoError> {
        link.sealed_user_token
            .as_ref()
            .map(|t| {
                self.cipher
                    .open(t, &token_context(&link.team_id, &link.slack_user_id))
            })
            .transpose()
    }

    /// Deletes the user token of the office user a Slack user is linked to
    /// (`tokens_revoked`); the identity link itself stays. Returns whether a
    /// token was deleted.
    pub async fn revoke_user_token(
        &self,
        team: &TeamId,
        slack_user: &UserId,
    ) -> Result<bool, TableError> {
        self.revoke_user_token_when(team, slack_user, None).await
    }

    /// [`Self::revoke_user_token`] for a `tokens_revoked` Slack sent at
    /// `event_time`: a link made after it (the person linked again while
    /// the event's retry was on its way) keeps its new token.
    pub async fn revoke_user_token_as_of(
        &self,
        team: &TeamId,
        slack_user: &UserId,
        event_time: i64,
    ) -> Result<bool, TableError> {
        self.revoke_user_token_when(team, slack_user, Some(event_time))
            .await
    }

    async fn revoke_user_token_when(
        &self,
        team: &TeamId,
        slack_user: &UserId,
        event_time: Option<i64>,
    ) -> Result<bool, TableError> {
        let Some(user) = self.office_user_for(team, slack_user).await? else {
            return Ok(false);
        };
        let update = crate::table::Update::default()
            .remove("sealed_user_token")
            .remove("sealed_refresh_token")
            .remove("user_token_expires_at")
            .remove("refresh_lease_until")
            .set("user_scopes", crate::table::Value::L(Vec::new()));
        let mut guard = vec![
            Condition::Equals("slack_user_id".into(), s(slack_user.as_str())),
            Condition::Exists,
        ];
        if let Some(at) = event_time {
            guard.push(Condition::Below("linked_at".into(), at + 1));
        }
        let guard = Condition::All(guard);
        let had_token = self.get(&user, team).await?.is_some_and(|l| {
            l.slack_user_id == *slack_user
                && l.has_user_token()
                && event_time.is_none_or(|at| l.linked_at <= at)
        });
        match self
            .table
            .update(&keys::identity(&user, team), update, Some(guard))
            .await
        {
            Ok(_) => Ok(had_token),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Links (or re-links) an office user to a Slack user in a team. A Slack
    /// user linked to someone else is refused; an office user who was linked
    /// to another Slack user of the team is moved over. A sign-in never
    /// downgrades a link that holds a user token.
    pub async fn link(&self, new: NewLink) -> Result<IdentityLink, LinkError> {
        let existing = self.get(&new.office_user_id, &new.team_id).await?;
        let taken_by = self
            .office_user_for(&new.team_id, &new.slack_user_id)
            .await?;
        if taken_by.as_ref().is_some_and(|u| *u != new.office_user_id) {
            return Err(LinkError::SlackUserTaken);
        }
        let keep_token = new.via == LinkedVia::SignIn
            && existing
                .as_ref()
                .is_some_and(|l| l.slack_user_id == new.slack_user_id && l.has_user_token());
        let link = match (keep_token, &existing) {
            (true, Some(old)) => old.clone(),
            _ => IdentityLink {
                sealed_user_token: new
                    .user_token
                    .as_ref()
                    .map(|t| {
                        self.cipher
                            .seal(t, &token_context(&new.team_id, &new.slack_user_id))
                    })
                    .transpose()?,
                office_user_id: new.office_user_id.clone(),
                team_id: new.team_id.clone(),
                slack_user_id: new.slack_user_id.clone(),
                enterprise_id: new.enterprise_id.clone(),
                via: new.via,
                user_scopes: new.user_scopes.clone(),
                linked_at: self.clock.now_secs(),
                sealed_refresh_token: new
                    .rotation
                    .as_ref()
                    .map(|r| {
                        self.cipher.seal(
                            &r.refresh_token,
                            &refresh_context(&new.team_id, &new.slack_user_id),
                        )
                    })
                    .transpose()?,
                user_token_expires_at: new.rotation.as_ref().map(|r| r.expires_at),
                refresh_lease_until: None,
            },
        };
        let me = s(new.office_user_id.as_str());
        let mut writes = vec![
            Write::Put {
                item: record_item(
                    &keys::slack_user(&new.team_id, &new.slack_user_id),
                    &Guard {
                        office_user_id: new.office_user_id.clone(),
                        slack_user_id: Some(new.slack_user_id.clone()),
                    },
                )?,
                condition: Some(match taken_by {
                    Some(_) => Condition::Equals("office_user_id".into(), me.clone()),
                    None => Condition::NotExists,
                }),
            },
            Write::Put {
                item: record_item(&keys::identity(&new.office_user_id, &new.team_id), &link)?,
                condition: None,
            },
        ];
        if let Some(old) = existing
            .as_ref()
            .filter(|old| old.slack_user_id != new.slack_user_id)
        {
            writes.push(Write::Delete {
                key: keys::slack_user(&new.team_id, &old.slack_user_id),
                condition: Some(Condition::Equals("office_user_id".into(), me)),
            });
        }
        match self.table.transact(writes).await {
            Ok(()) => Ok(link),
            Err(TableError::TransactionConflict { failed }) if failed == [0] => {
                // Someone linked the Slack user meanwhile: is it us?
                match self
                    .office_user_for(&new.team_id, &new.slack_user_id)
                    .await?
                {
                    Some(u) if u != new.office_user_id => Err(LinkError::SlackUserTaken),
                    _ => Err(LinkError::Conflict),
                }
            }
            Err(TableError::TransactionConflict { .. }) => Err(LinkError::Conflict),
            Err(e) => Err(e.into()),
        }
    }
}
