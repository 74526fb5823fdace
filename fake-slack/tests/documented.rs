//! The Web API as Slack's method pages document it, where the fake once
//! answered otherwise: each test names its page
//! (`https://docs.slack.dev/reference/methods/<name>`) and goes through
//! HTTP as an app would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallway_fake_slack::{AppConfig, BlockAction, ChannelSeed, FakeSlack, TeamSeed};
use serde_json::{Value, json};

const ME: &str = "U0000001";
const YOU: &str = "U0000002";
const GENERAL: &str = "C1GEN";
/// A public channel without `ME` (or the bot).
const OTHER: &str = "C1OTHER";

/// A workspace of ten people, `#general` with all of them, `#other` with
/// only `YOU`; rate limits off so a test may call a method often.
async fn fake() -> FakeSlack {
    fake_with(Vec::new()).await
}

/// [`fake`] with more channels.
async fn fake_with(channels: Vec<ChannelSeed>) -> FakeSlack {
    let mut team = TeamSeed::with_people("T1", "Acme", 10);
    team.channels
        .push(ChannelSeed::public(OTHER, "other", vec![YOU.into()]));
    team.channels.extend(channels);
    let slack = FakeSlack::start(AppConfig::default(), vec![team])
        .await
        .unwrap();
    slack.set_limits_enabled(false);
    slack
}

async fn call(slack: &FakeSlack, token: &str, method: &str, form: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .post(format!("{}/api/{method}", slack.base_url()))
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn error(v: &Value) -> &str {
    assert_eq!(v["ok"], false, "{v}");
    v["error"].as_str().unwrap()
}

fn ok(v: &Value) -> &Value {
    assert_eq!(v["ok"], true, "{v}");
    v
}

fn person(slack: &FakeSlack, scopes: &[&str], user: &str) -> String {
    slack.issue_user_token("T1", user, scopes)
}

/// users.lookupByEmail: a deactivated person is `users_not_found`.
#[tokio::test]
async fn lookup_by_email_does_not_find_a_deactivated_person() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &["users:read.email"]);
    let found = call(
        &slack,
        &bot,
        "users.lookupByEmail",
        &[("email", "person2@example.com")],
    )
    .await;
    assert_eq!(ok(&found)["user"]["id"], YOU);
    slack.with_world(|w| {
        let t = w.teams.get_mut("T1").unwrap();
        t.seed
            .users
            .iter_mut()
            .find(|u| u.id == YOU)
            .unwrap()
            .deleted = true;
    });
    let gone = call(
        &slack,
        &bot,
        "users.lookupByEmail",
        &[("email", "person2@example.com")],
    )
    .await;
    assert_eq!(error(&gone), "users_not_found");
}

/// chat.delete: someone else's message is `cant_delete_message`
/// (chat.update keeps its own `cant_update_message`).
#[tokio::test]
async fn deleting_someone_elses_message_is_cant_delete_message() {
    let slack = fake().await;
    let mine = person(&slack, &["chat:write"], ME);
    let yours = person(&slack, &["chat:write"], YOU);
    let posted = call(
        &slack,
        &mine,
        "chat.postMessage",
        &[("channel", GENERAL), ("text", "hi")],
    )
    .await;
    let ts = ok(&posted)["ts"].as_str().unwrap().to_owned();
    let target = [("channel", GENERAL), ("ts", ts.as_str())];
    let deleted = call(&slack, &yours, "chat.delete", &target).await;
    assert_eq!(error(&deleted), "cant_delete_message");
    let updated = call(
        &slack,
        &yours,
        "chat.update",
        &[("channel", GENERAL), ("ts", &ts), ("text", "x")],
    )
    .await;
    assert_eq!(error(&updated), "cant_update_message");
    ok(&call(&slack, &mine, "chat.delete", &target).await);
}

/// conversations.history: a user token reads "all public conversations";
/// a bot token only those the bot is a member of.
#[tokio::test]
async fn history_is_read_by_a_user_in_any_public_channel_and_by_a_bot_only_where_it_is() {
    let slack = fake().await;
    let history = [
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    ];
    let yours = person(&slack, &["chat:write"], YOU);
    ok(&call(
        &slack,
        &yours,
        "chat.postMessage",
        &[("channel", OTHER), ("text", "hello")],
    )
    .await);
    let mine = person(&slack, &history, ME);
    let read = call(
        &slack,
        &mine,
        "conversations.history",
        &[("channel", OTHER)],
    )
    .await;
    assert_eq!(ok(&read)["messages"][0]["text"], "hello");

    let bot = slack.issue_bot_token("T1", &[&history[..], &["im:write"]].concat());
    let public = call(&slack, &bot, "conversations.history", &[("channel", OTHER)]).await;
    assert_eq!(error(&public), "not_in_channel");
    // A DM between two people, the bot not in it: not there for the bot.
    let theirs = slack.dm_between("T1", ME, YOU);
    let dm = call(
        &slack,
        &bot,
        "conversations.history",
        &[("channel", &theirs)],
    )
    .await;
    assert_eq!(error(&dm), "channel_not_found");
    // The bot's own DM it reads.
    let opened = call(&slack, &bot, "conversations.open", &[("users", ME)]).await;
    let own = ok(&opened)["channel"]["id"].as_str().unwrap().to_owned();
    ok(&call(&slack, &bot, "conversations.history", &[("channel", &own)]).await);
}

/// conversations.replies: `ts` is "either a thread's parent message or a
/// message in the thread"; a reply's gives the whole thread.
#[tokio::test]
async fn replies_by_a_replys_ts_is_the_whole_thread() {
    let slack = fake().await;
    let mine = person(&slack, &["chat:write", "channels:history"], ME);
    let post = |text: &'static str, thread: Option<String>| {
        let (slack, mine) = (&slack, &mine);
        async move {
            let mut form = vec![("channel", GENERAL.to_owned()), ("text", text.to_owned())];
            if let Some(t) = thread {
                form.push(("thread_ts", t));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let v = call(slack, mine, "chat.postMessage", &form).await;
            ok(&v)["ts"].as_str().unwrap().to_owned()
        }
    };
    let parent = post("parent", None).await;
    let first = post("first", Some(parent.clone())).await;
    post("second", Some(parent.clone())).await;
    post("elsewhere", None).await;
    for ts in [&parent, &first] {
        let thread = call(
            &slack,
            &mine,
            "conversations.replies",
            &[("channel", GENERAL), ("ts", ts)],
        )
        .await;
        let texts: Vec<&str> = ok(&thread)["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["parent", "first", "second"], "asked with {ts}");
    }
    let none = call(
        &slack,
        &mine,
        "conversations.replies",
        &[("channel", GENERAL), ("ts", "1.000001")],
    )
    .await;
    assert_eq!(error(&none), "thread_not_found");
}

/// conversations.open: 2 to 8 people (the caller added) open a group DM,
/// the same one again for the same people; more than 8 are `too_many_users`;
/// a group DM needs `mpim:write`.
#[tokio::test]
async fn opening_several_people_is_a_group_dm() {
    let slack = fake().await;
    let mine = person(&slack, &["mpim:write", "mpim:read", "im:write"], ME);
    let opened = call(
        &slack,
        &mine,
        "conversations.open",
        &[("users", "U0000002,U0000003")],
    )
    .await;
    let id = ok(&opened)["channel"]["id"].as_str().unwrap().to_owned();
    assert_eq!(opened.get("already_open"), None);
    let again = call(
        &slack,
        &mine,
        "conversations.open",
        &[("users", "U0000003,U0000002")],
    )
    .await;
    assert_eq!(ok(&again)["channel"]["id"], id.as_str());
    assert_eq!(again["already_open"], true);
    let info = call(&slack, &mine, "conversations.info", &[("channel", &id)]).await;
    let ch = &ok(&info)["channel"];
    assert_eq!(ch["is_mpim"], true);
    assert_eq!(ch["is_im"], false);
    assert_eq!(ch["name"], "mpdm-person1--person2--person3-1");
    let members = call(&slack, &mine, "conversations.members", &[("channel", &id)]).await;
    let mut got: Vec<&str> = ok(&members)["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, [ME, "U0000002", "U0000003"]);
    // One person (oneself named too) is still a DM.
    let dm = call(
        &slack,
        &mine,
        "conversations.open",
        &[("users", "U0000002")],
    )
    .await;
    let dm = ok(&dm)["channel"]["id"].as_str().unwrap().to_owned();
    assert!(dm.starts_with('D'), "{dm}");
    let same = call(
        &slack,
        &mine,
        "conversations.open",
        &[("users", "U0000001,U0000002")],
    )
    .await;
    assert_eq!(ok(&same)["channel"]["id"], dm.as_str());
    let nine = (2..=10)
        .map(|i| format!("U{i:07}"))
        .collect::<Vec<_>>()
        .join(",");
    let many = call(&slack, &mine, "conversations.open", &[("users", &nine)]).await;
    assert_eq!(error(&many), "too_many_users");
    let eight = (2..=9)
        .map(|i| format!("U{i:07}"))
        .collect::<Vec<_>>()
        .join(",");
    ok(&call(&slack, &mine, "conversations.open", &[("users", &eight)]).await);
    let ims_only = person(&slack, &["im:write"], YOU);
    let refused = call(
        &slack,
        &ims_only,
        "conversations.open",
        &[("users", "U0000001,U0000003")],
    )
    .await;
    assert_eq!(error(&refused), "missing_scope");
    assert_eq!(refused["needed"], "mpim:write");
}

/// chat.unfurl's table: `invalid_unfurl_id`, `missing_unfurl_id`,
/// `missing_source`, `missing_channel`, `missing_ts`, `missing_unfurls`,
/// `cannot_find_channel`.
#[tokio::test]
async fn unfurl_answers_its_documented_errors() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &["links:write"]);
    let yours = person(&slack, &["chat:write"], YOU);
    let posted = call(
        &slack,
        &yours,
        "chat.postMessage",
        &[("channel", GENERAL), ("text", "see")],
    )
    .await;
    let ts = ok(&posted)["ts"].as_str().unwrap().to_owned();
    let unfurls = r#"{"https://example.com/a":{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"A"}}]}}"#;
    let cases: [(&[(&str, &str)], &str); 7] = [
        (
            &[
                ("unfurl_id", "nope"),
                ("source", "composer"),
                ("unfurls", unfurls),
            ],
            "invalid_unfurl_id",
        ),
        (
            &[("source", "composer"), ("unfurls", unfurls)],
            "missing_unfurl_id",
        ),
        (
            &[("unfurl_id", "nope"), ("unfurls", unfurls)],
            "missing_source",
        ),
        (&[("unfurls", unfurls)], "missing_channel"),
        (&[("channel", GENERAL), ("unfurls", unfurls)], "missing_ts"),
        (
            &[("channel", "C404"), ("ts", &ts), ("unfurls", unfurls)],
            "cannot_find_channel",
        ),
        (&[("channel", GENERAL), ("ts", &ts)], "missing_unfurls"),
    ];
    for (form, want) in cases {
        let v = call(&slack, &bot, "chat.unfurl", form).await;
        assert_eq!(error(&v), want, "{form:?}");
    }
    ok(&call(
        &slack,
        &bot,
        "chat.unfurl",
        &[("channel", GENERAL), ("ts", &ts), ("unfurls", unfurls)],
    )
    .await);
}

/// views.publish: an unknown or deleted person is `invalid_arguments`.
#[tokio::test]
async fn publishing_home_for_nobody_is_invalid_arguments() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let view =
        r#"{"type":"home","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]}"#;
    ok(&call(
        &slack,
        &bot,
        "views.publish",
        &[("user_id", YOU), ("view", view)],
    )
    .await);
    let nobody = call(
        &slack,
        &bot,
        "views.publish",
        &[("user_id", "U9999999"), ("view", view)],
    )
    .await;
    assert_eq!(error(&nobody), "invalid_arguments");
    slack.with_world(|w| {
        let t = w.teams.get_mut("T1").unwrap();
        t.seed
            .users
            .iter_mut()
            .find(|u| u.id == YOU)
            .unwrap()
            .deleted = true;
    });
    let gone = call(
        &slack,
        &bot,
        "views.publish",
        &[("user_id", YOU), ("view", view)],
    )
    .await;
    assert_eq!(error(&gone), "invalid_arguments");
}

/// files.info: a file the caller cannot see is `not_visible`; an unknown
/// id `file_not_found`.
#[tokio::test]
async fn a_file_out_of_sight_is_not_visible() {
    let slack = fake().await;
    let (_, file) = slack
        .share_file("T1", OTHER, YOU, "plan.pdf", "the plan", false)
        .unwrap();
    let yours = person(&slack, &["files:read"], YOU);
    let seen = call(&slack, &yours, "files.info", &[("file", &file)]).await;
    assert_eq!(ok(&seen)["file"]["id"], file.as_str());
    let mine = person(&slack, &["files:read"], ME);
    let hidden = call(&slack, &mine, "files.info", &[("file", &file)]).await;
    assert_eq!(error(&hidden), "not_visible");
    let unknown = call(&slack, &mine, "files.info", &[("file", "F404")]).await;
    assert_eq!(error(&unknown), "file_not_found");
}

/// conversations.info: `num_members` only with `include_num_members`.
#[tokio::test]
async fn num_members_only_when_asked() {
    let slack = fake().await;
    let mine = person(&slack, &["channels:read"], ME);
    let plain = call(&slack, &mine, "conversations.info", &[("channel", GENERAL)]).await;
    assert_eq!(ok(&plain)["channel"].get("num_members"), None);
    let asked = call(
        &slack,
        &mine,
        "conversations.info",
        &[("channel", GENERAL), ("include_num_members", "true")],
    )
    .await;
    assert_eq!(ok(&asked)["channel"]["num_members"], 10);
}

/// api.test: `error` is the "Error response to return".
#[tokio::test]
async fn api_test_returns_the_error_it_is_given() {
    let slack = fake().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/api.test", slack.base_url());
    let failed: Value = client
        .post(&url)
        .form(&[("error", "my_error")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        failed,
        serde_json::json!({"ok": false, "error": "my_error"})
    );
    let echoed: Value = client
        .post(&url)
        .form(&[("foo", "bar")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echoed["ok"], true);
    assert_eq!(echoed["args"]["foo"], "bar");
}

/// conversations.join: a public channel adds the caller and answers its
/// conversation object, with `warning: already_in_channel` the second time;
/// a private channel is `method_not_supported_for_channel_type`, an
/// archived one `is_archived`, an unknown one `channel_not_found`; a bot
/// token needs `channels:join`.
#[tokio::test]
async fn joining_a_public_channel_but_not_a_private_one() {
    let slack = fake_with(vec![ChannelSeed::private(
        "C1SECRET",
        "secret",
        vec![YOU.into()],
    )])
    .await;
    let unscoped = slack.issue_bot_token("T1", &["chat:write"]);
    let refused = call(
        &slack,
        &unscoped,
        "conversations.join",
        &[("channel", OTHER)],
    )
    .await;
    assert_eq!(error(&refused), "missing_scope");
    assert_eq!(refused["needed"], "channels:join");

    let bot = slack.issue_bot_token("T1", &["channels:join"]);
    let joined = call(&slack, &bot, "conversations.join", &[("channel", OTHER)]).await;
    assert_eq!(ok(&joined)["channel"]["id"], OTHER);
    assert_eq!(joined["channel"]["is_member"], true);
    assert_eq!(joined.get("warning"), None);
    assert!(
        slack
            .channel_members("T1", OTHER)
            .contains(&"UB1".to_owned())
    );
    let again = call(&slack, &bot, "conversations.join", &[("channel", OTHER)]).await;
    assert_eq!(ok(&again)["warning"], "already_in_channel");
    assert_eq!(
        again["response_metadata"]["warnings"],
        serde_json::json!(["already_in_channel"])
    );

    let private = call(
        &slack,
        &bot,
        "conversations.join",
        &[("channel", "C1SECRET")],
    )
    .await;
    assert_eq!(error(&private), "method_not_supported_for_channel_type");
    assert!(
        !slack
            .channel_members("T1", "C1SECRET")
            .contains(&"UB1".to_owned())
    );
    let unknown = call(&slack, &bot, "conversations.join", &[("channel", "C404")]).await;
    assert_eq!(error(&unknown), "channel_not_found");

    assert!(slack.archive_channel("T1", GENERAL, ME));
    let archived = call(&slack, &bot, "conversations.join", &[("channel", GENERAL)]).await;
    assert_eq!(error(&archived), "is_archived");

    // A person joins with `channels:write`.
    let yours = person(&slack, &["channels:write"], "U0000003");
    ok(&call(&slack, &yours, "conversations.join", &[("channel", OTHER)]).await);
}

/// users.conversations: the caller's conversations of the asked `types`
/// (default `public_channel`), each type needing its read scope; cursor
/// paging with `limit`; `exclude_archived`; `user` for someone else's
/// public channels and the non-public ones shared with the caller.
#[tokio::test]
async fn users_conversations_lists_by_type_with_scopes_and_pages() {
    let mut team = TeamSeed::with_people("T1", "Acme", 4);
    for i in 1..=5 {
        team.channels.push(ChannelSeed::public(
            &format!("C1PUB{i}"),
            &format!("pub{i}"),
            vec![ME.into()],
        ));
    }
    team.channels
        .push(ChannelSeed::public(OTHER, "other", vec![YOU.into()]));
    team.channels.push(ChannelSeed::private(
        "C1PRIV",
        "priv",
        vec![ME.into(), YOU.into()],
    ));
    team.channels
        .push(ChannelSeed::private("C1HIDDEN", "hidden", vec![YOU.into()]));
    let mut old = ChannelSeed::public("C1OLD", "old", vec![ME.into()]);
    old.is_archived = true;
    team.channels.push(old);
    let slack = FakeSlack::start(AppConfig::default(), vec![team])
        .await
        .unwrap();
    slack.set_limits_enabled(false);
    let dm = slack.dm_between("T1", ME, YOU);

    let public_only = slack.issue_user_token("T1", ME, &["channels:read"]);
    let ids = |v: &Value| -> Vec<String> {
        ok(v)["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Paging through the default type, two at a time.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let mut form = vec![("limit", "2")];
        if !cursor.is_empty() {
            form.push(("cursor", cursor.as_str()));
        }
        let page = call(&slack, &public_only, "users.conversations", &form).await;
        let got = ids(&page);
        assert!(got.len() <= 2, "{page}");
        assert_eq!(page["channels"][0].get("is_member"), None, "{page}");
        seen.extend(got);
        cursor = page["response_metadata"]["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "C1GEN", "C1OLD", "C1PUB1", "C1PUB2", "C1PUB3", "C1PUB4", "C1PUB5"
        ]
    );
    let current = call(
        &slack,
        &public_only,
        "users.conversations",
        &[("exclude_archived", "true")],
    )
    .await;
    assert!(!ids(&current).contains(&"C1OLD".to_owned()));

    // A type whose scope the token lacks.
    let refused = call(
        &slack,
        &public_only,
        "users.conversations",
        &[("types", "public_channel,private_channel")],
    )
    .await;
    assert_eq!(error(&refused), "missing_scope");
    assert_eq!(refused["needed"], "groups:read");
    let bad = call(
        &slack,
        &public_only,
        "users.conversations",
        &[("types", "nope")],
    )
    .await;
    assert_eq!(error(&bad), "invalid_types");

    let all = slack.issue_user_token("T1", ME, &["channels:read", "groups:read", "im:read"]);
    let private = call(
        &slack,
        &all,
        "users.conversations",
        &[("types", "private_channel,im")],
    )
    .await;
    assert_eq!(ids(&private), ["C1PRIV", dm.as_str()]);
    assert_eq!(private["channels"][1]["user"], YOU);
    // Someone else's: their public channels, and the private ones shared.
    let theirs = call(
        &slack,
        &all,
        "users.conversations",
        &[("user", YOU), ("types", "public_channel,private_channel")],
    )
    .await;
    assert_eq!(ids(&theirs), ["C1GEN", OTHER, "C1PRIV"]);
}

/// chat.postMessage: `username` and `icon_emoji` / `icon_url` count only for
/// a bot token with `chat:write.customize` (a `bot_message` with
/// `username` and `icons`); without the scope, or with a user token, they
/// are ignored.
#[tokio::test]
async fn a_custom_name_and_icon_need_chat_write_customize() {
    let slack = fake().await;
    let form = [
        ("channel", GENERAL),
        ("text", "hello"),
        ("username", "Front desk"),
        ("icon_emoji", ":bellhop_bell:"),
        ("icon_url", "https://example.com/desk.png"),
    ];
    let plain_bot = slack.issue_bot_token("T1", &["chat:write", "chat:write.public"]);
    let plain = call(&slack, &plain_bot, "chat.postMessage", &form).await;
    let m = &ok(&plain)["message"];
    assert_eq!(m.get("username"), None, "{m}");
    assert_eq!(m.get("icons"), None);
    assert_eq!(m.get("subtype"), None);
    assert_eq!(m["user"], "UB1");
    assert!(m["bot_id"].is_string());

    let custom_bot = slack.issue_bot_token(
        "T1",
        &["chat:write", "chat:write.public", "chat:write.customize"],
    );
    let custom = call(&slack, &custom_bot, "chat.postMessage", &form).await;
    let m = &ok(&custom)["message"];
    assert_eq!(m["username"], "Front desk", "{m}");
    assert_eq!(m["icons"], serde_json::json!({"emoji": ":bellhop_bell:"}));
    assert_eq!(m["subtype"], "bot_message");
    assert!(m["bot_id"].is_string());
    assert_eq!(m.get("user"), None);
    let url_only = call(
        &slack,
        &custom_bot,
        "chat.postMessage",
        &[
            ("channel", GENERAL),
            ("text", "hi"),
            ("icon_url", "https://example.com/desk.png"),
        ],
    )
    .await;
    assert_eq!(
        ok(&url_only)["message"]["icons"]["image_48"],
        "https://example.com/desk.png"
    );

    // A person's message stays theirs, whatever they pass.
    let mine = person(&slack, &["chat:write", "chat:write.customize"], ME);
    let own = call(&slack, &mine, "chat.postMessage", &form).await;
    let m = &ok(&own)["message"];
    assert_eq!(m["user"], ME);
    assert_eq!(m.get("username"), None);
    assert_eq!(m.get("bot_id"), None);
}

/// chat.postMessage: posting into an archived channel is `is_archived`;
/// conversations.info shows `is_archived`. The channel is archived
/// through the control route.
#[tokio::test]
async fn posting_into_an_archived_channel_is_is_archived() {
    let slack = fake().await;
    let mine = person(&slack, &["chat:write", "channels:read"], ME);
    ok(&call(
        &slack,
        &mine,
        "chat.postMessage",
        &[("channel", GENERAL), ("text", "before")],
    )
    .await);
    let archived: Value = reqwest::Client::new()
        .post(format!("{}/_fake/channels/archive", slack.base_url()))
        .json(&serde_json::json!({"team": "T1", "channel": GENERAL, "user": YOU}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(archived["ok"], true, "{archived}");
    let info = call(&slack, &mine, "conversations.info", &[("channel", GENERAL)]).await;
    assert_eq!(ok(&info)["channel"]["is_archived"], true);
    let after = call(
        &slack,
        &mine,
        "chat.postMessage",
        &[("channel", GENERAL), ("text", "after")],
    )
    .await;
    assert_eq!(error(&after), "is_archived");
    assert_eq!(slack.messages("T1", GENERAL).len(), 1);
    // Members stay members.
    assert!(
        slack
            .channel_members("T1", GENERAL)
            .contains(&ME.to_owned())
    );
}

// Enterprise Grid: an organisation, E0GRID "Globex", with T0GRIDA "Globex
// Sales" and T0GRIDB "Globex Support" (`TeamSeed::grid_pair`). Sources:
// api.slack.com/enterprise/apps/* (org-wide installs), the method pages'
// `team_id` rows, events/team_access_granted.

const ORG: &str = "E0GRID";
const SALES: &str = "T0GRIDA";
const SUPPORT: &str = "T0GRIDB";
const HANK: &str = "W0GRID01";
const IVY: &str = "W0GRID02";
const JACK: &str = "W0GRID03";
const ORG_BOT: &str = "W0GRIDBOT";

async fn grid(app: AppConfig) -> FakeSlack {
    let (org, sales, support) = TeamSeed::grid_pair();
    let slack = FakeSlack::start(app, vec![sales, support]).await.unwrap();
    slack.add_enterprise(org);
    slack.set_limits_enabled(false);
    slack
}

/// What a local app received: each request's body, in order.
type Inbox = Arc<Mutex<Vec<axum::body::Bytes>>>;

/// A local app answering 200 to everything; its URL and inbox.
async fn inbox() -> (String, Inbox) {
    let got: Inbox = Arc::default();
    let keep = got.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body);
                http::StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, got)
}

/// The event callbacks received so far, once there are at least `n`.
async fn callbacks(got: &Inbox, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let bodies = got.lock().unwrap().clone();
        if bodies.len() >= n {
            return bodies
                .iter()
                .map(|b| serde_json::from_slice(b).unwrap())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} callbacks, got {}", got.lock().unwrap().len());
}

/// The user object reference: in an organisation, `enterprise_user` with
/// `id`, `enterprise_id`, `enterprise_name`, `is_admin`, `is_owner`,
/// `teams`; one `W…` id for a person across its workspaces.
#[tokio::test]
async fn a_grid_person_has_one_id_and_an_enterprise_user() {
    let slack = grid(AppConfig::default()).await;
    let bot = slack.issue_bot_token(SALES, &["users:read"]);
    let info = call(&slack, &bot, "users.info", &[("user", HANK)]).await;
    let user = &ok(&info)["user"];
    assert_eq!(user["id"], HANK);
    assert_eq!(
        user["enterprise_user"],
        json!({"id": HANK, "enterprise_id": ORG, "enterprise_name": "Globex",
               "is_admin": true, "is_owner": false, "teams": [SALES, SUPPORT]})
    );
    let ivy = call(&slack, &bot, "users.info", &[("user", IVY)]).await;
    assert_eq!(ok(&ivy)["user"]["enterprise_user"]["teams"], json!([SALES]));
    // The same person, seen from the other workspace.
    let other = slack.issue_bot_token(SUPPORT, &["users:read"]);
    let again = call(&slack, &other, "users.info", &[("user", HANK)]).await;
    assert_eq!(ok(&again)["user"]["id"], HANK);
    // A workspace token's auth.test names the organisation.
    let me = call(&slack, &bot, "auth.test", &[]).await;
    assert_eq!(ok(&me)["enterprise_id"], ORG);
    assert_eq!(me["is_enterprise_install"], false);
    assert_eq!(me["team_id"], SALES);
}

/// oauth.v2.access for an org-wide install: `"team": null`, `enterprise
/// {id, name}`, `"is_enterprise_install": true`, the organisation's
/// `bot_user_id`, an `xoxb-` token and `authed_user`
/// (api.slack.com/enterprise/apps/reference). Only for an app with
/// org-wide deployment enabled.
#[tokio::test]
async fn an_org_wide_install_answers_is_enterprise_install_and_no_team() {
    let app = AppConfig {
        org_deploy_enabled: true,
        ..AppConfig::default()
    };
    let slack = grid(app).await;
    slack.act_as_org(ORG, SUPPORT, HANK);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = format!(
        "{}/oauth/v2/authorize?client_id=1111111111.2222222222&scope=chat:write,users:read\
         &user_scope=im:history&redirect_uri=http://app.example/cb&state=s1",
        slack.base_url()
    );
    let page = browser.get(&authorize).send().await.unwrap();
    assert_eq!(page.status(), 303, "{:?}", page.text().await);
    let back = url::Url::parse(page.headers()["location"].to_str().unwrap()).unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/oauth.v2.access", slack.base_url()))
        .form(&[
            ("client_id", "1111111111.2222222222"),
            ("client_secret", "fake-client-secret"),
            ("code", code.as_str()),
            ("redirect_uri", "http://app.example/cb"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    ok(&answer);
    assert_eq!(answer["is_enterprise_install"], true, "{answer}");
    assert_eq!(answer["team"], Value::Null);
    assert_eq!(answer["enterprise"], json!({"id": ORG, "name": "Globex"}));
    assert_eq!(answer["bot_user_id"], ORG_BOT);
    assert_eq!(answer["token_type"], "bot");
    assert!(
        answer["access_token"]
            .as_str()
            .unwrap()
            .starts_with("xoxb-")
    );
    assert_eq!(answer["authed_user"]["id"], HANK);
    assert!(
        answer["authed_user"]["access_token"]
            .as_str()
            .unwrap()
            .starts_with("xoxp-")
    );
    // Its auth.test: the organisation.
    let bot = answer["access_token"].as_str().unwrap();
    let me = call(&slack, bot, "auth.test", &[]).await;
    assert_eq!(ok(&me)["is_enterprise_install"], true, "{me}");
    assert_eq!(me["enterprise_id"], ORG);
    assert_eq!(me["team_id"], ORG);
    assert_eq!(me["user_id"], ORG_BOT);
    assert!(me["bot_id"].is_string());

    // An app without org-wide deployment gets no org install.
    let plain = grid(AppConfig::default()).await;
    plain.act_as_org(ORG, SUPPORT, HANK);
    let refused = browser
        .get(authorize.replace(&slack.base_url(), &plain.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// An org-level token: users.list and users.conversations need `team_id`
/// ("required if org token is used"; `missing_argument` without it), and
/// only a granted workspace (`team_access_not_granted`); calls naming a
/// channel or a user act in the granted workspace holding it.
#[tokio::test]
async fn an_org_token_needs_team_id_and_a_granted_workspace() {
    let slack = grid(AppConfig::default()).await;
    let bot = slack.issue_org_bot_token(
        ORG,
        &[
            "users:read",
            "channels:read",
            "chat:write",
            "chat:write.public",
        ],
    );
    assert!(slack.grant_team_access(ORG, &[SALES]));

    let bare = call(&slack, &bot, "users.list", &[]).await;
    assert_eq!(error(&bare), "missing_argument");
    let listed = call(&slack, &bot, "users.list", &[("team_id", SALES)]).await;
    let ids: Vec<&str> = ok(&listed)["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [HANK, IVY, ORG_BOT]);
    let ungranted = call(&slack, &bot, "users.list", &[("team_id", SUPPORT)]).await;
    assert_eq!(error(&ungranted), "team_access_not_granted");
    let convs = call(&slack, &bot, "users.conversations", &[]).await;
    assert_eq!(error(&convs), "missing_argument");
    ok(&call(&slack, &bot, "users.conversations", &[("team_id", SALES)]).await);

    // By channel and by user, in whichever granted workspace holds them.
    let posted = call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", "C0GRIDSALES"), ("text", "hello sales")],
    )
    .await;
    assert_eq!(ok(&posted)["channel"], "C0GRIDSALES");
    assert_eq!(slack.messages(SALES, "C0GRIDSALES").len(), 1);
    let elsewhere = call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", "C0GRIDHELP"), ("text", "hello support")],
    )
    .await;
    assert_eq!(error(&elsewhere), "channel_not_found");
    let jack = call(&slack, &bot, "users.info", &[("user", JACK)]).await;
    assert_eq!(error(&jack), "user_not_found");

    // Granted through the control route, the other workspace answers too.
    let granted: Value = reqwest::Client::new()
        .post(format!("{}/_fake/enterprises/grant", slack.base_url()))
        .json(&json!({"enterprise": ORG, "teams": [SUPPORT]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(granted["ok"], true);
    ok(&call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", "C0GRIDHELP"), ("text", "hello support")],
    )
    .await);
    let jack = call(&slack, &bot, "users.info", &[("user", JACK)]).await;
    assert_eq!(
        ok(&jack)["user"]["enterprise_user"]["teams"],
        json!([SUPPORT])
    );
    let hank = call(&slack, &bot, "users.info", &[("user", HANK)]).await;
    assert_eq!(ok(&hank)["user"]["id"], HANK);
}

/// Events of an org-wide install: `team_access_granted` with `team_ids`
/// (envelope `team_id: null`, `enterprise_id`); then a workspace's events
/// with the workspace as `team_id`, the `enterprise_id`, and an
/// authorization `is_enterprise_install: true`, `team_id: null`.
#[tokio::test]
async fn events_of_an_org_install_name_the_org_and_the_workspace() {
    let slack = grid(AppConfig::default()).await;
    let (url, got) = inbox().await;
    slack.deliver_events_to(&url, "grid-secret");
    slack.issue_org_bot_token(ORG, &["chat:write"]);
    assert!(slack.grant_team_access(ORG, &[SALES]));
    let granted = callbacks(&got, 1).await.remove(0);
    assert_eq!(granted["event"]["type"], "team_access_granted");
    assert_eq!(granted["event"]["team_ids"], json!([SALES]));
    assert_eq!(granted["team_id"], Value::Null);
    assert_eq!(granted["enterprise_id"], ORG);
    assert_eq!(granted["authorizations"][0]["enterprise_id"], ORG);

    assert!(slack.join_channel(SALES, "C0GRIDSALES", ORG_BOT));
    callbacks(&got, 2).await;
    slack.post_as(SALES, "C0GRIDSALES", IVY, "hi all", None);
    let message = callbacks(&got, 3).await.remove(2);
    assert_eq!(message["event"]["text"], "hi all");
    assert_eq!(message["team_id"], SALES);
    assert_eq!(message["enterprise_id"], ORG);
    assert_eq!(message["context_team_id"], SALES);
    assert_eq!(
        message["authorizations"][0],
        json!({"enterprise_id": ORG, "team_id": null, "user_id": ORG_BOT,
               "is_bot": true, "is_enterprise_install": true})
    );
    // Nothing from a workspace the app was not added to.
    slack.post_as(SUPPORT, "C0GRIDHELP", JACK, "unheard", None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(got.lock().unwrap().len(), 3);
}

/// A slash command and a click in a workspace of an org-wide install:
/// `enterprise_id`, `enterprise_name`, `is_enterprise_install` ("true", a
/// string in commands); `team_id` the workspace. The `block_actions`
/// payload has `"team": null`, `enterprise {id, name}`,
/// `"is_enterprise_install": true` and the workspace in `user.team_id`.
#[tokio::test]
async fn commands_and_clicks_of_an_org_install_say_so() {
    let slack = grid(AppConfig::default()).await;
    slack.issue_org_bot_token(ORG, &["commands"]);
    assert!(slack.grant_team_access(ORG, &[SALES]));
    let (url, got) = inbox().await;
    slack.commands_to(&url, "grid-secret");
    slack.interactivity_to(&url, "grid-secret");
    let ran = slack
        .run_command(SALES, "C0GRIDSALES", HANK, "/hallway", "")
        .await;
    assert!(ran.acknowledged());
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&got.lock().unwrap()[0])
            .into_owned()
            .collect();
    assert_eq!(form["team_id"], SALES);
    assert_eq!(form["enterprise_id"], ORG);
    assert_eq!(form["enterprise_name"], "Globex");
    assert_eq!(form["is_enterprise_install"], "true");

    let click = BlockAction {
        action_id: "join_room".into(),
        ..BlockAction::default()
    };
    assert!(
        slack
            .run_block_action(SALES, "C0GRIDSALES", IVY, &click)
            .await
            .acknowledged()
    );
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&got.lock().unwrap()[1])
            .into_owned()
            .collect();
    let payload: Value = serde_json::from_str(&form["payload"]).unwrap();
    assert_eq!(payload["team"], Value::Null);
    assert_eq!(payload["enterprise"], json!({"id": ORG, "name": "Globex"}));
    assert_eq!(payload["is_enterprise_install"], true);
    assert_eq!(payload["user"]["team_id"], SALES);
}

/// Removing an org-wide install: every org token dies, and the app hears
/// `tokens_revoked` and `app_uninstalled` (events/tokens_revoked,
/// events/app_uninstalled) at the organisation's level.
#[tokio::test]
async fn uninstalling_an_org_install_revokes_every_org_token() {
    let slack = grid(AppConfig::default()).await;
    let bot = slack.issue_org_bot_token(ORG, &["users:read"]);
    let person = slack.issue_org_user_token(ORG, HANK, &["users:read"]);
    assert!(slack.grant_team_access(ORG, &[SALES, SUPPORT]));
    let (url, got) = inbox().await;
    slack.deliver_events_to(&url, "grid-secret");
    let gone: Value = reqwest::Client::new()
        .post(format!("{}/_fake/enterprises/uninstall", slack.base_url()))
        .json(&json!({"enterprise": ORG}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(gone["ok"], true);
    let events = callbacks(&got, 2).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"app_uninstalled"), "{kinds:?}");
    let revoked = events
        .iter()
        .find(|e| e["event"]["type"] == "tokens_revoked")
        .unwrap();
    assert_eq!(revoked["event"]["tokens"]["bot"], json!([ORG_BOT]));
    assert_eq!(revoked["event"]["tokens"]["oauth"], json!([HANK]));
    for e in &events {
        assert_eq!(e["enterprise_id"], ORG);
        assert_eq!(e["authorizations"][0]["is_enterprise_install"], true);
    }
    let dead = call(&slack, &bot, "auth.test", &[]).await;
    assert_eq!(error(&dead), "account_inactive");
    let dead = call(&slack, &person, "auth.test", &[]).await;
    assert_eq!(error(&dead), "token_revoked");
    // Workspaces are no longer reached: no event from them.
    slack.post_as(SALES, "C0GRIDSALES", IVY, "anyone?", None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(got.lock().unwrap().len(), 2);
}
