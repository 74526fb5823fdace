//! Slack-native surfaces through HTTP as an app meets them: modals opened
//! with a trigger (methods/views.open, …/views.push, …/views.update),
//! shortcuts and view submissions (reference/interaction-payloads/…),
//! Calls (methods/calls.*) and a command's `response_url` posting them
//! (apis/web-api/using-the-calls-api, under `https://docs.slack.dev/`),
//! workflow custom steps
//! (events/function_executed, methods/functions.complete*) and locales
//! (methods/users.info). Short paths are under
//! `https://docs.slack.dev/reference/`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hallway_fake_slack::{AppConfig, ChannelSeed, CommandOutcome, FakeSlack, TeamSeed};
use serde_json::{Value, json};

const ME: &str = "U0000001";
const GENERAL: &str = "C1GEN";
const SECRET: &str = "app-signing-secret";
const PRIVATE: &str = "G1SECRET";
const BOT: &str = "UB1";

/// What the local app answers, one per request (empty 200 when out).
#[derive(Clone)]
enum Answer {
    Empty,
    Json(Value),
    Slow(u64),
}

type Seen = Arc<Mutex<Vec<Value>>>;

#[derive(Clone)]
struct App {
    script: Arc<Mutex<VecDeque<Answer>>>,
    seen: Seen,
}

/// Reads a form body: `payload` JSON for interactivity, else the fields;
/// a JSON body (events) as is.
fn parse(body: &[u8]) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return v;
    }
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(body).into_owned().collect();
    match form.get("payload") {
        Some(p) => serde_json::from_str(p).unwrap(),
        None => json!(form),
    }
}

async fn answer(State(app): State<App>, body: Bytes) -> Response {
    let v = parse(&body);
    // Events API URL verification is not used here; record everything.
    app.seen.lock().unwrap().push(v);
    let next = app.script.lock().unwrap().pop_front();
    match next.unwrap_or(Answer::Empty) {
        Answer::Empty => "".into_response(),
        Answer::Json(v) => axum::Json(v).into_response(),
        Answer::Slow(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            "".into_response()
        }
    }
}

async fn local_app(script: Vec<Answer>) -> (String, Seen) {
    let app = App {
        script: Arc::new(Mutex::new(script.into())),
        seen: Arc::default(),
    };
    let seen = app.seen.clone();
    let router = Router::new()
        .route("/", axum::routing::post(answer))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

async fn fake() -> FakeSlack {
    let slack = FakeSlack::start(
        AppConfig::default(),
        vec![TeamSeed::with_people("T1", "Acme", 3)],
    )
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

fn modal(title: &str) -> Value {
    json!({
        "type": "modal", "callback_id": "book_room", "private_metadata": "room=7",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Book"},
        "blocks": [{"type": "input", "block_id": "when",
                    "label": {"type": "plain_text", "text": "When"},
                    "element": {"type": "plain_text_input", "action_id": "t"}}],
    })
}

/// A trigger for `ME`, from a slash command the app acknowledged.
async fn trigger(slack: &FakeSlack) -> String {
    let (url, _) = local_app(vec![]).await;
    slack.commands_to(&url, SECRET);
    slack
        .run_command("T1", GENERAL, ME, "/hallway", "")
        .await
        .trigger_id
}

/// methods/views.open: a trigger opens one modal, once, within 3 s; the
/// answer carries the view's `id`, `hash` and `state`.
#[tokio::test]
async fn a_trigger_opens_one_modal_once_within_three_seconds() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let t = trigger(&slack).await;
    let view = modal("Book a room").to_string();
    let opened = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &t), ("view", &view)],
    )
    .await;
    let v = &ok(&opened)["view"];
    assert!(v["id"].as_str().unwrap().starts_with('V'));
    assert!(v["hash"].is_string());
    assert_eq!(v["state"], json!({"values": {}}));
    assert_eq!(v["callback_id"], "book_room");
    assert_eq!(slack.open_view("T1", ME).unwrap()["id"], v["id"]);
    let again = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &t), ("view", &view)],
    )
    .await;
    assert_eq!(error(&again), "exchanged_trigger_id");
    let unknown = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", "1.2.abc"), ("view", &view)],
    )
    .await;
    assert_eq!(error(&unknown), "invalid_trigger_id");
    let late = trigger(&slack).await;
    slack.advance(Duration::from_secs(3));
    let expired = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &late), ("view", &view)],
    )
    .await;
    assert_eq!(error(&expired), "expired_trigger_id");
}

/// reference/views/modal-views: a title of at most 24 characters, at most
/// 100 blocks, private_metadata of at most 3000; 250 kB at most
/// (`view_too_large`, methods/views.open). A refused view keeps the trigger.
#[tokio::test]
async fn views_are_checked_before_the_trigger_is_spent() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let t = trigger(&slack).await;
    let open = |view: Value| {
        let (slack, bot, t) = (&slack, bot.clone(), t.clone());
        async move {
            call(
                slack,
                &bot,
                "views.open",
                &[("trigger_id", &t), ("view", &view.to_string())],
            )
            .await
        }
    };
    let long_title = open(modal("A title that is too long!")).await;
    assert_eq!(error(&long_title), "invalid_arguments");
    assert!(long_title["response_metadata"]["messages"][0].is_string());
    let mut many = modal("Ok");
    many["blocks"] = json!(vec![json!({"type": "divider"}); 101]);
    assert_eq!(error(&open(many).await), "invalid_arguments");
    let mut secret = modal("Ok");
    secret["private_metadata"] = json!("x".repeat(3001));
    assert_eq!(error(&open(secret).await), "invalid_arguments");
    let mut home = modal("Ok");
    home["type"] = json!("home");
    assert_eq!(error(&open(home).await), "invalid_arguments");
    let mut huge = modal("Ok");
    huge["blocks"] = json!(vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": "y".repeat(3000)}});
        90
    ]);
    assert_eq!(error(&open(huge).await), "view_too_large");
    ok(&open(modal("Ok")).await);
}

/// methods/views.push (a stack of at most 3, `push_limit_reached`) and
/// methods/views.update (`hash_conflict`, `not_found`).
#[tokio::test]
async fn views_push_onto_the_stack_and_update_in_place() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let view = modal("Book a room").to_string();
    let t = trigger(&slack).await;
    let root = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &t), ("view", &view)],
    )
    .await;
    let root_id = root["view"]["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let t = trigger(&slack).await;
        let pushed = call(
            &slack,
            &bot,
            "views.push",
            &[("trigger_id", &t), ("view", &view)],
        )
        .await;
        assert_eq!(ok(&pushed)["view"]["root_view_id"], root_id.as_str());
    }
    let t = trigger(&slack).await;
    let full = call(
        &slack,
        &bot,
        "views.push",
        &[("trigger_id", &t), ("view", &view)],
    )
    .await;
    assert_eq!(error(&full), "push_limit_reached");
    let stale = call(
        &slack,
        &bot,
        "views.update",
        &[("view_id", &root_id), ("hash", "1.1"), ("view", &view)],
    )
    .await;
    assert_eq!(error(&stale), "hash_conflict");
    let hash = root["view"]["hash"].as_str().unwrap();
    let renamed = modal("Booked").to_string();
    let updated = call(
        &slack,
        &bot,
        "views.update",
        &[("view_id", &root_id), ("hash", hash), ("view", &renamed)],
    )
    .await;
    assert_eq!(ok(&updated)["view"]["id"], root_id.as_str());
    assert_eq!(updated["view"]["title"]["text"], "Booked");
    let missing = call(
        &slack,
        &bot,
        "views.update",
        &[("view_id", "VNOPE"), ("view", &renamed)],
    )
    .await;
    assert_eq!(error(&missing), "not_found");
}

/// reference/interaction-payloads/shortcuts: a global shortcut is a
/// `shortcut` payload without channel or `response_url`; a message
/// shortcut a `message_action` with the message, its channel and a
/// `response_url`. Both carry a trigger that opens a modal.
#[tokio::test]
async fn shortcuts_are_signed_payloads_with_a_fresh_trigger() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let (url, seen) = local_app(vec![]).await;
    slack.interactivity_to(&url, SECRET);
    let global = slack.run_shortcut("T1", ME, "hallway_global").await;
    assert!(global.acknowledged());
    let p = seen.lock().unwrap()[0].clone();
    assert_eq!(p["type"], "shortcut");
    assert_eq!(p["callback_id"], "hallway_global");
    assert_eq!(p["user"]["id"], ME);
    assert_eq!(p["team"]["id"], "T1");
    assert_eq!(p["trigger_id"], global.trigger_id.as_str());
    assert!(p.get("channel").is_none() && p.get("response_url").is_none());
    let view = modal("From a shortcut").to_string();
    let opened = call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &global.trigger_id), ("view", &view)],
    )
    .await;
    ok(&opened);

    let ts = slack.post_as("T1", GENERAL, "U0000002", "lunch at noon?", None);
    let on_message = slack
        .run_message_shortcut("T1", GENERAL, ME, &ts, "remind_me")
        .await;
    assert!(on_message.acknowledged());
    let p = seen.lock().unwrap()[1].clone();
    assert_eq!(p["type"], "message_action");
    assert_eq!(p["callback_id"], "remind_me");
    assert_eq!(p["channel"]["id"], GENERAL);
    assert_eq!(p["message_ts"], ts.as_str());
    assert_eq!(p["message"]["text"], "lunch at noon?");
    assert_eq!(p["response_url"], on_message.response_url.as_str());
    assert_eq!(p["trigger_id"], on_message.trigger_id.as_str());
    assert_eq!(slack.calls_to("interactivity.deliver").len(), 2);
}

/// Submissions (reference/interaction-payloads/view-interactions-payload;
/// surfaces/modals): `errors` keeps the view open with the messages,
/// `update` replaces it, `push` stacks one, an empty 200 closes the
/// current view, `clear` all; a late answer leaves it as it was.
#[tokio::test]
async fn submissions_follow_the_apps_response_action() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let t = trigger(&slack).await;
    let view = modal("Book a room").to_string();
    ok(&call(
        &slack,
        &bot,
        "views.open",
        &[("trigger_id", &t), ("view", &view)],
    )
    .await);
    let (url, seen) = local_app(vec![
        Answer::Json(json!({"response_action": "errors", "errors": {"when": "Pick a time"}})),
        Answer::Json(json!({"response_action": "update", "view": modal("Almost there")})),
        Answer::Json(json!({"response_action": "push", "view": modal("Confirm")})),
        Answer::Empty,
        Answer::Slow(3_500),
        Answer::Json(json!({"response_action": "clear"})),
    ])
    .await;
    slack.interactivity_to(&url, SECRET);
    let values = json!({"when": {"t": {"type": "plain_text_input", "value": "noon"}}});

    let refused = slack.submit_view("T1", ME, values.clone()).await;
    assert_eq!(refused.errors, Some(json!({"when": "Pick a time"})));
    assert!(!refused.closed());
    let p = seen.lock().unwrap()[0].clone();
    assert_eq!(p["type"], "view_submission");
    assert_eq!(p["view"]["callback_id"], "book_room");
    assert_eq!(p["view"]["private_metadata"], "room=7");
    assert_eq!(p["view"]["state"]["values"], values);

    let updated = slack.submit_view("T1", ME, values.clone()).await;
    assert_eq!(updated.view.unwrap()["title"]["text"], "Almost there");
    let pushed = slack.submit_view("T1", ME, values.clone()).await;
    assert_eq!(pushed.view.unwrap()["title"]["text"], "Confirm");
    let back = slack.submit_view("T1", ME, values.clone()).await;
    assert_eq!(back.view.unwrap()["title"]["text"], "Almost there");
    let late = slack.submit_view("T1", ME, values.clone()).await;
    assert_eq!(late.error.as_deref(), Some("operation_timeout"));
    assert!(!late.closed());
    let cleared = slack.submit_view("T1", ME, values).await;
    assert!(cleared.closed());
    assert!(slack.open_view("T1", ME).is_none());
    assert_eq!(slack.calls_to("interactivity.deliver").len(), 6);
}

/// methods/calls.add (`calls:write`; `created_by` required with a bot
/// token), …/calls.info (`calls:read`), …/calls.update,
/// …/calls.participants.add / .remove (`bad_users`), …/calls.end
/// (`inactive_call`), and a `call` block only for a known Call.
#[tokio::test]
async fn calls_live_from_add_to_end() {
    let slack = fake().await;
    let weak = slack.issue_bot_token("T1", &["calls:read"]);
    let bot = slack.issue_bot_token(
        "T1",
        &[
            "calls:write",
            "calls:read",
            "chat:write",
            "chat:write.public",
        ],
    );
    let add = [
        ("external_unique_id", "hw-1"),
        ("join_url", "https://hallway.example/rooms/1"),
        ("title", "Standup"),
    ];
    assert_eq!(
        error(&call(&slack, &weak, "calls.add", &add).await),
        "missing_scope"
    );
    assert_eq!(
        error(&call(&slack, &bot, "calls.add", &add).await),
        "invalid_created_by"
    );
    let users = json!([{"slack_id": ME}]).to_string();
    let mut form = add.to_vec();
    form.extend([("created_by", ME), ("users", users.as_str())]);
    let added = call(&slack, &bot, "calls.add", &form).await;
    let id = ok(&added)["call"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with('R'));
    assert_eq!(added["call"]["join_url"], "https://hallway.example/rooms/1");
    assert_eq!(
        error(&call(&slack, &bot, "calls.add", &form).await),
        "invalid_arguments",
        "external_unique_id is unique"
    );
    let mut no_url = form.clone();
    no_url.retain(|(k, _)| *k != "join_url");
    assert_eq!(
        error(&call(&slack, &bot, "calls.add", &no_url).await),
        "invalid_arguments"
    );

    let guest = json!([{"external_id": "g1", "display_name": "Guest",
                        "avatar_url": "https://hallway.example/g1.png"}])
    .to_string();
    ok(&call(
        &slack,
        &bot,
        "calls.participants.add",
        &[("id", &id), ("users", &guest)],
    )
    .await);
    let again = call(
        &slack,
        &bot,
        "calls.participants.add",
        &[("id", &id), ("users", &users)],
    )
    .await;
    assert_eq!(error(&again), "bad_users");
    ok(&call(
        &slack,
        &bot,
        "calls.participants.remove",
        &[("id", &id), ("users", &users)],
    )
    .await);
    ok(&call(
        &slack,
        &bot,
        "calls.update",
        &[("id", &id), ("title", "Retro")],
    )
    .await);
    let info = call(&slack, &weak, "calls.info", &[("id", &id)]).await;
    assert_eq!(ok(&info)["call"]["title"], "Retro");
    assert_eq!(
        info["call"]["users"],
        json!([{"external_id": "g1",
        "display_name": "Guest", "avatar_url": "https://hallway.example/g1.png"}])
    );

    let card = json!([{"type": "call", "call_id": id}]).to_string();
    ok(&call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", GENERAL), ("blocks", &card)],
    )
    .await);
    assert_eq!(slack.call(&id).unwrap()["channels"], json!([GENERAL]));
    let unknown = json!([{"type": "call", "call_id": "RNOPE"}]).to_string();
    let refused = call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", GENERAL), ("blocks", &unknown)],
    )
    .await;
    assert_eq!(error(&refused), "invalid_blocks");

    ok(&call(
        &slack,
        &bot,
        "calls.end",
        &[("id", &id), ("duration", "1800")],
    )
    .await);
    assert_eq!(slack.call(&id).unwrap()["duration"], 1800);
    let twice = call(&slack, &bot, "calls.end", &[("id", &id)]).await;
    assert_eq!(error(&twice), "inactive_call");
    let nope = call(&slack, &bot, "calls.info", &[("id", "RNOPE")]).await;
    assert_eq!(error(&nope), "invalid_call_id");
}

/// A workspace that has not allowed the app as a Calls provider: calls.add
/// fails (`not_allowed`, the fake's reading; the docs name no error).
#[tokio::test]
async fn a_workspace_may_refuse_the_app_as_calls_provider() {
    let slack = fake().await;
    let person = slack.issue_user_token("T1", ME, &["calls:write"]);
    assert!(slack.set_calls_allowed("T1", false));
    let form = [
        ("external_unique_id", "hw-2"),
        ("join_url", "https://hallway.example/rooms/2"),
    ];
    let refused = call(&slack, &person, "calls.add", &form).await;
    assert_eq!(error(&refused), "not_allowed");
    slack.set_calls_allowed("T1", true);
    let added = call(&slack, &person, "calls.add", &form).await;
    assert_eq!(
        ok(&added)["call"]["created_by"],
        ME,
        "a user token's person"
    );
}

/// events/function_executed carries the step's inputs, its execution ids
/// and a just-in-time `xwfp-` token; methods/functions.completeSuccess and
/// …/functions.completeError end it once (`execution_not_in_running_state`
/// after, `function_execution_not_found` for an unknown id).
#[tokio::test]
async fn a_custom_step_runs_once_and_completes_once() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &["chat:write"]);
    let (url, seen) = local_app(vec![]).await;
    slack.deliver_events_to(&url, SECRET);
    let id = slack.run_function("T1", "open_hallway", json!({"user_id": ME}));
    let mut event = Value::Null;
    for _ in 0..100 {
        if let Some(e) = seen.lock().unwrap().first() {
            event = e["event"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(event["type"], "function_executed");
    assert_eq!(event["function"]["callback_id"], "open_hallway");
    assert_eq!(event["inputs"], json!({"user_id": ME}));
    assert_eq!(event["function_execution_id"], id.as_str());
    assert!(
        event["workflow_execution_id"]
            .as_str()
            .unwrap()
            .starts_with("Wx")
    );
    assert!(event["event_ts"].is_string());
    let jit = event["bot_access_token"].as_str().unwrap().to_owned();
    assert!(jit.starts_with("xwfp-"));
    assert!(slack.function_outcome(&id).is_none());

    let outputs = json!({"room": "standup"}).to_string();
    let done = call(
        &slack,
        &jit,
        "functions.completeSuccess",
        &[("function_execution_id", &id), ("outputs", &outputs)],
    )
    .await;
    ok(&done);
    assert_eq!(
        slack.function_outcome(&id),
        Some(json!({"outputs": {"room": "standup"}}))
    );
    let twice = call(
        &slack,
        &bot,
        "functions.completeError",
        &[("function_execution_id", &id), ("error", "late")],
    )
    .await;
    assert_eq!(error(&twice), "execution_not_in_running_state");
    let unknown = call(
        &slack,
        &bot,
        "functions.completeSuccess",
        &[("function_execution_id", "FxNOPE"), ("outputs", "{}")],
    )
    .await;
    assert_eq!(error(&unknown), "function_execution_not_found");

    let failing = slack.run_function("T1", "open_hallway", json!({}));
    ok(&call(
        &slack,
        &bot,
        "functions.completeError",
        &[
            ("function_execution_id", &failing),
            ("error", "no room free"),
        ],
    )
    .await);
    assert_eq!(
        slack.function_outcome(&failing),
        Some(json!({"error": "no room free"}))
    );
}

/// methods/users.info and …/users.list: `locale` only with
/// `include_locale=true`; `en-US` unless the person set another.
#[tokio::test]
async fn locale_is_opt_in() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &["users:read"]);
    let plain = call(&slack, &bot, "users.info", &[("user", ME)]).await;
    assert!(ok(&plain)["user"].get("locale").is_none());
    let asked = [("user", ME), ("include_locale", "true")];
    let with = call(&slack, &bot, "users.info", &asked).await;
    assert_eq!(ok(&with)["user"]["locale"], "en-US");
    assert!(slack.set_locale("T1", ME, "fr-FR"));
    let french = call(&slack, &bot, "users.info", &asked).await;
    assert_eq!(french["user"]["locale"], "fr-FR");
    let list = call(&slack, &bot, "users.list", &[("include_locale", "true")]).await;
    let me = ok(&list)["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == ME)
        .unwrap()
        .clone();
    assert_eq!(me["locale"], "fr-FR");
    let bare = call(&slack, &bot, "users.list", &[]).await;
    assert!(ok(&bare)["members"][0].get("locale").is_none());
}

/// methods/chat.getPermalink: no scope, for bot and user tokens; the
/// workspace's domain, the channel and the `ts` without its dot; a
/// thread reply's link names its thread (`thread_ts`, `cid`). Errors:
/// `channel_not_found` for an unknown conversation or one the caller
/// cannot see, `message_not_found` for an unknown `ts`.
#[tokio::test]
async fn permalinks_point_at_a_message_and_its_thread() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let person = slack.issue_user_token("T1", ME, &[]);
    let parent = slack.post_as("T1", GENERAL, "U0000002", "standup at ten", None);
    let reply = slack.post_as("T1", GENERAL, ME, "on my way", Some(&parent));
    let digits = |ts: &str| ts.replace('.', "");

    let top = call(
        &slack,
        &bot,
        "chat.getPermalink",
        &[("channel", GENERAL), ("message_ts", &parent)],
    )
    .await;
    assert_eq!(ok(&top)["channel"], GENERAL);
    assert_eq!(
        top["permalink"],
        format!(
            "https://acme.slack.com/archives/{GENERAL}/p{}",
            digits(&parent)
        )
    );
    let threaded = call(
        &slack,
        &person,
        "chat.getPermalink",
        &[("channel", GENERAL), ("message_ts", &reply)],
    )
    .await;
    assert_eq!(
        ok(&threaded)["permalink"],
        format!(
            "https://acme.slack.com/archives/{GENERAL}/p{}?thread_ts={parent}&cid={GENERAL}",
            digits(&reply)
        )
    );

    let unknown_channel = call(
        &slack,
        &bot,
        "chat.getPermalink",
        &[("channel", "CNOPE"), ("message_ts", &parent)],
    )
    .await;
    assert_eq!(error(&unknown_channel), "channel_not_found");
    let others = slack.dm_between("T1", "U0000002", "U0000003");
    let private = slack.post_as("T1", &others, "U0000002", "psst", None);
    let unseen = call(
        &slack,
        &bot,
        "chat.getPermalink",
        &[("channel", &others), ("message_ts", &private)],
    )
    .await;
    assert_eq!(
        error(&unseen),
        "channel_not_found",
        "a DM the bot is not in"
    );
    let unknown_ts = call(
        &slack,
        &bot,
        "chat.getPermalink",
        &[("channel", GENERAL), ("message_ts", "1.000001")],
    )
    .await;
    assert_eq!(error(&unknown_ts), "message_not_found");
    let no_ts = call(&slack, &bot, "chat.getPermalink", &[("channel", GENERAL)]).await;
    assert_eq!(error(&no_ts), "message_not_found");
}

/// Opens `view` for `ME` with a fresh trigger; the view's id.
async fn open_modal(slack: &FakeSlack, bot: &str, method: &str, view: &Value) -> String {
    let t = trigger(slack).await;
    let opened = call(
        slack,
        bot,
        method,
        &[("trigger_id", &t), ("view", &view.to_string())],
    )
    .await;
    ok(&opened)["view"]["id"].as_str().unwrap().to_owned()
}

/// reference/interaction-payloads/view-interactions-payload (view_closed)
/// and reference/views/modal-views (`notify_on_close`): dismissing a modal
/// closes it; a view made with `notify_on_close` tells the app with a
/// signed `view_closed` payload (`is_cleared: false` for a lone view, as
/// the page's example), one without it tells nobody. A closed view is
/// gone for views.update (`not_found`).
#[tokio::test]
async fn closing_a_modal_notifies_only_when_asked() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let (url, seen) = local_app(vec![]).await;
    slack.interactivity_to(&url, SECRET);

    let mut noisy = modal("Book a room");
    noisy["notify_on_close"] = json!(true);
    let id = open_modal(&slack, &bot, "views.open", &noisy).await;
    let closed = slack.close_view("T1", ME).await;
    assert!(slack.open_view("T1", ME).is_none());
    assert_eq!(closed.closed.len(), 1);
    assert!(!closed.is_cleared);
    assert!(closed.delivery.unwrap().acknowledged());
    let p = seen.lock().unwrap()[0].clone();
    assert_eq!(p["type"], "view_closed");
    assert_eq!(p["team"]["id"], "T1");
    assert_eq!(p["user"]["id"], ME);
    assert_eq!(p["api_app_id"], "A0HALLWAY");
    assert_eq!(p["view"]["id"], id.as_str());
    assert_eq!(p["view"]["callback_id"], "book_room");
    assert_eq!(p["view"]["private_metadata"], "room=7");
    assert_eq!(p["is_cleared"], false);
    let deliveries = slack.calls_to("interactivity.deliver");
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].params["type"], "view_closed");
    let gone = call(
        &slack,
        &bot,
        "views.update",
        &[("view_id", &id), ("view", &modal("Too late").to_string())],
    )
    .await;
    assert_eq!(error(&gone), "not_found");

    let quiet = open_modal(&slack, &bot, "views.open", &modal("Book a room")).await;
    let closed = slack.close_view("T1", ME).await;
    assert!(closed.delivery.is_none());
    assert!(slack.open_view("T1", ME).is_none());
    assert_eq!(seen.lock().unwrap().len(), 1, "nothing sent");
    assert_eq!(slack.calls_to("interactivity.deliver").len(), 1);
    let gone = call(
        &slack,
        &bot,
        "views.update",
        &[
            ("view_id", &quiet),
            ("view", &modal("Too late").to_string()),
        ],
    )
    .await;
    assert_eq!(error(&gone), "not_found");
}

/// Dismissing a modal of several views closes the whole stack; the top
/// view's `notify_on_close` decides, and `is_cleared` says the stack went
/// (view-interactions-payload: "whether or not a whole view stack was
/// cleared").
#[tokio::test]
async fn closing_a_stacked_modal_clears_every_view() {
    let slack = fake().await;
    let bot = slack.issue_bot_token("T1", &[]);
    let root = open_modal(&slack, &bot, "views.open", &modal("Book a room")).await;
    let mut confirm = modal("Confirm");
    confirm["notify_on_close"] = json!(true);
    let top = open_modal(&slack, &bot, "views.push", &confirm).await;
    let (url, seen) = local_app(vec![]).await;
    slack.interactivity_to(&url, SECRET);
    let closed = slack.close_view("T1", ME).await;
    assert_eq!(closed.closed.len(), 2);
    assert!(closed.is_cleared);
    let p = seen.lock().unwrap()[0].clone();
    assert_eq!(p["view"]["id"], top.as_str());
    assert_eq!(p["view"]["root_view_id"], root.as_str());
    assert_eq!(p["is_cleared"], true);
    for id in [&root, &top] {
        let gone = call(
            &slack,
            &bot,
            "views.update",
            &[("view_id", id), ("view", &modal("Too late").to_string())],
        )
        .await;
        assert_eq!(error(&gone), "not_found");
    }
}

/// A message shortcut's `message` is "the full structure of the message"
/// (reference/interaction-payloads/shortcuts), as conversations.replies
/// shows it: a thread's parent with `thread_ts`, `reply_count`,
/// `reply_users`, `reply_users_count` and `latest_reply`; a reply with
/// `thread_ts` and `parent_user_id`; a lone message with neither.
#[tokio::test]
async fn message_shortcuts_carry_the_messages_thread() {
    let slack = fake().await;
    let (url, seen) = local_app(vec![]).await;
    slack.interactivity_to(&url, SECRET);
    let parent = slack.post_as("T1", GENERAL, "U0000002", "lunch?", None);
    slack.post_as("T1", GENERAL, "U0000003", "yes", Some(&parent));
    slack.post_as("T1", GENERAL, ME, "me too", Some(&parent));
    let last = slack.post_as("T1", GENERAL, "U0000003", "noon", Some(&parent));
    let lone = slack.post_as("T1", GENERAL, ME, "unrelated", None);

    slack
        .run_message_shortcut("T1", GENERAL, ME, &parent, "remind_me")
        .await;
    slack
        .run_message_shortcut("T1", GENERAL, ME, &last, "remind_me")
        .await;
    slack
        .run_message_shortcut("T1", GENERAL, ME, &lone, "remind_me")
        .await;
    let seen = seen.lock().unwrap().clone();

    let m = &seen[0]["message"];
    assert_eq!(m["type"], "message");
    assert_eq!(m["user"], "U0000002");
    assert_eq!(m["text"], "lunch?");
    assert_eq!(m["ts"], parent.as_str());
    assert_eq!(m["thread_ts"], parent.as_str());
    assert_eq!(m["reply_count"], 3);
    assert_eq!(m["reply_users"], json!(["U0000003", ME]));
    assert_eq!(m["reply_users_count"], 2);
    assert_eq!(m["latest_reply"], last.as_str());
    assert!(m.get("parent_user_id").is_none());

    let r = &seen[1]["message"];
    assert_eq!(r["ts"], last.as_str());
    assert_eq!(r["user"], "U0000003");
    assert_eq!(r["thread_ts"], parent.as_str());
    assert_eq!(r["parent_user_id"], "U0000002");
    assert!(r.get("reply_count").is_none());

    let l = &seen[2]["message"];
    assert_eq!(l["text"], "unrelated");
    assert!(l.get("thread_ts").is_none() && l.get("reply_count").is_none());
}

/// POSTs a JSON body to a `response_url`: Slack's answer, status and body.
async fn respond_to(url: &str, body: &Value) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// A fake whose workspace also has a private channel without the bot, a
/// bot token that may add Calls and post, a Call and a slash command run
/// by `ME` in the private channel; (fake, bot token, Call id, outcome).
async fn call_in_private_channel() -> (FakeSlack, String, String, CommandOutcome) {
    let mut team = TeamSeed::with_people("T1", "Acme", 3);
    team.channels.push(ChannelSeed::private(
        PRIVATE,
        "secret-plans",
        vec![ME.into(), "U0000002".into()],
    ));
    let slack = FakeSlack::start(AppConfig::default(), vec![team])
        .await
        .unwrap();
    slack.set_limits_enabled(false);
    let bot = slack.issue_bot_token("T1", &["calls:write", "calls:read", "chat:write"]);
    let added = call(
        &slack,
        &bot,
        "calls.add",
        &[
            ("external_unique_id", "hw-rurl"),
            ("join_url", "https://hallway.example/rooms/9"),
            ("created_by", ME),
        ],
    )
    .await;
    let id = ok(&added)["call"]["id"].as_str().unwrap().to_owned();
    let (url, _) = local_app(vec![]).await;
    slack.commands_to(&url, SECRET);
    let ran = slack.run_command("T1", PRIVATE, ME, "/call", "").await;
    (slack, bot, id, ran)
}

/// using-the-calls-api ("Post the Call to channel"): where chat.postMessage
/// cannot reach (a private channel the bot is not in: `channel_not_found`),
/// the `in_channel` answer to the command's `response_url` posts the `call`
/// block; the Call lists the channel, and the message is the bot's in the
/// channel's history.
#[tokio::test]
async fn an_in_channel_response_posts_a_call_where_the_bot_cannot() {
    let (slack, bot, id, ran) = call_in_private_channel().await;
    let card = json!([{"type": "call", "call_id": id}]);
    let posted = call(
        &slack,
        &bot,
        "chat.postMessage",
        &[("channel", PRIVATE), ("blocks", &card.to_string())],
    )
    .await;
    assert_eq!(error(&posted), "channel_not_found");
    assert_eq!(slack.call(&id).unwrap()["channels"], json!([]));

    let answer = json!({"response_type": "in_channel",
                        "text": "A new call was started by Hallway", "blocks": card});
    let (status, body) = respond_to(&ran.response_url, &answer).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(slack.call(&id).unwrap()["channels"], json!([PRIVATE]));
    let history = slack.messages("T1", PRIVATE);
    assert_eq!(history.len(), 1, "{history:?}");
    let m = &history[0];
    assert_eq!(
        (m.user.as_str(), m.bot, m.text.as_str()),
        (BOT, true, "A new call was started by Hallway")
    );
    assert_eq!(m.blocks, Some(card));
    assert!(m.ephemeral_to.is_none());
    assert_eq!(slack.responses(&ran.response_id), vec![answer]);
    let recorded = slack.calls_to("response_url");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].team.as_deref(), Some("T1"));

    // A message shortcut's `response_url` lands in its channel too.
    let (url, _) = local_app(vec![]).await;
    slack.interactivity_to(&url, SECRET);
    let ts = slack.post_as("T1", GENERAL, ME, "standup?", None);
    let shortcut = slack
        .run_message_shortcut("T1", GENERAL, ME, &ts, "start_call")
        .await;
    let again = json!({"response_type": "in_channel", "text": "Join",
                       "blocks": [{"type": "call", "call_id": id}]});
    let (status, _) = respond_to(&shortcut.response_url, &again).await;
    assert_eq!(status, 200);
    assert_eq!(
        slack.call(&id).unwrap()["channels"],
        json!([PRIVATE, GENERAL])
    );
    let general = slack.messages("T1", GENERAL);
    assert_eq!(general.last().unwrap().user, BOT);
}

/// A `call` block naming no Call of the workspace is refused as
/// chat.postMessage refuses it (`invalid_blocks`), here as HTTP 400 with a
/// plain-text body (the fake's reading of the response_url's error form);
/// nothing is posted or recorded, and the use is not spent.
#[tokio::test]
async fn a_response_url_refuses_an_unknown_call() {
    let (slack, _, id, ran) = call_in_private_channel().await;
    let bad = json!({"response_type": "in_channel", "text": "Join",
                     "blocks": [{"type": "call", "call_id": "RNOPE"}]});
    let (status, body) = respond_to(&ran.response_url, &bad).await;
    assert_eq!((status, body.as_str()), (400, "invalid_blocks"));
    let ephemeral = json!({"text": "Join", "blocks": [{"type": "call", "call_id": "RNOPE"}]});
    let (status, body) = respond_to(&ran.response_url, &ephemeral).await;
    assert_eq!((status, body.as_str()), (400, "invalid_blocks"));
    assert!(slack.messages("T1", PRIVATE).is_empty());
    assert!(slack.responses(&ran.response_id).is_empty());
    assert!(slack.calls_to("response_url").is_empty());
    assert_eq!(slack.call(&id).unwrap()["channels"], json!([]));

    for _ in 0..5 {
        let (status, _) = respond_to(&ran.response_url, &json!({"text": "still here"})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = respond_to(&ran.response_url, &json!({"text": "sixth"})).await;
    assert_eq!((status, body.as_str()), (404, "used_url"));
}

/// An ephemeral answer (the default, or said outright) is the person's
/// alone: recorded, but not in the channel's messages; a `call` block in it
/// is checked but does not post the Call to the channel (the fake's
/// reading).
#[tokio::test]
async fn an_ephemeral_response_stays_out_of_the_channel() {
    let (slack, _, id, ran) = call_in_private_channel().await;
    let quiet = json!({"text": "Only you can see this"});
    let said = json!({"response_type": "ephemeral", "text": "Join",
                      "blocks": [{"type": "call", "call_id": id}]});
    for body in [&quiet, &said] {
        let (status, _) = respond_to(&ran.response_url, body).await;
        assert_eq!(status, 200);
    }
    assert!(slack.messages("T1", PRIVATE).is_empty());
    assert_eq!(slack.responses(&ran.response_id), vec![quiet, said]);
    assert_eq!(slack.call(&id).unwrap()["channels"], json!([]));
}

/// A `response_url` the fake never issued (a test's
/// `FakeSlack::response_url`) belongs to no conversation: whatever is
/// posted is only recorded.
#[tokio::test]
async fn an_unknown_response_url_only_records() {
    let slack = fake().await;
    let before = slack.messages("T1", GENERAL).len();
    let body = json!({"response_type": "in_channel", "text": "hello",
                      "blocks": [{"type": "call", "call_id": "RNOPE"}]});
    let (status, text) = respond_to(&slack.response_url("attic"), &body).await;
    assert_eq!((status, text.as_str()), (200, "ok"));
    assert_eq!(slack.responses("attic"), vec![body]);
    assert_eq!(slack.messages("T1", GENERAL).len(), before);
    assert_eq!(slack.calls_to("response_url")[0].team, None);
}
