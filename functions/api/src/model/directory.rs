//! The Slack team's people directory: its state and refreshes.

use hallway::ids::TeamId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/spaces/{space}/directory` and `POST …/directory/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DirectoryState {
    /// A refresh ran or runs.
    Refreshed(DirectoryRun),
    /// The directory was never filled.
    Never(NeverRefreshed),
}

/// A directory that was never refreshed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NeverRefreshed {
    /// The Slack team.
    #[schema(value_type = String)]
    pub team_id: TeamId,
    /// Always `never_refreshed`.
    pub status: Never,
}

/// The one state of a directory never refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Never {
    NeverRefreshed,
}

/// The latest refresh of a team's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectoryRun {
    /// The Slack team.
    #[schema(value_type = String)]
    pub team_id: TeamId,
    /// Where the refresh is.
    pub status: RunStatus,
    /// The refresh's id.
    pub run_id: String,
    /// Seconds since the epoch.
    pub started_at: i64,
    /// Seconds since the epoch, once done or failed.
    pub finished_at: Option<i64>,
    /// Pages of `users.list` read.
    pub pages: u32,
    /// People read from Slack so far.
    pub fetched: u32,
    /// People Slack sent that could not be read.
    pub unreadable: u32,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Filled when the refresh completes.
    pub counts: Option<DirectoryCounts>,
    /// Only when a refresh was asked for while one ran: says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DirectoryState {
    pub fn new(team: &TeamId, run: Option<&hallway::store::DirectoryRun>) -> Self {
        match run {
            None => DirectoryState::Never(NeverRefreshed {
                team_id: team.clone(),
                status: Never::NeverRefreshed,
            }),
            Some(r) => DirectoryState::Refreshed(DirectoryRun::new(team, r)),
        }
    }
}

impl DirectoryRun {
    pub fn new(team: &TeamId, r: &hallway::store::DirectoryRun) -> Self {
        Self {
            team_id: team.clone(),
            status: r.status.into(),
            run_id: r.run_id.clone(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            pages: r.pages,
            fetched: r.fetched,
            unreadable: r.unreadable,
            error: r.error.clone(),
            counts: r.counts.map(Into::into),
            note: None,
        }
    }
}

/// A refresh's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Done,
    Failed,
}

impl From<hallway::store::directory::RunStatus> for RunStatus {
    fn from(s: hallway::store::directory::RunStatus) -> Self {
        use hallway::store::directory::RunStatus as S;
        match s {
            S::Running => RunStatus::Running,
            S::Done => RunStatus::Done,
            S::Failed => RunStatus::Failed,
        }
    }
}

/// Who a completed refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectoryCounts {
    /// Active people (not deleted, not bots).
    pub people: u32,
    /// Bots.
    pub bots: u32,
    /// Deactivated people.
    pub deleted: u32,
    /// People no longer in Slack's list, marked deleted by this refresh.
    pub gone: u32,
}

impl From<hallway::store::directory::DirectoryCounts> for DirectoryCounts {
    fn from(c: hallway::store::directory::DirectoryCounts) -> Self {
        Self {
            people: c.people,
            bots: c.bots,
            deleted: c.deleted,
            gone: c.gone,
        }
    }
}
