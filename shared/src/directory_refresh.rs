//! Starting a refresh of a team's people directory.
//!
//! An install (or reinstall) and the office's "refresh" both start one; the
//! worker then walks `users.list` a page per job. Only one refresh per team
//! runs at a time: they would spend the same Tier 2 budget.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ids::TeamId;
use crate::jobs::{self, DirectoryJob, Job};
use crate::queue::QueueError;
use crate::services::Services;
use crate::store::directory::StartRun;
use crate::table::TableError;

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Wall-clock milliseconds: Slack's rate limits run on real time even where
/// the services' clock is a test's manual one.
pub fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Starts a refresh of the team's directory, unless one is running.
pub async fn start_refresh(s: &Services, team: &TeamId) -> Result<StartRun, RefreshError> {
    let directory = s.directory();
    let started = directory.start_run(team, wall_millis()).await?;
    let StartRun::Started(run) = &started else {
        return Ok(started);
    };
    let job = Job::Directory(DirectoryJob {
        team_id: team.clone(),
        run_id: run.run_id.clone(),
        page: 0,
        cursor: None,
    });
    if let Err(e) = jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await {
        // Without its first job the run would hold the lease for nothing.
        if let Err(fail) = directory
            .fail(team, &run.run_id, "the refresh could not be queued")
            .await
        {
            tracing::warn!(error = %fail, "could not end the unqueued refresh");
        }
        return Err(e.into());
    }
    tracing::info!(team_id = %team, run_id = %run.run_id, "directory refresh started");
    Ok(started)
}
