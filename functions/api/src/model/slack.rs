//! A space's Slack side: connecting, status, linking a person, join links.

use hallway::ids::{EnterpriseId, RoomId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/spaces/{space}/slack/connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectStart {
    /// hallway's install route with a single-use state: send the admin here.
    pub authorize_url: String,
    /// Slack's own authorize page with the same state.
    pub slack_authorize_url: String,
    /// Seconds the state is good for.
    pub expires_in: i64,
    /// The workspace a completed install replaces, if connected.
    #[schema(value_type = Option<String>)]
    pub replaces: Option<TeamId>,
    /// Connected at once to this workspace: hallway is installed there
    /// already (its own install or its organisation's); no install needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub connected: Option<TeamId>,
}

/// `POST /api/v1/spaces/{space}/slack/connect` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectQuery {
    /// The workspace the space is for (in an Enterprise Grid organisation,
    /// which of its workspaces).
    pub team_id: Option<String>,
}

/// `DELETE /api/v1/spaces/{space}/slack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Disconnected {
    /// The workspace the space was connected to, if any.
    #[schema(value_type = Option<String>)]
    pub disconnected_from: Option<TeamId>,
}

/// `GET /api/v1/spaces/{space}/slack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlackStatus {
    /// Connected and hallway still installed there.
    pub connected: bool,
    /// The workspace, if ever connected.
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    /// hallway's installation in that workspace: absent when the space was
    /// never connected, `null` when the workspace has none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<Installation>, required = false)]
    pub installation: Option<Option<Installation>>,
    /// What the office should offer.
    pub next: NextStep,
}

/// A present key (even `null`) is `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// What the office should offer on a space's Slack page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Never connected: connect.
    Connect,
    /// Connected, hallway not installed: install.
    Install,
    /// Uninstalled or revoked: reconnect.
    Reconnect,
    /// Nothing to do.
    None,
}

/// hallway's installation in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Installation {
    /// Its state.
    pub status: InstallStatus,
    /// The workspace's name at install time.
    pub team_name: String,
    /// The Enterprise Grid organisation, if any.
    #[schema(value_type = Option<String>)]
    pub enterprise_id: Option<EnterpriseId>,
    /// hallway's bot user in the workspace.
    #[schema(value_type = String)]
    pub bot_user_id: UserId,
    /// The bot's scopes.
    pub scopes: Vec<String>,
    /// Seconds since the epoch.
    pub installed_at: i64,
    /// Who installed it.
    #[schema(value_type = Option<String>)]
    pub installed_by: Option<UserId>,
    /// When the bot token expires (token rotation), seconds since the epoch.
    pub token_expires_at: Option<i64>,
}

impl From<&hallway::store::Installation> for Installation {
    fn from(i: &hallway::store::Installation) -> Self {
        Self {
            status: i.status.into(),
            team_name: i.team_name.clone(),
            enterprise_id: i.enterprise_id.clone(),
            bot_user_id: i.bot_user_id.clone(),
            scopes: i.bot_scopes.clone(),
            installed_at: i.installed_at,
            installed_by: i.installer_user_id.clone(),
            token_expires_at: i.bot_token_expires_at,
        }
    }
}

/// An installation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstallStatus {
    Active,
    /// The app was uninstalled.
    Uninstalled,
    /// The bot token was revoked.
    Revoked,
}

impl From<hallway::store::installations::InstallStatus> for InstallStatus {
    fn from(s: hallway::store::installations::InstallStatus) -> Self {
        use hallway::store::installations::InstallStatus as S;
        match s {
            S::Active => InstallStatus::Active,
            S::Uninstalled => InstallStatus::Uninstalled,
            S::Revoked => InstallStatus::Revoked,
        }
    }
}

/// `POST /api/v1/spaces/{space}/slack/link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkStart {
    /// Slack's authorize page (user scopes) with a single-use state.
    pub authorize_url: String,
    /// The workspace the link is for.
    #[schema(value_type = String)]
    pub team_id: TeamId,
    /// Seconds the state is good for.
    pub expires_in: i64,
}

/// `POST /api/v1/spaces/{space}/join-links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewJoinLink {
    /// The room the link leads to.
    #[schema(value_type = String)]
    pub room_id: RoomId,
    /// A guest's link (admins and moderators only).
    #[serde(default)]
    pub guest: bool,
    /// Seconds until the link expires (default a week, 60 s to 30 days).
    pub expires_in: Option<i64>,
}

/// A signed join link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JoinLink {
    /// The link.
    pub url: String,
    /// The room's name.
    pub room: String,
    /// A guest's link.
    pub guest: bool,
    /// Seconds since the epoch.
    pub expires_at: i64,
}
