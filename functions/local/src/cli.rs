//! The command line of `hallway-local`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::bundle::{self, BundleOptions, SlackMode};
use crate::replay::{self, ReplayOptions};

#[derive(Debug, Parser)]
#[command(
    name = "hallway-local",
    version,
    about = "Run the hallway bundle locally, offline"
)]
pub struct Cli {
    /// A dotenv file layered under the environment.
    #[arg(long, global = true, default_value = ".env")]
    pub env_file: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every route of the bundle on one port, with the worker.
    Serve {
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Where the embedded store keeps its file.
        #[arg(long, default_value = ".hallway")]
        data_dir: PathBuf,
        /// Keep the store in memory instead (nothing survives a restart).
        #[arg(long, conflicts_with = "data_dir")]
        in_memory: bool,
        #[arg(long, value_enum, default_value_t = SlackMode::Real)]
        slack: SlackMode,
        /// Where the fake Slack listens (default: a free port).
        #[arg(long)]
        fake_slack_addr: Option<SocketAddr>,
    },
    /// Sign a sample from events/ with the current time and send it.
    Replay {
        file: PathBuf,
        /// The running bundle (default http://127.0.0.1:3000).
        #[arg(long, conflicts_with = "in_process")]
        to: Option<String>,
        /// Build a throwaway bundle in this process instead of sending.
        #[arg(long)]
        in_process: bool,
        /// Change the body after signing (expect a 401).
        #[arg(long)]
        tamper: bool,
    },
    /// Move the jobs of the dead-letter queue back to the jobs queue, with a
    /// fresh start, after the fix for what failed them is deployed (AWS
    /// credentials and region from the environment, as the AWS CLI takes
    /// them; the stack's outputs name both queues).
    Redrive {
        /// The jobs queue (the stack's queue; `HALLWAY_QUEUE_URL`).
        #[arg(long, env = "HALLWAY_QUEUE_URL")]
        queue_url: String,
        /// The dead-letter queue (the `DeadLetterQueueUrl` output).
        #[arg(long, env = "HALLWAY_DEAD_LETTER_QUEUE_URL")]
        dead_letter_queue_url: String,
        /// Move at most this many.
        #[arg(long)]
        max: Option<usize>,
        /// List what would move (kinds, reasons); move nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the Slack app manifest for a public base URL.
    Manifest {
        #[arg(long)]
        base_url: String,
        /// The slash command's name (the `CommandName` of the SAM stack).
        #[arg(long, env = "HALLWAY_COMMAND", default_value = hallway::config::DEFAULT_COMMAND,
              value_parser = hallway::config::parse_command)]
        command: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            addr,
            data_dir,
            in_memory,
            slack,
            fake_slack_addr,
        } => {
            bundle::serve(BundleOptions {
                data_dir: (!in_memory).then_some(data_dir),
                slack,
                fake_slack_addr,
                env_file: cli.env_file,
                addr,
            })
            .await
        }
        Command::Replay {
            file,
            to,
            in_process,
            tamper,
        } => {
            let replayed = replay::replay(ReplayOptions {
                file,
                to,
                in_process,
                tamper,
                env_file: cli.env_file,
            })
            .await?;
            print!("{replayed}");
            if replayed.status >= 400
                || !replayed.batch_item_failures.is_empty()
                || replayed.dead_lettered > 0
            {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Redrive {
            queue_url,
            dead_letter_queue_url,
            max,
            dry_run,
        } => {
            let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .load()
                .await;
            let client = hallway::queue::sqs::client(&aws);
            let jobs_queue = hallway::queue::sqs::SqsQueue::new(client.clone(), queue_url);
            let dead_letters = hallway::queue::sqs::SqsQueue::new(client, dead_letter_queue_url);
            let report = crate::redrive::redrive(&dead_letters, &jobs_queue, max, dry_run).await?;
            if dry_run {
                print!("would move {report}");
            } else {
                print!("moved {report}");
            }
            Ok(())
        }
        Command::Manifest { base_url, command } => {
            print!(
                "{}",
                hallway::slack::manifest::manifest_text(&base_url, &command)
            );
            Ok(())
        }
    }
}
