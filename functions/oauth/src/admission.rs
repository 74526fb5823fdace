//! The use cases behind Sign in with Slack and join links.

use hallway::auth::join::JoinClaims;
use hallway::auth::oidc::SlackIdentity;
use hallway::ids::{OfficeUserId, SpaceId};
use hallway::secrets::Secret;
use hallway::services::Services;
use hallway::store::{
    Installation, Joined, LinkError, LinkedVia, MembersError, NewLink, OfficeUser, Role, Space,
    SpacesError,
};

/// What signing in did.
#[derive(Debug)]
pub struct SignedIn {
    pub user: OfficeUser,
    pub new_user: bool,
    /// Spaces joined now.
    pub joined: Vec<SpaceId>,
    /// Spaces not joined because they require an invitation.
    pub needs_invitation: Vec<Space>,
    /// The space created for a team that had none.
    pub created: Option<SpaceId>,
    /// Every space the person belongs to now.
    pub member_of: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("this Slack account is linked to another hallway user")]
    Taken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<LinkError> for SignInError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::SlackUserTaken => SignInError::Taken,
            e => SignInError::Other(e.into()),
        }
    }
}

fn other(e: impl Into<anyhow::Error>) -> SignInError {
    SignInError::Other(e.into())
}

/// The name of the space made for a team at sign-in: the workspace's.
///
/// The id_token does not carry it, so it is asked of
/// `openid.connect.userInfo` with the sign-in's user token, and only when a
/// space is to be made (a Tier 3 method, not worth a call per sign-in). A
/// sign-in is not failed for a name: the person is already verified by the
/// id_token, so when Slack cannot answer now, the name Slack gave at install
/// time stands in, and only a team never installed gets its id.
async fn team_name(
    s: &Services,
    who: &SlackIdentity,
    user_token: &Secret,
    installation: Option<&Installation>,
) -> String {
    match s.slack.openid_connect_user_info(user_token).await {
        // Another team's name would be a wrong name, whatever the cause.
        Ok(info) if info.team_id.as_deref() == Some(who.team_id.as_str()) => {
            if let Some(name) = info.team_name.filter(|n| !n.trim().is_empty()) {
                return name;
            }
            tracing::warn!("openid.connect.userInfo named no workspace");
        }
        Ok(info) => tracing::warn!(
            other_team = info.team_id.as_deref().unwrap_or("none"),
            "openid.connect.userInfo answered for another workspace"
        ),
        Err(e) => tracing::warn!(
            error = %e,
            transient = e.is_transient(),
            "openid.connect.userInfo failed; naming the space without it"
        ),
    }
    installation
        .map(|i| i.team_name.trim())
        .filter(|n| !n.is_empty())
        .map_or_else(|| format!("Slack {}", who.team_id), str::to_owned)
}

/// Finds or creates the office user for a Slack identity and gives them the
/// spaces mapped to their team: all of them, except those that require an
/// invitation. A team with no space gets one, named after the workspace,
/// with this person as its admin. `user_token` is the one
/// `openid.connect.token` gave with the id_token.
pub async fn sign_in(
    s: &Services,
    who: &SlackIdentity,
    user_token: &Secret,
) -> Result<SignedIn, SignInError> {
    let (users, links, spaces, members) = (s.users(), s.links(), s.spaces(), s.members());
    let known = links
        .office_user_for(&who.team_id, &who.user_id)
        .await
        .map_err(other)?;
    let (user, new_user) = match known {
        Some(id) => match users.get(&id).await.map_err(other)? {
            Some(u) => (u, false),
            None => (
                users
                    .remember(&id, who.name.as_deref(), who.email.as_deref())
                    .await
                    .map_err(other)?,
                false,
            ),
        },
        None => {
            let name = who.name.clone().unwrap_or_else(|| who.user_id.to_string());
            let user = users
                .create(&name, who.email.as_deref())
                .await
                .map_err(other)?;
            links
                .link(NewLink {
                    office_user_id: user.id.clone(),
                    team_id: who.team_id.clone(),
                    slack_user_id: who.user_id.clone(),
                    enterprise_id: who.enterprise_id.clone(),
                    via: LinkedVia::SignIn,
                    user_scopes: Vec::new(),
                    user_token: None,
                    rotation: None,
                })
                .await?;
            (user, true)
        }
    };
    let mut outcome = SignedIn {
        user,
        new_user,
        joined: Vec::new(),
        needs_invitation: Vec::new(),
        created: None,
        member_of: 0,
    };
    let mapped = spaces.for_team(&who.team_id).await.map_err(other)?;
    if mapped.is_empty() {
        let installation = s.installations().get(&who.team_id).await.map_err(other)?;
        let name = team_name(s, who, user_token, installation.as_ref()).await;
        let space = spaces
            .create(&name, Some(outcome.user.id.clone()))
            .await
            .map_err(other)?;
        let installed = installation.is_some_and(|i| i.is_active());
        spaces
            .map_to_team(&space.id, &who.team_id, installed)
            .await
            .map_err(other)?;
        members
            .join(&space.id, &outcome.user.id, Role::Admin, 0)
            .await
            .map_err(other)?;
        outcome.created = Some(space.id.clone());
        outcome.joined.push(space.id);
    } else {
        for ts in mapped {
            if members
                .get(&ts.space_id, &outcome.user.id)
                .await
                .map_err(other)?
                .is_some()
            {
                continue;
            }
            let Some(space) = spaces.get(&ts.space_id).await.map_err(other)? else {
                continue;
            };
            if space.require_invitation {
                outcome.needs_invitation.push(space);
                continue;
            }
            if let Joined::New(_) = members
                .join(&space.id, &outcome.user.id, Role::Member, space.guest_limit)
                .await
                .map_err(other)?
            {
                outcome.joined.push(space.id);
            }
        }
    }
    outcome.member_of = members
        .spaces_of(&outcome.user.id)
        .await
        .map_err(other)?
        .len();
    Ok(outcome)
}

/// Whether a join link lets a person in.
#[derive(Debug)]
pub enum Admission {
    /// A member now (or already).
    In,
    /// The person must sign in with Slack in the space's workspace first.
    NeedsSignIn,
    /// A member link opened by someone from another workspace.
    WrongWorkspace,
    GuestsFull,
}

#[derive(Debug, thiserror::Error)]
pub enum JoinFailure {
    #[error("the space no longer exists")]
    NoSpace,
    #[error("the room no longer exists")]
    NoRoom,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The space and room of a join link, if both still exist.
pub async fn join_target(
    s: &Services,
    claims: &JoinClaims,
) -> Result<(Space, hallway::store::Room), JoinFailure> {
    let spaces = s.spaces();
    let space = spaces
        .get(&claims.space)
        .await
        .map_err(|e| JoinFailure::Other(e.into()))?
        .ok_or(JoinFailure::NoSpace)?;
    let room = spaces
        .room(&claims.space, &claims.room)
        .await
        .map_err(|e| JoinFailure::Other(e.into()))?
        .ok_or(JoinFailure::NoRoom)?;
    Ok((space, room))
}

/// Admits a person through a join link. A join link is an invitation, so
/// "require an invitation" does not stop it. Members of the space's Slack
/// team join as members; a guest link admits anyone, as a guest, within the
/// guest limit.
pub async fn admit(
    s: &Services,
    user: &OfficeUserId,
    space: &Space,
    claims: &JoinClaims,
    signed_in_team: Option<&hallway::ids::TeamId>,
) -> Result<Admission, anyhow::Error> {
    let members = s.members();
    if members.get(&space.id, user).await?.is_some() {
        return Ok(Admission::In);
    }
    let in_team = match &space.team_id {
        Some(team) => s.links().get(user, team).await?.is_some(),
        None => false,
    };
    let role = if in_team {
        Role::Member
    } else if claims.guest {
        Role::Guest
    } else if signed_in_team.is_some() {
        return Ok(Admission::WrongWorkspace);
    } else {
        return Ok(Admission::NeedsSignIn);
    };
    match members.join(&space.id, user, role, space.guest_limit).await {
        Ok(_) => Ok(Admission::In),
        Err(MembersError::GuestLimitReached) => Ok(Admission::GuestsFull),
        Err(e) => Err(e.into()),
    }
}

impl From<SpacesError> for JoinFailure {
    fn from(e: SpacesError) -> Self {
        JoinFailure::Other(e.into())
    }
}
