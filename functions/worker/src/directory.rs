//! A team's people directory: `users.list` a page per job, and the
//! `team_join` / `user_change` events that keep it current in between.
//!
//! `users.list` is Tier 2 (about 20 calls a minute per workspace). Page `n`
//! is due at `pace_origin + n × PAGE_INTERVAL`: the schedule, not the
//! previous page, is the reference, so SQS's whole-second delays do not add
//! up over a long walk. The interval has a margin over 3 s so that a page
//! that ran a second late followed by one on time never makes 21 calls in a
//! minute. Each job fetches one page, writes its people, records the page on
//! the run (a conditional update: a duplicate job, or a page of a replaced
//! run, stops there) and queues the next page with the delay the schedule
//! asks for. A walk therefore survives any number of invocations, 429s
//! (the page comes back after `Retry-After`) and restarts.

use std::time::Duration;

use hallway::directory_refresh::wall_millis;
use hallway::ids::{TeamId, UserId};
use hallway::jobs::{self, DirectoryJob, Job};
use hallway::slack::SlackError;
use hallway::slack::client::PageOf;
use hallway::store::Person;
use hallway::store::directory::{DirectoryRun, RunStatus, Written};
use hallway::tokens::TokenError;
use serde_json::{Map, Value};

use crate::{JobError, Worker};

/// People per `users.list` call (Slack advises at most 200).
pub const PAGE_SIZE: u32 = 200;
/// Time between pages: Tier 2's 20 a minute, with a margin for SQS's
/// whole-second delays.
pub const PAGE_INTERVAL_MS: i64 = 3_100;
// Any 62 s (a minute plus up to two seconds of lateness) holds at most 20
// due times, and the walk is not much slower than the limit.
const _: () = assert!(62_000 / PAGE_INTERVAL_MS <= 20 && PAGE_INTERVAL_MS * 20 <= 63_000);
/// Writes in flight per page.
const WRITERS: usize = 16;

const USERS: &str = "users.list";

/// `team_join` / `user_change`: one person, unless the stored copy is newer.
pub async fn person_event(w: &Worker, team: &TeamId, person: &Person) -> Result<(), JobError> {
    let written = w.services.directory().upsert(team, person, None).await?;
    tracing::info!(user_id = %person.id, ?written, deleted = person.deleted, "directory person updated");
    Ok(())
}

pub async fn page(w: &Worker, job: DirectoryJob) -> Result<(), JobError> {
    let s = &w.services;
    let directory = s.directory();
    let team = &job.team_id;
    let Some(run) = directory.run(team).await? else {
        return Ok(());
    };
    if run.run_id != job.run_id || run.status != RunStatus::Running {
        tracing::info!(run_id = %job.run_id, "page of a refresh that was replaced or ended; dropped");
        return Ok(());
    }
    if run.pages > job.page {
        return resume_after_recorded_page(w, &job, &run).await;
    }
    let due = run.pace_origin_ms + i64::from(job.page) * PAGE_INTERVAL_MS;
    if let Some(wait) = wait_until(due) {
        return Err(JobError::wait("the page is not due yet", wait));
    }
    crate::paced(w, team, USERS)?;
    let token = match s.bot_token(team).await {
        Ok(t) => t,
        Err(TokenError::NotInstalled(_) | TokenError::NeedsReinstall(_)) => {
            directory
                .fail(
                    team,
                    &run.run_id,
                    "hallway is not installed in this workspace",
                )
                .await?;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e)),
    };
    // `team_id` names the workspace to an organisation-wide token ("required
    // if org token is used", methods/users.list) and is ignored otherwise
    // ("always pass team_id", api.slack.com/enterprise/apps/changes-apis).
    let mut params = Map::new();
    params.insert("team_id".into(), Value::from(team.as_str()));
    // Each person's language, for what hallway writes them (opt-in:
    // api.slack.com/changelog/2017-09-locale-locale-locale).
    params.insert("include_locale".into(), Value::from(true));
    let fetched: PageOf<Value> = match s
        .slack
        .page(
            USERS,
            &token,
            &params,
            "members",
            job.cursor.as_deref(),
            PAGE_SIZE,
        )
        .await
    {
        Ok(p) => p,
        Err(e) => {
            let e = crate::slack_failure(w, team, USERS, e).await?;
            let why = match &e {
                e if e.token_may_be_dead() => "hallway lost access to this workspace".to_owned(),
                SlackError::Api { code, .. } if code == "invalid_cursor" => {
                    "Slack's page cursor expired; start the refresh again".to_owned()
                }
                e => e.to_string(),
            };
            tracing::warn!(error = %e, "directory refresh stopped");
            directory.fail(team, &run.run_id, &why).await?;
            return Ok(());
        }
    };
    let mut people = Vec::with_capacity(fetched.items.len());
    let mut unreadable = 0u32;
    for item in &fetched.items {
        match Person::from_slack_json(item) {
            Ok(p) => people.push(p),
            Err(reason) => {
                // One odd profile must not stall the walk.
                unreadable += 1;
                tracing::warn!(%reason, user_id = ?item.get("id"), "user skipped");
            }
        }
    }
    write_people(w, team, &run.run_id, people).await?;
    let recorded = directory
        .advance(
            team,
            &run.run_id,
            job.page,
            fetched.next_cursor.as_deref(),
            fetched.items.len() as u32 - unreadable,
            unreadable,
        )
        .await?;
    if !recorded {
        tracing::info!(page = job.page, "another job recorded this page first");
        return Ok(());
    }
    tracing::info!(
        page = job.page,
        people = fetched.items.len(),
        more = fetched.next_cursor.is_some(),
        "directory page stored"
    );
    match fetched.next_cursor {
        Some(cursor) => queue_next(w, &job, &run, cursor).await,
        None => finish(w, team, &run).await,
    }
}

/// A job whose page is recorded already: a duplicate delivery, or a retry
/// after recording succeeded and what followed did not. Whatever followed
/// the page is done again (queuing the next page twice at worst costs one
/// extra call: the second copy stops at `advance`).
async fn resume_after_recorded_page(
    w: &Worker,
    job: &DirectoryJob,
    run: &DirectoryRun,
) -> Result<(), JobError> {
    if run.pages != job.page + 1 {
        return Ok(());
    }
    match &run.next_cursor {
        Some(cursor) => queue_next(w, job, run, cursor.clone()).await,
        None => finish(w, &job.team_id, run).await,
    }
}

async fn queue_next(
    w: &Worker,
    job: &DirectoryJob,
    run: &DirectoryRun,
    cursor: String,
) -> Result<(), JobError> {
    let next = job.page + 1;
    let due = run.pace_origin_ms + i64::from(next) * PAGE_INTERVAL_MS;
    let delay = wait_until(due).unwrap_or(Duration::ZERO);
    jobs::enqueue(
        w.services.queue.as_ref(),
        &Job::Directory(DirectoryJob {
            team_id: job.team_id.clone(),
            run_id: run.run_id.clone(),
            page: next,
            cursor: Some(cursor),
        }),
        delay,
    )
    .await?;
    Ok(())
}

async fn finish(w: &Worker, team: &TeamId, run: &DirectoryRun) -> Result<(), JobError> {
    let directory = w.services.directory();
    let counts = directory.sweep(team, run).await?;
    if directory.finish(team, &run.run_id, counts).await? {
        tracing::info!(
            run_id = %run.run_id,
            people = counts.people,
            bots = counts.bots,
            deleted = counts.deleted,
            gone = counts.gone,
            "directory refresh complete"
        );
    }
    Ok(())
}

/// Writes a page's people, a few at a time.
async fn write_people(
    w: &Worker,
    team: &TeamId,
    run_id: &str,
    people: Vec<Person>,
) -> Result<(), JobError> {
    // Each person's language, beside their record (pattern 29), in a few
    // batched writes rather than one request a person.
    let locales: Vec<(UserId, String)> = people
        .iter()
        .filter_map(|p| p.locale.clone().map(|l| (p.id.clone(), l)))
        .collect();
    w.services
        .directory()
        .set_locales(team, &locales)
        .await
        .map_err(JobError::retry)?;
    let mut lanes: Vec<Vec<Person>> = (0..WRITERS).map(|_| Vec::new()).collect();
    for (i, p) in people.into_iter().enumerate() {
        lanes[i % WRITERS].push(p);
    }
    let mut writers = tokio::task::JoinSet::new();
    for lane in lanes.into_iter().filter(|l| !l.is_empty()) {
        let (directory, team, run_id) = (w.services.directory(), team.clone(), run_id.to_owned());
        writers.spawn(async move {
            let mut newer_stored = 0u32;
            for p in &lane {
                if directory.upsert(&team, p, Some(&run_id)).await? == Written::Older {
                    newer_stored += 1;
                }
            }
            Ok::<u32, hallway::table::TableError>(newer_stored)
        });
    }
    let mut kept = 0;
    while let Some(done) = writers.join_next().await {
        kept += done.map_err(JobError::retry)??;
    }
    if kept > 0 {
        tracing::info!(kept, "people with a newer stored profile left as they were");
    }
    Ok(())
}

/// How long until `due` (wall-clock milliseconds), rounded up to whole
/// seconds as SQS delays are; `None` when it is due.
fn wait_until(due_ms: i64) -> Option<Duration> {
    let left = due_ms - wall_millis();
    (left > 0).then(|| Duration::from_secs((left as u64).div_ceil(1000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_round_up_to_whole_seconds() {
        let now = wall_millis();
        assert_eq!(wait_until(now - 5), None);
        let w = wait_until(now + 2_100).unwrap();
        assert!(
            w == Duration::from_secs(3) || w == Duration::from_secs(2),
            "{w:?}"
        );
        assert_eq!(wait_until(now + 60_000), Some(Duration::from_secs(60)));
    }
}
