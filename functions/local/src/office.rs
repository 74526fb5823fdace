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
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hallway::auth::AppClaims;
use hallway::ids::OfficeUserId;
use hallway::office_webhook::{self, Notification};
use hallway::services::Services;
use http::{HeaderMap, StatusCode};
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

use hallway::web::escape_html as esc;

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{t} · office stand-in</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}}
code,pre{{background:#f4f4f4;padding:.1rem .3rem;word-break:break-all;white-space:pre-wrap}}
.note{{color:#555}} form{{margin:1rem 0}} label{{display:block;margin:.3rem 0}}</style></head>
<body><header><p class="note">hallway-local · office stand-in (not the real office)</p></header>
<main><h1>{t}</h1>{body}</main><p><a href="/app">Home</a></p></body></html>"#,
        t = esc(title)
    ))
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(http::header::COOKIE)?
        .to_str()
        .ok()?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn with_token(mut resp: Response, token: &str) -> Response {
    if let Ok(v) = format!("{COOKIE}={token}; Path=/app; HttpOnly; SameSite=Lax").parse() {
        resp.headers_mut().insert(http::header::SET_COOKIE, v);
    }
    resp
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

    async fn spaces_html(&self, token: &str) -> String {
        let (_, spaces) = self
            .api(http::Method::GET, "/api/v1/spaces", Some(token), None)
            .await;
        let items: Vec<String> = spaces["spaces"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        format!(
                            r#"<li><a href="/app/spaces/{id}">{name}</a> ({role}; Slack: {slack})</li>"#,
                            id = esc(s["id"].as_str().unwrap_or("")),
                            name = esc(s["name"].as_str().unwrap_or("")),
                            role = esc(s["role"].as_str().unwrap_or("")),
                            slack = esc(s["slack"]["team_id"].as_str().unwrap_or("not connected")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if items.is_empty() {
            "<p>No spaces yet.</p>".into()
        } else {
            format!("<ul>{}</ul>", items.concat())
        }
    }
}

async fn home(State(o): State<Office>, headers: HeaderMap) -> Html<String> {
    let signed_in = match token_of(&headers) {
        Some(t) => format!(
            "<h2>Your spaces</h2>{}<p>Your API token (for curl): <code>{}</code></p>",
            o.spaces_html(&t).await,
            esc(&t)
        ),
        None => "<p>Not signed in.</p>".into(),
    };
    page(
        "Office",
        &format!(
            r#"<p><a href="/slack/login">Sign in with Slack</a> · <a href="/app/inbox">Messages from Slack</a></p>
<form method="post" action="/app/dev-token"><label for="user">Act as an office user (development token)</label>
<input id="user" name="user" value="ada" required> <button>Use this user</button></form>
<form method="post" action="/app/spaces"><label for="name">New space name</label>
<input id="name" name="name" value="HQ" required> <button>Create space</button></form>
{signed_in}"#
        ),
    )
}

async fn login(State(o): State<Office>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(login) = q.get("token") else {
        return (
            StatusCode::BAD_REQUEST,
            page("No login token", "<p>Nothing to exchange.</p>"),
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
            page(
                "Sign-in failed",
                &format!("<p>{}</p>", esc(body["error"].as_str().unwrap_or(""))),
            ),
        )
            .into_response();
    }
    let token = body["token"].as_str().unwrap_or_default().to_owned();
    let html = page(
        &format!(
            "Signed in as {}",
            body["user"]["name"].as_str().unwrap_or("")
        ),
        &format!(
            "{}<p>API token: <code>{}</code></p>",
            o.spaces_html(&token).await,
            esc(&token)
        ),
    );
    with_token(html.into_response(), &token)
}

#[derive(Deserialize)]
struct DevUser {
    user: String,
}

async fn dev_token(State(o): State<Office>, Form(f): Form<DevUser>) -> Response {
    let Ok(user) = OfficeUserId::new(f.user.trim()) else {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Bad user name",
                "<p>Use letters, digits, '-', '_' or '.'.</p>",
            ),
        )
            .into_response();
    };
    let token = o.services.app_jwt.issue(&AppClaims {
        name: Some(user.to_string()),
        sub: user,
        email: None,
        roles: Default::default(),
        exp: o.services.clock.now_secs() + 12 * 3600,
        iat: None,
        sid: None,
    });
    with_token(Redirect::to("/app").into_response(), &token)
}

#[derive(Deserialize)]
struct NewSpace {
    name: String,
}

async fn create_space(
    State(o): State<Office>,
    headers: HeaderMap,
    Form(f): Form<NewSpace>,
) -> Response {
    let Some(token) = token_of(&headers) else {
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
            page(
                "Could not create",
                &format!("<p>{}</p>", esc(&body.to_string())),
            ),
        )
            .into_response();
    }
    Redirect::to(&format!(
        "/app/spaces/{}",
        body["id"].as_str().unwrap_or("")
    ))
    .into_response()
}

async fn space(State(o): State<Office>, headers: HeaderMap, Path(space): Path<String>) -> Response {
    let Some(token) = token_of(&headers) else {
        return page(
            "Not signed in",
            r#"<p><a href="/slack/login">Sign in with Slack</a> first.</p>"#,
        )
        .into_response();
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
            page(
                "No access",
                &format!("<p>{}</p>", esc(s["error"].as_str().unwrap_or(""))),
            ),
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
    let connect_link = connect["authorize_url"]
        .as_str()
        .map(|u| format!(r#"<p><a href="{}">Connect to Slack</a></p>"#, esc(u)))
        .unwrap_or_default();
    page(
        s["name"].as_str().unwrap_or("Space"),
        &format!(
            "<h2>Slack</h2><pre>{}</pre>{connect_link}<h2>Members</h2><pre>{}</pre><h2>Rooms</h2><pre>{}</pre>",
            esc(&serde_json::to_string_pretty(&slack).unwrap_or_default()),
            esc(&serde_json::to_string_pretty(&members["members"]).unwrap_or_default()),
            esc(&serde_json::to_string_pretty(&s["rooms"]).unwrap_or_default()),
        ),
    )
    .into_response()
}

async fn room(
    State(o): State<Office>,
    headers: HeaderMap,
    Path((space, room)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut token = token_of(&headers);
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
        return page(
            "Not signed in",
            r#"<p><a href="/slack/login">Sign in with Slack</a> first.</p>"#,
        )
        .into_response();
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
        &format!(
            "<p>Space: {} · your role: {}</p>",
            esc(s["name"].as_str().unwrap_or("")),
            esc(s["role"].as_str().unwrap_or(""))
        ),
    );
    with_token(html.into_response(), &token)
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

async fn inbox(State(o): State<Office>) -> Html<String> {
    let inbox = o.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let rows: String = inbox
        .iter()
        .rev()
        .map(|n| {
            let d = &n.data;
            let text = d["text"].as_str().unwrap_or_default();
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&n.kind),
                esc(d["user"].as_str().unwrap_or("")),
                esc(d["from_office_user"].as_str().unwrap_or("")),
                esc(d["conversation"]["office_users"].to_string().as_str()),
                if d["deleted"] == true {
                    "<em>deleted</em>".into()
                } else {
                    esc(text)
                },
            )
        })
        .collect();
    let body = if inbox.is_empty() {
        "<p>Nothing yet. DM a linked person (or the app) on Slack, or with the fake Slack: \
         <code>curl -X POST $FAKE/api/chat.postMessage -H \"authorization: Bearer $USER_TOKEN\" \
         -d channel=U0DEMOBOT -d text=hi</code></p>"
            .to_owned()
    } else {
        format!(
            "<table><caption>Newest first ({} kept)</caption><thead><tr><th scope=col>Type</th>\
             <th scope=col>Slack user</th><th scope=col>Office user</th><th scope=col>Office users in the conversation</th>\
             <th scope=col>Text</th></tr></thead><tbody>{rows}</tbody></table>",
            inbox.len()
        )
    };
    page("Messages from Slack", &body)
}
