//! [`Caller`]: the person behind a request, from the bearer JWT, and what
//! they may do in a space.
//!
//! The token's role for a space wins (the office app is the authority on
//! roles); hallway records it as a membership so member lists and Slack
//! commands see it too. Without a role in the token, the stored membership
//! decides (a space the caller just created, or joined through Slack).

use axum::extract::FromRequestParts;
use hallway::auth::app_jwt::bearer;
use hallway::auth::{AppClaims, AuthError};
use hallway::ids::{OfficeUserId, SpaceId};
use hallway::services::Services;
use hallway::store::{Joined, MembersError, Role, Space};
use hallway::web::ApiError;
use http::request::Parts;

#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: AppClaims,
}

pub fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Forbidden(msg) => ApiError::Forbidden(msg),
        other => ApiError::Unauthorized(other.to_string()),
    }
}

impl FromRequestParts<Services> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &Services) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = bearer(header).map_err(auth_error)?;
        Caller::from_token(s, token).await
    }
}

impl Caller {
    /// The caller a token names: signature, expiry, and (for sessions made
    /// by Sign in with Slack) that the session is still the live one.
    pub async fn from_token(s: &Services, token: &str) -> Result<Self, ApiError> {
        let claims = s.app_jwt.verify(token).map_err(auth_error)?;
        if let Some(sid) = &claims.sid {
            let live = s.users().get(&claims.sub).await?.and_then(|u| u.session_id);
            if live.as_deref() != Some(sid.as_str()) {
                return Err(auth_error(AuthError::Superseded));
            }
        }
        tracing::Span::current().record("user_id", claims.sub.as_str());
        Ok(Self { claims })
    }
}

/// What a caller may do, by the least role required.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Any role, guests included.
    AnyRole,
    /// Members, moderators and admins.
    Member,
    /// Moderators and admins.
    Manager,
    Admin,
}

impl Need {
    fn allows(self, role: Role) -> bool {
        match self {
            Need::AnyRole => true,
            Need::Member => role != Role::Guest,
            Need::Manager => role.can_manage(),
            Need::Admin => role == Role::Admin,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Need::AnyRole => "a member",
            Need::Member => "a member (not a guest)",
            Need::Manager => "an admin or a moderator",
            Need::Admin => "an admin",
        }
    }
}

impl Caller {
    pub fn user(&self) -> &OfficeUserId {
        &self.claims.sub
    }

    /// The space, if the caller may act on it as `need` says: 404 when there
    /// is no such space, 403 when the role does not allow it.
    pub async fn authorize(
        &self,
        s: &Services,
        space_id: &SpaceId,
        need: Need,
    ) -> Result<(Space, Role), ApiError> {
        let space = s
            .spaces()
            .get(space_id)
            .await
            .map_err(crate::spaces_error)?
            .ok_or_else(|| ApiError::NotFound(format!("no space {space_id}")))?;
        let role = self.role(s, &space).await?;
        match role {
            Some(role) if need.allows(role) => Ok((space, role)),
            Some(role) => Err(ApiError::Forbidden(format!(
                "this needs {} of the space; you are {}",
                need.describe(),
                role.as_str()
            ))),
            None => Err(ApiError::Forbidden(
                "you are not a member of this space".into(),
            )),
        }
    }

    async fn role(&self, s: &Services, space: &Space) -> Result<Option<Role>, ApiError> {
        let members = s.members();
        let stored = members.get(&space.id, self.user()).await?;
        let Some(&claimed) = self.claims.roles.get(&space.id) else {
            return Ok(stored.map(|m| m.role));
        };
        match stored {
            Some(m) if m.role == claimed => {}
            Some(_) if claimed != Role::Guest => {
                members.set_role(&space.id, self.user(), claimed).await?;
            }
            Some(_) => {}
            None => {
                s.users()
                    .remember(
                        self.user(),
                        self.claims.name.as_deref(),
                        self.claims.email.as_deref(),
                    )
                    .await?;
                match members
                    .join(&space.id, self.user(), claimed, space.guest_limit)
                    .await
                {
                    Ok(Joined::New(_) | Joined::Already(_)) => {}
                    // The office admitted this guest; hallway does not undo
                    // that, it only stops counting.
                    Err(MembersError::GuestLimitReached) => {
                        tracing::warn!(space_id = %space.id, "office token names a guest beyond the guest limit")
                    }
                    Err(e) => return Err(crate::members_error(e)),
                }
            }
        }
        Ok(Some(claimed))
    }
}
