//! Fan-out of 1,000 invites against the fake Slack's documented limits:
//! `chat.postMessage` at 300 per minute per workspace (bursts allowed) and
//! one per second per channel. Everything else is in process (embedded
//! store, in-process queue with its visibility delays, four pollers like
//! four concurrent Lambda batches), so the time is the limit's.
//!
//! The limit allows the first 300 at once and 300 more each minute: 1,000
//! DMs cannot finish before 180 s. Reported: completion time against that,
//! the share of the allowed rate reached (target ≥ 90 %), 429s, duplicates
//! (must be 0).
//!
//! Run: `./scripts/bench fanout` (about three minutes), or
//! `FANOUT_SCALE=10 ./scripts/bench fanout` to shrink the window tenfold.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hallway::ids::{RoomId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, FanOutJob, Job};
use hallway::store::NewInvite;
use hallway::store::invites::Origin;
use hallway_fake_slack::{AppConfig, FakeSlack, Limit, TeamSeed};
use hallway_tests::in_process::in_process;

const N: usize = 1_000;
const PER_WINDOW: u32 = 300;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let scale: u64 = std::env::var("FANOUT_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let window = Duration::from_millis(60_000 / scale);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(window));
}

async fn run(window: Duration) {
    let slack = FakeSlack::start(
        AppConfig::default(),
        vec![TeamSeed::with_people("T0FAN", "Fan", N)],
    )
    .await
    .unwrap();
    slack.set_limit(
        "chat.postMessage",
        Limit {
            calls: PER_WINDOW,
            window_millis: window.as_millis() as u64,
        },
    );
    let mut bundle = in_process("bench", Some(slack.base_url()));
    let s = bundle.services.clone();
    let queue = bundle.queue.clone();
    let team = TeamId::new("T0FAN").unwrap();
    let token = slack.issue_bot_token("T0FAN", &["chat:write"]);
    bundle.install(&team, "UBFAN", token).await;
    let recipients: Vec<UserId> = (1..=N)
        .map(|i| UserId::new(format!("U{i:07}")).unwrap())
        .collect();
    let invite = s
        .invites()
        .create(NewInvite {
            team_id: team.clone(),
            space_id: SpaceId::new("bench-space").unwrap(),
            space_name: "HQ".into(),
            room_id: RoomId::new("bench-room").unwrap(),
            room_name: "Hall".into(),
            inviter_name: "Ada".into(),
            inviter_office_user: None,
            inviter_slack_user: None,
            origin: Origin::Office,
            channel_id: None,
            response_url: None,
            view_id: None,
            note: None,
            about: None,
            step: None,
            total: N as u32,
        })
        .await
        .unwrap();
    bundle.start_worker(4);
    let started = Instant::now();
    jobs::enqueue(
        queue.as_ref(),
        &Job::FanOut(FanOutJob {
            invite_id: invite.id.clone(),
            team_id: team,
            recipients,
        }),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let invites = s.invites();
    loop {
        let i = invites.get(&invite.id).await.unwrap().unwrap();
        if i.is_complete() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    drop(bundle);
    let calls = slack.calls_to("chat.postMessage");
    let ok = calls.iter().filter(|c| c.status == 200).count();
    let limited = calls.iter().filter(|c| c.status == 429).count();
    let mut per_user: HashMap<String, usize> = HashMap::new();
    for c in calls.iter().filter(|c| c.status == 200) {
        *per_user
            .entry(c.params["channel"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let duplicates: usize = per_user.values().map(|n| n.saturating_sub(1)).sum();
    let windows_needed = N.div_ceil(PER_WINDOW as usize) - 1;
    let allowed = window * windows_needed as u32;
    println!(
        "fanout: {N} invites, limit {PER_WINDOW} per {:?}: done in {:.1?} (the limit allows {:.1?}): {:.0}% of the allowed rate",
        window,
        elapsed,
        allowed,
        100.0 * allowed.as_secs_f64() / elapsed.as_secs_f64()
    );
    println!(
        "fanout: {ok} DMs sent, {limited} calls answered 429 ({:.2}% of {} calls), {duplicates} duplicates, failed {}",
        100.0 * limited as f64 / calls.len() as f64,
        calls.len(),
        invites.get(&invite.id).await.unwrap().unwrap().failed
    );
}
