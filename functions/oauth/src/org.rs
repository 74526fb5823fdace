//! Finishing an organisation-wide (Enterprise Grid) install: Slack answers
//! `oauth.v2.access` with `is_enterprise_install: true`, the organisation
//! in `enterprise` and `team: null` (api.slack.com/enterprise/apps/reference).
//! The install is stored under the organisation; the workspaces an org
//! admin has granted it so far (`auth.teams.list`) are handed to the
//! worker as `team_access_granted` would hand them, so requests from them
//! find it. "The app won't actually be added to any workspaces
//! yet": more arrive later with `team_access_granted` (the worker).
//!
//! A space still maps to one workspace: the one the admin chose when
//! connecting (the office API's `team_id`), else the only one granted;
//! with several (or none yet) the page says how to choose.

use axum::response::Response;
use std::time::Duration;

use hallway::i18n::Locale;
use hallway::ids::{AppId, EnterpriseId, EventId, TeamId, UserId};
use hallway::jobs::{self, Job, SlackEventJob};
use hallway::services::Services;
use hallway::slack::client::OAuthV2Access;
use hallway::slack::events::SlackEvent;
use hallway::store::{GrantedTeam, NewOrgInstallation, StateData};
use hallway::t;
use http::StatusCode;

use crate::install::{Missing, incomplete};
use crate::{page, page_with_action, unavailable};

pub(crate) async fn finish_org_install(
    s: &Services,
    l: Locale,
    data: StateData,
    g: OAuthV2Access,
) -> Response {
    let (Some(enterprise), Some(bot_token), Some(bot_user)) = (
        g.enterprise
            .as_ref()
            .and_then(|e| EnterpriseId::new(e.id.clone()).ok()),
        g.access_token.clone(),
        g.bot_user_id.clone().and_then(|u| UserId::new(u).ok()),
    ) else {
        return incomplete(s, l, Missing::Organisation);
    };
    let org_name = g
        .enterprise
        .as_ref()
        .and_then(|e| e.name.clone())
        .unwrap_or_else(|| enterprise.to_string());
    let installations = s.installations();
    let saved = installations
        .save_org(NewOrgInstallation {
            enterprise_id: enterprise.clone(),
            enterprise_name: org_name.clone(),
            app_id: g.app_id.clone().and_then(|a| AppId::new(a).ok()),
            bot_user_id: bot_user,
            bot_scopes: g
                .scope
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            installer_user_id: g
                .authed_user
                .as_ref()
                .and_then(|u| UserId::new(u.id.clone()).ok()),
            bot_token: bot_token.clone(),
            refresh_token: g.refresh_token.clone(),
            bot_token_expires_at: g.expires_in.map(|secs| s.clock.now_secs() + secs),
        })
        .await;
    let org = match saved {
        Ok(o) => o,
        Err(e) => return unavailable(s, l, e.into()),
    };
    tracing::info!(enterprise_id = %enterprise, "installed for the whole organisation");
    // The workspaces granted so far; the rest come with team_access_granted.
    let granted: Vec<GrantedTeam> = match s.slack.granted_teams(&bot_token).await {
        Ok(list) => list
            .into_iter()
            .filter_map(|t| {
                Some(GrantedTeam {
                    name: t.name.clone().unwrap_or_else(|| t.id.clone()),
                    id: TeamId::new(t.id).ok()?,
                })
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "auth.teams.list failed; workspaces arrive with team_access_granted");
            Vec::new()
        }
    };
    // Serving them (a stand-in each, spaces reconnected, directories
    // started) is the worker's, as for `team_access_granted`: an
    // organisation may have hundreds of workspaces, and this page must
    // answer now.
    if !granted.is_empty() {
        let job = Job::SlackEvent(SlackEventJob {
            team_id: match TeamId::new(enterprise.as_str()) {
                Ok(t) => t,
                Err(e) => return unavailable(s, l, e.into()),
            },
            enterprise_id: Some(enterprise.clone()),
            is_enterprise_install: true,
            event_id: match EventId::new(format!("install-{enterprise}-{}", org.installed_at)) {
                Ok(id) => id,
                Err(e) => return unavailable(s, l, e.into()),
            },
            event_time: org.installed_at,
            event: SlackEvent::TeamAccessGranted {
                team_ids: granted.iter().map(|g| g.id.clone()).collect(),
            },
        });
        if let Err(e) = jobs::enqueue(s.queue.as_ref(), &job, Duration::ZERO).await {
            return unavailable(s, l, e.into());
        }
    }
    let Some(space) = data.space_id else {
        return page_with_action(
            s,
            l,
            StatusCode::OK,
            t!(l, "page-org-installed-title"),
            t!(l, "page-org-installed-body", org = org_name.as_str()),
            (t!(l, "page-open-office"), s.config.app_url.to_string()),
        );
    };
    let add = format!(
        "https://app.slack.com/manage/{enterprise}/integrations/profile/{}/workspaces/add",
        org.app_id.as_ref().map_or("", AppId::as_str)
    );
    let is_granted = |t: &TeamId| granted.iter().any(|g| &g.id == t);
    let team = match (data.team.clone(), granted.as_slice()) {
        // Only a workspace Slack says the organisation's install serves is
        // one of the organisation's: a space is never connected to a
        // workspace of another organisation on the admin's word.
        (Some(t), _) if is_granted(&t) => t,
        (Some(t), _) => {
            if let Err(e) = installations.await_grant(&enterprise, &t, &space).await {
                return unavailable(s, l, e.into());
            }
            tracing::info!(team_id = %t, space_id = %space, "space waits for the workspace to be granted");
            return page(
                s,
                l,
                StatusCode::OK,
                t!(l, "page-org-waiting-title"),
                t!(
                    l,
                    "page-org-waiting-body",
                    org = org_name.as_str(),
                    team = t.as_str(),
                    url = add.as_str(),
                ),
            );
        }
        (None, [only]) => only.id.clone(),
        (None, []) => {
            return page(
                s,
                l,
                StatusCode::OK,
                t!(l, "page-org-choose-title"),
                t!(
                    l,
                    "page-org-choose-none-body",
                    org = org_name.as_str(),
                    url = add.as_str(),
                ),
            );
        }
        (None, several) => {
            let names: Vec<String> = several
                .iter()
                .map(|g| format!("{} ({})", g.name, g.id))
                .collect();
            return page(
                s,
                l,
                StatusCode::OK,
                t!(l, "page-org-choose-title"),
                t!(
                    l,
                    "page-org-choose-several-body",
                    org = org_name.as_str(),
                    workspaces = names.join(", "),
                ),
            );
        }
    };
    crate::install::connect_space(s, l, &space, &team, &org_name).await
}
