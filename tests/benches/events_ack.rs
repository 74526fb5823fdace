//! How fast `POST /slack/events` acknowledges, measured, not asserted.
//!
//! 1. `verify`: the v0 signature check alone, on Slack's published vector.
//! 2. `in-process`: a signed event through the router (verify, parse, claim
//!    in the embedded store, enqueue on the in-process queue), no sockets.
//! 3. `emulators`: the same over loopback HTTP against DynamoDB Local and SQS
//!    on moto (one conditional put + one SendMessage per event): the DESIGN
//!    budget is p99 under 50 ms warm. Skipped unless the emulators are up
//!    (`scripts/bench` starts them).
//!
//! Run: `./scripts/bench` (release build). Numbers go to BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{Config, Mode};
use hallway::queue::memory::MemoryQueue;
use hallway::queue::sqs::SqsQueue;
use hallway::secrets::{Secret, Secrets};
use hallway::services::Services;
use hallway::slack::Verifier;
use hallway::table::dynamo::DynamoTable;
use hallway::table::embedded::EmbeddedTable;
use tower::ServiceExt;

const SECRET: &str = "bench-signing-secret";

fn secrets() -> Secrets {
    Secrets::from_lookup("bench", |k| {
        Some(match k {
            "SLACK_SIGNING_SECRET" => SECRET.to_owned(),
            "HALLWAY_TOKEN_KEY" => hallway::crypto::TokenCipher::generate_key().unwrap(),
            _ => "x".to_owned(),
        })
    })
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn event_body(i: usize) -> String {
    serde_json::json!({
        "token": "x", "team_id": "T0BENCH", "api_app_id": "A1", "type": "event_callback",
        "event": {"type": "app_uninstalled", "event_ts": "1.2"},
        "event_id": format!("EvBENCH{i:08}"), "event_time": 1_700_000_000,
        "authorizations": [{"team_id": "T0BENCH", "user_id": "UB", "is_bot": true}],
    })
    .to_string()
}

fn signed_request(i: usize) -> http::Request<axum::body::Body> {
    let body = event_body(i);
    let ts = now().to_string();
    let sig = hallway::slack::verify::sign(&Secret::new(SECRET), &ts, body.as_bytes());
    http::Request::post("/slack/events")
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", sig)
        .body(axum::body::Body::from(body))
        .unwrap()
}

struct Stats {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Stats {
    fn pct(&self, p: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        s[((s.len() as f64 - 1.0) * p).round() as usize]
    }

    fn print(&self) {
        println!(
            "{:<12} n={:<6} p50={:>10.1?} p99={:>10.1?} max={:>10.1?}",
            self.name,
            self.samples.len(),
            self.pct(0.50),
            self.pct(0.99),
            self.pct(1.0)
        );
    }
}

fn bench_verify() -> Stats {
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let clock: SharedClock = Arc::new(hallway::clock::ManualClock::at_secs(1_531_420_618));
    let v = Verifier::new(Secret::new("8f742231b10e8888abcd99yyyzzz85a5"), clock);
    let mut headers = http::HeaderMap::new();
    headers.insert("x-slack-request-timestamp", "1531420618".parse().unwrap());
    headers.insert(
        "x-slack-signature",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
            .parse()
            .unwrap(),
    );
    // Batches of 100 so the clock's resolution does not dominate.
    let mut samples = Vec::new();
    for _ in 0..2_000 {
        let start = Instant::now();
        for _ in 0..100 {
            std::hint::black_box(v.verify(&headers, body)).unwrap();
        }
        samples.push(start.elapsed() / 100);
    }
    Stats {
        name: "verify",
        samples,
    }
}

async fn bench_in_process() -> Stats {
    let clock: SharedClock = Arc::new(SystemClock);
    let table = Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap());
    let queue = Arc::new(MemoryQueue::new(Duration::from_secs(60)));
    let config = Config::from_lookup(Mode::Local, |_| None).unwrap();
    let services = Services::assemble(config, secrets(), clock, table, queue).unwrap();
    let router = hallway_events::router(services);
    let mut samples = Vec::new();
    for i in 0..5_500 {
        let req = signed_request(i);
        let start = Instant::now();
        let resp = router.clone().oneshot(req).await.unwrap();
        let elapsed = start.elapsed();
        assert_eq!(resp.status(), 200);
        if i >= 500 {
            samples.push(elapsed);
        }
    }
    Stats {
        name: "in-process",
        samples,
    }
}

async fn bench_emulators() -> Option<Stats> {
    if std::env::var("HALLWAY_TEST_EMULATORS").is_err() {
        println!("emulators   skipped (run ./scripts/bench to start DynamoDB Local and moto)");
        return None;
    }
    let emu = hallway_tests::Emulators::connect().await?;
    let clock: SharedClock = Arc::new(SystemClock);
    let table_name = emu.create_table().await;
    let (queue_url, _) = emu.create_queue(Duration::from_secs(60), 5).await;
    let table = Arc::new(DynamoTable::new(
        emu.dynamodb.clone(),
        table_name,
        clock.clone(),
    ));
    let queue = Arc::new(SqsQueue::new(emu.sqs.clone(), queue_url));
    let config = Config::from_lookup(Mode::Local, |_| None).unwrap();
    let services = Services::assemble(config, secrets(), clock, table, queue).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, hallway_events::router(services))
            .await
            .unwrap()
    });
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    for i in 0..600 {
        let body = event_body(1_000_000 + i);
        let ts = now().to_string();
        let sig = hallway::slack::verify::sign(&Secret::new(SECRET), &ts, body.as_bytes());
        let start = Instant::now();
        let resp = http
            .post(format!("http://{addr}/slack/events"))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        let elapsed = start.elapsed();
        assert_eq!(resp.status(), 200);
        if i >= 100 {
            samples.push(elapsed);
        }
    }
    Some(Stats {
        name: "emulators",
        samples,
    })
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then there is nothing to run.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    bench_verify().print();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        bench_in_process().await.print();
        if let Some(s) = bench_emulators().await {
            s.print();
        }
    });
}
