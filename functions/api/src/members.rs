//! A space's members, each with their role and Slack link status.

use axum::Json;
use axum::extract::{Path, State};
use hallway::services::Services;
use hallway::web::ApiError;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::id;

pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
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
            None => json!({"status": "no_workspace"}),
            Some(team) => match links.get(&m.user_id, team).await? {
                Some(link) => json!({
                    "status": "linked",
                    "slack_user_id": link.slack_user_id,
                    "authorized_chat": link.has_user_token(),
                }),
                None => json!({"status": "not_linked"}),
            },
        };
        out.push(json!({
            "user_id": m.user_id,
            "name": name,
            "role": m.role,
            "joined_at": m.joined_at,
            "slack": slack,
        }));
    }
    Ok(Json(json!({ "members": out })))
}
