//! How long `/hallway` takes to answer, in process: signed form through the
//! router, verification, grammar, routing reads and (for invites) one put and
//! one enqueue, with the embedded store (redb, in memory) and the in-process
//! queue. No network: the DESIGN target is p99 under 1 ms excluding I/O.
//!
//! Run: `./scripts/bench command_ack`.

use std::time::{Duration, Instant};

use hallway::ids::TeamId;
use hallway::secrets::Secret;
use hallway_tests::in_process::{InProcess, in_process};
use tower::ServiceExt;

const SECRET: &str = "bench-signing-secret";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn request(text: &str) -> http::Request<axum::body::Body> {
    let body = serde_urlencoded::to_string([
        ("token", "t"),
        ("team_id", "T0BENCH"),
        ("channel_id", "C0BENCH"),
        ("channel_name", "general"),
        ("user_id", "U0ALICE"),
        ("user_name", "alice"),
        ("command", "/hallway"),
        ("text", text),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0BENCH/1/x",
        ),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap();
    let ts = now().to_string();
    let sig = hallway::slack::verify::sign(&Secret::new(SECRET), &ts, body.as_bytes());
    http::Request::post("/slack/commands")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", sig)
        .body(axum::body::Body::from(body))
        .unwrap()
}

fn pct(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

async fn setup() -> (axum::Router, InProcess) {
    let bundle = in_process(SECRET, None);
    let s = bundle.services.clone();
    let team = TeamId::new("T0BENCH").unwrap();
    bundle.install(&team, "U0BOT", "xoxb-bench".into()).await;
    let hq = hallway_tests::seed::office(&s, &team, "U0ALICE").await.hq;
    s.spaces().add_room(&hq, "Library", 12).await.unwrap();
    (hallway_commands::router(s), bundle)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (router, bundle) = setup().await;
        for (name, text) in [
            ("help", "help"),
            ("call", ""),
            ("invite", "<@U0BOB> <@U0CAROL|carol> 'HQ' Kitchen"),
        ] {
            let mut samples = Vec::new();
            for i in 0..5_500 {
                let req = request(text);
                let start = Instant::now();
                let resp = router.clone().oneshot(req).await.unwrap();
                let elapsed = start.elapsed();
                assert_eq!(resp.status(), 200);
                if i == 0 {
                    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
                        .await
                        .unwrap();
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    assert!(
                        !v["text"].as_str().unwrap_or("").contains("reinstall"),
                        "{v}"
                    );
                }
                if i >= 500 {
                    samples.push(elapsed);
                }
            }
            println!(
                "command {name:<7} n={} p50={:>9.1?} p99={:>9.1?} max={:>9.1?}",
                samples.len(),
                pct(&mut samples, 0.5),
                pct(&mut samples, 0.99),
                pct(&mut samples, 1.0)
            );
        }
        println!("(queued jobs: {})", bundle.queue.len());
    });
}
