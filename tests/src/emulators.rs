//! AWS SDK clients pointed at the emulators `scripts/test` started, and
//! helpers that create a fresh table, queue pair or secret per test, so tests
//! run in parallel without seeing each other.

use std::time::Duration;

use aws_config::BehaviorVersion;

#[derive(Clone)]
pub struct Emulators {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

const HOW: &str = "run ./scripts/test, which installs and starts DynamoDB Local and moto \
                   and exports their endpoints (or set HALLWAY_SKIP_EMULATORS=1 to skip \
                   emulator tests on purpose)";

impl Emulators {
    /// The emulators' clients; `None` (after saying so) when the tests are
    /// told to skip them; a panic when they are simply missing.
    pub async fn connect() -> Option<Self> {
        if std::env::var("HALLWAY_TEST_EMULATORS").is_err() {
            if std::env::var("HALLWAY_SKIP_EMULATORS").is_ok() {
                eprintln!("SKIPPED: needs the emulators (HALLWAY_SKIP_EMULATORS is set)");
                return None;
            }
            panic!("this test needs DynamoDB Local and moto: {HOW}");
        }
        for var in [
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_SQS",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        ] {
            assert!(std::env::var(var).is_ok(), "{var} is not set: {HOW}");
        }
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Some(Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
        })
    }

    /// A new, empty table with hallway's shape.
    pub async fn create_table(&self) -> String {
        let name = format!("hallway-test-{}", uuid::Uuid::new_v4().simple());
        hallway::table::dynamo::create_table_if_missing(&self.dynamodb, &name)
            .await
            .expect("DynamoDB Local creates the table");
        name
    }

    /// A new queue with a dead-letter queue after `max_receives`.
    pub async fn create_queue(&self, visibility: Duration, max_receives: u32) -> (String, String) {
        let name = format!("hallway-test-{}", uuid::Uuid::new_v4().simple());
        hallway::queue::sqs::create_queue_with_dlq(&self.sqs, &name, visibility, max_receives)
            .await
            .expect("moto creates the queues")
    }

    /// A new JSON secret; returns its id.
    pub async fn create_secret(&self, value: &serde_json::Value) -> String {
        let name = format!("hallway-test/{}", uuid::Uuid::new_v4().simple());
        self.secrets
            .create_secret()
            .name(&name)
            .secret_string(value.to_string())
            .send()
            .await
            .expect("moto creates the secret");
        name
    }
}
