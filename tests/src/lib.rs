//! Test support for hallway's end-to-end tests and conformance suites.
//!
//! The emulators (DynamoDB Local, moto) are installed and started by
//! `scripts/test`, which exports their endpoints the way the AWS SDK reads
//! them (`AWS_ENDPOINT_URL_DYNAMODB`, …) and sets `HALLWAY_TEST_EMULATORS=1`.
//! A test that needs them and finds them missing fails with a message saying
//! so, never silently passes. Set `HALLWAY_SKIP_EMULATORS=1` to skip those
//! tests deliberately (each prints that it was skipped).
//!
//! # Layout
//! - [`emulators`]: AWS clients for the emulators; fresh tables and queues.
//! - [`spawn_app`]: the whole bundle on a loopback port with the fake Slack
//!   and the worker polling the queue; on the embedded store and in-process
//!   queue by default (they pass the same conformance suites), on DynamoDB
//!   Local, SQS and Secrets Manager in moto with [`AppOptions::emulators`].
//! - [`metering`]: the SDK interceptors that count what the bundle's
//!   requests to the emulators cost (capacity units, SQS requests).
//! - [`counting`]: table and queue wrappers that count round trips.
//! - [`signed`]: Slack-signed requests.
//! - [`in_process`]: the bundle on the embedded store and in-process queue,
//!   for benchmarks.
//! - [`office`]: the office's webhook receiver (verifies, refuses replays).
//! - [`seed`]: the office most tests start from (Ada linked, HQ connected),
//!   and an installation, written straight into the stores.
//! - [`bench`]: what the benchmark binaries share.
//! - [`lambda`]: function binaries started as Lambda starts them, against
//!   a Runtime API and Extensions API played on loopback.

pub mod bench;
pub mod counting;
pub mod demo;
pub mod emulators;
pub mod flaky;
pub mod in_process;
pub mod lambda;
pub mod logs;
pub mod metering;
pub mod office;
pub mod seed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hallway::clock::{Clock, ManualClock, SharedClock};
use hallway::config::{Config, Mode};
use hallway::queue::SharedQueue;
use hallway::queue::memory::MemoryQueue;
use hallway::queue::sqs::SqsQueue;
use hallway::secrets::{EnvSecrets, SecretSource, Secrets, SecretsManagerSource};
use hallway::services::Services;
use hallway::table::SharedTable;
use hallway::table::dynamo::DynamoTable;
use hallway::table::embedded::EmbeddedTable;
use hallway_fake_slack::{AppConfig, FakeSlack, TeamSeed};
use tokio::sync::watch;

pub use emulators::Emulators;

pub const SIGNING_SECRET: &str = "e2e-signing-secret";

/// The whole bundle, running.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    pub services: Services,
    pub slack: FakeSlack,
    pub clock: Arc<ManualClock>,
    /// The table the bundle uses (before [`AppOptions::wrap_table`]).
    pub table: SharedTable,
    /// The job queue the worker polls (before [`AppOptions::wrap_queue`]).
    pub queue: SharedQueue,
    pub dlq: SharedQueue,
    pub http: reqwest::Client,
    backend: Backend,
    /// The office's webhook receiver, with [`AppOptions::bridge`].
    pub office: Option<office::OfficeReceiver>,
    stop_worker: Option<watch::Sender<bool>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_worker.take() {
            let _ = stop.send(true);
        }
    }
}

/// Where the bundle's table, queue and secret live.
enum Backend {
    /// The embedded store and the in-process queue (they pass the same
    /// conformance suites as the emulators).
    Embedded {
        table: Arc<EmbeddedTable>,
        queue: Arc<MemoryQueue>,
    },
    /// DynamoDB Local and moto through the AWS SDK, counted by meters.
    Emulators {
        emulators: Emulators,
        queue_url: String,
        meters: Meters,
    },
}

/// What the bundle's requests to the emulators cost, counted by the SDK's
/// interceptors ([`metering`]).
#[derive(Clone, Debug, Default)]
pub struct Meters {
    pub table: metering::TableMeter,
    pub queue: metering::QueueMeter,
}

/// Options for [`spawn_app_with`].
#[derive(Default)]
pub struct AppOptions {
    /// On the emulators (DynamoDB Local, SQS and Secrets Manager in moto,
    /// through the AWS SDK) instead of the embedded store and in-process
    /// queue: for the wire smoke test, fault tests and the cost benchmark.
    pub emulators: bool,
    /// Leave the worker off (tests that inspect the queue).
    pub no_worker: bool,
    /// Wraps the queue the app sends to (for failure injection); the worker
    /// still polls the real queue.
    pub wrap_queue: Option<Box<dyn FnOnce(SharedQueue) -> SharedQueue + Send>>,
    /// Wraps the table the routers and the worker use (e.g. to count
    /// requests: [`counting`]).
    pub wrap_table: Option<Box<dyn FnOnce(SharedTable) -> SharedTable + Send>>,
    /// The fake Slack's app (token rotation, credentials).
    pub fake_app: Option<AppConfig>,
    /// The fake Slack's workspaces (default: the demo workspace plus
    /// `T0OTHER`, a second one).
    pub teams: Option<Vec<TeamSeed>>,
    /// How many pollers feed the worker (Lambda runs several batches at
    /// once); default 4.
    pub pollers: Option<usize>,
    /// The job queue's visibility timeout; default 2 s (quick retries).
    pub visibility: Option<Duration>,
    /// The chat bridge on: the fake Slack delivers events to the bundle,
    /// and the bundle tells an office receiver ([`TestApp::office`]).
    pub bridge: bool,
    /// A DynamoDB endpoint of the test's own (one it stops and restarts)
    /// instead of the shared DynamoDB Local (implies `emulators`).
    pub dynamodb_endpoint: Option<String>,
    /// Receives before a job is dead-lettered; default 3.
    pub max_receives: Option<u32>,
    /// `HALLWAY_HISTORY_PER_MINUTE` (default: the strict 1 a minute of a
    /// commercially distributed app).
    pub history_per_minute: Option<u32>,
    /// `HALLWAY_APP_URL`, for an office on another origin than hallway
    /// (default: `<base>/app`, the bundle's stand-in).
    pub app_url: Option<String>,
}

impl AppOptions {
    /// A deployment used only inside its own organisation: the fake Slack
    /// gives it Tier 3 history limits and hallway's budget is 50 a minute.
    pub fn internal_app() -> Self {
        Self {
            fake_app: Some(AppConfig {
                distribution: hallway_fake_slack::Distribution::Internal,
                ..AppConfig::default()
            }),
            history_per_minute: Some(50),
            ..Self::default()
        }
    }
}

/// A second workspace for cross-team cases.
pub fn other_team() -> TeamSeed {
    let mut t = TeamSeed::with_people("T0OTHER", "Globex", 3);
    t.users[0].id = "U0OTHER01".into();
    t.users[0].email = Some("olga@globex.example".into());
    t
}

/// Starts the bundle with the worker running.
pub async fn spawn_app() -> Option<TestApp> {
    spawn_app_with(AppOptions::default()).await
}

/// Starts the bundle with the worker off, so tests can inspect the queue.
pub async fn spawn_app_without_worker() -> Option<TestApp> {
    spawn_app_with(AppOptions {
        no_worker: true,
        ..AppOptions::default()
    })
    .await
}

/// Starts the bundle. `None` when emulators are deliberately skipped.
pub async fn spawn_app_with(opts: AppOptions) -> Option<TestApp> {
    // `HALLWAY_TEST_LOG=debug cargo test … -- --nocapture` shows the
    // bundle's logs while debugging a test.
    if let Ok(filter) = std::env::var("HALLWAY_TEST_LOG") {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let _ = tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().with_test_writer())
            .with(hallway::telemetry::filter(Some(&filter)))
            .try_init();
    }
    let on_emulators = opts.emulators || opts.dynamodb_endpoint.is_some();
    let emu = match on_emulators {
        true => Some(Emulators::connect().await?),
        false => None,
    };
    let app = opts.fake_app.clone().unwrap_or_default();
    let teams = opts
        .teams
        .clone()
        .unwrap_or_else(|| vec![TeamSeed::demo(), other_team()]);
    let slack = FakeSlack::start(app.clone(), teams)
        .await
        .expect("fake Slack starts");
    let clock = Arc::new(ManualClock::now());
    let shared_clock: SharedClock = clock.clone();

    let office = match opts.bridge {
        true => Some(office::OfficeReceiver::start("e2e-office-webhook-secret").await),
        false => None,
    };
    let mut secret = serde_json::json!({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": app.client_id,
        "SLACK_CLIENT_SECRET": app.client_secret,
        "HALLWAY_TOKEN_KEY": hallway::crypto::TokenCipher::generate_key().unwrap(),
        "HALLWAY_APP_JWT_SECRET": "e2e-jwt-secret",
    });
    if let Some(o) = &office {
        secret["HALLWAY_OFFICE_WEBHOOK_SECRET"] = serde_json::json!(o.secret);
    }
    let visibility = opts.visibility.unwrap_or(Duration::from_secs(2));
    let max_receives = opts.max_receives.unwrap_or(3);

    let (backend, table, queue, dlq, secrets, names): (
        _,
        SharedTable,
        SharedQueue,
        SharedQueue,
        _,
        _,
    ) = match emu {
        None => {
            let table =
                Arc::new(EmbeddedTable::in_memory(shared_clock.clone()).expect("embedded store"));
            let dlq = Arc::new(MemoryQueue::new(visibility));
            let queue = Arc::new(MemoryQueue::with_dead_letters(
                visibility,
                max_receives,
                dlq.clone(),
            ));
            let vars = serde_json::from_value(secret).expect("secrets are strings");
            let secrets = EnvSecrets::from_map(vars).load().await.expect("secrets");
            // Config wants the deployed names; nothing reaches them.
            let names = (
                "hallway-embedded".to_owned(),
                "http://in-process.invalid/queue/hallway-jobs".to_owned(),
                "hallway-in-process".to_owned(),
            );
            (
                Backend::Embedded {
                    table: table.clone(),
                    queue: queue.clone(),
                },
                table as SharedTable,
                queue as SharedQueue,
                dlq as SharedQueue,
                secrets,
                names,
            )
        }
        Some(mut emulators) => {
            if let Some(url) = &opts.dynamodb_endpoint {
                let conf = emulators
                    .dynamodb
                    .config()
                    .to_builder()
                    .endpoint_url(url)
                    .build();
                emulators.dynamodb = aws_sdk_dynamodb::Client::from_conf(conf);
            }
            // Secrets come from Secrets Manager (moto), as on Lambda.
            let secret_id = emulators.create_secret(&secret).await;
            let secrets: Secrets = SecretsManagerSource::new(emulators.secrets.clone(), &secret_id)
                .load()
                .await
                .expect("secrets load from moto");
            let table_name = emulators.create_table().await;
            let (queue_url, dlq_url) = emulators.create_queue(visibility, max_receives).await;
            // The bundle's clients are metered; the test's own (setup,
            // inspection) are not.
            let meters = Meters::default();
            let dynamodb = meters.table.install(&emulators.dynamodb);
            let sqs = meters.queue.install(&emulators.sqs);
            let table = Arc::new(DynamoTable::new(
                dynamodb,
                table_name.clone(),
                shared_clock.clone(),
            ));
            let queue = Arc::new(
                SqsQueue::new(sqs.clone(), queue_url.clone()).with_dead_letters(dlq_url.clone()),
            );
            let dlq = Arc::new(SqsQueue::new(sqs, dlq_url));
            (
                Backend::Emulators {
                    emulators,
                    queue_url: queue_url.clone(),
                    meters,
                },
                table as SharedTable,
                queue as SharedQueue,
                dlq as SharedQueue,
                secrets,
                (table_name, queue_url, secret_id),
            )
        }
    };
    let (table_name, queue_url, secret_id) = names;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base_url = format!("http://{addr}");
    let config = Config::from_lookup(Mode::Lambda, |k| match k {
        "HALLWAY_BASE_URL" => Some(base_url.clone()),
        "HALLWAY_APP_URL" => Some(
            opts.app_url
                .clone()
                .unwrap_or_else(|| format!("{base_url}/app")),
        ),
        "HALLWAY_QUEUE_URL" => Some(queue_url.clone()),
        "HALLWAY_TABLE" => Some(table_name.clone()),
        "HALLWAY_SECRET_ID" => Some(secret_id.clone()),
        "SLACK_URL" => Some(slack.base_url()),
        "HALLWAY_OFFICE_WEBHOOK_URL" => office.as_ref().map(|o| o.url.clone()),
        "HALLWAY_HISTORY_PER_MINUTE" => opts.history_per_minute.map(|n| n.to_string()),
        _ => None,
    })
    .expect("config");
    if opts.bridge {
        slack.deliver_events_to(&format!("{base_url}/slack/events"), SIGNING_SECRET);
    }
    // The app's settings as Slack holds them, now that its address is known:
    // its Redirect URLs (the manifest's) and the Request URLs of its slash
    // command and interactivity.
    slack.set_redirect_urls(&[
        config.endpoint(hallway::slack::oauth::OAUTH_CALLBACK_PATH),
        config.endpoint(hallway::slack::oauth::LOGIN_CALLBACK_PATH),
    ]);
    slack.commands_to(
        &config.endpoint(hallway_commands::COMMANDS_PATH),
        SIGNING_SECRET,
    );
    slack.interactivity_to(
        &config.endpoint(hallway_commands::INTERACTIVITY_PATH),
        SIGNING_SECRET,
    );
    let app_queue: SharedQueue = match opts.wrap_queue {
        Some(wrap) => wrap(queue.clone()),
        None => queue.clone(),
    };
    let app_table: SharedTable = match opts.wrap_table {
        Some(wrap) => wrap(table.clone()),
        None => table.clone(),
    };
    let services =
        Services::assemble(config, secrets, shared_clock, app_table, app_queue).expect("services");
    let router = hallway_local::bundle::routes(services.clone());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });

    let mut stop_worker = None;
    if !opts.no_worker {
        let (stop, stopped) = watch::channel(false);
        let worker = std::sync::Arc::new(hallway_worker::Worker::new(services.clone()));
        for _ in 0..opts.pollers.unwrap_or(4).max(1) {
            let (worker, worker_queue, stopped) = (worker.clone(), queue.clone(), stopped.clone());
            tokio::spawn(async move {
                let handler = |event| {
                    let w = worker.clone();
                    async move {
                        Ok(
                            hallway_worker::handle(&w, event, hallway_worker::local_deadline())
                                .await,
                        )
                    }
                };
                hallway::queue::poller::run(worker_queue.as_ref(), handler, 10, stopped).await;
            });
        }
        stop_worker = Some(stop);
    }

    Some(TestApp {
        addr,
        base_url,
        services,
        slack,
        clock,
        table,
        queue,
        dlq,
        backend,
        office,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop_worker,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Moves time on for the bundle and for the fake Slack alike (rate
    /// windows, token lifetimes), as if `secs` had passed.
    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_secs(secs);
        self.slack.advance(Duration::from_secs(secs.max(0) as u64));
    }

    /// POSTs a body signed as Slack would, at the app's current time.
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        extra_headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let ts = self.now_secs().to_string();
        let mut req = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", signed::signature(&ts, body.as_bytes()))
            .body(body.to_owned());
        for (k, v) in extra_headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("the app answers")
    }

    /// An office-app bearer token for `user` with roles per space.
    pub fn token(
        &self,
        user: &str,
        roles: &[(&hallway::ids::SpaceId, hallway::store::Role)],
    ) -> String {
        self.services.app_jwt.issue(&hallway::auth::AppClaims {
            sub: hallway::ids::OfficeUserId::new(user).unwrap(),
            name: Some(format!("{user} (office)")),
            email: None,
            picture: None,
            roles: roles.iter().map(|(s, r)| ((*s).clone(), *r)).collect(),
            exp: self.now_secs() + 3600,
            iat: None,
            sid: None,
        })
    }

    /// Calls the API; returns the status and the JSON body (`null` when empty).
    pub async fn api(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("the app answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }

    /// Calls the API and reads a success as `T`, one of the API's own wire
    /// types (`hallway_api::model`), so a renamed or retyped field fails
    /// here; an error answer, or a body that is not a `T`, fails the test
    /// with the body.
    pub async fn api_ok<T: serde::de::DeserializeOwned>(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, T) {
        let (status, json) = self.api(method.clone(), path, token, body).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {json}"
        );
        match serde_json::from_value(json.clone()) {
            Ok(v) => (status, v),
            Err(e) => panic!(
                "{method} {path}: the answer is not a {}: {e}\n{json}",
                std::any::type_name::<T>()
            ),
        }
    }

    /// Calls the API expecting a refusal: its status and `{"error": …}`.
    pub async fn api_err(
        &self,
        method: http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, hallway_api::model::ErrorBody) {
        let (status, json) = self.api(method.clone(), path, token, body).await;
        assert!(status >= 400, "{method} {path}: {status} {json}");
        match serde_json::from_value(json.clone()) {
            Ok(e) => (status, e),
            Err(e) => panic!("{method} {path}: {status} is not an error body: {e}\n{json}"),
        }
    }

    /// Runs `/hallway <text>` as `user` in `channel`, signed; returns the
    /// JSON reply and the id of the command's `response_url` on the fake.
    pub async fn slash(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> (serde_json::Value, String) {
        let response_id = uuid::Uuid::new_v4().simple().to_string();
        // What Slack puts in `channel_name`: `directmessage` in a DM,
        // `mpdm-…` in a group DM, else the channel's name.
        let channel_name = self.slack.with_world(|w| {
            match w.teams.get("T0DEMO").and_then(|t| t.channels.get(channel)) {
                Some(c) if c.is_im => "directmessage".to_owned(),
                Some(c) => c.name.clone(),
                None if channel.starts_with('D') => "directmessage".to_owned(),
                None => "general".to_owned(),
            }
        });
        let form = [
            ("token", "legacy-verification-token"),
            ("team_id", "T0DEMO"),
            ("team_domain", "acme"),
            ("channel_id", channel),
            ("channel_name", &channel_name),
            ("user_id", user),
            ("user_name", "someone"),
            ("command", "/hallway"),
            ("text", text),
            ("api_app_id", "A0HALLWAY"),
            ("is_enterprise_install", "false"),
            ("response_url", &self.slack.response_url(&response_id)),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ];
        let body = serde_urlencoded::to_string(form).unwrap();
        let resp = self
            .post_signed(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                &body,
                &[],
            )
            .await;
        assert_eq!(resp.status(), 200, "slash commands always answer 200");
        (resp.json().await.unwrap(), response_id)
    }

    /// A browser (cookie jar, redirects followed by hand) for this app.
    pub fn browser(&self) -> Browser {
        Browser::new(self.url("/app"))
    }

    /// Messages in the job queue: visible, in flight and delayed.
    pub async fn queue_depth(&self) -> usize {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let (emulators, queue_url) = match &self.backend {
            Backend::Embedded { queue, .. } => return queue.len(),
            Backend::Emulators {
                emulators,
                queue_url,
                ..
            } => (emulators, queue_url),
        };
        let attrs = emulators
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(A::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .unwrap_or_default();
        attrs.values().filter_map(|v| v.parse::<usize>().ok()).sum()
    }

    /// The emulators' clients, when the app runs on them
    /// ([`AppOptions::emulators`]).
    pub fn emulators(&self) -> Option<&Emulators> {
        match &self.backend {
            Backend::Emulators { emulators, .. } => Some(emulators),
            Backend::Embedded { .. } => None,
        }
    }

    /// What the bundle's requests to the emulators cost so far; `None` on
    /// the embedded store.
    pub fn meters(&self) -> Option<&Meters> {
        match &self.backend {
            Backend::Emulators { meters, .. } => Some(meters),
            Backend::Embedded { .. } => None,
        }
    }

    /// Every item of the table: a full scan.
    pub async fn all_items(&self) -> Vec<hallway::table::Item> {
        let (emulators, table) = match &self.backend {
            Backend::Embedded { table, .. } => return table.scan_all().await.expect("scan"),
            Backend::Emulators { emulators, .. } => (emulators, &self.services.config.table),
        };
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = emulators
                .dynamodb
                .scan()
                .table_name(table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            out.extend(page.items().iter().cloned().map(hallway::table::Item::from));
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return out,
            }
        }
    }

    /// The (pk, sk) of every item of the table that mentions `needle`
    /// anywhere (keys or attributes): for tests that check nothing of
    /// someone is left behind.
    pub async fn items_mentioning(&self, needle: &str) -> Vec<(String, String)> {
        let key = |item: &hallway::table::Item, k: &str| match item.get(k) {
            Some(hallway::table::Value::S(s)) => s.clone(),
            _ => String::new(),
        };
        self.all_items()
            .await
            .iter()
            .filter(|item| format!("{item:?}").contains(needle))
            .map(|item| (key(item, "pk"), key(item, "sk")))
            .collect()
    }

    /// Waits until the worker has finished every queued job.
    pub async fn drained(&self) {
        eventually("the job queue to drain", || async {
            self.queue_depth().await == 0
        })
        .await
    }

    /// Waits until `check` holds, polling; panics with `what` after 15 s.
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        eventually(what, check).await
    }
}

/// Waits until `check` holds, polling; panics with `what` after 15 s.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(what, Duration::from_secs(15), check).await
}

/// Waits until `check` holds, polling; panics with `what` after `limit`.
pub async fn eventually_within<F, Fut>(what: &str, limit: Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub mod signed {
    //! Slack-style signatures with the test signing secret.
    use hallway::secrets::Secret;

    pub fn signature(ts: &str, body: &[u8]) -> String {
        hallway::slack::verify::sign(&Secret::new(super::SIGNING_SECRET), ts, body)
    }
}

/// A clock for adapters under test.
/// A request body from one of the API's wire types.
pub fn body<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    Some(serde_json::to_value(v).expect("a wire type serializes"))
}

pub fn manual_clock() -> (Arc<ManualClock>, SharedClock) {
    let clock = Arc::new(ManualClock::now());
    let shared: SharedClock = clock.clone();
    (clock, shared)
}

/// A browser: keeps cookies, follows redirects between the app and the fake
/// Slack, and stops where the office app would take over.
pub struct Browser {
    client: reqwest::Client,
    office: String,
}

/// Where a visit ended.
#[derive(Debug)]
pub struct Landing {
    /// Every URL visited, in order.
    pub trail: Vec<String>,
    /// The final URL.
    pub url: String,
    /// The status of the final response (0 when it is the office's: the
    /// office is not served in tests).
    pub status: u16,
    pub body: String,
}

impl Landing {
    /// Whether the visit ended in the office, at a path starting with `path`.
    pub fn in_office(&self, office: &str, path: &str) -> bool {
        self.status == 0 && self.url.starts_with(&format!("{office}{path}"))
    }

    pub fn query(&self, name: &str) -> Option<String> {
        let url: url::Url = self.url.parse().ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl Browser {
    pub fn new(office: String) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            office,
        }
    }

    pub fn office(&self) -> &str {
        &self.office
    }

    pub async fn visit(&self, url: &str) -> Landing {
        let mut trail = Vec::new();
        let mut url = url.to_owned();
        for _ in 0..10 {
            trail.push(url.clone());
            if url.starts_with(&self.office) {
                return Landing {
                    trail,
                    url,
                    status: 0,
                    body: String::new(),
                };
            }
            let resp = self
                .client
                .get(&url)
                .send()
                .await
                .expect("the page answers");
            let status = resp.status();
            if status.is_redirection() {
                let next = resp.headers()[http::header::LOCATION]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let base: url::Url = url.parse().unwrap();
                url = base.join(&next).unwrap().to_string();
                continue;
            }
            return Landing {
                trail,
                url,
                status: status.as_u16(),
                body: resp.text().await.unwrap_or_default(),
            };
        }
        panic!("too many redirects: {trail:?}");
    }
}

/// Receives until `n` messages arrived or `within` passed.
pub async fn receive_n(
    q: &dyn hallway::queue::JobQueue,
    n: usize,
    within: Duration,
) -> Vec<hallway::queue::Received> {
    let deadline = tokio::time::Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < n && tokio::time::Instant::now() < deadline {
        got.extend(q.receive(10, Duration::from_secs(1)).await.unwrap());
    }
    got
}
