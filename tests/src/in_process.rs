//! The bundle in one process with the embedded store and the in-process
//! queue, for benchmarks: what is timed is hallway and the fake Slack's
//! limits, not an emulator.

use std::sync::Arc;

use hallway::clock::{SharedClock, SystemClock};
use hallway::config::{Config, Mode};
use hallway::ids::TeamId;
use hallway::queue::memory::MemoryQueue;
use hallway::queue::poller;
use hallway::secrets::Secrets;
use hallway::services::Services;
use hallway::table::embedded::EmbeddedTable;
use tokio::sync::watch;

pub struct InProcess {
    pub services: Services,
    pub queue: Arc<MemoryQueue>,
    stop: Option<watch::Sender<bool>>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

/// Services on an in-memory embedded store and an in-process queue (the
/// deployed queue's visibility and redrive), signing with `signing_secret`,
/// calling Slack at `slack_url` when given.
pub fn in_process(signing_secret: &str, slack_url: Option<String>) -> InProcess {
    let clock: SharedClock = Arc::new(SystemClock);
    let table = Arc::new(EmbeddedTable::in_memory(clock.clone()).unwrap());
    let queue = Arc::new(MemoryQueue::with_dead_letters(
        hallway::queue::VISIBILITY_TIMEOUT,
        hallway::queue::MAX_RECEIVES,
        Arc::new(MemoryQueue::new(hallway::queue::VISIBILITY_TIMEOUT)),
    ));
    let secrets = Secrets::from_lookup("bench", |k| {
        Some(match k {
            "SLACK_SIGNING_SECRET" => signing_secret.to_owned(),
            "HALLWAY_TOKEN_KEY" => hallway::crypto::TokenCipher::generate_key().unwrap(),
            _ => "x".to_owned(),
        })
    })
    .unwrap();
    let config = Config::from_lookup(Mode::Local, |k| {
        (k == "SLACK_URL").then(|| slack_url.clone()).flatten()
    })
    .unwrap();
    let services = Services::assemble(config, secrets, clock, table, queue.clone()).unwrap();
    InProcess {
        services,
        queue,
        stop: None,
    }
}

impl InProcess {
    /// Stores an installation of `team` with this bot token.
    pub async fn install(&self, team: &TeamId, bot_user: &str, bot_token: String) {
        crate::seed::install(
            &self.services,
            team,
            team.as_str(),
            bot_user,
            None,
            bot_token,
            &[],
        )
        .await;
    }

    /// Starts `pollers` pollers feeding the worker, as that many concurrent
    /// Lambda batches would; they stop when this is dropped.
    pub fn start_worker(&mut self, pollers: usize) {
        let (stop, stopped) = watch::channel(false);
        let worker = Arc::new(hallway_worker::Worker::new(self.services.clone()));
        for _ in 0..pollers {
            let (worker, queue, stopped) = (worker.clone(), self.queue.clone(), stopped.clone());
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
                poller::run(queue.as_ref(), handler, 10, stopped).await;
            });
        }
        self.stop = Some(stop);
    }
}
