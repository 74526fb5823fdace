//! What one slash command, one event and one delivered invite DM cost, from
//! what a run consumes, not from estimates: DynamoDB read and write capacity
//! units as DynamoDB Local reports them (`ReturnConsumedCapacity`, the same
//! field DynamoDB bills by), SQS requests as the adapter makes them, and
//! function invocations as they happen. Lambda time comes from
//! `./scripts/bench lambda` (warm p50 of the matching case, rounded up to
//! the billed millisecond), at the template's 256 MB on arm64.
//!
//! Run: `./scripts/bench cost`. Prices (us-east-1, from
//! ../shared/reference/perf.md): DynamoDB on-demand $0.125 per million read
//! units and $0.625 per million write units; SQS $0.40 per million
//! requests; Lambda $0.20 per million requests and $0.0000133334 per
//! GB-second on arm64; HTTP API $1.00 per million requests.

use hallway_tests::{AppOptions, TestApp, spawn_app_with};
use serde_json::json;

const RRU: f64 = 0.125;
const WRU: f64 = 0.625;
const SQS: f64 = 0.40;
const LAMBDA_REQ: f64 = 0.20;
const GB_SECOND: f64 = 0.000_013_333_4;
const HTTP_API: f64 = 1.00;
const MEMORY_GB: f64 = 0.25;

/// Warm p50 in ms from BENCHMARKS.md's Runtime API table (the run of
/// 2026-11-24), per invocation of the matching case.
fn lambda_ms(case: &str) -> f64 {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lambda-baseline.json");
    let base: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    base.iter()
        .find(|f| f["case"] == case)
        .and_then(|f| f["warm_p50_ms"].as_f64())
        .unwrap_or_else(|| panic!("no {case} in the lambda baseline"))
        .ceil()
}

#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    read_units: f64,
    write_units: f64,
    sqs_requests: u64,
    http_invocations: u64,
    worker_invocations: u64,
    /// Jobs done (each deleted once done): a batch's duration is its jobs'.
    worker_jobs: u64,
}

async fn usage(app: &TestApp, http_invocations: u64) -> Usage {
    let meters = app.meters().expect("on the emulators");
    let db = meters.table.consumed();
    let q = meters.queue.requests();
    Usage {
        read_units: db.read_units,
        write_units: db.write_units,
        // Sends, non-empty receives (an ESM batch each), deletes and
        // visibility changes; the empty long polls of idle pollers are the
        // same whatever the traffic and are left out.
        sqs_requests: q.sends + q.receives_with_messages + q.deletes + q.visibility_changes,
        http_invocations,
        worker_invocations: q.receives_with_messages,
        worker_jobs: q.deletes,
    }
}

fn delta(after: Usage, before: Usage, n: f64) -> Usage {
    Usage {
        read_units: (after.read_units - before.read_units) / n,
        write_units: (after.write_units - before.write_units) / n,
        sqs_requests: after.sqs_requests - before.sqs_requests,
        http_invocations: after.http_invocations - before.http_invocations,
        worker_invocations: after.worker_invocations - before.worker_invocations,
        worker_jobs: after.worker_jobs - before.worker_jobs,
    }
}

fn dollars_per_million(u: &Usage, n: f64, http_ms: f64, worker_ms: f64) -> (f64, [f64; 4]) {
    let http = u.http_invocations as f64 / n;
    let worker = u.worker_invocations as f64 / n;
    let jobs = u.worker_jobs as f64 / n;
    let sqs = u.sqs_requests as f64 / n * SQS;
    let dynamo = u.read_units * RRU + u.write_units * WRU;
    let lambda = (http + worker) * LAMBDA_REQ
        + (http * http_ms + jobs * worker_ms) / 1000.0 * MEMORY_GB * GB_SECOND * 1e6;
    let api = http * HTTP_API;
    (dynamo + sqs + lambda + api, [dynamo, sqs, lambda, api])
}

fn main() {
    hallway_tests::bench::run(run());
}

async fn run() {
    let app = spawn_app_with(AppOptions {
        emulators: true,
        pollers: Some(1),
        ..AppOptions::default()
    })
    .await
    .expect("scripts/bench starts the emulators");
    let _office = office(&app).await;
    app.slack.set_limits_enabled(false);
    let n = 50.0;
    println!(
        "| per | DynamoDB read units | write units | SQS requests | function invocations | $ per million (DynamoDB + SQS + Lambda + HTTP API) |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");

    // Slash commands: a call to the largest empty room.
    app.drained().await;
    let before = usage(&app, 0).await;
    for _ in 0..n as usize {
        let (reply, _) = app.slash("U0DEMO01", "C0GENERAL", "").await;
        assert_eq!(reply["response_type"], "in_channel", "{reply}");
    }
    app.drained().await;
    let u = delta(usage(&app, n as u64).await, before, n);
    row(
        "`/hallway` call (answer + the worker's meeting record)",
        &u,
        n,
        lambda_ms("commands call"),
        lambda_ms("worker command job"),
    );

    // Events: app_home_opened, acknowledged, queued, published by the worker.
    let before = usage(&app, 0).await;
    for i in 0..n as usize {
        let body = json!({
            "token": "t", "team_id": "T0DEMO", "api_app_id": "A0HALLWAY", "type": "event_callback",
            "event_id": format!("EvCOST{i:06}"), "event_time": 1_732_435_200,
            "event": {"type": "app_home_opened", "user": "U0DEMO01", "channel": "D0HOME", "tab": "home",
                      "event_ts": "1732435200.000200"},
            "authorizations": [{"team_id": "T0DEMO", "user_id": "U0DEMOBOT", "is_bot": true}],
        })
        .to_string();
        let r = app
            .post_signed("/slack/events", "application/json", &body, &[])
            .await;
        assert_eq!(r.status(), 200);
    }
    app.drained().await;
    assert_eq!(app.slack.calls_to("views.publish").len(), n as usize);
    let u = delta(usage(&app, n as u64).await, before, n);
    row(
        "event (`app_home_opened`, webhook + worker)",
        &u,
        n,
        lambda_ms("events home_opened"),
        lambda_ms("worker home job"),
    );

    // Invites: one /hallway naming five people, fanned out, one DM each,
    // and the summary to the inviter.
    let before = usage(&app, 0).await;
    let people = ["U0DEMO02", "U0DEMO03", "U0DEMO04", "U0DEMO05", "U0DEMO06"];
    let text: Vec<String> = people.iter().map(|p| format!("<@{p}>")).collect();
    let (reply, response) = app.slash("U0DEMO01", "C0GENERAL", &text.join(" ")).await;
    assert_eq!(reply["response_type"], "ephemeral", "{reply}");
    app.eventually("the invite summary", || async {
        !app.slack.responses(&response).is_empty()
    })
    .await;
    app.drained().await;
    for p in people {
        assert_eq!(app.slack.dm_messages("T0DEMO", p).len(), 1, "{p}");
    }
    let dms = people.len() as f64;
    let u = delta(usage(&app, 1).await, before, dms);
    row(
        "delivered invite DM (its share of the command, fan-out and summary)",
        &u,
        dms,
        lambda_ms("commands call"),
        lambda_ms("worker home job"),
    );
}

fn row(what: &str, u: &Usage, n: f64, http_ms: f64, worker_ms: f64) {
    let (total, [dynamo, sqs, lambda, api]) = dollars_per_million(u, n, http_ms, worker_ms);
    println!(
        "| {what} | {:.2} | {:.2} | {:.2} | {:.2} HTTP + {:.2} worker ({:.2} jobs) | **{total:.2}** ({dynamo:.2} + {sqs:.2} + {lambda:.2} + {api:.2}) |",
        u.read_units,
        u.write_units,
        u.sqs_requests as f64 / n,
        u.http_invocations as f64 / n,
        u.worker_invocations as f64 / n,
        u.worker_jobs as f64 / n,
    );
}

/// The demo workspace installed, Alice linked as `ada`, space HQ with
/// Kitchen, Hall and Booth mapped to it (as the e2e tests' office).
async fn office(app: &TestApp) -> hallway::ids::SpaceId {
    let team = hallway::ids::TeamId::new("T0DEMO").unwrap();
    let scopes = hallway_tests::seed::OFFICE_SCOPES;
    let token = app.slack.issue_bot_token("T0DEMO", scopes);
    let s = &app.services;
    hallway_tests::seed::install(
        s,
        &team,
        "Acme",
        "U0DEMOBOT",
        Some("U0DEMO01"),
        token,
        scopes,
    )
    .await;
    hallway_tests::seed::office(s, &team, "U0DEMO01").await.hq
}
