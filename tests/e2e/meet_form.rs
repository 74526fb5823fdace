//! The "Meet in hallway" form through the fake Slack: the global shortcut,
//! the message shortcut "Meet about this" and `/hallway ?` open it with
//! `views.open` inside the 3-second trigger; a submission is checked
//! (`response_action: errors`), queued as the same invite job as
//! `/hallway @…`, and the modal then shows who was reached (or, once
//! closed, the inviter's DM with the app does).

use hallway_tests::demo::invites_to;
use hallway_tests::demo::{ALICE, BOB, CAROL, DESIGN, GENERAL, office};
use hallway_tests::spawn_app;
use serde_json::{Value, json};

const TEAM: &str = "T0DEMO";

/// All the text of a view or message's blocks, one string.
fn words(blocks: &Value) -> String {
    blocks.to_string()
}

fn room_select(view: &Value) -> &Value {
    &view["blocks"][1]["element"]
}

/// `state.values` as Slack sends them for the form.
fn values(people: &[&str], room: &Value, note: Option<&str>) -> Value {
    let mut v = json!({
        "people": {"people": {"type": "multi_users_select", "selected_users": people}},
        "room": {"room": {"type": "static_select", "selected_option": room}},
    });
    if let Some(n) = note {
        v["note"] = json!({"note": {"type": "plain_text_input", "value": n}});
    }
    v
}

#[tokio::test]
async fn the_shortcut_opens_the_form_and_its_submission_invites_and_reports_there() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let out = app.slack.run_shortcut(TEAM, ALICE, "meet_in_hallway").await;
    assert!(out.acknowledged(), "{out:?}");
    assert!(out.answer.is_none(), "a shortcut is acknowledged empty");
    let view = app.slack.open_view(TEAM, ALICE).expect("the form is open");
    assert_eq!(view["title"]["text"], "Meet in hallway");
    assert_eq!(view["submit"]["text"], "Send invites");
    // One space: its rooms, the largest empty one (Hall, 30) chosen.
    let select = room_select(&view);
    assert_eq!(view["blocks"][1]["label"]["text"], "Room in HQ");
    assert_eq!(select["options"].as_array().unwrap().len(), 3);
    assert_eq!(select["initial_option"]["text"]["text"], "Hall · empty");
    let hall = select["initial_option"].clone();

    // Only herself, and no room: errors under both fields, nothing sent.
    let refused = app
        .slack
        .submit_view(TEAM, ALICE, values(&[ALICE], &Value::Null, None))
        .await;
    assert_eq!(refused.response_action.as_deref(), Some("errors"));
    let errors = refused.errors.clone().unwrap();
    assert!(
        errors["people"]
            .as_str()
            .unwrap()
            .contains("besides yourself")
    );
    assert_eq!(errors["room"], "Pick a room.");
    assert!(!refused.closed());
    assert_eq!(app.queue_depth().await, 0);

    let sent = app
        .slack
        .submit_view(
            TEAM,
            ALICE,
            values(&[BOB, CAROL, ALICE], &hall, Some("Planning, 10 min")),
        )
        .await;
    assert_eq!(sent.response_action.as_deref(), Some("update"), "{sent:?}");
    let progress = sent.view.expect("the modal stays, showing progress");
    assert!(
        words(&progress["blocks"]).contains("Inviting 2 people to *Hall* (HQ)"),
        "{progress}"
    );
    app.eventually("both invited", || async {
        invites_to(&app, BOB).len() == 1 && invites_to(&app, CAROL).len() == 1
    })
    .await;
    let dm = &invites_to(&app, BOB)[0];
    let blocks = words(dm.blocks.as_ref().unwrap());
    assert!(blocks.contains("> Planning, 10 min"), "{blocks}");
    app.eventually("the modal says who was reached", || async {
        app.slack
            .open_view(TEAM, ALICE)
            .is_some_and(|v| words(&v["blocks"]).contains("2 of 2 reached"))
    })
    .await;
    // Nothing went to her DM: the modal said it.
    assert!(
        app.slack
            .dm_messages(TEAM, ALICE)
            .iter()
            .all(|m| !m.text.contains("reached"))
    );
}

#[tokio::test]
async fn a_closed_form_reports_in_the_inviters_dm_instead() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    app.slack.run_shortcut(TEAM, ALICE, "meet_in_hallway").await;
    let view = app.slack.open_view(TEAM, ALICE).unwrap();
    let hall = room_select(&view)["initial_option"].clone();
    let sent = app
        .slack
        .submit_view(TEAM, ALICE, values(&[BOB], &hall, None))
        .await;
    assert_eq!(sent.response_action.as_deref(), Some("update"));
    app.slack.close_view(TEAM, ALICE).await;
    app.eventually("the summary in Alice's DM with the app", || async {
        app.slack
            .dm_messages(TEAM, ALICE)
            .iter()
            .any(|m| m.text.contains("1 of 1 reached"))
    })
    .await;
    assert!(app.slack.open_view(TEAM, ALICE).is_none());
}

#[tokio::test]
async fn meet_about_this_prefills_the_threads_people_and_links_the_message() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let parent = app
        .slack
        .post_as(TEAM, DESIGN, BOB, "Shall we redo the logo?", None);
    app.slack
        .post_as(TEAM, DESIGN, CAROL, "Yes please", Some(&parent));
    let out = app
        .slack
        .run_message_shortcut(TEAM, DESIGN, ALICE, &parent, "meet_about_this")
        .await;
    assert!(out.acknowledged(), "{out:?}");
    let view = app.slack.open_view(TEAM, ALICE).expect("the form is open");
    assert_eq!(
        view["blocks"][0]["element"]["initial_users"],
        json!([BOB, CAROL])
    );
    assert!(words(&view["blocks"]).contains("a link to the message"));
    let hall = room_select(&view)["initial_option"].clone();
    app.slack
        .submit_view(TEAM, ALICE, values(&[BOB, CAROL], &hall, None))
        .await;
    app.eventually("both invited", || async {
        invites_to(&app, BOB).len() == 1 && invites_to(&app, CAROL).len() == 1
    })
    .await;
    let blocks = words(invites_to(&app, CAROL)[0].blocks.as_ref().unwrap());
    let link = format!("/archives/{DESIGN}/p{}", parent.replace('.', ""));
    assert!(
        blocks.contains(&link) && blocks.contains("this message"),
        "{blocks}"
    );
}

#[tokio::test]
async fn a_question_mark_or_a_bare_command_in_a_dm_opens_the_form() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let out = app
        .slack
        .run_command(TEAM, GENERAL, ALICE, "/hallway", "?")
        .await;
    assert!(out.acknowledged(), "{out:?}");
    assert!(out.answer.is_none(), "the form, not a message: {out:?}");
    let view = app.slack.open_view(TEAM, ALICE).expect("the form is open");
    assert!(view["blocks"][0]["element"].get("initial_users").is_none());
    app.slack.close_view(TEAM, ALICE).await;

    let dm = app.slack.dm_between(TEAM, ALICE, hallway_tests::demo::BOT);
    let out = app
        .slack
        .run_command(TEAM, &dm, ALICE, "/hallway", "")
        .await;
    assert!(out.answer.is_none(), "{out:?}");
    assert!(app.slack.open_view(TEAM, ALICE).is_some());
    // `help` still answers in words.
    let out = app
        .slack
        .run_command(TEAM, GENERAL, ALICE, "/hallway", "help")
        .await;
    assert!(words(&out.answer.unwrap()).contains("opens a form"));
}

#[tokio::test]
async fn someone_not_linked_sees_why_in_the_modal_and_a_removed_app_says_so_in_the_channel() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let erin = hallway_tests::demo::ERIN;
    app.slack.run_shortcut(TEAM, erin, "meet_in_hallway").await;
    let view = app.slack.open_view(TEAM, erin).expect("a notice opens");
    assert!(words(&view["blocks"]).contains("connect your Slack account"));
    assert!(view.get("submit").is_none());

    // Uninstalled: no token to open anything with. The message shortcut
    // still explains through its response_url.
    app.services
        .installations()
        .revoke(
            &hallway_tests::demo::team(),
            hallway::store::installations::InstallStatus::Uninstalled,
        )
        .await
        .unwrap();
    let ts = app.slack.post_as(TEAM, GENERAL, BOB, "hi", None);
    let out = app
        .slack
        .run_message_shortcut(TEAM, GENERAL, ALICE, &ts, "meet_about_this")
        .await;
    assert!(out.acknowledged());
    assert!(app.slack.open_view(TEAM, ALICE).is_none());
    let said = app.slack.responses(&out.response_id);
    assert!(words(&Value::from(said)).contains("reinstall"), "{out:?}");
}

#[tokio::test]
async fn meet_about_a_reply_adds_the_people_of_its_stored_thread() {
    use hallway_tests::demo::{BOT, DAVE, bridged_office};
    let Some((app, o)) = bridged_office(&[
        "channels:history",
        "channels:join",
        "channels:read",
        "groups:history",
    ])
    .await
    else {
        return;
    };
    hallway_tests::demo::link_ada_with_token(
        &app,
        &[
            "channels:read",
            "groups:read",
            "channels:history",
            "groups:history",
            "chat:write",
        ],
    )
    .await;
    // #design is the Hall's chat: hallway keeps its messages.
    let (code, body) = app
        .api(
            http::Method::PUT,
            &format!("/api/v1/spaces/{}/channels/{DESIGN}/mapping", o.hq),
            Some(&app.token("ada", &[(&o.hq, hallway::store::Role::Admin)])),
            Some(json!({"room_id": o.hall})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(
        app.slack
            .channel_members(TEAM, DESIGN)
            .contains(&BOT.to_owned())
    );
    assert!(app.slack.join_channel(TEAM, DESIGN, DAVE));
    let parent = app.slack.post_as(TEAM, DESIGN, BOB, "New logo?", None);
    let reply = app.slack.post_as(TEAM, DESIGN, CAROL, "Yes", Some(&parent));
    app.slack
        .post_as(TEAM, DESIGN, DAVE, "Me too", Some(&parent));
    app.eventually("the thread stored", || async {
        let thread = hallway::ids::MessageTs::new(parent.as_str()).unwrap();
        let channel = hallway::ids::ChannelId::new(DESIGN).unwrap();
        let (replies, _) = app
            .services
            .chat()
            .thread_replies(
                &hallway_tests::demo::team(),
                &channel,
                &thread,
                None,
                10,
                100,
            )
            .await
            .unwrap();
        replies.len() == 2
    })
    .await;
    // On a reply, Slack's payload names only its author and the parent's;
    // Dave comes from the stored thread.
    app.slack
        .run_message_shortcut(TEAM, DESIGN, ALICE, &reply, "meet_about_this")
        .await;
    let view = app.slack.open_view(TEAM, ALICE).expect("the form is open");
    assert_eq!(
        view["blocks"][0]["element"]["initial_users"],
        json!([CAROL, BOB, DAVE])
    );
}

#[tokio::test]
async fn the_form_opened_in_a_channel_can_also_call_it_with_a_card() {
    use hallway_tests::demo::{OFFICE_SCOPES, install_demo};
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    install_demo(
        &app,
        &[OFFICE_SCOPES, &["calls:read", "calls:write"]].concat(),
    )
    .await;
    let out = app
        .slack
        .run_command(TEAM, GENERAL, ALICE, "/hallway", "?")
        .await;
    let view = app.slack.open_view(TEAM, ALICE).expect("the form is open");
    let call = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "call")
        .cloned()
        .expect("a call option in a channel");
    assert_eq!(
        call["element"]["options"][0]["text"]["text"],
        "Also call #general to the room"
    );
    let hall = room_select(&view)["initial_option"].clone();
    let mut v = values(&[BOB], &hall, None);
    v["call"] = json!({"call": {"type": "checkboxes", "selected_options": [call["element"]["options"][0]]}});
    let sent = app.slack.submit_view(TEAM, ALICE, v).await;
    assert_eq!(sent.response_action.as_deref(), Some("update"));
    app.eventually("the card in #general and Bob invited", || async {
        let card = app
            .slack
            .responses(&out.response_id)
            .iter()
            .any(|r| r["response_type"] == "in_channel" && r.to_string().contains("\"call\""));
        card && invites_to(&app, BOB).len() == 1
    })
    .await;
    // The modal still says who was reached.
    app.eventually("the modal's summary", || async {
        app.slack
            .open_view(TEAM, ALICE)
            .is_some_and(|v| words(&v["blocks"]).contains("1 of 1 reached"))
    })
    .await;
    // In a DM there is no channel to call.
    app.slack.close_view(TEAM, ALICE).await;
    let dm = app.slack.dm_between(TEAM, ALICE, hallway_tests::demo::BOT);
    app.slack
        .run_command(TEAM, &dm, ALICE, "/hallway", "")
        .await;
    let view = app.slack.open_view(TEAM, ALICE).unwrap();
    assert!(!words(&view["blocks"]).contains("\"call\""), "{view}");
}
