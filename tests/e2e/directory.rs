//! The people directory end to end: a refresh started through the office
//! API walks the fake Slack's `users.list` a page per job at Tier 2's pace
//! (the fake enforces the documented limit), resumes after 429s, stops on a
//! dead token; `team_join` / `user_change` events, signed into the webhook,
//! keep it current without a refresh and never let an older profile win.

use hallway::ids::SpaceId;
use hallway::jobs::{self, DirectoryJob, Job};
use hallway::store::directory::RunStatus;
use hallway::store::installations::InstallStatus;
use hallway::store::{Person, Role};
use hallway_api::model::{self, DirectoryCounts, DirectoryRun, DirectoryState, ErrorBody};
use hallway_fake_slack::{Fault, FaultKind, TeamSeed, UserSeed};
use hallway_tests::{AppOptions, TestApp, eventually_within, spawn_app_with};
use http::Method;
use std::time::Duration;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{install_demo, office};
use hallway_tests::demo::{post_event, sample_body, user};

/// The demo workspace grown to 446 people (three `users.list` pages of
/// 200), one of them deactivated and one a bot.
fn big_demo() -> TeamSeed {
    let mut t = TeamSeed::demo();
    for i in 1..=440 {
        t.users.push(UserSeed::person(
            &format!("U1{i:06}"),
            &format!("person{i}"),
        ));
    }
    let gone = t.users.iter_mut().find(|u| u.id == "U1000007").unwrap();
    gone.deleted = true;
    let bot = t.users.iter_mut().find(|u| u.id == "U1000008").unwrap();
    bot.is_bot = true;
    t
}

async fn app_with_big_demo() -> Option<TestApp> {
    spawn_app_with(AppOptions {
        teams: Some(vec![big_demo()]),
        ..AppOptions::default()
    })
    .await
}

/// Starts a refresh as `who`.
async fn refresh(app: &TestApp, hq: &SpaceId, who: &str, role: Role) -> (u16, DirectoryRun) {
    app.api_ok(
        Method::POST,
        &format!("/api/v1/spaces/{hq}/directory/refresh"),
        Some(&app.token(who, &[(hq, role)])),
        None,
    )
    .await
}

/// A refresh `who` may not start.
async fn refresh_refused(app: &TestApp, hq: &SpaceId, who: &str, role: Role) -> (u16, ErrorBody) {
    app.api_err(
        Method::POST,
        &format!("/api/v1/spaces/{hq}/directory/refresh"),
        Some(&app.token(who, &[(hq, role)])),
        None,
    )
    .await
}

async fn status(app: &TestApp, hq: &SpaceId) -> DirectoryState {
    let (code, body) = app
        .api_ok(
            Method::GET,
            &format!("/api/v1/spaces/{hq}/directory"),
            Some(&app.token("ada", &[(hq, Role::Admin)])),
            None,
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    body
}

/// The latest refresh, once it is `want`.
async fn until_status(app: &TestApp, hq: &SpaceId, want: model::RunStatus) -> DirectoryRun {
    eventually_within(
        &format!("the refresh to be {want:?}"),
        Duration::from_secs(40),
        || async {
            matches!(status(app, hq).await, DirectoryState::Refreshed(r) if r.status == want)
        },
    )
    .await;
    match status(app, hq).await {
        DirectoryState::Refreshed(r) => r,
        never => panic!("{never:?}"),
    }
}

fn fail_next_users_list(app: &TestApp, kind: FaultKind) {
    app.slack.inject(Fault {
        method: Some("users.list".into()),
        team: Some("T0DEMO".into()),
        kind,
        times: 1,
    });
}

async fn person(app: &TestApp, id: &str) -> Option<Person> {
    app.services
        .directory()
        .get(&demo(), &user(id))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_refresh_walks_users_list_at_tier_2_pace_and_marks_bots_and_the_deactivated() {
    let Some(app) = app_with_big_demo().await else {
        return;
    };
    let o = office(&app).await;
    let never = status(&app, &o.hq).await;
    assert!(
        matches!(
            never,
            DirectoryState::Never(model::NeverRefreshed {
                status: model::Never::NeverRefreshed,
                ..
            })
        ),
        "{never:?}"
    );
    // A member may look but not start one.
    let (code, body) = refresh_refused(&app, &o.hq, "bob", Role::Member).await;
    assert_eq!(code, 403, "{body:?}");

    let (code, body) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202, "{body:?}");
    assert_eq!(body.status, model::RunStatus::Running);
    // A second start while it runs leaves the first alone.
    let (code, again) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 200, "{again:?}");
    assert_eq!(again.run_id, body.run_id);

    let done = until_status(&app, &o.hq, model::RunStatus::Done).await;
    // 6 demo people + 440 + the app's bot: 447 users, three pages; 444
    // of them people.
    assert_eq!(done.fetched, 447, "{done:?}");
    assert_eq!(done.pages, 3);
    assert_eq!(
        done.counts,
        Some(DirectoryCounts {
            people: 444,
            bots: 2,
            deleted: 1,
            gone: 0
        }),
        "{done:?}"
    );

    // Slack saw three calls, 200 at a time, no faster than Tier 2 allows
    // (due times 3.1 s apart) and never a 429.
    let calls = app.slack.calls_to("users.list");
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls
            .iter()
            .all(|c| c.status == 200 && c.params["limit"] == "200")
    );
    let span = calls[2].at_millis - calls[0].at_millis;
    assert!(span >= 5_900, "pages 0 and 2 only {span} ms apart");

    let ada = person(&app, "U0DEMO01").await.unwrap();
    assert!(ada.is_person());
    assert_eq!(ada.real_name, "Alice");
    assert!(ada.avatar.as_deref().unwrap().ends_with("_192.png"));
    // The office's install has no users:read.email: Slack sent no emails.
    assert_eq!(ada.email, None);
    assert!(person(&app, "U1000007").await.unwrap().deleted);
    assert!(!person(&app, "U1000008").await.unwrap().is_person());
    assert!(person(&app, "U0DEMOBOT").await.unwrap().is_bot);
}

#[tokio::test]
async fn a_second_refresh_adds_emails_when_scoped_and_marks_people_slack_no_longer_lists() {
    let Some(app) = spawn_app_with(AppOptions::default()).await else {
        return;
    };
    let o = office(&app).await;
    let (code, _) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202);
    until_status(&app, &o.hq, model::RunStatus::Done).await;
    // Someone the directory knows from an earlier time, whom Slack no
    // longer lists at all.
    let mut ghost = person(&app, "U0DEMO02").await.unwrap();
    ghost.id = user("U0GHOST");
    app.services
        .directory()
        .upsert(&demo(), &ghost, Some("an-old-run"))
        .await
        .unwrap();
    // Reinstalled with the email scope.
    install_demo(&app, &["users:read", "users:read.email", "chat:write"]).await;
    // Move the clock past the ghost's write, so the sweep does not take it
    // for someone written during the run.
    app.clock.advance_secs(5);
    let (code, body) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202, "{body:?}");
    let done = until_status(&app, &o.hq, model::RunStatus::Done).await;
    let counts = done.counts.unwrap_or_else(|| panic!("{done:?}"));
    assert_eq!(counts.gone, 1, "{done:?}");
    assert_eq!(counts.people, 6, "{done:?}");
    assert!(person(&app, "U0GHOST").await.unwrap().deleted);
    // A profile as new as the stored one is rewritten: the emails arrive.
    let bob = person(&app, "U0DEMO02").await.unwrap();
    assert!(!bob.deleted);
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
}

#[tokio::test]
async fn a_429_mid_walk_is_waited_out_and_the_walk_resumes() {
    let Some(app) = app_with_big_demo().await else {
        return;
    };
    let o = office(&app).await;
    // The first call is refused with Retry-After: 2.
    fail_next_users_list(&app, FaultKind::RateLimited { retry_after: 2 });
    let (code, _) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202);
    let done = until_status(&app, &o.hq, model::RunStatus::Done).await;
    assert_eq!(done.fetched, 447, "{done:?}");
    let calls = app.slack.calls_to("users.list");
    assert_eq!(calls.len(), 4, "one refused, three served: {calls:?}");
    assert_eq!(calls[0].status, 429);
    let waited = calls[1].at_millis - calls[0].at_millis;
    assert!(waited >= 2_000, "retried after {waited} ms");
}

#[tokio::test]
async fn a_duplicate_page_job_is_not_counted_twice() {
    let Some(app) = app_with_big_demo().await else {
        return;
    };
    let o = office(&app).await;
    let (code, body) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202);
    // SQS delivers the first page's job a second time.
    jobs::enqueue(
        app.services.queue.as_ref(),
        &Job::Directory(DirectoryJob {
            team_id: demo(),
            run_id: body.run_id.clone(),
            page: 0,
            cursor: None,
        }),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let done = until_status(&app, &o.hq, model::RunStatus::Done).await;
    assert_eq!((done.fetched, done.pages), (447, 3), "{done:?}");
    assert_eq!(done.counts.map(|c| c.people), Some(444));
}

#[tokio::test]
async fn a_dead_token_ends_the_refresh_and_marks_the_team_for_reinstall() {
    let Some(app) = app_with_big_demo().await else {
        return;
    };
    let o = office(&app).await;
    // The bot token dies on Slack's side (`auth.test` confirms it).
    app.slack.with_world(|w| {
        for t in w.tokens.values_mut() {
            t.revoked = true;
        }
    });
    let (code, _) = refresh(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 202);
    let failed = until_status(&app, &o.hq, model::RunStatus::Failed).await;
    assert_eq!(
        failed.error.as_deref(),
        Some("hallway lost access to this workspace")
    );
    let inst = app
        .services
        .installations()
        .get(&demo())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.status, InstallStatus::Revoked);
    // And the office can no longer start one.
    let (code, body) = refresh_refused(&app, &o.hq, "ada", Role::Admin).await;
    assert_eq!(code, 409, "{body:?}");
    let run = app
        .services
        .directory()
        .run(&demo())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, RunStatus::Failed);
}

/// The body of a sample in `events/events/`.

#[tokio::test]
async fn people_events_keep_the_directory_current_and_older_profiles_never_win() {
    let Some(app) = spawn_app_with(AppOptions::default()).await else {
        return;
    };
    office(&app).await;
    // Someone joins (an Enterprise Grid workspace: enterprise fields and
    // the enterprise user block ride along).
    let join = sample_body("team_join.json");
    assert_eq!(post_event(&app, &join, false).await, "queued");
    eventually_within("Dana in the directory", Duration::from_secs(15), || async {
        person(&app, "U0DEMO09").await.is_some()
    })
    .await;
    let dana = person(&app, "U0DEMO09").await.unwrap();
    assert_eq!(
        (dana.label(), dana.real_name.as_str()),
        ("dana", "Dana Scully")
    );
    assert_eq!(dana.email.as_deref(), Some("dana@acme.example"));
    assert!(dana.is_person());

    // Bob renames himself.
    assert_eq!(
        post_event(&app, &sample_body("user_change.json"), false).await,
        "queued"
    );
    eventually_within("Bob's new name", Duration::from_secs(15), || async {
        person(&app, "U0DEMO02")
            .await
            .is_some_and(|p| p.display_name == "Bobby")
    })
    .await;

    // Dana is deactivated; Slack's retry of the same event changes nothing.
    let deactivated = sample_body("user_change_deactivated.json");
    assert_eq!(post_event(&app, &deactivated, false).await, "queued");
    eventually_within("Dana deactivated", Duration::from_secs(15), || async {
        person(&app, "U0DEMO09").await.is_some_and(|p| p.deleted)
    })
    .await;
    // Reactivated by an admin meanwhile (a newer profile)…
    let mut back = person(&app, "U0DEMO09").await.unwrap();
    back.deleted = false;
    back.updated += 10;
    app.services
        .directory()
        .upsert(&demo(), &back, None)
        .await
        .unwrap();
    // …then the deactivation is retried by Slack: a duplicate, not applied.
    assert_eq!(post_event(&app, &deactivated, true).await, "duplicate");
    // And the join, under a new event id (a late, second delivery path),
    // is older than what is stored: it does not bring back the old profile.
    let late_join = join.replace("Ev08TJ0DANA1", "Ev08TJ0DANA9");
    assert_eq!(post_event(&app, &late_join, false).await, "queued");
    app.drained().await;
    let now = person(&app, "U0DEMO09").await.unwrap();
    assert_eq!(now, back);
}
