//! A refresh of a 10,000-person workspace's directory against the fake
//! Slack enforcing `users.list`'s documented Tier 2 limit (20 calls a
//! minute per workspace). Store and queue are in process, so what is timed
//! is the walk's pace against the limit.
//!
//! 10,001 users (with the app's bot) at 200 a page are 51 calls; the limit
//! lets the first 20 through at once and 20 more a minute, so the walk
//! cannot finish in under two minutes, and a walk that spaces its calls
//! evenly (as hallway does, to leave the budget's burst to the rest of the
//! app) needs 50 intervals of 3 s. Reported: calls per minute achieved
//! against the 20 allowed, 429s (hallway waits them out; the target is
//! none), and that every person arrived.
//!
//! Run: `./scripts/bench directory` (about two and a half minutes).

use std::time::{Duration, Instant};

use hallway::directory_refresh;
use hallway::ids::TeamId;
use hallway::store::directory::RunStatus;
use hallway_fake_slack::{AppConfig, FakeSlack, TeamSeed};
use hallway_tests::in_process::in_process;

const PEOPLE: usize = 10_000;
const ALLOWED_PER_MINUTE: f64 = 20.0;

fn main() {
    hallway_tests::bench::run(run());
}

async fn run() {
    let mut seed = TeamSeed::with_people("T0DIR", "Directory", PEOPLE);
    for (i, u) in seed.users.iter_mut().enumerate() {
        if i % 97 == 0 {
            u.deleted = true;
        }
    }
    let deactivated = seed.users.iter().filter(|u| u.deleted).count();
    let slack = FakeSlack::start(AppConfig::default(), vec![seed])
        .await
        .unwrap();
    let mut bundle = in_process("bench", Some(slack.base_url()));
    let team = TeamId::new("T0DIR").unwrap();
    let token = slack.issue_bot_token("T0DIR", &["users:read", "users:read.email"]);
    bundle.install(&team, "UBDIR", token).await;
    bundle.start_worker(4);
    let s = bundle.services.clone();

    let started = Instant::now();
    directory_refresh::start_refresh(&s, &team).await.unwrap();
    let run = loop {
        let run = s.directory().run(&team).await.unwrap().unwrap();
        if run.status != RunStatus::Running {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let elapsed = started.elapsed();
    drop(bundle);

    let calls = slack.calls_to("users.list");
    let limited = calls.iter().filter(|c| c.status == 429).count();
    let served = calls.len() - limited;
    let first = calls.first().unwrap().at_millis;
    let last = calls.last().unwrap().at_millis;
    // Calls per minute over the walk: n calls span n - 1 intervals.
    let span_minutes = (last - first) as f64 / 60_000.0;
    let achieved = (calls.len() - 1) as f64 / span_minutes;
    let counts = run.counts.unwrap_or_default();
    println!(
        "directory: {PEOPLE} people (+1 bot, {deactivated} deactivated): {:?} in {:.1?}; {} pages, {} users read",
        run.status, elapsed, run.pages, run.fetched
    );
    println!(
        "directory: users.list {served} served + {limited} answered 429; {achieved:.2} calls/minute over {:.1} s vs {ALLOWED_PER_MINUTE} allowed ({:.0}%)",
        span_minutes * 60.0,
        100.0 * achieved / ALLOWED_PER_MINUTE
    );
    println!(
        "directory: stored {} people, {} bots, {} deactivated, {} gone",
        counts.people, counts.bots, counts.deleted, counts.gone
    );
    assert_eq!(run.status, RunStatus::Done, "{run:?}");
    assert_eq!(counts.people as usize, PEOPLE - deactivated);
}
