//! A team's installation of the app: who installed it, the bot user, scopes,
//! and the bot token (plus refresh token and expiry when rotation is on),
//! sealed with [`TokenCipher`] and bound to the team as associated data.
//!
//! Revocation (`app_uninstalled`, `tokens_revoked`) deletes the tokens but
//! keeps the record, marked, so the office can show "disconnected" and offer
//! a reconnect. Revoking twice, or in either order, ends in the same state.
//!
//! An organisation-wide (Enterprise Grid) install is stored once for the
//! organisation ([`OrgInstallation`]), and each workspace it is granted
//! gets a copy as its own installation (`is_enterprise_install`), so every
//! lookup by team stays one read. A workspace's own install is never
//! replaced by a copy: Slack's SDKs look for the workspace's install first.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::crypto::{CryptoError, TokenCipher};
use crate::ids::{AppId, EnterpriseId, TeamId, UserId};
use crate::keys;
use crate::secrets::Secret;
use crate::table::{Condition, SharedTable, TableError, Update, from_item, n, record_item, s};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallStatus {
    Active,
    /// `app_uninstalled`: the whole install is gone.
    Uninstalled,
    /// `tokens_revoked` named our bot user: the bot token is gone.
    Revoked,
}

impl InstallStatus {
    fn as_str(self) -> &'static str {
        match self {
            InstallStatus::Active => "active",
            InstallStatus::Uninstalled => "uninstalled",
            InstallStatus::Revoked => "revoked",
        }
    }
}

/// The stored installation. Token fields hold sealed values, never tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Installation {
    pub team_id: TeamId,
    pub team_name: String,
    pub enterprise_id: Option<EnterpriseId>,
    #[serde(default)]
    pub is_enterprise_install: bool,
    pub app_id: Option<AppId>,
    pub bot_user_id: UserId,
    pub bot_scopes: Vec<String>,
    pub installer_user_id: Option<UserId>,
    pub installed_at: i64,
    pub status: InstallStatus,
    pub revoked_at: Option<i64>,
    sealed_bot_token: Option<String>,
    sealed_refresh_token: Option<String>,
    pub bot_token_expires_at: Option<i64>,
}

impl Installation {
    pub fn is_active(&self) -> bool {
        self.status == InstallStatus::Active && self.sealed_bot_token.is_some()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.bot_scopes.iter().any(|s| s == scope)
    }
}

/// What an OAuth exchange gives us, tokens in the clear.
#[derive(Debug, Clone)]
pub struct NewInstallation {
    pub team_id: TeamId,
    pub team_name: String,
    pub enterprise_id: Option<EnterpriseId>,
    pub is_enterprise_install: bool,
    pub app_id: Option<AppId>,
    pub bot_user_id: UserId,
    pub bot_scopes: Vec<String>,
    pub installer_user_id: Option<UserId>,
    pub bot_token: Secret,
    pub refresh_token: Option<Secret>,
    pub bot_token_expires_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum InstallationError {
    #[error("the app is not installed in team {0}")]
    NotInstalled(TeamId),
    #[error("team {team}'s installation is {status:?}: it must be reinstalled")]
    NeedsReinstall { team: TeamId, status: InstallStatus },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// What [`Installations::revoke`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// The tokens were deleted now.
    Now,
    /// There was an installation but its token was already gone.
    Already,
    /// We never stored an installation for the team.
    NotInstalled,
    /// The installation is newer than the event that asked: kept.
    Newer,
}

#[derive(Clone)]
pub struct Installations {
    table: SharedTable,
    cipher: Arc<TokenCipher>,
    clock: SharedClock,
}

/// An organisation-wide install (`oauth.v2.access` with
/// `is_enterprise_install: true`, `team: null`, `enterprise`): one token for
/// the workspaces an org admin grants it (`team_access_granted`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrgInstallation {
    pub enterprise_id: EnterpriseId,
    pub enterprise_name: String,
    pub app_id: Option<AppId>,
    pub bot_user_id: UserId,
    pub bot_scopes: Vec<String>,
    pub installer_user_id: Option<UserId>,
    pub installed_at: i64,
    pub status: InstallStatus,
    pub revoked_at: Option<i64>,
    sealed_bot_token: Option<String>,
    sealed_refresh_token: Option<String>,
    pub bot_token_expires_at: Option<i64>,
    /// The workspaces it was granted, with their names.
    #[serde(default)]
    pub teams: Vec<GrantedTeam>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantedTeam {
    pub id: TeamId,
    pub name: String,
}

impl OrgInstallation {
    pub fn is_active(&self) -> bool {
        self.status == InstallStatus::Active && self.sealed_bot_token.is_some()
    }
}

/// An organisation-wide install's exchange, tokens in the clear.
#[derive(Debug, Clone)]
pub struct NewOrgInstallation {
    pub enterprise_id: EnterpriseId,
    pub enterprise_name: String,
    pub app_id: Option<AppId>,
    pub bot_user_id: UserId,
    pub bot_scopes: Vec<String>,
    pub installer_user_id: Option<UserId>,
    pub bot_token: Secret,
    pub refresh_token: Option<Secret>,
    pub bot_token_expires_at: Option<i64>,
}

fn org_context(enterprise: &EnterpriseId) -> String {
    format!("bot:{enterprise}")
}

fn org_refresh_context(enterprise: &EnterpriseId) -> String {
    format!("bot-refresh:{enterprise}")
}

fn bot_context(team: &TeamId) -> String {
    format!("bot:{team}")
}

fn refresh_context(team: &TeamId) -> String {
    format!("bot-refresh:{team}")
}

impl Installations {
    pub fn new(table: SharedTable, cipher: Arc<TokenCipher>, clock: SharedClock) -> Self {
        Self {
            table,
            cipher,
            clock,
        }
    }

    /// Stores (or replaces, on reinstall) a team's installation.
    pub async fn save(&self, new: NewInstallation) -> Result<Installation, InstallationError> {
        let team = new.team_id.clone();
        let record = Installation {
            sealed_bot_token: Some(self.cipher.seal(&new.bot_token, &bot_context(&team))?),
            sealed_refresh_token: new
                .refresh_token
                .as_ref()
                .map(|t| self.cipher.seal(t, &refresh_context(&team)))
                .transpose()?,
            bot_token_expires_at: new.bot_token_expires_at,
            team_id: new.team_id,
            team_name: new.team_name,
            enterprise_id: new.enterprise_id,
            is_enterprise_install: new.is_enterprise_install,
            app_id: new.app_id,
            bot_user_id: new.bot_user_id,
            bot_scopes: new.bot_scopes,
            installer_user_id: new.installer_user_id,
            installed_at: self.clock.now_secs(),
            status: InstallStatus::Active,
            revoked_at: None,
        };
        let item = record_item(&keys::installation(&team), &record)?;
        self.table.put(item, None).await?;
        Ok(record)
    }

    pub async fn get(&self, team: &TeamId) -> Result<Option<Installation>, InstallationError> {
        match self.table.get(&keys::installation(team)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(from_item(item)?)),
        }
    }

    /// The bot token, or why there is none.
    pub async fn bot_token(&self, team: &TeamId) -> Result<Secret, InstallationError> {
        let inst = self
            .get(team)
            .await?
            .ok_or_else(|| InstallationError::NotInstalled(team.clone()))?;
        match (&inst.sealed_bot_token, inst.status) {
            (Some(sealed), InstallStatus::Active) => {
                Ok(self.cipher.open(sealed, &bot_context(team))?)
            }
            (_, status) => Err(InstallationError::NeedsReinstall {
                team: team.clone(),
                status,
            }),
        }
    }

    /// The refresh token, when token rotation is on.
    pub async fn refresh_token(
        &self,
        inst: &Installation,
    ) -> Result<Option<Secret>, InstallationError> {
        inst.sealed_refresh_token
            .as_ref()
            .map(|sealed| self.cipher.open(sealed, &refresh_context(&inst.team_id)))
            .transpose()
            .map_err(Into::into)
    }

    /// Opens a sealed bot token of this installation.
    pub fn open_bot_token(&self, inst: &Installation) -> Result<Option<Secret>, InstallationError> {
        inst.sealed_bot_token
            .as_ref()
            .map(|sealed| self.cipher.open(sealed, &bot_context(&inst.team_id)))
            .transpose()
            .map_err(Into::into)
    }

    /// Takes the refresh lock until `until` (Unix seconds) if nobody holds
    /// it and the token is still the one that expires at `seen_expiry` (a
    /// caller that read before someone else's rotation must not refresh
    /// again with the spent refresh token). Of several callers, one gets
    /// `true`.
    pub async fn lock_refresh(
        &self,
        team: &TeamId,
        until: i64,
        seen_expiry: i64,
    ) -> Result<bool, InstallationError> {
        // A workspace's copy of an organisation's install shares its token:
        // the organisation's record holds the one lock.
        let key = match self.org_of_copy(team).await? {
            Some(e) => keys::org_installation(&e),
            None => keys::installation(team),
        };
        let now = self.clock.now_secs();
        match self
            .table
            .update(
                &key,
                Update::default().set("refresh_lock_until", n(until)),
                Some(Condition::All(vec![
                    Condition::Equals("status".into(), s(InstallStatus::Active.as_str())),
                    Condition::Equals("bot_token_expires_at".into(), n(seen_expiry)),
                    Condition::Below("refresh_lock_until".into(), now),
                ])),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The organisation whose install `team`'s installation copies.
    async fn org_of_copy(&self, team: &TeamId) -> Result<Option<EnterpriseId>, InstallationError> {
        Ok(self
            .get(team)
            .await?
            .filter(|i| i.is_enterprise_install)
            .and_then(|i| i.enterprise_id))
    }

    pub async fn unlock_refresh(&self, team: &TeamId) -> Result<(), InstallationError> {
        let key = match self.org_of_copy(team).await? {
            Some(e) => keys::org_installation(&e),
            None => keys::installation(team),
        };
        self.table
            .update(
                &key,
                Update::default().remove("refresh_lock_until"),
                Some(Condition::Exists),
            )
            .await
            .map(|_| ())
            .or_else(|e| match e {
                TableError::ConditionFailed => Ok(()),
                e => Err(e.into()),
            })
    }

    /// Stores a rotated token pair and releases the refresh lock.
    ///
    /// For a workspace's copy of an organisation's install the new pair is
    /// the organisation's: its record and every copy of it get it.
    pub async fn store_rotated(
        &self,
        team: &TeamId,
        bot_token: &Secret,
        refresh_token: &Secret,
        expires_at: i64,
    ) -> Result<(), InstallationError> {
        let Some(e) = self.org_of_copy(team).await? else {
            return self
                .store_rotated_for(team, bot_token, refresh_token, expires_at)
                .await;
        };
        let update = Update::default()
            .set(
                "sealed_bot_token",
                s(self.cipher.seal(bot_token, &org_context(&e))?),
            )
            .set(
                "sealed_refresh_token",
                s(self.cipher.seal(refresh_token, &org_refresh_context(&e))?),
            )
            .set("bot_token_expires_at", n(expires_at))
            .remove("refresh_lock_until");
        self.table
            .update(
                &keys::org_installation(&e),
                update,
                Some(Condition::Equals(
                    "status".into(),
                    s(InstallStatus::Active.as_str()),
                )),
            )
            .await?;
        let teams = self.org(&e).await?.map(|o| o.teams).unwrap_or_default();
        for g in teams {
            if self.org_of_copy(&g.id).await?.as_ref() == Some(&e) {
                self.store_rotated_for(&g.id, bot_token, refresh_token, expires_at)
                    .await?;
            }
        }
        Ok(())
    }

    async fn store_rotated_for(
        &self,
        team: &TeamId,
        bot_token: &Secret,
        refresh_token: &Secret,
        expires_at: i64,
    ) -> Result<(), InstallationError> {
        let update = Update::default()
            .set(
                "sealed_bot_token",
                s(self.cipher.seal(bot_token, &bot_context(team))?),
            )
            .set(
                "sealed_refresh_token",
                s(self.cipher.seal(refresh_token, &refresh_context(team))?),
            )
            .set("bot_token_expires_at", n(expires_at))
            .remove("refresh_lock_until");
        self.table
            .update(
                &keys::installation(team),
                update,
                Some(Condition::Equals(
                    "status".into(),
                    s(InstallStatus::Active.as_str()),
                )),
            )
            .await?;
        Ok(())
    }

    /// Deletes the bot token and refresh token and marks the installation.
    /// Idempotent: the first call wins, later ones report [`Revoked::Already`].
    pub async fn revoke(
        &self,
        team: &TeamId,
        status: InstallStatus,
    ) -> Result<Revoked, InstallationError> {
        self.revoke_when(team, status, None).await
    }

    /// [`Self::revoke`] for a lifecycle event Slack sent at `event_time`:
    /// an installation made after it (a reinstall the event's retry
    /// overtook) is left alone and reported as [`Revoked::Newer`].
    pub async fn revoke_as_of(
        &self,
        team: &TeamId,
        status: InstallStatus,
        event_time: i64,
    ) -> Result<Revoked, InstallationError> {
        self.revoke_when(team, status, Some(event_time)).await
    }

    async fn revoke_when(
        &self,
        team: &TeamId,
        status: InstallStatus,
        event_time: Option<i64>,
    ) -> Result<Revoked, InstallationError> {
        let update = Update::default()
            .remove("sealed_bot_token")
            .remove("sealed_refresh_token")
            .remove("bot_token_expires_at")
            .set("status", s(status.as_str()))
            .set("revoked_at", n(self.clock.now_secs()));
        let mut guard = vec![
            Condition::Exists,
            Condition::Equals("status".into(), s(InstallStatus::Active.as_str())),
        ];
        if let Some(at) = event_time {
            // Installed in the event's second or before: the event is about it.
            guard.push(Condition::Below("installed_at".into(), at + 1));
        }
        match self
            .table
            .update(
                &keys::installation(team),
                update,
                Some(Condition::All(guard)),
            )
            .await
        {
            Ok(_) => Ok(Revoked::Now),
            Err(TableError::ConditionFailed) => match self.get(team).await? {
                Some(i) if event_time.is_some_and(|at| i.installed_at > at) => Ok(Revoked::Newer),
                Some(_) => Ok(Revoked::Already),
                None => Ok(Revoked::NotInstalled),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Stores (or replaces, on reinstall) an organisation-wide install,
    /// keeping the workspaces it was granted before.
    pub async fn save_org(
        &self,
        new: NewOrgInstallation,
    ) -> Result<OrgInstallation, InstallationError> {
        let e = new.enterprise_id.clone();
        let teams = self.org(&e).await?.map(|o| o.teams).unwrap_or_default();
        let record = OrgInstallation {
            sealed_bot_token: Some(self.cipher.seal(&new.bot_token, &org_context(&e))?),
            sealed_refresh_token: new
                .refresh_token
                .as_ref()
                .map(|t| self.cipher.seal(t, &org_refresh_context(&e)))
                .transpose()?,
            bot_token_expires_at: new.bot_token_expires_at,
            enterprise_id: new.enterprise_id,
            enterprise_name: new.enterprise_name,
            app_id: new.app_id,
            bot_user_id: new.bot_user_id,
            bot_scopes: new.bot_scopes,
            installer_user_id: new.installer_user_id,
            installed_at: self.clock.now_secs(),
            status: InstallStatus::Active,
            revoked_at: None,
            teams,
        };
        let item = record_item(&keys::org_installation(&e), &record)?;
        self.table.put(item, None).await?;
        Ok(record)
    }

    pub async fn org(
        &self,
        enterprise: &EnterpriseId,
    ) -> Result<Option<OrgInstallation>, InstallationError> {
        match self.table.get(&keys::org_installation(enterprise)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(from_item(item)?)),
        }
    }

    /// The organisation's bot token, or why there is none.
    pub async fn org_bot_token(&self, org: &OrgInstallation) -> Result<Secret, InstallationError> {
        match (&org.sealed_bot_token, org.status) {
            (Some(sealed), InstallStatus::Active) => {
                Ok(self.cipher.open(sealed, &org_context(&org.enterprise_id))?)
            }
            (_, status) => Err(InstallationError::NeedsReinstall {
                team: TeamId::new(org.enterprise_id.as_str())
                    .map_err(|e| InstallationError::Table(TableError::Invalid(e.to_string())))?,
                status,
            }),
        }
    }

    /// The organisation's install now serves these workspaces: each gets a
    /// copy as its own installation, unless it has an install of its own
    /// (Slack's SDKs look for the workspace's first). Returns the teams
    /// that now use the organisation's install.
    ///
    /// Read, then written: a workspace install landing between the two is
    /// the one race left, and it ends with the copy; reinstalling the
    /// workspace puts its own back.
    pub async fn grant(
        &self,
        enterprise: &EnterpriseId,
        teams: &[GrantedTeam],
    ) -> Result<Vec<TeamId>, InstallationError> {
        let Some(mut org) = self.org(enterprise).await? else {
            return Ok(Vec::new());
        };
        let token = self.org_bot_token(&org).await?;
        let refresh = org
            .sealed_refresh_token
            .as_ref()
            .map(|sealed| self.cipher.open(sealed, &org_refresh_context(enterprise)))
            .transpose()?;
        let mut serving = Vec::new();
        for t in teams {
            if let Some(own) = self.get(&t.id).await?
                && !own.is_enterprise_install
                && own.is_active()
            {
                tracing::info!(team_id = %t.id, "the workspace has its own install; it stays");
            } else {
                self.save(NewInstallation {
                    team_id: t.id.clone(),
                    team_name: t.name.clone(),
                    enterprise_id: Some(enterprise.clone()),
                    is_enterprise_install: true,
                    app_id: org.app_id.clone(),
                    bot_user_id: org.bot_user_id.clone(),
                    bot_scopes: org.bot_scopes.clone(),
                    installer_user_id: org.installer_user_id.clone(),
                    bot_token: token.clone(),
                    refresh_token: refresh.clone(),
                    bot_token_expires_at: org.bot_token_expires_at,
                })
                .await?;
                serving.push(t.id.clone());
            }
            if !org.teams.iter().any(|g| g.id == t.id) {
                org.teams.push(t.clone());
            }
        }
        let item = record_item(&keys::org_installation(enterprise), &org)?;
        self.table.put(item, None).await?;
        Ok(serving)
    }

    /// The organisation's install no longer serves these workspaces
    /// (`team_access_revoked`): their copies are revoked (a workspace's own
    /// install is left alone). Returns the teams whose copy went.
    pub async fn ungrant(
        &self,
        enterprise: &EnterpriseId,
        teams: &[TeamId],
        status: InstallStatus,
    ) -> Result<Vec<TeamId>, InstallationError> {
        let mut gone = Vec::new();
        for team in teams {
            if let Some(copy) = self.get(team).await?
                && copy.is_enterprise_install
                && copy.enterprise_id.as_ref() == Some(enterprise)
                && self.revoke(team, status).await? == Revoked::Now
            {
                gone.push(team.clone());
            }
        }
        if let Some(mut org) = self.org(enterprise).await? {
            org.teams.retain(|g| !teams.contains(&g.id));
            let item = record_item(&keys::org_installation(enterprise), &org)?;
            self.table.put(item, None).await?;
        }
        Ok(gone)
    }

    /// Removes the organisation's install (`app_uninstalled`, or its bot
    /// token revoked): its token goes, and every workspace copy of it.
    /// Returns the workspaces it served. Idempotent.
    pub async fn revoke_org(
        &self,
        enterprise: &EnterpriseId,
        status: InstallStatus,
    ) -> Result<Vec<TeamId>, InstallationError> {
        let Some(org) = self.org(enterprise).await? else {
            return Ok(Vec::new());
        };
        let teams: Vec<TeamId> = org.teams.iter().map(|g| g.id.clone()).collect();
        for team in &teams {
            if let Some(copy) = self.get(team).await?
                && copy.is_enterprise_install
                && copy.enterprise_id.as_ref() == Some(enterprise)
            {
                self.revoke(team, status).await?;
            }
        }
        let update = Update::default()
            .remove("sealed_bot_token")
            .remove("sealed_refresh_token")
            .remove("bot_token_expires_at")
            .set("status", s(status.as_str()))
            .set("revoked_at", n(self.clock.now_secs()));
        match self
            .table
            .update(
                &keys::org_installation(enterprise),
                update,
                Some(Condition::Equals(
                    "status".into(),
                    s(InstallStatus::Active.as_str()),
                )),
            )
            .await
        {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(teams),
            Err(e) => Err(e.into()),
        }
    }
}
