//! The Slack team's people directory of a connected space: its state and a
//! refresh on demand. (The people themselves are listed by the people pane.)

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hallway::directory_refresh::{self, RefreshError};
use hallway::ids::TeamId;
use hallway::services::Services;
use hallway::store::directory::{DirectoryRun, StartRun};
use hallway::web::ApiError;
use http::StatusCode;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::id;

fn run_json(team: &TeamId, run: Option<&DirectoryRun>) -> Value {
    match run {
        None => json!({ "team_id": team, "status": "never_refreshed" }),
        Some(r) => json!({
            "team_id": team,
            "status": r.status,
            "run_id": r.run_id,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "pages": r.pages,
            "fetched": r.fetched,
            "unreadable": r.unreadable,
            "error": r.error,
            "counts": r.counts,
        }),
    }
}

/// `GET /api/v1/spaces/{space}/directory`: any role.
pub async fn status(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::AnyRole).await?;
    let team = crate::connected_team(&space)?;
    let run = s.directory().run(&team).await?;
    Ok(Json(run_json(&team, run.as_ref())))
}

/// `POST /api/v1/spaces/{space}/directory/refresh`: admin, moderator.
/// 202 when a refresh starts, 200 with the running one's progress when one
/// is under way already.
pub async fn refresh(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<Response, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let team = crate::installed_team(&s, &space).await?;
    match directory_refresh::start_refresh(&s, &team).await {
        Ok(StartRun::Started(run)) => {
            Ok((StatusCode::ACCEPTED, Json(run_json(&team, Some(&run)))).into_response())
        }
        Ok(StartRun::AlreadyRunning(run)) => {
            let mut body = run_json(&team, Some(&run));
            body["note"] = json!("a refresh is already running; it was left to finish");
            Ok((StatusCode::OK, Json(body)).into_response())
        }
        Err(RefreshError::Table(e)) => Err(e.into()),
        Err(RefreshError::Queue(e)) => Err(e.into()),
    }
}
