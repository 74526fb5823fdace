//! Lambda's Runtime API and Extensions API played on loopback, and the
//! world a function binary runs in: the five release binaries in the
//! Runtime API benchmark (`tests/benches/lambda.rs`) and the debug ones in
//! the end-to-end tests start here exactly as Lambda would start them.
//!
//! - [`Process`]: one function process, its own Runtime API
//!   (`/2018-06-01/runtime/...`) and Extensions API
//!   (`/2020-01-01/extension/...`); the next event goes out only when the
//!   runtime and every registered extension have asked for it, as on Lambda.
//! - [`world`]: a table, queue and secret on the emulators, the fake Slack,
//!   an installed team with the seeded office, and the environment the
//!   functions get.
//! - [`slash`], [`signed_http`], [`sample`]: events from `events/`, signed
//!   now.

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{Config, Mode};
use hallway::ids::TeamId;
use hallway::queue::sqs::SqsQueue;
use hallway::secrets::{Secret, SecretSource, SecretsManagerSource};
use hallway::services::Services;
use hallway::table::dynamo::DynamoTable;
use hallway_fake_slack::{AppConfig, FakeSlack, TeamSeed};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::Emulators;

/// A function binary built in this workspace's target directory
/// (`profile`: `debug` or `release`).
pub fn binary(profile: &str, name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join(profile).join(name)
}

pub const SIGNING_SECRET: &str = "bench-signing-secret";
pub const JWT_SECRET: &str = "bench-jwt-secret";
pub const TEAM: &str = "T0DEMO";
pub const ALICE: &str = "U0DEMO01";
pub const BOT: &str = "U0DEMOBOT";
pub const GENERAL: &str = "C0GENERAL";

// ---------------------------------------------------------------------------
// The Runtime API, one per process.

struct Invocation {
    payload: Vec<u8>,
    /// How long the function may take (Lambda's deadline header).
    timeout: Duration,
    done: oneshot::Sender<Outcome>,
}

#[derive(Debug)]
pub struct Outcome {
    /// `/response` (true) or `/error` (false).
    pub ok: bool,
    pub body: Vec<u8>,
    /// From the event's `/next` answer to its `/response` or `/error`.
    pub elapsed: Duration,
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
        + inv.timeout.as_millis();
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

pub struct Process {
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
    pub async fn start(bin: &FsPath, env: &[(String, String)], log: &FsPath) -> Self {
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
    pub async fn init(&mut self) -> Duration {
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

    /// One invocation with a 30 s deadline; its answer.
    pub async fn invoke(&self, payload: Vec<u8>) -> Outcome {
        self.invoke_within(payload, Duration::from_secs(30)).await
    }

    /// One invocation that may take `timeout`; its answer.
    pub async fn invoke_within(&self, payload: Vec<u8>, timeout: Duration) -> Outcome {
        let (done, outcome) = oneshot::channel();
        self.api
            .send
            .send(Invocation {
                payload,
                timeout,
                done,
            })
            .await
            .expect("the Runtime API is up");
        tokio::time::timeout(Duration::from_secs(30), outcome)
            .await
            .expect("an answer within 30 s")
            .expect("the invocation finished")
    }

    /// Whether the function registered an extension.
    pub fn has_extension(&self) -> bool {
        self.api
            .state
            .extension
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How long after each answer so far the extension asked for its next
    /// event (taken: the next call returns only later ones).
    pub fn after_answers(&self) -> Vec<Duration> {
        std::mem::take(&mut *self.api.state.after_answer.lock().unwrap())
    }

    /// Waits until a registered extension has asked for its next event,
    /// as Lambda does before freezing the sandbox, so the work it finishes
    /// after an answer is not cut short by the bench stopping the process.
    pub async fn settle(&self) {
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
    pub fn vm_hwm_kb(&self) -> u64 {
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

pub struct World {
    /// What each function is started with (besides the Runtime API).
    pub env: Vec<(String, String)>,
    /// The same table, queue and secret, for seeding and checking.
    pub services: Services,
    pub slack: FakeSlack,
    pub queue_url: String,
    pub dlq_url: String,
    pub emulators: Emulators,
    /// The seeded office: HQ, connected to the team, and its Hall.
    pub hq: hallway::ids::SpaceId,
    pub hall: hallway::ids::RoomId,
}

/// `None` without the emulators.
pub async fn world() -> Option<World> {
    let emu = Emulators::connect().await?;
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
    let (queue_url, dlq_url) = emu
        .create_queue(
            hallway::queue::VISIBILITY_TIMEOUT,
            hallway::queue::MAX_RECEIVES,
        )
        .await;

    let mut env: Vec<(String, String)> = vec![
        ("HALLWAY_BASE_URL".into(), "https://hallway.example".into()),
        (
            "HALLWAY_APP_URL".into(),
            "https://office.example/app".into(),
        ),
        ("HALLWAY_TABLE".into(), table.clone()),
        ("HALLWAY_QUEUE_URL".into(), queue_url.clone()),
        ("HALLWAY_DEAD_LETTER_QUEUE_URL".into(), dlq_url.clone()),
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
    let scopes = crate::seed::OFFICE_SCOPES;
    let token = slack.issue_bot_token(TEAM, scopes);
    crate::seed::install(&services, &team, "Acme", BOT, Some(ALICE), token, scopes).await;
    let office = crate::seed::office(&services, &team, ALICE).await;

    Some(World {
        env,
        services,
        slack,
        queue_url,
        dlq_url,
        emulators: emu,
        hq: office.hq,
        hall: office.hall,
    })
}

// ---------------------------------------------------------------------------
// Events, from the samples in events/ with fresh signatures and ids.

pub fn sample(path: &str) -> Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/");
    serde_json::from_str(&std::fs::read_to_string(format!("{p}{path}")).unwrap()).unwrap()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An HTTP API event around `body`, Slack-signed now.
pub fn signed_http(mut event: Value, body: String) -> Vec<u8> {
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

pub fn slash(text: &str) -> Vec<u8> {
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

/// An HTTP answer: its status and body.
pub fn http_answer(o: &Outcome) -> (u16, String) {
    assert!(o.ok, "error: {}", String::from_utf8_lossy(&o.body));
    let v: Value = serde_json::from_slice(&o.body).unwrap();
    (
        v["statusCode"].as_u64().unwrap_or(0) as u16,
        v["body"].as_str().unwrap_or("").to_owned(),
    )
}

// ---------------------------------------------------------------------------
// Counting what a function asks of AWS.

/// A loopback HTTP proxy in front of an AWS endpoint that counts the
/// requests passing through by operation (the `X-Amz-Target` header both
/// DynamoDB's and SQS's JSON protocols send): how many round trips a
/// function makes, seen from outside it, whatever its code says.
#[derive(Clone)]
pub struct CountingProxy {
    pub url: String,
    counts: Arc<Mutex<std::collections::BTreeMap<String, usize>>>,
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    counts: Arc<Mutex<std::collections::BTreeMap<String, usize>>>,
}

async fn forward(
    State(p): State<ProxyState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned())
        .unwrap_or_else(|| format!("{method} {}", uri.path()));
    *p.counts.lock().unwrap().entry(operation).or_default() += 1;
    let mut outgoing = headers.clone();
    outgoing.remove(axum::http::header::HOST);
    let target = format!(
        "{}{}",
        p.upstream.trim_end_matches('/'),
        uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/")
    );
    match p
        .client
        .request(method, target)
        .headers(outgoing)
        .body(body)
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status();
            let mut back = r.headers().clone();
            back.remove(axum::http::header::TRANSFER_ENCODING);
            let bytes = r.bytes().await.unwrap_or_default();
            (status, back, bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

impl CountingProxy {
    pub async fn start(upstream: &str) -> Self {
        let counts = Arc::new(Mutex::new(std::collections::BTreeMap::new()));
        let state = ProxyState {
            upstream: upstream.to_owned(),
            client: reqwest::Client::new(),
            counts: counts.clone(),
        };
        let app = Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, counts }
    }

    /// The requests counted since the last call, by operation.
    pub fn take(&self) -> std::collections::BTreeMap<String, usize> {
        std::mem::take(&mut *self.counts.lock().unwrap())
    }
}
