//! A space's members, each with their role and Slack link status.

use axum::Json;
use axum::extract::State;
use hallway::ids::SpaceId;
use hallway::services::Services;
use hallway::web::ApiError;

use crate::caller::{Caller, Need};
use crate::extract::ValidPath;
use crate::model;

/// A space's members with their role and Slack link.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/members", tag = "members",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 200, description = "The members", body = model::MemberList)))]
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::MemberList>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let members = s.members().list(&space.id).await?;
    let (users, links) = (s.users(), s.links());
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let name = users
            .get(&m.user_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| m.user_id.to_string());
        let slack = match &space.team_id {
            None => model::MemberSlack::NoWorkspace,
            Some(team) => match links.get(&m.user_id, team).await? {
                Some(link) => model::MemberSlack::Linked {
                    authorized_chat: link.has_user_token(),
                    slack_user_id: link.slack_user_id,
                },
                None => model::MemberSlack::NotLinked,
            },
        };
        out.push(model::Member {
            user_id: m.user_id,
            name,
            role: m.role.into(),
            joined_at: m.joined_at,
            slack,
        });
    }
    Ok(Json(model::MemberList { members: out }))
}
