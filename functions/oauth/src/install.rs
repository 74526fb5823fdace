//! Installing the app (bot scopes) for a space, and linking a person's Slack
//! identity (user scopes). Both come back to `/slack/oauth/callback`; the
//! state says which flow it is, which space and which office user.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use hallway::auth::state;
use hallway::i18n::Locale;
use hallway::ids::{AppId, EnterpriseId, TeamId, UserId};
use hallway::services::Services;
use hallway::slack::client::OAuthV2Access;
use hallway::slack::oauth::{INSTALL_PATH, OAUTH_CALLBACK_PATH};
use hallway::store::links::Rotation;
use hallway::store::{LinkError, LinkedVia, NewInstallation, NewLink, OAuthFlow, StateData};
use hallway::t;
use http::{HeaderMap, StatusCode};

use crate::callback::{AuthorizeError, Callback};
use crate::{
    locale, office, page, page_with_action, redirect_with_session, slack_page, state_page,
    unavailable,
};

type Params = Query<HashMap<String, String>>;

/// `GET /slack/install`: on to Slack's authorize page with a live state.
pub async fn start(State(s): State<Services>, headers: HeaderMap, Query(q): Params) -> Response {
    let l = locale(&headers);
    let secret = &s.secrets.app_jwt_secret;
    let (value, team) = match q.get("state") {
        Some(value) => match state::peek(&s.oauth_states(), secret, Some(value)).await {
            Ok(data) if data.purpose == OAuthFlow::Install => (value.clone(), data.team),
            Ok(_) => {
                return state_page(&s, l, state::StateError::Forged, INSTALL_PATH);
            }
            Err(e) => return state_page(&s, l, e, INSTALL_PATH),
        },
        // Started from Slack's app directory: no space yet. The state is
        // still made, checked and used once; it just names no space.
        None => match state::issue(
            &s.oauth_states(),
            secret,
            StateData {
                purpose: OAuthFlow::Install,
                space_id: None,
                office_user_id: None,
                nonce: None,
                join: None,
                team: None,
            },
        )
        .await
        {
            Ok(v) => (v, None),
            Err(e) => return unavailable(&s, l, e.into()),
        },
    };
    Redirect::to(&s.install_authorize_url(&value, team.as_ref())).into_response()
}

/// `GET /slack/oauth/callback`.
pub async fn callback(
    State(s): State<Services>,
    headers: HeaderMap,
    callback: Callback,
) -> Response {
    let l = locale(&headers);
    let (code, state) = match callback {
        Callback::Error { error, .. } => {
            tracing::info!(%error, "authorization declined at Slack");
            return match error {
                AuthorizeError::AccessDenied => page(
                    &s,
                    l,
                    StatusCode::OK,
                    t!(l, "page-install-cancelled-title"),
                    t!(l, "page-install-cancelled-body"),
                ),
                AuthorizeError::Unknown(error) => page(
                    &s,
                    l,
                    StatusCode::BAD_REQUEST,
                    t!(l, "page-install-refused-title"),
                    t!(l, "page-install-refused-body", error = error),
                ),
            };
        }
        Callback::Code { code, state } => (Some(code), state),
        Callback::Neither { state } => (None, state),
    };
    // The state is used up even when the code is missing: the flow is over.
    let data = match state::consume(
        &s.oauth_states(),
        &s.secrets.app_jwt_secret,
        state.as_deref(),
    )
    .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::info!(reason = %e, "OAuth callback refused");
            return state_page(&s, l, e, INSTALL_PATH);
        }
    };
    let Some(code) = code else {
        return page(
            &s,
            l,
            StatusCode::BAD_REQUEST,
            t!(l, "page-sign-in-incomplete-title"),
            t!(l, "page-install-no-code-body"),
        );
    };
    let granted = match s
        .slack
        .oauth_v2_access(
            &s.secrets.client_id,
            &s.secrets.client_secret,
            &code,
            &s.config.endpoint(OAUTH_CALLBACK_PATH),
        )
        .await
    {
        Ok(g) => g,
        Err(e) => return slack_page(&s, l, e, INSTALL_PATH),
    };
    match data.purpose {
        OAuthFlow::Install => finish_install(&s, l, data, granted).await,
        OAuthFlow::Link => finish_link(&s, l, data, granted).await,
        other @ (OAuthFlow::Login | OAuthFlow::Unknown) => {
            tracing::error!(purpose = ?other, "OAuth callback for another flow");
            state_page(&s, l, state::StateError::Forged, INSTALL_PATH)
        }
    }
}

/// The space's workspace, when the organisation an authorization names
/// (`enterprise`) is the one whose install serves it.
async fn org_workspace(
    s: &Services,
    g: &OAuthV2Access,
    space: &hallway::store::Space,
) -> anyhow::Result<Option<TeamId>> {
    let (Some(enterprise), Some(team)) = (g.enterprise.as_ref(), space.team_id.as_ref()) else {
        return Ok(None);
    };
    let served = s
        .installations()
        .get(team)
        .await?
        .and_then(|i| i.enterprise_id)
        .is_some_and(|e| e.as_str() == enterprise.id);
    Ok(served.then(|| team.clone()))
}

pub(crate) fn team_of(g: &OAuthV2Access) -> Option<TeamId> {
    g.team.as_ref().and_then(|t| TeamId::new(t.id.clone()).ok())
}

/// What an `oauth.v2.access` answer lacked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Missing {
    /// A workspace install without its workspace, bot token or bot user.
    BotToken,
    /// An organisation install without its organisation, bot token or bot
    /// user.
    Organisation,
    /// A link without the person who authorized.
    Authorizer,
    /// A link without the workspace.
    Workspace,
}

impl Missing {
    /// What the page says, in `l`.
    fn message(self, l: Locale) -> String {
        match self {
            Missing::BotToken => t!(l, "page-slack-incomplete-bot-token"),
            Missing::Organisation => t!(l, "page-slack-incomplete-org"),
            Missing::Authorizer => t!(l, "page-slack-incomplete-authorizer"),
            Missing::Workspace => t!(l, "page-slack-incomplete-workspace"),
        }
    }
}

/// Slack's `oauth.v2.access` answered `ok` without what the flow needs: a
/// 502 page, logged here (the one place that knows what was missing; the
/// log says it in English).
pub(crate) fn incomplete(s: &Services, l: Locale, what: Missing) -> Response {
    let logged = what.message(Locale::En);
    tracing::error!(what = %logged, "oauth.v2.access answered without what the flow needs");
    page(
        s,
        l,
        StatusCode::BAD_GATEWAY,
        t!(l, "page-slack-incomplete-title"),
        what.message(l),
    )
}

async fn finish_install(s: &Services, l: Locale, data: StateData, g: OAuthV2Access) -> Response {
    if g.is_enterprise_install {
        return crate::org::finish_org_install(s, l, data, g).await;
    }
    let (Some(team), Some(bot_token), Some(bot_user)) = (
        team_of(&g),
        g.access_token.clone(),
        g.bot_user_id.clone().and_then(|u| UserId::new(u).ok()),
    ) else {
        return incomplete(s, l, Missing::BotToken);
    };
    let team_name = g
        .team
        .as_ref()
        .and_then(|t| t.name.clone())
        .unwrap_or_else(|| team.to_string());
    let expires_at = g.expires_in.map(|secs| s.clock.now_secs() + secs);
    let installed = s
        .installations()
        .save(NewInstallation {
            team_id: team.clone(),
            team_name: team_name.clone(),
            enterprise_id: g
                .enterprise
                .as_ref()
                .and_then(|e| EnterpriseId::new(e.id.clone()).ok()),
            is_enterprise_install: g.is_enterprise_install,
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
            bot_token,
            refresh_token: g.refresh_token.clone(),
            bot_token_expires_at: expires_at,
        })
        .await;
    if let Err(e) = installed {
        return unavailable(s, l, e.into());
    }
    // A reinstall reconnects the spaces the team kept through an uninstall.
    match s.spaces().mark_team_connected(&team).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(team_id = %team, spaces = n, "spaces reconnected"),
        Err(e) => return unavailable(s, l, e.into()),
    }
    // The people directory fills in the background. The install stands if
    // it cannot start now: an admin can start it from the office.
    if let Err(e) = hallway::directory_refresh::start_refresh(s, &team).await {
        tracing::warn!(error = %e, "the directory refresh could not start");
    }
    let Some(space) = data.space_id else {
        tracing::info!(team_id = %team, "installed from Slack's app directory; no space yet");
        return page_with_action(
            s,
            l,
            StatusCode::OK,
            t!(l, "page-installed-title"),
            t!(l, "page-installed-body", team = team_name.as_str()),
            (t!(l, "page-open-office"), s.config.app_url.to_string()),
        );
    };
    connect_space(s, l, &space, &team, &team_name).await
}

/// Connects the space an install was started from to its workspace and
/// goes back to the office; a page when the space is gone.
pub(crate) async fn connect_space(
    s: &Services,
    l: Locale,
    space: &hallway::ids::SpaceId,
    team: &TeamId,
    installed_in: &str,
) -> Response {
    match s.spaces().connect(space, team).await {
        Ok(previous) => {
            tracing::info!(team_id = %team, space_id = %space, replaced = ?previous, "space connected to Slack");
            Redirect::to(&office(
                s,
                &format!("/spaces/{space}/settings/slack?connected={team}"),
            ))
            .into_response()
        }
        Err(hallway::store::SpacesError::NoSuchSpace(_)) => page(
            s,
            l,
            StatusCode::NOT_FOUND,
            t!(l, "page-space-gone-title"),
            t!(l, "page-space-gone-installed-body", team = installed_in),
        ),
        Err(e) => unavailable(s, l, e.into()),
    }
}

async fn finish_link(s: &Services, l: Locale, data: StateData, g: OAuthV2Access) -> Response {
    let (Some(space_id), Some(user)) = (data.space_id, data.office_user_id) else {
        return state_page(s, l, state::StateError::Forged, INSTALL_PATH);
    };
    let Some(authed) = g.authed_user.clone() else {
        return incomplete(s, l, Missing::Authorizer);
    };
    let Ok(slack_user) = UserId::new(authed.id.clone()) else {
        return incomplete(s, l, Missing::Authorizer);
    };
    let space = match s.spaces().get(&space_id).await {
        Ok(Some(space)) => space,
        Ok(None) => {
            return page(
                s,
                l,
                StatusCode::NOT_FOUND,
                t!(l, "page-space-gone-title"),
                t!(l, "page-space-gone-link-body"),
            );
        }
        Err(e) => return unavailable(s, l, e.into()),
    };
    // Under an organisation-wide install Slack may answer for the
    // organisation (`team: null`, `enterprise`): the workspace is then the
    // space's, if the organisation's install serves it.
    let team = match team_of(&g) {
        Some(t) => t,
        None => match org_workspace(s, &g, &space).await {
            Ok(Some(t)) => t,
            Ok(None) => return incomplete(s, l, Missing::Workspace),
            Err(e) => return unavailable(s, l, e),
        },
    };
    if space.team_id.as_ref() != Some(&team) {
        return page(
            s,
            l,
            StatusCode::CONFLICT,
            t!(l, "page-link-other-workspace-title"),
            t!(
                l,
                "page-link-other-workspace-body",
                space = space.name.as_str()
            ),
        );
    }
    let linked = s
        .links()
        .link(NewLink {
            office_user_id: user.clone(),
            team_id: team.clone(),
            slack_user_id: slack_user,
            enterprise_id: g
                .enterprise
                .as_ref()
                .and_then(|e| EnterpriseId::new(e.id.clone()).ok()),
            via: LinkedVia::Authorize,
            user_scopes: authed
                .scope
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            user_token: authed.access_token.clone(),
            // Token rotation on: the user token expires and comes with a
            // refresh token.
            rotation: authed.refresh_token.clone().map(|refresh_token| Rotation {
                refresh_token,
                expires_at: s.clock.now_secs() + authed.expires_in.unwrap_or(43_200),
            }),
        })
        .await;
    match linked {
        Ok(_) => {}
        Err(LinkError::SlackUserTaken) => {
            return page(
                s,
                l,
                StatusCode::CONFLICT,
                t!(l, "page-account-taken-title"),
                t!(l, "page-link-account-taken-body"),
            );
        }
        Err(e) => return unavailable(s, l, e.into()),
    }
    tracing::info!(team_id = %team, space_id = %space.id, "Slack identity linked");
    // Keep the person's browser session (a join link later knows them).
    let users = s.users();
    let sid = match users.get(&user).await {
        Ok(Some(u)) => match u.session_id {
            Some(sid) => Ok(sid),
            None => users.start_session(&user).await,
        },
        Ok(None) => match users.remember(&user, None, None).await {
            Ok(_) => users.start_session(&user).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let to = office(s, &format!("/spaces/{}/settings/slack?linked=1", space.id));
    match sid {
        Ok(sid) => redirect_with_session(s, &user, &sid, &to).await,
        Err(e) => unavailable(s, l, e.into()),
    }
}
