//! `hallway-local`: see the library's docs.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    hallway::telemetry::init_local();
    hallway_local::cli::run(hallway_local::cli::Cli::parse()).await
}
