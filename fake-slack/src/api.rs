//! `/api/{method}`: the Web API, in Slack's wire format.
//!
//! Every call goes through the same steps as on Slack: read the body (form or
//! JSON, plus query parameters), find the token (bearer header, `token`
//! field, or client credentials), apply any injected fault, check the rate
//! limit (429 + `Retry-After`), check the scope, run the method, and answer
//! `{"ok": …}`. Each call is recorded, whatever its outcome.
//!
//! Sources in comments: `methods/<name>` is
//! `https://docs.slack.dev/reference/methods/<name>`, `events/…` likewise
//! under `reference/`; other short paths are under <https://docs.slack.dev/>.
//! "The fake's reading" marks a choice where the docs are silent.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::oidc;
use crate::world::{
    Channel, CodeKind, FaultKind, Message, RecordedCall, TokenKind, World, random_hex,
};

/// What a method handler returns.
pub(crate) enum Outcome {
    Ok(Value),
    Err(String),
    /// An error with more fields beside `error` (`response_metadata`,
    /// views.open's error example).
    ErrWith(String, Value),
}

pub(crate) struct Call {
    pub method: String,
    pub params: Map<String, Value>,
    pub auth: Authn,
}

#[derive(Clone, Debug)]
pub(crate) enum Authn {
    None,
    Token(String),
    Client { id: String, secret: String },
}

impl Call {
    pub fn str(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A parameter that is JSON: a structure in a JSON body, or JSON text in a
    /// form field ("A JSON-based array of structured blocks, presented as a
    /// URL-encoded string", methods/chat.postMessage; JSON bodies since 2017).
    pub fn json(&self, name: &str) -> Option<Result<Value, String>> {
        match self.params.get(name)? {
            Value::String(s) => Some(serde_json::from_str(s).map_err(|e| e.to_string())),
            v => Some(Ok(v.clone())),
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.params.get(name)? {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
}

/// Form or JSON bodies (every method page's "Content types"), plus the
/// query string for methods called with GET.
fn parse_params(
    headers: &HeaderMap,
    query: Map<String, Value>,
    body: &[u8],
) -> Result<Map<String, Value>, String> {
    let mut params = query;
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if body.is_empty() {
        return Ok(params);
    }
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => params.extend(map),
            // `invalid_json` as Slack answers a broken body (seen in
            // coursehero/slacktee#75); JSON that is not an object gets
            // `json_not_object` on Slack (abinoda/slack-action#19), not here.
            _ => return Err("invalid_json".into()),
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    Ok(params)
}

/// "Tokens should be passed as an HTTP Authorization header or
/// alternatively, as a POST parameter" (every method page); client
/// credentials by HTTP Basic or as `client_id`/`client_secret` fields
/// (methods/oauth.v2.access).
fn authn(headers: &HeaderMap, params: &Map<String, Value>) -> Authn {
    if let Some(value) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Authn::Token(token.trim().to_owned());
        }
        if let Some(basic) = value.strip_prefix("Basic ")
            && let Ok(decoded) = STANDARD.decode(basic.trim())
            && let Ok(text) = String::from_utf8(decoded)
            && let Some((id, secret)) = text.split_once(':')
        {
            return Authn::Client {
                id: id.into(),
                secret: secret.into(),
            };
        }
    }
    if let (Some(id), Some(secret)) = (
        params.get("client_id").and_then(Value::as_str),
        params.get("client_secret").and_then(Value::as_str),
    ) {
        return Authn::Client {
            id: id.into(),
            secret: secret.into(),
        };
    }
    match params.get("token").and_then(Value::as_str) {
        Some(t) => Authn::Token(t.to_owned()),
        None => Authn::None,
    }
}

/// What kind of conversation a channel argument names, as Slack knows it
/// (`is_im`, `is_mpim`, `is_private`), never from the id's letter: private
/// channels can be `C…` and group DMs `G…` or `C…`
/// (docs.slack.dev/reference/objects/conversation-object; the Slack Connect
/// page calls the prefix "an unreliable indicator").
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Public,
    Private,
    Im,
    Mpim,
}

pub(crate) fn kind_of(ch: &Channel) -> Kind {
    if ch.is_im {
        Kind::Im
    } else if ch.is_mpim {
        Kind::Mpim
    } else if ch.is_private {
        Kind::Private
    } else {
        Kind::Public
    }
}

/// The scope a bot or user token needs for a method: the conversations
/// methods take `channels:*`, `groups:*`, `im:*` or `mpim:*` by the kind of
/// conversation (docs.slack.dev/reference/methods/conversations.members,
/// …/conversations.info, …/conversations.history). `token` for the methods
/// whose bot and user scopes differ.
fn required_scope(method: &str, kind: Option<Kind>, token: TokenKind) -> Option<&'static str> {
    let by_kind = |public, private, im, mpim| match kind {
        Some(Kind::Private) => private,
        Some(Kind::Im) => im,
        Some(Kind::Mpim) => mpim,
        Some(Kind::Public) | None => public,
    };
    Some(match method {
        // methods/users.list, …/users.info, …/users.lookupByEmail.
        "users.list" | "users.info" => "users:read",
        "users.lookupByEmail" => "users:read.email",
        "conversations.members" | "conversations.info" => {
            by_kind("channels:read", "groups:read", "im:read", "mpim:read")
        }
        "conversations.history" | "conversations.replies" => by_kind(
            "channels:history",
            "groups:history",
            "im:history",
            "mpim:history",
        ),
        // The page lists `channels:manage`, `groups:write`, `im:write`,
        // `mpim:write`; the fake opens DMs and group DMs.
        "conversations.open" => by_kind("im:write", "im:write", "im:write", "mpim:write"),
        // methods/chat.postMessage, …/chat.postEphemeral, …/chat.update, …/chat.delete.
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" | "chat.delete" => "chat:write",
        // methods/chat.unfurl.
        "chat.unfurl" => "links:write",
        // methods/conversations.join: bot `channels:join`, user
        // `channels:write`.
        "conversations.join" => match token {
            TokenKind::Bot => "channels:join",
            TokenKind::User => "channels:write",
        },
        // docs.slack.dev/reference/methods/files.info
        "files.info" => "files:read",
        // methods/team.info.
        "team.info" => "team:read",
        // methods/calls.add, …/calls.update, …/calls.end,
        // …/calls.participants.add, …/calls.participants.remove:
        // `calls:write`; methods/calls.info: `calls:read`
        // (docs.slack.dev/apis/web-api/using-the-calls-api: "You'll need
        // two scopes for interacting with calls").
        "calls.add"
        | "calls.update"
        | "calls.end"
        | "calls.participants.add"
        | "calls.participants.remove" => "calls:write",
        "calls.info" => "calls:read",
        // "No scopes required": auth.test, api.test, views.publish,
        // views.open, views.push, views.update, functions.completeSuccess,
        // functions.completeError, chat.getPermalink (their pages: "No
        // scope required" for bot and user tokens),
        // auth.revoke, apps.uninstall, the OAuth exchanges. (userInfo's
        // `openid` is not checked here.)
        _ => return None,
    })
}

/// Methods that authenticate with client credentials, not a token
/// (methods/oauth.v2.access, …/openid.connect.token: `client_id`,
/// `client_secret`, no token).
fn client_credentials_method(method: &str) -> bool {
    matches!(method, "oauth.v2.access" | "openid.connect.token")
}

/// Errors are HTTP 200 with `ok: false`: "Slack's Web API doesn't use
/// meaningful status codes besides 429 and 200" (node-slack-sdk WebClient).
fn envelope(outcome: Outcome) -> (StatusCode, Value, Option<String>) {
    match outcome {
        Outcome::Ok(mut v) => {
            v["ok"] = json!(true);
            (StatusCode::OK, v, None)
        }
        Outcome::Err(code) => (
            StatusCode::OK,
            json!({"ok": false, "error": code}),
            Some(code),
        ),
        Outcome::ErrWith(code, mut extra) => {
            extra["ok"] = json!(false);
            extra["error"] = json!(code);
            (StatusCode::OK, extra, Some(code))
        }
    }
}

pub(crate) async fn handle(
    State(shared): State<Shared>,
    Path(method): Path<String>,
    Query(query): Query<Map<String, Value>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match parse_params(&headers, query, &body) {
        Ok(p) => p,
        Err(code) => {
            return (
                StatusCode::OK,
                axum::Json(json!({"ok": false, "error": code})),
            )
                .into_response();
        }
    };
    let call = Call {
        auth: authn(&headers, &params),
        params,
        method,
    };
    let team_hint = {
        let world = shared.lock();
        team_of(&world, &call)
    };
    // Faults first (a delay happens outside the lock), then the occasional
    // 5xx when one is set. Test hooks, not Slack behaviour; `api.test`
    // (hallway's connection warm-up) is spared the 503s: the fake's choice.
    let fault = {
        let mut w = shared.lock();
        w.take_fault(&call.method, team_hint.as_deref())
            .or_else(|| {
                (call.method != "api.test" && w.server_error_due())
                    .then_some(FaultKind::Status { status: 503 })
            })
    };
    let mut tamper = false;
    let mut after_doing: Option<String> = None;
    // The call's record (test hook, not Slack behaviour).
    let mut record = RecordedCall {
        seq: 0,
        method: call.method.clone(),
        at_millis: 0,
        team: team_hint.clone(),
        auth: match &call.auth {
            Authn::None => "none".into(),
            Authn::Client { .. } => "client".into(),
            Authn::Token(t) => match shared.lock().tokens.get(t).map(|t| t.kind) {
                Some(TokenKind::Bot) => "bot".into(),
                Some(TokenKind::User) => "user".into(),
                None => "unknown".into(),
            },
        },
        params: Value::Object(redact(&call.params)),
        status: 200,
        error: None,
        retry_after: None,
    };
    match fault {
        Some(FaultKind::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        Some(FaultKind::Status { status }) => {
            record.status = status;
            shared.lock().record(record);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, "fake slack: injected failure").into_response();
        }
        Some(FaultKind::Error { error }) => {
            record.error = Some(error.clone());
            shared.lock().record(record);
            return axum::Json(json!({"ok": false, "error": error})).into_response();
        }
        Some(FaultKind::RateLimited { retry_after }) => {
            return rate_limited(&shared, record, retry_after);
        }
        Some(FaultKind::TamperIdToken) => tamper = true,
        Some(FaultKind::ErrorAfterDoing { error }) => after_doing = Some(error),
        Some(FaultKind::Deny) | None => {}
    }

    let mut world = shared.lock();
    // Authenticate, then the rate limit, then the scope: docs are silent
    // on the order; the fake's reading.
    let principal = match authenticate(&mut world, &call) {
        Ok(p) => p,
        Err(code) => {
            record.error = Some(code.clone());
            world.record(record);
            return axum::Json(json!({"ok": false, "error": code})).into_response();
        }
    };
    if let Some(team) = principal.team() {
        record.team = Some(team.to_owned());
    }
    // Rate limit, per method and workspace (and per channel for posts).
    // The OAuth exchanges have no workspace yet: one window for the app
    // (docs are silent; the fake's reading).
    let limit_team = principal.team().unwrap_or("-").to_owned();
    if let Err(retry_after) = world.admit(&call.method, &limit_team, call.str("channel")) {
        drop(world);
        return rate_limited(&shared, record, retry_after);
    }
    // Scope.
    if let Principal::Token {
        scopes, user, kind, ..
    } = &principal
        && let Some(needed) = if call.method == "users.conversations" {
            // One scope per type asked for; the first one missing is named.
            conversation_types(&call).ok().and_then(|types| {
                types
                    .into_iter()
                    .map(type_scope)
                    .find(|s| !scopes.iter().any(|have| have == s))
            })
        } else {
            required_scope(
                &call.method,
                if call.method == "conversations.open" {
                    // Several people: a group DM (methods/conversations.open).
                    (open_targets(&call, user).len() > 1).then_some(Kind::Mpim)
                } else {
                    call.str("channel").and_then(|c| {
                        world
                            .teams
                            .get(principal.team().unwrap_or_default())
                            .and_then(|t| t.channels.get(c))
                            .map(kind_of)
                    })
                },
                *kind,
            )
        }
        && !scopes.iter().any(|s| s == needed)
    {
        record.error = Some("missing_scope".into());
        world.record(record);
        // `needed` and `provided` as Slack sends them (a real answer quoted
        // in java-slack-sdk's users_Test; node-slack-sdk response types).
        return axum::Json(json!({
            "ok": false, "error": "missing_scope", "needed": needed, "provided": scopes.join(","),
        }))
        .into_response();
    }
    let mut outcome = dispatch(&mut world, &call, &principal);
    if tamper && let Outcome::Ok(body) = &mut outcome {
        oidc::tamper(body);
    }
    if let Some(error) = after_doing {
        outcome = Outcome::Err(error);
    }
    let (status, body, error) = envelope(outcome);
    record.status = status.as_u16();
    record.error = error;
    let scopes = match &principal {
        Principal::Token { scopes, .. } => Some(scopes.join(",")),
        _ => None,
    };
    world.record(record);
    drop(world);
    crate::events::flush(&shared);
    let mut resp = (status, axum::Json(body)).into_response();
    // "a `x-oauth-scopes` HTTP header will be returned with every response"
    // (docs.slack.dev/authentication/installing-with-oauth).
    if let Some(scopes) = scopes.and_then(|s| HeaderValue::from_str(&s).ok()) {
        resp.headers_mut().insert("x-oauth-scopes", scopes);
    }
    resp
}

/// "HTTP 429 Too Many Requests" with "a `Retry-After` HTTP header
/// containing the number of seconds until you can retry"
/// (docs.slack.dev/apis/web-api/rate-limits); the body's `ratelimited` is
/// the method pages' error.
fn rate_limited(shared: &Shared, mut record: RecordedCall, retry_after: u64) -> Response {
    record.status = 429;
    record.error = Some("ratelimited".into());
    record.retry_after = Some(retry_after);
    shared.lock().record(record);
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({"ok": false, "error": "ratelimited"})),
    )
        .into_response();
    resp.headers_mut().insert(
        http::header::RETRY_AFTER,
        HeaderValue::from_str(&retry_after.to_string()).expect("digits"),
    );
    resp
}

/// Secrets never land in the call record (a test hook's hygiene).
fn redact(params: &Map<String, Value>) -> Map<String, Value> {
    params
        .iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "token" | "client_secret" | "refresh_token" | "code" => json!("[redacted]"),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn team_of(world: &World, call: &Call) -> Option<String> {
    match &call.auth {
        Authn::Token(t) => world.tokens.get(t).map(|t| t.team.clone()),
        _ => None,
    }
}

pub(crate) enum Principal {
    Token {
        /// The workspace the call acts in; for an org-level token, the one
        /// the call named or pointed to ([`org_workspace`]), or the
        /// enterprise id itself for the org-level methods.
        team: String,
        user: String,
        kind: TokenKind,
        scopes: Vec<String>,
        /// The enterprise of an org-level token.
        org: Option<String>,
    },
    Client,
    Anonymous,
}

impl Principal {
    fn team(&self) -> Option<&str> {
        match self {
            Principal::Token { team, .. } => Some(team),
            _ => None,
        }
    }
}

fn authenticate(world: &mut World, call: &Call) -> Result<Principal, String> {
    // `invalid_client_id`, `bad_client_secret` (methods/oauth.v2.access);
    // no credentials at all reads as a bad client id (the fake's reading).
    if client_credentials_method(&call.method) {
        return match &call.auth {
            Authn::Client { id, secret } => {
                if *id != world.app.client_id {
                    Err("invalid_client_id".into())
                } else if *secret != world.app.client_secret {
                    Err("bad_client_secret".into())
                } else {
                    Ok(Principal::Client)
                }
            }
            _ => Err("invalid_client_id".into()),
        };
    }
    // api.test takes no token (its page lists none; "No scopes required").
    if call.method == "api.test" {
        return Ok(Principal::Anonymous);
    }
    let Authn::Token(token) = &call.auth else {
        return match &call.auth {
            // apps.uninstall sends client credentials *and* a token.
            Authn::Client { .. } => Err("not_authed".into()),
            _ => Err("not_authed".into()),
        };
    };
    // `not_authed`: "No authentication token provided"; `invalid_auth`:
    // "the provided token is invalid" (method pages' error tables).
    let Some(t) = world.tokens.get(token) else {
        return Err("invalid_auth".into());
    };
    // Method pages' error tables: `token_revoked` is "for a deleted user or
    // workspace or the app has been removed when using a user token",
    // `account_inactive` the same "when using a bot token".
    if t.revoked {
        return Err(match t.kind {
            TokenKind::User => "token_revoked",
            TokenKind::Bot => "account_inactive",
        }
        .into());
    }
    // docs.slack.dev/authentication/using-token-rotation: an access token
    // lives `expires_in` (12 h), then `token_expired`.
    if t.expires_at.is_some_and(|at| at <= world.now()) {
        return Err("token_expired".into());
    }
    if let Some(e) = t.org.clone() {
        let (user, kind, scopes) = (t.user.clone(), t.kind, t.scopes.clone());
        let team = org_workspace(world, call, &e)?.unwrap_or_else(|| e.clone());
        return Ok(Principal::Token {
            team,
            user,
            kind,
            scopes,
            org: Some(e),
        });
    }
    // A deleted workspace (the error tables' `account_inactive`; for a
    // user token they name `token_revoked`, not modelled here).
    if !world.teams.contains_key(&t.team) {
        return Err("account_inactive".into());
    }
    Ok(Principal::Token {
        team: t.team.clone(),
        user: t.user.clone(),
        kind: t.kind,
        scopes: t.scopes.clone(),
        org: None,
    })
}

/// Methods an org-level token calls for the organisation itself, with no
/// workspace: auth.test (which "Checks authentication & identity"),
/// auth.revoke, apps.uninstall (the org-wide install is one installation).
fn org_level_method(method: &str) -> bool {
    matches!(
        method,
        "auth.test" | "auth.teams.list" | "auth.revoke" | "apps.uninstall"
    )
}

/// Which workspace a call with an org-level token of `enterprise` acts in.
/// "Since your app's token now can represent installations in many
/// workspaces, some API methods will require a `team_id` to indicate which
/// workspace to act on" (api.slack.com/enterprise/apps/changes-apis):
/// users.list, users.conversations and conversations.list say "required if
/// org token is used", and answer `missing_argument` ("A required argument
/// is missing", their error tables; met in lyft/omnibot#44,
/// sgratzl/slack-cleaner#101) without it. A `team_id` the app was not
/// granted is `team_access_not_granted` ("The token used is not granted the
/// specific workspace access required", chat.postMessage's table). Methods
/// without a `team_id` argument act on an id that is unique in the
/// organisation (a channel, a user, a file): the granted workspace holding
/// it, else the method's own not-found error. `Ok(None)`: an org-level
/// method ([`org_level_method`]).
fn org_workspace(world: &World, call: &Call, enterprise: &str) -> Result<Option<String>, String> {
    let granted: Vec<String> = world
        .org_installs
        .get(enterprise)
        .filter(|i| i.installed)
        .map(|i| i.granted.clone())
        .unwrap_or_default();
    let is_granted = |t: &str| granted.iter().any(|g| g == t) && world.teams.contains_key(t);
    if org_level_method(&call.method) {
        return Ok(None);
    }
    // "This field will be ignored if the API call is sent using a
    // workspace-level token" (changes-apis): read only here.
    if let Some(t) = call.str("team_id") {
        return if is_granted(t) {
            Ok(Some(t.to_owned()))
        } else {
            Err("team_access_not_granted".into())
        };
    }
    if matches!(
        call.method.as_str(),
        "users.list" | "users.conversations" | "conversations.list"
    ) {
        return Err("missing_argument".into());
    }
    let holding = |found: &dyn Fn(&crate::world::Team) -> bool| {
        granted
            .iter()
            .find(|t| world.teams.get(*t).is_some_and(found))
            .cloned()
    };
    let is_user = |id: &str| id.starts_with('U') || id.starts_with('W');
    if let Some(c) = call.str("channel") {
        let found = if is_user(c) {
            holding(&|t| t.user(c).is_some())
        } else {
            holding(&|t| t.channels.contains_key(c))
        };
        return found
            .map(Some)
            .ok_or_else(|| "channel_not_found".to_owned());
    }
    let person = call
        .str("user")
        .or_else(|| call.str("user_id"))
        .or_else(|| {
            (call.method == "conversations.open")
                .then(|| call.str("users"))
                .flatten()
                .and_then(|u| u.split(',').map(str::trim).find(|u| !u.is_empty()))
        });
    if let Some(u) = person {
        return holding(&|t| t.user(u).is_some())
            .map(Some)
            .ok_or_else(|| "user_not_found".to_owned());
    }
    if let Some(f) = call.str("file") {
        return world
            .files
            .get(f)
            .map(|file| file.team.clone())
            .filter(|t| is_granted(t))
            .map(Some)
            .ok_or_else(|| "file_not_found".to_owned());
    }
    if let Some(id) = call.str("unfurl_id") {
        return holding(&|t| t.unfurl_ids.contains(id))
            .map(Some)
            .ok_or_else(|| "invalid_unfurl_id".to_owned());
    }
    if let Some(email) = call.str("email") {
        let email = email.to_lowercase();
        return holding(&|t| {
            t.seed.users.iter().any(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase() == email)
            })
        })
        .map(Some)
        .ok_or_else(|| "users_not_found".to_owned());
    }
    // Nothing names a workspace: the fake asks for `team_id` (its reading).
    Err("missing_argument".into())
}

fn dispatch(world: &mut World, call: &Call, principal: &Principal) -> Outcome {
    match call.method.as_str() {
        // methods/api.test: `error`, "Error response to return".
        "api.test" => match call.str("error") {
            Some(error) => Outcome::Err(error.to_owned()),
            None => Outcome::Ok(json!({"args": call.params})),
        },
        "oauth.v2.access" => oauth_v2_access(world, call),
        "openid.connect.token" => oidc::token(world, call),
        _ => {
            let Principal::Token {
                team,
                user,
                kind,
                scopes,
                org,
            } = principal
            else {
                return Outcome::Err("not_authed".into());
            };
            let (team, user, kind) = (team.clone(), user.clone(), *kind);
            // An org-level token acting for the organisation itself.
            if let Some(e) = org
                && !world.teams.contains_key(&team)
            {
                return match call.method.as_str() {
                    "auth.test" => org_auth_test(world, e, &user, kind),
                    "auth.teams.list" => org_teams_list(world, call, e),
                    "auth.revoke" => org_auth_revoke(world, call, e),
                    "apps.uninstall" => org_apps_uninstall(world, call, e),
                    _ => Outcome::Err("missing_argument".into()),
                };
            }
            // Slack leaves `profile.email` out without this scope
            // (methods/users.info, "Email addresses").
            let emails = scopes.iter().any(|s| s == "users:read.email");
            // Public channels without joining them (methods/chat.postMessage,
            // "Channel membership").
            let write_public = scopes.iter().any(|s| s == "chat:write.public");
            // A bot's own name and icon per message (methods/chat.postMessage,
            // "Authorship"; the scope's page: "Send messages as your Slack
            // app with a customized username and avatar").
            let customize =
                kind == TokenKind::Bot && scopes.iter().any(|s| s == "chat:write.customize");
            match call.method.as_str() {
                "auth.test" => auth_test(world, &team, &user, kind),
                "users.list" => users_list(world, call, &team, emails),
                "users.info" => users_info(world, call, &team, emails),
                "users.lookupByEmail" => lookup_by_email(world, call, &team),
                "conversations.members" => conversations_members(world, call, &team, &user),
                "conversations.info" => conversations_info(world, call, &team, &user),
                "conversations.open" => conversations_open(world, call, &team, &user),
                "conversations.history" => conversations_history(world, call, &team, &user, kind),
                "conversations.replies" => conversations_replies(world, call, &team, &user, kind),
                "chat.postMessage" => {
                    let rights = PostRights {
                        write_public,
                        customize,
                    };
                    post_message(world, call, &team, &user, kind, rights)
                }
                "conversations.join" => conversations_join(world, call, &team, &user),
                "users.conversations" => users_conversations(world, call, &team, &user),
                "chat.postEphemeral" => post_ephemeral(world, call, &team, &user),
                "chat.update" => update_message(world, call, &team, &user),
                "chat.delete" => delete_message(world, call, &team, &user),
                "chat.unfurl" => unfurl(world, call, &team),
                "chat.getPermalink" => get_permalink(world, call, &team, &user),
                "views.publish" => views_publish(world, call, &team, kind),
                "views.open" => crate::native::views_open(world, call, &team),
                "views.push" => crate::native::views_push(world, call, &team),
                "views.update" => crate::native::views_update(world, call, &team),
                "calls.add" => {
                    crate::native::calls_add(world, call, &team, &user, kind == TokenKind::User)
                }
                "calls.info" => crate::native::calls_info(world, call, &team),
                "calls.update" => crate::native::calls_update(world, call, &team),
                "calls.participants.add" => {
                    crate::native::calls_participants(world, call, &team, true)
                }
                "calls.participants.remove" => {
                    crate::native::calls_participants(world, call, &team, false)
                }
                "calls.end" => crate::native::calls_end(world, call, &team),
                "functions.completeSuccess" => {
                    crate::native::functions_complete(world, call, &team, true)
                }
                "functions.completeError" => {
                    crate::native::functions_complete(world, call, &team, false)
                }
                "files.info" => files_info(world, call, &team, &user),
                "apps.uninstall" => apps_uninstall(world, call, &team),
                "auth.revoke" => auth_revoke(world, call, &team),
                "openid.connect.userInfo" => oidc::user_info(world, &team, &user, kind),
                // Slack's answer for a method it lacks (seen in
                // dylex/slack-libpurple#180). team.info is scoped and
                // limited above but not served.
                _ => Outcome::Err("unknown_method".into()),
            }
        }
    }
}

/// The fields of methods/auth.test's examples (`bot_id` for a bot token,
/// `enterprise_id` in an Enterprise org); `is_enterprise_install` is in
/// node-slack-sdk's AuthTestResponse.
fn auth_test(world: &World, team: &str, user: &str, kind: TokenKind) -> Outcome {
    let t = &world.teams[team];
    let mut out = json!({
        "url": format!("https://{}.slack.com/", t.seed.domain),
        "team": t.seed.name,
        "user": t.user(user).map(|u| u.name.clone()).unwrap_or_default(),
        "team_id": team,
        "user_id": user,
        "is_enterprise_install": false,
    });
    if kind == TokenKind::Bot {
        out["bot_id"] = json!(crate::world::bot_id(user));
    }
    if let Some(e) = &t.seed.enterprise_id {
        out["enterprise_id"] = json!(e);
    }
    Outcome::Ok(out)
}

/// `auth.teams.list` (methods/auth.teams.list): "Obtain a full list of
/// workspaces your org-wide app has been approved for": the granted
/// workspaces as `{id, name}`, paged by cursor (`limit` up to 1000,
/// default 100).
fn org_teams_list(world: &World, call: &Call, enterprise: &str) -> Outcome {
    let granted: Vec<Value> = world
        .org_installs
        .get(enterprise)
        .map(|i| {
            i.granted
                .iter()
                .filter_map(|t| world.teams.get(t))
                .map(|t| json!({"id": t.seed.id, "name": t.seed.name}))
                .collect()
        })
        .unwrap_or_default();
    match page(world, call, &granted) {
        Ok((teams, next)) => Outcome::Ok(json!({
            "teams": teams,
            "response_metadata": {"next_cursor": next},
        })),
        Err(e) => e,
    }
}

/// auth.test with an org-level token: `enterprise_id` ("Look for
/// `enterprise_id` in auth.test, the most conspicuous and eternally useful
/// location", api.slack.com/enterprise/grid/developing) and
/// `is_enterprise_install: true`; its `team_id` is the organisation's id
/// (Bolt for Java's MultiTeamsAuthorization: "the team_id here is the
/// org's ID"), `url` the organisation's (bolt-python keeps it as
/// `enterprise_url` for org installs). The page's examples show only
/// workspace tokens; `team` as the organisation's name is the fake's reading.
fn org_auth_test(world: &World, enterprise: &str, user: &str, kind: TokenKind) -> Outcome {
    let domain = world
        .enterprises
        .get(enterprise)
        .map_or_else(|| enterprise.to_lowercase(), |e| e.domain.clone());
    let name = world
        .org_teams(enterprise)
        .iter()
        .find_map(|t| world.teams[t].user(user).map(|u| u.name.clone()))
        .unwrap_or_default();
    let mut out = json!({
        "url": format!("https://{domain}.enterprise.slack.com/"),
        "team": world.enterprise_name(enterprise),
        "user": name,
        "team_id": enterprise,
        "user_id": user,
        "enterprise_id": enterprise,
        "is_enterprise_install": true,
    });
    if kind == TokenKind::Bot {
        out["bot_id"] = json!(crate::world::bot_id(user));
    }
    Outcome::Ok(out)
}

/// auth.revoke with an org-level token: that token dies, and the app hears
/// `tokens_revoked` through the org install (as [`auth_revoke`]).
fn org_auth_revoke(world: &mut World, call: &Call, enterprise: &str) -> Outcome {
    let Authn::Token(token) = &call.auth else {
        return Outcome::Err("not_authed".into());
    };
    if matches!(call.str("test"), Some("1" | "true")) {
        return Outcome::Ok(json!({"revoked": false}));
    }
    crate::events::revoke_org_token(world, enterprise, token);
    Outcome::Ok(json!({"revoked": true}))
}

/// apps.uninstall with an org-level token: it "revokes _all_ tokens
/// associated with a single installation" (methods/apps.uninstall), here
/// the org-wide one. (auth.revoke's page says "an org admin must remove
/// your app in the admin console to completely remove it from a workspace
/// or org"; that the method works on an org token is the fake's reading.)
fn org_apps_uninstall(world: &mut World, call: &Call, enterprise: &str) -> Outcome {
    let (Some(id), Some(secret)) = (call.str("client_id"), call.str("client_secret")) else {
        return Outcome::Err("invalid_client_id".into());
    };
    if id != world.app.client_id {
        return Outcome::Err("invalid_client_id".into());
    }
    if secret != world.app.client_secret {
        return Outcome::Err("bad_client_secret".into());
    }
    crate::events::uninstall_org(world, enterprise);
    Outcome::Ok(json!({}))
}

/// Cursor-paged slice of `items`. Cursors are opaque (base64 of an offset
/// followed by `=`-padding like Slack's: "Cursor strings typically end with
/// the `=` character", docs.slack.dev/apis/web-api/pagination). `limit`
/// defaults to 100 (methods/conversations.members) and is held to 1..=1000
/// ("The `limit` parameter maximum is `1000`"; "Invalid `limit` values are
/// currently magically adjusted to something sensible").
fn page<T: Clone>(world: &World, call: &Call, items: &[T]) -> Result<(Vec<T>, String), Outcome> {
    let limit = call.int("limit").unwrap_or(100).clamp(1, 1000) as usize;
    page_of(world, call, items, limit)
}

/// [`page`] with the page size decided by the caller.
fn page_of<T: Clone>(
    world: &World,
    call: &Call,
    items: &[T],
    limit: usize,
) -> Result<(Vec<T>, String), Outcome> {
    let start = match call.str("cursor") {
        None => 0,
        Some(c) => match URL_SAFE_NO_PAD
            .decode(c.trim_end_matches('='))
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            }) {
            Some(n) if n <= items.len() => n,
            // "the only error specific to pagination" (pagination guide).
            _ => return Err(Outcome::Err("invalid_cursor".into())),
        },
    };
    let take = limit.min(world.max_page);
    let end = (start + take).min(items.len());
    // An empty `next_cursor` means no further results (pagination guide).
    let next = if end < items.len() {
        format!("{}=", URL_SAFE_NO_PAD.encode(format!("offset:{end}")))
    } else {
        String::new()
    };
    Ok((items[start..end].to_vec(), next))
}

fn users_list(world: &World, call: &Call, team: &str, emails: bool) -> Outcome {
    let t = &world.teams[team];
    // The workspace's own members: people of other organisations met in
    // shared channels are read with `users.info` (the Slack Connect page's
    // example; that `users.list` leaves them out is the fake's reading of
    // "all users in a Slack team", methods/users.list).
    let members: Vec<crate::world::UserSeed> = t
        .seed
        .users
        .iter()
        .filter(|u| u.external_team.is_none())
        .cloned()
        .collect();
    // Page first: a workspace may hold tens of thousands of people. Deleted
    // people stay in: it "includes both invited users and
    // deleted/deactivated users" (methods/users.list). Without `limit` Slack
    // attempts "the entire result set"; the fake pages anyway.
    match page(world, call, &members) {
        Ok((members, next)) => Outcome::Ok(json!({
            "members": members.iter().map(|u| with_locale(call, u, world.user_json(team, u, emails))).collect::<Vec<_>>(),
            "cache_ts": 1_700_000_000,
            "response_metadata": {"next_cursor": next},
        })),
        Err(e) => e,
    }
}

/// `user_not_found`: "Value passed for `user` was invalid"
/// (methods/users.info); a missing `user` reads the same (the fake's reading).
fn users_info(world: &World, call: &Call, team: &str, emails: bool) -> Outcome {
    let Some(id) = call.str("user") else {
        return Outcome::Err("user_not_found".into());
    };
    match world.teams[team].user(id) {
        Some(u) => {
            Outcome::Ok(json!({"user": with_locale(call, u, world.user_json(team, u, emails))}))
        }
        None => Outcome::Err("user_not_found".into()),
    }
}

/// `locale` only when asked: `include_locale`, "Set this to `true` to
/// receive the locale for this user. Defaults to `false`"
/// (methods/users.info; users.list: "… for users"); "If you don't include
/// the parameter, no locale will be provided. It's opt-in" (changelog
/// 2017-09-locale-locale-locale). `1` counts as true (the fake's reading,
/// as Slack's boolean arguments take it).
fn with_locale(call: &Call, user: &crate::world::UserSeed, mut v: Value) -> Value {
    let asked = match call.params.get("include_locale") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "1"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    };
    if asked {
        v["locale"] = json!(user.locale);
    }
    v
}

/// methods/users.lookupByEmail: `users_not_found` when nobody has the
/// address, and when its owner is deactivated or deleted (same page);
/// e-mail is always shown (the method needs `users:read.email`).
/// Case-insensitive: docs are silent; the fake's reading.
fn lookup_by_email(world: &World, call: &Call, team: &str) -> Outcome {
    let email = call.str("email").unwrap_or_default().to_lowercase();
    match world.teams[team].seed.users.iter().find(|u| {
        !u.deleted
            && u.email
                .as_deref()
                .is_some_and(|e| e.to_lowercase() == email)
    }) {
        Some(u) => Outcome::Ok(json!({"user": world.user_json(team, u, true)})),
        None => Outcome::Err("users_not_found".into()),
    }
}

/// `channel_not_found`: "Value passed for `channel` was invalid" (the
/// conversations.* and chat.* error tables).
fn channel<'a>(world: &'a World, team: &str, id: Option<&str>) -> Result<&'a Channel, Outcome> {
    id.and_then(|id| world.teams[team].channels.get(id))
        .ok_or_else(|| Outcome::Err("channel_not_found".into()))
}

/// A private conversation its caller is not in does not exist for them:
/// `channel_not_found` (reported for the bot in bolt-js#1656; the method
/// pages document only that error for an unusable `channel`).
fn visible<'a>(
    world: &'a World,
    team: &str,
    id: Option<&str>,
    me: &str,
) -> Result<&'a Channel, Outcome> {
    let ch = channel(world, team, id)?;
    if (ch.is_private || ch.is_mpim || ch.is_im) && !ch.members.iter().any(|m| m == me) {
        return Err(Outcome::Err("channel_not_found".into()));
    }
    Ok(ch)
}

/// methods/conversations.members: member ids, cursor-paged.
fn conversations_members(world: &World, call: &Call, team: &str, me: &str) -> Outcome {
    let ch = match visible(world, team, call.str("channel"), me) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match page(world, call, &ch.members) {
        Ok((members, next)) => Outcome::Ok(json!({
            "members": members,
            "response_metadata": {"next_cursor": next},
        })),
        Err(e) => e,
    }
}

/// A conversation as `me` sees it (a DM's `user` is the other person).
fn channel_json(ch: &Channel, me: &str, num_members: bool) -> Value {
    // conversation-object: `is_channel` for channels (private ones made
    // since March 2021 too; the fake's private channels are of that kind),
    // `is_group` only for older `G…` private channels; `is_private` for
    // every private kind; `is_ext_shared` implies `is_shared`.
    let legacy_group = ch.is_private && !ch.is_mpim && !ch.is_im && ch.id.starts_with('G');
    let mut v = json!({
        "id": ch.id,
        "created": ch.created,
        "is_channel": !ch.is_im && !ch.is_mpim && !legacy_group,
        "is_group": legacy_group,
        "is_im": ch.is_im,
        "is_mpim": ch.is_mpim,
        "is_private": ch.is_private || ch.is_im || ch.is_mpim,
        "is_archived": ch.is_archived,
        "is_shared": ch.is_ext_shared,
        "is_ext_shared": ch.is_ext_shared,
        "is_org_shared": false,
    });
    if ch.is_im {
        let other = ch.members.iter().find(|m| *m != me).or(ch.im_user.as_ref());
        v["user"] = json!(other);
    } else {
        v["name"] = json!(ch.name);
        // "`is_member` indicates whether the user, bot user or Slack app
        // associated with the token making the API call is itself a member
        // of the conversation" (objects/conversation-object).
        v["is_member"] = json!(ch.members.iter().any(|m| m == me));
        // `num_members` only with `include_num_members=true`
        // (methods/conversations.info).
        if num_members {
            v["num_members"] = json!(ch.members.len());
        }
    }
    v
}

/// methods/conversations.info: the conversation object.
fn conversations_info(world: &World, call: &Call, team: &str, me: &str) -> Outcome {
    match visible(world, team, call.str("channel"), me) {
        Ok(ch) => {
            // A boolean: `true`/`1` in a form, `true` in JSON.
            let num_members = matches!(call.str("include_num_members"), Some("true" | "1"))
                || call.params.get("include_num_members") == Some(&Value::Bool(true));
            Outcome::Ok(json!({"channel": channel_json(ch, me, num_members)}))
        }
        Err(e) => e,
    }
}

/// `conversations.join` (methods/conversations.join): the caller joins a
/// public channel and gets its conversation object ("If successful, the
/// command returns a conversation object. If the calling token has already
/// joined, it'll warn you about it too": `warning: already_in_channel` and
/// `response_metadata.warnings`, the page's example). From its error table:
/// `channel_not_found`, `is_archived` ("Channel has been archived"),
/// `method_not_supported_for_channel_type` ("This type of conversation
/// cannot be used with this method") for private channels, DMs and group
/// DMs (a private channel answers it even to a token with `groups:write`,
/// bolt-js#1656; the bot enters a private channel only when invited).
/// Joining sends `member_joined_channel` as a person's joining does (see
/// `events::join_channel`).
fn conversations_join(world: &mut World, call: &Call, team: &str, me: &str) -> Outcome {
    let ch = match channel(world, team, call.str("channel")) {
        Ok(c) => c,
        Err(e) => return e,
    };
    if !matches!(kind_of(ch), Kind::Public) {
        return Outcome::Err("method_not_supported_for_channel_type".into());
    }
    if ch.is_archived {
        return Outcome::Err("is_archived".into());
    }
    let id = ch.id.clone();
    let already = ch.members.iter().any(|m| m == me);
    if !already {
        crate::events::join_channel(world, team, &id, me);
    }
    let mut object = channel_json(&world.teams[team].channels[&id], me, false);
    // The example's object has `is_member: true`.
    object["is_member"] = json!(true);
    let mut out = json!({ "channel": object });
    if already {
        out["warning"] = json!("already_in_channel");
        out["response_metadata"] = json!({"warnings": ["already_in_channel"]});
    }
    Outcome::Ok(out)
}

/// The `types` of `users.conversations` ("a comma-separated list of any
/// combination of `public_channel`, `private_channel`, `mpim`, `im`",
/// default `public_channel`; methods/users.conversations). Any other value
/// is `invalid_types` ("Value passed for type could not be used based on
/// the method's capabilities", same page).
fn conversation_types(call: &Call) -> Result<Vec<&'static str>, Outcome> {
    let Some(text) = call.str("types") else {
        return Ok(vec!["public_channel"]);
    };
    let mut out = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let known = match t {
            "public_channel" => "public_channel",
            "private_channel" => "private_channel",
            "mpim" => "mpim",
            "im" => "im",
            _ => return Err(Outcome::Err("invalid_types".into())),
        };
        if !out.contains(&known) {
            out.push(known);
        }
    }
    if out.is_empty() {
        out.push("public_channel");
    }
    Ok(out)
}

/// The read scope each conversation type needs (the conversations methods'
/// "required scopes depend on the type of channel-like object":
/// `channels:read`, `groups:read`, `mpim:read`, `im:read`;
/// methods/users.conversations).
fn type_scope(kind: &str) -> &'static str {
    match kind {
        "private_channel" => "groups:read",
        "mpim" => "mpim:read",
        "im" => "im:read",
        _ => "channels:read",
    }
}

fn type_name(ch: &Channel) -> &'static str {
    match kind_of(ch) {
        Kind::Public => "public_channel",
        Kind::Private => "private_channel",
        Kind::Mpim => "mpim",
        Kind::Im => "im",
    }
}

/// `users.conversations` (methods/users.conversations): the conversations
/// the caller (or `user`) is a member of, of the asked `types`, as
/// conversation objects without `is_member` and `num_members` ("We omit
/// the `is_member` and `num_members` fields"). With `user`, "Non-public
/// channels are restricted to those where the calling user shares
/// membership". `exclude_archived`; `limit` defaults to 100, at most 999
/// ("specify a `limit` value with a max of 999"); cursor-paged. An unknown
/// `user` has no conversations (the fake's reading; the table has no
/// `user_not_found`).
fn users_conversations(world: &World, call: &Call, team: &str, me: &str) -> Outcome {
    let types = match conversation_types(call) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let subject = call.str("user").unwrap_or(me);
    let exclude_archived = matches!(call.str("exclude_archived"), Some("true" | "1"))
        || call.params.get("exclude_archived") == Some(&Value::Bool(true));
    let has = |ch: &Channel, who: &str| ch.members.iter().any(|m| m == who);
    let found: Vec<&Channel> = world.teams[team]
        .channels
        .values()
        .filter(|ch| types.contains(&type_name(ch)))
        .filter(|ch| has(ch, subject))
        .filter(|ch| matches!(kind_of(ch), Kind::Public) || has(ch, me))
        .filter(|ch| !(exclude_archived && ch.is_archived))
        .collect();
    let limit = call.int("limit").unwrap_or(100).clamp(1, 999) as usize;
    match page_of(world, call, &found, limit) {
        Ok((slice, next)) => Outcome::Ok(json!({
            // The page: the objects leave out `is_member` (every one is).
            "channels": slice.iter().map(|ch| {
                let mut v = channel_json(ch, me, false);
                if let Some(o) = v.as_object_mut() {
                    o.remove("is_member");
                }
                v
            }).collect::<Vec<_>>(),
            "response_metadata": {"next_cursor": next},
        })),
        Err(e) => e,
    }
}

/// A DM (`D…`) between two people; "Subsequent calls to
/// `conversations.open` with the same set of users will return the already
/// existing conversation" (methods/conversations.open).
pub(crate) fn open_dm(world: &mut World, team: &str, me: &str, other: &str) -> (String, bool) {
    let t = world
        .teams
        .get_mut(team)
        .expect("authenticated team exists");
    let key = crate::world::im_key(me, other);
    if let Some(id) = t.dms.get(&key) {
        return (id.clone(), true);
    }
    let id = format!("D{}", random_hex(5).to_uppercase());
    t.channels.insert(
        id.clone(),
        Channel {
            id: id.clone(),
            name: String::new(),
            is_private: true,
            is_im: true,
            is_mpim: false,
            is_ext_shared: false,
            im_user: Some(other.to_owned()),
            members: vec![me.to_owned(), other.to_owned()],
            messages: Vec::new(),
            created: 1_700_000_000,
            is_archived: false,
        },
    );
    t.dms.insert(key, id.clone());
    (id, false)
}

/// The people a `conversations.open` call names besides the caller ("Don't
/// include the ID of the user you're calling `conversations.open` on behalf
/// of – we do that for you", methods/conversations.open), without repeats.
/// Naming only oneself opens one's own DM (the fake's reading).
fn open_targets<'c>(call: &'c Call, me: &'c str) -> Vec<&'c str> {
    let mut out: Vec<&str> = Vec::new();
    for u in call
        .str("users")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
    {
        if !u.is_empty() && u != me && !out.contains(&u) {
            out.push(u);
        }
    }
    if out.is_empty() && call.str("users").is_some_and(|u| u.trim() == me) {
        out.push(me);
    }
    out
}

/// A group DM (`mpim`) of `me` and `others`, found by its members or made:
/// "If there are no conversations already in progress including that exact
/// set of members, a new multi-person direct message conversation begins"
/// (methods/conversations.open). A `G…` id and an `mpdm-a--b-1` name, as
/// in Slack's examples (docs/slack-behaviours.md §9).
fn open_mpim(world: &mut World, team: &str, me: &str, others: &[&str]) -> (String, bool) {
    let t = world
        .teams
        .get_mut(team)
        .expect("authenticated team exists");
    let mut members: Vec<String> = vec![me.to_owned()];
    members.extend(others.iter().map(|u| (*u).to_owned()));
    let same = |c: &Channel| {
        c.is_mpim
            && c.members.len() == members.len()
            && members.iter().all(|m| c.members.contains(m))
    };
    if let Some(c) = t.channels.values().find(|c| same(c)) {
        return (c.id.clone(), true);
    }
    let names: Vec<String> = members
        .iter()
        .map(|m| t.user(m).map_or_else(|| m.clone(), |u| u.name.clone()))
        .collect();
    let id = format!("G{}", random_hex(5).to_uppercase());
    t.channels.insert(
        id.clone(),
        Channel {
            id: id.clone(),
            name: format!("mpdm-{}-1", names.join("--")),
            is_private: true,
            is_im: false,
            is_mpim: true,
            is_ext_shared: false,
            im_user: None,
            members,
            messages: Vec::new(),
            created: 1_700_000_000,
            is_archived: false,
        },
    );
    (id, false)
}

fn conversations_open(world: &mut World, call: &Call, team: &str, me: &str) -> Outcome {
    // Errors from methods/conversations.open's table unless noted.
    if call.str("users").is_none() {
        return Outcome::Err("users_list_not_supplied".into());
    }
    let others = open_targets(call, me);
    // "Provide 1 to 8 user IDs … Providing more than 1 will create a
    // multi-person direct message"; `too_many_users`: "Needs at most 8 users
    // to open".
    if others.is_empty() {
        return Outcome::Err("users_list_not_supplied".into());
    }
    if others.len() > 8 {
        return Outcome::Err("too_many_users".into());
    }
    for other in &others {
        match world.teams[team].user(other) {
            None => return Outcome::Err("user_not_found".into()),
            Some(u) if u.deleted => return Outcome::Err("user_disabled".into()),
            // `cannot_dm_bot` is not in this page's table, though client code
            // handles it from conversations.open (the fake's reading).
            Some(u) if u.is_bot => return Outcome::Err("cannot_dm_bot".into()),
            // "All external people must already be in at least one channel
            // together to send a message" (conversations.open's errors).
            Some(u) if !can_dm(&world.teams[team], me, u) => {
                return Outcome::Err("invalid_user_combination".into());
            }
            Some(_) => {}
        }
    }
    let (id, already) = match others.as_slice() {
        [other] => open_dm(world, team, me, other),
        _ => open_mpim(world, team, me, &others),
    };
    // `already_open` and `no_op` as in the page's `return_im` example.
    let mut out = json!({"channel": {"id": id}});
    if already {
        out["already_open"] = json!(true);
        out["no_op"] = json!(true);
    }
    Outcome::Ok(out)
}

/// Resolves a `channel` argument: `D…`/`C…`/`G…` ids, or a user id (the
/// app's messages tab with that user: "provide the user's ID as the
/// `channel` value and a direct message conversation will be opened",
/// methods/chat.postMessage). For a deleted user or a bot the errors are
/// the fake's reading.
fn resolve_channel(
    world: &mut World,
    team: &str,
    me: &str,
    channel: &str,
) -> Result<String, Outcome> {
    if channel.starts_with('U') || channel.starts_with('W') {
        match world.teams[team].user(channel) {
            None => return Err(Outcome::Err("channel_not_found".into())),
            Some(u) if u.deleted => return Err(Outcome::Err("channel_not_found".into())),
            Some(u) if u.is_bot => return Err(Outcome::Err("cannot_dm_bot".into())),
            // chat.postMessage: "You will receive a `channel_not_found`
            // error if your app doesn't have permission to enter into a DM
            // with the intended user."
            Some(u) if !can_dm(&world.teams[team], me, u) => {
                return Err(Outcome::Err("channel_not_found".into()));
            }
            Some(_) => {}
        }
        return Ok(open_dm(world, team, me, channel).0);
    }
    if world.teams[team].channels.contains_key(channel) {
        Ok(channel.to_owned())
    } else {
        Err(Outcome::Err("channel_not_found".into()))
    }
}

/// Slack Connect: "A bot user is able to DM users on all connected
/// workspaces, as long as users are in a shared channel together"
/// (docs.slack.dev/apis/slack-connect); the workspace's own people always.
fn can_dm(team: &crate::world::Team, me: &str, other: &crate::world::UserSeed) -> bool {
    other.external_team.is_none()
        || team.channels.values().any(|c| {
            c.is_ext_shared && c.members.iter().any(|m| m == me) && c.members.contains(&other.id)
        })
}

/// `text` or `blocks` ("One of these arguments is required",
/// methods/chat.postMessage); at most 50 blocks ("up to 50 blocks in each
/// message", docs.slack.dev/reference/block-kit/blocks), each with a `type`;
/// else `invalid_blocks`, `no_text` (the error tables).
fn message_content(call: &Call) -> Result<(String, Option<Value>), Outcome> {
    let blocks = match call.json("blocks") {
        None => None,
        Some(Ok(Value::Array(b))) => Some(Value::Array(b)),
        Some(_) => return Err(Outcome::Err("invalid_blocks".into())),
    };
    if let Some(Value::Array(b)) = &blocks {
        if b.len() > 50 {
            return Err(Outcome::Err("invalid_blocks".into()));
        }
        if b.iter()
            .any(|block| block.get("type").and_then(Value::as_str).is_none())
        {
            return Err(Outcome::Err("invalid_blocks".into()));
        }
    }
    let text = call.str("text").unwrap_or_default().to_owned();
    if text.is_empty() && blocks.is_none() {
        return Err(Outcome::Err("no_text".into()));
    }
    // chat.postMessage's page: "Slack will truncate messages containing
    // more than 40,000 characters"; chat.postEphemeral lists `msg_too_long`.
    // The fake refuses instead (its reading).
    if text.chars().count() > 40_000 {
        return Err(Outcome::Err("msg_too_long".into()));
    }
    Ok((text, blocks))
}

/// What a token's scopes let `chat.postMessage` do beyond `chat:write`.
#[derive(Clone, Copy)]
struct PostRights {
    /// `chat:write.public`: public channels without joining.
    write_public: bool,
    /// `chat:write.customize` on a bot token: `username`, `icon_url`,
    /// `icon_emoji` apply.
    customize: bool,
}

fn post_message(
    world: &mut World,
    call: &Call,
    team: &str,
    me: &str,
    kind: TokenKind,
    rights: PostRights,
) -> Outcome {
    let Some(target) = call.str("channel") else {
        return Outcome::Err("channel_not_found".into());
    };
    let (text, blocks) = match message_content(call) {
        Ok(c) => c,
        Err(e) => return e,
    };
    // A person writing to the app's bot user: the app's Messages tab (docs
    // are silent on a user token naming the bot; the fake's reading).
    let to_app = kind == TokenKind::User && target == world.teams[team].seed.bot_user_id;
    let resolved = if to_app {
        Ok(open_dm(world, team, me, target).0)
    } else {
        resolve_channel(world, team, me, target)
    };
    let id = match resolved {
        Ok(id) => id,
        Err(e) => return e,
    };
    {
        // A public channel the caller is not in: `not_in_channel` (unless
        // `chat:write.public`, "Channel membership"); a private one does not
        // exist for them: `channel_not_found` (chat.postMessage's error
        // table; bolt-js#1656).
        let ch = &world.teams[team].channels[&id];
        let member = ch.members.iter().any(|m| m == me);
        if !ch.is_im && !member {
            if ch.is_private || ch.is_mpim {
                return Outcome::Err("channel_not_found".into());
            }
            if !rights.write_public {
                return Outcome::Err("not_in_channel".into());
            }
        }
        // `is_archived`: "Channel has been archived" (chat.postMessage's
        // error table).
        if ch.is_archived {
            return Outcome::Err("is_archived".into());
        }
    }
    if let Err(e) = crate::native::check_call_blocks(world, team, &id, blocks.as_ref()) {
        return e;
    }
    let mut msg = Message::new("", me, &text);
    msg.blocks = blocks;
    msg.bot = kind == TokenKind::Bot;
    // `username`, `icon_url`, `icon_emoji` count only with
    // `chat:write.customize`: "This ability is only available when an app
    // has requested and been granted an additional scope"
    // (methods/chat.postMessage, "Sending messages as other entities"),
    // a scope for "Bot" and "Legacy Bot" tokens only
    // (reference/scopes/chat.write.customize). Without it they are ignored,
    // not refused: the page names no error, and Slack answers `ok` with the
    // app's own name (linyows/dewy#362, python-slack-sdk#978). A user
    // token's message stays the person's own.
    if rights.customize {
        msg.username = call.str("username").map(str::to_owned);
        msg.icon_url = call.str("icon_url").map(str::to_owned);
        msg.icon_emoji = call.str("icon_emoji").map(str::to_owned);
    }
    msg.thread_ts = call.str("thread_ts").map(str::to_owned);
    // `reply_broadcast` is a boolean: `true`/`1` in a form, `true` in JSON.
    let broadcast = matches!(call.str("reply_broadcast"), Some("true" | "1"))
        || call.params.get("reply_broadcast") == Some(&Value::Bool(true));
    let message = post(world, team, &id, msg, broadcast);
    // "Apps will also not receive `link_shared` events for their own
    // messages" (events/link_shared): only a person's posts are looked at.
    if kind == TokenKind::User {
        let ts = message["ts"].as_str().unwrap_or_default().to_owned();
        crate::events::queue_link_shared(world, team, &id, me, &ts, &text);
    }
    // The response example's fields (methods/chat.postMessage).
    Outcome::Ok(json!({"channel": id, "ts": message["ts"], "message": message}))
}

/// Stores a message in a conversation and queues its event; returns the
/// message as Slack returns it. Threads as the message reference and
/// events describe them (docs.slack.dev/reference/events/message):
/// a reply carries `thread_ts` and `parent_user_id` (no subtype over the
/// Events API: "examine message events' `thread_ts`"); one also sent to
/// the conversation is `thread_broadcast`, with a copy of the parent in
/// `root` (…/message/thread_broadcast).
pub(crate) fn post(
    world: &mut World,
    team: &str,
    channel: &str,
    mut msg: Message,
    broadcast: bool,
) -> Value {
    msg.ts = world.next_ts();
    let parent = msg.thread_ts.as_ref().and_then(|t| {
        world.teams[team].channels[channel]
            .messages
            .iter()
            .find(|m| &m.ts == t)
            .cloned()
    });
    if broadcast && msg.thread_ts.is_some() {
        msg.subtype = Some("thread_broadcast".into());
    }
    world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .channels
        .get_mut(channel)
        .expect("resolved channel exists")
        .messages
        .push(msg.clone());
    let message = msg.to_json();
    let mut event = message.clone();
    event["channel"] = json!(channel);
    event["event_ts"] = json!(msg.ts);
    event["channel_type"] = json!(channel_type(&world.teams[team].channels[channel]));
    if let Some(p) = &parent {
        event["parent_user_id"] = json!(p.user);
        if broadcast {
            let mut root = p.to_json();
            root["thread_ts"] = json!(p.ts);
            // `root`'s thread fields (…/message/thread_broadcast); the counts
            // are the fake's simplification.
            root["reply_count"] = json!(1);
            root["reply_users"] = json!([msg.user]);
            root["latest_reply"] = json!(msg.ts);
            event["root"] = root;
        }
    }
    crate::events::queue_message_event(world, team, channel, event);
    message
}

/// An event's `channel_type`: `im`, `mpim`, `group`, `channel` as on
/// events/message.im, …/message.mpim, …/message.groups, …/message.channels.
pub(crate) fn channel_type(ch: &Channel) -> &'static str {
    if ch.is_im {
        "im"
    } else if ch.is_mpim {
        "mpim"
    } else if ch.is_private {
        "group"
    } else {
        "channel"
    }
}

/// The author's own message in a conversation, by `ts`: `message_not_found`
/// ("No message exists with the requested timestamp"), and `not_yours` for
/// someone else's: `cant_update_message` (methods/chat.update: "Only
/// messages posted by the authenticated user are able to be updated"),
/// `cant_delete_message` (methods/chat.delete). A missing `channel`/`ts`
/// reads as `message_not_found` (the fake's reading).
fn own_message<'w>(
    world: &'w mut World,
    call: &Call,
    team: &str,
    me: &str,
    not_yours: &str,
) -> Result<(String, &'w mut Message), Outcome> {
    let (Some(channel), Some(ts)) = (call.str("channel"), call.str("ts")) else {
        return Err(Outcome::Err("message_not_found".into()));
    };
    let Some(ch) = world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .channels
        .get_mut(channel)
    else {
        return Err(Outcome::Err("channel_not_found".into()));
    };
    let id = ch.id.clone();
    match ch.messages.iter_mut().find(|m| m.ts == ts) {
        None => Err(Outcome::Err("message_not_found".into())),
        Some(m) if m.user != me => Err(Outcome::Err(not_yours.into())),
        Some(m) => Ok((id, m)),
    }
}

fn update_message(world: &mut World, call: &Call, team: &str, me: &str) -> Outcome {
    let edit_ts = world.next_ts();
    let text = call.str("text").unwrap_or_default().to_owned();
    let (channel, m) = match own_message(world, call, team, me, "cant_update_message") {
        Ok(found) => found,
        Err(e) => return e,
    };
    // A `message_changed` event with `edited` (…/message/message_changed),
    // `channel_type` the conversation's (events/message.channels,
    // …/message.groups, …/message.im, …/message.mpim). A reply keeps its
    // `thread_ts` in `message` (a reply "carries `thread_ts`",
    // events/message; Slack's message objects keep it when edited).
    let previous = json!({"type": "message", "user": m.user, "text": m.text, "ts": m.ts});
    m.text = text.clone();
    let ts = m.ts.clone();
    let mut inner = json!({"type": "message", "user": me, "text": text, "ts": ts,
                           "edited": {"user": me, "ts": edit_ts}});
    if let Some(parent) = &m.thread_ts {
        inner["thread_ts"] = json!(parent);
    }
    let kind = channel_type(&world.teams[team].channels[&channel]);
    let event = json!({
        "type": "message", "subtype": "message_changed", "hidden": true,
        "channel": channel, "ts": edit_ts, "event_ts": edit_ts, "channel_type": kind,
        "message": inner,
        "previous_message": previous,
    });
    crate::events::queue_message_event(world, team, &channel, event);
    // "The response includes the `text`, `channel` and `timestamp`" (methods/chat.update).
    Outcome::Ok(json!({"channel": channel, "ts": ts, "text": text}))
}

fn delete_message(world: &mut World, call: &Call, team: &str, me: &str) -> Outcome {
    let delete_ts = world.next_ts();
    let (channel, m) = match own_message(world, call, team, me, "cant_delete_message") {
        Ok(found) => found,
        Err(e) => return e,
    };
    let previous = json!({"type": "message", "user": m.user, "text": m.text, "ts": m.ts});
    let ts = m.ts.clone();
    let messages = &mut world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .channels
        .get_mut(&channel)
        .expect("found above")
        .messages;
    messages.retain(|m| m.ts != ts);
    // `message_deleted` with `deleted_ts` (…/message/message_deleted);
    // `previous_message` as node-slack-sdk's MessageDeletedEvent has it;
    // `channel_type` the conversation's, as for `message_changed`.
    let kind = channel_type(&world.teams[team].channels[&channel]);
    let event = json!({
        "type": "message", "subtype": "message_deleted", "hidden": true,
        "channel": channel, "ts": delete_ts, "event_ts": delete_ts, "channel_type": kind,
        "deleted_ts": ts, "previous_message": previous,
    });
    crate::events::queue_message_event(world, team, &channel, event);
    // "The response includes the `channel` and `timestamp`" (methods/chat.delete).
    Outcome::Ok(json!({"channel": channel, "ts": ts}))
}

fn post_ephemeral(world: &mut World, call: &Call, team: &str, me: &str) -> Outcome {
    let (Some(target), Some(user)) = (call.str("channel"), call.str("user")) else {
        return Outcome::Err("channel_not_found".into());
    };
    let (text, blocks) = match message_content(call) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let id = match resolve_channel(world, team, me, target) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let ts = world.next_ts();
    let ch = world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .channels
        .get_mut(&id)
        .expect("resolved channel exists");
    // "If the target `user` is not in the given channel … we'll return a
    // `user_not_in_channel` error" (methods/chat.postEphemeral); a DM's
    // other party is not checked (the fake's reading).
    if !ch.is_im && !ch.members.iter().any(|m| m == user) {
        return Outcome::Err("user_not_in_channel".into());
    }
    let mut m = Message::new(&ts, me, &text);
    m.blocks = blocks;
    m.ephemeral_to = Some(user.to_owned());
    ch.messages.push(m);
    // The page's success response.
    Outcome::Ok(json!({"message_ts": ts}))
}

/// Whose messages a token may read (methods/conversations.history): a
/// user token "Any private conversation the user is a member of, and all
/// public conversations"; a bot token only those the bot is a member of.
/// Private ones the caller is not in are `channel_not_found` ([`visible`]);
/// a public channel a bot is not in `not_in_channel` ("The token used does
/// not have access to the proper channel").
fn readable<'a>(
    world: &'a World,
    call: &Call,
    team: &str,
    me: &str,
    kind: TokenKind,
) -> Result<&'a Channel, Outcome> {
    let ch = visible(world, team, call.str("channel"), me)?;
    if kind == TokenKind::Bot && !ch.members.iter().any(|m| m == me) {
        return Err(Outcome::Err("not_in_channel".into()));
    }
    Ok(ch)
}

fn conversations_history(
    world: &World,
    call: &Call,
    team: &str,
    me: &str,
    kind: TokenKind,
) -> Outcome {
    let ch = match readable(world, call, team, me, kind) {
        Ok(c) => c,
        Err(e) => return e,
    };
    // Newest first ("The most recent messages in the time range are
    // returned first"), ephemeral messages never (they are not stored by
    // Slack). `latest`/`oldest` are exclusive: "If a message has the same
    // timestamp as `oldest` or `latest` it will not be included"
    // (`inclusive` is not modelled).
    let mut messages: Vec<Value> = ch
        .messages
        .iter()
        .rev()
        .filter(|m| m.ephemeral_to.is_none())
        .filter(|m| call.str("latest").is_none_or(|l| m.ts.as_str() < l))
        .filter(|m| call.str("oldest").is_none_or(|o| m.ts.as_str() > o))
        .map(Message::to_json)
        .collect();
    let total = messages.len();
    // `limit`: default and maximum 15 for commercially distributed apps
    // outside the Marketplace (see `Distribution`).
    let most = world.app.distribution.history_page();
    let asked = call
        .int("limit")
        .map_or(most, |l| (l.max(1) as usize).min(most));
    match page_of(world, call, &messages, asked) {
        Ok((slice, next)) => {
            messages = slice;
            Outcome::Ok(json!({
                "messages": messages,
                "has_more": !next.is_empty() && total > 0,
                "response_metadata": {"next_cursor": next},
            }))
        }
        Err(e) => e,
    }
}

/// `conversations.replies` (docs.slack.dev/reference/methods/conversations.replies):
/// a thread, its parent first, oldest first; the same access rules and
/// limits as `conversations.history`.
fn conversations_replies(
    world: &World,
    call: &Call,
    team: &str,
    me: &str,
    kind: TokenKind,
) -> Outcome {
    // history's rule; replies' table has no `not_in_channel`, and its page
    // says bot tokens "lack sufficient permissions to use this method on
    // public and private channels", which the fake does not enforce (the
    // error is not documented).
    let ch = match readable(world, call, team, me, kind) {
        Ok(c) => c,
        Err(e) => return e,
    };
    // `thread_not_found`: "Value for `ts` was missing or invalid". `ts` is
    // "either a thread’s parent message or a message in the thread": a
    // reply stands for its thread.
    let Some(given) = call.str("ts") else {
        return Outcome::Err("thread_not_found".into());
    };
    let Some(found) = ch.messages.iter().find(|m| m.ts == given) else {
        return Outcome::Err("thread_not_found".into());
    };
    let parent = found.thread_ts.as_deref().unwrap_or(given);
    let messages: Vec<Value> = ch
        .messages
        .iter()
        .filter(|m| m.ephemeral_to.is_none())
        .filter(|m| m.ts == parent || m.thread_ts.as_deref() == Some(parent))
        .map(Message::to_json)
        .collect();
    let most = world.app.distribution.history_page();
    let asked = call
        .int("limit")
        .map_or(most, |l| (l.max(1) as usize).min(most));
    match page_of(world, call, &messages, asked) {
        Ok((slice, next)) => Outcome::Ok(json!({
            "messages": slice,
            "has_more": !next.is_empty(),
            "response_metadata": {"next_cursor": next},
        })),
        Err(e) => e,
    }
}

/// methods/chat.unfurl: "Both `unfurl_id` and `source` must be provided
/// together, _or_ `channel` and `ts`". From its table: a missing half is
/// `missing_unfurl_id`, `missing_source`, `missing_channel`, `missing_ts`;
/// an unknown id `invalid_unfurl_id`, an unknown channel
/// `cannot_find_channel`. Given both pairs, the id is checked; the order of
/// the checks is the fake's reading.
fn unfurl(world: &mut World, call: &Call, team: &str) -> Outcome {
    let t = world
        .teams
        .get_mut(team)
        .expect("authenticated team exists");
    let (by_id, by_channel) = if call.str("unfurl_id").is_some() || call.str("source").is_some() {
        let Some(id) = call.str("unfurl_id") else {
            return Outcome::Err("missing_unfurl_id".into());
        };
        let Some(source) = call.str("source") else {
            return Outcome::Err("missing_source".into());
        };
        // `source`'s "Acceptable values: `composer` `conversations_history`".
        if !matches!(source, "composer" | "conversations_history") {
            return Outcome::Err("invalid_source".into());
        }
        if !t.unfurl_ids.contains(id) {
            return Outcome::Err("invalid_unfurl_id".into());
        }
        (Some((id, source)), call.str("channel").zip(call.str("ts")))
    } else {
        let Some(channel) = call.str("channel") else {
            return Outcome::Err("missing_channel".into());
        };
        let Some(ts) = call.str("ts") else {
            return Outcome::Err("missing_ts".into());
        };
        let Some(ch) = t.channels.get(channel) else {
            return Outcome::Err("cannot_find_channel".into());
        };
        // "The `ts` value in the request does not match a message".
        if !ch.messages.iter().any(|m| m.ts == ts) {
            return Outcome::Err("cannot_find_message".into());
        }
        (None, Some((channel, ts)))
    };
    // `missing_unfurls`; `invalid_unfurls_format`: "cannot be JSON-decoded
    // into a map of URLs to attachments"; an empty map is refused the same
    // way (the fake's reading).
    let given = match call.params.get("unfurls") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    if !given {
        return Outcome::Err("missing_unfurls".into());
    }
    let unfurls = match call.json("unfurls") {
        Some(Ok(Value::Object(map))) if !map.is_empty() => map,
        _ => return Outcome::Err("invalid_unfurls_format".into()),
    };
    // Each value: Block Kit (`blocks`, at most 50) or a legacy attachment.
    // The 50 is a message's block limit, applied here by the fake; chat.unfurl's
    // table has no `invalid_blocks` (the fake's reading).
    for preview in unfurls.values() {
        match preview.get("blocks") {
            Some(Value::Array(b)) if b.len() > 50 => return Outcome::Err("invalid_blocks".into()),
            Some(Value::Array(b)) if b.iter().all(|x| x.get("type").is_some()) => {}
            Some(_) => return Outcome::Err("invalid_blocks".into()),
            None if preview.is_object() => {}
            None => return Outcome::Err("invalid_unfurls_format".into()),
        }
    }
    // Slack changes the message when an unfurl is attached and announces
    // it as `message_changed` with the text unchanged and no new `edited`
    // (slackhq/slack-api-docs#27; not on the event's page).
    if let Some((channel, ts)) = by_channel
        && let Some(c) = t.channels.get_mut(channel)
        && let kind = channel_type(c)
        && let Some(m) = c.messages.iter_mut().find(|m| m.ts == ts)
    {
        let previous = m.to_json();
        // Replaced, not added to: "Subsequent attempts with the same `ts` and
        // `channel` values will modify the same attachments".
        m.attachments = unfurls
            .iter()
            .map(|(url, preview)| json!({"from_url": url, "app_unfurl_url": url, "is_app_unfurl": true, "blocks": preview.get("blocks")}))
            .collect();
        let changed = json!({
            "type": "message", "subtype": "message_changed", "hidden": true,
            "channel": channel, "ts": ts, "event_ts": ts, "channel_type": kind,
            "message": m.to_json(), "previous_message": previous,
        });
        let (team, channel) = (team.to_owned(), channel.to_owned());
        crate::events::queue_message_event(world, &team, &channel, changed);
        // `unfurls` records each call for tests (a test hook).
        let t = world
            .teams
            .get_mut(&team)
            .expect("authenticated team exists");
        t.unfurls.push(json!({
            "channel": channel, "ts": ts, "unfurl_id": null, "source": null,
            "unfurls": Value::Object(unfurls),
        }));
        return Outcome::Ok(json!({}));
    }
    t.unfurls.push(json!({
        "channel": by_channel.map(|(c, _)| c),
        "ts": by_channel.map(|(_, t)| t),
        "unfurl_id": by_id.map(|(u, _)| u),
        "source": by_id.map(|(_, s)| s),
        "unfurls": Value::Object(unfurls),
    }));
    // "we provide a minimal positive response": `{"ok": true}`.
    Outcome::Ok(json!({}))
}

/// `chat.getPermalink` (https://docs.slack.dev/reference/methods/chat.getPermalink):
/// "Retrieve a permalink URL for a specific extant message", `channel` and
/// `message_ts` required, no scope for bot or user tokens. The answer is
/// the page's: `channel` and `permalink`,
/// `https://{domain}.slack.com/archives/{channel}/p{ts without its dot}`
/// ("https://ghostbusters.slack.com/archives/C1H9RESGA/p135854651500008");
/// "When the provided `message_ts` is part of a thread, the permalink format
/// changes": `…?thread_ts={thread_ts}&cid={channel}` (same page). The fake
/// gives that form to replies (a `thread_ts` other than their own `ts`);
/// a thread's parent keeps the plain form (the fake's reading: the page's
/// example is a reply's). The domain is the workspace's, as auth.test's
/// `url`. Errors from its table: `channel_not_found` ("Value passed for
/// `channel` was invalid") for an unknown conversation or one the caller
/// cannot see (as conversations.info: [`visible`]), `message_not_found`
/// ("No message exists with the requested timestamp"), also for an
/// ephemeral message's `ts` (Slack stores none). A missing `channel` or
/// `message_ts` reads as the same errors, as [`own_message`] reads them
/// (the fake's reading).
fn get_permalink(world: &World, call: &Call, team: &str, me: &str) -> Outcome {
    let ch = match visible(world, team, call.str("channel"), me) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let found = call.str("message_ts").and_then(|ts| {
        ch.messages
            .iter()
            .find(|m| m.ts == ts && m.ephemeral_to.is_none())
    });
    let Some(m) = found else {
        return Outcome::Err("message_not_found".into());
    };
    let domain = &world.teams[team].seed.domain;
    let mut permalink = format!(
        "https://{domain}.slack.com/archives/{}/p{}",
        ch.id,
        m.ts.replace('.', "")
    );
    if let Some(parent) = m.thread_ts.as_deref().filter(|t| *t != m.ts) {
        permalink.push_str(&format!("?thread_ts={parent}&cid={}", ch.id));
    }
    Outcome::Ok(json!({"channel": ch.id, "permalink": permalink}))
}

/// `files.info` (docs.slack.dev/reference/methods/files.info): the file
/// object, for a token whose owner can see one of the conversations it
/// was shared in; `file_not_found` for an unknown id.
fn files_info(world: &World, call: &Call, team: &str, me: &str) -> Outcome {
    let Some(file) = call.str("file").and_then(|f| world.files.get(f)) else {
        return Outcome::Err("file_not_found".into());
    };
    let t = &world.teams[team];
    let visible = file.channels.iter().any(|c| {
        t.channels
            .get(c)
            .is_some_and(|ch| ch.members.iter().any(|m| m == me))
    });
    // "Bot users tokens may use this method to access information about
    // files appearing in the channels they belong to"; otherwise
    // `not_visible`: "Do not have permission to view the file"
    // (methods/files.info).
    if !visible {
        return Outcome::Err("not_visible".into());
    }
    Outcome::Ok(json!({"file": file.to_json(&t.seed.domain), "comments": [],
                       "response_metadata": {"next_cursor": ""}}))
}

/// `views.publish` (docs.slack.dev/reference/methods/views.publish): a bot
/// replaces a person's Home tab.
fn views_publish(world: &mut World, call: &Call, team: &str, kind: TokenKind) -> Outcome {
    // Docs are silent on token kinds; the fake's reading: bot tokens only,
    // others get the table's `not_allowed_token_type` (which
    // Inumedia/SlackAPI#290 met on views.publish).
    if kind != TokenKind::Bot {
        return Outcome::Err("not_allowed_token_type".into());
    }
    // The page's error example: `invalid_arguments`, "invalid `user_id`".
    let Some(user) = call.str("user_id") else {
        return Outcome::Err("invalid_arguments".into());
    };
    // An unknown or deleted person: the same `invalid_arguments` (the
    // page's example; its table has no `user_not_found`).
    match world.teams[team].user(user) {
        Some(u) if !u.deleted => {}
        _ => return Outcome::Err("invalid_arguments".into()),
    }
    // A `home` view ("This must be a JSON-encoded string") of at most 100
    // blocks ("100 blocks in modals or Home tabs", reference/block-kit/blocks);
    // which error each breach gets is the fake's reading.
    let view = match call.json("view") {
        Some(Ok(v @ Value::Object(_))) => v,
        _ => return Outcome::Err("invalid_arguments".into()),
    };
    if view["type"] != "home" {
        return Outcome::Err("invalid_arguments".into());
    }
    match view.get("blocks") {
        Some(Value::Array(b)) if b.len() > 100 => return Outcome::Err("invalid_arguments".into()),
        Some(Value::Array(b)) if b.iter().all(|x| x.get("type").is_some()) => {}
        _ => return Outcome::Err("invalid_blocks".into()),
    }
    // The published view with its `id` and `team_id` (the page's response).
    let id = format!("V{}", random_hex(5).to_uppercase());
    let mut stored = view.clone();
    stored["id"] = json!(id);
    stored["team_id"] = json!(team);
    world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .home_views
        .insert(user.to_owned(), stored.clone());
    Outcome::Ok(json!({ "view": stored }))
}

/// `auth.revoke` (docs.slack.dev/reference/methods/auth.revoke): the token
/// that calls it dies (`{"revoked": true}`; `test=1` only says it would).
/// A person doing so with their user token is how someone removes their
/// own authorization: the app hears `tokens_revoked` naming them under
/// `oauth` only (docs.slack.dev/reference/events/tokens_revoked: "keyed
/// with the types of revoked tokens"), and stays installed.
fn auth_revoke(world: &mut World, call: &Call, team: &str) -> Outcome {
    let Authn::Token(token) = &call.auth else {
        return Outcome::Err("not_authed".into());
    };
    // `test`: "the specified token will not actually be revoked"; `revoked`
    // says "whether the token was actually revoked".
    if matches!(call.str("test"), Some("1" | "true")) {
        return Outcome::Ok(json!({"revoked": false}));
    }
    crate::events::revoke_token(world, team, token);
    Outcome::Ok(json!({"revoked": true}))
}

/// `apps.uninstall` (docs.slack.dev/reference/methods/apps.uninstall): a
/// token plus `client_id` and `client_secret` (all required); "revokes
/// _all_ tokens associated with a single installation". Errors from its
/// table. (The table also has `no_permission`, "Granular bot not allowed to
/// uninstall"; the fake takes a bot token.)
fn apps_uninstall(world: &mut World, call: &Call, team: &str) -> Outcome {
    let (Some(id), Some(secret)) = (call.str("client_id"), call.str("client_secret")) else {
        return Outcome::Err("invalid_client_id".into());
    };
    if id != world.app.client_id {
        return Outcome::Err("invalid_client_id".into());
    }
    if secret != world.app.client_secret {
        return Outcome::Err("bad_client_secret".into());
    }
    crate::events::uninstall(world, team);
    Outcome::Ok(json!({}))
}

/// Scopes are "a comma-separated list" (installing-with-oauth); OpenID
/// Connect's `scope` is space-separated. Either is taken (the fake's reading).
fn scopes_of(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn parse_scopes(text: Option<&str>) -> Vec<String> {
    scopes_of(text)
}

/// methods/oauth.v2.access: `grant_type` is optional ("as described in the
/// OAuth spec"): a code by default, or `refresh_token` for token rotation;
/// anything else `invalid_grant_type`.
fn oauth_v2_access(world: &mut World, call: &Call) -> Outcome {
    match call.str("grant_type").unwrap_or("authorization_code") {
        "authorization_code" => exchange_code(world, call),
        "refresh_token" => refresh(world, call),
        _ => Outcome::Err("invalid_grant_type".into()),
    }
}

fn exchange_code(world: &mut World, call: &Call) -> Outcome {
    let Some(code_value) = call.str("code") else {
        return Outcome::Err("invalid_code".into());
    };
    let Some(code) = world.codes.get_mut(code_value) else {
        return Outcome::Err("invalid_code".into());
    };
    // `invalid_code`; a code "expires after ten minutes"
    // (authentication/installing-with-oauth) and is good once (RFC 6749 §4.1.2).
    if code.used || code.issued.elapsed() > Duration::from_secs(600) {
        return Outcome::Err("invalid_code".into());
    }
    // A Sign in with Slack code: "The flow must be initiated via
    // /oauth/v2/authorize." (https://docs.slack.dev/reference/methods/oauth.v2.access)
    let CodeKind::Install {
        scopes,
        user_scopes,
    } = code.kind.clone()
    else {
        return Outcome::Err("oauth_authorization_url_mismatch".into());
    };
    // "This must match the originally submitted URI (if one was sent)";
    // sending one the authorize step lacked is refused too (the fake's
    // reading).
    if code.redirect_uri.as_deref() != call.str("redirect_uri") {
        return Outcome::Err("bad_redirect_uri".into());
    }
    code.used = true;
    let (team_id, installer) = (code.team.clone(), code.user.clone());
    if let Some(e) = code.org.clone() {
        return exchange_org_code(world, &e, &installer, scopes, user_scopes);
    }
    let (bot_user, team_name, enterprise) = {
        let t = &world.teams[&team_id];
        (
            t.seed.bot_user_id.clone(),
            t.seed.name.clone(),
            t.seed.enterprise_id.clone(),
        )
    };
    // A user-scope-only authorization (linking a person) installs no bot:
    // `user_scope` "instead of, or in addition to, the `scope` parameter"
    // (installing-with-oauth); the page's Sign in with Slack example has
    // only `authed_user`.
    let bot = (!scopes.is_empty())
        .then(|| world.mint_token(&team_id, &bot_user, TokenKind::Bot, scopes.clone()));
    if bot.is_some() {
        world
            .teams
            .get_mut(&team_id)
            .expect("code's team exists")
            .installed = true;
    }
    let mut authed_user = json!({"id": installer});
    if !user_scopes.is_empty() {
        let (user_token, user_refresh) =
            world.mint_token(&team_id, &installer, TokenKind::User, user_scopes.clone());
        authed_user = json!({
            "id": installer, "scope": user_scopes.join(","),
            "access_token": user_token, "token_type": "user",
        });
        if let Some(r) = user_refresh {
            authed_user["refresh_token"] = json!(r);
            authed_user["expires_in"] = json!(world.token_lifetime.as_secs());
        }
    }
    // The shape of the page's examples; `expires_in` and `refresh_token`
    // with token rotation. The enterprise's name: the fake's record of it.
    let mut out = json!({
        "app_id": world.app.app_id,
        "team": {"id": team_id, "name": team_name},
        "enterprise": enterprise.map(|e| json!({"id": e, "name": world.enterprise_name(&e)})),
        "authed_user": authed_user,
        "is_enterprise_install": false,
    });
    if let Some((token, refresh)) = bot {
        out["access_token"] = json!(token);
        out["token_type"] = json!("bot");
        out["scope"] = json!(scopes.join(","));
        out["bot_user_id"] = json!(bot_user);
        if let Some(r) = refresh {
            out["refresh_token"] = json!(r);
            out["expires_in"] = json!(world.token_lifetime.as_secs());
        }
    }
    Outcome::Ok(out)
}

/// The code of an org-wide install: org-level tokens, and the answer of
/// the org-install example (api.slack.com/enterprise/apps/reference):
/// `"team": null`, `enterprise {id, name}`, `"is_enterprise_install":
/// true`, the organisation's `bot_user_id`, a bot `access_token`, and
/// `authed_user` (with its own token when user scopes were asked). "Use the
/// `is_enterprise_install` boolean in the response … the app won't
/// actually be added to any workspaces yet" (same page): no workspace is
/// granted until an admin adds it (`team_access_granted`).
fn exchange_org_code(
    world: &mut World,
    enterprise: &str,
    installer: &str,
    scopes: Vec<String>,
    user_scopes: Vec<String>,
) -> Outcome {
    let Some(bot_user) = world.org_bot_user(enterprise) else {
        return Outcome::Err("invalid_code".into());
    };
    let bot = (!scopes.is_empty())
        .then(|| world.mint_org_token(enterprise, &bot_user, TokenKind::Bot, scopes.clone()));
    if bot.is_some() {
        crate::events::install_org(world, enterprise);
    }
    let mut authed_user = json!({"id": installer});
    if !user_scopes.is_empty() {
        let (token, refresh) =
            world.mint_org_token(enterprise, installer, TokenKind::User, user_scopes.clone());
        authed_user = json!({
            "id": installer, "scope": user_scopes.join(","),
            "access_token": token, "token_type": "user",
        });
        if let Some(r) = refresh {
            authed_user["refresh_token"] = json!(r);
            authed_user["expires_in"] = json!(world.token_lifetime.as_secs());
        }
    }
    let mut out = json!({
        "app_id": world.app.app_id,
        "team": null,
        "enterprise": {"id": enterprise, "name": world.enterprise_name(enterprise)},
        "authed_user": authed_user,
        "is_enterprise_install": true,
    });
    if let Some((token, refresh)) = bot {
        out["access_token"] = json!(token);
        out["token_type"] = json!("bot");
        out["scope"] = json!(scopes.join(","));
        out["bot_user_id"] = json!(bot_user);
        if let Some(r) = refresh {
            out["refresh_token"] = json!(r);
            out["expires_in"] = json!(world.token_lifetime.as_secs());
        }
    }
    Outcome::Ok(out)
}

/// `grant_type=refresh_token` (authentication/using-token-rotation):
/// `invalid_refresh_token` for an unknown or used one ("designed to be used
/// once"; Slack's grace period is not modelled). The answer mirrors the
/// code exchange's bot-level fields (docs are silent on a user token's;
/// the fake's reading).
fn refresh(world: &mut World, call: &Call) -> Outcome {
    let Some(value) = call.str("refresh_token") else {
        return Outcome::Err("invalid_refresh_token".into());
    };
    let Some(r) = world.refresh_tokens.get_mut(value) else {
        return Outcome::Err("invalid_refresh_token".into());
    };
    if r.used {
        return Outcome::Err("invalid_refresh_token".into());
    }
    r.used = true;
    let r = r.clone();
    // An org-level token is refreshed into another, with the org-install
    // answer's `team: null`, `enterprise` and `is_enterprise_install`.
    if let Some(e) = &r.org {
        let (token, refresh) = world.mint_org_token(e, &r.user, r.kind, r.scopes.clone());
        return Outcome::Ok(json!({
            "access_token": token,
            "token_type": match r.kind { TokenKind::Bot => "bot", TokenKind::User => "user" },
            "scope": r.scopes.join(","),
            "bot_user_id": (r.kind == TokenKind::Bot).then_some(r.user.clone()),
            "app_id": world.app.app_id,
            "team": null,
            "enterprise": {"id": e, "name": world.enterprise_name(e)},
            "is_enterprise_install": true,
            "refresh_token": refresh.unwrap_or_default(),
            "expires_in": world.token_lifetime.as_secs(),
        }));
    }
    let (token, refresh) = world.mint_token(&r.team, &r.user, r.kind, r.scopes.clone());
    let refresh = refresh.unwrap_or_default();
    let team_name = world.teams.get(&r.team).map(|t| t.seed.name.clone());
    let enterprise = world
        .teams
        .get(&r.team)
        .and_then(|t| t.seed.enterprise_id.clone());
    Outcome::Ok(json!({
        "access_token": token,
        "token_type": match r.kind { TokenKind::Bot => "bot", TokenKind::User => "user" },
        "scope": r.scopes.join(","),
        "bot_user_id": (r.kind == TokenKind::Bot).then_some(r.user.clone()),
        "app_id": world.app.app_id,
        "team": {"id": r.team, "name": team_name},
        "enterprise": enterprise.map(|e| json!({"id": e, "name": world.enterprise_name(&e)})),
        "is_enterprise_install": false,
        "refresh_token": refresh,
        "expires_in": world.token_lifetime.as_secs(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(is_private: bool, is_im: bool, is_mpim: bool) -> Channel {
        Channel {
            id: "G1".into(),
            name: String::new(),
            is_private,
            is_im,
            is_mpim,
            is_ext_shared: false,
            im_user: None,
            members: Vec::new(),
            messages: Vec::new(),
            created: 0,
            is_archived: false,
        }
    }

    /// events/message.mpim: a group DM's events carry `channel_type: "mpim"`;
    /// message.groups `group`, message.im `im`, message.channels `channel`.
    #[test]
    fn a_group_dms_channel_type_is_mpim() {
        assert_eq!(channel_type(&conversation(true, false, true)), "mpim");
        assert_eq!(channel_type(&conversation(true, true, false)), "im");
        assert_eq!(channel_type(&conversation(true, false, false)), "group");
        assert_eq!(channel_type(&conversation(false, false, false)), "channel");
    }
}
