//! A stand-in for the office's webhook receiver, as the office would write
//! it: every delivery is checked with [`hallway::office_webhook::verify`]
//! (signature, five-minute window) and a delivery id seen before is refused,
//! so a captured request replayed later fails. It can be told to fail the
//! next deliveries, to exercise hallway's retries.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use hallway::office_webhook::{self, Notification};
use hallway::secrets::Secret;
use http::{HeaderMap, StatusCode};
use tokio::task::JoinHandle;

#[derive(Default)]
struct Inbox {
    seen: HashSet<String>,
    accepted: Vec<Notification>,
    /// Every request, as received (for replay tests).
    raw: Vec<(HeaderMap, Bytes)>,
    /// Answers of every attempt, in order.
    answers: Vec<u16>,
    fail_next: u32,
}

#[derive(Clone)]
struct Receiver {
    secret: Secret,
    inbox: Arc<Mutex<Inbox>>,
}

pub struct OfficeReceiver {
    pub url: String,
    pub secret: String,
    inbox: Arc<Mutex<Inbox>>,
    task: JoinHandle<()>,
}

impl Drop for OfficeReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut inbox = r.inbox.lock().unwrap();
    inbox.raw.push((headers.clone(), body.clone()));
    let answer = if inbox.fail_next > 0 {
        inbox.fail_next -= 1;
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        match office_webhook::verify(&r.secret, &headers, &body, now_secs()) {
            Err(_) => StatusCode::UNAUTHORIZED,
            Ok(id) if inbox.seen.contains(&id) => StatusCode::CONFLICT,
            Ok(id) => match serde_json::from_slice::<Notification>(&body) {
                Ok(n) if n.id == id => {
                    inbox.seen.insert(id);
                    inbox.accepted.push(n);
                    StatusCode::NO_CONTENT
                }
                _ => StatusCode::BAD_REQUEST,
            },
        }
    };
    inbox.answers.push(answer.as_u16());
    answer
}

impl OfficeReceiver {
    pub async fn start(secret: &str) -> Self {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let state = Receiver {
            secret: Secret::new(secret),
            inbox: inbox.clone(),
        };
        let app = axum::Router::new()
            .route("/office/hallway", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/office/hallway", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            secret: secret.to_owned(),
            inbox,
            task,
        }
    }

    /// Notifications accepted, in order.
    pub fn accepted(&self) -> Vec<Notification> {
        self.inbox.lock().unwrap().accepted.clone()
    }

    /// The status of every attempt, in order.
    pub fn answers(&self) -> Vec<u16> {
        self.inbox.lock().unwrap().answers.clone()
    }

    /// The last request received, exactly as it came.
    pub fn last_request(&self) -> (HeaderMap, Bytes) {
        self.inbox.lock().unwrap().raw.last().cloned().unwrap()
    }

    /// Every request received, in order, exactly as it came.
    pub fn raw_requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.inbox.lock().unwrap().raw.clone()
    }

    /// Answers 503 to the next `n` deliveries.
    pub fn fail_next(&self, n: u32) {
        self.inbox.lock().unwrap().fail_next = n;
    }
}
