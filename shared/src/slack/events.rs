//! Events API payloads.
//!
//! Parsing is two-step so that nothing Slack adds can fail a request: the
//! envelope is read with the inner `event` kept as raw JSON, then the event is
//! matched against the types we act on. A new envelope type, a new event type,
//! or a known type with a shape we do not understand all end up as
//! "acknowledge and do nothing", never as an error. Unknown fields are
//! ignored everywhere.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{AppId, ChannelId, EnterpriseId, EventId, MessageTs, TeamId, UserId};
use crate::store::chat::SharedFile;
use crate::store::directory::Person;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Envelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback(Box<EventCallback>),
    /// Slack stopped delivering for a minute (over 30,000 events per hour).
    AppRateLimited {
        team_id: Option<String>,
        minute_rate_limited: Option<i64>,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub struct EventCallback {
    /// The workspace where it happened; absent (or null) for an
    /// organisation's own events (`team_access_granted`; bolt-python's org
    /// fixtures): see [`EventCallback::team`].
    #[serde(default)]
    pub team_id: Option<TeamId>,
    pub api_app_id: Option<AppId>,
    pub event_id: EventId,
    pub event_time: i64,
    pub event: Value,
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
    #[serde(default)]
    pub is_ext_shared_channel: bool,
    pub enterprise_id: Option<EnterpriseId>,
    pub context_team_id: Option<TeamId>,
    pub context_enterprise_id: Option<EnterpriseId>,
}

impl EventCallback {
    /// The key an event's job is filed under: the workspace where it
    /// happened (`team_id`, else the authorization's, else
    /// `context_team_id`), or, for an organisation's own events that name
    /// no workspace, the organisation (`enterprise_id`).
    pub fn team(&self) -> Option<TeamId> {
        self.team_id
            .clone()
            .or_else(|| self.authorizations.first().and_then(|a| a.team_id.clone()))
            .or_else(|| self.context_team_id.clone())
            .or_else(|| self.enterprise().and_then(|e| TeamId::new(e.as_str()).ok()))
    }

    /// The organisation it came from, wherever the callback names it: the
    /// envelope, its context, or the authorization.
    pub fn enterprise(&self) -> Option<EnterpriseId> {
        self.enterprise_id
            .clone()
            .or_else(|| self.context_enterprise_id.clone())
            .or_else(|| {
                self.authorizations
                    .first()
                    .and_then(|a| a.enterprise_id.clone())
            })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Authorization {
    pub enterprise_id: Option<EnterpriseId>,
    pub team_id: Option<TeamId>,
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// A person as a `team_join` or `user_change` job carries them: read once
/// from Slack's user object into the directory's shape, but its own type,
/// so that a change to the stored [`Person`] cannot change the job format
/// by accident. Field for field what version 1 has always carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPerson {
    pub id: UserId,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub real_name: String,
    pub avatar: Option<String>,
    pub email: Option<String>,
    pub deleted: bool,
    pub is_bot: bool,
    pub tz: Option<String>,
    pub updated: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
}

impl From<Person> for EventPerson {
    fn from(p: Person) -> Self {
        Self {
            id: p.id,
            name: p.name,
            display_name: p.display_name,
            real_name: p.real_name,
            avatar: p.avatar,
            email: p.email,
            deleted: p.deleted,
            is_bot: p.is_bot,
            tz: p.tz,
            updated: p.updated,
            home_team: p.home_team,
            enterprise_id: p.enterprise_id,
        }
    }
}

impl From<EventPerson> for Person {
    fn from(p: EventPerson) -> Self {
        Self {
            id: p.id,
            name: p.name,
            display_name: p.display_name,
            real_name: p.real_name,
            avatar: p.avatar,
            email: p.email,
            deleted: p.deleted,
            is_bot: p.is_bot,
            tz: p.tz,
            updated: p.updated,
            home_team: p.home_team,
            enterprise_id: p.enterprise_id,
            // Profile events carry no locale; the stored one stays.
            locale: None,
        }
    }
}

/// The events hallway acts on. Each variant is handled by the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SlackEvent {
    /// The app was removed from the workspace: every token is gone.
    AppUninstalled {},
    /// Some tokens were revoked. The lists hold user ids, not tokens.
    TokensRevoked { tokens: RevokedTokens },
    /// Someone joined the workspace. Carries the person as read from
    /// Slack's user object (see [`parse_event`]).
    TeamJoin { user: EventPerson },
    /// Someone's profile changed (or they were deactivated).
    UserChange { user: EventPerson },
    /// A new message in a DM (`message.im`) or in a channel the bot is in
    /// (`message.channels`, `message.groups`).
    Message(NewMessage),
    /// A message was edited (`message` with subtype `message_changed`).
    MessageChanged {
        channel: ChannelId,
        ts: MessageTs,
        text: String,
        edited_ts: MessageTs,
        via: Via,
    },
    /// A message was deleted (subtype `message_deleted`).
    MessageDeleted {
        channel: ChannelId,
        ts: MessageTs,
        via: Via,
    },
    /// Links to our domain were shared (or typed into the composer).
    LinkShared(LinkShared),
    /// Someone joined a channel the bot is in (also sent for the channel's
    /// creator, and for the bot itself).
    MemberJoinedChannel {
        user: UserId,
        channel: ChannelId,
        inviter: Option<UserId>,
    },
    /// A channel was renamed; private channels send `group_rename`, same
    /// shape.
    #[serde(alias = "group_rename")]
    ChannelRename { channel: RenamedChannel },
    /// A private channel's id changed (`G…` → `C…`) when a Slack Connect
    /// share began (docs.slack.dev/reference/events/channel_id_changed).
    ChannelIdChanged {
        old_channel_id: ChannelId,
        new_channel_id: ChannelId,
    },
    /// Someone opened the app's Home (or Messages) tab; sent on every open.
    AppHomeOpened {
        user: UserId,
        #[serde(default)]
        tab: Option<String>,
    },
    /// A channel was archived; private channels send `group_archive`, same
    /// shape (events/channel_archive, events/group_archive).
    #[serde(alias = "group_archive")]
    ChannelArchive {
        channel: ChannelId,
        #[serde(default)]
        user: Option<UserId>,
    },
    /// A channel was deleted; private channels send `group_deleted`
    /// (events/channel_deleted, events/group_deleted).
    #[serde(alias = "group_deleted")]
    ChannelDeleted { channel: ChannelId },
    /// The app's bot user was removed from a channel; private channels send
    /// `group_left` (events/channel_left, events/group_left).
    #[serde(alias = "group_left")]
    ChannelLeft {
        channel: ChannelId,
        #[serde(default)]
        actor_id: Option<UserId>,
    },
    /// Someone left (or was removed from) a channel the bot is in
    /// (events/member_left_channel).
    MemberLeftChannel { user: UserId, channel: ChannelId },
    /// An organisation-wide install was given workspaces
    /// (events/team_access_granted: "when your token is given access to a
    /// new workspace").
    TeamAccessGranted { team_ids: Vec<TeamId> },
    /// An organisation-wide install was taken out of workspaces
    /// (events/team_access_revoked).
    TeamAccessRevoked { team_ids: Vec<TeamId> },
    /// A workflow ran one of the app's custom steps
    /// (events/function_executed).
    FunctionExecuted(FunctionExecuted),
}

/// `function_executed` (docs.slack.dev/reference/events/function_executed):
/// the step's `callback_id`, its `inputs` keyed by input parameter name,
/// the execution to complete, and a just-in-time workflow token
/// (`bot_access_token`) that completes it. The token is sealed
/// ([`FunctionExecuted::seal`]) before the event is queued: a queue message
/// never holds it in the clear, and it is never serialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionExecuted {
    pub function: ExecutedFunction,
    #[serde(default)]
    pub inputs: Value,
    pub function_execution_id: String,
    #[serde(default)]
    pub workflow_execution_id: Option<String>,
    #[serde(default, skip_serializing)]
    bot_access_token: Option<crate::secrets::Secret>,
    /// The workflow token, sealed for the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutedFunction {
    pub callback_id: String,
}

impl FunctionExecuted {
    /// What a workflow token is sealed against: its execution.
    pub fn token_context(execution_id: &str) -> String {
        format!("function:{execution_id}")
    }

    fn context(&self) -> String {
        Self::token_context(&self.function_execution_id)
    }

    /// Seals the workflow token (the event's clear copy is dropped).
    pub fn seal(
        &mut self,
        cipher: &crate::crypto::TokenCipher,
    ) -> Result<(), crate::crypto::CryptoError> {
        if let Some(token) = self.bot_access_token.take() {
            self.sealed_token = Some(cipher.seal(&token, &self.context())?);
        }
        Ok(())
    }

    /// The workflow token, `None` when the event carried none.
    pub fn token(
        &self,
        cipher: &crate::crypto::TokenCipher,
    ) -> Result<Option<crate::secrets::Secret>, crate::crypto::CryptoError> {
        self.sealed_token
            .as_deref()
            .map(|sealed| cipher.open(sealed, &self.context()))
            .transpose()
    }
}

/// Where a message was posted: an event's `channel_type`
/// (events/message.im, …/message.channels, …/message.groups).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelType {
    /// A DM; what jobs written before channel chat carry (no field).
    #[default]
    Im,
    /// A public channel.
    Channel,
    /// A private channel.
    Group,
    /// A group DM (not bridged).
    Mpim,
    #[serde(other)]
    Unknown,
}

impl ChannelType {
    /// The event's `channel_type`; without one, a `D…` id is a DM and any
    /// other a channel, whose bridge (or none) the worker finds by id.
    pub fn of(channel_type: Option<&str>, channel: &ChannelId) -> Self {
        match channel_type {
            Some("im") => Self::Im,
            Some("channel") => Self::Channel,
            Some("group") => Self::Group,
            Some("mpim") => Self::Mpim,
            Some(_) => Self::Unknown,
            None if channel.as_str().starts_with('D') => Self::Im,
            None => Self::Channel,
        }
    }

    pub fn is_dm(self) -> bool {
        self == Self::Im
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamedChannel {
    pub id: ChannelId,
    pub name: String,
}

/// `link_shared`: answered with `chat.unfurl`, addressed by `unfurl_id` and
/// `source` when Slack sent them (the composer has no message yet), else
/// by `channel` and `message_ts` (Enterprise Grid sends no `unfurl_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkShared {
    /// A conversation id, or `COMPOSER` while the message is being written.
    pub channel: String,
    pub user: Option<UserId>,
    pub message_ts: Option<String>,
    #[serde(default)]
    pub links: Vec<SharedLink>,
    pub unfurl_id: Option<String>,
    pub source: Option<String>,
    /// The sharer's locale, "that you can use when supplying blocks … in
    /// the chat.unfurl API method" (events/link_shared).
    #[serde(default)]
    pub user_locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedLink {
    #[serde(default)]
    pub domain: String,
    pub url: String,
}

/// Whose subscription delivered an event: the app's bot, or a linked
/// person's user token (`authorizations[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "user")]
pub enum Via {
    Bot,
    User(UserId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub channel: ChannelId,
    /// A DM or a channel (absent in jobs written before channel chat: a DM).
    #[serde(default)]
    pub channel_type: ChannelType,
    /// The author.
    pub user: UserId,
    pub text: String,
    pub ts: MessageTs,
    /// The thread's parent: a reply (or a `thread_broadcast`).
    pub thread_ts: Option<MessageTs>,
    /// One of the installations that can see it (not which member is the
    /// app: see the worker's chat module).
    pub via: Via,
    /// Files shared with it (`file_share`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SharedFile>,
    /// A thread reply also sent to the conversation (`thread_broadcast`).
    #[serde(default)]
    pub broadcast: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedTokens {
    /// Users whose user tokens were revoked.
    #[serde(default)]
    pub oauth: Vec<UserId>,
    /// Bot users whose bot tokens were revoked.
    #[serde(default)]
    pub bot: Vec<UserId>,
}

/// What the inner event turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Known(SlackEvent),
    /// A type we do not act on (yet).
    Unknown {
        event_type: String,
    },
    /// A type we act on, with a shape we could not read.
    Malformed {
        event_type: String,
        reason: String,
    },
    /// A type we act on, deliberately left alone: a bot's message (ours
    /// included), a subtype we do not bridge, a message outside DMs.
    Skipped {
        event_type: String,
        why: &'static str,
    },
}

/// The event types [`parse_event`] turns into [`SlackEvent`]s; the
/// manifest subscribes to exactly these (`message` as `message.im`).
pub const KNOWN_TYPES: &[&str] = &[
    "app_uninstalled",
    "tokens_revoked",
    "team_join",
    "user_change",
    "message",
    "link_shared",
    "member_joined_channel",
    "channel_rename",
    "group_rename",
    "channel_id_changed",
    "app_home_opened",
    "channel_archive",
    "group_archive",
    "channel_deleted",
    "group_deleted",
    "channel_left",
    "group_left",
    "member_left_channel",
    "team_access_granted",
    "team_access_revoked",
    "function_executed",
];

/// Reads a callback's event, with what the envelope says about who
/// received it (`authorizations`), which DMs need.
pub fn parse_callback(callback: &EventCallback) -> Parsed {
    if callback.event.get("type").and_then(Value::as_str) == Some("message") {
        return parse_message(&callback.event, &callback.authorizations);
    }
    parse_event(&callback.event)
}

#[derive(Deserialize)]
struct RawMessage {
    channel: ChannelId,
    #[serde(default)]
    channel_type: Option<String>,
    user: Option<UserId>,
    #[serde(default)]
    text: String,
    ts: MessageTs,
    thread_ts: Option<MessageTs>,
    #[serde(default)]
    files: Vec<Value>,
}

#[derive(Deserialize)]
struct RawChanged {
    channel: ChannelId,
    message: ChangedInner,
}

#[derive(Deserialize)]
struct ChangedInner {
    ts: MessageTs,
    #[serde(default)]
    text: String,
    edited: Option<Edited>,
    #[serde(default)]
    files: Vec<Value>,
}

#[derive(Deserialize)]
struct Edited {
    ts: MessageTs,
}

#[derive(Deserialize)]
struct RawDeleted {
    channel: ChannelId,
    deleted_ts: MessageTs,
}

/// Loop avoidance first (Slack's own advice, as Bolt does it): anything
/// with a `bot_id` and anything our bot user wrote is skipped, so the app
/// never reacts to itself. Of the subtypes, those that carry a person's
/// words are bridged — none (plain, thread replies with `thread_ts`),
/// `file_share` (with `files`), `thread_broadcast` — plus edits and
/// deletions (docs.slack.dev/reference/events/message and its subtype
/// pages); joins, topics and the rest are skipped. DMs and channels
/// (public and private) are read; group DMs are not bridged.
fn parse_message(event: &Value, authorizations: &[Authorization]) -> Parsed {
    let skipped = |why| Parsed::Skipped {
        event_type: "message".into(),
        why,
    };
    let has = |v: &Value, field: &str| v.get(field).is_some_and(|f| !f.is_null());
    let via = match authorizations.first() {
        Some(Authorization {
            is_bot: false,
            user_id: Some(user),
            ..
        }) => Via::User(user.clone()),
        _ => Via::Bot,
    };
    let bots: Vec<&str> = authorizations
        .iter()
        .filter(|a| a.is_bot)
        .filter_map(|a| a.user_id.as_ref().map(UserId::as_str))
        .collect();
    if has(event, "bot_id") {
        return skipped("a bot's message");
    }
    let channel_type = event.get("channel_type").and_then(Value::as_str);
    match channel_type {
        None | Some("im" | "channel" | "group") => {}
        Some("mpim") => return skipped("a group DM"),
        Some(_) => return skipped("a conversation type hallway does not bridge"),
    }
    let malformed = |e: serde_json::Error| Parsed::Malformed {
        event_type: "message".into(),
        reason: e.to_string(),
    };
    match event.get("subtype").and_then(Value::as_str) {
        subtype @ (None | Some("file_share" | "thread_broadcast")) => {
            let raw: RawMessage = match RawMessage::deserialize(event) {
                Ok(r) => r,
                Err(e) => return malformed(e),
            };
            let Some(user) = raw.user else {
                return skipped("a message without an author");
            };
            if bots.contains(&user.as_str()) {
                return skipped("our own bot's message");
            }
            Parsed::Known(SlackEvent::Message(NewMessage {
                channel_type: ChannelType::of(raw.channel_type.as_deref(), &raw.channel),
                channel: raw.channel,
                user,
                text: raw.text,
                ts: raw.ts,
                thread_ts: raw.thread_ts,
                via,
                files: raw
                    .files
                    .iter()
                    .filter_map(SharedFile::from_slack)
                    .collect(),
                broadcast: subtype == Some("thread_broadcast"),
            }))
        }
        Some("message_changed") => {
            let inner = event.get("message").unwrap_or(&Value::Null);
            if has(inner, "bot_id") || has(inner, "subtype") {
                return skipped("an edit of a bot's message");
            }
            if inner
                .get("user")
                .and_then(Value::as_str)
                .is_some_and(|u| bots.contains(&u))
            {
                return skipped("an edit of our own bot's message");
            }
            let raw: RawChanged = match RawChanged::deserialize(event) {
                Ok(r) => r,
                Err(e) => return malformed(e),
            };
            let Some(edited) = raw.message.edited else {
                // Unfurls and attachments change a message without an edit.
                return skipped("a change that is not an edit");
            };
            // Slack also sends `message_changed` when it attaches an unfurl
            // to a message that was edited before: same text, same edit
            // (slackhq/slack-api-docs#27; the event page does not say).
            let previous = event.get("previous_message").unwrap_or(&Value::Null);
            let same_edit =
                previous.pointer("/edited/ts").and_then(Value::as_str) == Some(edited.ts.as_str());
            let same_text =
                previous.get("text").and_then(Value::as_str) == Some(raw.message.text.as_str());
            let same_files = previous
                .get("files")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
                == raw.message.files.len();
            if same_edit && same_text && same_files {
                return skipped("a change that only adds an unfurl");
            }
            Parsed::Known(SlackEvent::MessageChanged {
                channel: raw.channel,
                ts: raw.message.ts,
                text: raw.message.text,
                edited_ts: edited.ts,
                via,
            })
        }
        Some("message_deleted") => {
            let previous = event.get("previous_message").unwrap_or(&Value::Null);
            if has(previous, "bot_id") {
                return skipped("a bot's message deleted");
            }
            match RawDeleted::deserialize(event) {
                Ok(raw) => Parsed::Known(SlackEvent::MessageDeleted {
                    channel: raw.channel,
                    ts: raw.deleted_ts,
                    via,
                }),
                Err(e) => malformed(e),
            }
        }
        Some(_) => skipped("a message subtype hallway does not bridge"),
    }
}

pub fn parse_event(event: &Value) -> Parsed {
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !KNOWN_TYPES.contains(&event_type.as_str()) {
        return Parsed::Unknown { event_type };
    }
    let parsed = match event_type.as_str() {
        "message" => return parse_message(event, &[]),
        // Slack's user object is read into our own record here, once; the
        // job then carries the record.
        "team_join" | "user_change" => {
            match Person::from_slack_json(event.get("user").unwrap_or(&Value::Null)) {
                Ok(user) if event_type == "team_join" => {
                    Ok(SlackEvent::TeamJoin { user: user.into() })
                }
                Ok(user) => Ok(SlackEvent::UserChange { user: user.into() }),
                Err(e) => Err(e),
            }
        }
        _ => SlackEvent::deserialize(event).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(known) => Parsed::Known(known),
        Err(reason) => Parsed::Malformed { event_type, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_steps_workflow_token_is_sealed_and_never_serialised_in_the_clear() {
        // The docs' example event (events/function_executed), trimmed.
        let raw = json!({
            "type": "function_executed",
            "function": {"id": "Fn123456789O", "callback_id": "invite_to_room", "title": "Invite", "type": "app"},
            "inputs": {"people": ["U1"], "room": "Kitchen"},
            "function_execution_id": "Fx1234567O9L",
            "workflow_execution_id": "WxABC123DEF0",
            "event_ts": "1698958075.998738",
            "bot_access_token": "xwfp-clear-token"
        });
        let Parsed::Known(SlackEvent::FunctionExecuted(mut f)) = parse_event(&raw) else {
            panic!("not read as function_executed");
        };
        assert_eq!(f.function.callback_id, "invite_to_room");
        assert_eq!(f.inputs["room"], "Kitchen");
        let key = crate::secrets::Secret::new(crate::crypto::TokenCipher::generate_key().unwrap());
        let cipher = crate::crypto::TokenCipher::from_secret(&key).unwrap();
        // Even unsealed, serialising leaves the token out.
        assert!(!serde_json::to_string(&f).unwrap().contains("xwfp"));
        f.seal(&cipher).unwrap();
        let queued = serde_json::to_string(&SlackEvent::FunctionExecuted(f.clone())).unwrap();
        assert!(!queued.contains("xwfp-clear-token"), "{queued}");
        let back: SlackEvent = serde_json::from_str(&queued).unwrap();
        let SlackEvent::FunctionExecuted(back) = back else {
            panic!()
        };
        assert_eq!(
            back.token(&cipher).unwrap().unwrap().expose(),
            "xwfp-clear-token"
        );
    }

    #[test]
    fn url_verification_reads_the_challenge() {
        let e: Envelope = serde_json::from_value(json!({
            "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification"
        }))
        .unwrap();
        assert!(
            matches!(e, Envelope::UrlVerification { challenge } if challenge.starts_with("3eZ"))
        );
    }

    #[test]
    fn unknown_envelope_types_are_not_errors() {
        let e: Envelope = serde_json::from_value(json!({"type": "brand_new", "x": 1})).unwrap();
        assert!(matches!(e, Envelope::Unknown));
    }

    #[test]
    fn event_callbacks_keep_enterprise_fields_and_ignore_unknown_ones() {
        let e: Envelope = serde_json::from_value(json!({
            "type": "event_callback", "token": "x", "team_id": "T1", "api_app_id": "A1",
            "event": {"type": "app_uninstalled", "event_ts": "1.2"},
            "event_id": "Ev1", "event_time": 1700000000,
            "authorizations": [{"enterprise_id": "E1", "team_id": "T1", "user_id": "U1",
                                "is_bot": true, "is_enterprise_install": false}],
            "is_ext_shared_channel": false, "context_team_id": "T1",
            "context_enterprise_id": null, "something_new": {"nested": true}
        }))
        .unwrap();
        let Envelope::EventCallback(cb) = e else {
            panic!("not a callback")
        };
        assert_eq!(
            cb.authorizations[0]
                .enterprise_id
                .as_ref()
                .unwrap()
                .as_str(),
            "E1"
        );
        assert_eq!(
            parse_event(&cb.event),
            Parsed::Known(SlackEvent::AppUninstalled {})
        );
    }

    #[test]
    fn link_shared_reads_both_ways_of_answering() {
        let composer = parse_event(&json!({
            "type": "link_shared", "channel": "COMPOSER", "is_bot_user_member": true,
            "user": "U1", "message_ts": "Uxxx-1", "unfurl_id": "Uxxx-1", "source": "composer",
            "links": [{"domain": "h.example", "url": "https://h.example/join/t"}],
            "event_ts": "1.2", "user_locale": "en-US", "something_new": 1
        }));
        let Parsed::Known(SlackEvent::LinkShared(ev)) = composer else {
            panic!("{composer:?}");
        };
        assert_eq!(
            (ev.unfurl_id.as_deref(), ev.source.as_deref()),
            (Some("Uxxx-1"), Some("composer"))
        );
        assert_eq!(ev.links[0].url, "https://h.example/join/t");
        // Enterprise Grid: no unfurl_id, a real message.
        let grid = parse_event(&json!({
            "type": "link_shared", "channel": "C1", "user": "U1", "message_ts": "1.2",
            "links": [{"domain": "h.example", "url": "https://h.example/join/t"}], "event_ts": "1.2"
        }));
        let Parsed::Known(SlackEvent::LinkShared(ev)) = grid else {
            panic!("{grid:?}");
        };
        assert_eq!(
            (ev.channel.as_str(), ev.message_ts.as_deref()),
            ("C1", Some("1.2"))
        );
        assert!(ev.unfurl_id.is_none());
    }

    #[test]
    fn channel_events_read_joins_and_both_renames() {
        let joined = parse_event(&json!({
            "type": "member_joined_channel", "user": "U1", "channel": "C1",
            "channel_type": "C", "team": "T1", "inviter": "U2", "event_ts": "1.2"
        }));
        assert_eq!(
            joined,
            Parsed::Known(SlackEvent::MemberJoinedChannel {
                user: UserId::new("U1").unwrap(),
                channel: ChannelId::new("C1").unwrap(),
                inviter: Some(UserId::new("U2").unwrap()),
            })
        );
        for t in ["channel_rename", "group_rename"] {
            let renamed = parse_event(&json!({
                "type": t, "channel": {"id": "G1", "name": "kitchen-talk", "created": 1, "is_channel": false},
                "event_ts": "1.2"
            }));
            let Parsed::Known(SlackEvent::ChannelRename { channel }) = renamed else {
                panic!("{t}: {renamed:?}");
            };
            assert_eq!(
                (channel.id.as_str(), channel.name.as_str()),
                ("G1", "kitchen-talk")
            );
        }
    }

    #[test]
    fn tokens_revoked_lists_user_ids() {
        let parsed = parse_event(&json!({
            "type": "tokens_revoked",
            "tokens": {"oauth": ["U1", "U2"], "bot": ["U3"]},
            "event_ts": "1.2"
        }));
        let Parsed::Known(SlackEvent::TokensRevoked { tokens }) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(tokens.oauth.len(), 2);
        assert_eq!(tokens.bot[0].as_str(), "U3");
        // Either list may be missing.
        assert!(matches!(
            parse_event(&json!({"type": "tokens_revoked", "tokens": {"bot": ["U3"]}})),
            Parsed::Known(_)
        ));
    }

    #[test]
    fn unknown_and_malformed_events_are_told_apart() {
        assert_eq!(
            parse_event(&json!({"type": "reaction_added"})),
            Parsed::Unknown {
                event_type: "reaction_added".into()
            }
        );
        assert_eq!(
            parse_event(&json!({"no_type": true})),
            Parsed::Unknown {
                event_type: String::new()
            }
        );
        assert!(matches!(
            parse_event(&json!({"type": "tokens_revoked", "tokens": "nope"})),
            Parsed::Malformed { .. }
        ));
    }

    #[test]
    fn user_events_carry_the_person() {
        let user = json!({"id": "U0NEW", "team_id": "T1", "name": "newbie", "deleted": false,
            "real_name": "New Bie", "profile": {"display_name": "nb", "real_name": "New Bie"},
            "is_bot": false, "updated": 1_700_000_500});
        let Parsed::Known(SlackEvent::TeamJoin { user: p }) =
            parse_event(&json!({"type": "team_join", "user": user, "event_ts": "1.2"}))
        else {
            panic!()
        };
        let p = Person::from(p);
        assert_eq!(
            (p.id.as_str(), p.label(), p.updated),
            ("U0NEW", "nb", 1_700_000_500)
        );
        assert!(matches!(
            parse_event(
                &json!({"type": "user_change", "user": user, "cache_ts": 1, "event_ts": "1.2"})
            ),
            Parsed::Known(SlackEvent::UserChange { .. })
        ));
        assert!(matches!(
            parse_event(&json!({"type": "user_change", "event_ts": "1.2"})),
            Parsed::Malformed { .. }
        ));
        // The job carries our record, and reads it back.
        let e = SlackEvent::TeamJoin { user: p.into() };
        let back: SlackEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn known_events_round_trip_through_json() {
        let e = SlackEvent::TokensRevoked {
            tokens: RevokedTokens {
                oauth: vec![],
                bot: vec![UserId::new("U3").unwrap()],
            },
        };
        let back: SlackEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    fn bot_auth() -> Vec<Authorization> {
        vec![Authorization {
            enterprise_id: None,
            team_id: Some(TeamId::new("T1").unwrap()),
            user_id: Some(UserId::new("UBOT").unwrap()),
            is_bot: true,
            is_enterprise_install: false,
        }]
    }

    #[test]
    fn channel_messages_are_read_with_their_type_and_group_dms_are_not() {
        for (channel_type, channel, want) in [
            ("channel", "C1", ChannelType::Channel),
            ("group", "G1", ChannelType::Group),
            ("group", "C2", ChannelType::Group),
        ] {
            let parsed = parse_message(
                &json!({"type": "message", "channel": channel, "channel_type": channel_type,
                        "user": "U1", "text": "hi", "ts": "1.000100", "thread_ts": "1.000001",
                        "parent_user_id": "U2", "event_ts": "1.000100"}),
                &bot_auth(),
            );
            let Parsed::Known(SlackEvent::Message(m)) = parsed else {
                panic!("{channel_type}: {parsed:?}");
            };
            assert_eq!(m.channel_type, want);
            assert_eq!(m.thread_ts.as_ref().unwrap().as_str(), "1.000001");
        }
        let mpim = parse_message(
            &json!({"type": "message", "channel": "G9", "channel_type": "mpim",
                    "user": "U1", "text": "hi", "ts": "1.2"}),
            &bot_auth(),
        );
        assert!(matches!(mpim, Parsed::Skipped { .. }), "{mpim:?}");
        // Our own posts in a channel (and other bots') never come back.
        let ours = parse_message(
            &json!({"type": "message", "channel": "C1", "channel_type": "channel",
                    "user": "UBOT", "text": "hi", "ts": "1.2"}),
            &bot_auth(),
        );
        assert!(matches!(ours, Parsed::Skipped { .. }), "{ours:?}");
        // Edits in channels are read too (the worker acts only on stored ones).
        let edit = parse_message(
            &json!({"type": "message", "subtype": "message_changed", "channel": "C1",
                    "channel_type": "channel", "ts": "2.0",
                    "message": {"type": "message", "user": "U1", "text": "new", "ts": "1.2",
                                "edited": {"user": "U1", "ts": "2.0"}}}),
            &bot_auth(),
        );
        assert!(
            matches!(edit, Parsed::Known(SlackEvent::MessageChanged { .. })),
            "{edit:?}"
        );
    }

    #[test]
    fn a_dm_job_written_before_channel_chat_reads_as_a_dm() {
        let old = json!({"type": "message", "channel": "D1", "user": "U1", "text": "hi",
                         "ts": "1.2", "thread_ts": null, "via": {"kind": "bot"}});
        let SlackEvent::Message(m) = serde_json::from_value(old).unwrap() else {
            panic!("not a message");
        };
        assert_eq!(m.channel_type, ChannelType::Im);
        // An unknown channel_type in a job does not fail it.
        let new = json!({"type": "message", "channel": "C1", "channel_type": "huddle", "user": "U1",
                         "text": "hi", "ts": "1.2", "thread_ts": null, "via": {"kind": "bot"}});
        let SlackEvent::Message(m) = serde_json::from_value(new).unwrap() else {
            panic!("not a message");
        };
        assert_eq!(m.channel_type, ChannelType::Unknown);
    }

    #[test]
    fn archive_delete_and_leave_events_read_both_kinds_of_channel() {
        for (t, want_archive) in [("channel_archive", true), ("group_archive", true)] {
            let parsed = parse_event(
                &json!({"type": t, "channel": "C1", "user": "U1", "is_moved": 0, "event_ts": "1.2"}),
            );
            assert_eq!(
                matches!(parsed, Parsed::Known(SlackEvent::ChannelArchive { .. })),
                want_archive,
                "{t}: {parsed:?}"
            );
        }
        for t in ["channel_deleted", "group_deleted"] {
            let parsed = parse_event(&json!({"type": t, "channel": "G1", "event_ts": "1.2"}));
            assert!(
                matches!(parsed, Parsed::Known(SlackEvent::ChannelDeleted { .. })),
                "{t}: {parsed:?}"
            );
        }
        for t in ["channel_left", "group_left"] {
            let parsed = parse_event(
                &json!({"type": t, "channel": "C1", "actor_id": "U1", "event_ts": "1.2"}),
            );
            assert!(
                matches!(parsed, Parsed::Known(SlackEvent::ChannelLeft { .. })),
                "{t}: {parsed:?}"
            );
        }
        let left = parse_event(
            &json!({"type": "member_left_channel", "user": "W1", "channel": "C1",
                                       "channel_type": "C", "team": "T1", "event_ts": "1.2"}),
        );
        assert_eq!(
            left,
            Parsed::Known(SlackEvent::MemberLeftChannel {
                user: UserId::new("W1").unwrap(),
                channel: ChannelId::new("C1").unwrap(),
            })
        );
    }

    #[test]
    fn an_organisations_events_are_filed_under_the_workspace_or_else_the_organisation() {
        let cb = |v: serde_json::Value| -> EventCallback {
            let Envelope::EventCallback(cb) = serde_json::from_value(v).unwrap() else {
                panic!("not a callback")
            };
            *cb
        };
        // An org install's message: the envelope names the workspace, the
        // authorization does not (bolt-python's org fixtures).
        let message = cb(
            json!({"type": "event_callback", "team_id": "T111", "enterprise_id": "E111",
            "event": {"type": "message"}, "event_id": "Ev1", "event_time": 1,
            "authorizations": [{"enterprise_id": "E111", "team_id": null, "user_id": "W222",
                                "is_bot": true, "is_enterprise_install": true}]}),
        );
        assert_eq!(message.team().unwrap().as_str(), "T111");
        assert_eq!(message.enterprise().unwrap().as_str(), "E111");
        // The organisation's own event: no workspace anywhere.
        let granted = cb(
            json!({"type": "event_callback", "team_id": null, "enterprise_id": "E111",
            "event": {"type": "team_access_granted", "team_ids": ["T1", "T2"]},
            "event_id": "Ev2", "event_time": 1}),
        );
        assert_eq!(granted.team().unwrap().as_str(), "E111");
        assert_eq!(
            parse_event(&granted.event),
            Parsed::Known(SlackEvent::TeamAccessGranted {
                team_ids: vec![TeamId::new("T1").unwrap(), TeamId::new("T2").unwrap()]
            })
        );
        // Neither: nothing to file it under.
        let lost = cb(
            json!({"type": "event_callback", "event": {"type": "app_uninstalled"},
            "event_id": "Ev3", "event_time": 1}),
        );
        assert!(lost.team().is_none());
    }
}
