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
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hallway::clock::iso_time;
use hallway::ids::{SpaceId, UserId};
use hallway::services::Services;
use hallway::store::spaces::{CallMention, SettingsChange};
use hallway::store::{Space, audit::AuditEntry};
use hallway::web::ApiError;
use hallway::web::page::Layout;
use http::{HeaderMap, StatusCode};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::caller::Caller;
use crate::sync::{self, Filters};
use crate::{id, model, spaces_error};

pub const COOKIE: &str = "hallway_admin";

/// The `<title>` suffix of every admin page.
const SITE: &str = "hallway admin";

fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = Layout::new(title, SITE)
        .banner("hallway · Slack integration")
        .render(body);
    (status, html).into_response()
}

fn error_page(e: ApiError) -> Response {
    let status = e.status();
    page(
        status,
        "Something is in the way",
        html! {
            p.error role="alert" { (e.to_string()) }
            @if status == StatusCode::UNAUTHORIZED {
                p { a href="/admin/login" { "Log in again" } }
            }
        },
    )
}

/// The login cookie holding `token`; an empty token with no age logs out.
fn login_cookie(token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .path("/admin")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

async fn caller_of(s: &Services, jar: &CookieJar) -> Result<Caller, ApiError> {
    let token = jar
        .get(COOKIE)
        .ok_or_else(|| ApiError::Unauthorized("not logged in to the admin page".into()))?;
    Caller::from_token(s, token.value()).await
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
        html! {
            form method="post" action="/admin/login" {
                p {
                    label for="token" { "Your office API token" }
                    br;
                    textarea id="token" name="token" rows="4" cols="60" required {}
                }
                p {
                    label for="space" { "Space id" }
                    " "
                    input id="space" name="space" required size="36";
                }
                p { button type="submit" { "Open the admin page" } }
            }
        },
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
    let jar = CookieJar::new().add(login_cookie(token.to_owned(), max_age));
    let target = format!("/admin/spaces/{space}");
    // Posted from the office's own site: a redirect would carry on the
    // cross-site navigation, and browsers leave a SameSite=Strict cookie
    // off it, so the admin would land logged out. A page of ours that moves
    // on makes the next request same-site.
    let from_office = posted_from(&headers).is_some_and(|o| o != s.config.base_url.origin());
    if from_office {
        let html = Layout::new("Opening the admin page", SITE)
            .refresh(&target)
            .render(html! {
                p { a href=(target) { "Continue to the admin page" } }
            });
        (jar, html).into_response()
    } else {
        (jar, Redirect::to(&target)).into_response()
    }
}

/// `POST /admin/logout`.
pub async fn logout(State(s): State<Services>, headers: HeaderMap) -> Response {
    if let Err(e) = allowed_origin(&s, &headers, PostedFrom::Hallway) {
        return error_page(e);
    }
    let page = page(
        StatusCode::OK,
        "Logged out",
        html! { p { a href="/admin/login" { "Log in" } } },
    );
    (CookieJar::new().add(login_cookie(String::new(), 0)), page).into_response()
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

fn select(name: &str, label: &str, current: Option<&str>, options: &[&str]) -> Markup {
    let id = format!("f-{name}");
    html! {
        label for=(id) { (label) }
        select id=(id) name=(name) {
            option value="" selected[current.is_none()] { "any" }
            @for o in options {
                option value=(o) selected[current == Some(o)] { (o) }
            }
        }
        " "
    }
}

/// A button that posts one action; `who` completes its accessible name
/// ("Prompt Carol"), since a row's buttons all read alike.
fn action_button(
    space: &SpaceId,
    action: Action,
    user: Option<&str>,
    label: &str,
    who: &str,
    class: Option<&str>,
) -> Markup {
    html! {
        form.inline method="post" action={ "/admin/spaces/" (space.as_str()) "/action" } {
            input type="hidden" name="action" value=(action.as_str());
            @if let Some(user) = user {
                input type="hidden" name="user" value=(user);
            }
            button type="submit" class=[class] aria-label={ (label) " " (who) } { (label) }
        }
        " "
    }
}

fn audit_rows(entries: &[AuditEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p.muted { "Nothing yet." }
        } @else {
            table {
                caption { "Audit log, newest first" }
                thead {
                    tr {
                        th scope="col" { "When (UTC)" }
                        th scope="col" { "Who" }
                        th scope="col" { "What" }
                        th scope="col" { "Whom" }
                        th scope="col" { "Detail" }
                    }
                }
                tbody {
                    @for e in entries {
                        tr {
                            td { (iso_time(e.at)) }
                            td { (e.by.as_str()) }
                            td { (e.action) }
                            td { (e.target.as_deref().unwrap_or("")) }
                            td { code { (e.detail.to_string()) } }
                        }
                    }
                }
            }
        }
    }
}

fn sync_table(space: &SpaceId, list: &model::SyncList) -> Markup {
    let people = &list.people;
    if people.is_empty() {
        return html! { p.muted { "Nobody matches these filters." } };
    }
    html! {
        table {
            caption {
                "People (" (list.counts.shown) " shown of " (list.counts.total) ")"
            }
            thead {
                tr {
                    th scope="col" { "Name" }
                    th scope="col" { "Slack" }
                    th scope="col" { "Office" }
                    th scope="col" { "Sync" }
                    th scope="col" { "Type" }
                    th scope="col" { "Platform" }
                    th scope="col" { "Actions" }
                }
            }
            tbody {
                @for p in people {
                    @let name = p.name.as_str();
                    @let slack = p.slack_user_id.as_ref().map(|u| u.as_str());
                    @let status = p.status.as_str();
                    tr {
                        th scope="row" { (name) }
                        td { (slack.unwrap_or("—")) }
                        td { (p.office_user_id.as_ref().map_or("—", |u| u.as_str())) }
                        td {
                            (status)
                            @if let Some(reason) = &p.reason {
                                br;
                                span.muted { (reason) }
                            }
                        }
                        td { (p.kind.as_str()) }
                        td { (p.platform.as_str()) }
                        td {
                            @if let Some(u) = slack {
                                @if status != "on" {
                                    (action_button(space, Action::Prompt, Some(u), "Prompt", name, None))
                                    (action_button(space, Action::Reprompt, Some(u), "Reprompt", name, Some("secondary")))
                                } @else {
                                    (action_button(space, Action::Reset, Some(u), "Reset", name, Some("secondary")))
                                }
                                (action_button(space, Action::Remove, Some(u), "Remove", name, Some("danger")))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /admin/spaces/{space}?platform=&status=&type=`.
pub async fn show(
    State(s): State<Services>,
    jar: CookieJar,
    Path(space): Path<String>,
    Query(v): Query<View>,
) -> Response {
    match render(&s, &jar, space, v).await {
        Ok(r) => r,
        Err(e) => error_page(e),
    }
}

async fn render(
    s: &Services,
    jar: &CookieJar,
    space: String,
    v: View,
) -> Result<Response, ApiError> {
    let caller = caller_of(s, jar).await?;
    let space_id: SpaceId = id(space)?;
    let (space, _) = caller
        .authorize(s, &space_id, crate::caller::Need::Manager)
        .await?;
    let connection = connection_html(s, &space).await?;
    let people = match &space.team_id {
        Some(team) => {
            let f = v.filters();
            let list = sync::sync_list(s, &space, team, &f).await?;
            let counts = &list.counts;
            Some(html! {
                section aria-labelledby="people-h" {
                    h2 id="people-h" { "People sync" }
                    p {
                        (counts.on) " on · "
                        (counts.pending) " pending · "
                        (counts.off) " off · "
                        (counts.failed) " failed"
                    }
                    form method="get" action={ "/admin/spaces/" (space.id.as_str()) } {
                        (select("status", "Status", f.status.as_deref(), &["on", "pending", "off", "failed"]))
                        (select("type", "Type", f.kind.as_deref(), &["chat", "identity", "none"]))
                        (select("platform", "Platform", f.platform.as_deref(), &["slack", "office"]))
                        button type="submit" class="secondary" { "Filter" }
                    }
                    p {
                        (action_button(&space.id, Action::PromptAll, None, "Prompt everyone not linked", "", None))
                    }
                    (sync_table(&space.id, &list))
                }
            })
        }
        None => None,
    };
    let audit = s.audit().list(&space.id, None, 50).await?;
    let body = html! {
        @if let Some(e) = &v.error {
            p.error role="alert" { (e) }
        } @else if let Some(d) = &v.done {
            p.status role="status" { (d) }
        }
        (connection)
        (settings_html(&space))
        @if let Some(people) = people {
            (people)
        }
        section aria-labelledby="audit-h" {
            h2 id="audit-h" { "Audit log" }
            (audit_rows(&audit))
        }
        form method="post" action="/admin/logout" {
            button type="submit" class="secondary" { "Log out" }
        }
    };
    Ok(page(
        StatusCode::OK,
        &format!("{} · Slack", space.name),
        body,
    ))
}

async fn connection_html(s: &Services, space: &Space) -> Result<Markup, ApiError> {
    let connected_to = match (&space.team_id, space.connected) {
        (Some(team), true) => Some(
            s.installations()
                .get(team)
                .await
                .map_err(|e| ApiError::Unavailable(e.into()))?
                .map(|i| i.team_name)
                .unwrap_or_else(|| team.to_string()),
        ),
        _ => None,
    };
    Ok(html! {
        section aria-labelledby="conn-h" {
            h2 id="conn-h" { "Connection" }
            @match (&space.team_id, connected_to) {
                (Some(team), Some(name)) => {
                    p {
                        "Connected to the Slack workspace " strong { (name) }
                        " (" (team.as_str()) ")."
                    }
                    (action_button(&space.id, Action::Disconnect, None, "Disconnect", "", Some("danger")))
                }
                (Some(team), None) => {
                    p.error {
                        "Disconnected from " (team.as_str())
                        " (the app was removed or its token revoked). Reconnect to bring it back."
                    }
                }
                (None, _) => {
                    p { "Not connected to a Slack workspace." }
                }
            }
            @if !space.connected {
                p { a href={ "/admin/spaces/" (space.id.as_str()) "/connect" } { "Connect to Slack" } }
            }
        }
    })
}

fn settings_html(space: &Space) -> Markup {
    let mentions = [
        (CallMention::Channel, "everyone in the channel (@channel)"),
        (CallMention::Here, "who is active (@here)"),
        (CallMention::None, "nobody (no mention)"),
    ];
    html! {
        section aria-labelledby="set-h" {
            h2 id="set-h" { "Settings" }
            form method="post" action={ "/admin/spaces/" (space.id.as_str()) "/action" } {
                input type="hidden" name="action" value=(Action::Settings.as_str());
                p {
                    input type="checkbox" id="auto_prompt" name="auto_prompt" value="on" checked[space.auto_prompt];
                    " "
                    label for="auto_prompt" {
                        "Auto-prompt: ask people who are not linked to link when they message someone linked (at most once a day)"
                    }
                }
                p {
                    input type="checkbox" id="require_invitation" name="require_invitation" value="on" checked[space.require_invitation];
                    " "
                    label for="require_invitation" { "Require an invitation for Slack members to join" }
                }
                p {
                    label for="call_mention" { "A call in a channel notifies" }
                    " "
                    select id="call_mention" name="call_mention" {
                        @for (mention, label) in mentions {
                            option value=(mention.as_str()) selected[mention == space.call_mention] { (label) }
                        }
                    }
                }
                p { button type="submit" { "Save settings" } }
            }
        }
    }
}

/// What an admin page form asks for: the `action` field, one of a closed
/// set (the buttons write it with [`Action::as_str`]).
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum Action {
    Settings,
    Disconnect,
    Prompt,
    Reprompt,
    PromptAll,
    Reset,
    Remove,
    /// Anything else: no form of ours sends it.
    #[serde(other)]
    Unknown,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Settings => "settings",
            Action::Disconnect => "disconnect",
            Action::Prompt => "prompt",
            Action::Reprompt => "reprompt",
            Action::PromptAll => "prompt_all",
            Action::Reset => "reset",
            Action::Remove => "remove",
            Action::Unknown => "unknown",
        }
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    action: Action,
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
    jar: CookieJar,
    Path(space): Path<String>,
    Form(a): Form<ActionForm>,
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
    let caller = match caller_of(&s, &jar).await {
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
    a: ActionForm,
) -> Result<String, ApiError> {
    let space_id: SpaceId = id(space.to_owned())?;
    let user = || -> Result<UserId, ApiError> {
        id(a.user
            .clone()
            .ok_or_else(|| ApiError::BadRequest("whom?".into()))?)
    };
    // The people actions need the space managed and connected to Slack.
    let managed = || sync::managed(s, caller, &space_id);
    match a.action {
        Action::Settings => {
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
        Action::Disconnect => {
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
        action @ (Action::Prompt | Action::Reprompt) => {
            let (space, team) = managed().await?;
            let done = sync::prompt_one_person(
                s,
                caller,
                &space,
                &team,
                &user()?,
                action == Action::Reprompt,
            )
            .await?;
            Ok(format!("Prompt queued for {}.", done.name))
        }
        Action::PromptAll => {
            let (space, team) = managed().await?;
            let c = sync::prompt_all_people(s, caller, &space, &team).await?;
            Ok(format!(
                "Prompts queued for {} people ({} linked already, {} prompted within the day).",
                c.queued, c.already_linked, c.prompted_within_a_day
            ))
        }
        Action::Reset => {
            let (space, team) = managed().await?;
            let u = user()?;
            sync::reset_one_person(s, caller, &space, &team, &u).await?;
            Ok(format!("{u} is no longer linked."))
        }
        Action::Remove => {
            let (space, team) = managed().await?;
            let u = user()?;
            let done = sync::remove_one_person(s, caller, &space, &team, &u).await?;
            Ok(format!(
                "{u} removed: {} conversation(s), {} message(s).",
                done.removed.conversations, done.removed.messages
            ))
        }
        // Checked like the people actions first, so someone who may not
        // manage the space is refused before being told what exists.
        Action::Unknown => {
            managed().await?;
            Err(ApiError::BadRequest("no such action".into()))
        }
    }
}

/// `GET /admin/spaces/{space}/connect`: to Slack's install page, with a
/// fresh state bound to this space and admin.
pub async fn connect(
    State(s): State<Services>,
    jar: CookieJar,
    Path(space): Path<String>,
) -> Response {
    let result = async {
        let caller = caller_of(&s, &jar).await?;
        let (space, _) = caller
            .authorize(&s, &id(space)?, crate::caller::Need::Manager)
            .await?;
        crate::slack::connect_url(&s, &caller, &space, None).await
    }
    .await;
    match result {
        Ok((url, _)) => Redirect::to(&url).into_response(),
        Err(e) => error_page(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buttons_name_actions_as_the_form_reads_them() {
        use Action::*;
        for action in [
            Settings, Disconnect, Prompt, Reprompt, PromptAll, Reset, Remove,
        ] {
            let read: Action = serde_json::from_value(json!(action.as_str())).unwrap();
            assert_eq!(read, action);
        }
        for other in ["unknown", "", "Prompt", "drop_table"] {
            let read: Action = serde_json::from_value(json!(other)).unwrap();
            assert_eq!(read, Unknown, "{other}");
        }
    }
}
