//! The production Slack client against the fake Slack, over real HTTP.

use std::time::Duration;

use hallway::secrets::Secret;
use hallway::slack::SlackClient;
use hallway::slack::SlackError;
use hallway_fake_slack::{AppConfig, FakeSlack, Fault, FaultKind, Limit, TeamSeed};
use jsonwebtoken::jwk::JwkSet;
use serde_json::{Map, Value, json};

const ALL_SCOPES: &[&str] = &[
    "users:read",
    "users:read.email",
    "channels:read",
    "im:write",
    "chat:write",
];

async fn setup(people: usize) -> (FakeSlack, SlackClient, Secret) {
    let slack = FakeSlack::start(
        AppConfig::default(),
        vec![TeamSeed::with_people("T1", "Acme", people)],
    )
    .await
    .unwrap();
    let client =
        SlackClient::new(slack.base_url().parse().unwrap(), Duration::from_secs(2)).unwrap();
    let token = Secret::new(slack.issue_bot_token("T1", ALL_SCOPES));
    (slack, client, token)
}

#[tokio::test]
async fn auth_test_identifies_the_bot() {
    let (slack, client, token) = setup(3).await;
    let me = client.auth_test(&token).await.unwrap();
    assert_eq!(me.base.team_id.to_string(), "T1");
    assert_eq!(me.base.user_id.to_string(), "UB1");
    assert!(me.base.bot_id.is_some());
    let call = &slack.calls_to("auth.test")[0];
    assert_eq!(call.auth, "bot");
    assert_eq!(call.status, 200);
}

#[tokio::test]
async fn auth_errors_are_typed_for_reauthorization() {
    let (slack, client, token) = setup(1).await;
    let err = client
        .auth_test(&Secret::new("xoxb-made-up"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::TokenRefused {
            method: "auth.test".into(),
            code: "invalid_auth".into()
        }
    );
    assert!(err.token_may_be_dead());
    // Uninstalling revokes every token of the team.
    let app = AppConfig::default();
    let _: Value = client
        .call_form(
            "apps.uninstall",
            hallway::slack::client::Auth::Bearer(&token),
            &json!({"client_id": app.client_id, "client_secret": app.client_secret}),
        )
        .await
        .unwrap();
    // A bot token of a removed app: `account_inactive` ("a deleted user
    // or workspace when using a bot token"; `token_revoked` is the user
    // token's answer).
    let err = client.auth_test(&token).await.unwrap_err();
    assert_eq!(
        err,
        SlackError::TokenRefused {
            method: "auth.test".into(),
            code: "account_inactive".into()
        }
    );
    // The record never holds the client secret.
    let call = &slack.calls_to("apps.uninstall")[0];
    assert_eq!(call.params["client_secret"], "[redacted]");
}

#[tokio::test]
async fn injected_invalid_auth_says_the_token_may_be_dead() {
    let (slack, client, token) = setup(1).await;
    slack.inject(Fault {
        method: Some("users.info".into()),
        team: None,
        kind: FaultKind::Error {
            error: "invalid_auth".into(),
        },
        times: 1,
    });
    let err = client.users_info(&token, "U0000001").await.unwrap_err();
    assert!(err.token_may_be_dead());
    // The fault was used up: the next call works.
    let user = client.users_info(&token, "U0000001").await.unwrap();
    assert_eq!(user.id, "U0000001");
}

#[tokio::test]
async fn missing_scope_reports_needed_and_provided() {
    let (slack, client, _) = setup(2).await;
    let narrow = Secret::new(slack.issue_bot_token("T1", &["chat:write"]));
    let err = client
        .users_page(&narrow, "T0DEMO", None, 100)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::MissingScope {
            needed: "users:read".into(),
            provided: "chat:write".into()
        }
    );
}

#[tokio::test]
async fn rate_limits_come_back_with_retry_after() {
    let (slack, client, token) = setup(2).await;
    slack.set_limit(
        "users.list",
        Limit {
            calls: 2,
            window_millis: 3_000,
        },
    );
    client.users_page(&token, "T0DEMO", None, 10).await.unwrap();
    client.users_page(&token, "T0DEMO", None, 10).await.unwrap();
    let err = client
        .users_page(&token, "T0DEMO", None, 10)
        .await
        .unwrap_err();
    let wait = err.retry_after().expect("a 429 carries Retry-After");
    assert!((1..=3).contains(&wait.as_secs()), "{wait:?}");
    assert!(err.is_transient());
    let limited = slack.calls_to("users.list");
    assert_eq!(limited.last().unwrap().status, 429);
    assert_eq!(limited.last().unwrap().retry_after, Some(wait.as_secs()));
    // Limits are per method: another method still answers.
    client.users_info(&token, "U0000001").await.unwrap();
    // And they lift once the window passes.
    tokio::time::sleep(wait + Duration::from_millis(200)).await;
    client.users_page(&token, "T0DEMO", None, 10).await.unwrap();
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient() {
    let (slack, client, token) = setup(1).await;
    slack.inject(Fault {
        method: Some("auth.test".into()),
        team: None,
        kind: FaultKind::Status { status: 503 },
        times: 1,
    });
    let err = client.auth_test(&token).await.unwrap_err();
    assert!(matches!(err, SlackError::Http { status: 503, .. }), "{err}");
    assert!(err.is_transient());
    slack.inject(Fault {
        method: Some("auth.test".into()),
        team: None,
        kind: FaultKind::Delay { millis: 3_000 },
        times: 1,
    });
    let started = std::time::Instant::now();
    let err = client.auth_test(&token).await.unwrap_err();
    assert!(matches!(err, SlackError::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(2_900),
        "gave up at the client timeout"
    );
}

#[tokio::test]
async fn pagination_follows_cursors_not_page_sizes() {
    let (slack, client, token) = setup(25).await;
    // Pages shorter than asked for: the client must keep going.
    slack.set_max_page(7);
    let first = client
        .users_page(&token, "T0DEMO", None, 200)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 7);
    assert!(first.next_cursor.is_some());
    let members = client.conversation_members(&token, "C1GEN").await.unwrap();
    assert_eq!(members.len(), 25);
    let mut unique = members.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 25, "no page twice");
    assert_eq!(slack.calls_to("conversations.members").len(), 4);
    let all: Vec<Value> = client
        .all_pages("users.list", &token, &Map::new(), "members", 200)
        .await
        .unwrap();
    assert_eq!(all.len(), 26, "25 people and the bot");
    let err = client
        .page::<Value>(
            "users.list",
            &token,
            &Map::new(),
            "members",
            Some("bogus"),
            10,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "users.list".into(),
            code: "invalid_cursor".into()
        }
    );
}

#[tokio::test]
async fn json_and_form_bodies_both_reach_slack() {
    let (slack, client, token) = setup(2).await;
    // Three posts to one DM within a second would hit the per-channel limit.
    slack.set_limits_enabled(false);
    let dm = client.open_dm(&token, "U0000001").await.unwrap();
    assert!(dm.starts_with('D'));
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]);
    // JSON body.
    let posted = client
        .post_message(
            &token,
            &json!({"channel": dm, "text": "hi (json)", "blocks": blocks}),
        )
        .await
        .unwrap();
    assert_eq!(posted.channel, dm);
    // Form body: blocks travel as JSON text.
    let _: Value = client
        .call_form(
            "chat.postMessage",
            hallway::slack::client::Auth::Bearer(&token),
            &json!({"channel": "U0000001", "text": "hi (form)", "blocks": blocks}),
        )
        .await
        .unwrap();
    let messages = slack.dm_messages("T1", "U0000001");
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.blocks.as_ref() == Some(&blocks)));
    let err = client
        .post_message(
            &token,
            &json!({"channel": dm, "text": "x", "blocks": [{"nope": 1}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "chat.postMessage".into(),
            code: "invalid_blocks".into()
        }
    );
}

#[tokio::test]
async fn users_are_read_with_slack_morphism_models() {
    let (_slack, client, token) = setup(3).await;
    let found = client
        .users_lookup_by_email(&token, "person2@example.com")
        .await
        .unwrap();
    assert_eq!(found.id.to_string(), "U0000002");
    assert_eq!(found.profile.email.as_deref(), Some("person2@example.com"));
    let err = client
        .users_lookup_by_email(&token, "nobody@example.com")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "users.lookupByEmail".into(),
            code: "users_not_found".into()
        }
    );
}

/// Follows the fake's authorize page the way a browser would.
async fn authorize(slack: &FakeSlack, path: &str, query: &[(&str, &str)]) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .get(format!("{}{path}", slack.base_url()))
        .query(query)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn oauth_install_exchange_and_token_rotation() {
    let app = AppConfig {
        token_rotation: true,
        ..AppConfig::default()
    };
    let slack = FakeSlack::start(app.clone(), vec![TeamSeed::with_people("T1", "Acme", 2)])
        .await
        .unwrap();
    let client =
        SlackClient::new(slack.base_url().parse().unwrap(), Duration::from_secs(2)).unwrap();
    let redirect = "https://hallway.example.com/slack/oauth/callback";
    let back = authorize(
        &slack,
        "/oauth/v2/authorize",
        &[
            ("client_id", &app.client_id),
            ("scope", "chat:write,users:read"),
            ("redirect_uri", redirect),
            ("state", "s-1"),
        ],
    )
    .await;
    assert_eq!(param(&back, "state").as_deref(), Some("s-1"));
    let code = param(&back, "code").unwrap();
    let secret = Secret::new(app.client_secret.clone());
    // A different redirect URI than the authorize step is refused.
    let err = client
        .oauth_v2_access(
            &app.client_id,
            &secret,
            &code,
            "https://elsewhere.example.com/cb",
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "oauth.v2.access".into(),
            code: "bad_redirect_uri".into()
        }
    );
    let granted = client
        .oauth_v2_access(&app.client_id, &secret, &code, redirect)
        .await
        .unwrap();
    let bot_token = granted.access_token.clone().unwrap();
    assert!(bot_token.expose().starts_with("xoxe.xoxb-"));
    assert_eq!(granted.expires_in, Some(43_200));
    assert_eq!(granted.team.as_ref().unwrap().id, "T1");
    assert_eq!(granted.bot_user_id.as_deref(), Some("UB1"));
    // Client credentials went by HTTP Basic, never in the body.
    let call = &slack.calls_to("oauth.v2.access")[1];
    assert_eq!(call.auth, "client");
    assert!(call.params.get("client_secret").is_none());
    // Codes are single use.
    let err = client
        .oauth_v2_access(&app.client_id, &secret, &code, redirect)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "oauth.v2.access".into(),
            code: "invalid_code".into()
        }
    );
    // Rotation: a refresh token is spent once.
    let refresh = granted.refresh_token.unwrap();
    let rotated = client
        .oauth_v2_refresh(&app.client_id, &secret, &refresh)
        .await
        .unwrap();
    let rotated_token = rotated.access_token.unwrap();
    assert_ne!(rotated_token.expose(), bot_token.expose());
    client.auth_test(&rotated_token).await.unwrap();
    let err = client
        .oauth_v2_refresh(&app.client_id, &secret, &refresh)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "oauth.v2.access".into(),
            code: "invalid_refresh_token".into()
        }
    );
    let err = client
        .oauth_v2_access(&app.client_id, &Secret::new("wrong"), "x", redirect)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SlackError::Api {
            method: "oauth.v2.access".into(),
            code: "bad_client_secret".into()
        }
    );
}

#[tokio::test]
async fn denied_authorization_redirects_with_access_denied() {
    let (slack, _, _) = setup(1).await;
    slack.inject(Fault {
        method: Some("oauth.authorize".into()),
        team: None,
        kind: FaultKind::Deny,
        times: 1,
    });
    let app = AppConfig::default();
    let back = authorize(
        &slack,
        "/oauth/v2/authorize",
        &[
            ("client_id", &app.client_id),
            ("scope", "chat:write"),
            ("redirect_uri", "https://h.example/cb"),
            ("state", "s-2"),
        ],
    )
    .await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("s-2"));
    assert_eq!(param(&back, "code"), None);
}

#[tokio::test]
async fn sign_in_with_slack_issues_an_rs256_id_token_that_verifies_against_the_jwks() {
    let (slack, client, _) = setup(2).await;
    let app = AppConfig::default();
    slack.act_as("T1", "U0000002");
    let redirect = "https://hallway.example.com/slack/login/callback";
    let back = authorize(
        &slack,
        "/openid/connect/authorize",
        &[
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("client_id", &app.client_id),
            ("state", "st"),
            ("nonce", "n-42"),
            ("redirect_uri", redirect),
        ],
    )
    .await;
    let code = param(&back, "code").unwrap();
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        access_token: Secret,
        id_token: String,
    }
    let tokens: TokenResponse = client
        .call_form(
            "openid.connect.token",
            hallway::slack::client::Auth::Client {
                client_id: &app.client_id,
                client_secret: &Secret::new(app.client_secret.clone()),
            },
            &json!({"code": code, "redirect_uri": redirect}),
        )
        .await
        .unwrap();
    let jwks: JwkSet = reqwest::get(format!("{}/openid/connect/keys", slack.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(&tokens.id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&app.client_id]);
    validation.set_issuer(&["https://slack.com"]);
    let claims = jsonwebtoken::decode::<Value>(
        &tokens.id_token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["nonce"], "n-42");
    assert_eq!(claims["https://slack.com/team_id"], "T1");
    assert_eq!(claims["https://slack.com/user_id"], "U0000002");
    assert_eq!(claims["email"], "person2@example.com");
    // As on Slack (the decoded sample on
    // docs.slack.dev/reference/methods/openid.connect.token), the id_token
    // does not name the workspace.
    assert!(claims.get("https://slack.com/team_name").is_none());
    assert!(claims.get("https://slack.com/team_domain").is_none());
    // The user token reads the same identity from userInfo.
    let info: Value = client
        .call_form(
            "openid.connect.userInfo",
            hallway::slack::client::Auth::Bearer(&tokens.access_token),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(info["sub"], "U0000002");
    assert_eq!(info["https://slack.com/team_id"], "T1");
    assert_eq!(info["https://slack.com/team_name"], "Acme");
    assert_eq!(info["https://slack.com/team_domain"], "acme");
    // A tampered id_token does not verify.
    let mut parts: Vec<String> = tokens.id_token.split('.').map(str::to_owned).collect();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        br#"{"sub":"U0000001","aud":"1111111111.2222222222","iss":"https://slack.com","exp":9999999999}"#,
    );
    let forged = parts.join(".");
    assert!(
        jsonwebtoken::decode::<Value>(
            &forged,
            &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
            &validation
        )
        .is_err()
    );
}

#[tokio::test]
async fn slack_morphism_block_kit_posts_as_slack_expects() {
    use slack_morphism::prelude::*;
    let (slack, client, token) = setup(2).await;
    let join: url::Url = "https://hallway.example.com/join/abc".parse().unwrap();
    let blocks: Vec<SlackBlock> = vec![
        SlackSectionBlock::new()
            .with_text(md!("*Ada* has invited you to meet in *Kitchen* (HQ)"))
            .with_accessory(
                SlackBlockButtonElement::new(pt!("Join"))
                    .with_action_id("join_room".into())
                    .with_url(join)
                    .with_style(SlackBlockButtonStyle::Primary)
                    .into(),
            )
            .into(),
    ];
    client
        .post_message(
            &token,
            &json!({"channel": "U0000001", "text": "Ada has invited you to meet in Kitchen (HQ)", "blocks": blocks}),
        )
        .await
        .unwrap();
    let sent = slack.dm_messages("T1", "U0000001");
    let block = &sent[0].blocks.as_ref().unwrap()[0];
    assert_eq!(block["type"], "section");
    assert_eq!(block["accessory"]["type"], "button");
    assert_eq!(block["accessory"]["style"], "primary");
    assert_eq!(
        block["accessory"]["url"],
        "https://hallway.example.com/join/abc"
    );
}
