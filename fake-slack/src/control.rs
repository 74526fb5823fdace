//! `/_fake/…`: the fake's control routes, so a test or a developer in another
//! process (against `hallway-local serve --slack fake`) can read the call
//! record, inject faults, seed workspaces, mint tokens, say where events,
//! slash commands and interactivity go, register Redirect URLs, and run a
//! command or a click as a person would. Real Slack has no such paths, so
//! nothing in hallway can depend on them by accident.
//!
//! These routes change the world; the Slack behaviour each change sets off
//! (events, retries, the 3-second budget) is modelled, and cited, where it
//! happens: `events`, `interactive`, `oidc`.

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Shared;
use crate::world::{Fault, TeamSeed, TokenKind};

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/_fake/calls", get(calls).delete(clear_calls))
        .route("/_fake/faults", post(add_fault))
        .route("/_fake/teams", post(add_team).get(list_teams))
        .route("/_fake/tokens", post(mint))
        .route("/_fake/messages", get(messages))
        .route("/_fake/act-as", post(act_as))
        .route("/_fake/events-target", post(events_target))
        .route("/_fake/users", post(upsert_user))
        .route("/_fake/channels/join", post(join_channel))
        .route("/_fake/channels/rename", post(rename_channel))
        .route("/_fake/channels/archive", post(archive_channel))
        .route("/_fake/channels/kick", post(kick))
        .route("/_fake/app-home/open", post(open_home))
        .route("/_fake/uninstall", post(uninstall))
        .route("/_fake/enterprises", post(add_enterprise))
        .route("/_fake/enterprises/grant", post(grant_team_access))
        .route("/_fake/enterprises/revoke", post(revoke_team_access))
        .route("/_fake/enterprises/uninstall", post(uninstall_org))
        .route("/_fake/app-home", get(home_view))
        .route("/_fake/event-retries", post(event_retries))
        .route("/_fake/redirect-urls", post(redirect_urls))
        .route("/_fake/commands-target", post(commands_target))
        .route("/_fake/interactivity-target", post(interactivity_target))
        .route("/_fake/commands/run", post(run_command))
        .route("/_fake/interactivity/block-actions", post(run_block_action))
}

#[derive(Deserialize)]
struct CallsQuery {
    method: Option<String>,
}

async fn calls(State(s): State<Shared>, Query(q): Query<CallsQuery>) -> Json<Value> {
    let w = s.lock();
    let calls: Vec<_> = w
        .calls
        .iter()
        .filter(|c| q.method.as_deref().is_none_or(|m| c.method == m))
        .collect();
    Json(json!({ "calls": calls }))
}

async fn clear_calls(State(s): State<Shared>) -> Json<Value> {
    s.lock().calls.clear();
    Json(json!({ "ok": true }))
}

async fn add_fault(State(s): State<Shared>, Json(fault): Json<Fault>) -> Json<Value> {
    s.lock().faults.push(fault);
    Json(json!({ "ok": true }))
}

async fn add_team(State(s): State<Shared>, Json(team): Json<TeamSeed>) -> Json<Value> {
    let id = team.id.clone();
    s.lock().add_team(team);
    Json(json!({ "ok": true, "team": id }))
}

async fn list_teams(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let teams: Vec<Value> = w
        .teams
        .values()
        .map(|t| {
            json!({
                "id": t.seed.id, "name": t.seed.name, "bot_user_id": t.seed.bot_user_id,
                "installed": t.installed, "users": t.seed.users.len(),
                "channels": t.channels.values().filter(|c| !c.is_im).map(|c| json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let enterprises: Vec<Value> = w
        .enterprises
        .values()
        .map(|e| {
            json!({"id": e.id, "name": e.name, "domain": e.domain,
                        "org_install": w.org_installs.get(&e.id)})
        })
        .collect();
    Json(json!({ "app": w.app, "teams": teams, "enterprises": enterprises }))
}

async fn add_enterprise(
    State(s): State<Shared>,
    Json(e): Json<crate::world::Enterprise>,
) -> Json<Value> {
    let id = e.id.clone();
    s.lock().add_enterprise(e);
    Json(json!({ "ok": true, "enterprise": id }))
}

#[derive(Deserialize)]
struct OrgChange {
    enterprise: String,
    #[serde(default)]
    teams: Vec<String>,
}

/// An org admin adds the org-installed app to workspaces
/// (`team_access_granted`).
async fn grant_team_access(State(s): State<Shared>, Json(c): Json<OrgChange>) -> Json<Value> {
    happen(&s, |w| {
        crate::events::grant_team_access(w, &c.enterprise, &c.teams)
    })
}

/// The org-installed app is removed from workspaces (`team_access_revoked`).
async fn revoke_team_access(State(s): State<Shared>, Json(c): Json<OrgChange>) -> Json<Value> {
    happen(&s, |w| {
        crate::events::revoke_team_access(w, &c.enterprise, &c.teams)
    })
}

/// The org-wide install is removed (`tokens_revoked`, `app_uninstalled`).
async fn uninstall_org(State(s): State<Shared>, Json(c): Json<OrgChange>) -> Json<Value> {
    happen(&s, |w| crate::events::uninstall_org(w, &c.enterprise))
}

#[derive(Deserialize)]
struct MintRequest {
    team: String,
    /// Defaults to the team's bot user (a bot token).
    user: Option<String>,
    scopes: Vec<String>,
    /// An org-level token of this enterprise (`team` is then not read); a
    /// bot token installs the app org-wide.
    #[serde(default)]
    enterprise: Option<String>,
}

async fn mint(State(s): State<Shared>, Json(req): Json<MintRequest>) -> Json<Value> {
    let mut w = s.lock();
    if let Some(e) = &req.enterprise {
        let Some(bot) = w.org_bot_user(e) else {
            return Json(json!({ "ok": false, "error": "enterprise_not_found" }));
        };
        let (user, kind) = match req.user {
            Some(u) if u != bot => (u, TokenKind::User),
            _ => (bot, TokenKind::Bot),
        };
        if kind == TokenKind::Bot {
            crate::events::install_org(&mut w, e);
        }
        let (token, refresh) = w.mint_org_token(e, &user, kind, req.scopes);
        return Json(json!({ "ok": true, "token": token, "refresh_token": refresh }));
    }
    let Some(team) = w.teams.get(&req.team) else {
        return Json(json!({ "ok": false, "error": "team_not_found" }));
    };
    let bot = team.seed.bot_user_id.clone();
    let (user, kind) = match req.user {
        Some(u) if u != bot => (u, TokenKind::User),
        _ => (bot, TokenKind::Bot),
    };
    let (token, refresh) = w.mint_token(&req.team, &user, kind, req.scopes);
    Json(json!({ "ok": true, "token": token, "refresh_token": refresh }))
}

#[derive(Deserialize)]
struct MessagesQuery {
    team: String,
    channel: Option<String>,
    /// The other party of the bot's DM.
    user: Option<String>,
}

async fn messages(State(s): State<Shared>, Query(q): Query<MessagesQuery>) -> Json<Value> {
    let w = s.lock();
    let Some(team) = w.teams.get(&q.team) else {
        return Json(json!({ "ok": false, "error": "team_not_found" }));
    };
    let channel = q.channel.or_else(|| {
        q.user.as_ref().and_then(|u| {
            team.dms
                .get(&crate::world::im_key(&team.seed.bot_user_id, u))
                .cloned()
        })
    });
    let messages = channel
        .and_then(|c| team.channels.get(&c))
        .map(|c| c.messages.clone())
        .unwrap_or_default();
    Json(json!({ "ok": true, "messages": messages }))
}

/// Where to deliver Events API callbacks (the app's request URL and its
/// signing secret).
async fn events_target(
    State(s): State<Shared>,
    Json(t): Json<crate::world::EventsTarget>,
) -> Json<Value> {
    let t = match t.unfurl_domains.is_empty() {
        true => crate::world::EventsTarget::new(&t.url, &t.signing_secret),
        false => t,
    };
    s.lock().events = Some(t);
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct ChannelChange {
    team: String,
    #[serde(default)]
    channel: String,
    /// Who joins (`/join`).
    user: Option<String>,
    /// The new name (`/rename`).
    name: Option<String>,
    /// Who removes `user` (`/kick`).
    by: Option<String>,
}

/// Applies a change to the world and sends the events it queued.
fn happen(s: &Shared, change: impl FnOnce(&mut crate::world::World) -> bool) -> Json<Value> {
    let ok = change(&mut s.lock());
    crate::events::flush(s);
    Json(json!({ "ok": ok }))
}

fn missing(field: &str) -> Json<Value> {
    Json(json!({ "ok": false, "error": format!("{field}_required") }))
}

#[derive(Deserialize)]
struct UserChange {
    team: String,
    user: crate::world::UserSeed,
}

/// A person joins (`team_join`) or changes their profile (`user_change`).
async fn upsert_user(State(s): State<Shared>, Json(c): Json<UserChange>) -> Json<Value> {
    happen(&s, |w| crate::events::upsert_user(w, &c.team, c.user))
}

/// Someone joins a channel (`member_joined_channel` to the app).
async fn join_channel(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    let Some(user) = c.user else {
        return missing("user");
    };
    happen(&s, |w| {
        crate::events::join_channel(w, &c.team, &c.channel, &user)
    })
}

/// A channel is renamed (`channel_rename` to the app).
async fn rename_channel(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    let Some(name) = c.name else {
        return missing("name");
    };
    happen(&s, |w| {
        crate::events::rename_channel(w, &c.team, &c.channel, &name)
    })
}

/// Someone archives a channel (`channel_archive` / `group_archive` to the
/// app when its bot is in it).
async fn archive_channel(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    let Some(user) = c.user else {
        return missing("user");
    };
    happen(&s, |w| {
        crate::events::archive_channel(w, &c.team, &c.channel, &user)
    })
}

/// Someone removes `user` from a channel (`channel_left` / `group_left`
/// when it is the app's bot, else `member_left_channel`).
async fn kick(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    let Some(user) = c.user else {
        return missing("user");
    };
    let Some(by) = c.by else {
        return missing("by");
    };
    happen(&s, |w| {
        crate::events::remove_from_channel(w, &c.team, &c.channel, &user, &by)
    })
}

/// Someone opens the Home tab (`app_home_opened` to the app).
async fn open_home(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    let Some(user) = c.user else {
        return missing("user");
    };
    happen(&s, |w| crate::events::open_home(w, &c.team, &user))
}

/// Someone removes the app from a team (`tokens_revoked`, `app_uninstalled`).
async fn uninstall(State(s): State<Shared>, Json(c): Json<ChannelChange>) -> Json<Value> {
    happen(&s, |w| crate::events::uninstall(w, &c.team))
}

#[derive(Deserialize)]
struct HomeQuery {
    team: String,
    user: String,
}

/// The Home tab the app last published for a person.
async fn home_view(State(s): State<Shared>, Query(q): Query<HomeQuery>) -> Json<Value> {
    let view = s
        .lock()
        .teams
        .get(&q.team)
        .and_then(|t| t.home_views.get(&q.user).cloned());
    Json(json!({ "ok": view.is_some(), "view": view }))
}

#[derive(Deserialize)]
struct ActAs {
    team: String,
    user: String,
    /// Install org-wide into this enterprise (the admin picks the
    /// organisation on the install page).
    #[serde(default)]
    enterprise: Option<String>,
}

async fn act_as(State(s): State<Shared>, Json(a): Json<ActAs>) -> Json<Value> {
    let mut w = s.lock();
    w.acting = Some((a.team, a.user));
    w.acting_org = a.enterprise;
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct Retries {
    /// Waits before each retry, in milliseconds.
    delays_millis: Vec<u64>,
}

/// Shortens (or restores) the Events API retry schedule.
async fn event_retries(State(s): State<Shared>, Json(r): Json<Retries>) -> Json<Value> {
    s.lock().event_retry_delays = r
        .delays_millis
        .into_iter()
        .map(std::time::Duration::from_millis)
        .collect();
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct RedirectUrls {
    urls: Vec<String>,
}

/// The app's registered Redirect URLs (`[]`: any `redirect_uri` passes).
async fn redirect_urls(State(s): State<Shared>, Json(r): Json<RedirectUrls>) -> Json<Value> {
    s.lock().app.redirect_urls = r.urls;
    Json(json!({ "ok": true }))
}

/// The slash command's Request URL and signing secret.
async fn commands_target(
    State(s): State<Shared>,
    Json(t): Json<crate::interactive::RequestTarget>,
) -> Json<Value> {
    s.lock().commands = Some(t);
    Json(json!({ "ok": true }))
}

/// Interactivity's Request URL and signing secret.
async fn interactivity_target(
    State(s): State<Shared>,
    Json(t): Json<crate::interactive::RequestTarget>,
) -> Json<Value> {
    s.lock().interactivity = Some(t);
    Json(json!({ "ok": true }))
}

/// The fake's own base URL, as the caller reached it: `response_url`s
/// must point back here.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn outcome(result: Result<crate::interactive::CommandOutcome, String>) -> Json<Value> {
    match result {
        Ok(o) => Json(json!({ "ok": true, "outcome": o })),
        Err(e) => Json(json!({ "ok": false, "error": e })),
    }
}

#[derive(Deserialize)]
struct CommandRun {
    team: String,
    channel: String,
    user: String,
    command: String,
    #[serde(default)]
    text: String,
}

/// Someone runs a slash command; answers what they saw once the app
/// answered (or the 3 seconds ran out).
async fn run_command(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(c): Json<CommandRun>,
) -> Json<Value> {
    outcome(
        crate::interactive::run_command(
            &s,
            &base_url(&headers),
            &c.team,
            &c.channel,
            &c.user,
            &c.command,
            &c.text,
        )
        .await,
    )
}

#[derive(Deserialize)]
struct Click {
    team: String,
    channel: String,
    user: String,
    #[serde(flatten)]
    action: crate::interactive::BlockAction,
}

/// Someone clicks a button (`block_actions`); answers what they saw.
async fn run_block_action(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(c): Json<Click>,
) -> Json<Value> {
    outcome(
        crate::interactive::run_block_action(
            &s,
            &base_url(&headers),
            &c.team,
            &c.channel,
            &c.user,
            &c.action,
        )
        .await,
    )
}
