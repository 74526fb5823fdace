//! What hallway's fuzz targets check, as plain functions
//! ([`targets`]`::<target>::check`), with their shared set-up: the routers
//! of the events, commands and oauth functions on an in-memory store and
//! queue (built once per process), and a way to send them a request signed
//! as Slack would.
//!
//! Two things run these checks:
//! - the cargo-fuzz targets in `fuzz/fuzz_targets/` (one line each),
//!   coverage-guided, with `./scripts/fuzz` (they build apart, instrumented,
//!   in `fuzz/target`);
//! - this crate's replay test, in the main build and so in the test
//!   command: every input kept in `fuzz/regressions/<target>/`, then 2,000
//!   inputs per target from a fixed seed, decoded as libFuzzer's
//!   targets decode theirs.
//!
//! # Layout
//! - `targets::slack_signature`: `verify_with` on arbitrary headers and
//!   bodies; accepted only when the signature is the body's.
//! - `targets::slash_command`, `event_envelope`, `interactivity`: arbitrary
//!   signed bodies through the routers.
//! - `targets::join_token`: join links, verified and opened.
//! - `targets::oauth_state`: the OAuth callbacks' `state`/`code`.
//!
//! Every target asserts what must hold for any input (no panic, no 5xx,
//! nothing accepted that was not signed), not only that nothing crashes.
//! Inputs that once failed are kept in `fuzz/regressions/<target>/`.

pub mod targets;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{Config, Mode};
use hallway::queue::memory::MemoryQueue;
use hallway::secrets::{Secret, Secrets};
use hallway::services::Services;
use hallway::table::embedded::EmbeddedTable;
use tower::ServiceExt;

pub const SIGNING_SECRET: &str = "fuzz-signing-secret";
pub const JWT_SECRET: &str = "fuzz-jwt-secret";

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub services: Services,
    pub router: Router,
}

/// The routers, built on first use.
pub fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let clock: SharedClock = Arc::new(SystemClock);
        let table = Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap());
        let queue = Arc::new(MemoryQueue::new(Duration::from_secs(60)));
        let secrets = Secrets::from_lookup("fuzz", |k| {
            Some(match k {
                "SLACK_SIGNING_SECRET" => SIGNING_SECRET.to_owned(),
                "HALLWAY_APP_JWT_SECRET" => JWT_SECRET.to_owned(),
                "HALLWAY_TOKEN_KEY" => hallway::crypto::TokenCipher::generate_key().unwrap(),
                _ => "fuzz".to_owned(),
            })
        })
        .unwrap();
        // Slack is never reached: a closed port answers at once.
        let config = Config::from_lookup(Mode::Local, |k| {
            (k == "SLACK_URL").then(|| "http://127.0.0.1:9".to_owned())
        })
        .unwrap();
        let services = Services::assemble(config, secrets, clock, table, queue).unwrap();
        let router = Router::new()
            .merge(hallway_events::router(services.clone()))
            .merge(hallway_commands::router(services.clone()))
            .merge(hallway_oauth::router(services.clone()));
        Harness {
            rt,
            services,
            router,
        }
    })
}

/// `bytes` percent-encoded for a form field, a query value or a path
/// segment.
pub fn encode(bytes: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(bytes).collect()
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// Status and body of `method path` with these headers and body.
pub fn send(
    method: http::Method,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let h = harness();
    let mut req = http::Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let Ok(req) = req.body(axum::body::Body::from(body)) else {
        return (0, Vec::new());
    };
    h.rt.block_on(async {
        let resp = h.router.clone().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default()
            .to_vec();
        (status, body)
    })
}

/// POSTs `body` to `path` signed with the signing secret, now.
pub fn post_signed(path: &str, content_type: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let ts = now();
    let sig = hallway::slack::verify::sign(&Secret::new(SIGNING_SECRET), &ts, &body);
    send(
        http::Method::POST,
        path,
        &[
            ("content-type", content_type.to_owned()),
            ("x-slack-request-timestamp", ts),
            ("x-slack-signature", sig),
        ],
        body,
    )
}

/// What any answer must be: ours to give (2xx, 3xx, 4xx), never a crash or
/// an internal error.
pub fn assert_no_server_error(status: u16, body: &[u8], what: &str) {
    assert!(
        (200..500).contains(&status),
        "{what}: status {status}: {}",
        String::from_utf8_lossy(body)
    );
}

/// An answer to Slack: as above, and an error is JSON `{"error": …}`.
pub fn assert_sane(status: u16, body: &[u8], what: &str) {
    assert_no_server_error(status, body, what);
    if !body.is_empty() && status >= 400 {
        assert!(
            serde_json::from_slice::<serde_json::Value>(body).is_ok(),
            "{what}: a {status} that is not JSON: {}",
            String::from_utf8_lossy(body)
        );
    }
}
