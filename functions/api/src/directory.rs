//! The Slack team's people directory of a connected space: its state and a
//! refresh on demand. (The people themselves are listed by the people pane.)

use axum::Json;
use axum::extract::State;
use hallway::directory_refresh::{self, RefreshError};
use hallway::ids::SpaceId;
use hallway::services::Services;
use hallway::store::directory::StartRun;
use hallway::web::ApiError;
use http::StatusCode;

use crate::caller::{Caller, Need};
use crate::extract::ValidPath;
use crate::model;

/// The directory's latest refresh (any role).
#[utoipa::path(get, path = "/api/v1/spaces/{space}/directory", tag = "directory",
    params(("space" = String, Path, description = "The space's id")),
    responses(
        (status = 200, description = "The directory's state", body = model::DirectoryState),
        (status = 409, description = "The space is not connected to Slack", body = model::ErrorBody),
    ))]
pub async fn status(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<Json<model::DirectoryState>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::AnyRole).await?;
    let team = crate::connected_team(&space)?;
    let run = s.directory().run(&team).await?;
    Ok(Json(model::DirectoryState::new(&team, run.as_ref())))
}

/// Refreshes the directory from Slack (admins, moderators): 202 when a
/// refresh starts, 200 with the running one's progress when one is under
/// way already.
#[utoipa::path(post, path = "/api/v1/spaces/{space}/directory/refresh", tag = "directory",
    params(("space" = String, Path, description = "The space's id")),
    responses(
        (status = 202, description = "A refresh started", body = model::DirectoryRun),
        (status = 200, description = "A refresh was running already (with a `note`)", body = model::DirectoryRun),
        (status = 409, description = "Not connected, or hallway is not installed any more", body = model::ErrorBody),
    ))]
pub async fn refresh(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<(StatusCode, Json<model::DirectoryRun>), ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
    let team = crate::installed_team(&s, &space).await?;
    match directory_refresh::start_refresh(&s, &team).await {
        Ok(StartRun::Started(run)) => Ok((
            StatusCode::ACCEPTED,
            Json(model::DirectoryRun::new(&team, &run)),
        )),
        Ok(StartRun::AlreadyRunning(run)) => {
            let mut body = model::DirectoryRun::new(&team, &run);
            body.note = Some("a refresh is already running; it was left to finish".into());
            Ok((StatusCode::OK, Json(body)))
        }
        Err(RefreshError::Table(e)) => Err(e.into()),
        Err(RefreshError::Queue(e)) => Err(e.into()),
    }
}
