//! What every benchmark binary shares.

/// Runs a benchmark's body on a two-worker runtime (the benchmarks run
/// servers, the fake Slack or a Runtime API, beside what they time), but
/// only under `cargo bench`: it passes `--bench`, `cargo test --benches`
/// does not, and then there is nothing to run.
pub fn run<F: std::future::Future>(body: F) -> Option<F::Output> {
    if !std::env::args().any(|a| a == "--bench") {
        return None;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    Some(rt.block_on(body))
}
