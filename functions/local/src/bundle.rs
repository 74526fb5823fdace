//! The whole bundle in one process: every function's router on one port, the
//! embedded store, the in-process queue feeding the worker the way Lambda's
//! SQS event source mapping would, and optionally the fake Slack.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{self, Config, Mode};
use hallway::queue::memory::MemoryQueue;
use hallway::queue::poller;
use hallway::secrets::Secrets;
use hallway::services::Services;
use hallway::table::SharedTable;
use hallway::table::embedded::EmbeddedTable;
use hallway_fake_slack::{AppConfig, FakeSlack, TeamSeed};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SlackMode {
    /// Talk to `SLACK_URL` (`https://slack.com` unless set).
    Real,
    /// Start the project's fake Slack and point `SLACK_URL` at it.
    Fake,
}

#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// Where the embedded store lives; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
    pub slack: SlackMode,
    /// Where the fake Slack listens (a free port when `None`).
    pub fake_slack_addr: Option<SocketAddr>,
    pub env_file: PathBuf,
    /// The address `serve` binds, used for the default public base URL.
    pub addr: SocketAddr,
}

/// How long a received job stays invisible, and how many receives before it
/// is dead-lettered: the same values as the SQS queue in infra/template.yaml.
pub const VISIBILITY: Duration = hallway::queue::VISIBILITY_TIMEOUT;
pub const MAX_RECEIVES: u32 = hallway::queue::MAX_RECEIVES;

pub struct Bundle {
    pub services: Services,
    /// The worker, built once like a Lambda sandbox's.
    pub worker: Arc<hallway_worker::Worker>,
    pub router: Router,
    pub queue: Arc<MemoryQueue>,
    pub dead_letters: Arc<MemoryQueue>,
    pub fake_slack: Option<FakeSlack>,
    pub dev_defaults_in_use: Vec<&'static str>,
}

#[derive(Clone)]
struct Health {
    queue: Arc<MemoryQueue>,
    dead_letters: Arc<MemoryQueue>,
    store: &'static str,
    fake_slack: Option<String>,
}

async fn healthz(State(h): State<Health>) -> axum::Json<serde_json::Value> {
    axum::Json(json!({
        "ok": true,
        "store": h.store,
        "queued": h.queue.len(),
        "dead_letters": h.dead_letters.len(),
        "fake_slack": h.fake_slack,
    }))
}

/// Every function's routes, as one router: what Slack and the office reach
/// through API Gateway, on one port.
pub fn routes(services: Services) -> Router {
    Router::new()
        .merge(hallway_events::router(services.clone()))
        .merge(hallway_commands::router(services.clone()))
        .merge(hallway_oauth::router(services.clone()))
        .merge(hallway_api::router(services))
}

impl Bundle {
    pub async fn build(opts: &BundleOptions) -> anyhow::Result<Self> {
        let fake = opts.slack == SlackMode::Fake;
        let mut settings = Settings::load(&opts.env_file, fake)?;
        if settings.get(config::BASE_URL).is_none() {
            settings.set(config::BASE_URL, format!("http://{}", opts.addr));
        }
        let secrets = Secrets::from_lookup("environment or .env", |k| settings.get(k))?;
        // Straight to this process, whatever public base URL is set.
        let loopback = match opts.addr.ip() {
            ip if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], opts.addr.port())),
            _ => opts.addr,
        };
        // The office stand-in at /app receives the office webhook unless
        // a real office was named.
        if settings.get(config::OFFICE_WEBHOOK_URL).is_none()
            && secrets.office_webhook_secret.is_some()
        {
            settings.set(
                config::OFFICE_WEBHOOK_URL,
                format!("http://{loopback}/app/webhook"),
            );
        }
        let fake_slack = if fake {
            let app = AppConfig {
                client_id: secrets.client_id.clone(),
                client_secret: secrets.client_secret.expose().to_owned(),
                ..AppConfig::default()
            };
            let addr = opts
                .fake_slack_addr
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
            let slack = FakeSlack::start_on(addr, app, vec![TeamSeed::demo()])
                .await
                .context("starting the fake Slack")?;
            settings.set(config::SLACK_URL, slack.base_url());
            // DMs on the fake reach the bundle as Slack's Events API would.
            slack.deliver_events_to(
                &format!("http://{loopback}/slack/events"),
                secrets.signing_secret.expose(),
            );
            Some(slack)
        } else {
            None
        };
        let config = Config::from_lookup(Mode::Local, |k| settings.get(k))?;
        if let Some(slack) = &fake_slack {
            // The fake holds the app's settings as Slack would: the
            // manifest's Redirect URLs (hallway sends the public ones), and
            // the Request URLs of the slash command and interactivity.
            slack.set_redirect_urls(&[
                config.endpoint(hallway::slack::oauth::OAUTH_CALLBACK_PATH),
                config.endpoint(hallway::slack::oauth::LOGIN_CALLBACK_PATH),
            ]);
            let secret = secrets.signing_secret.expose();
            slack.commands_to(
                &format!("http://{loopback}{}", hallway_commands::COMMANDS_PATH),
                secret,
            );
            slack.interactivity_to(
                &format!("http://{loopback}{}", hallway_commands::INTERACTIVITY_PATH),
                secret,
            );
        }
        let clock: SharedClock = Arc::new(SystemClock);
        let (table, store): (SharedTable, &'static str) = match &opts.data_dir {
            Some(dir) => (
                Arc::new(EmbeddedTable::open_dir(dir, clock.clone())?),
                "embedded (on disk)",
            ),
            None => (
                Arc::new(EmbeddedTable::in_memory(clock.clone())?),
                "embedded (in memory)",
            ),
        };
        let dead_letters = Arc::new(MemoryQueue::new(VISIBILITY));
        let queue = Arc::new(MemoryQueue::with_dead_letters(
            VISIBILITY,
            MAX_RECEIVES,
            dead_letters.clone(),
        ));
        let services = Services::assemble(config, secrets, clock, table, queue.clone())?;
        let router = routes(services.clone())
            .merge(crate::office::router(services.clone()))
            .route(
                "/healthz",
                get(healthz).with_state(Health {
                    queue: queue.clone(),
                    dead_letters: dead_letters.clone(),
                    store,
                    fake_slack: fake_slack.as_ref().map(|f| f.base_url()),
                }),
            );
        Ok(Self {
            worker: Arc::new(hallway_worker::Worker::new(services.clone())),
            services,
            router,
            queue,
            dead_letters,
            fake_slack,
            dev_defaults_in_use: settings.defaults_in_use(),
        })
    }

    /// Runs the worker on the in-process queue until `shutdown` is true.
    pub fn spawn_worker(&self, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        let worker = self.worker.clone();
        let queue = self.queue.clone();
        tokio::spawn(async move {
            let handler = |event| {
                let worker = worker.clone();
                async move {
                    Ok(
                        hallway_worker::handle(&worker, event, hallway_worker::local_deadline())
                            .await,
                    )
                }
            };
            poller::run(queue.as_ref(), handler, 10, shutdown).await;
        })
    }

    /// Runs the worker until the queue has no visible message left.
    pub async fn drain(&self) -> anyhow::Result<poller::Polled> {
        let mut total = poller::Polled::default();
        loop {
            let worker = self.worker.clone();
            let handler = move |event| {
                let worker = worker.clone();
                async move {
                    Ok(
                        hallway_worker::handle(&worker, event, hallway_worker::local_deadline())
                            .await,
                    )
                }
            };
            let polled =
                poller::poll_once(self.queue.as_ref(), &handler, 10, Duration::ZERO).await?;
            if polled.received == 0 {
                return Ok(total);
            }
            total.received += polled.received;
            total.deleted += polled.deleted;
            total.failed += polled.failed;
        }
    }
}

fn banner(bundle: &Bundle, opts: &BundleOptions, addr: SocketAddr) -> String {
    let c = &bundle.services.config;
    let mut out = String::new();
    out.push_str(&format!("hallway is running on http://{addr}\n"));
    out.push_str(&format!(
        "  store:  {}\n",
        opts.data_dir
            .as_ref()
            .map(|d| format!("embedded, in {}", d.display()))
            .unwrap_or_else(|| "embedded, in memory".into())
    ));
    out.push_str("  queue:  in-process, feeding the worker\n");
    match &bundle.fake_slack {
        Some(f) => out.push_str(&format!(
            "  slack:  fake Slack at {} (workspace Acme, T0DEMO; calls at {}/_fake/calls)\n",
            f.base_url(),
            f.base_url()
        )),
        None => out.push_str(&format!("  slack:  {}\n", c.slack_url)),
    }
    match &c.office_webhook_url {
        Some(url) => out.push_str(&format!("  office webhook: {url}\n")),
        None => {
            out.push_str("  office webhook: off (set HALLWAY_OFFICE_WEBHOOK_URL and _SECRET)\n")
        }
    }
    if !bundle.dev_defaults_in_use.is_empty() {
        out.push_str(&format!(
            "  using development values for: {}\n",
            bundle.dev_defaults_in_use.join(", ")
        ));
    }
    out.push_str("\nPaste into your Slack app's settings (https://api.slack.com/apps):\n");
    out.push_str(&format!(
        "  Event Subscriptions > Request URL   {}\n",
        c.endpoint(hallway_events::PATH)
    ));
    out.push_str(&format!(
        "  Slash Commands > {:<9} > URL     {}\n",
        c.command,
        c.endpoint(hallway_commands::COMMANDS_PATH)
    ));
    out.push_str(&format!(
        "  Interactivity > Request URL         {}\n",
        c.endpoint(hallway_commands::INTERACTIVITY_PATH)
    ));
    if c.base_url
        .host_str()
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost")
    {
        out.push_str(
            "  (Slack cannot reach 127.0.0.1: set HALLWAY_BASE_URL to a tunnel's https URL.)\n",
        );
    }
    out.push_str(&format!(
        "  or create the app from a manifest:   hallway-local manifest --base-url {}\n",
        c.base_url.as_str().trim_end_matches('/')
    ));
    out.push_str(&format!(
        "  OAuth & Permissions > Redirect URLs  {}  {}\n",
        c.endpoint(hallway::slack::oauth::OAUTH_CALLBACK_PATH),
        c.endpoint(hallway::slack::oauth::LOGIN_CALLBACK_PATH)
    ));
    out.push_str(&format!(
        "\nOffice stand-in:  {} (sign in with Slack, create a space, connect it)\n",
        c.app_url
    ));
    out.push_str(&format!(
        "Bridged DMs:      {} (what the office webhook delivered)\n",
        c.app_url.as_str().trim_end_matches('/').to_owned() + "/inbox"
    ));
    out.push_str(&format!(
        "Admin page:       {} (paste the token the stand-in shows)\n",
        c.endpoint("/admin/login")
    ));
    out.push_str("Replay a sample:  hallway-local replay events/events/url_verification.json\n");
    out
}

/// `hallway-local serve`: runs until Ctrl-C.
pub async fn serve(mut opts: BundleOptions) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .with_context(|| format!("binding {}", opts.addr))?;
    // With port 0 the OS picks; URLs must name the port it picked.
    let addr = listener.local_addr()?;
    opts.addr = addr;
    let bundle = Bundle::build(&opts).await?;
    let (stop, stopped) = watch::channel(false);
    let worker = bundle.spawn_worker(stopped.clone());
    println!("{}", banner(&bundle, &opts, addr));
    let mut stopped_for_server = stopped;
    axum::serve(listener, bundle.router.clone())
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = stopped_for_server.changed() => {}
            }
        })
        .await?;
    let _ = stop.send(true);
    let _ = worker.await;
    if !bundle.queue.is_empty() {
        tracing::warn!(
            queued = bundle.queue.len(),
            "jobs still queued at shutdown are lost (the in-process queue is not persisted)"
        );
    }
    Ok(())
}
