//! A stand-in for the virtual office app, served by `hallway-local` at
//! `/app` (the default `HALLWAY_APP_URL`) so every browser flow can be run
//! offline to its end: Sign in with Slack lands here and exchanges its login
//! token, installs and links land on a space's Slack settings, join links
//! land in a room.
//!
//! It is a client of the bundle's own API, like the real office, and keeps
//! the API token it got in a cookie. For trying the admin flows it can mint a
//! development token for any user name, signed with the local
//! `HALLWAY_APP_JWT_SECRET`. It also receives hallway's office webhook at
//! `/app/webhook` as the office would (signature checked, replays refused)
//! and lists what arrived at `/app/inbox`. It is never deployed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hallway::auth::AppClaims;
use hallway::ids::OfficeUserId;
use hallway::office_webhook::{self, Notification};
use hallway::services::Services;
use hallway::web::page::Layout;
use http::{HeaderMap, StatusCode};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

const COOKIE: &str = "office_token";

/// How many notifications the inbox keeps (and remembers ids of).
const INBOX_SIZE: usize = 200;

#[derive(Clone)]
struct Office {
    services: Services,
    http: reqwest::Client,
    inbox: Arc<Mutex<VecDeque<Notification>>>,
}

pub fn router(services: Services) -> Router {
    Router::new()
        .route("/app", get(home))
        .route("/app/login", get(login))
        .route("/app/dev-token", post(dev_token))
        .route("/app/spaces", post(create_space))
        .route("/app/spaces/{space}", get(space))
        .route("/app/spaces/{space}/settings/slack", get(space))
        .route("/app/spaces/{space}/rooms/{room}", get(room))
        .route("/app/webhook", post(webhook))
        .route("/app/inbox", get(inbox))
        .with_state(Office {
            services,
            http: reqwest::Client::new(),
            inbox: Arc::default(),
        })
}

fn page(title: &str, body: Markup) -> Markup {
    Layout::new(title, "office stand-in")
        .banner("hallway-local · office stand-in (not the real office)")
        .after_main(html! { p { a href="/app" { "Home" } } })
        .render(body)
}

/// A page that only says `text`.
fn message(title: &str, text: &str) -> Markup {
    page(title, html! { p { (text) } })
}

fn token_of(jar: &CookieJar) -> Option<String> {
    jar.get(COOKIE).map(|c| c.value().to_owned())
}

/// `resp`, keeping `token` as the office's session.
fn with_token(resp: impl IntoResponse, token: &str) -> Response {
    let cookie = Cookie::build((COOKIE, token.to_owned()))
        .path("/app")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    (CookieJar::new().add(cookie), resp).into_response()
}

impl Office {
    async fn api(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, self.services.config.endpoint(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or(Value::Null))
            }
            Err(e) => (502, json!({"error": e.to_string()})),
        }
    }

    async fn spaces_html(&self, token: &str) -> Markup {
        let (_, spaces) = self
            .api(http::Method::GET, "/api/v1/spaces", Some(token), None)
            .await;
        let spaces = spaces["spaces"].as_array().cloned().unwrap_or_default();
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        html! {
            @if spaces.is_empty() {
                p { "No spaces yet." }
            } @else {
                ul {
                    @for s in &spaces {
                        li {
                            a href={ "/app/spaces/" (text(&s["id"])) } { (text(&s["name"])) }
                            " (" (text(&s["role"])) "; Slack: "
                            (s["slack"]["team_id"].as_str().unwrap_or("not connected")) ")"
                        }
                    }
                }
            }
        }
    }
}

async fn home(State(o): State<Office>, jar: CookieJar) -> Markup {
    let token = token_of(&jar);
    let spaces = match &token {
        Some(t) => Some(o.spaces_html(t).await),
        None => None,
    };
    page(
        "Office",
        html! {
            p {
                a href="/slack/login" { "Sign in with Slack" }
                " · "
                a href="/app/inbox" { "Messages from Slack" }
            }
            form.stacked method="post" action="/app/dev-token" {
                label for="user" { "Act as an office user (development token)" }
                input id="user" name="user" value="ada" required;
                " "
                button { "Use this user" }
            }
            form.stacked method="post" action="/app/spaces" {
                label for="name" { "New space name" }
                input id="name" name="name" value="HQ" required;
                " "
                button { "Create space" }
            }
            @if let (Some(t), Some(spaces)) = (&token, spaces) {
                h2 { "Your spaces" }
                (spaces)
                p { "Your API token (for curl): " code { (t) } }
            } @else {
                p { "Not signed in." }
            }
        },
    )
}

async fn login(State(o): State<Office>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(login) = q.get("token") else {
        return (
            StatusCode::BAD_REQUEST,
            message("No login token", "Nothing to exchange."),
        )
            .into_response();
    };
    let (status, body) = o
        .api(
            http::Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"login_token": login})),
        )
        .await;
    if status != 200 {
        return (
            StatusCode::UNAUTHORIZED,
            message("Sign-in failed", body["error"].as_str().unwrap_or("")),
        )
            .into_response();
    }
    let token = body["token"].as_str().unwrap_or_default().to_owned();
    let html = page(
        &format!(
            "Signed in as {}",
            body["user"]["name"].as_str().unwrap_or("")
        ),
        html! {
            (o.spaces_html(&token).await)
            p { "API token: " code { (token) } }
        },
    );
    with_token(html, &token)
}

#[derive(Deserialize)]
struct DevUser {
    user: String,
}

async fn dev_token(State(o): State<Office>, Form(f): Form<DevUser>) -> Response {
    let Ok(user) = OfficeUserId::new(f.user.trim()) else {
        return (
            StatusCode::BAD_REQUEST,
            message("Bad user name", "Use letters, digits, '-', '_' or '.'."),
        )
            .into_response();
    };
    let token = o.services.app_jwt.issue(&AppClaims {
        name: Some(user.to_string()),
        sub: user,
        email: None,
        picture: None,
        roles: Default::default(),
        exp: o.services.clock.now_secs() + 12 * 3600,
        iat: None,
        sid: None,
    });
    with_token(Redirect::to("/app"), &token)
}

#[derive(Deserialize)]
struct NewSpace {
    name: String,
}

async fn create_space(
    State(o): State<Office>,
    jar: CookieJar,
    Form(f): Form<NewSpace>,
) -> Response {
    let Some(token) = token_of(&jar) else {
        return Redirect::to("/app").into_response();
    };
    let (status, body) = o
        .api(
            http::Method::POST,
            "/api/v1/spaces",
            Some(&token),
            Some(json!({"name": f.name})),
        )
        .await;
    if status != 201 {
        return (
            StatusCode::BAD_REQUEST,
            message("Could not create", &body.to_string()),
        )
            .into_response();
    }
    Redirect::to(&format!(
        "/app/spaces/{}",
        body["id"].as_str().unwrap_or("")
    ))
    .into_response()
}

fn not_signed_in() -> Markup {
    page(
        "Not signed in",
        html! { p { a href="/slack/login" { "Sign in with Slack" } " first." } },
    )
}

async fn space(State(o): State<Office>, jar: CookieJar, Path(space): Path<String>) -> Response {
    let Some(token) = token_of(&jar) else {
        return not_signed_in().into_response();
    };
    let (status, s) = o
        .api(
            http::Method::GET,
            &format!("/api/v1/spaces/{space}"),
            Some(&token),
            None,
        )
        .await;
    if status != 200 {
        return (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            message("No access", s["error"].as_str().unwrap_or("")),
        )
            .into_response();
    }
    let (_, slack) = o
        .api(
            http::Method::GET,
            &format!("/api/v1/spaces/{space}/slack"),
            Some(&token),
            None,
        )
        .await;
    let (_, connect) = o
        .api(
            http::Method::POST,
            &format!("/api/v1/spaces/{space}/slack/connect"),
            Some(&token),
            None,
        )
        .await;
    let (_, members) = o
        .api(
            http::Method::GET,
            &format!("/api/v1/spaces/{space}/members"),
            Some(&token),
            None,
        )
        .await;
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    page(
        s["name"].as_str().unwrap_or("Space"),
        html! {
            h2 { "Slack" }
            pre { (pretty(&slack)) }
            @if let Some(url) = connect["authorize_url"].as_str() {
                p { a href=(url) { "Connect to Slack" } }
            }
            h2 { "Members" }
            pre { (pretty(&members["members"])) }
            h2 { "Rooms" }
            pre { (pretty(&s["rooms"])) }
        },
    )
    .into_response()
}

async fn room(
    State(o): State<Office>,
    jar: CookieJar,
    Path((space, room)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut token = token_of(&jar);
    if let Some(login) = q.get("login") {
        let (status, body) = o
            .api(
                http::Method::POST,
                "/api/v1/sessions",
                None,
                Some(json!({"login_token": login})),
            )
            .await;
        if status == 200 {
            token = body["token"].as_str().map(str::to_owned);
        }
    }
    let Some(token) = token else {
        return not_signed_in().into_response();
    };
    let (_, s) = o
        .api(
            http::Method::GET,
            &format!("/api/v1/spaces/{space}"),
            Some(&token),
            None,
        )
        .await;
    let name = s["rooms"]
        .as_array()
        .and_then(|rooms| rooms.iter().find(|r| r["id"] == room.as_str()))
        .and_then(|r| r["name"].as_str())
        .unwrap_or("a room")
        .to_owned();
    let html = page(
        &format!("You are in {name}"),
        html! {
            p {
                "Space: " (s["name"].as_str().unwrap_or(""))
                " · your role: " (s["role"].as_str().unwrap_or(""))
            }
        },
    );
    with_token(html, &token)
}

/// hallway's office webhook, received as the office would: the signature
/// and its five-minute window checked, a delivery id seen before refused
/// (409) so a replayed request changes nothing.
async fn webhook(State(o): State<Office>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let Some(secret) = &o.services.secrets.office_webhook_secret else {
        return (StatusCode::NOT_FOUND, "no office webhook secret configured").into_response();
    };
    let now = o.services.clock.now_secs();
    let id = match office_webhook::verify(secret, &headers, &body, now) {
        Ok(id) => id,
        Err(e) => return (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    };
    let n: Notification = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    if n.id != id {
        return (
            StatusCode::BAD_REQUEST,
            "the body's id is not the delivery's",
        )
            .into_response();
    }
    let mut inbox = o.inbox.lock().unwrap_or_else(|e| e.into_inner());
    if inbox.iter().any(|seen| seen.id == id) {
        return (StatusCode::CONFLICT, "delivered before").into_response();
    }
    tracing::info!(notification = %n.id, kind = %n.kind, "office webhook received");
    if inbox.len() == INBOX_SIZE {
        inbox.pop_front();
    }
    inbox.push_back(n);
    StatusCode::NO_CONTENT.into_response()
}

async fn inbox(State(o): State<Office>) -> Markup {
    let inbox = o.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let body = html! {
        @if inbox.is_empty() {
            p {
                "Nothing yet. DM a linked person (or the app) on Slack, or with the fake Slack: "
                code {
                    "curl -X POST $FAKE/api/chat.postMessage -H \"authorization: Bearer $USER_TOKEN\" "
                    "-d channel=U0DEMOBOT -d text=hi"
                }
            }
        } @else {
            table {
                caption { "Newest first (" (inbox.len()) " kept)" }
                thead {
                    tr {
                        th scope="col" { "Type" }
                        th scope="col" { "Slack user" }
                        th scope="col" { "Office user" }
                        th scope="col" { "Office users in the conversation" }
                        th scope="col" { "Text" }
                    }
                }
                tbody {
                    @for n in inbox.iter().rev() {
                        @let d = &n.data;
                        tr {
                            td { (n.kind) }
                            td { (d["user"].as_str().unwrap_or("")) }
                            td { (d["from_office_user"].as_str().unwrap_or("")) }
                            td { (d["conversation"]["office_users"].to_string()) }
                            td {
                                @if d["deleted"] == true {
                                    em { "deleted" }
                                } @else {
                                    (d["text"].as_str().unwrap_or_default())
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Messages from Slack", body)
}
