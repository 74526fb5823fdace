//! The Web API as Slack's method pages document it, where the fake once
//! answered otherwise: each test names its page
//! (`https://docs.slack.dev/reference/methods/<name>`) and goes through
//! HTTP as an app would.

use hallway_fake_slack::{AppConfig, ChannelSeed, FakeSlack, TeamSeed};
use serde_json::Value;

const ME: &str = "U0000001";
const YOU: &str = "U0000002";
const GENERAL: &str = "C1GEN";
/// A public channel without `ME` (or the bot).
const OTHER: &str = "C1OTHER";

/// A workspace of ten people, `#general` with all of them, `#other` with
/// only `YOU`; rate limits off so a test may call a method often.
async fn fake() -> FakeSlack {
    let mut team = TeamSeed::with_people("T1", "Acme", 10);
    team.channels
        .push(ChannelSeed::public(OTHER, "other", vec![YOU.into()]));
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
