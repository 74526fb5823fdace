//! The admin page of a space's Slack integration, server-rendered HTML with
//! no script: the connection, people sync (filters, prompts, reset,
//! remove), the auto-prompt and require-invitation switches, and the audit
//! log. Every action goes through the same use cases as the JSON API.
//!
//! Logging in: the office posts the admin's API token once to
//! `POST /admin/login` (or the admin pastes it into the form at
//! `GET /admin/login`); hallway checks it and keeps it in an HttpOnly,
//! Secure, SameSite=Strict cookie scoped to `/admin`, until it expires.
//! Forms post back to the page (post-redirect-get). The login and the forms
//! must show where they were posted from (`Origin`, else `Referer`): the
//! login hallway's or the office's origin (`HALLWAY_APP_URL`), the forms
//! hallway's only; anything else is refused, on top of the SameSite cookie.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hallway::clock::iso_time;
use hallway::ids::{SpaceId, UserId};
use hallway::services::Services;
use hallway::store::spaces::{CallMention, SettingsChange};
use hallway::store::{Space, audit::AuditEntry};
use hallway::web::{ApiError, escape_html as esc};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::caller::Caller;
use crate::sync::{self, Filters};
use crate::{id, spaces_error};

pub const COOKIE: &str = "hallway_admin";

const STYLE: &str = "body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:#1d1c1d;background:#fff;max-width:64rem;margin:1.5rem auto;padding:0 1rem}\
h1,h2{line-height:1.2}a{color:#0b4f8a}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #c9c9c9;vertical-align:top}\
caption{text-align:left;font-weight:600;padding:.3rem 0}\
button{font:inherit;padding:.3rem .7rem;border-radius:4px;border:1px solid #0b4f8a;background:#0b4f8a;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#1d1c1d;border-color:#5e5e5e}button.danger{background:#a4161a;border-color:#a4161a;color:#fff}\
form.inline{display:inline}fieldset{border:1px solid #c9c9c9;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}\
label{margin-right:.4rem}select,input{font:inherit;color:#1d1c1d;background:#fff;border:1px solid #5e5e5e;border-radius:4px;padding:.2rem .3rem}\
.status{padding:.5rem .8rem;border-radius:6px;background:#e8f3ea;color:#14532d;border:1px solid #14532d}\
.error{padding:.5rem .8rem;border-radius:6px;background:#fdecec;color:#7f1d1d;border:1px solid #7f1d1d}\
.muted{color:#4a4a4a}";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} · hallway admin</title><style>{STYLE}</style></head><body><header><p class="muted">hallway · Slack integration</p></header><main><h1>{t}</h1>{body}</main></body></html>"#,
        t = esc(title)
    );
    (status, Html(html)).into_response()
}

fn error_page(e: ApiError) -> Response {
    let status = e.status();
    let hint = match status {
        StatusCode::UNAUTHORIZED => r#"<p><a href="/admin/login">Log in again</a></p>"#,
        _ => "",
    };
    page(
        status,
        "Something is in the way",
        &format!(
            r#"<p class="error" role="alert">{}</p>{hint}"#,
            esc(&e.to_string())
        ),
    )
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

async fn caller_of(s: &Services, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = cookie_token(headers)
        .ok_or_else(|| ApiError::Unauthorized("not logged in to the admin page".into()))?;
    Caller::from_token(s, &token).await
}

/// Which pages may post to a route.
#[derive(Clone, Copy)]
enum PostedFrom {
    /// hallway's own admin pages.
    Hallway,
    /// hallway's pages or the office's: the office posts the admin's token
    /// to the login.
    HallwayOrOffice,
}

/// Posts must come from the pages allowed for the route, on top of the
/// SameSite cookie. `Origin` decides when a browser sends one (all current
/// ones do on a POST); without it, the `Referer` must name an allowed
/// origin. A post showing neither is refused: nothing says it came from us.
fn allowed_origin(s: &Services, headers: &HeaderMap, from: PostedFrom) -> Result<(), ApiError> {
    let origin = posted_from(headers);
    let allowed = match from {
        PostedFrom::Hallway => vec![s.config.base_url.origin()],
        PostedFrom::HallwayOrOffice => vec![s.config.base_url.origin(), s.config.app_url.origin()],
    };
    match origin {
        Some(o) if o.is_tuple() && allowed.contains(&o) => Ok(()),
        _ => Err(ApiError::Forbidden(
            "this form was not sent from hallway's admin page".into(),
        )),
    }
}

/// The origin a post shows: its `Origin`, else its `Referer`'s. Through
/// `Url`, so an opaque origin ("null", or a configured URL that has none)
/// never matches, not even itself.
fn posted_from(headers: &HeaderMap) -> Option<url::Origin> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let sent = match header(http::header::ORIGIN) {
        Some(origin) => Some(origin),
        None => header(http::header::REFERER),
    };
    sent.and_then(|v| url::Url::parse(v).ok())
        .map(|u| u.origin())
}

/// `GET /admin/login`: paste a token (the office normally posts it).
pub async fn login_form() -> Response {
    page(
        StatusCode::OK,
        "Log in",
        r#"<form method="post" action="/admin/login">
<p><label for="token">Your office API token</label><br><textarea id="token" name="token" rows="4" cols="60" required></textarea></p>
<p><label for="space">Space id</label> <input id="space" name="space" required size="36"></p>
<p><button type="submit">Open the admin page</button></p></form>"#,
    )
}

#[derive(Deserialize)]
pub struct Login {
    token: String,
    space: String,
}

/// `POST /admin/login`: the token is checked once and kept in a cookie.
pub async fn login(
    State(s): State<Services>,
    headers: HeaderMap,
    Form(f): Form<Login>,
) -> Response {
    if let Err(e) = allowed_origin(&s, &headers, PostedFrom::HallwayOrOffice) {
        return error_page(e);
    }
    let token = f.token.trim();
    let result = async {
        let caller = Caller::from_token(&s, token).await?;
        let space: SpaceId = id(f.space.trim().to_owned())?;
        caller
            .authorize(&s, &space, crate::caller::Need::Manager)
            .await?;
        Ok::<_, ApiError>((caller, space))
    }
    .await;
    let (caller, space) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let max_age = (caller.claims.exp - s.clock.now_secs()).max(0);
    let cookie = format!(
        "{COOKIE}={token}; Path=/admin; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}"
    );
    let target = format!("/admin/spaces/{space}");
    // Posted from the office's own site: a redirect would carry on the
    // cross-site navigation, and browsers leave a SameSite=Strict cookie
    // off it, so the admin would land logged out. A page of ours that moves
    // on makes the next request same-site.
    let from_office = posted_from(&headers).is_some_and(|o| o != s.config.base_url.origin());
    let mut resp = if from_office {
        let html = format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={t}"><title>Opening the admin page · hallway admin</title><style>{STYLE}</style></head><body><main><h1>Opening the admin page</h1><p><a href="{t}">Continue to the admin page</a></p></main></body></html>"#,
            t = esc(&target)
        );
        (StatusCode::OK, Html(html)).into_response()
    } else {
        Redirect::to(&target).into_response()
    };
    if let Ok(v) = http::HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(http::header::SET_COOKIE, v);
    }
    resp
}

/// `POST /admin/logout`.
pub async fn logout(State(s): State<Services>, headers: HeaderMap) -> Response {
    if let Err(e) = allowed_origin(&s, &headers, PostedFrom::Hallway) {
        return error_page(e);
    }
    let mut resp = page(
        StatusCode::OK,
        "Logged out",
        r#"<p><a href="/admin/login">Log in</a></p>"#,
    );
    if let Ok(v) = http::HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/admin; HttpOnly; Secure; SameSite=Strict; Max-Age=0"
    )) {
        resp.headers_mut().insert(http::header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize, Default)]
pub struct View {
    platform: Option<String>,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    done: Option<String>,
    error: Option<String>,
}

impl View {
    /// Empty selections mean "any".
    fn filters(&self) -> Filters {
        let set = |v: &Option<String>| v.clone().filter(|x| !x.is_empty());
        Filters {
            platform: set(&self.platform),
            status: set(&self.status),
            kind: set(&self.kind),
        }
    }
}

fn select(name: &str, label: &str, current: Option<&str>, options: &[&str]) -> String {
    let opts: String = std::iter::once("")
        .chain(options.iter().copied())
        .map(|o| {
            let shown = if o.is_empty() { "any" } else { o };
            let sel = if current == Some(o) || (o.is_empty() && current.is_none()) {
                " selected"
            } else {
                ""
            };
            format!(r#"<option value="{o}"{sel}>{shown}</option>"#)
        })
        .collect();
    format!(
        r#"<label for="f-{name}">{label}</label><select id="f-{name}" name="{name}">{opts}</select> "#
    )
}

fn action_button(
    space: &SpaceId,
    action: &str,
    user: Option<&str>,
    label: &str,
    who: &str,
    class: &str,
) -> String {
    let hidden_user = user
        .map(|u| format!(r#"<input type="hidden" name="user" value="{}">"#, esc(u)))
        .unwrap_or_default();
    format!(
        r#"<form class="inline" method="post" action="/admin/spaces/{space}/action"><input type="hidden" name="action" value="{action}">{hidden_user}<button type="submit" class="{class}" aria-label="{} {}">{}</button></form> "#,
        esc(label),
        esc(who),
        esc(label)
    )
}

fn audit_rows(entries: &[AuditEntry]) -> String {
    if entries.is_empty() {
        return r#"<p class="muted">Nothing yet.</p>"#.into();
    }
    let rows: String = entries
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                iso_time(e.at),
                esc(e.by.as_str()),
                esc(&e.action),
                esc(e.target.as_deref().unwrap_or("")),
                esc(&e.detail.to_string())
            )
        })
        .collect();
    format!(
        r#"<table><caption>Audit log, newest first</caption><thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Whom</th><th scope="col">Detail</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

fn sync_table(space: &SpaceId, list: &Value) -> String {
    let people = list["people"].as_array().cloned().unwrap_or_default();
    if people.is_empty() {
        return r#"<p class="muted">Nobody matches these filters.</p>"#.into();
    }
    let rows: String = people
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let slack = p["slack_user_id"].as_str();
            let status = p["status"].as_str().unwrap_or_default();
            let mut actions = String::new();
            if let Some(u) = slack {
                if status != "on" {
                    actions += &action_button(space, "prompt", Some(u), "Prompt", name, "");
                    actions += &action_button(space, "reprompt", Some(u), "Reprompt", name, "secondary");
                } else {
                    actions += &action_button(space, "reset", Some(u), "Reset", name, "secondary");
                }
                actions += &action_button(space, "remove", Some(u), "Remove", name, "danger");
            }
            let reason = p["reason"]
                .as_str()
                .map(|r| format!(r#"<br><span class="muted">{}</span>"#, esc(r)))
                .unwrap_or_default();
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}{reason}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
                esc(name),
                esc(slack.unwrap_or("—")),
                esc(p["office_user_id"].as_str().unwrap_or("—")),
                esc(status),
                esc(p["type"].as_str().unwrap_or_default()),
                esc(p["platform"].as_str().unwrap_or_default()),
            )
        })
        .collect();
    format!(
        r#"<table><caption>People ({} shown of {})</caption><thead><tr><th scope="col">Name</th><th scope="col">Slack</th><th scope="col">Office</th><th scope="col">Sync</th><th scope="col">Type</th><th scope="col">Platform</th><th scope="col">Actions</th></tr></thead><tbody>{rows}</tbody></table>"#,
        list["counts"]["shown"], list["counts"]["total"]
    )
}

/// `GET /admin/spaces/{space}?platform=&status=&type=`.
pub async fn show(
    State(s): State<Services>,
    headers: HeaderMap,
    Path(space): Path<String>,
    Query(v): Query<View>,
) -> Response {
    match render(&s, &headers, space, v).await {
        Ok(r) => r,
        Err(e) => error_page(e),
    }
}

async fn render(
    s: &Services,
    headers: &HeaderMap,
    space: String,
    v: View,
) -> Result<Response, ApiError> {
    let caller = caller_of(s, headers).await?;
    let space_id: SpaceId = id(space)?;
    let (space, _) = caller
        .authorize(s, &space_id, crate::caller::Need::Manager)
        .await?;
    let flash = match (&v.done, &v.error) {
        (_, Some(e)) => format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)),
        (Some(d), None) => format!(r#"<p class="status" role="status">{}</p>"#, esc(d)),
        _ => String::new(),
    };
    let connection = connection_html(s, &space).await?;
    let settings = settings_html(&space);
    let people = match &space.team_id {
        Some(team) => {
            let f = v.filters();
            let list = sync::listing(s, &space, team, &f).await?;
            let counts = &list["counts"];
            format!(
                r#"<section aria-labelledby="people-h"><h2 id="people-h">People sync</h2>
<p>{} on · {} pending · {} off · {} failed</p>
<form method="get" action="/admin/spaces/{id}">{}{}{}<button type="submit" class="secondary">Filter</button></form>
<p>{}</p>{}</section>"#,
                counts["on"],
                counts["pending"],
                counts["off"],
                counts["failed"],
                select(
                    "status",
                    "Status",
                    f.status.as_deref(),
                    &["on", "pending", "off", "failed"]
                ),
                select(
                    "type",
                    "Type",
                    f.kind.as_deref(),
                    &["chat", "identity", "none"]
                ),
                select(
                    "platform",
                    "Platform",
                    f.platform.as_deref(),
                    &["slack", "office"]
                ),
                action_button(
                    &space.id,
                    "prompt_all",
                    None,
                    "Prompt everyone not linked",
                    "",
                    ""
                ),
                sync_table(&space.id, &list),
                id = space.id,
            )
        }
        None => String::new(),
    };
    let audit = s.audit().list(&space.id, None, 50).await?;
    let body = format!(
        r#"{flash}{connection}{settings}{people}<section aria-labelledby="audit-h"><h2 id="audit-h">Audit log</h2>{}</section>
<form method="post" action="/admin/logout"><button type="submit" class="secondary">Log out</button></form>"#,
        audit_rows(&audit)
    );
    Ok(page(
        StatusCode::OK,
        &format!("{} · Slack", space.name),
        &body,
    ))
}

async fn connection_html(s: &Services, space: &Space) -> Result<String, ApiError> {
    let state = match (&space.team_id, space.connected) {
        (Some(team), true) => {
            let name = s
                .installations()
                .get(team)
                .await
                .map_err(|e| ApiError::Unavailable(e.into()))?
                .map(|i| i.team_name)
                .unwrap_or_else(|| team.to_string());
            format!(
                "<p>Connected to the Slack workspace <strong>{}</strong> ({}).</p>{}",
                esc(&name),
                esc(team.as_str()),
                action_button(&space.id, "disconnect", None, "Disconnect", "", "danger")
            )
        }
        (Some(team), false) => format!(
            r#"<p class="error">Disconnected from {} (the app was removed or its token revoked). Reconnect to bring it back.</p>"#,
            esc(team.as_str())
        ),
        (None, _) => "<p>Not connected to a Slack workspace.</p>".to_owned(),
    };
    let connect = if space.connected {
        String::new()
    } else {
        format!(
            r#"<p><a href="/admin/spaces/{}/connect">Connect to Slack</a></p>"#,
            space.id
        )
    };
    Ok(format!(
        r#"<section aria-labelledby="conn-h"><h2 id="conn-h">Connection</h2>{state}{connect}</section>"#
    ))
}

fn settings_html(space: &Space) -> String {
    let check = |on: bool| if on { " checked" } else { "" };
    format!(
        r#"<section aria-labelledby="set-h"><h2 id="set-h">Settings</h2>
<form method="post" action="/admin/spaces/{id}/action"><input type="hidden" name="action" value="settings">
<p><input type="checkbox" id="auto_prompt" name="auto_prompt" value="on"{ap}> <label for="auto_prompt">Auto-prompt: ask people who are not linked to link when they message someone linked (at most once a day)</label></p>
<p><input type="checkbox" id="require_invitation" name="require_invitation" value="on"{ri}> <label for="require_invitation">Require an invitation for Slack members to join</label></p>
<p><label for="call_mention">A call in a channel notifies</label> <select id="call_mention" name="call_mention">{mentions}</select></p>
<p><button type="submit">Save settings</button></p></form></section>"#,
        id = space.id,
        ap = check(space.auto_prompt),
        ri = check(space.require_invitation),
        mentions = [
            (CallMention::Channel, "everyone in the channel (@channel)"),
            (CallMention::Here, "who is active (@here)"),
            (CallMention::None, "nobody (no mention)"),
        ]
        .iter()
        .map(|(m, label)| format!(
            r#"<option value="{}"{}>{label}</option>"#,
            m.as_str(),
            if *m == space.call_mention {
                " selected"
            } else {
                ""
            }
        ))
        .collect::<String>(),
    )
}

#[derive(Deserialize)]
pub struct Action {
    action: String,
    user: Option<String>,
    auto_prompt: Option<String>,
    require_invitation: Option<String>,
    call_mention: Option<CallMention>,
}

/// `POST /admin/spaces/{space}/action`: one action, then back to the page
/// with what came of it.
pub async fn act(
    State(s): State<Services>,
    headers: HeaderMap,
    Path(space): Path<String>,
    Form(a): Form<Action>,
) -> Response {
    let back = |key: &str, msg: &str| {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, msg)
            .finish();
        Redirect::to(&format!("/admin/spaces/{space}?{q}")).into_response()
    };
    if let Err(e) = allowed_origin(&s, &headers, PostedFrom::Hallway) {
        return error_page(e);
    }
    let caller = match caller_of(&s, &headers).await {
        Ok(c) => c,
        Err(e) => return error_page(e),
    };
    match perform(&s, &caller, &space, a).await {
        Ok(done) => back("done", &done),
        // Not the caller's to do, or not doable now: a page that says so,
        // with its status (a redirect would look like the form's mistake).
        Err(
            e @ (ApiError::Unauthorized(_)
            | ApiError::Forbidden(_)
            | ApiError::Internal(_)
            | ApiError::Unavailable(_)),
        ) => error_page(e),
        Err(e) => back("error", &e.to_string()),
    }
}

async fn perform(
    s: &Services,
    caller: &Caller,
    space: &str,
    a: Action,
) -> Result<String, ApiError> {
    let space_id: SpaceId = id(space.to_owned())?;
    let user = || -> Result<UserId, ApiError> {
        id(a.user
            .clone()
            .ok_or_else(|| ApiError::BadRequest("whom?".into()))?)
    };
    match a.action.as_str() {
        "settings" => {
            let (space, _) = caller
                .authorize(s, &space_id, crate::caller::Need::Admin)
                .await?;
            let change = SettingsChange {
                auto_prompt: Some(a.auto_prompt.is_some()),
                require_invitation: Some(a.require_invitation.is_some()),
                guest_limit: None,
                call_mention: a.call_mention,
            };
            let space = crate::spaces::apply_settings(s, caller, &space.id, &change).await?;
            Ok(format!(
                "Settings saved: auto-prompt {}, invitation {}.",
                if space.auto_prompt { "on" } else { "off" },
                if space.require_invitation {
                    "required"
                } else {
                    "not required"
                }
            ))
        }
        "disconnect" => {
            let (space, _) = caller
                .authorize(s, &space_id, crate::caller::Need::Manager)
                .await?;
            let was = s
                .spaces()
                .disconnect(&space.id)
                .await
                .map_err(spaces_error)?;
            s.audit()
                .record(
                    &space.id,
                    caller.user(),
                    "slack.disconnect",
                    was.as_ref().map(|t| t.as_str()),
                    json!({}),
                )
                .await?;
            Ok("Disconnected from Slack. The space and its rooms stay.".into())
        }
        action => {
            let (space, team) = sync::managed(s, caller, &space_id).await?;
            match action {
                "prompt" | "reprompt" => {
                    let done = sync::prompt_person(
                        s,
                        caller,
                        &space,
                        &team,
                        &user()?,
                        action == "reprompt",
                    )
                    .await?;
                    Ok(format!(
                        "Prompt queued for {}.",
                        done["name"].as_str().unwrap_or("them")
                    ))
                }
                "prompt_all" => {
                    let c = sync::prompt_everyone(s, caller, &space, &team).await?;
                    Ok(format!(
                        "Prompts queued for {} people ({} linked already, {} prompted within the day).",
                        c["queued"], c["already_linked"], c["prompted_within_a_day"]
                    ))
                }
                "reset" => {
                    let u = user()?;
                    sync::reset_person(s, caller, &space, &team, &u).await?;
                    Ok(format!("{u} is no longer linked."))
                }
                "remove" => {
                    let u = user()?;
                    let done = sync::remove_person(s, caller, &space, &team, &u).await?;
                    Ok(format!(
                        "{u} removed: {} conversation(s), {} message(s).",
                        done["removed"]["conversations"], done["removed"]["messages"]
                    ))
                }
                other => Err(ApiError::BadRequest(format!("no action {other}"))),
            }
        }
    }
}

/// `GET /admin/spaces/{space}/connect`: to Slack's install page, with a
/// fresh state bound to this space and admin.
pub async fn connect(
    State(s): State<Services>,
    headers: HeaderMap,
    Path(space): Path<String>,
) -> Response {
    let result = async {
        let caller = caller_of(&s, &headers).await?;
        let (space, _) = caller
            .authorize(&s, &id(space)?, crate::caller::Need::Manager)
            .await?;
        crate::slack::connect_url(&s, &caller, &space).await
    }
    .await;
    match result {
        Ok((url, _)) => Redirect::to(&url).into_response(),
        Err(e) => error_page(e),
    }
}
