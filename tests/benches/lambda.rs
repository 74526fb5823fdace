//! Each function's release binary, started the way Lambda starts it, against
//! a Lambda Runtime API played on loopback (`/2018-06-01/runtime/...`), with
//! DynamoDB Local, SQS and Secrets Manager on moto, and the fake Slack.
//!
//! Measured per function:
//! - init: exec → the first `GET /runtime/invocation/next`, which is where
//!   Lambda's Init Duration stops; over several cold starts (a new process
//!   each). Init includes reading the secret from Secrets Manager and
//!   opening the DynamoDB, SQS and Slack connections, as on Lambda.
//! - first invocation: the first event's `/next` answer → its `/response`.
//! - warm: the same for ≥ 1,000 further events (p50, p99, max).
//! - peak RSS: the process's `VmHWM` after the warm run.
//!
//! The events are realistic and signed: a `/hallway` call to a room and
//! `/hallway help` (commands), `app_home_opened` callbacks with fresh event
//! ids (events), the SQS batches those callbacks queued (worker), a join
//! link opened without a session (oauth), `GET /api/v1/me` with an office
//! bearer token (api). Every answer is checked, not only timed.
//!
//! Budgets (init ≤ 100 ms with AWS clients, slash-command ack p99 ≤ 10 ms,
//! peak RSS ≤ 40 MB) are reported as met or missed; given a baseline, the
//! process exits non-zero when init p50 or warm p99 is more than 20 % worse
//! (and more than 2 ms, or 0.5 ms for p99: smaller changes are noise).
//!
//! Run: `./scripts/bench lambda` (builds the release binaries first).
//! Environment:
//! - `HALLWAY_BENCH_BIN_DIR`: the binaries (default `target/release`).
//! - `HALLWAY_BENCH_FUNCTIONS`: which, comma-separated (default all five).
//! - `HALLWAY_BENCH_INVOCATIONS` (default 1,000), `HALLWAY_BENCH_COLD_STARTS`
//!   (default 10).
//! - `HALLWAY_BENCH_BASELINE`: results JSON to compare with (the script
//!   passes `tests/benches/lambda-baseline.json`).
//! - `HALLWAY_BENCH_SAVE`: write this run's results JSON there.
//! - `HALLWAY_BENCH_LABEL`: a name for this build in the output.
//! - `HALLWAY_BENCH_CPUS`: pin the functions to these CPUs (`taskset -c`),
//!   e.g. `0`: one core, nearer Lambda's share of a vCPU.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hallway::auth::AppClaims;
use hallway::auth::join::JoinClaims;
use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{Config, Mode};
use hallway::ids::{OfficeUserId, TeamId};
use hallway::queue::sqs::SqsQueue;
use hallway::secrets::{Secret, SecretSource, SecretsManagerSource};
use hallway::services::Services;
use hallway::store::Role;
use hallway::table::dynamo::DynamoTable;
use hallway_fake_slack::{AppConfig, FakeSlack, TeamSeed};
use hallway_tests::Emulators;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

const SIGNING_SECRET: &str = "bench-signing-secret";
const JWT_SECRET: &str = "bench-jwt-secret";
const TEAM: &str = "T0DEMO";
const ALICE: &str = "U0DEMO01";
const BOT: &str = "U0DEMOBOT";
const GENERAL: &str = "C0GENERAL";
const REGRESSION: f64 = 1.20;

// ---------------------------------------------------------------------------
// The Runtime API, one per process.

struct Invocation {
    payload: Vec<u8>,
    done: oneshot::Sender<Outcome>,
}

#[derive(Debug)]
struct Outcome {
    ok: bool,
    body: Vec<u8>,
    elapsed: Duration,
}

#[derive(Default)]
struct ApiState {
    first_next: Mutex<Option<Instant>>,
    init_error: Mutex<Option<String>>,
    pending: tokio::sync::Mutex<Option<mpsc::Receiver<Invocation>>>,
    inflight: Mutex<HashMap<String, (Instant, oneshot::Sender<Outcome>)>>,
    next_id: std::sync::atomic::AtomicU64,
    /// An extension registered (the Extensions API, `/2020-01-01/extension`).
    extension: std::sync::atomic::AtomicBool,
    /// The extension's pending `event/next`, answered with the next INVOKE.
    extension_waiting: Mutex<Option<oneshot::Sender<Value>>>,
    extension_idle: tokio::sync::Notify,
    /// When the last answer was posted, and how long after each answer the
    /// extension asked for its next event (work done after the answer).
    answered_at: Mutex<Option<Instant>>,
    after_answer: Mutex<Vec<Duration>>,
}

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:hallway-bench";
const TRACE_ID: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0";

struct RuntimeApi {
    addr: std::net::SocketAddr,
    state: Arc<ApiState>,
    send: mpsc::Sender<Invocation>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn next(State(s): State<Arc<ApiState>>) -> Response {
    {
        let mut first = s.first_next.lock().unwrap();
        first.get_or_insert_with(Instant::now);
    }
    let mut pending = s.pending.lock().await;
    let Some(rx) = pending.as_mut() else {
        return StatusCode::GONE.into_response();
    };
    let Some(inv) = rx.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let n = s.next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let id = format!("bench-{n:08}");
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    if s.extension.load(std::sync::atomic::Ordering::SeqCst) {
        // As Lambda does: the next event goes out only once the runtime
        // and every extension have asked for it; the extension gets it too.
        let waiting = loop {
            let idle = s.extension_idle.notified();
            if let Some(w) = s.extension_waiting.lock().unwrap().take() {
                break w;
            }
            idle.await;
        };
        let _ = waiting.send(json!({
            "eventType": "INVOKE",
            "deadlineMs": deadline as u64,
            "requestId": id,
            "invokedFunctionArn": FUNCTION_ARN,
            "tracing": { "type": "X-Amzn-Trace-Id", "value": TRACE_ID },
        }));
    }
    let mut headers = HeaderMap::new();
    let h = |v: &str| HeaderValue::from_str(v).unwrap();
    headers.insert("lambda-runtime-aws-request-id", h(&id));
    headers.insert("lambda-runtime-deadline-ms", h(&deadline.to_string()));
    headers.insert("lambda-runtime-invoked-function-arn", h(FUNCTION_ARN));
    headers.insert("lambda-runtime-trace-id", h(TRACE_ID));
    headers.insert("content-type", h("application/json"));
    s.inflight
        .lock()
        .unwrap()
        .insert(id, (Instant::now(), inv.done));
    (StatusCode::OK, headers, inv.payload).into_response()
}

fn finish(s: &ApiState, id: &str, ok: bool, body: Bytes) -> StatusCode {
    match s.inflight.lock().unwrap().remove(id) {
        Some((started, done)) => {
            *s.answered_at.lock().unwrap() = Some(Instant::now());
            let _ = done.send(Outcome {
                ok,
                body: body.to_vec(),
                elapsed: started.elapsed(),
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(s): State<Arc<ApiState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&s, &id, true, body)
}

async fn error(State(s): State<Arc<ApiState>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&s, &id, false, body)
}

async fn init_error(State(s): State<Arc<ApiState>>, body: Bytes) -> StatusCode {
    *s.init_error.lock().unwrap() = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}

async fn extension_register(State(s): State<Arc<ApiState>>) -> Response {
    s.extension.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-extension-identifier",
        HeaderValue::from_static("bench-extension-1"),
    );
    let body = json!({
        "functionName": "hallway-bench",
        "functionVersion": "$LATEST",
        "handler": "bootstrap",
    });
    (StatusCode::OK, headers, axum::Json(body)).into_response()
}

async fn extension_next(State(s): State<Arc<ApiState>>) -> Response {
    if let Some(at) = s.answered_at.lock().unwrap().take() {
        s.after_answer.lock().unwrap().push(at.elapsed());
    }
    let (tx, rx) = oneshot::channel();
    *s.extension_waiting.lock().unwrap() = Some(tx);
    s.extension_idle.notify_one();
    match rx.await {
        Ok(event) => (StatusCode::OK, axum::Json(event)).into_response(),
        Err(_) => StatusCode::GONE.into_response(),
    }
}

async fn extension_error(State(s): State<Arc<ApiState>>, body: Bytes) -> StatusCode {
    *s.init_error.lock().unwrap() = Some(format!("extension: {}", String::from_utf8_lossy(&body)));
    StatusCode::ACCEPTED
}

impl RuntimeApi {
    async fn start() -> Self {
        let (send, recv) = mpsc::channel(1);
        let state = Arc::new(ApiState {
            pending: tokio::sync::Mutex::new(Some(recv)),
            ..ApiState::default()
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .route("/2020-01-01/extension/register", post(extension_register))
            .route("/2020-01-01/extension/event/next", get(extension_next))
            .route("/2020-01-01/extension/init/error", post(extension_error))
            .route("/2020-01-01/extension/exit/error", post(extension_error))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            state,
            send,
            task,
        }
    }
}

// ---------------------------------------------------------------------------
// One function process.

struct Process {
    child: Child,
    api: RuntimeApi,
    spawned: Instant,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    async fn start(bin: &PathBuf, env: &[(String, String)], log: &PathBuf) -> Self {
        let api = RuntimeApi::start().await;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        // Lambda gives a function a share of one vCPU below 1,769 MB:
        // `HALLWAY_BENCH_CPUS=0` pins it to one core, as close as a laptop
        // gets (the bench process and the emulators keep the others).
        let mut cmd = match std::env::var("HALLWAY_BENCH_CPUS") {
            Ok(cpus) => {
                let mut c = std::process::Command::new("taskset");
                c.args(["-c", &cpus]).arg(bin);
                c
            }
            Err(_) => std::process::Command::new(bin),
        };
        cmd.env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        Self {
            child,
            api,
            spawned,
        }
    }

    /// Exec → first `/next`.
    async fn init(&mut self) -> Duration {
        let limit = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(at) = *self.api.state.first_next.lock().unwrap() {
                return at - self.spawned;
            }
            if let Some(e) = self.api.state.init_error.lock().unwrap().clone() {
                panic!("init failed: {e}");
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the function exited during init: {status}");
            }
            assert!(Instant::now() < limit, "no /next within 20 s");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    async fn invoke(&self, payload: Vec<u8>) -> Outcome {
        let (done, outcome) = oneshot::channel();
        self.api
            .send
            .send(Invocation { payload, done })
            .await
            .expect("the Runtime API is up");
        tokio::time::timeout(Duration::from_secs(30), outcome)
            .await
            .expect("an answer within 30 s")
            .expect("the invocation finished")
    }

    /// Waits until a registered extension has asked for its next event,
    /// as Lambda does before freezing the sandbox, so the work it finishes
    /// after an answer is not cut short by the bench stopping the process.
    async fn settle(&self) {
        let s = &self.api.state;
        if !s.extension.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let limit = Instant::now() + Duration::from_secs(10);
        while s.extension_waiting.lock().unwrap().is_none() {
            assert!(
                Instant::now() < limit,
                "the extension did not ask for its next event within 10 s"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// Peak resident set size in kB.
    fn vm_hwm_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// The world the functions run in.

struct World {
    env: Vec<(String, String)>,
    services: Services,
    slack: FakeSlack,
    queue_url: String,
    emulators: Emulators,
    hq: hallway::ids::SpaceId,
    hall: hallway::ids::RoomId,
}

async fn world() -> World {
    let emu = Emulators::connect()
        .await
        .expect("scripts/bench starts the emulators");
    let app = AppConfig::default();
    let slack = FakeSlack::start(app.clone(), vec![TeamSeed::demo()])
        .await
        .unwrap();
    // What is timed is hallway, not Slack's pacing (the fan-out bench
    // measures that).
    slack.set_limits_enabled(false);
    let secret = json!({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": app.client_id,
        "SLACK_CLIENT_SECRET": app.client_secret,
        "HALLWAY_TOKEN_KEY": hallway::crypto::TokenCipher::generate_key().unwrap(),
        "HALLWAY_APP_JWT_SECRET": JWT_SECRET,
    });
    let secret_id = emu.create_secret(&secret).await;
    let table = emu.create_table().await;
    let (queue_url, _dlq) = emu.create_queue(Duration::from_secs(60), 5).await;

    let mut env: Vec<(String, String)> = vec![
        ("HALLWAY_BASE_URL".into(), "https://hallway.example".into()),
        (
            "HALLWAY_APP_URL".into(),
            "https://office.example/app".into(),
        ),
        ("HALLWAY_TABLE".into(), table.clone()),
        ("HALLWAY_QUEUE_URL".into(), queue_url.clone()),
        ("HALLWAY_SECRET_ID".into(), secret_id.clone()),
        ("SLACK_URL".into(), slack.base_url()),
        ("RUST_LOG".into(), "info".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "256".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            "/aws/lambda/hallway-bench".into(),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), "bench".into()),
    ];
    for (k, v) in std::env::vars() {
        if k.starts_with("AWS_") && !k.starts_with("AWS_LAMBDA_") || k == "PATH" {
            env.push((k, v));
        }
    }

    // Seed through the same adapters the functions use.
    let lookup = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let config = Config::from_lookup(Mode::Lambda, lookup).unwrap();
    let secrets = SecretsManagerSource::new(emu.secrets.clone(), &secret_id)
        .load()
        .await
        .unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let dynamo = Arc::new(DynamoTable::new(
        emu.dynamodb.clone(),
        table.clone(),
        clock.clone(),
    ));
    let queue = Arc::new(SqsQueue::new(emu.sqs.clone(), queue_url.clone()));
    let services = Services::assemble(config, secrets, clock, dynamo, queue.clone()).unwrap();

    let team = TeamId::new(TEAM).unwrap();
    let scopes = hallway_tests::seed::OFFICE_SCOPES;
    let token = slack.issue_bot_token(TEAM, scopes);
    hallway_tests::seed::install(&services, &team, "Acme", BOT, Some(ALICE), token, scopes).await;
    let office = hallway_tests::seed::office(&services, &team, ALICE).await;

    World {
        env,
        services,
        slack,
        queue_url,
        emulators: emu,
        hq: office.hq,
        hall: office.hall,
    }
}

// ---------------------------------------------------------------------------
// Events, from the samples in events/ with fresh signatures and ids.

fn sample(path: &str) -> Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/");
    serde_json::from_str(&std::fs::read_to_string(format!("{p}{path}")).unwrap()).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An HTTP API event around `body`, Slack-signed now.
fn signed_http(mut event: Value, body: String) -> Vec<u8> {
    let ts = now().to_string();
    let sig = hallway::slack::verify::sign(&Secret::new(SIGNING_SECRET), &ts, body.as_bytes());
    let h = &mut event["headers"];
    h["x-slack-request-timestamp"] = json!(ts);
    h["x-slack-signature"] = json!(sig);
    h["content-length"] = json!(body.len().to_string());
    event["body"] = json!(body);
    event["isBase64Encoded"] = json!(false);
    serde_json::to_vec(&event).unwrap()
}

fn slash(text: &str) -> Vec<u8> {
    let body = serde_urlencoded::to_string([
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", TEAM),
        ("team_domain", "acme"),
        ("channel_id", GENERAL),
        ("channel_name", "general"),
        ("user_id", ALICE),
        ("user_name", "alice"),
        ("command", "/hallway"),
        ("text", text),
        ("api_app_id", "A0HALLWAY"),
        ("is_enterprise_install", "false"),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0DEMO/1/bench",
        ),
        ("trigger_id", "8047190123123.1211212121.bench"),
    ])
    .unwrap();
    signed_http(sample("commands/help.json"), body)
}

fn home_opened(i: usize) -> Vec<u8> {
    let mut event = sample("events/app_home_opened.json");
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["event_id"] = json!(format!("EvBENCH{}{i:07}", std::process::id()));
    body["event_time"] = json!(now());
    body["team_id"] = json!(TEAM);
    body["event"]["user"] = json!(ALICE);
    body["event"]["tab"] = json!("home");
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-slack-retry-num");
    signed_http(event.take(), body.to_string())
}

fn sqs_batch(bodies: &[String], i: usize) -> Vec<u8> {
    let mut event = sample("worker/meeting_notice_job.json");
    let template = event["Records"][0].take();
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| {
            let mut r = template.clone();
            r["messageId"] = json!(format!("bench-{i:07}-{n}"));
            r["body"] = json!(body);
            r["eventSourceARN"] = json!("arn:aws:sqs:us-east-1:123456789012:hallway-jobs");
            r
        })
        .collect();
    event["Records"] = json!(records);
    serde_json::to_vec(&event).unwrap()
}

fn join_opened(w: &World) -> Vec<u8> {
    let url = w.services.join_url(&JoinClaims {
        space: w.hq.clone(),
        room: w.hall.clone(),
        invite: None,
        guest: false,
        exp: now() + 3600,
    });
    let path = url.trim_start_matches("https://hallway.example").to_owned();
    let mut event = sample("oauth/join_tampered.json");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    serde_json::to_vec(&event).unwrap()
}

fn api_me(w: &World) -> Vec<u8> {
    let token = w.services.app_jwt.issue(&AppClaims {
        sub: OfficeUserId::new("ada").unwrap(),
        name: Some("Ada Lovelace".into()),
        email: None,
        roles: [(w.hq.clone(), Role::Admin)].into_iter().collect(),
        exp: now() + 3600,
        iat: None,
        sid: None,
    });
    let mut event = sample("api/me.json");
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    serde_json::to_vec(&event).unwrap()
}

/// An HTTP answer: its status and body.
fn http_answer(o: &Outcome) -> (u16, String) {
    assert!(o.ok, "error: {}", String::from_utf8_lossy(&o.body));
    let v: Value = serde_json::from_slice(&o.body).unwrap();
    (
        v["statusCode"].as_u64().unwrap_or(0) as u16,
        v["body"].as_str().unwrap_or("").to_owned(),
    )
}

// ---------------------------------------------------------------------------
// Runs and figures.

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Figures {
    /// What was run, e.g. "commands call".
    case: String,
    init_p50_ms: f64,
    init_max_ms: f64,
    first_ms: f64,
    warm_n: usize,
    warm_p50_ms: f64,
    warm_p99_ms: f64,
    warm_max_ms: f64,
    peak_rss_mb: f64,
    /// For a function with an extension: how long after each warm answer
    /// the sandbox stayed busy (deferred work; billed, not waited for).
    #[serde(default)]
    after_p50_ms: Option<f64>,
    #[serde(default)]
    after_p99_ms: Option<f64>,
    /// Budgets this case is held to.
    init_budget_ms: f64,
    p99_budget_ms: Option<f64>,
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

struct Case<'a> {
    name: &'static str,
    binary: &'static str,
    /// The n-th event.
    event: Box<dyn Fn(usize) -> Vec<u8> + 'a>,
    /// Checks one answer.
    check: Box<dyn Fn(&Outcome) + 'a>,
    p99_budget_ms: Option<f64>,
}

async fn run_case(
    case: &Case<'_>,
    bin_dir: &std::path::Path,
    env: &[(String, String)],
    cold: usize,
    warm: usize,
    log_dir: &std::path::Path,
) -> Figures {
    let bin = bin_dir.join(case.binary);
    assert!(
        bin.exists(),
        "{} is missing: build it first (scripts/bench lambda does)",
        bin.display()
    );
    let log = log_dir.join(format!("{}.log", case.name.replace(' ', "-")));
    let _ = std::fs::remove_file(&log);
    let mut env = env.to_vec();
    env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), case.binary.into()));
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    let mut n = 0;
    for _ in 0..cold {
        let mut p = Process::start(&bin, &env, &log).await;
        inits.push(p.init().await);
        let o = p.invoke((case.event)(n)).await;
        n += 1;
        (case.check)(&o);
        firsts.push(o.elapsed);
        p.settle().await;
    }
    let mut p = Process::start(&bin, &env, &log).await;
    p.init().await;
    let mut samples = Vec::with_capacity(warm);
    // The first (cold) invocation of this process is not a warm one.
    let o = p.invoke((case.event)(n)).await;
    (case.check)(&o);
    n += 1;
    for _ in 0..warm {
        let o = p.invoke((case.event)(n)).await;
        n += 1;
        (case.check)(&o);
        samples.push(o.elapsed);
    }
    p.settle().await;
    let rss = p.vm_hwm_kb();
    let mut after = std::mem::take(&mut *p.api.state.after_answer.lock().unwrap());
    // The cold invocation's is not a warm one.
    if !after.is_empty() {
        after.remove(0);
    }
    drop(p);
    Figures {
        case: case.name.to_owned(),
        init_p50_ms: ms(pct(&mut inits, 0.5)),
        init_max_ms: ms(pct(&mut inits, 1.0)),
        first_ms: ms(pct(&mut firsts, 0.5)),
        warm_n: samples.len(),
        warm_p50_ms: ms(pct(&mut samples, 0.5)),
        warm_p99_ms: ms(pct(&mut samples, 0.99)),
        warm_max_ms: ms(pct(&mut samples, 1.0)),
        peak_rss_mb: rss as f64 / 1024.0,
        after_p50_ms: (!after.is_empty()).then(|| ms(pct(&mut after, 0.5))),
        after_p99_ms: (!after.is_empty()).then(|| ms(pct(&mut after, 0.99))),
        init_budget_ms: 100.0,
        p99_budget_ms: case.p99_budget_ms,
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if hallway_tests::bench::run(bench()) == Some(true) {
        std::process::exit(1);
    }
}

async fn bench() -> bool {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let bin_dir = std::env::var("HALLWAY_BENCH_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release"));
    let log_dir = root.join("target/bench-lambda");
    std::fs::create_dir_all(&log_dir).unwrap();
    let cold = env_usize("HALLWAY_BENCH_COLD_STARTS", 10).max(1);
    let warm = env_usize("HALLWAY_BENCH_INVOCATIONS", 1_000).max(1);
    let only: Option<Vec<String>> = std::env::var("HALLWAY_BENCH_FUNCTIONS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
    let wanted = |f: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == f));
    let label = std::env::var("HALLWAY_BENCH_LABEL").unwrap_or_else(|_| "release".into());

    let w = world().await;
    let mut all = Vec::new();
    // The queue is consumed as the worker would consume it: an emulator
    // holding thousands of messages answers ever more slowly, which real
    // SQS does not.
    warm_up(&w).await;
    let kept = Arc::new(Mutex::new(Vec::<String>::new()));
    let drainer = tokio::spawn(drain(
        w.emulators.sqs.clone(),
        w.queue_url.clone(),
        kept.clone(),
    ));

    let slack_reply = |o: &Outcome| {
        let (status, body) = http_answer(o);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let mut cases: Vec<Case> = Vec::new();
    if wanted("commands") {
        cases.push(Case {
            name: "commands call",
            binary: "hallway-commands",
            event: Box::new(|_| slash("")),
            check: Box::new(move |o| {
                let v = slack_reply(o);
                assert_eq!(v["response_type"], "in_channel", "{v}");
                assert!(
                    v["text"]
                        .as_str()
                        .unwrap_or("")
                        .contains("calling you to Hall"),
                    "the channel is called to the largest empty room: {v}"
                );
            }),
            p99_budget_ms: Some(10.0),
        });
        cases.push(Case {
            name: "commands help",
            binary: "hallway-commands",
            event: Box::new(|_| slash("help")),
            check: Box::new(move |o| {
                let v = slack_reply(o);
                assert_eq!(v["response_type"], "ephemeral", "{v}");
            }),
            p99_budget_ms: Some(10.0),
        });
    }
    if wanted("events") {
        cases.push(Case {
            name: "events home_opened",
            binary: "hallway-events",
            event: Box::new(home_opened),
            check: Box::new(|o| {
                let (status, body) = http_answer(o);
                assert_eq!(status, 200, "{body}");
            }),
            p99_budget_ms: None,
        });
    }
    if wanted("oauth") {
        let event = join_opened(&w);
        cases.push(Case {
            name: "oauth join",
            binary: "hallway-oauth",
            event: Box::new(move |_| event.clone()),
            check: Box::new(|o| {
                let (status, body) = http_answer(o);
                assert!(status == 302 || status == 303, "{status} {body}");
            }),
            p99_budget_ms: None,
        });
    }
    if wanted("api") {
        let event = api_me(&w);
        cases.push(Case {
            name: "api me",
            binary: "hallway-api",
            event: Box::new(move |_| event.clone()),
            check: Box::new(|o| {
                let (status, body) = http_answer(o);
                assert_eq!(status, 200, "{body}");
                assert!(body.contains("ada"), "{body}");
            }),
            p99_budget_ms: None,
        });
    }
    let mut figures = Vec::new();
    let meetings = w.services.meetings();
    for case in &cases {
        if case.name == "commands call" {
            // Recorded after the answer (deferred): none before, one after.
            let m = meetings.get(&w.hq, &w.hall).await.unwrap();
            assert!(m.is_none(), "no meeting before the calls");
        }
        let f = run_case(case, &bin_dir, &w.env, cold, warm, &log_dir).await;
        if case.name == "commands call" {
            let m = meetings.get(&w.hq, &w.hall).await.unwrap();
            let m = m.expect("the calls' meeting was recorded after their answers");
            assert_eq!(m.channel_id.as_str(), GENERAL);
        }
        print_row(&label, &f);
        figures.push(f);
    }
    if wanted("worker") {
        // Real jobs: what the events function queued for app_home_opened.
        let mut bodies = kept.lock().unwrap().clone();
        if bodies.is_empty() {
            // The events function was not run: the job it would have queued.
            bodies.push(hallway_events_job());
        }
        let slack = &w.slack;
        let before = slack.calls_to("views.publish").len();
        let published = std::sync::atomic::AtomicUsize::new(0);
        let case = Case {
            name: "worker home job",
            binary: "hallway-worker",
            event: Box::new(|i| sqs_batch(&bodies[i % bodies.len()..][..1], i)),
            check: Box::new(|o| {
                assert!(o.ok, "{}", String::from_utf8_lossy(&o.body));
                let v: Value = serde_json::from_slice(&o.body).unwrap();
                assert_eq!(v["batchItemFailures"], json!([]), "{v}");
                published.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }),
            p99_budget_ms: None,
        };
        let f = run_case(&case, &bin_dir, &w.env, cold, warm, &log_dir).await;
        let views = slack.calls_to("views.publish").len() - before;
        let jobs = published.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(views, jobs, "one views.publish per home job");
        print_row(&label, &f);
        figures.push(f);
    }
    all.extend(figures);
    drainer.abort();
    floor(&w).await;
    drop(w.emulators);
    judge(&all)
}

/// DynamoDB Local is a JVM: its first few thousand requests run slower
/// while it compiles itself, which would land on whichever case runs
/// first. Gets, queries and conditional puts until it is warm.
async fn warm_up(w: &World) {
    let s = &w.services;
    let team = TeamId::new(TEAM).unwrap();
    let (installations, spaces) = (s.installations(), s.spaces());
    let started = Instant::now();
    for _ in 0..1_500 {
        let (a, b, c) = tokio::join!(
            installations.get(&team),
            spaces.rooms(&w.hq),
            spaces.for_team(&team),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
    }
    println!(
        "warm-up    4,500 reads on DynamoDB Local before measuring: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// One GetItem from this process to DynamoDB Local, for scale: a handler
/// that waits on n round trips one after another cannot beat n of these.
async fn floor(w: &World) {
    let key = hallway::keys::installation(&TeamId::new(TEAM).unwrap());
    let table = &w.services.config.table;
    let mut samples = Vec::new();
    for i in 0..1_100 {
        let started = Instant::now();
        w.emulators
            .dynamodb
            .get_item()
            .table_name(table)
            .set_key(Some(
                [
                    (
                        hallway::table::PK.to_owned(),
                        aws_sdk_dynamodb::types::AttributeValue::S(key.pk.clone()),
                    ),
                    (
                        hallway::table::SK.to_owned(),
                        aws_sdk_dynamodb::types::AttributeValue::S(key.sk.clone()),
                    ),
                ]
                .into(),
            ))
            .send()
            .await
            .unwrap();
        if i >= 100 {
            samples.push(started.elapsed());
        }
    }
    println!(
        "floor      one GetItem on DynamoDB Local from the bench process: n={} p50 {:.2} ms p99 {:.2} ms",
        samples.len(),
        ms(pct(&mut samples, 0.5)),
        ms(pct(&mut samples, 0.99))
    );
}

/// Receives and deletes what the functions queue, keeping a few
/// app_home_opened jobs for the worker's run.
async fn drain(sqs: aws_sdk_sqs::Client, url: String, kept: Arc<Mutex<Vec<String>>>) {
    loop {
        let Ok(got) = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
        else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        for m in got.messages() {
            if let Some(b) = m.body()
                && b.contains("app_home_opened")
            {
                let mut kept = kept.lock().unwrap();
                if kept.len() < 100 {
                    kept.push(b.to_owned());
                }
            }
            if let Some(r) = m.receipt_handle() {
                let _ = sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(r)
                    .send()
                    .await;
            }
        }
    }
}

/// An app_home_opened job for Alice, as the events function queues it.
fn hallway_events_job() -> String {
    let event = sample("events/app_home_opened.json");
    let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    let mut inner = body["event"].clone();
    inner["user"] = json!(ALICE);
    inner["tab"] = json!("home");
    let hallway::slack::events::Parsed::Known(event) = hallway::slack::events::parse_event(&inner)
    else {
        panic!("the sample's event parses");
    };
    hallway::jobs::encode(&hallway::jobs::Job::SlackEvent(
        hallway::jobs::SlackEventJob {
            team_id: TeamId::new(TEAM).unwrap(),
            enterprise_id: None,
            event_id: hallway::ids::EventId::new("EvBENCHJOB").unwrap(),
            event_time: now(),
            event,
        },
    ))
}

fn print_row(label: &str, f: &Figures) {
    println!(
        "{label:<10} {:<20} init p50 {:>6.1} ms (max {:>6.1})  first {:>6.2} ms  warm n={} p50 {:>6.2} ms p99 {:>6.2} ms max {:>7.2} ms  peak RSS {:>5.1} MB",
        f.case,
        f.init_p50_ms,
        f.init_max_ms,
        f.first_ms,
        f.warm_n,
        f.warm_p50_ms,
        f.warm_p99_ms,
        f.warm_max_ms,
        f.peak_rss_mb
    );
    if let (Some(p50), Some(p99)) = (f.after_p50_ms, f.after_p99_ms) {
        println!(
            "{label:<10} {:<20} after the answer (extension, deferred work): p50 {p50:>6.2} ms p99 {p99:>6.2} ms",
            f.case
        );
    }
}

/// Budgets (reported) and the baseline (a regression of more than 20 %
/// fails the run); true when anything failed.
fn judge(all: &[Figures]) -> bool {
    let mut failed = false;
    println!();
    for f in all {
        let mut verdicts = vec![format!(
            "init p50 {:.1} ms vs {} ms: {}",
            f.init_p50_ms,
            f.init_budget_ms,
            met(f.init_p50_ms <= f.init_budget_ms)
        )];
        if let Some(b) = f.p99_budget_ms {
            verdicts.push(format!(
                "warm p99 {:.2} ms vs {b} ms: {}",
                f.warm_p99_ms,
                met(f.warm_p99_ms <= b)
            ));
        }
        verdicts.push(format!(
            "peak RSS {:.1} MB vs 40 MB: {}",
            f.peak_rss_mb,
            met(f.peak_rss_mb <= 40.0)
        ));
        println!("budget {:<20} {}", f.case, verdicts.join("; "));
    }
    if let Ok(path) = std::env::var("HALLWAY_BENCH_SAVE") {
        std::fs::write(&path, serde_json::to_string_pretty(all).unwrap() + "\n").unwrap();
        println!("saved to {path}");
    }
    if let Ok(path) = std::env::var("HALLWAY_BENCH_BASELINE") {
        match std::fs::read_to_string(&path) {
            Err(e) => println!("no baseline at {path} ({e}); nothing compared"),
            Ok(text) => {
                let base: Vec<Figures> = serde_json::from_str(&text).unwrap();
                for f in all {
                    let Some(b) = base.iter().find(|b| b.case == f.case) else {
                        continue;
                    };
                    // Below these absolute differences a change is noise
                    // (a 0.2 ms p99 moves by 20 % run to run).
                    for (what, now, then, noise) in [
                        ("init p50", f.init_p50_ms, b.init_p50_ms, 2.0),
                        ("warm p99", f.warm_p99_ms, b.warm_p99_ms, 0.5),
                    ] {
                        let verdict = if now > then * REGRESSION && now - then > noise {
                            failed = true;
                            "REGRESSION (> 20 %)"
                        } else {
                            "ok"
                        };
                        println!(
                            "{:<20} {what}: {now:.2} ms vs baseline {then:.2} ms ({:+.0} %) {verdict}",
                            f.case,
                            (now / then - 1.0) * 100.0
                        );
                    }
                }
            }
        }
    }
    failed
}
