//! Slack-native surfaces an app drives through the Web API: modals
//! (`views.open`, `views.push`, `views.update`), Slack Calls (`calls.*`)
//! and workflow custom steps (`functions.complete*`).
//!
//! Sources in comments as in [`crate::world`]: `methods/<name>` is
//! `https://docs.slack.dev/reference/methods/<name>`; other short paths are
//! under <https://docs.slack.dev/>. "The fake's reading" marks a choice
//! where the docs are silent.

use serde_json::{Value, json};

use crate::api::{Call, Outcome};
use crate::world::{World, random_hex};

/// "a modal can hold up to 3 views" in its stack; views.push's
/// `push_limit_reached`: "the max push limit has been reached for views.
/// Currently the limit is 3" (methods/views.push).
pub const PUSH_LIMIT: usize = 3;

/// views.open's `view_too_large`: "greater than 250kb" (methods/views.open;
/// kB as 1000 bytes, the fake's reading).
const VIEW_MAX_BYTES: usize = 250_000;

/// `invalid_arguments` with the reason in `response_metadata.messages`, as
/// views.open's error example answers ("invalid `trigger_id`"); the
/// `[ERROR] … [json-pointer:…]` wording is that of real answers quoted in
/// SDK issues (the fake's reading of the form).
fn invalid(message: &str) -> Outcome {
    Outcome::ErrWith(
        "invalid_arguments".into(),
        json!({"response_metadata": {"messages": [message]}}),
    )
}

fn too_long(field: &str, max: usize) -> Outcome {
    invalid(&format!(
        "[ERROR] must be less than {} characters [json-pointer:/view/{field}]",
        max + 1
    ))
}

/// Checks a modal view as reference/views/modal-views (the view object,
/// "Modal views") limits it: `type: "modal"`; `title` required, plain text
/// of at most 24 characters, as `submit` and `close`; at most 100 `blocks`
/// ("100 blocks in modals", reference/block-kit/blocks); `submit`
/// required when an `input` block is present; `private_metadata` at most
/// 3000 characters; `callback_id` and `external_id` at most 255 (views.open:
/// external_id "has a max length of 255 characters"); the JSON at most
/// 250 kB (`view_too_large`).
fn check_modal(call: &Call) -> Result<Value, Outcome> {
    match call.json("view") {
        Some(Ok(v @ Value::Object(_))) => check_view(v),
        _ => Err(invalid("[ERROR] missing required field: view")),
    }
}

/// [`check_modal`] for a view given as JSON (also a `response_action`'s).
pub(crate) fn check_view(view: Value) -> Result<Value, Outcome> {
    if view.to_string().len() > VIEW_MAX_BYTES {
        return Err(Outcome::Err("view_too_large".into()));
    }
    if view["type"] != "modal" {
        return Err(invalid(
            "[ERROR] must be one of modal [json-pointer:/view/type]",
        ));
    }
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    match view.get("title") {
        Some(t) if t["type"] == "plain_text" && t["text"].is_string() => {
            if chars(&t["text"]) > 24 {
                return Err(too_long("title/text", 24));
            }
        }
        _ => {
            return Err(invalid(
                "[ERROR] missing required field: title [json-pointer:/view]",
            ));
        }
    }
    for button in ["submit", "close"] {
        if let Some(b) = view.get(button)
            && chars(&b["text"]) > 24
        {
            return Err(too_long(&format!("{button}/text"), 24));
        }
    }
    let blocks = match view.get("blocks") {
        Some(Value::Array(b)) if b.iter().all(|x| x.get("type").is_some()) => b,
        _ => {
            return Err(invalid(
                "[ERROR] missing required field: blocks [json-pointer:/view]",
            ));
        }
    };
    if blocks.len() > 100 {
        return Err(invalid(
            "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]",
        ));
    }
    if blocks.iter().any(|b| b["type"] == "input") && view.get("submit").is_none() {
        return Err(invalid(
            "[ERROR] submit is required when an input block is present [json-pointer:/view/submit]",
        ));
    }
    for (field, max) in [
        ("private_metadata", 3000),
        ("callback_id", 255),
        ("external_id", 255),
    ] {
        if chars(&view[field]) > max {
            return Err(too_long(field, max));
        }
    }
    Ok(view)
}

/// A view's `hash`, "156772938.1827394" in views.open's example.
fn hash() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{secs}.{}",
        u32::from_str_radix(&random_hex(3), 16).unwrap_or(1)
    )
}

/// The view as Slack keeps and answers it: the fields of views.open's
/// response example (`id`, `team_id`, `hash`, `state.values`,
/// `root_view_id`, `previous_view_id`, `app_id`, `bot_id`, the defaults of
/// `private_metadata`, `callback_id`, `external_id`, `clear_on_close`,
/// `notify_on_close`). `state.values` is `{}`: the example shows `[]`, the
/// view_submission payload an object keyed by block (the fake's reading).
pub(crate) fn stored(
    world: &World,
    team: &str,
    view: Value,
    id: &str,
    root: &str,
    previous: Option<&str>,
) -> Value {
    let bot = &world.teams[team].seed.bot_user_id;
    let mut v = view;
    for (field, default) in [
        ("private_metadata", json!("")),
        ("callback_id", json!("")),
        ("external_id", json!("")),
        ("clear_on_close", json!(false)),
        ("notify_on_close", json!(false)),
    ] {
        if v.get(field).is_none() {
            v[field] = default;
        }
    }
    v["id"] = json!(id);
    v["team_id"] = json!(team);
    v["hash"] = json!(hash());
    v["state"] = json!({"values": {}});
    v["root_view_id"] = json!(root);
    v["previous_view_id"] = json!(previous);
    v["app_id"] = json!(world.app.app_id);
    v["bot_id"] = json!(crate::world::bot_id(bot));
    v
}

pub(crate) fn view_id() -> String {
    format!("V{}", random_hex(5).to_uppercase())
}

/// `external_id` "must be unique for all views on a team"
/// (methods/views.open): `duplicate_external_id`.
fn external_id_taken(world: &World, team: &str, view: &Value, except: Option<&str>) -> bool {
    let Some(ext) = view["external_id"].as_str().filter(|e| !e.is_empty()) else {
        return false;
    };
    world.teams[team]
        .modals
        .values()
        .flatten()
        .any(|v| v["external_id"] == ext && Some(v["id"].as_str().unwrap_or("")) != except)
}

fn trigger(world: &mut World, call: &Call, team: &str) -> Result<String, Outcome> {
    // One of `trigger_id` / `interactivity_pointer` is required; both are
    // "exchanged" the same way (methods/views.open). Missing: the page's
    // example error.
    let Some(t) = call
        .str("trigger_id")
        .or_else(|| call.str("interactivity_pointer"))
    else {
        return Err(invalid("invalid `trigger_id`"));
    };
    world
        .exchange_trigger(t, team)
        .map_err(|e| Outcome::Err(e.into()))
}

/// `views.open` (methods/views.open): "Open a modal with a user by
/// exchanging a trigger_id received from another interaction". The view is
/// checked before the trigger is spent (the fake's reading); an open modal
/// of the same person is replaced (the fake's reading: a new trigger comes
/// from outside the modal).
pub(crate) fn views_open(world: &mut World, call: &Call, team: &str) -> Outcome {
    let view = match check_modal(call) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if external_id_taken(world, team, &view, None) {
        return Outcome::Err("duplicate_external_id".into());
    }
    let user = match trigger(world, call, team) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let id = view_id();
    let v = stored(world, team, view, &id, &id, None);
    world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .modals
        .insert(user, vec![v.clone()]);
    Outcome::Ok(json!({ "view": v }))
}

/// `views.push` (methods/views.push): "Push a view onto the stack of a root
/// view", with a trigger from an interaction in the open modal. No open
/// modal for the trigger's person: the table's `not_found` (the fake's
/// reading); a full stack: `push_limit_reached`.
pub(crate) fn views_push(world: &mut World, call: &Call, team: &str) -> Outcome {
    let view = match check_modal(call) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if external_id_taken(world, team, &view, None) {
        return Outcome::Err("duplicate_external_id".into());
    }
    let Some(t) = call
        .str("trigger_id")
        .or_else(|| call.str("interactivity_pointer"))
    else {
        return invalid("invalid `trigger_id`");
    };
    // The stack is checked before the trigger is spent (the fake's reading).
    let owner = world
        .triggers
        .get(t)
        .filter(|tr| tr.team == team)
        .map(|tr| tr.user.clone());
    if let Some(owner) = &owner {
        match world.teams[team].modals.get(owner) {
            None => return Outcome::Err("not_found".into()),
            Some(stack) if stack.len() >= PUSH_LIMIT => {
                return Outcome::Err("push_limit_reached".into());
            }
            Some(_) => {}
        }
    }
    let user = match trigger(world, call, team) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let stack = &world.teams[team].modals[&user];
    let root = stack[0]["id"].as_str().unwrap_or_default().to_owned();
    let previous = stack
        .last()
        .and_then(|v| v["id"].as_str())
        .map(str::to_owned);
    let id = view_id();
    let v = stored(world, team, view, &id, &root, previous.as_deref());
    world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .modals
        .get_mut(&user)
        .expect("checked above")
        .push(v.clone());
    Outcome::Ok(json!({ "view": v }))
}

/// `views.update` (methods/views.update): "Update an existing view" by
/// `view_id` or `external_id` ("Either view_id or external_id is
/// required"), no trigger; `hash` guards against races (`hash_conflict`:
/// "the provided hash doesn't match the current stored value"); an unknown
/// view is `not_found`. Only modals are updated here (Home tabs go through
/// views.publish; the fake's scope).
pub(crate) fn views_update(world: &mut World, call: &Call, team: &str) -> Outcome {
    let view = match check_modal(call) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let found = world.teams[team].modals.iter().find_map(|(user, stack)| {
        stack
            .iter()
            .position(|v| {
                call.str("view_id").is_some_and(|id| v["id"] == id)
                    || call
                        .str("external_id")
                        .is_some_and(|e| v["external_id"] == e)
            })
            .map(|i| (user.clone(), i))
    });
    if call.str("view_id").is_none() && call.str("external_id").is_none() {
        return invalid("[ERROR] either view_id or external_id is required");
    }
    let Some((user, i)) = found else {
        return Outcome::Err("not_found".into());
    };
    let old = world.teams[team].modals[&user][i].clone();
    if let Some(h) = call.str("hash")
        && old["hash"] != h
    {
        return Outcome::Err("hash_conflict".into());
    }
    let id = old["id"].as_str().unwrap_or_default().to_owned();
    if external_id_taken(world, team, &view, Some(&id)) {
        return Outcome::Err("duplicate_external_id".into());
    }
    let root = old["root_view_id"].as_str().unwrap_or(&id).to_owned();
    let previous = old["previous_view_id"].as_str().map(str::to_owned);
    let v = stored(world, team, view, &id, &root, previous.as_deref());
    world
        .teams
        .get_mut(team)
        .expect("authenticated team exists")
        .modals
        .get_mut(&user)
        .expect("found above")[i] = v.clone();
    Outcome::Ok(json!({ "view": v }))
}

/// Calls participants: `{slack_id}` for a person of the workspace, or
/// `{external_id, display_name, avatar_url?}` for someone else (@slack/types
/// `CallUserSlack` / `CallUserExternal`; methods/calls.add's `users`
/// example). A JSON array, or JSON text in a form field. A malformed list
/// is `invalid_arguments`, an unknown `slack_id` `user_not_found`
/// (calls.add's table: "A specified user wasn't found").
fn call_users(
    world: &World,
    call: &Call,
    team: &str,
    required: bool,
) -> Result<Vec<Value>, Outcome> {
    let users = match call.json("users") {
        None if !required => return Ok(Vec::new()),
        Some(Ok(Value::Array(u))) => u,
        _ => return Err(invalid("[ERROR] invalid `users`")),
    };
    for u in &users {
        if let Some(id) = u["slack_id"].as_str() {
            if world.teams[team].user(id).is_none() {
                return Err(Outcome::Err("user_not_found".into()));
            }
        } else if !(u["external_id"].is_string() && u["display_name"].is_string()) {
            return Err(invalid("[ERROR] invalid `users`"));
        }
    }
    Ok(users)
}

/// Two participant entries name the same person: same `slack_id`, or
/// same `external_id`.
fn same_person(a: &Value, b: &Value) -> bool {
    (a["slack_id"].is_string() && a["slack_id"] == b["slack_id"])
        || (a["external_id"].is_string() && a["external_id"] == b["external_id"])
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `calls.add` (methods/calls.add): registers a Call, `calls:write`.
/// `external_unique_id` and `join_url` are required ("It must be unique
/// across all Calls from that service"; a second use, a missing one, or a
/// `join_url` that is not a URL is `invalid_arguments`: the fake's
/// reading). `created_by` defaults to the person of a user token and is
/// required with a bot token ("Otherwise, the field is required"); missing
/// or unknown: `invalid_created_by` ("The created_by user ID is invalid").
/// `date_start` not an integer: `invalid_start_time`. The answer is the
/// page's `call` object with an `R…` id. A workspace that has not let the
/// app be a Calls provider (`Team::calls_allowed`): `not_allowed` — the
/// docs name no error for it (the fake's reading).
pub(crate) fn calls_add(
    world: &mut World,
    call: &Call,
    team: &str,
    me: &str,
    user_token: bool,
) -> Outcome {
    if !world.teams[team].calls_allowed {
        return Outcome::Err("not_allowed".into());
    }
    let Some(external) = call.str("external_unique_id") else {
        return invalid("[ERROR] missing required field: external_unique_id");
    };
    let join_url = match call.str("join_url").map(url::Url::parse) {
        Some(Ok(u)) => u.to_string(),
        _ => return invalid("[ERROR] invalid `join_url`"),
    };
    if world
        .slack_calls
        .values()
        .any(|c| c.team == team && c.call["external_unique_id"] == external)
    {
        return invalid("[ERROR] `external_unique_id` already used");
    }
    let created_by = match call.str("created_by") {
        Some(u) => u.to_owned(),
        None if user_token => me.to_owned(),
        None => return Outcome::Err("invalid_created_by".into()),
    };
    if world.teams[team].user(&created_by).is_none() {
        return Outcome::Err("invalid_created_by".into());
    }
    let date_start = match call.params.get("date_start") {
        None => now_secs(),
        Some(_) => match call.int("date_start") {
            Some(t) if t > 0 => t,
            _ => return Outcome::Err("invalid_start_time".into()),
        },
    };
    let users = match call_users(world, call, team, false) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let id = format!("R{}", random_hex(5).to_uppercase());
    let mut c = json!({
        "id": id, "date_start": date_start, "external_unique_id": external,
        "join_url": join_url, "users": users, "created_by": created_by, "channels": [],
    });
    for field in ["desktop_app_join_url", "external_display_id", "title"] {
        if let Some(v) = call.str(field) {
            c[field] = json!(v);
        }
    }
    world.slack_calls.insert(
        id.clone(),
        crate::world::SlackCall {
            team: team.to_owned(),
            call: c.clone(),
        },
    );
    Outcome::Ok(json!({ "call": c }))
}

/// The Call `id` of this workspace: `invalid_call_id`, "The specified Call
/// wasn't found" (methods/calls.participants.add, …/calls.end).
fn known_call<'a>(world: &'a mut World, call: &Call, team: &str) -> Result<&'a mut Value, Outcome> {
    call.str("id")
        .and_then(|id| world.slack_calls.get_mut(id))
        .filter(|c| c.team == team)
        .map(|c| &mut c.call)
        .ok_or_else(|| Outcome::Err("invalid_call_id".into()))
}

/// An ended Call: `inactive_call`, "The Call has been already ended"
/// (methods/calls.end, …/calls.participants.add). Slack's examples show it
/// with `"ok": true`; the fake answers `ok: false` as for every error (its
/// reading of an odd example).
fn live_call<'a>(world: &'a mut World, call: &Call, team: &str) -> Result<&'a mut Value, Outcome> {
    let c = known_call(world, call, team)?;
    if c.get("date_end").is_some() {
        return Err(Outcome::Err("inactive_call".into()));
    }
    Ok(c)
}

/// `calls.info` (methods/calls.info, `calls:read`): the `call` object,
/// with `channels` it was posted to and, once ended, `date_end`
/// (java-slack-sdk's calls.info sample; `date_end` the fake's reading).
pub(crate) fn calls_info(world: &mut World, call: &Call, team: &str) -> Outcome {
    match known_call(world, call, team) {
        Ok(c) => Outcome::Ok(json!({ "call": c })),
        Err(e) => e,
    }
}

/// `calls.update` (methods/calls.update): `title`, `join_url`,
/// `desktop_app_join_url` of a live Call.
pub(crate) fn calls_update(world: &mut World, call: &Call, team: &str) -> Outcome {
    if let Some(u) = call.str("join_url")
        && url::Url::parse(u).is_err()
    {
        return invalid("[ERROR] invalid `join_url`");
    }
    let c = match live_call(world, call, team) {
        Ok(c) => c,
        Err(e) => return e,
    };
    for field in ["title", "join_url", "desktop_app_join_url"] {
        if let Some(v) = call.str(field) {
            c[field] = json!(v);
        }
    }
    Outcome::Ok(json!({ "call": c }))
}

/// `calls.participants.add` / `.remove` (methods/calls.participants.add:
/// `bad_users`, "At least one specified user is already part of the
/// Call"; removing someone not in it is `bad_users` too, the fake's
/// reading).
pub(crate) fn calls_participants(world: &mut World, call: &Call, team: &str, add: bool) -> Outcome {
    let users = match call_users(world, call, team, true) {
        Ok(u) => u,
        Err(e) => return e,
    };
    let c = match live_call(world, call, team) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut list = c["users"].as_array().cloned().unwrap_or_default();
    for u in &users {
        let present = list.iter().any(|p| same_person(p, u));
        if present == add {
            return Outcome::Err("bad_users".into());
        }
    }
    if add {
        list.extend(users);
    } else {
        list.retain(|p| !users.iter().any(|u| same_person(p, u)));
    }
    c["users"] = json!(list);
    Outcome::Ok(json!({}))
}

/// `calls.end` (methods/calls.end): `duration`, "Call duration in
/// seconds"; a second end is `inactive_call`.
pub(crate) fn calls_end(world: &mut World, call: &Call, team: &str) -> Outcome {
    let duration = call.int("duration");
    let c = match live_call(world, call, team) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let start = c["date_start"].as_i64().unwrap_or_else(now_secs);
    c["date_end"] = json!(duration.map_or_else(now_secs, |d| start + d));
    if let Some(d) = duration {
        c["duration"] = json!(d);
    }
    Outcome::Ok(json!({}))
}

/// The `call` blocks of a message name Calls of this workspace ("This ID
/// can be used to post the Call to a channel by using the chat.postMessage
/// method with the following block", methods/calls.add); another id is
/// `invalid_blocks` (the fake's reading). The Call then lists the channel.
pub(crate) fn check_call_blocks(
    world: &mut World,
    team: &str,
    channel: &str,
    blocks: Option<&Value>,
) -> Result<(), Outcome> {
    let ids = call_block_ids(world, team, blocks)?;
    list_channel(world, &ids, channel);
    Ok(())
}

/// The `call_id`s of a message's `call` blocks, each a Call of `team`;
/// else `invalid_blocks` (see [`check_call_blocks`]).
pub(crate) fn call_block_ids(
    world: &World,
    team: &str,
    blocks: Option<&Value>,
) -> Result<Vec<String>, Outcome> {
    let ids: Vec<String> = blocks
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "call")
        .map(|b| b["call_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    for id in &ids {
        if world.slack_calls.get(id).is_none_or(|c| c.team != team) {
            return Err(Outcome::Err("invalid_blocks".into()));
        }
    }
    Ok(ids)
}

/// The Calls `ids` were posted to `channel`: their `channels` (calls.info)
/// list it, once.
pub(crate) fn list_channel(world: &mut World, ids: &[String], channel: &str) {
    for id in ids {
        if let Some(c) = world.slack_calls.get_mut(id)
            && let Some(list) = c.call["channels"].as_array_mut()
            && !list.iter().any(|x| x == channel)
        {
            list.push(json!(channel));
        }
    }
}

/// `functions.completeSuccess` (`outputs`) and `functions.completeError`
/// (`error`) (methods/functions.completeSuccess, …/functions.completeError;
/// "No scope required"): an execution this workspace's
/// `function_executed` named, else `function_execution_not_found`; one
/// already completed is `execution_not_in_running_state` ("The function
/// execution is no longer in a state to be completed"). A missing
/// `outputs` or `error` is `invalid_arguments` (the fake's reading; the
/// manifest's output schema, `parameter_validation_failed`, is not
/// modelled). The execution's workflow token dies with it (the fake's
/// reading of "valid for the execution").
pub(crate) fn functions_complete(
    world: &mut World,
    call: &Call,
    team: &str,
    success: bool,
) -> Outcome {
    let found = call
        .str("function_execution_id")
        .and_then(|id| world.executions.get(id))
        .filter(|e| e.team == team);
    let Some(execution) = found else {
        return Outcome::Err("function_execution_not_found".into());
    };
    if execution.outcome.is_some() {
        return Outcome::Err("execution_not_in_running_state".into());
    }
    let outcome = if success {
        match call.json("outputs") {
            Some(Ok(v @ Value::Object(_))) => json!({ "outputs": v }),
            _ => return invalid("[ERROR] missing required field: outputs"),
        }
    } else {
        match call.str("error") {
            Some(e) => json!({ "error": e }),
            None => return invalid("[ERROR] missing required field: error"),
        }
    };
    let id = call.str("function_execution_id").unwrap_or_default();
    let execution = world.executions.get_mut(id).expect("found above");
    execution.outcome = Some(outcome);
    let token = execution.token.clone();
    if let Some(t) = world.tokens.get_mut(&token) {
        t.revoked = true;
    }
    Outcome::Ok(json!({}))
}
