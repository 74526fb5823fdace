//! `/hallway` end to end: signed form posts into the bundle, the worker on the
//! in-process queue, DMs and `response_url` posts recorded by the fake Slack.

use std::collections::BTreeMap;

use hallway::ids::{ChannelId, OfficeUserId, TeamId, UserId};
use hallway::store::Role;
use hallway::store::installations::InstallStatus;
use hallway_api::model;
use hallway_fake_slack::{ChannelSeed, Limit, TeamSeed};
use hallway_tests::demo::office;
use hallway_tests::{
    AppOptions, TestApp, body as wire, eventually, other_team, spawn_app, spawn_app_with,
};
use serde_json::Value;

use hallway_tests::demo::team as demo;
use hallway_tests::demo::{ALICE, DESIGN, GENERAL};

fn text(reply: &Value) -> String {
    reply["text"].as_str().unwrap_or_default().to_owned()
}

fn ephemeral(reply: &Value) -> bool {
    reply["response_type"] == "ephemeral"
}

#[tokio::test]
async fn help_and_grammar_mistakes_are_explained() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, "help").await;
    assert!(ephemeral(&reply));
    assert!(
        reply["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("/hallway @ada @bob")
    );
    for (input, says) in [
        ("'HQ Kitchen", "a quote opened with ' is not closed"),
        ("<#C0GENERAL|general>", "invite people, not channels"),
        ("<!here>", "@here cannot be invited"),
        ("@bob", "@bob was not recognised as a mention"),
    ] {
        let (reply, _) = app.slash(ALICE, GENERAL, input).await;
        assert!(ephemeral(&reply), "{input}");
        assert!(text(&reply).contains(says), "{input}: {}", text(&reply));
        assert!(
            reply["blocks"][1]["elements"][0]["text"]
                .as_str()
                .unwrap()
                .contains("/hallway help")
        );
    }
}

#[tokio::test]
async fn a_caller_who_has_not_linked_gets_the_authorize_prompt() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (reply, _) = app.slash("U0DEMO05", GENERAL, "").await;
    assert!(ephemeral(&reply));
    assert!(text(&reply).contains("connect your Slack account"));
    let button = &reply["blocks"][0]["accessory"];
    assert_eq!(button["text"]["text"], "Authorize hallway");
    assert_eq!(button["url"], app.url("/slack/login?team=T0DEMO"));
}

#[tokio::test]
async fn a_revoked_team_gets_the_reinstall_prompt() {
    let Some(app) = spawn_app().await else { return };
    // Before any install: the install prompt, not "was removed".
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(ephemeral(&reply));
    assert!(
        text(&reply).contains("no installation on record"),
        "{reply}"
    );
    assert_eq!(
        reply["blocks"][0]["accessory"]["url"],
        app.url("/slack/install")
    );
    office(&app).await;
    app.services
        .installations()
        .revoke(&demo(), InstallStatus::Revoked)
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(ephemeral(&reply));
    assert!(text(&reply).contains("needs to reinstall"));
    assert_eq!(
        reply["blocks"][0]["accessory"]["url"],
        app.url("/slack/install")
    );
}

#[tokio::test]
async fn without_a_mapped_space_the_reply_says_how_to_connect_one() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    app.services.spaces().disconnect(&o.hq).await.unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(ephemeral(&reply));
    assert!(text(&reply).contains("No space of the office is connected to this workspace"));
}

#[tokio::test]
async fn no_arguments_call_the_channel_to_the_largest_empty_room() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert_eq!(reply["response_type"], "in_channel");
    assert!(text(&reply).contains("Hall (HQ)"), "{}", text(&reply));
    let button = &reply["blocks"][0]["accessory"];
    assert_eq!(
        (button["text"]["text"].as_str(), button["style"].as_str()),
        (Some("Join"), Some("primary"))
    );
    assert!(
        button["url"]
            .as_str()
            .unwrap()
            .starts_with(&app.url("/join/"))
    );
    // Someone in the Hall: the next largest empty room.
    let spaces = app.services.spaces();
    spaces
        .set_presence(
            &o.hq,
            &BTreeMap::from([(o.hall.clone(), vec![OfficeUserId::new("x").unwrap()])]),
        )
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Kitchen (HQ)"), "{}", text(&reply));
    // Every room taken: the least full is offered, and the reply says so.
    let rooms = spaces.rooms(&o.hq).await.unwrap();
    let everyone = rooms
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                vec![
                    OfficeUserId::new("p1").unwrap(),
                    OfficeUserId::new("p2").unwrap(),
                ],
            )
        })
        .collect();
    spaces.set_presence(&o.hq, &everyone).await.unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Hall (HQ)"));
    assert!(
        reply["blocks"][1]["elements"][0]["text"]
            .as_str()
            .unwrap()
            .contains("No room of HQ is empty; Hall is the least full (2 of 30)")
    );
    // No rooms at all.
    for r in rooms {
        spaces.delete_room(&o.hq, &r.id).await.unwrap();
    }
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(ephemeral(&reply));
    assert!(text(&reply).contains("'HQ' has no rooms yet"));
}

#[tokio::test]
async fn a_call_sees_the_rooms_as_they_are_now_whatever_the_last_call_saw() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Hall (HQ)"), "{}", text(&reply));
    // A bigger room added since the last call: this one goes there.
    let spaces = app.services.spaces();
    let atrium = spaces.add_room(&o.hq, "Atrium", 500).await.unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Atrium (HQ)"), "{}", text(&reply));
    // Removed again: back to the Hall.
    spaces.delete_room(&o.hq, &atrium.id).await.unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Hall (HQ)"), "{}", text(&reply));
    // Renamed, and a smaller room made the biggest, in place.
    spaces
        .update_room(&o.hq, &o.hall, Some("Great Hall"), None)
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Great Hall (HQ)"), "{}", text(&reply));
    let kitchen = spaces
        .rooms(&o.hq)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "Kitchen")
        .unwrap();
    spaces
        .update_room(&o.hq, &kitchen.id, None, Some(900))
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("Kitchen (HQ)"), "{}", text(&reply));
    // The space disconnected from the team: no call goes there.
    spaces.disconnect(&o.hq).await.unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(
        !text(&reply).contains("(HQ)"),
        "a disconnected space is not called to: {}",
        text(&reply)
    );
}

#[tokio::test]
async fn routing_prefers_a_named_space_then_the_channel_then_the_oldest() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let spaces = app.services.spaces();
    app.clock.advance_secs(10);
    let annex = spaces.create("Main Office", None).await.unwrap();
    spaces.add_room(&annex.id, "Big Hall", 50).await.unwrap();
    let attic = spaces.add_room(&annex.id, "Attic", 3).await.unwrap();
    spaces.connect(&annex.id, &demo()).await.unwrap();
    // Nothing named, no channel route: the oldest space (HQ).
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("(HQ)"), "{}", text(&reply));
    // A named space wins: quoted, curly, or bare words that add up.
    for named in [
        "'Main Office'",
        "“Main Office”",
        "Main Office",
        "main office",
    ] {
        let (reply, _) = app.slash(ALICE, GENERAL, named).await;
        assert!(
            text(&reply).contains("Big Hall (Main Office)"),
            "{named}: {}",
            text(&reply)
        );
    }
    // A space and a room, in bare words.
    let (reply, _) = app
        .slash(ALICE, GENERAL, "<@U0DEMO02> Main Office Attic")
        .await;
    assert!(
        text(&reply).contains("Attic (Main Office)"),
        "{}",
        text(&reply)
    );
    // A channel mapped to the annex routes there when no space is named.
    app.services
        .channels()
        .map(
            &demo(),
            &ChannelId::new("C0DESIGN").unwrap(),
            Some("design"),
            &annex.id,
            &attic.id,
            None,
        )
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, "C0DESIGN", "").await;
    assert!(text(&reply).contains("(Main Office)"), "{}", text(&reply));
    // A room name alone is a room of the routed space.
    let (reply, _) = app.slash(ALICE, GENERAL, "Kitchen").await;
    assert!(text(&reply).contains("Kitchen (HQ)"), "{}", text(&reply));
    let _ = o;
}

#[tokio::test]
async fn unknown_names_get_a_reply_that_says_what_exists() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, "'Nowhere'").await;
    assert!(ephemeral(&reply));
    let t = text(&reply);
    assert!(t.contains("no space or room called 'Nowhere'"), "{t}");
    assert!(t.contains("Spaces: 'HQ'"), "{t}");
    assert!(
        t.contains("'Kitchen'") && t.contains("'Hall'") && t.contains("'Booth'"),
        "{t}"
    );
    let (reply, _) = app.slash(ALICE, GENERAL, "HQ 'Ballroom'").await;
    assert!(
        text(&reply).contains("'HQ' has no room called 'Ballroom'"),
        "{}",
        text(&reply)
    );
    // Another workspace's space is not this workspace's.
    let elsewhere = app
        .services
        .spaces()
        .create("Globex HQ", None)
        .await
        .unwrap();
    app.services
        .spaces()
        .connect(&elsewhere.id, &TeamId::new("T0OTHER").unwrap())
        .await
        .unwrap();
    let (reply, _) = app.slash(ALICE, GENERAL, "'Globex HQ'").await;
    assert!(
        text(&reply).contains("no space or room called 'Globex HQ'"),
        "{}",
        text(&reply)
    );
}

fn responses(app: &TestApp, response_id: &str) -> Vec<String> {
    app.slack
        .responses(response_id)
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The first post to the command's `response_url` that `is` picks, once
/// there is one.
async fn said(
    app: &TestApp,
    response_id: &str,
    what: &str,
    is: impl Fn(&String) -> bool,
) -> String {
    eventually(what, || async {
        responses(app, response_id).iter().any(&is)
    })
    .await;
    responses(app, response_id).into_iter().find(is).unwrap()
}

/// The invite's summary, through the command's `response_url` (after a
/// channel mapping's confirmation, if any).
async fn summary(app: &TestApp, response_id: &str) -> String {
    said(app, response_id, "the invite summary", |t| {
        !t.contains("now meets in")
    })
    .await
}

/// What the worker said of a channel mapping (written, or refused),
/// through the command's `response_url`.
async fn mapping_said(app: &TestApp, response_id: &str) -> String {
    said(app, response_id, "the worker's word on the mapping", |t| {
        t.contains("now meets in") || t.contains("Only members")
    })
    .await
}

#[tokio::test]
async fn mentions_get_one_dm_each_and_the_inviter_hears_who_was_reached() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (reply, response) = app
        .slash(
            ALICE,
            GENERAL,
            "<@U0DEMO02> <@U0DEMO03|carol> <@U0DEMOBOT> 'HQ' Kitchen",
        )
        .await;
    assert!(ephemeral(&reply));
    assert_eq!(
        text(&reply),
        "Inviting 3 people to Kitchen (HQ). I'll tell you here who I reached."
    );
    let summary = summary(&app, &response).await;
    assert!(
        summary.contains("2 of 3 reached: <@U0DEMO02>, <@U0DEMO03>"),
        "{summary}"
    );
    assert!(
        summary.contains("Not reached: <@U0DEMOBOT> (is a bot)"),
        "{summary}"
    );
    for user in ["U0DEMO02", "U0DEMO03"] {
        let dms = app.slack.dm_messages("T0DEMO", user);
        assert_eq!(dms.len(), 1, "{user}");
        assert_eq!(
            dms[0].text,
            "Ada Lovelace has invited you to meet in Kitchen (HQ)"
        );
        let button = &dms[0].blocks.as_ref().unwrap()[0]["accessory"];
        assert_eq!(button["style"], "primary");
        assert!(
            button["url"]
                .as_str()
                .unwrap()
                .starts_with(&app.url("/join/"))
        );
    }
    assert_eq!(app.slack.responses(&response).len(), 1, "one summary");
}

#[tokio::test]
async fn mentioning_only_yourself_is_explained() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (reply, _) = app.slash(ALICE, GENERAL, &format!("<@{ALICE}>")).await;
    assert!(text(&reply).contains("You mentioned only yourself"));
}

#[tokio::test]
async fn interactivity_records_join_clicks_and_acknowledges_the_rest() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    let (_, response) = app.slash(ALICE, GENERAL, "<@U0DEMO02> Kitchen").await;
    summary(&app, &response).await;
    let dm = &app.slack.dm_messages("T0DEMO", "U0DEMO02")[0];
    let invite_id = dm.blocks.as_ref().unwrap()[0]["accessory"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": {"id": "U0DEMO02", "username": "bob", "name": "bob", "team_id": "T0DEMO"},
        "api_app_id": "A0HALLWAY", "token": "legacy", "trigger_id": "1.2.3",
        "team": {"id": "T0DEMO", "domain": "acme"},
        "container": {"type": "message", "message_ts": dm.ts, "channel_id": "D1", "is_ephemeral": false},
        "actions": [{"action_id": "join_room", "block_id": "b", "text": {"type": "plain_text", "text": "Join"},
                     "value": invite_id, "type": "button", "action_ts": "1.2"}],
        "response_url": "https://hooks.slack.com/actions/T0DEMO/1/abc"
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let resp = app
        .post_signed(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            &body,
            &[],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let delivery = app
        .services
        .invites()
        .delivery(&invite_id, &UserId::new("U0DEMO02").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(delivery.clicked_at.is_some());
    // Unknown actions and other payload types: 200.
    let mut other = payload.clone();
    other["actions"][0]["action_id"] = "something_new".into();
    for p in [
        other,
        serde_json::json!({"type": "view_closed", "user": {"id": "U1"}}),
    ] {
        let body = serde_urlencoded::to_string([("payload", p.to_string())]).unwrap();
        let resp = app
            .post_signed(
                "/slack/interactivity",
                "application/x-www-form-urlencoded",
                &body,
                &[],
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    // Unsigned: 401.
    let resp = app
        .http
        .post(app.url("/slack/interactivity"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn a_channel_of_1200_is_mapped_and_every_member_invited_once() {
    // 1,199 people and the bot: a channel of 1,200.
    let mut team = TeamSeed::with_people("T0DEMO", "Acme", 1199);
    // The caller and the bot as the demo workspace has them.
    team.users[0].id = ALICE.into();
    team.bot_user_id = "U0DEMOBOT".into();
    team.users.last_mut().unwrap().id = "U0DEMOBOT".into();
    let members: Vec<String> = team.users.iter().map(|u| u.id.clone()).collect();
    team.channels[0].id = GENERAL.into();
    team.channels[0].members = members;
    let Some(app) = spawn_app_with(AppOptions {
        teams: Some(vec![team, other_team()]),
        pollers: Some(6),
        // Paging 1,200 members takes longer than the default 2 s.
        visibility: Some(std::time::Duration::from_secs(30)),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    app.slack.set_limits_enabled(false);
    app.slack.set_max_page(200);
    office(&app).await;
    let (reply, response) = app.slash(ALICE, GENERAL, "'HQ' 'Kitchen'").await;
    assert_eq!(
        text(&reply),
        "Mapping #general to Kitchen (HQ) and inviting its members. I'll tell you here how it went."
    );
    let said = mapping_said(&app, &response).await;
    assert!(
        said.contains("#general now meets in Kitchen (HQ)"),
        "{said}"
    );
    let route = app
        .services
        .channels()
        .route(&demo(), &ChannelId::new(GENERAL).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        route.room_id.as_str(),
        app.services.spaces().rooms(&route.space_id).await.unwrap()[0]
            .id
            .as_str()
    );
    let started = std::time::Instant::now();
    hallway_tests::eventually_within(
        "1,198 invites",
        std::time::Duration::from_secs(180),
        || async {
            responses(&app, &response)
                .iter()
                .any(|t| t.contains("reached"))
        },
    )
    .await;
    eprintln!("1,198 invites delivered in {:?}", started.elapsed());
    let summary = summary(&app, &response).await;
    assert!(summary.contains("1198 of 1198 reached"), "{summary}");
    // Paged: 1,200 members at 200 a page.
    assert_eq!(app.slack.calls_to("conversations.members").len(), 6);
    let posts = app.slack.calls_to("chat.postMessage");
    assert_eq!(
        posts.len(),
        1198,
        "one DM per member but the caller and the bot, none twice"
    );
    let mut recipients: Vec<&str> = posts
        .iter()
        .map(|c| c.params["channel"].as_str().unwrap())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 1198);
    assert!(!recipients.contains(&ALICE) && !recipients.contains(&"U0DEMOBOT"));
}

#[tokio::test]
async fn a_member_of_the_space_maps_the_channel_but_a_stranger_cannot() {
    let Some(app) = spawn_app().await else { return };
    office(&app).await;
    // Bob is linked but not a member of HQ.
    hallway_tests::seed::link(&app.services, "bob", &demo(), "U0DEMO02").await;
    let (reply, response) = app.slash("U0DEMO02", GENERAL, "'HQ' 'Kitchen'").await;
    assert!(text(&reply).starts_with("Mapping #general"), "{reply}");
    let said = mapping_said(&app, &response).await;
    assert!(
        said.contains("Only members of 'HQ' can map a channel to its rooms, so nothing changed."),
        "{said}"
    );
    app.drained().await;
    assert!(
        hallway_tests::demo::from_app(&app, "U0DEMO03").is_empty(),
        "nobody is invited"
    );
    assert!(
        app.services
            .channels()
            .route(&demo(), &ChannelId::new(GENERAL).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // In a DM with the app, there is no channel to map.
    let (reply, _) = app.slash(ALICE, "D0ALICE", "'HQ' 'Kitchen'").await;
    assert!(
        text(&reply).contains("Run this in the channel"),
        "{}",
        text(&reply)
    );
}

#[tokio::test]
async fn slash_commands_are_refused_unsigned_and_garbled_forms_get_400() {
    let Some(app) = spawn_app().await else { return };
    let resp = app
        .http
        .post(app.url("/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("team_id=T0DEMO&text=")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "team_id=T0DEMO",
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    // ssl_check on the command URL.
    let resp = app
        .http
        .post(app.url("/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("ssl_check=1&token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let _ = Limit::per_minute(1);
}

/// The demo workspace plus a private channel with a `C` id (Slack's
/// private channels since 2021), an old private channel with a `G` id, and
/// a group DM — each told apart by what Slack says, never by the letter.
async fn app_with_private_channels() -> Option<TestApp> {
    let mut team = TeamSeed::demo();
    let mut secret = ChannelSeed::public(
        "C0SECRET",
        "secret-plans",
        vec![ALICE.into(), "U0DEMO02".into(), "U0DEMOBOT".into()],
    );
    secret.is_private = true;
    let mut old = ChannelSeed::public(
        "G0OLDPRIV",
        "old-private",
        vec![ALICE.into(), "U0DEMO03".into(), "U0DEMOBOT".into()],
    );
    old.is_private = true;
    let mut mpim = ChannelSeed::public(
        "C0MPIM01",
        "mpdm-alice--bob--carol-1",
        vec![ALICE.into(), "U0DEMO02".into(), "U0DEMO03".into()],
    );
    mpim.is_mpim = true;
    team.channels.extend([secret, old, mpim]);
    let app = spawn_app_with(AppOptions {
        bridge: true,
        teams: Some(vec![team]),
        ..AppOptions::default()
    })
    .await?;
    office(&app).await;
    Some(app)
}

#[tokio::test]
async fn a_mapped_channel_calls_its_room_and_notifies_as_the_space_says() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let (reply, response) = app.slash(ALICE, DESIGN, "'HQ' 'Kitchen'").await;
    assert!(
        text(&reply).contains("Mapping #design to Kitchen (HQ)"),
        "{reply}"
    );
    let said = mapping_said(&app, &response).await;
    assert!(said.contains("now meets in Kitchen (HQ)"), "{said}");
    assert!(
        said.contains("`/hallway` with no arguments here now calls people to Kitchen"),
        "{said}"
    );
    app.drained().await;

    // "#design meets in Kitchen from now on": a bare call goes there, though
    // Hall is the largest empty room; the channel is notified, the caller
    // named as a mention.
    let (reply, _) = app.slash(ALICE, DESIGN, "").await;
    assert_eq!(reply["response_type"], "in_channel");
    assert_eq!(
        text(&reply),
        format!("<!channel> <@{ALICE}> is calling you to Kitchen (HQ). Join from Slack.")
    );
    // Elsewhere, the largest empty room as before.
    let (reply, _) = app.slash(ALICE, GENERAL, "").await;
    assert!(text(&reply).contains("to Hall (HQ)"), "{reply}");

    // The space chooses how a call notifies: @here, or nobody.
    let admin = app.token("ada", &[(&o.hq, hallway::store::Role::Admin)]);
    for (mention, lead) in [
        (model::CallMention::Here, "<!here>"),
        (model::CallMention::None, "Everyone:"),
    ] {
        let (code, body) = app
            .api_ok::<model::Space>(
                http::Method::PATCH,
                &format!("/api/v1/spaces/{}/settings", o.hq),
                Some(&admin),
                wire(&model::SettingsChange {
                    call_mention: Some(mention),
                    ..Default::default()
                }),
            )
            .await;
        assert_eq!(code, 200, "{body:?}");
        assert_eq!(body.settings.call_mention, mention);
        let (reply, _) = app.slash(ALICE, DESIGN, "").await;
        assert!(text(&reply).starts_with(lead), "{mention:?}: {reply}");
    }
    // Not a mention the API knows: refused as malformed.
    let (code, _) = app
        .api_err(
            http::Method::PATCH,
            &format!("/api/v1/spaces/{}/settings", o.hq),
            Some(&admin),
            Some(serde_json::json!({"call_mention": "everyone"})),
        )
        .await;
    assert_eq!(code, 400, "an unknown mention is refused");

    // A DM is its people already: no special mention. (A bare command
    // there opens the form: `meet_form`.)
    let (reply, _) = app.slash(ALICE, "D0ALICE", "Hall").await;
    assert!(text(&reply).starts_with("Everyone:"), "{reply}");
}

#[tokio::test]
async fn private_channels_with_c_ids_map_and_group_dms_say_why_not() {
    let Some(app) = app_with_private_channels().await else {
        return;
    };
    // A private channel whose id starts with C is a channel.
    let (reply, response) = app.slash(ALICE, "C0SECRET", "'HQ' 'Booth'").await;
    assert!(text(&reply).contains("to Booth (HQ)"), "{reply}");
    let said = mapping_said(&app, &response).await;
    assert!(said.contains("now meets in Booth (HQ)"), "{said}");
    app.drained().await;
    assert_eq!(
        hallway_tests::demo::from_app(&app, "U0DEMO02").len(),
        1,
        "Bob, a member, is invited"
    );
    // A group DM, whatever its id, cannot be mapped: said plainly.
    let (reply, _) = app.slash(ALICE, "C0MPIM01", "'HQ' 'Booth'").await;
    assert!(ephemeral(&reply));
    assert!(text(&reply).contains("group DM"), "{reply}");
    assert!(
        app.services
            .channels()
            .route(&demo(), &ChannelId::new("C0MPIM01").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_mapped_private_channel_keeps_its_room_when_its_id_changes() {
    let Some(app) = app_with_private_channels().await else {
        return;
    };
    let (reply, response) = app.slash(ALICE, "G0OLDPRIV", "'HQ' 'Kitchen'").await;
    assert!(text(&reply).contains("to Kitchen (HQ)"), "{reply}");
    let said = mapping_said(&app, &response).await;
    assert!(said.contains("now meets in Kitchen"), "{said}");
    app.drained().await;
    // Shared with another organisation: G… becomes C… for good.
    let mut olga = hallway_fake_slack::UserSeed::person("U0EXT0001", "olga");
    olga.external_team = Some("T0GLOBEX".into());
    let new_id = app
        .slack
        .share_channel("T0DEMO", "G0OLDPRIV", vec![olga])
        .unwrap();
    assert_eq!(new_id, "C0OLDPRIV");
    let channels = app.services.channels();
    let moved = ChannelId::new(&new_id).unwrap();
    app.eventually("the mapping moves to the new id", || async {
        channels.route(&demo(), &moved).await.unwrap().is_some()
    })
    .await;
    assert!(
        channels
            .route(&demo(), &ChannelId::new("G0OLDPRIV").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let (reply, _) = app.slash(ALICE, &new_id, "").await;
    assert!(text(&reply).contains("to Kitchen (HQ)"), "{reply}");
}

#[tokio::test]
async fn every_answer_is_one_table_request_and_at_most_one_queue_send() {
    let counts = std::sync::Arc::new(hallway_tests::counting::Counts::default());
    let Some(app) = spawn_app_with(AppOptions {
        // Only the answers are counted: the worker would read and write
        // after them.
        no_worker: true,
        wrap_table: Some(counts.wrap_table()),
        wrap_queue: Some(counts.wrap_queue()),
        ..AppOptions::default()
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let answer = async |user: &str, channel: &str, typed: &str| {
        counts.take();
        let (reply, _) = app.slash(user, channel, typed).await;
        (text(&reply), counts.take())
    };
    for (user, channel, typed, starts, expected) in [
        // Help needs only the caller's language: one read.
        (ALICE, GENERAL, "help", "", (1, 0)),
        (ALICE, GENERAL, "", "<!channel>", (1, 1)),
        (
            ALICE,
            GENERAL,
            "<@U0DEMO02> 'HQ' Kitchen",
            "Inviting 1 person to Kitchen (HQ)",
            (1, 1),
        ),
        (
            ALICE,
            GENERAL,
            "<@U0DEMO02> <@U0DEMO03>",
            "Inviting 2 people to Hall (HQ)",
            (1, 1),
        ),
        (
            ALICE,
            DESIGN,
            "'HQ' 'Kitchen'",
            "Mapping #design to Kitchen (HQ)",
            (1, 1),
        ),
        (
            ALICE,
            GENERAL,
            "'Nowhere'",
            "There is no space or room called 'Nowhere'",
            (1, 0),
        ),
        (
            "U0DEMO05",
            GENERAL,
            "<@U0DEMO02>",
            "Before you can call people",
            (1, 0),
        ),
    ] {
        let (said, made) = answer(user, channel, typed).await;
        assert!(said.starts_with(starts), "{typed:?}: {said}");
        assert_eq!(made, expected, "{typed:?}: (table requests, queue sends)");
    }
    // A space mapped before briefs existed has none on its team's item: it
    // is read with one more query, and has a brief again once its rooms
    // change.
    let team_item = hallway::keys::team_spaces(&demo());
    app.services
        .table
        .update(
            &team_item,
            hallway::table::Update::default().remove(hallway::keys::space_brief_attr(&o.hq)),
            None,
        )
        .await
        .unwrap();
    let (said, made) = answer(ALICE, GENERAL, "<@U0DEMO02>").await;
    assert!(said.starts_with("Inviting 1 person to Hall (HQ)"), "{said}");
    assert_eq!(made, (2, 1), "the space's own items are read");
    // The office's next presence snapshot, though nothing changed, mends it.
    let (code, body) = app
        .api_ok::<model::RoomList>(
            http::Method::PUT,
            &format!("/api/v1/spaces/{}/presence", o.hq),
            Some(&app.token("ada", &[(&o.hq, Role::Admin)])),
            wire(&model::Presence {
                rooms: Default::default(),
            }),
        )
        .await;
    assert_eq!(code, 200, "{body:?}");
    let (said, made) = answer(ALICE, GENERAL, "<@U0DEMO02>").await;
    assert!(said.starts_with("Inviting 1 person to Hall (HQ)"), "{said}");
    assert_eq!(made, (1, 1), "the brief is back");
    // A room added since: in the brief at once.
    app.services
        .spaces()
        .add_room(&o.hq, "Atrium", 500)
        .await
        .unwrap();
    let (said, made) = answer(ALICE, GENERAL, "<@U0DEMO02>").await;
    assert!(
        said.starts_with("Inviting 1 person to Atrium (HQ)"),
        "{said}"
    );
    assert_eq!(made, (1, 1));
}

#[tokio::test]
async fn an_invite_to_a_room_removed_meanwhile_sends_nothing_and_says_why() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let spaces = app.services.spaces();
    let attic = spaces.add_room(&o.hq, "Attic", 4).await.unwrap();
    spaces.delete_room(&o.hq, &attic.id).await.unwrap();
    // What a command answered from a brief that had not caught up.
    let job = hallway::jobs::Job::Command(Box::new(hallway::jobs::CommandJob {
        command: "/hallway".into(),
        team_id: demo(),
        channel_id: ChannelId::new(GENERAL).unwrap(),
        channel_name: Some("general".into()),
        user_id: UserId::new(ALICE).unwrap(),
        user_name: None,
        caller: OfficeUserId::new("ada").unwrap(),
        response_url: Some(app.slack.response_url("attic")),
        view_id: None,
        note: None,
        about: None,
        space_id: o.hq.clone(),
        space_name: "HQ".into(),
        room_id: attic.id.clone(),
        room_name: "Attic".into(),
        direct: false,
        action: hallway::jobs::CommandAction::Invite {
            invite_id: "01invite0attic".into(),
            recipients: vec![UserId::new("U0DEMO02").unwrap()],
            call: None,
        },
    }));
    hallway::jobs::enqueue(app.services.queue.as_ref(), &job, std::time::Duration::ZERO)
        .await
        .unwrap();
    eventually("the caller is told", || async {
        !app.slack.responses("attic").is_empty()
    })
    .await;
    let said = responses(&app, "attic").remove(0);
    assert!(said.contains("'Attic' was removed from 'HQ'"), "{said}");
    app.drained().await;
    assert!(hallway_tests::demo::from_app(&app, "U0DEMO02").is_empty());
    assert!(
        app.services
            .invites()
            .get("01invite0attic")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_command_job_delivered_twice_writes_one_invite_and_sends_each_dm_once() {
    let Some(app) = spawn_app().await else { return };
    let o = office(&app).await;
    let job = hallway::jobs::Job::Command(Box::new(hallway::jobs::CommandJob {
        command: "/hallway".into(),
        team_id: demo(),
        channel_id: ChannelId::new(GENERAL).unwrap(),
        channel_name: Some("general".into()),
        user_id: UserId::new(ALICE).unwrap(),
        user_name: Some("alice".into()),
        caller: OfficeUserId::new("ada").unwrap(),
        response_url: Some(app.slack.response_url("twice")),
        view_id: None,
        note: None,
        about: None,
        space_id: o.hq.clone(),
        space_name: "HQ".into(),
        room_id: o.hall.clone(),
        room_name: "Hall".into(),
        direct: false,
        action: hallway::jobs::CommandAction::Invite {
            invite_id: "01invite0twice".into(),
            recipients: vec![
                UserId::new("U0DEMO02").unwrap(),
                UserId::new("U0DEMO03").unwrap(),
            ],
            call: None,
        },
    }));
    let queue = app.services.queue.as_ref();
    hallway::jobs::enqueue(queue, &job, std::time::Duration::ZERO)
        .await
        .unwrap();
    hallway::jobs::enqueue(queue, &job, std::time::Duration::ZERO)
        .await
        .unwrap();
    let summary = summary(&app, "twice").await;
    assert!(summary.contains("2 of 2 reached"), "{summary}");
    app.drained().await;
    for user in ["U0DEMO02", "U0DEMO03"] {
        assert_eq!(app.slack.dm_messages("T0DEMO", user).len(), 1, "{user}");
    }
    let invite = app
        .services
        .invites()
        .get("01invite0twice")
        .await
        .unwrap()
        .expect("the invite the command fixed");
    assert_eq!((invite.total, invite.sent), (2, 2));
    assert_eq!(invite.inviter_name, "Ada Lovelace");
    assert_eq!(app.slack.responses("twice").len(), 1, "one summary");
    assert!(
        app.services
            .meetings()
            .get(&o.hq, &o.hall)
            .await
            .unwrap()
            .is_some()
    );
}
