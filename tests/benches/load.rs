//! A burst at the local bundle from a second process: 10,000 signed
//! `/hallway` calls and 10,000 signed `team_join` events (each a new person,
//! so every job leaves a trace), plus 200 of those events sent again as
//! Slack's retries, 64 in flight at a time. The bundle is the release
//! `hallway-local serve --slack fake --in-memory` (embedded store,
//! in-process queue and worker, the fake Slack), installed and linked
//! through its own OAuth pages first.
//!
//! Checked, not only timed: every answer is 200 (a call in the channel; an
//! event `queued`, a retry `duplicate`); afterwards the queue is empty with
//! no dead letters and the people pane lists exactly the 10,000 newcomers:
//! nothing lost, nothing twice.
//!
//! Run: `./scripts/bench load` (builds `hallway-local` in release first).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallway::auth::{AppClaims, AppJwt};
use hallway::ids::OfficeUserId;
use hallway::secrets::Secret;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const SIGNING_SECRET: &str = "load-signing-secret";
const JWT_SECRET: &str = "load-jwt-secret";
const CALLS: usize = 10_000;
const EVENTS: usize = 10_000;
const RETRIES: usize = 200;
const IN_FLIGHT: usize = 64;

struct Bundle {
    child: Child,
    base: String,
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start() -> Bundle {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let bin = std::env::var("HALLWAY_LOCAL_BIN")
        .unwrap_or_else(|_| format!("{root}/target/release/hallway-local"));
    let (port, fake) = (free_port(), free_port());
    let log = std::fs::File::create(format!("{root}/target/load-bundle.log")).unwrap();
    let child = Command::new(&bin)
        .args([
            "--env-file",
            "/nonexistent",
            "serve",
            "--in-memory",
            "--slack",
            "fake",
        ])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .args(["--fake-slack-addr", &format!("127.0.0.1:{fake}")])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("HALLWAY_APP_JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (scripts/bench load builds it)"));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let limit = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < limit, "the bundle did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Bundle { child, base }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn bearer() -> String {
    let jwt = AppJwt::new(&Secret::new(JWT_SECRET));
    jwt.issue(&AppClaims {
        sub: OfficeUserId::new("ada").unwrap(),
        name: Some("Ada Lovelace".into()),
        email: None,
        picture: None,
        roles: Default::default(),
        exp: now() + 3600,
        iat: None,
        sid: None,
    })
}

async fn api(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = http
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .bearer_auth(bearer());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

/// The space HQ with rooms, installed in the fake's Acme and Ada linked to
/// Alice, through the bundle's own API and OAuth pages.
async fn set_up(b: &Bundle) -> String {
    let http = reqwest::Client::new();
    let space = api(
        &http,
        &b.base,
        "POST",
        "/api/v1/spaces",
        Some(json!({"name": "HQ"})),
    )
    .await;
    let space = space["id"].as_str().unwrap().to_owned();
    for (name, capacity) in [("Kitchen", 4), ("Hall", 30), ("Booth", 2)] {
        api(
            &http,
            &b.base,
            "POST",
            &format!("/api/v1/spaces/{space}/rooms"),
            Some(json!({"name": name, "capacity": capacity})),
        )
        .await;
    }
    let browser = hallway_tests::Browser::new(format!("{}/app", b.base));
    for step in ["connect", "link"] {
        let v = api(
            &http,
            &b.base,
            "POST",
            &format!("/api/v1/spaces/{space}/slack/{step}"),
            None,
        )
        .await;
        let landing = browser.visit(v["authorize_url"].as_str().unwrap()).await;
        assert!(
            landing.url.starts_with(&format!("{}/app", b.base)),
            "{step}: {landing:?}"
        );
    }
    space
}

fn signed(path: &str, content_type: &str, body: String) -> (String, String, String, String) {
    let ts = now().to_string();
    let sig = hallway::slack::verify::sign(&Secret::new(SIGNING_SECRET), &ts, body.as_bytes());
    (
        path.to_owned(),
        content_type.to_owned(),
        body,
        format!("{ts} {sig}"),
    )
}

fn call(i: usize) -> (String, String, String, String) {
    let body = serde_urlencoded::to_string([
        ("token", "t"),
        ("team_id", "T0DEMO"),
        ("channel_id", "C0GENERAL"),
        ("channel_name", "general"),
        ("user_id", "U0DEMO01"),
        ("command", "/hallway"),
        ("text", ""),
        (
            "response_url",
            &format!("https://hooks.slack.com/commands/T0DEMO/{i}/x"),
        ),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap();
    signed("/slack/commands", "application/x-www-form-urlencoded", body)
}

fn newcomer(i: usize) -> String {
    format!("U0LOAD{i:05}")
}

fn team_join(i: usize) -> (String, String, String, String) {
    let id = newcomer(i);
    let body = json!({
        "token": "t", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY", "type": "event_callback",
        "event_id": format!("EvLOAD{i:06}"), "event_time": now(),
        "event": {"type": "team_join", "event_ts": "1732438800.000100", "user": {
            "id": id, "team_id": "T0DEMO", "name": format!("load{i}"), "deleted": false,
            "real_name": format!("Load Person {i}"), "is_bot": false, "updated": now(),
            "profile": {"real_name": format!("Load Person {i}"), "display_name": format!("load{i}"),
                        "email": format!("load{i}@acme.example")}}},
        "authorizations": [{"team_id": "T0DEMO", "user_id": "U0DEMOBOT", "is_bot": true}],
    })
    .to_string();
    signed("/slack/events", "application/json", body)
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    queued: usize,
    duplicates: usize,
}

fn main() {
    hallway_tests::bench::run(run());
}

async fn run() {
    let b = start().await;
    let space = set_up(&b).await;
    // Calls and events interleaved, then Slack's retries of some events.
    let mut requests: Vec<(String, String, String, String, bool)> = Vec::new();
    for i in 0..CALLS.max(EVENTS) {
        if i < CALLS {
            let (p, c, body, sig) = call(i);
            requests.push((p, c, body, sig, false));
        }
        if i < EVENTS {
            let (p, c, body, sig) = team_join(i);
            requests.push((p, c, body, sig, false));
        }
    }
    for i in (0..EVENTS).step_by(EVENTS / RETRIES).take(RETRIES) {
        let (p, c, body, sig) = team_join(i);
        requests.push((p, c, body, sig, true));
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .unwrap();
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests.len());
    let total = requests.len();
    // The retries go last, after their originals were answered.
    let (first, retries): (Vec<_>, Vec<_>) = requests.into_iter().partition(|r| !r.4);
    for batch in [first, retries] {
        for (path, content_type, body, sig, retry) in batch {
            let permit = gate.clone().acquire_owned().await.unwrap();
            let (http, tally, base) = (http.clone(), tally.clone(), b.base.clone());
            tasks.push(tokio::spawn(async move {
                let (ts, signature) = sig.split_once(' ').unwrap();
                let mut req = http
                    .post(format!("{base}{path}"))
                    .header("content-type", content_type)
                    .header("x-slack-request-timestamp", ts)
                    .header("x-slack-signature", signature)
                    .body(body);
                if retry {
                    req = req.header("x-slack-retry-num", "1");
                }
                let sent = Instant::now();
                let resp = req.send().await;
                let took = sent.elapsed();
                drop(permit);
                let mut t = tally.lock().unwrap();
                t.latencies.push(took);
                match resp {
                    Err(e) => t.errors.push(format!("{path}: {e}")),
                    Ok(r) if r.status() != 200 => t.errors.push(format!("{path}: {}", r.status())),
                    Ok(r) => match r
                        .headers()
                        .get("x-hallway-event")
                        .map(|v| v.to_str().unwrap_or(""))
                    {
                        Some("queued") => t.queued += 1,
                        Some("duplicate") => t.duplicates += 1,
                        Some(other) => t.errors.push(format!("{path}: {other}")),
                        None => {}
                    },
                }
            }));
        }
        for t in tasks.drain(..) {
            t.await.unwrap();
        }
    }
    let elapsed = started.elapsed();

    // Everything queued gets done.
    let health = loop {
        let h: Value = reqwest::get(format!("{}/healthz", b.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if h["queued"] == 0 || started.elapsed() > Duration::from_secs(600) {
            break h;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let drained = started.elapsed();
    let newcomers = count_newcomers(&http, &b.base, &space).await;

    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    t.latencies.sort();
    let p = |q: f64| t.latencies[((t.latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "load: {total} requests ({CALLS} calls, {EVENTS} events, {RETRIES} retries), {IN_FLIGHT} in flight: \
         {:.1} s, {:.0} requests/s; latency p50 {:.2} ms p99 {:.2} ms max {:.1} ms; errors {}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        p(1.0).as_secs_f64() * 1e3,
        t.errors.len()
    );
    println!(
        "jobs: {} queued, {} retries answered duplicate; all done {:.1} s after the first request; \
         queue {} dead letters {}; newcomers in the directory {} of {EVENTS}",
        t.queued,
        t.duplicates,
        drained.as_secs_f64(),
        health["queued"],
        health["dead_letters"],
        newcomers
    );
    assert!(
        t.errors.is_empty(),
        "{:?}",
        &t.errors[..t.errors.len().min(10)]
    );
    assert_eq!(t.queued, EVENTS, "every event queued once");
    assert_eq!(t.duplicates, RETRIES, "every retry recognised");
    assert_eq!(health["queued"], 0, "the queue drained");
    assert_eq!(health["dead_letters"], 0, "nothing dead-lettered");
    assert_eq!(newcomers, EVENTS, "every job done once: nothing lost");
}

/// The newcomers the people pane lists, paged through.
async fn count_newcomers(http: &reqwest::Client, base: &str, space: &str) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/spaces/{space}/people?limit=200");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = api(http, base, "GET", &path, None).await;
        for p in page["people"].as_array().unwrap() {
            let id = p["slack_user_id"]
                .as_str()
                .or(p["id"].as_str())
                .unwrap_or("");
            if id.starts_with("U0LOAD") {
                assert!(seen.insert(id.to_owned()), "{id} listed twice");
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
            _ => return seen.len(),
        }
    }
}
