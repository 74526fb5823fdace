//! `hallway-local replay FILE`: sends a sample Lambda event from `events/` to
//! the bundle, as the platform would deliver it.
//!
//! HTTP samples (API Gateway HTTP API / function URL events) are turned into
//! a request by `lambda_http` itself, so base64 bodies and header casing are
//! handled exactly as on Lambda. A sample that carries Slack's signature
//! headers is re-signed with the configured signing secret and the current
//! time (samples are old; Slack's window is 5 minutes); `--tamper` changes
//! the body after signing, to see the 401. An office bearer token in a sample
//! is re-signed the same way (its claims kept, its expiry renewed) with
//! `HALLWAY_APP_JWT_SECRET`. SQS samples (`{"Records": …}`) run
//! through the worker in-process.

use std::path::PathBuf;

use anyhow::{Context, bail};
use bytes::Bytes;
use hallway::queue::JobQueue;
use hallway::secrets::{APP_JWT_SECRET, SIGNING_SECRET, Secret};
use hallway::slack::verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use http::{HeaderMap, HeaderValue, Method};
use tower::ServiceExt;

use crate::bundle::{Bundle, BundleOptions, SlackMode};
use crate::settings::Settings;

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub file: PathBuf,
    /// A running bundle; `None` with `in_process` false means the default
    /// `http://127.0.0.1:3000`.
    pub to: Option<String>,
    pub in_process: bool,
    pub tamper: bool,
    pub env_file: PathBuf,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// For SQS samples: the ids the worker reported as failed.
    pub batch_item_failures: Vec<String>,
    /// For SQS samples: how many records the worker sent to the dead-letter
    /// queue (poison, or out of attempts).
    pub dead_lettered: usize,
}

impl std::fmt::Display for Replayed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "<- {}", self.status)?;
        for (k, v) in &self.headers {
            if k.as_str().starts_with("x-hallway")
                || k == http::header::CONTENT_TYPE
                || k == http::header::LOCATION
            {
                writeln!(f, "   {k}: {}", v.to_str().unwrap_or("?"))?;
            }
        }
        if !self.body.is_empty() {
            writeln!(f, "{}", self.body)?;
        }
        Ok(())
    }
}

/// A request ready to send.
pub struct Prepared {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The keys a sample is re-signed with.
pub struct SigningKeys {
    /// Slack's signing secret, for `x-slack-signature`.
    pub slack: Secret,
    /// `HALLWAY_APP_JWT_SECRET`, for an office bearer token.
    pub app_jwt: Secret,
    /// The fake Slack the bundle talks to, if any: a slash command's
    /// `response_url` on hooks.slack.com is pointed at it, so the summary of
    /// an invite lands somewhere offline.
    pub fake_slack: Option<String>,
}

/// Points a form body's hooks.slack.com `response_url` at the fake Slack:
/// a slash command's field, or the one inside an interaction's `payload`
/// JSON (a message shortcut's).
fn local_response_url(body: &[u8], fake: &str) -> Option<Vec<u8>> {
    let local = |url: &str| -> Option<String> {
        let rest = url.strip_prefix("https://hooks.slack.com/")?;
        let id = rest.rsplit('/').next().unwrap_or("replay");
        Some(format!("{}/response/{id}", fake.trim_end_matches('/')))
    };
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let mut changed = false;
    for (k, v) in pairs.iter_mut() {
        if k == "response_url"
            && let Some(l) = local(v)
        {
            *v = l;
            changed = true;
        } else if k == "payload"
            && let Ok(mut p) = serde_json::from_str::<serde_json::Value>(v)
            && let Some(l) = p["response_url"].as_str().and_then(local)
        {
            p["response_url"] = serde_json::Value::from(l);
            *v = p.to_string();
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, v);
    }
    Some(out.finish().into_bytes())
}

/// An office bearer token with fresh times, re-signed: the sample's claims
/// (who, which roles) are kept, its signature and expiry are not.
fn resign_bearer(value: &str, key: &Secret, now: i64) -> anyhow::Result<String> {
    use base64::Engine;
    let token = value
        .strip_prefix("Bearer ")
        .context("authorization is not a bearer token")?;
    let payload = token
        .split('.')
        .nth(1)
        .context("the sample's bearer token is not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .context("the sample's bearer token payload is not base64url")?;
    let mut claims: serde_json::Value = serde_json::from_slice(&bytes)?;
    claims["iat"] = now.into();
    claims["exp"] = (now + 3600).into();
    Ok(format!(
        "Bearer {}",
        hallway::auth::AppJwt::new(key).issue(&claims)
    ))
}

/// Reads an HTTP sample and signs it.
pub fn prepare_http(
    text: &str,
    keys: &SigningKeys,
    now: i64,
    tamper: bool,
) -> anyhow::Result<Prepared> {
    let request = lambda_http::request::from_str(text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the sample is not an API Gateway / function URL event")?;
    let (parts, body) = request.into_parts();
    let mut body = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    if let Some(fake) = &keys.fake_slack
        && let Some(rewritten) = local_response_url(&body, fake)
    {
        body = rewritten;
    }
    if let Some(dated) = dated_now(&body, now) {
        body = dated;
    }
    let mut headers = parts.headers;
    // Lambda adds these; a real client would not send them.
    headers.remove(http::header::HOST);
    headers.remove(http::header::CONTENT_LENGTH);
    if headers.contains_key(TIMESTAMP_HEADER) || headers.contains_key(SIGNATURE_HEADER) {
        let ts = now.to_string();
        let signature = sign(&keys.slack, &ts, &body);
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(&ts)?);
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&signature)?);
    }
    if let Some(auth) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let fresh = resign_bearer(auth, &keys.app_jwt, now)?;
        headers.insert(http::header::AUTHORIZATION, HeaderValue::from_str(&fresh)?);
    }
    if tamper {
        match body.iter().position(|b| b.is_ascii_alphanumeric()) {
            Some(i) => body[i] = if body[i] == b'x' { b'y' } else { b'x' },
            None => body.push(b' '),
        }
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    Ok(Prepared {
        method: parts.method,
        path_and_query,
        headers,
        body: Bytes::from(body),
    })
}

/// An Events API callback sent now carries now's `event_time`: hallway
/// ignores lifecycle events older than the installation they would revoke
/// (a retry overtaken by a reinstall), so a sample keeps its meaning only
/// when dated like a live event.
fn dated_now(body: &[u8], now: i64) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if value.get("type")?.as_str()? != "event_callback" || value.get("event_time").is_none() {
        return None;
    }
    value["event_time"] = now.into();
    serde_json::to_vec(&value).ok()
}

fn is_sqs_sample(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("Records").map(|r| r.is_array()))
        .unwrap_or(false)
}

pub async fn replay(opts: ReplayOptions) -> anyhow::Result<Replayed> {
    let text = std::fs::read_to_string(&opts.file)
        .with_context(|| format!("reading {}", opts.file.display()))?;
    let settings = Settings::load(&opts.env_file, true)?;
    if is_sqs_sample(&text) {
        if opts.to.is_some() {
            bail!("SQS samples run in-process (the bundle's queue has no HTTP door); drop --to");
        }
        return replay_sqs(&opts, &text).await;
    }
    let keys = SigningKeys {
        slack: Secret::new(settings.get(SIGNING_SECRET).context("no signing secret")?),
        app_jwt: Secret::new(settings.get(APP_JWT_SECRET).context("no app JWT secret")?),
        fake_slack: None,
    };
    if settings.defaults_in_use().contains(&SIGNING_SECRET) {
        eprintln!(
            "(signing with the local development secrets; set SLACK_SIGNING_SECRET and HALLWAY_APP_JWT_SECRET to match your bundle)"
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let mut keys = keys;
    let bundle = if opts.in_process {
        let bundle = Bundle::build(&in_process_options(&opts)).await?;
        keys.fake_slack = bundle.fake_slack.as_ref().map(|f| f.base_url());
        Some(bundle)
    } else {
        None
    };
    let base = opts
        .to
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    if bundle.is_none() {
        keys.fake_slack = fake_slack_of(&base).await;
    }
    let prepared = prepare_http(&text, &keys, now, opts.tamper)?;
    eprintln!(
        "-> {} {}{}",
        prepared.method,
        prepared.path_and_query,
        if opts.tamper {
            " (body tampered after signing)"
        } else {
            ""
        }
    );
    if let Some(bundle) = bundle {
        let replayed = send_in_process(&bundle, prepared).await?;
        let drained = bundle.drain().await?;
        if drained.received > 0 {
            eprintln!(
                "   worker ran {} job(s): {} done, {} to retry",
                drained.received, drained.deleted, drained.failed
            );
        }
        return Ok(replayed);
    }
    send_http(&base, prepared).await
}

/// The fake Slack a running bundle uses, from its `/healthz`.
async fn fake_slack_of(base: &str) -> Option<String> {
    let health: serde_json::Value = reqwest::get(format!("{}/healthz", base.trim_end_matches('/')))
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    health["fake_slack"].as_str().map(str::to_owned)
}

fn in_process_options(opts: &ReplayOptions) -> BundleOptions {
    BundleOptions {
        data_dir: None,
        slack: SlackMode::Fake,
        fake_slack_addr: None,
        env_file: opts.env_file.clone(),
        addr: "127.0.0.1:3000".parse().expect("a literal address"),
    }
}

pub async fn send_in_process(bundle: &Bundle, prepared: Prepared) -> anyhow::Result<Replayed> {
    let mut request = http::Request::builder()
        .method(prepared.method)
        .uri(prepared.path_and_query)
        .body(axum::body::Body::from(prepared.body))?;
    *request.headers_mut() = prepared.headers;
    let response = bundle.router.clone().oneshot(request).await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok(Replayed {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        batch_item_failures: Vec::new(),
        dead_lettered: 0,
    })
}

pub async fn send_http(base: &str, prepared: Prepared) -> anyhow::Result<Replayed> {
    let url = format!("{}{}", base.trim_end_matches('/'), prepared.path_and_query);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .request(prepared.method, &url)
        .headers(prepared.headers)
        .body(prepared.body)
        .send()
        .await
        .with_context(|| format!("sending to {url}; is `hallway-local serve` running?"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await?;
    Ok(Replayed {
        status,
        headers,
        body,
        batch_item_failures: Vec::new(),
        dead_lettered: 0,
    })
}

async fn replay_sqs(opts: &ReplayOptions, text: &str) -> anyhow::Result<Replayed> {
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(text).context("the sample is not an SQS event")?;
    let bundle = Bundle::build(&in_process_options(opts)).await?;
    eprintln!("-> worker: {} record(s)", event.records.len());
    let sent: Vec<(String, String)> = event
        .records
        .iter()
        .map(|r| {
            (
                r.message_id.clone().unwrap_or_default(),
                r.body.clone().unwrap_or_default(),
            )
        })
        .collect();
    let response =
        hallway_worker::handle(&bundle.worker, event, hallway_worker::local_deadline()).await;
    let failures: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    // What the worker dead-lettered, named by the record it came from when
    // its body is unchanged (a poison message), and what it sent again.
    let mut dead = Vec::new();
    loop {
        let got = bundle
            .dead_letters
            .receive(10, std::time::Duration::ZERO)
            .await?;
        if got.is_empty() {
            break;
        }
        for m in got {
            let from = sent.iter().find(|(_, b)| *b == m.body).map(|(id, _)| id);
            dead.push(serde_json::json!({"messageId": from, "body": m.body}));
        }
    }
    let body = serde_json::json!({
        "batchItemFailures": response.batch_item_failures,
        "deadLettered": dead,
        "sentAgain": bundle.queue.len(),
    });
    Ok(Replayed {
        status: 200,
        headers: HeaderMap::new(),
        body: serde_json::to_string_pretty(&body)?,
        batch_item_failures: failures,
        dead_lettered: dead.len(),
    })
}
