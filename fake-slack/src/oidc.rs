//! The browser-facing pages (`/oauth/v2/authorize`,
//! `/openid/connect/authorize`), which approve at once and redirect back with
//! a code, and Sign in with Slack's token, userInfo and key-set endpoints.
//!
//! Install and Sign in with Slack are separate flows with their own
//! authorize URLs and exchange methods
//! (https://docs.slack.dev/authentication/sign-in-with-slack, "key
//! differences"): a code is exchanged only by its own flow's method.
//! A `redirect_uri` must be one of the app's Redirect URLs or below one
//! ([`redirect_allowed`]); the exchange must repeat it.
//!
//! id_tokens are RS256-signed with a test key that ships with the fake
//! (`keys/oidc-test-key.pem`); it signs nothing real.

use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use http::StatusCode;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::api::{Call, Outcome, parse_scopes};
use crate::world::{Code, CodeKind, FaultKind, RecordedCall, TokenKind, World, random_hex};

const KEY_PEM: &str = include_str!("../keys/oidc-test-key.pem");
pub const KEY_ID: &str = "hallway-fake-slack-1";
/// The issuer real Slack puts in id_tokens, whatever URL served them
/// (`"issuer": "https://slack.com"` in the discovery document on
/// https://docs.slack.dev/authentication/sign-in-with-slack).
pub const ISSUER: &str = "https://slack.com";

static SIGNING_KEY: LazyLock<EncodingKey> = LazyLock::new(|| {
    EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("the bundled key parses")
});

/// The public half, as Slack publishes it at `/openid/connect/keys` (the
/// `jwks_uri` of https://docs.slack.dev/authentication/sign-in-with-slack;
/// `id_token_signing_alg_values_supported: ["RS256"]`).
pub fn jwks() -> JwkSet {
    let mut jwk = Jwk::from_encoding_key(&SIGNING_KEY, Algorithm::RS256).expect("RSA key → JWK");
    jwk.common.key_id = Some(KEY_ID.into());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
    JwkSet { keys: vec![jwk] }
}

pub(crate) async fn keys() -> axum::Json<JwkSet> {
    axum::Json(jwks())
}

fn page(status: StatusCode, title: &str, detail: &str) -> Response {
    let (title, detail) = (escape(title), escape(detail));
    (
        status,
        Html(format!(
            "<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>"
        )),
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether Slack lets `redirect_uri` through: "Your `redirect_uri` must
/// match or be a subdirectory of a Redirect URL configured under **App
/// Management**", where another scheme, host or port is refused
/// (https://docs.slack.dev/authentication/installing-with-oauth, its GOOD
/// and BAD examples); Sign in with Slack's is "either an exact match or a
/// subdirectory of one of the redirect URLs in your app settings"
/// (https://docs.slack.dev/authentication/sign-in-with-slack). "A Redirect
/// URL can _not_ contain an anchor (`#`)", so nothing with one matches.
/// No Redirect URLs registered: the fake lets anything through, for
/// callers that never register theirs.
pub fn redirect_allowed(registered: &[String], redirect_uri: &str) -> bool {
    if registered.is_empty() {
        return true;
    }
    let Ok(asked) = url::Url::parse(redirect_uri) else {
        return false;
    };
    if asked.fragment().is_some() {
        return false;
    }
    registered
        .iter()
        .filter_map(|r| url::Url::parse(r).ok())
        .any(|r| {
            r.scheme() == asked.scheme()
                && r.host_str() == asked.host_str()
                && r.port_or_known_default() == asked.port_or_known_default()
                && below(r.path(), asked.path())
        })
}

/// `path` is `base` or a subdirectory of it (`/path/sub`, not `/pathology`).
fn below(base: &str, path: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || base.ends_with('/') || rest.starts_with('/'))
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> Result<String, ()> {
    let mut url = url::Url::parse(base).map_err(|_| ())?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    Ok(url.into())
}

/// Shared by both authorize pages.
fn authorize(shared: &Shared, params: &Map<String, Value>, openid: bool) -> Response {
    let get = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let page_name = if openid {
        "openid.authorize"
    } else {
        "oauth.authorize"
    };
    let mut world = shared.lock();
    let mut record = RecordedCall {
        seq: 0,
        method: page_name.into(),
        at_millis: 0,
        team: None,
        auth: "none".into(),
        params: Value::Object(params.clone()),
        status: 302,
        error: None,
        retry_after: None,
    };
    // The fake's own refusal: Slack's page for an unknown client_id is not
    // documented.
    if get("client_id") != Some(world.app.client_id.as_str()) {
        record.status = 400;
        record.error = Some("invalid_client_id".into());
        world.record(record);
        return page(
            StatusCode::BAD_REQUEST,
            "Invalid client_id",
            "The app's client id is not known to this Slack.",
        );
    }
    let registered = world.app.redirect_urls.clone();
    // Without a `redirect_uri`, "the OAuth flow will use the first Redirect
    // URL listed" (https://docs.slack.dev/authentication/installing-with-oauth);
    // the exchange then needs none, as only a passed one must be repeated.
    let (redirect_uri, passed) = match get("redirect_uri") {
        Some(uri) => (uri.to_owned(), true),
        None => match registered.first() {
            Some(first) => (first.clone(), false),
            None => {
                record.status = 400;
                record.error = Some("bad_redirect_uri".into());
                world.record(record);
                return page(
                    StatusCode::BAD_REQUEST,
                    "Missing redirect_uri",
                    "The fake Slack needs redirect_uri, or a registered Redirect URL.",
                );
            }
        },
    };
    // An unregistered redirect_uri is refused on Slack's own page, and the
    // browser is not sent back: the page reads "redirect_uri did not match
    // any configured URIs. Passed URI: …" (reported in outline/outline#688
    // and slackapi/slack-skills-plugin#19; the rule itself is on
    // https://docs.slack.dev/authentication/installing-with-oauth).
    if !redirect_allowed(&registered, &redirect_uri) {
        record.status = 400;
        record.error = Some("bad_redirect_uri".into());
        world.record(record);
        return page(
            StatusCode::BAD_REQUEST,
            "OAuth Error",
            &format!("redirect_uri did not match any configured URIs. Passed URI: {redirect_uri}"),
        );
    }
    let state = get("state").unwrap_or_default().to_owned();
    // Sign in with Slack: `response_type` "Set equal to `code`", and
    // `openid` is "the base scope you always need to request"
    // (https://docs.slack.dev/authentication/sign-in-with-slack).
    if openid {
        if get("response_type") != Some("code") {
            record.status = 400;
            record.error = Some("invalid_response_type".into());
            world.record(record);
            return page(
                StatusCode::BAD_REQUEST,
                "Invalid response_type",
                "Sign in with Slack needs response_type=code.",
            );
        }
        if !parse_scopes(get("scope")).iter().any(|s| s == "openid") {
            record.status = 400;
            record.error = Some("invalid_scope".into());
            world.record(record);
            return page(
                StatusCode::BAD_REQUEST,
                "Invalid scope",
                "Sign in with Slack needs the openid scope.",
            );
        }
    }
    // Who approves: the person at the browser (set with `act_as`), whose own
    // workspace wins over the `team` hint ("If the user is not signed in
    // yet… That workspace will then be used… regardless of any `team`
    // parameter", https://docs.slack.dev/authentication/installing-with-oauth#team);
    // else the hinted workspace's admin; else the first workspace's.
    let (team, user) = match (world.acting.clone(), get("team")) {
        (Some((t, u)), _) => (t, Some(u)),
        (None, Some(t)) if world.teams.contains_key(t) => (
            t.to_owned(),
            world.teams[t].approver().map(|u| u.id.clone()),
        ),
        _ => match world.teams.values().next() {
            Some(t) => (t.seed.id.clone(), t.approver().map(|u| u.id.clone())),
            None => {
                world.record(record);
                return page(
                    StatusCode::BAD_REQUEST,
                    "No workspace",
                    "The fake Slack has no workspace.",
                );
            }
        },
    };
    // An org-wide install (test hook: the admin picked the organisation on
    // the page): only for an app with org-wide deployment enabled (the
    // manifest's `org_deploy_enabled`; Slack offers no organisation
    // otherwise, so the fake refuses on its own page), installed by someone
    // of the organisation: the acting person when they belong to it, else
    // its first admin.
    let org = if openid {
        None
    } else {
        world.acting_org.clone()
    };
    let (team, user) = match &org {
        None => (team, user),
        Some(e) => {
            if !world.app.org_deploy_enabled {
                record.status = 400;
                record.error = Some("org_deploy_not_enabled".into());
                world.record(record);
                return page(
                    StatusCode::BAD_REQUEST,
                    "Not an organization-ready app",
                    "The app does not have org-wide deployment enabled (org_deploy_enabled).",
                );
            }
            let teams = world.org_teams(e);
            let acting = world
                .acting
                .clone()
                .filter(|(t, u)| teams.contains(t) && world.teams[t].user(u).is_some());
            let admin = || {
                teams.iter().find_map(|t| {
                    world.teams[t]
                        .seed
                        .users
                        .iter()
                        .find(|u| u.is_admin && !u.is_bot)
                        .map(|u| (t.clone(), u.id.clone()))
                })
            };
            match acting.or_else(admin) {
                Some((t, u)) => (t, Some(u)),
                None => {
                    world.record(record);
                    return page(
                        StatusCode::BAD_REQUEST,
                        "No organization admin",
                        "The fake Slack has no admin in that organization.",
                    );
                }
            }
        }
    };
    record.team = Some(team.clone());
    // A person who declines is sent back with `error=access_denied` and the
    // `state` (OAuth 2.0's authorization error response, RFC 6749
    // §4.1.2.1, which Slack's flow follows; its pages do not show it).
    if let Some(FaultKind::Deny) = world.take_fault(page_name, Some(&team)) {
        record.error = Some("access_denied".into());
        world.record(record);
        let mut pairs = vec![("error", "access_denied")];
        if !state.is_empty() {
            pairs.push(("state", state.as_str()));
        }
        return match with_query(&redirect_uri, &pairs) {
            Ok(url) => Redirect::to(&url).into_response(),
            Err(()) => page(StatusCode::BAD_REQUEST, "Bad redirect_uri", "Not a URL."),
        };
    }
    let Some(user) = user else {
        world.record(record);
        return page(
            StatusCode::BAD_REQUEST,
            "No user",
            "The workspace has nobody to approve.",
        );
    };
    let code = format!("{}.{}", random_hex(6), random_hex(16));
    let kind = if openid {
        CodeKind::OpenId {
            nonce: get("nonce").map(str::to_owned),
            scopes: parse_scopes(get("scope")),
        }
    } else {
        CodeKind::Install {
            scopes: parse_scopes(get("scope")),
            user_scopes: parse_scopes(get("user_scope")),
        }
    };
    world.codes.insert(
        code.clone(),
        Code {
            team,
            user,
            redirect_uri: passed.then(|| redirect_uri.clone()),
            kind,
            issued: Instant::now(),
            used: false,
            org,
        },
    );
    world.record(record);
    // Back with `code` and the `state` as sent (RFC 6749 §4.1.2; "Check the
    // `state` parameter if you sent one",
    // https://docs.slack.dev/authentication/installing-with-oauth).
    let mut pairs = vec![("code", code.as_str())];
    if !state.is_empty() {
        pairs.push(("state", state.as_str()));
    }
    match with_query(&redirect_uri, &pairs) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(()) => page(StatusCode::BAD_REQUEST, "Bad redirect_uri", "Not a URL."),
    }
}

pub(crate) async fn oauth_authorize(
    State(shared): State<Shared>,
    Query(params): Query<Map<String, Value>>,
) -> Response {
    authorize(&shared, &params, false)
}

pub(crate) async fn openid_authorize(
    State(shared): State<Shared>,
    Query(params): Query<Map<String, Value>>,
) -> Response {
    authorize(&shared, &params, true)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What the id_token and `openid.connect.userInfo` both say of a person.
/// The claims and their shape are the decoded id_token on
/// https://docs.slack.dev/reference/methods/openid.connect.token and the
/// answer on https://docs.slack.dev/reference/methods/openid.connect.userInfo.
fn claims(world: &World, team: &str, user: &str) -> Map<String, Value> {
    let t = &world.teams[team];
    let u = t.user(user);
    let name = u.map(|u| u.real_name.clone()).unwrap_or_default();
    let (given, family) = match name.split_once(' ') {
        Some((g, f)) => (g.to_owned(), f.to_owned()),
        None => (name.clone(), String::new()),
    };
    let mut c = Map::new();
    c.insert("sub".into(), json!(user));
    c.insert("https://slack.com/user_id".into(), json!(user));
    c.insert("https://slack.com/team_id".into(), json!(team));
    if let Some(e) = &t.seed.enterprise_id {
        c.insert("https://slack.com/enterprise_id".into(), json!(e));
    }
    if let Some(email) = u.and_then(|u| u.email.clone()) {
        c.insert("email".into(), json!(email));
        c.insert("email_verified".into(), json!(true));
        c.insert("date_email_verified".into(), json!(1_690_000_000));
    }
    c.insert("name".into(), json!(name));
    c.insert("given_name".into(), json!(given));
    c.insert("family_name".into(), json!(family));
    c.insert("locale".into(), json!("en-US"));
    c.insert(
        "picture".into(),
        json!(format!("https://avatars.example.com/{user}_512.png")),
    );
    for size in [24, 32, 48, 72, 192, 512] {
        c.insert(
            format!("https://slack.com/user_image_{size}"),
            json!(format!("https://avatars.example.com/{user}_{size}.png")),
        );
    }
    for size in [34, 44, 68, 88, 102, 132, 230] {
        c.insert(
            format!("https://slack.com/team_image_{size}"),
            json!(format!("https://avatars.example.com/{team}_{size}.png")),
        );
    }
    c.insert("https://slack.com/team_image_default".into(), json!(true));
    c
}

pub(crate) fn token(world: &mut World, call: &Call) -> Outcome {
    let Some(value) = call.str("code") else {
        return Outcome::Err("invalid_code".into());
    };
    let Some(code) = world.codes.get_mut(value) else {
        return Outcome::Err("invalid_code".into());
    };
    // A code "expires after ten minutes"
    // (https://docs.slack.dev/authentication/installing-with-oauth) and is
    // good once (RFC 6749 §4.1.2).
    if code.used || code.issued.elapsed() > Duration::from_secs(600) {
        return Outcome::Err("invalid_code".into());
    }
    // A code of the install flow: "The OAuth flow was initiated on an
    // incorrect version of the authorization url. The flow must be
    // initiated via /openid/connect/authorize."
    // (https://docs.slack.dev/reference/methods/openid.connect.token).
    let CodeKind::OpenId { nonce, scopes } = code.kind.clone() else {
        return Outcome::Err("oauth_authorization_url_mismatch".into());
    };
    // "The value passed for `redirect_uri` did not match the `redirect_uri`
    // in the original request"; optional, but "_required_ if your app
    // passed it as a parameter" to authorize (same page).
    if code.redirect_uri.as_deref() != call.str("redirect_uri") {
        return Outcome::Err("bad_redirect_uri".into());
    }
    code.used = true;
    let (team, user) = (code.team.clone(), code.user.clone());
    let (access, _) = world.mint_token(&team, &user, TokenKind::User, scopes);
    let now = now_secs();
    let mut c = claims(world, &team, &user);
    c.insert("iss".into(), json!(ISSUER));
    c.insert("aud".into(), json!(world.app.client_id));
    c.insert("iat".into(), json!(now));
    // The id_token's lifetime is not documented; the sample on
    // https://docs.slack.dev/authentication/sign-in-with-slack has `exp`
    // 300 s after `iat`, as here.
    c.insert("exp".into(), json!(now + 300));
    c.insert("auth_time".into(), json!(now));
    if let Some(n) = nonce {
        c.insert("nonce".into(), json!(n));
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.into());
    let id_token = match jsonwebtoken::encode(&header, &Value::Object(c), &SIGNING_KEY) {
        Ok(t) => t,
        Err(_) => return Outcome::Err("internal_error".into()),
    };
    // The answer's shape: "Response" on
    // https://docs.slack.dev/authentication/sign-in-with-slack.
    Outcome::Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "id_token": id_token,
    }))
}

pub(crate) fn user_info(world: &World, team: &str, user: &str, kind: TokenKind) -> Outcome {
    // A user token with `openid`
    // (https://docs.slack.dev/reference/methods/openid.connect.userInfo).
    // Which error a bot token gets is unconfirmed; `not_allowed_token_type`
    // ("The token type used in this request is not allowed") is the name
    // Slack's method pages give a wrong token type.
    if kind != TokenKind::User {
        return Outcome::Err("not_allowed_token_type".into());
    }
    // Only userInfo names the workspace: its answer on
    // https://docs.slack.dev/reference/methods/openid.connect.userInfo has
    // `team_name` and `team_domain`, the id_token decoded on
    // https://docs.slack.dev/reference/methods/openid.connect.token has
    // neither.
    let mut c = claims(world, team, user);
    let t = &world.teams[team];
    c.insert("https://slack.com/team_name".into(), json!(t.seed.name));
    c.insert("https://slack.com/team_domain".into(), json!(t.seed.domain));
    Outcome::Ok(Value::Object(c))
}

/// Rewrites the id_token's payload (a different user) and keeps the old
/// signature, as an attacker in the middle would. (A test fault, not
/// Slack behaviour.)
pub(crate) fn tamper(body: &mut Value) {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Some(token) = body.get("id_token").and_then(Value::as_str) else {
        return;
    };
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    if parts.len() != 3 {
        return;
    }
    let Ok(payload) = URL_SAFE_NO_PAD.decode(&parts[1]) else {
        return;
    };
    let Ok(mut claims) = serde_json::from_slice::<Value>(&payload) else {
        return;
    };
    claims["https://slack.com/user_id"] = json!("UIMPOSTOR");
    claims["sub"] = json!("UIMPOSTOR");
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    body["id_token"] = json!(parts.join("."));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_match_or_sit_below_a_registered_url() {
        // The GOOD and BAD examples on
        // https://docs.slack.dev/authentication/installing-with-oauth.
        let registered = vec!["https://example.com/path".to_owned()];
        for good in [
            "https://example.com/path",
            "https://example.com/path/subdir/other",
        ] {
            assert!(redirect_allowed(&registered, good), "{good}");
        }
        for bad in [
            "http://example.com/bar",
            "http://example.com/",
            "http://example.com:8080/path",
            "http://oauth.example.com:8080/path",
            "http://example.org",
            "https://example.com/bar",
            "https://example.com/pathology",
            "https://example.com/path/../elsewhere",
            "https://example.com/path#fragment",
            "not a url",
        ] {
            assert!(!redirect_allowed(&registered, bad), "{bad}");
        }
        assert!(
            redirect_allowed(&[], "http://anything.example/at/all"),
            "nothing registered: anything goes"
        );
        let with_port = vec!["http://127.0.0.1:4000/slack/oauth/callback".to_owned()];
        assert!(redirect_allowed(
            &with_port,
            "http://127.0.0.1:4000/slack/oauth/callback"
        ));
        assert!(!redirect_allowed(
            &with_port,
            "http://127.0.0.1:4001/slack/oauth/callback"
        ));
    }
}
