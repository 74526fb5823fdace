//! The dependencies a function builds once, at start-up, and shares across
//! requests (the aws-lambda-rust-runtime pattern): configuration, secrets,
//! the table, the queue, the Slack client, the token cipher and the clock.
//!
//! [`Services::for_lambda`] wires the AWS adapters (and opens the
//! connections a function asks for during init, see [`WarmUp`]). The local
//! bundle and the tests build the same struct with [`Services::assemble`]
//! and other adapters. Beside the container: the links hallway hands out
//! ([`links`]) and the tokens it calls Slack with ([`tokens`]).

mod links;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::auth::AppJwt;
use crate::auth::browser::BrowserSessions;
use crate::auth::join::JoinLinks;
use crate::auth::oidc::IdTokenVerifier;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, Mode, WarmUp};
use crate::crypto::TokenCipher;
use crate::office_webhook::OfficeWebhook;
use crate::queue::SharedQueue;
use crate::queue::sqs::SqsQueue;
use crate::secrets::{EnvSecrets, SecretSource, Secrets, SecretsManagerSource};
use crate::slack::{SlackClient, Verifier};
use crate::store::{
    Channels, Chat, Directory, EventClaims, IdentityLinks, Installations, Invites, LoginTokens,
    Members, OAuthStates, OfficeUsers, Spaces,
};
use crate::table::SharedTable;
use crate::table::dynamo::DynamoTable;

/// Slack calls give up after this long; the worker re-queues on timeout.
pub const SLACK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Services {
    pub config: Config,
    pub secrets: Secrets,
    pub clock: SharedClock,
    pub table: SharedTable,
    pub queue: SharedQueue,
    pub cipher: Arc<TokenCipher>,
    pub slack: SlackClient,
    pub verifier: Arc<Verifier>,
    pub app_jwt: Arc<AppJwt>,
    pub join_links: Arc<JoinLinks>,
    pub browser: Arc<BrowserSessions>,
    pub oidc: Arc<IdTokenVerifier>,
    /// `None` when no `HALLWAY_OFFICE_WEBHOOK_URL` is configured.
    pub office_webhook: Option<OfficeWebhook>,
}

/// Lets every router take `Services` as its state and still hand the
/// verifier to [`crate::slack::extract::SlackRequest`].
impl axum::extract::FromRef<Services> for Arc<Verifier> {
    fn from_ref(s: &Services) -> Self {
        s.verifier.clone()
    }
}

/// How long init may spend opening a connection ahead of the first
/// request. A warm-up saves that request a handshake (a few milliseconds);
/// an endpoint that refuses or hangs must not hold init up — the SDK would
/// retry a refused connection with backoff for a second or more.
pub const WARM_UP_LIMIT: Duration = Duration::from_millis(250);

/// A warm-up, given up after [`WARM_UP_LIMIT`] (its calls are dropped).
async fn warm_up<E: std::fmt::Display>(
    on: bool,
    f: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    if !on {
        return Ok(());
    }
    match tokio::time::timeout(WARM_UP_LIMIT, f).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {WARM_UP_LIMIT:?}")),
    }
}

impl Services {
    /// Everything from the environment and AWS, for a Lambda function.
    ///
    /// `warm` names the connections the function's answers use, opened
    /// during init (`HALLWAY_WARM_UP` overrides it). They open while the
    /// secret is read, so init waits for the slower of the two, not both.
    pub async fn for_lambda(warm: WarmUp) -> anyhow::Result<Self> {
        let config = Config::from_env(Mode::Lambda)?;
        let warm = config.warm_up.unwrap_or(warm);
        let mut aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::tls::aws_http_client());
        // Lambda hands every function its role's credentials in the
        // environment; the default chain would first build the providers
        // it never uses there (profile files, web identity, containers,
        // instance metadata): 3 ms of init, measured.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            aws = aws.credentials_provider(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            );
        }
        let aws = aws.load().await;
        let clock: SharedClock = Arc::new(SystemClock);
        let table = Arc::new(DynamoTable::new(
            aws_sdk_dynamodb::Client::new(&aws),
            config.table.clone(),
            clock.clone(),
        ));
        let queue_url = config
            .queue_url
            .clone()
            .context("HALLWAY_QUEUE_URL is not set")?;
        let mut queue = SqsQueue::new(crate::queue::sqs::client(&aws), queue_url);
        if let Some(dlq) = &config.dead_letter_queue_url {
            queue = queue.with_dead_letters(dlq);
        }
        let queue = Arc::new(queue);
        let slack = SlackClient::new(config.slack_url.clone(), SLACK_TIMEOUT)?;
        let secrets = async {
            match &config.secret_id {
                Some(id) => {
                    SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&aws), id)
                        .load()
                        .await
                }
                None => EnvSecrets::from_env().load().await,
            }
        };
        // A failed warm-up is logged, not fatal: the first request
        // connects again.
        let warmed = |on: bool, what: &'static str, r: Result<(), String>| {
            if let (true, Err(e)) = (on, r) {
                tracing::warn!(error = %e, "could not warm the {what} connection");
            }
        };
        let (secrets, t, q, s) = tokio::join!(
            secrets,
            warm_up(warm.table > 0, table.warm(usize::from(warm.table))),
            warm_up(warm.queue, queue.warm()),
            warm_up(warm.slack, slack.warm()),
        );
        warmed(warm.table > 0, "DynamoDB", t);
        warmed(warm.queue, "SQS", q);
        warmed(warm.slack, "Slack", s);
        Self::assemble_with(config, secrets?, clock, table, queue, slack)
    }

    /// Builds the shared pieces from already chosen adapters.
    pub fn assemble(
        config: Config,
        secrets: Secrets,
        clock: SharedClock,
        table: SharedTable,
        queue: SharedQueue,
    ) -> anyhow::Result<Self> {
        let slack = SlackClient::new(config.slack_url.clone(), SLACK_TIMEOUT)?;
        Self::assemble_with(config, secrets, clock, table, queue, slack)
    }

    /// [`Services::assemble`] with a Slack client already made (and
    /// perhaps connected).
    fn assemble_with(
        config: Config,
        secrets: Secrets,
        clock: SharedClock,
        table: SharedTable,
        queue: SharedQueue,
        slack: SlackClient,
    ) -> anyhow::Result<Self> {
        let cipher = Arc::new(
            TokenCipher::from_secret(&secrets.token_key).context("reading HALLWAY_TOKEN_KEY")?,
        );
        let verifier = Arc::new(Verifier::new(secrets.signing_secret.clone(), clock.clone()));
        let app_jwt = Arc::new(AppJwt::new(&secrets.app_jwt_secret));
        let join_links = Arc::new(JoinLinks::new(&secrets.app_jwt_secret));
        let browser = Arc::new(BrowserSessions::new(
            &secrets.app_jwt_secret,
            config.base_url.scheme() == "https",
        ));
        let oidc = Arc::new(IdTokenVerifier::new(
            slack.clone(),
            secrets.client_id.clone(),
        ));
        let office_webhook = match (&config.office_webhook_url, &secrets.office_webhook_secret) {
            (None, _) => None,
            (Some(url), Some(secret)) => Some(OfficeWebhook::new(
                url.clone(),
                secret.clone(),
                clock.clone(),
            )),
            (Some(_), None) => anyhow::bail!(
                "{} is set but {} is not; see README \"Configuration\"",
                crate::config::OFFICE_WEBHOOK_URL,
                crate::secrets::OFFICE_WEBHOOK_SECRET
            ),
        };
        Ok(Self {
            config,
            secrets,
            clock,
            table,
            queue,
            cipher,
            slack,
            verifier,
            app_jwt,
            join_links,
            browser,
            oidc,
            office_webhook,
        })
    }

    pub fn installations(&self) -> Installations {
        Installations::new(self.table.clone(), self.cipher.clone(), self.clock.clone())
    }

    pub fn spaces(&self) -> Spaces {
        Spaces::new(self.table.clone(), self.clock.clone())
    }

    pub fn event_claims(&self) -> EventClaims {
        EventClaims::new(self.table.clone(), self.clock.clone())
    }

    pub fn oauth_states(&self) -> OAuthStates {
        OAuthStates::new(self.table.clone(), self.clock.clone())
    }

    pub fn users(&self) -> OfficeUsers {
        OfficeUsers::new(self.table.clone(), self.clock.clone())
    }

    pub fn audit(&self) -> crate::store::audit::AuditLog {
        crate::store::audit::AuditLog::new(self.table.clone(), self.clock.clone())
    }

    pub fn rate_budgets(&self) -> crate::store::rate::RateBudgets {
        crate::store::rate::RateBudgets::new(self.table.clone(), self.clock.clone())
    }

    pub fn meetings(&self) -> crate::store::meetings::Meetings {
        crate::store::meetings::Meetings::new(self.table.clone(), self.clock.clone())
    }

    pub fn members(&self) -> Members {
        Members::new(self.table.clone(), self.clock.clone())
    }

    pub fn links(&self) -> IdentityLinks {
        IdentityLinks::new(self.table.clone(), self.cipher.clone(), self.clock.clone())
    }

    pub fn channels(&self) -> Channels {
        Channels::new(self.table.clone(), self.clock.clone())
    }

    pub fn invites(&self) -> Invites {
        Invites::new(self.table.clone(), self.clock.clone())
    }

    pub fn chat(&self) -> Chat {
        Chat::new(self.table.clone(), self.clock.clone())
    }

    pub fn sync(&self) -> crate::store::sync::PeopleSync {
        crate::store::sync::PeopleSync::new(self.table.clone(), self.clock.clone())
    }

    pub fn directory(&self) -> Directory {
        Directory::new(self.table.clone(), self.clock.clone())
    }

    pub fn login_tokens(&self) -> LoginTokens {
        LoginTokens::new(self.table.clone(), self.clock.clone())
    }
}
