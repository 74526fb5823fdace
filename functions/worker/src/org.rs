//! An organisation-wide (Enterprise Grid) install's workspaces: an org
//! admin grants it workspaces (`team_access_granted`) or takes them away
//! (`team_access_revoked`). A granted workspace gets a copy of the
//! organisation's installation (unless it has an install of its own), its
//! spaces reconnect and its people directory starts filling; a revoked
//! one loses the copy and its spaces are marked disconnected.

use hallway::ids::{EnterpriseId, TeamId};
use hallway::store::GrantedTeam;
use hallway::store::installations::InstallStatus;

use crate::{JobError, Worker};

/// The organisation an event names: its `enterprise_id`, else the key it
/// was filed under (an organisation's own events name no workspace).
fn enterprise_of(enterprise: Option<&EnterpriseId>, filed_under: &TeamId) -> Option<EnterpriseId> {
    enterprise
        .cloned()
        .or_else(|| EnterpriseId::new(filed_under.as_str()).ok())
}

pub async fn granted(
    w: &Worker,
    enterprise: Option<&EnterpriseId>,
    filed_under: &TeamId,
    teams: &[TeamId],
) -> Result<(), JobError> {
    let s = &w.services;
    let Some(e) = enterprise_of(enterprise, filed_under) else {
        tracing::warn!("team_access_granted without an organisation; ignored");
        return Ok(());
    };
    let installations = s.installations();
    let Some(org) = installations.org(&e).await.map_err(JobError::retry)? else {
        tracing::warn!(enterprise_id = %e, "team_access_granted for an organisation hallway has no install of");
        return Ok(());
    };
    let Some(token) = installations.org_bot_token(&org).map_err(JobError::retry)? else {
        tracing::info!(enterprise_id = %e, "team_access_granted for an organisation's install that is gone");
        return Ok(());
    };
    // The event names ids only; the workspaces' names come from
    // `auth.teams.list` (kept as ids if Slack cannot say now).
    let names = match s.slack.granted_teams(&token).await {
        Ok(list) => list,
        Err(e) if e.is_transient() => return Err(JobError::from_transient(&e)),
        Err(err) => {
            tracing::warn!(error = %err, "auth.teams.list refused; workspaces named by id");
            Vec::new()
        }
    };
    let granted: Vec<GrantedTeam> = teams
        .iter()
        .map(|t| GrantedTeam {
            id: t.clone(),
            name: names
                .iter()
                .find(|n| n.id == t.as_str())
                .and_then(|n| n.name.clone())
                .unwrap_or_else(|| t.to_string()),
        })
        .collect();
    let serving = installations
        .grant(&e, &granted)
        .await
        .map_err(JobError::retry)?;
    for team in &serving {
        // A space whose admin chose this workspace before it was granted.
        if let Some(space) = installations
            .take_awaiting(&e, team)
            .await
            .map_err(JobError::retry)?
        {
            match s.spaces().connect(&space, team).await {
                Ok(_) => {
                    tracing::info!(team_id = %team, space_id = %space, "space connected now that the workspace is granted")
                }
                Err(hallway::store::SpacesError::NoSuchSpace(_)) => {}
                Err(err) => return Err(JobError::retry(err)),
            }
        }
        let reconnected = s
            .spaces()
            .mark_team_connected(team)
            .await
            .map_err(JobError::retry)?;
        if let Err(err) = hallway::directory_refresh::start_refresh(s, team).await {
            tracing::warn!(error = %err, team_id = %team, "the directory refresh could not start");
        }
        tracing::info!(enterprise_id = %e, team_id = %team, spaces_reconnected = reconnected, "the organisation's install now serves the workspace");
    }
    Ok(())
}

pub async fn revoked(
    w: &Worker,
    enterprise: Option<&EnterpriseId>,
    filed_under: &TeamId,
    teams: &[TeamId],
) -> Result<(), JobError> {
    let s = &w.services;
    let Some(e) = enterprise_of(enterprise, filed_under) else {
        tracing::warn!("team_access_revoked without an organisation; ignored");
        return Ok(());
    };
    let gone = s
        .installations()
        .ungrant(&e, teams, InstallStatus::Uninstalled)
        .await
        .map_err(JobError::retry)?;
    for team in &gone {
        let disconnected = s
            .spaces()
            .mark_team_disconnected(team)
            .await
            .map_err(JobError::retry)?;
        tracing::info!(enterprise_id = %e, team_id = %team, spaces_disconnected = disconnected, "the organisation's install no longer serves the workspace");
    }
    Ok(())
}
