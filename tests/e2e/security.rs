//! Security properties through the wire: tenant isolation between spaces and
//! workspaces, spoofed headers, token algorithm confusion (office tokens,
//! and Sign in with Slack's id_token against the JWKS the fake publishes)
//! and oversized bodies. Each attempt is refused and changes nothing (a full table scan
//! for the target and the fake Slack's call log are compared before and
//! after).
//!
//! Elsewhere: tampered and replayed OAuth state (`slack_connect`), tampered
//! and expired join links (`sign_in`, `unfurl`), tampered ID tokens
//! (`sign_in`), bad Slack signatures (`events_webhook`, `lambda_events`),
//! secrets kept out of logs (`no_secrets_in_logs`), and `alg: none` for the
//! office token (`hallway::auth::app_jwt` unit tests).

use base64::Engine;
use hallway::ids::{OfficeUserId, SpaceId, TeamId};
use hallway::store::Role;
use hallway_api::model;
use hallway_tests::{TestApp, spawn_app_without_worker};
use http::Method;
use serde_json::json;

use hallway_tests::demo::office;
use hallway_tests::demo::{ALICE, BOB, GENERAL};

/// A second space, Globex HQ (room Lobby), connected to the other
/// workspace, whose admin is Olga.
async fn other_space(app: &TestApp) -> (SpaceId, hallway::ids::RoomId) {
    let olga = OfficeUserId::new("olga").unwrap();
    let spaces = app.services.spaces();
    let globex = spaces
        .create("Globex HQ", Some(olga.clone()))
        .await
        .unwrap();
    app.services
        .members()
        .join(&globex.id, &olga, Role::Admin, 0)
        .await
        .unwrap();
    let lobby = spaces.add_room(&globex.id, "Lobby", 10).await.unwrap();
    spaces
        .connect(&globex.id, &TeamId::new("T0OTHER").unwrap())
        .await
        .unwrap();
    (globex.id, lobby.id)
}

/// Everything stored about `space` and every call made to Slack.
async fn footprint(app: &TestApp, space: &SpaceId) -> (Vec<(String, String)>, usize) {
    let mut items = app.items_mentioning(space.as_str()).await;
    items.sort();
    (items, app.slack.calls().len())
}

#[tokio::test]
async fn a_token_for_one_space_reaches_nothing_of_another() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let o = office(&app).await;
    let (y, lobby) = other_space(&app).await;
    let before = footprint(&app, &y).await;
    let depth = app.queue_depth().await;
    // Ada is an admin, of HQ only.
    let ada = app.token("ada", &[(&o.hq, Role::Admin)]);
    let s = format!("/api/v1/spaces/{y}");
    let room = json!({ "room_id": lobby.as_str() });
    let routes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, s.clone(), None),
        (
            Method::PATCH,
            format!("{s}/settings"),
            Some(json!({"guest_limit": 5})),
        ),
        (Method::GET, format!("{s}/rooms"), None),
        (Method::GET, format!("{s}/rooms/choice"), None),
        (
            Method::POST,
            format!("{s}/rooms"),
            Some(json!({"name": "Mine", "capacity": 3})),
        ),
        (
            Method::PATCH,
            format!("{s}/rooms/{lobby}"),
            Some(json!({"name": "Taken"})),
        ),
        (Method::DELETE, format!("{s}/rooms/{lobby}"), None),
        (
            Method::PUT,
            format!("{s}/presence"),
            Some(json!({"rooms": {lobby.as_str(): ["ada"]}})),
        ),
        (Method::GET, format!("{s}/members"), None),
        (Method::GET, format!("{s}/slack"), None),
        (Method::POST, format!("{s}/slack/connect"), None),
        (Method::DELETE, format!("{s}/slack"), None),
        (Method::POST, format!("{s}/slack/link"), None),
        (Method::POST, format!("{s}/join-links"), Some(room.clone())),
        (
            Method::POST,
            format!("{s}/join-links"),
            Some(json!({"room_id": lobby.as_str(), "guest": true})),
        ),
        (
            Method::POST,
            format!("{s}/invites"),
            Some(json!({"room_id": lobby.as_str(), "slack_user_ids": ["U0OTHER01"]})),
        ),
        (Method::GET, format!("{s}/invites/01JINVITE"), None),
        (Method::GET, format!("{s}/directory"), None),
        (Method::POST, format!("{s}/directory/refresh"), None),
        (Method::GET, format!("{s}/me"), None),
        (Method::PUT, format!("{s}/me/home-room"), Some(room)),
        (Method::PUT, format!("{s}/me/starred/U0OTHER01"), None),
        (Method::DELETE, format!("{s}/me/starred/U0OTHER01"), None),
        (Method::GET, format!("{s}/people"), None),
        (Method::POST, format!("{s}/people/U0OTHER01/chat"), None),
        (
            Method::POST,
            format!("{s}/people/U0OTHER01/messages"),
            Some(json!({"text": "hi"})),
        ),
        (Method::GET, format!("{s}/people/U0OTHER01/messages"), None),
        (Method::GET, format!("{s}/sync"), None),
        (Method::POST, format!("{s}/sync/U0OTHER01/prompt"), None),
        (Method::POST, format!("{s}/sync/U0OTHER01/reprompt"), None),
        (Method::POST, format!("{s}/sync/prompt-all"), None),
        (Method::POST, format!("{s}/sync/U0OTHER01/reset"), None),
        (Method::DELETE, format!("{s}/sync/U0OTHER01"), None),
        (Method::GET, format!("{s}/audit"), None),
    ];
    for (method, path, body) in routes {
        // Untyped on purpose: the leak check reads the whole raw answer,
        // which an `ErrorBody` would cut down to its `error`.
        let (code, answer) = app.api(method.clone(), &path, Some(&ada), body).await;
        assert_eq!(code, 403, "{method} {path}: {answer}");
        assert!(
            !answer.to_string().contains("Globex") && !answer.to_string().contains("Lobby"),
            "{method} {path} leaks the other space: {answer}"
        );
        serde_json::from_value::<model::ErrorBody>(answer.clone())
            .unwrap_or_else(|e| panic!("{method} {path}: not an error body: {e}: {answer}"));
    }
    // A role claimed for the space in an unsigned or re-signed token is no
    // way in either: the token is checked before any role is read.
    let forged = forge_roles(&ada, &y);
    let (code, _) = app.api_err(Method::GET, &s, Some(&forged), None).await;
    assert_eq!(code, 401);
    // The admin page runs the same use cases: refused there too.
    let login = app
        .http
        .post(app.url("/admin/login"))
        .header("origin", &app.base_url)
        .form(&[("token", ada.as_str()), ("space", o.hq.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = app
        .http
        .get(app.url(&format!("/admin/spaces/{y}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    for form in [
        vec![("action", "prompt_all")],
        vec![("action", "settings"), ("auto_prompt", "on")],
        vec![("action", "disconnect")],
    ] {
        let page = app
            .http
            .post(app.url(&format!("/admin/spaces/{y}/action")))
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 403, "{form:?}");
    }

    assert_eq!(
        footprint(&app, &y).await,
        before,
        "nothing of Globex changed"
    );
    assert_eq!(app.queue_depth().await, depth, "nothing queued");
}

/// Ada's token with an admin role for `space` added to its claims, signed
/// with a key that is not the app's.
fn forge_roles(token: &str, space: &SpaceId) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (header, payload) = (parts.next().unwrap(), parts.next().unwrap());
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
    claims["roles"][space.as_str()] = json!("admin");
    let payload = b64.encode(claims.to_string());
    let wrong = hallway::auth::AppJwt::new(&hallway::secrets::Secret::new("not-the-key"));
    let resigned = wrong.issue(&claims);
    let signature = resigned.rsplit('.').next().unwrap();
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn office_tokens_with_another_algorithm_are_refused() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let o = office(&app).await;
    let ada = app.token("ada", &[(&o.hq, Role::Admin)]);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = ada.split('.').nth(1).unwrap();
    let signature = ada.rsplit('.').next().unwrap();
    let path = format!("/api/v1/spaces/{}", o.hq);
    assert_eq!(
        app.api_ok::<model::Space>(Method::GET, &path, Some(&ada), None)
            .await
            .0,
        200
    );
    for header in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"None","typ":"JWT"}"#,
        r#"{"alg":"RS256","typ":"JWT"}"#,
        r#"{"alg":"HS512","typ":"JWT"}"#,
        r#"{"alg":"ES256","typ":"JWT"}"#,
    ] {
        let h = b64.encode(header);
        for token in [
            format!("{h}.{payload}."),
            format!("{h}.{payload}.{signature}"),
        ] {
            let (code, body) = app.api_err(Method::GET, &path, Some(&token), None).await;
            assert_eq!(code, 401, "{header}: {body:?}");
        }
    }
    // HS512 signed with the app's own secret is still not HS256.
    let key = jsonwebtoken::EncodingKey::from_secret(b"e2e-jwt-secret");
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &key,
    )
    .unwrap();
    assert_eq!(
        app.api_err(Method::GET, &path, Some(&hs512), None).await.0,
        401
    );
}

#[tokio::test]
async fn spoofed_team_headers_and_fields_do_not_move_a_command_to_another_team() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let _o = office(&app).await;
    let (y, _) = other_space(&app).await;
    let before = footprint(&app, &y).await;
    let form = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("token", "legacy-verification-token"),
            ("team_id", "T0DEMO"),
            ("channel_id", GENERAL),
            ("user_id", ALICE),
            ("command", "/hallway"),
            ("text", "<@U0DEMO02> 'Globex HQ' Lobby"),
            (
                "response_url",
                "https://hooks.slack.com/commands/T0DEMO/1/x",
            ),
            ("trigger_id", "1.2.3"),
        ];
        pairs.extend_from_slice(extra);
        serde_urlencoded::to_string(pairs).unwrap()
    };
    // Headers a proxy or a client might add to claim another workspace.
    let spoofed: &[(&str, &str)] = &[
        ("x-slack-team-id", "T0OTHER"),
        ("x-slack-enterprise-id", "E0OTHER"),
        ("x-forwarded-host", "globex.example"),
        ("x-hallway-team", "T0OTHER"),
    ];
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &form(&[]),
            spoofed,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let reply: serde_json::Value = resp.json().await.unwrap();
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or("")
            .contains("no space or room called 'Globex HQ"),
        "{reply}"
    );
    // A second team_id in the signed form is refused, not resolved.
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &form(&[("team_id", "T0OTHER")]),
            &[],
        )
        .await;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert!(
        status == 400 || (status == 200 && text.contains("ephemeral") && !text.contains("Lobby")),
        "{status} {text}"
    );
    assert_eq!(
        footprint(&app, &y).await,
        before,
        "nothing of Globex changed"
    );
    assert_eq!(app.queue_depth().await, 0, "nothing queued");
    assert!(app.slack.dm_messages("T0DEMO", BOB).is_empty());
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    let o = office(&app).await;
    let before = footprint(&app, &o.hq).await;
    let big = "x".repeat(600 * 1024);
    for path in ["/slack/events", "/slack/commands", "/slack/interactivity"] {
        let resp = app
            .post_signed(path, "application/x-www-form-urlencoded", &big, &[])
            .await;
        assert_eq!(resp.status(), 413, "{path}");
    }
    // The API's bodies are small JSON; a large one is refused whole.
    let ada = app.token("ada", &[(&o.hq, Role::Admin)]);
    let huge = json!({ "name": "y".repeat(300 * 1024) });
    let (code, body) = app
        .api_err(Method::POST, "/api/v1/spaces", Some(&ada), Some(huge))
        .await;
    assert_eq!(code, 413, "{body:?}");
    let (code, body) = app
        .api_err(
            Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&ada),
            Some(json!({ "rooms": { o.hall.as_str(): vec!["someone-with-a-long-name"; 20_000] } })),
        )
        .await;
    assert_eq!(code, 413, "{body:?}");
    // A chunked body (no length given) is cut off once it grows too big.
    assert_eq!(
        chunked_post(app.addr, "/slack/events", 2 * 1024 * 1024).await,
        413
    );
    assert_eq!(footprint(&app, &o.hq).await, before, "nothing changed");
    assert_eq!(app.queue_depth().await, 0);
}

/// Posts `len` bytes with `transfer-encoding: chunked` over a raw socket
/// and returns the status the server answered (it may answer, and close,
/// before everything is sent).
async fn chunked_post(addr: std::net::SocketAddr, path: &str, len: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nx-slack-request-timestamp: 1\r\n\
         x-slack-signature: v0=00\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'{'; 64 * 1024];
    let mut sent = 0;
    while sent < len {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(&chunk);
        frame.extend_from_slice(b"\r\n");
        if sock.write_all(&frame).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_id_token_in_another_algorithm_signs_nobody_in() {
    let Some(app) = spawn_app_without_worker().await else {
        return;
    };
    // Slack's published keys, fetched over HTTP as the verifier does.
    let jwks: serde_json::Value = app
        .http
        .get(format!(
            "{}{}",
            app.slack.base_url(),
            hallway::auth::oidc::KEYS_PATH
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    let kid = jwk["kid"].as_str().unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = app.now_secs();
    let claims = json!({
        "iss": hallway::auth::oidc::ISSUER, "aud": app.services.secrets.client_id, "sub": "U0DEMO01",
        "exp": now + 600, "iat": now, "nonce": "n-1",
        "https://slack.com/team_id": "T0DEMO", "https://slack.com/user_id": "U0DEMO01",
    });
    // The classic swap: HS256 keyed with the public key Slack publishes.
    let public = jwk["n"].as_str().unwrap().as_bytes().to_vec();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    let hs256 = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&public),
    )
    .unwrap();
    let unsigned = format!(
        "{}.{}.",
        b64.encode(json!({"alg": "none", "kid": kid}).to_string()),
        b64.encode(claims.to_string())
    );
    for token in [hs256, unsigned] {
        let verified = app
            .services
            .oidc
            .verify(&hallway::secrets::Secret::new(token.clone()), "n-1")
            .await;
        assert!(verified.is_err(), "accepted {token}");
    }
}
