//! People sync for admins through the office API: the list with its
//! filters, prompts through the queue (one, everyone, reprompts) under
//! Slack's limits, reset, remove leaving nothing of the person behind (a
//! table scan), and the audit log of it all.

use hallway::ids::OfficeUserId;
use hallway::store::Role;
use hallway_api::model::{
    AuditPage, ErrorBody, LinkType, Platform, Prompted, PromptedAll, Removed, RemovedDetail,
    ResetDone, SyncCounts, SyncList, SyncPerson, SyncStatus,
};
use hallway_fake_slack::{Fault, FaultKind};
use hallway_tests::{TestApp, eventually};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, BOT, CAROL, DAVE, ERIN, from_app, user};
use hallway_tests::demo::{Office, bridged_office, fill_directory, link_with_token};

const FRANK: &str = "U0DEMO06";
const BOB_SLACK: &str = "U0DEMO02";

/// The demo office: Alice is `ada` (Sign in with Slack, admin), Erin is
/// `erin` linked from the office with a user token, `bob` is a member with
/// no Slack account linked; the directory is filled.
async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    fill_directory(&app, &o).await;
    let members = app.services.members();
    for (who, role) in [("erin", Role::Member), ("bob", Role::Member)] {
        members
            .join(&o.hq, &OfficeUserId::new(who).unwrap(), role, 0)
            .await
            .unwrap();
    }
    link_with_token(
        &app,
        "erin",
        ERIN,
        &["chat:write", "im:history", "im:write"],
    )
    .await;
    Some((app, o))
}

/// Calls `…/spaces/{hq}{path}` as Ada, the admin; the answer is read as
/// `T` (one of the API's wire types, or `ErrorBody` for a refusal).
async fn admin<T: DeserializeOwned>(
    app: &TestApp,
    o: &Office,
    method: Method,
    path: &str,
) -> (u16, T) {
    let (status, json) = app
        .api(
            method,
            &format!("/api/v1/spaces/{}{path}", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            None,
        )
        .await;
    let read = serde_json::from_value(json.clone());
    (
        status,
        read.unwrap_or_else(|e| panic!("{path}: {status} {json}: {e}")),
    )
}

fn row<'a>(list: &'a SyncList, slack: &str) -> &'a SyncPerson {
    list.people
        .iter()
        .find(|r| {
            r.slack_user_id
                .as_ref()
                .is_some_and(|u| u.as_str() == slack)
        })
        .unwrap_or_else(|| panic!("{slack} not in {list:?}"))
}

fn names(list: &SyncList) -> Vec<String> {
    list.people.iter().map(|r| r.name.clone()).collect()
}

#[tokio::test]
async fn admins_see_who_is_linked_how_and_where_they_work_with_filters() {
    let Some((app, o)) = app().await else {
        return;
    };
    let (code, list) = admin::<SyncList>(&app, &o, Method::GET, "/sync").await;
    assert_eq!(code, 200, "{list:?}");
    // Six Slack people and `bob`, who has no Slack account linked.
    assert_eq!(
        list.counts,
        SyncCounts {
            on: 2,
            pending: 0,
            off: 5,
            failed: 0,
            total: 7,
            shown: 7
        }
    );
    let alice = row(&list, ALICE);
    assert_eq!(
        (alice.status, alice.kind, alice.platform),
        (SyncStatus::On, LinkType::Identity, Platform::Slack)
    );
    assert_eq!(
        alice.office_user_id,
        Some(OfficeUserId::new("ada").unwrap())
    );
    let erin = row(&list, ERIN);
    assert_eq!(
        (erin.status, erin.kind, erin.platform),
        (SyncStatus::On, LinkType::Chat, Platform::Office)
    );
    let bob = list
        .people
        .iter()
        .find(|r| {
            r.office_user_id
                .as_ref()
                .is_some_and(|u| u.as_str() == "bob")
        })
        .unwrap();
    assert_eq!(
        (bob.slack_user_id.is_none(), bob.platform, bob.status),
        (true, Platform::Office, SyncStatus::Off)
    );
    assert!(!format!("{list:?}").contains(BOT), "bots are not people");

    let (_, chat) = admin::<SyncList>(&app, &o, Method::GET, "/sync?type=chat").await;
    assert_eq!(names(&chat), ["Erin"]);
    let (_, office) =
        admin::<SyncList>(&app, &o, Method::GET, "/sync?platform=office&status=off").await;
    assert_eq!(names(&office), ["bob"]);
    let (_, slack_off) =
        admin::<SyncList>(&app, &o, Method::GET, "/sync?platform=slack&status=off").await;
    assert_eq!(names(&slack_off), ["Bob", "Carol", "Dave", "Frank"]);
    for bad in ["?status=maybe", "?type=x", "?platform=teams"] {
        let (code, body) = admin::<ErrorBody>(&app, &o, Method::GET, &format!("/sync{bad}")).await;
        assert_eq!(code, 400, "{bad}: {body:?}");
    }
    // Members may not; nor an admin of another space.
    let (code, _) = app
        .api_err(
            Method::GET,
            &format!("/api/v1/spaces/{}/sync", o.hq),
            Some(&app.token("bob", &[(&o.hq, Role::Member)])),
            None,
        )
        .await;
    assert_eq!(code, 403);
    let other = app.services.spaces().create("Other", None).await.unwrap();
    let (code, _) = app
        .api_err(
            Method::GET,
            &format!("/api/v1/spaces/{}/sync", o.hq),
            Some(&app.token("zed", &[(&other.id, Role::Admin)])),
            None,
        )
        .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn prompts_go_out_once_a_day_unless_reprompted_and_failures_say_why() {
    let Some((app, o)) = app().await else {
        return;
    };
    let (code, body) =
        admin::<Prompted>(&app, &o, Method::POST, &format!("/sync/{CAROL}/prompt")).await;
    assert_eq!(code, 202, "{body:?}");
    assert_eq!((body.queued, body.slack_user_id), (1, user(CAROL)));
    eventually("Carol prompted", || async {
        from_app(&app, CAROL).len() == 1
    })
    .await;
    let dm = &from_app(&app, CAROL)[0];
    assert_eq!(
        dm.blocks.as_ref().unwrap()[0]["accessory"]["action_id"],
        "sync_now"
    );
    let (_, list) = admin::<SyncList>(&app, &o, Method::GET, "/sync").await;
    assert_eq!(row(&list, CAROL).status, SyncStatus::Pending);

    // Again the same day: refused, with the way out.
    let (code, body) =
        admin::<ErrorBody>(&app, &o, Method::POST, &format!("/sync/{CAROL}/prompt")).await;
    assert_eq!(code, 409, "{body:?}");
    assert!(body.error.contains("reprompt"));
    let (code, _) =
        admin::<Prompted>(&app, &o, Method::POST, &format!("/sync/{CAROL}/reprompt")).await;
    assert_eq!(code, 202);
    eventually("Carol reprompted", || async {
        from_app(&app, CAROL).len() == 2
    })
    .await;
    // Not for the linked, not for bots or strangers.
    for (who, want) in [(ALICE, 409), (BOT, 404), ("U0NOBODY", 404)] {
        let (code, body) =
            admin::<ErrorBody>(&app, &o, Method::POST, &format!("/sync/{who}/prompt")).await;
        assert_eq!(code, want, "{who}: {body:?}");
    }

    // Slack refuses Dave's DM: failed, with Slack's reason.
    app.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::Error {
            error: "user_disabled".into(),
        },
        times: 1,
    });
    admin::<Prompted>(&app, &o, Method::POST, &format!("/sync/{DAVE}/prompt")).await;
    app.drained().await;
    let (_, list) = admin::<SyncList>(&app, &o, Method::GET, "/sync?status=failed").await;
    assert_eq!(names(&list), ["Dave"]);
    assert!(
        row(&list, DAVE)
            .reason
            .as_deref()
            .unwrap()
            .contains("user_disabled")
    );
}

#[tokio::test]
async fn prompt_all_counts_and_reaches_everyone_once_under_rate_limits() {
    let Some((app, o)) = app().await else {
        return;
    };
    admin::<Prompted>(&app, &o, Method::POST, &format!("/sync/{CAROL}/prompt")).await;
    eventually("Carol prompted", || async {
        from_app(&app, CAROL).len() == 1
    })
    .await;
    // Slack answers 429 to the next DMs: the worker waits and goes on.
    app.slack.inject(Fault {
        method: Some("chat.postMessage".into()),
        team: None,
        kind: FaultKind::RateLimited { retry_after: 1 },
        times: 2,
    });
    let (code, counts) = admin::<PromptedAll>(&app, &o, Method::POST, "/sync/prompt-all").await;
    assert_eq!(code, 202, "{counts:?}");
    assert_eq!(
        counts,
        PromptedAll {
            queued: 3,
            already_linked: 2,
            prompted_within_a_day: 1
        }
    );
    eventually("everyone prompted", || async {
        [BOB_SLACK, DAVE, FRANK]
            .iter()
            .all(|u| !from_app(&app, u).is_empty())
    })
    .await;
    app.drained().await;
    for u in [BOB_SLACK, DAVE, FRANK, CAROL] {
        assert_eq!(from_app(&app, u).len(), 1, "{u} prompted once");
    }
    let limited = app
        .slack
        .calls_to("chat.postMessage")
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert_eq!(limited, 2);
    let (_, list) = admin::<SyncList>(&app, &o, Method::GET, "/sync").await;
    assert_eq!(list.counts.pending, 4);
}

#[tokio::test]
async fn reset_breaks_the_link_and_remove_leaves_nothing_of_the_person() {
    let Some((app, o)) = app().await else {
        return;
    };
    let (code, body) =
        admin::<ResetDone>(&app, &o, Method::POST, &format!("/sync/{ERIN}/reset")).await;
    assert_eq!(code, 200, "{body:?}");
    assert_eq!(body.unlinked, Some(OfficeUserId::new("erin").unwrap()));
    assert_eq!(body.status, SyncStatus::Off);
    let (_, list) = admin::<SyncList>(&app, &o, Method::GET, "/sync").await;
    assert_eq!(
        (row(&list, ERIN).status, &row(&list, ERIN).office_user_id),
        (SyncStatus::Off, &None)
    );
    assert!(
        app.services
            .links()
            .get(&OfficeUserId::new("erin").unwrap(), &demo())
            .await
            .unwrap()
            .is_none()
    );

    // Dave: prompted, DMs the app (a bridged conversation), welcomed to a
    // channel, linked; then removed.
    admin::<Prompted>(&app, &o, Method::POST, &format!("/sync/{DAVE}/prompt")).await;
    let dave =
        hallway::secrets::Secret::new(app.slack.issue_user_token("T0DEMO", DAVE, &["chat:write"]));
    hallway_tests::demo::slack(
        &app,
        &dave,
        "chat.postMessage",
        json!({"channel": BOT, "text": "hello app"}),
    )
    .await;
    eventually("Dave's DM bridged", || async {
        !app.office.as_ref().unwrap().accepted().is_empty()
    })
    .await;
    app.services
        .channels()
        .claim_welcome(
            &demo(),
            &hallway::ids::ChannelId::new("C0DESIGN").unwrap(),
            &user(DAVE),
        )
        .await
        .unwrap();
    app.drained().await;
    link_with_token(&app, "dave", DAVE, &["chat:write"]).await;
    assert!(app.items_mentioning(DAVE).await.len() > 3);

    let (code, body) = admin::<Removed>(&app, &o, Method::DELETE, &format!("/sync/{DAVE}")).await;
    assert_eq!(code, 200, "{body:?}");
    assert_eq!(
        body.removed,
        RemovedDetail {
            office_user_id: Some(OfficeUserId::new("dave").unwrap()),
            conversations: 1,
            messages: 1,
            // The welcome.
            channel_records: 1,
        }
    );
    // What may stay: the workspace's directory entry (with their
    // language) and the audit log.
    let left: Vec<(String, String)> = app
        .items_mentioning(DAVE)
        .await
        .into_iter()
        .filter(|(_, sk)| {
            !sk.starts_with("PERSON#") && !sk.starts_with("LOCALE#") && !sk.starts_with("AUDIT#")
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let dave_left = app.items_mentioning("\"dave\"").await;
    assert!(
        dave_left
            .iter()
            .all(|(_, sk)| sk.starts_with("AUDIT#") || sk.starts_with("PERSON#")),
        "{dave_left:?}"
    );

    // The audit log, newest first, says who did what.
    let (code, log) = admin::<AuditPage>(&app, &o, Method::GET, "/audit?limit=2").await;
    assert_eq!(code, 200, "{log:?}");
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["sync.remove", "sync.prompt"]);
    assert_eq!(log.entries[0].by.as_str(), "ada");
    assert_eq!(log.entries[0].target.as_deref(), Some(DAVE));
    let next = log.next_cursor.unwrap();
    let (_, older) =
        admin::<AuditPage>(&app, &o, Method::GET, &format!("/audit?before={next}")).await;
    let actions: Vec<&str> = older.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["sync.reset"]);
    let (code, _) = admin::<ErrorBody>(&app, &o, Method::GET, "/audit?before=garbage").await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn no_admin_action_works_for_members_or_another_spaces_admin() {
    let Some((app, o)) = app().await else {
        return;
    };
    let other = app.services.spaces().create("Other", None).await.unwrap();
    let tokens = [
        app.token("bob", &[(&o.hq, Role::Member)]),
        app.token("zed", &[(&other.id, Role::Admin)]),
    ];
    let routes = [
        (Method::GET, "/sync".to_owned()),
        (Method::POST, format!("/sync/{CAROL}/prompt")),
        (Method::POST, format!("/sync/{CAROL}/reprompt")),
        (Method::POST, "/sync/prompt-all".to_owned()),
        (Method::POST, format!("/sync/{ERIN}/reset")),
        (Method::DELETE, format!("/sync/{ERIN}")),
        (Method::GET, "/audit".to_owned()),
    ];
    for token in &tokens {
        for (method, path) in &routes {
            let (code, body) = app
                .api_err(
                    method.clone(),
                    &format!("/api/v1/spaces/{}{path}", o.hq),
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(code, 403, "{method} {path}: {body:?}");
        }
    }
    // Nothing happened: no prompt, Erin still linked, no audit entry.
    app.drained().await;
    assert!(from_app(&app, CAROL).is_empty());
    assert!(
        app.services
            .links()
            .office_user_for(&demo(), &user(ERIN))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.services
            .audit()
            .list(&o.hq, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
