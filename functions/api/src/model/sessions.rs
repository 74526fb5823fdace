//! The login-token exchange and `me`.

use std::collections::BTreeMap;

use hallway::ids::{OfficeUserId, SpaceId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;

/// `POST /api/v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Exchange {
    /// The one-time token Sign in with Slack handed the office (5 minutes).
    pub login_token: String,
}

/// A session token for the office, from a login token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The bearer JWT for every other route.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Who signed in.
    pub user: SessionUser,
    /// Their role in each space they are a member of.
    #[schema(value_type = BTreeMap<String, Role>)]
    pub roles: BTreeMap<SpaceId, Role>,
}

/// The person a session is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionUser {
    /// Their office user id.
    #[schema(value_type = String)]
    pub id: OfficeUserId,
    /// Their name.
    pub name: String,
    /// Their email, when Slack shared it.
    pub email: Option<String>,
}

/// `GET /api/v1/me`: who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The caller.
    pub user: MeUser,
    /// The roles the token names, per space.
    #[schema(value_type = BTreeMap<String, Role>)]
    pub token_roles: BTreeMap<SpaceId, Role>,
    /// The memberships hallway has stored.
    pub memberships: Vec<Membership>,
}

/// The caller, as stored or as the token names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeUser {
    /// Their office user id.
    #[schema(value_type = String)]
    pub id: OfficeUserId,
    /// Their name, if known.
    pub name: Option<String>,
    /// Their email, if known.
    pub email: Option<String>,
}

/// A stored membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    /// The space.
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    /// The role in it.
    pub role: Role,
}

/// Store roles as wire roles, per space.
pub fn roles(roles: &BTreeMap<SpaceId, hallway::store::Role>) -> BTreeMap<SpaceId, Role> {
    roles
        .iter()
        .map(|(s, r)| (s.clone(), (*r).into()))
        .collect()
}
