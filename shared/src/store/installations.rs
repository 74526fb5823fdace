//! A team's installation of the app: who installed it, the bot user, scopes,
//! and the bot token (plus refresh token and expiry when rotation is on),
//! sealed with [`TokenCipher`] and bound to the team as associated data.
//!
//! Revocation (`app_uninstalled`, `tokens_revoked`) deletes the tokens but
//! keeps the record, marked, so the office can show "disconnected" and offer
//! a reconnect. Revoking twice, or in either order, ends in the same state.
//!
//! An organisation-wide (Enterprise Grid) install is stored once for the
//! organisation ([`OrgInstallation`]), with its one bot token; each
//! workspace it is granted gets a stand-in as its own installation
//! (`is_enterprise_install`, no token), so every lookup by team stays one
//! read, and a token is read (and rotated) only where it lives
//! ([`TokenHolder`]). A workspace's own install is never replaced by a
//! stand-in: it is looked for first. The workspaces granted are
//! attributes of the organisation's item (`granted#{team}`), added and
//! removed one by one, so a grant never overwrites a rotation.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::crypto::{CryptoError, TokenCipher};
use crate::ids::{AppId, EnterpriseId, TeamId, UserId};
use crate::keys;
use crate::secrets::Secret;
use crate::table::{
    Condition, SharedTable, TableError, Update, Value, from_item, n, record_item, s,
};

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
    /// Usable: active, with its token (a workspace's own install) or
    /// standing in for its organisation's.
    pub fn is_active(&self) -> bool {
        self.status == InstallStatus::Active
            && (self.sealed_bot_token.is_some() || self.is_enterprise_install)
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
    /// The workspaces it was granted, with their names: read from the
    /// item's `granted#{team}` attributes.
    #[serde(skip)]
    pub teams: Vec<GrantedTeam>,
    /// Spaces whose admin chose a workspace not granted yet, by workspace
    /// (`pending#{team}`): connected when it is.
    #[serde(skip)]
    pub pending: Vec<(TeamId, crate::ids::SpaceId)>,
}

/// Attribute-name prefix of an organisation's granted workspaces.
const GRANTED_ATTR_PREFIX: &str = "granted#";
/// Attribute-name prefix of a space waiting for a workspace to be granted
/// (`pending#{team}` = the space).
const PENDING_ATTR_PREFIX: &str = "pending#";

/// Where a team's bot token lives: its own installation, or (a workspace
/// an organisation's install serves) the organisation's record. Tokens
/// are read, locked for a refresh and rotated here.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    /// The team asked for.
    pub team: TeamId,
    key: crate::table::Key,
    context: String,
    refresh_context: String,
    pub status: InstallStatus,
    sealed_bot_token: Option<String>,
    sealed_refresh_token: Option<String>,
    pub expires_at: Option<i64>,
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

    /// Where `team`'s bot token lives; `None` when it is not installed.
    pub async fn token_holder(
        &self,
        team: &TeamId,
    ) -> Result<Option<TokenHolder>, InstallationError> {
        let Some(inst) = self.get(team).await? else {
            return Ok(None);
        };
        if inst.is_enterprise_install
            && inst.sealed_bot_token.is_none()
            && let Some(e) = &inst.enterprise_id
        {
            let org = self.org(e).await?;
            let (status, sealed, refresh, expires) = match org {
                Some(o) if inst.status == InstallStatus::Active => (
                    o.status,
                    o.sealed_bot_token,
                    o.sealed_refresh_token,
                    o.bot_token_expires_at,
                ),
                Some(_) => (inst.status, None, None, None),
                None => (InstallStatus::Uninstalled, None, None, None),
            };
            return Ok(Some(TokenHolder {
                team: team.clone(),
                key: keys::org_installation(e),
                context: org_context(e),
                refresh_context: org_refresh_context(e),
                status,
                sealed_bot_token: sealed,
                sealed_refresh_token: refresh,
                expires_at: expires,
            }));
        }
        Ok(Some(TokenHolder {
            team: team.clone(),
            key: keys::installation(team),
            context: bot_context(team),
            refresh_context: refresh_context(team),
            status: inst.status,
            sealed_bot_token: inst.sealed_bot_token,
            sealed_refresh_token: inst.sealed_refresh_token,
            expires_at: inst.bot_token_expires_at,
        }))
    }

    /// The bot token, or why there is none.
    pub async fn bot_token(&self, team: &TeamId) -> Result<Secret, InstallationError> {
        let h = self
            .token_holder(team)
            .await?
            .ok_or_else(|| InstallationError::NotInstalled(team.clone()))?;
        match (&h.sealed_bot_token, h.status) {
            (Some(sealed), InstallStatus::Active) => Ok(self.cipher.open(sealed, &h.context)?),
            (_, status) => Err(InstallationError::NeedsReinstall {
                team: team.clone(),
                status,
            }),
        }
    }

    /// The bot token of a workspace's own installation as a request already
    /// read it, when it is active and good for a few more minutes: an
    /// acknowledgement that must call Slack (a modal's `views.open`) then
    /// needs no second read. `None`: ask [`crate::tokens::BotTokens`]
    /// (an organisation's stand-in, or a token due for renewal).
    pub fn ready_bot_token(
        &self,
        inst: &Installation,
    ) -> Result<Option<Secret>, InstallationError> {
        let fresh = inst
            .bot_token_expires_at
            .is_none_or(|at| at - self.clock.now_secs() > crate::tokens::REFRESH_MARGIN_SECS);
        match (&inst.sealed_bot_token, inst.status) {
            (Some(sealed), InstallStatus::Active) if fresh => {
                Ok(Some(self.cipher.open(sealed, &bot_context(&inst.team_id))?))
            }
            _ => Ok(None),
        }
    }

    /// The refresh token of a workspace's own installation, when token
    /// rotation is on.
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

    /// The holder's bot token.
    pub fn open_token(&self, h: &TokenHolder) -> Result<Option<Secret>, InstallationError> {
        h.sealed_bot_token
            .as_ref()
            .map(|sealed| self.cipher.open(sealed, &h.context))
            .transpose()
            .map_err(Into::into)
    }

    /// The holder's refresh token, when token rotation is on.
    pub fn open_refresh_token(&self, h: &TokenHolder) -> Result<Option<Secret>, InstallationError> {
        h.sealed_refresh_token
            .as_ref()
            .map(|sealed| self.cipher.open(sealed, &h.refresh_context))
            .transpose()
            .map_err(Into::into)
    }

    /// Takes the refresh lock until `until` (Unix seconds) if nobody holds
    /// it and the token is still the one that expires at `seen_expiry` (a
    /// caller that read before someone else's rotation must not refresh
    /// again with the spent refresh token). Of several callers, one gets
    /// `true`. An organisation's workspaces share their organisation's
    /// lock, as they share its token.
    pub async fn lock_refresh(
        &self,
        h: &TokenHolder,
        until: i64,
        seen_expiry: i64,
    ) -> Result<bool, InstallationError> {
        let now = self.clock.now_secs();
        match self
            .table
            .update(
                &h.key,
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

    pub async fn unlock_refresh(&self, h: &TokenHolder) -> Result<(), InstallationError> {
        self.table
            .update(
                &h.key,
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

    /// Stores a rotated token pair where the token lives and releases the
    /// refresh lock.
    pub async fn store_rotated(
        &self,
        h: &TokenHolder,
        bot_token: &Secret,
        refresh_token: &Secret,
        expires_at: i64,
    ) -> Result<(), InstallationError> {
        let update = Update::default()
            .set(
                "sealed_bot_token",
                s(self.cipher.seal(bot_token, &h.context)?),
            )
            .set(
                "sealed_refresh_token",
                s(self.cipher.seal(refresh_token, &h.refresh_context)?),
            )
            .set("bot_token_expires_at", n(expires_at))
            .remove("refresh_lock_until");
        self.table
            .update(
                &h.key,
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

    /// [`Self::revoke`] for a workspace's lifecycle event Slack sent at
    /// `event_time`: an installation made after it (a reinstall the
    /// event's retry overtook) is left alone and reported as
    /// [`Revoked::Newer`], and so is a stand-in for the organisation's
    /// install (the event is about the workspace's own; the organisation's
    /// goes with [`Self::revoke_org`]).
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
            // A workspace's lifecycle event is about its own install, never
            // the organisation's stand-in that may have taken over since.
            guard.push(Condition::Equals(
                "is_enterprise_install".into(),
                Value::Bool(false),
            ));
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

    /// Stores (or replaces, on reinstall) an organisation-wide install.
    /// Written attribute by attribute, so the workspaces it was granted
    /// (and a grant landing meanwhile) stay.
    pub async fn save_org(
        &self,
        new: NewOrgInstallation,
    ) -> Result<OrgInstallation, InstallationError> {
        let e = new.enterprise_id.clone();
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
            teams: Vec::new(),
            pending: Vec::new(),
        };
        let key = keys::org_installation(&e);
        let item = record_item(&key, &record)?;
        let mut update = Update::default();
        for (attr, value) in item.into_inner() {
            if attr != crate::table::PK && attr != crate::table::SK {
                update = update.set(attr, value);
            }
        }
        for gone in [
            "sealed_refresh_token",
            "bot_token_expires_at",
            "revoked_at",
            "refresh_lock_until",
        ] {
            if !update.set.iter().any(|(a, _)| a == gone) {
                update = update.remove(gone);
            }
        }
        let stored = self.table.update(&key, update, None).await?;
        Ok(org_from_item(stored)?)
    }

    pub async fn org(
        &self,
        enterprise: &EnterpriseId,
    ) -> Result<Option<OrgInstallation>, InstallationError> {
        match self.table.get(&keys::org_installation(enterprise)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(org_from_item(item)?)),
        }
    }

    /// The organisation's bot token, or why there is none.
    pub fn org_bot_token(
        &self,
        org: &OrgInstallation,
    ) -> Result<Option<Secret>, InstallationError> {
        match (&org.sealed_bot_token, org.status) {
            (Some(sealed), InstallStatus::Active) => Ok(Some(
                self.cipher.open(sealed, &org_context(&org.enterprise_id))?,
            )),
            _ => Ok(None),
        }
    }

    /// The organisation's install now serves these workspaces: each gets a
    /// stand-in installation, unless it has an active install of its own
    /// (looked for first), and is listed on the organisation's item.
    /// Returns the teams the organisation's install now serves; nothing
    /// when it is not installed (any more).
    ///
    /// Read, then written: a workspace install landing between the two is
    /// the one race left, and ends with the stand-in; reinstalling the
    /// workspace puts its own back.
    pub async fn grant(
        &self,
        enterprise: &EnterpriseId,
        teams: &[GrantedTeam],
    ) -> Result<Vec<TeamId>, InstallationError> {
        let Some(org) = self
            .org(enterprise)
            .await?
            .filter(OrgInstallation::is_active)
        else {
            return Ok(Vec::new());
        };
        let mut serving = Vec::new();
        for t in teams {
            match self
                .table
                .update(
                    &keys::org_installation(enterprise),
                    Update::default().set(format!("{GRANTED_ATTR_PREFIX}{}", t.id), s(&t.name)),
                    Some(Condition::Equals(
                        "status".into(),
                        s(InstallStatus::Active.as_str()),
                    )),
                )
                .await
            {
                Ok(_) => {}
                Err(TableError::ConditionFailed) => return Ok(serving),
                Err(e) => return Err(e.into()),
            }
            if let Some(own) = self.get(&t.id).await?
                && !own.is_enterprise_install
                && own.is_active()
            {
                tracing::info!(team_id = %t.id, "the workspace has its own install; it stays");
                continue;
            }
            let stand_in = Installation {
                team_id: t.id.clone(),
                team_name: t.name.clone(),
                enterprise_id: Some(enterprise.clone()),
                is_enterprise_install: true,
                app_id: org.app_id.clone(),
                bot_user_id: org.bot_user_id.clone(),
                bot_scopes: org.bot_scopes.clone(),
                installer_user_id: org.installer_user_id.clone(),
                installed_at: self.clock.now_secs(),
                status: InstallStatus::Active,
                revoked_at: None,
                sealed_bot_token: None,
                sealed_refresh_token: None,
                bot_token_expires_at: None,
            };
            let item = record_item(&keys::installation(&t.id), &stand_in)?;
            self.table.put(item, None).await?;
            serving.push(t.id.clone());
        }
        Ok(serving)
    }

    /// Remembers that `space` is to be connected to `team` once the
    /// organisation's install is granted it.
    pub async fn await_grant(
        &self,
        enterprise: &EnterpriseId,
        team: &TeamId,
        space: &crate::ids::SpaceId,
    ) -> Result<(), InstallationError> {
        self.table
            .update(
                &keys::org_installation(enterprise),
                Update::default().set(format!("{PENDING_ATTR_PREFIX}{team}"), s(space.as_str())),
                Some(Condition::Exists),
            )
            .await?;
        Ok(())
    }

    /// The space waiting for `team` to be granted, taken (once).
    pub async fn take_awaiting(
        &self,
        enterprise: &EnterpriseId,
        team: &TeamId,
    ) -> Result<Option<crate::ids::SpaceId>, InstallationError> {
        let attr = format!("{PENDING_ATTR_PREFIX}{team}");
        let Some(org) = self.org(enterprise).await? else {
            return Ok(None);
        };
        let Some((_, space)) = org.pending.into_iter().find(|(t, _)| t == team) else {
            return Ok(None);
        };
        match self
            .table
            .update(
                &keys::org_installation(enterprise),
                Update::default().remove(attr.clone()),
                Some(Condition::Equals(attr, s(space.as_str()))),
            )
            .await
        {
            Ok(_) => Ok(Some(space)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The organisation's install no longer serves these workspaces
    /// (`team_access_revoked`): their stand-ins are revoked (a workspace's
    /// own install is left alone). Returns the teams whose stand-in went.
    pub async fn ungrant(
        &self,
        enterprise: &EnterpriseId,
        teams: &[TeamId],
        status: InstallStatus,
    ) -> Result<Vec<TeamId>, InstallationError> {
        let mut gone = Vec::new();
        for team in teams {
            if let Some(stand_in) = self.get(team).await?
                && stand_in.is_enterprise_install
                && stand_in.enterprise_id.as_ref() == Some(enterprise)
                && self.revoke(team, status).await? == Revoked::Now
            {
                gone.push(team.clone());
            }
            match self
                .table
                .update(
                    &keys::org_installation(enterprise),
                    Update::default().remove(format!("{GRANTED_ATTR_PREFIX}{team}")),
                    Some(Condition::Exists),
                )
                .await
            {
                Ok(_) | Err(TableError::ConditionFailed) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(gone)
    }

    /// Removes the organisation's install as of `event_time`
    /// (`app_uninstalled`, or its bot token revoked): its token goes, and
    /// every workspace stand-in of it. Returns the workspaces it served;
    /// nothing when it was removed before, or installed again after the
    /// event (a late retry leaves a reinstall alone).
    pub async fn revoke_org(
        &self,
        enterprise: &EnterpriseId,
        status: InstallStatus,
        event_time: i64,
    ) -> Result<Vec<TeamId>, InstallationError> {
        let update = Update::default()
            .remove("sealed_bot_token")
            .remove("sealed_refresh_token")
            .remove("bot_token_expires_at")
            .set("status", s(status.as_str()))
            .set("revoked_at", n(self.clock.now_secs()));
        let guard = Condition::All(vec![
            Condition::Equals("status".into(), s(InstallStatus::Active.as_str())),
            // Installed in the event's second or before: the event is about it.
            Condition::Below("installed_at".into(), event_time + 1),
        ]);
        let org = match self
            .table
            .update(&keys::org_installation(enterprise), update, Some(guard))
            .await
        {
            Ok(item) => org_from_item(item)?,
            Err(TableError::ConditionFailed) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let teams: Vec<TeamId> = org.teams.iter().map(|g| g.id.clone()).collect();
        for team in &teams {
            if let Some(stand_in) = self.get(team).await?
                && stand_in.is_enterprise_install
                && stand_in.enterprise_id.as_ref() == Some(enterprise)
            {
                self.revoke(team, status).await?;
            }
        }
        Ok(teams)
    }
}

/// An organisation's record with its granted workspaces (its
/// `granted#{team}` attributes).
fn org_from_item(item: crate::table::Item) -> Result<OrgInstallation, TableError> {
    let mut teams: Vec<GrantedTeam> = item
        .keys()
        .filter_map(|attr| {
            let id = attr.strip_prefix(GRANTED_ATTR_PREFIX)?;
            Some(GrantedTeam {
                id: TeamId::new(id).ok()?,
                name: crate::table::str_attr(&item, attr).unwrap_or(id).to_owned(),
            })
        })
        .collect();
    teams.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let pending = item
        .keys()
        .filter_map(|attr| {
            let team = TeamId::new(attr.strip_prefix(PENDING_ATTR_PREFIX)?).ok()?;
            let space = crate::ids::SpaceId::new(crate::table::str_attr(&item, attr)?).ok()?;
            Some((team, space))
        })
        .collect();
    let mut org: OrgInstallation = from_item(item)?;
    org.teams = teams;
    org.pending = pending;
    Ok(org)
}
