//! Slash commands and interactivity as Slack sends them: a signed form POST
//! to the app's Request URL, which must be acknowledged within 3 seconds.
//!
//! Slack waits for the acknowledgement and shows the person what came of
//! it: the app's answer (ephemeral unless it says `in_channel`), or an
//! error when the app was too slow or refused. Neither is retried (the
//! retry rules of https://docs.slack.dev/apis/events-api/ are the Events
//! API's; the slash-command and interactivity pages name none). Each run
//! is recorded: `commands.deliver` for a slash command,
//! `interactivity.deliver` for a `block_actions` payload, with `error:
//! "operation_timeout"` when the person saw the error.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Shared;
use crate::events::{sign, unix_now};
use crate::world::{RecordedCall, World, random_hex};

/// "This confirmation _must be_ received by Slack within 3000 milliseconds
/// of the original request being sent, otherwise an `operation_timeout`
/// error will be displayed to the user."
/// (https://docs.slack.dev/interactivity/implementing-slash-commands); for
/// interaction payloads, "This must be sent within 3 seconds of receiving
/// the payload" (https://docs.slack.dev/interactivity/handling-user-interaction).
pub const ACKNOWLEDGE_WITHIN: Duration = Duration::from_millis(3000);

/// What the person sees when the acknowledgement did not come: the slash
/// command page's name for it. The interactivity page only says the
/// person "will see an error message"; the fake uses the same word for
/// both so tests have one.
pub const OPERATION_TIMEOUT: &str = "operation_timeout";

/// A Request URL of the app and the secret Slack signs requests to it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTarget {
    pub url: String,
    pub signing_secret: String,
}

impl RequestTarget {
    pub fn new(url: &str, signing_secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            signing_secret: signing_secret.to_owned(),
        }
    }
}

/// How a slash command or an interaction went, as the person saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandOutcome {
    /// The app's HTTP status (0: no answer in time, or none at all).
    pub status: u16,
    pub elapsed_millis: u64,
    /// The app's answer: its JSON, or `{"text": …}` for a plain-text body;
    /// `None` for an empty acknowledgement or a failure.
    pub answer: Option<Value>,
    /// `operation_timeout` when the person saw an error.
    pub error: Option<String>,
    /// The request's `response_url` on this fake, and its last segment
    /// (for [`crate::FakeSlack::responses`]).
    pub response_url: String,
    pub response_id: String,
    pub trigger_id: String,
}

impl CommandOutcome {
    pub fn acknowledged(&self) -> bool {
        self.error.is_none()
    }

    /// "by default it is set to `ephemeral`, but you can specify a value of
    /// `in_channel`" (https://docs.slack.dev/interactivity/implementing-slash-commands).
    pub fn response_type(&self) -> Option<&str> {
        let answer = self.answer.as_ref()?;
        Some(answer["response_type"].as_str().unwrap_or("ephemeral"))
    }
}

/// A `block_actions` click on a button.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockAction {
    pub action_id: String,
    #[serde(default)]
    pub block_id: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// The message holding the button, if it is one of the fake's.
    #[serde(default)]
    pub message_ts: Option<String>,
}

/// Who acts where: checked against the world, as Slack only sends these
/// for its own people and conversations.
struct Place {
    team_domain: String,
    enterprise_id: Option<String>,
    enterprise_name: Option<String>,
    /// Reached through an org-wide install of the enterprise.
    org_install: bool,
    channel_name: String,
    user_name: String,
    message: Option<Value>,
}

fn place(
    w: &World,
    team: &str,
    channel: &str,
    user: &str,
    message_ts: Option<&str>,
) -> Result<Place, String> {
    let t = w.teams.get(team).ok_or("team_not_found")?;
    let u = t.user(user).ok_or("user_not_found")?;
    let ch = t.channels.get(channel).ok_or("channel_not_found")?;
    // A DM's `channel_name` is `directmessage` in captured real payloads;
    // the doc pages only show channels, so this is observed, not documented.
    let channel_name = match ch.is_im {
        true => "directmessage".to_owned(),
        false => ch.name.clone(),
    };
    // The message as conversations.history would show it, with its thread
    // fields: a message shortcut carries "the full structure of the
    // message" (reference/interaction-payloads/shortcuts).
    let message = message_ts.and_then(|ts| {
        ch.messages
            .iter()
            .find(|m| m.ts == ts)
            .map(|m| ch.message_json(m))
    });
    Ok(Place {
        team_domain: t.seed.domain.clone(),
        enterprise_id: t.seed.enterprise_id.clone(),
        enterprise_name: t
            .seed
            .enterprise_id
            .as_deref()
            .map(|e| w.enterprise_name(e)),
        org_install: w.org_install_of(team).is_some(),
        channel_name,
        user_name: u.name.clone(),
        message,
    })
}

/// A fresh `response_url` on this fake (`base_url`) for an interaction of
/// `user` in `channel` of `team`, remembered so that what the app posts to
/// it lands there (see [`crate::world::ResponseUrl`]); its id and URL.
fn new_response_url(
    shared: &Shared,
    base_url: &str,
    team: &str,
    channel: &str,
    user: &str,
) -> (String, String) {
    let id = random_hex(12);
    shared
        .lock()
        .register_response_url(&id, team, channel, user);
    let url = format!("{base_url}/response/{id}");
    (id, url)
}

/// `{digits}.{digits}.{hex}`, the shape of the `trigger_id` in the
/// payload example on https://docs.slack.dev/interactivity/implementing-slash-commands.
fn trigger_id() -> String {
    let n = |bytes| u64::from_str_radix(&random_hex(bytes), 16).unwrap_or(1);
    format!("{}.{}.{}", n(5), n(4), random_hex(16))
}

/// Runs `/command text` as `user` in `channel`: the form body of
/// https://docs.slack.dev/interactivity/implementing-slash-commands
/// ("Payload example"), signed, with a fresh `response_url` on this fake
/// (`base_url`) and a `trigger_id`.
pub(crate) async fn run_command(
    shared: &Shared,
    base_url: &str,
    team: &str,
    channel: &str,
    user: &str,
    command: &str,
    text: &str,
) -> Result<CommandOutcome, String> {
    let (target, p, app_id) = {
        let w = shared.lock();
        let target = w.commands.clone().ok_or("no_commands_target")?;
        (
            target,
            place(&w, team, channel, user, None)?,
            w.app.app_id.clone(),
        )
    };
    let (response_id, response_url) = new_response_url(shared, base_url, team, channel, user);
    let trigger = trigger_id();
    shared.lock().register_trigger(&trigger, team, user);
    // The serializer is not Send: done with before the request goes out.
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("token", "fake-verification-token")
            .append_pair("team_id", team)
            .append_pair("team_domain", &p.team_domain);
        // "We'll include `enterprise_id` and `enterprise_name` parameters on
        // command invocations when the executing workspace is part of an
        // Enterprise organization." (same page)
        if let (Some(e), Some(name)) = (&p.enterprise_id, &p.enterprise_name) {
            form.append_pair("enterprise_id", e)
                .append_pair("enterprise_name", name);
        }
        form.append_pair("channel_id", channel)
            .append_pair("channel_name", &p.channel_name)
            .append_pair("user_id", user)
            .append_pair("user_name", &p.user_name)
            .append_pair("command", command)
            .append_pair("text", text)
            .append_pair("api_app_id", &app_id)
            // A string in command payloads ("command payloads have this
            // property set as a string", bolt-js src/helpers.ts); `true`
            // when the app reaches the workspace through an org-wide
            // install. `team_id` stays the workspace where the command ran.
            .append_pair(
                "is_enterprise_install",
                if p.org_install { "true" } else { "false" },
            )
            .append_pair("response_url", &response_url)
            .append_pair("trigger_id", &trigger);
        form.finish()
    };
    let mut outcome = post(&target, body).await;
    outcome.response_url = response_url;
    outcome.response_id = response_id;
    outcome.trigger_id = trigger;
    record(
        shared,
        "commands.deliver",
        team,
        json!({"command": command, "text": text, "channel": channel, "user": user}),
        &outcome,
    );
    Ok(outcome)
}

/// `user` clicks a button in `channel`: a `block_actions` payload
/// (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload),
/// JSON in the form field `payload` ("The body of the request will contain
/// a `payload` parameter", https://docs.slack.dev/interactivity/handling-user-interaction),
/// signed, with a `response_url` and a `trigger_id`.
pub(crate) async fn run_block_action(
    shared: &Shared,
    base_url: &str,
    team: &str,
    channel: &str,
    user: &str,
    action: &BlockAction,
) -> Result<CommandOutcome, String> {
    let (target, p, app_id) = {
        let w = shared.lock();
        let target = w.interactivity.clone().ok_or("no_interactivity_target")?;
        let p = place(&w, team, channel, user, action.message_ts.as_deref())?;
        (target, p, w.app.app_id.clone())
    };
    let (response_id, response_url) = new_response_url(shared, base_url, team, channel, user);
    let trigger = trigger_id();
    shared.lock().register_trigger(&trigger, team, user);
    let action_ts = format!("{}.{:06}", unix_now(), 0);
    // Through an org-wide install the payload has `"team": null`,
    // `enterprise {id, name}`, `"is_enterprise_install": true`, and the
    // workspace only in `user.team_id` (bolt-python's org-install fixture,
    // tests/slack_bolt/request/test_request.py; "With org-wide
    // installations, payload.team in interactivity payloads can be None",
    // python-slack-sdk's `extract_team_id`).
    let team_object = if p.org_install {
        Value::Null
    } else {
        json!({"id": team, "domain": p.team_domain})
    };
    let mut payload = json!({
        "type": "block_actions",
        "user": {"id": user, "username": p.user_name, "name": p.user_name, "team_id": team},
        "api_app_id": app_id,
        "token": "fake-verification-token",
        "trigger_id": trigger,
        "team": team_object,
        "enterprise": p.enterprise_id.as_ref().zip(p.enterprise_name.as_ref())
            .map(|(e, name)| json!({"id": e, "name": name})),
        "is_enterprise_install": p.org_install,
        "channel": {"id": channel, "name": p.channel_name},
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action.action_id,
            "block_id": action.block_id.clone().unwrap_or_else(|| random_hex(3)),
            "text": {"type": "plain_text", "text": action.action_id},
            "value": action.value,
            "action_ts": action_ts,
        }],
    });
    if let Some(ts) = &action.message_ts {
        payload["container"] = json!({"type": "message", "message_ts": ts,
                                      "channel_id": channel, "is_ephemeral": false});
    }
    if let Some(m) = p.message {
        payload["message"] = m;
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    let mut outcome = post(&target, body).await;
    outcome.response_url = response_url;
    outcome.response_id = response_id;
    outcome.trigger_id = trigger;
    record(
        shared,
        "interactivity.deliver",
        team,
        json!({"action_id": action.action_id, "value": action.value,
               "channel": channel, "user": user}),
        &outcome,
    );
    Ok(outcome)
}

/// The `team`, `enterprise` and `is_enterprise_install` of an interaction
/// payload (see [`run_block_action`] for the org-wide form).
fn team_fields(p: &Place, team: &str) -> (Value, Value) {
    let team_object = if p.org_install {
        Value::Null
    } else {
        json!({"id": team, "domain": p.team_domain})
    };
    let enterprise = p
        .enterprise_id
        .as_ref()
        .zip(p.enterprise_name.as_ref())
        .map(|(e, name)| json!({"id": e, "name": name}))
        .unwrap_or(Value::Null);
    (team_object, enterprise)
}

/// `user` runs the global shortcut `callback_id`: a `shortcut` payload
/// ("Global shortcuts will return `shortcut`",
/// reference/interaction-payloads/shortcuts) with `callback_id`,
/// `trigger_id`, `user`, `team`, `token` and `action_ts` (bolt-js
/// `GlobalShortcut`); no channel and no `response_url` ("only be included
/// for message shortcuts", same page).
pub(crate) async fn run_shortcut(
    shared: &Shared,
    team: &str,
    user: &str,
    callback_id: &str,
) -> Result<CommandOutcome, String> {
    let (target, p, app_id) = {
        let w = shared.lock();
        let target = w.interactivity.clone().ok_or("no_interactivity_target")?;
        let t = w.teams.get(team).ok_or("team_not_found")?;
        // Any conversation serves `place`; a shortcut names none.
        let channel = t.channels.keys().next().cloned().unwrap_or_default();
        let p = match place(&w, team, &channel, user, None) {
            Err(e) if e == "channel_not_found" => return Err("no_channel_in_team".into()),
            other => other?,
        };
        (target, p, w.app.app_id.clone())
    };
    let trigger = trigger_id();
    shared.lock().register_trigger(&trigger, team, user);
    let (team_object, enterprise) = team_fields(&p, team);
    let payload = json!({
        "type": "shortcut",
        "token": "fake-verification-token",
        "action_ts": format!("{}.{:06}", unix_now(), 0),
        "team": team_object,
        "enterprise": enterprise,
        "is_enterprise_install": p.org_install,
        "user": {"id": user, "username": p.user_name, "team_id": team},
        "api_app_id": app_id,
        "callback_id": callback_id,
        "trigger_id": trigger,
    });
    let mut outcome = post(&target, form_payload(&payload)).await;
    outcome.trigger_id = trigger;
    record(
        shared,
        "interactivity.deliver",
        team,
        json!({"type": "shortcut", "callback_id": callback_id, "user": user}),
        &outcome,
    );
    Ok(outcome)
}

/// `user` runs the message shortcut `callback_id` on the message
/// `message_ts` in `channel`: a `message_action` payload ("message
/// shortcuts will return `message_action`",
/// reference/interaction-payloads/shortcuts) with the `message` ("the full
/// structure of the message"), `message_ts`, `channel {id, name}`, a
/// `response_url` and a `trigger_id` (bolt-js `MessageShortcut`).
pub(crate) async fn run_message_shortcut(
    shared: &Shared,
    base_url: &str,
    team: &str,
    channel: &str,
    user: &str,
    message_ts: &str,
    callback_id: &str,
) -> Result<CommandOutcome, String> {
    let (target, p, app_id) = {
        let w = shared.lock();
        let target = w.interactivity.clone().ok_or("no_interactivity_target")?;
        let p = place(&w, team, channel, user, Some(message_ts))?;
        (target, p, w.app.app_id.clone())
    };
    let message = p.message.clone().ok_or("message_not_found")?;
    let (response_id, response_url) = new_response_url(shared, base_url, team, channel, user);
    let trigger = trigger_id();
    shared.lock().register_trigger(&trigger, team, user);
    let (team_object, enterprise) = team_fields(&p, team);
    let payload = json!({
        "type": "message_action",
        "token": "fake-verification-token",
        "action_ts": format!("{}.{:06}", unix_now(), 0),
        "team": team_object,
        "enterprise": enterprise,
        "is_enterprise_install": p.org_install,
        "user": {"id": user, "name": p.user_name, "username": p.user_name, "team_id": team},
        "channel": {"id": channel, "name": p.channel_name},
        "api_app_id": app_id,
        "callback_id": callback_id,
        "trigger_id": trigger,
        "message_ts": message_ts,
        "message": message,
        "response_url": response_url,
    });
    let mut outcome = post(&target, form_payload(&payload)).await;
    outcome.response_url = response_url;
    outcome.response_id = response_id;
    outcome.trigger_id = trigger;
    record(
        shared,
        "interactivity.deliver",
        team,
        json!({"type": "message_action", "callback_id": callback_id,
               "channel": channel, "user": user, "message_ts": message_ts}),
        &outcome,
    );
    Ok(outcome)
}

/// How a modal submission went, as the person saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitOutcome {
    /// The app's HTTP status (0: no answer in time, or none at all).
    pub status: u16,
    pub elapsed_millis: u64,
    /// The app's answer, `None` for an empty acknowledgement or a failure.
    pub answer: Option<Value>,
    /// `operation_timeout` when the person saw an error (the view stays).
    pub error: Option<String>,
    /// The app's `response_action`, if it gave one.
    pub response_action: Option<String>,
    /// The `errors` shown under the input blocks, by `block_id`
    /// (`response_action: "errors"`).
    pub errors: Option<Value>,
    /// The view on top after the answer; `None`: the modal is closed.
    pub view: Option<Value>,
    pub trigger_id: String,
}

impl SubmitOutcome {
    pub fn closed(&self) -> bool {
        self.view.is_none()
    }
}

/// `user` submits their open modal with `values` as `state.values`: a
/// `view_submission` payload (reference/interaction-payloads/view-interactions-payload:
/// `type`, `team`, `user`, `view` with its `callback_id`,
/// `private_metadata`, `hash` and `state.values` keyed by block and
/// action, `api_app_id`, `trigger_id`, `response_urls`), and what the app
/// answered within 3 seconds does to the modal
/// (surfaces/modals, "Responding to view submissions"; java-slack-sdk's
/// modals guide): an empty 200 closes the current view ("Sending an empty
/// body means closing only the modal"); `response_action` `errors` keeps
/// it open with `errors` by `block_id`; `update` replaces it with `view`;
/// `push` stacks `view` on it; `clear` "closes all views". No answer in
/// time or not 2xx: the person sees an error and the view stays. A JSON
/// answer without a known `response_action` closes the view, as an empty
/// one (the fake's reading). A `view` in an `update`/`push` answer that
/// breaks the modal rules, or a `push` onto a full stack, leaves the view
/// as it was and is reported as `invalid_response_action` (the fake's
/// word). Recorded as `interactivity.deliver`.
pub(crate) async fn submit_view(
    shared: &Shared,
    team: &str,
    user: &str,
    values: Value,
) -> Result<SubmitOutcome, String> {
    let (target, p, app_id, view) = {
        let mut w = shared.lock();
        let target = w.interactivity.clone().ok_or("no_interactivity_target")?;
        let t = w.teams.get(team).ok_or("team_not_found")?;
        let channel = t.channels.keys().next().cloned().unwrap_or_default();
        let p = place(&w, team, &channel, user, None)?;
        let top = w
            .teams
            .get_mut(team)
            .and_then(|t| t.modals.get_mut(user))
            .and_then(|stack| stack.last_mut())
            .ok_or("no_open_view")?;
        top["state"] = json!({ "values": values });
        let view = top.clone();
        (target, p, w.app.app_id.clone(), view)
    };
    let trigger = trigger_id();
    shared.lock().register_trigger(&trigger, team, user);
    let (team_object, enterprise) = team_fields(&p, team);
    let payload = json!({
        "type": "view_submission",
        "token": "fake-verification-token",
        "team": team_object,
        "enterprise": enterprise,
        "is_enterprise_install": p.org_install,
        "user": {"id": user, "username": p.user_name, "name": p.user_name, "team_id": team},
        "api_app_id": app_id,
        "trigger_id": trigger,
        "view": view,
        "response_urls": [],
    });
    let sent = post(&target, form_payload(&payload)).await;
    let mut outcome = SubmitOutcome {
        status: sent.status,
        elapsed_millis: sent.elapsed_millis,
        answer: sent.answer.clone(),
        error: sent.error.clone(),
        response_action: None,
        errors: None,
        view: Some(view.clone()),
        trigger_id: trigger,
    };
    if sent.error.is_none() {
        let mut w = shared.lock();
        apply_submission_answer(&mut w, team, user, &mut outcome);
        outcome.view = w
            .teams
            .get(team)
            .and_then(|t| t.modals.get(user))
            .and_then(|s| s.last())
            .cloned();
    }
    let params = json!({"type": "view_submission", "user": user,
        "callback_id": view["callback_id"], "view_id": view["id"],
        "trigger_id": outcome.trigger_id, "answer": outcome.answer,
        "response_action": outcome.response_action, "errors": outcome.errors,
        "elapsed_millis": outcome.elapsed_millis});
    shared.lock().record(RecordedCall {
        seq: 0,
        method: "interactivity.deliver".into(),
        at_millis: 0,
        team: Some(team.to_owned()),
        auth: "none".into(),
        params,
        status: outcome.status,
        error: outcome.error.clone(),
        retry_after: None,
    });
    Ok(outcome)
}

/// What came of a person closing their modal ([`close_view`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseOutcome {
    /// The views that closed, root first (the whole stack).
    pub closed: Vec<Value>,
    /// `is_cleared` as a `view_closed` payload would say it: `true` when
    /// views beneath the one on top closed with it.
    pub is_cleared: bool,
    /// The `view_closed` delivery and how the app answered it; `None` when
    /// the view on top did not ask for one (`notify_on_close` false).
    pub delivery: Option<CommandOutcome>,
}

/// `user` dismisses their open modal with its _x_ button ("an _x_ button to
/// dismiss the modal", surfaces/modals): the whole modal closes, every view
/// of its stack, whatever the app answers (the person does not wait for
/// it; the fake's reading, as no `response_action` applies to a close).
/// When the view on top was made with `notify_on_close` ("Indicates whether
/// Slack will send your request URL a `view_closed` event when a user
/// clicks the close button", reference/views/modal-views), a `view_closed`
/// payload goes to the interactivity Request URL, signed, as
/// reference/interaction-payloads/view-interactions-payload describes it
/// ("Optionally sent to an app's configured Request URL when a user
/// dismisses a modal. To receive these payloads, the modal view must have
/// been created with the `notify_on_close` argument set to `true`"): `type`,
/// `team`, `user`, `view` ("The source modal view that the user
/// dismissed"), `api_app_id`, `is_cleared` ("whether or not a whole view
/// stack was cleared"), and the `token`, `enterprise`,
/// `is_enterprise_install` of every interaction payload. `is_cleared` is
/// `true` when the stack held more than the view on top: the page's
/// example, one view dismissed, says `false` (the fake's reading). Only
/// the top view's `notify_on_close` counts, one payload for the close (the
/// fake's reading). The Cancel button of a pushed view, which without
/// `clear_on_close` goes back one view ("When set to `true`, clicking on
/// the close button will clear all views in a modal and close it",
/// modal-views), is not modelled. Recorded as `interactivity.deliver`
/// when a payload was sent.
pub(crate) async fn close_view(
    shared: &Shared,
    team: &str,
    user: &str,
) -> Result<CloseOutcome, String> {
    let (notify, closed) = {
        let mut w = shared.lock();
        let t = w.teams.get(team).ok_or("team_not_found")?;
        let top = t
            .modals
            .get(user)
            .and_then(|s| s.last())
            .ok_or("no_open_view")?;
        let notify = if top["notify_on_close"] == true {
            let target = w.interactivity.clone().ok_or("no_interactivity_target")?;
            let channel = t.channels.keys().next().cloned().unwrap_or_default();
            let p = place(&w, team, &channel, user, None)?;
            Some((target, p, w.app.app_id.clone()))
        } else {
            None
        };
        let closed = w
            .teams
            .get_mut(team)
            .and_then(|t| t.modals.remove(user))
            .unwrap_or_default();
        (notify, closed)
    };
    let is_cleared = closed.len() > 1;
    let mut outcome = CloseOutcome {
        closed,
        is_cleared,
        delivery: None,
    };
    let Some((target, p, app_id)) = notify else {
        return Ok(outcome);
    };
    let view = outcome.closed.last().cloned().unwrap_or_default();
    let (team_object, enterprise) = team_fields(&p, team);
    let payload = json!({
        "type": "view_closed",
        "token": "fake-verification-token",
        "team": team_object,
        "enterprise": enterprise,
        "is_enterprise_install": p.org_install,
        "user": {"id": user, "username": p.user_name, "name": p.user_name, "team_id": team},
        "api_app_id": app_id,
        "view": view,
        "is_cleared": is_cleared,
    });
    let sent = post(&target, form_payload(&payload)).await;
    record(
        shared,
        "interactivity.deliver",
        team,
        json!({"type": "view_closed", "user": user, "callback_id": view["callback_id"],
               "view_id": view["id"], "is_cleared": is_cleared}),
        &sent,
    );
    outcome.delivery = Some(sent);
    Ok(outcome)
}

fn apply_submission_answer(w: &mut World, team: &str, user: &str, outcome: &mut SubmitOutcome) {
    let answer = outcome.answer.clone().unwrap_or(Value::Null);
    let action = answer["response_action"].as_str().map(str::to_owned);
    outcome.response_action = action.clone();
    let stack_len = w.teams[team].modals.get(user).map_or(0, Vec::len);
    let new_view = |w: &World, id: &str, previous: Option<&str>| {
        crate::native::check_view(answer["view"].clone())
            .ok()
            .map(|v| {
                let root = w.teams[team].modals[user][0]["id"]
                    .as_str()
                    .unwrap_or(id)
                    .to_owned();
                crate::native::stored(w, team, v, id, &root, previous)
            })
    };
    match action.as_deref() {
        Some("errors") => outcome.errors = Some(answer["errors"].clone()),
        Some("update") => {
            let top = &w.teams[team].modals[user][stack_len - 1];
            let id = top["id"].as_str().unwrap_or_default().to_owned();
            let previous = top["previous_view_id"].as_str().map(str::to_owned);
            match new_view(w, &id, previous.as_deref()) {
                Some(v) => {
                    let stack = w.teams.get_mut(team).and_then(|t| t.modals.get_mut(user));
                    if let Some(top) = stack.and_then(|s| s.last_mut()) {
                        *top = v;
                    }
                }
                None => outcome.error = Some("invalid_response_action".into()),
            }
        }
        Some("push") => {
            let previous = w.teams[team].modals[user][stack_len - 1]["id"]
                .as_str()
                .map(str::to_owned);
            let id = crate::native::view_id();
            match new_view(w, &id, previous.as_deref()) {
                Some(v) if stack_len < crate::native::PUSH_LIMIT => {
                    if let Some(s) = w.teams.get_mut(team).and_then(|t| t.modals.get_mut(user)) {
                        s.push(v);
                    }
                }
                _ => outcome.error = Some("invalid_response_action".into()),
            }
        }
        Some("clear") => {
            if let Some(t) = w.teams.get_mut(team) {
                t.modals.remove(user);
            }
        }
        _ => {
            if let Some(t) = w.teams.get_mut(team) {
                let empty = t.modals.get_mut(user).is_some_and(|s| {
                    s.pop();
                    s.is_empty()
                });
                if empty {
                    t.modals.remove(user);
                }
            }
        }
    }
}

/// An interaction payload as Slack posts it: JSON in the form field
/// `payload` (interactivity/handling-user-interaction).
fn form_payload(payload: &Value) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

/// POSTs a form body, signed as Slack signs
/// (https://docs.slack.dev/authentication/verifying-requests-from-slack),
/// and waits at most [`ACKNOWLEDGE_WITHIN`] for the acknowledgement.
async fn post(target: &RequestTarget, body: String) -> CommandOutcome {
    let ts = unix_now();
    let started = Instant::now();
    let sent = reqwest::Client::new()
        .post(&target.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header(
            "x-slack-signature",
            sign(&target.signing_secret, &ts, body.as_bytes()),
        )
        // Slack's user agent as captured requests show it (not documented).
        .header("user-agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
        .timeout(ACKNOWLEDGE_WITHIN)
        .body(body)
        .send()
        .await;
    let mut outcome = CommandOutcome {
        status: 0,
        elapsed_millis: 0,
        answer: None,
        error: Some(OPERATION_TIMEOUT.into()),
        response_url: String::new(),
        response_id: String::new(),
        trigger_id: String::new(),
    };
    if let Ok(resp) = sent {
        outcome.status = resp.status().as_u16();
        let json = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        // Anything but 2xx is no acknowledgement: "If you don't do this, the
        // user will be shown an error message that indicates that the
        // slash command didn't work" (implementing-slash-commands). The
        // timeout covers the body too: the acknowledgement is the whole
        // answer.
        let ok = resp.status().is_success();
        if let (true, Ok(text)) = (ok, resp.text().await) {
            outcome.error = None;
            // "You can include this message either as plain text in the
            // response body … Or as a JSON payload in the response body,
            // with a `Content-type` header of `application/json`"; an empty
            // 200 only confirms receipt
            // (https://docs.slack.dev/interactivity/implementing-slash-commands).
            outcome.answer = match (text.trim().is_empty(), json) {
                (true, _) => None,
                (false, true) => serde_json::from_str(&text).ok(),
                (false, false) => Some(json!({ "text": text })),
            };
        }
    }
    outcome.elapsed_millis = started.elapsed().as_millis() as u64;
    outcome
}

fn record(shared: &Shared, method: &str, team: &str, mut params: Value, outcome: &CommandOutcome) {
    params["response_id"] = json!(outcome.response_id);
    params["trigger_id"] = json!(outcome.trigger_id);
    params["response_type"] = json!(outcome.response_type());
    params["answer"] = json!(outcome.answer);
    params["elapsed_millis"] = json!(outcome.elapsed_millis);
    shared.lock().record(RecordedCall {
        seq: 0,
        method: method.into(),
        at_millis: 0,
        team: Some(team.to_owned()),
        auth: "none".into(),
        params,
        status: outcome.status,
        error: outcome.error.clone(),
        retry_after: None,
    });
}
