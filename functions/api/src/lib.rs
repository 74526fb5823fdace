//! Lambda `hallway-api`: the virtual office's JSON API, `/api/v1/…`.
//!
//! Every route but the session exchange and the OpenAPI document takes a bearer JWT (HS256,
//! `HALLWAY_APP_JWT_SECRET`) naming the office user and their role per
//! space. A bad or expired token is 401; a role that may not do the action
//! is 403; a body over [`MAX_BODY`] is 413; none changes anything. Errors
//! are JSON `{"error": "…"}`.
//!
//! Requests and answers are the types of [`model`]; the OpenAPI 3.1
//! document built from them ([`openapi`]) is served at
//! `/api/v1/openapi.json` and committed as `docs/openapi.json`, which the
//! office team builds its client from.
//!
//! | route | who |
//! | --- | --- |
//! | `GET /api/v1/openapi.json` | anyone (the API's OpenAPI 3.1 document) |
//! | `POST /api/v1/sessions` `{login_token}` | anyone holding a login token from Sign in with Slack |
//! | `GET /api/v1/me` | any caller |
//! | `POST /api/v1/spaces` `{name}`, `GET /api/v1/spaces` | any caller (the creator becomes admin) |
//! | `GET /api/v1/spaces/{space}` | any role |
//! | `PATCH /api/v1/spaces/{space}/settings` `{require_invitation?, guest_limit?, auto_prompt?, call_mention?}` (`channel`, `here`, `none`) | admin |
//! | `GET /api/v1/spaces/{space}/rooms`, `GET …/rooms/choice` | any role |
//! | `POST /api/v1/spaces/{space}/rooms` `{name, capacity}`, `PATCH`/`DELETE …/rooms/{room}` | admin, moderator |
//! | `PUT /api/v1/spaces/{space}/presence` `{rooms: {room: [users]}}` | member, moderator, admin |
//! | `GET /api/v1/spaces/{space}/members` | any role |
//! | `GET /api/v1/spaces/{space}/slack`, `POST …/slack/connect`, `DELETE …/slack` | admin, moderator (status: any role) |
//! | `POST /api/v1/spaces/{space}/slack/link` | member, moderator, admin |
//! | `POST /api/v1/spaces/{space}/join-links` `{room_id, guest?, expires_in?}` | member+ (guest links: admin, moderator) |
//! | `POST /api/v1/spaces/{space}/invites` `{room_id?, slack_user_ids?, office_user_ids?}` → 202 | member, moderator, admin |
//! | `GET /api/v1/spaces/{space}/invites/{invite}` | any role |
//! | `GET /api/v1/spaces/{space}/directory` | any role |
//! | `GET /api/v1/spaces/{space}/me`, `PUT …/me/home-room` `{room_id\|null}`, `PUT`/`DELETE …/me/starred/{user}` | any role (their own) |
//! | `GET /api/v1/spaces/{space}/people?q=&cursor=&limit=` | member, moderator, admin |
//! | `POST /api/v1/spaces/{space}/people/{slack_user}/chat` | member+ linked with a user token |
//! | `POST /api/v1/spaces/{space}/people/{slack_user}/messages` `{text}` → 201, `GET …/messages?before=&limit=` | member+ linked with a user token |
//! | `GET /api/v1/spaces/{space}/sync?platform=&status=&type=` | admin, moderator |
//! | `POST /api/v1/spaces/{space}/sync/{slack_user}/prompt`, `…/reprompt`, `POST …/sync/prompt-all` → 202 | admin, moderator |
//! | `POST /api/v1/spaces/{space}/sync/{slack_user}/reset`, `DELETE …/sync/{slack_user}` | admin, moderator |
//! | `GET /api/v1/spaces/{space}/audit?before=&limit=` | admin, moderator |
//! | `GET`/`POST /admin/login` (token once → HttpOnly cookie), `GET /admin/spaces/{space}`, `POST …/action`, `GET …/connect`, `POST /admin/logout` | admin, moderator (settings: admin) |
//! | `GET /api/v1/me/slack-spaces` | any caller (the spaces of the workspaces they are linked to) |
//! | `POST /api/v1/spaces/{space}/directory/refresh` → 202 (200 when one runs) | admin, moderator |
//!
//! # Layout
//! - [`model`]: the wire types of every route (requests, queries, answers).
//! - [`extract`]: extractors that check path ids and JSON bodies.
//! - [`errors`]: each use case's errors and how they answer.
//! - [`openapi`]: the OpenAPI document, built from the types and routes.
//! - [`admin`]: the server-rendered admin page (`/admin/…`, cookie login).
//! - [`caller`]: the bearer-token extractor and role checks.
//! - [`spaces`]: spaces, settings, rooms, presence, the room choice.
//! - [`members`]: the member list with each member's Slack link status.
//! - [`slack`]: connecting a space to Slack, linking a person, join links.
//! - [`invites`]: "Get <user>": invites by DM and their status.
//! - [`sessions`]: the login-token exchange.
//! - [`directory`]: the Slack team's people directory: state, refresh.
//! - [`people`]: the people pane (directory, link, presence, sync) and
//!   opening a DM with one of them.
//! - [`chats`]: writing to a Slack person from the office; the
//!   conversation's history (stored, merged with Slack's within budget).
//! - [`channels`]: channel chat: the caller's channels, a channel opened
//!   as a chat, a channel mapped to (or unmapped from) a room, its
//!   messages both ways.
//! - [`sync`]: people sync for admins: list, prompts, reset, remove; the
//!   audit log.
//! - [`me`]: who I am; my home room and starred people; my workspaces' spaces.

pub mod admin;
pub mod caller;
pub mod channels;
pub mod chats;
pub mod directory;
pub mod errors;
pub mod extract;
pub mod invites;
pub mod me;
pub mod members;
pub mod model;
pub mod openapi;
pub mod people;
pub mod sessions;
pub mod slack;
pub mod spaces;
pub mod sync;

pub(crate) use errors::{members_error, spaces_error};

use axum::Router;
use axum::routing::{get, patch, post, put};
use hallway::services::Services;
use hallway::web::{ApiError, trace_layer};

pub fn router(services: Services) -> Router {
    let cors = cors(&services.config);
    api_routes()
        .layer(cors)
        .merge(admin_routes())
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(hallway::web::record_request))
        .layer(trace_layer())
        .with_state(services)
}

/// The office app calls the API from its pages (another origin): browsers
/// ask first (a preflight) and read answers only with CORS headers for the
/// app's origin (`HALLWAY_APP_URL`'s scheme, host and port), no other. The
/// deployed HTTP API answers the same way (`CorsConfiguration` in
/// `infra/template.yaml`; API Gateway then ignores these headers). Bearer
/// tokens, no cookies: no credentials mode. The admin pages are hallway's
/// own and get none.
pub fn cors(config: &hallway::config::Config) -> tower_http::cors::CorsLayer {
    use http::{HeaderValue, Method, header};
    let origin = config.app_url.origin().ascii_serialization();
    let mut layer = tower_http::cors::CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(CORS_MAX_AGE_SECS));
    // A list, not one fixed value: another origin gets no header at all
    // (as API Gateway answers), not the app's.
    if let Ok(origin) = HeaderValue::from_str(&origin) {
        layer = layer.allow_origin(tower_http::cors::AllowOrigin::list([origin]));
    }
    layer
}

/// How long a browser may reuse a preflight's answer (the template's
/// `MaxAge` says the same).
pub const CORS_MAX_AGE_SECS: u64 = 600;

fn admin_routes() -> Router<Services> {
    Router::new()
        .route("/admin/login", get(admin::login_form).post(admin::login))
        .route("/admin/logout", post(admin::logout))
        .route("/admin/spaces/{space}", get(admin::show))
        .route("/admin/spaces/{space}/action", post(admin::act))
        .route("/admin/spaces/{space}/connect", get(admin::connect))
}

fn api_routes() -> Router<Services> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/sessions", post(sessions::exchange))
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/me/slack-spaces", get(me::slack_spaces))
        .route("/api/v1/spaces/{space}/people", get(people::list))
        .route(
            "/api/v1/spaces/{space}/people/{slack_user}/chat",
            post(people::open_chat),
        )
        .route(
            "/api/v1/spaces/{space}/people/{slack_user}/messages",
            post(chats::send).get(chats::history),
        )
        .route("/api/v1/spaces/{space}/channels", get(channels::list))
        .route(
            "/api/v1/spaces/{space}/channels/{channel}/chat",
            post(channels::open),
        )
        .route(
            "/api/v1/spaces/{space}/channels/{channel}/mapping",
            put(channels::map).delete(channels::unmap),
        )
        .route(
            "/api/v1/spaces/{space}/channels/{channel}/messages",
            get(channels::history).post(channels::send),
        )
        .route("/api/v1/spaces/{space}/sync", get(sync::list))
        .route(
            "/api/v1/spaces/{space}/sync/prompt-all",
            post(sync::prompt_all),
        )
        .route(
            "/api/v1/spaces/{space}/sync/{slack_user}/prompt",
            post(sync::prompt_one),
        )
        .route(
            "/api/v1/spaces/{space}/sync/{slack_user}/reprompt",
            post(sync::reprompt),
        )
        .route(
            "/api/v1/spaces/{space}/sync/{slack_user}/reset",
            post(sync::reset),
        )
        .route(
            "/api/v1/spaces/{space}/sync/{slack_user}",
            axum::routing::delete(sync::remove),
        )
        .route("/api/v1/spaces/{space}/audit", get(sync::audit))
        .route("/api/v1/spaces/{space}/me", get(me::show))
        .route(
            "/api/v1/spaces/{space}/me/home-room",
            put(me::set_home_room),
        )
        .route(
            "/api/v1/spaces/{space}/me/starred/{user}",
            put(me::star).delete(me::unstar),
        )
        .route("/api/v1/spaces", post(spaces::create).get(spaces::list))
        .route("/api/v1/spaces/{space}", get(spaces::show))
        .route("/api/v1/spaces/{space}/settings", patch(spaces::settings))
        .route(
            "/api/v1/spaces/{space}/rooms",
            post(spaces::add_room).get(spaces::rooms),
        )
        .route("/api/v1/spaces/{space}/rooms/choice", get(spaces::choice))
        .route(
            "/api/v1/spaces/{space}/rooms/{room}",
            patch(spaces::update_room).delete(spaces::delete_room),
        )
        .route("/api/v1/spaces/{space}/presence", put(spaces::presence))
        .route("/api/v1/spaces/{space}/members", get(members::list))
        .route(
            "/api/v1/spaces/{space}/slack",
            get(slack::status).delete(slack::disconnect),
        )
        .route("/api/v1/spaces/{space}/slack/connect", post(slack::connect))
        .route("/api/v1/spaces/{space}/slack/link", post(slack::link))
        .route("/api/v1/spaces/{space}/join-links", post(slack::join_link))
        .route("/api/v1/spaces/{space}/invites", post(invites::create))
        .route(
            "/api/v1/spaces/{space}/invites/{invite}",
            get(invites::show),
        )
        .route("/api/v1/spaces/{space}/directory", get(directory::status))
        .route(
            "/api/v1/spaces/{space}/directory/refresh",
            post(directory::refresh),
        )
}

/// The largest body the API reads: a presence snapshot of a big office
/// (hundreds of rooms and people) fits many times over; anything larger is
/// refused with 413 before it is parsed.
pub const MAX_BODY: usize = 256 * 1024;

async fn not_found(uri: http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route {}", uri.path()))
}

/// The Slack team a space is connected to.
pub(crate) fn connected_team(
    space: &hallway::store::Space,
) -> Result<hallway::ids::TeamId, ApiError> {
    space.team_id.clone().ok_or_else(|| {
        ApiError::Conflict("this space is not connected to a Slack workspace".into())
    })
}

/// The Slack team a space is connected to, where hallway is still
/// installed (actions that will call Slack).
pub(crate) async fn installed_team(
    s: &Services,
    space: &hallway::store::Space,
) -> Result<hallway::ids::TeamId, ApiError> {
    let team = connected_team(space)?;
    let active = s
        .installations()
        .get(&team)
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?
        .is_some_and(|i| i.is_active());
    if !active {
        return Err(ApiError::Conflict(
            "hallway is not installed in this space's Slack workspace any more: reconnect it first"
                .into(),
        ));
    }
    Ok(team)
}

/// Path ids are checked like every id.
pub(crate) fn id<T: TryFrom<String, Error = hallway::ids::InvalidId>>(
    raw: String,
) -> Result<T, ApiError> {
    T::try_from(raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}
